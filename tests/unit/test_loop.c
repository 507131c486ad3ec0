/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The event loop: timer order, deletion during dispatch, fd readiness,
 * stopping, and signals. No upper-bound timing asserts: a busy machine may
 * run us late, never early. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "netprobe/error.h"
#include "netprobe/loop.h"

/* Bounds every "run until" loop so a broken loop fails instead of hanging. */
#define MAX_ROUNDS 100000

static int64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* A hang (np_loop_run never returning) is killed by SIGALRM, which the
 * runner counts as a failure. */
static int guard_setup(void **state)
{
	char errbuf[NP_ERRBUF_SIZE] = "";
	struct np_loop *loop = np_loop_new(errbuf);

	if (!loop) {
		print_error("np_loop_new: %s\n", errbuf);
		return -1;
	}
	*state = loop;
	alarm(30);
	return 0;
}

static int guard_teardown(void **state)
{
	np_loop_free(*state);
	alarm(0);
	return 0;
}

static void run_until(struct np_loop *loop, const int *done)
{
	for (int i = 0; i < MAX_ROUNDS && !*done; i++)
		assert_int_equal(np_loop_once(loop, -1), 0);
	assert_true(*done);
}

/* --- timers ------------------------------------------------------------- */

struct order_log {
	int ids[2048];
	int64_t due[2048];
	int n;
};

struct order_timer {
	struct order_log *log;
	int id;
};

static void order_cb(struct np_timer *t, void *arg)
{
	struct order_timer *ot = arg;

	if (ot->log->n < 2048) {
		ot->log->ids[ot->log->n] = ot->id;
		ot->log->due[ot->log->n] = np_timer_due_us(t);
	}
	ot->log->n++;
	np_timer_del(t);
}

