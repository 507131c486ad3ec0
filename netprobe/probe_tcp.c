#include "probe_tcp.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"
#include "clock.h"
#include "loop.h"
#include "resolve.h"
#include "run.h"

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
};

static const char *conn_addr(struct tcp_conn *c, char *buf, size_t len)
{
	return np_addr_str((struct sockaddr *)&c->dst, buf, len);
}

static void conn_release(struct tcp_conn *c)
{
	np_watch_del(c->w);
	c->w = NULL;
	np_timer_del(c->timer);
	c->timer = NULL;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

static void conn_finish(struct tcp_conn *c, const struct np_tcp_obs *obs)
{
	struct np_run *run = c->job.run;
	char addr[NP_ADDR_STR_MAX], summary[512];
	const char *verdict = np_tcp_classify(obs, summary, sizeof(summary));
	struct np_finding *f;

	conn_release(c);
	f = np_finding_new("tcp", c->target, conn_addr(c, addr, sizeof(addr)), verdict);
	if (f) {
		np_finding_summary(f, "%s", summary);
		if (!obs->timed_out && obs->err == 0)
			np_finding_metric_real(f, "connect_ms", obs->elapsed_ms);
		np_finding_metric_real(f, "elapsed_ms", obs->elapsed_ms);
		if (c->dns_ms >= 0)
			np_finding_metric_real(f, "dns_ms", c->dns_ms);
		if (c->source[0])
			np_finding_metric_str(f, "source", c->source);
		if (obs->err && strerrorname_np(obs->err))
			np_finding_metric_str(f, "socket_error", strerrorname_np(obs->err));
	}
	np_run_finding(run, f);
	np_run_job_done(run, &c->job);
}

static void conn_result(struct tcp_conn *c, int err, int local, int timed_out)
{
	struct np_tcp_obs obs = {0};

	obs.err = err;
	obs.local = local;
	obs.timed_out = timed_out;
	obs.elapsed_ms = (double)(np_now_us() - c->t0) / 1000.0;
	obs.timeout_ms = (double)np_run_opts(c->job.run)->timeout_us / 1000.0;
	conn_finish(c, &obs);
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
	conn_result(c, err, 0, 0);
}

static void on_timeout(struct np_timer *t, void *arg)
{
	(void)t;
	conn_result(arg, 0, 0, 1);
}

static void note_source(struct tcp_conn *c)
{
	struct sockaddr_storage local;
	socklen_t len = sizeof(local);

	if (getsockname(c->fd, (struct sockaddr *)&local, &len) < 0 ||
	    local.ss_family != c->dst.ss_family)
		return;
	np_addr_port_str((struct sockaddr *)&local, c->source, sizeof(c->source));
	np_run_note_source(c->job.run, (struct sockaddr *)&local);
}

static void conn_start(struct np_job *job)
{
	struct tcp_conn *c = (struct tcp_conn *)job;
	const struct np_opts *o = np_run_opts(job->run);
	struct np_loop *loop = np_run_loop(job->run);
	int family = c->dst.ss_family;

	c->t0 = np_now_us();
	job->wait_until_us = c->t0 + o->timeout_us;
	c->fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		conn_result(c, errno, 1, 0);
		return;
	}
	if (o->interface[0] &&
	    setsockopt(c->fd, SOL_SOCKET, SO_BINDTODEVICE, o->interface,
		       (socklen_t)strlen(o->interface)) < 0) {
		conn_result(c, errno, 1, 0);
		return;
	}
	if (o->has_source && o->source.ss_family == family &&
	    bind(c->fd, (const struct sockaddr *)&o->source,
		 np_addr_len((const struct sockaddr *)&o->source)) < 0) {
		conn_result(c, errno, 1, 0);
		return;
	}
	if (connect(c->fd, (struct sockaddr *)&c->dst, np_addr_len((struct sockaddr *)&c->dst)) == 0) {
		note_source(c);
		conn_result(c, 0, 0, 0);
		return;
	}
	if (errno != EINPROGRESS) {
		conn_result(c, errno, 1, 0);
		return;
	}
	note_source(c);
	c->w = np_loop_watch(loop, c->fd, NP_EV_WRITE, on_writable, c);
	c->timer = np_loop_timer(loop, o->timeout_us, on_timeout, c);
	if (!c->w || !c->timer)
		conn_result(c, ENOMEM, 1, 0);
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

static const struct np_job_ops conn_ops = {conn_start, conn_cancel, conn_free};

static int submit_conn(struct np_run *run, const char *target,
		       const struct sockaddr *dst, unsigned port, double dns_ms)
{
	struct tcp_conn *c = calloc(1, sizeof(*c));
	char a[NP_ADDR_STR_MAX];

	if (!c)
		return NP_ENOMEM;
	c->job.ops = &conn_ops;
	c->fd = -1;
	c->dns_ms = dns_ms;
	snprintf(c->target, sizeof(c->target), "%s", target);
	memcpy(&c->dst, dst, np_addr_len(dst));
	np_addr_set_port((struct sockaddr *)&c->dst, port);
	np_addr_str((struct sockaddr *)&c->dst, a, sizeof(a));
	if (strstr(target, a))
		snprintf(c->job.label, sizeof(c->job.label), "tcp %.250s", target);
	else
		snprintf(c->job.label, sizeof(c->job.label), "tcp %.250s (%s)", target, a);
	np_run_submit(run, &c->job);
	return 0;
}

/* --- one target: resolve, then one connect per address --------------------- */

struct tcp_target {
	struct np_job job;
	struct np_target t;
	char target[NP_TARGET_STR_MAX];
	struct np_resolve_req *req;
};

static void target_fail(struct tcp_target *tt, const char *verdict, const char *summary, double ms)
{
	struct np_finding *f = np_finding_new("tcp", tt->target, "", verdict);

	if (f) {
		np_finding_summary(f, "%s", summary);
		if (ms >= 0)
			np_finding_metric_real(f, "dns_ms", ms);
	}
	np_run_finding(tt->job.run, f);
}

static void on_resolved(const struct np_resolve_result *res, void *arg)
{
	struct tcp_target *tt = arg;
	struct np_run *run = tt->job.run;
	char msg[512];

	if (!res->ok) {
		snprintf(msg, sizeof(msg), "cannot resolve %s: %s", tt->t.host, res->error);
		target_fail(tt, res->verdict, msg, res->ms);
	}
	for (size_t i = 0; res->ok && i < res->n_addrs; i++)
		submit_conn(run, tt->target, (const struct sockaddr *)&res->addrs[i], tt->t.port, res->ms);
	np_run_job_done(run, &tt->job);
}

static void target_start(struct np_job *job)
{
	struct tcp_target *tt = (struct tcp_target *)job;
	struct np_run *run = job->run;
	char errbuf[NP_ERRBUF_SIZE], msg[512];
	struct np_resolver *res;

	if (tt->t.family != AF_UNSPEC) {
		struct sockaddr_storage ss;

		np_addr_parse(tt->t.host, &ss);
		submit_conn(run, tt->target, (struct sockaddr *)&ss, tt->t.port, -1);
		np_run_job_done(run, job);
		return;
	}
	res = np_run_resolver(run, errbuf);
	if (!res) {
		snprintf(msg, sizeof(msg), "cannot resolve %.200s: %.250s", tt->t.host, errbuf);
		target_fail(tt, "dns.error", msg, -1);
		np_run_job_done(run, job);
		return;
	}
	job->wait_until_us = job->started_us + np_run_opts(run)->timeout_us;
	if (np_resolver_lookup(res, tt->t.host, np_run_opts(run)->family, on_resolved, tt,
			       &tt->req) < 0) {
		target_fail(tt, "dns.error", "cannot resolve: out of memory", -1);
		np_run_job_done(run, job);
	}
}

static void target_cancel(struct np_job *job, const char *verdict)
{
	struct tcp_target *tt = (struct tcp_target *)job;
	char msg[512];

	np_resolve_cancel(tt->req);
	snprintf(msg, sizeof(msg), job->running ? "%s was not resolved before the run ended" :
		 "%s: never started", tt->t.host);
	target_fail(tt, verdict, msg, -1);
	np_run_job_done(job->run, job);
}

static const struct np_job_ops target_ops = {target_start, target_cancel, conn_free};

int np_tcp_submit(struct np_run *run, const struct np_target *t)
{
	struct tcp_target *tt = calloc(1, sizeof(*tt));

	if (!tt)
		return NP_ENOMEM;
	tt->job.ops = &target_ops;
	tt->t = *t;
	np_target_str(t, tt->target, sizeof(tt->target));
	snprintf(tt->job.label, sizeof(tt->job.label), "tcp %.250s (resolving)", tt->target);
	np_run_submit(run, &tt->job);
	return 0;
}
