/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "tcp_events.h"

#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "dissect.h"
#include "error.h"

/* Paths longer than this are not met in practice: a TTL further below its
 * nearest initial value had another initial value. */
#define PLAUSIBLE_HOPS 32

/* Sequence arithmetic modulo 2^32 (RFC 9293 3.4). */
static int seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static int seq_gt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

/* --- TTLs ------------------------------------------------------------------ */

int np_tcp_ttl_hops(int ttl)
{
	int h;

	if (ttl <= 32 || ttl > 255)
		return -1;
	h = np_ttl_hops(ttl);
	return h >= 0 && h <= PLAUSIBLE_HOPS ? h : -1;
}

void np_ttl_ref_init(struct np_ttl_ref *r)
{
	memset(r, 0, sizeof(*r));
	r->hops_min = r->hops_max = -1;
}

void np_ttl_ref_add(struct np_ttl_ref *r, int ttl)
{
	int h = np_tcp_ttl_hops(ttl);
	size_t i;

	if (ttl <= 0 || ttl > 255)
		return;
	r->last = (uint8_t)ttl;
	for (i = 0; i < r->n && r->ttl[i] != ttl; i++)
		;
	if (i == r->n && r->n < NP_TTL_REF_MAX)
		r->ttl[r->n++] = (uint8_t)ttl;
	if (h < 0) {
		r->odd = 1;
		return;
	}
	if (r->hops_min < 0 || h < r->hops_min)
		r->hops_min = (int16_t)h;
	if (h > r->hops_max)
		r->hops_max = (int16_t)h;
}

void np_ttl_ref_merge(struct np_ttl_ref *r, const struct np_ttl_ref *from)
{
	uint8_t last = from->last ? from->last : r->last;

	for (size_t i = 0; i < from->n; i++)
		np_ttl_ref_add(r, from->ttl[i]);
	r->last = last;
}

enum np_ttl_match np_ttl_ref_match(const struct np_ttl_ref *r, int ttl)
{
	int h;

	if (ttl <= 0 || r->n == 0)
		return NP_TTL_UNKNOWN;
	/* The very TTL of that end's own packets: its own stack sent it,
	 * whatever initial value that stack uses. */
	for (size_t i = 0; i < r->n; i++)
		if (r->ttl[i] == ttl)
			return NP_TTL_SAME;
	h = np_tcp_ttl_hops(ttl);
	if (h < 0 || r->hops_min < 0)
		return NP_TTL_ODD;
	return h >= r->hops_min && h <= r->hops_max ? NP_TTL_SAME : NP_TTL_OTHER;
}

const char *np_ttl_ref_str(const struct np_ttl_ref *r, char *buf, size_t len)
{
	size_t used;
	int n;

	if (!len)
		return buf;
	n = snprintf(buf, len, r->n == 0 ? "no TTL" : r->n == 1 ? "TTL" : "TTLs");
	used = n > 0 && (size_t)n < len ? (size_t)n : len - 1;
	for (size_t i = 0; i < r->n && used < len - 1; i++) {
		n = snprintf(buf + used, len - used, "%s%u", i ? ", " : " ", r->ttl[i]);
		if (n < 0 || (size_t)n >= len - used) {
			buf[used] = '\0';      /* whole values only */
			break;
		}
		used += (size_t)n;
	}
	return buf;
}

/* --- the tracker ------------------------------------------------------------ */

void np_tcp_track_init(struct np_tcp_track *t, int64_t min_idle_ns)
{
	memset(t, 0, sizeof(*t));
	t->min_idle_ns = min_idle_ns;
	t->syn_dir = -1;
	for (int d = 0; d < 2; d++)
		np_ttl_ref_init(&t->side[d].ttl);
}

static void new_segment(struct np_tcp_track *t)
{
	memset(&t->seg, 0, sizeof(t->seg));
}

/* Side x has sent sequence space (data, SYN or FIN) that the other side
 * has not acknowledged, as far as the capture shows. */
static int outstanding(const struct np_tcp_side *s)
{
	return s->have_nxt && (!s->have_una || seq_lt(s->snd_una, s->snd_nxt));
}

