/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "dns_answer.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "dns_check.h"
#include "error.h"

static const struct {
	const char *name;
	int type;
} types[] = {
	{"A", NP_DNS_A}, {"AAAA", NP_DNS_AAAA}, {"SRV", NP_DNS_SRV}, {"TXT", NP_DNS_TXT},
	{"CNAME", NP_DNS_CNAME}, {"MX", NP_DNS_MX}, {"NS", NP_DNS_NS}, {"SOA", NP_DNS_SOA},
};

int np_dns_type_parse(const char *name)
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcasecmp(types[i].name, name) == 0)
			return types[i].type;
	return -1;
}

const char *np_dns_type_name(int type)
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].type == type)
			return types[i].name;
	return "?";
}

static uint16_t get16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The domain name at off, "name." in out (or "." for the root). Returns
 * the offset after it as written there, or -1. */
static long name_at(const unsigned char *abuf, size_t alen, size_t off, char *out, size_t outlen)
{
	char name[NP_DNS_NAME_TEXT_MAX];
	size_t next;

	if (np_dns_name_read(abuf, alen, off, &next, out ? name : NULL, sizeof(name)))
		return -1;
	if (out)
		snprintf(out, outlen, "%s.", name);
	return (long)next;
}

/* The text form of the record data at abuf + rd; 0, or -1 if it does not
 * parse (names must end within the data). */
