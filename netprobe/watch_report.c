/* SPDX-License-Identifier: GPL-3.0-or-later */
/* netprobe watch report: a watch's whole period from its event log (see
 * watch_report.h). */
#include "watch_report.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "watch_log.h"

struct replay {
	json_t *keys;                   /* key -> state object */
	json_t *order;                  /* keys in order of first sight */
	json_t *failures;
	json_t *pending;                /* change lines waiting for their cycle's heartbeat */
	json_int_t not_listed;
	json_int_t cycles, cut_short, starts, last_cycle;
	json_int_t rungs, rungs_cut_short;  /* idle rungs asked on their own, and those cut short */
	char first[40], last[40];       /* the first and last cycle's start */
};

static int is_bad(const char *status)
{
	return status && (strcmp(status, "fail") == 0 || strcmp(status, "error") == 0);
}

/* "... idle_s=4 ..." out of a key. */
static const char *key_part(const char *key, const char *name, char *buf, size_t len)
{
	char pat[32];
	const char *p;
	size_t n;

	snprintf(pat, sizeof(pat), " %s=", name);
	p = strstr(key, pat);
	if (!p)
		return NULL;
	p += strlen(pat);
	n = strcspn(p, " ");
	if (n >= len)
		n = len - 1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return buf;
}

static json_t *state_for(struct replay *rp, const json_t *ch)
{
	const char *key = json_string_value(json_object_get(ch, "key"));
	json_t *st = json_object_get(rp->keys, key);
	char b[64];

	if (st)
		return st;
	st = json_pack("{s:s, s:O?, s:O?, s:O?, s:I, s:I, s:I}", "key", key, "check", json_object_get(ch, "check"),
		       "target", json_object_get(ch, "target"), "address", json_object_get(ch, "address"), "seen",
		       (json_int_t)0, "failed", (json_int_t)0, "open", (json_int_t)-1);
	if (!st)
		return NULL;
	if (key_part(key, "scope", b, sizeof(b)) && strcmp(b, "rung") == 0 && key_part(key, "idle_s", b, sizeof(b))) {
		json_object_set_new(st, "idle_s", json_real(atof(b)));
		json_object_set_new(st, "path", json_string(key_part(key, "path", b, sizeof(b)) ? b : ""));
		json_object_set_new(st, "survived", json_integer(0));
	}
	json_object_set_new(rp->keys, key, st);
	json_array_append_new(rp->order, json_string(key));
	return st;
}

/* One change, at the time its cycle started. */
static void apply_change(struct replay *rp, const json_t *ch, const char *when, json_int_t cycle)
{
	json_t *st = state_for(rp, ch);
	const char *was, *now = json_string_value(json_object_get(ch, "status"));
	json_int_t open;

	if (!st || !now)
		return;
	was = json_string_value(json_object_get(st, "status"));
	open = json_integer_value(json_object_get(st, "open"));
	if (is_bad(now) && !is_bad(was)) {
		json_t *f;

		if (json_array_size(rp->failures) >= NP_WATCH_REPORT_MAX_FAILURES) {
			rp->not_listed++;
		} else {
			/* A rung's askings are counted by its lines (asked). */
			f = json_pack("{s:O, s:O?, s:O?, s:O?, s:s, s:n, s:I, s:I, s:O?, s:O?, s:O?}", "key",
				      json_object_get(ch, "key"), "check", json_object_get(ch, "check"), "target",
				      json_object_get(ch, "target"), "address", json_object_get(ch, "address"), "from",
				      when, "to", "cycle", cycle, "asked", (json_int_t)(cycle >= 0), "verdict",
				      json_object_get(ch, "verdict"), "summary", json_object_get(ch, "summary"),
				      "evidence", json_object_get(ch, "evidence"));
			if (f && json_array_append_new(rp->failures, f) == 0)
				json_object_set_new(st, "open", json_integer((json_int_t)json_array_size(rp->failures) - 1));
		}
	} else if (!is_bad(now) && open >= 0) {
		json_t *f = json_array_get(rp->failures, (size_t)open);

		json_object_set_new(f, "to", json_string(when));
		if (cycle >= 0)
			json_object_set_new(f, "asked",
					    json_integer(cycle - json_integer_value(json_object_get(f, "cycle"))));
		json_object_set_new(st, "open", json_integer(-1));
	}
	json_object_set(st, "status", json_object_get(ch, "status"));
	json_object_set(st, "verdict", json_object_get(ch, "verdict"));
}

