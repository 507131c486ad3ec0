/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_PROBE_TLS_INT_H
#define NETPROBE_PROBE_TLS_INT_H

/* Shared by probe_tls.c (the attempts on the loop) and probe_tls_report.c
 * (their findings); nothing else includes it. */

#include <stdint.h>
#include <sys/socket.h>

#include "../tls/tls.h"
#include "classify_tls.h"
#include "finding.h"
#include "flow.h"
#include "probe_tls.h"
#include "proxy.h"
#include "proxy_auth.h"
#include "revoc_fetch.h"
#include "run.h"

struct np_watch;
struct np_timer;

/* The retries that tell SNI filtering from a path MTU black hole: a small
 * MSS (the server's big certificate flight then fits any path) and a
 * different SNI (a name filter then lets it through). */
#define SMALL_MSS 536
#define OTHER_SNI "netprobe-sni-check.invalid"

enum phase { P_CONNECT, P_PROXY_SEND, P_PROXY_READ, P_PROXY_DRAIN, P_TLS, P_HTTP_SEND, P_HTTP_READ, P_DONE };
enum variant { V_MAIN, V_SMALL_MSS, V_OTHER_SNI };

struct path_result {
	const char *target;       /* the state's copy */
	int proxied;
	char issuer[256];
	char anchor[256];
	char path[NP_TARGET_STR_MAX];
};

struct tls_state {
	struct np_run *run;
	struct np_tls_ctx *ctx;
	struct np_tls_plan plan;
	int system_store;
	struct path_result *results;
	size_t n_results;
	char **targets;           /* display strings, owned */
	size_t n_targets;
	size_t outstanding;
	struct np_rfetch *rf;      /* the run's revocation fetches, shared */
	struct np_tls_crl_cache *crls;  /* their CRLs, parsed once */
};

/* One connection of an attempt (the main one, or a retry). */
struct conn {
	int fd;
	struct np_watch *w;
	struct np_flow *flow;
	struct np_tls_conn *tls;
	enum phase phase;
	char out[12288];          /* a CONNECT with a Kerberos token runs to several KB */
	size_t out_len, out_off;
	char in[NP_HTTP_HEAD_MAX];
	size_t in_len;
	int64_t t0, t_conn, t_proxy, t_tls;
	int err;                  /* errno of the failing step */
	int timed_out;
	int local;
	struct np_http_head head;
	int head_ok;              /* 1 parsed, -1 malformed (head.why) */
	int head_extra;           /* a 200 to CONNECT, then bytes of the proxy's own */
	int closed;               /* the stream ended before the head did */
	struct np_http_body body; /* a 407's, skipped before the next leg */
	int tls_done;
	struct np_tls_facts facts;
};

struct attempt {
	struct np_job job;
	struct tls_state *st;
	const char *target_str;
	struct np_target t;
	struct np_proxy proxy;
	char b64[400];            /* Basic credential as sent */
	/* proxy authentication (netprobe/proxy_auth.h) */
	struct np_pauth *pauth;
	struct np_pauth_challenges chal; /* the last 407's */
	char authz[NP_PAUTH_TOKEN_MAX * 2 + 32]; /* the next Proxy-Authorization value */
	int authz_ready;          /* authz is for the next connection's CONNECT */
	int auth_conns;           /* connections the exchange took */
	int auth_outcome;         /* NP_PAUTH_NONE/FAILED once it gave up, else SEND */
	unsigned auth_used;       /* the scheme of the tunnel that opened */
	char legs[1200];          /* each leg's headers, tokens masked, one a line: evidence */
	struct sockaddr_storage dst;
	double dns_ms;
	struct np_timer *timer;
	enum variant variant;
	struct conn c;
	/* the main connection's outcome, kept while retries run */
	struct conn main;
	struct np_tls_result res;
	int retry_mss_ok, retry_sni_ok;
	uint32_t retry_mss_frame, retry_sni_frame;
	/* --revocation on (probe_tls_revoc.c) */
	struct np_tls_chain *chain;
	struct np_revoc *rv;
};


static inline int is_http(const struct attempt *a)
{
	return a->t.scheme == NP_SCHEME_HTTP;
}

static inline const char *check_of(const struct attempt *a)
{
	return is_http(a) ? "http" : "tls";
}

/* The name in the ClientHello: --sni's, else the target's name (none for
 * an address, RFC 6066 3). */
static inline const char *np_tls_sni_sent(const struct attempt *a)
{
	return a->st->plan.sni ? a->st->plan.sni : a->t.family == AF_UNSPEC ? a->t.host : NULL;
}

/* The name the certificate must match: --sni's when given, as curl
 * --connect-to verifies the URL's name whatever address it connects to
 * (the target is then one front end of that name), else the target. */
static inline const char *np_tls_verified_name(const struct attempt *a)
{
	return a->st->plan.sni ? a->st->plan.sni : a->t.host;
}

static inline double ms_between(int64_t a, int64_t b)
{
	return a && b ? (double)(b - a) / 1000.0 : -1;
}

struct np_finding *np_tls_new_finding(struct attempt *a, const char *verdict);
void np_tls_record_path(struct attempt *a, const struct np_tls_facts *x);
/* 1 when the attempt ended before TLS (TCP, proxy or plain HTTP outcome),
 * its finding handed over and the attempt finished. */
int np_tls_early_outcome(struct attempt *a);
void np_tls_attempt_input(struct attempt *a, struct conn *c, struct np_tls_input *in,
			  const struct np_flow_pkt **pkts, size_t max);
void np_tls_emit(struct attempt *a);
void np_tls_attempt_finish(struct attempt *a);
/* Once every path has ended: tls.intercepted where a proxied path's issuer
 * or anchor differs from the direct one's. */
void np_tls_compare_paths(struct tls_state *st);

/* probe_tls.c's connection steps, for probe_tls_auth.c */
void np_tls_phase(struct attempt *a, enum phase p);
void np_tls_want(struct attempt *a, int events);
void np_tls_stop(struct attempt *a, int err);
void np_tls_reopen(struct attempt *a);
/* A PAC path whose proxy could not be reached: the PAC's next entry is
 * probed instead (1), or there is none (0). */
int np_tls_pac_fallback(struct attempt *a, const char *why);

/* probe_tls_revoc.c: revocation and chain completion after a completed
 * handshake. start: 1 when it took the attempt over (it emits and
 * finishes it later), 0 when there is nothing to fetch. */
int np_tls_revoc_start(struct attempt *a);
void np_tls_revoc_metrics(struct attempt *a, struct np_finding *f);
void np_tls_revoc_free(struct attempt *a);

/* probe_tls_auth.c: the CONNECT's authentication exchange */
void np_tls_auth_connect(struct attempt *a);
void np_tls_auth_head(struct attempt *a);
int np_tls_auth_407(struct attempt *a);
void np_tls_auth_drain(struct attempt *a);

#endif
