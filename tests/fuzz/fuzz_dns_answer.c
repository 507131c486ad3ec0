/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer harness for the DNS answer reader and checker: bytes from a
 * resolver are outside input. The first byte picks the type asked (low
 * three bits) and whether the question is compared (top bit); the rest is
 * the answer. Invariants: nothing kept past the bound, every kept record a
 * bounded, terminated string, a defect of the enum with a terminated
 * reason, and the same bytes as a DNS-over-TCP stream give back the same
 * messages however they are cut; the frames index finds the message by
 * its question's text, and only it. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netprobe/dns_answer.h"
#include "netprobe/dns_check.h"
#include "netprobe/dns_frames.h"

struct seen {
	size_t n, bytes;
};

static void on_msg(const unsigned char *msg, size_t len, void *arg)
{
	struct seen *s = arg;

	if (len && !msg)
		abort();
	s->n++;
	s->bytes += len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int types[] = {
		NP_DNS_A, NP_DNS_AAAA, NP_DNS_SRV, NP_DNS_TXT, NP_DNS_CNAME, NP_DNS_MX, NP_DNS_NS, NP_DNS_SOA,
	};
	struct np_dns_answer a;
	struct np_dns_stream st;
	struct seen whole = {0, 0}, bytewise = {0, 0};
	char name[256];
	unsigned char *copy;
	unsigned id;
	int type;

	if (size < 1)
		return 0;
	/* An exact-size copy, so a read one byte past the end is caught. */
	copy = malloc(size - 1 ? size - 1 : 1);
	memcpy(copy, data + 1, size - 1);
	np_dns_parse(copy, size - 1, (data[0] & 0x80) ? "www.example.net" : NULL, types[data[0] % 8], &a);
	if (a.n > NP_DNS_MAX_ANSWERS)
		abort();
	for (size_t i = 0; i < a.n; i++)
		if (strlen(a.rr[i]) >= NP_DNS_RR_MAX)
			abort();
	if (a.defect < NP_DNS_SOUND || a.defect > NP_DNS_BAD_RDATA || strlen(a.why) >= sizeof(a.why) ||
	    (a.defect != NP_DNS_SOUND) != (a.why[0] != '\0'))
		abort();
	np_dns_answer_free(&a);
	if (np_dns_question(copy, size - 1, &id, name, sizeof(name), &type) == 0) {
		/* The frames index (dns_frames.c) hashes the same question off
		 * the wire: what it finds by the name's text is this message. */
		struct np_dns_frames *fr = np_dns_frames_new();
		struct np_dns_frame m[2];
		size_t n;

		if (strlen(name) >= sizeof(name))
			abort();
		if (fr && np_dns_frames_add(fr, 0, 7, copy, size - 1) == 0) {
			n = np_dns_frames_find(fr, 0, name, type, m, 2);
			if (n > 1 || (n == 1 && (m[0].frame != 7 || m[0].id != id)))
				abort();
		}
		np_dns_frames_free(fr);
	}
	memset(&st, 0, sizeof(st));
	np_dns_stream_feed(&st, copy, size - 1, on_msg, &whole);
	np_dns_stream_clear(&st);
	for (size_t i = 0; i < size - 1; i++)
		np_dns_stream_feed(&st, copy + i, 1, on_msg, &bytewise);
	np_dns_stream_clear(&st);
	if (whole.n != bytewise.n || whole.bytes != bytewise.bytes)
		abort();
	free(copy);
	return 0;
}
