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
#	resilient-ssh: reconnects that an attacker could send are refused and
#	leave the session unharmed.  The relay records a real client's
#	RECONNECT instead of passing it on, so the session stays detached;
#	sent to sshd on a new connection unchanged (a replay), with a MAC bit
#	flipped, or with another token, it is refused with a clear log line.
#	The client then resumes, its session intact, and the recorded
#	message, replayed after that resume, is refused too.

tid="resilient reconnects forged or replayed"

if config_defined DISABLE_FD_PASSING ; then
	skip "not supported on this platform (FD passing disabled)"
fi

. $SRC/resilient-relay.subr

probe="/usr/bin/python3 $SRC/resilient-probe.py"
make_tmpdir
CTL=$SSH_REGRESS_TMP/ctl-sock
rec=$OBJ/resilient-attack.reconnect
out=$OBJ/resilient-attack.out

trap 'stop_relay' EXIT

# logged TEXT: how many times TEXT is in the server's log
logged() {
	_c=`grep -c "$1" $sshdlog 2>/dev/null`
	echo ${_c:-0}
}

# sshd_logged N TEXT: TEXT is in the server's log at least N times
sshd_logged() {
	test "`logged "$2"`" -ge "$1"
}

# attack MODE WANT: send the recording as MODE; sshd must answer with a
# DISCONNECT saying WANT, and log the refusal.  The attacker connects to
# sshd directly, not through the relay.
attack() {
	_n=`logged "reconnect refused: $2"`
	_pn=`logged "exited after unsuccessful auth attempt"`
	case "$2" in
	wrong*)	;;
	*)	_pn=`logged "exited with status 255"` ;;
	esac
	$probe $PORT $1 $rec > $out 2>&1
	test $? -eq 0 || fail "$1: probe failed: `cat $out`"
	grep "^DISCONNECT 3 resilient: $2\$" $out >/dev/null ||
		fail "$1: not refused with '$2': `cat $out`"
	wait_for 10 sshd_logged $((_n + 1)) "reconnect refused: $2" ||
		fail "$1: refusal not logged by sshd"
	# ... and then ends as a disconnected connection, not as a fault
	test "`logged 'key not found\|message authentication code incorrect'`" \
	    -eq 0 || fail "$1: refusal followed by a misleading error line"
	# Refused attempts count toward PerSourcePenalties: a wrong proof as
	# a failed login, an unknown session as a connection without one.
	case "$2" in
	wrong*)	_p="exited after unsuccessful auth attempt" ;;
	*)	_p="exited with status 255" ;;
	esac
	wait_for 10 sshd_logged $((_pn + 1)) "$_p" ||
		fail "$1: not counted for PerSourcePenalties"
}

# mux_echo WORD: a command through the master prints WORD
mux_echo() {
	test "`${SSH} -F $RELAY_SSH_CONFIG -S $CTL otherhost echo $1`" = "$1"
}

resilient_sshd_config
sshdlog=$OBJ/resilient-attack.sshd.log
rm -f $sshdlog
start_logged_sshd $sshdlog
start_relay

trace "start master through the relay"
${SSH} -Nn2 -MS$CTL -F $RELAY_SSH_CONFIG somehost &
SSH_PID=$!
wait_for 20 ${SSH} -F $RELAY_SSH_CONFIG -S $CTL -Ocheck otherhost \
    >/dev/null 2>&1 || fatal "mux master never became ready"
mux_echo before || fatal "mux master does not run commands"

# Cut; the master's reconnect is recorded, not passed on, and the relay
# stays down: the session is detached on both sides.
rm -f $rec
relay_arm capture $rec 60 || fatal "could not arm a capture"
relay cut >/dev/null || fatal "relay did not cut"
relay_armed 60
case "$RELAY_ANSWER" in
"ok "*)	;;
*)	fatal "no reconnect recorded: '$RELAY_ANSWER'" ;;
esac
trace "recorded a reconnect of `wc -c < $rec` bytes"

# The genuine message on another connection: the MAC covers the server's
# KEXINIT of the recorded connection, so it does not verify here.
attack replay "wrong proof of the session"
attack badmac "wrong proof of the session"
attack badtoken "session unknown or expired"
sshd_logged 1 "detached session ends" &&
	fail "a refused reconnect ended the detached session"

# The master resumes through the relay and runs commands as before.
before=`relay_count`
relay up >/dev/null || fatal "relay did not come up"
wait_for 30 mux_echo after || fail "session not usable after the attacks"
test "`relay_count`" -gt "$before" || fail "master did not reconnect"

# The recorded message has now been used (its token is spent).
attack replay "session unknown or expired"
mux_echo still || fail "session not usable after the replay"

${SSH} -F $RELAY_SSH_CONFIG -S $CTL -Oexit otherhost >/dev/null 2>&1 ||
	fail "master did not accept -O exit"
wait_bounded $SSH_PID 30
test $? -ne 124 || fail "master did not exit after -O exit"
SSH_PID=

stop_relay
cp $OBJ/sshd_config.orig $OBJ/sshd_config
rm -f $rec $out
test $RESULT -ne 0 || rm -f $sshdlog
