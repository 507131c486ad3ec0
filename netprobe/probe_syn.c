/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "probe_syn_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "clock.h"
#include "flow.h"
#include "loop.h"
#include "rawsend.h"
#include "route.h"
#include "target_job.h"

/* Before any answer, a silent port gets its second SYN after 1 s (nmap's
 * initial RTT timeout); once answers come, after four times the slowest
 * round trip, at least MIN_WAIT_US; never later than --timeout. */
#define FIRST_WAIT_US 1000000
#define MIN_WAIT_US 250000
/* A series' answers come in milliseconds. */
#define SERIES_WAIT_US 2000000
/* Sweeps running at once (each holds ~32 bytes a port); more wait. */
#define MAX_ACTIVE 16
#define POLL_US 50000
/* Each port owns SLOTS sequence numbers: its SYN, its retransmission,
 * and the TTL-limited SYNs of a series (SLOT_SERIES + TTL). A SYN-ACK or
 * reset acknowledges seq + 1, an ICMP error quotes seq: either names the
 * SYN it answers. */
#define SLOTS 64
#define SLOT_RETRY 1
#define SLOT_SERIES 1
#define SYN_TTL 64

/* --- sending ----------------------------------------------------------------- */

static int send_hdr(struct syn_sweep *sw, struct np_trace_hdr *h)
{
	char errbuf[NP_ERRBUF_SIZE];
	int e;

	h->ip_id = (uint16_t)(sw->base.ip_id + sw->packets);
	if (np_rawsend_send(sw->plan->raw, h, errbuf) == 0) {
		sw->packets++;
		return 0;
	}
	e = errno;
	/* The device queue is full for a moment: the pacing tries again. */
	if (e == ENOBUFS || e == EAGAIN || e == EINTR)
		return 1;
	if (!sw->error[0])
		snprintf(sw->error, sizeof(sw->error), "cannot send to port %u: %.200s", h->dport, errbuf);
	return -1;
}

/* SYN number slot of port i, with ttl. 0 sent, 1 not now, -1 failed. */
static int send_syn(struct syn_sweep *sw, size_t i, int slot, int ttl)
{
	struct np_trace_hdr h = sw->base;
	int rc;

	h.dport = sw->ports[i].port;
	h.seq = sw->base_seq + (uint32_t)(i * SLOTS + (size_t)slot);
	h.tsval = sw->base.tsval + (uint32_t)sw->packets;
	h.ttl = (uint8_t)ttl;
	rc = send_hdr(sw, &h);
	sw->syns += rc == 0;
	return rc;
}

/* RFC 9293 3.10.7.1: the reset for a segment carrying an ACK takes its
 * sequence number from that ACK. The kernel sends one too (no socket owns
 * the flow); this one does not depend on it. */
static void send_rst(struct syn_sweep *sw, uint16_t port, uint32_t ack)
{
	struct np_trace_hdr h = sw->base;

	h.dport = port;
	h.flags = NP_TCP_RST;
	h.seq = ack;
	h.window = 0;
	h.mss = h.wscale = -1;
	h.sack_perm = h.ts = 0;
	h.ttl = SYN_TTL;
	send_hdr(sw, &h);
}

/* --- answers ------------------------------------------------------------------ */

/* The port index and slot a sequence number names, for a packet about
 * port; -1 when it is none of this sweep's. */
static int decode(const struct syn_sweep *sw, uint32_t seq, unsigned port, size_t *i, int *slot)
{
	uint32_t k = seq - sw->base_seq;

	if (k / SLOTS >= sw->n || sw->ports[k / SLOTS].port != port)
		return -1;
	*i = k / SLOTS;
	*slot = (int)(k % SLOTS);
	return 0;
}

static int class_find(const struct syn_sweep *sw, int ttl)
{
	for (size_t c = 0; c < sw->n_cls; c++)
		if (sw->cls[c].ttl == ttl)
			return (int)c;
	return -1;
}