static void flush_pending(struct replay *rp, json_int_t cycle, const char *when)
{
	size_t i;
	json_t *ch;

	json_array_foreach(rp->pending, i, ch) {
		const json_t *cv = json_object_get(ch, "cycle");
		json_int_t c = cv ? json_integer_value(cv) : -1;

		/* A change whose heartbeat never came (a crash between them)
		 * counts at the time it was written. A rung's counts when its
		 * rung ended (its line's time). */
		apply_change(rp, ch, cv && c == cycle && when ? when : json_string_value(json_object_get(ch, "time")), c);
	}
	json_array_clear(rp->pending);
}

static void heartbeat(struct replay *rp, json_t *line)
{
	json_int_t c = json_integer_value(json_object_get(line, "cycle"));
	const char *started = json_string_value(json_object_get(line, "started"));
	const char *key;
	json_t *st;

	if (!started)
		return;
	flush_pending(rp, c, started);
	if (!rp->first[0])
		snprintf(rp->first, sizeof(rp->first), "%s", started);
	snprintf(rp->last, sizeof(rp->last), "%s", started);
	rp->last_cycle = c;
	if (json_is_true(json_object_get(line, "interrupted"))) {
		rp->cut_short++;
		return;
	}
	rp->cycles++;
	json_object_foreach(rp->keys, key, st) {
		const char *s = json_string_value(json_object_get(st, "status"));

		/* An idle rung asked on its own is counted by its own lines. */
		if (json_is_true(json_object_get(st, "track")))
			continue;
		json_object_set_new(st, "seen", json_integer(json_integer_value(json_object_get(st, "seen")) + 1));
		if (is_bad(s))
			json_object_set_new(st, "failed", json_integer(json_integer_value(json_object_get(st, "failed")) + 1));
		/* Open failures grow by the cycles that still see them. */
		if (json_integer_value(json_object_get(st, "open")) >= 0) {
			json_t *f = json_array_get(rp->failures, (size_t)json_integer_value(json_object_get(st, "open")));

			json_object_set_new(f, "asked", json_integer(c - json_integer_value(json_object_get(f, "cycle")) + 1));
		}
		if (json_object_get(st, "survived") && s) {
			const char *v = json_string_value(json_object_get(st, "verdict"));

			if (v && strcmp(v, "idle.survived") == 0)
				json_object_set_new(st, "survived",
						    json_integer(json_integer_value(json_object_get(st, "survived")) + 1));
		}
	}
}

/* One asking of an idle rung (a "rung" line): each of its findings'
 * keys counts it; cut short, it counts for none. */
static void rung_line(struct replay *rp, json_t *line)
{
	const json_t *keys = json_object_get(line, "keys"), *k;
	size_t i;

	flush_pending(rp, -1, NULL);
	if (json_is_true(json_object_get(line, "interrupted")) || !json_is_array(keys)) {
		rp->rungs_cut_short++;
		return;
	}
	rp->rungs++;
	json_array_foreach(keys, i, k) {
		json_t *st = json_object_get(rp->keys, json_string_value(k));
		const char *s = json_string_value(json_object_get(st, "status"));
		const char *v = json_string_value(json_object_get(st, "verdict"));
		json_int_t open = json_integer_value(json_object_get(st, "open"));

		if (!st || !s)
			continue;
		json_object_set_new(st, "track", json_true());
		json_object_set_new(st, "seen", json_integer(json_integer_value(json_object_get(st, "seen")) + 1));
		if (is_bad(s))
			json_object_set_new(st, "failed", json_integer(json_integer_value(json_object_get(st, "failed")) + 1));
		if (open >= 0) {
			json_t *f = json_array_get(rp->failures, (size_t)open);

			json_object_set_new(f, "asked", json_integer(json_integer_value(json_object_get(f, "asked")) + 1));
		}
		if (json_object_get(st, "survived") && v && strcmp(v, "idle.survived") == 0)
			json_object_set_new(st, "survived",
					    json_integer(json_integer_value(json_object_get(st, "survived")) + 1));
	}
}

