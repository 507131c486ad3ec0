/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The HTTP fetches of revocation checking (revoc_fetch.h): one small
 * HTTP/1.1 client on the loop, Connection: close, one timer for the
 * whole fetch (DNS to last byte), the body bounded. */
#include "revoc_fetch.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../tls/tls_b64.h"
#include "addr.h"
#include "capture.h"
#include "clock.h"
#include "loop.h"
#include "proxy_auth.h"
#include "resolve.h"
#include "run.h"
#include "target.h"

struct np_rfetch_wait {
	struct entry *e;
	np_rfetch_cb cb;
	void *arg;
	struct np_timer *t;         /* delivery, armed once the answer is in */
	struct np_rfetch_wait *next;
};

enum stage { S_DNS, S_CONNECT, S_SEND, S_READ, S_DONE };

struct entry {
	struct np_rfetch *rf;
	struct entry *next;
	char *url;
	unsigned char *req_body;
	size_t blen;
	char path[NP_TARGET_STR_MAX];   /* the proxy as shown, or "direct" */
	struct np_target t;
	struct np_proxy proxy;
	size_t max;
	enum stage stage;
	int64_t t0;
	int fd;
	struct np_watch *w;
	struct np_timer *timer;
	struct np_resolve_req *req;
	char conn_to[NP_TARGET_STR_MAX];  /* host:port connected to, for reasons */
	char *out;
	size_t out_len, out_off;
	unsigned char *in;
	size_t in_len, in_cap;
	struct np_rfetch_answer ans;
	unsigned char *body;            /* the decoded body, when ok */
	struct np_rfetch_wait *waiters;
	/* A proxy that answers 407: its exchange (proxy_auth.h), as the
	 * handshake's CONNECT has it, each leg on a new connection. */
	struct np_pauth *pauth;
	int legs;
	const char *content_type;
	struct sockaddr_storage dst;
};

/* Legs of one proxy exchange at most (Negotiate takes one, Basic one). */
#define AUTH_LEGS_MAX 3

struct np_rfetch {
	struct np_run *run;
	struct entry *entries;
	size_t n;
};

struct np_rfetch *np_rfetch_new(struct np_run *run)
{
	struct np_rfetch *rf = calloc(1, sizeof(*rf));

	if (rf)
		rf->run = run;
	return rf;
}

size_t np_rfetch_count(const struct np_rfetch *rf)
{
	return rf ? rf->n : 0;
}

static void close_io(struct entry *e)
{
	np_watch_del(e->w);
	e->w = NULL;
	if (e->fd >= 0)
		close(e->fd);
	e->fd = -1;
	if (e->req)
		np_resolve_cancel(e->req);
	e->req = NULL;
	np_timer_del(e->timer);
	e->timer = NULL;
}

