/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_CLASSIFY_TLS_H
#define NETPROBE_CLASSIFY_TLS_H

#include <stddef.h>
#include <stdint.h>

#include "../tls/tls.h"
#include "flow.h"

#define NP_TLS_EVIDENCE_MAX 8

/* What a TLS handshake attempt showed; pure input. */
struct np_tls_input {
	const struct np_tls_facts *facts;
	int done;                       /* the handshake completed */
	int timed_out;                  /* no outcome before the timeout */
	int min_tls;                    /* 10..13: below is tls.old_protocol */
	const char *const *expect_issuer;  /* substrings of acceptable issuers */
	size_t n_expect;
	int system_store;               /* verified against the OS store, not --ca */
	const char *verified_name;      /* the name (or address) the certificate must match */
	int name_given;                 /* that name came with --sni (or a profile's sni:) */
	int have_capture;
	const struct np_flow_pkt *const *pkts;
	size_t n_pkts;
};

enum np_tls_signature {
	NP_TLS_SIG_NONE = 0,
	NP_TLS_SIG_RESET,               /* reset right after our ClientHello */
	NP_TLS_SIG_DROPPED,             /* ClientHello acknowledged, then silence */
};

struct np_tls_result {
	const char *verdict;
	char summary[600];
	enum np_tls_signature signature;
	int reply_ttl, target_ttl, sender_hop;   /* -1 when unknown */
	uint32_t decided_frame;
	size_t n_ev;
	struct {
		uint32_t frame;
		char text[160];
	} ev[NP_TLS_EVIDENCE_MAX];
};

/* The verdict of one attempt: certificate problems by precedence
 * (intercepted > untrusted > expired > not_yet_valid > hostname_mismatch >
 * old_protocol > ok), or how the handshake died. */
void np_tls_classify(const struct np_tls_input *in, struct np_tls_result *out);

#endif
