/* SPDX-License-Identifier: GPL-3.0-or-later */
/* netprobe watch's idle tracks: each rung of each idle check, against
 * each of its targets, asked on its own and asked again as soon as it
 * ends, so the 300 s question is asked all day, whatever --every says.
 * A rung's packets are a session of the watch's capture (capture.h): its
 * evidence spans the cycles that come and go meanwhile. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "watch_int.h"
#include "../netprobe/capture.h"
#include "../netprobe/clock.h"
#include "../netprobe/loop.h"
#include "../netprobe/report_prom.h"
#include "../netprobe/run.h"

struct watch_track {
	struct watch *w;
	size_t i;
	struct np_cmd_idle_track info;
	struct np_capture *cap;         /* its session, NULL without capture */
	struct np_timer *timer;         /* its next asking */
	struct np_run *run;             /* the asking in flight */
	struct np_report *report;
	int64_t started_us, started_wall;
	/* for /metrics, since the watch started */
	uint64_t asked, survived;
	const char *last_verdict;       /* a verdict code (static), or NULL */
};

/* A rung asks at most once per its own length: one that fails at once (a
 * refused connect) is not asked in a tight loop. */
static int64_t next_due(const struct watch_track *t)
{
	return t->started_us + (int64_t)t->info.idle_s * 1000000;
}

static void start_track(struct np_timer *tm, void *arg);

static void track_schedule(struct watch_track *t, int64_t at)
{
	int64_t d = at - np_now_us();

	np_timer_reset(t->timer, d > 0 ? d : 0);
}

static void track_end(struct watch_track *t)
{
	struct watch *w = t->w;
	char errbuf[NP_ERRBUF_SIZE];

	np_run_free(t->run);
	np_report_free(t->report);
	t->run = NULL;
	t->report = NULL;
	/* The next asking's evidence starts empty. */
	if (t->cap && np_capture_reset(t->cap, errbuf) < 0)
		np_cmd_error(w->ctx, "%s", errbuf);
	w->n_tracks_running--;
	if (w->stopping) {
		if (!w->n_tracks_running)
			np_loop_stop(w->loop);
		return;
	}
	track_schedule(t, next_due(t));
}

static void track_done(struct np_run *run, void *arg)
{
	struct watch_track *t = arg;
	struct watch *w = t->w;
	struct np_report *r = t->report;
	json_t *head;
	int cut = 0;

	(void)run;
	if (t->cap)
		np_cmd_capture_finish(t->cap, r, t->run);
	for (size_t k = 0; k < r->n_findings; k++) {
		const char *v = r->findings[k]->verdict->code;

		if (strcmp(v, "run.interrupted") == 0 || strcmp(v, "run.deadline") == 0)
			cut = 1;
	}
	if (!cut) {
		t->asked++;
		for (size_t k = 0; k < r->n_findings; k++) {
			if (strcmp(r->findings[k]->check, "idle") != 0)
				continue;
			t->last_verdict = r->findings[k]->verdict->code;
			if (strcmp(t->last_verdict, "idle.survived") == 0)
				t->survived++;
			break;
		}
	}
	head = json_pack("{s:s, s:I, s:s, s:I}", "event", "rung", "profile_check", (json_int_t)t->info.check,
			 "target", t->info.target, "idle_s", (json_int_t)t->info.idle_s);
	np_cmd_watch_record(w, head, r, t->cap, t->started_wall, np_now_us() - t->started_us);
	track_end(t);
}

static void start_track(struct np_timer *tm, void *arg)
{
	struct watch_track *t = arg;
	struct watch *w = t->w;
	struct np_opts opts = w->ctx->opts;
	char errbuf[NP_ERRBUF_SIZE], why[NP_ERRBUF_SIZE + 64];
	int64_t now = np_now_us();
	int e;

	(void)tm;
	/* A rung that cannot end before --for does is not asked: its answer
	 * would be "cut short" and its connection one more for nothing. */
	if (w->stopping || (w->end_us && now + (int64_t)t->info.idle_s * 1000000 + opts.timeout_us > w->end_us))
		return;
	t->started_us = now;
	t->started_wall = np_watch_wall_us();
	t->report = np_report_new("watch");
	if (!t->report)
		goto oom;
	t->report->capture.attempted = !w->ctx->no_capture;
	t->report->capture.active = t->cap != NULL;
	/* Each step of a rung has its own timeout (connect, proxy, TLS, the
	 * two requests) around the silence; past all of them with room to
	 * spare the asking is cut short rather than the track stuck. */
	opts.deadline_us = (int64_t)t->info.idle_s * 1000000 + 6 * opts.timeout_us + 5000000;
	t->run = np_run_new(w->loop, &opts, t->report, errbuf);
	if (!t->run) {
		np_cmd_error(w->ctx, "idle %us rung of check %zu: %s", t->info.idle_s, t->info.check, errbuf);
		goto retry;
	}
	np_run_set_capture(t->run, t->cap, w->note);
	e = np_cmd_prun_plan_rung(w->prun, t->run, t->i, why, sizeof(why));
	if (e == 0)
		e = np_run_start(t->run, track_done, t);
	if (e < 0) {
		/* A CA file gone since the start: said, and asked again later. */
		np_cmd_error(w->ctx, "idle %us rung of check %zu: %s", t->info.idle_s, t->info.check,
			     e == NP_ENOMEM ? "out of memory" : why);
		goto retry;
	}
	w->n_tracks_running++;
	return;
oom:
	np_cmd_error(w->ctx, "out of memory");
retry:
	np_run_free(t->run);
	np_report_free(t->report);
	t->run = NULL;
	t->report = NULL;
	track_schedule(t, next_due(t));
}

