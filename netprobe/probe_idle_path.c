/* SPDX-License-Identifier: GPL-3.0-or-later */
/* netprobe idle: the paths (direct, or each proxy: resolve what to connect
 * to, then every rung at once) and the plan that makes them. One
 * connection's walk is probe_idle.c's, its findings probe_idle_report.c's. */
#include "probe_idle.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../tls/tls.h"
#include "../tls/tls_b64.h"
#include "addr.h"
#include "capture.h"
#include "resolve.h"
#include "run.h"
#include "probe_idle_int.h"

/* --- a path: resolve what to connect to, then every rung at once ------------------ */

void np_idle_path_rung_done(struct idle_path *p)
{
	if (++p->n_done < p->n_rungs || p->reported || p->st->plan.rungs_only)
		return;
	p->reported = 1;
	np_run_finding(p->st->run, np_idle_path_finding(p));
}

/* Every connection of the path not yet ended ends with this outcome. */
static void path_end_all(struct idle_path *p, enum ioutcome o, const char *detail)
{
	for (size_t i = 0; i < p->n_rungs; i++)
		for (size_t k = 0; k < p->rungs[i].n_conns; k++) {
			struct iconn *r = &p->rungs[i].conns[k];

			if (r->phase != I_QUEUED)
				continue;
			np_idle_set_detail(r, "%.290s", detail);
			r->phase = I_CONNECT;
			np_idle_rung_end(r, o, 0);
		}
}

static void path_go(struct idle_path *p, const struct sockaddr *dst, double dns_ms)
{
	memcpy(&p->dst, dst, np_addr_len(dst));
	np_addr_set_port((struct sockaddr *)&p->dst, p->proxy.none ? p->st->plan.target.port : p->proxy.port);
	p->dns_ms = dns_ms;
	for (size_t i = 0; i < p->n_rungs; i++)
		for (size_t k = 0; k < p->rungs[i].n_conns; k++) {
			struct iconn *r = &p->rungs[i].conns[k];

			np_idle_rung_label(r, "queued");
			r->submitted = 1;
			np_run_submit(p->st->run, &r->job);
		}
}

static void path_start(struct np_job *job);

static void on_resolved(const struct np_resolve_result *res, void *arg)
{
	struct idle_path *p = arg;
	char msg[512];

	p->req = NULL;
	if (!res->ok && !p->proxy.none && p->proxy.pac[0]) {
		/* the PAC's next entry, as Windows tries them (the job goes on) */
		snprintf(msg, sizeof(msg), "cannot resolve: %s", res->error);
		if (np_pac_next(&p->proxy, msg)) {
			p->shown = p->proxy.shown;
			path_start(&p->job);
			return;
		}
	}
	np_run_job_done(p->st->run, &p->job);
	if (!res->ok) {
		snprintf(msg, sizeof(msg), "cannot resolve %s%.200s: %s", p->proxy.none ? "" : "the proxy ",
			 p->proxy.none ? p->st->plan.target.host : p->proxy.host, res->error);
		path_end_all(p, O_SETUP_FAILED, msg);
		return;
	}
	path_go(p, (const struct sockaddr *)&res->addrs[0], res->ms);
}

static void path_start(struct np_job *job)
{
	struct idle_path *p = (struct idle_path *)job;
	const char *host = p->proxy.none ? p->st->plan.target.host : p->proxy.host;
	int family = p->proxy.none ? p->st->plan.target.family : p->proxy.family;
	char errbuf[NP_ERRBUF_SIZE];
	struct np_resolver *rs;

	if (p->pac_err[0]) {
		np_run_job_done(p->st->run, job);
		path_end_all(p, O_SETUP_FAILED, p->pac_err);
		return;
	}
	if (family != AF_UNSPEC) {
		struct sockaddr_storage ss;

		np_addr_parse(host, &ss);
		np_run_job_done(p->st->run, job);
		path_go(p, (struct sockaddr *)&ss, -1);
		return;
	}
	rs = np_run_resolver(p->st->run, errbuf);
	job->wait_until_us = job->started_us + np_run_opts(p->st->run)->timeout_us;
	if (!rs || np_resolver_lookup(rs, host, np_run_opts(p->st->run)->family, on_resolved, p, &p->req) < 0) {
		np_run_job_done(p->st->run, job);
		path_end_all(p, O_SETUP_FAILED, rs ? "out of memory" : errbuf);
	}
}

static void path_cancel(struct np_job *job, const char *verdict)
{
	struct idle_path *p = (struct idle_path *)job;

	np_resolve_cancel(p->req);
	p->req = NULL;
	np_run_job_done(p->st->run, job);
	path_end_all(p, O_CANCELLED, verdict);
}

/* Paths live in the state, freed with it. */
static void path_free(struct np_job *job)
{
	(void)job;
}

static const struct np_job_ops path_ops = {.start = path_start, .cancel = path_cancel, .free = path_free};

/* --- the plan ------------------------------------------------------------------ */

