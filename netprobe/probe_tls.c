/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "probe_tls.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../tls/tls.h"
#include "../tls/tls_b64.h"
#include "../tls/tls_revoc.h"
#include "addr.h"
#include "capture.h"
#include "classify_tcp.h"
#include "classify_tls.h"
#include "clock.h"
#include "loop.h"
#include "probe_tcp.h"
#include "resolve.h"
#include "run.h"
#include "probe_tls_int.h"

static const char *intern_target(struct tls_state *st, const char *s)
{
	char **v;

	for (size_t i = 0; i < st->n_targets; i++)
		if (strcmp(st->targets[i], s) == 0)
			return st->targets[i];
	v = realloc(st->targets, (st->n_targets + 1) * sizeof(*v));
	if (!v)
		return NULL;
	st->targets = v;
	v[st->n_targets] = strdup(s);
	return v[st->n_targets] ? v[st->n_targets++] : NULL;
}

/* --- the connection's I/O --------------------------------------------------- */

static void conn_close(struct conn *c)
{
	np_watch_del(c->w);
	c->w = NULL;
	np_flow_detach(c->flow);
	c->flow = NULL;
	np_tls_conn_free(c->tls);
	c->tls = NULL;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

static void attempt_next(struct attempt *a);
static void on_io(struct np_watch *w, int fd, int events, void *arg);

static void conn_stop(struct attempt *a, int err)
{
	a->c.err = err;
	a->c.phase = P_DONE;
	if (a->c.w)
		np_watch_set(a->c.w, 0);
	attempt_next(a);
}

static void want(struct attempt *a, int events)
{
	if (a->c.w && np_watch_set(a->c.w, events) < 0)
		conn_stop(a, errno);
}

static void start_phase(struct attempt *a, enum phase p)
{
	const struct np_opts *o = np_run_opts(a->st->run);

	a->c.phase = p;
	a->job.wait_until_us = np_now_us() + o->timeout_us;
	np_timer_reset(a->timer, o->timeout_us);
}

static void send_http(struct attempt *a)
{
	struct conn *c = &a->c;
	int n;

	if (a->proxy.none)
		n = snprintf(c->out, sizeof(c->out), "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: netprobe/%s\r\n"
			     "Connection: close\r\n\r\n", a->t.path, a->t.host, NP_VERSION);
	else
		/* Absolute form (RFC 9112 3.2.2), not CONNECT: proxies commonly
		 * refuse CONNECT to port 80. */
		n = snprintf(c->out, sizeof(c->out), "GET http://%s:%u%s HTTP/1.1\r\nHost: %s\r\n%s%s%s"
			     "User-Agent: netprobe/%s\r\nConnection: close\r\n\r\n", a->t.host, a->t.port,
			     a->t.path, a->t.host, a->proxy.user[0] ? "Proxy-Authorization: Basic " : "",
			     a->proxy.user[0] ? a->b64 : "", a->proxy.user[0] ? "\r\n" : "", NP_VERSION);
	c->out_len = n > 0 && (size_t)n < sizeof(c->out) ? (size_t)n : 0;
	c->out_off = 0;
	c->in_len = 0;
	start_phase(a, P_HTTP_SEND);
	want(a, NP_EV_WRITE);
}

static void start_tls(struct attempt *a)
{
	struct conn *c = &a->c;
	char err[256];
	const char *sni = a->variant == V_OTHER_SNI ? OTHER_SNI : np_tls_sni_sent(a);

	c->tls = np_tls_conn_new(a->st->ctx, c->fd, sni, np_tls_verified_name(a), err, sizeof(err));
	if (!c->tls) {
		snprintf(c->facts.error, sizeof(c->facts.error), "%s", err);
		conn_stop(a, EINVAL);
		return;
	}
	start_phase(a, P_TLS);
	want(a, NP_EV_WRITE);
}

static void after_connect(struct attempt *a)
{
	a->c.t_conn = np_now_us();
	if (!a->proxy.none && !is_http(a))
		np_tls_auth_connect(a);
	else if (is_http(a))
		send_http(a);
	else
		start_tls(a);
}

static void do_write(struct attempt *a, enum phase next)
{
	struct conn *c = &a->c;
	ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);

	if (n < 0) {
		if (errno != EAGAIN)
			conn_stop(a, errno);
		return;
	}
	c->out_off += (size_t)n;
	if (c->out_off == c->out_len) {
		start_phase(a, next);
		want(a, NP_EV_READ);
	}
}

