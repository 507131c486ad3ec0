/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "probe_family.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"
#include "clock.h"
#include "dns_answer.h"
#include "hostnet.h"
#include "loop.h"
#include "resolve.h"
#include "run.h"

/*
 * One job per target: A and AAAA looked up apart (so each family's answer
 * is known), then one TCP connect per family to its first address, at
 * once. One job for the NAT64 prefix (AAAA of ipv4only.arpa, RFC 7050).
 * The findings come when every job is in: the host's, then each target's.
 */

#define SLOWER_FACTOR 3         /* IPv6 this many times slower ... */
#define SLOWER_MS 100           /* ... and this much: clients stall */

struct fam_conn {
	int fd;
	struct np_watch *w;
	struct sockaddr_storage dst;
	int have_dst;               /* an address of this family to try */
	int64_t t0;
	double ms;                  /* connect time, -1 not connected */
	int err;                    /* errno of the failure */
	int done;
};

struct fam_state;

struct fam_target {
	struct np_job job;
	struct fam_state *st;
	struct np_target t;
	char shown[NP_TARGET_STR_MAX];
	struct np_resolve_req *req[2];
	int looked[2];              /* lookups finished (0: A, 1: AAAA) */
	size_t n_addrs[2];
	char dns_error[2][96];
	struct fam_conn c[2];
	struct np_timer *timer;
	int starting;
	int ended;
};

struct fam_state {
	struct np_run *run;
	struct np_hostnet host;
	int host_ok;
	char host_error[NP_ERRBUF_SIZE];
	struct fam_target *targets;
	size_t n_targets;
	/* NAT64 */
	struct np_job nat64_job;
	struct np_resolve_req *nat64_req;
	char nat64_prefix[64];      /* "64:ff9b::/96", "" none */
	uint8_t nat64_bytes[16];
	int nat64_len;              /* prefix length, 0 none */
	size_t outstanding;
	int reported;
	int no_host;
};

static int fam_idx(int family)
{
	return family == AF_INET6;
}

/* --- connects ----------------------------------------------------------------- */

static void target_maybe_done(struct fam_target *ft);

static void conn_finish(struct fam_target *ft, struct fam_conn *c, int err)
{
	if (c->done)
		return;
	c->done = 1;
	c->err = err;
	if (!err)
		c->ms = (double)(np_now_us() - c->t0) / 1000.0;
	np_watch_del(c->w);
	c->w = NULL;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	target_maybe_done(ft);
}

static void on_conn(struct np_watch *w, int fd, int events, void *arg)
{
	struct fam_target *ft = arg;
	struct fam_conn *c = ft->c[0].w == w ? &ft->c[0] : &ft->c[1];
	int err = 0;
	socklen_t len = sizeof(err);

	(void)events;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	conn_finish(ft, c, err);
}

static void conn_start(struct fam_target *ft, struct fam_conn *c)
{
	const struct np_opts *o = np_run_opts(ft->st->run);
	int family = c->dst.ss_family;

	c->t0 = np_now_us();
	c->ms = -1;
	c->fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		conn_finish(ft, c, errno);
		return;
	}
	if (o->interface[0])
		setsockopt(c->fd, SOL_SOCKET, SO_BINDTODEVICE, o->interface, (socklen_t)strlen(o->interface));
	if (o->has_source && o->source.ss_family == family &&
	    bind(c->fd, (const struct sockaddr *)&o->source, np_addr_len((const struct sockaddr *)&o->source)) < 0) {
		conn_finish(ft, c, errno);
		return;
	}
	if (connect(c->fd, (struct sockaddr *)&c->dst, np_addr_len((struct sockaddr *)&c->dst)) < 0 &&
	    errno != EINPROGRESS) {
		conn_finish(ft, c, errno);
		return;
	}
	{
		struct sockaddr_storage local;
		socklen_t ll = sizeof(local);

		if (getsockname(c->fd, (struct sockaddr *)&local, &ll) == 0)
			np_run_note_source(ft->st->run, (struct sockaddr *)&local);
	}
	c->w = np_loop_watch(np_run_loop(ft->st->run), c->fd, NP_EV_WRITE, on_conn, ft);
	if (!c->w)
		conn_finish(ft, c, errno ? errno : ENOMEM);
}

