/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_LOOP_H
#define NETPROBE_LOOP_H

#include <stddef.h>
#include <stdint.h>

/*
 * The one event loop: epoll for file descriptors, a binary heap of one-shot
 * timers on CLOCK_MONOTONIC, and signalfd for SIGINT/SIGTERM. Callbacks may
 * add and remove watchers and timers at any time; removed objects are freed
 * only after the current dispatch round, so a pointer held by a pending
 * event is never dangling.
 */

struct np_loop;
struct np_watch;
struct np_timer;

#define NP_EV_READ  0x1
#define NP_EV_WRITE 0x2
/* Reported, never requested: error or hang-up on the descriptor. */
#define NP_EV_ERROR 0x4
/* Peer closed its side (EPOLLRDHUP); requested with NP_EV_READ. */
#define NP_EV_HUP   0x8

typedef void (*np_watch_cb)(struct np_watch *w, int fd, int events, void *arg);
typedef void (*np_timer_cb)(struct np_timer *t, void *arg);
typedef void (*np_signal_cb)(int signo, void *arg);

struct np_loop *np_loop_new(char *errbuf);
void np_loop_free(struct np_loop *loop);

/* Watch fd for events (NP_EV_READ | NP_EV_WRITE). One watcher per fd. */
struct np_watch *np_loop_watch(struct np_loop *loop, int fd, int events,
			       np_watch_cb cb, void *arg);
int np_watch_set(struct np_watch *w, int events);
/* Stops watching; the fd itself stays open (the caller owns it). */
void np_watch_del(struct np_watch *w);

/* A one-shot timer firing delay_us from now. */
struct np_timer *np_loop_timer(struct np_loop *loop, int64_t delay_us,
			       np_timer_cb cb, void *arg);
/* Re-arm a timer (fired or pending) to fire delay_us from now. */
void np_timer_reset(struct np_timer *t, int64_t delay_us);
void np_timer_del(struct np_timer *t);
int64_t np_timer_due_us(const struct np_timer *t);

/* Route SIGINT and SIGTERM to cb (blocked for the process, read through
 * signalfd). Called again, it only changes cb and arg. */
int np_loop_signals(struct np_loop *loop, np_signal_cb cb, void *arg);

/* Dispatch until np_loop_stop(); returns 0, or NP_ESYS if epoll fails. */
int np_loop_run(struct np_loop *loop);
void np_loop_stop(struct np_loop *loop);
/* Run one round: wait at most max_wait_us (-1: until the next timer). */
int np_loop_once(struct np_loop *loop, int64_t max_wait_us);

size_t np_loop_timer_count(const struct np_loop *loop);

#endif
