/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer harness for the capture-file path of netprobe explain: the
 * file a user brings from a Windows server (pktmon/etl2pcapng pcapng with
 * several link types, packet ids, journal blocks, cut packets) is outside
 * input. The input is written to a memory file and read as explain reads a
 * file: np_explain_open (libwiretap through netprobe/capfile.c), every
 * record, every connection finished, findings and the connection table
 * built. No crash, no sanitizer report, no hang (libFuzzer's -timeout), and
 * the invariants the report relies on: frames counted are the records
 * read, copies folded never more than the packets, every evidence frame
 * one of the file's. Seeds: fixtures/captures and fixtures/captures/windows
 * (tests/fuzz/run.sh). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "netprobe/explain.h"
#include "netprobe/finding.h"
#include "netprobe/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct np_explain_opts o = {.connections = 1, .max_connections = 64, .max_findings = 64};
	struct np_explain_stats st;
	struct np_explain *e = NULL;
	struct np_report *r;
	char errbuf[NP_ERRBUF_SIZE], path[64];
	int fd = memfd_create("capfile", MFD_CLOEXEC);

	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	r = np_report_new("explain");
	if (!r)
		abort();
	if (np_explain_open(path, &o, &e, errbuf) == 0) {
		int rc = np_explain_run(e, r);

		if (rc < 0 && rc != NP_ENOMEM)
			abort();
		np_explain_get_stats(e, &st);
		if (r->capture.received != st.frames || st.matched > st.frames ||
		    r->capture.copies_folded > st.frames)
			abort();
		for (size_t i = 0; i < r->n_findings; i++)
			for (size_t j = 0; j < r->findings[i]->n_evidence; j++)
				if (r->findings[i]->evidence[j].frame < 0 ||
				    (uint64_t)r->findings[i]->evidence[j].frame > st.frames)
					abort();
		if (rc == 0 && !r->connections)
			abort();
	}
	np_explain_free(e);
	np_report_free(r);
	close(fd);
	return 0;
}
