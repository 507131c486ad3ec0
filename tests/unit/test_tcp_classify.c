/* SPDX-License-Identifier: GPL-3.0-or-later */
/* np_tcp_classify(): what one connect attempt means, as a verdict code and
 * a one-line summary. Pure: observations in, words out. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "netprobe/probe_tcp.h"
#include "netprobe/verdict.h"

static const char *classify(int err, int local, int timed_out, char *buf, size_t len)
{
	struct np_tcp_obs o = {0};

	o.err = err;
	o.local = local;
	o.timed_out = timed_out;
	o.elapsed_ms = 12.5;
	o.timeout_ms = 5000.0;
	memset(buf, 'X', len);
	return np_tcp_classify(&o, buf, len);
}

static void expect_code(int err, int local, int timed_out, const char *want)
{
	char buf[512];
	const char *got = classify(err, local, timed_out, buf, sizeof(buf));

	if (!got || strcmp(got, want) != 0)
		fail_msg("err %d (%s) local %d timed_out %d: '%s', want '%s'", err,
			 strerrorname_np(err) ? strerrorname_np(err) : "?", local, timed_out,
			 got ? got : "(null)", want);
	if (!memchr(buf, '\0', sizeof(buf)) || buf[0] == '\0')
		fail_msg("err %d: empty or unterminated summary", err);
}

static void connected_is_ok(void **state)
{
	char buf[512];

	(void)state;
	expect_code(0, 0, 0, "tcp.ok");
	assert_string_equal(classify(0, 0, 0, buf, sizeof(buf)), "tcp.ok");
	/* The summary gives the connect time. */
	assert_non_null(strstr(buf, "12.5"));
}

static void refused(void **state)
{
	(void)state;
	expect_code(ECONNREFUSED, 0, 0, "tcp.refused");
}

static void our_timeout_is_filtered(void **state)
{
	char buf[512];
	struct np_tcp_obs o = {0};

	(void)state;
	expect_code(0, 0, 1, "tcp.filtered");
	/* The timeout wins over whatever errno is left. */
	expect_code(EINPROGRESS, 0, 1, "tcp.filtered");

	o.timed_out = 1;
	o.elapsed_ms = 2500.3;
	o.timeout_ms = 2500.0;
	assert_string_equal(np_tcp_classify(&o, buf, sizeof(buf)), "tcp.filtered");
	if (!strstr(buf, "2.5 s"))
		fail_msg("summary '%s' does not name the 2.5 s timeout", buf);

	o.timeout_ms = 10000.0;
	assert_string_equal(np_tcp_classify(&o, buf, sizeof(buf)), "tcp.filtered");
	if (!strstr(buf, "10.0 s"))
		fail_msg("summary '%s' does not name the 10 s timeout", buf);
}

static void kernel_timeout_is_filtered(void **state)
{
	(void)state;
	expect_code(ETIMEDOUT, 0, 0, "tcp.filtered");
}

static void icmp_unreachable(void **state)
{
	char buf[512];

	(void)state;
	expect_code(ENETUNREACH, 0, 0, "tcp.unreachable");
	expect_code(EHOSTUNREACH, 0, 0, "tcp.unreachable");
	/* From the path, not from this host's routing table. */
	classify(EHOSTUNREACH, 0, 0, buf, sizeof(buf));
	assert_null(strstr(buf, "no route"));
}

static void no_local_route(void **state)
{
	char buf[512];

	(void)state;
	expect_code(ENETUNREACH, 1, 0, "tcp.unreachable");
	expect_code(EHOSTUNREACH, 1, 0, "tcp.unreachable");
	classify(ENETUNREACH, 1, 0, buf, sizeof(buf));
	if (!strstr(buf, "this host has no route"))
		fail_msg("summary '%s' does not say this host has no route", buf);
	classify(EHOSTUNREACH, 1, 0, buf, sizeof(buf));
	if (!strstr(buf, "this host has no route"))
		fail_msg("summary '%s' does not say this host has no route", buf);
}

/* Linux maps ICMPv6 administratively prohibited (RFC 4443 3.1 code 1) to
 * EACCES on the socket; a local EACCES is this host's own doing. */
static void eacces(void **state)
{
	(void)state;
	expect_code(EACCES, 0, 0, "tcp.unreachable");
	expect_code(EACCES, 1, 0, "tcp.error");
}

static void local_errors(void **state)
{
	char buf[512];

	(void)state;
	expect_code(EPERM, 1, 0, "tcp.error");
	expect_code(EPERM, 0, 0, "tcp.error");
	expect_code(EADDRNOTAVAIL, 1, 0, "tcp.error");
	expect_code(EADDRNOTAVAIL, 0, 0, "tcp.error");
	expect_code(EMFILE, 1, 0, "tcp.error");
	expect_code(ENOBUFS, 1, 0, "tcp.error");
	classify(EADDRNOTAVAIL, 1, 0, buf, sizeof(buf));
	assert_non_null(strstr(buf, "EADDRNOTAVAIL"));
}

static const int errs[] = {
	0, ECONNREFUSED, ETIMEDOUT, ENETUNREACH, EHOSTUNREACH, EACCES, EPERM,
	EADDRNOTAVAIL, EADDRINUSE, ECONNRESET, EMFILE, ENOBUFS, EINVAL, EINTR,
	EAFNOSUPPORT, ENETDOWN, EHOSTDOWN, EPROTO, 4095, 99999, -1,
};

static void every_code_is_registered(void **state)
{
	char buf[512];

	(void)state;
	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
		for (int local = 0; local <= 1; local++)
			for (int to = 0; to <= 1; to++) {
				const char *code = classify(errs[i], local, to, buf, sizeof(buf));

				if (!code || !np_verdict_get(code))
					fail_msg("err %d local %d timed_out %d: '%s' is not registered",
						 errs[i], local, to, code ? code : "(null)");
				if (buf[0] == '\0' || !memchr(buf, '\0', sizeof(buf)))
					fail_msg("err %d local %d timed_out %d: empty summary",
						 errs[i], local, to);
			}
}

/* A tiny buffer gets a cut, terminated summary, and nothing past it. */
static void tiny_buffer_is_terminated(void **state)
{
	char buf[32];

	(void)state;
	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
		for (int local = 0; local <= 1; local++)
			for (int to = 0; to <= 1; to++) {
				memset(buf, 'X', sizeof(buf));
				classify(errs[i], local, to, buf, 8);
				if (buf[7] != '\0' || strlen(buf) != 7)
					fail_msg("err %d local %d timed_out %d: %zu bytes in a buffer of 8",
						 errs[i], local, to, strnlen(buf, sizeof(buf)));
				for (size_t j = 8; j < sizeof(buf); j++)
					if (buf[j] != 'X')
						fail_msg("err %d: wrote byte %zu of a buffer of 8", errs[i], j);
			}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(connected_is_ok),
		cmocka_unit_test(refused),
		cmocka_unit_test(our_timeout_is_filtered),
		cmocka_unit_test(kernel_timeout_is_filtered),
		cmocka_unit_test(icmp_unreachable),
		cmocka_unit_test(no_local_route),
		cmocka_unit_test(eacces),
		cmocka_unit_test(local_errors),
		cmocka_unit_test(every_code_is_registered),
		cmocka_unit_test(tiny_buffer_is_terminated),
	};

	return cmocka_run_group_tests_name("tcp_classify", tests, NULL, NULL);
}
