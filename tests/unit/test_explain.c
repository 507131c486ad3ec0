/* SPDX-License-Identifier: GPL-3.0-or-later */
/* netprobe explain: the per-connection TCP event tracker on hand-built
 * packet lists, the engine on hand-built connections (expected values
 * worked out by hand in the comments), and the reader on the captures the
 * lab recorded (fixtures/captures/, see its README; expectations checked
 * against tcpdump -r on the same files), cut and damaged copies of them, a
 * one-packet file and a header-only file. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netprobe/dissect.h"
#include "netprobe/error.h"
#include "netprobe/explain.h"
#include "netprobe/flow.h"
#include "netprobe/report.h"
#include "netprobe/tcp_events.h"

#define S (1000000000LL)     /* one second in ns */
#define MS (1000000LL)

/* --- helpers ------------------------------------------------------------ */

static const char *captures_dir(void)
{
	const char *d = getenv("NP_CAPTURES");

	return d && *d ? d : "fixtures/captures";
}

static char *capture_path(const char *name)
{
	char *p;

	assert_true(asprintf(&p, "%s/%s", captures_dir(), name) > 0);
	return p;
}

static const char *tmp_dir(void)
{
	const char *d = getenv("TMPDIR");

	return d && *d ? d : "/tmp";
}

/* The metric is there, as null: a figure that could not be had. */
static inline int metric_null(const struct np_finding *f, const char *name)
{
	const struct np_metric *m = np_finding_metric(f, name);

	return m && m->kind == NP_METRIC_NULL;
}

static int64_t metric_int(const struct np_finding *f, const char *name)
{
	const struct np_metric *m = np_finding_metric(f, name);

	if (!m || m->kind != NP_METRIC_INT)
		fail_msg("%s: metric %s missing or not an integer", f->verdict->code, name);
	return m->v.i;
}

static double metric_real(const struct np_finding *f, const char *name)
{
	double d = 0;

	if (!np_finding_metric_num(f, name, &d))
		fail_msg("%s: metric %s missing or not a number", f->verdict->code, name);
	return d;
}

static const char *metric_str(const struct np_finding *f, const char *name)
{
	const struct np_metric *m = np_finding_metric(f, name);

	if (!m || m->kind != NP_METRIC_STR)
		fail_msg("%s: metric %s missing or not a string", f->verdict->code, name);
	return m->v.s;
}

static size_t count_verdict(const struct np_report *r, const char *code)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n_findings; i++)
		n += strcmp(r->findings[i]->verdict->code, code) == 0;
	return n;
}

static const struct np_finding *by_target(const struct np_report *r, const char *target)
{
	for (size_t i = 0; i < r->n_findings; i++)
		if (strcmp(r->findings[i]->target, target) == 0)
			return r->findings[i];
	fail_msg("no finding for %s", target);
	return NULL;
}

static void dump(const struct np_report *r)
{
	for (size_t i = 0; i < r->n_findings; i++)
		print_message("  %s %s: %s\n", r->findings[i]->target, r->findings[i]->verdict->code,
			      r->findings[i]->summary);
}

/* Reads a file; *rc gets np_explain_open's or np_explain_run's result. */
static struct np_report *explain_file(const char *path, const char *filter, double min_idle,
				      struct np_explain_stats *st, int *rc)
{
	struct np_explain_opts o = {0};
	struct np_explain *e = NULL;
	struct np_report *r = np_report_new("explain");
	char errbuf[NP_ERRBUF_SIZE];

	assert_non_null(r);
	o.filter = filter;
	o.min_idle_s = min_idle;
	*rc = np_explain_open(path, &o, &e, errbuf);
	if (*rc == 0) {
		*rc = np_explain_run(e, r);
		if (st)
			np_explain_get_stats(e, st);
	}
	np_explain_free(e);
	return r;
}

static struct np_report *explain_fixture(const char *name, const char *filter, double min_idle,
					 struct np_explain_stats *st)
{
	char *p = capture_path(name);
	int rc;
	struct np_report *r = explain_file(p, filter, min_idle, st, &rc);

	if (rc != 0)
		fail_msg("%s: %s", p, np_strerror(rc));
	free(p);
	return r;
}

/* The last evidence item's frame (the deciding packet for every verdict). */
static int64_t last_frame(const struct np_finding *f)
{
	assert_true(f->n_evidence > 0);
	return f->evidence[f->n_evidence - 1].frame;
}

/* --- hand-built packets -------------------------------------------------- */

/* A raw IPv4 + TCP packet (DLT_RAW): 20-byte headers and len zero bytes. */
static size_t pkt4(uint8_t *b, const char *src, uint16_t sport, const char *dst, uint16_t dport,
		   uint32_t seq, uint32_t ack, uint8_t flags, uint8_t ttl, uint16_t len)
{
	uint16_t tot = (uint16_t)(40 + len);

	memset(b, 0, tot);
	b[0] = 0x45;
	b[2] = (uint8_t)(tot >> 8);
	b[3] = (uint8_t)tot;
	b[6] = 0x40;            /* DF */
	b[8] = ttl;
	b[9] = IPPROTO_TCP;
	assert_int_equal(inet_pton(AF_INET, src, b + 12), 1);
	assert_int_equal(inet_pton(AF_INET, dst, b + 16), 1);
	b[20] = (uint8_t)(sport >> 8);
	b[21] = (uint8_t)sport;
	b[22] = (uint8_t)(dport >> 8);
	b[23] = (uint8_t)dport;
	for (int i = 0; i < 4; i++) {
		b[24 + i] = (uint8_t)(seq >> (24 - 8 * i));
		b[28 + i] = (uint8_t)(ack >> (24 - 8 * i));
	}
	b[32] = 5 << 4;
	b[33] = flags;
	b[34] = 0xff;
	return tot;
}

#define CLI "198.18.1.2"
#define SRV "198.19.4.2"
#define FW  "198.18.2.2"
#define SYN NP_TCP_SYN
#define ACK NP_TCP_ACK
#define PSH NP_TCP_PSH
#define FIN NP_TCP_FIN
#define RST NP_TCP_RST

