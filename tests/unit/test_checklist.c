/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The checklist and who must act, from the findings of a recorded run of
 * the lab profile (fixtures/reports/lab-run.json: what `netprobe run
 * --profile fixtures/profiles/lab.yaml --json` wrote, certificate chains
 * left out) and from hand-made ones. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "netprobe/checklist.h"

/* A finding as --json writes it; metrics taken (NULL: none). */
static json_t *doc_finding(const char *check, const char *target, const char *address, const char *status,
			   const char *verdict, json_t *metrics)
{
	json_t *f = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:[]}", "check", check, "target", target,
			      "address", address, "status", status, "verdict", verdict, "summary", "a summary",
			      "metrics", metrics ? metrics : json_object(), "evidence");

	assert_non_null(f);
	return f;
}

static json_t *recorded(void)
{
	const char *d = getenv("NP_FIXTURES_REPORTS");
	char path[512];
	json_error_t err;
	json_t *doc;

	snprintf(path, sizeof(path), "%s/lab-run.json", d && *d ? d : "fixtures/reports");
	doc = json_load_file(path, 0, &err);
	if (!doc)
		fail_msg("%s: %s (run from the top of the tree)", path, err.text);
	return doc;
}

/* The first finding of verdict at target and address ("" for any). */
static const json_t *find(const json_t *findings, const char *verdict, const char *target, const char *address,
			  const char *scope)
{
	const json_t *f;
	size_t i;

	json_array_foreach(findings, i, f) {
		const char *sc = json_string_value(json_object_get(json_object_get(f, "metrics"), "scope"));

		if (strcmp(json_string_value(json_object_get(f, "verdict")), verdict) == 0 &&
		    (!target[0] || strcmp(json_string_value(json_object_get(f, "target")), target) == 0) &&
		    (!address[0] || strcmp(json_string_value(json_object_get(f, "address")), address) == 0) &&
		    (!scope || (sc && strcmp(sc, scope) == 0)))
			return f;
	}
	fail_msg("no %s finding at %s %s in the recording", verdict, target, address);
	return NULL;
}

static void expect_actor(const json_t *findings, const json_t *f, const char *want)
{
	char buf[NP_CHECKLIST_ACTOR_MAX];

	assert_non_null(f);
	assert_string_equal(np_checklist_actor(f, findings, buf, sizeof(buf)), want);
}

/* Each kind of culprit, named by the evidence the findings carry. */
static void actors_from_recorded_findings(void **state)
{
	json_t *doc = recorded();
	const json_t *fs = json_object_get(doc, "findings");

	(void)state;
	/* A reject says its sender and hop itself. */
	expect_actor(fs, find(fs, "tcp.rejected", "server.lab:83", "198.19.4.2", NULL),
		     "the firewall at hop 2 (198.18.2.2)");
	/* An idle reset knows only the hop (the device forged the server's
	 * address): the hop's address comes from the trace of the path. */
	expect_actor(fs, find(fs, "idle.reset_by_path", "tls.lab:86", "2001:db8:4::10", "rung"),
		     "the firewall at hop 2 (2001:db8:2::2)");
	/* The ladder's overall finding: the hop its rungs name. */
	expect_actor(fs, find(fs, "idle.reset_by_path", "tls.lab:86", "2001:db8:4::10", "overall"),
		     "the firewall at hop 2 (2001:db8:2::2)");
	/* A silent drop: where the trace of the same flow died. */
	expect_actor(fs, find(fs, "tcp.filtered", "server.lab:81", "198.19.4.2", NULL),
		     "the firewall at hop 2 (198.18.2.2)");
	/* A silent drop nothing located. */
	expect_actor(fs, find(fs, "idle.dropped", "tls.lab:87", "2001:db8:4::10", "rung"),
		     "a firewall on the path to 2001:db8:4::10 (netprobe trace names the hop)");
	expect_actor(fs, find(fs, "proxy.auth_required", "tls.lab:443", "", NULL), "the proxy 198.19.4.30:3128");
	expect_actor(fs, find(fs, "idle.closed_by_proxy", "tls.lab:88", "", "overall"), "the proxy 198.19.4.36:3128");
	expect_actor(fs, find(fs, "tls.intercepted", "tls.lab:443", "198.19.4.35", NULL), "the proxy 198.19.4.35:3128");
	expect_actor(fs, find(fs, "dns.refused", "www.example.net A", "", NULL), "the DNS resolver 198.19.4.54");
	expect_actor(fs, find(fs, "dns.tcp_blocked", "", "", NULL),
		     "the firewall on the path to the DNS resolver 198.19.4.59 (TCP port 53)");
	expect_actor(fs, find(fs, "tls.expired", "expired.lab:443", "198.19.4.11", NULL),
		     "the operator of expired.lab:443");
	expect_actor(fs, find(fs, "idle.closed_by_peer", "tls.lab:89", "", "overall"), "the operator of tls.lab:89");
	/* Expected closed, found open: the firewall that should close it. */
	expect_actor(fs, find(fs, "tcp.ok", "server.lab:80", "198.19.4.2", NULL),
		     "the firewall on the path to 198.19.4.2 (it must close this flow)");
	expect_actor(fs, find(fs, "profile.skipped", "${dc}:389", "", NULL), "whoever runs netprobe (--set dc=...)");
	/* Nobody, for a pass. */
	expect_actor(fs, find(fs, "tls.ok", "tls.lab:443", "", NULL), "");
	/* Alone, a finding still names its hop. */
	expect_actor(NULL, find(fs, "idle.reset_by_path", "tls.lab:86", "2001:db8:4::10", "rung"),
		     "the firewall at hop 2 on the path to 2001:db8:4::10");
	json_decref(doc);
}

