/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The HTML report: one self-contained XHTML page rendered from the JSON
 * document, for a single run or a merge of many hosts' runs. */
#include "report_html.h"

#include <stdlib.h>
#include <string.h>

#include "checklist.h"
#include "error.h"
#include "merge.h"
#include "report_doc.h"
#include "report_html_int.h"
#include "xml.h"

#ifndef NP_VERSION
#define NP_VERSION "unknown"
#endif

/* No url(), no @import, no font files: the page must open with no network
 * and print the same (colours kept, tables not split inside a row). */
static const char css[] =
	":root{--pass:#1a7f37;--warn:#9a6700;--fail:#cf222e;--error:#8250df;--skip:#6e7781;"
	"--ink:#1f2328;--muted:#57606a;--line:#d0d7de;--bg:#f6f8fa}\n"
	"*{box-sizing:border-box}\n"
	"body{font:14px/1.45 system-ui,-apple-system,\"Segoe UI\",Roboto,\"Helvetica Neue\",Arial,sans-serif;"
	"color:var(--ink);margin:0 auto;max-width:1240px;padding:24px}\n"
	"h1{font-size:24px;margin:0 0 4px}\n"
	"h2{font-size:19px;margin:28px 0 8px;padding-bottom:4px;border-bottom:1px solid var(--line)}\n"
	"h3{font-size:16px;margin:22px 0 6px}h4{font-size:14px;margin:16px 0 6px}\n"
	".lead{color:var(--muted);margin:0 0 12px}\n"
	".banner{padding:10px 16px;border-radius:6px;font-weight:600;font-size:16px;color:#fff;margin:8px 0}\n"
	"table{border-collapse:collapse;width:100%;margin:6px 0 12px}\n"
	"th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}\n"
	"th{background:var(--bg);font-weight:600}\n"
	"table.facts th{width:190px}\n"
	"td.num{text-align:right;white-space:nowrap}\n"
	".st{display:inline-block;min-width:46px;text-align:center;padding:1px 6px;border-radius:10px;"
	"color:#fff;font-size:11px;font-weight:700;text-transform:uppercase}\n"
	".st-pass{background:var(--pass)}.st-warn{background:var(--warn)}.st-fail{background:var(--fail)}"
	".st-error{background:var(--error)}.st-skip,.st-unknown{background:var(--skip)}\n"
	".counts .st{margin-right:4px}.counts span.n{margin-right:14px}\n"
	"code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}\n"
	"td{overflow-wrap:break-word}td code{white-space:nowrap}\n"
	".advice{color:var(--muted);margin-top:4px}\n"
	".advice::before{content:\"Advice: \";font-weight:600}\n"
	"ul.ev{margin:0;padding-left:16px;font-size:12px}\n"
	".frame{font-weight:600}\n"
	".note{color:var(--muted);font-size:12px}\n"
	"figure.chart{margin:8px 0 16px}\n"
	"figcaption{font-weight:600;margin-bottom:4px}\n"
	"svg.chart{max-width:100%;height:auto;font:11px system-ui,sans-serif}"
	"figure.timing svg.chart{display:block;break-inside:avoid}\n"
	"svg .grid{stroke:#e1e4e8}svg .tick{fill:var(--muted)}svg .rung{fill:var(--ink)}\n"
	"svg .plan{fill:#f6f8fa;stroke:#8c959f;stroke-dasharray:4 3}\n"
	"svg .bar.kept{fill:var(--pass)}svg .bar.lost{fill:var(--fail)}svg .bar.closed{fill:var(--warn)}"
	"svg .bar.none{fill:var(--skip)}\n"
	"svg .kill{stroke-width:3;fill:none}svg .kill.lost{stroke:#82071e}svg .kill.closed{stroke:#7d4e00}\n"
	"svg .who{fill:var(--muted)}svg .who.lost{fill:var(--fail);font-weight:600}svg .who.closed{fill:var(--warn)}"
	"svg .who.kept{fill:var(--pass)}\n"
	"svg .req{stroke:var(--fail);stroke-width:2;stroke-dasharray:6 3}svg .reqtext{fill:var(--fail);font-weight:600}\n"
	".ph-dns{fill:#54aeff}.ph-connect{fill:#2da44e}.ph-proxy{fill:#bf8700}.ph-tls{fill:#8250df}\n"
	"tr.changed td{background:#fff8c5}\n"
	"table.checklist{font-size:13px;line-height:1.35}table.checklist th.item{width:190px}"
	"table.checklist td.st-cell{width:64px}table.checklist td.links{width:150px;font-size:12px}"
	"table.checklist a{margin-right:6px}\n"
	"caption{text-align:left;font-weight:600;padding:4px 0}caption.note{font-weight:400}\n"
	"tr:target td{background:#fff8c5}\n"
	"table.matrix td.cell{min-width:130px}table.matrix .v{display:block;font-size:12px}\n"
	"td.none{color:var(--muted);font-style:italic}\n"
	"section.host{margin-top:36px}\n"
	"footer{margin-top:32px;color:var(--muted);font-size:12px;border-top:1px solid var(--line);padding-top:8px}\n"
	"@media print{body{max-width:none;padding:0;font-size:10pt}h2,h3,figcaption{break-after:avoid}"
	"tr,figure,.banner,svg{break-inside:avoid}figure.timing{break-inside:auto}"
	"thead{display:table-header-group}"
	"section.checklist a{color:inherit;text-decoration:none}"
	"section.host{break-before:page}"
	".banner,.st,svg,tr.changed td{-webkit-print-color-adjust:exact;print-color-adjust:exact}}\n"
	"@page{size:A4;margin:14mm}\n";

