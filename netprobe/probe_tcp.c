/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "probe_tcp.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"
#include "capture.h"
#include "classify_tcp.h"
#include "clock.h"
#include "loop.h"
#include "run.h"
#include "target_job.h"

/* --- the classifier ------------------------------------------------------ */

const char *np_tcp_classify(const struct np_tcp_obs *o, char *buf, size_t len)
{
	const char *name = strerrorname_np(o->err);

	if (o->timed_out) {
		snprintf(buf, len, "no answer to the SYN within %.1f s: the flow is silently dropped",
			 o->timeout_ms / 1000.0);
		return "tcp.filtered";
	}
	switch (o->err) {
	case 0:
		snprintf(buf, len, "connected in %.2f ms", o->elapsed_ms);
		return "tcp.ok";
	case ECONNREFUSED:
		/* A RST from the target, a RST from a firewall, and an ICMP port
		 * unreachable all read as ECONNREFUSED; only packets tell them
		 * apart (tcp.rejected comes from capture evidence). */
		snprintf(buf, len, "refused after %.2f ms: the SYN was answered by a reset "
			 "(or an ICMP port unreachable)", o->elapsed_ms);
		return "tcp.refused";
	case ETIMEDOUT:
		/* The kernel gave up on its own SYN retries (--timeout longer
		 * than tcp_syn_retries allows): same meaning as our timeout. */
		snprintf(buf, len, "no answer to the SYN after %.1f s (the kernel gave up): "
			 "the flow is silently dropped", o->elapsed_ms / 1000.0);
		return "tcp.filtered";
	case ENETUNREACH:
	case EHOSTUNREACH:
		if (o->local)
			snprintf(buf, len, "%s: this host has no route to the target (%s)",
				 o->err == ENETUNREACH ? "network unreachable" : "host unreachable", name);
		else
			snprintf(buf, len, "%s after %.2f ms: an ICMP %s unreachable (or administratively "
				 "prohibited) came back (%s)",
				 o->err == ENETUNREACH ? "network unreachable" : "host unreachable",
				 o->elapsed_ms, o->err == ENETUNREACH ? "network" : "host", name);
		return "tcp.unreachable";
	case EACCES:
		if (!o->local) {
			/* Linux maps ICMPv6 unreachable code 1 (administratively
			 * prohibited, RFC 4443 3.1) to EACCES. */
			snprintf(buf, len, "administratively prohibited after %.2f ms: an ICMPv6 "
				 "unreachable (code 1) came back (EACCES)", o->elapsed_ms);
			return "tcp.unreachable";
		}
		break;
	}
	if (o->err == EPERM)
		snprintf(buf, len, "connect refused by this host's own packet filter (EPERM)");
	else
		snprintf(buf, len, "connect failed on this host: %s (%s)", strerror(o->err),
			 name ? name : "?");
	return "tcp.error";
}

/* --- one connect ---------------------------------------------------------- */

/* After the socket's word, how long to wait for the packet that explains
 * it (it may sit in the capture buffer still), and after a decisive packet,
 * how long for the socket's word. */
#define EXPLAIN_WAIT_US 200000
/* Each TTL-limited connect of the series waits at most this long (or the
 * probe's timeout when shorter): ICMP answers come in milliseconds. */
#define SERIES_WAIT_US 2000000

struct tcp_series {
	int fd;
	struct np_flow *flow;
	struct np_ttl_probe res;
	struct tcp_conn *conn;
	int ttl;
};

enum conn_state { CONN_CONNECTING, CONN_SERIES, CONN_DONE };

struct tcp_conn {
	struct np_job job;
	char target[NP_TARGET_STR_MAX];
	struct sockaddr_storage dst;
	double dns_ms;              /* < 0 for literal targets */
	int fd;
	struct np_watch *w;
	struct np_timer *timer;
	int64_t t0;
	char source[NP_ADDR_STR_MAX];
	enum conn_state state;
	struct np_flow *flow;
	int sock_done;              /* the socket has given its outcome */
	int sock_err;
	int sock_local;
	int timed_out;
	double sock_ms;
	int waiting;                /* in the explain grace period */
	struct tcp_series series[NP_TTL_SERIES_MAX];
	struct np_ttl_probe series_res[NP_TTL_SERIES_MAX];
	int series_len;
};

