/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_TARGET_JOB_H
#define NETPROBE_TARGET_JOB_H

#include <sys/socket.h>

#include "target.h"

struct np_run;

/* Called once per address of the target (the port is the target's, not
 * set in addr); dns_ms < 0 for a literal address. Returns 0 or NP_E*. */
typedef int (*np_target_each_cb)(struct np_run *run, const struct np_target *t, const char *target,
				 const struct sockaddr *addr, double dns_ms, void *arg);

/*
 * The first step of a check that probes every address of a target: a job
 * that resolves the name (with the run's resolver and address family) and
 * calls each() per address, or, for a literal, calls it at once. A name
 * that does not resolve gives one finding of check with the dns.* verdict;
 * a name without an address of the family asked fails the check.
 */
int np_target_job_submit(struct np_run *run, const char *check, const struct np_target *t,
			 np_target_each_cb each, void *arg);

struct np_job;
/* The live display's label for the probe of one address of a target:
 * "tcp server.lab:80 (198.51.100.7)", the address left out when the
 * target already shows it. */
void np_target_job_label(struct np_job *job, const char *check, const char *target,
			 const struct sockaddr *addr);

#endif
