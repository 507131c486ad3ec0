/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The HTML report and the merge from hand-made report documents: hostile
 * text escaped, the page well-formed (xmllint) and self-contained, the
 * idle ladder drawn when there are rungs, a column per host in a merge. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "netprobe/error.h"
#include "netprobe/merge.h"
#include "netprobe/report_html.h"
#include "report_docs.h"
#include "text.h"

/* doc (taken) as HTML, checked well-formed and self-contained. */
static char *html_of(json_t *doc)
{
	FILE *f = tmpfile();
	const char *p;
	char *s;

	assert_non_null(f);
	assert_int_equal(np_report_write_html(doc, f), 0);
	s = slurp(f);
	fclose(f);
	json_decref(doc);
	if (tool_status("xmllint --noout ", s) != 0)
		fail_msg("not well-formed XML:\n%s", s);
	assert_true(strncmp(s, "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\"", 57) == 0);
	/* Nothing to fetch, nothing to run. */
	assert_null(strstr(s, "<script"));
	assert_null(strstr(s, "src="));
	/* Links only within the page: the checklist to its findings, each
	 * to a row that is there. */
	for (p = strstr(s, "href="); p; p = strstr(p + 1, "href=")) {
		char id[48], want[64];

		if (sscanf(p, "href=\"#%40[a-z0-9-]\"", id) != 1)
			fail_msg("a link out of the page: %.60s", p);
		snprintf(want, sizeof(want), "<tr id=\"%s\">", id);
		if (!strstr(s, want))
			fail_msg("a link to nothing: %.60s", p);
	}
	assert_null(strstr(s, "url("));
	assert_null(strstr(s, "@import"));
	assert_null(strstr(s, "<link"));
	/* URLs in the text (a proxy's) are text; in an attribute only the
	 * namespaces may be one. */
	for (p = strstr(s, "=\"http"); p; p = strstr(p + 1, "=\"http"))
		if (p - s < 5 || strncmp(p - 5, "xmlns=\"http://www.w3.org/", 25) != 0)
			fail_msg("a URL in an attribute: %.60s", p);
	assert_non_null(strstr(s, "@media print"));
	return s;
}

static void hostile_text_is_escaped(void **state)
{
	json_t *fs = json_array(), *f, *doc;
	char *s;

	(void)state;
	f = doc_finding("tcp", HOSTILE, HOSTILE, "fail", "tcp.refused", json_pack("{s:s}", "path", HOSTILE));
	json_object_set_new(f, "summary", json_string(HOSTILE));
	json_object_set_new(f, "advice", json_string(HOSTILE));
	json_array_append_new(json_object_get(f, "evidence"),
			      json_pack("{s:i, s:f, s:s}", "frame", 7, "time_ms", 1.5, "text", HOSTILE));
	json_array_append_new(fs, f);
	doc = doc_report("tcp", HOSTILE, HOSTILE, fs);
	json_object_set_new(json_object_get(json_object_get(doc, "host"), "proxy_env"), "https_proxy",
			    json_string(HOSTILE));
	s = html_of(doc);
	assert_non_null(strstr(s, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;\n&amp;amp; \\ ]]&gt; -- "
			       "&apos;q&apos; \xc3\xa9"));
	/* host, sources, proxy variable, target, address, path, summary,
	 * advice, evidence, and the title */
	assert_true(count_of(s, "&lt;script&gt;") >= 10);
	assert_non_null(strstr(s, "<span class=\"frame\">#7</span>"));
	assert_non_null(strstr(s, "FAIL: 1 of 1 findings failed"));
	free(s);
}

static void idle_timeline_when_there_are_rungs(void **state)
{
	char *s;

	(void)state;
	s = html_of(doc_report("idle", "client", "198.18.1.2", doc_idle_findings()));
	assert_non_null(strstr(s, "<section class=\"idle\">"));
	assert_int_equal(count_of(s, "<svg "), 1);
	assert_int_equal(count_of(s, "class=\"bar kept\""), 1);
	assert_int_equal(count_of(s, "class=\"bar lost\""), 2);
	assert_int_equal(count_of(s, "class=\"kill lost\""), 2);
	assert_non_null(strstr(s, "reset by the device at hop 2 at 95.5 s"));
	assert_non_null(strstr(s, "dropped silently after 180 s: no ACK"));
	assert_non_null(strstr(s, ">survived<"));
	assert_non_null(strstr(s, "required 300 s"));
	assert_non_null(strstr(s, "tls.lab:443 (198.19.4.2), path direct"));
	free(s);
}

