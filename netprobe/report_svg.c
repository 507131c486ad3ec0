/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The drawings of the HTML report: the idle ladder as a timeline, timing
 * bars per endpoint, and the path trace. Inline SVG, sized in user units
 * and scaled by the page (viewBox), so it prints as sharply as it shows. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report_doc.h"
#include "report_html_int.h"
#include "xml.h"

#define MAX_RUNGS 32          /* the ladder has at most 16; --conns adds none */
#define MAX_TIMING_ROWS 200
#define TIMING_CHUNK 25       /* rows per drawing: well within an A4 page */
#define LABEL_MAX 64          /* bytes of a label drawn; the whole in <title> */

enum outcome { OUT_KEPT, OUT_LOST, OUT_CLOSED, OUT_NONE };

struct rung {
	const json_t *f;            /* the rung's finding, NULL from overall.rungs */
	double idle_s;
	double end_s;               /* where its bar ends */
	int ended_in_silence;       /* closed_after_s known */
	const char *verdict;
};

struct ladder {
	const char *target, *address, *path;
	double required_s;
	struct rung r[MAX_RUNGS];
	size_t n;
};

static enum outcome outcome_of(const char *verdict)
{
	if (strcmp(verdict, "idle.survived") == 0)
		return OUT_KEPT;
	if (strcmp(verdict, "idle.dropped") == 0 || strncmp(verdict, "idle.reset", 10) == 0)
		return OUT_LOST;
	if (strncmp(verdict, "idle.closed_by_", 15) == 0)
		return OUT_CLOSED;
	return OUT_NONE;
}

static const char *const outcome_class[] = {"kept", "lost", "closed", "none"};

/* Who ended the rung's connection and when, in words. */
static void rung_words(char *buf, size_t len, const struct rung *r)
{
	char when[64] = "";
	double hop;

	if (r->ended_in_silence)
		snprintf(when, sizeof(when), " at %.1f s", r->end_s);
	else if (outcome_of(r->verdict) != OUT_KEPT && outcome_of(r->verdict) != OUT_NONE)
		snprintf(when, sizeof(when), " after %.0f s", r->idle_s);
	if (strcmp(r->verdict, "idle.survived") == 0)
		snprintf(buf, len, "survived");
	else if (strcmp(r->verdict, "idle.dropped") == 0)
		snprintf(buf, len, "dropped silently%s: no ACK", when);
	else if (strcmp(r->verdict, "idle.reset_by_path") == 0 && r->f &&
		 np_doc_metric_num(r->f, "hop", &hop))
		snprintf(buf, len, "reset by the device at hop %.0f%s", hop, when);
	else if (strcmp(r->verdict, "idle.reset_by_path") == 0)
		snprintf(buf, len, "reset by a device on the path%s", when);
	else if (strcmp(r->verdict, "idle.reset") == 0)
		snprintf(buf, len, "reset%s, sender unknown", when);
	else if (strcmp(r->verdict, "idle.closed_by_peer") == 0)
		snprintf(buf, len, "closed by the server%s", when);
	else if (strcmp(r->verdict, "idle.closed_by_proxy") == 0)
		snprintf(buf, len, "closed by the proxy%s", when);
	else if (strcmp(r->verdict, "idle.no_connection") == 0)
		snprintf(buf, len, "no connection");
	else
		snprintf(buf, len, "%.60s", r->verdict);
}

static struct ladder *ladder_for(struct ladder **v, size_t *n, const char *target,
				 const char *address, const char *path)
{
	struct ladder *l;

	for (size_t i = 0; i < *n; i++)
		if (strcmp((*v)[i].target, target) == 0 && strcmp((*v)[i].path, path) == 0 &&
		    (!address[0] || !(*v)[i].address[0] || strcmp((*v)[i].address, address) == 0))
			return &(*v)[i];
	l = realloc(*v, (*n + 1) * sizeof(**v));
	if (!l)
		return NULL;
	*v = l;
	l = &l[(*n)++];
	memset(l, 0, sizeof(*l));
	l->target = target;
	l->address = address;
	l->path = path;
	return l;
}

