/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A finding whose packets were lost says so: kernel drops while its flow
 * was open, packets its flow's evidence budget counted without keeping. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <string.h>

#include "netprobe/clock.h"
#include "netprobe/evidence.h"

/* A SYN from 198.18.1.2:lport to 198.19.4.2:443, raw IPv4. */
static uint32_t feed_syn(struct np_flow_table *t, uint16_t lport, int64_t ts)
{
	uint8_t b[40] = {0x45, 0, 0, 40, 0, 0, 0, 0, 64, IPPROTO_TCP, 0, 0, 198, 18, 1, 2, 198, 19, 4, 2};

	b[20] = (uint8_t)(lport >> 8);
	b[21] = (uint8_t)lport;
	b[22] = 0x01;
	b[23] = 0xbb;
	b[32] = 5 << 4;
	b[33] = NP_TCP_SYN;
	return np_flow_input(t, NP_DLT_RAW, (uint64_t)ts * 1000, ts, b, sizeof(b), sizeof(b));
}

static struct np_flow *reg(struct np_flow_table *t, uint16_t lport)
{
	struct sockaddr_in l = {0}, r = {0};

	l.sin_family = r.sin_family = AF_INET;
	l.sin_addr.s_addr = htonl(0xc6120102);
	r.sin_addr.s_addr = htonl(0xc6130402);
	l.sin_port = htons(lport);
	r.sin_port = htons(443);
	return np_flow_register(t, IPPROTO_TCP, (struct sockaddr *)&l, (struct sockaddr *)&r, NULL, NULL);
}

static struct np_finding *cite(struct np_report *r, uint32_t frame)
{
	struct np_finding *f = np_finding_new("tcp", "t", "198.19.4.2", "tcp.filtered");

	assert_non_null(f);
	np_finding_evidence(f, frame, 0, "SYN");
	assert_int_equal(np_report_add(r, f), 0);
	return f;
}

static const char *last_text(const struct np_finding *f)
{
	return f->n_evidence ? f->evidence[f->n_evidence - 1].text : "";
}

/* Drops while a flow was open are charged to it, not to a flow that had
 * ended before them. */
static void drops_reach_the_findings_of_open_flows(void **state)
{
	char errbuf[NP_ERRBUF_SIZE];
	struct np_flow_table *t = np_flow_table_new(1 << 20, errbuf);
	struct np_report *r = np_report_new("tcp");
	struct np_flow *open, *done;
	struct np_finding *fo, *fd;
	struct np_flow_stats st;
	int64_t now;

	(void)state;
	open = reg(t, 40000);
	done = reg(t, 40001);
	fo = cite(r, feed_syn(t, 40000, 1));
	fd = cite(r, feed_syn(t, 40001, 2));
	np_flow_detach(done);
	now = np_now_us();
	np_flow_note_drops(t, 7, now + 10, now + 20);
	np_flow_stats(open, &st);
	assert_int_equal(st.kernel_dropped, 7);
	np_flow_stats(done, &st);
	assert_int_equal(st.kernel_dropped, 0);
	np_evidence_annotate(t, r);
	assert_int_equal(np_finding_metric(fo, "capture_dropped")->v.i, 7);
	assert_non_null(strstr(last_text(fo), "the kernel dropped 7 captured packets"));
	assert_null(np_finding_metric(fd, "capture_dropped"));
	assert_int_equal(fd->n_evidence, 1);
	np_report_free(r);
	np_flow_table_free(t);
}

/* A flow past its budget: its finding counts what was not kept. */
static void not_kept_reaches_the_finding(void **state)
{
	char errbuf[NP_ERRBUF_SIZE];
	struct np_flow_table *t = np_flow_table_new(64 << 10, errbuf);
	struct np_report *r = np_report_new("tcp");
	struct np_finding *f;
	uint32_t first;
	int64_t ts = 1;

	(void)state;
	reg(t, 40000);
	first = feed_syn(t, 40000, ts++);
	/* SYNs prove something, but a flow's proof allowance (B/64) ends too. */
	for (int i = 0; i < 2000; i++)
		feed_syn(t, 40000, ts++);
	f = cite(r, first);
	np_evidence_annotate(t, r);
	assert_true(np_finding_metric(f, "not_kept")->v.i > 1900);
	assert_non_null(strstr(last_text(f), "counted but not kept"));
	np_report_free(r);
	np_flow_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(drops_reach_the_findings_of_open_flows),
		cmocka_unit_test(not_kept_reaches_the_finding),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
