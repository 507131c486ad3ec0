/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The pcapng writer: one file of real-looking frames, read back by libpcap,
 * tshark, tcpdump and a block walk of our own; then the error paths. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "netprobe/error.h"
#include "netprobe/pcapng.h"

#define SNAPLEN 65535
#define LINKTYPE_ETHERNET 1
#define USERAPPL "netprobe-test 1.0"
#define IFNAME "eth0"

#define EM_DASH "\xe2\x80\x94"
#define VERDICT_COMMENT "netprobe: tcp.rejected " EM_DASH " reset sent 2 hops away " \
	"(TTL 63/64) by 198.18.2.2; target 4 hops away"

#define N_PKTS 5
#define LONG_COMMENT_SIZE (70 * 1024)

struct pkt {
	uint64_t ts_ns;
	uint8_t data[128];
	uint32_t caplen, wirelen;
	const char *comment;            /* as handed to the writer */
	const char *want;               /* as the file must hold it; NULL: none */
	size_t want_len;
};

struct sample {
	char path[256];
	uint64_t bytes;                 /* np_pcapng_bytes() before close */
	char *long_comment;
	struct pkt pkts[N_PKTS];
};

/* ---- Packets as bytes ---- */

static size_t put_be16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
	return 2;
}

static size_t put_be32(uint8_t *p, uint32_t v)
{
	put_be16(p, v >> 16);
	put_be16(p + 2, v & 0xffff);
	return 4;
}

/* RFC 1071 one's complement sum, folded; start is a previous partial sum. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static size_t put_eth(uint8_t *p, uint16_t type)
{
	static const uint8_t macs[12] = {
		0x02, 0, 0, 0, 0, 0x02,         /* destination */
		0x02, 0, 0, 0, 0, 0x01,         /* source */
	};

	memcpy(p, macs, sizeof(macs));
	return sizeof(macs) + put_be16(p + 12, type);
}

static size_t put_ipv4(uint8_t *p, uint8_t proto, uint8_t ttl, const uint8_t src[4],
		       const uint8_t dst[4], size_t payload)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	put_be16(p + 2, (uint16_t)(20 + payload));
	put_be16(p + 4, 0x1234);
	put_be16(p + 6, 0x4000);        /* DF */
	p[8] = ttl;
	p[9] = proto;
	memcpy(p + 12, src, 4);
	memcpy(p + 16, dst, 4);
	put_be16(p + 10, csum_fold(csum_add(0, p, 20)));
	return 20;
}

static size_t put_ipv6(uint8_t *p, uint8_t next, const uint8_t src[16],
		       const uint8_t dst[16], size_t payload)
{
	memset(p, 0, 40);
	p[0] = 0x60;
	put_be16(p + 4, (uint16_t)payload);
	p[6] = next;
	p[7] = 64;
	memcpy(p + 8, src, 16);
	memcpy(p + 24, dst, 16);
	return 40;
}

/* TCP/UDP checksum over the pseudo-header (RFC 9293 section 3.1, RFC 8200
 * section 8.1) and the segment; alen is 4 or 16. The IPv4 pseudo-header's
 * zero/protocol/length words sum the same as IPv6's length/zero/next. */
static uint16_t l4_csum(const uint8_t *seg, size_t len, uint8_t proto,
			const uint8_t *src, const uint8_t *dst, size_t alen)
{
	uint8_t tail[8] = {0};
	uint32_t sum;

	put_be32(tail, (uint32_t)len);
	tail[7] = proto;
	sum = csum_add(0, src, alen);
	sum = csum_add(sum, dst, alen);
	sum = csum_add(sum, tail, sizeof(tail));
	return csum_fold(csum_add(sum, seg, len));
}

