/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "probe_trace.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "classify_tcp.h"
#include "clock.h"
#include "flow.h"
#include "loop.h"
#include "rawsend.h"
#include "route.h"
#include "run.h"
#include "target_job.h"
#include "trace_result.h"

/* One probe per millisecond: a router sees the few probes of its own hop
 * in a burst short enough for its ICMP rate limit (Linux: 6 at once). */
#define PACE_US 1000
/* Probes go no further than this many hops past the last one that
 * answered: a path that goes silent is not probed up to --max-hops. */
#define GAP_HOPS 5
/* Once the end of the path answered, earlier hops get this long, or
 * three times the slowest answer, for the probes they still owe. */
#define LINGER_US 1000000
/* A reset to the target carries the full TTL of this host. */
#define RST_TTL 64

#define MAX_PROBES (NP_TRACE_MAX_HOPS * NP_TRACE_MAX_PROBES)
#define MAX_RST_EVIDENCE 8

enum trace_state { TRACE_QUEUED, TRACE_RUNNING, TRACE_DONE };

struct trace {
	struct np_job job;
	const struct np_trace_plan *plan;
	char target[NP_TARGET_STR_MAX];
	struct sockaddr_storage dst, src;
	double dns_ms;
	enum trace_state state;
	int reserve_fd;             /* holds the source port for the trace's lifetime */
	struct np_flow *flow, *nat_flow;
	struct np_timer *timer;
	struct np_trace_hdr base;   /* the fields every probe shares */
	int n_total, next;
	int max_answered;           /* highest TTL that drew an answer */
	int final_ttl;              /* lowest TTL that reached the end of the path; 0: none */
	int64_t final_us;
	double max_rtt_ms;
	int64_t t0, next_send_us;
	uint32_t rst_frames[MAX_RST_EVIDENCE];
	int64_t rst_us[MAX_RST_EVIDENCE];
	int own_rst[MAX_RST_EVIDENCE];
	size_t n_rst;
	char error[NP_ERRBUF_SIZE * 2];
	struct np_trace_probe probes[MAX_PROBES];
};

static const char *trace_addr(const struct trace *tr, char *buf, size_t len)
{
	return np_addr_str((const struct sockaddr *)&tr->dst, buf, len);
}

static const uint8_t *sa_bytes(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? (const uint8_t *)&((const struct sockaddr_in6 *)ss)->sin6_addr :
	       (const uint8_t *)&((const struct sockaddr_in *)ss)->sin_addr;
}

/* --- the probes ----------------------------------------------------------------- */

/* Probe k as it goes out: the shared fields, its TTL, and what tells it
 * apart inside the 8 bytes every router quotes: the sequence number (TCP)
 * or the checksum (UDP), and the IPv4 ID as a second witness. */
static void probe_hdr(const struct trace *tr, int k, struct np_trace_hdr *h)
{
	*h = tr->base;
	h->ttl = (uint8_t)(k / tr->plan->probes + 1);
	h->ip_id = (uint16_t)(tr->base.ip_id + k);
	if (h->proto == IPPROTO_TCP) {
		h->seq = tr->base.seq + (uint32_t)k;
		h->tsval = tr->base.tsval + (uint32_t)k;
	} else {
		h->udp_sum = (uint16_t)(tr->base.udp_sum + k);
		np_trace_udp_fill(h);
	}
}

static int valid_probe(const struct trace *tr, uint32_t k)
{
	return k < (uint32_t)tr->n_total && tr->probes[k].sent;
}