/* A keep-alive probe: one byte or none, just below what was sent (RFC 9293
 * 3.8.4, RFC 1122 4.2.3.6). */
static int keepalive(const struct np_tcp_side *s, const struct np_tcp_pkt *p)
{
	return p->len <= 1 && !(p->flags & (NP_TCP_SYN | NP_TCP_FIN)) && s->have_nxt &&
	       p->seq == s->snd_nxt - 1;
}

/* Data or a FIN sent again: its sender was waiting for an acknowledgement,
 * so the silence before it was a retransmission timeout, not idleness. */
static int retransmission(const struct np_tcp_side *s, const struct np_tcp_pkt *p)
{
	return !(p->flags & NP_TCP_RST) && (p->len > 0 || (p->flags & NP_TCP_FIN)) && s->have_nxt &&
	       seq_lt(p->seq, s->snd_nxt) && !keepalive(s, p);
}

/* Side d acknowledges up to ack: does that cover sequence space of the
 * other side that the capture never showed? Only an advance counts, and
 * the first acknowledgement of a connection that began in the capture
 * (one that began before it acknowledges what came before). */
static int acks_unseen(const struct np_tcp_track *t, int d, const struct np_tcp_pkt *p)
{
	const struct np_tcp_side *o = &t->side[!d];

	if (o->have_una) {
		if (!seq_gt(p->ack, o->snd_una))
			return 0;
	} else if (t->syn_dir < 0 && !(p->flags & NP_TCP_SYN)) {
		return 0;
	}
	return !o->have_nxt || seq_gt(p->ack, o->snd_nxt);
}

/* The peer of side x acknowledged up to ack: x's oldest unacked data is
 * acknowledged in full, in part (the rest restarts from here), or not. */
static void take_ack(struct np_tcp_track *t, int x, uint32_t ack, const struct np_tcp_mark *m)
{
	struct np_tcp_side *s = &t->side[x];
	struct np_tcp_unacked *u = &s->out;

	if (!s->have_una || seq_gt(ack, s->snd_una))
		s->snd_una = ack;
	s->have_una = 1;
	if (!u->valid || !seq_gt(ack, u->seq))
		return;
	if (u->after_gap && !t->seg.revived) {
		/* Data sent after the idle gap got through: the connection
		 * survived that gap, whatever comes later. */
		t->seg.revived = 1;
		t->seg.revived_at = *m;
	}
	if (!s->have_nxt || !seq_lt(ack, s->snd_nxt)) {
		u->valid = 0;
		return;
	}
	u->seq = ack;
	u->first = *m;
	u->rtx = 0;
	u->replies = 0;
	memset(&u->last_rtx, 0, sizeof(u->last_rtx));
}

static void take_data(struct np_tcp_track *t, int d, const struct np_tcp_pkt *p,
		      const struct np_tcp_mark *m)
{
	struct np_tcp_side *s = &t->side[d];
	struct np_tcp_unacked *u = &s->out;
	int rtx = s->have_nxt && seq_lt(p->seq, s->snd_nxt);

	s->data_pkts++;
	if (rtx)
		s->retrans++;
	if (u->valid) {
		if (rtx) {
			u->rtx++;
			u->last_rtx = *m;
		}
	} else {
		/* A retransmission with nothing outstanding: its first
		 * transmission was not captured, or its acknowledgement was
		 * lost; either way the data is in flight again from here. */
		u->valid = 1;
		u->seq = p->seq;
		u->first = *m;
		u->rtx = 0;
		u->replies = 0;
		memset(&u->last_rtx, 0, sizeof(u->last_rtx));
		u->after_gap = t->n_idle > 0;
	}
}

static void advance_nxt(struct np_tcp_side *s, uint32_t end)
{
	if (!s->have_nxt || seq_gt(end, s->snd_nxt))
		s->snd_nxt = end;
	s->have_nxt = 1;
}

static int established(const struct np_tcp_track *t, int any_data)
{
	if (t->side[0].synack.frame || t->side[1].synack.frame)
		return 1;
	if (t->syn_dir >= 0)
		return t->side[!t->syn_dir].acked_unseen > 0;
	return any_data;
}

