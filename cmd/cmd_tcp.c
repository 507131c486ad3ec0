#include <stdlib.h>

#include "cmd.h"
#include "../netprobe/probe_tcp.h"

struct tcp_plan {
	struct np_target *targets;
	size_t n;
};

static int tcp_plan(struct np_cmd_ctx *ctx, struct np_run *run, void *arg)
{
	struct tcp_plan *p = arg;

	for (size_t i = 0; i < p->n; i++)
		if (np_tcp_submit(run, &p->targets[i]) < 0) {
			np_cmd_error(ctx, "out of memory");
			return 3;
		}
	return 0;
}

static int tcp_exec(struct np_cmd_ctx *ctx)
{
	struct tcp_plan p = {0};
	int rc;

	rc = np_cmd_parse_targets(ctx, 443, &p.targets, &p.n);
	if (rc)
		return rc;
	rc = np_cmd_run(ctx, "tcp", tcp_plan, &p);
	free(p.targets);
	return rc;
}

const struct np_cmd_entry np_cmd_tcp_entry = {
	.name = "tcp",
	.usage = "[OPTIONS] TARGET...",
	.summary = "TCP connect to every address of each target: open, refused, filtered, unreachable",
	.help =
	"TARGET is host, host:port, 1.2.3.4:port, [2001:db8::1]:port or an http(s):// URL\n"
	"(port 443 when none is given; 80 for http://). Names are resolved with the\n"
	"system's resolvers and every address is probed, in parallel.\n"
	"\n"
	"Verdicts: tcp.ok, tcp.refused (reset or ICMP port unreachable), tcp.filtered (no\n"
	"answer: silently dropped), tcp.unreachable (ICMP unreachable or prohibited), and\n"
	"dns.* when a name does not resolve.\n"
	"\n"
	"Example:\n"
	"  netprobe tcp login.example.com:443 198.51.100.7:22 --json report.json",
	.opts = NULL,
	.min_targets = 1,
	.max_targets = -1,
	.exec = tcp_exec,
};
