/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_FINDING_H
#define NETPROBE_FINDING_H

#include <stdint.h>
#include <jansson.h>

#include "arena.h"
#include "verdict.h"

/* A packet (or other observation) that backs a verdict. frame is the
 * 1-based frame number in the saved capture, 0 when not captured. */
struct np_evidence {
	int64_t frame;
	double time_ms;
	const char *text;
};

/* A figure of the finding: a number, a text, null, or a JSON value (a
 * list of answers, a trace's hops). Scalars are held as they are; JSON
 * only where the figure has structure. */
enum np_metric_kind { NP_METRIC_NULL, NP_METRIC_INT, NP_METRIC_REAL, NP_METRIC_STR, NP_METRIC_JSON };

struct np_metric {
	const char *name;
	enum np_metric_kind kind;
	union {
		int64_t i;
		double d;
		const char *s;
		json_t *j;              /* owned */
	} v;
};

/* What the user reads: one per (check, target, address). Its texts,
 * metrics and evidence live in its own arena: a run of 10,000 names makes
 * 10,000 findings at one allocation each, not thirty. */
#define NP_FINDING_INLINE 480      /* what a DNS finding needs (465 bytes) */

struct np_finding {
	const char *check;
	const char *target;
	const char *address;            /* "" when no address was reached */
	enum np_status status;
	const struct np_verdict *verdict;
	/* The verdict registry's own texts until a probe words its own
	 * (np_finding_summary/advice). */
	const char *summary;
	const char *advice;
	struct np_metric *metrics;      /* in the order set */
	size_t n_metrics, cap_metrics;
	struct np_evidence *evidence;
	size_t n_evidence, cap_evidence;
	struct np_arena arena;
	unsigned char store[NP_FINDING_INLINE];
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
 * network, not copied); setting a name again replaces its value. String
 * values are checked as UTF-8 where they are written out. */
int np_finding_metric_real(struct np_finding *f, const char *name, double v);
int np_finding_metric_int(struct np_finding *f, const char *name, int64_t v);
int np_finding_metric_str(struct np_finding *f, const char *name, const char *v);
/* null in the JSON when v < 0 / v is "": a figure that could not be had. */
int np_finding_metric_opt_int(struct np_finding *f, const char *name, int64_t v);
int np_finding_metric_opt_str(struct np_finding *f, const char *name, const char *v);
int np_finding_metric_null(struct np_finding *f, const char *name);
/* Steals v (also on failure); NULL v is out of memory. A number, text or
 * null is held as np_finding_metric_int/real/str/null would hold it. */
int np_finding_metric_json(struct np_finding *f, const char *name, json_t *v);
/* Every member of the object obj (not stolen), names copied. */
int np_finding_metric_merge(struct np_finding *f, const json_t *obj);

/* Reading: the metric, or NULL when the finding has none of that name. */
const struct np_metric *np_finding_metric(const struct np_finding *f, const char *name);
/* Its text ("" when absent or not a text); its number (0 when absent or
 * not one); its JSON value (borrowed; NULL unless a JSON metric). */
const char *np_finding_metric_text(const struct np_finding *f, const char *name);
int np_finding_metric_num(const struct np_finding *f, const char *name, double *v);
const json_t *np_finding_metric_value(const struct np_finding *f, const char *name);
/* All of them as a new JSON object (--json's "metrics"); NULL on no memory. */
json_t *np_finding_metrics_json(const struct np_finding *f);
/* One as a new JSON value (json null when absent); NULL on no memory. */
json_t *np_finding_metric_to_json(const struct np_finding *f, const char *name);

int np_finding_evidence(struct np_finding *f, int64_t frame, double time_ms,
			const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
