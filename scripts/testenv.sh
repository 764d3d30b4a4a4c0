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
