/* SPDX-License-Identifier: GPL-3.0-or-later */
/* NPR/1: parsing and formatting of the responder's text protocol. Every
 * input is bounded by the line limit before anything else looks at it, and
 * every output goes through one bounded append. */
#include "npr.h"

#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "error.h"

static const char *const code_words[] = {
	[NP_NPR_OK] = "ok",
	[NP_NPR_ERR_VERSION] = "version",
	[NP_NPR_ERR_SYNTAX] = "syntax",
	[NP_NPR_ERR_VERB] = "verb",
	[NP_NPR_ERR_TOKEN] = "token",
	[NP_NPR_ERR_BUSY] = "busy",
	[NP_NPR_ERR_UNKNOWN] = "unknown",
};

static const char *const proto_words[] = {
	[NP_NPR_PROTO_NONE] = "none",
	[NP_NPR_PROTO_TCP] = "tcp",
	[NP_NPR_PROTO_UDP] = "udp",
	[NP_NPR_PROTO_TLS] = "tls",
};

const char *np_npr_code_str(enum np_npr_code code)
{
	if ((unsigned)code >= sizeof(code_words) / sizeof(code_words[0]))
		return "unknown";
	return code_words[code];
}

const char *np_npr_proto_str(enum np_npr_proto proto)
{
	if ((unsigned)proto >= sizeof(proto_words) / sizeof(proto_words[0]))
		return "none";
	return proto_words[proto];
}

int np_npr_frame(const char *buf, size_t len, size_t *line_len, size_t *consumed)
{
	size_t scan = len < NP_NPR_LINE_MAX + 2 ? len : NP_NPR_LINE_MAX + 2;
	const char *lf = memchr(buf, '\n', scan);
	size_t n;

	if (!lf) {
		/* 512 bytes and a CR may still end well; 513 bytes of text cannot. */
		if (len > NP_NPR_LINE_MAX + 1 || (len == NP_NPR_LINE_MAX + 1 && buf[NP_NPR_LINE_MAX] != '\r'))
			return -1;
		return 0;
	}
	n = (size_t)(lf - buf);
	*consumed = n + 1;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	if (n > NP_NPR_LINE_MAX)
		return -1;
	*line_len = n;
	return 1;
}

/* A word of the line: [p, p + n). */
struct word {
	const char *p;
	size_t n;
};

#define MAX_WORDS (NP_NPR_LINE_MAX / 2 + 1)

/*
 * The line without its LF / CR LF, checked for length and bytes, cut into
 * words at runs of spaces. Returns the number of words, or -1 for a line
 * that is too long or holds a byte other than printable ASCII and space.
 */
static int split(const char *line, size_t len, struct word *w, size_t maxw)
{
	size_t i = 0;
	int n = 0;

	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len > NP_NPR_LINE_MAX)
		return -1;
	for (size_t k = 0; k < len; k++)
		if (line[k] < 0x20 || line[k] > 0x7e)
			return -1;
	while (i < len) {
		size_t start;

		while (i < len && line[i] == ' ')
			i++;
		if (i == len)
			break;
		start = i;
		while (i < len && line[i] != ' ')
			i++;
		/* A word and its space take two bytes: MAX_WORDS hold any line. */
		if ((size_t)n == maxw)
			return -1;
		w[n].p = line + start;
		w[n].n = i - start;
		n++;
	}
	return n;
}

static int word_is(const struct word *w, const char *s)
{
	size_t n = strlen(s);

	return w->n == n && memcmp(w->p, s, n) == 0;
}

/* key=value: the key is not empty; the value may be. 0, or -1 without '='. */
static int key_value(const struct word *w, struct word *key, struct word *val)
{
	const char *eq = memchr(w->p, '=', w->n);

	if (!eq || eq == w->p)
		return -1;
	key->p = w->p;
	key->n = (size_t)(eq - w->p);
	val->p = eq + 1;
	val->n = w->n - key->n - 1;
	return 0;
}

/* Compared in time that depends on the lengths only, not on where the
 * first difference lies: the token is a shared secret. */
static int token_matches(const struct word *got, const char *want)
{
	size_t n = strlen(want);
	unsigned diff = got->n != n;

	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)want[i] ^ (unsigned char)(i < got->n ? got->p[i] : 0);
	return diff == 0;
}

enum np_npr_code np_npr_parse_request(const char *line, size_t len, const char *token,
				      struct np_npr_request *req)
{
	struct word w[MAX_WORDS], tok = {0};
	int n = split(line, len, w, MAX_WORDS), have_tok = 0;

