/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "report.h"
#include "report_doc.h"
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

/* The finding a checklist id ("f12") names, or NULL. */
static const struct np_finding *by_id(const struct np_report *r, const json_t *id)
{
	const char *s = json_string_value(id);
	char *end;
	unsigned long n;

	if (!s || s[0] != 'f')
		return NULL;
	n = strtoul(s + 1, &end, 10);
	return *end || n == 0 || n > r->n_findings ? NULL : r->findings[n - 1];
}

/* One testsuite per checklist item (checklist.h), in its order: a CI
 * page then reads as the profile's prerequisites, each with its cases. */
int np_report_write_junit(const struct np_report *r, FILE *out)
{
	json_t *doc = np_report_json(r);
	const json_t *list = json_object_get(json_object_get(doc, "summary"), "checklist"), *it, *id;
	size_t i, k;

	if (!json_is_array(list)) {
		json_decref(doc);
		return NP_ENOMEM;
	}
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"netprobe\">\n", out);
	json_array_foreach(list, i, it) {
		const json_t *ids = json_object_get(it, "findings");
		size_t tests = 0, failures = 0, errors = 0, skipped = 0;

		json_array_foreach(ids, k, id) {
			const struct np_finding *f = by_id(r, id);

			if (!f)
				continue;
			tests++;
			failures += f->status == NP_FAIL;
			errors += f->status == NP_ERROR;
			skipped += f->status == NP_SKIP;
		}
		fputs("  <testsuite name=\"", out);
		np_xml_escaped(out, np_doc_str(it, "item"));
		fprintf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" hostname=\"",
			tests, failures, errors, skipped);
		np_xml_escaped(out, r->hostname);
		fputs("\">\n    <properties><property name=\"checklist\" value=\"", out);
		np_xml_escaped(out, np_doc_str(it, "line"));
		fputs("\"/></properties>\n", out);
		json_array_foreach(ids, k, id)
			if (by_id(r, id))
				testcase(out, by_id(r, id));
		fputs("  </testsuite>\n", out);
	}
	fputs("</testsuites>\n", out);
	json_decref(doc);
	if (fflush(out) == EOF || ferror(out))
		return NP_EIO;
	return 0;
}
