#!/usr/bin/env bash
#
# Build and run the libFuzzer harnesses of tests/fuzz/.
#
# Usage: fuzz.sh probe | build | list | run [NAME ...]
#   probe   succeed quietly if clang can build and run a fuzzer with
#           ASan and UBSan here; otherwise say why in one line and fail
#   build   assemble a second copy of the fork in $FUZZ_DIR from the same
#           tarball and patches, configure it with clang and the
#           sanitizers, build its libraries, then the harnesses and their
#           seed corpora ("make fuzz")
#   list    the harnesses' names
#   run     run the harnesses (all, or those named), FUZZ_JOBS at a time,
#           FUZZ_SECONDS each, and print one line for each:
#           "PASS name detail" or "FAIL name detail".  Fails if any found
#           a crash, a leak, a hang or a broken invariant.
# Environment:
#   FUZZ_SECONDS  run time of each harness (default 60; 0: no limit)
#   FUZZ_RUNS     also stop each harness after this many inputs
#   FUZZ_JOBS     harnesses run at a time (default 2)
#   FUZZ_DIR      tree, binaries, seeds, corpora, crashes (default build/fuzz)
#   FUZZ_LOGS     one log per harness (default $FUZZ_DIR/logs)
#   FUZZ_LOG      log level of the code under test, e.g. debug3 (default:
#                 quiet); for replaying a crash, not for fuzzing
#   CLANG         the compiler (default clang)
#
# The corpus each harness builds up is kept in $FUZZ_DIR/corpus/NAME and
# grows from run to run; crashes go to $FUZZ_DIR/artifacts/NAME/.  Run a
# harness on one input to replay it: $FUZZ_DIR/bin/NAME FILE.

set -eu
RS_PROG=fuzz
. "$(dirname "$0")/lib.sh"
rs_read_lock

FUZZ_DIR=${FUZZ_DIR:-${BUILD_DIR:-$RS_TOP/build}/fuzz}
CLANG=${CLANG:-clang}
tree="$FUZZ_DIR/openssh-$UPSTREAM_VERSION"
fuzzmake=(make -s -C "$RS_TOP/tests/fuzz" TREE="$tree" FUZZ_DIR="$FUZZ_DIR")

# Instrument everything, upstream's objects too (but see coverage.ignore);
# UBSan findings abort
IGNORE="$RS_TOP/tests/fuzz/coverage.ignore"
SAN_CFLAGS="-g -O1 -fno-omit-frame-pointer \
-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined \
-fsanitize-coverage-ignorelist=$IGNORE"
SAN_LDFLAGS="-fsanitize=address,undefined"

probe() {
	local dir rc=0 why=""

	if ! command -v "$CLANG" >/dev/null 2>&1; then
		echo "$CLANG is not installed (make deps installs clang)"
		return 1
	fi
	dir=$(mktemp -d)
	printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
	    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)' \
	    '{ return n > 0 && d[0] == 1 && n == 42; }' >"$dir/probe.c"
	if ! "$CLANG" -fsanitize=fuzzer,address,undefined -o "$dir/probe" \
	    "$dir/probe.c" >"$dir/log" 2>&1; then
		why="$CLANG cannot link libFuzzer with ASan and UBSan"
		why="$why (the compiler-rt runtimes, libclang-rt-*-dev, are missing?)"
	elif ! "$dir/probe" -runs=100 >"$dir/log" 2>&1; then
		why="a fuzzer built by $CLANG does not run here: $(grep -m1 \
		    -E 'ERROR|error' "$dir/log" || tail -n 1 "$dir/log")"
	fi
	rm -rf "$dir"
	[ -z "$why" ] && return 0
	echo "$why"
	return 1
}