/* Which probe an ICMP error quotes, -1 when none of ours. */
static int quoted_probe(const struct trace *tr, const struct np_packet *p)
{
	uint32_t k;

	if (!p->has_inner_ip || p->inner_ip.proto != tr->base.proto)
		return -1;
	if (tr->base.proto == IPPROTO_TCP && p->inner_tcp.has_seq) {
		k = p->inner_tcp.seq - tr->base.seq;
		if (valid_probe(tr, k))
			return (int)k;
	}
	if (tr->base.proto == IPPROTO_UDP && p->inner_udp.has_len_sum) {
		k = (uint16_t)(p->inner_udp.checksum - tr->base.udp_sum);
		if (valid_probe(tr, k))
			return (int)k;
	}
	/* The sequence number or checksum was rewritten on the way: the IPv4
	 * ID still names the probe (the diff then shows the rewrite). */
	if (tr->base.family == AF_INET) {
		k = (uint16_t)(p->inner_ip.id - tr->base.ip_id);
		if (valid_probe(tr, k))
			return (int)k;
	}
	return -1;
}

static void record_answer(struct trace *tr, int k, const struct np_flow_pkt *p, enum np_trace_answer a)
{
	struct np_trace_probe *pr = &tr->probes[k];

	pr->answer = a;
	pr->done = 1;
	if (!inet_ntop(p->pkt.ip.family, p->pkt.ip.src, pr->from, sizeof(pr->from)))
		snprintf(pr->from, sizeof(pr->from), "?");
	pr->from_target = p->pkt.ip.family == tr->dst.ss_family &&
		memcmp(p->pkt.ip.src, sa_bytes(&tr->dst), tr->dst.ss_family == AF_INET ? 4 : 16) == 0;
	pr->reply_ttl = p->pkt.ip.ttl;
	pr->rtt_ms = (double)(p->mono_us - pr->sent_us) / 1000.0;
	pr->frame = p->frame;
	if (pr->rtt_ms > tr->max_rtt_ms)
		tr->max_rtt_ms = pr->rtt_ms;
	if (pr->ttl > tr->max_answered)
		tr->max_answered = pr->ttl;
	if (np_trace_answer_final(a) && (!tr->final_ttl || pr->ttl < tr->final_ttl))
		tr->final_ttl = pr->ttl;
	if (np_trace_answer_final(a) && !tr->final_us)
		tr->final_us = p->mono_us;
}

static enum np_trace_answer icmp_answer(enum np_icmp_kind kind)
{
	switch (kind) {
	case NP_ICMP_EXCEEDED: return NP_TA_EXCEEDED;
	case NP_ICMP_PROHIBITED: return NP_TA_PROHIBITED;
	case NP_ICMP_PORT_UNREACH: return NP_TA_PORT_UNREACH;
	case NP_ICMP_UNREACH: return NP_TA_UNREACH;
	default: return NP_TA_NONE;
	}
}

static void on_icmp(struct trace *tr, const struct np_flow_pkt *p)
{
	enum np_trace_answer a = icmp_answer(np_icmp_kind(&p->pkt));
	struct np_trace_hdr h;
	int k;

	if (a == NP_TA_NONE)
		return;
	k = quoted_probe(tr, &p->pkt);
	if (k < 0 || tr->probes[k].answer != NP_TA_NONE)
		return;
	record_answer(tr, k, p, a);
	tr->probes[k].icmp = np_icmp_name(&p->pkt);
	probe_hdr(tr, k, &h);
	tr->probes[k].has_quote = np_trace_quote_diff(&h, &p->pkt, &tr->probes[k].diff) == 0;
}

/* RFC 9293 3.10.7.1: the reset for a segment carrying an ACK takes its
 * sequence number from that ACK. The kernel sends one too (no socket owns
 * the SYN-ACK); this one does not depend on it. */
static void send_rst(struct trace *tr, int k, uint32_t ack)
{
	struct np_trace_hdr h;
	char errbuf[NP_ERRBUF_SIZE];

	probe_hdr(tr, k, &h);
	h.ttl = RST_TTL;
	h.flags = NP_TCP_RST;
	h.seq = ack;
	h.ack = 0;
	h.window = 0;
	h.mss = h.wscale = -1;
	h.sack_perm = h.ts = 0;
	h.ip_id = (uint16_t)(tr->base.ip_id + tr->n_total + k);
	if (np_rawsend_send(tr->plan->raw, &h, errbuf) < 0 && !tr->error[0])
		snprintf(tr->error, sizeof(tr->error), "cannot reset the target's SYN-ACK: %.200s", errbuf);
}

