/* SPDX-License-Identifier: GPL-3.0-or-later */
/* netprobe responder: a server, not a check. It produces no findings, so it
 * has its own small exec instead of np_cmd_run: read the TLS files, bind,
 * drop privileges, serve on the loop until SIGINT/SIGTERM, then say what it
 * served. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "cmd.h"
#include "../netprobe/addr.h"
#include "../netprobe/loop.h"
#include "../netprobe/npr.h"
#include "../netprobe/privdrop.h"
#include "../netprobe/responder.h"
#include "../tls/tls.h"

enum { OPT_LISTEN = 0x200, OPT_TLS, OPT_TOKEN, OPT_MAX_CONNS, OPT_RATE };

#define DEFAULT_MAX_CONNS 4096
#define DEFAULT_RATE 100
#define MAX_COUNT 1000000
/* Descriptors besides the connections: stdio, the two sockets, epoll,
 * signalfd, and room for the libraries' own. */
#define FD_RESERVE 32

static const struct np_cmd_opt responder_opts[] = {
	{"listen", required_argument, OPT_LISTEN, "ADDR:PORT", "serve TCP and UDP on this address and port ([::]:PORT: both families)"},
	{"tls", required_argument, OPT_TLS, "CERT KEY", "TCP connections may also be TLS: certificate chain and key files (PEM)"},
	{"token", required_argument, OPT_TOKEN, "T", "every request must carry token=T (HTTP: ?token=T)"},
	{"max-conns", required_argument, OPT_MAX_CONNS, "N", "TCP connections held at once (default 4096); more are told busy"},
	{"rate", required_argument, OPT_RATE, "N", "new TCP connections and UDP requests a second per source address (default 100, burst N)"},
	{0},
};

struct responder_cmd {
	struct np_responder_opts o;
	const char *listen, *cert, *key;
	int signo;
	struct np_loop *loop;
};

static int parse_count(struct np_cmd_ctx *ctx, const char *opt, const char *s, unsigned *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > MAX_COUNT) {
		np_cmd_error(ctx, "--%s '%s': not a number from 1 to %d", opt, s, MAX_COUNT);
		return 2;
	}
	*out = (unsigned)v;
	return 0;
}

static int check_token(struct np_cmd_ctx *ctx, const char *t)
{
	size_t n = strlen(t);

	for (size_t i = 0; i < n; i++)
		if (t[i] <= ' ' || t[i] > '~' || t[i] == '&') {
			np_cmd_error(ctx, "--token: printable ASCII only, without spaces or '&'");
			return 2;
		}
	if (n == 0 || n > NP_NPR_TOKEN_MAX) {
		np_cmd_error(ctx, "--token: 1 to %d bytes", NP_NPR_TOKEN_MAX);
		return 2;
	}
	return 0;
}

/* Options into d; KEY of --tls CERT KEY is the one word left over. */
static int parse_opts(struct np_cmd_ctx *ctx, struct responder_cmd *d)
{
	int rc = 0;

	d->o.max_conns = DEFAULT_MAX_CONNS;
	d->o.rate = DEFAULT_RATE;
	if (ctx->json_path || ctx->junit_path || ctx->pcap_path) {
		np_cmd_error(ctx, "--%s: the responder writes no report", ctx->json_path ? "json" :
			     ctx->junit_path ? "junit" : "pcap");
		return 2;
	}
	for (size_t i = 0; i < ctx->n_args && rc == 0; i++) {
		const char *a = ctx->args[i].arg;

		switch (ctx->args[i].val) {
		case OPT_LISTEN: d->listen = a; break;
		case OPT_TLS: d->cert = a; break;
		case OPT_TOKEN:
			rc = check_token(ctx, a);
			d->o.token = a;
			break;
		case OPT_MAX_CONNS: rc = parse_count(ctx, "max-conns", a, &d->o.max_conns); break;
		case OPT_RATE: rc = parse_count(ctx, "rate", a, &d->o.rate); break;
		}
	}
	if (rc)
		return rc;
	if (!d->listen) {
		np_cmd_error(ctx, "--listen ADDR:PORT is required");
		fprintf(stderr, "usage: netprobe responder %s\n", ctx->entry->usage);
		return 2;
	}
	if (np_addr_parse_port(d->listen, &d->o.listen) < 0) {
		np_cmd_error(ctx, "--listen '%s': not ADDR:PORT (198.51.100.7:7000, [2001:db8::7]:7000, "
			     "[::]:7000; port 1-65535)", d->listen);
		return 2;
	}
	if (d->cert && ctx->n_targets == 0) {
		np_cmd_error(ctx, "--tls needs two files: --tls CERT KEY");
		return 2;
	}
	if (ctx->n_targets > (d->cert ? 1u : 0u)) {
		np_cmd_error(ctx, "unexpected argument '%s'", ctx->targets[d->cert ? 1 : 0]);
		fprintf(stderr, "usage: netprobe responder %s\n", ctx->entry->usage);
		return 2;
	}
	d->key = d->cert ? ctx->targets[0] : NULL;
	return 0;
}

/* Every connection is a descriptor: raise the soft limit as far as the
 * hard one allows, and serve no more connections than that leaves room for. */
