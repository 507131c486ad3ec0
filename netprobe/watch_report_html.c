/* SPDX-License-Identifier: GPL-3.0-or-later */
/* netprobe watch report as one self-contained page, in the run report's
 * style (report_html.c): availability, failures, a timeline of failures by
 * time of day, idle survival per rung. */
#include "watch_report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_html_int.h"
#include "xml.h"

#define TL_W 960
#define TL_LEFT 260
#define TL_ROW 22

static const char *str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static void text(FILE *out, const char *s)
{
	np_xml_escaped(out, s ? s : "");
}

static enum np_status status_of(const char *s)
{
	for (int i = 0; i < NP_STATUS_COUNT; i++)
		if (strcmp(s, np_status_name((enum np_status)i)) == 0)
			return (enum np_status)i;
	return NP_STATUS_COUNT;
}

/* Seconds into the UTC day of "2026-12-05T14:23:49.707Z"; -1 if not one. */
static double day_s(const char *t)
{
	int h, m;
	double s;

	if (!t || strlen(t) < 19 || sscanf(t + 11, "%2d:%2d:%lf", &h, &m, &s) != 3)
		return -1;
	return h * 3600.0 + m * 60.0 + s;
}

static void pct(FILE *out, const json_t *v)
{
	if (json_is_number(v))
		fprintf(out, "%.3f %%", json_number_value(v) * 100.0);
	else
		fputs("&#8212;", out);
}

static void availability(FILE *out, const json_t *doc)
{
	size_t i;
	const json_t *c;

	fputs("<h2>Availability per check</h2>\n<table>\n<thead><tr><th>check</th><th>target</th><th>address</th>"
	      "<th>finding</th><th>asked</th><th>failed</th><th>availability</th><th>last</th></tr></thead>\n<tbody>\n",
	      out);
	json_array_foreach(json_object_get(doc, "checks"), i, c) {
		fputs("<tr><td>", out);
		text(out, str(c, "check"));
		fputs("</td><td><code>", out);
		text(out, str(c, "target"));
		fputs("</code></td><td><code>", out);
		text(out, str(c, "address"));
		fputs("</code></td><td class=\"note\">", out);
		text(out, str(c, "key"));
		fprintf(out, "</td><td class=\"num\">%lld</td><td class=\"num\">%lld</td><td class=\"num\">",
			(long long)json_integer_value(json_object_get(c, "asked")),
			(long long)json_integer_value(json_object_get(c, "failed")));
		pct(out, json_object_get(c, "availability"));
		fputs("</td><td>", out);
		np_html_badge(out, status_of(str(c, "status")));
		fputs(" <code>", out);
		text(out, str(c, "verdict"));
		fputs("</code></td></tr>\n", out);
	}
	fputs("</tbody>\n</table>\n", out);
}

static void failures(FILE *out, const json_t *doc)
{
	const json_t *fs = json_object_get(doc, "failures"), *f;
	size_t i;

	fputs("<h2>Failures</h2>\n", out);
	if (!json_array_size(fs)) {
		fputs("<p class=\"lead\">None in the period.</p>\n", out);
		return;
	}
	fputs("<table>\n<thead><tr><th>from (UTC)</th><th>until</th><th>asked</th><th>check</th><th>target</th>"
	      "<th>verdict</th><th>summary</th><th>evidence</th></tr></thead>\n<tbody>\n", out);
	json_array_foreach(fs, i, f) {
		fputs("<tr><td><code>", out);
		text(out, str(f, "from"));
		fputs("</code></td><td><code>", out);
		text(out, json_is_string(json_object_get(f, "to")) ? str(f, "to") : "(still failing)");
		fprintf(out, "</code></td><td class=\"num\">%lld</td><td>", (long long)json_integer_value(json_object_get(f, "asked")));
		text(out, str(f, "check"));
		fputs("</td><td><code>", out);
		text(out, str(f, "target"));
		fputs("</code></td><td><code>", out);
		text(out, str(f, "verdict"));
		fputs("</code></td><td>", out);
		text(out, str(f, "summary"));
		fputs("</td><td><code>", out);
		text(out, str(f, "evidence"));
		fputs("</code></td></tr>\n", out);
	}
	fputs("</tbody>\n</table>\n", out);
	if (json_integer_value(json_object_get(doc, "failures_not_listed")))
		fprintf(out, "<p class=\"note\">%lld more not listed.</p>\n",
			(long long)json_integer_value(json_object_get(doc, "failures_not_listed")));
}

/* One row per finding that failed; each failure a bar at its time of day
 * (UTC), as long as it lasted (to midnight at most), so a failure that
 * comes back at 3 a.m. every night lines up. */
