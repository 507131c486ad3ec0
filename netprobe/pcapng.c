/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "pcapng.h"

#ifndef NP_VERSION
#define NP_VERSION "unknown"
#endif

/* Block types, draft-ietf-opsawg-pcapng sections 4.1, 4.2, 4.3. */
#define BT_SHB 0x0A0D0D0AU
#define BT_IDB 0x00000001U
#define BT_EPB 0x00000006U
#define BYTE_ORDER_MAGIC 0x1A2B3C4DU

/* Option codes: common (section 3.5), SHB (4.1), IDB (4.2). */
#define OPT_ENDOFOPT 0
#define OPT_COMMENT 1
#define SHB_OS 3
#define SHB_USERAPPL 4
#define IF_NAME 2
#define IF_TSRESOL 9

/* Type and total length before the body, total length again after it
 * (section 3.1); then the fixed fields of each block before its options. */
#define BLOCK_OVERHEAD 12
#define SHB_FIXED 16    /* magic, major, minor, section length */
#define IDB_FIXED 8     /* link type, reserved, snaplen */
#define EPB_FIXED 20    /* interface, timestamp high/low, caplen, origlen */

/* if_tsresol: MSB 0, so a negative power of ten: 10^-9 s (section 4.2). */
#define TSRESOL_NS 9

struct np_pcapng {
	FILE *f;
	uint32_t snaplen;
	int err;                /* sticky: NP_EIO once any write failed */
	int sys_errno;          /* errno of the failed write; 0: a bad block */
	uint64_t bytes;
	uint8_t *buf;           /* the block being built, reused */
	size_t cap;
};

/*
 * A block under construction. len is its total length, computed once
 * before anything is filled; the put functions refuse to go past it, and
 * block_end() refuses to write a block whose fill is not exactly len, so
 * the two length fields can never disagree with the bytes between them.
 */
struct blk {
	uint8_t *p;
	size_t len;
	size_t off;
	int overrun;
};

/* Values, packet data and options are padded to 32 bits (section 3.1, 3.5). */
static uint64_t pad4(uint64_t n)
{
	return (n + 3) & ~(uint64_t)3;
}

static void put(struct blk *b, const void *d, size_t n)
{
	if (b->overrun || n > b->len - b->off) {
		b->overrun = 1;
		return;
	}
	if (n)
		memcpy(b->p + b->off, d, n);
	b->off += n;
}

/* memcpy, not a cast: block buffers give no alignment guarantee past 4
 * and the 64-bit section length sits at offset 16 (section 3.6.2). */
static void put16(struct blk *b, uint16_t v)
{
	put(b, &v, sizeof(v));
}

static void put32(struct blk *b, uint32_t v)
{
	put(b, &v, sizeof(v));
}

static void put64(struct blk *b, uint64_t v)
{
	put(b, &v, sizeof(v));
}

/* Padding octets MUST be zero (section 3.6.2). */
static void put_pad(struct blk *b, uint64_t n)
{
	static const uint8_t zeros[3];

	put(b, zeros, (size_t)(pad4(n) - n));
}

/* Length of the valid UTF-8 sequence at s, 0 when there is none: no
 * overlong forms, no surrogates, nothing past U+10FFFF (RFC 3629 section
 * 4). The terminating NUL fails every continuation test, so s is never
 * read past its end. */
static size_t utf8_seq(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xBF;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		n = 2;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		n = 3;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		n = 4;
	else
		return 0;
	if (s[0] == 0xE0)
		lo = 0xA0;
	else if (s[0] == 0xED)
		hi = 0x9F;
	else if (s[0] == 0xF0)
		lo = 0x90;
	else if (s[0] == 0xF4)
		hi = 0x8F;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return n;
}

/*
 * Measures s as a string option value (dst NULL) or copies it (dst set):
 * one walk does both, so the length announced is the length filled.
 * Writers MUST write valid UTF-8 (section 3.6.3): an invalid octet becomes
 * '?'. The walk stops before a character that would pass max, so a cut
 * never splits one.
 */
static size_t utf8_copy(uint8_t *dst, const char *s, size_t max)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = 0;

	while (s && u[n]) {
		size_t k = utf8_seq(u + n);
		size_t step = k ? k : 1;

		if (step > max - n)
			break;
		if (dst && k)
			memcpy(dst + n, u + n, k);
		else if (dst)
			dst[n] = '?';
		n += step;
	}
	return n;
}