static const char *conn_addr(struct tcp_conn *c, char *buf, size_t len)
{
	return np_addr_str((struct sockaddr *)&c->dst, buf, len);
}

static void series_close(struct tcp_conn *c)
{
	for (int i = 0; i < c->series_len; i++) {
		np_flow_detach(c->series[i].flow);
		c->series[i].flow = NULL;
		if (c->series[i].fd >= 0)
			close(c->series[i].fd);
		c->series[i].fd = -1;
	}
}

static void conn_release(struct tcp_conn *c)
{
	np_watch_del(c->w);
	c->w = NULL;
	np_timer_del(c->timer);
	c->timer = NULL;
	np_flow_detach(c->flow);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	series_close(c);
}

static void conn_input(struct tcp_conn *c, struct np_tcp_input *in,
		       const struct np_flow_pkt **pkts, size_t max)
{
	struct np_run *run = c->job.run;

	memset(in, 0, sizeof(*in));
	in->obs.err = c->sock_err;
	in->obs.local = c->sock_local;
	in->obs.timed_out = c->timed_out;
	in->obs.elapsed_ms = c->sock_done ? c->sock_ms : (double)(np_now_us() - c->t0) / 1000.0;
	in->obs.timeout_ms = (double)np_run_opts(run)->timeout_us / 1000.0;
	in->have_capture = c->flow != NULL;
	in->t0_us = c->t0;
	in->target = (const struct sockaddr *)&c->dst;
	if (c->flow) {
		size_t n = np_flow_count(c->flow);

		if (n > max)
			n = max;
		for (size_t i = 0; i < n; i++)
			pkts[i] = np_flow_packet(c->flow, i);
		in->pkts = pkts;
		in->n_pkts = n;
	}
	in->series_len = c->series_len;
	in->series = c->series_res;
}

static void conn_report(struct tcp_conn *c, const struct np_tcp_result *r)
{
	struct np_run *run = c->job.run;
	struct np_flow_table *ft = np_run_flows(run);
	char addr[NP_ADDR_STR_MAX];
	struct np_finding *f;

	f = np_finding_new("tcp", c->target, conn_addr(c, addr, sizeof(addr)), r->verdict);
	if (f) {
		np_finding_summary(f, "%s", r->summary);
		if (strcmp(r->verdict, "tcp.ok") == 0)
			np_finding_metric_real(f, "connect_ms", r->decided_ms);
		np_finding_metric_real(f, "elapsed_ms", r->decided_ms);
		if (c->dns_ms >= 0)
			np_finding_metric_real(f, "dns_ms", c->dns_ms);
		if (c->source[0])
			np_finding_metric_str(f, "source", c->source);
		if (c->sock_err && strerrorname_np(c->sock_err))
			np_finding_metric_str(f, "socket_error", strerrorname_np(c->sock_err));
		if (ft) {
			np_finding_metric_opt_int(f, "reply_ttl", r->reply_ttl);
			np_finding_metric_opt_int(f, "target_ttl", r->target_ttl);
			np_finding_metric_opt_int(f, "sender_hop", r->sender_hop);
			np_finding_metric_opt_str(f, "sender", r->sender);
			for (size_t i = 0; i < r->n_ev; i++)
				np_finding_evidence(f, r->ev[i].frame, r->ev[i].time_ms, "%s", r->ev[i].text);
		} else {
			np_finding_evidence(f, 0, 0, "%s", np_run_capture_note(run));
			/* The socket cannot tell who sent a reset or an ICMP error. */
			if (strcmp(r->verdict, "tcp.refused") == 0 || strcmp(r->verdict, "tcp.unreachable") == 0)
				np_finding_advice(f, "%s Without packet capture a firewall that rejects the "
						  "flow reads the same: capture tells them apart.", f->advice);
		}
	}
	/* Annotate the saved capture: the deciding frame carries the verdict,
	 * the other evidence frames what they show. */
	for (size_t i = 0; ft && i < r->n_ev; i++) {
		char note[800];

		if (r->ev[i].frame == 0)
			continue;
		if ((int)r->ev[i].frame == r->decided_frame)
			snprintf(note, sizeof(note), "netprobe: %s \xe2\x80\x94 %s", r->verdict, r->summary);
		else
			snprintf(note, sizeof(note), "netprobe: %s: %s", r->verdict, r->ev[i].text);
		np_flow_comment(ft, r->ev[i].frame, note);
	}
	np_run_finding(run, f);
}

