/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Revocation and chain completion (tls_revoc.h): the URLs in a chain,
 * the OCSP request, and the checks of OCSP responses, CRLs and staples.
 * Every input past the chain itself is a stranger's bytes: each parse is
 * bounded by its length, each result checked before use. */
#include "tls_int.h"
#include "tls_revoc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509v3.h>

/* The answers a prober reads are a few KB (OCSP) to a few MB (a big
 * CA's CRL); anything past this is refused before OpenSSL sees it. */
#define MAX_DER (16L << 20)
/* RFC 6960 4.2.2.1 leaves the clock tolerance to the client; 5 minutes
 * is what OpenSSL's own tools and most clients allow. */
#define SKEW_S 300

struct np_tls_chain {
	STACK_OF(X509) *certs;      /* leaf first, as far as it was built */
	STACK_OF(X509) *presented;  /* as the server sent it (untrusted helpers) */
	X509_STORE *store;          /* the context's anchors, referenced */
	char (*subjects)[256];
	unsigned char *staple;
	size_t staple_len;
};

static int accept_all(int ok, X509_STORE_CTX *xs)
{
	(void)ok;
	(void)xs;
	return 1;
}

/* The error a strict verification stops at, with extra untrusted
 * certificates; X509_V_OK when the chain reaches an anchor (dates and
 * names are not this function's concern). */
static int trust_error(X509_STORE_CTX *xs)
{
	int e = X509_STORE_CTX_get_error(xs);

	switch (e) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return X509_V_OK;
	default:
		return e;
	}
}

/* Build the chain of leaf over untrusted, as far as it goes. */
static int build(struct np_tls_chain *ch, STACK_OF(X509) *untrusted, int *err)
{
	X509_STORE_CTX *xs = X509_STORE_CTX_new();
	STACK_OF(X509) *got = NULL;
	int ret = -1;

	*err = X509_V_ERR_UNSPECIFIED;
	if (!xs || !X509_STORE_CTX_init(xs, ch->store, sk_X509_value(ch->presented, 0), untrusted))
		goto out;
	X509_STORE_CTX_set_verify_cb(xs, accept_all);
	/* With the callback saying "go on" it returns 1 even for a broken
	 * chain: the error seen last is kept in the context. */
	X509_verify_cert(xs);
	*err = trust_error(xs);
	got = X509_STORE_CTX_get1_chain(xs);
	if (!got || sk_X509_num(got) == 0)
		goto out;
	sk_X509_pop_free(ch->certs, X509_free);
	ch->certs = got;
	got = NULL;
	ret = 0;
out:
	sk_X509_pop_free(got, X509_free);
	X509_STORE_CTX_free(xs);
	ERR_clear_error();
	return ret;
}

static int fill_subjects(struct np_tls_chain *ch)
{
	int n = sk_X509_num(ch->certs);
	void *p = realloc(ch->subjects, (size_t)(n > 0 ? n : 1) * sizeof(*ch->subjects));

	if (!p)
		return -1;
	ch->subjects = p;
	for (int i = 0; i < n; i++)
		np_tls_name_text(X509_get_subject_name(sk_X509_value(ch->certs, i)), ch->subjects[i], sizeof(ch->subjects[0]));
	return 0;
}

/* built: the chain as the handshake verified it, when it reached an
 * anchor (taken over; NULL: built here). */
static struct np_tls_chain *chain_new(STACK_OF(X509) *presented, X509_STORE *store, STACK_OF(X509) *built)
{
	struct np_tls_chain *ch = calloc(1, sizeof(*ch));
	int err;

	if (!ch) {
		sk_X509_pop_free(presented, X509_free);
		sk_X509_pop_free(built, X509_free);
		return NULL;
	}
	ch->presented = presented;
	ch->certs = built;
	if (store && X509_STORE_up_ref(store))
		ch->store = store;
	else
		ch->store = X509_STORE_new();
	if (!ch->store || !presented || sk_X509_num(presented) == 0)
		goto fail;
	/* The handshake's own verification already built a chain to an
	 * anchor: not done twice (its signatures cost, for 300 endpoints). */
	if (!ch->certs && build(ch, presented, &err) < 0) {
		ch->certs = X509_chain_up_ref(presented);
		if (!ch->certs)
			goto fail;
	}
	if (fill_subjects(ch) < 0)
		goto fail;
	return ch;
fail:
	np_tls_chain_free(ch);
	return NULL;
}

