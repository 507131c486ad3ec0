/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_TCP_EVENTS_H
#define NETPROBE_TCP_EVENTS_H

/*
 * What happened on one TCP connection, from its packets alone: the
 * handshake, the largest silence, the last idle gap and what ended the
 * connection after it (a reset and whether its TTL is the sender's own, a
 * FIN, data retransmitted into silence), the resets that ended it outside
 * any idle gap and what was unacknowledged when they came, and whether
 * the capture holds both of its directions.
 *
 * Pure: no I/O, no allocation. A tracker is fed a flow's packets in order
 * (np_tcp_track_add) and keeps a fixed-size summary, so an offline reader
 * can follow a million connections without holding their packets; the
 * list functions run the same tracker over a packet list, for probes that
 * have one (np_tcp_pkt_from_flow converts a live flow's packets).
 *
 * The two ends are sides 0 and 1 (a live flow: 0 is this host). Times are
 * nanoseconds on any one clock; frames are whatever numbering the caller
 * uses for evidence (0 means none).
 */

#include <stddef.h>
#include <stdint.h>

#include "flow.h"

#define NP_TCP_SYN_MARKS 4      /* SYNs remembered as evidence; the rest counted */
#define NP_TTL_REF_MAX   4      /* distinct TTLs remembered of one end */

/* One TCP segment as the analysis needs it: headers only, never bytes. */
struct np_tcp_pkt {
	uint64_t frame;
	int64_t t_ns;
	uint8_t dir;                /* the side that sent it: 0 or 1 */
	uint8_t flags;              /* NP_TCP_* of dissect.h */
	uint8_t ttl;                /* IP TTL / hop limit */
	uint32_t seq, ack;
	uint32_t len;               /* payload bytes on the wire (not the captured part) */
	uint8_t win0;               /* it advertised a zero receive window */
};

/* A packet kept as evidence. frame 0: none. */
struct np_tcp_mark {
	uint64_t frame;
	int64_t t_ns;
	uint8_t ttl;
	uint8_t flags;
	uint8_t dir;
};

/* Routers between a packet's sender and the capture point, from its TTL:
 * its initial TTL (np_ttl_initial: 64, 128 or 255) less the TTL. -1 when
 * the initial value cannot be told: a TTL of 32 or less (a deliberately
 * low one, as eBGP's 1 to a directly connected peer or a traceroute's, or
 * the extinct initial 32) or more than 32 hops below the nearest initial
 * above it. GTSM's 255 (RFC 5082) is told. */
int np_tcp_ttl_hops(int ttl);

/* The TTLs one end's own packets (resets aside) come with: what a reset
 * carrying its address is measured against. */
struct np_ttl_ref {
	uint8_t ttl[NP_TTL_REF_MAX];  /* distinct values, the first seen */
	uint8_t n;
	uint8_t last;                 /* the latest one, 0: none */
	uint8_t odd;                  /* some could not be normalised (np_tcp_ttl_hops) */
	int16_t hops_min, hops_max;   /* of those that could; -1: none */
};

void np_ttl_ref_init(struct np_ttl_ref *r);
void np_ttl_ref_add(struct np_ttl_ref *r, int ttl);
void np_ttl_ref_merge(struct np_ttl_ref *r, const struct np_ttl_ref *from);

/* How a reset's TTL compares with the packets of the side it claims to
 * come from. */
enum np_ttl_match {
	NP_TTL_UNKNOWN = 0,         /* that side sent nothing else to compare */
	NP_TTL_SAME,                /* its very TTL, or the same hop distance: that side sent it */
	NP_TTL_OTHER,               /* another distance: a device on the path did */
	NP_TTL_ODD,                 /* another TTL, but one of them cannot be normalised: no hop placed */
};

enum np_ttl_match np_ttl_ref_match(const struct np_ttl_ref *r, int ttl);

/* "TTL 61", "TTLs 1, 255" or "no TTL"; returns buf. */
const char *np_ttl_ref_str(const struct np_ttl_ref *r, char *buf, size_t len);

