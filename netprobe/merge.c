/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "merge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report.h"
#include "report_doc.h"

#ifndef NP_VERSION
#define NP_VERSION "unknown"
#endif

struct np_merge {
	json_t *entries;            /* [ { "file", "report" } ] in the order given */
};

struct np_merge *np_merge_new(void)
{
	struct np_merge *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->entries = json_array();
	if (!m->entries) {
		free(m);
		return NULL;
	}
	return m;
}

void np_merge_free(struct np_merge *m)
{
	if (!m)
		return;
	json_decref(m->entries);
	free(m);
}

size_t np_merge_count(const struct np_merge *m)
{
	return json_array_size(m->entries);
}

int np_merge_add(struct np_merge *m, json_t *report, const char *name, char *errbuf)
{
	char why[NP_ERRBUF_SIZE];

	if (np_doc_check_report(report, why) < 0) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "%.100s: %.150s", name, why);
		return NP_EINVAL;
	}
	if (json_array_append_new(m->entries, json_pack("{s:s, s:O}", "file", name, "report", report)) < 0) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "%s: out of memory", name);
		return NP_ENOMEM;
	}
	return 0;
}

int np_merge_add_file(struct np_merge *m, const char *path, char *errbuf)
{
	json_error_t jerr;
	json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr), *entry;
	char why[NP_ERRBUF_SIZE];
	size_t i;
	int err = 0;

	if (!doc) {
		if (json_error_code(&jerr) == json_error_cannot_open_file) {
			/* jansson's text names the file itself: "unable to open F: why". */
			const char *colon = strrchr(jerr.text, ':');

			snprintf(errbuf, NP_ERRBUF_SIZE, "%s: cannot read it%s", path, colon ? colon : "");
			return NP_ESYS;
		}
		snprintf(errbuf, NP_ERRBUF_SIZE, "%s: not JSON (line %d, column %d: %s)", path, jerr.line,
			 jerr.column, jerr.text);
		return NP_EINVAL;
	}
	if (strcmp(np_doc_str(doc, "command"), "merge") != 0) {
		err = np_merge_add(m, doc, path, errbuf);
		json_decref(doc);
		return err;
	}
	/* A merge of merges: the reports it holds, each under its own name. */
	if (np_merge_check(doc, why) < 0) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "%.100s: %.150s", path, why);
		json_decref(doc);
		return NP_EINVAL;
	}
	json_array_foreach(json_object_get(doc, "reports"), i, entry) {
		err = np_merge_add(m, json_object_get(entry, "report"), np_doc_str(entry, "file"), errbuf);
		if (err < 0)
			break;
	}
	json_decref(doc);
	return err;
}

