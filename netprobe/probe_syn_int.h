/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_PROBE_SYN_INT_H
#define NETPROBE_PROBE_SYN_INT_H

/* Inside the SYN sweep: the state of one sweep, shared by the probe
 * (probe_syn.c) and its report (probe_syn_report.c). */

#include <netinet/in.h>
#include <sys/socket.h>

#include "probe_syn.h"
#include "run.h"
#include "syn_result.h"
#include "target.h"
#include "trace_quote.h"

/* Per sweep, frames kept of each kind: the answers that prove a state,
 * never the 65,535 first SYNs. */
#define SYN_KEEP_SYNACK 1024      /* SYN-ACKs, and the resets answering them */
#define SYN_KEEP_ICMP 1024        /* ICMP errors to the sweep's SYNs */
#define SYN_KEEP_RETRY 256        /* retransmitted SYNs: a filtered port's evidence */
#define SYN_KEEP_PER_CLASS 16     /* resets of each TTL */
/* Per sweep, findings of one port each, per state. */
#define SYN_PORT_FINDINGS_MAX 256

enum sweep_state { SWEEP_QUEUED, SWEEP_WAITING, SWEEP_RUNNING, SWEEP_DONE };

struct syn_sweep {
	struct np_job job;
	struct np_syn_plan *plan;
	char text[NP_TARGET_STR_MAX];     /* the target as written */
	struct np_target t;
	struct np_portset *wanted;        /* the ports, until the sweep starts */
	struct sockaddr_storage dst, src;
	char addr[INET6_ADDRSTRLEN];
	double dns_ms;
	enum sweep_state state;
	struct syn_sweep *next_active;
	struct np_flow *flow;
	struct np_timer *timer;
	struct np_trace_hdr base;         /* the fields every SYN shares */
	uint32_t base_seq;
	struct np_syn_port *ports;
	size_t n;
	size_t next;                      /* first SYNs sent */
	size_t retry_cur;                 /* ports before it checked for a retransmission */
	uint32_t *retried;                /* ports retransmitted to, in that order */
	size_t n_retried, final_cur;
	struct np_syn_class cls[NP_SYN_CLASSES_MAX];
	size_t n_cls;
	struct np_syn_sender senders[NP_SYN_SENDERS_MAX];
	size_t n_senders;
	int target_ttl;                   /* of the target's SYN-ACKs; -1 */
	int have_rtt;
	int64_t max_rtt_us;
	int64_t t0, t_end;
	uint64_t packets, syns, retransmitted;   /* sent: all, SYNs, second SYNs */
	size_t kept_synack, kept_icmp, kept_retry;
	char error[NP_ERRBUF_SIZE * 2];
};

/* A target of the run: what each of its addresses is swept with; freed
 * with the plan, after the run (its name is resolved meanwhile). */
struct syn_target {
	struct np_syn_plan *plan;
	char text[NP_TARGET_STR_MAX];
	struct np_portset ports;
	struct syn_target *next;
};

/* The run's token bucket (plan->rate): 1 when one more SYN may go now;
 * the wait until the next one may. */
int np_syn_pace_take(struct np_syn_plan *pl, int64_t now);
int64_t np_syn_pace_delay(const struct np_syn_plan *pl);

/* Hand the sweep's findings to the run: the summary (with verdict, or
 * its own when NULL) and one finding per open and per rejected port. */
void np_syn_report(struct syn_sweep *sw, const char *verdict, const char *why);

#endif