static void fit_fd_limit(struct np_cmd_ctx *ctx, unsigned *max_conns)
{
	const unsigned asked = *max_conns;
	const rlim_t need = (rlim_t)asked + NP_RESPONDER_MAX_CLOSING + FD_RESERVE;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
		return;
	if (rl.rlim_cur <= NP_RESPONDER_MAX_CLOSING + FD_RESERVE + 1)
		*max_conns = 1;
	else
		*max_conns = (unsigned)(rl.rlim_cur - NP_RESPONDER_MAX_CLOSING - FD_RESERVE);
	np_cmd_error(ctx, "--max-conns %u: the open-file limit (ulimit -n, raised to its hard limit) is "
		     "%llu: serving at most %u connections", asked, (unsigned long long)rl.rlim_cur, *max_conns);
}

static void on_signal(int signo, void *arg)
{
	struct responder_cmd *d = arg;

	d->signo = signo;
	np_loop_stop(d->loop);
}

static void print_summary(const struct np_responder_stats *s, int signo)
{
	printf("stopped by %s: %llu tcp connections (%llu tls, %llu tls handshakes failed), %llu udp requests, "
	       "%llu replies (%llu errors), %llu http, %llu busy, %llu rate-limited, %llu udp replies withheld "
	       "(longer than the request), %llu udp send failures, %zu open at most\n",
	       signo == SIGTERM ? "SIGTERM" : "SIGINT", (unsigned long long)s->tcp_conns,
	       (unsigned long long)s->tls_conns, (unsigned long long)s->tls_failed,
	       (unsigned long long)s->udp_requests, (unsigned long long)s->replies,
	       (unsigned long long)s->errors, (unsigned long long)s->http, (unsigned long long)s->busy,
	       (unsigned long long)s->rate_limited, (unsigned long long)s->udp_withheld,
	       (unsigned long long)s->udp_send_failed, s->open_peak);
}

static int responder_exec(struct np_cmd_ctx *ctx)
{
	struct responder_cmd d = {0};
	struct np_tls_server *tls = NULL;
	struct np_responder *r = NULL;
	struct np_responder_stats st;
	char errbuf[NP_ERRBUF_SIZE], shown[NP_ADDR_STR_MAX];
	int rc, err;

	rc = parse_opts(ctx, &d);
	if (rc)
		return rc;
	rc = 2;
	fit_fd_limit(ctx, &d.o.max_conns);
	/* Read while still allowed to: the key may be readable by root only. */
	if (d.cert) {
		tls = np_tls_server_new(d.cert, d.key, errbuf, sizeof(errbuf));
		if (!tls) {
			np_cmd_error(ctx, "%s", errbuf);
			goto out;
		}
		d.o.tls = tls;
	}
	rc = 3;
	d.loop = np_loop_new(errbuf);
	if (!d.loop) {
		np_cmd_error(ctx, "%s", errbuf);
		goto out;
	}
	r = np_responder_new(d.loop, &d.o, errbuf);
	if (!r) {
		np_cmd_error(ctx, "%s", errbuf);
		goto out;
	}
	err = np_responder_listen(r, errbuf);
	if (err < 0) {
		np_cmd_error(ctx, "%s", errbuf);
		rc = err == NP_EINVAL ? 2 : 3;
		goto out;
	}
	/* Bound: nothing privileged is needed any more. */
	if (np_priv_drop(ctx->user, errbuf) < 0) {
		np_cmd_error(ctx, "%s", errbuf);
		goto out;
	}
	/* A client gone or a closed stdout must not end the server. */
	signal(SIGPIPE, SIG_IGN);
	if (np_loop_signals(d.loop, on_signal, &d) < 0) {
		np_cmd_error(ctx, "cannot route signals: %s", strerror(errno));
		goto out;
	}
	printf("listening on %s tcp+udp%s\n", np_addr_port_str((struct sockaddr *)&d.o.listen, shown,
	       sizeof(shown)), tls ? ", tls" : "");
	fflush(stdout);
	if (np_loop_run(d.loop) < 0) {
		np_cmd_error(ctx, "event loop failed: %s", strerror(errno));
		goto out;
	}
	np_responder_stats(r, &st);
	print_summary(&st, d.signo);
	fflush(stdout);
	rc = 0;
out:
	np_responder_free(r);
	np_loop_free(d.loop);
	np_tls_server_free(tls);
	return rc;
}

const struct np_cmd_entry np_cmd_responder_entry = {
	.name = "responder",
	.usage = "--listen ADDR:PORT [--tls CERT KEY] [--token T] [--max-conns N] [--rate N]",
	.summary = "the far end for idle and NAT checks: NPR/1 over TCP, TLS and UDP, never timing out",
	.help =
	"Run it on the other side of the path (e.g. a host outside the firewall). It answers\n"
	"NPR/1 lines (README: \"Wire protocol NPR/1\") over TCP, TLS and UDP on one port:\n"
	"HELLO tells the client the address and port it was seen from (NAT check), ECHO\n"
	"echoes, and an HTTP GET or HEAD is answered 204 with the connection kept. It never\n"
	"closes an idle connection and sends no keepalives. Over UDP a reply is never\n"
	"longer than its request (clients pad with pad=...). As root it binds, reads the\n"
	"--tls files, then runs as --user. It prints one line when it starts and one\n"
	"summary when SIGINT or SIGTERM stops it (exit status 0).\n"
	"\n"
	"Example:\n"
	"  netprobe responder --listen '[::]:7000' --tls cert.pem key.pem --token s3cret\n"
	"  printf 'NPR/1 HELLO token=s3cret\\n' | nc responder.example 7000",
	.opts = responder_opts,
	.min_targets = 0,
	.max_targets = -1,
	.exec = responder_exec,
};
