#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# netprobe explain on a large capture, next to `tcpdump -r FILE -w /dev/null`
# on the same file, then the same packets as a pktmon-shaped pcapng next to
# `capinfos -c`: wall time and peak RSS side by side. `make bench`; not part
# of `make test`. The goals: within 1.5x of tcpdump and of capinfos, memory
# bounded (explain holds no packet bytes: its peak RSS is the flow table's,
# NP_EXPLAIN_MAX_FLOWS connections at most, whatever the file's size).
#
#   NETPROBE=bin/netprobe tests/bench/bench_explain.sh
#   BENCH_MB=1024  size of the capture made in /tmp (deleted afterwards;
#                  scaled down to 200 when /tmp has less than 5 GB free)
#   BENCH_RUNS=5   timed runs each, the two commands alternating
#
# The capture is synthetic but shaped like the lab's recordings: IPv4 over
# Ethernet, ~1000 connections open at once, 14-packet HTTP-like exchanges
# (SYN, SYN-ACK, request, 4 full-size segments of answer, ACKs, FINs)
# among which 2% die after 42 s idle to a reset forged at hop 2, 2% are
# SYNs into a drop and 1% are refused (a bad day: thousands of findings, and
# the JSON report is part of the time) -- every connection a new 5-tuple,
# so the flow table really holds and finishes tens of thousands of them.
# (Copies of one recorded capture made with mergecap would repeat the same
# 5-tuples and ISNs: a handful of connections, not a busy server.)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
NETPROBE=${NETPROBE:-$here/../../bin/netprobe}
MB=${BENCH_MB:-1024}
free_kb=$(df -Pk /tmp | awk 'NR == 2 {print $4}')
if [ "${free_kb:-0}" -lt $((5 * 1024 * 1024)) ] && [ "$MB" -gt 200 ]; then
	echo "bench: /tmp has $((free_kb / 1024)) MB free (less than 5 GB): scaling the capture down to 200 MB"
	MB=200
fi
RUNS=${BENCH_RUNS:-5}
[ -x "$NETPROBE" ] || { echo "bench: no $NETPROBE (make first)" >&2; exit 2; }
command -v tcpdump >/dev/null || { echo "bench: tcpdump is needed" >&2; exit 2; }
command -v cc >/dev/null || { echo "bench: a C compiler is needed" >&2; exit 2; }

dir=$(mktemp -d /tmp/np-bench-explain.XXXXXX)
trap 'rm -rf "$dir"' EXIT
# tcpdump reads the file as root but may drop to its own user afterwards
chmod 0755 "$dir"

cat >"$dir/gen.c" <<'EOF'
/* Writes a nanosecond pcap (Ethernet) of many TCP connections to stdout. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 1024
#define STEP_NS 1000000LL            /* 1 ms between packets: a round of the slots ~1 s */
#define IDLE_STEPS 43000             /* packets of other connections during 42 s of silence */

enum kind { NORMAL, IDLE_RESET, FILTERED, REFUSED };
struct conn { int kind, step; uint32_t cli, srv; uint16_t cport; uint32_t cseq, sseq; long sleep; };

static unsigned char buf[1 << 20];
static size_t used;
static int64_t now;
static uint64_t seq_no;

static void out(const void *p, size_t n)
{
	if (used + n > sizeof(buf)) { fwrite(buf, 1, used, stdout); used = 0; }
	memcpy(buf + used, p, n);
	used += n;
}

static void put16(unsigned char *b, unsigned v) { b[0] = v >> 8; b[1] = v; }
static void put32(unsigned char *b, uint32_t v) { put16(b, v >> 16); put16(b + 2, v & 0xffff); }