static void add_rung(struct ladder *l, const json_t *f, double idle_s, const char *verdict)
{
	struct rung *r;
	double v;

	if (l->n == MAX_RUNGS || !isfinite(idle_s) || idle_s < 0)
		return;
	r = &l->r[l->n++];
	r->f = f;
	r->idle_s = idle_s;
	r->end_s = idle_s;
	r->verdict = verdict;
	if (f && np_doc_metric_num(f, "closed_after_s", &v) && isfinite(v) && v >= 0) {
		r->end_s = v;
		r->ended_in_silence = 1;
	} else if (f && np_doc_metric_num(f, "silence_s", &v) && isfinite(v) && v >= 0) {
		r->end_s = v;
	}
	if (outcome_of(verdict) == OUT_NONE && !r->ended_in_silence)
		r->end_s = 0;
}

static int by_idle_s(const void *a, const void *b)
{
	const struct rung *x = a, *y = b;

	return (x->idle_s > y->idle_s) - (x->idle_s < y->idle_s);
}

/* Rung findings first; an overall finding adds the requirement, and its
 * rungs list when no rung finding came (a trimmed report). */
static size_t collect_ladders(const json_t *findings, struct ladder **out)
{
	struct ladder *v = NULL;
	size_t n = 0, i;
	const json_t *f;
	double d;

	json_array_foreach(findings, i, f) {
		struct ladder *l;

		if (strcmp(np_doc_str(f, "check"), "idle") != 0 ||
		    strcmp(np_doc_metric_str(f, "scope"), "rung") != 0 || !np_doc_metric_num(f, "idle_s", &d))
			continue;
		l = ladder_for(&v, &n, np_doc_str(f, "target"), np_doc_str(f, "address"),
			       np_doc_metric_str(f, "path"));
		if (!l)
			break;
		add_rung(l, f, d, np_doc_str(f, "verdict"));
		if (np_doc_metric_num(f, "required_s", &d))
			l->required_s = d;
	}
	json_array_foreach(findings, i, f) {
		const json_t *rungs = json_object_get(np_doc_metrics(f), "rungs"), *r;
		struct ladder *l;
		size_t k;

		if (strcmp(np_doc_str(f, "check"), "idle") != 0 ||
		    strcmp(np_doc_metric_str(f, "scope"), "overall") != 0)
			continue;
		l = ladder_for(&v, &n, np_doc_str(f, "target"), np_doc_str(f, "address"),
			       np_doc_metric_str(f, "path"));
		if (!l)
			break;
		if (np_doc_metric_num(f, "required_s", &d))
			l->required_s = d;
		if (l->n)
			continue;
		json_array_foreach(rungs, k, r)
			if (np_doc_num(r, "idle_s", &d))
				add_rung(l, NULL, d, np_doc_str(r, "verdict"));
	}
	/* Findings come as rungs end: draw the ladder shortest first. */
	for (i = 0; i < n; i++)
		qsort(v[i].r, v[i].n, sizeof(v[i].r[0]), by_idle_s);
	*out = v;
	return n;
}

/* A step for about six ticks: 1, 2, 5 times a power of ten, or whole
 * minutes when the axis is long. */
static double tick_step(double max)
{
	static const double steps[] = {1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600};

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (max / steps[i] <= 8)
			return steps[i];
	return ceil(max / 8 / 3600) * 3600;
}

/* Text cut to LABEL_MAX bytes on a UTF-8 boundary, with an ellipsis. */
static void short_text(FILE *out, const char *s)
{
	size_t n = strlen(s);
	char buf[LABEL_MAX + 4];

	if (n <= LABEL_MAX) {
		np_xml_escaped(out, s);
		return;
	}
	n = LABEL_MAX;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	memcpy(buf, s, n);
	memcpy(buf + n, "\xe2\x80\xa6", 4);
	np_xml_escaped(out, buf);
}

#define IW 900.0              /* idle timeline width */
#define IX0 70.0              /* plot area */
#define IX1 560.0
#define IROW 26.0
#define ITOP 34.0

