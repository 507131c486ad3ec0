/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../netprobe/error.h"
#include "../netprobe/privdrop.h"

struct np_atomic {
	char *path, *tmp;
	FILE *f;
	pid_t helper;               /* 0: none, this process renames */
	int sock;                   /* to the helper, -1 if none */
	int committed;
};

struct np_atomic *np_atomic_open(const char *path, char *errbuf, size_t errlen)
{
	struct np_atomic *a = calloc(1, sizeof(*a));
	struct stat st;
	int fd;

	if (!a || !(a->path = strdup(path)) || asprintf(&a->tmp, "%s.tmp", path) < 0) {
		snprintf(errbuf, errlen, "out of memory");
		goto fail;
	}
	a->sock = -1;
	/* FILE is renamed over at the end: find now, before any probe runs,
	 * that it cannot be (a directory, a device), not after the run. */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		snprintf(errbuf, errlen, "%s", S_ISDIR(st.st_mode) ? "is a directory (give a file name)" :
			 "exists and is not a regular file");
		goto fail;
	}
	/* 0644: the collector runs as another user and must read it. */
	fd = open(a->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || !(a->f = fdopen(fd, "w"))) {
		snprintf(errbuf, errlen, "cannot create %s: %s", a->tmp, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(a->tmp);
		}
		goto fail;
	}
	return a;
fail:
	if (a) {
		free(a->tmp);
		free(a->path);
		free(a);
	}
	return NULL;
}

FILE *np_atomic_file(struct np_atomic *a)
{
	return a->f;
}

/* The helper: waits for one byte. 'R' renames, anything else (or the
 * other end closing, the run died) removes FILE.tmp; the result, an
 * errno value, goes back. It ignores the terminal's signals: Ctrl-C
 * reaches the whole process group, and the run still writes its report. */
static void helper(int sock, const char *tmp, const char *path)
{
	char c = 0, errbuf[NP_ERRBUF_SIZE];
	int err = 0;
	ssize_t n;

	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	close_range(3, (unsigned)sock - 1, 0);
	close_range((unsigned)sock + 1, ~0U, 0);
	if (np_priv_keep_file_caps(errbuf) < 0)
		err = EPERM;
	do
		n = read(sock, &c, 1);
	while (n < 0 && errno == EINTR);
	if (err == 0 && n == 1 && c == 'R')
		err = rename(tmp, path) < 0 ? errno : 0;
	else
		unlink(tmp);
	if (write(sock, &err, sizeof(err)) < 0)
		err = errno;
	_exit(err ? 1 : 0);
}

int np_atomic_keep_rename(struct np_atomic *a, char *errbuf, size_t errlen)
{
	int sv[2];
	pid_t pid;

	if (!a || geteuid() != 0 || a->helper)
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		snprintf(errbuf, errlen, "socketpair: %s", strerror(errno));
		return -1;
	}
	/* Nothing buffered may be written twice by the child. */
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		snprintf(errbuf, errlen, "fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		helper(sv[1], a->tmp, a->path);
	}
	close(sv[1]);
	a->helper = pid;
	a->sock = sv[0];
	return 0;
}

/* Ask the helper; its answer is an errno value. */
static int helper_rename(struct np_atomic *a)
{
	int err = EPIPE;
	ssize_t n;

	if (send(a->sock, "R", 1, MSG_NOSIGNAL) == 1) {
		do
			n = recv(a->sock, &err, sizeof(err), MSG_WAITALL);
		while (n < 0 && errno == EINTR);
		if (n != (ssize_t)sizeof(err))
			err = EPIPE;
	}
	close(a->sock);
	a->sock = -1;
	while (waitpid(a->helper, NULL, 0) < 0 && errno == EINTR)
		;
	a->helper = 0;
	return err;
}

int np_atomic_commit(struct np_atomic *a, char *errbuf, size_t errlen)
{
	int err = 0;

	/* The data reaches the disk before the name does: a crash leaves the
	 * old file or the new one, never an empty new one. */
	if (fflush(a->f) == EOF || ferror(a->f) || fsync(fileno(a->f)) < 0)
		err = errno ? errno : EIO;
	if (fclose(a->f) != 0 && !err)
		err = errno;
	a->f = NULL;
	if (err) {
		snprintf(errbuf, errlen, "%s: %s", a->tmp, strerror(err));
		return -1;
	}
	if (a->helper)
		err = helper_rename(a);
	else if (rename(a->tmp, a->path) < 0)
		err = errno;
	if (err) {
		snprintf(errbuf, errlen, "cannot rename %s into place: %s", a->tmp, strerror(err));
		return -1;
	}
	a->committed = 1;
	return 0;
}

void np_atomic_free(struct np_atomic *a)
{
	if (!a)
		return;
	if (a->f)
		fclose(a->f);
	if (a->helper) {
		/* Closing tells the helper to remove FILE.tmp. */
		close(a->sock);
		while (waitpid(a->helper, NULL, 0) < 0 && errno == EINTR)
			;
	} else if (!a->committed) {
		unlink(a->tmp);
	}
	free(a->tmp);
	free(a->path);
	free(a);
}