int np_cmd_watch_tracks_open(struct watch *w)
{
	size_t n = np_cmd_prun_idle_apart(w->prun), sessions = n + (w->http ? NP_WATCH_MAX_PROBES : 0);
	struct np_capture_stats st;
	char errbuf[NP_ERRBUF_SIZE];

	/* One budget (--pcap-max) for all the capture holds: half for the
	 * cycles, the other half shared by the sessions (each rung, each
	 * probe on demand that may run at once). */
	if (w->cap && sessions && np_capture_stats(w->cap, &st) == 0) {
		w->session_budget = st.budget / 2 / sessions;
		if (np_capture_set_budget(w->cap, st.budget - w->session_budget * sessions, errbuf) < 0) {
			np_cmd_error(w->ctx, "%s", errbuf);
			return 3;
		}
	}
	if (!n)
		return 0;
	w->tracks = calloc(n, sizeof(*w->tracks));
	if (!w->tracks) {
		np_cmd_error(w->ctx, "out of memory");
		return 3;
	}
	w->n_tracks = n;
	for (size_t i = 0; i < n; i++) {
		struct watch_track *t = &w->tracks[i];

		t->w = w;
		t->i = i;
		np_cmd_prun_idle_track(w->prun, i, &t->info);
		if (w->cap && !(t->cap = np_capture_session(w->cap, w->session_budget, errbuf))) {
			np_cmd_error(w->ctx, "%s", errbuf);
			return 3;
		}
	}
	return 0;
}

void np_cmd_watch_tracks_start(struct watch *w)
{
	/* Every rung at once, as one idle run asks its ladder. */
	for (size_t i = 0; i < w->n_tracks; i++) {
		struct watch_track *t = &w->tracks[i];

		t->timer = np_loop_timer(w->loop, 0, start_track, t);
		if (!t->timer)
			np_cmd_error(w->ctx, "out of memory: idle %us rung of check %zu not asked", t->info.idle_s,
				     t->info.check);
	}
}

/* How long stopping may take: every rung's cancel closes its sockets at
 * once; this bounds a run that would not end. */
#define STOP_US 5000000

static void on_stop_deadline(struct np_timer *tm, void *arg)
{
	(void)tm;
	np_loop_stop(((struct watch *)arg)->loop);
}

void np_cmd_watch_tracks_stop(struct watch *w)
{
	struct np_timer *deadline;

	w->stopping = 1;
	for (size_t i = 0; i < w->n_tracks; i++) {
		np_timer_del(w->tracks[i].timer);
		w->tracks[i].timer = NULL;
	}
	if (!w->n_tracks_running)
		return;
	/* Each asking in flight ends as "run.interrupted" and is logged as cut
	 * short (not weighed); the loop then delivers their ends. */
	for (size_t i = 0; i < w->n_tracks; i++)
		if (w->tracks[i].run)
			np_run_cancel(w->tracks[i].run, "run.interrupted");
	deadline = np_loop_timer(w->loop, STOP_US, on_stop_deadline, w);
	if (w->n_tracks_running && np_loop_run(w->loop) < 0)
		np_cmd_error(w->ctx, "event loop failed: %s", strerror(errno));
	np_timer_del(deadline);
}

void np_cmd_watch_tracks_free(struct watch *w)
{
	for (size_t i = 0; i < w->n_tracks; i++) {
		struct watch_track *t = &w->tracks[i];

		np_timer_del(t->timer);
		np_run_free(t->run);
		np_report_free(t->report);
		np_capture_free(t->cap);
	}
	free(w->tracks);
	w->tracks = NULL;
	w->n_tracks = 0;
}

static void labels(FILE *f, const struct watch_track *t)
{
	fprintf(f, "{profile_check=\"%zu\",target=\"", t->info.check);
	np_prom_label_value(f, t->info.target);
	fprintf(f, "\",idle_s=\"%u\"", t->info.idle_s);
}

static void counter(FILE *f, const struct watch *w, const char *name, const char *help, int survived)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
	for (size_t i = 0; i < w->n_tracks; i++) {
		fputs(name, f);
		labels(f, &w->tracks[i]);
		fprintf(f, "} %llu\n", (unsigned long long)(survived ? w->tracks[i].survived : w->tracks[i].asked));
	}
}

void np_cmd_watch_tracks_metrics(const struct watch *w, FILE *f)
{
	if (!w->n_tracks)
		return;
	counter(f, w, "netprobe_watch_idle_asked_total", "Times each idle rung was asked (a connection held silent "
		"for idle_s, then asked again) since the watch started.", 0);
	counter(f, w, "netprobe_watch_idle_survived_total", "Times each idle rung's connection survived its silence "
		"since the watch started.", 1);
	fprintf(f, "# HELP netprobe_watch_idle_last_survived Whether each idle rung's last asking survived, its "
		   "verdict a label.\n# TYPE netprobe_watch_idle_last_survived gauge\n");
	for (size_t i = 0; i < w->n_tracks; i++) {
		const struct watch_track *t = &w->tracks[i];

		if (!t->last_verdict)
			continue;
		fputs("netprobe_watch_idle_last_survived", f);
		labels(f, t);
		fprintf(f, ",verdict=\"%s\"} %d\n", t->last_verdict, strcmp(t->last_verdict, "idle.survived") == 0);
	}
}
