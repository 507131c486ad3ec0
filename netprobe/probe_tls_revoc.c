/* SPDX-License-Identifier: GPL-3.0-or-later */
/* netprobe tls --revocation on: after a completed handshake, the checks of
 * revoc.h over the same path (direct or the same proxy); the attempt's
 * finding waits for them. Verdicts by precedence: tls.revoked, then the
 * certificate problems (tls.incomplete_chain in place of tls.untrusted),
 * then tls.revocation_unreachable, then tls.ok. */
#include <stdlib.h>
#include <string.h>

#include "../tls/tls_revoc.h"
#include "clock.h"
#include "probe_tls_int.h"
#include "revoc.h"

static void on_done(void *arg)
{
	struct attempt *a = arg;

	a->res.verdict = np_revoc_verdict(a->rv, a->res.verdict, a->res.summary, sizeof(a->res.summary));
	np_tls_emit(a);
	a->main.flow = NULL;
	a->main.tls = NULL;
	np_tls_attempt_finish(a);
}

int np_tls_revoc_start(struct attempt *a)
{
	struct np_revoc_in in = {0};
	int codes[NP_TLS_MAX_PROBLEMS];
	size_t n = a->main.facts.n_problems;

	if (!a->st->plan.revocation || !a->chain || !a->st->rf)
		return 0;
	for (size_t i = 0; i < n && i < NP_TLS_MAX_PROBLEMS; i++)
		codes[i] = a->main.facts.problems[i].code;
	in.rf = a->st->rf;
	in.crls = a->st->crls;
	in.proxy = &a->proxy;
	in.chain = a->chain;
	in.complete = strcmp(a->res.verdict, "tls.untrusted") == 0 &&
		      np_revoc_only_issuer_missing(codes, n < NP_TLS_MAX_PROBLEMS ? n : NP_TLS_MAX_PROBLEMS);
	in.done = on_done;
	in.arg = a;
	/* Two rounds at most, each within one fetch timeout. */
	a->job.wait_until_us = np_now_us() + 2 * np_run_opts(a->st->run)->timeout_us;
	a->rv = np_revoc_start(&in);
	if (!a->rv)
		return 0;
	/* nothing to fetch: decided already */
	if (np_revoc_done(a->rv))
		on_done(a);
	return 1;
}

void np_tls_revoc_metrics(struct attempt *a, struct np_finding *f)
{
	if (!a->rv)
		return;
	np_revoc_metrics(a->rv, f);
	if (a->st->plan.revocation_warn && strcmp(f->verdict->code, "tls.revocation_unreachable") == 0)
		f->status = NP_WARN;
}

void np_tls_revoc_free(struct attempt *a)
{
	np_revoc_free(a->rv);
	a->rv = NULL;
	np_tls_chain_free(a->chain);
	a->chain = NULL;
}
