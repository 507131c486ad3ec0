/* SPDX-License-Identifier: GPL-3.0-or-later */
/* netprobe watch: the schedule and what changed (see watch.h). */
#include "watch.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define US_PER_S 1000000.0
#define MAX_DURATION_S (366.0 * 86400)
#define MAX_SIZE ((uint64_t)1 << 40)

int np_watch_parse_duration(const char *s, int64_t *us)
{
	static const struct {
		const char *suffix;
		double s;
	} units[] = {{"ms", 1e-3}, {"s", 1}, {"m", 60}, {"h", 3600}, {"d", 86400}, {"", 1}};
	char *end;
	double v;

	if (!s || !*s)
		return NP_EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v <= 0)
		return NP_EINVAL;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].suffix) != 0)
			continue;
		v *= units[i].s;
		if (v > MAX_DURATION_S || v * US_PER_S < 1)
			return NP_EINVAL;
		*us = (int64_t)(v * US_PER_S);
		return 0;
	}
	return NP_EINVAL;
}

int np_watch_parse_size(const char *s, uint64_t *bytes)
{
	unsigned long long v;
	unsigned shift = 0;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return NP_EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return NP_EINVAL;
	if (*end && end[1] == '\0') {
		switch (*end) {
		case 'K': case 'k': shift = 10; break;
		case 'M': case 'm': shift = 20; break;
		case 'G': case 'g': shift = 30; break;
		default: return NP_EINVAL;
		}
	} else if (*end) {
		return NP_EINVAL;
	}
	if (v == 0 || v > (MAX_SIZE >> shift))
		return NP_EINVAL;
	*bytes = (uint64_t)v << shift;
	return 0;
}

int64_t np_watch_next_start(int64_t t0_us, int64_t every_us, uint64_t *k, int64_t now_us, uint32_t rnd)
{
	uint64_t next = *k + 1;
	int64_t jitter = (int64_t)((double)(every_us / 10) * ((double)rnd / 4294967296.0));
	int64_t start;

	/* Skip the slots a long cycle ran over: a watch reports what the path
	 * does now, and back-to-back catch-up cycles would load it. */
	if (now_us > t0_us) {
		uint64_t behind = (uint64_t)((now_us - t0_us) / every_us);

		if (behind > next)
			next = behind;
	}
	start = t0_us + (int64_t)next * every_us + jitter;
	*k = next;
	return start > now_us ? start : now_us;
}

static const char *metric_str(const struct np_finding *f, const char *name, char *buf, size_t len)
{
	const struct np_metric *m = np_finding_metric(f, name);

	if (!m)
		return NULL;
	switch (m->kind) {
	case NP_METRIC_STR:
		return m->v.s;
	case NP_METRIC_INT:
		snprintf(buf, len, "%lld", (long long)m->v.i);
		return buf;
	case NP_METRIC_REAL:
		snprintf(buf, len, "%g", m->v.d);
		return buf;
	default:
		return NULL;
	}
}

void np_watch_finding_key(const struct np_finding *f, char *buf, size_t len)
{
	/* The metrics that tell apart findings of one check and target: an
	 * idle ladder's rungs and paths, a DNS name's types and resolvers. */
	static const char *const parts[] = {"profile_check", "path", "resolver", "type", "scope", "idle_s", "name"};
	size_t n;

	n = (size_t)snprintf(buf, len, "%s %s %s", f->check, f->target, f->address ? f->address : "");
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]) && n < len; i++) {
		char num[32];
		const char *v = metric_str(f, parts[i], num, sizeof(num));

		if (v)
			n += (size_t)snprintf(buf + n, len - n, " %s=%s", parts[i], v);
	}
}

int np_watch_state_init(struct np_watch_state *s)
{
	s->last = json_object();
	return s->last ? 0 : NP_ENOMEM;
}

void np_watch_state_release(struct np_watch_state *s)
{
	json_decref(s->last);
	s->last = NULL;
}

