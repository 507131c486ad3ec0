/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Capture files through libwiretap (see capfile.h). */
#include "capfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pcap/pcap.h>
#include <wireshark.h>
#include <wiretap/wtap.h>
#include <wiretap/pcap-encap.h>
#include <wsutil/buffer.h>
#include <wsutil/wslog.h>

#include "dynlib.h"
#include "error.h"

#define NS_PER_S INT64_C(1000000000)
/* Link types one file may mix (pktmon writes three); each gets its own
 * compiled filter. */
#define MAX_LINKTYPES 16
#define DEAD_SNAPLEN 262144

struct linkfilter {
	int dlt;
	pcap_t *dead;
	struct bpf_program prog;
};

struct np_capfile {
	wtap *w;
	wtap_rec rec;
	Buffer buf;
	char *filter;
	struct linkfilter lf[MAX_LINKTYPES];
	size_t n_lf;
	uint64_t frame, packets;
	unsigned n_ifaces;          /* interfaces described so far */
	char path[128];
	char *full_path;
};

/* libwiretap (with libwsutil and glib), opened by the first capture file
 * read (dynlib.h): probes that never read one do not load them, nor the
 * TLS and crypto libraries libwsutil brings. Symbols of its dependencies
 * are found through its handle. */
static struct {
	__typeof__(wtap_init) *init;
	__typeof__(wtap_open_offline) *open_offline;
	__typeof__(wtap_strerror) *strerror;
	__typeof__(wtap_rec_init) *rec_init;
	__typeof__(wtap_file_get_idb_info) *file_get_idb_info;
	__typeof__(wtap_block_foreach_option) *block_foreach_option;
	__typeof__(wtap_rec_reset) *rec_reset;
	__typeof__(wtap_read) *read;
	__typeof__(wtap_file_encap) *file_encap;
	__typeof__(wtap_file_type_subtype_name) *file_type_subtype_name;
	__typeof__(wtap_file_type_subtype) *file_type_subtype;
	__typeof__(wtap_rec_cleanup) *rec_cleanup;
	__typeof__(wtap_close) *close;
	__typeof__(wtap_pcap_encap_to_wtap_encap) *pcap_encap_to_wtap_encap;
	__typeof__(ws_buffer_init) *ws_buffer_init;
	__typeof__(ws_buffer_free) *ws_buffer_free;
	__typeof__(ws_log_init) *ws_log_init;
	__typeof__(ws_log_set_level) *ws_log_set_level;
	__typeof__(g_free) *g_free;
} W;

/* Wiretap's encapsulation -> the pcap link type netprobe's dissector and
 * libpcap's filter compiler take. libwiretap 4.0 exports only the other
 * direction, so the table is built from it once: the lowest link type that
 * maps to each encapsulation (DLT_RAW 12 before LINKTYPE_RAW 101). */
#define MAX_ENCAP 1024
#define MAX_LINKTYPE 512
static short encap_dlt[MAX_ENCAP];

static void encap_table_init(void)
{
	for (int e = 0; e < MAX_ENCAP; e++)
		encap_dlt[e] = -1;
	for (int lt = 0; lt < MAX_LINKTYPE; lt++) {
		int e = W.pcap_encap_to_wtap_encap(lt);

		if (e > 0 && e < MAX_ENCAP && encap_dlt[e] < 0)
			encap_dlt[e] = (short)lt;
	}
}

static int encap_to_dlt(int encap)
{
	return encap > 0 && encap < MAX_ENCAP ? encap_dlt[encap] : -1;
}

int np_capfile_dlt(const struct np_capfile *f);

static int library_init(char *errbuf)
{
	static const struct np_dynsym syms[] = {
		{"wtap_init", &W.init},
		{"wtap_open_offline", &W.open_offline},
		{"wtap_strerror", &W.strerror},
		{"wtap_rec_init", &W.rec_init},
		{"wtap_file_get_idb_info", &W.file_get_idb_info},
		{"wtap_block_foreach_option", &W.block_foreach_option},
		{"wtap_rec_reset", &W.rec_reset},
		{"wtap_read", &W.read},
		{"wtap_file_encap", &W.file_encap},
		{"wtap_file_type_subtype_name", &W.file_type_subtype_name},
		{"wtap_file_type_subtype", &W.file_type_subtype},
		{"wtap_rec_cleanup", &W.rec_cleanup},
		{"wtap_close", &W.close},
		{"wtap_pcap_encap_to_wtap_encap", &W.pcap_encap_to_wtap_encap},
		{"ws_buffer_init", &W.ws_buffer_init},
		{"ws_buffer_free", &W.ws_buffer_free},
		{"ws_log_init", &W.ws_log_init},
		{"ws_log_set_level", &W.ws_log_set_level},
		{"g_free", &W.g_free},
	};
	static struct np_dynlib lib = {"libwiretap.so.13", "libwiretap13", syms, sizeof(syms) / sizeof(syms[0]), 0};
	static int done;

	if (done)
		return 0;
	if (np_dynlib_load(&lib, errbuf) < 0)
		return NP_EINVAL;
	/* Before wtap_init: otherwise every block read is logged. Only what
	 * is fatal reaches stderr; read errors come back to us as values. */
	W.ws_log_init("netprobe", NULL);
	W.ws_log_set_level(LOG_LEVEL_CRITICAL);
	W.init(FALSE);
	encap_table_init();
	done = 1;
	return 0;
}

