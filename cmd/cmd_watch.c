/* SPDX-License-Identifier: GPL-3.0-or-later */
/* netprobe watch: a profile's checks again and again on a jittered
 * schedule, in one loop and one capture; what changed goes to an
 * append-only event log, the packets of the cycles that failed or changed
 * to a bounded evidence ring (netprobe/watch_log.h). */

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "../netprobe/capture.h"
#include "../netprobe/clock.h"
#include "../netprobe/loop.h"
#include "../netprobe/privdrop.h"
#include "../netprobe/watch.h"
#include "../netprobe/watch_http.h"
#include "../netprobe/watch_log.h"
#include "../netprobe/watch_report.h"
#include "watch_int.h"

enum { OPT_PROFILE = 0x400, OPT_SET, OPT_ONLY, OPT_EVERY, OPT_FOR, OPT_STATE_DIR, OPT_KEEP, OPT_LISTEN };

static const struct np_cmd_opt watch_opts[] = {
	{"profile", required_argument, OPT_PROFILE, "NAME|FILE", "the profile whose checks are watched (as netprobe run)"},
	{"set", required_argument, OPT_SET, "KEY=VALUE", "fill ${KEY} in the profile (repeat)"},
	{"only", required_argument, OPT_ONLY, "TAG", "watch only the checks with this tag (repeat: any of them)"},
	{"every", required_argument, OPT_EVERY, "DURATION", "a cycle this often, jittered by up to a tenth (default 60s)"},
	{"for", required_argument, OPT_FOR, "DURATION", "stop after this long (default: until SIGTERM/SIGINT)"},
	{"state-dir", required_argument, OPT_STATE_DIR, "DIR", "where the event log and the evidence go (created 0700)"},
	{"keep-evidence", required_argument, OPT_KEEP, "SIZE", "bytes of evidence pcapng kept, oldest dropped first (default 100M)"},
	{"listen", required_argument, OPT_LISTEN, "ADDR:PORT", "serve /metrics and /probe (blackbox_exporter style) here; PORT alone: 127.0.0.1"},
	{0},
};

#define DEFAULT_EVERY_US (60 * 1000000LL)
#define DEFAULT_KEEP ((uint64_t)100 << 20)


/* --- the state directory (privileged: before the drop) -------------------------------- */

/* As root, the watch goes on as --user once capture is open: what it
 * writes later must be that user's. Only what the watch itself created
 * changes hands; a directory the user named that someone else owns is an
 * error, not something to chown. */
