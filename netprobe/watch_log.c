/* SPDX-License-Identifier: GPL-3.0-or-later */
/* netprobe watch: the event log and the evidence ring (see watch_log.h). */
#include "watch_log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define READ_CHUNK 65536

int64_t np_watch_wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void np_watch_time_str(int64_t wall_us, char *buf, size_t len)
{
	time_t s = (time_t)(wall_us / 1000000);
	struct tm tm;

	gmtime_r(&s, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		 tm.tm_hour, tm.tm_min, tm.tm_sec, (int)((wall_us % 1000000) / 1000));
}

/* One whole line of the log: a JSON object, its seq and cycle noted. */
static int take_line(struct np_watch_log *log, struct np_watch_state *state, const char *line, size_t len)
{
	json_error_t jerr;
	json_t *o;
	json_int_t seq, cycle;
	const char *ev;
	int err = 0;

	if (len == 0 || memchr(line, '\0', len))
		return NP_EINVAL;
	o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(o)) {
		json_decref(o);
		return NP_EINVAL;
	}
	seq = json_integer_value(json_object_get(o, "seq"));
	cycle = json_integer_value(json_object_get(o, "cycle"));
	ev = json_string_value(json_object_get(o, "event"));
	if (seq <= 0 || !ev) {
		json_decref(o);
		return NP_EINVAL;
	}
	if ((uint64_t)seq >= log->next_seq)
		log->next_seq = (uint64_t)seq + 1;
	if (cycle > 0 && (uint64_t)cycle > log->last_cycle)
		log->last_cycle = (uint64_t)cycle;
	if (strcmp(ev, "change") == 0 && state)
		err = np_watch_state_note(state, o);
	json_decref(o);
	return err == NP_ENOMEM ? NP_ENOMEM : 0;
}

/*
 * Read the log line by line. A line that does not parse is held back: if
 * only bad lines follow it, they are the torn tail of a crash and are cut
 * off; a good line after it means the damage is not ours.
 */
static int recover(struct np_watch_log *log, struct np_watch_state *state, char *errbuf)
{
	char *buf = NULL;
	size_t have = 0, cap = 0, start;
	uint64_t off = 0, good_end = 0, bad_line = 0;
	ssize_t n;
	int err = NP_ESYS;

	for (;;) {
		char *nl;

		if (cap - have < READ_CHUNK) {
			size_t ncap = cap ? cap * 2 : 2 * READ_CHUNK;
			char *nb;

			if (ncap > NP_WATCH_LINE_MAX + 2 * READ_CHUNK)
				ncap = NP_WATCH_LINE_MAX + 2 * READ_CHUNK;
			if (ncap - have < READ_CHUNK) {
				/* A line past NP_WATCH_LINE_MAX: treated as bad. */
				if (!bad_line)
					bad_line = log->lines + 1;
				off += have;
				have = 0;
				continue;
			}
			nb = realloc(buf, ncap);
			if (!nb) {
				err = NP_ENOMEM;
				goto out;
			}
			buf = nb;
			cap = ncap;
		}
		n = pread(log->fd, buf + have, READ_CHUNK, (off_t)(off + have));
		if (n < 0) {
			snprintf(errbuf, NP_ERRBUF_SIZE, "%s: %s", NP_WATCH_LOG_NAME, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		have += (size_t)n;
		start = 0;
		while ((nl = memchr(buf + start, '\n', have - start)) != NULL) {
			size_t len = (size_t)(nl - (buf + start));
			int e = take_line(log, state, buf + start, len);

			log->lines++;
			if (e == NP_ENOMEM) {
				err = e;
				goto out;
			}
			if (e == 0) {
				if (bad_line) {
					snprintf(errbuf, NP_ERRBUF_SIZE, "%s line %llu is not a JSON object, and later "
						 "lines are: the log is damaged, not torn; move it aside",
						 NP_WATCH_LOG_NAME, (unsigned long long)bad_line);
					err = NP_EINVAL;
					goto out;
				}
				good_end = off + len + 1;
			} else if (!bad_line) {
				bad_line = log->lines;
			}
			start += len + 1;
			off += len + 1;
		}
		/* One move per read, not per line. */
		memmove(buf, buf + start, have - start);
		have -= start;
	}
	off += have;
	log->size = good_end;
	log->dropped_bytes = off - good_end;
	if (off != good_end && ftruncate(log->fd, (off_t)good_end) < 0) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "%s: cutting the torn tail: %s", NP_WATCH_LOG_NAME, strerror(errno));
		goto out;
	}
	if (log->dropped_bytes && fsync(log->fd) < 0) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "%s: %s", NP_WATCH_LOG_NAME, strerror(errno));
		goto out;
	}
	err = 0;
out:
	free(buf);
	return err;
}

int np_watch_log_open(struct np_watch_log *log, int dirfd, struct np_watch_state *state, char *errbuf)
{
	int err;

	memset(log, 0, sizeof(*log));
	log->next_seq = 1;
	log->fd = openat(dirfd, NP_WATCH_LOG_NAME, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (log->fd < 0) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "%s: %s", NP_WATCH_LOG_NAME, strerror(errno));
		return NP_ESYS;
	}
	/* Two watches appending to one log would interleave their numbering. */
	if (flock(log->fd, LOCK_EX | LOCK_NB) < 0) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "%s: %s", NP_WATCH_LOG_NAME, errno == EWOULDBLOCK ?
			 "another netprobe watch is writing to this directory" : strerror(errno));
		err = NP_ESYS;
		goto fail;
	}
	err = recover(log, state, errbuf);
	if (err < 0)
		goto fail;
	return 0;
fail:
	close(log->fd);
	log->fd = -1;
	return err;
}

