/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_DNS_COMPARE_H
#define NETPROBE_DNS_COMPARE_H

#include <stddef.h>

#include "finding.h"

/* One query's outcome, kept to compare resolvers once every answer is in. */
struct np_dns_result {
	int ri;                   /* which resolver */
	int type;
	const char *name;         /* interned: equal names are equal pointers */
	const char *resolver;     /* its label */
	const char *verdict;
	char *answers;            /* np_dns_answers_key(), or NULL */
};

/*
 * dns.inconsistent: for each (name, type), the definitive answers (dns.ok,
 * dns.nxdomain, dns.nodata) of the resolvers differ, ordering and TTLs
 * aside. Pure; n log n. Returns a malloc'd array of *n_out new findings in
 * the order their name and type were first answered (NULL when none).
 */
struct np_finding **np_dns_inconsistent(const struct np_dns_result *res, size_t n, size_t *n_out);

#endif
