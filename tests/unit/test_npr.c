/* SPDX-License-Identifier: GPL-3.0-or-later */
/* NPR/1: request forms and every error code, the line limit at its exact
 * boundary, address forms, the UDP rule that a reply never outgrows its
 * request, client-side requests, and the reply parser on good and hostile
 * replies. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "netprobe/addr.h"
#include "netprobe/npr.h"

static enum np_npr_code req(const char *line, const char *token, struct np_npr_request *r)
{
	return np_npr_parse_request(line, strlen(line), token, r);
}

static struct sockaddr_storage sa(const char *text)
{
	struct sockaddr_storage ss;

	assert_int_equal(np_addr_parse_port(text, &ss), 0);
	return ss;
}

/* "NPR/1 HELLO pad=...." of exactly n bytes (no LF). */
static void padded_hello(char *buf, size_t n)
{
	int k = snprintf(buf, n + 1, "NPR/1 HELLO pad=");

	memset(buf + k, 'x', n - (size_t)k);
	buf[n] = '\0';
}

static void frames_lines_at_the_limit(void **state)
{
	char buf[NP_NPR_LINE_MAX + 8];
	size_t ll = 99, used = 99;

	(void)state;
	assert_int_equal(np_npr_frame("NPR/1 HELLO\nNPR/1", 17, &ll, &used), 1);
	assert_int_equal(ll, 11);
	assert_int_equal(used, 12);
	assert_int_equal(np_npr_frame("NPR/1 HELLO\r\n", 13, &ll, &used), 1);
	assert_int_equal(ll, 11);
	assert_int_equal(used, 13);
	assert_int_equal(np_npr_frame("NPR/1 HEL", 9, &ll, &used), 0);
	assert_int_equal(np_npr_frame("", 0, &ll, &used), 0);

	memset(buf, 'a', sizeof(buf));
	/* 512 bytes of text, then LF: the longest line. */
	buf[NP_NPR_LINE_MAX] = '\n';
	assert_int_equal(np_npr_frame(buf, NP_NPR_LINE_MAX + 1, &ll, &used), 1);
	assert_int_equal(ll, NP_NPR_LINE_MAX);
	/* ... or CR LF. */
	buf[NP_NPR_LINE_MAX] = '\r';
	buf[NP_NPR_LINE_MAX + 1] = '\n';
	assert_int_equal(np_npr_frame(buf, NP_NPR_LINE_MAX + 2, &ll, &used), 1);
	assert_int_equal(ll, NP_NPR_LINE_MAX);
	assert_int_equal(used, NP_NPR_LINE_MAX + 2);
	/* 512 bytes, or 512 and a CR, may still end well. */
	assert_int_equal(np_npr_frame(buf, NP_NPR_LINE_MAX, &ll, &used), 0);
	assert_int_equal(np_npr_frame(buf, NP_NPR_LINE_MAX + 1, &ll, &used), 0);
	/* 513 bytes of text cannot, with or without its LF. */
	memset(buf, 'a', sizeof(buf));
	assert_int_equal(np_npr_frame(buf, NP_NPR_LINE_MAX + 1, &ll, &used), -1);
	buf[NP_NPR_LINE_MAX + 1] = '\n';
	assert_int_equal(np_npr_frame(buf, NP_NPR_LINE_MAX + 2, &ll, &used), -1);
	buf[NP_NPR_LINE_MAX + 1] = '\r';
	buf[NP_NPR_LINE_MAX + 2] = '\n';
	assert_int_equal(np_npr_frame(buf, NP_NPR_LINE_MAX + 3, &ll, &used), -1);
}

