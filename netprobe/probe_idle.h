/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_PROBE_IDLE_H
#define NETPROBE_PROBE_IDLE_H

/*
 * netprobe idle: does a connection survive a silence of the required
 * length, and if not, who ended it and when. One connection per rung of
 * the ladder, all opened at once, so the whole bracket costs the longest
 * rung: each connects (through a proxy when given), completes TLS and one
 * small request/response, stays silent for its rung, then asks again.
 */

#include <stddef.h>

#include "error.h"
#include "proxy.h"
#include "target.h"

struct np_run;
struct np_tls_ctx;

#define NP_IDLE_MAX_RUNGS 16
#define NP_IDLE_MAX_PATHS 8
#define NP_IDLE_MAX_S 86400
#define NP_IDLE_MAX_CONNS 65536         /* over all rungs and paths */

struct np_idle_plan {
	struct np_target target;
	const char *target_str;
	struct np_proxy paths[NP_IDLE_MAX_PATHS];
	int path_auto[NP_IDLE_MAX_PATHS];
	/* a profile check's proxy_auth, for every proxied path (else --proxy-auth) */
	int auth_set;
	unsigned auth_allowed;
	size_t n_paths;                 /* 0: direct */
	unsigned ladder[NP_IDLE_MAX_RUNGS];     /* seconds, ascending, distinct */
	size_t n_rungs;
	unsigned required_s;
	unsigned conns;                 /* connections per rung (>= 1) */
	int tcp;                        /* netprobe responder's echo over plain TCP */
	const char *token;              /* the responder's shared token, or NULL */
	const char *ca_file;
	const char *sni;
	int revocation;                 /* --revocation on: the chain's CRLs, OCSP, caIssuers (revoc.h) */
	int rungs_only;                 /* no overall finding: a watch asks each rung on its own, again and again */
	struct np_tls_ctx *ctx;         /* made while privileged (np_idle_plan_ctx) */
};

/* Default ladder and requirement (seconds). */
#define NP_IDLE_DEFAULT_LADDER "60,120,180,240,300,360"
#define NP_IDLE_DEFAULT_REQUIRED 300

/* Parse "S1,S2,..." (1..NP_IDLE_MAX_S each, at most NP_IDLE_MAX_RUNGS) into
 * plan->ladder, sorted, duplicates removed. NP_EINVAL with a message. */
int np_idle_parse_ladder(const char *text, struct np_idle_plan *plan, char *errbuf);

/* The TLS context (CA file or system store): call while still privileged. */
int np_idle_plan_ctx(struct np_idle_plan *plan, char *errbuf);
void np_idle_plan_release(struct np_idle_plan *plan);

/* Queue every (path, rung); one overall finding per path when its rungs
 * are in. */
int np_idle_submit(struct np_run *run, struct np_idle_plan *plan, char *errbuf);

#endif
