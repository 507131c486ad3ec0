/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Helpers of test_explain_tcp.c: findings' metrics, captures read from
 * fixtures/captures/ (NP_CAPTURES overrides the directory), tracker packet
 * lists, and hand-built IPv4 connections fed to an engine. Include after
 * cmocka.h. */
#ifndef NETPROBE_TESTS_EXPLAIN_TCP_H
#define NETPROBE_TESTS_EXPLAIN_TCP_H

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
	struct np_tcp_pkt p = {frame, t, (uint8_t)dir, flags, ttl, seq, ack, len, 0};

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

/* One connection CLI:cport -> SRV:443 fed to an engine: the client's TTL
 * 64, the server's as given (61: hop 4). */
struct conv {
	struct np_explain *e;
	uint16_t cport;
	uint32_t cseq, sseq;
	uint8_t sttl;
};

static void c2s_win(struct conv *c, int64_t t, uint8_t flags, uint16_t len, uint16_t win)
{
	uint8_t b[1600];
	size_t n = pkt4(b, CLI, c->cport, SRV, 443, c->cseq, c->sseq, flags, 64, len, win);

	assert_int_equal(np_explain_frame(c->e, NP_DLT_RAW, t, b, (uint32_t)n, (uint32_t)n), 0);
}

static void c2s(struct conv *c, int64_t t, uint8_t flags, uint16_t len)
{
	c2s_win(c, t, flags, len, 0xffff);
}

/* ttl 0: the server's own. */
static void s2c(struct conv *c, int64_t t, uint8_t flags, uint16_t len, uint8_t ttl)
{
	uint8_t b[1600];
	size_t n = pkt4(b, SRV, 443, CLI, c->cport, c->sseq, c->cseq, flags, ttl ? ttl : c->sttl, len,
			0xffff);

	assert_int_equal(np_explain_frame(c->e, NP_DLT_RAW, t, b, (uint32_t)n, (uint32_t)n), 0);
}

/* SYN, SYN-ACK, ACK, a 100-byte request, its ACK, a 200-byte answer, its
 * ACK: 7 frames in 10 ms from t. */
static void exchange(struct conv *c, int64_t t)
{
	c->cseq = 1000;
	c->sseq = 5000;
	c2s(c, t, SYN, 0);
	c->cseq++;
	s2c(c, t + 1 * MS, SYN | ACK, 0, 0);
	c->sseq++;
	c2s(c, t + 2 * MS, ACK, 0);
	c2s(c, t + 3 * MS, PSH | ACK, 100);
	c->cseq += 100;
	s2c(c, t + 4 * MS, ACK, 0, 0);
	s2c(c, t + 5 * MS, PSH | ACK, 200, 0);
	c->sseq += 200;
	c2s(c, t + 10 * MS, ACK, 0);
}

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

static struct np_report *finish(struct np_explain *e, struct np_explain_stats *st)
{
	struct np_report *r = np_report_new("explain");

	assert_non_null(r);
	assert_int_equal(np_explain_finish(e, r), 0);
	if (st)
		np_explain_get_stats(e, st);
	np_explain_free(e);
	dump(r);
	return r;
}

#endif
