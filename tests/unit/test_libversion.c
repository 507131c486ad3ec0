/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The library versions of `netprobe --version`: numbers read from the
 * libraries' own sentences, and the files loaded. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "netprobe/libversion.h"

static void dotted_version_is_read_from_the_librarys_words(void **state)
{
	char v[32];

	(void)state;
	assert_int_equal(np_libversion_dotted("OpenSSL 3.0.19 27 Jan 2026", v, sizeof(v)), 0);
	assert_string_equal(v, "3.0.19");
	assert_int_equal(np_libversion_dotted("libpcap version 1.10.3 (with TPACKET_V3)", v, sizeof(v)), 0);
	assert_string_equal(v, "1.10.3");
	assert_int_equal(np_libversion_dotted("2.14", v, sizeof(v)), 0);
	assert_string_equal(v, "2.14");
	/* A number glued to a name is not a version (TPACKET_V3, libyaml-0). */
	assert_int_equal(np_libversion_dotted("TPACKET_V3 x2 v1.2.3.", v, sizeof(v)), -1);
	assert_int_equal(np_libversion_dotted("no number at all, 27", v, sizeof(v)), -1);
	assert_int_equal(np_libversion_dotted("", v, sizeof(v)), -1);
	assert_int_equal(np_libversion_dotted(NULL, v, sizeof(v)), -1);
	/* Too long for the buffer: not cut into a wrong number. */
	assert_int_equal(np_libversion_dotted("1.2.3.4.5.6", v, 6), -1);
}

static void every_library_has_a_version(void **state)
{
	struct np_libversion v[16];
	size_t n = np_libversion_list(v, 16);

	(void)state;
	assert_true(n >= 9);
	/* This test program links only the objects it calls, so not every
	 * library is loaded here: a file named is an absolute path (the CLI
	 * test checks the program's own against the packages). */
	for (size_t i = 0; i < n; i++) {
		assert_true(v[i].version[0] != '\0');
		assert_true(v[i].loaded[0] == '\0' || v[i].loaded[0] == '/');
	}
	/* A short array is filled, never overrun. */
	assert_int_equal(np_libversion_list(v, 2), 2);
	assert_string_equal(v[0].name, "OpenSSL");
}

static void a_library_not_loaded_is_not_found(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(np_libversion_loaded("libnosuchthing.so", buf, sizeof(buf)), -1);
	assert_string_equal(buf, "");
	assert_int_equal(np_libversion_loaded("libc.so", buf, sizeof(buf)), 0);
	assert_non_null(strstr(buf, "libc"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dotted_version_is_read_from_the_librarys_words),
		cmocka_unit_test(every_library_has_a_version),
		cmocka_unit_test(a_library_not_loaded_is_not_found),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
