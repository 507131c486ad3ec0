/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The TLS client against a real OpenSSL server in the same process: the
 * client on one end of a socketpair, the server on memory BIOs whose bytes
 * the test carries to the other end (so it can stop or cut the flight).
 * Certificates are made at test time with the openssl command. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "tls/tls_int.h"
#include "certdir.h"

/* A self-contained config (the system's openssl.cnf is not needed) and
 * the certificates: a lab CA, leaves it signs for good.example (valid,
 * expired, not yet valid), other.example, 127.0.0.1, a self-signed leaf,
 * and an "inspection" CA signing good.example. One leaf key for all. */
static const char ca_cnf[] =
	"[ req ]\ndistinguished_name = dn\nprompt = no\n[ dn ]\nCN = unused\n"
	"[ ca ]\ndefault_ca = lab\n"
	"[ lab ]\ndir = .\ndatabase = index.txt\nnew_certs_dir = issued\nserial = serial\n"
	"default_md = sha256\npolicy = any\nunique_subject = no\ncopy_extensions = none\n"
	"[ any ]\ncommonName = supplied\n"
	"[ ext_ca ]\nbasicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign, cRLSign\n"
	"subjectKeyIdentifier = hash\n"
	"[ ext_good ]\nbasicConstraints = CA:FALSE\nsubjectAltName = DNS:good.example\n"
	"[ ext_other ]\nbasicConstraints = CA:FALSE\nsubjectAltName = DNS:other.example\n"
	"[ ext_ip ]\nbasicConstraints = CA:FALSE\nsubjectAltName = IP:127.0.0.1\n";

static const char gen_sh[] =
	"set -e\n"
	"export OPENSSL_CONF=\"$PWD/ca.cnf\"\n"
	": > index.txt; echo 1000 > serial; mkdir -p issued public empty\n"
	"key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out \"$1\"; }\n"
	"key ca.key; key insp.key; key leaf.key\n"
	"openssl req -new -x509 -key ca.key -subj '/O=netprobe lab/CN=netprobe lab CA' -days 3650 "
	"-extensions ext_ca -out ca.pem\n"
	"openssl req -new -x509 -key insp.key -subj '/CN=netprobe inspection CA' -days 3650 "
	"-extensions ext_ca -out insp.pem\n"
	"for n in good.example other.example 127.0.0.1; do openssl req -new -key leaf.key -subj \"/CN=$n\" "
	"-out $n.csr; done\n"
	"sign() { csr=$1 out=$2 ext=$3; shift 3;\n"
	"  openssl ca -batch -notext -cert ca.pem -keyfile ca.key -in $csr -out $out -extensions $ext \"$@\"; }\n"
	"sign good.example.csr good.pem ext_good -days 30\n"
	"sign good.example.csr expired.pem ext_good -startdate 20200101000000Z -enddate 20200201000000Z\n"
	"sign good.example.csr future.pem ext_good -startdate 20990101000000Z -enddate 20991231000000Z\n"
	"sign other.example.csr other.pem ext_other -days 30\n"
	"sign other.example.csr expired_other.pem ext_other -startdate 20200101000000Z -enddate 20200201000000Z\n"
	"sign 127.0.0.1.csr ip.pem ext_ip -days 30\n"
	"openssl ca -batch -notext -selfsign -keyfile leaf.key -in good.example.csr -out self.pem "
	"-extensions ext_good -days 30\n"
	"openssl x509 -req -in good.example.csr -CA insp.pem -CAkey insp.key -set_serial 4242 -days 30 "
	"-extfile ca.cnf -extensions ext_good -out inspected.pem\n"
	"openssl x509 -in good.pem -noout -fingerprint -sha256 > good.fp\n"
	"openssl x509 -in ca.pem -outform DER -out ca.der\n"
	"cp ca.pem public/lab.crt\n"
	"echo 'no certificate here' > nocert.pem\n";

static int make_certs(void **state)
{
	(void)state;
	return certdir_make("np-tls", ca_cnf, gen_sh, "good.fp");
}

/* ---- The server ---- */

