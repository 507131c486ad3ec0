/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The packet dissector, fed packets recorded in a namespace lab
 * (fixtures/packets/, see its README) and variants made from them: VLAN
 * tags, short ICMP quotes, IPv6 extension header chains, bad TCP options,
 * bad lengths, and every prefix of every recorded packet. Expected values
 * were cross-checked against tcpdump -vvv on the same bytes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "netprobe/dissect.h"
#include "netprobe/error.h"

#define SLL2_LEN 20     /* the recorded LINUX_SLL2 header before the IP header */

#include "fixture.h"

static void dissect(const struct fixture *f, struct np_packet *p)
{
	assert_int_equal(dis(f->dlt, f->data, f->len, f->wirelen, p), 0);
}

static void dissect_ok(const struct fixture *f, struct np_packet *p)
{
	dissect(f, p);
	if (p->status != NP_PKT_OK)
		fail_msg("%s: status %d (%s)", f->name, p->status, p->reason);
	assert_null(p->reason);
}

static void expect_status(const struct np_packet *p, int status, const char *reason)
{
	if (p->status != status || !p->reason || strcmp(p->reason, reason) != 0)
		fail_msg("status %d (%s), want %d (%s)", p->status, p->reason ? p->reason : "NULL",
			 status, reason);
}

static void assert_addr(const uint8_t *got, int family, const char *want)
{
	uint8_t a[16];
	char buf[INET6_ADDRSTRLEN];

	assert_int_equal(inet_pton(family, want, a), 1);
	if (memcmp(got, a, family == AF_INET ? 4 : 16) != 0)
		fail_msg("address %s, want %s", inet_ntop(family, got, buf, sizeof(buf)), want);
}

