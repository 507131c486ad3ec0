/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_RESOLVE_WATCH_H
#define NETPROBE_RESOLVE_WATCH_H

#include <stdint.h>
#include <sys/socket.h>

#include "dns_check.h"

/* What a resolver channel's servers sent that c-ares could not use.
 *
 * c-ares 1.18.1 silently drops an answer whose question does not match
 * the query, or that is too short to hold one, and waits for another
 * until the query times out; an answer it does take but cannot parse
 * ends a lookup as ARES_EBADRESP without saying what was wrong. To name
 * the defect and the server, the channel's sockets are c-ares socket
 * functions (ares_set_socket_functions) that see every query sent and
 * every message received, and check each received one (dns_check.h)
 * against the query with its ID. A defect found becomes a note that the
 * lookup, when it ends without an answer, reports instead of a timeout. */

struct ares_channeldata;
struct np_dns_watch;

struct np_dns_note {
	int64_t at_us;                   /* when it came */
	char server[64];                 /* who sent it: "addr", "addr:port", "[v6]:port" */
	char name[256];                  /* the name asked; "" when unknown (no ID) */
	int type;
	int defect;                      /* enum np_dns_defect */
	char why[NP_DNS_WHY_MAX];
};

/* Installs the socket functions on channel, which must have no socket
 * open yet. c-ares leaves sockets it did not make alone, so the watch
 * does for them what c-ares would: non-blocking, close-on-exec, no Nagle,
 * bound to source and interface (each may be NULL). NULL on no memory. */
struct np_dns_watch *np_dns_watch_new(struct ares_channeldata *channel,
				      const struct sockaddr_storage *source, const char *interface);
/* A new round of the loop: c-ares may read READS_PER_ROUND messages
 * (resolve_watch.c) before the watch tells it the sockets are dry. */
void np_dns_watch_round(struct np_dns_watch *w);
/* After ares_destroy (which closes the sockets through the watch). */
void np_dns_watch_free(struct np_dns_watch *w);

/* The latest note since since_us about the name asked: type 0 matches
 * A and AAAA; with search, names under it (a search domain appended)
 * match too. Notes that name no query match any. NULL if none. */
/* msg is the UDP message last read, checked whole against the query with
 * its ID and found sound (np_dns_check): c-ares, reading a datagram,
 * hands its callback that same buffer, so the lookup need not check the
 * answer again. */
int np_dns_watch_sound(const struct np_dns_watch *w, const void *msg, size_t len);

const struct np_dns_note *np_dns_watch_find(const struct np_dns_watch *w, const char *name, int type,
					    int search, int64_t since_us);

#endif