/* Read a response head, bounded: malformed or endless is an outcome, and
 * so is the end of the stream before the head is complete (c->closed). */
static void do_read_head(struct attempt *a)
{
	struct conn *c = &a->c;
	ssize_t n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len, 0);
	int r;

	if (n < 0) {
		if (errno != EAGAIN)
			conn_stop(a, errno);
		return;
	}
	if (n == 0) {
		c->closed = 1;
		conn_stop(a, 0);
		return;
	}
	c->in_len += (size_t)n;
	r = np_http_head_parse(c->in, c->in_len, &c->head);
	if (r == 0)
		return;
	c->head_ok = r > 0 ? 1 : -1;
	if (c->phase == P_PROXY_READ && r > 0)
		np_tls_auth_head(a);
	/* The TLS client speaks first: bytes after a 200 to CONNECT, before
	 * the ClientHello went, are the proxy's own, not the server's (RFC
	 * 9110 9.3.6: a 2xx to CONNECT has no content). */
	if (c->phase == P_PROXY_READ && r > 0 && c->head.status == 200 && c->in_len > c->head.length) {
		c->head_extra = 1;
		conn_stop(a, 0);
		return;
	}
	if (c->phase == P_PROXY_READ && r > 0 && c->head.status == 407 && np_tls_auth_407(a))
		return;
	if (c->phase == P_PROXY_READ && r > 0 && c->head.status == 200) {
		/* RFC 4559 5: a 200 is success, whether or not the proxy sent
		 * a final Negotiate token (squid sends none on CONNECT). */
		if (a->pauth && a->authz[0])
			a->auth_used = np_pauth_scheme(a->pauth) ? np_pauth_scheme(a->pauth) : NP_PAUTH_BASIC;
		c->t_proxy = np_now_us();
		start_tls(a);
		return;
	}
	conn_stop(a, 0);
}

static void do_tls(struct attempt *a)
{
	struct conn *c = &a->c;

	switch (np_tls_handshake(c->tls)) {
	case NP_TLS_DONE:
		c->t_tls = np_now_us();
		c->tls_done = 1;
		np_tls_get_facts(c->tls, &c->facts);
		if (a->st->plan.revocation && a->variant == V_MAIN && !a->chain)
			a->chain = np_tls_conn_chain(c->tls);
		conn_stop(a, 0);
		break;
	case NP_TLS_WANT_READ:
		want(a, NP_EV_READ);
		break;
	case NP_TLS_WANT_WRITE:
		want(a, NP_EV_WRITE);
		break;
	case NP_TLS_ERROR:
		np_tls_get_facts(c->tls, &c->facts);
		conn_stop(a, c->facts.sys_errno);
		break;
	}
}

static void on_io(struct np_watch *w, int fd, int events, void *arg)
{
	struct attempt *a = arg;
	struct conn *c = &a->c;

	(void)w;
	switch (c->phase) {
	case P_CONNECT: {
		int err = 0;
		socklen_t len = sizeof(err);

		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err) {
			conn_stop(a, err);
			return;
		}
		after_connect(a);
		break;
	}
	case P_PROXY_SEND:
		do_write(a, P_PROXY_READ);
		break;
	case P_HTTP_SEND:
		do_write(a, P_HTTP_READ);
		break;
	case P_PROXY_READ:
	case P_HTTP_READ:
		do_read_head(a);
		break;
	case P_PROXY_DRAIN:
		np_tls_auth_drain(a);
		break;
	case P_TLS:
		do_tls(a);
		break;
	case P_DONE:
		break;
	}
	(void)events;
}

static void on_timeout(struct np_timer *t, void *arg)
{
	struct attempt *a = arg;

	(void)t;
	if (a->c.phase == P_DONE)
		return;
	a->c.timed_out = 1;
	if (a->c.tls)
		np_tls_get_facts(a->c.tls, &a->c.facts);
	conn_stop(a, ETIMEDOUT);
}

