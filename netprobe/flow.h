/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_FLOW_H
#define NETPROBE_FLOW_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dissect.h"
#include "error.h"

/*
 * The flow table: every probe registers each flow it opens (protocol and
 * 5-tuple) as soon as its socket is bound; every captured packet is matched
 * to its flow by 5-tuple, ICMP/ICMPv6 errors by the header they quote.
 * Matched packets are kept, numbered in the order they will have in the
 * saved pcapng, and handed to the flow's owner.
 *
 * Everything the table holds (packet bytes, the per-packet records, each
 * flow's list for its classifier) counts against one budget B, the
 * table's max_bytes (--pcap-max), so whatever peers send it never holds
 * more. A flow keeps whole packets up to its share, B/8, out of a pool of
 * B - B/8: a flood on one flow cannot take the others' room. Past its
 * share, or when the pool is spent, a flow keeps only the packets that
 * prove something, headers only, out of the last B/8 (at most B/64 a
 * flow): its first packets, SYN/FIN/RST, ICMP errors, retransmissions and
 * keepalives, and the last packet before each of those (and before the
 * flow is detached or the table flushed). The rest are counted, per flow,
 * and still reach the flow's callback (frame 0).
 */

struct np_flow_table;
struct np_flow;

/* One packet of a flow, as its classifier sees it. */
struct np_flow_pkt {
	uint32_t frame;           /* 1-based frame number in the saved capture */
	int64_t mono_us;          /* on the probes' monotonic clock */
	int outgoing;             /* sent by this host */
	int icmp;                 /* an ICMP/ICMPv6 error quoting this flow */
	struct np_packet pkt;
};

typedef void (*np_flow_cb)(struct np_flow *flow, const struct np_flow_pkt *p, void *arg);
/* Whether a matched packet is kept (saved, numbered, listed): p->frame is
 * 0 while it is asked. */
typedef int (*np_flow_keep_cb)(const struct np_flow_pkt *p, void *arg);

/* max_bytes: the budget B (0: NP_FLOW_DEFAULT_BUDGET). */
#define NP_FLOW_DEFAULT_BUDGET ((size_t)256 << 20)
struct np_flow_table *np_flow_table_new(size_t max_bytes, char *errbuf);
void np_flow_table_free(struct np_flow_table *t);

/* proto: IPPROTO_TCP or IPPROTO_UDP. cb may be NULL. The flow lives until
 * the table is freed, so late packets (a FIN, a reset) still get saved.
 * A local address of all zeros with port 0 registers the flow for ICMP
 * errors whose quote no other flow matches because its source address or
 * port was rewritten on the way (NAT): a probe that looks for NAT takes
 * them (and must check that the quote is one of its own packets). A remote
 * port 0 matches every remote port of that address that no flow of its
 * own matches: one flow for a sweep of many ports from one source port. */
struct np_flow *np_flow_register(struct np_flow_table *t, int proto,
				 const struct sockaddr *local,
				 const struct sockaddr *remote,
				 np_flow_cb cb, void *arg);
/* No more callbacks; packets are still matched and saved. The last packet
 * the budget held back, if any, is saved now. */
void np_flow_detach(struct np_flow *flow);
/* Keep only the packets keep() accepts (all when there is none): the
 * others still reach the flow's callback, with frame 0, but are neither
 * saved nor listed. A probe that sends thousands of packets keeps the
 * frames that prove something and lets the rest go. keep is called
 * while the owner's callback is set, never after np_flow_detach(). */
void np_flow_set_keep(struct np_flow *flow, np_flow_keep_cb keep, void *arg);

/* List only the kept packets list() accepts (all when there is none):
 * the others are saved and numbered, and reach the flow's callback, but
 * are not on the list np_flow_packet() reads. A flow of thousands of
 * packets whose owner indexes them itself (DNS: query and answer frames)
 * lists only what it will look for (ICMP errors), not 600 bytes of
 * dissected packet each. list is called while the owner's callback is set. */
void np_flow_set_list(struct np_flow *flow, np_flow_keep_cb list, void *arg);
size_t np_flow_count(const struct np_flow *flow);
const struct np_flow_pkt *np_flow_packet(const struct np_flow *flow, size_t i);

/*
 * Feed one captured packet. ts_ns is wall-clock nanoseconds (the capture's
 * timestamp), mono_us the same instant on the monotonic clock. Returns the
 * frame number if the packet matched a flow and was kept, 0 if it matched
 * nothing or its flow did not keep it.
 */
uint32_t np_flow_input(struct np_flow_table *t, int dlt, uint64_t ts_ns, int64_t mono_us,
		       const uint8_t *data, uint32_t caplen, uint32_t wirelen);

/* Whether frame comments are kept (they are, unless told): nothing but a
 * saved capture shows them, so a run that saves none need not hold them;
 * np_flow_comment then returns 0 and keeps nothing. */
void np_flow_set_comments(struct np_flow_table *t, int keep);

/* Annotate a kept frame (pcapng opt_comment); appended when one exists. */
int np_flow_comment(struct np_flow_table *t, uint32_t frame, const char *text);

/* The kept packets in frame order, for the pcapng writer. */
struct np_kept {
	uint64_t ts_ns;
	uint32_t caplen, wirelen;
	const uint8_t *data;
	const char *comment;      /* NULL when none */
};
size_t np_flow_kept_count(const struct np_flow_table *t);
void np_flow_kept(const struct np_flow_table *t, size_t i, struct np_kept *out);
/* Packets kept with their headers only (NP_FLOW_HEADER_BYTES), past their
 * flow's share of the budget. */
uint64_t np_flow_truncated(const struct np_flow_table *t);

#define NP_FLOW_HEADER_BYTES 192

/* What one flow saw, whether it was kept or not. Times are monotonic
 * microseconds, 0 when there was none. */
struct np_flow_stats {
	uint64_t packets;           /* matched to it */
	uint64_t not_kept;          /* matched, neither saved nor listed: its budget was spent */
	uint64_t not_kept_bytes;    /* their length on the wire */
	uint64_t truncated;         /* kept with headers only */
	uint64_t rx_bytes, tx_bytes;/* TCP/UDP payload on the wire: received, sent */
	int64_t first_us, last_us;  /* first and last packet */
	int64_t rx_first_us, rx_last_us; /* first and last packet that brought payload */
	uint64_t kernel_dropped;    /* packets the kernel dropped while the flow was open */
	size_t held;                /* bytes of the budget it holds */
};
void np_flow_stats(const struct np_flow *flow, struct np_flow_stats *st);

/* The budget's figures, for the report. */
struct np_flow_budget {
	size_t budget;              /* B */
	size_t held, peak;          /* bytes held now, and the most ever */
	uint64_t not_kept;          /* packets matched to a flow and not kept */
	uint64_t flows_over;        /* flows that went past their share */
};
void np_flow_budget(const struct np_flow_table *t, struct np_flow_budget *out);

/* The capture saw n packets dropped by the kernel somewhere between from_us
 * and to_us (monotonic): every flow open then may have lost some of its
 * own, and counts them (kernel_dropped). */
void np_flow_note_drops(struct np_flow_table *t, uint64_t n, int64_t from_us, int64_t to_us);

/* The flow a kept frame belongs to (NULL: no such frame). */
struct np_flow *np_flow_of_frame(const struct np_flow_table *t, uint64_t frame);

/* Save every packet held back as a flow's last one: before the table is
 * written out. */
void np_flow_flush(struct np_flow_table *t);

#endif