/* One connection CLI:40000 -> SRV:443, fed to an engine; client TTL 64,
 * server 61 (4 hops), client ISN 1000, server ISN 5000. */
struct conv {
	struct np_explain *e;
	uint16_t cport;
	uint32_t cseq, sseq;
};

static void feed(struct np_explain *e, int64_t t, const uint8_t *b, size_t n)
{
	assert_int_equal(np_explain_frame(e, NP_DLT_RAW, t, b, (uint32_t)n, (uint32_t)n), 0);
}

static void c2s(struct conv *c, int64_t t, uint8_t flags, uint16_t len)
{
	uint8_t b[1600];
	size_t n = pkt4(b, CLI, c->cport, SRV, 443, c->cseq, c->sseq, flags, 64, len);

	feed(c->e, t, b, n);
}

static void s2c(struct conv *c, int64_t t, uint8_t flags, uint16_t len, uint8_t ttl)
{
	uint8_t b[1600];
	size_t n = pkt4(b, SRV, 443, CLI, c->cport, c->sseq, c->cseq, flags, ttl, len);

	feed(c->e, t, b, n);
}

/* SYN, SYN-ACK, ACK, a 100-byte request, its ACK, a 200-byte answer, its
 * ACK: 7 frames in 10 ms from t. */
static void handshake_and_exchange(struct conv *c, int64_t t)
{
	c->cseq = 1000;
	c->sseq = 5000;
	c2s(c, t, SYN, 0);
	c->cseq++;
	s2c(c, t + 1 * MS, SYN | ACK, 0, 61);
	c->sseq++;
	c2s(c, t + 2 * MS, ACK, 0);
	c2s(c, t + 3 * MS, PSH | ACK, 100);
	c->cseq += 100;
	s2c(c, t + 4 * MS, ACK, 0, 61);
	s2c(c, t + 5 * MS, PSH | ACK, 200, 61);
	c->sseq += 200;
	c2s(c, t + 10 * MS, ACK, 0);
}

static struct np_explain *engine(double min_idle, size_t max_flows, size_t max_findings)
{
	struct np_explain_opts o = {0};
	char errbuf[NP_ERRBUF_SIZE];
	struct np_explain *e;

	o.min_idle_s = min_idle;
	o.max_flows = max_flows;
	o.max_findings = max_findings;
	e = np_explain_new(&o, errbuf);
	assert_non_null(e);
	return e;
}

static struct np_report *finish(struct np_explain *e, struct np_explain_stats *st)
{
	struct np_report *r = np_report_new("explain");

	assert_non_null(r);
	assert_int_equal(np_explain_finish(e, r), 0);
	if (st)
		np_explain_get_stats(e, st);
	np_explain_free(e);
	return r;
}

/* --- the tracker on packet lists ----------------------------------------- */

static struct np_tcp_pkt tp(uint64_t frame, int64_t t, int dir, uint8_t flags, uint8_t ttl,
			    uint32_t seq, uint32_t ack, uint32_t len)
{
	struct np_tcp_pkt p = {frame, t, (uint8_t)dir, flags, ttl, seq, ack, len, 0};

	return p;
}

static void tracker_dropped_after_idle(void **state)
{
	/* 0: client, 1: server. Idle 40 s, then data from the client sent at
	 * 40.0 and again at 40.2, 40.6, 41.4: three retransmissions over 1.4 s. */
	const struct np_tcp_pkt v[] = {
		tp(1, 0, 0, SYN, 64, 100, 0, 0),
		tp(2, 1 * MS, 1, SYN | ACK, 61, 900, 101, 0),
		tp(3, 2 * MS, 0, ACK, 64, 101, 901, 0),
		tp(4, 3 * MS, 0, PSH | ACK, 64, 101, 901, 10),
		tp(5, 4 * MS, 1, ACK, 61, 901, 111, 0),
		tp(6, 40 * S, 0, PSH | ACK, 64, 111, 901, 20),
		tp(7, 40 * S + 200 * MS, 0, PSH | ACK, 64, 111, 901, 20),
		tp(8, 40 * S + 600 * MS, 0, PSH | ACK, 64, 111, 901, 20),
		tp(9, 41 * S + 400 * MS, 0, PSH | ACK, 64, 111, 901, 20),
	};
	struct np_tcp_track t;
	struct np_tcp_unacked u;
	struct np_tcp_mark b, a;
	struct np_tcp_reset r;

	(void)state;
	np_tcp_track_list(&t, 30 * S, v, sizeof(v) / sizeof(v[0]));
	assert_int_equal(np_tcp_handshake(&t), NP_HS_ANSWERED);
	assert_int_equal(t.n_idle, 1);
	assert_int_equal(t.idle_ns, 40 * S - 4 * MS);
	assert_int_equal(np_tcp_largest_gap(&t, &b, &a), 40 * S - 4 * MS);
	assert_int_equal(b.frame, 5);
	assert_int_equal(a.frame, 6);
	assert_int_equal(np_tcp_unacked_retransmitted(&t, 1, &u), 0);
	assert_int_equal(u.rtx, 3);
	assert_int_equal(u.first.frame, 6);
	assert_int_equal(u.last_rtx.frame, 9);
	assert_int_equal(u.last_rtx.t_ns - u.first.t_ns, 1400 * MS);
	assert_int_equal(np_tcp_first_reset(&t, 0, &r), 0);
	assert_int_equal(np_tcp_fin_from(&t, 1, 1, NULL), 0);
	assert_false(t.seg.revived);
	assert_int_equal(t.side[0].retrans, 3);
}

