/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The caller's socket as a BIO.
 *
 * OpenSSL's own socket BIO writes with write(2), which raises SIGPIPE when
 * the peer has reset the connection: a prober meets that daily. This one
 * uses send(MSG_NOSIGNAL), keeps the errno of a hard failure, notes EOF,
 * and counts what the handshake receives. */
#include "tls_int.h"

#include <errno.h>
#include <sys/socket.h>

static int bio_read(BIO *b, char *buf, int len)
{
	struct np_tls_conn *c = BIO_get_data(b);
	ssize_t n;

	BIO_clear_retry_flags(b);
	if (!c || len <= 0)
		return 0;
	n = recv(c->fd, buf, (size_t)len, 0);
	if (n > 0) {
		if (c->state == NP_TLS_RUNNING)
			c->f.bytes_read += (size_t)n;
		return (int)n;
	}
	if (n == 0) {
		c->eof = 1;
		return 0;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
		BIO_set_retry_read(b);
		return -1;
	}
	c->sock_errno = errno;
	return -1;
}

static int bio_write(BIO *b, const char *buf, int len)
{
	struct np_tls_conn *c = BIO_get_data(b);
	ssize_t n;

	BIO_clear_retry_flags(b);
	if (!c || len <= 0)
		return 0;
	n = send(c->fd, buf, (size_t)len, MSG_NOSIGNAL);
	if (n >= 0)
		return (int)n;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
		BIO_set_retry_write(b);
		return -1;
	}
	/* After the peer's EOF, OpenSSL tries to send an alert and meets
	 * EPIPE: that is the close again, not a second failure. */
	if (!c->eof)
		c->sock_errno = errno;
	return -1;
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	struct np_tls_conn *c = BIO_get_data(b);

	(void)num;
	(void)ptr;
	switch (cmd) {
	case BIO_CTRL_FLUSH:   /* send() does not buffer */
		return 1;
	case BIO_CTRL_EOF:
		return c ? c->eof : 0;
	default:               /* as BIO_s_socket: unknown controls are "no" */
		return 0;
	}
}

static int bio_create(BIO *b)
{
	BIO_set_data(b, NULL);
	BIO_set_init(b, 1);
	return 1;
}

static int bio_destroy(BIO *b)
{
	BIO_set_data(b, NULL);
	return 1;
}

BIO_METHOD *np_tls_bio_method_new(void)
{
	BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "netprobe socket");

	if (!m)
		return NULL;
	if (!BIO_meth_set_read(m, bio_read) || !BIO_meth_set_write(m, bio_write) ||
	    !BIO_meth_set_ctrl(m, bio_ctrl) || !BIO_meth_set_create(m, bio_create) ||
	    !BIO_meth_set_destroy(m, bio_destroy)) {
		BIO_meth_free(m);
		return NULL;
	}
	return m;
}
