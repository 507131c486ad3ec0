/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_RESPONDER_INT_H
#define NETPROBE_RESPONDER_INT_H

/* Shared by responder.c (sockets, accept, UDP, the limits) and
 * responder_conn.c (one TCP connection's state machine). Not for the rest
 * of netprobe: responder.h is the interface. */

#include "npr.h"
#include "ratelimit.h"
#include "responder.h"

struct np_tls_conn;

/* Queued replies: a few lines, so a client that pipelines requests without
 * reading the answers stops being read instead of growing a buffer. */
#define NP_RESP_OUT_MAX 2048

enum np_conn_state {
	NP_CONN_SNIFF,       /* with TLS configured: waiting for the first byte */
	NP_CONN_HANDSHAKE,   /* TLS handshake */
	NP_CONN_OPEN,        /* lines in, replies out */
	NP_CONN_CLOSING,     /* last reply sent, write side shut, input drained */
};

struct np_conn {
	struct np_responder *r;
	struct np_conn *prev, *next;
	int fd;
	struct np_watch *w;
	struct np_timer *timer;     /* closing connections only */
	struct np_tls_conn *tls;
	enum np_conn_state state;
	enum np_npr_proto proto;
	int closing;                /* send what is queued, then close */
	int in_http;                /* inside an HTTP request head */
	int rd_wants_write;         /* TLS: a read asked for writability */
	int wr_wants_read;          /* TLS: a write asked for readability */
	size_t drained;             /* bytes thrown away while closing */
	struct np_npr_http http;
	struct sockaddr_storage peer, local;
	size_t in_len, out_off, out_len;
	char in[NP_NPR_LINE_MAX + 2];
	char out[NP_RESP_OUT_MAX];
};

struct np_responder {
	struct np_loop *loop;
	struct np_responder_opts o;
	char token[NP_NPR_TOKEN_MAX + 1];
	int tcp_fd, udp_fd;
	struct np_watch *tcp_w, *udp_w;
	struct np_timer *resume;    /* accept paused: out of file descriptors */
	struct np_ratelimit *rl;
	struct np_conn *conns;
	size_t n_active, n_closing;
	struct np_responder_stats st;
};

/* responder_conn.c */
/* Serve an accepted socket (fd is the connection's from now on, closed with
 * it, also on failure). */
void np_conn_start(struct np_responder *r, int fd, const struct sockaddr_storage *peer);
/* Answer "NPR/1 ERR busy" and close, outside max_conns. */
void np_conn_busy(struct np_responder *r, int fd, const struct sockaddr_storage *peer);
/* Close at once: no reply, no draining. */
void np_conn_destroy(struct np_conn *c);

/* responder.c: a connection left; accept may resume. */
void np_responder_conn_gone(struct np_responder *r);

#endif
