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
#	resilient-ssh: a reconnect whose last steps arrive late.  The relay
#	passes the server's RECONNECT_REPLY, then holds the client's NEWKEYS
#	and SYNC for a while, as a lossy path would: ssh's probe gives up on
#	that connection and tries again while sshd may still be finishing
#	the first attempt, so the retry can be refused ("unknown", "busy")
#	in the meantime.  The session must come back, the command's output
#	arrive whole, and no session stay behind on the server.

tid="resilient reconnect with a late NEWKEYS"

. $SRC/resilient-relay.subr

out=$OBJ/resilient-late.out
want=$OBJ/resilient-late.want
log=$OBJ/resilient-late.ssh.log
rcfile=$OBJ/resilient-late.rc

trap 'stop_relay' EXIT

no_sessions() {
	test -z "`session_pids`"
}

resilient_sshd_config
start_sshd
start_relay

producer=`numbers 60`
seq 1 6000 > $want

# late HOLD OPTS...: hold the client for HOLD s after the reply
late() {
	_l_hold=$1
	shift
	verbose "test $tid: held $_l_hold s"
	rm -f $out $log $rcfile
	(
		${REAL_SSH} -F $RELAY_SSH_CONFIG -E $log -v "$@" somehost \
		    "$producer" > $out
		echo $? > $rcfile
	) &
	_l_pid=$!
	wait_for 30 test -s $out || fatal "held $_l_hold s: no output"
	relay_arm hold-after-reply $_l_hold 60 ||
	    fatal "could not arm hold-after-reply"
	relay cut >/dev/null || fatal "relay cut failed"
	relay_armed 70
	test "$RELAY_ANSWER" = ok ||
		fail "held $_l_hold s: no reply was held: '$RELAY_ANSWER'"
	wait_bounded $_l_pid 180 ||
		fail "held $_l_hold s: ssh did not finish"
	test "`cat $rcfile`" = 0 ||
		fail "held $_l_hold s: ssh exited `cat $rcfile`"
	cmp $want $out || fail "held $_l_hold s: output corrupted"
	wait_for 20 no_sessions ||
		fail "held $_l_hold s: sessions left on the server: `session_pids`"
}

# a probe window (1 s + 2 s) shorter than the hold
late 3 -oResilientProbeInterval=1 -oResilientProbeTimeout=2
# the default probe window while data is outstanding (2 s + 5 s)
late 8
# longer than sshd waits for the handshake to complete
late 12

stop_relay
cp $OBJ/sshd_config.orig $OBJ/sshd_config
rm -f $out $want $rcfile
test $RESULT -ne 0 || rm -f $log	# ssh's log, if failed
