/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "probe_idle.h"

#include <errno.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../tls/tls.h"
#include "addr.h"
#include "capture.h"
#include "clock.h"
#include "escape.h"
#include "loop.h"
#include "npr.h"
#include "run.h"
#include "probe_idle_int.h"

/*
 * Each rung walks: connect → (proxy CONNECT) → (TLS) → request → answer →
 * silence → request → answer. The silence is watched (EPOLLRDHUP), so a FIN
 * or reset that comes while nothing is said is timed when it comes. The
 * silence is counted from the connection's last packet on the wire when
 * the capture has it (a delayed ACK, a session ticket), else from the last
 * answer.
 */

/* --- the rung's I/O ------------------------------------------------------------ */

static void rung_close(struct iconn *r)
{
	np_watch_del(r->w);
	r->w = NULL;
	np_tls_conn_free(r->tls);
	r->tls = NULL;
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	np_timer_del(r->timer);
	r->timer = NULL;
}

void np_idle_rung_label(struct iconn *r, const char *state)
{
	snprintf(r->job.label, sizeof(r->job.label), "idle %us %.40s%s%.20s (%s)", r->idle_s,
		 r->p->st->plan.target_str, r->p->proxy.none ? "" : " via ",
		 r->p->proxy.none ? "" : r->p->proxy.host, state);
}

static void rung_finish(struct iconn *r);
static void talk_done(struct iconn *r);

/* How long the capture is given to deliver the packet that ended a rung. */
#define SETTLE_US 200000

/* The rung has its outcome: note what the socket says, hand the finding
 * over, end the job. */
void np_idle_rung_end(struct iconn *r, enum ioutcome o, int err)
{
	struct tcp_info ti;
	socklen_t tl = sizeof(ti);

	if (r->phase == I_DONE)
		return;
	r->outcome = o;
	r->err = err;
	r->t_end = np_now_us();
	r->during_idle = r->phase == I_IDLE;
	r->phase = I_DONE;
	if (r->fd >= 0 && getsockopt(r->fd, IPPROTO_TCP, TCP_INFO, &ti, &tl) == 0) {
		r->unacked = ti.tcpi_unacked;
		r->retrans = ti.tcpi_total_retrans;
	}
	if (r->tls) {
		struct np_tls_facts f;

		np_tls_get_facts(r->tls, &f);
		r->close_notify = f.close_notify;
		if (o == O_SETUP_FAILED && f.error[0])
			np_idle_set_detail(r, "TLS: %.280s", f.error);
	}
	/* The packet that ended it (a FIN, a reset, the last retransmission)
	 * may reach the socket before the capture: let the capture settle.
	 * The socket stays open until the finding has read the flow's
	 * packets, so nothing the kernel sends on close muddies them. */
	if (r->flow && r->timer && o != O_ANSWERED && o != O_SETUP_FAILED && o != O_CANCELLED &&
	    !np_run_ending(r->p->st->run)) {
		r->settling = 1;
		if (r->w)
			np_watch_set(r->w, 0);
		np_timer_reset(r->timer, SETTLE_US);
		return;
	}
	rung_finish(r);
}

/* The outcome is in and the capture has caught up: the finding, the end. */
static void rung_finish(struct iconn *r)
{
	int rung_done;

	r->settling = 0;
	np_capture_drain(np_run_capture(r->p->st->run));
	rung_done = np_idle_conn_done(r);
	rung_close(r);
	np_idle_drop_buffers(r);
	np_idle_auth_free(r);
	talk_done(r);
	np_flow_detach(r->flow);
	r->flow = NULL;
	if (r->submitted)
		np_run_job_done(r->p->st->run, &r->job);
	if (rung_done)
		np_idle_path_rung_done(r->p);
}

