/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The flow table: recorded packets matched to the flow a probe registered,
 * ICMP errors by the header they quote, frames numbered as they will be in
 * the saved pcapng, memory bounded. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <string.h>

#include "netprobe/flow.h"

#include "fixture.h"

struct seen {
	int calls;
	int outgoing, icmp;
	uint32_t frame;
};

static void on_pkt(struct np_flow *flow, const struct np_flow_pkt *p, void *arg)
{
	struct seen *s = arg;

	(void)flow;
	s->calls++;
	s->outgoing = p->outgoing;
	s->icmp = p->icmp;
	s->frame = p->frame;
}

/* The flow of a recorded SYN, as its sender registers it. */
static struct np_flow *register_syn(struct np_flow_table *t, const char *syn, struct seen *s)
{
	struct fixture fx;
	struct np_packet p;
	struct sockaddr_storage l, r;

	load(syn, &fx);
	assert_int_equal(dis(fx.dlt, fx.data, fx.len, fx.wirelen, &p), 0);
	memset(&l, 0, sizeof(l));
	memset(&r, 0, sizeof(r));
	if (p.ip.family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&l, *b = (struct sockaddr_in *)&r;

		a->sin_family = b->sin_family = AF_INET;
		memcpy(&a->sin_addr, p.ip.src, 4);
		memcpy(&b->sin_addr, p.ip.dst, 4);
		a->sin_port = htons(p.tcp.sport);
		b->sin_port = htons(p.tcp.dport);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&l, *b = (struct sockaddr_in6 *)&r;

		a->sin6_family = b->sin6_family = AF_INET6;
		memcpy(&a->sin6_addr, p.ip.src, 16);
		memcpy(&b->sin6_addr, p.ip.dst, 16);
		a->sin6_port = htons(p.tcp.sport);
		b->sin6_port = htons(p.tcp.dport);
	}
	return np_flow_register(t, IPPROTO_TCP, (struct sockaddr *)&l, (struct sockaddr *)&r, on_pkt, s);
}

static uint32_t feed(struct np_flow_table *t, const char *name, uint64_t ts_ns)
{
	struct fixture fx;

	load(name, &fx);
	return np_flow_input(t, fx.dlt, ts_ns, (int64_t)(ts_ns / 1000), fx.data, (uint32_t)fx.len,
			     (uint32_t)fx.wirelen);
}

static void packets_land_on_their_flow(void **state)
{
	char errbuf[NP_ERRBUF_SIZE];
	struct np_flow_table *t = np_flow_table_new(1 << 20, errbuf);
	struct seen s = {0};
	struct np_flow *f;
	struct np_kept k;

	(void)state;
	assert_non_null(t);
	f = register_syn(t, "tcp4_syn", &s);
	assert_non_null(f);
	assert_int_equal(feed(t, "tcp4_syn", 1000), 1);
	assert_true(s.outgoing);
	assert_int_equal(feed(t, "tcp4_synack", 2000), 2);
	assert_false(s.outgoing);
	assert_false(s.icmp);
	/* Another flow's packets are not kept. */
	assert_int_equal(feed(t, "tcp6_syn", 3000), 0);
	assert_int_equal(feed(t, "udp4_dns", 4000), 0);
	assert_int_equal(s.calls, 2);
	assert_int_equal(np_flow_count(f), 2);
	assert_int_equal(np_flow_packet(f, 1)->frame, 2);
	assert_int_equal(np_flow_kept_count(t), 2);
	np_flow_kept(t, 1, &k);
	assert_int_equal(k.ts_ns, 2000);
	assert_null(k.comment);
	np_flow_table_free(t);
}

