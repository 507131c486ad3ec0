/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The run (netprobe/run.c): jobs start in the order given, never more than
 * --parallel at once; a job of jobs (ops->more) makes its jobs in its place
 * as the queue reaches it, holds none of them before, counts as what it
 * has left, and when the run ends early has the rest made and cancelled
 * as any queued job is. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netprobe/error.h"
#include "netprobe/loop.h"
#include "netprobe/report.h"
#include "netprobe/run.h"

#define LOG_MAX 64

struct world {
	struct np_loop *loop;
	struct np_report *report;
	struct np_run *run;
	char log[LOG_MAX][16];          /* "start X", "cancel X", "never X" */
	size_t n_log;
	size_t alive, alive_max;        /* work jobs allocated now, and the most */
	size_t running_max;
	size_t wants[LOG_MAX], n_wants; /* what each more() was asked for */
	int makers_freed;
	int cancel_after;               /* np_run_cancel when this many have started; 0 never */
	size_t started;
};

static struct world W;

static void say(const char *what, char id)
{
	if (W.n_log < LOG_MAX)
		snprintf(W.log[W.n_log++], sizeof(W.log[0]), "%s %c", what, id);
}

/* --- a job that ends on a timer ------------------------------------------ */

struct work {
	struct np_job job;
	char id;
	struct np_timer *t;
};

static void work_end(struct np_timer *t, void *arg)
{
	struct work *w = arg;

	(void)t;
	np_timer_del(w->t);
	w->t = NULL;
	np_run_job_done(w->job.run, &w->job);
}

static void work_start(struct np_job *job)
{
	struct work *w = (struct work *)job;

	say("start", w->id);
	W.started++;
	if (np_run_n_running(W.run) > W.running_max)
		W.running_max = np_run_n_running(W.run);
	w->t = np_loop_timer(W.loop, 1000, work_end, w);
	assert_non_null(w->t);
	if (W.cancel_after && W.started == (size_t)W.cancel_after)
		np_run_cancel(W.run, "run.interrupted");
}

static void work_cancel(struct np_job *job, const char *verdict)
{
	struct work *w = (struct work *)job;

	assert_string_equal(verdict, "run.interrupted");
	say(job->running ? "cancel" : "never", w->id);
	np_timer_del(w->t);
	w->t = NULL;
	np_run_job_done(job->run, job);
}

static void work_free(struct np_job *job)
{
	W.alive--;
	free(job);
}

static const struct np_job_ops work_ops = {.start = work_start, .cancel = work_cancel, .free = work_free};

static struct work *work_new(char id)
{
	struct work *w = calloc(1, sizeof(*w));

	assert_non_null(w);
	w->job.ops = &work_ops;
	w->id = id;
	if (++W.alive > W.alive_max)
		W.alive_max = W.alive;
	return w;
}

/* --- a job of jobs --------------------------------------------------------- */

struct maker {
	struct np_job job;
	const char *ids;                /* one job each, in this order */
	size_t next;
};

static size_t maker_more(struct np_job *job, size_t want)
{
	struct maker *m = (struct maker *)job;
	size_t made = 0;

	if (W.n_wants < LOG_MAX)
		W.wants[W.n_wants++] = want;
	for (; made < want && m->ids[m->next]; made++)
		np_run_submit(W.run, &work_new(m->ids[m->next++])->job);
	return made;
}

static size_t maker_left(const struct np_job *job)
{
	const struct maker *m = (const struct maker *)job;

	return strlen(m->ids + m->next);
}

static void maker_free(struct np_job *job)
{
	W.makers_freed++;
	free(job);
}

static const struct np_job_ops maker_ops = {.free = maker_free, .more = maker_more, .left = maker_left};

static void submit_maker(const char *ids)
{
	struct maker *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	m->job.ops = &maker_ops;
	m->ids = ids;
	np_run_submit(W.run, &m->job);
}

/* --- the run ------------------------------------------------------------------ */

static void on_done(struct np_run *run, void *arg)
{
	(void)run;
	(void)arg;
	np_loop_stop(W.loop);
}

static void world_new(unsigned parallel)
{
	char errbuf[NP_ERRBUF_SIZE] = "";
	struct np_opts o = {0};

	memset(&W, 0, sizeof(W));
	o.parallel = parallel;
	o.timeout_us = 1000000;
	W.loop = np_loop_new(errbuf);
	assert_non_null(W.loop);
	W.report = np_report_new("test");
	assert_non_null(W.report);
	W.run = np_run_new(W.loop, &o, W.report, errbuf);
	assert_non_null(W.run);
}

static void world_go(void)
{
	assert_int_equal(np_run_start(W.run, on_done, NULL), 0);
	assert_int_equal(np_loop_run(W.loop), 0);
}

static void world_free(void)
{
	np_run_free(W.run);
	np_report_free(W.report);
	np_loop_free(W.loop);
	assert_int_equal(W.alive, 0);
}

static void expect_log(const char *const *want, size_t n)
{
	for (size_t i = 0; i < W.n_log; i++)
		print_message("  %s\n", W.log[i]);
	assert_int_equal(W.n_log, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(W.log[i], want[i]);
}

/* A, B, C, then a job of five jobs, then D: started in that order, two at
 * a time, the five made in the maker's place and only as there is room. */
static void jobs_of_jobs_keep_their_place(void **state)
{
	static const char *const want[] = {"start A", "start B", "start C", "start 1", "start 2",
					   "start 3", "start 4", "start 5", "start D"};

	(void)state;
	world_new(2);
	np_run_submit(W.run, &work_new('A')->job);
	np_run_submit(W.run, &work_new('B')->job);
	np_run_submit(W.run, &work_new('C')->job);
	submit_maker("12345");
	np_run_submit(W.run, &work_new('D')->job);
	/* The maker counts as the five it holds. */
	assert_int_equal(np_run_n_queued(W.run), 9);
	assert_int_equal(W.alive, 4);
	world_go();
	expect_log(want, sizeof(want) / sizeof(want[0]));
	assert_int_equal(W.running_max, 2);
	assert_int_equal(W.makers_freed, 1);
	/* Never asked for more than there was room for, and never holding
	 * more made jobs than run at once (plus those ending). */
	for (size_t i = 0; i < W.n_wants; i++)
		assert_in_range(W.wants[i], 1, 2);
	assert_true(W.alive_max <= 4 + 2);
	world_free();
}

/* A run that ends early: the running job is cancelled, the queued ones
 * and every job the maker still held are made and told they never ran. */
static void an_early_end_cancels_what_a_maker_holds(void **state)
{
	/* (running jobs are cancelled newest first, queued ones in order) */
	static const char *const want[] = {"start 1", "start 2", "cancel 2", "cancel 1", "never 3",
					   "never 4", "never 5", "never E"};

	(void)state;
	world_new(2);
	W.cancel_after = 2;
	submit_maker("12345");
	np_run_submit(W.run, &work_new('E')->job);
	world_go();
	expect_log(want, sizeof(want) / sizeof(want[0]));
	assert_int_equal(W.makers_freed, 1);
	assert_int_equal(np_run_n_queued(W.run), 0);
	world_free();
}

/* A run freed before it ran frees a maker it still holds, and the maker
 * makes nothing. */
static void a_run_never_run_frees_its_maker(void **state)
{
	(void)state;
	world_new(4);
	submit_maker("123");
	world_free();
	assert_int_equal(W.makers_freed, 1);
	assert_int_equal(W.n_wants, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(jobs_of_jobs_keep_their_place),
		cmocka_unit_test(an_early_end_cancels_what_a_maker_holds),
		cmocka_unit_test(a_run_never_run_frees_its_maker),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