static void on_tcp(struct trace *tr, const struct np_flow_pkt *p)
{
	const struct np_pkt_tcp *t = &p->pkt.tcp;
	uint32_t k = t->ack - 1 - tr->base.seq;

	/* Resets without ACK cannot be tied to a probe (a SYN is always
	 * answered with one that carries it). */
	if (!t->has_ack_flags_win || !(t->flags & NP_TCP_ACK) || !valid_probe(tr, k) ||
	    tr->probes[k].answer != NP_TA_NONE)
		return;
	if ((t->flags & (NP_TCP_SYN | NP_TCP_RST)) == NP_TCP_SYN) {
		record_answer(tr, (int)k, p, NP_TA_SYNACK);
		send_rst(tr, (int)k, t->ack);
	} else if (t->flags & NP_TCP_RST) {
		record_answer(tr, (int)k, p, NP_TA_RST);
	}
}

/* A datagram from the target: no quote names the probe, so it goes to the
 * first unanswered probe whose TTL reaches as far as its TTL says. */
static void on_udp(struct trace *tr, const struct np_flow_pkt *p)
{
	int hop = np_ttl_hops(p->pkt.ip.ttl) + 1;

	for (int k = 0; k < tr->n_total; k++)
		if (tr->probes[k].sent && tr->probes[k].answer == NP_TA_NONE && tr->probes[k].ttl >= hop) {
			record_answer(tr, k, p, NP_TA_REPLY);
			return;
		}
}

/* Our own packets as the capture saw them: their time on the wire and
 * their frames. */
static void on_outgoing(struct trace *tr, const struct np_flow_pkt *p)
{
	const struct np_packet *q = &p->pkt;
	uint32_t k;

	if (q->l4 == IPPROTO_TCP && q->tcp.has_ack_flags_win && (q->tcp.flags & NP_TCP_RST)) {
		if (tr->n_rst < MAX_RST_EVIDENCE) {
			uint32_t id = (uint16_t)(q->ip.id - tr->base.ip_id);

			/* Ours carry IDs after the probes' (send_rst), or the
			 * trace's flow label; the kernel's do not. */
			tr->own_rst[tr->n_rst] = q->ip.family == AF_INET ?
				id >= (uint32_t)tr->n_total && id < 2 * (uint32_t)tr->n_total :
				q->ip.flow_label == tr->base.flow_label;
			tr->rst_us[tr->n_rst] = p->mono_us;
			tr->rst_frames[tr->n_rst++] = p->frame;
		}
		return;
	}
	if (q->l4 == IPPROTO_TCP && q->tcp.has_seq)
		k = q->tcp.seq - tr->base.seq;
	else if (q->l4 == IPPROTO_UDP && q->udp.has_len_sum)
		k = (uint16_t)(q->udp.checksum - tr->base.udp_sum);
	else
		return;
	if (!valid_probe(tr, k))
		return;
	tr->probes[k].sent_us = p->mono_us;
	tr->probes[k].sent_frame = p->frame;
}

static void on_pkt(struct np_flow *flow, const struct np_flow_pkt *p, void *arg)
{
	struct trace *tr = arg;

	(void)flow;
	if (tr->state != TRACE_RUNNING)
		return;
	if (p->outgoing)
		on_outgoing(tr, p);
	else if (p->icmp)
		on_icmp(tr, p);
	else if (p->pkt.l4 == IPPROTO_TCP && tr->base.proto == IPPROTO_TCP)
		on_tcp(tr, p);
	else if (p->pkt.l4 == IPPROTO_UDP && tr->base.proto == IPPROTO_UDP)
		on_udp(tr, p);
	else
		return;
	/* Decide on the timer, never inside the capture's dispatch. */
	np_timer_reset(tr->timer, 0);
}

/* --- pacing, waiting, ending -------------------------------------------------- */