static void conn_open(struct attempt *a)
{
	const struct np_opts *o = np_run_opts(a->st->run);
	struct np_flow_table *ft = np_run_flows(a->st->run);
	struct conn *c = &a->c;
	struct sockaddr_storage local;
	socklen_t ll = sizeof(local);
	int family = a->dst.ss_family;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->t0 = np_now_us();
	start_phase(a, P_CONNECT);
	c->fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		goto local_fail;
	if (o->interface[0] &&
	    setsockopt(c->fd, SOL_SOCKET, SO_BINDTODEVICE, o->interface, (socklen_t)strlen(o->interface)) < 0)
		goto local_fail;
	if (o->has_source && o->source.ss_family == family &&
	    bind(c->fd, (const struct sockaddr *)&o->source, np_addr_len((const struct sockaddr *)&o->source)) < 0)
		goto local_fail;
	if (a->variant == V_SMALL_MSS) {
		int mss = SMALL_MSS;

		if (setsockopt(c->fd, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof(mss)) < 0)
			goto local_fail;
	}
	if (connect(c->fd, (struct sockaddr *)&a->dst, np_addr_len((struct sockaddr *)&a->dst)) < 0 &&
	    errno != EINPROGRESS)
		goto local_fail;
	if (getsockname(c->fd, (struct sockaddr *)&local, &ll) == 0 && local.ss_family == family) {
		np_run_note_source(a->st->run, (struct sockaddr *)&local);
		if (ft)
			c->flow = np_flow_register(ft, IPPROTO_TCP, (struct sockaddr *)&local,
						   (struct sockaddr *)&a->dst, NULL, NULL);
	}
	c->w = np_loop_watch(np_run_loop(a->st->run), c->fd, NP_EV_WRITE, on_io, a);
	if (!c->w)
		goto local_fail;
	return;
local_fail:
	c->local = 1;
	conn_stop(a, errno);
}

/* For probe_tls_auth.c: the connection's steps. */
void np_tls_phase(struct attempt *a, enum phase p)
{
	start_phase(a, p);
}

void np_tls_want(struct attempt *a, int events)
{
	want(a, events);
}

void np_tls_stop(struct attempt *a, int err)
{
	conn_stop(a, err);
}

void np_tls_reopen(struct attempt *a)
{
	conn_close(&a->c);
	conn_open(a);
}

/* --- outcomes ---------------------------------------------------------------- */

void np_tls_attempt_finish(struct attempt *a)
{
	struct tls_state *st = a->st;

	conn_close(&a->c);
	np_timer_del(a->timer);
	a->timer = NULL;
	np_run_job_done(st->run, &a->job);
	st->outstanding--;
}

static uint32_t first_frame(const struct conn *c)
{
	return c->flow && np_flow_count(c->flow) ? np_flow_packet(c->flow, 0)->frame : 0;
}

/* Called when the current connection has its outcome. */
static void attempt_next(struct attempt *a)
{
	const struct np_flow_pkt *pkts[256];
	struct np_tls_input in;

	if (a->variant == V_MAIN) {
		np_capture_drain(np_run_capture(a->st->run));
		if (np_tls_early_outcome(a))
			return;
		np_tls_attempt_input(a, &a->c, &in, pkts, 256);
		np_tls_classify(&in, &a->res);
		if (a->res.signature == NP_TLS_SIG_NONE || np_run_ending(a->st->run)) {
			a->main = a->c;
			/* revocation: the attempt goes on, and ends there. Its
			 * connection (flow, TLS) stays a->c's alone, so that a
			 * cancel meanwhile releases each once. */
			if (a->c.tls_done && !np_run_ending(a->st->run) && a->chain) {
				a->main.flow = NULL;
				a->main.tls = NULL;
				if (np_tls_revoc_start(a))
					return;
				a->main.flow = a->c.flow;
			}
			np_tls_emit(a);
			a->main.flow = NULL;
			a->main.tls = NULL;
			np_tls_attempt_finish(a);
			return;
		}
		/* Keep the main connection's facts; its socket goes. */
		a->main = a->c;
		a->main.tls = NULL;
		a->main.w = NULL;
		a->main.fd = -1;
		a->c.flow = NULL;          /* now a->main's, detached in finish */
		np_watch_del(a->c.w);
		a->c.w = NULL;
		np_tls_conn_free(a->c.tls);
		a->c.tls = NULL;
		if (a->c.fd >= 0)
			close(a->c.fd);
		a->c.fd = -1;
		a->variant = V_SMALL_MSS;
		conn_open(a);
		return;
	}
	if (a->variant == V_SMALL_MSS) {
		a->retry_mss_ok = a->c.tls_done;
		a->retry_mss_frame = first_frame(&a->c);
		conn_close(&a->c);
		a->variant = V_OTHER_SNI;
		conn_open(a);
		return;
	}
	a->retry_sni_ok = a->c.tls_done;
	a->retry_sni_frame = first_frame(&a->c);
	conn_close(&a->c);
	np_tls_emit(a);
	np_flow_detach(a->main.flow);
	a->main.flow = NULL;
	np_tls_attempt_finish(a);
}

