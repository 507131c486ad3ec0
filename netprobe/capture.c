/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "capture.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "clock.h"
#include "dissect.h"
#include "loop.h"
#include "pcapng.h"

#ifndef NP_VERSION
#define NP_VERSION "unknown"
#endif

#define NP_SNAPLEN 65535
/* libpcap 1.10's TPACKET_V2 ring on a cooked ("any") socket
 * (pcap-linux.c, create_ring): a slot is the tpacket2 header and
 * sockaddr_ll (52 bytes, aligned to 16: 64), room for the cooked header
 * (16) and the VLAN reserve (4), then the packet, rounded up to 16; slots
 * are packed into blocks of one page, or the next power of two that
 * holds one slot. */
#define NP_RING_SLOT_HDR 84
#define NP_RING_PAGE 4096
/* A capture file is read through stdio: its default buffer is a page, a
 * read(2) per 4 KiB. */
#define NP_FILE_BUFFER (1 << 20)
#define NS_PER_S 1000000000LL

struct np_capture {
	pcap_t *p;
	int dlt;
	int nano;                  /* timestamps in nanoseconds */
	int64_t wall_to_mono_us;   /* mono = wall + this (measured at open) */
	struct np_flow_table *flows;
	int snaplen;
	size_t ring_slots, ring_bytes;
	uint64_t drops_seen;       /* kernel drops already charged to flows */
	int64_t last_drain_us;
	char *filter;              /* the check's own, ANDed with the base */
	struct np_watch *w;
	char **secrets;             /* grown as needed, at most NP_CAPTURE_MAX_SECRETS */
	size_t cap_secrets;
	size_t n_secrets;
	/* Sessions (np_capture_session): a session has root set and no pcap
	 * handle of its own; the root feeds every packet to each of them. */
	struct np_capture *root;
	struct np_capture *sessions, *next_session;
	uint64_t base_recv, base_drop, base_ifdrop;   /* the handle's counters when this round began */
};

static int64_t wall_to_mono_offset(void)
{
	struct timespec wall;
	int64_t mono = np_now_us();

	clock_gettime(CLOCK_REALTIME, &wall);
	return mono - ((int64_t)wall.tv_sec * 1000000 + wall.tv_nsec / 1000);
}

static size_t ring_slot(size_t snaplen)
{
	return (NP_RING_SLOT_HDR + snaplen + 15) & ~(size_t)15;
}

/* What libpcap makes of a buffer size: slots and bytes mapped. */
static void ring_shape(size_t snaplen, size_t buffer, size_t *slots, size_t *bytes)
{
	size_t slot = ring_slot(snaplen), block = NP_RING_PAGE, per, blocks;

	while (block < slot)
		block <<= 1;
	per = block / slot;
	blocks = (buffer + slot - 1) / slot / per;
	*slots = blocks * per;
	*bytes = blocks * block;
}

void np_capture_ring_size(size_t snaplen, size_t burst, size_t *slots, size_t *bytes)
{
	size_t slot = ring_slot(snaplen), block = NP_RING_PAGE, per, blocks;

	while (block < slot)
		block <<= 1;
	per = block / slot;
	if (burst < NP_CAPTURE_MIN_SLOTS)
		burst = NP_CAPTURE_MIN_SLOTS;
	blocks = (burst + per - 1) / per;
	if (blocks > NP_CAPTURE_MAX_RING / block)
		blocks = NP_CAPTURE_MAX_RING / block;
	*slots = blocks * per;
	*bytes = blocks * block;
}

struct np_capture *np_capture_open(const struct np_capture_params *cp, char *errbuf, int *perm)
{
	size_t buffer;
	char pcap_err[PCAP_ERRBUF_SIZE] = "";
	struct np_capture *c = calloc(1, sizeof(*c));
	int st;

