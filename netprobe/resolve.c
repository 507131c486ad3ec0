/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "resolve.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ares.h>

#include "clock.h"
#include "loop.h"
#include "resolve_watch.h"
#include "strput.h"

struct sock_watch {
	ares_socket_t fd;
	struct np_watch *w;
};

#define NP_RESOLVER_MAX_SOCKS 64

struct np_resolver {
	struct np_loop *loop;
	void (*on_socket)(int fd, int socktype, void *arg);
	void *on_socket_arg;
	ares_channel channel;
	struct np_dns_watch *watch;   /* sees what c-ares drops (resolve_watch.h) */
	struct np_timer *timer;
	int64_t first_try_us;         /* c-ares' wait for a query's first answer */
	struct sock_watch socks[NP_RESOLVER_MAX_SOCKS];
	size_t n_socks;
};

struct np_resolve_req {
	np_resolve_cb cb;           /* NULL once cancelled */
	np_query_cb qcb;
	void *arg;
	struct np_resolve_req **handle;
	int64_t started_us;
	struct np_resolver *r;
	char name[256];             /* as asked, to find the watch's notes */
	int type;                   /* the query's; 0 for an address lookup */
};

static int lib_ready;

static void schedule_timeout(struct np_resolver *r)
{
	struct timeval tv, *tvp = ares_timeout(r->channel, NULL, &tv);

	/* Nothing pending: park the timer far away rather than spin. */
	if (!tvp)
		np_timer_reset(r->timer, INT64_C(3600) * 1000000);
	else
		np_timer_reset(r->timer, (int64_t)tvp->tv_sec * 1000000 + tvp->tv_usec);
}

/* A new query times out no sooner than its first try's wait: bring the
 * timer forward to that if it is later, without ares_timeout(), which
 * walks every query in flight (thousands in a big run, at each one).
 * A timer that fires early only recomputes the real deadline. */
static void schedule_new_query(struct np_resolver *r)
{
	if (np_timer_due_us(r->timer) > np_now_us() + r->first_try_us)
		np_timer_reset(r->timer, r->first_try_us);
}

static void on_timer(struct np_timer *t, void *arg)
{
	struct np_resolver *r = arg;

	(void)t;
	/* c-ares only notices expired queries when processed: call it with no
	 * ready socket so retries and timeouts happen on time. */
	ares_process_fd(r->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	schedule_timeout(r);
}

static void on_sock(struct np_watch *w, int fd, int events, void *arg)
{
	struct np_resolver *r = arg;
	int rd = events & (NP_EV_READ | NP_EV_ERROR | NP_EV_HUP);

	(void)w;
	np_dns_watch_round(r->watch);
	ares_process_fd(r->channel, rd ? fd : ARES_SOCKET_BAD,
			(events & NP_EV_WRITE) ? fd : ARES_SOCKET_BAD);
	schedule_timeout(r);
}

void np_resolver_read(struct np_resolver *r)
{
	ares_socket_t fds[NP_RESOLVER_MAX_SOCKS];
	size_t n = r->n_socks;

	/* (callbacks may close sockets and so change the list) */
	for (size_t i = 0; i < n; i++)
		fds[i] = r->socks[i].fd;
	np_dns_watch_round(r->watch);
	for (size_t i = 0; i < n; i++)
		ares_process_fd(r->channel, fds[i], ARES_SOCKET_BAD);
	schedule_timeout(r);
}

static void sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	struct np_resolver *r = data;
	int events = (readable ? NP_EV_READ : 0) | (writable ? NP_EV_WRITE : 0);
	size_t i;

	for (i = 0; i < r->n_socks; i++)
		if (r->socks[i].fd == fd)
			break;
	if (i < r->n_socks) {
		if (!events) {
			np_watch_del(r->socks[i].w);
			r->socks[i] = r->socks[--r->n_socks];
		} else {
			np_watch_set(r->socks[i].w, events);
		}
		return;
	}
	if (!events || r->n_socks == NP_RESOLVER_MAX_SOCKS)
		return;
	/* First sight of this socket: c-ares has connected it by now. */
	if (r->on_socket) {
		int type = 0;
		socklen_t len = sizeof(type);

		if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0)
			r->on_socket(fd, type, r->on_socket_arg);
	}
	r->socks[r->n_socks].fd = fd;
	r->socks[r->n_socks].w = np_loop_watch(r->loop, fd, events, on_sock, r);
	if (r->socks[r->n_socks].w)
		r->n_socks++;
}

