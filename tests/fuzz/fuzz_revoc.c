/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer harness for what revocation checking reads from strangers
 * (tls/tls_revoc.c): CRLs, OCSP responses (fetched or stapled), caIssuers
 * answers, and the URLs of a certificate. The first byte picks what the
 * rest is: 0 a CRL, 1 an OCSP response, 2 a stapled response, 3 a
 * caIssuers answer for a chain that lacks its intermediate, 4 a server
 * certificate whose URLs are read. The chains come from fixtures/revoc
 * (run from the repository root). Invariants: a status in range, reasons
 * and URLs terminated within their buffers, counts within bounds.
 * Seeds: tests/fuzz/revoc_seeds. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls/tls_revoc.h"

static unsigned char *leaf, *inter;
static size_t leaf_n, inter_n;
static struct np_tls_chain *full;

static unsigned char *slurp(const char *path, size_t *n)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *p = malloc(65536);

	if (!fp || !p)
		abort();
	*n = fread(p, 1, 65536, fp);
	fclose(fp);
	return p;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const unsigned char *der[2];
	size_t len[2];

	(void)argc;
	(void)argv;
	leaf = slurp("fixtures/revoc/revoked.der", &leaf_n);
	inter = slurp("fixtures/revoc/int.der", &inter_n);
	der[0] = leaf;
	der[1] = inter;
	len[0] = leaf_n;
	len[1] = inter_n;
	full = np_tls_chain_from_der(der, len, 2, "fixtures/revoc/root.pem");
	if (!full || np_tls_chain_len(full) != 3)
		abort();
	return 0;
}

static void check_rev(const struct np_tls_rev *r)
{
	if ((unsigned)r->status > NP_TLS_REV_MALFORMED || !memchr(r->reason, 0, sizeof(r->reason)) ||
	    !memchr(r->this_update, 0, sizeof(r->this_update)) || !memchr(r->next_update, 0, sizeof(r->next_update)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct np_tls_rev r;
	char urls[NP_TLS_MAX_URLS][NP_TLS_URL_MAX], why[200];

	if (size < 1)
		return 0;
	switch (data[0] % 5) {
	case 0:
		np_tls_crl_check(full, 0, data + 1, size - 1, NULL, &r);
		check_rev(&r);
		break;
	case 1:
		np_tls_ocsp_check(full, 0, data + 1, size - 1, &r);
		check_rev(&r);
		break;
	case 2: {
		const unsigned char *der[1] = {leaf};
		size_t len[1] = {leaf_n};
		struct np_tls_chain *ch = np_tls_chain_from_der(der, len, 1, NULL);

		if (!ch)
			abort();
		/* a staple on a chain whose issuer is unknown, then on the full one */
		if (size > 1 && np_tls_chain_set_staple(ch, data + 1, size - 1) == 0 && np_tls_chain_staple(ch, &r) != 1)
			abort();
		np_tls_chain_free(ch);
		if (size > 1 && np_tls_chain_set_staple(full, data + 1, size - 1) == 0) {
			if (np_tls_chain_staple(full, &r) != 1)
				abort();
			check_rev(&r);
		}
		break;
	}
	case 3: {
		const unsigned char *der[1] = {leaf};
		size_t len[1] = {leaf_n};
		struct np_tls_chain *ch = np_tls_chain_from_der(der, len, 1, "fixtures/revoc/root.pem");
		int k;

		if (!ch || np_tls_chain_missing_issuer(ch) != 0)
			abort();
		k = np_tls_chain_complete(ch, data + 1, size - 1, why, sizeof(why));
		if (k < -1 || k > 1 || !memchr(why, 0, sizeof(why)) || (k == 1 && np_tls_chain_len(ch) < 2))
			abort();
		np_tls_chain_free(ch);
		break;
	}
	default: {
		const unsigned char *der[2] = {data + 1, inter};
		size_t len[2] = {size - 1, inter_n};
		struct np_tls_chain *ch = np_tls_chain_from_der(der, len, 2, "fixtures/revoc/root.pem");
		size_t n;

		if (!ch)
			break;
		for (int kind = NP_TLS_URL_CRL; kind <= NP_TLS_URL_CA_ISSUERS; kind++) {
			n = np_tls_chain_urls(ch, 0, (enum np_tls_url_kind)kind, urls, NP_TLS_MAX_URLS);
			if (n > NP_TLS_MAX_URLS)
				abort();
			for (size_t i = 0; i < n; i++)
				if (!memchr(urls[i], 0, NP_TLS_URL_MAX))
					abort();
		}
		if (strlen(np_tls_chain_subject(ch, 0)) >= 256)
			abort();
		(void)np_tls_chain_missing_issuer(ch);
		free(np_tls_ocsp_request(ch, 0, &n));
		np_tls_chain_free(ch);
		break;
	}
	}
	return 0;
}
