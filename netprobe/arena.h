/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_ARENA_H
#define NETPROBE_ARENA_H

#include <stdarg.h>
#include <stddef.h>

/* A bump allocator: many small pieces that live and die together (a
 * finding's texts, metrics and evidence) cost one allocation, and one
 * free, instead of one each. It starts in a buffer its owner holds
 * (inline in the owner's own allocation) and goes on in chunks of its
 * own once that is full. Pieces are aligned for any type; texts are
 * packed. */
struct np_arena_chunk;

struct np_arena {
	unsigned char *cur;             /* the region allocations come from */
	size_t left;                    /* bytes free in it */
	struct np_arena_chunk *chunks;  /* allocated here, newest first */
	size_t held;                    /* bytes of its chunks */
	size_t limit;                   /* most bytes of chunks; 0: no bound */
};

/* buf may be NULL (size 0); limit bounds what the arena allocates beyond
 * it (a profile's ${} expansion must not make gigabytes of a small file). */
void np_arena_init(struct np_arena *a, void *buf, size_t size, size_t limit);
/* NULL when memory runs out (the arena stays usable). */
void *np_arena_alloc(struct np_arena *a, size_t n);
char *np_arena_strdup(struct np_arena *a, const char *s);
char *np_arena_strndup(struct np_arena *a, const char *s, size_t n);
char *np_arena_vprintf(struct np_arena *a, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
char *np_arena_printf(struct np_arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Room for one more element in an array of n held in the arena (*cap
 * elements of size bytes): the array itself while it has room, else a
 * new one of twice the room (first at the start) with the n copied; the
 * old stays in the arena until it goes. NULL when memory runs out. */
void *np_arena_grow(struct np_arena *a, void *array, size_t n, size_t *cap, size_t size, size_t first);
/* Frees the chunks (not the buffer of np_arena_init); the arena is empty
 * (its limit kept). */
void np_arena_release(struct np_arena *a);

#endif
