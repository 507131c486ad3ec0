/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Proxy URLs, the environment as curl reads it, CONNECT requests, and the
 * bounded reading of proxy answers. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netprobe/proxy.h"

static void parses_proxy_urls(void **state)
{
	char eb[NP_ERRBUF_SIZE];
	struct np_proxy p;

	(void)state;
	assert_int_equal(np_proxy_parse("http://bob:s%3Acret@198.19.4.30:3128", &p, eb), 0);
	assert_string_equal(p.host, "198.19.4.30");
	assert_int_equal(p.port, 3128);
	assert_string_equal(p.user, "bob");
	assert_string_equal(p.pass, "s:cret");
	assert_null(strstr(p.shown, "cret"));
	assert_int_equal(np_proxy_parse("proxy.example:8080", &p, eb), 0);
	assert_string_equal(p.host, "proxy.example");
	assert_int_equal(np_proxy_parse("http://[2001:db8::30]/", &p, eb), 0);
	assert_int_equal(p.port, 1080);
	assert_int_equal(p.family, AF_INET6);
	assert_int_equal(np_proxy_parse("none", &p, eb), 0);
	assert_true(p.none);
	assert_int_equal(np_proxy_parse("socks5://h:1080", &p, eb), NP_EINVAL);
	assert_int_equal(np_proxy_parse("http://h:0", &p, eb), NP_EINVAL);
	assert_int_equal(np_proxy_parse("http://h:3128/path", &p, eb), NP_EINVAL);
	assert_int_equal(np_proxy_parse("http://u:pw@", &p, eb), NP_EINVAL);
	assert_null(strstr(eb, "pw"));
}

static void environment_as_curl_reads_it(void **state)
{
	char eb[NP_ERRBUF_SIZE];
	struct np_target tls, http;
	struct np_proxy p;

	(void)state;
	np_target_parse("login.example.net", 443, &tls, eb);
	np_target_parse("http://crl.example.net/x.crl", 443, &http, eb);
	unsetenv("no_proxy");
	unsetenv("NO_PROXY");
	unsetenv("all_proxy");
	unsetenv("ALL_PROXY");
	setenv("https_proxy", "http://u:p@tls-proxy:3128", 1);
	setenv("HTTP_PROXY", "http://ignored:1", 1);
	unsetenv("http_proxy");
	assert_int_equal(np_proxy_from_env(&tls, &p, eb), 0);
	assert_string_equal(p.host, "tls-proxy");
	/* HTTP_PROXY (uppercase) is not read, as curl does not (httpoxy). */
	assert_int_equal(np_proxy_from_env(&http, &p, eb), 0);
	assert_true(p.none);
	setenv("ALL_PROXY", "http://all:8080", 1);
	assert_int_equal(np_proxy_from_env(&http, &p, eb), 0);
	assert_string_equal(p.host, "all");
	setenv("no_proxy", "localhost,.example.net", 1);
	assert_int_equal(np_proxy_from_env(&tls, &p, eb), 0);
	assert_true(p.none);
	setenv("no_proxy", "ample.net", 1);   /* not on a label boundary */
	assert_int_equal(np_proxy_from_env(&tls, &p, eb), 0);
	assert_false(p.none);
	setenv("https_proxy", "ftp://x:secretpw@h", 1);
	assert_int_equal(np_proxy_from_env(&tls, &p, eb), NP_EINVAL);
	assert_non_null(strstr(eb, "https_proxy"));
	assert_null(strstr(eb, "secretpw"));
	unsetenv("https_proxy");
	unsetenv("HTTP_PROXY");
	unsetenv("ALL_PROXY");
	unsetenv("no_proxy");
}

static void connect_request(void **state)
{
	char eb[NP_ERRBUF_SIZE], buf[512];
	struct np_proxy p;
	size_t n;

	(void)state;
	np_proxy_parse("http://bob:pw@proxy:3128", &p, eb);
	n = np_proxy_connect_request(&p, "Ym9iOnB3", "2001:db8::10", 443, buf, sizeof(buf));
	assert_true(n > 0);
	assert_non_null(strstr(buf, "CONNECT [2001:db8::10]:443 HTTP/1.1\r\nHost: [2001:db8::10]:443\r\n"));
	assert_non_null(strstr(buf, "Proxy-Authorization: Basic Ym9iOnB3\r\n"));
	assert_memory_equal(buf + n - 4, "\r\n\r\n", 4);
	np_proxy_parse("http://proxy:3128", &p, eb);
	np_proxy_connect_request(&p, NULL, "tls.lab", 443, buf, sizeof(buf));
	assert_null(strstr(buf, "Proxy-Authorization"));
	assert_int_equal(np_proxy_connect_request(&p, NULL, "tls.lab", 443, buf, 20), 0);
}

