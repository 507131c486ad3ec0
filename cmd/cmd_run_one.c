/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One check of a profile against one of its targets, on demand (netprobe
 * watch's /probe). */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run_int.h"
#include "../netprobe/probe_tcp.h"

/* The check a module names: its index in the profile, or a tag that one
 * check alone (of those that run) carries. */
static struct rcheck *module_check(struct np_cmd_prun *r, const char *module)
{
	struct rcheck *found = NULL;
	char *end;
	unsigned long i;

	if (*module >= '0' && *module <= '9') {
		i = strtoul(module, &end, 10);
		if (*end || i >= r->n_checks)
			return NULL;
		found = &r->checks[i];
		return found->selected && found->pc->skip == NP_SKIP_NONE ? found : NULL;
	}
	for (size_t k = 0; k < r->n_checks; k++) {
		struct rcheck *c = &r->checks[k];

		if (!c->selected || c->pc->skip != NP_SKIP_NONE)
			continue;
		for (size_t t = 0; t < c->pc->tags.n; t++) {
			if (strcmp(c->pc->tags.v[t], module) != 0)
				continue;
			if (found && found != c)
				return NULL;
			found = c;
		}
	}
	return found;
}

int np_cmd_prun_plan_one(struct np_cmd_prun *r, struct np_run *run, const char *module, const char *target,
			 char *why, size_t len)
{
	struct rcheck *c = module_check(r, module);
	char errbuf[NP_ERRBUF_SIZE];
	size_t i;
	int e = 0;

	if (!c) {
		snprintf(why, len, "unknown module '%.100s': give a check's index in the profile, or a tag only one "
			 "check carries", module);
		return NP_EINVAL;
	}
	for (i = 0; i < c->n_targets; i++)
		if (strcmp(c->pc->targets.v[i], target) == 0 || strcmp(c->shown[i], target) == 0)
			break;
	/* Only what the profile names is probed: the endpoint is no scanner
	 * for whoever reaches it. */
	if (c->n_targets && i == c->n_targets) {
		snprintf(why, len, "target '%.100s' is not one of module %.100s's targets", target, module);
		return NP_EINVAL;
	}
	np_run_set_finding_filter(run, np_cmd_prun_apply, r);
	switch (c->pc->kind) {
	case NP_CHECK_TCP:
		e = np_tcp_submit(run, &c->targets[i]);
		break;
	case NP_CHECK_TLS:
	case NP_CHECK_HTTP: {
		struct np_tls_plan t = c->tls;   /* copied by the probe */

		t.targets = &c->targets[i];
		t.n_targets = 1;
		t.ctx = NULL;                    /* the check's own stays its */
		e = np_tls_submit(run, &t, errbuf);
		break;
	}
	case NP_CHECK_IDLE:
		if (c->idle[i].ctx || (e = np_idle_plan_ctx(&c->idle[i], errbuf)) == 0)
			e = np_idle_submit(run, &c->idle[i], errbuf);
		break;
	case NP_CHECK_DNS: {
		struct np_dns_plan d = c->dns;

		d.names = &c->pc->targets.v[i];
		d.n_names = 1;
		e = np_dns_submit(run, &d, errbuf);
		break;
	}
	case NP_CHECK_TRACE:
		c->trace.raw = r->raw;
		snprintf(c->trace.unavailable, sizeof(c->trace.unavailable), "%s", r->raw_unavailable);
		e = np_trace_submit(run, &c->trace, &c->targets[i]);
		break;
	case NP_CHECK_FAMILY:
		e = np_family_submit(run, &c->family, errbuf);
		break;
	case NP_CHECK_NAT:
		e = np_nat_submit(run, &c->nat, errbuf);
		break;
	case NP_CHECK_KINDS:
		break;
	}
	if (e < 0) {
		snprintf(why, len, "%s", e == NP_ENOMEM ? "out of memory" : errbuf);
		return e;
	}
	return 0;
}