static const char *const status_classes[] = {
	[NP_PASS] = "st-pass", [NP_WARN] = "st-warn", [NP_FAIL] = "st-fail",
	[NP_ERROR] = "st-error", [NP_SKIP] = "st-skip",
};

const char *np_html_status_class(enum np_status s)
{
	return s < NP_STATUS_COUNT ? status_classes[s] : "st-unknown";
}

void np_html_badge(FILE *out, enum np_status s)
{
	fprintf(out, "<span class=\"st %s\">%s</span>", np_html_status_class(s),
		s < NP_STATUS_COUNT ? np_status_name(s) : "?");
}

void np_html_head(FILE *out, const char *title, const char *host)
{
	/* XHTML syntax in an HTML5 page: browsers read it as HTML, xmllint
	 * can check that it is well-formed. */
	fputs("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n"
	      "<meta charset=\"utf-8\"/>\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
	      "<title>", out);
	np_xml_escaped(out, title);
	if (host && host[0]) {
		fputs(": ", out);
		np_xml_escaped(out, host);
	}
	fprintf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", css);
}

void np_html_foot(FILE *out, const char *what)
{
	fprintf(out, "<footer>netprobe %s: rendered from %s (JSON schema 1). Status codes and verdicts are "
		"explained in netprobe's README.</footer>\n</body>\n</html>\n", NP_VERSION, what);
}

static void count_findings(const json_t *findings, size_t c[NP_STATUS_COUNT + 1])
{
	size_t i;
	const json_t *f;

	memset(c, 0, (NP_STATUS_COUNT + 1) * sizeof(c[0]));
	json_array_foreach(findings, i, f)
		c[np_doc_status(f)]++;
}

/* The one line a reader looks at first. */
static void banner(FILE *out, const size_t c[NP_STATUS_COUNT + 1], size_t total)
{
	if (c[NP_FAIL])
		fprintf(out, "<div class=\"banner st-fail\">FAIL: %zu of %zu findings failed</div>\n", c[NP_FAIL], total);
	else if (c[NP_ERROR])
		fprintf(out, "<div class=\"banner st-error\">INCOMPLETE: %zu of %zu checks could not run</div>\n",
			c[NP_ERROR], total);
	else if (total == 0)
		fputs("<div class=\"banner st-skip\">NO FINDINGS</div>\n", out);
	else if (c[NP_WARN])
		fprintf(out, "<div class=\"banner st-warn\">PASS with %zu warning%s (%zu findings)</div>\n",
			c[NP_WARN], c[NP_WARN] == 1 ? "" : "s", total);
	else
		fprintf(out, "<div class=\"banner st-pass\">PASS: all %zu findings passed</div>\n", total);
}

static void counts_line(FILE *out, const size_t c[NP_STATUS_COUNT + 1])
{
	static const enum np_status order[] = {NP_FAIL, NP_ERROR, NP_WARN, NP_SKIP, NP_PASS};

	fputs("<p class=\"counts\">", out);
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		np_html_badge(out, order[i]);
		fprintf(out, "<span class=\"n\">%zu</span>", c[order[i]]);
	}
	fputs("</p>\n", out);
}

