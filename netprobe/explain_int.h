/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_EXPLAIN_INT_H
#define NETPROBE_EXPLAIN_INT_H

/*
 * What the two halves of netprobe explain share; not for other modules.
 * explain.c reads frames into the connection table and finishes its
 * connections; explain_findings.c says what a finished connection, its
 * handshake or an ICMP error about it means, as findings.
 */

#include <stddef.h>
#include <stdint.h>

#include "explain.h"
#include "explain_tls.h"
#include "finding.h"
#include "tcp_events.h"

struct np_capfile;

/* A connection's 5-tuple in canonical order: side 0 is the lower
 * (address, port), so both directions find the same entry. */
struct np_explain_key {
	uint8_t addr[2][16];
	uint16_t port[2];
	uint8_t family;
	uint8_t pad[3];
};

/* The ICMP errors that say something about reachability (RFC 792, RFC 1812
 * 5.2.7.1, RFC 4443 3.1), as the live tcp classifier reads them. */
enum np_explain_icmp_kind {
	NP_EXPLAIN_ICMP_OTHER = 0,          /* not about reachability (too big, ...) */
	NP_EXPLAIN_ICMP_PROHIBITED,         /* a filter said no */
	NP_EXPLAIN_ICMP_PORT_UNREACH,
	NP_EXPLAIN_ICMP_UNREACH,            /* net/host/address unreachable */
	NP_EXPLAIN_ICMP_EXCEEDED,           /* time exceeded */
};

struct np_explain_icmp {
	struct np_tcp_mark mark;    /* the ICMP packet itself: frame, time, TTL */
	uint8_t kind, type, code, v6;
	uint8_t quoted_dir;         /* the side whose packet it quotes */
	uint8_t from[16];           /* its sender */
};

struct np_explain_flow {
	struct np_explain_flow *hnext;              /* hash chain */
	struct np_explain_flow *prev, *next;        /* the open or the closed list, least recent first */
	struct np_explain_key key;
	uint8_t closed;
	uint8_t has_icmp;
	/* What it says, decided when it was finished (enum
	 * np_explain_outcome), and for a reset verdict which reset
	 * (np_tcp_resets' order) and how its TTL compared. */
	uint8_t outcome;
	uint8_t rst_pick;
	uint8_t rst_match;                          /* enum np_ttl_match */
	uint8_t rst_elsewhere;                      /* decided by the address's other connections */
	uint8_t outbound;                           /* bit d: side d sent a packet the capture flagged
						     * outbound (pcapng epb_flags) */
	uint64_t bytes[2];                          /* TCP payload bytes side d sent (on the wire,
						     * retransmissions included) */
	/* the first segment of side d in which its TLS walk lost a record
	 * header to the snapshot length: bytes kept of its payload, and on
	 * the wire (tls.cut says whether the walk is still lost) */
	uint64_t cut_frame[2];
	uint32_t cut_kept[2], cut_len[2];
	int64_t last_ns;
	struct np_explain_icmp icmp;
	struct np_explain_tls tls;                  /* zeroed with the fields above it */
	struct np_tcp_track trk;
};

struct np_explain_list {
	struct np_explain_flow *head, *tail;
};

/* What the capture shows of one address's own packets: the hop distances
 * a reset carrying that address is compared with. */
struct np_explain_host {
	uint8_t used, family;
	struct np_ttl_ref ref;
	uint8_t addr[16];
};

/* What a finished connection says: one finding of its kind, or none. */
enum np_explain_outcome {
	NP_EXPLAIN_OUT_NONE = 0,
	NP_EXPLAIN_OUT_ICMP,                /* an ICMP error about it */
	NP_EXPLAIN_OUT_FILTERED,            /* SYNs, no answer */
	NP_EXPLAIN_OUT_HS_RESET,            /* SYN answered by a reset */
	NP_EXPLAIN_OUT_IDLE_RESET,          /* reset after an idle gap */
	NP_EXPLAIN_OUT_IDLE_FIN,            /* FIN after an idle gap */
	NP_EXPLAIN_OUT_IDLE_DROPPED,        /* data after an idle gap, retransmitted, never acked */
	NP_EXPLAIN_OUT_TLS_ALERT,           /* a TLS alert that ended it (explain_tls.c) */
	NP_EXPLAIN_OUT_RST_PATH,            /* a reset whose TTL is not that of the end it claims */
	NP_EXPLAIN_OUT_RST_PEER,            /* reset by an end itself with data unacknowledged */
	NP_EXPLAIN_OUT_RST,                 /* the same, origin undecidable */
	NP_EXPLAIN_OUT_RTX_TIMEOUT,         /* data retransmitted, never acked, until the end */
	NP_EXPLAIN_OUT_N
};