struct np_tls_chain *np_tls_conn_chain(struct np_tls_conn *c)
{
	STACK_OF(X509) *peer, *copy, *verified, *built = NULL;
	struct np_tls_chain *ch;
	const unsigned char *resp = NULL;
	long n;

	if (!c || !c->ssl || !c->ctx)
		return NULL;
	/* On the client side the peer chain includes the leaf. */
	peer = SSL_get_peer_cert_chain(c->ssl);
	if (!peer || sk_X509_num(peer) == 0)
		return NULL;
	copy = X509_chain_up_ref(peer);
	if (!copy)
		return NULL;
	verified = c->no_anchor ? NULL : SSL_get0_verified_chain(c->ssl);
	if (verified && sk_X509_num(verified) > 0)
		built = X509_chain_up_ref(verified);
	ch = chain_new(copy, SSL_CTX_get_cert_store(c->ctx->ssl_ctx), built);
	if (!ch)
		return NULL;
	n = SSL_get_tlsext_status_ocsp_resp(c->ssl, &resp);
	if (n > 0 && resp)
		np_tls_chain_set_staple(ch, resp, (size_t)n);
	return ch;
}

struct np_tls_chain *np_tls_chain_from_der(const unsigned char *const *der, const size_t *len, size_t n,
                                           const char *ca_file)
{
	STACK_OF(X509) *sk = sk_X509_new_null();
	X509_STORE *store = NULL;
	struct np_tls_chain *ch = NULL;

	if (!sk)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const unsigned char *p = der[i];
		X509 *x = len[i] <= MAX_DER ? d2i_X509(NULL, &p, (long)len[i]) : NULL;

		if (!x || !sk_X509_push(sk, x)) {
			X509_free(x);
			goto out;
		}
	}
	store = X509_STORE_new();
	if (!store || (ca_file && X509_STORE_load_file(store, ca_file) != 1))
		goto out;
	ch = chain_new(sk, store, NULL);
	sk = NULL;   /* the chain's now, freed with it on failure too */
out:
	sk_X509_pop_free(sk, X509_free);
	X509_STORE_free(store);
	ERR_clear_error();
	return ch;
}

void np_tls_chain_free(struct np_tls_chain *ch)
{
	if (!ch)
		return;
	sk_X509_pop_free(ch->certs, X509_free);
	sk_X509_pop_free(ch->presented, X509_free);
	X509_STORE_free(ch->store);
	free(ch->subjects);
	free(ch->staple);
	free(ch);
}

size_t np_tls_chain_len(const struct np_tls_chain *ch)
{
	return ch && ch->certs ? (size_t)sk_X509_num(ch->certs) : 0;
}

const char *np_tls_chain_subject(const struct np_tls_chain *ch, size_t i)
{
	return i < np_tls_chain_len(ch) ? ch->subjects[i] : "";
}

static X509 *cert_at(const struct np_tls_chain *ch, size_t i)
{
	return i < np_tls_chain_len(ch) ? sk_X509_value(ch->certs, (int)i) : NULL;
}

/* The issuer of certificate i: the next one, if it did issue i. */
static X509 *issuer_of(const struct np_tls_chain *ch, size_t i)
{
	X509 *x = cert_at(ch, i), *up = cert_at(ch, i + 1);

	if (!x || !up || X509_check_issued(up, x) != X509_V_OK)
		return NULL;
	return up;
}

int np_tls_chain_has_issuer(const struct np_tls_chain *ch, size_t i)
{
	return issuer_of(ch, i) != NULL;
}

int np_tls_chain_missing_issuer(const struct np_tls_chain *ch)
{
	size_t n = np_tls_chain_len(ch);
	X509 *top;

	if (n == 0)
		return -1;
	top = cert_at(ch, n - 1);
	/* Self-issued: the chain ends at a root (trusted or not), nothing is
	 * missing that a caIssuers fetch could bring. */
	if (X509_check_issued(top, top) == X509_V_OK)
		return -1;
	return (int)(n - 1);
}

/* ---- URLs ---- */

static size_t add_uri(const GENERAL_NAME *gn, char (*out)[NP_TLS_URL_MAX], size_t n, size_t max)
{
	const ASN1_IA5STRING *s;

	if (n >= max || !gn || gn->type != GEN_URI)
		return n;
	s = gn->d.uniformResourceIdentifier;
	if (!s || ASN1_STRING_length(s) <= 0)
		return n;
	np_tls_copy_text(out[n], NP_TLS_URL_MAX, (const char *)ASN1_STRING_get0_data(s),
	                 (size_t)ASN1_STRING_length(s));
	/* the same URL twice in one certificate is one */
	for (size_t k = 0; k < n; k++)
		if (strcmp(out[k], out[n]) == 0)
			return n;
	return n + 1;
}