static int sender_of(struct syn_sweep *sw, const char *addr, int ttl)
{
	size_t s;

	for (s = 0; s < sw->n_senders; s++)
		if (strcmp(sw->senders[s].addr, addr) == 0)
			return (int)s;
	if (s == NP_SYN_SENDERS_MAX)
		return NP_SYN_SENDERS_MAX - 1;
	snprintf(sw->senders[s].addr, sizeof(sw->senders[s].addr), "%s", addr);
	sw->senders[s].ttl = ttl;
	sw->n_senders++;
	return (int)s;
}

static int wake_if_idle(struct syn_sweep *sw);

/* The first answer to port i: its state, when it came, the frame. */
static struct np_syn_port *answer(struct syn_sweep *sw, size_t i, int slot, const struct np_flow_pkt *p,
				  enum np_syn_state st, enum np_syn_how how)
{
	struct np_syn_port *q = &sw->ports[i];

	if (q->state != NP_SYN_PENDING)
		return NULL;
	q->state = (uint8_t)st;
	q->how = (uint8_t)how;
	q->ttl = p->pkt.ip.ttl;
	q->frame = p->frame;
	q->rtt_ms = -1;
	if (slot == q->tries - 1) {
		int64_t rtt = p->mono_us - q->sent_us;

		q->rtt_ms = (float)rtt / 1000.0f;
		if (rtt > sw->max_rtt_us)
			sw->max_rtt_us = rtt;
		sw->have_rtt = 1;
	}
	wake_if_idle(sw);
	return q;
}

static struct np_syn_class *series_of(struct syn_sweep *sw, size_t i)
{
	for (size_t c = 0; c < sw->n_cls; c++)
		if (sw->cls[c].series_started && sw->cls[c].rep == i)
			return &sw->cls[c];
	return NULL;
}

static void series_answer(struct syn_sweep *sw, size_t i, int ttl, const struct np_flow_pkt *p,
			  enum np_series_outcome o)
{
	struct np_syn_class *c = series_of(sw, i);
	struct np_ttl_probe *pr;

	if (!c || ttl < 1 || ttl > c->series_len || c->series[ttl - 1].outcome != NP_SERIES_NONE)
		return;
	pr = &c->series[ttl - 1];
	pr->outcome = o;
	pr->frame = p->frame;
	pr->time_ms = (double)(p->mono_us - c->series_sent_us) / 1000.0;
	if (!inet_ntop(p->pkt.ip.family, p->pkt.ip.src, pr->from, sizeof(pr->from)))
		snprintf(pr->from, sizeof(pr->from), "?");
	for (int t = 0; t < c->series_len; t++)
		if (c->series[t].outcome == NP_SERIES_NONE)
			return;
	c->series_done = 1;
	wake_if_idle(sw);
}

static void on_tcp(struct syn_sweep *sw, const struct np_flow_pkt *p)
{
	const struct np_pkt_tcp *t = &p->pkt.tcp;
	int synack = (t->flags & (NP_TCP_SYN | NP_TCP_RST)) == NP_TCP_SYN, slot, c;
	struct np_syn_port *q;
	size_t i;

	/* A SYN is answered with a segment that acknowledges it. */
	if (!(t->flags & NP_TCP_ACK) || decode(sw, t->ack - 1, t->sport, &i, &slot) < 0)
		return;
	if (synack)
		send_rst(sw, t->sport, t->ack);
	if (slot > SLOT_RETRY) {
		series_answer(sw, i, slot - SLOT_SERIES, p, synack ? NP_SERIES_OTHER :
			      t->flags & NP_TCP_RST ? NP_SERIES_RESET : NP_SERIES_NONE);
		return;
	}
	if (synack) {
		if (answer(sw, i, slot, p, NP_SYN_OPEN, NP_SYN_HOW_SYNACK) && sw->target_ttl < 0)
			sw->target_ttl = p->pkt.ip.ttl;
		return;
	}
	if (!(t->flags & NP_TCP_RST))
		return;
	c = class_find(sw, p->pkt.ip.ttl);
	if (c < 0 && sw->n_cls < NP_SYN_CLASSES_MAX) {
		c = (int)sw->n_cls++;
		sw->cls[c].ttl = p->pkt.ip.ttl;
		sw->cls[c].rep = i;
	}
	q = answer(sw, i, slot, p, NP_SYN_RESET, NP_SYN_HOW_RESET);
	if (!q)
		return;
	q->who = c < 0 ? 0xff : (uint8_t)c;
	if (c >= 0) {
		sw->cls[c].count++;
		if (p->frame) {
			sw->cls[c].kept++;
			if (!sw->cls[c].frame)
				sw->cls[c].frame = p->frame;
		}
	}
}

