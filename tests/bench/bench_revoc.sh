#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# make bench (revocation): 300 TLS endpoints in the lab whose certificates
# name 3 CRL URLs between them (100 endpoints each, one intermediate, the
# revocation lab of fixtures/lab/pki.sh), netprobe tls --parallel 300 with
# --revocation off and on, alternated run by run so both see the same
# machine. Per run: the wall time of each, the overhead of on over off, and
# how many CRLs were downloaded (nginx's log: 3 leaf CRLs plus the root's,
# once each, whatever the endpoint count), and netprobe's CPU time (user +
# system: on a shared, loaded machine the wall time of one run varies more
# than the overhead measured). Then the median and spread.
# Goal: overhead <= 10 %. BENCH_REVOC_RUNS=N for more runs (default 5).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${NETPROBE:?set NETPROBE to the netprobe binary}"
lab="$here/../../fixtures/lab/lab"
N=300
RUNS=${BENCH_REVOC_RUNS:-5}
BASE=9100
ADDR=198.19.4.140   # the revocation lab's "good" leaf address

for tool in openssl nginx python3 jq; do
	command -v "$tool" >/dev/null || { echo "bench_revoc: $tool is missing (make deps)" >&2; exit 3; }
done
[ "$(id -u)" -eq 0 ] || { echo "bench_revoc: needs root (the lab)" >&2; exit 3; }

