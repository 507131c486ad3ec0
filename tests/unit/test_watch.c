/* SPDX-License-Identifier: GPL-3.0-or-later */
/* netprobe watch: durations and sizes, the jittered schedule, what counts
 * as a change, the event log's recovery after a crash, the evidence ring. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "netprobe/watch.h"
#include "netprobe/watch_log.h"
#include "netprobe/watch_report.h"

#define S 1000000LL

static void durations_and_sizes(void **state)
{
	int64_t us;
	uint64_t b;

	(void)state;
	assert_int_equal(np_watch_parse_duration("30s", &us), 0);
	assert_int_equal(us, 30 * S);
	assert_int_equal(np_watch_parse_duration("500ms", &us), 0);
	assert_int_equal(us, S / 2);
	assert_int_equal(np_watch_parse_duration("5m", &us), 0);
	assert_int_equal(us, 300 * S);
	assert_int_equal(np_watch_parse_duration("2h", &us), 0);
	assert_int_equal(us, 7200 * S);
	assert_int_equal(np_watch_parse_duration("1d", &us), 0);
	assert_int_equal(us, 86400 * S);
	assert_int_equal(np_watch_parse_duration("1.5", &us), 0);
	assert_int_equal(us, 3 * S / 2);
	for (const char *const *p = (const char *const[]){"", "0", "0s", "-1m", "5parsecs", "1e400", "nan", "inf",
							     "400d", "1 s", "s", NULL}; *p; p++)
		assert_int_equal(np_watch_parse_duration(*p, &us), NP_EINVAL);

	assert_int_equal(np_watch_parse_size("4096", &b), 0);
	assert_int_equal(b, 4096);
	assert_int_equal(np_watch_parse_size("3K", &b), 0);
	assert_int_equal(b, 3072);
	assert_int_equal(np_watch_parse_size("100M", &b), 0);
	assert_int_equal(b, 100u << 20);
	assert_int_equal(np_watch_parse_size("2G", &b), 0);
	assert_int_equal(b, (uint64_t)2 << 30);
	for (const char *const *p = (const char *const[]){"", "0", "0M", "-1", "12X", "1MB", "M", "2000G",
							     "99999999999999999999999", NULL}; *p; p++)
		assert_int_equal(np_watch_parse_size(*p, &b), NP_EINVAL);
}

static void schedule_is_jittered_and_never_overlaps(void **state)
{
	uint64_t k = 0;
	int64_t t0 = 1000 * S, every = 10 * S, st;

	(void)state;
	/* The jitter is within a tenth of the period. */
	st = np_watch_next_start(t0, every, &k, t0 + S, 0);
	assert_int_equal(k, 1);
	assert_int_equal(st, t0 + every);
	st = np_watch_next_start(t0, every, &k, t0 + every + S, 0xffffffffu);
	assert_int_equal(k, 2);
	assert_true(st > t0 + 2 * every && st < t0 + 2 * every + every / 10);
	/* A cycle that ran over three slots: the next starts at the first
	 * slot not yet past (never at once, never twice), the missed skipped. */
	st = np_watch_next_start(t0, every, &k, t0 + 5 * every + S, 0);
	assert_int_equal(k, 5);
	assert_int_equal(st, t0 + 5 * every + S);
	st = np_watch_next_start(t0, every, &k, t0 + 5 * every + 2 * S, 0);
	assert_int_equal(k, 6);
	assert_int_equal(st, t0 + 6 * every);
}

static void add(struct np_report *r, const char *target, const char *verdict, enum np_status st)
{
	struct np_finding *f = np_finding_new("tcp", target, "192.0.2.1", verdict);

	assert_non_null(f);
	f->status = st;
	np_finding_metric_int(f, "profile_check", 0);
	assert_int_equal(np_report_add(r, f), 0);
}

static struct np_report *cycle_report(const char *v8080, enum np_status st8080)
{
	struct np_report *r = np_report_new("watch");

	assert_non_null(r);
	add(r, "192.0.2.1:8080", v8080, st8080);
	add(r, "192.0.2.1:80", "tcp.ok", NP_PASS);
	return r;
}

