/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer harness for NPR/1: request lines come from anyone who can
 * reach a responder, replies from anything a probe connects to. The first
 * byte picks what is fed: a request (with or without a token required), a
 * reply, or the TCP framing and HTTP head reader. Invariants: a reply is
 * never longer than its request datagram nor than a line, every reply the
 * responder formats is one the client parser accepts and reads back the
 * same, and nothing read runs past its bound. */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netprobe/addr.h"
#include "netprobe/npr.h"

static void check_reply_roundtrip(const struct np_npr_request *req, enum np_npr_code code,
				  const struct np_npr_view *v, size_t limit)
{
	char buf[NP_NPR_REPLY_MAX + 1];
	struct np_npr_reply r;
	int n = np_npr_format_reply(req, code, v, limit, buf, sizeof(buf));

	if (n < 0)
		return;
	if ((limit && (size_t)n > limit) || n > NP_NPR_REPLY_MAX || buf[n - 1] != '\n' || strlen(buf) != (size_t)n)
		abort();
	if (np_npr_parse_reply(buf, (size_t)n, &r) != 0)
		abort();
	if (code != NP_NPR_OK) {
		if (r.code != code)
			abort();
		return;
	}
	if (r.verb != req->verb || r.seen.ss_family != AF_INET)
		abort();
	if (req->verb == NP_NPR_ECHO && (r.data_len != req->data_len || memcmp(r.data, req->data, r.data_len)))
		abort();
}

static void fuzz_request(const char *s, size_t n, int with_token)
{
	struct sockaddr_storage seen, local;
	struct np_npr_view v = { (struct sockaddr *)&seen, (struct sockaddr *)&local, NP_NPR_PROTO_UDP };
	struct np_npr_request req;
	enum np_npr_code code;

	np_addr_parse_port("[::ffff:198.18.1.2]:40112", &seen);
	np_addr_parse_port("[2001:db8:4::2]:7000", &local);
	code = np_npr_parse_request(s, n, with_token ? "s3cret" : NULL, &req);
	if (code == NP_NPR_OK && (req.data_len > NP_NPR_DATA_MAX || strlen(req.data) != req.data_len))
		abort();
	if (code == NP_NPR_OK && n > NP_NPR_LINE_MAX + 2)
		abort();
	/* As the UDP path does (the datagram's length is the limit), and as
	 * TCP does (no limit). */
	check_reply_roundtrip(&req, code, &v, n);
	check_reply_roundtrip(&req, code, &v, 0);
}

static void fuzz_reply(const char *s, size_t n)
{
	struct np_npr_reply r;

	if (np_npr_parse_reply(s, n, &r) != 0)
		return;
	if (r.data_len > NP_NPR_DATA_MAX || strlen(r.data) != r.data_len || n > NP_NPR_LINE_MAX + 2)
		abort();
	if (r.verb != NP_NPR_NONE && r.seen.ss_family != AF_INET && r.seen.ss_family != AF_INET6)
		abort();
}

static void fuzz_stream(const char *s, size_t n)
{
	size_t off = 0;
	struct np_npr_http h;
	int in_http = 0;

	/* The responder's TCP loop, minus the sockets. */
	while (off < n) {
		size_t ll = 0, used = 0;
		int rc;

		if (in_http) {
			rc = np_npr_http_feed(&h, s + off, n - off, &used);
			if (used > n - off || rc < 0)
				return;
			off += used;
			in_http = rc == 0;
			continue;
		}
		rc = np_npr_frame(s + off, n - off, &ll, &used);
		if (rc <= 0)
			return;
		if (ll > NP_NPR_LINE_MAX || used > n - off || used < ll + 1)
			abort();
		if (np_npr_is_http(s + off, ll)) {
			np_npr_http_token_ok(s + off, ll, "s3cret");
			np_npr_http_start(&h, used);
			in_http = 1;
		} else {
			fuzz_request(s + off, ll, 1);
		}
		off += used;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy;

	if (size < 1)
		return 0;
	/* An exact-size copy, so a read one byte past the end is caught. */
	copy = malloc(size - 1 ? size - 1 : 1);
	memcpy(copy, data + 1, size - 1);
	switch (data[0] % 4) {
	case 0:
		fuzz_request(copy, size - 1, 0);
		break;
	case 1:
		fuzz_request(copy, size - 1, 1);
		break;
	case 2:
		fuzz_reply(copy, size - 1);
		break;
	default:
		fuzz_stream(copy, size - 1);
		break;
	}
	free(copy);
	return 0;
}