size_t np_tls_chain_urls(const struct np_tls_chain *ch, size_t i, enum np_tls_url_kind kind,
                         char (*out)[NP_TLS_URL_MAX], size_t max)
{
	X509 *x = cert_at(ch, i);
	size_t n = 0;

	if (!x)
		return 0;
	if (kind == NP_TLS_URL_CRL) {
		STACK_OF(DIST_POINT) *dps = X509_get_ext_d2i(x, NID_crl_distribution_points, NULL, NULL);

		for (int k = 0; dps && k < sk_DIST_POINT_num(dps); k++) {
			DIST_POINT *dp = sk_DIST_POINT_value(dps, k);

			/* RFC 5280 4.2.1.13: a fullName; a name relative to the
			 * CRL issuer has no URL. */
			if (!dp->distpoint || dp->distpoint->type != 0)
				continue;
			for (int g = 0; g < sk_GENERAL_NAME_num(dp->distpoint->name.fullname); g++)
				n = add_uri(sk_GENERAL_NAME_value(dp->distpoint->name.fullname, g), out, n, max);
		}
		CRL_DIST_POINTS_free(dps);
	} else {
		AUTHORITY_INFO_ACCESS *aia = X509_get_ext_d2i(x, NID_info_access, NULL, NULL);
		int want = kind == NP_TLS_URL_OCSP ? NID_ad_OCSP : NID_ad_ca_issuers;

		for (int k = 0; aia && k < sk_ACCESS_DESCRIPTION_num(aia); k++) {
			ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_value(aia, k);

			if (OBJ_obj2nid(ad->method) == want)
				n = add_uri(ad->location, out, n, max);
		}
		AUTHORITY_INFO_ACCESS_free(aia);
	}
	ERR_clear_error();
	return n;
}

/* ---- Chain completion ---- */

/* The certificates in a caIssuers answer: one DER certificate, or a
 * certs-only CMS/PKCS#7 (RFC 5280 4.2.2.1). */
static STACK_OF(X509) *read_certs(const unsigned char *der, size_t len)
{
	STACK_OF(X509) *sk = sk_X509_new_null();
	const unsigned char *p = der;
	X509 *x;
	PKCS7 *p7;

	if (!sk || len == 0 || len > MAX_DER)
		goto fail;
	x = d2i_X509(NULL, &p, (long)len);
	if (x) {
		if (!sk_X509_push(sk, x)) {
			X509_free(x);
			goto fail;
		}
		return sk;
	}
	p = der;
	p7 = d2i_PKCS7(NULL, &p, (long)len);
	if (p7 && PKCS7_type_is_signed(p7) && p7->d.sign && p7->d.sign->cert) {
		for (int i = 0; i < sk_X509_num(p7->d.sign->cert); i++) {
			X509 *c = sk_X509_value(p7->d.sign->cert, i);

			if (X509_up_ref(c) && !sk_X509_push(sk, c))
				X509_free(c);
		}
	}
	PKCS7_free(p7);
	if (sk_X509_num(sk) > 0)
		return sk;
fail:
	sk_X509_free(sk);
	return NULL;
}

