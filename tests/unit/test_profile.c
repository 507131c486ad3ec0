/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Profiles: the shipped ones (the built-in from the compiled array, the
 * lab's from its file), short and long forms, defaults, --set variables,
 * every error form with its line and column, and the bounds. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netprobe/profile.h"

static char eb[NP_ERRBUF_SIZE];

static const char *profile_dir(void)
{
	const char *d = getenv("NP_PROFILES");

	return d && *d ? d : "fixtures/profiles";
}

/* Parse text as "t.yaml" with these --set pairs (NULL-terminated). */
static struct np_profile *parse_set(const char *text, const char *const *sets)
{
	struct np_vars *v = NULL;
	struct np_profile *p;
	size_t n = 0;

	while (sets && sets[n])
		n++;
	if (n) {
		v = np_vars_new(sets, n, eb);
		assert_non_null(v);
	}
	eb[0] = '\0';
	p = np_profile_parse(text, strlen(text), "t.yaml", v, eb);
	np_vars_free(v);
	return p;
}

static struct np_profile *parse(const char *text)
{
	return parse_set(text, NULL);
}

/* The parse succeeds. */
static struct np_profile *parse_ok(const char *text, const char *const *sets)
{
	struct np_profile *p = parse_set(text, sets);

	if (!p)
		fail_msg("%s", eb);
	return p;
}

/* The parse fails with exactly this message. */
static void fails(const char *text, const char *want)
{
	struct np_profile *p = parse(text);

	if (p)
		fail_msg("parsed, expected: %s", want);
	if (strcmp(eb, want) != 0)
		fail_msg("got  '%s'\nwant '%s'", eb, want);
}

static int has(const struct np_strv *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i], s) == 0)
			return 1;
	return 0;
}

static void builtin_aadconnect(void **state)
{
	static const char *const sets[] = {"ad_domain=corp.example", "dc=dc1.corp.example, dc2.corp.example",
					   "responder=198.51.100.7:7777", "proxy=http://198.51.100.8:3128", NULL};
	struct np_profile *p;
	const char *text;
	static const char *const want[] = {
		"external DNS", "cloud endpoints over TLS 1.2", "revocation over HTTP", "idle \u2265 300 s",
		"proxy idle > 5 min", "IPv4 available", "no NAT between forests", "domain controllers",
	};
	const char *sections[NP_PROFILE_MAX_CHECKS];
	size_t len = 0, tls = 0, dc_ports = 0, n_sections = 0;
	int seen[NP_CHECK_KINDS] = {0};

	(void)state;
	assert_string_equal(np_profile_builtin_name(0), "aadconnect");
	assert_null(np_profile_builtin_name(1));
	assert_null(np_profile_builtin("nope", &len));
	text = np_profile_builtin("aadconnect", &len);
	assert_non_null(text);
	assert_int_equal(strlen(text), len);
	p = np_profile_parse(text, len, "aadconnect.yaml", NULL, eb);
	if (!p)
		fail_msg("%s", eb);
	assert_string_equal(p->name, "aadconnect");
	assert_non_null(strstr(p->description, "Connect Health"));
	for (size_t i = 0; i < p->n_checks; i++) {
		const struct np_profile_check *c = &p->checks[i];

		seen[c->kind]++;
		assert_int_equal(c->expect, NP_EXPECT_ALLOW);
		assert_true(c->opt.timeout_s == 10);
		if (c->kind == NP_CHECK_TLS) {
			tls += c->targets.n;
			assert_true(has(&c->opt.expect_issuer, "Microsoft"));
			assert_true(has(&c->opt.expect_issuer, "DigiCert"));
			assert_string_equal(c->opt.min_tls, "1.2");
			assert_int_equal(c->opt.proxies.n, 1);
			assert_string_equal(c->opt.proxies.v[0], "auto");
			/* Windows checks revocation through the same path */
			assert_non_null(c->opt.revocation);
			assert_string_equal(c->opt.revocation, "on");
			if (has(&c->targets, "adhsprodweuehsazureservicebus.servicebus.windows.net:5671")) {
				assert_true(has(&c->targets, "adhsprodweuehsazureservicebus.servicebus.windows.net:443"));
				assert_false(c->required);
			}
			if (has(&c->targets, "cloudsync.msappproxy.net"))
				assert_false(c->required);
		}
		if (c->kind == NP_CHECK_HTTP) {
			for (size_t k = 0; k < c->targets.n; k++)
				assert_memory_equal(c->targets.v[k], "http://", 7);
			/* the fixed CRL/OCSP list is the fallback: it warns only */
			assert_false(c->required);
			assert_true(has(&c->targets, "http://www.microsoft.com/"));
			assert_true(has(&c->targets, "http://crl.d-trust.net/"));
		}
		if (c->kind == NP_CHECK_IDLE) {
			assert_int_equal(c->opt.idle_s, 300);
			assert_int_equal(c->opt.ladder.n, 6);
			assert_int_equal(c->opt.ladder.s[5], 360);
		}
		/* Without --set only the on-premises part, the responder and
		 * the proxy's own idle limit wait, each naming its variable. */
		if (c->skip)
			assert_true(strcmp(c->skip_var, "ad_domain") == 0 || strcmp(c->skip_var, "dc") == 0 ||
				    strcmp(c->skip_var, "responder") == 0 || strcmp(c->skip_var, "proxy") == 0);
		else
			assert_null(c->skip_var);
		/* Every check names the prerequisite it proves: the report's
		 * checklist, in the order Microsoft's list gives them. */
		assert_non_null(c->section);
		if (!n_sections || strcmp(sections[n_sections - 1], c->section) != 0)
			sections[n_sections++] = c->section;
	}
	for (int k = 0; k < NP_CHECK_KINDS; k++)
		if (k != NP_CHECK_TRACE)
			assert_true(seen[k] > 0);
	assert_int_equal(tls, 21);
	assert_int_equal(n_sections, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < n_sections; i++)
		assert_string_equal(sections[i], want[i]);
	assert_true(has(&p->checks[0].targets, "s1.adhybridhealth.azure.com"));
	assert_true(has(&p->checks[0].targets, "crl4.digicert.com"));
	np_profile_free(p);

	/* With the on-premises variables: the DC ports for every DC, and the
	 * idle check against the cloud gives way to the responder. */
	p = parse_ok(text, sets);
	for (size_t i = 0; i < p->n_checks; i++) {
		const struct np_profile_check *c = &p->checks[i];

		if (c->kind == NP_CHECK_IDLE && c->skip) {
			assert_int_equal(c->skip, NP_SKIP_UNLESS);
			assert_string_equal(c->skip_var, "responder");
			assert_string_equal(c->targets.v[0], "login.microsoftonline.com:443");
		} else {
			assert_int_equal(c->skip, NP_SKIP_NONE);
		}
		if (c->kind == NP_CHECK_TCP)
			dc_ports += c->targets.n;
		if (c->kind == NP_CHECK_DNS && c->opt.domain)
			assert_string_equal(c->opt.domain, "corp.example");
		if (c->kind == NP_CHECK_NAT)
			assert_string_equal(c->opt.responder, "198.51.100.7:7777");
	}
	assert_int_equal(dc_ports, 2 * 7);
	np_profile_free(p);

	/* --profile aadconnect finds it by name. */
	p = np_profile_load("aadconnect", NULL, eb);
	assert_non_null(p);
	np_profile_free(p);
}

