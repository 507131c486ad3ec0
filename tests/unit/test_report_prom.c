/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Prometheus textfile metrics from hand-made report documents: a parser
 * of the text exposition format (0.0.4) checks every output, so the test
 * holds without promtool; promtool, when installed, checks it too. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "netprobe/error.h"
#include "netprobe/report_prom.h"
#include "report_docs.h"
#include "text.h"

#define MAX_SERIES 256

static int name_char(int c, int first)
{
	return isalpha(c) || c == '_' || c == ':' || (!first && isdigit(c));
}

static char why[1200];

#define REFUSE(...) do { snprintf(why, sizeof(why), __VA_ARGS__); return why; } while (0)

/* One sample line: NAME{LABELS} VALUE. NULL when it keeps the grammar
 * (family gets NAME, series "NAME{LABELS}"), else what is wrong. */
static const char *parse_sample(const char *line, char *family, size_t flen, char *series, size_t slen,
				double *value)
{
	const char *p = line;
	char *end, names[32][64];
	size_t n_names = 0;

	while (name_char((unsigned char)*p, p == line))
		p++;
	if (p == line || *p != '{')
		REFUSE("no metric name and '{': %.900s", line);
	snprintf(family, flen, "%.*s", (int)(p - line), line);
	p++;
	while (*p != '}') {
		const char *ln = p;

		if (!name_char((unsigned char)*p, 1) || *p == ':')
			REFUSE("bad label name: %.900s", line);
		while (name_char((unsigned char)*p, 0) && *p != ':')
			p++;
		if (p[0] != '=' || p[1] != '"' || n_names == 32)
			REFUSE("label without =\": %.900s", line);
		snprintf(names[n_names], sizeof(names[0]), "%.*s", (int)(p - ln), ln);
		for (size_t i = 0; i < n_names; i++)
			if (strcmp(names[i], names[n_names]) == 0)
				REFUSE("label %.60s twice: %s", names[i], line);
		n_names++;
		for (p += 2; *p != '"'; p++) {
			if (*p == '\0')
				REFUSE("unterminated label value: %.900s", line);
			if (*p == '\\') {
				p++;
				if (*p != '\\' && *p != '"' && *p != 'n')
					REFUSE("bad escape: %.900s", line);
			}
		}
		p++;
		if (*p == ',')
			p++;
		else if (*p != '}')
			REFUSE("expected , or } after a label: %.900s", line);
	}
	p++;
	snprintf(series, slen, "%.*s", (int)(p - line), line);
	if (*p != ' ')
		REFUSE("no space before the value: %.900s", line);
	*value = strtod(p + 1, &end);
	if (end == p + 1 || *end != '\0')
		REFUSE("value is not one number (or a timestamp follows): %.900s", line);
	return NULL;
}

/* The whole text as netprobe must write it: HELP, then TYPE gauge, then
 * the family's samples; each family once and contiguous, every series
 * unique, no blank line, a final newline. NULL, or what is wrong. */
