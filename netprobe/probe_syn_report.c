/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "probe_syn_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "clock.h"
#include "flow.h"

#define DASH "\xe2\x80\x94"
/* Filtered ports whose retransmitted SYN the summary points at. */
#define FILTERED_EVIDENCE 3

static const char *port_target(const struct syn_sweep *sw, unsigned port, char *buf, size_t len)
{
	struct np_target t = sw->t;

	t.port = (uint16_t)port;
	t.scheme = NP_SCHEME_NONE;
	t.path[0] = '\0';
	return np_target_str(&t, buf, len);
}

/* When an answer came, from the sweep's start, to the microsecond. */
static double frame_ms(const struct syn_sweep *sw, const struct np_syn_port *q)
{
	double ms = (double)(q->sent_us - sw->t0) / 1000.0 + (q->rtt_ms >= 0 ? q->rtt_ms : 0);

	return round(ms * 1000.0) / 1000.0;
}

static void common_metrics(const struct syn_sweep *sw, struct np_finding *f)
{
	char src[NP_ADDR_STR_MAX];

	np_finding_metric_str(f, "mode", "syn");
	if (sw->src.ss_family)
		np_finding_metric_str(f, "source", np_addr_port_str((const struct sockaddr *)&sw->src, src,
								    sizeof(src)));
	if (sw->dns_ms >= 0)
		np_finding_metric_real(f, "dns_ms", sw->dns_ms);
}

/* The TTL metrics of one answer, as `tcp` gives them. */
static void ttl_metrics(const struct syn_sweep *sw, struct np_finding *f, const struct np_syn_port *q, int hop,
			const char *sender)
{
	np_finding_metric_int(f, "port", q->port);
	if (q->rtt_ms >= 0)
		np_finding_metric_real(f, "rtt_ms", round(q->rtt_ms * 1000.0) / 1000.0);
	else
		np_finding_metric_null(f, "rtt_ms");
	np_finding_metric_opt_int(f, "reply_ttl", q->ttl);
	np_finding_metric_opt_int(f, "target_ttl", sw->target_ttl);
	np_finding_metric_opt_int(f, "sender_hop", hop);
	np_finding_metric_opt_str(f, "sender", sender ? sender : "");
	common_metrics(sw, f);
}

static void open_finding(struct syn_sweep *sw, const struct np_syn_port *q)
{
	char tgt[NP_TARGET_STR_MAX], note[512];
	int hop = np_ttl_hops(q->ttl) + 1;
	struct np_finding *f = np_finding_new("tcp", port_target(sw, q->port, tgt, sizeof(tgt)), sw->addr, "tcp.ok");

	if (!f)
		return;
	if (q->rtt_ms >= 0)
		snprintf(note, sizeof(note), "open: SYN-ACK %.2f ms after the SYN, ", q->rtt_ms);
	else
		snprintf(note, sizeof(note), "open: SYN-ACK ");
	np_finding_summary(f, "%sfrom hop %d (TTL %d, initial %d); half-open: answered with a reset, "
			   "no connection made", note, hop, q->ttl, np_ttl_initial(q->ttl));
	ttl_metrics(sw, f, q, hop, sw->addr);
	np_finding_evidence(f, q->frame, frame_ms(sw, q), "SYN-ACK from the target (TTL %d, initial %d: hop %d)%s",
			    q->ttl, np_ttl_initial(q->ttl), hop, q->frame ? "" : " (frame not kept: budget spent)");
	if (q->rst_frame)
		np_finding_evidence(f, q->rst_frame, frame_ms(sw, q), "reset sent for the SYN-ACK");
	np_run_finding(sw->job.run, f);
}

/* "by a device at hop 2 (198.18.2.2): ICMP administratively prohibited" */
static void rejected_text(const struct syn_sweep *sw, const struct np_syn_port *q, char *buf, size_t len,
			  int *hop, const char **sender)
{
	if (q->how == NP_SYN_HOW_RESET && q->who < sw->n_cls) {
		const struct np_syn_class *c = &sw->cls[q->who];

		*hop = c->hop;
		*sender = c->device;
		snprintf(buf, len, "rejected by a device on the path: a reset carrying the target's address was "
			 "sent %d hop%s away (TTL %d, initial %d)%s%s%s; the target itself was not reached", c->hop,
			 c->hop == 1 ? "" : "s", c->ttl, np_ttl_initial(c->ttl), c->device[0] ? " by " : "",
			 c->device, c->device[0] ? "" : ", device address unknown");
		return;
	}
	*sender = q->who < sw->n_senders ? sw->senders[q->who].addr : "";
	*hop = np_ttl_hops(q->ttl) + 1;
	snprintf(buf, len, "rejected by %s at hop %d (%s): ICMP %s", strcmp(*sender, sw->addr) == 0 ?
		 "the target's own filter" : "a device", *hop, *sender,
		 q->how == NP_SYN_HOW_PROHIBITED ? "administratively prohibited" : "port unreachable");
}

