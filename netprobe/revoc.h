/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_REVOC_H
#define NETPROBE_REVOC_H

/* The revocation checks of one presented chain, as a Windows client makes
 * them before it trusts it, over one path (direct or a proxy): first the
 * caIssuers of a chain the server left incomplete (the chain is completed
 * with what comes), then, for every certificate whose issuer is known,
 * the stapled response, each OCSP responder and each CRL, all at once, so
 * that it is decided within two fetch timeouts. tls and idle use it. */

#include <jansson.h>
#include <stddef.h>

#include "../tls/tls_revoc.h"
#include "proxy.h"
#include "revoc_fetch.h"

struct np_revoc;

struct np_revoc_in {
	struct np_rfetch *rf;            /* the run's fetches, shared */
	struct np_tls_crl_cache *crls;   /* the run's parsed CRLs, shared */
	const struct np_proxy *proxy;    /* the path; borrowed until done or free */
	struct np_tls_chain *chain;      /* borrowed; completed in place */
	int complete;                    /* the chain lacks an intermediate: caIssuers first */
	void (*done)(void *arg);         /* once, from the loop; never from inside
	                                  * np_revoc_start (see there) */
	void *arg;
};

/* NULL when out of memory. With nothing to fetch the checks are decided
 * at once: np_revoc_done() is then already 1, and done is not called (the
 * caller goes on itself, its state still its own). */
struct np_revoc *np_revoc_start(const struct np_revoc_in *in);
/* Pending fetches are given up: done will not be called. NULL is fine. */
void np_revoc_free(struct np_revoc *rv);
int np_revoc_done(const struct np_revoc *rv);
/* Ends what is still pending now, each as unreachable for why (done is
 * not called): what is known is then final. */
void np_revoc_stop(struct np_revoc *rv, const char *why);

/* Only issuer-not-found verify errors (X509_V_ERR codes 2, 20, 21): what a
 * missing intermediate causes. */
int np_revoc_only_issuer_missing(const int *codes, size_t n);

/*
 * The verdict by the precedence over base, the certificate
 * verdict of the handshake: tls.revoked over anything; tls.incomplete_chain
 * in place of tls.untrusted when the chain was missing an intermediate;
 * tls.revocation_unreachable in place of tls.ok when a certificate's status
 * was determined by no source; else base. When it changes, summary gets
 * the new summary.
 */
const char *np_revoc_verdict(const struct np_revoc *rv, const char *base, char *summary, size_t len);

/* The finding's metrics revocation (per certificate and source),
 * ca_issuers and revocation_ms. */
struct np_finding;
void np_revoc_metrics(const struct np_revoc *rv, struct np_finding *f);

/* How many certificates no source determined; the subject and list of the
 * first one's sources for a short text. */
size_t np_revoc_undetermined(const struct np_revoc *rv, char *text, size_t len);
/* The first revoked answer in words, "" when none: 1 if revoked. */
int np_revoc_revoked(const struct np_revoc *rv, char *text, size_t len);

#endif
