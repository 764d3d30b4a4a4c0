#!/usr/bin/env bash
#
# Interoperability matrix: the fork against other SSH implementations from
# Debian 12, and against itself.
#
# Rows are implementations, columns operations; each cell is pass, FAIL or
# skip(reason), and "-" where the column does not apply (not counted).
#
#   clients -> the fork's sshd: OpenSSH 9.2 ssh/sftp/scp, Dropbear dbclient
#     (sftp and scp are OpenSSH's, with dbclient as their transport), PuTTY
#     plink/psftp/pscp, paramiko, asyncssh, libssh (interop/libssh_client.c)
#   the fork's ssh/sftp/scp -> servers: Debian's OpenSSH 9.2 sshd (taken
#     from the openssh-server .deb with apt-get download + dpkg -x, never
#     installed), Dropbear, asyncssh (interop/asyncssh_server.py)
#   the fork -> the fork, with ResilientSessions on, then off in the client
#
# Columns:
#   login      public-key login, "echo login-ok"
#   exec       "echo MARK; exit 3": stdout MARK and exit status 3
#   sftp       16 MiB up and down with SFTP; SHA-256 of both copies
#   scp        the same with the classic SCP protocol (scp -O, pscp -scp)
#   fwd-L      local port forward to a loopback echo server, 1 MiB
#              byte-exact (paramiko and libssh open the direct-tcpip
#              channel that -L opens themselves)
#   resilient  the fork's debug log says "resilient sessions negotiated"
#              between two forks and "not supported by peer" otherwise,
#              on every connection of the row, and the fork says nothing
#              about it above debug level (silent fallback)
#   reconnect  fork <-> fork only: the sftp transfer above through a relay
#              (regress/resilient-relay.py) that cuts the connection once
#              during the upload and once during the download; ssh must
#              reconnect by itself and both copies match
#
# Usage: interop.sh
# Environment:
#   INTEROP_LOGS     per-cell logs (default build/interop-logs)
#   INTEROP_TIMEOUT  seconds allowed to each client command (default 60)
#   INTEROP_NO_UNSHARE=1  use the authorized_keys fallback for Dropbear
#                    (below) even where the mount namespace would work
#
# Everything runs on 127.0.0.1 on free high ports, in one mktemp -d
# directory with throwaway host and user keys, removed on exit with every
# process started here.  Dropbear reads authorized_keys only from the
# user's home directory: as root it runs in a private mount namespace
# (unshare) where a directory of the test is bind-mounted over that home,
# so the real ~/.ssh is never read or written.  Only where that is
# impossible (not root, no unshare) one marked line is appended to
# ~/.ssh/authorized_keys and exactly that line is removed on exit.
# As root, upstream's privilege separation user and directory are created
# when missing (as in demo.sh), and /run/sshd for Debian's sshd (removed
# again if it was created here and is still empty).

set -eu
RS_PROG=interop
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/testenv.sh"
rs_read_lock
RS_TREE=$(rs_tree)
tree=$RS_TREE
interop=$RS_TOP/interop
PY=/usr/bin/python3		# Debian's, which sees python3-paramiko etc.
TMO=${INTEROP_TIMEOUT:-60}
NBYTES_FWD=$((1024 * 1024))
exec </dev/null			# no client may wait for input

for b in ssh sshd sshd-session sshd-auth sftp sftp-server scp ssh-keygen; do
	[ -x "$tree/$b" ] || rs_die "$tree/$b is missing; run make first"
done
[ -x "$PY" ] || rs_die "$PY is missing (apt-get install python3)"
command -v ss >/dev/null || rs_die "ss is missing (apt-get install iproute2)"
rs_ensure_privsep