/* Connections seen in one direction only named as evidence. */
#define NP_EXPLAIN_ONE_SIDED_EX 4

struct np_explain_one_sided {
	struct np_explain_key key;
	struct np_tcp_mark mark;    /* the first packet acknowledging unseen ones */
	uint8_t missing;            /* the side not captured */
};

/* How a connection ended, for the connection table. */
enum np_explain_end {
	NP_EXPLAIN_END_OPEN = 0,            /* nothing ended it in the capture */
	NP_EXPLAIN_END_FIN,                 /* FINs both ways */
	NP_EXPLAIN_END_HALF,                /* one end's FIN only */
	NP_EXPLAIN_END_RESET,               /* an end's own reset (by: that end) */
	NP_EXPLAIN_END_RESET_PATH,          /* a reset a device on the path sent */
	NP_EXPLAIN_END_TIMEOUT,             /* retransmitted or SYNs sent, never answered */
	NP_EXPLAIN_END_REFUSED,             /* a reset answered the SYN */
	NP_EXPLAIN_END_ICMP,                /* an ICMP error about it */
};

/* One row of the connection table: kept for every connection finished
 * while the table is asked for, up to max_connections. */
struct np_explain_conn {
	struct np_explain_key key;
	struct np_tcp_mark first, last;
	int64_t max_gap_ns;
	uint64_t bytes[2], pkts[2];
	uint8_t client, known, end, end_by;     /* end_by: a side, or 2 when none */
	uint8_t outcome;                        /* enum np_explain_outcome */
};

struct np_explain {
	int64_t min_idle_ns, linger_ns;
	size_t max_flows, max_findings;
	/* the file, when reading one */
	struct np_capfile *pf;
	/* packet ids seen lately (pktmon logs one packet once per component
	 * it crosses, each copy with the same id): a copy is folded */
	uint64_t recent_ids[64];
	unsigned n_ids, next_id;
	/* without packet ids: the last packets' bytes (a hash of them from
	 * the IP header on), interface and time, for copies of one packet
	 * logged on several interfaces (explain.c, fold_copy) */
	struct np_explain_seen {
		uint64_t hash;
		int64_t t_ns;
		uint32_t len, iface;
	} recent[64];
	unsigned n_recent, next_recent;
	uint64_t copies_folded, not_packets, other_link;
	int other_dlt;              /* the first link type not read, -1 none */
	/* the file was written by a Windows tool (pktmon's packet ids,
	 * netsh's PID= comments): the end whose packets it flags outbound
	 * is that Windows host */
	int windows_tool;
	int cur_dir;                /* the current record's enum np_capfile_dir */
	char *name;
	/* frames */
	uint64_t frame;
	int64_t t0_ns, now_ns;
	int have_t0;
	/* connections being followed */
	struct np_explain_flow **buckets;
	size_t n_buckets, n_flows;
	struct np_explain_list open, closed;
	struct np_explain_host *hosts;
	size_t n_hosts, cap_hosts;
	/* finished connections with something to say */
	struct np_explain_flow *out;
	size_t n_out, cap_out;
	size_t n_kind[NP_EXPLAIN_OUT_N];    /* kept, per enum np_explain_outcome */
	struct np_explain_one_sided one_sided[NP_EXPLAIN_ONE_SIDED_EX];
	struct np_explain_flow *spare;      /* finished entries for reuse (chained by hnext) */
	size_t n_spare;
	/* the connection table */
	int want_conns;
	size_t max_conns;
	struct np_explain_conn *conns;
	size_t n_conns, cap_conns;
	uint64_t conns_unlisted;
	struct np_explain_stats st;
	int err;
	int finished;
};