static int owner_for(struct np_cmd_ctx *ctx, uid_t *uid, gid_t *gid)
{
	struct passwd *pw;

	if (geteuid() != 0)
		return 0;
	pw = getpwnam(ctx->user);
	if (!pw) {
		np_cmd_error(ctx, "--user %s: no such user", ctx->user);
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 1;
}

static int open_subdir(struct np_cmd_ctx *ctx, int at, const char *name, const char *shown, int chown_to,
		       uid_t uid, gid_t gid)
{
	struct stat st;
	int created = mkdirat(at, name, 0700) == 0, fd;

	if (!created && errno != EEXIST) {
		np_cmd_error(ctx, "--state-dir %s: %s", shown, strerror(errno));
		return -1;
	}
	fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) < 0) {
		np_cmd_error(ctx, "--state-dir %s: %s", shown, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (chown_to && created && fchown(fd, uid, gid) < 0) {
		np_cmd_error(ctx, "--state-dir %s: chown: %s", shown, strerror(errno));
		goto fail;
	}
	if (chown_to && !created && st.st_uid != uid) {
		np_cmd_error(ctx, "--state-dir %s: owned by uid %u, but the watch runs as %s (uid %u) once capture "
			     "is open: give a directory of %s's, or one that does not exist yet", shown,
			     (unsigned)st.st_uid, ctx->user, (unsigned)uid, ctx->user);
		goto fail;
	}
	/* Packets and findings of the network: for its owner only. */
	if ((st.st_mode & 07777) != 0700 && fchmod(fd, 0700) < 0) {
		np_cmd_error(ctx, "--state-dir %s: chmod 0700: %s", shown, strerror(errno));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

static int open_state(struct watch *w)
{
	struct np_cmd_ctx *ctx = w->ctx;
	char errbuf[NP_ERRBUF_SIZE], shown[4200];
	uid_t uid = 0;
	gid_t gid = 0;
	int chown_to = owner_for(ctx, &uid, &gid), err;

	if (chown_to < 0)
		return 2;
	w->dirfd = open_subdir(ctx, AT_FDCWD, w->dir, w->dir, chown_to, uid, gid);
	if (w->dirfd < 0)
		return 2;
	snprintf(shown, sizeof(shown), "%s/%s", w->dir, NP_WATCH_EVIDENCE_DIR);
	w->evfd = open_subdir(ctx, w->dirfd, NP_WATCH_EVIDENCE_DIR, shown, chown_to, uid, gid);
	if (w->evfd < 0)
		return 2;
	err = np_watch_state_init(&w->state);
	if (err == 0)
		err = np_watch_log_open(&w->log, w->dirfd, &w->state, errbuf);
	else
		snprintf(errbuf, sizeof(errbuf), "out of memory");
	if (err < 0) {
		np_cmd_error(ctx, "--state-dir %s: %s", w->dir, errbuf);
		return err == NP_EINVAL || err == NP_ESYS ? 2 : 3;
	}
	if (chown_to && fchown(w->log.fd, uid, gid) < 0) {
		np_cmd_error(ctx, "--state-dir %s: chown %s: %s", w->dir, NP_WATCH_LOG_NAME, strerror(errno));
		return 2;
	}
	np_watch_evidence_clean(w->evfd);
	return 0;
}

/* --- cycles ------------------------------------------------------------------------------- */

static void on_signal(int signo, void *arg)
{
	struct watch *w = arg;

	if (!w->signo)
		w->signo = signo;
	np_loop_stop(w->loop);
}

static void on_wake(struct np_timer *t, void *arg)
{
	(void)t;
	np_loop_stop(((struct watch *)arg)->loop);
}

/* Sleep on the loop until mono time `until` or a signal. */
static int wait_until(struct watch *w, int64_t until)
{
	int64_t d = until - np_now_us();
	struct np_timer *t;
	int err;

	if (d <= 0)
		return 0;
	if (np_loop_signals(w->loop, on_signal, w) < 0)
		return NP_ESYS;
	t = np_loop_timer(w->loop, d, on_wake, w);
	if (!t)
		return NP_ENOMEM;
	err = np_loop_run(w->loop);
	np_timer_del(t);
	return err;
}

static uint32_t random32(void)
{
	uint32_t r = 0;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
		r = (uint32_t)np_now_us() * 2654435761u;
	return r;
}

int np_cmd_watch_log_line(struct watch *w, json_t *obj)
{
	char errbuf[NP_ERRBUF_SIZE];
	int err = obj ? np_watch_log_append(&w->log, obj, errbuf) : NP_ENOMEM;

	if (!obj)
		snprintf(errbuf, sizeof(errbuf), "out of memory");
	/* A full disk loses this line, not the watch: the next cycle tries
	 * again, and the gap shows in the numbering of the cycles. */
	if (err < 0)
		np_cmd_error(w->ctx, "--state-dir %s: %s", w->dir, errbuf);
	json_decref(obj);
	return err;
}

/* A round's packets as evidence/NAME, written as NAME.tmp, fsync'ed, then
 * renamed: the ring never holds half a file. */
static int save_evidence(struct watch *w, struct np_capture *cap, const char *name)
{
	char tmp[96], errbuf[NP_ERRBUF_SIZE];
	int fd, fd2 = -1, err;
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", name);
	fd = openat(w->evfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0)
		fd2 = dup(fd);
	f = fd2 >= 0 ? fdopen(fd2, "w") : NULL;
	if (!f) {
		np_cmd_error(w->ctx, "--state-dir %s: %s/%s: %s", w->dir, NP_WATCH_EVIDENCE_DIR, tmp, strerror(errno));
		if (fd2 >= 0)
			close(fd2);
		err = NP_ESYS;
		goto out;
	}
	err = np_capture_save(cap, f, errbuf);  /* closes f */
	if (err < 0) {
		np_cmd_error(w->ctx, "--state-dir %s: %s/%s: %s", w->dir, NP_WATCH_EVIDENCE_DIR, name, errbuf);
		goto out;
	}
	if (fsync(fd) < 0 || renameat(w->evfd, tmp, w->evfd, name) < 0 || fsync(w->evfd) < 0) {
		np_cmd_error(w->ctx, "--state-dir %s: %s/%s: %s", w->dir, NP_WATCH_EVIDENCE_DIR, name, strerror(errno));
		err = NP_ESYS;
	}
out:
	if (fd >= 0)
		close(fd);
	if (err < 0)
		unlinkat(w->evfd, tmp, 0);
	return err;
}

/* One line on stderr per change (journald keeps it as one entry). */
static void say_change(const json_t *head, const json_t *c)
{
	const json_t *prev = json_object_get(c, "previous");
	const char *addr = json_string_value(json_object_get(c, "address"));
	char what[64];

	if (json_object_get(head, "cycle"))
		snprintf(what, sizeof(what), "cycle %lld", (long long)json_integer_value(json_object_get(head, "cycle")));
	else
		snprintf(what, sizeof(what), "idle %llds rung",
			 (long long)json_integer_value(json_object_get(head, "idle_s")));
	fprintf(stderr, "netprobe watch: %s: %s %s%s%s%s: %s -> %s (%s): %s\n", what,
		json_string_value(json_object_get(c, "check")), json_string_value(json_object_get(c, "target")),
		addr && *addr ? " (" : "", addr && *addr ? addr : "", addr && *addr ? ")" : "",
		json_is_object(prev) ? json_string_value(json_object_get(prev, "status")) : "new",
		json_string_value(json_object_get(c, "status")), json_string_value(json_object_get(c, "verdict")),
		json_string_value(json_object_get(c, "summary")));
}

static json_t *counts_of(const struct np_watch_cycle *c)
{
	json_t *o = json_object();

	for (int s = 0; o && s < NP_STATUS_COUNT; s++)
		json_object_set_new(o, np_status_name((enum np_status)s), json_integer((json_int_t)c->counts[s]));
	return o;
}

int np_cmd_watch_record(struct watch *w, json_t *head, struct np_report *report, struct np_capture *cap,
			int64_t started_wall, int64_t duration_us)
{
	struct np_watch_cycle c;
	char name[64] = "", path[96], when[40], errbuf[NP_ERRBUF_SIZE];
	const char *ev = NULL;
	json_t *cycle = json_object_get(head, "cycle"), *ch, *line, *keys = NULL;
	size_t i;
	int err;

	err = head ? np_watch_evaluate(&w->state, report, &c) : NP_ENOMEM;
	if (err < 0) {
		np_cmd_error(w->ctx, "out of memory");
		json_decref(head);
		return 3;
	}
	/* A cycle's file by its number; a rung's by the log line that
	 * starts its record (numbers that go on across restarts). */
	if (cycle)
		np_watch_evidence_name("cycle", (uint64_t)json_integer_value(cycle), name, sizeof(name));
	else
		np_watch_evidence_name("idle", w->log.next_seq, name, sizeof(name));
	if (cap && !c.interrupted && (c.failed || c.changed) && save_evidence(w, cap, name) == 0) {
		snprintf(path, sizeof(path), "%s/%s", NP_WATCH_EVIDENCE_DIR, name);
		ev = path;
	}
	if (!c.interrupted)
		np_cmd_watch_note_findings(w, report, cycle != NULL);
	json_array_foreach(c.changes, i, ch) {
		line = json_copy(head);
		if (line) {
			json_object_set_new(line, "event", json_string("change"));
			json_object_update(line, ch);
			json_object_set_new(line, "evidence", ev ? json_string(ev) : json_null());
		}
		np_cmd_watch_log_line(w, line);
		if (!w->ctx->quiet || json_is_object(json_object_get(ch, "previous")))
			say_change(head, ch);
	}
	/* A rung's line lists its findings' keys: the report counts each
	 * asking of a rung from them, whatever the cycles do. */
	if (!cycle && !c.interrupted && (keys = json_array()) != NULL)
		for (size_t k = 0; k < report->n_findings; k++) {
			char key[1024];

			np_watch_finding_key(report->findings[k], key, sizeof(key));
			json_array_append_new(keys, json_string(key));
		}
	np_watch_time_str(started_wall, when, sizeof(when));
	line = json_copy(head);
	if (line && json_object_update_new(line, json_pack("{s:s, s:I, s:I, s:o, s:I, s:b, s:b, s:b, s:o}", "started",
				when, "duration_ms", (json_int_t)(duration_us / 1000), "findings",
				(json_int_t)c.n_findings, "counts", counts_of(&c), "changes",
				(json_int_t)json_array_size(c.changes), "failed", c.failed, "changed", c.changed,
				"interrupted", c.interrupted, "evidence", ev ? json_string(ev) : json_null())) < 0) {
		json_decref(line);
		line = NULL;
	}
	if (line) {
		if (keys)
			json_object_set_new(line, "keys", keys);
		keys = NULL;
	}
	json_decref(keys);
	json_decref(head);
	np_cmd_watch_log_line(w, line);
	if (np_watch_log_sync(&w->log, errbuf) < 0)
		np_cmd_error(w->ctx, "--state-dir %s: %s", w->dir, errbuf);
	if (ev && np_watch_evidence_prune(w->evfd, w->keep, errbuf) < 0)
		np_cmd_error(w->ctx, "--state-dir %s: %s", w->dir, errbuf);
	np_watch_cycle_release(&c);
	return 0;
}

static int cycle_once(struct watch *w, uint64_t cycle, int64_t end_us)
{
	struct np_cmd_ctx *ctx = w->ctx;
	struct np_opts opts = ctx->opts;
	char errbuf[NP_ERRBUF_SIZE];
	struct np_report *report = np_report_new("watch");
	struct np_run *run = NULL;
	int64_t t0 = np_now_us(), wall0 = np_watch_wall_us();
	int rc = 3;

	if (!report) {
		np_cmd_error(ctx, "out of memory");
		goto out;
	}
	report->capture.attempted = !ctx->no_capture;
	report->capture.active = w->cap != NULL;
	/* The cycle ends with the watch: its findings then say so and it is
	 * not weighed (run.deadline). */
	if (end_us > 0 && (opts.deadline_us <= 0 || end_us - t0 < opts.deadline_us))
		opts.deadline_us = end_us - t0 > 0 ? end_us - t0 : 1;
	run = np_run_new(w->loop, &opts, report, errbuf);
	if (!run) {
		np_cmd_error(ctx, "%s", errbuf);
		goto out;
	}
	np_run_set_capture(run, w->cap, w->note);
	rc = np_cmd_prun_plan(ctx, run, w->prun);
	if (rc)
		goto out;
	if (np_run_execute(run) < 0) {
		np_cmd_error(ctx, "event loop failed: %s", strerror(errno));
		rc = 3;
		goto out;
	}
	if (report->signal && !w->signo)
		w->signo = report->signal;
	if (w->cap)
		np_cmd_capture_finish(w->cap, report, run);
	rc = np_cmd_watch_record(w, json_pack("{s:s, s:I}", "event", "cycle", "cycle", (json_int_t)cycle), report,
				 w->cap, wall0, np_now_us() - t0);
out:
	np_run_free(run);
	np_report_free(report);
	/* The next cycle's evidence starts empty: memory stays flat however
	 * long the watch runs. */
	if (w->cap && np_capture_reset(w->cap, errbuf) < 0 && rc == 0) {
		np_cmd_error(ctx, "%s", errbuf);
		rc = 3;
	}
	return rc;
}

static int watch_loop(struct watch *w)
{
	int64_t t0 = np_now_us(), end_us = w->end_us, next = t0;
	uint64_t slot = 0, cycle = w->log.last_cycle;
	const char *reason = "for";
	int rc = 0;

	for (;;) {
		if (wait_until(w, end_us && end_us < next ? end_us : next) < 0) {
			np_cmd_error(w->ctx, "event loop failed: %s", strerror(errno));
			return 3;
		}
		if (w->signo || (end_us && np_now_us() >= end_us))
			break;
		rc = cycle_once(w, ++cycle, end_us);
		w->cycles++;
		/* The cycle's run took the signals; they are the watch's again
		 * (the rungs go on while it waits). */
		if (np_loop_signals(w->loop, on_signal, w) < 0 && !rc) {
			np_cmd_error(w->ctx, "event loop failed: %s", strerror(errno));
			rc = 3;
		}
		if (rc || w->signo)
			break;
		next = np_watch_next_start(t0, w->every_us, &slot, np_now_us(), random32());
	}
	np_cmd_watch_tracks_stop(w);
	if (w->signo)
		reason = w->signo == SIGTERM ? "SIGTERM" : "SIGINT";
	else if (rc)
		reason = "error";
	np_cmd_watch_log_line(w, json_pack("{s:s, s:s, s:I}", "event", "stop", "reason", reason, "cycles", (json_int_t)w->cycles));
	{
		char errbuf[NP_ERRBUF_SIZE];

		if (np_watch_log_sync(&w->log, errbuf) < 0)
			np_cmd_error(w->ctx, "--state-dir %s: %s", w->dir, errbuf);
	}
	if (!w->ctx->quiet)
		fprintf(stderr, "netprobe watch: stopped (%s) after %llu cycle%s\n", reason,
			(unsigned long long)w->cycles, w->cycles == 1 ? "" : "s");
	return rc;
}

/* --- the command ------------------------------------------------------------------------ */

static int refuse_options(struct np_cmd_ctx *ctx)
{
	const char *opt = ctx->json_path ? "--json" : ctx->junit_path ? "--junit" : ctx->html_path ? "--html" :
			  ctx->prom_path ? "--prom" : ctx->pcap_path ? "--pcap" : NULL;

	if (opt) {
		np_cmd_error(ctx, "%s: a watch writes its event log and evidence to --state-dir", opt);
		return 2;
	}
	return 0;
}

static int start_line(struct watch *w)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:f, s:o, s:I, s:I, s:I}", "event", "start", "version", NP_VERSION,
			      "profile", np_cmd_prun_name(w->prun), "every_s", (double)w->every_us / 1e6, "for_s",
			      w->for_us ? json_real((double)w->for_us / 1e6) : json_null(), "pid", (json_int_t)getpid(),
			      "recovered_bytes", (json_int_t)w->log.dropped_bytes, "keep_evidence",
			      (json_int_t)w->keep);
	char errbuf[NP_ERRBUF_SIZE];

	if (o && !w->cap)
		json_object_set_new(o, "capture", json_string(w->note));
	if (np_cmd_watch_log_line(w, o) < 0 || np_watch_log_sync(&w->log, errbuf) < 0)
		return 3;
	if (!w->ctx->quiet)
		fprintf(stderr, "netprobe watch: %s every %gs, log %s/%s%s%s\n", np_cmd_prun_name(w->prun),
			(double)w->every_us / 1e6, w->dir, NP_WATCH_LOG_NAME,
			w->log.dropped_bytes ? " (a torn last line was dropped)" : "", w->cap ? "" : "; no capture");
	return 0;
}

