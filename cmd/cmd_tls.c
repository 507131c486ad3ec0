/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "../netprobe/probe_tls.h"
#include "../netprobe/proxy_auth.h"

enum { OPT_PROXY = 0x300, OPT_CA, OPT_SNI, OPT_MIN_TLS, OPT_EXPECT_ISSUER, OPT_PROXY_AUTH, OPT_PROXY_KEYTAB,
       OPT_PROXY_USER, OPT_REVOCATION };

static const struct np_cmd_opt tls_opts[] = {
	{"proxy", required_argument, OPT_PROXY, "URL|auto|none|machine-config:FILE|pac:URL|pac:FILE", "probe through this HTTP proxy (repeat: each path probed; auto: the environment as curl reads it; machine-config: a .NET machine.config's defaultProxy; pac: the proxy a PAC file chooses per target, its PROXY entries tried in order)"},
	{"proxy-auth", required_argument, OPT_PROXY_AUTH, "negotiate|ntlm|basic|auto", "the proxy authentication scheme to use (auto: Negotiate, then NTLM, then Basic, among those offered with credentials)"},
	{"proxy-keytab", required_argument, OPT_PROXY_KEYTAB, "FILE", "Kerberos client keytab for Negotiate (the principal: the proxy URL's user, else the keytab's first)"},
	{"proxy-user", required_argument, OPT_PROXY_USER, "[DOMAIN\\]USER", "user for NTLM/Basic; the password from NETPROBE_PROXY_PASSWORD"},
	{"ca", required_argument, OPT_CA, "FILE", "trust these CA certificates instead of the system store"},
	{"sni", required_argument, OPT_SNI, "NAME", "send this name in the ClientHello and verify the certificate against it (TARGET: one address of its service)"},
	{"min-tls", required_argument, OPT_MIN_TLS, "1.0|1.1|1.2|1.3", "lowest acceptable protocol (default 1.2)"},
	{"expect-issuer", required_argument, OPT_EXPECT_ISSUER, "TEXT", "an acceptable issuer (substring; repeat): any other is tls.intercepted"},
	{"revocation", required_argument, OPT_REVOCATION, "off|on", "on: fetch each chain's CRLs, OCSP responders and caIssuers over the same path, as Windows does (default off)"},
	{0},
};

struct tls_cmd {
	struct np_tls_plan plan;
	struct np_pauth_conf auth;
	struct np_target *targets;
};

static int plan_tls(struct np_cmd_ctx *ctx, struct np_run *run, void *arg)
{
	struct tls_cmd *t = arg;
	char errbuf[NP_ERRBUF_SIZE];
	int err = np_tls_submit(run, &t->plan, errbuf);

	if (err < 0) {
		np_cmd_error(ctx, "%s", errbuf);
		return err == NP_EINVAL ? 2 : 3;
	}
	return 0;
}

/* The first proxy URL's user part: a Kerberos principal with --proxy-keytab. */
static const char *first_user(const struct np_tls_plan *p)
{
	for (size_t i = 0; i < p->n_paths; i++)
		if (!p->path_auto[i] && p->paths[i].user[0])
			return p->paths[i].user;
	return NULL;
}

