/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "resolve_watch.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/uio.h>
#include <unistd.h>

#include <ares.h>

#include "clock.h"
#include "dns_answer.h"
#include "error.h"

#define WATCH_MAX_SOCKS 64        /* c-ares: a UDP and a TCP socket per server */
#define SENT_MAX 1024             /* queries remembered, to match answers by ID:
				   * more than --parallel's default keeps in flight */
#define NOTES_MAX 32
#define QUERY_BYTES_MAX 1024      /* enough of a query for its header and question */
/* Messages read in one round of the loop: c-ares reads a socket until it
 * is dry, and a resolver that answers as fast as it is asked (or a flood)
 * keeps it wet, so without a bound one read would hold the loop: no
 * timer, no deadline, no capture drained, and no new query sent until
 * every query in flight had its answer. */
#define READS_PER_ROUND 64
/* A UDP socket's receive buffer: the answers of a whole window (256 in
 * flight, up to 4 KiB each with EDNS) while the loop is elsewhere. The
 * usual default (208 KiB, some 200 small answers in kernel accounting)
 * overflows at once when the process is descheduled, and an answer the
 * capture saw arrive is then dropped by this host and asked again. The
 * kernel caps it at net.core.rmem_max. */
#define UDP_RCVBUF (1 << 20)

struct wsock {
	int fd;
	int tcp;
	char peer[64];
	struct np_dns_stream in, out;
};

struct sent {
	unsigned id;
	int type;
	char name[256];
};

struct np_dns_watch {
	struct sockaddr_storage source;
	int has_source;
	char interface[IF_NAMESIZE];
	struct wsock socks[WATCH_MAX_SOCKS];
	size_t n_socks;
	struct sent *sent;            /* ring of SENT_MAX, allocated on first use */
	size_t sent_next, n_sent;
	uint16_t *by_id;              /* ID -> ring slot + 1 of its newest query, 0 none */
	struct np_dns_note *notes;    /* ring of NOTES_MAX, allocated on first use */
	size_t note_next, n_notes;
	struct wsock *cur;            /* the socket a stream callback reads for */
	/* The last UDP message read, when it was checked sound against its
	 * query: c-ares hands that very buffer to the lookup's callback. */
	const void *sound;
	size_t sound_len;
	unsigned reads;               /* this round (np_dns_watch_round) */
};

static struct wsock *find_sock(struct np_dns_watch *w, int fd)
{
	for (size_t i = 0; i < w->n_socks; i++)
		if (w->socks[i].fd == fd)
			return &w->socks[i];
	return NULL;
}

/* --- what was asked, what came back ------------------------------------ */

static void record_query(struct np_dns_watch *w, const unsigned char *msg, size_t len)
{
	struct sent q;

	if (np_dns_question(msg, len, &q.id, q.name, sizeof(q.name), &q.type) < 0)
		return;
	if (!w->sent) {
		w->sent = calloc(SENT_MAX, sizeof(*w->sent));
		w->by_id = calloc(65536, sizeof(*w->by_id));
		if (!w->sent || !w->by_id) {
			free(w->sent);
			free(w->by_id);
			w->sent = NULL;
			w->by_id = NULL;
			return;
		}
	}
	/* The slot's old query is forgotten, unless a newer one has its ID. */
	if (w->n_sent == SENT_MAX && w->by_id[w->sent[w->sent_next].id & 0xffff] == w->sent_next + 1)
		w->by_id[w->sent[w->sent_next].id & 0xffff] = 0;
	w->sent[w->sent_next] = q;
	w->by_id[q.id & 0xffff] = (uint16_t)(w->sent_next + 1);
	w->sent_next = (w->sent_next + 1) % SENT_MAX;
	if (w->n_sent < SENT_MAX)
		w->n_sent++;
}

/* The newest query with this ID (a retry resends the same one). */
static const struct sent *find_query(const struct np_dns_watch *w, unsigned id)
{
	unsigned slot = w->by_id ? w->by_id[id & 0xffff] : 0;

	return slot ? &w->sent[slot - 1] : NULL;
}

