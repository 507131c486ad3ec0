/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cmd.h"
#include "../netprobe/dns_answer.h"
#include "../netprobe/probe_dns.h"

enum { OPT_RESOLVER = 0x200, OPT_TYPE, OPT_DOMAIN, OPT_NETBIOS, OPT_INTERNAL, OPT_TCP };

static const struct np_cmd_opt dns_opts[] = {
	{"resolver", required_argument, OPT_RESOLVER, "ADDR[:PORT]", "test this resolver (repeat; default: each one in resolv.conf)"},
	{"type", required_argument, OPT_TYPE, "TYPE[,TYPE]", "A, AAAA, SRV, TXT, CNAME, MX, NS, SOA (default A,AAAA)"},
	{"domain", required_argument, OPT_DOMAIN, "AD_DOMAIN", "the AD domain: its DC SRV records and their addresses; names under it are internal"},
	{"netbios", required_argument, OPT_NETBIOS, "NAME", "the NetBIOS domain name, checked for a dot"},
	{"internal", required_argument, OPT_INTERNAL, "NAME", "an internal name (repeat): public names failing while these resolve is dns.no_external"},
	{"tcp", no_argument, OPT_TCP, NULL, "every query over TCP"},
	{0},
};

struct dns_cmd {
	struct np_dns_plan plan;
	char resolvers[NP_DNS_MAX_RESOLVERS][NP_TARGET_STR_MAX];
	const char **internal;
};

static int plan_dns(struct np_cmd_ctx *ctx, struct np_run *run, void *arg)
{
	struct dns_cmd *d = arg;
	char errbuf[NP_ERRBUF_SIZE];
	struct np_finding *f;

	if (d->plan.domain && !strchr(d->plan.domain, '.')) {
		f = np_finding_new("dns", d->plan.domain, "", "dns.single_label_domain");
		if (f)
			np_finding_summary(f, "the AD domain '%s' is a single-label name", d->plan.domain);
		np_run_finding(run, f);
	}
	if (d->plan.netbios && strchr(d->plan.netbios, '.')) {
		f = np_finding_new("dns", d->plan.netbios, "", "dns.netbios_dotted");
		if (f)
			np_finding_summary(f, "the NetBIOS domain name '%s' contains a dot", d->plan.netbios);
		np_run_finding(run, f);
	}
	if (np_dns_submit(run, &d->plan, errbuf) < 0) {
		np_cmd_error(ctx, "%s", errbuf);
		return 3;
	}
	return 0;
}

static int add_types(struct np_cmd_ctx *ctx, struct np_dns_plan *p, const char *list)
{
	char buf[128], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", list);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int type = np_dns_type_parse(t);

		if (type < 0) {
			np_cmd_error(ctx, "--type '%s': unknown type (A, AAAA, SRV, TXT, CNAME, MX, NS, SOA)", t);
			return 2;
		}
		if (p->n_types == NP_DNS_MAX_TYPES) {
			np_cmd_error(ctx, "--type: at most %d types", NP_DNS_MAX_TYPES);
			return 2;
		}
		p->types[p->n_types++] = type;
	}
	return 0;
}

static int check_name(struct np_cmd_ctx *ctx, const char *what, const char *name)
{
	char errbuf[NP_ERRBUF_SIZE];

	if (np_hostname_check(name, errbuf) < 0) {
		np_cmd_error(ctx, "%s '%s': %s", what, name, errbuf);
		return 2;
	}
	return 0;
}

