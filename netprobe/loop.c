/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "loop.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "clock.h"
#include "error.h"

struct np_watch {
	struct np_loop *loop;
	int fd;
	int events;
	np_watch_cb cb;
	void *arg;
	int dead;
	struct np_watch *next_dead;
};

struct np_timer {
	struct np_loop *loop;
	int64_t due_us;
	uint64_t seq;       /* FIFO order among timers due at the same time */
	size_t heap_idx;    /* NP_NOT_ARMED when not in the heap */
	np_timer_cb cb;
	void *arg;
	int dead;
	struct np_timer *next_dead;
};

#define NP_NOT_ARMED ((size_t)-1)
#define NP_MAX_EVENTS 128
/* A round's callbacks that took longer held the loop (np_loop_once). */
#define NP_LOOP_STALL_US 100000

struct np_loop {
	int epfd;
	int stop;
	uint64_t seq;       /* arming order: timers due at once fire in it */
	struct np_timer **heap;
	size_t heap_len, heap_cap;
	size_t timers_live;   /* created and not deleted: heap_cap never below */
	struct np_watch *dead_watches;
	struct np_timer *dead_timers;
	int sigfd;
	struct np_watch *sigwatch;
	np_signal_cb sigcb;
	void *sigarg;
	sigset_t oldmask;
};

struct np_loop *np_loop_new(char *errbuf)
{
	struct np_loop *loop = calloc(1, sizeof(*loop));

	if (!loop) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "event loop: out of memory");
		return NULL;
	}
	/* The size argument is ignored since Linux 2.6.8; epoll_create1 has none. */
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "epoll_create1: %s", strerror(errno));
		free(loop);
		return NULL;
	}
	loop->sigfd = -1;
	return loop;
}

static void collect_garbage(struct np_loop *loop)
{
	while (loop->dead_watches) {
		struct np_watch *w = loop->dead_watches;

		loop->dead_watches = w->next_dead;
		free(w);
	}
	while (loop->dead_timers) {
		struct np_timer *t = loop->dead_timers;

		loop->dead_timers = t->next_dead;
		free(t);
	}
}

void np_loop_free(struct np_loop *loop)
{
	if (!loop)
		return;
	if (loop->sigwatch) {
		np_watch_del(loop->sigwatch);
		close(loop->sigfd);
		sigprocmask(SIG_SETMASK, &loop->oldmask, NULL);
	}
	/* Timers still armed belong to nobody now: free them with the loop. */
	for (size_t i = 0; i < loop->heap_len; i++)
		free(loop->heap[i]);
	free(loop->heap);
	collect_garbage(loop);
	close(loop->epfd);
	free(loop);
}

static uint32_t to_epoll(int events)
{
	uint32_t ev = 0;

	if (events & NP_EV_READ)
		ev |= EPOLLIN | EPOLLRDHUP;
	if (events & NP_EV_WRITE)
		ev |= EPOLLOUT;
	return ev;
}

struct np_watch *np_loop_watch(struct np_loop *loop, int fd, int events,
			       np_watch_cb cb, void *arg)
{
	struct np_watch *w = calloc(1, sizeof(*w));
	struct epoll_event ev = {0};

	if (!w)
		return NULL;
	w->loop = loop;
	w->fd = fd;
	w->events = events;
	w->cb = cb;
	w->arg = arg;
	ev.events = to_epoll(events);
	ev.data.ptr = w;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		free(w);
		return NULL;
	}
	return w;
}

int np_watch_set(struct np_watch *w, int events)
{
	struct epoll_event ev = {0};

	if (w->events == events)
		return 0;
	ev.events = to_epoll(events);
	ev.data.ptr = w;
	if (epoll_ctl(w->loop->epfd, EPOLL_CTL_MOD, w->fd, &ev) < 0)
		return NP_ESYS;
	w->events = events;
	return 0;
}

void np_watch_del(struct np_watch *w)
{
	if (!w || w->dead)
		return;
	/* Fails with EBADF if the owner closed the fd first; the kernel has
	 * then dropped the registration already. */
	epoll_ctl(w->loop->epfd, EPOLL_CTL_DEL, w->fd, NULL);
	w->dead = 1;
	w->next_dead = w->loop->dead_watches;
	w->loop->dead_watches = w;
}

/* --- timer heap ------------------------------------------------------- */