static void str_list(FILE *out, const json_t *a)
{
	size_t i, n = 0;
	const json_t *v;

	json_array_foreach(a, i, v)
		if (json_is_string(v)) {
			fputs(n++ ? ", " : "", out);
			np_xml_escaped(out, json_string_value(v));
		}
	if (!n)
		fputs("none", out);
}

static void fact(FILE *out, const char *name)
{
	fprintf(out, "<tr><th scope=\"row\">%s</th><td>", name);
}

static void facts(FILE *out, const json_t *doc)
{
	const json_t *host = json_object_get(doc, "host"), *cap = json_object_get(doc, "capture");
	const json_t *env = json_object_get(host, "proxy_env"), *v;
	const char *key;
	double d;
	int n = 0;

	np_xml_fill(out, "<table class=\"facts\"><caption>Where and how it ran</caption><tbody>\n"
		    "<tr><th scope=\"row\">Host</th><td>%s</td></tr>\n", np_doc_str(host, "hostname"));
	fact(out, "Source addresses");
	str_list(out, json_object_get(host, "sources"));
	fputs("</td></tr>\n", out);
	fact(out, "Resolvers");
	str_list(out, json_object_get(host, "resolvers"));
	fputs("</td></tr>\n", out);
	fact(out, "Proxy variables");
	json_object_foreach((json_t *)env, key, v) {
		fputs(n++ ? "<br/>" : "", out);
		np_xml_escaped(out, key);
		fputc('=', out);
		np_xml_escaped(out, json_is_string(v) ? json_string_value(v) : "");
	}
	fprintf(out, "%s</td></tr>\n", n ? "" : "none");
	np_xml_fill(out, "<tr><th scope=\"row\">Command</th><td>netprobe %s (version %s)</td></tr>\n"
		    "<tr><th scope=\"row\">Started (UTC)</th><td>%s</td></tr>\n", np_doc_str(doc, "command"),
		    np_doc_str(doc, "version"), np_doc_str(doc, "started"));
	fact(out, "Duration");
	if (np_doc_num(doc, "duration_ms", &d))
		fprintf(out, d < 1000 ? "%.0f ms" : "%.1f s", d < 1000 ? d : d / 1000.0);
	fputs("</td></tr>\n", out);
	fact(out, "Packet capture");
	if (!json_is_object(cap)) {
		fputs("off (--no-capture)", out);
	} else if (!json_is_true(json_object_get(cap, "active"))) {
		np_xml_fill(out, "unavailable: %s", np_doc_str(cap, "unavailable"));
	} else {
		double pk = 0, dr = 0;

		np_doc_num(cap, "packets", &pk);
		np_doc_num(cap, "dropped", &dr);
		fprintf(out, "%.0f packets kept, %.0f dropped", pk, dr);
		if (np_doc_str(cap, "file")[0])
			np_xml_fill(out, "; evidence frames refer to <code>%s</code>", np_doc_str(cap, "file"));
	}
	fputs("</td></tr>\n", out);
	if (np_doc_str(doc, "interrupted")[0])
		np_xml_fill(out, "<tr><th scope=\"row\">Interrupted</th><td>%s: results cover what was known then</td></tr>\n",
			    np_doc_str(doc, "interrupted"));
	fputs("</tbody></table>\n", out);
}

static void evidence(FILE *out, const json_t *ev)
{
	size_t i;
	const json_t *e;
	double frame;

	if (!json_array_size(ev))
		return;
	fputs("<ul class=\"ev\">", out);
	json_array_foreach(ev, i, e) {
		fputs("<li>", out);
		if (np_doc_num(e, "frame", &frame))
			fprintf(out, "<span class=\"frame\">#%.0f</span> ", frame);
		else
			fputs("<span class=\"frame\">&#8211;</span> ", out);
		np_xml_escaped(out, np_doc_str(e, "text"));
		fputs("</li>", out);
	}
	fputs("</ul>", out);
}