static void rejected_finding(struct syn_sweep *sw, const struct np_syn_port *q)
{
	char tgt[NP_TARGET_STR_MAX], text[512];
	const char *sender = "";
	int hop;
	struct np_finding *f = np_finding_new("tcp", port_target(sw, q->port, tgt, sizeof(tgt)), sw->addr,
					      "tcp.rejected");

	if (!f)
		return;
	rejected_text(sw, q, text, sizeof(text), &hop, &sender);
	np_finding_summary(f, "%s", text);
	ttl_metrics(sw, f, q, hop, sender);
	np_finding_evidence(f, q->frame, frame_ms(sw, q), "%s from %s (TTL %d, initial %d: hop %d)%s",
			    q->how == NP_SYN_HOW_RESET ? "reset" : q->how == NP_SYN_HOW_PROHIBITED ?
			    "ICMP administratively prohibited" : "ICMP port unreachable",
			    q->how == NP_SYN_HOW_RESET ? sw->addr : sender, q->ttl, np_ttl_initial(q->ttl),
			    np_ttl_hops(q->ttl) + 1, q->frame ? "" : " (frame not kept: budget spent)");
	if (q->how == NP_SYN_HOW_RESET && q->who < sw->n_cls) {
		const struct np_syn_class *c = &sw->cls[q->who];
		int d = c->hop - 1;

		if (c->series_len > d && c->series[d].outcome == NP_SERIES_EXCEEDED)
			np_finding_evidence(f, c->series[d].frame, c->series[d].time_ms, "time exceeded from %s "
					    "for the SYN with TTL %d (to port %u): the device at hop %d",
					    c->series[d].from, d + 1, sw->ports[c->rep].port, d + 1);
		if (c->tmin)
			np_finding_evidence(f, c->series[c->tmin - 1].frame, c->series[c->tmin - 1].time_ms,
					    "the reset is drawn only from TTL %d on: a device at hop %d sends it",
					    c->tmin, c->hop);
	}
	np_run_finding(sw->job.run, f);
}

/* The summary's evidence: who sends each TTL's resets, and the
 * retransmissions of a few filtered ports. */
static void summary_evidence(const struct syn_sweep *sw, struct np_finding *f)
{
	size_t n = 0;

	for (size_t c = 0; c < sw->n_cls; c++) {
		const struct np_syn_class *k = &sw->cls[c];

		np_finding_evidence(f, k->frame, 0, "%zu reset%s with TTL %d (initial %d: hop %d): %s", k->count,
				    k->count == 1 ? "" : "s", k->ttl, np_ttl_initial(k->ttl), k->hop,
				    k->origin == NP_RESET_TARGET ? "the target's own (closed ports)" :
				    k->origin == NP_RESET_PATH ? "sent by a device on the path (rejected ports)" :
				    "origin undetermined, counted as the target's (closed)");
		for (int t = 0; t < k->series_len; t++)
			if (k->series[t].outcome != NP_SERIES_NONE)
				np_finding_evidence(f, k->series[t].frame, k->series[t].time_ms,
						    "TTL-limited SYN with TTL %d to port %u: %s from %s", t + 1,
						    sw->ports[k->rep].port, k->series[t].outcome == NP_SERIES_RESET ?
						    "reset" : k->series[t].outcome == NP_SERIES_EXCEEDED ?
						    "time exceeded" : "another answer", k->series[t].from);
	}
	for (size_t i = 0; i < sw->n && n < FILTERED_EVIDENCE; i++)
		if (sw->ports[i].state == NP_SYN_FILTERED && sw->ports[i].retry_frame) {
			np_finding_evidence(f, sw->ports[i].retry_frame, frame_ms(sw, &sw->ports[i]),
					    "port %u: SYN retransmitted, no answer to either", sw->ports[i].port);
			n++;
		}
}

static void summary_finding(struct syn_sweep *sw, const struct np_syn_tally *t, const char *verdict,
			    const char *why, int capped)
{
	struct np_finding *f = np_finding_new("tcp", sw->text, sw->addr, verdict ? verdict : "tcp.sweep");
	double secs = (double)(np_now_us() - sw->t0) / 1e6;
	char text[1024];
	json_t *j;

	if (!f)
		return;
	np_syn_summary(t, secs, text, sizeof(text));
	if (why)
		np_finding_summary(f, "%s: %s", why, text);
	else
		np_finding_summary(f, "%s", text);
	/* As `tcp` on each port would say: the check passes when every port
	 * swept is open. */
	if (!verdict)
		f->status = t->n[NP_ST_OPEN] == t->ports ? NP_PASS : NP_FAIL;
	np_finding_metric_int(f, "ports", (int64_t)t->ports);
	j = np_syn_tally_json(t);
	if (j)
		np_finding_metric_merge(f, j);
	json_decref(j);
	j = np_syn_rejected_by(sw->ports, sw->n, sw->cls, sw->senders);
	if (j)
		np_finding_metric_json(f, "rejected_by", j);
	np_finding_metric_opt_int(f, "target_ttl", sw->target_ttl);
	np_finding_metric_opt_int(f, "target_hop", sw->target_ttl >= 0 ? np_ttl_hops(sw->target_ttl) + 1 : -1);
	np_finding_metric_int(f, "rate", sw->plan->rate);
	np_finding_metric_int(f, "syns_sent", (int64_t)sw->syns);
	np_finding_metric_int(f, "retransmitted", (int64_t)sw->retransmitted);
	np_finding_metric_real(f, "duration_ms", secs * 1000.0);
	np_finding_metric_json(f, "port_findings_capped", json_boolean(capped));
	common_metrics(sw, f);
	summary_evidence(sw, f);
	np_run_finding(sw->job.run, f);
}

