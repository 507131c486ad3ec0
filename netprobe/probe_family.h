/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_PROBE_FAMILY_H
#define NETPROBE_PROBE_FAMILY_H

/*
 * netprobe family: address-family readiness of this host (global addresses
 * and default routes per family, a NAT64 prefix from ipv4only.arpa) and,
 * per target, of the path (A and AAAA, a connect per family).
 */

#include <stddef.h>

#include "error.h"
#include "target.h"

struct np_run;

struct np_family_plan {
	const struct np_target *targets;
	size_t n_targets;
	int no_host;            /* another plan of the run reports this host already */
};

int np_family_submit(struct np_run *run, const struct np_family_plan *plan, char *errbuf);

#endif
