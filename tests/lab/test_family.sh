# SPDX-License-Identifier: GPL-3.0-or-later
# netprobe family in the lab: the dual-stack client, and an IPv6-only
# client (c6) behind the DNS64 resolver and a NAT64 translator (tayga).
# shellcheck shell=bash

fam_of() { # FILE TARGET: its verdict
	jq -r --arg t "$2" '[.findings[] | select(.target == $t) | .verdict] | if length == 1 then .[0] else "\(length) findings" end' "$1"
}

test_family_dual_stack_client() {
	np fam family "$FAM_DUAL" "$FAM_V4ONLY" "$FAM_V6ONLY" "$FAM_V6BROKEN" --timeout 2
	expect "exit status" "$(rc_of fam)" 1
	jqe "$TMP/fam.json" ".findings[] | select(.target == \"this host\") | .verdict == \"family.dual_stack\" and .metrics.ipv4_global >= 1 and .metrics.ipv6_global >= 1 and .metrics.ipv4_default_routes == 1 and .metrics.ipv6_default_routes == 1 and .metrics.nat64_prefix == null"
	expect "dual.lab" "$(fam_of "$TMP/fam.json" "$FAM_DUAL:443")" family.dual_stack
	expect "v4only.lab" "$(fam_of "$TMP/fam.json" "$FAM_V4ONLY:443")" family.ipv4_only
	expect "v6only.lab" "$(fam_of "$TMP/fam.json" "$FAM_V6ONLY:443")" family.ipv6_only
	expect "v6broken.lab" "$(fam_of "$TMP/fam.json" "$FAM_V6BROKEN:443")" family.ipv6_broken
	jqe "$TMP/fam.json" ".findings[] | select(.target == \"$FAM_V6BROKEN:443\") | .status == \"fail\" and (.metrics.ipv4_connect_ms | type) == \"number\" and .metrics.ipv6_error != null and (.summary | test(\"$FAM_BROKEN6\"))"
}

test_family_ipv6_only_client_behind_nat64() {
	local rc=0
	ip netns exec "$NS_C6" "$NETPROBE" family "$FAM_V4ONLY" "$FAM_DUAL" --timeout 2 --json "$TMP/fam6.json" \
		>/dev/null 2>&1 || rc=$?
	expect "exit status" "$rc" 1
	jqe "$TMP/fam6.json" ".findings[] | select(.target == \"this host\") | .verdict == \"family.nat64\" and .status == \"warn\" and .metrics.ipv4_global == 0 and .metrics.nat64_prefix == \"$NAT64_PREFIX\""
	# an IPv4-only name reached through the translator
	jqe "$TMP/fam6.json" ".findings[] | select(.target == \"$FAM_V4ONLY:443\") | .verdict == \"family.nat64\" and (.metrics.ipv6_connect_ms | type) == \"number\" and (.summary | test(\"${NAT64_PREFIX%%::*}::c613:402\"))"
	# native IPv6 only: the service needs IPv4
	expect "dual.lab from c6" "$(fam_of "$TMP/fam6.json" "$FAM_DUAL:443")" family.ipv6_only
}