static void timers_fire_in_due_order(void **state)
{
	struct np_loop *loop = *state;
	static struct order_log log;
	struct order_timer ts[4] = {
		{&log, 3}, {&log, 1}, {&log, 4}, {&log, 2},
	};
	const int64_t delays[4] = {3000, 1000, 4000, 2000};

	memset(&log, 0, sizeof(log));
	for (int i = 0; i < 4; i++)
		assert_non_null(np_loop_timer(loop, delays[i], order_cb, &ts[i]));
	assert_int_equal(np_loop_timer_count(loop), 4);
	for (int i = 0; i < MAX_ROUNDS && log.n < 4; i++)
		assert_int_equal(np_loop_once(loop, -1), 0);
	assert_int_equal(log.n, 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(log.ids[i], i + 1);
	assert_int_equal(np_loop_timer_count(loop), 0);
}

/* Timers with one delay, created in a row: many share a due microsecond,
 * and they must fire exactly in creation order (FIFO among equals). */
static void equal_due_times_fire_in_creation_order(void **state)
{
	struct np_loop *loop = *state;
	static struct order_log log;
	static struct order_timer ts[1000];
	static struct np_timer *tm[1000];
	size_t ties = 0;

	for (int attempt = 0; attempt < 10 && ties == 0; attempt++) {
		for (int i = 0; i < 1000; i++) {
			ts[i].log = &log;
			ts[i].id = i;
			tm[i] = np_loop_timer(loop, 2000, order_cb, &ts[i]);
			assert_non_null(tm[i]);
		}
		for (int i = 1; i < 1000; i++)
			ties += np_timer_due_us(tm[i]) == np_timer_due_us(tm[i - 1]);
		if (ties == 0) {
			/* Never happens on a sane machine; try again rather
			 * than pass without testing the tie-break. */
			for (int i = 0; i < 1000; i++)
				np_timer_del(tm[i]);
			np_loop_once(loop, 0);
		}
	}
	assert_true(ties > 0);
	memset(&log, 0, sizeof(log));
	for (int i = 0; i < MAX_ROUNDS && log.n < 1000; i++)
		assert_int_equal(np_loop_once(loop, -1), 0);
	assert_int_equal(log.n, 1000);
	for (int i = 0; i < 1000; i++)
		if (log.ids[i] != i)
			fail_msg("timer %d fired in position %d (%zu ties in due times)",
				 log.ids[i], i, ties);
}

struct flag_timer {
	int fired;
};

static void flag_cb(struct np_timer *t, void *arg)
{
	struct flag_timer *ft = arg;

	ft->fired++;
	np_timer_del(t);
}

static void deleted_timer_does_not_fire(void **state)
{
	struct np_loop *loop = *state;
	struct flag_timer victim = {0}, sentinel = {0};
	struct np_timer *t;

	t = np_loop_timer(loop, 1000, flag_cb, &victim);
	assert_non_null(t);
	assert_non_null(np_loop_timer(loop, 5000, flag_cb, &sentinel));
	np_timer_del(t);
	assert_int_equal(np_loop_timer_count(loop), 1);
	run_until(loop, &sentinel.fired);
	assert_int_equal(victim.fired, 0);
	assert_int_equal(sentinel.fired, 1);
	assert_int_equal(np_loop_timer_count(loop), 0);
}

struct pair_timer {
	struct np_timer *self, *other;
	int *fired;
};

static void delete_other_cb(struct np_timer *t, void *arg)
{
	struct pair_timer *p = arg;

	(*p->fired)++;
	/* The other is due in this very round; deleting it must stop it
	 * (and must not free memory the loop still reads). */
	np_timer_del(p->other);
	np_timer_del(t);
}

static void timer_deleting_another_due_timer_stops_it(void **state)
{
	struct np_loop *loop = *state;
	int fired = 0;
	struct pair_timer a = {0}, b = {0};

	a.fired = b.fired = &fired;
	a.self = np_loop_timer(loop, 0, delete_other_cb, &a);
	b.self = np_loop_timer(loop, 0, delete_other_cb, &b);
	assert_non_null(a.self);
	assert_non_null(b.self);
	a.other = b.self;
	b.other = a.self;
	usleep(2000);   /* both are now due in the same round */
	assert_int_equal(np_loop_once(loop, -1), 0);
	assert_int_equal(fired, 1);
	assert_int_equal(np_loop_once(loop, 0), 0);
	assert_int_equal(fired, 1);
	assert_int_equal(np_loop_timer_count(loop), 0);
}

struct rearm {
	int fired;
};

static void rearm_cb(struct np_timer *t, void *arg)
{
	struct rearm *r = arg;

	r->fired++;
	np_timer_reset(t, 0);
}

struct wctx {
	int calls;
	int fd;
	int events;
	struct np_watch *w;
};

static void count_watch_cb(struct np_watch *w, int fd, int events, void *arg)
{
	struct wctx *c = arg;

	c->calls++;
	c->fd = fd;
	c->events = events;
	c->w = w;
}

/* A timer re-arming itself with zero delay must let np_loop_once return
 * (a starving loop would spin until the alarm kills us) and let the
 * descriptors be served. */
static void zero_delay_rearm_does_not_starve(void **state)
{
	struct np_loop *loop = *state;
	struct rearm r = {0};
	struct wctx wc = {0};
	struct np_timer *t;
	struct np_watch *w;
	int p[2];

	assert_int_equal(pipe(p), 0);
	t = np_loop_timer(loop, 0, rearm_cb, &r);
	assert_non_null(t);
	assert_int_equal(np_loop_once(loop, -1), 0);
	assert_int_equal(r.fired, 1);

	w = np_loop_watch(loop, p[0], NP_EV_READ, count_watch_cb, &wc);
	assert_non_null(w);
	assert_int_equal(write(p[1], "x", 1), 1);
	for (int i = 0; i < 3; i++)
		assert_int_equal(np_loop_once(loop, -1), 0);
	assert_true(wc.calls >= 1);
	assert_true(r.fired >= 2);

	np_watch_del(w);
	np_timer_del(t);
	close(p[0]);
	close(p[1]);
}

/* A descriptor that is ready at every round, whose callback asks for a
 * zero-delay timer each time ("once this round is done", as the run asks
 * for its pump when a job ends): that timer fires at the end of each
 * round, and a later timer still fires when due. Re-armed round after
 * round, the first used to be put off for ever, and every timer behind
 * it with it: no retransmission timer, no deadline while answers came. */
struct busy {
	struct np_timer *soon;
	int rearmed;
};

static void busy_watch_cb(struct np_watch *w, int fd, int events, void *arg)
{
	struct busy *b = arg;

	(void)w;
	(void)fd;
	(void)events;
	b->rearmed++;
	np_timer_reset(b->soon, 0);
}

static void count_timer_cb(struct np_timer *t, void *arg)
{
	(void)t;
	(*(int *)arg)++;
}

static void timers_fire_while_a_descriptor_keeps_rearming(void **state)
{
	struct np_loop *loop = *state;
	struct busy b = {0};
	int soon_fired = 0, later_fired = 0, rounds = 0;
	int64_t end;
	struct np_timer *later;
	struct np_watch *w;
	int p[2];

	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "x", 1), 1);   /* never read: ready at every round */
	b.soon = np_loop_timer(loop, 3600000000LL, count_timer_cb, &soon_fired);
	later = np_loop_timer(loop, 2000, count_timer_cb, &later_fired);
	w = np_loop_watch(loop, p[0], NP_EV_READ, busy_watch_cb, &b);
	assert_non_null(b.soon);
	assert_non_null(later);
	assert_non_null(w);
	assert_int_equal(np_loop_once(loop, -1), 0);
	/* armed by this round's descriptor: fired at its end */
	assert_int_equal(soon_fired, 1);
	end = mono_us() + 500000;
	for (; !later_fired && mono_us() < end && rounds < MAX_ROUNDS; rounds++)
		assert_int_equal(np_loop_once(loop, -1), 0);
	assert_int_equal(later_fired, 1);
	assert_int_equal(soon_fired, b.rearmed);
	np_watch_del(w);
	np_timer_del(b.soon);
	np_timer_del(later);
	close(p[0]);
	close(p[1]);
}

