/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "finding.h"

#include <stdarg.h>
#include <stddef.h>
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
	f = malloc(sizeof(*f));
	if (!f)
		return NULL;
	memset(f, 0, offsetof(struct np_finding, store));
	np_arena_init(&f->arena, f->store, sizeof(f->store), 0);
	f->verdict = v;
	f->status = v->status;
	f->check = np_arena_strdup(&f->arena, check);
	f->target = np_arena_strdup(&f->arena, target);
	f->address = np_arena_strdup(&f->arena, address ? address : "");
	f->summary = v->meaning;
	f->advice = v->advice;
	if (!f->check || !f->target || !f->address) {
		np_finding_free(f);
		return NULL;
	}
	return f;
}

void np_finding_free(struct np_finding *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n_metrics; i++)
		if (f->metrics[i].kind == NP_METRIC_JSON)
			json_decref(f->metrics[i].v.j);
	np_arena_release(&f->arena);
	free(f);
}

int np_finding_summary(struct np_finding *f, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = np_arena_vprintf(&f->arena, fmt, ap);
	va_end(ap);
	if (!s)
		return NP_ENOMEM;
	f->summary = s;
	return 0;
}

int np_finding_advice(struct np_finding *f, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = np_arena_vprintf(&f->arena, fmt, ap);
	va_end(ap);
	if (!s)
		return NP_ENOMEM;
	f->advice = s;
	return 0;
}

/* --- metrics ------------------------------------------------------------- */

static struct np_metric *find(const struct np_finding *f, const char *name)
{
	for (size_t i = 0; i < f->n_metrics; i++)
		if (f->metrics[i].name[0] == name[0] && strcmp(f->metrics[i].name, name) == 0)
			return &f->metrics[i];
	return NULL;
}

/* The slot for name: its old one (its value let go), or a new one. */
static struct np_metric *slot(struct np_finding *f, const char *name)
{
	struct np_metric *m = find(f, name);

	if (m) {
		if (m->kind == NP_METRIC_JSON)
			json_decref(m->v.j);
		m->kind = NP_METRIC_NULL;
		return m;
	}
	m = np_arena_grow(&f->arena, f->metrics, f->n_metrics, &f->cap_metrics, sizeof(*m), 8);
	if (!m)
		return NULL;
	f->metrics = m;
	m = &f->metrics[f->n_metrics++];
	m->name = name;
	m->kind = NP_METRIC_NULL;
	return m;
}

int np_finding_metric_real(struct np_finding *f, const char *name, double v)
{
	struct np_metric *m = slot(f, name);

	if (!m)
		return NP_ENOMEM;
	/* Three decimals: microsecond resolution for millisecond figures. */
	m->kind = NP_METRIC_REAL;
	m->v.d = (double)(int64_t)(v * 1000.0 + (v < 0 ? -0.5 : 0.5)) / 1000.0;
	return 0;
}

int np_finding_metric_int(struct np_finding *f, const char *name, int64_t v)
{
	struct np_metric *m = slot(f, name);

	if (!m)
		return NP_ENOMEM;
	m->kind = NP_METRIC_INT;
	m->v.i = v;
	return 0;
}

int np_finding_metric_str(struct np_finding *f, const char *name, const char *v)
{
	struct np_metric *m = slot(f, name);
	const char *s;

	if (!m)
		return NP_ENOMEM;
	s = np_arena_strdup(&f->arena, v);
	if (!s)
		return NP_ENOMEM;
	m->kind = NP_METRIC_STR;
	m->v.s = s;
	return 0;
}

int np_finding_metric_null(struct np_finding *f, const char *name)
{
	return slot(f, name) ? 0 : NP_ENOMEM;
}

int np_finding_metric_opt_int(struct np_finding *f, const char *name, int64_t v)
{
	return v < 0 ? np_finding_metric_null(f, name) : np_finding_metric_int(f, name, v);
}

int np_finding_metric_opt_str(struct np_finding *f, const char *name, const char *v)
{
	return v && v[0] ? np_finding_metric_str(f, name, v) : np_finding_metric_null(f, name);
}

