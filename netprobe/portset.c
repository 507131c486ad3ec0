/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "portset.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void np_portset_clear(struct np_portset *ps)
{
	memset(ps, 0, sizeof(*ps));
}

void np_portset_add(struct np_portset *ps, unsigned port)
{
	uint64_t bit = (uint64_t)1 << (port % 64);

	if (port == 0 || port > 65535 || (ps->bits[port / 64] & bit))
		return;
	ps->bits[port / 64] |= bit;
	ps->count++;
}

int np_portset_has(const struct np_portset *ps, unsigned port)
{
	return port > 0 && port <= 65535 && (ps->bits[port / 64] >> (port % 64) & 1);
}

void np_portset_merge(struct np_portset *dst, const struct np_portset *src)
{
	dst->count = 0;
	for (size_t i = 0; i < sizeof(dst->bits) / sizeof(dst->bits[0]); i++) {
		dst->bits[i] |= src->bits[i];
		dst->count += (size_t)__builtin_popcountll(dst->bits[i]);
	}
}

/* One port number of an element: digits only, 1-65535. */
static int parse_one(const char *s, size_t n, const char *elem, size_t elen, unsigned *out, char *errbuf)
{
	unsigned long v = 0;

	if (n == 0) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "port list element '%.*s': a port is missing",
			 (int)(elen > 32 ? 32 : elen), elem);
		return NP_EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i])) {
			snprintf(errbuf, NP_ERRBUF_SIZE, "port list element '%.*s' is not a port or a range LO-HI",
				 (int)(elen > 32 ? 32 : elen), elem);
			return NP_EINVAL;
		}
		if (v <= 65535)
			v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v > 65535) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "port %.*s out of range (1-65535)", (int)(n > 16 ? 16 : n), s);
		return NP_EINVAL;
	}
	*out = (unsigned)v;
	return 0;
}

int np_portset_parse(struct np_portset *ps, const char *list, char *errbuf)
{
	const char *p = list;

	if (!*list) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "empty port list");
		return NP_EINVAL;
	}
	for (;;) {
		size_t len = strcspn(p, ",");
		const char *dash = memchr(p, '-', len);
		unsigned lo, hi;

		if (len == 0) {
			snprintf(errbuf, NP_ERRBUF_SIZE, "empty element in port list '%.64s'", list);
			return NP_EINVAL;
		}
		if (dash) {
			if (parse_one(p, (size_t)(dash - p), p, len, &lo, errbuf) < 0 ||
			    parse_one(dash + 1, len - (size_t)(dash - p) - 1, p, len, &hi, errbuf) < 0)
				return NP_EINVAL;
			if (lo > hi) {
				snprintf(errbuf, NP_ERRBUF_SIZE, "port range %u-%u runs backwards", lo, hi);
				return NP_EINVAL;
			}
		} else {
			if (parse_one(p, len, p, len, &lo, errbuf) < 0)
				return NP_EINVAL;
			hi = lo;
		}
		for (unsigned v = lo; v <= hi; v++)
			np_portset_add(ps, v);
		if (p[len] == '\0')
			return 0;
		p += len + 1;
	}
}

unsigned np_portset_next(const struct np_portset *ps, unsigned from)
{
	if (from == 0)
		from = 1;
	while (from <= 65535) {
		uint64_t w = ps->bits[from / 64] >> (from % 64);

		if (w)
			return from + (unsigned)__builtin_ctzll(w);
		from = (from / 64 + 1) * 64;
	}
	return 0;
}

char *np_portset_ranges(const struct np_portset *ps)
{
	/* "65535," is the longest element: 6 bytes per port at most. */
	size_t cap = ps->count * 6 + 1, len = 0;
	char *s = malloc(cap);
	unsigned p = np_portset_next(ps, 1);

	if (!s)
		return NULL;
	s[0] = '\0';
	while (p) {
		unsigned end = p;

		while (end < 65535 && np_portset_has(ps, end + 1))
			end++;
		len += (size_t)snprintf(s + len, cap - len, end == p ? "%s%u" : "%s%u-%u", len ? "," : "",
					p, end);
		p = end < 65535 ? np_portset_next(ps, end + 1) : 0;
	}
	return s;
}
