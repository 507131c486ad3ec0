/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_ESCAPE_H
#define NETPROBE_ESCAPE_H

/*
 * Bytes from the network quoted in a finding ("what came back"): a peer
 * that answers garbage is told apart from one that does not answer by
 * showing the first bytes, so they must be safe to print anywhere (a
 * terminal, a JUnit file) and short. Pure: no allocation.
 */

#include <stddef.h>

/* How many bytes a summary shows, and a buffer that always holds them
 * escaped: quotes, 4 bytes per input byte at worst, the cut mark. */
#define NP_ESCAPE_SHOW 64
#define NP_ESCAPE_MAX (2 + 4 * NP_ESCAPE_SHOW + 3 + 1)

/*
 * buf[0..len) in single quotes, printable ASCII as it is, \r \n \t \' \\
 * escaped as in C and every other byte as \xHH; after max bytes it is cut
 * and "..." follows the closing quote. out is always terminated (when
 * outlen > 0): an escape that does not fit is left out whole. Returns out.
 */
char *np_escape_bytes(const void *buf, size_t len, size_t max, char *out, size_t outlen);

#endif
