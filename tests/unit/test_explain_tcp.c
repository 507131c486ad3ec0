/* SPDX-License-Identifier: GPL-3.0-or-later */
/* netprobe explain: how TCP connections end, beyond the idle gap and the
 * handshake (test_explain.c): resets by the path or by an end with data in
 * flight and retransmission timeouts, whatever --min-idle says; silences
 * that are retransmission timeouts; connections captured in one direction
 * only; TTLs whose initial value cannot be told. On the tracker with
 * hand-built packet lists, the engine with hand-built connections, and
 * captures: fixtures/captures/gen_tcp.py's, and others' (zeek, tcpdump;
 * see fixtures/captures/README.md), checked against tshark -r. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "explain_tcp.h"

/* --- the tracker ----------------------------------------------------------- */

static void ttl_without_known_initial_places_no_hop(void **state)
{
	struct np_ttl_ref r;
	char buf[48];

	(void)state;
	assert_int_equal(np_tcp_ttl_hops(64), 0);
	assert_int_equal(np_tcp_ttl_hops(61), 3);
	assert_int_equal(np_tcp_ttl_hops(116), 12);
	assert_int_equal(np_tcp_ttl_hops(255), 0);
	assert_int_equal(np_tcp_ttl_hops(240), 15);
	/* eBGP's 1, a traceroute's 2: not "hop 32". */
	assert_int_equal(np_tcp_ttl_hops(1), -1);
	assert_int_equal(np_tcp_ttl_hops(2), -1);
	assert_int_equal(np_tcp_ttl_hops(32), -1);
	/* 55 hops below 255, 50 below 128: no path is that long. */
	assert_int_equal(np_tcp_ttl_hops(200), -1);
	assert_int_equal(np_tcp_ttl_hops(78), -1);
	assert_int_equal(np_tcp_ttl_hops(0), -1);

	np_ttl_ref_init(&r);
	assert_int_equal(np_ttl_ref_match(&r, 64), NP_TTL_UNKNOWN);
	assert_string_equal(np_ttl_ref_str(&r, buf, sizeof(buf)), "no TTL");
	/* An eBGP speaker's own packets: TTL 1. Its kernel's reset (64) is
	 * not placed against them; a reset with TTL 1 is its own. */
	np_ttl_ref_add(&r, 1);
	assert_true(r.odd);
	assert_int_equal(r.hops_min, -1);
	assert_int_equal(np_ttl_ref_match(&r, 64), NP_TTL_ODD);
	assert_int_equal(np_ttl_ref_match(&r, 1), NP_TTL_SAME);
	/* Its SYN-ACK with 255 (GTSM, RFC 5082): hop 0, as the reset's 64. */
	np_ttl_ref_add(&r, 255);
	assert_int_equal(np_ttl_ref_match(&r, 64), NP_TTL_SAME);
	assert_int_equal(np_ttl_ref_match(&r, 63), NP_TTL_OTHER);
	assert_string_equal(np_ttl_ref_str(&r, buf, sizeof(buf)), "TTLs 1, 255");
	/* A host at hop 4 (3 routers), whatever its initial TTL; a firewall at hop 2. */
	np_ttl_ref_init(&r);
	np_ttl_ref_add(&r, 61);
	assert_int_equal(np_ttl_ref_match(&r, 61), NP_TTL_SAME);
	assert_int_equal(np_ttl_ref_match(&r, 252), NP_TTL_SAME);
	assert_int_equal(np_ttl_ref_match(&r, 63), NP_TTL_OTHER);
	assert_int_equal(np_ttl_ref_match(&r, 1), NP_TTL_ODD);
	assert_string_equal(np_ttl_ref_str(&r, buf, sizeof(buf)), "TTL 61");
	assert_string_equal(np_ttl_ref_str(&r, buf, 5), "TTL");
}

