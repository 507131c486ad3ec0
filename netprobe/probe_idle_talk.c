/* SPDX-License-Identifier: GPL-3.0-or-later */
/* netprobe idle: what one connection says (the request before and after
 * the silence, the responder's echo or a HEAD) and whether what came back
 * is a whole answer; its talking buffers and its first word on why. The
 * walk from connect to the end of the silence is probe_idle.c's. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "escape.h"
#include "npr.h"
#include "proxy.h"
#include "run.h"
#include "probe_idle_int.h"

/* The first word on why is kept. */
void np_idle_set_detail(struct iconn *r, const char *fmt, ...)
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
const char *np_idle_got(const struct iconn *r, char *buf, size_t len)
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
int np_idle_talk_buffers(struct iconn *r)
{
	if (!r->out)
		r->out = malloc(IO_OUT);
	if (!r->in) {
		r->in = malloc(IO_IN_FIRST);
		r->in_cap = IO_IN_FIRST;
	}
	return r->out && r->in ? 0 : -1;
}

void np_idle_drop_buffers(struct iconn *r)
{
	free(r->out);
	free(r->in);
	r->out = r->in = NULL;
	r->in_cap = 0;
	r->out_len = r->out_off = r->in_len = 0;
}

/* The request: a HEAD on the session (TLS, plain HTTP), or the responder's
 * echo. n is 1 before the silence, 2 after it. */
void np_idle_make_request(struct iconn *r, int n)
{
	struct idle_state *st = r->p->st;
	const struct np_target *t = &st->plan.target;
	const char *path = t->path[0] ? t->path : "/";
	int len;

	if (np_idle_talk_buffers(r) < 0) {
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

/* An answer complete in r->in: 1 yes (status in r->http_status, 0 for the
 * echo), 0 not yet, -1 not an answer (detail set). */
int np_idle_answer_complete(struct iconn *r)
{
	struct np_http_head h;
	char g[NP_ESCAPE_MAX + 32];

	r->in[r->in_len] = '\0';
	if (r->p->st->plan.tcp) {
		char *nl = memchr(r->in, '\n', r->in_len);
		struct np_npr_reply rep;

		if (!nl && r->in_len > NP_NPR_REPLY_MAX) {
			np_idle_set_detail(r, "the responder's answer has no end of line: %s",
					   np_idle_got(r, g, sizeof(g)));
			return -1;
		}
		if (!nl)
			return 0;
		*nl = '\0';
		if (np_npr_parse_reply(r->in, (size_t)(nl - r->in), &rep) == 0 && rep.verb == NP_NPR_ECHO)
			return 1;
		*nl = '\n';
		np_idle_set_detail(r, "the responder's answer is not an NPR/1 echo: %s", np_idle_got(r, g, sizeof(g)));
		return -1;
	}
	switch (np_http_head_parse(r->in, r->in_len, &h)) {
	case 1:
		r->http_status = h.status;
		return 1;
	case 0:
		return 0;
	default:
		np_idle_set_detail(r, "not an HTTP answer (%s): %s", h.why, np_idle_got(r, g, sizeof(g)));
		return -1;
	}
}