static void on_icmp(struct syn_sweep *sw, const struct np_flow_pkt *p)
{
	enum np_icmp_kind k = np_icmp_kind(&p->pkt);
	char from[48];
	struct np_syn_port *q = NULL;
	size_t i;
	int slot, own;

	if (k == NP_ICMP_NOT_ERROR || k == NP_ICMP_IGNORED || p->pkt.inner_l4 != IPPROTO_TCP ||
	    !p->pkt.inner_has_seq || decode(sw, p->pkt.inner_tcp.seq, p->pkt.inner_tcp.dport, &i, &slot) < 0)
		return;
	if (slot > SLOT_RETRY) {
		series_answer(sw, i, slot - SLOT_SERIES, p, k == NP_ICMP_EXCEEDED ? NP_SERIES_EXCEEDED :
			      NP_SERIES_OTHER);
		return;
	}
	if (!inet_ntop(p->pkt.ip.family, p->pkt.ip.src, from, sizeof(from)))
		snprintf(from, sizeof(from), "?");
	own = strcmp(from, sw->addr) == 0;
	if (k == NP_ICMP_PROHIBITED)
		q = answer(sw, i, slot, p, NP_SYN_REJECTED, NP_SYN_HOW_PROHIBITED);
	else if (k == NP_ICMP_PORT_UNREACH)
		q = answer(sw, i, slot, p, own ? NP_SYN_CLOSED : NP_SYN_REJECTED, NP_SYN_HOW_PORT_UNREACH);
	else
		q = answer(sw, i, slot, p, NP_SYN_UNREACHABLE, k == NP_ICMP_EXCEEDED ? NP_SYN_HOW_EXCEEDED :
			   NP_SYN_HOW_UNREACH);
	if (q)
		q->who = (uint8_t)sender_of(sw, from, p->pkt.ip.ttl);
}

/* Our own packets as the capture saw them: when each SYN left, and the
 * frames worth naming. */
static void on_outgoing(struct syn_sweep *sw, const struct np_flow_pkt *p)
{
	const struct np_pkt_tcp *t = &p->pkt.tcp;
	struct np_syn_class *c;
	size_t i;
	int slot;

	if (t->flags & NP_TCP_RST) {
		if (p->frame && decode(sw, t->seq - 1, t->dport, &i, &slot) == 0 &&
		    sw->ports[i].state == NP_SYN_OPEN && !sw->ports[i].rst_frame)
			sw->ports[i].rst_frame = p->frame;
		return;
	}
	if ((t->flags & (NP_TCP_SYN | NP_TCP_ACK)) != NP_TCP_SYN || decode(sw, t->seq, t->dport, &i, &slot) < 0)
		return;
	if (slot == sw->ports[i].tries - 1)
		sw->ports[i].sent_us = p->mono_us;
	if (slot == SLOT_RETRY && p->frame)
		sw->ports[i].retry_frame = p->frame;
	c = slot > SLOT_RETRY ? series_of(sw, i) : NULL;
	if (c && slot - SLOT_SERIES <= c->series_len)
		c->sent_frame[slot - SLOT_SERIES - 1] = p->frame;
}

static void on_pkt(struct np_flow *flow, const struct np_flow_pkt *p, void *arg)
{
	struct syn_sweep *sw = arg;

	(void)flow;
	if (sw->state != SWEEP_RUNNING)
		return;
	if (p->icmp)
		on_icmp(sw, p);
	else if (p->pkt.l4 == IPPROTO_TCP && p->pkt.tcp.has_ack_flags_win && p->outgoing)
		on_outgoing(sw, p);
	else if (p->pkt.l4 == IPPROTO_TCP && p->pkt.tcp.has_ack_flags_win)
		on_tcp(sw, p);
}

