/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_TRACE_RESULT_H
#define NETPROBE_TRACE_RESULT_H

/*
 * What a trace found, from what each probe drew: the hops, whether and how
 * the target answered, where the flow died, and the first hop at which
 * each rewritten header field shows. Pure: probes in, result out.
 */

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "trace_quote.h"

#define NP_TRACE_MAX_HOPS 64
#define NP_TRACE_MAX_PROBES 10
#define NP_TRACE_ADDR_MAX 48

/* What a probe drew. */
enum np_trace_answer {
	NP_TA_NONE = 0,           /* nothing (yet) */
	NP_TA_EXCEEDED,           /* ICMP time exceeded: a router at this hop */
	NP_TA_SYNACK,             /* the port is open */
	NP_TA_RST,                /* a reset carrying the target's address */
	NP_TA_PORT_UNREACH,       /* ICMP port unreachable */
	NP_TA_PROHIBITED,         /* ICMP administratively prohibited */
	NP_TA_UNREACH,            /* ICMP net/host/other unreachable */
	NP_TA_REPLY,              /* a UDP datagram from the target */
};

struct np_trace_probe {
	int ttl;
	int sent;                 /* on the wire */
	int done;                 /* answered, or its wait is over */
	int64_t sent_us;          /* monotonic, as the capture saw it (else when written) */
	int64_t deadline_us;
	uint32_t sent_frame;      /* 0 when the capture did not see it */
	enum np_trace_answer answer;
	char from[NP_TRACE_ADDR_MAX];  /* the answer's source */
	int from_target;          /* ... is the target's address */
	int reply_ttl;
	double rtt_ms;
	uint32_t frame;           /* the answer's frame */
	const char *icmp;         /* "administratively prohibited", ...: an ICMP error's name */
	int has_quote;            /* an ICMP error quoting the probe */
	struct np_trace_diff diff;
};

struct np_trace_obs {
	int proto;                /* IPPROTO_TCP or IPPROTO_UDP */
	int n_probes;             /* per hop */
	int max_ttl;              /* highest TTL sent */
	int max_hops;             /* --max-hops */
	int gap_stop;             /* sending stopped after this many silent hops */
	/* probes[(ttl - 1) * n_probes + i] for ttl 1..max_ttl */
	const struct np_trace_probe *probes;
	const struct np_trace_hdr *sent;   /* the first probe, for the values sent */
	char target[NP_TRACE_ADDR_MAX];
};

struct np_trace_hop {
	int hop;
	char address[NP_TRACE_ADDR_MAX];   /* "" when no probe was answered */
	char other[NP_TRACE_ADDR_MAX];     /* a second responder (load balancing), or "" */
	enum np_trace_answer answer;
	double rtt_ms[NP_TRACE_MAX_PROBES];  /* < 0: no answer to that probe */
	int n_rtt;
	unsigned changed, unknown;         /* NP_TF_* */
	uint32_t frame;                    /* the first answer's frame, 0 when none */
	const struct np_trace_probe *quote;  /* the probe whose quote tells most, or NULL */
};

struct np_trace_change {
	unsigned field;           /* one NP_TF_* */
	int hop;                  /* first hop whose quote shows it */
	char address[NP_TRACE_ADDR_MAX];
	char sent[64], seen[64];
};

struct np_trace_result {
	const char *verdict;      /* trace.reached, trace.blocked_at_hop or trace.max_hops */
	char summary[768];
	int n_hops;
	struct np_trace_hop hops[NP_TRACE_MAX_HOPS];
	int target_hop;           /* reached: the hop count; else 0 */
	int last_hop;             /* the last hop that answered time exceeded; 0: none */
	const char *answer;       /* how the target answered / the flow died (JSON word) */
	int death_hop;            /* the hop that sent the reset / ICMP error; 0: none */
	uint32_t decided_frame;
	size_t n_changes;         /* fields rewritten on the way, by first hop */
	struct np_trace_change changes[NP_TF_COUNT];
	char modified[768];       /* summary of the changes; "" when none */
};

/* "time-exceeded", "syn-ack", "reset", ...; NULL for NP_TA_NONE. */
const char *np_trace_answer_name(enum np_trace_answer a);

/* Is this answer the end of the path (anything but time exceeded)? */
int np_trace_answer_final(enum np_trace_answer a);

void np_trace_analyze(const struct np_trace_obs *in, struct np_trace_result *out);

/* metrics.hops: [{hop, address, rtt_ms: [..], changed: [..], unknown: [..],
 * answer, other_address?}], addresses and answers null when none. */
json_t *np_trace_hops_json(const struct np_trace_result *r);
/* metrics.modified of trace.modified: [{field, hop, address, sent, seen}],
 * values as numbers when they are. */
json_t *np_trace_changes_json(const struct np_trace_result *r);

#endif
