# Test environment setup shared by check.sh, check-upstream.sh and demo.sh.
# Sourced after lib.sh.

# Upstream's sshd needs its privilege separation user and an empty chroot
# directory.  Create them as root; otherwise say exactly what is missing.
rs_ensure_privsep() {
	local user=sshd dir=/var/empty
	if [ -n "${RS_TREE:-}" ] && [ -f "$RS_TREE/config.h" ]; then
		user=$(sed -n 's/^#define SSH_PRIVSEP_USER "\(.*\)"/\1/p' \
		    "$RS_TREE/config.h")
		dir=$(sed -n 's/^#define _PATH_PRIVSEP_CHROOT_DIR "\(.*\)"/\1/p' \
		    "$RS_TREE/config.h")
		user=${user:-sshd}
		dir=${dir:-/var/empty}
	fi
	if ! getent passwd "$user" >/dev/null; then
		[ "$(id -u)" = 0 ] ||
		    rs_die "sshd's privilege separation user '$user' does not exist; as root: useradd --system --home-dir $dir --shell /usr/sbin/nologin $user"
		rs_msg "creating privilege separation user $user"
		useradd --system --home-dir "$dir" --no-create-home \
		    --shell /usr/sbin/nologin \
		    --comment 'sshd privilege separation' "$user" ||
		    rs_die "useradd $user failed"
	fi
	if [ ! -d "$dir" ]; then
		[ "$(id -u)" = 0 ] ||
		    rs_die "sshd's privilege separation directory $dir does not exist; as root: mkdir -m 0755 $dir"
		rs_msg "creating $dir"
		mkdir -p -m 0755 "$dir"
	fi
}

# rs_test_keys TREE WORK: a host key and an authorised user key in WORK,
# for a throwaway sshd of TREE (demo.sh, bench/)
rs_test_keys() {
	"$1/ssh-keygen" -q -t ed25519 -N '' -C test-host -f "$2/host_ed25519"
	"$1/ssh-keygen" -q -t ed25519 -N '' -C test-user -f "$2/id_ed25519"
	cp "$2/id_ed25519.pub" "$2/authorized_keys"
}

# rs_sshd_config TREE WORK PORT: WORK/sshd_config for that sshd on
# 127.0.0.1 port PORT, its files (keys, pid, rendezvous directory) in
# WORK; lines on standard input come first (the first value wins)
rs_sshd_config() {
	{
		cat
		cat <<CONF
ListenAddress 127.0.0.1
Port $3
HostKey $2/host_ed25519
AuthorizedKeysFile $2/authorized_keys
PidFile $2/sshd.pid
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
PerSourcePenalties no
SshdSessionPath $1/sshd-session
SshdAuthPath $1/sshd-auth
LogLevel VERBOSE
ResilientDirectory $2/rs
CONF
	} > "$2/sshd_config"
}