/* Which packets the saved capture keeps: the answers that prove a state
 * and the SYNs a finding points at, each kind within its budget. */
static int keep_pkt(const struct np_flow_pkt *p, void *arg)
{
	struct syn_sweep *sw = arg;
	const struct np_pkt_tcp *t = &p->pkt.tcp;
	size_t i;
	int slot, c;

	if (p->icmp) {
		if (p->pkt.inner_has_seq && decode(sw, p->pkt.inner_tcp.seq, p->pkt.inner_tcp.dport, &i, &slot) == 0 &&
		    slot > SLOT_RETRY)
			return 1;
		return sw->kept_icmp < SYN_KEEP_ICMP ? (int)++sw->kept_icmp : 0;
	}
	if (p->pkt.l4 != IPPROTO_TCP || !t->has_ack_flags_win)
		return 0;
	if (p->outgoing && (t->flags & NP_TCP_RST))
		return decode(sw, t->seq - 1, t->dport, &i, &slot) == 0 && sw->ports[i].state == NP_SYN_OPEN &&
		       sw->kept_synack < SYN_KEEP_SYNACK ? (int)++sw->kept_synack : 0;
	if (p->outgoing) {
		if (decode(sw, t->seq, t->dport, &i, &slot) < 0 || slot == 0)
			return 0;
		if (slot > SLOT_RETRY)
			return 1;
		return sw->kept_retry < SYN_KEEP_RETRY ? (int)++sw->kept_retry : 0;
	}
	if (!(t->flags & NP_TCP_ACK) || decode(sw, t->ack - 1, t->sport, &i, &slot) < 0)
		return 0;
	if (slot > SLOT_RETRY)
		return 1;
	if (!(t->flags & NP_TCP_RST))
		return sw->kept_synack < SYN_KEEP_SYNACK ? (int)++sw->kept_synack : 0;
	c = class_find(sw, p->pkt.ip.ttl);
	return c < 0 || sw->cls[c].kept < SYN_KEEP_PER_CLASS;
}

/* --- pacing, waiting, the series, ending -------------------------------------- */

static int64_t answer_wait(const struct syn_sweep *sw)
{
	int64_t to = np_run_opts(sw->job.run)->timeout_us, w = FIRST_WAIT_US;

	if (sw->have_rtt)
		w = 4 * sw->max_rtt_us > MIN_WAIT_US ? 4 * sw->max_rtt_us : MIN_WAIT_US;
	return w < to ? w : to;
}

/* Once every first SYN is out, the resets of each TTL that the target's
 * SYN-ACKs do not already place get their series: TTL 1 to just past
 * their sender's distance, to one of their ports. */
static void series_start(struct syn_sweep *sw, int64_t now)
{
	for (size_t c = 0; c < sw->n_cls && !sw->error[0]; c++) {
		struct np_syn_class *k = &sw->cls[c];
		int len = np_ttl_hops(k->ttl) + 2;

		if (!np_syn_class_needs_series(k, sw->target_ttl))
			continue;
		k->series_started = 1;
		k->series_len = len < NP_TTL_SERIES_MAX ? len : NP_TTL_SERIES_MAX;
		k->series_sent_us = now;
		for (int t = 1; t <= k->series_len; t++)
			if (send_syn(sw, k->rep, SLOT_SERIES + t, t) != 0)
				k->series[t - 1].outcome = NP_SERIES_OTHER;
	}
}

/* Series still waiting for answers; the earliest end into *due. */
static int series_waiting(struct syn_sweep *sw, int64_t now, int64_t *due)
{
	int64_t wait = np_run_opts(sw->job.run)->timeout_us;
	int n = 0;

	if (wait > SERIES_WAIT_US)
		wait = SERIES_WAIT_US;
	for (size_t c = 0; c < sw->n_cls; c++) {
		struct np_syn_class *k = &sw->cls[c];

		if (!k->series_started || k->series_done)
			continue;
		if (now >= k->series_sent_us + wait) {
			k->series_done = 1;
			continue;
		}
		n++;
		if (k->series_sent_us + wait < *due)
			*due = k->series_sent_us + wait;
	}
	return n;
}