/* netprobe watch report DIR [--html FILE] [--json FILE]: the period, read
 * from the log (the watch may still be running: its lock is not needed). */
static int report_exec(struct np_cmd_ctx *ctx)
{
	const char *dir = ctx->targets[1];
	char errbuf[NP_ERRBUF_SIZE];
	FILE *html = NULL, *json = NULL;
	json_t *doc = NULL;
	int fd = -1, rc = 2;

	if (ctx->junit_path || ctx->prom_path || ctx->pcap_path || ctx->n_args) {
		np_cmd_error(ctx, "watch report DIR takes --html FILE and --json FILE only");
		return 2;
	}
	if (!ctx->html_path && !ctx->json_path) {
		np_cmd_error(ctx, "watch report %s: nothing to write: give --html FILE and/or --json FILE", dir);
		return 2;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		np_cmd_error(ctx, "watch report %s: %s", dir, strerror(errno));
		return 2;
	}
	doc = np_watch_report_doc(fd, errbuf);
	if (!doc) {
		np_cmd_error(ctx, "watch report %s: %s", dir, errbuf);
		goto out;
	}
	if ((ctx->html_path && !(html = np_cmd_open_output(ctx, "html", ctx->html_path))) ||
	    (ctx->json_path && !(json = np_cmd_open_output(ctx, "json", ctx->json_path))))
		goto out;
	rc = 0;
	if (html && np_watch_report_write_html(doc, html) < 0) {
		np_cmd_error(ctx, "--html %s: write failed", ctx->html_path);
		rc = 3;
	}
	if (json && np_report_write_doc(doc, json) < 0) {
		np_cmd_error(ctx, "--json %s: write failed", ctx->json_path);
		rc = 3;
	}
out:
	if (np_cmd_close_output(ctx, "html", ctx->html_path, html) < 0 ||
	    np_cmd_close_output(ctx, "json", ctx->json_path, json) < 0)
		rc = 3;
	json_decref(doc);
	close(fd);
	return rc;
}

