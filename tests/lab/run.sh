#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs the CLI tests, then builds the lab and runs the lab tests in it.
# The lab is torn down on every exit path. Needs NETPROBE=/path/to/netprobe.
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

NP_LAB=$("$LAB" up) || { echo "lab: could not build the lab" >&2; FAILED=$((FAILED + 1)); finish tests; exit 1; }
export NP_LAB
trap '"$LAB" down >/dev/null 2>&1 || true; rm -rf "$NP_BIN_DIR"' EXIT
trap 'exit 130' INT TERM
# shellcheck disable=SC1091
. "$NP_LAB/env"

for group in ${LAB_TESTS:-tcp capture dns tls revoc idle family trace syn nat run watch reports responder explain authlab proxyauth}; do
	run_all "$group"
done
finish tests
