/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The TCP classifier from packets, fed packets recorded in a namespace lab
 * (fixtures/packets): who answered the SYN, from how far, and which frames
 * prove it. The recorded client is 198.18.1.2, one router (198.18.1.1)
 * away from the server 198.18.2.2. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "netprobe/classify_tcp.h"
#include "netprobe/verdict.h"

#include "fixture.h"

#define MAX_PKTS 16

struct flow {
	struct np_flow_pkt pkts[MAX_PKTS];
	const struct np_flow_pkt *ptrs[MAX_PKTS];
	size_t n;
	struct sockaddr_storage target;
	struct np_tcp_input in;
	struct np_ttl_probe series[NP_TTL_SERIES_MAX];
};

static void flow_init(struct flow *f, const char *target)
{
	memset(f, 0, sizeof(*f));
	if (strchr(target, ':')) {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&f->target;

		s->sin6_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, target, &s->sin6_addr), 1);
	} else {
		struct sockaddr_in *s = (struct sockaddr_in *)&f->target;

		s->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, target, &s->sin_addr), 1);
	}
	f->in.have_capture = 1;
	f->in.target = (struct sockaddr *)&f->target;
	f->in.t0_us = 1000000;
	f->in.obs.timeout_ms = 5000;
}

/* Append a recorded packet at time ms after t0; its frame is its position. */
static void add(struct flow *f, const char *name, double ms, int outgoing)
{
	struct fixture fx;
	struct np_flow_pkt *p = &f->pkts[f->n];

	load(name, &fx);
	assert_int_equal(dis(fx.dlt, fx.data, fx.len, fx.wirelen, &p->pkt), 0);
	p->frame = (uint32_t)f->n + 1;
	p->mono_us = f->in.t0_us + (int64_t)(ms * 1000);
	p->outgoing = outgoing;
	p->icmp = p->pkt.icmp_is_error;
	f->ptrs[f->n] = p;
	f->n++;
	f->in.pkts = f->ptrs;
	f->in.n_pkts = f->n;
}

static void series(struct flow *f, int ttl, enum np_series_outcome o, const char *from, uint32_t frame)
{
	f->series[ttl - 1].outcome = o;
	snprintf(f->series[ttl - 1].from, sizeof(f->series[0].from), "%s", from);
	f->series[ttl - 1].frame = frame;
	if (ttl > f->in.series_len)
		f->in.series_len = ttl;
	f->in.series = f->series;
}

static void classify(struct flow *f, struct np_tcp_result *r)
{
	np_tcp_classify_packets(&f->in, r);
	assert_non_null(np_verdict_get(r->verdict));
	assert_true(r->summary[0] != '\0');
}

static int has_frame(const struct np_tcp_result *r, uint32_t frame)
{
	for (size_t i = 0; i < r->n_ev; i++)
		if (r->ev[i].frame == frame)
			return 1;
	return 0;
}

static void synack_is_ok_and_places_the_target(void **state)
{
	struct flow f;
	struct np_tcp_result r;

	(void)state;
	flow_init(&f, "198.18.2.2");
	add(&f, "tcp4_syn", 0, 1);
	add(&f, "tcp4_synack", 0.25, 0);
	classify(&f, &r);
	assert_string_equal(r.verdict, "tcp.ok");
	assert_int_equal(r.reply_ttl, 63);
	assert_int_equal(r.target_ttl, 63);
	assert_int_equal(r.sender_hop, 2);
	assert_int_equal(r.decided_frame, 2);
	assert_true(has_frame(&r, 1) && has_frame(&r, 2));
	/* Times are on the wire: from the SYN's own stamp. */
	assert_true(r.decided_ms > 0.24 && r.decided_ms < 0.26);
	assert_false(r.needs_series);
}

static void reset_asks_for_the_ttl_series(void **state)
{
	struct flow f;
	struct np_tcp_result r;

	(void)state;
	flow_init(&f, "198.18.2.2");
	add(&f, "tcp4_syn", 0, 1);
	add(&f, "tcp4_rst", 0.1, 0);
	classify(&f, &r);
	assert_true(r.needs_series);
	/* TTL 63: one router back, so up to TTL 3 tells target from device. */
	assert_int_equal(r.series_max, 3);
	assert_int_equal(r.reply_ttl, 63);
}