static void comment(struct np_flow_table *ft, uint32_t frame, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void comment(struct np_flow_table *ft, uint32_t frame, const char *fmt, ...)
{
	char note[600];
	va_list ap;

	if (!frame)
		return;
	va_start(ap, fmt);
	vsnprintf(note, sizeof(note), fmt, ap);
	va_end(ap);
	np_flow_comment(ft, frame, note);
}

/* Every kept frame says what it shows. */
static void comments(struct syn_sweep *sw)
{
	struct np_flow_table *ft = np_run_flows(sw->job.run);
	char text[512];
	const char *sender;
	int hop;

	for (size_t i = 0; ft && i < sw->n; i++) {
		const struct np_syn_port *q = &sw->ports[i];

		if (q->state == NP_SYN_OPEN)
			comment(ft, q->frame, "netprobe: tcp.ok " DASH " port %u open: SYN-ACK from the target "
				"(TTL %d)", q->port, q->ttl);
		else if (q->state == NP_SYN_CLOSED)
			comment(ft, q->frame, "netprobe: tcp --syn: port %u closed: %s", q->port,
				q->how == NP_SYN_HOW_RESET ? "the target's own reset" : "the target's port unreachable");
		else if (q->state == NP_SYN_UNREACHABLE)
			comment(ft, q->frame, "netprobe: tcp --syn: port %u: ICMP %s", q->port,
				q->how == NP_SYN_HOW_EXCEEDED ? "time exceeded" : "unreachable");
		if (q->state == NP_SYN_REJECTED && q->frame) {
			rejected_text(sw, q, text, sizeof(text), &hop, &sender);
			comment(ft, q->frame, "netprobe: tcp.rejected " DASH " port %u %s", q->port, text);
		}
		comment(ft, q->retry_frame, q->state == NP_SYN_FILTERED ?
			"netprobe: tcp --syn: port %u filtered: this retransmitted SYN was not answered either" :
			"netprobe: tcp --syn: SYN to port %u retransmitted: the first was not answered in time", q->port);
		comment(ft, q->rst_frame, "netprobe: tcp --syn: reset for the SYN-ACK of port %u: half-open, "
			"the target keeps no connection", q->port);
	}
	for (size_t c = 0; ft && c < sw->n_cls; c++) {
		const struct np_syn_class *k = &sw->cls[c];

		for (int t = 0; t < k->series_len; t++) {
			comment(ft, k->sent_frame[t], "netprobe: tcp --syn: TTL-limited SYN (TTL %d) to port %u, to "
				"place the resets with TTL %d", t + 1, sw->ports[k->rep].port, k->ttl);
			if (k->series[t].outcome != NP_SERIES_NONE)
				comment(ft, k->series[t].frame, "netprobe: tcp --syn: answer to the SYN with TTL %d, "
					"from %s", t + 1, k->series[t].from);
		}
	}
}

void np_syn_report(struct syn_sweep *sw, const char *verdict, const char *why)
{
	struct np_syn_tally *t;
	size_t n_open = 0, n_rej = 0;
	struct np_finding *f;

	if (!sw->ports) {
		/* It never ran: one finding says why. */
		f = np_finding_new("tcp", sw->text, sw->addr, verdict ? verdict : "tcp.error");
		if (f) {
			np_finding_summary(f, "%s", why ? why : "never started");
			np_finding_metric_int(f, "ports", sw->wanted ? (int64_t)sw->wanted->count : 0);
			common_metrics(sw, f);
		}
		np_run_finding(sw->job.run, f);
		return;
	}
	if (sw->error[0] && !verdict) {
		verdict = "tcp.error";
		why = sw->error;
	}
	np_syn_resolve(sw->ports, sw->n, sw->cls, sw->n_cls, sw->target_ttl, sw->addr);
	t = malloc(sizeof(*t));
	if (t) {
		np_syn_tally(sw->ports, sw->n, t);
		summary_finding(sw, t, verdict, why, t->n[NP_ST_OPEN] > SYN_PORT_FINDINGS_MAX ||
				t->n[NP_ST_REJECTED] > SYN_PORT_FINDINGS_MAX);
		free(t);
	}
	for (size_t i = 0; i < sw->n; i++) {
		if (sw->ports[i].state == NP_SYN_OPEN && n_open++ < SYN_PORT_FINDINGS_MAX)
			open_finding(sw, &sw->ports[i]);
		if (sw->ports[i].state == NP_SYN_REJECTED && n_rej++ < SYN_PORT_FINDINGS_MAX)
			rejected_finding(sw, &sw->ports[i]);
	}
	comments(sw);
}
