#ifndef NETPROBE_PROBE_IDLE_INT_H
#define NETPROBE_PROBE_IDLE_INT_H

/* Shared by probe_idle.c (the rungs on the loop) and probe_idle_report.c
 * (their findings); nothing else includes it. */

#include <stdint.h>
#include <sys/socket.h>

#include "../tls/tls.h"
#include "finding.h"
#include "flow.h"
#include "probe_idle.h"
#include "proxy.h"
#include "run.h"

struct np_watch;
struct np_timer;
struct idle_path;

enum iphase {
	I_QUEUED, I_CONNECT, I_PROXY_SEND, I_PROXY_READ, I_TLS, I_SEND1, I_READ1, I_IDLE,
	I_SEND2, I_READ2, I_DONE
};

/* How a rung ended, as the socket saw it. */
enum ioutcome {
	O_NONE = 0,
	O_SETUP_FAILED,     /* never got to the silence: detail says where */
	O_ANSWERED,         /* the request after the silence was answered */
	O_FIN,              /* the far end (or proxy) closed: end of stream */
	O_RST,              /* ECONNRESET / EPIPE */
	O_TIMEOUT,          /* the request after the silence was never answered */
	O_HTTP408,          /* the server said it timed the connection out */
	O_ERROR,            /* another socket error (errno in err) */
	O_CANCELLED,        /* the run ended first */
};

/* What a rung's finding says of the network. */
enum iclass { C_NONE = 0, C_KEPT, C_LOST, C_CLOSED };

struct rung {
	struct np_job job;
	struct idle_path *p;
	int submitted;              /* handed to the run (a job to end) */
	unsigned idle_s;
	int fd;
	struct np_watch *w;
	struct np_flow *flow;
	struct np_tls_conn *tls;
	struct np_timer *timer;
	enum iphase phase;
	char out[2048];
	size_t out_len, out_off;
	char in[NP_HTTP_HEAD_MAX];
	size_t in_len;
	int64_t t0, t_ready;        /* start; first answer in (the silence starts) */
	int64_t t_silence;          /* the silence measured from here (last packet) */
	int64_t t_asked;            /* the request after the silence went out */
	int64_t t_end;              /* the outcome */
	enum ioutcome outcome;
	int during_idle;            /* the outcome arrived while silent */
	int err;
	int close_notify;           /* TLS close_notify before the end of stream */
	int http_status;            /* of the answer that ended the rung, 0 none */
	unsigned unacked, retrans;  /* TCP_INFO when the rung ended */
	char detail[300];
	/* the finding's verdict, for the overall one */
	const char *verdict;
	enum iclass cls;
	int hop;                    /* reset_by_path: the hop, else -1 */
};

struct idle_state;

/* One path (direct, or one proxy) and its rungs. */
struct idle_path {
	struct np_job job;          /* resolves what to connect to */
	struct idle_state *st;
	struct np_proxy proxy;
	char b64[400];              /* Basic credential as sent */
	const char *shown;          /* "direct" or the proxy, credentials masked */
	struct sockaddr_storage dst;
	double dns_ms;
	struct np_resolve_req *req;
	struct rung rungs[NP_IDLE_MAX_RUNGS];
	size_t n_rungs, n_done;
	int reported;
};

struct idle_state {
	struct np_run *run;
	struct np_idle_plan plan;
	struct np_tls_ctx *ctx;
	struct idle_path paths[NP_IDLE_MAX_PATHS];
	size_t n_paths;
};

static inline int idle_is_http(const struct idle_state *st)
{
	return st->plan.target.scheme == NP_SCHEME_HTTP;
}

static inline int idle_is_tls(const struct idle_state *st)
{
	return !st->plan.tcp && !idle_is_http(st);
}

/* The rung's finding from its outcome and packets; fills r->verdict, cls. */
struct np_finding *np_idle_rung_finding(struct rung *r);
/* The path's overall finding, once every rung is in. */
struct np_finding *np_idle_path_finding(struct idle_path *p);

#endif
