/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "term.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../netprobe/checklist.h"
#include "../netprobe/clock.h"
#include "../netprobe/loop.h"
#include "../netprobe/report_doc.h"

#define LIVE_MAX 6              /* running probes shown at once */
#define REDRAW_US 100000
#define BAR_WIDTH 20
#define BAR_MIN_WAIT_US 2000000 /* waits shorter than this get no bar */

/* Findings of one verdict the summary lists again after the live lines. */
#define SUMMARY_LISTED 20

struct np_term {
	FILE *out;
	int tty;
	int color;
	int quiet;
	struct np_run *run;
	struct np_timer *timer;
	int live_lines;             /* lines of the live area now on screen */
	unsigned frame;
	/* Not a terminal (a pipe, a log): lines go out at most every
	 * FLUSH_US, not one write per finding, and never later than that. */
	int64_t flushed_us;
	struct np_timer *flush;
};

#define FLUSH_US 100000

static const char *const status_color[NP_STATUS_COUNT] = {
	[NP_PASS] = "\033[32m", [NP_WARN] = "\033[33m", [NP_FAIL] = "\033[31m",
	[NP_ERROR] = "\033[35m", [NP_SKIP] = "\033[36m",
};

struct np_term *np_term_new(FILE *out, int quiet, int no_color)
{
	struct np_term *t = calloc(1, sizeof(*t));
	const char *nc = getenv("NO_COLOR");

	if (!t)
		return NULL;
	t->out = out;
	t->tty = isatty(fileno(out));
	/* https://no-color.org: any non-empty NO_COLOR disables colour. */
	t->color = t->tty && !no_color && !(nc && nc[0]);
	t->quiet = quiet;
	return t;
}

void np_term_free(struct np_term *t)
{
	if (!t)
		return;
	np_term_detach(t);
	free(t);
}

static const char *col(const struct np_term *t, enum np_status s)
{
	return t->color ? status_color[s] : "";
}

static const char *reset(const struct np_term *t)
{
	return t->color ? "\033[0m" : "";
}

/* s, then spaces up to width: printf's "%-Ns". */
static void put_padded(FILE *out, const char *s, size_t width)
{
	size_t n = strlen(s);

	fputs_unlocked(s, out);
	for (; n < width; n++)
		fputc_unlocked(' ', out);
}

static void status_tag(const struct np_term *t, enum np_status s, char *buf, size_t len)
{
	char up[8];
	const char *n = np_status_name(s);
	size_t i;

	for (i = 0; n[i] && i < sizeof(up) - 1; i++)
		up[i] = (char)(n[i] - 'a' + 'A');
	for (; i < 5; i++)
		up[i] = ' ';
	up[i] = '\0';
	/* "%s%s%s" without printf: called for every finding. */
	buf[0] = '\0';
	if (strlen(col(t, s)) + strlen(up) + strlen(reset(t)) < len) {
		strcat(buf, col(t, s));
		strcat(buf, up);
		strcat(buf, reset(t));
	}
}

/* "server.lab:80 [198.19.4.2]", or the target alone when it is the
 * address; written without printf, as it is for every finding. */
static void put_where(FILE *out, const struct np_finding *f)
{
	fputs_unlocked(f->target, out);
	if (f->address[0] && !strstr(f->target, f->address)) {
		fputs_unlocked(" [", out);
		fputs_unlocked(f->address, out);
		fputc_unlocked(']', out);
	}
}

static void live_erase(struct np_term *t)
{
	for (; t->live_lines > 0; t->live_lines--)
		fputs("\033[1A\033[2K", t->out);
}