struct np_resolver *np_resolver_new(struct np_loop *loop,
				    const struct np_resolver_opts *opts,
				    char *errbuf)
{
	struct np_resolver *r = calloc(1, sizeof(*r));
	struct ares_options o;
	int st;

	if (!r) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "resolver: out of memory");
		return NULL;
	}
	if (!lib_ready) {
		st = ares_library_init(ARES_LIB_INIT_ALL);
		if (st != ARES_SUCCESS) {
			snprintf(errbuf, NP_ERRBUF_SIZE, "c-ares: %s", ares_strerror(st));
			free(r);
			return NULL;
		}
		lib_ready = 1;
	}
	r->loop = loop;
	r->on_socket = opts->on_socket;
	r->on_socket_arg = opts->on_socket_arg;
	memset(&o, 0, sizeof(o));
	/* Two tries; c-ares doubles the wait for the second, so a third of the
	 * budget for the first try keeps the whole lookup within it. */
	o.timeout = (int)(opts->timeout_us / 3000);
	if (o.timeout < 50)
		o.timeout = 50;
	o.tries = 2;
	if (opts->once) {
		o.timeout = (int)(opts->timeout_us / 1000);
		o.tries = 1;
	}
	/* Without NOCHECKRESP, SERVFAIL and REFUSED answers are retried and
	 * end up reported as ARES_ECONNREFUSED. */
	r->first_try_us = (int64_t)o.timeout * 1000;
	o.flags = ARES_FLAG_NOCHECKRESP | (opts->tcp ? ARES_FLAG_USEVC : 0) |
		  (opts->ignore_tc ? ARES_FLAG_IGNTC : 0);
	o.sock_state_cb = sock_state;
	o.sock_state_cb_data = r;
	st = ares_init_options(&r->channel, &o,
			       ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS |
			       ARES_OPT_SOCK_STATE_CB);
	if (st != ARES_SUCCESS) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "c-ares: %s", ares_strerror(st));
		free(r);
		return NULL;
	}
	/* Before any socket opens: the watch makes them, and binds them to
	 * the source and interface, as c-ares no longer does then. */
	r->watch = np_dns_watch_new(r->channel, opts->source, opts->interface);
	if (!r->watch) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "resolver: out of memory");
		goto fail;
	}
	if (opts->servers) {
		st = ares_set_servers_ports_csv(r->channel, opts->servers);
		if (st != ARES_SUCCESS) {
			snprintf(errbuf, NP_ERRBUF_SIZE, "resolver list '%s': %s", opts->servers,
				 ares_strerror(st));
			goto fail;
		}
	}
	r->timer = np_loop_timer(loop, INT64_C(3600) * 1000000, on_timer, r);
	if (!r->timer) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "resolver: out of memory");
		goto fail;
	}
	return r;
fail:
	ares_destroy(r->channel);
	np_dns_watch_free(r->watch);
	free(r);
	return NULL;
}

void np_resolver_free(struct np_resolver *r)
{
	if (!r)
		return;
	/* Pending callbacks run with ARES_EDESTRUCTION and free their
	 * requests; sock_state removes the watchers. */
	ares_destroy(r->channel);
	np_dns_watch_free(r->watch);
	for (size_t i = 0; i < r->n_socks; i++)
		np_watch_del(r->socks[i].w);
	np_timer_del(r->timer);
	free(r);
}

const char *np_resolve_verdict(int status)
{
	switch (status) {
	case ARES_ENOTFOUND: return "dns.nxdomain";
	case ARES_ENODATA: return "dns.nodata";
	case ARES_ETIMEOUT: return "dns.timeout";
	case ARES_ESERVFAIL: return "dns.servfail";
	case ARES_EREFUSED: return "dns.refused";
	/* An ICMP error on c-ares' connected UDP socket reads this way. */
	case ARES_ECONNREFUSED: return "dns.unreachable";
	/* An answer c-ares took but could not parse. */
	case ARES_EBADRESP: return "dns.malformed";
	}
	return "dns.error";
}

/* The watch's latest note on what this lookup asked, since it began. */
static const struct np_dns_note *malformed_note(const struct np_resolve_req *req)
{
	/* An address lookup asks A and AAAA, perhaps with search domains. */
	return np_dns_watch_find(req->r->watch, req->name, req->type, req->type == 0, req->started_us);
}

static void on_addrinfo(void *arg, int status, int timeouts, struct ares_addrinfo *ai)
{
	struct np_resolve_req *req = arg;
	struct np_resolve_result *res;
	const struct np_dns_note *note;
	char detail[NP_DNS_WHY_MAX + 100];

	(void)timeouts;
	if (req->handle)
		*req->handle = NULL;
	if (!req->cb)
		goto out;
	res = calloc(1, sizeof(*res));
	if (!res)
		goto out;
	res->ms = (double)(np_now_us() - req->started_us) / 1000.0;
	if (status == ARES_SUCCESS && ai) {
		for (struct ares_addrinfo_node *n = ai->nodes; n; n = n->ai_next) {
			if (res->n_addrs == NP_RESOLVE_MAX_ADDRS)
				break;
			if (n->ai_addrlen > sizeof(res->addrs[0]))
				continue;
			memcpy(&res->addrs[res->n_addrs++], n->ai_addr, n->ai_addrlen);
		}
	}
	res->defect = "";
	if (res->n_addrs > 0) {
		res->ok = 1;
	} else if (status != ARES_EDESTRUCTION && (note = malformed_note(req))) {
		/* No address, and a server sent something unusable: that is
		 * why (not the timeout or NODATA that followed). */
		res->verdict = "dns.malformed";
		snprintf(detail, sizeof(detail), "malformed answer from %s: %s", note->server, note->why);
		res->error = detail;
		res->defect = np_dns_defect_name(note->defect);
	} else {
		res->verdict = status == ARES_SUCCESS ? "dns.nodata" : np_resolve_verdict(status);
		res->error = status == ARES_SUCCESS ? "no address" : ares_strerror(status);
		if (status == ARES_EBADRESP) {
			snprintf(detail, sizeof(detail), "malformed answer (c-ares: %s)", ares_strerror(status));
			res->error = detail;
		}
	}
	req->cb(res, req->arg);
	free(res);
out:
	ares_freeaddrinfo(ai);
	free(req);
}