	memset(req, 0, sizeof(*req));
	if (n <= 0)
		return NP_NPR_ERR_SYNTAX;
	if (!word_is(&w[0], NP_NPR_VERSION))
		return NP_NPR_ERR_VERSION;
	if (n < 2 || memchr(w[1].p, '=', w[1].n))
		return NP_NPR_ERR_SYNTAX;
	for (int i = 2; i < n; i++) {
		struct word key, val;

		if (key_value(&w[i], &key, &val) < 0)
			return NP_NPR_ERR_SYNTAX;
		if (word_is(&key, "data")) {
			if (req->has_data || val.n > NP_NPR_DATA_MAX)
				return NP_NPR_ERR_SYNTAX;
			memcpy(req->data, val.p, val.n);
			req->data[val.n] = '\0';
			req->data_len = val.n;
			req->has_data = 1;
		} else if (word_is(&key, "token")) {
			if (have_tok)
				return NP_NPR_ERR_SYNTAX;
			tok = val;
			have_tok = 1;
		}
		/* pad= and keys of later versions: ignored. */
	}
	if (token && (!have_tok || !token_matches(&tok, token)))
		return NP_NPR_ERR_TOKEN;
	if (word_is(&w[1], "HELLO")) {
		req->verb = NP_NPR_HELLO;
	} else if (word_is(&w[1], "ECHO")) {
		if (!req->has_data)
			return NP_NPR_ERR_SYNTAX;
		req->verb = NP_NPR_ECHO;
	} else {
		return NP_NPR_ERR_VERB;
	}
	return NP_NPR_OK;
}

int np_npr_is_http(const char *line, size_t len)
{
	return (len >= 4 && memcmp(line, "GET ", 4) == 0) || (len >= 5 && memcmp(line, "HEAD ", 5) == 0);
}

int np_npr_http_token_ok(const char *line, size_t len, const char *token)
{
	const char *p = memchr(line, ' ', len), *end, *q;

	if (!p)
		return 0;
	p++;
	end = memchr(p, ' ', (size_t)(line + len - p));
	if (!end)
		end = line + len;
	q = memchr(p, '?', (size_t)(end - p));
	while (q && q < end) {
		const char *amp;
		struct word v;

		q++;
		amp = memchr(q, '&', (size_t)(end - q));
		v.p = q;
		v.n = (size_t)((amp ? amp : end) - q);
		if (v.n > 6 && memcmp(q, "token=", 6) == 0) {
			v.p += 6;
			v.n -= 6;
			if (token_matches(&v, token))
				return 1;
		}
		q = amp;
	}
	return 0;
}

/* --- output ------------------------------------------------------------ */

/* An append-only text buffer that remembers running out of room. */
struct out {
	char *buf;
	size_t cap, len;
	int over;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->over || n >= o->cap - o->len) {
		o->over = 1;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* "198.18.1.2:40000", "[2001:db8::1]:443"; an IPv4-mapped address as IPv4. */
static void put_addr(struct out *o, const struct sockaddr *sa)
{
	struct sockaddr_storage ss;
	char a[NP_ADDR_STR_MAX];

	if (!sa || (sa->sa_family != AF_INET && sa->sa_family != AF_INET6)) {
		puts_(o, "?");
		return;
	}
	np_addr_unmap(sa, &ss);
	puts_(o, np_addr_port_str((const struct sockaddr *)&ss, a, sizeof(a)));
}

static int finish(struct out *o, size_t limit)
{
	puts_(o, "\n");
	if (o->over || o->len > NP_NPR_REPLY_MAX || (limit && o->len > limit))
		return NP_ERANGE;
	return (int)o->len;
}

int np_npr_format_reply(const struct np_npr_request *req, enum np_npr_code code,
			const struct np_npr_view *view, size_t limit, char *buf, size_t buflen)
{
	struct out o = { buf, buflen, 0, 0 };

	if (!buf || buflen == 0)
		return NP_ERANGE;
	buf[0] = '\0';
	if (code != NP_NPR_OK || !req || !view || req->verb == NP_NPR_NONE) {
		puts_(&o, NP_NPR_VERSION " ERR ");
		puts_(&o, np_npr_code_str(code == NP_NPR_OK ? NP_NPR_ERR_SYNTAX : code));
	} else if (req->verb == NP_NPR_HELLO) {
		puts_(&o, NP_NPR_VERSION " OK seen=");
		put_addr(&o, view->seen);
		puts_(&o, " proto=");
		puts_(&o, np_npr_proto_str(view->proto));
		puts_(&o, " local=");
		put_addr(&o, view->local);
	} else {
		puts_(&o, NP_NPR_VERSION " ECHO data=");
		put(&o, req->data, req->data_len);
		puts_(&o, " seen=");
		put_addr(&o, view->seen);
	}
	return finish(&o, limit);
}

/* Printable ASCII without spaces, at most max bytes (at least min). */
static int valid_value(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s);

	if (n < min || n > max)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= 0x20 || s[i] > 0x7e)
			return 0;
	return 1;
}

