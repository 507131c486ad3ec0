/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The DNS probe's sender against a real c-ares channel and a small DNS
 * server on loopback, served by the same loop: a lost query is asked again
 * on the sender's own timer and answered; never more queries at the server
 * than the ceiling; a silent server ends each query once, at its budget;
 * cancelled queries never call back. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netprobe/clock.h"
#include "netprobe/dns_send.h"
#include "netprobe/loop.h"
#include "netprobe/resolve.h"

#define MAX_HELD 1024

/* The server: answers A queries with 198.18.0.1; drops the first copy of
 * each name when `drop_first`, answers nothing when `silent`, and holds
 * answers for a few ms (answering in batches) so that queries pile up. */
struct server {
	int fd;
	struct np_watch *w;
	struct np_timer *flush;
	int drop_first, silent;
	char seen[2048][64];
	size_t n_seen;
	struct {
		struct sockaddr_in from;
		uint8_t buf[512];
		size_t len;
	} held[MAX_HELD];
	size_t n_held;
	unsigned received, answered, dropped, max_pending;
	struct sockaddr_in last_from;     /* who asked last, and what */
	uint8_t last_query[512];
	size_t last_len;
};

static int seen_before(struct server *s, const char *name)
{
	for (size_t i = 0; i < s->n_seen; i++)
		if (strcmp(s->seen[i], name) == 0)
			return 1;
	if (s->n_seen < 2048)
		snprintf(s->seen[s->n_seen++], 64, "%s", name);
	return 0;
}

/* The first label of the question, for the drop rule. */
static void qname(const uint8_t *b, size_t len, char *out, size_t outlen)
{
	size_t l = len > 12 ? b[12] : 0;

	if (l == 0 || 13 + l > len || l >= outlen) {
		out[0] = 0;
		return;
	}
	memcpy(out, b + 13, l);
	out[l] = 0;
}

static void on_flush(struct np_timer *t, void *arg)
{
	struct server *s = arg;

	for (size_t i = 0; i < s->n_held; i++) {
		uint8_t *b = s->held[i].buf;
		size_t n = s->held[i].len;
		/* the answer: the query with QR, RA, ANCOUNT 1, and an A record
		 * pointing at the question's name (RFC 1035 4.1) */
		static const uint8_t rr[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 198, 18, 0, 1};

		b[2] |= 0x80;
		b[3] = 0x80;
		b[6] = 0;
		b[7] = 1;
		b[10] = b[11] = 0;          /* no additional (the OPT c-ares may add) */
		n = s->held[i].len;
		/* cut what follows the question (an EDNS OPT record) */
		{
			size_t p = 12;

			while (p < n && b[p])
				p += b[p] + 1;
			n = p + 5 <= n ? p + 5 : n;
		}
		memcpy(b + n, rr, sizeof(rr));
		sendto(s->fd, b, n + sizeof(rr), 0, (struct sockaddr *)&s->held[i].from,
		       sizeof(s->held[i].from));
		s->answered++;
	}
	s->n_held = 0;
	np_timer_reset(t, 3000);
}

static void on_query(struct np_watch *w, int fd, int events, void *arg)
{
	struct server *s = arg;
	uint8_t b[512];
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	ssize_t n;
	char name[64];

	(void)w;
	(void)events;
	while ((n = recvfrom(fd, b, sizeof(b) - 32, MSG_DONTWAIT, (struct sockaddr *)&from, &fl)) > 12) {
		s->received++;
		s->last_from = from;
		memcpy(s->last_query, b, (size_t)n);
		s->last_len = (size_t)n;
		qname(b, (size_t)n, name, sizeof(name));
		if (s->silent || (s->drop_first && !seen_before(s, name))) {
			s->dropped++;
			continue;
		}
		if (s->n_held == MAX_HELD)
			continue;
		memcpy(s->held[s->n_held].buf, b, (size_t)n);
		s->held[s->n_held].len = (size_t)n;
		s->held[s->n_held].from = from;
		s->n_held++;
		if (s->received - s->answered - s->dropped > s->max_pending)
			s->max_pending = s->received - s->answered - s->dropped;
		fl = sizeof(from);
	}
}

