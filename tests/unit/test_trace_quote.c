/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the quote in a hop's ICMP error says about a trace probe: which
 * header fields were rewritten before that hop, and which the quote does
 * not reach (unknown, never unchanged). Quotes are built here from a probe
 * header with the rewrite applied, and from packets recorded in a lab. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "netprobe/dissect.h"
#include "netprobe/error.h"
#include "netprobe/trace_quote.h"

#include "fixture.h"

#define QUOTE_ALL 0     /* quote the whole probe */

/* A SYN as netprobe sends it: 198.18.1.2:40000 -> 198.19.4.2:80. */
static struct np_trace_hdr syn4(void)
{
	struct np_trace_hdr h;

	memset(&h, 0, sizeof(h));
	h.family = AF_INET;
	h.proto = IPPROTO_TCP;
	inet_pton(AF_INET, "198.18.1.2", h.src);
	inet_pton(AF_INET, "198.19.4.2", h.dst);
	h.sport = 40000;
	h.dport = 80;
	h.ttl = 3;
	h.ip_id = 0x1234;
	h.seq = 0xdeadbeef;
	h.flags = NP_TCP_SYN;
	h.window = 64240;
	h.mss = 1460;
	h.wscale = 7;
	h.sack_perm = 1;
	h.ts = 1;
	h.tsval = 123456;
	return h;
}

static struct np_trace_hdr syn6(void)
{
	struct np_trace_hdr h = syn4();

	h.family = AF_INET6;
	memset(h.src, 0, sizeof(h.src));
	memset(h.dst, 0, sizeof(h.dst));
	inet_pton(AF_INET6, "2001:db8:1::2", h.src);
	inet_pton(AF_INET6, "2001:db8:4::2", h.dst);
	h.flow_label = 0x1f9f9;
	h.mss = 1440;
	return h;
}

static struct np_trace_hdr udp4(void)
{
	struct np_trace_hdr h = syn4();

	h.proto = IPPROTO_UDP;
	h.dport = 33434;
	h.udp_sum = 0x4242;
	assert_int_equal(np_trace_udp_fill(&h), 0);
	return h;
}

