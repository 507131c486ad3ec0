/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "tcp_events.h"

#include <netinet/in.h>
#include <string.h>

#include "dissect.h"
#include "error.h"

/* Sequence arithmetic modulo 2^32 (RFC 9293 3.4). */
static int seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static int seq_gt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

void np_tcp_track_init(struct np_tcp_track *t, int64_t min_idle_ns)
{
	memset(t, 0, sizeof(*t));
	t->min_idle_ns = min_idle_ns;
	t->syn_dir = -1;
	for (int d = 0; d < 2; d++) {
		t->side[d].hops_min = t->side[d].hops_max = -1;
		t->side[d].rst_hops_min = t->side[d].rst_hops_max = -1;
	}
	t->seg.rst_hops_min = t->seg.rst_hops_max = -1;
}

static void new_segment(struct np_tcp_track *t)
{
	memset(&t->seg, 0, sizeof(t->seg));
	t->seg.rst_hops_min = t->seg.rst_hops_max = -1;
}

/* The peer of side x acknowledged up to ack: x's oldest unacked data is
 * acknowledged in full, in part (the rest restarts from here), or not. */
static void take_ack(struct np_tcp_track *t, int x, uint32_t ack, const struct np_tcp_mark *m)
{
	struct np_tcp_side *s = &t->side[x];
	struct np_tcp_unacked *u = &s->out;

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

void np_tcp_track_add(struct np_tcp_track *t, const struct np_tcp_pkt *p)
{
	int d = p->dir & 1;
	struct np_tcp_side *s = &t->side[d];
	struct np_tcp_mark m = { p->frame, p->t_ns, p->ttl, p->flags, (uint8_t)d };
	int rst = (p->flags & NP_TCP_RST) != 0;
	int had_data = t->seg.sent_data[d];
	int any_data = (t->side[0].data_pkts + t->side[1].data_pkts) > 0;

	if (t->pkts == 0) {
		t->first = m;
	} else {
		int64_t gap = p->t_ns - t->last.t_ns;

		if (gap < 0)
			gap = 0;    /* out-of-order timestamps: no silence */
		if (gap > t->max_gap_ns) {
			t->max_gap_ns = gap;
			t->max_gap_before = t->last;
			t->max_gap_after = m;
		}
		/* A silence with data outstanding is a retransmission timeout
		 * (a stall), not an idle connection. */
		if (t->min_idle_ns > 0 && gap >= t->min_idle_ns &&
		    !t->side[0].out.valid && !t->side[1].out.valid) {
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

	/* A reset is what is judged by its TTL: never part of the yardstick. */
	if (!rst && p->ttl) {
		int h = np_ttl_hops(p->ttl);

		if (s->hops_min < 0 || h < s->hops_min)
			s->hops_min = (int16_t)h;
		if (h > s->hops_max)
			s->hops_max = (int16_t)h;
		s->ttl_last = p->ttl;
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
	if ((p->flags & NP_TCP_ACK) && !rst)
		take_ack(t, !d, p->ack, &m);

	if (p->len > 0 && !rst) {
		take_data(t, d, p, &m);
		t->seg.sent_data[d] = 1;
	}
	if (!rst && (p->len > 0 || (p->flags & (NP_TCP_SYN | NP_TCP_FIN))))
		advance_nxt(s, p->seq + p->len + ((p->flags & NP_TCP_SYN) ? 1 : 0) +
			    ((p->flags & NP_TCP_FIN) ? 1 : 0));

	if ((p->flags & NP_TCP_FIN) && !rst) {
		if (!s->fin.frame)
			s->fin = m;
		/* A bare close that ends the silence: not the reply to a
		 * request, and not data with a FIN. */
		if (!t->seg.revived && !t->seg.fin.frame && !had_data && p->len == 0)
			t->seg.fin = m;
	}
	if (rst) {
		if (!s->rst.frame) {
			s->rst = m;
			s->rst_hops_min = s->hops_min;
			s->rst_hops_max = s->hops_max;
			s->rst_peer_ttl = s->ttl_last;
			s->rst_after_data = (uint8_t)any_data;
		}
		if (!t->seg.revived && !t->seg.rst.frame) {
			t->seg.rst = m;
			t->seg.rst_hops_min = s->hops_min;
			t->seg.rst_hops_max = s->hops_max;
			t->seg.rst_peer_ttl = s->ttl_last;
			t->seg.rst_after_data = (uint8_t)any_data;
		}
	}
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
	return 0;
}

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

static enum np_ttl_match ttl_match(int ttl, int hmin, int hmax)
{
	int h;

	if (ttl <= 0 || hmin < 0)
		return NP_TTL_UNKNOWN;
	h = np_ttl_hops(ttl);
	return h >= hmin && h <= hmax ? NP_TTL_SAME : NP_TTL_OTHER;
}

int np_tcp_first_reset(const struct np_tcp_track *t, int after_idle, struct np_tcp_reset *out)
{
	const struct np_tcp_mark *m = NULL;
	int hmin = -1, hmax = -1, pttl = 0, data = 0;

	memset(out, 0, sizeof(*out));
	if (after_idle) {
		if (!t->n_idle || !t->seg.rst.frame)
			return 0;
		m = &t->seg.rst;
		hmin = t->seg.rst_hops_min;
		hmax = t->seg.rst_hops_max;
		pttl = t->seg.rst_peer_ttl;
		data = t->seg.rst_after_data;
	} else {
		for (int d = 0; d < 2; d++) {
			const struct np_tcp_side *s = &t->side[d];

			if (!s->rst.frame || (m && m->t_ns <= s->rst.t_ns))
				continue;
			m = &s->rst;
			hmin = s->rst_hops_min;
			hmax = s->rst_hops_max;
			pttl = s->rst_peer_ttl;
			data = s->rst_after_data;
		}
		if (!m)
			return 0;
	}
	out->mark = *m;
	out->dir = m->dir;
	out->after_idle = t->n_idle && t->seg.rst.frame == m->frame && t->seg.rst.t_ns == m->t_ns;
	out->after_data = data;
	out->hops = m->ttl ? np_ttl_hops(m->ttl) : -1;
	out->side_hops_min = hmin;
	out->side_hops_max = hmax;
	out->side_ttl = pttl ? pttl : -1;
	out->match = ttl_match(m->ttl, hmin, hmax);
	return 1;
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

enum np_tcp_handshake np_tcp_handshake(const struct np_tcp_track *t)
{
	const struct np_tcp_side *other;

	if (t->syn_dir < 0)
		return NP_HS_NONE;
	other = &t->side[!t->syn_dir];
	if (other->synack.frame)
		return NP_HS_ANSWERED;
	if (other->rst.frame)
		return NP_HS_RESET;
	return NP_HS_PENDING;
}
