#!/usr/bin/env bash
#
# Obtain the pinned upstream OpenSSH tarball and verify its SHA-256.
#
# Usage: fetch-upstream.sh
# Environment:
#   UPSTREAM_TARBALL  path to a tarball supplied by the user (optional)
#   DOWNLOAD_DIR      where the verified tarball is cached (default downloads/)
#   BUILD_DIR         scratch space, e.g. the private apt configuration
#                     (default build/)
#
# Prints the path of the verified tarball on stdout.  Nothing is unpacked
# here; a tarball whose hash does not match is never used.

set -eu
RS_PROG=fetch-upstream
. "$(dirname "$0")/lib.sh"
rs_read_lock

DOWNLOAD_DIR=${DOWNLOAD_DIR:-$RS_TOP/downloads}
BUILD_DIR=${BUILD_DIR:-$RS_TOP/build}
cache="$DOWNLOAD_DIR/$UPSTREAM_TARBALL_NAME"
tried=()

# verify FILE: succeed when FILE has the pinned hash, else explain.
verify() {
	local got
	got=$(rs_sha256 "$1")
	if [ "$got" != "$UPSTREAM_SHA256" ]; then
		rs_msg "checksum mismatch for $1"
		rs_msg "  expected SHA-256 $UPSTREAM_SHA256"
		rs_msg "  got      SHA-256 $got"
		return 1
	fi
}

# adopt FILE: verify FILE and move it into the cache.
adopt() {
	verify "$1" || return 1
	mkdir -p "$DOWNLOAD_DIR"
	mv -f "$1" "$cache.tmp" && mv -f "$cache.tmp" "$cache"
}

# 1a. A tarball named by the user.
if [ -n "${UPSTREAM_TARBALL:-}" ]; then
	[ -f "$UPSTREAM_TARBALL" ] || rs_die "UPSTREAM_TARBALL=$UPSTREAM_TARBALL: no such file"
	verify "$UPSTREAM_TARBALL" ||
	    rs_die "refusing $UPSTREAM_TARBALL: it is not $UPSTREAM_TARBALL_NAME as pinned in upstream.lock"
	if [ "$(realpath "$UPSTREAM_TARBALL")" != "$(realpath -m "$cache")" ]; then
		mkdir -p "$DOWNLOAD_DIR"
		cp -f "$UPSTREAM_TARBALL" "$cache.tmp" && mv -f "$cache.tmp" "$cache"
	fi
	echo "$cache"
	exit 0
fi

# 1b. A cached copy.  A corrupt cache is an error, not something to paper over.
if [ -f "$cache" ]; then
	verify "$cache" ||
	    rs_die "cached $cache is corrupt; delete it to fetch again, or supply UPSTREAM_TARBALL=/path/to/$UPSTREAM_TARBALL_NAME"
	echo "$cache"
	exit 0
fi

mkdir -p "$DOWNLOAD_DIR"
tmp="$DOWNLOAD_DIR/.partial.$$"
trap 'rm -f "$tmp"' EXIT

# 2. Upstream's release mirrors over HTTPS.
for var in $(compgen -v UPSTREAM_URL_ | sort); do
	url=${!var}
	tried+=("$url")
	rs_msg "trying $url"
	rm -f "$tmp"
	if command -v curl >/dev/null 2>&1; then
		if ! err=$(curl -fsSL --proto =https --connect-timeout 10 \
		    --max-time 300 -o "$tmp" "$url" 2>&1); then
			err=${err%%$'\n'*}
			rs_msg "  failed: ${err:-curl failed}"
			continue
		fi
	elif command -v wget >/dev/null 2>&1; then
		if ! wget -q --https-only --timeout=10 -O "$tmp" "$url"; then
			rs_msg "  failed: wget could not download it"
			continue
		fi
	else
		rs_msg "  failed: neither curl nor wget is installed"
		continue
	fi
	if adopt "$tmp"; then
		echo "$cache"
		exit 0
	fi
done

# apt_error LOG: the first error apt-get logged, on one line.
apt_error() {
	local e
	e=$(grep -m 1 -E '^(E|Err):' "$1" 2>/dev/null || true)
	echo "${e:-see $1}"
}

# 3. Debian's source archive, through a private apt configuration derived
#    from this machine's own apt sources.  The system's apt state is never
#    touched.
if command -v apt-get >/dev/null 2>&1; then
	tried+=("Debian source package $DEBIAN_SOURCE_PACKAGE ($DEBIAN_SOURCE_SUITE) via apt-get source")
	rs_msg "trying Debian source package $DEBIAN_SOURCE_PACKAGE from $DEBIAN_SOURCE_SUITE"
	aptdir="$BUILD_DIR/apt"
	rm -rf "$aptdir"
	mkdir -p "$aptdir/lists/partial" "$aptdir/cache/archives/partial" \
	    "$aptdir/src" "$aptdir/etc/preferences.d"
	if "$RS_TOP/scripts/derive-apt-sources.sh" "$DEBIAN_SOURCE_SUITE" \
	    > "$aptdir/etc/sources.list" && [ -s "$aptdir/etc/sources.list" ]; then
		aptopts=(-q -o "Dir::Etc::sourcelist=$aptdir/etc/sources.list"
		    -o "Dir::Etc::sourceparts=$aptdir/etc/sources.list.d"
		    -o "Dir::Etc::preferencesparts=$aptdir/etc/preferences.d"
		    -o "Dir::State::Lists=$aptdir/lists"
		    -o "Dir::Cache=$aptdir/cache"
		    -o "Debug::NoLocking=1")
		[ "$(id -u)" = 0 ] && aptopts+=(-o "APT::Sandbox::User=root")
		mkdir -p "$aptdir/etc/sources.list.d"
		# Only the .orig tarball is needed, and it is judged by its
		# hash, not by apt-get's status: a suite may list a source
		# whose .dsc or Debian diff is missing from the archive.
		f="$aptdir/src/$DEBIAN_ORIG_TARBALL"
		if ! apt-get "${aptopts[@]}" update >"$aptdir/update.log" 2>&1; then
			rs_msg "  failed: apt-get update: $(apt_error "$aptdir/update.log")"
		else
			(cd "$aptdir/src" && apt-get "${aptopts[@]}" source \
			    --download-only "$DEBIAN_SOURCE_PACKAGE" \
			    >"$aptdir/source.log" 2>&1) || true
			if [ ! -f "$f" ]; then
				rs_msg "  failed: no $DEBIAN_ORIG_TARBALL: $(apt_error "$aptdir/source.log")"
			elif adopt "$f"; then
				echo "$cache"
				exit 0
			else
				rs_msg "  failed: Debian's $DEBIAN_ORIG_TARBALL is not the pinned tarball"
			fi
		fi
	else
		rs_msg "  failed: no Debian archive found in this machine's apt sources"
	fi
fi

rs_msg "error: could not obtain $UPSTREAM_TARBALL_NAME (SHA-256 $UPSTREAM_SHA256)"
rs_msg "tried:"
for t in "${tried[@]}"; do
	rs_msg "  $t"
done
rs_msg "download it yourself and run: make UPSTREAM_TARBALL=/path/to/$UPSTREAM_TARBALL_NAME"
rs_msg "or place it in $DOWNLOAD_DIR/"
exit 1
