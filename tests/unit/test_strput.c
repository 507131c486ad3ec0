/* SPDX-License-Identifier: GPL-3.0-or-later */
/* np_str_vformat (netprobe/strput.h) writes what vsnprintf writes and
 * returns what it returns: formats of texts only (its own path), any other
 * (vsnprintf's), every buffer size from 0 up, NULL texts. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "netprobe/strput.h"

static int ours(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = np_str_vformat(buf, len, fmt, ap);
	va_end(ap);
	return n;
}

static int libc(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n;
}

/* Both, at every size from 0 to past the whole text: the same bytes (the
 * buffer's tail untouched alike) and the same return. */
#define SAME(fmt, ...)                                                                  \
	do {                                                                            \
		for (size_t len = 0; len < 80; len++) {                                 \
			char a[96], b[96];                                              \
			memset(a, 'x', sizeof(a));                                      \
			memset(b, 'x', sizeof(b));                                      \
			assert_int_equal(ours(len ? a : NULL, len, fmt, __VA_ARGS__),   \
					 libc(len ? b : NULL, len, fmt, __VA_ARGS__));  \
			assert_memory_equal(a, b, sizeof(a));                           \
		}                                                                       \
	} while (0)

static void texts_only_as_vsnprintf(void **state)
{
	const char *none = NULL;

	(void)state;
	SAME("%s says %s does not exist (NXDOMAIN)", "198.19.4.53", "b1.bench.example.net");
	SAME("%s", "");
	SAME("%s%s", "ab", "cd");
	SAME("the DNS resolver %s", "2001:db8::53");
	SAME("no directive at all, %s", none);
	SAME("plain text%s", "");
	SAME("%s at the end: %s", "x", "a longer text that will not fit in a small buffer at all");
}

static void other_directives_go_to_vsnprintf(void **state)
{
	(void)state;
	SAME("%s is %d ms", "query", 42);
	SAME("100%% of %s", "them");
	SAME("%.3s|%s", "abcdef", "g");
	SAME("%-8s|", "ab");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(texts_only_as_vsnprintf),
		cmocka_unit_test(other_directives_go_to_vsnprintf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