static void retransmissions_are_not_silence(void **state)
{
	/* The server closes (FIN at 1 s, acknowledged); the client's FIN is
	 * never acknowledged and is sent again doubling from 0.2 s: gaps of
	 * 25.6 and 51.2 s are a retransmission timeout, not idle time. */
	struct np_tcp_pkt v[16];
	struct np_tcp_track t;
	struct np_tcp_mark m;
	int64_t at = 1 * S + 50 * MS, rto = 200 * MS;
	size_t n = 0;

	(void)state;
	v[n++] = tp(1, 0, 0, PSH | ACK, 64, 100, 900, 10);
	v[n++] = tp(2, 1 * MS, 1, PSH | ACK, 61, 900, 110, 20);
	v[n++] = tp(3, 2 * MS, 0, ACK, 64, 110, 920, 0);
	v[n++] = tp(4, 1 * S, 1, FIN | ACK, 61, 920, 110, 0);
	v[n++] = tp(5, 1 * S + 1 * MS, 0, ACK, 64, 110, 921, 0);
	v[n++] = tp(6, at, 0, FIN | ACK, 64, 110, 921, 0);
	for (int i = 0; i < 9; i++, rto *= 2) {
		at += rto;
		v[n] = tp(7 + (uint64_t)i, at, 0, FIN | ACK, 64, 110, 921, 0);
		n++;
	}
	np_tcp_track_list(&t, 30 * S, v, n);
	assert_true(np_tcp_largest_gap(&t, NULL, NULL) >= 51 * S);
	assert_int_equal(t.n_idle, 0);
	assert_int_equal(np_tcp_fin_from(&t, 0, 1, &m), 0);

	/* The same close without the retransmissions, but the client's FIN
	 * 40 s after the server's: a silence, and the client answering the
	 * server's close late, not closing an idle connection. */
	v[5].t_ns = 41 * S;
	np_tcp_track_list(&t, 30 * S, v, 6);
	assert_int_equal(t.n_idle, 1);
	assert_int_equal(np_tcp_fin_from(&t, 0, 1, NULL), 0);
	assert_int_equal(np_tcp_fin_from(&t, 1, 1, NULL), 0);
	{
		/* Data acknowledged, 300 s, the same data again: the
		 * acknowledgement was lost on the way back, the sender was
		 * waiting (zeek's tcp/retransmit-timeout.pcapng). A one-byte
		 * keep-alive after the same silence is idleness. */
		const struct np_tcp_pkt w[] = {
			tp(1, 0, 0, ACK, 64, 1001, 2001, 18),
			tp(2, 10000, 1, ACK, 64, 2001, 1019, 0),
			tp(3, 300 * S, 0, ACK, 64, 1001, 2001, 18),
		};
		const struct np_tcp_pkt k[] = {
			tp(1, 0, 0, ACK, 128, 1001, 2001, 18),
			tp(2, 10000, 1, ACK, 64, 2001, 1019, 0),
			tp(3, 300 * S, 0, ACK, 128, 1018, 2001, 1),
		};
		/* SYNs retransmitted with 32 s between the last two. */
		const struct np_tcp_pkt y[] = {
			tp(1, 0, 0, SYN, 64, 7, 0, 0),
			tp(2, 31 * S, 0, SYN, 64, 7, 0, 0),
			tp(3, 63 * S, 0, SYN, 64, 7, 0, 0),
		};

		TRACK(t, 30 * S, w);
		assert_int_equal(t.n_idle, 0);
		TRACK(t, 30 * S, k);
		assert_int_equal(t.n_idle, 1);
		TRACK(t, 30 * S, y);
		assert_int_equal(t.n_idle, 0);
	}
}