static int timer_before(const struct np_timer *a, const struct np_timer *b)
{
	if (a->due_us != b->due_us)
		return a->due_us < b->due_us;
	return a->seq < b->seq;
}

static void heap_place(struct np_loop *loop, size_t i, struct np_timer *t)
{
	loop->heap[i] = t;
	t->heap_idx = i;
}

static void heap_up(struct np_loop *loop, size_t i)
{
	struct np_timer *t = loop->heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!timer_before(t, loop->heap[parent]))
			break;
		heap_place(loop, i, loop->heap[parent]);
		i = parent;
	}
	heap_place(loop, i, t);
}

static void heap_down(struct np_loop *loop, size_t i)
{
	struct np_timer *t = loop->heap[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= loop->heap_len)
			break;
		if (c + 1 < loop->heap_len && timer_before(loop->heap[c + 1], loop->heap[c]))
			c++;
		if (!timer_before(loop->heap[c], t))
			break;
		heap_place(loop, i, loop->heap[c]);
		i = c;
	}
	heap_place(loop, i, t);
}

static void heap_remove(struct np_loop *loop, struct np_timer *t)
{
	size_t i = t->heap_idx;
	struct np_timer *last;

	if (i == NP_NOT_ARMED)
		return;
	t->heap_idx = NP_NOT_ARMED;
	last = loop->heap[--loop->heap_len];
	if (last == t)
		return;
	heap_place(loop, i, last);
	heap_up(loop, i);
	heap_down(loop, last->heap_idx);
}

static int heap_reserve(struct np_loop *loop, size_t n)
{
	size_t cap = loop->heap_cap ? loop->heap_cap : 64;
	struct np_timer **h;

	if (n <= loop->heap_cap)
		return 0;
	while (cap < n)
		cap *= 2;
	h = realloc(loop->heap, cap * sizeof(*h));
	if (!h)
		return NP_ENOMEM;
	loop->heap = h;
	loop->heap_cap = cap;
	return 0;
}

/* The heap always has room for every live timer (reserved at creation),
 * so arming never fails. */
static void heap_insert(struct np_loop *loop, struct np_timer *t)
{
	loop->heap[loop->heap_len] = t;
	t->heap_idx = loop->heap_len++;
	heap_up(loop, t->heap_idx);
}

static void timer_arm(struct np_timer *t, int64_t delay_us)
{
	struct np_loop *loop = t->loop;

	heap_remove(loop, t);
	t->due_us = np_now_us() + (delay_us > 0 ? delay_us : 0);
	t->seq = loop->seq++;
	heap_insert(loop, t);
}

struct np_timer *np_loop_timer(struct np_loop *loop, int64_t delay_us,
			       np_timer_cb cb, void *arg)
{
	struct np_timer *t;

	if (heap_reserve(loop, loop->timers_live + 1) < 0)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	loop->timers_live++;
	t->loop = loop;
	t->cb = cb;
	t->arg = arg;
	t->heap_idx = NP_NOT_ARMED;
	t->due_us = np_now_us() + (delay_us > 0 ? delay_us : 0);
	t->seq = loop->seq++;
	heap_insert(loop, t);
	return t;
}

void np_timer_reset(struct np_timer *t, int64_t delay_us)
{
	if (t->dead)
		return;
	timer_arm(t, delay_us);
}

void np_timer_del(struct np_timer *t)
{
	if (!t || t->dead)
		return;
	heap_remove(t->loop, t);
	t->loop->timers_live--;
	t->dead = 1;
	t->next_dead = t->loop->dead_timers;
	t->loop->dead_timers = t;
}

int64_t np_timer_due_us(const struct np_timer *t)
{
	return t->due_us;
}

size_t np_loop_timer_count(const struct np_loop *loop)
{
	return loop->heap_len;
}

/* --- signals ------------------------------------------------------------ */

static void on_signalfd(struct np_watch *w, int fd, int events, void *arg)
{
	struct np_loop *loop = arg;
	struct signalfd_siginfo si;

	(void)w;
	(void)events;
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		loop->sigcb((int)si.ssi_signo, loop->sigarg);
}

