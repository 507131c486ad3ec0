/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "classify_tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dissect.h"
#include "tcp_events.h"

static void add_ev(struct np_tls_result *r, uint32_t frame, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void add_ev(struct np_tls_result *r, uint32_t frame, const char *fmt, ...)
{
	va_list ap;

	if (r->n_ev == NP_TLS_EVIDENCE_MAX || frame == 0)
		return;
	r->ev[r->n_ev].frame = frame;
	va_start(ap, fmt);
	vsnprintf(r->ev[r->n_ev].text, sizeof(r->ev[0].text), fmt, ap);
	va_end(ap);
	r->n_ev++;
}

static int tcp_with_flags(const struct np_flow_pkt *p)
{
	return !p->icmp && p->pkt.l4 == IPPROTO_TCP && p->pkt.tcp.has_ack_flags_win;
}

/* Payload bytes a segment carried on the wire: the capture keeps only the
 * first bytes of each packet (its snap length), the IP header says how
 * many there were. */
static uint32_t seg_len(const struct np_flow_pkt *p)
{
	return np_tcp_seg_len(&p->pkt, 0);
}

/* The TLS handshake's signatures in the packets: our ClientHello (the
 * first data we sent), then either a reset or an ACK and silence. The
 * SYN-ACK's TTL places the server; a reset from elsewhere was forged. */
static enum np_tls_signature from_packets(const struct np_tls_input *in, struct np_tls_result *r)
{
	const struct np_flow_pkt *hello = NULL, *rst = NULL, *synack = NULL;
	int acked = 0, data_back = 0, hellos = 0;
	uint32_t hello_end = 0, server_next = 0;

	for (size_t i = 0; i < in->n_pkts; i++) {
		const struct np_flow_pkt *p = in->pkts[i];

		if (!tcp_with_flags(p))
			continue;
		if (p->outgoing) {
			if (seg_len(p) > 0 && (!hello || p->pkt.tcp.seq == hello->pkt.tcp.seq))
				hellos++;
			if (!hello && seg_len(p) > 0) {
				hello = p;
				hello_end = p->pkt.tcp.seq + seg_len(p);
			}
			continue;
		}
		if ((p->pkt.tcp.flags & (NP_TCP_SYN | NP_TCP_ACK)) == (NP_TCP_SYN | NP_TCP_ACK)) {
			synack = p;
			server_next = p->pkt.tcp.seq + 1;
			continue;
		}
		if (hello && (p->pkt.tcp.flags & NP_TCP_RST) && !rst)
			rst = p;
		/* Only data in order counts as an answer: behind an MTU black
		 * hole the big segments vanish and a small tail may still come,
		 * which the application never sees. */
		if (seg_len(p) > 0 && (!synack || p->pkt.tcp.seq == server_next)) {
			data_back = 1;
			server_next += seg_len(p);
		}
		if (hello && (p->pkt.tcp.flags & NP_TCP_ACK) && (int32_t)(p->pkt.tcp.ack - hello_end) >= 0)
			acked = 1;
	}
	if (synack) {
		r->target_ttl = synack->pkt.ip.ttl;
		add_ev(r, synack->frame, "SYN-ACK from the server (TTL %d: hop %d)", synack->pkt.ip.ttl,
		       np_ttl_hops(synack->pkt.ip.ttl) + 1);
	}
	if (hello)
		add_ev(r, hello->frame, "our ClientHello (%u bytes)", (unsigned)seg_len(hello));
	if (rst && !data_back) {
		int hop = np_ttl_hops(rst->pkt.ip.ttl) + 1;

		r->reply_ttl = rst->pkt.ip.ttl;
		r->sender_hop = hop;
		r->decided_frame = rst->frame;
		add_ev(r, rst->frame, "reset after the ClientHello (TTL %d: hop %d)", rst->pkt.ip.ttl, hop);
		if (synack && np_ttl_hops(synack->pkt.ip.ttl) != np_ttl_hops(rst->pkt.ip.ttl))
			snprintf(r->summary, sizeof(r->summary),
				 "reset right after the ClientHello by a device at hop %d (the reset's TTL %d says "
				 "hop %d; the server is hop %d): TLS/SNI filtering on the path", hop,
				 rst->pkt.ip.ttl, hop, np_ttl_hops(synack->pkt.ip.ttl) + 1);
		else
			snprintf(r->summary, sizeof(r->summary),
				 "reset right after the ClientHello, from hop %d%s", hop,
				 synack ? " where the server is: the server (or a device in front of it) refused "
				 "the hello" : "");
		return NP_TLS_SIG_RESET;
	}
	if (hello && !data_back && in->timed_out) {
		r->decided_frame = hello->frame;
		if (acked)
			snprintf(r->summary, sizeof(r->summary),
				 "the ClientHello was acknowledged, then nothing usable came back before the "
				 "timeout: the server's answer is dropped on the way");
		else
			snprintf(r->summary, sizeof(r->summary),
				 "the ClientHello was never acknowledged (sent %d time%s) though the handshake's "
				 "SYN got through: the hello is dropped on the way", hellos, hellos == 1 ? "" : "s");
		return NP_TLS_SIG_DROPPED;
	}
	return NP_TLS_SIG_NONE;
}

static int issuer_expected(const struct np_tls_input *in, const struct np_tls_facts *f, const char **shown)
{
	*shown = f->n_chain ? f->chain[0].issuer : "";
	if (in->n_expect == 0)
		return 1;
	for (size_t c = 0; c < f->n_chain; c++)
		for (size_t e = 0; e < in->n_expect; e++)
			if (strstr(f->chain[c].issuer, in->expect_issuer[e]))
				return 1;
	return 0;
}

static void handshake_done(const struct np_tls_input *in, struct np_tls_result *r)
{
	const struct np_tls_facts *f = in->facts;
	const char *issuer;

	if (!issuer_expected(in, f, &issuer)) {
		r->verdict = "tls.intercepted";
		snprintf(r->summary, sizeof(r->summary), "certificate issued by '%.200s', which is none of the "
			 "expected issuers: TLS inspection on the path", issuer);
	} else if (in->system_store && f->anchor_public == 0 && !f->untrusted) {
		r->verdict = "tls.intercepted";
		snprintf(r->summary, sizeof(r->summary), "the chain ends in '%.200s', a root added to this "
			 "host's store, not a public one: TLS inspection (issuer '%.150s')",
			 f->anchor_subject, issuer);
	} else if (f->untrusted) {
		r->verdict = "tls.untrusted";
		snprintf(r->summary, sizeof(r->summary), "certificate not trusted: %.200s (issuer '%.150s')",
			 f->untrusted_reason, issuer);
	} else if (f->expired) {
		r->verdict = "tls.expired";
		snprintf(r->summary, sizeof(r->summary), "certificate expired on %s (%ld days ago)",
			 f->n_chain ? f->chain[0].not_after : "?", -f->chain_days_left);
	} else if (f->not_yet_valid) {
		r->verdict = "tls.not_yet_valid";
		snprintf(r->summary, sizeof(r->summary), "certificate not valid before %s",
			 f->n_chain ? f->chain[0].not_before : "?");
	} else if (f->hostname_mismatch) {
		const char *name = in->verified_name ? in->verified_name : "";
		unsigned char ab[16];
		char bare[64];
		size_t nl = strlen(name);
		int addr;

		/* "[2001:db8::1]" is an address too. */
		snprintf(bare, sizeof(bare), "%.*s", (int)(nl > 1 && name[0] == '[' ? nl - 2 : nl),
			 nl > 1 && name[0] == '[' ? name + 1 : name);
		addr = inet_pton(AF_INET, bare, ab) == 1 || inet_pton(AF_INET6, bare, ab) == 1;
		r->verdict = "tls.hostname_mismatch";
		snprintf(r->summary, sizeof(r->summary), "certificate is for '%.200s', not '%.200s'%s",
			 f->n_chain ? f->chain[0].subject : "?", name,
			 in->name_given ? " (the SNI name given, which is the name verified)" :
			 addr ? ": an address was verified; to check a name's certificate at this address, "
			 "give the name with --sni" : "");
	} else if (f->version_num < in->min_tls) {
		r->verdict = "tls.old_protocol";
		snprintf(r->summary, sizeof(r->summary), "negotiated %s, below the TLS 1.%d required",
			 f->version, in->min_tls - 10);
	} else {
		r->verdict = "tls.ok";
		snprintf(r->summary, sizeof(r->summary), "%s, %s; certificate valid %ld more days, issued by "
			 "'%.150s'", f->version, f->cipher, f->chain_days_left, issuer);
	}
}

void np_tls_classify(const struct np_tls_input *in, struct np_tls_result *r)
{
	const struct np_tls_facts *f = in->facts;

	memset(r, 0, sizeof(*r));
	r->reply_ttl = r->target_ttl = r->sender_hop = -1;
	if (in->have_capture)
		r->signature = from_packets(in, r);
	if (in->done) {
		r->signature = NP_TLS_SIG_NONE;
		handshake_done(in, r);
		return;
	}
	if (r->signature == NP_TLS_SIG_RESET) {
		r->verdict = "tls.reset_after_hello";
		return;
	}
	if (r->signature == NP_TLS_SIG_DROPPED) {
		r->verdict = "tls.dropped_after_hello";
		return;
	}
	if (f->alert_received) {
		r->verdict = "tls.alert";
		snprintf(r->summary, sizeof(r->summary), "the handshake ended with a TLS alert: %s", f->alert);
		return;
	}
	/* Without packets, the socket's word: a reset during the handshake, or
	 * a timeout with nothing received, are the same signatures, unplaced. */
	if (!in->have_capture && f->sys_errno == ECONNRESET) {
		r->verdict = "tls.reset_after_hello";
		r->signature = NP_TLS_SIG_RESET;
		snprintf(r->summary, sizeof(r->summary), "reset during the handshake (no capture: who sent it "
			 "is unknown)");
		return;
	}
	if (!in->have_capture && in->timed_out && f->bytes_read == 0) {
		r->verdict = "tls.dropped_after_hello";
		r->signature = NP_TLS_SIG_DROPPED;
		snprintf(r->summary, sizeof(r->summary), "no answer to the ClientHello before the timeout");
		return;
	}
	r->verdict = "tls.failed";
	if (in->timed_out)
		snprintf(r->summary, sizeof(r->summary), "the handshake did not finish before the timeout (%zu "
			 "bytes received)", f->bytes_read);
	else
		snprintf(r->summary, sizeof(r->summary), "the handshake failed: %s",
			 f->error[0] ? f->error : f->peer_closed ? "the server closed the connection" : "unknown");
}
