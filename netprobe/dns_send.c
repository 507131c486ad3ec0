/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The DNS probe's queries to one resolver, windowed and retransmitted on
 * a measured timer (see dns_send.h). */
#include "dns_send.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "error.h"
#include "loop.h"

/* Attempts of one query: with the timer's back-off this is far more than
 * any budget allows (50 ms doubling reaches 6.4 s by the eighth). */
#define MAX_ATTEMPTS 8

struct attempt {
	struct np_dns_send *q;
	struct np_resolve_req *req;    /* NULL once it ended or was cancelled */
	int64_t sent_us;
};

struct np_dns_send {
	struct np_dns_sender *s;
	struct np_resolver *ch;
	int retransmit;
	char *name;
	int type;
	np_query_cb cb;
	void *arg;
	struct np_dns_send **handle;
	struct attempt att[MAX_ATTEMPTS];
	int n_att;
	uint64_t seq;
	int64_t first_us;
	/* One timer: the next retransmission or the end of the budget,
	 * whichever comes first (rto_at 0: no more retransmissions). */
	struct np_timer *timer;
	int64_t rto_at, deadline_at;
	size_t live_idx;
	int started, finished, sending;
	struct np_dns_send *prev, *next;   /* the waiting queue */
};

struct np_dns_sender {
	struct np_loop *loop;
	int64_t budget_us;
	struct np_dns_window win;
	uint64_t retransmissions;
	struct np_dns_send *head, *tail;   /* waiting for room, in order */
	struct np_dns_send **live;         /* started, for np_dns_sender_free */
	size_t n_live, cap_live;
};

static void pump(struct np_dns_sender *s);

static void live_add(struct np_dns_sender *s, struct np_dns_send *q)
{
	if (s->n_live == s->cap_live) {
		size_t n = s->cap_live ? s->cap_live * 2 : 64;
		struct np_dns_send **v = realloc(s->live, n * sizeof(*v));

		if (!v)
			return;     /* only np_dns_sender_free needs the list */
		s->live = v;
		s->cap_live = n;
	}
	q->live_idx = s->n_live;
	s->live[s->n_live++] = q;
}

static void live_remove(struct np_dns_sender *s, struct np_dns_send *q)
{
	size_t i = q->live_idx;

	/* (not there when live_add could not grow the list) */
	if (i >= s->n_live || s->live[i] != q)
		return;
	s->live[i] = s->live[--s->n_live];
	s->live[i]->live_idx = i;
}

static void unlink_waiting(struct np_dns_sender *s, struct np_dns_send *q)
{
	if (q->prev)
		q->prev->next = q->next;
	else
		s->head = q->next;
	if (q->next)
		q->next->prev = q->prev;
	else
		s->tail = q->prev;
	q->prev = q->next = NULL;
}

/* Stops everything the query has running, without calling back. */
static void stop(struct np_dns_send *q)
{
	for (int i = 0; i < q->n_att; i++) {
		if (q->att[i].req)
			np_resolve_cancel(q->att[i].req);
		q->att[i].req = NULL;
	}
	if (q->timer)
		np_timer_del(q->timer);
	q->timer = NULL;
}

static void release(struct np_dns_send *q)
{
	free(q->name);
	free(q);
}

/* The query's one ending: the window learns from it, the caller hears. */
static void finish(struct np_dns_send *q, const struct np_query_result *res, int64_t rtt_us)
{
	struct np_dns_sender *s = q->s;

	q->finished = 1;
	stop(q);
	live_remove(s, q);
	if (rtt_us >= 0)
		np_dns_window_answered(&s->win, rtt_us);
	else
		np_dns_window_gave_up(&s->win);
	if (q->handle)
		*q->handle = NULL;
	if (q->cb)
		q->cb(res, q->arg);
	/* An attempt that answered inside np_resolver_query: the sender
	 * frees it when that call returns. */
	if (!q->sending)
		release(q);
	pump(s);
}

static void on_attempt(const struct np_query_result *res, void *arg)
{
	struct attempt *a = arg;
	struct np_dns_send *q = a->q;
	struct np_query_result r = *res;

	a->req = NULL;
	if (q->finished)
		return;
	/* c-ares' own time-out only comes at the end of the whole budget
	 * (the channel sends each attempt once and waits that long). */
	r.ms = (double)(np_now_us() - q->first_us) / 1000.0;
	if (np_resolve_is_timeout(res->status)) {
		np_dns_window_lost(&q->s->win, q->seq);
		finish(q, &r, -1);
		return;
	}
	/* Every attempt is a query of its own, with its own ID: an answer
	 * says which one it answers, so each is a clean round-trip sample
	 * (the ambiguity behind Karn's rule does not arise). */
	finish(q, &r, np_now_us() - a->sent_us);
}

static int send_attempt(struct np_dns_send *q)
{
	struct attempt *a = &q->att[q->n_att++];
	int rc;

	a->q = q;
	a->sent_us = np_now_us();
	q->sending = 1;
	rc = np_resolver_query(q->ch, q->name, q->type, on_attempt, a, &a->req);
	q->sending = 0;
	if (q->finished) {
		release(q);
		return 1;
	}
	return rc;
}