static void idle_rungs_drawn_shortest_first(void **state)
{
	json_t *fs = doc_idle_findings(), *first = json_incref(json_array_get(fs, 0));
	char *s;
	const char *a, *b;

	(void)state;
	/* rungs end in any order: the 60 s one comes last here */
	json_array_remove(fs, 0);
	json_array_append_new(fs, first);
	s = html_of(doc_report("idle", "client", "198.18.1.2", fs));
	a = strstr(s, "text-anchor=\"end\">60 s<");
	b = strstr(s, "text-anchor=\"end\">120 s<");
	assert_non_null(a);
	assert_non_null(b);
	assert_true(a < b);
	free(s);
}

static void idle_timeline_from_the_overall_finding_alone(void **state)
{
	json_t *fs = doc_idle_findings();
	char *s;

	(void)state;
	for (int i = 0; i < 3; i++)
		json_array_remove(fs, 0);
	s = html_of(doc_report("idle", "client", "198.18.1.2", fs));
	assert_int_equal(count_of(s, "class=\"plan\""), 3);
	assert_non_null(strstr(s, "reset by a device on the path after 120 s"));
	free(s);
}

static void no_timeline_without_rungs_and_timing_bars(void **state)
{
	json_t *fs = json_array();
	char *s;

	(void)state;
	json_array_append_new(fs, doc_tls_finding("tls.lab:443", "198.19.4.2", "direct", 0.75));
	json_array_append_new(fs, doc_tls_finding("tls.lab:443", "198.19.4.2", "http://bob:***@proxy:3128", 2.0));
	s = html_of(doc_report("tls", "client", "198.18.1.2", fs));
	assert_null(strstr(s, "Idle ladder"));
	assert_non_null(strstr(s, "<section class=\"timing\">"));
	/* the legend's square and a bar per endpoint */
	assert_int_equal(count_of(s, "<rect class=\"ph-tls\" x="), 3);
	assert_int_equal(count_of(s, "<rect class=\"ph-connect\" x="), 3);
	assert_non_null(strstr(s, "tls.lab:443 198.19.4.2 via http://bob:***@proxy:3128"));
	assert_non_null(strstr(s, "PASS: all 2 findings passed"));
	assert_null(strstr(s, "Path trace"));
	free(s);
}

/* The checklist opens the page: each prerequisite, who must act, links
 * to its findings; the timing chart slowest first, each label once. */
static void checklist_first_and_timing_slowest_first(void **state)
{
	json_t *fs = json_array();
	char *s;
	const char *check, *run, *slow, *fast;

	(void)state;
	json_array_append_new(fs, doc_finding("dns", "a.example A", "198.51.100.53", "pass", "dns.ok",
					      json_pack("{s:s, s:s, s:f, s:s}", "resolver", "198.51.100.53", "type", "A",
							"dns_ms", 1000.0, "section", "external DNS")));
	json_array_append_new(fs, doc_finding("tcp", "b.example:443", "198.51.100.2", "fail", "tcp.rejected",
					      json_pack("{s:i, s:s, s:f, s:s}", "sender_hop", 2, "sender",
							"198.51.100.254", "connect_ms", 0.05, "section", "cloud endpoints")));
	json_array_append_new(fs, doc_tls_finding("c.example:443", "198.51.100.3", "direct", 0.5));
	s = html_of(doc_report("run", "client", "198.18.1.2", fs));
	check = strstr(s, "<section class=\"checklist\"");
	run = strstr(s, "<section class=\"run\">");
	assert_non_null(check);
	assert_non_null(run);
	assert_true(check < run);
	assert_non_null(strstr(check, "<th scope=\"row\" class=\"item\">cloud endpoints</th><td>the firewall at "
				      "hop 2 (198.51.100.254) must act: tcp.rejected at b.example:443</td>"));
	assert_non_null(strstr(check, "<a href=\"#f2\">f2</a>"));
	assert_non_null(strstr(s, "<tr id=\"f2\">"));
	/* without a section: the check kind */
	assert_non_null(strstr(check, "class=\"item\">tls</th>"));
	/* screen readers: headers, captions, the charts named */
	assert_non_null(strstr(s, "<th scope=\"col\">Status</th>"));
	assert_non_null(strstr(s, "<caption>Every finding, problems first</caption>"));
	assert_non_null(strstr(s, "role=\"img\" aria-labelledby=\"timing-title-2-0\""));
	/* the slowest first, on a log scale; the query type said once */
	slow = strstr(s, ">a.example A @198.51.100.53</text>");
	fast = strstr(s, ">b.example:443 198.51.100.2</text>");
	assert_non_null(slow);
	assert_non_null(fast);
	assert_true(slow < fast);
	assert_null(strstr(s, "a.example A A"));
	assert_non_null(strstr(s, "logarithmic scale"));
	assert_non_null(strstr(s, ">1 s</text>"));
	free(s);
}

