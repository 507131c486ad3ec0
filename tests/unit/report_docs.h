/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Hand-made JSON report documents (the layout --json writes) for the
 * HTML, Prometheus and merge tests. Include after cmocka.h. */
#ifndef NETPROBE_TESTS_REPORT_DOCS_H
#define NETPROBE_TESTS_REPORT_DOCS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* Everything a network or a user could put in a name or a message. */
#define HOSTILE "<script>alert(\"x\")</script>\n&amp; \\ ]]> -- 'q' \xc3\xa9"

/* A finding; metrics is taken (NULL: none). */
static json_t *doc_finding(const char *check, const char *target, const char *address, const char *status,
			   const char *verdict, json_t *metrics)
{
	json_t *f = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:[]}", "check", check, "target", target,
			      "address", address, "status", status, "verdict", verdict, "summary",
			      "summary of the finding", "advice", "", "metrics", metrics ? metrics : json_object(),
			      "evidence");

	assert_non_null(f);
	return f;
}

/* A report of the findings given (taken), from hostname and one source. */
static json_t *doc_report(const char *command, const char *hostname, const char *source, json_t *findings)
{
	json_t *r = json_pack("{s:i, s:s, s:s, s:s, s:f, s:{s:s, s:[s], s:[], s:{}}, s:n, s:n, s:o, s:{}}",
			      "schema", 1, "version", "0.1.0", "command", command, "started",
			      "2026-11-25T12:47:40.107Z", "duration_ms", 3012.5, "host", "hostname", hostname,
			      "sources", source, "resolvers", "proxy_env", "capture", "interrupted", "findings",
			      findings, "summary");

	assert_non_null(r);
	return r;
}

/* An idle ladder of one path: 60 s survived, 120 s reset by hop 2 after
 * 95.5 s of silence, 180 s dropped; the overall finding fails. */
static json_t *doc_idle_findings(void)
{
	json_t *a = json_array();

	json_array_append_new(a, doc_finding("idle", "tls.lab:443", "198.19.4.2", "pass", "idle.survived",
					     json_pack("{s:s, s:i, s:i, s:s, s:f}", "scope", "rung", "idle_s", 60,
						       "required_s", 300, "path", "direct", "silence_s", 60.2)));
	json_array_append_new(a, doc_finding("idle", "tls.lab:443", "198.19.4.2", "fail", "idle.reset_by_path",
					     json_pack("{s:s, s:i, s:i, s:s, s:f, s:i}", "scope", "rung", "idle_s", 120,
						       "required_s", 300, "path", "direct", "closed_after_s", 95.5,
						       "hop", 2)));
	json_array_append_new(a, doc_finding("idle", "tls.lab:443", "198.19.4.2", "fail", "idle.dropped",
					     json_pack("{s:s, s:i, s:i, s:s, s:n}", "scope", "rung", "idle_s", 180,
						       "required_s", 300, "path", "direct", "hop")));
	json_array_append_new(a, doc_finding("idle", "tls.lab:443", "198.19.4.2", "fail", "idle.reset_by_path",
					     json_pack("{s:s, s:i, s:i, s:i, s:s, s:[{s:i, s:s}, {s:i, s:s}, {s:i, s:s}]}",
						       "scope", "overall", "required_s", 300, "survived_s", 60,
						       "lost_s", 120, "path", "direct", "rungs", "idle_s", 60, "verdict",
						       "idle.survived", "idle_s", 120, "verdict", "idle.reset_by_path",
						       "idle_s", 180, "verdict", "idle.dropped")));
	return a;
}

/* A TLS finding with its phases timed, direct or through a proxy. */
static json_t *doc_tls_finding(const char *target, const char *address, const char *path, double connect_ms)
{
	return doc_finding("tls", target, address, "pass", "tls.ok",
			   json_pack("{s:s, s:f, s:f, s:f, s:f}", "path", path, "dns_ms", 1.25, "connect_ms", connect_ms,
				     "tls_ms", 4.5, "total_ms", 1.25 + connect_ms + 4.5));
}

#endif