static void parses_every_request_form(void **state)
{
	struct np_npr_request r;
	char data[NP_NPR_DATA_MAX + 32];

	(void)state;
	assert_int_equal(req("NPR/1 HELLO", NULL, &r), NP_NPR_OK);
	assert_int_equal(r.verb, NP_NPR_HELLO);
	assert_int_equal(req("NPR/1 HELLO\n", NULL, &r), NP_NPR_OK);
	assert_int_equal(req("NPR/1 HELLO\r\n", NULL, &r), NP_NPR_OK);
	assert_int_equal(req("  NPR/1   HELLO  pad=....  ", NULL, &r), NP_NPR_OK);
	/* Unknown keys are for later versions; pad= is filler. */
	assert_int_equal(req("NPR/1 HELLO future=1 x-y=z= pad=", NULL, &r), NP_NPR_OK);
	assert_int_equal(req("NPR/1 ECHO data=XYZ", NULL, &r), NP_NPR_OK);
	assert_int_equal(r.verb, NP_NPR_ECHO);
	assert_string_equal(r.data, "XYZ");
	assert_int_equal(r.data_len, 3);
	assert_int_equal(req("NPR/1 ECHO data=a=b pad=xx", NULL, &r), NP_NPR_OK);
	assert_string_equal(r.data, "a=b");
	assert_int_equal(req("NPR/1 ECHO data=", NULL, &r), NP_NPR_OK);
	assert_int_equal(r.data_len, 0);
	assert_true(r.has_data);
	/* data= at its limit, and one byte over. */
	snprintf(data, sizeof(data), "NPR/1 ECHO data=%0*d", NP_NPR_DATA_MAX, 0);
	assert_int_equal(req(data, NULL, &r), NP_NPR_OK);
	assert_int_equal(r.data_len, NP_NPR_DATA_MAX);
	snprintf(data, sizeof(data), "NPR/1 ECHO data=%0*d", NP_NPR_DATA_MAX + 1, 0);
	assert_int_equal(req(data, NULL, &r), NP_NPR_ERR_SYNTAX);
}

static void names_every_error(void **state)
{
	static const struct {
		const char *line, *token;
		enum np_npr_code code;
	} cases[] = {
		/* version: the first word is not NPR/1. */
		{ "NPR/2 HELLO", NULL, NP_NPR_ERR_VERSION },
		{ "npr/1 HELLO", NULL, NP_NPR_ERR_VERSION },
		{ "HELLO", NULL, NP_NPR_ERR_VERSION },
		{ "POST / HTTP/1.1", NULL, NP_NPR_ERR_VERSION },
		/* syntax */
		{ "", NULL, NP_NPR_ERR_SYNTAX },
		{ "\r\n", NULL, NP_NPR_ERR_SYNTAX },
		{ "NPR/1", NULL, NP_NPR_ERR_SYNTAX },
		{ "NPR/1 data=x", NULL, NP_NPR_ERR_SYNTAX },
		{ "NPR/1 HELLO bare", NULL, NP_NPR_ERR_SYNTAX },
		{ "NPR/1 HELLO =x", NULL, NP_NPR_ERR_SYNTAX },
		{ "NPR/1 ECHO", NULL, NP_NPR_ERR_SYNTAX },
		{ "NPR/1 ECHO data=a data=b", NULL, NP_NPR_ERR_SYNTAX },
		{ "NPR/1 HELLO token=a token=a", "a", NP_NPR_ERR_SYNTAX },
		{ "NPR/1\tHELLO", NULL, NP_NPR_ERR_SYNTAX },
		{ "NPR/1 HELLO\r\r\n", NULL, NP_NPR_ERR_SYNTAX },
		{ "NPR/1 ECHO data=\x7f", NULL, NP_NPR_ERR_SYNTAX },
		{ "NPR/1 ECHO data=caf\xc3\xa9", NULL, NP_NPR_ERR_SYNTAX },
		{ "NPR/1 HELLO\nNPR/1 HELLO", NULL, NP_NPR_ERR_SYNTAX },
		/* verb */
		{ "NPR/1 hello", NULL, NP_NPR_ERR_VERB },
		{ "NPR/1 STUN", NULL, NP_NPR_ERR_VERB },
		/* token: required, wrong, right; checked before the verb ... */
		{ "NPR/1 HELLO", "s3cret", NP_NPR_ERR_TOKEN },
		{ "NPR/1 HELLO token=s3cre", "s3cret", NP_NPR_ERR_TOKEN },
		{ "NPR/1 HELLO token=s3crets", "s3cret", NP_NPR_ERR_TOKEN },
		{ "NPR/1 HELLO token=", "s3cret", NP_NPR_ERR_TOKEN },
		{ "NPR/1 HELLO token=s3cret", "s3cret", NP_NPR_OK },
		{ "NPR/1 FROB token=x", "s3cret", NP_NPR_ERR_TOKEN },
		{ "NPR/1 FROB token=s3cret", "s3cret", NP_NPR_ERR_VERB },
		/* ... and after the version: a stranger learns it is not NPR/1. */
		{ "GET / HTTP/1.1", "s3cret", NP_NPR_ERR_VERSION },
		/* Without a token configured, one sent is ignored. */
		{ "NPR/1 HELLO token=x", NULL, NP_NPR_OK },
	};
	struct np_npr_request r;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (req(cases[i].line, cases[i].token, &r) != cases[i].code)
			fail_msg("'%s': %s, expected %s", cases[i].line,
				 np_npr_code_str(req(cases[i].line, cases[i].token, &r)),
				 np_npr_code_str(cases[i].code));
	assert_int_equal(np_npr_parse_request("NPR/1 HELLO\0x", 13, NULL, &r), NP_NPR_ERR_SYNTAX);

	assert_string_equal(np_npr_code_str(NP_NPR_ERR_VERSION), "version");
	assert_string_equal(np_npr_code_str(NP_NPR_ERR_SYNTAX), "syntax");
	assert_string_equal(np_npr_code_str(NP_NPR_ERR_VERB), "verb");
	assert_string_equal(np_npr_code_str(NP_NPR_ERR_TOKEN), "token");
	assert_string_equal(np_npr_code_str(NP_NPR_ERR_BUSY), "busy");
	assert_string_equal(np_npr_code_str((enum np_npr_code)99), "unknown");
}

