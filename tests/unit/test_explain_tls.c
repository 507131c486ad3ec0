/* SPDX-License-Identifier: GPL-3.0-or-later */
/* netprobe explain and TLS alerts: the captures of fixtures/captures (the
 * lab's alerting server and a client refusing a certificate; zeek's
 * traces, see its README), each checked against tshark -Y
 * tls.alert_message on the same file, and hand-built connections for
 * what captures rarely show: alerts cut across segments, retransmitted,
 * after a gap or past the snapshot length, encrypted alerts during and
 * after the handshake, warnings, streams that are not TLS. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "explain_test.h"
#include "netprobe/explain_tls.h"
#include "netprobe/tls_record.h"

/* --- the recorded captures ------------------------------------------------- */

static void check_alert(const struct np_finding *f, const char *from, int desc, const char *level,
			int64_t frame, int64_t hello_frame, const char *stage, const char *sender)
{
	assert_string_equal(f->verdict->code, "tls.alert");
	assert_int_equal(f->status, NP_FAIL);
	assert_string_equal(metric_str(f, "alert_from"), from);
	assert_int_equal(metric_int(f, "alert_description"), desc);
	assert_string_equal(metric_str(f, "alert_level"), level);
	assert_int_equal(metric_int(f, "encrypted"), 0);
	assert_string_equal(metric_str(f, "stage"), stage);
	assert_string_equal(metric_str(f, "sender"), sender);
	/* The evidence: the ClientHello, then the alert's own frame. */
	assert_int_equal(f->n_evidence, 2);
	assert_int_equal(f->evidence[0].frame, hello_frame);
	assert_int_equal(last_frame(f), frame);
	/* The summary names the sender, the alert and its level. */
	assert_non_null(strstr(f->summary, from));
	assert_non_null(strstr(f->summary, sender));
	assert_non_null(strstr(f->summary, level));
	assert_non_null(strstr(f->summary, metric_str(f, "alert")));
}

static void lab_alerting_server_and_refusing_client(void **state)
{
	/* tshark -Y tls.alert_message: frames 6 and 16 (fatal 112 from
	 * 198.19.4.10 / 2001:db8:4::10), 28 (fatal 48 from the client), 42
	 * (the TLS 1.2 session's encrypted close_notify). */
	struct np_report *r = explain_fixture("tls_alerts.pcap", NULL);
	const struct np_finding *f;

	(void)state;
	dump(r);
	assert_int_equal(r->n_findings, 3);
	assert_int_equal(count_verdict(r, "tls.alert"), 3);
	f = nth(r, "tls.alert", 0);
	check_alert(f, "server", 112, "fatal", 6, 4, "client_hello", "198.19.4.10:8444");
	assert_non_null(strstr(f->summary, "unrecognized name (112)"));
	assert_non_null(strstr(f->summary, "right after the ClientHello"));
	assert_string_equal(f->address, "198.19.4.10");
	assert_string_equal(f->target, "198.18.1.2:58724 -> 198.19.4.10:8444");
	f = nth(r, "tls.alert", 1);
	check_alert(f, "server", 112, "fatal", 16, 14, "client_hello", "[2001:db8:4::10]:8444");
	f = nth(r, "tls.alert", 2);
	check_alert(f, "client", 48, "fatal", 28, 24, "server_hello", "198.18.1.2:46618");
	assert_non_null(strstr(f->summary, "unknown CA (48)"));
	assert_string_equal(f->address, "198.19.4.14");
	np_report_free(r);
}

