/* SPDX-License-Identifier: GPL-3.0-or-later */
/* netprobe idle: each rung's finding from its outcome and its packets, and
 * the path's overall finding (the bracket) from its rungs. */

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "capture.h"
#include "dissect.h"
#include "escape.h"
#include "probe_idle_int.h"
#include "proxy_auth.h"
#include "tcp_events.h"

#define MAX_PKTS 512

static double secs_between(int64_t a_us, int64_t b_us)
{
	return a_us && b_us ? (double)(b_us - a_us) / 1e6 : 0;
}

/* What the capture says of the rung's connection. */
struct seen {
	int have;                   /* the capture has the connection */
	struct np_tcp_track t;
	struct np_tcp_reset rst;
	int have_rst;
	struct np_tcp_mark fin;
	int have_fin;
	struct np_tcp_unacked un;
	int have_un;
};

static void look(struct iconn *r, struct seen *s)
{
	static struct np_tcp_pkt pkts[MAX_PKTS];
	size_t n = 0, total;
	int64_t min_idle_ns = (int64_t)r->idle_s * 500000000LL;

	memset(s, 0, sizeof(*s));
	if (!r->flow)
		return;
	total = np_flow_count(r->flow);
	for (size_t i = 0; i < total && n < MAX_PKTS; i++)
		if (np_tcp_pkt_from_flow(np_flow_packet(r->flow, i), &pkts[n]) == 0)
			n++;
	if (n == 0)
		return;
	s->have = 1;
	np_tcp_track_list(&s->t, min_idle_ns, pkts, n);
	s->have_rst = np_tcp_first_reset(&s->t, 1, &s->rst) || np_tcp_first_reset(&s->t, 0, &s->rst);
	if (s->have_rst && s->rst.dir != 1)
		s->have_rst = 0;    /* ours (the kernel's answer to a late packet) */
	s->have_fin = np_tcp_fin_from(&s->t, 1, 1, &s->fin) || np_tcp_fin_from(&s->t, 1, 0, &s->fin);
	s->have_un = np_tcp_unacked_retransmitted(&s->t, 1, &s->un) == 0;
}

static double frame_ms(const struct iconn *r, const struct np_tcp_mark *m)
{
	return m->t_ns ? (double)m->t_ns / 1e6 - (double)r->t0 / 1e3 : 0;
}

static void evidence(struct iconn *r, struct np_finding *f, const struct np_tcp_mark *m, const char *text)
{
	struct np_flow_table *ft = np_run_flows(r->p->st->run);
	char note[700];

	if (!m->frame)
		return;
	np_finding_evidence(f, (int64_t)m->frame, frame_ms(r, m), "%s", text);
	snprintf(note, sizeof(note), "netprobe: %s (idle %u s): %s", f->verdict->code, r->idle_s, text);
	if (ft)
		np_flow_comment(ft, (uint32_t)m->frame, note);
}

static const char *who_closes(const struct iconn *r)
{
	return r->p->proxy.none ? "the server" : "the proxy";
}

/* After the silence (or n s into it, when the end came during it). */
static void when(const struct iconn *r, char *buf, size_t len)
{
	if (r->during_idle)
		snprintf(buf, len, "%.1f s into the %u s silence", secs_between(r->t_silence, r->t_end), r->idle_s);
	else
		snprintf(buf, len, "after %.1f s of silence", secs_between(r->t_silence, r->t_asked));
}

/* A tunnel the proxy refused: what tls's finding would carry (the schemes
 * offered, the one tried, why it failed). */
static void auth_metrics(const struct iconn *r, struct np_finding *f)
{
	if (!r->proxy_verdict)
		return;
	if (r->auth_schemes && r->auth_schemes[0])
		np_finding_metric_str(f, "auth_schemes", r->auth_schemes);
	if (r->auth_scheme && !r->p->auth_used)
		np_finding_metric_str(f, "proxy_auth_scheme", np_pauth_scheme_name(r->auth_scheme));
	if (r->auth_reason)
		np_finding_metric_str(f, "reason", r->auth_reason);
}

