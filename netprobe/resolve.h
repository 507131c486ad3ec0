/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_RESOLVE_H
#define NETPROBE_RESOLVE_H

#include <stdint.h>
#include <sys/socket.h>

#include "error.h"

struct np_loop;
struct np_resolver;
struct np_resolve_req;

struct np_resolver_opts {
	int64_t timeout_us;         /* total budget for one lookup */
	const char *servers;        /* "addr[:port],..." or NULL: resolv.conf */
	const struct sockaddr_storage *source; /* bind queries here, or NULL */
	const char *interface;      /* SO_BINDTODEVICE, or NULL */
	int tcp;                    /* every query over TCP (ARES_FLAG_USEVC) */
	int ignore_tc;              /* keep truncated UDP answers (ARES_FLAG_IGNTC) */
	/* Each query sent once, its answer awaited for the whole budget: the
	 * caller retransmits on its own timer (dns_send.h). */
	int once;
	/* Told of each socket once it is connected to its server (the flow
	 * table needs the 5-tuple); may be NULL. */
	void (*on_socket)(int fd, int socktype, void *arg);
	void *on_socket_arg;
};

#define NP_RESOLVE_MAX_ADDRS 64

struct np_resolve_result {
	int ok;
	const char *verdict;        /* dns.* code when !ok */
	const char *error;          /* c-ares' words when !ok; for dns.malformed,
				     * the server and what was wrong */
	const char *defect;         /* dns.malformed: "pointer_loop", ... or "" */
	double ms;
	size_t n_addrs;
	struct sockaddr_storage addrs[NP_RESOLVE_MAX_ADDRS];
};

/* Called once per lookup, from the loop; res is borrowed for the call. */
typedef void (*np_resolve_cb)(const struct np_resolve_result *res, void *arg);

/* A c-ares channel driven by the loop (socket-state callback, ares_process_fd
 * on readiness, and a timer from ares_timeout() so timeouts fire). */
struct np_resolver *np_resolver_new(struct np_loop *loop,
				    const struct np_resolver_opts *opts,
				    char *errbuf);
void np_resolver_free(struct np_resolver *r);

/* family: AF_UNSPEC, AF_INET or AF_INET6. *handle is set to the pending
 * request and back to NULL just before cb runs (which may happen inside
 * this call, for names from the hosts file). NP_ENOMEM on no memory. */
int np_resolver_lookup(struct np_resolver *r, const char *name, int family,
		       np_resolve_cb cb, void *arg, struct np_resolve_req **handle);
/* A raw DNS query (class IN, no search domains). abuf is the whole answer
 * (NULL when none came back), borrowed for the call; status is c-ares'
 * (ARES_SUCCESS, ARES_ENOTFOUND, ARES_ENODATA, ARES_ESERVFAIL, ...). When
 * no answer came back but malformed ones did (c-ares drops those whose
 * question does not match, and waits on), malformed says what was wrong
 * with the latest, from whom, and defect names it; else both are NULL. */
struct np_query_result {
	int status;
	const char *error;
	const unsigned char *abuf;
	int alen;
	double ms;
	const char *malformed;
	const char *defect;
	const char *from;
	int sound;                  /* abuf was checked sound against the query (np_dns_watch_sound) */
};
typedef void (*np_query_cb)(const struct np_query_result *res, void *arg);
int np_resolver_query(struct np_resolver *r, const char *name, int type,
		      np_query_cb cb, void *arg, struct np_resolve_req **handle);
/* A status is c-ares' time-out; a result as c-ares gives for one, for a
 * caller that ends a query's wait itself (with the malformed answer from
 * r's servers to NAME/TYPE since since_us, when one came). */
int np_resolve_is_timeout(int status);
void np_resolver_timeout_result(struct np_resolver *r, const char *name, int type, int64_t since_us,
				struct np_query_result *res, double ms);
/* The dns.* verdict code for a c-ares status. */
const char *np_resolve_verdict(int status);

/* Reads what the channel's sockets hold now, a round's worth, as the
 * loop would (callbacks run): a caller about to act on a missing answer
 * (retransmit, give up) reads first, so that an answer already here, left
 * for the next round by the read bound (resolve_watch.h), counts. */
void np_resolver_read(struct np_resolver *r);

/* The callback will not be called. Call only while *handle is non-NULL. */
void np_resolve_cancel(struct np_resolve_req *req);

/* The servers the channel uses, "addr" or "addr:port" strings; fills at
 * most max entries of INET6_ADDRSTRLEN + 8 bytes, returns the count. */
size_t np_resolver_servers(struct np_resolver *r, char (*out)[56], size_t max);

#endif
