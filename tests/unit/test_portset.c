/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Port sets: lists of ports and ranges parsed the way firewall rules write
 * them, written back as ranges; sweep targets that carry them. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "netprobe/portset.h"
#include "netprobe/target.h"

static struct np_portset *parsed(const char *list)
{
	static struct np_portset ps;
	char errbuf[NP_ERRBUF_SIZE];

	np_portset_clear(&ps);
	if (np_portset_parse(&ps, list, errbuf) < 0)
		fail_msg("'%s': %s", list, errbuf);
	return &ps;
}

static void ranges_are(const struct np_portset *ps, const char *want)
{
	char *got = np_portset_ranges(ps);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void lists_and_ranges(void **state)
{
	struct np_portset *ps;

	(void)state;
	ps = parsed("22");
	assert_int_equal(ps->count, 1);
	assert_true(np_portset_has(ps, 22));
	assert_false(np_portset_has(ps, 23));
	ps = parsed("443,80,22,80");
	assert_int_equal(ps->count, 3);
	ranges_are(ps, "22,80,443");
	ps = parsed("1-65535");
	assert_int_equal(ps->count, 65535);
	assert_int_equal(np_portset_next(ps, 0), 1);
	assert_int_equal(np_portset_next(ps, 65535), 65535);
	ranges_are(ps, "1-65535");
	/* Overlapping ranges merge; a one-port range is a port. */
	ps = parsed("8000-8100,8050-8200,9,9-9,63-64,128");
	assert_int_equal(ps->count, 201 + 1 + 2 + 1);
	ranges_are(ps, "9,63-64,128,8000-8200");
	assert_int_equal(np_portset_next(ps, 10), 63);
	assert_int_equal(np_portset_next(ps, 65), 128);
	assert_int_equal(np_portset_next(ps, 8201), 0);
}

static void every_other_port_fits(void **state)
{
	struct np_portset ps;
	char *s;

	(void)state;
	np_portset_clear(&ps);
	for (unsigned p = 1; p <= 65535; p += 2)
		np_portset_add(&ps, p);
	s = np_portset_ranges(&ps);
	assert_non_null(s);
	assert_int_equal(strncmp(s, "1,3,5,", 6), 0);
	assert_string_equal(s + strlen(s) - 12, ",65533,65535");
	free(s);
	np_portset_clear(&ps);
	ranges_are(&ps, "");
	np_portset_add(&ps, 0);
	np_portset_add(&ps, 70000);
	assert_int_equal(ps.count, 0);
}

static void bad_lists(void **state)
{
	static const struct {
		const char *in, *says;
	} bad[] = {
		{"", "empty port list"},
		{"80,", "empty element"},
		{",80", "empty element"},
		{"80,,81", "empty element"},
		{"0", "out of range"},
		{"65536", "out of range"},
		{"99999999999999999999", "out of range"},
		{"1-65536", "out of range"},
		{"90-80", "runs backwards"},
		{"80-", "a port is missing"},
		{"-80", "a port is missing"},
		{"1-2-3", "not a port or a range"},
		{"http", "not a port or a range"},
		{"80 ", "not a port or a range"},
		{"+80", "not a port or a range"},
	};
	char errbuf[NP_ERRBUF_SIZE];
	struct np_portset ps;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		np_portset_clear(&ps);
		errbuf[0] = '\0';
		if (np_portset_parse(&ps, bad[i].in, errbuf) != NP_EINVAL)
			fail_msg("'%s' was accepted", bad[i].in);
		if (!strstr(errbuf, bad[i].says))
			fail_msg("'%s': '%s' does not say '%s'", bad[i].in, errbuf, bad[i].says);
	}
}

static void sweep_targets(void **state)
{
	char errbuf[NP_ERRBUF_SIZE];
	struct np_portset ps;
	struct np_target t;

	(void)state;
	assert_int_equal(np_target_parse_sweep("198.51.100.7:1-1024,8443", 443, &t, &ps, errbuf), 0);
	assert_string_equal(t.host, "198.51.100.7");
	assert_int_equal(t.family, AF_INET);
	assert_int_equal(ps.count, 1025);
	assert_int_equal(t.port, 1);
	assert_int_equal(np_target_parse_sweep("[2001:db8::7]:22,80", 443, &t, &ps, errbuf), 0);
	assert_string_equal(t.host, "2001:db8::7");
	assert_int_equal(t.family, AF_INET6);
	assert_int_equal(ps.count, 2);
	assert_int_equal(t.port, 22);
	/* No list: the one port, or the default. */
	assert_int_equal(np_target_parse_sweep("server.example:8080", 443, &t, &ps, errbuf), 0);
	assert_true(ps.count == 1 && np_portset_has(&ps, 8080));
	assert_int_equal(np_target_parse_sweep("server.example", 443, &t, &ps, errbuf), 0);
	assert_true(ps.count == 1 && np_portset_has(&ps, 443));
	assert_int_equal(np_target_parse_sweep("2001:db8::7", 443, &t, &ps, errbuf), 0);
	assert_true(t.family == AF_INET6 && ps.count == 1 && np_portset_has(&ps, 443));
	assert_int_equal(np_target_parse_sweep("https://server.example:8443/", 443, &t, &ps, errbuf), 0);
	assert_true(ps.count == 1 && np_portset_has(&ps, 8443));
	/* Bad lists, bad hosts. */
	assert_int_equal(np_target_parse_sweep("server.example:80-", 443, &t, &ps, errbuf), NP_EINVAL);
	assert_non_null(strstr(errbuf, "a port is missing"));
	assert_int_equal(np_target_parse_sweep("server.example:", 443, &t, &ps, errbuf), NP_EINVAL);
	assert_non_null(strstr(errbuf, "empty port list"));
	assert_int_equal(np_target_parse_sweep("bad_host!:80", 443, &t, &ps, errbuf), NP_EINVAL);
	assert_int_equal(np_target_parse_sweep("[2001:db8::7]x:80", 443, &t, &ps, errbuf), NP_EINVAL);
	assert_int_equal(np_target_parse_sweep("[2001:db8::7:80", 443, &t, &ps, errbuf), NP_EINVAL);
	assert_int_equal(np_target_parse_sweep("http://server.example:1-5/", 443, &t, &ps, errbuf), NP_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lists_and_ranges),
		cmocka_unit_test(every_other_port_fits),
		cmocka_unit_test(bad_lists),
		cmocka_unit_test(sweep_targets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