static size_t packet(int from_cli, const struct conn *c, uint8_t flags, uint8_t ttl, unsigned len)
{
	unsigned char h[16 + 54];
	unsigned char *e = h + 16, *ip = e + 14, *tcp = ip + 20;
	uint32_t wire = 54 + len;
	static unsigned char zero[1448];

	memset(h, 0, sizeof(h));
	h[0] = (uint32_t)(now / 1000000000) & 0xff; h[1] = (uint32_t)(now / 1000000000) >> 8 & 0xff;
	h[2] = (uint32_t)(now / 1000000000) >> 16 & 0xff; h[3] = (uint32_t)(now / 1000000000) >> 24;
	{ uint32_t ns = (uint32_t)(now % 1000000000); memcpy(h + 4, &ns, 4); }
	memcpy(h + 8, &wire, 4);
	memcpy(h + 12, &wire, 4);
	e[12] = 0x08;
	ip[0] = 0x45; put16(ip + 2, 40 + len); ip[6] = 0x40; ip[8] = ttl; ip[9] = 6;
	put32(ip + 12, from_cli ? c->cli : c->srv); put32(ip + 16, from_cli ? c->srv : c->cli);
	put16(tcp, from_cli ? c->cport : 443); put16(tcp + 2, from_cli ? 443 : c->cport);
	put32(tcp + 4, from_cli ? c->cseq : c->sseq); put32(tcp + 8, from_cli ? c->sseq : c->cseq);
	tcp[12] = 5 << 4; tcp[13] = flags; put16(tcp + 14, 502);
	out(h, sizeof(h));
	out(zero, len);
	now += STEP_NS;
	return 16 + wire;
}

static void start(struct conn *c)
{
	uint64_t n = seq_no++;

	memset(c, 0, sizeof(*c));
	c->kind = n % 100 < 95 ? NORMAL : n % 100 < 97 ? IDLE_RESET : n % 100 < 99 ? FILTERED : REFUSED;
	c->cli = 0xc6120000u | (uint32_t)((n >> 14) % 65000 + 256);   /* 198.18.x.y */
	c->srv = 0xc6130400u | (uint32_t)(n % 8 + 2);                 /* 198.19.4.2-9 */
	c->cport = (uint16_t)(1024 + n % 16384);
	c->cseq = (uint32_t)(n * 2654435761u);
	c->sseq = (uint32_t)(n * 40503u + 7);
}

/* One packet of c; 0 when c has ended. */
static size_t next(struct conn *c)
{
	enum { S = 0x02, A = 0x10, P = 0x08, F = 0x01, R = 0x04 };
	size_t n;

	if (c->kind == FILTERED) {
		if (c->step == 3) return 0;
		c->step++;
		return packet(1, c, S, 64, 0);   /* again a round (~1 s) later */
	}
	switch (c->step++) {
	case 0: return packet(1, c, S, 64, 0);
	case 1:
		c->cseq++;
		if (c->kind == REFUSED) { c->step = 99; return packet(0, c, R | A, 61, 0); }
		return packet(0, c, S | A, 61, 0);
	case 2: c->sseq++; return packet(1, c, A, 64, 0);
	case 3: n = packet(1, c, P | A, 64, 300); c->cseq += 300; return n;
	case 4: return packet(0, c, A, 61, 0);
	case 5: case 6: case 8: case 9:
		n = packet(0, c, A, 61, 1448); c->sseq += 1448; return n;
	case 7: case 10:
		n = packet(1, c, A, 64, 0);
		if (c->step == 11 && c->kind == IDLE_RESET) { c->sleep = IDLE_STEPS; c->step = 20; }
		return n;
	case 11: n = packet(1, c, F | A, 64, 0); c->cseq++; return n;
	case 12: n = packet(0, c, F | A, 61, 0); c->sseq++; return n;
	case 13: return packet(1, c, A, 64, 0);
	case 20: n = packet(1, c, P | A, 64, 300); c->cseq += 300; return n;
	case 21: return packet(0, c, R, 63, 0);   /* the firewall, one hop from the client */
	default: return 0;
	}
}

int main(int argc, char **argv)
{
	uint64_t target = (argc > 1 ? strtoull(argv[1], NULL, 10) : 300) << 20, written = 24;
	static struct conn slot[SLOTS];
	unsigned char hdr[24] = {0x4d, 0x3c, 0xb2, 0xa1, 2, 0, 4, 0};

	hdr[16] = 0xff; hdr[17] = 0xff; hdr[20] = 1;      /* snaplen 65535, Ethernet */
	out(hdr, sizeof(hdr));
	now = 1700000000LL * 1000000000LL;
	for (int i = 0; i < SLOTS; i++) start(&slot[i]);
	for (uint64_t i = 0; written < target; i++) {
		struct conn *c = &slot[i % SLOTS];
		size_t n;

		if (c->sleep > 0) { c->sleep -= SLOTS; continue; }
		n = next(c);
		if (!n) { start(c); n = next(c); }
		written += n;
	}
	fwrite(buf, 1, used, stdout);
	return fflush(stdout) != 0;
}
EOF
cc -O2 -o "$dir/gen" "$dir/gen.c"
f=$dir/big.pcap
echo "bench: writing a ${MB} MB capture to $f"
"$dir/gen" "$MB" >"$f"
echo "bench: $(stat -c %s "$f") bytes; explain finds:"
"$NETPROBE" explain "$f" --json "$dir/out.json" -q >/dev/null || true
jq -r '[.findings[].verdict] | group_by(.) | map("  \(.[0]): \(length)") | .[]' "$dir/out.json" 2>/dev/null || true