static void tracker_retransmission_timeouts_are_not_idle(void **state)
{
	/* Data outstanding through silences of 16 and 32 s: stalls. */
	const struct np_tcp_pkt v[] = {
		tp(1, 0, 0, PSH | ACK, 64, 10, 20, 5),
		tp(2, 16 * S, 0, PSH | ACK, 64, 10, 20, 5),
		tp(3, 48 * S, 0, PSH | ACK, 64, 10, 20, 5),
	};
	struct np_tcp_track t;
	struct np_tcp_unacked u;

	(void)state;
	np_tcp_track_list(&t, 10 * S, v, 3);
	assert_int_equal(t.n_idle, 0);
	assert_int_equal(np_tcp_largest_gap(&t, NULL, NULL), 32 * S);
	assert_int_equal(np_tcp_handshake(&t), NP_HS_NONE);
	/* Retransmitted, never acked, but not after an idle gap. */
	assert_int_equal(np_tcp_unacked_retransmitted(&t, 1, NULL), -1);
	assert_int_equal(np_tcp_unacked_retransmitted(&t, 0, &u), 0);
	assert_int_equal(u.rtx, 2);
}

static void tracker_reset_ttl_against_its_side(void **state)
{
	/* Server (side 1) at 4 hops (TTL 61); after 40 s the client's data is
	 * answered by a reset with TTL 63 (1 hop): not the server's own. */
	const struct np_tcp_pkt v[] = {
		tp(1, 0, 0, PSH | ACK, 64, 10, 20, 5),
		tp(2, 1 * MS, 1, ACK, 61, 20, 15, 0),
		tp(3, 40 * S, 0, PSH | ACK, 64, 15, 20, 5),
		tp(4, 40 * S + 1 * MS, 1, RST, 63, 20, 0, 0),
	};
	struct np_tcp_track t;
	struct np_tcp_reset r;

	(void)state;
	np_tcp_track_list(&t, 30 * S, v, 4);
	assert_int_equal(np_tcp_first_reset(&t, 1, &r), 1);
	assert_int_equal(r.dir, 1);
	assert_int_equal(r.mark.frame, 4);
	assert_true(r.after_idle);
	assert_true(r.after_data);
	assert_int_equal(r.match, NP_TTL_OTHER);
	assert_int_equal(r.hops, 1);
	assert_int_equal(r.side_hops_min, 3);
	assert_int_equal(r.side_ttl, 61);
	/* The same reset with the server's own TTL. */
	{
		struct np_tcp_pkt w[4];

		memcpy(w, v, sizeof(w));
		w[3].ttl = 61;
		np_tcp_track_list(&t, 30 * S, w, 4);
		assert_int_equal(np_tcp_first_reset(&t, 1, &r), 1);
		assert_int_equal(r.match, NP_TTL_SAME);
		/* A reset with no other packet of its side: unknown. */
		w[1].dir = 0;
		np_tcp_track_list(&t, 30 * S, w, 4);
		assert_int_equal(np_tcp_first_reset(&t, 0, &r), 1);
		assert_int_equal(r.match, NP_TTL_UNKNOWN);
	}
}

static void tracker_fin_after_idle_and_revival(void **state)
{
	/* Idle 40 s then the server's bare FIN: the far end closed it. */
	const struct np_tcp_pkt v[] = {
		tp(1, 0, 0, PSH | ACK, 64, 10, 20, 5),
		tp(2, 1 * MS, 1, ACK, 61, 20, 15, 0),
		tp(3, 40 * S, 1, FIN | ACK, 61, 20, 15, 0),
		tp(4, 40 * S + 1 * MS, 0, FIN | ACK, 64, 15, 21, 0),
	};
	/* Idle 40 s, then a request answered (revived), then closes. */
	const struct np_tcp_pkt w[] = {
		tp(1, 0, 0, PSH | ACK, 64, 10, 20, 5),
		tp(2, 1 * MS, 1, ACK, 61, 20, 15, 0),
		tp(3, 40 * S, 0, PSH | ACK, 64, 15, 20, 5),
		tp(4, 40 * S + 1 * MS, 1, PSH | ACK | FIN, 61, 20, 20, 50),
		tp(5, 40 * S + 2 * MS, 0, FIN | ACK, 64, 20, 71, 0),
	};
	struct np_tcp_track t;
	struct np_tcp_mark m;

	(void)state;
	np_tcp_track_list(&t, 30 * S, v, 4);
	assert_int_equal(np_tcp_fin_from(&t, 1, 1, &m), 1);
	assert_int_equal(m.frame, 3);
	assert_int_equal(np_tcp_fin_from(&t, 0, 1, NULL), 0);
	assert_int_equal(np_tcp_fin_from(&t, 0, 0, &m), 1);
	assert_int_equal(m.frame, 4);

	np_tcp_track_list(&t, 30 * S, w, 5);
	assert_true(t.seg.revived);
	assert_int_equal(t.seg.revived_at.frame, 4);
	assert_int_equal(np_tcp_fin_from(&t, 1, 1, NULL), 0);
	assert_int_equal(np_tcp_fin_from(&t, 0, 1, NULL), 0);
}

static void tracker_handshake_states(void **state)
{
	const struct np_tcp_pkt syns[] = {
		tp(1, 0, 0, SYN, 64, 7, 0, 0),
		tp(2, 1 * S, 0, SYN, 64, 7, 0, 0),
		tp(3, 3 * S, 0, SYN, 64, 7, 0, 0),
		tp(4, 7 * S, 0, SYN, 64, 7, 0, 0),
		tp(5, 15 * S, 0, SYN, 64, 7, 0, 0),
		tp(6, 31 * S, 1, RST | ACK, 61, 0, 8, 0),
	};
	struct np_tcp_track t;

	(void)state;
	np_tcp_track_list(&t, 30 * S, syns, 5);
	assert_int_equal(np_tcp_handshake(&t), NP_HS_PENDING);
	assert_int_equal(t.n_syn, 5);
	assert_int_equal(t.syn[0].frame, 1);
	assert_int_equal(t.syn[NP_TCP_SYN_MARKS - 1].frame, NP_TCP_SYN_MARKS);
	assert_int_equal(t.last_syn.frame, 5);
	/* The reset that finally answers them. */
	np_tcp_track_list(&t, 30 * S, syns, 6);
	assert_int_equal(np_tcp_handshake(&t), NP_HS_RESET);
}

