/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The report as scripts and CI read it: JSON parsed back with jansson,
 * JUnit checked with xmllint, exit statuses, and secrets kept out. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "netprobe/error.h"
#include "netprobe/finding.h"
#include "netprobe/report.h"
#include "netprobe/verdict.h"
#include "text.h"

/* --- helpers ------------------------------------------------------------ */

/* Writes r as JSON, returns it parsed; *text (if asked) gets the bytes. */
static json_t *json_of(const struct np_report *r, char **text)
{
	FILE *f = tmpfile();
	json_error_t jerr;
	json_t *root;
	char *s;

	assert_non_null(f);
	assert_int_equal(np_report_write_json(r, f), 0);
	s = slurp(f);
	fclose(f);
	root = json_loads(s, 0, &jerr);
	if (!root)
		fail_msg("report JSON does not parse: line %d: %s\n%s", jerr.line, jerr.text, s);
	if (text)
		*text = s;
	else
		free(s);
	return root;
}

/* Writes r as JUnit; returns the bytes and what xmllint says of them. */
static char *junit_of(const struct np_report *r, int *xmllint_status)
{
	FILE *f = tmpfile();
	char *s;

	assert_non_null(f);
	assert_int_equal(np_report_write_junit(r, f), 0);
	s = slurp(f);
	fclose(f);
	*xmllint_status = tool_status("xmllint --noout ", s);
	return s;
}

static const char *jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v))
		fail_msg("'%s' is not a string", key);
	return json_string_value(v);
}


/* The opening tag "<testsuite name="NAME" ...>", for checking attributes
 * whatever their order. NULL if absent. */
static char *suite_tag(const char *xml, const char *name)
{
	char open[128];
	const char *p, *e;

	snprintf(open, sizeof(open), "<testsuite name=\"%s\"", name);
	p = strstr(xml, open);
	if (!p)
		return NULL;
	e = strchr(p, '>');
	if (!e)
		return NULL;
	return strndup(p, (size_t)(e - p + 1));
}

static void expect_attr(const char *tag, const char *attr)
{
	if (!tag || !strstr(tag, attr))
		fail_msg("%s lacks %s", tag ? tag : "(no testsuite)", attr);
}

static struct np_finding *finding(const char *check, const char *target, const char *addr,
				  const char *verdict)
{
	struct np_finding *f = np_finding_new(check, target, addr, verdict);

	assert_non_null(f);
	return f;
}

static void add(struct np_report *r, struct np_finding *f)
{
	assert_int_equal(np_report_add(r, f), 0);
}

/* One finding of each status, with every kind of field filled in. */
static struct np_report *sample_report(void)
{
	struct np_report *r = np_report_new("tcp example.com example.net:80");
	struct np_finding *f;

	assert_non_null(r);

	f = finding("tcp", "example.com:443", "192.0.2.1", "tcp.ok");
	assert_int_equal(np_finding_summary(f, "connected in %.2f ms", 1.25), 0);
	assert_int_equal(np_finding_metric_real(f, "connect_ms", 1.25), 0);
	assert_int_equal(np_finding_metric_int(f, "attempts", 3), 0);
	assert_int_equal(np_finding_metric_str(f, "source", "192.0.2.10"), 0);
	assert_int_equal(np_finding_evidence(f, 3, 1.5, "SYN-ACK from %s", "192.0.2.1"), 0);
	assert_int_equal(np_finding_evidence(f, 0, 0.25, "socket connected"), 0);
	add(r, f);

	f = finding("tcp", "example.com:443", "2001:db8::1", "tcp.ok");
	f->status = NP_WARN;
	assert_int_equal(np_finding_summary(f, "connected, but slowly"), 0);
	assert_int_equal(np_finding_advice(f, "Check the latency to %s.", "2001:db8::1"), 0);
	add(r, f);

	f = finding("tcp", "example.net:80", "198.51.100.7", "tcp.refused");
	assert_int_equal(np_finding_metric_real(f, "elapsed_ms", 0.5), 0);
	add(r, f);