static int state_set(struct np_watch_state *s, const char *key, const char *status, const char *verdict)
{
	json_t *v = json_pack("{s:s, s:s}", "status", status, "verdict", verdict);

	if (!v)
		return NP_ENOMEM;
	return json_object_set_new(s->last, key, v) == 0 ? 0 : NP_ENOMEM;
}

int np_watch_state_note(struct np_watch_state *s, const json_t *change)
{
	const char *key = json_string_value(json_object_get(change, "key"));
	const char *st = json_string_value(json_object_get(change, "status"));
	const char *v = json_string_value(json_object_get(change, "verdict"));

	if (!key || !st || !v)
		return NP_EINVAL;
	return state_set(s, key, st, v);
}

static int is_cut_short(const char *verdict)
{
	return strcmp(verdict, "run.interrupted") == 0 || strcmp(verdict, "run.deadline") == 0;
}

static json_t *change_of(const struct np_finding *f, const char *key, const json_t *prev)
{
	json_t *c = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "key", key, "check", f->check, "target",
			      f->target, "address", f->address ? f->address : "", "status",
			      np_status_name(f->status), "verdict", f->verdict->code, "summary",
			      f->summary ? f->summary : "");
	const struct np_metric *pc = np_finding_metric(f, "profile_check");

	if (!c)
		return NULL;
	if (pc && pc->kind == NP_METRIC_INT)
		json_object_set_new(c, "profile_check", json_integer(pc->v.i));
	json_object_set_new(c, "previous", prev ? json_deep_copy(prev) : json_null());
	return c;
}

int np_watch_evaluate(struct np_watch_state *s, const struct np_report *r, struct np_watch_cycle *c)
{
	json_t *seen = json_object();
	int err = NP_ENOMEM;

	memset(c, 0, sizeof(*c));
	c->changes = json_array();
	if (!seen || !c->changes)
		goto out;
	for (size_t i = 0; i < r->n_findings; i++) {
		const struct np_finding *f = r->findings[i];

		c->n_findings++;
		if (f->status < NP_STATUS_COUNT)
			c->counts[f->status]++;
		if (f->status == NP_FAIL || f->status == NP_ERROR)
			c->failed = 1;
		if (is_cut_short(f->verdict->code))
			c->interrupted = 1;
	}
	if (c->interrupted) {
		err = 0;
		goto out;
	}
	for (size_t i = 0; i < r->n_findings; i++) {
		const struct np_finding *f = r->findings[i];
		char key[1024], uniq[1100];
		const json_t *prev;
		const char *pst, *pv;
		json_t *ch;
		json_int_t nth;

		np_watch_finding_key(f, key, sizeof(key));
		/* Two findings with one key in a cycle (a check listed twice)
		 * are told apart by their order. */
		nth = json_integer_value(json_object_get(seen, key));
		if (json_object_set_new(seen, key, json_integer(nth + 1)) != 0)
			goto out;
		if (nth)
			snprintf(uniq, sizeof(uniq), "%s #%lld", key, (long long)nth + 1);
		else
			snprintf(uniq, sizeof(uniq), "%s", key);
		prev = json_object_get(s->last, uniq);
		pst = json_string_value(json_object_get(prev, "status"));
		pv = json_string_value(json_object_get(prev, "verdict"));
		if (pst && pv && strcmp(pst, np_status_name(f->status)) == 0 && strcmp(pv, f->verdict->code) == 0)
			continue;
		if (prev)
			c->changed = 1;
		ch = change_of(f, uniq, prev);
		if (!ch || json_array_append_new(c->changes, ch) != 0)
			goto out;
		if (state_set(s, uniq, np_status_name(f->status), f->verdict->code) < 0)
			goto out;
	}
	err = 0;
out:
	json_decref(seen);
	if (err < 0)
		np_watch_cycle_release(c);
	return err;
}

void np_watch_cycle_release(struct np_watch_cycle *c)
{
	json_decref(c->changes);
	c->changes = NULL;
}