/* Data that one side sent and the other has not acknowledged: from its
 * first transmission (or the last partial acknowledgement) on. */
struct np_tcp_unacked {
	int valid;
	uint32_t seq;               /* oldest unacknowledged byte */
	struct np_tcp_mark first;   /* its first transmission */
	struct np_tcp_mark last_rtx;/* its latest retransmission */
	unsigned rtx;               /* retransmissions of it */
	int after_gap;              /* first sent after the last idle gap */
	uint64_t replies;           /* packets of the other side since (none acknowledging it) */
};

/* A reset, and what stood around it when it came. */
struct np_tcp_rst {
	struct np_tcp_mark mark;    /* frame 0: none */
	int64_t quiet_ns;           /* the silence before it, or before the packet it answered */
	uint8_t after_data;         /* data had been sent, either way */
	uint8_t outstanding;        /* bit d: side d's data was unacknowledged */
	uint8_t established;        /* the handshake had been answered, or (no SYN seen) data sent */
	uint8_t acks_all;           /* its acknowledgement field covers all the other side sent */
};

struct np_tcp_side {
	uint64_t pkts, data_pkts;
	uint64_t retrans;           /* data segments sent again, in the whole flow */
	struct np_ttl_ref ttl;      /* its own packets' TTLs, resets aside */
	uint8_t have_nxt, have_una;
	uint8_t win0;               /* its latest acknowledgement offered a zero window */
	uint32_t snd_nxt;           /* highest sequence sent + 1 */
	uint32_t snd_una;           /* highest acknowledgement from the other side */
	/* The other side acknowledged sequence space of this side that the
	 * capture never showed: how often, and the first such packet. */
	uint64_t acked_unseen;
	struct np_tcp_mark unseen;
	struct np_tcp_mark last_own;/* its latest packet other than a reset */
	struct np_tcp_mark synack;  /* its first SYN-ACK */
	struct np_tcp_mark fin;     /* its first FIN */
	struct np_tcp_mark rst;     /* its first reset */
	/* Its first reset, and the first with another TTL than that one. */
	struct np_tcp_rst rst_at[2];
	struct np_tcp_unacked out;
};

/* Since the last idle gap (or the start when there was none). */
struct np_tcp_segment {
	int revived;                /* data sent after the gap was acknowledged */
	struct np_tcp_mark revived_at;
	uint8_t sent_data[2];       /* this side sent data since the gap */
	uint64_t pkts[2];
	struct np_tcp_rst rst;      /* first reset since the gap, before revival */
	struct np_tcp_mark fin;     /* first FIN since the gap, before revival, from a
				     * side that had sent no data since the gap, and
				     * closing first (the other side had sent no FIN) */
};

struct np_tcp_track {
	int64_t min_idle_ns;        /* a silence at least this long is an idle gap */
	uint64_t pkts;
	struct np_tcp_mark first, last;
	struct np_tcp_side side[2];
	/* The handshake: the first side to send a SYN, and its SYNs. */
	int syn_dir;                /* -1: no SYN seen */
	uint32_t syn_seq;
	unsigned n_syn;
	struct np_tcp_mark syn[NP_TCP_SYN_MARKS], last_syn;
	/* The silence before the latest packet, and the longest, idle or not. */
	int64_t last_gap_ns;
	int64_t max_gap_ns;
	struct np_tcp_mark max_gap_before, max_gap_after;
	/* Idle gaps: silences of min_idle_ns or more with nothing outstanding
	 * (no data, SYN or FIN unacknowledged: a retransmission timeout is a
	 * stall, not idleness), not ended by a retransmission, and in which
	 * the other side sent nothing the capture missed. */
	unsigned n_idle;
	int64_t idle_ns;            /* the last one */
	struct np_tcp_mark idle_before, idle_after;
	struct np_tcp_segment seg;
};

