/* SPDX-License-Identifier: GPL-3.0-or-later */
/* np_redact_url(): proxy URLs reach the report with the password masked. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netprobe/redact.h"

/* Each mismatch is reported, then the test fails once: one run shows
 * every input that goes wrong. */
static int mismatches;

static void expect(const char *in, const char *want)
{
	char *got = np_redact_url(in);

	if (!got) {
		print_error("'%s': NULL\n", in);
		mismatches++;
		return;
	}
	if (strcmp(got, want) != 0) {
		print_error("'%s' redacted to '%s', want '%s'\n", in, got, want);
		mismatches++;
	}
	free(got);
}

/* Nothing of the secret may survive, whatever else happens to the text. */
static void expect_no_leak(const char *in, const char *const *secrets, size_t n)
{
	char *got = np_redact_url(in);

	if (!got) {
		print_error("'%s': NULL\n", in);
		mismatches++;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (strstr(got, secrets[i])) {
			print_error("'%s' redacted to '%s': '%s' leaks\n", in, got, secrets[i]);
			mismatches++;
		}
	}
	free(got);
}

static int reset(void **state)
{
	(void)state;
	mismatches = 0;
	return 0;
}

static void masks_the_password(void **state)
{
	(void)state;
	expect("http://u:p@h:1", "http://u:***@h:1");
	expect("http://bob:s3cret@proxy:3128", "http://bob:***@proxy:3128");
	expect("https://bob:s3cret@proxy.example:8443/", "https://bob:***@proxy.example:8443/");
	expect("socks5://u:p@[2001:db8::1]:1080", "socks5://u:***@[2001:db8::1]:1080");
	/* A colon inside the password: all of it is the password. */
	expect("http://u:p:q@h", "http://u:***@h");
	assert_int_equal(mismatches, 0);
}

static void leaves_urls_without_a_password_alone(void **state)
{
	(void)state;
	expect("http://u@h", "http://u@h");
	expect("http://u@h:3128", "http://u@h:3128");
	expect("http://h", "http://h");
	expect("http://proxy.example:3128", "http://proxy.example:3128");
	expect("http://[2001:db8::1]:3128/", "http://[2001:db8::1]:3128/");
	expect("proxy:3128", "proxy:3128");
	expect("", "");
	expect(".example.com,localhost,10.0.0.0/8", ".example.com,localhost,10.0.0.0/8");
	assert_int_equal(mismatches, 0);
}

static void masks_scheme_less_userinfo(void **state)
{
	(void)state;
	expect("u:p@h:3128", "u:***@h:3128");
	expect("bob:s3cret@proxy", "bob:***@proxy");
	assert_int_equal(mismatches, 0);
}

/* RFC 3986 3.2.1 says '@' in a password must be percent-encoded; users
 * don't always. The last '@' of the authority ends the userinfo. */
static void password_with_at_sign(void **state)
{
	static const char *const secrets[] = {"p@ss", "ss"};

	(void)state;
	expect("http://u:p@ss@h", "http://u:***@h");
	expect("http://u:p@ss@h:3128/", "http://u:***@h:3128/");
	expect_no_leak("http://u:p@ss@h", secrets, 2);
	assert_int_equal(mismatches, 0);
}

static void password_with_slash(void **state)
{
	static const char *const secrets[] = {"pa", "ss"};

	(void)state;
	expect_no_leak("http://u:pa/ss@h:3128", secrets, 2);
	expect_no_leak("u:pa/ss@h:3128", secrets, 2);
	expect("http://u:pa/ss@h:3128", "http://u:***@h:3128");
	assert_int_equal(mismatches, 0);
}

static void password_with_slash_and_at_sign(void **state)
{
	static const char *const secrets[] = {"pa", "ss", "w0rd"};

	(void)state;
	/* Password "pa/ss@w0rd", unencoded. */
	expect_no_leak("http://u:pa/ss@w0rd@h:3128", secrets, 3);
	assert_int_equal(mismatches, 0);
}

/* An '@' after the authority belongs to the path or the query: with no
 * userinfo there is nothing to mask. */
static void at_sign_in_query_without_userinfo(void **state)
{
	(void)state;
	expect("http://h/?to=a@b", "http://h/?to=a@b");
	expect("http://h/path?mail=x@example.com", "http://h/path?mail=x@example.com");
	expect("http://proxy:3128/?to=a@b", "http://proxy:3128/?to=a@b");
	expect("http://h/?q=a:b@c", "http://h/?q=a:b@c");
	assert_int_equal(mismatches, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(masks_the_password, reset),
		cmocka_unit_test_setup(leaves_urls_without_a_password_alone, reset),
		cmocka_unit_test_setup(masks_scheme_less_userinfo, reset),
		cmocka_unit_test_setup(password_with_at_sign, reset),
		cmocka_unit_test_setup(password_with_slash, reset),
		cmocka_unit_test_setup(password_with_slash_and_at_sign, reset),
		cmocka_unit_test_setup(at_sign_in_query_without_userinfo, reset),
	};

	return cmocka_run_group_tests_name("redact", tests, NULL, NULL);
}
