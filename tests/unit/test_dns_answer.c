/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Reading DNS answers: records of the type asked, TTLs, flags, CNAME
 * chains; hostile answers (compression loops, records past the end) are
 * read as far as they are sound and never past the buffer. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "netprobe/dns_answer.h"
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

/* "www.example.net" in wire form. */
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
	put16(m, 0x8000 | (unsigned)flags2 << 8 | 0x80 | (unsigned)rcode);  /* QR, RA */
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

/* An answer record whose owner is a pointer to the question name (12). */
static void rr(struct msg *m, int type, uint32_t ttl, const void *rdata, size_t len)
{
	put16(m, 0xc00c);
	put16(m, (unsigned)type);
	put16(m, 1);
	put32(m, ttl);
	put16(m, (unsigned)len);
	put(m, rdata, len);
}

static void a_records_with_ttls(void **state)
{
	struct msg m;
	struct np_dns_answer a;
	uint8_t ip1[4] = {198, 19, 5, 10}, ip2[4] = {198, 19, 5, 11};

	(void)state;
	header(&m, 0, 0, 1, 2);
	question(&m, "www.example.net", NP_DNS_A);
	rr(&m, NP_DNS_A, 300, ip1, 4);
	rr(&m, NP_DNS_A, 60, ip2, 4);
	assert_int_equal(np_dns_parse(m.b, m.n, "www.example.net", NP_DNS_A, &a), 0);
	assert_int_equal(a.defect, 0);
	assert_int_equal(a.n, 2);
	assert_string_equal(a.rr[0], "198.19.5.10");
	assert_string_equal(a.rr[1], "198.19.5.11");
	assert_int_equal(a.min_ttl, 60);
	assert_int_equal(a.rcode, 0);
	assert_false(a.tc);
	assert_true(a.ra);
	np_dns_answer_free(&a);
}

/* An answer the resolver's watch found sound is not checked again, and
 * reads the same; the flag never hides a defect from a message too short
 * to have been checked. */
static void checked_answer_reads_the_same(void **state)
{
	struct msg m;
	struct np_dns_answer a, b;
	uint8_t ip[4] = {198, 19, 5, 10};

	(void)state;
	header(&m, 0, 0, 1, 1);
	question(&m, "www.example.net", NP_DNS_A);
	rr(&m, NP_DNS_A, 300, ip, 4);
	assert_int_equal(np_dns_parse(m.b, m.n, "www.example.net", NP_DNS_A, &a), 0);
	assert_int_equal(np_dns_parse_checked(m.b, m.n, "www.example.net", NP_DNS_A, 1, &b), 0);
	assert_int_equal(a.defect, 0);
	assert_int_equal(b.defect, 0);
	assert_string_equal(a.why, b.why);
	assert_int_equal(a.n, b.n);
	assert_string_equal(a.rr[0], b.rr[0]);
	assert_int_equal(a.min_ttl, b.min_ttl);
	assert_int_equal(a.rcode, b.rcode);
	np_dns_answer_free(&a);
	np_dns_answer_free(&b);
	assert_int_equal(np_dns_parse_checked(m.b, 11, "www.example.net", NP_DNS_A, 1, &b), NP_EINVAL);
	assert_int_not_equal(b.defect, 0);
	np_dns_answer_free(&b);
}

static void cname_chain_and_aaaa(void **state)
{
	struct msg m, target;
	struct np_dns_answer a;
	uint8_t v6[16];

	(void)state;
	inet_pton(AF_INET6, "2001:db8:5::11", v6);
	target.n = 0;
	put_name(&target, "login.example.net");
	header(&m, 0, 0, 1, 2);
	question(&m, "alias.example.net", NP_DNS_AAAA);
	rr(&m, NP_DNS_CNAME, 300, target.b, target.n);
	rr(&m, NP_DNS_AAAA, 300, v6, 16);
	assert_int_equal(np_dns_parse(m.b, m.n, "alias.example.net", NP_DNS_AAAA, &a), 0);
	assert_int_equal(a.defect, 0);
	assert_int_equal(a.n, 1);
	assert_string_equal(a.rr[0], "2001:db8:5::11");
	assert_string_equal(a.cname, "login.example.net.");
	assert_memory_equal(a.addr[0], v6, 16);
	np_dns_answer_free(&a);
}

