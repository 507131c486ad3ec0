/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The TLS client: a non-blocking connection per probe.
 *
 * The shape is curl's lib/vtls/openssl.c: one step function that answers
 * want-read / want-write / done / error, the OpenSSL error queue cleared
 * before each SSL call (a stale entry would otherwise be blamed for the
 * next failure), SSL_get_error() read right after the call. */
#include "tls_int.h"
#include "tls_alert.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

/* Alerts either way: a fatal one from the peer is often the whole story
 * ("handshake failure (40)" from a server that shares no cipher). */
static void info_cb(const SSL *ssl, int where, int ret)
{
	struct np_tls_conn *c = SSL_get_app_data(ssl);
	int desc = ret & 0xff;
	int fatal = (ret >> 8) == SSL3_AL_FATAL;

	if (!c || !(where & SSL_CB_ALERT))
		return;
	if (where & SSL_CB_READ) {
		if (desc == SSL_AD_CLOSE_NOTIFY) {
			c->f.close_notify = 1;
			return;
		}
		if (c->f.alert_received && c->alert_fatal && !fatal)
			return;
		c->f.alert_received = 1;
		c->alert_fatal = fatal;
		snprintf(c->f.alert, sizeof(c->f.alert), "%s (%d)", np_tls_alert_name(desc), desc);
	} else if (desc != SSL_AD_CLOSE_NOTIFY) {
		snprintf(c->alert_sent, sizeof(c->alert_sent), "%s (%d)", np_tls_alert_name(desc), desc);
	}
}

/* name without [brackets] and a trailing dot into out; 1 if it is an IP
 * literal, 0 a name, -1 too long or empty. */
static int host_form(const char *name, char *out, size_t outlen)
{
	unsigned char a[16];
	size_t n = strlen(name);

	if (n >= 2 && name[0] == '[' && name[n - 1] == ']') {
		name++;
		n -= 2;
	}
	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n == 0 || n >= outlen)
		return -1;
	memcpy(out, name, n);
	out[n] = '\0';
	return inet_pton(AF_INET, out, a) == 1 || inet_pton(AF_INET6, out, a) == 1;
}

struct np_tls_conn *np_tls_conn_alloc(SSL_CTX *ssl_ctx, BIO_METHOD *meth, int fd, int server,
                                      char *err, size_t errlen)
{
	struct np_tls_conn *c;
	char buf[128];
	BIO *bio;

	np_tls_set_err(err, errlen, "%s", "");
	c = calloc(1, sizeof(*c));
	if (!c) {
		np_tls_set_err(err, errlen, "TLS: out of memory");
		return NULL;
	}
	c->fd = fd;
	c->state = NP_TLS_RUNNING;
	c->f.anchor_public = -1;

	ERR_clear_error();
	c->ssl = SSL_new(ssl_ctx);
	if (!c->ssl)
		goto fail;
	bio = BIO_new(meth);
	if (!bio)
		goto fail;
	BIO_set_data(bio, c);
	SSL_set_bio(c->ssl, bio, bio);   /* the SSL owns it now */
	SSL_set_app_data(c->ssl, c);
	SSL_set_info_callback(c->ssl, info_cb);
	if (server)
		SSL_set_accept_state(c->ssl);
	else
		SSL_set_connect_state(c->ssl);
	ERR_clear_error();
	return c;
fail:
	np_tls_set_err(err, errlen, "TLS: cannot set up the connection: %s",
	               np_tls_ssl_reason(buf, sizeof(buf)));
	ERR_clear_error();
	np_tls_conn_free(c);
	return NULL;
}

