/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_PROBE_SYN_H
#define NETPROBE_PROBE_SYN_H

#include <stdint.h>

#include "error.h"
#include "portset.h"
#include "target.h"

struct np_run;
struct np_rawsend;
struct syn_sweep;
struct syn_target;

#define NP_SYN_RATE_DEFAULT 20000
#define NP_SYN_RATE_MAX 1000000

/* What every sweep of a run shares. */
struct np_syn_plan {
	unsigned rate;                /* SYNs per second, all sweeps together */
	struct np_rawsend *raw;       /* opened while privileged; NULL when none */
	char unavailable[NP_ERRBUF_SIZE + 160];  /* why raw is NULL */
	uint16_t sport;               /* every sweep's source port, held in both families */
	int reserve_fd[2];            /* what holds it: IPv4, IPv6 (-1: none) */
	/* Internal: the run's token bucket, the sweeps running, the targets. */
	double tokens;
	int64_t tokens_us;
	struct syn_sweep *active;
	struct syn_target *targets;
};

void np_syn_plan_init(struct np_syn_plan *plan, unsigned rate);
/* Close the raw sockets and the port reservation. */
void np_syn_plan_close(struct np_syn_plan *plan);

/*
 * Hold one source port in both families with bound sockets that never
 * listen (as nmap and tcptraceroute do): the kernel gives it to no one
 * else, and answers the SYN-ACKs of the sweep with a reset, as it does for
 * a port nothing listens on. NP_ESYS with errbuf when no port can be had.
 */
int np_syn_reserve_port(struct np_syn_plan *plan, char *errbuf);

/* The capture filter for the sweeps' packets only: the port's TCP and
 * ICMP errors. */
void np_syn_capture_filter(const struct np_syn_plan *plan, char *buf, size_t len);

/*
 * Queue the sweep of one target: resolve it (unless a literal), then
 * sweep every address: raw SYNs from plan->sport to each port of ports,
 * paced at plan->rate, one retransmission for silent ports, answers read
 * from the capture, SYN-ACKs reset (half-open). text is the target as the
 * user wrote it. Copies what it needs; the plan must outlive the run.
 */
int np_syn_submit(struct np_run *run, struct np_syn_plan *plan, const char *text, const struct np_target *t,
		  const struct np_portset *ports);

#endif
