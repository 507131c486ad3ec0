/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_PCAPNG_H
#define NETPROBE_PCAPNG_H

#include <stdint.h>
#include <stdio.h>

#include "error.h"

/*
 * A pcapng writer (draft-ietf-opsawg-pcapng), because libpcap 1.10 reads
 * pcapng but writes only pcap, and pcap has nowhere to put the comments
 * that say why a frame is evidence. One section, one interface, Enhanced
 * Packet Blocks with nanosecond timestamps, in host byte order (the
 * Section Header Block's byte-order magic tells readers which).
 */

struct np_pcapng;

/* Longest string option: the option length field is 16 bits (section 3.5). */
#define NP_PCAPNG_MAX_STRING 65535

/*
 * Takes f, already open (outputs are opened before privileges are dropped),
 * and writes the Section Header Block (shb_userappl = userappl, or
 * "netprobe VERSION" when NULL; shb_os from uname) and one Interface
 * Description Block: linktype is a LINKTYPE_* value from the pcap
 * link-type registry (0..65535), snaplen 0 means no limit, ifname may be
 * NULL, if_tsresol is 9 (nanoseconds).
 * On failure returns NULL and fills errbuf[NP_ERRBUF_SIZE]; f then stays
 * open and the caller closes it. On success the writer owns f.
 */
struct np_pcapng *np_pcapng_new(FILE *f, int linktype, uint32_t snaplen,
				const char *ifname, const char *userappl,
				char *errbuf);

/*
 * One Enhanced Packet Block on interface 0. ts_ns counts nanoseconds since
 * the epoch. comment, when not NULL or "", becomes an opt_comment: invalid
 * UTF-8 octets are written as '?', and a comment longer than
 * NP_PCAPNG_MAX_STRING octets is cut at a character boundary.
 * Returns 0; NP_EINVAL when caplen > snaplen (snaplen not 0), caplen >
 * wirelen, or data is NULL with caplen > 0 (nothing is written, the writer
 * stays usable); NP_ENOMEM; NP_EIO when a write failed, now or before.
 */
int np_pcapng_write(struct np_pcapng *w, uint64_t ts_ns, const uint8_t *data,
		    uint32_t caplen, uint32_t wirelen, const char *comment);

/* Flushes and closes the file, frees w. NP_EIO if any write, the flush or
 * the close failed at any point; 0 otherwise, also for w NULL. */
int np_pcapng_close(struct np_pcapng *w);

/* Octets handed to the file so far (the capture's size bound); 0 for NULL. */
uint64_t np_pcapng_bytes(const struct np_pcapng *w);

#endif
