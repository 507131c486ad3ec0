/* SPDX-License-Identifier: GPL-3.0-or-later */
/* netprobe explain: a connection's TLS records, followed in sequence
 * order, and the tls.alert finding they may give; see explain_tls.h. */
#include "explain_tls.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "../tls/tls_alert.h"
#include "dissect.h"
#include "explain_int.h"
#include "finding.h"

/* Without the SYN a direction's start is unknown: its first data segments
 * are looked at for one that begins with a record header (a capture that
 * began after the handshake's SYN). A few: past them it is not TLS. */
#define SYNC_TRIES 4

/* --- following the records ------------------------------------------------- */

static int past_handshake(const struct np_explain_tls *t)
{
	/* TLS 1.2 and older: both Finished sent (RFC 5246 7.4.9). Application
	 * data both ways: any version, and a capture that began later. */
	return (t->finished[0] && t->finished[1]) || (t->appdata[0] && t->appdata[1]);
}

static int alert_fatal(const struct np_explain_alert *a)
{
	/* RFC 8446 6: an unknown level is an error, as is a fatal one. */
	return !a->encrypted && a->level != NP_TLS_ALERT_WARNING;
}

static uint8_t stage_of(const struct np_explain_tls *t, int d)
{
	int client = t->hello.dir;

	if (!t->hello.frame)
		return NP_EXPLAIN_TLS_UNKNOWN;
	if (past_handshake(t))
		return NP_EXPLAIN_TLS_AFTER_HANDSHAKE;
	if (d != client && !t->first_hs[d])
		return NP_EXPLAIN_TLS_CLIENT_HELLO;
	if (d == client && t->first_hs[!d] == NP_TLS_HS_SERVER_HELLO && !t->dir[d].ccs)
		return NP_EXPLAIN_TLS_SERVER_HELLO;
	if (t->dir[!d].ccs)
		return NP_EXPLAIN_TLS_PEER_CCS;
	return NP_EXPLAIN_TLS_HANDSHAKE;
}

static void on_alert(struct np_explain_tls *t, const struct np_tcp_pkt *p,
		     const struct np_tls_record *r)
{
	struct np_explain_alert a;
	int d = p->dir;

	memset(&a, 0, sizeof(a));
	/* Past a stretch the capture lost, a ChangeCipherSpec may have been
	 * in it: only a two-byte body is taken for a plaintext alert (an
	 * encrypted one carries a MAC or tag besides). */
	a.encrypted = r->encrypted || ((t->cut & (4 << d)) && r->length != 2);
	if (!a.encrypted) {
		/* Plaintext: level and description, two bytes (RFC 5246 7.2).
		 * TLS 1.2 may put several in one record (6.2.1); an odd length
		 * is no alert at all. */
		if (r->n_body < 2 || r->length % 2)
			return;
		a.level = r->body[0];
		a.desc = r->body[1];
		/* The normal end of a connection (RFC 8446 6.1). */
		if (a.desc == NP_TLS_ALERT_CLOSE_NOTIFY)
			return;
	} else if (!t->hello.frame || past_handshake(t)) {
		/* Encrypted, once the handshake is over (or where it stood is
		 * unknown): most likely close_notify; nothing to tell. */
		return;
	}
	if (t->alert.valid && !(alert_fatal(&a) && !alert_fatal(&t->alert)))
		return;         /* a fatal one wins; else the first */
	a.valid = 1;
	a.mark.frame = p->frame;
	a.mark.t_ns = p->t_ns;
	a.mark.ttl = p->ttl;
	a.mark.flags = p->flags;
	a.mark.dir = p->dir;
	a.stage = stage_of(t, d);
	t->alert = a;
}

static void on_record(struct np_explain_tls *t, const struct np_tcp_pkt *p,
		      const struct np_tls_record *r)
{
	int d = p->dir;
	int was_past = past_handshake(t);

	switch (r->type) {
	case NP_TLS_CT_HANDSHAKE:
		if (r->encrypted) {
			t->finished[d] = 1;
			break;
		}
		if (!t->first_hs[d] && r->n_body)
			t->first_hs[d] = r->body[0];
		/* A ClientHello opens the stream (RFC 8446 4.1.2): its sender
		 * is the client, whichever side sent the SYN. */
		if (r->index == 0 && r->n_body && r->body[0] == NP_TLS_HS_CLIENT_HELLO && !t->hello.frame) {
			t->hello.frame = p->frame;
			t->hello.t_ns = p->t_ns;
			t->hello.ttl = p->ttl;
			t->hello.flags = p->flags;
			t->hello.dir = p->dir;
		}
		break;
	case NP_TLS_CT_APPLICATION_DATA:
		t->appdata[d] = 1;
		if (t->alert.valid)
			t->alert.survived = 1;
		break;
	case NP_TLS_CT_ALERT:
		on_alert(t, p, r);
		break;
	default:
		break;
	}
	if (!was_past && past_handshake(t) && t->alert.valid)
		t->alert.survived = 1;
	/* Past the handshake only encrypted records follow: nothing more to
	 * learn once the alert kept (if any) is decided. */
	if (past_handshake(t) && (!t->alert.valid || t->alert.survived || alert_fatal(&t->alert)))
		t->done = 1;
}