static void one_direction_only(void **state)
{
	/* The client's side of a connection whose server packets took
	 * another path: SYNs, then an ACK of a SYN-ACK the capture does not
	 * hold, then a session (zeek's ssh.client-side-half-duplex). */
	const struct np_tcp_pkt v[] = {
		tp(1, 0, 0, SYN, 64, 100, 0, 0),
		tp(2, 112 * MS, 0, SYN, 64, 100, 0, 0),
		tp(3, 213 * MS, 0, SYN, 64, 100, 0, 0),
		tp(4, 214 * MS, 0, ACK, 64, 101, 9001, 0),
		tp(5, 224 * MS, 0, PSH | ACK, 64, 101, 9022, 21),
		tp(6, 5 * S, 0, PSH | ACK, 64, 122, 9500, 100),
	};
	/* The server's side of a connection started before the capture. */
	const struct np_tcp_pkt w[] = {
		tp(1, 0, 1, ACK, 61, 5000, 300, 0),
		tp(2, 1 * S, 1, PSH | ACK, 61, 5000, 350, 10),
		tp(3, 2 * S, 1, ACK, 61, 5010, 400, 0),
	};
	struct np_tcp_track t;

	(void)state;
	TRACK(t, 30 * S, v);
	assert_int_equal(np_tcp_one_sided(&t), 1);
	assert_int_equal(np_tcp_handshake(&t), NP_HS_UNSEEN);
	assert_int_equal(t.side[1].acked_unseen, 3);
	assert_int_equal(t.side[1].unseen.frame, 4);
	TRACK(t, 30 * S, w);
	assert_int_equal(np_tcp_one_sided(&t), 0);
	assert_int_equal(t.side[0].unseen.frame, 2);
	/* A lone SYN-ACK (its SYN before the capture): no connection carrying
	 * on without its other direction. */
	{
		const struct np_tcp_pkt lone[] = { tp(1, 0, 1, SYN | ACK, 61, 9000, 101, 0) };

		TRACK(t, 30 * S, lone);
		assert_int_equal(np_tcp_one_sided(&t), -1);
		assert_int_equal(t.side[0].acked_unseen, 1);
	}
}

static void reset_context(void **state)
{
	/* Handshake, a request the server acknowledges, a second request,
	 * then a reset from hop 2 (TTL 63) and the server's own (TTL 61). */
	const struct np_tcp_pkt v[] = {
		tp(1, 0, 0, SYN, 64, 100, 0, 0),
		tp(2, 1 * MS, 1, SYN | ACK, 61, 900, 101, 0),
		tp(3, 2 * MS, 0, ACK, 64, 101, 901, 0),
		tp(4, 3 * MS, 0, PSH | ACK, 64, 101, 901, 10),
		tp(5, 4 * MS, 1, ACK, 61, 901, 111, 0),
		tp(6, 6 * S, 0, PSH | ACK, 64, 111, 901, 10),
		tp(7, 6 * S + 1 * MS, 1, RST | ACK, 63, 901, 121, 0),
		tp(8, 6 * S + 2 * MS, 1, RST | ACK, 61, 901, 121, 0),
		tp(9, 6 * S + 3 * MS, 1, RST | ACK, 61, 901, 121, 0),
	};
	struct np_tcp_track t;
	struct np_tcp_reset r[4];

	(void)state;
	TRACK(t, 30 * S, v);
	assert_int_equal(np_tcp_resets(&t, r), 2);
	assert_int_equal(r[0].mark.frame, 7);
	assert_int_equal(r[0].dir, 1);
	assert_int_equal(r[0].match, NP_TTL_OTHER);
	assert_int_equal(r[0].hops, 1);
	assert_true(r[0].established);
	assert_int_equal(r[0].outstanding, 1);      /* the client's second request */
	assert_true(r[0].acks_all);
	/* The silence before the request it answered. */
	assert_true(r[0].quiet_ns > 5 * S && r[0].quiet_ns < 6 * S);
	assert_int_equal(r[1].mark.frame, 8);
	assert_int_equal(r[1].match, NP_TTL_SAME);
	assert_int_equal(np_tcp_first_reset(&t, 0, r), 1);
	assert_int_equal(r[0].mark.frame, 7);
	assert_int_equal(np_tcp_first_reset(&t, 1, r), 0);
}

