/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "report_doc.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "report.h"

const char *np_doc_str(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : "";
}

int np_doc_num(const json_t *o, const char *key, double *v)
{
	const json_t *j = json_object_get(o, key);

	if (!json_is_number(j))
		return 0;
	*v = json_number_value(j);
	return 1;
}

const json_t *np_doc_metrics(const json_t *finding)
{
	const json_t *m = json_object_get(finding, "metrics");

	return json_is_object(m) ? m : NULL;
}

const char *np_doc_metric_str(const json_t *finding, const char *name)
{
	return np_doc_str(np_doc_metrics(finding), name);
}

int np_doc_metric_num(const json_t *finding, const char *name, double *v)
{
	return np_doc_num(np_doc_metrics(finding), name, v);
}

enum np_status np_doc_status(const json_t *finding)
{
	const char *s = np_doc_str(finding, "status");

	for (int i = 0; i < NP_STATUS_COUNT; i++)
		if (strcmp(s, np_status_name((enum np_status)i)) == 0)
			return (enum np_status)i;
	return NP_STATUS_COUNT;
}

int np_doc_severity(enum np_status s)
{
	switch (s) {
	case NP_FAIL: return 4;
	case NP_ERROR: return 3;
	case NP_WARN: return 2;
	case NP_SKIP: return 1;
	case NP_PASS: return 0;
	default: return -1;
	}
}

double np_doc_started(const json_t *doc)
{
	const char *s = np_doc_str(doc, "started");
	struct tm tm;
	const char *rest;
	double frac = 0;

	memset(&tm, 0, sizeof(tm));
	rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!rest)
		return -1;
	if (*rest == '.') {
		double scale = 0.1;

		for (rest++; *rest >= '0' && *rest <= '9'; rest++, scale /= 10)
			frac += (*rest - '0') * scale;
	}
	if (strcmp(rest, "Z") != 0)
		return -1;
	return (double)timegm(&tm) + frac;
}

int np_doc_check_report(const json_t *doc, char *errbuf)
{
	const json_t *schema = json_object_get(doc, "schema");
	const json_t *findings = json_object_get(doc, "findings");
	static const char *const keys[] = {"check", "target", "status", "verdict"};
	size_t i;
	const json_t *f;

	if (!json_is_object(doc)) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "not a netprobe JSON report (not a JSON object)");
		return NP_EINVAL;
	}
	if (!json_is_integer(schema) || !json_is_string(json_object_get(doc, "command"))) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "not a netprobe JSON report (no \"schema\" and \"command\")");
		return NP_EINVAL;
	}
	if (json_integer_value(schema) != NP_REPORT_SCHEMA) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "report schema %lld, this netprobe reads schema %d",
			 (long long)json_integer_value(schema), NP_REPORT_SCHEMA);
		return NP_EINVAL;
	}
	if (!json_is_object(json_object_get(doc, "host")) || !json_is_array(findings)) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "not a netprobe JSON report (no \"host\" object or \"findings\" array)");
		return NP_EINVAL;
	}
	json_array_foreach(findings, i, f) {
		if (!json_is_object(f)) {
			snprintf(errbuf, NP_ERRBUF_SIZE, "findings[%zu] is not an object", i);
			return NP_EINVAL;
		}
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (!json_is_string(json_object_get(f, keys[k]))) {
				snprintf(errbuf, NP_ERRBUF_SIZE, "findings[%zu] has no \"%s\" string", i, keys[k]);
				return NP_EINVAL;
			}
		if (np_doc_status(f) == NP_STATUS_COUNT) {
			snprintf(errbuf, NP_ERRBUF_SIZE, "findings[%zu]: unknown status \"%.40s\"", i,
				 np_doc_str(f, "status"));
			return NP_EINVAL;
		}
	}
	return 0;
}
