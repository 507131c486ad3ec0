#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs the dissector fuzzer (or, given build/fuzz/fuzz_capfile, the
# capture-file fuzzer, seeded with the capture fixtures: pcap, pcapng,
# pktmon/netsh pcapng) for FUZZ_SECONDS (default 60) on one core,
# seeded from the recorded packets in fixtures/packets; exits non-zero on a
# crash, a sanitizer report or a broken invariant (the input is saved next
# to the binary as crash-*). The corpus it grows stays in build/fuzz/ for
# the next run; remove that directory to start over.
#
#   tests/fuzz/run.sh build/fuzz/fuzz_dissect
#   tests/fuzz/run.sh build/fuzz/fuzz_capfile
set -euo pipefail

bin=$1
secs=${FUZZ_SECONDS:-60}
root=$(cd "$(dirname "$0")/../.." && pwd)

if [ "$(basename "$bin")" = fuzz_capfile ]; then
	work=$(dirname "$bin")/capfile
	mkdir -p "$work/corpus" "$work/seeds"
	n=0
	for f in "$root"/fixtures/captures/*.pcap "$root"/fixtures/captures/*.pcapng \
		"$root"/fixtures/captures/windows/*.pcap "$root"/fixtures/captures/windows/*.pcapng; do
		cp "$f" "$work/seeds/"
		n=$((n + 1))
	done
	echo "fuzz_capfile: $n seeds (the capture fixtures), $secs s"
	log=$work/last.log
	status=0
	LSAN_OPTIONS=suppressions=$root/tests/fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS} \
	"$bin" -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$work/" \
		"$work/corpus" "$work/seeds" >"$log" 2>&1 || status=$?
	grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)' "$log" || true
	grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "$log" || true
	if [ "$status" -ne 0 ]; then
		tail -n 60 "$log" >&2
		echo "fuzz_capfile: FAILED (exit $status); log in $log" >&2
		exit 1
	fi
	echo "fuzz_capfile: passed; log in $log"
	exit 0
fi
work=$(dirname "$bin")/dissect
mkdir -p "$work/corpus" "$work/seeds"

# A seed is the selector byte of fuzz_dissect.c (the index of the link
# type in its dlts[] table; +128 for a cut capture) and the packet.
n=0
for f in "$root"/fixtures/packets/*.hex; do
	dlt=$(sed -n 's/^# dlt: *//p' "$f")
	case $dlt in
	1) sel=0 ;; 113) sel=1 ;; 276) sel=2 ;; 12) sel=3 ;;
	101) sel=4 ;; 228) sel=5 ;; 229) sel=6 ;;
	*) echo "run.sh: $f: link type $dlt not in the harness's table" >&2; exit 1 ;;
	esac
	name=$(basename "$f" .hex)
	for cut in 0 128; do
		{
			printf "\\$(printf '%03o' $((sel + cut)))"
			grep -v '^#' "$f" | perl -ne 's/\s+//g; print pack("H*", $_)'
		} >"$work/seeds/$name.$cut"
		n=$((n + 1))
	done
done
echo "fuzz_dissect: $n seeds, $secs s"

log=$work/last.log
status=0
"$bin" -max_total_time="$secs" -max_len=2048 -timeout=10 -rss_limit_mb=2048 \
	-print_final_stats=1 -artifact_prefix="$work/" \
	"$work/corpus" "$work/seeds" >"$log" 2>&1 || status=$?
grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)' "$log" || true
grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "$log" || true
if [ "$status" -ne 0 ]; then
	tail -n 60 "$log" >&2
	echo "fuzz_dissect: FAILED (exit $status); log in $log" >&2
	exit 1
fi
echo "fuzz_dissect: passed; log in $log"
