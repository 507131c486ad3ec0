/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The context: one per run, shared by its connections. It holds what all
 * probes have in common: the client settings that let old servers answer,
 * the trust anchors (--ca or the system's), the socket BIO method, and the
 * public bundle once read. */
#include "tls_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#define NP_TLS_PUBLIC_DIR "/usr/share/ca-certificates/mozilla"

/* Wire format of the ALPN list (RFC 7301 section 3.1): length-prefixed. */
static const unsigned char alpn_http11[] = "\x08http/1.1";

void np_tls_set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* The reason of the first error on the queue: libssl puts the cause
 * first and the consequences after it. */
const char *np_tls_ssl_reason(char *buf, size_t len)
{
	unsigned long e = ERR_peek_error();
	const char *r;

	if (!e)
		return "unknown error";
	r = ERR_reason_error_string(e);
	if (r)
		return r;
	ERR_error_string_n(e, buf, len);
	return buf;
}

/* --ca FILE: every certificate in it (PEM, or one DER certificate), with a
 * message for each way it can be unusable. A half-read file is refused:
 * probing against part of the anchors the user named would mislead. */
static int load_ca_file(X509_STORE *st, const char *path, char *err, size_t errlen)
{
	FILE *fp = fopen(path, "r");
	struct stat sb;
	unsigned long e;
	size_t n = 0;
	X509 *x;
	char buf[128];
	int ret = -1;

	if (!fp) {
		np_tls_set_err(err, errlen, "--ca %s: cannot read it: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(fp), &sb) == 0 && S_ISDIR(sb.st_mode)) {
		np_tls_set_err(err, errlen, "--ca %s: cannot read it: %s", path, strerror(EISDIR));
		goto out;
	}
	ERR_clear_error();
	/* PEM_read_X509 skips blocks of other kinds (a key, a CRL). */
	while ((x = PEM_read_X509(fp, NULL, NULL, NULL)) != NULL) {
		int ok = X509_STORE_add_cert(st, x);

		X509_free(x);
		if (!ok) {
			np_tls_set_err(err, errlen, "--ca %s: certificate %zu: %s", path, n + 1,
			               np_tls_ssl_reason(buf, sizeof(buf)));
			goto out;
		}
		n++;
	}
	if (ferror(fp)) {
		np_tls_set_err(err, errlen, "--ca %s: cannot read it: %s", path, strerror(errno));
		goto out;
	}
	e = ERR_peek_last_error();
	if (n == 0) {
		ERR_clear_error();
		rewind(fp);
		x = d2i_X509_fp(fp, NULL);
		if (x) {
			int ok = X509_STORE_add_cert(st, x);

			X509_free(x);
			if (ok) {
				ret = 0;
				goto out;
			}
		}
		np_tls_set_err(err, errlen, "--ca %s: no certificate in it", path);
		goto out;
	}
	if (e && !(ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE)) {
		np_tls_set_err(err, errlen, "--ca %s: certificate %zu cannot be read: %s", path, n + 1,
		        np_tls_ssl_reason(buf, sizeof(buf)));
		goto out;
	}
	ret = 0;
out:
	ERR_clear_error();
	fclose(fp);
	return ret;
}

struct np_tls_ctx *np_tls_ctx_new(const struct np_tls_ctx_opts *o, char *err, size_t errlen)
{
	struct np_tls_ctx *ctx = NULL;
	SSL_CTX *s;
	char buf[128];

	np_tls_set_err(err, errlen, "%s", "");
	if (!o) {
		np_tls_set_err(err, errlen, "TLS: no options");
		return NULL;
	}
	if (o->min_version != 0 && (o->min_version < 10 || o->min_version > 13)) {
		np_tls_set_err(err, errlen, "TLS minimum version %d: not one of 10, 11, 12, 13", o->min_version);
		return NULL;
	}
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		goto nomem;
	ctx->min_version = o->min_version;
	ctx->public_dir = strdup(o->public_dir ? o->public_dir : NP_TLS_PUBLIC_DIR);
	ctx->bio_meth = np_tls_bio_method_new();
	if (!ctx->public_dir || !ctx->bio_meth)
		goto nomem;

	ERR_clear_error();
	s = ctx->ssl_ctx = SSL_CTX_new(TLS_client_method());
	if (!s) {
		np_tls_set_err(err, errlen, "TLS: cannot create a context: %s",
		               np_tls_ssl_reason(buf, sizeof(buf)));
		goto fail;
	}
	/* Observe, do not protect: every version from 1.0 and every cipher at
	 * security level 0, so an old server still answers and netprobe can
	 * say how old it is (the verdict uses min_version). The level is set
	 * both ways: the cipher string's @SECLEVEL and the context's. */
	SSL_CTX_set_security_level(s, 0);
	if (!SSL_CTX_set_min_proto_version(s, TLS1_VERSION) || !SSL_CTX_set_max_proto_version(s, 0) ||
	    !SSL_CTX_set_cipher_list(s, "DEFAULT:@SECLEVEL=0")) {
		np_tls_set_err(err, errlen, "TLS: cannot allow TLS 1.0 and old ciphers: %s",
		               np_tls_ssl_reason(buf, sizeof(buf)));
		goto fail;
	}
	/* OpenSSL 3.0 refuses servers without RFC 5746 renegotiation_info;
	 * those are exactly the old servers a prober must still reach. */
	SSL_CTX_set_options(s, SSL_OP_LEGACY_SERVER_CONNECT);
	SSL_CTX_set_mode(s, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
	                 SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	/* Returns 0 on success, unlike the rest of the API. */
	if (SSL_CTX_set_alpn_protos(s, alpn_http11, sizeof(alpn_http11) - 1) != 0) {
		np_tls_set_err(err, errlen, "TLS: cannot set ALPN: %s", np_tls_ssl_reason(buf, sizeof(buf)));
		goto fail;
	}
	/* The callback records each error and answers "go on": one handshake
	 * shows every problem, and the verdict is netprobe's. */
	SSL_CTX_set_verify(s, SSL_VERIFY_PEER, np_tls_verify_cb);
	/* Without a status callback the client only keeps what comes. */
	if (o->ocsp_staple)
		SSL_CTX_set_tlsext_status_type(s, TLSEXT_STATUSTYPE_ocsp);
	if (o->ca_file) {
		if (load_ca_file(SSL_CTX_get_cert_store(s), o->ca_file, err, errlen) < 0)
			goto fail;
	} else {
		ctx->system_store = 1;
		/* Honours SSL_CERT_FILE / SSL_CERT_DIR, as the openssl tools do. */
		if (!SSL_CTX_set_default_verify_paths(s)) {
			np_tls_set_err(err, errlen, "TLS: cannot use the system's certificates: %s",
			        np_tls_ssl_reason(buf, sizeof(buf)));
			goto fail;
		}
	}
	ERR_clear_error();
	return ctx;
nomem:
	np_tls_set_err(err, errlen, "TLS: out of memory");
fail:
	ERR_clear_error();
	np_tls_ctx_free(ctx);
	return NULL;
}

void np_tls_ctx_free(struct np_tls_ctx *ctx)
{
	if (!ctx)
		return;
	SSL_CTX_free(ctx->ssl_ctx);
	BIO_meth_free(ctx->bio_meth);
	np_tls_public_free(ctx);
	free(ctx->public_dir);
	free(ctx);
}

