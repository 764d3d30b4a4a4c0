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
#	resilient-ssh: a reconnect whose handshake is late or lost, as on a
#	lossy path.  The relay either passes the server's RECONNECT_REPLY
#	and then holds the client's NEWKEYS and SYNC for a while (ssh's
#	probe gives up on that connection and tries again while sshd may
#	still be finishing the first attempt), or delays the reply past
#	ssh's ConnectTimeout, or drops it and resets the connection.  Each
#	retry must be accepted: the session comes back, the command's
#	output arrives whole, and no session stays behind on the server.

tid="resilient reconnect with a late or lost handshake"

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

# run_case WHAT "RELAY COMMAND" SSH_OPTS...: cut the connection of a
# running command once the relay has armed the command for the reconnect
run_case() {
	_l_hold=$1
	_l_cmd=$2
	shift 2
	verbose "test $tid: $_l_hold"
	rm -f $out $log $rcfile
	(
		${REAL_SSH} -F $RELAY_SSH_CONFIG -E $log -v "$@" somehost \
		    "$producer" > $out
		echo $? > $rcfile
	) &
	_l_pid=$!
	wait_for 30 test -s $out || fatal "$_l_hold: no output"
	relay_arm $_l_cmd || fatal "could not arm $_l_cmd"
	relay cut >/dev/null || fatal "relay cut failed"
	relay_armed 70
	test "$RELAY_ANSWER" = ok ||
		fail "$_l_hold: the relay did not act: '$RELAY_ANSWER'"
	wait_bounded $_l_pid 180 ||
		fail "$_l_hold: ssh did not finish"
	test "`cat $rcfile`" = 0 ||
		fail "$_l_hold: ssh exited `cat $rcfile`"
	cmp $want $out || fail "$_l_hold: output corrupted"
	wait_for 20 no_sessions ||
		fail "$_l_hold: sessions left on the server: `session_pids`"
}

# late HOLD OPTS...: hold the client for HOLD s after the reply
late() {
	_late_s=$1
	shift
	run_case "NEWKEYS held $_late_s s" "hold-after-reply $_late_s 60" "$@"
}

# a probe window (1 s + 2 s) shorter than the hold
late 3 -oResilientProbeInterval=1 -oResilientProbeTimeout=2
# the default probe window while data is outstanding (2 s + 5 s)
late 8
# longer than sshd waits for the handshake to complete
late 12
# a reply that comes after ssh gave up on the attempt
run_case "reply 6 s late, ConnectTimeout 3" "delay-reply 6 60" \
    -oConnectTimeout=3
# a reply that never comes: the connection is reset instead
run_case "reply dropped" "drop-reply 60"

stop_relay
cp $OBJ/sshd_config.orig $OBJ/sshd_config
rm -f $out $want $rcfile
test $RESULT -ne 0 || rm -f $log	# ssh's log, if failed