static void put16(uint8_t *b, unsigned v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

/* The same Linux SYN, as three captures saw it (SLL2, SLL, Ethernet). */
static void check_recorded_syn4(const struct np_packet *p)
{
	assert_int_equal(p->ethertype, 0x0800);
	assert_true(p->has_ip);
	assert_int_equal(p->ip.family, AF_INET);
	assert_addr(p->ip.src, AF_INET, "198.18.1.2");
	assert_addr(p->ip.dst, AF_INET, "198.18.2.2");
	assert_int_equal(p->ip.ttl, 64);
	assert_int_equal(p->ip.tclass, 0);
	assert_int_equal(p->ip.id, 64411);
	assert_int_equal(p->ip.tot_len, 60);
	assert_true(p->ip.df);
	assert_false(p->ip.mf);
	assert_false(p->ip.is_fragment);
	assert_int_equal(p->ip.proto, IPPROTO_TCP);
	assert_int_equal(p->ip.hdr_len, 20);
	assert_int_equal(p->l4, IPPROTO_TCP);
	assert_int_equal(p->l4_off, p->l3_off + 20);
	assert_int_equal(p->tcp.sport, 58534);
	assert_int_equal(p->tcp.dport, 80);
	assert_int_equal(p->tcp.seq, 3903796509u);
	assert_int_equal(p->tcp.ack, 0);
	assert_int_equal(p->tcp.flags, NP_TCP_SYN);
	assert_int_equal(p->tcp.window, 64240);
	assert_int_equal(p->tcp.checksum, 0x8f57);
	assert_int_equal(p->tcp.hdr_len, 40);
	assert_true(p->tcp.has_ports && p->tcp.has_seq && p->tcp.has_ack_flags_win);
	assert_true(p->tcp.has_options);
	assert_false(p->tcp.options_malformed);
	assert_int_equal(p->tcp.mss, 1460);
	assert_int_equal(p->tcp.wscale, 10);
	assert_true(p->tcp.sack_perm);
	assert_int_equal(p->tcp.sack_blocks, 0);
	assert_true(p->tcp.has_ts);
	assert_int_equal(p->tcp.tsval, 4073914387u);
	assert_int_equal(p->tcp.tsecr, 0);
	assert_int_equal(p->payload_off, p->l4_off + 40);
	assert_int_equal(p->payload_len, 0);
	assert_int_equal(p->icmp_type, -1);
	assert_false(p->has_inner_ip);
}

static void tcp4_syn_in_three_link_types(void **state)
{
	struct fixture f;
	struct np_packet p;

	(void)state;
	load("tcp4_syn", &f);
	dissect_ok(&f, &p);
	assert_int_equal(p.dlt, NP_DLT_LINUX_SLL2);
	assert_int_equal(p.sll_pkttype, NP_PKTTYPE_OUTGOING);
	assert_true(p.ifindex > 0);
	assert_int_equal(p.l3_off, 20);
	assert_int_equal(p.n_vlan, 0);
	check_recorded_syn4(&p);

	load("sll_tcp4_syn", &f);
	dissect_ok(&f, &p);
	assert_int_equal(p.dlt, NP_DLT_LINUX_SLL);
	assert_int_equal(p.sll_pkttype, NP_PKTTYPE_OUTGOING);
	assert_int_equal(p.ifindex, -1);
	assert_int_equal(p.l3_off, 16);
	check_recorded_syn4(&p);

	load("eth_tcp4_syn", &f);
	dissect_ok(&f, &p);
	assert_int_equal(p.dlt, NP_DLT_EN10MB);
	assert_int_equal(p.sll_pkttype, -1);
	assert_int_equal(p.ifindex, -1);
	assert_int_equal(p.l3_off, 14);
	check_recorded_syn4(&p);
}

static void tcp6_syn_and_synack(void **state)
{
	struct fixture f;
	struct np_packet p;

	(void)state;
	load("tcp6_syn", &f);
	dissect_ok(&f, &p);
	assert_int_equal(p.ethertype, 0x86dd);
	assert_int_equal(p.sll_pkttype, NP_PKTTYPE_OUTGOING);
	assert_int_equal(p.ip.family, AF_INET6);
	assert_addr(p.ip.src, AF_INET6, "2001:db8:1::2");
	assert_addr(p.ip.dst, AF_INET6, "2001:db8:2::2");
	assert_int_equal(p.ip.flow_label, 0xa4b69);
	assert_int_equal(p.ip.ttl, 64);
	assert_int_equal(p.ip.tclass, 0);
	assert_int_equal(p.ip.tot_len, 80);
	assert_int_equal(p.ip.n_ext, 0);
	assert_int_equal(p.ip.hdr_len, 40);
	assert_int_equal(p.l4, IPPROTO_TCP);
	assert_int_equal(p.tcp.sport, 40436);
	assert_int_equal(p.tcp.dport, 80);
	assert_int_equal(p.tcp.seq, 2424453383u);
	assert_int_equal(p.tcp.flags, NP_TCP_SYN);
	assert_int_equal(p.tcp.window, 64800);
	assert_int_equal(p.tcp.mss, 1440);
	assert_int_equal(p.tcp.wscale, 10);
	assert_true(p.tcp.sack_perm);
	assert_true(p.tcp.has_ts);
	assert_int_equal(p.tcp.tsval, 2148751381u);

	load("tcp6_synack", &f);
	dissect_ok(&f, &p);
	assert_int_equal(p.sll_pkttype, NP_PKTTYPE_HOST);
	assert_int_equal(p.ip.ttl, 63);
	assert_int_equal(p.tcp.sport, 80);
	assert_int_equal(p.tcp.dport, 40436);
	assert_int_equal(p.tcp.flags, NP_TCP_SYN | NP_TCP_ACK);
	assert_int_equal(p.tcp.ack, 2424453384u);
	assert_int_equal(p.tcp.mss, 1220);     /* the server's 1280-byte link */
	assert_int_equal(p.tcp.tsecr, 2148751381u);

	/* The same SYN-ACK on the client's veth. */
	load("eth_tcp6_synack", &f);
	dissect_ok(&f, &p);
	assert_int_equal(p.l3_off, 14);
	assert_int_equal(p.tcp.ack, 2424453384u);
	assert_int_equal(p.tcp.mss, 1220);
}

static void tcp4_synack_rst_and_data(void **state)
{
	struct fixture f;
	struct np_packet p;
	char flags[NP_TCP_FLAGS_STRLEN];

	(void)state;
	load("tcp4_synack", &f);
	dissect_ok(&f, &p);
	assert_int_equal(p.sll_pkttype, NP_PKTTYPE_HOST);
	assert_int_equal(p.ip.ttl, 63);
	assert_int_equal(p.ip.id, 0);
	assert_int_equal(p.tcp.flags, NP_TCP_SYN | NP_TCP_ACK);
	assert_string_equal(np_tcp_flags_str(p.tcp.flags, flags, sizeof(flags)), "SYN,ACK");
	assert_int_equal(p.tcp.seq, 2644633336u);
	assert_int_equal(p.tcp.ack, 3903796510u);
	assert_int_equal(p.tcp.window, 65084);
	assert_int_equal(p.tcp.mss, 1240);
	assert_int_equal(p.tcp.tsecr, 4073914387u);

	load("sll_tcp4_synack", &f);
	dissect_ok(&f, &p);
	assert_int_equal(p.sll_pkttype, NP_PKTTYPE_HOST);
	assert_int_equal(p.tcp.ack, 3903796510u);

	load("tcp4_rst", &f);
	dissect_ok(&f, &p);
	assert_int_equal(p.tcp.sport, 81);
	assert_int_equal(p.tcp.flags, NP_TCP_RST | NP_TCP_ACK);
	assert_string_equal(np_tcp_flags_str(p.tcp.flags, flags, sizeof(flags)), "RST,ACK");
	assert_int_equal(p.tcp.seq, 0);
	assert_int_equal(p.tcp.ack, 300237936u);
	assert_int_equal(p.tcp.window, 0);
	assert_int_equal(p.tcp.hdr_len, 20);
	assert_true(p.tcp.has_options);         /* walked, and empty */
	assert_int_equal(p.tcp.mss, -1);
	assert_int_equal(p.tcp.wscale, -1);
	assert_false(p.tcp.has_ts);
	assert_int_equal(p.payload_len, 0);

	load("tcp6_rst", &f);
	dissect_ok(&f, &p);
	assert_int_equal(p.ip.tot_len, 60);
	assert_int_equal(p.tcp.flags, NP_TCP_RST | NP_TCP_ACK);
	assert_int_equal(p.tcp.ack, 1186688058u);

	load("tcp4_data", &f);
	dissect_ok(&f, &p);
	assert_int_equal(p.tcp.flags, NP_TCP_PSH | NP_TCP_ACK);
	assert_int_equal(p.tcp.seq, 2644633337u);
	assert_int_equal(p.tcp.window, 64);
	assert_int_equal(p.tcp.hdr_len, 32);
	assert_true(p.tcp.has_ts);
	assert_int_equal(p.tcp.tsval, 2464768363u);
	assert_int_equal(p.payload_len, 44);
	assert_int_equal(p.payload_off + p.payload_len, f.len);
	assert_memory_equal(f.data + p.payload_off, "HTTP/1.0 200 OK\r\n", 17);
}

static void udp_dns_query(void **state)
{
	struct fixture f;
	struct np_packet p;

	(void)state;
	load("udp4_dns", &f);
	dissect_ok(&f, &p);
	assert_int_equal(p.l4, IPPROTO_UDP);
	assert_int_equal(p.udp.sport, 59554);
	assert_int_equal(p.udp.dport, 53);
	assert_int_equal(p.udp.len, 42);
	assert_int_equal(p.udp.checksum, 0x8f64);
	assert_true(p.udp.has_ports && p.udp.has_len_sum);
	assert_int_equal(p.payload_len, 34);
	assert_int_equal(get16(f.data + p.payload_off), 0x4e50);    /* the DNS ID */
}

static void icmp4_port_unreachable_quotes_udp(void **state)
{
	struct fixture f;
	struct np_packet p;

	(void)state;
	load("icmp4_port_unreach", &f);
	dissect_ok(&f, &p);
	assert_int_equal(p.l4, IPPROTO_ICMP);
	assert_int_equal(p.icmp_type, 3);
	assert_int_equal(p.icmp_code, 3);
	assert_true(p.icmp_is_error);
	assert_addr(p.ip.src, AF_INET, "198.18.2.2");
	assert_int_equal(p.ip.tclass, 0xc0);
	assert_int_equal(p.ip.dscp, 48);        /* CS6, Linux's ICMP */
	assert_true(p.has_inner_ip);
	assert_int_equal(p.inner_off, 20 + 20 + 8);
	assert_int_equal(p.inner_ip.family, AF_INET);
	assert_addr(p.inner_ip.src, AF_INET, "198.18.1.2");
	assert_addr(p.inner_ip.dst, AF_INET, "198.18.2.2");
	assert_int_equal(p.inner_ip.id, 25533);
	assert_int_equal(p.inner_ip.tot_len, 62);
	assert_int_equal(p.inner_l4, IPPROTO_UDP);
	assert_int_equal(p.inner_l4_len, 42);   /* Linux quotes the whole datagram */
	assert_true(p.inner_has_ports);
	assert_false(p.inner_has_seq);
	assert_int_equal(p.inner_udp.sport, 59554);
	assert_int_equal(p.inner_udp.dport, 53);
	assert_int_equal(p.inner_udp.len, 42);
	assert_true(p.inner_udp.has_len_sum);
	assert_int_equal(p.payload_off, p.inner_off);
}

static void check_quoted_syn(const struct np_packet *p, int family, uint16_t dport, int ttl)
{
	assert_true(p->icmp_is_error);
	assert_true(p->has_inner_ip);
	assert_int_equal(p->inner_ip.family, family);
	assert_int_equal(p->inner_ip.ttl, ttl);
	assert_int_equal(p->inner_l4, IPPROTO_TCP);
	assert_int_equal(p->inner_l4_len, 40);
	assert_true(p->inner_has_ports && p->inner_has_seq);
	assert_int_equal(p->inner_tcp.dport, dport);
	assert_true(p->inner_tcp.has_ack_flags_win);
	assert_int_equal(p->inner_tcp.flags, NP_TCP_SYN);
	assert_true(p->inner_tcp.has_options);
	assert_int_equal(p->inner_tcp.mss, family == AF_INET ? 1460 : 1440);
	assert_int_equal(p->inner_tcp.wscale, 10);
	assert_true(p->inner_tcp.sack_perm);
	assert_true(p->inner_tcp.has_ts);
}

static void icmp_admin_prohibited_v4_v6(void **state)
{
	struct fixture f;
	struct np_packet p;

	(void)state;
	load("icmp4_admin_prohib", &f);
	dissect_ok(&f, &p);
	assert_int_equal(p.icmp_type, 3);
	assert_int_equal(p.icmp_code, 13);
	assert_addr(p.ip.src, AF_INET, "198.18.2.2");
	check_quoted_syn(&p, AF_INET, 82, 63);
	assert_int_equal(p.inner_tcp.seq, 4107422952u);

	load("icmp6_admin_prohib", &f);
	dissect_ok(&f, &p);
	assert_int_equal(p.l4, IPPROTO_ICMPV6);
	assert_int_equal(p.icmp_type, 1);
	assert_int_equal(p.icmp_code, 1);
	assert_int_equal(p.ip.flow_label, 0x53b0d);
	assert_addr(p.inner_ip.src, AF_INET6, "2001:db8:1::2");
	assert_addr(p.inner_ip.dst, AF_INET6, "2001:db8:2::2");
	check_quoted_syn(&p, AF_INET6, 82, 63);

	load("eth_icmp6_admin_prohib", &f);
	dissect_ok(&f, &p);
	assert_int_equal(p.l3_off, 14);
	check_quoted_syn(&p, AF_INET6, 82, 63);
}

static void icmp_time_exceeded_quotes_syn(void **state)
{
	struct fixture f;
	struct np_packet p;

	(void)state;
	load("icmp4_time_exceeded", &f);
	dissect_ok(&f, &p);
	assert_int_equal(p.icmp_type, 11);
	assert_int_equal(p.icmp_code, 0);
	assert_addr(p.ip.src, AF_INET, "198.18.1.1");
	assert_int_equal(p.ip.ttl, 64);
	assert_int_equal(np_ttl_hops(p.ip.ttl), 0);     /* the first router */
	check_quoted_syn(&p, AF_INET, 80, 1);
	assert_int_equal(p.inner_ip.id, 5270);
	assert_int_equal(p.inner_tcp.sport, 60956);
	assert_int_equal(p.inner_tcp.seq, 3997199877u);
	assert_int_equal(p.inner_tcp.checksum, 0x8f57);

	load("icmp6_time_exceeded", &f);
	dissect_ok(&f, &p);
	assert_int_equal(p.icmp_type, 3);
	assert_int_equal(p.icmp_code, 0);
	assert_addr(p.ip.src, AF_INET6, "2001:db8:1::1");
	check_quoted_syn(&p, AF_INET6, 80, 1);
}

static void icmp_unreachable_and_too_big(void **state)
{
	struct fixture f;
	struct np_packet p;

	(void)state;
	load("icmp4_net_unreach", &f);
	dissect_ok(&f, &p);
	assert_int_equal(p.icmp_type, 3);
	assert_int_equal(p.icmp_code, 0);
	assert_int_equal(p.icmp_mtu, 0);
	assert_addr(p.inner_ip.dst, AF_INET, "198.18.99.1");
	check_quoted_syn(&p, AF_INET, 80, 64);

	load("icmp6_no_route", &f);
	dissect_ok(&f, &p);
	assert_int_equal(p.icmp_type, 1);
	assert_int_equal(p.icmp_code, 0);
	assert_addr(p.inner_ip.dst, AF_INET6, "2001:db8:99::1");
	check_quoted_syn(&p, AF_INET6, 80, 64);

	load("icmp6_port_unreach", &f);
	dissect_ok(&f, &p);
	assert_int_equal(p.icmp_code, 4);
	assert_int_equal(p.inner_l4, IPPROTO_UDP);
	assert_int_equal(p.inner_udp.dport, 53);

	load("icmp4_frag_needed", &f);
	dissect_ok(&f, &p);
	assert_int_equal(p.icmp_type, 3);
	assert_int_equal(p.icmp_code, 4);
	assert_int_equal(p.icmp_mtu, 1280);
	assert_true(p.inner_ip.df);
	assert_int_equal(p.inner_ip.tot_len, 1428);
	assert_int_equal(p.inner_l4, IPPROTO_UDP);
	/* ICMPv4 errors from Linux stop at 576 bytes (RFC 1812 4.3.2.3). */
	assert_int_equal(p.inner_l4_len, 576 - 20 - 8 - 20);
	assert_int_equal(p.inner_udp.len, 1408);
	assert_int_equal(p.inner_udp.dport, 9);

	load("icmp6_packet_too_big", &f);
	dissect_ok(&f, &p);
	assert_int_equal(p.icmp_type, 2);
	assert_int_equal(p.icmp_mtu, 1280);
	assert_true(p.icmp_is_error);
	assert_int_equal(p.inner_l4, IPPROTO_UDP);
	/* RFC 4443 2.4(c): as much as fits in 1280 bytes. */
	assert_int_equal(p.inner_l4_len, 1280 - 40 - 8 - 40);
	assert_int_equal(p.inner_udp.len, 1408);
}

static void fragments_v4_v6(void **state)
{
	struct fixture f;
	struct np_packet p;

	(void)state;
	load("udp4_frag_first", &f);
	dissect_ok(&f, &p);
	assert_true(p.ip.is_fragment);
	assert_true(p.ip.mf);
	assert_int_equal(p.ip.frag_off, 0);
	assert_int_equal(p.ip.id, 61416);
	assert_int_equal(p.l4, IPPROTO_UDP);
	assert_int_equal(p.udp.dport, 9);
	assert_int_equal(p.udp.len, 2008);     /* the whole datagram's */
	assert_int_equal(p.payload_len, 1480 - 8);

	load("udp4_frag_last", &f);
	dissect_ok(&f, &p);
	assert_true(p.ip.is_fragment);
	assert_false(p.ip.mf);
	assert_int_equal(p.ip.frag_off, 1480);
	assert_int_equal(p.ip.proto, IPPROTO_UDP);
	assert_int_equal(p.l4, 0);              /* no header in a later fragment */
	assert_false(p.udp.has_ports);
	assert_int_equal(p.payload_off, 20 + 20);
	assert_int_equal(p.payload_len, 528);

	load("udp6_hbh_dst_frag", &f);
	dissect_ok(&f, &p);
	assert_int_equal(p.ip.n_ext, 3);
	assert_int_equal(p.ip.ext[0], IPPROTO_HOPOPTS);
	assert_int_equal(p.ip.ext[1], IPPROTO_DSTOPTS);
	assert_int_equal(p.ip.ext[2], IPPROTO_FRAGMENT);
	assert_int_equal(p.ip.hdr_len, 64);
	assert_true(p.ip.is_fragment && p.ip.mf);
	assert_int_equal(p.ip.frag_off, 0);
	assert_int_equal(p.ip.id, 0x8b82d17f);
	assert_int_equal(p.ip.proto, IPPROTO_UDP);
	assert_int_equal(p.l4, IPPROTO_UDP);
	assert_int_equal(p.udp.sport, 47835);
	assert_int_equal(p.udp.len, 2008);

	load("udp6_frag_last", &f);
	dissect_ok(&f, &p);
	assert_int_equal(p.ip.n_ext, 3);
	assert_int_equal(p.ip.frag_off, 1432);
	assert_false(p.ip.mf);
	assert_int_equal(p.ip.proto, IPPROTO_UDP);
	assert_int_equal(p.l4, 0);
	assert_int_equal(p.payload_len, 576);
}

static void raw_ip_link_types(void **state)
{
	struct fixture f;
	struct np_packet p;
	static const int v4_dlts[] = { NP_DLT_RAW, NP_DLT_RAW_LT, NP_DLT_IPV4 };

	(void)state;
	load("raw_icmp4_echo", &f);
	assert_int_equal(f.dlt, NP_DLT_RAW_LT);
	for (size_t i = 0; i < sizeof(v4_dlts) / sizeof(v4_dlts[0]); i++) {
		f.dlt = v4_dlts[i];
		dissect_ok(&f, &p);
		assert_int_equal(p.dlt, v4_dlts[i]);
		assert_int_equal(p.l3_off, 0);
		assert_int_equal(p.ethertype, 0);
		assert_int_equal(p.l4, IPPROTO_ICMP);
		assert_int_equal(p.icmp_type, 8);       /* echo: noted, not an error */
		assert_false(p.icmp_is_error);
		assert_false(p.has_inner_ip);
		assert_int_equal(p.payload_len, 56);
	}
	f.dlt = NP_DLT_IPV6;
	dissect(&f, &p);
	expect_status(&p, NP_PKT_MALFORMED, "IPv6 header version is not 6");

	load("raw_tcp4_syn", &f);
	dissect_ok(&f, &p);
	assert_int_equal(p.tcp.mss, 1460);
	assert_addr(p.ip.dst, AF_INET, "198.18.3.1");

	load("raw_tcp6_syn", &f);
	dissect_ok(&f, &p);
	assert_int_equal(p.ip.family, AF_INET6);
	assert_int_equal(p.tcp.mss, 1440);
	f.dlt = NP_DLT_IPV6;
	dissect_ok(&f, &p);
	assert_int_equal(p.tcp.mss, 1440);
	f.dlt = NP_DLT_IPV4;
	dissect(&f, &p);
	expect_status(&p, NP_PKT_MALFORMED, "IPv4 header version is not 4");
}

/* Made from recorded packets ------------------------------------------ */

/* 802.1Q/802.1ad tags inserted after the MAC addresses of a recorded frame
 * (this kernel cannot make VLAN links, so none were recorded). */
static size_t add_tags(const struct fixture *f, uint8_t *out, const uint16_t *tpid,
		       const uint16_t *tci, int n)
{
	size_t o = 12;

	memcpy(out, f->data, 12);
	for (int i = 0; i < n; i++) {
		put16(out + o, tpid[i]);
		put16(out + o + 2, tci[i]);
		o += 4;
	}
	memcpy(out + o, f->data + 12, f->len - 12);
	return o + f->len - 12;
}

static void vlan_tags_from_recorded_frame(void **state)
{
	static const uint16_t tpid[] = { 0x88a8, 0x8100, 0x8100 };
	static const uint16_t tci[] = { 200, 0xa000 | 300, 7 };
	struct fixture f;
	struct np_packet p;
	uint8_t buf[FIXTURE_MAX];
	size_t n;

	(void)state;
	load("eth_tcp4_syn", &f);
	n = add_tags(&f, buf, tpid + 1, tci + 1, 1);
	assert_int_equal(dis(NP_DLT_EN10MB, buf, n, n, &p), 0);
	assert_int_equal(p.status, NP_PKT_OK);
	assert_int_equal(p.n_vlan, 1);
	assert_int_equal(p.vlan_tci[0] & 0xfff, 300);
	assert_int_equal(p.vlan_tci[0] >> 13, 5);       /* PCP */
	assert_int_equal(p.l3_off, 18);
	check_recorded_syn4(&p);

	n = add_tags(&f, buf, tpid, tci, 2);
	assert_int_equal(dis(NP_DLT_EN10MB, buf, n, n, &p), 0);
	assert_int_equal(p.status, NP_PKT_OK);
	assert_int_equal(p.n_vlan, 2);
	assert_int_equal(p.vlan_tci[0], 200);
	assert_int_equal(p.vlan_tci[1] & 0xfff, 300);
	assert_int_equal(p.l3_off, 22);
	check_recorded_syn4(&p);

	/* Every prefix of the double-tagged frame is a truncated one. */
	for (size_t k = 0; k < n; k++) {
		assert_int_equal(dis(NP_DLT_EN10MB, buf, k, n, &p), 0);
		assert_int_equal(p.status, NP_PKT_TRUNCATED);
		assert_true(p.n_vlan <= 2);
	}

	n = add_tags(&f, buf, tpid, tci, 3);
	assert_int_equal(dis(NP_DLT_EN10MB, buf, n, n, &p), 0);
	expect_status(&p, NP_PKT_MALFORMED, "more than two VLAN tags");
	assert_false(p.has_ip);
}

/* A copy of a recorded SLL2 ICMP error whose quote keeps only `keep`
 * bytes of the quoted transport header, outer IP length adjusted. */
static size_t short_quote(const struct fixture *f, uint8_t *buf, size_t keep)
{
	struct np_packet p;
	size_t n;

	dissect_ok(f, &p);
	n = p.inner_off + p.inner_ip.hdr_len + keep;
	assert_true(n <= f->len);
	memcpy(buf, f->data, n);
	if (p.ip.family == AF_INET)
		put16(buf + SLL2_LEN + 2, (unsigned)(n - SLL2_LEN));
	else
		put16(buf + SLL2_LEN + 4, (unsigned)(n - SLL2_LEN - 40));
	return n;
}

static void icmp_quote_with_8_tcp_bytes(void **state)
{
	static const char *const names[] = { "icmp4_time_exceeded", "icmp6_time_exceeded" };
	struct fixture f;
	struct np_packet full, p;
	uint8_t buf[FIXTURE_MAX];

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		size_t n;

		load(names[i], &f);
		dissect_ok(&f, &full);

		/* RFC 792: the IP header and 8 bytes, ports and sequence only. */
		n = short_quote(&f, buf, 8);
		assert_int_equal(dis(f.dlt, buf, n, n, &p), 0);
		assert_int_equal(p.status, NP_PKT_OK);
		assert_true(p.has_inner_ip);
		assert_int_equal(p.inner_l4, IPPROTO_TCP);
		assert_int_equal(p.inner_l4_len, 8);
		assert_true(p.inner_has_ports);
		assert_true(p.inner_has_seq);
		assert_int_equal(p.inner_tcp.sport, full.inner_tcp.sport);
		assert_int_equal(p.inner_tcp.dport, full.inner_tcp.dport);
		assert_int_equal(p.inner_tcp.seq, full.inner_tcp.seq);
		assert_false(p.inner_tcp.has_ack_flags_win);
		assert_int_equal(p.inner_tcp.flags, 0);
		assert_int_equal(p.inner_tcp.window, 0);
		assert_int_equal(p.inner_tcp.hdr_len, 0);
		assert_false(p.inner_tcp.has_options);
		assert_int_equal(p.inner_tcp.mss, -1);
		assert_int_equal(p.inner_tcp.wscale, -1);
		assert_false(p.inner_tcp.has_ts);

		/* 4 bytes: ports only. */
		n = short_quote(&f, buf, 4);
		assert_int_equal(dis(f.dlt, buf, n, n, &p), 0);
		assert_int_equal(p.status, NP_PKT_OK);
		assert_true(p.inner_has_ports);
		assert_false(p.inner_has_seq);
		assert_int_equal(p.inner_l4_len, 4);

		/* 13 bytes: the data offset is known, the flags are not. */
		n = short_quote(&f, buf, 13);
		assert_int_equal(dis(f.dlt, buf, n, n, &p), 0);
		assert_int_equal(p.status, NP_PKT_OK);
		assert_int_equal(p.inner_tcp.hdr_len, 40);
		assert_false(p.inner_tcp.has_ack_flags_win);

		/* 20 bytes: the fixed header, but not the options. */
		n = short_quote(&f, buf, 20);
		assert_int_equal(dis(f.dlt, buf, n, n, &p), 0);
		assert_int_equal(p.status, NP_PKT_OK);
		assert_true(p.inner_tcp.has_ack_flags_win);
		assert_int_equal(p.inner_tcp.flags, NP_TCP_SYN);
		assert_int_equal(p.inner_tcp.window, full.inner_tcp.window);
		assert_false(p.inner_tcp.has_options);
		assert_int_equal(p.inner_tcp.mss, -1);

		/* 39 bytes: one short of the options area. */
		n = short_quote(&f, buf, 39);
		assert_int_equal(dis(f.dlt, buf, n, n, &p), 0);
		assert_int_equal(p.status, NP_PKT_OK);
		assert_false(p.inner_tcp.has_options);

		/* No transport bytes at all. */
		n = short_quote(&f, buf, 0);
		assert_int_equal(dis(f.dlt, buf, n, n, &p), 0);
		assert_int_equal(p.status, NP_PKT_OK);
		assert_true(p.has_inner_ip);
		assert_int_equal(p.inner_l4, IPPROTO_TCP);
		assert_int_equal(p.inner_l4_len, 0);
		assert_false(p.inner_has_ports);
	}

	/* A UDP quote of 8 bytes: ports, length and checksum. */
	load("icmp4_port_unreach", &f);
	{
		size_t n = short_quote(&f, buf, 8);

		assert_int_equal(dis(f.dlt, buf, n, n, &p), 0);
		assert_int_equal(p.status, NP_PKT_OK);
		assert_int_equal(p.inner_l4_len, 8);
		assert_true(p.inner_udp.has_ports && p.inner_udp.has_len_sum);
		assert_int_equal(p.inner_udp.dport, 53);
		assert_int_equal(p.inner_udp.len, 42);
		assert_false(p.inner_has_seq);
	}
}

