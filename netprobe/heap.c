/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The heap of a big run in huge pages (see heap.h). */
#include "heap.h"

#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define HUGE_PAGE ((uintptr_t)2 << 20)
#define GROW_TRIES 8      /* the top is at most the old pad, 128 KiB, and a block */
#define DEFAULT_PAD (128 << 10)              /* glibc's M_TOP_PAD */
#define ROOM_MAX ((size_t)256 << 20)         /* address space, not memory */

int np_heap_reserve(size_t bytes)
{
	uintptr_t before, after, from, to;
	void *p[GROW_TRIES];
	size_t n;

	if (bytes < HUGE_PAGE)
		return 0;
	if (bytes > ROOM_MAX)
		bytes = ROOM_MAX;
	/* glibc keeps this much room above the heap's top, and gives it back
	 * to the system only above it: the room is taken once, now. */
	if (mallopt(M_TOP_PAD, (int)bytes) != 1)
		return 0;
	/* Blocks under the mmap threshold (128 KiB) come from the heap: once
	 * its top is spent, it grows by the block and the pad. */
	before = after = (uintptr_t)sbrk(0);
	for (n = 0; n < GROW_TRIES && after == before; n++) {
		p[n] = malloc(64 << 10);
		after = (uintptr_t)sbrk(0);
	}
	while (n > 0)
		free(p[--n]);
	if (before == (uintptr_t)-1 || after == (uintptr_t)-1 || after <= before) {
		/* Another allocator (a sanitizer's), or the room refused: the
		 * heap grows as before. */
		mallopt(M_TOP_PAD, DEFAULT_PAD);
		return 0;
	}
	from = (before + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
	to = after & ~(HUGE_PAGE - 1);
	if (to > from && madvise((void *)from, to - from, MADV_HUGEPAGE) == 0)
		return 1;
	/* No whole huge page in the room, or the kernel said no: the room
	 * stays (it is taken), later growth is glibc's own again. */
	mallopt(M_TOP_PAD, DEFAULT_PAD);
	return 0;
}
