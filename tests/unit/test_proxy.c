/* Proxy URLs, the environment as curl reads it, CONNECT requests, and the
 * bounded reading of proxy answers. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

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
	assert_int_equal(np_http_head_parse(endless, 1000, &h), 0);
	free(endless);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_proxy_urls),
		cmocka_unit_test(environment_as_curl_reads_it),
		cmocka_unit_test(connect_request),
		cmocka_unit_test(reads_answers_within_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
