/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "../netprobe/probe_trace.h"
#include "../netprobe/rawsend.h"
#include "../netprobe/trace_result.h"

enum { OPT_MAX_HOPS = 0x400, OPT_PROBES, OPT_UDP };

static const struct np_cmd_opt trace_opts[] = {
	{"max-hops", required_argument, OPT_MAX_HOPS, "N", "highest TTL probed, 1 to 64 (default 30)"},
	{"probes", required_argument, OPT_PROBES, "N", "probes per hop, 1 to 10 (default 3)"},
	{"udp", no_argument, OPT_UDP, NULL, "UDP probes instead of TCP SYNs (the checksum tells them apart)"},
	{0},
};

struct trace_cmd {
	struct np_trace_plan plan;
	struct np_target *targets;
	size_t n;
};

/* Still privileged: the raw sockets the probes are sent on. Without them
 * every trace ends in a trace.error finding that says how to get them. */
static int trace_prepare(struct np_cmd_ctx *ctx, void *arg)
{
	struct trace_cmd *t = arg;

	t->plan.raw = np_cmd_open_raw(ctx, "a trace", t->plan.unavailable, sizeof(t->plan.unavailable));
	return 0;
}

static int trace_plan(struct np_cmd_ctx *ctx, struct np_run *run, void *arg)
{
	struct trace_cmd *t = arg;

	for (size_t i = 0; i < t->n; i++)
		if (np_trace_submit(run, &t->plan, &t->targets[i]) < 0) {
			np_cmd_error(ctx, "out of memory");
			return 3;
		}
	return 0;
}

static int trace_exec(struct np_cmd_ctx *ctx)
{
	struct trace_cmd t;
	long v;
	int rc;

	memset(&t, 0, sizeof(t));
	t.plan.max_hops = 30;
	t.plan.probes = 3;
	for (size_t i = 0; i < ctx->n_args; i++) {
		const char *a = ctx->args[i].arg;

		switch (ctx->args[i].val) {
		case OPT_MAX_HOPS:
			rc = np_cmd_parse_count(ctx, "max-hops", a, NP_TRACE_MAX_HOPS, NULL, &v);
			if (rc)
				return rc;
			t.plan.max_hops = (int)v;
			break;
		case OPT_PROBES:
			rc = np_cmd_parse_count(ctx, "probes", a, NP_TRACE_MAX_PROBES, NULL, &v);
			if (rc)
				return rc;
			t.plan.probes = (int)v;
			break;
		case OPT_UDP:
			t.plan.udp = 1;
			break;
		}
	}
	if (ctx->no_capture) {
		np_cmd_error(ctx, "a trace reads every answer from the packet capture: --no-capture cannot be used");
		return 2;
	}
	rc = np_cmd_parse_targets(ctx, 443, &t.targets, &t.n);
	if (rc)
		return rc;
	ctx->capture_required = 1;
	rc = np_cmd_run_prepared(ctx, "trace", trace_prepare, trace_plan, &t);
	np_rawsend_free(t.plan.raw);
	free(t.targets);
	return rc;
}

const struct np_cmd_entry np_cmd_trace_entry = {
	.name = "trace",
	.usage = "[OPTIONS] TARGET:PORT... [--max-hops N] [--probes N] [--udp]",
	.summary = "TCP SYN (or UDP) traceroute to the service port: hops, where the flow dies, which header fields hops rewrite",
	.help =
	"TARGET is host:port, 1.2.3.4:port or [2001:db8::1]:port (443 when no port is given).\n"
	"TTL-limited SYNs carrying a real client's options (MSS, SACK, timestamps, window\n"
	"scale) go to the service port, many at once, all with one 5-tuple (Paris\n"
	"traceroute) so that load balancers keep them on one path. ICMP time exceeded\n"
	"names each hop; the header it quotes shows what changed on the way (NAT, MSS\n"
	"clamping, options stripped, DSCP/ECN) and from which hop; fields a short quote\n"
	"does not reach are unknown. The target's SYN-ACK or reset ends the trace (a\n"
	"SYN-ACK is answered with a reset). Needs CAP_NET_RAW.\n"
	"\n"
	"Verdicts: trace.reached, trace.blocked_at_hop (the last hop that answered, and how\n"
	"the flow dies: silence, a reset placed by its TTL, ICMP prohibited), trace.max_hops,\n"
	"trace.modified, trace.error, and dns.* when a name does not resolve.\n"
	"\n"
	"Example:\n"
	"  netprobe trace login.example.com:443 --json trace.json --pcap trace.pcapng",
	.opts = trace_opts,
	.min_targets = 1,
	.max_targets = -1,
	.exec = trace_exec,
};