static void icmp_rfc4884_length_bounds_quote(void **state)
{
	struct fixture f;
	struct np_packet p;

	(void)state;
	/* RFC 4884 4.1: byte 5 of an ICMPv4 time exceeded is the quote's
	 * length in 32-bit words; 7 words = IP header + 8 transport bytes. */
	load("icmp4_time_exceeded", &f);
	f.data[SLL2_LEN + 20 + 5] = 7;
	dissect_ok(&f, &p);
	assert_int_equal(p.inner_l4_len, 8);
	assert_true(p.inner_has_seq);
	assert_false(p.inner_tcp.has_ack_flags_win);
	/* A length past the message is ignored. */
	f.data[SLL2_LEN + 20 + 5] = 200;
	dissect_ok(&f, &p);
	assert_int_equal(p.inner_l4_len, 40);
}

/* An IPv6 packet: SLL2 header and fixed IPv6 header of tcp6_syn, the given
 * extension headers (each 8 bytes, chained), then its TCP segment. */
static size_t ip6_with_ext(const struct fixture *syn, uint8_t *buf, const uint8_t *types, int n)
{
	size_t hdr = SLL2_LEN + 40, o = hdr;
	size_t tcp_len = syn->len - hdr;

	memcpy(buf, syn->data, hdr);
	buf[SLL2_LEN + 6] = n > 0 ? types[0] : IPPROTO_TCP;
	for (int i = 0; i < n; i++) {
		uint8_t *e = buf + o;

		memset(e, 0, 8);
		e[0] = i + 1 < n ? types[i + 1] : IPPROTO_TCP;
		switch (types[i]) {
		case IPPROTO_FRAGMENT:
			/* offset 0, M 0: an atomic fragment (RFC 6946) */
			e[4] = 0x12, e[5] = 0x34, e[6] = 0x56, e[7] = 0x78;
			break;
		case IPPROTO_AH:
			e[1] = 0;       /* (0 + 2) * 4 = 8 bytes, no ICV */
			break;
		case IPPROTO_ROUTING:
			e[2] = 4;       /* routing type 4 (SRH) with 0 segments left */
			break;
		default:
			e[2] = 1, e[3] = 4;     /* PadN of 4 */
			break;
		}
		o += 8;
	}
	memcpy(buf + o, syn->data + hdr, tcp_len);
	put16(buf + SLL2_LEN + 4, (unsigned)(o - hdr + tcp_len));
	return o + tcp_len;
}