static void local_problems_are_this_servers(void **state)
{
	json_t *f = doc_finding("family", "this host", "", "fail", "family.offline", NULL);
	char buf[NP_CHECKLIST_ACTOR_MAX];

	(void)state;
	assert_string_equal(np_checklist_actor(f, NULL, buf, sizeof(buf)), "this server's configuration");
	json_decref(f);
	f = doc_finding("capture", "capture", "", "warn", "capture.dropped", NULL);
	assert_string_equal(np_checklist_actor(f, NULL, buf, sizeof(buf)), "this server's configuration");
	json_decref(f);
}

/* An answer the capture saw arrive and the socket never got: this host's
 * inbound rules must act, not the resolver that answered. */
static void answers_dropped_by_this_host(void **state)
{
	char buf[NP_CHECKLIST_ACTOR_MAX];
	json_t *f = doc_finding("dns", "www.example.net A", "198.51.100.53", "fail", "dns.dropped_by_host",
				json_pack("{s:s}", "resolver", "198.51.100.53"));

	(void)state;
	assert_string_equal(np_checklist_actor(f, NULL, buf, sizeof(buf)),
			    "this host's firewall (its inbound rules for DNS answers from 198.51.100.53)");
	json_decref(f);
	f = doc_finding("dns", "np-x.com A", "198.51.100.53", "warn", "dns.rewrite_unknown",
			json_pack("{s:s, s:s}", "resolver", "198.51.100.53", "reason", "dropped_by_host"));
	assert_string_equal(np_checklist_actor(f, NULL, buf, sizeof(buf)),
			    "this host's firewall (its inbound rules for DNS answers from 198.51.100.53)");
	json_decref(f);
	/* no answer at all: the resolver's */
	f = doc_finding("dns", "np-x.com A", "198.51.100.53", "warn", "dns.rewrite_unknown",
			json_pack("{s:s, s:s}", "resolver", "198.51.100.53", "reason", "timeout"));
	assert_string_equal(np_checklist_actor(f, NULL, buf, sizeof(buf)), "the DNS resolver 198.51.100.53");
	json_decref(f);
}

static const json_t *item(const json_t *list, const char *name)
{
	const json_t *it;
	size_t i;

	json_array_foreach(list, i, it)
		if (strcmp(json_string_value(json_object_get(it, "item")), name) == 0)
			return it;
	fail_msg("no item '%s'", name);
	return NULL;
}