static void findings_table(FILE *out, const json_t *findings, int h, const char *prefix)
{
	size_t n = json_array_size(findings), k = 0;
	const json_t **v = calloc(n ? n : 1, sizeof(*v));
	size_t *at = calloc(n ? n : 1, sizeof(*at));

	fprintf(out, "<section class=\"findings\">\n<h%d>Findings</h%d>\n", h, h);
	if (!v || !at || n == 0) {
		fprintf(out, "<p class=\"note\">%s</p>\n</section>\n", v && at ? "No findings." : "Out of memory.");
		free(v);
		free(at);
		return;
	}
	/* Problems first (fail, error, warn, skip, pass), report order within. */
	for (int sev = 4; sev >= -1; sev--)
		for (size_t i = 0; i < n; i++)
			if (np_doc_severity(np_doc_status(json_array_get(findings, i))) == sev) {
				at[k] = i;
				v[k++] = json_array_get(findings, i);
			}
	fputs("<table class=\"findings\"><caption>Every finding, problems first</caption><thead><tr>"
	      "<th scope=\"col\">Status</th><th scope=\"col\">Check</th><th scope=\"col\">Target</th>"
	      "<th scope=\"col\">Path</th><th scope=\"col\">Verdict</th><th scope=\"col\">Summary and advice</th>"
	      "<th scope=\"col\">Evidence (frame)</th></tr></thead>\n<tbody>\n", out);
	for (size_t i = 0; i < n; i++) {
		const json_t *f = v[i];
		const char *addr = np_doc_str(f, "address"), *advice = np_doc_str(f, "advice");
		char id[32];

		/* The checklist links here by the finding's place in the report. */
		np_checklist_id(at[i], id, sizeof(id));
		fprintf(out, "<tr id=\"%s%s\"><td>", prefix, id);
		np_html_badge(out, np_doc_status(f));
		np_xml_fill(out, "</td><td>%s</td><td>%s", np_doc_str(f, "check"), np_doc_str(f, "target"));
		if (addr[0] && strcmp(addr, np_doc_str(f, "target")) != 0)
			np_xml_fill(out, "<br/><span class=\"note\">%s</span>", addr);
		np_xml_fill(out, "</td><td>%s</td><td><code>%s</code></td><td>%s", np_doc_metric_str(f, "path"),
			    np_doc_str(f, "verdict"), np_doc_str(f, "summary"));
		if (advice[0])
			np_xml_fill(out, "<div class=\"advice\">%s</div>", advice);
		fputs("</td><td>", out);
		evidence(out, json_object_get(f, "evidence"));
		fputs("</td></tr>\n", out);
	}
	fputs("</tbody></table>\n</section>\n", out);
	free(v);
	free(at);
}

/*
 * The checklist, before anything else: each prerequisite with its status,
 * what is wrong and who must act, and links to its findings (those that
 * did not pass, or all when all passed). The JSON's summary.checklist when
 * the document has one, else built from its findings.
 */
static void checklist_section(FILE *out, const json_t *doc, int h, const char *prefix)
{
	const json_t *findings = json_object_get(doc, "findings");
	json_t *list = json_object_get(json_object_get(doc, "summary"), "checklist");
	const json_t *it, *id;
	size_t i, k;

	if (json_is_array(list))
		json_incref(list);
	else
		list = np_checklist_build(findings, NULL);
	if (!json_array_size(list)) {
		json_decref(list);
		return;
	}
	fprintf(out, "<section class=\"checklist\" aria-labelledby=\"%schecklist\">\n<h%d id=\"%schecklist\">"
		"Checklist</h%d>\n<table class=\"checklist\"><caption class=\"note\">Each prerequisite: the worst "
		"status of its findings, what is wrong and who must act, links to its findings</caption>\n<thead><tr>"
		"<th scope=\"col\">Status</th><th scope=\"col\">Prerequisite</th><th scope=\"col\">What is wrong, "
		"who must act</th><th scope=\"col\">Findings</th></tr></thead>\n<tbody>\n", prefix, h, prefix, h);
	json_array_foreach(list, i, it) {
		const json_t *links = json_object_get(it, "problems");
		enum np_status st = np_doc_status(it);

		if (!json_array_size(links))
			links = json_object_get(it, "findings");
		fputs("<tr><td class=\"st-cell\">", out);
		np_html_badge(out, st);
		np_xml_fill(out, "</td><th scope=\"row\" class=\"item\">%s</th><td>%s</td><td class=\"links\">",
			    np_doc_str(it, "item"), np_doc_str(it, "line"));
		json_array_foreach(links, k, id) {
			const char *s = json_is_string(id) ? json_string_value(id) : "";

			/* Ids are "f" and a number: anything else is not linked. */
			if (s[0] != 'f' || !s[1] || strspn(s + 1, "0123456789") != strlen(s + 1) || strlen(s) > 12)
				continue;
			if (k == 8) {
				fprintf(out, "and %zu more", json_array_size(links) - k);
				break;
			}
			fprintf(out, "<a href=\"#%s%s\">%s</a>", prefix, s, s);
		}
		fputs("</td></tr>\n", out);
	}
	fputs("</tbody></table>\n</section>\n", out);
	json_decref(list);
}

