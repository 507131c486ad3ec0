#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# make bench (idle): 10,000 concurrent idle connections to the lab's
# netprobe responder, held for one 60 s silence, over plain TCP and over TLS:
# netprobe idle's wall time and peak RSS, beside the same connections held
# one process each (socat for TCP, openssl s_client for TLS: what a script
# would do), measured over 100 of them and scaled to 10,000.
# Targets: under 64 MiB (TCP) and 256 MiB (TLS), wall time within 5% of the
# silence (plus the connects and the answer after it).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${NETPROBE:?set NETPROBE to the netprobe binary}"
lab="$here/../../fixtures/lab/lab"
N=${BENCH_IDLE_CONNS:-10000}
IDLE=${BENCH_IDLE_SECONDS:-60}
PEERS=100
RESP_PORT_TCP=7100 RESP_PORT_TLS=7101

for tool in socat openssl; do
	command -v "$tool" >/dev/null || { echo "bench_idle: $tool is missing (make deps)" >&2; exit 3; }
done
[ "$(id -u)" -eq 0 ] || { echo "bench_idle: needs root (the lab)" >&2; exit 3; }

NP_LAB=$("$lab" up)
export NP_LAB
work=$(mktemp -d /tmp/netprobe-bench-idle.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	[ -z "${BENCH_IDLE_KEEP:-}" ] || cp "$work"/responder-*.log "$BENCH_IDLE_KEEP/" 2>/dev/null || true
	"$lab" down >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# shellcheck disable=SC1091
. "$NP_LAB/env"
pki=$NP_LAB/pki

# The responders: one plain, one TLS (tls.lab's certificate), both allowing
# every connection from the one client address.
for spec in "$RESP_PORT_TCP" "$RESP_PORT_TLS --tls $pki/$TLS_GOOD_NAME.chain.pem $pki/leaf.key"; do
	# shellcheck disable=SC2086
	ip netns exec "$NS_SRV" "$NETPROBE" responder --listen "$TLS_GOOD4:${spec%% *}" ${spec#"${spec%% *}"} \
		--max-conns $((N + 1000)) --rate $((N * 4)) >"$work/responder-${spec%% *}.log" 2>&1 &
	pids+=($!)
done
for p in "$RESP_PORT_TCP" "$RESP_PORT_TLS"; do
	for _ in $(seq 1 100); do
		ip netns exec "$NS_SRV" ss -ltnH "sport = :$p" | grep . >/dev/null && break
		sleep 0.1
	done
done

# "seconds peak-RSS-KB" of a command
measure() { /usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null 2>&1 || true; cat "$work/time"; }

echo "idle bench: $N connections held silent for $IDLE s, over TCP and over TLS (about $((2 * IDLE / 60 + 1)) minutes)" >&2
read -r tcp_s tcp_kb < <(measure ip netns exec "$NS_CLI" "$NETPROBE" idle --tcp "$TLS_GOOD4:$RESP_PORT_TCP" \
	--ladder "$IDLE" --idle "$IDLE" --conns "$N" --no-capture -q --json "$work/tcp.json")
read -r tls_s tls_kb < <(measure ip netns exec "$NS_CLI" "$NETPROBE" idle "https://$TLS_GOOD_NAME:$RESP_PORT_TLS/" -4 \
	--ca "$LAB_CA" --ladder "$IDLE" --idle "$IDLE" --conns "$N" --no-capture -q --json "$work/tls.json")
cp "$work/tcp.json" "$work/tls.json" "${BENCH_IDLE_KEEP:-$work}/" 2>/dev/null || true
survived() {
	jq -r '[.findings[] | select(.metrics.scope == "rung")][0] | .metrics as $m |
		"\($m.survived // 0) survived, \($m.lost // 0) lost, \($m.closed // 0) closed, \($m.no_outcome // 0) no outcome"' "$1"
}
tcp_ok=$(survived "$work/tcp.json")
tls_ok=$(survived "$work/tls.json")

# The peers: PEERS connections held one process each, summed RSS, scaled.
peer_rss() { # command... (run PEERS times in the client namespace)
	local -a pp=()
	for _ in $(seq 1 "$PEERS"); do
		ip netns exec "$NS_CLI" "$@" </dev/zero >/dev/null 2>&1 &
		pp+=($!)
	done
	sleep 3
	local kb=0 p c
	for p in "${pp[@]}"; do
		# the process and its children (ip netns exec execs, so this is the tool)
		for c in $p $(pgrep -P "$p" || true); do
			kb=$((kb + $(awk '/^VmRSS/ {print $2}' "/proc/$c/status" 2>/dev/null || echo 0)))
		done
	done
	for p in "${pp[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pp[@]}"; do wait "$p" 2>/dev/null || true; done
	echo "$kb"
}
socat_kb=$(peer_rss sh -c "sleep 3600 | socat -u - TCP4:$TLS_GOOD4:$RESP_PORT_TCP")
sclient_kb=$(peer_rss sh -c "sleep 3600 | openssl s_client -quiet -connect $TLS_GOOD4:$RESP_PORT_TLS -servername $TLS_GOOD_NAME -CAfile $LAB_CA")

mb() { awk -v k="$1" 'BEGIN{printf "%.1f", k/1024}'; }
scaled() { awk -v k="$1" -v n="$N" -v p="$PEERS" 'BEGIN{printf "%.0f", k/1024*n/p}'; }
printf '\nidle: %d connections to the lab responder (%s), one %d s silence each\n' "$N" "$TLS_GOOD4" "$IDLE"
printf '  %-44s %8s s %9s MiB  (%s)\n' "netprobe idle --tcp" "$tcp_s" "$(mb "$tcp_kb")" "$tcp_ok"
printf '  %-44s %8s   %9s MiB  (%d held, scaled)\n' "socat, one process per connection" "-" "$(scaled "$socat_kb")" "$PEERS"
printf '  %-44s %8s s %9s MiB  (%s)\n' "netprobe idle (TLS)" "$tls_s" "$(mb "$tls_kb")" "$tls_ok"
printf '  %-44s %8s   %9s MiB  (%d held, scaled)\n' "openssl s_client, one process per connection" "-" "$(scaled "$sclient_kb")" "$PEERS"
awk -v t="$tcp_kb" -v l="$tls_kb" -v ts="$tcp_s" -v ls="$tls_s" -v i="$IDLE" 'BEGIN{
	printf "  TCP %.1f MiB (target < 64), TLS %.1f MiB (target < 256); wall %.1f%% and %.1f%% over the silence (target <= 5%%)\n",
		t/1024, l/1024, (ts-i)*100/i, (ls-i)*100/i }'
