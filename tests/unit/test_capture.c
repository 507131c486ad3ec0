/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The live capture's kernel ring, sized from the run: libpcap's TPACKET_V2
 * slots are fixed and sized from the snap length, so the snap length
 * decides how many packets a megabyte holds. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "netprobe/capture.h"

/* Figures measured from /proc/PID/smaps of a capture on "any" (libpcap
 * 1.10.3): 256 bytes take 11 slots a page, 1520 bytes 2, 65535 bytes one
 * slot in a 128 KiB block. */
static void slots_follow_the_snap_length(void **state)
{
	size_t slots, bytes;

	(void)state;
	np_capture_ring_size(NP_CAPTURE_SNAP_FRAME, 4800, &slots, &bytes);
	assert_int_equal(slots, 4800);
	assert_int_equal(bytes, 2400 * 4096);          /* 9.4 MiB for 300 TLS probes */
	np_capture_ring_size(NP_CAPTURE_SNAP_HEADERS, 4800, &slots, &bytes);
	assert_int_equal(slots, 437 * 11);
	assert_int_equal(bytes, 437 * 4096);
	np_capture_ring_size(65535, 4800, &slots, &bytes);
	assert_int_equal(slots, 512);                   /* capped: 64 MiB */
	assert_int_equal(bytes, (size_t)64 << 20);
}

/* A one-target run still gets room for a burst of other traffic; a huge
 * one stops at the cap. */
static void ring_has_a_floor_and_a_ceiling(void **state)
{
	size_t slots, bytes;

	(void)state;
	np_capture_ring_size(NP_CAPTURE_SNAP_FRAME, 16, &slots, &bytes);
	assert_int_equal(slots, NP_CAPTURE_MIN_SLOTS);
	assert_int_equal(bytes, (size_t)2 << 20);
	np_capture_ring_size(NP_CAPTURE_SNAP_FRAME, (size_t)65536 * 16, &slots, &bytes);
	assert_int_equal(bytes, NP_CAPTURE_MAX_RING);
	assert_int_equal(slots, NP_CAPTURE_MAX_RING / 2048);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(slots_follow_the_snap_length),
		cmocka_unit_test(ring_has_a_floor_and_a_ceiling),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
