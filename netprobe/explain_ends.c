/* SPDX-License-Identifier: GPL-3.0-or-later */
/* netprobe explain: how an established connection ended when no idle gap
 * explains it. A reset whose TTL is not that of the end it claims was sent
 * by a device on the path (an IPS, or a firewall that forgot the
 * connection after a silence shorter than --min-idle); a reset by an end
 * itself is an ordinary abortive close unless data was still
 * unacknowledged; data retransmitted and never acknowledged until its
 * sender gave up (or the connection shows nothing more) is a dead
 * connection. --min-idle decides whether such an end is called idle.*
 * (explain_findings.c), never whether it is reported. */
#include "explain_int.h"

#include <stdio.h>
#include <string.h>

#include "dissect.h"
#include "tcp_events.h"

/* Retransmissions of one segment, still unacknowledged when the connection
 * shows nothing more, that make a stall rather than a capture that
 * stopped during a retransmission or two. */
#define RTX_STALLED 3

static double secs(int64_t ns)
{
	return (double)ns / 1e9;
}

/* --- what it says -------------------------------------------------------- */

static enum np_ttl_match reset_match(const struct np_explain *e, const struct np_explain_flow *f,
				     const struct np_tcp_reset *r, int *elsewhere)
{
	const struct np_ttl_ref *ref;

	return np_explain_reset_match(e, f, r, &ref, elsewhere);
}

static void pick(struct np_explain_flow *f, size_t i, enum np_ttl_match m, int elsewhere)
{
	f->rst_pick = (uint8_t)i;
	f->rst_match = (uint8_t)m;
	f->rst_elsewhere = (uint8_t)elsewhere;
}

/* Both ends had closed: the other side's FIN came before this data was
 * first sent, and the data carries its sender's own FIN. What went
 * unacknowledged are the last words to an end that had said goodbye and
 * whose host (or a firewall closing the flow on its FIN) forgot the
 * connection. */
static int closing(const struct np_tcp_track *t, int d, const struct np_tcp_unacked *u)
{
	const struct np_tcp_side *o = &t->side[!d];

	return o->fin.frame && o->fin.t_ns <= u->first.t_ns && t->side[d].fin.frame;
}

static int closed_before(const struct np_tcp_side *s, const struct np_tcp_reset *r)
{
	return s->fin.frame && s->fin.t_ns <= r->mark.t_ns;
}

enum np_explain_outcome np_explain_end_outcome(const struct np_explain *e, struct np_explain_flow *f)
{
	const struct np_tcp_track *t = &f->trk;
	struct np_tcp_reset rs[4];
	struct np_tcp_unacked u;
	size_t n = np_tcp_resets(t, rs);
	int ud = np_tcp_unacked_retransmitted(t, 0, &u), elsewhere;
	enum np_ttl_match m;

	/* A reset from another distance than the end it claims, before the
	 * ends closed the connection themselves (their own reset, or a FIN
	 * each way): an injected reset the real end's packets may even
	 * outlive. After that, a device clearing its state resets a
	 * connection that is already over. */
	for (size_t i = 0; i < n; i++) {
		m = reset_match(e, f, &rs[i], &elsewhere);
		if (m != NP_TTL_OTHER) {
			if (m == NP_TTL_SAME)
				break;
			continue;
		}
		if (t->side[0].fin.frame && t->side[1].fin.frame &&
		    rs[i].mark.t_ns > t->side[0].fin.t_ns && rs[i].mark.t_ns > t->side[1].fin.t_ns)
			break;
		pick(f, i, m, elsewhere);
		return NP_EXPLAIN_OUT_RST_PATH;
	}
	/* The first reset of the established connection ended it. */
	for (size_t i = 0; i < n; i++) {
		const struct np_tcp_reset *r = &rs[i];
		int out = r->outstanding, x = r->dir;

		if (!r->established)
			continue;
		/* The sender of data nobody acknowledged, resetting: it gave up. */
		if (ud >= 0 && x == ud && (out & (1 << ud)))
			return closing(t, ud, &u) ? NP_EXPLAIN_OUT_NONE : NP_EXPLAIN_OUT_RTX_TIMEOUT;
		m = reset_match(e, f, r, &elsewhere);
		/* An end's own reset that acknowledges all the other side
		 * sent (Linux and Windows put RCV.NXT in it): that data
		 * arrived. */
		if (m == NP_TTL_SAME && r->acks_all)
			out &= ~(1 << !x);
		/* Nothing in flight: an abortive close (RFC 9293 3.10.5), as
		 * many applications end their connections. Nor when either
		 * end had closed its side first: data that comes to a closed
		 * socket is answered so (RFC 1122 4.2.2.13), and an end may
		 * abort rather than read the other's last words (a TLS
		 * close_notify crossing a FIN as often as not). */
		if (!out || closed_before(&t->side[x], r) || closed_before(&t->side[!x], r))
			return NP_EXPLAIN_OUT_NONE;
		pick(f, i, m, elsewhere);
		return m == NP_TTL_SAME ? NP_EXPLAIN_OUT_RST_PEER : NP_EXPLAIN_OUT_RST;
	}
	/* No reset: retransmitted again and again, never acknowledged, and
	 * nothing more. A zero window makes them persist probes (RFC 9293
	 * 3.8.6.1), a receiver that does not read, not a lost path. */
	if (ud >= 0 && u.rtx >= RTX_STALLED && !t->side[!ud].win0 && !closing(t, ud, &u))
		return NP_EXPLAIN_OUT_RTX_TIMEOUT;
	return NP_EXPLAIN_OUT_NONE;
}