/* --- the engine ------------------------------------------------------------ */

static void path_reset_whatever_min_idle(void **state)
{
	double idle[] = {30, 5};
	const char *want[] = {"tcp.reset_by_path", "idle.reset_by_path"};

	(void)state;
	for (int i = 0; i < 2; i++) {
		struct conv c = {engine(idle[i]), 40000, 0, 0, 61};
		struct np_report *r;
		const struct np_finding *f;

		/* 6 s after the exchange, a request; a reset from hop 2 answers. */
		exchange(&c, 0);
		c2s(&c, 6 * S + 10 * MS, PSH | ACK, 30);
		s2c(&c, 6 * S + 11 * MS, RST, 0, 63);
		r = finish(c.e, NULL);
		assert_int_equal(r->n_findings, 1);
		f = r->findings[0];
		assert_string_equal(f->verdict->code, want[i]);
		assert_int_equal(f->status, NP_FAIL);
		assert_string_equal(f->address, SRV);
		assert_int_equal(metric_int(f, "sender_hop"), 2);
		assert_int_equal(metric_int(f, "peer_hop"), 4);
		assert_int_equal(metric_int(f, "reply_ttl"), 63);
		assert_int_equal(metric_int(f, "peer_ttl"), 61);
		assert_string_equal(metric_str(f, "reset_from"), "server");
		assert_int_equal(last_frame(f), 9);
		if (i == 0) {
			assert_true(metric_real(f, "quiet_s") > 5.99 && metric_real(f, "quiet_s") < 6.01);
			assert_non_null(strstr(f->summary, "after 6.0 s of silence (below --min-idle 30 s"));
		}
		np_report_free(r);
	}
}

static void injected_reset_mid_stream(void **state)
{
	struct conv c = {engine(30), 40001, 0, 0, 52};
	struct np_report *r;
	const struct np_finding *f;

	(void)state;
	exchange(&c, 0);
	/* The server keeps sending; a reset with TTL 250 (hop 6 from 255)
	 * comes between two of its segments, which go on after it. */
	for (int i = 0; i < 4; i++) {
		s2c(&c, 20 * MS + i * MS, PSH | ACK, 1000, 0);
		c.sseq += 1000;
		if (i == 1)
			s2c(&c, 21 * MS + 500000, RST | ACK, 0, 250);
	}
	r = finish(c.e, NULL);
	assert_int_equal(r->n_findings, 1);
	f = by_verdict(r, "tcp.reset_by_path");
	assert_int_equal(metric_int(f, "sender_hop"), 6);
	assert_int_equal(metric_int(f, "peer_hop"), 13);
	assert_int_equal(metric_int(f, "established"), 1);
	assert_int_equal(last_frame(f), 10);
	assert_non_null(strstr(f->summary, "reset mid-stream by a device on the path"));
	assert_non_null(strstr(f->summary, "the server's own packets went on after it (frame 12)"));
	np_report_free(r);
}