static void srv_mx_txt_soa(void **state)
{
	struct msg m, rd;
	struct np_dns_answer a;

	(void)state;
	rd.n = 0;
	put16(&rd, 0);
	put16(&rd, 100);
	put16(&rd, 389);
	put_name(&rd, "dc1.corp.example");
	header(&m, 0, 0, 1, 1);
	question(&m, "_ldap._tcp.dc._msdcs.corp.example", NP_DNS_SRV);
	rr(&m, NP_DNS_SRV, 600, rd.b, rd.n);
	assert_int_equal(np_dns_parse(m.b, m.n, NULL, NP_DNS_SRV, &a), 0);
	assert_int_equal(a.n, 1);
	assert_string_equal(a.rr[0], "0 100 389 dc1.corp.example.");
	np_dns_answer_free(&a);

	rd.n = 0;
	put16(&rd, 10);
	put_name(&rd, "mx.example.net");
	header(&m, 0, 0, 1, 1);
	question(&m, "example.net", NP_DNS_MX);
	rr(&m, NP_DNS_MX, 600, rd.b, rd.n);
	assert_int_equal(np_dns_parse(m.b, m.n, NULL, NP_DNS_MX, &a), 0);
	assert_string_equal(a.rr[0], "10 mx.example.net.");
	np_dns_answer_free(&a);

	/* Two character-strings make one TXT record; a control byte is masked. */
	rd.n = 0;
	put(&rd, "\x06v=spf1\x05 -all\x01\x07", 15);
	header(&m, 0, 0, 1, 1);
	question(&m, "example.net", NP_DNS_TXT);
	rr(&m, NP_DNS_TXT, 600, rd.b, rd.n);
	assert_int_equal(np_dns_parse(m.b, m.n, NULL, NP_DNS_TXT, &a), 0);
	assert_string_equal(a.rr[0], "v=spf1 -all?");
	np_dns_answer_free(&a);

	rd.n = 0;
	put_name(&rd, "ns1.example.net");
	put_name(&rd, "hostmaster.example.net");
	put32(&rd, 2026112501);
	put32(&rd, 3600);
	put32(&rd, 600);
	put32(&rd, 86400);
	put32(&rd, 300);
	header(&m, 0, 0, 1, 1);
	question(&m, "example.net", NP_DNS_SOA);
	rr(&m, NP_DNS_SOA, 600, rd.b, rd.n);
	assert_int_equal(np_dns_parse(m.b, m.n, "example.net", NP_DNS_SOA, &a), 0);
	assert_int_equal(a.defect, 0);
	assert_string_equal(a.rr[0], "ns1.example.net. hostmaster.example.net. 2026112501 3600 600 86400 300");
	np_dns_answer_free(&a);
}

static void flags_and_rcodes(void **state)
{
	struct msg m;
	struct np_dns_answer a;

	(void)state;
	header(&m, 0x02, 3, 1, 0);      /* TC, NXDOMAIN */
	question(&m, "nope.example.net", NP_DNS_A);
	assert_int_equal(np_dns_parse(m.b, m.n, NULL, NP_DNS_A, &a), 0);
	assert_true(a.tc);
	assert_int_equal(a.rcode, 3);
	assert_int_equal(a.n, 0);
	assert_int_equal(a.min_ttl, -1);
	np_dns_answer_free(&a);
	assert_int_equal(np_dns_parse(m.b, 11, NULL, NP_DNS_A, &a), NP_EINVAL);
	assert_int_equal(np_dns_parse(NULL, 0, NULL, NP_DNS_A, &a), NP_EINVAL);
}