static int can_send(const struct trace *tr)
{
	int ttl = tr->next / tr->plan->probes + 1;

	if (tr->next >= tr->n_total || tr->error[0])
		return 0;
	if (tr->final_ttl && ttl > tr->final_ttl)
		return 0;
	return ttl <= tr->max_answered + GAP_HOPS;
}

static int64_t probe_deadline(const struct trace *tr, const struct np_trace_probe *pr)
{
	int64_t d = pr->deadline_us, linger = LINGER_US;

	if (tr->final_us) {
		if ((int64_t)(tr->max_rtt_ms * 3000) > linger)
			linger = (int64_t)(tr->max_rtt_ms * 3000);
		if (tr->final_us + linger < d)
			d = tr->final_us + linger;
	}
	return d;
}

static void send_next(struct trace *tr, int64_t now)
{
	struct np_trace_probe *pr = &tr->probes[tr->next];
	struct np_trace_hdr h;
	char errbuf[NP_ERRBUF_SIZE];

	probe_hdr(tr, tr->next, &h);
	pr->ttl = h.ttl;
	if (np_rawsend_send(tr->plan->raw, &h, errbuf) < 0) {
		snprintf(tr->error, sizeof(tr->error), "cannot send the probe with TTL %d: %.200s", h.ttl, errbuf);
		return;
	}
	pr->sent = 1;
	pr->sent_us = now;
	pr->deadline_us = now + np_run_opts(tr->job.run)->timeout_us;
	tr->next++;
	tr->next_send_us = now + PACE_US;
	snprintf(tr->job.label, sizeof(tr->job.label), "trace %.48s (up to TTL %d)", tr->target, h.ttl);
}

static void trace_finish(struct trace *tr);

static void on_timer(struct np_timer *t, void *arg)
{
	struct trace *tr = arg;
	int64_t now = np_now_us(), next = INT64_MAX, last = 0;
	int pending = 0;

	(void)t;
	if (can_send(tr) && now >= tr->next_send_us)
		send_next(tr, now);
	for (int k = 0; k < tr->next; k++) {
		struct np_trace_probe *pr = &tr->probes[k];
		int64_t d;

		if (pr->done)
			continue;
		d = probe_deadline(tr, pr);
		if (now >= d) {
			pr->done = 1;
			continue;
		}
		pending = 1;
		next = d < next ? d : next;
		last = d > last ? d : last;
	}
	if (tr->error[0] && tr->next == 0) {
		trace_finish(tr);
		return;
	}
	if (can_send(tr))
		next = tr->next_send_us < next ? tr->next_send_us : next;
	else if (!pending) {
		trace_finish(tr);
		return;
	}
	tr->job.wait_until_us = last;
	np_timer_reset(tr->timer, next > now ? next - now : 0);
}

static void release(struct trace *tr)
{
	tr->state = TRACE_DONE;
	np_timer_del(tr->timer);
	tr->timer = NULL;
	np_flow_detach(tr->flow);
	np_flow_detach(tr->nat_flow);
	if (tr->reserve_fd >= 0)
		close(tr->reserve_fd);
	tr->reserve_fd = -1;
}

/* --- findings ------------------------------------------------------------------- */

static void common_metrics(struct trace *tr, struct np_finding *f, const struct np_trace_result *r)
{
	char src[NP_ADDR_STR_MAX];

	np_finding_metric_json(f, "hops", np_trace_hops_json(r));
	np_finding_metric_str(f, "protocol", tr->base.proto == IPPROTO_TCP ? "tcp" : "udp");
	np_finding_metric_int(f, "probes", tr->plan->probes);
	np_finding_metric_int(f, "max_hops", tr->plan->max_hops);
	if (tr->src.ss_family)
		np_finding_metric_str(f, "source", np_addr_port_str((struct sockaddr *)&tr->src, src, sizeof(src)));
	if (tr->dns_ms >= 0)
		np_finding_metric_real(f, "dns_ms", tr->dns_ms);
}

