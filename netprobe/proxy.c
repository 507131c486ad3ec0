/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "proxy.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "redact.h"

#ifndef NP_VERSION
#define NP_VERSION "unknown"
#endif

static int unescape(const char *s, size_t n, char *out, size_t outlen)
{
	size_t w = 0;

	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (c == '%' && i + 2 < n && isxdigit((unsigned char)s[i + 1]) &&
		    isxdigit((unsigned char)s[i + 2])) {
			char hex[3] = {s[i + 1], s[i + 2], 0};

			c = (int)strtol(hex, NULL, 16);
			i += 2;
		}
		if (w + 1 >= outlen)
			return NP_EINVAL;
		out[w++] = (char)c;
	}
	out[w] = '\0';
	return 0;
}

int np_proxy_parse(const char *url, struct np_proxy *p, char *errbuf)
{
	const char *rest = url, *at, *slash;
	char hostport[NP_TARGET_STR_MAX];
	struct np_target t;
	char *shown;

	memset(p, 0, sizeof(*p));
	if (strncmp(url, "machine-config:", 15) == 0)
		return np_proxy_machine_config(url + 15, p, errbuf);
	if (strncmp(url, "pac:", 4) == 0) {
		/* the PAC is read and evaluated per target later (pac.c) */
		const char *loc = url + 4;

		if (!*loc || strlen(loc) >= sizeof(p->pac) || strpbrk(loc, "\r\n")) {
			snprintf(errbuf, NP_ERRBUF_SIZE, "pac: give a URL (http://...) or a file, under %zu bytes",
				 sizeof(p->pac));
			return NP_EINVAL;
		}
		if (strstr(loc, "://") && strncasecmp(loc, "http://", 7) != 0) {
			snprintf(errbuf, NP_ERRBUF_SIZE, "pac: only http:// URLs (or a file) are supported");
			return NP_EINVAL;
		}
		snprintf(p->pac, sizeof(p->pac), "%s", loc);
		snprintf(p->shown, sizeof(p->shown), "pac %.200s", loc);
		return 0;
	}
	if (strcmp(url, "none") == 0) {
		p->none = 1;
		snprintf(p->shown, sizeof(p->shown), "direct");
		return 0;
	}
	if (strncasecmp(rest, "http://", 7) == 0) {
		rest += 7;
	} else if (strstr(rest, "://")) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "only http:// proxies are supported");
		return NP_EINVAL;
	}
	slash = rest + strcspn(rest, "/?#");
	if (*slash && strcmp(slash, "/") != 0) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "a proxy URL has no path");
		return NP_EINVAL;
	}
	at = NULL;
	for (const char *c = rest; c < slash; c++)
		if (*c == '@')
			at = c;
	if (at) {
		const char *colon = memchr(rest, ':', (size_t)(at - rest));
		const char *uend = colon ? colon : at;

		if (unescape(rest, (size_t)(uend - rest), p->user, sizeof(p->user)) < 0 ||
		    (colon && unescape(colon + 1, (size_t)(at - colon - 1), p->pass, sizeof(p->pass)) < 0)) {
			snprintf(errbuf, NP_ERRBUF_SIZE, "proxy credentials too long");
			return NP_EINVAL;
		}
		rest = at + 1;
	}
	if ((size_t)(slash - rest) >= sizeof(hostport)) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "proxy host too long");
		return NP_EINVAL;
	}
	snprintf(hostport, sizeof(hostport), "%.*s", (int)(slash - rest), rest);
	if (np_target_parse(hostport, 1080, &t, errbuf) < 0)
		return NP_EINVAL;
	snprintf(p->host, sizeof(p->host), "%s", t.host);
	p->port = t.port;
	p->family = t.family;
	shown = np_redact_url(url);
	snprintf(p->shown, sizeof(p->shown), "%s", shown ? shown : "(proxy)");
	free(shown);
	return 0;
}

/* curl's no_proxy: "*" or names (suffix match on a label boundary, a
 * leading dot optional) and literal addresses. */