struct np_tls_conn *np_tls_conn_new(struct np_tls_ctx *ctx, int fd, const char *sni,
                                    const char *verify_host, char *err, size_t errlen)
{
	struct np_tls_conn *c = NULL;
	char name[256], buf[128];
	int ip;

	np_tls_set_err(err, errlen, "%s", "");
	if (!ctx || fd < 0) {
		np_tls_set_err(err, errlen, "TLS: no context or no socket");
		return NULL;
	}
	c = np_tls_conn_alloc(ctx->ssl_ctx, ctx->bio_meth, fd, 0, err, errlen);
	if (!c)
		return NULL;
	c->ctx = ctx;

	if (verify_host) {
		ip = host_form(verify_host, name, sizeof(name));
		if (ip < 0) {
			np_tls_set_err(err, errlen, "TLS: bad name to verify: '%.64s'", verify_host);
			goto fail;
		}
		if (ip) {
			if (!X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), name))
				goto ssl_fail;
		} else {
			/* As curl: "*" stands for a whole label only. */
			SSL_set_hostflags(c->ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
			if (!SSL_set1_host(c->ssl, name))
				goto ssl_fail;
		}
	}
	/* RFC 6066 section 3: no IP literals, no trailing dot in SNI. */
	if (sni) {
		ip = host_form(sni, name, sizeof(name));
		if (ip < 0) {
			np_tls_set_err(err, errlen, "TLS: bad server name: '%.64s'", sni);
			goto fail;
		}
		if (ip == 0 && !SSL_set_tlsext_host_name(c->ssl, name))
			goto ssl_fail;
	}
	ERR_clear_error();
	return c;
ssl_fail:
	np_tls_set_err(err, errlen, "TLS: cannot set up the connection: %s",
	               np_tls_ssl_reason(buf, sizeof(buf)));
fail:
	ERR_clear_error();
	np_tls_conn_free(c);
	return NULL;
}

void np_tls_conn_free(struct np_tls_conn *c)
{
	if (!c)
		return;
	/* No SSL_shutdown: a prober's connections end by close(2), and a
	 * close_notify written here could raise an error on a dead socket. */
	SSL_free(c->ssl);
	free(c->f.problems);
	free(c);
}

struct np_tls_session *np_tls_conn_session(struct np_tls_conn *c)
{
	SSL_SESSION *s = c && c->ssl ? SSL_get1_session(c->ssl) : NULL;

	if (s && !SSL_SESSION_is_resumable(s)) {
		SSL_SESSION_free(s);
		s = NULL;
	}
	return (struct np_tls_session *)s;
}

int np_tls_conn_resume(struct np_tls_conn *c, struct np_tls_session *s)
{
	ERR_clear_error();
	return c && s && SSL_set_session(c->ssl, (SSL_SESSION *)s) == 1 ? 0 : -1;
}

int np_tls_conn_resumed(struct np_tls_conn *c)
{
	return c && c->ssl && SSL_session_reused(c->ssl);
}

void np_tls_conn_shed(struct np_tls_conn *c)
{
	/* Fails, harmlessly, while a record is half read or written. */
	if (c && c->ssl)
		SSL_free_buffers(c->ssl);
}

void np_tls_session_free(struct np_tls_session *s)
{
	SSL_SESSION_free((SSL_SESSION *)s);
}

/* facts.error (and peer_closed, sys_errno) after a failed SSL call whose
 * SSL_get_error() was e. Called before anything else touches the queue. */
static void describe_failure(struct np_tls_conn *c, int e, const char *during)
{
	struct np_tls_seen *f = &c->f;
	const size_t len = sizeof(f->error);
	char buf[128];
	int n;

	if (c->sock_errno)
		f->sys_errno = c->sock_errno;
	if (f->alert_received && c->alert_fatal) {
		snprintf(f->error, len, "the peer sent a fatal TLS alert %s: %s", during, f->alert);
	} else if (c->sock_errno) {
		snprintf(f->error, len, "socket error %s: %s", during, strerror(c->sock_errno));
	} else if (e == SSL_ERROR_ZERO_RETURN || c->eof) {
		if (c->state == NP_TLS_RUNNING)
			f->peer_closed = 1;
		if (f->bytes_read == 0)
			snprintf(f->error, len, "the peer closed the connection %s, having sent nothing", during);
		else
			snprintf(f->error, len, "the peer closed the connection %s, after %zu bytes", during,
			         f->bytes_read);
	} else if (e == SSL_ERROR_SSL) {
		/* OpenSSL refused something of the peer's: the alert it sent
		 * names the reason in the peer's terms. */
		n = snprintf(f->error, len, "TLS error %s: %s", during, np_tls_ssl_reason(buf, sizeof(buf)));
		if (c->alert_sent[0] && n > 0 && (size_t)n < len)
			snprintf(f->error + n, len - (size_t)n, "; we sent alert %s", c->alert_sent);
	} else {
		snprintf(f->error, len, "TLS failure %s (SSL_get_error %d)", during, e);
	}
}