/* TCP header (with an MSS option when SYN) and no payload. */
static size_t put_tcp(uint8_t *p, uint8_t flags, uint32_t seq, uint32_t ack,
		      const uint8_t *src, const uint8_t *dst, size_t alen)
{
	size_t hlen = flags & 0x02 ? 24 : 20;

	memset(p, 0, hlen);
	put_be16(p, 40000);
	put_be16(p + 2, 443);
	if (!(flags & 0x02)) {          /* the reply: ports swap */
		put_be16(p, 443);
		put_be16(p + 2, 40000);
	}
	put_be32(p + 4, seq);
	put_be32(p + 8, ack);
	p[12] = (uint8_t)((hlen / 4) << 4);
	p[13] = flags;
	put_be16(p + 14, flags & 0x02 ? 64240 : 0);
	if (hlen == 24) {
		p[20] = 2;              /* MSS */
		p[21] = 4;
		put_be16(p + 22, 1460);
	}
	put_be16(p + 16, l4_csum(p, hlen, 6, src, dst, alen));
	return hlen;
}

static size_t put_udp(uint8_t *p, const uint8_t *payload, size_t n,
		      const uint8_t *src, const uint8_t *dst, size_t alen)
{
	uint16_t c;

	put_be16(p, 53000);
	put_be16(p + 2, 33434);       /* a traceroute-style probe port */
	put_be16(p + 4, (uint16_t)(8 + n));
	put_be16(p + 6, 0);
	memcpy(p + 8, payload, n);
	c = l4_csum(p, 8 + n, 17, src, dst, alen);
	put_be16(p + 6, c ? c : 0xffff);        /* 0 means "none" (RFC 768) */
	return 8 + n;
}

static const uint8_t v4_local[4] = {198, 18, 0, 1};
static const uint8_t v4_target[4] = {198, 18, 2, 2};
static const uint8_t v6_local[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
static const uint8_t v6_target[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};

/* Ethernet/IPv4/TCP SYN with MSS: 58 octets. */
static uint32_t build_syn4(uint8_t *p)
{
	size_t n = put_eth(p, 0x0800);

	n += put_ipv4(p + n, 6, 64, v4_local, v4_target, 24);
	n += put_tcp(p + n, 0x02, 1000, 0, v4_local, v4_target, 4);
	return (uint32_t)n;
}

/* The RST/ACK reply, 54 octets of a 60-octet frame (Ethernet minimum). */
static uint32_t build_rst4(uint8_t *p)
{
	size_t n = put_eth(p, 0x0800);

	n += put_ipv4(p + n, 6, 63, v4_target, v4_local, 20);
	n += put_tcp(p + n, 0x14, 0, 1001, v4_target, v4_local, 4);
	return (uint32_t)n;
}

/* Ethernet/IPv6/TCP SYN with MSS: 78 octets. */
static uint32_t build_syn6(uint8_t *p)
{
	size_t n = put_eth(p, 0x86dd);

	n += put_ipv6(p + n, 6, v6_local, v6_target, 24);
	n += put_tcp(p + n, 0x02, 2000, 0, v6_local, v6_target, 16);
	return (uint32_t)n;
}

/* Ethernet/IPv4/UDP with 3 octets of payload: 45, odd. */
static uint32_t build_udp4(uint8_t *p)
{
	static const uint8_t payload[3] = {0xde, 0xad, 0x01};
	size_t n = put_eth(p, 0x0800);

	n += put_ipv4(p + n, 17, 64, v4_local, v4_target, 8 + sizeof(payload));
	n += put_udp(p + n, payload, sizeof(payload), v4_local, v4_target, 4);
	return (uint32_t)n;
}

/* Ethernet/IPv6/UDP with 1 octet of payload: 63, odd. */
static uint32_t build_udp6(uint8_t *p)
{
	static const uint8_t payload[1] = {0x2a};
	size_t n = put_eth(p, 0x86dd);

	n += put_ipv6(p + n, 17, v6_local, v6_target, 8 + sizeof(payload));
	n += put_udp(p + n, payload, sizeof(payload), v6_local, v6_target, 16);
	return (uint32_t)n;
}

/* ---- Files ---- */

static FILE *temp_file(char *path, size_t size)
{
	const char *dir = getenv("TMPDIR");
	FILE *f;
	int fd;

	snprintf(path, size, "%s/np-test-pcapng-XXXXXX", dir && *dir ? dir : "/tmp");
	fd = mkstemp(path);
	if (fd < 0)
		return NULL;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(path);
	}
	return f;
}