static void icmp_errors_match_by_their_quote(void **state)
{
	static const char *const errors[] = {
		"icmp4_admin_prohib", "icmp4_time_exceeded", "icmp4_net_unreach",
	};
	char errbuf[NP_ERRBUF_SIZE];

	(void)state;
	/* Each recorded error quotes a SYN of its own connect: register that
	 * SYN's flow from the quote's point of view by recording it first. */
	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
		struct np_flow_table *t = np_flow_table_new(1 << 20, errbuf);
		struct fixture fx;
		struct np_packet p;
		struct sockaddr_in l = {0}, r = {0};
		struct seen s = {0};

		load(errors[i], &fx);
		assert_int_equal(dis(fx.dlt, fx.data, fx.len, fx.wirelen, &p), 0);
		assert_true(p.inner_has_ports);
		l.sin_family = r.sin_family = AF_INET;
		memcpy(&l.sin_addr, p.inner_ip.src, 4);
		memcpy(&r.sin_addr, p.inner_ip.dst, 4);
		l.sin_port = htons(p.inner_tcp.sport);
		r.sin_port = htons(p.inner_tcp.dport);
		assert_non_null(np_flow_register(t, IPPROTO_TCP, (struct sockaddr *)&l,
						 (struct sockaddr *)&r, on_pkt, &s));
		assert_int_equal(feed(t, errors[i], 10), 1);
		assert_true(s.icmp);
		assert_false(s.outgoing);
		/* A different local port is another flow. */
		np_flow_table_free(t);
		t = np_flow_table_new(1 << 20, errbuf);
		l.sin_port = htons((uint16_t)(p.inner_tcp.sport + 1));
		assert_non_null(np_flow_register(t, IPPROTO_TCP, (struct sockaddr *)&l,
						 (struct sockaddr *)&r, on_pkt, &s));
		assert_int_equal(feed(t, errors[i], 10), 0);
		np_flow_table_free(t);
	}
}

/* A quote whose source a NAT rewrote matches no flow by its 5-tuple; a
 * flow registered with no local address and port takes it, and only
 * when the exact flow is not there. */
static void translated_quotes_reach_the_wildcard_flow(void **state)
{
	char errbuf[NP_ERRBUF_SIZE];
	struct np_flow_table *t = np_flow_table_new(1 << 20, errbuf);
	struct sockaddr_in any = {0}, r = {0}, l = {0};
	struct seen exact = {0}, wild = {0};
	struct fixture fx;
	struct np_packet p;

	(void)state;
	load("icmp4_time_exceeded", &fx);
	assert_int_equal(dis(fx.dlt, fx.data, fx.len, fx.wirelen, &p), 0);
	any.sin_family = r.sin_family = AF_INET;
	memcpy(&r.sin_addr, p.inner_ip.dst, 4);
	r.sin_port = htons(p.inner_tcp.dport);
	/* Registered for another source: the quote is not its. */
	l = any;
	l.sin_addr.s_addr = htonl(0xc6120164);      /* 198.18.1.100 */
	l.sin_port = htons(40000);
	assert_non_null(np_flow_register(t, IPPROTO_TCP, (struct sockaddr *)&l, (struct sockaddr *)&r,
					 on_pkt, &exact));
	assert_non_null(np_flow_register(t, IPPROTO_TCP, (struct sockaddr *)&any, (struct sockaddr *)&r,
					 on_pkt, &wild));
	assert_int_equal(feed(t, "icmp4_time_exceeded", 10), 1);
	assert_int_equal(wild.calls, 1);
	assert_true(wild.icmp);
	assert_int_equal(exact.calls, 0);
	/* The flow of the quoted source itself comes first. */
	memcpy(&l.sin_addr, p.inner_ip.src, 4);
	l.sin_port = htons(p.inner_tcp.sport);
	assert_non_null(np_flow_register(t, IPPROTO_TCP, (struct sockaddr *)&l, (struct sockaddr *)&r,
					 on_pkt, &exact));
	assert_int_equal(feed(t, "icmp4_time_exceeded", 20), 2);
	assert_int_equal(exact.calls, 1);
	assert_int_equal(wild.calls, 1);
	/* The wildcard takes ICMP errors only, never the flow's own packets. */
	np_flow_table_free(t);
	t = np_flow_table_new(1 << 20, errbuf);
	load("tcp4_syn", &fx);
	assert_int_equal(dis(fx.dlt, fx.data, fx.len, fx.wirelen, &p), 0);
	memcpy(&r.sin_addr, p.ip.dst, 4);
	r.sin_port = htons(p.tcp.dport);
	assert_non_null(np_flow_register(t, IPPROTO_TCP, (struct sockaddr *)&any, (struct sockaddr *)&r,
					 on_pkt, &wild));
	assert_int_equal(feed(t, "tcp4_syn", 30), 0);
	np_flow_table_free(t);
}

