/* SPDX-License-Identifier: GPL-3.0-or-later */
/* STUN: RFC 5769's test vectors, requests, RFC 5780 attributes, and
 * hostile bytes (every prefix, lengths that lie). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "netprobe/stun.h"

static const uint8_t txid[12] = {0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae};

/* RFC 5769 2.2: IPv4 response, XOR-MAPPED-ADDRESS 192.0.2.1:32853 */
static const uint8_t v4_response[] = {
	0x01, 0x01, 0x00, 0x3c, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
	0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b, 0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63,
	0x74, 0x6f, 0x72, 0x20, 0x00, 0x20, 0x00, 0x08, 0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43,
	0x00, 0x08, 0x00, 0x14, 0x2b, 0x91, 0xf5, 0x99, 0xfd, 0x9e, 0x90, 0xc3, 0x8c, 0x74, 0x89, 0xf9,
	0x2a, 0xf9, 0xba, 0x53, 0xf0, 0x6b, 0xe7, 0xd7, 0x80, 0x28, 0x00, 0x04, 0xc0, 0x7d, 0x4c, 0x96,
};

/* RFC 5769 2.3: IPv6 response, [2001:db8:1234:5678:11:2233:4455:6677]:32853 */
static const uint8_t v6_response[] = {
	0x01, 0x01, 0x00, 0x48, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
	0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x0b, 0x74, 0x65, 0x73, 0x74, 0x20, 0x76, 0x65, 0x63,
	0x74, 0x6f, 0x72, 0x20, 0x00, 0x20, 0x00, 0x14, 0x00, 0x02, 0xa1, 0x47, 0x01, 0x13, 0xa9, 0xfa,
	0xa5, 0xd3, 0xf1, 0x79, 0xbc, 0x25, 0xf4, 0xb5, 0xbe, 0xd2, 0xb9, 0xd9, 0x00, 0x08, 0x00, 0x14,
	0xa3, 0x82, 0x95, 0x4e, 0x4b, 0xe6, 0x7b, 0xf1, 0x17, 0x84, 0xc9, 0x7c, 0x82, 0x92, 0xc2, 0x75,
	0xbf, 0xe3, 0xed, 0x41, 0x80, 0x28, 0x00, 0x04, 0xc8, 0xfb, 0x0b, 0x4c,
};

static void rfc5769_ipv4(void **state)
{
	struct np_stun_response r;
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)&r.mapped;
	char a[INET_ADDRSTRLEN];

	(void)state;
	assert_int_equal(np_stun_parse(v4_response, sizeof(v4_response), txid, &r), 0);
	assert_int_equal(r.cls, NP_STUN_SUCCESS);
	assert_true(r.has_mapped);
	assert_int_equal(s4->sin_family, AF_INET);
	assert_int_equal(ntohs(s4->sin_port), 32853);
	assert_string_equal(inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a)), "192.0.2.1");
	assert_string_equal(r.software, "test vector");
}

static void rfc5769_ipv6(void **state)
{
	struct np_stun_response r;
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&r.mapped;
	char a[INET6_ADDRSTRLEN];

	(void)state;
	assert_int_equal(np_stun_parse(v6_response, sizeof(v6_response), txid, &r), 0);
	assert_int_equal(s6->sin6_family, AF_INET6);
	assert_int_equal(ntohs(s6->sin6_port), 32853);
	assert_string_equal(inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a)), "2001:db8:1234:5678:11:2233:4455:6677");
}

static void requests(void **state)
{
	uint8_t b[64];
	size_t n;

	(void)state;
	n = np_stun_request(b, sizeof(b), txid, 0);
	assert_int_equal(n, 20);
	assert_int_equal(b[0], 0x00);
	assert_int_equal(b[1], 0x01);
	assert_int_equal(b[3], 0);
	assert_memory_equal(b + 4, "\x21\x12\xa4\x42", 4);
	assert_memory_equal(b + 8, txid, 12);
	n = np_stun_request(b, sizeof(b), txid, NP_STUN_CHANGE_IP | NP_STUN_CHANGE_PORT);
	assert_int_equal(n, 28);
	assert_int_equal(b[3], 8);
	assert_memory_equal(b + 20, "\x00\x03\x00\x04\x00\x00\x00\x06", 8);
	assert_int_equal(np_stun_request(b, 27, txid, NP_STUN_CHANGE_IP), 0);
}

/* A success response with OTHER-ADDRESS and RESPONSE-ORIGIN, as coturn
 * sends with RFC 5780 on; and an error response. */
