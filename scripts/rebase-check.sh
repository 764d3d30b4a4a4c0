#!/usr/bin/env bash
#
# Try the patch series on another upstream release, in a scratch tree, and
# report how each patch fares.
#
# Usage: rebase-check.sh /path/to/openssh-X.Yp1.tar.gz
#        (make rebase-check UPSTREAM_TARBALL=/path/to/openssh-X.Yp1.tar.gz)
# Environment:
#   PATCHES_DIR    the series to check: a directory holding "series" and the
#                  patches it names (default patches/), e.g. an older copy
#                  taken with "git worktree add" or "git archive"
#   REBASE_SHA256  when set, the target tarball must have this SHA-256
#   KEEP=1         keep the scratch tree and say where it is
#   BUILD_DIR      the scratch tree goes there (default build/, else /tmp)
#   DOWNLOAD_DIR   see fetch-upstream.sh, which supplies the pinned tarball
#
# The target release is named by the tarball's top-level directory.  Nothing
# outside a scratch directory is touched: not build/openssh-*/, not patches/.
#
# Method: a scratch git repository holds the pinned upstream (upstream.lock)
# as commit "base" and the series applied to it with "git am" (branch
# "series"; a patch that does not apply to the pinned upstream is an error).
# The target release is a commit whose parent is "base" (branch "target"), so
# each patch can then be carried over by a real 3-way merge.  In series
# order, on branch "rebased", each patch is:
#   clean       "git apply --check" of the patch file succeeds on the tree
#               so far (offsets allowed, as "git am" allows them); it is
#               applied with "git am";
#   3-way       the patch does not apply, but "git cherry-pick" of its commit
#               merges without conflict;
#   conflict    the cherry-pick leaves conflicts.  The count is the number of
#               "<<<<<<<" markers in the conflicted files (a file conflicted
#               as a whole, e.g. modified by the patch but deleted upstream,
#               counts as one).
# A conflict is resolved as a union (git merge-file --union), the nearest
# mechanical stand-in for a resolution by hand: each conflicted region keeps
# upstream's lines followed by the patch's lines, and every change outside
# the conflicts, from either side, is kept.  Later patches thus find the
# earlier patch's lines where they expect them, without losing upstream's.
# (Taking upstream's side would drop the earlier patch and make later ones
# conflict in its stead; taking the patch's side would drop upstream's
# change and hide later conflicts with it.)  A later patch whose context
# reaches into such a region is reported as 3-way, or as conflicting if it
# edits those very lines: a resolution by hand changes those lines too.  A
# file modified by the patch but deleted upstream keeps the patch's version;
# a file the patch deletes is deleted.
#
# Output: one line per patch and a summary line, on stdout; progress goes to
# stderr.  Exit status: 0 when no patch conflicts, 1 when some patch does,
# 2 on a usage or setup error (through make, any failure is make's 2).

set -eu
RS_PROG=rebase-check
. "$(dirname "$0")/lib.sh"
rs_die() { rs_msg "error: $*"; exit 2; }
rs_read_lock

LC_ALL=C
export LC_ALL
usage="usage: make rebase-check UPSTREAM_TARBALL=/path/to/openssh-X.Yp1.tar.gz"
usage="$usage [REBASE_SHA256=hex] [PATCHES_DIR=dir] [KEEP=1]"

if [ $# != 1 ] || [ -z "$1" ]; then
	rs_die "$usage"
fi
[ -f "$1" ] || rs_die "$1: no such file"
target_tarball=$(realpath "$1")
patches=$(realpath -m "${PATCHES_DIR:-$RS_TOP/patches}")
[ -f "$patches/series" ] || rs_die "$patches/series: no such file"

if [ -n "${REBASE_SHA256:-}" ]; then
	want=$(printf '%s' "$REBASE_SHA256" | tr 'A-F' 'a-f')
	got=$(rs_sha256 "$target_tarball")
	[ "$got" = "$want" ] ||
	    rs_die "refusing $target_tarball: SHA-256 is $got, not $want"
fi

# topdir TARBALL: the single top-level directory of TARBALL.
topdir() {
	local top
	top=$(tar -tf "$1" 2>/dev/null | sed 's|/.*||' | sort -u) ||
	    rs_die "$1: not a readable tarball"
	case "$top" in
	*[[:space:]]*|'') ;;
	openssh-[0-9]*) echo "$top"; return ;;
	esac
	rs_die "$1: expected one top-level directory openssh-X.Yp1/," \
	    "found: $(printf '%s' "$top" | tr '\n' ' ')"
}

