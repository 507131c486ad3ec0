/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer harness for np_dissect(). The first byte picks the link type
 * (low 3 bits, index into dlts[] below; tests/fuzz/run.sh uses the same
 * table to seed from fixtures/packets) and, with bit 7, says the capture
 * was cut (wirelen past caplen); the rest is the packet. Besides the
 * sanitizers, it checks the promises callers rely on and aborts when one
 * breaks. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "netprobe/dissect.h"
#include "netprobe/error.h"

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "invariant broken: %s (line %d)\n", #cond, __LINE__); \
		abort(); \
	} \
} while (0)

static const int dlts[8] = {
	NP_DLT_EN10MB, NP_DLT_LINUX_SLL, NP_DLT_LINUX_SLL2, NP_DLT_RAW,
	NP_DLT_RAW_LT, NP_DLT_IPV4, NP_DLT_IPV6, 9999 /* unknown */
};

static void check_ip(const struct np_pkt_ip *ip)
{
	CHECK(ip->family == AF_INET || ip->family == AF_INET6);
	CHECK(ip->n_ext >= 0 && ip->n_ext <= NP_IP6_EXT_MAX);
	CHECK(ip->hdr_len >= 20 && ip->hdr_len <= 40 + NP_IP6_EXT_MAX * 2048);
	CHECK(ip->dscp == ip->tclass >> 2 && ip->ecn == (ip->tclass & 3));
	CHECK(np_ttl_hops(ip->ttl) >= 0 && np_ttl_hops(ip->ttl) < 255);
}

static void check_tcp(const struct np_pkt_tcp *t, size_t off, size_t caplen)
{
	char buf[NP_TCP_FLAGS_STRLEN], small[5];

	CHECK(!t->has_seq || t->has_ports);
	CHECK(!t->has_ack_flags_win || t->has_seq);
	CHECK(!t->has_options || t->has_ack_flags_win);
	CHECK(t->has_ack_flags_win || (t->flags == 0 && t->window == 0 && t->ack == 0));
	if (t->hdr_len) {
		CHECK(t->hdr_len >= 20 && t->hdr_len <= 60 && t->hdr_len % 4 == 0);
	}
	if (t->has_options) {
		CHECK(off + t->hdr_len <= caplen);
	} else {
		CHECK(t->mss == -1 && t->wscale == -1 && !t->has_ts && !t->sack_perm &&
		      t->sack_blocks == 0 && !t->options_malformed);
	}
	CHECK(t->mss >= -1 && t->mss <= 65535);
	CHECK(t->wscale >= -1 && t->wscale <= 255);
	CHECK(t->sack_blocks >= 0 && t->sack_blocks <= 4);
	CHECK(!t->options_malformed || t->options_reason);
	CHECK(strlen(np_tcp_flags_str(t->flags, buf, sizeof(buf))) < sizeof(buf));
	CHECK(strlen(np_tcp_flags_str(t->flags, small, sizeof(small))) < sizeof(small));
}