static void lab_profile(void **state)
{
	static const char *const sets[] = {"lab_ca=/tmp/lab/pki/ca.pem"};
	struct np_vars *v = np_vars_new(sets, 1, eb);
	char path[512];
	struct np_profile *p;
	int seen[NP_CHECK_KINDS] = {0}, deny_pass = 0, deny_fail = 0, fail = 0, skip = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/lab.yaml", profile_dir());
	p = np_profile_load(path, v, eb);
	if (!p)
		fail_msg("%s", eb);
	assert_string_equal(p->name, "lab");
	assert_string_equal(p->defaults.ca, "/tmp/lab/pki/ca.pem");
	for (size_t i = 0; i < p->n_checks; i++) {
		const struct np_profile_check *c = &p->checks[i];

		seen[c->kind]++;
		if (c->kind == NP_CHECK_TLS || (c->kind == NP_CHECK_IDLE && !c->opt.tcp))
			assert_string_equal(c->opt.ca, "/tmp/lab/pki/ca.pem");
		if (c->kind == NP_CHECK_IDLE) {
			assert_int_equal(c->opt.idle_s, 4);
			assert_int_equal(c->opt.ladder.n, 4);
		}
		if (c->expect == NP_EXPECT_DENY && has(&c->tags, "lab-pass"))
			deny_pass++;
		if (c->expect == NP_EXPECT_DENY && has(&c->tags, "lab-fail"))
			deny_fail++;
		fail += has(&c->tags, "lab-fail");
		if (has(&c->tags, "lab-skip")) {
			skip++;
			assert_int_equal(c->skip, NP_SKIP_UNSET);
		} else {
			assert_int_equal(c->skip, NP_SKIP_NONE);
		}
	}
	for (int k = 0; k < NP_CHECK_KINDS; k++)
		assert_true(seen[k] > 0);
	assert_true(deny_pass >= 3);
	assert_true(deny_fail >= 1);
	assert_true(fail >= 5);
	assert_int_equal(skip, 4);
	assert_null(np_vars_unused(v));
	np_profile_free(p);
	np_vars_free(v);

	/* Without lab_ca every check that takes the CA from the defaults is
	 * skipped, naming it; the rest still runs. */
	snprintf(path, sizeof(path), "%s/lab.yaml", profile_dir());
	p = np_profile_load(path, NULL, eb);
	assert_non_null(p);
	for (size_t i = 0; i < p->n_checks; i++)
		if (p->checks[i].kind == NP_CHECK_TLS)
			assert_string_equal(p->checks[i].skip_var, "lab_ca");
	assert_int_equal(p->checks[0].skip, NP_SKIP_NONE);
	np_profile_free(p);
}

