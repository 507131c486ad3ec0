/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "target.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "strput.h"

int np_hostname_check(const char *name, char *errbuf)
{
	size_t len = strlen(name);
	size_t label = 0;

	if (len == 0) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "empty host name");
		return NP_EINVAL;
	}
	if (name[len - 1] == '.')
		len--;          /* the root label: "example.com." is absolute */
	if (len == 0 || len > NP_HOST_MAX) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "host name is %zu bytes long (1 to %d allowed)",
			 len, NP_HOST_MAX);
		return NP_EINVAL;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c == '.') {
			if (label == 0) {
				snprintf(errbuf, NP_ERRBUF_SIZE, "empty label in host name at byte %zu", i + 1);
				return NP_EINVAL;
			}
			label = 0;
			continue;
		}
		/* Underscores appear in SRV owner names and in real internal
		 * host names; resolvers accept them, so do we. */
		if (!np_ascii_alnum(c) && c != '-' && c != '_') {
			snprintf(errbuf, NP_ERRBUF_SIZE, "invalid character %s%c%s in host name",
				 isprint(c) ? "'" : "", isprint(c) ? c : '?', isprint(c) ? "'" : "");
			return NP_EINVAL;
		}
		if (++label > NP_LABEL_MAX) {
			snprintf(errbuf, NP_ERRBUF_SIZE, "a label of the host name is longer than %d bytes",
				 NP_LABEL_MAX);
			return NP_EINVAL;
		}
	}
	return 0;
}

static int parse_port(const char *s, size_t n, uint16_t *port, char *errbuf)
{
	unsigned long v = 0;

	if (n == 0) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "empty port");
		return NP_EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i])) {
			snprintf(errbuf, NP_ERRBUF_SIZE, "port '%.*s' is not a number", (int)(n > 16 ? 16 : n), s);
			return NP_EINVAL;
		}
		v = v * 10 + (unsigned long)(s[i] - '0');
		if (v > 65535)
			break;
	}
	if (v == 0 || v > 65535) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "port %.*s out of range (1-65535)", (int)(n > 16 ? 16 : n), s);
		return NP_EINVAL;
	}
	*port = (uint16_t)v;
	return 0;
}

static int set_host(struct np_target *t, const char *s, size_t n, int bracketed, char *errbuf)
{
	unsigned char buf[sizeof(struct in6_addr)];

	if (n == 0) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "empty host");
		return NP_EINVAL;
	}
	if (n > NP_HOST_MAX + 1) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "host is %zu bytes long (at most %d allowed)", n, NP_HOST_MAX);
		return NP_EINVAL;
	}
	memcpy(t->host, s, n);
	t->host[n] = '\0';
	if (inet_pton(AF_INET6, t->host, buf) == 1) {
		t->family = AF_INET6;
		return 0;
	}
	if (bracketed) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "'%.200s' in brackets is not an IPv6 address", t->host);
		return NP_EINVAL;
	}
	if (inet_pton(AF_INET, t->host, buf) == 1) {
		t->family = AF_INET;
		return 0;
	}
	t->family = AF_UNSPEC;
	return np_hostname_check(t->host, errbuf);
}

int np_target_parse(const char *text, uint16_t default_port,
		    struct np_target *t, char *errbuf)
{
	const char *p = text, *end, *hs, *he, *colon = NULL;
	int bracketed = 0, err;

