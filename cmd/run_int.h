/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A profile's checks built for running: shared by cmd_run.c (building,
 * running every check) and cmd_run_one.c (one check on demand). */
#ifndef NETPROBE_CMD_RUN_INT_H
#define NETPROBE_CMD_RUN_INT_H

#include "cmd.h"
#include "../netprobe/probe_dns.h"
#include "../netprobe/probe_family.h"
#include "../netprobe/probe_idle.h"
#include "../netprobe/probe_nat.h"
#include "../netprobe/probe_tls.h"
#include "../netprobe/probe_trace.h"
#include "../netprobe/profile.h"
#include "../netprobe/rawsend.h"

#define MAX_ONLY NP_CMD_PRUN_MAX_ONLY
_Static_assert(NP_CMD_PRUN_MAX_SETS == NP_PROFILE_MAX_VARS, "--set bound is the profile's variables");

/* One check of the profile, ready to submit. */
struct rcheck {
	const struct np_profile_check *pc;
	const char *file;               /* the profile's display name, for errors */
	size_t index;
	struct np_target *targets;      /* parsed, for submitting and attributing */
	char (*shown)[NP_TARGET_STR_MAX];
	size_t n_targets;
	int selected;                   /* --only */
	struct np_tls_plan tls;
	struct np_idle_plan *idle;      /* one per target */
	struct np_dns_plan dns;
	char (*resolvers)[NP_TARGET_STR_MAX];
	struct np_family_plan family;
	struct np_trace_plan trace;
	struct np_nat_plan nat;
	/* the paths as findings name them: "direct", a proxy (credentials
	 * masked) or "auto" */
	const char *paths[NP_TLS_MAX_PATHS];
	char path_buf[NP_TLS_MAX_PATHS][NP_TARGET_STR_MAX];
	size_t n_paths;
	size_t attributed;              /* findings given to it so far */
	char section[256];              /* its checklist item */
};

struct np_cmd_prun {
	struct np_profile *profile;
	struct np_vars *vars;
	struct rcheck *checks;
	size_t n_checks;
	const char *only[MAX_ONLY];
	size_t n_only;
	int idle_apart;                 /* np_cmd_prun_idle_apart: idle checks are not planned */
	int need_raw;
	int family_host;                /* a family check reports this host */
	struct np_rawsend *raw;
	char raw_unavailable[NP_ERRBUF_SIZE + 160];
};

/* What each check expects (deny, not required), applied to every finding
 * of a run of the profile (np_run_set_finding_filter). */
void np_cmd_prun_apply(struct np_finding *f, void *arg);

/* Submits targets [first, first + n) of check c to run (family and nat
 * checks run whole); 0, or a negative NP_E* with errbuf saying why. A
 * check's own runs hand it the TLS context read before privileges went;
 * one on demand (on_demand, a watch's /probe) leaves that to them. */
int np_cmd_prun_submit(struct np_cmd_prun *r, struct np_run *run, struct rcheck *c, size_t first, size_t n,
		       int on_demand, char *errbuf);

#endif
