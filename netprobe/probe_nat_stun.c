/* SPDX-License-Identifier: GPL-3.0-or-later */
/* netprobe nat's STUN method: the mapped address (RFC 5389) and, when the
 * server has a second address and port, the mapping and filtering
 * behaviour (RFC 5780 4.3 and 4.4), all from one local socket. */

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"
#include "clock.h"
#include "loop.h"
#include "probe_nat_int.h"
#include "run.h"
#include "stun.h"

enum sstep { S_BIND, S_MAP2, S_MAP3, S_FILT2, S_FILT3 };

struct stun_job {
	struct np_job job;
	struct nat_state *st;
	struct sockaddr_storage server, other, local, dst;
	struct sockaddr_storage m1, m2;
	int have_other;
	int fd;
	struct np_watch *w;
	struct np_timer *timer;
	enum sstep step;
	unsigned change;
	int tries;
	uint8_t txid[12];
	int ended;
	/* Datagrams of this step that were not its answer: a server that
	 * answers garbage is not a silent one. The last is kept. */
	unsigned n_bad;
	const char *bad_why;
	struct sockaddr_storage bad_from;
	uint8_t bad[NP_ESCAPE_SHOW + 1];   /* one more than shown: the cut is seen */
	size_t bad_len, bad_kept;
};

static void sj_end(struct stun_job *s, const char *verdict, const char *detail)
{
	struct m_result *m = &s->st->m[M_STUN];

	if (s->ended)
		return;
	s->ended = 1;
	if (verdict) {
		m->verdict = verdict;
		snprintf(m->detail, sizeof(m->detail), "%s", detail);
	}
	np_watch_del(s->w);
	s->w = NULL;
	np_timer_del(s->timer);
	s->timer = NULL;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	np_run_job_done(s->st->run, &s->job);
}

static int64_t try_us(const struct stun_job *s)
{
	int64_t to = np_run_opts(s->st->run)->timeout_us;

	return (to < STUN_STEP_MAX_US ? to : STUN_STEP_MAX_US) / UDP_TRIES;
}

static void sj_send(struct stun_job *s)
{
	uint8_t buf[64];
	size_t n = np_stun_request(buf, sizeof(buf), s->txid, s->change);

	s->tries++;
	if (sendto(s->fd, buf, n, 0, (struct sockaddr *)&s->dst, np_addr_len((struct sockaddr *)&s->dst)) < 0 &&
	    errno != EAGAIN) {
		char d[128];

		snprintf(d, sizeof(d), "sending to the STUN server: %s", strerror(errno));
		sj_end(s, "nat.no_answer", d);
		return;
	}
	np_timer_reset(s->timer, try_us(s));
}

/* A new request: a new transaction, to dst, with these change flags. */
static void sj_step(struct stun_job *s, enum sstep step, const struct sockaddr_storage *dst, unsigned port,
		    unsigned change)
{
	s->step = step;
	s->dst = *dst;
	if (port)
		np_addr_set_port((struct sockaddr *)&s->dst, port);
	s->change = change;
	s->tries = 0;
	s->n_bad = 0;
	if (getrandom(s->txid, sizeof(s->txid), 0) != (ssize_t)sizeof(s->txid))
		for (size_t i = 0; i < sizeof(s->txid); i++)
			s->txid[i] = (uint8_t)(np_now_us() >> (i % 8));
	sj_send(s);
}

static int same_ap(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	return np_nat_same_addr((const struct sockaddr *)a, (const struct sockaddr *)b) &&
	       np_nat_port_of((const struct sockaddr *)a) == np_nat_port_of((const struct sockaddr *)b);
}

static void filtering_tests(struct stun_job *s)
{
	sj_step(s, S_FILT2, &s->server, 0, NP_STUN_CHANGE_IP | NP_STUN_CHANGE_PORT);
}

