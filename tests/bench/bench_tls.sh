#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# make bench (TLS): 300 TLS endpoints in the lab (one address x 300 ports,
# ECDSA certificate), three ways: netprobe tls --parallel 300 with its
# default options (capture on, terminal output) but -4, and curl -4
# alike: the bench's nginx listens on the IPv4 address only, curl --parallel --parallel-max 300 over the same URLs
# (each run beside netprobe's, so both see the same machine), and a
# sequential openssl s_client loop over 30 of them (scaled to 300). Per
# run: wall time of each, their ratio, netprobe's capture (packets
# received, dropped) and peak RSS of each; then the median and spread.
# BENCH_TLS_RUNS=N for more runs (default 3).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${NETPROBE:?set NETPROBE to the netprobe binary}"
lab="$here/../../fixtures/lab/lab"
N=300
SEQ=30
RUNS=${BENCH_TLS_RUNS:-3}
BASE=9000

for tool in curl openssl nginx; do
	command -v "$tool" >/dev/null || { echo "bench_tls: $tool is missing (make deps)" >&2; exit 3; }
done
[ "$(id -u)" -eq 0 ] || { echo "bench_tls: needs root (the lab)" >&2; exit 3; }

NP_LAB=$("$lab" up)
export NP_LAB
work=$(mktemp -d /tmp/netprobe-bench-tls.XXXXXX)
ngx_pid=
cleanup() {
	if [ -n "$ngx_pid" ]; then
		kill "$ngx_pid" 2>/dev/null || true
		wait "$ngx_pid" 2>/dev/null || true
	fi
	"$lab" down >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# shellcheck disable=SC1091
. "$NP_LAB/env"
pki=$NP_LAB/pki

# shellcheck source=tls_ports.sh
. "$here/tls_ports.sh"
bench_tls_ports "$work" "$pki" "$BASE" "$N"

in_cli() { ip netns exec "$NS_CLI" "$@"; }
# "seconds peak-RSS-KB" of a command (tail: time says first when it failed)
measure() { /usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null 2>&1 || true; tail -1 "$work/time"; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
spread() { sort -n | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s-%s", lo, hi }'; }
mb() { awk -v k="$1" 'BEGIN{printf "%.1f", k/1024}'; }

mapfile -t urls <"$work/urls"
printf '\nTLS: %d endpoints (%s, ports %d-%d, ECDSA), %d run%s, netprobe and curl side by side\n' "$N" \
	"$TLS_GOOD4" "$BASE" $((BASE + N - 1)) "$RUNS" "$([ "$RUNS" = 1 ] || echo s)"
printf '  %-4s %10s %8s %7s %20s %13s %9s %7s\n' run "netprobe s" "curl s" ratio "packets recv/dropped" \
	"not kept" "np MB" "curl MB"
: >"$work/rows"
for run in $(seq 1 "$RUNS"); do
	read -r np_s np_kb < <(measure ip netns exec "$NS_CLI" "$NETPROBE" tls --ca "$LAB_CA" -4 --parallel "$N" \
		--targets-file "$work/targets" --json "$work/np.$run.json")
	read -r curl_s curl_kb < <(measure ip netns exec "$NS_CLI" curl -4 --parallel --parallel-max "$N" \
		--cacert "$LAB_CA" -s -o /dev/null "${urls[@]}")
	ok=$(jq '[.findings[] | select(.verdict == "tls.ok")] | length' "$work/np.$run.json")
	[ "$ok" = "$N" ] || { echo "bench_tls: netprobe found $ok of $N endpoints tls.ok (run $run)" >&2; exit 1; }
	read -r recv drop nk < <(jq -r '.capture | "\(.received) \(.dropped) \(.not_kept)"' "$work/np.$run.json")
	ratio=$(awk -v a="$np_s" -v b="$curl_s" 'BEGIN{printf "%.2f", a/b}')
	echo "$np_s $curl_s $ratio $recv $drop $np_kb $curl_kb" >>"$work/rows"
	printf '  %-4s %10s %8s %6sx %20s %13s %9s %7s\n' "$run" "$np_s" "$curl_s" "$ratio" "$recv/$drop" "$nk" \
		"$(mb "$np_kb")" "$(mb "$curl_kb")"
done
col() { awk -v c="$1" '{ print $c }' "$work/rows"; }
printf '  %-4s %10s %8s %6sx %20s %13s %9s %7s\n' median "$(col 1 | median)" "$(col 2 | median)" "$(col 3 | median)" \
	"$(col 4 | median)/$(col 5 | median)" "" "$(mb "$(col 6 | median)")" "$(mb "$(col 7 | median)")"
printf '  spread: netprobe %s s, curl %s s, ratio %s; dropped over all runs: %s (target 0)\n' \
	"$(col 1 | spread)" "$(col 2 | spread)" "$(col 3 | spread)" "$(col 5 | awk '{ s += $1 } END { print s }')"

t0=$(date +%s.%N)
for p in $(seq "$BASE" $((BASE + SEQ - 1))); do
	in_cli openssl s_client -connect "$TLS_GOOD4:$p" -servername "$TLS_GOOD_NAME" -CAfile "$LAB_CA" \
		</dev/null >/dev/null 2>&1 || true
done
t1=$(date +%s.%N)
seq_s=$(awk -v a="$t0" -v b="$t1" -v n="$N" -v s="$SEQ" 'BEGIN{printf "%.2f", (b-a) * n / s}')
printf '  %-42s %8s s   (30 endpoints, scaled)\n' "sequential openssl s_client" "$seq_s"
awk -v np="$(col 1 | median)" -v r="$(col 3 | median)" -v s="$seq_s" 'BEGIN{
	printf "  netprobe / curl = %.2fx median (target <= 1x); s_client loop / netprobe = %.0fx (target > 50x)\n", r, s/np }'
