/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The TLS record walker (netprobe/tls_record.c): record headers byte by
 * byte, the TCP streams of a capture the lab recorded
 * (fixtures/captures/tls_alerts.pcap: a TLS 1.2 and a TLS 1.3 session,
 * expectations from tshark's tls.record fields on the same file) fed
 * whole, cut at every length and byte by byte, and hostile input:
 * lengths past the limit, zero lengths, bytes missing, garbage. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netprobe/capfile.h"
#include "netprobe/capture.h"
#include "netprobe/dissect.h"
#include "netprobe/error.h"
#include "netprobe/tls_record.h"
#include "tls/tls_alert.h"

#define STREAM_MAX 8192
#define RECS_MAX 64

/* --- the recorded streams ------------------------------------------------ */

static const char *captures_dir(void)
{
	const char *d = getenv("NP_CAPTURES");

	return d && *d ? d : "fixtures/captures";
}

/* The bytes the TCP port sport sent to port dport, in sequence order (the
 * lab's capture has no loss or reordering: each segment starts where the
 * one before ended). */
static size_t stream(uint16_t sport, uint16_t dport, uint8_t *out, size_t cap)
{
	char path[512], errbuf[NP_ERRBUF_SIZE];
	struct np_capfile *f;
	struct np_capfile_rec rec;
	size_t n = 0;
	uint32_t next = 0;
	int have = 0;

	snprintf(path, sizeof(path), "%s/tls_alerts.pcap", captures_dir());
	f = np_capfile_open(path, NULL, errbuf);
	if (!f)
		fail_msg("%s", errbuf);
	while (np_capfile_next(f, &rec, errbuf) == 1) {
		struct np_packet p;

		np_dissect(rec.dlt, rec.data, rec.caplen, rec.wirelen, &p);
		if (!p.has_ip || p.l4 != IPPROTO_TCP || p.tcp.sport != sport || p.tcp.dport != dport)
			continue;
		if (p.tcp.flags & NP_TCP_SYN) {
			next = p.tcp.seq + 1;
			have = 1;
			continue;
		}
		if (!p.payload_len)
			continue;
		assert_true(have);
		assert_int_equal(p.tcp.seq, next);
		assert_true(n + p.payload_len <= cap);
		memcpy(out + n, rec.data + p.payload_off, p.payload_len);
		n += p.payload_len;
		next += (uint32_t)p.payload_len;
	}
	np_capfile_close(f);
	return n;
}

struct want {
	uint8_t type;
	uint16_t length;
	int body0;          /* the first body byte, -1: not checked */
	uint8_t encrypted;
};

/* tshark -r tls_alerts.pcap: tls.record.content_type (opaque_type for
 * TLS 1.3), tls.record.length, tls.handshake.type, per direction. */
static const struct want tls12_server[] = {      /* 443 -> 42190 */
	{22, 69, 2, 0}, {22, 933, 11, 0}, {22, 115, 12, 0}, {22, 4, 14, 0},
	{22, 202, 4, 0}, {20, 1, 1, 0}, {22, 40, -1, 1}, {23, 162, -1, 1},
};
static const struct want tls12_client[] = {      /* 42190 -> 443 */
	{22, 199, 1, 0}, {22, 37, 16, 0}, {20, 1, 1, 0}, {22, 40, -1, 1},
	{23, 76, -1, 1}, {21, 26, -1, 1},
};
static const struct want tls13_server[] = {      /* 443 -> 42200 */
	{22, 122, 2, 0}, {20, 1, 1, 0}, {23, 27, -1, 1}, {23, 955, -1, 1}, {23, 95, -1, 1},
	{23, 69, -1, 1}, {23, 282, -1, 1}, {23, 282, -1, 1}, {23, 155, -1, 1},
};
static const struct want tls13_client[] = {      /* 42200 -> 443 */
	{22, 236, 1, 0}, {20, 1, 1, 0}, {23, 69, -1, 1}, {23, 69, -1, 1}, {23, 19, -1, 1},
};

/* Feeds b[0..n) in chunks of at most chunk bytes (0: all at once). */
static size_t walk(struct np_tls_dir *d, const uint8_t *b, size_t n, size_t chunk,
		   struct np_tls_record *recs, size_t max)
{
	size_t got_n = 0, off = 0;

	while (off < n) {
		size_t end = chunk && n - off > chunk ? off + chunk : n;

		while (off < end) {
			struct np_tls_record r;
			int got;
			size_t used = np_tls_dir_feed(d, b + off, end - off, &r, &got);

			assert_true(used <= end - off);
			assert_true(used > 0 || got);
			off += used;
			if (got) {
				assert_true(got_n < max);
				recs[got_n++] = r;
			}
		}
	}
	return got_n;
}

static void check_recs(const struct np_tls_record *r, size_t n, const struct want *w, size_t nw)
{
	assert_int_equal(n, nw);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(r[i].type, w[i].type);
		assert_int_equal(r[i].length, w[i].length);
		assert_int_equal(r[i].index, i);
		assert_int_equal(r[i].encrypted, w[i].encrypted);
		assert_int_equal(r[i].n_body, w[i].length < 2 ? w[i].length : 2);
		if (w[i].body0 >= 0)
			assert_int_equal(r[i].body[0], w[i].body0);
		assert_true((r[i].version >> 8) == 3);
	}
}

