#!/usr/bin/env bash
#
# Install the packages of "make deb" into a new Debian 12 and use them as
# an admin would: a system with Debian's openssh-server swaps it for the
# fork and back, keeping its configuration and host keys.
#
# Usage: deb-test.sh (as root; make check-deb builds the packages first)
# Environment: BUILD_DIR (default build/).  Everything goes to
# $BUILD_DIR/deb-test/ (logs kept, the Debian tree removed at the end);
# debootstrap's download is cached in $BUILD_DIR/deb-cache/ for the next
# run.  DEB_TEST_KEEP=1 keeps the Debian tree for a look afterwards.
#
# Steps, each timed:
#   1. debootstrap a minimal Debian 12 from the Debian archive of this
#      machine's own apt sources (scripts/derive-apt-sources.sh), then
#      install Debian's openssh-server in it with apt;
#   2. apt-get install ./resilient-ssh-*.deb: Debian's openssh-* go, the
#      host keys, sshd_config and PAM file must be the same afterwards;
#   3. start the packaged sshd as its ssh.service does (RuntimeDirectory,
#      ExecStartPre, ExecStart with the EnvironmentFile's $SSHD_OPTS,
#      Type=notify: wait for READY=1), in a network namespace of the
#      test's own where it listens on port 22 of the namespace's loopback;
#   4. log in with a key and with a password through PAM (a wrong one is
#      refused), run sftp, and sshd -i as ssh@.service does;
#   5. resume a session whose connection resilient-relay.py cuts, and
#      check that its output arrived whole;
#   6. apt-get install openssh-server openssh-client openssh-sftp-server:
#      ours go, the same files and keys stay, and Debian's sshd, started
#      as its unit does, takes a key and a password login;
#   7. with Debian's packages purged, ours lay a configuration, PAM file
#      and host keys of their own, and going back replaces them with
#      Debian's without a question (apt's standard input is /dev/null).
# Ends with "N passed, N failed, N skipped"; skips, saying why, without
# root, debootstrap or a reachable Debian archive.

set -eu
RS_PROG=deb-test
. "$(dirname "$0")/lib.sh"

# The Debian release to test in (DEB_TEST_SUITE): bookworm, or trixie for
# packages built on Debian 13
SUITE=${DEB_TEST_SUITE:-bookworm}
W=${BUILD_DIR:-$RS_TOP/build}/deb-test
CACHE=${BUILD_DIR:-$RS_TOP/build}/deb-cache
DEBS=${BUILD_DIR:-$RS_TOP/build}/deb
ROOT=$W/root
LOGS=$W/logs
NS=rsdeb$$
RELAY_PORT=2022
USER_NAME=rsuser
# Libraries the packages need, in the cached tree, so that installing
# them needs no download
INCLUDE=adduser,procps,libpam-runtime,libkrb5-3,libgssapi-krb5-2,libedit2,libfido2-1,libselinux1,libaudit1,zlib1g,libcrypt1,libbsd0
case "$SUITE" in
bookworm) INCLUDE=$INCLUDE,libssl3 ;;
*) INCLUDE=$INCLUDE,libssl3t64 ;;	# trixie's 64-bit time_t rename
esac

pass=0 fail=0 skip=0
t0=$(date +%s)

result() {	# result pass|fail|skip NAME [DETAIL]
	case "$1" in
	pass) pass=$((pass + 1)); printf '  PASS  %s %s\n' "$2" "${3:-}" ;;
	fail) fail=$((fail + 1)); printf '  FAIL  %s %s\n' "$2" "${3:-}" ;;
	skip) skip=$((skip + 1)); printf '  SKIP  %s %s\n' "$2" "${3:-}" ;;
	esac
}

summary() {
	echo "deb-test: $(( $(date +%s) - t0 )) s in all"
	echo "$pass passed, $fail failed, $skip skipped"
	[ "$fail" = 0 ]
}

skip_all() {
	result skip deb-test "($*)"
	summary
	exit 0
}

