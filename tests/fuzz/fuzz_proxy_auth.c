/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer harness for the Proxy-Authenticate parser (a proxy's 407:
 * outside input) and the scheme choice. Invariants: a refusal says why;
 * the strings it fills are terminated within their buffers, the list of
 * names and the realm printable; tokens hold token68 bytes only; the
 * challenge count stays within its bound. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netprobe/proxy_auth.h"

static void printable(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);

	if (n == cap)
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			abort();
}

static void token68(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);

	if (n == cap || strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/=") != n)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct np_pauth_challenges c;
	char why[64];
	int r;

	np_pauth_reset(&c);
	/* as a whole head, then as one field value */
	r = np_pauth_parse_head((const char *)data, size, &c);
	if (r < 0 && !c.why)
		abort();
	np_pauth_reset(&c);
	r = np_pauth_parse_value((const char *)data, size, &c);
	if (r < 0 && !c.why)
		abort();
	if (r == 0) {
		printable(c.names, sizeof(c.names));
		printable(c.realm, sizeof(c.realm));
		token68(c.ntlm_token, sizeof(c.ntlm_token));
		token68(c.nego_token, sizeof(c.nego_token));
		if (c.n > NP_PAUTH_MAX_CHALLENGES || (c.offered & ~7u))
			abort();
		np_pauth_choose(c.offered, size & 7, (size >> 3) & 1 ? NP_PAUTH_NTLM : 0, NULL, why, sizeof(why));
		if (strnlen(why, sizeof(why)) == sizeof(why))
			abort();
	}
	return 0;
}