	f = finding("dns", "bad.example", "", "dns.error");
	assert_int_equal(np_finding_summary(f, "resolver failed: %s", "bad config"), 0);
	add(r, f);

	f = finding("dns", "slow.example", NULL, "run.interrupted");
	add(r, f);

	assert_int_equal(np_report_add_source(r, "192.0.2.10"), 0);
	assert_int_equal(np_report_add_source(r, "192.0.2.10"), 0);
	assert_int_equal(np_report_add_resolver(r, "192.0.2.53"), 0);
	np_report_finish(r);
	return r;
}

/* --- JSON --------------------------------------------------------------- */

static void json_top_level(void **state)
{
	const char *tz = getenv("TZ");
	char *saved_tz = tz ? strdup(tz) : NULL;
	struct np_report *r;
	json_t *root, *host;
	char hostname[256] = "", want[64];
	const char *started;
	regex_t re;
	struct tm tm;

	(void)state;
	/* A zone 5:45 east of UTC: a local timestamp cannot pass for UTC. */
	setenv("TZ", "NPT-5:45", 1);
	tzset();
	r = sample_report();
	root = json_of(r, NULL);
	if (saved_tz) {
		setenv("TZ", saved_tz, 1);
		free(saved_tz);
	} else {
		unsetenv("TZ");
	}
	tzset();

	assert_true(json_is_integer(json_object_get(root, "schema")));
	assert_int_equal(json_integer_value(json_object_get(root, "schema")), 1);
	assert_string_equal(jstr(root, "version"), NP_VERSION);
	assert_string_equal(jstr(root, "command"), "tcp example.com example.net:80");

	started = jstr(root, "started");
	assert_int_equal(regcomp(&re, "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$",
				 REG_EXTENDED | REG_NOSUB), 0);
	if (regexec(&re, started, 0, NULL, 0) != 0) {
		regfree(&re);
		fail_msg("started '%s' is not an RFC 3339 UTC time with milliseconds", started);
	}
	regfree(&re);
	/* The run's own start time, in UTC. */
	assert_non_null(gmtime_r(&r->started.tv_sec, &tm));
	strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(want + strlen(want), sizeof(want) - strlen(want), ".%03ldZ",
		 r->started.tv_nsec / 1000000);
	assert_string_equal(started, want);

	assert_true(json_is_number(json_object_get(root, "duration_ms")));
	assert_true(json_number_value(json_object_get(root, "duration_ms")) >= 0);

	host = json_object_get(root, "host");
	assert_true(json_is_object(host));
	assert_int_equal(gethostname(hostname, sizeof(hostname) - 1), 0);
	assert_string_equal(jstr(host, "hostname"), hostname);
	assert_true(json_is_array(json_object_get(host, "sources")));
	assert_int_equal(json_array_size(json_object_get(host, "sources")), 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(host, "sources"), 0)),
			    "192.0.2.10");
	assert_string_equal(json_string_value(json_array_get(json_object_get(host, "resolvers"), 0)),
			    "192.0.2.53");
	assert_true(json_is_object(json_object_get(host, "proxy_env")));

	assert_non_null(json_object_get(root, "capture"));
	assert_true(json_is_null(json_object_get(root, "capture")));
	assert_true(json_is_null(json_object_get(root, "interrupted")));

	json_decref(root);
	np_report_free(r);
}

struct want_finding {
	const char *check, *target, *address, *status, *verdict, *summary, *advice;
	size_t n_metrics, n_evidence;
};