logs=${INTEROP_LOGS:-${BUILD_DIR:-$RS_TOP/build}/interop-logs}
mkdir -p "$logs"
rm -f "$logs"/*.log		# only our own files: INTEROP_LOGS may be anywhere
user=$(id -un)
home=$(getent passwd "$user" | cut -d: -f6)

work=$(mktemp -d "${TMPDIR:-/tmp}/rs-interop.XXXXXX")
pids=()
declare -A stopped S_PORT S_LOG S_STATE S_VER
# S_STATE[server]: "ok", or why that server's cells are skipped ("skip:...")
# or failed ("fail:..."); S_LOG[server]: its log, copied to $logs at exit.
SSHD_ENV=()		# environment for Debian's sshd (LD_LIBRARY_PATH)
made_run_sshd=
ak_file='' ak_marker='' ak_made_file='' ak_made_dir=''

# --- processes and cleanup ---------------------------------------------------

# Stop one process we started, and the children it forked (sshd sessions,
# dropbear connections); TERM first, KILL after 5 s.
stop_pid() {
	local pid=$1 i
	[ -z "${stopped[$pid]:-}" ] || return 0
	stopped[$pid]=1
	kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
	pkill -TERM -P "$pid" 2>/dev/null || true
	kill -TERM "$pid" 2>/dev/null || true
	for i in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	pkill -KILL -P "$pid" 2>/dev/null || true
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# Undo the fallback for Dropbear: remove exactly our marked line.  If
# nothing else changed meanwhile the saved copy goes back byte for byte
# (same inode, owner and mode); otherwise only our line is taken out.
ak_restore() {
	[ -n "$ak_file" ] || return 0
	if [ -n "$ak_made_file" ]; then
		rm -f "$ak_file"
		[ -z "$ak_made_dir" ] || rmdir "${ak_file%/*}" 2>/dev/null || true
	elif [ -f "$ak_file" ]; then
		grep -vF "$ak_marker" "$ak_file" > "$work/ak.now" || true
		if [ "$(cat "$work/ak.now")" = "$(cat "$work/ak.orig")" ]; then
			cat "$work/ak.orig" > "$ak_file"
		else
			cat "$work/ak.now" > "$ak_file"
		fi
	fi
	ak_file=
}

cleanup() {
	local pid s
	set +e
	for pid in "${pids[@]}"; do
		stop_pid "$pid"
	done
	ak_restore
	# The servers' whole logs, now that they have stopped writing
	for s in "${!S_LOG[@]}"; do
		case $s in
		fork|stock) cp "${S_LOG[$s]}" "$logs/$s-sshd.log" ;;
		*) cp "${S_LOG[$s]}" "$logs/$s-server.log" ;;
		esac
	done 2>/dev/null
	[ -z "$made_run_sshd" ] || rmdir /run/sshd 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

t() { timeout -k 5 "$TMO" "$@"; }	# every client command is bounded

# A free port on 127.0.0.1, chosen by the kernel (never 4242 or 4343).
free_port() {
	"$PY" -c 'import socket
for _ in range(20):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]
    s.close()
    if p not in (4242, 4343):
        print(p); break'
}

# wait_for WHAT PID TEST...: poll TEST every 0.05 s for up to 10 s while
# PID lives.  Returns 1 if PID died first, 2 on timeout.
wait_for() {
	local what=$1 pid=$2 i
	shift 2
	for i in $(seq 1 200); do
		"$@" && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.05
	done
	rs_msg "$what: not ready after 10 s"
	return 2
}
listening() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }
size_of() { stat -c %s "$1" 2>/dev/null || echo 0; }

# --- keys and client configuration ------------------------------------------

mkdir -p "$work/home/.ssh" "$work/xfer" "$work/cells"
chmod 700 "$work/home" "$work/home/.ssh"
export HOME="$work/home"	# PuTTY and dbclient keep state under ~
known=$work/home/.ssh/known_hosts
: > "$known"
cfg=$work/ssh_config
: > "$cfg"
"$tree/ssh-keygen" -q -t ed25519 -N '' -C interop-user -f "$work/id_ed25519"
cp "$work/id_ed25519.pub" "$work/authorized_keys"
head -c $((16 * 1024 * 1024)) /dev/urandom > "$work/payload"
payload_sum=$(rs_sha256 "$work/payload")

# add_server NAME PORT PUBKEYFILE: known_hosts entry and ssh_config Host.
add_server() {
	printf '[127.0.0.1]:%s %s\n' "$2" "$(cut -d' ' -f1,2 "$3")" >> "$known"
	cat >> "$cfg" <<CONF
Host $1
	HostName 127.0.0.1
	Port $2
	User $user
	IdentityFile $work/id_ed25519
	IdentitiesOnly yes
	UserKnownHostsFile $known
	GlobalKnownHostsFile /dev/null
	StrictHostKeyChecking yes
	BatchMode yes
	ConnectTimeout 20
CONF
}

# --- the servers --------------------------------------------------------------

# start_sshd NAME SSHD CONFIG-EXTRA: an sshd on a free port, ready when its
# log says "Server listening"; up to 5 ports are tried.
start_sshd() {
	local name=$1 sshd=$2 extra=$3 dir=$work/$1 port try pid rc
	mkdir -p "$dir"
	"$tree/ssh-keygen" -q -t ed25519 -N '' -C "$name-host" \
	    -f "$dir/host_ed25519"
	for try in 1 2 3 4 5; do
		port=$(free_port)
		cat > "$dir/sshd_config" <<CONF
ListenAddress 127.0.0.1
Port $port
HostKey $dir/host_ed25519
AuthorizedKeysFile $work/authorized_keys
PidFile $dir/sshd.pid
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
$extra
CONF
		: > "$dir/sshd.log"
		env "${SSHD_ENV[@]}" "$sshd" -D -f "$dir/sshd_config" \
		    -E "$dir/sshd.log" \
		    </dev/null >>"$dir/sshd.log" 2>&1 &
		pid=$!
		pids+=("$pid")
		rc=0
		wait_for "$name sshd" "$pid" \
		    grep -q 'Server listening' "$dir/sshd.log" || rc=$?
		if [ "$rc" = 0 ]; then
			S_PORT[$name]=$port S_LOG[$name]=$dir/sshd.log
			S_STATE[$name]=ok
			add_server "$name" "$port" "$dir/host_ed25519.pub"
			rs_msg "$name sshd listening on 127.0.0.1 port $port"
			return 0
		fi
		stop_pid "$pid"
		grep -q 'Address already in use' "$dir/sshd.log" || break
	done
	S_STATE[$name]="fail:$name sshd did not start (see $name-sshd.log)"
	S_LOG[$name]=$dir/sshd.log
	return 1
}

start_fork_sshd() {
	S_VER[fork]=$("$tree/ssh" -V 2>&1 | sed 's/,.*//')
	start_sshd fork "$tree/sshd" "PerSourcePenalties no
SshdSessionPath $tree/sshd-session
SshdAuthPath $tree/sshd-auth
Subsystem sftp $tree/sftp-server
LogLevel DEBUG1" || true
}

