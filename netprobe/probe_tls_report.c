/* SPDX-License-Identifier: GPL-3.0-or-later */
/* netprobe tls: what an attempt's outcome becomes in the report. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "classify_tcp.h"
#include "clock.h"
#include "escape.h"
#include "probe_tcp.h"
#include "probe_tls_int.h"
#include "run.h"

/* --- findings --------------------------------------------------------------- */

/* Each leg of the proxy authentication, tokens masked: evidence, and a
 * comment on the tunnel connection's first frame in the saved capture. */
static void auth_evidence(struct attempt *a, struct np_finding *f)
{
	struct np_flow_table *ft = np_run_flows(a->st->run);
	uint32_t frame = a->c.flow && np_flow_count(a->c.flow) ? np_flow_packet(a->c.flow, 0)->frame : 0;
	const char *l = a->legs;
	char note[1300];

	if (!a->legs[0] || a->variant != V_MAIN)
		return;
	while (*l) {
		size_t n = strcspn(l, "\n");

		np_finding_evidence(f, frame, 0, "proxy authentication: %.*s", (int)n, l);
		l += n + (l[n] == '\n');
	}
	if (ft && frame) {
		snprintf(note, sizeof(note), "netprobe: proxy authentication:\n%s", a->legs);
		np_flow_comment(ft, frame, note);
	}
}

struct np_finding *np_tls_new_finding(struct attempt *a, const char *verdict)
{
	char addr[NP_ADDR_STR_MAX];
	struct np_finding *f = np_finding_new(check_of(a), a->target_str,
					      np_addr_str((struct sockaddr *)&a->dst, addr, sizeof(addr)),
					      verdict);

	if (!f)
		return NULL;
	np_finding_metric_str(f, "path", a->proxy.shown[0] ? a->proxy.shown : "direct");
	np_pac_metrics(&a->proxy, f);
	/* the scheme that opened the tunnel, on every finding past it */
	if (a->auth_used)
		np_finding_metric_str(f, "proxy_auth_scheme", np_pauth_scheme_name(a->auth_used));
	if (a->pauth && np_pauth_spn(a->pauth)[0])
		np_finding_metric_str(f, "proxy_auth_spn", np_pauth_spn(a->pauth));
	if (a->dns_ms >= 0)
		np_finding_metric_real(f, "dns_ms", a->dns_ms);
	auth_evidence(a, f);
	return f;
}

static void timings(struct np_finding *f, const struct conn *c)
{
	double v;

	if ((v = ms_between(c->t0, c->t_conn)) >= 0)
		np_finding_metric_real(f, "connect_ms", v);
	if ((v = ms_between(c->t_conn, c->t_proxy)) >= 0)
		np_finding_metric_real(f, "proxy_ms", v);
	if ((v = ms_between(c->t_proxy ? c->t_proxy : c->t_conn, c->t_tls)) >= 0)
		np_finding_metric_real(f, "tls_ms", v);
	np_finding_metric_real(f, "total_ms", (double)(np_now_us() - c->t0) / 1000.0);
}

static void cert_metrics(struct np_finding *f, const struct np_tls_facts *x)
{
	json_t *chain = json_array(), *problems = json_array();

	np_finding_metric_str(f, "version", x->version);
	np_finding_metric_str(f, "cipher", x->cipher);
	np_finding_metric_opt_str(f, "alpn", x->alpn);
	for (size_t i = 0; chain && i < x->n_chain; i++) {
		json_t *c = json_object();

		json_object_set_new(c, "subject", json_string(x->chain[i].subject));
		json_object_set_new(c, "issuer", json_string(x->chain[i].issuer));
		json_object_set_new(c, "not_after", json_string(x->chain[i].not_after));
		json_object_set_new(c, "sha256", json_string(x->chain[i].sha256));
		json_object_set_new(c, "days_left", json_integer(x->chain[i].days_left));
		json_array_append_new(chain, c);
	}
	np_finding_metric_json(f, "chain", chain);
	for (size_t i = 0; problems && i < x->n_problems; i++)
		json_array_append_new(problems, json_string(x->problems[i].text));
	np_finding_metric_json(f, "problems", problems);
	if (x->n_chain) {
		np_finding_metric_int(f, "leaf_days_left", x->leaf_days_left);
		np_finding_metric_int(f, "chain_days_left", x->chain_days_left);
	}
	np_finding_metric_opt_str(f, "anchor", x->anchor_subject);
}