# The pinned tarball.  UPSTREAM_TARBALL (exported by make) names the target
# here, so fetch-upstream.sh must not see it.
base_tarball=$(env -u UPSTREAM_TARBALL "$RS_TOP/scripts/fetch-upstream.sh") ||
    rs_die "cannot obtain the pinned openssh-$UPSTREAM_VERSION tarball"
base_name=$(topdir "$base_tarball")
[ "$base_name" = "openssh-$UPSTREAM_VERSION" ] ||
    rs_die "$base_tarball holds $base_name/, not openssh-$UPSTREAM_VERSION/"
target_name=$(topdir "$target_tarball")

# The patches, in order.
list=()
while IFS= read -r p; do
	p=${p#"${p%%[![:space:]]*}"}
	p=${p%"${p##*[![:space:]]}"}
	case "$p" in ''|'#'*) continue ;; esac
	[ -f "$patches/$p" ] ||
	    rs_die "$patches/series names $p, which does not exist"
	list+=("$p")
done < "$patches/series"
[ ${#list[@]} -gt 0 ] || rs_die "$patches/series names no patches"

# --- The scratch repository. -------------------------------------------------
BUILD_DIR=${BUILD_DIR:-$RS_TOP/build}
if [ -d "$BUILD_DIR" ] && [ -w "$BUILD_DIR" ]; then
	scratch=$(mktemp -d "$BUILD_DIR/rebase-check.XXXXXX")
else
	scratch=$(mktemp -d "${TMPDIR:-/tmp}/rebase-check.XXXXXX")
fi
if [ "${KEEP:-0}" = 1 ]; then
	trap 'rs_msg "scratch tree kept in $scratch/tree"' EXIT
else
	trap 'rm -rf "$scratch"' EXIT
fi
tree="$scratch/tree"
log="$scratch/git.log"
tmp="$scratch/tmp"
mkdir -p "$tree" "$tmp"

# Only this repository's own configuration counts: no user hooks, rerere,
# or signing, and fixed dates.
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY \
    GIT_ALTERNATE_OBJECT_DIRECTORIES GIT_CEILING_DIRECTORIES
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null GIT_EDITOR=true
export GIT_COMMITTER_DATE="2025-04-09T00:00:00Z"
g() { git -C "$tree" "$@"; }

# g_or_die WHAT GIT-ARGS...: run git quietly, or show its log and stop.
g_or_die() {
	local what=$1
	shift
	if ! g "$@" >"$log" 2>&1; then
		sed 's/^/  /' "$log" >&2
		rs_die "$what"
	fi
}

# import TARBALL: make the work tree hold exactly TARBALL's top directory.
import() {
	g rm -rqf --ignore-unmatch . >/dev/null
	tar --no-same-owner -xf "$1" -C "$tree" --strip-components=1 ||
	    rs_die "cannot unpack $1"
	g add -A -f .
}

g init -q -b base
g config user.name "resilient-ssh rebase-check"
g config user.email "rebase-check@resilient-ssh.invalid"
g config core.autocrlf false
g config core.hooksPath /dev/null
g config advice.detachedHead false
g config gc.auto 0
g config rerere.enabled false
g config merge.conflictStyle merge
g config commit.gpgSign false

rs_msg "$base_name -> $target_name: ${#list[@]} patches from $patches"
import "$base_tarball"
GIT_AUTHOR_DATE=$GIT_COMMITTER_DATE g_or_die "cannot commit $base_name" \
    commit -q -m "upstream: $base_name (pinned)"

# --- The series on the pinned upstream. --------------------------------------
g checkout -q -b series base
declare -A commit_of
for p in "${list[@]}"; do
	if ! g am -q --whitespace=nowarn "$patches/$p" >"$log" 2>&1; then
		g am --abort >/dev/null 2>&1 || true
		sed '/git am/d; /resolved this problem/d; /prefer to skip/d
		    /^Patch failed at/d; s/^/  /' "$log" >&2
		rs_die "$p does not apply to $base_name, the pinned upstream:" \
		    "check PATCHES_DIR and upstream.lock"
	fi
	commit_of[$p]=$(g rev-parse HEAD)
done

# --- The target release, as a child of the pinned one. -----------------------
g checkout -q -b target base
import "$target_tarball"
GIT_AUTHOR_DATE=$GIT_COMMITTER_DATE g_or_die "cannot commit $target_name" \
    commit -q --allow-empty -m "upstream: $target_name"
g checkout -q -b rebased target

# resolve_union PATH: resolve an unmerged PATH as described above.
resolve_union() {
	local f=$1 s have=""
	for s in 1 2 3; do
		if g cat-file -e ":$s:$f" 2>/dev/null; then
			g cat-file blob ":$s:$f" > "$tmp/$s"
			have="$have$s"
		else
			: > "$tmp/$s"
		fi
	done
	case "$have" in
	*2*3*)	# Both sides have the file (with or without a base).
		git merge-file --union -p "$tmp/2" "$tmp/1" "$tmp/3" \
		    > "$tree/$f" || true
		g add -f -- "$f" ;;
	*3*)	# Upstream deleted or moved it; the patch changed it.
		mkdir -p "$(dirname "$tree/$f")"
		cp "$tmp/3" "$tree/$f"
		g add -f -- "$f" ;;
	*)	# The patch deleted it.
		g rm -qf --ignore-unmatch -- "$f" >/dev/null ;;
	esac
}

