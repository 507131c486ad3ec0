/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Capture files through libwiretap: frames numbered as Wireshark numbers
 * them (checked with capinfos and tshark on the same files), link types per
 * record, the BPF filter per link type, time stamps that do not fit, and
 * files that are not captures. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netprobe/capfile.h"
#include "netprobe/error.h"

#define CAPTURES "fixtures/captures/"

/* Reads PATH whole; returns the number of records, the number the filter
 * kept, and the link type of the last packet. */
static void count(const char *path, const char *filter, unsigned *n, unsigned *kept, int *dlt)
{
	char eb[NP_ERRBUF_SIZE];
	struct np_capfile *f = np_capfile_open(path, filter, eb);
	struct np_capfile_rec r;
	uint64_t last = 0;
	int rc;

	assert_non_null(f);
	*n = *kept = 0;
	while ((rc = np_capfile_next(f, &r, eb)) == 1) {
		assert_int_equal(r.frame, last + 1);
		last = r.frame;
		(*n)++;
		*kept += r.matched;
		assert_true(r.is_packet);
		assert_true(r.ts_ok);
		assert_true(r.caplen <= r.wirelen);
		*dlt = r.dlt;
	}
	assert_int_equal(rc, 0);
	np_capfile_close(f);
}

static void frames_and_link_types_as_wireshark(void **state)
{
	unsigned n, kept;
	int dlt = 0;

	(void)state;
	/* capinfos -c; tcpdump -r FILE 'tcp port 80' | wc -l (tshark's tcp.port
	 * also matches TCP headers quoted in ICMP errors; BPF does not) */
	count(CAPTURES "closed_normally.pcapng", NULL, &n, &kept, &dlt);
	assert_int_equal(n, 20);
	assert_int_equal(dlt, DLT_EN10MB);
	count(CAPTURES "handshakes.pcap", "tcp port 80", &n, &kept, &dlt);
	assert_int_equal(n, 28);
	assert_int_equal(kept, 20);
	assert_int_equal(dlt, DLT_LINUX_SLL2);
	count(CAPTURES "icmp_errors.pcap", "tcp port 80", &n, &kept, &dlt);
	assert_int_equal(n, 18);
	assert_int_equal(kept, 2);
}

static void bad_files_and_filters(void **state)
{
	char eb[NP_ERRBUF_SIZE], path[] = "/tmp/np-capfile-XXXXXX";
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "not a capture at all\n", 21), 21);
	close(fd);
	assert_null(np_capfile_open(path, NULL, eb));
	assert_non_null(strstr(eb, "cannot read it as a capture"));
	unlink(path);
	assert_null(np_capfile_open("/nonexistent/x.pcap", NULL, eb));
	assert_non_null(strstr(eb, "No such file"));
	/* a filter that does not compile is refused at once, naming the
	 * link type it was compiled for */
	assert_null(np_capfile_open(CAPTURES "handshakes.pcap", "tcp port", eb));
	assert_non_null(strstr(eb, "filter 'tcp port'"));
	assert_non_null(strstr(eb, "LINUX_SLL2"));
}

static void time_stamps_that_do_not_fit(void **state)
{
	int ok;

	(void)state;
	assert_int_equal(np_capfile_ts_ns(1, 5, &ok), 1000000005);
	assert_true(ok);
	np_capfile_ts_ns(INT64_MAX / 1000, 0, &ok);
	assert_false(ok);
	np_capfile_ts_ns(-1, 0, &ok);           /* before 1970 */
	assert_false(ok);
	/* exact up to INT64_MAX nanoseconds, not one past it */
	assert_int_equal(np_capfile_ts_ns(INT64_MAX / 1000000000, INT64_MAX % 1000000000, &ok), INT64_MAX);
	assert_true(ok);
	np_capfile_ts_ns(INT64_MAX / 1000000000, INT64_MAX % 1000000000 + 1, &ok);
	assert_false(ok);
	np_capfile_ts_ns(0, 1000000000, &ok);
	assert_false(ok);
	/* the year 2100 fits */
	assert_int_equal(np_capfile_ts_ns(4102444800LL, 0, &ok), 4102444800LL * 1000000000LL);
	assert_true(ok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(frames_and_link_types_as_wireshark),
		cmocka_unit_test(bad_files_and_filters),
		cmocka_unit_test(time_stamps_that_do_not_fit),
	};

	return cmocka_run_group_tests_name("capfile", tests, NULL, NULL);
}