static void annotate(struct attempt *a, struct np_finding *f, const struct np_tls_result *r)
{
	struct np_flow_table *ft = np_run_flows(a->st->run);

	if (!ft) {
		np_finding_evidence(f, 0, 0, "%s", np_run_capture_note(a->st->run));
		return;
	}
	np_finding_metric_opt_int(f, "reply_ttl", r->reply_ttl);
	np_finding_metric_opt_int(f, "target_ttl", r->target_ttl);
	np_finding_metric_opt_int(f, "sender_hop", r->sender_hop);
	for (size_t i = 0; i < r->n_ev; i++) {
		char note[800];

		np_finding_evidence(f, r->ev[i].frame, 0, "%s", r->ev[i].text);
		if (r->ev[i].frame == r->decided_frame)
			snprintf(note, sizeof(note), "netprobe: %s \xe2\x80\x94 %s", f->verdict->code, f->summary);
		else
			snprintf(note, sizeof(note), "netprobe: %s: %s", f->verdict->code, r->ev[i].text);
		np_flow_comment(ft, r->ev[i].frame, note);
	}
}

void np_tls_record_path(struct attempt *a, const struct np_tls_facts *x)
{
	struct tls_state *st = a->st;
	struct path_result *v;

	/* Every path's chain, however many targets: the cross-path check
	 * (tls.intercepted) must see them all. Grown by doubling. */
	if (x->n_chain == 0)
		return;
	if (st->n_results == 0 || (st->n_results >= 16 && !(st->n_results & (st->n_results - 1)))) {
		v = realloc(st->results, (st->n_results ? st->n_results * 2 : 16) * sizeof(*v));
		if (!v)
			return;
		st->results = v;
	}
	v = &st->results[st->n_results++];
	v->target = a->target_str;
	v->proxied = !a->proxy.none;
	snprintf(v->issuer, sizeof(v->issuer), "%s", x->chain[x->n_chain - 1].issuer);
	snprintf(v->anchor, sizeof(v->anchor), "%s", x->anchor_subject);
	snprintf(v->path, sizeof(v->path), "%s", a->proxy.shown[0] ? a->proxy.shown : "direct");
}

/* What came back of an answer that is not a complete, valid one, for a
 * summary ("17 bytes: '...'"), and as metrics: a peer that answers garbage
 * is not one that did not answer. */
static void what_came_back(struct np_finding *f, const char *buf, size_t n, char *out, size_t outlen)
{
	char shown[NP_ESCAPE_MAX];

	np_finding_metric_int(f, "bytes_received", (int64_t)n);
	if (n == 0) {
		snprintf(out, outlen, "nothing");
		return;
	}
	np_escape_bytes(buf, n, NP_ESCAPE_SHOW, shown, sizeof(shown));
	np_finding_metric_str(f, "first_bytes", shown);
	snprintf(out, outlen, "%zu byte%s: %s", n, n == 1 ? "" : "s", shown);
}

static double timeout_s(const struct attempt *a)
{
	return (double)np_run_opts(a->st->run)->timeout_us / 1e6;
}

/* The proxy's answer to CONNECT, when the tunnel did not open. Anything
 * that is not a complete, valid HTTP answer within the bounds is
 * proxy.failed, saying what came back; proxy.timeout is for a proxy from
 * which nothing came back at all. */
static struct np_finding *proxy_outcome(struct attempt *a)
{
	const struct conn *c = &a->c;
	const char *p = a->proxy.shown, *v;
	int answered = c->head_ok > 0 && !c->head_extra;
	struct np_finding *f;
	char got[NP_ESCAPE_MAX + 32];