/* Octets an option of value length len takes; a zero-length string option
 * is left out altogether. */
static uint64_t str_opt_size(size_t len)
{
	return len ? 4 + pad4(len) : 0;
}

static void put_opt(struct blk *b, uint16_t code, const void *val, uint16_t len)
{
	put16(b, code);
	put16(b, len);
	put(b, val, len);
	put_pad(b, len);
}

/* len comes from utf8_copy(NULL, s, ...) on the same s. */
static void put_opt_str(struct blk *b, uint16_t code, const char *s, size_t len)
{
	if (len == 0)
		return;
	put16(b, code);
	put16(b, (uint16_t)len);
	if (b->overrun || len > b->len - b->off) {
		b->overrun = 1;
		return;
	}
	if (utf8_copy(b->p + b->off, s, len) != len)
		b->overrun = 1;
	b->off += len;
	put_pad(b, len);
}

/* Code that writes pcapng MUST end an option list with opt_endofopt
 * (section 3.5); a block without options has no list to end. */
static void put_endofopt(struct blk *b)
{
	put16(b, OPT_ENDOFOPT);
	put16(b, 0);
}

/* Makes room for a block of total octets and fills its leading fields. */
static int block_begin(struct np_pcapng *w, struct blk *b, uint32_t type, uint64_t total)
{
	if (total > UINT32_MAX)
		return NP_EINVAL;
	if (total > w->cap) {
		uint8_t *nb = realloc(w->buf, (size_t)total);

		if (!nb)
			return NP_ENOMEM;
		w->buf = nb;
		w->cap = (size_t)total;
	}
	b->p = w->buf;
	b->len = (size_t)total;
	b->off = 0;
	b->overrun = 0;
	put32(b, type);
	put32(b, (uint32_t)total);
	return 0;
}

/* Trailing length, the check that the fill is exactly the announced
 * length, and one fwrite whose count is checked. */
static int block_end(struct np_pcapng *w, struct blk *b)
{
	size_t n;

	put32(b, (uint32_t)b->len);
	if (b->overrun || b->off != b->len) {
		/* A bug in this file, not in the caller's input; the file must
		 * not get a block whose length fields lie, and close must say
		 * the capture is incomplete. */
		w->err = NP_EIO;
		w->sys_errno = 0;
		return NP_EIO;
	}
	n = fwrite(b->p, 1, b->len, w->f);
	w->bytes += n;
	if (n != b->len) {
		w->err = NP_EIO;
		w->sys_errno = errno ? errno : EIO;
		return NP_EIO;
	}
	return 0;
}

static int write_shb(struct np_pcapng *w, const char *userappl)
{
	struct utsname u;
	char os[sizeof(u.sysname) + 1 + sizeof(u.release)] = "";
	const char *app = userappl ? userappl : "netprobe " NP_VERSION;
	size_t app_len, os_len;
	uint64_t opts;
	struct blk b;
	int rc;

	if (uname(&u) == 0)
		snprintf(os, sizeof(os), "%s %s", u.sysname, u.release);
	app_len = utf8_copy(NULL, app, NP_PCAPNG_MAX_STRING);
	os_len = utf8_copy(NULL, os, NP_PCAPNG_MAX_STRING);
	opts = str_opt_size(app_len) + str_opt_size(os_len);
	if (opts)
		opts += 4;
	rc = block_begin(w, &b, BT_SHB, BLOCK_OVERHEAD + SHB_FIXED + opts);
	if (rc < 0)
		return rc;
	put32(&b, BYTE_ORDER_MAGIC);
	/* Writers MUST NOT write a version other than 1.0 (section 4.1). */
	put16(&b, 1);
	put16(&b, 0);
	/* -1: length not given; the file is written front to back. */
	put64(&b, UINT64_MAX);
	put_opt_str(&b, SHB_USERAPPL, app, app_len);
	put_opt_str(&b, SHB_OS, os, os_len);
	if (opts)
		put_endofopt(&b);
	return block_end(w, &b);
}

