/* SPDX-License-Identifier: GPL-3.0-or-later */
/* netprobe idle's ladder: parsed, sorted, duplicates removed, bounded. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "netprobe/probe_idle.h"

static void parses_the_default_ladder(void **state)
{
	struct np_idle_plan p;
	char eb[NP_ERRBUF_SIZE];
	static const unsigned want[] = {60, 120, 180, 240, 300, 360};

	(void)state;
	memset(&p, 0, sizeof(p));
	assert_int_equal(np_idle_parse_ladder(NP_IDLE_DEFAULT_LADDER, &p, eb), 0);
	assert_int_equal(p.n_rungs, 6);
	assert_memory_equal(p.ladder, want, sizeof(want));
}

static void sorts_and_removes_duplicates(void **state)
{
	struct np_idle_plan p;
	char eb[NP_ERRBUF_SIZE];

	(void)state;
	memset(&p, 0, sizeof(p));
	assert_int_equal(np_idle_parse_ladder("300,60,300,1,86400", &p, eb), 0);
	assert_int_equal(p.n_rungs, 4);
	assert_int_equal(p.ladder[0], 1);
	assert_int_equal(p.ladder[1], 60);
	assert_int_equal(p.ladder[2], 300);
	assert_int_equal(p.ladder[3], 86400);
}

static void refuses_bad_ladders(void **state)
{
	struct np_idle_plan p;
	char eb[NP_ERRBUF_SIZE];
	static const char *const bad[] = {
		"", ",", "60,", ",60", "60,,120", "0", "86401", "-5", "+5", "5s", "1e3", " 60",
		"60 ,120", "99999999999999999999", "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&p, 0, sizeof(p));
		eb[0] = '\0';
		if (np_idle_parse_ladder(bad[i], &p, eb) != NP_EINVAL)
			fail_msg("accepted '%s'", bad[i]);
		assert_true(eb[0] != '\0');
	}
	/* sixteen is the most */
	assert_int_equal(np_idle_parse_ladder("1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16", &p, eb), 0);
	assert_int_equal(p.n_rungs, 16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_the_default_ladder),
		cmocka_unit_test(sorts_and_removes_duplicates),
		cmocka_unit_test(refuses_bad_ladders),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
