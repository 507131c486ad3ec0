/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Which frames carried which DNS message: queries and answers recorded
 * from their bytes (as dig sends them and unbound answers), found by
 * resolver, name and type, oldest first; names compared as DNS does;
 * anything without a question ignored. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "netprobe/dns_frames.h"

/* A query (or with qr, an answer header) for name/type in wire form. */
static size_t message(uint8_t *buf, unsigned id, int qr, int rcode, unsigned ancount, const char *name, int type)
{
	size_t n = 12;
	const char *p = name;

	memset(buf, 0, 12);
	buf[0] = (uint8_t)(id >> 8);
	buf[1] = (uint8_t)id;
	buf[2] = (uint8_t)((qr ? 0x80 : 0) | 0x01);      /* RD */
	buf[3] = (uint8_t)(qr ? 0x80 | rcode : 0);       /* RA */
	buf[5] = 1;                                        /* QDCOUNT */
	buf[7] = (uint8_t)ancount;
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);

		buf[n++] = (uint8_t)l;
		memcpy(buf + n, p, l);
		n += l;
		p += l + (dot ? 1 : 0);
	}
	buf[n++] = 0;
	buf[n++] = (uint8_t)(type >> 8);
	buf[n++] = (uint8_t)type;
	buf[n++] = 0;
	buf[n++] = 1;                                      /* IN */
	return n;
}

/* dig's query for www.example.com A, ID 0x3e8f, as it went on the wire. */
static const uint8_t dig_query[] = {
	0x3e, 0x8f, 0x01, 0x20, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x03, 'w', 'w', 'w', 0x07, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0x03, 'c', 'o', 'm', 0x00,
	0x00, 0x01, 0x00, 0x01,
};

static void query_and_answer_found_by_name(void **state)
{
	struct np_dns_frames *fr = np_dns_frames_new();
	struct np_dns_frame m[4];
	uint8_t b[512];
	size_t n;

	(void)state;
	assert_non_null(fr);
	assert_int_equal(np_dns_frames_add(fr, 0, 7, dig_query, sizeof(dig_query)), 0);
	n = message(b, 0x3e8f, 1, 0, 2, "www.example.com", 1);
	assert_int_equal(np_dns_frames_add(fr, 0, 9, b, n), 0);
	/* the same name on another resolver, and as AAAA: other entries */
	assert_int_equal(np_dns_frames_add(fr, 1, 10, dig_query, sizeof(dig_query)), 0);
	n = message(b, 0x1111, 0, 0, 0, "www.example.com", 28);
	assert_int_equal(np_dns_frames_add(fr, 0, 11, b, n), 0);

	assert_int_equal(np_dns_frames_find(fr, 0, "WWW.Example.COM.", 1, m, 4), 2);
	assert_int_equal(m[0].frame, 7);
	assert_int_equal(m[0].id, 0x3e8f);
	assert_false(m[0].answer);
	assert_int_equal(m[1].frame, 9);
	assert_true(m[1].answer);
	assert_int_equal(m[1].rcode, 0);
	assert_int_equal(m[1].ancount, 2);
	assert_int_equal(np_dns_frames_find(fr, 1, "www.example.com", 1, m, 4), 1);
	assert_int_equal(m[0].frame, 10);
	assert_int_equal(np_dns_frames_find(fr, 0, "www.example.com", 28, m, 4), 1);
	assert_int_equal(m[0].frame, 11);
	assert_int_equal(np_dns_frames_find(fr, 0, "example.com", 1, m, 4), 0);
	np_dns_frames_free(fr);
}

static void not_a_message_is_ignored(void **state)
{
	struct np_dns_frames *fr = np_dns_frames_new();
	uint8_t junk[64];
	struct np_dns_frame m[1];

	(void)state;
	/* the flood's bytes: QDCOUNT 0xffff, a reserved label type */
	memset(junk, 0xff, sizeof(junk));
	assert_int_equal(np_dns_frames_add(fr, 0, 1, junk, sizeof(junk)), 0);
	assert_int_equal(np_dns_frames_add(fr, 0, 2, dig_query, 11), 0);   /* cut in the header */
	assert_int_equal(np_dns_frames_add(fr, 0, 3, dig_query, 20), 0);   /* cut in the name */
	assert_int_equal(np_dns_frames_find(fr, 0, "www.example.com", 1, m, 1), 0);
	/* a compression pointer in the question */
	{
		uint8_t q[sizeof(dig_query)];

		memcpy(q, dig_query, sizeof(q));
		q[12] = 0xc0;
		assert_int_equal(np_dns_frames_add(fr, 0, 4, q, sizeof(q)), 0);
	}
	assert_int_equal(np_dns_frames_find(fr, 0, "www.example.com", 1, m, 1), 0);
	np_dns_frames_free(fr);
}

/* Ten thousand names, two messages each, the table growing all along:
 * each name still finds its own two frames, in order, and only them. */
static void many_names_each_find_their_own(void **state)
{
	struct np_dns_frames *fr = np_dns_frames_new();
	struct np_dns_frame m[4];
	uint8_t b[512];
	char name[64];
	size_t n;

	(void)state;
	for (unsigned i = 0; i < 10000; i++) {
		snprintf(name, sizeof(name), "b%u.bench.example.net", i);
		n = message(b, i & 0xffff, 0, 0, 0, name, 1);
		assert_int_equal(np_dns_frames_add(fr, 0, 2 * i + 1, b, n), 0);
	}
	for (unsigned i = 0; i < 10000; i++) {
		snprintf(name, sizeof(name), "b%u.bench.example.net", i);
		n = message(b, i & 0xffff, 1, 3, 0, name, 1);
		assert_int_equal(np_dns_frames_add(fr, 0, 2 * i + 2, b, n), 0);
	}
	for (unsigned i = 0; i < 10000; i += 97) {
		snprintf(name, sizeof(name), "b%u.bench.example.net", i);
		assert_int_equal(np_dns_frames_find(fr, 0, name, 1, m, 4), 2);
		assert_int_equal(m[0].frame, 2 * i + 1);
		assert_false(m[0].answer);
		assert_int_equal(m[1].frame, 2 * i + 2);
		assert_true(m[1].answer);
		assert_int_equal(m[1].rcode, 3);
	}
	assert_int_equal(np_dns_frames_over(fr), 0);
	np_dns_frames_free(fr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(query_and_answer_found_by_name),
		cmocka_unit_test(not_a_message_is_ignored),
		cmocka_unit_test(many_names_each_find_their_own),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