static void one_stream(uint16_t sport, uint16_t dport, const struct want *w, size_t nw)
{
	static uint8_t b[STREAM_MAX];
	struct np_tls_record recs[RECS_MAX];
	struct np_tls_dir d;
	size_t n = stream(sport, dport, b, sizeof(b)), heads[RECS_MAX], off = 0;

	/* Where each record's head ends: its header and two body bytes. */
	for (size_t i = 0; i < nw; i++) {
		heads[i] = off + NP_TLS_HEADER_LEN + (w[i].length < 2 ? w[i].length : 2);
		off += NP_TLS_HEADER_LEN + w[i].length;
	}
	assert_int_equal(off, n);
	/* Whole, byte by byte, in odd chunks: the same records. */
	for (size_t chunk = 0; chunk <= 7; chunk++) {
		np_tls_dir_init(&d);
		check_recs(recs, walk(&d, b, n, chunk, recs, RECS_MAX), w, nw);
		assert_int_equal(d.state, NP_TLS_DIR_HEAD);
	}
	/* Every prefix: the records whose heads it holds, then the rest. */
	for (size_t cut = 0; cut <= n; cut++) {
		size_t expect = 0, got;

		while (expect < nw && heads[expect] <= cut)
			expect++;
		np_tls_dir_init(&d);
		got = walk(&d, b, cut, 0, recs, RECS_MAX);
		assert_int_equal(got, expect);
		assert_int_not_equal(d.state, NP_TLS_DIR_DONE);
		got += walk(&d, b + cut, n - cut, 0, recs + got, RECS_MAX - got);
		check_recs(recs, got, w, nw);
	}
}

static void recorded_tls12_streams(void **state)
{
	(void)state;
	one_stream(443, 42190, tls12_server, sizeof(tls12_server) / sizeof(tls12_server[0]));
	one_stream(42190, 443, tls12_client, sizeof(tls12_client) / sizeof(tls12_client[0]));
}

static void recorded_tls13_streams(void **state)
{
	(void)state;
	one_stream(443, 42200, tls13_server, sizeof(tls13_server) / sizeof(tls13_server[0]));
	one_stream(42200, 443, tls13_client, sizeof(tls13_client) / sizeof(tls13_client[0]));
}

static void recorded_alert(void **state)
{
	/* The server's whole stream to 58724: one fatal unrecognized_name. */
	uint8_t b[64];
	struct np_tls_record r[4];
	struct np_tls_dir d;
	size_t n = stream(8444, 58724, b, sizeof(b));

	(void)state;
	assert_int_equal(n, 7);
	np_tls_dir_init(&d);
	assert_int_equal(walk(&d, b, n, 1, r, 4), 1);
	assert_int_equal(r[0].type, NP_TLS_CT_ALERT);
	assert_int_equal(r[0].length, 2);
	assert_int_equal(r[0].body[0], NP_TLS_ALERT_FATAL);
	assert_int_equal(r[0].body[1], 112);
	assert_int_equal(r[0].encrypted, 0);
	assert_string_equal(np_tls_alert_name(r[0].body[1]), "unrecognized name");
}