static int no_proxy_matches(const char *list, const char *host)
{
	char buf[1024], *save = NULL;
	size_t hl = strlen(host);

	snprintf(buf, sizeof(buf), "%s", list);
	for (char *e = strtok_r(buf, ", \t", &save); e; e = strtok_r(NULL, ", \t", &save)) {
		size_t el;

		if (strcmp(e, "*") == 0)
			return 1;
		if (*e == '.')
			e++;
		el = strlen(e);
		if (el == 0 || el > hl)
			continue;
		if (strcasecmp(host + hl - el, e) == 0 && (el == hl || host[hl - el - 1] == '.'))
			return 1;
	}
	return 0;
}

int np_proxy_from_env(const struct np_target *t, struct np_proxy *p, char *errbuf)
{
	const char *tls_vars[] = {"https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", NULL};
	/* curl reads only the lowercase http_proxy: HTTP_PROXY can be set by a
	 * web server's CGI environment (httpoxy). */
	const char *http_vars[] = {"http_proxy", "all_proxy", "ALL_PROXY", NULL};
	const char *const *vars = t->scheme == NP_SCHEME_HTTP ? http_vars : tls_vars;
	const char *np = getenv("no_proxy");
	char eb[NP_ERRBUF_SIZE];

	memset(p, 0, sizeof(*p));
	if (!np)
		np = getenv("NO_PROXY");
	if (np && no_proxy_matches(np, t->host))
		return np_proxy_parse("none", p, errbuf);
	for (size_t i = 0; vars[i]; i++) {
		const char *v = getenv(vars[i]);

		if (!v || !*v)
			continue;
		if (np_proxy_parse(v, p, eb) < 0) {
			char *shown = np_redact_url(v);

			snprintf(errbuf, NP_ERRBUF_SIZE, "%s=%.120s: %.100s", vars[i], shown ? shown : "?", eb);
			free(shown);
			return NP_EINVAL;
		}
		return 0;
	}
	return np_proxy_parse("none", p, errbuf);
}

#define STR_(x) #x
#define STR(x) STR_(x)

static int refuse(struct np_http_head *h, const char *why)
{
	h->why = why;
	return NP_EINVAL;
}

/* A line's bytes (its CR LF taken off; the last, unfinished line may end
 * in the CR of a CR LF still to come): RFC 9110 5.5 and RFC 9112 4 allow
 * HTAB, SP, visible ASCII and obs-text; a bare CR is invalid (RFC 9112
 * 2.2), every other control byte too. */
static int line_ok(const char *l, size_t n, int finished)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)l[i];

		if (c == '\r' && !finished && i + 1 == n)
			continue;
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return 0;
	}
	return 1;
}

/* The status line's first 13 bytes, "HTTP/1.x NNN " (RFC 9112 4), checked
 * on as many as have come: bytes that cannot begin an answer are refused
 * at once rather than waited on until the timeout. */
static int status_prefix_ok(const char *buf, size_t n, struct np_http_head *h)
{
	static const char proto[] = "HTTP/";

	for (size_t i = 0; i < n && i < 13; i++) {
		char c = buf[i];

		if (i < 5 && c != proto[i])
			return refuse(h, "not HTTP (no HTTP/1.x status line)");
		if ((i == 5 && c != '1') || (i == 6 && c != '.') || (i == 7 && !isdigit((unsigned char)c)))
			return refuse(h, "not an HTTP/1.x status line");
		if ((i == 8 && c != ' ') || (i >= 9 && i <= 11 && !isdigit((unsigned char)c)) ||
		    (i == 12 && c != ' ' && c != '\r' && c != '\n'))
			return refuse(h, "a malformed status line");
	}
	if (n >= 12 && buf[9] == '0')
		return refuse(h, "a malformed status line (a status below 100)");
	return 0;
}

static void auth_scheme(struct np_http_head *h, const char *line, size_t n)
{
	const char *v = line + 19, *eol = line + n;
	size_t sl, have = strlen(h->auth);

	while (v < eol && (*v == ' ' || *v == '\t'))
		v++;
	for (sl = 0; v + sl < eol && v[sl] != ' ' && v[sl] != '\t' && v[sl] != ','; sl++)
		;
	if (!sl || have + sl + 3 >= sizeof(h->auth))
		return;
	if (have) {
		memcpy(h->auth + have, ", ", 2);
		have += 2;
	}
	/* obs-text bytes are the proxy's: masked, as in the status line */
	for (size_t i = 0; i < sl; i++)
		h->auth[have++] = isprint((unsigned char)v[i]) ? v[i] : '?';
	h->auth[have] = '\0';
}