static void series_start(struct tcp_conn *c, int max);

static void conn_decide(struct tcp_conn *c)
{
	const struct np_flow_pkt *pkts[256];
	struct np_tcp_input in;
	struct np_tcp_result r;

	conn_input(c, &in, pkts, sizeof(pkts) / sizeof(pkts[0]));
	np_tcp_classify_packets(&in, &r);
	if (r.needs_series && c->series_len == 0 && !np_run_ending(c->job.run)) {
		series_start(c, r.series_max);
		if (c->state == CONN_SERIES)
			return;
	}
	c->state = CONN_DONE;
	conn_release(c);
	conn_report(c, &r);
	np_run_job_done(c->job.run, &c->job);
}

/* A packet of the flow that answers the SYN (reset, SYN-ACK, ICMP error)
 * decides as soon as the socket has spoken too. */
static int decisive(const struct np_flow_pkt *p)
{
	char from[48];

	return np_tcp_series_outcome(p, from, sizeof(from)) != NP_SERIES_NONE;
}

static int flow_decided(struct tcp_conn *c)
{
	for (size_t i = 0; c->flow && i < np_flow_count(c->flow); i++)
		if (decisive(np_flow_packet(c->flow, i)))
			return 1;
	return 0;
}

static void on_grace(struct np_timer *t, void *arg)
{
	struct tcp_conn *c = arg;

	(void)t;
	if (c->state == CONN_SERIES) {
		series_close(c);
		conn_decide(c);
		return;
	}
	if (!c->sock_done) {
		/* The main timeout: nothing decided in time. */
		c->timed_out = !flow_decided(c);
		c->sock_done = 1;
		c->sock_ms = (double)(np_now_us() - c->t0) / 1000.0;
	}
	conn_decide(c);
}

static void sock_outcome(struct tcp_conn *c, int err, int local)
{
	np_watch_del(c->w);
	c->w = NULL;
	c->sock_done = 1;
	c->sock_err = err;
	c->sock_local = local;
	c->sock_ms = (double)(np_now_us() - c->t0) / 1000.0;
	if (!c->flow || local) {
		conn_decide(c);
		return;
	}
	/* Never classify a socket error before its packet has been read. */
	np_capture_drain(np_run_capture(c->job.run));
	if (c->state != CONN_CONNECTING)
		return;
	if (flow_decided(c)) {
		conn_decide(c);
		return;
	}
	c->waiting = 1;
	np_timer_reset(c->timer, EXPLAIN_WAIT_US);
}

static void on_flow_pkt(struct np_flow *flow, const struct np_flow_pkt *p, void *arg)
{
	struct tcp_conn *c = arg;

	(void)flow;
	if (c->state != CONN_CONNECTING || !decisive(p))
		return;
	if (c->sock_done) {
		conn_decide(c);
		return;
	}
	/* The packet came first (Linux may even lose the ICMP for the socket
	 * while connect() holds it): give the socket a moment, then decide
	 * from the packet. */
	if (!c->waiting) {
		c->waiting = 1;
		np_timer_reset(c->timer, EXPLAIN_WAIT_US);
	}
}