static void ladder_svg(FILE *out, const struct ladder *l)
{
	double max = l->required_s, step, height;
	char words[160];

	for (size_t i = 0; i < l->n; i++)
		max = fmax(max, fmax(l->r[i].idle_s, l->r[i].end_s));
	if (max <= 0)
		max = 1;
	step = tick_step(max);
	max = ceil(max / step) * step;
	height = ITOP + IROW * (double)l->n + 12;
#define X(s) (IX0 + (s) / max * (IX1 - IX0))
	fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 %.0f %.0f\" "
		"width=\"%.0f\" height=\"%.0f\" role=\"img\" aria-label=\"idle ladder\">\n", IW, height, IW, height);
	for (double t = 0; t <= max + 1e-9; t += step) {
		fprintf(out, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
			"<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.0f s</text>\n",
			X(t), ITOP - 6, X(t), height - 8, X(t), ITOP - 10, t);
	}
	if (l->required_s > 0)
		fprintf(out, "<line class=\"req\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
			"<text class=\"reqtext\" x=\"%.1f\" y=\"12\" text-anchor=\"middle\">required %.0f s</text>\n",
			X(l->required_s), ITOP - 18, X(l->required_s), height - 8, X(l->required_s), l->required_s);
	for (size_t i = 0; i < l->n; i++) {
		const struct rung *r = &l->r[i];
		double y = ITOP + IROW * (double)i + 4, end = X(r->end_s);
		enum outcome o = outcome_of(r->verdict);

		rung_words(words, sizeof(words), r);
		fputs("<g><title>", out);
		np_xml_escaped(out, r->f ? np_doc_str(r->f, "summary") : r->verdict);
		fprintf(out, "</title>\n<text class=\"rung\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.0f s</text>"
			"<rect class=\"plan\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"16\"/>"
			"<rect class=\"bar %s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"16\"/>\n",
			IX0 - 8, y + 12, r->idle_s, IX0, y, X(r->idle_s) - IX0, outcome_class[o], IX0, y, end - IX0);
		if (o == OUT_LOST || o == OUT_CLOSED)
			fprintf(out, "<path class=\"kill %s\" d=\"M%.1f %.1fL%.1f %.1fM%.1f %.1fL%.1f %.1f\"/>\n",
				outcome_class[o], end - 6, y + 2, end + 6, y + 14, end - 6, y + 14, end + 6, y + 2);
		fprintf(out, "<text class=\"who %s\" x=\"%.1f\" y=\"%.1f\">", outcome_class[o], IX1 + 14, y + 12);
		np_xml_escaped(out, words);
		fputs("</text></g>\n", out);
	}
#undef X
	fputs("</svg>\n", out);
}

void np_html_idle_section(FILE *out, const json_t *findings, int h)
{
	struct ladder *v = NULL;
	size_t n = collect_ladders(findings, &v);

	if (n == 0) {
		free(v);
		return;
	}
	fprintf(out, "<section class=\"idle\">\n<h%d>Idle ladder</h%d>\n<p class=\"note\">Each rung is one "
		"connection held silent for its number of seconds (dashed). The bar is how long it lasted; a "
		"cross marks where it was ended and the words say who ended it. The red line is the "
		"requirement.</p>\n", h, h);
	for (size_t i = 0; i < n; i++) {
		np_xml_fill(out, "<figure class=\"chart\"><figcaption>%s", v[i].target);
		if (v[i].address[0])
			np_xml_fill(out, " (%s)", v[i].address);
		if (v[i].path[0])
			np_xml_fill(out, ", path %s", v[i].path);
		fputs("</figcaption>\n", out);
		ladder_svg(out, &v[i]);
		fputs("</figure>\n", out);
	}
	fputs("</section>\n", out);
	free(v);
}

/* --- timing bars -------------------------------------------------------------- */

static const struct {
	const char *key, *name, *cls;
} phases[] = {
	{"dns_ms", "DNS", "ph-dns"},
	{"connect_ms", "TCP connect", "ph-connect"},
	{"proxy_ms", "proxy CONNECT", "ph-proxy"},
	{"tls_ms", "TLS handshake", "ph-tls"},
};
#define N_PHASES (sizeof(phases) / sizeof(phases[0]))

static int timed(const json_t *f, double ms[N_PHASES], double *sum)
{
	int any = 0;

	*sum = 0;
	for (size_t k = 0; k < N_PHASES; k++) {
		ms[k] = 0;
		if (np_doc_metric_num(f, phases[k].key, &ms[k]) && isfinite(ms[k]) && ms[k] >= 0) {
			*sum += ms[k];
			any = 1;
		} else {
			ms[k] = 0;
		}
	}
	return any;
}

/* "target address path" (or "name type @resolver" for a DNS query): each
 * fact once (a DNS target names its type already, an address target is
 * its address). */
