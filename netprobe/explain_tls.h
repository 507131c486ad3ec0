/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_EXPLAIN_TLS_H
#define NETPROBE_EXPLAIN_TLS_H

/*
 * netprobe explain: the TLS alerts of a connection. Each direction's TCP
 * payload is walked record by record from its first byte
 * (netprobe/tls_record.h), in sequence order, reading record headers and
 * two body bytes each; what is kept per connection is the fixed-size
 * struct below, never payload.
 *
 * An alert is a failure (tls.alert) when it is fatal, or when the
 * connection carried nothing after it (no application data, no end of
 * the handshake). close_notify is the normal end and never one. An alert
 * record after its sender's ChangeCipherSpec is encrypted (RFC 5246 7.1):
 * its level and description cannot be read, and it counts only while the
 * handshake was still under way (afterwards it is most likely the
 * close_notify of a connection that did its work).
 */

#include <stddef.h>
#include <stdint.h>

#include "tcp_events.h"
#include "tls_record.h"

/* How far the handshake had gone when the alert came. */
enum np_explain_tls_stage {
	NP_EXPLAIN_TLS_UNKNOWN = 0,         /* no ClientHello in the capture */
	NP_EXPLAIN_TLS_CLIENT_HELLO,        /* the server's answer to the ClientHello */
	NP_EXPLAIN_TLS_SERVER_HELLO,        /* the client's answer to the server's hello */
	NP_EXPLAIN_TLS_PEER_CCS,            /* after the other side's ChangeCipherSpec */
	NP_EXPLAIN_TLS_HANDSHAKE,           /* otherwise during the handshake */
	NP_EXPLAIN_TLS_AFTER_HANDSHAKE,     /* once both sides had finished it */
};

struct np_explain_alert {
	struct np_tcp_mark mark;    /* the segment its head ended in: frame, time, sender (dir) */
	uint8_t valid;
	uint8_t encrypted;          /* level and description unreadable */
	uint8_t level, desc;        /* when not encrypted */
	uint8_t stage;              /* enum np_explain_tls_stage */
	uint8_t survived;           /* application data or the handshake's end followed it */
};

/* A connection's TLS, as far as its records show it. All zero is the
 * initial state. */
struct np_explain_tls {
	struct np_tls_dir dir[2];
	uint32_t next_seq[2];       /* the sequence number of the next byte wanted */
	uint8_t synced[2];          /* next_seq is known: from the SYN, or a record start */
	uint8_t tries[2];           /* data segments looked at for a record start, without a SYN */
	uint8_t first_hs[2];        /* first message type of the side's first handshake record */
	uint8_t finished[2];        /* a handshake record after its ChangeCipherSpec (Finished) */
	uint8_t appdata[2];         /* application data records sent */
	uint8_t done;               /* nothing more to learn: records no longer read */
	struct np_tcp_mark hello;   /* the ClientHello: its side is the TLS client */
	struct np_explain_alert alert;  /* the one that tells: the first, or the first fatal */
	/* Bit d: direction d's walk lost a record header in bytes the
	 * capture did not keep (a short snapshot length: pktmon keeps 128),
	 * and is lost now (a later segment that begins with a record header
	 * takes it up again); bit d + 2: it was taken up again so, and
	 * whether a ChangeCipherSpec was lost meanwhile is unknown. */
	uint8_t cut;
};

/* One TCP segment of the connection (p->len payload bytes on the wire,
 * of which caplen were captured, from payload). */
void np_explain_tls_segment(struct np_explain_tls *t, const struct np_tcp_pkt *p,
			    const uint8_t *payload, size_t caplen);

/* 1 when the connection's alert is a failure worth a finding. */
int np_explain_tls_failed(const struct np_explain_tls *t);

struct np_explain;
struct np_explain_flow;
struct np_finding;

/* The tls.alert finding of a connection np_explain_tls_failed() says
 * failed: client is the side flow_finding() takes for the client (known:
 * from its SYN), target and saddr as it names them. NULL when memory runs
 * out. */
struct np_finding *np_explain_tls_finding(struct np_explain *e, const struct np_explain_flow *x,
					  int client, int known, const char *target,
					  const char *saddr);

#endif
