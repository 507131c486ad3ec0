/* libFuzzer harness for the DNS answer reader: bytes from a resolver are
 * outside input. The first byte picks the type asked; the rest is the
 * answer. Invariants: nothing kept past the bound, every kept record a
 * bounded, terminated string. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netprobe/dns_answer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int types[] = {
		NP_DNS_A, NP_DNS_AAAA, NP_DNS_SRV, NP_DNS_TXT, NP_DNS_CNAME, NP_DNS_MX, NP_DNS_NS, NP_DNS_SOA,
	};
	struct np_dns_answer a;
	unsigned char *copy;

	if (size < 1)
		return 0;
	/* An exact-size copy, so a read one byte past the end is caught. */
	copy = malloc(size - 1 ? size - 1 : 1);
	memcpy(copy, data + 1, size - 1);
	np_dns_parse(copy, size - 1, types[data[0] % 8], &a);
	if (a.n > NP_DNS_MAX_ANSWERS)
		abort();
	for (size_t i = 0; i < a.n; i++)
		if (strlen(a.rr[i]) >= NP_DNS_RR_MAX)
			abort();
	np_dns_answer_free(&a);
	free(copy);
	return 0;
}