static double frame_ms(const struct trace *tr, const struct np_trace_probe *pr)
{
	return (double)(pr->sent_us + (int64_t)(pr->rtt_ms * 1000) - tr->t0) / 1000.0;
}

/* The evidence: the first answer of each hop, the deciding frame, the
 * resets sent to the target; each frame commented in the saved capture. */
static void evidence(struct trace *tr, struct np_finding *f, const struct np_trace_result *r)
{
	struct np_flow_table *ft = np_run_flows(tr->job.run);
	char note[900];

	for (int i = 0; i < r->n_hops; i++) {
		const struct np_trace_hop *h = &r->hops[i];
		const struct np_trace_probe *pr = NULL;

		for (int j = 0; j < tr->plan->probes && !pr; j++)
			if (tr->probes[i * tr->plan->probes + j].frame == h->frame && h->frame)
				pr = &tr->probes[i * tr->plan->probes + j];
		if (!pr)
			continue;
		np_finding_evidence(f, h->frame, frame_ms(tr, pr), "hop %d: %s from %s (TTL %d), %.3f ms%s",
				    h->hop, np_trace_answer_name(h->answer), h->address, pr->reply_ttl, pr->rtt_ms,
				    h->changed ? ": its quote shows rewritten fields" : "");
		if (h->frame == r->decided_frame)
			snprintf(note, sizeof(note), "netprobe: %s \xe2\x80\x94 %s", r->verdict, r->summary);
		else
			snprintf(note, sizeof(note), "netprobe: trace hop %d: %s from %s, %.3f ms", h->hop,
				 np_trace_answer_name(h->answer), h->address, pr->rtt_ms);
		np_flow_comment(ft, h->frame, note);
	}
	for (size_t i = 0; i < tr->n_rst; i++) {
		np_finding_evidence(f, tr->rst_frames[i], (double)(tr->rst_us[i] - tr->t0) / 1000.0,
				    "reset to the target's SYN-ACK, sent by %s",
				    tr->own_rst[i] ? "netprobe" : "this host's kernel (no socket owns the flow)");
		np_flow_comment(ft, tr->rst_frames[i], tr->own_rst[i] ?
				"netprobe: trace: reset sent for the target's SYN-ACK, so that it keeps no half-open connection" :
				"netprobe: trace: the kernel's reset for the target's SYN-ACK");
	}
	for (int k = 0; k < tr->next; k++)
		if (tr->probes[k].sent_frame) {
			snprintf(note, sizeof(note), "netprobe: trace probe, TTL %d (%d of %d)", tr->probes[k].ttl,
				 k % tr->plan->probes + 1, tr->plan->probes);
			np_flow_comment(ft, tr->probes[k].sent_frame, note);
		}
}

static void report(struct trace *tr, const struct np_trace_result *r, const char *verdict, const char *summary)
{
	struct np_run *run = tr->job.run;
	char addr[NP_ADDR_STR_MAX];
	struct np_finding *f = np_finding_new("trace", tr->target, trace_addr(tr, addr, sizeof(addr)), verdict);

	if (f) {
		np_finding_summary(f, "%s", summary);
		common_metrics(tr, f, r);
		np_finding_metric_opt_int(f, "hop_count", r->target_hop ? r->target_hop : -1);
		np_finding_metric_opt_int(f, "last_hop", r->last_hop ? r->last_hop : -1);
		np_finding_metric_opt_str(f, "last_hop_address", r->last_hop ? r->hops[r->last_hop - 1].address : "");
		np_finding_metric_opt_str(f, "answer", r->answer ? r->answer : "");
		np_finding_metric_opt_int(f, "answer_hop", r->death_hop ? r->death_hop : -1);
		if (np_run_flows(run))
			evidence(tr, f, r);
	}
	np_run_finding(run, f);
	/* Rewrites are reported with the trace's own verdicts only. */
	if (!r->n_changes || strcmp(verdict, r->verdict) != 0)
		return;
	f = np_finding_new("trace", tr->target, addr, "trace.modified");
	if (f) {
		np_finding_summary(f, "%s", r->modified);
		common_metrics(tr, f, r);
		np_finding_metric_json(f, "modified", np_trace_changes_json(r));
		for (size_t i = 0; i < r->n_changes; i++)
			np_finding_evidence(f, r->hops[r->changes[i].hop - 1].frame, 0,
					    "hop %d quotes %s %s (sent %s)", r->changes[i].hop,
					    np_trace_field_name(r->changes[i].field), r->changes[i].seen, r->changes[i].sent);
	}
	np_run_finding(run, f);
}

