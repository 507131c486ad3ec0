/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "dns_frames.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "strput.h"

struct entry {
	uint64_t key;             /* hash of (resolver, name, type) */
	uint32_t next;            /* next entry of its bucket, + 1; 0 none */
	struct np_dns_frame f;
};

struct np_dns_frames {
	struct entry *e;
	size_t n, cap;
	uint32_t *head;           /* bucket -> last entry + 1 */
	uint32_t *tail;           /* bucket -> first entry + 1 (oldest first) */
	size_t nb;                /* buckets, a power of two */
	uint64_t over;
};

#define BUCKETS_MIN 1024

#define FNV_BASIS 1469598103934665603ULL
#define FNV_PRIME 1099511628211ULL

static uint64_t fnv(uint64_t h, unsigned v)
{
	return (h ^ (uint64_t)v) * FNV_PRIME;
}

static uint64_t key_end(uint64_t h, int type)
{
	h = fnv(h, (unsigned)type);
	return h ? h : 1;
}

/* FNV-1a over the resolver, the name as DNS compares it (case ignored,
 * no final dot) and the type. */
static uint64_t key_of(int ri, const char *name, int type)
{
	uint64_t h = fnv(FNV_BASIS, (unsigned)ri);
	size_t n = strlen(name);

	if (n && name[n - 1] == '.')
		n--;
	for (size_t i = 0; i < n; i++)
		h = fnv(h, np_ascii_lower((unsigned char)name[i]));
	return key_end(h, type);
}

/* The same key from a message's question, read off the wire: its labels
 * joined by dots as the text form has them. Only a name of plain
 * characters (letters, digits, '-', '_'): any other byte is escaped in
 * the text form, and such a message is left out (-1), as are a
 * compressed or cut question. Sets *id and *type. */
static int key_of_question(int ri, const uint8_t *msg, size_t len, uint64_t *key, unsigned *id, int *type)
{
	uint64_t h = fnv(FNV_BASIS, (unsigned)ri);
	size_t pos = 12;
	int first = 1;

	if (len < 12 || (msg[4] << 8 | msg[5]) == 0)
		return -1;
	for (;;) {
		unsigned c;

		if (pos >= len)
			return -1;
		c = msg[pos++];
		if (c == 0)
			break;
		if (c > 63 || pos + c > len)
			return -1;
		if (!first)
			h = fnv(h, '.');
		first = 0;
		for (unsigned i = 0; i < c; i++) {
			unsigned char b = msg[pos + i];

			if (!np_ascii_alnum(b) && b != '-' && b != '_')
				return -1;
			h = fnv(h, np_ascii_lower(b));
		}
		pos += c;
	}
	if (pos + 4 > len)
		return -1;
	*id = (unsigned)(msg[0] << 8 | msg[1]);
	*type = msg[pos] << 8 | msg[pos + 1];
	*key = key_end(h, *type);
	return 0;
}

struct np_dns_frames *np_dns_frames_new(void)
{
	return calloc(1, sizeof(struct np_dns_frames));
}

void np_dns_frames_free(struct np_dns_frames *fr)
{
	if (!fr)
		return;
	free(fr->e);
	free(fr->head);
	free(fr->tail);
	free(fr);
}

/* Buckets at least twice the entries, so chains stay short. */
static int rehash(struct np_dns_frames *fr, size_t nb)
{
	uint32_t *head = calloc(nb, sizeof(*head)), *tail = calloc(nb, sizeof(*tail));

	if (!head || !tail) {
		free(head);
		free(tail);
		return NP_ENOMEM;
	}
	free(fr->head);
	free(fr->tail);
	fr->head = head;
	fr->tail = tail;
	fr->nb = nb;
	/* Oldest first: each bucket's chain runs from tail to head. */
	for (size_t i = 0; i < fr->n; i++) {
		size_t b = fr->e[i].key & (nb - 1);

		fr->e[i].next = 0;
		if (fr->head[b])
			fr->e[fr->head[b] - 1].next = (uint32_t)(i + 1);
		else
			fr->tail[b] = (uint32_t)(i + 1);
		fr->head[b] = (uint32_t)(i + 1);
	}
	return 0;
}

int np_dns_frames_add(struct np_dns_frames *fr, int ri, uint32_t frame, const uint8_t *msg, size_t len)
{
	uint64_t key;
	unsigned id;
	int type;
	struct entry *e;
	size_t b;

	if (key_of_question(ri, msg, len, &key, &id, &type) < 0)
		return 0;
	if (fr->n == NP_DNS_FRAMES_MAX) {
		fr->over++;
		return NP_ERANGE;
	}
	if (fr->n == fr->cap) {
		size_t cap = fr->cap ? fr->cap * 2 : 256;
		struct entry *v = realloc(fr->e, cap * sizeof(*v));

		if (!v)
			return NP_ENOMEM;
		fr->e = v;
		fr->cap = cap;
	}
	e = &fr->e[fr->n];
	e->key = key;
	e->next = 0;
	e->f.frame = frame;
	e->f.id = (uint16_t)id;
	e->f.answer = (msg[2] & 0x80) != 0;
	e->f.rcode = msg[3] & 0x0f;
	e->f.tc = (msg[2] & 0x02) != 0;
	e->f.ancount = (uint16_t)(msg[6] << 8 | msg[7]);
	fr->n++;
	/* Growing the buckets links every entry, this one too. */
	if (fr->n * 2 > fr->nb) {
		if (rehash(fr, fr->nb ? fr->nb * 2 : BUCKETS_MIN) < 0) {
			fr->n--;
			return NP_ENOMEM;
		}
		return 0;
	}
	b = e->key & (fr->nb - 1);
	if (fr->head[b])
		fr->e[fr->head[b] - 1].next = (uint32_t)fr->n;
	else
		fr->tail[b] = (uint32_t)fr->n;
	fr->head[b] = (uint32_t)fr->n;
	return 0;
}

size_t np_dns_frames_find(const struct np_dns_frames *fr, int ri, const char *name, int type,
			  struct np_dns_frame *out, size_t max)
{
	uint64_t key = key_of(ri, name, type);
	size_t n = 0;

	if (!fr || !fr->nb)
		return 0;
	for (uint32_t i = fr->tail[key & (fr->nb - 1)]; i; i = fr->e[i - 1].next) {
		if (fr->e[i - 1].key != key)
			continue;
		if (n < max)
			out[n] = fr->e[i - 1].f;
		n++;
	}
	return n;
}

uint64_t np_dns_frames_over(const struct np_dns_frames *fr)
{
	return fr ? fr->over : 0;
}
