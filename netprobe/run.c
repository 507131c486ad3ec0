/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "run.h"

#include <assert.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "capture.h"
#include "clock.h"
#include "loop.h"
#include "resolve.h"

struct np_run {
	struct np_loop *loop;
	struct np_opts opts;
	struct np_report *report;
	struct np_resolver *resolver;
	struct np_run_events ev;
	struct np_job *queued, *queued_tail;
	size_t n_queued;
	size_t n_makers;               /* queued jobs of jobs (ops->more) */
	struct np_job *maker;          /* the one making jobs now, or NULL */
	struct np_job *running;
	size_t n_running;
	struct np_job *done;           /* freed by the pump, never mid-callback */
	const char *ending;            /* verdict for cancelled jobs, or NULL */
	struct np_timer *pump;
	struct np_timer *deadline;
	int executing;
	struct np_capture *capture;
	struct at_free {
		void (*fn)(void *arg);
		void *arg;
	} at_free[NP_RUN_MAX_HOOKS];
	size_t n_at_free;
	struct at_free on_idle[NP_RUN_MAX_HOOKS];
	size_t n_on_idle;
	void (*on_done)(struct np_run *run, void *arg);  /* np_run_start's */
	void *done_arg;
	int done_called;
	void (*filter)(struct np_finding *f, void *arg);
	void *filter_arg;
	char capture_note[NP_ERRBUF_SIZE + 64];
};

static void list_remove(struct np_job **head, struct np_job *job)
{
	if (job->prev)
		job->prev->next = job->next;
	else
		*head = job->next;
	if (job->next)
		job->next->prev = job->prev;
	job->prev = job->next = NULL;
}

static void list_push(struct np_job **head, struct np_job *job)
{
	job->prev = NULL;
	job->next = *head;
	if (*head)
		(*head)->prev = job;
	*head = job;
}

static void pump(struct np_timer *t, void *arg);

struct np_run *np_run_new(struct np_loop *loop, const struct np_opts *opts,
			  struct np_report *report, char *errbuf)
{
	struct np_run *run = calloc(1, sizeof(*run));

	if (!run) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "run: out of memory");
		return NULL;
	}
	run->loop = loop;
	run->opts = *opts;
	if (run->opts.parallel == 0)
		run->opts.parallel = 1;
	run->report = report;
	run->pump = np_loop_timer(loop, 0, pump, run);
	if (!run->pump) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "run: out of memory");
		free(run);
		return NULL;
	}
	return run;
}

static void free_done(struct np_run *run)
{
	while (run->done) {
		struct np_job *job = run->done;

		run->done = job->next;
		job->ops->free(job);
	}
}

void np_run_free(struct np_run *run)
{
	if (!run)
		return;
	/* A run freed before executing still owns its queued jobs. */
	while (run->queued) {
		struct np_job *job = run->queued;

		list_remove(&run->queued, job);
		job->ops->free(job);
	}
	free_done(run);
	while (run->n_at_free > 0) {
		struct at_free *a = &run->at_free[--run->n_at_free];

		a->fn(a->arg);
	}
	np_resolver_free(run->resolver);
	np_timer_del(run->pump);
	np_timer_del(run->deadline);
	free(run);
}

int np_run_on_idle(struct np_run *run, void (*fn)(void *arg), void *arg)
{
	if (run->n_on_idle == sizeof(run->on_idle) / sizeof(run->on_idle[0]))
		return NP_ENOMEM;
	run->on_idle[run->n_on_idle].fn = fn;
	run->on_idle[run->n_on_idle].arg = arg;
	run->n_on_idle++;
	return 0;
}

int np_run_at_free(struct np_run *run, void (*fn)(void *arg), void *arg)
{
	if (run->n_at_free == sizeof(run->at_free) / sizeof(run->at_free[0]))
		return NP_ENOMEM;
	run->at_free[run->n_at_free].fn = fn;
	run->at_free[run->n_at_free].arg = arg;
	run->n_at_free++;
	return 0;
}

