#include "tls_b64.h"

#include <openssl/evp.h>

size_t np_tls_base64(const void *in, size_t n, char *out, size_t outlen)
{
	/* 4 output bytes per 3 input bytes, rounded up, plus the NUL. */
	if (outlen < (n + 2) / 3 * 4 + 1 || n > 0x3fffffff)
		return 0;
	return (size_t)EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}