static void on_timeout(struct np_timer *t, void *arg)
{
	struct fam_target *ft = arg;

	(void)t;
	for (int i = 0; i < 2; i++) {
		if (ft->c[i].have_dst && !ft->c[i].done)
			conn_finish(ft, &ft->c[i], ETIMEDOUT);
		if (!ft->looked[i]) {
			np_resolve_cancel(ft->req[i]);
			ft->req[i] = NULL;
			ft->looked[i] = 1;
			snprintf(ft->dns_error[i], sizeof(ft->dns_error[i]), "no answer within the timeout");
		}
	}
	target_maybe_done(ft);
}

static void state_maybe_report(struct fam_state *st);

static void target_end(struct fam_target *ft)
{
	if (ft->ended)
		return;
	ft->ended = 1;
	np_timer_del(ft->timer);
	ft->timer = NULL;
	np_run_job_done(ft->st->run, &ft->job);
	ft->st->outstanding--;
	state_maybe_report(ft->st);
}

static void target_maybe_done(struct fam_target *ft)
{
	if (ft->ended || ft->starting || !ft->looked[0] || !ft->looked[1])
		return;
	/* Both families at once; a connect that fails at once lands here
	 * again, and waits for the loop below. */
	ft->starting = 1;
	for (int i = 0; i < 2; i++)
		if (ft->c[i].have_dst && !ft->c[i].done && !ft->c[i].t0)
			conn_start(ft, &ft->c[i]);
	ft->starting = 0;
	for (int i = 0; i < 2; i++)
		if (ft->c[i].have_dst && !ft->c[i].done)
			return;
	target_end(ft);
}

static void on_lookup(const struct np_resolve_result *res, void *arg, int i)
{
	struct fam_target *ft = arg;

	ft->req[i] = NULL;
	ft->looked[i] = 1;
	if (res->ok && res->n_addrs) {
		ft->n_addrs[i] = res->n_addrs;
		memcpy(&ft->c[i].dst, &res->addrs[0], sizeof(res->addrs[0]));
		np_addr_set_port((struct sockaddr *)&ft->c[i].dst, ft->t.port);
		ft->c[i].have_dst = 1;
	} else {
		snprintf(ft->dns_error[i], sizeof(ft->dns_error[i]), "%s", res->ok ? "no address" :
			 strcmp(res->verdict ? res->verdict : "", "dns.nodata") == 0 ? "none" : res->error);
	}
	/* Both families connect at once, as soon as both answers are in. */
	target_maybe_done(ft);
}

static void on_a(const struct np_resolve_result *res, void *arg)
{
	on_lookup(res, arg, 0);
}

static void on_aaaa(const struct np_resolve_result *res, void *arg)
{
	on_lookup(res, arg, 1);
}

static void target_start(struct np_job *job)
{
	struct fam_target *ft = (struct fam_target *)job;
	char errbuf[NP_ERRBUF_SIZE];
	struct np_resolver *r;

	ft->timer = np_loop_timer(np_run_loop(ft->st->run), 2 * np_run_opts(ft->st->run)->timeout_us, on_timeout, ft);
	job->wait_until_us = job->started_us + 2 * np_run_opts(ft->st->run)->timeout_us;
	if (ft->t.family != AF_UNSPEC) {
		int i = fam_idx(ft->t.family);

		np_addr_parse(ft->t.host, &ft->c[i].dst);
		np_addr_set_port((struct sockaddr *)&ft->c[i].dst, ft->t.port);
		ft->c[i].have_dst = 1;
		ft->n_addrs[i] = 1;
		ft->looked[0] = ft->looked[1] = 1;
		snprintf(ft->dns_error[!i], sizeof(ft->dns_error[!i]), "an address literal");
		target_maybe_done(ft);
		return;
	}
	r = np_run_resolver(ft->st->run, errbuf);
	if (!r) {
		for (int i = 0; i < 2; i++) {
			ft->looked[i] = 1;
			snprintf(ft->dns_error[i], sizeof(ft->dns_error[i]), "%.90s", errbuf);
		}
		target_maybe_done(ft);
		return;
	}
	/* Either may answer at once (hosts file): each sets its own handle. */
	if (np_resolver_lookup(r, ft->t.host, AF_INET, on_a, ft, &ft->req[0]) < 0) {
		ft->looked[0] = 1;
		snprintf(ft->dns_error[0], sizeof(ft->dns_error[0]), "out of memory");
	}
	if (!ft->ended && np_resolver_lookup(r, ft->t.host, AF_INET6, on_aaaa, ft, &ft->req[1]) < 0) {
		ft->looked[1] = 1;
		snprintf(ft->dns_error[1], sizeof(ft->dns_error[1]), "out of memory");
		target_maybe_done(ft);
	}
}