static const char *decide(struct iconn *r, const struct seen *s)
{
	int proxied = !r->p->proxy.none;

	switch (r->outcome) {
	case O_NONE:
	case O_CANCELLED:
		r->cls = C_NONE;
		return r->detail ? r->detail : "run.interrupted";
	case O_SETUP_FAILED:
		r->cls = C_NONE;
		return r->proxy_verdict ? r->proxy_verdict : "idle.no_connection";
	case O_ANSWERED:
		r->cls = C_KEPT;
		return "idle.survived";
	case O_HTTP408:
		r->cls = C_CLOSED;
		return "idle.closed_by_peer";
	case O_FIN:
		r->cls = C_CLOSED;
		return proxied && !r->close_notify ? "idle.closed_by_proxy" : "idle.closed_by_peer";
	case O_RST:
		if (s->have_rst && s->rst.match == NP_TTL_OTHER) {
			r->cls = C_LOST;
			r->hop = s->rst.hops + 1;
			return "idle.reset_by_path";
		}
		if (s->have_rst && s->rst.match == NP_TTL_SAME) {
			r->cls = C_CLOSED;
			return proxied ? "idle.closed_by_proxy" : "idle.closed_by_peer";
		}
		r->cls = C_LOST;
		return "idle.reset";
	case O_TIMEOUT:
	case O_ERROR:
		r->cls = C_LOST;
		return "idle.dropped";
	}
	return "idle.no_connection";
}

static void summarize(struct iconn *r, struct np_finding *f, const struct seen *s)
{
	char w[96], buf[200];
	const char *code = f->verdict->code;

	when(r, w, sizeof(w));
	switch (r->outcome) {
	case O_CANCELLED:
	case O_NONE:
		np_finding_summary(f, "the run ended before the %u s rung had its outcome", r->idle_s);
		return;
	case O_SETUP_FAILED:
		np_finding_summary(f, "no connection to hold idle for %u s: %s", r->idle_s, r->detail);
		return;
	case O_ANSWERED:
		np_finding_summary(f, "survived %.1f s of silence: the request after it was answered in %.0f ms",
				   secs_between(r->t_silence, r->t_asked), secs_between(r->t_asked, r->t_end) * 1000);
		return;
	case O_HTTP408:
		np_finding_summary(f, "%s the server answered 408 Request Timeout: its own idle limit, not the "
				   "network", w);
		return;
	case O_FIN:
		if (r->close_notify)
			np_finding_summary(f, "%s the server closed its TLS session (close_notify, then FIN)%s: its own "
					   "idle limit, not the network", w, r->p->proxy.none ? "" : ", passed on by the proxy");
		else
			np_finding_summary(f, "%s %s closed the connection (FIN): %s", w, who_closes(r),
					   r->p->proxy.none ? "the server's own idle limit, not the network" :
					   "the proxy's idle limit (or the server's, passed on without a TLS close)");
		if (s->have_fin)
			evidence(r, f, &s->fin, "FIN from the far end");
		return;
	case O_RST:
		if (strcmp(code, "idle.reset_by_path") == 0) {
			np_finding_summary(f, "%s a reset carrying the %s's address came from hop %d (TTL %d, initial %d), "
					   "but the %s's own packets come from hop %d (TTL %d): a device on the path "
					   "forgot the connection", w, r->p->proxy.none ? "server" : "proxy", r->hop,
					   s->rst.mark.ttl, np_ttl_initial(s->rst.mark.ttl),
					   r->p->proxy.none ? "server" : "proxy", s->rst.side_hops_min + 1, s->rst.side_ttl);
			snprintf(buf, sizeof(buf), "reset from hop %d (TTL %d)", r->hop, s->rst.mark.ttl);
		} else if (s->have_rst && s->rst.match == NP_TTL_SAME) {
			np_finding_summary(f, "%s %s reset the connection: the reset's TTL (%d) is that of its own "
					   "packets; %s", w, who_closes(r), s->rst.mark.ttl,
					   r->p->proxy.none ? "the server's idle limit, not the network" : "the proxy's idle limit");
			snprintf(buf, sizeof(buf), "reset with the far end's own TTL (%d)", s->rst.mark.ttl);
		} else {
			np_finding_summary(f, "%s the connection was reset; where the reset came from cannot be told (%s)",
					   w, !s->have ? np_run_capture_note(r->p->st->run) :
					   s->have_rst && s->rst.match == NP_TTL_ODD ?
					   "its TTL and the far end's own cannot be compared: the initial value of "
					   "one of them cannot be told" :
					   "the far end sent no other packet to compare its TTL with");
			snprintf(buf, sizeof(buf), "reset");
		}
		if (s->have_rst)
			evidence(r, f, &s->rst.mark, buf);
		return;
	case O_TIMEOUT:
	case O_ERROR:
		if (s->have_un && s->un.valid) {
			np_finding_summary(f, "%s the request was sent %u more times and never acknowledged: state on "
					   "the path was dropped silently", w, s->un.rtx);
			evidence(r, f, &s->un.first, "the request after the silence");
			snprintf(buf, sizeof(buf), "retransmission %u, still unacknowledged", s->un.rtx);
			evidence(r, f, &s->un.last_rtx, buf);
		} else if (r->unacked) {
			np_finding_summary(f, "%s the request was never acknowledged (the kernel retransmitted %u "
					   "times): state on the path was dropped silently", w, r->retrans);
		} else if (r->outcome == O_ERROR && r->err == EPROTO && r->detail) {
			np_finding_summary(f, "%s the answer to the request was not one: %s", w, r->detail);
		} else if (r->outcome == O_ERROR) {
			np_finding_summary(f, "%s the connection failed: %s%s%s%s", w, strerror(r->err),
					   r->detail ? " (" : "", r->detail ? r->detail : "", r->detail ? ")" : "");
		} else if (r->in && r->in_len) {
			char g[NP_ESCAPE_MAX + 32];

			/* Bytes came back: not a request "never answered". */
			np_finding_summary(f, "%s the request was answered only in part before the timeout: %s", w,
					   np_idle_got(r, g, sizeof(g)));
		} else {
			np_finding_summary(f, "%s the request was acknowledged but never answered within the timeout%s",
					   w, r->p->proxy.none ? "" : ": the proxy took it, the far side of the tunnel is gone");
		}
		return;
	}
}

