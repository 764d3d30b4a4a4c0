#!/usr/bin/env bash
#
# Show the fork at work: start its sshd on 127.0.0.1 on a free high port in
# a temporary directory with throwaway host and user keys, run a command and
# an sftp transfer through its ssh and sftp, then stop everything.
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
cleanup() {
	[ -n "$sshd_pid" ] && kill "$sshd_pid" 2>/dev/null
	[ -n "$sshd_pid" ] && wait "$sshd_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '\n==> %s\n' "$*"; }

say "the fork's client: $("$tree/ssh" -V 2>&1)"

"$tree/ssh-keygen" -q -t ed25519 -N '' -C demo-host -f "$work/host_ed25519"
"$tree/ssh-keygen" -q -t ed25519 -N '' -C demo-user -f "$work/id_ed25519"
cp "$work/id_ed25519.pub" "$work/authorized_keys"
user=$(id -un)

# Start sshd on a free port: let it try one, and pick another if the bind
# fails.  Readiness is the "Server listening" line in its log.
start_sshd() {
	local port=$1 i
	cat > "$work/sshd_config" <<CONF
ListenAddress 127.0.0.1
Port $port
HostKey $work/host_ed25519
AuthorizedKeysFile $work/authorized_keys
PidFile $work/sshd.pid
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
PerSourcePenalties no
SshdSessionPath $tree/sshd-session
SshdAuthPath $tree/sshd-auth
Subsystem sftp $tree/sftp-server
LogLevel VERBOSE
CONF
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

say "demo complete: command and sftp transfer through the fork succeeded"
echo "(surviving a dropped connection arrives with the resume work; see README.md)"
