/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_PORTSET_H
#define NETPROBE_PORTSET_H

/*
 * Sets of TCP/UDP ports: parsed from lists such as "22,80,8000-8100" and
 * written back as ranges ("1-79,81-442"), the way firewall rules name them.
 * Pure: no I/O.
 */

#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct np_portset {
	uint64_t bits[65536 / 64];  /* bit p: port p (0 is never set) */
	size_t count;
};

void np_portset_clear(struct np_portset *ps);
void np_portset_add(struct np_portset *ps, unsigned port);
int np_portset_has(const struct np_portset *ps, unsigned port);
/* dst gets every port of src as well. */
void np_portset_merge(struct np_portset *dst, const struct np_portset *src);

/* Add every port of LIST: comma-separated ports and ranges LO-HI, each
 * 1-65535, LO <= HI, no blanks; repeats are fine. NP_EINVAL with a
 * one-line errbuf (naming the bad element) otherwise. */
int np_portset_parse(struct np_portset *ps, const char *list, char *errbuf);

/* The smallest port of the set at or above from; 0 when none. */
unsigned np_portset_next(const struct np_portset *ps, unsigned from);

/* The set as ranges, "1-79,81,83-90" ("" when empty): malloc'd, NULL when
 * memory runs out. */
char *np_portset_ranges(const struct np_portset *ps);

#endif