static int all_done(const struct syn_sweep *sw)
{
	for (size_t c = 0; c < sw->n_cls; c++)
		if (np_syn_class_needs_series(&sw->cls[c], sw->target_ttl) ||
		    (sw->cls[c].series_started && !sw->cls[c].series_done))
			return 0;
	return sw->next == sw->n && sw->retry_cur == sw->n && sw->final_cur == sw->n_retried;
}

/* An answer may have been the last thing waited for: decide on the timer,
 * never inside the capture's dispatch. */
static int wake_if_idle(struct syn_sweep *sw)
{
	if (sw->next == sw->n && sw->timer && np_timer_due_us(sw->timer) > np_now_us() + 1000)
		np_timer_reset(sw->timer, 0);
	return 0;
}

static void sweep_finish(struct syn_sweep *sw, const char *verdict, const char *why);
static int sweep_begin(struct syn_sweep *sw);

/* Retransmissions that are due, in the order the first SYNs went; 1 when
 * the bucket ran dry. */
static int send_retries(struct syn_sweep *sw, int64_t now, int64_t wait, int64_t *due)
{
	while (sw->retry_cur < sw->next) {
		struct np_syn_port *q = &sw->ports[sw->retry_cur];
		int rc;

		if (q->state != NP_SYN_PENDING || q->tries > 1) {
			sw->retry_cur++;
			continue;
		}
		if (now < q->sent_us + wait) {
			*due = q->sent_us + wait < *due ? q->sent_us + wait : *due;
			return 0;
		}
		if (!np_syn_pace_take(sw->plan, now))
			return 1;
		rc = send_syn(sw, sw->retry_cur, SLOT_RETRY, SYN_TTL);
		if (rc)
			return rc > 0;
		q->tries = 2;
		q->sent_us = now;
		sw->retransmitted++;
		sw->retried[sw->n_retried++] = (uint32_t)sw->retry_cur++;
	}
	return 0;
}

static int send_first(struct syn_sweep *sw, int64_t now)
{
	while (sw->next < sw->n) {
		int rc;

		if (!np_syn_pace_take(sw->plan, now))
			return 1;
		rc = send_syn(sw, sw->next, 0, SYN_TTL);
		if (rc)
			return rc > 0;
		sw->ports[sw->next].tries = 1;
		sw->ports[sw->next].sent_us = now;
		sw->next++;
	}
	return 0;
}

/* Retransmitted SYNs unanswered in their turn: filtered. */
static void expire(struct syn_sweep *sw, int64_t now, int64_t wait, int64_t *due)
{
	while (sw->final_cur < sw->n_retried) {
		struct np_syn_port *q = &sw->ports[sw->retried[sw->final_cur]];

		if (q->state == NP_SYN_PENDING && now < q->sent_us + wait) {
			*due = q->sent_us + wait < *due ? q->sent_us + wait : *due;
			return;
		}
		if (q->state == NP_SYN_PENDING)
			q->state = NP_SYN_FILTERED;
		sw->final_cur++;
	}
}

static void on_timer(struct np_timer *tm, void *arg)
{
	struct syn_sweep *sw = arg;
	int64_t now = np_now_us(), wait = answer_wait(sw), due = INT64_MAX;
	int dry;

	(void)tm;
	if (sw->state == SWEEP_WAITING) {
		if (sweep_begin(sw) == 1)
			np_timer_reset(sw->timer, POLL_US);
		return;
	}
	dry = send_retries(sw, now, wait, &due);
	if (!dry)
		dry = send_first(sw, now);
	/* The SYNs just sent: when the first of them is due again. */
	if (!dry)
		dry = send_retries(sw, now, wait, &due);
	if (sw->next == sw->n)
		series_start(sw, now);
	expire(sw, now, wait, &due);
	series_waiting(sw, now, &due);
	if (sw->error[0] || all_done(sw)) {
		sweep_finish(sw, NULL, NULL);
		return;
	}
	if (dry && now + np_syn_pace_delay(sw->plan) < due)
		due = now + np_syn_pace_delay(sw->plan);
	/* Nothing left to wait for but not done (a send failed for a moment):
	 * look again soon. */
	if (due == INT64_MAX)
		due = now + POLL_US;
	sw->t_end = sw->next < sw->n ? now + (int64_t)((sw->n - sw->next) * 1e6 / sw->plan->rate) + 2 * wait :
		    due;
	sw->job.wait_until_us = sw->t_end;
	snprintf(sw->job.label, sizeof(sw->job.label), "tcp --syn %.48s (%zu of %zu SYNs sent)", sw->text,
		 sw->next, sw->n);
	np_timer_reset(sw->timer, due > now ? due - now : 0);
}

