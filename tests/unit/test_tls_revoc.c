/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Revocation parsers and checks (tls/tls_revoc.c) on recorded bytes:
 * fixtures/revoc (record.sh), and the chunked-body decoder of the
 * fetches (netprobe/revoc_fetch.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netprobe/revoc_fetch.h"
#include "tls/tls_revoc.h"

#define DIR "fixtures/revoc/"

struct blob {
	unsigned char *p;
	size_t n;
};

static struct blob rd(const char *name)
{
	char path[256];
	struct blob b = {0};
	FILE *fp;
	long n;

	snprintf(path, sizeof(path), DIR "%s", name);
	fp = fopen(path, "rb");
	if (!fp)
		fail_msg("cannot read %s", path);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	b.p = malloc((size_t)n + 1);
	assert_non_null(b.p);
	b.n = fread(b.p, 1, (size_t)n, fp);
	fclose(fp);
	return b;
}

/* leaf (good or revoked), with the intermediate unless alone */
static struct np_tls_chain *chain_of(const char *leaf, int alone)
{
	struct blob l = rd(leaf), i = rd("int.der");
	const unsigned char *der[2] = {l.p, i.p};
	size_t len[2] = {l.n, i.n};
	struct np_tls_chain *ch = np_tls_chain_from_der(der, len, alone ? 1 : 2, DIR "root.pem");

	free(l.p);
	free(i.p);
	assert_non_null(ch);
	return ch;
}

static void builds_chain_to_the_anchor(void **state)
{
	struct np_tls_chain *ch = chain_of("good.der", 0);

	(void)state;
	assert_int_equal(np_tls_chain_len(ch), 3);
	assert_string_equal(np_tls_chain_subject(ch, 0), "CN = good.fixture");
	assert_string_equal(np_tls_chain_subject(ch, 2), "O = netprobe fixture, CN = fixture root");
	assert_true(np_tls_chain_has_issuer(ch, 0));
	assert_true(np_tls_chain_has_issuer(ch, 1));
	assert_false(np_tls_chain_has_issuer(ch, 2));   /* the root: an anchor */
	assert_int_equal(np_tls_chain_missing_issuer(ch), -1);
	np_tls_chain_free(ch);
}

static void reads_the_urls(void **state)
{
	struct np_tls_chain *ch = chain_of("good.der", 0);
	char u[NP_TLS_MAX_URLS][NP_TLS_URL_MAX];

	(void)state;
	assert_int_equal(np_tls_chain_urls(ch, 0, NP_TLS_URL_CRL, u, NP_TLS_MAX_URLS), 2);
	assert_string_equal(u[0], "http://crl.fixture/int.crl");
	assert_string_equal(u[1], "ldap://ldap.fixture/cn=int");
	assert_int_equal(np_tls_chain_urls(ch, 0, NP_TLS_URL_OCSP, u, NP_TLS_MAX_URLS), 1);
	assert_string_equal(u[0], "http://ocsp.fixture/");
	assert_int_equal(np_tls_chain_urls(ch, 0, NP_TLS_URL_CA_ISSUERS, u, NP_TLS_MAX_URLS), 1);
	assert_string_equal(u[0], "http://ca.fixture/int.der");
	/* at most max */
	assert_int_equal(np_tls_chain_urls(ch, 0, NP_TLS_URL_CRL, u, 1), 1);
	/* the intermediate names none; past the end, nothing */
	assert_int_equal(np_tls_chain_urls(ch, 1, NP_TLS_URL_CRL, u, NP_TLS_MAX_URLS), 0);
	assert_int_equal(np_tls_chain_urls(ch, 9, NP_TLS_URL_OCSP, u, NP_TLS_MAX_URLS), 0);
	np_tls_chain_free(ch);
}

static void completes_a_chain_from_ca_issuers(void **state)
{
	struct np_tls_chain *ch = chain_of("good.der", 1);
	struct blob i = rd("int.der"), r = rd("root.der");
	char why[200];

	(void)state;
	assert_int_equal(np_tls_chain_len(ch), 1);
	assert_int_equal(np_tls_chain_missing_issuer(ch), 0);
	assert_false(np_tls_chain_has_issuer(ch, 0));
	/* not the issuer; not a certificate */
	assert_int_equal(np_tls_chain_complete(ch, r.p, r.n, why, sizeof(why)), 0);
	assert_non_null(strstr(why, "did not issue"));
	assert_int_equal(np_tls_chain_complete(ch, (const unsigned char *)"<html>", 6, why, sizeof(why)), -1);
	assert_int_equal(np_tls_chain_complete(ch, i.p, i.n / 2, why, sizeof(why)), -1);
	/* the intermediate completes it to the anchor */
	assert_int_equal(np_tls_chain_complete(ch, i.p, i.n, why, sizeof(why)), 1);
	assert_int_equal(np_tls_chain_len(ch), 3);
	assert_true(np_tls_chain_has_issuer(ch, 0));
	assert_int_equal(np_tls_chain_missing_issuer(ch), -1);
	free(i.p);
	free(r.p);
	np_tls_chain_free(ch);
}

static void crl_check(const char *leaf, const char *crl, enum np_tls_rev_status want, const char *text)
{
	struct np_tls_chain *ch = chain_of(leaf, 0);
	struct blob b = rd(crl);
	struct np_tls_rev r;

	struct np_tls_crl_cache *cache = np_tls_crl_cache_new();

	/* the same answer without a cache, then twice from one (parsed and
	 * verified the first time, remembered the second) */
	for (int k = 0; k < 3; k++) {
		np_tls_crl_check(ch, 0, b.p, b.n, k ? cache : NULL, &r);
		if (r.status != want || !strstr(r.reason, text))
			fail_msg("%s by %s (%d): %s '%s', expected %s '%s'", leaf, crl, k, np_tls_rev_status_name(r.status),
				 r.reason, np_tls_rev_status_name(want), text);
	}
	np_tls_crl_cache_free(cache);
	free(b.p);
	np_tls_chain_free(ch);
}

static void checks_crls(void **state)
{
	(void)state;
	crl_check("good.der", "int.crl", NP_TLS_REV_GOOD, "not listed");
	crl_check("revoked.der", "int.crl", NP_TLS_REV_REVOKED, "keyCompromise");
	crl_check("good.der", "int-stale.crl", NP_TLS_REV_MALFORMED, "stale: nextUpdate");
	crl_check("good.der", "root.crl", NP_TLS_REV_MALFORMED, "another CA");
	crl_check("good.der", "ocsp-good.der", NP_TLS_REV_MALFORMED, "not a CRL");
}

static void refuses_damaged_crls(void **state)
{
	struct np_tls_chain *ch = chain_of("revoked.der", 0);
	struct blob b = rd("int.crl");
	struct np_tls_rev r;

	(void)state;
	/* every cut is refused, never read past */
	for (size_t n = 0; n < b.n; n++) {
		np_tls_crl_check(ch, 0, b.p, n, NULL, &r);
		assert_int_equal(r.status, NP_TLS_REV_MALFORMED);
	}
	/* the signature's last byte changed */
	b.p[b.n - 1] ^= 0x01;
	np_tls_crl_check(ch, 0, b.p, b.n, NULL, &r);
	assert_int_equal(r.status, NP_TLS_REV_MALFORMED);
	np_tls_crl_check(ch, 0, NULL, 0, NULL, &r);
	assert_int_equal(r.status, NP_TLS_REV_MALFORMED);
	free(b.p);
	np_tls_chain_free(ch);
}

/* A cached CRL verified under one issuer is not taken as verified under
 * another key. */
static void crl_cache_keeps_keys_apart(void **state)
{
	struct np_tls_chain *ch = chain_of("good.der", 0);
	struct np_tls_crl_cache *cache = np_tls_crl_cache_new();
	struct blob b = rd("int.crl");
	struct np_tls_rev r;

	(void)state;
	np_tls_crl_check(ch, 0, b.p, b.n, cache, &r);
	assert_int_equal(r.status, NP_TLS_REV_GOOD);
	/* the intermediate's issuer is the root: another CA, refused */
	np_tls_crl_check(ch, 1, b.p, b.n, cache, &r);
	assert_int_equal(r.status, NP_TLS_REV_MALFORMED);
	np_tls_crl_check(ch, 0, b.p, b.n, cache, &r);
	assert_int_equal(r.status, NP_TLS_REV_GOOD);
	np_tls_crl_cache_free(cache);
	free(b.p);
	np_tls_chain_free(ch);
}

static void ocsp_check(const char *leaf, const char *resp, enum np_tls_rev_status want, const char *text)
{
	struct np_tls_chain *ch = chain_of(leaf, 0);
	struct blob b = rd(resp);
	struct np_tls_rev r;

	np_tls_ocsp_check(ch, 0, b.p, b.n, &r);
	if (r.status != want || !strstr(r.reason, text))
		fail_msg("%s by %s: %s '%s', expected %s '%s'", leaf, resp, np_tls_rev_status_name(r.status), r.reason,
			 np_tls_rev_status_name(want), text);
	free(b.p);
	np_tls_chain_free(ch);
}

static void checks_ocsp_responses(void **state)
{
	(void)state;
	ocsp_check("good.der", "ocsp-good.der", NP_TLS_REV_GOOD, "good");
	ocsp_check("revoked.der", "ocsp-revoked.der", NP_TLS_REV_REVOKED, "keyCompromise");
	ocsp_check("good.der", "ocsp-revoked.der", NP_TLS_REV_MALFORMED, "no status for this certificate");
	ocsp_check("good.der", "ocsp-other.der", NP_TLS_REV_MALFORMED, "");
	ocsp_check("good.der", "ocsp-trylater.der", NP_TLS_REV_MALFORMED, "trylater (3)");
	ocsp_check("good.der", "int.crl", NP_TLS_REV_MALFORMED, "not an OCSP response");
}

static void refuses_damaged_ocsp(void **state)
{
	struct np_tls_chain *ch = chain_of("good.der", 0);
	struct blob b = rd("ocsp-good.der");
	struct np_tls_rev r;

	(void)state;
	for (size_t n = 0; n < b.n; n++) {
		np_tls_ocsp_check(ch, 0, b.p, n, &r);
		assert_int_equal(r.status, NP_TLS_REV_MALFORMED);
	}
	/* producedAt (the first GeneralizedTime, in the signed data) one
	 * second later: the signature no longer verifies */
	for (size_t i = 0; i + 16 < b.n; i++) {
		if (b.p[i] == 0x18 && b.p[i + 1] == 0x0f) {
			b.p[i + 15] = b.p[i + 15] == '0' ? '1' : '0';
			break;
		}
	}
	np_tls_ocsp_check(ch, 0, b.p, b.n, &r);
	assert_int_equal(r.status, NP_TLS_REV_MALFORMED);
	assert_non_null(strstr(r.reason, "signature"));
	free(b.p);
	np_tls_chain_free(ch);
}

static void builds_ocsp_requests(void **state)
{
	struct np_tls_chain *ch = chain_of("good.der", 0);
	size_t len = 0;
	unsigned char *req = np_tls_ocsp_request(ch, 0, &len);

	(void)state;
	assert_non_null(req);
	/* OCSPRequest ::= SEQUENCE { tbsRequest ... }, RFC 6960 4.1.1 */
	assert_true(len > 40 && req[0] == 0x30);
	free(req);
	/* a root has no issuer to ask about */
	assert_null(np_tls_ocsp_request(ch, 2, &len));
	assert_int_equal(len, 0);
	np_tls_chain_free(ch);
}

static void reads_staples(void **state)
{
	struct np_tls_chain *ch = chain_of("revoked.der", 0);
	struct blob b = rd("ocsp-revoked.der");
	struct np_tls_rev r;

	(void)state;
	assert_int_equal(np_tls_chain_staple(ch, &r), 0);
	assert_int_equal(np_tls_chain_set_staple(ch, b.p, b.n), 0);
	assert_int_equal(np_tls_chain_staple(ch, &r), 1);
	assert_int_equal(r.status, NP_TLS_REV_REVOKED);
	free(b.p);
	np_tls_chain_free(ch);
}

static void decodes_chunked_bodies(void **state)
{
	char ok[] = "4\r\nWiki\r\n5;ext=1\r\npedia\r\n0\r\n\r\n";
	char bare[] = "3\nabc\n0\n";
	char bad1[] = "zz\r\nabc\r\n";
	char bad2[] = "10\r\nabc\r\n";
	char bad3[] = "3\r\nabcX";
	char huge[] = "ffffffffffffffffff\r\n";

	(void)state;
	assert_int_equal(np_rfetch_dechunk((unsigned char *)ok, strlen(ok)), 9);
	assert_memory_equal(ok, "Wikipedia", 9);
	assert_int_equal(np_rfetch_dechunk((unsigned char *)bare, strlen(bare)), 3);
	assert_int_equal(np_rfetch_dechunk((unsigned char *)bad1, strlen(bad1)), -1);
	assert_int_equal(np_rfetch_dechunk((unsigned char *)bad2, strlen(bad2)), -1);
	assert_int_equal(np_rfetch_dechunk((unsigned char *)bad3, strlen(bad3)), -1);
	assert_int_equal(np_rfetch_dechunk((unsigned char *)huge, strlen(huge)), -1);
	assert_int_equal(np_rfetch_dechunk((unsigned char *)ok, 0), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(builds_chain_to_the_anchor),
		cmocka_unit_test(reads_the_urls),
		cmocka_unit_test(completes_a_chain_from_ca_issuers),
		cmocka_unit_test(checks_crls),
		cmocka_unit_test(refuses_damaged_crls),
		cmocka_unit_test(crl_cache_keeps_keys_apart),
		cmocka_unit_test(checks_ocsp_responses),
		cmocka_unit_test(refuses_damaged_ocsp),
		cmocka_unit_test(builds_ocsp_requests),
		cmocka_unit_test(reads_staples),
		cmocka_unit_test(decodes_chunked_bodies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
