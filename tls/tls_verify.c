/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the server's certificates say: every verify error as it happens,
 * the presented chain in words, the anchor of the verified chain and
 * whether the OS ships it publicly or someone added it (an inspection
 * proxy's CA usually is the latter). */
#include "tls_int.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

/* ---- Text ---- */

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid:
 * no overlong forms, no surrogates, nothing past U+10FFFF (RFC 3629
 * section 4). JSON writers refuse anything else. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned long cp;
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

void np_tls_copy_text(char *dst, size_t dstlen, const char *src, size_t n)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0, o = 0;

	if (!dstlen)
		return;
	while (i < n) {
		size_t len = utf8_len(s + i, n - i);

		if (len == 0 || (len == 1 && (s[i] < 0x20 || s[i] == 0x7f))) {
			if (o + 1 >= dstlen)
				break;
			dst[o++] = '?';
			i++;
			continue;
		}
		if (o + len >= dstlen)
			break;
		memcpy(dst + o, s + i, len);
		o += len;
		i += len;
	}
	dst[o] = '\0';
}

/* "C = US, O = Lab, CN = x", as openssl x509 -subject prints it, but with
 * UTF-8 kept as UTF-8 rather than escaped. */
void np_tls_name_text(const X509_NAME *name, char *out, size_t outlen)
{
	BIO *m = BIO_new(BIO_s_mem());
	char *p = NULL;
	long n;

	out[0] = '\0';
	if (!m)
		return;
	if (X509_NAME_print_ex(m, name, 0, XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
		n = BIO_get_mem_data(m, &p);
		if (n > 0 && p)
			np_tls_copy_text(out, outlen, p, (size_t)n);
	}
	BIO_free(m);
}

static void time_text(const ASN1_TIME *t, char *out, size_t outlen)
{
	struct tm tm;

	out[0] = '\0';
	if (t && ASN1_TIME_to_tm(t, &tm) == 1)
		strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Whole days from now to t, rounded down: 10 hours past expiry is -1. */
static long days_until(const ASN1_TIME *t)
{
	int day = 0, sec = 0;
	long total;

	if (!t || !ASN1_TIME_diff(&day, &sec, NULL, t))
		return 0;
	total = (long)day * 86400 + sec;
	return total >= 0 ? total / 86400 : -((-total + 86399) / 86400);
}

static void cert_facts(X509 *x, struct np_tls_cert *out)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	size_t o = 0;

	memset(out, 0, sizeof(*out));
	np_tls_name_text(X509_get_subject_name(x), out->subject, sizeof(out->subject));
	np_tls_name_text(X509_get_issuer_name(x), out->issuer, sizeof(out->issuer));
	time_text(X509_get0_notBefore(x), out->not_before, sizeof(out->not_before));
	time_text(X509_get0_notAfter(x), out->not_after, sizeof(out->not_after));
	out->days_left = days_until(X509_get0_notAfter(x));
	if (X509_digest(x, EVP_sha256(), md, &mdlen)) {
		for (i = 0; i < mdlen && o + 3 < sizeof(out->sha256); i++) {
			if (i)
				out->sha256[o++] = ':';
			out->sha256[o++] = hex[md[i] >> 4];
			out->sha256[o++] = hex[md[i] & 15];
		}
		out->sha256[o] = '\0';
	}
	out->self_signed = X509_self_signed(x, 1) == 1;
}

/* ---- Verify callback ---- */

/* Errors that mean the chain does not end at an anchor of the store. */
static int breaks_trust(int code)
{
	switch (code) {
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_CERT_UNTRUSTED:
	case X509_V_ERR_CERT_REJECTED:
	case X509_V_ERR_CERT_CHAIN_TOO_LONG:
		return 1;
	default:
		return 0;
	}
}

static void record_problem(struct np_tls_conn *c, int code, int depth)
{
	struct np_tls_seen *f = &c->f;
	const char *text = X509_verify_cert_error_string(code);
	size_t i;

	switch (code) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
		f->expired = 1;
		break;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		f->not_yet_valid = 1;
		break;
	case X509_V_ERR_HOSTNAME_MISMATCH:
	case X509_V_ERR_IP_ADDRESS_MISMATCH:
	case X509_V_ERR_EMAIL_MISMATCH:
		f->hostname_mismatch = 1;
		break;
	default:
		if (!f->untrusted)
			np_tls_copy_text(f->untrusted_reason, sizeof(f->untrusted_reason), text, strlen(text));
		f->untrusted = 1;
		break;
	}
	if (breaks_trust(code))
		c->no_anchor = 1;
	/* The same error at the same depth can be reported twice (a chain
	 * rebuilt with another candidate issuer); list it once. */
	for (i = 0; i < f->n_problems; i++)
		if (f->problems[i].code == code && f->problems[i].depth == depth)
			return;
	if (f->n_problems >= NP_TLS_MAX_PROBLEMS)
		return;
	if (!f->problems && !(f->problems = calloc(NP_TLS_MAX_PROBLEMS, sizeof(*f->problems))))
		return;
	f->problems[f->n_problems].code = code;
	f->problems[f->n_problems].depth = depth;
	np_tls_copy_text(f->problems[f->n_problems].text, sizeof(f->problems[0].text), text, strlen(text));
	f->n_problems++;
}

