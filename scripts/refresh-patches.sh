#!/usr/bin/env bash
#
# Export the commits made on top of upstream in the assembled tree back to
# patches/, one patch per commit, and rewrite patches/series to match.
#
# Usage: refresh-patches.sh
#
# Workflow: edit the real C files under build/openssh-*/, commit there (one
# commit per concern; amend an existing patch with "git commit --fixup=<sha>"
# and "git rebase -i --autosquash upstream"), then run "make patches".

set -eu
RS_PROG=patches
. "$(dirname "$0")/lib.sh"
rs_read_lock
tree=$(rs_tree)
g() { git -C "$tree" "$@"; }

[ -d "$tree/.git" ] || rs_die "no assembled tree at $tree; run make first"
g diff --quiet HEAD -- ||
    rs_die "$tree has uncommitted edits; commit them first (one commit per patch)"
[ -e "$tree/.git/rebase-merge" ] || [ -e "$tree/.git/rebase-apply" ] &&
    rs_die "$tree is in the middle of a rebase or am; finish it first"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
g format-patch -q --no-signature --zero-commit -N -o "$out" upstream..HEAD

rm -f "$RS_TOP"/patches/*.patch
{
	echo "# Applied in order on top of openssh-$UPSTREAM_VERSION by scripts/assemble.sh."
	echo "# Regenerate with 'make patches'; never edit the .patch files by hand."
	for f in "$out"/*.patch; do
		[ -f "$f" ] || continue
		mv "$f" "$RS_TOP/patches/"
		basename "$f"
	done
} > "$RS_TOP/patches/series"
echo "$(rs_series_id) $(g rev-parse HEAD)" > "$tree/.git/resilient-applied"
rs_msg "wrote $(grep -c '\.patch$' "$RS_TOP/patches/series") patches to patches/"
