/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "tls_b64.h"

#include <openssl/evp.h>
#include <string.h>

size_t np_tls_base64(const void *in, size_t n, char *out, size_t outlen)
{
	/* 4 output bytes per 3 input bytes, rounded up, plus the NUL. */
	if (outlen < (n + 2) / 3 * 4 + 1 || n > 0x3fffffff)
		return 0;
	return (size_t)EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}

long np_tls_unbase64(const char *in, void *out, size_t outlen)
{
	size_t n = strlen(in), pad = 0;
	int r;

	/* EVP_DecodeBlock wants whole quanta and counts the padding as
	 * bytes: refuse the first, subtract the second. */
	if (n % 4 || n / 4 * 3 > outlen || n > 0x3fffffff)
		return -1;
	if (n && in[n - 1] == '=')
		pad++;
	if (n > 1 && in[n - 2] == '=')
		pad++;
	r = EVP_DecodeBlock(out, (const unsigned char *)in, (int)n);
	if (r < 0 || (size_t)r < pad)
		return -1;
	return (long)((size_t)r - pad);
}
