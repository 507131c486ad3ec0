/* SPDX-License-Identifier: GPL-3.0-or-later */
/* --proxy pac:FILE: the PAC's answer per target, its entries in order, and
 * hostile PACs (an endless loop, a syntax error, a huge answer) stopped
 * with a reason. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "netprobe/proxy.h"

static char pac_path[64];

static int write_pac(void **state)
{
	static const char js[] =
		"function FindProxyForURL(url, host) {\n"
		"  if (host == 'direct.example') return 'DIRECT';\n"
		"  if (host == 'chain.example') return 'PROXY dead.example:3128; SOCKS s:1080; PROXY 192.0.2.7:8080; DIRECT';\n"
		"  if (host == 'url.example') return 'PROXY ' + (url == 'https://url.example:8443/' ? 'yes' : 'no') + '.example:1';\n"
		"  if (host == 'loop.example') { while (true) {} }\n"
		"  if (host == 'huge.example') { var s = 'PROXY a:1;'; while (s.length < 100000) s += s; return s; }\n"
		"  if (host == 'nothing.example') return 'SOCKS s:1080';\n"
		"  return 'PROXY proxy.example:3128';\n"
		"}\n";
	int fd;

	(void)state;
	snprintf(pac_path, sizeof(pac_path), "/tmp/np-pac-XXXXXX");
	fd = mkstemp(pac_path);
	if (fd < 0 || write(fd, js, sizeof(js) - 1) != (ssize_t)(sizeof(js) - 1))
		return -1;
	close(fd);
	return 0;
}

static int remove_pac(void **state)
{
	(void)state;
	unlink(pac_path);
	return 0;
}

static int choose(const char *target, struct np_proxy *p, char *eb)
{
	char url[128];
	struct np_target t;

	snprintf(url, sizeof(url), "pac:%s", pac_path);
	assert_int_equal(np_proxy_parse(url, p, eb), 0);
	assert_int_equal(np_target_parse(target, 443, &t, eb), 0);
	return np_pac_apply(p, &t, eb);
}

static void parses_pac_locations(void **state)
{
	char eb[NP_ERRBUF_SIZE];
	struct np_proxy p;

	(void)state;
	assert_int_equal(np_proxy_parse("pac:http://pac.example/proxy.pac", &p, eb), 0);
	assert_string_equal(p.pac, "http://pac.example/proxy.pac");
	assert_string_equal(p.shown, "pac http://pac.example/proxy.pac");
	assert_int_equal(np_proxy_parse("pac:", &p, eb), NP_EINVAL);
	assert_int_equal(np_proxy_parse("pac:https://pac.example/proxy.pac", &p, eb), NP_EINVAL);
	assert_non_null(strstr(eb, "only http://"));
	assert_int_equal(np_pac_load("/nonexistent/proxy.pac", eb), NP_EINVAL);
	assert_non_null(strstr(eb, "No such file"));
}

static void follows_the_entries_in_order(void **state)
{
	char eb[NP_ERRBUF_SIZE];
	struct np_proxy p;

	(void)state;
	assert_int_equal(choose("direct.example", &p, eb), 0);
	assert_true(p.none);
	assert_string_equal(p.pac_result, "DIRECT");
	assert_non_null(strstr(p.shown, "direct (pac /tmp/np-pac-"));

	assert_int_equal(choose("chain.example", &p, eb), 0);
	assert_false(p.none);
	assert_string_equal(p.host, "dead.example");
	assert_int_equal(p.port, 3128);
	assert_non_null(strstr(p.shown, "http://dead.example:3128 (pac /tmp/np-pac-"));
	/* dead: SOCKS is skipped (not spoken), then the next HTTP proxy */
	assert_int_equal(np_pac_next(&p, "connection refused"), 1);
	assert_string_equal(p.host, "192.0.2.7");
	assert_int_equal(p.port, 8080);
	assert_string_equal(p.pac_tried, "PROXY dead.example:3128 (connection refused); "
			    "SOCKS s:1080 (not an HTTP proxy: not supported)");
	assert_int_equal(np_pac_next(&p, "timed out"), 1);
	assert_true(p.none);
	assert_string_equal(p.pac, pac_path);
	assert_int_equal(np_pac_next(&p, "x"), 0);

	/* the URL FindProxyForURL is given: scheme, host, a port not the default */
	assert_int_equal(choose("url.example:8443", &p, eb), 0);
	assert_string_equal(p.host, "yes.example");

	assert_int_equal(choose("nothing.example", &p, eb), NP_EINVAL);
	assert_non_null(strstr(eb, "names no usable path"));
}

static void stops_hostile_pacs(void **state)
{
	char eb[NP_ERRBUF_SIZE];
	struct np_proxy p;
	time_t t0 = time(NULL);

	(void)state;
	assert_int_equal(choose("loop.example", &p, eb), NP_EINVAL);
	assert_non_null(strstr(eb, "endless loop"));
	assert_true(time(NULL) - t0 <= 4);
	assert_int_equal(choose("huge.example", &p, eb), NP_EINVAL);
	assert_non_null(strstr(eb, "over 512 bytes"));
	/* an answer is kept: the second time costs no evaluation */
	t0 = time(NULL);
	assert_int_equal(choose("loop.example", &p, eb), NP_EINVAL);
	assert_true(time(NULL) - t0 <= 1);
}

static void refuses_invalid_javascript(void **state)
{
	char eb[NP_ERRBUF_SIZE], path[64] = "/tmp/np-pac-bad-XXXXXX", url[96];
	struct np_proxy p;
	struct np_target t;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "function FindProxyForURL(u, h) { return 'DIRECT'", 48), 48);
	close(fd);
	snprintf(url, sizeof(url), "pac:%s", path);
	assert_int_equal(np_proxy_parse(url, &p, eb), 0);
	assert_int_equal(np_target_parse("a.example", 443, &t, eb), 0);
	assert_int_equal(np_pac_apply(&p, &t, eb), NP_EINVAL);
	assert_non_null(strstr(eb, "not valid JavaScript"));
	assert_non_null(strstr(eb, "SyntaxError"));
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_pac_locations),
		cmocka_unit_test(follows_the_entries_in_order),
		cmocka_unit_test(stops_hostile_pacs),
		cmocka_unit_test(refuses_invalid_javascript),
	};

	return cmocka_run_group_tests(tests, write_pac, remove_pac);
}
