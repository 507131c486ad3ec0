/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The verdict registry is public vocabulary: scripts match on these codes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <regex.h>
#include <string.h>

#include "netprobe/verdict.h"

static void table_is_not_empty(void **state)
{
	size_t n = 0;

	(void)state;
	assert_non_null(np_verdict_table(&n));
	assert_true(n >= 5);
}

static void codes_are_unique(void **state)
{
	size_t n = 0;
	const struct np_verdict *v = np_verdict_table(&n);

	(void)state;
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (strcmp(v[i].code, v[j].code) == 0)
				fail_msg("'%s' is registered twice (entries %zu and %zu)", v[i].code, i, j);
}

static void codes_have_the_public_shape(void **state)
{
	size_t n = 0;
	const struct np_verdict *v = np_verdict_table(&n);
	regex_t re;

	(void)state;
	assert_int_equal(regcomp(&re, "^[a-z0-9]+\\.[a-z0-9_]+$", REG_EXTENDED | REG_NOSUB), 0);
	for (size_t i = 0; i < n; i++) {
		if (!v[i].code || regexec(&re, v[i].code, 0, NULL, 0) != 0) {
			regfree(&re);
			fail_msg("entry %zu: code '%s' is not <area>.<name>", i,
				 v[i].code ? v[i].code : "(null)");
		}
	}
	regfree(&re);
}

static void every_code_has_a_meaning_and_a_status(void **state)
{
	size_t n = 0;
	const struct np_verdict *v = np_verdict_table(&n);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		if (!v[i].meaning || v[i].meaning[0] == '\0')
			fail_msg("'%s' has no meaning", v[i].code);
		if ((unsigned)v[i].status >= NP_STATUS_COUNT)
			fail_msg("'%s' has status %d", v[i].code, (int)v[i].status);
		if (!v[i].advice)
			fail_msg("'%s' has a NULL advice (\"\" means none)", v[i].code);
	}
}

/* Telling a user something failed without saying what to do is not
 * allowed; an interruption is the user's own doing. */
static void every_non_pass_code_has_advice(void **state)
{
	size_t n = 0;
	const struct np_verdict *v = np_verdict_table(&n);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		if (v[i].status == NP_PASS || strcmp(v[i].code, "run.interrupted") == 0)
			continue;
		if (!v[i].advice || v[i].advice[0] == '\0')
			fail_msg("'%s' (%s) has no advice", v[i].code, np_status_name(v[i].status));
	}
}

static void get_finds_every_code(void **state)
{
	size_t n = 0;
	const struct np_verdict *v = np_verdict_table(&n);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		const struct np_verdict *got = np_verdict_get(v[i].code);

		if (!got)
			fail_msg("np_verdict_get('%s') is NULL", v[i].code);
		assert_string_equal(got->code, v[i].code);
		assert_ptr_equal(got, &v[i]);
	}
}

static void get_returns_null_for_unknown(void **state)
{
	(void)state;
	assert_null(np_verdict_get("tcp.nope"));
	assert_null(np_verdict_get(""));
	assert_null(np_verdict_get("tcp"));
	assert_null(np_verdict_get("TCP.OK"));
	assert_null(np_verdict_get("tcp.ok "));
	assert_null(np_verdict_get("tcp.o"));
}

/* The codes the tcp and trace probes and the run hand out must be
 * registered with the status the exit code depends on. */
static void known_codes_have_their_status(void **state)
{
	static const struct {
		const char *code;
		enum np_status status;
	} want[] = {
		{"tcp.ok", NP_PASS}, {"tcp.refused", NP_FAIL}, {"tcp.filtered", NP_FAIL},
		{"tcp.unreachable", NP_FAIL}, {"tcp.error", NP_ERROR}, {"tcp.rejected", NP_FAIL},
		{"tcp.sweep", NP_PASS},
		{"run.deadline", NP_ERROR}, {"run.interrupted", NP_SKIP},
		{"trace.reached", NP_PASS}, {"trace.blocked_at_hop", NP_FAIL}, {"trace.max_hops", NP_FAIL},
		{"trace.modified", NP_WARN}, {"trace.error", NP_ERROR},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct np_verdict *v = np_verdict_get(want[i].code);

		if (!v)
			fail_msg("'%s' is not registered", want[i].code);
		if (v->status != want[i].status)
			fail_msg("'%s' is %s, want %s", want[i].code, np_status_name(v->status),
				 np_status_name(want[i].status));
	}
}

static void status_names(void **state)
{
	(void)state;
	assert_int_equal(NP_STATUS_COUNT, 5);
	assert_string_equal(np_status_name(NP_PASS), "pass");
	assert_string_equal(np_status_name(NP_WARN), "warn");
	assert_string_equal(np_status_name(NP_FAIL), "fail");
	assert_string_equal(np_status_name(NP_ERROR), "error");
	assert_string_equal(np_status_name(NP_SKIP), "skip");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(table_is_not_empty),
		cmocka_unit_test(codes_are_unique),
		cmocka_unit_test(codes_have_the_public_shape),
		cmocka_unit_test(every_code_has_a_meaning_and_a_status),
		cmocka_unit_test(every_non_pass_code_has_advice),
		cmocka_unit_test(get_finds_every_code),
		cmocka_unit_test(get_returns_null_for_unknown),
		cmocka_unit_test(known_codes_have_their_status),
		cmocka_unit_test(status_names),
	};

	return cmocka_run_group_tests_name("verdict", tests, NULL, NULL);
}