	memset(t, 0, sizeof(*t));
	t->port = default_port;
	if (strncasecmp(p, "https://", 8) == 0) {
		t->scheme = NP_SCHEME_HTTPS;
		t->port = 443;
		p += 8;
	} else if (strncasecmp(p, "http://", 7) == 0) {
		t->scheme = NP_SCHEME_HTTP;
		t->port = 80;
		p += 7;
	} else if (strstr(p, "://")) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "unsupported scheme '%.*s' (http and https are)",
			 (int)(strstr(p, "://") - p > 16 ? 16 : strstr(p, "://") - p), p);
		return NP_EINVAL;
	}
	end = p + strcspn(p, "/?#");
	if (*end && t->scheme == NP_SCHEME_NONE) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "a path needs a URL (http:// or https://)");
		return NP_EINVAL;
	}
	if (memchr(p, '@', (size_t)(end - p))) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "credentials in a target are not supported");
		return NP_EINVAL;
	}
	if (*p == '[') {
		const char *rb = memchr(p, ']', (size_t)(end - p));

		if (!rb) {
			snprintf(errbuf, NP_ERRBUF_SIZE, "unbalanced '[': missing ']'");
			return NP_EINVAL;
		}
		bracketed = 1;
		hs = p + 1;
		he = rb;
		if (rb + 1 < end) {
			if (rb[1] != ':') {
				snprintf(errbuf, NP_ERRBUF_SIZE, "unexpected text after ']'");
				return NP_EINVAL;
			}
			colon = rb + 1;
		}
	} else {
		const char *first = memchr(p, ':', (size_t)(end - p));

		if (memchr(p, ']', (size_t)(end - p))) {
			snprintf(errbuf, NP_ERRBUF_SIZE, "unbalanced ']': missing '['");
			return NP_EINVAL;
		}
		hs = p;
		he = end;
		if (first) {
			const char *second = memchr(first + 1, ':', (size_t)(end - first - 1));

			/* Two colons and no brackets: a bare IPv6 address, which
			 * cannot carry a port (RFC 3986 3.2.2). */
			if (!second) {
				colon = first;
				he = first;
			}
		}
	}
	err = set_host(t, hs, (size_t)(he - hs), bracketed, errbuf);
	if (err < 0)
		return err;
	if (!bracketed && t->family == AF_INET6 && t->scheme != NP_SCHEME_NONE) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "an IPv6 address in a URL needs brackets");
		return NP_EINVAL;
	}
	if (colon) {
		err = parse_port(colon + 1, (size_t)(end - colon - 1), &t->port, errbuf);
		if (err < 0)
			return err;
	}
	if (*end) {
		/* A query without a path gets the "/" it implies. */
		size_t n = strlen(end) + (*end != '/');

		if (n > NP_PATH_MAX) {
			snprintf(errbuf, NP_ERRBUF_SIZE, "path is %zu bytes long (at most %d allowed)",
				 n, NP_PATH_MAX);
			return NP_EINVAL;
		}
		if (*end != '/')
			t->path[0] = '/';
		strncat(t->path, end, NP_PATH_MAX - strlen(t->path));
	} else if (t->scheme != NP_SCHEME_NONE) {
		strcpy(t->path, "/");
	}
	if (t->port == 0) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "no port given");
		return NP_EINVAL;
	}
	return 0;
}

int np_target_parse_sweep(const char *text, uint16_t default_port, struct np_target *t,
			  struct np_portset *ports, char *errbuf)
{
	char host[NP_HOST_MAX + 8];
	const char *list = NULL, *colon = NULL;
	size_t n = strlen(text);
	int err;

	np_portset_clear(ports);
	if (!strstr(text, "://")) {
		if (text[0] == '[') {
			colon = strstr(text, "]:");
			colon = colon ? colon + 1 : NULL;
		} else {
			colon = strchr(text, ':');
			/* Two colons and no brackets: a bare IPv6 address. */
			if (colon && strchr(colon + 1, ':'))
				colon = NULL;
		}
	}
	if (colon) {
		list = colon + 1;
		n = (size_t)(colon - text);
	}
	if (n >= sizeof(host)) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "host is %zu bytes long (at most %d allowed)", n, NP_HOST_MAX);
		return NP_EINVAL;
	}
	memcpy(host, text, n);
	host[n] = '\0';
	err = np_target_parse(host, default_port, t, errbuf);
	if (err < 0)
		return err;
	if (!list) {
		np_portset_add(ports, t->port);
		return 0;
	}
	err = np_portset_parse(ports, list, errbuf);
	if (err < 0)
		return err;
	t->port = (uint16_t)np_portset_next(ports, 1);
	return 0;
}

const char *np_target_str(const struct np_target *t, char *buf, size_t len)
{
	const char *lb = t->family == AF_INET6 ? "[" : "";
	const char *rb = t->family == AF_INET6 ? "]" : "";

	switch (t->scheme) {
	case NP_SCHEME_HTTPS:
	case NP_SCHEME_HTTP:
		snprintf(buf, len, "%s://%s%s%s:%u%s", t->scheme == NP_SCHEME_HTTPS ? "https" : "http",
			 lb, t->host, rb, t->port, t->path);
		break;
	default:
		snprintf(buf, len, "%s%s%s:%u", lb, t->host, rb, t->port);
		break;
	}
	return buf;
}