# Debian's stock sshd: the openssh-server .deb, downloaded and unpacked in
# the temporary directory, never installed.
start_stock_sshd() {
	local dir=$work/stock-pkg deb missing lib sftp=internal-sftp llp=
	mkdir -p "$dir/debs" "$work/stock"
	if ! (cd "$dir/debs" && t apt-get download openssh-server) \
	    >"$work/stock/fetch.log" 2>&1; then
		S_STATE[stock]="skip:apt-get download openssh-server failed"
		S_LOG[stock]=$work/stock/fetch.log
		return 0
	fi
	deb=$(ls "$dir/debs"/openssh-server_*.deb | head -n 1)
	dpkg -x "$deb" "$dir/root"
	S_VER[stock]="OpenSSH $(dpkg-deb -f "$deb" Version | sed 's/^1://')"
	missing=$(ldd "$dir/root/usr/sbin/sshd" | sed -n 's/^[[:space:]]*\(lib[^ ]*\) => not found.*/\1/p')
	if [ -n "$missing" ]; then
		# libwrap0 is the one Debian 12 may lack: fetch it the same way
		if echo "$missing" | grep -q '^libwrap' &&
		    (cd "$dir/debs" && t apt-get download libwrap0) \
		    >>"$work/stock/fetch.log" 2>&1; then
			dpkg -x "$dir/debs"/libwrap0_*.deb "$dir/root"
		fi
		for lib in "$dir/root/lib/x86_64-linux-gnu" \
		    "$dir/root/usr/lib/x86_64-linux-gnu" \
		    "$dir/root/lib" "$dir/root/usr/lib"; do
			[ -d "$lib" ] && llp=$lib${llp:+:$llp}
		done
		SSHD_ENV=("LD_LIBRARY_PATH=$llp${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}")
		missing=$(env "${SSHD_ENV[@]}" ldd "$dir/root/usr/sbin/sshd" | sed -n 's/^[[:space:]]*\(lib[^ ]*\) => not found.*/\1/p')
		if [ -n "$missing" ]; then
			S_STATE[stock]="skip:stock sshd lacks ${missing//$'\n'/ }"
			S_LOG[stock]=$work/stock/fetch.log
			return 0
		fi
	fi
	if [ ! -d /run/sshd ]; then
		mkdir -m 0755 /run/sshd && made_run_sshd=1
	fi
	[ -x /usr/lib/openssh/sftp-server ] && sftp=/usr/lib/openssh/sftp-server
	start_sshd stock "$dir/root/usr/sbin/sshd" "UsePAM no
Subsystem sftp $sftp
LogLevel VERBOSE" || true
	SSHD_ENV=()
}

# Dropbear reads ~/.ssh/authorized_keys of the user, nothing else.  See the
# header for the two ways this is arranged.
dropbear_home_setup() {
	local dh=$work/dropbear-home
	mkdir -p "$dh/.ssh"
	chmod 700 "$dh" "$dh/.ssh"
	cp "$work/authorized_keys" "$dh/.ssh/authorized_keys"
	chmod 600 "$dh/.ssh/authorized_keys"
	case "$work/" in
	"$home"/*) ;;		# the bind mount would hide $work itself
	*)	if [ "$(id -u)" = 0 ] && [ -d "$home" ] &&
		    [ "${INTEROP_NO_UNSHARE:-}" != 1 ] &&
		    unshare --mount --propagation private \
		    mount --bind "$dh" "$home" 2>/dev/null; then
			DROPBEAR_WRAP=(unshare --mount --propagation private
			    -- /bin/sh -c 'mount --bind "$1" "$2" && shift 2 &&
			    exec "$@"' sh "$dh" "$home")
			DROPBEAR_HOW="private mount namespace, $home bind-mounted from the test directory"
			return 0
		fi ;;
	esac
	ak_marker="resilient-ssh-interop-$$-$RANDOM$RANDOM"
	ak_file=$home/.ssh/authorized_keys
	if [ ! -d "$home/.ssh" ]; then
		mkdir -m 700 "$home/.ssh"
		ak_made_dir=1
	fi
	if [ -e "$ak_file" ]; then
		cp "$ak_file" "$work/ak.orig"
		# a last line without its newline must not swallow ours
		[ ! -s "$ak_file" ] || [ -z "$(tail -c 1 "$ak_file")" ] ||
		    echo >> "$ak_file"
	else
		ak_made_file=1
	fi
	printf '%s %s\n' "$(cut -d' ' -f1,2 "$work/id_ed25519.pub")" \
	    "$ak_marker" >> "$ak_file"
	[ -z "$ak_made_file" ] || chmod 600 "$ak_file"
	DROPBEAR_WRAP=()
	DROPBEAR_HOW="one marked line in $ak_file, removed on exit"
}

start_dropbear() {
	local dir=$work/dropbear port try pid rc
	if ! command -v dropbear >/dev/null; then
		S_STATE[dropbear]="skip:dropbear not installed (dropbear-bin)"
		return 0
	fi
	S_VER[dropbear]=$(dropbear -V 2>&1 | sed -n 's/^Dropbear v\([^ ]*\).*/Dropbear \1/p' | head -n 1)
	mkdir -p "$dir"
	dropbearkey -t ed25519 -f "$dir/host_ed25519" >/dev/null 2>&1
	dropbearkey -y -f "$dir/host_ed25519" | grep '^ssh-' > "$dir/host_ed25519.pub"
	dropbear_home_setup
	for try in 1 2 3 4 5; do
		port=$(free_port)
		: > "$dir/dropbear.log"
		"${DROPBEAR_WRAP[@]}" dropbear -F -E -s -p "127.0.0.1:$port" \
		    -r "$dir/host_ed25519" -P "$dir/dropbear.pid" \
		    </dev/null >>"$dir/dropbear.log" 2>&1 &
		pid=$!
		pids+=("$pid")
		rc=0
		wait_for dropbear "$pid" listening "$port" || rc=$?
		if [ "$rc" = 0 ]; then
			S_PORT[dropbear]=$port S_LOG[dropbear]=$dir/dropbear.log
			S_STATE[dropbear]=ok
			add_server dropbear "$port" "$dir/host_ed25519.pub"
			rs_msg "dropbear listening on 127.0.0.1 port $port ($DROPBEAR_HOW)"
			return 0
		fi
		stop_pid "$pid"
		grep -qi 'in use' "$dir/dropbear.log" || break
	done
	S_STATE[dropbear]="fail:dropbear did not start (see dropbear-server.log)"
	S_LOG[dropbear]=$dir/dropbear.log
}