static char *endpoint_label(const json_t *f)
{
	char *s = NULL;
	const char *target = np_doc_str(f, "target"), *addr = np_doc_str(f, "address");
	const char *path = np_doc_metric_str(f, "path"), *type = np_doc_metric_str(f, "type");
	size_t tn = strlen(target), yn = strlen(type);
	int via = path[0] && strcmp(path, "direct") != 0;

	if (strcmp(np_doc_str(f, "check"), "dns") == 0) {
		int has_type = yn && tn > yn && target[tn - yn - 1] == ' ' && strcmp(target + tn - yn, type) == 0;

		return asprintf(&s, "%s%s%s%s%s", target, has_type || !yn ? "" : " ", has_type ? "" : type,
				addr[0] ? " @" : "", addr) < 0 ? NULL : s;
	}
	if (strstr(target, addr))
		addr = "";
	if (asprintf(&s, "%s%s%s%s%s", target, addr[0] ? " " : "", addr, via ? " via " : "", via ? path : "") < 0)
		return NULL;
	return s;
}

#define TW 940.0
#define TX0 380.0
#define TX1 830.0
#define TROW 22.0
#define TTOP 44.0

struct trow {
	const json_t *f;
	double ms[N_PHASES], sum;
};

/* Slowest first: the rows a reader looks for are on top. */
static int by_sum(const void *a, const void *b)
{
	const struct trow *x = a, *y = b;

	return x->sum < y->sum ? 1 : x->sum > y->sum ? -1 : 0;
}

/* The log scale of a chart: whole decades from lo to lo + span. */
struct tscale {
	double lo, span;
};

#define X(ms) (TX0 + (log10(ms) - sc->lo) / sc->span * (TX1 - TX0))

/*
 * Rows [from, to) as one drawing, its own axis on top (the legend too on
 * the first): an SVG is never split across printed pages, so a chart cut
 * into drawings of TIMING_CHUNK rows prints on A4 without a row cut.
 */
static void timing_svg(FILE *out, const struct trow *v, size_t from, size_t to, size_t rows,
		       const struct tscale *sc, int h)
{
	double height = TTOP + TROW * (double)(to - from) + 8;

	fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 %.0f %.0f\" "
		"width=\"%.0f\" height=\"%.0f\" role=\"img\" aria-labelledby=\"timing-title-%d-%zu\">\n"
		"<title id=\"timing-title-%d-%zu\">Time to endpoints %zu to %zu of %zu, slowest first: %.2f ms to "
		"%.2f ms (each row's times are in its tooltip and in the findings table)</title>\n",
		TW, height, TW, height, h, from, h, from, from + 1, to, rows, v[from].sum, v[to - 1].sum);
	if (from == 0)
		for (size_t k = 0; k < N_PHASES; k++)
			fprintf(out, "<rect class=\"%s\" x=\"%.0f\" y=\"4\" width=\"12\" height=\"12\"/>"
				"<text class=\"tick\" x=\"%.0f\" y=\"14\">%s</text>\n", phases[k].cls,
				TX0 + 110.0 * (double)k, TX0 + 110.0 * (double)k + 16, phases[k].name);
	for (double d = sc->lo; d <= sc->lo + sc->span + 1e-9; d++) {
		double t = pow(10, d);

		fprintf(out, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
			"<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", X(t), TTOP - 4, X(t),
			height - 4, X(t), TTOP - 8);
		if (t >= 1000)
			fprintf(out, "%g s", t / 1000);
		else
			fprintf(out, "%g ms", t);
		fputs("</text>\n", out);
	}
	for (size_t i = from; i < to; i++) {
		double y = TTOP + TROW * (double)(i - from), x = TX0;
		/* The fastest row still shows a sliver. */
		double total = fmax(X(v[i].sum) - TX0, 2.0);
		char *label = endpoint_label(v[i].f);

		fputs("<g><title>", out);
		np_xml_escaped(out, label ? label : "");
		for (size_t k = 0; k < N_PHASES; k++)
			if (v[i].ms[k] > 0)
				fprintf(out, ", %s %.2f ms", phases[k].name, v[i].ms[k]);
		fprintf(out, "</title>\n<text class=\"rung\" x=\"4\" y=\"%.1f\">", y + 13);
		short_text(out, label ? label : "");
		fputs("</text>\n", out);
		free(label);
		for (size_t k = 0; k < N_PHASES; k++) {
			double w = v[i].ms[k] / v[i].sum * total;

			if (v[i].ms[k] <= 0)
				continue;
			fprintf(out, "<rect class=\"%s\" x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"14\"/>",
				phases[k].cls, x, y + 2, w);
			x += w;
		}
		fprintf(out, "\n<text class=\"tick\" x=\"%.1f\" y=\"%.1f\">%.2f ms</text></g>\n", x + 6, y + 13,
			v[i].sum);
	}
	fputs("</svg>\n", out);
}

#undef X