static void changes_are_weighed_against_the_last_cycle(void **state)
{
	struct np_watch_state s;
	struct np_watch_cycle c;
	struct np_report *r;
	json_t *ch;

	(void)state;
	assert_int_equal(np_watch_state_init(&s), 0);
	/* First cycle: every finding is new, nothing "changed". */
	r = cycle_report("tcp.ok", NP_PASS);
	assert_int_equal(np_watch_evaluate(&s, r, &c), 0);
	assert_int_equal(json_array_size(c.changes), 2);
	assert_false(c.changed);
	assert_false(c.failed);
	assert_true(json_is_null(json_object_get(json_array_get(c.changes, 0), "previous")));
	np_watch_cycle_release(&c);
	np_report_free(r);
	/* The same again: no change line. */
	r = cycle_report("tcp.ok", NP_PASS);
	assert_int_equal(np_watch_evaluate(&s, r, &c), 0);
	assert_int_equal(json_array_size(c.changes), 0);
	assert_int_equal(c.counts[NP_PASS], 2);
	np_watch_cycle_release(&c);
	np_report_free(r);
	/* A drop: one change, with what it was. */
	r = cycle_report("tcp.filtered", NP_FAIL);
	assert_int_equal(np_watch_evaluate(&s, r, &c), 0);
	assert_int_equal(json_array_size(c.changes), 1);
	assert_true(c.changed && c.failed);
	ch = json_array_get(c.changes, 0);
	assert_string_equal(json_string_value(json_object_get(ch, "target")), "192.0.2.1:8080");
	assert_string_equal(json_string_value(json_object_get(ch, "status")), "fail");
	assert_string_equal(json_string_value(json_object_get(json_object_get(ch, "previous"), "verdict")), "tcp.ok");
	np_watch_cycle_release(&c);
	np_report_free(r);
	/* Still failing: failed, no change. */
	r = cycle_report("tcp.filtered", NP_FAIL);
	assert_int_equal(np_watch_evaluate(&s, r, &c), 0);
	assert_true(c.failed && !c.changed && json_array_size(c.changes) == 0);
	np_watch_cycle_release(&c);
	np_report_free(r);
	/* A cycle cut short is not weighed: the recovery is not lost to it. */
	r = cycle_report("run.interrupted", NP_ERROR);
	assert_int_equal(np_watch_evaluate(&s, r, &c), 0);
	assert_true(c.interrupted);
	assert_int_equal(json_array_size(c.changes), 0);
	np_watch_cycle_release(&c);
	np_report_free(r);
	r = cycle_report("tcp.ok", NP_PASS);
	assert_int_equal(np_watch_evaluate(&s, r, &c), 0);
	assert_int_equal(json_array_size(c.changes), 1);
	assert_true(c.changed && !c.failed);
	np_watch_cycle_release(&c);
	np_report_free(r);
	np_watch_state_release(&s);
}

/* --- the log -------------------------------------------------------------------------- */

static char dir[64];

static int dir_setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/np-watch-test.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int dir_teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

#define write_file(name, text) write_bytes(name, text, sizeof(text) - 1)