static uint8_t *slurp(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	uint8_t *buf;

	assert_non_null(f);
	assert_int_equal(fstat(fileno(f), &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)st.st_size, f), (size_t)st.st_size);
	fclose(f);
	*size = (size_t)st.st_size;
	return buf;
}

/* The 70 KiB comment: one ASCII octet, then em dashes (3 octets each), so
 * 65535 falls inside a character and the cut must back off to 65533. */
static char *long_comment(void)
{
	char *s = malloc(LONG_COMMENT_SIZE + 1);
	size_t n = 0;

	assert_non_null(s);
	s[n++] = 'x';
	while (n + 3 <= LONG_COMMENT_SIZE) {
		memcpy(s + n, EM_DASH, 3);
		n += 3;
	}
	s[n] = '\0';
	return s;
}

static int write_sample(void **state)
{
	struct sample *s = calloc(1, sizeof(*s));
	char errbuf[NP_ERRBUF_SIZE] = "";
	struct np_pcapng *w;
	FILE *f;

	assert_non_null(s);
	s->long_comment = long_comment();
	/* 1 ns apart, a second boundary, and a timestamp whose low 32 bits
	 * are all ones, to catch a swapped or carried split. */
	s->pkts[0].ts_ns = 1700000000123456789ULL;
	s->pkts[0].caplen = s->pkts[0].wirelen = build_syn4(s->pkts[0].data);
	s->pkts[0].comment = s->pkts[0].want = VERDICT_COMMENT;
	s->pkts[1].ts_ns = 1700000000123456790ULL;
	s->pkts[1].caplen = build_rst4(s->pkts[1].data);
	s->pkts[1].wirelen = 60;
	s->pkts[2].ts_ns = 1700000000999999999ULL;
	s->pkts[2].caplen = s->pkts[2].wirelen = build_syn6(s->pkts[2].data);
	s->pkts[2].comment = s->pkts[2].want = "x";
	s->pkts[3].ts_ns = 1700000001000000000ULL;
	s->pkts[3].caplen = s->pkts[3].wirelen = build_udp4(s->pkts[3].data);
	s->pkts[3].comment = s->pkts[3].want = s->long_comment;
	s->pkts[4].ts_ns = (395812721ULL << 32) - 1;
	s->pkts[4].caplen = s->pkts[4].wirelen = build_udp6(s->pkts[4].data);
	s->pkts[4].comment = s->pkts[4].want = "odd frame, comment of 4n";
	for (int i = 0; i < N_PKTS; i++)
		s->pkts[i].want_len = s->pkts[i].want ? strlen(s->pkts[i].want) : 0;
	s->pkts[3].want_len = 65533;

	f = temp_file(s->path, sizeof(s->path));
	assert_non_null(f);
	w = np_pcapng_new(f, LINKTYPE_ETHERNET, SNAPLEN, IFNAME, USERAPPL, errbuf);
	if (!w)
		fail_msg("np_pcapng_new: %s", errbuf);
	for (int i = 0; i < N_PKTS; i++) {
		const struct pkt *p = &s->pkts[i];

		assert_int_equal(np_pcapng_write(w, p->ts_ns, p->data, p->caplen, p->wirelen,
						 p->comment), 0);
	}
	s->bytes = np_pcapng_bytes(w);
	assert_int_equal(np_pcapng_close(w), 0);
	*state = s;
	return 0;
}

static int remove_sample(void **state)
{
	struct sample *s = *state;

	if (s) {
		unlink(s->path);
		free(s->long_comment);
		free(s);
	}
	return 0;
}

/* ---- Our own block walk ---- */

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

struct opt {
	uint16_t code;
	const uint8_t *val;
	size_t len;
};

/* Checks an option list fills [p, p + n) exactly, padding zero, ending in
 * opt_endofopt when there is any; returns how many options came before it. */