static const char *exposition_error(const char *text)
{
	static char families[64][96], series[MAX_SERIES][1024];
	char *copy, *save = NULL, *line, current[96] = "", typed[96] = "";
	size_t n_fam = 0, n_series = 0;
	const char *err = NULL;

	if (!text[0] || text[strlen(text) - 1] != '\n' || strstr(text, "\n\n"))
		REFUSE("no final newline, or a blank line");
	copy = strdup(text);
	assert_non_null(copy);
	for (line = strtok_r(copy, "\n", &save); line && !err; line = strtok_r(NULL, "\n", &save)) {
		char fam[96], ser[1024], name[96];
		double v;

		if (strncmp(line, "# HELP ", 7) == 0) {
			if (sscanf(line + 7, "%95s", name) != 1 || strlen(line) <= 8 + strlen(name)) {
				err = "HELP without a name and text";
				break;
			}
			for (size_t i = 0; i < n_fam && !err; i++)
				if (strcmp(families[i], name) == 0) {
					snprintf(why, sizeof(why), "family %.90s opened twice", name);
					err = why;
				}
			if (n_fam < 64)
				snprintf(families[n_fam++], sizeof(families[0]), "%s", name);
			snprintf(current, sizeof(current), "%s", name);
			typed[0] = '\0';
		} else if (strncmp(line, "# TYPE ", 7) == 0) {
			if (sscanf(line + 7, "%95s", name) != 1 || strcmp(name, current) != 0 ||
			    strcmp(line + 8 + strlen(name), "gauge") != 0) {
				snprintf(why, sizeof(why), "TYPE not a gauge of the family its HELP opened: %.900s", line);
				err = why;
			}
			snprintf(typed, sizeof(typed), "%s", name);
		} else if (line[0] == '#') {
			snprintf(why, sizeof(why), "unexpected comment: %.900s", line);
			err = why;
		} else if (!(err = parse_sample(line, fam, sizeof(fam), ser, sizeof(ser), &v))) {
			if (strcmp(fam, current) != 0 || strcmp(fam, typed) != 0) {
				snprintf(why, sizeof(why), "sample outside its family's HELP and TYPE: %.900s", line);
				err = why;
			}
			for (size_t i = 0; i < n_series && !err; i++)
				if (strcmp(series[i], ser) == 0) {
					snprintf(why, sizeof(why), "series twice: %.900s", ser);
					err = why;
				}
			if (n_series < MAX_SERIES)
				snprintf(series[n_series++], sizeof(series[0]), "%s", ser);
		}
	}
	free(copy);
	return err;
}

/* promtool's verdict when it is installed; 0 otherwise. */
static int promtool(const char *text)
{
	if (system("command -v promtool >/dev/null 2>&1") != 0)
		return 0;
	return tool_status("promtool check metrics <", text);
}

/* doc (taken) as checked exposition text. */
static char *prom_of(json_t *doc)
{
	FILE *f = tmpfile();
	char *s;

	assert_non_null(f);
	assert_int_equal(np_report_write_prom(doc, f), 0);
	s = slurp(f);
	fclose(f);
	json_decref(doc);
	if (exposition_error(s))
		fail_msg("%s\nin:\n%s", exposition_error(s), s);
	if (promtool(s) != 0)
		fail_msg("promtool check metrics refuses:\n%s", s);
	return s;
}

static void hostile_label_values_are_escaped(void **state)
{
	json_t *f = json_array();
	char *s;

	(void)state;
	json_array_append_new(f, doc_finding("tcp", HOSTILE, "192.0.2.1", "fail", "tcp.refused",
					     json_pack("{s:s}", "path", "a\"b\\c\nd")));
	s = prom_of(doc_report("tcp", HOSTILE, "192.0.2.10", f));
	assert_non_null(strstr(s, "target=\"<script>alert(\\\"x\\\")</script>\\n&amp; \\\\ ]]> -- 'q' \xc3\xa9\""));
	assert_non_null(strstr(s, "path=\"a\\\"b\\\\c\\nd\""));
	assert_non_null(strstr(s, "netprobe_check_success{check=\"tcp\","));
	assert_non_null(strstr(s, "verdict=\"tcp.refused\",status=\"fail\"} 0\n"));
	free(s);
}

