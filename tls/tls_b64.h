/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_TLS_B64_H
#define NETPROBE_TLS_B64_H

#include <stddef.h>

/* Base64 (RFC 4648) of n bytes into out, NUL-terminated, by OpenSSL's
 * encoder. Returns the length, or 0 when out is too small. */
size_t np_tls_base64(const void *in, size_t n, char *out, size_t outlen);

/* Decodes padded base64 into out; the byte count, or -1 when malformed or
 * out is too small. */
long np_tls_unbase64(const char *in, void *out, size_t outlen);

#endif
