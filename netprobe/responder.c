/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The responder's sockets: the TCP listener and its accept loop, the UDP
 * socket and its one-datagram-one-reply service, and the limits that apply
 * before a connection exists (rate per source, max_conns). Connections
 * themselves are responder_conn.c's. */
#include "responder_int.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "clock.h"

/* Work done per readiness event before the loop serves others: a flood on
 * one socket cannot starve the rest. */
#define NP_RESP_BATCH 64
/* Out of file descriptors: accept waits this long, or until a connection
 * closes, whichever comes first. */
#define NP_RESP_RESUME_US 100000
/* A datagram larger than a line is a syntax error; this much is enough to
 * know it is larger. */
#define NP_RESP_DGRAM_BUF (NP_NPR_LINE_MAX + 64)

struct np_responder *np_responder_new(struct np_loop *loop, const struct np_responder_opts *o,
				      char *errbuf)
{
	struct np_responder *r;

	if (o->max_conns == 0 || o->rate == 0) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "responder: max_conns and rate must be at least 1");
		return NULL;
	}
	if (o->listen.ss_family != AF_INET && o->listen.ss_family != AF_INET6) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "responder: no address to listen on");
		return NULL;
	}
	if (o->token && (!*o->token || strlen(o->token) > NP_NPR_TOKEN_MAX)) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "responder: the token must be 1 to %d bytes", NP_NPR_TOKEN_MAX);
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "responder: out of memory");
		return NULL;
	}
	r->loop = loop;
	r->o = *o;
	if (o->token) {
		snprintf(r->token, sizeof(r->token), "%s", o->token);
		r->o.token = r->token;
	}
	r->tcp_fd = r->udp_fd = -1;
	r->rl = np_ratelimit_new(o->rate, o->rate, NP_RESPONDER_MAX_SOURCES, errbuf);
	if (!r->rl) {
		free(r);
		return NULL;
	}
	return r;
}

void np_responder_free(struct np_responder *r)
{
	if (!r)
		return;
	while (r->conns)
		np_conn_destroy(r->conns);
	np_watch_del(r->tcp_w);
	np_watch_del(r->udp_w);
	np_timer_del(r->resume);
	if (r->tcp_fd >= 0)
		close(r->tcp_fd);
	if (r->udp_fd >= 0)
		close(r->udp_fd);
	np_ratelimit_free(r->rl);
	free(r);
}

void np_responder_stats(const struct np_responder *r, struct np_responder_stats *out)
{
	*out = r->st;
	out->open = r->n_active + r->n_closing;
}

/* --- accept ------------------------------------------------------------- */

static void on_accept(struct np_watch *w, int fd, int events, void *arg);

static void resume_accept(struct np_responder *r)
{
	if (!r->resume)
		return;
	np_timer_del(r->resume);
	r->resume = NULL;
	np_watch_set(r->tcp_w, NP_EV_READ);
}

static void on_resume(struct np_timer *t, void *arg)
{
	struct np_responder *r = arg;

	(void)t;
	resume_accept(r);
}

void np_responder_conn_gone(struct np_responder *r)
{
	resume_accept(r);
}

/* Out of descriptors: the pending connection stays in the backlog (a
 * level-triggered listener would otherwise wake the loop at once, forever),
 * and accepting starts again when one closes, or soon. */
static void pause_accept(struct np_responder *r)
{
	if (r->resume)
		return;
	r->resume = np_loop_timer(r->loop, NP_RESP_RESUME_US, on_resume, r);
	if (r->resume)
		np_watch_set(r->tcp_w, 0);
}

static void on_accept(struct np_watch *w, int fd, int events, void *arg)
{
	struct np_responder *r = arg;

	(void)w;
	(void)events;
	for (int k = 0; k < NP_RESP_BATCH; k++) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		int cfd = accept4(fd, (struct sockaddr *)&peer, &plen, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (cfd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
				pause_accept(r);
			return;
		}
		if (!np_ratelimit_take(r->rl, (struct sockaddr *)&peer, np_now_us())) {
			r->st.rate_limited++;
			close(cfd);
			continue;
		}
		if (r->n_active >= r->o.max_conns) {
			r->st.busy++;
			np_conn_busy(r, cfd, &peer);
			continue;
		}
		r->st.tcp_conns++;
		np_conn_start(r, cfd, &peer);
	}
}

