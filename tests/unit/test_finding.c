/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A finding's arena and metrics: what --json and the checklist read of it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "netprobe/arena.h"
#include "netprobe/finding.h"

/* Pieces come from the owner's buffer first, then from chunks; each is
 * aligned and none overlaps another. */
static void arena_fills_its_buffer_then_chunks(void **state)
{
	unsigned char buf[100];
	struct np_arena a;
	char *p[200];

	(void)state;
	np_arena_init(&a, buf, sizeof(buf), 0);
	p[0] = np_arena_alloc(&a, 10);
	assert_true((unsigned char *)p[0] >= buf && (unsigned char *)p[0] < buf + sizeof(buf));
	assert_null(a.chunks);
	for (int i = 1; i < 200; i++) {
		p[i] = np_arena_alloc(&a, 40);
		assert_non_null(p[i]);
		assert_int_equal((uintptr_t)p[i] % _Alignof(max_align_t), 0);
		memset(p[i], i, 40);
	}
	assert_non_null(a.chunks);
	for (int i = 1; i < 200; i++)
		for (int k = 0; k < 40; k++)
			assert_int_equal((unsigned char)p[i][k], (unsigned char)i);
	/* A piece larger than any chunk gets one of its own. */
	assert_non_null(np_arena_alloc(&a, 1 << 20));
	np_arena_release(&a);
	assert_null(a.chunks);
	assert_int_equal(a.left, 0);
}

/* Texts that fit where the arena is and texts that do not come out whole. */
static void arena_texts(void **state)
{
	unsigned char buf[64];
	struct np_arena a;
	char big[3000];
	const char *s, *t, *u;

	(void)state;
	np_arena_init(&a, buf, sizeof(buf), 0);
	s = np_arena_printf(&a, "%s=%d", "ttl", 300);
	assert_string_equal(s, "ttl=300");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	t = np_arena_printf(&a, "<%s>", big);
	assert_int_equal(strlen(t), sizeof(big) + 1);
	assert_int_equal(t[0], '<');
	assert_int_equal(t[sizeof(big)], '>');
	u = np_arena_strndup(&a, "resolver", 3);
	assert_string_equal(u, "res");
	/* Texts are packed; what follows them is aligned again. */
	assert_ptr_equal(np_arena_strdup(&a, "ab"), u + 4);
	assert_int_equal((uintptr_t)np_arena_alloc(&a, 8) % _Alignof(max_align_t), 0);
	assert_string_equal(s, "ttl=300");     /* nothing earlier was moved */
	assert_string_equal(np_arena_strdup(&a, ""), "");
	np_arena_release(&a);
}

/* A bounded arena refuses past its limit, and stays usable. */
static void arena_limit(void **state)
{
	struct np_arena a;
	size_t got = 0;

	(void)state;
	np_arena_init(&a, NULL, 0, 16 * 1024);
	while (np_arena_alloc(&a, 500))
		got += 500;
	assert_true(got > 8 * 1024);
	assert_true(a.held <= 16 * 1024);
	assert_null(np_arena_alloc(&a, 64 * 1024));
	np_arena_release(&a);
	assert_int_equal(a.limit, 16 * 1024);
	assert_non_null(np_arena_alloc(&a, 500));
	np_arena_release(&a);
}

/* Metrics in the order set; a name set again keeps its place with the new
 * value; null, numbers, texts and JSON come out as --json writes them. */