static void take_reset(struct np_tcp_track *t, const struct np_tcp_pkt *p, const struct np_tcp_mark *m,
		       int64_t quiet, int any_data)
{
	int d = p->dir & 1;
	struct np_tcp_side *s = &t->side[d];
	const struct np_tcp_side *o = &t->side[!d];
	struct np_tcp_rst r;

	memset(&r, 0, sizeof(r));
	r.mark = *m;
	r.quiet_ns = quiet;
	r.after_data = (uint8_t)any_data;
	r.outstanding = (uint8_t)((t->side[0].out.valid ? 1 : 0) | (t->side[1].out.valid ? 2 : 0));
	r.established = (uint8_t)established(t, any_data);
	r.acks_all = (p->flags & NP_TCP_ACK) && o->have_nxt && !seq_lt(p->ack, o->snd_nxt);
	if (!s->rst.frame) {
		s->rst = *m;
		s->rst_at[0] = r;
	} else if (!s->rst_at[1].mark.frame && m->ttl != s->rst_at[0].mark.ttl) {
		/* Another TTL than its first reset: one of the two is not
		 * from the same sender. */
		s->rst_at[1] = r;
	}
	if (!t->seg.revived && !t->seg.rst.mark.frame)
		t->seg.rst = r;
}

void np_tcp_track_add(struct np_tcp_track *t, const struct np_tcp_pkt *p)
{
	int d = p->dir & 1;
	struct np_tcp_side *s = &t->side[d];
	struct np_tcp_mark m = { p->frame, p->t_ns, p->ttl, p->flags, (uint8_t)d };
	int rst = (p->flags & NP_TCP_RST) != 0;
	int ack = (p->flags & NP_TCP_ACK) && !rst;
	int had_data = t->seg.sent_data[d];
	int any_data = (t->side[0].data_pkts + t->side[1].data_pkts) > 0;
	int unseen = ack && acks_unseen(t, d, p);
	int64_t quiet = 0;

	if (t->pkts == 0) {
		t->first = m;
	} else {
		int64_t gap = p->t_ns - t->last.t_ns;

		if (gap < 0)
			gap = 0;    /* out-of-order timestamps: no silence */
		/* A reset answers the packet before it: the silence before
		 * that one counts too (a firewall that forgot the connection
		 * resets the first packet after the silence). */
		quiet = gap > t->last_gap_ns ? gap : t->last_gap_ns;
		t->last_gap_ns = gap;
		if (gap > t->max_gap_ns) {
			t->max_gap_ns = gap;
			t->max_gap_before = t->last;
			t->max_gap_after = m;
		}
		/* Silence is silence with nothing outstanding: data, a SYN or
		 * a FIN unacknowledged make it a retransmission timeout (a
		 * stall), and so does a retransmission ending it; nor is it
		 * silent when the packet ending it acknowledges data of the
		 * other side that the capture missed. */
		if (t->min_idle_ns > 0 && gap >= t->min_idle_ns &&
		    !outstanding(&t->side[0]) && !outstanding(&t->side[1]) &&
		    !retransmission(s, p) && !unseen) {
			t->n_idle++;
			t->idle_ns = gap;
			t->idle_before = t->last;
			t->idle_after = m;
			new_segment(t);
			had_data = 0;
		}
	}
	t->pkts++;
	t->last = m;
	s->pkts++;
	t->seg.pkts[d]++;
	if (t->side[!d].out.valid)
		t->side[!d].out.replies++;

	/* A reset is what is judged by its TTL: never part of the yardstick. */
	if (!rst) {
		if (p->ttl)
			np_ttl_ref_add(&s->ttl, p->ttl);
		s->last_own = m;
	}

	if (p->flags & NP_TCP_SYN) {
		if (!(p->flags & NP_TCP_ACK)) {
			if (t->syn_dir < 0) {
				t->syn_dir = d;
				t->syn_seq = p->seq;
			}
			if (d == t->syn_dir) {
				if (t->n_syn < NP_TCP_SYN_MARKS)
					t->syn[t->n_syn] = m;
				t->n_syn++;
				t->last_syn = m;
			}
		} else if (!s->synack.frame) {
			s->synack = m;
		}
	}

	/* A reset's acknowledgement field proves nothing (a forged one
	 * copies it from the packet it answers). */
	if (ack) {
		struct np_tcp_side *o = &t->side[!d];

		if (unseen) {
			if (!o->acked_unseen)
				o->unseen = m;
			o->acked_unseen++;
		}
		s->win0 = p->win0;
		take_ack(t, !d, p->ack, &m);
	}

	if (p->len > 0 && !rst) {
		take_data(t, d, p, &m);
		t->seg.sent_data[d] = 1;
	}

	if ((p->flags & NP_TCP_FIN) && !rst) {
		/* A bare close that ends the silence: its sender's first FIN
		 * (not one sent again), not the reply to a request or data
		 * with a FIN, and not the answer to the other side's close. */
		if (!s->fin.frame && !t->seg.revived && !t->seg.fin.frame && !had_data && p->len == 0 &&
		    !t->side[!d].fin.frame)
			t->seg.fin = m;
		if (!s->fin.frame)
			s->fin = m;
	}
	if (!rst && (p->len > 0 || (p->flags & (NP_TCP_SYN | NP_TCP_FIN))))
		advance_nxt(s, p->seq + p->len + ((p->flags & NP_TCP_SYN) ? 1 : 0) +
			    ((p->flags & NP_TCP_FIN) ? 1 : 0));
	if (rst)
		take_reset(t, p, &m, quiet, any_data);
}

