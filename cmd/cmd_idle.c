/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "../netprobe/proxy_auth.h"
#include "../netprobe/probe_idle.h"

enum { OPT_IDLE = 0x300, OPT_LADDER, OPT_PROXY, OPT_TCP, OPT_CA, OPT_SNI, OPT_TOKEN, OPT_CONNS, OPT_PROXY_AUTH,
       OPT_PROXY_KEYTAB, OPT_PROXY_USER, OPT_REVOCATION };

static const struct np_cmd_opt idle_opts[] = {
	{"idle", required_argument, OPT_IDLE, "SECONDS", "the silence a connection must survive (default 300)"},
	{"ladder", required_argument, OPT_LADDER, "S1,S2,...", "the silences tried, one connection each, all at once (default " NP_IDLE_DEFAULT_LADDER ")"},
	{"proxy", required_argument, OPT_PROXY, "URL|auto|none|machine-config:FILE|pac:URL|pac:FILE", "through this HTTP proxy (repeat: each path probed; auto: the environment as curl reads it; machine-config: a .NET machine.config's defaultProxy; pac: the proxy a PAC file chooses)"},
	{"proxy-auth", required_argument, OPT_PROXY_AUTH, "negotiate|ntlm|basic|auto", "the proxy authentication scheme to use (auto: Negotiate, then NTLM, then Basic, among those offered with credentials)"},
	{"proxy-keytab", required_argument, OPT_PROXY_KEYTAB, "FILE", "Kerberos client keytab for Negotiate (the principal: the proxy URL's user, else the keytab's first)"},
	{"proxy-user", required_argument, OPT_PROXY_USER, "[DOMAIN\\]USER", "user for NTLM/Basic; the password from NETPROBE_PROXY_PASSWORD"},
	{"tcp", no_argument, OPT_TCP, NULL, "plain TCP to a netprobe responder (its echo) instead of TLS and HTTP"},
	{"ca", required_argument, OPT_CA, "FILE", "trust these CA certificates instead of the system store"},
	{"sni", required_argument, OPT_SNI, "NAME", "send this name in the ClientHello and verify the certificate against it (TARGET: one address of its service)"},
	{"revocation", required_argument, OPT_REVOCATION, "off|on", "on: the chain's CRLs, OCSP responders and caIssuers fetched over each path, as tls --revocation on does; reported beside the silence (default off)"},
	{"token", required_argument, OPT_TOKEN, "T", "the responder's shared token (with --tcp)"},
	{"conns", required_argument, OPT_CONNS, "N", "connections per rung (default 1): paths that differ per flow (ECMP, load balancers) show as a share lost"},
	{0},
};

struct idle_cmd {
	struct np_pauth_conf auth;
	struct np_idle_plan plan;
	struct np_target *targets;
	char shown[NP_TARGET_STR_MAX];
};

static int plan_idle(struct np_cmd_ctx *ctx, struct np_run *run, void *arg)
{
	struct idle_cmd *c = arg;
	char errbuf[NP_ERRBUF_SIZE];
	int err = np_idle_submit(run, &c->plan, errbuf);

	if (err < 0) {
		np_cmd_error(ctx, "%s", errbuf);
		return err == NP_EINVAL ? 2 : 3;
	}
	return 0;
}

/* Every connection is open at once: the descriptors must be there. */
static int enough_files(struct np_cmd_ctx *ctx, size_t n)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && n + 64 > rl.rlim_cur) {
		np_cmd_error(ctx, "%zu connections at once need as many open files; the limit is %llu (ulimit -n)",
			     n, (unsigned long long)rl.rlim_cur);
		return -1;
	}
	return 0;
}

