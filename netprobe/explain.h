/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_EXPLAIN_H
#define NETPROBE_EXPLAIN_H

/*
 * Offline analysis of a capture the user already has (pcap or pcapng):
 * rebuild its TCP connections and say, with the probes' verdicts, which
 * died after sitting idle and who ended them, and which handshakes failed
 * and why. Evidence names the file's own frame numbers (1-based, counted
 * over every record of the file as Wireshark numbers them, whatever the
 * filter keeps).
 *
 * Memory stays bounded whatever the file's size: no packet bytes are
 * kept, only a fixed-size summary per connection (netprobe/tcp_events.h);
 * closed connections are finished once they have been quiet for a while,
 * and past max_flows the least recently active one is finished early.
 *
 * Engine code: no printing, no exit. Findings go to a struct np_report
 * with check "explain", target "CLIENT:PORT -> SERVER:PORT" and the
 * server's address.
 */

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "report.h"

#define NP_EXPLAIN_MIN_IDLE_S    30.0
#define NP_EXPLAIN_MAX_FLOWS     65536   /* connections followed at once */
#define NP_EXPLAIN_MAX_FINDINGS  2000    /* listed of each kind; the rest are counted */
#define NP_EXPLAIN_LINGER_S      30.0    /* a closed connection's quiet time before it is finished */
#define NP_EXPLAIN_MAX_CONNECTIONS 20000  /* rows of the connection table; the rest are counted */

struct np_explain_opts {
	double min_idle_s;          /* a silence this long is an idle gap; 0: default */
	const char *filter;         /* BPF, as tcpdump takes it; NULL or "": every frame */
	size_t max_flows;           /* 0: NP_EXPLAIN_MAX_FLOWS */
	size_t max_findings;        /* per kind of finding; 0: NP_EXPLAIN_MAX_FINDINGS */
	double linger_s;            /* 0: NP_EXPLAIN_LINGER_S */
	/* the connection table (explain --connections): every connection,
	 * as r->connections, not only those with a finding */
	int connections;
	size_t max_connections;     /* rows kept; 0: NP_EXPLAIN_MAX_CONNECTIONS */
};

struct np_explain_stats {
	uint64_t frames;            /* records read from the file */
	uint64_t matched;           /* frames the filter kept */
	uint64_t tcp;               /* TCP segments followed */
	uint64_t icmp;              /* ICMP errors matched to a connection */
	uint64_t flows;             /* connections followed */
	uint64_t flows_early;       /* finished early to stay within max_flows */
	uint64_t flows_peak;        /* most followed at once */
	uint64_t problems;          /* connections with a finding */
	uint64_t unlisted;          /* of those, past max_findings of their kind */
	uint64_t idle_survived;     /* idle gaps a connection was used again after */
	int64_t longest_gap_ns;     /* the longest silence in any connection */
	uint64_t one_sided;         /* connections seen in one direction only */
	uint64_t reset_closes;      /* ended by an end's own reset with nothing outstanding */
	int partial;                /* the file ends badly: frames after it unread */
	char partial_reason[NP_ERRBUF_SIZE];
	uint64_t bad_time;          /* frames left out: a timestamp past what 64-bit
				     * nanoseconds hold (after April 2262) */
	uint64_t bad_time_frame;    /* the first of them */
};

struct np_explain;

/* An analysis fed frame by frame (np_explain_frame), for tests and for
 * readers other than a file. NULL when memory runs out. */
struct np_explain *np_explain_new(const struct np_explain_opts *o, char *errbuf);

/* An analysis of FILE: opens it and compiles the filter for its link
 * type. Returns 0, NP_EINVAL when the file cannot be read as a capture, its
 * link type is not one the dissector knows or the filter does not compile
 * (errbuf says which, in one line), or NP_ENOMEM. */
int np_explain_open(const char *path, const struct np_explain_opts *o,
		    struct np_explain **out, char *errbuf);
void np_explain_free(struct np_explain *e);

/* Reads the opened file to its end and adds the findings to r. A file
 * that ends in the middle of a record, or a damaged record, ends the
 * reading there: what was read is analysed, and an explain.partial
 * finding (never explain.clean) says where and why. A record whose
 * timestamp is out of range is left out, and explain.partial names it.
 * NP_ENOMEM when memory runs out. */
int np_explain_run(struct np_explain *e, struct np_report *r);

/* One frame, numbered in call order from 1. ts_ns: capture time. A frame
 * the caller's own filter rejected still takes its number:
 * np_explain_skip(). */
int np_explain_frame(struct np_explain *e, int dlt, int64_t ts_ns, const uint8_t *data,
		     uint32_t caplen, uint32_t wirelen);
void np_explain_skip(struct np_explain *e, int64_t ts_ns);

/* Ends the analysis: finishes every connection still followed and adds
 * the findings to r, in the order their connections began, then
 * explain.clean when there were none and the file was read whole, or
 * explain.partial when the reading stopped early, frames were left out or
 * findings went unlisted. */
int np_explain_finish(struct np_explain *e, struct np_report *r);

void np_explain_get_stats(const struct np_explain *e, struct np_explain_stats *st);

#endif
