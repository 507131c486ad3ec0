/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "xml.h"

#include <stdarg.h>

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlongs, no
 * surrogates, nothing past U+10FFFF), or 0 if it is not one. */
static size_t utf8_len(const unsigned char *s)
{
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (s[0] >= 0xe0 && s[0] <= 0xef) {
		unsigned lo = s[0] == 0xe0 ? 0xa0 : 0x80, hi = s[0] == 0xed ? 0x9f : 0xbf;

		return s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 ? 3 : 0;
	}
	if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		unsigned lo = s[0] == 0xf0 ? 0x90 : 0x80, hi = s[0] == 0xf4 ? 0x8f : 0xbf;

		return s[1] >= lo && s[1] <= hi && (s[2] & 0xc0) == 0x80 &&
		       (s[3] & 0xc0) == 0x80 ? 4 : 0;
	}
	return 0;
}

/* XML 1.0 allows no control characters but tab, LF and CR (section 2.2)
 * and the file says UTF-8: controls become '?', bytes that are not UTF-8
 * become U+FFFD, the five specials are escaped. Text from the network
 * must never make the report unreadable. */
void np_xml_escaped(FILE *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	while (s && *s) {
		unsigned char c = *s;

		if (c >= 0x80) {
			size_t n = utf8_len(s);

			if (n) {
				fwrite(s, 1, n, out);
				s += n;
			} else {
				fputs("\xef\xbf\xbd", out);
				s++;
			}
			continue;
		}
		switch (c) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&apos;", out); break;
		default:
			fputc(c < 0x20 && c != '\t' && c != '\n' && c != '\r' ? '?' : c, out);
		}
		s++;
	}
}

void np_xml_fill(FILE *out, const char *tmpl, ...)
{
	va_list ap;

	va_start(ap, tmpl);
	for (const char *p = tmpl; *p; p++) {
		if (p[0] == '%' && p[1] == 's') {
			np_xml_escaped(out, va_arg(ap, const char *));
			p++;
		} else if (p[0] == '%' && p[1] == '%') {
			fputc('%', out);
			p++;
		} else {
			fputc(*p, out);
		}
	}
	va_end(ap);
}
