/* SPDX-License-Identifier: GPL-3.0-or-later */
/* netprobe explain on a capture file: opening it through the reader
 * (capfile.h), each record numbered as Wireshark numbers it, copies of one
 * packet folded (pktmon's packet ids, else identical bytes on another
 * interface), the packets fed to the connection table (explain.c). */
#include "explain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capfile.h"
#include "dissect.h"
#include "explain_int.h"

int np_explain_open(const char *path, const struct np_explain_opts *o,
		    struct np_explain **out, char *errbuf)
{
	struct np_explain *e;

	*out = NULL;
	e = np_explain_new(o, errbuf);
	if (!e)
		return NP_ENOMEM;
	e->name = strdup(path);
	if (!e->name) {
		np_explain_free(e);
		snprintf(errbuf, NP_ERRBUF_SIZE, "out of memory");
		return NP_ENOMEM;
	}
	/* The filter is the reader's: records it drops still take their
	 * number (np_explain_skip), as in Wireshark. */
	e->pf = np_capfile_open(path, o ? o->filter : NULL, errbuf);
	if (!e->pf) {
		np_explain_free(e);
		return NP_EINVAL;
	}
	/* A file of one link type the dissector cannot read is refused now;
	 * in a file of several (pktmon's), such packets are counted. */
	{
		int dlt = np_capfile_dlt(e->pf);
		struct np_packet probe;

		if (dlt >= 0) {
			np_dissect(dlt, NULL, 0, 0, &probe);
			if (probe.status == NP_PKT_UNSUPPORTED) {
				snprintf(errbuf, NP_ERRBUF_SIZE, "%.100s: link type %d (%s) is not one netprobe "
					 "reads (Ethernet, Linux cooked, raw IP)", path, dlt,
					 np_capfile_dlt_name(dlt));
				np_explain_free(e);
				return NP_EINVAL;
			}
		}
	}
	e->other_dlt = -1;
	*out = e;
	return 0;
}

/* A copy of a packet already read: the same pcapng packet id (epb_packetid,
 * which pktmon sets to its PktGroupId on every copy of one packet) as one
 * of the last ones. Ids are kept only for packets that were analysed. */
static int seen_id(struct np_explain *e, uint64_t id)
{
	/* newest first: a packet's copies follow each other */
	for (unsigned i = 0; i < e->n_ids; i++)
		if (e->recent_ids[(e->next_id + 64 - 1 - i) % 64] == id)
			return 1;
	return 0;
}

static void remember_id(struct np_explain *e, uint64_t id)
{
	e->recent_ids[e->next_id] = id;
	e->next_id = (e->next_id + 1) % 64;
	if (e->n_ids < 64)
		e->n_ids++;
}

/* Copies without packet ids (an older pktmon, a Wireshark/Npcap capture
 * on several interfaces, a merge of per-interface files): the same bytes
 * from the IP header on (so an Ethernet and a raw-IP copy match; the
 * Ethernet padding after the IP length is left out), logged on ANOTHER
 * interface within FOLD_WINDOW_NS of a packet already read, are that
 * packet again. One interface never holds two copies of one packet.
 *
 * The window: pktmon logs each component's copy synchronously as the
 * packet crosses it, and etl2pcapng writes the ETW event times (100 ns
 * units) as microseconds, so the copies of one packet are microseconds
 * apart (tens under load); 1 ms leaves room for that. A sender resends
 * identical bytes no sooner than its retransmission timeout (RFC 6298
 * 2.4: 1 s; Linux 200 ms, Windows 300 ms at the least) or, fast
 * retransmit (RFC 5681 3.2), three duplicate ACKs after the original: a
 * round trip at least, and an IPv4 resend carries a new IP ID on Windows
 * and Linux. Only the first FOLD_BYTES bytes are compared: every IPv6 +
 * TCP header with the most options fits (40 + 60), and 128-byte snaps
 * leave an Ethernet copy 114 of them. */
#define FOLD_WINDOW_NS 1000000
#define FOLD_BYTES 100