static int write_idb(struct np_pcapng *w, uint16_t linktype, uint32_t snaplen,
		     const char *ifname)
{
	const uint8_t tsresol = TSRESOL_NS;
	size_t name_len = utf8_copy(NULL, ifname, NP_PCAPNG_MAX_STRING);
	uint64_t opts = str_opt_size(name_len) + 4 + pad4(sizeof(tsresol)) + 4;
	struct blk b;
	int rc;

	rc = block_begin(w, &b, BT_IDB, BLOCK_OVERHEAD + IDB_FIXED + opts);
	if (rc < 0)
		return rc;
	put16(&b, linktype);
	put16(&b, 0);
	put32(&b, snaplen);
	put_opt_str(&b, IF_NAME, ifname, name_len);
	/* Without if_tsresol readers assume microseconds. */
	put_opt(&b, IF_TSRESOL, &tsresol, sizeof(tsresol));
	put_endofopt(&b);
	return block_end(w, &b);
}

struct np_pcapng *np_pcapng_new(FILE *f, int linktype, uint32_t snaplen,
				const char *ifname, const char *userappl,
				char *errbuf)
{
	struct np_pcapng *w = NULL;
	int rc;

	if (!f) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "pcapng: no output file");
		return NULL;
	}
	/* The IDB's LinkType field is 16 bits (section 4.2). */
	if (linktype < 0 || linktype > UINT16_MAX) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "pcapng: link type %d out of range", linktype);
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (!w) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "pcapng: out of memory");
		return NULL;
	}
	w->f = f;
	w->snaplen = snaplen;
	rc = write_shb(w, userappl);
	if (rc == 0)
		rc = write_idb(w, (uint16_t)linktype, snaplen, ifname);
	if (rc < 0) {
		if (rc == NP_EIO && w->sys_errno == 0)
			snprintf(errbuf, NP_ERRBUF_SIZE,
				 "pcapng: file header: block does not fill its length (a bug)");
		else if (rc == NP_EIO)
			snprintf(errbuf, NP_ERRBUF_SIZE, "pcapng: writing the file header: %s",
				 strerror(w->sys_errno));
		else
			snprintf(errbuf, NP_ERRBUF_SIZE, "pcapng: file header: %s", np_strerror(rc));
		free(w->buf);
		free(w);
		return NULL;
	}
	return w;
}

int np_pcapng_write(struct np_pcapng *w, uint64_t ts_ns, const uint8_t *data,
		    uint32_t caplen, uint32_t wirelen, const char *comment)
{
	size_t clen;
	uint64_t opts;
	struct blk b;
	int rc;

	/* Captured length is at most the original length and the snapshot
	 * length, 0 meaning no limit (sections 4.2, 4.3). */
	if (!w || (caplen > 0 && !data) || caplen > wirelen ||
	    (w->snaplen && caplen > w->snaplen))
		return NP_EINVAL;
	/* After a failed write the file ends inside a block; appending more
	 * would only hide where. */
	if (w->err)
		return w->err;
	clen = utf8_copy(NULL, comment, NP_PCAPNG_MAX_STRING);
	opts = str_opt_size(clen);
	if (opts)
		opts += 4;
	rc = block_begin(w, &b, BT_EPB, BLOCK_OVERHEAD + EPB_FIXED + pad4(caplen) + opts);
	if (rc < 0)
		return rc;
	put32(&b, 0);
	/* One 64-bit count of if_tsresol units, upper half first (section 4.3). */
	put32(&b, (uint32_t)(ts_ns >> 32));
	put32(&b, (uint32_t)(ts_ns & UINT32_MAX));
	put32(&b, caplen);
	put32(&b, wirelen);
	put(&b, data, caplen);
	put_pad(&b, caplen);
	put_opt_str(&b, OPT_COMMENT, comment, clen);
	if (opts)
		put_endofopt(&b);
	return block_end(w, &b);
}

int np_pcapng_close(struct np_pcapng *w)
{
	int rc;

	if (!w)
		return 0;
	rc = w->err;
	/* fflush first: stdio buffers, so a full disk often shows only here. */
	if (fflush(w->f) == EOF || ferror(w->f))
		rc = NP_EIO;
	if (fclose(w->f) == EOF)
		rc = NP_EIO;
	free(w->buf);
	free(w);
	return rc;
}

uint64_t np_pcapng_bytes(const struct np_pcapng *w)
{
	return w ? w->bytes : 0;
}