static size_t walk_options(const uint8_t *p, size_t n, struct opt *opts, size_t max)
{
	size_t off = 0, k = 0;

	if (n == 0)
		return 0;
	for (;;) {
		uint16_t code, len;
		size_t padded;

		assert_true(off + 4 <= n);
		code = get16(p + off);
		len = get16(p + off + 2);
		off += 4;
		if (code == 0) {
			assert_int_equal(len, 0);
			assert_int_equal(off, n);  /* nothing after opt_endofopt */
			return k;
		}
		padded = ((size_t)len + 3) & ~(size_t)3;
		assert_true(off + padded <= n);
		for (size_t i = len; i < padded; i++)
			assert_int_equal(p[off + i], 0);
		assert_true(k < max);
		opts[k].code = code;
		opts[k].val = p + off;
		opts[k].len = len;
		k++;
		off += padded;
	}
}

static const struct opt *find_opt(const struct opt *opts, size_t n, uint16_t code)
{
	const struct opt *found = NULL;

	for (size_t i = 0; i < n; i++) {
		if (opts[i].code != code)
			continue;
		assert_null(found);             /* none of ours repeats */
		found = &opts[i];
	}
	return found;
}

struct epb {
	uint64_t ts;
	uint32_t caplen, wirelen;
	const uint8_t *data;
	const uint8_t *comment;         /* NULL: no opt_comment */
	size_t comment_len;
};

struct walked {
	uint8_t *file;
	size_t size;
	struct opt userappl;            /* shb_userappl */
	struct opt ifname;              /* if_name; val NULL when absent */
	uint16_t linktype;
	uint32_t snaplen;
	struct epb epb[16];
	size_t n_epb;
};

/*
 * Every block: leading and trailing lengths equal, a multiple of 4, at
 * least 12, inside the file; the file ends on a block boundary. The order
 * is SHB, IDB, EPB...; fixed fields and options are checked as we go.
 */
static void walk(const char *path, struct walked *wk)
{
	size_t off = 0, n_blocks = 0;

	memset(wk, 0, sizeof(*wk));
	wk->file = slurp(path, &wk->size);
	while (off < wk->size) {
		const uint8_t *b = wk->file + off;
		uint32_t type, len;
		struct opt opts[8];
		size_t n_opts;

		assert_true(wk->size - off >= 12);
		type = get32(b);
		len = get32(b + 4);
		if (len < 12 || len % 4 != 0 || len > wk->size - off)
			fail_msg("block %zu at %zu: length %u (file %zu)", n_blocks, off, len, wk->size);
		assert_int_equal(get32(b + len - 4), len);
		if (n_blocks == 0) {
			const struct opt *o;

			assert_int_equal(type, 0x0A0D0D0A);
			assert_true(len >= 28);
			assert_int_equal(get32(b + 8), 0x1A2B3C4D);
			assert_int_equal(get16(b + 12), 1);
			assert_int_equal(get16(b + 14), 0);
			assert_memory_equal(b + 16, "\xff\xff\xff\xff\xff\xff\xff\xff", 8);
			n_opts = walk_options(b + 24, len - 28, opts, 8);
			o = find_opt(opts, n_opts, 4);
			assert_non_null(o);
			wk->userappl = *o;
			o = find_opt(opts, n_opts, 3);  /* shb_os, from uname */
			assert_non_null(o);
			assert_true(o->len > 0);
		} else if (n_blocks == 1) {
			const struct opt *o;

			assert_int_equal(type, 1);
			assert_true(len >= 20);
			wk->linktype = get16(b + 8);
			assert_int_equal(get16(b + 10), 0);
			wk->snaplen = get32(b + 12);
			n_opts = walk_options(b + 16, len - 20, opts, 8);
			o = find_opt(opts, n_opts, 2);
			if (o)
				wk->ifname = *o;
			o = find_opt(opts, n_opts, 9);
			assert_non_null(o);
			assert_int_equal(o->len, 1);
			assert_int_equal(o->val[0], 9);
		} else {
			struct epb *e = &wk->epb[wk->n_epb];
			const struct opt *o;
			size_t padded;

			assert_int_equal(type, 6);
			assert_true(len >= 32);
			assert_true(wk->n_epb < sizeof(wk->epb) / sizeof(wk->epb[0]));
			assert_int_equal(get32(b + 8), 0);
			e->ts = (uint64_t)get32(b + 12) << 32 | get32(b + 16);
			e->caplen = get32(b + 20);
			e->wirelen = get32(b + 24);
			e->data = b + 28;
			padded = ((size_t)e->caplen + 3) & ~(size_t)3;
			assert_true(28 + padded + 4 <= len);
			for (size_t i = e->caplen; i < padded; i++)
				assert_int_equal(b[28 + i], 0);
			n_opts = walk_options(b + 28 + padded, len - 32 - padded, opts, 8);
			o = find_opt(opts, n_opts, 1);
			if (o) {
				e->comment = o->val;
				e->comment_len = o->len;
			}
			assert_int_equal(n_opts, o ? 1 : 0);
			wk->n_epb++;
		}
		off += len;
		n_blocks++;
	}
	assert_int_equal(off, wk->size);
	assert_true(n_blocks >= 2);
}