/* --- starting, ending ------------------------------------------------------------ */

static void release(struct syn_sweep *sw)
{
	struct syn_sweep **pp = &sw->plan->active;

	while (*pp && *pp != sw)
		pp = &(*pp)->next_active;
	if (*pp)
		*pp = sw->next_active;
	np_timer_del(sw->timer);
	sw->timer = NULL;
	np_flow_detach(sw->flow);
	sw->flow = NULL;
}

static void sweep_finish(struct syn_sweep *sw, const char *verdict, const char *why)
{
	int running = sw->state == SWEEP_RUNNING;

	release(sw);
	sw->state = SWEEP_DONE;
	if (!running && !verdict && why)
		verdict = "tcp.error";
	np_syn_report(sw, verdict, why);
	np_run_job_done(sw->job.run, &sw->job);
}

/* Another sweep of the same address holds the flow (one source port for
 * all), or enough sweeps run: wait for them. */
static int must_wait(const struct syn_sweep *sw)
{
	size_t n = 0;

	for (const struct syn_sweep *a = sw->plan->active; a; a = a->next_active, n++)
		if (a->dst.ss_family == sw->dst.ss_family && strcmp(a->addr, sw->addr) == 0)
			return 1;
	return n >= MAX_ACTIVE;
}

static int build_ports(struct syn_sweep *sw)
{
	size_t k = 0;

	sw->n = sw->wanted->count;
	sw->ports = calloc(sw->n ? sw->n : 1, sizeof(*sw->ports));
	sw->retried = calloc(sw->n ? sw->n : 1, sizeof(*sw->retried));
	if (!sw->ports || !sw->retried)
		return NP_ENOMEM;
	for (unsigned p = np_portset_next(sw->wanted, 1); p && k < sw->n; p = p < 65535 ? np_portset_next(sw->wanted, p + 1) : 0)
		sw->ports[k++].port = (uint16_t)p;
	free(sw->wanted);
	sw->wanted = NULL;
	return 0;
}

/* 1 when the sweep waits its turn, 0 when it runs or ended. */
static int sweep_begin(struct syn_sweep *sw)
{
	struct np_run *run = sw->job.run;
	struct sockaddr_storage any;
	char msg[NP_ERRBUF_SIZE + 64];
	int mtu = 1500, err;

	if (must_wait(sw)) {
		sw->state = SWEEP_WAITING;
		snprintf(sw->job.label, sizeof(sw->job.label), "tcp --syn %.48s (waiting for another sweep)",
			 sw->text);
		return 1;
	}
	err = np_route_source(np_run_opts(run), (struct sockaddr *)&sw->dst, &sw->src, &mtu);
	if (err < 0) {
		snprintf(msg, sizeof(msg), "no source address for the target: %s", strerror(-err));
		sweep_finish(sw, NULL, msg);
		return 0;
	}
	np_addr_set_port((struct sockaddr *)&sw->src, sw->plan->sport);
	np_run_note_source(run, (struct sockaddr *)&sw->src);
	np_rawsend_base(&sw->base, IPPROTO_TCP, (struct sockaddr *)&sw->src, (struct sockaddr *)&sw->dst, mtu);
	sw->base_seq = sw->base.seq;
	/* The flow of every port of the address: remote port 0. */
	any = sw->dst;
	np_addr_set_port((struct sockaddr *)&any, 0);
	sw->flow = np_flow_register(np_run_flows(run), IPPROTO_TCP, (struct sockaddr *)&sw->src,
				    (struct sockaddr *)&any, on_pkt, sw);
	if (!sw->flow || build_ports(sw) < 0) {
		sweep_finish(sw, NULL, "out of memory");
		return 0;
	}
	np_flow_set_keep(sw->flow, keep_pkt, sw);
	sw->state = SWEEP_RUNNING;
	sw->t0 = np_now_us();
	sw->next_active = sw->plan->active;
	sw->plan->active = sw;
	np_timer_reset(sw->timer, 0);
	return 0;
}