/* Everything about one report, under headings of level h; prefix makes
 * its anchors unique on a page of several. */
static void report_body(FILE *out, const json_t *doc, int h, const char *prefix)
{
	const json_t *findings = json_object_get(doc, "findings");
	size_t c[NP_STATUS_COUNT + 1];

	count_findings(findings, c);
	/* The answer first: which prerequisites hold, and who must act. */
	checklist_section(out, doc, h, prefix);
	fprintf(out, "<section class=\"run\">\n<h%d>Host and run</h%d>\n", h, h);
	facts(out, doc);
	counts_line(out, c);
	fputs("</section>\n", out);
	/* The pictures first: they say where it breaks at a glance; the
	 * table after them has every finding with its advice. */
	np_html_idle_section(out, findings, h);
	np_html_timing_section(out, findings, h);
	np_html_trace_section(out, findings, h);
	findings_table(out, findings, h, prefix);
}

static int write_report(const json_t *doc, FILE *out)
{
	const json_t *findings = json_object_get(doc, "findings");
	const char *hostname = np_doc_str(json_object_get(doc, "host"), "hostname");
	size_t c[NP_STATUS_COUNT + 1];

	count_findings(findings, c);
	np_html_head(out, "netprobe report", hostname);
	np_xml_fill(out, "<header>\n<h1>netprobe sign-off report</h1>\n<p class=\"lead\">netprobe %s on %s, "
		    "started %s UTC</p>\n", np_doc_str(doc, "command"), hostname, np_doc_str(doc, "started"));
	banner(out, c, json_array_size(findings));
	fputs("</header>\n", out);
	report_body(out, doc, 2, "");
	np_html_foot(out, "the run's JSON report");
	return 0;
}

/* --- a merge of several hosts' reports ----------------------------------------- */

static void host_name(FILE *out, const json_t *host, size_t i)
{
	fprintf(out, "<strong>%zu. ", i + 1);
	np_xml_fill(out, "%s</strong><br/><span class=\"note\">", np_doc_str(host, "hostname"));
	str_list(out, json_object_get(host, "sources"));
	fputs("</span>", out);
}

static void hosts_table(FILE *out, const json_t *doc)
{
	const json_t *hosts = json_object_get(doc, "hosts"), *reports = json_object_get(doc, "reports");
	const json_t *host, *ri;
	size_t i, k;

	fputs("<section class=\"hosts\">\n<h2>Hosts</h2>\n<table class=\"hosts\"><thead><tr><th scope=\"col\">Host and "
	      "source addresses</th><th scope=\"col\">Reports</th><th scope=\"col\">Findings</th></tr></thead>\n<tbody>\n", out);
	json_array_foreach(hosts, i, host) {
		size_t c[NP_STATUS_COUNT + 1] = {0}, all[NP_STATUS_COUNT + 1];

		fputs("<tr><td>", out);
		host_name(out, host, i);
		fputs("</td><td>", out);
		json_array_foreach(json_object_get(host, "reports"), k, ri) {
			const json_t *entry = json_array_get(reports, (size_t)json_integer_value(ri));
			const json_t *rep = json_object_get(entry, "report");

			fputs(k ? "<br/>" : "", out);
			np_xml_fill(out, "<code>%s</code>: netprobe %s, %s", np_doc_str(entry, "file"),
				    np_doc_str(rep, "command"), np_doc_str(rep, "started"));
			count_findings(json_object_get(rep, "findings"), all);
			for (int s = 0; s <= NP_STATUS_COUNT; s++)
				c[s] += all[s];
		}
		fputs("</td><td>", out);
		counts_line(out, c);
		fputs("</td></tr>\n", out);
	}
	fputs("</tbody></table>\n</section>\n", out);
}