	*perm = 0;
	if (!c) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "capture: out of memory");
		return NULL;
	}
	c->snaplen = !cp->snaplen ? NP_CAPTURE_SNAP_FRAME : cp->snaplen < NP_SNAPLEN ? (int)cp->snaplen : NP_SNAPLEN;
	/* The ring holds the run's whole burst: with the loop busy (hundreds
	 * of handshakes at once) nothing is lost before it drains. Its pages
	 * are mapped, and counted in RSS, from the start. */
	if (cp->buffer_bytes) {
		buffer = cp->buffer_bytes;
		ring_shape((size_t)c->snaplen, buffer, &c->ring_slots, &c->ring_bytes);
	} else {
		np_capture_ring_size((size_t)c->snaplen, cp->burst, &c->ring_slots, &c->ring_bytes);
		buffer = c->ring_slots * ring_slot((size_t)c->snaplen);
	}
	c->flows = np_flow_table_new(cp->max_bytes, errbuf);
	if (!c->flows)
		goto fail;
	c->p = pcap_create("any", pcap_err);
	if (!c->p) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "capture: %.200s", pcap_err);
		goto fail;
	}
	pcap_set_snaplen(c->p, c->snaplen);
	/* Without immediate mode replies sit in the kernel buffer and every
	 * timing read from the capture inflates. */
	pcap_set_immediate_mode(c->p, 1);
	pcap_set_buffer_size(c->p, (int)buffer);
	c->nano = pcap_set_tstamp_precision(c->p, PCAP_TSTAMP_PRECISION_NANO) == 0;
	st = pcap_activate(c->p);
	if (st < 0) {
		*perm = st == PCAP_ERROR_PERM_DENIED ||
			(st == PCAP_ERROR && strstr(pcap_geterr(c->p), "ermission"));
		snprintf(errbuf, NP_ERRBUF_SIZE, "capture on 'any': %.200s", pcap_geterr(c->p));
		goto fail;
	}
	c->nano = pcap_get_tstamp_precision(c->p) == PCAP_TSTAMP_PRECISION_NANO;
	/* One link type for the whole run: the saved file has one interface
	 * block, readable by tcpdump, tshark and libpcap's pcapng reader. */
	c->dlt = pcap_datalink(c->p);
	c->wall_to_mono_us = wall_to_mono_offset();
	return c;
fail:
	np_capture_free(c);
	return NULL;
}

void np_capture_free(struct np_capture *c)
{
	if (!c)
		return;
	if (c->root) {
		struct np_capture **pp = &c->root->sessions;

		while (*pp && *pp != c)
			pp = &(*pp)->next_session;
		if (*pp)
			*pp = c->next_session;
		np_flow_table_free(c->flows);
		free(c);
		return;
	}
	/* Sessions go with their root (a caller that freed them first is
	 * fine: they unlinked themselves). */
	while (c->sessions) {
		struct np_capture *s = c->sessions;

		c->sessions = s->next_session;
		s->root = NULL;
		np_flow_table_free(s->flows);
		free(s);
	}
	np_watch_del(c->w);
	if (c->p)
		pcap_close(c->p);
	np_flow_table_free(c->flows);
	free(c->filter);
	for (size_t i = 0; i < c->n_secrets; i++)
		free(c->secrets[i]);
	free(c->secrets);
	free(c);
}

static pcap_t *handle_of(const struct np_capture *c)
{
	return c->root ? c->root->p : c->p;
}

/* The handle's counters now are where this round's begin. */
static void rebase(struct np_capture *c)
{
	struct pcap_stat ps;

	if (pcap_stats(handle_of(c), &ps) == 0) {
		c->base_recv = ps.ps_recv;
		c->base_drop = ps.ps_drop;
		c->base_ifdrop = ps.ps_ifdrop;
	}
}

static int new_round(struct np_capture *c, size_t budget, char *errbuf)
{
	struct np_flow_table *t;

	/* Packets of the round just saved (or not kept) are read first, so
	 * none of them lands in the next round's evidence. */
	np_capture_drain(c);
	t = np_flow_table_new(budget, errbuf);
	if (!t)
		return NP_ENOMEM;
	np_flow_table_free(c->flows);
	c->flows = t;
	rebase(c);
	/* The secrets stay: a credential sent in one round is masked in
	 * every later round's file too (they are deduplicated, so bounded). */
	return 0;
}