static void ends_own_resets(void **state)
{
	struct np_explain *e = engine(30);
	struct conv a = {e, 41000, 0, 0, 61}, b = {e, 41001, 0, 0, 61}, c = {e, 41002, 0, 0, 61};
	struct np_explain_stats st;
	struct np_report *r;
	const struct np_finding *f;

	(void)state;
	/* a: a request the server answers with its own reset: aborted. */
	exchange(&a, 0);
	c2s(&a, 1 * S, PSH | ACK, 50);
	s2c(&a, 1 * S + 2 * MS, RST, 0, 0);
	/* b: everything acknowledged, the client resets: an abortive close. */
	exchange(&b, 0);
	c2s(&b, 1 * S, RST | ACK, 0);
	/* c: the server closed first; the client's late request is reset. */
	exchange(&c, 0);
	s2c(&c, 1 * S, FIN | ACK, 0, 0);
	c.sseq++;
	c2s(&c, 1 * S + 1 * MS, PSH | ACK, 50);
	s2c(&c, 1 * S + 2 * MS, RST, 0, 0);
	r = finish(e, &st);
	assert_int_equal(r->n_findings, 1);
	f = r->findings[0];
	assert_string_equal(f->verdict->code, "tcp.reset_by_peer");
	assert_int_equal(f->status, NP_WARN);
	assert_string_equal(f->target, CLI ":41000 -> " SRV ":443");
	assert_string_equal(metric_str(f, "reset_from"), "server");
	assert_string_equal(metric_str(f, "unacked_from"), "client");
	assert_int_equal(metric_int(f, "reply_ttl"), 61);
	assert_int_equal(f->n_evidence, 2);
	assert_int_equal(f->evidence[0].frame, 8);  /* the request */
	assert_int_equal(last_frame(f), 9);
	assert_int_equal(st.reset_closes, 2);
	assert_int_equal(st.problems, 1);
	np_report_free(r);

	/* Only the connection that closed with a reset: clean, and said so. */
	e = engine(30);
	b.e = e;
	exchange(&b, 0);
	c2s(&b, 1 * S, RST | ACK, 0);
	r = finish(e, &st);
	f = by_verdict(r, "explain.clean");
	assert_int_equal(metric_int(f, "reset_closes"), 1);
	np_report_free(r);
}

static void reset_of_undecidable_origin(void **state)
{
	/* Begun before the capture: the client's request, the server's
	 * reset, nothing else from the server anywhere. */
	struct conv c = {engine(30), 50000, 100, 200, 61};
	struct np_report *r;
	const struct np_finding *f;

	(void)state;
	c2s(&c, 0, ACK, 0);
	c2s(&c, 1 * S, PSH | ACK, 40);
	s2c(&c, 1 * S + 1 * MS, RST, 0, 61);
	r = finish(c.e, NULL);
	f = by_verdict(r, "tcp.reset");
	assert_int_equal(f->status, NP_WARN);
	assert_non_null(strstr(f->summary, "sent no other packet"));
	assert_true(metric_null(f, "peer_ttl"));
	np_report_free(r);

	/* An eBGP speaker (TTL 1 on its own packets) resetting with its
	 * kernel's TTL 64 while data was in flight: no hop placed, no device
	 * invented. */
	c.e = engine(30);
	c.sttl = 1;
	exchange(&c, 0);
	c2s(&c, 1 * S, PSH | ACK, 19);
	s2c(&c, 1 * S + 1 * MS, RST, 0, 64);
	r = finish(c.e, NULL);
	assert_int_equal(count_verdict(r, "tcp.reset_by_path"), 0);
	f = by_verdict(r, "tcp.reset");
	assert_non_null(strstr(f->summary, "cannot be compared"));
	assert_int_equal(metric_int(f, "sender_hop"), 1);
	np_report_free(r);
}

static void retransmitted_until_the_end(void **state)
{
	struct np_explain *e = engine(30);
	struct conv a = {e, 42000, 0, 0, 61}, b = {e, 42001, 0, 0, 61}, c = {e, 42002, 0, 0, 61};
	struct np_report *r;
	const struct np_finding *f;
	static const int64_t at[] = {0, 200, 600, 1400, 3000};

	(void)state;
	exchange(&a, 0);
	exchange(&b, 0);
	exchange(&c, 0);
	/* a: 4 retransmissions of a request, nothing back, nothing more. */
	for (int i = 0; i < 5; i++)
		c2s(&a, 2 * S + at[i] * MS, PSH | ACK, 80);
	/* b: the same, but the server's window is zero: persist probes. */
	s2c(&b, 1 * S, ACK, 0, 0);
	{
		uint8_t p[64];
		size_t n = pkt4(p, SRV, 443, CLI, b.cport, b.sseq, b.cseq, ACK, 61, 0, 0);

		assert_int_equal(np_explain_frame(e, NP_DLT_RAW, 1 * S + 1 * MS, p, (uint32_t)n, (uint32_t)n), 0);
	}
	for (int i = 0; i < 5; i++)
		c2s(&b, 2 * S + at[i] * MS, PSH | ACK, 1);
	/* c: two retransmissions only: where the capture stopped. */
	for (int i = 0; i < 3; i++)
		c2s(&c, 2 * S + at[i] * MS, PSH | ACK, 80);
	r = finish(e, NULL);
	assert_int_equal(r->n_findings, 1);
	f = r->findings[0];
	assert_string_equal(f->verdict->code, "tcp.retransmit_timeout");
	assert_string_equal(f->target, CLI ":42000 -> " SRV ":443");
	assert_int_equal(metric_int(f, "retransmissions"), 4);
	assert_int_equal(metric_int(f, "gave_up"), 0);
	assert_true(metric_real(f, "retransmit_span_s") > 2.99 && metric_real(f, "retransmit_span_s") < 3.01);
	assert_non_null(strstr(f->summary, "sent 5 times over 3.0 s"));
	np_report_free(r);
}

