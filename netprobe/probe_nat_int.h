/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_PROBE_NAT_INT_H
#define NETPROBE_PROBE_NAT_INT_H

/* Shared by probe_nat.c (responder, quotes, findings) and probe_nat_stun.c
 * (RFC 5780 behaviour discovery); nothing else includes it. */

#include <sys/socket.h>

#include "escape.h"
#include "probe_nat.h"
#include "target.h"

struct np_run;

#define UDP_TRIES 3                 /* a request sent this many times ... */
#define STUN_STEP_MAX_US 2000000    /* ... within this long (or --timeout) */

enum m_id { M_RESP_TCP, M_RESP_UDP, M_STUN, M_QUOTE, M_COUNT };


struct m_result {
	int tried;
	const char *verdict;            /* nat.none, nat.detected, nat.undecided, nat.no_answer */
	char target[NP_TARGET_STR_MAX];
	char local[80], mapped[80];     /* "addr:port" before and after translation */
	int ports_preserved;            /* -1 unknown */
	char detail[640];
	const char *mapping, *filtering;  /* STUN behaviour, NULL unknown */
	int hop;                        /* quote: the first hop showing it */
	/* what came back that was not an answer (garbage is not silence) */
	size_t bytes;                   /* 0: nothing */
	char first_bytes[NP_ESCAPE_MAX];
	char from[80];                  /* "addr:port" it came from */
};

struct nat_state {
	struct np_run *run;
	struct np_nat_plan plan;
	char shown[M_COUNT][NP_TARGET_STR_MAX];
	struct m_result m[M_COUNT];
	int reported;
};

/* "addr:port" ("?" for none). */
void np_nat_addr_port(const struct sockaddr *sa, char *buf, size_t len);
int np_nat_same_addr(const struct sockaddr *a, const struct sockaddr *b);
unsigned np_nat_port_of(const struct sockaddr *sa);
/* Local versus seen: nat.none or nat.detected, with both in m. */
void np_nat_compare(struct m_result *m, const struct sockaddr *local, const struct sockaddr *seen);

/* Keep what came back that is not an answer, for the finding. */
void np_nat_note_bytes(struct m_result *m, const struct sockaddr *from, const void *buf, size_t n);

/* The target job's callback for the STUN server: its first address. */
int np_nat_stun_each(struct np_run *run, const struct np_target *t, const char *target,
		     const struct sockaddr *addr, double dns_ms, void *arg);

#endif
