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
#include "../tls/tls_b64.h"
#include "addr.h"
#include "capture.h"
#include "clock.h"
#include "escape.h"
#include "loop.h"
#include "npr.h"
#include "resolve.h"
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

static void rung_label(struct iconn *r, const char *state)
{
	snprintf(r->job.label, sizeof(r->job.label), "idle %us %.200s%s%.60s (%s)", r->idle_s,
		 r->p->st->plan.target_str, r->p->proxy.none ? "" : " via ",
		 r->p->proxy.none ? "" : r->p->proxy.host, state);
}

static void path_rung_done(struct idle_path *p);
static void rung_finish(struct iconn *r);
static void talk_done(struct iconn *r);

/* How long the capture is given to deliver the packet that ended a rung. */
#define SETTLE_US 200000

static void set_detail(struct iconn *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The first word on why is kept. */
static void set_detail(struct iconn *r, const char *fmt, ...)
{
	va_list ap;

	if (r->detail || !(r->detail = malloc(DETAIL_MAX)))
		return;
	va_start(ap, fmt);
	vsnprintf(r->detail, DETAIL_MAX, fmt, ap);
	va_end(ap);
}

/* What has come back of an answer still incomplete, for a detail: "17
 * bytes: '...'", or "nothing" (a peer that answers garbage is not one
 * that does not answer). */
static const char *got(const struct iconn *r, char *buf, size_t len)
{
	char shown[NP_ESCAPE_MAX];

	if (!r->in || r->in_len == 0)
		snprintf(buf, len, "nothing");
	else
		snprintf(buf, len, "%zu byte%s: %s", r->in_len, r->in_len == 1 ? "" : "s",
			 np_escape_bytes(r->in, r->in_len, NP_ESCAPE_SHOW, shown, sizeof(shown)));
	return buf;
}

/* Talking needs buffers; a silent connection holds none (10,000 of them
 * must fit in a few MiB). */
static int talk_buffers(struct iconn *r)
{
	if (!r->out)
		r->out = malloc(IO_OUT);
	if (!r->in) {
		r->in = malloc(IO_IN_FIRST);
		r->in_cap = IO_IN_FIRST;
	}
	return r->out && r->in ? 0 : -1;
}

static void drop_buffers(struct iconn *r)
{
	free(r->out);
	free(r->in);
	r->out = r->in = NULL;
	r->in_cap = 0;
	r->out_len = r->out_off = r->in_len = 0;
}

/* The rung has its outcome: note what the socket says, hand the finding
 * over, end the job. */
static void rung_end(struct iconn *r, enum ioutcome o, int err)
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
			set_detail(r, "TLS: %.280s", f.error);
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
	drop_buffers(r);
	talk_done(r);
	np_flow_detach(r->flow);
	r->flow = NULL;
	if (r->submitted)
		np_run_job_done(r->p->st->run, &r->job);
	if (rung_done)
		path_rung_done(r->p);
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
	rung_end(r, O_SETUP_FAILED, err);
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
	rung_label(r, state);
}

static int64_t timeout_us(const struct iconn *r)
{
	return np_run_opts(r->p->st->run)->timeout_us;
}

/* The request: a HEAD on the session (TLS, plain HTTP), or the responder's
 * echo. n is 1 before the silence, 2 after it. */