static int rdata_text(int type, const unsigned char *abuf, size_t alen, size_t rd, size_t rdlen,
		      char *buf, size_t len, uint8_t addr[16])
{
	const unsigned char *p = abuf + rd;
	char n1[NP_DNS_NAME_TEXT_MAX + 2], n2[NP_DNS_NAME_TEXT_MAX + 2];
	size_t end = rd + rdlen;
	long l1, l2;

	switch (type) {
	case NP_DNS_A:
		if (rdlen != 4)
			return -1;
		memcpy(addr, p, 4);
		return inet_ntop(AF_INET, p, buf, (socklen_t)len) ? 0 : -1;
	case NP_DNS_AAAA:
		if (rdlen != 16)
			return -1;
		memcpy(addr, p, 16);
		return inet_ntop(AF_INET6, p, buf, (socklen_t)len) ? 0 : -1;
	case NP_DNS_CNAME:
	case NP_DNS_NS:
		l1 = rdlen ? name_at(abuf, alen, rd, n1, sizeof(n1)) : -1;
		if (l1 < 0 || (size_t)l1 > end)
			return -1;
		snprintf(buf, len, "%.500s", n1);
		return 0;
	case NP_DNS_MX:
		l1 = rdlen >= 3 ? name_at(abuf, alen, rd + 2, n1, sizeof(n1)) : -1;
		if (l1 < 0 || (size_t)l1 > end)
			return -1;
		snprintf(buf, len, "%u %.490s", get16(p), n1);
		return 0;
	case NP_DNS_SRV:
		l1 = rdlen >= 7 ? name_at(abuf, alen, rd + 6, n1, sizeof(n1)) : -1;
		if (l1 < 0 || (size_t)l1 > end)
			return -1;
		snprintf(buf, len, "%u %u %u %.480s", get16(p), get16(p + 2), get16(p + 4), n1);
		return 0;
	case NP_DNS_SOA:
		l1 = rdlen ? name_at(abuf, alen, rd, n1, sizeof(n1)) : -1;
		if (l1 < 0 || (size_t)l1 >= end)
			return -1;
		l2 = name_at(abuf, alen, (size_t)l1, n2, sizeof(n2));
		if (l2 < 0 || (size_t)l2 + 20 > end)
			return -1;
		p = abuf + l2;
		snprintf(buf, len, "%.230s %.230s %u %u %u %u %u", n1, n2, get32(p), get32(p + 4),
			 get32(p + 8), get32(p + 12), get32(p + 16));
		return 0;
	case NP_DNS_TXT: {
		/* One or more <character-string>s (RFC 1035 3.3.14), joined. */
		size_t off = 0, w = 0;

		buf[0] = '\0';
		while (off < rdlen) {
			size_t n = p[off];

			if (off + 1 + n > rdlen)
				return -1;
			for (size_t i = 0; i < n && w + 2 < len; i++) {
				unsigned char c = p[off + 1 + i];

				buf[w++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
			}
			buf[w] = '\0';
			off += 1 + n;
		}
		return 0;
	}
	}
	return -1;
}

int np_dns_parse(const unsigned char *abuf, size_t alen, const char *qname, int qtype,
		 struct np_dns_answer *out)
{
	return np_dns_parse_checked(abuf, alen, qname, qtype, 0, out);
}

int np_dns_parse_checked(const unsigned char *abuf, size_t alen, const char *qname, int qtype, int sound,
			 struct np_dns_answer *out)
{
	size_t off = 12;
	unsigned qd, an;

	memset(out, 0, sizeof(*out));
	out->min_ttl = -1;
	if (!sound || !abuf || alen < 12)
		out->defect = np_dns_check(abuf, alen, qname, qtype, out->why, sizeof(out->why));
	if (!abuf || alen < 12)
		return NP_EINVAL;
	out->tc = (abuf[2] >> 1) & 1;
	out->aa = (abuf[2] >> 2) & 1;
	out->ra = (abuf[3] >> 7) & 1;
	out->rcode = abuf[3] & 0x0f;
	qd = get16(abuf + 4);
	an = get16(abuf + 6);
	out->ancount = (int)an;
	for (unsigned i = 0; i < qd; i++) {
		long l = name_at(abuf, alen, off, NULL, 0);

		if (l < 0 || (size_t)l + 4 > alen)
			return 0;
		off = (size_t)l + 4;
	}
	for (unsigned i = 0; i < an; i++) {
		char text[NP_DNS_RR_MAX];
		uint8_t addr[16] = {0};
		long l = name_at(abuf, alen, off, NULL, 0);
		unsigned type, rdlen;
		uint32_t ttl;

		if (l < 0 || (size_t)l + 10 > alen)
			return 0;
		off = (size_t)l;
		type = get16(abuf + off);
		ttl = get32(abuf + off + 4);
		rdlen = get16(abuf + off + 8);
		off += 10;
		if (off + rdlen > alen)
			return 0;
		if (type == NP_DNS_CNAME && qtype != NP_DNS_CNAME &&
		    rdata_text(type, abuf, alen, off, rdlen, text, sizeof(text), addr) == 0) {
			free(out->cname);
			out->cname = strdup(text);
		} else if ((int)type == qtype &&
			   rdata_text((int)type, abuf, alen, off, rdlen, text, sizeof(text), addr) == 0) {
			if (out->n == NP_DNS_MAX_ANSWERS) {
				out->truncated_list = 1;
			} else {
				out->rr[out->n] = strdup(text);
				if (out->rr[out->n]) {
					memcpy(out->addr[out->n], addr, 16);
					out->n++;
				}
			}
			/* RFC 2181 8: a TTL with the top bit set counts as 0. */
			if (ttl > 0x7fffffffu)
				ttl = 0;
			if (out->min_ttl < 0 || (int)ttl < out->min_ttl)
				out->min_ttl = (int)ttl;
		}
		off += rdlen;
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char *np_dns_answers_key(const struct np_dns_answer *a)
{
	char *sorted[NP_DNS_MAX_ANSWERS];
	size_t len = 1;
	char *out;

	for (size_t i = 0; i < a->n; i++) {
		sorted[i] = a->rr[i];
		len += strlen(a->rr[i]) + 1;
	}
	qsort(sorted, a->n, sizeof(sorted[0]), cmp_str);
	out = malloc(len);
	if (!out)
		return NULL;
	out[0] = '\0';
	for (size_t i = 0; i < a->n; i++) {
		strcat(out, sorted[i]);
		if (i + 1 < a->n)
			strcat(out, "\n");
	}
	return out;
}

void np_dns_answer_free(struct np_dns_answer *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->rr[i]);
	free(a->cname);
	a->n = 0;
	a->cname = NULL;
}

int np_dns64_prefix(const uint8_t a[16], char *buf, size_t len)
{
	/* Where RFC 6052 2.2 puts the IPv4 address for each prefix length;
	 * byte 8 (bits 64-71) is always skipped. */
	static const struct {
		int plen;
		int at[4];
	} forms[] = {
		{96, {12, 13, 14, 15}}, {64, {9, 10, 11, 12}}, {56, {7, 9, 10, 11}},
		{48, {6, 7, 9, 10}}, {40, {5, 6, 7, 9}}, {32, {4, 5, 6, 7}},
	};

	for (size_t f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
		const int *at = forms[f].at;
		uint8_t prefix[16] = {0};
		char s[INET6_ADDRSTRLEN];

		if (a[at[0]] != 192 || a[at[1]] != 0 || a[at[2]] != 0 ||
		    (a[at[3]] != 170 && a[at[3]] != 171))
			continue;
		memcpy(prefix, a, (size_t)forms[f].plen / 8);
		inet_ntop(AF_INET6, prefix, s, sizeof(s));
		snprintf(buf, len, "%s/%d", s, forms[f].plen);
		return forms[f].plen;
	}
	return -1;
}
