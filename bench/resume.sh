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
# What one resume costs, on loopback, with the built tree (as root: the
# flight count captures on lo):
#   - client flights from the SYN of the new connection to the first bytes
#     the server sends after its NEWKEYS, and the time that took, after
#     the relay cut the connection (bench/flights.py);
#   - the longest pause of a command printing every 10 ms across
#     "ssh -O reconnect" (regress/resilient-watch.py);
#   - CPU time of one resume, by cgroup: the ssh master, and the sshd
#     listener with every process it started, over ROUNDS cuts, less what
#     the running command costs over the same time (measured first, for
#     10 s without cuts), divided by ROUNDS.
# Medians over ROUNDS rounds.  Usage: bench/resume.sh [ROUNDS] (default 20)

set -eu
RS_PROG=bench-resume
. "$(dirname "$0")/../scripts/lib.sh"
. "$(dirname "$0")/../scripts/testenv.sh"
rs_read_lock
tree=$(rs_tree)
rounds=${1:-20}
py=/usr/bin/python3
relay_py=$RS_TOP/regress/resilient-relay.py
watch_py=$RS_TOP/regress/resilient-watch.py
flights_py=$RS_TOP/bench/flights.py
[ "$(id -u)" = 0 ] || rs_die "run as root: the flight count captures on lo"
for b in ssh sshd sshd-session sshd-auth ssh-keygen; do
	[ -x "$tree/$b" ] || rs_die "$tree/$b is missing; run make first"
done
rs_ensure_privsep

work=$(mktemp -d "${TMPDIR:-/tmp}/resilient-bench.XXXXXX")
sshd_pid= relay_pid= master_pid= cmd_pid=
# CPU time by cgroup: everything sshd and the ssh master start counts,
# processes that exited included (cgroup v2, or v1's cpuacct)
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
	cgroot=/sys/fs/cgroup cgusage=cpu.stat cgtasks=cgroup.procs
elif [ -d /sys/fs/cgroup/cpuacct ]; then
	cgroot=/sys/fs/cgroup/cpuacct cgusage=cpuacct.usage cgtasks=tasks
else
	rs_die "no cgroup CPU accounting found under /sys/fs/cgroup"
fi
cg_client=$cgroot/resilient-bench-client.$$
cg_server=$cgroot/resilient-bench-server.$$
mkdir "$cg_client" "$cg_server"
cleanup() {
	for p in $cmd_pid $master_pid $relay_pid $sshd_pid; do
		kill "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	for cg in "$cg_client" "$cg_server"; do
		for p in $(cat "$cg/$cgtasks" 2>/dev/null); do
			kill "$p" 2>/dev/null || true
		done
	done
	sleep 0.2
	rmdir "$cg_client" "$cg_server" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
# usage CG: microseconds of CPU used in the cgroup
usage() {
	if [ $cgusage = cpu.stat ]; then
		awk '$1 == "usage_usec" { print $2 }' "$1/cpu.stat"
	else
		echo $(( $(cat "$1/cpuacct.usage") / 1000 ))
	fi
}

rs_test_keys "$tree" "$work"
port=$((20000 + RANDOM % 20000))
rport=$((port + 1))
rs_sshd_config "$tree" "$work" "$port" </dev/null
(echo $BASHPID > "$cg_server/$cgtasks"
    exec "$tree/sshd" -D -f "$work/sshd_config" -E "$work/sshd.log") &
sshd_pid=$!
$py "$relay_py" --listen "127.0.0.1:$rport" --to "127.0.0.1:$port" \
    --control "$work/relay.ctl" --pidfile "$work/relay.pid" \
    --retry 5 2>"$work/relay.err" &
relay_pid=$!
for i in $(seq 1 100); do
	grep -q 'Server listening' "$work/sshd.log" 2>/dev/null &&
	    [ -f "$work/relay.pid" ] && break
	sleep 0.05
done
relay() { $py "$relay_py" --control "$work/relay.ctl" --cmd "$*"; }

cat > "$work/ssh_config" <<CONF
Host bench
	HostName 127.0.0.1
	Port $rport
	User $(id -un)
	IdentityFile $work/id_ed25519
	IdentitiesOnly yes
	StrictHostKeyChecking no
	UserKnownHostsFile /dev/null
	BatchMode yes
	LogLevel ERROR
	ControlPath $work/ctl
CONF
ssh=("$tree/ssh" -F "$work/ssh_config")
(echo $BASHPID > "$cg_client/$cgtasks"; exec "${ssh[@]}" -MNn bench) &
master_pid=$!
for i in $(seq 1 100); do
	"${ssh[@]}" -O check bench >/dev/null 2>&1 && break
	sleep 0.05
done
# one process printing every 10 ms: a shell loop would fork twice a line,
# in sshd's cgroup, and drown the cost of a resume
"${ssh[@]}" bench "$py -c 'import time
while True:
    print(time.time_ns(), flush=True)
    time.sleep(0.01)'" > "$work/out" &
cmd_pid=$!

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

sleep 1
ticks() { echo $(usage "$cg_client") $(usage "$cg_server"); }
# the command's own cost, to subtract: 10 s without cuts
read bc0 bs0 <<< "$(ticks)"; bt0=$(date +%s%N)
sleep 10
read bc1 bs1 <<< "$(ticks)"; bt1=$(date +%s%N)
read c0 s0 <<< "$(ticks)"; t0=$(date +%s%N)
: > "$work/flights"
for i in $(seq 1 "$rounds"); do
	n0=$(relay stats | sed 's/.*relayed=\([0-9]*\).*/\1/')
	$py "$flights_py" capture "$rport" 1.5 "$work/cap" &
	cap=$!
	sleep 0.2
	relay cut >/dev/null
	wait $cap
	$py "$flights_py" count "$work/cap" >> "$work/flights" || true
done
read c1 s1 <<< "$(ticks)"; t1=$(date +%s%N)

: > "$work/pauses"
for i in $(seq 1 "$rounds"); do
	size=$(stat -c %s "$work/out")
	$py "$watch_py" "$work/out" $((size + 4000)) 10 > "$work/w" &
	w=$!
	sleep 0.1
	"${ssh[@]}" -O reconnect bench >/dev/null 2>&1
	wait $w || true
	awk '$1 == "stall_ms" { print $2 }' "$work/w" >> "$work/pauses"
done

echo "resume after a cut (${rounds} rounds, medians):"
echo "  client flights, SYN to first data: $(awk '{ print $2 }' "$work/flights" | median)"
echo "  SYN to first data: $(awk '{ print $4 }' "$work/flights" | median) ms"
# ms of CPU per resume, less the command's share over the same time
per_resume() {
	awk -v d=$1 -v b=$2 -v t=$(( (t1 - t0) / 1000000 )) \
	    -v bt=$(( (bt1 - bt0) / 1000000 )) -v n=$rounds \
	    'BEGIN { printf "%.1f", (d - b * t / bt) / 1000 / n }'
}
echo "  CPU per resume: client $(per_resume $((c1 - c0)) $((bc1 - bc0))) ms," \
    "server $(per_resume $((s1 - s0)) $((bs1 - bs0))) ms"
echo "ssh -O reconnect under a command printing every 10 ms:"
echo "  longest pause: $(median < "$work/pauses") ms"
