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
# Segments and bytes per keystroke: an interactive session (ssh -tt, a
# remote "cat" whose pty echoes) is sent N keystrokes, one every 100 ms,
# while bench/flights.py records the TCP segments on lo.  Printed for
# each direction: the segments that carry data, per keystroke (1.00 is
# one segment each way per keystroke: the keystroke and its echo), and
# the TCP payload bytes per keystroke, for ResilientSessions yes and no,
# with ObscureKeystrokeTiming off and on (its chaff is sent while typing,
# so the figures with it count chaff too), interleaved ROUNDS times.
# Usage: bench/keystrokes.sh [N [ROUNDS]] (default 50 and 3; root)

set -eu
RS_PROG=bench-keystrokes
. "$(dirname "$0")/../scripts/lib.sh"
. "$(dirname "$0")/../scripts/testenv.sh"
rs_read_lock
tree=$(rs_tree)
n=${1:-50}
rounds=${2:-3}
case "$n$rounds" in *[!0-9]*|'') rs_die "N and ROUNDS are numbers" ;; esac
py=/usr/bin/python3
flights_py=$RS_TOP/bench/flights.py
[ "$(id -u)" = 0 ] || rs_die "run as root: it captures on lo"
rs_ensure_privsep

work=$(mktemp -d "${TMPDIR:-/tmp}/resilient-bench.XXXXXX")
sshd_pid=
cleanup() {
	[ -z "$sshd_pid" ] || kill "$sshd_pid" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

rs_test_keys "$tree" "$work"
port=$((20000 + RANDOM % 20000))
rs_sshd_config "$tree" "$work" "$port" </dev/null
"$tree/sshd" -D -f "$work/sshd_config" -E "$work/sshd.log" &
sshd_pid=$!
for i in $(seq 1 100); do
	grep -q 'Server listening' "$work/sshd.log" 2>/dev/null && break
	sleep 0.05
done
cat > "$work/ssh_config" <<CONF
Host bench
	HostName 127.0.0.1
	Port $port
	User $(id -un)
	IdentityFile $work/id_ed25519
	IdentitiesOnly yes
	StrictHostKeyChecking no
	UserKnownHostsFile /dev/null
	BatchMode yes
	LogLevel ERROR
	RequestTTY force
CONF

# typist N: wait for the session, type N bytes 100 ms apart, wait, quit
typist() {
	$py - "$1" <<'PY'
import os, sys, time
n = int(sys.argv[1])
time.sleep(2.0)
for i in range(n):
    os.write(1, b"x")
    time.sleep(0.1)
time.sleep(1.5)
os.write(1, b"\n\x04")
PY
}

# one MODE OBSCURE: segments with data, and payload bytes, each way per
# keystroke
one() {
	cap=$work/cap.json
	$py "$flights_py" capture "$port" $((n / 10 + 6)) "$cap" &
	cap_pid=$!
	sleep 0.5
	typist "$n" | "$tree/ssh" -F "$work/ssh_config" \
	    -oResilientSessions="$1" -oObscureKeystrokeTiming="$2" \
	    bench cat >/dev/null 2>&1 || true
	wait "$cap_pid"
	$py - "$cap" "$n" <<'PY'
import json, sys
segs = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
# the typing window: from 2 s after the first segment to the end, so
# that the login is not counted
t0 = segs[0]["t"] + 2.0
t1 = t0 + n * 0.1 + 1.0
win = [s for s in segs if s["data"] and t0 <= s["t"] < t1]
c2s = [len(s["data"]) // 2 for s in win if s["c2s"]]
s2c = [len(s["data"]) // 2 for s in win if not s["c2s"]]
print("segments %.2f %.2f, bytes %.1f %.1f" % (len(c2s) / n,
    len(s2c) / n, sum(c2s) / n, sum(s2c) / n))
PY
}

echo "keystrokes: $n, 100 ms apart; per keystroke, c2s and s2c: data"
echo "segments, TCP payload bytes"
for round in $(seq 1 "$rounds"); do
	for obscure in no yes; do
		for mode in yes no; do
			echo "round $round ObscureKeystrokeTiming $obscure" \
			    "ResilientSessions $mode: $(one $mode $obscure)"
		done
	done
done
