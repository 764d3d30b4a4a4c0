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
# A flood of bogus reconnects (random tokens, regress/resilient-probe.py,
# two at a time) from 127.0.0.1 for SECONDS, against sshd with
# PerSourcePenalties at its defaults, while a real client behind the same
# address (through regress/resilient-relay.py) has its connection cut
# two seconds into the flood.  Prints how many bogus attempts sshd
# answered, how many it refused at once (penalised address), and when
# the real session resumed, counted from the cut.
# Usage: bench/flood.sh [SECONDS] (default 20; as root)

set -eu
RS_PROG=bench-flood
. "$(dirname "$0")/../scripts/lib.sh"
. "$(dirname "$0")/../scripts/testenv.sh"
rs_read_lock
tree=$(rs_tree)
secs=${1:-20}
py=/usr/bin/python3
relay_py=$RS_TOP/regress/resilient-relay.py
probe_py=$RS_TOP/regress/resilient-probe.py
[ "$(id -u)" = 0 ] || rs_die "run as root"
rs_ensure_privsep

work=$(mktemp -d "${TMPDIR:-/tmp}/resilient-bench.XXXXXX")
sshd_pid= relay_pid= master_pid= flood_pids=
cleanup() {
	for p in $flood_pids $master_pid $relay_pid $sshd_pid; do
		kill "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

rs_test_keys "$tree" "$work"
port=$((20000 + RANDOM % 20000))
rport=$((port + 1))
printf '%s\n' "PerSourcePenalties crash:90 authfail:5 noauth:1 max:600 min:15" \
    "LogLevel DEBUG1" | rs_sshd_config "$tree" "$work" "$port"
"$tree/sshd" -D -f "$work/sshd_config" -E "$work/sshd.log" &
sshd_pid=$!
$py "$relay_py" --listen "127.0.0.1:$rport" --to "127.0.0.1:$port" \
    --control "$work/relay.ctl" --pidfile "$work/relay.pid" \
    2>"$work/relay.err" &
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
	ResilientTimeout 600
CONF
ssh=("$tree/ssh" -F "$work/ssh_config")
"${ssh[@]}" -MNn bench 2>"$work/ssh.err" &
master_pid=$!
for i in $(seq 1 100); do
	"${ssh[@]}" -O check bench >/dev/null 2>&1 && break
	sleep 0.05
done
"${ssh[@]}" -O check bench >/dev/null 2>&1 || rs_die "no session"

flood() {
	local end=$1
	while [ "$(date +%s)" -lt "$end" ]; do
		$py "$probe_py" "$port" >> "$work/flood.$BASHPID" 2>&1 || true
	done
}
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
resumes() { grep -c 'session resumed from' "$work/sshd.log" || true; }

start=$(date +%s)
end=$((start + secs))
flood "$end" & flood_pids="$flood_pids $!"
flood "$end" & flood_pids="$flood_pids $!"
sleep 2
relay cut >/dev/null
cut_ms=$(now_ms)
resumed_ms=
for i in $(seq 1 $(( (secs + 120) * 10 ))); do
	if [ "$(resumes)" -ge 1 ]; then
		resumed_ms=$(now_ms)
		break
	fi
	sleep 0.1
done
wait $flood_pids 2>/dev/null || true
flood_pids=
# the probe prints one DISCONNECT line per answer; a connection closed
# at once prints EOF, or a traceback ending in a ConnectionResetError
answered=$(cat "$work"/flood.* 2>/dev/null | grep -c '^DISCONNECT' || true)
dropped=$(cat "$work"/flood.* 2>/dev/null | grep -cE '^EOF$|^[A-Za-z]*Error' ||
    true)
echo "flood: $secs s of bogus reconnects from 127.0.0.1, two at a time"
echo "  answered (unknown session): $answered; cut off at once: $dropped"
echo "  penalties logged: $(grep -c 'penalty' "$work/sshd.log" || true)"
echo "  the flood went on for $(( (end * 1000 - cut_ms) / 1000 )) s after the cut"
if [ -n "$resumed_ms" ]; then
	echo "the real session resumed $(( resumed_ms - cut_ms )) ms after" \
	    "the cut"
else
	echo "the real session did not resume within $(( secs + 120 )) s" \
	    "of the cut"
fi