static void rfc5780_attributes_and_errors(void **state)
{
	uint8_t m[] = {
		0x01, 0x01, 0x00, 0x18, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
		0xfa, 0x87, 0xdf, 0xae,
		0x80, 0x2c, 0x00, 0x08, 0x00, 0x01, 0x0d, 0x97, 198, 19, 4, 44,     /* OTHER-ADDRESS :3479 */
		0x80, 0x2b, 0x00, 0x08, 0x00, 0x01, 0x0d, 0x96, 198, 19, 4, 43,     /* RESPONSE-ORIGIN :3478 */
	};
	uint8_t e[] = {
		0x01, 0x11, 0x00, 0x10, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
		0xfa, 0x87, 0xdf, 0xae,
		0x00, 0x09, 0x00, 0x0b, 0x00, 0x00, 0x04, 0x14, 'B', 'a', 'd', '\n', 'R', 'e', 'q', 0x00,
	};
	struct np_stun_response r;

	(void)state;
	assert_int_equal(np_stun_parse(m, sizeof(m), txid, &r), 0);
	assert_true(r.has_other && r.has_origin && !r.has_mapped);
	assert_int_equal(ntohs(((struct sockaddr_in *)&r.other)->sin_port), 3479);
	assert_int_equal(ntohs(((struct sockaddr_in *)&r.origin)->sin_port), 3478);
	assert_int_equal(np_stun_parse(e, sizeof(e), txid, &r), 0);
	assert_int_equal(r.cls, NP_STUN_ERROR);
	assert_int_equal(r.error_code, 420);
	assert_string_equal(r.reason, "Bad?Req");
}

static void hostile_bytes(void **state)
{
	struct np_stun_response r;
	uint8_t b[sizeof(v4_response)];
	uint8_t other[12] = {0};

	(void)state;
	/* every prefix: too short or lengths that do not add up */
	for (size_t n = 0; n < sizeof(v4_response); n++)
		assert_int_equal(np_stun_parse(v4_response, n, txid, &r), NP_EINVAL);
	/* another transaction */
	assert_int_equal(np_stun_parse(v4_response, sizeof(v4_response), other, &r), NP_EINVAL);
	/* an attribute claiming more than the message holds */
	memcpy(b, v4_response, sizeof(b));
	b[23] = 0xff;
	assert_int_equal(np_stun_parse(b, sizeof(b), txid, &r), NP_EINVAL);
	/* a message length that is not a multiple of 4 */
	memcpy(b, v4_response, sizeof(b));
	b[3] = 0x3b;
	assert_int_equal(np_stun_parse(b, sizeof(b), txid, &r), NP_EINVAL);
	/* a request is not a response */
	memcpy(b, v4_response, sizeof(b));
	b[1] = 0x01;
	b[0] = 0x00;
	assert_int_equal(np_stun_parse(b, sizeof(b), txid, &r), NP_EINVAL);
	/* an XOR-MAPPED-ADDRESS of a family that does not exist */
	memcpy(b, v4_response, sizeof(b));
	b[41] = 0x07;
	assert_int_equal(np_stun_parse(b, sizeof(b), txid, &r), NP_EINVAL);
	/* a trailing byte beyond the message length is ignored */
	{
		uint8_t big[sizeof(v4_response) + 3];

		memcpy(big, v4_response, sizeof(v4_response));
		assert_int_equal(np_stun_parse(big, sizeof(big), txid, &r), 0);
	}
}

/* What is wrong with a datagram that is not our answer, in words: a STUN
 * server that answers garbage is told apart from one that is silent. */
static const char *why_refused(const uint8_t *b, size_t n, const uint8_t id[12])
{
	struct np_stun_response r;

	assert_int_equal(np_stun_parse(b, n, id, &r), NP_EINVAL);
	assert_non_null(r.why);
	return r.why;
}

static void refusals_say_what_is_wrong(void **state)
{
	static const uint8_t other[12] = {0};
	uint8_t b[sizeof(v4_response)];

	(void)state;
	assert_non_null(strstr(why_refused(v4_response, 12, txid), "shorter than a STUN header"));
	assert_non_null(strstr(why_refused((const uint8_t *)"HTTP/1.1 400 Bad Request\r\n\r\n", 28, txid),
			       "not STUN"));
	/* the lab's garbage: a Binding success type, then text */
	assert_non_null(strstr(why_refused((const uint8_t *)"\x01\x01\x00\x00garbage, not STUN", 21, txid),
			       "no magic cookie"));
	assert_non_null(strstr(why_refused(v4_response, sizeof(v4_response), other), "another transaction"));
	memcpy(b, v4_response, sizeof(b));
	b[0] = 0x00;
	b[1] = 0x01;
	assert_non_null(strstr(why_refused(b, sizeof(b), txid), "not a Binding response"));
	memcpy(b, v4_response, sizeof(b));
	b[3] = 0x40;
	assert_non_null(strstr(why_refused(b, sizeof(b), txid), "message length"));
	memcpy(b, v4_response, sizeof(b));
	b[23] = 0xff;
	assert_non_null(strstr(why_refused(b, sizeof(b), txid), "bad attribute"));
	memcpy(b, v4_response, sizeof(b));
	b[41] = 0x07;
	assert_non_null(strstr(why_refused(b, sizeof(b), txid), "bad XOR-MAPPED-ADDRESS"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc5769_ipv4),
		cmocka_unit_test(rfc5769_ipv6),
		cmocka_unit_test(requests),
		cmocka_unit_test(rfc5780_attributes_and_errors),
		cmocka_unit_test(hostile_bytes),
		cmocka_unit_test(refusals_say_what_is_wrong),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
