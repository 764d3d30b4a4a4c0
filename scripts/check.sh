#!/usr/bin/env bash
#
# Run the fork's tests and print one summary line: "N passed, N failed,
# N skipped".  Exit status is non-zero if anything failed.
#
# Usage: check.sh [GROUP ...]
#   unit      cmocka tests of our modules, then each again under valgrind
#   regress   our regress scripts and a smoke subset of upstream's
#   interop   the fork against other implementations (scripts/interop.sh)
#   upstream  upstream's complete suite, script by script, with resilience
#             on and off (UPSTREAM_MODES="on off")
#   fuzz      each libFuzzer harness of tests/fuzz/ for FUZZ_SECONDS, two at
#             a time (scripts/fuzz.sh); skipped if clang or libFuzzer is
#             missing
# Default: unit regress interop fuzz.
# Environment:
#   SMOKE_LTESTS   upstream regress scripts run after ours (default below)
#   UPSTREAM_LTESTS  the scripts of the "upstream" group (default: all)
#   VALGRIND=no    run unit tests without valgrind
#   CHECK_LOGS     where per-test logs go (default build/check-logs)
#   FUZZ_SECONDS   run time of each harness (default 60); see fuzz.sh

set -eu
RS_PROG=check
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/testenv.sh"
rs_read_lock
RS_TREE=$(rs_tree)
tree=$RS_TREE

# A subset of upstream's own suite that exercises every area our hooks
# touch: transport (every cipher, MAC and key exchange, corruption), rekey,
# privsep, channels and forwarding, sftp/scp, mux, configuration dumps,
# SIGHUP re-exec and connection timeouts.  About five minutes.
SMOKE_LTESTS=${SMOKE_LTESTS-connect connect-privsep proxy-connect transfer \
    try-ciphers kextype dhgex integrity rekey broken-pipe exit-status \
    stderr-data yes-head sftp scp forwarding dynamic-forward multiplex \
    cfgparse sshcfgparse reexec reconfigure login-timeout connection-timeout}

logs=${CHECK_LOGS:-${BUILD_DIR:-$RS_TOP/build}/check-logs}
rm -rf "$logs"
mkdir -p "$logs"
groups=${*:-unit regress interop fuzz}

tp=0 tf=0 ts=0		# totals
gp=0 gf=0 gs=0		# current group
failed=()

result() {	# result pass|fail|skip NAME [DETAIL]
	case "$1" in
	pass) gp=$((gp + 1)); printf '  PASS  %s %s\n' "$2" "${3:-}" ;;
	fail) gf=$((gf + 1)); failed+=("$2")
	      printf '  FAIL  %s %s\n' "$2" "${3:-}" ;;
	skip) gs=$((gs + 1)); printf '  SKIP  %s %s\n' "$2" "${3:-}" ;;
	esac
}

show_tail() {	# show_tail LOG: the end of a failed test's log
	tail -n "${CHECK_TAIL:-25}" "$1" | sed 's/^/        | /'
}

group_end() {	# group_end NAME
	printf '%s: %d passed, %d failed, %d skipped\n' "$1" "$gp" "$gf" "$gs"
	tp=$((tp + gp)); tf=$((tf + gf)); ts=$((ts + gs))
	gp=0 gf=0 gs=0
}