/* Feeds the captured bytes [from, end) of the segment to its direction. */
static void feed(struct np_explain_tls *t, const struct np_tcp_pkt *p, const uint8_t *payload,
		 size_t from, size_t end)
{
	struct np_tls_dir *dir = &t->dir[p->dir];

	while (from < end && dir->state != NP_TLS_DIR_DONE && !t->done) {
		struct np_tls_record r;
		int got;

		from += np_tls_dir_feed(dir, payload + from, end - from, &r, &got);
		if (got)
			on_record(t, p, &r);
	}
}

void np_explain_tls_segment(struct np_explain_tls *t, const struct np_tcp_pkt *p,
			    const uint8_t *payload, size_t caplen)
{
	int d = p->dir;
	uint32_t seq = p->seq, len = p->len, from = 0;
	size_t seen;
	int32_t off;

	if (t->done)
		return;
	if (t->dir[d].state == NP_TLS_DIR_DONE) {
		struct np_tls_record r;

		/* Lost to the snapshot length: a segment that begins with a
		 * record header takes the walk up again (alerts, 7 bytes,
		 * come in segments of their own and fit any snap). */
		if (!(t->cut & (1 << d)) || p->len == 0 || (p->flags & NP_TCP_SYN) ||
		    np_tls_record_header(payload, caplen < p->len ? caplen : p->len, &r) != 1 ||
		    (uint32_t)r.length + NP_TLS_HEADER_LEN > p->len)
			return;
		np_tls_dir_init(&t->dir[d]);
		t->next_seq[d] = seq;
		t->cut = (uint8_t)((t->cut & ~(1 << d)) | (4 << d));
	}
	if (p->flags & NP_TCP_SYN) {
		/* The SYN takes one sequence number (RFC 9293 3.4); data after
		 * it, if any (TCP Fast Open), is the stream's first byte. */
		if (!t->synced[d]) {
			t->next_seq[d] = seq + 1;
			t->synced[d] = 1;
		}
		seq++;
	}
	if (len == 0)
		return;
	if (caplen > len)
		caplen = len;   /* link-layer padding is not payload */
	if (!t->synced[d]) {
		struct np_tls_record r;

		if (t->tries[d] >= SYNC_TRIES)
			return;
		t->tries[d]++;
		if (np_tls_record_header(payload, caplen, &r) != 1)
			return;
		t->next_seq[d] = seq;
		t->synced[d] = 1;
	}
	off = (int32_t)(seq - t->next_seq[d]);
	if (off < 0) {
		/* Begins before the next byte wanted: a retransmission, or one
		 * that overlaps what was read. */
		from = t->next_seq[d] - seq;
		if (from >= len)
			return;
	} else if (off > 0 && np_tls_dir_skip(&t->dir[d], (uint32_t)off) < 0) {
		return;         /* a header was in the bytes the capture lacks */
	}
	if (from < caplen)
		feed(t, p, payload, from, caplen);
	/* Past the snapshot length: bytes on the wire, not in the file. */
	seen = from > caplen ? from : caplen;
	if (len > seen && !t->done && np_tls_dir_skip(&t->dir[d], len - seen) < 0)
		t->cut |= (uint8_t)(1 << d);
	t->next_seq[d] = seq + len;
}

int np_explain_tls_failed(const struct np_explain_tls *t)
{
	const struct np_explain_alert *a = &t->alert;

	return a->valid && (alert_fatal(a) || !a->survived);
}

/* --- the finding ----------------------------------------------------------- */

static double rel_ms(const struct np_explain *e, int64_t t_ns)
{
	return (double)(t_ns - e->t0_ns) / 1e6;
}