static void setup_failed(struct iconn *r, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void setup_failed(struct iconn *r, int err, const char *fmt, ...)
{
	va_list ap;

	if (!r->detail && (r->detail = malloc(DETAIL_MAX)) != NULL) {
		va_start(ap, fmt);
		vsnprintf(r->detail, DETAIL_MAX, fmt, ap);
		va_end(ap);
	}
	np_idle_rung_end(r, O_SETUP_FAILED, err);
}

static void want(struct iconn *r, int events)
{
	if (r->w && np_watch_set(r->w, events) < 0)
		setup_failed(r, errno, "watch: %s", strerror(errno));
}

static void phase(struct iconn *r, enum iphase p, int64_t wait_us, const char *state)
{
	r->phase = p;
	r->job.wait_until_us = np_now_us() + wait_us;
	np_timer_reset(r->timer, wait_us);
	np_idle_rung_label(r, state);
}

static int64_t timeout_us(const struct iconn *r)
{
	return np_run_opts(r->p->st->run)->timeout_us;
}

static void start_request(struct iconn *r, int n)
{
	np_idle_make_request(r, n);
	if (r->out_len == 0) {
		setup_failed(r, ENOMEM, "%s", "out of memory");
		return;
	}
	if (n == 2)
		r->t_asked = np_now_us();
	phase(r, n == 1 ? I_SEND1 : I_SEND2, timeout_us(r), n == 1 ? "asking" : "asking after the silence");
	want(r, NP_EV_WRITE);
}

static void start_tls(struct iconn *r)
{
	struct idle_state *st = r->p->st;
	const struct np_target *t = &st->plan.target;
	char err[256];

	r->tls = np_tls_conn_new(st->ctx, r->fd, st->plan.sni ? st->plan.sni : t->family == AF_UNSPEC ? t->host : NULL,
				 idle_name(st), err, sizeof(err));
	if (!r->tls) {
		setup_failed(r, EINVAL, "TLS: %s", err);
		return;
	}
	if (r->p->resume)
		np_tls_conn_resume(r->tls, r->p->resume);
	phase(r, I_TLS, timeout_us(r), "TLS handshake");
	want(r, NP_EV_WRITE);
}

static void after_connect(struct iconn *r)
{
	struct idle_state *st = r->p->st;

	if (!r->p->proxy.none && !idle_is_http(st)) {
		if (np_idle_auth_connect(r) < 0) {
			setup_failed(r, ENOMEM, "out of memory");
			return;
		}
		phase(r, I_PROXY_SEND, timeout_us(r), "proxy CONNECT");
		want(r, NP_EV_WRITE);
	} else if (idle_is_tls(st)) {
		start_tls(r);
	} else {
		start_request(r, 1);
	}
}

/* Send what is left of r->out: 1 when all is out, 0 to wait, -1 ended. */
static int send_out(struct iconn *r)
{
	while (r->out_off < r->out_len) {
		size_t n = 0;

		if (r->tls && r->phase != I_PROXY_SEND) {
			enum np_tls_step s = np_tls_write(r->tls, r->out + r->out_off, r->out_len - r->out_off, &n);

			if (s == NP_TLS_WANT_READ || s == NP_TLS_WANT_WRITE) {
				want(r, s == NP_TLS_WANT_READ ? NP_EV_READ : NP_EV_WRITE);
				return 0;
			}
			if (s == NP_TLS_ERROR) {
				struct np_tls_facts f;

				np_tls_get_facts(r->tls, &f);
				return -(f.sys_errno ? f.sys_errno : EIO);
			}
		} else {
			ssize_t k = send(r->fd, r->out + r->out_off, r->out_len - r->out_off, MSG_NOSIGNAL);

			if (k < 0) {
				if (errno == EAGAIN)
					return 0;
				return -errno;
			}
			n = (size_t)k;
		}
		r->out_off += n;
	}
	return 1;
}

/* Read into r->in: bytes added (> 0), 0 nothing yet, -1 end of stream,
 * < -1: -errno. */
static long read_in(struct iconn *r)
{
	size_t room = r->in_cap - 1 - r->in_len;

	/* Answers are small; a long head (a proxy's) grows the buffer, bounded. */
	if (room == 0 && r->in_cap < IO_IN) {
		size_t cap = r->in_cap * 2 < IO_IN ? r->in_cap * 2 : IO_IN;
		char *in = realloc(r->in, cap);

		if (!in)
			return -ENOMEM;
		r->in = in;
		r->in_cap = cap;
		room = r->in_cap - 1 - r->in_len;
	}
	if (room == 0)
		return -EMSGSIZE;
	if (r->tls && r->phase != I_PROXY_READ) {
		size_t got = 0;
		enum np_tls_step s = np_tls_read(r->tls, r->in + r->in_len, room, &got);

		if (s == NP_TLS_WANT_READ || s == NP_TLS_WANT_WRITE) {
			want(r, (s == NP_TLS_WANT_READ ? NP_EV_READ : NP_EV_WRITE));
			return 0;
		}
		if (s == NP_TLS_ERROR) {
			struct np_tls_facts f;

			np_tls_get_facts(r->tls, &f);
			np_idle_set_detail(r, "%.280s", f.error);
			return -(f.sys_errno ? f.sys_errno : EIO);
		}
		if (got == 0)
			return -1;
		r->in_len += got;
		return (long)got;
	}
	ssize_t k = recv(r->fd, r->in + r->in_len, room, 0);

	if (k < 0)
		return errno == EAGAIN ? 0 : -errno;
	if (k == 0)
		return -1;
	r->in_len += (size_t)k;
	return (long)k;
}

static void start_silence(struct iconn *r)
{
	r->t_ready = r->t_silence = np_now_us();
	np_idle_drop_buffers(r);
	np_tls_conn_shed(r->tls);
	talk_done(r);
	phase(r, I_IDLE, (int64_t)r->idle_s * 1000000, "silent");
	want(r, NP_EV_READ);
}

/* Ended by what the read said. */
static void read_ended(struct iconn *r, long n)
{
	if (n == -1)
		np_idle_rung_end(r, O_FIN, 0);
	else if (n == -ECONNRESET || n == -EPIPE)
		np_idle_rung_end(r, O_RST, (int)-n);
	else
		np_idle_rung_end(r, O_ERROR, (int)-n);
}

static void on_answer(struct iconn *r)
{
	long n = read_in(r);
	int c;

	if (n == 0)
		return;
	if (n < 0) {
		if (r->phase == I_READ1) {
			char g[NP_ESCAPE_MAX + 32];

			if (n == -1)
				setup_failed(r, 0, "closed before answering the first request (%s came back)",
					     np_idle_got(r, g, sizeof(g)));
			else
				setup_failed(r, (int)-n, "%s (%s came back)", strerror((int)-n),
					     np_idle_got(r, g, sizeof(g)));
			return;
		}
		read_ended(r, n);
		return;
	}
	c = np_idle_answer_complete(r);
	if (c == 0)
		return;
	if (c < 0) {
		if (r->phase == I_READ1)
			np_idle_rung_end(r, O_SETUP_FAILED, 0);
		else
			np_idle_rung_end(r, O_ERROR, EPROTO);
		return;
	}
	if (r->phase == I_READ1) {
		if (r->http_status == 408) {
			setup_failed(r, 0, "%s", "the server answered the first request with 408");
			return;
		}
		if (r->tls && !r->p->resume)
			r->p->resume = np_tls_conn_session(r->tls);
		start_silence(r);
		return;
	}
	np_idle_rung_end(r, r->http_status == 408 ? O_HTTP408 : O_ANSWERED, 0);
}

/* Something came while the connection was to be silent. */
static void on_silence_event(struct iconn *r)
{
	long n;

	if (np_idle_talk_buffers(r) < 0) {
		np_idle_rung_end(r, O_ERROR, ENOMEM);
		return;
	}
	n = read_in(r);
	if (n == 0 && r->phase == I_IDLE) {
		np_idle_drop_buffers(r);
		np_tls_conn_shed(r->tls);    /* a ticket read, no data: buffers back */
	}
	if (n == 0)
		return;             /* TLS housekeeping (a ticket): still silent */
	if (n < 0) {
		read_ended(r, n);
		return;
	}
	/* Data: a server that times the connection out may say 408 first. */
	if (np_idle_answer_complete(r) == 1 && r->http_status == 408) {
		np_idle_rung_end(r, O_HTTP408, 0);
		return;
	}
	np_idle_drop_buffers(r);
}

static void do_tls(struct iconn *r)
{
	switch (np_tls_handshake(r->tls)) {
	case NP_TLS_DONE:
		np_idle_note_certificate(r);
		start_request(r, 1);
		break;
	case NP_TLS_WANT_READ:
		want(r, NP_EV_READ);
		break;
	case NP_TLS_WANT_WRITE:
		want(r, NP_EV_WRITE);
		break;
	case NP_TLS_ERROR: {
		struct np_tls_facts f;

		np_tls_get_facts(r->tls, &f);
		setup_failed(r, f.sys_errno, "TLS handshake: %s", f.error[0] ? f.error : "failed");
		break;
	}
	}
}

static void on_io(struct np_watch *w, int fd, int events, void *arg)
{
	struct iconn *r = arg;
	int s;

	(void)w;
	(void)events;
	switch (r->phase) {
	case I_CONNECT: {
		int err = 0;
		socklen_t len = sizeof(err);

		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err)
			setup_failed(r, err, "connect: %s", strerror(err));
		else
			after_connect(r);
		break;
	}
	case I_PROXY_SEND:
	case I_SEND1:
	case I_SEND2:
		s = send_out(r);
		if (s < 0) {
			if (r->phase == I_SEND2)
				read_ended(r, s);
			else
				setup_failed(r, -s, "send: %s", strerror(-s));
		} else if (s > 0) {
			enum iphase next = r->phase == I_PROXY_SEND ? I_PROXY_READ : r->phase == I_SEND1 ? I_READ1 : I_READ2;

			phase(r, next, timeout_us(r), next == I_READ2 ? "waiting for the answer" : "waiting");
			want(r, NP_EV_READ);
		}
		break;
	case I_PROXY_READ: {
		struct np_http_head h;
		long n = read_in(r);
		char g[NP_ESCAPE_MAX + 32];
		int k;

		if (n == -1 && r->in_len) {
			setup_failed(r, 0, "proxy: closed in the middle of its answer to CONNECT: %s",
				     np_idle_got(r, g, sizeof(g)));
			break;
		}
		if (n < 0) {
			setup_failed(r, n == -1 ? 0 : (int)-n, "proxy: %s (%s came back)",
				     n == -1 ? "closed without answering CONNECT" : strerror((int)-n),
				     np_idle_got(r, g, sizeof(g)));
			break;
		}
		k = np_idle_auth_read(r, g, sizeof(g));
		if (k < 0)
			setup_failed(r, 0, "%s", g);
		if (k == 2) {
			phase(r, I_PROXY_SEND, timeout_us(r), "proxy CONNECT");
			want(r, NP_EV_WRITE);
		}
		if (k)
			break;
		k = np_http_head_parse(r->in, r->in_len, &h);
		if (k == 0)
			break;
		if (k < 0) {
			setup_failed(r, 0, "proxy: no valid HTTP answer to CONNECT (%s): %s", h.why,
				     np_idle_got(r, g, sizeof(g)));
			break;
		}
		if (h.status != 200) {
			/* as tls says it (RFC 9110 15.5.4, 15.5.8) */
			r->proxy_verdict = h.status == 403 ? "proxy.denied" : h.status == 407 ? "proxy.auth_required" :
					   "proxy.failed";
			setup_failed(r, 0, "proxy answered CONNECT with '%.200s'", h.status_line);
			break;
		}
		/* The far end has said nothing yet (TLS and our request come
		 * first): bytes after the 200 are the proxy's own. */
		if (r->in_len > h.length) {
			setup_failed(r, 0, "proxy answered CONNECT with '%.100s', then %zu bytes of its own", h.status_line,
				     r->in_len - h.length);
			break;
		}
		r->in_len = 0;
		if (idle_is_tls(r->p->st))
			start_tls(r);
		else
			start_request(r, 1);
		break;
	}
	case I_TLS:
		do_tls(r);
		break;
	case I_READ1:
	case I_READ2:
		on_answer(r);
		break;
	case I_IDLE:
		on_silence_event(r);
		break;
	case I_QUEUED:
	case I_DONE:
		break;
	}
}