static uint64_t fold_hash(const uint8_t *b, uint32_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;       /* FNV-1a */

	for (uint32_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

static int fold_copy(struct np_explain *e, const struct np_capfile_rec *rec, const struct np_packet *p)
{
	uint32_t n, off;
	uint64_t h;
	struct np_explain_seen *x;

	if (!p->has_ip || p->l3_off >= rec->caplen)
		return 0;
	off = (uint32_t)p->l3_off;
	n = rec->caplen - off;
	if (p->ip.tot_len && p->ip.tot_len < n)
		n = p->ip.tot_len;
	if (n > FOLD_BYTES)
		n = FOLD_BYTES;
	h = fold_hash(rec->data + off, n);
	/* newest first: copies follow each other */
	for (unsigned i = 0; i < e->n_recent; i++) {
		x = &e->recent[(e->next_recent + 64 - 1 - i) % 64];
		if (rec->ts_ns - x->t_ns > FOLD_WINDOW_NS || x->t_ns - rec->ts_ns > FOLD_WINDOW_NS)
			break;
		if (x->hash == h && x->len == n && x->iface != rec->interface_id)
			return 1;
	}
	x = &e->recent[e->next_recent];
	x->hash = h;
	x->len = n;
	x->iface = rec->interface_id;
	x->t_ns = rec->ts_ns;
	e->next_recent = (e->next_recent + 1) % 64;
	if (e->n_recent < 64)
		e->n_recent++;
	return 0;
}

/* One packet record of the file. */
static int file_packet(struct np_explain *e, const struct np_capfile_rec *rec)
{
	struct np_packet p;
	int rc;

	if (!rec->ts_ok) {
		np_explain_bad_time(e);
		return 0;
	}
	if (!rec->matched) {
		np_explain_skip(e, rec->ts_ns);
		return 0;
	}
	if (rec->has_packet_id && seen_id(e, rec->packet_id)) {
		e->copies_folded++;
		np_explain_skip(e, rec->ts_ns);
		return 0;
	}
	if (rec->dlt < 0 || np_dissect(rec->dlt, rec->data, rec->caplen, rec->wirelen, &p) < 0 ||
	    p.status == NP_PKT_UNSUPPORTED) {
		e->other_link++;
		if (e->other_dlt < 0)
			e->other_dlt = rec->dlt;
		np_explain_skip(e, rec->ts_ns);
		return 0;
	}
	/* One interface never holds two copies: a pcap is never folded (and
	 * pays nothing for it). */
	if (!rec->has_packet_id && np_capfile_interfaces(e->pf) > 1 && fold_copy(e, rec, &p)) {
		e->copies_folded++;
		np_explain_skip(e, rec->ts_ns);
		return 0;
	}
	if (rec->has_packet_id)
		remember_id(e, rec->packet_id);
	if (rec->has_packet_id || rec->pid_comment)
		e->windows_tool = 1;
	e->cur_dir = rec->dir;
	np_explain_skip(e, rec->ts_ns);       /* its number and time */
	rc = np_explain_packet(e, &p, rec->data, rec->wirelen);
	e->cur_dir = NP_CAPFILE_DIR_UNKNOWN;
	return rc;
}

int np_explain_run(struct np_explain *e, struct np_report *r)
{
	struct np_capfile_rec rec;
	char errbuf[NP_ERRBUF_SIZE];
	int rc;

	if (!e->pf)
		return NP_EINVAL;
	/* One call per record, kept or not: this analysis's frame numbers
	 * are the reader's rec.frame, Wireshark's. */
	for (;;) {
		rc = np_capfile_next(e->pf, &rec, errbuf);
		if (rc <= 0)
			break;
		if (!rec.is_packet) {
			/* a pcapng journal block (pktmon's filter events):
			 * Wireshark numbers it as a frame */
			e->not_packets++;
			if (rec.ts_ok)
				np_explain_skip(e, rec.ts_ns);
			else
				np_explain_bad_time(e);
		} else if (file_packet(e, &rec) < 0) {
			break;
		}
	}
	if (e->err)
		return e->err;
	if (rc < 0) {
		e->st.partial = 1;
		snprintf(e->st.partial_reason, sizeof(e->st.partial_reason), "%s", errbuf);
	}
	r->capture.attempted = 1;
	r->capture.active = 1;
	free(r->capture.file);
	r->capture.file = strdup(e->name);
	r->capture.received = e->st.frames;
	r->capture.kept = e->st.matched;
	free(r->capture.format);
	r->capture.format = strdup(np_capfile_format(e->pf));
	r->capture.copies_folded = e->copies_folded;
	r->capture.not_packets = e->not_packets;
	r->capture.other_link = e->other_link;
	return np_explain_finish(e, r);
}