static struct np_finding *conn_finding(struct iconn *r)
{
	struct idle_path *p = r->p;
	struct idle_state *st = p->st;
	char addr[NP_ADDR_STR_MAX] = "";
	struct seen s;
	struct np_finding *f;
	const char *verdict;

	look(r, &s);
	verdict = decide(r, &s);
	r->verdict = verdict;
	if (p->dst.ss_family)
		np_addr_str((const struct sockaddr *)&p->dst, addr, sizeof(addr));
	f = np_finding_new("idle", st->plan.target_str, addr, verdict);
	if (!f)
		return NULL;
	summarize(r, f, &s);
	/* Rungs above the requirement are informational. */
	if (r->cls == C_LOST && r->idle_s > st->plan.required_s)
		f->status = NP_WARN;
	np_finding_metric_int(f, "idle_s", r->idle_s);
	np_finding_metric_int(f, "required_s", st->plan.required_s);
	np_finding_metric_str(f, "path", p->shown);
	np_pac_metrics(&p->proxy, f);
	if (p->auth_used)
		np_finding_metric_str(f, "proxy_auth_scheme", np_pauth_scheme_name(p->auth_used));
	auth_metrics(r, f);
	np_finding_metric_str(f, "scope", "rung");
	np_finding_metric_str(f, "mode", st->plan.tcp ? "tcp" : idle_is_http(st) ? "http" : "tls");
	if (r->t_ready) {
		int64_t silence_end = r->during_idle ? r->t_end : r->t_asked;

		np_finding_metric_real(f, "silence_s", secs_between(r->t_silence, silence_end));
	}
	if (r->during_idle)
		np_finding_metric_real(f, "closed_after_s", secs_between(r->t_silence, r->t_end));
	if (r->outcome == O_ANSWERED)
		np_finding_metric_real(f, "answer_ms", secs_between(r->t_asked, r->t_end) * 1000);
	np_finding_metric_opt_int(f, "http_status", r->http_status ? r->http_status : -1);
	np_finding_metric_opt_int(f, "hop", r->hop);
	if (s.have_rst)
		np_finding_metric_int(f, "reset_ttl", s.rst.mark.ttl);
	if (r->outcome == O_TIMEOUT || r->outcome == O_ERROR) {
		np_finding_metric_int(f, "retransmits", s.have_un ? s.un.rtx : r->retrans);
		np_finding_metric_int(f, "unacked", r->unacked);
	}
	if (!s.have && r->cls != C_NONE && r->cls != C_KEPT)
		np_finding_evidence(f, 0, 0, "%s", np_run_capture_note(st->run));
	return f;
}