static int cmp_unsigned(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

int np_idle_parse_ladder(const char *text, struct np_idle_plan *plan, char *errbuf)
{
	const char *s = text;
	size_t n = 0;

	while (*s) {
		char *end;
		unsigned long v;

		if (*s < '0' || *s > '9')
			goto bad;
		errno = 0;
		v = strtoul(s, &end, 10);
		if (errno || v < 1 || v > NP_IDLE_MAX_S || (*end && *end != ','))
			goto bad;
		if (n == NP_IDLE_MAX_RUNGS) {
			snprintf(errbuf, NP_ERRBUF_SIZE, "at most %d rungs", NP_IDLE_MAX_RUNGS);
			return NP_EINVAL;
		}
		plan->ladder[n++] = (unsigned)v;
		s = *end ? end + 1 : end;
		if (*end && !*s)
			goto bad;
	}
	if (n == 0)
		goto bad;
	qsort(plan->ladder, n, sizeof(plan->ladder[0]), cmp_unsigned);
	plan->n_rungs = 0;
	for (size_t i = 0; i < n; i++)
		if (plan->n_rungs == 0 || plan->ladder[plan->n_rungs - 1] != plan->ladder[i])
			plan->ladder[plan->n_rungs++] = plan->ladder[i];
	return 0;
bad:
	snprintf(errbuf, NP_ERRBUF_SIZE, "give seconds from 1 to %d, separated by commas (e.g. %s)",
		 NP_IDLE_MAX_S, NP_IDLE_DEFAULT_LADDER);
	return NP_EINVAL;
}

int np_idle_plan_ctx(struct np_idle_plan *plan, char *errbuf)
{
	struct np_tls_ctx_opts co = {0};
	char err[256];

	if (plan->tcp || plan->target.scheme == NP_SCHEME_HTTP)
		return 0;
	co.ca_file = plan->ca_file;
	co.ocsp_staple = plan->revocation;
	plan->ctx = np_tls_ctx_new(&co, err, sizeof(err));
	if (!plan->ctx) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "%s", err);
		return NP_EINVAL;
	}
	return 0;
}

void np_idle_plan_release(struct np_idle_plan *plan)
{
	np_tls_ctx_free(plan->ctx);
	plan->ctx = NULL;
}

static void state_free(void *arg)
{
	struct idle_state *st = arg;

	for (size_t k = 0; k < st->n_paths; k++)
		for (size_t i = 0; i < st->paths[k].n_rungs; i++) {
			struct rung *g = &st->paths[k].rungs[i];

			for (size_t c = 0; g->conns && c < g->n_conns; c++) {
				np_idle_drop_buffers(&g->conns[c]);
				free(g->conns[c].detail);
				free(g->conns[c].auth_schemes);
				free(g->conns[c].auth_reason);
			}
			free(g->conns);
			np_finding_free(g->rep);
		}
	for (size_t k = 0; k < st->n_paths; k++) {
		np_tls_session_free(st->paths[k].resume);
		np_revoc_free(st->paths[k].rv);
		np_tls_chain_free(st->paths[k].chain);
	}
	np_tls_crl_cache_free(st->crls);
	np_rfetch_free(st->rf);
	np_tls_ctx_free(st->ctx);
	free(st);
}

int np_idle_submit(struct np_run *run, struct np_idle_plan *plan, char *errbuf)
{
	struct idle_state *st = calloc(1, sizeof(*st));
	size_t n_paths = plan->n_paths ? plan->n_paths : 1;

	if (!st) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "out of memory");
		return NP_ENOMEM;
	}
	st->run = run;
	st->plan = *plan;
	st->ctx = plan->ctx;
	plan->ctx = NULL;
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
	for (size_t k = 0; k < n_paths; k++) {
		struct idle_path *p = &st->paths[k];

		p->st = st;
		st->n_paths = k + 1;   /* freed with the state from here on */
		if (plan->n_paths == 0)
			np_proxy_parse("none", &p->proxy, errbuf);
		else if (plan->path_auto[k] && np_proxy_from_env(&plan->target, &p->proxy, errbuf) < 0)
			return NP_EINVAL;
		else if (!plan->path_auto[k])
			p->proxy = plan->paths[k];
		np_proxy_apply_bypass(&p->proxy, &plan->target);
		p->proxy.auth_set = plan->auth_set;
		p->proxy.auth_allowed = plan->auth_allowed;
		np_pac_apply(&p->proxy, &plan->target, p->pac_err);
		p->shown = p->proxy.shown[0] ? p->proxy.shown : "direct";
		if (p->proxy.user[0]) {
			char cred[260];
			int n = snprintf(cred, sizeof(cred), "%s:%s", p->proxy.user, p->proxy.pass);

			np_tls_base64(cred, (size_t)n, p->b64, sizeof(p->b64));
			np_capture_add_secret(np_run_capture(run), p->b64);
		}
		p->n_rungs = plan->n_rungs;
		for (size_t i = 0; i < plan->n_rungs; i++) {
			struct rung *g = &p->rungs[i];

			g->p = p;
			g->idle_s = plan->ladder[i];
			g->n_conns = plan->conns ? plan->conns : 1;
			g->conns = calloc(g->n_conns, sizeof(*g->conns));
			if (!g->conns) {
				snprintf(errbuf, NP_ERRBUF_SIZE, "out of memory");
				return NP_ENOMEM;
			}
			for (size_t c = 0; c < g->n_conns; c++) {
				struct iconn *r = &g->conns[c];

				r->job.ops = &np_idle_rung_ops;
				r->p = p;
				r->g = g;
				r->idle_s = g->idle_s;
				r->fd = -1;
				r->hop = -1;
			}
		}
	}
	for (size_t k = 0; k < st->n_paths; k++) {
		struct idle_path *p = &st->paths[k];

		p->job.ops = &path_ops;
		snprintf(p->job.label, sizeof(p->job.label), "idle %.40s%s%.20s (resolving)", plan->target_str,
			 p->proxy.none ? "" : " via ", p->proxy.none ? "" : p->proxy.host);
		np_run_submit(run, &p->job);
	}
	return 0;
}
