/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_RESPONDER_H
#define NETPROBE_RESPONDER_H

/*
 * The responder: the far end a network team runs on the other side of a
 * path, answering NPR/1 (npr.h) over TCP, TLS and UDP on one address and
 * port, on netprobe's event loop. It never times out a connection: the idle
 * probe holds connections open for minutes and needs the far end to keep
 * them. What it spends is bounded instead: connections (max_conns), bytes
 * per connection (one line in, a few replies out), new connections and
 * datagrams per source address (a token bucket), and over UDP a reply is
 * never longer than its request, so it cannot be used to amplify.
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "error.h"
#include "loop.h"

struct np_tls_server;

#define NP_RESPONDER_MAX_SOURCES 4096   /* rate-limit table: oldest forgotten beyond */
/* Connections being closed (their last reply sent, their input drained for
 * a moment so that the reply is not lost to a reset): held apart from
 * max_conns, and bounded too. A caller sizing file descriptors adds these. */
#define NP_RESPONDER_MAX_CLOSING 64

struct np_responder_opts {
	struct sockaddr_storage listen;  /* address and port; [::] is dual-stack */
	const char *token;               /* requests must carry token=T; NULL: none */
	unsigned max_conns;              /* TCP connections served at once, >= 1 */
	unsigned rate;                   /* new TCP connections + UDP requests a second per
	                                  * source address, burst as many; >= 1 */
	struct np_tls_server *tls;       /* borrowed; NULL: no TLS. With it, a TCP
	                                  * connection whose first byte starts a TLS
	                                  * record is TLS, any other plain NPR/1 */
};

struct np_responder_stats {
	uint64_t tcp_conns;       /* TCP connections served (TLS ones included) */
	uint64_t tls_conns;       /* TLS handshakes completed */
	uint64_t tls_failed;      /* TLS handshakes that failed */
	uint64_t udp_requests;    /* datagrams received */
	uint64_t replies;         /* NPR/1 reply lines sent or queued (errors included) */
	uint64_t errors;          /* of them, ERR replies */
	uint64_t http;            /* HTTP requests answered */
	uint64_t busy;            /* connections refused at max_conns */
	uint64_t rate_limited;    /* connections closed and datagrams dropped over the rate */
	uint64_t udp_withheld;    /* UDP replies not sent: longer than their request */
	uint64_t udp_send_failed; /* UDP replies the socket would not take */
	size_t open;              /* connections open now */
	size_t open_peak;         /* most open at once */
};

/* Checks the options; nothing is bound yet. NULL with errbuf filled. */
struct np_responder *np_responder_new(struct np_loop *loop, const struct np_responder_opts *o,
				      char *errbuf);

/* Bind the TCP and UDP sockets and serve from now on. NP_EINVAL when the
 * address cannot be had (in use, not this host's, a port that needs
 * privileges), NP_ESYS for other failures; errbuf names the protocol and
 * the reason. */
int np_responder_listen(struct np_responder *r, char *errbuf);

void np_responder_stats(const struct np_responder *r, struct np_responder_stats *out);

/* Closes every connection and both sockets. NULL is fine. */
void np_responder_free(struct np_responder *r);

#endif
