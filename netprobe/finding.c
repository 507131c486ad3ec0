/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "finding.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

struct np_finding *np_finding_new(const char *check, const char *target,
				  const char *address, const char *verdict)
{
	const struct np_verdict *v = np_verdict_get(verdict);
	struct np_finding *f;

	if (!v)
		return NULL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->verdict = v;
	f->status = v->status;
	f->check = strdup(check);
	f->target = strdup(target);
	f->address = strdup(address ? address : "");
	f->summary = v->meaning;
	f->advice = v->advice;
	f->metrics = json_object();
	if (!f->check || !f->target || !f->address || !f->metrics) {
		np_finding_free(f);
		return NULL;
	}
	return f;
}

void np_finding_free(struct np_finding *f)
{
	if (!f)
		return;
	free(f->check);
	free(f->target);
	free(f->address);
	if (f->own_summary)
		free((char *)f->summary);
	if (f->own_advice)
		free((char *)f->advice);
	json_decref(f->metrics);
	for (size_t i = 0; i < f->n_evidence; i++)
		free(f->evidence[i].text);
	free(f->evidence);
	free(f);
}

static int set_vfmt(const char **dst, int *own, const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0)
		return NP_ENOMEM;
	if (*own)
		free((char *)*dst);
	*dst = s;
	*own = 1;
	return 0;
}

int np_finding_summary(struct np_finding *f, const char *fmt, ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = set_vfmt(&f->summary, &f->own_summary, fmt, ap);
	va_end(ap);
	return err;
}

int np_finding_advice(struct np_finding *f, const char *fmt, ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = set_vfmt(&f->advice, &f->own_advice, fmt, ap);
	va_end(ap);
	return err;
}

static int metric_set(struct np_finding *f, const char *name, json_t *v)
{
	/* json_object_set_new steals v, also on failure. Metric names are
	 * the code's own ASCII literals: not checked as UTF-8 again. */
	return json_object_set_new_nocheck(f->metrics, name, v) == 0 ? 0 : NP_ENOMEM;
}

int np_finding_metric_real(struct np_finding *f, const char *name, double v)
{
	/* Three decimals: microsecond resolution for millisecond figures. */
	return metric_set(f, name, json_real((double)(int64_t)(v * 1000.0 + (v < 0 ? -0.5 : 0.5)) / 1000.0));
}

int np_finding_metric_int(struct np_finding *f, const char *name, int64_t v)
{
	return metric_set(f, name, json_integer(v));
}

int np_finding_metric_str(struct np_finding *f, const char *name, const char *v)
{
	return metric_set(f, name, json_string(v));
}

int np_finding_metric_opt_int(struct np_finding *f, const char *name, int64_t v)
{
	return metric_set(f, name, v < 0 ? json_null() : json_integer(v));
}

int np_finding_metric_opt_str(struct np_finding *f, const char *name, const char *v)
{
	return metric_set(f, name, v && v[0] ? json_string(v) : json_null());
}

int np_finding_evidence(struct np_finding *f, int64_t frame, double time_ms,
			const char *fmt, ...)
{
	struct np_evidence *ev;
	va_list ap;
	char *text;
	int n;

	va_start(ap, fmt);
	/* "%s": a text made already (a DNS run cites 20,000 of them). */
	if (strcmp(fmt, "%s") == 0) {
		text = strdup(va_arg(ap, const char *));
		n = text ? 0 : -1;
	} else {
		n = vasprintf(&text, fmt, ap);
	}
	va_end(ap);
	if (n < 0)
		return NP_ENOMEM;
	ev = realloc(f->evidence, (f->n_evidence + 1) * sizeof(*ev));
	if (!ev) {
		free(text);
		return NP_ENOMEM;
	}
	f->evidence = ev;
	ev[f->n_evidence].frame = frame;
	ev[f->n_evidence].time_ms = time_ms;
	ev[f->n_evidence].text = text;
	f->n_evidence++;
	return 0;
}