static void zeek_traces(void **state)
{
	struct np_report *r;
	const struct np_finding *f;

	(void)state;
	/* A server with no cipher in common: tshark frame 6, fatal 40. */
	r = explain_fixture("zeek/tls-1.2-handshake-failure.pcap", NULL);
	assert_int_equal(r->n_findings, 1);
	check_alert(nth(r, "tls.alert", 0), "server", 40, "fatal", 6, 4, "client_hello", "74.125.239.37:443");
	np_report_free(r);
	/* The server wanted a client certificate: its alert (frame 9) follows
	 * the client's ChangeCipherSpec and Finished. */
	r = explain_fixture("zeek/certificate-request-failed.pcap", NULL);
	assert_int_equal(r->n_findings, 1);
	f = nth(r, "tls.alert", 0);
	check_alert(f, "server", 40, "fatal", 9, 4, "change_cipher_spec",
		    "[fd42:496a:d659:bb85:216:3eff:fe6a:a257]:3000");
	assert_non_null(strstr(f->summary, "after the client's ChangeCipherSpec"));
	np_report_free(r);
	/* TLS 1.3 (draft 16): the client refuses the server's certificate
	 * (frame 8, fatal 48); the second connection works. */
	r = explain_fixture("zeek/tls13draft16-ff52.a01.pcap", NULL);
	assert_int_equal(r->n_findings, 1);
	check_alert(nth(r, "tls.alert", 0), "client", 48, "fatal", 8, 4, "server_hello", "192.150.187.20:36778");
	np_report_free(r);
	/* No failure: a warning unrecognized_name (frame 6) the handshake
	 * went on after; an encrypted close_notify (frame 20) after the
	 * handshake; an alert whose record header is zeroed (tshark names no
	 * alert either). */
	r = explain_fixture("zeek/tls-early-alert.pcap", NULL);
	assert_int_equal(r->n_findings, 1);
	assert_int_equal(count_verdict(r, "explain.clean"), 1);
	np_report_free(r);
	r = explain_fixture("zeek/tls1.2.pcap", NULL);
	assert_int_equal(count_verdict(r, "explain.clean"), 1);
	np_report_free(r);
	r = explain_fixture("zeek/tls-1.2-protocol-error.pcap", NULL);
	assert_int_equal(count_verdict(r, "explain.clean"), 1);
	np_report_free(r);
}

/* --- hand-built connections ----------------------------------------------- */

#define CLI "198.18.1.2"
#define SRV "198.19.4.2"

/* One connection CLI:40000 -> SRV:443 fed to an engine, frame by frame. */
struct tconv {
	struct np_explain *e;
	uint32_t cseq, sseq;
	int64_t t;
	uint64_t frames;
};

/* A segment from the client (srv 0) or the server; caplen 0: all of it. */
static uint64_t seg(struct tconv *c, int srv, uint32_t seq, uint8_t flags, const void *d, uint16_t len,
		    uint32_t caplen)
{
	uint8_t b[1600];
	size_t n = srv ? pkt4(b, SRV, 443, CLI, 40000, seq, c->cseq, flags, 61, d, len) :
		   pkt4(b, CLI, 40000, SRV, 443, seq, c->sseq, flags, 64, d, len);

	c->t += 1 * MS;
	assert_int_equal(np_explain_frame(c->e, NP_DLT_RAW, c->t, b, caplen ? caplen : (uint32_t)n,
					  (uint32_t)n), 0);
	return ++c->frames;
}

/* Data in order from one side; returns its frame. */
static uint64_t tx(struct tconv *c, int srv, const void *d, uint16_t len)
{
	uint32_t *seq = srv ? &c->sseq : &c->cseq;
	uint64_t fr = seg(c, srv, *seq, NP_TCP_PSH | NP_TCP_ACK, d, len, 0);

	*seq += len;
	return fr;
}

static void open_conn(struct tconv *c, struct np_explain *e)
{
	memset(c, 0, sizeof(*c));
	c->e = e;
	c->cseq = 1000;
	c->sseq = 5000;
	c->t = 1700000000 * S;
	seg(c, 0, c->cseq++, NP_TCP_SYN, NULL, 0, 0);
	seg(c, 1, c->sseq++, NP_TCP_SYN | NP_TCP_ACK, NULL, 0, 0);
	seg(c, 0, c->cseq, NP_TCP_ACK, NULL, 0, 0);
}

/* A record: header (version 3.3), then body (zeros past the given bytes). */
static size_t rec(uint8_t *b, uint8_t type, const void *body, size_t body_given, uint16_t len)
{
	b[0] = type;
	b[1] = 3;
	b[2] = 3;
	b[3] = (uint8_t)(len >> 8);
	b[4] = (uint8_t)len;
	memset(b + 5, 0, len);
	if (body_given)
		memcpy(b + 5, body, body_given);
	return 5 + (size_t)len;
}

static uint64_t client_hello(struct tconv *c)
{
	uint8_t b[300];

	return tx(c, 0, b, (uint16_t)rec(b, NP_TLS_CT_HANDSHAKE, "\x01", 1, 200));
}