struct srv_opts {
	const char *cert;       /* leaf, in dir (key: leaf.key) */
	const char *extra;      /* sent after the leaf, or NULL */
	int n_extra;            /* how many times (default 1) */
	int min, max;           /* protocol versions, 0: OpenSSL's default */
	const char *suites;     /* TLS 1.3 cipher suites, NULL: default */
	int want_client_cert;   /* and fail without one */
	long close_after;       /* > 0: close having sent this many bytes; 0: never */
	int close_at_hello;     /* close as the ClientHello arrives: 1 having read it, 2 unread (a reset) */
};

struct pair {
	struct np_tls_ctx *ctx;
	struct np_tls_conn *c;
	int cfd, sfd;
	SSL_CTX *sctx;
	SSL *s;
	BIO *in, *out;
	const struct srv_opts *so;
	size_t sent, received;
	int server_done;
	struct np_tls_facts f;
};

static int select_alpn(SSL *s, const unsigned char **out, unsigned char *outlen, const unsigned char *in,
                       unsigned int inlen, void *arg)
{
	(void)s;
	(void)arg;
	return SSL_select_next_proto((unsigned char **)out, outlen, (const unsigned char *)"\x08http/1.1", 9,
	                             in, inlen) == OPENSSL_NPN_NEGOTIATED ? SSL_TLSEXT_ERR_OK : SSL_TLSEXT_ERR_NOACK;
}