int np_resolver_lookup(struct np_resolver *r, const char *name, int family,
		       np_resolve_cb cb, void *arg, struct np_resolve_req **handle)
{
	struct np_resolve_req *req = calloc(1, sizeof(*req));
	struct ares_addrinfo_hints hints;

	*handle = NULL;
	if (!req)
		return NP_ENOMEM;
	req->cb = cb;
	req->arg = arg;
	req->handle = handle;
	*handle = req;
	req->started_us = np_now_us();
	req->r = r;
	np_str_put(req->name, sizeof(req->name), 0, name, sizeof(req->name));
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	ares_getaddrinfo(r->channel, name, NULL, &hints, on_addrinfo, req);
	schedule_new_query(r);
	return 0;
}

static void on_query(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct np_resolve_req *req = arg;
	struct np_query_result res;

	(void)timeouts;
	if (req->handle)
		*req->handle = NULL;
	if (req->qcb) {
		const struct np_dns_note *note = NULL;

		memset(&res, 0, sizeof(res));
		res.status = status;
		res.error = ares_strerror(status);
		res.abuf = abuf;
		res.alen = abuf ? alen : 0;
		res.sound = abuf && np_dns_watch_sound(req->r->watch, abuf, (size_t)alen);
		res.ms = (double)(np_now_us() - req->started_us) / 1000.0;
		/* An answer that came is read by the caller; without one, what
		 * c-ares dropped may say why. */
		if (!abuf && status != ARES_EDESTRUCTION)
			note = malformed_note(req);
		if (note) {
			res.malformed = note->why;
			res.defect = np_dns_defect_name(note->defect);
			res.from = note->server;
		}
		req->qcb(&res, req->arg);
	}
	free(req);
}

int np_resolver_query(struct np_resolver *r, const char *name, int type,
		      np_query_cb cb, void *arg, struct np_resolve_req **handle)
{
	struct np_resolve_req *req = calloc(1, sizeof(*req));

	*handle = NULL;
	if (!req)
		return NP_ENOMEM;
	req->qcb = cb;
	req->arg = arg;
	req->handle = handle;
	req->started_us = np_now_us();
	req->r = r;
	req->type = type;
	np_str_put(req->name, sizeof(req->name), 0, name, sizeof(req->name));
	*handle = req;
	/* ns_c_in = 1 (RFC 1035 3.2.4). */
	ares_query(r->channel, name, 1, type, on_query, req);
	schedule_new_query(r);
	return 0;
}

int np_resolve_is_timeout(int status)
{
	return status == ARES_ETIMEOUT;
}

void np_resolver_timeout_result(struct np_resolver *r, const char *name, int type, int64_t since_us,
				struct np_query_result *res, double ms)
{
	const struct np_dns_note *note = np_dns_watch_find(r->watch, name, type, 0, since_us);

	memset(res, 0, sizeof(*res));
	res->status = ARES_ETIMEOUT;
	res->error = ares_strerror(ARES_ETIMEOUT);
	res->ms = ms;
	/* No usable answer in time; what c-ares dropped may say why. */
	if (note) {
		res->malformed = note->why;
		res->defect = np_dns_defect_name(note->defect);
		res->from = note->server;
	}
}

void np_resolve_cancel(struct np_resolve_req *req)
{
	if (!req)
		return;
	req->cb = NULL;
	req->qcb = NULL;
	if (req->handle)
		*req->handle = NULL;
	req->handle = NULL;
}

size_t np_resolver_servers(struct np_resolver *r, char (*out)[56], size_t max)
{
	struct ares_addr_port_node *list = NULL;
	size_t n = 0;

	if (ares_get_servers_ports(r->channel, &list) != ARES_SUCCESS)
		return 0;
	for (struct ares_addr_port_node *s = list; s && n < max; s = s->next) {
		char a[INET6_ADDRSTRLEN];
		int port = s->udp_port ? s->udp_port : 53;

		inet_ntop(s->family, &s->addr, a, sizeof(a));
		if (port == 53)
			snprintf(out[n++], 56, "%s", a);
		else if (s->family == AF_INET6)
			snprintf(out[n++], 56, "[%s]:%d", a, port);
		else
			snprintf(out[n++], 56, "%s:%d", a, port);
	}
	ares_free_data(list);
	return n;
}
