/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Per-source token buckets: the burst, the refill, sources kept apart,
 * IPv4-mapped addresses as IPv4, and a table that forgets its least recently
 * seen source when full. Time is passed in: no sleeping. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>

#include "netprobe/addr.h"
#include "netprobe/ratelimit.h"

static struct sockaddr_storage src(const char *text)
{
	struct sockaddr_storage ss;

	assert_int_equal(np_addr_parse_port(text, &ss), 0);
	return ss;
}

#define SA(ss) ((struct sockaddr *)&(ss))

static void burst_then_refill(void **state)
{
	char eb[NP_ERRBUF_SIZE];
	struct np_ratelimit *rl = np_ratelimit_new(10, 5, 16, eb);
	struct sockaddr_storage a = src("198.18.1.2:1000"), a2 = src("198.18.1.2:2000");
	int64_t t = 1000000;

	(void)state;
	assert_non_null(rl);
	for (int i = 0; i < 5; i++)
		assert_true(np_ratelimit_take(rl, SA(a), t));
	/* The port does not make another source. */
	assert_false(np_ratelimit_take(rl, SA(a2), t));
	/* 10 a second: one token per 100 ms, not before. */
	assert_false(np_ratelimit_take(rl, SA(a), t + 99999));
	assert_true(np_ratelimit_take(rl, SA(a), t + 100000));
	assert_false(np_ratelimit_take(rl, SA(a), t + 100000));
	/* A long pause refills to the burst, no more. */
	t += 3600LL * 1000000;
	for (int i = 0; i < 5; i++)
		assert_true(np_ratelimit_take(rl, SA(a), t));
	assert_false(np_ratelimit_take(rl, SA(a), t));
	/* A clock that does not move forward gives nothing back. */
	assert_false(np_ratelimit_take(rl, SA(a), t - 1000000));
	np_ratelimit_free(rl);
}

static void sources_are_apart_and_mapped_is_ipv4(void **state)
{
	char eb[NP_ERRBUF_SIZE];
	struct np_ratelimit *rl = np_ratelimit_new(1, 1, 16, eb);
	struct sockaddr_storage v4 = src("198.18.1.2:1"), mapped = src("[::ffff:198.18.1.2]:2");
	struct sockaddr_storage v6 = src("[2001:db8:1::2]:1"), other = src("198.18.1.3:1");

	(void)state;
	assert_true(np_ratelimit_take(rl, SA(v4), 0));
	assert_false(np_ratelimit_take(rl, SA(mapped), 0));
	assert_true(np_ratelimit_take(rl, SA(v6), 0));
	assert_true(np_ratelimit_take(rl, SA(other), 0));
	assert_int_equal(np_ratelimit_count(rl), 3);
	np_ratelimit_free(rl);
}

static void table_forgets_the_least_recent(void **state)
{
	char eb[NP_ERRBUF_SIZE], text[64];
	struct np_ratelimit *rl = np_ratelimit_new(1, 1, 4, eb);
	struct sockaddr_storage s[6];

	(void)state;
	for (int i = 0; i < 6; i++) {
		snprintf(text, sizeof(text), "198.18.1.%d:1", i + 1);
		s[i] = src(text);
	}
	for (int i = 0; i < 4; i++)
		assert_true(np_ratelimit_take(rl, SA(s[i]), 0));
	/* s[0] is seen again (refused, but now the most recent). */
	assert_false(np_ratelimit_take(rl, SA(s[0]), 0));
	/* A fifth source evicts the least recent: s[1]. */
	assert_true(np_ratelimit_take(rl, SA(s[4]), 0));
	assert_int_equal(np_ratelimit_count(rl), 4);
	assert_false(np_ratelimit_take(rl, SA(s[0]), 0));
	assert_false(np_ratelimit_take(rl, SA(s[2]), 0));
	/* s[1] was forgotten: it comes back with a full bucket. */
	assert_true(np_ratelimit_take(rl, SA(s[1]), 0));
	/* Many more sources than the table holds: it stays bounded. */
	for (int i = 0; i < 5000; i++) {
		struct sockaddr_storage x;

		snprintf(text, sizeof(text), "[2001:db8::%x:%x]:1", i >> 8, i & 0xff);
		x = src(text);
		assert_true(np_ratelimit_take(rl, SA(x), 1));
	}
	assert_int_equal(np_ratelimit_count(rl), 4);
	np_ratelimit_free(rl);
}

static void refuses_zero_settings(void **state)
{
	char eb[NP_ERRBUF_SIZE];

	(void)state;
	assert_null(np_ratelimit_new(0, 1, 1, eb));
	assert_null(np_ratelimit_new(1, 0, 1, eb));
	assert_null(np_ratelimit_new(1, 1, 0, eb));
	np_ratelimit_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(burst_then_refill),
		cmocka_unit_test(sources_are_apart_and_mapped_is_ipv4),
		cmocka_unit_test(table_forgets_the_least_recent),
		cmocka_unit_test(refuses_zero_settings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
