#ifndef NETPROBE_CAPTURE_H
#define NETPROBE_CAPTURE_H

#include <stdint.h>
#include <stdio.h>

#include "error.h"
#include "flow.h"

struct np_loop;
struct np_capture;

struct np_capture_stats {
	uint64_t received;        /* seen by the filter */
	uint64_t dropped;         /* dropped by the kernel (buffer full) */
	uint64_t if_dropped;      /* dropped by the interface/driver */
	uint64_t kept;            /* matched to a probe's flow, saved */
	uint64_t truncated;       /* kept with headers only (memory bound) */
};

/*
 * The privileged step: one live capture on the "any" device, immediate
 * mode, nanosecond timestamps when the kernel gives them. On failure
 * returns NULL, fills errbuf, and sets *perm when the cause is a missing
 * privilege (CAP_NET_RAW), so the caller can go on without capture.
 */
struct np_capture *np_capture_open(size_t max_bytes, char *errbuf, int *perm);
void np_capture_free(struct np_capture *c);

/* Unprivileged: set the kernel filter (TCP, UDP, ICMP, ICMPv6 to or from
 * this host's addresses) and put the capture's fd on the loop. */
int np_capture_start(struct np_capture *c, struct np_loop *loop, char *errbuf);

/* Read every packet the kernel holds now, without blocking. */
void np_capture_drain(struct np_capture *c);

struct np_flow_table *np_capture_flows(struct np_capture *c);
int np_capture_stats(struct np_capture *c, struct np_capture_stats *st);

/* Write the kept packets as pcapng to f (which the caller opened while it
 * still could), with the evidence comments. f is closed. */
int np_capture_save(struct np_capture *c, FILE *f, char *errbuf);

#endif