static void hostile_answers_are_bounded(void **state)
{
	struct msg m;
	struct np_dns_answer a;
	uint8_t ip[4] = {198, 19, 5, 10};

	(void)state;
	/* A compression pointer to itself in the answer's owner name. */
	header(&m, 0, 0, 1, 1);
	question(&m, "www.example.net", NP_DNS_A);
	put16(&m, 0xc000 | (unsigned)m.n);
	put16(&m, NP_DNS_A);
	put16(&m, 1);
	put32(&m, 1);
	put16(&m, 4);
	put(&m, ip, 4);
	assert_int_equal(np_dns_parse(m.b, m.n, NULL, NP_DNS_A, &a), 0);
	assert_int_equal(a.n, 0);
	assert_int_equal(a.defect, NP_DNS_POINTER_LOOP);
	np_dns_answer_free(&a);

	/* rdlength past the end; an A record of the wrong size; a huge ancount. */
	header(&m, 0, 0, 1, 3);
	question(&m, "www.example.net", NP_DNS_A);
	rr(&m, NP_DNS_A, 1, ip, 3);
	rr(&m, NP_DNS_A, 1, ip, 4);
	m.n -= 2;
	m.b[m.n - 3] = 0xff;            /* last rdlength now far too long */
	assert_int_equal(np_dns_parse(m.b, m.n, NULL, NP_DNS_A, &a), 0);
	assert_int_equal(a.n, 0);
	assert_int_equal(a.defect, NP_DNS_BAD_RDATA);  /* the first record's 3-byte A */
	np_dns_answer_free(&a);

	/* Every prefix of a good answer parses without reading past it (ASan). */
	header(&m, 0, 0, 1, 1);
	question(&m, "www.example.net", NP_DNS_A);
	rr(&m, NP_DNS_A, 5, ip, 4);
	for (size_t n = 0; n <= m.n; n++) {
		unsigned char *copy = malloc(n ? n : 1);

		memcpy(copy, m.b, n);
		np_dns_parse(copy, n, NULL, NP_DNS_A, &a);
		assert_int_equal(a.n, n == m.n ? 1 : 0);
		assert_int_equal(a.defect != 0, n < m.n);
		np_dns_answer_free(&a);
		free(copy);
	}
}

static void many_records_are_capped(void **state)
{
	struct msg m;
	struct np_dns_answer a;

	(void)state;
	header(&m, 0, 0, 1, 100);
	question(&m, "many.example.net", NP_DNS_A);
	for (unsigned i = 0; i < 100; i++) {
		uint8_t ip[4] = {198, 19, 6, (uint8_t)i};

		rr(&m, NP_DNS_A, 1, ip, 4);
	}
	assert_int_equal(np_dns_parse(m.b, m.n, NULL, NP_DNS_A, &a), 0);
	assert_int_equal(a.n, NP_DNS_MAX_ANSWERS);
	assert_true(a.truncated_list);
	np_dns_answer_free(&a);
}

static void nat64_prefixes_per_rfc6052(void **state)
{
	static const struct {
		const char *aaaa, *prefix;
	} cases[] = {
		{"64:ff9b::c000:aa", "64:ff9b::/96"},
		{"64:ff9b::c000:ab", "64:ff9b::/96"},
		{"2001:db8:122:344:c0:0:aa00:0", "2001:db8:122:344::/64"},
		{"2001:db8:122:3c0:0:aa::", "2001:db8:122:300::/56"},
		{"2001:db8:1c0:0:aa::", "2001:db8:100::/40"},
		{"2001:db8:c000:aa::", "2001:db8::/32"},
	};
	char buf[64];
	uint8_t a[16];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(inet_pton(AF_INET6, cases[i].aaaa, a), 1);
		assert_true(np_dns64_prefix(a, buf, sizeof(buf)) > 0);
		assert_string_equal(buf, cases[i].prefix);
	}
	inet_pton(AF_INET6, "2001:db8:5::11", a);
	assert_int_equal(np_dns64_prefix(a, buf, sizeof(buf)), -1);
}

static void type_names(void **state)
{
	(void)state;
	assert_int_equal(np_dns_type_parse("aaaa"), NP_DNS_AAAA);
	assert_int_equal(np_dns_type_parse("SRV"), NP_DNS_SRV);
	assert_int_equal(np_dns_type_parse("PTR"), -1);
	assert_string_equal(np_dns_type_name(NP_DNS_TXT), "TXT");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_records_with_ttls),
		cmocka_unit_test(checked_answer_reads_the_same),
		cmocka_unit_test(cname_chain_and_aaaa),
		cmocka_unit_test(srv_mx_txt_soa),
		cmocka_unit_test(flags_and_rcodes),
		cmocka_unit_test(hostile_answers_are_bounded),
		cmocka_unit_test(many_records_are_capped),
		cmocka_unit_test(nat64_prefixes_per_rfc6052),
		cmocka_unit_test(type_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