/* The first step came to nothing: garbage, an error, or silence. */
static void bind_failed(struct stun_job *s, int got, const struct np_stun_response *r)
{
	struct m_result *m = &s->st->m[M_STUN];
	char d[sizeof(m->detail)], srv[80];

	np_nat_addr_port((struct sockaddr *)&s->dst, srv, sizeof(srv));
	if (got && r->cls != NP_STUN_SUCCESS)
		snprintf(d, sizeof(d), "the STUN server at %s answered with error %d%s%.96s", srv, r->error_code,
			 r->reason[0] ? " " : "", r->reason);
	else if (got)
		snprintf(d, sizeof(d), "the STUN server at %s answered without a mapped address", srv);
	else if (s->n_bad) {
		char from[80];

		np_nat_note_bytes(m, (struct sockaddr *)&s->bad_from, s->bad, s->bad_kept);
		m->bytes = s->bad_len;
		np_nat_addr_port((struct sockaddr *)&s->bad_from, from, sizeof(from));
		snprintf(d, sizeof(d), "no valid answer from the STUN server at %s: %u datagram%s came back from %s, "
			 "the last %zu bytes, %s: %s", srv, s->n_bad, s->n_bad == 1 ? "" : "s", from, s->bad_len,
			 s->bad_why, m->first_bytes);
	} else
		snprintf(d, sizeof(d), "the STUN server at %s did not answer (%d requests in %.1f s)", srv, s->tries,
			 (double)(try_us(s) * s->tries) / 1e6);
	sj_end(s, "nat.no_answer", d);
}

/* The step's answer (got) or its silence (!got). */
static void sj_next(struct stun_job *s, int got, const struct np_stun_response *r)
{
	struct m_result *m = &s->st->m[M_STUN];

	switch (s->step) {
	case S_BIND:
		if (!got || r->cls != NP_STUN_SUCCESS || !r->has_mapped) {
			bind_failed(s, got, r);
			return;
		}
		s->m1 = r->mapped;
		np_nat_compare(m, (struct sockaddr *)&s->local, (struct sockaddr *)&s->m1);
		s->have_other = r->has_other;
		s->other = r->other;
		if (strcmp(m->verdict, "nat.none") == 0 || !s->have_other) {
			if (!s->have_other && strcmp(m->verdict, "nat.detected") == 0)
				snprintf(m->detail, sizeof(m->detail), "the server has no second address (RFC 5780): "
					 "behaviour not tested");
			sj_end(s, NULL, NULL);
			return;
		}
		/* mapping: the other address, the same port */
		sj_step(s, S_MAP2, &s->other, np_nat_port_of((struct sockaddr *)&s->server), 0);
		return;
	case S_MAP2:
		if (!got || r->cls != NP_STUN_SUCCESS || !r->has_mapped) {
			filtering_tests(s);
			return;
		}
		s->m2 = r->mapped;
		if (same_ap(&s->m1, &s->m2)) {
			m->mapping = "endpoint-independent";
			filtering_tests(s);
			return;
		}
		sj_step(s, S_MAP3, &s->other, 0, 0);
		return;
	case S_MAP3:
		if (got && r->cls == NP_STUN_SUCCESS && r->has_mapped)
			m->mapping = same_ap(&s->m2, &r->mapped) ? "address-dependent" : "address-and-port-dependent";
		filtering_tests(s);
		return;
	case S_FILT2:
		if (got && r->cls == NP_STUN_SUCCESS) {
			m->filtering = "endpoint-independent";
			sj_end(s, NULL, NULL);
			return;
		}
		sj_step(s, S_FILT3, &s->server, 0, NP_STUN_CHANGE_PORT);
		return;
	case S_FILT3:
		/* Silence says the filter; garbage is not silence, so then the
		 * filtering stays unknown. */
		if (got && r->cls == NP_STUN_SUCCESS)
			m->filtering = "address-dependent";
		else if (!got && !s->n_bad)
			m->filtering = "address-and-port-dependent";
		sj_end(s, NULL, NULL);
		return;
	}
}

