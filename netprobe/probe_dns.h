/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_PROBE_DNS_H
#define NETPROBE_PROBE_DNS_H

#include <stddef.h>

#include "error.h"

struct np_run;

#define NP_DNS_MAX_RESOLVERS 16
#define NP_DNS_MAX_TYPES 8

struct np_dns_plan {
	/* c-ares server strings: "198.19.4.53:53", "[2001:db8::53]:53";
	 * none: the system's resolvers, each tested on its own. */
	const char *resolvers[NP_DNS_MAX_RESOLVERS];
	size_t n_resolvers;
	const char *const *names;
	size_t n_names;
	const char *const *internal;      /* --internal names (also probed) */
	size_t n_internal;
	int types[NP_DNS_MAX_TYPES];
	size_t n_types;
	const char *domain;               /* --domain AD_DOMAIN, or NULL */
	const char *netbios;              /* --netbios NAME, or NULL */
	int tcp;                          /* --tcp: every query over TCP */
};

/* Queue every query of the plan; cross-resolver verdicts (inconsistent,
 * no_external) come when the last query has answered. The queries are
 * made as the run has room for them: names and internal (the arrays and
 * their texts) are read until then, so they must outlive the run. */
int np_dns_submit(struct np_run *run, const struct np_dns_plan *plan, char *errbuf);

#endif
