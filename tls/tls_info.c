/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "tls.h"

#include <openssl/crypto.h>

const char *np_tls_library_version(void)
{
	return OpenSSL_version(OPENSSL_VERSION);
}
