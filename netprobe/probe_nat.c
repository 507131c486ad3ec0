/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "probe_nat.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"
#include "clock.h"
#include "loop.h"
#include "npr.h"
#include "run.h"
#include "stun.h"
#include "target_job.h"
#include "trace_result.h"
#include "probe_nat_int.h"

static const char *const m_name[M_COUNT] = {"responder", "responder", "stun", "quote"};
static const char *const m_proto[M_COUNT] = {"tcp", "udp", "udp", "tcp"};

/*
 * Three methods, each a job (or a trace), each leaving a result; the
 * findings come when the run is idle: one per method tried, then one
 * overall naming which methods were tried and which agreed.
 */

void np_nat_addr_port(const struct sockaddr *sa, char *buf, size_t len)
{
	if (!sa || !sa->sa_family)
		snprintf(buf, len, "?");
	else
		np_addr_port_str(sa, buf, len);
}

int np_nat_same_addr(const struct sockaddr *a, const struct sockaddr *b)
{
	char x[NP_ADDR_STR_MAX], y[NP_ADDR_STR_MAX];

	return strcmp(np_addr_str(a, x, sizeof(x)), np_addr_str(b, y, sizeof(y))) == 0;
}

unsigned np_nat_port_of(const struct sockaddr *sa)
{
	return sa->sa_family == AF_INET ? ntohs(((const struct sockaddr_in *)sa)->sin_port) :
	       sa->sa_family == AF_INET6 ? ntohs(((const struct sockaddr_in6 *)sa)->sin6_port) : 0;
}

void np_nat_note_bytes(struct m_result *m, const struct sockaddr *from, const void *buf, size_t n)
{
	m->bytes = n;
	np_escape_bytes(buf, n, NP_ESCAPE_SHOW, m->first_bytes, sizeof(m->first_bytes));
	np_nat_addr_port(from, m->from, sizeof(m->from));
}

/* Local versus seen: the verdict of the responder and STUN methods. */
void np_nat_compare(struct m_result *m, const struct sockaddr *local, const struct sockaddr *seen)
{
	np_nat_addr_port(local, m->local, sizeof(m->local));
	np_nat_addr_port(seen, m->mapped, sizeof(m->mapped));
	m->ports_preserved = np_nat_port_of(local) == np_nat_port_of(seen);
	m->verdict = np_nat_same_addr(local, seen) && m->ports_preserved ? "nat.none" : "nat.detected";
}

/* --- one socket, one exchange (responder over TCP or UDP) ----------------------- */

struct xchg {
	struct np_job job;
	struct nat_state *st;
	enum m_id id;
	struct sockaddr_storage dst;
	int fd;
	struct np_watch *w;
	struct np_timer *timer;
	int tries;
	int connected;
	char out[NP_NPR_REPLY_MAX + 1];
	size_t out_len;
	char in[NP_NPR_REPLY_MAX + 64];
	size_t in_len;
	int ended;
};

