/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_WATCH_H
#define NETPROBE_WATCH_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "error.h"
#include "report.h"

/*
 * netprobe watch's schedule and memory: when the next cycle starts, and
 * which findings changed since the last cycle. Pure: no I/O, no clock
 * (callers pass the times), so every rule here is unit-tested.
 */

/* "500ms", "30s", "5m", "2h", "1d", or plain seconds ("1.5"); more than
 * 0 and at most a year. 0, or NP_EINVAL. */
int np_watch_parse_duration(const char *s, int64_t *us);
/* "4096", "512K", "100M", "2G" (powers of 1024), at least 1 byte and at
 * most 1 TiB. 0, or NP_EINVAL. */
int np_watch_parse_size(const char *s, uint64_t *bytes);

/*
 * The schedule: slot k is due at t0 + k * every + jitter, the jitter up to
 * a tenth of every (rnd / 2^32 of it) so that many watches started at once
 * do not probe in step. Cycles never overlap: a cycle that ran past its
 * successor's slot is followed at once by the next slot not yet past, and
 * the slots it ran over are skipped, not caught up. *k is the last slot run
 * (0 before the first); it becomes the next one. Returns its start.
 */
int64_t np_watch_next_start(int64_t t0_us, int64_t every_us, uint64_t *k, int64_t now_us, uint32_t rnd);

/* What a finding is, across cycles: its check, target, address and the
 * metrics that tell two findings of one check apart (path, resolver, type,
 * scope, rung). "" when it cannot be made. */
void np_watch_finding_key(const struct np_finding *f, char *buf, size_t len);

/* The last status and verdict of every finding key (a JSON object of
 * {"status", "verdict"}), rebuilt from the event log on restart. */
struct np_watch_state {
	json_t *last;
};

/* One cycle's findings weighed against the state. */
struct np_watch_cycle {
	json_t *changes;                /* array: one object per changed finding */
	size_t counts[NP_STATUS_COUNT];
	size_t n_findings;
	int failed;                     /* a finding failed or could not run */
	int changed;                    /* a finding's status or verdict changed from a known one */
	int interrupted;                /* cut short (deadline, signal): not weighed */
};

int np_watch_state_init(struct np_watch_state *s);
void np_watch_state_release(struct np_watch_state *s);
/* Record a change line of the log (restart): its key, status, verdict. */
int np_watch_state_note(struct np_watch_state *s, const json_t *change);

/* Weigh the report's findings: every finding whose status or verdict is
 * not the state's (or that the state has never seen) becomes a change
 * object (key, check, target, address, profile_check, status, verdict,
 * summary, previous), and the state takes it. A cycle cut short changes
 * nothing. 0, or NP_ENOMEM. */
int np_watch_evaluate(struct np_watch_state *s, const struct np_report *r, struct np_watch_cycle *c);
void np_watch_cycle_release(struct np_watch_cycle *c);

#endif