/* --- headers --------------------------------------------------------------- */

static void header_fields(void **state)
{
	static const uint8_t ok[] = {0x15, 0x03, 0x03, 0x00, 0x02};
	struct np_tls_record r;
	uint8_t b[5];

	(void)state;
	for (size_t n = 0; n < 5; n++)
		assert_int_equal(np_tls_record_header(ok, n, &r), 0);
	assert_int_equal(np_tls_record_header(ok, 5, &r), 1);
	assert_int_equal(r.type, 21);
	assert_int_equal(r.version, 0x0303);
	assert_int_equal(r.length, 2);
	/* Content types 20-24 only. */
	for (int t = 0; t < 256; t++) {
		memcpy(b, ok, 5);
		b[0] = (uint8_t)t;
		assert_int_equal(np_tls_record_header(b, 1, &r), t >= 20 && t <= 24 ? 0 : NP_EINVAL);
		assert_int_equal(np_tls_record_header(b, 5, &r), t >= 20 && t <= 24 ? 1 : NP_EINVAL);
	}
	/* Version 3.0 to 3.4 (SSL 3.0 to TLS 1.3's frozen 3.3, and 3.4). */
	for (int v = 0; v < 0x500; v++) {
		int good = (v >> 8) == 3 && (v & 0xff) <= 4;

		memcpy(b, ok, 5);
		b[1] = (uint8_t)(v >> 8);
		b[2] = (uint8_t)v;
		assert_int_equal(np_tls_record_header(b, 5, &r), good ? 1 : NP_EINVAL);
	}
	/* Lengths: 2^14 + 2048 and no more (RFC 5246 6.2.3). */
	memcpy(b, ok, 5);
	b[3] = 0x48;
	b[4] = 0x00;
	assert_int_equal(np_tls_record_header(b, 5, &r), 1);
	assert_int_equal(r.length, NP_TLS_RECORD_MAX);
	b[4] = 0x01;
	assert_int_equal(np_tls_record_header(b, 5, &r), NP_EINVAL);
	b[3] = 0x49;
	assert_int_equal(np_tls_record_header(b, 4, &r), NP_EINVAL);
	b[3] = b[4] = 0xff;
	assert_int_equal(np_tls_record_header(b, 5, &r), NP_EINVAL);
	b[3] = b[4] = 0;
	assert_int_equal(np_tls_record_header(b, 5, &r), 1);
	assert_int_equal(r.length, 0);
}

static void not_tls_ends_the_walk(void **state)
{
	static const char *const starts[] = {
		"GET / HTTP/1.1\r\n",                        /* plain HTTP */
		"\x80\x2e\x01\x00\x02",                      /* an SSLv2 ClientHello */
		"\x16\x03\x01\x48\x01",                      /* a record one byte too long */
		"\x17\x02\x00\x00\x05",                      /* version 2.0 */
		"\x00\x00\x00\x00\x02\x00\x28",              /* zeek's damaged alert header */
	};
	struct np_tls_record r;
	struct np_tls_dir d;
	int got;

	(void)state;
	for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]); i++) {
		size_t n = strlen(starts[i]) ? strlen(starts[i]) : 7;

		np_tls_dir_init(&d);
		assert_int_equal(np_tls_dir_feed(&d, (const uint8_t *)starts[i], n, &r, &got), n);
		assert_int_equal(got, 0);
		assert_int_equal(d.state, NP_TLS_DIR_DONE);
		assert_int_equal(d.why, NP_TLS_WHY_NOT_TLS);
		/* Nothing more, whatever follows. */
		assert_int_equal(np_tls_dir_feed(&d, (const uint8_t *)"\x15\x03\x03\x00\x02\x02\x28", 7,
						 &r, &got), 7);
		assert_int_equal(got, 0);
		assert_int_equal(np_tls_dir_skip(&d, 10), NP_ERANGE);
	}
	/* After good records too: the second header is damaged. */
	{
		static const uint8_t b[] = {0x17, 0x03, 0x03, 0x00, 0x01, 0xaa, 0x17, 0x09};
		struct np_tls_record rs[2];

		np_tls_dir_init(&d);
		assert_int_equal(walk(&d, b, sizeof(b), 0, rs, 2), 1);
		assert_int_equal(d.state, NP_TLS_DIR_DONE);
	}
}

