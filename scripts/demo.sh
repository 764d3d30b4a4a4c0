#!/usr/bin/env bash
#
# Show the fork at work: start its sshd on 127.0.0.1 on a free high port in
# a temporary directory with throwaway host and user keys, run a command and
# an sftp transfer through its ssh and sftp.  Then put a relay that can cut
# TCP connections on demand (regress/resilient-relay.py) between ssh and
# sshd, and show an sftp transfer and a shell surviving cut connections,
# and a shell surviving a 6 s outage that ends a stock ssh beside it.
#
# Usage: demo.sh          (run by "make demo" after the build)
#
# Nothing outside the temporary directory is touched, except that upstream's
# sshd needs its privilege separation user, which is created when missing
# and running as root.

set -eu
RS_PROG=demo
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/testenv.sh"
rs_read_lock
RS_TREE=$(rs_tree)
tree=$RS_TREE

for b in ssh sshd sshd-session sshd-auth sftp sftp-server ssh-keygen; do
	[ -x "$tree/$b" ] || rs_die "$tree/$b is missing; run make first"
done
rs_ensure_privsep

work=$(mktemp -d "${TMPDIR:-/tmp}/resilient-demo.XXXXXX")
sshd_pid=
relay_pid=
cleanup() {
	[ -n "$relay_pid" ] && kill "$relay_pid" 2>/dev/null
	[ -n "$relay_pid" ] && wait "$relay_pid" 2>/dev/null
	[ -n "$sshd_pid" ] && kill "$sshd_pid" 2>/dev/null
	[ -n "$sshd_pid" ] && wait "$sshd_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '\n==> %s\n' "$*"; }

say "the fork's client: $("$tree/ssh" -V 2>&1)"

rs_test_keys "$tree" "$work"
user=$(id -un)

# Start sshd on a free port: let it try one, and pick another if the bind
# fails.  Readiness is the "Server listening" line in its log.
start_sshd() {
	local port=$1 i
	echo "Subsystem sftp $tree/sftp-server" |
	    rs_sshd_config "$tree" "$work" "$port"
	: > "$work/sshd.log"
	"$tree/sshd" -D -f "$work/sshd_config" -E "$work/sshd.log" &
	sshd_pid=$!
	for i in $(seq 1 100); do
		grep -q 'Server listening' "$work/sshd.log" && return 0
		if ! kill -0 "$sshd_pid" 2>/dev/null; then
			wait "$sshd_pid" 2>/dev/null || true
			sshd_pid=
			return 1
		fi
		sleep 0.05
	done
	rs_die "sshd did not start listening within 5 s; log: $(cat "$work/sshd.log")"
}
port=
for try in $(seq 1 20); do
	p=$((20000 + (RANDOM % 40000)))
	if start_sshd "$p"; then
		port=$p
		break
	fi
done
[ -n "$port" ] || rs_die "could not find a free port for sshd; last log: $(cat "$work/sshd.log")"
say "sshd of the fork listening on 127.0.0.1 port $port (pid $sshd_pid)"

printf '[127.0.0.1]:%s %s\n' "$port" "$(cut -d' ' -f1,2 "$work/host_ed25519.pub")" \
    > "$work/known_hosts"
cat > "$work/ssh_config" <<CONF
Host demo
	HostName 127.0.0.1
	Port $port
	User $user
	IdentityFile $work/id_ed25519
	IdentitiesOnly yes
	UserKnownHostsFile $work/known_hosts
	GlobalKnownHostsFile /dev/null
	StrictHostKeyChecking yes
	BatchMode yes
	LogLevel ERROR
CONF
ssh=("$tree/ssh" -F "$work/ssh_config")

say "running a command over ssh"
"${ssh[@]}" demo 'echo "hello from $(uname -n) as $(id -un)"' ||
    rs_die "ssh command failed; sshd log: $work/sshd.log"
banner=$("${ssh[@]}" -o LogLevel=DEBUG1 demo true 2>&1 |
    sed -n 's/.*remote software version \([^ ,]*\).*/\1/p' | head -n 1)
echo "server banner: $banner"

say "transferring 16 MiB through sftp, both ways"
head -c $((16 * 1024 * 1024)) /dev/urandom > "$work/payload"
sum=$(rs_sha256 "$work/payload")
"$tree/sftp" -q -F "$work/ssh_config" -S "$tree/ssh" -b - demo >/dev/null <<CMDS
put $work/payload $work/uploaded
get $work/uploaded $work/downloaded
CMDS
up=$(rs_sha256 "$work/uploaded")
down=$(rs_sha256 "$work/downloaded")
echo "sent       sha256 $sum"
echo "uploaded   sha256 $up"
echo "downloaded sha256 $down"
[ "$sum" = "$up" ] && [ "$sum" = "$down" ] ||
    rs_die "checksum mismatch after sftp transfer"

relay_py=$RS_TOP/regress/resilient-relay.py
relay() { python3 "$relay_py" --control "$work/relay.ctl" --cmd "$*"; }
command -v python3 >/dev/null || rs_die "python3 is needed for the relay"

# The relay: from a free port to sshd; it exits 3 if the port is taken
for try in $(seq 1 20); do
	rport=$((20000 + (RANDOM % 40000)))
	[ "$rport" = "$port" ] && continue
	rm -f "$work/relay.pid"
	python3 "$relay_py" --listen "127.0.0.1:$rport" \
	    --to "127.0.0.1:$port" --control "$work/relay.ctl" \
	    --log "$work/relay.log" --pidfile "$work/relay.pid" \
	    2>>"$work/relay.err" &
	relay_pid=$!
	for i in $(seq 1 100); do
		[ -f "$work/relay.pid" ] && break
		kill -0 "$relay_pid" 2>/dev/null || break
		sleep 0.05
	done
	[ -f "$work/relay.pid" ] && break
	wait "$relay_pid" 2>/dev/null || true
	relay_pid=
done
[ -n "$relay_pid" ] || rs_die "the relay did not start: $(cat "$work/relay.err")"
cat >> "$work/ssh_config" <<CONF
Host relayed
	HostName 127.0.0.1
	Port $rport
	User $user
	IdentityFile $work/id_ed25519
	IdentitiesOnly yes
	UserKnownHostsFile $work/known_hosts
	GlobalKnownHostsFile /dev/null
	StrictHostKeyChecking no
	BatchMode yes
	LogLevel INFO
CONF
say "a relay on port $rport forwards to sshd; it can cut connections (TCP reset)"

# A background command whose answer (ok K) says how many cuts were made
arm() {
	python3 "$relay_py" --control "$work/relay.ctl" --cmd "$*" \
	    > "$work/armed" 2>&1 &
	armed_pid=$!
	for i in $(seq 1 100); do
		relay stats | grep -q 'waiting=[1-9]' && return 0
		sleep 0.05
	done
	rs_die "the relay did not take '$*'"
}

say "sftp: 64 MiB down and up through the relay, cut 3 times each way"
head -c $((64 * 1024 * 1024)) /dev/urandom > "$work/big"
sum=$(rs_sha256 "$work/big")
relay up >/dev/null
arm cut-series 8000000,20000000,20000000 120 s2c
start=$(date +%s.%N)
"$tree/sftp" -F "$work/ssh_config" -S "$tree/ssh" -b - relayed \
    2> "$work/sftp.err" >/dev/null <<CMDS
get $work/big $work/big.down
CMDS
wait "$armed_pid" || true
echo "relay: $(cat "$work/armed") (download)"
relay up >/dev/null
arm cut-series 8000000,20000000,20000000 120 c2s
"$tree/sftp" -F "$work/ssh_config" -S "$tree/ssh" -b - relayed \
    2>> "$work/sftp.err" >/dev/null <<CMDS
put $work/big $work/big.up
CMDS
wait "$armed_pid" || true
echo "relay: $(cat "$work/armed") (upload)"
end=$(date +%s.%N)
sed 's/^/sftp: /' "$work/sftp.err" | grep -v 'Permanently added' || true
down=$(rs_sha256 "$work/big.down")
up=$(rs_sha256 "$work/big.up")
echo "sent       sha256 $sum"
echo "downloaded sha256 $down"
echo "uploaded   sha256 $up"
[ "$sum" = "$down" ] && [ "$sum" = "$up" ] ||
    rs_die "checksum mismatch after sftp across cuts"
awk -v a="$start" -v b="$end" 'BEGIN { printf "both transfers took %.1f s in all\n", b - a }' 

say "shell: a counter printing every 100 ms, cut twice while it runs"
# lines N: wait (at most 10 s) until the shell printed N ticks
lines() {
	local i
	for i in $(seq 1 200); do
		[ "$(wc -l < "$work/ticks")" -ge "$1" ] && return 0
		sleep 0.05
	done
	rs_die "the shell printed fewer than $1 ticks"
}
"$tree/ssh" -F "$work/ssh_config" relayed \
    'for i in $(seq 1 40); do echo "tick $i"; sleep 0.1; done' \
    > "$work/ticks" 2> "$work/ticks.err" &
ssh_pid=$!
lines 10
relay cut >/dev/null
lines 25
relay cut >/dev/null
wait "$ssh_pid" || rs_die "ssh across cuts failed: $(cat "$work/ticks.err")"
sed 's/^/ssh: /' "$work/ticks.err" | grep -v 'Permanently added' || true
seq 1 40 | sed 's/^/tick /' | cmp -s - "$work/ticks" ||
    rs_die "the shell's output was not complete: $(cat "$work/ticks")"
echo "all 40 ticks arrived, in order, once each; last: $(tail -n 1 "$work/ticks")"
grep 'resilient: session \(detached\|resumed from\)' "$work/sshd.log" |
    sed 's/^/sshd: /' | tail -n 4

say "a real outage: the path goes silent for 6 s, then its NAT has forgotten the connection"
# Beside the fork, a client without the extension: Debian's ssh if it is
# installed (make deps installs it), else this build with it turned off,
# which behaves as stock OpenSSH.
if [ -x /usr/bin/ssh ] && /usr/bin/ssh -V 2>&1 | grep -q '^OpenSSH_'; then
	stock=(/usr/bin/ssh)
	stock_name="stock $(/usr/bin/ssh -V 2>&1 | cut -d, -f1)"
else
	stock=("$tree/ssh" -o ResilientSessions=no)
	stock_name="this build with ResilientSessions no"
fi
counter='for i in $(seq 1 100); do echo "tick $i"; sleep 0.1; done'
relay up >/dev/null
"$tree/ssh" -F "$work/ssh_config" relayed "$counter" \
    > "$work/fork.ticks" 2> "$work/fork.err" &
fork_pid=$!
"${stock[@]}" -F "$work/ssh_config" relayed "$counter" \
    > "$work/stock.ticks" 2> "$work/stock.err" &
stock_pid=$!
# both running: 10 ticks each (at most 10 s)
for i in $(seq 1 200); do
	[ "$(wc -l < "$work/fork.ticks")" -ge 10 ] &&
	    [ "$(wc -l < "$work/stock.ticks")" -ge 10 ] && break
	sleep 0.05
done
echo "both clients print a tick every 100 ms; now nothing gets through"
relay stall >/dev/null
sleep 6
echo "6 s later the path is back, but the NAT resets the old connections"
relay cut >/dev/null
fork_rc=0 stock_rc=0
wait "$fork_pid" || fork_rc=$?
wait "$stock_pid" || stock_rc=$?
ticks() { grep -c '^tick' "$1" || true; }
echo "$stock_name: exit status $stock_rc after $(ticks "$work/stock.ticks") of 100 ticks;" \
    "it said: $(grep -v 'Permanently added' "$work/stock.err" | tail -n 1)"
echo "resilient-ssh: exit status $fork_rc after $(ticks "$work/fork.ticks") of 100 ticks"
sed 's/^/  ssh: /' "$work/fork.err" | grep -v 'Permanently added' || true
[ "$fork_rc" = 0 ] && seq 1 100 | sed 's/^/tick /' | cmp -s - "$work/fork.ticks" ||
    rs_die "the fork's session did not survive the outage whole"

say "demo complete: a command, sftp transfers and a shell survived cut connections and an outage"