static void att_start(struct np_job *job)
{
	struct attempt *a = (struct attempt *)job;

	a->timer = np_loop_timer(np_run_loop(a->st->run), np_run_opts(a->st->run)->timeout_us, on_timeout, a);
	if (!a->timer) {
		np_run_finding(a->st->run, np_tls_new_finding(a, "tls.failed"));
		np_run_job_done(a->st->run, job);
		a->st->outstanding--;
		return;
	}
	conn_open(a);
}

static void att_cancel(struct np_job *job, const char *verdict)
{
	struct attempt *a = (struct attempt *)job;
	struct np_finding *f = np_tls_new_finding(a, verdict);

	conn_close(&a->c);
	np_flow_detach(a->main.flow);
	np_tls_revoc_free(a);
	if (f)
		np_finding_summary(f, job->running ? "ended before the probe had an outcome" : "never started");
	np_run_finding(a->st->run, f);
	np_timer_del(a->timer);
	a->timer = NULL;
	np_run_job_done(a->st->run, job);
	a->st->outstanding--;
}

static void job_free(struct np_job *job)
{
	free(job);
}

static void att_free(struct np_job *job)
{
	np_tls_revoc_free((struct attempt *)job);
	np_pauth_free(((struct attempt *)job)->pauth);
	free(job);
}

static const struct np_job_ops att_ops = {.start = att_start, .cancel = att_cancel, .free = att_free};

static void submit_attempt(struct tls_state *st, const char *target_str, const struct np_target *t,
			   const struct np_proxy *p, const struct sockaddr *dst, unsigned port, double dns_ms)
{
	struct attempt *a = calloc(1, sizeof(*a));
	char addr[NP_ADDR_STR_MAX];

	if (!a)
		return;
	a->job.ops = &att_ops;
	a->st = st;
	a->target_str = target_str;
	a->t = *t;
	a->proxy = *p;
	a->dns_ms = dns_ms;
	a->c.fd = a->main.fd = -1;
	memcpy(&a->dst, dst, np_addr_len(dst));
	np_addr_set_port((struct sockaddr *)&a->dst, port);
	if (p->user[0]) {
		char cred[260];
		int n = snprintf(cred, sizeof(cred), "%s:%s", p->user, p->pass);

		np_tls_base64(cred, (size_t)n, a->b64, sizeof(a->b64));
		np_capture_add_secret(np_run_capture(st->run), a->b64);
	}
	if (!p->none && !is_http(a))
		a->pauth = np_pauth_new(p->host, p->user, p->pass);
	if (a->pauth && p->auth_set)
		np_pauth_set_allowed(a->pauth, p->auth_allowed);
	a->auth_outcome = NP_PAUTH_SEND;
	snprintf(a->job.label, sizeof(a->job.label), "%s %.40s (%s%s%.20s)", check_of(a), target_str,
		 np_addr_str((struct sockaddr *)&a->dst, addr, sizeof(addr)), p->none ? "" : " via ",
		 p->none ? "" : p->host);
	st->outstanding++;
	np_run_submit(st->run, &a->job);
}

/* --- a (target, path): resolve what to connect to ---------------------------- */

struct path_job {
	struct np_job job;
	struct tls_state *st;
	const char *target_str;
	struct np_target t;
	struct np_proxy proxy;
	struct np_resolve_req *req;
};

static void submit_path(struct tls_state *st, const char *ts, const struct np_target *t, const struct np_proxy *p);

static void path_fail(struct path_job *pj, const char *verdict, const char *summary, double ms)
{
	char addr[8] = "";
	struct np_finding *f = np_finding_new(pj->t.scheme == NP_SCHEME_HTTP ? "http" : "tls",
					      pj->target_str, addr, verdict);

	if (f) {
		np_finding_summary(f, "%s", summary);
		np_finding_metric_str(f, "path", pj->proxy.shown[0] ? pj->proxy.shown : "direct");
		np_pac_metrics(&pj->proxy, f);
		if (ms >= 0)
			np_finding_metric_real(f, "dns_ms", ms);
		/* No address: nothing to connect to fails this check. */
		if (strcmp(verdict, "dns.nodata") == 0)
			f->status = NP_FAIL;
	}
	np_run_finding(pj->st->run, f);
}

