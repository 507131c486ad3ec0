/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_DNS_ANSWER_H
#define NETPROBE_DNS_ANSWER_H

#include <stddef.h>
#include <stdint.h>

#include "dns_check.h"

/* Reading a DNS answer: header flags, the records of the type asked, their
 * smallest TTL, and whether it is well formed at all (dns_check.h). A pure
 * function over bytes from the network: every read is bounded, compression
 * pointers are followed with a loop guard, and what is kept is bounded too. */

#define NP_DNS_MAX_ANSWERS 64
#define NP_DNS_RR_MAX 512           /* bytes of one record's text form */

enum {
	NP_DNS_A = 1, NP_DNS_NS = 2, NP_DNS_CNAME = 5, NP_DNS_SOA = 6, NP_DNS_MX = 15,
	NP_DNS_TXT = 16, NP_DNS_AAAA = 28, NP_DNS_SRV = 33,
};

struct np_dns_answer {
	int rcode;                  /* RFC 1035 4.1.1 */
	int tc, aa, ra;
	int ancount;
	size_t n;                   /* records of the type asked, kept */
	char *rr[NP_DNS_MAX_ANSWERS];
	uint8_t addr[NP_DNS_MAX_ANSWERS][16];  /* A/AAAA: the address bytes */
	int min_ttl;                /* -1 when no record of the type asked */
	char *cname;                /* the last CNAME target on the way, or NULL */
	int truncated_list;         /* more records than kept */
	int defect;                 /* enum np_dns_defect: 0 when well formed */
	char why[NP_DNS_WHY_MAX];   /* the defect in words, "" when none */
};

/* 0 when the header could be read (records parsed as far as they are
 * sound), NP_EINVAL for fewer than 12 bytes (defect set all the same).
 * qname: the name asked, which the answer's question must match (NULL:
 * not compared). Free with np_dns_answer_free. */
int np_dns_parse(const unsigned char *abuf, size_t alen, const char *qname, int qtype,
		 struct np_dns_answer *out);
/* The same for an answer already checked sound against qname/qtype
 * (np_query_result.sound): not checked again when sound is set. */
int np_dns_parse_checked(const unsigned char *abuf, size_t alen, const char *qname, int qtype, int sound,
			 struct np_dns_answer *out);
void np_dns_answer_free(struct np_dns_answer *a);
/* The records sorted and '\n'-joined: equal sets give equal keys. NULL
 * on no memory. */
char *np_dns_answers_key(const struct np_dns_answer *a);

/* "A" -> 1 ...; -1 for a type netprobe does not ask. Case-insensitive. */
int np_dns_type_parse(const char *name);
const char *np_dns_type_name(int type);

/* RFC 7050: a NAT64 prefix from an AAAA synthesized for ipv4only.arpa
 * (192.0.0.170 or .171 embedded per RFC 6052 2.2). Writes
 * "64:ff9b::/96"; returns the prefix length, or -1 if not found. */
int np_dns64_prefix(const uint8_t aaaa[16], char *buf, size_t len);

#endif
