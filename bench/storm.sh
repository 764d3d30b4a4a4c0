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
# A reconnect storm: N resilient sessions (one ssh master each, with the
# client's defaults) from one address in a client network namespace to
# sshd in a server namespace (sshd's defaults, PerSourcePenalties and
# MaxStartups included, under ulimit -n 1024; ResilientMaxDetached raised
# to let one user keep N sessions detached), joined by a veth link.  An
# nftables table drops every packet for OUTAGE seconds; the probes find
# the connections dead meanwhile.  From the end of the outage, a watcher
# notes when each client logs "resumed".  Printed: how many resumed, the
# 50th, 90th and 99th percentiles and the last, the resumes per second
# sshd sustained, and sshd's CPU time over the storm (cgroup).
# Usage: bench/storm.sh [N [OUTAGE]] (default 1000 and 20; as root)

set -eu
RS_PROG=bench-storm
. "$(dirname "$0")/../scripts/lib.sh"
. "$(dirname "$0")/../scripts/testenv.sh"
rs_read_lock
tree=$(rs_tree)
n=${1:-1000}
outage=${2:-20}
py=/usr/bin/python3
case "$n$outage" in *[!0-9]*|'') rs_die "N and OUTAGE are numbers" ;; esac
[ "$n" -ge 1 ] && [ "$n" -le 1024 ] || rs_die "N is 1 to 1024 (ResilientMaxDetached), not $n"
[ "$(id -u)" = 0 ] || rs_die "run as root: it makes network namespaces"
for c in ip nft; do
	command -v $c >/dev/null 2>&1 || rs_die "no $c"
done
rs_ensure_privsep
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
	cgroot=/sys/fs/cgroup cgtasks=cgroup.procs
elif [ -d /sys/fs/cgroup/cpuacct ]; then
	cgroot=/sys/fs/cgroup/cpuacct cgtasks=tasks
else
	cgroot=
fi

NC=rtc$$ NS=rts$$ LK=rtl$$
SRV=10.80.1.2 CLI=10.80.1.1
work=$(mktemp -d "${TMPDIR:-/tmp}/resilient-bench.XXXXXX")
cg=
[ -z "$cgroot" ] || { cg=$cgroot/resilient-bench-storm.$$; mkdir "$cg"; }
cleanup() {
	for ns in $NC $NS; do
		p=$(ip netns pids $ns 2>/dev/null || true)
		[ -z "$p" ] || kill -9 $p 2>/dev/null || true
	done
	sleep 0.5
	for ns in $NC $NS; do
		ip netns del $ns 2>/dev/null || true
	done
	[ -z "$cg" ] || rmdir "$cg" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
# usage: microseconds of CPU used by sshd and all it started
usage() {
	if [ -z "$cg" ]; then
		echo 0
	elif [ -f "$cg/cpu.stat" ]; then
		awk '$1 == "usage_usec" { print $2 }' "$cg/cpu.stat"
	else
		echo $(( $(cat "$cg/cpuacct.usage") / 1000 ))
	fi
}

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
# the first value wins: sshd's own defaults where rs_sshd_config sets one
printf '%s\n' "ListenAddress $SRV" "LogLevel VERBOSE" "PerSourcePenalties yes" \
    "ResilientMaxDetached 1024:1024" "ResilientTimeout 600" |
    rs_sshd_config "$tree" "$work" 22
(
	[ -z "$cg" ] || echo $BASHPID > "$cg/$cgtasks"
	ulimit -n 1024
	exec ip netns exec $NS "$tree/sshd" -f "$work/sshd_config" \
	    -E "$work/sshd.log"
)
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
	ResilientTimeout 600
CONF
ssh=("$tree/ssh" -F "$work/ssh_config")

echo "logging in $n sessions from $CLI, one after the other"
start=$(date +%s)
for i in $(seq 1 "$n"); do
	inc "${ssh[@]}" -E "$work/c.$i.log" -S "$work/s.$i" -MNnf bench ||
	    rs_die "login $i failed: $(tail -1 "$work/c.$i.log")"
	if [ $((i % 100)) = 0 ]; then
		echo "  $i logged in after $(( $(date +%s) - start )) s"
	fi
done &
logins=$!
# (-f returns after authentication)
wait $logins || rs_die "the logins failed"
up=$(find "$work" -maxdepth 1 -name 's.*' -type s | wc -l)
echo "$up sessions up after $(( $(date +%s) - start )) s;" \
    "dropping everything for $outage s"
ins nft -f - <<NFT
table inet outage {
	chain in { type filter hook input priority -10; policy drop; }
	chain out { type filter hook output priority -10; policy drop; }
}
NFT
sleep "$outage"
cpu0=$(usage)
ins nft delete table inet outage
echo "network back; watching"
$py - "$work" "$n" <<'PY'
import os, sys, time
work, n = sys.argv[1], int(sys.argv[2])
t0 = time.monotonic()
done = {}
while len(done) < n and time.monotonic() - t0 < 180:
    for i in range(1, n + 1):
        if i in done:
            continue
        try:
            with open(os.path.join(work, "c.%d.log" % i), "rb") as f:
                if b"resumed after" in f.read():
                    done[i] = time.monotonic() - t0
        except OSError:
            pass
    time.sleep(0.05)
ts = sorted(done.values())
def pct(p):
    return ts[min(len(ts) - 1, int(round(p / 100.0 * len(ts) + 0.5)) - 1)]
print("resumed: %d of %d within %.0f s" % (len(ts), n,
    time.monotonic() - t0))
if ts:
    print("after the network came back: p50 %.1f s, p90 %.1f s, "
        "p99 %.1f s, last %.1f s" % (pct(50), pct(90), pct(99), ts[-1]))
    span = ts[-1] - ts[0]
    if span > 0:
        print("resumes per second, first to last: %.0f" %
            ((len(ts) - 1) / span))
PY
cpu1=$(usage)
echo "sshd's CPU from the network's return to the last resume or the" \
    "watcher's end: $(( (cpu1 - cpu0) / 1000 )) ms"
echo "sshd log: $(grep -c 'session resumed from' "$work/sshd.log" || true)" \
    "resumes, $(grep -c 'drop connection' "$work/sshd.log" || true)" \
    "connections dropped (MaxStartups or penalties)," \
    "$(grep -c 'reconnect refused' "$work/sshd.log" || true) refused"
