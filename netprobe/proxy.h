/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_PROXY_H
#define NETPROBE_PROXY_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "target.h"

/* An HTTP proxy on the way to a target, or none. Pure parsing: no I/O. */
struct np_proxy {
	int none;                       /* direct */
	char host[NP_HOST_MAX + 2];
	uint16_t port;
	int family;                     /* AF_INET/AF_INET6 literal, else AF_UNSPEC */
	char user[128], pass[128];      /* Basic credentials, "" when none */
	char shown[NP_TARGET_STR_MAX];  /* "http://user:***@host:port", for every output */
	/* a proxy from a machine.config: the targets that go direct */
#define NP_PROXY_MAX_BYPASS 16
	char source[240];               /* "machine-config FILE", "" otherwise */
	int bypass_local;
	size_t n_bypass;
	char bypass[NP_PROXY_MAX_BYPASS][128]; /* regular expressions, as .NET reads them */
	/* --proxy pac:URL|FILE (netprobe/pac.c): where the PAC is, what its
	 * FindProxyForURL answered for this target, the entry in use and the
	 * entries that were tried before it ("PROXY a; PROXY b; DIRECT") */
#define NP_PAC_RESULT_MAX 512
	char pac[240];                  /* the URL or file, "" when not a PAC path */
	char pac_result[NP_PAC_RESULT_MAX];
	size_t pac_next;                /* the next entry of pac_result to try */
	char pac_tried[320];            /* "PROXY a:3128 (connection refused)", ... */
	/* a profile check's proxy_auth: the schemes allowed on this path */
	int auth_set;
	unsigned auth_allowed;          /* NP_PAUTH_* (proxy_auth.h) */
};

/* --proxy pac:URL|FILE (netprobe/pac.c). np_pac_apply evaluates the PAC
 * for target t (once per URL: the answers are kept) and makes p the first
 * usable entry it names; a PAC that cannot be fetched or evaluated is an
 * error in errbuf (the caller's finding). np_pac_next moves p to the next
 * entry after the current one failed (why: in words); 0 when none is
 * left. np_pac_load reads or fetches the PAC once, before privileges go: a
 * file that cannot be read is an error (bad input); a URL that cannot be
 * fetched is only remembered, for each target's finding. */
int np_pac_load(const char *loc, char *errbuf);
int np_pac_apply(struct np_proxy *p, const struct np_target *t, char *errbuf);
int np_pac_next(struct np_proxy *p, const char *why);
struct np_finding;
/* proxy_source, pac_url, pac_result, pac_tried on a finding */
void np_pac_metrics(const struct np_proxy *p, struct np_finding *f);

/* --proxy machine-config:FILE (netprobe/machine_config.c): the
 * <system.net><defaultProxy> of a .NET machine.config or web.config. */
int np_proxy_machine_config(const char *file, struct np_proxy *p, char *errbuf);
/* The libxml2 that reads it, as libxml2 says ("20914"), loading it (dynlib.h);
 * NULL when it cannot be loaded. */
const char *np_machine_config_xml_version(void);
/* 1 when the machine.config sends t direct (bypasslist, bypassonlocal). */
int np_proxy_bypassed(const struct np_proxy *p, const struct np_target *t);
/* A machine.config proxy becomes direct for a target it bypasses; either
 * way p->shown names what the file chose. */
void np_proxy_apply_bypass(struct np_proxy *p, const struct np_target *t);

/* "none", or http://[user:pass@]host[:port][/] (port 1080 by default, as
 * curl). "%xx" escapes in user and password are decoded. */
int np_proxy_parse(const char *url, struct np_proxy *p, char *errbuf);

/*
 * --proxy auto, as curl reads the environment: https_proxy/HTTPS_PROXY for
 * TLS targets, http_proxy (lowercase only) for plain HTTP, then
 * ALL_PROXY/all_proxy; no_proxy/NO_PROXY ("*", or a comma list of names
 * matched as suffixes and of addresses) means direct. Sets p->none when
 * nothing applies. An unusable variable is an error naming it.
 */
int np_proxy_from_env(const struct np_target *t, struct np_proxy *p, char *errbuf);

#define NP_HTTP_HEAD_MAX 16384

/* What an HTTP response head says. */
struct np_http_head {
	int status;                     /* 100..999 */
	char status_line[200];          /* without CRLF, control bytes masked */
	char auth[160];                 /* Proxy-Authenticate schemes, "Basic, NTLM" */
	size_t length;                  /* bytes of the head, its empty line included */
	long long content_length;       /* -1 when none (or unusable) */
	int chunked;                    /* Transfer-Encoding ends in chunked */
	int close;                      /* Connection/Proxy-Connection: close, or HTTP/1.0 without keep-alive */
	const char *why;                /* on NP_EINVAL: what is wrong, in words */
};

/*
 * 1: a complete head in buf[0..len); 0: need more bytes (what has come may
 * still become an answer); NP_EINVAL, h->why set: malformed, or no end
 * within NP_HTTP_HEAD_MAX bytes. Called again on the whole buffer as bytes
 * come: bytes that cannot begin an HTTP/1.x answer (a TLS record, an SSH
 * banner, control bytes in a line) are refused as soon as they are there.
 * Lines end in CR LF or a bare LF (RFC 9112 2.2).
 */
int np_http_head_parse(const char *buf, size_t len, struct np_http_head *h);

/* The CONNECT request for host:port (Basic auth when p has credentials;
 * b64 is the base64 of "user:pass", made by the caller's TLS library).
 * Returns its length, or 0 if len is too small. */
size_t np_proxy_connect_request(const struct np_proxy *p, const char *b64, const char *host,
				uint16_t port, char *buf, size_t len);

/* The same with any Proxy-Authorization value (authz "" or NULL: none),
 * HTTP/1.1 with Proxy-Connection: Keep-Alive so that a 407 can be answered
 * on the same connection (NTLM needs it). */
size_t np_proxy_connect_request_auth(const char *authz, const char *host, uint16_t port, char *buf, size_t len);

/*
 * Skipping a response body (a 407's error page) so that the connection can
 * carry the next request: Content-Length or chunked (RFC 9112 6.3, 7.1),
 * bounded by NP_HTTP_BODY_MAX. A body delimited only by the close cannot
 * be skipped: np_http_body_init returns 0 for it (start a new connection).
 */
#define NP_HTTP_BODY_MAX (1 << 20)

struct np_http_body {
	int chunked, state, ext;
	unsigned long long left;        /* of the body, or of the current chunk */
	size_t line;                    /* bytes of the current chunk-size/trailer line */
	unsigned long long total;
};

/* 1: the body can be skipped; 0: it runs to the close. */
int np_http_body_init(struct np_http_body *b, const struct np_http_head *h);

/* Feeds len bytes; *used is how many belong to the body. 1: the body has
 * ended; 0: more to come; NP_EINVAL: malformed or past the bound. */
int np_http_body_feed(struct np_http_body *b, const char *buf, size_t len, size_t *used);

#endif
