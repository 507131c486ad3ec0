/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_PROBE_DNS_INT_H
#define NETPROBE_PROBE_DNS_INT_H

/* Inside the DNS check: shared by probe_dns.c (resolver channels, each
 * query a job, the plan) and probe_dns_result.c (what each answer means:
 * findings, packet evidence, verdicts across resolvers). */

#include <stddef.h>
#include <sys/socket.h>

#include "dns_compare.h"
#include "probe_dns.h"
#include "resolve.h"
#include "run.h"

struct np_flow;
struct np_dns_frames;

enum q_kind {
	Q_NORMAL,                 /* a name the user asked for */
	Q_REWRITE,                /* a random name that cannot exist */
	Q_DNS64,                  /* AAAA ipv4only.arpa (RFC 7050) */
	Q_SRV_TARGET,             /* A/AAAA of a domain controller from SRV */
	Q_TC_CHECK,               /* after a failure: was the UDP answer truncated? */
	Q_UDP_CHECK,              /* after a --tcp failure: does UDP work? */
};

struct np_dns_sender;
struct np_dns_send;

struct dns_res {
	char label[64];           /* the resolver as the user reads it */
	char servers[80];         /* c-ares server string */
	struct np_resolver *ch, *ch_igntc, *ch_udp;
	struct np_dns_sender *snd;    /* its window and retransmissions (dns_send.h) */
	json_t *window;               /* its entry in the report's dns_windows (a reference) */
	/* Every socket its channels opened, each a flow: c-ares moves to a
	 * new UDP socket every few hundred queries, so a big run opens many. */
	struct np_flow **flows;
	int *flow_tcp;
	size_t n_flows, cap_flows;
	struct sockaddr_storage addr;   /* the server, with its port */
	int public_ok, public_failed, internal_ok;
	struct dns_state *st;
};


struct dns_name {
	const char *s;            /* owned when copied (np_dns_intern) */
	uint32_t hash;
	int owned;
};

struct dns_state {
	struct np_run *run;
	struct dns_res res[NP_DNS_MAX_RESOLVERS];
	size_t n_res;
	int tcp;
	struct dns_name *htab;    /* every name queried, hashed */
	size_t hcap, n_names;
	struct np_dns_result *results;
	size_t n_results;
	size_t outstanding;
	int aggregated;
	struct np_dns_frames *frames;   /* which frames carried which message; NULL without capture */
};

struct dns_q {
	struct np_job job;
	struct dns_state *st;
	int ri;
	const char *name;
	int internal;
	int type;
	enum q_kind kind;
	struct np_dns_send *req;
	/* For Q_TC_CHECK / Q_UDP_CHECK: the failure being explained. */
	const char *first_verdict;
	char *first_error;        /* owned by the check query; NULL otherwise */
	double first_ms;
};

/* probe_dns.c: the one copy of a name the check keeps (results compare
 * names by pointer); NULL when out of memory. np_dns_intern_kept keeps
 * name itself when it is new: it must outlive the check (a plan's). */
const char *np_dns_intern(struct dns_state *st, const char *name);
const char *np_dns_intern_kept(struct dns_state *st, const char *name);
/* Queue a query of an interned name (NULL: out of memory, nothing
 * queued); failed is the one a check query explains (its first_error,
 * malloc'd, becomes the new query's, also on failure). */
void np_dns_submit_q(struct dns_state *st, int ri, const char *name, int internal, int type,
		     enum q_kind kind, const struct dns_q *failed);

/* probe_dns_result.c */
struct np_finding *np_dns_new_finding(struct dns_q *q, const char *verdict, double ms);
void np_dns_normal_result(struct dns_q *q, const struct np_query_result *res);
void np_dns_check_result(struct dns_q *q, const struct np_query_result *res);
void np_dns_rewrite_result(struct dns_q *q, const struct np_query_result *res);
void np_dns_dns64_result(struct dns_q *q, const struct np_query_result *res);
void np_dns_aggregate(struct dns_state *st);

#endif