static void timeline(FILE *out, const json_t *doc)
{
	const json_t *fs = json_object_get(doc, "failures"), *f;
	json_t *rows = json_object();
	size_t i, n = 0, h;
	const double scale = (double)(TL_W - TL_LEFT - 10) / 86400.0;

	json_array_foreach(fs, i, f)
		if (!json_object_get(rows, str(f, "key")))
			json_object_set_new(rows, str(f, "key"), json_integer((json_int_t)n++));
	fputs("<h2>Failures by time of day (UTC)</h2>\n", out);
	if (!n) {
		fputs("<p class=\"lead\">None in the period.</p>\n", out);
		json_decref(rows);
		return;
	}
	h = 30 + n * TL_ROW;
	fprintf(out, "<figure class=\"chart\"><svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
		"height=\"%zu\" viewBox=\"0 0 %d %zu\" role=\"img\"><title>failures by time of day</title>\n", TL_W, h, TL_W, h);
	for (int hr = 0; hr <= 24; hr += 3) {
		double x = TL_LEFT + hr * 3600.0 * scale;

		fprintf(out, "<line class=\"grid\" x1=\"%.1f\" y1=\"14\" x2=\"%.1f\" y2=\"%zu\"/>"
			"<text class=\"tick\" x=\"%.1f\" y=\"11\" text-anchor=\"middle\">%02d:00</text>\n", x, x, h, x, hr);
	}
	{
		const char *key;
		const json_t *row;

		json_object_foreach(rows, key, row) {
			size_t y = 20 + (size_t)json_integer_value(row) * TL_ROW;

			fprintf(out, "<text class=\"rung\" x=\"4\" y=\"%zu\">", y + 13);
			/* the key, shortened: check and target lead it */
			{
				char shortk[44];

				snprintf(shortk, sizeof(shortk), "%s", key);
				text(out, shortk);
			}
			fputs("</text>\n", out);
		}
	}
	json_array_foreach(fs, i, f) {
		double from = day_s(str(f, "from")), to = day_s(str(f, "to"));
		size_t y = 20 + (size_t)json_integer_value(json_object_get(rows, str(f, "key"))) * TL_ROW;
		double w;

		if (from < 0)
			continue;
		if (to < from)
			to = json_is_string(json_object_get(f, "to")) ? 86400.0 : from;
		w = (to - from) * scale;
		if (w < 2)
			w = 2;
		fprintf(out, "<rect class=\"bar lost\" x=\"%.1f\" y=\"%zu\" width=\"%.1f\" height=\"16\"><title>", TL_LEFT + from * scale,
			y, w);
		text(out, str(f, "from"));
		fputs(" ", out);
		text(out, str(f, "verdict"));
		fputs("</title></rect>\n", out);
	}
	fputs("</svg><figcaption>Each bar a failure, placed at the time of day it began.</figcaption></figure>\n", out);
	json_decref(rows);
}

static void idle(FILE *out, const json_t *doc)
{
	const json_t *v = json_object_get(doc, "idle"), *r;
	size_t i;

	if (!json_array_size(v))
		return;
	fputs("<h2>Idle survival per rung</h2>\n<table>\n<thead><tr><th>target</th><th>path</th><th>idle (s)</th>"
	      "<th>asked</th><th>survived</th><th>survival</th></tr></thead>\n<tbody>\n", out);
	json_array_foreach(v, i, r) {
		fputs("<tr><td><code>", out);
		text(out, str(r, "target"));
		fputs("</code></td><td>", out);
		text(out, str(r, "path"));
		fprintf(out, "</td><td class=\"num\">%g</td><td class=\"num\">%lld</td><td class=\"num\">%lld</td>"
			"<td class=\"num\">", json_number_value(json_object_get(r, "idle_s")),
			(long long)json_integer_value(json_object_get(r, "asked")),
			(long long)json_integer_value(json_object_get(r, "survived")));
		pct(out, json_object_get(r, "survival"));
		fputs("</td></tr>\n", out);
	}
	fputs("</tbody>\n</table>\n", out);
}

int np_watch_report_write_html(const json_t *doc, FILE *out)
{
	const json_t *p = json_object_get(doc, "period");
	size_t nf = json_array_size(json_object_get(doc, "failures"));

	np_html_head(out, "netprobe watch report", NULL);
	fputs("<h1>netprobe watch report</h1>\n<p class=\"lead\">From <code>", out);
	text(out, str(p, "first"));
	fputs("</code> to <code>", out);
	text(out, str(p, "last"));
	fprintf(out, "</code> (UTC): %lld cycles, %lld cut short", (long long)json_integer_value(json_object_get(p, "cycles")),
		(long long)json_integer_value(json_object_get(p, "cut_short")));
	if (json_integer_value(json_object_get(p, "rungs")) || json_integer_value(json_object_get(p, "rungs_cut_short")))
		fprintf(out, "; idle rungs asked %lld times, %lld cut short",
			(long long)json_integer_value(json_object_get(p, "rungs")),
			(long long)json_integer_value(json_object_get(p, "rungs_cut_short")));
	fprintf(out, "; %lld start%s.</p>\n", (long long)json_integer_value(json_object_get(p, "starts")),
		json_integer_value(json_object_get(p, "starts")) == 1 ? "" : "s");
	if (nf)
		fprintf(out, "<div class=\"banner st-fail\">%zu failure%s in the period</div>\n", nf, nf == 1 ? "" : "s");
	else
		fputs("<div class=\"banner st-pass\">No failure in the period</div>\n", out);
	availability(out, doc);
	failures(out, doc);
	timeline(out, doc);
	idle(out, doc);
	np_html_foot(out, "the watch's event log");
	return fflush(out) == 0 && !ferror(out) ? 0 : NP_EIO;
}