	if (c->timed_out && c->in_len == 0)
		v = "proxy.timeout";
	else if (answered && c->head.status == 407)
		v = a->auth_outcome == NP_PAUTH_FAILED ? "proxy.auth_failed" : "proxy.auth_required";
	else if (answered && c->head.status == 403)
		v = "proxy.denied";
	else
		v = "proxy.failed";
	f = np_tls_new_finding(a, v);
	if (!f)
		return NULL;
	if (c->head_ok > 0)
		np_finding_metric_int(f, "http_status", c->head.status);
	if (answered && c->head.status == 407) {
		/* every scheme of every Proxy-Authenticate header, else the
		 * first-scheme list of the head reader */
		const char *offered = a->chal.names[0] ? a->chal.names : c->head.auth;
		const char *why = a->pauth ? np_pauth_why(a->pauth) : "";

		np_finding_metric_str(f, "auth_schemes", offered);
		if (a->auth_outcome == NP_PAUTH_FAILED) {
			const char *scheme = np_pauth_scheme_name(np_pauth_scheme(a->pauth));

			np_finding_metric_str(f, "proxy_auth_scheme", scheme);
			np_finding_metric_str(f, "reason", why);
			np_finding_summary(f, "%s: %s authentication failed: %s", p, scheme, why);
		} else {
			if (a->chal.why)
				why = a->chal.why;
			if (why[0])
				np_finding_metric_str(f, "reason", why);
			np_finding_summary(f, "%s wants authentication (%s)%s%s", p,
					   offered[0] ? offered : "no scheme named", why[0] ? ": " : "", why);
		}
		return f;
	}
	if (answered) {
		np_finding_summary(f, "%s answered the CONNECT to %s:%u with '%s'", p, a->t.host, a->t.port,
				   c->head.status_line);
		return f;
	}
	if (c->head_extra) {
		what_came_back(f, c->in + c->head.length, c->in_len - c->head.length, got, sizeof(got));
		np_finding_summary(f, "%s answered the CONNECT to %s:%u with '%s', then sent %s of its own before "
				   "the server could say anything (TLS waits for the client)", p, a->t.host, a->t.port,
				   c->head.status_line, got);
		return f;
	}
	what_came_back(f, c->in, c->in_len, got, sizeof(got));
	if (c->timed_out && c->in_len == 0)
		np_finding_summary(f, "%s did not answer the CONNECT: nothing came back within %.1f s", p,
				   timeout_s(a));
	else if (c->head_ok < 0)
		np_finding_summary(f, "%s gave no valid HTTP answer to the CONNECT (%s): %s", p, c->head.why, got);
	else if (c->timed_out)
		np_finding_summary(f, "%s sent no complete answer to the CONNECT within %.1f s: %s", p,
				   timeout_s(a), got);
	else if (c->closed && c->in_len)
		np_finding_summary(f, "%s closed the connection in the middle of its answer to the CONNECT: %s",
				   p, got);
	else if (c->closed)
		np_finding_summary(f, "%s closed the connection without answering the CONNECT", p);
	else
		np_finding_summary(f, "%s: the connection failed before a complete answer to the CONNECT: %s (%s came "
				   "back)", p, strerror(c->err ? c->err : EIO), got);
	return f;
}

/* A plain-HTTP target's answer (directly or through the proxy). */
static struct np_finding *http_outcome(struct attempt *a)
{
	const struct conn *c = &a->c;
	const char *v = "http.error";
	struct np_finding *f;
	char got[NP_ESCAPE_MAX + 32];

