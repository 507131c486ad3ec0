/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The server side of tls/: one line for each way the certificate and key
 * files can be unusable, and a real handshake and exchange between
 * netprobe's client and its server on the two ends of a socketpair, both
 * non-blocking and driven step by step as the loop would. Certificates are
 * made at test time with the openssl command. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tls/tls.h"
#include "certdir.h"

static const char gen_sh[] =
	"set -e\n"
	"key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out \"$1\"; }\n"
	"key key.pem; key other.pem\n"
	"openssl req -new -x509 -key key.pem -subj '/CN=responder.example' "
	"-addext 'subjectAltName=DNS:responder.example' -days 30 -out cert.pem\n"
	"openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -aes-128-cbc -pass pass:pw -out enc.pem\n"
	"echo 'not PEM at all' > junk.pem\n"
	"mkdir adir\n";

static int make_certs(void **state)
{
	(void)state;
	return certdir_make("np-tls-srv", NULL, gen_sh, "cert.pem");
}

/* np_tls_server_new must fail, with err containing want. */
static void refused(const char *cert, const char *key, const char *want)
{
	char err[256];
	struct np_tls_server *s = np_tls_server_new(cert, key, err, sizeof(err));

	if (s) {
		np_tls_server_free(s);
		fail_msg("accepted cert %s key %s", cert, key);
	}
	if (!strstr(err, want))
		fail_msg("'%s' does not say '%s'", err, want);
	assert_null(strchr(err, '\n'));
}

static void bad_files_are_one_line_each(void **state)
{
	char want[300];

	(void)state;
	snprintf(want, sizeof(want), "--tls %s: cannot read it: No such file", in_dir("none.pem"));
	refused(in_dir("none.pem"), in_dir("key.pem"), want);
	snprintf(want, sizeof(want), "--tls %s: cannot read it: Is a directory", in_dir("adir"));
	refused(in_dir("adir"), in_dir("key.pem"), want);
	snprintf(want, sizeof(want), "--tls %s: no certificate in it", in_dir("junk.pem"));
	refused(in_dir("junk.pem"), in_dir("key.pem"), want);
	/* A key where the certificate should be. */
	refused(in_dir("key.pem"), in_dir("key.pem"), "no certificate in it");
	snprintf(want, sizeof(want), "--tls %s: cannot read it: No such file", in_dir("nokey.pem"));
	refused(in_dir("cert.pem"), in_dir("nokey.pem"), want);
	snprintf(want, sizeof(want), "--tls %s: no private key in it", in_dir("junk.pem"));
	refused(in_dir("cert.pem"), in_dir("junk.pem"), want);
	/* Encrypted: refused, never a passphrase prompt. */
	refused(in_dir("cert.pem"), in_dir("enc.pem"), "no private key in it");
	snprintf(want, sizeof(want), "--tls: the key in %s does not match the certificate in %s",
		 in_dir("other.pem"), in_dir("cert.pem"));
	refused(in_dir("cert.pem"), in_dir("other.pem"), want);
}

struct ends {
	struct np_tls_ctx *cctx;
	struct np_tls_server *srv;
	struct np_tls_conn *c, *s;
	int cfd, sfd;
};

