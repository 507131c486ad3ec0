/* SPDX-License-Identifier: GPL-3.0-or-later */
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
#include "revoc.h"
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

/* One connection of a rung. */
struct iconn {
	struct np_job job;
	struct idle_path *p;
	struct rung *g;
	int submitted;              /* handed to the run (a job to end) */
	int talking;                /* counted in the state's talking */
	struct iconn *next_wait;    /* waiting for a turn to be set up */
	unsigned idle_s;
	int fd;
	struct np_watch *w;
	struct np_flow *flow;
	struct np_tls_conn *tls;
	struct np_timer *timer;
	enum iphase phase;
	char *out;                  /* IO_OUT bytes while talking, NULL while silent */
	size_t out_len, out_off;
	char *in;                   /* while talking: in_cap bytes, grown up to IO_IN */
	size_t in_len, in_cap;
	int64_t t0, t_ready;        /* start; first answer in (the silence starts) */
	int64_t t_silence;          /* the silence measured from here (last packet) */
	int64_t t_asked;            /* the request after the silence went out */
	int64_t t_end;              /* the outcome */
	enum ioutcome outcome;
	int during_idle;            /* the outcome arrived while silent */
	int settling;               /* outcome in, the capture catching up */
	int err;
	int close_notify;           /* TLS close_notify before the end of stream */
	int http_status;            /* of the answer that ended the rung, 0 none */
	unsigned unacked, retrans;  /* TCP_INFO when the rung ended */
	char *detail;               /* why setup failed, NULL if nothing to say */
	/* when the proxy refused the tunnel: the proxy.* verdict (auth_failed,
	 * auth_required, denied, failed) instead of idle.no_connection, and
	 * for authentication the scheme tried and the reason in words */
	const char *proxy_verdict;
	unsigned auth_scheme;
	char *auth_schemes, *auth_reason;
	/* what its finding said */
	const char *verdict;
	enum iclass cls;
	int hop;                    /* reset_by_path: the hop, else -1 */
	struct np_idle_auth *auth;  /* proxy authentication, while the CONNECT runs */
};

#define IO_OUT 2048
#define NP_IDLE_CERT_PROBLEMS 8
/* room for a whole head at the bound, so an endless one is refused by the
 * parser, which says so, not by the buffer */
#define IO_IN (NP_HTTP_HEAD_MAX + 1)
#define IO_IN_FIRST 1024
#define DETAIL_MAX 512

/* One silence of the ladder: its connections, and the finding that speaks
 * for them (the worst outcome; with one connection, that one's). */
struct rung {
	struct idle_path *p;
	unsigned idle_s;
	struct iconn *conns;
	size_t n_conns, n_done;
	size_t n_cls[4];            /* connections per enum iclass */
	struct np_finding *rep;     /* the finding of the worst connection so far */
	struct iconn *rep_conn;
	struct iconn *first_none;   /* the first that never got to the silence */
	const char *verdict;        /* the rung's, once all are in */
	enum iclass cls;
};

struct idle_state;

/* One path (direct, or one proxy) and its rungs. */
struct idle_path {
	struct np_job job;          /* resolves what to connect to */
	struct idle_state *st;
	struct np_proxy proxy;
	char b64[400];              /* Basic credential as sent */
	unsigned auth_used;         /* the proxy authentication scheme a tunnel opened with */
	const char *shown;          /* "direct" or the proxy, credentials masked */
	char pac_err[NP_ERRBUF_SIZE]; /* --proxy pac: why it chose no path, "" when it did */
	struct sockaddr_storage dst;
	double dns_ms;
	struct np_resolve_req *req;
	/* The first established TLS session, offered by every later
	 * connection: ten thousand full handshakes would cost the CPU the
	 * silences need, and hold a certificate chain each. */
	struct np_tls_session *resume;
	/* The certificate of the first full handshake, as verified against
	 * the name (--sni's, else the target's): idle does not judge it, but
	 * says what is wrong with it. */
	int cert_seen;
	size_t n_cert_problems;
	char cert_problems[NP_IDLE_CERT_PROBLEMS][160];
	char cert_subject[256];
	/* --revocation on: that chain's revocation checks, over this path */
	struct np_tls_chain *chain;
	struct np_revoc *rv;
	struct rung rungs[NP_IDLE_MAX_RUNGS];
	size_t n_rungs, n_done;     /* rungs, rungs with every connection in */
	int reported;
};