/* Worse outcomes speak for the rung: lost, closed, kept, none. */
static int rank(enum iclass c)
{
	return c == C_LOST ? 3 : c == C_CLOSED ? 2 : c == C_KEPT ? 1 : 0;
}

int np_idle_conn_done(struct iconn *c)
{
	struct rung *g = c->g;
	struct np_finding *f = conn_finding(c);

	g->n_done++;
	g->n_cls[c->cls]++;
	if (c->cls == C_NONE && !g->first_none)
		g->first_none = c;
	if (f && (!g->rep || rank(c->cls) > rank(g->rep_conn->cls))) {
		np_finding_free(g->rep);
		g->rep = f;
		g->rep_conn = c;
	} else {
		np_finding_free(f);
	}
	if (g->n_done < g->n_conns)
		return 0;
	if (!g->rep_conn) {
		g->verdict = "idle.no_connection";
		g->cls = C_NONE;
		return 1;
	}
	g->verdict = g->rep_conn->verdict;
	g->cls = g->rep_conn->cls;
	if (g->n_conns > 1 && g->rep) {
		size_t same = g->n_cls[g->cls];
		char *one = g->rep->summary ? strdup(g->rep->summary) : NULL;

		np_finding_summary(g->rep, "%zu of %zu connections %s; %s%s", same, g->n_conns,
				   g->cls == C_LOST ? "lost by the network" : g->cls == C_CLOSED ? "closed by the far end" :
				   g->cls == C_KEPT ? "survived" : "had no outcome",
				   same > 1 ? "the first: " : "", one ? one : "");
		free(one);
		np_finding_metric_int(g->rep, "connections", (int64_t)g->n_conns);
		np_finding_metric_int(g->rep, "survived", (int64_t)g->n_cls[C_KEPT]);
		np_finding_metric_int(g->rep, "lost", (int64_t)g->n_cls[C_LOST]);
		np_finding_metric_int(g->rep, "closed", (int64_t)g->n_cls[C_CLOSED]);
		np_finding_metric_int(g->rep, "no_outcome", (int64_t)g->n_cls[C_NONE]);
		/* Those that never got to the silence tested nothing: the others'
		 * survival is not the rung's. */
		if (g->cls == C_KEPT && g->n_cls[C_NONE] && g->first_none) {
			one = g->rep->summary ? strdup(g->rep->summary) : NULL;
			if (g->rep->status == NP_PASS)
				g->rep->status = NP_WARN;
			np_finding_summary(g->rep, "%s; %zu never got to the silence and tested nothing (the first: "
					   "%s)", one ? one : "", g->n_cls[C_NONE],
					   g->first_none->detail ? g->first_none->detail : g->first_none->verdict);
			free(one);
		}
	}
	np_run_finding(g->p->st->run, g->rep);
	g->rep = NULL;
	return 1;
}

/* --- the bracket ------------------------------------------------------------------- */

/* The first full handshake's certificate problems, for the path's finding
 * (resumed handshakes carry no certificate). */
static void revocation_done(void *arg)
{
	(void)arg;   /* read when the path's finding is made */
}

/* --revocation on: the checks tls makes, over this path, while the
 * silences run (they take longer than two fetch timeouts). */
static void start_revocation(struct idle_path *p, struct iconn *r, const struct np_tls_facts *f)
{
	struct np_revoc_in in = {0};
	int codes[NP_TLS_MAX_PROBLEMS];
	size_t n = f->n_problems < NP_TLS_MAX_PROBLEMS ? f->n_problems : NP_TLS_MAX_PROBLEMS;

	p->chain = np_tls_conn_chain(r->tls);
	if (!p->chain)
		return;
	for (size_t i = 0; i < n; i++)
		codes[i] = f->problems[i].code;
	in.rf = p->st->rf;
	in.crls = p->st->crls;
	in.proxy = &p->proxy;
	in.chain = p->chain;
	in.complete = np_revoc_only_issuer_missing(codes, n);
	in.done = revocation_done;
	in.arg = p;
	p->rv = np_revoc_start(&in);
}

