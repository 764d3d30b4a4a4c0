#!/usr/bin/env bash
#
# Assemble, configure (when needed) and build the fork.
#
# Usage: build.sh
# Environment: PREFIX (default /usr/local), CONFIGURE_FLAGS (extra flags for
# upstream's configure), plus those of assemble.sh.
#
# configure runs again only when its flags change or configure itself
# changed; a patched Makefile.in only re-runs config.status.  V=1 shows
# the compiler output.

set -eu
RS_PROG=build
. "$(dirname "$0")/lib.sh"
rs_read_lock
tree=$(rs_tree)

"$RS_TOP/scripts/assemble.sh"

args=$(rs_configure_args)
stamp="$tree/.resilient-configure-flags"
if [ ! -f "$tree/config.status" ] || [ ! -f "$stamp" ] ||
    [ "$(cat "$stamp")" != "$args" ] ||
    [ "$tree/configure" -nt "$tree/config.status" ]; then
	rs_msg "configuring: $args (log: $tree/configure.log)"
	rm -f "$stamp"
	# shellcheck disable=SC2086
	if ! (cd "$tree" && ./configure $args) >"$tree/configure.log" 2>&1; then
		tail -n 20 "$tree/configure.log" >&2
		rs_die "configure failed; see $tree/configure.log"
	fi
	echo "$args" > "$stamp"
elif [ "$tree/Makefile.in" -nt "$tree/Makefile" ]; then
	(cd "$tree" && ./config.status) >>"$tree/configure.log" 2>&1 ||
	    rs_die "config.status failed; see $tree/configure.log"
fi

# The full compiler output goes to a log; errors and warnings from our own
# files are shown, and the log's tail if the build fails.  V=1 shows all.
log="$tree/build.log"
rs_msg "building in $tree (log: $log)"
if [ "${V:-0}" = 1 ]; then
	make -C "$tree" -j"$(rs_jobs)"
elif ! make -C "$tree" -j"$(rs_jobs)" >"$log" 2>&1; then
	grep -E '(error|warning):' "$log" | head -n 40 >&2 || true
	grep -v '^cc ' "$log" | tail -n 15 >&2
	rs_die "build failed; full log in $log"
else
	grep -E '^(resilient|kex-resilient|routemon)[^:]*:[0-9]+:[0-9]+: (error|warning):' \
	    "$log" >&2 || true
fi
rs_msg "built: $("$tree/ssh" -V 2>&1)"