static void make_request(struct iconn *r, int n)
{
	struct idle_state *st = r->p->st;
	const struct np_target *t = &st->plan.target;
	const char *path = t->path[0] ? t->path : "/";
	int len;

	if (talk_buffers(r) < 0) {
		r->out_len = 0;
		return;
	}
	if (st->plan.tcp) {
		char data[32];

		snprintf(data, sizeof(data), "idle-%u-%d", r->idle_s, n);
		len = np_npr_format_request(NP_NPR_ECHO, data, st->plan.token, 0, r->out, IO_OUT);
	} else if (idle_is_http(st) && !r->p->proxy.none)
		len = snprintf(r->out, IO_OUT, "HEAD http://%s%s%s:%u%s HTTP/1.1\r\nHost: %s\r\n%s%s%s"
			       "User-Agent: netprobe/%s\r\n\r\n", t->family == AF_INET6 ? "[" : "", t->host,
			       t->family == AF_INET6 ? "]" : "", t->port, path, t->host,
			       r->p->proxy.user[0] ? "Proxy-Authorization: Basic " : "",
			       r->p->proxy.user[0] ? r->p->b64 : "", r->p->proxy.user[0] ? "\r\n" : "", NP_VERSION);
	else
		len = snprintf(r->out, IO_OUT, "HEAD %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: netprobe/%s\r\n\r\n",
			       path, idle_is_tls(st) ? idle_name(st) : t->host, NP_VERSION);
	r->out_len = len > 0 && (size_t)len < IO_OUT ? (size_t)len : 0;
	r->out_off = 0;
	r->in_len = 0;
}

static void start_request(struct iconn *r, int n)
{
	make_request(r, n);
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
		r->out_len = np_proxy_connect_request(&r->p->proxy, r->p->b64, st->plan.target.host,
						      st->plan.target.port, r->out, IO_OUT);
		r->out_off = 0;
		r->in_len = 0;
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
			set_detail(r, "%.280s", f.error);
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

/* An answer complete in r->in: 1 yes (status in r->http_status, 0 for the
 * echo), 0 not yet, -1 not an answer (detail set). */
static int answer_complete(struct iconn *r)
{
	struct np_http_head h;
	char g[NP_ESCAPE_MAX + 32];

	r->in[r->in_len] = '\0';
	if (r->p->st->plan.tcp) {
		char *nl = memchr(r->in, '\n', r->in_len);
		struct np_npr_reply rep;

		if (!nl && r->in_len > NP_NPR_REPLY_MAX) {
			set_detail(r, "the responder's answer has no end of line: %s", got(r, g, sizeof(g)));
			return -1;
		}
		if (!nl)
			return 0;
		*nl = '\0';
		if (np_npr_parse_reply(r->in, (size_t)(nl - r->in), &rep) == 0 && rep.verb == NP_NPR_ECHO)
			return 1;
		*nl = '\n';
		set_detail(r, "the responder's answer is not an NPR/1 echo: %s", got(r, g, sizeof(g)));
		return -1;
	}
	switch (np_http_head_parse(r->in, r->in_len, &h)) {
	case 1:
		r->http_status = h.status;
		return 1;
	case 0:
		return 0;
	default:
		set_detail(r, "not an HTTP answer (%s): %s", h.why, got(r, g, sizeof(g)));
		return -1;
	}
}

static void start_silence(struct iconn *r)
{
	r->t_ready = r->t_silence = np_now_us();
	drop_buffers(r);
	np_tls_conn_shed(r->tls);
	talk_done(r);
	phase(r, I_IDLE, (int64_t)r->idle_s * 1000000, "silent");
	want(r, NP_EV_READ);
}

/* Ended by what the read said. */
static void read_ended(struct iconn *r, long n)
{
	if (n == -1)
		rung_end(r, O_FIN, 0);
	else if (n == -ECONNRESET || n == -EPIPE)
		rung_end(r, O_RST, (int)-n);
	else
		rung_end(r, O_ERROR, (int)-n);
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
					     got(r, g, sizeof(g)));
			else
				setup_failed(r, (int)-n, "%s (%s came back)", strerror((int)-n), got(r, g, sizeof(g)));
			return;
		}
		read_ended(r, n);
		return;
	}
	c = answer_complete(r);
	if (c == 0)
		return;
	if (c < 0) {
		if (r->phase == I_READ1)
			rung_end(r, O_SETUP_FAILED, 0);
		else
			rung_end(r, O_ERROR, EPROTO);
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
	rung_end(r, r->http_status == 408 ? O_HTTP408 : O_ANSWERED, 0);
}

