/* SPDX-License-Identifier: GPL-3.0-or-later */
/* netprobe explain: what a finished connection, its handshake or an ICMP
 * error about it says, as findings with the capture's frames as evidence. */
#include "explain_int.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "finding.h"
#include "tcp_events.h"

/* --- small helpers ------------------------------------------------------- */

static double secs(int64_t ns)
{
	return (double)ns / 1e9;
}

static double rel_ms(const struct np_explain *e, int64_t t_ns)
{
	return (double)(t_ns - e->t0_ns) / 1e6;
}

static const char *addr_str(int family, const uint8_t *a, char *buf, size_t len)
{
	if (!inet_ntop(family, a, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

static void endpoint_str(int family, const uint8_t *a, uint16_t port, char *buf, size_t len)
{
	char s[INET6_ADDRSTRLEN];

	addr_str(family, a, s, sizeof(s));
	if (family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", s, port);
	else
		snprintf(buf, len, "%s:%u", s, port);
}

/* --- what a finished connection says ------------------------------------ */

enum np_explain_outcome np_explain_outcome(const struct np_explain *e, struct np_explain_flow *f)
{
	const struct np_tcp_track *t = &f->trk;
	enum np_tcp_handshake hs = np_tcp_handshake(t);
	struct np_tcp_unacked u;
	struct np_tcp_reset r;
	int ud;

	/* A time exceeded for a packet its sender gave a tiny TTL is the
	 * answer a traceroute (or netprobe's own TTL series) asks for. */
	if (f->has_icmp && !(f->icmp.kind == NP_EXPLAIN_ICMP_EXCEEDED &&
			     t->side[f->icmp.quoted_dir].ttl.last > 0 &&
			     t->side[f->icmp.quoted_dir].ttl.last < 32))
		return NP_EXPLAIN_OUT_ICMP;
	if (hs == NP_HS_RESET)
		return NP_EXPLAIN_OUT_HS_RESET;
	/* One SYN alone may just be where the capture stopped. */
	if (hs == NP_HS_PENDING && t->n_syn >= 2 && t->side[!t->syn_dir].pkts == 0)
		return NP_EXPLAIN_OUT_FILTERED;
	/* An alert names the cause: it comes before what the silence says. */
	if (np_explain_tls_failed(&f->tls))
		return NP_EXPLAIN_OUT_TLS_ALERT;
	/* One direction only: its silences, acknowledgements and closes are
	 * not in the capture, so nothing is concluded from them. */
	if (np_tcp_one_sided(t) >= 0)
		return NP_EXPLAIN_OUT_NONE;
	if (t->n_idle && !t->seg.revived) {
		ud = np_tcp_unacked_retransmitted(t, 1, &u);
		/* A reset from the side that was retransmitting is it giving
		 * up: the silence is the story. */
		if (np_tcp_first_reset(t, 1, &r) && !(ud >= 0 && r.dir == ud))
			return NP_EXPLAIN_OUT_IDLE_RESET;
		if (ud >= 0)
			return NP_EXPLAIN_OUT_IDLE_DROPPED;
		if (t->seg.fin.frame)
			return NP_EXPLAIN_OUT_IDLE_FIN;
	}
	/* --min-idle decides whether an end is called idle, never whether
	 * it is reported: the rest is explain_ends.c's. */
	return np_explain_end_outcome(e, f);
}

void np_explain_tally(struct np_explain *e, const struct np_explain_flow *f, enum np_explain_outcome oc)
{
	const struct np_tcp_track *t = &f->trk;
	int missing = np_tcp_one_sided(t);
	struct np_tcp_reset r;

	if (missing >= 0) {
		if (e->st.one_sided < NP_EXPLAIN_ONE_SIDED_EX) {
			struct np_explain_one_sided *x = &e->one_sided[e->st.one_sided];

			x->key = f->key;
			x->mark = t->side[missing].unseen;
			x->missing = (uint8_t)missing;
		}
		e->st.one_sided++;
		return;
	}
	if (oc == NP_EXPLAIN_OUT_NONE && np_tcp_first_reset(t, 0, &r) && r.established)
		e->st.reset_closes++;
}

enum np_ttl_match np_explain_reset_match(const struct np_explain *e, const struct np_explain_flow *f,
					 const struct np_tcp_reset *r, const struct np_ttl_ref **ref,
					 int *elsewhere)
{
	const struct np_explain_host *h;
	enum np_ttl_match m;

	*elsewhere = 0;
	*ref = &f->trk.side[r->dir].ttl;
	if (r->match == NP_TTL_SAME || r->match == NP_TTL_OTHER)
		return r->match;
	h = np_explain_host_get(e, f->key.family, f->key.addr[r->dir]);
	if (!h)
		return r->match;
	m = np_ttl_ref_match(&h->ref, r->mark.ttl);
	if (m != NP_TTL_SAME && m != NP_TTL_OTHER && r->match == NP_TTL_ODD)
		return NP_TTL_ODD;
	/* That end sent nothing comparable in this connection: its packets
	 * in the capture's other connections are the yardstick. */
	*elsewhere = 1;
	*ref = &h->ref;
	return m;
}

/* The client: the side that sent the SYN, else the one a SYN-ACK went
 * to; without either, the side with the higher port (*known = 0). */
int np_explain_client_side(const struct np_explain_flow *f, int *known)
{
	const struct np_tcp_track *t = &f->trk;

	*known = 1;
	if (t->syn_dir >= 0)
		return t->syn_dir;
	if (t->side[0].synack.frame && !t->side[1].synack.frame)
		return 1;
	if (t->side[1].synack.frame && !t->side[0].synack.frame)
		return 0;
	*known = 0;
	return f->key.port[0] < f->key.port[1] ? 1 : 0;
}

/* --- findings ----------------------------------------------------------- */

struct who {
	char client[NP_ADDR_STR_MAX], server[NP_ADDR_STR_MAX];   /* endpoints, with ports */
	char saddr[INET6_ADDRSTRLEN];                    /* the server's address */
	int c, s;                                        /* their sides */
	int known;
};

static const char *side_name(const struct who *w, int d)
{
	return d == w->c ? "client" : "server";
}

static void evidence(struct np_explain *e, struct np_finding *f, const struct np_tcp_mark *m,
		     const char *what)
{
	if (m->frame)
		np_finding_evidence(f, (int64_t)m->frame, rel_ms(e, m->t_ns), "%s", what);
}

static void ev_packet(struct np_explain *e, struct np_finding *f, const struct who *w,
		      const struct np_tcp_mark *m, const char *fmt_prefix)
{
	char flags[NP_TCP_FLAGS_STRLEN], text[256];

	if (!m->frame)
		return;
	snprintf(text, sizeof(text), "%s%s[%s] from the %s (TTL %d)", fmt_prefix,
		 fmt_prefix[0] ? ": " : "", np_tcp_flags_str(m->flags, flags, sizeof(flags)),
		 side_name(w, m->dir), m->ttl);
	evidence(e, f, m, text);
}

static void ev_syns(struct np_explain *e, struct np_finding *f, const struct np_tcp_track *t)
{
	char text[96];
	unsigned n = t->n_syn < NP_TCP_SYN_MARKS ? t->n_syn : NP_TCP_SYN_MARKS;

	for (unsigned i = 0; i < n; i++) {
		snprintf(text, sizeof(text), i == 0 ? "SYN sent (TTL %d)" : "SYN retransmitted (TTL %d)",
			 t->syn[i].ttl);
		evidence(e, f, &t->syn[i], text);
	}
	if (t->n_syn > NP_TCP_SYN_MARKS) {
		snprintf(text, sizeof(text), "SYN retransmitted, %u sent in all (TTL %d)", t->n_syn,
			 t->last_syn.ttl);
		evidence(e, f, &t->last_syn, text);
	}
}

static void common_metrics(struct np_finding *f, const struct np_explain_flow *x, const struct who *w)
{
	np_finding_metric_int(f, "client_known", w->known);
	np_finding_metric_int(f, "flow_packets", (int64_t)x->trk.pkts);
	np_finding_metric_int(f, "first_frame", (int64_t)x->trk.first.frame);
}

static struct np_finding *finding_icmp(struct np_explain *e, const struct np_explain_flow *x,
				       const struct who *w, const char *target)
{
	const struct np_explain_icmp *ic = &x->icmp;
	const struct np_tcp_track *t = &x->trk;
	int fam = x->key.family, ttl = ic->mark.ttl, hop = np_ttl_hops(ttl) + 1;
	int own = memcmp(ic->from, x->key.addr[w->s], fam == AF_INET ? 4 : 16) == 0;
	const char *verdict, *name;
	char from[INET6_ADDRSTRLEN], text[256], when[96] = "";
	struct np_finding *f;

	addr_str(fam, ic->from, from, sizeof(from));
	switch (ic->kind) {
	case NP_EXPLAIN_ICMP_PROHIBITED: name = "administratively prohibited"; break;
	case NP_EXPLAIN_ICMP_PORT_UNREACH: name = "port unreachable"; break;
	case NP_EXPLAIN_ICMP_EXCEEDED: name = "time exceeded"; break;
	default:
		if (!ic->v6)
			name = ic->code == 0 ? "network unreachable" : ic->code == 1 ? "host unreachable" :
			       "destination unreachable";
		else
			name = ic->code == 0 ? "no route to destination" : ic->code == 3 ?
			       "address unreachable" : "destination unreachable";
		break;
	}
	if (ic->kind == NP_EXPLAIN_ICMP_PORT_UNREACH && own)
		verdict = "tcp.refused";
	else if (ic->kind == NP_EXPLAIN_ICMP_PROHIBITED || ic->kind == NP_EXPLAIN_ICMP_PORT_UNREACH)
		verdict = "tcp.rejected";
	else
		verdict = "tcp.unreachable";
	f = np_finding_new("explain", target, w->saddr, verdict);
	if (!f)
		return NULL;
	if (np_tcp_handshake(t) == NP_HS_ANSWERED)
		snprintf(when, sizeof(when), " %.2f s after the connection began", secs(ic->mark.t_ns - t->first.t_ns));
	else if (t->syn_dir >= 0)
		snprintf(when, sizeof(when), " %.2f ms after the first SYN",
			 (double)(ic->mark.t_ns - t->syn[0].t_ns) / 1e6);
	if (strcmp(verdict, "tcp.refused") == 0)
		np_finding_summary(f, "refused%s: the server answered ICMP%s port unreachable (hop %d)",
				   when, ic->v6 ? "v6" : "", hop);
	else if (strcmp(verdict, "tcp.rejected") == 0)
		np_finding_summary(f, "rejected%s by %s at hop %d (%s): ICMP%s %s", when,
				   own ? "the server's own filter" : "a device", hop, from,
				   ic->v6 ? "v6" : "", name);
	else
		np_finding_summary(f, "%s%s, reported by %s at hop %d%s", name, when, from, hop,
				   ic->kind == NP_EXPLAIN_ICMP_EXCEEDED ? " (the TTL ran out: a routing loop?)" : "");
	np_finding_metric_int(f, "reply_ttl", ttl);
	np_finding_metric_int(f, "sender_hop", hop);
	np_finding_metric_str(f, "sender", from);
	common_metrics(f, x, w);
	ev_syns(e, f, t);
	snprintf(text, sizeof(text), "ICMP%s %s from %s (TTL %d, initial %d: hop %d), quoting a packet of the %s",
		 ic->v6 ? "v6" : "", name, from, ttl, np_ttl_initial(ttl), hop, side_name(w, ic->quoted_dir));
	evidence(e, f, &ic->mark, text);
	return f;
}

static struct np_finding *finding_filtered(struct np_explain *e, const struct np_explain_flow *x,
					   const struct who *w, const char *target)
{
	const struct np_tcp_track *t = &x->trk;
	struct np_finding *f = np_finding_new("explain", target, w->saddr, "tcp.filtered");
	double span = secs(t->last_syn.t_ns - t->syn[0].t_ns);

	if (!f)
		return NULL;
	np_finding_summary(f, "%u SYNs over %.1f s and no answer at all: the flow is silently dropped",
			   t->n_syn, span);
	np_finding_metric_int(f, "syn_count", t->n_syn);
	np_finding_metric_real(f, "wait_s", span);
	common_metrics(f, x, w);
	ev_syns(e, f, t);
	return f;
}

static struct np_finding *finding_hs_reset(struct np_explain *e, const struct np_explain_flow *x,
					   const struct who *w, const char *target)
{
	const struct np_tcp_track *t = &x->trk;
	const struct np_tcp_mark *r = &t->side[w->s].rst;
	const struct np_explain_host *h = np_explain_host_get(e, x->key.family, x->key.addr[w->s]);
	int ttl = r->ttl, hops = np_tcp_ttl_hops(ttl);
	double ms = (double)(r->t_ns - t->syn[0].t_ns) / 1e6;
	enum np_ttl_match match = h ? np_ttl_ref_match(&h->ref, ttl) : NP_TTL_UNKNOWN;
	int own_hop = h && h->ref.hops_min >= 0 ? h->ref.hops_min + 1 : -1;
	struct np_finding *f;
	char text[200], at[64] = "", own[48] = "";

	f = np_finding_new("explain", target, w->saddr, match == NP_TTL_OTHER ? "tcp.rejected" : "tcp.refused");
	if (!f)
		return NULL;
	if (h)
		np_ttl_ref_str(&h->ref, own, sizeof(own));
	if (hops >= 0)
		snprintf(at, sizeof(at), " from hop %d", hops + 1);
	if (match == NP_TTL_UNKNOWN && hops >= 0)
		np_finding_summary(f, "refused after %.2f ms by a reset, origin undetermined: its TTL (%d, "
				   "initial %d) puts the sender at hop %d, but no other packet from %s in "
				   "this capture tells how far the server is", ms, ttl, np_ttl_initial(ttl),
				   hops + 1, w->saddr);
	else if (match == NP_TTL_UNKNOWN)
		np_finding_summary(f, "refused after %.2f ms by a reset, origin undetermined: the initial "
				   "value of its TTL (%d) cannot be told, and no other packet from %s in this "
				   "capture tells how far the server is", ms, ttl, w->saddr);
	else if (match == NP_TTL_ODD)
		np_finding_summary(f, "refused after %.2f ms by a reset, origin undetermined: its TTL (%d) "
				   "and that of the server's own packets elsewhere in the capture (%s) cannot "
				   "be compared: the initial value of one of them cannot be told (a "
				   "deliberately low TTL, as eBGP sends), so no hop is placed", ms, ttl, own);
	else if (match == NP_TTL_SAME)
		np_finding_summary(f, "refused by the server itself after %.2f ms: its reset comes%s (TTL %d), "
				   "as its own packets elsewhere in the capture do (%s)", ms, at, ttl, own);
	else
		np_finding_summary(f, "rejected after %.2f ms by a device on the path: a reset carrying "
				   "the server's address was sent %d hop%s away (TTL %d, initial %d), but the "
				   "server's own packets elsewhere in the capture come from hop %d (%s); "
				   "the server itself was not reached", ms, hops + 1, hops ? "s" : "", ttl,
				   np_ttl_initial(ttl), own_hop, own);
	np_finding_metric_int(f, "reply_ttl", ttl);
	np_finding_metric_opt_int(f, "target_ttl", h ? h->ref.last : -1);
	np_finding_metric_opt_int(f, "sender_hop", hops >= 0 ? hops + 1 : -1);
	np_finding_metric_opt_int(f, "target_hop", own_hop);
	np_finding_metric_real(f, "elapsed_ms", ms);
	common_metrics(f, x, w);
	ev_syns(e, f, t);
	if (hops >= 0)
		snprintf(text, sizeof(text), "reset from %s (TTL %d, initial %d: hop %d)", w->saddr, ttl,
			 np_ttl_initial(ttl), hops + 1);
	else
		snprintf(text, sizeof(text), "reset from %s (TTL %d: initial value unknown)", w->saddr, ttl);
	evidence(e, f, r, text);
	return f;
}

/* The silence, as evidence and figures shared by the idle verdicts. */
static void idle_common(struct np_explain *e, struct np_finding *f, const struct np_explain_flow *x,
			const struct who *w, const struct np_tcp_mark *end)
{
	const struct np_tcp_track *t = &x->trk;
	char what[96];

	np_finding_metric_real(f, "gap_s", secs(t->idle_ns));
	np_finding_metric_real(f, "idle_before_s", secs(end->t_ns - t->idle_before.t_ns));
	np_finding_metric_int(f, "idle_gaps", t->n_idle);
	common_metrics(f, x, w);
	ev_packet(e, f, w, &t->idle_before, "last packet before the silence");
	snprintf(what, sizeof(what), "first packet after %.1f s of silence", secs(t->idle_ns));
	if (t->idle_after.frame != end->frame)
		ev_packet(e, f, w, &t->idle_after, what);
}

static struct np_finding *finding_idle_reset(struct np_explain *e, const struct np_explain_flow *x,
					     const struct who *w, const char *target)
{
	const struct np_tcp_track *t = &x->trk;
	const struct np_ttl_ref *ref;
	struct np_tcp_reset r;
	struct np_tcp_unacked u;
	const char *who, *verdict;
	int pttl, hmin, ud, elsewhere;
	enum np_ttl_match match;
	struct np_finding *f;
	char text[256], gap[48], hop[32] = "", own[48];

	np_tcp_first_reset(t, 1, &r);
	ud = np_tcp_unacked_retransmitted(t, 1, &u);
	who = side_name(w, r.dir);
	match = np_explain_reset_match(e, x, &r, &ref, &elsewhere);
	np_ttl_ref_str(ref, own, sizeof(own));
	pttl = ref->last ? ref->last : -1;
	hmin = ref->hops_min;
	verdict = match == NP_TTL_OTHER ? "idle.reset_by_path" : match == NP_TTL_SAME ?
		  "idle.reset_by_peer" : "idle.reset";
	f = np_finding_new("explain", target, w->saddr, verdict);
	if (!f)
		return NULL;
	snprintf(gap, sizeof(gap), "%.1f s", secs(t->idle_ns));
	if (r.hops >= 0)
		snprintf(hop, sizeof(hop), ", hop %d", r.hops + 1);
	if (match == NP_TTL_OTHER)
		np_finding_summary(f, "reset after %s idle by a device on the path: the reset carrying the "
				   "%s's address came from hop %d (TTL %d, initial %d), but the %s's own "
				   "packets%s come from hop %d (%s)%s", gap, who, r.hops + 1, r.mark.ttl,
				   np_ttl_initial(r.mark.ttl), who, elsewhere ? " in other connections" : "",
				   hmin + 1, own,
				   t->idle_after.dir != r.dir ? "; it answered the first packet after the silence" : "");
	else if (match == NP_TTL_SAME)
		np_finding_summary(f, "reset by the %s itself after %s idle: the reset's TTL (%d%s) "
				   "is that of its own packets%s", who, gap, r.mark.ttl, hop,
				   elsewhere ? " in other connections" : "");
	else if (match == NP_TTL_ODD)
		np_finding_summary(f, "reset after %s idle, origin undecidable: the reset's TTL (%d) and "
				   "the %s's own (%s) cannot be compared: the initial value of one of them "
				   "cannot be told (a deliberately low TTL, as eBGP sends)", gap, r.mark.ttl,
				   who, own);
	else if (r.mark.ttl == 0)
		np_finding_summary(f, "reset after %s idle, origin undecidable: the capture holds TTL 0 "
				   "for it (its TTLs were rewritten), so it cannot be compared with the %s's "
				   "own packets", gap, who);
	else
		np_finding_summary(f, "reset after %s idle, origin undecidable: the %s sent no other "
				   "packet in this capture to compare the reset's TTL (%d) with", gap, who,
				   r.mark.ttl);
	idle_common(e, f, x, w, &r.mark);
	np_finding_metric_str(f, "reset_from", who);
	np_finding_metric_opt_int(f, "reply_ttl", r.mark.ttl ? r.mark.ttl : -1);
	np_finding_metric_opt_int(f, "peer_ttl", pttl);
	np_finding_metric_opt_int(f, "sender_hop", r.hops >= 0 ? r.hops + 1 : -1);
	np_finding_metric_opt_int(f, "peer_hop", hmin >= 0 ? hmin + 1 : -1);
	np_finding_metric_int(f, "retransmissions", ud >= 0 ? u.rtx : 0);
	if (r.hops >= 0 && pttl >= 0 && hmin >= 0)
		snprintf(text, sizeof(text), "reset carrying the %s's address (TTL %d, initial %d: hop %d; "
			 "the %s's own packets: %s, hop %d)", who, r.mark.ttl, np_ttl_initial(r.mark.ttl),
			 r.hops + 1, who, own, hmin + 1);
	else if (r.hops >= 0)
		snprintf(text, sizeof(text), "reset carrying the %s's address (TTL %d, initial %d: hop %d)",
			 who, r.mark.ttl, np_ttl_initial(r.mark.ttl), r.hops + 1);
	else
		snprintf(text, sizeof(text), "reset carrying the %s's address (TTL %d: initial value unknown)",
			 who, r.mark.ttl);
	evidence(e, f, &r.mark, text);
	return f;
}

static struct np_finding *finding_idle_fin(struct np_explain *e, const struct np_explain_flow *x,
					   const struct who *w, const char *target)
{
	const struct np_tcp_track *t = &x->trk;
	const struct np_tcp_mark *m = &t->seg.fin;
	const char *who = side_name(w, m->dir);
	struct np_finding *f = np_finding_new("explain", target, w->saddr, "idle.closed_by_peer");
	char text[128];

	if (!f)
		return NULL;
	np_finding_summary(f, "closed by the %s after %.1f s idle: its FIN (TTL %d) ended the silence; "
			   "an end's own idle limit, not the network", who, secs(t->idle_ns), m->ttl);
	idle_common(e, f, x, w, m);
	np_finding_metric_str(f, "closed_by", who);
	np_finding_metric_int(f, "reply_ttl", m->ttl);
	snprintf(text, sizeof(text), "FIN from the %s (TTL %d) after %.1f s idle", who, m->ttl,
		 secs(t->idle_ns));
	evidence(e, f, m, text);
	return f;
}

static struct np_finding *finding_idle_dropped(struct np_explain *e, const struct np_explain_flow *x,
					       const struct who *w, const char *target)
{
	const struct np_tcp_track *t = &x->trk;
	struct np_tcp_unacked u;
	int d = np_tcp_unacked_retransmitted(t, 1, &u);
	const char *who = side_name(w, d), *peer = side_name(w, !d);
	double span = secs(u.last_rtx.t_ns - u.first.t_ns);
	uint64_t back = t->seg.pkts[!d];
	struct np_finding *f = np_finding_new("explain", target, w->saddr, "idle.dropped");
	char text[160], reply[96];

	if (!f)
		return NULL;
	if (back)
		snprintf(reply, sizeof(reply), "the %s sent %llu packet%s that acknowledged none of it",
			 peer, (unsigned long long)back, back == 1 ? "" : "s");
	else
		snprintf(reply, sizeof(reply), "nothing came back from the %s", peer);
	np_finding_summary(f, "state lost silently after %.1f s idle: the %s's data was retransmitted "
			   "%u time%s over %.1f s and never acknowledged; %s", secs(t->idle_ns), who,
			   u.rtx, u.rtx == 1 ? "" : "s", span, reply);
	idle_common(e, f, x, w, &u.first);
	np_finding_metric_str(f, "data_from", who);
	np_finding_metric_int(f, "retransmissions", u.rtx);
	np_finding_metric_real(f, "retransmit_span_s", span);
	snprintf(text, sizeof(text), "data from the %s, first sent %.1f s after the last packet (TTL %d)",
		 who, secs(u.first.t_ns - t->idle_before.t_ns), u.first.ttl);
	evidence(e, f, &u.first, text);
	snprintf(text, sizeof(text), "retransmitted for the %u%s time, %.1f s after it was first sent, "
		 "never acknowledged", u.rtx, u.rtx == 1 ? "st" : u.rtx == 2 ? "nd" : u.rtx == 3 ? "rd" : "th",
		 span);
	evidence(e, f, &u.last_rtx, text);
	return f;
}

/* A verdict about an end's own act (its reset, its FIN) that a TLS alert
 * from it could have explained, when the capture did not keep the bytes
 * that alert would be in: that end's TLS walk lost a record header to the
 * snapshot length (pktmon keeps 128 bytes) and never found one again.
 * The TCP facts stand (they come from headers, lengths from the IP
 * header); the finding says what could not be read. */
static int cut_note(const struct np_explain_flow *x, const struct who *w, struct np_finding *f)
{
	const struct np_tcp_track *t = &x->trk;
	struct np_tcp_reset rs[4], r;
	size_t n;
	int d = -1;

	switch ((enum np_explain_outcome)x->outcome) {
	case NP_EXPLAIN_OUT_RST_PEER:
	case NP_EXPLAIN_OUT_RST:
		n = np_tcp_resets(t, rs);
		if (x->rst_pick < n)
			d = rs[x->rst_pick].dir;
		break;
	case NP_EXPLAIN_OUT_IDLE_RESET:
		if (np_tcp_first_reset(t, 1, &r) && r.match != NP_TTL_OTHER)
			d = r.dir;
		break;
	case NP_EXPLAIN_OUT_IDLE_FIN:
		d = t->seg.fin.dir;
		break;
	default:
		break;
	}
	if (d < 0 || !(x->tls.cut & (1 << d)) || !x->cut_frame[d])
		return 0;
	if (np_finding_summary(f, "%s; needed bytes not kept: the capture kept %u of the %u payload "
			       "bytes of frame %llu (a short snapshot length), and the %s's TLS records "
			       "after it could not be read: a TLS alert among them would name the cause "
			       "(capture whole packets: pktmon --pkt-size 0)", f->summary, x->cut_kept[d],
			       x->cut_len[d], (unsigned long long)x->cut_frame[d], side_name(w, d)) < 0 ||
	    np_finding_metric_int(f, "needed_bytes_not_kept", 1) < 0 ||
	    np_finding_metric_int(f, "not_kept_frame", (int64_t)x->cut_frame[d]) < 0)
		return NP_ENOMEM;
	return 0;
}

static struct np_finding *flow_finding(struct np_explain *e, const struct np_explain_flow *x)
{
	struct np_finding *f;
	struct np_explain_names nm;
	struct who w;
	char target[2 * NP_ADDR_STR_MAX + 8];
	int fam = x->key.family;

	w.c = np_explain_client_side(x, &w.known);
	w.s = !w.c;
	endpoint_str(fam, x->key.addr[w.c], x->key.port[w.c], w.client, sizeof(w.client));
	endpoint_str(fam, x->key.addr[w.s], x->key.port[w.s], w.server, sizeof(w.server));
	addr_str(fam, x->key.addr[w.s], w.saddr, sizeof(w.saddr));
	snprintf(target, sizeof(target), "%s -> %s", w.client, w.server);
	nm.target = target;
	nm.saddr = w.saddr;
	nm.client = w.c;
	nm.known = w.known;
	switch ((enum np_explain_outcome)x->outcome) {
	case NP_EXPLAIN_OUT_ICMP: f = finding_icmp(e, x, &w, target); break;
	case NP_EXPLAIN_OUT_FILTERED: f = finding_filtered(e, x, &w, target); break;
	case NP_EXPLAIN_OUT_HS_RESET: f = finding_hs_reset(e, x, &w, target); break;
	case NP_EXPLAIN_OUT_IDLE_RESET: f = finding_idle_reset(e, x, &w, target); break;
	case NP_EXPLAIN_OUT_IDLE_FIN: f = finding_idle_fin(e, x, &w, target); break;
	case NP_EXPLAIN_OUT_IDLE_DROPPED: f = finding_idle_dropped(e, x, &w, target); break;
	case NP_EXPLAIN_OUT_TLS_ALERT:
		f = np_explain_tls_finding(e, x, w.c, w.known, target, w.saddr);
		break;
	default: f = np_explain_end_finding(e, x, &nm); break;
	}
	if (f && (cut_note(x, &w, f) < 0 || np_explain_windows_note(e, x, &nm, f) < 0)) {
		np_finding_free(f);
		f = NULL;
	}
	if (f && !w.known && np_finding_summary(f, "%s (no SYN in the capture: the higher port is "
						"taken for the client)", f->summary) < 0) {
		np_finding_free(f);
		f = NULL;
	}
	return f;
}

/* Connections seen in one direction only: a warning for the capture, with
 * the first of them as evidence. */
static struct np_finding *finding_one_sided(struct np_explain *e, const char *name)
{
	struct np_finding *f = np_finding_new("explain", name, "", "explain.one_sided");
	size_t n = e->st.one_sided < NP_EXPLAIN_ONE_SIDED_EX ? e->st.one_sided : NP_EXPLAIN_ONE_SIDED_EX;
	char seen[NP_ADDR_STR_MAX], missing[NP_ADDR_STR_MAX], text[2 * NP_ADDR_STR_MAX + 96];

	if (!f)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const struct np_explain_one_sided *o = &e->one_sided[i];
		int fam = o->key.family, m = o->missing;

		endpoint_str(fam, o->key.addr[!m], o->key.port[!m], seen, sizeof(seen));
		endpoint_str(fam, o->key.addr[m], o->key.port[m], missing, sizeof(missing));
		snprintf(text, sizeof(text), "%s acknowledges packets from %s that the capture does not hold",
			 seen, missing);
		evidence(e, f, &o->mark, text);
		if (i == 0 && np_finding_summary(f, "%llu of %llu TCP connection%s captured in one "
						 "direction only (the first: %s, whose peer %s never "
						 "appears): asymmetric routing, or a tap or filter on one "
						 "direction; they are not judged, nothing being concluded "
						 "from a direction the capture does not hold",
						 (unsigned long long)e->st.one_sided,
						 (unsigned long long)e->st.flows,
						 e->st.flows == 1 ? "" : "s", seen, missing) < 0) {
			np_finding_free(f);
			return NULL;
		}
	}
	np_finding_metric_int(f, "one_sided", (int64_t)e->st.one_sided);
	np_finding_metric_int(f, "flows", (int64_t)e->st.flows);
	return f;
}

static int by_first_frame(const void *a, const void *b)
{
	const struct np_explain_flow *x = a, *y = b;

	return x->trk.first.frame < y->trk.first.frame ? -1 : x->trk.first.frame > y->trk.first.frame;
}

static int add(struct np_report *r, struct np_finding *f)
{
	if (!f)
		return NP_ENOMEM;
	return np_report_add(r, f);
}

int np_explain_add_findings(struct np_explain *e, struct np_report *r)
{
	const char *name = e->name ? e->name : "capture";
	struct np_finding *f;
	int err = 0;

	if (e->n_out)
		qsort(e->out, e->n_out, sizeof(*e->out), by_first_frame);
	for (size_t i = 0; i < e->n_out && !err; i++)
		err = add(r, flow_finding(e, &e->out[i]));
	if (err)
		return err;
	/* A file not read whole is not clean: explain.partial says what was
	 * read (explain.c). */
	if (e->st.problems == 0 && !np_explain_partial(e)) {
		char resets[96] = "";

		f = np_finding_new("explain", name, "", "explain.clean");
		if (!f)
			return NP_ENOMEM;
		if (e->st.reset_closes)
			snprintf(resets, sizeof(resets), "; %llu ended by an end's own reset with nothing in "
				 "flight", (unsigned long long)e->st.reset_closes);
		np_finding_summary(f, "%llu TCP connection%s in %llu frame%s: no failed handshake, none "
				   "reset by the path or with data in flight, none left unacknowledged, none "
				   "died after %.0f s or more of silence; the longest silence was %.1f s%s",
				   (unsigned long long)e->st.flows, e->st.flows == 1 ? "" : "s",
				   (unsigned long long)e->st.frames, e->st.frames == 1 ? "" : "s",
				   secs(e->min_idle_ns), secs(e->st.longest_gap_ns), resets);
		np_finding_metric_int(f, "frames", (int64_t)e->st.frames);
		np_finding_metric_int(f, "flows", (int64_t)e->st.flows);
		np_finding_metric_int(f, "idle_survived", (int64_t)e->st.idle_survived);
		np_finding_metric_real(f, "longest_gap_s", secs(e->st.longest_gap_ns));
		np_finding_metric_real(f, "min_idle_s", secs(e->min_idle_ns));
		np_finding_metric_int(f, "one_sided", (int64_t)e->st.one_sided);
		np_finding_metric_int(f, "reset_closes", (int64_t)e->st.reset_closes);
		err = np_report_add(r, f);
		if (err)
			return err;
	}
	if (e->st.one_sided)
		err = add(r, finding_one_sided(e, name));
	return err;
}