int np_finding_metric_json(struct np_finding *f, const char *name, json_t *v)
{
	struct np_metric *m;
	int rc;

	if (!v)
		return NP_ENOMEM;
	/* A number, a text or null is held as one: readers see one kind of
	 * each whichever way it was set. */
	if (json_is_integer(v) || json_is_string(v) || json_is_null(v)) {
		rc = json_is_integer(v) ? np_finding_metric_int(f, name, json_integer_value(v)) :
		     json_is_string(v) ? np_finding_metric_str(f, name, json_string_value(v)) :
		     np_finding_metric_null(f, name);
		json_decref(v);
		return rc;
	}
	m = slot(f, name);
	if (m && json_is_real(v)) {
		/* as it came: not rounded as np_finding_metric_real rounds */
		m->kind = NP_METRIC_REAL;
		m->v.d = json_real_value(v);
		json_decref(v);
		return 0;
	}
	if (!m) {
		json_decref(v);
		return NP_ENOMEM;
	}
	m->kind = NP_METRIC_JSON;
	m->v.j = v;
	return 0;
}

int np_finding_metric_merge(struct np_finding *f, const json_t *obj)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)obj, key, v) {
		const char *name = np_arena_strdup(&f->arena, key);

		if (!name || np_finding_metric_json(f, name, json_incref(v)) != 0)
			return NP_ENOMEM;
	}
	return 0;
}

const struct np_metric *np_finding_metric(const struct np_finding *f, const char *name)
{
	return find(f, name);
}

const char *np_finding_metric_text(const struct np_finding *f, const char *name)
{
	const struct np_metric *m = find(f, name);

	return m && m->kind == NP_METRIC_STR ? m->v.s : "";
}

int np_finding_metric_num(const struct np_finding *f, const char *name, double *v)
{
	const struct np_metric *m = find(f, name);

	if (!m)
		return 0;
	if (m->kind == NP_METRIC_INT)
		*v = (double)m->v.i;
	else if (m->kind == NP_METRIC_REAL)
		*v = m->v.d;
	else
		return 0;
	return 1;
}

const json_t *np_finding_metric_value(const struct np_finding *f, const char *name)
{
	const struct np_metric *m = find(f, name);

	return m && m->kind == NP_METRIC_JSON ? m->v.j : NULL;
}

static json_t *to_json(const struct np_metric *m)
{
	json_t *j;

	switch (m->kind) {
	case NP_METRIC_INT:
		return json_integer(m->v.i);
	case NP_METRIC_REAL:
		return json_real(m->v.d);
	case NP_METRIC_STR:
		/* A text that is not UTF-8 is marked as the finding's own are. */
		j = json_string(m->v.s);
		return j ? j : json_string("(invalid UTF-8)");
	case NP_METRIC_JSON:
		return json_incref(m->v.j);
	case NP_METRIC_NULL:
		break;
	}
	return json_null();
}

json_t *np_finding_metric_to_json(const struct np_finding *f, const char *name)
{
	const struct np_metric *m = find(f, name);

	return m ? to_json(m) : json_null();
}

json_t *np_finding_metrics_json(const struct np_finding *f)
{
	json_t *o = json_object();

	for (size_t i = 0; o && i < f->n_metrics; i++) {
		/* Names are the code's ASCII literals (or a merged object's keys,
		 * UTF-8 already). */
		if (json_object_set_new_nocheck(o, f->metrics[i].name, to_json(&f->metrics[i])) != 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

/* --- evidence ------------------------------------------------------------ */

int np_finding_evidence(struct np_finding *f, int64_t frame, double time_ms,
			const char *fmt, ...)
{
	struct np_evidence *ev;
	va_list ap;
	const char *text;

	va_start(ap, fmt);
	/* "%s": a text made already (a DNS run cites 20,000 of them). */
	if (strcmp(fmt, "%s") == 0)
		text = np_arena_strdup(&f->arena, va_arg(ap, const char *));
	else
		text = np_arena_vprintf(&f->arena, fmt, ap);
	va_end(ap);
	if (!text)
		return NP_ENOMEM;
	ev = np_arena_grow(&f->arena, f->evidence, f->n_evidence, &f->cap_evidence, sizeof(*ev), 2);
	if (!ev)
		return NP_ENOMEM;
	f->evidence = ev;
	ev = &f->evidence[f->n_evidence++];
	ev->frame = frame;
	ev->time_ms = time_ms;
	ev->text = text;
	return 0;
}
