/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The per-resolver DNS window and retransmission timer: slow start to the
 * --parallel ceiling, one halving per congestion event, the RFC 6298 timer
 * with Karn's rule and back-off, and a simulated resolver that loses what
 * it gets beyond a capacity. Time is passed in: no sleeping. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "netprobe/dns_window.h"

static void starts_small_and_never_exceeds_the_ceiling(void **state)
{
	struct np_dns_window w;

	(void)state;
	np_dns_window_init(&w, 256);
	assert_int_equal(np_dns_window_size(&w), NP_DNSW_INIT_WINDOW);
	for (unsigned i = 0; i < NP_DNSW_INIT_WINDOW; i++) {
		assert_true(np_dns_window_can_send(&w));
		np_dns_window_sent(&w);
	}
	assert_false(np_dns_window_can_send(&w));
	/* slow start: one more per answer */
	np_dns_window_answered(&w, 1000);
	assert_int_equal(np_dns_window_size(&w), NP_DNSW_INIT_WINDOW + 1);
	assert_true(np_dns_window_can_send(&w));
	for (int i = 0; i < 1000; i++) {
		while (np_dns_window_can_send(&w))
			np_dns_window_sent(&w);
		np_dns_window_answered(&w, 1000);
	}
	assert_int_equal(np_dns_window_size(&w), 256);
	assert_int_equal(w.max_in_flight, 256);

	/* a ceiling below the initial window, and none at all */
	np_dns_window_init(&w, 3);
	assert_int_equal(np_dns_window_size(&w), 3);
	np_dns_window_init(&w, 0);
	assert_int_equal(np_dns_window_size(&w), 1);
}

static void one_halving_per_congestion_event(void **state)
{
	struct np_dns_window w;
	uint64_t seq[64];

	(void)state;
	np_dns_window_init(&w, 64);
	for (int i = 0; i < 200; i++) {
		np_dns_window_sent(&w);
		np_dns_window_answered(&w, 2000);
	}
	assert_int_equal(np_dns_window_size(&w), 64);
	for (int i = 0; i < 64; i++)
		seq[i] = np_dns_window_sent(&w);
	/* a burst: ten queries of the same window lost */
	for (int i = 0; i < 10; i++)
		np_dns_window_lost(&w, seq[i]);
	assert_int_equal(np_dns_window_size(&w), 32);
	assert_int_equal(w.losses, 10);
	/* already more in flight than the window: nothing more goes out */
	assert_false(np_dns_window_can_send(&w));
	for (int i = 0; i < 64; i++)
		np_dns_window_answered(&w, -1);
	/* above the threshold: one more per window of answers, not per answer */
	assert_int_equal(np_dns_window_size(&w), 33);
	/* a loss of a query sent after the cut is a new event */
	uint64_t s = np_dns_window_sent(&w);
	np_dns_window_lost(&w, s);
	assert_int_equal(np_dns_window_size(&w), 16);
	/* and it never goes below one */
	for (int i = 0; i < 20; i++)
		np_dns_window_lost(&w, np_dns_window_sent(&w));
	assert_int_equal(np_dns_window_size(&w), 1);
}

static void rto_follows_rfc6298(void **state)
{
	struct np_dns_window w;

	(void)state;
	np_dns_window_init(&w, 100);
	assert_int_equal(np_dns_window_rto(&w), NP_DNSW_RTO_INIT_US);
	/* first sample R: SRTT = R, RTTVAR = R/2, RTO = R + 4 RTTVAR */
	np_dns_window_sent(&w);
	np_dns_window_answered(&w, 200000);
	assert_int_equal(w.srtt_us, 200000);
	assert_int_equal(w.rttvar_us, 100000);
	assert_int_equal(np_dns_window_rto(&w), 600000);
	/* next: RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R|, SRTT = 7/8 SRTT + 1/8 R */
	np_dns_window_sent(&w);
	np_dns_window_answered(&w, 100000);
	assert_int_equal(w.rttvar_us, 100000);           /* (300000 + 100000) / 4 */
	assert_int_equal(w.srtt_us, 187500);             /* (1400000 + 100000) / 8 */
	assert_int_equal(np_dns_window_rto(&w), 587500);
	/* Karn: an answer to a retransmitted query is no sample */
	np_dns_window_sent(&w);
	np_dns_window_answered(&w, -1);
	assert_int_equal(np_dns_window_rto(&w), 587500);
	/* back-off doubles, bounded */
	for (int i = 0; i < 10; i++)
		np_dns_window_lost(&w, np_dns_window_sent(&w));
	assert_int_equal(np_dns_window_rto(&w), NP_DNSW_RTO_MAX_US);
	/* a fresh sample ends the back-off */
	np_dns_window_sent(&w);
	np_dns_window_answered(&w, 1000);
	assert_true(np_dns_window_rto(&w) < 2 * NP_DNSW_RTO_MAX_US / 3);
	/* a LAN resolver: a few hundred microseconds give the floor */
	np_dns_window_init(&w, 100);
	for (int i = 0; i < 20; i++) {
		np_dns_window_sent(&w);
		np_dns_window_answered(&w, 300);
	}
	assert_int_equal(np_dns_window_rto(&w), NP_DNSW_RTO_MIN_US);
}

/* A resolver that loses every query beyond `capacity` in flight (as the
 * lab's unbound does past about 100 from one socket): the window must
 * settle around it, the number lost stay a small share, and the ceiling
 * hold. Each tick: send what the window allows, then the resolver answers
 * what it kept and the lost ones time out. */
static void settles_below_a_lossy_resolver(void **state)
{
	struct np_dns_window w;
	const unsigned capacity = 100;
	uint64_t lost = 0, sent_total = 0;

	(void)state;
	np_dns_window_init(&w, 256);
	for (int tick = 0; tick < 400; tick++) {
		unsigned n = 0, kept;
		uint64_t seqs[256];

		while (np_dns_window_can_send(&w) && n < 256)
			seqs[n++] = np_dns_window_sent(&w);
		sent_total += n;
		kept = n < capacity ? n : capacity;
		for (unsigned i = 0; i < kept; i++)
			np_dns_window_answered(&w, 2000);
		for (unsigned i = kept; i < n; i++) {
			np_dns_window_lost(&w, seqs[i]);
			np_dns_window_gave_up(&w);
			lost++;
		}
		assert_int_equal(w.in_flight, 0);
		assert_true(w.max_in_flight <= 256);
	}
	/* the sawtooth stays between half the capacity and a little above it */
	assert_true(np_dns_window_size(&w) >= capacity / 2);
	assert_true(np_dns_window_size(&w) <= capacity + 2);
	/* losses are a small share of what was sent: under 2 % */
	assert_true(lost * 50 < sent_total);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(starts_small_and_never_exceeds_the_ceiling),
		cmocka_unit_test(one_halving_per_congestion_event),
		cmocka_unit_test(rto_follows_rfc6298),
		cmocka_unit_test(settles_below_a_lossy_resolver),
	};

	return cmocka_run_group_tests_name("dns_window", tests, NULL, NULL);
}