/* Something came while the connection was to be silent. */
static void on_silence_event(struct iconn *r)
{
	long n;

	if (talk_buffers(r) < 0) {
		rung_end(r, O_ERROR, ENOMEM);
		return;
	}
	n = read_in(r);
	if (n == 0 && r->phase == I_IDLE) {
		drop_buffers(r);
		np_tls_conn_shed(r->tls);    /* a ticket read, no data: buffers back */
	}
	if (n == 0)
		return;             /* TLS housekeeping (a ticket): still silent */
	if (n < 0) {
		read_ended(r, n);
		return;
	}
	/* Data: a server that times the connection out may say 408 first. */
	if (answer_complete(r) == 1 && r->http_status == 408) {
		rung_end(r, O_HTTP408, 0);
		return;
	}
	drop_buffers(r);
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
			setup_failed(r, 0, "proxy: closed in the middle of its answer to CONNECT: %s", got(r, g, sizeof(g)));
			break;
		}
		if (n < 0) {
			setup_failed(r, n == -1 ? 0 : (int)-n, "proxy: %s (%s came back)",
				     n == -1 ? "closed without answering CONNECT" : strerror((int)-n), got(r, g, sizeof(g)));
			break;
		}
		k = np_http_head_parse(r->in, r->in_len, &h);
		if (k == 0)
			break;
		if (k < 0) {
			setup_failed(r, 0, "proxy: no valid HTTP answer to CONNECT (%s): %s", h.why, got(r, g, sizeof(g)));
			break;
		}
		if (h.status != 200) {
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
		setup_failed(r, ETIMEDOUT, "proxy: no complete answer to CONNECT within %.1f s: %s", s, got(r, g, sizeof(g)));
	} else if (r->phase == I_PROXY_READ || r->phase == I_PROXY_SEND) {
		setup_failed(r, ETIMEDOUT, "proxy: nothing came back to CONNECT within %.1f s", s);
	} else if (r->phase == I_READ1 && r->in_len) {
		setup_failed(r, ETIMEDOUT, "no complete answer to the first request within %.1f s: %s", s,
			     got(r, g, sizeof(g)));
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
		rung_end(r, O_TIMEOUT, ETIMEDOUT);
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
	if (talk_buffers(r) < 0) {
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
	while (st->wait_head && st->talking < TALK_MAX) {
		struct iconn *n = st->wait_head;

		st->wait_head = n->next_wait;
		if (!st->wait_head)
			st->wait_tail = NULL;
		n->next_wait = NULL;
		if (n->phase == I_QUEUED)
			talk_start(n);
	}
}

static void rung_start(struct np_job *job)
{
	struct iconn *r = (struct iconn *)job;
	struct idle_state *st = r->p->st;

	if (st->talking < TALK_MAX) {
		talk_start(r);
		return;
	}
	rung_label(r, "waiting for its turn to connect");
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
	set_detail(r, "%s", verdict);
	rung_end(r, O_CANCELLED, 0);
}

static void job_free_none(struct np_job *job)
{
	(void)job;      /* rungs and paths belong to the state */
}

static const struct np_job_ops rung_ops = {rung_start, rung_cancel, job_free_none};

/* --- a path: resolve what to connect to, then every rung at once ------------------ */

static void path_rung_done(struct idle_path *p)
{
	if (++p->n_done < p->n_rungs || p->reported)
		return;
	p->reported = 1;
	np_run_finding(p->st->run, np_idle_path_finding(p));
}

/* Every connection of the path not yet ended ends with this outcome. */
static void path_end_all(struct idle_path *p, enum ioutcome o, const char *detail)
{
	for (size_t i = 0; i < p->n_rungs; i++)
		for (size_t k = 0; k < p->rungs[i].n_conns; k++) {
			struct iconn *r = &p->rungs[i].conns[k];

			if (r->phase != I_QUEUED)
				continue;
			set_detail(r, "%.290s", detail);
			r->phase = I_CONNECT;
			rung_end(r, o, 0);
		}
}

static void path_go(struct idle_path *p, const struct sockaddr *dst, double dns_ms)
{
	memcpy(&p->dst, dst, np_addr_len(dst));
	np_addr_set_port((struct sockaddr *)&p->dst, p->proxy.none ? p->st->plan.target.port : p->proxy.port);
	p->dns_ms = dns_ms;
	for (size_t i = 0; i < p->n_rungs; i++)
		for (size_t k = 0; k < p->rungs[i].n_conns; k++) {
			struct iconn *r = &p->rungs[i].conns[k];

			rung_label(r, "queued");
			r->submitted = 1;
			np_run_submit(p->st->run, &r->job);
		}
}

static void on_resolved(const struct np_resolve_result *res, void *arg)
{
	struct idle_path *p = arg;
	char msg[512];

	p->req = NULL;
	np_run_job_done(p->st->run, &p->job);
	if (!res->ok) {
		snprintf(msg, sizeof(msg), "cannot resolve %s%.200s: %s", p->proxy.none ? "" : "the proxy ",
			 p->proxy.none ? p->st->plan.target.host : p->proxy.host, res->error);
		path_end_all(p, O_SETUP_FAILED, msg);
		return;
	}
	path_go(p, (const struct sockaddr *)&res->addrs[0], res->ms);
}

static void path_start(struct np_job *job)
{
	struct idle_path *p = (struct idle_path *)job;
	const char *host = p->proxy.none ? p->st->plan.target.host : p->proxy.host;
	int family = p->proxy.none ? p->st->plan.target.family : p->proxy.family;
	char errbuf[NP_ERRBUF_SIZE];
	struct np_resolver *rs;

	if (family != AF_UNSPEC) {
		struct sockaddr_storage ss;

		np_addr_parse(host, &ss);
		np_run_job_done(p->st->run, job);
		path_go(p, (struct sockaddr *)&ss, -1);
		return;
	}
	rs = np_run_resolver(p->st->run, errbuf);
	job->wait_until_us = job->started_us + np_run_opts(p->st->run)->timeout_us;
	if (!rs || np_resolver_lookup(rs, host, np_run_opts(p->st->run)->family, on_resolved, p, &p->req) < 0) {
		np_run_job_done(p->st->run, job);
		path_end_all(p, O_SETUP_FAILED, rs ? "out of memory" : errbuf);
	}
}

static void path_cancel(struct np_job *job, const char *verdict)
{
	struct idle_path *p = (struct idle_path *)job;

	np_resolve_cancel(p->req);
	p->req = NULL;
	np_run_job_done(p->st->run, job);
	path_end_all(p, O_CANCELLED, verdict);
}

static const struct np_job_ops path_ops = {path_start, path_cancel, job_free_none};

/* --- the plan ------------------------------------------------------------------ */

static int cmp_unsigned(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

int np_idle_parse_ladder(const char *text, struct np_idle_plan *plan, char *errbuf)
{
	const char *s = text;
	size_t n = 0;

	while (*s) {
		char *end;
		unsigned long v;

		if (*s < '0' || *s > '9')
			goto bad;
		errno = 0;
		v = strtoul(s, &end, 10);
		if (errno || v < 1 || v > NP_IDLE_MAX_S || (*end && *end != ','))
			goto bad;
		if (n == NP_IDLE_MAX_RUNGS) {
			snprintf(errbuf, NP_ERRBUF_SIZE, "at most %d rungs", NP_IDLE_MAX_RUNGS);
			return NP_EINVAL;
		}
		plan->ladder[n++] = (unsigned)v;
		s = *end ? end + 1 : end;
		if (*end && !*s)
			goto bad;
	}
	if (n == 0)
		goto bad;
	qsort(plan->ladder, n, sizeof(plan->ladder[0]), cmp_unsigned);
	plan->n_rungs = 0;
	for (size_t i = 0; i < n; i++)
		if (plan->n_rungs == 0 || plan->ladder[plan->n_rungs - 1] != plan->ladder[i])
			plan->ladder[plan->n_rungs++] = plan->ladder[i];
	return 0;
bad:
	snprintf(errbuf, NP_ERRBUF_SIZE, "give seconds from 1 to %d, separated by commas (e.g. %s)",
		 NP_IDLE_MAX_S, NP_IDLE_DEFAULT_LADDER);
	return NP_EINVAL;
}

int np_idle_plan_ctx(struct np_idle_plan *plan, char *errbuf)
{
	struct np_tls_ctx_opts co = {0};
	char err[256];

	if (plan->tcp || plan->target.scheme == NP_SCHEME_HTTP)
		return 0;
	co.ca_file = plan->ca_file;
	plan->ctx = np_tls_ctx_new(&co, err, sizeof(err));
	if (!plan->ctx) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "%s", err);
		return NP_EINVAL;
	}
	return 0;
}