static struct np_trace_result *analyze(struct trace *tr)
{
	struct np_trace_result *r = malloc(sizeof(*r));
	struct np_trace_obs obs;
	struct np_trace_hdr first;

	if (!r)
		return NULL;
	memset(&obs, 0, sizeof(obs));
	probe_hdr(tr, 0, &first);
	obs.proto = tr->base.proto;
	obs.n_probes = tr->plan->probes;
	obs.max_ttl = tr->next ? tr->probes[tr->next - 1].ttl : 0;
	obs.max_hops = tr->plan->max_hops;
	obs.gap_stop = !tr->final_ttl && obs.max_ttl < obs.max_hops ? GAP_HOPS : 0;
	obs.probes = tr->probes;
	obs.sent = &first;
	trace_addr(tr, obs.target, sizeof(obs.target));
	np_trace_analyze(&obs, r);
	return r;
}

static void trace_finish(struct trace *tr)
{
	struct np_trace_result *r;

	release(tr);
	r = analyze(tr);
	if (tr->plan->on_result) {
		char addr[NP_ADDR_STR_MAX];

		tr->plan->on_result(r, tr->error, tr->target, trace_addr(tr, addr, sizeof(addr)), tr->plan->result_arg);
	} else if (r && tr->error[0])
		report(tr, r, "trace.error", tr->error);
	else if (r)
		report(tr, r, r->verdict, r->summary);
	free(r);
	np_run_job_done(tr->job.run, &tr->job);
}

static void fail_now(struct trace *tr, const char *why)
{
	snprintf(tr->error, sizeof(tr->error), "%s", why);
	trace_finish(tr);
}

/* --- starting: source, port, flows ------------------------------------------------ */

/* A bound, unconnected socket of the probe's protocol keeps the kernel
 * from giving the source port to anyone else while the trace runs (as
 * tcptraceroute and nmap do); it never connects, so it answers nothing. */