int np_capture_reset(struct np_capture *c, char *errbuf)
{
	struct np_flow_budget b;

	np_flow_budget(c->flows, &b);
	return new_round(c, b.budget, errbuf);
}

int np_capture_set_budget(struct np_capture *c, size_t budget, char *errbuf)
{
	return new_round(c, budget, errbuf);
}

struct np_capture *np_capture_session(struct np_capture *root, size_t budget, char *errbuf)
{
	struct np_capture *s;

	if (root->root) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "capture: a session of a session");
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s || !(s->flows = np_flow_table_new(budget, errbuf))) {
		if (!s)
			snprintf(errbuf, NP_ERRBUF_SIZE, "capture: out of memory");
		free(s);
		return NULL;
	}
	s->root = root;
	s->dlt = root->dlt;
	s->nano = root->nano;
	s->snaplen = root->snaplen;
	s->ring_slots = root->ring_slots;
	s->ring_bytes = root->ring_bytes;
	s->next_session = root->sessions;
	root->sessions = s;
	rebase(s);
	return s;
}

struct np_flow_table *np_capture_flows(struct np_capture *c)
{
	return c->flows;
}

/* A pcap timestamp (seconds, and nanoseconds or microseconds) as
 * nanoseconds since the epoch, bounded: 64 signed bits of nanoseconds end
 * in April 2262, and a pcapng block's 64-bit timestamp reaches far past
 * that (up to 2^64 units of its if_tsresol, draft-ietf-opsawg-pcapng 4.3).
 * NP_ERANGE, with *ns clamped to [0, INT64_MAX], when it does not fit. */
static int ts_to_ns(int64_t sec, int64_t frac, int nano, int64_t *ns)
{
	int64_t s_ns, f_ns;

	if (sec < 0 || frac < 0) {
		*ns = 0;
		return NP_ERANGE;
	}
	if (__builtin_mul_overflow(frac, nano ? 1 : 1000, &f_ns) ||
	    __builtin_mul_overflow(sec, NS_PER_S, &s_ns) ||
	    __builtin_add_overflow(s_ns, f_ns, ns)) {
		*ns = INT64_MAX;
		return NP_ERANGE;
	}
	return 0;
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct np_capture *c = (struct np_capture *)user;
	int64_t ts_ns, mono;

	/* The kernel's clock, so always in range; clamped if not. */
	ts_to_ns((int64_t)h->ts.tv_sec, (int64_t)h->ts.tv_usec, c->nano, &ts_ns);
	mono = ts_ns / 1000 + c->wall_to_mono_us;
	np_flow_input(c->flows, c->dlt, (uint64_t)ts_ns, mono, bytes, h->caplen, h->len);
	for (struct np_capture *s = c->sessions; s; s = s->next_session)
		np_flow_input(s->flows, c->dlt, (uint64_t)ts_ns, mono, bytes, h->caplen, h->len);
}

/* Kernel drops since the last look: the packets lost may be any open
 * flow's, so each is told (flow.h). */
static void note_drops(struct np_capture *c, int64_t now)
{
	struct pcap_stat ps;

	if (pcap_stats(c->p, &ps) == 0 && ps.ps_drop > c->drops_seen) {
		np_flow_note_drops(c->flows, ps.ps_drop - c->drops_seen, c->last_drain_us, now);
		for (struct np_capture *s = c->sessions; s; s = s->next_session)
			np_flow_note_drops(s->flows, ps.ps_drop - c->drops_seen, c->last_drain_us, now);
		c->drops_seen = ps.ps_drop;
	}
	c->last_drain_us = now;
}