/* NP_DNS_SOUND, a defect (noted), or -1 for a message nothing asked. */
static int judge(struct np_dns_watch *w, struct wsock *s, const unsigned char *msg, size_t len)
{
	const struct sent *q = NULL;
	struct np_dns_note *n;
	char why[NP_DNS_WHY_MAX];
	int d;

	if (len >= 2) {
		q = find_query(w, (unsigned)(msg[0] << 8 | msg[1]));
		/* Not an answer to anything this channel asked (a late copy of
		 * one already taken): nothing to say about any lookup. */
		if (!q)
			return -1;
	}
	d = np_dns_check(msg, len, q ? q->name : NULL, q ? q->type : 0, why, sizeof(why));
	if (d == NP_DNS_SOUND)
		return d;
	if (!w->notes) {
		w->notes = calloc(NOTES_MAX, sizeof(*w->notes));
		if (!w->notes)
			return d;
	}
	n = &w->notes[w->note_next];
	w->note_next = (w->note_next + 1) % NOTES_MAX;
	if (w->n_notes < NOTES_MAX)
		w->n_notes++;
	memset(n, 0, sizeof(*n));
	n->at_us = np_now_us();
	snprintf(n->server, sizeof(n->server), "%s", s->peer);
	if (q) {
		snprintf(n->name, sizeof(n->name), "%s", q->name);
		n->type = q->type;
	}
	n->defect = d;
	snprintf(n->why, sizeof(n->why), "%s", why);
	return d;
}

static void on_answer_msg(const unsigned char *msg, size_t len, void *arg)
{
	struct np_dns_watch *w = arg;

	judge(w, w->cur, msg, len);
}

static void on_query_msg(const unsigned char *msg, size_t len, void *arg)
{
	record_query(arg, msg, len);
}

/* --- the socket functions ------------------------------------------------ */

static ares_socket_t w_socket(int af, int type, int proto, void *arg)
{
	struct np_dns_watch *w = arg;
	struct wsock *s;
	int fd = socket(af, type | SOCK_NONBLOCK | SOCK_CLOEXEC, proto), one = 1, e;

	if (fd < 0)
		return ARES_SOCKET_BAD;
	if (type == SOCK_STREAM) {
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	} else {
		int rcvbuf = UDP_RCVBUF;

		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	}
	/* As c-ares: binding to a device needs privilege; without it the
	 * socket goes out by the routing table. */
	if (w->interface[0])
		setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, w->interface, (socklen_t)strlen(w->interface));
	if (w->has_source && w->source.ss_family == af) {
		struct sockaddr_storage src = w->source;

		if (af == AF_INET)
			((struct sockaddr_in *)&src)->sin_port = 0;
		else
			((struct sockaddr_in6 *)&src)->sin6_port = 0;
		if (bind(fd, (struct sockaddr *)&src, af == AF_INET ? sizeof(struct sockaddr_in) :
			 sizeof(struct sockaddr_in6)) < 0) {
			e = errno;
			close(fd);
			errno = e;
			return ARES_SOCKET_BAD;
		}
	}
	if (w->n_socks < WATCH_MAX_SOCKS) {
		s = &w->socks[w->n_socks++];
		memset(s, 0, sizeof(*s));
		s->fd = fd;
		s->tcp = type == SOCK_STREAM;
	}
	return fd;
}

static int w_close(ares_socket_t fd, void *arg)
{
	struct np_dns_watch *w = arg;
	struct wsock *s = find_sock(w, fd);

	if (s) {
		np_dns_stream_clear(&s->in);
		np_dns_stream_clear(&s->out);
		*s = w->socks[--w->n_socks];
	}
	return close(fd);
}

static int w_connect(ares_socket_t fd, const struct sockaddr *sa, ares_socklen_t len, void *arg)
{
	struct wsock *s = find_sock(arg, fd);
	int rc = connect(fd, sa, len), e = errno;

	if (s && sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		char a[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &in->sin_addr, a, sizeof(a));
		if (ntohs(in->sin_port) == 53)
			snprintf(s->peer, sizeof(s->peer), "%s", a);
		else
			snprintf(s->peer, sizeof(s->peer), "%s:%u", a, ntohs(in->sin_port));
	} else if (s && sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		char a[INET6_ADDRSTRLEN];

		inet_ntop(AF_INET6, &in6->sin6_addr, a, sizeof(a));
		if (ntohs(in6->sin6_port) == 53)
			snprintf(s->peer, sizeof(s->peer), "%s", a);
		else
			snprintf(s->peer, sizeof(s->peer), "[%s]:%u", a, ntohs(in6->sin6_port));
	}
	errno = e;
	return rc;
}