	if (c->head_ok > 0 && !a->proxy.none && (c->head.status == 407 || c->head.status == 403))
		v = c->head.status == 407 ? "proxy.auth_required" : "proxy.denied";
	else if (c->head_ok > 0 && c->head.status < 500)
		v = "http.ok";
	f = np_tls_new_finding(a, v);
	if (!f)
		return NULL;
	if (c->head_ok > 0) {
		np_finding_metric_int(f, "http_status", c->head.status);
		np_finding_summary(f, "%s answered '%s'", a->target_str, c->head.status_line);
		return f;
	}
	what_came_back(f, c->in, c->in_len, got, sizeof(got));
	if (c->head_ok < 0)
		np_finding_summary(f, "no valid HTTP answer (%s): %s", c->head.why, got);
	else if (c->timed_out && c->in_len == 0)
		np_finding_summary(f, "no HTTP answer: nothing came back within %.1f s", timeout_s(a));
	else if (c->timed_out)
		np_finding_summary(f, "no complete HTTP answer within %.1f s: %s", timeout_s(a), got);
	else if (c->closed && c->in_len)
		np_finding_summary(f, "the connection closed in the middle of the HTTP answer: %s", got);
	else if (c->closed)
		np_finding_summary(f, "the connection closed without an HTTP answer");
	else
		np_finding_summary(f, "the connection failed before a complete HTTP answer: %s (%s came back)",
				   strerror(c->err ? c->err : EIO), got);
	return f;
}

/* A connection that did not get as far as TLS (or HTTP): the TCP verdict,
 * or the proxy's answer. */
int np_tls_early_outcome(struct attempt *a)
{
	struct conn *c = &a->c;
	struct np_finding *f = NULL;
	char summary[512];

	if (c->phase == P_DONE && !c->t_conn) {
		struct np_tcp_obs obs = {0};
		const char *v;

		obs.err = c->err == ETIMEDOUT ? 0 : c->err;
		obs.timed_out = c->timed_out;
		obs.local = c->local;
		obs.elapsed_ms = (double)(np_now_us() - c->t0) / 1000.0;
		obs.timeout_ms = (double)np_run_opts(a->st->run)->timeout_us / 1000.0;
		v = np_tcp_classify(&obs, summary, sizeof(summary));
		if (c->flow) {
			/* The packets place an ICMP error's sender (a reset would
			 * need the TTL series of netprobe tcp). */
			const struct np_flow_pkt *pkts[64];
			struct np_tcp_input in = {0};
			struct np_tcp_result r;
			size_t n = np_flow_count(c->flow);

			if (n > 64)
				n = 64;
			for (size_t i = 0; i < n; i++)
				pkts[i] = np_flow_packet(c->flow, i);
			in.obs = obs;
			in.have_capture = 1;
			in.pkts = pkts;
			in.n_pkts = n;
			in.t0_us = c->t0;
			in.target = (const struct sockaddr *)&a->dst;
			np_tcp_classify_packets(&in, &r);
			if (!r.needs_series) {
				v = r.verdict;
				snprintf(summary, sizeof(summary), "%s", r.summary);
			}
		}
		if (np_tls_pac_fallback(a, summary)) {
			np_tls_attempt_finish(a);
			return 1;
		}
		f = np_tls_new_finding(a, v);
		if (f)
			np_finding_summary(f, "%s%s", a->proxy.none ? "" : "connecting to the proxy: ", summary);
	} else if (!a->proxy.none && !c->t_proxy && !is_http(a)) {
		f = proxy_outcome(a);
	} else if (is_http(a)) {
		f = http_outcome(a);
	} else {
		return 0;
	}
	if (f)
		timings(f, c);
	np_run_finding(a->st->run, f);
	np_tls_attempt_finish(a);
	return 1;
}

void np_tls_attempt_input(struct attempt *a, struct conn *c, struct np_tls_input *in,
		      const struct np_flow_pkt **pkts, size_t max)
{
	memset(in, 0, sizeof(*in));
	in->facts = &c->facts;
	in->done = c->tls_done;
	in->timed_out = c->timed_out;
	in->min_tls = a->st->plan.min_tls;
	in->expect_issuer = a->st->plan.expect_issuer;
	in->n_expect = a->st->plan.n_expect;
	in->system_store = a->st->system_store;
	in->verified_name = np_tls_verified_name(a);
	in->name_given = a->st->plan.sni != NULL;
	in->have_capture = c->flow != NULL;
	if (c->flow) {
		size_t n = np_flow_count(c->flow);

		if (n > max)
			n = max;
		for (size_t i = 0; i < n; i++)
			pkts[i] = np_flow_packet(c->flow, i);
		in->pkts = pkts;
		in->n_pkts = n;
	}
}

