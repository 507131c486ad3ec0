/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef NETPROBE_HEAP_H
#define NETPROBE_HEAP_H

#include <stddef.h>

/*
 * A run that will hold much (the findings and evidence of 10,000 DNS
 * names: some 15 MB) takes its heap in huge pages: room for bytes is
 * reserved above the heap's top at once and marked MADV_HUGEPAGE, so
 * the kernel maps it 2 MiB at a time instead of faulting every 4 KiB
 * page in on first touch. On a virtual machine a page fault can cost
 * 10-17 us (measured here: 4,200 of them were a tenth of a DNS run's
 * wall time); a huge page's cost per 4 KiB is some 0.3 us. Memory is
 * only taken as it is used (a huge page at a time), and the room (at
 * most 256 MiB) is address space until then. Returns 1 if the heap is
 * in huge pages, 0
 * if not (too small a reservation, another allocator, THP "never"):
 * the run goes on either way.
 */
int np_heap_reserve(size_t bytes);

#endif
