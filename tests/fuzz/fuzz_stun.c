/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer harness for the STUN response parser: a STUN server's (or
 * anyone's) datagram is outside input. The transaction id is taken from
 * the input itself half the time, so the parser gets past its first check.
 * Invariants: strings terminated, addresses of a known family, a refusal
 * that says why. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "netprobe/stun.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t zero[12];
	struct np_stun_response r;
	uint8_t *copy = malloc(size ? size : 1);
	const uint8_t *txid = size >= 20 && (data[0] & 1) ? data + 8 : zero;
	uint8_t id[12];

	memcpy(id, txid, 12);
	memcpy(copy, data, size);
	if (np_stun_parse(copy, size, id, &r) == 0) {
		if (strlen(r.reason) >= sizeof(r.reason) || strlen(r.software) >= sizeof(r.software))
			abort();
		if (r.has_mapped && r.mapped.ss_family != AF_INET && r.mapped.ss_family != AF_INET6)
			abort();
	} else if (!r.why || !*r.why) {
		abort();    /* a refusal says what is wrong */
	}
	free(copy);
	return 0;
}