/* A peer that answers while a callback holds the loop (a blocking library
 * call: krb5 asking an unreachable KDC for seconds). */
struct stall {
	int answer_fd;           /* written by the stalling callback: the answer */
	struct np_timer *deadline;
	struct np_watch *first;
	int answered, timed_out;
};

static void stall_watch_cb(struct np_watch *w, int fd, int events, void *arg)
{
	struct stall *s = arg;
	char c;

	(void)w;
	(void)events;
	assert_int_equal(read(fd, &c, 1), 1);
	np_watch_set(s->first, 0);
	assert_int_equal(write(s->answer_fd, "a", 1), 1);   /* the peer answers in time... */
	usleep(250000);                                       /* ...while this holds the loop */
}

static void answer_watch_cb(struct np_watch *w, int fd, int events, void *arg)
{
	struct stall *s = arg;
	char c;

	(void)events;
	assert_int_equal(read(fd, &c, 1), 1);
	np_watch_set(w, 0);
	s->answered = 1;
	np_timer_del(s->deadline);
	s->deadline = NULL;
}

static void stall_deadline_cb(struct np_timer *t, void *arg)
{
	struct stall *s = arg;

	(void)t;
	s->deadline = NULL;
	if (!s->answered)
		s->timed_out = 1;
}

static void an_answer_that_came_while_the_loop_was_held_beats_its_deadline(void **state)
{
	struct np_loop *loop = *state;
	struct stall s = {0};
	struct np_watch *aw;
	int a[2], b[2];

	assert_int_equal(pipe(a), 0);
	assert_int_equal(pipe(b), 0);
	s.answer_fd = b[1];
	/* due 100 ms in: during the 250 ms the first callback holds the loop */
	s.deadline = np_loop_timer(loop, 100000, stall_deadline_cb, &s);
	s.first = np_loop_watch(loop, a[0], NP_EV_READ, stall_watch_cb, &s);
	aw = np_loop_watch(loop, b[0], NP_EV_READ, answer_watch_cb, &s);
	assert_non_null(s.deadline);
	assert_non_null(s.first);
	assert_non_null(aw);
	assert_int_equal(write(a[1], "q", 1), 1);
	for (int i = 0; i < 10 && !s.answered && !s.timed_out; i++)
		assert_int_equal(np_loop_once(loop, 1000000), 0);
	assert_int_equal(s.timed_out, 0);
	assert_int_equal(s.answered, 1);
	np_watch_del(s.first);
	np_watch_del(aw);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
}