static void endpoint(const struct np_explain_flow *x, int d, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	int fam = x->key.family;

	if (!inet_ntop(fam, x->key.addr[d], a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	if (fam == AF_INET6)
		snprintf(buf, len, "[%s]:%u", a, x->key.port[d]);
	else
		snprintf(buf, len, "%s:%u", a, x->key.port[d]);
}

static const char *stage_name(uint8_t stage)
{
	switch (stage) {
	case NP_EXPLAIN_TLS_CLIENT_HELLO: return "client_hello";
	case NP_EXPLAIN_TLS_SERVER_HELLO: return "server_hello";
	case NP_EXPLAIN_TLS_PEER_CCS: return "change_cipher_spec";
	case NP_EXPLAIN_TLS_HANDSHAKE: return "handshake";
	case NP_EXPLAIN_TLS_AFTER_HANDSHAKE: return "after_handshake";
	default: return "unknown";
	}
}

/* "right after the ClientHello (0.5 ms later)", as the summary says it. */
static void stage_words(const struct np_explain_tls *t, const char *peer, char *buf, size_t len)
{
	const struct np_explain_alert *a = &t->alert;
	double ms = (double)(a->mark.t_ns - t->hello.t_ns) / 1e6;

	switch (a->stage) {
	case NP_EXPLAIN_TLS_CLIENT_HELLO:
		snprintf(buf, len, "right after the ClientHello (%.1f ms later)", ms);
		break;
	case NP_EXPLAIN_TLS_SERVER_HELLO:
		snprintf(buf, len, "in answer to the server's hello (%.1f ms after the ClientHello)", ms);
		break;
	case NP_EXPLAIN_TLS_PEER_CCS:
		snprintf(buf, len, "at the end of the handshake, after the %s's ChangeCipherSpec "
			 "(%.1f ms after the ClientHello)", peer, ms);
		break;
	case NP_EXPLAIN_TLS_HANDSHAKE:
		snprintf(buf, len, "during the handshake (%.1f ms after the ClientHello)", ms);
		break;
	case NP_EXPLAIN_TLS_AFTER_HANDSHAKE:
		snprintf(buf, len, "after the handshake (%.1f ms after the ClientHello)", ms);
		break;
	default:
		snprintf(buf, len, "(the capture holds no ClientHello of this connection)");
		break;
	}
}

struct np_finding *np_explain_tls_finding(struct np_explain *e, const struct np_explain_flow *x,
					  int client, int known, const char *target,
					  const char *saddr)
{
	const struct np_explain_tls *t = &x->tls;
	const struct np_explain_alert *a = &t->alert;
	int from = a->mark.dir, tls_client = t->hello.frame ? t->hello.dir : client;
	const char *who = from == tls_client ? "client" : "server";
	const char *peer = from == tls_client ? "server" : "client";
	char sender[INET6_ADDRSTRLEN + 16], alert[80], level[16], when[160], text[256];
	struct np_finding *f = np_finding_new("explain", target, saddr, "tls.alert");

	if (!f)
		return NULL;
	endpoint(x, from, sender, sizeof(sender));
	stage_words(t, peer, when, sizeof(when));
	if (a->encrypted) {
		snprintf(alert, sizeof(alert), "encrypted alert");
		snprintf(level, sizeof(level), "unknown");
		np_finding_summary(f, "the %s %s sent an encrypted TLS alert %s: it follows its "
				   "ChangeCipherSpec, so its level and description cannot be read%s",
				   who, sender, when, a->survived ? "" : "; the connection carried nothing after it");
	} else {
		snprintf(alert, sizeof(alert), "%s (%u)", np_tls_alert_name(a->desc), a->desc);
		if (a->level == NP_TLS_ALERT_FATAL)
			snprintf(level, sizeof(level), "fatal");
		else if (a->level == NP_TLS_ALERT_WARNING)
			snprintf(level, sizeof(level), "warning");
		else
			snprintf(level, sizeof(level), "level %u", a->level);
		np_finding_summary(f, "the %s %s sent a %s TLS alert, %s, %s%s", who, sender, level, alert,
				   when, a->level == NP_TLS_ALERT_WARNING ?
				   "; the connection carried nothing after it" : "");
	}
	np_finding_metric_str(f, "alert", alert);
	np_finding_metric_str(f, "alert_level", level);
	np_finding_metric_opt_int(f, "alert_description", a->encrypted ? -1 : a->desc);
	np_finding_metric_int(f, "encrypted", a->encrypted);
	np_finding_metric_str(f, "alert_from", who);
	np_finding_metric_str(f, "sender", sender);
	np_finding_metric_str(f, "stage", stage_name(a->stage));
	if (t->hello.frame)
		np_finding_metric_real(f, "after_client_hello_ms", (double)(a->mark.t_ns - t->hello.t_ns) / 1e6);
	np_finding_metric_int(f, "client_known", known || t->hello.frame);
	np_finding_metric_int(f, "flow_packets", (int64_t)x->trk.pkts);
	np_finding_metric_int(f, "first_frame", (int64_t)x->trk.first.frame);
	if (t->hello.frame)
		np_finding_evidence(f, (int64_t)t->hello.frame, rel_ms(e, t->hello.t_ns), "ClientHello from the client");
	if (a->encrypted)
		snprintf(text, sizeof(text), "TLS alert record from the %s, encrypted", who);
	else
		snprintf(text, sizeof(text), "TLS alert %s, %s, from the %s", alert, level, who);
	np_finding_evidence(f, (int64_t)a->mark.frame, rel_ms(e, a->mark.t_ns), "%s", text);
	return f;
}
