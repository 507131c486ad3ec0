/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_PROBE_TRACE_H
#define NETPROBE_PROBE_TRACE_H

#include "error.h"
#include "target.h"

struct np_run;
struct np_rawsend;
struct np_trace_result;

/* What every trace of a run shares. */
struct np_trace_plan {
	int max_hops;                /* 1..NP_TRACE_MAX_HOPS */
	int probes;                  /* per hop, 1..NP_TRACE_MAX_PROBES */
	int udp;                     /* UDP probes instead of TCP SYNs */
	struct np_rawsend *raw;      /* opened while privileged; NULL when none */
	char unavailable[NP_ERRBUF_SIZE + 160];  /* why raw is NULL */
	/* Another check that reads traces (nat's quote method) takes each
	 * result here instead of the trace findings: error is "" or why the
	 * trace could not run; r is NULL when not even that is known. */
	void (*on_result)(const struct np_trace_result *r, const char *error, const char *target,
			  const char *address, void *arg);
	void *result_arg;
};

/*
 * Queue the trace of one target: resolve it (unless a literal), then trace
 * every address. Probes with TTL 1, 2, ... go out paced, many in flight,
 * all with one 5-tuple (the Paris traceroute rule); the ICMP errors and
 * the target's answer come from the capture. The plan must outlive the
 * run.
 */
int np_trace_submit(struct np_run *run, const struct np_trace_plan *plan, const struct np_target *t);

#endif
