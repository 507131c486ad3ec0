/* SPDX-License-Identifier: GPL-3.0-or-later */
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
	uint64_t truncated;       /* kept with headers only (past its flow's share) */
	uint64_t not_kept;        /* matched to a flow, counted, not kept (budget spent) */
	size_t budget;            /* bytes the evidence may hold (--pcap-max) */
	size_t held_peak;         /* the most it held */
	size_t snaplen;           /* bytes captured of each packet */
	size_t ring_bytes;        /* the kernel ring mapped for it */
	size_t ring_slots;        /* packets the ring holds */
};

/* Snap lengths (bytes captured of each packet, with Linux's 20-byte
 * cooked header): headers only, for checks that read nothing past TCP
 * and the headers an ICMP error quotes; or a whole 1500-byte packet, for
 * checks whose evidence is an exchange (a TLS handshake, a DNS answer). */
#define NP_CAPTURE_SNAP_HEADERS 256
#define NP_CAPTURE_SNAP_FRAME   1520

/* How a check wants its capture; zeros take the defaults. */
struct np_capture_params {
	size_t max_bytes;         /* the evidence budget (--pcap-max) */
	size_t snaplen;           /* bytes captured of each packet (NP_CAPTURE_SNAP_FRAME) */
	size_t buffer_bytes;      /* the kernel's ring; 0: sized from burst */
	size_t burst;             /* packets the ring must hold at once (0: the minimum) */
};

#define NP_CAPTURE_MIN_SLOTS 1024
#define NP_CAPTURE_MAX_RING  ((size_t)64 << 20)

/* The kernel ring for a burst of packets of snaplen bytes: its slots and
 * the bytes mapped (all of it counts in the process's RSS). libpcap's
 * TPACKET_V2 ring (immediate mode) has fixed slots sized from the snap
 * length, packed into pages: 1520 bytes take a 2 KiB slot, 256 bytes a
 * 372-byte one, 65535 bytes a 128 KiB block each. */
void np_capture_ring_size(size_t snaplen, size_t burst, size_t *slots, size_t *bytes);

/*
 * The privileged step: one live capture on the "any" device, immediate
 * mode, nanosecond timestamps when the kernel gives them. On failure
 * returns NULL, fills errbuf, and sets *perm when the cause is a missing
 * privilege (CAP_NET_RAW), so the caller can go on without capture.
 * In immediate mode libpcap uses TPACKET_V2, whose ring slots are all of
 * the snapshot length: the ring is sized to hold the run's burst of
 * packets (np_capture_ring_size), from NP_CAPTURE_MIN_SLOTS slots up to
 * NP_CAPTURE_MAX_RING bytes, unless the check gives its size.
 */
struct np_capture *np_capture_open(const struct np_capture_params *cp, char *errbuf, int *perm);
void np_capture_free(struct np_capture *c);

/* A BPF expression packets must pass as well as the base filter: a check
 * that knows its flows (a sweep's source port) narrows the capture so
 * the ring holds its packets only. Before np_capture_start. */
int np_capture_set_filter(struct np_capture *c, const char *filter);

/* Unprivileged: set the kernel filter (TCP, UDP, ICMP, ICMPv6 to or from
 * this host's addresses, and the check's own filter when it gave one) and
 * put the capture's fd on the loop. */
int np_capture_start(struct np_capture *c, struct np_loop *loop, char *errbuf);

/* Read the packets the kernel holds now, without blocking: at most one
 * ring's worth, so a flood never holds the loop. Drops the kernel reports
 * are charged to every flow open since the last drain. */
void np_capture_drain(struct np_capture *c);

struct np_flow_table *np_capture_flows(struct np_capture *c);

/* Start a new round on the same capture (a watch's next cycle): every flow
 * and kept packet is let go, the budget stays. Only between runs, when no
 * probe holds a flow. NP_ENOMEM leaves the old table in place. */
int np_capture_reset(struct np_capture *c, char *errbuf);
/* The same, with a new evidence budget for the rounds to come. */
int np_capture_set_budget(struct np_capture *c, size_t budget, char *errbuf);
/*
 * A session of a started capture: the same packets (the root hands each to
 * every session), its own flow table, budget, frame numbers, rounds
 * (np_capture_reset) and saved file. A watch's idle rungs run on and on
 * while its cycles come and go; each is a session, so a rung's evidence
 * outlives the cycles it spans, and a cycle's reset leaves it alone. The
 * counters of np_capture_stats are the shared handle's since the session's
 * round began. Freed with np_capture_free (or with its root). Not started.
 */
struct np_capture *np_capture_session(struct np_capture *root, size_t budget, char *errbuf);
/* received/dropped/if_dropped count from the start of the current round
 * (np_capture_reset). */
int np_capture_stats(struct np_capture *c, struct np_capture_stats *st);

/* Bytes that must never reach the saved file (a proxy's Basic credential
 * as sent): every occurrence is overwritten with '*', same length, when
 * the file is written. At most NP_CAPTURE_MAX_SECRETS (every token of
 * every authentication leg of a run of many connections). */
#define NP_CAPTURE_MAX_SECRETS 4096
int np_capture_add_secret(struct np_capture *c, const char *secret);

/* Write the kept packets as pcapng to f (which the caller opened while it
 * still could), with the evidence comments. f is closed. */
int np_capture_save(struct np_capture *c, FILE *f, char *errbuf);

/* Capture files are read by capfile.h (libwiretap). */

#endif
