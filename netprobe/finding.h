/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_FINDING_H
#define NETPROBE_FINDING_H

#include <stdint.h>
#include <jansson.h>

#include "verdict.h"

/* A packet (or other observation) that backs a verdict. frame is the
 * 1-based frame number in the saved capture, 0 when not captured. */
struct np_evidence {
	int64_t frame;
	double time_ms;
	char *text;
};

/* What the user reads: one per (check, target, address). */
struct np_finding {
	char *check;
	char *target;
	char *address;                  /* "" when no address was reached */
	enum np_status status;
	const struct np_verdict *verdict;
	/* The verdict registry's own texts until a probe words its own
	 * (np_finding_summary/advice): 10,000 findings copy nothing. */
	const char *summary;
	const char *advice;
	int own_summary, own_advice;    /* summary/advice were allocated here */
	json_t *metrics;                /* object */
	struct np_evidence *evidence;
	size_t n_evidence;
};

/* Status and advice default from the verdict registry; NULL if the code is
 * not registered (a programming error) or memory runs out. */
struct np_finding *np_finding_new(const char *check, const char *target,
				  const char *address, const char *verdict);
void np_finding_free(struct np_finding *f);

int np_finding_summary(struct np_finding *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int np_finding_advice(struct np_finding *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Metrics: name is an ASCII literal of the code's (never read off the
 * network); string values are checked as UTF-8. */
int np_finding_metric_real(struct np_finding *f, const char *name, double v);
int np_finding_metric_int(struct np_finding *f, const char *name, int64_t v);
int np_finding_metric_str(struct np_finding *f, const char *name, const char *v);
/* null in the JSON when v < 0 / v is "": a figure that could not be had. */
int np_finding_metric_opt_int(struct np_finding *f, const char *name, int64_t v);
int np_finding_metric_opt_str(struct np_finding *f, const char *name, const char *v);
int np_finding_evidence(struct np_finding *f, int64_t frame, double time_ms,
			const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
