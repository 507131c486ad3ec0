/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer harness for the HTTP response head reader (a proxy's answer to
 * CONNECT, a server's to GET/HEAD: outside input) and the escaping that
 * quotes such bytes in findings. The input is fed as it would come off a
 * socket, in growing prefixes. Invariants: a verdict never changes once
 * given (a refused answer stays refused, a complete head keeps its length),
 * a refusal says why, a head is within its bound, the strings it fills are
 * terminated and printable; escaped bytes are printable ASCII within the
 * buffer. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netprobe/escape.h"
#include "netprobe/proxy.h"

static void printable(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);

	if (n == cap)
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	char out[NP_ESCAPE_MAX], small[9];
	struct np_http_head h, first;
	int verdict = 0;
	size_t step = size > 64 ? size / 16 : 1;

	memcpy(buf, data, size);
	for (size_t n = 0; n <= size; n = n < size && n + step > size ? size : n + step) {
		int r = np_http_head_parse(buf, n, &h);

		if (r != 1 && r != 0 && r != NP_EINVAL)
			abort();
		if (r == NP_EINVAL && (!h.why || !*h.why))
			abort();
		if (r == 1) {
			if (h.length == 0 || h.length > n || h.length > NP_HTTP_HEAD_MAX || h.status < 100 ||
			    h.status > 999)
				abort();
			printable(h.status_line, sizeof(h.status_line));
			printable(h.auth, sizeof(h.auth));
		}
		if (verdict == 1 && (r != 1 || h.length != first.length || h.status != first.status))
			abort();
		if (verdict == NP_EINVAL && r != NP_EINVAL)
			abort();
		if (r != 0 && verdict == 0) {
			verdict = r;
			first = h;
		}
		if (n == size)
			break;
	}
	/* A complete head's body, skipped as before the next leg of proxy
	 * authentication: whole, then byte by byte; both agree, never take
	 * more than is there nor go past the bound. */
	if (verdict == 1) {
		struct np_http_body b1, b2;
		size_t used = 0, u = 0, i;
		int r1 = 0, r2 = 0;

		if (np_http_body_init(&b1, &first) == 1) {
			np_http_body_init(&b2, &first);
			r1 = np_http_body_feed(&b1, buf + first.length, size - first.length, &used);
			if (used > size - first.length || b1.total > NP_HTTP_BODY_MAX + 1)
				abort();
			for (i = first.length; i < size && r2 == 0; i++) {
				r2 = np_http_body_feed(&b2, buf + i, 1, &u);
				if (u > 1)
					abort();
			}
			if (r1 != r2 || (r1 == 1 && i - first.length != used))
				abort();
		}
	}
	np_escape_bytes(buf, size, NP_ESCAPE_SHOW, out, sizeof(out));
	printable(out, sizeof(out));
	np_escape_bytes(buf, size, NP_ESCAPE_SHOW, small, sizeof(small));
	printable(small, sizeof(small));
	free(buf);
	return 0;
}
