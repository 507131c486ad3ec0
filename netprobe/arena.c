/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "arena.h"
#include "strput.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALIGN alignof(max_align_t)
#define CHUNK_MIN 256
#define CHUNK_MAX (64 * 1024)

struct np_arena_chunk {
	struct np_arena_chunk *next;
	alignas(max_align_t) unsigned char data[];
};

static size_t round_up(size_t n)
{
	return (n + ALIGN - 1) & ~(ALIGN - 1);
}

void np_arena_init(struct np_arena *a, void *buf, size_t size, size_t limit)
{
	uintptr_t p = (uintptr_t)buf, q = (p + ALIGN - 1) & ~(uintptr_t)(ALIGN - 1);

	memset(a, 0, sizeof(*a));
	a->limit = limit;
	if (buf && size > q - p) {
		a->cur = (unsigned char *)q;
		a->left = (size - (q - p)) & ~(ALIGN - 1);
	}
}

/* A new chunk for at least n bytes: twice what the arena holds, from
 * 256 bytes up to 64 KiB a chunk (beyond that, just what is asked). */
static int grow(struct np_arena *a, size_t n)
{
	size_t size = a->held < CHUNK_MIN ? CHUNK_MIN : a->held > CHUNK_MAX ? CHUNK_MAX : a->held;
	struct np_arena_chunk *c;

	if (size < n)
		size = n;
	if (a->limit && (size > a->limit || a->held > a->limit - size))
		return -1;
	c = malloc(sizeof(*c) + size);
	if (!c)
		return -1;
	c->next = a->chunks;
	a->chunks = c;
	a->held += size;
	a->cur = c->data;
	a->left = size;
	return 0;
}

/* n bytes at any address: texts. */
static char *bytes(struct np_arena *a, size_t n)
{
	char *p;

	if (n > a->left && grow(a, n) < 0)
		return NULL;
	p = (char *)a->cur;
	a->cur += n;
	a->left -= n;
	return p;
}

void *np_arena_alloc(struct np_arena *a, size_t n)
{
	/* Texts leave the cursor anywhere: the next piece starts aligned. */
	size_t pad = (size_t)(-(uintptr_t)a->cur & (ALIGN - 1));

	if (pad <= a->left) {
		a->cur += pad;
		a->left -= pad;
	}
	if (((uintptr_t)a->cur & (ALIGN - 1)) != 0)
		a->left = 0;            /* (a misaligned end: the next chunk) */
	return bytes(a, round_up(n ? n : 1));
}

void *np_arena_grow(struct np_arena *a, void *array, size_t n, size_t *cap, size_t size, size_t first)
{
	size_t c = *cap ? 2 * *cap : first;
	void *v;

	if (n < *cap)
		return array;
	v = np_arena_alloc(a, c * size);
	if (!v)
		return NULL;
	if (n)
		memcpy(v, array, n * size);
	*cap = c;
	return v;
}

char *np_arena_strdup(struct np_arena *a, const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = bytes(a, n);

	if (d)
		memcpy(d, s, n);
	return d;
}

char *np_arena_strndup(struct np_arena *a, const char *s, size_t n)
{
	char *d = bytes(a, n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

char *np_arena_vprintf(struct np_arena *a, const char *fmt, va_list ap)
{
	va_list again;
	char *d;
	int n;

	/* Written where the next piece would go; taken if it fit. */
	va_copy(again, ap);
	n = np_str_vformat((char *)a->cur, a->left, fmt, ap);
	if (n < 0) {
		va_end(again);
		return NULL;
	}
	if ((size_t)n < a->left) {
		d = bytes(a, (size_t)n + 1);
	} else {
		d = bytes(a, (size_t)n + 1);
		if (d)
			np_str_vformat(d, (size_t)n + 1, fmt, again);
	}
	va_end(again);
	return d;
}

char *np_arena_printf(struct np_arena *a, const char *fmt, ...)
{
	va_list ap;
	char *d;

	va_start(ap, fmt);
	d = np_arena_vprintf(a, fmt, ap);
	va_end(ap);
	return d;
}

void np_arena_release(struct np_arena *a)
{
	struct np_arena_chunk *c = a->chunks, *next;

	size_t limit = a->limit;

	for (; c; c = next) {
		next = c->next;
		free(c);
	}
	memset(a, 0, sizeof(*a));
	a->limit = limit;
}