static void check(const struct np_packet *p, int dlt, int rc, size_t caplen, size_t wirelen)
{
	CHECK(rc == 0 || rc == NP_EINVAL);
	CHECK((rc == NP_EINVAL) == (p->status == NP_PKT_UNSUPPORTED));
	CHECK(p->status >= NP_PKT_OK && p->status <= NP_PKT_UNSUPPORTED);
	CHECK((p->status == NP_PKT_OK) == (p->reason == NULL));
	/* With the whole frame captured, nothing can be "truncated". */
	CHECK(wirelen > caplen || p->status != NP_PKT_TRUNCATED);
	CHECK(p->dlt == dlt);
	CHECK(p->payload_off <= caplen && p->payload_len <= caplen - p->payload_off);
	CHECK(p->n_vlan >= 0 && p->n_vlan <= NP_VLAN_MAX);
	CHECK(p->sll_pkttype >= -1 && p->sll_pkttype <= 0xffff);

	if (p->has_ip) {
		check_ip(&p->ip);
		CHECK(p->l3_off + (p->ip.family == AF_INET ? 20 : 40) <= caplen);
	}
	CHECK(p->l4 == 0 || p->l4 == IPPROTO_TCP || p->l4 == IPPROTO_UDP ||
	      p->l4 == IPPROTO_ICMP || p->l4 == IPPROTO_ICMPV6);
	CHECK(p->l4 == 0 || (p->has_ip && p->ip.proto_known && p->ip.proto == p->l4));
	if (p->l4) {
		CHECK(p->l4_off == p->l3_off + p->ip.hdr_len && p->l4_off <= caplen);
	}
	check_tcp(&p->tcp, p->l4_off, caplen);
	CHECK(p->l4 == IPPROTO_TCP || !p->tcp.has_ports);
	CHECK(p->l4 == IPPROTO_UDP || !p->udp.has_ports);
	CHECK(!p->udp.has_len_sum || p->udp.has_ports);

	CHECK(p->icmp_type >= -1 && p->icmp_type <= 255);
	CHECK(p->icmp_type >= 0 || (!p->icmp_is_error && !p->has_inner_ip));
	CHECK(!p->has_inner_ip || (p->icmp_is_error && p->l4 != 0));
	CHECK(p->inner_l4 == 0 || p->has_inner_ip);
	if (p->has_inner_ip) {
		check_ip(&p->inner_ip);
		CHECK(p->inner_ip.family == p->ip.family);
		CHECK(p->inner_off == p->l4_off + 8);
		CHECK(p->inner_off + (p->inner_ip.family == AF_INET ? 20 : 40) <= caplen);
	}
	if (p->inner_l4) {
		size_t t = p->inner_off + p->inner_ip.hdr_len;

		CHECK(t + p->inner_l4_len <= caplen);
		check_tcp(&p->inner_tcp, t, caplen);
		CHECK(p->inner_tcp.has_ports == (p->inner_l4 == IPPROTO_TCP && p->inner_l4_len >= 4));
		CHECK(p->inner_tcp.has_seq == (p->inner_l4 == IPPROTO_TCP && p->inner_l4_len >= 8));
		CHECK(!p->inner_tcp.has_ack_flags_win || p->inner_l4_len >= 20);
		CHECK(!p->inner_tcp.has_options || p->inner_l4_len >= p->inner_tcp.hdr_len);
		CHECK(p->inner_has_seq == p->inner_tcp.has_seq);
		CHECK(!p->inner_has_ports || p->inner_l4_len >= 4);
		CHECK(!p->inner_udp.has_len_sum || p->inner_l4_len >= 8);
		CHECK(!p->inner_has_echo || p->inner_l4_len >= 8);
	} else {
		CHECK(!p->inner_has_ports && !p->inner_has_seq && p->inner_l4_len == 0);
	}
}

/* A shorter capture of the same frame: never a new problem, and what it
 * knows agrees with the full parse. */
static void check_prefix(const struct np_packet *a, const struct np_packet *full)
{
	CHECK(full->status == NP_PKT_MALFORMED || a->status != NP_PKT_MALFORMED);
	CHECK(a->has_ip <= full->has_ip);
	if (a->has_ip)
		CHECK(memcmp(a->ip.src, full->ip.src, 16) == 0 && a->ip.ttl == full->ip.ttl);
	if (a->tcp.has_seq)
		CHECK(a->tcp.seq == full->tcp.seq && full->tcp.has_seq);
	if (a->tcp.has_options)
		CHECK(a->tcp.mss == full->tcp.mss && a->tcp.has_ts == full->tcp.has_ts);
	CHECK(a->has_inner_ip <= full->has_inner_ip);
	if (a->inner_tcp.has_seq)
		CHECK(a->inner_tcp.seq == full->inner_tcp.seq);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct np_packet p, again, cut;
	const uint8_t *pkt;
	size_t caplen, wirelen;
	int dlt, rc;

	if (size < 1)
		return 0;
	dlt = dlts[data[0] & 7];
	pkt = data + 1;
	caplen = size - 1;
	wirelen = data[0] & 0x80 ? caplen + 1 + data[0] % 61 * 100 : caplen;

	rc = np_dissect(dlt, caplen ? pkt : NULL, caplen, wirelen, &p);
	check(&p, dlt, rc, caplen, wirelen);

	/* Pure: the same bytes give the same answer, padding and all. */
	np_dissect(dlt, caplen ? pkt : NULL, caplen, wirelen, &again);
	CHECK(memcmp(&p, &again, sizeof(p)) == 0);

	if (caplen > 0 && rc == 0) {
		/* An exact-size copy, so ASan sees a read past the cut. */
		size_t k = caplen - 1 - (data[0] >> 3 & 0x0f) * caplen / 16;
		uint8_t *copy = k ? malloc(k) : NULL;

		CHECK(k == 0 || copy);
		if (k)
			memcpy(copy, pkt, k);
		rc = np_dissect(dlt, copy, k, wirelen, &cut);
		free(copy);
		check(&cut, dlt, rc, k, wirelen);
		check_prefix(&cut, &p);
	}
	return 0;
}
