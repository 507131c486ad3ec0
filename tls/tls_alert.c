/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "tls_alert.h"

#include <stddef.h>

/* The IANA TLS Alerts registry in words (RFC 8446 6, RFC 5246 7.2, RFC
 * 6066 9, RFC 7301 3.2). OpenSSL 3.0 names the TLS 1.3 ones "unknown"
 * (certificate required, missing extension, ...), hence our own table. */
const char *np_tls_alert_name(int desc)
{
	static const struct { int desc; const char *name; } names[] = {
		{ 0, "close notify" }, { 10, "unexpected message" }, { 20, "bad record MAC" },
		{ 21, "decryption failed" }, { 22, "record overflow" }, { 30, "decompression failure" },
		{ 40, "handshake failure" }, { 41, "no certificate" }, { 42, "bad certificate" },
		{ 43, "unsupported certificate" }, { 44, "certificate revoked" }, { 45, "certificate expired" },
		{ 46, "certificate unknown" }, { 47, "illegal parameter" }, { 48, "unknown CA" },
		{ 49, "access denied" }, { 50, "decode error" }, { 51, "decrypt error" },
		{ 60, "export restriction" }, { 70, "protocol version" }, { 71, "insufficient security" },
		{ 80, "internal error" }, { 86, "inappropriate fallback" }, { 90, "user canceled" },
		{ 100, "no renegotiation" }, { 109, "missing extension" }, { 110, "unsupported extension" },
		{ 111, "certificate unobtainable" }, { 112, "unrecognized name" },
		{ 113, "bad certificate status response" }, { 114, "bad certificate hash value" },
		{ 115, "unknown PSK identity" }, { 116, "certificate required" },
		{ 120, "no application protocol" },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].desc == desc)
			return names[i].name;
	return "unknown alert";
}
