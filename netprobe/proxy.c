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

int np_http_head_parse(const char *buf, size_t len, struct np_http_head *h)
{
	const char *end = NULL, *line, *eol;
	size_t n = len < NP_HTTP_HEAD_MAX ? len : NP_HTTP_HEAD_MAX;

	memset(h, 0, sizeof(*h));
	for (size_t i = 0; i + 3 < n; i++)
		if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n') {
			end = buf + i + 4;
			break;
		}
	if (!end)
		return len >= NP_HTTP_HEAD_MAX ? NP_EINVAL : 0;
	h->length = (size_t)(end - buf);
	eol = memchr(buf, '\r', h->length);
	/* "HTTP/1.x SSS reason" (RFC 9112 4). */
	if (h->length < 12 || strncmp(buf, "HTTP/1.", 7) != 0 || buf[8] != ' ' ||
	    !isdigit((unsigned char)buf[9]) || !isdigit((unsigned char)buf[10]) ||
	    !isdigit((unsigned char)buf[11]) || (buf[12] != ' ' && buf[12] != '\r'))
		return NP_EINVAL;
	h->status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
	if (h->status < 100)
		return NP_EINVAL;
	{
		size_t l = (size_t)(eol - buf), w = 0;

		for (size_t i = 0; i < l && w + 1 < sizeof(h->status_line); i++)
			h->status_line[w++] = isprint((unsigned char)buf[i]) ? buf[i] : '?';
		h->status_line[w] = '\0';
	}
	for (line = eol + 2; line < end - 2; line = eol + 2) {
		eol = memchr(line, '\r', (size_t)(end - line));
		if (!eol)
			break;
		if ((size_t)(eol - line) > 19 && strncasecmp(line, "Proxy-Authenticate:", 19) == 0) {
			const char *v = line + 19;
			size_t sl, have = strlen(h->auth);

			while (v < eol && *v == ' ')
				v++;
			sl = strcspn(v, " \r,");
			if (sl > (size_t)(eol - v))
				sl = (size_t)(eol - v);
			if (have + sl + 3 < sizeof(h->auth))
				snprintf(h->auth + have, sizeof(h->auth) - have, "%s%.*s", have ? ", " : "",
					 (int)sl, v);
		}
	}
	return 1;
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