static void target_cancel(struct np_job *job, const char *verdict)
{
	struct fam_target *ft = (struct fam_target *)job;

	(void)verdict;
	for (int i = 0; i < 2; i++) {
		if (ft->req[i]) {
			np_resolve_cancel(ft->req[i]);
			ft->req[i] = NULL;
		}
		ft->looked[i] = 1;
		if (ft->c[i].have_dst && !ft->c[i].done) {
			ft->c[i].done = 1;
			ft->c[i].err = EINTR;
			np_watch_del(ft->c[i].w);
			ft->c[i].w = NULL;
			if (ft->c[i].fd >= 0)
				close(ft->c[i].fd);
			ft->c[i].fd = -1;
		}
	}
	target_end(ft);
}

static void job_free_none(struct np_job *job)
{
	(void)job;
}

static const struct np_job_ops target_ops = {.start = target_start, .cancel = target_cancel, .free = job_free_none};

/* --- NAT64 (RFC 7050) --------------------------------------------------------------- */

static void on_nat64(const struct np_resolve_result *res, void *arg)
{
	struct fam_state *st = arg;

	st->nat64_req = NULL;
	for (size_t i = 0; res->ok && i < res->n_addrs && !st->nat64_len; i++) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&res->addrs[i];
		int len;

		if (s6->sin6_family != AF_INET6)
			continue;
		len = np_dns64_prefix(s6->sin6_addr.s6_addr, st->nat64_prefix, sizeof(st->nat64_prefix));
		if (len > 0) {
			st->nat64_len = len;
			memcpy(st->nat64_bytes, s6->sin6_addr.s6_addr, 16);
		}
	}
	np_run_job_done(st->run, &st->nat64_job);
	st->outstanding--;
	state_maybe_report(st);
}

static void nat64_start(struct np_job *job)
{
	struct fam_state *st = (struct fam_state *)((char *)job - offsetof(struct fam_state, nat64_job));
	char errbuf[NP_ERRBUF_SIZE];
	struct np_resolver *r = np_run_resolver(st->run, errbuf);

	job->wait_until_us = job->started_us + np_run_opts(st->run)->timeout_us;
	if (!r || np_resolver_lookup(r, "ipv4only.arpa", AF_INET6, on_nat64, st, &st->nat64_req) < 0) {
		np_run_job_done(st->run, job);
		st->outstanding--;
		state_maybe_report(st);
	}
}

static void nat64_cancel(struct np_job *job, const char *verdict)
{
	struct fam_state *st = (struct fam_state *)((char *)job - offsetof(struct fam_state, nat64_job));

	(void)verdict;
	if (st->nat64_req)
		np_resolve_cancel(st->nat64_req);
	st->nat64_req = NULL;
	np_run_job_done(st->run, job);
	st->outstanding--;
	state_maybe_report(st);
}

static const struct np_job_ops nat64_ops = {.start = nat64_start, .cancel = nat64_cancel, .free = job_free_none};

/* --- findings ---------------------------------------------------------------------- */

static int in_nat64(const struct fam_state *st, const struct sockaddr_storage *ss)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
	int bytes = st->nat64_len / 8;

	return st->nat64_len && ss->ss_family == AF_INET6 &&
	       memcmp(s6->sin6_addr.s6_addr, st->nat64_bytes, (size_t)bytes) == 0;
}

static void list_family(const struct np_hostnet *h, int family, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < h->n_addrs && off + 1 < len; i++) {
		const struct np_host_addr *a = &h->addrs[i];

		if (a->family != family || !a->global)
			continue;
		off += (size_t)snprintf(buf + off, len - off, "%s%s/%u (%s)", off ? ", " : "", a->addr,
					a->prefixlen, a->ifname);
	}
	if (!buf[0])
		snprintf(buf, len, "none");
}