static void line_limit_exact_boundary(void **state)
{
	char line[NP_NPR_LINE_MAX + 8];
	struct np_npr_request r;

	(void)state;
	padded_hello(line, NP_NPR_LINE_MAX);
	assert_int_equal(req(line, NULL, &r), NP_NPR_OK);
	strcat(line, "\r\n");
	assert_int_equal(req(line, NULL, &r), NP_NPR_OK);
	padded_hello(line, NP_NPR_LINE_MAX + 1);
	assert_int_equal(req(line, NULL, &r), NP_NPR_ERR_SYNTAX);
	strcat(line, "\n");
	assert_int_equal(req(line, NULL, &r), NP_NPR_ERR_SYNTAX);
	/* The most words a line can hold. */
	memset(line, 0, sizeof(line));
	strcpy(line, "NPR/1 HELLO");
	while (strlen(line) + 2 <= NP_NPR_LINE_MAX)
		strcat(line, " x=");
	assert_int_equal(req(line, NULL, &r), NP_NPR_OK);
}

static void formats_replies_and_addresses(void **state)
{
	struct sockaddr_storage c4 = sa("198.18.1.2:40112"), l4 = sa("198.19.4.2:7000");
	struct sockaddr_storage c6 = sa("[2001:db8:1::2]:5353"), l6 = sa("[2001:db8:4::2]:7000");
	struct sockaddr_storage mapped = sa("[::ffff:198.18.1.2]:40112");
	struct np_npr_view v = { (struct sockaddr *)&c4, (struct sockaddr *)&l4, NP_NPR_PROTO_TCP };
	struct np_npr_request r;
	char buf[NP_NPR_REPLY_MAX + 1];

	(void)state;
	req("NPR/1 HELLO", NULL, &r);
	assert_int_equal(np_npr_format_reply(&r, NP_NPR_OK, &v, 0, buf, sizeof(buf)), 63);
	assert_string_equal(buf, "NPR/1 OK seen=198.18.1.2:40112 proto=tcp local=198.19.4.2:7000\n");
	v.seen = (struct sockaddr *)&c6;
	v.local = (struct sockaddr *)&l6;
	v.proto = NP_NPR_PROTO_TLS;
	np_npr_format_reply(&r, NP_NPR_OK, &v, 0, buf, sizeof(buf));
	assert_string_equal(buf, "NPR/1 OK seen=[2001:db8:1::2]:5353 proto=tls local=[2001:db8:4::2]:7000\n");
	/* A dual-stack socket's view of an IPv4 client: shown as IPv4. */
	v.seen = (struct sockaddr *)&mapped;
	v.proto = NP_NPR_PROTO_UDP;
	np_npr_format_reply(&r, NP_NPR_OK, &v, 0, buf, sizeof(buf));
	assert_string_equal(buf, "NPR/1 OK seen=198.18.1.2:40112 proto=udp local=[2001:db8:4::2]:7000\n");
	req("NPR/1 ECHO data=XYZ", NULL, &r);
	np_npr_format_reply(&r, NP_NPR_OK, &v, 0, buf, sizeof(buf));
	assert_string_equal(buf, "NPR/1 ECHO data=XYZ seen=198.18.1.2:40112\n");
	for (int c = NP_NPR_ERR_VERSION; c <= NP_NPR_ERR_BUSY; c++) {
		char want[64];

		snprintf(want, sizeof(want), "NPR/1 ERR %s\n", np_npr_code_str((enum np_npr_code)c));
		assert_int_equal(np_npr_format_reply(NULL, (enum np_npr_code)c, NULL, 0, buf, sizeof(buf)),
				 (int)strlen(want));
		assert_string_equal(buf, want);
	}
	/* No room: nothing half-written counts as a reply. */
	assert_int_equal(np_npr_format_reply(&r, NP_NPR_OK, &v, 0, buf, 20), NP_ERANGE);
}

