/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Proxy-Authenticate challenges as proxies send them, hostile ones, and the
 * choice of a scheme. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netprobe/proxy_auth.h"

static struct np_pauth_challenges ch;

static int parse(const char *v)
{
	np_pauth_reset(&ch);
	return np_pauth_parse_value(v, strlen(v), &ch);
}

static void several_headers_of_one_407(void **state)
{
	/* squid offering all three, one header each, as proxy-all.lab does */
	const char *head = "HTTP/1.1 407 Proxy Authentication Required\r\n"
			   "Server: squid/5.7\r\n"
			   "Proxy-Authenticate: Negotiate\r\n"
			   "Proxy-Authenticate: NTLM\r\n"
			   "proxy-authenticate: Basic realm=\"netprobe lab\"\r\n"
			   "Content-Length: 0\r\n\r\n";

	(void)state;
	np_pauth_reset(&ch);
	assert_int_equal(np_pauth_parse_head(head, strlen(head), &ch), 0);
	assert_int_equal(ch.offered, NP_PAUTH_NEGOTIATE | NP_PAUTH_NTLM | NP_PAUTH_BASIC);
	assert_string_equal(ch.names, "Negotiate, NTLM, Basic");
	assert_string_equal(ch.realm, "netprobe lab");
	assert_string_equal(ch.ntlm_token, "");
	assert_int_equal(ch.n, 3);
}

static void challenges_in_one_header(void **state)
{
	(void)state;
	/* RFC 9110 11.6.1: a list; the comma inside the quoted realm is no
	 * separator, an escaped quote no end. */
	assert_int_equal(parse("Basic realm=\"CORP, \\\"west\\\"\", charset=\"UTF-8\", Negotiate, "
			       "Digest realm=x, nonce=\"a,b\", qop=auth"), 0);
	assert_int_equal(ch.offered, NP_PAUTH_BASIC | NP_PAUTH_NEGOTIATE);
	assert_string_equal(ch.realm, "CORP, \"west\"");
	assert_string_equal(ch.names, "Basic, Negotiate, Digest");
	assert_int_equal(ch.n, 3);
	/* BWS around "=" (RFC 9110 5.6.3), unquoted realm */
	assert_int_equal(parse("basic realm = lab"), 0);
	assert_string_equal(ch.realm, "lab");
}

static void tokens_padded_or_not(void **state)
{
	(void)state;
	assert_int_equal(parse("NTLM TlRMTVNTUAACAAAADAAMADgAAAAFgomi=="), 0);
	assert_int_equal(ch.offered, NP_PAUTH_NTLM);
	assert_string_equal(ch.ntlm_token, "TlRMTVNTUAACAAAADAAMADgAAAAFgomi==");
	assert_int_equal(parse("Negotiate oYG3MIG0oAMKAQChCwYJKoZIhvcSAQIC, Basic realm=\"r\""), 0);
	assert_string_equal(ch.nego_token, "oYG3MIG0oAMKAQChCwYJKoZIhvcSAQIC");
	assert_string_equal(ch.realm, "r");
	assert_int_equal(ch.offered, NP_PAUTH_NEGOTIATE | NP_PAUTH_BASIC);
	/* a scheme with neither token nor parameters, twice over */
	assert_int_equal(parse("  NTLM ,  Negotiate  "), 0);
	assert_int_equal(ch.offered, NP_PAUTH_NTLM | NP_PAUTH_NEGOTIATE);
	assert_string_equal(ch.nego_token, "");
}

