/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The heap of a big run in huge pages (netprobe/heap.c): what malloc
 * hands out afterwards lies in a mapping the kernel marked for huge pages
 * (smaps' VmFlags "hg"); too small a reservation changes nothing; under a
 * sanitizer's allocator it declines. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netprobe/heap.h"

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

/* 1 if the mapping holding p is marked for huge pages, 0 if not, -1 if
 * no mapping holds it. */
static int huge_at(const void *p)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	int in = 0, r = -1;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;

		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
			in = (uintptr_t)p >= lo && (uintptr_t)p < hi;
			continue;
		}
		if (in && strncmp(line, "VmFlags:", 8) == 0) {
			r = strstr(line, " hg") != NULL;
			break;
		}
	}
	fclose(f);
	return r;
}

static void too_small_a_room_changes_nothing(void **state)
{
	(void)state;
	assert_int_equal(np_heap_reserve(1 << 20), 0);
}

static void later_blocks_lie_in_huge_pages(void **state)
{
	void *blocks[64];
	int huge = 0;

	(void)state;
	if (SANITIZED) {
		assert_int_equal(np_heap_reserve((size_t)64 << 20), 0);
		return;
	}
	assert_int_equal(np_heap_reserve((size_t)64 << 20), 1);
	/* A finding's size, many times: past the first huge page boundary
	 * above the old top, they are in the marked room. */
	for (size_t i = 0; i < 64; i++) {
		blocks[i] = malloc(64 << 10);
		assert_non_null(blocks[i]);
		memset(blocks[i], 1, 64 << 10);
	}
	for (size_t i = 0; i < 64; i++)
		huge |= huge_at(blocks[i]) == 1;
	assert_true(huge);
	assert_int_equal(huge_at(blocks[63]), 1);
	for (size_t i = 0; i < 64; i++)
		free(blocks[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(too_small_a_room_changes_nothing),
		cmocka_unit_test(later_blocks_lie_in_huge_pages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