static void metrics_as_json(void **state)
{
	struct np_finding *f = np_finding_new("dns", "www.example.net A", "198.19.4.53", "dns.ok");
	json_t *m, *merge;
	char *text;
	double d;

	(void)state;
	assert_non_null(f);
	assert_int_equal(np_finding_metric_str(f, "resolver", "198.19.4.53"), 0);
	assert_int_equal(np_finding_metric_real(f, "dns_ms", 1.23456), 0);
	assert_int_equal(np_finding_metric_int(f, "ttl", 300), 0);
	assert_int_equal(np_finding_metric_opt_int(f, "hop", -1), 0);
	assert_int_equal(np_finding_metric_opt_str(f, "cname", ""), 0);
	assert_int_equal(np_finding_metric_json(f, "answers", json_pack("[s]", "198.19.5.10")), 0);
	assert_int_equal(np_finding_metric_int(f, "ttl", 60), 0);
	merge = json_pack("{s:i, s:s}", "open", 3, "resolver", "198.19.4.56");
	assert_int_equal(np_finding_metric_merge(f, merge), 0);
	json_decref(merge);
	/* Not UTF-8 (a byte off the network): marked, not dropped. */
	assert_int_equal(np_finding_metric_str(f, "defect", "\xff\xfe"), 0);
	m = np_finding_metrics_json(f);
	text = json_dumps(m, JSON_COMPACT | JSON_REAL_PRECISION(10));   /* as --json writes */
	assert_string_equal(text, "{\"resolver\":\"198.19.4.56\",\"dns_ms\":1.235,\"ttl\":60,\"hop\":null,"
			    "\"cname\":null,\"answers\":[\"198.19.5.10\"],\"open\":3,\"defect\":\"(invalid UTF-8)\"}");
	free(text);
	json_decref(m);
	/* Read back as the checklist and watch read them. */
	assert_string_equal(np_finding_metric_text(f, "resolver"), "198.19.4.56");
	assert_string_equal(np_finding_metric_text(f, "ttl"), "");
	assert_true(np_finding_metric_num(f, "ttl", &d) && d == 60);
	assert_true(np_finding_metric_num(f, "open", &d) && d == 3);
	/* A number or text set as JSON is held as the scalar it is. */
	assert_int_equal(np_finding_metric(f, "open")->kind, NP_METRIC_INT);
	assert_int_equal(np_finding_metric(f, "resolver")->kind, NP_METRIC_STR);
	assert_int_equal(np_finding_metric(f, "answers")->kind, NP_METRIC_JSON);
	assert_false(np_finding_metric_num(f, "hop", &d));
	assert_int_equal(np_finding_metric(f, "hop")->kind, NP_METRIC_NULL);
	assert_null(np_finding_metric(f, "absent"));
	assert_int_equal(json_array_size(np_finding_metric_value(f, "answers")), 1);
	m = np_finding_metric_to_json(f, "absent");
	assert_true(json_is_null(m));
	json_decref(m);
	np_finding_free(f);
}

/* Many metrics and evidence lines: past the inline store, nothing lost. */
static void finding_grows_past_its_store(void **state)
{
	struct np_finding *f = np_finding_new("tcp", "login.example.net:443", NULL, "tcp.ok");
	static const char *const names[] = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l",
					    "m", "n", "o", "p", "q", "r", "s", "t"};

	(void)state;
	assert_non_null(f);
	assert_string_equal(f->address, "");
	for (int i = 0; i < 20; i++)
		assert_int_equal(np_finding_metric_int(f, names[i], i), 0);
	for (int i = 0; i < 100; i++)
		assert_int_equal(np_finding_evidence(f, i + 1, i * 0.5, "frame %d: SYN to %s", i + 1, f->target), 0);
	assert_int_equal(np_finding_summary(f, "%s answered after %d ms", f->target, 12), 0);
	assert_int_equal(f->n_metrics, 20);
	for (int i = 0; i < 20; i++)
		assert_int_equal(np_finding_metric(f, names[i])->v.i, i);
	assert_int_equal(f->n_evidence, 100);
	assert_string_equal(f->evidence[99].text, "frame 100: SYN to login.example.net:443");
	assert_int_equal(f->evidence[42].frame, 43);
	assert_string_equal(f->summary, "login.example.net:443 answered after 12 ms");
	assert_string_equal(f->check, "tcp");
	np_finding_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(arena_fills_its_buffer_then_chunks),
		cmocka_unit_test(arena_texts),
		cmocka_unit_test(arena_limit),
		cmocka_unit_test(metrics_as_json),
		cmocka_unit_test(finding_grows_past_its_store),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