static void xchg_end(struct xchg *x, const char *verdict, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void xchg_end(struct xchg *x, const char *verdict, const char *fmt, ...)
{
	struct m_result *m = &x->st->m[x->id];
	va_list ap;

	if (x->ended)
		return;
	x->ended = 1;
	if (verdict) {
		m->verdict = verdict;
		va_start(ap, fmt);
		vsnprintf(m->detail, sizeof(m->detail), fmt, ap);
		va_end(ap);
	}
	np_watch_del(x->w);
	x->w = NULL;
	np_timer_del(x->timer);
	x->timer = NULL;
	if (x->fd >= 0)
		close(x->fd);
	x->fd = -1;
	np_run_job_done(x->st->run, &x->job);
}

/* The responder, "addr:port", for summaries. */
static const char *who(const struct xchg *x, char *buf, size_t len)
{
	np_nat_addr_port((const struct sockaddr *)&x->dst, buf, len);
	return buf;
}

/* Bytes came back that are not (or not yet) an answer: noted, and said
 * with the verdict, not as silence. */
static void xchg_garbage(struct xchg *x, const char *what, size_t n)
{
	struct m_result *m = &x->st->m[x->id];
	char a[80];

	np_nat_note_bytes(m, (const struct sockaddr *)&x->dst, x->in, n);
	xchg_end(x, "nat.no_answer", "the responder at %s %s: %zu byte%s: %s", who(x, a, sizeof(a)), what, n,
		 n == 1 ? "" : "s", m->first_bytes);
}

/* A reply line is in (len bytes of x->in, of n received): the responder's
 * view against ours. */
static void xchg_reply(struct xchg *x, size_t len, size_t n)
{
	struct m_result *m = &x->st->m[x->id];
	struct np_npr_reply r;
	struct sockaddr_storage local;
	socklen_t ll = sizeof(local);

	if (np_npr_parse_reply(x->in, len, &r) < 0) {
		xchg_garbage(x, "answered something that is not NPR/1", n);
		return;
	}
	if (r.code != NP_NPR_OK) {
		xchg_end(x, "nat.no_answer", "the responder refused: ERR %s%s", np_npr_code_str(r.code),
			 r.code == NP_NPR_ERR_TOKEN ? " (give its --token)" : "");
		return;
	}
	if (getsockname(x->fd, (struct sockaddr *)&local, &ll) < 0) {
		xchg_end(x, "nat.no_answer", "getsockname: %s", strerror(errno));
		return;
	}
	np_nat_compare(m, (struct sockaddr *)&local, (struct sockaddr *)&r.seen);
	xchg_end(x, NULL, "%s", "");
}

static void xchg_send(struct xchg *x)
{
	ssize_t n = send(x->fd, x->out, x->out_len, MSG_NOSIGNAL);

	if (n < 0 && errno != EAGAIN) {
		xchg_end(x, "nat.no_answer", "send: %s", strerror(errno));
		return;
	}
	x->tries++;
}

static void on_xchg_io(struct np_watch *w, int fd, int events, void *arg)
{
	struct xchg *x = arg;
	ssize_t n;

	(void)w;
	(void)events;
	if (!x->connected) {
		int err = 0;
		socklen_t len = sizeof(err);

		getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
		if (err) {
			xchg_end(x, "nat.no_answer", "connect to the responder: %s", strerror(err));
			return;
		}
		x->connected = 1;
		xchg_send(x);
		if (!x->ended)
			np_watch_set(x->w, NP_EV_READ);
		return;
	}
	n = recv(fd, x->in + x->in_len, sizeof(x->in) - 1 - x->in_len, 0);
	if (n < 0) {
		char a[80];

		if (errno != EAGAIN && x->in_len)
			xchg_garbage(x, strerror(errno), x->in_len);
		else if (errno != EAGAIN)
			xchg_end(x, "nat.no_answer", "the responder at %s: %s", who(x, a, sizeof(a)), strerror(errno));
		return;
	}
	if (x->id == M_RESP_UDP) {
		xchg_reply(x, (size_t)n, (size_t)n);
		return;
	}
	if (n == 0) {
		char a[80];

		if (x->in_len)
			xchg_garbage(x, "closed the connection in the middle of its answer", x->in_len);
		else
			xchg_end(x, "nat.no_answer", "the responder at %s closed the connection without answering",
				 who(x, a, sizeof(a)));
		return;
	}
	x->in_len += (size_t)n;
	{
		char *nl = memchr(x->in, '\n', x->in_len);

		if (nl)
			xchg_reply(x, (size_t)(nl - x->in), x->in_len);
		else if (x->in_len >= sizeof(x->in) - 1)
			xchg_garbage(x, "sent a line with no end within its bound", x->in_len);
	}
}

static void on_xchg_timer(struct np_timer *t, void *arg)
{
	struct xchg *x = arg;
	int64_t step = np_run_opts(x->st->run)->timeout_us / UDP_TRIES;

	(void)t;
	if (x->id == M_RESP_UDP && x->connected && x->tries < UDP_TRIES) {
		xchg_send(x);
		if (!x->ended)
			np_timer_reset(x->timer, step);
		return;
	}
	if (x->in_len) {
		char what[64];

		snprintf(what, sizeof(what), "sent no complete line within %.1f s",
			 (double)np_run_opts(x->st->run)->timeout_us / 1e6);
		xchg_garbage(x, what, x->in_len);
		return;
	}
	{
		char a[80];

		xchg_end(x, "nat.no_answer", "the responder at %s did not answer within %.1f s", who(x, a, sizeof(a)),
			 (double)np_run_opts(x->st->run)->timeout_us / 1e6);
	}
}

static void xchg_start(struct np_job *job)
{
	struct xchg *x = (struct xchg *)job;
	int udp = x->id == M_RESP_UDP;
	int64_t to = np_run_opts(x->st->run)->timeout_us;
	int len;

	job->wait_until_us = job->started_us + to;
	x->timer = np_loop_timer(np_run_loop(x->st->run), udp ? to / UDP_TRIES : to, on_xchg_timer, x);
	x->fd = socket(x->dst.ss_family, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	/* Over UDP the reply is never longer than the request: pad it. */
	len = np_npr_format_request(NP_NPR_HELLO, NULL, x->st->plan.token, udp ? NP_NPR_REPLY_MAX : 0,
				    x->out, sizeof(x->out));
	if (!x->timer || x->fd < 0 || len < 0) {
		xchg_end(x, "nat.no_answer", "this host: %s", len < 0 ? "bad token" : strerror(errno));
		return;
	}
	x->out_len = (size_t)len;
	if (connect(x->fd, (struct sockaddr *)&x->dst, np_addr_len((struct sockaddr *)&x->dst)) < 0 &&
	    errno != EINPROGRESS) {
		xchg_end(x, "nat.no_answer", "connect to the responder: %s", strerror(errno));
		return;
	}
	{
		struct sockaddr_storage local;
		socklen_t ll = sizeof(local);

		if (getsockname(x->fd, (struct sockaddr *)&local, &ll) == 0)
			np_run_note_source(x->st->run, (struct sockaddr *)&local);
	}
	x->w = np_loop_watch(np_run_loop(x->st->run), x->fd, udp ? NP_EV_READ : NP_EV_WRITE, on_xchg_io, x);
	if (!x->w) {
		xchg_end(x, "nat.no_answer", "this host: %s", strerror(errno));
		return;
	}
	if (udp) {
		x->connected = 1;
		xchg_send(x);
	}
}

static void xchg_cancel(struct np_job *job, const char *verdict)
{
	struct xchg *x = (struct xchg *)job;

	xchg_end(x, "nat.undecided", "the run ended first (%s)", verdict);
}

static void xchg_free(struct np_job *job)
{
	free(job);
}

static const struct np_job_ops xchg_ops = {.start = xchg_start, .cancel = xchg_cancel, .free = xchg_free};

static int responder_each(struct np_run *run, const struct np_target *t, const char *target,
			  const struct sockaddr *addr, double dns_ms, void *arg)
{
	struct nat_state *st = arg;

	(void)t;
	(void)dns_ms;
	if (st->m[M_RESP_TCP].tried)
		return 0;       /* the first address */
	for (int id = M_RESP_TCP; id <= M_RESP_UDP; id++) {
		struct xchg *x = calloc(1, sizeof(*x));

		if (!x)
			return NP_ENOMEM;
		x->job.ops = &xchg_ops;
		x->st = st;
		x->id = (enum m_id)id;
		x->fd = -1;
		memcpy(&x->dst, addr, np_addr_len(addr));
		np_addr_set_port((struct sockaddr *)&x->dst, st->plan.responder.port);
		st->m[id].tried = 1;
		snprintf(st->m[id].target, sizeof(st->m[id].target), "%s", target);
		snprintf(x->job.label, sizeof(x->job.label), "nat: responder %s over %s", target, m_proto[id]);
		np_run_submit(run, &x->job);
	}
	return 0;
}

/* --- the quotes (a trace to --via) ----------------------------------------------- */

static void on_trace(const struct np_trace_result *r, const char *error, const char *target,
		     const char *address, void *arg)
{
	struct nat_state *st = arg;
	struct m_result *m = &st->m[M_QUOTE];

	if (m->verdict)
		return;         /* the first address decides */
	snprintf(m->target, sizeof(m->target), "%s", target);
	if (!r || error[0]) {
		m->verdict = "nat.no_answer";
		snprintf(m->detail, sizeof(m->detail), "the trace to %s could not run: %.300s", target,
			 error[0] ? error : "out of memory");
		return;
	}
	for (size_t i = 0; i < r->n_changes; i++) {
		const struct np_trace_change *c = &r->changes[i];

		if (!(c->field & (NP_TF_SRC_ADDR | NP_TF_SRC_PORT | NP_TF_UDP_CHECKSUM)))
			continue;
		m->verdict = "nat.detected";
		m->hop = c->hop;
		snprintf(m->local, sizeof(m->local), "%.70s", c->sent);
		snprintf(m->mapped, sizeof(m->mapped), "%.70s", c->seen);
		m->ports_preserved = c->field == NP_TF_SRC_ADDR ? 1 : -1;
		snprintf(m->detail, sizeof(m->detail), "on the way to %s the routers' quotes show the %s rewritten "
			 "from hop %d (%s) on: %s became %s before it", address, np_trace_field_name(c->field), c->hop,
			 c->address, c->sent, c->seen);
		return;
	}
	m->verdict = "nat.undecided";
	snprintf(m->detail, sizeof(m->detail), "the quotes of %d hop%s to %s show the source unchanged; a NAT that "
		 "also translates the headers quoted in ICMP errors (Linux conntrack NAT does) would look the same, "
		 "so the quotes cannot decide", r->n_hops, r->n_hops == 1 ? "" : "s", target);
}

/* --- findings ---------------------------------------------------------------------- */

static struct np_finding *method_finding(struct nat_state *st, enum m_id id)
{
	struct m_result *m = &st->m[id];
	struct np_finding *f = np_finding_new("nat", m->target[0] ? m->target : st->shown[id], "",
					      m->verdict ? m->verdict : "nat.no_answer");

	if (!f)
		return NULL;
	if (strcmp(f->verdict->code, "nat.detected") == 0 && id != M_QUOTE)
		np_finding_summary(f, "%s over %s: this host sent from %s, the %s saw %s (%s)%s%s%s%s", m_name[id],
				   m_proto[id], m->local, id == M_STUN ? "STUN server" : "responder", m->mapped,
				   m->ports_preserved ? "port preserved" : "port changed",
				   m->mapping ? "; mapping " : "", m->mapping ? m->mapping : "",
				   m->filtering ? ", filtering " : "", m->filtering ? m->filtering : "");
	else if (strcmp(f->verdict->code, "nat.none") == 0)
		np_finding_summary(f, "%s over %s: the %s saw this host's own %s", m_name[id], m_proto[id],
				   id == M_STUN ? "STUN server" : "responder", m->local);
	else
		np_finding_summary(f, "%s: %s", m_name[id], m->detail);
	np_finding_metric_str(f, "method", m_name[id]);
	np_finding_metric_str(f, "protocol", m_proto[id]);
	np_finding_metric_opt_str(f, "local", m->local);
	np_finding_metric_opt_str(f, "mapped", m->mapped);
	if (m->ports_preserved >= 0 && m->mapped[0])
		np_finding_metric_int(f, "ports_preserved", m->ports_preserved);
	np_finding_metric_opt_str(f, "mapping", m->mapping ? m->mapping : "");
	np_finding_metric_opt_str(f, "filtering", m->filtering ? m->filtering : "");
	np_finding_metric_opt_int(f, "hop", m->hop ? m->hop : -1);
	if (strcmp(f->verdict->code, "nat.no_answer") == 0) {
		/* garbage is not silence: what came back, and from whom */
		np_finding_metric_int(f, "bytes_received", (int64_t)m->bytes);
		np_finding_metric_opt_str(f, "first_bytes", m->bytes ? m->first_bytes : "");
		np_finding_metric_opt_str(f, "answer_from", m->bytes ? m->from : "");
	}
	return f;
}

static void on_run_idle(void *arg)
{
	struct nat_state *st = arg;
	char tried[160] = "", detected[160] = "", none[160] = "", other[160] = "";
	struct np_finding *f;
	const char *verdict;

	if (st->reported || np_run_ending(st->run))
		return;
	st->reported = 1;
	for (int id = 0; id < M_COUNT; id++) {
		struct m_result *m = &st->m[id];
		char *list;
		char one[32];

		if (!m->tried)
			continue;
		if (!m->verdict) {
			m->verdict = "nat.no_answer";
			snprintf(m->detail, sizeof(m->detail), "no answer");
		}
		np_run_finding(st->run, method_finding(st, (enum m_id)id));
		snprintf(one, sizeof(one), "%s/%s", m_name[id], m_proto[id]);
		list = strcmp(m->verdict, "nat.detected") == 0 ? detected : strcmp(m->verdict, "nat.none") == 0 ? none : other;
		snprintf(list + strlen(list), 160 - strlen(list), "%s%s", list[0] ? ", " : "", one);
		snprintf(tried + strlen(tried), sizeof(tried) - strlen(tried), "%s%s", tried[0] ? ", " : "", one);
	}
	verdict = detected[0] ? "nat.detected" : none[0] ? "nat.none" : "nat.undecided";
	f = np_finding_new("nat", "this host", "", verdict);
	if (!f)
		return;
	np_finding_summary(f, "methods tried: %s; NAT seen by: %s; no NAT seen by: %s; undecided: %s%s", tried,
			   detected[0] ? detected : "none", none[0] ? none : "none", other[0] ? other : "none",
			   detected[0] && none[0] ? " (the methods disagree: they take different paths, or a NAT "
			   "translates only some protocols or destinations)" : "");
	np_finding_metric_str(f, "method", "overall");
	np_finding_metric_str(f, "methods_tried", tried);
	np_finding_metric_str(f, "detected_by", detected);
	np_finding_metric_str(f, "none_by", none);
	np_run_finding(st->run, f);
}

static void state_free(void *arg)
{
	free(arg);
}

int np_nat_submit(struct np_run *run, struct np_nat_plan *plan, char *errbuf)
{
	struct nat_state *st = calloc(1, sizeof(*st));
	int r = 0;

	if (!st || np_run_at_free(run, state_free, st) < 0) {
		free(st);
		snprintf(errbuf, NP_ERRBUF_SIZE, "out of memory");
		return NP_ENOMEM;
	}
	st->run = run;
	st->plan = *plan;
	np_run_on_idle(run, on_run_idle, st);
	if (plan->has_responder) {
		np_target_str(&plan->responder, st->shown[M_RESP_TCP], sizeof(st->shown[0]));
		np_target_str(&plan->responder, st->shown[M_RESP_UDP], sizeof(st->shown[0]));
		r = np_target_job_submit(run, "nat", &st->plan.responder, responder_each, st);
	}
	if (r == 0 && plan->has_stun) {
		np_target_str(&plan->stun, st->shown[M_STUN], sizeof(st->shown[0]));
		r = np_target_job_submit(run, "nat", &st->plan.stun, np_nat_stun_each, st);
	}
	if (r == 0 && plan->has_via) {
		np_target_str(&plan->via, st->shown[M_QUOTE], sizeof(st->shown[0]));
		st->m[M_QUOTE].tried = 1;
		st->plan.trace.on_result = on_trace;
		st->plan.trace.result_arg = st;
		r = np_trace_submit(run, &st->plan.trace, &st->plan.via);
	}
	if (r < 0)
		snprintf(errbuf, NP_ERRBUF_SIZE, "out of memory");
	return r;
}