# check NAME COMMAND...: one result, timed, the command's output in a
# log.  COMMAND runs in a subshell of its own with set -e in force (it
# would be off in the caller's "||"), so its first failure ends it; what
# it leaves running is found again through pid files.
check() {
	local name=$1 start rc=0
	shift
	start=$(date +%s)
	( set -e; "$@" ) >"$LOGS/$name.log" 2>&1 &
	wait $! || rc=$?
	if [ "$rc" = 0 ]; then
		result pass "$name" "($(( $(date +%s) - start )) s)"
	else
		result fail "$name" "(exit $rc, $(( $(date +%s) - start )) s, log: $LOGS/$name.log)"
		tail -n 15 "$LOGS/$name.log" | sed 's/^/        | /'
	fi
	return "$rc"
}

# --- what the test needs -----------------------------------------------------
[ "$(id -u)" = 0 ] || skip_all "needs root for debootstrap, chroot and a network namespace"
for tool in debootstrap chroot ip python3 curl mountpoint; do
	command -v "$tool" >/dev/null ||
	    skip_all "no $tool (make deps installs what the test needs)"
done
ip netns add "$NS" 2>/dev/null ||
    skip_all "cannot create a network namespace here"
ip netns del "$NS"
debs=$(ls "$DEBS"/resilient-ssh-*.deb 2>/dev/null) ||
    rs_die "no packages in $DEBS: run make deb first"

# The first Debian archive of this machine's apt sources that has $SUITE
mirror=
keyring=
while read -r _ opts uri _; do
	case "$opts" in
	'[signed-by='*) keyring=${opts#\[signed-by=}; keyring=${keyring%]} ;;
	*) uri=$opts; keyring= ;;
	esac
	if curl -fsSI --connect-timeout 10 --max-time 20 \
	    "$uri/dists/$SUITE/Release" >/dev/null 2>&1; then
		mirror=$uri
		break
	fi
done < <("$RS_TOP/scripts/derive-apt-sources.sh" "$SUITE")
[ -n "$mirror" ] ||
    skip_all "no Debian archive with $SUITE is reachable through this machine's apt sources"

# --- set up and tear down ----------------------------------------------------
cleanup() {
	local p n
	# every process in our namespace, then any other left in the tree
	for n in 1 2 3; do
		p=$(ip netns pids "$NS" 2>/dev/null || true)
		[ -n "$p" ] || break
		kill $p 2>/dev/null || true
		sleep 0.5
	done
	p=$(ip netns pids "$NS" 2>/dev/null || true)
	[ -z "$p" ] || kill -9 $p 2>/dev/null || true
	ip netns del "$NS" 2>/dev/null || true
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/root" 2>/dev/null)" = "$ROOT" ] &&
		    kill -9 "${p#/proc/}" 2>/dev/null || true
	done
	for m in "$ROOT/dev/pts" "$ROOT/dev" "$ROOT/proc"; do
		if mountpoint -q "$m" 2>/dev/null; then
			umount "$m" 2>/dev/null || umount -l "$m" || true
		fi
	done
}

# remove_root: the Debian tree, never through a mount
remove_root() {
	local m
	for m in "$ROOT/dev/pts" "$ROOT/dev" "$ROOT/proc"; do
		if mountpoint -q "$m" 2>/dev/null; then
			rs_msg "$m is still mounted; $ROOT left in place"
			return 0
		fi
	done
	rm -rf --one-file-system "$ROOT"
}
trap 'cleanup' EXIT
trap 'exit 1' INT TERM

echo "== deb (the packages in a new Debian $SUITE: install, log in, resume, go back)"
cleanup
remove_root
rm -rf "$W"
mkdir -p "$LOGS" "$CACHE"

# in_root COMMAND...: run in the tree, in the test's namespace
in_root() {
	ip netns exec "$NS" chroot "$ROOT" /usr/bin/env -i \
	    PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"
}

# apt_root ARGS...: apt-get in the tree (with this machine's network),
# never asking; a conffile question ends it with an error
apt_root() {
	chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	    HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
	    apt-get -y -q -o Dpkg::Use-Pty=0 "$@" </dev/null
}