static void every_series_is_unique(void **state)
{
	json_t *f = doc_idle_findings();
	char *s;

	(void)state;
	/* The same name asked of one resolver for A and for AAAA. */
	json_array_append_new(f, doc_finding("dns", "login.example", "192.0.2.53", "pass", "dns.ok",
					     json_pack("{s:s, s:s, s:f}", "resolver", "192.0.2.53", "type", "A",
						       "dns_ms", 2.5)));
	json_array_append_new(f, doc_finding("dns", "login.example", "192.0.2.53", "pass", "dns.ok",
					     json_pack("{s:s, s:s, s:f}", "resolver", "192.0.2.53", "type", "AAAA",
						       "dns_ms", 3.0)));
	/* Two findings alike in every label (explain can give such). */
	json_array_append_new(f, doc_finding("explain", "conn", "192.0.2.1", "fail", "idle.reset", NULL));
	json_array_append_new(f, doc_finding("explain", "conn", "192.0.2.1", "fail", "idle.reset", NULL));
	s = prom_of(doc_report("idle", "h", "192.0.2.10", f));
	assert_int_equal(count_of(s, "netprobe_check_success{"), 8);
	assert_non_null(strstr(s, "type=\"A\"} 1\n"));
	assert_non_null(strstr(s, "type=\"AAAA\"} 1\n"));
	assert_non_null(strstr(s, "scope=\"rung\",idle_s=\"60\"} 1\n"));
	assert_non_null(strstr(s, "scope=\"rung\",idle_s=\"120\"} 0\n"));
	assert_non_null(strstr(s, "scope=\"overall\"} 0\n"));
	assert_non_null(strstr(s, "verdict=\"idle.reset\",status=\"fail\"} 0\n"));
	assert_non_null(strstr(s, "verdict=\"idle.reset\",status=\"fail\",dup=\"2\"} 0\n"));
	assert_int_equal(count_of(s, "dup="), 1);
	free(s);
}

static void timings_in_seconds_and_idle_survival(void **state)
{
	json_t *f = doc_idle_findings();
	char *s;

	(void)state;
	json_array_append_new(f, doc_tls_finding("tls.lab:443", "198.19.4.2", "direct", 0.75));
	json_array_append_new(f, doc_finding("family", "dual.lab:443", "", "pass", "family.dual_stack",
					     json_pack("{s:f, s:f}", "ipv4_connect_ms", 1.5, "ipv6_connect_ms", 2.0)));
	s = prom_of(doc_report("tls", "h", "192.0.2.10", f));
	assert_non_null(strstr(s, "# TYPE netprobe_connect_seconds gauge\n"));
	assert_non_null(strstr(s, "verdict=\"tls.ok\",status=\"pass\"} 0.00075\n"));
	assert_non_null(strstr(s, "status=\"pass\",family=\"ipv4\"} 0.0015\n"));
	assert_non_null(strstr(s, "status=\"pass\",family=\"ipv6\"} 0.002\n"));
	assert_non_null(strstr(s, "netprobe_tls_handshake_seconds{check=\"tls\""));
	assert_non_null(strstr(s, "netprobe_dns_seconds{check=\"tls\""));
	assert_non_null(strstr(s, "netprobe_probe_duration_seconds{check=\"tls\""));
	/* Survival per path, from the overall finding only. */
	assert_int_equal(count_of(s, "netprobe_idle_survived_seconds{"), 1);
	assert_non_null(strstr(s, "path=\"direct\",resolver=\"\",verdict=\"idle.reset_by_path\",status=\"fail\","
			       "scope=\"overall\"} 60\n"));
	assert_int_equal(count_of(s, "netprobe_idle_required_seconds{"), 1);
	assert_int_equal(count_of(s, "netprobe_idle_lost_seconds{"), 1);
	assert_int_equal(count_of(s, "netprobe_idle_closed_after_seconds{"), 1);
	assert_non_null(strstr(s, "idle_s=\"120\"} 95.5\n"));
	free(s);
}