static void ipv6_extension_headers(void **state)
{
	static const uint8_t three[] = { IPPROTO_HOPOPTS, IPPROTO_DSTOPTS, IPPROTO_FRAGMENT };
	static const uint8_t six[] = { IPPROTO_HOPOPTS, IPPROTO_DSTOPTS, IPPROTO_ROUTING,
				       IPPROTO_FRAGMENT, IPPROTO_AH, IPPROTO_DSTOPTS };
	static const uint8_t late_hbh[] = { IPPROTO_DSTOPTS, IPPROTO_HOPOPTS };
	uint8_t nine[NP_IP6_EXT_MAX + 1];
	struct fixture syn;
	struct np_packet p;
	uint8_t buf[FIXTURE_MAX];
	size_t n;

	(void)state;
	load("tcp6_syn", &syn);
	n = ip6_with_ext(&syn, buf, three, 3);
	assert_int_equal(dis(NP_DLT_LINUX_SLL2, buf, n, n, &p), 0);
	assert_int_equal(p.status, NP_PKT_OK);
	assert_int_equal(p.ip.n_ext, 3);
	assert_memory_equal(p.ip.ext, three, 3);
	assert_int_equal(p.ip.hdr_len, 40 + 24);
	assert_true(p.ip.is_fragment);
	assert_false(p.ip.mf);
	assert_int_equal(p.ip.id, 0x12345678);
	assert_int_equal(p.l4, IPPROTO_TCP);
	assert_int_equal(p.tcp.seq, 2424453383u);
	assert_int_equal(p.tcp.mss, 1440);
	for (size_t k = 0; k < n; k++) {
		assert_int_equal(dis(NP_DLT_LINUX_SLL2, buf, k, n, &p), 0);
		assert_int_equal(p.status, NP_PKT_TRUNCATED);
	}

	n = ip6_with_ext(&syn, buf, six, 6);
	assert_int_equal(dis(NP_DLT_LINUX_SLL2, buf, n, n, &p), 0);
	assert_int_equal(p.status, NP_PKT_OK);
	assert_int_equal(p.ip.n_ext, 6);
	assert_memory_equal(p.ip.ext, six, 6);
	assert_int_equal(p.tcp.dport, 80);

	/* Exactly the bound is walked; one more is refused. */
	memset(nine, IPPROTO_DSTOPTS, sizeof(nine));
	n = ip6_with_ext(&syn, buf, nine, NP_IP6_EXT_MAX);
	assert_int_equal(dis(NP_DLT_LINUX_SLL2, buf, n, n, &p), 0);
	assert_int_equal(p.status, NP_PKT_OK);
	assert_int_equal(p.ip.n_ext, NP_IP6_EXT_MAX);
	assert_int_equal(p.l4, IPPROTO_TCP);
	n = ip6_with_ext(&syn, buf, nine, NP_IP6_EXT_MAX + 1);
	assert_int_equal(dis(NP_DLT_LINUX_SLL2, buf, n, n, &p), 0);
	expect_status(&p, NP_PKT_MALFORMED, "IPv6 extension header chain longer than 8");
	assert_true(p.has_ip);
	assert_int_equal(p.l4, 0);

	n = ip6_with_ext(&syn, buf, late_hbh, 2);
	assert_int_equal(dis(NP_DLT_LINUX_SLL2, buf, n, n, &p), 0);
	expect_status(&p, NP_PKT_MALFORMED, "IPv6 hop-by-hop header not first");

	/* An extension header running past the payload length. */
	n = ip6_with_ext(&syn, buf, three, 1);
	put16(buf + SLL2_LEN + 4, 4);
	assert_int_equal(dis(NP_DLT_LINUX_SLL2, buf, n, n, &p), 0);
	expect_status(&p, NP_PKT_MALFORMED, "IPv6 extension header past the payload length");

	/* ESP ends the walk: nothing after it can be read. */
	n = ip6_with_ext(&syn, buf, three, 1);
	buf[SLL2_LEN + 40] = IPPROTO_ESP;
	assert_int_equal(dis(NP_DLT_LINUX_SLL2, buf, n, n, &p), 0);
	assert_int_equal(p.status, NP_PKT_OK);
	assert_int_equal(p.ip.proto, IPPROTO_ESP);
	assert_int_equal(p.l4, 0);
	assert_int_equal(p.payload_off, SLL2_LEN + 48);
}