struct np_tcp_reset {
	struct np_tcp_mark mark;
	int dir;                    /* the side whose address it carries */
	int after_data;             /* data had been exchanged before it */
	int after_idle;             /* it ended an idle gap (before any revival) */
	enum np_ttl_match match;    /* against that side's own packets in the flow */
	int hops;                   /* its own hop distance, -1 when its TTL cannot be normalised */
	int side_hops_min, side_hops_max;   /* that side's own, -1 unknown */
	int side_ttl;               /* that side's latest TTL, -1 unknown */
	int64_t quiet_ns;           /* the silence before it, or before the packet it answered */
	int outstanding;            /* bit d: side d's data was unacknowledged */
	int established;
	int acks_all;               /* its acknowledgement field covers all the other side sent
				     * (what counts when the reset is that side's own) */
};

void np_tcp_track_init(struct np_tcp_track *t, int64_t min_idle_ns);
void np_tcp_track_add(struct np_tcp_track *t, const struct np_tcp_pkt *p);

/* The same tracker over a whole list (in capture order). */
void np_tcp_track_list(struct np_tcp_track *t, int64_t min_idle_ns,
		       const struct np_tcp_pkt *pkts, size_t n);

/* Payload bytes of a dissected TCP segment on the wire (IP length less
 * the headers); wirelen (0: unknown) sizes TSO/GRO super-packets. */
uint32_t np_tcp_seg_len(const struct np_packet *p, uint32_t wirelen);

/* A live flow's packet as a tracker packet: side 0 is this host. Returns
 * 0, or NP_EINVAL when it is not a TCP segment with its header. */
int np_tcp_pkt_from_flow(const struct np_flow_pkt *fp, struct np_tcp_pkt *out);

/* The questions the verdicts ask of a tracked flow. */

/* Data sent and retransmitted with no acknowledgement: the side (0/1)
 * with the most retransmissions of still-unacked data, or -1. With
 * after_gap set, only data first sent after the last idle gap counts. */
int np_tcp_unacked_retransmitted(const struct np_tcp_track *t, int after_gap,
				 struct np_tcp_unacked *out);

/* The first reset of the flow, or (with after_idle) the first one that
 * ended the last idle gap; 1 when there is one. */
int np_tcp_first_reset(const struct np_tcp_track *t, int after_idle, struct np_tcp_reset *out);

/* The resets kept (each side's first, and its first with another TTL),
 * in the order they came; returns how many (at most 4). */
size_t np_tcp_resets(const struct np_tcp_track *t, struct np_tcp_reset out[4]);

/* The first FIN from side dir (with after_idle: that ended the last idle
 * gap, before the connection was used again); 1 when there is one. */
int np_tcp_fin_from(const struct np_tcp_track *t, int dir, int after_idle, struct np_tcp_mark *out);

/* The longest silence between two packets of the flow, in ns (0 if fewer
 * than two packets); before/after may be NULL. */
int64_t np_tcp_largest_gap(const struct np_tcp_track *t, struct np_tcp_mark *before,
			   struct np_tcp_mark *after);

/* The side whose packets the capture does not hold at all although the
 * other side, in two packets or more, acknowledged some of them
 * (asymmetric routing, a tap or a filter on one direction), or -1.
 * Nothing about such a connection's silences, handshake or close can be
 * read from the side that is there. */
int np_tcp_one_sided(const struct np_tcp_track *t);

/* The handshake's state as seen: */
enum np_tcp_handshake {
	NP_HS_NONE = 0,             /* no SYN in the capture (it started mid-connection) */
	NP_HS_PENDING,              /* SYN(s), no answer yet */
	NP_HS_ANSWERED,             /* SYN-ACK from the other side */
	NP_HS_RESET,                /* reset from the other side before any SYN-ACK */
	NP_HS_UNSEEN,               /* no SYN-ACK captured, but the SYN's sender acknowledged
				     * one: the other direction is missing from the capture */
};
enum np_tcp_handshake np_tcp_handshake(const struct np_tcp_track *t);

#endif