static int reserve_port(struct trace *tr)
{
	socklen_t len = sizeof(tr->src);

	np_addr_set_port((struct sockaddr *)&tr->src, 0);
	tr->reserve_fd = socket(tr->dst.ss_family, (tr->plan->udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
	if (tr->reserve_fd < 0 ||
	    bind(tr->reserve_fd, (struct sockaddr *)&tr->src, np_addr_len((struct sockaddr *)&tr->src)) < 0 ||
	    getsockname(tr->reserve_fd, (struct sockaddr *)&tr->src, &len) < 0)
		return -errno;
	return 0;
}

static void init_base(struct trace *tr, int mtu)
{
	struct np_trace_hdr *b = &tr->base;

	np_rawsend_base(b, tr->plan->udp ? IPPROTO_UDP : IPPROTO_TCP, (struct sockaddr *)&tr->src,
			(struct sockaddr *)&tr->dst, mtu);
	/* Checksums base + k for every probe: never 0 nor 0xffff. */
	b->udp_sum = (uint16_t)(1 + np_rawsend_random32() % (0xfffe - MAX_PROBES));
	if (!tr->plan->udp)
		b->udp_sum = 0;
}

static int register_flows(struct trace *tr)
{
	struct np_flow_table *ft = np_run_flows(tr->job.run);
	struct sockaddr_storage any;
	int proto = tr->plan->udp ? IPPROTO_UDP : IPPROTO_TCP;

	tr->flow = np_flow_register(ft, proto, (struct sockaddr *)&tr->src, (struct sockaddr *)&tr->dst,
				    on_pkt, tr);
	/* The same flow with its source rewritten (NAT): quotes beyond the
	 * translator still reach this trace. */
	memset(&any, 0, sizeof(any));
	any.ss_family = tr->dst.ss_family;
	tr->nat_flow = np_flow_register(ft, proto, (struct sockaddr *)&any, (struct sockaddr *)&tr->dst,
					on_pkt, tr);
	return tr->flow && tr->nat_flow ? 0 : NP_ENOMEM;
}

static void trace_start(struct np_job *job)
{
	struct trace *tr = (struct trace *)job;
	struct np_run *run = job->run;
	const char *why = tr->plan->raw ? np_rawsend_unavailable(tr->plan->raw, tr->dst.ss_family) :
			  tr->plan->unavailable;
	char msg[NP_ERRBUF_SIZE + 160];
	int mtu = 1500, err;

	tr->state = TRACE_RUNNING;
	tr->t0 = np_now_us();
	if (why) {
		fail_now(tr, why);
		return;
	}
	if (!np_run_flows(run)) {
		snprintf(msg, sizeof(msg), "a trace reads every answer from the packet capture: %s",
			 np_run_capture_note(run));
		fail_now(tr, msg);
		return;
	}
	err = np_route_source(np_run_opts(run), (struct sockaddr *)&tr->dst, &tr->src, &mtu);
	if (err == 0)
		err = reserve_port(tr);
	if (err < 0) {
		snprintf(msg, sizeof(msg), "no source address and port for the target: %s", strerror(-err));
		fail_now(tr, msg);
		return;
	}
	np_run_note_source(run, (struct sockaddr *)&tr->src);
	init_base(tr, mtu);
	tr->timer = np_loop_timer(np_run_loop(run), 0, on_timer, tr);
	if (!tr->timer || register_flows(tr) < 0) {
		fail_now(tr, "out of memory");
		return;
	}
	for (int k = 0; k < tr->n_total; k++)
		tr->probes[k].ttl = k / tr->plan->probes + 1;
}

static void trace_cancel(struct np_job *job, const char *verdict)
{
	struct trace *tr = (struct trace *)job;
	struct np_trace_result *r;
	char summary[256];

	release(tr);
	r = analyze(tr);
	if (job->running)
		snprintf(summary, sizeof(summary), "ended after %.2f ms with %d of %d probes sent, before the "
			 "trace finished", (double)(np_now_us() - tr->t0) / 1000.0, tr->next, tr->n_total);
	else
		snprintf(summary, sizeof(summary), "never started");
	if (r)
		report(tr, r, verdict, summary);
	free(r);
	np_run_job_done(job->run, job);
}

static void trace_free(struct np_job *job)
{
	free(job);
}

static const struct np_job_ops trace_ops = {.start = trace_start, .cancel = trace_cancel, .free = trace_free};

static int submit_trace(struct np_run *run, const struct np_target *t, const char *target,
			const struct sockaddr *addr, double dns_ms, void *arg)
{
	struct trace *tr = calloc(1, sizeof(*tr));

	if (!tr)
		return NP_ENOMEM;
	tr->job.ops = &trace_ops;
	tr->plan = arg;
	tr->reserve_fd = -1;
	tr->dns_ms = dns_ms;
	tr->n_total = tr->plan->max_hops * tr->plan->probes;
	snprintf(tr->target, sizeof(tr->target), "%s", target);
	memcpy(&tr->dst, addr, np_addr_len(addr));
	np_addr_set_port((struct sockaddr *)&tr->dst, t->port);
	np_target_job_label(&tr->job, "trace", target, (struct sockaddr *)&tr->dst);
	np_run_submit(run, &tr->job);
	return 0;
}

int np_trace_submit(struct np_run *run, const struct np_trace_plan *plan, const struct np_target *t)
{
	return np_target_job_submit(run, "trace", t, submit_trace, (void *)plan);
}
