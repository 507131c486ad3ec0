/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_TLS_H
#define NETPROBE_TLS_H

/* tls/ is the only code that includes OpenSSL headers, and a leaf: it
 * includes nothing of netprobe's.
 *
 * A client that observes servers rather than protects a session: it offers
 * TLS 1.0 to 1.3 at security level 0 so that old servers still answer, and
 * it records every certificate problem and lets the handshake go on, so one
 * handshake shows all that is wrong. The verdict (too old, untrusted, ...)
 * is the caller's to draw from np_tls_get_facts().
 *
 * The connection is non-blocking and driven by the caller's loop, in the
 * manner of curl's lib/vtls/openssl.c: each step answers DONE, WANT_READ,
 * WANT_WRITE or ERROR, and is called again when the socket is ready the way
 * it asked. Writes use send(MSG_NOSIGNAL): a peer that resets the
 * connection raises no SIGPIPE.
 *
 * The same steps drive the server side (np_tls_server_*), for netprobe's
 * responder. */

#include <stddef.h>

#define NP_TLS_MAX_CHAIN 8
#define NP_TLS_MAX_PROBLEMS 16

struct np_tls_ctx_opts {
	const char *ca_file;     /* PEM (or DER) trust anchors; NULL: the system store
	                          * (SSL_CERT_FILE / SSL_CERT_DIR honoured, as by openssl) */
	int min_version;         /* 10, 11, 12, 13 (0: none): the verdict threshold,
	                          * NOT what the client allows (always 1.0..1.3) */
	const char *public_dir;  /* the OS's shipped public bundle, *.crt; NULL:
	                          * /usr/share/ca-certificates/mozilla (Debian) */
	int ocsp_staple;         /* ask for a stapled OCSP response (RFC 6066 8,
	                          * status_request): tls_revoc.h reads it */
};

/* One per run, shared by its connections. NULL on failure, with one line in
 * err, e.g. "--ca FILE: cannot read it: No such file or directory" or
 * "--ca FILE: no certificate in it". */
struct np_tls_ctx *np_tls_ctx_new(const struct np_tls_ctx_opts *o, char *err, size_t errlen);
void np_tls_ctx_free(struct np_tls_ctx *ctx);   /* after its connections */

/* A client on the connected, non-blocking socket fd (borrowed: the caller
 * closes it, after np_tls_conn_free). sni: the server name sent, NULL for
 * none (never sent for an IP literal); verify_host: the DNS name or IP
 * literal ("192.0.2.1", "2001:db8::1" or "[2001:db8::1]") the certificate
 * must match, NULL for no name check. A trailing dot is dropped from both. */
struct np_tls_conn *np_tls_conn_new(struct np_tls_ctx *ctx, int fd, const char *sni,
                                    const char *verify_host, char *err, size_t errlen);
void np_tls_conn_free(struct np_tls_conn *c);   /* does not close fd; NULL is fine */

/* Session resumption, for a prober that opens many connections to one
 * server: the session of an established connection (after the first
 * exchange, so that a TLS 1.3 ticket has come), NULL when it cannot be
 * resumed; offered by another connection before its handshake (0, or -1
 * when it cannot be). Resumed handshakes carry no certificate: their facts
 * have no chain. The session is reference-counted: free it when done. */
struct np_tls_session;
struct np_tls_session *np_tls_conn_session(struct np_tls_conn *c);
int np_tls_conn_resume(struct np_tls_conn *c, struct np_tls_session *s);
int np_tls_conn_resumed(struct np_tls_conn *c);
void np_tls_session_free(struct np_tls_session *s);

/* A connection about to sit idle gives back its record buffers (about
 * 17 KB each): post-handshake messages read while no application data is
 * asked for leave the read buffer allocated otherwise. */
void np_tls_conn_shed(struct np_tls_conn *c);

enum np_tls_step { NP_TLS_DONE, NP_TLS_WANT_READ, NP_TLS_WANT_WRITE, NP_TLS_ERROR };

/* Call again on the readiness it asked for. Once DONE or ERROR, it keeps
 * answering the same. Certificate problems do not make it fail: they are in
 * the facts. */
enum np_tls_step np_tls_handshake(struct np_tls_conn *c);

/* After the handshake. A write may be partial (*written < len): call again
 * with the rest; after WANT_*, call again with the same bytes. */
enum np_tls_step np_tls_write(struct np_tls_conn *c, const void *buf, size_t len, size_t *written);