static void sweep_start(struct np_job *job)
{
	struct syn_sweep *sw = (struct syn_sweep *)job;
	struct np_syn_plan *plan = sw->plan;
	const char *why = plan->raw ? np_rawsend_unavailable(plan->raw, sw->dst.ss_family) : plan->unavailable;
	char msg[NP_ERRBUF_SIZE + 160];

	sw->t0 = np_now_us();
	if (!why && !np_run_flows(job->run)) {
		snprintf(msg, sizeof(msg), "a SYN sweep reads every answer from the packet capture: %s",
			 np_run_capture_note(job->run));
		why = msg;
	}
	if (!why && plan->reserve_fd[sw->dst.ss_family == AF_INET6] < 0)
		why = "no source port could be held for this address family";
	if (why) {
		sweep_finish(sw, NULL, why);
		return;
	}
	sw->timer = np_loop_timer(np_run_loop(job->run), POLL_US, on_timer, sw);
	if (!sw->timer) {
		sweep_finish(sw, NULL, "out of memory");
		return;
	}
	sweep_begin(sw);
}

static void sweep_cancel(struct np_job *job, const char *verdict)
{
	struct syn_sweep *sw = (struct syn_sweep *)job;
	char why[160];

	if (sw->state == SWEEP_RUNNING)
		snprintf(why, sizeof(why), "ended after %.2f s with %zu of %zu SYNs sent, before the sweep finished",
			 (double)(np_now_us() - sw->t0) / 1e6, sw->next, sw->n);
	else
		snprintf(why, sizeof(why), "never started");
	sweep_finish(sw, verdict, why);
}

static void sweep_free(struct np_job *job)
{
	struct syn_sweep *sw = (struct syn_sweep *)job;

	free(sw->ports);
	free(sw->retried);
	free(sw->wanted);
	free(sw);
}

static const struct np_job_ops sweep_ops = {.start = sweep_start, .cancel = sweep_cancel, .free = sweep_free};

static int submit_sweep(struct np_run *run, const struct np_target *t, const char *target,
			const struct sockaddr *addr, double dns_ms, void *arg)
{
	struct syn_target *a = arg;
	struct syn_sweep *sw = calloc(1, sizeof(*sw));

	(void)target;
	if (!sw || !(sw->wanted = malloc(sizeof(*sw->wanted)))) {
		free(sw);
		return NP_ENOMEM;
	}
	*sw->wanted = a->ports;
	sw->job.ops = &sweep_ops;
	sw->plan = a->plan;
	sw->t = *t;
	sw->dns_ms = dns_ms;
	sw->target_ttl = -1;
	snprintf(sw->text, sizeof(sw->text), "%s", a->text);
	memcpy(&sw->dst, addr, np_addr_len(addr));
	np_addr_set_port((struct sockaddr *)&sw->dst, 0);
	np_addr_str(addr, sw->addr, sizeof(sw->addr));
	np_target_job_label(&sw->job, "tcp --syn", sw->text, addr);
	np_run_submit(run, &sw->job);
	return 0;
}

int np_syn_submit(struct np_run *run, struct np_syn_plan *plan, const char *text, const struct np_target *t,
		  const struct np_portset *ports)
{
	struct syn_target *st = malloc(sizeof(*st));

	if (!st)
		return NP_ENOMEM;
	st->plan = plan;
	snprintf(st->text, sizeof(st->text), "%s", text);
	st->ports = *ports;
	st->next = plan->targets;
	plan->targets = st;
	return np_target_job_submit(run, "tcp", t, submit_sweep, st);
}
