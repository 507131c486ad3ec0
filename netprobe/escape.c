/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "escape.h"

#include <stdio.h>
#include <string.h>

/* Append s if all of it fits with room for the terminator: 1, else 0. */
static int put(char *out, size_t outlen, size_t *w, const char *s)
{
	size_t n = strlen(s);

	if (*w + n >= outlen)
		return 0;
	memcpy(out + *w, s, n + 1);
	*w += n;
	return 1;
}

char *np_escape_bytes(const void *buf, size_t len, size_t max, char *out, size_t outlen)
{
	const unsigned char *b = buf;
	size_t w = 0, n = len < max ? len : max;
	int ok;

	if (outlen == 0)
		return out;
	out[0] = '\0';
	ok = put(out, outlen, &w, "'");
	for (size_t i = 0; ok && i < n; i++) {
		char e[5];

		switch (b[i]) {
		case '\r': snprintf(e, sizeof(e), "\\r"); break;
		case '\n': snprintf(e, sizeof(e), "\\n"); break;
		case '\t': snprintf(e, sizeof(e), "\\t"); break;
		case '\'': snprintf(e, sizeof(e), "\\'"); break;
		case '\\': snprintf(e, sizeof(e), "\\\\"); break;
		default:
			if (b[i] >= 0x20 && b[i] < 0x7f)
				snprintf(e, sizeof(e), "%c", b[i]);
			else
				snprintf(e, sizeof(e), "\\x%02x", b[i]);
		}
		ok = put(out, outlen, &w, e);
	}
	if (ok)
		ok = put(out, outlen, &w, "'");
	if (ok && len > n)
		put(out, outlen, &w, "...");
	return out;
}
