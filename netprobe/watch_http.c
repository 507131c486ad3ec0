/* SPDX-License-Identifier: GPL-3.0-or-later */
/* netprobe watch's HTTP endpoint on the loop (see watch_http.h). */
#include "watch_http.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include "addr.h"
#include "dynlib.h"
#include "loop.h"

/* libmicrohttpd, opened when --listen first asks for it (dynlib.h): a
 * run without --listen does not load it, nor the TLS library it brings. */
static struct {
	__typeof__(MHD_add_response_header) *add_response_header;
	__typeof__(MHD_create_response_from_buffer) *create_response_from_buffer;
	__typeof__(MHD_destroy_response) *destroy_response;
	__typeof__(MHD_get_connection_info) *get_connection_info;
	__typeof__(MHD_get_daemon_info) *get_daemon_info;
	__typeof__(MHD_get_timeout) *get_timeout;
	__typeof__(MHD_lookup_connection_value) *lookup_connection_value;
	__typeof__(MHD_queue_response) *queue_response;
	__typeof__(MHD_resume_connection) *resume_connection;
	__typeof__(MHD_run) *run;
	__typeof__(MHD_start_daemon) *start_daemon;
	__typeof__(MHD_stop_daemon) *stop_daemon;
	__typeof__(MHD_suspend_connection) *suspend_connection;
} M;

static int mhd_load(char *errbuf)
{
	static const struct np_dynsym syms[] = {
		{"MHD_add_response_header", &M.add_response_header},
		{"MHD_create_response_from_buffer", &M.create_response_from_buffer},
		{"MHD_destroy_response", &M.destroy_response},
		{"MHD_get_connection_info", &M.get_connection_info},
		{"MHD_get_daemon_info", &M.get_daemon_info},
		{"MHD_get_timeout", &M.get_timeout},
		{"MHD_lookup_connection_value", &M.lookup_connection_value},
		{"MHD_queue_response", &M.queue_response},
		{"MHD_resume_connection", &M.resume_connection},
		{"MHD_run", &M.run},
		{"MHD_start_daemon", &M.start_daemon},
		{"MHD_stop_daemon", &M.stop_daemon},
		{"MHD_suspend_connection", &M.suspend_connection},
	};
	static struct np_dynlib lib = {"libmicrohttpd.so.12", "libmicrohttpd12", syms, sizeof(syms) / sizeof(syms[0]), 0};

	return np_dynlib_load(&lib, errbuf);
}

struct np_http_req {
	struct np_http *h;
	struct MHD_Connection *conn;
	const char *path;
	char peer[NP_ADDR_STR_MAX];
	int suspended;
	int answered, queued;
	int status;
	const char *ctype;
	char *body;
	size_t len;
	struct np_http_req *prev, *next;   /* every request not yet completed */
};

struct np_http {
	struct MHD_Daemon *d;
	struct np_loop *loop;
	struct np_watch *w;
	struct np_timer *t;
	np_http_cb cb;
	void *arg;
	struct np_http_req *live;
};

static void unlink_req(struct np_http_req *r)
{
	if (r->prev)
		r->prev->next = r->next;
	else
		r->h->live = r->next;
	if (r->next)
		r->next->prev = r->prev;
	r->prev = r->next = NULL;
}

static enum MHD_Result queue(struct MHD_Connection *c, int status, const char *ctype, char *body, size_t len)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = M.create_response_from_buffer(len, body ? body : (char *)"",
					       body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	M.add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype ? ctype : "text/plain; charset=utf-8");
	ret = M.queue_response(c, (unsigned)status, resp);
	M.destroy_response(resp);
	return ret;
}

static enum MHD_Result queue_text(struct MHD_Connection *c, int status, const char *text)
{
	char *b = strdup(text);

	return queue(c, status, NULL, b, b ? strlen(b) : 0);
}

static enum MHD_Result queue_answer(struct np_http_req *r)
{
	char *body = r->body;

	r->body = NULL;
	r->queued = 1;
	return queue(r->conn, r->status, r->ctype, body, r->len);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct np_http *h = cls;
	struct np_http_req *r = *con_cls;
	const union MHD_ConnectionInfo *ci;

	(void)version;
	(void)upload;
	if (r) {
		/* A body (none is asked for) is read and let go. */
		if (*upload_size) {
			*upload_size = 0;
			return MHD_YES;
		}
		return r->answered && !r->queued ? queue_answer(r) : MHD_YES;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return queue_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET\n");
	r = calloc(1, sizeof(*r));
	if (!r)
		return MHD_NO;
	r->h = h;
	r->conn = c;
	r->path = url;
	ci = M.get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci && ci->client_addr)
		np_addr_str(ci->client_addr, r->peer, sizeof(r->peer));
	r->next = h->live;
	if (h->live)
		h->live->prev = r;
	h->live = r;
	*con_cls = r;
	h->cb(r, h->arg);
	if (r->answered)
		return queue_answer(r);
	/* The answer comes later (a probe on demand): nothing of this
	 * connection is processed until then. */
	r->suspended = 1;
	M.suspend_connection(c);
	return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct np_http_req *r = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (!r)
		return;
	unlink_req(r);
	free(r->body);
	free(r);
	*con_cls = NULL;
}

