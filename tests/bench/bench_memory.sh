#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# make bench (memory): two rows, each beside a peer measured in the same run,
# netprobe with its default options.
#  1. baseline: one TLS target, capture on; beside curl fetching the same URL
#     and tcpdump capturing that fetch (libpcap's default ring).
#  2. a hostile DNS server (fixtures/lab/dns_flood.py) that truncates every
#     UDP answer and then streams a TCP/53 answer that never ends: netprobe
#     dns (default --pcap-max 256) against the bound README states
#     (16 MiB + 9B/64 = 52 MiB), whether the finding names the flood, and
#     the capture's own figures; beside dig +tcp against the same server.
# Peak RSS from /usr/bin/time (%M), medians of BENCH_MEM_RUNS (default 3).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${NETPROBE:?set NETPROBE to the netprobe binary}"
lab="$here/../../fixtures/lab/lab"
RUNS=${BENCH_MEM_RUNS:-3}
PORT=5353

for tool in curl tcpdump dig jq python3; do
	command -v "$tool" >/dev/null || { echo "bench_memory: $tool is missing (make deps)" >&2; exit 3; }
done
[ "$(id -u)" -eq 0 ] || { echo "bench_memory: needs root (the lab)" >&2; exit 3; }

NP_LAB=$("$lab" up)
export NP_LAB
work=$(mktemp -d /tmp/netprobe-bench-mem.XXXXXX)
chmod 0755 "$work"
flood_pid=
tcpd_pid=
cleanup() {
	for p in $flood_pid $tcpd_pid; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	"$lab" down >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# shellcheck disable=SC1091
. "$NP_LAB/env"

in_cli() { ip netns exec "$NS_CLI" "$@"; }
# peak RSS in KiB of a command (time's last line; it says first when the
# command failed, which these may do by design)
rss() { /usr/bin/time -f '%M' -o "$work/time" "$@" >"$work/out" 2>&1 || true; tail -1 "$work/time"; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
mb() { awk -v k="$1" 'BEGIN{printf "%.1f", k/1024}'; }

: >"$work/np" ; : >"$work/curl" ; : >"$work/tcpdump"
url="https://$TLS_GOOD_NAME/"
for _ in $(seq 1 "$RUNS"); do
	rss ip netns exec "$NS_CLI" "$NETPROBE" tls "$TLS_GOOD_NAME" --ca "$LAB_CA" >>"$work/np"
	rss ip netns exec "$NS_CLI" curl -s -o /dev/null --cacert "$LAB_CA" "$url" >>"$work/curl"
	# tcpdump holds its ring while the same fetch runs; ip netns exec
	# execs it, so $! is tcpdump, whose peak RSS /proc gives before it stops.
	ip netns exec "$NS_CLI" tcpdump -i any -w /dev/null -U "host $TLS_GOOD4" >/dev/null 2>&1 &
	tcpd_pid=$!
	sleep 0.5
	in_cli curl -s -o /dev/null --cacert "$LAB_CA" "$url" || true
	awk '/^VmHWM:/ { print $2 }' "/proc/$tcpd_pid/status" >>"$work/tcpdump"
	kill -INT "$tcpd_pid" 2>/dev/null || true
	wait "$tcpd_pid" 2>/dev/null || true
	tcpd_pid=
done
printf '\nMemory: peak RSS, median of %s runs, default options\n' "$RUNS"
printf '  %-46s %8s MiB\n' "netprobe tls, one target, capture on" "$(mb "$(median <"$work/np")")"
printf '  %-46s %8s MiB\n' "curl, the same URL" "$(mb "$(median <"$work/curl")")"
printf '  %-46s %8s MiB\n' "tcpdump -i any capturing that fetch" "$(mb "$(median <"$work/tcpdump")")"

ip netns exec "$NS_SRV" python3 "$here/../../fixtures/lab/dns_flood.py" "$SRV4" "$PORT" >"$work/flood.log" 2>&1 &
flood_pid=$!
for _ in $(seq 1 100); do
	ip netns exec "$NS_SRV" ss -ltnH "sport = :$PORT" | grep . >/dev/null && break
	sleep 0.05
done
: >"$work/np_flood" ; : >"$work/dig_flood"
named=0
for r in $(seq 1 "$RUNS"); do
	rss ip netns exec "$NS_CLI" "$NETPROBE" dns www.example.net --type A --resolver "$SRV4:$PORT" \
		--json "$work/flood.$r.json" >>"$work/np_flood"
	jq -e '[.findings[] | select(.verdict == "dns.tcp_blocked") |
		select(.summary | test("the TCP answer never ended"))] | length == 1' "$work/flood.$r.json" \
		>/dev/null && named=$((named + 1))
	rss ip netns exec "$NS_CLI" dig +tcp +time=5 +tries=1 -p "$PORT" "@$SRV4" www.example.net A >>"$work/dig_flood"
done
bound_kb=$((16 * 1024 + 256 * 1024 * 9 / 64))
np_kb=$(median <"$work/np_flood")
read -r held recv drop < <(jq -r '.capture | "\(.held_peak_bytes) \(.received) \(.dropped)"' "$work/flood.1.json")
printf '\nHostile DNS server: TC on UDP, then a TCP/53 answer that never ends (median of %s)\n' "$RUNS"
printf '  %-46s %8s MiB   (bound in README: %s MiB; flood named in %s of %s runs)\n' \
	"netprobe dns (default --pcap-max 256)" "$(mb "$np_kb")" "$(mb "$bound_kb")" "$named" "$RUNS"
printf '  %-46s %12s   (capture held at most %s MiB; packets received/dropped %s/%s)\n' "" "" \
	"$(awk -v b="$held" 'BEGIN{printf "%.1f", b/1048576}')" "$recv" "$drop"
printf '  %-46s %8s MiB\n' "dig +tcp +time=5, the same server" "$(mb "$(median <"$work/dig_flood")")"
awk -v n="$np_kb" -v b="$bound_kb" 'BEGIN{ printf "  netprobe under its bound: %s\n", (n <= b) ? "yes" : "NO" }'