/* Records the error and answers 1, "go on": with SSL_VERIFY_PEER the
 * handshake would otherwise stop at the first one (SSL_CTX_set_verify(3)),
 * and a prober wants them all. */
int np_tls_verify_cb(int preverify_ok, X509_STORE_CTX *xs)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(xs, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct np_tls_conn *c = ssl ? SSL_get_app_data(ssl) : NULL;

	if (!preverify_ok && c)
		record_problem(c, X509_STORE_CTX_get_error(xs), X509_STORE_CTX_get_error_depth(xs));
	return 1;
}

/* ---- The public bundle ---- */

static int key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, NP_TLS_KEY_LEN);
}

/* An anchor is known by its public key: a root re-issued with new dates
 * or a different encoding of its name is the same anchor. */
static int anchor_key(const X509 *x, unsigned char key[NP_TLS_KEY_LEN])
{
	unsigned int len = 0;

	return X509_pubkey_digest(x, EVP_sha256(), key, &len) == 1 && len == NP_TLS_KEY_LEN;
}

static int add_key(struct np_tls_ctx *ctx, size_t *cap, const unsigned char key[NP_TLS_KEY_LEN])
{
	if (ctx->n_public == *cap) {
		size_t ncap = *cap ? *cap * 2 : 256;
		void *p = realloc(ctx->public_keys, ncap * NP_TLS_KEY_LEN);

		if (!p)
			return -1;
		ctx->public_keys = p;
		*cap = ncap;
	}
	memcpy(ctx->public_keys[ctx->n_public++], key, NP_TLS_KEY_LEN);
	return 0;
}

/* Once per context, on the first anchor to judge: each *.crt of the
 * directory (Debian's ca-certificates ships one PEM root per file there;
 * /etc/ssl/certs adds the locally installed ones beside them). */
static void load_public(struct np_tls_ctx *ctx)
{
	unsigned char key[NP_TLS_KEY_LEN];
	char path[4096];
	struct dirent *de;
	size_t cap = 0;
	DIR *d;

	ctx->public_state = -1;
	d = opendir(ctx->public_dir);
	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		FILE *fp;
		X509 *x;

		if (n < 5 || strcmp(de->d_name + n - 4, ".crt") != 0)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", ctx->public_dir, de->d_name) >= (int)sizeof(path))
			continue;
		fp = fopen(path, "r");
		if (!fp)
			continue;
		while ((x = PEM_read_X509(fp, NULL, NULL, NULL)) != NULL) {
			int ok = !anchor_key(x, key) || add_key(ctx, &cap, key) == 0;

			X509_free(x);
			if (!ok)
				break;
		}
		fclose(fp);
	}
	closedir(d);
	if (ctx->n_public == 0)
		return;
	qsort(ctx->public_keys, ctx->n_public, NP_TLS_KEY_LEN, key_cmp);
	ctx->public_state = 1;
}

static int anchor_public(struct np_tls_ctx *ctx, const X509 *anchor)
{
	unsigned char key[NP_TLS_KEY_LEN];

	if (!ctx || !ctx->system_store)
		return -1;
	if (ctx->public_state == 0)
		load_public(ctx);
	if (ctx->public_state < 0 || !anchor_key(anchor, key))
		return -1;
	return bsearch(key, ctx->public_keys, ctx->n_public, NP_TLS_KEY_LEN, key_cmp) ? 1 : 0;
}