static void tracker_from_live_flow_packets(void **state)
{
	uint8_t b[64];
	size_t n = pkt4(b, CLI, 40000, SRV, 443, 1, 2, PSH | ACK, 64, 12);
	struct np_flow_pkt fp;
	struct np_tcp_pkt p;

	(void)state;
	memset(&fp, 0, sizeof(fp));
	assert_int_equal(np_dissect(NP_DLT_RAW, b, n, n, &fp.pkt), 0);
	fp.frame = 9;
	fp.mono_us = 1500;
	fp.outgoing = 1;
	assert_int_equal(np_tcp_pkt_from_flow(&fp, &p), 0);
	assert_int_equal(p.frame, 9);
	assert_int_equal(p.t_ns, 1500000);
	assert_int_equal(p.dir, 0);
	assert_int_equal(p.len, 12);
	assert_int_equal(p.ttl, 64);
	assert_int_equal(p.flags, PSH | ACK);
	fp.icmp = 1;
	assert_int_equal(np_tcp_pkt_from_flow(&fp, &p), NP_EINVAL);
}

/* --- the engine on hand-built connections -------------------------------- */

static void engine_idle_dropped(void **state)
{
	struct conv c = {engine(30, 0, 0), 40000, 0, 0};
	struct np_report *r;
	const struct np_finding *f;

	(void)state;
	handshake_and_exchange(&c, 0);
	/* 60 s of silence after the last ACK (at 10 ms), then 50 bytes sent
	 * and retransmitted 4 times over 3 s (0.2, 0.6, 1.4, 3.0). */
	c2s(&c, 60 * S + 10 * MS, PSH | ACK, 50);
	c2s(&c, 60 * S + 210 * MS, PSH | ACK, 50);
	c2s(&c, 60 * S + 610 * MS, PSH | ACK, 50);
	c2s(&c, 61 * S + 410 * MS, PSH | ACK, 50);
	c2s(&c, 63 * S + 10 * MS, PSH | ACK, 50);
	r = finish(c.e, NULL);
	dump(r);
	assert_int_equal(r->n_findings, 1);
	f = r->findings[0];
	assert_string_equal(f->verdict->code, "idle.dropped");
	assert_string_equal(f->check, "explain");
	assert_string_equal(f->target, CLI ":40000 -> " SRV ":443");
	assert_string_equal(f->address, SRV);
	assert_int_equal(f->status, NP_FAIL);
	assert_true(metric_real(f, "gap_s") > 59.999 && metric_real(f, "gap_s") < 60.001);
	assert_int_equal(metric_int(f, "retransmissions"), 4);
	assert_true(metric_real(f, "retransmit_span_s") > 2.999 && metric_real(f, "retransmit_span_s") < 3.001);
	assert_string_equal(metric_str(f, "data_from"), "client");
	assert_int_equal(metric_int(f, "client_known"), 1);
	/* Last packet before the silence, first send, last retransmission. */
	assert_int_equal(f->evidence[0].frame, 7);
	assert_int_equal(last_frame(f), 12);
	assert_non_null(strstr(f->summary, "4 times over 3.0 s"));
	np_report_free(r);
}

static void engine_idle_reset_by_path_and_peer(void **state)
{
	struct conv a = {engine(30, 0, 0), 40001, 0, 0};
	struct conv b = {a.e, 40002, 0, 0};
	struct np_report *r;
	const struct np_finding *f;

	(void)state;
	handshake_and_exchange(&a, 0);
	handshake_and_exchange(&b, 20 * MS);
	/* a: after 45 s a request, answered by a reset with TTL 63 (hop 2). */
	c2s(&a, 45 * S, PSH | ACK, 30);
	s2c(&a, 45 * S + 1 * MS, RST, 0, 63);
	/* b: the same, reset with the server's own TTL 61. */
	c2s(&b, 46 * S, PSH | ACK, 30);
	s2c(&b, 46 * S + 1 * MS, RST, 0, 61);
	r = finish(a.e, NULL);
	dump(r);
	assert_int_equal(r->n_findings, 2);
	f = by_target(r, CLI ":40001 -> " SRV ":443");
	assert_string_equal(f->verdict->code, "idle.reset_by_path");
	assert_int_equal(metric_int(f, "reply_ttl"), 63);
	assert_int_equal(metric_int(f, "peer_ttl"), 61);
	assert_int_equal(metric_int(f, "sender_hop"), 2);
	assert_int_equal(metric_int(f, "peer_hop"), 4);
	assert_string_equal(metric_str(f, "reset_from"), "server");
	assert_int_equal(last_frame(f), 16);    /* 14 handshake frames, request, reset */
	f = by_target(r, CLI ":40002 -> " SRV ":443");
	assert_string_equal(f->verdict->code, "idle.reset_by_peer");
	assert_int_equal(metric_int(f, "reply_ttl"), 61);
	assert_int_equal(last_frame(f), 18);
	np_report_free(r);
}

static void engine_closed_by_peer_and_survivor(void **state)
{
	struct conv a = {engine(30, 0, 0), 40003, 0, 0};
	struct conv b = {a.e, 40004, 0, 0};
	struct np_explain_stats st;
	struct np_report *r;
	const struct np_finding *f;

	(void)state;
	handshake_and_exchange(&a, 0);
	handshake_and_exchange(&b, 0);
	/* a: the server closes after 75 s idle (nginx keepalive_timeout). */
	s2c(&a, 75 * S, FIN | ACK, 0, 61);
	a.sseq++;
	c2s(&a, 75 * S + 1 * MS, FIN | ACK, 0);
	/* b: used again after 50 s and answered: it survived. */
	c2s(&b, 50 * S, PSH | ACK, 10);
	b.cseq += 10;
	s2c(&b, 50 * S + 1 * MS, PSH | ACK, 10, 61);
	r = finish(a.e, &st);
	dump(r);
	assert_int_equal(r->n_findings, 1);
	f = r->findings[0];
	assert_string_equal(f->verdict->code, "idle.closed_by_peer");
	assert_string_equal(metric_str(f, "closed_by"), "server");
	assert_true(metric_real(f, "gap_s") > 74.98 && metric_real(f, "gap_s") < 75.0);
	assert_int_equal(st.idle_survived, 1);
	assert_int_equal(st.flows, 2);
	np_report_free(r);
}