static void detached_flows_still_keep_packets(void **state)
{
	char errbuf[NP_ERRBUF_SIZE];
	struct np_flow_table *t = np_flow_table_new(1 << 20, errbuf);
	struct seen s = {0};
	struct np_flow *f = register_syn(t, "tcp6_syn", &s);

	(void)state;
	assert_int_equal(feed(t, "tcp6_syn", 1), 1);
	np_flow_detach(f);
	/* A late packet is still saved, but nobody is called any more. */
	assert_int_equal(feed(t, "tcp6_syn", 2), 2);
	assert_int_equal(np_flow_count(f), 2);
	assert_int_equal(s.calls, 1);
	np_flow_table_free(t);
}

static void comments_attach_to_frames(void **state)
{
	char errbuf[NP_ERRBUF_SIZE];
	struct np_flow_table *t = np_flow_table_new(1 << 20, errbuf);
	struct seen s = {0};
	struct np_kept k;

	(void)state;
	register_syn(t, "tcp4_syn", &s);
	feed(t, "tcp4_syn", 1);
	assert_int_equal(np_flow_comment(t, 1, "netprobe: first"), 0);
	assert_int_equal(np_flow_comment(t, 1, "netprobe: second"), 0);
	assert_int_equal(np_flow_comment(t, 0, "x"), NP_EINVAL);
	assert_int_equal(np_flow_comment(t, 2, "x"), NP_EINVAL);
	np_flow_kept(t, 0, &k);
	assert_string_equal(k.comment, "netprobe: first; netprobe: second");
	np_flow_table_free(t);
}

/* A run that saves no capture keeps no comments, and holds nothing for
 * them; a frame that is not there is still an error. */
static void comments_off_keep_nothing(void **state)
{
	char errbuf[NP_ERRBUF_SIZE];
	struct np_flow_table *t = np_flow_table_new(1 << 20, errbuf);
	struct np_flow_budget before, after;
	struct seen s = {0};
	struct np_kept k;

	(void)state;
	register_syn(t, "tcp4_syn", &s);
	feed(t, "tcp4_syn", 1);
	np_flow_set_comments(t, 0);
	np_flow_budget(t, &before);
	assert_int_equal(np_flow_comment(t, 1, "netprobe: first"), 0);
	assert_int_equal(np_flow_comment(t, 2, "x"), NP_EINVAL);
	np_flow_budget(t, &after);
	np_flow_kept(t, 0, &k);
	assert_null(k.comment);
	assert_int_equal(after.held, before.held);
	np_flow_set_comments(t, 1);
	assert_int_equal(np_flow_comment(t, 1, "netprobe: again"), 0);
	np_flow_kept(t, 0, &k);
	assert_string_equal(k.comment, "netprobe: again");
	np_flow_table_free(t);
}

/* Past its share of the budget (here B/8 = 8 KiB) a flow keeps the packets
 * that prove something with their headers only, wire length intact, and
 * counts the rest; the table never holds more than its budget. (It used to
 * keep every later packet's 128 header bytes: headers piled up past the
 * cap under a flood.) */
