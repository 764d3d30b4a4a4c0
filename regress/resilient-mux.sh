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
#	resilient-ssh: a ControlMaster whose connection is cut while two
#	multiplexed clients run commands with known output; both clients
#	finish with status 0 and exactly that output, and the master goes on
#	serving.  Then "ssh -O reconnect" moves the master to a new connection
#	under a running command, and a master without resilience refuses it.

tid="resilient multiplexed sessions across a cut"

if config_defined DISABLE_FD_PASSING ; then
	skip "not supported on this platform (FD passing disabled)"
fi

. $SRC/resilient-relay.subr

make_tmpdir
CTL=$SSH_REGRESS_TMP/ctl-sock
outa=$OBJ/resilient-mux.a
outb=$OBJ/resilient-mux.b
want=$OBJ/resilient-mux.want
errs=$OBJ/resilient-mux.err

trap 'stop_relay' EXIT

resilient_sshd_config
start_sshd
start_relay

trace "start master through the relay"
start_master $CTL ${SSH} -F $RELAY_SSH_CONFIG

# producer FIRST: 40 blocks of 100 numbers from FIRST, one block every
# 100 ms, so that both clients are mid-output when the cut comes
producer() {
	echo "i=0; while [ \$i -lt 40 ]; do" \
	    "seq \$(($1 + i * 100)) \$(($1 + i * 100 + 99));" \
	    "i=\$((i + 1)); sleep 0.1; done"
}

# 20-28 KiB of output per client over 4 s; cut once 16 KiB more went
# to the client than before they started, a third of the way through.
base=`relay_stat mark_s2c`
test -n "$base" || fatal "relay stats not answered"
before=`relay_count`
relay_arm cut-after $((base + 16384)) 120 s2c || fatal "could not arm a cut"
rm -f $outa $outb
${SSH} -F $RELAY_SSH_CONFIG -S $CTL otherhost "`producer 1`" > $outa &
pida=$!
${SSH} -F $RELAY_SSH_CONFIG -S $CTL otherhost "`producer 100001`" > $outb &
pidb=$!

wait_bounded $pida 120 || fail "mux client a failed across the cut"
wait_bounded $pidb 120 || fail "mux client b failed across the cut"
relay_armed 5
test "$RELAY_ANSWER" = "ok 1" ||
	fail "no cut while the commands ran: '$RELAY_ANSWER'"
seq 1 4000 > $want
cmp $want $outa || fail "mux client a: wrong output across the cut"
seq 100001 104000 > $want
cmp $want $outb || fail "mux client b: wrong output across the cut"
test "`relay_count`" -gt "$before" || fail "master did not reconnect"

# ssh -O reconnect: the master drops its connection and resumes on a new
# one at once, while a client's command is running.
before=`relay_count`
rm -f $outa
${SSH} -F $RELAY_SSH_CONFIG -S $CTL otherhost "`producer 200001`" > $outa &
pida=$!
wait_for 30 test -s $outa || fail "mux client c printed nothing"
${SSH} -F $RELAY_SSH_CONFIG -S $CTL -Oreconnect otherhost > $errs 2>&1 ||
	fail "-O reconnect failed: `cat $errs`"
grep "^Reconnect request sent" $errs >/dev/null ||
	fail "-O reconnect did not report the request: `cat $errs`"
wait_bounded $pida 120 || fail "mux client c failed across -O reconnect"
seq 200001 204000 > $want
cmp $want $outa || fail "mux client c: wrong output across -O reconnect"
test "`relay_count`" -gt "$before" ||
	fail "master did not reconnect after -O reconnect"

# The master still serves new clients, then exits when told to.
${SSH} -F $RELAY_SSH_CONFIG -S $CTL otherhost true ||
	fail "new mux client after the cut failed"
${SSH} -F $RELAY_SSH_CONFIG -S $CTL -Oexit otherhost >/dev/null 2>&1 ||
	fail "master did not accept -O exit"
wait_bounded $SSH_PID 30
test $? -ne 124 || fail "master did not exit after -O exit"
SSH_PID=

# A master whose session is not resilient refuses -O reconnect.
${SSH} -Nn2 -MS$CTL -F $RELAY_SSH_CONFIG -oResilientSessions=no somehost &
SSH_PID=$!
wait_for 20 ${SSH} -F $RELAY_SSH_CONFIG -S $CTL -Ocheck otherhost \
    >/dev/null 2>&1 || fatal "second mux master never became ready"
${SSH} -F $RELAY_SSH_CONFIG -S $CTL -Oreconnect otherhost > $errs 2>&1
test $? -eq 255 || fail "-O reconnect to a plain master did not fail"
# (fatal() writes to the harness's log, not to stderr)
grep "refused reconnect request: the session cannot be resumed" \
    $TEST_SSH_LOGFILE >/dev/null || fail "-O reconnect: unclear refusal"
${SSH} -F $RELAY_SSH_CONFIG -S $CTL -Oexit otherhost >/dev/null 2>&1
wait_bounded $SSH_PID 30
SSH_PID=

stop_relay
cp $OBJ/sshd_config.orig $OBJ/sshd_config
rm -f $outa $outb $want $errs
