# Shared helpers for the resilient-ssh build scripts.  Sourced, not run.

# Where the repository is, whatever the caller's working directory.
RS_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

set -o pipefail

rs_msg()  { printf '%s: %s\n' "${RS_PROG:-resilient-ssh}" "$*" >&2; }
rs_die()  { rs_msg "error: $*"; exit 1; }

# Read KEY from upstream.lock into a shell variable of the same name.
rs_read_lock() {
	local line key val
	while IFS= read -r line; do
		case "$line" in
		''|'#'*) continue ;;
		*=*) key=${line%%=*}; val=${line#*=} ;;
		*) rs_die "upstream.lock: malformed line: $line" ;;
		esac
		case "$key" in
		*[!A-Z0-9_]*) rs_die "upstream.lock: bad key: $key" ;;
		esac
		printf -v "$key" '%s' "$val"
	done < "$RS_TOP/upstream.lock"
}

rs_sha256() { sha256sum "$1" | cut -d' ' -f1; }

# Number of parallel make jobs.
rs_jobs() { getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2; }

# A digest of patches/series and every patch it names: the tree is
# re-patched whenever this changes.
rs_series_id() {
	local p
	{
		cat "$RS_TOP/patches/series"
		sed '/^[[:space:]]*\(#\|$\)/d' "$RS_TOP/patches/series" |
		while read -r p; do
			[ -f "$RS_TOP/patches/$p" ] ||
			    rs_die "patches/series names $p, which does not exist"
			cat "$RS_TOP/patches/$p"
		done
	} | sha256sum | cut -d' ' -f1
}

# The assembled tree, after rs_read_lock.
rs_tree() { echo "${BUILD_DIR:-$RS_TOP/build}/openssh-$UPSTREAM_VERSION"; }

# Unpatched upstream from the same tarball, for comparisons (bench/).
rs_plain_tree() { echo "${BUILD_DIR:-$RS_TOP/build}/upstream-plain"; }

# The flags given to upstream's configure, for the fork and the plain build.
# On Linux, the features of Debian's OpenSSH build that its users rely on
# (README.md, "Build features"): PAM (used only with UsePAM yes), GSSAPI
# with Kerberos 5, Linux audit records of logins, SELinux contexts, and
# line editing in sftp.  FIDO security keys come with libfido2 when
# configure finds it; systemd's readiness notification is built in on
# Linux.
rs_configure_args() {
	local feat=
	if [ "$(uname -s)" = Linux ]; then
		feat=" --with-pam --with-kerberos5=/usr --with-audit=linux"
		feat="$feat --with-selinux --with-libedit"
	fi
	echo "--prefix=${PREFIX:-/usr/local}$feat ${CONFIGURE_FLAGS:-}"
}
