#!/usr/bin/env bash
#
# Install the Debian packages needed to build and test the fork.
#
# As root on Debian: installs whatever is missing with apt-get.  Otherwise:
# prints the exact list and succeeds only if nothing is missing.

set -eu
RS_PROG=deps
. "$(dirname "$0")/lib.sh"

# Build: compiler, OpenSSL, zlib, libbsd (libmd), pkg-config, and the
# libraries of the features Debian's OpenSSH has (scripts/lib.sh,
# rs_configure_args): PAM, Kerberos 5 (GSSAPI), libaudit, SELinux, libedit,
# and libfido2 for FIDO security keys.
# Fetch and assemble: curl, ca-certificates, git.
# Packages (make deb): debhelper and lintian; debootstrap for the test
# that installs them into a new Debian (make check-deb).
# Tests: cmocka, valgrind, tmux, vim-tiny and procps (vim and top in
# resilient-screen), iproute2, nftables (NAT in
# resilient-handover; its service is not enabled).
# Interop (scripts/interop.sh): Debian's OpenSSH client and sftp-server,
# Dropbear, PuTTY, paramiko, asyncssh and libssh.  Debian's sshd is
# unpacked by the script itself, never installed, so that no service
# starts on the machine.
# Fuzzing (tests/fuzz/, scripts/fuzz.sh): clang with the compiler-rt
# runtimes of libFuzzer, ASan and UBSan (libclang-rt-dev, which the
# compiler only recommends), and llvm for llvm-symbolizer, which puts
# names and lines in the sanitizers' stack traces.
pkgs=(build-essential pkg-config libssl-dev zlib1g-dev libbsd-dev libpam0g-dev
    libkrb5-dev libaudit-dev libselinux1-dev libedit-dev libfido2-dev
    debhelper lintian debootstrap
    libcmocka-dev curl ca-certificates git valgrind procps
    iproute2 nftables tmux vim-tiny
    openssh-client openssh-sftp-server dropbear-bin putty-tools
    python3 python3-paramiko python3-asyncssh python3-scp libssh-dev
    libwrap0
    clang libclang-rt-dev llvm)

missing=()
for p in "${pkgs[@]}"; do
	if ! dpkg-query -W -f '${Status}' "$p" 2>/dev/null |
	    grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done

if [ "${#missing[@]}" -eq 0 ]; then
	rs_msg "all build and test dependencies are installed"
	exit 0
fi

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
	rs_msg "missing packages: ${missing[*]}"
	rs_msg "install them as root, e.g.: apt-get install ${missing[*]}"
	exit 1
fi

rs_msg "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null ||
    rs_die "apt-get update failed"
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null ||
    rs_die "apt-get install failed for: ${missing[*]}"
rs_msg "installed ${#missing[@]} packages"