static void ends_new(struct ends *e)
{
	struct np_tls_ctx_opts o = { .ca_file = in_dir("cert.pem"), .min_version = 12 };
	char err[256];
	int sv[2];

	e->cctx = np_tls_ctx_new(&o, err, sizeof(err));
	if (!e->cctx)
		fail_msg("client context: %s", err);
	e->srv = np_tls_server_new(in_dir("cert.pem"), in_dir("key.pem"), err, sizeof(err));
	if (!e->srv)
		fail_msg("server context: %s", err);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	e->cfd = sv[0];
	e->sfd = sv[1];
	assert_int_equal(fcntl(e->cfd, F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(fcntl(e->sfd, F_SETFL, O_NONBLOCK), 0);
	e->c = np_tls_conn_new(e->cctx, e->cfd, "responder.example", "responder.example", err, sizeof(err));
	e->s = np_tls_server_conn_new(e->srv, e->sfd, err, sizeof(err));
	assert_non_null(e->c);
	assert_non_null(e->s);
}

static void ends_free(struct ends *e)
{
	np_tls_conn_free(e->c);
	np_tls_conn_free(e->s);
	np_tls_server_free(e->srv);
	np_tls_ctx_free(e->cctx);
	close(e->cfd);
	close(e->sfd);
}

static short poll_for(enum np_tls_step st)
{
	return st == NP_TLS_WANT_WRITE ? POLLOUT : POLLIN;
}

static void handshake_both(struct ends *e)
{
	enum np_tls_step cs = NP_TLS_WANT_WRITE, ss = NP_TLS_WANT_READ;

	for (int i = 0; i < 100 && (cs != NP_TLS_DONE || ss != NP_TLS_DONE); i++) {
		struct pollfd pf[2] = { { e->cfd, poll_for(cs), 0 }, { e->sfd, poll_for(ss), 0 } };

		if (cs != NP_TLS_DONE)
			cs = np_tls_handshake(e->c);
		if (ss != NP_TLS_DONE)
			ss = np_tls_handshake(e->s);
		assert_int_not_equal(cs, NP_TLS_ERROR);
		assert_int_not_equal(ss, NP_TLS_ERROR);
		if (cs == NP_TLS_DONE && ss == NP_TLS_DONE)
			break;
		if (poll(pf, 2, 2000) <= 0)
			fail_msg("handshake stalled (client %d, server %d)", (int)cs, (int)ss);
	}
	assert_int_equal(cs, NP_TLS_DONE);
	assert_int_equal(ss, NP_TLS_DONE);
}

/* Read from c until n bytes came or it fails. */
static size_t read_all(struct np_tls_conn *c, int fd, char *buf, size_t n)
{
	size_t have = 0;

	for (int i = 0; i < 100 && have < n; i++) {
		struct pollfd pf = { fd, POLLIN, 0 };
		size_t got;
		enum np_tls_step st = np_tls_read(c, buf + have, n - have, &got);

		if (st == NP_TLS_ERROR || (st == NP_TLS_DONE && got == 0))
			break;
		have += got;
		if (st != NP_TLS_DONE)
			poll(&pf, 1, 2000);
	}
	return have;
}

static void handshake_and_lines_both_ways(void **state)
{
	static const char req[] = "NPR/1 HELLO\n", rep[] = "NPR/1 OK seen=x\n";
	struct np_tls_facts f;
	struct ends e;
	char buf[64];
	size_t put, got;

	(void)state;
	ends_new(&e);
	handshake_both(&e);
	np_tls_get_facts(e.c, &f);
	assert_int_equal(f.n_problems, 0);
	assert_int_equal(f.version_num, 13);
	assert_int_equal(np_tls_write(e.c, req, sizeof(req) - 1, &put), NP_TLS_DONE);
	assert_int_equal(put, sizeof(req) - 1);
	assert_int_equal(read_all(e.s, e.sfd, buf, sizeof(req) - 1), sizeof(req) - 1);
	assert_memory_equal(buf, req, sizeof(req) - 1);
	assert_int_equal(np_tls_write(e.s, rep, sizeof(rep) - 1, &put), NP_TLS_DONE);
	assert_int_equal(read_all(e.c, e.cfd, buf, sizeof(rep) - 1), sizeof(rep) - 1);
	assert_memory_equal(buf, rep, sizeof(rep) - 1);
	/* The server's close_notify reads as a clean close. */
	np_tls_close_notify(e.s);
	assert_int_equal(read_all(e.c, e.cfd, buf, sizeof(buf)), 0);
	assert_int_equal(np_tls_read(e.c, buf, sizeof(buf), &got), NP_TLS_DONE);
	assert_int_equal(got, 0);
	np_tls_get_facts(e.c, &f);
	assert_true(f.close_notify);
	/* The server's facts are safe to ask for (no client certificate). */
	np_tls_get_facts(e.s, &f);
	assert_int_equal(f.n_chain, 0);
	ends_free(&e);
}

static void plain_text_is_a_handshake_error(void **state)
{
	static const char line[] = "NPR/1 HELLO\n";
	struct ends e;
	enum np_tls_step st = NP_TLS_WANT_READ;

	(void)state;
	ends_new(&e);
	assert_int_equal(write(e.cfd, line, sizeof(line) - 1), (ssize_t)(sizeof(line) - 1));
	for (int i = 0; i < 10 && st == NP_TLS_WANT_READ; i++)
		st = np_tls_handshake(e.s);
	assert_int_equal(st, NP_TLS_ERROR);
	np_tls_close_notify(e.s);   /* not established: does nothing */
	ends_free(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bad_files_are_one_line_each),
		cmocka_unit_test(handshake_and_lines_both_ways),
		cmocka_unit_test(plain_text_is_a_handshake_error),
	};

	return cmocka_run_group_tests(tests, make_certs, certdir_remove);
}
