/* SPDX-License-Identifier: GPL-3.0-or-later */
/* netprobe explain and the truth of its input: timestamps past what 64-bit
 * nanoseconds hold (pcapng files written here with netprobe's own writer,
 * read back through capture.c), and files whose records cannot be read
 * (damaged from the recorded fixtures, or built here block by block):
 * each is explain.partial naming what was wrong, never explain.clean, or
 * a one-line error when the file is no capture at all. Run it under
 * `make unit SANITIZE=1` too: the timestamp bound must hold without UB. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>

#include "explain_test.h"
#include "netprobe/capfile.h"
#include "netprobe/capture.h"
#include "netprobe/pcapng.h"

#define LINKTYPE_RAW 101
#define CLI "198.18.1.2"
#define SRV "198.19.4.2"

struct frame {
	uint64_t ts_ns;
	uint8_t b[64];
	size_t n;
};

static void write_pcapng(const char *path, const struct frame *fr, size_t n)
{
	char errbuf[NP_ERRBUF_SIZE];
	FILE *f = fopen(path, "wb");
	struct np_pcapng *w;

	assert_non_null(f);
	w = np_pcapng_new(f, LINKTYPE_RAW, 65535, "lab0", "netprobe-test", errbuf);
	if (!w)
		fail_msg("%s", errbuf);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(np_pcapng_write(w, fr[i].ts_ns, fr[i].b, (uint32_t)fr[i].n,
						 (uint32_t)fr[i].n, NULL), 0);
	assert_int_equal(np_pcapng_close(w), 0);
}

/* A handshake and a short exchange, 10 ms apart from t0: 6 frames. */
static size_t exchange(struct frame *fr, uint64_t t0)
{
	size_t i = 0;

	fr[i].n = pkt4(fr[i].b, CLI, 40000, SRV, 80, 100, 0, NP_TCP_SYN, 64, NULL, 0);
	fr[i].ts_ns = t0;
	i++;
	fr[i].n = pkt4(fr[i].b, SRV, 80, CLI, 40000, 900, 101, NP_TCP_SYN | NP_TCP_ACK, 61, NULL, 0);
	i++;
	fr[i].n = pkt4(fr[i].b, CLI, 40000, SRV, 80, 101, 901, NP_TCP_ACK, 64, NULL, 0);
	i++;
	fr[i].n = pkt4(fr[i].b, CLI, 40000, SRV, 80, 101, 901, NP_TCP_PSH | NP_TCP_ACK, 64, "GET /", 5);
	i++;
	fr[i].n = pkt4(fr[i].b, SRV, 80, CLI, 40000, 901, 106, NP_TCP_PSH | NP_TCP_ACK, 61, "200 OK", 6);
	i++;
	fr[i].n = pkt4(fr[i].b, CLI, 40000, SRV, 80, 106, 907, NP_TCP_ACK, 64, NULL, 0);
	i++;
	for (size_t k = 1; k < i; k++)
		fr[k].ts_ns = t0 + k * 10 * MS;
	return i;
}

static void timestamps_read_back_within_the_bound(void **state)
{
	/* The writer's 64-bit nanosecond counts, read back by capture.c:
	 * exact up to INT64_MAX (April 2262), flagged past it. */
	static const uint64_t ts[] = {
		0, 1700000000123456789ULL, (uint64_t)INT64_MAX, (uint64_t)INT64_MAX + 1,
		18446744073000000000ULL, UINT64_MAX,
	};
	struct frame fr[6];
	char path[256], errbuf[NP_ERRBUF_SIZE];
	struct np_capfile *f;
	struct np_capfile_rec rec;

	(void)state;
	tmp_path(path, sizeof(path), "ts-bound.pcapng");
	for (size_t i = 0; i < 6; i++) {
		fr[i].n = pkt4(fr[i].b, CLI, 40000, SRV, 80, 1, 0, NP_TCP_SYN, 64, NULL, 0);
		fr[i].ts_ns = ts[i];
	}
	write_pcapng(path, fr, 6);
	f = np_capfile_open(path, NULL, errbuf);
	if (!f)
		fail_msg("%s", errbuf);
	for (size_t i = 0; i < 6; i++) {
		assert_int_equal(np_capfile_next(f, &rec, errbuf), 1);
		assert_int_equal(rec.frame, i + 1);
		if (ts[i] <= (uint64_t)INT64_MAX) {
			assert_true(rec.ts_ok);
			assert_int_equal(rec.ts_ns, (int64_t)ts[i]);
		} else {
			assert_false(rec.ts_ok);
		}
	}
	assert_int_equal(np_capfile_next(f, &rec, errbuf), 0);
	np_capfile_close(f);
	unlink(path);
}