static int watch_exec(struct np_cmd_ctx *ctx)
{
	struct watch w;
	struct np_cmd_prun_args a = {0};
	char errbuf[NP_ERRBUF_SIZE];
	struct np_report *scratch = NULL;
	struct sockaddr_storage listen_ss;
	socklen_t listen_len = 0;
	const char *listen = NULL;
	int rc;

	if (ctx->n_targets) {
		if (strcmp(ctx->targets[0], "report") == 0 && ctx->n_targets == 2)
			return report_exec(ctx);
		np_cmd_error(ctx, "'%s': watch takes no target (the profile names them); or: watch report DIR",
			     ctx->targets[0]);
		return 2;
	}
	memset(&w, 0, sizeof(w));
	w.ctx = ctx;
	w.dirfd = w.evfd = -1;
	w.log.fd = -1;
	w.every_us = DEFAULT_EVERY_US;
	w.keep = DEFAULT_KEEP;
	for (size_t i = 0; i < ctx->n_args; i++) {
		const char *v = ctx->args[i].arg;

		switch (ctx->args[i].val) {
		case OPT_PROFILE: a.profile = v; break;
		case OPT_STATE_DIR: w.dir = v; break;
		case OPT_LISTEN: listen = v; break;
		case OPT_SET:
		case OPT_ONLY:
			if ((rc = np_cmd_prun_arg(ctx, &a, ctx->args[i].val == OPT_ONLY, v)))
				return rc;
			break;
		case OPT_EVERY:
		case OPT_FOR:
			if (np_watch_parse_duration(v, ctx->args[i].val == OPT_EVERY ? &w.every_us : &w.for_us) < 0) {
				np_cmd_error(ctx, "--%s '%s': not a duration (e.g. 500ms, 30s, 5m, 2h, 1d)",
					     ctx->args[i].val == OPT_EVERY ? "every" : "for", v);
				return 2;
			}
			break;
		case OPT_KEEP:
			if (np_watch_parse_size(v, &w.keep) < 0) {
				np_cmd_error(ctx, "--keep-evidence '%s': not a size (e.g. 4096, 512K, 100M, 2G)", v);
				return 2;
			}
			break;
		}
	}
	if ((rc = refuse_options(ctx)))
		return rc;
	if (!w.dir) {
		np_cmd_error(ctx, "give --state-dir DIR (where the event log and the evidence go)");
		return 2;
	}
	if (w.every_us < 10000) {
		np_cmd_error(ctx, "--every: at least 10ms");
		return 2;
	}
	if (listen && (rc = np_cmd_watch_parse_listen(ctx, listen, &listen_ss, &listen_len)))
		return rc;
	rc = np_cmd_prun_load(ctx, &a, &w.prun);
	if (rc)
		return rc;
	rc = open_state(&w);
	if (rc)
		goto out;
	scratch = np_report_new("watch");
	if (!scratch) {
		rc = 3;
		goto out;
	}
	rc = np_cmd_open_capture(ctx, scratch, &w.cap, w.note, sizeof(w.note));
	if (rc)
		goto out;
	rc = np_cmd_prun_prepare(ctx, w.prun);
	if (rc)
		goto out;
	/* Bound while privileged: a port under 1024 is root's. */
	if (listen) {
		w.http = np_http_open((struct sockaddr *)&listen_ss, listen_len, np_cmd_watch_on_http, &w, errbuf);
		if (!w.http) {
			np_cmd_error(ctx, "%s", errbuf);
			rc = 2;
			goto out;
		}
	}
	rc = np_cmd_watch_tracks_open(&w);
	if (rc)
		goto out;
	rc = 3;
	if (np_priv_drop(ctx->user, errbuf) < 0) {
		np_cmd_error(ctx, "%s", errbuf);
		goto out;
	}
	w.loop = np_loop_new(errbuf);
	if (!w.loop || (w.cap && np_capture_start(w.cap, w.loop, errbuf) < 0) ||
	    np_loop_signals(w.loop, on_signal, &w) < 0 || (w.http && np_http_start(w.http, w.loop, errbuf) < 0)) {
		np_cmd_error(ctx, "%s", w.loop ? errbuf : "out of memory");
		goto out;
	}
	rc = start_line(&w);
	if (rc)
		goto out;
	w.end_us = w.for_us ? np_now_us() + w.for_us : 0;
	np_cmd_watch_tracks_start(&w);
	rc = watch_loop(&w);
out:
	np_cmd_watch_probes_stop(&w);
	np_cmd_watch_tracks_free(&w);
	np_http_free(w.http);
	json_decref(w.latest);
	json_decref(w.failures);
	np_report_free(scratch);
	np_capture_free(w.cap);
	np_loop_free(w.loop);
	np_watch_log_close(&w.log);
	np_watch_state_release(&w.state);
	if (w.evfd >= 0)
		close(w.evfd);
	if (w.dirfd >= 0)
		close(w.dirfd);
	np_cmd_prun_free(w.prun);
	return rc;
}

