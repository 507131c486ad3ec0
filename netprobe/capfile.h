/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_CAPFILE_H
#define NETPROBE_CAPFILE_H

/*
 * Reading capture files, for offline analysis (netprobe explain), with
 * libwiretap: every format Wireshark opens (pcap, pcapng with interfaces of
 * different link types and per-packet options, Network Monitor, snoop, …),
 * numbered as Wireshark numbers frames. Every record takes a number,
 * including those that are not packets (pcapng systemd-journal blocks, as
 * pktmon's converters write) and those a filter leaves out, so "frame 1234"
 * here is frame 1234 in the user's Wireshark.
 *
 * The only module that includes libwiretap's headers. Written against
 * Wireshark 4.0's API (Debian 12).
 */

#include <stddef.h>
#include <stdint.h>

struct np_capfile;

/* pcapng epb_flags direction (bits 0-1) */
enum np_capfile_dir {
	NP_CAPFILE_DIR_UNKNOWN = 0,
	NP_CAPFILE_DIR_IN = 1,
	NP_CAPFILE_DIR_OUT = 2,
};

struct np_capfile_rec {
	uint64_t frame;             /* 1-based over every record of the file */
	int is_packet;              /* 0: another kind of record (no data below) */
	int dlt;                    /* the packet's pcap link type (DLT_*), -1 if it has none */
	int64_t ts_ns;              /* since the epoch; 0 when the record has none */
	int ts_ok;                  /* 0: no time stamp, or one out of range */
	uint32_t caplen, wirelen;   /* bytes kept, bytes on the wire */
	const uint8_t *data;        /* caplen bytes, valid until the next call */
	int matched;                /* the filter keeps it (1 without a filter) */
	uint32_t interface_id;      /* pcapng interface, 0 when the format has one */
	int has_packet_id;          /* pcapng epb_packetid (pktmon's PktGroupId) */
	uint64_t packet_id;
	enum np_capfile_dir dir;    /* from epb_flags */
	int has_verdict;            /* pcapng epb_verdict present (a drop record) */
	int pid_comment;            /* a comment "PID=… TID=…", as netsh traces
				     * converted by etl2pcapng carry */
};

/* Opens PATH; FILTER (a BPF expression, may be NULL) is compiled for each
 * link type the file holds as it appears. Returns NULL and a one-line
 * errbuf (NP_ERRBUF_SIZE) naming PATH and why it cannot be read. */
struct np_capfile *np_capfile_open(const char *path, const char *filter, char *errbuf);

/* The next record: 1, 0 at the end of the file, or a negative NP_E… with
 * errbuf naming what was wrong (the file ends in the middle of a record, a
 * block is damaged, the filter does not apply to a link type). */
int np_capfile_next(struct np_capfile *f, struct np_capfile_rec *rec, char *errbuf);

/* The link type of every packet of the file, or -1 when they may differ
 * (pcapng with interfaces of several types) or it has no pcap number. */
int np_capfile_dlt(const struct np_capfile *f);

/* libpcap's name of a link type, "unknown" when it has none. */
const char *np_capfile_dlt_name(int dlt);

/* Interfaces the file describes: those before its first packet, or more
 * once a packet names a later one (at least 1). */
unsigned np_capfile_interfaces(const struct np_capfile *f);

/* The file's format as Wireshark names it ("pcapng", "pcap", …). */
const char *np_capfile_format(const struct np_capfile *f);

void np_capfile_close(struct np_capfile *f);

/* The version of the Wireshark headers built with ("4.0.17"): libwiretap
 * has no call that returns its own. */
const char *np_capfile_library_version(void);

/* Nanoseconds since the epoch from seconds and nanoseconds, or 0 (and
 * *ok = 0) when they do not fit: a file's time stamps are outside input. */
int64_t np_capfile_ts_ns(int64_t sec, int64_t nsec, int *ok);

#endif
