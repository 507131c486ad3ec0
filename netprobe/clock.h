/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_CLOCK_H
#define NETPROBE_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Every timer and duration runs on CLOCK_MONOTONIC, in microseconds; the
 * wall clock is read only for report timestamps. */
static inline int64_t np_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

#endif