/* The latest packet of the rung's connection on the wire, 0 if unknown. */
static int64_t last_on_wire(struct iconn *r)
{
	size_t n;

	if (!r->flow)
		return 0;
	np_capture_drain(np_run_capture(r->p->st->run));
	n = np_flow_count(r->flow);
	return n ? np_flow_packet(r->flow, n - 1)->mono_us : 0;
}

/* Setup ran out of time: where, and whether anything came back (a peer
 * that answers garbage, or half an answer, is not one that is silent). */
static void setup_timed_out(struct iconn *r)
{
	double s = (double)timeout_us(r) / 1e6;
	char g[NP_ESCAPE_MAX + 32];

	if (r->phase == I_TLS) {
		struct np_tls_facts f;

		np_tls_get_facts(r->tls, &f);
		if (f.bytes_read)
			setup_failed(r, ETIMEDOUT, "TLS handshake: not finished within %.1f s (%zu bytes received)", s,
				     f.bytes_read);
		else
			setup_failed(r, ETIMEDOUT, "TLS handshake: nothing came back within %.1f s", s);
	} else if (r->phase == I_PROXY_READ && r->in_len) {
		setup_failed(r, ETIMEDOUT, "proxy: no complete answer to CONNECT within %.1f s: %s", s,
			     np_idle_got(r, g, sizeof(g)));
	} else if (r->phase == I_PROXY_READ || r->phase == I_PROXY_SEND) {
		setup_failed(r, ETIMEDOUT, "proxy: nothing came back to CONNECT within %.1f s", s);
	} else if (r->phase == I_READ1 && r->in_len) {
		setup_failed(r, ETIMEDOUT, "no complete answer to the first request within %.1f s: %s", s,
			     np_idle_got(r, g, sizeof(g)));
	} else {
		setup_failed(r, ETIMEDOUT, "%s within %.1f s", r->phase == I_CONNECT ? "connect: no answer" :
			     "no answer to the first request", s);
	}
}

