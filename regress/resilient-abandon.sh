#
# Copyright (c) 2026 The resilient-ssh authors.
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
# WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
# MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
# ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
# WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
# ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
# OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
#
#	resilient-ssh: a make-before-break attempt whose answer never
#	arrives, while the old connection goes on and rekeys.  "ssh -O
#	reconnect" opens a new connection beside the working one; the relay
#	passes its RECONNECT to sshd and then relays nothing more on it, so
#	sshd answers a client that never hears the answer.  The master
#	rekeys every 2 s on the old connection, three times at least.  The
#	two sides must still agree on the resume secret: the move made
#	afterwards, and a reconnect after a cut, resume the session, the
#	output arrives whole, a running command never stops for a second,
#	and no session stays behind.

tid="resilient abandoned make-before-break, then rekeys"

if config_defined DISABLE_FD_PASSING ; then
	skip "not supported on this platform (FD passing disabled)"
fi

. $SRC/resilient-relay.subr

make_tmpdir
CTL=$SSH_REGRESS_TMP/ctl-sock
out=$OBJ/resilient-abandon.out
want=$OBJ/resilient-abandon.want
log=$OBJ/resilient-abandon.ssh.log
errs=$OBJ/resilient-abandon.err
watch=$OBJ/resilient-abandon.watch

trap 'stop_relay' EXIT

resilient_sshd_config
start_sshd
start_relay

# epochs: how often the master's resume secret changed so far
epochs() {
	grep -c "resume secret at epoch" $log
}

# rekeyed N: the secret changed N times more than $before
rekeyed() {
	test "`epochs`" -ge $((before + $1))
}

rm -f $out $log $errs $watch
start_master $CTL ${REAL_SSH} -F $RELAY_SSH_CONFIG -E $log -v \
    -oRekeyLimit="default 2"

# 30 s of output, a block every 100 ms
seq 1 30000 > $want
${SSH} -F $RELAY_SSH_CONFIG -S $CTL otherhost "`numbers 300`" > $out &
pid=$!
wait_for 30 test -s $out || fatal "the command printed nothing"

# watch the first half of the output (15 s) for pauses
/usr/bin/python3 $SRC/resilient-watch.py $out `seq 1 15000 | wc -c` 60 \
    > $watch 2>&1 &
watchpid=$!

relay_arm stall-after-reconnect 60 || fatal "could not arm the relay"
before=`epochs`
${SSH} -F $RELAY_SSH_CONFIG -S $CTL -Oreconnect otherhost > $errs 2>&1 ||
	fail "-O reconnect failed: `cat $errs`"
relay_armed 30
test "$RELAY_ANSWER" = ok ||
	fatal "no reconnect was stalled: '$RELAY_ANSWER'"
wait_for 30 rekeyed 3 ||
	fail "fewer than 3 rekeys after the stalled attempt: `epochs`"
grep "a key exchange completed on the current connection" $log \
    >/dev/null || fail "ssh did not give up the stalled attempt"
wait_for 30 grep "resilient: moved to" $log >/dev/null ||
	fail "ssh did not move to a new connection afterwards"

wait_bounded $watchpid 60
stall=`sed -n 's/^stall_ms //p' $watch`
test -n "$stall" || fail "no pause measured: `cat $watch`"
verbose "test $tid: longest pause ${stall} ms"
test "${stall:-99999}" -lt 1000 ||
	fail "the command stopped for $stall ms during the move"

# and a reconnect after a cut
before=`relay_count`
relay cut >/dev/null || fatal "relay cut failed"
wait_bounded $pid 120 || fail "the command did not finish"
cmp $want $out || fail "output corrupted"
test "`relay_count`" -gt "$before" || fail "no reconnect after the cut"
if grep "reconnect refused\|cannot resume" $log >/dev/null; then
	fail "a reconnect was refused: `grep 'refused' $log | head -3`"
fi

${SSH} -F $RELAY_SSH_CONFIG -S $CTL -Oexit otherhost >/dev/null 2>&1 ||
	fail "master did not accept -O exit"
wait_bounded $SSH_PID 30
SSH_PID=
wait_for 20 test -z "`session_pids`" ||
	fail "sessions left on the server: `session_pids`"

stop_relay
cp $OBJ/sshd_config.orig $OBJ/sshd_config
rm -f $out $want $errs $watch
test $RESULT -ne 0 || rm -f $log