static void matrix(FILE *out, const json_t *doc)
{
	const json_t *hosts = json_object_get(doc, "hosts"), *rows = json_object_get(doc, "rows");
	const json_t *host, *row, *cell, *v;
	size_t i, k, j;

	fputs("<section class=\"matrix\">\n<h2>Results per host</h2>\n<p class=\"note\">One row per check, "
	      "target and path; one column per host: the worst status of its findings there, their verdicts "
	      "and the addresses probed (idle ladders by their overall finding).</p>\n"
	      "<table class=\"matrix\"><thead><tr><th scope=\"col\">Check</th><th scope=\"col\">Target</th><th scope=\"col\">Path</th>", out);
	json_array_foreach(hosts, i, host) {
		fputs("<th scope=\"col\">", out);
		host_name(out, host, i);
		fputs("</th>", out);
	}
	fputs("</tr></thead>\n<tbody>\n", out);
	json_array_foreach(rows, i, row) {
		np_xml_fill(out, "<tr><td>%s</td><td>%s</td><td>%s</td>", np_doc_str(row, "check"),
			    np_doc_str(row, "target"), np_doc_str(row, "path"));
		json_array_foreach(json_object_get(row, "cells"), k, cell) {
			if (!json_is_object(cell)) {
				fputs("<td class=\"cell none\">not run</td>", out);
				continue;
			}
			fputs("<td class=\"cell\">", out);
			np_html_badge(out, np_doc_status(cell));
			json_array_foreach(json_object_get(cell, "verdicts"), j, v)
				np_xml_fill(out, "<span class=\"v\"><code>%s</code></span>",
					    json_is_string(v) ? json_string_value(v) : "");
			if (json_array_size(json_object_get(cell, "addresses"))) {
				fputs("<span class=\"v note\">", out);
				str_list(out, json_object_get(cell, "addresses"));
				fputs("</span>", out);
			}
			fputs("</td>", out);
		}
		fputs("</tr>\n", out);
	}
	fputs("</tbody></table>\n</section>\n", out);
}

static int write_merge(const json_t *doc, FILE *out)
{
	const json_t *hosts = json_object_get(doc, "hosts"), *reports = json_object_get(doc, "reports");
	const json_t *host, *ri, *entry;
	size_t c[NP_STATUS_COUNT + 1] = {0}, one[NP_STATUS_COUNT + 1], total = 0, i, k;
	char title[64], prefix[32];

	json_array_foreach(reports, i, entry) {
		const json_t *findings = json_object_get(json_object_get(entry, "report"), "findings");

		count_findings(findings, one);
		for (int s = 0; s <= NP_STATUS_COUNT; s++)
			c[s] += one[s];
		total += json_array_size(findings);
	}
	snprintf(title, sizeof(title), "netprobe sign-off: %zu host%s", json_array_size(hosts),
		 json_array_size(hosts) == 1 ? "" : "s");
	np_html_head(out, title, NULL);
	fprintf(out, "<header>\n<h1>%s</h1>\n<p class=\"lead\">%zu reports merged ", title, json_array_size(reports));
	np_xml_fill(out, "%s UTC</p>\n", np_doc_str(doc, "created"));
	banner(out, c, total);
	fputs("</header>\n", out);
	hosts_table(out, doc);
	matrix(out, doc);
	json_array_foreach(hosts, i, host) {
		fprintf(out, "<section class=\"host\">\n<h2>Host %zu: ", i + 1);
		np_xml_fill(out, "%s</h2>\n", np_doc_str(host, "hostname"));
		json_array_foreach(json_object_get(host, "reports"), k, ri) {
			entry = json_array_get(reports, (size_t)json_integer_value(ri));
			np_xml_fill(out, "<h3>netprobe %s from <code>%s</code></h3>\n",
				    np_doc_str(json_object_get(entry, "report"), "command"), np_doc_str(entry, "file"));
			snprintf(prefix, sizeof(prefix), "r%zu-", (size_t)json_integer_value(ri) + 1);
			report_body(out, json_object_get(entry, "report"), 4, prefix);
		}
		fputs("</section>\n", out);
	}
	np_html_foot(out, "the merged JSON reports");
	return 0;
}

int np_report_write_html(const json_t *doc, FILE *out)
{
	char errbuf[NP_ERRBUF_SIZE];
	int err;

	if (np_merge_check(doc, errbuf) == 0)
		err = write_merge(doc, out);
	else if (np_doc_check_report(doc, errbuf) == 0)
		err = write_report(doc, out);
	else
		return NP_EINVAL;
	if (err == 0 && (fflush(out) == EOF || ferror(out)))
		err = NP_EIO;
	return err;
}