void np_tls_public_free(struct np_tls_ctx *ctx)
{
	free(ctx->public_keys);
	ctx->public_keys = NULL;
	ctx->n_public = 0;
	ctx->public_state = 0;
}

/* ---- Facts ---- */

static int version_num(int v)
{
	switch (v) {
	case TLS1_VERSION:
		return 10;
	case TLS1_1_VERSION:
		return 11;
	case TLS1_2_VERSION:
		return 12;
	case TLS1_3_VERSION:
		return 13;
	default:
		return 0;
	}
}

void np_tls_fill_facts(struct np_tls_conn *c, struct np_tls_facts *out)
{
	const SSL_CIPHER *cipher;
	const unsigned char *alpn = NULL;
	unsigned int alpn_len = 0;
	STACK_OF(X509) *sk;
	size_t i;

	memset(out, 0, sizeof(*out));
	out->n_problems = c->f.n_problems;
	if (c->f.problems)
		memcpy(out->problems, c->f.problems, c->f.n_problems * sizeof(out->problems[0]));
	out->expired = c->f.expired;
	out->not_yet_valid = c->f.not_yet_valid;
	out->hostname_mismatch = c->f.hostname_mismatch;
	out->untrusted = c->f.untrusted;
	memcpy(out->untrusted_reason, c->f.untrusted_reason, sizeof(out->untrusted_reason));
	out->anchor_public = c->f.anchor_public;
	out->alert_received = c->f.alert_received;
	memcpy(out->alert, c->f.alert, sizeof(out->alert));
	out->peer_closed = c->f.peer_closed;
	out->sys_errno = c->f.sys_errno;
	memcpy(out->error, c->f.error, sizeof(out->error));
	out->bytes_read = c->f.bytes_read;
	out->close_notify = c->f.close_notify;
	/* Nothing here is I/O: keep the queue as the caller left it. */
	ERR_set_mark();

	/* The session's cipher is set from ServerHello on: from then on the
	 * version is the negotiated one, even if the handshake later fails. */
	cipher = SSL_get_current_cipher(c->ssl);
	if (cipher) {
		const char *name = SSL_CIPHER_get_name(cipher);

		out->version_num = version_num(SSL_version(c->ssl));
		if (out->version_num)
			snprintf(out->version, sizeof(out->version), "TLSv1.%d", out->version_num - 10);
		else
			snprintf(out->version, sizeof(out->version), "%s", SSL_get_version(c->ssl));
		if (name)
			np_tls_copy_text(out->cipher, sizeof(out->cipher), name, strlen(name));
	}
	SSL_get0_alpn_selected(c->ssl, &alpn, &alpn_len);
	if (alpn && alpn_len)
		np_tls_copy_text(out->alpn, sizeof(out->alpn), (const char *)alpn, alpn_len);

	/* On the client side the peer chain includes the leaf. */
	sk = SSL_get_peer_cert_chain(c->ssl);
	for (i = 0; sk && i < (size_t)sk_X509_num(sk) && i < NP_TLS_MAX_CHAIN; i++) {
		cert_facts(sk_X509_value(sk, (int)i), &out->chain[i]);
		if (i == 0 || out->chain[i].days_left < out->chain_days_left)
			out->chain_days_left = out->chain[i].days_left;
	}
	out->n_chain = i;
	if (out->n_chain)
		out->leaf_days_left = out->chain[0].days_left;

	/* The verified chain ends at an anchor only when no error said it
	 * could not: otherwise its top is just the last certificate found. */
	out->anchor_public = -1;
	sk = SSL_get0_verified_chain(c->ssl);
	if (sk && sk_X509_num(sk) > 0 && !c->no_anchor) {
		X509 *top = sk_X509_value(sk, sk_X509_num(sk) - 1);

		np_tls_name_text(X509_get_subject_name(top), out->anchor_subject, sizeof(out->anchor_subject));
		out->anchor_public = anchor_public(c->ctx, top);
	}
	ERR_pop_to_mark();
}
