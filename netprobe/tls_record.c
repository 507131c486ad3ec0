/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The TLS record layer of one direction of a TCP stream, walked header to
 * header (RFC 8446 5.1, RFC 5246 6.2.1); see tls_record.h. */
#include "tls_record.h"

#include <string.h>

int np_tls_record_header(const uint8_t *b, size_t len, struct np_tls_record *out)
{
	memset(out, 0, sizeof(*out));
	/* Each byte is checked as it arrives, so a stream that is not TLS is
	 * known as such from its first byte (an HTTP request, SSLv2's 0x80). */
	if (len >= 1 && (b[0] < NP_TLS_CT_CHANGE_CIPHER_SPEC || b[0] > NP_TLS_CT_HEARTBEAT))
		return NP_EINVAL;
	/* Every TLS version, and SSL 3.0, carries major version 3 in the
	 * record layer; TLS 1.3 freezes it at 3.3 (RFC 8446 5.1). */
	if (len >= 2 && b[1] != 3)
		return NP_EINVAL;
	if (len >= 3 && b[2] > 4)
		return NP_EINVAL;
	if (len >= 4 && ((unsigned)b[3] << 8) > NP_TLS_RECORD_MAX)
		return NP_EINVAL;
	if (len < NP_TLS_HEADER_LEN)
		return 0;
	out->type = b[0];
	out->version = (uint16_t)(b[1] << 8 | b[2]);
	out->length = (uint16_t)(b[3] << 8 | b[4]);
	if (out->length > NP_TLS_RECORD_MAX)
		return NP_EINVAL;
	return 1;
}

void np_tls_dir_init(struct np_tls_dir *d)
{
	memset(d, 0, sizeof(*d));
}

static void give_up(struct np_tls_dir *d, enum np_tls_dir_why why)
{
	d->state = NP_TLS_DIR_DONE;
	d->why = (uint8_t)why;
	d->have = 0;
	d->left = 0;
}

size_t np_tls_dir_feed(struct np_tls_dir *d, const uint8_t *b, size_t n,
		       struct np_tls_record *rec, int *got)
{
	size_t used = 0;

	*got = 0;
	for (;;) {
		struct np_tls_record r;
		size_t want, take;
		int hr;

		if (d->state == NP_TLS_DIR_DONE)
			return n;
		if (d->state == NP_TLS_DIR_BODY) {
			if (used == n)
				return used;
			take = n - used < d->left ? n - used : d->left;
			d->left -= (uint32_t)take;
			used += take;
			if (d->left == 0)
				d->state = NP_TLS_DIR_HEAD;
			continue;
		}
		/* The header first, then as many body bytes as the head holds. */
		want = NP_TLS_HEADER_LEN;
		if (d->have >= NP_TLS_HEADER_LEN) {
			size_t blen = (size_t)d->head[3] << 8 | d->head[4];

			want += blen < NP_TLS_HEAD_BODY ? blen : NP_TLS_HEAD_BODY;
		}
		if (d->have < want) {
			if (used == n)
				return used;
			take = want - d->have < n - used ? want - d->have : n - used;
			memcpy(d->head + d->have, b + used, take);
			d->have = (uint8_t)(d->have + take);
			used += take;
		}
		hr = np_tls_record_header(d->head, d->have, &r);
		if (hr < 0) {
			give_up(d, NP_TLS_WHY_NOT_TLS);
			return n;
		}
		if (hr == 0 || d->have < NP_TLS_HEADER_LEN +
		    (r.length < NP_TLS_HEAD_BODY ? r.length : NP_TLS_HEAD_BODY))
			continue;       /* the header, or its body bytes, still short */
		r.n_body = (uint8_t)(d->have - NP_TLS_HEADER_LEN);
		memcpy(r.body, d->head + NP_TLS_HEADER_LEN, r.n_body);
		r.encrypted = d->ccs;
		r.index = d->records++;
		if (r.type == NP_TLS_CT_CHANGE_CIPHER_SPEC)
			d->ccs = 1;
		d->left = r.length - r.n_body;
		d->state = d->left ? NP_TLS_DIR_BODY : NP_TLS_DIR_HEAD;
		d->have = 0;
		*rec = r;
		*got = 1;
		return used;
	}
}

int np_tls_dir_skip(struct np_tls_dir *d, uint64_t n)
{
	if (d->state == NP_TLS_DIR_DONE)
		return NP_ERANGE;
	if (n == 0)
		return 0;
	if (d->state == NP_TLS_DIR_BODY && n <= d->left) {
		d->left -= (uint32_t)n;
		if (d->left == 0)
			d->state = NP_TLS_DIR_HEAD;
		return 0;
	}
	give_up(d, NP_TLS_WHY_GAP);
	return NP_ERANGE;
}

const char *np_tls_content_type_name(int type)
{
	switch (type) {
	case NP_TLS_CT_CHANGE_CIPHER_SPEC: return "change_cipher_spec";
	case NP_TLS_CT_ALERT: return "alert";
	case NP_TLS_CT_HANDSHAKE: return "handshake";
	case NP_TLS_CT_APPLICATION_DATA: return "application_data";
	case NP_TLS_CT_HEARTBEAT: return "heartbeat";
	default: return "unknown";
	}
}