int np_tls_chain_complete(struct np_tls_chain *ch, const unsigned char *der, size_t len, char *why,
                          size_t whylen)
{
	int miss = np_tls_chain_missing_issuer(ch), ret = -1, issued = 0, err;
	STACK_OF(X509) *got = read_certs(der, len), *untrusted = NULL;
	char name[256];

	snprintf(why, whylen, "%s", "");
	if (!got) {
		snprintf(why, whylen, "not a certificate (neither DER nor PKCS#7)");
		goto out;
	}
	ret = 0;
	if (miss < 0) {
		snprintf(why, whylen, "nothing is missing from the chain");
		goto out;
	}
	for (int i = 0; i < sk_X509_num(got); i++)
		if (X509_check_issued(sk_X509_value(got, i), cert_at(ch, (size_t)miss)) == X509_V_OK)
			issued = 1;
	if (!issued) {
		np_tls_name_text(X509_get_subject_name(sk_X509_value(got, 0)), name, sizeof(name));
		snprintf(why, whylen, "it holds '%.150s', which did not issue the certificate", name);
		goto out;
	}
	untrusted = X509_chain_up_ref(ch->presented);
	for (int i = 0; untrusted && i < sk_X509_num(got); i++) {
		X509 *c = sk_X509_value(got, i);

		if (X509_up_ref(c) && !sk_X509_push(untrusted, c))
			X509_free(c);
	}
	if (!untrusted || build(ch, untrusted, &err) < 0 || fill_subjects(ch) < 0) {
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	if (err != X509_V_OK) {
		snprintf(why, whylen, "with it the chain still ends at no trust anchor (%s)",
		         X509_verify_cert_error_string(err));
		goto out;
	}
	ret = 1;
out:
	sk_X509_pop_free(got, X509_free);
	sk_X509_pop_free(untrusted, X509_free);
	ERR_clear_error();
	return ret;
}

/* ---- OCSP ---- */

const char *np_tls_rev_status_name(enum np_tls_rev_status s)
{
	switch (s) {
	case NP_TLS_REV_GOOD:
		return "good";
	case NP_TLS_REV_REVOKED:
		return "revoked";
	case NP_TLS_REV_UNKNOWN:
		return "unknown";
	default:
		return "malformed";
	}
}

static void iso_time(const ASN1_TIME *t, char *out, size_t outlen)
{
	struct tm tm;

	out[0] = '\0';
	if (t && ASN1_TIME_to_tm(t, &tm) == 1)
		strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void set_rev(struct np_tls_rev *out, enum np_tls_rev_status s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_rev(struct np_tls_rev *out, enum np_tls_rev_status s, const char *fmt, ...)
{
	va_list ap;

	out->status = s;
	va_start(ap, fmt);
	vsnprintf(out->reason, sizeof(out->reason), fmt, ap);
	va_end(ap);
}

static const char *reason_name(int r)
{
	/* RFC 5280 5.3.1 */
	static const char *const names[] = {"unspecified", "keyCompromise", "cACompromise", "affiliationChanged",
		"superseded", "cessationOfOperation", "certificateHold", "", "removeFromCRL",
		"privilegeWithdrawn", "aACompromise"};

	return r >= 0 && r < (int)(sizeof(names) / sizeof(names[0])) && names[r][0] ? names[r] : "";
}

unsigned char *np_tls_ocsp_request(const struct np_tls_chain *ch, size_t i, size_t *len)
{
	X509 *x = cert_at(ch, i), *up = issuer_of(ch, i);
	OCSP_REQUEST *req = NULL;
	OCSP_CERTID *id;
	unsigned char *der = NULL, *p;
	int n;

	*len = 0;
	if (!x || !up)
		return NULL;
	req = OCSP_REQUEST_new();
	id = OCSP_cert_to_id(EVP_sha1(), x, up);
	if (!req || !id || !OCSP_request_add0_id(req, id)) {
		OCSP_CERTID_free(id);
		goto out;
	}
	n = i2d_OCSP_REQUEST(req, NULL);
	der = n > 0 ? malloc((size_t)n) : NULL;
	if (!der)
		goto out;
	p = der;
	i2d_OCSP_REQUEST(req, &p);
	*len = (size_t)n;
out:
	OCSP_REQUEST_free(req);
	ERR_clear_error();
	return der;
}

void np_tls_ocsp_check(const struct np_tls_chain *ch, size_t i, const unsigned char *der, size_t len,
                       struct np_tls_rev *out)
{
	X509 *x = cert_at(ch, i), *up = issuer_of(ch, i);
	const unsigned char *p = der;
	OCSP_RESPONSE *resp = NULL;
	OCSP_BASICRESP *bs = NULL;
	OCSP_CERTID *id = NULL;
	ASN1_GENERALIZEDTIME *rev = NULL, *thisupd = NULL, *nextupd = NULL;
	int st, status, reason = -1;
	char when[32];

	memset(out, 0, sizeof(*out));
	if (!x || !up) {
		set_rev(out, NP_TLS_REV_MALFORMED, "the issuer of the certificate is not known");
		goto out;
	}
	if (der && len > 0 && len <= MAX_DER)
		resp = d2i_OCSP_RESPONSE(NULL, &p, (long)len);
	if (!resp) {
		set_rev(out, NP_TLS_REV_MALFORMED, "not an OCSP response (%zu bytes)", len);
		goto out;
	}
	st = OCSP_response_status(resp);
	if (st != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
		/* RFC 6960 4.2.1: no signature, no certificate status */
		set_rev(out, NP_TLS_REV_MALFORMED, "response status %s (%d)", OCSP_response_status_str(st), st);
		goto out;
	}
	bs = OCSP_response_get1_basic(resp);
	if (!bs) {
		set_rev(out, NP_TLS_REV_MALFORMED, "no basic OCSP response in it");
		goto out;
	}
	/* The signer: the issuer itself, or a responder certificate in the
	 * response that the issuer signed with id-kp-OCSPSigning (RFC 6960
	 * 4.2.2.2), chained to the store like the server's chain. */
	if (OCSP_basic_verify(bs, ch->certs, ch->store, 0) <= 0) {
		char buf[128];

		set_rev(out, NP_TLS_REV_MALFORMED, "its signature does not verify: %s",
		        np_tls_ssl_reason(buf, sizeof(buf)));
		goto out;
	}
	id = OCSP_cert_to_id(EVP_sha1(), x, up);
	if (!id || !OCSP_resp_find_status(bs, id, &status, &reason, &rev, &thisupd, &nextupd)) {
		set_rev(out, NP_TLS_REV_MALFORMED, "no status for this certificate in it");
		goto out;
	}
	iso_time(thisupd, out->this_update, sizeof(out->this_update));
	iso_time(nextupd, out->next_update, sizeof(out->next_update));
	if (!OCSP_check_validity(thisupd, nextupd, SKEW_S, -1)) {
		set_rev(out, NP_TLS_REV_MALFORMED, "out of date (thisUpdate %s, nextUpdate %s)",
		        out->this_update[0] ? out->this_update : "none",
		        out->next_update[0] ? out->next_update : "none");
		goto out;
	}
	if (status == V_OCSP_CERTSTATUS_GOOD) {
		set_rev(out, NP_TLS_REV_GOOD, "good (thisUpdate %s)", out->this_update);
	} else if (status == V_OCSP_CERTSTATUS_REVOKED) {
		iso_time(rev, when, sizeof(when));
		set_rev(out, NP_TLS_REV_REVOKED, "revoked %s%s%s", when, reason_name(reason)[0] ? ", " : "",
		        reason_name(reason));
	} else {
		set_rev(out, NP_TLS_REV_UNKNOWN, "the responder does not know the certificate");
	}
out:
	OCSP_CERTID_free(id);
	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(resp);
	ERR_clear_error();
}

int np_tls_chain_set_staple(struct np_tls_chain *ch, const unsigned char *der, size_t len)
{
	unsigned char *p;

	if (!ch || !der || len == 0 || len > MAX_DER)
		return -1;
	p = malloc(len);
	if (!p)
		return -1;
	memcpy(p, der, len);
	free(ch->staple);
	ch->staple = p;
	ch->staple_len = len;
	return 0;
}

int np_tls_chain_staple(const struct np_tls_chain *ch, struct np_tls_rev *out)
{
	if (!ch || !ch->staple)
		return 0;
	np_tls_ocsp_check(ch, 0, ch->staple, ch->staple_len, out);
	return 1;
}

/* ---- CRL ---- */

#define CACHE_KEYS 4

struct crl_entry {
	const unsigned char *der;
	size_t len;
	X509_CRL *crl;                   /* NULL: not a CRL */
	EVP_PKEY *verified[CACHE_KEYS];  /* issuer keys its signature verified under */
	struct crl_entry *next;
};

struct np_tls_crl_cache {
	struct crl_entry *entries;
};

struct np_tls_crl_cache *np_tls_crl_cache_new(void)
{
	return calloc(1, sizeof(struct np_tls_crl_cache));
}

void np_tls_crl_cache_free(struct np_tls_crl_cache *cache)
{
	struct crl_entry *e, *next;

	if (!cache)
		return;
	for (e = cache->entries; e; e = next) {
		next = e->next;
		X509_CRL_free(e->crl);
		for (int k = 0; k < CACHE_KEYS; k++)
			EVP_PKEY_free(e->verified[k]);
		free(e);
	}
	free(cache);
}

static X509_CRL *read_crl(const unsigned char *der, size_t len)
{
	const unsigned char *p = der;
	X509_CRL *crl;
	BIO *b;

	if (!der || len == 0 || len > MAX_DER)
		return NULL;
	crl = d2i_X509_CRL(NULL, &p, (long)len);
	if (crl || len < 10 || memcmp(der, "-----BEGIN", 10) != 0)
		return crl;
	/* Some servers publish PEM; Windows reads it too. */
	b = BIO_new_mem_buf(der, (int)len);
	crl = b ? PEM_read_bio_X509_CRL(b, NULL, NULL, NULL) : NULL;
	BIO_free(b);
	return crl;
}

/* The cached entry of these bytes, made (parsed) on first sight; NULL
 * only when out of memory. */
static struct crl_entry *cached(struct np_tls_crl_cache *cache, const unsigned char *der, size_t len)
{
	struct crl_entry *e;

	for (e = cache->entries; e; e = e->next)
		if (e->der == der && e->len == len)
			return e;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->der = der;
	e->len = len;
	e->crl = read_crl(der, len);
	e->next = cache->entries;
	cache->entries = e;
	return e;
}

static int crl_verified(struct crl_entry *e, X509_CRL *crl, EVP_PKEY *key)
{
	int k;

	for (k = 0; e && k < CACHE_KEYS && e->verified[k]; k++)
		if (EVP_PKEY_eq(e->verified[k], key) == 1)
			return 1;
	if (X509_CRL_verify(crl, key) != 1)
		return 0;
	if (e && k < CACHE_KEYS && EVP_PKEY_up_ref(key))
		e->verified[k] = key;
	return 1;
}

void np_tls_crl_check(const struct np_tls_chain *ch, size_t i, const unsigned char *der, size_t len,
                      struct np_tls_crl_cache *cache, struct np_tls_rev *out)
{
	X509 *x = cert_at(ch, i), *up = issuer_of(ch, i);
	struct crl_entry *e = NULL;
	X509_CRL *crl = NULL, *own = NULL;
	X509_REVOKED *r = NULL;
	EVP_PKEY *key;
	const ASN1_TIME *thisupd, *nextupd;
	char when[32];

	memset(out, 0, sizeof(*out));
	if (!x || !up) {
		set_rev(out, NP_TLS_REV_MALFORMED, "the issuer of the certificate is not known");
		goto out;
	}
	if (cache)
		e = cached(cache, der, len);
	if (e)
		crl = e->crl;
	else
		crl = own = read_crl(der, len);
	if (!crl) {
		set_rev(out, NP_TLS_REV_MALFORMED, "not a CRL (%zu bytes)", len);
		goto out;
	}
	thisupd = X509_CRL_get0_lastUpdate(crl);
	nextupd = X509_CRL_get0_nextUpdate(crl);
	iso_time(thisupd, out->this_update, sizeof(out->this_update));
	iso_time(nextupd, out->next_update, sizeof(out->next_update));
	/* RFC 5280 6.3.3 (b), (f): issued by the certificate's issuer and
	 * signed with its key (indirect CRLs are not followed). */
	if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(up)) != 0) {
		set_rev(out, NP_TLS_REV_MALFORMED, "issued by another CA than the certificate's");
		goto out;
	}
	key = X509_get0_pubkey(up);
	if (!key || !crl_verified(e, crl, key)) {
		set_rev(out, NP_TLS_REV_MALFORMED, "its signature does not verify against the issuer's key");
		goto out;
	}
	if (!thisupd || X509_cmp_time(thisupd, NULL) == 0) {
		set_rev(out, NP_TLS_REV_MALFORMED, "its thisUpdate is unreadable");
		goto out;
	}
	{
		time_t later = time(NULL) + SKEW_S;

		if (X509_cmp_time(thisupd, &later) > 0) {
			set_rev(out, NP_TLS_REV_MALFORMED, "issued in the future (thisUpdate %s)", out->this_update);
			goto out;
		}
	}
	/* RFC 5280 6.3.3 (a)(2): past nextUpdate the CRL says nothing about
	 * now (Windows: "revocation server offline"). */
	if (nextupd && X509_cmp_time(nextupd, NULL) < 0) {
		set_rev(out, NP_TLS_REV_MALFORMED, "stale: nextUpdate %s has passed", out->next_update);
		goto out;
	}
	if (X509_CRL_get0_by_serial(crl, &r, X509_get0_serialNumber(x)) == 1 && r) {
		ASN1_ENUMERATED *code = X509_REVOKED_get_ext_d2i(r, NID_crl_reason, NULL, NULL);
		int reason = code ? (int)ASN1_ENUMERATED_get(code) : -1;

		ASN1_ENUMERATED_free(code);
		iso_time(X509_REVOKED_get0_revocationDate(r), when, sizeof(when));
		set_rev(out, NP_TLS_REV_REVOKED, "listed: revoked %s%s%s", when, reason_name(reason)[0] ? ", " : "",
		        reason_name(reason));
		goto out;
	}
	set_rev(out, NP_TLS_REV_GOOD, "not listed (thisUpdate %s)", out->this_update);
out:
	X509_CRL_free(own);
	ERR_clear_error();
}