/* ServerHello, Certificate, ServerHelloDone: TLS 1.2's first flight. */
static uint64_t server_hello(struct tconv *c)
{
	uint8_t b[1400];
	size_t n = rec(b, NP_TLS_CT_HANDSHAKE, "\x02", 1, 80);

	n += rec(b + n, NP_TLS_CT_HANDSHAKE, "\x0b", 1, 1000);
	n += rec(b + n, NP_TLS_CT_HANDSHAKE, "\x0e", 1, 4);
	return tx(c, 1, b, (uint16_t)n);
}

/* ChangeCipherSpec and Finished (encrypted: 40 bytes). */
static uint64_t ccs_finished(struct tconv *c, int srv)
{
	uint8_t b[100];
	size_t n = rec(b, NP_TLS_CT_CHANGE_CIPHER_SPEC, "\x01", 1, 1);

	n += rec(b + n, NP_TLS_CT_HANDSHAKE, "\x5a\xa5", 2, 40);
	return tx(c, srv, b, (uint16_t)n);
}

static uint64_t app_data(struct tconv *c, int srv, uint16_t len)
{
	uint8_t b[1400];

	return tx(c, srv, b, (uint16_t)rec(b, NP_TLS_CT_APPLICATION_DATA, "\x17\x03", 2, len));
}

static uint64_t alert(struct tconv *c, int srv, uint8_t level, uint8_t desc)
{
	uint8_t b[7], body[2] = {level, desc};

	return tx(c, srv, b, (uint16_t)rec(b, NP_TLS_CT_ALERT, body, 2, 2));
}

/* An alert after the sender's ChangeCipherSpec: 26 bytes of ciphertext. */
static uint64_t encrypted_alert(struct tconv *c, int srv)
{
	uint8_t b[31];

	return tx(c, srv, b, (uint16_t)rec(b, NP_TLS_CT_ALERT, "\x9c\x11", 2, 26));
}

static struct np_explain *engine(void)
{
	struct np_explain_opts o = {0};
	char errbuf[NP_ERRBUF_SIZE];
	struct np_explain *e = np_explain_new(&o, errbuf);

	assert_non_null(e);
	return e;
}

static struct np_report *finish(struct np_explain *e)
{
	struct np_report *r = np_report_new("explain");

	assert_non_null(r);
	assert_int_equal(np_explain_finish(e, r), 0);
	np_explain_free(e);
	return r;
}

static void engine_alert_cut_across_segments_and_retransmitted(void **state)
{
	struct tconv c;
	uint8_t a[7];
	uint64_t hello, fr;
	struct np_report *r;
	const struct np_finding *f;

	(void)state;
	open_conn(&c, engine());
	hello = client_hello(&c);
	rec(a, NP_TLS_CT_ALERT, "\x02\x46", 2, 2);      /* fatal protocol_version */
	/* Three bytes, the same three again, then all seven (overlapping):
	 * the alert is read once, in the segment that completes it. */
	seg(&c, 1, c.sseq, NP_TCP_PSH | NP_TCP_ACK, a, 3, 0);
	seg(&c, 1, c.sseq, NP_TCP_PSH | NP_TCP_ACK, a, 3, 0);
	fr = seg(&c, 1, c.sseq, NP_TCP_PSH | NP_TCP_ACK, a, 7, 0);
	c.sseq += 7;
	seg(&c, 1, c.sseq, NP_TCP_PSH | NP_TCP_ACK, a, 7, 0);   /* past the end: nothing */
	r = finish(c.e);
	dump(r);
	assert_int_equal(r->n_findings, 1);
	f = nth(r, "tls.alert", 0);
	assert_int_equal(metric_int(f, "alert_description"), 70);
	assert_string_equal(metric_str(f, "alert_from"), "server");
	assert_int_equal(f->evidence[0].frame, (int64_t)hello);
	assert_int_equal(last_frame(f), (int64_t)fr);
	assert_non_null(strstr(f->summary, "protocol version (70)"));
	np_report_free(r);
}

