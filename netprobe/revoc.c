/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The revocation checks of one chain over one path (revoc.h), moved out of
 * netprobe tls so that idle makes the same ones. */
#include "revoc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "finding.h"

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
	struct np_revoc *rv;
	size_t cert;
	enum source src;
	char url[NP_TLS_URL_MAX];
	enum rstatus st;
	char reason[240];
	double ms;
	struct np_rfetch_wait *w;
};

struct np_revoc {
	struct np_revoc_in in;
	struct item items[MAX_ITEMS];
	size_t n, pending;
	int round;           /* 0: caIssuers, 1: revocation */
	int missing;         /* the certificate whose issuer was not sent, -1 */
	int completed;       /* a caIssuers answer completed the chain */
	int64_t t0;
	int finished;        /* done, or stopped */
	int starting;        /* inside np_revoc_start: done is not called */
	int64_t t_end;
};

static struct item *add_item(struct np_revoc *rv, size_t cert, enum source src, const char *url)
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

int np_revoc_only_issuer_missing(const int *codes, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		switch (codes[i]) {
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

static void finish(struct np_revoc *rv)
{
	rv->finished = 1;
	rv->t_end = np_now_us();
	if (!rv->starting)
		rv->in.done(rv->in.arg);
}

static void round_revocation(struct np_revoc *rv);

static void on_answer(const struct np_rfetch_answer *ans, void *arg)
{
	struct item *it = arg;
	struct np_revoc *rv = it->rv;
	struct np_tls_rev r;

	it->w = NULL;
	it->ms = ans->ms;
	if (!ans->ok) {
		it->st = R_UNREACHABLE;
		snprintf(it->reason, sizeof(it->reason), "%s", ans->reason);
	} else if (it->src == SRC_CA_ISSUERS) {
		char why[200];
		int k = rv->completed ? 1 : np_tls_chain_complete(rv->in.chain, ans->body, ans->len, why, sizeof(why));

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
			np_tls_ocsp_check(rv->in.chain, it->cert, ans->body, ans->len, &r);
		else
			np_tls_crl_check(rv->in.chain, it->cert, ans->body, ans->len, rv->in.crls, &r);
		it->st = from_tls(r.status);
		snprintf(it->reason, sizeof(it->reason), "%s", r.reason);
	}
	if (--rv->pending)
		return;
	if (rv->round == 0)
		round_revocation(rv);
	else
		finish(rv);
}

static void fetch(struct np_revoc *rv, struct item *it, const unsigned char *body, size_t blen)
{
	size_t max = it->src == SRC_CRL ? CRL_MAX : SMALL_MAX;

	rv->pending++;
	it->st = R_PENDING;
	it->w = np_rfetch_get(rv->in.rf, it->url, rv->in.proxy, body, blen, body ? "application/ocsp-request" : NULL,
			      max, on_answer, it);
	if (!it->w) {
		rv->pending--;
		it->st = R_UNREACHABLE;
		snprintf(it->reason, sizeof(it->reason), "out of memory");
	}
}

static void round_revocation(struct np_revoc *rv)
{
	struct np_tls_chain *ch = rv->in.chain;
	char urls[NP_TLS_MAX_URLS][NP_TLS_URL_MAX];
	struct np_tls_rev r;
	size_t n = np_tls_chain_len(ch);

	rv->round = 1;
	if (np_tls_chain_staple(ch, &r)) {
		struct item *it = add_item(rv, 0, SRC_STAPLE, "");

		if (it) {
			it->st = from_tls(r.status);
			snprintf(it->reason, sizeof(it->reason), "%s", r.reason);
		}
	}
	for (size_t i = 0; i < n; i++) {
		size_t k, m;

		/* a root (its own issuer) is trusted as an anchor, not checked */
		if (!np_tls_chain_has_issuer(ch, i))
			continue;
		m = np_tls_chain_urls(ch, i, NP_TLS_URL_OCSP, urls, NP_TLS_MAX_URLS);
		for (k = 0; k < m; k++) {
			size_t len = 0;
			unsigned char *req = np_tls_ocsp_request(ch, i, &len);
			struct item *it = add_item(rv, i, SRC_OCSP, urls[k]);

			if (it && req) {
				fetch(rv, it, req, len);
			} else if (it) {
				it->st = R_MALFORMED;
				snprintf(it->reason, sizeof(it->reason), "no OCSP request could be made");
			}
			free(req);
		}
		m = np_tls_chain_urls(ch, i, NP_TLS_URL_CRL, urls, NP_TLS_MAX_URLS);
		for (k = 0; k < m; k++) {
			struct item *it = add_item(rv, i, SRC_CRL, urls[k]);

			if (it)
				fetch(rv, it, NULL, 0);
		}
	}
	if (rv->pending == 0)
		finish(rv);
}

struct np_revoc *np_revoc_start(const struct np_revoc_in *in)
{
	struct np_revoc *rv = calloc(1, sizeof(*rv));
	char urls[NP_TLS_MAX_URLS][NP_TLS_URL_MAX];

	if (!rv)
		return NULL;
	rv->in = *in;
	rv->t0 = np_now_us();
	rv->starting = 1;
	rv->missing = in->complete ? np_tls_chain_missing_issuer(in->chain) : -1;
	if (rv->missing >= 0) {
		size_t m = np_tls_chain_urls(in->chain, (size_t)rv->missing, NP_TLS_URL_CA_ISSUERS, urls, NP_TLS_MAX_URLS);

		for (size_t k = 0; k < m; k++) {
			struct item *it = add_item(rv, (size_t)rv->missing, SRC_CA_ISSUERS, urls[k]);

			if (it)
				fetch(rv, it, NULL, 0);
		}
		if (rv->pending)
			goto out;
	}
	round_revocation(rv);
out:
	rv->starting = 0;
	return rv;
}

int np_revoc_done(const struct np_revoc *rv)
{
	return rv && rv->finished;
}

void np_revoc_stop(struct np_revoc *rv, const char *why)
{
	if (!rv || rv->finished)
		return;
	for (size_t i = 0; i < rv->n; i++) {
		struct item *it = &rv->items[i];

		if (it->st != R_PENDING)
			continue;
		np_rfetch_cancel(it->w);
		it->w = NULL;
		it->st = R_UNREACHABLE;
		it->ms = (double)(np_now_us() - rv->t0) / 1000.0;
		snprintf(it->reason, sizeof(it->reason), "%s", why);
	}
	rv->pending = 0;
	rv->finished = 1;
	rv->t_end = np_now_us();
}

void np_revoc_free(struct np_revoc *rv)
{
	if (!rv)
		return;
	for (size_t i = 0; i < rv->n; i++)
		np_rfetch_cancel(rv->items[i].w);
	free(rv);
}

/* "crl http://...: reason; ..." of one certificate, bounded. */
static void list_sources(const struct np_revoc *rv, size_t cert, char *out, size_t outlen)
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

int np_revoc_revoked(const struct np_revoc *rv, char *text, size_t len)
{
	for (size_t i = 0; rv && i < rv->n; i++) {
		const struct item *it = &rv->items[i];

		if (it->st != R_REVOKED)
			continue;
		snprintf(text, len, "'%.150s' is revoked: %s %.200s says %.150s", np_tls_chain_subject(rv->in.chain, it->cert),
			 source_name[it->src], it->url[0] ? it->url : "(stapled by the server)", it->reason);
		return 1;
	}
	if (len)
		text[0] = '\0';
	return 0;
}

size_t np_revoc_undetermined(const struct np_revoc *rv, char *text, size_t len)
{
	size_t n = rv ? np_tls_chain_len(rv->in.chain) : 0, o = 0, undetermined = 0;
	char list[500];

	if (len)
		text[0] = '\0';
	for (size_t c = 0; c < n; c++) {
		int sources = 0, determined = 0;

		for (size_t i = 0; i < rv->n; i++) {
			const struct item *it = &rv->items[i];

			if (it->cert != c || it->src == SRC_CA_ISSUERS)
				continue;
			sources++;
			determined |= it->st == R_GOOD || it->st == R_REVOKED;
		}
		/* a certificate that names no source is not Windows' concern */
		if (!sources || determined)
			continue;
		undetermined++;
		list_sources(rv, c, list, sizeof(list));
		if (o < len) {
			int k = snprintf(text + o, len - o, "%s'%.100s': %s", o ? "; " : "", np_tls_chain_subject(rv->in.chain, c),
					 list);

			o += k > 0 ? (size_t)k : 0;
		}
	}
	return undetermined;
}

const char *np_revoc_verdict(const struct np_revoc *rv, const char *base, char *summary, size_t len)
{
	const char *v = base;
	char why[560];
	size_t n;

	if (!rv)
		return base;
	if (rv->missing >= 0) {
		const char *subj = np_tls_chain_subject(rv->in.chain, (size_t)rv->missing);
		const struct item *ci = NULL;

		for (size_t i = 0; i < rv->n; i++)
			if (rv->items[i].src == SRC_CA_ISSUERS && (!ci || rv->items[i].st == R_GOOD))
				ci = &rv->items[i];
		if (ci && rv->completed) {
			v = "tls.incomplete_chain";
			snprintf(summary, len, "the server did not send the issuer of '%.150s': OpenSSL-based clients fail; its "
				 "caIssuers URL %.200s is reachable through this path and completes the chain, so a Windows "
				 "client completes it", subj, ci->url);
		} else if (ci && ci->st == R_UNREACHABLE) {
			v = "tls.incomplete_chain";
			snprintf(summary, len, "the server did not send the issuer of '%.150s': OpenSSL-based clients fail; its "
				 "caIssuers URL %.200s is not reachable through this path (%.150s), so a Windows client cannot "
				 "complete it either", subj, ci->url, ci->reason);
		}
	}
	if (np_revoc_revoked(rv, why, sizeof(why))) {
		snprintf(summary, len, "%s", why);
		return "tls.revoked";
	}
	n = strcmp(v, "tls.ok") == 0 ? np_revoc_undetermined(rv, why, sizeof(why)) : 0;
	if (n > 0) {
		snprintf(summary, len, "no revocation source answered through this path for %zu certificate%s: %.480s", n,
			 n == 1 ? "" : "s", why);
		return "tls.revocation_unreachable";
	}
	return v;
}

void np_revoc_metrics(const struct np_revoc *rv, struct np_finding *f)
{
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
		json_object_set_new(o, "certificate", json_string(np_tls_chain_subject(rv->in.chain, it->cert)));
		json_object_set_new(o, "source", json_string(source_name[it->src]));
		json_object_set_new(o, "url", it->url[0] ? json_string(it->url) : json_null());
		json_object_set_new(o, "status", json_string(status_name[it->st]));
		json_object_set_new(o, "reason", json_string(it->reason));
		json_object_set_new(o, "ms", json_real(it->ms));
		json_array_append_new(rev, o);
	}
	np_finding_metric_json(f, "revocation", rev);
	np_finding_metric_json(f, "ca_issuers", cai);
	np_finding_metric_real(f, "revocation_ms", (double)((rv->t_end ? rv->t_end : np_now_us()) - rv->t0) / 1000.0);
}
