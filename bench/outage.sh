#!/usr/bin/env bash
#
# Copyright (c) 2026 The resilient-ssh authors.
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
# WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
# MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
# ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
# WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
# ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
# OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
#
# A silent outage: two network namespaces joined by a veth link, sshd in
# one and an ssh master (with a command printing a line every 100 ms) in
# the other; an nftables table in the server's namespace drops every
# packet for SECONDS, with no link or route change, then goes.  The
# client's probe finds the connection dead (ResilientProbeInterval and
# ResilientProbeTimeout at their defaults) and it keeps trying; printed
# is how long after the end of the outage the session resumed (the
# client logs "resumed"), for each of ROUNDS rounds, and the median.
# Usage: bench/outage.sh [SECONDS [ROUNDS]] (default 120 and 3; as root)

set -eu
RS_PROG=bench-outage
. "$(dirname "$0")/../scripts/lib.sh"
. "$(dirname "$0")/../scripts/testenv.sh"
rs_read_lock
tree=$(rs_tree)
secs=${1:-120}
rounds=${2:-3}
case "$secs$rounds" in *[!0-9]*|'') rs_die "SECONDS and ROUNDS are numbers" ;; esac
[ "$(id -u)" = 0 ] || rs_die "run as root: it makes network namespaces"
for c in ip nft; do
	command -v $c >/dev/null 2>&1 || rs_die "no $c"
done
rs_ensure_privsep

NC=rbc$$ NS=rbs$$ LK=rbl$$
SRV=10.79.1.2 CLI=10.79.1.1
work=$(mktemp -d "${TMPDIR:-/tmp}/resilient-bench.XXXXXX")
master_pid= cmd_pid=
cleanup() {
	for p in $cmd_pid $master_pid; do
		kill "$p" 2>/dev/null || true
	done
	for n in $NC $NS; do
		p=$(ip netns pids $n 2>/dev/null || true)
		[ -z "$p" ] || kill $p 2>/dev/null || true
		ip netns del $n 2>/dev/null || true
	done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

inc() { ip netns exec $NC "$@"; }
ins() { ip netns exec $NS "$@"; }
ip netns add $NC
ip netns add $NS
ip link add ${LK}c netns $NC type veth peer name ${LK}s netns $NS
inc ip link set lo up
ins ip link set lo up
inc ip addr add $CLI/24 dev ${LK}c
ins ip addr add $SRV/24 dev ${LK}s
inc ip link set ${LK}c up
ins ip link set ${LK}s up

rs_test_keys "$tree" "$work"
printf '%s\n' "ListenAddress $SRV" "ResilientTimeout 600" |
    rs_sshd_config "$tree" "$work" 22
ins "$tree/sshd" -f "$work/sshd_config" -E "$work/sshd.log"
for i in $(seq 1 100); do
	[ -s "$work/sshd.pid" ] && break
	sleep 0.05
done
[ -s "$work/sshd.pid" ] || rs_die "sshd did not start"
cat > "$work/ssh_config" <<CONF
Host bench
	HostName $SRV
	User $(id -un)
	IdentityFile $work/id_ed25519
	IdentitiesOnly yes
	StrictHostKeyChecking no
	UserKnownHostsFile /dev/null
	BatchMode yes
	ControlPath $work/ctl
	ResilientTimeout 600
CONF
ssh=("$tree/ssh" -F "$work/ssh_config")
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

results=()
for round in $(seq 1 "$rounds"); do
	log=$work/ssh.$round.log
	inc "${ssh[@]}" -v -E "$log" -MNn bench &
	master_pid=$!
	for i in $(seq 1 100); do
		inc "${ssh[@]}" -O check bench >/dev/null 2>&1 && break
		sleep 0.1
	done
	inc "${ssh[@]}" bench 'while :; do date +%s%N; sleep 0.1; done' \
	    >"$work/out" 2>/dev/null &
	cmd_pid=$!
	sleep 1
	ins nft -f - <<NFT
table inet outage {
	chain in { type filter hook input priority -10; policy drop; }
	chain out { type filter hook output priority -10; policy drop; }
}
NFT
	sleep "$secs"
	ins nft delete table inet outage
	up=$(now_ms)
	resumed=
	for i in $(seq 1 6000); do
		if grep -q 'resumed after' "$log"; then
			resumed=$(now_ms)
			break
		fi
		sleep 0.01
	done
	attempts=$(grep -c 'reconnect attempt' "$log" || true)
	if [ -n "$resumed" ]; then
		ms=$((resumed - up))
		results+=("$ms")
		echo "round $round: resumed $ms ms after the outage's end" \
		    "($attempts connects)"
	else
		echo "round $round: no resume within 60 s of the outage's end"
	fi
	kill "$cmd_pid" 2>/dev/null || true
	inc "${ssh[@]}" -O exit bench >/dev/null 2>&1 || true
	wait "$master_pid" 2>/dev/null || true
	master_pid= cmd_pid=
done
if [ ${#results[@]} -gt 0 ]; then
	median=$(printf '%s\n' "${results[@]}" | sort -n |
	    awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
	echo "outage $secs s, $rounds rounds: median $median ms from the" \
	    "outage's end to the resume"
fi