static void malformed_and_hostile(void **state)
{
	char *big;
	size_t n = 100000;

	(void)state;
	assert_int_equal(parse("Basic realm=\"unterminated"), NP_EINVAL);
	assert_non_null(strstr(ch.why, "unterminated"));
	assert_int_equal(parse("Basic realm=\"ends in a backslash\\"), NP_EINVAL);
	assert_int_equal(parse("=abc"), NP_EINVAL);
	assert_int_equal(parse("Negotiate a b"), NP_EINVAL);
	assert_int_equal(parse("\"Basic\""), NP_EINVAL);
	/* a token past the bound: refused, not truncated */
	big = malloc(n + 16);
	assert_non_null(big);
	memcpy(big, "NTLM ", 5);
	memset(big + 5, 'A', n);
	big[n + 5] = '\0';
	assert_int_equal(parse(big), NP_EINVAL);
	assert_non_null(strstr(ch.why, "longer"));
	/* thousands of challenges: bounded */
	for (size_t i = 0; i + 3 < n; i += 3)
		memcpy(big + i, "X, ", 3);
	big[n - 1] = '\0';
	assert_int_equal(parse(big), NP_EINVAL);
	assert_non_null(strstr(ch.why, "more than 16"));
	/* a huge realm is cut to its buffer, masked */
	memcpy(big, "Basic realm=\"", 13);
	memset(big + 13, 'r', 5000);
	big[13 + 5000] = '\x01';
	memcpy(big + 13 + 5001, "\"", 2);
	assert_int_equal(parse(big), 0);
	assert_int_equal(strlen(ch.realm), sizeof(ch.realm) - 1);
	free(big);
	/* control bytes in a scheme name never reach the list shown */
	assert_int_equal(parse("Ba\x7fsic"), NP_EINVAL);
}

static void scheme_choice(void **state)
{
	const unsigned all = NP_PAUTH_NEGOTIATE | NP_PAUTH_NTLM | NP_PAUTH_BASIC;
	const char *missing[3] = {"no password", "no password", "no Kerberos ticket"};
	char why[400];

	(void)state;
	/* strongest first among those with credentials */
	assert_int_equal(np_pauth_choose(all, all, NP_PAUTH_AUTO, missing, why, sizeof(why)), NP_PAUTH_NEGOTIATE);
	assert_int_equal(np_pauth_choose(all, NP_PAUTH_NTLM | NP_PAUTH_BASIC, NP_PAUTH_AUTO, missing, why,
					 sizeof(why)), NP_PAUTH_NTLM);
	assert_int_equal(np_pauth_choose(NP_PAUTH_BASIC | NP_PAUTH_NEGOTIATE, NP_PAUTH_NTLM | NP_PAUTH_BASIC,
					 NP_PAUTH_AUTO, missing, why, sizeof(why)), NP_PAUTH_BASIC);
	/* --proxy-auth names one */
	assert_int_equal(np_pauth_choose(all, all, NP_PAUTH_NTLM, missing, why, sizeof(why)), NP_PAUTH_NTLM);
	assert_int_equal(np_pauth_choose(all, all, NP_PAUTH_BASIC, missing, why, sizeof(why)), NP_PAUTH_BASIC);
	/* none: why names each scheme offered and what it lacks */
	assert_int_equal(np_pauth_choose(NP_PAUTH_NEGOTIATE, NP_PAUTH_BASIC | NP_PAUTH_NTLM, NP_PAUTH_AUTO, missing,
					 why, sizeof(why)), 0);
	assert_string_equal(why, "Negotiate: no Kerberos ticket");
	assert_int_equal(np_pauth_choose(NP_PAUTH_NEGOTIATE | NP_PAUTH_BASIC, NP_PAUTH_NEGOTIATE, NP_PAUTH_NTLM,
					 missing, why, sizeof(why)), 0);
	assert_non_null(strstr(why, "Negotiate: not allowed by --proxy-auth"));
	assert_non_null(strstr(why, "--proxy-auth NTLM is not offered"));
	assert_int_equal(np_pauth_choose(0, all, NP_PAUTH_AUTO, missing, why, sizeof(why)), 0);
	assert_non_null(strstr(why, "no scheme netprobe speaks"));
	/* a tiny buffer stays terminated */
	assert_int_equal(np_pauth_choose(all, 0, NP_PAUTH_AUTO, missing, why, 8), 0);
	assert_int_equal(strlen(why), 7);
	assert_int_equal(np_pauth_scheme_parse("Negotiate"), NP_PAUTH_NEGOTIATE);
	assert_int_equal(np_pauth_scheme_parse("auto"), NP_PAUTH_AUTO);
	assert_int_equal(np_pauth_scheme_parse("digest"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(several_headers_of_one_407),
		cmocka_unit_test(challenges_in_one_header),
		cmocka_unit_test(tokens_padded_or_not),
		cmocka_unit_test(malformed_and_hostile),
		cmocka_unit_test(scheme_choice),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
