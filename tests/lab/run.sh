#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs the CLI tests, then builds the labs and runs the lab tests in them:
# LAB_SHARDS labs side by side (default 2), each torn down on every exit
# path. LAB_TESTS="group ..." runs only those groups. Needs
# NETPROBE=/path/to/netprobe.
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${NETPROBE:?set NETPROBE to the netprobe binary}"
LAB="$here/../../fixtures/lab/lab"
# Some tests run the binary as another user (nobody, through runuser or
# setpriv). The checkout may sit where no other user can enter (a clone in
# root's 0700 home): every test runs a copy from a directory anyone can
# read, so where the user cloned never decides a verdict.
NP_BIN_DIR=$(mktemp -d /tmp/netprobe-bin.XXXXXX)
chmod 0755 "$NP_BIN_DIR"
cp "$NETPROBE" "$NP_BIN_DIR/netprobe"
NETPROBE=$NP_BIN_DIR/netprobe
trap 'rm -rf "$NP_BIN_DIR"' EXIT
export NETPROBE LAB

# shellcheck source=lib.sh
. "$here/lib.sh"
for f in "$here"/test_*.sh; do
	# shellcheck disable=SC1090
	. "$f"
done

set -o pipefail
run_all cli

if [ "$(id -u)" -ne 0 ]; then
	n=$(declare -F | awk '{print $3}' | grep -v '^test_cli' | grep -c '^test_')
	echo "lab tests skipped: they build network namespaces and need root (run 'sudo make test')"
	SKIPPED=$n
	finish tests
	exit $?
fi

GROUPS_ALL="tcp capture dns tls revoc idle family trace syn nat run watch reports responder explain authlab proxyauth"
SHARDS=${LAB_SHARDS:-2}

# One lab's groups, in this shell: the lab built (its own prefix), the
# groups run, the lab torn down on every exit path.
run_lab() {
	NP_LAB=$("$LAB" up) || { echo "lab: could not build the lab" >&2; FAILED=$((FAILED + 1)); return 1; }
	export NP_LAB
	# (the binary's copy is the parent's to remove: another lab may still
	# be running it)
	trap '"$LAB" down >/dev/null 2>&1 || true' EXIT
	trap 'exit 130' INT TERM
	# shellcheck disable=SC1091
	. "$NP_LAB/env"
	local group
	for group in "$@"; do
		run_all "$group"
	done
}

# shellcheck disable=SC2086
set -- ${LAB_TESTS:-$GROUPS_ALL}
[ "$#" -ge "$SHARDS" ] || SHARDS=$#
if [ "$SHARDS" -le 1 ]; then
	( run_lab "$@"; echo "$PASSED $FAILED ${FAILED_NAMES[*]}" >"$NP_BIN_DIR/results" )
	read -r PASSED FAILED names <"$NP_BIN_DIR/results" || FAILED=1
	# shellcheck disable=SC2206
	[ -n "${names:-}" ] && FAILED_NAMES=($names)
	finish tests
	exit $?
fi

# Two labs side by side (every lab has its own namespaces, addresses and
# /etc/netns entries), the groups split by their usual seconds so both end
# together: most of a lab test is waiting (timeouts, silences), so the
# suite takes about half as long. The second lab's output is shown when it
# ends; the counts are summed.
weight() {
	case $1 in
	watch|idle) echo 70 ;; proxyauth) echo 56 ;; reports|explain|capture) echo 30 ;;
	dns|responder|revoc|run) echo 22 ;; nat|tls|tcp|syn) echo 16 ;; trace) echo 10 ;; *) echo 6 ;;
	esac
}
declare -a shard_groups shard_load
for ((i = 0; i < SHARDS; i++)); do shard_groups[i]=""; shard_load[i]=0; done
# heaviest first, each to the lightest shard so far
for group in $(for g in "$@"; do echo "$(weight "$g") $g"; done | sort -rn | awk '{print $2}'); do
	best=0
	for ((i = 1; i < SHARDS; i++)); do
		[ "${shard_load[i]}" -lt "${shard_load[best]}" ] && best=$i
	done
	shard_groups[best]="${shard_groups[best]} $group"
	shard_load[best]=$((shard_load[best] + $(weight "$group")))
done
results=$(mktemp -d /tmp/netprobe-shards.XXXXXX)
trap 'rm -rf "$NP_BIN_DIR" "$results"' EXIT
trap 'exit 130' INT TERM
pids=()
for ((i = 1; i < SHARDS; i++)); do
	(
		TMP=$(mktemp -d /tmp/netprobe-test.XXXXXX)
		PASSED=0 FAILED=0 FAILED_NAMES=()
		# shellcheck disable=SC2086
		run_lab ${shard_groups[i]}
		echo "$PASSED $FAILED ${FAILED_NAMES[*]}" >"$results/$i"
		rm -rf "$TMP"
	) >"$results/$i.out" 2>&1 &
	pids+=($!)
done
# shellcheck disable=SC2086
( run_lab ${shard_groups[0]}; echo "$PASSED $FAILED ${FAILED_NAMES[*]}" >"$results/0" )
for pid in "${pids[@]}"; do
	wait "$pid"
done
for ((i = 1; i < SHARDS; i++)); do
	echo "--- lab $((i + 1)) of $SHARDS:${shard_groups[i]}"
	cat "$results/$i.out"
done
# (lab 1's counts include the CLI tests': it ran in a copy of this shell)
PASSED=0 FAILED=0 FAILED_NAMES=()
for ((i = 0; i < SHARDS; i++)); do
	if [ ! -s "$results/$i" ]; then
		echo "lab $((i + 1)) of $SHARDS ended without its results"
		FAILED=$((FAILED + 1))
		continue
	fi
	read -r p f names <"$results/$i"
	PASSED=$((PASSED + p))
	FAILED=$((FAILED + f))
	# shellcheck disable=SC2206
	[ -n "${names:-}" ] && FAILED_NAMES+=($names)
done
finish tests