/* *got > 0 + DONE: data. *got 0 + DONE: the peer closed (facts.close_notify
 * tells a clean TLS close from a bare EOF). ERROR: facts.error, sys_errno. */
enum np_tls_step np_tls_read(struct np_tls_conn *c, void *buf, size_t len, size_t *got);

/*
 * The server side (netprobe's responder). A context from a PEM certificate
 * file (the leaf, then the chain) and a PEM private key: NULL on failure
 * with one line in err naming the file and the problem, e.g. "--tls FILE:
 * cannot read it: ...", "--tls FILE: no certificate in it", "--tls: the key
 * in KEY does not match the certificate in CERT". Files are read here,
 * once: the caller may give up the privileges to read them afterwards.
 * TLS 1.2 and later, no renegotiation, SSL_MODE_RELEASE_BUFFERS.
 */
struct np_tls_server *np_tls_server_new(const char *cert_file, const char *key_file, char *err,
                                        size_t errlen);
void np_tls_server_free(struct np_tls_server *srv);   /* after its connections */

/* A connection accepted on the non-blocking socket fd (borrowed, as on the
 * client side). Drive it with np_tls_handshake, then np_tls_read and
 * np_tls_write: the same steps and answers as a client's. Free with
 * np_tls_conn_free. */
struct np_tls_conn *np_tls_server_conn_new(struct np_tls_server *srv, int fd, char *err, size_t errlen);

/* Send close_notify once, if the handshake is done; errors are ignored
 * (the caller closes the socket next). */
void np_tls_close_notify(struct np_tls_conn *c);

struct np_tls_cert {
	char subject[256], issuer[256];  /* "C = US, O = Lab, CN = x" (as openssl x509 prints), UTF-8 */
	char not_before[32], not_after[32];  /* ISO 8601 UTC, "2026-01-31T12:00:00Z" */
	long days_left;                  /* whole days to not_after, rounded down: < 0 expired */
	char sha256[96];                 /* of the DER, hex with colons */
	int self_signed;                 /* issuer == subject and its own key signs it */
};

struct np_tls_problem {
	int code;        /* X509_V_ERR_* */
	int depth;       /* in the verified chain, 0: the leaf */
	char text[160];  /* X509_verify_cert_error_string() */
};

struct np_tls_facts {
	char version[16];  /* "TLSv1.0" .. "TLSv1.3", "" before ServerHello */
	int version_num;   /* 10, 11, 12, 13; 0 unknown */
	char cipher[64];   /* OpenSSL's name, "TLS_AES_256_GCM_SHA384" */
	char alpn[32];     /* the protocol the server chose, "" for none */

	size_t n_chain;    /* as presented by the server, leaf first, capped */
	struct np_tls_cert chain[NP_TLS_MAX_CHAIN];
	long leaf_days_left, chain_days_left;  /* the smallest over the chain; 0 without one */

	/* EVERY verify error: the callback records and continues. The flags
	 * below are set from all of them, even past NP_TLS_MAX_PROBLEMS. */
	size_t n_problems;
	struct np_tls_problem problems[NP_TLS_MAX_PROBLEMS];
	int expired, not_yet_valid, hostname_mismatch;
	int untrusted;                /* any other verify error (unknown issuer, self-signed, ...) */
	char untrusted_reason[160];   /* the first such error's text */

	char anchor_subject[256];     /* root of the verified chain when it is trusted, "" if none */
	int anchor_public;            /* 1: the anchor is in the OS's public bundle, 0: added
	                               * locally, -1: unknown / no anchor / not the system store */

	int alert_received;           /* a TLS alert from the peer (not close_notify) */
	char alert[64];               /* "handshake failure (40)"; a fatal one wins */
	int peer_closed;              /* EOF during the handshake */
	int sys_errno;                /* a socket error (ECONNRESET...), handshake or later I/O */
	char error[256];              /* on NP_TLS_ERROR: what happened, in words */
	size_t bytes_read;            /* bytes received during the handshake (0: nothing came back) */
	int close_notify;             /* the peer closed with close_notify (a clean TLS close) */
};

/* What is known so far: complete after DONE, partial after ERROR (the
 * chain and problems seen before the failure). */
void np_tls_get_facts(struct np_tls_conn *c, struct np_tls_facts *out);

/* The OpenSSL library in use, e.g. "OpenSSL 3.0.17 1 Jul 2025". */
const char *np_tls_library_version(void);

#endif