/* --- captures -------------------------------------------------------------- */

static void capture_windows_gives_up(void **state)
{
	/* tshark -r: frame 8 the request (310 bytes, TTL 128), 9-13 its
	 * retransmissions at 4.3, 4.9, 6.1, 8.5, 13.3 s, 14 the client's
	 * reset at 22.9 s; nothing from the server after frame 6. */
	struct np_report *r = explain_fixture("retransmit_windows.pcap", 0, NULL);
	const struct np_finding *f;

	(void)state;
	assert_int_equal(r->n_findings, 1);
	f = by_verdict(r, "tcp.retransmit_timeout");
	assert_int_equal(f->status, NP_FAIL);
	assert_string_equal(f->target, "10.1.0.20:50100 -> 203.0.113.80:443");
	assert_string_equal(metric_str(f, "data_from"), "client");
	assert_int_equal(metric_int(f, "retransmissions"), 5);
	assert_int_equal(metric_int(f, "gave_up"), 1);
	assert_int_equal(metric_int(f, "replies"), 0);
	assert_true(metric_real(f, "retransmit_span_s") > 9.29 && metric_real(f, "retransmit_span_s") < 9.31);
	assert_int_equal(f->n_evidence, 3);
	assert_int_equal(f->evidence[0].frame, 8);
	assert_int_equal(f->evidence[1].frame, 13);
	assert_int_equal(last_frame(f), 14);
	np_report_free(r);
}

static void capture_injected_resets(void **state)
{
	/* gen_tcp.py: frame 15 is the reset with TTL 62 and IP ID 0xbeef,
	 * the server's own packets TTL 53, frame 16 its data after it. */
	struct np_report *r = explain_fixture("reset_injected.pcap", 0, NULL);
	const struct np_finding *f;

	(void)state;
	assert_int_equal(r->n_findings, 1);
	f = by_verdict(r, "tcp.reset_by_path");
	assert_int_equal(last_frame(f), 15);
	assert_int_equal(metric_int(f, "sender_hop"), 3);
	assert_int_equal(metric_int(f, "peer_hop"), 12);
	assert_non_null(strstr(f->summary, "(frame 16)"));
	np_report_free(r);

	/* zeek tcp/rst-inject-rae.pcap: frame 2, a reset with TTL 46 (and the
	 * client SYN's IP ID) before the server's SYN-ACK (TTL 49, frame 3). */
	r = explain_fixture("zeek/rst-inject-rae.pcap", 0, NULL);
	assert_int_equal(r->n_findings, 1);
	f = by_verdict(r, "tcp.reset_by_path");
	assert_int_equal(last_frame(f), 2);
	assert_int_equal(metric_int(f, "reply_ttl"), 46);
	assert_int_equal(metric_int(f, "peer_ttl"), 49);
	assert_int_equal(metric_int(f, "established"), 0);
	assert_non_null(strstr(f->summary, "during the handshake"));
	np_report_free(r);

	/* The lab's recorded path reset after 5 s of silence: below the
	 * default --min-idle it is still a reset by the path. */
	r = explain_fixture("idle_reset_path.pcap", 0, NULL);
	assert_int_equal(count_verdict(r, "tcp.reset_by_path"), 2);
	assert_int_equal(count_verdict(r, "explain.clean"), 0);
	np_report_free(r);
}