static int server_start(struct server *s, struct np_loop *loop, char *servers, size_t len)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t al = sizeof(a);

	memset(s, 0, sizeof(*s));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(s->fd, (struct sockaddr *)&a, &al) < 0)
		return -1;
	s->w = np_loop_watch(loop, s->fd, NP_EV_READ, on_query, s);
	s->flush = np_loop_timer(loop, 3000, on_flush, s);
	snprintf(servers, len, "127.0.0.1:%u", ntohs(a.sin_port));
	return 0;
}

struct tally {
	unsigned ok, timeout, other, calls;
};

static void on_answer(const struct np_query_result *res, void *arg)
{
	struct tally *t = arg;

	t->calls++;
	if (res->status == 0 && res->abuf)
		t->ok++;
	else if (np_resolve_is_timeout(res->status))
		t->timeout++;
	else
		t->other++;
}

struct rig {
	struct np_loop *loop;
	struct server srv;
	struct np_resolver *ch;
	struct np_dns_sender *snd;
};

static struct rig *rig_new(unsigned max, int64_t budget_us)
{
	static struct rig r;
	char eb[256], servers[64];
	struct np_resolver_opts o = {.timeout_us = budget_us, .once = 1};

	memset(&r, 0, sizeof(r));
	r.loop = np_loop_new(eb);
	assert_non_null(r.loop);
	assert_int_equal(server_start(&r.srv, r.loop, servers, sizeof(servers)), 0);
	o.servers = servers;
	r.ch = np_resolver_new(r.loop, &o, eb);
	assert_non_null(r.ch);
	r.snd = np_dns_sender_new(r.loop, max, budget_us);
	assert_non_null(r.snd);
	return &r;
}

static void run_until(struct rig *r, struct tally *t, unsigned calls, int64_t limit_us)
{
	int64_t end = np_now_us() + limit_us;

	while (t->calls < calls && np_now_us() < end)
		np_loop_once(r->loop, 10000);
}

static void rig_free(struct rig *r)
{
	np_dns_sender_free(r->snd);
	np_resolver_free(r->ch);
	np_watch_del(r->srv.w);
	np_timer_del(r->srv.flush);
	np_loop_free(r->loop);
	close(r->srv.fd);
}

static void lost_queries_are_asked_again(void **state)
{
	struct rig *r = rig_new(64, 3000000);
	struct np_dns_send *h[20];
	struct tally t = {0};
	char name[64];

	(void)state;
	r->srv.drop_first = 1;
	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "n%d.example", i);
		assert_int_equal(np_dns_send(r->snd, r->ch, 1, name, 1, on_answer, &t, &h[i]), 0);
	}
	run_until(r, &t, 20, 10000000);
	/* each answered once, by its second attempt; c-ares sent each
	 * attempt once (one copy of each name lost, one answered) */
	assert_int_equal(t.calls, 20);
	assert_int_equal(t.ok, 20);
	assert_int_equal(r->srv.dropped, 20);
	assert_int_equal(np_dns_sender_retransmissions(r->snd), 20);
	assert_true(np_dns_sender_window(r->snd)->losses >= 20);
	for (int i = 0; i < 20; i++)
		assert_null(h[i]);
	rig_free(r);
}

static void never_more_in_flight_than_the_ceiling(void **state)
{
	struct rig *r = rig_new(32, 3000000);
	static struct np_dns_send *h[600];
	struct tally t = {0};
	char name[64];

	(void)state;
	for (int i = 0; i < 600; i++) {
		snprintf(name, sizeof(name), "m%d.example", i);
		assert_int_equal(np_dns_send(r->snd, r->ch, 1, name, 1, on_answer, &t, &h[i]), 0);
	}
	/* queued beyond the window: not sent yet */
	assert_true(np_dns_send_started(h[0]));
	assert_false(np_dns_send_started(h[599]));
	run_until(r, &t, 600, 20000000);
	assert_int_equal(t.ok, 600);
	assert_true(r->srv.max_pending <= 32);
	assert_true(np_dns_sender_window(r->snd)->max_in_flight <= 32);
	/* the window grew to the ceiling while nothing was lost */
	assert_int_equal(np_dns_window_size(np_dns_sender_window(r->snd)), 32);
	assert_int_equal(r->srv.received, 600);
	rig_free(r);
}