static void rearm(struct np_http *h)
{
	MHD_UNSIGNED_LONG_LONG ms;

	if (!h->t)
		return;
	/* No timeout: MHD waits for its descriptor alone; look again in a
	 * minute anyway, which costs nothing. */
	if (M.get_timeout(h->d, &ms) != MHD_YES || ms > 60000)
		ms = 60000;
	np_timer_reset(h->t, (int64_t)ms * 1000);
}

static void kick(struct np_http *h)
{
	M.run(h->d);
	rearm(h);
}

static void on_readable(struct np_watch *w, int fd, int events, void *arg)
{
	(void)w;
	(void)fd;
	(void)events;
	kick(arg);
}

static void on_timer(struct np_timer *t, void *arg)
{
	(void)t;
	kick(arg);
}

static int bind_socket(const struct sockaddr *addr, socklen_t len, char *errbuf)
{
	char a[NP_ADDR_STR_MAX];
	int one = 1, fd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (addr->sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, addr, len) < 0 || listen(fd, 64) < 0)
		goto fail;
	return fd;
fail:
	snprintf(errbuf, NP_ERRBUF_SIZE, "--listen %s: %s", np_addr_str(addr, a, sizeof(a)), strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

struct np_http *np_http_open(const struct sockaddr *addr, socklen_t len, np_http_cb cb, void *arg, char *errbuf)
{
	struct np_http *h = calloc(1, sizeof(*h));
	int fd;

	if (!h) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "--listen: out of memory");
		return NULL;
	}
	if (mhd_load(errbuf) < 0) {
		char eb[NP_ERRBUF_SIZE];

		snprintf(eb, sizeof(eb), "--listen: %s", errbuf);
		snprintf(errbuf, NP_ERRBUF_SIZE, "%s", eb);
		free(h);
		return NULL;
	}
	fd = bind_socket(addr, len, errbuf);
	if (fd < 0) {
		free(h);
		return NULL;
	}
	h->cb = cb;
	h->arg = arg;
	/* No thread of MHD's own: its epoll descriptor goes on our loop. */
	h->d = M.start_daemon(MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_SUPPRESS_DATE_NO_CLOCK, 0, NULL,
				NULL, on_request, h, MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_LIMIT,
				(unsigned)NP_HTTP_MAX_CONNS, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
				(unsigned)NP_HTTP_MAX_PER_IP, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
				(size_t)NP_HTTP_CONN_MEMORY, MHD_OPTION_CONNECTION_TIMEOUT,
				(unsigned)NP_HTTP_CONN_TIMEOUT_S, MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
				MHD_OPTION_END);
	if (!h->d) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "--listen: libmicrohttpd would not start");
		close(fd);
		free(h);
		return NULL;
	}
	return h;
}

int np_http_start(struct np_http *h, struct np_loop *loop, char *errbuf)
{
	const union MHD_DaemonInfo *di = M.get_daemon_info(h->d, MHD_DAEMON_INFO_EPOLL_FD);

	if (!di) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "--listen: libmicrohttpd has no epoll descriptor");
		return NP_ESYS;
	}
	h->loop = loop;
	h->w = np_loop_watch(loop, di->epoll_fd, NP_EV_READ, on_readable, h);
	h->t = np_loop_timer(loop, 0, on_timer, h);
	if (!h->w || !h->t) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "--listen: out of memory");
		return NP_ENOMEM;
	}
	return 0;
}

void np_http_free(struct np_http *h)
{
	if (!h)
		return;
	/* MHD stops only once every suspended connection is resumed. */
	for (struct np_http_req *r = h->live; r; r = r->next)
		if (r->suspended && !r->answered)
			np_http_reply(r, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, strdup("netprobe watch is stopping\n"),
				      strlen("netprobe watch is stopping\n"));
	if (h->live)
		M.run(h->d);
	np_watch_del(h->w);
	np_timer_del(h->t);
	M.stop_daemon(h->d);
	free(h);
}

const char *np_http_path(const struct np_http_req *req)
{
	return req->path;
}

const char *np_http_arg(const struct np_http_req *req, const char *name)
{
	return M.lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *np_http_header(const struct np_http_req *req, const char *name)
{
	return M.lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *np_http_peer(const struct np_http_req *req)
{
	return req->peer;
}

void np_http_reply(struct np_http_req *req, int status, const char *content_type, char *body, size_t len)
{
	if (req->answered) {
		free(body);
		return;
	}
	req->answered = 1;
	req->status = status;
	req->ctype = content_type;
	req->body = body;
	req->len = body ? len : 0;
	if (req->suspended) {
		req->suspended = 0;
		M.resume_connection(req->conn);
		/* MHD takes the resumed connection up on its next run: make
		 * that now, not when some other descriptor wakes it. */
		if (req->h->t)
			np_timer_reset(req->h->t, 0);
	}
}