static void memory_bound_keeps_headers_only(void **state)
{
	char errbuf[NP_ERRBUF_SIZE];
	struct fixture fx;
	struct np_packet p;
	struct np_flow_table *t;
	struct np_flow *f;
	struct sockaddr_in l = {0}, r = {0};
	struct np_flow_stats st;
	struct np_flow_budget b;
	struct np_kept k;
	size_t whole = 0, headers = 0;

	(void)state;
	/* A 1520-byte first fragment of a UDP datagram: ports are there. */
	load("udp4_frag_first", &fx);
	assert_int_equal(dis(fx.dlt, fx.data, fx.len, fx.wirelen, &p), 0);
	assert_true(fx.len > NP_FLOW_HEADER_BYTES && p.udp.has_ports);
	l.sin_family = r.sin_family = AF_INET;
	memcpy(&l.sin_addr, p.ip.src, 4);
	memcpy(&r.sin_addr, p.ip.dst, 4);
	l.sin_port = htons(p.udp.sport);
	r.sin_port = htons(p.udp.dport);
	t = np_flow_table_new(64 << 10, errbuf);
	f = np_flow_register(t, IPPROTO_UDP, (struct sockaddr *)&l, (struct sockaddr *)&r, NULL, NULL);
	assert_non_null(f);
	for (int i = 1; i <= 1000; i++)
		feed(t, "udp4_frag_first", (uint64_t)i);
	for (size_t i = 0; i < np_flow_kept_count(t); i++) {
		np_flow_kept(t, i, &k);
		assert_int_equal(k.wirelen, fx.wirelen);
		if (k.caplen == fx.len)
			whole++;
		else if (k.caplen == NP_FLOW_HEADER_BYTES)
			headers++;
		else
			fail_msg("frame %zu: %u bytes", i + 1, k.caplen);
	}
	np_flow_kept(t, 0, &k);
	assert_int_equal(k.caplen, fx.len);
	/* Whole packets up to the share, then the first packets' headers. */
	assert_true(whole >= 2 && whole <= 8);
	assert_true(headers >= 1);
	assert_int_equal(np_flow_truncated(t), headers);
	np_flow_stats(f, &st);
	assert_int_equal(st.packets, 1000);
	assert_int_equal(st.not_kept, 1000 - whole - headers);
	assert_int_equal(st.not_kept_bytes, st.not_kept * fx.wirelen);
	np_flow_budget(t, &b);
	assert_int_equal(b.not_kept, st.not_kept);
	assert_int_equal(b.flows_over, 1);
	assert_true(b.peak <= b.budget);
	assert_true(st.held <= (64 << 10) / 8 + (64 << 10) / 64);
	np_flow_table_free(t);
}

/* --- a crafted TCP flow (raw IPv4), for the budget's rules ---------------- */

#define PEER_PORT 53
#define OUR_PORT 40000

/* An IPv4 TCP segment between 198.18.1.2:lport and 198.19.4.2:53 with len
 * payload bytes (all captured); out: sent by us. */
static size_t tcp_seg(uint8_t *b, uint16_t lport, int out, uint8_t flags, uint32_t seq, uint32_t ack,
		      size_t len)
{
	static const uint8_t us[4] = {198, 18, 1, 2}, peer[4] = {198, 19, 4, 2};
	size_t tot = 20 + 20 + len;

	memset(b, 0, tot);
	b[0] = 0x45;
	b[2] = (uint8_t)(tot >> 8);
	b[3] = (uint8_t)tot;
	b[8] = 64;
	b[9] = IPPROTO_TCP;
	memcpy(b + 12, out ? us : peer, 4);
	memcpy(b + 16, out ? peer : us, 4);
	b[20] = (uint8_t)((out ? lport : PEER_PORT) >> 8);
	b[21] = (uint8_t)(out ? lport : PEER_PORT);
	b[22] = (uint8_t)((out ? PEER_PORT : lport) >> 8);
	b[23] = (uint8_t)(out ? PEER_PORT : lport);
	b[24] = (uint8_t)(seq >> 24);
	b[25] = (uint8_t)(seq >> 16);
	b[26] = (uint8_t)(seq >> 8);
	b[27] = (uint8_t)seq;
	b[28] = (uint8_t)(ack >> 24);
	b[29] = (uint8_t)(ack >> 16);
	b[30] = (uint8_t)(ack >> 8);
	b[31] = (uint8_t)ack;
	b[32] = 5 << 4;
	b[33] = flags;
	b[34] = 0xff;
	return tot;
}