static void engine_alert_after_a_gap_and_past_the_snapshot(void **state)
{
	/* The server's Certificate record (1000 bytes) arrives as three
	 * segments, the middle one missing from the capture; then a record
	 * cut by the snapshot length; then the server's alert. The walk goes
	 * on over both holes, as they lie inside record bodies. */
	struct tconv c;
	uint8_t b[1400];
	size_t n;
	uint64_t fr;
	struct np_report *r;
	const struct np_finding *f;

	(void)state;
	open_conn(&c, engine());
	client_hello(&c);
	n = rec(b, NP_TLS_CT_HANDSHAKE, "\x0b", 1, 1000);
	seg(&c, 1, c.sseq, NP_TCP_ACK, b, 300, 0);
	c.sseq += 300;
	c.sseq += 400;                                  /* never captured */
	seg(&c, 1, c.sseq, NP_TCP_ACK, b + 700, (uint16_t)(n - 700), 0);
	c.sseq += (uint32_t)(n - 700);
	/* 1205 bytes on the wire, 40 + 60 captured */
	n = rec(b, NP_TLS_CT_HANDSHAKE, "\x0e", 1, 1200);
	seg(&c, 1, c.sseq, NP_TCP_PSH | NP_TCP_ACK, b, (uint16_t)n, 100);
	c.sseq += (uint32_t)n;
	fr = alert(&c, 1, NP_TLS_ALERT_FATAL, 80);
	r = finish(c.e);
	dump(r);
	f = nth(r, "tls.alert", 0);
	assert_int_equal(metric_int(f, "alert_description"), 80);
	assert_string_equal(metric_str(f, "alert_from"), "server");
	assert_string_equal(metric_str(f, "stage"), "handshake");
	assert_int_equal(last_frame(f), (int64_t)fr);
	np_report_free(r);
}

static void engine_a_header_lost_ends_the_walk(void **state)
{
	/* The segment holding the alert's header is missing: nothing is
	 * invented from the bytes after it. */
	struct tconv c;
	uint8_t a[14];
	struct np_report *r;

	(void)state;
	open_conn(&c, engine());
	client_hello(&c);
	rec(a, NP_TLS_CT_ALERT, "\x02\x28", 2, 2);
	rec(a + 7, NP_TLS_CT_ALERT, "\x02\x28", 2, 2);
	c.sseq += 3;
	seg(&c, 1, c.sseq, NP_TCP_PSH | NP_TCP_ACK, a + 3, 11, 0);
	r = finish(c.e);
	assert_int_equal(count_verdict(r, "tls.alert"), 0);
	assert_int_equal(count_verdict(r, "explain.clean"), 1);
	np_report_free(r);
}

static void engine_encrypted_alert_during_and_after_the_handshake(void **state)
{
	struct tconv c;
	uint64_t fr;
	struct np_report *r;
	const struct np_finding *f;

	(void)state;
	/* The server answers the client's Finished with an encrypted alert:
	 * its ChangeCipherSpec came first, so only "encrypted alert". */
	open_conn(&c, engine());
	client_hello(&c);
	server_hello(&c);
	ccs_finished(&c, 0);
	{
		uint8_t b[6];

		tx(&c, 1, b, (uint16_t)rec(b, NP_TLS_CT_CHANGE_CIPHER_SPEC, "\x01", 1, 1));
	}
	fr = encrypted_alert(&c, 1);
	r = finish(c.e);
	dump(r);
	assert_int_equal(r->n_findings, 1);
	f = nth(r, "tls.alert", 0);
	assert_int_equal(metric_int(f, "encrypted"), 1);
	assert_true(metric_null(f, "alert_description"));
	assert_string_equal(metric_str(f, "alert"), "encrypted alert");
	assert_string_equal(metric_str(f, "alert_level"), "unknown");
	assert_string_equal(metric_str(f, "stage"), "change_cipher_spec");
	assert_non_null(strstr(f->summary, "encrypted TLS alert"));
	assert_null(strstr(f->summary, "handshake failure"));
	assert_int_equal(last_frame(f), (int64_t)fr);
	np_report_free(r);

	/* Both Finished sent, data both ways, then an encrypted alert each
	 * way: the close_notify of a connection that did its work. */
	open_conn(&c, engine());
	client_hello(&c);
	server_hello(&c);
	ccs_finished(&c, 0);
	ccs_finished(&c, 1);
	app_data(&c, 0, 100);
	app_data(&c, 1, 900);
	encrypted_alert(&c, 0);
	encrypted_alert(&c, 1);
	r = finish(c.e);
	assert_int_equal(r->n_findings, 1);
	assert_int_equal(count_verdict(r, "explain.clean"), 1);
	np_report_free(r);
}