# --- 1. a new Debian with Debian's openssh-server ---------------------------
bootstrap() {
	local tarball="$CACHE/$SUITE-minbase.tar" kr=()
	[ -n "$keyring" ] && kr=(--keyring="$keyring")
	if [ ! -f "$tarball" ]; then
		echo "downloading into $tarball from $mirror"
		debootstrap --variant=minbase --include="$INCLUDE" \
		    "${kr[@]}" --make-tarball="$tarball.part" \
		    "$SUITE" "$W/tarball-work" "$mirror"
		mv "$tarball.part" "$tarball"
		rm -rf --one-file-system "$W/tarball-work"
	fi
	debootstrap --variant=minbase --include="$INCLUDE" "${kr[@]}" \
	    --unpack-tarball="$tarball" "$SUITE" "$ROOT" "$mirror"
	mount -t proc proc "$ROOT/proc"
	mount --bind /dev "$ROOT/dev"
	# no service of the tree starts on this machine
	printf '#!/bin/sh\nexit 101\n' > "$ROOT/usr/sbin/policy-rc.d"
	chmod 0755 "$ROOT/usr/sbin/policy-rc.d"
	cp /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true
	apt_root update
	apt_root install --no-install-recommends openssh-server
	chroot "$ROOT" dpkg-query -W openssh-server openssh-client openssh-sftp-server
}
if ! check debootstrap bootstrap; then
	summary
	exit 1
fi

# The files an admin's system has; they must not change.
KEPT="etc/ssh/sshd_config etc/ssh/ssh_config etc/pam.d/sshd etc/ssh/moduli
etc/ssh/ssh_host_rsa_key etc/ssh/ssh_host_ecdsa_key etc/ssh/ssh_host_ed25519_key"
(cd "$ROOT" && sha256sum $KEPT) > "$W/kept.sha256"

ip netns add "$NS"
ip -n "$NS" link set lo up

# A user with a password and a key, and the client's known host
pw=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
in_root useradd -m -s /bin/sh "$USER_NAME"
echo "$USER_NAME:$pw" | in_root chpasswd
in_root mkdir -p -m 0700 /root/.ssh "/home/$USER_NAME/.ssh"
in_root ssh-keygen -q -t ed25519 -N '' -f /root/.ssh/id_ed25519
cp "$ROOT/root/.ssh/id_ed25519.pub" "$ROOT/home/$USER_NAME/.ssh/authorized_keys"
in_root chown -R "$USER_NAME:" "/home/$USER_NAME/.ssh"
hostkey=$(cut -d' ' -f1,2 "$ROOT/etc/ssh/ssh_host_ed25519_key.pub")
printf '127.0.0.1 %s\n[127.0.0.1]:%s %s\n' "$hostkey" "$RELAY_PORT" \
    "$hostkey" > "$ROOT/root/.ssh/known_hosts"
printf '#!/bin/sh\necho %s\n' "$pw" > "$ROOT/root/askpass"
printf '#!/bin/sh\necho wrong-%s\n' "$pw" > "$ROOT/root/askpass-wrong"
chmod 0700 "$ROOT/root/askpass" "$ROOT/root/askpass-wrong"
uid=$(in_root id -u "$USER_NAME")

# --- 2. swap in the fork -----------------------------------------------------
unchanged() {	# the admin's files and keys are as they were
	(cd "$ROOT" && sha256sum -c --quiet "$W/kept.sha256")
}

# swapped IN OUT: IN-client, IN-server and IN-sftp-server are installed
# in the Debian tree, and none of OUT-client, ... is
swapped() {
	local p
	chroot "$ROOT" dpkg-query -W -f '${Package} ${db:Status-Abbrev}\n' \
	    "$1"-client "$1"-server "$1"-sftp-server \
	    "$2"-client "$2"-server "$2"-sftp-server 2>/dev/null |
	    tee "$W/status" || true
	for p in client server sftp-server; do
		grep -q "^$1-$p ii" "$W/status" ||
		    { echo "$1-$p is not installed"; return 1; }
		! grep -q "^$2-$p ii" "$W/status" ||
		    { echo "$2-$p is still installed"; return 1; }
	done
}

