#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# make bench (SYN sweep): every TCP port (1-65535) of the lab server, two
# ways in one run, from the client namespace: netprobe tcp --syn (raw SYNs
# via libnet, answers via libpcap) at --rate 50000, and nmap -sS -p-
# --min-rate 50000. Wall time and peak RSS of each, netprobe's capture
# drops (its JSON capture object), and whether both find the same open
# ports. The lab's firewall drops 81 and 20000-20999 (both tools
# retransmit to those) and rejects 82, 83, 85. BENCH_SYN_RUNS=N runs each N
# times, alternating, and reports the median (default 1: nmap takes ~15 s).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${NETPROBE:?set NETPROBE to the netprobe binary}"
lab="$here/../../fixtures/lab/lab"
RATE=50000
RUNS=${BENCH_SYN_RUNS:-1}

for tool in nmap jq; do
	command -v "$tool" >/dev/null || { echo "bench_syn: $tool is missing (make deps)" >&2; exit 3; }
done
[ -x /usr/bin/time ] || { echo "bench_syn: /usr/bin/time is missing (make deps)" >&2; exit 3; }
[ "$(id -u)" -eq 0 ] || { echo "bench_syn: needs root (the lab)" >&2; exit 3; }
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "bench_syn: BENCH_SYN_RUNS must be a positive number" >&2; exit 2; }

NP_LAB=$("$lab" up)
export NP_LAB
work=$(mktemp -d /tmp/netprobe-bench-syn.XXXXXX)
cleanup() {
	"$lab" down >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# shellcheck disable=SC1091
. "$NP_LAB/env"

# "seconds peak-RSS-KB" of a command (its own exit status does not matter:
# a sweep with closed ports exits 1)
measure() { /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null 2>&1 || true; tail -1 "$work/time"; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
half_open() { ip netns exec "$NS_SRV" ss -tanH state syn-recv | grep -cF "$CLI4" || true; }

: >"$work/np.times"
: >"$work/nmap.times"
for run in $(seq 1 "$RUNS"); do
	read -r s kb < <(measure ip netns exec "$NS_CLI" "$NETPROBE" tcp --syn "$SRV4:1-65535" --rate "$RATE" -q \
		--json "$work/np.$run.json")
	echo "$s $kb" >>"$work/np.times"
	jq -e '.findings[] | select(.verdict == "tcp.sweep")' "$work/np.$run.json" >/dev/null ||
		{ echo "bench_syn: netprobe gave no sweep (run $run)" >&2; exit 1; }
	read -r s kb < <(measure ip netns exec "$NS_CLI" nmap -sS -p- --min-rate "$RATE" -n -Pn -oX "$work/nmap.$run.xml" "$SRV4")
	echo "$s $kb" >>"$work/nmap.times"
	grep -q '<runstats>' "$work/nmap.$run.xml" || { echo "bench_syn: nmap did not finish (run $run)" >&2; exit 1; }
done
left=$(half_open)

np=$work/np.$RUNS.json
np_s=$(awk '{ print $1 }' "$work/np.times" | median)
np_kb=$(awk '{ print $2 }' "$work/np.times" | median)
nmap_s=$(awk '{ print $1 }' "$work/nmap.times" | median)
nmap_kb=$(awk '{ print $2 }' "$work/nmap.times" | median)
np_open=$(jq -r '[.findings[] | select(.verdict == "tcp.sweep") | .metrics.open[]] | map(tostring) | join(",")' "$np")
nmap_open=$(grep -o 'portid="[0-9]*"><state state="open"' "$work/nmap.$RUNS.xml" | grep -o '[0-9]*' | sort -n | paste -sd, -)
drops=$(jq -s '[.[].capture.dropped] | add' "$work"/np.*.json)
read -r recv kdrop idrop < <(jq -r '.capture | "\(.received) \(.kernel_dropped) \(.interface_dropped)"' "$np")
states=$(jq -r '.findings[] | select(.verdict == "tcp.sweep") | .metrics.counts |
	"\(.open) open, \(.closed) closed, \(.filtered) filtered, \(.rejected) rejected"' "$np")
same=same
[ "$np_open" = "$nmap_open" ] || same=DIFFERENT

printf '\nSYN sweep: 65535 ports of %s (lab), %d run%s each, median\n' "$SRV4" "$RUNS" "$([ "$RUNS" = 1 ] || echo s)"
printf '  %-46s %7s s %7.1f MB   capture: %s received, %s dropped (kernel %s, interface %s)\n' \
	"netprobe tcp --syn --rate $RATE" "$np_s" "$(awk -v k="$np_kb" 'BEGIN{print k/1024}')" "$recv" \
	"$((kdrop + idrop))" "$kdrop" "$idrop"
printf '  %-46s %7s s %7.1f MB\n' "nmap -sS -p- --min-rate $RATE -n -Pn" "$nmap_s" \
	"$(awk -v k="$nmap_kb" 'BEGIN{print k/1024}')"
printf '  netprobe: %s\n' "$states"
printf '  open ports: netprobe %s, nmap %s: %s\n' "$np_open" "$nmap_open" "$same"
printf '  half-open connections left on the server: %s\n' "$left"
awk -v np="$np_s" -v n="$nmap_s" -v d="$drops" 'BEGIN{
	printf "  netprobe / nmap = %.2fx (target <= 1x); kernel drops over all runs: %d (target 0)\n", np/n, d }'
[ "$same" = same ]