void np_capture_drain(struct np_capture *c)
{
	if (!c)
		return;
	if (c->root)
		c = c->root;
	/* Not started: the handle still blocks, and nothing is ours yet. */
	if (!c->w)
		return;
	/* Non-blocking: it returns once the ring is empty, or after one
	 * ring's worth, so a flood faster than we read cannot hold the loop;
	 * the descriptor stays readable and the loop comes back after its
	 * other work (epoll is level-triggered). libpcap's -1 would read on
	 * for as long as packets keep coming. */
	pcap_dispatch(c->p, c->ring_slots > INT_MAX ? INT_MAX : (int)c->ring_slots, on_packet, (u_char *)c);
	note_drops(c, np_now_us());
}

static void on_readable(struct np_watch *w, int fd, int events, void *arg)
{
	(void)w;
	(void)fd;
	(void)events;
	np_capture_drain(arg);
}

/* "host A or host B ...": every address of this host, so forwarded traffic
 * of a router we happen to run on is not captured. */
static char *build_filter(char *errbuf)
{
	struct ifaddrs *ifa = NULL;
	size_t cap = 256, len;
	char *f = malloc(cap);

	if (!f) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "capture filter: out of memory");
		return NULL;
	}
	len = (size_t)snprintf(f, cap, "(tcp or udp or icmp or icmp6)");
	if (getifaddrs(&ifa) < 0) {
		/* Without the address list, capture all of it: matching in user
		 * space still keeps only the probes' packets. */
		return f;
	}
	for (struct ifaddrs *a = ifa; a; a = a->ifa_next) {
		char addr[INET6_ADDRSTRLEN], *g;
		size_t need;

		if (!a->ifa_addr || (a->ifa_addr->sa_family != AF_INET && a->ifa_addr->sa_family != AF_INET6))
			continue;
		if (a->ifa_addr->sa_family == AF_INET)
			inet_ntop(AF_INET, &((struct sockaddr_in *)a->ifa_addr)->sin_addr, addr, sizeof(addr));
		else
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)a->ifa_addr)->sin6_addr, addr, sizeof(addr));
		need = len + strlen(addr) + 16;
		if (need > cap) {
			cap = need * 2;
			g = realloc(f, cap);
			if (!g) {
				free(f);
				freeifaddrs(ifa);
				snprintf(errbuf, NP_ERRBUF_SIZE, "capture filter: out of memory");
				return NULL;
			}
			f = g;
		}
		len += (size_t)snprintf(f + len, cap - len, "%s host %s",
					strstr(f, " host ") ? " or" : " and (", addr);
	}
	freeifaddrs(ifa);
	if (strstr(f, " host ") && len + 2 < cap)
		strcat(f, ")");
	return f;
}

int np_capture_set_filter(struct np_capture *c, const char *filter)
{
	char *f = filter ? strdup(filter) : NULL;

	if (filter && !f)
		return NP_ENOMEM;
	free(c->filter);
	c->filter = f;
	return 0;
}

/* The base filter, and the check's own when it has one. */
static char *full_filter(const struct np_capture *c, char *errbuf)
{
	char *base = build_filter(errbuf), *f;

	if (!base || !c->filter)
		return base;
	if (asprintf(&f, "%s and (%s)", base, c->filter) < 0) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "capture filter: out of memory");
		f = NULL;
	}
	free(base);
	return f;
}

int np_capture_start(struct np_capture *c, struct np_loop *loop, char *errbuf)
{
	struct bpf_program prog;
	char *filter = full_filter(c, errbuf);
	int fd;

	if (!filter)
		return NP_ENOMEM;
	if (pcap_compile(c->p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "capture filter: %.200s", pcap_geterr(c->p));
		free(filter);
		return NP_ELIB;
	}
	free(filter);
	if (pcap_setfilter(c->p, &prog) < 0) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "capture filter: %.200s", pcap_geterr(c->p));
		pcap_freecode(&prog);
		return NP_ELIB;
	}
	pcap_freecode(&prog);
	if (pcap_setnonblock(c->p, 1, errbuf) < 0)
		return NP_ELIB;
	fd = pcap_get_selectable_fd(c->p);
	if (fd < 0) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "capture: no selectable descriptor");
		return NP_ELIB;
	}
	c->last_drain_us = np_now_us();
	c->w = np_loop_watch(loop, fd, NP_EV_READ, on_readable, c);
	if (!c->w) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "capture: cannot watch its descriptor");
		return NP_ESYS;
	}
	return 0;
}

