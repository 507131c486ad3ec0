#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# make bench (DNS): 10,000 distinct names against the lab's unbound, six ways
# in one run: netprobe dns, the same with --no-capture, dnsperf (the
# throughput reference), dnsperf while
# tcpdump captures its packets (what capture itself costs here), a bare UDP
# client (dns_floor.c: the resolver's and the kernel's share, no client
# work at all), and a sequential dig loop over the first 100 names (scaled
# to 10,000).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${NETPROBE:?set NETPROBE to the netprobe binary}"
lab="$here/../../fixtures/lab/lab"
N=${BENCH_DNS_NAMES:-10000}
SEQ=100

for tool in dnsperf dig jq tcpdump capinfos cc; do
	command -v "$tool" >/dev/null || { echo "bench_dns: $tool is missing (make deps)" >&2; exit 3; }
done
[ "$(id -u)" -eq 0 ] || { echo "bench_dns: needs root (the lab)" >&2; exit 3; }

NP_LAB=$("$lab" up)
export NP_LAB
work=$(mktemp -d /tmp/netprobe-bench-dns.XXXXXX)
trap '"$lab" down >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
# shellcheck disable=SC1091
. "$NP_LAB/env"

# Distinct names the server answers at once (NXDOMAIN from its static zone):
# the figure is the client's, not the server's recursion.
for i in $(seq 1 "$N"); do echo "b$i.bench.example.net"; done >"$work/names"
awk '{print $1, "A"}' "$work/names" >"$work/dnsperf.in"
head -n "$SEQ" "$work/names" >"$work/seq"

cc -O2 -o "$work/dns_floor" "$here/dns_floor.c"

now() { date +%s.%N; }
in_cli() { ip netns exec "$NS_CLI" "$@"; }

# netprobe with its default options: capture on, the live display (to a
# file: it is a pipeline here), no report file, the window's own pace
# (--parallel 256); dnsperf at 100 in flight (the lab's unbound loses none
# there; at 256 it drops some, as it would for any client). Each RUNS times,
# alternating, the median reported: the machine's load moves single runs
# (by a third on this two-core machine), so the ratio is also given run by
# run, netprobe's against the dnsperf run right after it.
RUNS=${BENCH_DNS_RUNS:-7}
: >"$work/np.times"
: >"$work/dp.times"
: >"$work/dp.own"
: >"$work/dpc.times"
: >"$work/floor.times"
: >"$work/npnc.times"
for _ in $(seq 1 "$RUNS"); do
	t0=$(now)
	in_cli /usr/bin/time -f '%M' -o "$work/np.rss" "$NETPROBE" dns --type A --resolver "$DNS_GOOD4" \
		--targets-file "$work/names" >"$work/np.out" 2>&1 || true
	t1=$(now)
	awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f\n", b-a}' >>"$work/np.times"
	# The same without its capture: what capturing costs netprobe (the
	# row's figure is with it, the default).
	t0=$(now)
	in_cli "$NETPROBE" dns --no-capture --type A --resolver "$DNS_GOOD4" --targets-file "$work/names" \
		>/dev/null 2>&1 || true
	t1=$(now)
	awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f\n", b-a}' >>"$work/npnc.times"
	# dnsperf's wall is timed as netprobe's is, from outside (process
	# start and exit included); its own "Run time" is kept beside it.
	t0=$(now)
	in_cli /usr/bin/time -f '%M' -o "$work/dp.rss" dnsperf -s "$DNS_GOOD4" -d "$work/dnsperf.in" -n 1 -c 1 \
		-q 100 -t 5 >"$work/dnsperf.out" 2>&1 || true
	t1=$(now)
	awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f\n", b-a}' >>"$work/dp.times"
	sed -n 's/.*Run time (s): *\([0-9.]*\).*/\1/p' "$work/dnsperf.out" >>"$work/dp.own"
	# The same dnsperf while tcpdump captures its packets, as netprobe
	# does its own: what capturing costs a load generator on this kernel
	# (the copy of every packet into a capture ring, in the sender's and
	# the receiver's path).
	# (ip execs tcpdump: $! is tcpdump's own pid)
	ip netns exec "$NS_CLI" tcpdump -i any -s 1520 -U -w "$work/td.pcap" "udp port 53 and host $DNS_GOOD4" \
		2>/dev/null &
	td=$!
	for _ in $(seq 1 50); do [ -s "$work/td.pcap" ] && break; sleep 0.02; done
	t0=$(now)
	in_cli dnsperf -s "$DNS_GOOD4" -d "$work/dnsperf.in" -n 1 -c 1 -q 100 -t 5 >"$work/dnsperf.c.out" 2>&1 || true
	t1=$(now)
	awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f\n", b-a}' >>"$work/dpc.times"
	sleep 0.2
	kill "$td" 2>/dev/null || true
	wait "$td" 2>/dev/null || true
	t0=$(now)
	# (under time(1) as the two above are: the same process start)
	in_cli /usr/bin/time -f '%M' -o "$work/floor.rss" "$work/dns_floor" "$DNS_GOOD4" "$work/names" \
		>"$work/floor.out" 2>&1 || true
	t1=$(now)
	awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f\n", b-a}' >>"$work/floor.times"