/* --- UDP ---------------------------------------------------------------- */

/* Where a datagram was addressed to (for local= and for the reply's source
 * address: on a host with several addresses the reply must come from the
 * one the client sent to, or its connected socket would not take it). */
struct dst_info {
	int have;
	struct sockaddr_storage local;   /* address and our port */
	struct in_pktinfo pi4;
	struct in6_pktinfo pi6;
};

static void read_dst(struct np_responder *r, struct msghdr *m, struct dst_info *d)
{
	unsigned port = r->o.listen.ss_family == AF_INET6 ?
			ntohs(((struct sockaddr_in6 *)&r->o.listen)->sin6_port) :
			ntohs(((struct sockaddr_in *)&r->o.listen)->sin_port);

	memset(d, 0, sizeof(*d));
	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			memcpy(&d->pi4, CMSG_DATA(c), sizeof(d->pi4));
			d->have = AF_INET;
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			memcpy(&d->pi6, CMSG_DATA(c), sizeof(d->pi6));
			d->have = AF_INET6;
		}
	}
	if (d->have == AF_INET)
		((struct sockaddr_in *)&d->local)->sin_addr = d->pi4.ipi_addr;
	else if (d->have == AF_INET6)
		((struct sockaddr_in6 *)&d->local)->sin6_addr = d->pi6.ipi6_addr;
	else
		d->local = r->o.listen;
	if (d->have)
		d->local.ss_family = (sa_family_t)d->have;
	np_addr_set_port((struct sockaddr *)&d->local, port);
}

/* One control message (the only one) in m, in buf. */
static void put_cmsg(struct msghdr *m, void *buf, int level, int type, const void *data, size_t len)
{
	struct cmsghdr *c;

	m->msg_control = buf;
	m->msg_controllen = CMSG_SPACE(len);
	c = CMSG_FIRSTHDR(m);
	c->cmsg_level = level;
	c->cmsg_type = type;
	c->cmsg_len = CMSG_LEN(len);
	memcpy(CMSG_DATA(c), data, len);
}

static void udp_reply(struct np_responder *r, const struct sockaddr_storage *peer, const struct dst_info *d,
		      const char *buf, size_t len)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = { (void *)buf, len };
	struct msghdr m = {
		.msg_name = (void *)peer, .msg_namelen = np_addr_len((const struct sockaddr *)peer),
		.msg_iov = &iov, .msg_iovlen = 1,
	};

	memset(&cbuf, 0, sizeof(cbuf));
	/* The source address the datagram came to: IPv4 ipi_spec_dst (the
	 * address the kernel would answer from, ip(7)); IPv6 the destination
	 * address (IPv4-mapped for IPv4 on a dual-stack socket) and interface. */
	if (d->have == AF_INET) {
		struct in_pktinfo pi = { .ipi_spec_dst = d->pi4.ipi_spec_dst };

		put_cmsg(&m, cbuf.buf, IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi));
	} else if (d->have == AF_INET6) {
		put_cmsg(&m, cbuf.buf, IPPROTO_IPV6, IPV6_PKTINFO, &d->pi6, sizeof(d->pi6));
	}
	if (sendmsg(r->udp_fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		r->st.udp_send_failed++;
		return;
	}
	r->st.replies++;
}

/* One datagram, one request, at most one reply no longer than it. */
static void udp_serve(struct np_responder *r, const char *buf, size_t n, int truncated,
		      const struct sockaddr_storage *peer, const struct dst_info *d)
{
	struct np_npr_request req;
	struct np_npr_view view = { (const struct sockaddr *)peer, (const struct sockaddr *)&d->local,
				    NP_NPR_PROTO_UDP };
	char reply[NP_NPR_REPLY_MAX + 1];
	enum np_npr_code code;
	int len;

	memset(&req, 0, sizeof(req));
	code = truncated ? NP_NPR_ERR_SYNTAX : np_npr_parse_request(buf, n, r->o.token, &req);
	len = np_npr_format_reply(&req, code, &view, n, reply, sizeof(reply));
	if (len < 0) {
		r->st.udp_withheld++;
		return;
	}
	if (code != NP_NPR_OK)
		r->st.errors++;
	udp_reply(r, peer, d, reply, (size_t)len);
}

