/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "term.h"
#include "../netprobe/merge.h"
#include "../netprobe/report_doc.h"

/* Options that make no sense without a run of probes. */
static int refuse_run_options(struct np_cmd_ctx *ctx)
{
	const char *opt = ctx->junit_path ? "--junit" : ctx->prom_path ? "--prom" :
			  ctx->pcap_path ? "--pcap" : ctx->no_capture ? "--no-capture" : NULL;

	if (opt) {
		np_cmd_error(ctx, "%s: merge reads reports, it runs no probe (give --html and/or --json)", opt);
		return 2;
	}
	if (!ctx->html_path && !ctx->json_path) {
		np_cmd_error(ctx, "nothing to write: give --html FILE and/or --json FILE");
		return 2;
	}
	return 0;
}

/* One line per host column: who, and how its findings went. */
static void host_lines(struct np_term *term, const json_t *doc, size_t counts[NP_STATUS_COUNT + 1])
{
	const json_t *reports = json_object_get(doc, "reports"), *host, *ri;
	size_t i, k;

	memset(counts, 0, (NP_STATUS_COUNT + 1) * sizeof(counts[0]));
	json_array_foreach(json_object_get(doc, "hosts"), i, host) {
		size_t c[NP_STATUS_COUNT + 1] = {0}, n = 0;
		const json_t *src = json_object_get(host, "sources");
		const json_t *f;

		json_array_foreach(json_object_get(host, "reports"), k, ri) {
			const json_t *rep = json_object_get(json_array_get(reports, (size_t)json_integer_value(ri)),
							    "report");
			size_t j;

			json_array_foreach(json_object_get(rep, "findings"), j, f) {
				c[np_doc_status(f)]++;
				counts[np_doc_status(f)]++;
				n++;
			}
		}
		np_term_note(term, "host %zu: %s%s%s: %zu report%s, %zu findings: %zu failed, %zu could not run, "
			     "%zu warned", i + 1, np_doc_str(host, "hostname"), json_array_size(src) ? " " : "",
			     json_array_size(src) ? json_string_value(json_array_get(src, 0)) : "",
			     json_array_size(json_object_get(host, "reports")),
			     json_array_size(json_object_get(host, "reports")) == 1 ? "" : "s", n, c[NP_FAIL],
			     c[NP_ERROR], c[NP_WARN]);
	}
}

static int merge_exec(struct np_cmd_ctx *ctx)
{
	char errbuf[NP_ERRBUF_SIZE];
	struct np_cmd_outputs outs = {0};
	struct np_merge *m = NULL;
	struct np_term *term = NULL;
	size_t counts[NP_STATUS_COUNT + 1];
	json_t *doc = NULL;
	int rc;

	rc = refuse_run_options(ctx);
	if (rc)
		return rc;
	rc = 3;
	m = np_merge_new();
	if (!m) {
		np_cmd_error(ctx, "out of memory");
		goto out;
	}
	/* Every input read and checked before any output is opened: a bad
	 * file leaves the last good merge where it was. */
	for (size_t i = 0; i < ctx->n_targets; i++) {
		int err = np_merge_add_file(m, ctx->targets[i], errbuf);

		if (err < 0) {
			np_cmd_error(ctx, "%s", errbuf);
			rc = err == NP_ENOMEM ? 3 : 2;
			goto out;
		}
	}
	if (np_cmd_open_reports(ctx, &outs)) {
		rc = 2;
		goto out;
	}
	term = np_term_new(np_cmd_reports_on_stdout(&outs) ? stderr : stdout, ctx->quiet, ctx->no_color);
	doc = np_merge_document(m);
	if (!term || !doc) {
		np_cmd_error(ctx, "out of memory");
		goto out;
	}
	host_lines(term, doc, counts);
	np_term_note(term, "merged %zu report%s of %zu host%s into %zu rows", np_merge_count(m),
		     np_merge_count(m) == 1 ? "" : "s", json_array_size(json_object_get(doc, "hosts")),
		     json_array_size(json_object_get(doc, "hosts")) == 1 ? "" : "s",
		     json_array_size(json_object_get(doc, "rows")));
	/* The exit status of a run of all of them: 1 if anything failed. */
	rc = counts[NP_FAIL] ? 1 : counts[NP_ERROR] ? 3 : 0;
	if (np_cmd_write_doc(ctx, term, doc, NULL, &outs) < 0)
		rc = 3;
out:
	np_cmd_close_reports(&outs);
	json_decref(doc);
	np_merge_free(m);
	np_term_free(term);
	return rc;
}

const struct np_cmd_entry np_cmd_merge_entry = {
	.name = "merge",
	.usage = "REPORT.json... [--html FILE] [--json FILE]",
	.summary = "one sign-off report from many hosts' JSON reports, one column per host",
	.help =
	"Each REPORT.json is what --json wrote on one host (or an earlier merge, whose\n"
	"reports are taken one by one). The HTML report has one row per check, target and\n"
	"path and one column per host (host name and source addresses) with the worst\n"
	"status and the verdicts there, then each host's facts and findings as a single\n"
	"run's report shows them. Reports from the same host name whose source addresses\n"
	"overlap share a column. --json writes the merged document (layout in the README).\n"
	"\n"
	"A file that cannot be read, is not JSON or is not a netprobe report (schema 1) is\n"
	"an error naming it (exit status 2); nothing is written then. Otherwise the exit\n"
	"status is that of one run of them all: 1 if a finding failed, 3 if one could not\n"
	"run, 0 otherwise.\n"
	"\n"
	"Example:\n"
	"  netprobe tls login.example.com --json site-a.json       (on each site)\n"
	"  netprobe merge site-a.json site-b.json --html signoff.html --json signoff.json",
	.opts = NULL,
	.min_targets = 1,
	.max_targets = -1,
	.exec = merge_exec,
};