start_asyncssh_server() {
	local dir=$work/asyncssh pid rc=0
	if ! "$PY" -c 'import asyncssh' 2>/dev/null; then
		S_STATE[asyncssh]="skip:python3-asyncssh not installed"
		return 0
	fi
	S_VER[asyncssh]="asyncssh $("$PY" -W ignore -c 'import asyncssh; print(asyncssh.__version__)')"
	mkdir -p "$dir"
	"$tree/ssh-keygen" -q -t ed25519 -N '' -C asyncssh-host \
	    -f "$dir/host_ed25519"
	"$PY" "$interop/asyncssh_server.py" "$dir/port" "$dir/host_ed25519" \
	    "$work/authorized_keys" 900 </dev/null >"$dir/server.log" 2>&1 &
	pid=$!
	pids+=("$pid")
	wait_for asyncssh-server "$pid" test -s "$dir/port" || rc=$?
	S_LOG[asyncssh]=$dir/server.log
	if [ "$rc" != 0 ]; then
		S_STATE[asyncssh]="fail:asyncssh server did not start (see asyncssh-server.log)"
		return 0
	fi
	S_PORT[asyncssh]=$(cat "$dir/port")
	S_STATE[asyncssh]=ok
	add_server asyncssh "${S_PORT[asyncssh]}" "$dir/host_ed25519.pub"
	rs_msg "asyncssh server listening on 127.0.0.1 port ${S_PORT[asyncssh]}"
}

start_echo_server() {
	local pid rc=0
	"$PY" "$interop/echo_server.py" "$work/echo.port" 900 \
	    </dev/null >"$work/echo.log" 2>&1 &
	pid=$!
	pids+=("$pid")
	wait_for echo-server "$pid" test -s "$work/echo.port" || rc=$?
	[ "$rc" = 0 ] || rs_die "the echo server did not start: $(cat "$work/echo.log")"
	echo_port=$(cat "$work/echo.port")
}

# --- checks shared by the drivers ---------------------------------------------

check_login() {	# check_login STATUS STDOUT
	echo "check: exit status $1, stdout '$2' (want 0, 'login-ok')"
	[ "$1" = 0 ] && [ "$2" = login-ok ]
}

check_exec() {	# check_exec STATUS STDOUT MARK
	echo "check: exit status $1, stdout '$2' (want 3, '$3')"
	[ "$1" = 3 ] && [ "$2" = "$3" ]
}

check_xfer() {	# check_xfer REMOTE BACK: both copies equal the payload
	local up back ok=0
	up=$(rs_sha256 "$1" 2>/dev/null || echo missing)
	back=$(rs_sha256 "$2" 2>/dev/null || echo missing)
	echo "check: sent       sha256 $payload_sum"
	echo "check: uploaded   sha256 $up"
	echo "check: downloaded sha256 $back"
	[ "$up" = "$payload_sum" ] && [ "$back" = "$payload_sum" ] || ok=1
	rm -f "$1" "$2"
	return $ok
}

mark() { echo "m$RANDOM$RANDOM"; }

# fwd_through PID PORT: data through a -L listener at PORT of the client
# PID, then stop that client.
fwd_through() {
	local pid=$1 port=$2 rc=0
	t "$PY" "$interop/fwd_check.py" "$port" "$NBYTES_FWD" 20 || rc=$?
	stop_pid "$pid"
	return $rc
}

# --- drivers: one function per client and operation -----------------------
# Globals for the current row: HOST (ssh_config alias), PORT, XR/XB (the
# remote and returned paths of a transfer).  Each returns 0 (pass), 77
# (skip, reason on stdout) or anything else (fail).

