/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_PROBE_TLS_H
#define NETPROBE_PROBE_TLS_H

#include <stddef.h>

#include "error.h"
#include "proxy.h"
#include "target.h"

struct np_run;
struct np_tls_ctx;

#define NP_TLS_MAX_PATHS 8
#define NP_TLS_MAX_EXPECT 16

struct np_tls_plan {
	const struct np_target *targets;
	size_t n_targets;
	/* The paths each target is probed over; "auto" is resolved per
	 * target from the environment. None given: direct. */
	struct np_proxy paths[NP_TLS_MAX_PATHS];
	int path_auto[NP_TLS_MAX_PATHS];
	/* a profile check's proxy_auth, for every proxied path (else --proxy-auth) */
	int auth_set;
	unsigned auth_allowed;
	size_t n_paths;
	const char *ca_file;
	/* Made by np_tls_plan_ctx() before privileges are dropped (the CA
	 * file may be readable by root only); np_tls_submit takes it over. */
	struct np_tls_ctx *ctx;
	const char *sni;                /* --sni: the name sent, instead of the host's */
	int min_tls;                    /* 10..13 */
	const char *expect_issuer[NP_TLS_MAX_EXPECT];
	size_t n_expect;
	/* --revocation on: the CRLs, OCSP responders and caIssuers of each
	 * presented chain, fetched over the handshake's path; with
	 * revocation_warn, tls.revocation_unreachable is a warning. */
	int revocation;
	int revocation_warn;
};

/* Load the CA file (or the system store) into plan->ctx: call while still
 * privileged. NP_EINVAL with one line in errbuf for a bad --ca. */
int np_tls_plan_ctx(struct np_tls_plan *plan, char *errbuf);

/* Free what np_tls_plan_ctx made if np_tls_submit did not take it. */
void np_tls_plan_release(struct np_tls_plan *plan);

/* Queue every (target, path, address); cross-path verdicts (an issuer that
 * differs between direct and proxied) come when all have answered. */
int np_tls_submit(struct np_run *run, struct np_tls_plan *plan, char *errbuf);

#endif