static void udp_reply_never_outgrows_its_request(void **state)
{
	struct sockaddr_storage c6 = sa("[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:65535");
	struct np_npr_view v = { (struct sockaddr *)&c6, (struct sockaddr *)&c6, NP_NPR_PROTO_UDP };
	char line[NP_NPR_REPLY_MAX + 1], buf[NP_NPR_REPLY_MAX + 1], data[NP_NPR_DATA_MAX + 1];
	struct np_npr_request r;
	int n, want;

	(void)state;
	/* A bare HELLO (12 bytes with its LF) asks for far more: dropped. */
	req("NPR/1 HELLO\n", NULL, &r);
	assert_int_equal(np_npr_format_reply(&r, NP_NPR_OK, &v, 12, buf, sizeof(buf)), NP_ERANGE);
	/* Exactly as long as the reply: sent; one byte shorter: dropped. */
	want = np_npr_format_reply(&r, NP_NPR_OK, &v, 0, buf, sizeof(buf));
	assert_true(want > 12);
	assert_int_equal(np_npr_format_reply(&r, NP_NPR_OK, &v, (size_t)want, buf, sizeof(buf)), want);
	assert_int_equal(np_npr_format_reply(&r, NP_NPR_OK, &v, (size_t)want - 1, buf, sizeof(buf)), NP_ERANGE);
	/* Even an error: "NPR/1 ERR version\n" is 18 bytes. */
	assert_int_equal(np_npr_format_reply(NULL, NP_NPR_ERR_VERSION, NULL, 5, buf, sizeof(buf)), NP_ERANGE);
	assert_int_equal(np_npr_format_reply(NULL, NP_NPR_ERR_VERSION, NULL, 18, buf, sizeof(buf)), 18);

	/* The largest reply (longest data, longest address text) fits a
	 * request padded to NP_NPR_REPLY_MAX, as clients are told to pad. */
	memset(data, 'd', NP_NPR_DATA_MAX);
	data[NP_NPR_DATA_MAX] = '\0';
	n = np_npr_format_request(NP_NPR_ECHO, data, NULL, NP_NPR_REPLY_MAX, line, sizeof(line));
	assert_int_equal(n, NP_NPR_REPLY_MAX);
	assert_int_equal(np_npr_parse_request(line, (size_t)n, NULL, &r), NP_NPR_OK);
	assert_true(np_npr_format_reply(&r, NP_NPR_OK, &v, (size_t)n, buf, sizeof(buf)) > 0);
	n = np_npr_format_request(NP_NPR_HELLO, NULL, NULL, NP_NPR_REPLY_MAX, line, sizeof(line));
	assert_int_equal(np_npr_parse_request(line, (size_t)n, NULL, &r), NP_NPR_OK);
	assert_true(np_npr_format_reply(&r, NP_NPR_OK, &v, (size_t)n, buf, sizeof(buf)) > 0);
}

