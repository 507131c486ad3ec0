/* SPDX-License-Identifier: GPL-3.0-or-later */
/* netprobe watch's state, shared by its command (cmd_watch.c) and its HTTP
 * endpoint (cmd_watch_http.c). */
#ifndef NETPROBE_CMD_WATCH_INT_H
#define NETPROBE_CMD_WATCH_INT_H

#include <stdio.h>
#include <sys/socket.h>

#include "cmd.h"
#include "../netprobe/watch.h"
#include "../netprobe/watch_log.h"

/* Probes on demand at once: a scraper retrying in a loop cannot pile up
 * runs on the watch. */
#define NP_WATCH_MAX_PROBES 8

struct np_http;
struct np_http_req;
struct watch_probe;
struct watch_track;

struct watch {
	struct np_cmd_ctx *ctx;
	struct np_cmd_prun *prun;
	int64_t every_us, for_us;
	uint64_t keep;
	const char *dir;
	int dirfd, evfd;
	struct np_watch_log log;
	struct np_watch_state state;
	struct np_loop *loop;
	struct np_capture *cap;
	char note[NP_ERRBUF_SIZE + 128];
	int signo;                      /* SIGTERM/SIGINT that ends the watch */
	uint64_t cycles;                /* run by this process */
	/* --listen */
	struct np_http *http;
	json_t *latest;                 /* the last whole cycle's report document */
	json_t *failures;               /* "check verdict" -> findings failed since start */
	struct watch_probe *probes;     /* /probe requests running */
	size_t n_probes;
	/* idle rungs, each asked again as it ends (cmd_watch_idle.c) */
	struct watch_track *tracks;
	size_t n_tracks, n_tracks_running;
	int64_t end_us;                 /* when --for ends (monotonic), 0: never */
	size_t session_budget;          /* evidence bytes of each rung's and probe's capture session */
	int stopping;
};

/* --listen ADDR:PORT, [ADDR]:PORT, :PORT or PORT (loopback): 0, or 2 after
 * the error line. */
int np_cmd_watch_parse_listen(struct np_cmd_ctx *ctx, const char *s, struct sockaddr_storage *ss, socklen_t *len);
/* Every request to the endpoint. */
void np_cmd_watch_on_http(struct np_http_req *req, void *arg);
/* Answer and end every /probe still running (the watch is stopping). */
void np_cmd_watch_probes_stop(struct watch *w);
/* A cycle's or a rung's findings, for /metrics: the failure counters,
 * and a whole cycle's document as the latest. */
void np_cmd_watch_note_findings(struct watch *w, const struct np_report *r, int whole_cycle);
/* /metrics' lines for the idle rungs. */
void np_cmd_watch_tracks_metrics(const struct watch *w, FILE *f);

/* One log line (seq and time added); a failed write says so on stderr. */
int np_cmd_watch_log_line(struct watch *w, json_t *obj);
/* What a cycle or a rung found, against what the log knew: change lines,
 * the evidence when something failed or changed (cap's packets), the
 * line of the cycle or rung (head, taken: {"event": "cycle", "cycle": N}
 * or {"event": "rung", ...}), fsync. 0, or 3 (out of memory). */
int np_cmd_watch_record(struct watch *w, json_t *head, struct np_report *report, struct np_capture *cap,
			int64_t started_wall, int64_t duration_us);

/* The idle tracks: the profile's idle checks leave the cycles and each
 * rung is asked on its own, a new connection as each ends. Opened while
 * the capture is (each rung's evidence a session of it), started with the
 * loop, stopped (their runs interrupted, recorded) before the watch ends. */
int np_cmd_watch_tracks_open(struct watch *w);
void np_cmd_watch_tracks_start(struct watch *w);
void np_cmd_watch_tracks_stop(struct watch *w);
void np_cmd_watch_tracks_free(struct watch *w);

#endif