/* --- findings ----------------------------------------------------------- */

static const char *side_name(const struct np_explain_names *nm, int d)
{
	return d == nm->client ? "client" : "server";
}

static void evidence(struct np_explain *e, struct np_finding *f, const struct np_tcp_mark *m,
		     const char *what)
{
	if (m->frame)
		np_finding_evidence(f, (int64_t)m->frame, (double)(m->t_ns - e->t0_ns) / 1e6, "%s", what);
}

static void common_metrics(struct np_finding *f, const struct np_explain_flow *x,
			   const struct np_explain_names *nm)
{
	np_finding_metric_int(f, "client_known", nm->known);
	np_finding_metric_int(f, "flow_packets", (int64_t)x->trk.pkts);
	np_finding_metric_int(f, "first_frame", (int64_t)x->trk.first.frame);
}

/* When the reset came, in words: "during the handshake", "after 5.0 s of
 * silence (...)", "mid-stream". */
static void reset_when(const struct np_explain *e, const struct np_tcp_track *t,
		       const struct np_tcp_reset *r, char *buf, size_t len)
{
	if (!r->established)
		snprintf(buf, len, "%s", t->syn_dir >= 0 ? "during the handshake" : "before any data");
	else if (r->quiet_ns >= 1000000000LL)
		snprintf(buf, len, "after %.1f s of silence (below --min-idle %.0f s: not called idle)",
			 secs(r->quiet_ns), secs(e->min_idle_ns));
	else
		snprintf(buf, len, "mid-stream");
}

/* The reference a reset was measured against when its connection was
 * finished (other connections have been finished since: their TTLs only
 * add to that address's). */
static const struct np_ttl_ref *ref_of(const struct np_explain *e, const struct np_explain_flow *x,
				       const struct np_tcp_reset *r)
{
	const struct np_explain_host *h;

	if (x->rst_elsewhere) {
		h = np_explain_host_get(e, x->key.family, x->key.addr[r->dir]);
		if (h)
			return &h->ref;
	}
	return &x->trk.side[r->dir].ttl;
}

