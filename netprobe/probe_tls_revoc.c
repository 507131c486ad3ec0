/* SPDX-License-Identifier: GPL-3.0-or-later */
/* netprobe tls --revocation on: after a completed handshake, what a
 * Windows client would fetch before it trusts the chain, fetched over
 * the same path (direct or the same proxy). First the caIssuers of a
 * chain the server left incomplete (the chain is completed with what
 * comes), then, for every certificate whose issuer is known, the stapled
 * response, each OCSP responder and each CRL, all at once: a finding is
 * decided within two fetch timeouts. Verdicts by precedence: tls.revoked,
 * then the certificate problems (tls.incomplete_chain in place of
 * tls.untrusted), then tls.revocation_unreachable, then tls.ok. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tls/tls_revoc.h"
#include "clock.h"
#include "probe_tls_int.h"

/* Bounds of what a source may send: a big CA's CRL runs to a few MB;
 * an OCSP response or a certificate to a few KB. */
#define CRL_MAX (8u << 20)
#define SMALL_MAX (64u << 10)
#define MAX_ITEMS 64

enum source { SRC_STAPLE, SRC_OCSP, SRC_CRL, SRC_CA_ISSUERS };
enum rstatus { R_PENDING, R_GOOD, R_REVOKED, R_UNKNOWN, R_UNREACHABLE, R_MALFORMED };

static const char *const source_name[] = {"staple", "ocsp", "crl", "ca_issuers"};
static const char *const status_name[] = {"pending", "good", "revoked", "unknown", "unreachable", "malformed"};

struct item {
	struct np_tls_revoc *rv;
	size_t cert;
	enum source src;
	char url[NP_TLS_URL_MAX];
	enum rstatus st;
	char reason[240];
	double ms;
	struct np_rfetch_wait *w;
};

struct np_tls_revoc {
	struct attempt *a;
	struct item items[MAX_ITEMS];
	size_t n, pending;
	int round;           /* 0: caIssuers, 1: revocation */
	int missing;         /* the certificate whose issuer was not sent, -1 */
	int completed;       /* a caIssuers answer completed the chain */
	int64_t t0;
};

static struct item *add_item(struct np_tls_revoc *rv, size_t cert, enum source src, const char *url)
{
	struct item *it;

	if (rv->n == MAX_ITEMS)
		return NULL;
	it = &rv->items[rv->n++];
	memset(it, 0, sizeof(*it));
	it->rv = rv;
	it->cert = cert;
	it->src = src;
	snprintf(it->url, sizeof(it->url), "%s", url ? url : "");
	return it;
}

static enum rstatus from_tls(enum np_tls_rev_status s)
{
	switch (s) {
	case NP_TLS_REV_GOOD:
		return R_GOOD;
	case NP_TLS_REV_REVOKED:
		return R_REVOKED;
	case NP_TLS_REV_UNKNOWN:
		return R_UNKNOWN;
	default:
		return R_MALFORMED;
	}
}

/* Only issuer-not-found errors: what a missing intermediate causes. */
static int only_issuer_missing(const struct np_tls_facts *x)
{
	if (x->n_problems == 0)
		return 0;
	for (size_t i = 0; i < x->n_problems; i++) {
		switch (x->problems[i].code) {
		case 2:    /* X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT */
		case 20:   /* X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY */
		case 21:   /* X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE */
			break;
		default:
			return 0;
		}
	}
	return 1;
}

static void decide(struct np_tls_revoc *rv);
static void round_revocation(struct np_tls_revoc *rv);

static void on_answer(const struct np_rfetch_answer *ans, void *arg)
{
	struct item *it = arg;
	struct np_tls_revoc *rv = it->rv;
	struct np_tls_rev r;

	it->w = NULL;
	it->ms = ans->ms;
	if (!ans->ok) {
		it->st = R_UNREACHABLE;
		snprintf(it->reason, sizeof(it->reason), "%s", ans->reason);
	} else if (it->src == SRC_CA_ISSUERS) {
		char why[200];
		int k = rv->completed ? 1 : np_tls_chain_complete(rv->a->chain, ans->body, ans->len, why, sizeof(why));

		it->st = k < 0 ? R_MALFORMED : R_GOOD;
		if (k > 0) {
			rv->completed = 1;
			snprintf(it->reason, sizeof(it->reason), "the issuer came (%zu bytes) and completes the chain",
				 ans->len);
		} else {
			snprintf(it->reason, sizeof(it->reason), "%zu bytes came: %s", ans->len, why);
		}
	} else {
		if (it->src == SRC_OCSP)
			np_tls_ocsp_check(rv->a->chain, it->cert, ans->body, ans->len, &r);
		else
			np_tls_crl_check(rv->a->chain, it->cert, ans->body, ans->len, rv->a->st->crls, &r);
		it->st = from_tls(r.status);
		snprintf(it->reason, sizeof(it->reason), "%s", r.reason);
	}
	if (--rv->pending)
		return;
	if (rv->round == 0)
		round_revocation(rv);
	else
		decide(rv);
}

