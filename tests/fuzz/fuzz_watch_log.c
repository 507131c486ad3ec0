/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer harness for a watch's event log: `netprobe watch report DIR`
 * reads a DIR that may come from anywhere (copied off a server, cut by a
 * full disk, edited by hand), and a restarting watch reads its own log
 * back after a crash. The input is events.jsonl. Invariants: the report
 * never crashes nor reads past its bounds; a log the watch accepts at
 * open is left ending with a whole line (the torn tail cut), its
 * numbering goes on past every seq it read, and the report reads it. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netprobe/watch.h"
#include "netprobe/watch_log.h"
#include "netprobe/watch_report.h"

static int dirfd_ = -1;

static void report(void)
{
	char errbuf[NP_ERRBUF_SIZE];
	json_t *doc = np_watch_report_doc(dirfd_, errbuf);
	FILE *null;

	if (!doc)
		return;
	null = fopen("/dev/null", "w");
	if (null) {
		np_watch_report_write_html(doc, null);
		fclose(null);
	}
	json_decref(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char errbuf[NP_ERRBUF_SIZE];
	struct np_watch_log log;
	struct np_watch_state state;
	struct stat st;
	int fd;

	if (dirfd_ < 0) {
		char tmpl[] = "/tmp/fuzz_watch_log.XXXXXX";

		if (!mkdtemp(tmpl) || (dirfd_ = open(tmpl, O_RDONLY | O_DIRECTORY)) < 0)
			abort();
	}
	fd = openat(dirfd_, NP_WATCH_LOG_NAME, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size))
		abort();
	close(fd);
	report();
	if (np_watch_state_init(&state) < 0)
		abort();
	memset(&log, 0, sizeof(log));
	log.fd = -1;
	if (np_watch_log_open(&log, dirfd_, &state, errbuf) == 0) {
		char last;

		if (fstat(log.fd, &st) < 0 || (uint64_t)st.st_size != log.size)
			abort();
		if (st.st_size && (pread(log.fd, &last, 1, st.st_size - 1) != 1 || last != '\n'))
			abort();
		if (log.next_seq == 0)
			abort();
		np_watch_log_close(&log);
		report();
	}
	np_watch_state_release(&state);
	return 0;
}