static void write_bytes(const char *name, const char *text, size_t len)
{
	char p[128];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static char *read_log(void)
{
	static char buf[8192];
	char p[128];
	FILE *f;
	size_t n;

	snprintf(p, sizeof(p), "%s/%s", dir, NP_WATCH_LOG_NAME);
	f = fopen(p, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

#define L1 "{\"seq\":1,\"event\":\"start\"}\n"
#define L2 "{\"seq\":2,\"event\":\"change\",\"cycle\":1,\"key\":\"k\",\"status\":\"fail\",\"verdict\":\"tcp.filtered\"}\n"
#define L3 "{\"seq\":3,\"event\":\"cycle\",\"cycle\":1}\n"

static void torn_tail_is_cut_and_numbering_goes_on(void **state)
{
	struct np_watch_log log;
	struct np_watch_state s;
	char errbuf[NP_ERRBUF_SIZE];
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	json_t *o;

	(void)state;
	assert_true(dfd >= 0);
	/* A crash mid-write: half a line, and a line of NULs a filesystem may
	 * show after a power cut. */
	write_file(NP_WATCH_LOG_NAME, L1 L2 L3 "\0\0\0\0\n{\"seq\":4,\"ti");
	assert_int_equal(np_watch_state_init(&s), 0);
	assert_int_equal(np_watch_log_open(&log, dfd, &s, errbuf), 0);
	assert_int_equal(log.next_seq, 4);
	assert_int_equal(log.last_cycle, 1);
	assert_int_equal(log.dropped_bytes, 5 + 12);
	assert_string_equal(read_log(), L1 L2 L3);
	/* The change line rebuilt the state. */
	assert_string_equal(json_string_value(json_object_get(json_object_get(s.last, "k"), "status")), "fail");
	o = json_pack("{s:s, s:i}", "event", "cycle", "cycle", 2);
	assert_int_equal(np_watch_log_append(&log, o, errbuf), 0);
	json_decref(o);
	assert_int_equal(np_watch_log_sync(&log, errbuf), 0);
	assert_non_null(strstr(read_log(), L3 "{\"seq\":4,\"time\":\"20"));
	/* A second watch on the same directory is refused. */
	{
		struct np_watch_log two;

		assert_int_equal(np_watch_log_open(&two, dfd, NULL, errbuf), NP_ESYS);
		assert_non_null(strstr(errbuf, "another netprobe watch"));
	}
	np_watch_log_close(&log);
	np_watch_state_release(&s);
	close(dfd);
}

static void damage_before_the_end_is_refused(void **state)
{
	struct np_watch_log log;
	char errbuf[NP_ERRBUF_SIZE];
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);

	(void)state;
	write_file(NP_WATCH_LOG_NAME, L1 "not json\n" L3);
	assert_int_equal(np_watch_log_open(&log, dfd, NULL, errbuf), NP_EINVAL);
	assert_non_null(strstr(errbuf, "line 2 is not a JSON object"));
	assert_string_equal(read_log(), L1 "not json\n" L3);
	close(dfd);
}

static void ring_drops_the_oldest_never_the_newest(void **state)
{
	char errbuf[NP_ERRBUF_SIZE], name[64], p[128];
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	struct stat st;

	(void)state;
	for (uint64_t c = 8; c <= 12; c++) {
		np_watch_evidence_name("cycle", c, name, sizeof(name));
		write_bytes(name, "0123456789", 10);
	}
	/* A rung's file, written before all of them (an hour ago), though
	 * its name sorts after theirs: age, not name, decides. */
	np_watch_evidence_name("idle", 900, name, sizeof(name));
	write_bytes(name, "0123456789", 10);
	{
		struct timespec ts[2];

		clock_gettime(CLOCK_REALTIME, &ts[0]);
		ts[0].tv_sec -= 3600;
		ts[1] = ts[0];
		assert_int_equal(utimensat(dfd, name, ts, 0), 0);
	}
	write_file("cycle-00000013.pcapng.tmp", "x");
	write_file("idle-00000901.pcapng.tmp", "x");
	write_file("notes.txt", "0123456789012345678901234567890123456789");
	np_watch_evidence_clean(dfd);
	snprintf(p, sizeof(p), "%s/cycle-00000013.pcapng.tmp", dir);
	assert_int_equal(stat(p, &st), -1);
	snprintf(p, sizeof(p), "%s/idle-00000901.pcapng.tmp", dir);
	assert_int_equal(stat(p, &st), -1);
	/* 60 bytes, keep 25: the rung's, 8, 9 and 10 go. */
	assert_int_equal(np_watch_evidence_prune(dfd, 25, errbuf), 4);
	snprintf(p, sizeof(p), "%s/idle-00000900.pcapng", dir);
	assert_int_equal(stat(p, &st), -1);
	for (uint64_t c = 8; c <= 12; c++) {
		np_watch_evidence_name("cycle", c, name, sizeof(name));
		snprintf(p, sizeof(p), "%s/%s", dir, name);
		assert_int_equal(stat(p, &st) == 0, c >= 11);
	}
	snprintf(p, sizeof(p), "%s/notes.txt", dir);
	assert_int_equal(stat(p, &st), 0);
	/* A ring smaller than one file keeps the newest. */
	assert_int_equal(np_watch_evidence_prune(dfd, 1, errbuf), 1);
	np_watch_evidence_name("cycle", 12, name, sizeof(name));
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	assert_int_equal(stat(p, &st), 0);
	close(dfd);
}

#define CH(seq, c, st, v, t) "{\"seq\":" #seq ",\"time\":\"" t "\",\"event\":\"change\",\"cycle\":" #c \
	",\"key\":\"tcp a:1 x\",\"check\":\"tcp\",\"target\":\"a:1\",\"address\":\"x\",\"status\":\"" st \
	"\",\"verdict\":\"" v "\"}\n"
#define HB(seq, c, t, cut) "{\"seq\":" #seq ",\"event\":\"cycle\",\"cycle\":" #c ",\"started\":\"" t \
	"\",\"interrupted\":" cut "}\n"

/* The period replayed: a finding's state in a cycle is its last change;
 * cycles cut short do not count; a failure runs from the cycle that saw
 * it to the one that saw it recover. */
static void report_replays_the_period(void **state)
{
	char errbuf[NP_ERRBUF_SIZE];
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	json_t *doc, *c, *f;

	(void)state;
	write_file(NP_WATCH_LOG_NAME, "{\"seq\":1,\"event\":\"start\"}\n"
		   CH(2, 1, "pass", "tcp.ok", "2026-01-01T00:00:01.000Z") HB(3, 1, "2026-01-01T00:00:00.000Z", "false")
		   CH(4, 2, "fail", "tcp.filtered", "2026-01-01T03:00:11.000Z") HB(5, 2, "2026-01-01T03:00:10.000Z", "false")
		   HB(6, 3, "2026-01-01T03:00:20.000Z", "true")
		   HB(7, 4, "2026-01-01T03:00:30.000Z", "false")
		   CH(8, 5, "pass", "tcp.ok", "2026-01-01T03:00:41.000Z") HB(9, 5, "2026-01-01T03:00:40.000Z", "false")
		   HB(10, 6, "2026-01-01T03:00:50.000Z", "false")
		   "{\"seq\":11,\"event\":\"cyc");
	doc = np_watch_report_doc(dfd, errbuf);
	assert_non_null(doc);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "period"), "cycles")), 5);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "period"), "cut_short")), 1);
	c = json_array_get(json_object_get(doc, "checks"), 0);
	assert_int_equal(json_integer_value(json_object_get(c, "asked")), 5);
	assert_int_equal(json_integer_value(json_object_get(c, "failed")), 2);
	assert_true(fabs(json_real_value(json_object_get(c, "availability")) - 0.6) < 1e-9);
	assert_int_equal(json_array_size(json_object_get(doc, "failures")), 1);
	f = json_array_get(json_object_get(doc, "failures"), 0);
	assert_string_equal(json_string_value(json_object_get(f, "from")), "2026-01-01T03:00:10.000Z");
	assert_string_equal(json_string_value(json_object_get(f, "to")), "2026-01-01T03:00:40.000Z");
	assert_int_equal(json_integer_value(json_object_get(f, "asked")), 3);
	assert_string_equal(json_string_value(json_object_get(f, "verdict")), "tcp.filtered");
	{
		char *buf = NULL;
		size_t len = 0;
		FILE *out = open_memstream(&buf, &len);

		assert_int_equal(np_watch_report_write_html(doc, out), 0);
		fclose(out);
		assert_non_null(strstr(buf, "60.000 %"));
		assert_non_null(strstr(buf, "<rect class=\"bar lost\""));
		free(buf);
	}
	json_decref(doc);
	close(dfd);
}