static void fetch(struct np_tls_revoc *rv, struct item *it, const unsigned char *body, size_t blen)
{
	struct attempt *a = rv->a;
	size_t max = it->src == SRC_CRL ? CRL_MAX : SMALL_MAX;

	rv->pending++;
	it->st = R_PENDING;
	it->w = np_rfetch_get(a->st->rf, it->url, &a->proxy, body, blen, body ? "application/ocsp-request" : NULL,
			      max, on_answer, it);
	if (!it->w) {
		rv->pending--;
		it->st = R_UNREACHABLE;
		snprintf(it->reason, sizeof(it->reason), "out of memory");
	}
}

static void round_revocation(struct np_tls_revoc *rv)
{
	struct attempt *a = rv->a;
	char urls[NP_TLS_MAX_URLS][NP_TLS_URL_MAX];
	struct np_tls_rev r;
	size_t n = np_tls_chain_len(a->chain);

	rv->round = 1;
	if (np_tls_chain_staple(a->chain, &r)) {
		struct item *it = add_item(rv, 0, SRC_STAPLE, "");

		if (it) {
			it->st = from_tls(r.status);
			snprintf(it->reason, sizeof(it->reason), "%s", r.reason);
		}
	}
	for (size_t i = 0; i < n; i++) {
		size_t k, m;

		/* a root (its own issuer) is trusted as an anchor, not checked */
		if (!np_tls_chain_has_issuer(a->chain, i))
			continue;
		m = np_tls_chain_urls(a->chain, i, NP_TLS_URL_OCSP, urls, NP_TLS_MAX_URLS);
		for (k = 0; k < m; k++) {
			size_t len = 0;
			unsigned char *req = np_tls_ocsp_request(a->chain, i, &len);
			struct item *it = add_item(rv, i, SRC_OCSP, urls[k]);

			if (it && req)
				fetch(rv, it, req, len);
			else if (it) {
				it->st = R_MALFORMED;
				snprintf(it->reason, sizeof(it->reason), "no OCSP request could be made");
			}
			free(req);
		}
		m = np_tls_chain_urls(a->chain, i, NP_TLS_URL_CRL, urls, NP_TLS_MAX_URLS);
		for (k = 0; k < m; k++) {
			struct item *it = add_item(rv, i, SRC_CRL, urls[k]);

			if (it)
				fetch(rv, it, NULL, 0);
		}
	}
	if (rv->pending == 0)
		decide(rv);
}

int np_tls_revoc_start(struct attempt *a)
{
	struct np_tls_revoc *rv;
	char urls[NP_TLS_MAX_URLS][NP_TLS_URL_MAX];

	if (!a->st->plan.revocation || !a->chain || !a->st->rf)
		return 0;
	rv = calloc(1, sizeof(*rv));
	if (!rv)
		return 0;
	a->rv = rv;
	rv->a = a;
	rv->t0 = np_now_us();
	rv->missing = -1;
	/* Two rounds at most, each within one fetch timeout. */
	a->job.wait_until_us = np_now_us() + 2 * np_run_opts(a->st->run)->timeout_us;
	if (strcmp(a->res.verdict, "tls.untrusted") == 0 && only_issuer_missing(&a->main.facts))
		rv->missing = np_tls_chain_missing_issuer(a->chain);
	if (rv->missing >= 0) {
		size_t m = np_tls_chain_urls(a->chain, (size_t)rv->missing, NP_TLS_URL_CA_ISSUERS, urls, NP_TLS_MAX_URLS);

		for (size_t k = 0; k < m; k++) {
			struct item *it = add_item(rv, (size_t)rv->missing, SRC_CA_ISSUERS, urls[k]);

			if (it)
				fetch(rv, it, NULL, 0);
		}
		if (rv->pending)
			return 1;
	}
	round_revocation(rv);
	return 1;
}

/* "'CN = x': crl http://...: reason; ..." for the summary, bounded. */
static void list_sources(const struct np_tls_revoc *rv, size_t cert, char *out, size_t outlen)
{
	size_t o = 0;

	out[0] = '\0';
	for (size_t i = 0; i < rv->n && o + 1 < outlen; i++) {
		const struct item *it = &rv->items[i];
		int n;

		if (it->cert != cert || it->src == SRC_CA_ISSUERS)
			continue;
		n = snprintf(out + o, outlen - o, "%s%s %s: %s", o ? "; " : "", source_name[it->src],
			     it->url[0] ? it->url : "(stapled)", it->reason);
		if (n < 0)
			break;
		o += (size_t)n < outlen - o ? (size_t)n : outlen - o - 1;
	}
}

