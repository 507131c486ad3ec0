/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "checklist.h"
#include "error.h"
#include "report.h"

#ifndef NP_VERSION
#define NP_VERSION "unknown"
#endif

/* jansson refuses invalid UTF-8; network-derived text must never make a
 * finding vanish, so fall back to a marker. */
static json_t *str_or_marker(const char *s)
{
	json_t *j = json_string(s ? s : "");

	return j ? j : json_string("(invalid UTF-8)");
}

static json_t *strlist_json(const struct np_strlist *l)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < l->n; i++)
		json_array_append_new(a, str_or_marker(l->v[i]));
	return a;
}

/* The members the checklist reads (checklist.h): a finding's place,
 * what it is about, its status and verdict, and its metrics. */
static json_t *finding_core_json(const struct np_finding *f, size_t index)
{
	json_t *o = json_object();
	char id[32];

	/* What the checklist and the HTML link to. */
	np_checklist_id(index, id, sizeof(id));
	/* Keys, ids, statuses and codes are ASCII made here: not checked
	 * again (a run of 10,000 findings builds this twice). */
	json_object_set_new_nocheck(o, "id", json_string_nocheck(id));
	json_object_set_new_nocheck(o, "check", str_or_marker(f->check));
	json_object_set_new_nocheck(o, "target", str_or_marker(f->target));
	json_object_set_new_nocheck(o, "address", str_or_marker(f->address));
	json_object_set_new_nocheck(o, "status", json_string_nocheck(np_status_name(f->status)));
	json_object_set_new_nocheck(o, "verdict", json_string_nocheck(f->verdict->code));
	json_object_set_new_nocheck(o, "metrics", np_finding_metrics_json(f));
	return o;
}

static json_t *finding_json(const struct np_finding *f, size_t index)
{
	json_t *o = finding_core_json(f, index);
	json_t *ev = json_array();

	json_object_set_new(o, "summary", str_or_marker(f->summary));
	json_object_set_new(o, "advice", str_or_marker(f->advice));
	for (size_t i = 0; i < f->n_evidence; i++) {
		json_t *e = json_object();

		json_object_set_new(e, "frame", f->evidence[i].frame > 0 ?
				    json_integer(f->evidence[i].frame) : json_null());
		json_object_set_new(e, "time_ms", json_real(f->evidence[i].time_ms));
		json_object_set_new(e, "text", str_or_marker(f->evidence[i].text));
		json_array_append_new(ev, e);
	}
	json_object_set_new(o, "evidence", ev);
	return o;
}

static json_t *capture_json(const struct np_report_capture *c)
{
	json_t *o;

	if (!c->attempted)
		return json_null();
	o = json_object();
	json_object_set_new(o, "active", json_boolean(c->active));
	json_object_set_new(o, "file", c->file ? str_or_marker(c->file) : json_null());
	json_object_set_new(o, "packets", json_integer((json_int_t)c->kept));
	json_object_set_new(o, "received", json_integer((json_int_t)c->received));
	json_object_set_new(o, "dropped", json_integer((json_int_t)(c->kernel_dropped + c->if_dropped)));
	json_object_set_new(o, "kernel_dropped", json_integer((json_int_t)c->kernel_dropped));
	json_object_set_new(o, "interface_dropped", json_integer((json_int_t)c->if_dropped));
	json_object_set_new(o, "truncated", json_integer((json_int_t)c->truncated));
	json_object_set_new(o, "not_kept", json_integer((json_int_t)c->not_kept));
	json_object_set_new(o, "snaplen", json_integer((json_int_t)c->snaplen));
	json_object_set_new(o, "ring_bytes", json_integer((json_int_t)c->ring_bytes));
	json_object_set_new(o, "ring_slots", json_integer((json_int_t)c->ring_slots));
	json_object_set_new(o, "budget_bytes", json_integer((json_int_t)c->budget));
	json_object_set_new(o, "held_peak_bytes", json_integer((json_int_t)c->held_peak));
	json_object_set_new(o, "unavailable", c->unavailable ? str_or_marker(c->unavailable) : json_null());
	if (c->format) {
		json_object_set_new(o, "format", str_or_marker(c->format));
		json_object_set_new(o, "copies_folded", json_integer((json_int_t)c->copies_folded));
		json_object_set_new(o, "not_packets", json_integer((json_int_t)c->not_packets));
		json_object_set_new(o, "other_link", json_integer((json_int_t)c->other_link));
	}
	return o;
}

