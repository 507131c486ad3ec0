/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_WATCH_LOG_H
#define NETPROBE_WATCH_LOG_H

#include <stdint.h>

#include <jansson.h>

#include "error.h"
#include "watch.h"

/*
 * What netprobe watch keeps in its state directory:
 *
 *   events.jsonl   the event log, JSON Lines, append-only: a "start" line
 *                  per start, a "change" line per finding whose status or
 *                  verdict changed, a "cycle" line (heartbeat) per cycle,
 *                  a "rung" line per asking of an idle rung (they run on
 *                  their own, apart from the cycles), a "stop" line at a
 *                  clean end. Every line has "seq"
 *                  (1, 2, ... across restarts) and "time" (UTC).
 *   evidence/      cycle-NNNNNNNN.pcapng, the packets of the cycles where
 *                  something failed or changed, and idle-NNNNNNNN.pcapng,
 *                  those of the idle rungs that did; a ring bounded in
 *                  bytes.
 *
 * A line is written with one write(2) and the log is fsync'ed at each
 * cycle's end: a crash or SIGKILL leaves at most a torn last line, which
 * the next start drops (and says so in its start line).
 */

#define NP_WATCH_LOG_NAME "events.jsonl"
#define NP_WATCH_EVIDENCE_DIR "evidence"
/* A log line longer than this was not written by us. */
#define NP_WATCH_LINE_MAX (1 << 20)

struct np_watch_log {
	int fd;
	uint64_t size;                  /* bytes of whole lines */
	uint64_t next_seq;
	uint64_t last_cycle;            /* the highest cycle number logged, 0 if none */
	uint64_t dropped_bytes;         /* torn tail dropped at open */
	uint64_t lines;                 /* lines read at open */
};

/*
 * Open (create, 0600) dirfd's events.jsonl and lock it (a second watch on
 * the same directory is refused, NP_ESYS with errbuf saying so). Read it: the bytes after its last newline, and whole lines
 * at its end that are not JSON objects (a crash mid-write), are cut off;
 * a bad line before a good one is an error (the log is not ours to
 * repair). Every change line is noted in state. 0, or a negative NP_E*
 * with errbuf.
 */
int np_watch_log_open(struct np_watch_log *log, int dirfd, struct np_watch_state *state, char *errbuf);
void np_watch_log_close(struct np_watch_log *log);

/* Append one line: obj gets "seq" and "time" (wall clock now) first. A
 * write that fails (a full disk) is undone, so no torn line stays behind.
 * 0, or NP_EIO/NP_ENOMEM with errbuf. */
int np_watch_log_append(struct np_watch_log *log, json_t *obj, char *errbuf);
/* fsync: the end of a cycle. */
int np_watch_log_sync(struct np_watch_log *log, char *errbuf);

/* "2026-12-05T14:13:03.123Z" for a wall-clock time in microseconds. */
void np_watch_time_str(int64_t wall_us, char *buf, size_t len);
int64_t np_watch_wall_us(void);

/* An evidence file's name: a cycle's by its number ("cycle",
 * "cycle-00000012.pcapng"), an idle rung's by the seq of the first log
 * line of its record ("idle", "idle-00000345.pcapng"). */
void np_watch_evidence_name(const char *kind, uint64_t n, char *buf, size_t len);
/* Leftovers of a write cut short (*.tmp) are removed. */
void np_watch_evidence_clean(int evfd);
/* Keep the ring within keep bytes: the oldest files go first (as
 * tcpdump -C -W), by when they were written, never the newest one. Returns how many went, or a
 * negative NP_E*. */
int np_watch_evidence_prune(int evfd, uint64_t keep, char *errbuf);

#endif