static json_t *summarize(struct replay *rp)
{
	json_t *checks = json_array(), *idle = json_array(), *doc;
	size_t i;
	json_t *k;

	json_array_foreach(rp->order, i, k) {
		json_t *st = json_object_get(rp->keys, json_string_value(k));
		json_int_t seen = json_integer_value(json_object_get(st, "seen"));
		json_int_t failed = json_integer_value(json_object_get(st, "failed"));
		json_t *row = json_pack("{s:O, s:O?, s:O?, s:O?, s:I, s:I, s:o, s:O?, s:O?}", "key", json_object_get(st, "key"),
					"check", json_object_get(st, "check"), "target", json_object_get(st, "target"),
					"address", json_object_get(st, "address"), "asked", seen, "failed", failed,
					"availability", seen ? json_real((double)(seen - failed) / (double)seen) : json_null(),
					"status", json_object_get(st, "status"), "verdict", json_object_get(st, "verdict"));

		json_array_append_new(checks, row);
		if (json_object_get(st, "survived")) {
			json_int_t sv = json_integer_value(json_object_get(st, "survived"));

			json_array_append_new(idle, json_pack("{s:O?, s:O?, s:O?, s:I, s:I, s:o}", "target",
							      json_object_get(st, "target"), "path",
							      json_object_get(st, "path"), "idle_s",
							      json_object_get(st, "idle_s"), "asked", seen,
							      "survived", sv, "survival",
							      seen ? json_real((double)sv / (double)seen) : json_null()));
		}
	}
	doc = json_pack("{s:i, s:s, s:{s:s?, s:s?, s:I, s:I, s:I, s:I, s:I}, s:o, s:O, s:I, s:o}", "schema", 1, "kind",
			"watch", "period", "first", rp->first[0] ? rp->first : NULL, "last", rp->last[0] ? rp->last : NULL,
			"cycles", rp->cycles, "cut_short", rp->cut_short, "rungs", rp->rungs, "rungs_cut_short",
			rp->rungs_cut_short, "starts", rp->starts, "checks", checks, "failures", rp->failures, "failures_not_listed",
			rp->not_listed, "idle", idle);
	return doc;
}

json_t *np_watch_report_doc(int dirfd, char *errbuf)
{
	struct replay rp = {0};
	json_t *doc = NULL;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int fd = openat(dirfd, NP_WATCH_LOG_NAME, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;

	if (!f) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "%s: %s", NP_WATCH_LOG_NAME, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	rp.keys = json_object();
	rp.order = json_array();
	rp.failures = json_array();
	rp.pending = json_array();
	errbuf[0] = '\0';
	if (!rp.keys || !rp.order || !rp.failures || !rp.pending)
		goto out;
	while ((n = getline(&line, &cap, f)) > 0) {
		json_t *o;
		const char *ev;

		/* A torn last line (a watch still running, or killed) is not
		 * read; nor anything longer than a watch writes. */
		if (line[n - 1] != '\n' || (size_t)n > NP_WATCH_LINE_MAX)
			continue;
		o = json_loadb(line, (size_t)n, 0, NULL);
		ev = json_string_value(json_object_get(o, "event"));
		if (!ev) {
			json_decref(o);
			continue;
		}
		if (strcmp(ev, "change") == 0 && json_is_string(json_object_get(o, "key"))) {
			json_array_append(rp.pending, o);
		} else if (strcmp(ev, "cycle") == 0) {
			heartbeat(&rp, o);
		} else if (strcmp(ev, "rung") == 0) {
			rung_line(&rp, o);
		} else if (strcmp(ev, "start") == 0) {
			flush_pending(&rp, -1, NULL);
			rp.starts++;
		}
		json_decref(o);
	}
	flush_pending(&rp, -1, NULL);
	if (ferror(f)) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "%s: %s", NP_WATCH_LOG_NAME, strerror(errno));
		goto out;
	}
	doc = summarize(&rp);
	if (!doc)
		snprintf(errbuf, NP_ERRBUF_SIZE, "out of memory");
out:
	if (!doc && !errbuf[0])
		snprintf(errbuf, NP_ERRBUF_SIZE, "out of memory");
	free(line);
	fclose(f);
	json_decref(rp.keys);
	json_decref(rp.order);
	json_decref(rp.failures);
	json_decref(rp.pending);
	return doc;
}