#define MANY 10000

struct many_log {
	int fired[MANY];
	int64_t due[MANY];
	int order[MANY];
	int n;
	int extra;
};

struct many_timer {
	struct many_log *log;
	int id;
};

static void many_cb(struct np_timer *t, void *arg)
{
	struct many_timer *mt = arg;
	struct many_log *log = mt->log;

	log->fired[mt->id]++;
	if (log->n < MANY) {
		log->due[log->n] = np_timer_due_us(t);
		log->order[log->n] = mt->id;
	} else {
		log->extra++;
	}
	log->n++;
	np_timer_del(t);
}

static void many_random_timers_fire_once_in_order(void **state)
{
	struct np_loop *loop = *state;
	static struct many_log log;
	static struct many_timer mts[MANY];

	memset(&log, 0, sizeof(log));
	srand(20240611);
	for (int i = 0; i < MANY; i++) {
		mts[i].log = &log;
		mts[i].id = i;
		assert_non_null(np_loop_timer(loop, rand() % 20000, many_cb, &mts[i]));
	}
	assert_int_equal(np_loop_timer_count(loop), MANY);
	for (int i = 0; i < MAX_ROUNDS && log.n < MANY; i++)
		assert_int_equal(np_loop_once(loop, -1), 0);
	assert_int_equal(np_loop_once(loop, 0), 0);
	assert_int_equal(log.n, MANY);
	assert_int_equal(log.extra, 0);
	for (int i = 0; i < MANY; i++)
		if (log.fired[i] != 1)
			fail_msg("timer %d fired %d times", i, log.fired[i]);
	for (int i = 1; i < MANY; i++)
		if (log.due[i] < log.due[i - 1])
			fail_msg("timer %d (due %lld) fired after timer %d (due %lld)",
				 log.order[i], (long long)log.due[i],
				 log.order[i - 1], (long long)log.due[i - 1]);
	assert_int_equal(np_loop_timer_count(loop), 0);
}

struct stamp {
	int fired;
	int64_t at;
};

static void stamp_cb(struct np_timer *t, void *arg)
{
	struct stamp *s = arg;

	s->at = mono_us();
	s->fired = 1;
	np_timer_del(t);
}

static void timer_never_fires_early(void **state)
{
	struct np_loop *loop = *state;
	struct stamp s = {0};
	int64_t t0 = mono_us();

	assert_non_null(np_loop_timer(loop, 50000, stamp_cb, &s));
	run_until(loop, &s.fired);
	if (s.at - t0 < 50000)
		fail_msg("a 50 ms timer fired after %lld us", (long long)(s.at - t0));
}

/* --- descriptors -------------------------------------------------------- */

static void pipe_readable_calls_back_with_read(void **state)
{
	struct np_loop *loop = *state;
	struct wctx c = {0};
	struct np_watch *w;
	int p[2];

	assert_int_equal(pipe(p), 0);
	w = np_loop_watch(loop, p[0], NP_EV_READ, count_watch_cb, &c);
	assert_non_null(w);
	assert_int_equal(np_loop_once(loop, 0), 0);
	assert_int_equal(c.calls, 0);

	assert_int_equal(write(p[1], "x", 1), 1);
	run_until(loop, &c.calls);
	assert_int_equal(c.calls, 1);
	assert_int_equal(c.fd, p[0]);
	assert_ptr_equal(c.w, w);
	assert_true(c.events & NP_EV_READ);
	assert_false(c.events & NP_EV_WRITE);

	np_watch_del(w);
	close(p[0]);
	close(p[1]);
}