/* Mid-connection (no SYN: the higher port is taken for the client), the
 * server sends nothing but the reset that follows the silence. */
static void half_seen_reset(struct conv *c)
{
	c2s(c, 0, ACK, 0);
	c2s(c, 40 * S, PSH | ACK, 10);
	s2c(c, 40 * S + 1 * MS, RST, 0, 63);
}

static void engine_reset_origin_undecidable_client_unknown(void **state)
{
	struct conv c = {engine(30, 0, 0), 50000, 100, 200};
	struct conv other = {NULL, 50001, 0, 0};
	struct np_report *r;
	const struct np_finding *f;

	(void)state;
	half_seen_reset(&c);
	r = finish(c.e, NULL);
	dump(r);
	assert_int_equal(r->n_findings, 1);
	f = r->findings[0];
	assert_string_equal(f->verdict->code, "idle.reset");
	assert_string_equal(f->target, CLI ":50000 -> " SRV ":443");
	assert_int_equal(metric_int(f, "client_known"), 0);
	assert_string_equal(metric_str(f, "reset_from"), "server");
	assert_non_null(strstr(f->summary, "higher port is taken for the client"));
	assert_true(metric_null(f, "peer_ttl"));
	np_report_free(r);

	/* The server's own packets in another connection of the capture
	 * decide it: TTL 61 there, 63 here. */
	c.e = other.e = engine(30, 0, 0);
	handshake_and_exchange(&other, 0);
	half_seen_reset(&c);
	r = finish(c.e, NULL);
	dump(r);
	f = by_target(r, CLI ":50000 -> " SRV ":443");
	assert_string_equal(f->verdict->code, "idle.reset_by_path");
	assert_int_equal(metric_int(f, "peer_ttl"), 61);
	assert_int_equal(metric_int(f, "sender_hop"), 2);
	assert_non_null(strstr(f->summary, "in other connections"));
	np_report_free(r);
}

static void engine_handshake_verdicts(void **state)
{
	struct np_explain *e = engine(30, 0, 0);
	struct conv ok = {e, 41000, 0, 0}, hs = {e, 41001, 1, 0}, fl = {e, 41002, 7, 0};
	struct np_report *r;
	const struct np_finding *f;

	(void)state;
	/* An open connection shows the server's own TTL (61) ... */
	handshake_and_exchange(&ok, 0);
	/* ... so a reset with TTL 63 answering a SYN is a device's. */
	c2s(&hs, 1 * S, SYN, 0);
	hs.cseq++;
	s2c(&hs, 1 * S + 1 * MS, RST | ACK, 0, 63);
	/* Three SYNs, nothing back: filtered. */
	c2s(&fl, 2 * S, SYN, 0);
	c2s(&fl, 3 * S, SYN, 0);
	c2s(&fl, 5 * S, SYN, 0);
	r = finish(e, NULL);
	dump(r);
	assert_int_equal(r->n_findings, 2);
	f = by_target(r, CLI ":41001 -> " SRV ":443");
	assert_string_equal(f->verdict->code, "tcp.rejected");
	assert_int_equal(metric_int(f, "sender_hop"), 2);
	assert_int_equal(metric_int(f, "target_ttl"), 61);
	f = by_target(r, CLI ":41002 -> " SRV ":443");
	assert_string_equal(f->verdict->code, "tcp.filtered");
	assert_int_equal(metric_int(f, "syn_count"), 3);
	assert_int_equal(f->n_evidence, 3);
	np_report_free(r);
}

static void engine_port_reuse_is_a_new_connection(void **state)
{
	struct conv c = {engine(30, 0, 0), 42000, 0, 0};
	struct np_explain_stats st;
	struct np_report *r;

	(void)state;
	handshake_and_exchange(&c, 0);
	c2s(&c, 20 * MS, FIN | ACK, 0);
	c.cseq++;
	s2c(&c, 21 * MS, FIN | ACK, 0, 61);
	/* Same 5-tuple, a new SYN with another ISN two seconds later. */
	handshake_and_exchange(&c, 2 * S);
	c.cseq = 77777;
	c2s(&c, 3 * S, SYN, 0);
	r = finish(c.e, &st);
	assert_int_equal(st.flows, 3);
	assert_int_equal(count_verdict(r, "explain.clean"), 1);
	np_report_free(r);
}

static void engine_flow_bound_finishes_early(void **state)
{
	/* At most 4 connections at once: 10 filtered ones are all still
	 * reported, 6 of them finished early. */
	struct np_explain *e = engine(30, 4, 0);
	struct np_explain_stats st;
	struct np_report *r;

	(void)state;
	for (uint16_t i = 0; i < 10; i++) {
		struct conv c = {e, (uint16_t)(43000 + i), 5, 0};

		c2s(&c, i * S, SYN, 0);
		c2s(&c, i * S + 1 * S, SYN, 0);
	}
	r = finish(e, &st);
	assert_int_equal(count_verdict(r, "tcp.filtered"), 10);
	assert_int_equal(st.flows, 10);
	assert_int_equal(st.flows_early, 6);
	assert_true(st.flows_peak <= 4);
	/* In the order the connections began. */
	assert_string_equal(r->findings[0]->target, CLI ":43000 -> " SRV ":443");
	assert_string_equal(r->findings[9]->target, CLI ":43009 -> " SRV ":443");
	np_report_free(r);
}