static void deliver(struct np_timer *t, void *arg)
{
	struct np_rfetch_wait *w = arg, **pp;
	struct entry *e = w->e;
	np_rfetch_cb cb = w->cb;
	void *cb_arg = w->arg;

	(void)t;
	for (pp = &e->waiters; *pp && *pp != w; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = w->next;
	np_timer_del(w->t);
	free(w);
	/* The entry outlives this call: it is freed with the run's cache. */
	cb(&e->ans, cb_arg);
}

static void arm(struct entry *e, struct np_rfetch_wait *w)
{
	if (!w->t)
		w->t = np_loop_timer(np_run_loop(e->rf->run), 0, deliver, w);
}

static void finish(struct entry *e)
{
	close_io(e);
	e->stage = S_DONE;
	e->ans.ms = (double)(np_now_us() - e->t0) / 1000.0;
	free(e->out);
	e->out = NULL;
	for (struct np_rfetch_wait *w = e->waiters; w; w = w->next)
		arm(e, w);
}

static void fail(struct entry *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail(struct entry *e, const char *fmt, ...)
{
	va_list ap;

	e->ans.ok = 0;
	va_start(ap, fmt);
	vsnprintf(e->ans.reason, sizeof(e->ans.reason), fmt, ap);
	va_end(ap);
	finish(e);
}

long np_rfetch_dechunk(unsigned char *buf, size_t len)
{
	size_t r = 0, w = 0;

	for (;;) {
		unsigned long long size = 0;
		int digits = 0;

		while (r < len && ((buf[r] >= '0' && buf[r] <= '9') || ((buf[r] | 0x20) >= 'a' && (buf[r] | 0x20) <= 'f'))) {
			int v = buf[r] <= '9' ? buf[r] - '0' : (buf[r] | 0x20) - 'a' + 10;

			if (size > (1ULL << 40))
				return -1;
			size = size * 16 + (unsigned)v;
			digits++;
			r++;
		}
		if (!digits)
			return -1;
		/* chunk extensions (RFC 9112 7.1.1) are skipped to the line end */
		while (r < len && buf[r] != '\n')
			r++;
		if (r >= len)
			return -1;
		r++;
		if (size == 0)
			return (long)w;    /* trailers are not read */
		if (size > len - r)
			return -1;
		memmove(buf + w, buf + r, (size_t)size);
		w += (size_t)size;
		r += (size_t)size;
		if (r < len && buf[r] == '\r')
			r++;
		if (r >= len || buf[r] != '\n')
			return -1;
		r++;
	}
}

static double timeout_s(const struct entry *e)
{
	return (double)np_run_opts(e->rf->run)->timeout_us / 1e6;
}

static void start_connect(struct entry *e, const struct sockaddr *sa);
static int make_request(struct entry *e, const char *content_type, const char *authz);

/* A 407: answer the proxy's challenges with the same credentials the
 * handshake's CONNECT uses (Negotiate through GSSAPI, Basic), on a new
 * connection, as Windows would fetch a CRL through the proxy with its
 * default credentials. Returns 1 when the exchange goes on or has failed
 * (e failed with the reason), 0 to report the 407 as it is. NTLM is not
 * offered here: its legs must share one connection and these requests
 * close theirs. */
static int proxy_auth(struct entry *e, const struct np_http_head *h)
{
	struct np_pauth_challenges *c = calloc(1, sizeof(*c));
	char *val = malloc(NP_PAUTH_TOKEN_MAX * 4);
	int k;

	if (!c || !val || e->legs >= AUTH_LEGS_MAX) {
		free(c);
		free(val);
		return 0;
	}
	np_pauth_reset(c);
	if (np_pauth_parse_head((const char *)e->in, h->length, c) < 0) {
		fail(e, "proxy 407 with a malformed challenge: %s", c->why ? c->why : "?");
		goto done;
	}
	/* NTLM's legs must share one connection, and these requests close
	 * theirs: it is left out, and said so when it was all there was. */
	if ((c->offered & NP_PAUTH_NTLM) && !(c->offered & ~(unsigned)NP_PAUTH_NTLM)) {
		fail(e, "proxy 407 (%s): a revocation fetch cannot keep its connection for NTLM's legs", c->names);
		goto done;
	}
	c->offered &= ~(unsigned)NP_PAUTH_NTLM;
	if (!e->pauth) {
		e->pauth = np_pauth_new(e->proxy.host, e->proxy.user, e->proxy.pass);
		if (!e->pauth) {
			fail(e, "out of memory");
			goto done;
		}
	}
	k = np_pauth_step(e->pauth, c, val, NP_PAUTH_TOKEN_MAX * 4);
	if (k != NP_PAUTH_SEND) {
		fail(e, "proxy 407 (%s): %s", c->names, np_pauth_why(e->pauth));
		goto done;
	}
	e->legs++;
	if (make_request(e, e->content_type, val) < 0) {
		fail(e, "out of memory");
		goto done;
	}
	np_watch_del(e->w);
	e->w = NULL;
	close(e->fd);
	e->fd = -1;
	e->in_len = 0;
	start_connect(e, (const struct sockaddr *)&e->dst);
done:
	free(c);
	free(val);
	return 1;
}

/* The whole answer is in (the peer closed, or Content-Length reached):
 * judge it. */
static void judge(struct entry *e, int closed)
{
	struct np_http_head h;
	int r = np_http_head_parse((const char *)e->in, e->in_len, &h);
	size_t blen;

	if (r == 0 && closed) {
		fail(e, e->in_len ? "the connection closed in the middle of the HTTP answer (%zu bytes)" :
		     "the connection closed without an HTTP answer", e->in_len);
		return;
	}
	if (r < 0) {
		fail(e, "no valid HTTP answer (%s)", h.why);
		return;
	}
	if (r == 0)
		return;
	if (h.status == 407 && !e->proxy.none && proxy_auth(e, &h))
		return;
	if (h.status != 200) {
		if (!e->proxy.none && (h.status == 403 || h.status == 407))
			fail(e, "proxy %d: '%s'", h.status, h.status_line);
		else
			fail(e, "HTTP %d: '%s'", h.status, h.status_line);
		return;
	}
	if (h.content_length >= 0 && (unsigned long long)h.content_length > e->max) {
		fail(e, "too large: Content-Length %lld, more than %zu bytes", h.content_length, e->max);
		return;
	}
	blen = e->in_len - h.length;
	if (h.content_length >= 0 && blen < (size_t)h.content_length) {
		if (closed)
			fail(e, "the connection closed after %zu of %lld bytes", blen, h.content_length);
		return;
	}
	if (h.content_length < 0 && !closed)
		return;
	if (h.content_length >= 0)
		blen = (size_t)h.content_length;
	e->body = malloc(blen ? blen : 1);
	if (!e->body) {
		fail(e, "out of memory");
		return;
	}
	memcpy(e->body, e->in + h.length, blen);
	if (h.chunked) {
		long n = np_rfetch_dechunk(e->body, blen);

		if (n < 0) {
			fail(e, "a malformed chunked body (%zu bytes)", blen);
			return;
		}
		blen = (size_t)n;
	}
	free(e->in);
	e->in = NULL;
	e->ans.ok = 1;
	e->ans.body = e->body;
	e->ans.len = blen;
	finish(e);
}

static void on_io(struct np_watch *w, int fd, int events, void *arg)
{
	struct entry *e = arg;
	ssize_t n;

	(void)w;
	(void)events;
	if (e->stage == S_CONNECT) {
		int err = 0;
		socklen_t len = sizeof(err);

		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err) {
			fail(e, "connecting to %s%s: %s", e->proxy.none ? "" : "the proxy ", e->conn_to, strerror(err));
			return;
		}
		e->stage = S_SEND;
	}
	if (e->stage == S_SEND) {
		n = send(fd, e->out + e->out_off, e->out_len - e->out_off, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno != EAGAIN)
				fail(e, "sending the request to %s: %s", e->conn_to, strerror(errno));
			return;
		}
		e->out_off += (size_t)n;
		if (e->out_off == e->out_len) {
			e->stage = S_READ;
			np_watch_set(e->w, NP_EV_READ);
		}
		return;
	}
	if (e->stage != S_READ)
		return;
	if (e->in_len == e->in_cap) {
		/* The head, then the body up to its bound, and one byte more to
		 * see a body that runs past it. */
		size_t limit = NP_HTTP_HEAD_MAX + e->max + 1, cap = e->in_cap ? e->in_cap * 2 : 16384;
		void *p;

		if (e->in_cap >= limit) {
			fail(e, "too large: more than %zu bytes came", e->max);
			return;
		}
		if (cap > limit)
			cap = limit;
		p = realloc(e->in, cap);
		if (!p) {
			fail(e, "out of memory");
			return;
		}
		e->in = p;
		e->in_cap = cap;
	}
	n = recv(fd, e->in + e->in_len, e->in_cap - e->in_len, 0);
	if (n < 0) {
		if (errno != EAGAIN)
			fail(e, "reading the answer from %s: %s (%zu bytes came)", e->conn_to, strerror(errno), e->in_len);
		return;
	}
	e->in_len += (size_t)n;
	judge(e, n == 0);
}