static void json_findings_in_order_with_every_field(void **state)
{
	const struct np_verdict *refused = np_verdict_get("tcp.refused");
	const struct np_verdict *interrupted = np_verdict_get("run.interrupted");
	const struct np_verdict *dnserr = np_verdict_get("dns.error");
	const struct want_finding want[] = {
		{"tcp", "example.com:443", "192.0.2.1", "pass", "tcp.ok",
		 "connected in 1.25 ms", "", 3, 2},
		{"tcp", "example.com:443", "2001:db8::1", "warn", "tcp.ok",
		 "connected, but slowly", "Check the latency to 2001:db8::1.", 0, 0},
		{"tcp", "example.net:80", "198.51.100.7", "fail", "tcp.refused",
		 refused->meaning, refused->advice, 1, 0},
		{"dns", "bad.example", "", "error", "dns.error",
		 "resolver failed: bad config", dnserr->advice, 0, 0},
		{"dns", "slow.example", "", "skip", "run.interrupted",
		 interrupted->meaning, "", 0, 0},
	};
	struct np_report *r = sample_report();
	json_t *root = json_of(r, NULL), *fs, *m, *ev, *e;

	(void)state;
	fs = json_object_get(root, "findings");
	assert_true(json_is_array(fs));
	assert_int_equal(json_array_size(fs), 5);
	for (size_t i = 0; i < 5; i++) {
		json_t *f = json_array_get(fs, i);
		const struct want_finding *w = &want[i];

		assert_true(json_is_object(f));
		assert_string_equal(jstr(f, "check"), w->check);
		assert_string_equal(jstr(f, "target"), w->target);
		assert_string_equal(jstr(f, "address"), w->address);
		assert_string_equal(jstr(f, "status"), w->status);
		assert_string_equal(jstr(f, "verdict"), w->verdict);
		assert_string_equal(jstr(f, "summary"), w->summary);
		assert_string_equal(jstr(f, "advice"), w->advice);
		assert_true(json_is_object(json_object_get(f, "metrics")));
		assert_int_equal(json_object_size(json_object_get(f, "metrics")), w->n_metrics);
		assert_true(json_is_array(json_object_get(f, "evidence")));
		assert_int_equal(json_array_size(json_object_get(f, "evidence")), w->n_evidence);
	}

	m = json_object_get(json_array_get(fs, 0), "metrics");
	assert_true(json_is_real(json_object_get(m, "connect_ms")));
	assert_true(fabs(json_real_value(json_object_get(m, "connect_ms")) - 1.25) < 1e-9);
	assert_true(json_is_integer(json_object_get(m, "attempts")));
	assert_int_equal(json_integer_value(json_object_get(m, "attempts")), 3);
	assert_string_equal(jstr(m, "source"), "192.0.2.10");
	m = json_object_get(json_array_get(fs, 2), "metrics");
	assert_true(fabs(json_number_value(json_object_get(m, "elapsed_ms")) - 0.5) < 1e-9);

	ev = json_object_get(json_array_get(fs, 0), "evidence");
	e = json_array_get(ev, 0);
	assert_true(json_is_integer(json_object_get(e, "frame")));
	assert_int_equal(json_integer_value(json_object_get(e, "frame")), 3);
	assert_true(fabs(json_number_value(json_object_get(e, "time_ms")) - 1.5) < 1e-9);
	assert_string_equal(jstr(e, "text"), "SYN-ACK from 192.0.2.1");
	e = json_array_get(ev, 1);
	/* Not captured: frame 0 is written as null, not as a frame number. */
	assert_non_null(json_object_get(e, "frame"));
	assert_true(json_is_null(json_object_get(e, "frame")));
	assert_true(fabs(json_number_value(json_object_get(e, "time_ms")) - 0.25) < 1e-9);
	assert_string_equal(jstr(e, "text"), "socket connected");

	json_decref(root);
	np_report_free(r);
}