json_t *np_report_checklist(const struct np_report *r)
{
	/* Read from the findings themselves: the terminal's summary needs no
	 * JSON made of 10,000 findings, nor their ids. */
	struct np_cl_finding *v = calloc(r->n_findings ? r->n_findings : 1, sizeof(*v));
	json_t *order = strlist_json(&r->sections), *list = NULL;

	for (size_t i = 0; v && i < r->n_findings; i++) {
		const struct np_finding *f = r->findings[i];

		v[i].check = f->check ? f->check : "";
		v[i].target = f->target ? f->target : "";
		v[i].address = f->address ? f->address : "";
		v[i].verdict = f->verdict->code;
		v[i].status = f->status;
		v[i].native = f;
	}
	if (v && order)
		list = np_checklist_of(v, r->n_findings, order, 0);
	free(v);
	json_decref(order);
	return list;
}

json_t *np_report_json(const struct np_report *r)
{
	static const char *const sig_names[] = {[SIGINT] = "SIGINT", [SIGTERM] = "SIGTERM"};
	json_t *root = json_object(), *host = json_object(), *env = json_object();
	json_t *findings = json_array(), *summary = json_object(), *order;
	size_t counts[NP_STATUS_COUNT];
	char ts[64], when[96];
	struct tm tm;

	gmtime_r(&r->started.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(when, sizeof(when), "%s.%03ldZ", ts, r->started.tv_nsec / 1000000);

	json_object_set_new(root, "schema", json_integer(NP_REPORT_SCHEMA));
	json_object_set_new(root, "version", json_string(NP_VERSION));
	json_object_set_new(root, "command", json_string(r->command));
	json_object_set_new(root, "started", json_string(when));
	json_object_set_new(root, "duration_ms", json_real((double)r->duration_us / 1000.0));

	json_object_set_new(host, "hostname", str_or_marker(r->hostname));
	json_object_set_new(host, "sources", strlist_json(&r->sources));
	json_object_set_new(host, "resolvers", strlist_json(&r->resolvers));
	for (size_t i = 0; i < r->proxy_env.n; i++) {
		const char *entry = r->proxy_env.v[i];
		const char *eq = strchr(entry, '=');
		char name[32];

		snprintf(name, sizeof(name), "%.*s", (int)(eq - entry), entry);
		json_object_set_new(env, name, str_or_marker(eq + 1));
	}
	json_object_set_new(host, "proxy_env", env);
	json_object_set_new(root, "host", host);
	json_object_set_new(root, "capture", capture_json(&r->capture));
	json_object_set_new(root, "interrupted",
			    (r->signal == SIGINT || r->signal == SIGTERM) ?
			    json_string(sig_names[r->signal]) : json_null());

	for (size_t i = 0; i < r->n_findings; i++)
		json_array_append_new(findings, finding_json(r->findings[i], i));
	json_object_set_new(root, "findings", findings);
	if (r->dns_windows)
		json_object_set(root, "dns_windows", r->dns_windows);
	if (r->connections) {
		json_object_set(root, "connections", r->connections);
		json_object_set_new(root, "connections_unlisted",
				    json_integer((json_int_t)r->connections_unlisted));
	}

	np_report_counts(r, counts);
	for (int s = 0; s < NP_STATUS_COUNT; s++)
		json_object_set_new(summary, np_status_name((enum np_status)s), json_integer((json_int_t)counts[s]));
	json_object_set_new(summary, "total", json_integer((json_int_t)r->n_findings));
	order = strlist_json(&r->sections);
	json_object_set_new(summary, "checklist", np_checklist_build(findings, order));
	json_decref(order);
	json_object_set_new(root, "summary", summary);
	return root;
}

int np_report_write_doc(const json_t *doc, FILE *out)
{
	/* Insertion order kept (no JSON_SORT_KEYS): schema first reads best. */
	if (json_dumpf(doc, out, JSON_INDENT(2) | JSON_REAL_PRECISION(10)) < 0 ||
	    fputc('\n', out) == EOF || fflush(out) == EOF || ferror(out))
		return NP_EIO;
	return 0;
}

int np_report_write_json(const struct np_report *r, FILE *out)
{
	json_t *root = np_report_json(r);
	int err;

	if (!root)
		return NP_ENOMEM;
	err = np_report_write_doc(root, out);
	json_decref(root);
	return err;
}
