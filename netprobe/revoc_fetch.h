/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_REVOC_FETCH_H
#define NETPROBE_REVOC_FETCH_H

/* The plain-HTTP fetches of revocation checking (CRLs, OCSP, caIssuers
 * certificates), over the path a handshake took: directly, or through
 * the same HTTP proxy with the same Basic credentials (absolute-form
 * request, RFC 9112 3.2.2, as Windows' CryptRetrieveObjectByUrl sends
 * through WinHTTP). Bounded in size and time; every answer is hostile.
 *
 * A run fetches each (URL, path, request body) once: the 300 endpoints
 * that name the same 3 CRLs cost 3 downloads, and a later asker gets the
 * first answer. */

#include <stddef.h>

#include "proxy.h"

struct np_run;
struct np_rfetch;
struct np_rfetch_wait;

struct np_rfetch_answer {
	int ok;                      /* a 200 whose whole body came within the bounds */
	const unsigned char *body;   /* ok: the body, borrowed for the call */
	size_t len;
	char reason[240];            /* !ok: what happened, in words */
	double ms;                   /* of the fetch itself, DNS to last byte */
};

typedef void (*np_rfetch_cb)(const struct np_rfetch_answer *a, void *arg);

struct np_rfetch *np_rfetch_new(struct np_run *run);
/* Closes what is still open; waiters are not called. */
void np_rfetch_free(struct np_rfetch *rf);

/* GET url (body NULL), or POST body as content_type. max: the largest
 * body accepted. cb is called once, from the loop, never from inside
 * this call; NULL when out of memory. */
struct np_rfetch_wait *np_rfetch_get(struct np_rfetch *rf, const char *url, const struct np_proxy *p,
				     const unsigned char *body, size_t blen, const char *content_type,
				     size_t max, np_rfetch_cb cb, void *arg);
/* The callback will not be called. */
void np_rfetch_cancel(struct np_rfetch_wait *w);

/* How many distinct fetches the run made (for tests and the benchmark). */
size_t np_rfetch_count(const struct np_rfetch *rf);

/* An HTTP/1.1 chunked body (RFC 9112 7.1) decoded in place; its new
 * length, or -1 when malformed. */
long np_rfetch_dechunk(unsigned char *buf, size_t len);

#endif