struct pair_watch {
	struct np_watch *self, *other;
	int calls;
	int *total;
};

static void delete_other_watch_cb(struct np_watch *w, int fd, int events, void *arg)
{
	struct pair_watch *p = arg;

	(void)w;
	(void)fd;
	(void)events;
	p->calls++;
	(*p->total)++;
	np_watch_del(p->other);
	p->other = NULL;    /* freed after this round: never touch it again */
}

/* epoll's order is not ours to choose: each callback deletes the other's
 * watcher, so exactly one of them may run. */
static void watch_deleted_during_dispatch_is_not_called(void **state)
{
	struct np_loop *loop = *state;
	struct pair_watch a = {0}, b = {0};
	int total = 0, pa[2], pb[2];

	assert_int_equal(pipe(pa), 0);
	assert_int_equal(pipe(pb), 0);
	a.total = b.total = &total;
	a.self = np_loop_watch(loop, pa[0], NP_EV_READ, delete_other_watch_cb, &a);
	b.self = np_loop_watch(loop, pb[0], NP_EV_READ, delete_other_watch_cb, &b);
	assert_non_null(a.self);
	assert_non_null(b.self);
	a.other = b.self;
	b.other = a.self;
	assert_int_equal(write(pa[1], "x", 1), 1);
	assert_int_equal(write(pb[1], "x", 1), 1);

	assert_int_equal(np_loop_once(loop, 1000000), 0);
	assert_int_equal(total, 1);
	/* The survivor still works; the deleted one stays silent. */
	assert_int_equal(np_loop_once(loop, 0), 0);
	assert_int_equal(total, 2);
	assert_int_equal(a.calls == 2 || b.calls == 2, 1);
	assert_int_equal(a.calls + b.calls, 2);

	np_watch_del(a.calls ? a.self : b.self);
	close(pa[0]);
	close(pa[1]);
	close(pb[0]);
	close(pb[1]);
}

struct mask_watch {
	struct np_watch *self, *other;
	int read_calls;
	int *switched;
};

static void switch_other_to_write_cb(struct np_watch *w, int fd, int events, void *arg)
{
	struct mask_watch *m = arg;

	(void)w;
	(void)fd;
	if (events & NP_EV_READ)
		m->read_calls++;
	if (!*m->switched) {
		*m->switched = 1;
		assert_int_equal(np_watch_set(m->other, NP_EV_WRITE), 0);
	}
}

/* A watcher switched to write-only by an earlier callback of the same
 * round must not then be told it is readable: it no longer asks (STYLE.md:
 * "masks re-checked after each callback"). The read end of a pipe is
 * never writable, so the switched watcher must stay silent. */
static void watch_mask_changed_during_dispatch_is_rechecked(void **state)
{
	struct np_loop *loop = *state;
	struct mask_watch a = {0}, b = {0};
	int switched = 0, rc, pa[2], pb[2];

	assert_int_equal(pipe(pa), 0);
	assert_int_equal(pipe(pb), 0);
	a.switched = b.switched = &switched;
	a.self = np_loop_watch(loop, pa[0], NP_EV_READ, switch_other_to_write_cb, &a);
	b.self = np_loop_watch(loop, pb[0], NP_EV_READ, switch_other_to_write_cb, &b);
	assert_non_null(a.self);
	assert_non_null(b.self);
	a.other = b.self;
	b.other = a.self;
	assert_int_equal(write(pa[1], "x", 1), 1);
	assert_int_equal(write(pb[1], "x", 1), 1);

	rc = np_loop_once(loop, 1000000);

	np_watch_del(a.self);
	np_watch_del(b.self);
	close(pa[0]);
	close(pa[1]);
	close(pb[0]);
	close(pb[1]);
	assert_int_equal(rc, 0);
	assert_int_equal(switched, 1);
	if (a.read_calls + b.read_calls != 1)
		fail_msg("%d callbacks got NP_EV_READ; the one switched to NP_EV_WRITE "
			 "by the other must not", a.read_calls + b.read_calls);
}