# OpenSSH clients, stock or the fork's: C_SSH, C_SFTP, C_SCP, C_OPTS.
openssh_login() {
	local out rc=0
	out=$(t "$C_SSH" -F "$cfg" -v "${C_OPTS[@]}" "$HOST" 'echo login-ok') || rc=$?
	check_login "$rc" "$out"
}
openssh_exec() {
	local out rc=0 m
	m=$(mark)
	out=$(t "$C_SSH" -F "$cfg" -v "${C_OPTS[@]}" "$HOST" "echo $m; exit 3") || rc=$?
	check_exec "$rc" "$out" "$m"
}
openssh_sftp() {
	if [ "$HOST" = dropbear ] && [ ! -x /usr/lib/sftp-server ]; then
		echo "SKIP: no /usr/lib/sftp-server for dropbear (openssh-sftp-server)"
		return 77
	fi
	printf 'put %s %s\nget %s %s\n' "$work/payload" "$XR" "$XR" "$XB" \
	    > "$work/sftp.batch"
	t "$C_SFTP" -F "$cfg" -v -S "$C_SSH" "${C_OPTS[@]}" \
	    -b "$work/sftp.batch" "$HOST" || return 1
	check_xfer "$XR" "$XB"
}
openssh_scp() {
	t "$C_SCP" -O -F "$cfg" -v -S "$C_SSH" "${C_OPTS[@]}" \
	    "$work/payload" "$HOST:$XR" || return 1
	t "$C_SCP" -O -F "$cfg" -v -S "$C_SSH" "${C_OPTS[@]}" \
	    "$HOST:$XR" "$XB" || return 1
	check_xfer "$XR" "$XB"
}
openssh_fwd() {
	local lp
	lp=$(free_port)
	t "$C_SSH" -F "$cfg" -v "${C_OPTS[@]}" -N -o ExitOnForwardFailure=yes \
	    -L "127.0.0.1:$lp:127.0.0.1:$echo_port" "$HOST" &
	pids+=("$!")
	fwd_through "$!" "$lp"
}
# The sftp transfer through a relay that cuts the connection mid-upload
# and mid-download; the fork's ssh must resume the session each time.
openssh_reconnect() {
	local rp i rc=0 relay=(python3 "$RS_TOP/regress/resilient-relay.py")
	local ctl=$work/relay.ctl
	rp=$(free_port)
	rm -f "$work/relay.pid"
	"${relay[@]}" --listen "127.0.0.1:$rp" --to "127.0.0.1:$PORT" \
	    --control "$ctl" --pidfile "$work/relay.pid" &
	local rpid=$!
	pids+=("$rpid")
	for i in $(seq 1 100); do
		[ -f "$work/relay.pid" ] && break
		sleep 0.05
	done
	[ -f "$work/relay.pid" ] || { echo "relay did not start"; return 1; }
	# sftp_cut DIR OUT BATCH-LINE: one sftp batch, the relay cutting once
	# 4 MiB into direction DIR; the relay's answer goes to OUT
	sftp_cut() {
		"${relay[@]}" --control "$ctl" --cmd up >/dev/null
		"${relay[@]}" --control "$ctl" \
		    --cmd "cut-after 4194304 $TMO $1" > "$2" &
		local c=$!
		printf '%s\n' "$3" > "$work/sftp.batch"
		t "$C_SFTP" -F "$cfg" -v -S "$C_SSH" -o Port="$rp" \
		    -o HostKeyAlias="[127.0.0.1]:$PORT" "${C_OPTS[@]}" \
		    -b "$work/sftp.batch" "$HOST" || rc=1
		wait "$c" || true
	}
	sftp_cut c2s "$work/cut1" "put $work/payload $XR"
	sftp_cut s2c "$work/cut2" "get $XR $XB"
	kill "$rpid" 2>/dev/null
	echo "relay: upload cut: $(cat "$work/cut1"); download cut: $(cat "$work/cut2")"
	[ "$rc" = 0 ] || return 1
	[ "$(cat "$work/cut1")" = "ok 1" ] && [ "$(cat "$work/cut2")" = "ok 1" ] ||
	    { echo "WRONG: a cut did not happen"; return 1; }
	grep -c 'resumed after' "$work/cells/$CUR_ROW.reconnect.client" ||
	    { echo "WRONG: ssh did not say it resumed"; return 1; }
	check_xfer "$XR" "$XB"
}

# The fork's client, silent: no -v, nothing at all on stderr.  Upstream's
# own warning about a key exchange that is not post-quantum (OpenSSH 10.1
# and later), which Dropbear 2022.83 and asyncssh 2.10 draw, is not ours.
openssh_quiet() {
	t "$C_SSH" -F "$cfg" -o WarnWeakCrypto=no "${C_OPTS[@]}" "$HOST" \
	    true 2>&1
}

# Dropbear's dbclient; OpenSSH's sftp and scp over it for the transfers.
# dbclient 2022.83 looks host keys up by host name alone, ignoring the
# port, so it has a home of its own with only the fork's key for 127.0.0.1.
db() {
	HOME=$work/dbclient-home t dbclient -i "$work/id_ed25519.db" \
	    -p "$PORT" -l "$user" "$@"
}
dbwrap() {	# dbwrap sftp|scp ARGS...: with dbclient as the transport
	HOME=$work/dbclient-home DBCLIENT_KEY=$work/id_ed25519.db t "$@"
}
dropbear_login() {
	local out rc=0
	out=$(db 127.0.0.1 'echo login-ok') || rc=$?
	check_login "$rc" "$out"
}
dropbear_exec() {
	local out rc=0 m
	m=$(mark)
	out=$(db 127.0.0.1 "echo $m; exit 3") || rc=$?
	check_exec "$rc" "$out" "$m"
}
dropbear_sftp() {
	echo "OpenSSH's sftp with dbclient as its transport (-S)"
	printf 'put %s %s\nget %s %s\n' "$work/payload" "$XR" "$XR" "$XB" \
	    > "$work/sftp.batch"
	dbwrap /usr/bin/sftp -S "$interop/dbclient-wrapper.sh" -P "$PORT" \
	    -b "$work/sftp.batch" "$user@127.0.0.1" || return 1
	check_xfer "$XR" "$XB"
}
dropbear_scp() {
	echo "OpenSSH's scp -O with dbclient as its transport (-S)"
	dbwrap /usr/bin/scp -O -S "$interop/dbclient-wrapper.sh" -P "$PORT" \
	    "$work/payload" "$user@127.0.0.1:$XR" || return 1
	dbwrap /usr/bin/scp -O -S "$interop/dbclient-wrapper.sh" -P "$PORT" \
	    "$user@127.0.0.1:$XR" "$XB" || return 1
	check_xfer "$XR" "$XB"
}
dropbear_fwd() {
	local lp
	lp=$(free_port)
	db -N -L "127.0.0.1:$lp:127.0.0.1:$echo_port" 127.0.0.1 &
	pids+=("$!")
	fwd_through "$!" "$lp"
}

