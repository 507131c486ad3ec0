/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_WATCH_HTTP_H
#define NETPROBE_WATCH_HTTP_H

#include <stddef.h>
#include <sys/socket.h>

#include "error.h"

/*
 * netprobe watch's HTTP endpoint: libmicrohttpd (the one module that
 * includes it) without a thread of its own, on netprobe's loop: MHD's
 * epoll descriptor is watched like any other and its timeout is a loop
 * timer. GET (and HEAD) only; the request line and headers are bounded by
 * the connection's memory (a longer URL gets 414), connections in all and
 * per client address are bounded, idle ones time out.
 */

struct np_loop;
struct np_http;
struct np_http_req;

/* Bounds (see README, "netprobe watch"). */
#define NP_HTTP_MAX_CONNS 32
#define NP_HTTP_MAX_PER_IP 16
#define NP_HTTP_CONN_MEMORY (16 * 1024)
#define NP_HTTP_CONN_TIMEOUT_S 30

/* Called once per GET/HEAD request. It answers with np_http_reply, now or
 * later (the connection then waits, suspended, until it does). */
typedef void (*np_http_cb)(struct np_http_req *req, void *arg);

/* The privileged step: bind addr (a port under 1024 needs root) and set
 * up the daemon. NULL with errbuf. */
struct np_http *np_http_open(const struct sockaddr *addr, socklen_t len, np_http_cb cb, void *arg, char *errbuf);
/* Put it on the loop. 0, or NP_ENOMEM/NP_ESYS with errbuf. */
int np_http_start(struct np_http *h, struct np_loop *loop, char *errbuf);
/* Answers every request still waiting with 503, then stops. */
void np_http_free(struct np_http *h);

const char *np_http_path(const struct np_http_req *req);
/* A query argument (NULL: absent) or a request header, as sent. */
const char *np_http_arg(const struct np_http_req *req, const char *name);
const char *np_http_header(const struct np_http_req *req, const char *name);
/* The address the request came from, as text. */
const char *np_http_peer(const struct np_http_req *req);

/* The answer: body (malloc'ed, may be NULL) is taken over, also on
 * failure. req is gone after this. */
void np_http_reply(struct np_http_req *req, int status, const char *content_type, char *body, size_t len);

#endif
