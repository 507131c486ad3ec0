/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "../netprobe/probe_family.h"

struct family_cmd {
	struct np_family_plan plan;
	struct np_target *targets;
};

static int plan_family(struct np_cmd_ctx *ctx, struct np_run *run, void *arg)
{
	struct family_cmd *c = arg;
	char errbuf[NP_ERRBUF_SIZE];
	int err = np_family_submit(run, &c->plan, errbuf);

	if (err < 0) {
		np_cmd_error(ctx, "%s", errbuf);
		return 3;
	}
	return 0;
}

static int family_exec(struct np_cmd_ctx *ctx)
{
	struct family_cmd c = {0};
	size_t n = 0;
	int rc;

	if (ctx->opts.family != AF_UNSPEC) {
		np_cmd_error(ctx, "-4/-6 make no sense here: both families are the point");
		return 2;
	}
	if (ctx->n_targets) {
		rc = np_cmd_parse_targets(ctx, 443, &c.targets, &n);
		if (rc)
			return rc;
	}
	c.plan.targets = c.targets;
	c.plan.n_targets = n;
	rc = np_cmd_run(ctx, "family", plan_family, &c);
	free(c.targets);
	return rc;
}

const struct np_cmd_entry np_cmd_family_entry = {
	.name = "family",
	.usage = "[OPTIONS] [TARGET...]",
	.summary = "IPv4/IPv6 readiness: this host's global addresses and default routes, NAT64, and per target A/AAAA and a connect per family",
	.help =
	"This host: global addresses (kernel scope, not address range) and default routes per\n"
	"family, and a NAT64 prefix if the resolver synthesizes one for ipv4only.arpa (RFC 7050).\n"
	"Each TARGET (host or host:port, 443 by default): A and AAAA, then one TCP connect per\n"
	"family at once.\n"
	"\n"
	"Verdicts: family.dual_stack, family.ipv4_only, family.ipv6_only (fail: the service\n"
	"needs IPv4), family.nat64, family.ipv6_broken (AAAA and a route, but IPv6 fails or is\n"
	"far slower), family.unreachable, family.offline.\n"
	"\n"
	"Example:\n"
	"  netprobe family login.microsoftonline.com graph.microsoft.com",
	.opts = NULL,
	.min_targets = 0,
	.max_targets = -1,
	.exec = family_exec,
};
