/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_DNS_CHECK_H
#define NETPROBE_DNS_CHECK_H

#include <stddef.h>

/* Is a DNS message well formed (RFC 1035 4.1), and is it an answer to the
 * question asked? Pure functions over bytes from the network: every read
 * is bounded, compression pointers are followed with a loop guard. */

/* What is wrong with a message, the first defect found; 0 when sound. */
enum np_dns_defect {
	NP_DNS_SOUND = 0,
	NP_DNS_SHORT_HEADER,          /* fewer than 12 bytes */
	NP_DNS_QUESTION_MISMATCH,     /* not the question asked (or not one) */
	NP_DNS_POINTER_LOOP,          /* compression pointers that loop */
	NP_DNS_BAD_POINTER,           /* a compression pointer past the end */
	NP_DNS_BAD_NAME,              /* reserved label type, name over 255 bytes */
	NP_DNS_CUT_SHORT,             /* the message ends inside a name or record */
	NP_DNS_COUNT_MISMATCH,        /* the header counts records that are not there */
	NP_DNS_RDLENGTH_OVERRUN,      /* a record's RDLENGTH runs past the end */
	NP_DNS_BAD_RDATA,             /* a record's data does not fit its type */
};

#define NP_DNS_NAME_TEXT_MAX 1024   /* a 255-byte name, every byte as \DDD */
#define NP_DNS_WHY_MAX 200

/* "pointer_loop", ...: the defect as metrics name it; "" for NP_DNS_SOUND. */
const char *np_dns_defect_name(int defect);

/* The name at off: 0, or the defect (NP_DNS_POINTER_LOOP, NP_DNS_BAD_POINTER,
 * NP_DNS_BAD_NAME, NP_DNS_CUT_SHORT). *next is the offset after the name
 * as written at off. text (may be NULL) gets the dotted form without the
 * final dot ("" for the root), escaped as c-ares does: \. \\ and \DDD. */
int np_dns_name_read(const unsigned char *msg, size_t len, size_t off, size_t *next,
		     char *text, size_t textlen);

/* The first defect of msg as an answer to (qname, qtype), with one line
 * for the user in why: 0 when sound. qname NULL: the question is not
 * compared. A truncated answer (TC, RFC 2181 9) may end early: records
 * missing at its end are no defect. Records of the type asked (and CNAMEs)
 * must hold data of their type. */
int np_dns_check(const unsigned char *msg, size_t len, const char *qname, int qtype,
		 char *why, size_t whylen);

/* A query's ID and first question: 0, or NP_EINVAL when it has none. */
int np_dns_question(const unsigned char *msg, size_t len, unsigned *id, char *name, size_t namelen,
		    int *type);

/* DNS over TCP: each message after a two-byte length (RFC 1035 4.2.2).
 * A stream is fed bytes as they come, in any pieces; each complete
 * message is handed to fn. Memory: one message (at most 65535 bytes). */
struct np_dns_stream {
	unsigned char hdr[2];
	size_t hdr_have;
	unsigned char *msg;         /* the message being read, or NULL */
	size_t need, have;
	int skipping;               /* no memory for this one: its bytes are dropped */
};

/* 0, or NP_ENOMEM when a message had to be skipped (the stream stays in
 * step). Start from a zeroed struct; np_dns_stream_clear frees. */
int np_dns_stream_feed(struct np_dns_stream *s, const unsigned char *p, size_t n,
		       void (*fn)(const unsigned char *msg, size_t len, void *arg), void *arg);
void np_dns_stream_clear(struct np_dns_stream *s);

/* "A", "AAAA", ... or "TYPE65" (RFC 3597 5) for one netprobe does not ask. */
void np_dns_type_text(int type, char *buf, size_t len);

#endif