static void on_udp(struct np_watch *w, int fd, int events, void *arg)
{
	struct np_responder *r = arg;

	(void)w;
	(void)events;
	for (int k = 0; k < NP_RESP_BATCH; k++) {
		char buf[NP_RESP_DGRAM_BUF];
		union {
			char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(struct in_pktinfo))];
			struct cmsghdr align;
		} cbuf;
		struct sockaddr_storage peer;
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr m = {
			.msg_name = &peer, .msg_namelen = sizeof(peer), .msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cbuf.buf, .msg_controllen = sizeof(cbuf.buf),
		};
		struct dst_info d;
		ssize_t n;

		/* MSG_TRUNC: the datagram's real length, even past the buffer. */
		n = recvmsg(fd, &m, MSG_TRUNC | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;   /* EAGAIN; or an error queued by an ICMP message: nothing to answer */
		}
		r->st.udp_requests++;
		if (peer.ss_family != AF_INET && peer.ss_family != AF_INET6)
			continue;
		if (!np_ratelimit_take(r->rl, (struct sockaddr *)&peer, np_now_us())) {
			r->st.rate_limited++;
			continue;
		}
		read_dst(r, &m, &d);
		udp_serve(r, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf),
			  (size_t)n > NP_NPR_LINE_MAX + 2, &peer, &d);
	}
}

/* --- sockets ------------------------------------------------------------ */

static int open_socket(struct np_responder *r, int type, const char *what, char *errbuf)
{
	const struct sockaddr *sa = (const struct sockaddr *)&r->o.listen;
	char shown[NP_ADDR_STR_MAX];
	int fd, one = 1, zero = 0, e;

	np_addr_port_str(sa, shown, sizeof(shown));
	fd = socket(sa->sa_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "cannot listen on %s (%s): %s", shown, what, strerror(errno));
		return NP_ESYS;
	}
	/* [::] takes IPv4 too, whatever net.ipv6.bindv6only says. */
	if (sa->sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (type == SOCK_STREAM) {
		/* Only for TCP: a restart must not wait for TIME_WAIT; on UDP the
		 * option would let a second process share the port silently. */
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	} else if (sa->sa_family == AF_INET6) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
	} else {
		setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	}
	if (bind(fd, sa, np_addr_len(sa)) < 0 || (type == SOCK_STREAM && listen(fd, SOMAXCONN) < 0)) {
		e = errno;
		snprintf(errbuf, NP_ERRBUF_SIZE, "cannot listen on %s (%s): %s", shown, what, strerror(e));
		close(fd);
		return e == EADDRINUSE || e == EADDRNOTAVAIL || e == EACCES || e == EAFNOSUPPORT ?
		       NP_EINVAL : NP_ESYS;
	}
	return fd;
}

int np_responder_listen(struct np_responder *r, char *errbuf)
{
	int fd;

	if (r->tcp_fd >= 0) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "responder: already listening");
		return NP_EINVAL;
	}
	fd = open_socket(r, SOCK_STREAM, "tcp", errbuf);
	if (fd < 0)
		return fd;
	r->tcp_fd = fd;
	fd = open_socket(r, SOCK_DGRAM, "udp", errbuf);
	if (fd < 0)
		return fd;
	r->udp_fd = fd;
	r->tcp_w = np_loop_watch(r->loop, r->tcp_fd, NP_EV_READ, on_accept, r);
	r->udp_w = np_loop_watch(r->loop, r->udp_fd, NP_EV_READ, on_udp, r);
	if (!r->tcp_w || !r->udp_w) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "responder: cannot watch the sockets: %s", strerror(errno));
		return NP_ESYS;
	}
	return 0;
}