static void capture_resets_by_the_ends(void **state)
{
	struct np_explain_stats st;
	struct np_report *r = explain_fixture("reset_by_peer.pcap", 0, &st);
	const struct np_finding *f;

	(void)state;
	assert_int_equal(r->n_findings, 1);
	f = by_verdict(r, "tcp.reset_by_peer");
	assert_string_equal(f->target, "198.18.1.2:40200 -> 198.19.4.2:8443");
	assert_int_equal(f->evidence[0].frame, 8);
	assert_int_equal(last_frame(f), 9);
	assert_int_equal(st.reset_closes, 1);
	np_report_free(r);
}

static void capture_one_sided(void **state)
{
	/* zeek ssh.client-side-half-duplex, port 51489: 3 SYNs, then the
	 * client's ACK of a SYN-ACK never captured (frame 4) and its session. */
	struct np_explain_stats st;
	struct np_report *r = explain_fixture("zeek/ssh.client-side-half-duplex-51489.pcap", 0, &st);
	const struct np_finding *f;

	(void)state;
	assert_int_equal(count_verdict(r, "tcp.filtered"), 0);
	assert_int_equal(st.one_sided, 1);
	f = by_verdict(r, "explain.one_sided");
	assert_int_equal(f->status, NP_WARN);
	assert_int_equal(metric_int(f, "one_sided"), 1);
	assert_int_equal(last_frame(f), 4);
	assert_non_null(strstr(f->summary, "192.168.1.31:51489, whose peer 192.168.1.32:22 never appears"));
	assert_int_equal(metric_int(by_verdict(r, "explain.clean"), "one_sided"), 1);
	np_report_free(r);

	/* zeek tcp/one-sided-2745: the server's side only; its FIN after 36 s
	 * acknowledges the client's FIN the capture does not hold. */
	r = explain_fixture("zeek/one-sided-2745.pcap", 0, &st);
	assert_int_equal(count_verdict(r, "idle.closed_by_peer"), 0);
	assert_int_equal(st.one_sided, 2);
	assert_int_equal(by_verdict(r, "explain.one_sided")->n_evidence, 2);
	np_report_free(r);

	/* zeek ipv6-http-atomic-frag: the client's segments carry a fragment
	 * header with offset 0 and no more fragments (RFC 6946): whole
	 * segments, both directions there (tshark: 36 TCP segments). */
	r = explain_fixture("zeek/ipv6-http-atomic-frag.pcap", 0, &st);
	assert_int_equal(st.one_sided, 0);
	assert_int_equal(st.flows, 4);
	assert_int_equal(st.tcp, 36);
	np_report_free(r);
}

static void capture_fin_retransmissions_are_not_idle(void **state)
{
	/* zeek socks.pcap: the server's FIN (frame 46) acknowledged, then the
	 * client's FIN (48) sent again at 43, 92, 157, 221 and 286 s, never
	 * acknowledged: not "closed by the client after 64 s idle". */
	struct np_explain_stats st;
	struct np_report *r = explain_fixture("zeek/socks.pcap", 0, &st);

	(void)state;
	assert_int_equal(count_verdict(r, "idle.closed_by_peer"), 0);
	assert_int_equal(r->n_findings, 1);
	assert_int_equal(count_verdict(r, "explain.clean"), 1);
	assert_true(st.longest_gap_ns > 64 * S);
	np_report_free(r);
}