static void reads_answers_within_bounds(void **state)
{
	struct np_http_head h;
	const char *ok = "HTTP/1.1 200 Connection established\r\n\r\n";
	const char *auth = "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: NTLM\r\n"
			   "Proxy-Authenticate: Negotiate abc\r\nProxy-Authenticate: Basic realm=\"x\"\r\n\r\nbody";
	char *endless;

	(void)state;
	assert_int_equal(np_http_head_parse(ok, strlen(ok), &h), 1);
	assert_int_equal(h.status, 200);
	assert_int_equal(h.length, strlen(ok));
	assert_int_equal(np_http_head_parse(ok, 20, &h), 0);
	assert_int_equal(np_http_head_parse(auth, strlen(auth), &h), 1);
	assert_int_equal(h.status, 407);
	assert_string_equal(h.auth, "NTLM, Negotiate, Basic");
	assert_string_equal(h.status_line, "HTTP/1.1 407 Proxy Authentication Required");
	assert_int_equal(np_http_head_parse("SSH-2.0-OpenSSH\r\n\r\n", 19, &h), NP_EINVAL);
	assert_int_equal(np_http_head_parse("HTTP/1.1 2x0 no\r\n\r\n", 19, &h), NP_EINVAL);
	/* A header that never ends is refused at the bound, not buffered. */
	endless = malloc(NP_HTTP_HEAD_MAX + 10);
	memcpy(endless, "HTTP/1.1 200 OK\r\nX: ", 20);
	memset(endless + 20, 'a', NP_HTTP_HEAD_MAX - 10);
	assert_int_equal(np_http_head_parse(endless, NP_HTTP_HEAD_MAX + 10, &h), NP_EINVAL);
	assert_non_null(strstr(h.why, "no end of the header within 16384 bytes"));
	assert_int_equal(np_http_head_parse(endless, 1000, &h), 0);
	free(endless);
}

/* Recorded proxy answers that are not HTTP are refused at the first byte
 * that shows it, not waited on until the timeout; each says why. */