static void short_and_long_forms(void **state)
{
	struct np_profile *p;

	(void)state;
	p = parse_ok("name: forms\n"
		     "checks:\n"
		     "  - dns: [a.example, b.example]\n"
		     "  - dns: c.example\n"
		     "  - family:\n"
		     "  - tcp:\n"
		     "      targets: [\"a.example:22\", \"[2001:db8::1]:443\"]\n"
		     "      expect: deny\n"
		     "      required: false\n"
		     "      tags: [fw, \"matrix:1\"]\n"
		     "  - idle: {target: a.example, ladder: [300, 60, 60], tcp: false}\n"
		     "  - http: [crl.example, \"http://ocsp.example/x\"]\n"
		     "  - trace: {targets: [\"a.example:443\"], max_hops: 20, probes: 1, udp: true}\n", NULL);
	assert_int_equal(p->n_checks, 7);
	assert_int_equal(p->checks[0].targets.n, 2);
	assert_int_equal(p->checks[0].line, 3);
	assert_int_equal(p->checks[0].column, 5);
	assert_int_equal(p->checks[0].required, 1);
	assert_string_equal(p->checks[1].targets.v[0], "c.example");
	assert_int_equal(p->checks[2].kind, NP_CHECK_FAMILY);
	assert_int_equal(p->checks[2].targets.n, 0);
	assert_int_equal(p->checks[3].expect, NP_EXPECT_DENY);
	assert_int_equal(p->checks[3].required, 0);
	assert_string_equal(p->checks[3].targets.v[1], "[2001:db8::1]:443");
	assert_int_equal(p->checks[3].tags.n, 2);
	assert_string_equal(p->checks[3].tags.v[1], "matrix:1");
	assert_int_equal(p->checks[3].line, 6);
	/* the ladder sorted, duplicates gone, as netprobe idle has it */
	assert_int_equal(p->checks[4].opt.ladder.n, 2);
	assert_int_equal(p->checks[4].opt.ladder.s[0], 60);
	assert_int_equal(p->checks[4].opt.ladder.s[1], 300);
	assert_string_equal(p->checks[5].targets.v[0], "http://crl.example");
	assert_string_equal(p->checks[5].targets.v[1], "http://ocsp.example/x");
	assert_int_equal(p->checks[6].opt.max_hops, 20);
	assert_int_equal(p->checks[6].opt.probes, 1);
	assert_true(p->checks[6].opt.udp);
	assert_string_equal(p->description, "");
	np_profile_free(p);
}

static void proxies_list_or_one(void **state)
{
	struct np_profile *p;

	(void)state;
	p = parse_ok("name: px\n"
		     "defaults: {proxy: [none, auto, \"http://u:p%40ss@proxy.example:3128\"]}\n"
		     "checks:\n"
		     "  - tls: [a.example]\n"
		     "  - tls: {targets: [a.example], proxy: none}\n"
		     "  - idle: {target: a.example, proxy: [auto]}\n", NULL);
	assert_int_equal(p->checks[0].opt.proxies.n, 3);
	assert_string_equal(p->checks[0].opt.proxies.v[2], "http://u:p%40ss@proxy.example:3128");
	assert_int_equal(p->checks[1].opt.proxies.n, 1);
	assert_string_equal(p->checks[1].opt.proxies.v[0], "none");
	assert_int_equal(p->checks[2].opt.proxies.n, 1);
	assert_string_equal(p->checks[2].opt.proxies.v[0], "auto");
	np_profile_free(p);
	/* The password never reaches the message. */
	assert_null(parse("name: px\ndefaults: {proxy: \"ftp://u:secretpw@h\"}\nchecks: [{tcp: [a:1]}]\n"));
	assert_null(strstr(eb, "secretpw"));
	fails("name: px\ndefaults: {proxy: [a, b, c, d, e, f, g, h, i]}\nchecks: [{tcp: [a:1]}]\n",
	      "t.yaml:2:44: defaults.proxy[8]: more than 8 values");
}

