#!/usr/bin/env bash
# make bench (DNS): 10,000 distinct names against the lab's unbound, three ways
# in one run: netprobe dns, dnsperf (the throughput reference), and a
# sequential dig loop over the first 500 names (scaled to 10,000).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${NETPROBE:?set NETPROBE to the netprobe binary}"
lab="$here/../../fixtures/lab/lab"
N=${BENCH_DNS_NAMES:-10000}
SEQ=500

for tool in dnsperf dig; do
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

now() { date +%s.%N; }
in_cli() { ip netns exec "$NS_CLI" "$@"; }

t0=$(now)
in_cli "$NETPROBE" dns --type A --resolver "$DNS_GOOD4" --targets-file "$work/names" \
	--quiet --no-capture --json "$work/np.json" >/dev/null 2>&1 || true
t1=$(now)
np_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b-a}')
answered=$(jq '[.findings[] | select(.verdict == "dns.nxdomain")] | length' "$work/np.json")

t0=$(now)
in_cli dnsperf -s "$DNS_GOOD4" -d "$work/dnsperf.in" -n 1 -c 1 -q 256 -t 5 >"$work/dnsperf.out" 2>&1 || true
t1=$(now)
dp_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b-a}')
dp_done=$(sed -n 's/.*Queries completed: *\([0-9]*\).*/\1/p' "$work/dnsperf.out")
dp_lost=$(sed -n 's/.*Queries lost: *\([0-9]*\).*/\1/p' "$work/dnsperf.out")
# dnsperf's own run time stops at its last answer; its wall time also waits
# -t seconds for lost queries. Both are shown.
dp_run=$(sed -n 's/.*Run time (s): *\([0-9.]*\).*/\1/p' "$work/dnsperf.out")

t0=$(now)
while read -r n; do
	in_cli dig +time=2 +tries=1 +short "@$DNS_GOOD4" "$n" A >/dev/null || true
done <"$work/seq"
t1=$(now)
dig_s=$(awk -v a="$t0" -v b="$t1" -v n="$N" -v s="$SEQ" 'BEGIN{printf "%.3f", (b-a) * n / s}')

printf '\nDNS: %d distinct names, resolver %s (unbound), one run\n' "$N" "$DNS_GOOD4"
printf '  %-34s %10s s   (%s answered)\n' "netprobe dns (--parallel 256)" "$np_s" "$answered"
printf '  %-34s %10s s   (%s completed, %s lost; wall %s s incl. its -t 5 wait)\n' \
	"dnsperf -q 256 (reference)" "${dp_run:-$dp_s}" "${dp_done:-?}" "${dp_lost:-?}" "$dp_s"
dp_s=${dp_run:-$dp_s}
printf '  %-34s %10s s   (500 names, scaled)\n' "sequential dig loop" "$dig_s"
awk -v np="$np_s" -v dp="$dp_s" -v dg="$dig_s" 'BEGIN{
	printf "  netprobe / dnsperf = %.2fx (target <= 1.5x); dig loop / netprobe = %.1fx (target > 20x)\n", np/dp, dg/np }'