# PuTTY: plink, psftp, pscp; the host key is pinned by fingerprint.
putty_opts() {
	PT=(-batch -noagent -v -i "$work/id_ed25519.ppk" -P "$PORT"
	    -l "$user" -hostkey "$FP")
}
putty_login() {
	local out rc=0
	putty_opts
	out=$(t plink -ssh "${PT[@]}" 127.0.0.1 'echo login-ok') || rc=$?
	check_login "$rc" "$out"
}
putty_exec() {
	local out rc=0 m
	putty_opts
	m=$(mark)
	out=$(t plink -ssh "${PT[@]}" 127.0.0.1 "echo $m; exit 3") || rc=$?
	check_exec "$rc" "$out" "$m"
}
putty_sftp() {
	putty_opts
	printf 'put %s %s\nget %s %s\n' "$work/payload" "$XR" "$XR" "$XB" \
	    > "$work/sftp.batch"
	t psftp "${PT[@]}" -b "$work/sftp.batch" 127.0.0.1 || return 1
	check_xfer "$XR" "$XB"
}
putty_scp() {
	putty_opts
	t pscp -scp "${PT[@]}" "$work/payload" "127.0.0.1:$XR" || return 1
	t pscp -scp "${PT[@]}" "127.0.0.1:$XR" "$XB" || return 1
	check_xfer "$XR" "$XB"
}
putty_fwd() {
	local lp
	putty_opts
	lp=$(free_port)
	t plink -ssh "${PT[@]}" -N -L "127.0.0.1:$lp:127.0.0.1:$echo_port" \
	    127.0.0.1 &
	pids+=("$!")
	fwd_through "$!" "$lp"
}

# paramiko, asyncssh, libssh: helper programs in interop/ with one
# interface: PORT USER KEY KNOWN_HOSTS OP [ARGS...].
helper() { t "${HELPER[@]}" "$PORT" "$user" "$work/id_ed25519" "$known" "$@"; }
helper_login() { helper login; }
helper_exec() { helper exec "$(mark)"; }
helper_sftp() {
	helper sftp "$work/payload" "$XR" "$XB" || return $?
	check_xfer "$XR" "$XB"
}
helper_scp() {
	helper scp "$work/payload" "$XR" "$XB" || return $?
	check_xfer "$XR" "$XB"
}
helper_fwd() { helper fwd "$echo_port" "$NBYTES_FWD"; }

# --- the matrix ----------------------------------------------------------------

OPS=(login exec sftp scp fwd-L)
COLS=(login exec sftp scp fwd-L resilient reconnect)
ROWS=()
declare -A CELL LABEL
npass=0 nfail=0 nskip=0
failures=()

setcell() {	# setcell ROW COL pass|FAIL|skip|- [REASON]
	case "$3" in
	pass) CELL[$1,$2]=pass; npass=$((npass + 1)) ;;
	FAIL) CELL[$1,$2]=FAIL; nfail=$((nfail + 1))
	      failures+=("${LABEL[$1]}: $2 (log: $logs/$1.$2.log)") ;;
	skip) CELL[$1,$2]="skip($4)"; nskip=$((nskip + 1)) ;;
	-)    CELL[$1,$2]=- ;;
	esac
}

# run_cell ROW COL FUNC: run FUNC, the client's output and the slice of the
# server's log written meanwhile go to the cell's log.
run_cell() {
	local row=$1 col=$2 fn=$3 rc=0 mark t0
	local cli=$work/cells/$row.$col.client srv=$work/cells/$row.$col.server
	XR=$work/xfer/$row.$col.remote XB=$work/xfer/$row.$col.back
	mark=$(size_of "$SRVLOG")
	t0=$(date +%s%N)
	"$fn" </dev/null >"$cli" 2>&1 || rc=$?
	t0=$((($(date +%s%N) - t0) / 1000000))
	tail -c +$((mark + 1)) "$SRVLOG" > "$srv" 2>/dev/null || : > "$srv"
	{
		echo "== ${LABEL[$row]}: $col (exit status $rc, $t0 ms)"
		echo "== client side"
		cat "$cli"
		echo "== server log ($SRVLOG, written during this cell)"
		cat "$srv"
	} > "$logs/$row.$col.log"
	case $rc in
	0)  setcell "$row" "$col" pass ;;
	77) setcell "$row" "$col" skip \
	        "$(sed -n 's/^SKIP: //p' "$cli" | tail -n 1)" ;;
	*)  setcell "$row" "$col" FAIL ;;
	esac
}

# check_log FILE WANT: negotiated | unsupported | absent
check_log() {
	local f=$1 want=$2 yes=0 no=0
	grep -q 'resilient sessions negotiated' "$f" && yes=1
	grep -q 'resilient sessions not supported by peer' "$f" && no=1
	case $want in
	negotiated)  [ $yes = 1 ] && [ $no = 0 ] ;;
	unsupported) [ $no = 1 ] && [ $yes = 0 ] ;;
	absent)      [ $yes = 0 ] && [ $no = 0 ] ;;
	esac
}