static void refuses_what_cannot_become_an_answer_at_once(void **state)
{
	/* a TLS alert record: a TLS port given as the proxy */
	static const char tls_alert[] = "\x15\x03\x01\x00\x02\x02\x28";
	static const char *const bad[][2] = {
		{"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n", "not HTTP"},
		{"<html><body>blocked</body></html>", "not HTTP"},
		{"HTTP/2 200\r\n\r\n", "not an HTTP/1.x status line"},
		{"HTTP/1.1 abc OK\r\n", "malformed status line"},
		{"HTTP/1.1 099 Low\r\n\r\n", "malformed status line"},
		{"HTTP/1.1 200 OK\r\nX-Bin: \x01\x02\x03", "control bytes"},
		{"HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n", "control bytes"},
		{"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "without a colon"},
		{"HTTP/1.1 200 OK\r\nX-Space : y\r\n\r\n", "whitespace"},
		{"HTTP/1.1 200 Bad\x07" "Bell\r\n\r\n", "control bytes"},
	};
	struct np_http_head h;

	(void)state;
	assert_int_equal(np_http_head_parse(tls_alert, sizeof(tls_alert) - 1, &h), NP_EINVAL);
	assert_non_null(strstr(h.why, "not HTTP"));
	/* one byte is enough to know */
	assert_int_equal(np_http_head_parse("\x15", 1, &h), NP_EINVAL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = np_http_head_parse(bad[i][0], strlen(bad[i][0]), &h);

		if (r != NP_EINVAL || !strstr(h.why, bad[i][1]))
			fail_msg("'%s': %d, why '%s', expected '%s'", bad[i][0], r, h.why ? h.why : "(null)",
				 bad[i][1]);
	}
}

/* What may still become an answer waits for more; a head in bare LFs (RFC
 * 9112 2.2 allows a recipient to take them) is a head. */
static void waits_for_what_may_still_be_an_answer(void **state)
{
	static const char *const partial[] = {
		"H", "HTTP/1.", "HTTP/1.1 2", "HTTP/1.1 200", "HTTP/1.1 200 Connection established\r",
		"HTTP/1.1 200 Connection established\r\nX-Lab-Slow-1: x\r\nX-Lab-Slow-2: x\r\n",
		"HTTP/1.1 200 OK\r\nX: \xc3\xa9t\xc3\xa9\r\n",   /* obs-text is allowed in a value */
	};
	const char *lf = "HTTP/1.1 200 OK\nX: y\n\nrest";
	struct np_http_head h;

	(void)state;
	for (size_t i = 0; i < sizeof(partial) / sizeof(partial[0]); i++)
		if (np_http_head_parse(partial[i], strlen(partial[i]), &h) != 0)
			fail_msg("'%s' is refused: %s", partial[i], h.why ? h.why : "?");
	assert_int_equal(np_http_head_parse(lf, strlen(lf), &h), 1);
	assert_int_equal(h.status, 200);
	assert_int_equal(h.length, strlen(lf) - 4);
	assert_string_equal(h.status_line, "HTTP/1.1 200 OK");
	/* obs-text is the proxy's to send, not ours to print */
	lf = "HTTP/1.1 407 \xe9\r\nProxy-Authenticate: N\xffTLM\r\n\r\n";
	assert_int_equal(np_http_head_parse(lf, strlen(lf), &h), 1);
	assert_string_equal(h.status_line, "HTTP/1.1 407 ?");
	assert_string_equal(h.auth, "N?TLM");
}

/* A 407's body skipped so the next leg can use the connection. */
static void skips_407_bodies(void **state)
{
	const char *cl = "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: NTLM\r\n"
			 "Content-Length: 5\r\nConnection: keep-alive\r\n\r\nhello";
	const char *ch = "HTTP/1.1 407 x\r\nTransfer-Encoding: chunked\r\n\r\n"
			 "5;name=abc\r\nhello\r\n0a\r\n0123456789\r\n0\r\nX-Trailer: y\r\n\r\n";
	struct np_http_head h;
	struct np_http_body b;
	size_t used, hl;
	char big[64];

	(void)state;
	assert_int_equal(np_http_head_parse(cl, strlen(cl), &h), 1);
	assert_int_equal(h.content_length, 5);
	assert_false(h.close);
	assert_int_equal(np_http_body_init(&b, &h), 1);
	assert_int_equal(np_http_body_feed(&b, cl + h.length, 3, &used), 0);
	assert_int_equal(np_http_body_feed(&b, cl + h.length + 3, 2, &used), 1);
	/* chunked, fed a byte at a time: an extension's hex digits are no size */
	assert_int_equal(np_http_head_parse(ch, strlen(ch), &h), 1);
	assert_true(h.chunked);
	hl = h.length;
	assert_int_equal(np_http_body_init(&b, &h), 1);
	for (size_t i = hl; i < strlen(ch); i++) {
		int r = np_http_body_feed(&b, ch + i, 1, &used);

		assert_int_equal(r, i + 1 == strlen(ch) ? 1 : 0);
		assert_int_equal(used, 1);
	}
	/* whole, with bytes after it: only the body's are taken */
	assert_int_equal(np_http_body_init(&b, &h), 1);
	assert_int_equal(np_http_body_feed(&b, ch + hl, strlen(ch) - hl, &used), 1);
	assert_int_equal(used, strlen(ch) - hl);
	/* a chunk size past the bound, a size line without digits */
	assert_int_equal(np_http_body_init(&b, &h), 1);
	snprintf(big, sizeof(big), "fffffffffffffffff\r\n");
	assert_int_equal(np_http_body_feed(&b, big, strlen(big), &used), NP_EINVAL);
	assert_int_equal(np_http_body_init(&b, &h), 1);
	assert_int_equal(np_http_body_feed(&b, "\r\n", 2, &used), NP_EINVAL);
	/* no framing, or Connection: close, or HTTP/1.0: a new connection */
	assert_int_equal(np_http_head_parse("HTTP/1.1 407 x\r\n\r\n", strlen("HTTP/1.1 407 x\r\n\r\n"), &h), 1);
	assert_int_equal(np_http_body_init(&b, &h), 0);
	assert_int_equal(np_http_head_parse("HTTP/1.0 407 x\r\nContent-Length: 0\r\n\r\n", strlen("HTTP/1.0 407 x\r\nContent-Length: 0\r\n\r\n"), &h), 1);
	assert_true(h.close);
	assert_int_equal(np_http_head_parse("HTTP/1.1 407 x\r\nProxy-Connection: close\r\n\r\n", strlen("HTTP/1.1 407 x\r\nProxy-Connection: close\r\n\r\n"), &h), 1);
	assert_true(h.close);
	/* conflicting lengths are unusable (RFC 9112 6.3) */
	assert_int_equal(np_http_head_parse("HTTP/1.1 407 x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", strlen("HTTP/1.1 407 x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"), &h), 1);
	assert_int_equal(np_http_body_init(&b, &h), 0);
	/* a body over the bound is not read */
	assert_int_equal(np_http_head_parse("HTTP/1.1 407 x\r\nContent-Length: 99999999\r\n\r\n", strlen("HTTP/1.1 407 x\r\nContent-Length: 99999999\r\n\r\n"), &h), 1);
	assert_int_equal(np_http_body_init(&b, &h), 0);
}

static void connect_with_any_scheme(void **state)
{
	char buf[512];

	(void)state;
	assert_true(np_proxy_connect_request_auth("Negotiate YIIB", "tls.lab", 443, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "CONNECT tls.lab:443 HTTP/1.1\r\n"));
	assert_non_null(strstr(buf, "Proxy-Authorization: Negotiate YIIB\r\n"));
	assert_non_null(strstr(buf, "Proxy-Connection: Keep-Alive\r\n\r\n"));
	assert_true(np_proxy_connect_request_auth("", "tls.lab", 443, buf, sizeof(buf)) > 0);
	assert_null(strstr(buf, "Proxy-Authorization"));
}

/* machine.config's defaultProxy: the proxy, and the targets that go direct. */
static void reads_machine_config(void **state)
{
	char path[] = "/tmp/np-mc-XXXXXX", eb[NP_ERRBUF_SIZE];
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	struct np_proxy p;
	struct np_target t;

	(void)state;
	assert_non_null(f);
	fputs("<?xml version=\"1.0\"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>\n"
	      "<configuration><system.net><defaultProxy useDefaultCredentials=\"true\">"
	      "<proxy usesystemdefault=\"false\" proxyaddress=\"http://proxy.corp:8080\" bypassonlocal=\"true\"/>"
	      "<bypasslist><add address=\"tls\\.lab\"/><add address=\"^https://10\\.\"/></bypasslist>"
	      "</defaultProxy></system.net></configuration>\n", f);
	fclose(f);
	snprintf(eb, sizeof(eb), "machine-config:%s", path);
	assert_int_equal(np_proxy_parse(eb, &p, eb), 0);
	assert_string_equal(p.host, "proxy.corp");
	assert_int_equal(p.port, 8080);
	assert_int_equal(p.n_bypass, 2);
	assert_true(p.bypass_local);
	assert_int_equal(np_target_parse("TLS.lab", 443, &t, eb), 0);
	assert_true(np_proxy_bypassed(&p, &t));
	assert_int_equal(np_target_parse("10.1.2.3", 443, &t, eb), 0);
	assert_true(np_proxy_bypassed(&p, &t));
	assert_int_equal(np_target_parse("intranet", 443, &t, eb), 0);
	assert_true(np_proxy_bypassed(&p, &t));
	assert_int_equal(np_target_parse("login.microsoftonline.com", 443, &t, eb), 0);
	assert_false(np_proxy_bypassed(&p, &t));
	np_proxy_apply_bypass(&p, &t);
	assert_false(p.none);
	assert_non_null(strstr(p.shown, "(machine-config /tmp/np-mc-"));
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(skips_407_bodies),
		cmocka_unit_test(reads_machine_config),
		cmocka_unit_test(connect_with_any_scheme),
		cmocka_unit_test(parses_proxy_urls),
		cmocka_unit_test(environment_as_curl_reads_it),
		cmocka_unit_test(connect_request),
		cmocka_unit_test(reads_answers_within_bounds),
		cmocka_unit_test(refuses_what_cannot_become_an_answer_at_once),
		cmocka_unit_test(waits_for_what_may_still_be_an_answer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
