#!/usr/bin/env bash
#
# Build the Debian binary packages (resilient-ssh-client, -server and
# -sftp-server; debian/) and check them with lintian.
#
# Usage: deb.sh
# Environment: BUILD_DIR (default build/); the packages, lintian's report
# and the build's log go to $BUILD_DIR/deb/.
#
# The repository's files (git's view of the work tree, edits included) are
# copied to $BUILD_DIR/deb/src with the verified upstream tarball, and
# dpkg-buildpackage builds there, with the same driver as "make build"
# (debian/rules), so nothing is written outside $BUILD_DIR/deb.  lintian
# errors fail the build; its warnings are shown.

set -eu
RS_PROG=deb
. "$(dirname "$0")/lib.sh"
rs_read_lock

out=${BUILD_DIR:-$RS_TOP/build}/deb
src=$out/src

for tool in dpkg-buildpackage dh lintian; do
	command -v "$tool" >/dev/null ||
	    rs_die "$tool is missing; make deps installs it (debhelper, lintian)"
done

# debian/changelog names the release it packages: the upstream version of
# upstream.lock and the fork's RESILIENT_RELEASE.
rel=$(sed -n 's/^#define RESILIENT_RELEASE[[:space:]]*"\(.*\)"/\1/p' \
    "$RS_TOP/src/resilient-version.h")
want="1:$UPSTREAM_VERSION$rel"
have=$(dpkg-parsechangelog -l "$RS_TOP/debian/changelog" -S Version)
[ "$have" = "$want" ] ||
    rs_die "debian/changelog is at $have but the tree builds $want; add a changelog entry (dch -v $want)"

tarball=$("$RS_TOP/scripts/fetch-upstream.sh")

rm -rf "$out"
mkdir -p "$src/downloads"
if git -C "$RS_TOP" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$RS_TOP" && git ls-files -z --cached --others --exclude-standard |
	    xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
	    tar --null -T - -cf -) | tar -xf - -C "$src"
else
	(cd "$RS_TOP" && tar --exclude=./build --exclude=./downloads -cf - .) |
	    tar -xf - -C "$src"
fi
cp "$tarball" "$src/downloads/"

log=$out/build.log
rs_msg "building packages in $src (log: $log)"
start=$(date +%s)
if ! (cd "$src" && DEB_BUILD_OPTIONS="nocheck noautodbgsym" \
    dpkg-buildpackage -b -uc -us) >"$log" 2>&1; then
	tail -n 25 "$log" >&2
	rs_die "dpkg-buildpackage failed; full log in $log"
fi
rs_msg "built in $(( $(date +%s) - start )) s"

changes=$(ls "$out"/resilient-ssh_*.changes)
rc=0
lintian --fail-on error -I "$changes" >"$out/lintian.txt" 2>&1 || rc=$?
if [ -s "$out/lintian.txt" ]; then
	rs_msg "lintian:"
	sed 's/^/    /' "$out/lintian.txt" >&2
else
	rs_msg "lintian: no tags"
fi
[ "$rc" = 0 ] || rs_die "lintian found errors (exit $rc); see $out/lintian.txt"

for d in "$out"/*.deb; do
	printf '%s\t%s bytes\tinstalled %s KiB\n' "${d##*/}" "$(stat -c %s "$d")" \
	    "$(dpkg-deb -f "$d" Installed-Size)"
done
