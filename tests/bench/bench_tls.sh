#!/usr/bin/env bash
# make bench (TLS): 300 TLS endpoints in the lab (one address x 300 ports,
# ECDSA certificate), three ways in one run: netprobe tls, curl --parallel
# --parallel-max 300 over the same URLs, and a sequential openssl s_client
# loop over 30 of them (scaled to 300). Wall time and peak RSS.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${NETPROBE:?set NETPROBE to the netprobe binary}"
lab="$here/../../fixtures/lab/lab"
N=300
SEQ=30
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

# A second nginx in srv for the bench alone: 300 TLS ports on tls.lab's address.
{
	echo "daemon off; master_process on; worker_processes 2; pid $work/nginx.pid;"
	echo "error_log $work/error.log; events { worker_connections 2048; }"
	echo "http { access_log off; client_body_temp_path $work/cb; proxy_temp_path $work/px;"
	echo "  fastcgi_temp_path $work/fc; uwsgi_temp_path $work/uw; scgi_temp_path $work/sc;"
	echo "  ssl_certificate $pki/$TLS_GOOD_NAME.chain.pem; ssl_certificate_key $pki/leaf.key;"
	echo "  server {"
	for p in $(seq "$BASE" $((BASE + N - 1))); do echo "    listen $TLS_GOOD4:$p ssl;"; done
	echo "    location / { return 200 \"ok\\n\"; } } }"
} >"$work/nginx.conf"
ip netns exec "$NS_SRV" nginx -c "$work/nginx.conf" >/dev/null 2>&1 </dev/null &
ngx_pid=$!
for _ in $(seq 1 200); do
	[ "$(ip netns exec "$NS_SRV" ss -ltnH "sport >= :$BASE and sport < :$((BASE + N))" | wc -l)" -ge "$N" ] && break
	sleep 0.05
done

: >"$work/targets"
: >"$work/urls"
for p in $(seq "$BASE" $((BASE + N - 1))); do
	echo "$TLS_GOOD_NAME:$p" >>"$work/targets"
	echo "https://$TLS_GOOD_NAME:$p/" >>"$work/urls"
done

in_cli() { ip netns exec "$NS_CLI" "$@"; }
# "seconds peak-RSS-KB" of a command
measure() { /usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null 2>&1 || true; cat "$work/time"; }

read -r np_s np_kb < <(measure ip netns exec "$NS_CLI" "$NETPROBE" tls --ca "$LAB_CA" -4 --no-capture --quiet \
	--targets-file "$work/targets" --json "$work/np.json")
ok=$(jq '[.findings[] | select(.verdict == "tls.ok")] | length' "$work/np.json")
mapfile -t urls <"$work/urls"
read -r curl_s curl_kb < <(measure ip netns exec "$NS_CLI" curl --parallel --parallel-max 300 --cacert "$LAB_CA" -s \
	-o /dev/null "${urls[@]}")
t0=$(date +%s.%N)
for p in $(seq "$BASE" $((BASE + SEQ - 1))); do
	in_cli openssl s_client -connect "$TLS_GOOD4:$p" -servername "$TLS_GOOD_NAME" -CAfile "$LAB_CA" \
		</dev/null >/dev/null 2>&1 || true
done
t1=$(date +%s.%N)
seq_s=$(awk -v a="$t0" -v b="$t1" -v n="$N" -v s="$SEQ" 'BEGIN{printf "%.2f", (b-a) * n / s}')

printf '\nTLS: %d endpoints (%s, ports %d-%d, ECDSA), one run\n' "$N" "$TLS_GOOD4" "$BASE" $((BASE + N - 1))
printf '  %-42s %8s s %8.1f MB   (%s tls.ok)\n' "netprobe tls" "$np_s" "$(awk -v k="$np_kb" 'BEGIN{print k/1024}')" "$ok"
printf '  %-42s %8s s %8.1f MB\n' "curl --parallel --parallel-max 300" "$curl_s" "$(awk -v k="$curl_kb" 'BEGIN{print k/1024}')"
printf '  %-42s %8s s   (30 endpoints, scaled)\n' "sequential openssl s_client" "$seq_s"
awk -v np="$np_s" -v c="$curl_s" -v s="$seq_s" 'BEGIN{
	printf "  netprobe / curl = %.2fx (target <= 1x); s_client loop / netprobe = %.0fx (target > 50x)\n", np/c, s/np }'