static void blocks_have_matching_lengths(void **state)
{
	const struct sample *s = *state;
	struct walked wk;

	walk(s->path, &wk);
	assert_int_equal(wk.size, s->bytes);
	assert_int_equal(wk.userappl.len, strlen(USERAPPL));
	assert_memory_equal(wk.userappl.val, USERAPPL, wk.userappl.len);
	assert_non_null(wk.ifname.val);
	assert_int_equal(wk.ifname.len, strlen(IFNAME));
	assert_memory_equal(wk.ifname.val, IFNAME, wk.ifname.len);
	assert_int_equal(wk.linktype, LINKTYPE_ETHERNET);
	assert_int_equal(wk.snaplen, SNAPLEN);
	assert_int_equal(wk.n_epb, N_PKTS);
	for (int i = 0; i < N_PKTS; i++) {
		const struct pkt *p = &s->pkts[i];
		const struct epb *e = &wk.epb[i];

		assert_int_equal(e->ts, p->ts_ns);
		assert_int_equal(e->caplen, p->caplen);
		assert_int_equal(e->wirelen, p->wirelen);
		assert_memory_equal(e->data, p->data, p->caplen);
		if (!p->want) {
			assert_null(e->comment);
			continue;
		}
		assert_non_null(e->comment);
		assert_int_equal(e->comment_len, p->want_len);
		assert_memory_equal(e->comment, p->want, p->want_len);
	}
	free(wk.file);
}

/* ---- Other readers ---- */

static void libpcap_reads_every_packet(void **state)
{
	const struct sample *s = *state;
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p;

	p = pcap_open_offline_with_tstamp_precision(s->path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!p)
		fail_msg("libpcap: %s", errbuf);
	assert_int_equal(pcap_datalink(p), DLT_EN10MB);
	assert_int_equal(pcap_snapshot(p), SNAPLEN);
	assert_int_equal(pcap_get_tstamp_precision(p), PCAP_TSTAMP_PRECISION_NANO);
	for (int i = 0; i < N_PKTS; i++) {
		const struct pkt *want = &s->pkts[i];
		int rc = pcap_next_ex(p, &h, &data);

		if (rc != 1)
			fail_msg("packet %d: pcap_next_ex %d: %s", i + 1, rc, pcap_geterr(p));
		assert_int_equal(h->caplen, want->caplen);
		assert_int_equal(h->len, want->wirelen);
		/* In nanosecond precision tv_usec holds nanoseconds. */
		assert_int_equal(h->ts.tv_sec, want->ts_ns / 1000000000ULL);
		assert_int_equal(h->ts.tv_usec, want->ts_ns % 1000000000ULL);
		assert_memory_equal(data, want->data, want->caplen);
	}
	assert_int_equal(pcap_next_ex(p, &h, &data), PCAP_ERROR_BREAK);
	pcap_close(p);
}

static int have_program(const char *name)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", name);
	return system(cmd) == 0;
}

/* popen() goes through the shell: the path is single-quoted, and ours
 * (TMPDIR plus a mkstemp name) must not hold a quote itself. */