static struct np_finding *finding_rst_path(struct np_explain *e, const struct np_explain_flow *x,
					   const struct np_explain_names *nm, const struct np_tcp_reset *r)
{
	const struct np_tcp_track *t = &x->trk;
	const struct np_tcp_side *s = &t->side[r->dir];
	const struct np_ttl_ref *ref = ref_of(e, x, r);
	const char *who = side_name(nm, r->dir);
	struct np_finding *f = np_finding_new("explain", nm->target, nm->saddr, "tcp.reset_by_path");
	char when[128], after[128] = "", text[200], own[48];
	int ttl = r->mark.ttl;

	if (!f)
		return NULL;
	np_ttl_ref_str(ref, own, sizeof(own));
	reset_when(e, t, r, when, sizeof(when));
	if (s->last_own.t_ns > r->mark.t_ns)
		snprintf(after, sizeof(after), "; the %s's own packets went on after it (frame %llu): it never "
			 "sent that reset", who, (unsigned long long)s->last_own.frame);
	np_finding_summary(f, "reset %s by a device on the path: the reset carrying the %s's address came "
			   "from hop %d (TTL %d, initial %d), but the %s's own packets%s come from hop %d "
			   "(%s)%s", when, who, r->hops + 1, ttl, np_ttl_initial(ttl), who,
			   x->rst_elsewhere ? " in other connections" : "", ref->hops_min + 1, own, after);
	np_finding_metric_str(f, "reset_from", who);
	np_finding_metric_int(f, "reply_ttl", ttl);
	np_finding_metric_int(f, "peer_ttl", ref->last);
	np_finding_metric_int(f, "sender_hop", r->hops + 1);
	np_finding_metric_int(f, "peer_hop", ref->hops_min + 1);
	np_finding_metric_real(f, "quiet_s", secs(r->quiet_ns));
	np_finding_metric_int(f, "established", r->established);
	common_metrics(f, x, nm);
	if (s->synack.frame && s->synack.t_ns <= r->mark.t_ns) {
		snprintf(text, sizeof(text), "the %s's own SYN-ACK (TTL %d)", who, s->synack.ttl);
		evidence(e, f, &s->synack, text);
	}
	snprintf(text, sizeof(text), "reset carrying the %s's address (TTL %d, initial %d: hop %d; the "
		 "%s's own packets: %s, hop %d)", who, ttl, np_ttl_initial(ttl), r->hops + 1, who,
		 own, ref->hops_min + 1);
	evidence(e, f, &r->mark, text);
	return f;
}

/* Whose data was in flight, in words and as a side (-1: both ways). */
static const char *unacked_words(const struct np_explain_names *nm, const struct np_tcp_reset *r,
				 int *side)
{
	int c = nm->client, s = !c;

	if ((r->outstanding & 3) == 3) {
		*side = !r->dir;
		return "data both ways was";
	}
	*side = (r->outstanding & (1 << c)) ? c : s;
	if (*side == r->dir)
		return "its own data was";
	return *side == c ? "the client's data was" : "the server's data was";
}

static struct np_finding *finding_rst_end(struct np_explain *e, const struct np_explain_flow *x,
					  const struct np_explain_names *nm, const struct np_tcp_reset *r,
					  int peer)
{
	const struct np_tcp_track *t = &x->trk;
	const struct np_ttl_ref *ref = ref_of(e, x, r);
	const char *who = side_name(nm, r->dir), *what;
	struct np_finding *f = np_finding_new("explain", nm->target, nm->saddr,
					      peer ? "tcp.reset_by_peer" : "tcp.reset");
	char when[128], why[200], text[200], own[48];
	int ttl = r->mark.ttl, ud;
	const struct np_tcp_unacked *u;

	if (!f)
		return NULL;
	np_ttl_ref_str(ref, own, sizeof(own));
	reset_when(e, t, r, when, sizeof(when));
	what = unacked_words(nm, r, &ud);
	u = &t->side[ud].out;
	if (peer) {
		np_finding_summary(f, "reset by the %s itself %s while %s unacknowledged and neither end "
				   "had closed: the reset's TTL (%d) is that of its own packets%s", who, when,
				   what, ttl, x->rst_elsewhere ? " in other connections" : "");
	} else {
		if ((enum np_ttl_match)x->rst_match == NP_TTL_ODD)
			snprintf(why, sizeof(why), "its TTL (%d) and the %s's own (%s) cannot be compared: "
				 "the initial value of one of them cannot be told (a deliberately low TTL, "
				 "as eBGP sends)", ttl, who, own);
		else if (ttl == 0)
			snprintf(why, sizeof(why), "the capture holds TTL 0 for it (its TTLs were rewritten)");
		else
			snprintf(why, sizeof(why), "the %s sent no other packet in this capture to compare "
				 "the reset's TTL (%d) with", who, ttl);
		np_finding_summary(f, "reset %s while %s unacknowledged and neither end had closed, "
				   "carrying the %s's address; where it came from cannot be told: %s", when,
				   what, who, why);
	}
	np_finding_metric_str(f, "reset_from", who);
	np_finding_metric_int(f, "reply_ttl", ttl);
	np_finding_metric_opt_int(f, "peer_ttl", ref->last ? ref->last : -1);
	np_finding_metric_opt_int(f, "sender_hop", r->hops >= 0 ? r->hops + 1 : -1);
	np_finding_metric_str(f, "unacked_from", (r->outstanding & 3) == 3 ? "both" : side_name(nm, ud));
	np_finding_metric_int(f, "retransmissions", u->valid ? u->rtx : 0);
	np_finding_metric_real(f, "quiet_s", secs(r->quiet_ns));
	common_metrics(f, x, nm);
	if (u->valid && u->first.t_ns <= r->mark.t_ns) {
		snprintf(text, sizeof(text), "data from the %s, not acknowledged before the reset%s",
			 side_name(nm, ud), u->rtx ? " (retransmitted)" : "");
		evidence(e, f, &u->first, text);
	}
	snprintf(text, sizeof(text), "reset carrying the %s's address (TTL %d; its own packets: %s)",
		 who, ttl, own);
	evidence(e, f, &r->mark, text);
	return f;
}