void np_tls_emit(struct attempt *a)
{
	struct np_tls_result *r = &a->res;
	struct conn *c = &a->main;
	struct np_finding *f;

	if (r->signature != NP_TLS_SIG_NONE && a->retry_mss_ok && !a->retry_sni_ok) {
		f = np_tls_new_finding(a, "path.mtu_blackhole");
		if (f)
			np_finding_summary(f, "%s; with a small MSS (%d) the handshake completes: large packets "
					   "vanish on the path (an MTU black hole: ICMP fragmentation-needed is "
					   "dropped), not TLS filtering", r->summary, SMALL_MSS);
	} else {
		f = np_tls_new_finding(a, r->verdict);
		if (f && r->signature != NP_TLS_SIG_NONE)
			np_finding_summary(f, "%s; %s", r->summary, a->retry_sni_ok ?
					   "with another SNI (" OTHER_SNI ") it completes: the name is filtered" :
					   "neither a small MSS nor another SNI completes it either");
		else if (f)
			np_finding_summary(f, "%s", r->summary);
	}
	if (f) {
		timings(f, c);
		/* Which name the certificate was checked against: with --sni on
		 * an address, the target alone does not say. */
		np_finding_metric_opt_str(f, "sni", np_tls_sni_sent(a) ? np_tls_sni_sent(a) : "");
		np_finding_metric_str(f, "verified_name", np_tls_verified_name(a));
		if (c->tls_done || c->facts.n_chain)
			cert_metrics(f, &c->facts);
		if (a->rv)
			np_tls_revoc_metrics(a, f);
		if (r->signature != NP_TLS_SIG_NONE) {
			np_finding_metric_int(f, "retry_small_mss_ok", a->retry_mss_ok);
			np_finding_metric_int(f, "retry_other_sni_ok", a->retry_sni_ok);
			if (a->retry_sni_frame)
				np_finding_evidence(f, a->retry_sni_frame, 0, "retry with SNI %s %s", OTHER_SNI,
						    a->retry_sni_ok ? "completes" : "fails too");
			if (a->retry_mss_frame)
				np_finding_evidence(f, a->retry_mss_frame, 0, "retry with MSS %d %s", SMALL_MSS,
						    a->retry_mss_ok ? "completes" : "fails too");
		}
		annotate(a, f, r);
	}
	np_run_finding(a->st->run, f);
	if (c->tls_done)
		np_tls_record_path(a, &c->facts);
}

/* --- cross-path ---------------------------------------------------------------- */

/* The same endpoint's issuer or trust anchor differs between the direct
 * and a proxied path: something on the proxied path re-signs TLS. Leaf
 * certificates are not compared (they vary across CDN edges). */
void np_tls_compare_paths(struct tls_state *st)
{
	for (size_t i = 0; i < st->n_results; i++) {
		const struct path_result *d = &st->results[i];

		if (d->proxied)
			continue;
		for (size_t k = 0; k < st->n_results; k++) {
			const struct path_result *p = &st->results[k];
			struct np_finding *f;

			if (!p->proxied || p->target != d->target ||
			    (strcmp(p->issuer, d->issuer) == 0 && strcmp(p->anchor, d->anchor) == 0))
				continue;
			f = np_finding_new("tls", p->target, "", "tls.intercepted");
			if (!f)
				continue;
			np_finding_metric_str(f, "path", p->path);
			np_finding_metric_str(f, "issuer", p->issuer);
			np_finding_metric_str(f, "issuer_direct", d->issuer);
			np_finding_summary(f, "through %s the certificate comes from '%.150s', directly from "
					   "'%.150s': the proxy inspects TLS", p->path, p->issuer, d->issuer);
			np_run_finding(st->run, f);
		}
	}
}