static void live_draw(struct np_term *t)
{
	static const char spin[] = "|/-\\";
	int64_t now = np_now_us();
	size_t shown = 0;

	if (!t->run)
		return;
	for (struct np_job *j = np_run_running(t->run); j && shown < LIVE_MAX; j = j->next, shown++) {
		double el = (double)(now - j->started_us) / 1e6;

		fprintf(t->out, "  %c %-48.48s %6.1fs", spin[(t->frame + shown) % 4], j->label, el);
		if (j->wait_until_us && j->wait_until_us - j->started_us > BAR_MIN_WAIT_US) {
			double total = (double)(j->wait_until_us - j->started_us);
			double done = (double)(now - j->started_us) / total;
			int fill;

			if (done > 1)
				done = 1;
			fill = (int)(done * BAR_WIDTH);
			fputs(" [", t->out);
			for (int i = 0; i < BAR_WIDTH; i++)
				fputc(i < fill ? '#' : '.', t->out);
			fprintf(t->out, "] %.0fs left", (double)(j->wait_until_us - now) / 1e6 > 0 ?
				(double)(j->wait_until_us - now) / 1e6 : 0.0);
		}
		fputc('\n', t->out);
		t->live_lines++;
	}
	if (np_run_n_running(t->run) > shown || np_run_n_queued(t->run)) {
		fprintf(t->out, "  ... %zu more running, %zu queued\n",
			np_run_n_running(t->run) - shown, np_run_n_queued(t->run));
		t->live_lines++;
	}
	fflush(t->out);
}

static void on_redraw(struct np_timer *tm, void *arg)
{
	struct np_term *t = arg;

	t->frame++;
	live_erase(t);
	live_draw(t);
	np_timer_reset(tm, REDRAW_US);
}

static void flush_now(struct np_term *t)
{
	fflush(t->out);
	t->flushed_us = np_now_us();
}

static void on_flush(struct np_timer *tm, void *arg)
{
	struct np_term *t = arg;

	np_timer_del(tm);
	t->flush = NULL;
	flush_now(t);
}

static void on_finding(const struct np_finding *f, void *arg)
{
	struct np_term *t = arg;
	char tag[32];

	if (t->quiet)
		return;
	if (t->tty)
		live_erase(t);
	/* As "%s %-16s %s  %s\n" would print it, without printf's parsing:
	 * a run of 10,000 names prints 10,000 of these lines. */
	status_tag(t, f->status, tag, sizeof(tag));
	/* (one lock for the line, not one a piece) */
	flockfile(t->out);
	fputs_unlocked(tag, t->out);
	fputc_unlocked(' ', t->out);
	put_padded(t->out, f->verdict->code, 16);
	fputc_unlocked(' ', t->out);
	put_where(t->out, f);
	fputs_unlocked("  ", t->out);
	fputs_unlocked(f->summary, t->out);
	fputc_unlocked('\n', t->out);
	funlockfile(t->out);
	if (t->tty) {
		live_draw(t);
		return;
	}
	if (np_now_us() - t->flushed_us >= FLUSH_US)
		flush_now(t);
	else if (!t->flush && t->run)
		t->flush = np_loop_timer(np_run_loop(t->run), FLUSH_US, on_flush, t);
	else if (!t->run)
		fflush(t->out);
}

void np_term_attach(struct np_term *t, struct np_run *run)
{
	struct np_run_events ev = {0};

	t->run = run;
	ev.finding = on_finding;
	ev.arg = t;
	np_run_set_events(run, &ev);
	if (t->tty && !t->quiet)
		t->timer = np_loop_timer(np_run_loop(run), REDRAW_US, on_redraw, t);
}

void np_term_detach(struct np_term *t)
{
	if (!t->run)
		return;
	if (t->tty)
		live_erase(t);
	np_timer_del(t->timer);
	t->timer = NULL;
	np_timer_del(t->flush);
	t->flush = NULL;
	fflush(t->out);
	t->run = NULL;
}

void np_term_note(struct np_term *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(t->out, fmt, ap);
	va_end(ap);
	fputc('\n', t->out);
	fflush(t->out);
}

/* The checklist (checklist.h) the JSON's summary.checklist holds: each
 * prerequisite with its status, what is wrong and who must act. */