void np_tcp_track_list(struct np_tcp_track *t, int64_t min_idle_ns,
		       const struct np_tcp_pkt *pkts, size_t n)
{
	np_tcp_track_init(t, min_idle_ns);
	for (size_t i = 0; i < n; i++)
		np_tcp_track_add(t, &pkts[i]);
}

uint32_t np_tcp_seg_len(const struct np_packet *p, uint32_t wirelen)
{
	uint32_t ip_len, hl;

	if (!p->has_ip || p->l4 != IPPROTO_TCP || p->tcp.hdr_len == 0)
		return (uint32_t)p->payload_len;
	ip_len = p->ip.tot_len;
	if (p->ip.family == AF_INET ? ip_len == 0 : ip_len == 40) {
		/* A TSO/GRO super-packet, or a jumbogram: the frame says. */
		if (wirelen <= p->l3_off)
			return (uint32_t)p->payload_len;
		ip_len = wirelen - (uint32_t)p->l3_off;
	}
	hl = (uint32_t)(p->ip.hdr_len + p->tcp.hdr_len);
	return ip_len > hl ? ip_len - hl : 0;
}

int np_tcp_pkt_from_flow(const struct np_flow_pkt *fp, struct np_tcp_pkt *out)
{
	const struct np_packet *p = &fp->pkt;

	if (fp->icmp || !p->has_ip || p->l4 != IPPROTO_TCP || !p->tcp.has_ack_flags_win)
		return NP_EINVAL;
	memset(out, 0, sizeof(*out));
	out->frame = fp->frame;
	out->t_ns = fp->mono_us * 1000;
	out->dir = fp->outgoing ? 0 : 1;
	out->flags = p->tcp.flags;
	out->ttl = p->ip.ttl;
	out->seq = p->tcp.seq;
	out->ack = p->tcp.ack;
	out->len = np_tcp_seg_len(p, 0);
	out->win0 = p->tcp.window == 0 && !(p->tcp.flags & (NP_TCP_SYN | NP_TCP_RST));
	return 0;
}

/* --- questions ------------------------------------------------------------- */

int np_tcp_unacked_retransmitted(const struct np_tcp_track *t, int after_gap,
				 struct np_tcp_unacked *out)
{
	int best = -1;

	for (int d = 0; d < 2; d++) {
		const struct np_tcp_unacked *u = &t->side[d].out;

		if (!u->valid || u->rtx == 0 || (after_gap && !u->after_gap))
			continue;
		if (best < 0 || u->rtx > t->side[best].out.rtx)
			best = d;
	}
	if (best >= 0 && out)
		*out = t->side[best].out;
	return best;
}