static void run_time_duration_and_counts(void **state)
{
	json_t *f = json_array();
	struct tm tm = {.tm_year = 2026 - 1900, .tm_mon = 10, .tm_mday = 25, .tm_hour = 12, .tm_min = 47, .tm_sec = 40};
	char want[96];
	char *s;

	(void)state;
	json_array_append_new(f, doc_finding("tcp", "a:1", "192.0.2.1", "pass", "tcp.ok", NULL));
	json_array_append_new(f, doc_finding("tcp", "b:1", "192.0.2.2", "warn", "tcp.ok", NULL));
	s = prom_of(doc_report("tcp", "h", "192.0.2.10", f));
	snprintf(want, sizeof(want), "netprobe_run_timestamp_seconds{command=\"tcp\"} %lld.107\n",
		 (long long)timegm(&tm));
	assert_non_null(strstr(s, want));
	assert_non_null(strstr(s, "netprobe_run_duration_seconds{command=\"tcp\"} 3.0125\n"));
	assert_non_null(strstr(s, "netprobe_findings{command=\"tcp\",status=\"pass\"} 1\n"));
	assert_non_null(strstr(s, "netprobe_findings{command=\"tcp\",status=\"warn\"} 1\n"));
	assert_non_null(strstr(s, "netprobe_findings{command=\"tcp\",status=\"fail\"} 0\n"));
	/* A warning is still a success: the run exits 0 for it too. */
	assert_non_null(strstr(s, "target=\"b:1\",address=\"192.0.2.2\",path=\"\",resolver=\"\",verdict=\"tcp.ok\","
			       "status=\"warn\"} 1\n"));
	/* Families with no sample are not written. */
	assert_null(strstr(s, "netprobe_idle_"));
	free(s);
}

static void empty_report_and_not_a_report(void **state)
{
	json_t *bad = json_pack("{s:i}", "schema", 1);
	FILE *f = tmpfile();
	char *s;

	(void)state;
	s = prom_of(doc_report("dns", "h", "192.0.2.10", json_array()));
	assert_non_null(strstr(s, "netprobe_findings{command=\"dns\",status=\"pass\"} 0\n"));
	assert_null(strstr(s, "netprobe_check_success"));
	free(s);
	assert_non_null(f);
	assert_int_equal(np_report_write_prom(bad, f), NP_EINVAL);
	fclose(f);
	json_decref(bad);
}

/* The parser must refuse what promtool refuses, or its pass means nothing. */
static void parser_refuses_bad_text(void **state)
{
	static const char *const bad[] = {
		"a{x=\"1\"} 2",                                                 /* no final newline */
		"# HELP a h\n# TYPE a gauge\na{x=\"1\"} 2\n\n",                 /* blank line */
		"a{x=\"1\"} 2\n",                                               /* no HELP/TYPE */
		"# HELP a h\n# TYPE a counter\na{x=\"1\"} 2\n",                 /* not a gauge */
		"# HELP a h\n# TYPE a gauge\na{x=\"1\"} 2\na{x=\"1\"} 3\n",    /* series twice */
		"# HELP a h\n# TYPE a gauge\na{x=\"\\t\"} 2\n",                /* bad escape */
		"# HELP a h\n# TYPE a gauge\na{x=\"1\",x=\"2\"} 2\n",          /* label twice */
		"# HELP a h\n# TYPE a gauge\na{x=\"1\"} 2 1700000000\n",       /* timestamp */
		"# HELP a h\n# TYPE a gauge\na{x=\"1} 2\n",                    /* unterminated */
		"# HELP a h\n# TYPE a gauge\nb{x=\"1\"} 2\n",                  /* other family */
		"# HELP a h\n# TYPE a gauge\na{x=\"1\"} 2\n# HELP b h\n# TYPE b gauge\nb{} 1\n"
		"# HELP a h\n# TYPE a gauge\na{x=\"2\"} 2\n",                  /* family split */
	};

	(void)state;
	assert_null(exposition_error("# HELP a h\n# TYPE a gauge\na{x=\"q\\\"\\\\\\n\",y=\"\"} 2.5e-3\na{x=\"2\"} 1\n"));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!exposition_error(bad[i]))
			fail_msg("the parser accepts bad text %zu:\n%s", i, bad[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hostile_label_values_are_escaped),
		cmocka_unit_test(every_series_is_unique),
		cmocka_unit_test(timings_in_seconds_and_idle_survival),
		cmocka_unit_test(run_time_duration_and_counts),
		cmocka_unit_test(empty_report_and_not_a_report),
		cmocka_unit_test(parser_refuses_bad_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
