/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_TLS_INT_H
#define NETPROBE_TLS_INT_H

/* Shared by tls_ctx.c (the context), tls_bio.c (the socket BIO),
 * tls_conn.c (the connection and its I/O) and tls_verify.c (the verify
 * callback, certificate facts, the public bundle). Not for the rest of
 * netprobe: tls.h is the interface. */

#include <openssl/ssl.h>

#include "tls.h"

#define NP_TLS_KEY_LEN 32   /* SHA-256 of an anchor's subject and key */

struct np_tls_ctx {
	SSL_CTX *ssl_ctx;
	BIO_METHOD *bio_meth;    /* recv/send(MSG_NOSIGNAL) on the caller's fd */
	int system_store;        /* no --ca: the OS's store, so anchor_public means something */
	int min_version;
	char *public_dir;
	/* The public bundle's anchors, loaded on first need: 0 not yet,
	 * 1 loaded, -1 not readable. Sorted for bsearch. */
	int public_state;
	unsigned char (*public_keys)[NP_TLS_KEY_LEN];
	size_t n_public;
};

enum np_tls_state { NP_TLS_RUNNING, NP_TLS_ESTABLISHED, NP_TLS_FAILED };

/* What a connection records as it goes, kept small: a prober may hold
 * ten thousand connections. The problem list is allocated on the first
 * problem (a verified chain has none). The names are np_tls_facts's. */
struct np_tls_seen {
	struct np_tls_problem *problems;     /* NP_TLS_MAX_PROBLEMS, or NULL */
	size_t n_problems;
	int expired, not_yet_valid, hostname_mismatch, untrusted;
	char untrusted_reason[160];
	int anchor_public;
	int alert_received;
	char alert[64];
	int peer_closed;
	int sys_errno;
	char error[256];
	size_t bytes_read;
	int close_notify;
};

struct np_tls_conn {
	struct np_tls_ctx *ctx;  /* NULL on the server side */
	SSL *ssl;
	int fd;
	enum np_tls_state state;
	int eof;                 /* recv() returned 0 */
	int sock_errno;          /* the last hard recv()/send() error */
	int alert_fatal;         /* the recorded alert was fatal */
	int no_anchor;           /* a verify error says the chain ends at no trust anchor */
	char alert_sent[64];     /* an alert we sent, for the error text */
	/* The facts gathered as they happen: problems, flags, alert, errors,
	 * bytes_read. np_tls_get_facts() adds what SSL knows at the time. */
	struct np_tls_seen f;
};

/* tls_ctx.c */
void np_tls_set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The reason of the first error on the queue, "unknown error" if none. */
const char *np_tls_ssl_reason(char *buf, size_t len);

/* tls_conn.c: a connection on fd, client or server (accept) side, with
 * the socket BIO, the alert recorder and empty facts; ctx left NULL. */
struct np_tls_conn *np_tls_conn_alloc(SSL_CTX *ssl_ctx, BIO_METHOD *meth, int fd, int server,
                                      char *err, size_t errlen);

/* tls_bio.c: BIO_set_data() it with the connection. */
BIO_METHOD *np_tls_bio_method_new(void);

/* tls_verify.c */
int np_tls_verify_cb(int preverify_ok, X509_STORE_CTX *xs);
void np_tls_fill_facts(struct np_tls_conn *c, struct np_tls_facts *out);
void np_tls_public_free(struct np_tls_ctx *ctx);

/* Copies src (n bytes, not NUL-terminated) into dst as valid UTF-8: an
 * invalid byte becomes '?', a control character '?', and the cut falls
 * between characters. */
void np_tls_copy_text(char *dst, size_t dstlen, const char *src, size_t n);

/* A certificate name on one line ("CN = x, O = y"), as valid UTF-8 text
 * ("" when it cannot be printed). */
void np_tls_name_text(const X509_NAME *name, char *out, size_t outlen);

#endif