# --- unit: cmocka tests of our modules --------------------------------------
run_unit() {
	local out="${BUILD_DIR:-$RS_TOP/build}/unit" t name log p f s rc vg=()
	echo "== unit tests (cmocka, tests/unit/)"
	if ! make -s -C "$RS_TOP/tests/unit" TREE="$tree" OUT="$out" \
	    >"$logs/unit-build.log" 2>&1; then
		result fail "unit-build" "(compile error)"
		show_tail "$logs/unit-build.log"
		group_end unit
		return
	fi
	# PROTOCOL.resilient Appendix A against tests/vectors/, byte for byte
	if make -s -C "$RS_TOP/tests/unit" TREE="$tree" OUT="$out" \
	    check-vectors >"$logs/unit-vectors.log" 2>&1; then
		result pass resilient-vectors-text "(Appendix A matches)"
	else
		result fail resilient-vectors-text "(log: $logs/unit-vectors.log)"
		show_tail "$logs/unit-vectors.log"
	fi
	if [ "${VALGRIND:-yes}" != no ] && command -v valgrind >/dev/null; then
		vg=(valgrind -q --error-exitcode=99 --leak-check=full
		    --suppressions="$RS_TOP/tests/unit/valgrind.supp"
		    --errors-for-leak-kinds=definite)
	fi
	for t in $(make -s -C "$RS_TOP/tests/unit" TREE="$tree" OUT="$out" list); do
		name=$(basename "$t")
		log="$logs/$name.log"
		rc=0
		"$t" >"$log" 2>&1 || rc=$?
		p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
		f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
		s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
		p=${p:-0} f=${f:-0} s=${s:-0}
		if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
			f=1	# crashed without a summary
		fi
		gp=$((gp + p)); gs=$((gs + s)); gf=$((gf + f))
		if [ "$f" != 0 ]; then
			failed+=("$name")
			printf '  FAIL  %s (%s passed, %s failed, exit %s)\n' \
			    "$name" "$p" "$f" "$rc"
			show_tail "$log"
			continue
		fi
		printf '  PASS  %s (%s tests)\n' "$name" "$p"
		[ "${#vg[@]}" -gt 0 ] || continue
		# The same binary again, smaller, as a memory check
		rc=0
		RESILIENT_TEST_QUICK=1 "${vg[@]}" "$t" >"$log.valgrind" 2>&1 ||
		    rc=$?
		if [ "$rc" != 0 ]; then
			result fail "$name-valgrind" "(exit $rc)"
			show_tail "$log.valgrind"
		else
			result pass "$name-valgrind" "(quick run, no errors)"
		fi
	done
	group_end unit
}

# Run upstream's harness on each named regress script, one at a time, so
# that one failure does not hide the rest.
run_ltests() {	# run_ltests NAME...
	local t log rc start secs why
	for t in "$@"; do
		log="$logs/$t.log"
		start=$(date +%s)
		rc=0
		make -C "$tree" t-exec LTESTS="$t" >"$log" 2>&1 || rc=$?
		secs=$(( $(date +%s) - start ))
		if [ "$rc" != 0 ]; then
			result fail "$t" "(${secs}s, log: $log)"
			show_tail "$log"
		elif why=$(grep -m1 '^SKIPPED: ' "$log"); then
			result skip "$t" "(${why#SKIPPED: })"
		else
			result pass "$t" "(${secs}s)"
		fi
	done
}

# Run one of upstream's top-level test targets as a single result.
run_target() {	# run_target TARGET
	local log="$logs/$1.log" rc=0 start secs
	start=$(date +%s)
	make -C "$tree" "$1" >"$log" 2>&1 || rc=$?
	secs=$(( $(date +%s) - start ))
	if [ "$rc" != 0 ]; then
		result fail "$1" "(${secs}s, log: $log)"
		show_tail "$log"
	else
		result pass "$1" "(${secs}s)"
	fi
}

# Print a variable of upstream's regress/Makefile.
regress_var() {
	printf 'rs-print-%%:\n\t@echo $($*)\n' |
	    make -s -C "$tree/regress" -f Makefile -f - "rs-print-$1"
}

# --- regress: our scripts, then upstream's smoke subset ----------------------
run_regress() {
	echo "== regress tests (upstream harness: ours, then upstream smoke subset)"
	rs_ensure_privsep
	# shellcheck disable=SC2046
	run_ltests $(regress_var RESILIENT_LTESTS) $SMOKE_LTESTS
	group_end regress
}