const char *np_capfile_library_version(void)
{
	char eb[NP_ERRBUF_SIZE];

	/* Loaded, so that --version names the file too. */
	library_init(eb);
	/* ws_version.h (through wireshark.h): the headers of the build. */
#define NP_STR2(x) #x
#define NP_STR(x) NP_STR2(x)
	return NP_STR(WIRESHARK_VERSION_MAJOR) "." NP_STR(WIRESHARK_VERSION_MINOR) "." NP_STR(WIRESHARK_VERSION_MICRO);
#undef NP_STR
#undef NP_STR2
}

int64_t np_capfile_ts_ns(int64_t sec, int64_t nsec, int *ok)
{
	int64_t ns;

	/* From 1970 to April 2262: every difference of two such times fits
	 * too, so no silence computed from them overflows. */
	if (sec < 0 || nsec < 0 || nsec >= NS_PER_S || __builtin_mul_overflow(sec, NS_PER_S, &ns) ||
	    __builtin_add_overflow(ns, nsec, &ns)) {
		*ok = 0;
		return 0;
	}
	*ok = 1;
	return ns;
}

static struct linkfilter *filter_for(struct np_capfile *f, int dlt, char *errbuf)
{
	struct linkfilter *l;

	for (size_t i = 0; i < f->n_lf; i++)
		if (f->lf[i].dlt == dlt)
			return &f->lf[i];
	if (f->n_lf == MAX_LINKTYPES) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "%s: more than %d link types in one file", f->path,
			 MAX_LINKTYPES);
		return NULL;
	}
	l = &f->lf[f->n_lf];
	l->dlt = dlt;
	l->dead = pcap_open_dead(dlt, DEAD_SNAPLEN);
	if (!l->dead) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "out of memory");
		return NULL;
	}
	if (pcap_compile(l->dead, &l->prog, f->filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		const char *n = pcap_datalink_val_to_name(dlt);

		snprintf(errbuf, NP_ERRBUF_SIZE, "filter '%.80s' on link type %d (%s): %.100s", f->filter,
			 dlt, n ? n : "unknown", pcap_geterr(l->dead));
		pcap_close(l->dead);
		l->dead = NULL;
		return NULL;
	}
	f->n_lf++;
	return l;
}

struct np_capfile *np_capfile_open(const char *path, const char *filter, char *errbuf)
{
	struct np_capfile *f;
	gchar *err_info = NULL;
	int err = 0;

	if (library_init(errbuf) < 0)
		return NULL;
	f = calloc(1, sizeof(*f));
	if (!f || (filter && filter[0] && !(f->filter = strdup(filter)))) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "out of memory");
		free(f);
		return NULL;
	}
	snprintf(f->path, sizeof(f->path), "%s", path);
	f->full_path = strdup(path);
	if (!f->full_path) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "out of memory");
		free(f->filter);
		free(f);
		return NULL;
	}
	f->w = W.open_offline(path, WTAP_TYPE_AUTO, &err, &err_info, FALSE);
	if (!f->w) {
		if (err > 0)
			snprintf(errbuf, NP_ERRBUF_SIZE, "%.100s: cannot read it as a capture: %s", path,
				 strerror(err));
		else
			snprintf(errbuf, NP_ERRBUF_SIZE, "%.100s: cannot read it as a capture: %.100s%s%.100s",
				 path, W.strerror(err), err_info ? ": " : "", err_info ? err_info : "");
		W.g_free(err_info);
		free(f->full_path);
		free(f->filter);
		free(f);
		return NULL;
	}
	W.rec_init(&f->rec);
	W.ws_buffer_init(&f->buf, 1514);
	/* The interfaces described before the first packet (pktmon and
	 * etl2pcapng write them all there); one for pcap and its kin. */
	{
		wtapng_iface_descriptions_t *idb = W.file_get_idb_info(f->w);

		f->n_ifaces = idb && idb->interface_data ? idb->interface_data->len : 0;
		if (idb)
			W.g_free(idb);       /* its interface_data is the reader's own */
		if (f->n_ifaces == 0)
			f->n_ifaces = 1;
	}
	/* A filter that does not compile is the user's typo: say so now, for
	 * the file's link type (Ethernet's when packets may differ; other
	 * link types compile as they appear). */
	if (f->filter) {
		int dlt = np_capfile_dlt(f);

		if (!filter_for(f, dlt >= 0 ? dlt : DLT_EN10MB, errbuf)) {
			np_capfile_close(f);
			return NULL;
		}
	}
	return f;
}

