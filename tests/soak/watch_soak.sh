#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# make test-soak (watch): thousands of short netprobe watch cycles against
# the lab (one port open, one the firewall resets, so every cycle fails and
# writes evidence into a small ring that drops a file every cycle), a 1 s
# idle rung of 4 connections asked again and again beside them, with
# /metrics and /probe scraped throughout: resident memory and open
# descriptors must stay flat from the warm-up to the end, and the event log
# must hold every cycle.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${NETPROBE:?set NETPROBE to the netprobe binary}"
lab="$here/../../fixtures/lab/lab"
CYCLES=${SOAK_WATCH_CYCLES:-3000}
WARM=300
# Growth allowed from the warm-up to the end: the allocator's arenas settle
# in the first hundreds of cycles; a leak of even 1 KiB a cycle is 2.7 MiB.
RSS_SLACK_KB=512
[ "$(id -u)" -eq 0 ] || { echo "watch_soak: needs root (the lab)" >&2; exit 3; }

NP_LAB=$("$lab" up)
export NP_LAB
work=$(mktemp -d /tmp/netprobe-soak-watch.XXXXXX)
pid=
cleanup() {
	[ -z "$pid" ] || { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
	"$lab" down >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# shellcheck disable=SC1091
. "$NP_LAB/env"

cat >"$work/soak.yaml" <<YAML
name: watch-soak
checks:
  - tcp:
      targets: ["$SRV4:$PORT_OPEN", "$SRV4:$PORT_RESET"]
      timeout: 1
  - idle:
      target: "tls.lab:$PORT_IDLE_OPEN"
      ca: "$LAB_CA"
      proxy: none
      ladder: [1]
      idle: 1
      conns: 4
YAML
echo "watch soak: $CYCLES cycles every 10 ms, evidence every cycle into a 64 KiB ring, /metrics and /probe scraped"
ip netns exec "$NS_CLI" "$NETPROBE" watch --profile "$work/soak.yaml" --every 10ms --keep-evidence 64K \
	--state-dir "$work/dir" --listen 127.0.0.1:9115 -q 2>"$work/err" &
pid=$!

last_cycle() { grep '"event":"cycle"' "$work/dir/events.jsonl" 2>/dev/null | tail -n 1 | jq -r '.cycle // 0' 2>/dev/null || echo 0; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$pid/status"; }
# Descriptors other than TCP sockets (files, the log, the capture, the
# loop's own) must stay flat; the TCP sockets are the probes' connections
# in flight (the rung's 4 are open nearly all the time) and the listener,
# counted apart and bounded by what the profile holds at once.
# The evidence file of the cycle being written is open for a moment: the
# fewest of a few looks is what the watch holds for good.
tcp_socks() { ip netns exec "$NS_CLI" ss -tanp 2>/dev/null | grep -c "pid=$pid," || true; }
fds() {
	local n min=1000000
	for _ in 1 2 3 4 5; do
		n=$(($(ls "/proc/$pid/fd" | wc -l) - $(tcp_socks)))
		[ "$n" -ge "$min" ] || min=$n
		sleep 0.05
	done
	echo "$min"
}
scrape() {
	ip netns exec "$NS_CLI" curl -s -m 5 -o /dev/null "http://127.0.0.1:9115/metrics" || true
	ip netns exec "$NS_CLI" curl -s -m 5 -o /dev/null "http://127.0.0.1:9115/probe?module=0&target=$SRV4:$PORT_OPEN" || true
}

wait_cycle() {
	local want=$1 t0=$SECONDS
	while [ "$(last_cycle)" -lt "$want" ]; do
		kill -0 "$pid" 2>/dev/null || { echo "FAIL the watch died: $(cat "$work/err")"; exit 1; }
		[ $((SECONDS - t0)) -lt 900 ] || { echo "FAIL cycle $want not reached in 15 min"; exit 1; }
		scrape
		sleep 0.2
	done
}
wait_cycle "$WARM"
rss0=$(rss_kb) fd0=$(fds) t0=$(date +%s.%N)
wait_cycle "$CYCLES"
rss1=$(rss_kb) fd1=$(fds) tcp1=$(tcp_socks) t1=$(date +%s.%N)
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=

failed=0
check() { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; failed=1; fi; }
check "exit status 0 after SIGTERM (got $rc)" "[ $rc = 0 ]"
check "RSS flat: $rss0 KiB at cycle $WARM, $rss1 KiB at cycle $CYCLES (slack $RSS_SLACK_KB)" \
	"[ $((rss1 - rss0)) -le $RSS_SLACK_KB ]"
check "descriptors flat: $fd0 at cycle $WARM, $fd1 at cycle $CYCLES (TCP sockets apart)" "[ $fd1 -le $fd0 ]"
check "TCP sockets at cycle $CYCLES: $tcp1 (at most 4 rung, 2 tcp, the listener and a scrape)" "[ $tcp1 -le 8 ]"
n=$(jq -s '[.[] | select(.event == "cycle")] | length' "$work/dir/events.jsonl")
check "the log holds every cycle ($n)" "[ $n -ge $CYCLES ]"
check "every line parses, seq 1..n" "jq -e -s '[.[].seq] == [range(1; length + 1)]' '$work/dir/events.jsonl' >/dev/null"
r=$(jq -s '[.[] | select(.event == "rung" and .interrupted == false)] | length' "$work/dir/events.jsonl")
s=$(jq -s '[.[] | select(.event == "rung" and .interrupted == false and .failed == false and .counts.pass == 1)] | length' "$work/dir/events.jsonl")
check "the 1 s rung was asked again and again ($r times), each time it survived ($s)" \
	"[ $r -ge 10 ] && [ $s = $r ]"
ring=$(du -cb "$work"/dir/evidence/*.pcapng | tail -n 1 | cut -f1)
check "the evidence ring stayed within 64 KiB ($ring bytes)" "[ $ring -le 65536 ]"
echo "watch soak: $(awk -v a="$t0" -v b="$t1" -v n="$((CYCLES - WARM))" 'BEGIN{printf "%.1f cycles/s", n/(b-a)}')"
exit "$failed"
