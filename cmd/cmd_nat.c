/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "../netprobe/probe_nat.h"
#include "../netprobe/rawsend.h"

enum { OPT_RESPONDER = 0x400, OPT_STUN, OPT_VIA, OPT_TOKEN };

static const struct np_cmd_opt nat_opts[] = {
	{"responder", required_argument, OPT_RESPONDER, "ADDR:PORT", "a netprobe responder: the source it saw over TCP and UDP"},
	{"stun", required_argument, OPT_STUN, "ADDR[:PORT]", "a STUN server (3478): the mapped address; with RFC 5780, mapping and filtering"},
	{"via", required_argument, OPT_VIA, "TARGET:PORT", "any TCP service past the suspected NAT: the quotes of a trace to it"},
	{"token", required_argument, OPT_TOKEN, "T", "the responder's shared token"},
	{0},
};

struct nat_cmd {
	struct np_nat_plan plan;
};

static int parse_one(struct np_cmd_ctx *ctx, const char *opt, const char *a, uint16_t port, struct np_target *t)
{
	char errbuf[NP_ERRBUF_SIZE];

	if (np_target_parse(a, port, t, errbuf) < 0 || t->scheme != NP_SCHEME_NONE) {
		np_cmd_error(ctx, "--%s '%s': %s", opt, a, t->scheme != NP_SCHEME_NONE ? "give host:port, not a URL" : errbuf);
		return 2;
	}
	return 0;
}

/* Still privileged: the raw sockets the quote method's trace needs. */
static int nat_prepare(struct np_cmd_ctx *ctx, void *arg)
{
	struct nat_cmd *c = arg;
	char errbuf[NP_ERRBUF_SIZE];
	int perm = 0;

	if (!c->plan.has_via)
		return 0;
	c->plan.trace.raw = np_rawsend_open(ctx->opts.interface, errbuf, &perm);
	if (!c->plan.trace.raw)
		snprintf(c->plan.trace.unavailable, sizeof(c->plan.trace.unavailable), perm ?
			 "the quote method sends crafted packets and needs CAP_NET_RAW: run as root, or: setcap "
			 "cap_net_raw+ep %.200s" : "%.200s", perm ? np_cmd_self_path() : errbuf);
	return 0;
}

static int nat_plan(struct np_cmd_ctx *ctx, struct np_run *run, void *arg)
{
	struct nat_cmd *c = arg;
	char errbuf[NP_ERRBUF_SIZE];

	if (np_nat_submit(run, &c->plan, errbuf) < 0) {
		np_cmd_error(ctx, "%s", errbuf);
		return 3;
	}
	return 0;
}

static int nat_exec(struct np_cmd_ctx *ctx)
{
	struct nat_cmd c;
	int rc;

	memset(&c, 0, sizeof(c));
	c.plan.trace.max_hops = 30;
	c.plan.trace.probes = 2;
	for (size_t i = 0; i < ctx->n_args; i++) {
		const char *a = ctx->args[i].arg;

		switch (ctx->args[i].val) {
		case OPT_RESPONDER:
			if ((rc = parse_one(ctx, "responder", a, 0, &c.plan.responder)))
				return rc;
			if (c.plan.responder.port == 0) {
				np_cmd_error(ctx, "--responder '%s': give the responder's port", a);
				return 2;
			}
			c.plan.has_responder = 1;
			break;
		case OPT_STUN:
			if ((rc = parse_one(ctx, "stun", a, 3478, &c.plan.stun)))
				return rc;
			c.plan.has_stun = 1;
			break;
		case OPT_VIA:
			if ((rc = parse_one(ctx, "via", a, 0, &c.plan.via)))
				return rc;
			if (c.plan.via.port == 0) {
				np_cmd_error(ctx, "--via '%s': give the service's port", a);
				return 2;
			}
			c.plan.has_via = 1;
			break;
		case OPT_TOKEN:
			if (np_cmd_check_token(ctx, a) < 0)
				return 2;
			c.plan.token = a;
			break;
		}
	}
	if (!c.plan.has_responder && !c.plan.has_stun && !c.plan.has_via) {
		np_cmd_error(ctx, "give at least one method: --responder, --stun or --via");
		return 2;
	}
	if (c.plan.has_via && ctx->no_capture) {
		np_cmd_error(ctx, "--via reads the routers' quotes from the packet capture: --no-capture cannot be used");
		return 2;
	}
	rc = np_cmd_run_prepared(ctx, "nat", nat_prepare, nat_plan, &c);
	np_rawsend_free(c.plan.trace.raw);
	return rc;
}

const struct np_cmd_entry np_cmd_nat_entry = {
	.name = "nat",
	.usage = "[OPTIONS] [--responder ADDR:PORT] [--stun ADDR[:PORT]] [--via TARGET:PORT]",
	.summary = "is this host's traffic translated on the way: a responder, a STUN server, the routers' quotes",
	.help =
	"Each method given is tried, at once: --responder (a netprobe responder reports the\n"
	"source address and port it saw, over TCP and UDP), --stun (a STUN server's mapped\n"
	"address; with a server of two addresses (RFC 5780) the NAT's mapping and filtering\n"
	"behaviour), --via (a trace to any TCP service past the suspected NAT: a source\n"
	"rewritten in the headers the routers quote shows from the hop after the NAT; a NAT\n"
	"that also translates the quotes, as Linux conntrack does, is invisible to it, and\n"
	"the quotes alone never conclude nat.none). One finding per method, and one overall\n"
	"naming which methods were tried and which agreed.\n"
	"\n"
	"Verdicts: nat.none, nat.detected (the sync service does not support NAT between the\n"
	"networks it joins), nat.undecided, nat.no_answer.\n"
	"\n"
	"Example:\n"
	"  netprobe nat --responder dc01.corp.example:7000 --stun stun.example.net",
	.opts = nat_opts,
	.min_targets = 0,
	.max_targets = 0,
	.exec = nat_exec,
};
