/* SPDX-License-Identifier: GPL-3.0-or-later */
/* netprobe watch's state, shared by its command (cmd_watch.c) and its HTTP
 * endpoint (cmd_watch_http.c). */
#ifndef NETPROBE_CMD_WATCH_INT_H
#define NETPROBE_CMD_WATCH_INT_H

#include <sys/socket.h>

#include "cmd.h"
#include "../netprobe/watch.h"
#include "../netprobe/watch_log.h"

struct np_http;
struct np_http_req;
struct watch_probe;

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
};

/* --listen ADDR:PORT, [ADDR]:PORT, :PORT or PORT (loopback): 0, or 2 after
 * the error line. */
int np_cmd_watch_parse_listen(struct np_cmd_ctx *ctx, const char *s, struct sockaddr_storage *ss, socklen_t *len);
/* Every request to the endpoint. */
void np_cmd_watch_on_http(struct np_http_req *req, void *arg);
/* Answer and end every /probe still running (the watch is stopping). */
void np_cmd_watch_probes_stop(struct watch *w);
/* A cycle's findings, for /metrics: the latest document, the counters. */
void np_cmd_watch_note_cycle(struct watch *w, const struct np_report *r);

#endif