static void host_finding(struct fam_state *st)
{
	const struct np_hostnet *h = &st->host;
	int v4 = np_hostnet_global(h, AF_INET) && np_hostnet_defaults(h, AF_INET);
	int v6 = np_hostnet_global(h, AF_INET6) && np_hostnet_defaults(h, AF_INET6);
	const char *verdict = v4 && v6 ? "family.dual_stack" : v4 ? "family.ipv4_only" :
			      v6 ? (st->nat64_len ? "family.nat64" : "family.ipv6_only") : "family.offline";
	struct np_finding *f;
	char a4[512], a6[512];
	json_t *routes = json_array();

	if (!st->host_ok) {
		f = np_finding_new("family", "this host", "", "family.offline");
		if (f) {
			f->status = NP_ERROR;
			np_finding_summary(f, "cannot read this host's addresses and routes: %s", st->host_error);
		}
		np_run_finding(st->run, f);
		json_decref(routes);
		return;
	}
	f = np_finding_new("family", "this host", "", verdict);
	if (!f) {
		json_decref(routes);
		return;
	}
	list_family(h, AF_INET, a4, sizeof(a4));
	list_family(h, AF_INET6, a6, sizeof(a6));
	np_finding_summary(f, "global IPv4: %s, default route%s; global IPv6: %s, default route%s%s%s", a4,
			   np_hostnet_defaults(h, AF_INET) ? "" : " none", a6,
			   np_hostnet_defaults(h, AF_INET6) ? "" : " none",
			   st->nat64_len ? "; NAT64 prefix " : "", st->nat64_len ? st->nat64_prefix : "");
	np_finding_metric_int(f, "ipv4_global", (int64_t)np_hostnet_global(h, AF_INET));
	np_finding_metric_int(f, "ipv6_global", (int64_t)np_hostnet_global(h, AF_INET6));
	np_finding_metric_int(f, "ipv4_default_routes", (int64_t)np_hostnet_defaults(h, AF_INET));
	np_finding_metric_int(f, "ipv6_default_routes", (int64_t)np_hostnet_defaults(h, AF_INET6));
	np_finding_metric_opt_str(f, "nat64_prefix", st->nat64_prefix);
	for (size_t i = 0; routes && i < h->n_routes; i++) {
		json_t *o = json_pack("{s:s, s:s, s:s}", "family", h->routes[i].family == AF_INET ? "ipv4" : "ipv6",
				      "gateway", h->routes[i].gateway, "interface", h->routes[i].ifname);
		if (o)
			json_array_append_new(routes, o);
	}
	if (routes)
		np_finding_metric_json(f, "default_routes", routes);
	np_run_finding(st->run, f);
}

static const char *conn_words(const struct fam_target *ft, int i, char *buf, size_t len)
{
	const struct fam_conn *c = &ft->c[i];
	char addr[NP_ADDR_STR_MAX];

	if (!c->have_dst)
		snprintf(buf, len, "%s: %s", i ? "AAAA" : "A", ft->dns_error[i][0] ? ft->dns_error[i] : "none");
	else if (c->err)
		snprintf(buf, len, "%s: %s", np_addr_str((const struct sockaddr *)&c->dst, addr, sizeof(addr)),
			 strerror(c->err));
	else
		snprintf(buf, len, "%s: connected in %.1f ms",
			 np_addr_str((const struct sockaddr *)&c->dst, addr, sizeof(addr)), c->ms);
	return buf;
}