/* proxy_auth, and the proxies a .NET machine.config or a PAC file names */
static void proxy_auth_pac_and_machine_config(void **state)
{
	struct np_profile *p;

	(void)state;
	p = parse_ok("name: px\n"
		     "defaults: {proxy: \"pac:http://pac.example/proxy.pac\", proxy_auth: negotiate}\n"
		     "checks:\n"
		     "  - tls: [a.example]\n"
		     "  - tls: {targets: [a.example], proxy: \"pac:/etc/proxy.pac\", proxy_auth: any}\n"
		     "  - idle: {target: a.example, proxy_auth: ntlm}\n"
		     "  - http: {targets: [\"http://a.example/\"], proxy_auth: basic}\n", NULL);
	assert_string_equal(p->checks[0].opt.proxies.v[0], "pac:http://pac.example/proxy.pac");
	assert_string_equal(p->checks[0].opt.proxy_auth, "negotiate");
	assert_string_equal(p->checks[1].opt.proxies.v[0], "pac:/etc/proxy.pac");
	assert_string_equal(p->checks[1].opt.proxy_auth, "any");
	assert_string_equal(p->checks[2].opt.proxy_auth, "ntlm");
	assert_string_equal(p->checks[3].opt.proxy_auth, "basic");
	np_profile_free(p);
	fails("name: x\ndefaults:\n  proxy_auth: kerberos\nchecks: [{tls: [a]}]\n",
	      "t.yaml:3:15: defaults.proxy_auth: 'kerberos': give negotiate, ntlm, basic or any");
	fails("name: x\nchecks:\n  - tcp: {targets: [a:1], proxy_auth: ntlm}\n",
	      "t.yaml:3:27: checks[0].tcp: 'proxy_auth' is not an option of tcp");
	fails("name: x\nchecks:\n  - tls: {targets: [a], proxy: \"pac:https://p/x.pac\"}\n",
	      "t.yaml:3:32: checks[0].tls.proxy: pac: only http:// URLs (or a file) are supported "
	      "(none, auto, http://[user:pass@]host:port, machine-config:FILE or pac:URL|FILE)");
	fails("name: x\nchecks:\n  - tls: {targets: [a], proxy: \"machine-config:/nonexistent/machine.config\"}\n",
	      "t.yaml:3:32: checks[0].tls.proxy: /nonexistent/machine.config: cannot be read "
	      "(none, auto, http://[user:pass@]host:port, machine-config:FILE or pac:URL|FILE)");
}

static void defaults_inherited_and_overridden(void **state)
{
	struct np_profile *p;

	(void)state;
	p = parse_ok("name: d\n"
		     "checks:\n"
		     "  - tls: [a.example]\n"
		     "  - tls: {targets: [a.example], ca: /other.pem, timeout: 0.5, expect_issuer: X}\n"
		     "  - tcp: [\"a.example:1\"]\n"
		     "  - dns: [a.example]\n"
		     "  - idle: {target: a.example, idle: 600}\n"
		     "defaults:\n"
		     "  ca: /ca.pem\n"
		     "  timeout: 7\n"
		     "  expect_issuer: [Lab]\n"
		     "  resolver: [\"198.19.4.53\", \"[2001:db8::53]:5353\"]\n"
		     "  idle: 300\n"
		     "  ladder: 120\n", NULL);
	/* Defaults given after the checks still apply. */
	assert_string_equal(p->checks[0].opt.ca, "/ca.pem");
	assert_true(p->checks[0].opt.timeout_s == 7);
	assert_string_equal(p->checks[0].opt.expect_issuer.v[0], "Lab");
	assert_string_equal(p->checks[1].opt.ca, "/other.pem");
	assert_true(p->checks[1].opt.timeout_s == 0.5);
	assert_string_equal(p->checks[1].opt.expect_issuer.v[0], "X");
	/* Only the options of a check's kind are inherited. */
	assert_null(p->checks[2].opt.ca);
	assert_int_equal(p->checks[2].opt.resolvers.n, 0);
	assert_true(p->checks[2].opt.timeout_s == 7);
	assert_int_equal(p->checks[3].opt.resolvers.n, 2);
	assert_null(p->checks[3].opt.ca);
	assert_int_equal(p->checks[4].opt.idle_s, 600);
	assert_int_equal(p->checks[4].opt.ladder.n, 1);
	assert_int_equal(p->checks[4].opt.ladder.s[0], 120);
	assert_int_equal(p->checks[4].opt.expect_issuer.n, 0);
	np_profile_free(p);
}

