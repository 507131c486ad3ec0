/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_REPORT_HTML_H
#define NETPROBE_REPORT_HTML_H

#include <stdio.h>

#include <jansson.h>

/*
 * A JSON report document (np_report_json) or a merge of several
 * (np_merge_document) as one self-contained page: no script, no external
 * resource, XHTML markup (well-formed XML) with inline CSS (a print
 * stylesheet too) and inline SVG: host and run facts, the pass/fail
 * summary, the findings with advice and evidence frames, the idle ladder
 * as a timeline, timing bars per endpoint, the path trace; for a merge a
 * table of (check, target, path) rows with one column per host first.
 * Every text taken from the document is escaped. 0, NP_EINVAL for a
 * document that is neither, NP_EIO when a write fails.
 */
int np_report_write_html(const json_t *doc, FILE *out);

#endif
