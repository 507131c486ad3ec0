/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_CLASSIFY_TCP_H
#define NETPROBE_CLASSIFY_TCP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "flow.h"
#include "probe_tcp.h"

#define NP_TTL_SERIES_MAX 32
#define NP_TCP_EVIDENCE_MAX 12

/* What an ICMP/ICMPv6 message says about reaching a port. */
enum np_icmp_kind {
	NP_ICMP_NOT_ERROR,
	NP_ICMP_PROHIBITED,       /* admin prohibited: a firewall said no */
	NP_ICMP_PORT_UNREACH,
	NP_ICMP_UNREACH,          /* net/host/address unreachable */
	NP_ICMP_EXCEEDED,         /* time exceeded */
	NP_ICMP_IGNORED,          /* not about reachability (too big, ...) */
};

/* RFC 792 / RFC 1812 5.2.7.1 (v4 codes 9, 10, 13), RFC 4443 3.1 (v6 codes
 * 1, 5, 6 are policy). */
enum np_icmp_kind np_icmp_kind(const struct np_packet *p);
/* "administratively prohibited", "time exceeded", "host unreachable", ... */
const char *np_icmp_name(const struct np_packet *p);

/* What a TTL-limited connect of the series drew. */
enum np_series_outcome {
	NP_SERIES_NONE = 0,       /* nothing within its timeout */
	NP_SERIES_RESET,          /* a reset: the sender is at most this far */
	NP_SERIES_EXCEEDED,       /* ICMP time exceeded: names the hop */
	NP_SERIES_OTHER,          /* another ICMP error, or connected */
};

struct np_ttl_probe {
	enum np_series_outcome outcome;
	char from[48];            /* source of the answer */
	uint32_t frame;
	double time_ms;
};

/* Everything the TCP classifier looks at. Pure input: no I/O. */
struct np_tcp_input {
	struct np_tcp_obs obs;            /* the socket's word */
	int have_capture;
	const struct np_flow_pkt *const *pkts;  /* the flow's packets, in order */
	size_t n_pkts;
	int64_t t0_us;                    /* when connect() was called */
	const struct sockaddr *target;
	/* The TTL-limited series, once run: series[t] for t = 1..series_len. */
	int series_len;
	const struct np_ttl_probe *series;
};

struct np_tcp_result {
	const char *verdict;
	char summary[512];
	int reply_ttl;            /* -1: none */
	int target_ttl;           /* -1: target's own packets not seen */
	int sender_hop;           /* -1: undetermined */
	char sender[48];          /* "" when unknown */
	double decided_ms;        /* time of the deciding packet or event */
	int needs_series;         /* run the TTL series up to series_max */
	int series_max;
	int decided_frame;        /* 0 without packets */
	size_t n_ev;
	struct {
		uint32_t frame;
		double time_ms;
		char text[200];
	} ev[NP_TCP_EVIDENCE_MAX];
};

void np_tcp_classify_packets(const struct np_tcp_input *in, struct np_tcp_result *out);

/* Who sent a reset carrying the target's address. */
enum np_reset_origin {
	NP_RESET_UNDECIDED = 0,   /* the series does not fit either reading */
	NP_RESET_TARGET,          /* the end host itself: its port is closed */
	NP_RESET_PATH,            /* a device at hop np_ttl_hops(ttl) + 1 answers for it */
};

/* From a reset of TTL ttl and the TTL-limited SYNs sent to the same port
 * (series[t - 1]: what the SYN with TTL t drew, t = 1..len). *tmin gets
 * the smallest TTL that drew a reset, 0 when none did. */
enum np_reset_origin np_tcp_reset_origin(int ttl, const struct np_ttl_probe *series, int len, int *tmin);

/* Helpers for the TTL series: is this packet a decisive answer, and what. */
enum np_series_outcome np_tcp_series_outcome(const struct np_flow_pkt *p, char *from, size_t len);

#endif
