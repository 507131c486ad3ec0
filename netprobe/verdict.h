/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_VERDICT_H
#define NETPROBE_VERDICT_H

#include <stddef.h>

enum np_status {
	NP_PASS = 0,
	NP_WARN,
	NP_FAIL,
	NP_ERROR,   /* the check could not run */
	NP_SKIP,
	NP_STATUS_COUNT
};

/* A verdict code is public vocabulary: stable, never renamed. */
struct np_verdict {
	const char *code;
	enum np_status status;      /* default status of a finding with it */
	const char *meaning;        /* one line */
	const char *advice;         /* what to do about it; "" when nothing */
};

const struct np_verdict *np_verdict_get(const char *code);
const struct np_verdict *np_verdict_table(size_t *count);
const char *np_status_name(enum np_status s);

#endif