static void formats_requests_for_clients(void **state)
{
	struct np_npr_request r;
	char buf[NP_NPR_REPLY_MAX + 8];
	char big[NP_NPR_DATA_MAX + 2];

	(void)state;
	assert_int_equal(np_npr_format_request(NP_NPR_HELLO, NULL, NULL, 0, buf, sizeof(buf)), 12);
	assert_string_equal(buf, "NPR/1 HELLO\n");
	np_npr_format_request(NP_NPR_ECHO, "x-1", "s3cret", 0, buf, sizeof(buf));
	assert_string_equal(buf, "NPR/1 ECHO data=x-1 token=s3cret\n");
	assert_int_equal(np_npr_parse_request(buf, strlen(buf), "s3cret", &r), NP_NPR_OK);
	assert_string_equal(r.data, "x-1");
	/* Padding makes it at least pad_to long, LF included. */
	assert_int_equal(np_npr_format_request(NP_NPR_HELLO, NULL, NULL, 100, buf, sizeof(buf)), 100);
	assert_int_equal(strlen(buf), 100);
	assert_int_equal(np_npr_parse_request(buf, 100, NULL, &r), NP_NPR_OK);
	assert_int_equal(np_npr_format_request(NP_NPR_HELLO, NULL, NULL, 14, buf, sizeof(buf)), 17);
	assert_string_equal(buf, "NPR/1 HELLO pad=\n");
	assert_int_equal(np_npr_format_request(NP_NPR_HELLO, NULL, NULL, 5, buf, sizeof(buf)), 12);
	/* Bad arguments. */
	assert_int_equal(np_npr_format_request(NP_NPR_ECHO, NULL, NULL, 0, buf, sizeof(buf)), NP_EINVAL);
	assert_int_equal(np_npr_format_request(NP_NPR_ECHO, "a b", NULL, 0, buf, sizeof(buf)), NP_EINVAL);
	assert_int_equal(np_npr_format_request(NP_NPR_HELLO, NULL, "", 0, buf, sizeof(buf)), NP_EINVAL);
	assert_int_equal(np_npr_format_request(NP_NPR_NONE, NULL, NULL, 0, buf, sizeof(buf)), NP_EINVAL);
	assert_int_equal(np_npr_format_request(NP_NPR_HELLO, NULL, NULL, NP_NPR_REPLY_MAX + 1, buf, sizeof(buf)),
			 NP_EINVAL);
	memset(big, 'b', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(np_npr_format_request(NP_NPR_ECHO, big, NULL, 0, buf, sizeof(buf)), NP_EINVAL);
	assert_int_equal(np_npr_format_request(NP_NPR_HELLO, NULL, NULL, 0, buf, 12), NP_ERANGE);
}

static int rep(const char *line, struct np_npr_reply *r)
{
	return np_npr_parse_reply(line, strlen(line), r);
}

static void parses_good_replies(void **state)
{
	struct np_npr_reply r;
	char a[NP_ADDR_STR_MAX];

	(void)state;
	assert_int_equal(rep("NPR/1 OK seen=198.18.1.2:40112 proto=udp local=[2001:db8:4::2]:7000\n", &r), 0);
	assert_int_equal(r.verb, NP_NPR_HELLO);
	assert_int_equal(r.code, NP_NPR_OK);
	assert_string_equal(np_addr_port_str((struct sockaddr *)&r.seen, a, sizeof(a)), "198.18.1.2:40112");
	assert_string_equal(np_addr_port_str((struct sockaddr *)&r.local, a, sizeof(a)), "[2001:db8:4::2]:7000");
	assert_int_equal(r.proto, NP_NPR_PROTO_UDP);
	assert_int_equal(rep("NPR/1 ECHO data=XYZ seen=[2001:db8:1::2]:5353", &r), 0);
	assert_int_equal(r.verb, NP_NPR_ECHO);
	assert_string_equal(r.data, "XYZ");
	assert_int_equal(r.seen.ss_family, AF_INET6);
	assert_int_equal(r.local.ss_family, 0);
	assert_int_equal(rep("NPR/1 ERR busy\r\n", &r), 0);
	assert_int_equal(r.verb, NP_NPR_NONE);
	assert_int_equal(r.code, NP_NPR_ERR_BUSY);
	assert_int_equal(rep("NPR/1 ERR token", &r), 0);
	assert_int_equal(r.code, NP_NPR_ERR_TOKEN);
	/* A later version's words: an unknown code, keys, a transport. */
	assert_int_equal(rep("NPR/1 ERR overloaded retry=5", &r), 0);
	assert_int_equal(r.code, NP_NPR_ERR_UNKNOWN);
	assert_int_equal(rep("NPR/1 OK seen=192.0.2.1:1 proto=quic rtt=3", &r), 0);
	assert_int_equal(r.proto, NP_NPR_PROTO_NONE);
}

static void refuses_hostile_replies(void **state)
{
	static const char *const bad[] = {
		"", "\n", "NPR/1", "NPR/2 OK seen=192.0.2.1:1", "HTTP/1.1 200 OK",
		"NPR/1 OK", "NPR/1 OK proto=tcp",
		"NPR/1 OK seen=", "NPR/1 OK seen=192.0.2.1", "NPR/1 OK seen=192.0.2.1:0",
		"NPR/1 OK seen=192.0.2.1:65536", "NPR/1 OK seen=192.0.2.1:-1", "NPR/1 OK seen=192.0.2.1:80x",
		"NPR/1 OK seen=[192.0.2.1]:80", "NPR/1 OK seen=2001:db8::1:80", "NPR/1 OK seen=[2001:db8::1:80",
		"NPR/1 OK seen=host.example:80", "NPR/1 OK seen=999.0.2.1:80",
		"NPR/1 OK seen=192.0.2.1:1 seen=192.0.2.1:1", "NPR/1 OK seen=192.0.2.1:1 local=x",
		"NPR/1 OK seen=192.0.2.1:1 word", "NPR/1 OK seen=192.0.2.1:1 =v",
		"NPR/1 ECHO seen=192.0.2.1:1", "NPR/1 ECHO data=x", "NPR/1 ECHO data=a data=b seen=192.0.2.1:1",
		"NPR/1 ERR", "NPR/1 ERR code=x", "NPR/1 MAYBE", "NPR/1 ok seen=192.0.2.1:1",
		"NPR/1 OK seen=192.0.2.1:1\tproto=tcp", "NPR/1 OK seen=192.0.2.1:1 \x80",
	};
	struct np_npr_reply r;
	char line[NP_NPR_LINE_MAX + 64];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (rep(bad[i], &r) != NP_EINVAL)
			fail_msg("accepted: '%s'", bad[i]);
	assert_int_equal(np_npr_parse_reply("NPR/1 ERR busy\0", 15, &r), NP_EINVAL);
	/* data= over its bound, and a line over the limit. */
	snprintf(line, sizeof(line), "NPR/1 ECHO data=%0*d seen=192.0.2.1:1", NP_NPR_DATA_MAX + 1, 0);
	assert_int_equal(rep(line, &r), NP_EINVAL);
	snprintf(line, sizeof(line), "NPR/1 OK seen=192.0.2.1:1 pad=%0*d", NP_NPR_LINE_MAX - 29, 0);
	assert_int_equal(strlen(line), NP_NPR_LINE_MAX + 1);
	assert_int_equal(rep(line, &r), NP_EINVAL);
	line[NP_NPR_LINE_MAX] = '\0';
	assert_int_equal(rep(line, &r), 0);
}

static void http_heads_are_bounded(void **state)
{
	static const char head[] = "Host: x\r\nUser-Agent: t\r\n\r\nNPR/1 HELLO\n";
	char big[NP_NPR_HTTP_HEAD_MAX + 8];
	struct np_npr_http h;
	size_t used;

	(void)state;
	assert_true(np_npr_is_http("GET / HTTP/1.1", 14));
	assert_true(np_npr_is_http("HEAD /x HTTP/1.0", 16));
	assert_false(np_npr_is_http("GET", 3));
	assert_false(np_npr_is_http("get / HTTP/1.1", 14));
	assert_false(np_npr_is_http("POST / HTTP/1.1", 15));

	np_npr_http_start(&h, 16);
	assert_int_equal(np_npr_http_feed(&h, head, 5, &used), 0);
	assert_int_equal(used, 5);
	assert_int_equal(np_npr_http_feed(&h, head + 5, sizeof(head) - 6, &used), 1);
	/* It stops at the end of the head: the rest is the next request. */
	assert_string_equal(head + 5 + used, "NPR/1 HELLO\n");
	/* A bare LF ends a line too; an immediate empty line ends the head. */
	np_npr_http_start(&h, 16);
	assert_int_equal(np_npr_http_feed(&h, "\n", 1, &used), 1);
	np_npr_http_start(&h, 16);
	assert_int_equal(np_npr_http_feed(&h, "A: b\n\n", 6, &used), 1);
	assert_int_equal(used, 6);

	/* Exactly NP_NPR_HTTP_HEAD_MAX bytes with its request line: fine; one more: refused. */
	memset(big, 'h', sizeof(big));
	np_npr_http_start(&h, 16);
	big[NP_NPR_HTTP_HEAD_MAX - 16 - 3] = '\n';
	big[NP_NPR_HTTP_HEAD_MAX - 16 - 2] = '\r';
	big[NP_NPR_HTTP_HEAD_MAX - 16 - 1] = '\n';
	assert_int_equal(np_npr_http_feed(&h, big, NP_NPR_HTTP_HEAD_MAX - 16, &used), 1);
	np_npr_http_start(&h, 17);
	assert_int_equal(np_npr_http_feed(&h, big, NP_NPR_HTTP_HEAD_MAX - 16, &used), -1);

	assert_true(np_npr_http_token_ok("GET /?token=s3 HTTP/1.1", 23, "s3"));
	assert_true(np_npr_http_token_ok("GET /x?a=1&token=s3&b HTTP/1.1", 30, "s3"));
	assert_false(np_npr_http_token_ok("GET /?token=s HTTP/1.1", 22, "s3"));
	assert_false(np_npr_http_token_ok("GET /?xtoken=s3 HTTP/1.1", 24, "s3"));
	assert_false(np_npr_http_token_ok("GET /token=s3 HTTP/1.1", 22, "s3"));
	assert_false(np_npr_http_token_ok("GET / HTTP/1.1?token=s3", 23, "s3"));
}

static void addresses_with_ports(void **state)
{
	struct sockaddr_storage ss, out;
	char a[NP_ADDR_STR_MAX];

	(void)state;
	assert_int_equal(np_addr_parse_port("0.0.0.0:7000", &ss), 0);
	assert_int_equal(np_addr_parse_port("[::]:7000", &ss), 0);
	assert_string_equal(np_addr_port_str((struct sockaddr *)&ss, a, sizeof(a)), "[::]:7000");
	assert_int_equal(np_addr_parse_port("198.18.0.1:65535", &ss), 0);
	assert_int_equal(np_addr_parse_port("198.18.0.1", &ss), NP_EINVAL);
	assert_int_equal(np_addr_parse_port("198.18.0.1:", &ss), NP_EINVAL);
	assert_int_equal(np_addr_parse_port(":80", &ss), NP_EINVAL);
	assert_int_equal(np_addr_parse_port("::1:80", &ss), NP_EINVAL);
	assert_int_equal(np_addr_parse_port("[::1]", &ss), NP_EINVAL);
	assert_int_equal(np_addr_parse_port("[::1]:080x", &ss), NP_EINVAL);
	assert_int_equal(np_addr_parse_port("[::1]:123456", &ss), NP_EINVAL);
	assert_int_equal(np_addr_parse_port("localhost:80", &ss), NP_EINVAL);
	assert_int_equal(np_addr_parse_port("[::ffff:192.0.2.1]:80", &ss), 0);
	np_addr_unmap((struct sockaddr *)&ss, &out);
	assert_string_equal(np_addr_port_str((struct sockaddr *)&out, a, sizeof(a)), "192.0.2.1:80");
	assert_int_equal(np_addr_parse_port("[2001:db8::1]:80", &ss), 0);
	np_addr_unmap((struct sockaddr *)&ss, &out);
	assert_string_equal(np_addr_port_str((struct sockaddr *)&out, a, sizeof(a)), "[2001:db8::1]:80");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(frames_lines_at_the_limit),
		cmocka_unit_test(parses_every_request_form),
		cmocka_unit_test(names_every_error),
		cmocka_unit_test(line_limit_exact_boundary),
		cmocka_unit_test(formats_replies_and_addresses),
		cmocka_unit_test(udp_reply_never_outgrows_its_request),
		cmocka_unit_test(formats_requests_for_clients),
		cmocka_unit_test(parses_good_replies),
		cmocka_unit_test(refuses_hostile_replies),
		cmocka_unit_test(http_heads_are_bounded),
		cmocka_unit_test(addresses_with_ports),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