static void path_done(struct path_job *pj)
{
	struct tls_state *st = pj->st;

	np_run_job_done(st->run, &pj->job);
	st->outstanding--;
}

static void on_resolved(const struct np_resolve_result *res, void *arg)
{
	struct path_job *pj = arg;
	char msg[512];

	if (!res->ok && !pj->proxy.none && pj->proxy.pac[0]) {
		struct np_proxy next = pj->proxy;

		snprintf(msg, sizeof(msg), "cannot resolve: %s", res->error);
		if (np_pac_next(&next, msg)) {
			submit_path(pj->st, pj->target_str, &pj->t, &next);
			path_done(pj);
			return;
		}
	}
	if (!res->ok) {
		snprintf(msg, sizeof(msg), "cannot resolve %s%.200s: %s", pj->proxy.none ? "" : "the proxy ",
			 pj->proxy.none ? pj->t.host : pj->proxy.host, res->error);
		path_fail(pj, pj->proxy.none ? res->verdict : "proxy.failed", msg, res->ms);
	} else if (pj->proxy.none) {
		for (size_t i = 0; i < res->n_addrs; i++)
			submit_attempt(pj->st, pj->target_str, &pj->t, &pj->proxy,
				       (const struct sockaddr *)&res->addrs[i], pj->t.port, res->ms);
	} else {
		submit_attempt(pj->st, pj->target_str, &pj->t, &pj->proxy,
			       (const struct sockaddr *)&res->addrs[0], pj->proxy.port, res->ms);
	}
	path_done(pj);
}

static void path_start(struct np_job *job)
{
	struct path_job *pj = (struct path_job *)job;
	const char *host = pj->proxy.none ? pj->t.host : pj->proxy.host;
	int family = pj->proxy.none ? pj->t.family : pj->proxy.family;
	char errbuf[NP_ERRBUF_SIZE];
	struct np_resolver *r;

	if (family != AF_UNSPEC) {
		struct sockaddr_storage ss;

		np_addr_parse(host, &ss);
		submit_attempt(pj->st, pj->target_str, &pj->t, &pj->proxy, (struct sockaddr *)&ss,
			       pj->proxy.none ? pj->t.port : pj->proxy.port, -1);
		path_done(pj);
		return;
	}
	r = np_run_resolver(pj->st->run, errbuf);
	job->wait_until_us = job->started_us + np_run_opts(pj->st->run)->timeout_us;
	if (!r || np_resolver_lookup(r, host, np_run_opts(pj->st->run)->family, on_resolved, pj,
				     &pj->req) < 0) {
		path_fail(pj, "dns.error", r ? "out of memory" : errbuf, -1);
		path_done(pj);
	}
}

static void path_cancel(struct np_job *job, const char *verdict)
{
	struct path_job *pj = (struct path_job *)job;

	np_resolve_cancel(pj->req);
	path_fail(pj, verdict, job->running ? "not resolved before the run ended" : "never started", -1);
	path_done(pj);
}

static const struct np_job_ops path_ops = {.start = path_start, .cancel = path_cancel, .free = job_free};

static void submit_path(struct tls_state *st, const char *ts, const struct np_target *t, const struct np_proxy *p)
{
	struct path_job *pj = calloc(1, sizeof(*pj));

	if (!pj)
		return;
	pj->job.ops = &path_ops;
	pj->st = st;
	pj->target_str = ts;
	pj->t = *t;
	pj->proxy = *p;
	snprintf(pj->job.label, sizeof(pj->job.label), "%s %.48s (resolving)",
		 t->scheme == NP_SCHEME_HTTP ? "http" : "tls", ts);
	st->outstanding++;
	np_run_submit(st->run, &pj->job);
}

int np_tls_pac_fallback(struct attempt *a, const char *why)
{
	struct np_proxy next = a->proxy;

	/* As Windows does: the next entry of the PAC's list when a proxy
	 * cannot be reached. */
	if (a->proxy.none || !a->proxy.pac[0] || a->variant != V_MAIN || !np_pac_next(&next, why))
		return 0;
	submit_path(a->st, a->target_str, &a->t, &next);
	return 1;
}