enum np_tls_step np_tls_handshake(struct np_tls_conn *c)
{
	int r, e;

	if (!c)
		return NP_TLS_ERROR;
	if (c->state == NP_TLS_ESTABLISHED)
		return NP_TLS_DONE;
	if (c->state == NP_TLS_FAILED)
		return NP_TLS_ERROR;
	ERR_clear_error();
	r = SSL_do_handshake(c->ssl);
	if (r == 1) {
		c->state = NP_TLS_ESTABLISHED;
		return NP_TLS_DONE;
	}
	e = SSL_get_error(c->ssl, r);
	if (e == SSL_ERROR_WANT_READ)
		return NP_TLS_WANT_READ;
	if (e == SSL_ERROR_WANT_WRITE)
		return NP_TLS_WANT_WRITE;
	describe_failure(c, e, "during the handshake");
	c->state = NP_TLS_FAILED;
	ERR_clear_error();
	return NP_TLS_ERROR;
}

enum np_tls_step np_tls_write(struct np_tls_conn *c, const void *buf, size_t len, size_t *written)
{
	int e;

	*written = 0;
	if (!c || c->state == NP_TLS_FAILED)
		return NP_TLS_ERROR;
	if (c->state != NP_TLS_ESTABLISHED) {
		snprintf(c->f.error, sizeof(c->f.error), "write before the handshake is done");
		return NP_TLS_ERROR;
	}
	if (len == 0)
		return NP_TLS_DONE;
	ERR_clear_error();
	if (SSL_write_ex(c->ssl, buf, len, written) == 1)
		return NP_TLS_DONE;
	e = SSL_get_error(c->ssl, 0);
	if (e == SSL_ERROR_WANT_READ)
		return NP_TLS_WANT_READ;
	if (e == SSL_ERROR_WANT_WRITE)
		return NP_TLS_WANT_WRITE;
	describe_failure(c, e, "while writing");
	c->state = NP_TLS_FAILED;
	ERR_clear_error();
	return NP_TLS_ERROR;
}

enum np_tls_step np_tls_read(struct np_tls_conn *c, void *buf, size_t len, size_t *got)
{
	int e;

	*got = 0;
	if (!c || c->state == NP_TLS_FAILED)
		return NP_TLS_ERROR;
	if (c->state != NP_TLS_ESTABLISHED || len == 0) {
		snprintf(c->f.error, sizeof(c->f.error), "%s",
		         len ? "read before the handshake is done" : "read into no room");
		return NP_TLS_ERROR;
	}
	ERR_clear_error();
	if (SSL_read_ex(c->ssl, buf, len, got) == 1)
		return NP_TLS_DONE;
	*got = 0;
	e = SSL_get_error(c->ssl, 0);
	if (e == SSL_ERROR_WANT_READ)
		return NP_TLS_WANT_READ;
	if (e == SSL_ERROR_WANT_WRITE)
		return NP_TLS_WANT_WRITE;
	if (e == SSL_ERROR_ZERO_RETURN) {
		c->f.close_notify = 1;
		return NP_TLS_DONE;
	}
	/* EOF without close_notify: OpenSSL 3.0 calls it an error ("unexpected
	 * eof while reading"), but most servers close that way; the caller
	 * tells the two apart by facts.close_notify. */
	if (c->eof && !c->sock_errno && !(c->f.alert_received && c->alert_fatal)) {
		ERR_clear_error();
		return NP_TLS_DONE;
	}
	describe_failure(c, e, "while reading");
	c->state = NP_TLS_FAILED;
	ERR_clear_error();
	return NP_TLS_ERROR;
}

void np_tls_get_facts(struct np_tls_conn *c, struct np_tls_facts *out)
{
	if (!out)
		return;
	if (!c) {
		memset(out, 0, sizeof(*out));
		out->anchor_public = -1;
		return;
	}
	np_tls_fill_facts(c, out);
}