void np_run_set_events(struct np_run *run, const struct np_run_events *ev)
{
	run->ev = *ev;
}

struct np_loop *np_run_loop(struct np_run *run) { return run->loop; }
const struct np_opts *np_run_opts(struct np_run *run) { return &run->opts; }
struct np_report *np_run_report(struct np_run *run) { return run->report; }
struct np_job *np_run_running(struct np_run *run) { return run->running; }
size_t np_run_n_running(struct np_run *run) { return run->n_running; }
size_t np_run_n_queued(struct np_run *run)
{
	size_t n = run->n_queued;

	/* A job of jobs counts as the jobs it has still to make. */
	if (run->n_makers)
		for (const struct np_job *j = run->queued; j; j = j->next)
			if (j->ops->more)
				n += j->ops->left(j) - 1;
	return n;
}
int np_run_ending(struct np_run *run) { return run->ending != NULL; }

struct np_resolver *np_run_resolver(struct np_run *run, char *errbuf)
{
	struct np_resolver_opts ro = {0};

	if (run->resolver)
		return run->resolver;
	ro.timeout_us = run->opts.timeout_us;
	ro.source = run->opts.has_source ? &run->opts.source : NULL;
	ro.interface = run->opts.interface[0] ? run->opts.interface : NULL;
	run->resolver = np_resolver_new(run->loop, &ro, errbuf);
	if (run->resolver) {
		char servers[8][56];
		size_t n = np_resolver_servers(run->resolver, servers, 8);

		for (size_t i = 0; i < n; i++)
			np_report_add_resolver(run->report, servers[i]);
	}
	return run->resolver;
}

void np_run_submit(struct np_run *run, struct np_job *job)
{
	job->run = run;
	job->running = 0;
	job->started_us = 0;
	if (job->ops->more)
		run->n_makers++;
	if (run->maker) {
		/* Made by a job of jobs: in its place, before it. */
		job->next = run->maker;
		job->prev = run->maker->prev;
		if (job->prev)
			job->prev->next = job;
		else
			run->queued = job;
		run->maker->prev = job;
		run->n_queued++;
		return;
	}
	/* FIFO: append at the tail so targets start in the order given. */
	job->next = NULL;
	job->prev = run->queued_tail;
	if (run->queued_tail)
		run->queued_tail->next = job;
	else
		run->queued = job;
	run->queued_tail = job;
	run->n_queued++;
	if (run->executing)
		np_timer_reset(run->pump, 0);
}

static void dequeue(struct np_run *run, struct np_job *job)
{
	if (job == run->queued_tail)
		run->queued_tail = job->prev;
	list_remove(&run->queued, job);
	run->n_queued--;
}

void np_run_set_finding_filter(struct np_run *run, void (*fn)(struct np_finding *f, void *arg), void *arg)
{
	run->filter = fn;
	run->filter_arg = arg;
}

void np_run_finding(struct np_run *run, struct np_finding *f)
{
	if (!f)
		return;
	if (run->filter)
		run->filter(f, run->filter_arg);
	if (np_report_add(run->report, f) < 0)
		return;
	if (run->ev.finding)
		run->ev.finding(f, run->ev.arg);
}

void np_run_job_done(struct np_run *run, struct np_job *job)
{
	if (job->running) {
		list_remove(&run->running, job);
		run->n_running--;
		job->running = 0;
		if (run->ev.job_ended)
			run->ev.job_ended(job, run->ev.arg);
	} else {
		dequeue(run, job);
	}
	list_push(&run->done, job);
	np_timer_reset(run->pump, 0);
}

void np_run_set_capture(struct np_run *run, struct np_capture *cap, const char *note)
{
	run->capture = cap;
	snprintf(run->capture_note, sizeof(run->capture_note), "%s", note ? note : "");
}

struct np_capture *np_run_capture(struct np_run *run)
{
	return run->capture;
}

struct np_flow_table *np_run_flows(struct np_run *run)
{
	return run->capture ? np_capture_flows(run->capture) : NULL;
}

