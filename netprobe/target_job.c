/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "target_job.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "resolve.h"
#include "run.h"

struct target_job {
	struct np_job job;
	char check[32];
	struct np_target t;
	char target[NP_TARGET_STR_MAX];
	struct np_resolve_req *req;
	np_target_each_cb each;
	void *arg;
};

static void target_fail(struct target_job *tj, const char *verdict, const char *summary, double ms)
{
	struct np_finding *f = np_finding_new(tj->check, tj->target, "", verdict);

	if (f) {
		np_finding_summary(f, "%s", summary);
		/* No address of the family asked for: nothing to probe is a
		 * failure of this check, though a good DNS answer. */
		if (strcmp(verdict, "dns.nodata") == 0)
			f->status = NP_FAIL;
		if (ms >= 0)
			np_finding_metric_real(f, "dns_ms", ms);
	}
	np_run_finding(tj->job.run, f);
}

static void each_address(struct target_job *tj, const struct sockaddr *sa, double ms)
{
	if (tj->each(tj->job.run, &tj->t, tj->target, sa, ms, tj->arg) < 0)
		target_fail(tj, "dns.error", "out of memory", -1);
}

static void on_resolved(const struct np_resolve_result *res, void *arg)
{
	struct target_job *tj = arg;
	char msg[512];

	if (!res->ok) {
		snprintf(msg, sizeof(msg), "cannot resolve %s: %s", tj->t.host, res->error);
		target_fail(tj, res->verdict, msg, res->ms);
	}
	for (size_t i = 0; res->ok && i < res->n_addrs; i++)
		each_address(tj, (const struct sockaddr *)&res->addrs[i], res->ms);
	np_run_job_done(tj->job.run, &tj->job);
}

static void target_start(struct np_job *job)
{
	struct target_job *tj = (struct target_job *)job;
	struct np_run *run = job->run;
	char errbuf[NP_ERRBUF_SIZE], msg[512];
	struct np_resolver *res;

	if (tj->t.family != AF_UNSPEC) {
		struct sockaddr_storage ss;

		np_addr_parse(tj->t.host, &ss);
		each_address(tj, (struct sockaddr *)&ss, -1);
		np_run_job_done(run, job);
		return;
	}
	res = np_run_resolver(run, errbuf);
	if (!res) {
		snprintf(msg, sizeof(msg), "cannot resolve %.200s: %.250s", tj->t.host, errbuf);
		target_fail(tj, "dns.error", msg, -1);
		np_run_job_done(run, job);
		return;
	}
	job->wait_until_us = job->started_us + np_run_opts(run)->timeout_us;
	if (np_resolver_lookup(res, tj->t.host, np_run_opts(run)->family, on_resolved, tj,
			       &tj->req) < 0) {
		target_fail(tj, "dns.error", "cannot resolve: out of memory", -1);
		np_run_job_done(run, job);
	}
}

static void target_cancel(struct np_job *job, const char *verdict)
{
	struct target_job *tj = (struct target_job *)job;
	char msg[512];

	np_resolve_cancel(tj->req);
	snprintf(msg, sizeof(msg), job->running ? "%s was not resolved before the run ended" :
		 "%s: never started", tj->t.host);
	target_fail(tj, verdict, msg, -1);
	np_run_job_done(job->run, job);
}

static void target_free(struct np_job *job)
{
	free(job);
}

static const struct np_job_ops target_ops = {.start = target_start, .cancel = target_cancel, .free = target_free};

int np_target_job_submit(struct np_run *run, const char *check, const struct np_target *t,
			 np_target_each_cb each, void *arg)
{
	struct target_job *tj = calloc(1, sizeof(*tj));

	if (!tj)
		return NP_ENOMEM;
	tj->job.ops = &target_ops;
	snprintf(tj->check, sizeof(tj->check), "%s", check);
	tj->t = *t;
	tj->each = each;
	tj->arg = arg;
	np_target_str(t, tj->target, sizeof(tj->target));
	snprintf(tj->job.label, sizeof(tj->job.label), "%s %.64s (resolving)", tj->check, tj->target);
	np_run_submit(run, &tj->job);
	return 0;
}

void np_target_job_label(struct np_job *job, const char *check, const char *target,
			 const struct sockaddr *addr)
{
	char a[NP_ADDR_STR_MAX];

	np_addr_str(addr, a, sizeof(a));
	if (strstr(target, a))
		snprintf(job->label, sizeof(job->label), "%s %.64s", check, target);
	else
		snprintf(job->label, sizeof(job->label), "%s %.64s (%s)", check, target, a);
}
