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
# The listener with many resumable sessions, on loopback, with the built
# tree: sshd runs under "ulimit -n LIMIT" (default 1024, systemd's default
# for services) and N clients (ssh -N, one connection each) log in, four
# at a time.  At 10, 100, 1000 and N sessions it records the listener's
# open descriptors, how many sessions have a socket in the rendezvous
# directory (are resumable), and the wall time of one more login.
# Usage: bench/sessions.sh [N [LIMIT]] (default 1100 1024; as root)

set -eu
RS_PROG=bench-sessions
. "$(dirname "$0")/../scripts/lib.sh"
. "$(dirname "$0")/../scripts/testenv.sh"
rs_read_lock
tree=$(rs_tree)
n=${1:-1100}
limit=${2:-1024}
[ "$(id -u)" = 0 ] || rs_die "run as root: sessions' monitors are root's"
for b in ssh sshd sshd-session sshd-auth ssh-keygen; do
	[ -x "$tree/$b" ] || rs_die "$tree/$b is missing; run make first"
done
rs_ensure_privsep

work=$(mktemp -d "${TMPDIR:-/tmp}/resilient-bench.XXXXXX")
sshd_pid=
cleanup() {
	pkill -KILL -f -- "-F $work/ssh_config" 2>/dev/null || true
	if [ -n "$sshd_pid" ]; then
		pkill -KILL -P "$sshd_pid" 2>/dev/null || true
		kill "$sshd_pid" 2>/dev/null || true
		wait "$sshd_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

rs_test_keys "$tree" "$work"
port=$((20000 + RANDOM % 20000))
printf '%s\n' "MaxStartups 100" "ResilientTimeout 60" |
    rs_sshd_config "$tree" "$work" "$port"
(ulimit -n "$limit" && exec "$tree/sshd" -D -f "$work/sshd_config" \
    -E "$work/sshd.log") &
sshd_pid=$!
for i in $(seq 1 100); do
	grep -q 'Server listening' "$work/sshd.log" 2>/dev/null && break
	sleep 0.05
done
grep -q 'Server listening' "$work/sshd.log" ||
    rs_die "sshd did not start: $(cat "$work/sshd.log")"
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
CONF
ssh=("$tree/ssh" -F "$work/ssh_config")

fds() { ls "/proc/$sshd_pid/fd" | wc -l; }
named() { ls "$work/rs" 2>/dev/null | grep -c '^s\.' || true; }
login_ms() {
	local t0 t1
	t0=$(date +%s%N)
	"${ssh[@]}" bench true || { echo failed; return; }
	t1=$(date +%s%N)
	echo $(( (t1 - t0) / 1000000 ))
}

printf '%s\n' "sshd under ulimit -n $limit; $(date -u +%Y-%m-%dT%H:%MZ)"
printf '%-10s %-22s %-10s %s\n' sessions "listener descriptors" resumable \
    "one more login (ms)"
printf '%-10s %-22s %-10s %s\n' 0 "$(fds)" "$(named)" "$(login_ms)"
opened=0
for want in 10 100 1000 "$n"; do
	[ "$want" -le "$n" ] && [ "$want" -gt "$opened" ] || continue
	seq $((opened + 1)) "$want" | xargs -P 4 -I{} \
	    "${ssh[@]}" -f -N -o ServerAliveInterval=0 bench ||
	    rs_die "a login failed after $opened sessions"
	opened=$want
	for i in $(seq 1 100); do
		[ "$(named)" -ge "$opened" ] && break
		sleep 0.1
	done
	printf '%-10s %-22s %-10s %s\n' "$opened" "$(fds)" "$(named)" \
	    "$(login_ms)"
done