static void on_writable(struct np_watch *w, int fd, int events, void *arg)
{
	struct tcp_conn *c = arg;
	int err = 0;
	socklen_t len = sizeof(err);

	(void)w;
	(void)events;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	sock_outcome(c, err, 0);
}

static int open_socket(struct tcp_conn *c, int ttl)
{
	const struct np_opts *o = np_run_opts(c->job.run);
	int family = c->dst.ss_family;
	int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (o->interface[0] &&
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, o->interface, (socklen_t)strlen(o->interface)) < 0)
		goto fail;
	if (o->has_source && o->source.ss_family == family &&
	    bind(fd, (const struct sockaddr *)&o->source, np_addr_len((const struct sockaddr *)&o->source)) < 0)
		goto fail;
	if (ttl > 0) {
		int r = family == AF_INET6 ?
			setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof(ttl)) :
			setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));

		if (r < 0)
			goto fail;
	}
	return fd;
fail:
	{
		int e = errno;

		close(fd);
		return -e;
	}
}

static struct np_flow *register_flow(struct tcp_conn *c, int fd, np_flow_cb cb, void *arg,
				     struct sockaddr_storage *local)
{
	struct np_flow_table *ft = np_run_flows(c->job.run);
	socklen_t len = sizeof(*local);

	if (getsockname(fd, (struct sockaddr *)local, &len) < 0 || local->ss_family != c->dst.ss_family)
		return NULL;
	if (!ft)
		return NULL;
	return np_flow_register(ft, IPPROTO_TCP, (struct sockaddr *)local,
				(struct sockaddr *)&c->dst, cb, arg);
}

static void conn_start(struct np_job *job)
{
	struct tcp_conn *c = (struct tcp_conn *)job;
	const struct np_opts *o = np_run_opts(job->run);
	struct np_loop *loop = np_run_loop(job->run);
	struct sockaddr_storage local;

	c->t0 = np_now_us();
	job->wait_until_us = c->t0 + o->timeout_us;
	c->timer = np_loop_timer(loop, o->timeout_us, on_grace, c);
	if (!c->timer) {
		sock_outcome(c, ENOMEM, 1);
		return;
	}
	c->fd = open_socket(c, 0);
	if (c->fd < 0) {
		int e = -c->fd;

		c->fd = -1;
		sock_outcome(c, e, 1);
		return;
	}
	if (connect(c->fd, (struct sockaddr *)&c->dst, np_addr_len((struct sockaddr *)&c->dst)) < 0 &&
	    errno != EINPROGRESS) {
		sock_outcome(c, errno, 1);
		return;
	}
	/* Register the flow now: the SYN is already in the capture buffer,
	 * but the loop reads it only after this returns. */
	c->flow = register_flow(c, c->fd, on_flow_pkt, c, &local);
	if (local.ss_family == c->dst.ss_family) {
		np_addr_port_str((struct sockaddr *)&local, c->source, sizeof(c->source));
		np_run_note_source(job->run, (struct sockaddr *)&local);
	}
	c->w = np_loop_watch(loop, c->fd, NP_EV_WRITE, on_writable, c);
	if (!c->w)
		sock_outcome(c, ENOMEM, 1);
}

/* --- the TTL-limited series: who sent that reset? ------------------------- */

static void series_check_done(struct tcp_conn *c)
{
	for (int i = 0; i < c->series_len; i++)
		if (c->series_res[i].outcome == NP_SERIES_NONE)
			return;
	series_close(c);
	conn_decide(c);
}

static void on_series_pkt(struct np_flow *flow, const struct np_flow_pkt *p, void *arg)
{
	struct tcp_series *s = arg;
	struct tcp_conn *c = s->conn;
	enum np_series_outcome o;

	(void)flow;
	if (c->state != CONN_SERIES || s->res.outcome != NP_SERIES_NONE)
		return;
	o = np_tcp_series_outcome(p, s->res.from, sizeof(s->res.from));
	if (o == NP_SERIES_NONE)
		return;
	s->res.outcome = o;
	s->res.frame = p->frame;
	s->res.time_ms = (double)(p->mono_us - c->t0) / 1000.0;
	c->series_res[s->ttl - 1] = s->res;
	series_check_done(c);
}