td=(tcpdump -r "$f" -w /dev/null)
np=("$NETPROBE" explain "$f" --json /dev/null -q)

# Peak RSS (and one more timing) from GNU time.
rss() {
	/usr/bin/time -f '%e %M' -o "$dir/time" "$@" >/dev/null 2>&1 || true
	tail -n 1 "$dir/time"
}

# paired A... -- B...: A and B run alternately, RUNS times each after one
# warm-up of each, so both meet the same moments of a machine whose speed
# drifts from one minute to the next (two blocks of runs, one command's
# after the other's, gave ratios from 1.2x to 2.2x here for the same
# binaries). Prints A's mean, B's mean, and the median, lowest and highest
# of the RUNS ratios B/A of a run and the one before it.
paired() {
	local a=() t0 t1 t2
	while [ "$1" != -- ]; do
		a+=("$1")
		shift
	done
	shift
	"${a[@]}" >/dev/null 2>&1 || true
	"$@" >/dev/null 2>&1 || true
	: >"$dir/pairs"
	for _ in $(seq 1 "$RUNS"); do
		t0=$(date +%s.%N)
		"${a[@]}" >/dev/null 2>&1 || true
		t1=$(date +%s.%N)
		"$@" >/dev/null 2>&1 || true   # explain exits 1 when it finds failures
		t2=$(date +%s.%N)
		echo "$t0 $t1 $t2" >>"$dir/pairs"
	done
	awk '{printf "%.6f\n", ($3 - $2) / ($2 - $1)}' "$dir/pairs" | sort -n >"$dir/ratios"
	awk '{a += $2 - $1; b += $3 - $2} END {printf "%.3f %.3f ", a / NR, b / NR}' "$dir/pairs"
	awk '{v[NR] = $1} END {printf "%.2f %.2f %.2f\n", v[int((NR + 1) / 2)], v[1], v[NR]}' "$dir/ratios"
}
read -r _ td_rss < <(rss "${td[@]}")
read -r _ np_rss < <(rss "${np[@]}")

read -r td_t np_t pr_med pr_lo pr_hi < <(paired "${td[@]}" -- "${np[@]}")
how="alternating, mean of $RUNS runs each"
printf '\n%-40s %12s %14s\n' "command ($how)" "time (s)" "peak RSS (MB)"
printf '%-40s %12.3f %14.1f\n' "tcpdump -r F -w /dev/null" "$td_t" "$(awk -v k="$td_rss" 'BEGIN{print k/1024}')"
printf '%-40s %12.3f %14.1f\n' "netprobe explain F --json /dev/null" "$np_t" "$(awk -v k="$np_rss" 'BEGIN{print k/1024}')"
ratio=$(awk -v a="$np_t" -v b="$td_t" 'BEGIN{printf "%.2f", a/b}')
echo "F = $f (${MB} MB); explain / tcpdump = ${ratio}x (the goal: at most 1.5x; run by run: median ${pr_med}x, ${pr_lo}-${pr_hi})"
status=0
awk -v r="$ratio" 'BEGIN{exit !(r <= 1.5)}' || { echo "bench: slower than 1.5x tcpdump" >&2; status=1; }