static void on_sj_io(struct np_watch *w, int fd, int events, void *arg)
{
	struct stun_job *s = arg;
	uint8_t buf[1500];
	struct np_stun_response r;
	struct sockaddr_storage from;
	socklen_t fl;
	ssize_t n;

	(void)w;
	(void)events;
	for (int i = 0; i < 16 && !s->ended; i++) {
		fl = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf), MSG_TRUNC, (struct sockaddr *)&from, &fl);
		if (n < 0)
			return;
		/* Not our transaction, or not STUN: not the answer, so the
		 * wait goes on (a stray datagram must not end it), but it is
		 * kept to be told (hostile bytes: bounded, escaped later).
		 * MSG_TRUNC: n is the datagram's length, even past buf. */
		if (np_stun_parse(buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf), s->txid, &r) < 0) {
			s->n_bad++;
			s->bad_why = r.why;
			s->bad_from = from;
			s->bad_len = (size_t)n;
			s->bad_kept = (size_t)n < sizeof(s->bad) ? (size_t)n : sizeof(s->bad);
			memcpy(s->bad, buf, s->bad_kept);
			continue;
		}
		sj_next(s, 1, &r);
	}
}

static void on_sj_timer(struct np_timer *t, void *arg)
{
	struct stun_job *s = arg;

	(void)t;
	if (s->tries < UDP_TRIES) {
		sj_send(s);
		return;
	}
	sj_next(s, 0, NULL);
}

static void sj_start(struct np_job *job)
{
	struct stun_job *s = (struct stun_job *)job;
	struct sockaddr_storage any;
	socklen_t ll = sizeof(s->local);
	int probe;
	char d[160];

	job->wait_until_us = job->started_us + 6 * np_run_opts(s->st->run)->timeout_us;
	s->timer = np_loop_timer(np_run_loop(s->st->run), try_us(s), on_sj_timer, s);
	/* The local address towards the server, then a socket bound to it:
	 * unconnected, so answers from the server's other address come in. */
	probe = socket(s->server.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (!s->timer || probe < 0 ||
	    connect(probe, (struct sockaddr *)&s->server, np_addr_len((struct sockaddr *)&s->server)) < 0 ||
	    getsockname(probe, (struct sockaddr *)&any, &ll) < 0) {
		snprintf(d, sizeof(d), "no route to the STUN server: %s", strerror(errno));
		if (probe >= 0)
			close(probe);
		sj_end(s, "nat.no_answer", d);
		return;
	}
	close(probe);
	np_addr_set_port((struct sockaddr *)&any, 0);
	ll = sizeof(s->local);
	s->fd = socket(s->server.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&any, np_addr_len((struct sockaddr *)&any)) < 0 ||
	    getsockname(s->fd, (struct sockaddr *)&s->local, &ll) < 0 ||
	    !(s->w = np_loop_watch(np_run_loop(s->st->run), s->fd, NP_EV_READ, on_sj_io, s))) {
		snprintf(d, sizeof(d), "this host: %s", strerror(errno));
		sj_end(s, "nat.no_answer", d);
		return;
	}
	np_run_note_source(s->st->run, (struct sockaddr *)&s->local);
	sj_step(s, S_BIND, &s->server, 0, 0);
}

static void sj_cancel(struct np_job *job, const char *verdict)
{
	struct stun_job *s = (struct stun_job *)job;
	char d[96];

	snprintf(d, sizeof(d), "the run ended first (%s)", verdict);
	sj_end(s, s->st->m[M_STUN].verdict ? NULL : "nat.undecided", d);
}

static void sj_free(struct np_job *job)
{
	free(job);
}

static const struct np_job_ops sj_ops = {.start = sj_start, .cancel = sj_cancel, .free = sj_free};

int np_nat_stun_each(struct np_run *run, const struct np_target *t, const char *target,
		     const struct sockaddr *addr, double dns_ms, void *arg)
{
	struct nat_state *st = arg;
	struct stun_job *s;

	(void)dns_ms;
	if (st->m[M_STUN].tried)
		return 0;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NP_ENOMEM;
	s->job.ops = &sj_ops;
	s->st = st;
	s->fd = -1;
	memcpy(&s->server, addr, np_addr_len(addr));
	np_addr_set_port((struct sockaddr *)&s->server, t->port);
	st->m[M_STUN].tried = 1;
	st->m[M_STUN].ports_preserved = -1;
	snprintf(st->m[M_STUN].target, sizeof(st->m[M_STUN].target), "%s", target);
	snprintf(s->job.label, sizeof(s->job.label), "nat: STUN %.48s", target);
	np_run_submit(run, &s->job);
	return 0;
}
