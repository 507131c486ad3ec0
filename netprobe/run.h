/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_RUN_H
#define NETPROBE_RUN_H

#include <net/if.h>
#include <stdint.h>
#include <sys/socket.h>

#include "error.h"
#include "finding.h"
#include "report.h"

struct np_loop;
struct np_resolver;
struct np_capture;
struct np_flow_table;
struct np_run;
struct np_job;

/* np_run_at_free / np_run_on_idle callbacks a run holds (a profile's checks
 * each register theirs). */
#define NP_RUN_MAX_HOOKS 512

/* Options every check shares (the vantage point and the budgets). */
struct np_opts {
	int64_t timeout_us;          /* per probe */
	int64_t deadline_us;         /* whole run; 0 = none */
	unsigned parallel;           /* probes running at once */
	int family;                  /* AF_UNSPEC, AF_INET, AF_INET6 */
	int has_source;
	struct sockaddr_storage source;
	char interface[IF_NAMESIZE]; /* "" = any */
};

/*
 * A job is one unit of probing work with the shape every probe shares:
 * start() registers watchers and timers on the loop; callbacks advance it;
 * it ends by handing its findings to np_run_finding() and calling
 * np_run_job_done() as its very last act. cancel() ends it early (deadline
 * or interrupt) with findings carrying the given verdict, whether it was
 * started or not, and also ends with np_run_job_done().
 */
struct np_job_ops {
	void (*start)(struct np_job *job);
	void (*cancel)(struct np_job *job, const char *verdict);
	void (*free)(struct np_job *job);
	/*
	 * A job that stands for many (the queries of 10,000 names) sets these
	 * two, and is never started nor cancelled: when the queue reaches it,
	 * more(job, want) submits up to want of its jobs (np_run_submit puts
	 * them just before it, in order) and returns how many it made, 0 once
	 * it has none left; then it is freed. A run that ends early has it
	 * make the rest, which are cancelled as any queued job is. left(job)
	 * says how many it has still to make (np_run_n_queued counts them).
	 */
	size_t (*more)(struct np_job *job, size_t want);
	size_t (*left)(const struct np_job *job);
};

struct np_job {
	const struct np_job_ops *ops;
	struct np_run *run;
	char label[128];             /* what the live display shows (48 columns of it) */
	int64_t started_us;          /* 0 while queued */
	int64_t wait_until_us;       /* when the current wait ends, 0 if none */
	int running;
	struct np_job *prev, *next;  /* run's queued or running list */
};

/* What the face wants to hear about while the run goes (all optional). */
struct np_run_events {
	void (*job_started)(struct np_job *job, void *arg);
	void (*job_ended)(struct np_job *job, void *arg);
	void (*finding)(const struct np_finding *f, void *arg);
	void *arg;
};

struct np_run *np_run_new(struct np_loop *loop, const struct np_opts *opts,
			  struct np_report *report, char *errbuf);
void np_run_free(struct np_run *run);
void np_run_set_events(struct np_run *run, const struct np_run_events *ev);

struct np_loop *np_run_loop(struct np_run *run);
const struct np_opts *np_run_opts(struct np_run *run);
struct np_report *np_run_report(struct np_run *run);
/* The run's resolver (system resolvers), created on first use. */
struct np_resolver *np_run_resolver(struct np_run *run, char *errbuf);

/* Queue a job; it starts when fewer than opts.parallel are running (a
 * job of jobs: its jobs do, as the queue reaches it). */
void np_run_submit(struct np_run *run, struct np_job *job);
/* 1 once the run is ending (deadline, signal): jobs submit nothing new. */
int np_run_ending(struct np_run *run);
/* Hand a finding to the report (ownership passes). */
void np_run_finding(struct np_run *run, struct np_finding *f);
/* Every finding passes through fn before it is reported: a run of a
 * profile applies what each check expects (deny, not required) there. */
void np_run_set_finding_filter(struct np_run *run, void (*fn)(struct np_finding *f, void *arg), void *arg);
void np_run_job_done(struct np_run *run, struct np_job *job);

/* The packet capture the probes register their flows with; NULL when
 * there is none, and then note says why (for each finding's evidence). */
void np_run_set_capture(struct np_run *run, struct np_capture *cap, const char *note);
struct np_capture *np_run_capture(struct np_run *run);
struct np_flow_table *np_run_flows(struct np_run *run);
const char *np_run_capture_note(struct np_run *run);

/* Record a local address a probe used (for the report's host.sources). */
void np_run_note_source(struct np_run *run, const struct sockaddr *sa);

/* Call fn(arg) when the run is freed: state that jobs share (resolver
 * channels, tables for cross-job verdicts) outlives every job. */
int np_run_at_free(struct np_run *run, void (*fn)(void *arg), void *arg);

/* Call fn(arg) each time the run has nothing running or queued, before it
 * ends: a check can then decide what needs every job's result (and may
 * submit more jobs). At most NP_RUN_MAX_HOOKS. */
int np_run_on_idle(struct np_run *run, void (*fn)(void *arg), void *arg);

/* Run every submitted job to completion, the deadline, or a signal. */
int np_run_execute(struct np_run *run);

/* The same on a loop that other code runs (netprobe watch's probes on
 * demand): no signals taken, the loop never stopped; done(run, arg) is
 * called once, from the loop, when every job has ended (the report
 * finished), and may free the run. 0, or NP_ENOMEM. */
int np_run_start(struct np_run *run, void (*done)(struct np_run *run, void *arg), void *arg);
/* End every job of a run now, their findings carrying verdict
 * ("run.interrupted", "run.deadline"). */
void np_run_cancel(struct np_run *run, const char *verdict);

/* The running jobs, for the live display. */
struct np_job *np_run_running(struct np_run *run);
size_t np_run_n_running(struct np_run *run);
size_t np_run_n_queued(struct np_run *run);

#endif
