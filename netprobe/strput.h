/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NP_STRPUT_H
#define NP_STRPUT_H

#include <string.h>

/* ASCII case folding and classes, as DNS compares names: the <ctype.h>
 * ones call into libc for their table at every byte, and hashing a name
 * per packet is hot. */
static inline unsigned np_ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static inline int np_ascii_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Append at most max bytes of s to buf (len bytes) at offset at, cutting
 * to fit and keeping buf NUL-terminated; returns the new offset. For the
 * texts made once per query or finding, where snprintf with a precision
 * ("%.200s") costs a thousand instructions and sometimes a malloc. */
static inline size_t np_str_put(char *buf, size_t len, size_t at, const char *s, size_t max)
{
	size_t n = strnlen(s, max);

	if (len == 0 || at >= len)
		return at;
	if (n > len - 1 - at)
		n = len - 1 - at;
	memcpy(buf + at, s, n);
	buf[at + n] = '\0';
	return at + n;
}

/* Append the decimal digits of v. */
static inline size_t np_str_put_uint(char *buf, size_t len, size_t at, unsigned long long v)
{
	char d[24];
	size_t i = sizeof(d) - 1;

	d[i] = '\0';
	do
		d[--i] = (char)('0' + v % 10);
	while ((v /= 10) && i > 0);
	return np_str_put(buf, len, at, d + i, sizeof(d));
}

#endif
