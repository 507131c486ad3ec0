/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_RATELIMIT_H
#define NETPROBE_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "error.h"

/*
 * A token bucket per source address: `rate` tokens a second, at most
 * `burst` held, a new source starting full. The table of sources is bounded:
 * when it is full the source seen least recently is forgotten (it comes
 * back, if ever, with a full bucket). An IPv4-mapped IPv6 address counts as
 * the IPv4 address; ports do not count. Time is the caller's, on
 * CLOCK_MONOTONIC: the table does no I/O.
 */

struct np_ratelimit;

struct np_ratelimit *np_ratelimit_new(unsigned rate, unsigned burst, size_t max_sources, char *errbuf);
void np_ratelimit_free(struct np_ratelimit *rl);

/* 1: a token was taken, go on; 0: over the limit. */
int np_ratelimit_take(struct np_ratelimit *rl, const struct sockaddr *src, int64_t now_us);

/* Sources in the table now. */
size_t np_ratelimit_count(const struct np_ratelimit *rl);

#endif