static void on_timer(struct np_timer *t, void *arg)
{
	struct iconn *r = arg;

	(void)t;
	if (r->settling) {
		rung_finish(r);
		return;
	}
	if (r->phase == I_IDLE) {
		int64_t now = np_now_us(), last = last_on_wire(r);
		int64_t due;

		if (last > r->t_silence)
			r->t_silence = last;
		due = r->t_silence + (int64_t)r->idle_s * 1000000;
		if (due > now + 1000) {
			r->job.wait_until_us = due;
			np_timer_reset(r->timer, due - now);
			return;
		}
		start_request(r, 2);
		return;
	}
	if (r->phase == I_READ2 || r->phase == I_SEND2) {
		np_idle_rung_end(r, O_TIMEOUT, ETIMEDOUT);
		return;
	}
	setup_timed_out(r);
}

static void rung_open(struct iconn *r)
{
	struct idle_state *st = r->p->st;
	const struct np_opts *o = np_run_opts(st->run);
	struct np_flow_table *ft = np_run_flows(st->run);
	struct sockaddr_storage local;
	socklen_t ll = sizeof(local);
	int family = r->p->dst.ss_family, off = 0;

	r->t0 = np_now_us();
	phase(r, I_CONNECT, timeout_us(r), "connecting");
	if (np_idle_talk_buffers(r) < 0) {
		errno = ENOMEM;
		goto local_fail;
	}
	r->fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (r->fd < 0)
		goto local_fail;
	/* The silence must be a silence: no keepalive probes. */
	if (setsockopt(r->fd, SOL_SOCKET, SO_KEEPALIVE, &off, sizeof(off)) < 0)
		goto local_fail;
	if (o->interface[0] &&
	    setsockopt(r->fd, SOL_SOCKET, SO_BINDTODEVICE, o->interface, (socklen_t)strlen(o->interface)) < 0)
		goto local_fail;
	if (o->has_source && o->source.ss_family == family &&
	    bind(r->fd, (const struct sockaddr *)&o->source, np_addr_len((const struct sockaddr *)&o->source)) < 0)
		goto local_fail;
	if (connect(r->fd, (struct sockaddr *)&r->p->dst, np_addr_len((struct sockaddr *)&r->p->dst)) < 0 &&
	    errno != EINPROGRESS)
		goto local_fail;
	if (getsockname(r->fd, (struct sockaddr *)&local, &ll) == 0 && local.ss_family == family) {
		np_run_note_source(st->run, (struct sockaddr *)&local);
		if (ft)
			r->flow = np_flow_register(ft, IPPROTO_TCP, (struct sockaddr *)&local,
						   (struct sockaddr *)&r->p->dst, NULL, NULL);
	}
	r->w = np_loop_watch(np_run_loop(st->run), r->fd, NP_EV_WRITE, on_io, r);
	if (!r->w)
		goto local_fail;
	return;
local_fail:
	setup_failed(r, errno, "this host: %s", strerror(errno));
}