/* --- the plan ----------------------------------------------------------------- */

static void state_free(void *arg)
{
	struct tls_state *st = arg;

	np_tls_crl_cache_free(st->crls);
	np_rfetch_free(st->rf);
	np_tls_ctx_free(st->ctx);
	for (size_t i = 0; i < st->n_targets; i++)
		free(st->targets[i]);
	free(st->targets);
	free(st->results);
	free(st);
}

/* The pump calls this when the queue runs dry: then every path is in. */
static void on_run_idle(void *arg);

int np_tls_plan_ctx(struct np_tls_plan *plan, char *errbuf)
{
	struct np_tls_ctx_opts co = {0};
	char err[256];

	co.ca_file = plan->ca_file;
	co.min_version = plan->min_tls;
	co.ocsp_staple = plan->revocation;
	plan->ctx = np_tls_ctx_new(&co, err, sizeof(err));
	if (!plan->ctx) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "%s", err);
		return NP_EINVAL;
	}
	return 0;
}

void np_tls_plan_release(struct np_tls_plan *plan)
{
	np_tls_ctx_free(plan->ctx);
	plan->ctx = NULL;
}

int np_tls_submit(struct np_run *run, struct np_tls_plan *plan, char *errbuf)
{
	struct tls_state *st = calloc(1, sizeof(*st));
	struct np_tls_ctx_opts co = {0};
	char err[256];

	if (!st) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "out of memory");
		return NP_ENOMEM;
	}
	st->run = run;
	st->plan = *plan;
	st->system_store = plan->ca_file == NULL;
	st->ctx = plan->ctx;
	plan->ctx = NULL;   /* ours now, freed with the state */
	if (!st->ctx) {
		co.ca_file = plan->ca_file;
		co.min_version = plan->min_tls;
		co.ocsp_staple = plan->revocation;
		st->ctx = np_tls_ctx_new(&co, err, sizeof(err));
	}
	if (!st->ctx) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "%s", err);
		free(st);
		return NP_EINVAL;
	}
	if (plan->revocation && (!(st->rf = np_rfetch_new(run)) || !(st->crls = np_tls_crl_cache_new()))) {
		state_free(st);
		snprintf(errbuf, NP_ERRBUF_SIZE, "out of memory");
		return NP_ENOMEM;
	}
	if (np_run_at_free(run, state_free, st) < 0) {
		state_free(st);
		snprintf(errbuf, NP_ERRBUF_SIZE, "out of memory");
		return NP_ENOMEM;
	}
	np_run_on_idle(run, on_run_idle, st);
	for (size_t i = 0; i < plan->n_targets; i++) {
		char shown[NP_TARGET_STR_MAX];
		const char *ts = intern_target(st, np_target_str(&plan->targets[i], shown, sizeof(shown)));
		size_t n_paths = plan->n_paths ? plan->n_paths : 1;

		for (size_t k = 0; ts && k < n_paths; k++) {
			struct np_proxy *px = malloc(sizeof(*px));
			char pac_err[NP_ERRBUF_SIZE];

			if (!px)
				break;
			if (plan->n_paths == 0)
				np_proxy_parse("none", px, errbuf);
			else if (plan->path_auto[k] && np_proxy_from_env(&plan->targets[i], px, errbuf) < 0) {
				free(px);
				return NP_EINVAL;
			} else if (!plan->path_auto[k])
				*px = plan->paths[k];
			np_proxy_apply_bypass(px, &plan->targets[i]);
			px->auth_set = plan->auth_set;
			px->auth_allowed = plan->auth_allowed;
			/* a PAC that cannot be fetched or evaluated: this path's finding */
			if (np_pac_apply(px, &plan->targets[i], pac_err) < 0) {
				struct path_job fake = {.st = st, .target_str = ts, .t = plan->targets[i], .proxy = *px};

				path_fail(&fake, "proxy.failed", pac_err, -1);
				free(px);
				continue;
			}
			submit_path(st, ts, &plan->targets[i], px);
			free(px);
		}
	}
	return 0;
}

static void on_run_idle(void *arg)
{
	struct tls_state *st = arg;

	if (st->outstanding == 0 && !np_run_ending(st->run)) {
		np_tls_compare_paths(st);
		st->outstanding = (size_t)-1;   /* once */
	}
}