static void capture_ebgp_ttl1(void **state)
{
	/* tcpdump bgp-4byte-asn.pcap: eBGP speakers send their data with TTL
	 * 1; frames 20 and 24 are their kernels' resets (TTL 64) to SYNs on
	 * port 179: refusals of undetermined origin, no device at "hop 32". */
	struct np_report *r = explain_fixture("tcpdump/bgp-4byte-asn.pcap", 0, NULL);

	(void)state;
	assert_int_equal(count_verdict(r, "tcp.rejected"), 0);
	assert_int_equal(count_verdict(r, "tcp.refused"), 2);
	for (size_t i = 0; i < r->n_findings; i++) {
		const struct np_finding *f = r->findings[i];

		assert_non_null(strstr(f->summary, "no hop is placed"));
		assert_true(metric_null(f, "target_hop"));
		assert_int_equal(metric_int(f, "sender_hop"), 1);
		assert_int_equal(metric_int(f, "target_ttl"), 1);
	}
	assert_int_equal(last_frame(r->findings[0]), 20);
	assert_int_equal(last_frame(r->findings[1]), 24);
	np_report_free(r);
}

static uint32_t lcg(uint32_t *x)
{
	*x = *x * 1103515245u + 12345u;
	return *x >> 8;
}

static void hostile_sequences(void **state)
{
	/* Packets with any flags, sequence and acknowledgement numbers near
	 * each other, TTLs, times going back and forth, over a few 5-tuples:
	 * every finding is a registered verdict, memory stays the engine's. */
	uint32_t x = 7;

	(void)state;
	for (int run = 0; run < 20; run++) {
		struct np_explain *e = engine(run % 2 ? 1 : 30);
		struct np_report *r;
		int64_t t = 0;

		for (int i = 0; i < 3000; i++) {
			uint8_t b[1600];
			uint32_t v = lcg(&x);
			int dir = v & 1;
			uint16_t port = (uint16_t)(40000 + ((v >> 1) & 3));
			uint32_t seq = 1000 + (lcg(&x) & 0xfff), ack = 5000 + (lcg(&x) & 0xfff);
			uint8_t flags = (uint8_t)lcg(&x), ttl = (uint8_t)lcg(&x);
			uint16_t len = (uint16_t)(lcg(&x) % 3 == 0 ? lcg(&x) & 0x3ff : 0);
			size_t n;

			t += (int64_t)(lcg(&x) % 4000) * MS - 500 * MS;
			n = dir ? pkt4(b, SRV, 443, CLI, port, seq, ack, flags, ttl, len, (uint16_t)lcg(&x))
				: pkt4(b, CLI, port, SRV, 443, seq, ack, flags, ttl, len, (uint16_t)lcg(&x));
			assert_int_equal(np_explain_frame(e, NP_DLT_RAW, t, b, (uint32_t)n, (uint32_t)n), 0);
		}
		r = np_report_new("explain");
		assert_non_null(r);
		assert_int_equal(np_explain_finish(e, r), 0);
		assert_true(r->n_findings >= 1);
		for (size_t i = 0; i < r->n_findings; i++)
			assert_non_null(r->findings[i]->verdict);
		np_explain_free(e);
		np_report_free(r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ttl_without_known_initial_places_no_hop),
		cmocka_unit_test(retransmissions_are_not_silence),
		cmocka_unit_test(one_direction_only),
		cmocka_unit_test(reset_context),
		cmocka_unit_test(path_reset_whatever_min_idle),
		cmocka_unit_test(injected_reset_mid_stream),
		cmocka_unit_test(ends_own_resets),
		cmocka_unit_test(reset_of_undecidable_origin),
		cmocka_unit_test(retransmitted_until_the_end),
		cmocka_unit_test(capture_windows_gives_up),
		cmocka_unit_test(capture_injected_resets),
		cmocka_unit_test(capture_resets_by_the_ends),
		cmocka_unit_test(capture_one_sided),
		cmocka_unit_test(capture_fin_retransmissions_are_not_idle),
		cmocka_unit_test(capture_ebgp_ttl1),
		cmocka_unit_test(hostile_sequences),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