int np_npr_format_request(enum np_npr_verb verb, const char *data, const char *token,
			  size_t pad_to, char *buf, size_t buflen)
{
	struct out o = { buf, buflen, 0, 0 };

	if (!buf || buflen == 0)
		return NP_ERANGE;
	buf[0] = '\0';
	if ((verb != NP_NPR_HELLO && verb != NP_NPR_ECHO) || (verb == NP_NPR_ECHO && !data) ||
	    (data && !valid_value(data, 0, NP_NPR_DATA_MAX)) ||
	    (token && !valid_value(token, 1, NP_NPR_TOKEN_MAX)) || pad_to > NP_NPR_LINE_MAX + 1)
		return NP_EINVAL;
	puts_(&o, verb == NP_NPR_HELLO ? NP_NPR_VERSION " HELLO" : NP_NPR_VERSION " ECHO");
	if (data) {
		puts_(&o, " data=");
		puts_(&o, data);
	}
	if (token) {
		puts_(&o, " token=");
		puts_(&o, token);
	}
	/* " pad=" and filler up to pad_to with the LF. */
	if (!o.over && o.len + 1 < pad_to) {
		puts_(&o, " pad=");
		while (!o.over && o.len + 1 < pad_to)
			put(&o, ".", 1);
	}
	if (o.len > NP_NPR_LINE_MAX)
		return NP_EINVAL;
	puts_(&o, "\n");
	return o.over ? NP_ERANGE : (int)o.len;
}

/* --- replies ----------------------------------------------------------- */

static int parse_addr_word(const struct word *v, struct sockaddr_storage *ss)
{
	char text[NP_ADDR_STR_MAX];

	if (v->n == 0 || v->n >= sizeof(text))
		return -1;
	memcpy(text, v->p, v->n);
	text[v->n] = '\0';
	return np_addr_parse_port(text, ss) < 0 ? -1 : 0;
}

static enum np_npr_code code_of(const struct word *w)
{
	for (int c = NP_NPR_ERR_VERSION; c < NP_NPR_ERR_UNKNOWN; c++)
		if (word_is(w, code_words[c]))
			return (enum np_npr_code)c;
	return NP_NPR_ERR_UNKNOWN;
}

static enum np_npr_proto proto_of(const struct word *w)
{
	for (int p = NP_NPR_PROTO_TCP; p <= NP_NPR_PROTO_TLS; p++)
		if (word_is(w, proto_words[p]))
			return (enum np_npr_proto)p;
	/* A transport of a later version: not ours to refuse. */
	return NP_NPR_PROTO_NONE;
}

/* One key=value of a reply into r; -1 if malformed or repeated. seen bit
 * 1, local 2, proto 4, data 8 in *got. */
static int reply_key(const struct word *w, struct np_npr_reply *r, unsigned *got)
{
	struct word key, val;
	unsigned bit;

	if (key_value(w, &key, &val) < 0)
		return -1;
	if (word_is(&key, "seen"))
		bit = 1;
	else if (word_is(&key, "local"))
		bit = 2;
	else if (word_is(&key, "proto"))
		bit = 4;
	else if (word_is(&key, "data"))
		bit = 8;
	else
		return 0;
	if (*got & bit)
		return -1;
	*got |= bit;
	switch (bit) {
	case 1:
		return parse_addr_word(&val, &r->seen);
	case 2:
		return parse_addr_word(&val, &r->local);
	case 4:
		r->proto = proto_of(&val);
		return 0;
	default:
		if (val.n > NP_NPR_DATA_MAX)
			return -1;
		memcpy(r->data, val.p, val.n);
		r->data[val.n] = '\0';
		r->data_len = val.n;
		r->has_data = 1;
		return 0;
	}
}

int np_npr_parse_reply(const char *line, size_t len, struct np_npr_reply *r)
{
	struct word w[MAX_WORDS];
	int n = split(line, len, w, MAX_WORDS), first = 2;
	unsigned got = 0;

	memset(r, 0, sizeof(*r));
	if (n < 2 || !word_is(&w[0], NP_NPR_VERSION))
		return NP_EINVAL;
	if (word_is(&w[1], "OK")) {
		r->verb = NP_NPR_HELLO;
	} else if (word_is(&w[1], "ECHO")) {
		r->verb = NP_NPR_ECHO;
	} else if (word_is(&w[1], "ERR")) {
		if (n < 3 || memchr(w[2].p, '=', w[2].n))
			return NP_EINVAL;
		r->code = code_of(&w[2]);
		first = 3;
	} else {
		return NP_EINVAL;
	}
	for (int i = first; i < n; i++)
		if (reply_key(&w[i], r, &got) < 0)
			return NP_EINVAL;
	if (r->verb != NP_NPR_NONE && !(got & 1))
		return NP_EINVAL;
	if (r->verb == NP_NPR_ECHO && !r->has_data)
		return NP_EINVAL;
	return 0;
}

/* --- HTTP heads --------------------------------------------------------- */

void np_npr_http_start(struct np_npr_http *h, size_t first_len)
{
	h->total = first_len;
	h->line_len = 0;
}

int np_npr_http_feed(struct np_npr_http *h, const char *buf, size_t len, size_t *used)
{
	for (size_t i = 0; i < len; i++) {
		if (++h->total > NP_NPR_HTTP_HEAD_MAX)
			return -1;
		if (buf[i] == '\n') {
			if (h->line_len == 0) {
				*used = i + 1;
				return 1;
			}
			h->line_len = 0;
		} else if (buf[i] != '\r') {
			h->line_len++;
		}
	}
	*used = len;
	return 0;
}