static void far_future_timestamp_is_left_out(void **state)
{
	/* Frame 4 (the request) carries a timestamp 584 years after 1970's
	 * start: it takes its number and nothing else. Before the bound this
	 * overflowed (UBSan: signed integer overflow in capture.c) and a
	 * silence of decades was read as an idle gap. */
	struct frame fr[6];
	char path[256];
	struct np_explain_stats st;
	struct np_report *r;
	const struct np_finding *f;
	int rc;

	(void)state;
	tmp_path(path, sizeof(path), "future.pcapng");
	exchange(fr, 1700000000ULL * S);
	fr[3].ts_ns = UINT64_MAX;
	write_pcapng(path, fr, 6);
	r = explain_file(path, 1, &st, &rc, NULL);
	assert_int_equal(rc, 0);
	dump(r);
	assert_int_equal(st.frames, 6);
	assert_int_equal(st.bad_time, 1);
	assert_int_equal(st.bad_time_frame, 4);
	assert_true(st.longest_gap_ns < 1 * S);
	assert_int_equal(count_verdict(r, "explain.clean"), 0);
	assert_int_equal(r->n_findings, 1);
	f = nth(r, "explain.partial", 0);
	assert_int_equal(f->status, NP_WARN);
	assert_non_null(strstr(f->summary, "frame 4"));
	assert_non_null(strstr(f->summary, "2262"));
	assert_non_null(strstr(f->summary, "1 TCP connection and no failure"));
	assert_int_equal(metric_int(f, "bad_time_frames"), 1);
	assert_int_equal(metric_int(f, "first_bad_time_frame"), 4);
	np_report_free(r);
	/* The first frame out of range: no time zero is taken from it. */
	exchange(fr, 1700000000ULL * S);
	fr[0].ts_ns = (uint64_t)INT64_MAX + 1;
	write_pcapng(path, fr, 6);
	r = explain_file(path, 1, &st, &rc, NULL);
	assert_int_equal(rc, 0);
	assert_int_equal(st.bad_time_frame, 1);
	assert_true(st.longest_gap_ns < 1 * S);
	assert_int_equal(count_verdict(r, "explain.partial"), 1);
	assert_int_equal(count_verdict(r, "explain.clean"), 0);
	np_report_free(r);
	unlink(path);
}

/* Expects r to hold explain.partial and no explain.clean, its summary
 * holding each of the words given. */
static void expect_partial(const char *what, const struct np_report *r, const char *w1, const char *w2)
{
	const struct np_finding *f;

	if (count_verdict(r, "explain.partial") != 1 || count_verdict(r, "explain.clean") != 0) {
		dump(r);
		fail_msg("%s: not partial, or clean", what);
	}
	f = nth(r, "explain.partial", 0);
	if ((w1 && !strstr(f->summary, w1)) || (w2 && !strstr(f->summary, w2)))
		fail_msg("%s: '%s' lacks '%s' / '%s'", what, f->summary, w1, w2 ? w2 : "");
}