static void variables(void **state)
{
	static const char *const sets[] = {"dc=dc1.corp.example, dc2.corp.example,", "port=389", "t=2.5",
					   "r=a.example", "unused_one=1", "dc=dc3.corp.example,dc4.corp.example",
					   NULL};
	static const char *const bad[][2] = {
		{"nope", "--set 'nope': NAME=VALUE expected"},
		{"1x=a", "--set '1x=a': a name is letters, digits and '_', not first a digit"},
		{"a-b=c", "--set 'a-b=c': a name is letters, digits and '_', not first a digit"},
		{"=c", "--set '=c': a name is letters, digits and '_', not first a digit"},
		{"a=", "--set a: the value must be 1 to 1024 bytes"},
		{"a=x\ny", "--set a: a control character in the value"},
	};
	struct np_vars *v;
	struct np_profile *p;

	(void)state;
	p = parse_ok("name: v\n"
		     "checks:\n"
		     "  - tcp: [\"${dc}:${port}\", \"${dc}:636\"]\n"
		     "  - tcp: {targets: [\"a.example:1\"], timeout: \"${t}\"}\n"
		     "  - tcp: [\"${nope}:1\"]\n"
		     "  - tcp: {targets: [\"a.example:1\"], unless_set: r}\n"
		     "  - tcp: {targets: [\"a.example:1\"], unless_set: other}\n"
		     "  - tls: {targets: [\"${r}\"], sni: \"${sni_name}\"}\n"
		     "  - tls: {targets: [a.example], ca: \"/p$$t/$${HOME}/$x\"}\n",
		     sets);
	/* The last --set of a name wins; a list value gives one target per
	 * value, in order. */
	assert_int_equal(p->checks[0].targets.n, 4);
	assert_string_equal(p->checks[0].targets.v[0], "dc3.corp.example:389");
	assert_string_equal(p->checks[0].targets.v[1], "dc4.corp.example:389");
	assert_string_equal(p->checks[0].targets.v[3], "dc4.corp.example:636");
	assert_int_equal(p->checks[0].skip, NP_SKIP_NONE);
	assert_true(p->checks[1].opt.timeout_s == 2.5);
	/* unset: kept as written, skipped, naming the variable */
	assert_int_equal(p->checks[2].skip, NP_SKIP_UNSET);
	assert_string_equal(p->checks[2].skip_var, "nope");
	assert_string_equal(p->checks[2].targets.v[0], "${nope}:1");
	assert_int_equal(p->checks[3].skip, NP_SKIP_UNLESS);
	assert_string_equal(p->checks[3].skip_var, "r");
	assert_int_equal(p->checks[4].skip, NP_SKIP_NONE);
	assert_string_equal(p->checks[5].targets.v[0], "a.example");
	assert_string_equal(p->checks[5].skip_var, "sni_name");
	/* "$$" is a "$"; a "$" before anything but "{" stays as it is */
	assert_string_equal(p->checks[6].opt.ca, "/p$t/${HOME}/$x");
	assert_int_equal(p->checks[6].skip, NP_SKIP_NONE);
	np_profile_free(p);

	v = np_vars_new(sets, 6, eb);
	assert_non_null(v);
	{
		const char *t = "name: v\nchecks: [{tcp: [\"${dc}:1\"]}]\n";

		p = np_profile_parse(t, strlen(t), "v.yaml", v, eb);
	}
	assert_non_null(p);
	assert_string_equal(np_vars_unused(v), "port");
	np_profile_free(p);
	np_vars_free(v);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_null(np_vars_new(bad[i], 1, eb));
		assert_string_equal(eb, bad[i][1]);
	}

	/* A value checked once filled in: the target is still a target. */
	{
		static const char *const s2[] = {"h=bad host", NULL};

		assert_null(parse_set("name: v\nchecks: [{tcp: [\"${h}:1\"]}]\n", s2));
		assert_string_equal(eb, "t.yaml:2:17: checks[0].tcp[0]: 'bad host:1': invalid character ' ' in host name");
	}
}

