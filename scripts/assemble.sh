#!/usr/bin/env bash
#
# Assemble the fork's source tree: pinned upstream + patches/ + our files.
#
# Usage: assemble.sh
# Environment: BUILD_DIR, DOWNLOAD_DIR, UPSTREAM_TARBALL (see
# fetch-upstream.sh), RS_FORCE=1 to drop unexported commits or edits in the
# tree when the patch series has to be re-applied.
#
# The tree is a git repository: upstream is its first commit (tag
# "upstream"), each patch of patches/series is one commit on top, and the
# files under src/ and regress/ are symbolic links to this repository, kept
# out of git's view through .git/info/exclude.  Re-running is cheap: the
# series is re-applied only when patches/ changed, and files whose content
# came out the same keep their timestamps, so make rebuilds only what changed.

set -eu
RS_PROG=assemble
. "$(dirname "$0")/lib.sh"
rs_read_lock

BUILD_DIR=${BUILD_DIR:-$RS_TOP/build}
tree="$BUILD_DIR/openssh-$UPSTREAM_VERSION"
g() { git -C "$tree" "$@"; }

# --- 1. Unpack upstream as the first commit. --------------------------------
if [ ! -d "$tree/.git" ]; then
	tarball=$("$RS_TOP/scripts/fetch-upstream.sh")
	rs_msg "unpacking $(basename "$tarball")"
	rm -rf "$tree" "$tree.unpack"
	mkdir -p "$tree.unpack"
	tar --no-same-owner -xzf "$tarball" -C "$tree.unpack"
	[ -d "$tree.unpack/openssh-$UPSTREAM_VERSION" ] ||
	    rs_die "$(basename "$tarball") does not contain openssh-$UPSTREAM_VERSION/"
	mv "$tree.unpack/openssh-$UPSTREAM_VERSION" "$tree"
	rmdir "$tree.unpack"
	g init -q
	g config user.name "resilient-ssh build"
	g config user.email "build@resilient-ssh.invalid"
	g config core.autocrlf false
	g config advice.detachedHead false
	g add -A -f .
	GIT_COMMITTER_DATE="2025-04-09T00:00:00Z" GIT_AUTHOR_DATE="2025-04-09T00:00:00Z" \
	    g commit -q -m "upstream: openssh-$UPSTREAM_VERSION (pinned tarball)"
	g tag upstream
	: > "$tree/.git/resilient-applied"
fi

# --- 2. Apply the patch series when it changed. ------------------------------
want=$(rs_series_id)
read -r have_id have_head < "$tree/.git/resilient-applied" || true
head=$(g rev-parse HEAD)

# Re-apply only when patches/ changed (or on "make reassemble").  Commits
# made in the tree on top of an unchanged series are built as they are.
if [ "$want" != "${have_id:-}" ] || [ "${RS_FORCE:-0}" = 1 ]; then
	if [ -n "${have_head:-}" ] && [ "${RS_FORCE:-0}" != 1 ]; then
		if [ "$head" != "$have_head" ]; then
			rs_die "$tree has commits that are not in patches/: run 'make patches' to export them, or 'make reassemble' to drop them"
		fi
		if ! g diff --quiet HEAD --; then
			rs_die "$tree has uncommitted edits to upstream files and patches/ changed: commit them and run 'make patches', or 'make reassemble' to drop them"
		fi
	fi

	# Remember the content and timestamp of every file patched now.
	declare -A oldsum oldtime
	while IFS= read -r f; do
		[ -f "$tree/$f" ] || continue
		oldsum[$f]=$(g hash-object -- "$f")
		oldtime[$f]=$(stat -c %Y "$tree/$f")
	done < <(g diff --name-only upstream HEAD --)

	g am --abort >/dev/null 2>&1 || true
	g reset -q --hard upstream
	n=0
	while read -r p; do
		case "$p" in ''|'#'*) continue ;; esac
		if ! g am -q --whitespace=nowarn "$RS_TOP/patches/$p" \
		    >"$tree/.git/resilient-am.log" 2>&1; then
			g am --abort >/dev/null 2>&1 || true
			grep -v 'git am\|resolved this problem\|prefer to skip' \
			    "$tree/.git/resilient-am.log" | sed 's/^/  /' >&2
			: > "$tree/.git/resilient-applied"
			rs_die "patch $p does not apply to openssh-$UPSTREAM_VERSION; fix it or refresh patches/ (see README.md)"
		fi
		n=$((n + 1))
	done < "$RS_TOP/patches/series"

	# Files that came out byte-identical get their old timestamp back.
	for f in "${!oldsum[@]}"; do
		[ -f "$tree/$f" ] || continue
		if [ "$(g hash-object -- "$f")" = "${oldsum[$f]}" ]; then
			touch -d "@${oldtime[$f]}" "$tree/$f"
		fi
	done
	echo "$want $(g rev-parse HEAD)" > "$tree/.git/resilient-applied"
	rs_msg "applied $n patches"
fi

# --- 3. Overlay our own files as symbolic links. ------------------------------
manifest="$tree/.git/resilient-overlay"
new=$(mktemp)
trap 'rm -f "$new"' EXIT
overlay() {	# overlay SRCDIR DESTPREFIX
	local d=$1 prefix=$2 rel
	[ -d "$RS_TOP/$d" ] || return 0
	(cd "$RS_TOP/$d" && find . -type f ! -name '.*' | sed 's|^\./||' | sort) |
	while IFS= read -r rel; do
		dest="$prefix$rel"
		if g ls-files --error-unmatch -- "$dest" >/dev/null 2>&1; then
			rs_die "$d/$rel would replace upstream's $dest; change upstream files through patches/"
		fi
		mkdir -p "$(dirname "$tree/$dest")"
		if [ "$(readlink "$tree/$dest" 2>/dev/null)" != "$RS_TOP/$d/$rel" ]; then
			rm -f "$tree/$dest"
			ln -s "$RS_TOP/$d/$rel" "$tree/$dest"
		fi
		echo "$dest"
	done
}
{
	overlay src ""
	overlay regress "regress/"
} > "$new"
# Remove links to files that no longer exist in this repository.
if [ -f "$manifest" ]; then
	comm -23 <(sort "$manifest") <(sort "$new") | while IFS= read -r f; do
		[ -L "$tree/$f" ] && rm -f "$tree/$f"
	done
fi
sort "$new" > "$manifest"
{
	echo "# resilient-ssh overlay: links into the project repository"
	sed 's|^|/|' "$manifest"
} > "$tree/.git/info/exclude"