/* Printed, an SVG is never split: a long chart comes as drawings of 25
 * rows at most, each whole on its page. */
static void timing_chart_prints_in_pieces(void **state)
{
	json_t *fs = json_array();
	char *s;

	(void)state;
	for (int i = 0; i < 60; i++) {
		char t[32];

		snprintf(t, sizeof(t), "h%d.example:443", i);
		json_array_append_new(fs, doc_finding("tcp", t, "198.51.100.9", "pass", "tcp.ok",
						      json_pack("{s:f}", "connect_ms", 0.01 * (i + 1))));
	}
	s = html_of(doc_report("tcp", "client", "198.18.1.2", fs));
	assert_int_equal(count_of(s, "aria-labelledby=\"timing-title-2-"), 3);
	assert_non_null(strstr(s, "Time to endpoints 26 to 50 of 60"));
	assert_int_equal(count_of(s, "<g><title>"), 60);
	/* slowest first */
	assert_true(strstr(s, ">h59.example:443 198.51.100.9</text>") < strstr(s, ">h0.example:443 198.51.100.9</text>"));
	free(s);
}

static void path_trace_when_hops_exist(void **state)
{
	json_t *fs = json_array();
	char *s;

	(void)state;
	json_array_append_new(fs, doc_finding("trace", "tls.lab:443", "198.19.4.2", "fail", "trace.modified",
					      json_pack("{s:[{s:i, s:s, s:f, s:[], s:[]}, {s:i, s:n, s:n, s:[], s:[]},"
							"{s:i, s:s, s:f, s:[s], s:[s]}]}", "hops",
							"hop", 1, "address", "198.18.1.1", "rtt_ms", 0.2, "changed", "unknown",
							"hop", 2, "address", "rtt_ms", "changed", "unknown",
							"hop", 3, "address", "198.18.3.2", "rtt_ms", 0.9, "changed", "tcp.mss",
							"unknown", "<b>")));
	s = html_of(doc_report("trace", "client", "198.18.1.2", fs));
	assert_non_null(strstr(s, "Path trace"));
	assert_non_null(strstr(s, "<td>198.18.1.1</td><td>0.20 ms</td>"));
	assert_non_null(strstr(s, "<td>2</td><td>*</td><td></td>"));
	assert_non_null(strstr(s, "<tr class=\"changed\"><td>3</td>"));
	assert_non_null(strstr(s, "<td>tcp.mss</td><td>&lt;b&gt;</td>"));
	free(s);
}

static void not_a_report(void **state)
{
	json_t *doc = json_pack("{s:i, s:s}", "schema", 2, "command", "tcp");
	FILE *f = tmpfile();

	(void)state;
	assert_int_equal(np_report_write_html(doc, f), NP_EINVAL);
	fclose(f);
	json_decref(doc);
}

/* --- merge ---------------------------------------------------------------------- */

static json_t *site_report(const char *host, const char *source, const char *verdict, const char *status)
{
	json_t *fs = json_array();

	json_array_append_new(fs, doc_finding("tls", "login.example:443", "192.0.2.1", status, verdict,
					      json_pack("{s:s}", "path", "direct")));
	json_array_append_new(fs, doc_finding("tls", "login.example:443", "2001:db8::1", "pass", "tls.ok",
					      json_pack("{s:s}", "path", "direct")));
	return doc_report("tls", host, source, fs);
}

