/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_NPR_H
#define NETPROBE_NPR_H

/*
 * NPR/1, the text protocol of netprobe's responder (README.md, "Wire
 * protocol NPR/1"): one request line, one reply line. Pure code: bytes in,
 * structs out, replies into the caller's buffer; no I/O, no allocation.
 * The responder parses requests and formats replies with it; the probes
 * that talk to a responder (nat, idle) format requests and parse replies
 * with the same code.
 *
 * A line is printable ASCII and spaces, LF-terminated (a CR before the LF
 * is tolerated), at most NP_NPR_LINE_MAX bytes without the CR LF.
 */

#include <stddef.h>
#include <sys/socket.h>

#include "error.h"

#define NP_NPR_VERSION "NPR/1"
#define NP_NPR_LINE_MAX 512          /* bytes of a line, CR LF not counted */
#define NP_NPR_DATA_MAX 256          /* bytes of an ECHO's data= */
#define NP_NPR_TOKEN_MAX 128         /* bytes of a token= */
/* Every reply this code formats fits in a line, so a request padded to
 * NP_NPR_LINE_MAX bytes always gets its reply over UDP. */
#define NP_NPR_REPLY_MAX (NP_NPR_LINE_MAX + 1)   /* with its LF */
#define NP_NPR_HTTP_HEAD_MAX 8192    /* request line and headers, CR LF included */

enum np_npr_verb { NP_NPR_NONE = 0, NP_NPR_HELLO, NP_NPR_ECHO };

/* What a request comes to: OK, or the error the reply names. */
enum np_npr_code {
	NP_NPR_OK = 0,
	NP_NPR_ERR_VERSION,   /* the first word is not NPR/1 */
	NP_NPR_ERR_SYNTAX,    /* not a valid line (too long, bad bytes, bad key=value, missing data=) */
	NP_NPR_ERR_VERB,      /* a verb this version does not know */
	NP_NPR_ERR_TOKEN,     /* the responder wants a token= that the request lacks */
	NP_NPR_ERR_BUSY,      /* the responder is at its connection limit */
	NP_NPR_ERR_UNKNOWN,   /* (replies only) an error code of a later version */
};

enum np_npr_proto { NP_NPR_PROTO_NONE = 0, NP_NPR_PROTO_TCP, NP_NPR_PROTO_UDP, NP_NPR_PROTO_TLS };

struct np_npr_request {
	enum np_npr_verb verb;
	char data[NP_NPR_DATA_MAX + 1];   /* ECHO's data=, NUL-terminated */
	size_t data_len;
	int has_data;
};

/* The error code's word ("syntax"), and the protocol's ("tcp"). */
const char *np_npr_code_str(enum np_npr_code code);
const char *np_npr_proto_str(enum np_npr_proto proto);

/*
 * TCP framing: in buf[0..len), the first line. 1: a line of *line_len
 * bytes (CR LF not counted) that takes *consumed bytes of buf (its LF
 * included); 0: no LF yet and the line may still come; -1: the line is
 * longer than NP_NPR_LINE_MAX (a client that must be cut off).
 */
int np_npr_frame(const char *buf, size_t len, size_t *line_len, size_t *consumed);

/*
 * Parse one request: line[0..len), with or without its LF (or CR LF).
 * token: the token the responder requires, NULL for none. Checks, in this
 * order: syntax of the line as a whole (length, bytes), version, syntax of
 * the words, token, verb: a client without the token learns nothing more
 * than "token". Unknown keys are ignored; a known key twice is a syntax
 * error. On NP_NPR_OK req is filled.
 */
enum np_npr_code np_npr_parse_request(const char *line, size_t len, const char *token,
				      struct np_npr_request *req);

/* 1 if the line starts an HTTP request this code answers (GET or HEAD). */
int np_npr_is_http(const char *line, size_t len);
/* 1 if the request target of that line carries token=T in its query
 * ("GET /?token=T HTTP/1.1"), the only place an HTTP client can put it. */
int np_npr_http_token_ok(const char *line, size_t len, const char *token);