static uint16_t seg_port = OUR_PORT;

static uint32_t feed_seg(struct np_flow_table *t, uint64_t ts, int out, uint8_t flags, uint32_t seq,
			 uint32_t ack, size_t len)
{
	static uint8_t b[20 + 20 + 1460];
	size_t n = tcp_seg(b, seg_port, out, flags, seq, ack, len);

	return np_flow_input(t, NP_DLT_RAW, ts * 1000, (int64_t)ts, b, (uint32_t)n, (uint32_t)n);
}

static struct np_flow *register_crafted(struct np_flow_table *t, uint16_t lport)
{
	struct sockaddr_in l = {0}, r = {0};

	l.sin_family = r.sin_family = AF_INET;
	l.sin_addr.s_addr = htonl(0xc6120102);      /* 198.18.1.2 */
	r.sin_addr.s_addr = htonl(0xc6130402);      /* 198.19.4.2 */
	l.sin_port = htons(lport);
	r.sin_port = htons(PEER_PORT);
	return np_flow_register(t, IPPROTO_TCP, (struct sockaddr *)&l, (struct sockaddr *)&r, NULL, NULL);
}

/* A peer that streams without end: its flow stops at its share, keeps
 * what proves something (our retransmission, a keepalive, the reset, and
 * the last data packet before it), and counts the rest; another flow's
 * packets are still kept whole. */
static void a_flood_stops_at_its_share(void **state)
{
	char errbuf[NP_ERRBUF_SIZE];
	const size_t budget = 1 << 20;
	struct np_flow_table *t = np_flow_table_new(budget, errbuf);
	struct np_flow *flood = register_crafted(t, OUR_PORT);
	struct np_flow_stats st;
	struct np_flow_budget b;
	struct np_kept k;
	uint32_t seq = 1000, fr, rtx, ka, last, rst;

	seg_port = OUR_PORT;
	uint64_t ts = 1;

	(void)state;
	assert_non_null(flood);
	assert_int_not_equal(feed_seg(t, ts++, 1, NP_TCP_SYN, 1, 0, 0), 0);
	assert_int_not_equal(feed_seg(t, ts++, 0, NP_TCP_SYN | NP_TCP_ACK, seq - 1, 2, 0), 0);
	assert_int_not_equal(feed_seg(t, ts++, 1, NP_TCP_ACK | NP_TCP_PSH, 2, seq, 40), 0);
	for (int i = 0; i < 20000; i++, seq += 1460)
		feed_seg(t, ts++, 0, NP_TCP_ACK, seq, 42, 1460);
	np_flow_stats(flood, &st);
	assert_int_equal(st.packets, 20003);
	assert_int_equal(st.rx_bytes, 20000ull * 1460);
	assert_int_equal(st.tx_bytes, 40);
	assert_true(st.not_kept > 19000);
	assert_true(st.held <= budget / 8 + budget / 64);
	np_flow_budget(t, &b);
	assert_true(b.peak <= budget);
	/* Past the share: new data is counted, not kept, down to the last
	 * small packet the share had room for... */
	assert_int_equal(feed_seg(t, ts++, 0, NP_TCP_ACK, seq, 42, 1460), 0);
	seq += 1460;
	while (feed_seg(t, ts++, 0, NP_TCP_ACK, seq, 42, 1))
		seq++;
	seq++;
	assert_int_equal(feed_seg(t, ts++, 0, NP_TCP_ACK, seq, 42, 1), 0);
	seq++;
	/* ... what proves something keeps its headers: our retransmission
	 * (of the request among the flow's first packets), a keepalive, and
	 * the reset, after the last data packet before it. */
	rtx = feed_seg(t, ts++, 1, NP_TCP_ACK | NP_TCP_PSH, 2, seq, 40);
	assert_int_not_equal(rtx, 0);
	ka = feed_seg(t, ts++, 1, NP_TCP_ACK, 41, seq, 0);
	assert_int_not_equal(ka, 0);
	np_flow_kept(t, ka - 1, &k);
	assert_true(k.caplen <= NP_FLOW_HEADER_BYTES);
	assert_int_equal(feed_seg(t, ts++, 0, NP_TCP_ACK, seq, 42, 1460), 0);
	last = seq;
	rst = feed_seg(t, ts++, 1, NP_TCP_RST, 42, 0, 0);
	assert_int_not_equal(rst, 0);
	fr = rst - 1;
	/* The frame before the reset is the last data packet, held back. */
	assert_ptr_equal(np_flow_of_frame(t, fr), flood);
	np_flow_kept(t, fr - 1, &k);
	assert_int_equal(k.wirelen, 40 + 1460);
	assert_int_equal(k.caplen, NP_FLOW_HEADER_BYTES);
	assert_int_equal((uint32_t)(k.data[24] << 24 | k.data[25] << 16 | k.data[26] << 8 | k.data[27]), last);
	assert_int_equal(k.ts_ns, (ts - 2) * 1000);

	/* Another flow still has its whole share (128 KiB: some 50 packets
	 * of 1500 bytes with their records). */
	assert_non_null(register_crafted(t, OUR_PORT + 1));
	seg_port = OUR_PORT + 1;
	for (int i = 0; i < 50; i++) {
		fr = feed_seg(t, ts++, 0, NP_TCP_ACK, 5000 + 1460 * (uint32_t)i, 42, 1460);
		assert_int_not_equal(fr, 0);
		np_flow_kept(t, fr - 1, &k);
		assert_int_equal(k.caplen, 40 + 1460);
	}
	seg_port = OUR_PORT;
	np_flow_budget(t, &b);
	assert_true(b.peak <= budget);
	np_flow_table_free(t);
}