const char *np_run_capture_note(struct np_run *run)
{
	return run->capture_note;
}

void np_run_note_source(struct np_run *run, const struct sockaddr *sa)
{
	char a[NP_ADDR_STR_MAX];

	np_report_add_source(run->report, np_addr_str(sa, a, sizeof(a)));
}

/* A job of jobs makes up to want of them (queued before it); once it has
 * none left it is done. Returns how many it made. */
static size_t make(struct np_run *run, struct np_job *maker, size_t want)
{
	size_t n;

	run->maker = maker;
	n = maker->ops->more(maker, want);
	run->maker = NULL;
	if (n == 0) {
		dequeue(run, maker);
		run->n_makers--;
		list_push(&run->done, maker);
	}
	return n;
}

static void pump(struct np_timer *t, void *arg)
{
	struct np_run *run = arg;

	(void)t;
	free_done(run);
	while (!run->ending && run->queued && run->n_running < run->opts.parallel) {
		struct np_job *job = run->queued;

		if (job->ops->more) {
			make(run, job, run->opts.parallel - run->n_running);
			continue;
		}
		dequeue(run, job);
		list_push(&run->running, job);
		run->n_running++;
		job->running = 1;
		job->started_us = np_now_us();
		if (run->ev.job_started)
			run->ev.job_started(job, run->ev.arg);
		job->ops->start(job);
	}
	free_done(run);
	if (!run->running && !run->queued && !run->ending)
		for (size_t i = 0; i < run->n_on_idle; i++)
			run->on_idle[i].fn(run->on_idle[i].arg);
	if (run->running || run->queued)
		return;
	if (!run->on_done) {
		np_loop_stop(run->loop);
	} else if (!run->done_called && run->executing) {
		/* The last act: done may free the run. */
		run->done_called = 1;
		run->executing = 0;
		free_done(run);
		np_report_finish(run->report);
		run->on_done(run, run->done_arg);
	}
}

static void end_run(struct np_run *run, const char *verdict)
{
	if (run->ending)
		return;
	run->ending = verdict;
	while (run->running) {
		struct np_job *job = run->running;

		job->ops->cancel(job, verdict);
		assert(run->running != job);
	}
	while (run->queued) {
		struct np_job *job = run->queued;

		if (job->ops->more) {
			/* Its jobs are made now, and cancelled in turn. */
			while (make(run, job, SIZE_MAX) > 0)
				;
			continue;
		}
		job->ops->cancel(job, verdict);
		assert(run->queued != job);
	}
	np_timer_reset(run->pump, 0);
}

static void on_deadline(struct np_timer *t, void *arg)
{
	(void)t;
	end_run(arg, "run.deadline");
}

static void on_signal(int signo, void *arg)
{
	struct np_run *run = arg;

	if (!run->report->signal)
		run->report->signal = signo;
	end_run(run, "run.interrupted");
}

int np_run_start(struct np_run *run, void (*done)(struct np_run *run, void *arg), void *arg)
{
	run->on_done = done;
	run->done_arg = arg;
	if (run->opts.deadline_us > 0) {
		run->deadline = np_loop_timer(run->loop, run->opts.deadline_us, on_deadline, run);
		if (!run->deadline)
			return NP_ENOMEM;
	}
	run->executing = 1;
	np_timer_reset(run->pump, 0);
	return 0;
}

void np_run_cancel(struct np_run *run, const char *verdict)
{
	end_run(run, verdict);
}

int np_run_execute(struct np_run *run)
{
	int err;

	err = np_loop_signals(run->loop, on_signal, run);
	if (err < 0)
		return err;
	/* Started as a run on another's loop is, with no one to tell: the
	 * last job's end stops the loop instead. */
	err = np_run_start(run, NULL, NULL);
	if (err < 0)
		return err;
	err = np_loop_run(run->loop);
	run->executing = 0;
	free_done(run);
	np_report_finish(run->report);
	return err;
}
