/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the tests of netprobe explain's input (test_explain_input.c) and
 * TLS alerts (test_explain_tls.c) share: files, reports, raw IPv4
 * packets. Include after cmocka.h. */
#ifndef NETPROBE_TESTS_EXPLAIN_TEST_H
#define NETPROBE_TESTS_EXPLAIN_TEST_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netprobe/dissect.h"
#include "netprobe/error.h"
#include "netprobe/explain.h"
#include "netprobe/report.h"

#define S (1000000000LL)     /* one second in ns */
#define MS (1000000LL)

static inline const char *captures_dir(void)
{
	const char *d = getenv("NP_CAPTURES");

	return d && *d ? d : "fixtures/captures";
}

static inline char *capture_path(const char *name)
{
	char *p;

	assert_true(asprintf(&p, "%s/%s", captures_dir(), name) > 0);
	return p;
}

/* A scratch file name of this process. */
static inline void tmp_path(char *buf, size_t len, const char *what)
{
	const char *d = getenv("TMPDIR");

	snprintf(buf, len, "%s/np-%d-%s", d && *d ? d : "/tmp", (int)getpid(), what);
}

/* The metric is there, as null: a figure that could not be had. */
static inline int metric_null(const struct np_finding *f, const char *name)
{
	const struct np_metric *m = np_finding_metric(f, name);

	return m && m->kind == NP_METRIC_NULL;
}

static inline const char *metric_str(const struct np_finding *f, const char *name)
{
	const struct np_metric *m = np_finding_metric(f, name);

	if (!m || m->kind != NP_METRIC_STR)
		fail_msg("%s: metric %s missing or not a string", f->verdict->code, name);
	return m->v.s;
}

static inline int64_t metric_int(const struct np_finding *f, const char *name)
{
	const struct np_metric *m = np_finding_metric(f, name);

	if (!m || m->kind != NP_METRIC_INT)
		fail_msg("%s: metric %s missing or not an integer", f->verdict->code, name);
	return m->v.i;
}

static inline size_t count_verdict(const struct np_report *r, const char *code)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n_findings; i++)
		n += strcmp(r->findings[i]->verdict->code, code) == 0;
	return n;
}

/* The nth (0-based) finding with this verdict; fails when there is none. */
static inline const struct np_finding *nth(const struct np_report *r, const char *code, size_t n)
{
	for (size_t i = 0; i < r->n_findings; i++)
		if (strcmp(r->findings[i]->verdict->code, code) == 0 && n-- == 0)
			return r->findings[i];
	fail_msg("no finding %s", code);
	return NULL;
}

static inline void dump(const struct np_report *r)
{
	for (size_t i = 0; i < r->n_findings; i++)
		print_message("  %s %s: %s\n", r->findings[i]->target, r->findings[i]->verdict->code,
			      r->findings[i]->summary);
}

/* The last evidence item's frame (the deciding packet). */
static inline int64_t last_frame(const struct np_finding *f)
{
	assert_true(f->n_evidence > 0);
	return f->evidence[f->n_evidence - 1].frame;
}

/* Reads a file; *rc gets np_explain_open's or np_explain_run's result,
 * errbuf (may be NULL) the open's error. */
static inline struct np_report *explain_file(const char *path, double min_idle,
					     struct np_explain_stats *st, int *rc, char *errbuf)
{
	struct np_explain_opts o = {0};
	struct np_explain *e = NULL;
	struct np_report *r = np_report_new("explain");
	char eb[NP_ERRBUF_SIZE];

	assert_non_null(r);
	o.min_idle_s = min_idle;
	*rc = np_explain_open(path, &o, &e, errbuf ? errbuf : eb);
	if (*rc == 0) {
		*rc = np_explain_run(e, r);
		if (st)
			np_explain_get_stats(e, st);
	}
	np_explain_free(e);
	return r;
}

static inline struct np_report *explain_fixture(const char *name, struct np_explain_stats *st)
{
	char *p = capture_path(name);
	int rc;
	struct np_report *r = explain_file(p, 0, st, &rc, NULL);

	if (rc != 0)
		fail_msg("%s: %s", p, np_strerror(rc));
	free(p);
	return r;
}

static inline unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *b;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	b = malloc((size_t)n + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return b;
}

static inline void write_file(const char *path, const void *b, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

/* A raw IPv4 + TCP packet (DLT_RAW): 20-byte headers and the payload
 * (len bytes of data, or zeros when data is NULL). */
static inline size_t pkt4(uint8_t *b, const char *src, uint16_t sport, const char *dst, uint16_t dport,
		   uint32_t seq, uint32_t ack, uint8_t flags, uint8_t ttl, const void *data,
		   uint16_t len)
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
	if (data && len)
		memcpy(b + 40, data, len);
	return tot;
}

#endif