static void talk_start(struct iconn *r)
{
	r->p->st->talking++;
	r->talking = 1;
	r->timer = np_loop_timer(np_run_loop(r->p->st->run), timeout_us(r), on_timer, r);
	if (!r->timer) {
		setup_failed(r, ENOMEM, "%s", "out of memory");
		return;
	}
	rung_open(r);
}

/* A connection is set up (or ended): the next waiting one takes its turn. */
static void talk_done(struct iconn *r)
{
	struct idle_state *st = r->p->st;

	if (!r->talking)
		return;
	r->talking = 0;
	st->talking--;
	/* A connection that fails at once (no local port left) ends inside
	 * talk_start, and comes back here: the loop below, already running,
	 * lets the next one start. Recursing instead took a stack frame per
	 * waiting connection, and ten thousand of them overflowed it. */
	if (st->admitting)
		return;
	st->admitting = 1;
	while (st->wait_head && st->talking < TALK_MAX) {
		struct iconn *n = st->wait_head;

		st->wait_head = n->next_wait;
		if (!st->wait_head)
			st->wait_tail = NULL;
		n->next_wait = NULL;
		if (n->phase == I_QUEUED)
			talk_start(n);
	}
	st->admitting = 0;
}

static void rung_start(struct np_job *job)
{
	struct iconn *r = (struct iconn *)job;
	struct idle_state *st = r->p->st;

	if (st->talking < TALK_MAX) {
		talk_start(r);
		return;
	}
	np_idle_rung_label(r, "waiting for its turn to connect");
	if (st->wait_tail)
		st->wait_tail->next_wait = r;
	else
		st->wait_head = r;
	st->wait_tail = r;
}

static void rung_cancel(struct np_job *job, const char *verdict)
{
	struct iconn *r = (struct iconn *)job;

	if (r->settling) {
		rung_finish(r);
		return;
	}
	if (r->phase == I_DONE)
		return;
	np_idle_set_detail(r, "%s", verdict);
	np_idle_rung_end(r, O_CANCELLED, 0);
}

static void job_free_none(struct np_job *job)
{
	(void)job;      /* rungs and paths belong to the state */
}

const struct np_job_ops np_idle_rung_ops = {.start = rung_start, .cancel = rung_cancel, .free = job_free_none};