static int series_open(struct tcp_conn *c, struct tcp_series *s, int ttl)
{
	struct sockaddr_storage local;

	s->fd = open_socket(c, ttl);
	if (s->fd < 0) {
		s->fd = -1;
		return -1;
	}
	if (connect(s->fd, (struct sockaddr *)&c->dst, np_addr_len((struct sockaddr *)&c->dst)) < 0 &&
	    errno != EINPROGRESS)
		return -1;
	s->flow = register_flow(c, s->fd, on_series_pkt, s, &local);
	return s->flow ? 0 : -1;
}

static void series_start(struct tcp_conn *c, int max)
{
	const struct np_opts *o = np_run_opts(c->job.run);
	int64_t wait = o->timeout_us < SERIES_WAIT_US ? o->timeout_us : SERIES_WAIT_US;

	if (max > NP_TTL_SERIES_MAX)
		max = NP_TTL_SERIES_MAX;
	c->series_len = max;
	for (int t = 1; t <= max; t++) {
		struct tcp_series *s = &c->series[t - 1];

		memset(s, 0, sizeof(*s));
		memset(&c->series_res[t - 1], 0, sizeof(c->series_res[0]));
		s->conn = c;
		s->ttl = t;
		/* A connect that cannot even start answers nothing: mark it so
		 * the series does not wait for it. */
		if (series_open(c, s, t) < 0)
			c->series_res[t - 1].outcome = NP_SERIES_OTHER;
	}
	c->state = CONN_SERIES;
	c->job.wait_until_us = np_now_us() + wait;
	snprintf(c->job.label + strlen(c->job.label), sizeof(c->job.label) - strlen(c->job.label),
		 " [TTL series]");
	np_timer_reset(c->timer, wait);
}

static void conn_cancel(struct np_job *job, const char *verdict)
{
	struct tcp_conn *c = (struct tcp_conn *)job;
	char addr[NP_ADDR_STR_MAX];
	struct np_finding *f;

	conn_release(c);
	f = np_finding_new("tcp", c->target, conn_addr(c, addr, sizeof(addr)), verdict);
	if (f && job->running)
		np_finding_summary(f, "ended after %.2f ms, before the connect had an outcome",
				   (double)(np_now_us() - c->t0) / 1000.0);
	else if (f)
		np_finding_summary(f, "never started");
	np_run_finding(job->run, f);
	np_run_job_done(job->run, job);
}

static void conn_free(struct np_job *job)
{
	free(job);
}

static const struct np_job_ops conn_ops = {.start = conn_start, .cancel = conn_cancel, .free = conn_free};

static int submit_conn(struct np_run *run, const char *target,
		       const struct sockaddr *dst, unsigned port, double dns_ms)
{
	struct tcp_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NP_ENOMEM;
	c->job.ops = &conn_ops;
	c->fd = -1;
	c->dns_ms = dns_ms;
	snprintf(c->target, sizeof(c->target), "%s", target);
	memcpy(&c->dst, dst, np_addr_len(dst));
	np_addr_set_port((struct sockaddr *)&c->dst, port);
	np_target_job_label(&c->job, "tcp", target, (struct sockaddr *)&c->dst);
	np_run_submit(run, &c->job);
	return 0;
}

/* --- one target: resolve, then one connect per address --------------------- */

static int each_address(struct np_run *run, const struct np_target *t, const char *target,
			const struct sockaddr *addr, double dns_ms, void *arg)
{
	(void)arg;
	return submit_conn(run, target, addr, t->port, dns_ms);
}

int np_tcp_submit(struct np_run *run, const struct np_target *t)
{
	return np_target_job_submit(run, "tcp", t, each_address, NULL);
}
