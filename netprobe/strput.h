/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NP_STRPUT_H
#define NP_STRPUT_H

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
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

/* vsnprintf, with a format of texts only ("%s says %s does not exist")
 * put together piece by piece: what vsnprintf would write (a NULL text
 * reads "(null)", as glibc has it) and its full length, at a tenth of
 * the cost. Any other directive goes to vsnprintf. */
static inline int np_str_vformat(char *buf, size_t len, const char *fmt, va_list ap)
{
	const char *p;
	size_t at = 0, total = 0;

	for (p = fmt; (p = strchr(p, '%')) && p[1] == 's'; p += 2)
		;
	if (p)
		return vsnprintf(buf, len, fmt, ap);
	if (len)
		buf[0] = '\0';
	for (p = fmt;;) {
		size_t lit = strcspn(p, "%");
		const char *s;

		at = np_str_put(buf, len, at, p, lit);
		total += lit;
		p += lit;
		if (!*p)
			break;
		s = va_arg(ap, const char *);
		if (!s)
			s = "(null)";
		lit = strlen(s);
		at = np_str_put(buf, len, at, s, lit);
		total += lit;
		p += 2;
	}
	return total > INT_MAX ? -1 : (int)total;
}

#endif