NP_LAB=$("$lab" up)
export NP_LAB
work=$(mktemp -d /tmp/netprobe-bench-revoc.XXXXXX)
ngx_pid=
cleanup() {
	if [ -n "$ngx_pid" ]; then
		kill "$ngx_pid" 2>/dev/null || true
		wait "$ngx_pid" 2>/dev/null || true
	fi
	[ -f "$work/revoc/pids" ] && revoc_down "$work/revoc"
	"$lab" down >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# shellcheck disable=SC1091
. "$NP_LAB/env"
# shellcheck source=../../fixtures/lab/pki.sh
. "$here/../../fixtures/lab/pki.sh"
d=$work/revoc
mkdir -p "$d"
revoc_up "$d" >/dev/null || { echo "bench_revoc: the revocation lab did not come up" >&2; exit 1; }

# Three leaves for the one address, each naming its own CRL URL (copies of
# the intermediate's CRL on the lab's CRL server).
for k in a b c; do
	cp "$d/www/crl/int.crl" "$d/www/crl/$k.crl"
	printf '[ req ]\ndistinguished_name = dn\n[ dn ]\n[ e ]\nbasicConstraints = critical, CA:FALSE\n%s\n%s\n' \
		"subjectAltName = IP:$ADDR" "crlDistributionPoints = URI:http://$REVOC_HTTP4/crl/$k.crl" >"$work/$k.cnf"
	openssl req -x509 -new -config "$work/$k.cnf" -extensions e -key "$d/leaf.key" -subj "/CN=bench-$k" \
		-CA "$d/int.pem" -CAkey "$d/int.key" -days 30 -out "$work/$k.pem" 2>/dev/null
	cat "$work/$k.pem" "$d/int.pem" >"$work/$k.chain.pem"
done

# A second nginx in srv for the bench alone: 100 TLS ports per leaf.
{
	echo "daemon off; master_process on; worker_processes 2; pid $work/nginx.pid;"
	echo "error_log $work/error.log; events { worker_connections 2048; }"
	echo "http { access_log off; client_body_temp_path $work/cb; proxy_temp_path $work/px;"
	echo "  fastcgi_temp_path $work/fc; uwsgi_temp_path $work/uw; scgi_temp_path $work/sc;"
	echo "  ssl_certificate_key $d/leaf.key;"
	for k in 0 1 2; do
		echo "  server { ssl_certificate $work/$(echo a b c | cut -d' ' -f$((k + 1))).chain.pem;"
		for p in $(seq $((BASE + k * 100)) $((BASE + k * 100 + 99))); do echo "    listen $ADDR:$p ssl;"; done
		echo "    location / { return 200 \"ok\\n\"; } }"
	done
	echo "}"
} >"$work/nginx.conf"
ip netns exec "$NS_SRV" nginx -c "$work/nginx.conf" >/dev/null 2>&1 </dev/null &
ngx_pid=$!
for _ in $(seq 1 200); do
	[ "$(ip netns exec "$NS_SRV" ss -ltnH "sport >= :$BASE and sport < :$((BASE + N))" | wc -l)" -ge "$N" ] && break
	sleep 0.05
done
: >"$work/targets"
for p in $(seq "$BASE" $((BASE + N - 1))); do echo "$ADDR:$p" >>"$work/targets"; done

# "wall-seconds cpu-seconds" of a command
measure() {
	/usr/bin/time -f '%e %U %S' -o "$work/time" "$@" >/dev/null 2>&1 || true
	tail -1 "$work/time" | awk '{ printf "%s %.2f\n", $1, $2 + $3 }'
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
spread() { sort -n | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s-%s", lo, hi }'; }
crls() { grep -c "GET /crl/" "$d/nginx/access.log" || true; }
np_run() { # REVOCATION JSON
	measure ip netns exec "$NS_CLI" "$NETPROBE" tls --ca "$d/root.pem" -4 --parallel "$N" --timeout 5 \
		--revocation "$1" --no-capture --quiet --targets-file "$work/targets" --json "$2"
}

printf '\nrevocation: %d endpoints (%s, ports %d-%d) naming 3 CRL URLs, %d run%s, --revocation off and on\n' \
	"$N" "$ADDR" "$BASE" $((BASE + N - 1)) "$RUNS" "$([ "$RUNS" = 1 ] || echo s)"
printf '  %-4s %8s %8s %9s %10s %10s %9s %14s\n' run "off s" "on s" overhead "off cpu s" "on cpu s" "cpu over" \
	"CRLs fetched"
: >"$work/rows"
for run in $(seq 1 "$RUNS"); do
	read -r off_s off_cpu < <(np_run off "$work/off.$run.json")
	before=$(crls)
	read -r on_s on_cpu < <(np_run on "$work/on.$run.json")
	fetched=$(($(crls) - before))
	for m in off on; do
		ok=$(jq '[.findings[] | select(.verdict == "tls.ok")] | length' "$work/$m.$run.json")
		[ "$ok" = "$N" ] || { echo "bench_revoc: $ok of $N endpoints tls.ok with --revocation $m (run $run)" >&2; exit 1; }
	done
	good=$(jq '[.findings[] | select(.metrics.revocation | length == 2 and all(.status == "good"))] | length' \
		"$work/on.$run.json")
	[ "$good" = "$N" ] || { echo "bench_revoc: $good of $N endpoints with 2 good CRL answers (run $run)" >&2; exit 1; }
	pct=$(awk -v a="$off_s" -v b="$on_s" 'BEGIN{printf "%.1f", (b - a) * 100 / a}')
	cpct=$(awk -v a="$off_cpu" -v b="$on_cpu" 'BEGIN{printf "%.1f", (b - a) * 100 / a}')
	echo "$off_s $on_s $pct $fetched $off_cpu $on_cpu $cpct" >>"$work/rows"
	printf '  %-4s %8s %8s %8s%% %10s %10s %8s%% %14s\n' "$run" "$off_s" "$on_s" "$pct" "$off_cpu" "$on_cpu" "$cpct" \
		"$fetched"
done
col() { awk -v c="$1" '{ print $c }' "$work/rows"; }
printf '  %-4s %8s %8s %8s%% %10s %10s %8s%% %14s\n' median "$(col 1 | median)" "$(col 2 | median)" "$(col 3 | median)" \
	"$(col 5 | median)" "$(col 6 | median)" "$(col 7 | median)" "$(col 4 | median)"
printf '  spread: off %s s, on %s s, overhead %s %%; cpu overhead %s %%\n' "$(col 1 | spread)" "$(col 2 | spread)" \
	"$(col 3 | spread)" "$(col 7 | spread)"
awk -v p="$(col 3 | median)" -v c="$(col 7 | median)" -v l="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN{
	printf "  revocation overhead %.1f %% wall, %.1f %% cpu, median (goal <= 10 %%; load average %s)\n", p, c, l }'