static void damaged_files_are_partial_never_clean(void **state)
{
	char path[256], *src = capture_path("closed_normally.pcapng");
	size_t len, off = 0, n_blk = 0, blk[64];
	unsigned char *b = slurp(src, &len), *m = malloc(len + 256);
	struct np_explain_stats st;
	struct np_report *r;
	int rc;

	(void)state;
	assert_non_null(m);
	tmp_path(path, sizeof(path), "damaged.pcapng");
	/* The blocks of the recorded file: section, interface, 20 packets,
	 * dumpcap's statistics. */
	while (off + 8 <= len && n_blk < 64) {
		uint32_t l;

		memcpy(&l, b + off + 4, 4);
		blk[n_blk++] = off;
		off += l;
	}
	assert_int_equal(n_blk, 23);
#define CASE(what, w1, w2) do { \
		write_file(path, m, mlen); \
		r = explain_file(path, 0, &st, &rc, NULL); \
		assert_int_equal(rc, 0); \
		expect_partial(what, r, w1, w2); \
		np_report_free(r); \
	} while (0)
	{
		size_t mlen;
		uint32_t v;

		/* A block length below the minimum, in the 4th packet. */
		memcpy(m, b, len);
		mlen = len;
		v = 7;
		memcpy(m + blk[5] + 4, &v, 4);
		CASE("length 7", "read up to frame 3 only", "less than the minimum");
		/* Not a multiple of 4. */
		memcpy(m, b, len);
		v = 110;
		memcpy(m + blk[5] + 4, &v, 4);
		CASE("length 110", "frame 3", "block length");
		/* Header and trailer disagree. */
		memcpy(m, b, len);
		memcpy(&v, b + blk[5] + 4, 4);
		v += 8;
		memcpy(m + blk[5] + v - 8 - 4, &v, 4);
		CASE("trailer", "frame 3", NULL);
		/* Past any block size, in the first packet: no frame read. */
		memcpy(m, b, len);
		v = 0x7ffffff0;
		memcpy(m + blk[2] + 4, &v, 4);
		CASE("huge", "no frame could be read", "too large");
		/* Cut inside the 5th packet. */
		memcpy(m, b, len);
		mlen = blk[6] + 30;
		CASE("cut", "frame 4", "truncated");
		/* Garbage text right after a valid header. */
		memcpy(m, b, blk[2]);
		mlen = blk[2];
		for (int i = 0; i < 4; i++) {
			memcpy(m + mlen, "not a block, just words\n", 24);
			mlen += 24;
		}
		CASE("garbage", "no frame could be read", NULL);
		/* Blocks of a type libpcap passes over, and nothing else: 0
		 * frames read of a file that is not empty. */
		memcpy(m, b, blk[2]);
		mlen = blk[2];
		for (int i = 0; i < 3; i++) {
			static const uint32_t unk[4] = {0x0BADBAD0, 16, 0, 16};

			memcpy(m + mlen, unk, 16);
			mlen += 16;
		}
		CASE("unknown blocks", "no frame could be read", "0x0badbad0");
	}
#undef CASE
	unlink(path);
	free(m);
	free(b);
	free(src);
}

static void pcap_with_damaged_records(void **state)
{
	char path[256], *src = capture_path("syn_dropped.pcap");
	size_t len;
	unsigned char *b = slurp(src, &len);
	struct np_explain_stats st;
	struct np_report *r;
	int rc;

	(void)state;
	tmp_path(path, sizeof(path), "damaged.pcap");
	/* Garbage after the 24-byte file header. */
	memcpy(b + 24, "garbage garbage garbage garbage\n", 32);
	write_file(path, b, 24 + 32);
	r = explain_file(path, 0, &st, &rc, NULL);
	assert_int_equal(rc, 0);
	assert_int_equal(st.frames, 0);
	expect_partial("pcap garbage", r, "no frame could be read", "bigger than maximum");
	np_report_free(r);
	free(b);
	free(src);
	unlink(path);
}

static void empty_captures_are_clean(void **state)
{
	/* A capture that saw nothing: the file header, and for pcapng an
	 * Interface Statistics Block (as dumpcap writes one). 0 frames, no
	 * damage: explain.clean. */
	char path[256];
	struct frame none[1];
	struct np_explain_stats st;
	struct np_report *r;
	FILE *f;
	int rc;
	static const uint32_t isb[6] = {5, 24, 0, 0, 0, 24};

	(void)state;
	tmp_path(path, sizeof(path), "empty.pcapng");
	write_pcapng(path, none, 0);
	f = fopen(path, "ab");
	assert_non_null(f);
	assert_int_equal(fwrite(isb, 1, sizeof(isb), f), sizeof(isb));
	fclose(f);
	r = explain_file(path, 0, &st, &rc, NULL);
	assert_int_equal(rc, 0);
	assert_int_equal(st.frames, 0);
	assert_false(st.partial);
	assert_int_equal(r->n_findings, 1);
	assert_int_equal(count_verdict(r, "explain.clean"), 1);
	np_report_free(r);
	unlink(path);
}

static void not_a_capture_is_one_line(void **state)
{
	char path[256], errbuf[NP_ERRBUF_SIZE] = "";
	struct np_report *r;
	int rc;

	(void)state;
	tmp_path(path, sizeof(path), "text.pcap");
	write_file(path, "this is not a capture at all\nline two\n", 38);
	r = explain_file(path, 0, NULL, &rc, errbuf);
	assert_int_equal(rc, NP_EINVAL);
	assert_int_equal(r->n_findings, 0);
	assert_non_null(strstr(errbuf, path));
	assert_null(strchr(errbuf, '\n'));
	np_report_free(r);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(timestamps_read_back_within_the_bound),
		cmocka_unit_test(far_future_timestamp_is_left_out),
		cmocka_unit_test(damaged_files_are_partial_never_clean),
		cmocka_unit_test(pcap_with_damaged_records),
		cmocka_unit_test(empty_captures_are_clean),
		cmocka_unit_test(not_a_capture_is_one_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
