#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# make test-soak: netprobe idle with its real defaults (ladder 60..360 s,
# requirement 300 s) against the lab, in one idle period (about 6.5 min):
# one port whose flows fw forgets after 200 s (expects fail, "lost between
# 180 and 240 s") and one forgotten after 600 s (expects pass). Both run at
# once; the lab's short idle table is replaced by these two timeouts.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${NETPROBE:?set NETPROBE to the netprobe binary}"
lab="$here/../../fixtures/lab/lab"
[ "$(id -u)" -eq 0 ] || { echo "idle_soak: needs root (the lab)" >&2; exit 3; }

NP_LAB=$("$lab" up)
export NP_LAB
work=$(mktemp -d /tmp/netprobe-soak.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
	"$lab" down >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# shellcheck disable=SC1091
. "$NP_LAB/env"

# PORT_IDLE_DROP: forgotten after 200 s; PORT_IDLE_OPEN: after 600 s; then
# dropped silently, as by a firewall that ages out idle connections.
cat >"$work/soak.nft" <<NFT
delete table inet netprobe_idle
table inet netprobe_soak {
    ct timeout t200 {
        protocol tcp;
        policy = { established: 200 }
    }
    ct timeout t600 {
        protocol tcp;
        policy = { established: 600 }
    }
    chain forward {
        type filter hook forward priority filter; policy accept;
        ct state invalid ip daddr $TLS_GOOD4 tcp dport { $PORT_IDLE_DROP, $PORT_IDLE_OPEN } counter drop
        ct state invalid ip saddr $TLS_GOOD4 tcp sport { $PORT_IDLE_DROP, $PORT_IDLE_OPEN } counter drop
        ip daddr $TLS_GOOD4 tcp dport $PORT_IDLE_DROP ct timeout set "t200"
        ip daddr $TLS_GOOD4 tcp dport $PORT_IDLE_OPEN ct timeout set "t600"
    }
}
NFT
ip netns exec "$NS_FW" nft -f "$work/soak.nft"

echo "idle soak: default ladder against fw timeouts of 200 s and 600 s (about 6.5 minutes)"
for p in "$PORT_IDLE_DROP" "$PORT_IDLE_OPEN"; do
	ip netns exec "$NS_CLI" "$NETPROBE" idle --ca "$LAB_CA" "$TLS_GOOD_NAME:$p" -4 -q --no-color \
		--json "$work/$p.json" --pcap "$work/$p.pcapng" >"$work/$p.out" 2>&1 &
	pids+=($!)
done
rc200=0 rc600=0
wait "${pids[0]}" || rc200=$?
wait "${pids[1]}" || rc600=$?
pids=()

failed=0
check() { # label jq-filter [file]
	local -a in=(-n)
	[ $# -ge 3 ] && in=("$3")
	if jq -e "$2" "${in[@]}" >/dev/null; then echo "ok   $1"; else echo "FAIL $1"; failed=1; fi
}
overall='[.findings[] | select(.metrics.scope == "overall")][0]'
check "200 s firewall: exit status 1 (got $rc200)" "$rc200 == 1"
check "200 s firewall: lost between 180 and 240 s" \
	"$overall | .status == \"fail\" and .metrics.survived_s == 180 and .metrics.lost_s == 240 and (.summary | test(\"between 180 and 240 s\"))" \
	"$work/$PORT_IDLE_DROP.json"
check "200 s firewall: the lost rungs were dropped silently" \
	'[.findings[] | select(.metrics.scope == "rung" and .metrics.idle_s >= 240) | .verdict] | length == 3 and all(. == "idle.dropped")' \
	"$work/$PORT_IDLE_DROP.json"
check "600 s firewall: exit status 0 (got $rc600)" "$rc600 == 0"
check "600 s firewall: every rung survived" \
	"$overall | .status == \"pass\" and .metrics.survived_s == 360 and .metrics.lost_s == null" \
	"$work/$PORT_IDLE_OPEN.json"
check "one idle period: under 380 s" '.duration_ms < 380000' "$work/$PORT_IDLE_OPEN.json"
jq -r "$overall | .summary" "$work/$PORT_IDLE_DROP.json" "$work/$PORT_IDLE_OPEN.json" | sed 's/^/     /'
exit "$failed"