static void json_summary_counts(void **state)
{
	static const char *const codes[NP_STATUS_COUNT] = {
		"tcp.ok", "tcp.ok", "tcp.refused", "tcp.error", "run.interrupted",
	};
	static const char *const names[NP_STATUS_COUNT] = {"pass", "warn", "fail", "error", "skip"};
	struct np_report *r = np_report_new("tcp");
	json_t *root, *sum;
	size_t counts[NP_STATUS_COUNT];

	(void)state;
	assert_non_null(r);
	/* 1 pass, 2 warn, 3 fail, 4 error, 5 skip: a swap shows. */
	for (int s = 0; s < NP_STATUS_COUNT; s++)
		for (int k = 0; k <= s; k++) {
			struct np_finding *f = finding(s % 2 ? "tcp" : "dns", "h:1", "192.0.2.1", codes[s]);

			f->status = (enum np_status)s;
			add(r, f);
		}
	np_report_counts(r, counts);
	for (int s = 0; s < NP_STATUS_COUNT; s++)
		assert_int_equal(counts[s], (size_t)s + 1);

	root = json_of(r, NULL);
	sum = json_object_get(root, "summary");
	assert_true(json_is_object(sum));
	for (int s = 0; s < NP_STATUS_COUNT; s++) {
		json_t *v = json_object_get(sum, names[s]);

		if (!json_is_integer(v) || json_integer_value(v) != s + 1)
			fail_msg("summary.%s is not %d", names[s], s + 1);
	}
	assert_int_equal(json_integer_value(json_object_get(sum, "total")), 15);
	assert_int_equal(json_array_size(json_object_get(root, "findings")), 15);
	json_decref(root);
	np_report_free(r);
}

static void json_empty_report(void **state)
{
	struct np_report *r = np_report_new("tcp");
	json_t *root, *sum;

	(void)state;
	assert_non_null(r);
	root = json_of(r, NULL);
	assert_int_equal(json_array_size(json_object_get(root, "findings")), 0);
	sum = json_object_get(root, "summary");
	assert_int_equal(json_integer_value(json_object_get(sum, "total")), 0);
	assert_int_equal(json_integer_value(json_object_get(sum, "fail")), 0);
	json_decref(root);
	np_report_free(r);
}

/* Network-derived text may be anything; the finding must still be there. */
static void json_keeps_findings_with_invalid_utf8(void **state)
{
	struct np_report *r = np_report_new("tcp");
	struct np_finding *f;
	json_t *root, *fs, *j;

	(void)state;
	assert_non_null(r);
	f = finding("tcp", "h:443", "192.0.2.1", "tcp.refused");
	assert_int_equal(np_finding_summary(f, "server said \xff\xfe here"), 0);
	assert_int_equal(np_finding_evidence(f, 1, 2.0, "banner \xc3\x28"), 0);
	add(r, f);
	add(r, finding("tcp", "h2:443", "192.0.2.2", "tcp.ok"));

	root = json_of(r, NULL);
	fs = json_object_get(root, "findings");
	assert_int_equal(json_array_size(fs), 2);
	j = json_array_get(fs, 0);
	assert_string_equal(jstr(j, "verdict"), "tcp.refused");
	assert_string_equal(jstr(j, "target"), "h:443");
	assert_string_equal(jstr(j, "status"), "fail");
	assert_true(strlen(jstr(j, "summary")) > 0);
	assert_int_equal(json_array_size(json_object_get(j, "evidence")), 1);
	assert_string_equal(jstr(json_array_get(fs, 1), "target"), "h2:443");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(root, "summary"), "fail")), 1);
	json_decref(root);
	np_report_free(r);
}

/* --- exit status -------------------------------------------------------- */

static int exit_status_of(const char *const *codes, size_t n, int signo)
{
	struct np_report *r = np_report_new("tcp");
	int st;

	assert_non_null(r);
	for (size_t i = 0; i < n; i++)
		add(r, finding("tcp", "h:1", "", codes[i]));
	r->signal = signo;
	st = np_report_exit_status(r);
	np_report_free(r);
	return st;
}

static void exit_statuses(void **state)
{
	static const char *const fail[] = {"tcp.ok", "tcp.refused", "tcp.error", "run.interrupted"};
	static const char *const error[] = {"tcp.ok", "tcp.error", "run.interrupted"};
	static const char *const error_only[] = {"tcp.error"};
	static const char *const fine[] = {"tcp.ok", "run.interrupted", "dns.ok"};

	(void)state;
	assert_int_equal(exit_status_of(fail, 4, 0), 1);
	assert_int_equal(exit_status_of(fail + 1, 1, 0), 1);
	assert_int_equal(exit_status_of(error, 3, 0), 3);
	assert_int_equal(exit_status_of(error_only, 1, 0), 3);
	assert_int_equal(exit_status_of(fine, 3, 0), 0);
	assert_int_equal(exit_status_of(fine + 1, 1, 0), 0);
	assert_int_equal(exit_status_of(NULL, 0, 0), 0);
	/* Interrupted wins over everything: 128 + signal, as shells do. */
	assert_int_equal(exit_status_of(NULL, 0, SIGINT), 130);
	assert_int_equal(exit_status_of(fail, 4, SIGINT), 130);
	assert_int_equal(exit_status_of(fine, 3, SIGTERM), 143);
}