static void tcp_options_malformed(void **state)
{
	/* 20 bytes of options to put in place of the recorded SYN's. */
	static const struct {
		uint8_t opt[20];
		const char *reason;
		int mss;
	} cases[] = {
		{ { 2, 4, 5, 0xb4, 30, 0 }, "TCP option length 0", 1460 },
		{ { 1, 1, 30, 1 }, "TCP option length 1", -1 },
		{ { 2, 4, 5, 0xb4, 8, 30 }, "TCP option past the header", 1460 },
		{ { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3 },
		  "TCP option length past the header", -1 },
		/* A known kind with the wrong size is skipped, the walk goes on. */
		{ { 2, 3, 5, 2, 4, 5, 0xb4 }, "TCP MSS option length is not 4", 1460 },
	};
	struct fixture f;
	struct np_packet p;
	const size_t opt = SLL2_LEN + 20 + 20;

	(void)state;
	load("tcp4_syn", &f);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memcpy(f.data + opt, cases[i].opt, 20);
		dissect(&f, &p);
		/* The header and payload stay good; only the options are bad. */
		assert_int_equal(p.status, NP_PKT_OK);
		assert_true(p.tcp.has_options);
		assert_true(p.tcp.options_malformed);
		assert_string_equal(p.tcp.options_reason, cases[i].reason);
		assert_int_equal(p.tcp.mss, cases[i].mss);
		assert_int_equal(p.payload_off, opt + 20);
	}

	/* Unknown kinds are skipped by length; SACK blocks counted; EOL ends
	 * the walk and what follows it is padding. */
	{
		static const uint8_t ok[20] = { 30, 2, 5, 18, 0, 0, 0, 1, 0, 0, 0, 2,
						0, 0, 0, 3, 0, 0, 0, 4 };
		static const uint8_t eol[20] = { 3, 3, 7, 0, 2, 0 };

		memcpy(f.data + opt, ok, 20);
		dissect_ok(&f, &p);
		assert_false(p.tcp.options_malformed);
		assert_int_equal(p.tcp.sack_blocks, 2);
		memcpy(f.data + opt, eol, 20);
		dissect_ok(&f, &p);
		assert_false(p.tcp.options_malformed);
		assert_int_equal(p.tcp.wscale, 7);
		assert_int_equal(p.tcp.mss, -1);
	}

	/* The same in a quote: options_malformed, packet fine. */
	load("icmp4_time_exceeded", &f);
	f.data[SLL2_LEN + 20 + 8 + 20 + 20] = 2;
	f.data[SLL2_LEN + 20 + 8 + 20 + 21] = 0;
	dissect_ok(&f, &p);
	assert_true(p.inner_tcp.options_malformed);
	assert_string_equal(p.inner_tcp.options_reason, "TCP option length 0");
}