struct idle_state {
	struct np_run *run;
	struct np_idle_plan plan;
	struct np_tls_ctx *ctx;
	struct idle_path paths[NP_IDLE_MAX_PATHS];
	size_t n_paths;
	/* Connections being set up (connect, CONNECT, TLS, the first request)
	 * at once are bounded: thousands of handshakes at once would only
	 * time each other out, and hold their buffers together. The others
	 * wait their turn, in order. */
	size_t talking;
	int admitting;              /* talk_done is letting waiting ones start */
	struct iconn *wait_head, *wait_tail;
	struct np_rfetch *rf;           /* --revocation on: the fetches, shared by the paths */
	struct np_tls_crl_cache *crls;
};

#define TALK_MAX 256

static inline int idle_is_http(const struct idle_state *st)
{
	return st->plan.target.scheme == NP_SCHEME_HTTP;
}

static inline int idle_is_tls(const struct idle_state *st)
{
	return !st->plan.tcp && !idle_is_http(st);
}

/* The name the certificate must match, and the one the HEAD request
 * names: --sni's when given (the target is then one front end of that
 * name's service, as with curl --connect-to), else the target's. */
static inline const char *idle_name(const struct idle_state *st)
{
	return st->plan.sni ? st->plan.sni : st->plan.target.host;
}

/* probe_idle.c, one connection's walk: its label in the progress line,
 * the first word on why (later ones are dropped), its talking buffers
 * given back, its outcome (the finding follows once the capture has
 * caught up); the job of one connection. */
void np_idle_rung_label(struct iconn *c, const char *state);
void np_idle_set_detail(struct iconn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void np_idle_drop_buffers(struct iconn *c);
void np_idle_rung_end(struct iconn *c, enum ioutcome o, int err);
/* What has come back of an answer still incomplete, "17 bytes: '...'", or
 * "nothing": a peer that answers garbage is not one that does not answer. */
const char *np_idle_got(const struct iconn *c, char *buf, size_t len);
/* probe_idle_talk.c: talking buffers (0, or -1 with no memory); the
 * request n (1 before the silence, 2 after) into c->out; whether c->in
 * holds a whole answer: 1, 0 not yet, -1 not an answer (detail set). */
int np_idle_talk_buffers(struct iconn *c);
void np_idle_make_request(struct iconn *c, int n);
int np_idle_answer_complete(struct iconn *c);
extern const struct np_job_ops np_idle_rung_ops;

/* probe_idle_path.c: a connection's rung has every connection in: when it
 * is the path's last, the path's overall finding. */
void np_idle_path_rung_done(struct idle_path *p);

/* A connection has its outcome: its finding from its packets, folded into
 * its rung's; 1 when that was the rung's last connection (the rung's
 * finding is then handed to the run). */
int np_idle_conn_done(struct iconn *c);
/* A handshake is done: the path keeps the first full one's certificate
 * problems for its finding. */
void np_idle_note_certificate(struct iconn *c);
/* The path's overall finding, once every rung is in. */
struct np_finding *np_idle_path_finding(struct idle_path *p);

/* probe_idle_auth.c: the CONNECT's authentication exchange. connect: the
 * first CONNECT into r->out (0, or -1 out of memory). read, in
 * I_PROXY_READ with r->in: 0 not the exchange's (read the answer as
 * before), 1 bytes taken (wait for more), 2 the next CONNECT is in r->out,
 * -1 ended (why says why). */
int np_idle_auth_connect(struct iconn *r);
int np_idle_auth_read(struct iconn *r, char *why, size_t whylen);
void np_idle_auth_free(struct iconn *r);

#endif