static void zero_lengths_and_the_longest(void **state)
{
	/* 1000 empty application data records (TLS 1.2 allows them, RFC
	 * 5246 6.2.1), then an alert with an empty body, then the longest
	 * record allowed: every one reported, none read past. */
	static uint8_t b[5000 + 5 + 5 + NP_TLS_RECORD_MAX];
	static struct np_tls_record recs[1100];
	struct np_tls_dir d;
	size_t n = 0, got;

	(void)state;
	for (int i = 0; i < 1000; i++) {
		memcpy(b + n, "\x17\x03\x03\x00\x00", 5);
		n += 5;
	}
	memcpy(b + n, "\x15\x03\x03\x00\x00", 5);
	n += 5;
	memcpy(b + n, "\x17\x03\x03\x48\x00", 5);
	n += 5;
	memset(b + n, 0x15, NP_TLS_RECORD_MAX);     /* alert-looking bytes inside a body */
	n += NP_TLS_RECORD_MAX;
	for (size_t chunk = 0; chunk <= 3; chunk += 3) {
		np_tls_dir_init(&d);
		got = walk(&d, b, n, chunk, recs, 1100);
		assert_int_equal(got, 1002);
		assert_int_equal(recs[999].type, 23);
		assert_int_equal(recs[999].n_body, 0);
		assert_int_equal(recs[1000].type, 21);
		assert_int_equal(recs[1000].n_body, 0);
		assert_int_equal(recs[1001].length, NP_TLS_RECORD_MAX);
		assert_int_equal(d.state, NP_TLS_DIR_HEAD);
	}
}

static void change_cipher_spec_marks_what_follows(void **state)
{
	/* handshake, CCS, alert (26 bytes): the alert is encrypted. */
	uint8_t b[64];
	struct np_tls_record r[4];
	struct np_tls_dir d;
	size_t n = 0;

	(void)state;
	memcpy(b, "\x16\x03\x03\x00\x04\x14\x00\x00\x00", 9);
	n = 9;
	memcpy(b + n, "\x14\x03\x03\x00\x01\x01", 6);
	n += 6;
	memcpy(b + n, "\x15\x03\x03\x00\x1a", 5);
	n += 5;
	memset(b + n, 0x5a, 26);
	n += 26;
	np_tls_dir_init(&d);
	assert_int_equal(walk(&d, b, n, 0, r, 4), 3);
	assert_int_equal(r[0].encrypted, 0);
	assert_int_equal(r[1].type, NP_TLS_CT_CHANGE_CIPHER_SPEC);
	assert_int_equal(r[1].encrypted, 0);
	assert_int_equal(r[2].type, NP_TLS_CT_ALERT);
	assert_int_equal(r[2].encrypted, 1);
	assert_int_equal(d.ccs, 1);
}

static void missing_bytes(void **state)
{
	static const uint8_t hdr[] = {0x17, 0x03, 0x03, 0x01, 0x00};   /* 256-byte body */
	struct np_tls_record r;
	struct np_tls_dir d;
	int got;

	(void)state;
	/* Inside a body: the walk goes on at the next header. */
	np_tls_dir_init(&d);
	assert_int_equal(np_tls_dir_feed(&d, hdr, 5, &r, &got), 5);
	assert_int_equal(got, 0);
	assert_int_equal(np_tls_dir_feed(&d, (const uint8_t *)"ab", 2, &r, &got), 2);
	assert_int_equal(got, 1);
	assert_int_equal(np_tls_dir_skip(&d, 200), 0);
	assert_int_equal(np_tls_dir_skip(&d, 54), 0);
	assert_int_equal(d.state, NP_TLS_DIR_HEAD);
	assert_int_equal(np_tls_dir_feed(&d, (const uint8_t *)"\x15\x03\x03\x00\x02\x02\x28", 7, &r, &got), 7);
	assert_int_equal(got, 1);
	assert_int_equal(r.type, NP_TLS_CT_ALERT);
	assert_int_equal(r.body[1], 40);
	/* Past the body's end: a header was lost with the bytes. */
	np_tls_dir_init(&d);
	np_tls_dir_feed(&d, hdr, 5, &r, &got);
	np_tls_dir_feed(&d, (const uint8_t *)"ab", 2, &r, &got);
	assert_int_equal(np_tls_dir_skip(&d, 255), NP_ERANGE);
	assert_int_equal(d.state, NP_TLS_DIR_DONE);
	assert_int_equal(d.why, NP_TLS_WHY_GAP);
	/* In the middle of a header, or a huge gap. */
	np_tls_dir_init(&d);
	np_tls_dir_feed(&d, hdr, 3, &r, &got);
	assert_int_equal(np_tls_dir_skip(&d, 1), NP_ERANGE);
	np_tls_dir_init(&d);
	assert_int_equal(np_tls_dir_skip(&d, UINT64_MAX), NP_ERANGE);
	np_tls_dir_init(&d);
	assert_int_equal(np_tls_dir_skip(&d, 0), 0);
}