static void bad_headers_are_malformed(void **state)
{
	struct fixture f, g;
	struct np_packet p;
	const size_t ip = SLL2_LEN;

	(void)state;
	load("tcp4_syn", &f);

	g = f;
	g.data[ip] = 0x44;                      /* IHL 4 */
	dissect(&g, &p);
	expect_status(&p, NP_PKT_MALFORMED, "IPv4 IHL < 5");
	assert_false(p.has_ip);
	assert_int_equal(p.l4, 0);
	assert_int_equal(p.sll_pkttype, NP_PKTTYPE_OUTGOING);   /* the link stays parsed */

	g = f;
	g.data[ip] = 0x65;
	dissect(&g, &p);
	expect_status(&p, NP_PKT_MALFORMED, "IPv4 header version is not 4");

	g = f;
	put16(g.data + ip + 2, 19);
	dissect(&g, &p);
	expect_status(&p, NP_PKT_MALFORMED, "IPv4 total length < header length");

	/* A total length past the frame: malformed when the frame is all
	 * there, truncated when the capture was cut (wirelen says more). */
	g = f;
	put16(g.data + ip + 2, 61);
	dissect(&g, &p);
	expect_status(&p, NP_PKT_MALFORMED, "IPv4 total length past the end of the frame");
	g.wirelen = g.len + 1;
	dissect(&g, &p);
	expect_status(&p, NP_PKT_TRUNCATED, "capture ends before the end of the IP packet");
	assert_int_equal(p.tcp.mss, 1460);

	/* Total length 0: how Linux captures a TSO super-packet. */
	g = f;
	put16(g.data + ip + 2, 0);
	dissect_ok(&g, &p);
	assert_int_equal(p.tcp.mss, 1460);

	g = f;
	g.data[ip + 20 + 12] = 0x40;            /* data offset 4 */
	dissect(&g, &p);
	expect_status(&p, NP_PKT_MALFORMED, "TCP data offset < 5");
	assert_true(p.tcp.has_seq);
	assert_false(p.tcp.has_ack_flags_win);

	g = f;
	g.data[ip + 20 + 12] = 0xf0;            /* 60 bytes in a 40-byte segment */
	dissect(&g, &p);
	expect_status(&p, NP_PKT_MALFORMED, "TCP header past the end of the IP packet");
	assert_true(p.tcp.has_ack_flags_win);
	assert_false(p.tcp.has_options);

	g = f;
	put16(g.data + ip + 2, 20 + 10);        /* a 10-byte TCP "header" */
	dissect(&g, &p);
	expect_status(&p, NP_PKT_MALFORMED, "TCP header past the end of the IP packet");
	assert_true(p.tcp.has_seq);

	load("udp4_dns", &f);
	g = f;
	put16(g.data + ip + 20 + 4, 7);
	dissect(&g, &p);
	expect_status(&p, NP_PKT_MALFORMED, "UDP length < 8");
	g = f;
	put16(g.data + ip + 20 + 4, 43);
	dissect(&g, &p);
	expect_status(&p, NP_PKT_MALFORMED, "UDP length past the end of the IP packet");

	load("tcp6_syn", &f);
	g = f;
	put16(g.data + ip + 4, 41);
	dissect(&g, &p);
	expect_status(&p, NP_PKT_MALFORMED, "IPv6 payload length past the end of the frame");

	/* Quoted headers: IHL < 5 and a quote of the wrong family. */
	load("icmp4_time_exceeded", &f);
	g = f;
	g.data[ip + 28] = 0x43;
	dissect(&g, &p);
	expect_status(&p, NP_PKT_MALFORMED, "quoted IPv4 IHL < 5");
	assert_int_equal(p.icmp_type, 11);
	assert_false(p.has_inner_ip);
	g = f;
	g.data[ip + 28] = 0x60;
	dissect(&g, &p);
	expect_status(&p, NP_PKT_MALFORMED, "quoted packet is not IPv4");
	g = f;
	g.data[ip + 28 + 20 + 12] = 0x30;
	dissect(&g, &p);
	expect_status(&p, NP_PKT_MALFORMED, "quoted TCP data offset < 5");
	assert_true(p.inner_has_seq);

	/* A quoted protocol other than TCP, UDP and ICMP: named by inner_ip,
	 * not read (found by the fuzzer with protocol 0). */
	g = f;
	g.data[ip + 28 + 9] = 0;
	dissect_ok(&g, &p);
	assert_true(p.has_inner_ip);
	assert_int_equal(p.inner_ip.proto, 0);
	assert_int_equal(p.inner_l4, 0);
	assert_int_equal(p.inner_l4_len, 0);
	assert_false(p.inner_has_ports);
	g.data[ip + 28 + 9] = IPPROTO_ICMPV6;  /* ICMPv6 inside IPv4 */
	dissect_ok(&g, &p);
	assert_int_equal(p.inner_l4, 0);
	assert_int_equal(p.inner_icmp_type, -1);

	/* A quote shorter than an IP header is simply a short quote. */
	g = f;
	put16(g.data + ip + 2, 20 + 8 + 12);
	g.len = g.wirelen = ip + 20 + 8 + 12;
	dissect_ok(&g, &p);
	assert_true(p.icmp_is_error);
	assert_false(p.has_inner_ip);
}

