/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_TLS_REVOC_H
#define NETPROBE_TLS_REVOC_H

/* Revocation and chain completion, as Windows' chain engine does them
 * (CertGetCertificateChain with CERT_CHAIN_REVOCATION_CHECK_CHAIN): the
 * URLs a chain names (RFC 5280 4.2.1.13 CRL Distribution Points, 4.2.2.1
 * Authority Information Access: OCSP and caIssuers), the OCSP request for
 * a certificate (RFC 6960 4.1), and the checks of what comes back: an
 * OCSP response (RFC 6960 4.2, 3.2), a CRL (RFC 5280 5, 6.3), a stapled
 * response (RFC 6066 8). The fetching is the caller's (netprobe/): here
 * are bytes in, facts out, and every byte is hostile. No OpenSSL type
 * crosses this header. */

#include <stddef.h>

#include "tls.h"

#define NP_TLS_URL_MAX 512
#define NP_TLS_MAX_URLS 4       /* per certificate and kind; more are ignored */

/* A handshake's certificates, kept after the connection is gone: the
 * chain as verified (leaf first, up to the trust anchor when one was
 * reached), else as presented; and the stapled OCSP response. */
struct np_tls_chain;

/* NULL when the handshake brought no certificate (or out of memory). */
struct np_tls_chain *np_tls_conn_chain(struct np_tls_conn *c);
void np_tls_chain_free(struct np_tls_chain *ch);

/* From DER certificates, leaf first, and a trust store of PEM anchors
 * (NULL: none), for tests and the fuzz harness. */
struct np_tls_chain *np_tls_chain_from_der(const unsigned char *const *der, const size_t *len, size_t n,
                                           const char *ca_file);

size_t np_tls_chain_len(const struct np_tls_chain *ch);
/* "C = US, O = Lab, CN = x"; "" past the end. */
const char *np_tls_chain_subject(const struct np_tls_chain *ch, size_t i);
/* 1 when certificate i's issuer is in the chain (so its revocation can be
 * asked), 0 for a self-signed anchor or an issuer not known. */
int np_tls_chain_has_issuer(const struct np_tls_chain *ch, size_t i);

enum np_tls_url_kind { NP_TLS_URL_CRL, NP_TLS_URL_OCSP, NP_TLS_URL_CA_ISSUERS };

/* The URI-form URLs of that kind in certificate i, as written (any
 * scheme; control bytes masked). Returns how many (at most max). */
size_t np_tls_chain_urls(const struct np_tls_chain *ch, size_t i, enum np_tls_url_kind kind,
                         char (*out)[NP_TLS_URL_MAX], size_t max);

/* The chain stops at a certificate that is not self-signed and whose
 * issuer is in neither the chain nor the store: the server left out an
 * intermediate. Returns the index of that certificate, -1 otherwise. */
int np_tls_chain_missing_issuer(const struct np_tls_chain *ch);

/* A certificate fetched from a caIssuers URL (DER, or a PKCS#7
 * certs-only bundle as RFC 5280 4.2.2.1 allows): 1 when it issued the
 * certificate missing_issuer names and the chain now verifies up to an
 * anchor of the store (the chain grows by it and the rest), 0 when it is
 * a certificate that does not complete the chain (why says so), -1 when
 * it is not a certificate at all (why says so). */
int np_tls_chain_complete(struct np_tls_chain *ch, const unsigned char *der, size_t len, char *why,
                          size_t whylen);

/* The DER OCSP request for certificate i (one CertID, SHA-1 as RFC 6960
 * 4.1.1 and every responder expect; no nonce, as Windows sends none).
 * malloc'd; NULL when the issuer is not known. */
unsigned char *np_tls_ocsp_request(const struct np_tls_chain *ch, size_t i, size_t *len);

enum np_tls_rev_status {
	NP_TLS_REV_GOOD,
	NP_TLS_REV_REVOKED,
	NP_TLS_REV_UNKNOWN,        /* the responder does not know the certificate */
	NP_TLS_REV_MALFORMED,      /* not a usable answer: garbage, bad signature, stale, ... */
};

struct np_tls_rev {
	enum np_tls_rev_status status;
	char reason[200];          /* in words: "revoked 2026-12-05T10:00:00Z (keyCompromise)", ... */
	char this_update[32], next_update[32];   /* ISO 8601 UTC, "" if none */
};

const char *np_tls_rev_status_name(enum np_tls_rev_status s);

/* An OCSP response (DER) about certificate i: response status, the
 * signature (by the issuer or a responder it delegated to, RFC 6960
 * 4.2.2.2), thisUpdate/nextUpdate (5 minutes of skew allowed), the
 * certificate's status. Never fails: a bad answer is MALFORMED. */
void np_tls_ocsp_check(const struct np_tls_chain *ch, size_t i, const unsigned char *der, size_t len,
                       struct np_tls_rev *out);

/* The CRLs of a run, parsed once each: a CRL is known by the address
 * and length of its bytes (which the caller keeps unchanged while the
 * cache lives), its signature verified once per issuer key. A big CA's
 * CRL runs to megabytes; the endpoints that name it to hundreds. */
struct np_tls_crl_cache;
struct np_tls_crl_cache *np_tls_crl_cache_new(void);
void np_tls_crl_cache_free(struct np_tls_crl_cache *cache);

/* A CRL (DER; PEM accepted too) for certificate i: issued and signed by
 * its issuer, nextUpdate not passed, and whether i's serial is listed.
 * cache may be NULL (then parsed and verified each time). */
void np_tls_crl_check(const struct np_tls_chain *ch, size_t i, const unsigned char *der, size_t len,
                      struct np_tls_crl_cache *cache, struct np_tls_rev *out);

/* The OCSP response the server stapled (RFC 6066 8), checked as above
 * for the leaf: 0 when none came, 1 with out filled. */
int np_tls_chain_staple(const struct np_tls_chain *ch, struct np_tls_rev *out);

/* Copy of the stapled response for a test: set one on a chain. */
int np_tls_chain_set_staple(struct np_tls_chain *ch, const unsigned char *der, size_t len);

#endif
