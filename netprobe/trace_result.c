/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "trace_result.h"

#include <math.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How the summaries name each NP_TF_* field, in bit order. */
static const char *const field_labels[NP_TF_COUNT] = {
	"source address (NAT)", "source port (NAT)", "DSCP", "ECN",
	"sequence number", "MSS (clamping)", "TCP options", "UDP checksum (NAT)",
};

const char *np_trace_answer_name(enum np_trace_answer a)
{
	switch (a) {
	case NP_TA_EXCEEDED: return "time-exceeded";
	case NP_TA_SYNACK: return "syn-ack";
	case NP_TA_RST: return "reset";
	case NP_TA_PORT_UNREACH: return "port-unreachable";
	case NP_TA_PROHIBITED: return "prohibited";
	case NP_TA_UNREACH: return "unreachable";
	case NP_TA_REPLY: return "reply";
	default: return NULL;
	}
}

int np_trace_answer_final(enum np_trace_answer a)
{
	return a != NP_TA_NONE && a != NP_TA_EXCEEDED;
}

static const struct np_trace_probe *probe_at(const struct np_trace_obs *in, int ttl, int i)
{
	return &in->probes[(ttl - 1) * in->n_probes + i];
}

static int popcount(unsigned v)
{
	return __builtin_popcount(v);
}

static void build_hop(const struct np_trace_obs *in, int ttl, unsigned all, struct np_trace_hop *h)
{
	unsigned known = 0;

	h->hop = ttl;
	h->n_rtt = in->n_probes;
	for (int i = 0; i < in->n_probes; i++) {
		const struct np_trace_probe *p = probe_at(in, ttl, i);

		h->rtt_ms[i] = p->answer != NP_TA_NONE ? p->rtt_ms : -1;
		if (p->answer == NP_TA_NONE)
			continue;
		if (!h->address[0]) {
			snprintf(h->address, sizeof(h->address), "%s", p->from);
			h->answer = p->answer;
			h->frame = p->frame;
		} else if (strcmp(h->address, p->from) != 0 && !h->other[0]) {
			snprintf(h->other, sizeof(h->other), "%s", p->from);
		}
		if (!p->has_quote)
			continue;
		/* A field is known at this hop if any probe's quote reaches it,
		 * changed if any quote that reaches it shows it changed. */
		known |= all & ~p->diff.unknown;
		h->changed |= p->diff.changed & all;
		if (!h->quote || popcount(p->diff.unknown) < popcount(h->quote->diff.unknown))
			h->quote = p;
	}
	h->unknown = all & ~known;
}

static const struct np_trace_probe *changed_probe(const struct np_trace_obs *in, int ttl, unsigned field)
{
	for (int i = 0; i < in->n_probes; i++) {
		const struct np_trace_probe *p = probe_at(in, ttl, i);

		if (p->has_quote && (p->diff.changed & field))
			return p;
	}
	return NULL;
}