static void link_layer_edges(void **state)
{
	struct fixture f;
	struct np_packet p;
	static const uint8_t arp[42] = { [12] = 0x08, [13] = 0x06 };

	(void)state;
	assert_int_equal(np_dissect(9999, arp, sizeof(arp), sizeof(arp), &p), NP_EINVAL);
	assert_int_equal(p.status, NP_PKT_UNSUPPORTED);
	assert_non_null(p.reason);
	assert_int_equal(np_dissect(NP_DLT_EN10MB, arp, sizeof(arp), sizeof(arp), NULL), NP_EINVAL);
	assert_int_equal(np_dissect(NP_DLT_EN10MB, NULL, 10, 10, &p), NP_EINVAL);

	assert_int_equal(np_dissect(NP_DLT_EN10MB, NULL, 0, 0, &p), 0);
	expect_status(&p, NP_PKT_MALFORMED, "frame shorter than an Ethernet header");
	assert_int_equal(np_dissect(NP_DLT_EN10MB, NULL, 0, 60, &p), 0);
	expect_status(&p, NP_PKT_TRUNCATED, "capture ends in the Ethernet header");
	assert_int_equal(np_dissect(NP_DLT_RAW, NULL, 0, 0, &p), 0);
	expect_status(&p, NP_PKT_MALFORMED, "no IP header");

	/* Not IP: fine, nothing past the link layer. */
	assert_int_equal(dis(NP_DLT_EN10MB, arp, sizeof(arp), sizeof(arp), &p), 0);
	assert_int_equal(p.status, NP_PKT_OK);
	assert_int_equal(p.ethertype, 0x0806);
	assert_false(p.has_ip);
	assert_int_equal(p.payload_off, 14);
	assert_int_equal(p.payload_len, 28);

	/* Ethernet padding past the IP total length is not payload. */
	load("eth_tcp4_syn", &f);
	memset(f.data + f.len, 0, 6);
	f.len += 6;
	f.wirelen += 6;
	dissect_ok(&f, &p);
	assert_int_equal(p.payload_len, 0);

	/* A raw packet that is neither IPv4 nor IPv6. */
	load("raw_tcp4_syn", &f);
	f.data[0] = 0x55;
	dissect(&f, &p);
	expect_status(&p, NP_PKT_MALFORMED, "raw packet is neither IPv4 nor IPv6");
}

/* Every prefix of every packet -------------------------------------- */

static void check_ip_prefix(const struct np_pkt_ip *a, const struct np_pkt_ip *full)
{
	assert_int_equal(a->family, full->family);
	assert_memory_equal(a->src, full->src, 16);
	assert_memory_equal(a->dst, full->dst, 16);
	assert_int_equal(a->ttl, full->ttl);
	assert_int_equal(a->tclass, full->tclass);
	assert_int_equal(a->tot_len, full->tot_len);
	assert_int_equal(a->flow_label, full->flow_label);
	assert_true(a->n_ext <= full->n_ext);
	assert_memory_equal(a->ext, full->ext, (size_t)a->n_ext);
	if (a->family == AF_INET) {
		assert_int_equal(a->id, full->id);
		assert_int_equal(a->df, full->df);
		assert_int_equal(a->frag_off, full->frag_off);
	}
	if (a->proto_known) {
		assert_int_equal(a->proto, full->proto);
		assert_int_equal(a->hdr_len, full->hdr_len);
	}
}

