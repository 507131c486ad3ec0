/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_TLS_RECORD_H
#define NETPROBE_TLS_RECORD_H

/*
 * The TLS record layer as a capture shows it: one direction of a TCP
 * stream, read from its first byte, cut into records by their 5-byte
 * headers (RFC 8446 5.1, RFC 5246 6.2.1). Of each record only the header
 * and its first two body bytes are read (an alert's level and
 * description, a handshake record's first message type); the rest of the
 * body is passed over, never kept.
 *
 * Pure: bytes in, record heads out; no I/O, no allocation, a fixed-size
 * state per direction. OpenSSL plays no part (tls/ is the live handshake).
 */

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* ContentType (RFC 8446 5.1, RFC 6520 3 for heartbeat). */
#define NP_TLS_CT_CHANGE_CIPHER_SPEC 20
#define NP_TLS_CT_ALERT              21
#define NP_TLS_CT_HANDSHAKE          22
#define NP_TLS_CT_APPLICATION_DATA   23
#define NP_TLS_CT_HEARTBEAT          24

/* HandshakeType (RFC 8446 4). */
#define NP_TLS_HS_CLIENT_HELLO 1
#define NP_TLS_HS_SERVER_HELLO 2

/* AlertLevel (RFC 5246 7.2; TLS 1.3 keeps the field, RFC 8446 6). */
#define NP_TLS_ALERT_WARNING 1
#define NP_TLS_ALERT_FATAL   2
#define NP_TLS_ALERT_CLOSE_NOTIFY 0

#define NP_TLS_HEADER_LEN 5
/* The longest record any version allows: TLSCiphertext.length, 2^14 + 2048
 * (RFC 5246 6.2.3; TLS 1.3 allows 2^14 + 256, RFC 8446 5.2). A header
 * claiming more is not TLS. */
#define NP_TLS_RECORD_MAX (16384 + 2048)
/* Body bytes read of each record. */
#define NP_TLS_HEAD_BODY 2

/* A record's head. */
struct np_tls_record {
	uint8_t type;               /* NP_TLS_CT_* */
	uint16_t version;           /* legacy_record_version: 0x0300..0x0304 */
	uint16_t length;            /* of the body */
	uint8_t body[NP_TLS_HEAD_BODY];  /* its first body bytes */
	uint8_t n_body;             /* how many: min(length, 2) */
	uint8_t encrypted;          /* the sender had sent ChangeCipherSpec before it:
				     * the body is ciphertext (RFC 5246 7.1) */
	uint32_t index;             /* 0-based, in this direction */
};

enum np_tls_dir_state {
	NP_TLS_DIR_HEAD = 0,        /* gathering a record's head */
	NP_TLS_DIR_BODY,            /* passing over the rest of its body */
	NP_TLS_DIR_DONE,            /* not TLS, or the walk was lost: nothing more */
};

/* Why a direction is DONE. */
enum np_tls_dir_why {
	NP_TLS_WHY_NONE = 0,
	NP_TLS_WHY_NOT_TLS,         /* a header that is not a TLS record's */
	NP_TLS_WHY_GAP,             /* bytes missing from the capture where a header was */
};

/* One direction's walk: 20 bytes whatever the stream's length. */
struct np_tls_dir {
	uint8_t state;              /* enum np_tls_dir_state */
	uint8_t why;                /* enum np_tls_dir_why */
	uint8_t have;               /* bytes of head[] gathered */
	uint8_t ccs;                /* a ChangeCipherSpec was sent: records after it are encrypted */
	uint8_t head[NP_TLS_HEADER_LEN + NP_TLS_HEAD_BODY];
	uint8_t pad;
	uint32_t left;              /* NP_TLS_DIR_BODY: body bytes still to pass over */
	uint32_t records;           /* record heads read */
};

/* Reads a record header: 1 with out's type, version and length set (the
 * rest zero), 0 when len < 5 and the bytes so far could begin one,
 * NP_EINVAL when they are not a TLS record header (content type 20-24,
 * version 3.0-3.4, length at most NP_TLS_RECORD_MAX). */
int np_tls_record_header(const uint8_t *b, size_t len, struct np_tls_record *out);

void np_tls_dir_init(struct np_tls_dir *d);

/* Feeds the next n bytes of the direction's stream, in order. Stops as
 * soon as a record's head is complete (the header and min(length, 2) body
 * bytes): fills *rec, sets *got to 1 and returns the bytes consumed; call
 * again with the rest. Otherwise consumes everything and sets *got to 0.
 * A header that is not one ends the walk (NP_TLS_DIR_DONE): everything is
 * then consumed, nothing more is reported. */
size_t np_tls_dir_feed(struct np_tls_dir *d, const uint8_t *b, size_t n,
		       struct np_tls_record *rec, int *got);

/* n bytes of the stream are not in the capture (a lost segment, a short
 * snapshot length). 0 when they lie inside the current record's body, so
 * the walk goes on after them; otherwise a header is lost with them: the
 * walk ends (NP_TLS_DIR_DONE) and -1 is returned. */
int np_tls_dir_skip(struct np_tls_dir *d, uint64_t n);

/* "handshake", "alert", ...; "unknown" for another value. */
const char *np_tls_content_type_name(int type);

#endif
