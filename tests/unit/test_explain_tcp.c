/* netprobe explain: what a capture does not show is not concluded from:
 * silences that are retransmission timeouts, connections captured in one
 * direction only, TTLs whose initial value cannot be told. On the tracker
 * with hand-built packet lists, the engine with hostile packets, and
 * captures by others (zeek, tcpdump; see fixtures/captures/README.md),
 * checked against tshark -r. */
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

#include "netprobe/dissect.h"
#include "netprobe/error.h"
#include "netprobe/explain.h"
#include "netprobe/report.h"
#include "netprobe/tcp_events.h"

#define S (1000000000LL)     /* one second in ns */
#define MS (1000000LL)

#define SYN NP_TCP_SYN
#define ACK NP_TCP_ACK
#define PSH NP_TCP_PSH
#define FIN NP_TCP_FIN
#define RST NP_TCP_RST

/* --- helpers ------------------------------------------------------------ */

static int64_t metric_int(const struct np_finding *f, const char *name)
{
	json_t *v = json_object_get(f->metrics, name);

	if (!v || !json_is_integer(v))
		fail_msg("%s: metric %s missing or not an integer", f->verdict->code, name);
	return (int64_t)json_integer_value(v);
}

static size_t count_verdict(const struct np_report *r, const char *code)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n_findings; i++)
		n += strcmp(r->findings[i]->verdict->code, code) == 0;
	return n;
}

static const struct np_finding *by_verdict(const struct np_report *r, const char *code)
{
	for (size_t i = 0; i < r->n_findings; i++)
		if (strcmp(r->findings[i]->verdict->code, code) == 0)
			return r->findings[i];
	fail_msg("no %s finding", code);
	return NULL;
}

static void dump(const struct np_report *r)
{
	for (size_t i = 0; i < r->n_findings; i++)
		print_message("  %s %s: %s\n", r->findings[i]->target, r->findings[i]->verdict->code,
			      r->findings[i]->summary);
}

static int64_t last_frame(const struct np_finding *f)
{
	assert_true(f->n_evidence > 0);
	return f->evidence[f->n_evidence - 1].frame;
}

static struct np_report *explain_fixture(const char *name, double min_idle, struct np_explain_stats *st)
{
	const char *d = getenv("NP_CAPTURES");
	struct np_explain_opts o = {0};
	struct np_explain *e = NULL;
	struct np_report *r = np_report_new("explain");
	char errbuf[NP_ERRBUF_SIZE], path[512];
	int rc;

	assert_non_null(r);
	snprintf(path, sizeof(path), "%s/%s", d && *d ? d : "fixtures/captures", name);
	o.min_idle_s = min_idle;
	rc = np_explain_open(path, &o, &e, errbuf);
	if (rc == 0)
		rc = np_explain_run(e, r);
	if (rc != 0)
		fail_msg("%s: %s", path, rc == NP_EINVAL ? errbuf : np_strerror(rc));
	if (st)
		np_explain_get_stats(e, st);
	np_explain_free(e);
	dump(r);
	return r;
}

/* The tracker on a list. */
static struct np_tcp_pkt tp(uint64_t frame, int64_t t, int dir, uint8_t flags, uint8_t ttl,
			    uint32_t seq, uint32_t ack, uint32_t len)
{
	struct np_tcp_pkt p = {frame, t, (uint8_t)dir, flags, ttl, seq, ack, len};

	return p;
}

#define TRACK(t, idle, v) np_tcp_track_list(&(t), (idle), (v), sizeof(v) / sizeof((v)[0]))

/* A raw IPv4 + TCP packet (DLT_RAW): 20-byte headers and len zero bytes. */
static size_t pkt4(uint8_t *b, const char *src, uint16_t sport, const char *dst, uint16_t dport,
		   uint32_t seq, uint32_t ack, uint8_t flags, uint8_t ttl, uint16_t len, uint16_t win)
{
	uint16_t tot = (uint16_t)(40 + len);

	memset(b, 0, tot);
	b[0] = 0x45;
	b[2] = (uint8_t)(tot >> 8);
	b[3] = (uint8_t)tot;
	b[6] = 0x40;
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
	b[34] = (uint8_t)(win >> 8);
	b[35] = (uint8_t)win;
	return tot;
}

#define CLI "198.18.1.2"
#define SRV "198.19.4.2"

static struct np_explain *engine(double min_idle)
{
	struct np_explain_opts o = {0};
	char errbuf[NP_ERRBUF_SIZE];
	struct np_explain *e;

	o.min_idle_s = min_idle;
	e = np_explain_new(&o, errbuf);
	assert_non_null(e);
	return e;
}

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

/* --- captures -------------------------------------------------------------- */

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
		assert_true(json_is_null(json_object_get(f->metrics, "target_hop")));
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
		cmocka_unit_test(capture_one_sided),
		cmocka_unit_test(capture_fin_retransmissions_are_not_idle),
		cmocka_unit_test(capture_ebgp_ttl1),
		cmocka_unit_test(hostile_sequences),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