static void reset_of(const struct np_tcp_track *t, const struct np_tcp_rst *r, struct np_tcp_reset *out)
{
	const struct np_tcp_side *s = &t->side[r->mark.dir & 1];

	memset(out, 0, sizeof(*out));
	out->mark = r->mark;
	out->dir = r->mark.dir & 1;
	out->after_data = r->after_data;
	out->after_idle = t->n_idle && t->seg.rst.mark.frame == r->mark.frame &&
			  t->seg.rst.mark.t_ns == r->mark.t_ns;
	out->hops = r->mark.ttl ? np_tcp_ttl_hops(r->mark.ttl) : -1;
	out->side_hops_min = s->ttl.hops_min;
	out->side_hops_max = s->ttl.hops_max;
	out->side_ttl = s->ttl.last ? s->ttl.last : -1;
	out->match = np_ttl_ref_match(&s->ttl, r->mark.ttl);
	out->quiet_ns = r->quiet_ns;
	out->outstanding = r->outstanding;
	out->established = r->established;
	out->acks_all = r->acks_all;
}

int np_tcp_first_reset(const struct np_tcp_track *t, int after_idle, struct np_tcp_reset *out)
{
	const struct np_tcp_rst *r = NULL;

	memset(out, 0, sizeof(*out));
	if (after_idle) {
		if (!t->n_idle || !t->seg.rst.mark.frame)
			return 0;
		r = &t->seg.rst;
	} else {
		for (int d = 0; d < 2; d++) {
			const struct np_tcp_rst *x = &t->side[d].rst_at[0];

			if (x->mark.frame && (!r || x->mark.t_ns < r->mark.t_ns))
				r = x;
		}
		if (!r)
			return 0;
	}
	reset_of(t, r, out);
	return 1;
}

size_t np_tcp_resets(const struct np_tcp_track *t, struct np_tcp_reset out[4])
{
	size_t n = 0;

	for (int d = 0; d < 2; d++)
		for (int i = 0; i < 2; i++)
			if (t->side[d].rst_at[i].mark.frame)
				reset_of(t, &t->side[d].rst_at[i], &out[n++]);
	/* At most four: in the order they came. */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && out[j].mark.t_ns < out[j - 1].mark.t_ns; j--) {
			struct np_tcp_reset x = out[j];

			out[j] = out[j - 1];
			out[j - 1] = x;
		}
	return n;
}

int np_tcp_fin_from(const struct np_tcp_track *t, int dir, int after_idle, struct np_tcp_mark *out)
{
	const struct np_tcp_mark *m;

	if (after_idle)
		m = t->n_idle && t->seg.fin.frame && t->seg.fin.dir == dir ? &t->seg.fin : NULL;
	else
		m = t->side[dir & 1].fin.frame ? &t->side[dir & 1].fin : NULL;
	if (!m)
		return 0;
	if (out)
		*out = *m;
	return 1;
}

int64_t np_tcp_largest_gap(const struct np_tcp_track *t, struct np_tcp_mark *before,
			   struct np_tcp_mark *after)
{
	if (before)
		*before = t->max_gap_before;
	if (after)
		*after = t->max_gap_after;
	return t->max_gap_ns;
}

int np_tcp_one_sided(const struct np_tcp_track *t)
{
	/* One packet (a lone SYN-ACK at the capture's edge) is no
	 * connection carrying on without its other direction. */
	for (int d = 0; d < 2; d++)
		if (t->side[d].pkts == 0 && t->side[d].acked_unseen > 0 && t->side[!d].pkts >= 2)
			return d;
	return -1;
}

enum np_tcp_handshake np_tcp_handshake(const struct np_tcp_track *t)
{
	const struct np_tcp_side *other;

	if (t->syn_dir < 0)
		return NP_HS_NONE;
	other = &t->side[!t->syn_dir];
	if (other->synack.frame)
		return NP_HS_ANSWERED;
	/* The SYN's sender acknowledged something the other side sent: it
	 * got an answer this capture does not hold, whatever reset came. */
	if (other->acked_unseen)
		return NP_HS_UNSEEN;
	if (other->rst.frame)
		return NP_HS_RESET;
	return NP_HS_PENDING;
}
