#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# make bench (watch): CPU seconds per hour of netprobe watch, measured over
# BENCH_WATCH_SECONDS (default 60) of a watch of the lab profile's tcp
# matrix (5 targets) at --every 5s (the cost of the probes) and at --every
# 60s (the cost of waiting between them: near zero), and of an idle ladder
# whose rungs are asked on and on, as user + system time
# of the process (/proc/PID/stat) after a 3 s start, scaled to an hour.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${NETPROBE:?set NETPROBE to the netprobe binary}"
lab="$here/../../fixtures/lab/lab"
SECS=${BENCH_WATCH_SECONDS:-60}
[ "$(id -u)" -eq 0 ] || { echo "bench_watch: needs root (the lab)" >&2; exit 3; }

NP_LAB=$("$lab" up)
export NP_LAB
work=$(mktemp -d /tmp/netprobe-bench-watch.XXXXXX)
cleanup() {
	"$lab" down >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# shellcheck disable=SC1091
. "$NP_LAB/env"

cat >"$work/bench.yaml" <<YAML
name: watch-bench
checks:
  - tcp:
      targets: ["$SRV4:$PORT_OPEN", "$SRV4:$PORT_OPEN2", "$SRV4:$PORT_TLS", "$SRV4:$PORT_RESET", "$SRV4:$PORT_CLOSED"]
      timeout: 1
YAML
# the idle rungs asked again and again beside the cycles: their cost is
# the handshakes, the silences cost nothing
cat >"$work/idle.yaml" <<YAML
name: watch-bench-idle
checks:
  - idle:
      target: "tls.lab:$PORT_IDLE_OPEN"
      ca: "$LAB_CA"
      proxy: none
      ladder: [5, 30]
      idle: 30
YAML
tick=$(getconf CLK_TCK)
# utime + stime in ticks: fields 14 and 15 of /proc/PID/stat, counted
# after the command name (which may hold spaces: split after its ')')
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
for run in bench:5s bench:60s idle:60s; do
	prof=${run%%:*} every=${run#*:}
	rm -rf "$work/dir"
	ip netns exec "$NS_CLI" "$NETPROBE" watch --profile "$work/$prof.yaml" --every "$every" \
		--state-dir "$work/dir" --listen 127.0.0.1:9115 -q 2>"$work/err" &
	pid=$!
	# the start (profile, capture ring, first cycle) is not the steady state
	sleep 3
	c0=$(jq -s '[.[] | select(.event == "cycle")] | length' "$work/dir/events.jsonl")
	t0=$(cpu_ticks "$pid")
	sleep "$SECS"
	t1=$(cpu_ticks "$pid")
	c1=$(jq -s '[.[] | select(.event == "cycle")] | length' "$work/dir/events.jsonl")
	r=$(jq -s '[.[] | select(.event == "rung")] | length' "$work/dir/events.jsonl")
	kill -TERM "$pid"
	wait "$pid" || true
	if [ "$prof" = idle ]; then
		what="idle rungs of 5 s and 30 s (TLS), asked $r times"
	else
		what="$((c1 - c0)) cycles of 5 tcp checks"
	fi
	awk -v d="$((t1 - t0))" -v t="$tick" -v secs="$SECS" -v e="$every" -v w="$what" 'BEGIN {
		cpu = d / t
		printf "watch --every %-4s %s in %d s: %.2f s CPU, %.1f CPU seconds per hour of watching\n",
			e, w, secs, cpu, cpu * 3600 / secs }'
done
