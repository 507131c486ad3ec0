/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One TCP connection of the responder: plain or TLS (told by its first
 * byte), request lines in, one reply line each out, HTTP heads answered
 * with 204, and a close that does not lose the last reply.
 *
 * Nothing here times out: a connection is held for as long as the client
 * keeps it, which is the point (the idle probe waits minutes). Only a
 * connection being closed gets a timer, for the draining of its input. */
#include "responder_int.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../tls/tls.h"

/* The first byte of a TLS record carrying a handshake (RFC 8446 5.1):
 * never the first byte of a text line. */
#define TLS_HANDSHAKE_RECORD 0x16
/* A closing connection reads and discards what the client still sends
 * (so that close(2) does not turn into a reset that destroys the reply in
 * flight, RFC 7230 6.6), for this long and this much at most. */
#define CLOSING_US 2000000
#define CLOSING_BYTES 65536

static const char busy_line[] = NP_NPR_VERSION " ERR busy\n";

enum io { IO_DONE, IO_WANT_READ, IO_WANT_WRITE, IO_EOF, IO_ERROR };

static void on_conn(struct np_watch *w, int fd, int events, void *arg);
static void pump(struct np_conn *c);

static struct np_conn *conn_new(struct np_responder *r, int fd, const struct sockaddr_storage *peer)
{
	struct np_conn *c = calloc(1, sizeof(*c));
	socklen_t llen = sizeof(struct sockaddr_storage);
	int zero = 0, one = 1;

	if (!c) {
		close(fd);
		return NULL;
	}
	c->r = r;
	c->fd = fd;
	c->peer = *peer;
	if (getsockname(fd, (struct sockaddr *)&c->local, &llen) < 0)
		c->local = r->o.listen;
	/* The idle probe measures what the path does to an idle connection:
	 * keepalives from this end would hide it. Off is the default; said
	 * here so that no system setting can change it. */
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &zero, sizeof(zero));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->w = np_loop_watch(r->loop, fd, NP_EV_READ, on_conn, c);
	if (!c->w) {
		close(fd);
		free(c);
		return NULL;
	}
	c->next = r->conns;
	if (r->conns)
		r->conns->prev = c;
	r->conns = c;
	return c;
}

void np_conn_destroy(struct np_conn *c)
{
	struct np_responder *r = c->r;

	if (c->prev)
		c->prev->next = c->next;
	else
		r->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	if (c->state == NP_CONN_CLOSING)
		r->n_closing--;
	else
		r->n_active--;
	np_watch_del(c->w);
	np_timer_del(c->timer);
	np_tls_conn_free(c->tls);
	close(c->fd);
	free(c);
	np_responder_conn_gone(r);
}

void np_conn_start(struct np_responder *r, int fd, const struct sockaddr_storage *peer)
{
	struct np_conn *c = conn_new(r, fd, peer);
	size_t open;

	if (!c)
		return;
	r->n_active++;
	open = r->n_active + r->n_closing;
	if (open > r->st.open_peak)
		r->st.open_peak = open;
	c->proto = NP_NPR_PROTO_TCP;
	c->state = r->o.tls ? NP_CONN_SNIFF : NP_CONN_OPEN;
}

/* --- closing ------------------------------------------------------------ */

static void on_closing_timeout(struct np_timer *t, void *arg)
{
	struct np_conn *c = arg;

	(void)t;
	np_conn_destroy(c);   /* deletes the fired timer too */
}

/* The last reply is out: shut the write side and drain the input for a
 * moment, within the bound on closing connections (beyond it, close now). */
static void start_closing(struct np_conn *c)
{
	struct np_responder *r = c->r;

	if (c->state != NP_CONN_CLOSING) {
		if (r->n_closing >= NP_RESPONDER_MAX_CLOSING) {
			np_conn_destroy(c);
			return;
		}
		r->n_active--;
		r->n_closing++;
		c->state = NP_CONN_CLOSING;
	}
	np_tls_close_notify(c->tls);
	shutdown(c->fd, SHUT_WR);
	c->timer = np_loop_timer(r->loop, CLOSING_US, on_closing_timeout, c);
	if (!c->timer || np_watch_set(c->w, NP_EV_READ) < 0) {
		np_conn_destroy(c);
		return;
	}
}