static int dns_exec(struct np_cmd_ctx *ctx)
{
	struct dns_cmd *d = calloc(1, sizeof(*d));
	size_t n_internal = 0;
	int rc = 2;

	if (!d) {
		np_cmd_error(ctx, "out of memory");
		return 3;
	}
	d->internal = calloc(ctx->n_args + 1, sizeof(*d->internal));
	if (!d->internal) {
		np_cmd_error(ctx, "out of memory");
		rc = 3;
		goto out;
	}
	for (size_t i = 0; i < ctx->n_args; i++) {
		const char *a = ctx->args[i].arg;

		switch (ctx->args[i].val) {
		case OPT_RESOLVER: {
			struct np_target t;
			char errbuf[NP_ERRBUF_SIZE];

			if (d->plan.n_resolvers == NP_DNS_MAX_RESOLVERS) {
				np_cmd_error(ctx, "--resolver: at most %d", NP_DNS_MAX_RESOLVERS);
				goto out;
			}
			if (np_target_parse(a, 53, &t, errbuf) < 0 || t.scheme != NP_SCHEME_NONE) {
				np_cmd_error(ctx, "--resolver '%s': %s", a, t.scheme ? "not an address" : errbuf);
				goto out;
			}
			if (t.family == AF_UNSPEC) {
				np_cmd_error(ctx, "--resolver '%s': give an IP address, not a name", a);
				goto out;
			}
			np_target_str(&t, d->resolvers[d->plan.n_resolvers], NP_TARGET_STR_MAX);
			d->plan.resolvers[d->plan.n_resolvers] = d->resolvers[d->plan.n_resolvers];
			d->plan.n_resolvers++;
			break;
		}
		case OPT_TYPE:
			if (add_types(ctx, &d->plan, a))
				goto out;
			break;
		case OPT_DOMAIN:
			if (check_name(ctx, "--domain", a))
				goto out;
			d->plan.domain = a;
			break;
		case OPT_NETBIOS:
			d->plan.netbios = a;
			break;
		case OPT_INTERNAL:
			if (check_name(ctx, "--internal", a))
				goto out;
			d->internal[n_internal++] = a;
			break;
		case OPT_TCP:
			d->plan.tcp = 1;
			break;
		}
	}
	for (size_t i = 0; i < ctx->n_targets; i++)
		if (check_name(ctx, "name", ctx->targets[i]))
			goto out;
	if (ctx->n_targets == 0 && n_internal == 0 && !d->plan.domain) {
		np_cmd_error(ctx, "no name given");
		fprintf(stderr, "usage: netprobe dns %s\n", ctx->entry->usage);
		goto out;
	}
	if (d->plan.n_types == 0) {
		d->plan.types[0] = NP_DNS_A;
		d->plan.types[1] = NP_DNS_AAAA;
		d->plan.n_types = 2;
	}
	/* A query over UDP is two packets, four with a retransmission and a
	 * late answer: the ring holds that for every query in flight (a TCP
	 * exchange is about ten, the default's reckoning). */
	if (!d->plan.tcp)
		ctx->capture_packets = 4;
	d->plan.names = (const char *const *)ctx->targets;
	d->plan.n_names = ctx->n_targets;
	d->plan.internal = d->internal;
	d->plan.n_internal = n_internal;
	rc = np_cmd_run(ctx, "dns", plan_dns, d);
out:
	free(d->internal);
	free(d);
	return rc;
}

const struct np_cmd_entry np_cmd_dns_entry = {
	.name = "dns",
	.usage = "[OPTIONS] NAME... [--resolver ADDR[:PORT]]... [--type TYPE[,TYPE]] [--domain AD_DOMAIN]",
	.summary = "resolve names through each resolver: NXDOMAIN rewriting, split answers, TCP/53, DNS64",
	.help =
	"Every name is asked of every resolver separately (default: each one in\n"
	"resolv.conf), so each result belongs to one server. On every run each resolver\n"
	"also gets a name that cannot exist (NXDOMAIN rewriting) and AAAA ipv4only.arpa\n"
	"(DNS64, RFC 7050). A failure over UDP is retried to tell a truncated answer whose\n"
	"TCP retry failed (dns.tcp_blocked) from a dead resolver.\n"
	"\n"
	"Verdicts: dns.ok, dns.nxdomain, dns.nodata, dns.servfail, dns.refused,\n"
	"dns.timeout, dns.dropped_by_host, dns.unreachable, dns.nxdomain_rewritten,\n"
	"dns.inconsistent, dns.tcp_blocked, dns.dns64, dns.no_external,\n"
	"dns.single_label_domain, dns.netbios_dotted.\n"
	"\n"
	"Example:\n"
	"  netprobe dns login.microsoftonline.com --domain corp.example --resolver 10.0.0.53",
	.opts = dns_opts,
	.min_targets = 0,
	.max_targets = -1,
	.exec = dns_exec,
};