#define RCH(seq, st, v, t) "{\"seq\":" #seq ",\"time\":\"" t "\",\"event\":\"change\",\"profile_check\":0," \
	"\"target\":\"h:443\",\"idle_s\":300,\"key\":\"" RKEY "\",\"check\":\"idle\",\"address\":\"x\"," \
	"\"status\":\"" st "\",\"verdict\":\"" v "\"}\n"
#define RKEY "idle h:443 x profile_check=0 path=direct scope=rung idle_s=300"
#define RUNG(seq, t, cut) "{\"seq\":" #seq ",\"time\":\"" t "\",\"event\":\"rung\",\"profile_check\":0," \
	"\"target\":\"h:443\",\"idle_s\":300,\"interrupted\":" cut ",\"keys\":[\"" RKEY "\"]}\n"

/* An idle rung asked on its own: each of its lines is one asking, the
 * cycles around it do not count it; a failure dates from the end of the
 * rung that saw it and counts the askings that did. */
static void report_counts_rungs_by_their_askings(void **state)
{
	char errbuf[NP_ERRBUF_SIZE];
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	json_t *doc, *c, *f, *idle;

	(void)state;
	write_file(NP_WATCH_LOG_NAME, "{\"seq\":1,\"event\":\"start\"}\n"
		   RCH(2, "pass", "idle.survived", "2026-01-01T00:05:01.000Z") RUNG(3, "2026-01-01T00:05:01.000Z", "false")
		   HB(4, 1, "2026-01-01T00:05:10.000Z", "false") HB(5, 2, "2026-01-01T00:06:10.000Z", "false")
		   RUNG(6, "2026-01-01T00:10:02.000Z", "false")
		   RCH(7, "fail", "idle.reset_by_path", "2026-01-01T03:04:09.000Z")
		   RUNG(8, "2026-01-01T03:04:09.000Z", "false")
		   RUNG(9, "2026-01-01T03:09:10.000Z", "false")
		   RUNG(10, "2026-01-01T03:10:00.000Z", "true")
		   RCH(11, "pass", "idle.survived", "2026-01-01T03:15:11.000Z")
		   RUNG(12, "2026-01-01T03:15:11.000Z", "false")
		   HB(13, 3, "2026-01-01T03:16:00.000Z", "false"));
	doc = np_watch_report_doc(dfd, errbuf);
	assert_non_null(doc);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "period"), "rungs")), 5);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "period"), "rungs_cut_short")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "period"), "cycles")), 3);
	c = json_array_get(json_object_get(doc, "checks"), 0);
	assert_int_equal(json_integer_value(json_object_get(c, "asked")), 5);
	assert_int_equal(json_integer_value(json_object_get(c, "failed")), 2);
	idle = json_array_get(json_object_get(doc, "idle"), 0);
	assert_true(fabs(json_number_value(json_object_get(idle, "idle_s")) - 300) < 1e-9);
	assert_int_equal(json_integer_value(json_object_get(idle, "asked")), 5);
	assert_int_equal(json_integer_value(json_object_get(idle, "survived")), 3);
	assert_int_equal(json_array_size(json_object_get(doc, "failures")), 1);
	f = json_array_get(json_object_get(doc, "failures"), 0);
	assert_string_equal(json_string_value(json_object_get(f, "from")), "2026-01-01T03:04:09.000Z");
	assert_string_equal(json_string_value(json_object_get(f, "to")), "2026-01-01T03:15:11.000Z");
	assert_int_equal(json_integer_value(json_object_get(f, "asked")), 2);
	assert_string_equal(json_string_value(json_object_get(f, "verdict")), "idle.reset_by_path");
	json_decref(doc);
	close(dfd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(durations_and_sizes),
		cmocka_unit_test(schedule_is_jittered_and_never_overlaps),
		cmocka_unit_test(changes_are_weighed_against_the_last_cycle),
		cmocka_unit_test_setup_teardown(torn_tail_is_cut_and_numbering_goes_on, dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(damage_before_the_end_is_refused, dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(ring_drops_the_oldest_never_the_newest, dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(report_replays_the_period, dir_setup, dir_teardown),
		cmocka_unit_test_setup_teardown(report_counts_rungs_by_their_askings, dir_setup, dir_teardown),
	};

	return cmocka_run_group_tests_name("watch", tests, NULL, NULL);
}