static void engine_findings_bound_says_so(void **state)
{
	struct np_explain *e = engine(30, 0, 3);
	struct np_explain_stats st;
	struct np_report *r;
	const struct np_finding *f;

	(void)state;
	for (uint16_t i = 0; i < 10; i++) {
		struct conv c = {e, (uint16_t)(44000 + i), 5, 0};

		c2s(&c, 0, SYN, 0);
		c2s(&c, 1 * S, SYN, 0);
	}
	/* Each kind keeps its own share: two refusals after them are listed. */
	for (uint16_t i = 0; i < 2; i++) {
		struct conv c = {e, (uint16_t)(44100 + i), 5, 0};

		c2s(&c, 2 * S, SYN, 0);
		c.cseq++;
		s2c(&c, 2 * S + 1 * MS, RST | ACK, 0, 61);
	}
	r = finish(e, &st);
	assert_int_equal(count_verdict(r, "tcp.filtered"), 3);
	assert_int_equal(count_verdict(r, "tcp.refused"), 2);
	assert_int_equal(count_verdict(r, "explain.partial"), 1);
	f = r->findings[r->n_findings - 1];
	assert_string_equal(f->verdict->code, "explain.partial");
	assert_int_equal(f->status, NP_WARN);
	assert_int_equal(metric_int(f, "unlisted"), 7);
	assert_int_equal(st.problems, 12);
	np_report_free(r);
}

static void engine_closed_connections_linger_then_go(void **state)
{
	struct np_explain *e = engine(30, 0, 0);
	struct np_explain_stats st;
	struct np_report *r;

	(void)state;
	/* 50 refused connections, one a second: each is gone 30 s after its
	 * reset, so no more than ~31 are held at once. */
	for (uint16_t i = 0; i < 50; i++) {
		struct conv c = {e, (uint16_t)(45000 + i), 9, 0};

		c2s(&c, i * S, SYN, 0);
		c.cseq++;
		s2c(&c, i * S + 1 * MS, RST | ACK, 0, 61);
	}
	r = finish(e, &st);
	assert_int_equal(count_verdict(r, "tcp.refused"), 50);
	assert_int_equal(st.flows_early, 0);
	assert_true(st.flows_peak <= 32);
	np_report_free(r);
}

static void engine_nothing_at_all_is_clean(void **state)
{
	struct np_report *r = finish(engine(0, 0, 0), NULL);
	const struct np_finding *f;

	(void)state;
	assert_int_equal(r->n_findings, 1);
	f = r->findings[0];
	assert_string_equal(f->verdict->code, "explain.clean");
	assert_int_equal(f->status, NP_PASS);
	assert_int_equal(metric_int(f, "flows"), 0);
	assert_int_equal(metric_int(f, "frames"), 0);
	np_report_free(r);
}

static void engine_ignores_non_tcp_and_garbage(void **state)
{
	struct np_explain *e = engine(30, 0, 0);
	uint8_t junk[64];
	struct np_report *r;
	struct np_explain_stats st;

	(void)state;
	memset(junk, 0xa5, sizeof(junk));
	for (uint32_t n = 0; n <= sizeof(junk); n++)
		assert_int_equal(np_explain_frame(e, NP_DLT_RAW, n, junk, n, n), 0);
	assert_int_equal(np_explain_frame(e, NP_DLT_EN10MB, 100, NULL, 0, 0), 0);
	r = finish(e, &st);
	assert_int_equal(st.frames, sizeof(junk) + 2);
	assert_int_equal(st.tcp, 0);
	assert_int_equal(count_verdict(r, "explain.clean"), 1);
	np_report_free(r);
}

/* --- the recorded captures ------------------------------------------------ */

static void capture_idle_reset_by_path(void **state)
{
	struct np_explain_stats st;
	struct np_report *r = explain_fixture("idle_reset_path.pcap", NULL, 4, &st);
	const struct np_finding *f;

	(void)state;
	dump(r);
	assert_int_equal(st.frames, 18);
	assert_int_equal(st.flows, 2);
	assert_int_equal(r->n_findings, 2);
	assert_int_equal(count_verdict(r, "idle.reset_by_path"), 2);
	/* tcpdump -r: frame 16 is 198.19.4.2.86 > 198.18.1.2.34524 [R] ttl 63,
	 * frame 18 the IPv6 one, hlim 63; the server's own packets are 61. */
	f = by_target(r, "198.18.1.2:34524 -> 198.19.4.2:86");
	assert_string_equal(f->address, "198.19.4.2");
	assert_int_equal(last_frame(f), 16);
	assert_int_equal(metric_int(f, "reply_ttl"), 63);
	assert_int_equal(metric_int(f, "peer_ttl"), 61);
	assert_int_equal(metric_int(f, "sender_hop"), 2);
	assert_true(metric_real(f, "gap_s") >= 4.0);
	f = by_target(r, "[2001:db8:1::2]:59980 -> [2001:db8:4::2]:86");
	assert_string_equal(f->address, "2001:db8:4::2");
	assert_int_equal(last_frame(f), 18);
	assert_int_equal(metric_int(f, "reply_ttl"), 63);
	np_report_free(r);

	/* Below the default 30 s nothing was idle, but the path still reset
	 * both connections: --min-idle names the end, it does not hide it. */
	r = explain_fixture("idle_reset_path.pcap", NULL, 0, NULL);
	dump(r);
	assert_int_equal(r->n_findings, 2);
	assert_int_equal(count_verdict(r, "tcp.reset_by_path"), 2);
	f = by_target(r, "198.18.1.2:34524 -> 198.19.4.2:86");
	assert_int_equal(last_frame(f), 16);
	assert_int_equal(metric_int(f, "sender_hop"), 2);
	assert_int_equal(metric_int(f, "peer_ttl"), 61);
	assert_true(metric_real(f, "quiet_s") >= 4.0);
	np_report_free(r);
}

static void capture_closed_normally_pcapng(void **state)
{
	struct np_report *r = explain_fixture("closed_normally.pcapng", NULL, 1, NULL);
	const struct np_finding *f;

	(void)state;
	assert_int_equal(r->n_findings, 1);
	f = r->findings[0];
	assert_string_equal(f->verdict->code, "explain.clean");
	assert_int_equal(metric_int(f, "flows"), 2);
	assert_int_equal(metric_int(f, "frames"), 20);
	assert_true(r->capture.attempted && r->capture.active);
	assert_int_equal(r->capture.received, 20);
	np_report_free(r);
}