const struct np_cmd_entry np_cmd_watch_entry = {
	.name = "watch",
	.usage = "[OPTIONS] --profile NAME|FILE --state-dir DIR [--every DURATION] [--for DURATION] "
		 "[--keep-evidence SIZE] [--listen ADDR:PORT] | report DIR [--html FILE] [--json FILE]",
	.summary = "a profile's checks on a schedule for days: an event log of what changed, packets of what failed",
	.help =
	"Runs the profile's checks (as netprobe run) every DURATION, jittered by up to a tenth,\n"
	"never two cycles at once, until --for ends or SIGTERM/SIGINT. DIR (created 0700) keeps\n"
	"events.jsonl, an append-only JSON Lines log: a start line, a change line for every\n"
	"finding whose status or verdict changed, a cycle line (heartbeat) per cycle, a stop line;\n"
	"and evidence/cycle-N.pcapng, the packets of the cycles where something failed or changed,\n"
	"at most --keep-evidence bytes (oldest dropped first). The log is fsync'ed at every cycle's\n"
	"end; after a crash the next start drops a torn last line and numbering continues.\n"
	"An idle check's rungs run apart from the cycles: each is asked again as soon as it ends\n"
	"(a rung line each, evidence/idle-N.pcapng when one failed or changed).\n"
	"Each change is also one line on stderr. --listen serves /metrics (the last cycle, as --prom\n"
	"writes it, and failure counters since start) and /probe?module=CHECK&target=T, which runs\n"
	"one check of the profile at once, as blackbox_exporter's /probe does.\n"
	"\n"
	"netprobe watch report DIR: the whole period from DIR's log: availability per check, every\n"
	"failure with its time and verdict, failures by time of day (SVG), idle survival per rung.\n"
	"\n"
	"Example:\n"
	"  netprobe watch --profile sync.yaml --every 5m --state-dir /var/lib/netprobe\n"
	"  netprobe watch report /var/lib/netprobe --html week.html",
	.opts = watch_opts,
	.min_targets = 0,
	.max_targets = 2,
	.exec = watch_exec,
};