/* A flow registered with remote port 0 takes the packets of every remote
 * port of its address (a sweep from one source port): sent, answered and
 * quoted by ICMP errors; a flow of the exact 5-tuple comes first. */
static void any_remote_port_takes_a_sweep(void **state)
{
	char errbuf[NP_ERRBUF_SIZE];
	struct np_flow_table *t = np_flow_table_new(1 << 20, errbuf);
	struct sockaddr_in l = {0}, r = {0};
	struct seen sweep = {0}, exact = {0};
	struct fixture fx;
	struct np_packet p;

	(void)state;
	load("tcp4_syn", &fx);
	assert_int_equal(dis(fx.dlt, fx.data, fx.len, fx.wirelen, &p), 0);
	l.sin_family = r.sin_family = AF_INET;
	memcpy(&l.sin_addr, p.ip.src, 4);
	memcpy(&r.sin_addr, p.ip.dst, 4);
	l.sin_port = htons(p.tcp.sport);
	assert_non_null(np_flow_register(t, IPPROTO_TCP, (struct sockaddr *)&l, (struct sockaddr *)&r,
					 on_pkt, &sweep));
	assert_int_equal(feed(t, "tcp4_syn", 1), 1);
	assert_true(sweep.outgoing);
	assert_int_equal(feed(t, "tcp4_synack", 2), 2);
	assert_false(sweep.outgoing);
	assert_int_equal(sweep.calls, 2);
	/* Another local port is not the sweep's. */
	assert_int_equal(feed(t, "tcp6_syn", 3), 0);
	r.sin_port = htons(p.tcp.dport);
	assert_non_null(np_flow_register(t, IPPROTO_TCP, (struct sockaddr *)&l, (struct sockaddr *)&r,
					 on_pkt, &exact));
	assert_int_equal(feed(t, "tcp4_synack", 4), 3);
	assert_int_equal(exact.calls, 1);
	assert_int_equal(sweep.calls, 2);
	np_flow_table_free(t);

	/* An ICMP error quoting a SYN to any port of the address. */
	t = np_flow_table_new(1 << 20, errbuf);
	load("icmp4_admin_prohib", &fx);
	assert_int_equal(dis(fx.dlt, fx.data, fx.len, fx.wirelen, &p), 0);
	memcpy(&l.sin_addr, p.inner_ip.src, 4);
	memcpy(&r.sin_addr, p.inner_ip.dst, 4);
	l.sin_port = htons(p.inner_tcp.sport);
	r.sin_port = 0;
	memset(&sweep, 0, sizeof(sweep));
	assert_non_null(np_flow_register(t, IPPROTO_TCP, (struct sockaddr *)&l, (struct sockaddr *)&r,
					 on_pkt, &sweep));
	assert_int_equal(feed(t, "icmp4_admin_prohib", 5), 1);
	assert_true(sweep.icmp);
	np_flow_table_free(t);
}