static void engine_warnings(void **state)
{
	struct tconv c;
	uint64_t fr;
	struct np_report *r;
	const struct np_finding *f;

	(void)state;
	/* A warning close_notify is the normal end, before or after data. */
	open_conn(&c, engine());
	client_hello(&c);
	alert(&c, 1, NP_TLS_ALERT_WARNING, NP_TLS_ALERT_CLOSE_NOTIFY);
	r = finish(c.e);
	assert_int_equal(count_verdict(r, "explain.clean"), 1);
	np_report_free(r);
	/* A warning unrecognized_name the handshake goes on after. */
	open_conn(&c, engine());
	client_hello(&c);
	alert(&c, 1, NP_TLS_ALERT_WARNING, 112);
	server_hello(&c);
	ccs_finished(&c, 0);
	ccs_finished(&c, 1);
	app_data(&c, 0, 100);
	r = finish(c.e);
	assert_int_equal(count_verdict(r, "explain.clean"), 1);
	np_report_free(r);
	/* A warning user_canceled with nothing after it: the connection
	 * ended there. */
	open_conn(&c, engine());
	client_hello(&c);
	server_hello(&c);
	fr = alert(&c, 0, NP_TLS_ALERT_WARNING, 90);
	seg(&c, 0, c.cseq, NP_TCP_FIN | NP_TCP_ACK, NULL, 0, 0);
	r = finish(c.e);
	f = nth(r, "tls.alert", 0);
	assert_string_equal(metric_str(f, "alert_level"), "warning");
	assert_int_equal(metric_int(f, "alert_description"), 90);
	assert_int_equal(last_frame(f), (int64_t)fr);
	assert_non_null(strstr(f->summary, "nothing after it"));
	np_report_free(r);
	/* A warning, then a fatal one: the fatal one is the story. */
	open_conn(&c, engine());
	client_hello(&c);
	alert(&c, 1, NP_TLS_ALERT_WARNING, 112);
	fr = alert(&c, 1, NP_TLS_ALERT_FATAL, 40);
	r = finish(c.e);
	assert_int_equal(count_verdict(r, "tls.alert"), 1);
	f = nth(r, "tls.alert", 0);
	assert_int_equal(metric_int(f, "alert_description"), 40);
	assert_int_equal(last_frame(f), (int64_t)fr);
	np_report_free(r);
}

static void engine_mid_stream_and_not_tls(void **state)
{
	struct np_explain *e = engine();
	struct tconv c;
	uint8_t b[200];
	struct np_report *r;

	(void)state;
	/* No SYN, no ClientHello: records found from the first data segment
	 * on; the encrypted alert at the end tells nothing. */
	memset(&c, 0, sizeof(c));
	c.e = e;
	c.cseq = 777;
	c.sseq = 999;
	c.t = 5 * S;
	app_data(&c, 0, 50);
	app_data(&c, 1, 500);
	encrypted_alert(&c, 1);
	/* HTTP on port 443 of another connection: alert-looking bytes in it
	 * are not an alert. */
	{
		struct tconv h;
		size_t n = 28;

		open_conn(&h, e);
		tx(&h, 0, "GET / HTTP/1.1\r\n\r\n", 18);
		memcpy(b, "HTTP/1.1 400 Bad Request\r\n\r\n", 28);
		n += rec(b + n, NP_TLS_CT_ALERT, "\x02\x28", 2, 2);
		tx(&h, 1, b, (uint16_t)n);
	}
	r = finish(e);
	dump(r);
	assert_int_equal(r->n_findings, 1);
	assert_int_equal(count_verdict(r, "explain.clean"), 1);
	np_report_free(r);
}

static void per_connection_state_is_bounded(void **state)
{
	(void)state;
	/* What a connection keeps of its TLS: a few bytes per direction, no
	 * payload, whatever it carries. */
	assert_true(sizeof(struct np_explain_tls) <= 128);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lab_alerting_server_and_refusing_client),
		cmocka_unit_test(zeek_traces),
		cmocka_unit_test(engine_alert_cut_across_segments_and_retransmitted),
		cmocka_unit_test(engine_alert_after_a_gap_and_past_the_snapshot),
		cmocka_unit_test(engine_a_header_lost_ends_the_walk),
		cmocka_unit_test(engine_encrypted_alert_during_and_after_the_handshake),
		cmocka_unit_test(engine_warnings),
		cmocka_unit_test(engine_mid_stream_and_not_tls),
		cmocka_unit_test(per_connection_state_is_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
