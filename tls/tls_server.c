/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The server side, for netprobe's responder: a context from a certificate
 * chain and a key (PEM), and connections accepted on it that the caller
 * drives with the same steps as a client's (np_tls_handshake, np_tls_read,
 * np_tls_write), on the same socket BIO. It protects nothing of value: it
 * exists so that probes can hold TLS connections to a far end the network
 * team runs, so it takes modern defaults and spends little memory on
 * connections that sit idle for minutes. */
#include "tls_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/pem.h>

struct np_tls_server {
	SSL_CTX *ssl_ctx;
	BIO_METHOD *bio_meth;
};

/* The file opened for reading, or NULL with "--tls PATH: cannot read it:
 * ..." in err (a directory counts as unreadable). */
static FILE *open_pem(const char *path, char *err, size_t errlen)
{
	FILE *fp = fopen(path, "r");
	struct stat sb;

	if (!fp) {
		np_tls_set_err(err, errlen, "--tls %s: cannot read it: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(fp), &sb) == 0 && S_ISDIR(sb.st_mode)) {
		np_tls_set_err(err, errlen, "--tls %s: cannot read it: %s", path, strerror(EISDIR));
		fclose(fp);
		return NULL;
	}
	return fp;
}

/* No passphrase prompt on the terminal of a server: an encrypted key is
 * refused, not asked about. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

/* The leaf and the chain after it, as nginx's ssl_certificate reads them. */
static int load_cert(SSL_CTX *s, const char *path, char *err, size_t errlen)
{
	FILE *fp = open_pem(path, err, errlen);
	char buf[128];

	if (!fp)
		return -1;
	fclose(fp);
	ERR_clear_error();
	if (SSL_CTX_use_certificate_chain_file(s, path) != 1) {
		unsigned long e = ERR_peek_error();

		if (ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE)
			np_tls_set_err(err, errlen, "--tls %s: no certificate in it (PEM expected)", path);
		else
			np_tls_set_err(err, errlen, "--tls %s: certificate cannot be used: %s", path,
			               np_tls_ssl_reason(buf, sizeof(buf)));
		return -1;
	}
	return 0;
}

static int load_key(SSL_CTX *s, const char *cert, const char *path, char *err, size_t errlen)
{
	FILE *fp = open_pem(path, err, errlen);
	EVP_PKEY *k;
	char buf[128];
	int ok;

	if (!fp)
		return -1;
	ERR_clear_error();
	k = PEM_read_PrivateKey(fp, NULL, no_passphrase, NULL);
	fclose(fp);
	if (!k) {
		np_tls_set_err(err, errlen, "--tls %s: no private key in it (PEM, not encrypted, expected)", path);
		return -1;
	}
	ERR_clear_error();
	/* Checks the key against the certificate loaded before it. */
	ok = SSL_CTX_use_PrivateKey(s, k) == 1 && SSL_CTX_check_private_key(s) == 1;
	EVP_PKEY_free(k);
	if (!ok) {
		unsigned long e = ERR_peek_error();

		if (ERR_GET_REASON(e) == X509_R_KEY_VALUES_MISMATCH || ERR_GET_REASON(e) == X509_R_KEY_TYPE_MISMATCH ||
		    ERR_GET_REASON(e) == SSL_R_PRIVATE_KEY_MISMATCH)
			np_tls_set_err(err, errlen, "--tls: the key in %s does not match the certificate in %s",
			               path, cert);
		else
			np_tls_set_err(err, errlen, "--tls %s: key cannot be used: %s", path,
			               np_tls_ssl_reason(buf, sizeof(buf)));
		return -1;
	}
	return 0;
}

struct np_tls_server *np_tls_server_new(const char *cert_file, const char *key_file, char *err, size_t errlen)
{
	struct np_tls_server *srv;
	char buf[128];
	SSL_CTX *s;

	np_tls_set_err(err, errlen, "%s", "");
	srv = calloc(1, sizeof(*srv));
	if (!srv) {
		np_tls_set_err(err, errlen, "TLS: out of memory");
		return NULL;
	}
	srv->bio_meth = np_tls_bio_method_new();
	ERR_clear_error();
	s = srv->ssl_ctx = SSL_CTX_new(TLS_server_method());
	if (!srv->bio_meth || !s) {
		np_tls_set_err(err, errlen, "TLS: cannot create a server context: %s",
		               np_tls_ssl_reason(buf, sizeof(buf)));
		goto fail;
	}
	/* Clients of a responder are netprobe's probes and the engineer's
	 * openssl s_client: TLS 1.2 and later suffice. Renegotiation is off:
	 * a client could otherwise make the server work at will. */
	if (!SSL_CTX_set_min_proto_version(s, TLS1_2_VERSION)) {
		np_tls_set_err(err, errlen, "TLS: cannot set the minimum version: %s",
		               np_tls_ssl_reason(buf, sizeof(buf)));
		goto fail;
	}
	SSL_CTX_set_options(s, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	/* An idle connection keeps no read or write buffer (about 34 KB saved
	 * per connection held open for minutes). */
	SSL_CTX_set_mode(s, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
	                 SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_default_passwd_cb(s, no_passphrase);
	if (load_cert(s, cert_file, err, errlen) < 0 || load_key(s, cert_file, key_file, err, errlen) < 0)
		goto fail;
	ERR_clear_error();
	return srv;
fail:
	ERR_clear_error();
	np_tls_server_free(srv);
	return NULL;
}

void np_tls_server_free(struct np_tls_server *srv)
{
	if (!srv)
		return;
	SSL_CTX_free(srv->ssl_ctx);
	BIO_meth_free(srv->bio_meth);
	free(srv);
}

struct np_tls_conn *np_tls_server_conn_new(struct np_tls_server *srv, int fd, char *err, size_t errlen)
{
	if (!srv || fd < 0) {
		np_tls_set_err(err, errlen, "TLS: no server context or no socket");
		return NULL;
	}
	return np_tls_conn_alloc(srv->ssl_ctx, srv->bio_meth, fd, 1, err, errlen);
}

void np_tls_close_notify(struct np_tls_conn *c)
{
	if (!c || c->state != NP_TLS_ESTABLISHED)
		return;
	/* One attempt: the alert is a courtesy, the close(2) that follows
	 * ends the connection whatever happened. */
	ERR_clear_error();
	SSL_shutdown(c->ssl);
	ERR_clear_error();
}
