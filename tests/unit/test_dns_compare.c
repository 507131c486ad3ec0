/* SPDX-License-Identifier: GPL-3.0-or-later */
/* dns.inconsistent: resolvers compared on their definitive answers. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "netprobe/dns_compare.h"

static const char *const www = "www.example.net", *const login = "login.example.net";

#define R(ri_, name_, type_, res_, verdict_, answers_) \
	{.ri = ri_, .name = name_, .type = type_, .resolver = res_, .verdict = verdict_, .answers = answers_}

static void agreeing_resolvers_give_nothing(void **state)
{
	struct np_dns_result r[] = {
		R(0, www, 1, "198.19.4.53", "dns.ok", "198.19.5.10\n198.19.5.9"),
		R(1, www, 1, "198.19.4.56", "dns.ok", "198.19.5.10\n198.19.5.9"),
		/* Failures are not answers: a timeout disagrees with nobody. */
		R(2, www, 1, "198.19.4.60", "dns.timeout", NULL),
	};
	size_t n = 99;
	struct np_finding **f = np_dns_inconsistent(r, 3, &n);

	(void)state;
	assert_int_equal(n, 0);
	free(f);
}

static void differing_answers_are_one_finding_per_name_and_type(void **state)
{
	struct np_dns_result r[] = {
		R(0, login, 1, "198.19.4.53", "dns.ok", "198.19.5.11"),
		R(0, www, 28, "198.19.4.53", "dns.nodata", NULL),
		R(1, www, 28, "198.19.4.56", "dns.ok", "64:ff9b::c613:50a"),
		R(1, login, 1, "198.19.4.56", "dns.ok", "198.19.5.11"),
		R(2, login, 1, "198.19.4.55", "dns.ok", "198.19.4.99"),
	};
	size_t n = 0;
	struct np_finding **f = np_dns_inconsistent(r, 5, &n);
	const json_t *per;

	(void)state;
	assert_int_equal(n, 2);
	/* In the order the names were first answered. */
	assert_string_equal(f[0]->target, "login.example.net A");
	assert_string_equal(f[1]->target, "www.example.net AAAA");
	assert_string_equal(f[0]->verdict->code, "dns.inconsistent");
	per = np_finding_metric_value(f[0], "answers_by_resolver");
	assert_int_equal(json_object_size(per), 3);
	assert_string_equal(json_string_value(json_array_get(json_object_get(per, "198.19.4.55"), 0)), "198.19.4.99");
	per = np_finding_metric_value(f[1], "answers_by_resolver");
	assert_string_equal(json_string_value(json_array_get(json_object_get(per, "198.19.4.53"), 0)), "dns.nodata");
	assert_non_null(strstr(f[1]->summary, "198.19.4.56 says 64:ff9b::c613:50a"));
	for (size_t i = 0; i < n; i++)
		np_finding_free(f[i]);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(agreeing_resolvers_give_nothing),
		cmocka_unit_test(differing_answers_are_one_finding_per_name_and_type),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