build() {
	local why args stamp log

	why=$(probe) || rs_die "$why"
	BUILD_DIR="$FUZZ_DIR" "$RS_TOP/scripts/assemble.sh"

	args="CC=$CLANG CFLAGS=$SAN_CFLAGS LDFLAGS=$SAN_LDFLAGS"
	args="$args --without-hardening --with-sandbox=no"
	args="$args ignorelist=$(rs_sha256 "$IGNORE")"
	stamp="$tree/.resilient-configure-flags"
	if [ ! -f "$tree/config.status" ] || [ ! -f "$stamp" ] ||
	    [ "$(cat "$stamp")" != "$args" ] ||
	    [ "$tree/configure" -nt "$tree/config.status" ]; then
		rs_msg "configuring with $CLANG and the sanitizers (log: $tree/configure.log)"
		# objects built with other flags would stay
		if [ -f "$stamp" ] && [ -f "$tree/Makefile" ]; then
			make -C "$tree" clean >/dev/null 2>&1 || true
		fi
		rm -f "$stamp"
		# configure's test programs leak on purpose: no LSan there
		if ! (cd "$tree" && ASAN_OPTIONS=detect_leaks=0 ./configure \
		    CC="$CLANG" CFLAGS="$SAN_CFLAGS" LDFLAGS="$SAN_LDFLAGS" \
		    --without-hardening --with-sandbox=no) \
		    >"$tree/configure.log" 2>&1; then
			tail -n 20 "$tree/configure.log" >&2
			rs_die "configure failed; see $tree/configure.log"
		fi
		echo "$args" >"$stamp"
	elif [ "$tree/Makefile.in" -nt "$tree/Makefile" ]; then
		(cd "$tree" && ASAN_OPTIONS=detect_leaks=0 ./config.status) \
		    >>"$tree/configure.log" 2>&1 ||
		    rs_die "config.status failed; see $tree/configure.log"
	fi

	# Only what the harnesses link: the libraries and two stubs
	log="$tree/build.log"
	rs_msg "building the instrumented libraries (log: $log)"
	if ! make -C "$tree" -j"$(rs_jobs)" libssh.a \
	    openbsd-compat/libopenbsd-compat.a ssh-sk-client.o \
	    ssh-pkcs11-client.o >"$log" 2>&1; then
		grep -E '(error|warning):' "$log" | head -n 40 >&2 || true
		tail -n 15 "$log" >&2
		rs_die "build failed; full log in $log"
	fi
	rs_msg "building the harnesses in $FUZZ_DIR/bin"
	"${fuzzmake[@]}" -j"$(rs_jobs)" all ||
	    rs_die "building the harnesses failed"
	rs_msg "built: $(list | tr '\n' ' ')"
}

list() {
	"${fuzzmake[@]}" list | while read -r bin maxlen seeds; do
		basename "$bin"
	done
}

# Run one harness; its verdict goes to $logs/NAME.result
run_one() {	# run_one BIN MAXLEN SEEDS
	local bin=$1 maxlen=$2 seeds=$3 name corpus art log rc=0 runs rate
	local n start secs crash why
	local opts=()

	name=$(basename "$bin")
	corpus="$FUZZ_DIR/corpus/$name"
	art="$FUZZ_DIR/artifacts/$name"
	log="$logs/$name.log"
	mkdir -p "$corpus" "$art"
	opts=(-max_len="$maxlen" -timeout="${FUZZ_TIMEOUT:-10}"
	    -rss_limit_mb=2048 -print_final_stats=1
	    -max_total_time="${FUZZ_SECONDS:-60}" -artifact_prefix="$art/")
	[ -z "${FUZZ_RUNS:-}" ] || opts+=(-runs="$FUZZ_RUNS")
	[ -d "$seeds" ] || seeds=
	start=$(date +%s)
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
	    "$bin" "${opts[@]}" "$corpus" ${seeds:+"$seeds"} >"$log" 2>&1 ||
	    rc=$?
	secs=$(( $(date +%s) - start ))
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	n=$(find "$corpus" -type f | wc -l)
	if [ "$rc" = 0 ] && [ -n "$runs" ]; then
		echo "PASS $name $runs runs in ${secs} s, $rate/s, corpus $n" \
		    >"$logs/$name.result"
		return 0
	fi
	crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" |
	    tail -n 1) || true
	why=$(grep -m1 -E '^==[0-9]+==ERROR|^SUMMARY|invariant violated|cleanup_exit|ERROR: libFuzzer|runtime error' \
	    "$log" | sed 's/^==[0-9]*==//' | cut -c1-120) || true
	echo "FAIL $name exit $rc after ${secs} s: ${why:-no stats}${crash:+; input $crash} (log: $log)" \
	    >"$logs/$name.result"
	return 1
}

run() {
	local bin maxlen seeds name want jobs=${FUZZ_JOBS:-2} rc=0 ran=()

	[ -d "$FUZZ_DIR/bin" ] || rs_die "no harnesses in $FUZZ_DIR/bin: run 'make fuzz' first"
	logs=${FUZZ_LOGS:-$FUZZ_DIR/logs}
	mkdir -p "$logs"
	while read -r bin maxlen seeds; do
		name=$(basename "$bin")
		if [ "$#" -gt 0 ]; then
			for want in "$@"; do
				[ "$want" = "$name" ] && break
				want=
			done
			[ -n "$want" ] || continue
		fi
		[ -x "$bin" ] || rs_die "$bin is missing: run 'make fuzz' first"
		rm -f "$logs/$name.result"
		while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
			wait -n || true
		done
		run_one "$bin" "$maxlen" "$seeds" &
		ran+=("$name")
	done < <("${fuzzmake[@]}" list)
	wait || true
	[ "${#ran[@]}" -gt 0 ] || rs_die "no such harness: $*"
	for name in "${ran[@]}"; do
		if [ -f "$logs/$name.result" ]; then
			cat "$logs/$name.result"
		else
			echo "FAIL $name no verdict (log: $logs/$name.log)"
		fi
		grep -q '^PASS' "$logs/$name.result" 2>/dev/null || rc=1
	done
	return "$rc"
}

case "${1:-}" in
probe)	probe ;;
build)	build ;;
list)	list ;;
run)	shift; run "$@" ;;
*)	rs_die "usage: fuzz.sh probe | build | list | run [NAME ...]" ;;
esac
