/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Malformed DNS answers are named, not read as "no record": each kind of
 * defect a server (or something on the way) can send, built byte by byte,
 * gets its own code and a reason that says where it is. Sound answers,
 * truncated ones included, have none. Also: the DNS-over-TCP framing and
 * the question of a query, which the resolver's watch reads. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "netprobe/dns_answer.h"
#include "netprobe/dns_check.h"
#include "netprobe/error.h"

struct msg {
	unsigned char b[4096];
	size_t n;
};

static void put(struct msg *m, const void *p, size_t n)
{
	assert_true(m->n + n <= sizeof(m->b));
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

static void put16(struct msg *m, unsigned v)
{
	unsigned char b[2] = {(unsigned char)(v >> 8), (unsigned char)v};

	put(m, b, 2);
}

static void put32(struct msg *m, uint32_t v)
{
	put16(m, v >> 16);
	put16(m, v & 0xffff);
}

static void put_name(struct msg *m, const char *name)
{
	const char *p = name;

	while (*p) {
		size_t l = strcspn(p, ".");
		unsigned char c = (unsigned char)l;

		put(m, &c, 1);
		put(m, p, l);
		p += l;
		if (*p == '.')
			p++;
	}
	put(m, "", 1);
}

static void header(struct msg *m, int flags2, int rcode, unsigned qd, unsigned an)
{
	m->n = 0;
	put16(m, 0x1234);
	put16(m, 0x8000 | (unsigned)flags2 << 8 | 0x80 | (unsigned)rcode);
	put16(m, qd);
	put16(m, an);
	put16(m, 0);
	put16(m, 0);
}

static void question(struct msg *m, const char *name, int type)
{
	put_name(m, name);
	put16(m, (unsigned)type);
	put16(m, 1);
}

static void rr_head(struct msg *m, int type, unsigned rdlen)
{
	put16(m, 0xc00c);
	put16(m, (unsigned)type);
	put16(m, 1);
	put32(m, 60);
	put16(m, rdlen);
}

static const uint8_t ip[4] = {198, 19, 4, 100};

/* The answer to www.example.net A: 198.19.4.100. */
static void good(struct msg *m)
{
	header(m, 0, 0, 1, 1);
	question(m, "www.example.net", NP_DNS_A);
	rr_head(m, NP_DNS_A, 4);
	put(m, ip, 4);
}

static int check(const struct msg *m, char *why)
{
	/* An exact-size copy: a read past the end is caught under ASan. */
	unsigned char *copy = malloc(m->n ? m->n : 1);
	int d;

	memcpy(copy, m->b, m->n);
	d = np_dns_check(copy, m->n, "www.example.net", NP_DNS_A, why, NP_DNS_WHY_MAX);
	free(copy);
	return d;
}

static void sound_answers_have_no_defect(void **state)
{
	struct msg m;
	char why[NP_DNS_WHY_MAX];
	struct np_dns_answer a;

	(void)state;
	good(&m);
	assert_int_equal(check(&m, why), NP_DNS_SOUND);
	assert_string_equal(why, "");
	/* The name asked with a final dot, in another case (RFC 4343). */
	assert_int_equal(np_dns_check(m.b, m.n, "WWW.Example.NET.", NP_DNS_A, why, sizeof(why)), 0);
	/* NXDOMAIN with an SOA in authority; and the parse agrees. */
	header(&m, 0, 3, 1, 0);
	m.b[9] = 1;                               /* NSCOUNT 1 */
	question(&m, "www.example.net", NP_DNS_A);
	put16(&m, 0xc010);                        /* example.net */
	put16(&m, NP_DNS_SOA);
	put16(&m, 1);
	put32(&m, 60);
	put16(&m, 2 + 2 + 20);
	put16(&m, 0xc010);
	put16(&m, 0xc010);
	for (int i = 0; i < 5; i++)
		put32(&m, 1);
	assert_int_equal(check(&m, why), NP_DNS_SOUND);
	assert_int_equal(np_dns_parse(m.b, m.n, "www.example.net", NP_DNS_A, &a), 0);
	assert_int_equal(a.defect, NP_DNS_SOUND);
	np_dns_answer_free(&a);
	/* A pointer forward (not to a prior name) is odd but no loop. */
	header(&m, 0, 0, 1, 1);
	question(&m, "www.example.net", NP_DNS_A);
	put16(&m, 0xc000 | (unsigned)(m.n + 2 + 8 + 2 + 4));
	put16(&m, NP_DNS_A);
	put16(&m, 1);
	put32(&m, 60);
	put16(&m, 4);
	put(&m, ip, 4);
	put_name(&m, "www.example.net");
	m.b[7] = 1;
	assert_int_equal(check(&m, why), NP_DNS_SOUND);
}

static void pointer_loops(void **state)
{
	struct msg m;
	char why[NP_DNS_WHY_MAX];
	size_t at;

	(void)state;
	/* The owner name of the answer: a pointer to itself. */
	header(&m, 0, 0, 1, 1);
	question(&m, "www.example.net", NP_DNS_A);
	at = m.n;
	put16(&m, 0xc000 | (unsigned)at);
	put16(&m, NP_DNS_A);
	put16(&m, 1);
	put32(&m, 60);
	put16(&m, 4);
	put(&m, ip, 4);
	assert_int_equal(check(&m, why), NP_DNS_POINTER_LOOP);
	assert_string_equal(why, "a compression pointer loop in the owner name of answer record 1");
	assert_string_equal(np_dns_defect_name(NP_DNS_POINTER_LOOP), "pointer_loop");

	/* Two labels, then a pointer back to the second: the loop is found
	 * at once, not after 255 bytes of "b.b.b". */
	header(&m, 0, 0, 1, 1);
	question(&m, "www.example.net", NP_DNS_A);
	put(&m, "\001a", 2);
	at = m.n;
	put(&m, "\001b", 2);
	put16(&m, 0xc000 | (unsigned)at);
	put16(&m, NP_DNS_A);
	put16(&m, 1);
	put32(&m, 60);
	put16(&m, 4);
	put(&m, ip, 4);
	assert_int_equal(check(&m, why), NP_DNS_POINTER_LOOP);

	/* Two pointers pointing at each other, in the question. */
	header(&m, 0, 0, 1, 0);
	put16(&m, 0xc000 | 14);
	put16(&m, 0xc000 | 12);
	put16(&m, NP_DNS_A);
	put16(&m, 1);
	assert_int_equal(check(&m, why), NP_DNS_POINTER_LOOP);
	assert_string_equal(why, "a compression pointer loop in the question");
}

static void bad_pointers_and_names(void **state)
{
	struct msg m;
	char why[NP_DNS_WHY_MAX], label[64];

	(void)state;
	good(&m);
	m.b[33] = 0xc0;                           /* the owner's pointer: to 0xff0 */
	m.b[34] = 0xf0;
	m.b[33] |= 0x0f;
	assert_int_equal(check(&m, why), NP_DNS_BAD_POINTER);
	assert_string_equal(why, "a compression pointer past the end of the message in the owner name of "
			    "answer record 1");

	/* Label type 0x40 (RFC 6891 retired extended labels). */
	good(&m);
	m.b[33] = 0x41;
	assert_int_equal(check(&m, why), NP_DNS_BAD_NAME);
	assert_non_null(strstr(why, "reserved type"));

	/* A name of five 63-byte labels: over 255 bytes (RFC 1035 3.1). */
	header(&m, 0, 0, 1, 1);
	question(&m, "www.example.net", NP_DNS_A);
	memset(label, 'x', 63);
	for (int i = 0; i < 5; i++) {
		unsigned char c = 63;

		put(&m, &c, 1);
		put(&m, label, 63);
	}
	put(&m, "", 1);
	put16(&m, NP_DNS_A);
	put16(&m, 1);
	put32(&m, 60);
	put16(&m, 4);
	put(&m, ip, 4);
	assert_int_equal(check(&m, why), NP_DNS_BAD_NAME);
	assert_string_equal(why, "a name longer than 255 bytes in the owner name of answer record 1");
}

static void cut_short_and_counts(void **state)
{
	struct msg m;
	char why[NP_DNS_WHY_MAX];
	size_t full;

	(void)state;
	good(&m);
	full = m.n;
	/* Inside the record's fixed fields: owner, TYPE and half of CLASS. */
	m.n = full - 4 - 2 - 4 - 1;
	assert_int_equal(check(&m, why), NP_DNS_CUT_SHORT);
	assert_string_equal(why, "the message ends inside answer record 1 (38 bytes)");
	/* Inside the question. */
	m.n = 20;
	assert_int_equal(check(&m, why), NP_DNS_CUT_SHORT);
	assert_non_null(strstr(why, "inside the question"));
	/* At a record boundary: the header counts one record more. */
	m.n = 33;
	assert_int_equal(check(&m, why), NP_DNS_COUNT_MISMATCH);
	assert_string_equal(why, "the header counts 1 answer record, the message holds 0");
	/* ANCOUNT 65535 and no record at all. */
	header(&m, 0, 0, 1, 65535);
	question(&m, "www.example.net", NP_DNS_A);
	assert_int_equal(check(&m, why), NP_DNS_COUNT_MISMATCH);
	assert_string_equal(why, "the header counts 65535 answer records, the message holds 0");
	/* An additional record counted and missing. */
	good(&m);
	m.b[11] = 1;
	assert_int_equal(check(&m, why), NP_DNS_COUNT_MISMATCH);
	assert_non_null(strstr(why, "additional"));
	/* Every prefix of a sound answer has a defect; the whole has none. */
	good(&m);
	for (size_t n = 0; n <= m.n; n++) {
		struct msg p = m;

		p.n = n;
		if (n == m.n)
			assert_int_equal(check(&p, why), NP_DNS_SOUND);
		else
			assert_int_not_equal(check(&p, why), NP_DNS_SOUND);
	}
}

static void truncated_answers_may_end_early(void **state)
{
	struct msg m;
	char why[NP_DNS_WHY_MAX];

	(void)state;
	/* TC set (RFC 2181 9): records missing at the end are no defect... */
	header(&m, 0x02, 0, 1, 3);
	question(&m, "www.example.net", NP_DNS_A);
	rr_head(&m, NP_DNS_A, 4);
	put(&m, ip, 4);
	rr_head(&m, NP_DNS_A, 4);
	put(&m, ip, 2);
	assert_int_equal(check(&m, why), NP_DNS_SOUND);
	m.n -= 6;
	assert_int_equal(check(&m, why), NP_DNS_SOUND);
	/* ...but a loop is one all the same. */
	m.b[33] = 0xc0;
	m.b[34] = 33;
	assert_int_equal(check(&m, why), NP_DNS_POINTER_LOOP);
}

static void rdlength_overrun_and_bad_data(void **state)
{
	struct msg m;
	char why[NP_DNS_WHY_MAX];

	(void)state;
	header(&m, 0, 0, 1, 1);
	question(&m, "www.example.net", NP_DNS_A);
	rr_head(&m, NP_DNS_A, 300);
	put(&m, ip, 4);
	assert_int_equal(check(&m, why), NP_DNS_RDLENGTH_OVERRUN);
	assert_string_equal(why, "answer record 1's RDLENGTH 300 runs past the end of the message (4 bytes left)");

	/* An A record of 3 bytes. */
	header(&m, 0, 0, 1, 1);
	question(&m, "www.example.net", NP_DNS_A);
	rr_head(&m, NP_DNS_A, 3);
	put(&m, ip, 3);
	assert_int_equal(check(&m, why), NP_DNS_BAD_RDATA);
	assert_string_equal(why, "answer record 1 (A) has RDLENGTH 3, not 4");

	/* A CNAME whose name runs past its RDLENGTH (into the next record). */
	header(&m, 0, 0, 1, 2);
	question(&m, "www.example.net", NP_DNS_A);
	rr_head(&m, NP_DNS_CNAME, 2);
	put_name(&m, "x.example.net");
	rr_head(&m, NP_DNS_A, 4);
	put(&m, ip, 4);
	assert_int_equal(check(&m, why), NP_DNS_BAD_RDATA);
	assert_non_null(strstr(why, "answer record 1 (CNAME) does not fit its RDLENGTH 2"));

	/* A TXT string longer than the data. */
	header(&m, 0, 0, 1, 1);
	question(&m, "example.net", NP_DNS_TXT);
	rr_head(&m, NP_DNS_TXT, 4);
	put(&m, "\010abc", 4);
	assert_int_equal(np_dns_check(m.b, m.n, "example.net", NP_DNS_TXT, why, sizeof(why)), NP_DNS_BAD_RDATA);

	/* A record of a type not asked is not read: an odd RRSIG is fine. */
	header(&m, 0, 0, 1, 2);
	question(&m, "www.example.net", NP_DNS_A);
	rr_head(&m, 46, 1);
	put(&m, "", 1);
	rr_head(&m, NP_DNS_A, 4);
	put(&m, ip, 4);
	assert_int_equal(check(&m, why), NP_DNS_SOUND);
}

static void question_must_be_the_one_asked(void **state)
{
	struct msg m;
	char why[NP_DNS_WHY_MAX];

	(void)state;
	header(&m, 0, 0, 1, 0);
	question(&m, "other.bad", NP_DNS_A);
	assert_int_equal(np_dns_check(m.b, m.n, "question.bad", NP_DNS_A, why, sizeof(why)),
			 NP_DNS_QUESTION_MISMATCH);
	assert_string_equal(why, "its question is other.bad A, not the question.bad A asked");
	/* The right name, another type. */
	assert_int_equal(np_dns_check(m.b, m.n, "other.bad", NP_DNS_AAAA, why, sizeof(why)),
			 NP_DNS_QUESTION_MISMATCH);
	assert_string_equal(why, "its question is other.bad A, not the other.bad AAAA asked");
	/* Without a question to compare with, it is a sound message. */
	assert_int_equal(np_dns_check(m.b, m.n, NULL, NP_DNS_A, why, sizeof(why)), NP_DNS_SOUND);
	/* REFUSED with the question left out (c-ares cannot match it). */
	header(&m, 0, 5, 0, 0);
	assert_int_equal(np_dns_check(m.b, m.n, "www.example.net", NP_DNS_A, why, sizeof(why)),
			 NP_DNS_QUESTION_MISMATCH);
	assert_string_equal(why, "its question section holds 0 questions, not the www.example.net A asked "
			    "(RCODE REFUSED)");
}

static void short_header(void **state)
{
	struct msg m;
	char why[NP_DNS_WHY_MAX];
	struct np_dns_answer a;

	(void)state;
	good(&m);
	m.n = 7;
	assert_int_equal(check(&m, why), NP_DNS_SHORT_HEADER);
	assert_string_equal(why, "7 bytes, shorter than a DNS header (12)");
	assert_int_equal(np_dns_parse(m.b, m.n, "www.example.net", NP_DNS_A, &a), NP_EINVAL);
	assert_int_equal(a.defect, NP_DNS_SHORT_HEADER);
	np_dns_answer_free(&a);
}

/* np_dns_parse reports the defect and keeps what is sound before it. */
static void parse_keeps_what_is_sound(void **state)
{
	struct msg m;
	struct np_dns_answer a;

	(void)state;
	header(&m, 0, 0, 1, 65535);
	question(&m, "count.bad", NP_DNS_A);
	rr_head(&m, NP_DNS_A, 4);
	put(&m, ip, 4);
	assert_int_equal(np_dns_parse(m.b, m.n, "count.bad", NP_DNS_A, &a), 0);
	assert_int_equal(a.defect, NP_DNS_COUNT_MISMATCH);
	assert_string_equal(a.why, "the header counts 65535 answer records, the message holds 1");
	assert_int_equal(a.n, 1);
	assert_string_equal(a.rr[0], "198.19.4.100");
	np_dns_answer_free(&a);
}

static void names_read_as_c_ares_prints_them(void **state)
{
	struct msg m;
	char text[NP_DNS_NAME_TEXT_MAX];
	size_t next;

	(void)state;
	m.n = 0;
	put(&m, "\003a.b\002\001\\\000", 8);
	assert_int_equal(np_dns_name_read(m.b, m.n, 0, &next, text, sizeof(text)), 0);
	assert_int_equal(next, 8);
	assert_string_equal(text, "a\\.b.\\001\\\\");
	m.n = 0;
	put(&m, "", 1);
	assert_int_equal(np_dns_name_read(m.b, m.n, 0, &next, text, sizeof(text)), 0);
	assert_string_equal(text, "");
	/* A small buffer gets a terminated prefix. */
	m.n = 0;
	put_name(&m, "www.example.net");
	assert_int_equal(np_dns_name_read(m.b, m.n, 0, &next, text, 6), 0);
	assert_string_equal(text, "www.e");
}

static void query_question(void **state)
{
	struct msg m;
	char name[256];
	unsigned id;
	int type;

	(void)state;
	header(&m, 0, 0, 1, 0);
	question(&m, "loop.bad", NP_DNS_AAAA);
	assert_int_equal(np_dns_question(m.b, m.n, &id, name, sizeof(name), &type), 0);
	assert_int_equal(id, 0x1234);
	assert_string_equal(name, "loop.bad");
	assert_int_equal(type, NP_DNS_AAAA);
	assert_int_equal(np_dns_question(m.b, m.n - 1, &id, name, sizeof(name), &type), NP_EINVAL);
	header(&m, 0, 0, 0, 0);
	assert_int_equal(np_dns_question(m.b, m.n, &id, name, sizeof(name), &type), NP_EINVAL);
}

struct got {
	size_t n;
	size_t len[4];
	unsigned char first[4];
};

static void on_msg(const unsigned char *msg, size_t len, void *arg)
{
	struct got *g = arg;

	assert_true(g->n < 4);
	g->len[g->n] = len;
	g->first[g->n] = len ? msg[0] : 0;
	g->n++;
}

static void tcp_framing(void **state)
{
	static const unsigned char stream[] = {
		0, 3, 'a', 'b', 'c',   /* a message of 3 bytes */
		0, 0,                  /* an empty one */
		0, 2, 'x', 'y',        /* 2 bytes */
		0, 9, 'z',             /* the start of a fourth */
	};
	struct np_dns_stream s;
	struct got g;

	(void)state;
	/* One byte at a time... */
	memset(&s, 0, sizeof(s));
	memset(&g, 0, sizeof(g));
	for (size_t i = 0; i < sizeof(stream); i++)
		assert_int_equal(np_dns_stream_feed(&s, stream + i, 1, on_msg, &g), 0);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.len[0], 3);
	assert_int_equal(g.first[0], 'a');
	assert_int_equal(g.len[1], 0);
	assert_int_equal(g.len[2], 2);
	assert_int_equal(g.first[2], 'x');
	np_dns_stream_clear(&s);
	/* ...or all at once: the same messages. */
	memset(&g, 0, sizeof(g));
	assert_int_equal(np_dns_stream_feed(&s, stream, sizeof(stream), on_msg, &g), 0);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.len[2], 2);
	np_dns_stream_clear(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sound_answers_have_no_defect),
		cmocka_unit_test(pointer_loops),
		cmocka_unit_test(bad_pointers_and_names),
		cmocka_unit_test(cut_short_and_counts),
		cmocka_unit_test(truncated_answers_may_end_early),
		cmocka_unit_test(rdlength_overrun_and_bad_data),
		cmocka_unit_test(question_must_be_the_one_asked),
		cmocka_unit_test(short_header),
		cmocka_unit_test(parse_keeps_what_is_sound),
		cmocka_unit_test(names_read_as_c_ares_prints_them),
		cmocka_unit_test(query_question),
		cmocka_unit_test(tcp_framing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