static void on_timeout(struct np_timer *t, void *arg)
{
	struct entry *e = arg;

	(void)t;
	np_timer_del(e->timer);
	e->timer = NULL;
	switch (e->stage) {
	case S_DNS:
		fail(e, "DNS: no answer for %s within %.1f s", e->proxy.none ? e->t.host : e->proxy.host, timeout_s(e));
		break;
	case S_CONNECT:
		fail(e, "connecting to %s%s: no answer within %.1f s (filtered)", e->proxy.none ? "" : "the proxy ",
		     e->conn_to, timeout_s(e));
		break;
	default:
		fail(e, "timed out after %.1f s (%zu bytes came)", timeout_s(e), e->in_len);
		break;
	}
}

static void start_connect(struct entry *e, const struct sockaddr *sa)
{
	struct sockaddr_storage dst;
	const struct np_opts *o = np_run_opts(e->rf->run);
	char addr[NP_ADDR_STR_MAX];
	uint16_t port = e->proxy.none ? e->t.port : e->proxy.port;

	memcpy(&dst, sa, np_addr_len(sa));
	np_addr_set_port((struct sockaddr *)&dst, port);
	e->dst = dst;
	np_addr_str((struct sockaddr *)&dst, addr, sizeof(addr));
	snprintf(e->conn_to, sizeof(e->conn_to), dst.ss_family == AF_INET6 ? "[%s]:%u" : "%s:%u", addr, port);
	e->stage = S_CONNECT;
	e->fd = socket(dst.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (e->fd < 0)
		goto fail;
	if (o->interface[0] &&
	    setsockopt(e->fd, SOL_SOCKET, SO_BINDTODEVICE, o->interface, (socklen_t)strlen(o->interface)) < 0)
		goto fail;
	if (o->has_source && o->source.ss_family == dst.ss_family &&
	    bind(e->fd, (const struct sockaddr *)&o->source, np_addr_len((const struct sockaddr *)&o->source)) < 0)
		goto fail;
	if (connect(e->fd, (struct sockaddr *)&dst, np_addr_len((struct sockaddr *)&dst)) < 0 && errno != EINPROGRESS)
		goto fail;
	e->w = np_loop_watch(np_run_loop(e->rf->run), e->fd, NP_EV_WRITE, on_io, e);
	if (!e->w)
		goto fail;
	return;
fail:
	fail(e, "connecting to %s%s: %s", e->proxy.none ? "" : "the proxy ", e->conn_to, strerror(errno));
}

static void on_resolved(const struct np_resolve_result *res, void *arg)
{
	struct entry *e = arg;

	e->req = NULL;
	if (!res->ok || res->n_addrs == 0) {
		fail(e, "DNS: %s%s: %s", e->proxy.none ? "" : "the proxy ", e->proxy.none ? e->t.host : e->proxy.host,
		     res->ok ? "no address" : res->error);
		return;
	}
	start_connect(e, (const struct sockaddr *)&res->addrs[0]);
}

/* The request; authz the Proxy-Authorization value ("" none, NULL: Basic
 * from the proxy URL's user, sent at once as the handshake's CONNECT
 * does). */
static int make_request(struct entry *e, const char *content_type, const char *authz)
{
	char basic[400] = "", host[NP_HOST_MAX + 16];
	size_t cap;
	int n;

	if (!authz && e->proxy.user[0]) {
		char cred[260], b64[340];
		int m = snprintf(cred, sizeof(cred), "%s:%s", e->proxy.user, e->proxy.pass);

		np_tls_base64(cred, (size_t)(m > 0 ? m : 0), b64, sizeof(b64));
		np_capture_add_secret(np_run_capture(e->rf->run), b64);
		snprintf(basic, sizeof(basic), "Basic %s", b64);
	}
	if (!authz)
		authz = basic;
	cap = 2048 + strlen(e->url) + e->blen + strlen(authz);
	free(e->out);
	e->out = malloc(cap);
	if (!e->out)
		return -1;
	snprintf(host, sizeof(host), strchr(e->t.host, ':') ? "[%s]" : "%s", e->t.host);
	if (e->t.port != 80)
		snprintf(host + strlen(host), sizeof(host) - strlen(host), ":%u", e->t.port);
	/* Through a proxy the absolute form (RFC 9112 3.2.2), as for the
	 * plain-HTTP targets: proxies refuse CONNECT to port 80. */
	n = snprintf(e->out, cap, "%s %s%s%s HTTP/1.1\r\nHost: %s\r\n%s%s%sUser-Agent: netprobe/%s\r\n"
		     "Accept: */*\r\nConnection: close\r\n", e->req_body ? "POST" : "GET",
		     e->proxy.none ? "" : "http://", e->proxy.none ? "" : host, e->t.path[0] ? e->t.path : "/",
		     host, authz[0] ? "Proxy-Authorization: " : "", authz, authz[0] ? "\r\n" : "", NP_VERSION);
	if (n > 0 && e->req_body)
		n += snprintf(e->out + n, cap - (size_t)n, "Content-Type: %s\r\nContent-Length: %zu\r\n",
			      content_type ? content_type : "application/octet-stream", e->blen);
	if (n <= 0 || (size_t)n + 2 + e->blen > cap)
		return -1;
	memcpy(e->out + n, "\r\n", 2);
	n += 2;
	if (e->req_body)
		memcpy(e->out + n, e->req_body, e->blen);
	e->out_len = (size_t)n + e->blen;
	e->out_off = 0;
	return 0;
}

static void start(struct entry *e, const char *content_type)
{
	char errbuf[NP_ERRBUF_SIZE];
	struct np_resolver *r;
	const char *host;
	int family;

	e->t0 = np_now_us();
	e->fd = -1;
	e->rf->n++;
	if (np_target_parse(e->url, 80, &e->t, errbuf) < 0 || e->t.scheme != NP_SCHEME_HTTP) {
		snprintf(e->ans.reason, sizeof(e->ans.reason), "not fetched: only http:// URLs are (%s)",
			 strncmp(e->url, "ldap:", 5) == 0 ? "an LDAP URL" : "not an http URL");
		finish(e);
		return;
	}
	e->content_type = content_type;
	if (make_request(e, content_type, NULL) < 0) {
		snprintf(e->ans.reason, sizeof(e->ans.reason), "out of memory");
		finish(e);
		return;
	}
	e->timer = np_loop_timer(np_run_loop(e->rf->run), np_run_opts(e->rf->run)->timeout_us, on_timeout, e);
	host = e->proxy.none ? e->t.host : e->proxy.host;
	family = e->proxy.none ? e->t.family : e->proxy.family;
	e->stage = S_DNS;
	if (family != AF_UNSPEC) {
		struct sockaddr_storage ss;

		np_addr_parse(host, &ss);
		start_connect(e, (struct sockaddr *)&ss);
		return;
	}
	r = np_run_resolver(e->rf->run, errbuf);
	if (!r || np_resolver_lookup(r, host, np_run_opts(e->rf->run)->family, on_resolved, e, &e->req) < 0)
		fail(e, "DNS: %s", r ? "out of memory" : errbuf);
}

static struct entry *find(struct np_rfetch *rf, const char *url, const char *path, const unsigned char *body,
			  size_t blen)
{
	for (struct entry *e = rf->entries; e; e = e->next)
		if (strcmp(e->url, url) == 0 && strcmp(e->path, path) == 0 && e->blen == blen &&
		    (!blen || memcmp(e->req_body, body, blen) == 0) && !e->req_body == !body)
			return e;
	return NULL;
}

struct np_rfetch_wait *np_rfetch_get(struct np_rfetch *rf, const char *url, const struct np_proxy *p,
				     const unsigned char *body, size_t blen, const char *content_type,
				     size_t max, np_rfetch_cb cb, void *arg)
{
	const char *path = p->none ? "direct" : p->shown;
	struct entry *e = find(rf, url, path, body, blen);
	struct np_rfetch_wait *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	if (!e) {
		e = calloc(1, sizeof(*e));
		if (e) {
			e->url = strdup(url);
			e->req_body = body ? malloc(blen ? blen : 1) : NULL;
		}
		if (!e || !e->url || (body && !e->req_body)) {
			if (e) {
				free(e->url);
				free(e->req_body);
			}
			free(e);
			free(w);
			return NULL;
		}
		if (body)
			memcpy(e->req_body, body, blen);
		e->blen = blen;
		e->rf = rf;
		e->proxy = *p;
		e->max = max;
		snprintf(e->path, sizeof(e->path), "%s", path);
		e->next = rf->entries;
		rf->entries = e;
		start(e, content_type);
	}
	w->e = e;
	w->cb = cb;
	w->arg = arg;
	w->next = e->waiters;
	e->waiters = w;
	if (e->stage == S_DONE)
		arm(e, w);
	return w;
}

void np_rfetch_cancel(struct np_rfetch_wait *w)
{
	struct np_rfetch_wait **pp;

	if (!w)
		return;
	for (pp = &w->e->waiters; *pp && *pp != w; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = w->next;
	np_timer_del(w->t);
	free(w);
}

void np_rfetch_free(struct np_rfetch *rf)
{
	struct entry *e, *next;

	if (!rf)
		return;
	for (e = rf->entries; e; e = next) {
		next = e->next;
		close_io(e);
		while (e->waiters)
			np_rfetch_cancel(e->waiters);
		free(e->url);
		free(e->req_body);
		free(e->out);
		free(e->in);
		free(e->body);
		np_pauth_free(e->pauth);
		free(e);
	}
	free(rf);
}