static void reset_first_drawn_at_its_distance_is_the_target(void **state)
{
	struct flow f;
	struct np_tcp_result r;

	(void)state;
	flow_init(&f, "198.18.2.2");
	add(&f, "tcp4_syn", 0, 1);
	add(&f, "tcp4_rst", 0.1, 0);
	series(&f, 1, NP_SERIES_EXCEEDED, "198.18.1.1", 3);
	series(&f, 2, NP_SERIES_RESET, "198.18.2.2", 4);
	series(&f, 3, NP_SERIES_RESET, "198.18.2.2", 5);
	classify(&f, &r);
	assert_string_equal(r.verdict, "tcp.refused");
	assert_int_equal(r.sender_hop, 2);
	assert_int_equal(r.target_ttl, 63);
	assert_string_equal(r.sender, "198.18.2.2");
	assert_true(has_frame(&r, 2) && has_frame(&r, 4));
	assert_non_null(strstr(r.summary, "target itself"));
}

static void reset_drawn_only_past_its_hop_is_a_device(void **state)
{
	struct flow f;
	struct np_tcp_result r;

	(void)state;
	flow_init(&f, "198.18.2.2");
	add(&f, "tcp4_syn", 0, 1);
	add(&f, "tcp4_rst", 0.1, 0);
	/* The device at hop 2 answers TTL 2 with time exceeded (its TTL check
	 * runs before its filter) and resets only SYNs that pass it. */
	series(&f, 1, NP_SERIES_EXCEEDED, "198.18.1.1", 3);
	series(&f, 2, NP_SERIES_EXCEEDED, "198.18.7.7", 4);
	series(&f, 3, NP_SERIES_RESET, "198.18.2.2", 5);
	classify(&f, &r);
	assert_string_equal(r.verdict, "tcp.rejected");
	assert_int_equal(r.sender_hop, 2);
	assert_string_equal(r.sender, "198.18.7.7");
	assert_int_equal(r.target_ttl, -1);
	assert_true(has_frame(&r, 4) && has_frame(&r, 5));
	assert_non_null(strstr(r.summary, "by 198.18.7.7"));
}

static void reset_the_series_cannot_place_is_undetermined(void **state)
{
	struct flow f;
	struct np_tcp_result r;

	(void)state;
	flow_init(&f, "198.18.2.2");
	add(&f, "tcp4_syn", 0, 1);
	add(&f, "tcp4_rst", 0.1, 0);
	series(&f, 1, NP_SERIES_EXCEEDED, "198.18.1.1", 3);
	series(&f, 2, NP_SERIES_EXCEEDED, "198.18.7.7", 4);
	series(&f, 3, NP_SERIES_EXCEEDED, "198.18.8.8", 5);
	classify(&f, &r);
	assert_string_equal(r.verdict, "tcp.refused");
	assert_int_equal(r.sender_hop, -1);
	assert_string_equal(r.sender, "");
	assert_non_null(strstr(r.summary, "origin undetermined"));
}

static void icmp_prohibited_is_rejected_naming_its_sender(void **state)
{
	struct flow f;
	struct np_tcp_result r;

	(void)state;
	/* Seen from a target further away, the prohibition comes from a device. */
	flow_init(&f, "198.18.9.9");
	add(&f, "tcp4_syn", 0, 1);
	add(&f, "icmp4_admin_prohib", 0.2, 0);
	classify(&f, &r);
	assert_string_equal(r.verdict, "tcp.rejected");
	assert_string_equal(r.sender, "198.18.2.2");
	assert_int_equal(r.sender_hop, 2);
	assert_int_equal(r.decided_frame, 2);
	assert_non_null(strstr(r.summary, "administratively prohibited"));

	flow_init(&f, "2001:db8:9::9");
	add(&f, "tcp6_syn", 0, 1);
	add(&f, "icmp6_admin_prohib", 0.2, 0);
	classify(&f, &r);
	assert_string_equal(r.verdict, "tcp.rejected");
	assert_string_equal(r.sender, "2001:db8:2::2");
	assert_int_equal(r.sender_hop, 2);
}