void np_watch_log_close(struct np_watch_log *log)
{
	if (log->fd >= 0)
		close(log->fd);
	log->fd = -1;
}

int np_watch_log_append(struct np_watch_log *log, json_t *obj, char *errbuf)
{
	char when[40], *text = NULL;
	json_t *line = json_object();
	size_t len, done = 0;
	int err = NP_ENOMEM;

	np_watch_time_str(np_watch_wall_us(), when, sizeof(when));
	/* seq and time first: a reader's eye (and grep) finds them there. */
	if (!line || json_object_set_new(line, "seq", json_integer((json_int_t)log->next_seq)) ||
	    json_object_set_new(line, "time", json_string(when)) || json_object_update(line, obj))
		goto out;
	text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
	if (!text)
		goto out;
	len = strlen(text);
	if (len + 1 > NP_WATCH_LINE_MAX) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "%s: a line of %zu bytes is past the limit", NP_WATCH_LOG_NAME, len);
		err = NP_EINVAL;
		goto out;
	}
	text[len] = '\n';  /* the NUL goes: written by length */
	while (done < len + 1) {
		ssize_t n = write(log->fd, text + done, len + 1 - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(errbuf, NP_ERRBUF_SIZE, "%s: %s", NP_WATCH_LOG_NAME, n < 0 ? strerror(errno) : "short write");
			/* No torn line left for the next one to follow. */
			if (ftruncate(log->fd, (off_t)log->size) < 0) {
				/* the next start cuts it */
			}
			err = NP_EIO;
			goto out;
		}
		done += (size_t)n;
	}
	log->size += len + 1;
	log->next_seq++;
	err = 0;
out:
	if (err == NP_ENOMEM)
		snprintf(errbuf, NP_ERRBUF_SIZE, "%s: out of memory", NP_WATCH_LOG_NAME);
	free(text);
	json_decref(line);
	return err;
}

int np_watch_log_sync(struct np_watch_log *log, char *errbuf)
{
	if (fdatasync(log->fd) < 0) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "%s: %s", NP_WATCH_LOG_NAME, strerror(errno));
		return NP_EIO;
	}
	return 0;
}

/* --- the evidence ring ---------------------------------------------------------------- */

void np_watch_evidence_name(const char *kind, uint64_t n, char *buf, size_t len)
{
	snprintf(buf, len, "%s-%08llu.pcapng", kind, (unsigned long long)n);
}

/* cycle-N.pcapng or idle-N.pcapng, and their .tmp while written. */
static int is_ours(const char *name, const char *suffix)
{
	size_t n = strlen(name), sl = strlen(suffix);
	size_t pre = strncmp(name, "cycle-", 6) == 0 ? 6 : strncmp(name, "idle-", 5) == 0 ? 5 : 0;

	return pre && n > pre + sl && strcmp(name + n - sl, suffix) == 0;
}

static int is_evidence(const char *name)
{
	return is_ours(name, ".pcapng");
}

void np_watch_evidence_clean(int evfd)
{
	int fd = dup(evfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	/* The dup shares the directory's offset with every earlier reading. */
	rewinddir(d);
	while ((e = readdir(d)) != NULL)
		if (is_ours(e->d_name, ".tmp"))
			unlinkat(evfd, e->d_name, 0);
	closedir(d);
}

struct ring_file {
	char name[64];
	uint64_t size;
	struct timespec written;
};

/* Cycles' and rungs' files interleave: age is when each was written (a
 * file is written once, then renamed into place), its name the tie-break. */
static int by_age(const void *a, const void *b)
{
	const struct ring_file *x = a, *y = b;

	if (x->written.tv_sec != y->written.tv_sec)
		return x->written.tv_sec < y->written.tv_sec ? -1 : 1;
	if (x->written.tv_nsec != y->written.tv_nsec)
		return x->written.tv_nsec < y->written.tv_nsec ? -1 : 1;
	return strcmp(x->name, y->name);
}

int np_watch_evidence_prune(int evfd, uint64_t keep, char *errbuf)
{
	struct ring_file *v = NULL;
	size_t n = 0, cap = 0;
	uint64_t total = 0;
	int fd = dup(evfd), removed = 0, err = NP_ESYS;
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;

	if (!d) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "%s: %s", NP_WATCH_EVIDENCE_DIR, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NP_ESYS;
	}
	rewinddir(d);
	while ((e = readdir(d)) != NULL) {
		struct stat st;

		if (!is_evidence(e->d_name) || strlen(e->d_name) >= sizeof(v->name) ||
		    fstatat(evfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct ring_file *nv = realloc(v, ncap * sizeof(*v));

			if (!nv) {
				err = NP_ENOMEM;
				snprintf(errbuf, NP_ERRBUF_SIZE, "%s: out of memory", NP_WATCH_EVIDENCE_DIR);
				goto out;
			}
			v = nv;
			cap = ncap;
		}
		memcpy(v[n].name, e->d_name, strlen(e->d_name) + 1);  /* length checked above */
		v[n].size = (uint64_t)st.st_size;
		v[n].written = st.st_mtim;
		total += v[n].size;
		n++;
	}
	if (n)
		qsort(v, n, sizeof(*v), by_age);
	for (size_t i = 0; i + 1 < n && total > keep; i++) {
		if (unlinkat(evfd, v[i].name, 0) < 0 && errno != ENOENT) {
			snprintf(errbuf, NP_ERRBUF_SIZE, "%s/%s: %s", NP_WATCH_EVIDENCE_DIR, v[i].name, strerror(errno));
			goto out;
		}
		total -= v[i].size;
		removed++;
	}
	err = removed;
out:
	closedir(d);
	free(v);
	return err;
}