/* Where a reply was seen from and on what: the responder's view. */
struct np_npr_view {
	const struct sockaddr *seen;    /* the client's address and port as it arrived */
	const struct sockaddr *local;   /* the responder's address and port it arrived on */
	enum np_npr_proto proto;
};

/*
 * The reply to a request (code NP_NPR_OK: req answered; else "NPR/1 ERR
 * code") into buf, LF-terminated and NUL-terminated. limit: the most bytes
 * the reply may take (over UDP the request datagram's length: a reply
 * never amplifies), 0 for none. Returns the length (LF included, NUL not),
 * or NP_ERANGE when the reply would be longer than limit or buflen - 1:
 * then nothing must be sent.
 */
int np_npr_format_reply(const struct np_npr_request *req, enum np_npr_code code,
			const struct np_npr_view *view, size_t limit, char *buf, size_t buflen);

/*
 * A request, for a client: "NPR/1 VERB [data=D] [token=T] [pad=...]\n".
 * data (ECHO) and token may be NULL; they are printable ASCII without
 * spaces, data at most NP_NPR_DATA_MAX bytes, token 1 to NP_NPR_TOKEN_MAX. pad_to: pad the line so the request,
 * LF included, is at least this long (over UDP a reply is never longer than
 * its request: NP_NPR_REPLY_MAX always suffices), 0 for no padding.
 * Returns the length (LF included), NP_EINVAL for a bad argument, NP_ERANGE
 * if buf is too small.
 */
int np_npr_format_request(enum np_npr_verb verb, const char *data, const char *token,
			  size_t pad_to, char *buf, size_t buflen);

struct np_npr_reply {
	enum np_npr_verb verb;        /* HELLO (an OK reply) or ECHO; NONE for an error */
	enum np_npr_code code;        /* NP_NPR_OK, or the error named */
	struct sockaddr_storage seen; /* seen= (ss_family 0 if absent) */
	struct sockaddr_storage local;/* local= (ss_family 0 if absent) */
	enum np_npr_proto proto;      /* proto= (NONE if absent or unknown) */
	char data[NP_NPR_DATA_MAX + 1];
	size_t data_len;
	int has_data;
};

/*
 * Parse a reply line, with or without its LF. 0 and r filled, or NP_EINVAL
 * for anything malformed: too long, bad bytes, not NPR/1, a known key with a
 * bad value, a known key twice, an OK without seen=, an ECHO without data=
 * or seen=. Unknown keys are ignored, an unknown error code is
 * NP_NPR_ERR_UNKNOWN.
 */
int np_npr_parse_reply(const char *line, size_t len, struct np_npr_reply *r);

/* The answer to every HTTP request: no body, the connection kept. */
#define NP_NPR_HTTP_204 \
	"HTTP/1.1 204 No Content\r\nConnection: keep-alive\r\nServer: netprobe-responder\r\n\r\n"
/* When a token is required and the request target lacks it. */
#define NP_NPR_HTTP_403 \
	"HTTP/1.1 403 Forbidden\r\nConnection: close\r\nServer: netprobe-responder\r\n\r\n"
/* When the head is too large: said, then the connection is closed. */
#define NP_NPR_HTTP_431 \
	"HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n" \
	"Server: netprobe-responder\r\n\r\n"

/* Reading an HTTP request head without keeping it: only its end (an empty
 * line) matters, and its size, bounded by NP_NPR_HTTP_HEAD_MAX. */
struct np_npr_http {
	size_t total;       /* bytes of the head so far */
	size_t line_len;    /* bytes of the current line, CR not counted */
};

/* Start a head whose request line (LF included) took first_len bytes. */
void np_npr_http_start(struct np_npr_http *h, size_t first_len);
/* Feed bytes: 1 the head ended, *used bytes of buf were part of it (the rest
 * is the next request); 0 all used, not ended yet; -1 the head is over
 * NP_NPR_HTTP_HEAD_MAX. */
int np_npr_http_feed(struct np_npr_http *h, const char *buf, size_t len, size_t *used);

#endif