/* explain.c: the hop distances the capture shows for an address's own
 * packets in every connection finished so far; NULL when none. */
const struct np_explain_host *np_explain_host_get(const struct np_explain *e, int family,
						  const uint8_t *addr);

/* explain_findings.c: what a finished connection says; a reset verdict
 * notes its reset in f. A reset's origin may be decided by the address's
 * packets in the connections finished before this one. */
enum np_explain_outcome np_explain_outcome(const struct np_explain *e, struct np_explain_flow *f);

/* explain_findings.c: counts what a finished connection adds to the
 * capture's figures (seen in one direction only, closed by a plain reset). */
void np_explain_tally(struct np_explain *e, const struct np_explain_flow *f,
		      enum np_explain_outcome oc);

/* explain_findings.c: a reset's TTL against the end it claims: that end's
 * own packets in this connection, else (none, or none comparable) that
 * address's packets in the connections finished so far (*elsewhere set).
 * *ref: the TTLs it was measured against. */
enum np_ttl_match np_explain_reset_match(const struct np_explain *e, const struct np_explain_flow *f,
					 const struct np_tcp_reset *r, const struct np_ttl_ref **ref,
					 int *elsewhere);

/* Who is who in a finished connection, for a finding's words. */
struct np_explain_names {
	const char *target;         /* "CLIENT:PORT -> SERVER:PORT" */
	const char *saddr;          /* the server's address */
	int client;                 /* the client's side */
	int known;                  /* told by a SYN or a SYN-ACK (else: the higher port) */
};

/* explain_ends.c: how an established connection ended outside an idle
 * gap: a reset from the path, an end's reset with data unacknowledged, or
 * data retransmitted until the sender gave up. NP_EXPLAIN_OUT_NONE when it
 * ended otherwise; a reset verdict notes its reset in f. */
enum np_explain_outcome np_explain_end_outcome(const struct np_explain *e, struct np_explain_flow *f);

/* explain_ends.c: the finding of a connection whose outcome is one of
 * explain_ends.c's; NULL when memory runs out. */
struct np_finding *np_explain_end_finding(struct np_explain *e, const struct np_explain_flow *x,
					  const struct np_explain_names *nm);

/* explain_findings.c: once every connection is finished, their findings
 * (e->out) in the order the connections began, then explain.clean when
 * there were none and the file was read whole (!np_explain_partial).
 * NP_ENOMEM when memory runs out. */
int np_explain_add_findings(struct np_explain *e, struct np_report *r);

/* explain_windows.c: what the application on a connection's Windows end
 * saw (the Winsock error) and, when its packets follow them, Windows's
 * retransmission and SYN-retry schedules, added to finding f's summary
 * and metrics. An end is Windows when its own packets start at TTL 128,
 * or when a Windows tool (pktmon, netsh) captured on it. Nothing is added
 * when no end is known to be Windows. 0 or NP_ENOMEM. */
int np_explain_windows_note(const struct np_explain *e, const struct np_explain_flow *x,
			    const struct np_explain_names *nm, struct np_finding *f);

/* explain_findings.c: the client's side (the SYN's sender, else the one
 * a SYN-ACK went to, else the higher port: *known 0). */
int np_explain_client_side(const struct np_explain_flow *f, int *known);

/* explain_conns.c: a finished connection's row (when the table is
 * asked for); its outcome is decided. NP_ENOMEM or 0. */
int np_explain_conn_note(struct np_explain *e, const struct np_explain_flow *f);

/* explain_conns.c: the table as r->connections, in the order the
 * connections began. NP_ENOMEM or 0. */
int np_explain_conns_report(struct np_explain *e, struct np_report *r);

/* explain.c: 1 when the reading stopped early or frames were left out
 * (explain.partial says which, after the other findings). */
int np_explain_partial(const struct np_explain *e);

/* explain.c, for explain_file.c: a record whose time cannot be held (it
 * takes its number, nothing else of it is used); a dissected packet whose
 * number and time np_explain_skip() has already counted. */
void np_explain_bad_time(struct np_explain *e);
int np_explain_packet(struct np_explain *e, const struct np_packet *p, const uint8_t *data, uint32_t wirelen);

#endif