int np_capture_stats(struct np_capture *c, struct np_capture_stats *st)
{
	struct pcap_stat ps;
	struct np_flow_budget b;

	memset(st, 0, sizeof(*st));
	st->kept = np_flow_kept_count(c->flows);
	st->truncated = np_flow_truncated(c->flows);
	np_flow_budget(c->flows, &b);
	st->not_kept = b.not_kept;
	st->budget = b.budget;
	st->held_peak = b.peak;
	st->snaplen = (size_t)c->snaplen;
	st->ring_bytes = c->ring_bytes;
	st->ring_slots = c->ring_slots;
	if (pcap_stats(handle_of(c), &ps) < 0)
		return NP_ELIB;
	/* This round's: a watch's drop an hour ago is not today's cycle's. */
	st->received = ps.ps_recv - (uint32_t)c->base_recv;
	st->dropped = ps.ps_drop - (uint32_t)c->base_drop;
	st->if_dropped = ps.ps_ifdrop - (uint32_t)c->base_ifdrop;
	return 0;
}

int np_capture_add_secret(struct np_capture *c, const char *secret)
{
	if (!c || !secret || !*secret)
		return 0;
	if (c->root)
		c = c->root;
	for (size_t i = 0; i < c->n_secrets; i++)
		if (strcmp(c->secrets[i], secret) == 0)
			return 0;
	if (c->n_secrets == NP_CAPTURE_MAX_SECRETS)
		return NP_ERANGE;
	if (c->n_secrets == c->cap_secrets) {
		size_t n = c->cap_secrets ? c->cap_secrets * 2 : 8;
		char **v = realloc(c->secrets, n * sizeof(*v));

		if (!v)
			return NP_ENOMEM;
		c->secrets = v;
		c->cap_secrets = n;
	}
	c->secrets[c->n_secrets] = strdup(secret);
	if (!c->secrets[c->n_secrets])
		return NP_ENOMEM;
	c->n_secrets++;
	return 0;
}

/* Overwrite every secret in a packet's bytes (a copy we own). */
static void mask_secrets(const struct np_capture *c, uint8_t *data, size_t len)
{
	if (c->root)
		c = c->root;
	for (size_t i = 0; i < c->n_secrets; i++) {
		size_t sl = strlen(c->secrets[i]);
		uint8_t *p = data;

		while (sl && (p = memmem(p, len - (size_t)(p - data), c->secrets[i], sl))) {
			memset(p, '*', sl);
			p += sl;
		}
	}
}

int np_capture_save(struct np_capture *c, FILE *f, char *errbuf)
{
	struct np_pcapng *w = np_pcapng_new(f, c->dlt, (uint32_t)c->snaplen, "any", "netprobe " NP_VERSION, errbuf);
	size_t n;
	int err = 0;

	np_flow_flush(c->flows);
	n = np_flow_kept_count(c->flows);
	if (!w) {
		fclose(f);
		return NP_EIO;
	}
	for (size_t i = 0; i < n && !err; i++) {
		struct np_kept k;

		np_flow_kept(c->flows, i, &k);
		if ((c->root ? c->root : c)->n_secrets && k.caplen) {
			uint8_t *copy = malloc(k.caplen);

			if (!copy) {
				err = NP_ENOMEM;
				break;
			}
			memcpy(copy, k.data, k.caplen);
			mask_secrets(c, copy, k.caplen);
			err = np_pcapng_write(w, k.ts_ns, copy, k.caplen, k.wirelen, k.comment);
			free(copy);
		} else {
			err = np_pcapng_write(w, k.ts_ns, k.data, k.caplen, k.wirelen, k.comment);
		}
	}
	if (np_pcapng_close(w) < 0 || err < 0) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "writing the capture failed");
		return NP_EIO;
	}
	return 0;
}

