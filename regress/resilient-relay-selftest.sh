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
# Self-test of resilient-relay.py, without ssh: a Python peer on loopback
# (echo, file and endless-stream services) behind the relay, clients that
# report how their connection ended, and the relay's control commands.
# Not an upstream regress test.  Run as:
#
#	bash regress/resilient-relay-selftest.sh
#
# RELAY=path tests another copy of the relay, PYTHON=path another Python.
# Synchronisation goes through the relay's wait-* commands and a FIFO on
# which the peer reports its events; nothing sleeps to let time pass.

set -u

here=$(cd "$(dirname "$0")" && pwd)
RELAY=${RELAY:-$here/resilient-relay.py}
PY=${PYTHON:-python3}
MiB=1048576

T=$(mktemp -d "${TMPDIR:-/tmp}/relay-selftest.XXXXXX") || exit 1
bgpids=()
passed=0
failed=0

# stop_pid PID: TERM, wait at most 5 s, then KILL; reap it.  Every
# background process goes into bgpids, for cleanup.
stop_pid() {
	kill -0 "$1" 2>/dev/null || { wait "$1" 2>/dev/null; return 0; }
	kill "$1" 2>/dev/null
	timeout 5 tail --pid="$1" -f /dev/null 2>/dev/null ||
		kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

cleanup() {
	local p
	for p in "${bgpids[@]}"; do
		stop_pid "$p"
	done
	exec 3<&- 4<&- 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pass() { passed=$((passed + 1)); echo "pass: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
# check DESCRIPTION COMMAND...: pass if COMMAND succeeds
check() {
	local what=$1
	shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}

fails() { ! "$@"; }
matches() { [[ $1 =~ $2 ]]; }
gone() {
	local f
	for f; do [ ! -e "$f" ] || return 1; done
}
# refused STATUS: the relay declined an address and said why
refused() { [ "$1" -eq 1 ] && grep -q 'refusing non-loopback' "$T/err"; }

rand_port() { echo $((47000 + RANDOM % 1000)); }

# ctl COMMAND: ask the relay; prints the answer, exit status as the client's
# (in the background, "${CTL[@]}" "COMMAND": $! is then the client itself)
CTL=("$PY" "$RELAY" --control "$T/ctl" --cmd)
ctl() { "${CTL[@]}" "$*"; }

# stat_field NAME: one field of the relay's "stats" answer
stat_field() {
	ctl stats | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# next_event PATTERN: read the peer's events until one matches PATTERN
# (an extended regex); print it.  At most 50 lines and 20 s.
next_event() {
	local line n=0 end=$((SECONDS + 20))
	while [ $n -lt 50 ] && [ $SECONDS -lt $end ]; do
		IFS= read -r -t 20 -u 3 line || return 1
		n=$((n + 1))
		if [[ $line =~ $1 ]]; then
			echo "$line"
			return 0
		fi
	done
	return 1
}

# wait_bg PID [SECS]: wait for a background client, at most SECS (30) s;
# returns its exit status, or 124 after killing it.
wait_bg() {
	if ! timeout "${2:-30}" tail --pid="$1" -f /dev/null; then
		kill -9 "$1" 2>/dev/null
		wait "$1" 2>/dev/null
		return 124
	fi
	wait "$1"
}

sha() { sha256sum < "$1" | cut -d' ' -f1; }

# --- The peer: a server with three services, and the clients for them. ---
cat > "$T/peer.py" <<'EOF'
import errno, os, socket, sys, threading

lock = threading.Lock()

def say(*words):
    with lock:
        print(" ".join(str(w) for w in words), flush=True)

def ending(e):
    if isinstance(e, socket.timeout):
        return "timeout"
    if isinstance(e, ConnectionResetError):
        return "reset"
    if isinstance(e, BrokenPipeError):
        return "pipe"
    return errno.errorcode.get(e.errno, "error")

def serve(c):
    hdr = b""
    while not hdr.endswith(b"\n") and len(hdr) < 256:
        b = c.recv(1)
        if not b:
            break
        hdr += b
    words = hdr.decode(errors="replace").split()
    mode = words[0] if words else "none"
    say("conn", mode)
    n, how = 0, "done"
    try:
        if mode == "echo":
            while True:
                d = c.recv(65536)
                if not d:
                    break
                c.sendall(d)
                n += len(d)
        elif mode == "send":
            with open(words[1], "rb") as f:
                while True:
                    d = f.read(65536)
                    if not d:
                        break
                    c.sendall(d)
                    n += len(d)
        elif mode == "endless":
            d = os.urandom(65536)
            while True:
                c.sendall(d)
                n += len(d)
        c.shutdown(socket.SHUT_WR)
    except OSError as e:
        how = ending(e)
    say("end", mode, n, how)
    c.close()

def server(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", port))
    except OSError as e:
        if e.errno == errno.EADDRINUSE:
            say("busy")
            sys.exit(3)
        raise
    s.listen(16)
    say("ready")
    while True:
        c, _ = s.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()

# client PORT echo IN OUT | get PATH OUT [HOLDFIFO] | endless
# Prints "<how> <bytes received>"; how is eof, reset, timeout or an errno
def client(port, mode, args):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
    except OSError as e:
        print(ending(e), 0)  # reset: the relay's RST beat connect()
        return
    out = open(args[1], "wb") if mode in ("echo", "get") else None
    if mode == "echo":
        def send():
            try:
                s.sendall(b"echo\n")
                with open(args[0], "rb") as f:
                    while True:
                        d = f.read(65536)
                        if not d:
                            break
                        s.sendall(d)
                s.shutdown(socket.SHUT_WR)
            except OSError:
                pass  # the receiving side reports it
        t = threading.Thread(target=send, daemon=True)
        t.start()
    elif mode == "get":
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        s.sendall(b"send %s\n" % args[0].encode())
        if len(args) > 2:
            with open(args[2]) as hold:
                hold.readline()  # until the test says go
    else:
        s.sendall(b"endless\n")
    n, how = 0, "eof"
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            n += len(d)
            if out:
                out.write(d)
    except OSError as e:
        how = ending(e)
    print(how, n)

if sys.argv[1] == "server":
    server(int(sys.argv[2]))
else:
    client(int(sys.argv[2]), sys.argv[3], sys.argv[4:])
EOF
PEER=("$PY" "$T/peer.py" client)	# + port, as peer() below
peer() { "${PEER[@]}" "$rport" "$@"; }

head -c $((16 * MiB)) /dev/urandom > "$T/data16"
head -c $((64 * MiB)) /dev/urandom > "$T/data64"
head -c $MiB /dev/urandom > "$T/data1"

# --- 1. Arguments the relay must refuse, and the client's exit codes. ---
"$PY" "$RELAY" --listen 127.0.0.1:47000 --to 10.0.0.1:22 \
    --control "$T/x.ctl" 2>"$T/err"
r=$?
check "non-loopback --to refused" refused $r
"$PY" "$RELAY" --listen 0.0.0.0:47000 --to 127.0.0.1:22 \
    --control "$T/x.ctl" 2>"$T/err"
r=$?
check "non-loopback --listen refused" refused $r
"$PY" "$RELAY" --control "$T/none.ctl" --cmd count 2>/dev/null
r=$?
check "client exits 2 without a relay" [ $r -eq 2 ]

# --- 2. Start the peer and the relay on random ports. ---
# Both FIFOs are opened read-write here, so no open or write on them
# can block: fd 3 carries the peer's events, fd 4 releases a held client.
mkfifo "$T/events" "$T/hold"
exec 3<>"$T/events" 4<>"$T/hold"
bport=
for _ in 1 2 3 4 5 6 7 8 9 10; do
	port=$(rand_port)
	"$PY" "$T/peer.py" server "$port" >&3 2>>"$T/peer.err" &
	pid=$!
	ev=$(next_event '^(ready|busy)$') || { stop_pid $pid; break; }
	if [ "$ev" = ready ]; then
		bgpids+=("$pid")
		bport=$port
		break
	fi
	wait_bg $pid 5
done
[ -n "$bport" ] || { fail "peer server did not start"; exit 1; }

rport=
for _ in 1 2 3 4 5 6 7 8 9 10; do
	port=$(rand_port)
	[ "$port" = "$bport" ] && continue
	"$PY" "$RELAY" --listen "127.0.0.1:$port" --to "127.0.0.1:$bport" \
	    --control "$T/ctl" --log "$T/relay.log" --pidfile "$T/relay.pid" \
	    2>>"$T/relay.err" &
	rpid=$!
	if "$PY" "$RELAY" --control "$T/ctl" --retry 10 --cmd ping \
	    >/dev/null 2>&1; then
		bgpids+=("$rpid")
		rport=$port
		break
	fi
	wait_bg $rpid 5
	[ $? -eq 3 ] || break	# anything but "address in use" is fatal
done
[ -n "$rport" ] || { cat "$T/relay.err"; fail "relay did not start"; exit 1; }
check "pidfile holds the relay's pid" \
    [ "$(cat "$T/relay.pid" 2>/dev/null)" = "$rpid" ]
check "count is 0 at start" [ "$(ctl count)" = "ok 0" ]
ans=$(ctl bogus)
r=$?
check "unknown command: exit 1, answer '$ans'" \
    [ "$r:$ans" = "1:error unknown command bogus" ]

# --- 3. 16 MiB through the echo service, both directions byte-exact. ---
res=$(peer echo "$T/data16" "$T/out16")
check "echo 16 MiB ends with eof ($res)" [ "$res" = "eof $((16 * MiB))" ]
check "echo 16 MiB sha256 matches" \
    [ "$(sha "$T/data16")" = "$(sha "$T/out16")" ]
check "stats count exact bytes (c2s has the 5-byte header)" \
    [ "$(stat_field c2s)/$(stat_field s2c)" = \
    "$((16 * MiB + 5))/$((16 * MiB))" ]
next_event '^end echo' >/dev/null

# --- 4. wait-conn, both ways. ---
check "wait-conn 1 answered at once" [ "$(ctl wait-conn 1 5)" = "ok 1" ]
check "wait-conn 2 times out without a connection" \
    [ "$(ctl wait-conn 2 1)" = timeout ]
timeout 1 "$PY" "$RELAY" --control "$T/ctl" --cmd "cut-after $((1 << 40)) 60"
check "a client that leaves cancels its wait" \
    [ "$(stat_field waiting)" = 0 ]

# --- 5. cut in the middle of three transfers. ---
base=$(ctl count | cut -d' ' -f2)
mark=$(stat_field mark_s2c)
cpids=()
for i in 1 2 3; do
	"${PEER[@]}" "$rport" endless > "$T/cut.$i" &
	cpids+=("$!")
	bgpids+=("$!")
done
check "wait-conn sees the three clients" \
    [ "$(ctl wait-conn $((base + 3)) 10)" = "ok $((base + 3))" ]
check "wait-bytes: 3 MiB more relayed" \
    matches "$(ctl wait-bytes $((mark + 3 * MiB)) 10 s2c)" '^ok [0-9]+$'
check "cut resets three connections" [ "$(ctl cut)" = "ok 3" ]
for i in 1 2 3; do
	wait_bg "${cpids[i - 1]}"
	res=$(cat "$T/cut.$i")
	check "client $i saw its connection reset ($res)" \
	    matches "$res" '^reset [1-9][0-9]*$'
done
n=0
for i in 1 2 3; do
	next_event '^end endless [0-9]+ (reset|pipe)$' >/dev/null &&
		n=$((n + 1))
done
check "server saw all three connections reset" [ $n -eq 3 ]
check "wait-bytes counts only connections after the cut" \
    [ "$(ctl wait-bytes 1 1)" = timeout ]

# --- 6. down: new connections are reset at once; up restores them. ---
relayed=$(stat_field relayed)
base=$(ctl count | cut -d' ' -f2)
check "down answers ok 0 with nothing to cut" [ "$(ctl down)" = "ok 0" ]
res=$(peer echo "$T/data1" "$T/outdown")
check "connection while down fails ($res)" \
    matches "$res" '^(reset|eof|ECONNREFUSED) 0$'
check "connection while down was accepted and counted" \
    [ "$(ctl wait-conn $((base + 1)) 5)" = "ok $((base + 1))" ]
check "connection while down never reached the server" \
    [ "$(stat_field relayed)" = "$relayed" ]
check "stats reports state=down" [ "$(stat_field state)" = down ]
check "up answers ok" [ "$(ctl up)" = ok ]
res=$(peer echo "$T/data1" "$T/outup")
check "connection after up relayed ($res)" [ "$res" = "eof $MiB" ]
check "sha256 after up matches" [ "$(sha "$T/data1")" = "$(sha "$T/outup")" ]
check "wait-bytes counts the connection after up" \
    [ "$(ctl wait-bytes $MiB 5)" = "ok $MiB" ]
next_event '^end echo' >/dev/null
ms=$(awk '$2 == "up" { up = $1; seen = 0 }
    up != "" && $2 == "first-s2c" && !seen { d = $1 - up; seen = 1 }
    END { if (seen) printf "%.3f\n", d }' "$T/relay.log")
check "log gives up -> first byte s2c (${ms:-none} ms)" \
    awk -v d="${ms:--1}" 'BEGIN { exit !(d >= 0 && d < 10000) }'

# --- 7. cut-after and down-after act on the byte that crosses the mark. ---
# after_test COMMAND N: start COMMAND N 10 in the background, wait until
# the relay has it pending, then start an endless transfer; the client's
# result goes to $T/after.res, the command's answer to $T/after.ans.
# await_armed: poll the relay (each query takes a process start, up to
# 100 of them) until it holds one pending command
await_armed() {
	local n=0
	while [ "$(stat_field waiting)" != 1 ] && [ $n -lt 100 ]; do
		n=$((n + 1))
	done
}
after_test() {
	local apid cpid
	"${CTL[@]}" "$1 $2 10" > "$T/after.ans" &
	apid=$!
	bgpids+=("$apid")
	await_armed
	"${PEER[@]}" "$rport" endless > "$T/after.res" &
	cpid=$!
	bgpids+=("$cpid")
	wait_bg $apid
	wait_bg $cpid
	next_event '^end endless [0-9]+ (reset|pipe)$' >/dev/null
}
# The mark holds the 1 MiB echoed since "up", so 3 MiB means 2 MiB more;
# the chunk that crosses it is at most 256 KiB (asyncio's read size).
after_test cut-after $((3 * MiB))
res=$(cat "$T/after.res")
check "cut-after cut the transfer ($(cat "$T/after.ans"))" \
    [ "$(cat "$T/after.ans")" = "ok 1" ]
check "cut-after: client reset after 2 MiB + at most 256 KiB ($res)" \
    matches "$res" '^reset [1-9][0-9]*$'
check "cut-after stopped at the mark" \
    [ "${res#reset }" -le $((2 * MiB + 256 * 1024)) ]
# A cut starts new marks: 1 MiB on the next connection
after_test down-after $MiB
res=$(cat "$T/after.res")
check "down-after cut the transfer ($(cat "$T/after.ans"))" \
    [ "$(cat "$T/after.ans")" = "ok 1" ]
check "down-after: client reset after at most 1.25 MiB ($res)" \
    matches "$res" '^reset [1-9][0-9]*$'
check "down-after stopped at the mark" \
    [ "${res#reset }" -le $((MiB + 256 * 1024)) ]
check "down-after left the relay down" [ "$(stat_field state)" = down ]
res=$(peer echo "$T/data1" "$T/outdown2")
check "connection after down-after fails ($res)" \
    matches "$res" '^(reset|eof|ECONNREFUSED) 0$'
check "up again" [ "$(ctl up)" = ok ]

# cut-series: each cut armed as the previous one is made; three clients
# in turn, each reset once 1 MiB (plus at most a chunk) went to it
"${CTL[@]}" "cut-series $MiB,$MiB,$MiB 20" > "$T/series.ans" &
spid=$!
bgpids+=("$spid")
await_armed
n=0
for i in 1 2 3; do
	res=$(peer endless)
	if matches "$res" '^reset [0-9]+$' &&
	    [ "${res#reset }" -le $((MiB + 256 * 1024)) ]; then
		n=$((n + 1))
	else
		echo "series client $i: $res"
	fi
	next_event '^end endless' >/dev/null
done
wait_bg $spid
check "cut-series made three cuts ($(cat "$T/series.ans"))" \
    [ "$(cat "$T/series.ans")" = "ok 3" ]
check "cut-series reset each client within 1.25 MiB" [ $n -eq 3 ]
res=$(ctl cut-series "$MiB,0" 1)
check "cut-series refuses a zero mark ($res)" matches "$res" '^error usage'

# --- 8. Backpressure: a client that does not read holds the relay back. ---
rss0=$(awk '/^VmRSS:/ { print $2 }' "/proc/$rpid/status")
s2c0=$(stat_field s2c)
"${PEER[@]}" "$rport" get "$T/data64" "$T/out64" "$T/hold" \
    > "$T/bp.res" &
bpid=$!
bgpids+=("$bpid")
check "64 MiB not relayed while the client does not read" \
    [ "$(ctl wait-bytes $((64 * MiB)) 2)" = timeout ]
held=$(( $(stat_field s2c) - s2c0 ))
rss1=$(awk '/^VmRSS:/ { print $2 }' "/proc/$rpid/status")
check "relay stopped reading: $((held / 1024)) KiB relayed (< 32 MiB)" \
    [ $held -lt $((32 * MiB)) ]
check "relay memory grew $(( (rss1 - rss0) / 1024 )) MiB (< 16 MiB)" \
    [ $((rss1 - rss0)) -lt $((16 * 1024)) ]
echo go >&4
wait_bg $bpid 60
check "held client then got everything ($(cat "$T/bp.res"))" \
    [ "$(cat "$T/bp.res")" = "eof $((64 * MiB))" ]
check "64 MiB sha256 matches after backpressure" \
    [ "$(sha "$T/data64")" = "$(sha "$T/out64")" ]

# --- 9. The log, and a clean exit. ---
for ev in start accept connect first-c2s first-s2c eof-c2s eof-s2c \
    close cut down up reset; do
	check "log has a '$ev' line" \
	    grep -Eq "^[0-9]+\.[0-9]{3} $ev( |$)" "$T/relay.log"
done
check "every log line starts with a timestamp" \
    fails grep -Evq '^[0-9]+\.[0-9]{3} [a-z0-9-]+( |$)' "$T/relay.log"
kill "$rpid"
wait_bg "$rpid" 10
r=$?
check "relay exits 0 on SIGTERM" [ $r -eq 0 ]
check "relay removed its control socket and pidfile" \
    gone "$T/ctl" "$T/relay.pid"

echo "relay selftest: $passed passed, $failed failed"
[ $failed -eq 0 ]
