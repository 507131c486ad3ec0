/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_DNS_SEND_H
#define NETPROBE_DNS_SEND_H

/*
 * Sending the DNS probe's queries to one resolver: no more in flight than
 * its window (dns_window.h) allows, the rest waiting in order; a query
 * unanswered after the retransmission timeout is asked again (a new query,
 * the first answer of either wins) until its budget ends. c-ares sends each
 * attempt once (its own fixed retry delay is what made a lost query cost a
 * third of the budget); the timer here follows the measured round trips.
 *
 * Each attempt is a new query with its own ID, so every answer is a round
 * trip sample for the timer. A query unanswered for its whole budget
 * counts as lost for the window, as a timer that fired does.
 *
 * Over TCP nothing is sent twice: TCP retransmits by itself.
 *
 * Each query's callback runs exactly once: an answer (any status c-ares
 * gives, the first attempt that ends), or ARES_ETIMEOUT when the budget
 * ends, or never after np_dns_send_cancel.
 */

#include <stdint.h>

#include "dns_window.h"
#include "resolve.h"

struct np_loop;
struct np_dns_sender;
struct np_dns_send;

/* max: the ceiling of the window (--parallel); budget_us: the time each
 * query has, from its first transmission. */
struct np_dns_sender *np_dns_sender_new(struct np_loop *loop, unsigned max, int64_t budget_us);
void np_dns_sender_free(struct np_dns_sender *s);

/* Queue a query on channel ch (a resolver channel made with
 * once = 1, see resolve.h); retransmit 0 for TCP channels. *handle is set
 * until the callback runs or the query is cancelled. NP_ENOMEM. */
int np_dns_send(struct np_dns_sender *s, struct np_resolver *ch, int retransmit, const char *name,
		int type, np_query_cb cb, void *arg, struct np_dns_send **handle);

/* The callback will not run. */
void np_dns_send_cancel(struct np_dns_send *q);

/* 1 once the query has been sent (it was not only waiting for room). */
int np_dns_send_started(const struct np_dns_send *q);

/* The window, for the report. */
const struct np_dns_window *np_dns_sender_window(const struct np_dns_sender *s);
/* Queries sent again after a timeout, in all. */
uint64_t np_dns_sender_retransmissions(const struct np_dns_sender *s);

#endif