void np_idle_plan_release(struct np_idle_plan *plan)
{
	np_tls_ctx_free(plan->ctx);
	plan->ctx = NULL;
}

static void state_free(void *arg)
{
	struct idle_state *st = arg;

	for (size_t k = 0; k < st->n_paths; k++)
		for (size_t i = 0; i < st->paths[k].n_rungs; i++) {
			struct rung *g = &st->paths[k].rungs[i];

			for (size_t c = 0; g->conns && c < g->n_conns; c++) {
				drop_buffers(&g->conns[c]);
				free(g->conns[c].detail);
			}
			free(g->conns);
			np_finding_free(g->rep);
		}
	for (size_t k = 0; k < st->n_paths; k++)
		np_tls_session_free(st->paths[k].resume);
	np_tls_ctx_free(st->ctx);
	free(st);
}

int np_idle_submit(struct np_run *run, struct np_idle_plan *plan, char *errbuf)
{
	struct idle_state *st = calloc(1, sizeof(*st));
	size_t n_paths = plan->n_paths ? plan->n_paths : 1;

	if (!st) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "out of memory");
		return NP_ENOMEM;
	}
	st->run = run;
	st->plan = *plan;
	st->ctx = plan->ctx;
	plan->ctx = NULL;
	if (np_run_at_free(run, state_free, st) < 0) {
		state_free(st);
		snprintf(errbuf, NP_ERRBUF_SIZE, "out of memory");
		return NP_ENOMEM;
	}
	for (size_t k = 0; k < n_paths; k++) {
		struct idle_path *p = &st->paths[k];

		p->st = st;
		st->n_paths = k + 1;   /* freed with the state from here on */
		if (plan->n_paths == 0)
			np_proxy_parse("none", &p->proxy, errbuf);
		else if (plan->path_auto[k] && np_proxy_from_env(&plan->target, &p->proxy, errbuf) < 0)
			return NP_EINVAL;
		else if (!plan->path_auto[k])
			p->proxy = plan->paths[k];
		p->shown = p->proxy.none ? "direct" : p->proxy.shown;
		if (p->proxy.user[0]) {
			char cred[260];
			int n = snprintf(cred, sizeof(cred), "%s:%s", p->proxy.user, p->proxy.pass);

			np_tls_base64(cred, (size_t)n, p->b64, sizeof(p->b64));
			np_capture_add_secret(np_run_capture(run), p->b64);
		}
		p->n_rungs = plan->n_rungs;
		for (size_t i = 0; i < plan->n_rungs; i++) {
			struct rung *g = &p->rungs[i];

			g->p = p;
			g->idle_s = plan->ladder[i];
			g->n_conns = plan->conns ? plan->conns : 1;
			g->conns = calloc(g->n_conns, sizeof(*g->conns));
			if (!g->conns) {
				snprintf(errbuf, NP_ERRBUF_SIZE, "out of memory");
				return NP_ENOMEM;
			}
			for (size_t c = 0; c < g->n_conns; c++) {
				struct iconn *r = &g->conns[c];

				r->job.ops = &rung_ops;
				r->p = p;
				r->g = g;
				r->idle_s = g->idle_s;
				r->fd = -1;
				r->hop = -1;
			}
		}
	}
	for (size_t k = 0; k < st->n_paths; k++) {
		struct idle_path *p = &st->paths[k];

		p->job.ops = &path_ops;
		snprintf(p->job.label, sizeof(p->job.label), "idle %.200s%s%.60s (resolving)", plan->target_str,
			 p->proxy.none ? "" : " via ", p->proxy.none ? "" : p->proxy.host);
		np_run_submit(run, &p->job);
	}
	return 0;
}