# The resilient column: every connection of the row that worked logged the
# expected outcome on the fork's side(s), nothing about the extension
# appeared above debug level, and the fork's client run without -v printed
# nothing at all.
resilient_cell() {
	local row=$1 col f side want n=0 bad=0
	for col in "${OPS[@]}"; do
		[ "${CELL[$row,$col]}" = pass ] || continue
		for side in client server; do
			want=$R_CLI
			[ $side = server ] && want=$R_SRV
			[ "$want" = - ] && continue
			f=$work/cells/$row.$col.$side
			n=$((n + 1))
			if check_log "$f" "$want"; then
				echo "ok: $col, $side side: $want"
			else
				echo "WRONG: $col, $side side: want $want, found:"
				grep 'resilient sessions' "$f" || echo "(no such line)"
				bad=1
			fi
			if grep -E 'resilient sessions|resilient: |resilient_[a-z_]*: ' \
			    "$f" | grep -v 'debug[0-9]'; then
				echo "WRONG: $col, $side side: the lines above are not debug output"
				bad=1
			fi
		done
	done
	if [ "${CELL[$row,login]}" != pass ]; then
		echo "WRONG: login failed, so the outcome cannot be checked"
		bad=1
	elif [ "$n" = 0 ]; then
		echo "WRONG: no log of the fork to check"
		bad=1
	fi
	if [ "$R_QUIET" = yes ]; then
		local out rc=0
		out=$(openssh_quiet) || rc=$?
		if [ "$rc" = 0 ] && [ -z "$out" ]; then
			echo "ok: the fork's ssh without -v: status 0, no output"
		else
			echo "WRONG: the fork's ssh without -v: status $rc, output:"
			echo "$out"
			bad=1
		fi
	fi
	return $bad
}

# run_row ID LABEL DRIVER SERVER CLIENT-WANT SERVER-WANT QUIET RECONNECT
#   [SKIP-REASON]: one row.  DRIVER is openssh, dropbear, putty or helper;
#   CLIENT-WANT and SERVER-WANT are what the fork's log must say on that
#   side (negotiated, unsupported, absent, or - for a foreign side).
run_row() {
	local row=$1 driver=$3 srv=$4 col op reason=${9:-} state
	ROWS+=("$row")
	LABEL[$row]=$2
	R_CLI=$5 R_SRV=$6 R_QUIET=$7
	state=${S_STATE[$srv]:-skip:no such server}
	HOST=$srv PORT=${S_PORT[$srv]:-0} SRVLOG=${S_LOG[$srv]:-/dev/null}
	for op in "${OPS[@]}"; do
		if [ -n "$reason" ]; then
			setcell "$row" "$op" skip "$reason"
		elif [ "$state" != ok ]; then
			case $state in
			skip:*) setcell "$row" "$op" skip "${state#skip:}" ;;
			*)	echo "${state#fail:}" > "$logs/$row.$op.log"
				setcell "$row" "$op" FAIL ;;
			esac
		else
			run_cell "$row" "$op" "${driver}_${op%-L}"
		fi
	done
	if [ -n "$reason" ]; then
		setcell "$row" resilient skip "$reason"
	elif [ "$state" != ok ]; then
		case $state in
		skip:*) setcell "$row" resilient skip "${state#skip:}" ;;
		*)	echo "${state#fail:}" > "$logs/$row.resilient.log"
			setcell "$row" resilient FAIL ;;
		esac
	elif resilient_cell "$row" > "$logs/$row.resilient.log" 2>&1; then
		setcell "$row" resilient pass
	else
		setcell "$row" resilient FAIL
	fi
	case $8 in
	-)  setcell "$row" reconnect - ;;
	run) if [ "$state" = ok ]; then
		CUR_ROW=$row run_cell "$row" reconnect openssh_reconnect
	    else
		setcell "$row" reconnect skip "${state#skip:}"
	    fi ;;
	*)  setcell "$row" reconnect skip "$8" ;;
	esac
	printf '  %-44s %s\n' "$2" "$(for c in "${COLS[@]}"; do
	    printf '%s ' "${CELL[$row,$c]%%(*}"; done)" >&2
}

