/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The in-flight window and retransmission timer of one resolver: RFC 5681's
 * window arithmetic and RFC 6298's timer (see dns_window.h). */
#include "dns_window.h"

/* Clock granularity G of RFC 6298 2.3: the loop's timers fire to the
 * millisecond. */
#define G_US 1000

static double cap(const struct np_dns_window *w, double v)
{
	if (v > (double)w->max)
		v = (double)w->max;
	if (v < 1.0)
		v = 1.0;
	return v;
}

void np_dns_window_init(struct np_dns_window *w, unsigned max)
{
	*w = (struct np_dns_window){0};
	w->max = max ? max : 1;
	w->cwnd = cap(w, NP_DNSW_INIT_WINDOW);
	/* No threshold until the first loss: slow start up to the ceiling. */
	w->ssthresh = (double)w->max;
	w->rto_us = NP_DNSW_RTO_INIT_US;
}

unsigned np_dns_window_size(const struct np_dns_window *w)
{
	return (unsigned)cap(w, w->cwnd);
}

int np_dns_window_can_send(const struct np_dns_window *w)
{
	return w->in_flight < np_dns_window_size(w);
}

uint64_t np_dns_window_sent(struct np_dns_window *w)
{
	w->in_flight++;
	if (w->in_flight > w->max_in_flight)
		w->max_in_flight = w->in_flight;
	return ++w->sent;
}

static int64_t bound_rto(int64_t v)
{
	if (v < NP_DNSW_RTO_MIN_US)
		return NP_DNSW_RTO_MIN_US;
	if (v > NP_DNSW_RTO_MAX_US)
		return NP_DNSW_RTO_MAX_US;
	return v;
}

/* RFC 6298 2.2 and 2.3, with alpha = 1/8 and beta = 1/4. */
static void rtt_sample(struct np_dns_window *w, int64_t r)
{
	int64_t var;

	if (!w->have_rtt) {
		w->srtt_us = r;
		w->rttvar_us = r / 2;
		w->have_rtt = 1;
	} else {
		int64_t d = w->srtt_us - r;

		if (d < 0)
			d = -d;
		w->rttvar_us = (3 * w->rttvar_us + d) / 4;
		w->srtt_us = (7 * w->srtt_us + r) / 8;
	}
	var = 4 * w->rttvar_us;
	w->rto_us = bound_rto(w->srtt_us + (var > G_US ? var : G_US));
	w->backoff = 0;
}

void np_dns_window_answered(struct np_dns_window *w, int64_t rtt_us)
{
	if (w->in_flight)
		w->in_flight--;
	w->answered++;
	/* Slow start: one more per answer; above the threshold, one more per
	 * window of answers (RFC 5681 3.1). */
	if (w->cwnd < w->ssthresh)
		w->cwnd += 1.0;
	else
		w->cwnd += 1.0 / w->cwnd;
	w->cwnd = cap(w, w->cwnd);
	if (rtt_us >= 0)
		rtt_sample(w, rtt_us);
}

void np_dns_window_lost(struct np_dns_window *w, uint64_t seq)
{
	w->losses++;
	/* Queries sent before the last halving were sent into the window that
	 * was already cut for this congestion: one event, one cut (the
	 * recovery point of RFC 6582). */
	if (seq <= w->recover_seq)
		return;
	w->cwnd = cap(w, w->cwnd / 2.0);
	w->ssthresh = w->cwnd > 2.0 ? w->cwnd : 2.0;
	w->recover_seq = w->sent;
	/* RFC 6298 5.5: back off the timer, until an unambiguous sample. */
	w->rto_us = bound_rto(w->rto_us * 2);
	w->backoff++;
}

void np_dns_window_gave_up(struct np_dns_window *w)
{
	if (w->in_flight)
		w->in_flight--;
}

int64_t np_dns_window_rto(const struct np_dns_window *w)
{
	return w->rto_us;
}