static void capture_syn_dropped(void **state)
{
	struct np_report *r = explain_fixture("syn_dropped.pcap", NULL, 0, NULL);
	const struct np_finding *f;

	(void)state;
	assert_int_equal(count_verdict(r, "tcp.filtered"), 2);
	f = by_target(r, "198.18.1.2:53598 -> 198.19.4.2:81");
	assert_int_equal(metric_int(f, "syn_count"), 4);
	/* frames 1, 4, 5, 8 are the IPv4 SYNs */
	assert_int_equal(f->n_evidence, 4);
	assert_int_equal(f->evidence[0].frame, 1);
	assert_int_equal(f->evidence[1].frame, 4);
	assert_int_equal(f->evidence[3].frame, 8);
	np_report_free(r);
}

static void capture_refused_vs_rejected(void **state)
{
	struct np_report *r = explain_fixture("handshakes.pcap", NULL, 0, NULL);
	const struct np_finding *f;

	(void)state;
	dump(r);
	assert_int_equal(r->n_findings, 4);
	f = by_target(r, "198.18.1.2:49352 -> 198.19.4.2:82");
	assert_string_equal(f->verdict->code, "tcp.rejected");
	assert_int_equal(metric_int(f, "reply_ttl"), 63);
	assert_int_equal(metric_int(f, "target_ttl"), 61);
	assert_int_equal(last_frame(f), 22);
	f = by_target(r, "[2001:db8:1::2]:43112 -> [2001:db8:4::2]:82");
	assert_string_equal(f->verdict->code, "tcp.rejected");
	f = by_target(r, "198.18.1.2:32898 -> 198.19.4.2:84");
	assert_string_equal(f->verdict->code, "tcp.refused");
	assert_int_equal(metric_int(f, "sender_hop"), 4);
	f = by_target(r, "[2001:db8:1::2]:49018 -> [2001:db8:4::2]:84");
	assert_string_equal(f->verdict->code, "tcp.refused");
	np_report_free(r);
}

static void capture_filter_keeps_frame_numbers(void **state)
{
	/* Without port 80 the server's own TTL is unknown: both resets are
	 * refusals of undetermined origin; frames keep the file's numbers. */
	struct np_explain_stats st;
	struct np_report *r = explain_fixture("handshakes.pcap", "not port 80", 0, &st);
	const struct np_finding *f;

	(void)state;
	assert_int_equal(st.frames, 28);
	assert_int_equal(st.matched, 8);
	assert_int_equal(count_verdict(r, "tcp.refused"), 4);
	f = by_target(r, "198.18.1.2:49352 -> 198.19.4.2:82");
	assert_non_null(strstr(f->summary, "origin undetermined"));
	assert_true(metric_null(f, "target_ttl"));
	assert_int_equal(last_frame(f), 22);
	np_report_free(r);
}

static void capture_icmp_errors(void **state)
{
	struct np_report *r = explain_fixture("icmp_errors.pcap", NULL, 0, NULL);
	const struct np_finding *f;

	(void)state;
	dump(r);
	assert_int_equal(count_verdict(r, "tcp.rejected"), 3);
	assert_int_equal(count_verdict(r, "tcp.unreachable"), 1);
	f = by_target(r, "198.18.1.2:56342 -> 198.19.4.2:83");
	assert_string_equal(metric_str(f, "sender"), "198.18.2.2");
	assert_int_equal(metric_int(f, "sender_hop"), 2);
	assert_int_equal(last_frame(f), 2);
	f = by_target(r, "[2001:db8:1::2]:45112 -> [2001:db8:4::2]:83");
	assert_string_equal(metric_str(f, "sender"), "2001:db8:2::2");
	f = by_target(r, "198.18.1.2:36854 -> 198.19.99.1:80");
	assert_string_equal(f->verdict->code, "tcp.unreachable");
	assert_string_equal(metric_str(f, "sender"), "198.18.3.2");
	assert_int_equal(metric_int(f, "sender_hop"), 3);
	np_report_free(r);
}

static void capture_bad_filter_and_bad_files(void **state)
{
	struct np_explain_opts o = {0};
	struct np_explain *e = (struct np_explain *)1;
	char errbuf[NP_ERRBUF_SIZE], *p = capture_path("syn_dropped.pcap");
	char path[512];
	FILE *f;

	(void)state;
	o.filter = "tcp port nonsense";
	assert_int_equal(np_explain_open(p, &o, &e, errbuf), NP_EINVAL);
	assert_null(e);
	assert_non_null(strstr(errbuf, "filter"));
	assert_int_equal(np_explain_open("/nonexistent/x.pcap", NULL, &e, errbuf), NP_EINVAL);
	assert_non_null(strstr(errbuf, "/nonexistent/x.pcap"));
	snprintf(path, sizeof(path), "%s/np-explain-empty-%d", tmp_dir(), (int)getpid());
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(np_explain_open(path, NULL, &e, errbuf), NP_EINVAL);
	assert_null(strchr(errbuf, '\n'));
	unlink(path);
	free(p);
}

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *b;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	b = malloc((size_t)n);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return b;
}

