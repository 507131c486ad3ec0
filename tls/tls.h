#ifndef NETPROBE_TLS_H
#define NETPROBE_TLS_H

/* tls/ is the only code that includes OpenSSL headers, and a leaf: it
 * includes nothing of netprobe's. */

/* The OpenSSL library in use, e.g. "OpenSSL 3.0.17 1 Jul 2025". */
const char *np_tls_library_version(void);

#endif