static void merge_has_a_column_per_host(void **state)
{
	struct np_merge *m = np_merge_new();
	char errbuf[NP_ERRBUF_SIZE];
	json_t *doc, *r, *rows, *hosts, *cells;
	char *s;

	(void)state;
	assert_non_null(m);
	r = site_report("site-a", "198.18.1.2", "tls.ok", "pass");
	assert_int_equal(np_merge_add(m, r, "a.json", errbuf), 0);
	json_decref(r);
	/* the IPv6-only client: same machine name, other addresses */
	r = site_report("site-a", "2001:db8:6::2", "tls.intercepted", "fail");
	assert_int_equal(np_merge_add(m, r, "c6.json", errbuf), 0);
	json_decref(r);
	/* an idle run from the first client: shares its column */
	r = doc_report("idle", "site-a", "198.18.1.2", doc_idle_findings());
	assert_int_equal(np_merge_add(m, r, "idle.json", errbuf), 0);
	json_decref(r);
	doc = np_merge_document(m);
	assert_non_null(doc);
	assert_int_equal(np_merge_check(doc, errbuf), 0);
	hosts = json_object_get(doc, "hosts");
	assert_int_equal(json_array_size(hosts), 2);
	assert_int_equal(json_array_size(json_object_get(json_array_get(hosts, 0), "reports")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(json_array_get(hosts, 1), "sources"), 0)),
			    "2001:db8:6::2");
	rows = json_object_get(doc, "rows");
	/* tls login.example direct, and idle tls.lab direct (rungs folded) */
	assert_int_equal(json_array_size(rows), 2);
	cells = json_object_get(json_array_get(rows, 0), "cells");
	assert_int_equal(json_array_size(cells), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(cells, 0), "status")), "pass");
	assert_string_equal(json_string_value(json_object_get(json_array_get(cells, 1), "status")), "fail");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(cells, 1), "findings")), 2);
	assert_int_equal(json_array_size(json_object_get(json_array_get(cells, 1), "verdicts")), 2);
	assert_true(json_is_null(json_array_get(json_object_get(json_array_get(rows, 1), "cells"), 1)));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "summary"), "total")), 8);
	assert_int_equal(json_array_size(json_object_get(doc, "reports")), 3);
	s = html_of(doc);
	assert_non_null(strstr(s, "netprobe sign-off: 2 hosts"));
	assert_non_null(strstr(s, "<section class=\"matrix\">"));
	assert_int_equal(count_of(s, "<th scope=\"col\"><strong>"), 2);
	assert_non_null(strstr(s, "not run"));
	assert_non_null(strstr(s, "<code>tls.intercepted</code>"));
	/* each host's own sections follow, the idle ladder among them */
	assert_int_equal(count_of(s, "<section class=\"host\">"), 2);
	assert_int_equal(count_of(s, "<section class=\"idle\">"), 1);
	free(s);
	np_merge_free(m);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void merge_input_errors_name_the_file(void **state)
{
	struct np_merge *m = np_merge_new();
	char errbuf[NP_ERRBUF_SIZE], dir[] = "/tmp/np-test-merge-XXXXXX", path[256];
	json_t *r, *merged;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/junk.json", dir);
	write_file(path, "hello\n");
	assert_int_equal(np_merge_add_file(m, path, errbuf), NP_EINVAL);
	assert_true(strncmp(errbuf, path, strlen(path)) == 0);
	assert_non_null(strstr(errbuf, "not JSON (line 1"));
	assert_null(strchr(errbuf, '\n'));
	write_file(path, "{\"schema\": 2, \"command\": \"tcp\", \"host\": {}, \"findings\": []}");
	assert_int_equal(np_merge_add_file(m, path, errbuf), NP_EINVAL);
	assert_non_null(strstr(errbuf, "report schema 2"));
	write_file(path, "[1, 2]");
	assert_int_equal(np_merge_add_file(m, path, errbuf), NP_EINVAL);
	assert_non_null(strstr(errbuf, "not a netprobe JSON report"));
	write_file(path, "{\"schema\": 1, \"command\": \"tcp\", \"host\": {}, \"findings\": [{\"check\": \"tcp\"}]}");
	assert_int_equal(np_merge_add_file(m, path, errbuf), NP_EINVAL);
	assert_non_null(strstr(errbuf, "findings[0] has no \"target\""));
	snprintf(path, sizeof(path), "%s/missing.json", dir);
	assert_int_equal(np_merge_add_file(m, path, errbuf), NP_ESYS);
	assert_non_null(strstr(errbuf, "No such file"));
	assert_int_equal(np_merge_count(m), 0);
	/* A merge read back gives its reports one by one. */
	r = site_report("site-b", "198.18.1.9", "tls.ok", "pass");
	assert_int_equal(np_merge_add(m, r, "b.json", errbuf), 0);
	json_decref(r);
	merged = np_merge_document(m);
	snprintf(path, sizeof(path), "%s/merged.json", dir);
	assert_int_equal(json_dump_file(merged, path, 0), 0);
	json_decref(merged);
	assert_int_equal(np_merge_add_file(m, path, errbuf), 0);
	assert_int_equal(np_merge_count(m), 2);
	unlink(path);
	snprintf(path, sizeof(path), "%s/junk.json", dir);
	unlink(path);
	rmdir(dir);
	np_merge_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hostile_text_is_escaped),
		cmocka_unit_test(idle_timeline_when_there_are_rungs),
		cmocka_unit_test(idle_rungs_drawn_shortest_first),
		cmocka_unit_test(idle_timeline_from_the_overall_finding_alone),
		cmocka_unit_test(no_timeline_without_rungs_and_timing_bars),
		cmocka_unit_test(checklist_first_and_timing_slowest_first),
		cmocka_unit_test(timing_chart_prints_in_pieces),
		cmocka_unit_test(path_trace_when_hops_exist),
		cmocka_unit_test(not_a_report),
		cmocka_unit_test(merge_has_a_column_per_host),
		cmocka_unit_test(merge_input_errors_name_the_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
