/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Targets as users type them: np_target_parse() with default port 443. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "netprobe/error.h"
#include "netprobe/target.h"

struct good {
	const char *in;
	const char *host;
	unsigned port;
	enum np_scheme scheme;
	int family;
	const char *path;
};

static void check_good(const struct good *g)
{
	char errbuf[NP_ERRBUF_SIZE] = "";
	struct np_target t;
	int rc = np_target_parse(g->in, 443, &t, errbuf);

	if (rc != 0)
		fail_msg("'%s': rc %d (%s)", g->in, rc, errbuf);
	if (strcmp(t.host, g->host) != 0)
		fail_msg("'%s': host '%s', want '%s'", g->in, t.host, g->host);
	if (t.port != g->port)
		fail_msg("'%s': port %u, want %u", g->in, t.port, g->port);
	if (t.scheme != g->scheme)
		fail_msg("'%s': scheme %d, want %d", g->in, (int)t.scheme, (int)g->scheme);
	if (t.family != g->family)
		fail_msg("'%s': family %d, want %d", g->in, t.family, g->family);
	if (strcmp(t.path, g->path) != 0)
		fail_msg("'%s': path '%s', want '%s'", g->in, t.path, g->path);
}

static void parses_host_and_port_forms(void **state)
{
	static const struct good cases[] = {
		{"example.com", "example.com", 443, NP_SCHEME_NONE, AF_UNSPEC, ""},
		{"example.com:8080", "example.com", 8080, NP_SCHEME_NONE, AF_UNSPEC, ""},
		{"db-1.internal_zone.example:5432", "db-1.internal_zone.example", 5432,
		 NP_SCHEME_NONE, AF_UNSPEC, ""},
		{"localhost:1", "localhost", 1, NP_SCHEME_NONE, AF_UNSPEC, ""},
		{"h:65535", "h", 65535, NP_SCHEME_NONE, AF_UNSPEC, ""},
		{"192.0.2.1", "192.0.2.1", 443, NP_SCHEME_NONE, AF_INET, ""},
		{"1.2.3.4:22", "1.2.3.4", 22, NP_SCHEME_NONE, AF_INET, ""},
		{"[2001:db8::1]:8443", "2001:db8::1", 8443, NP_SCHEME_NONE, AF_INET6, ""},
		{"[2001:db8::1]", "2001:db8::1", 443, NP_SCHEME_NONE, AF_INET6, ""},
		{"2001:db8::1", "2001:db8::1", 443, NP_SCHEME_NONE, AF_INET6, ""},
		{"::1", "::1", 443, NP_SCHEME_NONE, AF_INET6, ""},
		{"example.com.", "example.com.", 443, NP_SCHEME_NONE, AF_UNSPEC, ""},
		{"example.com.:25", "example.com.", 25, NP_SCHEME_NONE, AF_UNSPEC, ""},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_good(&cases[i]);
}

static void parses_urls(void **state)
{
	static const struct good cases[] = {
		{"https://h", "h", 443, NP_SCHEME_HTTPS, AF_UNSPEC, "/"},
		{"http://h", "h", 80, NP_SCHEME_HTTP, AF_UNSPEC, "/"},
		{"https://h/", "h", 443, NP_SCHEME_HTTPS, AF_UNSPEC, "/"},
		{"https://h:8443/a/b?x=1", "h", 8443, NP_SCHEME_HTTPS, AF_UNSPEC, "/a/b?x=1"},
		{"http://h:8080", "h", 8080, NP_SCHEME_HTTP, AF_UNSPEC, "/"},
		{"https://h?x=1", "h", 443, NP_SCHEME_HTTPS, AF_UNSPEC, "/?x=1"},
		{"http://[2001:db8::1]/x", "2001:db8::1", 80, NP_SCHEME_HTTP, AF_INET6, "/x"},
		{"https://[2001:db8::1]:8443/", "2001:db8::1", 8443, NP_SCHEME_HTTPS, AF_INET6, "/"},
		{"http://198.51.100.7:8000/health", "198.51.100.7", 8000, NP_SCHEME_HTTP, AF_INET, "/health"},
		{"https://www.example.com./", "www.example.com.", 443, NP_SCHEME_HTTPS, AF_UNSPEC, "/"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_good(&cases[i]);
}

/* 63-byte labels and a 253-byte name (254 with the root dot) are the
 * RFC 1035 limits, and allowed. */
static void accepts_longest_names(void **state)
{
	char label63[64], name253[254], name254dot[255];
	char errbuf[NP_ERRBUF_SIZE] = "";
	struct np_target t;

	(void)state;
	memset(label63, 'a', 63);
	label63[63] = '\0';
	assert_int_equal(np_target_parse(label63, 443, &t, errbuf), 0);
	assert_string_equal(t.host, label63);

	/* 63.63.63.61 = 253 bytes */
	memset(name253, 'b', 253);
	name253[63] = name253[127] = name253[191] = '.';
	name253[253] = '\0';
	assert_int_equal(strlen(name253), 253);
	if (np_target_parse(name253, 443, &t, errbuf) != 0)
		fail_msg("253-byte name rejected: %s", errbuf);
	assert_string_equal(t.host, name253);

	memcpy(name254dot, name253, 253);
	name254dot[253] = '.';
	name254dot[254] = '\0';
	if (np_target_parse(name254dot, 443, &t, errbuf) != 0)
		fail_msg("253-byte name with the root dot rejected: %s", errbuf);
	assert_string_equal(t.host, name254dot);
}

static void check_bad(const char *in)
{
	char errbuf[NP_ERRBUF_SIZE];
	struct np_target t;
	int rc;

	errbuf[0] = '\0';
	rc = np_target_parse(in, 443, &t, errbuf);
	if (rc != NP_EINVAL)
		fail_msg("'%.80s': rc %d, want NP_EINVAL", in, rc);
	if (errbuf[0] == '\0')
		fail_msg("'%.80s': rejected with an empty message", in);
	if (!memchr(errbuf, '\0', sizeof(errbuf)))
		fail_msg("'%.80s': message not terminated", in);
}

static void rejects_bad_targets(void **state)
{
	static const char *const cases[] = {
		"", ":80", "host:", "host:0", "host:65536", "host:99999999999",
		"host:8a", "host:-1", "[2001:db8::1", "2001:db8::1]", "[notv6]:80",
		"[2001:db8::1]x", "[2001:db8::1]:", "ftp://h", "h/path", "h?x=1",
		"https://user:pw@h", "a..b", ".", ".a", "bad name", "bad\x01name",
		"http://2001:db8::1/", "https://", "http://:80/",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_bad(cases[i]);
}

static void rejects_overlong_names(void **state)
{
	char label64[65], name254[255], name300[301];

	(void)state;
	memset(label64, 'a', 64);
	label64[64] = '\0';
	check_bad(label64);

	/* The 64-byte label in the middle of an otherwise fine name. */
	{
		char mid[80];

		snprintf(mid, sizeof(mid), "www.%s.com", label64);
		check_bad(mid);
	}

	memset(name254, 'b', 254);
	name254[63] = name254[127] = name254[191] = '.';
	name254[254] = '\0';
	check_bad(name254);

	memset(name300, 'c', 300);
	for (int i = 50; i < 300; i += 51)
		name300[i] = '.';
	name300[300] = '\0';
	check_bad(name300);
}

/* The message says credentials are not supported; it must not repeat them. */
static void credentials_are_rejected_without_echo(void **state)
{
	char errbuf[NP_ERRBUF_SIZE] = "";
	struct np_target t;

	(void)state;
	assert_int_equal(np_target_parse("https://user:pw@h", 443, &t, errbuf), NP_EINVAL);
	assert_true(errbuf[0] != '\0');
	assert_null(strstr(errbuf, "pw"));

	errbuf[0] = '\0';
	assert_int_equal(np_target_parse("https://alice:Sup3rS3cret@h:8443/x", 443, &t, errbuf),
			 NP_EINVAL);
	assert_true(errbuf[0] != '\0');
	assert_null(strstr(errbuf, "Sup3rS3cret"));
}

/* A URL's path is kept exactly, or the target is refused: never cut. */
static void long_query_is_kept_or_refused(void **state)
{
	char in[8 + 1 + 1024 + 1], want[1 + 1024 + 1];
	char errbuf[NP_ERRBUF_SIZE] = "";
	struct np_target t;
	int rc;

	(void)state;
	/* "?" + 1023 bytes: exactly NP_PATH_MAX bytes after the host. */
	strcpy(in, "https://h?");
	memset(in + 10, 'q', 1023);
	in[10 + 1023] = '\0';
	snprintf(want, sizeof(want), "/%s", in + 9);
	rc = np_target_parse(in, 443, &t, errbuf);
	if (rc == 0 && strcmp(t.path, want) != 0)
		fail_msg("path of %zu bytes kept as %zu bytes (expected %zu, or an error)",
			 strlen(in + 9), strlen(t.path), strlen(want));
	if (rc != 0)
		assert_int_equal(rc, NP_EINVAL);
}

static void round_trip(const char *in, const char *want)
{
	char errbuf[NP_ERRBUF_SIZE] = "", buf[NP_TARGET_STR_MAX], buf2[NP_TARGET_STR_MAX];
	struct np_target a, b;

	if (np_target_parse(in, 443, &a, errbuf) != 0)
		fail_msg("'%s': %s", in, errbuf);
	np_target_str(&a, buf, sizeof(buf));
	if (strcmp(buf, want) != 0)
		fail_msg("'%s' printed as '%s', want '%s'", in, buf, want);
	if (np_target_parse(buf, 443, &b, errbuf) != 0)
		fail_msg("'%s' (from '%s') does not parse back: %s", buf, in, errbuf);
	assert_string_equal(a.host, b.host);
	assert_int_equal(a.port, b.port);
	assert_int_equal(a.scheme, b.scheme);
	assert_int_equal(a.family, b.family);
	assert_string_equal(a.path, b.path);
	np_target_str(&b, buf2, sizeof(buf2));
	assert_string_equal(buf, buf2);
}

static void target_str_round_trips(void **state)
{
	(void)state;
	round_trip("example.com", "example.com:443");
	round_trip("example.com:8080", "example.com:8080");
	round_trip("192.0.2.1:22", "192.0.2.1:22");
	round_trip("[2001:db8::1]:8443", "[2001:db8::1]:8443");
	round_trip("2001:db8::1", "[2001:db8::1]:443");
	round_trip("https://h", "https://h:443/");
	round_trip("http://h", "http://h:80/");
	round_trip("https://h:8443/a/b?x=1", "https://h:8443/a/b?x=1");
	round_trip("http://[2001:db8::1]/x", "http://[2001:db8::1]:80/x");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_host_and_port_forms),
		cmocka_unit_test(parses_urls),
		cmocka_unit_test(accepts_longest_names),
		cmocka_unit_test(rejects_bad_targets),
		cmocka_unit_test(rejects_overlong_names),
		cmocka_unit_test(credentials_are_rejected_without_echo),
		cmocka_unit_test(long_query_is_kept_or_refused),
		cmocka_unit_test(target_str_round_trips),
	};

	return cmocka_run_group_tests_name("target", tests, NULL, NULL);
}