/*
 * One row per endpoint, on a logarithmic scale: a 1-second DNS query and
 * a 0.05 ms connect on the same chart both stay visible (on a linear
 * scale the first flattens the rest). Each bar's length is its total;
 * its phases share the bar in proportion to their times.
 */
void np_html_timing_section(FILE *out, const json_t *findings, int h)
{
	struct tscale sc;
	double hi;
	size_t rows = 0, more = 0, i;
	struct trow *v = calloc(MAX_TIMING_ROWS, sizeof(*v));
	const json_t *f;

	if (!v)
		return;
	json_array_foreach(findings, i, f) {
		struct trow r = {.f = f};

		if (!timed(f, r.ms, &r.sum) || r.sum <= 0)
			continue;
		if (rows == MAX_TIMING_ROWS) {
			more++;
			continue;
		}
		v[rows++] = r;
	}
	if (rows == 0) {
		free(v);
		return;
	}
	qsort(v, rows, sizeof(*v), by_sum);
	/* Whole decades around the fastest and the slowest, from 1 us. */
	hi = ceil(log10(v[0].sum));
	sc.lo = floor(log10(fmax(v[rows - 1].sum, 0.001)));
	if (hi <= sc.lo)
		hi = sc.lo + 1;
	sc.span = hi - sc.lo;
	fprintf(out, "<section class=\"timing\">\n<h%d>Timing per endpoint</h%d>\n<figure class=\"chart timing\">"
		"<figcaption>Time to each endpoint, slowest first, on a logarithmic scale (each bar is the "
		"total; its colours, the phases in proportion). Slowest %.2f ms, fastest %.2f ms.</figcaption>\n",
		h, h, v[0].sum, v[rows - 1].sum);
	for (i = 0; i < rows; i += TIMING_CHUNK)
		timing_svg(out, v, i, i + TIMING_CHUNK < rows ? i + TIMING_CHUNK : rows, rows, &sc, h);
	fputs("</figure>\n", out);
	if (more)
		fprintf(out, "<p class=\"note\">%zu more endpoints are not drawn; their times are in the JSON "
			"report.</p>\n", more);
	fputs("</section>\n", out);
	free(v);
}

/* --- path trace --------------------------------------------------------------- */

static void joined(FILE *out, const json_t *a)
{
	size_t i;
	const json_t *v;

	json_array_foreach(a, i, v) {
		if (i)
			fputs(", ", out);
		if (json_is_string(v))
			np_xml_escaped(out, json_string_value(v));
	}
}

void np_html_trace_section(FILE *out, const json_t *findings, int h)
{
	size_t i, k;
	const json_t *f, *hop;
	int any = 0;

	json_array_foreach(findings, i, f) {
		const json_t *hops = json_object_get(np_doc_metrics(f), "hops");
		double v;

		if (!json_is_array(hops))
			continue;
		if (!any)
			fprintf(out, "<section class=\"trace\">\n<h%d>Path trace</h%d>\n", h, h);
		any = 1;
		fprintf(out, "<table class=\"trace\"><caption><span class=\"st %s\">",
			np_html_status_class(np_doc_status(f)));
		np_xml_fill(out, "%s</span> %s %s: <code>%s</code></caption>\n<thead><tr><th scope=\"col\">hop</th><th scope=\"col\">address</th>"
			    "<th scope=\"col\">RTT</th><th scope=\"col\">changed</th><th scope=\"col\">unknown</th></tr></thead><tbody>\n", np_doc_str(f, "status"),
			    np_doc_str(f, "target"), np_doc_str(f, "address"), np_doc_str(f, "verdict"));
		json_array_foreach(hops, k, hop) {
			const char *addr = np_doc_str(hop, "address");
			const json_t *changed = json_object_get(hop, "changed");

			fprintf(out, "<tr%s><td>", json_array_size(changed) ? " class=\"changed\"" : "");
			if (np_doc_num(hop, "hop", &v))
				fprintf(out, "%.0f", v);
			np_xml_fill(out, "</td><td>%s</td><td>", addr[0] ? addr : "*");
			if (np_doc_num(hop, "rtt_ms", &v))
				fprintf(out, "%.2f ms", v);
			fputs("</td><td>", out);
			joined(out, changed);
			fputs("</td><td>", out);
			joined(out, json_object_get(hop, "unknown"));
			fputs("</td></tr>\n", out);
		}
		fputs("</tbody></table>\n", out);
	}
	if (any)
		fputs("</section>\n", out);
}