install_fork() {
	mkdir -p "$ROOT/tmp/debs"
	cp $debs "$ROOT/tmp/debs/"
	# shellcheck disable=SC2046
	apt_root install --no-install-recommends \
	    $(cd "$ROOT/tmp/debs" && ls -- *.deb | sed 's|^|/tmp/debs/|')
	swapped resilient-ssh openssh
	v=$(in_root ssh -V 2>&1)
	echo "$v"
	case "$v" in *resilient*) ;; *) return 1 ;; esac
	unchanged
	echo "host keys, sshd_config, ssh_config, PAM file, moduli: unchanged"
}
check install-fork install_fork || true

# --- 3. sshd as ssh.service starts it ----------------------------------------

# unit_key FILE KEY: the values of KEY= in a unit file, one a line
unit_key() { sed -n "s/^$2=//p" "$1"; }

# start_unit: the packaged ssh.service's steps, in our namespace; done
# once sshd has told READY=1 on its NOTIFY_SOCKET; its pid in $W/sshd.pid
start_unit() {
	local unit opts envf rd mode pre cmd notify=/run/rs-test-notify
	unit=$(ls "$ROOT"/lib/systemd/system/ssh.service \
	    "$ROOT"/usr/lib/systemd/system/ssh.service 2>/dev/null | head -n 1)
	[ -n "$unit" ] || { echo "no ssh.service"; return 1; }
	# EnvironmentFile=-/etc/default/ssh: SSHD_OPTS, if it exists; and
	# our own log beside it (no syslog runs in the tree)
	envf=$(unit_key "$unit" EnvironmentFile | head -n 1)
	envf=${envf#-}
	opts=$(chroot "$ROOT" /bin/sh -c \
	    "SSHD_OPTS=; [ ! -f '$envf' ] || . '$envf'; echo \"\$SSHD_OPTS\"")
	opts="$opts -E /var/log/rs-test-sshd.log"
	rd=$(unit_key "$unit" RuntimeDirectory)
	mode=$(unit_key "$unit" RuntimeDirectoryMode)
	[ -z "$rd" ] || in_root install -d -m "${mode:-0755}" "/run/$rd"
	while read -r pre; do
		[ -n "$pre" ] || continue
		echo "ExecStartPre: $pre"
		in_root ${pre#-} || return 1
	done < <(unit_key "$unit" ExecStartPre)
	cmd=$(unit_key "$unit" ExecStart)
	cmd=${cmd//\$SSHD_OPTS/$opts}
	echo "ExecStart: $cmd"
	[ "$(unit_key "$unit" Type)" = notify ] ||
	    { echo "ssh.service is not Type=notify"; return 1; }
	rm -f "$ROOT$notify" "$W/notify.msg" "$W/notify.msg.listening"
	python3 - "$ROOT$notify" "$W/notify.msg" 20 <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
open(sys.argv[2] + ".listening", "w").close()
end = time.monotonic() + float(sys.argv[3])
while time.monotonic() < end:
    s.settimeout(max(0.1, end - time.monotonic()))
    try:
        msg = s.recv(4096).decode()
    except socket.timeout:
        break
    if "READY=1" in msg.split("\n"):
        open(sys.argv[2], "w").write(msg)
        sys.exit(0)
sys.exit(1)
PY
	local listener=$! n=0
	while [ ! -f "$W/notify.msg.listening" ] && [ $n -lt 100 ]; do
		sleep 0.1; n=$((n + 1))
	done
	[ -f "$W/notify.msg.listening" ] ||
	    { echo "the NOTIFY_SOCKET listener did not start"; return 1; }
	# shellcheck disable=SC2086
	ip netns exec "$NS" chroot "$ROOT" /usr/bin/env -i \
	    PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
	    NOTIFY_SOCKET=$notify $cmd &
	echo $! > "$W/sshd.pid"
	if ! wait "$listener"; then
		echo "no READY=1 from sshd within 20 s"
		cat "$ROOT/var/log/rs-test-sshd.log" 2>/dev/null
		return 1
	fi
	echo "sshd (pid $(cat "$W/sshd.pid")) told systemd: $(tr '\n' ' ' < "$W/notify.msg")"
}

# stop_pid FILE: TERM the process, KILL it after 5 s
stop_pid() {
	local pid n=0
	[ -f "$1" ] || return 0
	pid=$(cat "$1")
	rm -f "$1"
	kill "$pid" 2>/dev/null || return 0
	while kill -0 "$pid" 2>/dev/null && [ $n -lt 50 ]; do
		sleep 0.1; n=$((n + 1))
	done
	kill -9 "$pid" 2>/dev/null || true
}

# as systemctl stop does with KillMode=process: the main process only
stop_unit() { stop_pid "$W/sshd.pid"; }

# --- 4. logins ---------------------------------------------------------------
SSH_OPTS="-o StrictHostKeyChecking=yes -o ConnectTimeout=10 -o HostKeyAlgorithms=ssh-ed25519"

# The session ran under PAM if pam_loginuid gave it the user's login uid
login_key() {
	local out
	out=$(in_root timeout 30 ssh $SSH_OPTS -o BatchMode=yes \
	    "$USER_NAME@127.0.0.1" 'id -un; cat /proc/self/loginuid')
	echo "$out"
	[ "$out" = "$USER_NAME"$'\n'"$uid" ]
}

login_password() {
	local out
	out=$(in_root SSH_ASKPASS=/root/askpass SSH_ASKPASS_REQUIRE=force \
	    timeout 30 ssh $SSH_OPTS \
	    -o PubkeyAuthentication=no -o PreferredAuthentications=password \
	    -o NumberOfPasswordPrompts=1 "$USER_NAME@127.0.0.1" \
	    'id -un; cat /proc/self/loginuid' </dev/null)
	echo "$out"
	[ "$out" = "$USER_NAME"$'\n'"$uid" ] || return 1
	# and a wrong password does not get in
	if in_root SSH_ASKPASS=/root/askpass-wrong SSH_ASKPASS_REQUIRE=force \
	    timeout 30 ssh $SSH_OPTS \
	    -o PubkeyAuthentication=no -o PreferredAuthentications=password \
	    -o NumberOfPasswordPrompts=1 "$USER_NAME@127.0.0.1" true \
	    </dev/null; then
		echo "a wrong password was accepted"
		return 1
	fi
	grep "Accepted password for $USER_NAME" \
	    "$ROOT/var/log/rs-test-sshd.log"
}

sftp_get() {
	head -c 1048576 /dev/urandom > "$ROOT/home/$USER_NAME/blob"
	rm -f "$ROOT/root/blob"
	echo "get blob /root/blob" > "$ROOT/root/sftp.batch"
	in_root timeout 60 sftp $SSH_OPTS -o BatchMode=yes -b /root/sftp.batch \
	    "$USER_NAME@127.0.0.1"
	cmp "$ROOT/home/$USER_NAME/blob" "$ROOT/root/blob"
}

# ssh@.service runs sshd -i with the connection as its standard input
inetd_mode() {
	local out
	out=$(in_root timeout 30 ssh $SSH_OPTS -o BatchMode=yes \
	    -o 'ProxyCommand=/usr/sbin/sshd -i' "$USER_NAME@127.0.0.1" 'id -un')
	echo "$out"
	[ "$out" = "$USER_NAME" ]
}

# --- 5. a session across a cut -----------------------------------------------
RELAY="python3 $RS_TOP/regress/resilient-relay.py"

# 40 blocks of 100 numbers, one every 100 ms; the relay cuts the
# connection once 12 KB went from the server, in the middle of them
resume_cut() {
	local ctl=$W/relay.ctl n=0 arm answer rc=0
	ip netns exec "$NS" $RELAY --listen "127.0.0.1:$RELAY_PORT" \
	    --to 127.0.0.1:22 --control "$ctl" --log "$LOGS/relay-events.log" \
	    --pidfile "$W/relay.pid" &
	while [ ! -f "$W/relay.pid" ] && [ $n -lt 100 ]; do
		sleep 0.1; n=$((n + 1))
	done
	$RELAY --control "$ctl" --cmd ping || return 1
	$RELAY --control "$ctl" --cmd "cut-after 12000 60 s2c" > "$W/cut.answer" &
	arm=$!
	n=0
	until $RELAY --control "$ctl" --cmd stats | grep -q 'waiting=1'; do
		n=$((n + 1))
		[ $n -le 50 ] || { echo "relay did not take the cut"; return 1; }
		sleep 0.1
	done
	in_root timeout 120 ssh $SSH_OPTS -o BatchMode=yes -p "$RELAY_PORT" \
	    -o ResilientSessions=yes "$USER_NAME@127.0.0.1" \
	    'i=0; while [ $i -lt 40 ]; do seq $((i * 100 + 1)) $((i * 100 + 100)); i=$((i + 1)); sleep 0.1; done' \
	    > "$W/numbers.out" || rc=$?
	wait "$arm" || true
	answer=$(cat "$W/cut.answer")
	echo "relay: cut-after answered '$answer'; $($RELAY --control "$ctl" --cmd count)"
	echo "ssh exited $rc; $(wc -l < "$W/numbers.out") lines"
	[ "$rc" = 0 ] || return 1
	[ "$answer" = "ok 1" ] || { echo "the connection was not cut"; return 1; }
	seq 1 4000 | cmp - "$W/numbers.out" || return 1
	[ "$(sha256sum < "$W/numbers.out")" = "$(seq 1 4000 | sha256sum)" ]
	[ "$($RELAY --control "$ctl" --cmd count)" != "ok 1" ] ||
	    { echo "no second connection: nothing resumed"; return 1; }
	grep -i -E 'resum|reconnect' "$ROOT/var/log/rs-test-sshd.log" |
	    tail -n 5 || true
}

stop_relay() { stop_pid "$W/relay.pid"; }

if check start-sshd-as-unit start_unit; then
	check login-key login_key || true
	check login-password-pam login_password || true
	check sftp sftp_get || true
	check sshd-inetd-mode inetd_mode || true
	check resume-across-cut resume_cut || true
	stop_relay
fi
stop_unit
cp "$ROOT/var/log/rs-test-sshd.log" "$LOGS/sshd-fork.log" 2>/dev/null || true

# --- 6. back to Debian's OpenSSH ---------------------------------------------
go_back() {
	apt_root install --no-install-recommends openssh-server \
	    openssh-client openssh-sftp-server
	swapped openssh resilient-ssh
	v=$(in_root ssh -V 2>&1)
	echo "$v"
	case "$v" in *resilient*) return 1 ;; esac
	unchanged
	echo "host keys, sshd_config, ssh_config, PAM file, moduli: unchanged"
}
if check go-back-to-debian go_back; then
	rm -f "$ROOT/var/log/rs-test-sshd.log"
	if check debian-sshd-as-unit start_unit; then
		check debian-login-key login_key || true
		check debian-login-password-pam login_password || true
	fi
	stop_unit
fi

# --- 7. a system without OpenSSH: ours lay their files, and take back ----
# only those, so that Debian's install again without a question
fresh() {
	local f
	apt_root purge openssh-server openssh-client openssh-sftp-server
	for f in $KEPT; do
		[ ! -e "$ROOT/$f" ] || { echo "purge left /$f"; return 1; }
	done
	# shellcheck disable=SC2046
	apt_root install --no-install-recommends \
	    $(cd "$ROOT/tmp/debs" && ls -- *.deb | sed 's|^|/tmp/debs/|')
	for f in $KEPT; do
		[ -s "$ROOT/$f" ] || { echo "no /$f after install"; return 1; }
	done
	echo "laid: $KEPT"
	in_root getent passwd sshd
	in_root install -d -m 0755 /run/sshd
	in_root /usr/sbin/sshd -t
	(cd "$ROOT" && sha256sum $KEPT) > "$W/fresh.sha256"
	apt_root install --no-install-recommends openssh-server \
	    openssh-client openssh-sftp-server
	# Debian's files, not ours: the host keys stay
	(cd "$ROOT" && sha256sum -c "$W/fresh.sha256" || true)
	grep -q '^Include /etc/ssh/sshd_config.d' "$ROOT/etc/ssh/sshd_config"
	! grep -q resilient-ssh "$ROOT/etc/ssh/sshd_config" \
	    "$ROOT/etc/ssh/ssh_config" "$ROOT/etc/pam.d/sshd"
	in_root /usr/sbin/sshd -t
}
check fresh-install-and-back fresh || true

cleanup
[ -n "${DEB_TEST_KEEP:-}" ] || remove_root
summary