int np_loop_signals(struct np_loop *loop, np_signal_cb cb, void *arg)
{
	sigset_t set;

	/* A second caller (a watch runs one run per cycle on one loop) takes
	 * the signals over: one signalfd, the mask blocked once. */
	if (loop->sigfd >= 0) {
		loop->sigcb = cb;
		loop->sigarg = arg;
		return 0;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &set, &loop->oldmask) < 0)
		return NP_ESYS;
	loop->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (loop->sigfd < 0) {
		sigprocmask(SIG_SETMASK, &loop->oldmask, NULL);
		return NP_ESYS;
	}
	loop->sigcb = cb;
	loop->sigarg = arg;
	loop->sigwatch = np_loop_watch(loop, loop->sigfd, NP_EV_READ, on_signalfd, loop);
	if (!loop->sigwatch) {
		close(loop->sigfd);
		loop->sigfd = -1;
		sigprocmask(SIG_SETMASK, &loop->oldmask, NULL);
		return NP_ESYS;
	}
	return 0;
}

/* --- dispatch ----------------------------------------------------------- */

static void run_timers(struct np_loop *loop)
{
	int64_t now = np_now_us();
	uint64_t armed_before = loop->seq;

	/* Timers armed by timer callbacks wait for the next round, so a timer
	 * re-armed with zero delay cannot starve the descriptors. Those the
	 * descriptors' callbacks armed fire now: a callback that re-arms a
	 * zero-delay timer at every event ("as soon as this round is done")
	 * must not push it, and every timer behind it, round after round. */
	while (loop->heap_len > 0 && !loop->stop) {
		struct np_timer *t = loop->heap[0];

		if (t->due_us > now || t->seq >= armed_before)
			break;
		heap_remove(loop, t);
		t->cb(t, t->arg);
	}
}

static void dispatch(struct np_loop *loop, const struct epoll_event *evs, int n)
{
	for (int i = 0; i < n && !loop->stop; i++) {
		struct np_watch *w = evs[i].data.ptr;
		int events = 0;

		if (w->dead)
			continue;
		if (evs[i].events & EPOLLIN)
			events |= NP_EV_READ;
		if (evs[i].events & EPOLLOUT)
			events |= NP_EV_WRITE;
		if (evs[i].events & (EPOLLERR | EPOLLHUP))
			events |= NP_EV_ERROR;
		if (evs[i].events & EPOLLRDHUP)
			events |= NP_EV_HUP;
		/* An earlier callback of this round may have changed the mask:
		 * deliver only what is still asked for (errors always). */
		if (!(w->events & NP_EV_READ))
			events &= ~(NP_EV_READ | NP_EV_HUP);
		if (!(w->events & NP_EV_WRITE))
			events &= ~NP_EV_WRITE;
		if (!events)
			continue;
		w->cb(w, w->fd, events, w->arg);
	}
}

int np_loop_once(struct np_loop *loop, int64_t max_wait_us)
{
	struct epoll_event evs[NP_MAX_EVENTS];
	int64_t wait_us = max_wait_us, began;
	int timeout_ms, n;

	loop->stop = 0;
	if (loop->heap_len > 0) {
		int64_t until = loop->heap[0]->due_us - np_now_us();

		if (until < 0)
			until = 0;
		if (wait_us < 0 || until < wait_us)
			wait_us = until;
	}
	/* Round up: waking a little late is harmless, waking early spins. */
	if (wait_us > (int64_t)INT_MAX * 1000)
		wait_us = (int64_t)INT_MAX * 1000;
	timeout_ms = wait_us < 0 ? -1 : (int)((wait_us + 999) / 1000);
	n = epoll_wait(loop->epfd, evs, NP_MAX_EVENTS, timeout_ms);
	if (n < 0 && errno != EINTR)
		return NP_ESYS;
	began = np_now_us();
	dispatch(loop, evs, n);
	/* A callback that held the loop (a library call that blocks: a KDC
	 * exchange krb5 retries for seconds) made timers due whose peers may
	 * have answered meanwhile: what came is read first, so a peer that
	 * answered in time is not judged to have timed out. Once a round:
	 * a loop slow throughout (a sanitizer's) still runs its timers. */
	if (n > 0 && !loop->stop && np_now_us() - began > NP_LOOP_STALL_US) {
		n = epoll_wait(loop->epfd, evs, NP_MAX_EVENTS, 0);
		dispatch(loop, evs, n);
	}
	run_timers(loop);
	collect_garbage(loop);
	return 0;
}

int np_loop_run(struct np_loop *loop)
{
	for (;;) {
		int err = np_loop_once(loop, -1);

		if (err < 0)
			return err;
		if (loop->stop)
			return 0;
	}
}

void np_loop_stop(struct np_loop *loop)
{
	loop->stop = 1;
}
