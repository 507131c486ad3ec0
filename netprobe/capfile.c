/* Capture files through libwiretap (see capfile.h). */
#include "capfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>
#include <wireshark.h>
#include <wiretap/wtap.h>
#include <wiretap/pcap-encap.h>
#include <wsutil/buffer.h>
#include <wsutil/wslog.h>

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
	uint64_t frame;
	char path[128];
};

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
		int e = wtap_pcap_encap_to_wtap_encap(lt);

		if (e > 0 && e < MAX_ENCAP && encap_dlt[e] < 0)
			encap_dlt[e] = (short)lt;
	}
}

static int encap_to_dlt(int encap)
{
	return encap > 0 && encap < MAX_ENCAP ? encap_dlt[encap] : -1;
}

static void library_init(void)
{
	static int done;

	if (done)
		return;
	/* Before wtap_init: otherwise every block read is logged. Only what
	 * is fatal reaches stderr; read errors come back to us as values. */
	ws_log_init("netprobe", NULL);
	ws_log_set_level(LOG_LEVEL_CRITICAL);
	wtap_init(FALSE);
	encap_table_init();
	done = 1;
}

int64_t np_capfile_ts_ns(int64_t sec, int64_t nsec, int *ok)
{
	/* Whole seconds that fit in an int64_t of nanoseconds, with room for
	 * the fraction and for differences between two of them: about 146
	 * years either side of 1970. */
	const int64_t lim = INT64_MAX / NS_PER_S / 2;

	if (sec > lim || sec < -lim || nsec < 0 || nsec >= NS_PER_S) {
		*ok = 0;
		return 0;
	}
	*ok = 1;
	return sec * NS_PER_S + nsec;
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

	library_init();
	f = calloc(1, sizeof(*f));
	if (!f || (filter && filter[0] && !(f->filter = strdup(filter)))) {
		snprintf(errbuf, NP_ERRBUF_SIZE, "out of memory");
		free(f);
		return NULL;
	}
	snprintf(f->path, sizeof(f->path), "%s", path);
	f->w = wtap_open_offline(path, WTAP_TYPE_AUTO, &err, &err_info, FALSE);
	if (!f->w) {
		if (err > 0)
			snprintf(errbuf, NP_ERRBUF_SIZE, "%.100s: cannot read it as a capture: %s", path,
				 strerror(err));
		else
			snprintf(errbuf, NP_ERRBUF_SIZE, "%.100s: cannot read it as a capture: %.100s%s%.100s",
				 path, wtap_strerror(err), err_info ? ": " : "", err_info ? err_info : "");
		g_free(err_info);
		free(f->filter);
		free(f);
		return NULL;
	}
	wtap_rec_init(&f->rec);
	ws_buffer_init(&f->buf, 1514);
	return f;
}

static void packet_options(struct np_capfile_rec *r, wtap_block_t b)
{
	guint32 flags;
	guint64 id;

	if (!b)
		return;
	if (wtap_block_get_uint64_option_value(b, OPT_PKT_PACKETID, &id) == WTAP_OPTTYPE_SUCCESS) {
		r->has_packet_id = 1;
		r->packet_id = id;
	}
	/* pcapng epb_flags: bits 0-1 the direction (1 inbound, 2 outbound). */
	if (wtap_block_get_uint32_option_value(b, OPT_PKT_FLAGS, &flags) == WTAP_OPTTYPE_SUCCESS)
		r->dir = (enum np_capfile_dir)(flags & 3) == NP_CAPFILE_DIR_IN ? NP_CAPFILE_DIR_IN :
			 (flags & 3) == NP_CAPFILE_DIR_OUT ? NP_CAPFILE_DIR_OUT : NP_CAPFILE_DIR_UNKNOWN;
	r->has_verdict = wtap_block_count_option(b, OPT_PKT_VERDICT) > 0;
}

int np_capfile_next(struct np_capfile *f, struct np_capfile_rec *r, char *errbuf)
{
	gchar *err_info = NULL;
	gint64 offset;
	int err = 0;

	wtap_rec_reset(&f->rec);
	memset(r, 0, sizeof(*r));
	if (!wtap_read(f->w, &f->rec, &f->buf, &err, &err_info, &offset)) {
		if (err == 0)
			return 0;
		snprintf(errbuf, NP_ERRBUF_SIZE, "after frame %llu: %.100s%s%.120s",
			 (unsigned long long)f->frame, wtap_strerror(err), err_info ? ": " : "",
			 err_info ? err_info : "");
		g_free(err_info);
		return NP_EINVAL;
	}
	g_free(err_info);
	r->frame = ++f->frame;
	r->dlt = -1;
	r->matched = 1;
	if (f->rec.presence_flags & WTAP_HAS_TS)
		r->ts_ns = np_capfile_ts_ns((int64_t)f->rec.ts.secs, f->rec.ts.nsecs, &r->ts_ok);
	if (f->rec.rec_type != REC_TYPE_PACKET)
		return 1;
	r->is_packet = 1;
	r->caplen = f->rec.rec_header.packet_header.caplen;
	r->wirelen = f->rec.rec_header.packet_header.len;
	if (r->wirelen < r->caplen)
		r->wirelen = r->caplen;
	r->data = ws_buffer_start_ptr(&f->buf);
	if (f->rec.presence_flags & WTAP_HAS_INTERFACE_ID)
		r->interface_id = f->rec.rec_header.packet_header.interface_id;
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

const char *np_capfile_format(const struct np_capfile *f)
{
	const char *n = wtap_file_type_subtype_name(wtap_file_type_subtype(f->w));

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
	wtap_rec_cleanup(&f->rec);
	ws_buffer_free(&f->buf);
	wtap_close(f->w);
	free(f->filter);
	free(f);
}