# --- Carry each patch over. --------------------------------------------------
width=0
for p in "${list[@]}"; do
	if [ ${#p} -gt "$width" ]; then width=${#p}; fi
done
nclean=0 n3way=0 nconflict=0 nhunks=0
for p in "${list[@]}"; do
	c=${commit_of[$p]}
	if g apply --check --whitespace=nowarn "$patches/$p" >/dev/null 2>&1 &&
	    g am -q --whitespace=nowarn "$patches/$p" >"$log" 2>&1; then
		result=clean
		nclean=$((nclean + 1))
	else
		g am --abort >/dev/null 2>&1 || true
		if g cherry-pick --keep-redundant-commits "$c" >"$log" 2>&1; then
			result=3-way
			if g diff --quiet HEAD^ HEAD --; then
				result="3-way (empty: already upstream)"
			fi
			n3way=$((n3way + 1))
		else
			files=$(g diff --name-only --diff-filter=U)
			[ -n "$files" ] || {
				sed 's/^/  /' "$log" >&2
				rs_die "git cherry-pick of $p failed without conflicts"
			}
			hunks=0
			while IFS= read -r f; do
				h=0
				if [ -f "$tree/$f" ]; then
					h=$(grep -c '^<<<<<<<' "$tree/$f" || true)
				fi
				[ "$h" -gt 0 ] || h=1
				hunks=$((hunks + h))
				resolve_union "$f"
			done <<< "$files"
			g_or_die "cannot commit the resolution of $p" \
			    commit -q --no-edit --allow-empty
			[ $hunks = 1 ] && unit=hunk || unit=hunks
			files=$(printf '%s' "$files" | tr '\n' ' ')
			result="conflict ($hunks $unit: $files)"
			nconflict=$((nconflict + 1))
			nhunks=$((nhunks + hunks))
		fi
	fi
	printf '%-*s   %s\n' "$width" "$p" "$result"
done

summary="$base_name -> $target_name: ${#list[@]} patches:"
summary="$summary $nclean clean, $n3way 3-way, $nconflict conflict"
[ $nconflict = 0 ] || summary="$summary ($nhunks hunks)"
echo "$summary"
[ $nconflict = 0 ]
