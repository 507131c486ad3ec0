/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_SYN_RESULT_H
#define NETPROBE_SYN_RESULT_H

/*
 * What a half-open sweep of one address found, port by port, and the
 * report of it: resets placed by their TTL class (the target's own, or a
 * device on the path answering for it), the ports tallied per state and
 * written as ranges, the devices that reject. Pure: states in, counts,
 * sets and text out; no I/O.
 */

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "classify_tcp.h"
#include "portset.h"

/* Distinct reset TTLs placed by a series of their own; resets of any
 * further TTL stay undecided (counted closed, as `tcp` does). */
#define NP_SYN_CLASSES_MAX 8
/* Distinct ICMP senders named; more are counted under the last. */
#define NP_SYN_SENDERS_MAX 16

enum np_syn_state {
	NP_SYN_PENDING = 0,   /* no answer (yet) */
	NP_SYN_OPEN,          /* SYN-ACK from the target */
	NP_SYN_RESET,         /* a reset: closed or rejected, by its class */
	NP_SYN_CLOSED,        /* the target's own reset or ICMP port unreachable */
	NP_SYN_REJECTED,      /* a reset from the path, ICMP prohibited, a port unreachable the target did not send */
	NP_SYN_UNREACHABLE,   /* ICMP net/host unreachable (or time exceeded: a loop) */
	NP_SYN_FILTERED,      /* no answer to any SYN */
};

/* The ports a sweep reports per state. */
enum np_syn_tally_state {
	NP_ST_OPEN, NP_ST_CLOSED, NP_ST_FILTERED, NP_ST_REJECTED, NP_ST_UNREACHABLE, NP_ST_COUNT
};

/* How the deciding answer came. */
enum np_syn_how {
	NP_SYN_HOW_NONE = 0, NP_SYN_HOW_SYNACK, NP_SYN_HOW_RESET, NP_SYN_HOW_PROHIBITED,
	NP_SYN_HOW_PORT_UNREACH, NP_SYN_HOW_UNREACH, NP_SYN_HOW_EXCEEDED,
};

struct np_syn_port {
	uint16_t port;
	uint8_t state;            /* enum np_syn_state */
	uint8_t tries;            /* SYNs sent */
	uint8_t how;              /* enum np_syn_how */
	uint8_t ttl;              /* TTL / hop limit of the deciding answer */
	uint8_t who;              /* reset: its class; ICMP: its sender (index) */
	uint32_t frame;           /* deciding answer, 0 when not kept */
	uint32_t retry_frame;     /* the retransmitted SYN, when kept */
	uint32_t rst_frame;       /* the reset answering a SYN-ACK, when kept */
	int64_t sent_us;          /* the last SYN, on the wire when captured */
	float rtt_ms;             /* SYN to answer, < 0 when unknown */
};

/* Resets of one TTL: who sends them, from a TTL-limited series to one of
 * their ports. */
struct np_syn_class {
	int ttl;
	size_t count;
	size_t rep;               /* index of the port the series goes to */
	int series_len;           /* 0: no series (yet) */
	int series_started, series_done;
	int64_t series_sent_us;
	struct np_ttl_probe series[NP_TTL_SERIES_MAX];
	uint32_t sent_frame[NP_TTL_SERIES_MAX];  /* the series' SYNs, kept */
	enum np_reset_origin origin;
	int tmin;
	int hop;                  /* the sender's hop */
	char device[48];          /* who sent it: the target, or the device named by time exceeded ("" unknown) */
	uint32_t frame;           /* a reset of the class, kept */
	size_t kept;
};

struct np_syn_sender {
	char addr[48];
	int ttl;
};

/* Place every class (with target_ttl, the TTL of the target's SYN-ACKs,
 * or -1) and turn each NP_SYN_RESET port into closed or rejected. A class
 * with the target's TTL is the target's own without a series; one whose
 * series is undecided is closed, or rejected when a SYN-ACK shows the
 * target at another distance. When a router answered some port with net
 * or host unreachable, the filtered ports become unreachable: the answer
 * is about the address. */
void np_syn_resolve(struct np_syn_port *ports, size_t n, struct np_syn_class *cls, size_t n_cls,
		    int target_ttl, const char *target);

/* Does this class still need its series (to say who sends its resets)? */
int np_syn_class_needs_series(const struct np_syn_class *c, int target_ttl);

struct np_syn_tally {
	size_t n[NP_ST_COUNT];
	struct np_portset set[NP_ST_COUNT];
	size_t ports;
	size_t pending;           /* not decided: the sweep was cut short */
	size_t unreachable_silent; /* unreachable by their address, no answer of their own */
};

/* Count the ports per state; undecided ones apart. */
void np_syn_tally(const struct np_syn_port *ports, size_t n, struct np_syn_tally *t);

/* "65535 ports in 1.38 s: 5 open (80, 86, 90, 443, 8080), 64525 closed,
 * 1001 filtered (81, 20000-20999), 3 rejected (82, 83, 85); 64530 reach
 * the target (open or closed), 1004 are blocked on the path". */
void np_syn_summary(const struct np_syn_tally *t, double secs, char *buf, size_t len);

/* The summary finding's port figures: open (a list of ports), counts,
 * <state>_ranges, reached_ranges and blocked_ranges. NULL on no memory. */
json_t *np_syn_tally_json(const struct np_syn_tally *t);

/* Who rejects what: [{sender, hop, answer, ports, count}], one entry per
 * device and kind of answer. */
json_t *np_syn_rejected_by(const struct np_syn_port *ports, size_t n, const struct np_syn_class *cls,
			   const struct np_syn_sender *senders);

const char *np_syn_how_name(enum np_syn_how how);
const char *np_syn_state_name(enum np_syn_tally_state s);

#endif