static void check_tcp_prefix(const struct np_pkt_tcp *a, const struct np_pkt_tcp *full)
{
	assert_true(a->has_ports <= full->has_ports);
	assert_true(a->has_seq <= full->has_seq);
	assert_true(a->has_ack_flags_win <= full->has_ack_flags_win);
	assert_true(a->has_options <= full->has_options);
	if (a->has_ports) {
		assert_int_equal(a->sport, full->sport);
		assert_int_equal(a->dport, full->dport);
	}
	if (a->has_seq)
		assert_int_equal(a->seq, full->seq);
	if (a->hdr_len)
		assert_int_equal(a->hdr_len, full->hdr_len);
	if (a->has_ack_flags_win) {
		assert_int_equal(a->ack, full->ack);
		assert_int_equal(a->flags, full->flags);
		assert_int_equal(a->window, full->window);
		assert_int_equal(a->checksum, full->checksum);
	} else {
		assert_int_equal(a->flags, 0);
		assert_int_equal(a->window, 0);
	}
	if (a->has_options) {
		assert_int_equal(a->mss, full->mss);
		assert_int_equal(a->wscale, full->wscale);
		assert_int_equal(a->sack_perm, full->sack_perm);
		assert_int_equal(a->has_ts, full->has_ts);
		assert_int_equal(a->tsval, full->tsval);
	} else {
		assert_int_equal(a->mss, -1);
		assert_int_equal(a->wscale, -1);
		assert_false(a->has_ts);
	}
}

static void check_udp_prefix(const struct np_pkt_udp *a, const struct np_pkt_udp *full)
{
	if (a->has_ports)
		assert_int_equal(a->dport, full->dport);
	if (a->has_len_sum)
		assert_int_equal(a->len, full->len);
}

static void check_prefix(const struct np_packet *a, const struct np_packet *full, size_t caplen)
{
	assert_int_equal(a->status, NP_PKT_TRUNCATED);
	assert_non_null(a->reason);
	assert_true(a->payload_off + a->payload_len <= caplen);
	if (a->sll_pkttype != -1)
		assert_int_equal(a->sll_pkttype, full->sll_pkttype);
	assert_true(a->has_ip <= full->has_ip);
	if (a->has_ip)
		check_ip_prefix(&a->ip, &full->ip);
	if (a->l4) {
		assert_int_equal(a->l4, full->l4);
		check_tcp_prefix(&a->tcp, &full->tcp);
		check_udp_prefix(&a->udp, &full->udp);
	}
	if (a->icmp_type >= 0) {
		assert_int_equal(a->icmp_type, full->icmp_type);
		assert_int_equal(a->icmp_code, full->icmp_code);
	}
	if (a->icmp_mtu)
		assert_int_equal(a->icmp_mtu, full->icmp_mtu);
	assert_true(a->has_inner_ip <= full->has_inner_ip);
	if (a->has_inner_ip)
		check_ip_prefix(&a->inner_ip, &full->inner_ip);
	if (a->inner_l4) {
		assert_int_equal(a->inner_l4, full->inner_l4);
		assert_true(a->inner_l4_len <= full->inner_l4_len);
		assert_true(a->inner_off + a->inner_ip.hdr_len + a->inner_l4_len <= caplen);
		check_tcp_prefix(&a->inner_tcp, &full->inner_tcp);
		check_udp_prefix(&a->inner_udp, &full->inner_udp);
	}
}

static int is_hex(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 4 && strcmp(d->d_name + n - 4, ".hex") == 0;
}

static void every_prefix_of_every_fixture(void **state)
{
	struct dirent **names;
	int n = scandir(fixture_dir(), &names, is_hex, alphasort);

	(void)state;
	if (n < 0)
		fail_msg("%s: %s", fixture_dir(), strerror(errno));
	assert_true(n >= 25);
	for (int i = 0; i < n; i++) {
		static struct fixture f;
		struct np_packet full, p;
		char name[64];

		snprintf(name, sizeof(name), "%.*s", (int)strlen(names[i]->d_name) - 4, names[i]->d_name);
		free(names[i]);
		load(name, &f);
		dissect_ok(&f, &full);
		assert_true(full.payload_off + full.payload_len <= f.len);
		for (size_t k = 0; k < f.len; k++) {
			assert_int_equal(dis(f.dlt, f.data, k, f.wirelen, &p), 0);
			if (p.status != NP_PKT_TRUNCATED)
				fail_msg("%s cut to %zu: status %d (%s)", name, k, p.status, p.reason);
			check_prefix(&p, &full, k);
		}
	}
	free(names);
}

/* Helpers ------------------------------------------------------------ */

static void tcp_flags_str(void **state)
{
	char buf[NP_TCP_FLAGS_STRLEN], small[6];

	(void)state;
	assert_string_equal(np_tcp_flags_str(NP_TCP_SYN | NP_TCP_ACK, buf, sizeof(buf)), "SYN,ACK");
	assert_string_equal(np_tcp_flags_str(NP_TCP_FIN | NP_TCP_PSH | NP_TCP_ACK, buf, sizeof(buf)),
			    "FIN,PSH,ACK");
	assert_string_equal(np_tcp_flags_str(0, buf, sizeof(buf)), "none");
	assert_string_equal(np_tcp_flags_str(0xff, buf, sizeof(buf)), "FIN,SYN,RST,PSH,ACK,URG,ECE,CWR");
	assert_string_equal(np_tcp_flags_str(NP_TCP_SYN | NP_TCP_ACK, small, sizeof(small)), "SYN");
	assert_string_equal(np_tcp_flags_str(NP_TCP_SYN, buf, 1), "");
}

static void ttl_initial_and_hops(void **state)
{
	static const int cases[][3] = {
		{ 0, 32, 32 }, { 1, 32, 31 }, { 32, 32, 0 }, { 33, 64, 31 }, { 63, 64, 1 },
		{ 64, 64, 0 }, { 65, 128, 63 }, { 120, 128, 8 }, { 128, 128, 0 },
		{ 129, 255, 126 }, { 250, 255, 5 }, { 255, 255, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(np_ttl_initial(cases[i][0]), cases[i][1]);
		assert_int_equal(np_ttl_hops(cases[i][0]), cases[i][2]);
	}
	assert_int_equal(np_ttl_initial(-1), NP_EINVAL);
	assert_int_equal(np_ttl_initial(256), NP_EINVAL);
	assert_int_equal(np_ttl_hops(256), NP_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tcp4_syn_in_three_link_types),
		cmocka_unit_test(tcp6_syn_and_synack),
		cmocka_unit_test(tcp4_synack_rst_and_data),
		cmocka_unit_test(udp_dns_query),
		cmocka_unit_test(icmp4_port_unreachable_quotes_udp),
		cmocka_unit_test(icmp_admin_prohibited_v4_v6),
		cmocka_unit_test(icmp_time_exceeded_quotes_syn),
		cmocka_unit_test(icmp_unreachable_and_too_big),
		cmocka_unit_test(fragments_v4_v6),
		cmocka_unit_test(raw_ip_link_types),
		cmocka_unit_test(vlan_tags_from_recorded_frame),
		cmocka_unit_test(icmp_quote_with_8_tcp_bytes),
		cmocka_unit_test(icmp_rfc4884_length_bounds_quote),
		cmocka_unit_test(ipv6_extension_headers),
		cmocka_unit_test(tcp_options_malformed),
		cmocka_unit_test(bad_headers_are_malformed),
		cmocka_unit_test(link_layer_edges),
		cmocka_unit_test(every_prefix_of_every_fixture),
		cmocka_unit_test(tcp_flags_str),
		cmocka_unit_test(ttl_initial_and_hops),
	};

	return cmocka_run_group_tests_name("dissect", tests, NULL, NULL);
}