static void target_finding(struct fam_state *st, struct fam_target *ft)
{
	const struct fam_conn *c4 = &ft->c[0], *c6 = &ft->c[1];
	int ok4 = c4->have_dst && !c4->err, ok6 = c6->have_dst && !c6->err;
	int host6 = np_hostnet_global(&st->host, AF_INET6) && np_hostnet_defaults(&st->host, AF_INET6);
	int slower = ok4 && ok6 && c6->ms > SLOWER_FACTOR * c4->ms + SLOWER_MS;
	const char *verdict;
	char w4[200], w6[200];
	struct np_finding *f;

	if (ok4 && ok6)
		verdict = slower ? "family.ipv6_broken" : "family.dual_stack";
	else if (ok4)
		verdict = c6->have_dst && host6 ? "family.ipv6_broken" : "family.ipv4_only";
	else if (ok6)
		verdict = in_nat64(st, &c6->dst) ? "family.nat64" : "family.ipv6_only";
	else
		verdict = "family.unreachable";
	f = np_finding_new("family", ft->shown, "", verdict);
	if (!f)
		return;
	conn_words(ft, 0, w4, sizeof(w4));
	conn_words(ft, 1, w6, sizeof(w6));
	if (strcmp(verdict, "family.ipv6_broken") == 0 && slower)
		np_finding_summary(f, "IPv6 connects %.0f times slower than IPv4 (%s; %s): clients that try IPv6 "
				   "first stall", c6->ms / (c4->ms > 0.1 ? c4->ms : 0.1), w6, w4);
	else if (strcmp(verdict, "family.ipv6_broken") == 0)
		np_finding_summary(f, "AAAA and an IPv6 default route exist, but IPv6 fails (%s) while IPv4 works "
				   "(%s): clients that try IPv6 first stall before falling back", w6, w4);
	else if (strcmp(verdict, "family.nat64") == 0)
		np_finding_summary(f, "reached over IPv6 through the NAT64 prefix %s (%s; %s)", st->nat64_prefix, w6, w4);
	else
		np_finding_summary(f, "IPv4 %s; IPv6 %s", w4, w6);
	np_finding_metric_int(f, "a_records", (int64_t)ft->n_addrs[0]);
	np_finding_metric_int(f, "aaaa_records", (int64_t)ft->n_addrs[1]);
	if (ok4)
		np_finding_metric_real(f, "ipv4_connect_ms", c4->ms);
	if (ok6)
		np_finding_metric_real(f, "ipv6_connect_ms", c6->ms);
	np_finding_metric_opt_str(f, "ipv4_error", c4->have_dst && c4->err ? strerror(c4->err) : "");
	np_finding_metric_opt_str(f, "ipv6_error", c6->have_dst && c6->err ? strerror(c6->err) : "");
	np_finding_metric_opt_str(f, "nat64_prefix", st->nat64_prefix);
	np_run_finding(st->run, f);
}

static void state_maybe_report(struct fam_state *st)
{
	if (st->outstanding || st->reported)
		return;
	st->reported = 1;
	if (!st->no_host)
		host_finding(st);
	for (size_t i = 0; i < st->n_targets; i++)
		target_finding(st, &st->targets[i]);
}

static void state_free(void *arg)
{
	struct fam_state *st = arg;

	free(st->targets);
	free(st);
}

int np_family_submit(struct np_run *run, const struct np_family_plan *plan, char *errbuf)
{
	struct fam_state *st = calloc(1, sizeof(*st));

	if (!st || (plan->n_targets && !(st->targets = calloc(plan->n_targets, sizeof(*st->targets))))) {
		free(st);
		snprintf(errbuf, NP_ERRBUF_SIZE, "out of memory");
		return NP_ENOMEM;
	}
	st->run = run;
	st->no_host = plan->no_host;
	if (np_run_at_free(run, state_free, st) < 0) {
		state_free(st);
		snprintf(errbuf, NP_ERRBUF_SIZE, "out of memory");
		return NP_ENOMEM;
	}
	st->host_ok = np_hostnet_read(&st->host, st->host_error) == 0;
	st->n_targets = plan->n_targets;
	st->outstanding = 1 + plan->n_targets;
	st->nat64_job.ops = &nat64_ops;
	snprintf(st->nat64_job.label, sizeof(st->nat64_job.label), "family: NAT64 prefix (ipv4only.arpa)");
	np_run_submit(run, &st->nat64_job);
	for (size_t i = 0; i < plan->n_targets; i++) {
		struct fam_target *ft = &st->targets[i];

		ft->job.ops = &target_ops;
		ft->st = st;
		ft->t = plan->targets[i];
		ft->c[0].fd = ft->c[1].fd = -1;
		np_target_str(&ft->t, ft->shown, sizeof(ft->shown));
		snprintf(ft->job.label, sizeof(ft->job.label), "family %.48s", ft->shown);
		np_run_submit(run, &ft->job);
	}
	return 0;
}
