/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One check of a profile against one of its targets, on demand (netprobe
 * watch's /probe). */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run_int.h"

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
	/* (a check without targets, family or nat, runs whole) */
	e = np_cmd_prun_submit(r, run, c, i, c->n_targets ? 1 : 0, 1, errbuf);
	if (e < 0) {
		snprintf(why, len, "%s", errbuf);
		return e;
	}
	return 0;
}


/* --- a watch's idle tracks ---------------------------------------------------------- */

static int is_track_check(const struct rcheck *c)
{
	return c->selected && c->pc->kind == NP_CHECK_IDLE && c->pc->skip == NP_SKIP_NONE;
}

/* Track i as (check, target, rung): checks in profile order, then targets,
 * then rungs. NULL past the end. */
static struct rcheck *track_at(const struct np_cmd_prun *r, size_t i, size_t *target, size_t *rung)
{
	for (size_t k = 0; k < r->n_checks; k++) {
		struct rcheck *c = &r->checks[k];

		if (!is_track_check(c))
			continue;
		for (size_t t = 0; t < c->n_targets; t++) {
			if (i < c->idle[t].n_rungs) {
				*target = t;
				*rung = i;
				return c;
			}
			i -= c->idle[t].n_rungs;
		}
	}
	return NULL;
}

size_t np_cmd_prun_idle_apart(struct np_cmd_prun *r)
{
	size_t n = 0;

	r->idle_apart = 1;
	for (size_t k = 0; k < r->n_checks; k++)
		for (size_t t = 0; is_track_check(&r->checks[k]) && t < r->checks[k].n_targets; t++)
			n += r->checks[k].idle[t].n_rungs;
	return n;
}

void np_cmd_prun_idle_track(const struct np_cmd_prun *r, size_t i, struct np_cmd_idle_track *out)
{
	size_t t = 0, g = 0;
	const struct rcheck *c = track_at(r, i, &t, &g);

	memset(out, 0, sizeof(*out));
	if (!c)
		return;
	out->check = c->index;
	out->target = c->shown[t];
	out->idle_s = c->idle[t].ladder[g];
}

int np_cmd_prun_plan_rung(struct np_cmd_prun *r, struct np_run *run, size_t i, char *why, size_t len)
{
	size_t t = 0, g = 0;
	struct rcheck *c = track_at(r, i, &t, &g);
	struct np_idle_plan p;
	char errbuf[NP_ERRBUF_SIZE];
	int e;

	if (!c) {
		snprintf(why, len, "no idle track %zu", i);
		return NP_EINVAL;
	}
	np_run_set_finding_filter(run, np_cmd_prun_apply, r);
	/* The check's TLS context goes to the first submit; later rungs read
	 * the CA file again, as the user the watch runs as (as a cycle's
	 * submit does). */
	if (!c->idle[t].ctx && (e = np_idle_plan_ctx(&c->idle[t], errbuf)) < 0)
		goto fail;
	p = c->idle[t];
	c->idle[t].ctx = NULL;                  /* taken by the submit */
	p.ladder[0] = c->idle[t].ladder[g];
	p.n_rungs = 1;
	p.rungs_only = 1;
	e = np_idle_submit(run, &p, errbuf);
	if (e == 0)
		return 0;
	np_idle_plan_release(&p);
fail:
	snprintf(why, len, "%s", e == NP_ENOMEM ? "out of memory" : errbuf);
	return e;
}
