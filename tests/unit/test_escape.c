/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Bytes from the network quoted in a summary: escaped, cut, bounded. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "netprobe/escape.h"

static void printable_text_is_quoted_as_it_is(void **state)
{
	char out[NP_ESCAPE_MAX];

	(void)state;
	assert_string_equal(np_escape_bytes("HTTP/1.1 200 OK", 15, NP_ESCAPE_SHOW, out, sizeof(out)),
			    "'HTTP/1.1 200 OK'");
	assert_string_equal(np_escape_bytes("", 0, NP_ESCAPE_SHOW, out, sizeof(out)), "''");
}

static void control_bytes_and_quotes_are_escaped(void **state)
{
	static const char bin[] = "\x15\x03\x01\x00\x02\r\n\t'\\\xff";
	char out[NP_ESCAPE_MAX];

	(void)state;
	assert_string_equal(np_escape_bytes(bin, sizeof(bin) - 1, NP_ESCAPE_SHOW, out, sizeof(out)),
			    "'\\x15\\x03\\x01\\x00\\x02\\r\\n\\t\\'\\\\\\xff'");
}

static void long_input_is_cut_after_max_bytes(void **state)
{
	char in[1000], out[NP_ESCAPE_MAX];

	(void)state;
	memset(in, 'x', sizeof(in));
	np_escape_bytes(in, sizeof(in), 10, out, sizeof(out));
	assert_string_equal(out, "'xxxxxxxxxx'...");
	/* the worst case fits NP_ESCAPE_MAX: every byte \xHH */
	memset(in, 0, sizeof(in));
	np_escape_bytes(in, sizeof(in), NP_ESCAPE_SHOW, out, sizeof(out));
	assert_int_equal(strlen(out), 2 + 4 * NP_ESCAPE_SHOW + 3);
	assert_true(strlen(out) < NP_ESCAPE_MAX);
}

static void small_buffers_stay_terminated(void **state)
{
	char out[8];

	(void)state;
	/* no escape sequence is split: what fits, then the cut mark if it fits */
	np_escape_bytes("\x01\x02\x03\x04", 4, NP_ESCAPE_SHOW, out, sizeof(out));
	assert_true(strlen(out) < sizeof(out));
	assert_int_equal(strncmp(out, "'\\x01", 5), 0);
	np_escape_bytes("abc", 3, NP_ESCAPE_SHOW, out, 1);
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(printable_text_is_quoted_as_it_is),
		cmocka_unit_test(control_bytes_and_quotes_are_escaped),
		cmocka_unit_test(long_input_is_cut_after_max_bytes),
		cmocka_unit_test(small_buffers_stay_terminated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