static int has_str(const json_t *a, const char *s)
{
	const json_t *v;
	size_t i;

	json_array_foreach(a, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
			return 1;
	return 0;
}

/* The lab's prerequisites in the profile's order, each with the worst
 * status of its findings, who must act, and links to its findings. */
static void checklist_of_the_lab_run(void **state)
{
	static const char *const want[] = {
		"external DNS", "domain controllers", "firewall rule matrix", "TLS endpoints", "proxies",
		"revocation over HTTP", "idle \u2265 4 s", "proxy idle \u2265 4 s", "no NAT", "address families",
		"path trace",
	};
	json_t *doc = recorded(), *order = json_array(), *list;
	const json_t *fs = json_object_get(doc, "findings"), *it, *f;
	size_t i, total = 0;

	(void)state;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		json_array_append_new(order, json_string(want[i]));
	/* An item the profile names whose checks did not run is left out. */
	json_array_insert_new(order, 1, json_string("not run (--only)"));
	list = np_checklist_build(fs, order);
	assert_non_null(list);
	assert_int_equal(json_array_size(list), sizeof(want) / sizeof(want[0]));
	json_array_foreach(list, i, it) {
		assert_string_equal(json_string_value(json_object_get(it, "item")), want[i]);
		total += json_array_size(json_object_get(it, "findings"));
	}
	/* Every finding is in one item. */
	assert_int_equal(total, json_array_size(fs));

	it = item(list, "idle \u2265 4 s");
	assert_string_equal(json_string_value(json_object_get(it, "status")), "fail");
	assert_true(has_str(json_object_get(it, "who"), "the firewall at hop 2 (2001:db8:2::2)"));
	assert_non_null(strstr(json_string_value(json_object_get(it, "line")),
			       "the firewall at hop 2 (2001:db8:2::2) must act: idle.reset_by_path at tls.lab:86"));
	/* Its links lead to its findings, and its problems are theirs. */
	json_array_foreach(json_object_get(it, "problems"), i, f) {
		const char *id = json_string_value(f);
		const json_t *g = json_array_get(fs, strtoul(id + 1, NULL, 10) - 1);

		assert_string_equal(json_string_value(json_object_get(g, "id")), id);
		assert_string_equal(json_string_value(json_object_get(json_object_get(g, "metrics"), "section")),
				    "idle \u2265 4 s");
		assert_string_not_equal(json_string_value(json_object_get(g, "status")), "pass");
		assert_true(has_str(json_object_get(it, "findings"), id));
	}
	it = item(list, "proxies");
	assert_string_equal(json_string_value(json_object_get(it, "status")), "fail");
	assert_true(has_str(json_object_get(it, "who"), "the proxy 198.19.4.30:3128"));
	assert_true(has_str(json_object_get(it, "who"), "the proxy 198.19.4.35:3128"));
	it = item(list, "proxy idle \u2265 4 s");
	assert_string_equal(json_string_value(json_object_get(it, "status")), "warn");
	it = item(list, "no NAT");
	assert_string_equal(json_string_value(json_object_get(it, "status")), "skip");
	assert_string_equal(json_string_value(json_object_get(it, "line")),
			    "not run: whoever runs netprobe (--set responder=...) must act");
	it = item(list, "path trace");
	assert_string_equal(json_string_value(json_object_get(it, "status")), "pass");
	assert_string_equal(json_string_value(json_object_get(it, "line")), "all 4 findings pass");
	assert_int_equal(json_array_size(json_object_get(it, "who")), 0);
	json_decref(list);
	json_decref(order);
	json_decref(doc);
}

/* A single command: one item per check kind, in order of first finding. */
static void without_a_profile_items_are_check_kinds(void **state)
{
	json_t *fs = json_array(), *list;

	(void)state;
	json_array_append_new(fs, doc_finding("tcp", "a:80", "198.51.100.1", "pass", "tcp.ok", NULL));
	json_array_append_new(fs, doc_finding("dns", "a A", "198.51.100.53", "fail", "dns.timeout",
					      json_pack("{s:s}", "resolver", "198.51.100.53")));
	json_array_append_new(fs, doc_finding("tcp", "a:81", "198.51.100.1", "fail", "tcp.refused", NULL));
	list = np_checklist_build(fs, NULL);
	assert_non_null(list);
	assert_int_equal(json_array_size(list), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "item")), "tcp");
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "line")),
			    "the operator of a:81 must act: tcp.refused (1 of 2 findings pass)");
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 1), "line")),
			    "the DNS resolver 198.51.100.53 must act: dns.timeout at a A");
	json_decref(list);
	json_decref(fs);
}

/* Whatever a merged file holds: wrong types, no crash, a bounded line. */
static void hostile_documents(void **state)
{
	json_t *fs = json_array(), *list, *metrics = json_object();
	char long_target[4000];

	(void)state;
	memset(long_target, 'x', sizeof(long_target) - 1);
	long_target[sizeof(long_target) - 1] = '\0';
	json_array_append_new(fs, json_string("not an object"));
	json_array_append_new(fs, json_pack("{s:i, s:[]}", "verdict", 7, "metrics"));
	json_object_set_new(metrics, "hops", json_pack("[{s:i, s:i}, {s:s, s:s}]", "hop", 9999, "address", 3,
						      "hop", "two", "address", "x"));
	json_object_set_new(metrics, "sender_hop", json_real(-1));
	json_object_set_new(metrics, "section", json_integer(5));
	json_array_append_new(fs, doc_finding("tcp", long_target, "", "fail", "tcp.rejected", metrics));
	for (int i = 0; i < 20; i++)
		json_array_append_new(fs, doc_finding("tcp", long_target, "", "fail", i % 2 ? "tcp.refused" : "tcp.reset",
						      NULL));
	list = np_checklist_build(fs, json_object_get(fs, "not an array"));
	assert_non_null(list);
	for (size_t i = 0; i < json_array_size(list); i++)
		assert_true(strlen(json_string_value(json_object_get(json_array_get(list, i), "line"))) <
			    NP_CHECKLIST_LINE_MAX);
	json_decref(list);
	json_decref(fs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(actors_from_recorded_findings),
		cmocka_unit_test(local_problems_are_this_servers),
		cmocka_unit_test(answers_dropped_by_this_host),
		cmocka_unit_test(checklist_of_the_lab_run),
		cmocka_unit_test(without_a_profile_items_are_check_kinds),
		cmocka_unit_test(hostile_documents),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
