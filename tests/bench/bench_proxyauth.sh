#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# make bench (proxy authentication): 300 TLS endpoints in the lab (one
# address x 300 ports) through the lab's Kerberos squid (proxy-krb.lab,
# Negotiate only), two ways side by side: netprobe tls --parallel 300 with
# the user's ticket, and curl --proxy-negotiate -U : --parallel
# --parallel-max 300 over the same URLs with the same ticket cache. Per run:
# wall time of each and their ratio (goal <= 1.2x), and that every endpoint
# passed with Negotiate; then the median and spread.
# BENCH_PROXYAUTH_RUNS=N for more runs (default 3).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${NETPROBE:?set NETPROBE to the netprobe binary}"
lab="$here/../../fixtures/lab/lab"
N=300
RUNS=${BENCH_PROXYAUTH_RUNS:-3}

for tool in curl nginx kinit jq; do
	command -v "$tool" >/dev/null || { echo "bench_proxyauth: $tool is missing (make deps)" >&2; exit 3; }
done
[ "$(id -u)" -eq 0 ] || { echo "bench_proxyauth: needs root (the lab)" >&2; exit 3; }

NP_LAB=$("$lab" up)
export NP_LAB
work=$(mktemp -d /tmp/netprobe-bench-pauth.XXXXXX)
chmod 0755 "$work"
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
# the squids allow CONNECT to these ports (fixtures/lab/auth.sh)
BASE=$AUTH_BENCH_PORT_LO
[ $((AUTH_BENCH_PORT_HI - BASE + 1)) -ge "$N" ] || { echo "bench_proxyauth: the lab allows too few ports" >&2; exit 3; }

# shellcheck source=tls_ports.sh
. "$here/tls_ports.sh"
bench_tls_ports "$work" "$pki" "$BASE" "$N"
mapfile -t urls <"$work/urls"

# one ticket for both clients
cc="FILE:$work/krb5cc"
printf '%s\n' "$AUTH_PASS" | ip netns exec "$NS_CLI" env KRB5_CONFIG="$AUTH_KRB5_CONFIG" KRB5CCNAME="$cc" \
	kinit "$AUTH_PRINCIPAL" >/dev/null || { echo "bench_proxyauth: kinit failed" >&2; exit 1; }
in_cli() { ip netns exec "$NS_CLI" env KRB5_CONFIG="$AUTH_KRB5_CONFIG" KRB5CCNAME="$cc" "$@"; }
seconds() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; t1=$(date +%s.%N); awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b-a}'; }
# curl's status per URL into curl.codes (200: through the tunnel, to nginx)
curl_run() {
	in_cli curl --parallel --parallel-max "$N" --proxy-negotiate -U : -x "$PROXY_KRB" --cacert "$LAB_CA" -s \
		-o /dev/null -w '%{http_code}\n' "${urls[@]}" >"$work/curl.codes" 2>/dev/null
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
spread() { sort -n | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s-%s", lo, hi }'; }

printf '\nProxy authentication: %d endpoints (%s, ports %d-%d) through %s (Negotiate), %d run%s, side by side\n' \
	"$N" "$TLS_GOOD4" "$BASE" $((BASE + N - 1)) "$PROXY_KRB" "$RUNS" "$([ "$RUNS" = 1 ] || echo s)"
printf '  %-4s %10s %8s %7s %12s\n' run "netprobe s" "curl s" ratio "curl 200s"
: >"$work/rows"
for run in $(seq 1 "$RUNS"); do
	np_s=$(seconds in_cli "$NETPROBE" tls --ca "$LAB_CA" -4 --parallel "$N" --timeout 20 --quiet \
		--proxy "$PROXY_KRB" --targets-file "$work/targets" --json "$work/np.$run.json")
	curl_s=$(seconds curl_run)
	ok=$(jq '[.findings[] | select(.verdict == "tls.ok" and .metrics.proxy_auth_scheme == "Negotiate")] | length' \
		"$work/np.$run.json")
	[ "$ok" = "$N" ] || { echo "bench_proxyauth: netprobe: $ok of $N endpoints tls.ok with Negotiate (run $run)" >&2; \
		jq -r '.findings[] | select(.verdict != "tls.ok") | "\(.verdict) \(.summary)"' "$work/np.$run.json" | sort | uniq -c | head -5 >&2; exit 1; }
	curl_ok=$(grep -c '^200$' "$work/curl.codes" || true)
	ratio=$(awk -v a="$np_s" -v b="$curl_s" 'BEGIN{printf "%.2f", a/b}')
	echo "$np_s $curl_s $ratio" >>"$work/rows"
	printf '  %-4s %10s %8s %6sx %12s\n' "$run" "$np_s" "$curl_s" "$ratio" "$curl_ok/$N"
done
col() { awk -v c="$1" '{ print $c }' "$work/rows"; }
printf '  %-4s %10s %8s %6sx\n' median "$(col 1 | median)" "$(col 2 | median)" "$(col 3 | median)"
printf '  spread: netprobe %s s, curl %s s, ratio %s\n' "$(col 1 | spread)" "$(col 2 | spread)" "$(col 3 | spread)"
awk -v r="$(col 3 | median)" 'BEGIN{ printf "  netprobe / curl --proxy-negotiate = %.2fx median (goal <= 1.2x)\n", r }'