/* Every error form, with the line and column of what is wrong. */
static void errors_name_file_line_column_and_key(void **state)
{
	(void)state;
	fails("name: lab\nchecks:\n  - tcp:\n      targets: [a:1]\n      expct: deny\n",
	      "t.yaml:5:7: checks[0].tcp: unknown key 'expct'");
	fails("name: x\nchecks:\n  - tcp: {targets: [a:1], ladder: [1]}\n",
	      "t.yaml:3:27: checks[0].tcp: 'ladder' is not an option of tcp");
	fails("name: x\nchecks:\n  - dns: [a]\n  - tcpp: [a]\n",
	      "t.yaml:4:5: checks[1]: unknown check kind 'tcpp' (dns, tcp, tls, http, idle, nat, family, trace)");
	fails("name: x\nchecks:\n  - tcp: [a:1]\n    required: false\n",
	      "t.yaml:4:5: checks[0]: key 'required' beside 'tcp': options go under tcp:, one check per item");
	fails("name: x\ndefaults:\n  timeout: fast\nchecks: [{tcp: [a:1]}]\n",
	      "t.yaml:3:12: defaults.timeout: 'fast': seconds above 0, at most 3600, expected");
	fails("name: x\ndefaults:\n  timeout: 0\nchecks: [{tcp: [a:1]}]\n",
	      "t.yaml:3:12: defaults.timeout: '0': seconds above 0, at most 3600, expected");
	fails("name: x\ndefaults:\n  timeout: [5]\nchecks: [{tcp: [a:1]}]\n",
	      "t.yaml:3:12: defaults.timeout: expected a number, not a list");
	fails("name: x\ndefaults:\n  proxy: {a: b}\nchecks: [{tcp: [a:1]}]\n",
	      "t.yaml:3:10: defaults.proxy: expected a list, not a mapping");
	fails("name: x\ndefaults:\n  sni: a\nchecks: [{tcp: [a:1]}]\n",
	      "t.yaml:3:3: defaults: 'sni' is set per check, not in defaults");
	fails("name: x\ndefaults: [a]\nchecks: [{tcp: [a:1]}]\n",
	      "t.yaml:2:11: defaults: expected a mapping, not a list");
	fails("name: x\nchecks:\n  - tcp:\n      targets: [a:1]\n      expect: maybe\n",
	      "t.yaml:5:15: checks[0].tcp.expect: expected allow or deny, not 'maybe'");
	fails("name: x\nchecks:\n  - idle: {target: a, expect: deny}\n",
	      "t.yaml:3:31: checks[0].idle.expect: idle checks cannot expect deny");
	fails("name: x\nchecks:\n  - tcp: {targets: [a:1], required: maybe}\n",
	      "t.yaml:3:37: checks[0].tcp.required: expected true or false, not 'maybe'");
	fails("name: x\nchecks:\n  - tcp:\n      targets: [a:1]\n      targets: [b:1]\n",
	      "t.yaml:5:7: checks[0].tcp: duplicate key 'targets'");
	fails("name: x\nchecks:\n  - tcp: {target: a:1, targets: [b:2]}\n",
	      "t.yaml:3:24: checks[0].tcp: 'target' and 'targets' both given");
	fails("name: x\nchecks:\n  - tcp: {target: [a:1]}\n",
	      "t.yaml:3:19: checks[0].tcp.target: expected one target, not a list");
	fails("name: x\nchecks:\n  - tcp: [[a:1]]\n", "t.yaml:3:11: checks[0].tcp[0]: expected a string, not a list");
	fails("name: x\nchecks:\n  - tcp\n",
	      "t.yaml:3:5: checks[0]: expected a mapping such as 'tcp: [host:port]', not a string");
	fails("name: x\nchecks:\n  - tcp: [a:1]\n    tls: [b]\n",
	      "t.yaml:4:5: checks[0]: key 'tls' beside 'tcp': options go under tcp:, one check per item");
	fails("name: x\nchecks:\n  - tcp:\n", "t.yaml:3:5: checks[0].tcp: no targets");
	fails("name: x\nchecks:\n  - dns: {}\n", "t.yaml:3:5: checks[0].dns: no names to look up (targets, or domain)");
	fails("name: x\nchecks:\n  - nat: {token: t}\n",
	      "t.yaml:3:5: checks[0].nat: needs a responder, a stun server or targets");
	fails("name: x\nchecks:\n  - idle: {target: \"http://a/\", tcp: true}\n",
	      "t.yaml:3:5: checks[0].idle: with tcp: true, targets are a responder's host:port, not URLs");
	fails("name: x\nchecks:\n  - trace: [a]\n", "t.yaml:3:13: checks[0].trace[0]: 'a': no port given");
	fails("name: x\nchecks:\n  - tls: [\"http://a/\"]\n",
	      "t.yaml:3:11: checks[0].tls[0]: 'http://a/': an http:// target belongs in an http check");
	fails("name: x\nchecks:\n  - http: [\"https://a/\"]\n",
	      "t.yaml:3:12: checks[0].http[0]: 'https://a/': an https:// target belongs in a tls check");
	fails("name: x\nchecks:\n  - tcp: [\"https://a/\"]\n",
	      "t.yaml:3:11: checks[0].tcp[0]: 'https://a/': tcp takes host[:port], not a URL");
	fails("name: x\nchecks:\n  - dns: [\"a b\"]\n",
	      "t.yaml:3:11: checks[0].dns[0]: 'a b': invalid character ' ' in host name");
	fails("name: x\nchecks:\n  - dns: {type: [XYZ], targets: [a]}\n",
	      "t.yaml:3:18: checks[0].dns.type[0]: 'XYZ': expected A, AAAA, SRV, TXT, CNAME, MX, NS or SOA");
	fails("name: x\nchecks:\n  - dns: {resolver: \"http://r/\", targets: [a]}\n",
	      "t.yaml:3:21: checks[0].dns.resolver: 'http://r/': host[:port], not a URL");
	fails("name: x\nchecks:\n  - tls: {targets: [a], min_tls: 1.4}\n",
	      "t.yaml:3:34: checks[0].tls.min_tls: '1.4': expected 1.0, 1.1, 1.2 or 1.3");
	fails("name: x\nchecks:\n  - idle: {target: a, ladder: [60, 0]}\n",
	      "t.yaml:3:36: checks[0].idle.ladder[1]: '0': seconds from 1 to 86400 expected");
	fails("name: x\nchecks:\n  - idle: {target: a, idle: -5}\n",
	      "t.yaml:3:29: checks[0].idle.idle: '-5': a whole number from 1 to 86400 expected");
	fails("name: x\nchecks:\n  - trace: {targets: [\"a:1\"], max_hops: 65}\n",
	      "t.yaml:3:41: checks[0].trace.max_hops: '65': a whole number from 1 to 64 expected");
	fails("name: x\nchecks:\n  - tcp: {targets: [\"a:1\"], tags: [\"bad tag\"]}\n",
	      "t.yaml:3:36: checks[0].tcp.tags[0]: tag 'bad tag': letters, digits and _.:- only");
	fails("name: x\nchecks:\n  - tcp: {targets: [\"a:1\"], tags: [\"${x}\"]}\n",
	      "t.yaml:3:36: checks[0].tcp.tags[0]: tag '${x}': letters, digits and _.:- only");
	fails("name: x\nchecks:\n  - tcp: {targets: [\"a:1\"], section: [a, b]}\n",
	      "t.yaml:3:38: checks[0].tcp.section: expected a heading, not a list");
	fails("name: x\nchecks:\n  - tcp: {targets: [\"a:1\"], section: \"\"}\n",
	      "t.yaml:3:38: checks[0].tcp.section: a heading of 1 to 120 bytes");
	fails("name: x\nchecks:\n  - tcp: {targets: [\"a:1\"], section: \"a\\tb\"}\n",
	      "t.yaml:3:38: checks[0].tcp.section: a control character in the heading");
	fails("name: x\nchecks:\n  - tcp:\n      targets: [a:1]\n      section: x\n      section: y\n",
	      "t.yaml:6:7: checks[0].tcp: duplicate key 'section'");
	fails("name: x\nchecks:\n  - tcp: {targets: [\"a:1\"], unless_set: \"no-t\"}\n",
	      "t.yaml:3:41: checks[0].tcp.unless_set: expected a variable name");
	fails("name: x\nchecks:\n  - tcp: [\"${dc:389\"]\n", "t.yaml:3:11: checks[0].tcp[0]: '${' without '}'");
	fails("name: x\nchecks:\n  - tcp: [\"${1x}:389\"]\n",
	      "t.yaml:3:11: checks[0].tcp[0]: bad variable name '${1x}'");
	/* the document */
	fails("nmae: x\n", "t.yaml:1:1: unknown key 'nmae'");
	fails("name: x\nname: y\n", "t.yaml:2:1: duplicate key 'name'");
	fails("name: x y\nchecks: [{tcp: [a:1]}]\n", "t.yaml:1:7: name: 1 to 64 letters, digits, '_', '.' or '-'");
	fails("checks: [{tcp: [a:1]}]\n", "t.yaml:1:1: missing key 'name'");
	fails("name: x\n", "t.yaml:1:1: missing key 'checks'");
	fails("name: x\nchecks: []\n", "t.yaml:1:1: no checks");
	fails("name: x\nchecks: {tcp: [a:1]}\n", "t.yaml:2:9: checks: expected a list of checks, not a mapping");
	fails("", "t.yaml:1:1: empty profile");
	fails("- a\n", "t.yaml:1:1: a profile is a mapping (name, description, defaults, checks), not a list");
	fails("name: x\nchecks: [{tcp: [a:1]}]\n---\nname: y\n", "t.yaml:3:1: one document per profile");
	fails("name: x\n[a]: b\n", "t.yaml:2:1: a key is a string, not a list");
	/* YAML the schema has no use for, and broken YAML */
	fails("name: x\nchecks:\n  - tcp: &a [a:1]\n  - tcp: *a\n", "t.yaml:4:10: aliases (*name) are not supported");
	fails("name: x\nchecks:\n  - tcp: !!seq [a:1]\n", "t.yaml:3:10: YAML tags (!name) are not supported");
	fails("name: x\nchecks: [\n", "t.yaml:3:1: YAML: did not find expected node content while parsing a flow node");
	fails("name: x\nchecks:\n  - tcp: [a:1, \"\xff\"]\n", "t.yaml:3:17: YAML: invalid leading UTF-8 octet");
	fails("name: x\nchecks:\n  - tcp: [\"a\\0b:1\"]\n", "t.yaml:3:11: checks[0].tcp[0]: a NUL byte in the value");
}

