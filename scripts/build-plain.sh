#!/usr/bin/env bash
#
# Build unpatched upstream OpenSSH, for the benchmarks to compare the fork
# with (bench/throughput.sh).
#
# Usage: build-plain.sh   (run by "make bench" and "make upstream-plain")
# Environment: PREFIX, CONFIGURE_FLAGS (as for build.sh), BUILD_DIR,
# DOWNLOAD_DIR, UPSTREAM_TARBALL (see fetch-upstream.sh).
#
# The tree is $BUILD_DIR/upstream-plain: the pinned tarball of
# upstream.lock, fetched and checked against its SHA-256 by
# fetch-upstream.sh as for the fork, with nothing applied and nothing
# overlaid, configured with the fork's own flags (rs_configure_args).  It
# is built once: again only when the pinned hash or those flags change,
# or after a build that did not finish.  Nothing is installed.

set -eu
RS_PROG=build-plain
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
rs_read_lock
plain=$(rs_plain_tree)
args=$(rs_configure_args)
want="$UPSTREAM_SHA256 $args"
stamp="$plain/.plain-build"
bins="ssh sshd sshd-session sshd-auth sftp sftp-server scp ssh-keygen"

built() {
	local b
	[ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] || return 1
	for b in $bins; do
		[ -x "$plain/$b" ] || return 1
	done
}
if built; then
	rs_msg "up to date: $plain ($("$plain/ssh" -V 2>&1))"
	exit 0
fi

tarball=$("$RS_TOP/scripts/fetch-upstream.sh")
rs_msg "unpacking $(basename "$tarball") into $plain"
rm -rf "$plain" "$plain.unpack"
mkdir -p "$plain.unpack"
trap 'rm -rf "$plain.unpack"' EXIT
tar --no-same-owner -xzf "$tarball" -C "$plain.unpack"
[ -d "$plain.unpack/openssh-$UPSTREAM_VERSION" ] ||
    rs_die "$(basename "$tarball") does not contain openssh-$UPSTREAM_VERSION/"
mv "$plain.unpack/openssh-$UPSTREAM_VERSION" "$plain"

rs_msg "configuring: $args (log: $plain/configure.log)"
# shellcheck disable=SC2086
if ! (cd "$plain" && ./configure $args) >"$plain/configure.log" 2>&1; then
	tail -n 20 "$plain/configure.log" >&2
	rs_die "configure failed; see $plain/configure.log"
fi
rs_msg "building in $plain (log: $plain/build.log)"
if ! make -C "$plain" -j"$(rs_jobs)" >"$plain/build.log" 2>&1; then
	grep -v '^cc ' "$plain/build.log" | tail -n 15 >&2
	rs_die "build failed; full log in $plain/build.log"
fi
for b in $bins; do
	[ -x "$plain/$b" ] || rs_die "the build made no $b; see $plain/build.log"
done
echo "$want" > "$stamp"
rs_msg "built: $("$plain/ssh" -V 2>&1)"
