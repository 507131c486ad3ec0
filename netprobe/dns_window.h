/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_DNS_WINDOW_H
#define NETPROBE_DNS_WINDOW_H

/*
 * How many queries one resolver may have in flight, and how long to wait
 * for an answer before asking again: the congestion control a DNS load
 * generator needs so that a resolver that starts losing queries is asked
 * less, not more.
 *
 * The window is TCP's shape (RFC 5681): slow start from a small window
 * (one more query per answer) up to the slow-start threshold, then one more
 * per window's worth of answers; a loss (a retransmission timer that fires)
 * halves it, at most once per window of queries, so one burst of losses is
 * one congestion event. --parallel is the ceiling, never exceeded.
 *
 * The retransmission timer is RFC 6298's: SRTT and RTTVAR from answers
 * that say which transmission they answer (Karn's rule; a caller that
 * cannot tell passes no sample), RTO = SRTT + max(G, 4 * RTTVAR), bounded,
 * doubled on each congestion event until a fresh sample arrives.
 *
 * Pure arithmetic: times are passed in, in microseconds.
 */

#include <stdint.h>

/* Bounds of the retransmission timer. RFC 6298 asks for a 1 s floor for
 * TCP over the Internet; a resolver's answers come from one server a few
 * ms away, and a lost query waiting a whole second is what made a 10,000
 * name run slow. 50 ms is still above any RTT where the first answer can
 * race its own retransmission, and a sample far above it raises the
 * timer at once. */
#define NP_DNSW_RTO_MIN_US   50000
#define NP_DNSW_RTO_MAX_US 5000000
#define NP_DNSW_RTO_INIT_US 500000  /* before any sample */
#define NP_DNSW_INIT_WINDOW 10      /* queries in flight before any answer */

struct np_dns_window {
	/* the window */
	unsigned max;               /* ceiling: --parallel */
	double cwnd;                /* may be fractional in congestion avoidance */
	double ssthresh;
	unsigned in_flight;
	uint64_t sent, answered, losses;   /* counters for the report */
	uint64_t recover_seq;       /* no second halving before this send number */
	unsigned max_in_flight;     /* the most ever in flight (proof of the bound) */
	/* the retransmission timer */
	int have_rtt;
	int64_t srtt_us, rttvar_us, rto_us;
	int backoff;                /* doublings since the last sample */
};

void np_dns_window_init(struct np_dns_window *w, unsigned max);

/* May one more query be sent now? */
int np_dns_window_can_send(const struct np_dns_window *w);

/* A query goes out (first transmission); returns its send number, which
 * np_dns_window_lost is given back. */
uint64_t np_dns_window_sent(struct np_dns_window *w);

/* It was answered (or ended otherwise: the caller gives up on it); rtt_us
 * < 0 when the answer gives no sample (it was retransmitted). */
void np_dns_window_answered(struct np_dns_window *w, int64_t rtt_us);

/* Its retransmission timer fired: a loss. The query stays in flight (it is
 * sent again); seq is its send number. */
void np_dns_window_lost(struct np_dns_window *w, uint64_t seq);

/* A query ends without an answer (given up): it leaves the window. */
void np_dns_window_gave_up(struct np_dns_window *w);

/* The current window (whole queries, at least 1, at most max). */
unsigned np_dns_window_size(const struct np_dns_window *w);

/* The current retransmission timeout. */
int64_t np_dns_window_rto(const struct np_dns_window *w);

#endif