static void limits(void **state)
{
	size_t cap = NP_PROFILE_MAX_BYTES + 4096, n;
	char *big = malloc(cap);
	struct np_profile *p;

	(void)state;
	assert_non_null(big);
	/* NP_PROFILE_MAX_CHECKS checks, then one more */
	n = (size_t)snprintf(big, cap, "name: many\nchecks:\n");
	for (int i = 0; i < NP_PROFILE_MAX_CHECKS; i++)
		n += (size_t)snprintf(big + n, cap - n, "  - tcp: [\"a:%d\"]\n", i + 1);
	p = np_profile_parse(big, n, "many.yaml", NULL, eb);
	assert_non_null(p);
	assert_int_equal(p->n_checks, NP_PROFILE_MAX_CHECKS);
	np_profile_free(p);
	n += (size_t)snprintf(big + n, cap - n, "  - tcp: [\"a:1\"]\n");
	assert_null(np_profile_parse(big, n, "many.yaml", NULL, eb));
	assert_string_equal(eb, "many.yaml:259:5: checks[256]: more than 256 checks");

	/* NP_PROFILE_MAX_TARGETS targets in one check, then one more */
	n = (size_t)snprintf(big, cap, "name: wide\nchecks:\n  - tcp: [");
	for (int i = 0; i < NP_PROFILE_MAX_TARGETS; i++)
		n += (size_t)snprintf(big + n, cap - n, "%s\"a:%d\"", i ? ", " : "", i + 1);
	memcpy(big + n, "]\n", 3);
	p = np_profile_parse(big, n + 2, "wide.yaml", NULL, eb);
	assert_non_null(p);
	assert_int_equal(p->checks[0].targets.n, NP_PROFILE_MAX_TARGETS);
	np_profile_free(p);
	memcpy(big + n, ", \"b:1\"]\n", 10);
	assert_null(np_profile_parse(big, n + 9, "wide.yaml", NULL, eb));
	assert_non_null(strstr(eb, "checks[0].tcp[1024]: more than 1024 values"));

	/* A list variable that would give too many targets */
	{
		char *val = malloc(2000), *pair = malloc(2100);
		const char *sets[2];
		struct np_vars *v;
		size_t w = 0;

		for (int i = 0; i < 300; i++)
			w += (size_t)snprintf(val + w, 2000 - w, "%sh%d", i ? "," : "", i % 10);
		/* 1024 bytes at most: trim to a whole part */
		val[1000] = '\0';
		snprintf(pair, 2100, "h=%s", val);
		sets[0] = pair;
		sets[1] = "p=1,2,3,4,5";
		v = np_vars_new(sets, 2, eb);
		assert_non_null(v);
		const char *t = "name: x\nchecks: [{tcp: [\"${h}:${p}\"]}]\n";

		assert_null(np_profile_parse(t, strlen(t), "x.yaml", v, eb));
		assert_string_equal(eb, "x.yaml:2:17: checks[0].tcp[0]: its variables give more values than the "
				     "list takes");
		np_vars_free(v);
		free(val);
		free(pair);
	}

	/* Too large a file, too long a value, deep nesting */
	memset(big, ' ', cap);
	assert_null(np_profile_parse(big, NP_PROFILE_MAX_BYTES + 1, "huge.yaml", NULL, eb));
	assert_string_equal(eb, "huge.yaml: larger than 1048576 bytes");
	n = (size_t)snprintf(big, cap, "name: x\nchecks: [{tcp: [\"");
	memset(big + n, 'a', NP_PROFILE_MAX_VALUE + 1);
	n += NP_PROFILE_MAX_VALUE + 1;
	n += (size_t)snprintf(big + n, cap - n, "\"]}]\n");
	assert_null(np_profile_parse(big, n, "x.yaml", NULL, eb));
	assert_string_equal(eb, "x.yaml:2:17: checks[0].tcp[0]: longer than 4096 bytes");
	n = (size_t)snprintf(big, cap, "name: x\nchecks: ");
	memset(big + n, '[', 100000);
	n += 100000;
	assert_null(np_profile_parse(big, n, "x.yaml", NULL, eb));
	assert_string_equal(eb, "x.yaml:2:10: checks[0]: expected a mapping such as 'tcp: [host:port]', not a list");
	free(big);
}

static void loads_files_and_names(void **state)
{
	(void)state;
	assert_null(np_profile_load("no-such-profile", NULL, eb));
	assert_string_equal(eb, "no built-in profile 'no-such-profile' and no such file (netprobe run "
				"--list-profiles)");
	assert_null(np_profile_load("/nonexistent/p.yaml", NULL, eb));
	assert_string_equal(eb, "/nonexistent/p.yaml: No such file or directory");
	assert_string_equal(np_check_kind_name(NP_CHECK_HTTP), "http");
	assert_string_equal(np_check_kind_name(NP_CHECK_KINDS), "?");
	np_profile_free(NULL);
	np_vars_free(NULL);
	assert_null(np_vars_unused(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(builtin_aadconnect),
		cmocka_unit_test(lab_profile),
		cmocka_unit_test(short_and_long_forms),
		cmocka_unit_test(proxies_list_or_one),
		cmocka_unit_test(proxy_auth_pac_and_machine_config),
		cmocka_unit_test(defaults_inherited_and_overridden),
		cmocka_unit_test(variables),
		cmocka_unit_test(errors_name_file_line_column_and_key),
		cmocka_unit_test(limits),
		cmocka_unit_test(loads_files_and_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