static void exit_status_warn_only_is_zero(void **state)
{
	struct np_report *r = np_report_new("tcp");
	struct np_finding *f = finding("tcp", "h:1", "", "tcp.ok");

	(void)state;
	assert_non_null(r);
	f->status = NP_WARN;
	add(r, f);
	assert_int_equal(np_report_exit_status(r), 0);
	np_report_free(r);
}

static void json_names_the_interrupting_signal(void **state)
{
	struct np_report *r = np_report_new("tcp");
	json_t *root;

	(void)state;
	assert_non_null(r);
	add(r, finding("tcp", "h:1", "", "run.interrupted"));
	r->signal = SIGINT;
	root = json_of(r, NULL);
	assert_string_equal(jstr(root, "interrupted"), "SIGINT");
	json_decref(root);
	np_report_free(r);
}

/* --- JUnit -------------------------------------------------------------- */

static struct np_report *junit_report(const char *nasty_summary)
{
	struct np_report *r = np_report_new("tcp");
	struct np_finding *f;

	assert_non_null(r);
	add(r, finding("tcp", "a.example:443", "192.0.2.1", "tcp.ok"));
	f = finding("tcp", "b.example:443", "192.0.2.2", "tcp.refused");
	assert_int_equal(np_finding_summary(f, "%s", nasty_summary), 0);
	add(r, f);
	add(r, finding("dns", "c.example", "", "dns.error"));
	add(r, finding("dns", "d.example", "", "run.interrupted"));
	f = finding("tcp", "e.example:443", "192.0.2.5", "tcp.ok");
	f->status = NP_WARN;
	add(r, f);
	np_report_finish(r);
	return r;
}

/* A profile's run: one suite per checklist item, in the profile's order,
 * named as its author named the prerequisite, the item's line with it. */
static void junit_suites_are_the_checklist(void **state)
{
	struct np_report *r = np_report_new("run");
	struct np_finding *f;
	char *xml, *tag;
	int lint;

	(void)state;
	assert_non_null(r);
	assert_int_equal(np_report_add_section(r, "external DNS"), 0);
	assert_int_equal(np_report_add_section(r, "cloud endpoints over TLS 1.2"), 0);
	f = finding("tcp", "b.example:443", "192.0.2.2", "tcp.refused");
	np_finding_metric_str(f, "section", "cloud endpoints over TLS 1.2");
	add(r, f);
	f = finding("dns", "c.example", "", "dns.ok");
	np_finding_metric_str(f, "section", "external DNS");
	add(r, f);
	np_report_finish(r);
	xml = junit_of(r, &lint);
	if (lint != 0)
		fail_msg("xmllint exit %d on:\n%s", lint, xml);
	assert_int_equal(count_of(xml, "<testsuite "), 2);
	assert_true(strstr(xml, "<testsuite name=\"external DNS\"") <
		    strstr(xml, "<testsuite name=\"cloud endpoints over TLS 1.2\""));
	tag = suite_tag(xml, "cloud endpoints over TLS 1.2");
	expect_attr(tag, " failures=\"1\"");
	free(tag);
	assert_non_null(strstr(xml, "<property name=\"checklist\" value=\"the operator of b.example:443 must act: "
				    "tcp.refused\"/>"));
	free(xml);
	np_report_free(r);
}