static int parse_seconds(struct np_cmd_ctx *ctx, const char *a, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(a, &end, 10);
	if (errno || *end || a[0] < '0' || a[0] > '9' || v < 1 || v > NP_IDLE_MAX_S) {
		np_cmd_error(ctx, "--idle '%s': give seconds from 1 to %d", a, NP_IDLE_MAX_S);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

static int idle_exec(struct np_cmd_ctx *ctx)
{
	struct idle_cmd *c = calloc(1, sizeof(*c));
	char errbuf[NP_ERRBUF_SIZE];
	size_t n = 0;
	int rc = 2;

	if (!c) {
		np_cmd_error(ctx, "out of memory");
		return 3;
	}
	c->plan.required_s = NP_IDLE_DEFAULT_REQUIRED;
	np_idle_parse_ladder(NP_IDLE_DEFAULT_LADDER, &c->plan, errbuf);
	for (size_t i = 0; i < ctx->n_args; i++) {
		const char *a = ctx->args[i].arg;

		switch (ctx->args[i].val) {
		case OPT_IDLE:
			if (parse_seconds(ctx, a, &c->plan.required_s) < 0)
				goto out;
			break;
		case OPT_LADDER:
			if (np_idle_parse_ladder(a, &c->plan, errbuf) < 0) {
				np_cmd_error(ctx, "--ladder '%s': %s", a, errbuf);
				goto out;
			}
			break;
		case OPT_PROXY_AUTH:
		case OPT_PROXY_KEYTAB:
		case OPT_PROXY_USER:
			if (np_cmd_proxy_auth_opt(ctx, ctx->args[i].val == OPT_PROXY_AUTH ? "proxy-auth" :
						  ctx->args[i].val == OPT_PROXY_KEYTAB ? "proxy-keytab" : "proxy-user",
						  a, &c->auth) < 0)
				goto out;
			break;
		case OPT_PROXY:
			if (np_cmd_add_proxy(ctx, a, c->plan.paths, c->plan.path_auto, &c->plan.n_paths, NP_IDLE_MAX_PATHS) < 0)
				goto out;
			break;
		case OPT_TCP:
			c->plan.tcp = 1;
			break;
		case OPT_CA:
			c->plan.ca_file = a;
			break;
		case OPT_REVOCATION:
			if (strcmp(a, "on") && strcmp(a, "off")) {
				np_cmd_error(ctx, "--revocation '%s': give on or off", a);
				goto out;
			}
			c->plan.revocation = strcmp(a, "on") == 0;
			break;
		case OPT_SNI:
			if (np_hostname_check(a, errbuf) < 0) {
				np_cmd_error(ctx, "--sni '%s': %s", a, errbuf);
				goto out;
			}
			c->plan.sni = a;
			break;
		case OPT_CONNS: {
			char *end;
			unsigned long v;

			errno = 0;
			v = strtoul(a, &end, 10);
			if (errno || *end || a[0] < '0' || a[0] > '9' || v < 1 || v > NP_IDLE_MAX_CONNS) {
				np_cmd_error(ctx, "--conns '%s': give a number from 1 to %d", a, NP_IDLE_MAX_CONNS);
				goto out;
			}
			c->plan.conns = (unsigned)v;
			break;
		}
		case OPT_TOKEN:
			if (np_cmd_check_token(ctx, a) < 0)
				goto out;
			c->plan.token = a;
			break;
		}
	}
	rc = np_cmd_parse_targets(ctx, 443, &c->targets, &n);
	if (rc)
		goto out;
	c->plan.target = c->targets[0];
	if (c->plan.tcp && c->plan.target.scheme != NP_SCHEME_NONE) {
		np_cmd_error(ctx, "--tcp: give the responder as host:port, not a URL");
		rc = 2;
		goto out;
	}
	{
		size_t paths = c->plan.n_paths ? c->plan.n_paths : 1;
		size_t total = paths * c->plan.n_rungs * (c->plan.conns ? c->plan.conns : 1);

		if (total > NP_IDLE_MAX_CONNS) {
			np_cmd_error(ctx, "%zu connections (paths x rungs x --conns): at most %d", total, NP_IDLE_MAX_CONNS);
			rc = 2;
			goto out;
		}
		if (enough_files(ctx, total) < 0) {
			rc = 2;
			goto out;
		}
		/* All at once, whatever --parallel says: the bracket is one silence. */
		if (ctx->opts.parallel < total + paths)
			ctx->opts.parallel = (unsigned)(total + paths);
		/* Their handshakes come in one burst: the capture's ring holds it. */
		ctx->capture_probes = total + paths;
	}
	c->plan.target_str = np_target_str(&c->plan.target, c->shown, sizeof(c->shown));
	/* The CA file is read now, before privileges go. */
	if (np_idle_plan_ctx(&c->plan, errbuf) < 0) {
		np_cmd_error(ctx, "%s", errbuf);
		rc = 2;
		goto out;
	}
	{
		const char *principal = NULL;

		for (size_t k = 0; k < c->plan.n_paths && !principal; k++)
			if (!c->plan.path_auto[k] && c->plan.paths[k].user[0])
				principal = c->plan.paths[k].user;
		np_cmd_proxy_auth_prepare(ctx, &c->auth, principal);
	}
	if (np_cmd_pac_prepare(ctx, c->plan.paths, c->plan.path_auto, c->plan.n_paths, &c->plan.target, 1) < 0) {
		rc = 2;
		goto out;
	}
	rc = np_cmd_run(ctx, "idle", plan_idle, c);
out:
	np_idle_plan_release(&c->plan);
	free(c->targets);
	free(c);
	return rc;
}

const struct np_cmd_entry np_cmd_idle_entry = {
	.name = "idle",
	.usage = "[OPTIONS] TARGET [--idle SECONDS] [--ladder S1,S2,...] [--proxy URL|auto|none]... [--tcp] [--ca FILE] [--sni NAME] [--revocation off|on]",
	.summary = "does a connection survive minutes of silence through firewalls and proxies; who ended it, when",
	.help =
	"One connection per rung of the ladder, all opened at once (the bracket costs the longest\n"
	"rung): connect (TLS by default, through the proxy when given), one small request and\n"
	"answer, then silence for the rung's seconds (from the connection's last packet on the\n"
	"wire), then a request that must be answered within --timeout. A FIN or reset during the\n"
	"silence is timed when it comes. TARGET is host[:port] (443), https://host[:port]/path,\n"
	"http://host[:port]/path, or with --tcp a netprobe responder's host:port.\n"
	"\n"
	"Verdicts per rung and overall: idle.survived, idle.dropped, idle.reset_by_path,\n"
	"idle.reset, idle.closed_by_peer, idle.closed_by_proxy, idle.no_connection.\n"
	"The overall finding fails when the network lost a rung at or below --idle.\n"
	"\n"
	"Example:\n"
	"  netprobe idle login.microsoftonline.com --proxy none --proxy http://proxy:3128 --pcap idle.pcapng",
	.opts = idle_opts,
	.min_targets = 1,
	.max_targets = 1,
	.exec = idle_exec,
};