static void garbage_never_crashes(void **state)
{
	/* Random bytes, and random bytes after a good header, in random
	 * chunks with random gaps: the walker keeps its invariants. */
	static uint8_t b[65536];
	unsigned seed = 12345;

	(void)state;
	for (int round = 0; round < 200; round++) {
		struct np_tls_dir d;
		size_t off = 0;

		for (size_t i = 0; i < sizeof(b); i++) {
			seed = seed * 1103515245u + 12345u;
			b[i] = (uint8_t)(seed >> 16);
		}
		if (round % 2) {
			/* plausible headers all along, hostile lengths included */
			for (size_t i = 0; i + 5 < sizeof(b); i += 1 + b[i] % 40) {
				b[i] = (uint8_t)(20 + b[i + 1] % 5);
				b[i + 1] = 3;
				b[i + 2] = b[i + 2] % 5;
				b[i + 3] = b[i + 3] % 0x50;
			}
		}
		np_tls_dir_init(&d);
		while (off < sizeof(b)) {
			size_t n = 1 + b[off] % 700;
			struct np_tls_record r;
			int got;

			if (n > sizeof(b) - off)
				n = sizeof(b) - off;
			if (b[off] % 17 == 0) {
				np_tls_dir_skip(&d, b[off] % 50);
			} else {
				size_t used = 0;

				while (used < n) {
					used += np_tls_dir_feed(&d, b + off + used, n - used, &r, &got);
					if (got) {
						assert_true(r.length <= NP_TLS_RECORD_MAX);
						assert_true(r.n_body <= 2);
						assert_true(r.type >= 20 && r.type <= 24);
					}
				}
			}
			assert_true(d.have <= sizeof(d.head));
			assert_true(d.left <= NP_TLS_RECORD_MAX);
			off += n;
		}
	}
}

static void alert_names(void **state)
{
	(void)state;
	assert_string_equal(np_tls_alert_name(0), "close notify");
	assert_string_equal(np_tls_alert_name(40), "handshake failure");
	assert_string_equal(np_tls_alert_name(48), "unknown CA");
	assert_string_equal(np_tls_alert_name(112), "unrecognized name");
	assert_string_equal(np_tls_alert_name(116), "certificate required");
	assert_string_equal(np_tls_alert_name(255), "unknown alert");
	assert_string_equal(np_tls_alert_name(-1), "unknown alert");
	assert_string_equal(np_tls_content_type_name(21), "alert");
	assert_string_equal(np_tls_content_type_name(99), "unknown");
	/* Per direction: a few bytes, whatever the stream's length. */
	assert_true(sizeof(struct np_tls_dir) <= 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(header_fields),
		cmocka_unit_test(recorded_tls12_streams),
		cmocka_unit_test(recorded_tls13_streams),
		cmocka_unit_test(recorded_alert),
		cmocka_unit_test(not_tls_ends_the_walk),
		cmocka_unit_test(zero_lengths_and_the_longest),
		cmocka_unit_test(change_cipher_spec_marks_what_follows),
		cmocka_unit_test(missing_bytes),
		cmocka_unit_test(garbage_never_crashes),
		cmocka_unit_test(alert_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