/* pcapng block types (draft-ietf-opsawg-pcapng 4, 10.1) that hold no
 * packet: libpcap passes over them, and an empty capture has some (dumpcap
 * writes an Interface Statistics Block even when it saw nothing). */
static int block_holds_no_packet(uint32_t type)
{
	switch (type) {
	case 0x0A0D0D0AU:           /* Section Header */
	case 0x00000001U:           /* Interface Description */
	case 0x00000004U:           /* Name Resolution */
	case 0x00000005U:           /* Interface Statistics */
	case 0x00000009U:           /* systemd Journal Export */
	case 0x0000000AU:           /* Decryption Secrets */
	case 0x00000BADU:           /* Custom, copiable */
	case 0x40000BADU:           /* Custom, not copiable */
		return 1;
	default:
		return 0;
	}
}

#define NP_PCAPNG_WALK_MAX 1000000   /* blocks looked at: bounds the time on a hostile file */

/* A pcapng file that gave no packet at all: is it empty, or did the reader
 * pass over blocks that may hold packets (a type it does not read)? 1 with
 * errbuf saying which, when so. Only block headers are read (pread). */
static int pcapng_unread_blocks(const char *path, char *errbuf)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), swap, rc = 0;
	uint8_t h[12];
	struct stat sb;
	uint64_t off = 0, n_odd = 0, first_off = 0, walked = 0;
	uint32_t first_type = 0;

	if (fd < 0)
		return 0;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) ||
	    pread(fd, h, sizeof(h), 0) != (ssize_t)sizeof(h) || memcmp(h, "\x0a\x0d\x0d\x0a", 4) != 0)
		goto out;   /* not pcapng: every byte past its header is a record or an error */
	/* The byte-order magic tells how the lengths read (section 4.1). */
	swap = !(h[8] == 0x4d && h[9] == 0x3c && h[10] == 0x2b && h[11] == 0x1a);
	while (off + 12 <= (uint64_t)sb.st_size && walked++ < NP_PCAPNG_WALK_MAX) {
		uint32_t type, len;

		if (pread(fd, h, 8, (off_t)off) != 8)
			break;
		memcpy(&type, h, 4);
		memcpy(&len, h + 4, 4);
		if (swap) {
			type = __builtin_bswap32(type);
			len = __builtin_bswap32(len);
		}
		if (len < 12 || len % 4)
			break;
		if (!block_holds_no_packet(type) && !n_odd++) {
			first_type = type;
			first_off = off;
		}
		off += len;
	}
	if (!n_odd)
		goto out;
	rc = 1;
	snprintf(errbuf, NP_ERRBUF_SIZE, "%llu block%s of a type not read as packets "
		 "(the first, type 0x%08x, at byte %llu)",
		 (unsigned long long)n_odd, n_odd == 1 ? "" : "s", first_type,
		 (unsigned long long)first_off);
out:
	close(fd);
	return rc;
}

/* One pass over the packet's options (a lookup per option asked for
 * costs a hash lookup each: a tenth of the reading on a pktmon file). */
static gboolean packet_option(wtap_block_t b, guint id, wtap_opttype_e type, wtap_optval_t *v,
			      void *user)
{
	struct np_capfile_rec *r = user;

	(void)b;
	switch (id) {
	case OPT_PKT_PACKETID:
		if (type == WTAP_OPTTYPE_UINT64) {
			r->has_packet_id = 1;
			r->packet_id = v->uint64val;
		}
		break;
	case OPT_PKT_FLAGS:
		/* pcapng epb_flags: bits 0-1 the direction (1 inbound, 2 outbound). */
		if (type == WTAP_OPTTYPE_UINT32)
			r->dir = (v->uint32val & 3) == NP_CAPFILE_DIR_IN ? NP_CAPFILE_DIR_IN :
				 (v->uint32val & 3) == NP_CAPFILE_DIR_OUT ? NP_CAPFILE_DIR_OUT :
				 NP_CAPFILE_DIR_UNKNOWN;
		break;
	case OPT_PKT_VERDICT:
		r->has_verdict = 1;
		break;
	case OPT_COMMENT:
		/* netsh traces converted by etl2pcapng: "PID=… TID=…" */
		if (type == WTAP_OPTTYPE_STRING && v->stringval && strncmp(v->stringval, "PID=", 4) == 0)
			r->pid_comment = 1;
		break;
	default:
		break;
	}
	return TRUE;
}