static void watch_set_switches_to_write(void **state)
{
	struct np_loop *loop = *state;
	struct wctx c = {0};
	struct np_watch *w;
	int sp[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	w = np_loop_watch(loop, sp[0], NP_EV_READ, count_watch_cb, &c);
	assert_non_null(w);
	/* Nothing to read: a read watcher stays silent though the socket
	 * is writable. */
	assert_int_equal(np_loop_once(loop, 0), 0);
	assert_int_equal(c.calls, 0);

	assert_int_equal(np_watch_set(w, NP_EV_WRITE), 0);
	run_until(loop, &c.calls);
	assert_int_equal(c.fd, sp[0]);
	assert_true(c.events & NP_EV_WRITE);
	assert_false(c.events & NP_EV_READ);

	np_watch_del(w);
	close(sp[0]);
	close(sp[1]);
}

static void peer_close_reports_hup_or_read(void **state)
{
	struct np_loop *loop = *state;
	struct wctx c = {0};
	struct np_watch *w;
	int sp[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	w = np_loop_watch(loop, sp[0], NP_EV_READ, count_watch_cb, &c);
	assert_non_null(w);
	assert_int_equal(np_loop_once(loop, 0), 0);
	assert_int_equal(c.calls, 0);

	close(sp[1]);
	run_until(loop, &c.calls);
	assert_int_equal(c.fd, sp[0]);
	assert_true(c.events & (NP_EV_HUP | NP_EV_READ));

	np_watch_del(w);
	close(sp[0]);
}

/* --- stopping ----------------------------------------------------------- */

struct stop_watch {
	struct np_loop *loop;
	int calls;
};

static void stop_after_three_cb(struct np_watch *w, int fd, int events, void *arg)
{
	struct stop_watch *s = arg;

	(void)w;
	(void)fd;
	(void)events;
	/* Level-triggered and never drained: without the stop this would
	 * be called forever. */
	if (++s->calls == 3)
		np_loop_stop(s->loop);
}

static void stop_from_watch_ends_run(void **state)
{
	struct np_loop *loop = *state;
	struct stop_watch s = {loop, 0};
	struct np_watch *w;
	int p[2];

	assert_int_equal(pipe(p), 0);
	w = np_loop_watch(loop, p[0], NP_EV_READ, stop_after_three_cb, &s);
	assert_non_null(w);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(np_loop_run(loop), 0);
	assert_int_equal(s.calls, 3);

	np_watch_del(w);
	close(p[0]);
	close(p[1]);
}

struct stop_timer {
	struct np_loop *loop;
	int fired;
};

static void stop_timer_cb(struct np_timer *t, void *arg)
{
	struct stop_timer *s = arg;

	s->fired++;
	np_timer_del(t);
	np_loop_stop(s->loop);
}

static void stop_from_timer_ends_run(void **state)
{
	struct np_loop *loop = *state;
	struct stop_timer s = {loop, 0};

	assert_non_null(np_loop_timer(loop, 1000, stop_timer_cb, &s));
	assert_int_equal(np_loop_run(loop), 0);
	assert_int_equal(s.fired, 1);
}

/* --- signals ------------------------------------------------------------ */

struct sig_log {
	int signos[8];
	int n;
};

static void sig_cb(int signo, void *arg)
{
	struct sig_log *l = arg;

	if (l->n < 8)
		l->signos[l->n] = signo;
	l->n++;
}

static void signals_reach_the_callback(void **state)
{
	struct np_loop *loop = *state;
	struct sig_log log = {0};
	sigset_t cur;

	assert_int_equal(np_loop_signals(loop, sig_cb, &log), 0);
	assert_int_equal(raise(SIGTERM), 0);
	assert_int_equal(np_loop_once(loop, 2000000), 0);
	assert_int_equal(log.n, 1);
	assert_int_equal(log.signos[0], SIGTERM);

	assert_int_equal(raise(SIGINT), 0);
	assert_int_equal(np_loop_once(loop, 2000000), 0);
	assert_int_equal(log.n, 2);
	assert_int_equal(log.signos[1], SIGINT);

	/* Freeing the loop gives the process its signals back. */
	np_loop_free(loop);
	*state = NULL;
	assert_int_equal(sigprocmask(SIG_BLOCK, NULL, &cur), 0);
	assert_false(sigismember(&cur, SIGTERM));
	assert_false(sigismember(&cur, SIGINT));
}

/* A watch runs one run per cycle on one loop: each takes the signals over,
 * and the process still gets them back when the loop goes. */
static void signals_taken_over_by_a_second_caller(void **state)
{
	struct np_loop *loop = *state;
	struct sig_log first = {0}, second = {0};
	sigset_t cur;

	assert_int_equal(np_loop_signals(loop, sig_cb, &first), 0);
	assert_int_equal(np_loop_signals(loop, sig_cb, &second), 0);
	assert_int_equal(raise(SIGTERM), 0);
	assert_int_equal(np_loop_once(loop, 2000000), 0);
	assert_int_equal(first.n, 0);
	assert_int_equal(second.n, 1);
	assert_int_equal(second.signos[0], SIGTERM);
	np_loop_free(loop);
	*state = NULL;
	assert_int_equal(sigprocmask(SIG_BLOCK, NULL, &cur), 0);
	assert_false(sigismember(&cur, SIGTERM));
	assert_false(sigismember(&cur, SIGINT));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(timers_fire_in_due_order, guard_setup, guard_teardown),
		cmocka_unit_test_setup_teardown(equal_due_times_fire_in_creation_order, guard_setup, guard_teardown),
		cmocka_unit_test_setup_teardown(deleted_timer_does_not_fire, guard_setup, guard_teardown),
		cmocka_unit_test_setup_teardown(timer_deleting_another_due_timer_stops_it, guard_setup, guard_teardown),
		cmocka_unit_test_setup_teardown(zero_delay_rearm_does_not_starve, guard_setup, guard_teardown),
		cmocka_unit_test_setup_teardown(timers_fire_while_a_descriptor_keeps_rearming, guard_setup,
						guard_teardown),
		cmocka_unit_test_setup_teardown(an_answer_that_came_while_the_loop_was_held_beats_its_deadline, guard_setup,
						guard_teardown),
		cmocka_unit_test_setup_teardown(many_random_timers_fire_once_in_order, guard_setup, guard_teardown),
		cmocka_unit_test_setup_teardown(timer_never_fires_early, guard_setup, guard_teardown),
		cmocka_unit_test_setup_teardown(pipe_readable_calls_back_with_read, guard_setup, guard_teardown),
		cmocka_unit_test_setup_teardown(watch_deleted_during_dispatch_is_not_called, guard_setup, guard_teardown),
		cmocka_unit_test_setup_teardown(watch_mask_changed_during_dispatch_is_rechecked, guard_setup, guard_teardown),
		cmocka_unit_test_setup_teardown(watch_set_switches_to_write, guard_setup, guard_teardown),
		cmocka_unit_test_setup_teardown(peer_close_reports_hup_or_read, guard_setup, guard_teardown),
		cmocka_unit_test_setup_teardown(stop_from_watch_ends_run, guard_setup, guard_teardown),
		cmocka_unit_test_setup_teardown(stop_from_timer_ends_run, guard_setup, guard_teardown),
		cmocka_unit_test_setup_teardown(signals_reach_the_callback, guard_setup, guard_teardown),
		cmocka_unit_test_setup_teardown(signals_taken_over_by_a_second_caller, guard_setup, guard_teardown),
	};

	return cmocka_run_group_tests_name("loop", tests, NULL, NULL);
}
