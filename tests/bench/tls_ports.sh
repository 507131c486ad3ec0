# SPDX-License-Identifier: GPL-3.0-or-later
# Sourced by the TLS benches: a second nginx in the lab's srv namespace, for
# the bench alone, serving TLS on N ports of tls.lab's address.
# bench_tls_ports WORKDIR PKI BASE N: starts it (its pid in ngx_pid, for the
# caller's cleanup), waits until every port listens, and writes
# WORKDIR/targets (NAME:PORT) and WORKDIR/urls (https://NAME:PORT/).
# shellcheck shell=bash

bench_tls_ports() {
	local work=$1 pki=$2 base=$3 n=$4 p
	{
		echo "daemon off; master_process on; worker_processes 2; pid $work/nginx.pid;"
		echo "error_log $work/error.log; events { worker_connections 2048; }"
		echo "http { access_log off; client_body_temp_path $work/cb; proxy_temp_path $work/px;"
		echo "  fastcgi_temp_path $work/fc; uwsgi_temp_path $work/uw; scgi_temp_path $work/sc;"
		echo "  ssl_certificate $pki/$TLS_GOOD_NAME.chain.pem; ssl_certificate_key $pki/leaf.key;"
		echo "  server {"
		for p in $(seq "$base" $((base + n - 1))); do echo "    listen $TLS_GOOD4:$p ssl;"; done
		echo "    location / { return 200 \"ok\\n\"; } } }"
	} >"$work/nginx.conf"
	ip netns exec "$NS_SRV" nginx -c "$work/nginx.conf" >/dev/null 2>&1 </dev/null &
	ngx_pid=$!
	for _ in $(seq 1 200); do
		[ "$(ip netns exec "$NS_SRV" ss -ltnH "sport >= :$base and sport < :$((base + n))" | wc -l)" -ge "$n" ] && break
		sleep 0.05
	done
	: >"$work/targets"
	: >"$work/urls"
	for p in $(seq "$base" $((base + n - 1))); do
		echo "$TLS_GOOD_NAME:$p" >>"$work/targets"
		echo "https://$TLS_GOOD_NAME:$p/" >>"$work/urls"
	done
}
