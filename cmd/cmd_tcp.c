/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "../netprobe/capture.h"
#include "../netprobe/probe_syn.h"
#include "../netprobe/probe_tcp.h"
#include "../netprobe/rawsend.h"

enum { OPT_SYN = 0x400, OPT_RATE };

static const struct np_cmd_opt tcp_opts[] = {
	{"syn", no_argument, OPT_SYN, NULL, "half-open sweep with raw SYNs: targets may carry port lists (host:1-1024,8443)"},
	{"rate", required_argument, OPT_RATE, "N", "with --syn: SYNs per second, all targets together (default 20000)"},
	{0},
};

/* A SYN sweep sends every port of its targets as crafted SYNs and reads
 * the answers from a capture that holds only its own packets. */
#define SYN_SNAPLEN 256
#define SYN_CAPTURE_BUFFER (32 << 20)

struct tcp_plan {
	struct np_target *targets;
	struct np_portset *ports;    /* --syn: each target's ports */
	size_t n;
	int syn;
	struct np_syn_plan sp;
	char filter[64];
};

static int tcp_plan(struct np_cmd_ctx *ctx, struct np_run *run, void *arg)
{
	struct tcp_plan *p = arg;

	for (size_t i = 0; i < p->n; i++) {
		int err = p->syn ? np_syn_submit(run, &p->sp, ctx->targets[i], &p->targets[i], &p->ports[i]) :
			  np_tcp_submit(run, &p->targets[i]);

		if (err < 0) {
			np_cmd_error(ctx, "out of memory");
			return 3;
		}
	}
	return 0;
}

/* Still privileged: the raw sockets and the source port of the sweep,
 * and the capture narrowed to that port. Without them every sweep ends
 * in a tcp.error finding that says how to get them. */
static int syn_prepare(struct np_cmd_ctx *ctx, void *arg)
{
	struct tcp_plan *p = arg;
	char errbuf[NP_ERRBUF_SIZE];

	p->sp.raw = np_cmd_open_raw(ctx, "a SYN sweep", p->sp.unavailable, sizeof(p->sp.unavailable));
	if (!p->sp.raw)
		return 0;
	if (np_syn_reserve_port(&p->sp, errbuf) < 0) {
		snprintf(p->sp.unavailable, sizeof(p->sp.unavailable), "%s", errbuf);
		np_rawsend_free(p->sp.raw);
		p->sp.raw = NULL;
		return 0;
	}
	np_syn_capture_filter(&p->sp, p->filter, sizeof(p->filter));
	ctx->capture_filter = p->filter;
	return 0;
}

static int tcp_exec(struct np_cmd_ctx *ctx)
{
	struct tcp_plan p;
	unsigned rate = NP_SYN_RATE_DEFAULT;
	int rc, rate_given = 0;
	long v;

	memset(&p, 0, sizeof(p));
	for (size_t i = 0; i < ctx->n_args; i++) {
		if (ctx->args[i].val == OPT_SYN)
			p.syn = 1;
		if (ctx->args[i].val == OPT_RATE) {
			rc = np_cmd_parse_count(ctx, "rate", ctx->args[i].arg, NP_SYN_RATE_MAX, "of SYNs per second",
						&v);
			if (rc)
				return rc;
			rate = (unsigned)v;
			rate_given = 1;
		}
	}
	if (rate_given && !p.syn) {
		np_cmd_error(ctx, "--rate paces the SYNs of a sweep: it needs --syn");
		return 2;
	}
	if (!p.syn) {
		rc = np_cmd_parse_targets(ctx, 443, &p.targets, &p.n);
		if (rc)
			return rc;
		/* A connect reads flags, TTLs and ICMP quotes, never payload. */
		ctx->capture_snaplen = NP_CAPTURE_SNAP_HEADERS;
		rc = np_cmd_run(ctx, "tcp", tcp_plan, &p);
		free(p.targets);
		return rc;
	}
	if (ctx->no_capture) {
		np_cmd_error(ctx, "a SYN sweep reads every answer from the packet capture: --no-capture cannot be used");
		return 2;
	}
	rc = np_cmd_parse_targets_ports(ctx, 443, &p.targets, &p.ports, &p.n);
	if (rc)
		return rc;
	np_syn_plan_init(&p.sp, rate);
	ctx->capture_required = 1;
	ctx->capture_snaplen = SYN_SNAPLEN;
	ctx->capture_buffer = SYN_CAPTURE_BUFFER;
	rc = np_cmd_run_prepared(ctx, "tcp", syn_prepare, tcp_plan, &p);
	np_syn_plan_close(&p.sp);
	free(p.targets);
	free(p.ports);
	return rc;
}

const struct np_cmd_entry np_cmd_tcp_entry = {
	.name = "tcp",
	.usage = "[OPTIONS] TARGET...  (--syn [--rate N] TARGET[:PORTS]...)",
	.summary = "TCP connect to every address of each target: open, refused, filtered, unreachable; --syn sweeps port ranges half-open",
	.help =
	"TARGET is host, host:port, 1.2.3.4:port, [2001:db8::1]:port or an http(s):// URL\n"
	"(port 443 when none is given; 80 for http://). Names are resolved with the\n"
	"system's resolvers and every address is probed, in parallel.\n"
	"\n"
	"Verdicts: tcp.ok, tcp.refused (reset or ICMP port unreachable), tcp.filtered (no\n"
	"answer: silently dropped), tcp.unreachable (ICMP unreachable or prohibited), and\n"
	"dns.* when a name does not resolve.\n"
	"\n"
	"With --syn, a half-open sweep for firewall rule checks: PORTS is a list of ports\n"
	"and ranges (host:22,80,443  host:1-65535  [2001:db8::1]:1-1024). Raw SYNs from one\n"
	"source port, paced at --rate, one retransmission for silent ports; SYN-ACKs are\n"
	"answered with a reset. Per address one tcp.sweep finding with the counts and port\n"
	"ranges of each state (open, closed, filtered, rejected, unreachable), plus one\n"
	"tcp.ok finding per open port and one tcp.rejected per port a device on the path\n"
	"refuses. Needs CAP_NET_RAW and the capture.\n"
	"\n"
	"Examples:\n"
	"  netprobe tcp login.example.com:443 198.51.100.7:22 --json report.json\n"
	"  netprobe tcp --syn 198.51.100.7:1-65535 --rate 50000 --json sweep.json",
	.opts = tcp_opts,
	.min_targets = 1,
	.max_targets = -1,
	.exec = tcp_exec,
};
