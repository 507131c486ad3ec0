/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The TLS classifier's reading of the packets when the capture keeps only
 * the first bytes of each (its snap length): segment lengths come from the
 * IP header, never from what was captured. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <string.h>

#include "netprobe/classify_tls.h"

#define SNAP 80          /* bytes captured of each packet: headers and a few more */

/* One IPv4 TCP segment between 198.18.1.2:40000 and 198.19.4.2:443
 * carrying len payload bytes on the wire, dissected as a capture cut at
 * SNAP bytes gives it. */
static void seg(struct np_flow_pkt *fp, uint32_t frame, int out, uint8_t flags, uint32_t seq, uint32_t ack,
		size_t len)
{
	static const uint8_t us[4] = {198, 18, 1, 2}, peer[4] = {198, 19, 4, 2};
	uint8_t b[SNAP];
	size_t tot = 40 + len;

	memset(b, 0, sizeof(b));
	b[0] = 0x45;
	b[2] = (uint8_t)(tot >> 8);
	b[3] = (uint8_t)tot;
	b[8] = out ? 64 : 61;
	b[9] = IPPROTO_TCP;
	memcpy(b + 12, out ? us : peer, 4);
	memcpy(b + 16, out ? peer : us, 4);
	b[20] = out ? 0x9c : 0x01;          /* 40000 / 443 */
	b[21] = out ? 0x40 : 0xbb;
	b[22] = out ? 0x01 : 0x9c;
	b[23] = out ? 0xbb : 0x40;
	for (int i = 0; i < 4; i++) {
		b[24 + i] = (uint8_t)(seq >> (24 - 8 * i));
		b[28 + i] = (uint8_t)(ack >> (24 - 8 * i));
	}
	b[32] = 5 << 4;
	b[33] = flags;
	b[34] = 0xff;
	memset(fp, 0, sizeof(*fp));
	assert_int_equal(np_dissect(NP_DLT_RAW, b, tot < SNAP ? tot : SNAP, tot, &fp->pkt), 0);
	fp->frame = frame;
	fp->outgoing = out;
	fp->mono_us = frame * 1000;
}

/* A 517-byte ClientHello, captured cut, acknowledged only in part (its
 * first 300 bytes), then silence: the hello is not acknowledged, and the
 * evidence gives its real size. */
static void hello_cut_by_the_snap_length_keeps_its_size(void **state)
{
	struct np_flow_pkt p[5];
	const struct np_flow_pkt *pp[5];
	struct np_tls_facts facts;
	struct np_tls_input in;
	struct np_tls_result r;

	(void)state;
	seg(&p[0], 1, 1, NP_TCP_SYN, 999, 0, 0);
	seg(&p[1], 2, 0, NP_TCP_SYN | NP_TCP_ACK, 4999, 1000, 0);
	seg(&p[2], 3, 1, NP_TCP_ACK, 1000, 5000, 0);
	seg(&p[3], 4, 1, NP_TCP_ACK | NP_TCP_PSH, 1000, 5000, 517);
	seg(&p[4], 5, 0, NP_TCP_ACK, 5000, 1300, 0);
	assert_int_equal(p[3].pkt.status, NP_PKT_TRUNCATED);
	for (int i = 0; i < 5; i++)
		pp[i] = &p[i];
	memset(&facts, 0, sizeof(facts));
	memset(&in, 0, sizeof(in));
	in.facts = &facts;
	in.timed_out = 1;
	in.min_tls = 12;
	in.have_capture = 1;
	in.pkts = pp;
	in.n_pkts = 5;
	np_tls_classify(&in, &r);
	assert_string_equal(r.verdict, "tls.dropped_after_hello");
	assert_non_null(strstr(r.summary, "never acknowledged"));
	assert_int_equal(r.decided_frame, 4);
	assert_int_equal(r.n_ev, 2);
	assert_string_equal(r.ev[1].text, "our ClientHello (517 bytes)");

	/* Acknowledged whole: the answer is what is dropped. */
	seg(&p[4], 5, 0, NP_TCP_ACK, 5000, 1517, 0);
	np_tls_classify(&in, &r);
	assert_string_equal(r.verdict, "tls.dropped_after_hello");
	assert_non_null(strstr(r.summary, "was acknowledged"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hello_cut_by_the_snap_length_keeps_its_size),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
