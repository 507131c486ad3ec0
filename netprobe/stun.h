/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_STUN_H
#define NETPROBE_STUN_H

/*
 * STUN (RFC 5389) Binding requests and responses, with the RFC 5780
 * attributes NAT behaviour discovery needs (CHANGE-REQUEST, OTHER-ADDRESS,
 * RESPONSE-ORIGIN). Pure: no I/O, no allocation; the parser takes hostile
 * bytes and checks every length.
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "error.h"

#define NP_STUN_HEADER 20
#define NP_STUN_MAGIC 0x2112A442u
#define NP_STUN_CHANGE_IP 0x4u
#define NP_STUN_CHANGE_PORT 0x2u

enum np_stun_class {
	NP_STUN_SUCCESS = 1,        /* Binding success response */
	NP_STUN_ERROR,              /* Binding error response */
};

struct np_stun_response {
	enum np_stun_class cls;
	int error_code;             /* 300..699 for an error response, else 0 */
	char reason[96];            /* its reason phrase, control bytes masked */
	int has_mapped;             /* XOR-MAPPED-ADDRESS, else MAPPED-ADDRESS */
	struct sockaddr_storage mapped;
	int has_other;              /* OTHER-ADDRESS (or the older CHANGED-ADDRESS) */
	struct sockaddr_storage other;
	int has_origin;             /* RESPONSE-ORIGIN (or SOURCE-ADDRESS) */
	struct sockaddr_storage origin;
	char software[64];          /* SOFTWARE, control bytes masked */
	const char *why;            /* on NP_EINVAL: what is wrong, in words */
};

/* A Binding request with transaction id txid; change: NP_STUN_CHANGE_*
 * flags for a CHANGE-REQUEST attribute (0: none). Returns its length, or
 * 0 when len is too small. */
size_t np_stun_request(uint8_t *buf, size_t len, const uint8_t txid[12], unsigned change);

/* Parse a response to the request with transaction id txid. 0 on a Binding
 * success or error response; NP_EINVAL on anything else (not STUN, another
 * transaction, a request, lengths that do not add up, a bad attribute),
 * with out->why saying which. */
int np_stun_parse(const uint8_t *buf, size_t len, const uint8_t txid[12], struct np_stun_response *out);

#endif