static void set_summary(struct attempt *a, const char *verdict, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_summary(struct attempt *a, const char *verdict, const char *fmt, ...)
{
	va_list ap;

	a->res.verdict = verdict;
	va_start(ap, fmt);
	vsnprintf(a->res.summary, sizeof(a->res.summary), fmt, ap);
	va_end(ap);
}

static void decide(struct np_tls_revoc *rv)
{
	struct attempt *a = rv->a;
	const struct item *revoked = NULL;
	size_t n = np_tls_chain_len(a->chain);
	char list[500];

	for (size_t i = 0; i < rv->n && !revoked; i++)
		if (rv->items[i].st == R_REVOKED)
			revoked = &rv->items[i];
	if (rv->missing >= 0) {
		const char *subj = np_tls_chain_subject(a->chain, (size_t)rv->missing);
		const struct item *ci = NULL;

		for (size_t i = 0; i < rv->n; i++)
			if (rv->items[i].src == SRC_CA_ISSUERS && (!ci || rv->items[i].st == R_GOOD))
				ci = &rv->items[i];
		if (rv->completed)
			set_summary(a, "tls.incomplete_chain", "the server did not send the issuer of '%.150s': "
				    "OpenSSL-based clients fail; its caIssuers URL %.200s is reachable through this path "
				    "and completes the chain, so a Windows client completes it", subj, ci->url);
		else if (ci && ci->st == R_UNREACHABLE)
			set_summary(a, "tls.incomplete_chain", "the server did not send the issuer of '%.150s': "
				    "OpenSSL-based clients fail; its caIssuers URL %.200s is not reachable through this "
				    "path (%.150s), so a Windows client cannot complete it either", subj, ci->url, ci->reason);
	}
	if (revoked) {
		set_summary(a, "tls.revoked", "'%.150s' is revoked: %s %.200s says %.150s",
			    np_tls_chain_subject(a->chain, revoked->cert), source_name[revoked->src],
			    revoked->url[0] ? revoked->url : "(stapled by the server)", revoked->reason);
	} else if (strcmp(a->res.verdict, "tls.ok") == 0) {
		char why[560] = "";
		size_t o = 0, undetermined = 0;

		for (size_t c = 0; c < n; c++) {
			int sources = 0, determined = 0;

			for (size_t i = 0; i < rv->n; i++) {
				const struct item *it = &rv->items[i];

				if (it->cert != c || it->src == SRC_CA_ISSUERS)
					continue;
				sources++;
				determined |= it->st == R_GOOD || it->st == R_REVOKED;
			}
			if (!sources || determined)
				continue;
			undetermined++;
			list_sources(rv, c, list, sizeof(list));
			if (o < sizeof(why)) {
				int k = snprintf(why + o, sizeof(why) - o, "%s'%.100s': %s", o ? "; " : "",
						 np_tls_chain_subject(a->chain, c), list);

				o += k > 0 ? (size_t)k : 0;
			}
		}
		if (undetermined)
			set_summary(a, "tls.revocation_unreachable", "no revocation source answered through this path "
				    "for %zu certificate%s: %.480s", undetermined, undetermined == 1 ? "" : "s", why);
	}
	np_tls_emit(a);
	a->main.flow = NULL;
	a->main.tls = NULL;
	np_tls_attempt_finish(a);
}

void np_tls_revoc_metrics(struct attempt *a, struct np_finding *f)
{
	struct np_tls_revoc *rv = a->rv;
	json_t *rev = json_array(), *cai = json_array();

	if (!rv || !rev || !cai) {
		json_decref(rev);
		json_decref(cai);
		return;
	}
	for (size_t i = 0; i < rv->n; i++) {
		const struct item *it = &rv->items[i];
		json_t *o = json_object();

		if (!o)
			continue;
		if (it->src == SRC_CA_ISSUERS) {
			json_object_set_new(o, "url", json_string(it->url));
			json_object_set_new(o, "reachable", json_boolean(it->st != R_UNREACHABLE && it->st != R_PENDING));
			json_object_set_new(o, "reason", json_string(it->reason));
			json_array_append_new(cai, o);
			continue;
		}
		json_object_set_new(o, "certificate", json_string(np_tls_chain_subject(a->chain, it->cert)));
		json_object_set_new(o, "source", json_string(source_name[it->src]));
		json_object_set_new(o, "url", it->url[0] ? json_string(it->url) : json_null());
		json_object_set_new(o, "status", json_string(status_name[it->st]));
		json_object_set_new(o, "reason", json_string(it->reason));
		json_object_set_new(o, "ms", json_real(it->ms));
		json_array_append_new(rev, o);
	}
	json_object_set_new(f->metrics, "revocation", rev);
	json_object_set_new(f->metrics, "ca_issuers", cai);
	np_finding_metric_real(f, "revocation_ms", (double)(np_now_us() - rv->t0) / 1000.0);
	if (a->st->plan.revocation_warn && strcmp(f->verdict->code, "tls.revocation_unreachable") == 0)
		f->status = NP_WARN;
}

void np_tls_revoc_free(struct attempt *a)
{
	if (a->rv) {
		for (size_t i = 0; i < a->rv->n; i++)
			np_rfetch_cancel(a->rv->items[i].w);
		free(a->rv);
		a->rv = NULL;
	}
	np_tls_chain_free(a->chain);
	a->chain = NULL;
}