done
median() { sort -n "$1" | awk '{v[NR]=$1} END{print v[int((NR+1)/2)]}'; }
spread() { sort -n "$1" | awk 'NR==1{lo=$1} {hi=$1} END{printf "%s-%s", lo, hi}'; }
np_s=$(median "$work/np.times")
dp_s=$(median "$work/dp.times")
dpc_s=$(median "$work/dpc.times")
floor_s=$(median "$work/floor.times")
dpc_pkts=$( (capinfos -c -M "$work/td.pcap" 2>/dev/null || true) | awk '/Number of packets/ {print $NF}')
np_rss=$(tail -1 "$work/np.rss" | awk '{printf "%.1f", $1 / 1024}')
dp_rss=$(tail -1 "$work/dp.rss" | awk '{printf "%.1f", $1 / 1024}')
# The last timed run's live lines (one per finding as it came; the summary
# after them repeats at most 20 of a verdict).
answered=$(grep -c '^[A-Z]* *dns\.nxdomain ' "$work/np.out" || true)
np_lost=$(grep -c '^[A-Z]* *dns\.timeout ' "$work/np.out" || true)
np_drops=$(grep -c '^[A-Z]* *capture\.dropped ' "$work/np.out" || true)
dp_done=$(sed -n 's/.*Queries completed: *\([0-9]*\).*/\1/p' "$work/dnsperf.out")
dp_lost=$(sed -n 's/.*Queries lost: *\([0-9]*\).*/\1/p' "$work/dnsperf.out")

# One more netprobe run, untimed, for the capture's figures (--json).
in_cli "$NETPROBE" dns --type A --resolver "$DNS_GOOD4" --targets-file "$work/names" \
	--json "$work/np.json" >/dev/null 2>&1 || true
read -r recv drop < <(jq -r '.capture | "\(.received) \(.dropped)"' "$work/np.json")

t0=$(now)
while read -r n; do
	in_cli dig +time=2 +tries=1 +short "@$DNS_GOOD4" "$n" A >/dev/null || true
done <"$work/seq"
t1=$(now)
dig_s=$(awk -v a="$t0" -v b="$t1" -v n="$N" -v s="$SEQ" 'BEGIN{printf "%.3f", (b-a) * n / s}')

printf '\nDNS: %d distinct names, resolver %s (unbound), %s runs each\n' "$N" "$DNS_GOOD4" "$RUNS"
printf '  %-34s %10s s   (median of %s: %s; %s answered, %s lost; capture.dropped findings: %s; packets received/dropped %s/%s; peak RSS %s MiB)\n' \
	"netprobe dns (default options)" "$np_s" "$RUNS" "$(spread "$work/np.times")" "$answered" "$np_lost" "$np_drops" \
	"$recv" "$drop" "$np_rss"
printf '  %-34s %10s s   (median of %s: %s)\n' "netprobe dns --no-capture" "$(median "$work/npnc.times")" "$RUNS" \
	"$(spread "$work/npnc.times")"
printf '  %-34s %10s s   (median of %s: %s; its own run time %s s; %s completed, %s lost; peak RSS %s MiB)\n' \
	"dnsperf -q 100 (reference)" "$dp_s" "$RUNS" "$(spread "$work/dp.times")" "$(median "$work/dp.own")" \
	"${dp_done:-?}" "${dp_lost:-?}" "$dp_rss"
printf '  %-34s %10s s   (median of %s: %s; tcpdump -i any captured %s packets beside it)\n' \
	"dnsperf -q 100 while tcpdump captures" "$dpc_s" "$RUNS" "$(spread "$work/dpc.times")" "${dpc_pkts:-?}"
printf '  %-34s %10s s   (median of %s: %s; %s)\n' "bare UDP client (the floor)" "$floor_s" "$RUNS" \
	"$(spread "$work/floor.times")" "$(cat "$work/floor.out")"
printf '  %-34s %10s s   (100 names, scaled)\n' "sequential dig loop" "$dig_s"
paste "$work/np.times" "$work/dp.times" | awk '{printf "%.3f\n", $1 / $2}' >"$work/pair.ratios"
awk -v np="$np_s" -v dp="$dp_s" -v dpc="$dpc_s" -v fl="$floor_s" -v nc="$(median "$work/npnc.times")" -v dg="$dig_s" -v pm="$(median "$work/pair.ratios")" \
	-v ps="$(spread "$work/pair.ratios")" 'BEGIN{
	printf "  netprobe / dnsperf = %.2fx (target <= 1.0x; run by run: median %.2fx, %s); netprobe / dnsperf while captured = %.2fx; capturing costs dnsperf itself %.2fx\n", np/dp, pm, ps, np/dpc, dpc/dp
	printf "  above the floor: netprobe %.2fx, dnsperf %.2fx; capturing costs netprobe %.2fx (its run without capture: %.2fx the floor)\n", np/fl, dp/fl, np/nc, nc/fl
	printf "  dig loop / netprobe = %.1fx (target > 20x)\n", dg/np }'