static int keep_incoming(const struct np_flow_pkt *p, void *arg)
{
	int *asked = arg;

	(*asked)++;
	assert_int_equal(p->frame, 0);
	return !p->outgoing;
}

/* A flow that keeps only some packets: the others reach its callback with
 * frame 0 and are neither saved, numbered nor listed. */
static void keep_chooses_the_frames(void **state)
{
	char errbuf[NP_ERRBUF_SIZE];
	struct np_flow_table *t = np_flow_table_new(1 << 20, errbuf);
	struct seen s = {0};
	struct np_flow *f = register_syn(t, "tcp4_syn", &s);
	int asked = 0;

	(void)state;
	np_flow_set_keep(f, keep_incoming, &asked);
	assert_int_equal(feed(t, "tcp4_syn", 1), 0);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.frame, 0);
	assert_int_equal(feed(t, "tcp4_synack", 2), 1);
	assert_int_equal(s.frame, 1);
	assert_int_equal(asked, 2);
	assert_int_equal(np_flow_count(f), 1);
	assert_int_equal(np_flow_kept_count(t), 1);
	/* Detached: no more questions, every packet kept again. */
	np_flow_detach(f);
	assert_int_equal(feed(t, "tcp4_syn", 3), 2);
	assert_int_equal(asked, 2);
	np_flow_table_free(t);
}

/* A flow that lists only some packets: every one is still saved,
 * numbered and handed to its callback; the list holds the chosen ones. */
static void list_chooses_what_is_listed(void **state)
{
	char errbuf[NP_ERRBUF_SIZE];
	struct np_flow_table *t = np_flow_table_new(1 << 20, errbuf);
	struct seen s = {0};
	struct np_flow *f = register_syn(t, "tcp4_syn", &s);
	int asked = 0;

	(void)state;
	np_flow_set_list(f, keep_incoming, &asked);
	assert_int_equal(feed(t, "tcp4_syn", 1), 1);
	assert_int_equal(s.frame, 1);
	assert_int_equal(feed(t, "tcp4_synack", 2), 2);
	assert_int_equal(s.frame, 2);
	assert_int_equal(feed(t, "tcp4_syn", 3), 3);
	assert_int_equal(s.calls, 3);
	assert_int_equal(asked, 3);
	assert_int_equal(np_flow_kept_count(t), 3);
	assert_int_equal(np_flow_count(f), 1);
	assert_int_equal(np_flow_packet(f, 0)->frame, 2);
	assert_false(np_flow_packet(f, 0)->outgoing);
	np_flow_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(packets_land_on_their_flow),
		cmocka_unit_test(icmp_errors_match_by_their_quote),
		cmocka_unit_test(translated_quotes_reach_the_wildcard_flow),
		cmocka_unit_test(detached_flows_still_keep_packets),
		cmocka_unit_test(comments_attach_to_frames),
		cmocka_unit_test(comments_off_keep_nothing),
		cmocka_unit_test(memory_bound_keeps_headers_only),
		cmocka_unit_test(any_remote_port_takes_a_sweep),
		cmocka_unit_test(keep_chooses_the_frames),
		cmocka_unit_test(list_chooses_what_is_listed),
		cmocka_unit_test(a_flood_stops_at_its_share),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