static void put16(uint8_t *b, unsigned v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static void put32(uint8_t *b, uint32_t v)
{
	put16(b, v >> 16);
	put16(b + 2, v & 0xffff);
}

/* The packet h as bytes (checksums left zero: the dissector does not read
 * them, except the UDP one, which is h's). */
static size_t packet(const struct np_trace_hdr *h, uint8_t *b)
{
	size_t ipl = h->family == AF_INET ? 20 : 40, l4;
	uint8_t *t = b + ipl;

	if (h->proto == IPPROTO_TCP) {
		size_t n = np_trace_tcp_options(h, t + 20, 40);

		memset(t, 0, 20);
		put16(t, h->sport);
		put16(t + 2, h->dport);
		put32(t + 4, h->seq);
		t[12] = (uint8_t)((20 + n) / 4 << 4);
		t[13] = h->flags;
		put16(t + 14, h->window);
		l4 = 20 + n;
	} else {
		put16(t, h->sport);
		put16(t + 2, h->dport);
		put16(t + 4, (unsigned)(8 + h->payload_len));
		put16(t + 6, h->udp_sum);
		memcpy(t + 8, h->payload, h->payload_len);
		l4 = 8 + h->payload_len;
	}
	memset(b, 0, ipl);
	if (h->family == AF_INET) {
		b[0] = 0x45;
		b[1] = h->tclass;
		put16(b + 2, (unsigned)(20 + l4));
		put16(b + 4, h->ip_id);
		b[6] = 0x40;
		b[8] = h->ttl;
		b[9] = (uint8_t)h->proto;
		memcpy(b + 12, h->src, 4);
		memcpy(b + 16, h->dst, 4);
	} else {
		put32(b, 6u << 28 | (uint32_t)h->tclass << 20 | h->flow_label);
		put16(b + 4, (unsigned)l4);
		b[6] = (uint8_t)h->proto;
		b[7] = h->ttl;
		memcpy(b + 8, h->src, 16);
		memcpy(b + 24, h->dst, 16);
	}
	return ipl + l4;
}

/* A router's ICMP/ICMPv6 time exceeded, from 198.18.3.2 / 2001:db8:3::2,
 * quoting seen whole or only its first l4_bytes transport bytes, as raw
 * IP, dissected. */
static void time_exceeded(const struct np_trace_hdr *seen, size_t l4_bytes, struct np_packet *p)
{
	uint8_t q[128], b[256];
	size_t ql = packet(seen, q), ipl = seen->family == AF_INET ? 20 : 40, len;

	if (l4_bytes != QUOTE_ALL)
		ql = ipl + l4_bytes;
	memset(b, 0, sizeof(b));
	if (seen->family == AF_INET) {
		b[0] = 0x45;
		put16(b + 2, (unsigned)(20 + 8 + ql));
		b[8] = 63;
		b[9] = IPPROTO_ICMP;
		inet_pton(AF_INET, "198.18.3.2", b + 12);
		memcpy(b + 16, seen->src, 4);
		b[20] = 11;
	} else {
		b[0] = 0x60;
		put16(b + 4, (unsigned)(8 + ql));
		b[6] = IPPROTO_ICMPV6;
		b[7] = 63;
		inet_pton(AF_INET6, "2001:db8:3::2", b + 8);
		memcpy(b + 24, seen->src, 16);
		b[40] = 3;
	}
	memcpy(b + ipl + 8, q, ql);
	len = ipl + 8 + ql;
	assert_int_equal(dis(NP_DLT_RAW, b, len, len, p), 0);
	assert_int_equal(p->status, NP_PKT_OK);
	assert_true(p->icmp_is_error && p->has_inner_ip);
}

static void diff_of(const struct np_trace_hdr *sent, const struct np_trace_hdr *seen, size_t l4_bytes,
		    struct np_trace_diff *d)
{
	struct np_packet p;

	time_exceeded(seen, l4_bytes, &p);
	assert_int_equal(np_trace_quote_diff(sent, &p, d), 0);
}

static void full_quote_unchanged(void **state)
{
	struct np_trace_hdr h = syn4();
	struct np_trace_diff d;

	(void)state;
	diff_of(&h, &h, QUOTE_ALL, &d);
	assert_int_equal(d.changed, 0);
	assert_int_equal(d.unknown, 0);
	assert_int_equal(d.mss, 1460);
	assert_int_equal(d.options, NP_TOPT_SACK_PERM | NP_TOPT_TS | NP_TOPT_WSCALE);
}

/* RFC 792: the IP header and 8 bytes. Ports and sequence number are
 * known; everything past them is unknown, and never reads as unchanged,
 * whatever happened to it. */
static void eight_bytes_leave_the_rest_unknown(void **state)
{
	struct np_trace_hdr h = syn4(), seen = syn4();
	struct np_trace_diff d;

	(void)state;
	seen.mss = 1200;
	seen.sack_perm = 0;
	diff_of(&h, &seen, 8, &d);
	assert_int_equal(d.unknown, NP_TF_TCP_MSS | NP_TF_TCP_OPTIONS);
	assert_int_equal(d.changed, 0);
	/* What the 8 bytes hold is still compared. */
	seen.sport = 40001;
	diff_of(&h, &seen, 8, &d);
	assert_int_equal(d.changed, NP_TF_SRC_PORT);
	assert_int_equal(d.unknown, NP_TF_TCP_MSS | NP_TF_TCP_OPTIONS);
	/* 4 bytes: the ports only. */
	diff_of(&h, &h, 4, &d);
	assert_int_equal(d.unknown, NP_TF_TCP_SEQ | NP_TF_TCP_MSS | NP_TF_TCP_OPTIONS);
	/* 20 bytes: the fixed header but not its options. */
	diff_of(&h, &h, 20, &d);
	assert_int_equal(d.unknown, NP_TF_TCP_MSS | NP_TF_TCP_OPTIONS);
}

static void mss_clamped(void **state)
{
	struct np_trace_hdr h = syn4(), seen = syn4();
	struct np_trace_diff d;
	char buf[64];

	(void)state;
	seen.mss = 1200;
	diff_of(&h, &seen, QUOTE_ALL, &d);
	assert_int_equal(d.changed, NP_TF_TCP_MSS);
	assert_int_equal(d.unknown, 0);
	assert_int_equal(d.mss, 1200);
	assert_string_equal(np_trace_diff_value(&h, &d, NP_TF_TCP_MSS, buf, sizeof(buf)), "1200");
	assert_string_equal(np_trace_sent_value(&h, NP_TF_TCP_MSS, buf, sizeof(buf)), "1460");
	/* An MSS option removed altogether. */
	seen.mss = -1;
	diff_of(&h, &seen, QUOTE_ALL, &d);
	assert_int_equal(d.changed, NP_TF_TCP_MSS);
	assert_string_equal(np_trace_diff_value(&h, &d, NP_TF_TCP_MSS, buf, sizeof(buf)), "none");
}

static void options_stripped(void **state)
{
	struct np_trace_hdr h = syn4(), seen = syn4();
	struct np_trace_diff d;
	char buf[64];

	(void)state;
	seen.sack_perm = 0;
	seen.ts = 0;
	diff_of(&h, &seen, QUOTE_ALL, &d);
	assert_int_equal(d.changed, NP_TF_TCP_OPTIONS);
	assert_int_equal(d.options, NP_TOPT_WSCALE);
	assert_string_equal(np_trace_diff_value(&h, &d, NP_TF_TCP_OPTIONS, buf, sizeof(buf)), "wscale 7");
	assert_string_equal(np_trace_sent_value(&h, NP_TF_TCP_OPTIONS, buf, sizeof(buf)),
			    "sack_perm,timestamps,wscale 7");
	/* Every option gone: a bare 20-byte header. */
	seen.mss = seen.wscale = -1;
	diff_of(&h, &seen, QUOTE_ALL, &d);
	assert_int_equal(d.changed, NP_TF_TCP_MSS | NP_TF_TCP_OPTIONS);
	assert_string_equal(np_trace_diff_value(&h, &d, NP_TF_TCP_OPTIONS, buf, sizeof(buf)), "none");
	/* A window scale rewritten, a timestamp rewritten. */
	seen = syn4();
	seen.wscale = 2;
	diff_of(&h, &seen, QUOTE_ALL, &d);
	assert_int_equal(d.changed, NP_TF_TCP_OPTIONS);
	seen = syn4();
	seen.tsval = 1;
	diff_of(&h, &seen, QUOTE_ALL, &d);
	assert_int_equal(d.changed, NP_TF_TCP_OPTIONS);
}

static void source_nat(void **state)
{
	struct np_trace_hdr h = syn4(), seen = syn4();
	struct np_trace_diff d;
	char buf[64];

	(void)state;
	inet_pton(AF_INET, "198.18.2.100", seen.src);
	seen.sport = 61000;
	diff_of(&h, &seen, 8, &d);
	assert_int_equal(d.changed, NP_TF_SRC_ADDR | NP_TF_SRC_PORT);
	assert_string_equal(np_trace_diff_value(&h, &d, NP_TF_SRC_ADDR, buf, sizeof(buf)), "198.18.2.100");
	assert_string_equal(np_trace_sent_value(&h, NP_TF_SRC_ADDR, buf, sizeof(buf)), "198.18.1.2");
	assert_string_equal(np_trace_diff_value(&h, &d, NP_TF_SRC_PORT, buf, sizeof(buf)), "61000");
}

static void dscp_and_ecn(void **state)
{
	struct np_trace_hdr h = syn4(), seen = syn4();
	struct np_trace_diff d;

	(void)state;
	seen.tclass = 10 << 2;          /* AF11 */
	diff_of(&h, &seen, 8, &d);
	assert_int_equal(d.changed, NP_TF_DSCP);
	assert_int_equal(d.dscp, 10);
	seen.tclass = 10 << 2 | 1;      /* and ECT(1) */
	diff_of(&h, &seen, 8, &d);
	assert_int_equal(d.changed, NP_TF_DSCP | NP_TF_ECN);
	assert_int_equal(d.ecn, 1);
	/* ECN bleached: sent ECT(0), quoted Not-ECT. */
	h.tclass = 2;
	seen.tclass = 0;
	diff_of(&h, &seen, QUOTE_ALL, &d);
	assert_int_equal(d.changed, NP_TF_ECN);
}

static void ipv6_quotes(void **state)
{
	struct np_trace_hdr h = syn6(), seen = syn6();
	struct np_trace_diff d;
	char buf[64];

	(void)state;
	diff_of(&h, &h, QUOTE_ALL, &d);
	assert_int_equal(d.changed, 0);
	assert_int_equal(d.unknown, 0);
	seen.mss = 1200;
	seen.tclass = 10 << 2;
	diff_of(&h, &seen, QUOTE_ALL, &d);
	assert_int_equal(d.changed, NP_TF_TCP_MSS | NP_TF_DSCP);
	diff_of(&h, &seen, 8, &d);
	assert_int_equal(d.changed, NP_TF_DSCP);
	assert_int_equal(d.unknown, NP_TF_TCP_MSS | NP_TF_TCP_OPTIONS);
	seen = syn6();
	inet_pton(AF_INET6, "2001:db8:2::64", seen.src);
	diff_of(&h, &seen, 8, &d);
	assert_int_equal(d.changed, NP_TF_SRC_ADDR);
	assert_string_equal(np_trace_diff_value(&h, &d, NP_TF_SRC_ADDR, buf, sizeof(buf)), "2001:db8:2::64");
}

/* Paris traceroute's UDP probes: the payload makes the checksum the
 * probe's number. It sits in the 8 bytes, so even a short quote shows a
 * rewrite of the addresses or ports through it (dublin-traceroute). */
static void udp_checksum_inside_eight_bytes(void **state)
{
	struct np_trace_hdr h = udp4(), seen;
	struct np_trace_diff d;

	(void)state;
	assert_int_equal(np_trace_udp_checksum(&h), 0x4242);
	diff_of(&h, &h, 8, &d);
	assert_int_equal(d.changed, 0);
	assert_int_equal(d.unknown, 0);
	/* A NAT rewrote the source and fixed the checksum. */
	seen = h;
	inet_pton(AF_INET, "198.18.2.100", seen.src);
	seen.udp_sum = np_trace_udp_checksum(&seen);
	diff_of(&h, &seen, 8, &d);
	assert_int_equal(d.changed, NP_TF_SRC_ADDR | NP_TF_UDP_CHECKSUM);
	assert_int_equal(d.unknown, 0);
	/* 4 bytes: no checksum. */
	diff_of(&h, &h, 4, &d);
	assert_int_equal(d.unknown, NP_TF_UDP_CHECKSUM);
}

static void udp_fill_hits_every_checksum(void **state)
{
	struct np_trace_hdr h = udp4(), h6;

	(void)state;
	for (unsigned c = 1; c < 0xffff; c += 97) {
		h.udp_sum = (uint16_t)c;
		assert_int_equal(np_trace_udp_fill(&h), 0);
		assert_int_equal(np_trace_udp_checksum(&h), c);
	}
	h6 = syn6();
	h6.proto = IPPROTO_UDP;
	h6.udp_sum = 0xfffe;
	assert_int_equal(np_trace_udp_fill(&h6), 0);
	assert_int_equal(np_trace_udp_checksum(&h6), 0xfffe);
	h.udp_sum = 0;
	assert_int_equal(np_trace_udp_fill(&h), NP_EINVAL);
	h.udp_sum = 0xffff;
	assert_int_equal(np_trace_udp_fill(&h), NP_EINVAL);
}

/* The option bytes are Linux's SYN layout, and read back as sent. */
static void syn_options_layout(void **state)
{
	static const uint8_t linux_syn[] = {
		2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 1, 0xe2, 0x40, 0, 0, 0, 0, 1, 3, 3, 7,
	};
	struct np_trace_hdr h = syn4();
	uint8_t o[40];

	(void)state;
	assert_int_equal(np_trace_tcp_options(&h, o, sizeof(o)), sizeof(linux_syn));
	assert_memory_equal(o, linux_syn, sizeof(linux_syn));
	assert_int_equal(np_trace_tcp_options(&h, o, 8), 0);
	h.ts = 0;
	assert_int_equal(np_trace_tcp_options(&h, o, sizeof(o)), 12);
	assert_memory_equal(o + 4, "\x01\x01\x04\x02", 4);
}

/* Not a quote of this probe: another protocol, another family, no error. */
static void foreign_quotes_are_refused(void **state)
{
	struct np_trace_hdr h = syn4(), u = udp4();
	struct np_trace_diff d;
	struct np_packet p;
	struct fixture fx;

	(void)state;
	time_exceeded(&u, 8, &p);
	assert_int_equal(np_trace_quote_diff(&h, &p, &d), NP_EINVAL);
	time_exceeded(&h, 8, &p);
	h.family = AF_INET6;
	assert_int_equal(np_trace_quote_diff(&h, &p, &d), NP_EINVAL);
	load("tcp4_syn", &fx);
	assert_int_equal(dis(fx.dlt, fx.data, fx.len, fx.wirelen, &p), 0);
	assert_int_equal(np_trace_quote_diff(&h, &p, &d), NP_EINVAL);
}

/* Recorded in a lab: a Linux router's time exceeded quotes the whole
 * SYN; compared with the SYN that was sent, nothing changed. */
static void recorded_router_quotes(void **state)
{
	struct np_trace_hdr h = syn4();
	struct np_trace_diff d;
	struct np_packet p;
	struct fixture fx;

	(void)state;
	load("icmp4_time_exceeded", &fx);
	assert_int_equal(dis(fx.dlt, fx.data, fx.len, fx.wirelen, &p), 0);
	inet_pton(AF_INET, "198.18.2.2", h.dst);
	h.sport = 0xee1c;
	h.seq = 0xee406e05;
	h.wscale = 10;
	h.tsval = 0x0f1992e7;
	assert_int_equal(np_trace_quote_diff(&h, &p, &d), 0);
	assert_int_equal(d.unknown, 0);
	assert_int_equal(d.changed, 0);

	h = syn6();
	load("icmp6_time_exceeded", &fx);
	assert_int_equal(dis(fx.dlt, fx.data, fx.len, fx.wirelen, &p), 0);
	inet_pton(AF_INET6, "2001:db8:2::2", h.dst);
	h.sport = 0xe684;
	h.seq = 0xb07bed74;
	h.mss = 1440;
	h.wscale = 10;
	h.tsval = 0x40c05279;
	assert_int_equal(np_trace_quote_diff(&h, &p, &d), 0);
	assert_int_equal(d.unknown, 0);
	assert_int_equal(d.changed, 0);
	/* Sent with another MSS: the quote shows the one it saw. */
	h.mss = 1460;
	assert_int_equal(np_trace_quote_diff(&h, &p, &d), 0);
	assert_int_equal(d.changed, NP_TF_TCP_MSS);
}

static void field_names(void **state)
{
	(void)state;
	assert_string_equal(np_trace_field_name(NP_TF_SRC_ADDR), "source_address");
	assert_string_equal(np_trace_field_name(NP_TF_TCP_MSS), "tcp_mss");
	assert_string_equal(np_trace_field_name(NP_TF_UDP_CHECKSUM), "udp_checksum");
	assert_null(np_trace_field_name(0));
	assert_null(np_trace_field_name(NP_TF_SRC_ADDR | NP_TF_SRC_PORT));
	for (unsigned b = 0; b < NP_TF_COUNT; b++)
		assert_non_null(np_trace_field_name(1u << b));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(full_quote_unchanged),
		cmocka_unit_test(eight_bytes_leave_the_rest_unknown),
		cmocka_unit_test(mss_clamped),
		cmocka_unit_test(options_stripped),
		cmocka_unit_test(source_nat),
		cmocka_unit_test(dscp_and_ecn),
		cmocka_unit_test(ipv6_quotes),
		cmocka_unit_test(udp_checksum_inside_eight_bytes),
		cmocka_unit_test(udp_fill_hits_every_checksum),
		cmocka_unit_test(syn_options_layout),
		cmocka_unit_test(foreign_quotes_are_refused),
		cmocka_unit_test(recorded_router_quotes),
		cmocka_unit_test(field_names),
	};

	return cmocka_run_group_tests_name("trace_quote", tests, NULL, NULL);
}