static void a_silent_server_ends_each_query_once(void **state)
{
	struct rig *r = rig_new(8, 400000);
	struct np_dns_send *h[12];
	struct tally t = {0};
	char name[64];

	(void)state;
	r->srv.silent = 1;
	for (int i = 0; i < 12; i++) {
		snprintf(name, sizeof(name), "s%d.example", i);
		assert_int_equal(np_dns_send(r->snd, r->ch, 1, name, 1, on_answer, &t, &h[i]), 0);
	}
	/* one waiting for room and one started are cancelled: no call back */
	assert_false(np_dns_send_started(h[11]));
	np_dns_send_cancel(h[11]);
	assert_null(h[11]);
	np_dns_send_cancel(h[0]);
	assert_null(h[0]);
	run_until(r, &t, 10, 10000000);
	/* give any stray call back a chance to show */
	for (int i = 0; i < 20; i++)
		np_loop_once(r->loop, 20000);
	assert_int_equal(t.calls, 10);
	assert_int_equal(t.timeout, 10);
	/* the losses halved the window, never below one */
	assert_true(np_dns_window_size(np_dns_sender_window(r->snd)) < 8);
	rig_free(r);
}

static void note_fd(int fd, int socktype, void *arg)
{
	if (socktype == SOCK_DGRAM)
		*(int *)arg = fd;
}

/* Answers to nothing, more than a round may read, waiting at the query's
 * socket: c-ares reads a socket until it is dry, and a flood keeps it wet,
 * so without a bound on each round's reads the loop ran no timer (no
 * retransmission, no deadline) and sent no query until the flood paused.
 * A round now reads some and leaves the rest for the next; the query
 * still ends at its budget, and every datagram is read in time. */
static void a_flood_of_answers_is_read_a_round_at_a_time(void **state)
{
	static struct rig r;
	char eb[256], servers[64];
	struct np_resolver_opts o = {.timeout_us = 300000, .once = 1};
	struct np_dns_send *h;
	struct tally t = {0};
	struct pollfd pfd = {.fd = -1, .events = POLLIN};
	uint8_t junk[512];

	(void)state;
	memset(&r, 0, sizeof(r));
	r.loop = np_loop_new(eb);
	assert_non_null(r.loop);
	assert_int_equal(server_start(&r.srv, r.loop, servers, sizeof(servers)), 0);
	o.servers = servers;
	o.on_socket = note_fd;
	o.on_socket_arg = &pfd.fd;
	r.ch = np_resolver_new(r.loop, &o, eb);
	assert_non_null(r.ch);
	r.snd = np_dns_sender_new(r.loop, 8, 300000);
	assert_non_null(r.snd);
	r.srv.silent = 1;
	assert_int_equal(np_dns_send(r.snd, r.ch, 0, "f.example", 1, on_answer, &t, &h), 0);
	for (int i = 0; i < 1000 && !r.srv.received; i++)
		np_loop_once(r.loop, 10000);
	assert_true(r.srv.received >= 1);
	assert_true(pfd.fd >= 0);
	/* the query turned answer (QR), under an ID never sent: 200 of them */
	memcpy(junk, r.srv.last_query, r.srv.last_len);
	junk[0] ^= 0x5a;
	junk[2] |= 0x80;
	for (int i = 0; i < 200; i++)
		assert_int_equal(sendto(r.srv.fd, junk, r.srv.last_len, 0, (struct sockaddr *)&r.srv.last_from,
					sizeof(r.srv.last_from)), (ssize_t)r.srv.last_len);
	assert_int_equal(poll(&pfd, 1, 1000), 1);
	assert_int_equal(np_loop_once(r.loop, 0), 0);
	/* one round read some, not all */
	assert_int_equal(poll(&pfd, 1, 0), 1);
	for (int i = 0; i < 20; i++)
		np_loop_once(r.loop, 0);
	/* the rounds after read the rest; nothing answered the query */
	assert_int_equal(poll(&pfd, 1, 0), 0);
	assert_int_equal(t.calls, 0);
	run_until(&r, &t, 1, 3000000);
	assert_int_equal(t.timeout, 1);
	rig_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lost_queries_are_asked_again),
		cmocka_unit_test(never_more_in_flight_than_the_ceiling),
		cmocka_unit_test(a_silent_server_ends_each_query_once),
		cmocka_unit_test(a_flood_of_answers_is_read_a_round_at_a_time),
	};

	return cmocka_run_group_tests_name("dns_send", tests, NULL, NULL);
}