static void appendf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void appendf(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

/* The first hop at which each field shows rewritten. */
static void find_changes(const struct np_trace_obs *in, struct np_trace_result *r)
{
	for (unsigned b = 0; b < NP_TF_COUNT; b++) {
		unsigned field = 1u << b;

		for (int h = 1; h <= r->n_hops; h++) {
			const struct np_trace_probe *p;
			struct np_trace_change *c;

			if (!(r->hops[h - 1].changed & field))
				continue;
			p = changed_probe(in, h, field);
			if (!p)
				break;
			c = &r->changes[r->n_changes++];
			c->field = field;
			c->hop = h;
			memcpy(c->address, r->hops[h - 1].address, sizeof(c->address));
			np_trace_sent_value(in->sent, field, c->sent, sizeof(c->sent));
			np_trace_diff_value(in->sent, &p->diff, field, c->seen, sizeof(c->seen));
			appendf(r->modified, sizeof(r->modified), "%s%s %s -> %s first seen at hop %d (%s)",
				r->modified[0] ? "; " : "", field_labels[b], c->sent, c->seen, h, c->address);
			break;
		}
	}
	if (r->n_changes)
		appendf(r->modified, sizeof(r->modified), ": a device before that hop rewrites it");
}

/* "198.18.1.1 198.18.2.2 * 198.19.4.2" */
static void path_str(const struct np_trace_result *r, char *buf, size_t len)
{
	buf[0] = '\0';
	for (int h = 0; h < r->n_hops; h++)
		appendf(buf, len, "%s%s", h ? " " : "", r->hops[h].address[0] ? r->hops[h].address : "*");
}

/* The hop that sent an answer from a device on the path: the hop listed
 * under its address, else the distance its TTL implies. */
static int sender_hop(const struct np_trace_result *r, const struct np_trace_probe *p, int below)
{
	for (int h = 1; h < below; h++)
		if (strcmp(r->hops[h - 1].address, p->from) == 0 || strcmp(r->hops[h - 1].other, p->from) == 0)
			return h;
	return np_ttl_hops(p->reply_ttl) + 1;
}

static void reached(const struct np_trace_obs *in, const struct np_trace_probe *fp, int t,
		    const char *path, struct np_trace_result *r)
{
	int hop = np_ttl_hops(fp->reply_ttl) + 1;

	r->verdict = "trace.reached";
	r->target_hop = t;
	r->death_hop = t;
	snprintf(r->summary, sizeof(r->summary), "reached %s in %d hop%s (%s, %.2f ms): %s", in->target, t,
		 t == 1 ? "" : "s",
		 fp->answer == NP_TA_SYNACK ? "open: SYN-ACK" :
		 fp->answer == NP_TA_RST ? "port closed: the target's own reset" :
		 fp->answer == NP_TA_PORT_UNREACH ? "ICMP port unreachable from the target" :
		 "the target answered", fp->rtt_ms, path);
	if (fp->answer == NP_TA_SYNACK && hop < t)
		appendf(r->summary, sizeof(r->summary), "; but the SYN-ACK's TTL (%d) places its sender at "
			"hop %d: a proxy answers for the target", fp->reply_ttl, hop);
}

/* "after hop 2 (198.18.2.2)": the last hop that answered; "at" when that
 * hop also sent the answer that ended the flow. */
static void last_str(const struct np_trace_result *r, char *buf, size_t len)
{
	if (r->last_hop)
		snprintf(buf, len, "%s hop %d (%s)", r->death_hop == r->last_hop ? "at" : "after",
			 r->last_hop, r->hops[r->last_hop - 1].address);
	else
		snprintf(buf, len, "before the first hop answered");
}

static void blocked(const struct np_trace_obs *in, const struct np_trace_probe *fp, int t,
		    const char *path, struct np_trace_result *r)
{
	char last[96];

	r->verdict = "trace.blocked_at_hop";
	if (!fp) {
		r->answer = "silence";
		last_str(r, last, sizeof(last));
		snprintf(r->summary, sizeof(r->summary), "%s not reached: the flow dies %s in silence, "
			 "no answer from hop %d to %d%s: %s", in->target, last, r->last_hop + 1, in->max_ttl,
			 in->gap_stop ? " (probing stops that far past the last answer)" : "", path);
		return;
	}
	if (fp->answer == NP_TA_RST) {
		int has_addr;

		r->death_hop = np_ttl_hops(fp->reply_ttl) + 1;
		has_addr = r->death_hop < t && r->hops[r->death_hop - 1].address[0];
		r->answer = "reset";
		last_str(r, last, sizeof(last));
		snprintf(r->summary, sizeof(r->summary), "%s not reached: the flow dies %s by a reset: the probes "
			 "with TTL %d draw a reset carrying the target's address, but its TTL (%d, initial %d) "
			 "says it was sent from hop %d%s%s%s, not by the target: %s", in->target, last, t,
			 fp->reply_ttl, np_ttl_initial(fp->reply_ttl), r->death_hop,
			 has_addr ? " (" : "", has_addr ? r->hops[r->death_hop - 1].address : "", has_addr ? ")" : "",
			 path);
		return;
	}
	r->death_hop = fp->from_target ? t : sender_hop(r, fp, t);
	r->answer = np_trace_answer_name(fp->answer);
	/* A router that has no route answers its own hop: it is the last
	 * that answered, though not with time exceeded. */
	if (r->death_hop > r->last_hop && r->death_hop <= t &&
	    strcmp(r->hops[r->death_hop - 1].address, fp->from) == 0)
		r->last_hop = r->death_hop;
	last_str(r, last, sizeof(last));
	snprintf(r->summary, sizeof(r->summary), "%s not reached: the flow dies %s: ICMP%s %s from %s%s "
		 "(hop %d) for the probes with TTL %d: %s", in->target, last,
		 strchr(fp->from, ':') ? "v6" : "", fp->icmp ? fp->icmp : "error",
		 fp->from, fp->from_target ? ", the target's own filter" : "", r->death_hop, t, path);
}

void np_trace_analyze(const struct np_trace_obs *in, struct np_trace_result *r)
{
	unsigned all = in->proto == IPPROTO_TCP ? NP_TF_TCP_ALL : NP_TF_UDP_ALL;
	const struct np_trace_probe *fp = NULL;
	char path[NP_TRACE_MAX_HOPS * 4 + 64];
	int t = 0;

	memset(r, 0, sizeof(*r));
	for (int ttl = 1; ttl <= in->max_ttl && ttl <= NP_TRACE_MAX_HOPS; ttl++) {
		build_hop(in, ttl, all, &r->hops[ttl - 1]);
		for (int i = 0; i < in->n_probes && !fp; i++)
			if (np_trace_answer_final(probe_at(in, ttl, i)->answer)) {
				fp = probe_at(in, ttl, i);
				t = ttl;
			}
		r->n_hops = ttl;
		if (fp)
			break;
	}
	for (int h = 1; h <= r->n_hops; h++)
		for (int i = 0; i < in->n_probes; i++)
			if (probe_at(in, h, i)->answer == NP_TA_EXCEEDED)
				r->last_hop = h;
	find_changes(in, r);
	path_str(r, path, sizeof(path));
	if (fp) {
		r->decided_frame = fp->frame;
		r->answer = np_trace_answer_name(fp->answer);
		/* A reset whose TTL says it was sent closer than the hop the
		 * probe had to reach was forged on the way (a firewall rejects
		 * only after the SYN passed its own TTL check). */
		if (fp->from_target && (fp->answer == NP_TA_SYNACK || fp->answer == NP_TA_PORT_UNREACH ||
					fp->answer == NP_TA_REPLY ||
					(fp->answer == NP_TA_RST && np_ttl_hops(fp->reply_ttl) + 1 >= t)))
			reached(in, fp, t, path, r);
		else
			blocked(in, fp, t, path, r);
		return;
	}
	if (in->max_ttl >= in->max_hops && r->last_hop == in->max_ttl) {
		r->verdict = "trace.max_hops";
		r->answer = "max-hops";
		snprintf(r->summary, sizeof(r->summary), "%s not reached within %d hops: routers still answer "
			 "at hop %d: %s", in->target, in->max_hops, in->max_ttl, path);
		return;
	}
	blocked(in, NULL, 0, path, r);
}

/* --- JSON ------------------------------------------------------------------------ */

static double round3(double v)
{
	return round(v * 1000.0) / 1000.0;
}

static json_t *fields_json(unsigned mask)
{
	json_t *a = json_array();

	for (unsigned b = 0; a && b < NP_TF_COUNT; b++)
		if (mask & (1u << b))
			json_array_append_new(a, json_string(np_trace_field_name(1u << b)));
	return a;
}

json_t *np_trace_hops_json(const struct np_trace_result *r)
{
	json_t *hops = json_array();

	for (int i = 0; hops && i < r->n_hops; i++) {
		const struct np_trace_hop *h = &r->hops[i];
		json_t *o = json_object(), *rtt = json_array();
		const char *ans = np_trace_answer_name(h->answer);

		for (int j = 0; rtt && j < h->n_rtt; j++)
			json_array_append_new(rtt, h->rtt_ms[j] >= 0 ? json_real(round3(h->rtt_ms[j])) : json_null());
		json_object_set_new(o, "hop", json_integer(h->hop));
		json_object_set_new(o, "address", h->address[0] ? json_string(h->address) : json_null());
		json_object_set_new(o, "rtt_ms", rtt);
		json_object_set_new(o, "changed", fields_json(h->changed));
		json_object_set_new(o, "unknown", fields_json(h->unknown));
		json_object_set_new(o, "answer", ans ? json_string(ans) : json_null());
		if (h->other[0])
			json_object_set_new(o, "other_address", json_string(h->other));
		json_array_append_new(hops, o);
	}
	return hops;
}

/* A value for the JSON: a number when it is one. */
static json_t *value_json(const char *v)
{
	char *end;
	long n = strtol(v, &end, 10);

	return *v && !*end ? json_integer(n) : json_string(v);
}

json_t *np_trace_changes_json(const struct np_trace_result *r)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < r->n_changes; i++) {
		const struct np_trace_change *c = &r->changes[i];
		json_t *o = json_object();

		json_object_set_new(o, "field", json_string(np_trace_field_name(c->field)));
		json_object_set_new(o, "hop", json_integer(c->hop));
		json_object_set_new(o, "address", c->address[0] ? json_string(c->address) : json_null());
		json_object_set_new(o, "sent", value_json(c->sent));
		json_object_set_new(o, "seen", value_json(c->seen));
		json_array_append_new(a, o);
	}
	return a;
}