static void write_file(const char *path, const unsigned char *b, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static void capture_cut_anywhere_never_crashes(void **state)
{
	/* Every prefix of a recorded pcap and pcapng: either a one-line
	 * usage error (header cut), or a result, partial when a record is cut. */
	static const char *const names[] = {"idle_reset_path.pcap", "closed_normally.pcapng"};
	char path[512];

	(void)state;
	snprintf(path, sizeof(path), "%s/np-explain-cut-%d", tmp_dir(), (int)getpid());
	for (size_t k = 0; k < 2; k++) {
		char *src = capture_path(names[k]);
		size_t len, partial = 0, whole = 0;
		unsigned char *b = slurp(src, &len);

		for (size_t n = 0; n <= len; n++) {
			struct np_explain_stats st;
			struct np_report *r;
			int rc;

			write_file(path, b, n);
			r = explain_file(path, NULL, 4, &st, &rc);
			if (rc == 0) {
				assert_true(r->n_findings >= 1);
				if (st.partial) {
					partial++;
					assert_int_equal(count_verdict(r, "explain.partial"), 1);
				} else {
					whole++;
				}
			} else {
				assert_int_equal(rc, NP_EINVAL);
			}
			np_report_free(r);
		}
		/* The whole file is read whole; most cuts land inside a record. */
		assert_true(whole >= 1);
		assert_true(partial > len / 2);
		free(b);
		free(src);
	}
	unlink(path);
}

static void capture_cut_in_the_middle_keeps_what_was_read(void **state)
{
	char path[512], *src = capture_path("idle_reset_path.pcap");
	size_t len;
	unsigned char *b = slurp(src, &len);
	struct np_explain_stats st;
	struct np_report *r;
	const struct np_finding *f;
	int rc;

	(void)state;
	/* 24-byte header, then records of 16 bytes + data: cut 10 bytes into
	 * the 17th record's data. The RST of frame 16 is still there. */
	{
		size_t off = 24;

		for (int i = 0; i < 16; i++)
			off += 16 + (b[off + 8] | b[off + 9] << 8 | b[off + 10] << 16 | (size_t)b[off + 11] << 24);
		len = off + 16 + 10;
	}
	snprintf(path, sizeof(path), "%s/np-explain-mid-%d", tmp_dir(), (int)getpid());
	write_file(path, b, len);
	r = explain_file(path, NULL, 4, &st, &rc);
	assert_int_equal(rc, 0);
	dump(r);
	assert_true(st.partial);
	assert_int_equal(st.frames, 16);
	assert_int_equal(count_verdict(r, "idle.reset_by_path"), 1);
	f = r->findings[r->n_findings - 1];
	assert_string_equal(f->verdict->code, "explain.partial");
	assert_non_null(strstr(f->summary, "frame 16"));
	assert_non_null(strstr(metric_str(f, "reason"), "truncated"));

	/* A damaged record header (a captured length past any snapshot). */
	b[24 + 8] = 0xff;
	b[24 + 9] = 0xff;
	b[24 + 10] = 0xff;
	b[24 + 11] = 0x7f;
	write_file(path, b, len);
	np_report_free(r);
	r = explain_file(path, NULL, 4, &st, &rc);
	assert_int_equal(rc, 0);
	assert_true(st.partial);
	assert_int_equal(st.frames, 0);
	assert_int_equal(count_verdict(r, "explain.partial"), 1);
	/* Nothing could be read: no clean pass. */
	assert_int_equal(count_verdict(r, "explain.clean"), 0);
	assert_non_null(strstr(r->findings[0]->summary, "no frame could be read"));
	np_report_free(r);
	unlink(path);
	free(b);
	free(src);
}

static void capture_one_packet_and_header_only(void **state)
{
	char path[512], *src = capture_path("syn_dropped.pcap");
	size_t len;
	unsigned char *b = slurp(src, &len);
	struct np_explain_stats st;
	struct np_report *r;
	int rc;

	(void)state;
	snprintf(path, sizeof(path), "%s/np-explain-one-%d", tmp_dir(), (int)getpid());
	write_file(path, b, 24);
	r = explain_file(path, NULL, 0, &st, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(st.frames, 0);
	assert_false(st.partial);
	assert_int_equal(r->n_findings, 1);
	assert_int_equal(count_verdict(r, "explain.clean"), 1);
	np_report_free(r);

	/* The first SYN alone: one connection, nothing to say about it. */
	write_file(path, b, 24 + 16 + (b[24 + 8] | b[24 + 9] << 8));
	r = explain_file(path, NULL, 0, &st, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(st.frames, 1);
	assert_int_equal(st.flows, 1);
	assert_false(st.partial);
	assert_int_equal(r->n_findings, 1);
	assert_int_equal(count_verdict(r, "explain.clean"), 1);
	np_report_free(r);
	unlink(path);
	free(b);
	free(src);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tracker_dropped_after_idle),
		cmocka_unit_test(tracker_retransmission_timeouts_are_not_idle),
		cmocka_unit_test(tracker_reset_ttl_against_its_side),
		cmocka_unit_test(tracker_fin_after_idle_and_revival),
		cmocka_unit_test(tracker_handshake_states),
		cmocka_unit_test(tracker_from_live_flow_packets),
		cmocka_unit_test(engine_idle_dropped),
		cmocka_unit_test(engine_idle_reset_by_path_and_peer),
		cmocka_unit_test(engine_closed_by_peer_and_survivor),
		cmocka_unit_test(engine_reset_origin_undecidable_client_unknown),
		cmocka_unit_test(engine_handshake_verdicts),
		cmocka_unit_test(engine_port_reuse_is_a_new_connection),
		cmocka_unit_test(engine_flow_bound_finishes_early),
		cmocka_unit_test(engine_findings_bound_says_so),
		cmocka_unit_test(engine_closed_connections_linger_then_go),
		cmocka_unit_test(engine_nothing_at_all_is_clean),
		cmocka_unit_test(engine_ignores_non_tcp_and_garbage),
		cmocka_unit_test(capture_idle_reset_by_path),
		cmocka_unit_test(capture_closed_normally_pcapng),
		cmocka_unit_test(capture_syn_dropped),
		cmocka_unit_test(capture_refused_vs_rejected),
		cmocka_unit_test(capture_filter_keeps_frame_numbers),
		cmocka_unit_test(capture_icmp_errors),
		cmocka_unit_test(capture_bad_filter_and_bad_files),
		cmocka_unit_test(capture_cut_anywhere_never_crashes),
		cmocka_unit_test(capture_cut_in_the_middle_keeps_what_was_read),
		cmocka_unit_test(capture_one_packet_and_header_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