static void junit_is_well_formed_and_complete(void **state)
{
	struct np_report *r = junit_report("peer said <&>\"' and \x01 then left");
	int lint;
	char *xml = junit_of(r, &lint), *tag;

	(void)state;
	if (lint != 0)
		fail_msg("xmllint exit %d on:\n%s", lint, xml);
	/* One suite per distinct check, one case per finding. */
	assert_int_equal(count_of(xml, "<testsuite "), 2);
	assert_int_equal(count_of(xml, "<testcase "), 5);
	assert_int_equal(count_of(xml, "<failure"), 1);
	assert_int_equal(count_of(xml, "<error"), 1);
	assert_int_equal(count_of(xml, "<skipped"), 1);

	tag = suite_tag(xml, "tcp");
	expect_attr(tag, " tests=\"3\"");
	expect_attr(tag, " failures=\"1\"");
	expect_attr(tag, " errors=\"0\"");
	expect_attr(tag, " skipped=\"0\"");
	free(tag);
	tag = suite_tag(xml, "dns");
	expect_attr(tag, " tests=\"2\"");
	expect_attr(tag, " failures=\"0\"");
	expect_attr(tag, " errors=\"1\"");
	expect_attr(tag, " skipped=\"1\"");
	free(tag);

	/* The failure is the refused one, in the tcp suite, with its text. */
	assert_non_null(strstr(xml, "tcp.refused"));
	assert_non_null(strstr(xml, "peer said &lt;&amp;&gt;&quot;&apos; and "));
	assert_null(strchr(xml, '\x01'));
	assert_null(strstr(xml, "<&>"));
	free(xml);
	np_report_free(r);
}

/* Text from the network may hold bytes that are not UTF-8; the XML says
 * it is UTF-8, so those must not reach it raw. */
static void junit_with_invalid_utf8_is_well_formed(void **state)
{
	struct np_report *r = junit_report("banner \xff\xfe \xc3\x28 end");
	int lint;
	char *xml = junit_of(r, &lint);
	size_t cases = count_of(xml, "<testcase ");

	(void)state;
	free(xml);
	np_report_free(r);
	if (lint != 0)
		fail_msg("xmllint exit %d: a summary holding bytes 0xff 0xfe makes the JUnit "
			 "file unreadable", lint);
	assert_int_equal(cases, 5);
}

/* --- secrets ------------------------------------------------------------ */

static void proxy_password_never_written(void **state)
{
	const char *saved = getenv("https_proxy");
	char *keep = saved ? strdup(saved) : NULL, *text, *xml;
	struct np_report *r;
	json_t *root, *env;
	int lint;

	(void)state;
	assert_int_equal(setenv("https_proxy", "http://bob:s3cret@proxy:3128", 1), 0);
	r = np_report_new("tcp");
	if (keep) {
		setenv("https_proxy", keep, 1);
		free(keep);
	} else {
		unsetenv("https_proxy");
	}
	assert_non_null(r);
	add(r, finding("tcp", "h:443", "192.0.2.1", "tcp.refused"));
	np_report_finish(r);

	root = json_of(r, &text);
	env = json_object_get(json_object_get(root, "host"), "proxy_env");
	assert_true(json_is_object(env));
	assert_string_equal(jstr(env, "https_proxy"), "http://bob:***@proxy:3128");
	assert_null(strstr(text, "s3cret"));
	xml = junit_of(r, &lint);
	assert_int_equal(lint, 0);
	assert_null(strstr(xml, "s3cret"));

	free(text);
	free(xml);
	json_decref(root);
	np_report_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(json_top_level),
		cmocka_unit_test(json_findings_in_order_with_every_field),
		cmocka_unit_test(json_summary_counts),
		cmocka_unit_test(json_empty_report),
		cmocka_unit_test(json_keeps_findings_with_invalid_utf8),
		cmocka_unit_test(exit_statuses),
		cmocka_unit_test(exit_status_warn_only_is_zero),
		cmocka_unit_test(json_names_the_interrupting_signal),
		cmocka_unit_test(junit_is_well_formed_and_complete),
		cmocka_unit_test(junit_suites_are_the_checklist),
		cmocka_unit_test(junit_with_invalid_utf8_is_well_formed),
		cmocka_unit_test(proxy_password_never_written),
	};

	return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