/* An answer may be here already, unread: the loop reads a socket a
 * round's worth at a time, and timers run between rounds. 1 if reading
 * it ended the query (it is freed then). */
static int answered_meanwhile(struct np_dns_send *q)
{
	q->sending = 1;
	np_resolver_read(q->ch);
	q->sending = 0;
	if (!q->finished)
		return 0;
	release(q);
	return 1;
}

static int64_t next_due(const struct np_dns_send *q)
{
	return q->rto_at && q->rto_at < q->deadline_at ? q->rto_at : q->deadline_at;
}

static void on_timer(struct np_timer *t, void *arg)
{
	struct np_dns_send *q = arg;
	struct np_dns_sender *s = q->s;
	struct np_query_result r;
	int64_t now;

	(void)t;
	if (answered_meanwhile(q))
		return;
	now = np_now_us();
	if (now >= q->deadline_at) {
		/* Unanswered for the whole budget: lost, whatever the timer said. */
		np_dns_window_lost(&s->win, q->seq);
		np_resolver_timeout_result(q->ch, q->name, q->type, q->first_us, &r,
					   (double)(now - q->first_us) / 1000.0);
		finish(q, &r, -1);
		return;
	}
	np_dns_window_lost(&s->win, q->seq);
	q->rto_at = 0;
	/* No attempt that could not be answered before the budget ends. */
	if (q->n_att < MAX_ATTEMPTS && q->deadline_at - now >= np_dns_window_rto(&s->win) / 4) {
		s->retransmissions++;
		if (send_attempt(q) > 0)
			return;         /* answered at once: it ended */
		q->rto_at = now + np_dns_window_rto(&s->win);
	}
	np_timer_reset(q->timer, next_due(q) - np_now_us());
}

static void start(struct np_dns_send *q)
{
	struct np_dns_sender *s = q->s;

	q->started = 1;
	q->first_us = np_now_us();
	q->seq = np_dns_window_sent(&s->win);
	live_add(s, q);
	q->deadline_at = q->first_us + s->budget_us;
	/* At least two attempts fit in any budget: before the first sample
	 * the timer may be longer than a short --timeout. */
	if (q->retransmit) {
		int64_t d = np_dns_window_rto(&s->win);

		q->rto_at = q->first_us + (d < s->budget_us / 3 ? d : s->budget_us / 3);
	}
	q->timer = np_loop_timer(s->loop, next_due(q) - q->first_us, on_timer, q);
	if (send_attempt(q) > 0)
		return;         /* it already ended */
}

static void pump(struct np_dns_sender *s)
{
	while (s->head && np_dns_window_can_send(&s->win)) {
		struct np_dns_send *q = s->head;

		unlink_waiting(s, q);
		start(q);
	}
}

struct np_dns_sender *np_dns_sender_new(struct np_loop *loop, unsigned max, int64_t budget_us)
{
	struct np_dns_sender *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->loop = loop;
	s->budget_us = budget_us;
	np_dns_window_init(&s->win, max);
	return s;
}

void np_dns_sender_free(struct np_dns_sender *s)
{
	if (!s)
		return;
	while (s->head) {
		struct np_dns_send *q = s->head;

		unlink_waiting(s, q);
		if (q->handle)
			*q->handle = NULL;
		release(q);
	}
	for (size_t i = 0; i < s->n_live; i++) {
		stop(s->live[i]);
		if (s->live[i]->handle)
			*s->live[i]->handle = NULL;
		release(s->live[i]);
	}
	free(s->live);
	free(s);
}

int np_dns_send(struct np_dns_sender *s, struct np_resolver *ch, int retransmit, const char *name,
		int type, np_query_cb cb, void *arg, struct np_dns_send **handle)
{
	struct np_dns_send *q = calloc(1, sizeof(*q));

	*handle = NULL;
	if (!q || !(q->name = strdup(name))) {
		free(q);
		return NP_ENOMEM;
	}
	q->s = s;
	q->ch = ch;
	q->retransmit = retransmit;
	q->type = type;
	q->cb = cb;
	q->arg = arg;
	q->handle = handle;
	*handle = q;
	q->prev = s->tail;
	if (s->tail)
		s->tail->next = q;
	else
		s->head = q;
	s->tail = q;
	pump(s);
	return 0;
}

void np_dns_send_cancel(struct np_dns_send *q)
{
	struct np_dns_sender *s;

	if (!q)
		return;
	s = q->s;
	if (q->handle)
		*q->handle = NULL;
	q->handle = NULL;
	q->cb = NULL;
	if (!q->started) {
		unlink_waiting(s, q);
		release(q);
		return;
	}
	q->finished = 1;
	stop(q);
	live_remove(s, q);
	np_dns_window_gave_up(&s->win);
	/* Cancelled from a callback while the sender is in a call of its own
	 * for this query (sending it, or reading before a timer acts): that
	 * call frees it when it returns. */
	if (!q->sending)
		release(q);
	pump(s);
}

int np_dns_send_started(const struct np_dns_send *q)
{
	return q && q->started;
}

const struct np_dns_window *np_dns_sender_window(const struct np_dns_sender *s)
{
	return &s->win;
}

uint64_t np_dns_sender_retransmissions(const struct np_dns_sender *s)
{
	return s->retransmissions;
}