/* How the body ends and whether the connection stays (RFC 9112 6.3, 9.3). */
static void framing(struct np_http_head *h, const char *line, size_t l, const char *colon)
{
	size_t nl = (size_t)(colon - line);
	const char *v = colon + 1, *e = line + l;
	char val[64];
	size_t vl;

	while (v < e && (*v == ' ' || *v == '\t'))
		v++;
	while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	vl = (size_t)(e - v) < sizeof(val) - 1 ? (size_t)(e - v) : sizeof(val) - 1;
	memcpy(val, v, vl);
	val[vl] = '\0';
	if (nl == 14 && strncasecmp(line, "Content-Length", 14) == 0) {
		char *end;
		long long n;

		/* digits only; a second, different value makes it unusable */
		if (!vl || strspn(val, "0123456789") != vl || (size_t)(e - v) >= sizeof(val) - 1 ||
		    (n = strtoll(val, &end, 10)) < 0 || (h->content_length >= 0 && h->content_length != n))
			h->content_length = -2;
		else if (h->content_length != -2)
			h->content_length = n;
	} else if (nl == 17 && strncasecmp(line, "Transfer-Encoding", 17) == 0) {
		h->chunked = vl >= 7 && strcasecmp(val + vl - 7, "chunked") == 0;
	} else if ((nl == 10 && strncasecmp(line, "Connection", 10) == 0) ||
		   (nl == 16 && strncasecmp(line, "Proxy-Connection", 16) == 0)) {
		if (strcasestr(val, "close"))
			h->close = 1;
		else if (strcasestr(val, "keep-alive"))
			h->close = 0;
	}
}

int np_http_head_parse(const char *buf, size_t len, struct np_http_head *h)
{
	size_t n = len < NP_HTTP_HEAD_MAX ? len : NP_HTTP_HEAD_MAX, off = 0;
	int first = 1;

	memset(h, 0, sizeof(*h));
	h->content_length = -1;
	if (status_prefix_ok(buf, n, h) < 0)
		return NP_EINVAL;
	while (off < n) {
		const char *line = buf + off, *lf = memchr(line, '\n', n - off);
		size_t l;

		if (!lf) {
			/* The unfinished last line: control bytes already say it
			 * is no answer. */
			if (!line_ok(line, n - off, 0))
				return refuse(h, first ? "control bytes in the status line" :
					      "control bytes in a header line");
			break;
		}
		l = (size_t)(lf - line);
		/* CR LF, or a bare LF (RFC 9112 2.2: a recipient MAY take it). */
		if (l && line[l - 1] == '\r')
			l--;
		if (!line_ok(line, l, 1))
			return refuse(h, first ? "control bytes in the status line" : "control bytes in a header line");
		if (first) {
			size_t w = 0;

			if (l < 12)
				return refuse(h, "a malformed status line");
			for (size_t i = 0; i < l && w + 1 < sizeof(h->status_line); i++)
				h->status_line[w++] = isprint((unsigned char)line[i]) ? line[i] : '?';
			h->status_line[w] = '\0';
			h->status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
			/* HTTP/1.0 closes unless it says keep-alive (RFC 9112 9.3) */
			h->close = line[7] == '0';
			first = 0;
		} else if (l == 0) {
			h->length = (size_t)(lf - buf) + 1;
			return 1;
		} else if (line[0] != ' ' && line[0] != '\t') {
			/* field-name ":" (RFC 9112 5.1: no whitespace before the
			 * colon); a line starting with whitespace is an obs-fold
			 * continuation, taken as it is. */
			const char *colon = memchr(line, ':', l);

			if (!colon || colon == line)
				return refuse(h, "a header line without a colon");
			if (colon[-1] == ' ' || colon[-1] == '\t')
				return refuse(h, "whitespace before a header's colon");
			if (l > 19 && strncasecmp(line, "Proxy-Authenticate:", 19) == 0)
				auth_scheme(h, line, l);
			else
				framing(h, line, l, colon);
		}
		off = (size_t)(lf - buf) + 1;
	}
	if (len >= NP_HTTP_HEAD_MAX)
		return refuse(h, "no end of the header within " STR(NP_HTTP_HEAD_MAX) " bytes");
	return 0;
}