static int has_string(const json_t *a, const char *s)
{
	size_t i;
	const json_t *v;

	json_array_foreach(a, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
			return 1;
	return 0;
}

static void add_unique(json_t *a, const char *s)
{
	if (s[0] && !has_string(a, s))
		json_array_append_new(a, json_string(s));
}

/* Same host name, and source addresses that overlap (or none on a side). */
static int same_host(const json_t *col, const json_t *host)
{
	const json_t *a = json_object_get(col, "sources"), *b = json_object_get(host, "sources"), *v;
	size_t i;

	if (strcmp(np_doc_str(col, "hostname"), np_doc_str(host, "hostname")) != 0)
		return 0;
	if (json_array_size(a) == 0 || json_array_size(b) == 0)
		return 1;
	json_array_foreach(b, i, v)
		if (json_is_string(v) && has_string(a, json_string_value(v)))
			return 1;
	return 0;
}

/* The column of the report's host, made when it is the first of it. */
static size_t host_column(json_t *hosts, const json_t *host, size_t report)
{
	size_t i, k;
	json_t *col = NULL, *v;

	json_array_foreach(hosts, i, col)
		if (same_host(col, host))
			break;
	if (i == json_array_size(hosts)) {
		col = json_pack("{s:s, s:[], s:[]}", "hostname", np_doc_str(host, "hostname"), "sources", "reports");
		/* On failure the array drops col: it is not used then. */
		if (!col || json_array_append_new(hosts, col) < 0)
			return i;
	}
	json_array_foreach(json_object_get(host, "sources"), k, v)
		if (json_is_string(v))
			add_unique(json_object_get(col, "sources"), json_string_value(v));
	json_array_append_new(json_object_get(col, "reports"), json_integer((json_int_t)report));
	return i;
}

/* The row of (check, target, path), made on first sight; index maps the
 * key to its position so that thousands of findings cost no search. */
static json_t *row_for(json_t *rows, json_t *index, const json_t *f, size_t n_hosts)
{
	const char *check = np_doc_str(f, "check"), *target = np_doc_str(f, "target");
	const char *path = np_doc_metric_str(f, "path");
	char *key = NULL;
	json_t *row, *cells, *at;

	if (asprintf(&key, "%s\x1f%s\x1f%s", check, target, path) < 0)
		return NULL;
	at = json_object_get(index, key);
	if (at) {
		free(key);
		return json_array_get(rows, (size_t)json_integer_value(at));
	}
	cells = json_array();
	for (size_t i = 0; cells && i < n_hosts; i++)
		json_array_append_new(cells, json_null());
	row = json_pack("{s:s, s:s, s:s, s:o}", "check", check, "target", target, "path", path, "cells", cells);
	if (!row || json_object_set_new(index, key, json_integer((json_int_t)json_array_size(rows))) < 0 ||
	    json_array_append_new(rows, row) < 0) {
		free(key);
		return NULL;
	}
	free(key);
	return row;
}

/* One finding into its host's cell: the worst status, each verdict and
 * address once. */
static void into_cell(json_t *row, size_t col, const json_t *f)
{
	json_t *cells = json_object_get(row, "cells"), *cell = json_array_get(cells, col);
	enum np_status st = np_doc_status(f);
	double n = 0;

	if (!json_is_object(cell)) {
		cell = json_pack("{s:s, s:[], s:[], s:i}", "status", np_doc_str(f, "status"), "verdicts",
				 "addresses", "findings", 0);
		if (!cell || json_array_set_new(cells, col, cell) < 0)
			return;
	}
	if (np_doc_severity(st) > np_doc_severity(np_doc_status(cell)))
		json_object_set_new(cell, "status", json_string(np_doc_str(f, "status")));
	add_unique(json_object_get(cell, "verdicts"), np_doc_str(f, "verdict"));
	add_unique(json_object_get(cell, "addresses"), np_doc_str(f, "address"));
	np_doc_num(cell, "findings", &n);
	json_object_set_new(cell, "findings", json_integer((json_int_t)n + 1));
}

static json_t *now_utc(void)
{
	char ts[64];
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(ts);
}

json_t *np_merge_document(const struct np_merge *m)
{
	json_t *doc, *hosts = json_array(), *rows = json_array(), *reports = json_array();
	json_t *index = json_object(), *summary = json_object(), *entry;
	size_t counts[NP_STATUS_COUNT + 1] = {0}, *col, i, total = 0;

	col = calloc(json_array_size(m->entries) + 1, sizeof(*col));
	doc = json_pack("{s:i, s:s, s:s, s:o}", "schema", NP_REPORT_SCHEMA, "command", "merge",
			"version", NP_VERSION, "created", now_utc());
	if (!doc || !hosts || !rows || !reports || !index || !summary || !col)
		goto fail;
	json_array_foreach(m->entries, i, entry) {
		json_t *rep = json_object_get(entry, "report");

		col[i] = host_column(hosts, json_object_get(rep, "host"), i);
		if (json_array_append_new(reports, json_pack("{s:O, s:i, s:O}", "file", json_object_get(entry, "file"),
							     "host", (int)col[i], "report", rep)) < 0)
			goto fail;
	}
	json_array_foreach(m->entries, i, entry) {
		const json_t *findings = json_object_get(json_object_get(entry, "report"), "findings"), *f;
		size_t k;

		json_array_foreach(findings, k, f) {
			json_t *row;

			counts[np_doc_status(f)]++;
			total++;
			/* An idle ladder speaks through its overall finding. */
			if (strcmp(np_doc_metric_str(f, "scope"), "rung") == 0)
				continue;
			row = row_for(rows, index, f, json_array_size(hosts));
			if (!row)
				goto fail;
			into_cell(row, col[i], f);
		}
	}
	for (int s = 0; s < NP_STATUS_COUNT; s++)
		json_object_set_new(summary, np_status_name((enum np_status)s), json_integer((json_int_t)counts[s]));
	json_object_set_new(summary, "total", json_integer((json_int_t)total));
	json_object_set_new(doc, "hosts", hosts);
	json_object_set_new(doc, "rows", rows);
	json_object_set_new(doc, "summary", summary);
	json_object_set_new(doc, "reports", reports);
	json_decref(index);
	free(col);
	return doc;
fail:
	json_decref(doc);
	json_decref(hosts);
	json_decref(rows);
	json_decref(reports);
	json_decref(index);
	json_decref(summary);
	free(col);
	return NULL;
}

int np_merge_check(const json_t *doc, char *errbuf)
{
	const json_t *reports = json_object_get(doc, "reports"), *hosts = json_object_get(doc, "hosts");
	const json_t *entry, *host, *ri;
	char why[NP_ERRBUF_SIZE];
	size_t i, k;

	if (!json_is_object(doc) || strcmp(np_doc_str(doc, "command"), "merge") != 0 ||
	    !json_is_integer(json_object_get(doc, "schema"))) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "not a merged netprobe document");
		return NP_EINVAL;
	}
	if (json_integer_value(json_object_get(doc, "schema")) != NP_REPORT_SCHEMA) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "merge schema %lld, this netprobe reads schema %d",
			 (long long)json_integer_value(json_object_get(doc, "schema")), NP_REPORT_SCHEMA);
		return NP_EINVAL;
	}
	if (!json_is_array(reports) || !json_is_array(hosts) || !json_is_array(json_object_get(doc, "rows"))) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "merged document without \"hosts\", \"rows\" and \"reports\" arrays");
		return NP_EINVAL;
	}
	json_array_foreach(reports, i, entry)
		if (np_doc_check_report(json_object_get(entry, "report"), why) < 0) {
			snprintf(errbuf, NP_ERRBUF_SIZE, "reports[%zu]: %.200s", i, why);
			return NP_EINVAL;
		}
	json_array_foreach(hosts, i, host)
		json_array_foreach(json_object_get(host, "reports"), k, ri)
			if (!json_is_integer(ri) || json_integer_value(ri) < 0 ||
			    (size_t)json_integer_value(ri) >= json_array_size(reports)) {
				snprintf(errbuf, NP_ERRBUF_SIZE, "hosts[%zu] names a report that is not there", i);
				return NP_EINVAL;
			}
	return 0;
}