static void packet_options(struct np_capfile_rec *r, wtap_block_t b)
{
	if (b)
		W.block_foreach_option(b, packet_option, r);
}

int np_capfile_next(struct np_capfile *f, struct np_capfile_rec *r, char *errbuf)
{
	gchar *err_info = NULL;
	gint64 offset;
	int err = 0;

	W.rec_reset(&f->rec);
	memset(r, 0, sizeof(*r));
	if (!W.read(f->w, &f->rec, &f->buf, &err, &err_info, &offset)) {
		if (err == 0) {
			/* With no packet read, make sure the file had none to give. */
			if (f->packets == 0 && pcapng_unread_blocks(f->full_path, errbuf))
				return NP_EINVAL;
			return 0;
		}
		/* Where in Wireshark's numbering, and why in its reader's words
		 * (which name the block and the length at fault). */
		if (err == WTAP_ERR_SHORT_READ)
			snprintf(errbuf, NP_ERRBUF_SIZE, "after frame %llu: the file is truncated: it ends in the "
				 "middle of a record", (unsigned long long)f->frame);
		else
			snprintf(errbuf, NP_ERRBUF_SIZE, "after frame %llu: %.100s%s%.120s",
				 (unsigned long long)f->frame, W.strerror(err), err_info ? ": " : "",
				 err_info ? err_info : "");
		W.g_free(err_info);
		return NP_EINVAL;
	}
	W.g_free(err_info);
	r->frame = ++f->frame;
	r->dlt = -1;
	r->matched = 1;
	if (f->rec.presence_flags & WTAP_HAS_TS)
		r->ts_ns = np_capfile_ts_ns((int64_t)f->rec.ts.secs, f->rec.ts.nsecs, &r->ts_ok);
	if (f->rec.rec_type != REC_TYPE_PACKET)
		return 1;
	r->is_packet = 1;
	f->packets++;
	r->caplen = f->rec.rec_header.packet_header.caplen;
	r->wirelen = f->rec.rec_header.packet_header.len;
	if (r->wirelen < r->caplen)
		r->wirelen = r->caplen;
	r->data = ws_buffer_start_ptr(&f->buf);
	if (f->rec.presence_flags & WTAP_HAS_INTERFACE_ID)
		r->interface_id = f->rec.rec_header.packet_header.interface_id;
	if (r->interface_id >= f->n_ifaces)
		f->n_ifaces = r->interface_id + 1;
	r->dlt = encap_to_dlt(f->rec.rec_header.packet_header.pkt_encap);
	packet_options(r, f->rec.block);
	if (f->filter) {
		struct pcap_pkthdr h = {.caplen = r->caplen, .len = r->wirelen};
		struct linkfilter *l;

		if (r->dlt < 0) {
			r->matched = 0;
			return 1;
		}
		l = filter_for(f, r->dlt, errbuf);
		if (!l)
			return NP_EINVAL;
		r->matched = pcap_offline_filter(&l->prog, &h, r->data) != 0;
	}
	return 1;
}

const char *np_capfile_dlt_name(int dlt)
{
	const char *n = dlt >= 0 ? pcap_datalink_val_to_name(dlt) : NULL;

	return n ? n : "unknown";
}

int np_capfile_dlt(const struct np_capfile *f)
{
	int e = W.file_encap(f->w);

	return e == WTAP_ENCAP_PER_PACKET ? -1 : encap_to_dlt(e);
}

unsigned np_capfile_interfaces(const struct np_capfile *f)
{
	return f->n_ifaces;
}

const char *np_capfile_format(const struct np_capfile *f)
{
	const char *n = W.file_type_subtype_name(W.file_type_subtype(f->w));

	return n ? n : "unknown";
}

void np_capfile_close(struct np_capfile *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n_lf; i++) {
		pcap_freecode(&f->lf[i].prog);
		pcap_close(f->lf[i].dead);
	}
	W.rec_cleanup(&f->rec);
	W.ws_buffer_free(&f->buf);
	W.close(f->w);
	free(f->full_path);
	free(f->filter);
	free(f);
}
