/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "report.h"
#include "xml.h"

static void testcase(FILE *out, const struct np_finding *f)
{
	fputs("    <testcase classname=\"netprobe.", out);
	np_xml_escaped(out, f->check);
	fputs("\" name=\"", out);
	np_xml_escaped(out, f->target);
	if (f->address[0] && strcmp(f->address, f->target) != 0) {
		fputs(" (", out);
		np_xml_escaped(out, f->address);
		fputc(')', out);
	}
	fputs("\">\n", out);
	if (f->status == NP_FAIL || f->status == NP_ERROR) {
		fputs(f->status == NP_FAIL ? "      <failure type=\"" : "      <error type=\"", out);
		np_xml_escaped(out, f->verdict->code);
		fputs("\" message=\"", out);
		np_xml_escaped(out, f->summary);
		fputs("\">", out);
		np_xml_escaped(out, f->summary);
		if (f->advice[0]) {
			fputs("\nAdvice: ", out);
			np_xml_escaped(out, f->advice);
		}
		fputs(f->status == NP_FAIL ? "</failure>\n" : "</error>\n", out);
	} else if (f->status == NP_SKIP) {
		fputs("      <skipped message=\"", out);
		np_xml_escaped(out, f->summary);
		fputs("\"/>\n", out);
	}
	fputs("      <system-out>", out);
	np_xml_escaped(out, f->verdict->code);
	fputs(": ", out);
	np_xml_escaped(out, f->summary);
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
		np_xml_escaped(out, checks[j]);
		fprintf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" hostname=\"",
			tests, failures, errors, skipped);
		np_xml_escaped(out, r->hostname);
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