size_t np_proxy_connect_request(const struct np_proxy *p, const char *b64, const char *host,
				uint16_t port, char *buf, size_t len)
{
	int v6 = strchr(host, ':') != NULL;
	int n = snprintf(buf, len,
			 "CONNECT %s%s%s:%u HTTP/1.1\r\nHost: %s%s%s:%u\r\n%s%s%sUser-Agent: netprobe/%s\r\n"
			 "Proxy-Connection: keep-alive\r\n\r\n",
			 v6 ? "[" : "", host, v6 ? "]" : "", port, v6 ? "[" : "", host, v6 ? "]" : "", port,
			 p->user[0] && b64 ? "Proxy-Authorization: Basic " : "", p->user[0] && b64 ? b64 : "",
			 p->user[0] && b64 ? "\r\n" : "", NP_VERSION);

	return n > 0 && (size_t)n < len ? (size_t)n : 0;
}

size_t np_proxy_connect_request_auth(const char *authz, const char *host, uint16_t port, char *buf, size_t len)
{
	int v6 = strchr(host, ':') != NULL, a = authz && authz[0];
	int n = snprintf(buf, len,
			 "CONNECT %s%s%s:%u HTTP/1.1\r\nHost: %s%s%s:%u\r\n%s%s%sUser-Agent: netprobe/%s\r\n"
			 "Proxy-Connection: Keep-Alive\r\n\r\n",
			 v6 ? "[" : "", host, v6 ? "]" : "", port, v6 ? "[" : "", host, v6 ? "]" : "", port,
			 a ? "Proxy-Authorization: " : "", a ? authz : "", a ? "\r\n" : "", NP_VERSION);

	return n > 0 && (size_t)n < len ? (size_t)n : 0;
}

enum { B_DATA, B_SIZE, B_DATA_END, B_TRAILER, B_DONE };

int np_http_body_init(struct np_http_body *b, const struct np_http_head *h)
{
	memset(b, 0, sizeof(*b));
	if (h->chunked) {
		b->chunked = 1;
		b->state = B_SIZE;
		return 1;
	}
	if (h->content_length < 0)
		return 0;
	b->left = (unsigned long long)h->content_length;
	b->state = b->left ? B_DATA : B_DONE;
	return b->left <= NP_HTTP_BODY_MAX;
}

int np_http_body_feed(struct np_http_body *b, const char *buf, size_t len, size_t *used)
{
	size_t i = 0;

	while (i < len && b->state != B_DONE) {
		char ch = buf[i];

		if (b->state == B_DATA) {
			size_t take = len - i < b->left ? len - i : (size_t)b->left;

			b->left -= take;
			b->total += take;
			i += take;
			if (b->total > NP_HTTP_BODY_MAX)
				return NP_EINVAL;
			if (!b->left)
				b->state = b->chunked ? B_DATA_END : B_DONE;
			continue;
		}
		i++;
		if (++b->total > NP_HTTP_BODY_MAX || ++b->line > 1024)
			return NP_EINVAL;
		if (b->state == B_SIZE) {
			/* chunk-size [ chunk-ext ] CRLF (RFC 9112 7.1.1) */
			if (ch == '\n') {
				if (b->line < 2)
					return NP_EINVAL;
				b->line = 0;
				b->ext = 0;
				b->state = b->left ? B_DATA : B_TRAILER;
			} else if (isxdigit((unsigned char)ch) && !b->ext && b->line <= 16) {
				b->left = b->left * 16 + (unsigned long long)(isdigit((unsigned char)ch) ? ch - '0' :
									      (tolower((unsigned char)ch) - 'a' + 10));
				if (b->left > NP_HTTP_BODY_MAX)
					return NP_EINVAL;
			} else if (b->line == 1) {
				return NP_EINVAL;
			} else {
				b->ext = 1;
			}
			/* anything else: the extension, or the CR, skipped */
		} else if (b->state == B_DATA_END) {
			if (ch == '\n') {
				b->line = 0;
				b->state = B_SIZE;
			} else if (ch != '\r') {
				return NP_EINVAL;
			}
		} else if (b->state == B_TRAILER) {
			/* trailer fields, then an empty line */
			if (ch == '\n') {
				b->state = b->line <= 2 ? B_DONE : B_TRAILER;
				b->line = 0;
			}
		}
	}
	*used = i;
	return b->state == B_DONE;
}
