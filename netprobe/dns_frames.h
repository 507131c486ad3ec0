/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_DNS_FRAMES_H
#define NETPROBE_DNS_FRAMES_H

/* Which saved frames carried each DNS message: the DNS check's packets,
 * indexed by (resolver, question name, type) and message ID, so a finding
 * cites the query it sent and the answer it got. Pure: fed the bytes of
 * each kept UDP payload, asked by name. */

#include <stddef.h>
#include <stdint.h>

/* At most this many messages are indexed; past it they are counted. */
#define NP_DNS_FRAMES_MAX (1u << 20)

struct np_dns_frames;

struct np_dns_frame {
	uint32_t frame;           /* 1-based, in the saved capture */
	uint16_t id;
	uint8_t answer;           /* QR set */
	uint8_t rcode;
	uint8_t tc;               /* truncated (TC set) */
	uint16_t ancount;
};

struct np_dns_frames *np_dns_frames_new(void);
void np_dns_frames_free(struct np_dns_frames *fr);

/* A DNS message (UDP payload) seen on resolver ri's flow in frame. Not a
 * message with a question, or one whose name holds bytes other than
 * letters, digits, '-' and '_' (their text form is escaped): ignored. Returns 0, or NP_ENOMEM / NP_ERANGE
 * (full: counted in np_dns_frames_over). */
int np_dns_frames_add(struct np_dns_frames *fr, int ri, uint32_t frame, const uint8_t *msg, size_t len);

/* The messages of (ri, name, type), oldest first: up to max of them
 * copied to out; returns how many there are. Names compare as DNS does
 * (case ignored, a final dot ignored). */
size_t np_dns_frames_find(const struct np_dns_frames *fr, int ri, const char *name, int type,
			  struct np_dns_frame *out, size_t max);

uint64_t np_dns_frames_over(const struct np_dns_frames *fr);

#endif