static void port_unreachable_from_target_or_device(void **state)
{
	struct flow f;
	struct np_tcp_result r;

	(void)state;
	flow_init(&f, "198.18.2.2");
	add(&f, "tcp4_syn", 0, 1);
	add(&f, "icmp4_port_unreach", 0.2, 0);
	classify(&f, &r);
	assert_string_equal(r.verdict, "tcp.refused");
	assert_int_equal(r.target_ttl, 63);

	flow_init(&f, "198.18.9.9");
	add(&f, "tcp4_syn", 0, 1);
	add(&f, "icmp4_port_unreach", 0.2, 0);
	classify(&f, &r);
	assert_string_equal(r.verdict, "tcp.rejected");
	assert_int_equal(r.target_ttl, -1);
}

static void net_unreachable_names_the_router(void **state)
{
	struct flow f;
	struct np_tcp_result r;

	(void)state;
	flow_init(&f, "198.18.99.1");
	add(&f, "tcp4_syn", 0, 1);
	add(&f, "icmp4_net_unreach", 0.05, 0);
	classify(&f, &r);
	assert_string_equal(r.verdict, "tcp.unreachable");
	assert_string_equal(r.sender, "198.18.1.1");
	assert_int_equal(r.sender_hop, 1);
	assert_non_null(strstr(r.summary, "network unreachable"));
}

static void silence_is_filtered_with_the_syns_as_evidence(void **state)
{
	struct flow f;
	struct np_tcp_result r;

	(void)state;
	flow_init(&f, "198.18.2.2");
	add(&f, "tcp4_syn", 0, 1);
	add(&f, "tcp4_syn", 1000, 1);
	f.in.obs.timed_out = 1;
	f.in.obs.elapsed_ms = 2000;
	classify(&f, &r);
	assert_string_equal(r.verdict, "tcp.filtered");
	assert_int_equal(r.n_ev, 2);
	assert_non_null(strstr(r.ev[1].text, "retransmitted"));
	assert_int_equal(r.sender_hop, -1);
	assert_int_equal(r.reply_ttl, -1);
	assert_non_null(strstr(r.summary, "2 SYNs"));
}

static void the_first_answer_decides(void **state)
{
	struct flow f;
	struct np_tcp_result r;

	(void)state;
	flow_init(&f, "198.18.9.9");
	add(&f, "tcp4_syn", 0, 1);
	add(&f, "icmp4_admin_prohib", 0.2, 0);
	add(&f, "tcp4_rst", 0.3, 0);
	classify(&f, &r);
	assert_string_equal(r.verdict, "tcp.rejected");
	assert_int_equal(r.decided_frame, 2);
	assert_false(r.needs_series);
}

static void without_capture_the_socket_decides(void **state)
{
	struct flow f;
	struct np_tcp_result r;

	(void)state;
	flow_init(&f, "198.18.2.2");
	f.in.have_capture = 0;
	f.in.obs.err = ECONNREFUSED;
	f.in.obs.elapsed_ms = 0.4;
	classify(&f, &r);
	assert_string_equal(r.verdict, "tcp.refused");
	assert_int_equal(r.sender_hop, -1);
	assert_int_equal(r.n_ev, 0);
}

static void cut_segments_decide_nothing(void **state)
{
	struct flow f;
	struct np_tcp_result r;

	(void)state;
	flow_init(&f, "198.18.2.2");
	add(&f, "tcp4_syn", 0, 1);
	add(&f, "tcp4_rst", 0.1, 0);
	/* A capture cut before the flags: the reset is not known to be one. */
	f.pkts[1].pkt.tcp.has_ack_flags_win = 0;
	f.in.obs.timed_out = 1;
	f.in.obs.elapsed_ms = 5000;
	classify(&f, &r);
	assert_string_equal(r.verdict, "tcp.filtered");
	assert_false(r.needs_series);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(synack_is_ok_and_places_the_target),
		cmocka_unit_test(reset_asks_for_the_ttl_series),
		cmocka_unit_test(reset_first_drawn_at_its_distance_is_the_target),
		cmocka_unit_test(reset_drawn_only_past_its_hop_is_a_device),
		cmocka_unit_test(reset_the_series_cannot_place_is_undetermined),
		cmocka_unit_test(icmp_prohibited_is_rejected_naming_its_sender),
		cmocka_unit_test(port_unreachable_from_target_or_device),
		cmocka_unit_test(net_unreachable_names_the_router),
		cmocka_unit_test(silence_is_filtered_with_the_syns_as_evidence),
		cmocka_unit_test(the_first_answer_decides),
		cmocka_unit_test(without_capture_the_socket_decides),
		cmocka_unit_test(cut_segments_decide_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