static void drain(struct np_conn *c)
{
	char buf[4096];

	for (;;) {
		ssize_t n = recv(c->fd, buf, sizeof(buf), 0);

		if (n > 0) {
			c->drained += (size_t)n;
			if (c->drained > CLOSING_BYTES)
				break;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return;
		break;   /* EOF: the client has read and closed; or an error */
	}
	np_conn_destroy(c);
}

void np_conn_busy(struct np_responder *r, int fd, const struct sockaddr_storage *peer)
{
	struct np_conn *c;

	if (r->n_closing >= NP_RESPONDER_MAX_CLOSING) {
		close(fd);
		return;
	}
	c = conn_new(r, fd, peer);
	if (!c)
		return;
	/* A fresh socket has room for a line: no queue needed. It is plain
	 * text even to a TLS client, which then fails its handshake. */
	if (send(fd, busy_line, sizeof(busy_line) - 1, MSG_NOSIGNAL) > 0) {
		r->st.replies++;
		r->st.errors++;
	}
	c->state = NP_CONN_CLOSING;
	r->n_closing++;
	start_closing(c);
}

/* --- I/O, plain or TLS ------------------------------------------------- */

static enum io tls_io(enum np_tls_step s, size_t n)
{
	switch (s) {
	case NP_TLS_DONE:
		return n ? IO_DONE : IO_EOF;
	case NP_TLS_WANT_READ:
		return IO_WANT_READ;
	case NP_TLS_WANT_WRITE:
		return IO_WANT_WRITE;
	default:
		return IO_ERROR;
	}
}

static enum io conn_recv(struct np_conn *c, char *buf, size_t len, size_t *got)
{
	ssize_t n;

	*got = 0;
	if (c->tls) {
		enum np_tls_step s = np_tls_read(c->tls, buf, len, got);

		return tls_io(s, *got);
	}
	n = recv(c->fd, buf, len, 0);
	if (n > 0) {
		*got = (size_t)n;
		return IO_DONE;
	}
	if (n == 0)
		return IO_EOF;
	return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? IO_WANT_READ : IO_ERROR;
}

static enum io conn_send(struct np_conn *c, const char *buf, size_t len, size_t *put)
{
	ssize_t n;

	*put = 0;
	if (c->tls) {
		enum np_tls_step s = np_tls_write(c->tls, buf, len, put);

		return s == NP_TLS_DONE ? IO_DONE : tls_io(s, 1);
	}
	n = send(c->fd, buf, len, MSG_NOSIGNAL);
	if (n >= 0) {
		*put = (size_t)n;
		return IO_DONE;
	}
	return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? IO_WANT_WRITE : IO_ERROR;
}

/* Room for one more reply in the output queue (moving what is queued to
 * its start; TLS allows that: SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER). */
static int out_has_room(struct np_conn *c)
{
	if (c->out_off == c->out_len) {
		c->out_off = c->out_len = 0;
	} else if (c->out_off > 0 && sizeof(c->out) - c->out_len <= NP_NPR_REPLY_MAX) {
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
	}
	return sizeof(c->out) - c->out_len > NP_NPR_REPLY_MAX;
}

static void queue(struct np_conn *c, const char *s, size_t n)
{
	memcpy(c->out + c->out_len, s, n);
	c->out_len += n;
}

static void reply(struct np_conn *c, const struct np_npr_request *req, enum np_npr_code code)
{
	struct np_npr_view view = { (struct sockaddr *)&c->peer, (struct sockaddr *)&c->local, c->proto };
	int n = np_npr_format_reply(req, code, &view, 0, c->out + c->out_len, sizeof(c->out) - c->out_len);

	if (n < 0) {
		c->closing = 1;
		return;
	}
	c->out_len += (size_t)n;
	c->r->st.replies++;
	if (code != NP_NPR_OK)
		c->r->st.errors++;
}

static void consume(struct np_conn *c, size_t n)
{
	memmove(c->in, c->in + n, c->in_len - n);
	c->in_len -= n;
}

/* An HTTP request line: read its head, bounded. With a token, the request
 * target must carry it (?token=T). */
static void http_start(struct np_conn *c, size_t line_len, size_t used)
{
	if (c->r->o.token && !np_npr_http_token_ok(c->in, line_len, c->r->o.token)) {
		queue(c, NP_NPR_HTTP_403, sizeof(NP_NPR_HTTP_403) - 1);
		c->r->st.errors++;
		c->closing = 1;
		return;
	}
	np_npr_http_start(&c->http, used);
	c->in_http = 1;
}

/* Answer what the input holds, while the output has room. 1 if it stopped
 * for want of room with input left, 0 if what is left is no whole line. */
static int serve_input(struct np_conn *c)
{
	while (!c->closing && c->in_len > 0) {
		struct np_npr_request req;
		enum np_npr_code code;
		size_t line_len = 0, used = 0;
		int rc;

		if (!out_has_room(c))
			return 1;

		if (c->in_http) {
			rc = np_npr_http_feed(&c->http, c->in, c->in_len, &used);
			consume(c, used);
			if (rc == 0)
				break;
			c->in_http = 0;
			if (rc < 0) {
				queue(c, NP_NPR_HTTP_431, sizeof(NP_NPR_HTTP_431) - 1);
				c->r->st.errors++;
				c->closing = 1;
			} else {
				queue(c, NP_NPR_HTTP_204, sizeof(NP_NPR_HTTP_204) - 1);
				c->r->st.http++;
			}
			continue;
		}
		rc = np_npr_frame(c->in, c->in_len, &line_len, &used);
		if (rc == 0)
			break;
		if (rc < 0) {
			/* An overlong line: its end cannot be found within the
			 * bound, so nothing after it can be read as a line. */
			reply(c, NULL, NP_NPR_ERR_SYNTAX);
			c->closing = 1;
			break;
		}
		if (np_npr_is_http(c->in, line_len)) {
			http_start(c, line_len, used);
			consume(c, used);
			continue;
		}
		code = np_npr_parse_request(c->in, line_len, c->r->o.token, &req);
		consume(c, used);
		reply(c, &req, code);
		if (code == NP_NPR_ERR_TOKEN)
			c->closing = 1;
	}
	return 0;
}

/* Send what is queued: 1 all sent, 0 some left (the socket is full), -1
 * the connection failed. */
static int flush(struct np_conn *c)
{
	c->wr_wants_read = 0;
	while (c->out_off < c->out_len) {
		size_t put;
		enum io io = conn_send(c, c->out + c->out_off, c->out_len - c->out_off, &put);

		if (io == IO_DONE) {
			c->out_off += put;
			continue;
		}
		if (io == IO_WANT_READ) {
			c->wr_wants_read = 1;
			return 0;
		}
		return io == IO_WANT_WRITE ? 0 : -1;
	}
	return 1;
}

static void set_events(struct np_conn *c)
{
	int ev = 0;

	if (!c->closing && c->in_len < sizeof(c->in) && out_has_room(c))
		ev |= c->rd_wants_write ? NP_EV_WRITE : NP_EV_READ;
	if (c->out_off < c->out_len)
		ev |= c->wr_wants_read ? NP_EV_READ : NP_EV_WRITE;
	if (np_watch_set(c->w, ev) < 0)
		np_conn_destroy(c);
}

/* Everything an open connection can do now: answer, send, read more, until
 * the socket (or the client, not reading its answers) makes it wait. */
static void pump(struct np_conn *c)
{
	for (;;) {
		size_t got;
		enum io io;
		int f, blocked;

		blocked = serve_input(c);
		f = flush(c);
		if (f < 0) {
			np_conn_destroy(c);
			return;
		}
		if (c->closing) {
			if (f == 1)
				start_closing(c);
			else
				set_events(c);
			return;
		}
		if (!out_has_room(c))
			break;
		/* Room again: answer the lines already here before reading. */
		if (blocked)
			continue;
		if (c->in_len == sizeof(c->in))
			break;
		/* TLS may hold decrypted bytes the socket no longer shows:
		 * read until it says it wants more. */
		c->rd_wants_write = 0;
		io = conn_recv(c, c->in + c->in_len, sizeof(c->in) - c->in_len, &got);
		if (io == IO_DONE) {
			c->in_len += got;
			continue;
		}
		if (io == IO_EOF) {
			/* The client is done, and every whole line it sent has
			 * been answered (a blocked loop does not read): send the
			 * answers, then close. */
			c->closing = 1;
			continue;
		}
		if (io == IO_ERROR) {
			np_conn_destroy(c);
			return;
		}
		c->rd_wants_write = io == IO_WANT_WRITE;
		break;
	}
	set_events(c);
}

/* --- states ------------------------------------------------------------- */

static void handshake(struct np_conn *c)
{
	int ev;

	switch (np_tls_handshake(c->tls)) {
	case NP_TLS_DONE:
		c->r->st.tls_conns++;
		c->state = NP_CONN_OPEN;
		pump(c);
		return;
	case NP_TLS_WANT_READ:
		ev = NP_EV_READ;
		break;
	case NP_TLS_WANT_WRITE:
		ev = NP_EV_WRITE;
		break;
	default:
		c->r->st.tls_failed++;
		np_conn_destroy(c);
		return;
	}
	if (np_watch_set(c->w, ev) < 0)
		np_conn_destroy(c);
}

/* With TLS configured: a TLS record or a text line, by the first byte. */
static void sniff(struct np_conn *c)
{
	unsigned char b;
	ssize_t n = recv(c->fd, &b, 1, MSG_PEEK);

	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) {
		np_conn_destroy(c);
		return;
	}
	if (b != TLS_HANDSHAKE_RECORD) {
		c->state = NP_CONN_OPEN;
		pump(c);
		return;
	}
	c->tls = np_tls_server_conn_new(c->r->o.tls, c->fd, NULL, 0);
	if (!c->tls) {
		np_conn_destroy(c);
		return;
	}
	c->proto = NP_NPR_PROTO_TLS;
	c->state = NP_CONN_HANDSHAKE;
	handshake(c);
}

static void on_conn(struct np_watch *w, int fd, int events, void *arg)
{
	struct np_conn *c = arg;

	(void)w;
	(void)fd;
	switch (c->state) {
	case NP_CONN_CLOSING:
		drain(c);
		return;
	case NP_CONN_SNIFF:
		sniff(c);
		return;
	case NP_CONN_HANDSHAKE:
		handshake(c);
		return;
	case NP_CONN_OPEN:
		/* Hung up or failed with nothing asked for that would find out. */
		if ((events & NP_EV_ERROR) && !(events & (NP_EV_READ | NP_EV_WRITE))) {
			np_conn_destroy(c);
			return;
		}
		pump(c);
		return;
	}
}