void np_idle_note_certificate(struct iconn *r)
{
	struct idle_path *p = r->p;
	struct np_tls_facts f;

	if (p->cert_seen || np_tls_conn_resumed(r->tls))
		return;
	np_tls_get_facts(r->tls, &f);
	p->cert_seen = 1;
	if (f.n_chain)
		snprintf(p->cert_subject, sizeof(p->cert_subject), "%s", f.chain[0].subject);
	for (size_t i = 0; i < f.n_problems && p->n_cert_problems < NP_IDLE_CERT_PROBLEMS; i++)
		snprintf(p->cert_problems[p->n_cert_problems++], sizeof(p->cert_problems[0]), "%s", f.problems[i].text);
	if (p->st->plan.revocation && p->st->rf)
		start_revocation(p, r, &f);
}

/* Which name the certificate was verified against, and what is wrong with
 * it: not idle's verdict (the silence is), but a TLS service whose
 * certificate does not match will not work either. */
static void certificate(const struct idle_path *p, struct np_finding *f)
{
	const struct idle_state *st = p->st;
	const struct np_target *t = &st->plan.target;
	json_t *problems = p->cert_seen ? json_array() : NULL;
	char list[400] = "", *was;

	np_finding_metric_opt_str(f, "sni", st->plan.sni ? st->plan.sni : t->family == AF_UNSPEC ? t->host : "");
	np_finding_metric_str(f, "verified_name", idle_name(st));
	for (size_t i = 0; problems && i < p->n_cert_problems; i++) {
		json_array_append_new(problems, json_string(p->cert_problems[i]));
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "", p->cert_problems[i]);
	}
	np_finding_metric_json(f, "certificate_problems", problems ? problems : json_null());
	if (!p->n_cert_problems || !f->summary)
		return;
	was = strdup(f->summary);
	if (was)
		np_finding_summary(f, "%s; the certificate ('%.150s') verified against '%.200s': %s (netprobe tls "
				   "tells more)", was, p->cert_subject, idle_name(st), list);
	free(was);
}

/* What the revocation checks found, in metrics (as tls gives them) and,
 * when Windows would object, in the summary: not idle's verdict either. */
static void revocation(struct idle_path *p, struct np_finding *f)
{
	char text[600], *was;
	const char *base, *v;

	if (!p->rv)
		return;
	np_revoc_stop(p->rv, "no answer before the idle check ended");
	np_revoc_metrics(p->rv, f);
	base = p->n_cert_problems ? "tls.untrusted" : "tls.ok";
	v = np_revoc_verdict(p->rv, base, text, sizeof(text));
	np_finding_metric_str(f, "revocation_verdict", v);
	if (v == base || !f->summary)
		return;
	was = strdup(f->summary);
	if (was)
		np_finding_summary(f, "%s; revocation (as a Windows client checks it): %s: %s", was, v, text);
	free(was);
}

struct np_finding *np_idle_path_finding(struct idle_path *p)
{
	struct idle_state *st = p->st;
	unsigned req = st->plan.required_s, kept = 0, below = 0;
	const struct rung *lost = NULL, *first_closed = NULL, *late_kept = NULL;
	size_t n_none = 0, n_partial = 0;
	char addr[NP_ADDR_STR_MAX] = "", head[200];
	const char *verdict;
	struct np_finding *f;
	json_t *rungs = json_array();

