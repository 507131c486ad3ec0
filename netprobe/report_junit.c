#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "report.h"

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
static void xml_escaped(FILE *out, const char *str)
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

static void testcase(FILE *out, const struct np_finding *f)
{
	fputs("    <testcase classname=\"netprobe.", out);
	xml_escaped(out, f->check);
	fputs("\" name=\"", out);
	xml_escaped(out, f->target);
	if (f->address[0] && strcmp(f->address, f->target) != 0) {
		fputs(" (", out);
		xml_escaped(out, f->address);
		fputc(')', out);
	}
	fputs("\">\n", out);
	if (f->status == NP_FAIL || f->status == NP_ERROR) {
		fputs(f->status == NP_FAIL ? "      <failure type=\"" : "      <error type=\"", out);
		xml_escaped(out, f->verdict->code);
		fputs("\" message=\"", out);
		xml_escaped(out, f->summary);
		fputs("\">", out);
		xml_escaped(out, f->summary);
		if (f->advice[0]) {
			fputs("\nAdvice: ", out);
			xml_escaped(out, f->advice);
		}
		fputs(f->status == NP_FAIL ? "</failure>\n" : "</error>\n", out);
	} else if (f->status == NP_SKIP) {
		fputs("      <skipped message=\"", out);
		xml_escaped(out, f->summary);
		fputs("\"/>\n", out);
	}
	fputs("      <system-out>", out);
	xml_escaped(out, f->verdict->code);
	fputs(": ", out);
	xml_escaped(out, f->summary);
	fputs("</system-out>\n    </testcase>\n", out);
}

int np_report_write_junit(const struct np_report *r, FILE *out)
{
	const char **checks = calloc(r->n_findings + 1, sizeof(*checks));
	size_t n_checks = 0;

	if (!checks)
		return NP_ENOMEM;
	/* One testsuite per check, in order of first appearance. */
	for (size_t i = 0; i < r->n_findings; i++) {
		size_t j;

		for (j = 0; j < n_checks; j++)
			if (strcmp(checks[j], r->findings[i]->check) == 0)
				break;
		if (j == n_checks)
			checks[n_checks++] = r->findings[i]->check;
	}
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"netprobe\">\n", out);
	for (size_t j = 0; j < n_checks; j++) {
		size_t tests = 0, failures = 0, errors = 0, skipped = 0;

		for (size_t i = 0; i < r->n_findings; i++) {
			const struct np_finding *f = r->findings[i];

			if (strcmp(f->check, checks[j]) != 0)
				continue;
			tests++;
			failures += f->status == NP_FAIL;
			errors += f->status == NP_ERROR;
			skipped += f->status == NP_SKIP;
		}
		fputs("  <testsuite name=\"", out);
		xml_escaped(out, checks[j]);
		fprintf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" hostname=\"",
			tests, failures, errors, skipped);
		xml_escaped(out, r->hostname);
		fputs("\">\n", out);
		for (size_t i = 0; i < r->n_findings; i++)
			if (strcmp(r->findings[i]->check, checks[j]) == 0)
				testcase(out, r->findings[i]);
		fputs("  </testsuite>\n", out);
	}
	fputs("</testsuites>\n", out);
	free(checks);
	if (fflush(out) == EOF || ferror(out))
		return NP_EIO;
	return 0;
}