static int tls_exec(struct np_cmd_ctx *ctx)
{
	struct tls_cmd *t = calloc(1, sizeof(*t));
	char errbuf[NP_ERRBUF_SIZE];
	size_t n = 0;
	int rc = 2;

	if (!t) {
		np_cmd_error(ctx, "out of memory");
		return 3;
	}
	t->plan.min_tls = 12;
	for (size_t i = 0; i < ctx->n_args; i++) {
		const char *a = ctx->args[i].arg;

		switch (ctx->args[i].val) {
		case OPT_PROXY:
			if (np_cmd_add_proxy(ctx, a, t->plan.paths, t->plan.path_auto, &t->plan.n_paths, NP_TLS_MAX_PATHS) < 0)
				goto out;
			break;
		case OPT_PROXY_AUTH:
		case OPT_PROXY_KEYTAB:
		case OPT_PROXY_USER:
			if (np_cmd_proxy_auth_opt(ctx, ctx->args[i].val == OPT_PROXY_AUTH ? "proxy-auth" :
						  ctx->args[i].val == OPT_PROXY_KEYTAB ? "proxy-keytab" : "proxy-user",
						  a, &t->auth) < 0)
				goto out;
			break;
		case OPT_CA:
			t->plan.ca_file = a;
			break;
		case OPT_SNI:
			if (np_hostname_check(a, errbuf) < 0) {
				np_cmd_error(ctx, "--sni '%s': %s", a, errbuf);
				goto out;
			}
			t->plan.sni = a;
			break;
		case OPT_MIN_TLS:
			if (strcmp(a, "1.0") && strcmp(a, "1.1") && strcmp(a, "1.2") && strcmp(a, "1.3")) {
				np_cmd_error(ctx, "--min-tls '%s': give 1.0, 1.1, 1.2 or 1.3", a);
				goto out;
			}
			t->plan.min_tls = 10 + (a[2] - '0');
			break;
		case OPT_EXPECT_ISSUER:
			if (t->plan.n_expect == NP_TLS_MAX_EXPECT) {
				np_cmd_error(ctx, "--expect-issuer: at most %d", NP_TLS_MAX_EXPECT);
				goto out;
			}
			t->plan.expect_issuer[t->plan.n_expect++] = a;
			break;
		case OPT_REVOCATION:
			if (strcmp(a, "on") && strcmp(a, "off")) {
				np_cmd_error(ctx, "--revocation '%s': give on or off", a);
				goto out;
			}
			t->plan.revocation = strcmp(a, "on") == 0;
			break;
		}
	}
	rc = np_cmd_parse_targets(ctx, 443, &t->targets, &n);
	if (rc)
		goto out;
	/* The CA file is read now, before privileges go. */
	if (np_tls_plan_ctx(&t->plan, errbuf) < 0) {
		np_cmd_error(ctx, "%s", errbuf);
		rc = 2;
		goto out;
	}
	t->plan.targets = t->targets;
	t->plan.n_targets = n;
	if (np_cmd_pac_prepare(ctx, t->plan.paths, t->plan.path_auto, t->plan.n_paths, t->targets, n) < 0) {
		rc = 2;
		goto out;
	}
	np_cmd_proxy_auth_prepare(ctx, &t->auth, first_user(&t->plan));
	rc = np_cmd_run(ctx, "tls", plan_tls, t);
out:
	np_tls_plan_release(&t->plan);
	free(t->targets);
	free(t);
	return rc;
}

const struct np_cmd_entry np_cmd_tls_entry = {
	.name = "tls",
	.usage = "[OPTIONS] TARGET... [--proxy URL|auto|none]... [--ca FILE] [--sni NAME] [--min-tls V] [--expect-issuer TEXT]...",
	.summary = "TLS handshake, chain and protocol per target and path (direct, proxies); SNI filtering, MTU black holes; plain HTTP",
	.help =
	"TARGET is host, host:port (443), https://host[:port]/path, or http://host[:port]/path\n"
	"for plain HTTP (a GET: any answer below 500 proves the server is reached). Every\n"
	"address of every target is probed over every path (--proxy, repeatable; none =\n"
	"direct), so one report compares direct and proxied results.\n"
	"\n"
	"Verdicts: tls.ok, tls.intercepted, tls.untrusted, tls.expired, tls.not_yet_valid,\n"
	"tls.hostname_mismatch, tls.old_protocol, tls.revoked, tls.incomplete_chain,\n"
	"tls.revocation_unreachable (these three with --revocation on), tls.alert, tls.reset_after_hello,\n"
	"tls.dropped_after_hello, path.mtu_blackhole, tls.failed, http.ok, http.error,\n"
	"proxy.auth_required, proxy.denied, proxy.failed, proxy.timeout, and tcp.*/dns.*.\n"
	"\n"
	"Example:\n"
	"  netprobe tls login.microsoftonline.com --proxy none --proxy http://proxy:3128 --pcap out.pcapng",
	.opts = tls_opts,
	.min_targets = 1,
	.max_targets = -1,
	.exec = tls_exec,
};