	/* Rungs are in ascending order. */
	for (size_t i = 0; i < p->n_rungs; i++) {
		const struct rung *r = &p->rungs[i];

		if (rungs) {
			json_t *o = json_pack("{s:i, s:s}", "idle_s", (int)r->idle_s, "verdict",
					      r->verdict ? r->verdict : "run.interrupted");
			if (o)
				json_array_append_new(rungs, o);
		}
		if (r->cls == C_KEPT && r->n_cls[C_NONE])
			n_partial++;
		switch (r->cls) {
		case C_KEPT:
			kept = r->idle_s;
			if (lost)
				late_kept = r;
			break;
		case C_LOST:
			if (!lost)
				lost = r;
			break;
		case C_CLOSED:
			if (!first_closed)
				first_closed = r;
			break;
		case C_NONE:
			n_none++;
			break;
		}
	}
	/* The longest kept rung below the first loss bounds it from below. */
	for (size_t i = 0; lost && i < p->n_rungs; i++)
		if (p->rungs[i].cls == C_KEPT && p->rungs[i].idle_s < lost->idle_s)
			below = p->rungs[i].idle_s;
	verdict = lost ? lost->verdict : first_closed ? first_closed->verdict :
		  kept ? "idle.survived" : "idle.no_connection";
	/* no rung had a connection: the run's end, or the proxy's refusal */
	if (!lost && !first_closed && !kept && n_none && p->rungs[0].verdict &&
	    (strncmp(p->rungs[0].verdict, "run.", 4) == 0 || strncmp(p->rungs[0].verdict, "proxy.", 6) == 0))
		verdict = p->rungs[0].verdict;
	if (p->dst.ss_family)
		np_addr_str((const struct sockaddr *)&p->dst, addr, sizeof(addr));
	f = np_finding_new("idle", st->plan.target_str, addr, verdict);
	if (!f) {
		json_decref(rungs);
		return NULL;
	}
	if (lost) {
		char hop[40] = "";

		if (lost->rep_conn && lost->rep_conn->hop > 0)
			snprintf(hop, sizeof(hop), ", the device at hop %d", lost->rep_conn->hop);
		snprintf(head, sizeof(head), "the network lost the connection between %u and %u s of silence (%s%s)",
			 below, lost->idle_s, lost->verdict, hop);
		f->status = lost->idle_s <= req ? NP_FAIL : NP_WARN;
		if (late_kept)
			np_finding_summary(f, "%s, yet the %u s rung survived: results are not monotonic (a timeout that "
					   "varies, or more than one device); the bracket is taken from the shortest loss; "
					   "requirement %u s", head, late_kept->idle_s, req);
		else if (lost->idle_s <= req)
			np_finding_summary(f, "%s: below the %u s requirement", head, req);
		else
			np_finding_summary(f, "%s: above the %u s requirement, which holds", head, req);
		if (late_kept && f->status == NP_PASS)
			f->status = NP_WARN;
	} else if (first_closed) {
		char at[96];

		f->status = NP_WARN;
		if (first_closed->rep_conn && first_closed->rep_conn->during_idle)
			snprintf(at, sizeof(at), "%.1f s into the silence",
				 secs_between(first_closed->rep_conn->t_silence, first_closed->rep_conn->t_end));
		else
			snprintf(at, sizeof(at), "after between %u and %u s of silence", kept < first_closed->idle_s ?
				 kept : 0, first_closed->idle_s);
		np_finding_summary(f, "%s closed idle connections %s (%s), before the network could be judged: the "
				   "network was proven up to %u s (requirement %u s). For a clean measurement run "
				   "`netprobe responder` beyond the firewall and probe it with --tcp",
				   strcmp(first_closed->verdict, "idle.closed_by_proxy") == 0 ? "the proxy" : "the server",
				   at, first_closed->verdict, kept, req);
	} else if (kept) {
		f->status = kept >= req ? NP_PASS : NP_WARN;
		np_finding_summary(f, "every rung survived, up to %u s of silence%s (requirement %u s)", kept,
				   n_none ? " (some rungs had no outcome)" : "", req);
		if (kept < req)
			np_finding_summary(f, "every rung survived, but the longest was %u s: below the %u s "
					   "requirement, which is therefore not proven", kept, req);
		else if (n_partial) {
			f->status = NP_WARN;
			np_finding_summary(f, "every rung survived, up to %u s of silence (requirement %u s), but in "
					   "%zu rung%s some connections never got to the silence: what they would have "
					   "met is not known", kept, req, n_partial, n_partial == 1 ? "" : "s");
		}
	} else {
		np_finding_summary(f, "no rung had an outcome: %s", p->rungs[0].conns[0].detail ?
				   p->rungs[0].conns[0].detail : "the run ended first");
	}
	np_finding_metric_str(f, "path", p->shown);
	np_pac_metrics(&p->proxy, f);
	if (p->auth_used)
		np_finding_metric_str(f, "proxy_auth_scheme", np_pauth_scheme_name(p->auth_used));
	if (strncmp(verdict, "proxy.", 6) == 0)
		auth_metrics(&p->rungs[0].conns[0], f);
	np_finding_metric_int(f, "required_s", req);
	np_finding_metric_int(f, "survived_s", kept);
	np_finding_metric_opt_int(f, "lost_s", lost ? (int64_t)lost->idle_s : -1);
	np_finding_metric_str(f, "scope", "overall");
	if (rungs)
		np_finding_metric_json(f, "rungs", rungs);
	if (idle_is_tls(st)) {
		certificate(p, f);
		revocation(p, f);
	}
	return f;
}