# --- upstream: the complete upstream suite, as "make tests" runs it ----------
# Run once per mode in UPSTREAM_MODES: "on" with resilient sessions offered
# by both sides (the default), "off" with ResilientSessions no on both, as
# a stock build behaves.  Upstream's harness appends the options to the
# configurations it generates.
run_upstream() {
	local mode opt list top=$logs
	for mode in ${UPSTREAM_MODES:-on off}; do
		case "$mode" in
		on)	opt="ResilientSessions yes" ;;
		off)	opt="ResilientSessions no" ;;
		*)	rs_die "unknown upstream mode: $mode (modes: on off)" ;;
		esac
		echo "== upstream regress suite, resilience $mode" \
		    "(file tests, every LTESTS script, interop, unit)"
		rs_ensure_privsep
		logs="$top/upstream-$mode"
		mkdir -p "$logs"
		export TEST_SSH_SSHD_CONFOPTS="$opt" TEST_SSH_SSH_CONFOPTS="$opt"
		run_target file-tests
		list=${UPSTREAM_LTESTS:-$(regress_var LTESTS)}
		if [ "$mode" = off ]; then
			# ours test the extension itself
			list=$(printf '%s\n' $list | grep -v '^resilient-')
		fi
		# shellcheck disable=SC2086
		run_ltests $list
		run_target interop-tests
		run_target unit
		unset TEST_SSH_SSHD_CONFOPTS TEST_SSH_SSH_CONFOPTS
		logs=$top
		group_end "upstream-$mode"
	done
}

# --- interop: the matrix of scripts/interop.sh as one group ------------------
run_interop() {
	local log="$logs/interop.log" rc=0 line
	echo "== interop (the fork against other SSH implementations)"
	INTEROP_LOGS="$logs/interop" "$RS_TOP/scripts/interop.sh" \
	    >"$log" 2>&1 || rc=$?
	sed -n '/^client -> server/,/^runtime/p' "$log" | sed 's/^/  /'
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$log" |
	    tail -n 1)
	if [ -z "$line" ]; then
		result fail interop "(exit $rc, no summary; log: $log)"
		show_tail "$log"
	else
		set -- $line
		gp=$1 gf=$3 gs=$5
		if [ "$gf" != 0 ] || [ "$rc" != 0 ]; then
			[ "$gf" != 0 ] || gf=1
			failed+=(interop)
			show_tail "$log"
		fi
	fi
	group_end interop
}

# --- fuzz: the libFuzzer harnesses, FUZZ_SECONDS each --------------------------
run_fuzz() {
	local why log="$logs/fuzz.log" start v name detail
	echo "== fuzz (libFuzzer harnesses of tests/fuzz/," \
	    "${FUZZ_SECONDS:-60} s each, ${FUZZ_JOBS:-2} at a time)"
	if ! why=$("$RS_TOP/scripts/fuzz.sh" probe 2>&1); then
		result skip fuzz "($why)"
		group_end fuzz
		return
	fi
	start=$(date +%s)
	if ! "$RS_TOP/scripts/fuzz.sh" build >"$logs/fuzz-build.log" 2>&1; then
		result fail fuzz-build "(log: $logs/fuzz-build.log)"
		show_tail "$logs/fuzz-build.log"
		group_end fuzz
		return
	fi
	echo "  (built in $(( $(date +%s) - start )) s)"
	FUZZ_LOGS="$logs/fuzz" "$RS_TOP/scripts/fuzz.sh" run >"$log" 2>&1 ||
	    true
	while read -r v name detail; do
		case "$v" in
		PASS)	result pass "$name" "($detail)" ;;
		FAIL)	result fail "$name" "($detail)"
			show_tail "$logs/fuzz/$name.log" ;;
		esac
	done <"$log"
	if ! grep -q -E '^(PASS|FAIL) ' "$log"; then
		result fail fuzz "(no results; log: $log)"
		show_tail "$log"
	fi
	echo "  (fuzz group: $(( $(date +%s) - start )) s)"
	group_end fuzz
}

for g in $groups; do
	case "$g" in
	unit) run_unit ;;
	regress) run_regress ;;
	interop) run_interop ;;
	upstream) run_upstream ;;
	fuzz) run_fuzz ;;
	*) rs_die "unknown test group: $g (groups: unit regress interop upstream fuzz)" ;;
	esac
done

if [ "${#failed[@]}" -gt 0 ]; then
	echo "failed: ${failed[*]} (logs in $logs)"
fi
echo "$tp passed, $tf failed, $ts skipped"
[ "$tf" = 0 ]