static FILE *run(const char *path, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static FILE *run(const char *path, const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int n;

	assert_null(strchr(path, '\''));
	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	assert_true(n > 0 && (size_t)n < sizeof(cmd));
	return popen(cmd, "r");
}

static void tshark_puts_comments_on_their_frames(void **state)
{
	const struct sample *s = *state;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int frames = 0, st;
	FILE *out;

	if (!have_program("tshark"))
		skip();
	out = run(s->path, "tshark -r '%s' -T fields -e frame.number -e frame.comment 2>/dev/null",
		  s->path);
	assert_non_null(out);
	while ((n = getline(&line, &cap, out)) > 0) {
		const struct pkt *p;
		char *tab;
		long num;

		if (line[n - 1] == '\n')
			line[--n] = '\0';
		tab = strchr(line, '\t');
		assert_non_null(tab);
		*tab++ = '\0';
		num = strtol(line, NULL, 10);
		assert_int_equal(num, frames + 1);
		assert_true(frames < N_PKTS);
		p = &s->pkts[frames++];
		assert_int_equal(strlen(tab), p->want_len);
		if (p->want)
			assert_memory_equal(tab, p->want, p->want_len);
	}
	free(line);
	st = pclose(out);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_int_equal(frames, N_PKTS);
}

/* tcpdump --nano prints the nanoseconds libpcap hands it: a second reader
 * of the timestamps and of the packets' headers. */
static void tcpdump_reads_the_file(void **state)
{
	static const char *const want[N_PKTS] = {
		"1700000000.123456789 IP 198.18.0.1.40000 > 198.18.2.2.443: Flags [S],",
		"1700000000.123456790 IP 198.18.2.2.443 > 198.18.0.1.40000: Flags [R.],",
		"1700000000.999999999 IP6 2001:db8::1.40000 > 2001:db8::2.443: Flags [S],",
		"1700000001.000000000 IP 198.18.0.1.53000 > 198.18.2.2.33434: UDP, length 3",
		"1700002692.035772415 IP6 2001:db8::1.53000 > 2001:db8::2.33434: UDP, length 1",
	};
	const struct sample *s = *state;
	char line[1024];
	int lines = 0, st;
	FILE *out;

	if (!have_program("tcpdump"))
		skip();
	out = run(s->path, "tcpdump -n -tt --nano -r '%s' 2>/dev/null", s->path);
	assert_non_null(out);
	while (fgets(line, sizeof(line), out)) {
		assert_true(lines < N_PKTS);
		if (strncmp(line, want[lines], strlen(want[lines])) != 0)
			fail_msg("tcpdump line %d: '%s', want it to start '%s'", lines + 1, line,
				 want[lines]);
		lines++;
	}
	st = pclose(out);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_int_equal(lines, N_PKTS);
}

/* ---- Comments as the spec wants them ---- */

static void comments_are_valid_utf8_cut_at_a_boundary(void **state)
{
	struct cut {
		const char *in;
		size_t in_len;          /* 0: strlen(in) */
		const char *want;       /* NULL: same as in, cut to want_len */
		size_t want_len;
	};
	char *ascii = malloc(65537), *emoji = malloc(65540);
	char path[256], errbuf[NP_ERRBUF_SIZE] = "";
	struct np_pcapng *w;
	struct walked wk;
	FILE *f;

	(void)state;
	assert_non_null(ascii);
	assert_non_null(emoji);
	memset(ascii, 'a', 65536);
	ascii[65536] = '\0';
	/* "ab" then 4-octet characters: 65535 = 2 + 4 * 16383 + 1, so the
	 * last character would straddle the limit and is dropped. */
	memcpy(emoji, "ab", 2);
	for (size_t i = 2; i + 4 <= 65538; i += 4)
		memcpy(emoji + i, "\xf0\x9f\x99\x82", 4);
	emoji[65538] = '\0';

	const struct cut cuts[] = {
		{ascii + 1, 0, NULL, 65535},            /* exactly the limit: whole */
		{ascii, 0, NULL, 65535},                /* one over: one octet off */
		{emoji, 0, NULL, 2 + 4 * 16383},
		/* Stray continuation, overlong NUL, surrogate, past U+10FFFF,
		 * truncated sequence at the end: each octet becomes '?'. */
		{"a\x80" "b\xc0\x80" "c\xed\xa0\x80" "d\xf4\x90\x80\x80" "\xe2\x80", 0,
		 "a?b??c???d??????", 16},
		{"caf\xc3\xa9 " EM_DASH " \xf0\x9f\x99\x82", 0, NULL, 0},
	};
	size_t n_cuts = sizeof(cuts) / sizeof(cuts[0]);

	f = temp_file(path, sizeof(path));
	assert_non_null(f);
	w = np_pcapng_new(f, LINKTYPE_ETHERNET, SNAPLEN, IFNAME, USERAPPL, errbuf);
	assert_non_null(w);
	for (size_t i = 0; i < n_cuts; i++)
		assert_int_equal(np_pcapng_write(w, i, (const uint8_t *)"abc", 3, 3, cuts[i].in), 0);
	/* "" is no comment at all, as is NULL. */
	assert_int_equal(np_pcapng_write(w, 99, (const uint8_t *)"abc", 3, 3, ""), 0);
	assert_int_equal(np_pcapng_close(w), 0);

	walk(path, &wk);
	assert_int_equal(wk.n_epb, n_cuts + 1);
	for (size_t i = 0; i < n_cuts; i++) {
		const char *want = cuts[i].want ? cuts[i].want : cuts[i].in;
		size_t want_len = cuts[i].want_len ? cuts[i].want_len : strlen(cuts[i].in);

		assert_non_null(wk.epb[i].comment);
		assert_int_equal(wk.epb[i].comment_len, want_len);
		assert_memory_equal(wk.epb[i].comment, want, want_len);
	}
	assert_null(wk.epb[n_cuts].comment);
	free(wk.file);
	unlink(path);
	free(ascii);
	free(emoji);
}

/* ---- Errors ---- */

/* /dev/full takes the open and fails every write with ENOSPC. stdio
 * buffers, so a small block fails only at the flush; a block larger than
 * the buffer fails in fwrite itself. Either way close must say so. */
static void write_errors_are_reported(void **state)
{
	char errbuf[NP_ERRBUF_SIZE] = "";
	const uint8_t frame[60] = {0};
	char *big = long_comment();
	struct np_pcapng *w;
	FILE *f;

	(void)state;
	f = fopen("/dev/full", "w");
	if (!f)
		skip();
	w = np_pcapng_new(f, LINKTYPE_ETHERNET, SNAPLEN, IFNAME, USERAPPL, errbuf);
	assert_non_null(w);
	assert_int_equal(np_pcapng_write(w, 1, frame, sizeof(frame), sizeof(frame), big), NP_EIO);
	/* Sticky: later writes fail too, without writing. */
	assert_int_equal(np_pcapng_write(w, 2, frame, sizeof(frame), sizeof(frame), NULL), NP_EIO);
	assert_int_equal(np_pcapng_close(w), NP_EIO);

	f = fopen("/dev/full", "w");
	assert_non_null(f);
	w = np_pcapng_new(f, LINKTYPE_ETHERNET, SNAPLEN, IFNAME, USERAPPL, errbuf);
	assert_non_null(w);
	assert_int_equal(np_pcapng_write(w, 1, frame, sizeof(frame), sizeof(frame), "small"), 0);
	assert_int_equal(np_pcapng_close(w), NP_EIO);
	free(big);
}

static void header_write_error_fails_new(void **state)
{
	char errbuf[NP_ERRBUF_SIZE] = "";
	FILE *f;

	(void)state;
	f = fopen("/dev/full", "w");
	if (!f)
		skip();
	/* Unbuffered, the first block's fwrite meets ENOSPC itself. */
	setvbuf(f, NULL, _IONBF, 0);
	assert_null(np_pcapng_new(f, LINKTYPE_ETHERNET, SNAPLEN, IFNAME, USERAPPL, errbuf));
	assert_non_null(strstr(errbuf, "No space left"));
	/* On failure the caller still owns f. */
	fclose(f);
}

static void bad_arguments_are_refused(void **state)
{
	char path[256], errbuf[NP_ERRBUF_SIZE] = "";
	static const uint8_t frame[100];
	struct np_pcapng *w;
	uint64_t before;
	struct walked wk;
	FILE *f;

	(void)state;
	f = temp_file(path, sizeof(path));
	assert_non_null(f);
	assert_null(np_pcapng_new(NULL, LINKTYPE_ETHERNET, 64, NULL, NULL, errbuf));
	assert_null(np_pcapng_new(f, -1, 64, NULL, NULL, errbuf));
	assert_non_null(strstr(errbuf, "link type"));
	assert_null(np_pcapng_new(f, 65536, 64, NULL, NULL, errbuf));
	/* No if_name, default shb_userappl. */
	w = np_pcapng_new(f, LINKTYPE_ETHERNET, 64, NULL, NULL, errbuf);
	assert_non_null(w);
	before = np_pcapng_bytes(w);
	assert_true(before > 0);
	assert_int_equal(np_pcapng_write(w, 1, frame, 65, 100, NULL), NP_EINVAL);    /* > snaplen */
	assert_int_equal(np_pcapng_write(w, 1, frame, 60, 59, NULL), NP_EINVAL);     /* > wirelen */
	assert_int_equal(np_pcapng_write(w, 1, NULL, 1, 1, NULL), NP_EINVAL);
	assert_int_equal(np_pcapng_write(NULL, 1, frame, 1, 1, NULL), NP_EINVAL);
	assert_int_equal(np_pcapng_bytes(w), before);
	/* Refusals are not write failures: the writer goes on. */
	assert_int_equal(np_pcapng_write(w, 1, frame, 64, 100, NULL), 0);
	assert_int_equal(np_pcapng_write(w, 2, NULL, 0, 0, NULL), 0);
	assert_int_equal(np_pcapng_close(w), 0);
	assert_int_equal(np_pcapng_close(NULL), 0);
	assert_int_equal(np_pcapng_bytes(NULL), 0);

	walk(path, &wk);
	assert_int_equal(wk.userappl.len, strlen("netprobe " NP_VERSION));
	assert_memory_equal(wk.userappl.val, "netprobe " NP_VERSION, wk.userappl.len);
	assert_null(wk.ifname.val);
	assert_int_equal(wk.n_epb, 2);
	assert_int_equal(wk.snaplen, 64);
	assert_int_equal(wk.epb[0].caplen, 64);
	assert_int_equal(wk.epb[1].caplen, 0);
	free(wk.file);
	unlink(path);
}

/* Snaplen 0 is "no limit" (draft-ietf-opsawg-pcapng section 4.2). */
static void snaplen_zero_means_no_limit(void **state)
{
	char path[256], errbuf[NP_ERRBUF_SIZE] = "";
	uint8_t *frame = calloc(1, 100000);
	struct np_pcapng *w;
	struct walked wk;
	FILE *f;

	(void)state;
	assert_non_null(frame);
	frame[99999] = 0x5a;
	f = temp_file(path, sizeof(path));
	assert_non_null(f);
	w = np_pcapng_new(f, LINKTYPE_ETHERNET, 0, IFNAME, USERAPPL, errbuf);
	assert_non_null(w);
	assert_int_equal(np_pcapng_write(w, 7, frame, 100000, 100001, NULL), 0);
	assert_int_equal(np_pcapng_close(w), 0);
	walk(path, &wk);
	assert_int_equal(wk.snaplen, 0);
	assert_int_equal(wk.n_epb, 1);
	assert_int_equal(wk.epb[0].caplen, 100000);
	assert_int_equal(wk.epb[0].wirelen, 100001);
	assert_memory_equal(wk.epb[0].data, frame, 100000);
	free(wk.file);
	unlink(path);
	free(frame);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(blocks_have_matching_lengths),
		cmocka_unit_test(libpcap_reads_every_packet),
		cmocka_unit_test(tshark_puts_comments_on_their_frames),
		cmocka_unit_test(tcpdump_reads_the_file),
		cmocka_unit_test(comments_are_valid_utf8_cut_at_a_boundary),
		cmocka_unit_test(write_errors_are_reported),
		cmocka_unit_test(header_write_error_fails_new),
		cmocka_unit_test(bad_arguments_are_refused),
		cmocka_unit_test(snaplen_zero_means_no_limit),
	};

	return cmocka_run_group_tests_name("pcapng", tests, write_sample, remove_sample);
}