static void checklist(struct np_term *t, const struct np_report *r)
{
	json_t *list = r->n_findings ? np_report_checklist(r) : NULL;
	const json_t *it;
	char tag[32];
	size_t i;

	if (json_array_size(list)) {
		fputs("\nChecklist:\n", t->out);
		json_array_foreach(list, i, it) {
			enum np_status st = np_doc_status(it);

			status_tag(t, st < NP_STATUS_COUNT ? st : NP_ERROR, tag, sizeof(tag));
			fprintf(t->out, "%s %s: %s\n", tag, np_doc_str(it, "item"), np_doc_str(it, "line"));
		}
	}
	json_decref(list);
}

/* The checklist, then problems first, each verdict once with its advice,
 * then its findings. */
void np_term_summary(struct np_term *t, const struct np_report *r)
{
	static const enum np_status order[] = {NP_FAIL, NP_ERROR, NP_WARN, NP_SKIP};
	size_t counts[NP_STATUS_COUNT];
	char tag[32];

	np_report_counts(r, counts);
	checklist(t, r);
	fputc('\n', t->out);
	for (size_t s = 0; s < sizeof(order) / sizeof(order[0]); s++) {
		enum np_status st = order[s];
		const struct np_verdict *seen[128];
		size_t n_seen = 0;

		/* The verdicts of this status in order of first appearance: a
		 * handful, so this stays linear in the findings. */
		for (size_t i = 0; i < r->n_findings; i++) {
			const struct np_finding *f = r->findings[i];
			size_t k;

			if (f->status != st)
				continue;
			for (k = 0; k < n_seen && seen[k] != f->verdict; k++)
				;
			if (k == n_seen && n_seen < sizeof(seen) / sizeof(seen[0]))
				seen[n_seen++] = f->verdict;
		}
		for (size_t v = 0; v < n_seen; v++) {
			const char *advice = "";
			size_t listed = 0, more = 0;

			status_tag(t, st, tag, sizeof(tag));
			fprintf(t->out, "%s %s: %s\n", tag, seen[v]->code, seen[v]->meaning);
			for (size_t k = 0; k < r->n_findings; k++) {
				const struct np_finding *g = r->findings[k];

				if (g->status != st || g->verdict != seen[v])
					continue;
				if (!advice[0])
					advice = g->advice;
				/* Each was shown as it came (unless -q): past a screenful
				 * the summary counts them rather than print them twice. */
				if (!t->quiet && listed == SUMMARY_LISTED) {
					more++;
					continue;
				}
				listed++;
				fputs("      ", t->out);
				put_where(t->out, g);
				fputs("  ", t->out);
				fputs(g->summary, t->out);
				fputc('\n', t->out);
			}
			if (more)
				fprintf(t->out, "      ... and %zu more %s finding%s (each shown above as it came; --json "
					"lists them all)\n", more, seen[v]->code, more == 1 ? "" : "s");
			if (advice[0])
				fprintf(t->out, "      advice: %s\n", advice);
		}
	}
	fprintf(t->out, "%zu finding%s in %.1f s: %s%zu pass%s, %s%zu warn%s, %s%zu fail%s, %s%zu error%s, %zu skip\n",
		r->n_findings, r->n_findings == 1 ? "" : "s", (double)r->duration_us / 1e6,
		col(t, NP_PASS), counts[NP_PASS], reset(t), col(t, NP_WARN), counts[NP_WARN], reset(t),
		col(t, NP_FAIL), counts[NP_FAIL], reset(t), col(t, NP_ERROR), counts[NP_ERROR], reset(t),
		counts[NP_SKIP]);
	if (strcmp(r->command, "explain") == 0) {
		/* Offline: the packets were seen where the capture was taken. */
		fputs("Results describe the capture file, as seen where it was taken.\n", t->out);
	} else {
		fprintf(t->out, "Results hold for this host (%s) and source address%s ", r->hostname,
			r->sources.n == 1 ? "" : "es");
		if (r->sources.n == 0)
			fputs("(none used)", t->out);
		for (size_t i = 0; i < r->sources.n; i++)
			fprintf(t->out, "%s%s", i ? ", " : "", r->sources.v[i]);
		fputs("; from elsewhere the path may differ.\n", t->out);
	}
	if (r->signal)
		fprintf(t->out, "Interrupted: the results above are what was known when the run stopped.\n");
	fflush(t->out);
}