print_table() {
	local w0=14 c row line
	declare -A w
	for row in "${ROWS[@]}"; do
		[ ${#LABEL[$row]} -gt $w0 ] && w0=${#LABEL[$row]}
	done
	for c in "${COLS[@]}"; do
		w[$c]=${#c}
		for row in "${ROWS[@]}"; do
			[ ${#CELL[$row,$c]} -gt ${w[$c]} ] && w[$c]=${#CELL[$row,$c]}
		done
	done
	line=$(printf '%-*s' "$w0" "client -> server")
	for c in "${COLS[@]}"; do line+=$(printf '  %-*s' "${w[$c]}" "$c"); done
	echo "${line%"${line##*[! ]}"}"
	echo "$line" | tr -c '\n' '-'
	for row in "${ROWS[@]}"; do
		line=$(printf '%-*s' "$w0" "${LABEL[$row]}")
		for c in "${COLS[@]}"; do
			line+=$(printf '  %-*s' "${w[$c]}" "${CELL[$row,$c]}")
		done
		echo "${line%"${line##*[! ]}"}"
	done
}

# --- main -----------------------------------------------------------------------

rs_msg "temporary directory $work, logs in $logs"
start_echo_server
start_fork_sshd
start_stock_sshd
start_dropbear
start_asyncssh_server

# Clients' versions and what each needs.
r_stock='' r_db='' r_putty='' r_para='' r_async='' r_libssh=''
if [ -x /usr/bin/ssh ] && [ -x /usr/bin/sftp ] && [ -x /usr/bin/scp ]; then
	stock_ver=$(/usr/bin/ssh -V 2>&1 | sed -n 's/^OpenSSH_\([^ ,]*\).*/OpenSSH \1/p')
else
	stock_ver=OpenSSH r_stock="openssh-client not installed"
fi
if command -v dbclient >/dev/null && command -v dropbearconvert >/dev/null; then
	db_ver=$(dbclient -V 2>&1 | sed -n 's/^Dropbear v\([^ ]*\).*/Dropbear \1/p' | head -n 1)
	dropbearconvert openssh dropbear "$work/id_ed25519" \
	    "$work/id_ed25519.db" >"$logs/dropbearconvert.log" 2>&1 ||
	    r_db="dropbearconvert failed"
	mkdir -p "$work/dbclient-home/.ssh"
	chmod 700 "$work/dbclient-home" "$work/dbclient-home/.ssh"
	[ -f "$work/fork/host_ed25519.pub" ] &&
	    printf '127.0.0.1 %s\n' "$(cut -d' ' -f1,2 "$work/fork/host_ed25519.pub")" \
	    > "$work/dbclient-home/.ssh/known_hosts"
else
	db_ver=Dropbear r_db="dbclient not installed (dropbear-bin)"
fi
[ -n "$r_stock" ] && [ -z "$r_db" ] && r_db="needs OpenSSH's sftp and scp"
if command -v plink >/dev/null && command -v psftp >/dev/null &&
    command -v pscp >/dev/null && command -v puttygen >/dev/null; then
	putty_ver=$(plink -V 2>&1 | sed -n 's/.*Release \([^ ]*\).*/PuTTY \1/p')
	puttygen "$work/id_ed25519" -O private -o "$work/id_ed25519.ppk" \
	    >"$logs/puttygen.log" 2>&1 || r_putty="puttygen cannot convert the key"
else
	putty_ver=PuTTY r_putty="putty-tools not installed"
fi
FP=$("$tree/ssh-keygen" -lf "$work/fork/host_ed25519.pub" | cut -d' ' -f2) ||
    r_putty="no host key of the fork's sshd"
if "$PY" -c 'import paramiko' 2>/dev/null; then
	para_ver="paramiko $("$PY" -W ignore -c 'import paramiko; print(paramiko.__version__)')"
else
	para_ver=paramiko r_para="python3-paramiko not installed"
fi
if "$PY" -c 'import asyncssh' 2>/dev/null; then
	async_ver="asyncssh $("$PY" -W ignore -c 'import asyncssh; print(asyncssh.__version__)')"
else
	async_ver=asyncssh r_async="python3-asyncssh not installed"
fi
libssh_ver="libssh $(pkg-config --modversion libssh 2>/dev/null || echo '?')"
if ! command -v cc >/dev/null; then
	r_libssh="no C compiler"
elif ! cc -O2 -Wall -Wno-deprecated-declarations \
    -o "$work/libssh_client" "$interop/libssh_client.c" -lssh \
    >"$logs/libssh-build.log" 2>&1; then
	r_libssh="libssh-dev missing or build failed"
fi

fork=${S_VER[fork]:-fork}
rs_msg "running the matrix (cells: ${COLS[*]})"

C_SSH=/usr/bin/ssh C_SFTP=/usr/bin/sftp C_SCP=/usr/bin/scp C_OPTS=()
run_row stock-fork "$stock_ver ssh/sftp/scp -> fork sshd" openssh fork \
    - unsupported no - "$r_stock"
run_row dropbear-fork "$db_ver dbclient -> fork sshd" dropbear fork \
    - unsupported no - "$r_db"
run_row putty-fork "$putty_ver plink/psftp/pscp -> fork sshd" putty fork \
    - unsupported no - "$r_putty"
HELPER=("$PY" -W ignore "$interop/paramiko_client.py")
run_row paramiko-fork "$para_ver -> fork sshd" helper fork \
    - unsupported no - "$r_para"
HELPER=("$PY" -W ignore "$interop/asyncssh_client.py")
run_row asyncssh-fork "$async_ver -> fork sshd" helper fork \
    - unsupported no - "$r_async"
HELPER=("$work/libssh_client")
run_row libssh-fork "$libssh_ver C client -> fork sshd" helper fork \
    - unsupported no - "$r_libssh"

C_SSH=$tree/ssh C_SFTP=$tree/sftp C_SCP=$tree/scp C_OPTS=()
run_row fork-stock "fork ssh/sftp/scp -> ${S_VER[stock]:-OpenSSH} sshd" \
    openssh stock unsupported - yes -
run_row fork-dropbear "fork ssh/sftp/scp -> ${S_VER[dropbear]:-Dropbear} dropbear" \
    openssh dropbear unsupported - yes -
run_row fork-asyncssh "fork ssh/sftp/scp -> ${S_VER[asyncssh]:-asyncssh} server" \
    openssh asyncssh unsupported - yes -
run_row fork-fork "fork ssh/sftp/scp -> fork sshd" openssh fork \
    negotiated negotiated yes run
C_OPTS=(-o ResilientSessions=no)
run_row fork-nores "fork (ResilientSessions=no) -> fork sshd" openssh fork \
    absent unsupported yes -

echo
echo "interop matrix: $fork against Debian 12's SSH implementations"
print_table
echo
echo "dropbear's authorized_keys: ${DROPBEAR_HOW:-not used}"
if [ ${#failures[@]} -gt 0 ]; then
	echo "failed cells:"
	printf '  %s\n' "${failures[@]}"
fi
echo "logs: $logs"
echo "runtime: ${SECONDS}s"
echo "$npass passed, $nfail failed, $nskip skipped"
[ "$nfail" = 0 ]