static const char *nth(unsigned n)
{
	return n % 10 == 1 && n % 100 != 11 ? "st" : n % 10 == 2 && n % 100 != 12 ? "nd" :
	       n % 10 == 3 && n % 100 != 13 ? "rd" : "th";
}

static struct np_finding *finding_rtx(struct np_explain *e, const struct np_explain_flow *x,
				      const struct np_explain_names *nm)
{
	const struct np_tcp_track *t = &x->trk;
	struct np_tcp_unacked u = {0};
	struct np_tcp_reset r;
	int d = np_tcp_unacked_retransmitted(t, 0, &u);
	int gave_up = np_tcp_first_reset(t, 0, &r) && r.dir == d;
	const char *who = side_name(nm, d), *peer = side_name(nm, !d);
	double span = secs(u.last_rtx.t_ns - u.first.t_ns);
	struct np_finding *f = np_finding_new("explain", nm->target, nm->saddr, "tcp.retransmit_timeout");
	char end[128], reply[128], text[200];

	if (!f)
		return NULL;
	if (gave_up)
		snprintf(end, sizeof(end), "then the %s gave up and reset the connection %.1f s after its "
			 "last try", who, secs(r.mark.t_ns - u.last_rtx.t_ns));
	else
		snprintf(end, sizeof(end), "the connection shows nothing after it");
	if (u.replies)
		snprintf(reply, sizeof(reply), "the %s sent %llu packet%s meanwhile, none acknowledging it",
			 peer, (unsigned long long)u.replies, u.replies == 1 ? "" : "s");
	else
		snprintf(reply, sizeof(reply), "nothing came back from the %s", peer);
	np_finding_summary(f, "the %s's data was sent %u times over %.1f s and never acknowledged; %s; %s",
			   who, u.rtx + 1, span, end, reply);
	np_finding_metric_str(f, "data_from", who);
	np_finding_metric_int(f, "retransmissions", u.rtx);
	np_finding_metric_real(f, "retransmit_span_s", span);
	np_finding_metric_int(f, "gave_up", gave_up);
	np_finding_metric_int(f, "replies", (int64_t)u.replies);
	common_metrics(f, x, nm);
	snprintf(text, sizeof(text), "data from the %s, first sent (TTL %d)", who, u.first.ttl);
	evidence(e, f, &u.first, text);
	snprintf(text, sizeof(text), "retransmitted for the %u%s time, %.1f s after it was first sent, "
		 "never acknowledged", u.rtx, nth(u.rtx), span);
	evidence(e, f, &u.last_rtx, text);
	if (gave_up) {
		snprintf(text, sizeof(text), "reset from the %s (TTL %d): it gave up", who, r.mark.ttl);
		evidence(e, f, &r.mark, text);
	}
	return f;
}

struct np_finding *np_explain_end_finding(struct np_explain *e, const struct np_explain_flow *x,
					  const struct np_explain_names *nm)
{
	struct np_tcp_reset rs[4];
	size_t n = np_tcp_resets(&x->trk, rs);
	const struct np_tcp_reset *r = x->rst_pick < n ? &rs[x->rst_pick] : NULL;

	switch ((enum np_explain_outcome)x->outcome) {
	case NP_EXPLAIN_OUT_RST_PATH:
		return r ? finding_rst_path(e, x, nm, r) : NULL;
	case NP_EXPLAIN_OUT_RST_PEER:
		return r ? finding_rst_end(e, x, nm, r, 1) : NULL;
	case NP_EXPLAIN_OUT_RST:
		return r ? finding_rst_end(e, x, nm, r, 0) : NULL;
	case NP_EXPLAIN_OUT_RTX_TIMEOUT:
		return finding_rtx(e, x, nm);
	default:
		return NULL;
	}
}
