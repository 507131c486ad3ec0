/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer harness for the TLS record walker (netprobe/tls_record.c): a
 * capture's TCP payload is outside input. The first byte picks how the
 * rest is cut into feeds (1 to 64 bytes, or all at once) and whether some
 * feeds are replaced by missing bytes (np_tls_dir_skip), as lost segments
 * and short snapshots do. Invariants: every record head in range, the
 * state's own bounds, progress on every call, and, without gaps, the same
 * records whatever the cutting. Seeds: tests/fuzz/tls_record_seeds (TCP
 * streams of fixtures/captures/tls_alerts.pcap after a selector byte 0). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netprobe/tls_record.h"
#include "tls/tls_alert.h"

#define MAX_RECS 4096

static void check(const struct np_tls_dir *d, const struct np_tls_record *r, int got)
{
	if (d->have > sizeof(d->head) || d->left > NP_TLS_RECORD_MAX || d->state > NP_TLS_DIR_DONE)
		abort();
	if (!got)
		return;
	if (r->type < NP_TLS_CT_CHANGE_CIPHER_SPEC || r->type > NP_TLS_CT_HEARTBEAT ||
	    r->length > NP_TLS_RECORD_MAX || r->n_body > NP_TLS_HEAD_BODY ||
	    r->n_body != (r->length < NP_TLS_HEAD_BODY ? r->length : NP_TLS_HEAD_BODY) ||
	    (r->version >> 8) != 3 || (r->version & 0xff) > 4)
		abort();
	if (r->type == NP_TLS_CT_ALERT && r->n_body == 2 && !np_tls_alert_name(r->body[1]))
		abort();
}

/* Walks b[0..n) cut as sel says; returns the records seen (at most max,
 * their types in types[]). */
static size_t walk(const uint8_t *b, size_t n, uint8_t sel, uint8_t *types, size_t max)
{
	struct np_tls_dir d;
	size_t off = 0, recs = 0, chunk = sel & 0x3f, k = 0;
	int gaps = sel & 0x40;

	np_tls_dir_init(&d);
	while (off < n) {
		size_t end = chunk ? (n - off > chunk ? off + chunk : n) : n;

		k++;
		if (gaps && k % 7 == 0) {
			np_tls_dir_skip(&d, end - off);
			off = end;
			check(&d, NULL, 0);
			continue;
		}
		while (off < end) {
			struct np_tls_record r;
			int got;
			size_t used = np_tls_dir_feed(&d, b + off, end - off, &r, &got);

			if (used > end - off || (!used && !got))
				abort();
			off += used;
			check(&d, &r, got);
			if (got && recs < max)
				types[recs++] = r.type;
		}
	}
	return recs;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t t1[MAX_RECS], t2[MAX_RECS];
	struct np_tls_record r;
	size_t n1, n2;
	uint8_t sel;

	if (size < 1)
		return 0;
	sel = data[0];
	data++;
	size--;
	for (size_t i = 0; i <= size && i <= NP_TLS_HEADER_LEN; i++)
		if (np_tls_record_header(data, i, &r) == 1 && i != NP_TLS_HEADER_LEN)
			abort();
	n1 = walk(data, size, sel, t1, MAX_RECS);
	if (sel & 0x40)
		return 0;
	/* Without gaps, the cutting changes nothing. */
	n2 = walk(data, size, 0, t2, MAX_RECS);
	if (n1 != n2 || memcmp(t1, t2, n1 < MAX_RECS ? n1 : MAX_RECS) != 0)
		abort();
	return 0;
}