static SSL_CTX *server_ctx(const struct srv_opts *so)
{
	SSL_CTX *s = SSL_CTX_new(TLS_server_method());
	int i;

	assert_non_null(s);
	SSL_CTX_set_security_level(s, 0);
	assert_true(SSL_CTX_set_cipher_list(s, "DEFAULT:@SECLEVEL=0"));
	assert_true(SSL_CTX_use_certificate_file(s, in_dir(so->cert), SSL_FILETYPE_PEM));
	assert_true(SSL_CTX_use_PrivateKey_file(s, in_dir("leaf.key"), SSL_FILETYPE_PEM));
	for (i = 0; so->extra && i < (so->n_extra ? so->n_extra : 1); i++) {
		FILE *fp = fopen(in_dir(so->extra), "r");
		X509 *x;

		assert_non_null(fp);
		x = PEM_read_X509(fp, NULL, NULL, NULL);
		fclose(fp);
		assert_non_null(x);
		assert_true(SSL_CTX_add_extra_chain_cert(s, x));
	}
	if (so->min)
		assert_true(SSL_CTX_set_min_proto_version(s, so->min));
	if (so->max)
		assert_true(SSL_CTX_set_max_proto_version(s, so->max));
	if (so->suites)
		assert_true(SSL_CTX_set_ciphersuites(s, so->suites));
	if (so->want_client_cert)
		SSL_CTX_set_verify(s, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	SSL_CTX_set_alpn_select_cb(s, select_alpn, NULL);
	return s;
}

static struct pair *pair_new_ctx(struct np_tls_ctx *ctx, const struct srv_opts *so, const char *sni,
                                 const char *host)
{
	struct pair *p = calloc(1, sizeof(*p));
	char err[256];
	int sv[2];

	assert_non_null(p);
	assert_non_null(ctx);
	p->ctx = ctx;
	p->so = so;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	p->cfd = sv[0];
	p->sfd = sv[1];
	assert_int_equal(fcntl(p->cfd, F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(fcntl(p->sfd, F_SETFL, O_NONBLOCK), 0);
	p->c = np_tls_conn_new(ctx, p->cfd, sni, host, err, sizeof(err));
	if (!p->c)
		fail_msg("np_tls_conn_new: %s", err);
	p->sctx = server_ctx(so);
	p->s = SSL_new(p->sctx);
	p->in = BIO_new(BIO_s_mem());
	p->out = BIO_new(BIO_s_mem());
	assert_true(p->s && p->in && p->out);
	SSL_set_bio(p->s, p->in, p->out);
	SSL_set_accept_state(p->s);
	return p;
}

static struct np_tls_ctx *ctx_with(const char *ca)
{
	struct np_tls_ctx_opts o = { .ca_file = ca ? in_dir(ca) : NULL, .min_version = 12 };
	char err[256];
	struct np_tls_ctx *ctx = np_tls_ctx_new(&o, err, sizeof(err));

	if (!ctx)
		fail_msg("np_tls_ctx_new: %s", err);
	return ctx;
}

static struct pair *pair_new(const struct srv_opts *so, const char *sni, const char *host)
{
	return pair_new_ctx(ctx_with("ca.pem"), so, sni, host);
}

static void server_close(struct pair *p)
{
	close(p->sfd);
	p->sfd = -1;
}

/* One turn of the server: take what the client sent, advance, send what
 * it wrote (up to close_after), close when told to. */
static void server_step(struct pair *p)
{
	char buf[16384];
	ssize_t n;
	int pending;

	if (p->sfd < 0)
		return;
	if (p->so->close_at_hello == 2) {
		struct pollfd pf = { .fd = p->sfd, .events = POLLIN };

		if (poll(&pf, 1, 0) == 1)
			server_close(p);   /* unread data: the client sees a reset */
		return;
	}
	while ((n = recv(p->sfd, buf, sizeof(buf), 0)) > 0) {
		assert_int_equal(BIO_write(p->in, buf, (int)n), (int)n);
		p->received += (size_t)n;
	}
	if (p->so->close_at_hello == 1 && p->received) {
		server_close(p);
		return;
	}
	if (!p->server_done)
		p->server_done = SSL_do_handshake(p->s) == 1;
	else
		SSL_read(p->s, buf, 0);   /* takes alerts, close_notify */
	while ((pending = (int)BIO_ctrl_pending(p->out)) > 0) {
		size_t room = sizeof(buf);

		if (p->so->close_after > 0 && (size_t)p->so->close_after - p->sent < room)
			room = (size_t)p->so->close_after - p->sent;
		n = BIO_read(p->out, buf, (int)(room < (size_t)pending ? room : (size_t)pending));
		if (n <= 0)
			break;
		assert_int_equal(send(p->sfd, buf, (size_t)n, MSG_NOSIGNAL), n);
		p->sent += (size_t)n;
		if (p->so->close_after > 0 && p->sent >= (size_t)p->so->close_after) {
			server_close(p);
			return;
		}
	}
}

/* Both ends until the client's handshake answers DONE or ERROR; then the
 * server's last turn (TLS 1.3: it takes the client's Finished). */
static enum np_tls_step handshake(struct pair *p)
{
	enum np_tls_step st = NP_TLS_ERROR;
	int i;

	for (i = 0; i < 100; i++) {
		struct pollfd pf[2];
		nfds_t n = 1;

		st = np_tls_handshake(p->c);
		if (st == NP_TLS_DONE || st == NP_TLS_ERROR)
			break;
		server_step(p);
		pf[0].fd = p->cfd;
		pf[0].events = st == NP_TLS_WANT_READ ? POLLIN : POLLOUT;
		if (p->sfd >= 0) {
			pf[1].fd = p->sfd;
			pf[1].events = POLLIN;
			n = 2;
		}
		if (poll(pf, n, 2000) <= 0)
			fail_msg("handshake stalled (step %d)", (int)st);
	}
	server_step(p);
	np_tls_get_facts(p->c, &p->f);
	return st;
}

static void pair_free(struct pair *p)
{
	np_tls_conn_free(p->c);
	np_tls_ctx_free(p->ctx);
	SSL_free(p->s);
	SSL_CTX_free(p->sctx);
	close(p->cfd);
	if (p->sfd >= 0)
		close(p->sfd);
	free(p);
}

static int has_problem(const struct np_tls_facts *f, int code, int depth)
{
	size_t i;

	for (i = 0; i < f->n_problems; i++)
		if (f->problems[i].code == code && f->problems[i].depth == depth)
			return 1;
	return 0;
}

static const char *server_name(struct pair *p)
{
	const char *n = SSL_get_servername(p->s, TLSEXT_NAMETYPE_host_name);

	return n ? n : "";
}

/* ---- Tests ---- */

static void valid_certificate_gives_every_fact_and_no_problem(void **state)
{
	struct srv_opts so = { .cert = "good.pem", .extra = "ca.pem" };
	struct pair *p = pair_new(&so, "good.example", "good.example");
	struct np_tls_facts *f = &p->f;
	char fp[200] = "", *eq;
	FILE *fpf;

	(void)state;
	assert_int_equal(handshake(p), NP_TLS_DONE);
	assert_int_equal(f->n_problems, 0);
	assert_false(f->expired || f->not_yet_valid || f->hostname_mismatch || f->untrusted);
	assert_string_equal(f->version, "TLSv1.3");
	assert_int_equal(f->version_num, 13);
	assert_non_null(strstr(f->cipher, "TLS_AES_"));
	assert_string_equal(f->alpn, "http/1.1");
	assert_string_equal(server_name(p), "good.example");
	assert_int_equal(f->n_chain, 2);
	assert_string_equal(f->chain[0].subject, "CN = good.example");
	assert_string_equal(f->chain[0].issuer, "O = netprobe lab, CN = netprobe lab CA");
	assert_string_equal(f->chain[1].subject, "O = netprobe lab, CN = netprobe lab CA");
	assert_false(f->chain[0].self_signed);
	assert_true(f->chain[1].self_signed);
	assert_int_equal(strlen(f->chain[0].not_after), 20);
	assert_int_equal(f->chain[0].not_after[10], 'T');
	assert_int_equal(f->chain[0].not_after[19], 'Z');
	assert_true(strcmp(f->chain[0].not_before, f->chain[0].not_after) < 0);
	assert_in_range(f->chain[0].days_left, 29, 30);
	assert_int_equal(f->leaf_days_left, f->chain[0].days_left);
	assert_int_equal(f->chain_days_left, f->chain[0].days_left);
	assert_true(f->chain[1].days_left > 3000);
	fpf = fopen(in_dir("good.fp"), "r");   /* "sha256 Fingerprint=AB:CD:..." */
	assert_non_null(fpf);
	assert_non_null(fgets(fp, sizeof(fp), fpf));
	fclose(fpf);
	fp[strcspn(fp, "\n")] = '\0';
	eq = strchr(fp, '=');
	assert_non_null(eq);
	assert_string_equal(f->chain[0].sha256, eq + 1);
	assert_string_equal(f->anchor_subject, "O = netprobe lab, CN = netprobe lab CA");
	assert_int_equal(f->anchor_public, -1);   /* --ca: no system store */
	assert_true(f->bytes_read > 500);
	assert_false(f->alert_received || f->peer_closed || f->sys_errno);
	assert_string_equal(f->error, "");
	pair_free(p);
}

static void expired_is_expired_not_untrusted(void **state)
{
	struct srv_opts so = { .cert = "expired.pem" };
	struct pair *p = pair_new(&so, "good.example", "good.example");

	(void)state;
	assert_int_equal(handshake(p), NP_TLS_DONE);
	assert_true(p->f.expired);
	assert_true(has_problem(&p->f, X509_V_ERR_CERT_HAS_EXPIRED, 0));
	assert_string_equal(p->f.problems[0].text, "certificate has expired");
	assert_false(p->f.untrusted || p->f.hostname_mismatch || p->f.not_yet_valid);
	assert_true(p->f.leaf_days_left < -300);
	assert_string_equal(p->f.chain[0].not_after, "2020-02-01T00:00:00Z");
	assert_string_equal(p->f.anchor_subject, "O = netprobe lab, CN = netprobe lab CA");
	pair_free(p);
}

static void not_yet_valid_is_told(void **state)
{
	struct srv_opts so = { .cert = "future.pem" };
	struct pair *p = pair_new(&so, "good.example", "good.example");

	(void)state;
	assert_int_equal(handshake(p), NP_TLS_DONE);
	assert_true(p->f.not_yet_valid);
	assert_true(has_problem(&p->f, X509_V_ERR_CERT_NOT_YET_VALID, 0));
	assert_false(p->f.untrusted || p->f.expired);
	assert_string_equal(p->f.chain[0].not_before, "2099-01-01T00:00:00Z");
	pair_free(p);
}

static void wrong_name_is_a_hostname_mismatch(void **state)
{
	struct srv_opts so = { .cert = "other.pem" };
	struct pair *p = pair_new(&so, "good.example", "good.example.");

	(void)state;
	assert_int_equal(handshake(p), NP_TLS_DONE);
	assert_true(p->f.hostname_mismatch);
	assert_true(has_problem(&p->f, X509_V_ERR_HOSTNAME_MISMATCH, 0));
	assert_int_equal(p->f.n_problems, 1);
	assert_false(p->f.untrusted || p->f.expired);
	assert_string_equal(server_name(p), "good.example");   /* trailing dot dropped */
	pair_free(p);
}

static void self_signed_is_untrusted_with_a_reason(void **state)
{
	struct srv_opts so = { .cert = "self.pem" };
	struct pair *p = pair_new(&so, "good.example", "good.example");

	(void)state;
	assert_int_equal(handshake(p), NP_TLS_DONE);
	assert_true(p->f.untrusted);
	assert_true(has_problem(&p->f, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, 0));
	assert_string_equal(p->f.untrusted_reason, "self-signed certificate");
	assert_true(p->f.chain[0].self_signed);
	assert_string_equal(p->f.anchor_subject, "");
	assert_false(p->f.hostname_mismatch || p->f.expired);
	pair_free(p);
}

static void inspection_ca_not_in_ca_file_is_untrusted(void **state)
{
	struct srv_opts leaf_only = { .cert = "inspected.pem" };
	struct srv_opts with_root = { .cert = "inspected.pem", .extra = "insp.pem" };
	struct pair *p = pair_new(&leaf_only, "good.example", "good.example");

	(void)state;
	assert_int_equal(handshake(p), NP_TLS_DONE);
	assert_true(p->f.untrusted);
	assert_true(has_problem(&p->f, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, 0));
	assert_string_equal(p->f.chain[0].issuer, "CN = netprobe inspection CA");
	assert_string_equal(p->f.anchor_subject, "");
	assert_false(p->f.hostname_mismatch);
	pair_free(p);

	p = pair_new(&with_root, "good.example", "good.example");
	assert_int_equal(handshake(p), NP_TLS_DONE);
	assert_true(p->f.untrusted);
	assert_true(has_problem(&p->f, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, 1));
	assert_int_equal(p->f.n_chain, 2);
	assert_string_equal(p->f.anchor_subject, "");
	pair_free(p);
}

static void several_problems_are_all_listed(void **state)
{
	struct srv_opts expired_other = { .cert = "expired_other.pem" };
	struct srv_opts inspected = { .cert = "inspected.pem" };
	struct pair *p = pair_new(&expired_other, "good.example", "good.example");

	(void)state;
	assert_int_equal(handshake(p), NP_TLS_DONE);
	assert_true(p->f.expired && p->f.hostname_mismatch);
	assert_true(has_problem(&p->f, X509_V_ERR_CERT_HAS_EXPIRED, 0));
	assert_true(has_problem(&p->f, X509_V_ERR_HOSTNAME_MISMATCH, 0));
	assert_int_equal(p->f.n_problems, 2);
	assert_false(p->f.untrusted);
	pair_free(p);

	p = pair_new(&inspected, "other.example", "other.example");
	assert_int_equal(handshake(p), NP_TLS_DONE);
	assert_true(p->f.untrusted && p->f.hostname_mismatch);
	pair_free(p);
}

static void ip_literals_are_checked_as_addresses_without_sni(void **state)
{
	struct srv_opts ip = { .cert = "ip.pem" };
	struct srv_opts good = { .cert = "good.pem" };
	struct pair *p = pair_new(&ip, "127.0.0.1", "127.0.0.1");

	(void)state;
	assert_int_equal(handshake(p), NP_TLS_DONE);
	assert_int_equal(p->f.n_problems, 0);
	assert_string_equal(server_name(p), "");
	pair_free(p);

	p = pair_new(&good, NULL, "[::1]");
	assert_int_equal(handshake(p), NP_TLS_DONE);
	assert_true(p->f.hostname_mismatch);
	assert_true(has_problem(&p->f, X509_V_ERR_IP_ADDRESS_MISMATCH, 0));
	assert_string_equal(server_name(p), "");
	pair_free(p);
}

static void old_server_limited_to_tls10_is_observed(void **state)
{
	struct srv_opts tls10 = { .cert = "good.pem", .min = TLS1_VERSION, .max = TLS1_VERSION };
	struct srv_opts tls12 = { .cert = "good.pem", .max = TLS1_2_VERSION };
	struct pair *p = pair_new(&tls10, "good.example", "good.example");

	(void)state;
	assert_int_equal(handshake(p), NP_TLS_DONE);
	assert_int_equal(p->f.version_num, 10);
	assert_string_equal(p->f.version, "TLSv1.0");
	assert_non_null(strstr(p->f.cipher, "ECDHE-ECDSA"));
	assert_int_equal(p->f.n_problems, 0);
	pair_free(p);

	p = pair_new(&tls12, "good.example", "good.example");
	assert_int_equal(handshake(p), NP_TLS_DONE);
	assert_int_equal(p->f.version_num, 12);
	assert_string_equal(p->f.version, "TLSv1.2");
	pair_free(p);
}

static void fatal_alert_is_an_error_with_its_name(void **state)
{
	/* A TLS 1.3-only server whose one suite the client does not offer. */
	struct srv_opts no_cipher = { .cert = "good.pem", .min = TLS1_3_VERSION,
	                              .suites = "TLS_AES_128_CCM_8_SHA256" };
	/* TLS 1.2: the client finishes its flight, then hears the refusal. */
	struct srv_opts client_cert = { .cert = "good.pem", .max = TLS1_2_VERSION, .want_client_cert = 1 };
	struct pair *p = pair_new(&no_cipher, "good.example", "good.example");

	(void)state;
	assert_int_equal(handshake(p), NP_TLS_ERROR);
	assert_true(p->f.alert_received);
	assert_string_equal(p->f.alert, "handshake failure (40)");
	assert_non_null(strstr(p->f.error, "handshake failure (40)"));
	assert_int_equal(p->f.bytes_read, 7);   /* one alert record */
	assert_false(p->f.peer_closed);
	assert_int_equal(p->f.n_chain, 0);
	assert_int_equal(np_tls_handshake(p->c), NP_TLS_ERROR);   /* stays failed */
	pair_free(p);

	p = pair_new(&client_cert, "good.example", "good.example");
	assert_int_equal(handshake(p), NP_TLS_ERROR);
	assert_true(p->f.alert_received);
	assert_string_not_equal(p->f.alert, "");
	assert_int_equal(p->f.version_num, 12);
	assert_int_equal(p->f.n_chain, 1);   /* the chain came before the alert */
	assert_int_equal(p->f.n_problems, 0);
	pair_free(p);
}

static void server_closing_in_the_handshake_is_peer_closed(void **state)
{
	struct srv_opts at_hello = { .cert = "good.pem", .close_at_hello = 1 };
	struct srv_opts mid_flight = { .cert = "good.pem", .close_after = 50 };
	struct pair *p = pair_new(&at_hello, "good.example", "good.example");

	(void)state;
	assert_int_equal(handshake(p), NP_TLS_ERROR);
	assert_true(p->f.peer_closed);
	assert_int_equal(p->f.bytes_read, 0);
	assert_int_equal(p->f.sys_errno, 0);
	assert_non_null(strstr(p->f.error, "closed the connection during the handshake, having sent nothing"));
	pair_free(p);

	p = pair_new(&mid_flight, "good.example", "good.example");
	assert_int_equal(handshake(p), NP_TLS_ERROR);
	assert_true(p->f.peer_closed);
	assert_int_equal(p->f.bytes_read, 50);
	assert_non_null(strstr(p->f.error, "after 50 bytes"));
	pair_free(p);
}

static void reset_in_the_handshake_gives_the_errno(void **state)
{
	struct srv_opts reset = { .cert = "good.pem", .close_at_hello = 2 };
	struct pair *p = pair_new(&reset, "good.example", "good.example");

	(void)state;
	assert_int_equal(handshake(p), NP_TLS_ERROR);
	assert_int_equal(p->f.sys_errno, ECONNRESET);
	assert_false(p->f.peer_closed);
	assert_non_null(strstr(p->f.error, strerror(ECONNRESET)));
	pair_free(p);
}

/* Data both ways after the handshake, then a clean close and a bare one. */
static void reads_writes_and_tells_clean_from_bare_close(void **state)
{
	struct srv_opts so = { .cert = "good.pem" };
	struct pair *p = pair_new(&so, "good.example", "good.example");
	char buf[64];
	size_t n = 0;
	int i;

	(void)state;
	assert_int_equal(handshake(p), NP_TLS_DONE);
	assert_true(p->server_done);
	assert_int_equal(np_tls_write(p->c, "ping", 4, &n), NP_TLS_DONE);
	assert_int_equal(n, 4);
	server_step(p);
	assert_int_equal(SSL_read(p->s, buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "ping", 4);
	assert_int_equal(SSL_write(p->s, "pong", 4), 4);
	server_step(p);
	assert_int_equal(np_tls_read(p->c, buf, sizeof(buf), &n), NP_TLS_DONE);   /* tickets first, then data */
	assert_int_equal(n, 4);
	assert_memory_equal(buf, "pong", 4);
	assert_int_equal(np_tls_read(p->c, buf, sizeof(buf), &n), NP_TLS_WANT_READ);
	SSL_shutdown(p->s);
	server_step(p);
	assert_int_equal(np_tls_read(p->c, buf, sizeof(buf), &n), NP_TLS_DONE);
	assert_int_equal(n, 0);
	np_tls_get_facts(p->c, &p->f);
	assert_true(p->f.close_notify);
	pair_free(p);

	p = pair_new(&so, "good.example", "good.example");
	assert_int_equal(handshake(p), NP_TLS_DONE);
	server_close(p);
	for (i = 0; i < 3; i++) {   /* and it keeps saying so */
		assert_int_equal(np_tls_read(p->c, buf, sizeof(buf), &n), NP_TLS_DONE);
		assert_int_equal(n, 0);
	}
	np_tls_get_facts(p->c, &p->f);
	assert_false(p->f.close_notify);
	assert_string_equal(p->f.error, "");
	pair_free(p);
}

/* TLS 1.3 (RFC 8446 section 4.4.2.4): the client has finished before the
 * server judges its (empty) certificate, so the refusal comes at the first
 * read, not in the handshake. */
static void tls13_client_cert_refusal_comes_at_the_first_read(void **state)
{
	struct srv_opts so = { .cert = "good.pem", .want_client_cert = 1 };
	struct pair *p = pair_new(&so, "good.example", "good.example");
	char buf[64];
	size_t n = 1;

	(void)state;
	assert_int_equal(handshake(p), NP_TLS_DONE);
	assert_int_equal(p->f.version_num, 13);
	assert_int_equal(np_tls_read(p->c, buf, sizeof(buf), &n), NP_TLS_ERROR);
	assert_int_equal(n, 0);
	np_tls_get_facts(p->c, &p->f);
	assert_true(p->f.alert_received);
	assert_string_equal(p->f.alert, "certificate required (116)");
	assert_non_null(strstr(p->f.error, "while reading"));
	assert_false(p->f.peer_closed);
	pair_free(p);
}

static void chain_is_capped(void **state)
{
	struct srv_opts so = { .cert = "good.pem", .extra = "ca.pem", .n_extra = NP_TLS_MAX_CHAIN + 2 };
	struct pair *p = pair_new(&so, "good.example", "good.example");

	(void)state;
	assert_int_equal(handshake(p), NP_TLS_DONE);
	assert_int_equal(p->f.n_chain, NP_TLS_MAX_CHAIN);
	assert_string_equal(p->f.chain[NP_TLS_MAX_CHAIN - 1].subject, "O = netprobe lab, CN = netprobe lab CA");
	pair_free(p);
}

static void bad_ca_files_are_one_line_each(void **state)
{
	struct np_tls_ctx_opts o = { .min_version = 12 };
	char err[256], want[300];

	(void)state;
	o.ca_file = "/nonexistent/ca.pem";
	assert_null(np_tls_ctx_new(&o, err, sizeof(err)));
	assert_string_equal(err, "--ca /nonexistent/ca.pem: cannot read it: No such file or directory");
	o.ca_file = in_dir("nocert.pem");
	assert_null(np_tls_ctx_new(&o, err, sizeof(err)));
	snprintf(want, sizeof(want), "--ca %s: no certificate in it", o.ca_file);
	assert_string_equal(err, want);
	o.ca_file = in_dir("leaf.key");   /* PEM, but a key */
	assert_null(np_tls_ctx_new(&o, err, sizeof(err)));
	snprintf(want, sizeof(want), "--ca %s: no certificate in it", o.ca_file);
	assert_string_equal(err, want);
	o.ca_file = dir;
	assert_null(np_tls_ctx_new(&o, err, sizeof(err)));
	snprintf(want, sizeof(want), "--ca %s: cannot read it: Is a directory", dir);
	assert_string_equal(err, want);
	o.ca_file = in_dir("ca.pem");
	o.min_version = 14;
	assert_null(np_tls_ctx_new(&o, err, sizeof(err)));
	assert_non_null(strstr(err, "not one of 10, 11, 12, 13"));
	assert_int_equal(ERR_peek_error(), 0);   /* nothing left on the queue */
}

static void der_ca_file_is_read(void **state)
{
	struct srv_opts so = { .cert = "good.pem" };
	struct pair *p = pair_new_ctx(ctx_with("ca.der"), &so, "good.example", "good.example");

	(void)state;
	assert_int_equal(handshake(p), NP_TLS_DONE);
	assert_int_equal(p->f.n_problems, 0);
	pair_free(p);
}

/* The system store (here pointed at the lab CA by SSL_CERT_FILE, as for
 * the openssl tools): the anchor is public only if the bundle has it. */
static void anchor_is_public_only_if_the_os_ships_it(void **state)
{
	struct srv_opts so = { .cert = "good.pem" };
	const char *bundles[] = { NULL, "public", "nonexistent" };
	const int want[] = { 0, 1, -1 };
	size_t i;

	(void)state;
	setenv("SSL_CERT_FILE", in_dir("ca.pem"), 1);
	setenv("SSL_CERT_DIR", in_dir("empty"), 1);
	for (i = 0; i < 3; i++) {
		struct np_tls_ctx_opts o = { .public_dir = bundles[i] ? in_dir(bundles[i]) : NULL };
		char err[256];
		struct np_tls_ctx *ctx = np_tls_ctx_new(&o, err, sizeof(err));
		struct pair *p;

		assert_non_null(ctx);
		p = pair_new_ctx(ctx, &so, "good.example", "good.example");
		assert_int_equal(handshake(p), NP_TLS_DONE);
		assert_int_equal(p->f.n_problems, 0);
		assert_string_equal(p->f.anchor_subject, "O = netprobe lab, CN = netprobe lab CA");
		assert_int_equal(p->f.anchor_public, want[i]);
		np_tls_get_facts(p->c, &p->f);   /* the bundle is read once, kept */
		assert_int_equal(p->f.anchor_public, want[i]);
		pair_free(p);
	}
	unsetenv("SSL_CERT_FILE");
	unsetenv("SSL_CERT_DIR");
}

static void text_is_bounded_valid_utf8(void **state)
{
	char out[8];

	(void)state;
	np_tls_copy_text(out, sizeof(out), "abc\xff\x01z", 6);
	assert_string_equal(out, "abc??z");
	np_tls_copy_text(out, sizeof(out), "abcdef\xc3\xa9", 8);   /* é does not fit whole */
	assert_string_equal(out, "abcdef");
	np_tls_copy_text(out, sizeof(out), "\xc3\xa9\xed\xa0\x80", 5);   /* a surrogate is not UTF-8 */
	assert_string_equal(out, "\xc3\xa9???");
	np_tls_copy_text(out, sizeof(out), "\xc0\xaf", 2);   /* nor an overlong '/' */
	assert_string_equal(out, "??");
}

static void library_version_is_openssl_3(void **state)
{
	(void)state;
	assert_non_null(strstr(np_tls_library_version(), "OpenSSL 3."));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(valid_certificate_gives_every_fact_and_no_problem),
		cmocka_unit_test(expired_is_expired_not_untrusted),
		cmocka_unit_test(not_yet_valid_is_told),
		cmocka_unit_test(wrong_name_is_a_hostname_mismatch),
		cmocka_unit_test(self_signed_is_untrusted_with_a_reason),
		cmocka_unit_test(inspection_ca_not_in_ca_file_is_untrusted),
		cmocka_unit_test(several_problems_are_all_listed),
		cmocka_unit_test(ip_literals_are_checked_as_addresses_without_sni),
		cmocka_unit_test(old_server_limited_to_tls10_is_observed),
		cmocka_unit_test(fatal_alert_is_an_error_with_its_name),
		cmocka_unit_test(server_closing_in_the_handshake_is_peer_closed),
		cmocka_unit_test(reset_in_the_handshake_gives_the_errno),
		cmocka_unit_test(reads_writes_and_tells_clean_from_bare_close),
		cmocka_unit_test(tls13_client_cert_refusal_comes_at_the_first_read),
		cmocka_unit_test(chain_is_capped),
		cmocka_unit_test(bad_ca_files_are_one_line_each),
		cmocka_unit_test(der_ca_file_is_read),
		cmocka_unit_test(anchor_is_public_only_if_the_os_ships_it),
		cmocka_unit_test(text_is_bounded_valid_utf8),
		cmocka_unit_test(library_version_is_openssl_3),
	};

	return cmocka_run_group_tests(tests, make_certs, certdir_remove);
}