static ares_ssize_t w_recvfrom(ares_socket_t fd, void *buf, size_t len, int flags, struct sockaddr *from,
			       ares_socklen_t *fromlen, void *arg)
{
	struct np_dns_watch *w = arg;
	ssize_t n;
	struct wsock *s;

	/* Whatever this read put in buf is unchecked until judged below. */
	w->sound = NULL;
	/* Enough for this round: c-ares stops as on a dry socket, and the
	 * loop, polling it again, finds the rest still there. */
	if (w->reads >= READS_PER_ROUND) {
		errno = EAGAIN;
		return -1;
	}
	w->reads++;
	n = from ? recvfrom(fd, buf, len, flags, from, fromlen) : recv(fd, buf, len, flags);
	if (n <= 0)
		return n;
	s = find_sock(w, fd);
	if (!s)
		return n;
	if (s->tcp) {
		w->cur = s;
		np_dns_stream_feed(&s->in, buf, (size_t)n, on_answer_msg, w);
	} else if (judge(w, s, buf, (size_t)n) == NP_DNS_SOUND) {
		w->sound = buf;
		w->sound_len = (size_t)n;
	}
	return n;
}

static ares_ssize_t w_sendv(ares_socket_t fd, const struct iovec *iov, int iovcnt, void *arg)
{
	struct np_dns_watch *w = arg;
	struct msghdr m;
	struct wsock *s;
	ssize_t n;
	size_t left;

	memset(&m, 0, sizeof(m));
	m.msg_iov = (struct iovec *)iov;
	m.msg_iovlen = (size_t)iovcnt;
	/* No SIGPIPE when a server closes the TCP connection first. */
	n = sendmsg(fd, &m, MSG_NOSIGNAL);
	if (n <= 0)
		return n;
	s = find_sock(w, fd);
	if (!s)
		return n;
	left = (size_t)n;
	if (s->tcp) {
		for (int i = 0; i < iovcnt && left > 0; i++) {
			size_t k = iov[i].iov_len < left ? iov[i].iov_len : left;

			np_dns_stream_feed(&s->out, iov[i].iov_base, k, on_query_msg, w);
			left -= k;
		}
	} else {
		unsigned char q[QUERY_BYTES_MAX];
		size_t have = 0;

		for (int i = 0; i < iovcnt && have < sizeof(q) && have < left; i++) {
			size_t k = iov[i].iov_len;

			if (k > sizeof(q) - have)
				k = sizeof(q) - have;
			if (k > left - have)
				k = left - have;
			memcpy(q + have, iov[i].iov_base, k);
			have += k;
		}
		record_query(w, q, have);
	}
	return n;
}

static const struct ares_socket_functions watch_funcs = {
	w_socket, w_close, w_connect, w_recvfrom, w_sendv,
};

struct np_dns_watch *np_dns_watch_new(struct ares_channeldata *channel,
				      const struct sockaddr_storage *source, const char *interface)
{
	struct np_dns_watch *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	if (source) {
		w->source = *source;
		w->has_source = 1;
	}
	if (interface)
		snprintf(w->interface, sizeof(w->interface), "%s", interface);
	ares_set_socket_functions(channel, &watch_funcs, w);
	return w;
}

void np_dns_watch_round(struct np_dns_watch *w)
{
	w->reads = 0;
}

void np_dns_watch_free(struct np_dns_watch *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n_socks; i++) {
		np_dns_stream_clear(&w->socks[i].in);
		np_dns_stream_clear(&w->socks[i].out);
	}
	free(w->sent);
	free(w->by_id);
	free(w->notes);
	free(w);
}

static int name_matches(const char *asked, const char *want, int search)
{
	size_t n = strlen(want);

	if (n && want[n - 1] == '.')
		n--;
	if (strncasecmp(asked, want, n) != 0)
		return 0;
	return asked[n] == '\0' || (search && asked[n] == '.');
}

int np_dns_watch_sound(const struct np_dns_watch *w, const void *msg, size_t len)
{
	return w && msg && w->sound == msg && w->sound_len == len;
}

const struct np_dns_note *np_dns_watch_find(const struct np_dns_watch *w, const char *name, int type,
					    int search, int64_t since_us)
{
	for (size_t k = 1; k <= w->n_notes; k++) {
		const struct np_dns_note *n = &w->notes[(w->note_next + NOTES_MAX - k) % NOTES_MAX];

		if (n->at_us < since_us)
			continue;
		if (!n->name[0])
			return n;
		if (type ? n->type != type : n->type != NP_DNS_A && n->type != NP_DNS_AAAA)
			continue;
		if (name_matches(n->name, name, search))
			return n;
	}
	return NULL;
}