# The same packets as pktmon + etl2pcapng write them: pcapng, three
# interfaces (two Ethernet components, TCPIP raw IP), every packet logged
# once per component with one epb_packetid, cut at 128 bytes, microsecond
# times 3 us apart. Beside `capinfos -c` (libwiretap reading every record:
# the floor for a libwiretap reader); the goal: at most 1.5x.
cat >"$dir/pktmon.c" <<'EOF'
/* pcap (nanosecond, Ethernet) on stdin -> pktmon-shaped pcapng on stdout. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static void blk(uint32_t type, const void *body, uint32_t n)
{
	uint32_t len = 12 + n;
	fwrite(&type, 4, 1, stdout); fwrite(&len, 4, 1, stdout);
	fwrite(body, 1, n, stdout); fwrite(&len, 4, 1, stdout);
}

static void idb(uint16_t link)
{
	unsigned char b[8] = {0};
	uint32_t snap = 65535;
	memcpy(b, &link, 2); memcpy(b + 4, &snap, 4);
	blk(1, b, 8);
}

int main(void)
{
	static unsigned char pkt[65536];
	unsigned char gh[24], ph[16], b[20 + 128 + 4 + 8 + 12 + 4 + 4];
	uint32_t shb[4] = {0x1A2B3C4D, 1, 0xffffffff, 0xffffffff};
	uint64_t group = 2ULL << 48;
	if (fread(gh, 1, 24, stdin) != 24) return 1;
	blk(0x0A0D0D0A, shb, 16);
	idb(1); idb(1); idb(101);
	while (fread(ph, 1, 16, stdin) == 16) {
		uint32_t sec, ns, cap, len;
		memcpy(&sec, ph, 4); memcpy(&ns, ph + 4, 4); memcpy(&cap, ph + 8, 4); memcpy(&len, ph + 12, 4);
		if (cap > sizeof(pkt) || fread(pkt, 1, cap, stdin) != cap) return 1;
		group++;
		for (uint32_t i = 0; i < 3; i++) {
			uint64_t us = (uint64_t)sec * 1000000 + ns / 1000 + 3 * i;
			const unsigned char *d = i < 2 ? pkt : pkt + 14;
			uint32_t c = i < 2 ? cap : cap - 14, o = i < 2 ? len : len - 14, n = 0;
			uint32_t hi = (uint32_t)(us >> 32), lo = (uint32_t)us, flags = 2;
			if (c > 128) c = 128;
			memcpy(b, &i, 4); memcpy(b + 4, &hi, 4); memcpy(b + 8, &lo, 4);
			memcpy(b + 12, &c, 4); memcpy(b + 16, &o, 4); n = 20;
			memcpy(b + n, d, c); n += c;
			while (n % 4) b[n++] = 0;
			b[n] = 2; b[n + 1] = 0; b[n + 2] = 4; b[n + 3] = 0; memcpy(b + n + 4, &flags, 4); n += 8;
			b[n] = 5; b[n + 1] = 0; b[n + 2] = 8; b[n + 3] = 0; memcpy(b + n + 4, &group, 8); n += 12;
			memset(b + n, 0, 4); n += 4;
			blk(6, b, n);
		}
	}
	return fflush(stdout) != 0;
}
EOF
cc -O2 -o "$dir/pktmon" "$dir/pktmon.c"
g=$dir/big.pktmon.pcapng
"$dir/pktmon" <"$f" >"$g"
rm -f "$f"       # one big file on the disk at a time
echo "bench: $(stat -c %s "$g") bytes of pktmon-shaped pcapng (3 copies a packet, 128-byte snaps)"
cp=(capinfos -c "$g")
np2=("$NETPROBE" explain "$g" --json /dev/null -q)
read -r _ cp_rss < <(rss "${cp[@]}")
read -r _ np2_rss < <(rss "${np2[@]}")
read -r cp_t np2_t pr2_med pr2_lo pr2_hi < <(paired "${cp[@]}" -- "${np2[@]}")
printf '\n%-40s %12s %14s\n' "command ($how)" "time (s)" "peak RSS (MB)"
printf '%-40s %12.3f %14.1f\n' "capinfos -c G" "$cp_t" "$(awk -v k="$cp_rss" 'BEGIN{print k/1024}')"
printf '%-40s %12.3f %14.1f\n' "netprobe explain G --json /dev/null" "$np2_t" "$(awk -v k="$np2_rss" 'BEGIN{print k/1024}')"
ratio2=$(awk -v a="$np2_t" -v b="$cp_t" 'BEGIN{printf "%.2f", a/b}')
echo "G = $g; explain / capinfos = ${ratio2}x (the goal: at most 1.5x; run by run: median ${pr2_med}x, ${pr2_lo}-${pr2_hi})"
awk -v r="$ratio2" 'BEGIN{exit !(r <= 1.5)}' || { echo "bench: slower than 1.5x capinfos" >&2; status=1; }
exit "$status"
