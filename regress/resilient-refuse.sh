#	resilient-ssh: a reconnect for a session the server does not have is
#	refused at once with a clear reason, and leaves the server serving.
#	Copyright (c) 2026 The resilient-ssh authors; see LICENCE.

tid="resilient reconnect refused"

probe="/usr/bin/python3 $SRC/resilient-probe.py"
out=$OBJ/resilient-refuse.out

if [ ! -x /usr/bin/python3 ]; then
	skip "no /usr/bin/python3 for the reconnect probe"
fi

start_sshd

# Unknown token: the client is told, in a DISCONNECT it takes as final.
$probe $PORT > $out 2>&1 || fail "probe failed: $(cat $out)"
grep '^DISCONNECT 3 resilient: session unknown or expired$' $out \
	>/dev/null || fail "unknown session not refused clearly: $(cat $out)"
grep 'reconnect refused: session unknown or expired' $TEST_SSHD_LOGFILE \
	>/dev/null || fail "refusal not logged by sshd"

# Without the strict-KEX marker the attempt is not even considered.
$probe $PORT nostrict > $out 2>&1 || fail "probe failed: $(cat $out)"
grep 'resilient: reconnect without strict key exchange' \
	$TEST_SSHD_LOGFILE >/dev/null ||
	fail "non-strict reconnect not refused"

# The server goes on serving ordinary sessions.
${SSH} -F $OBJ/ssh_config somehost true || fail "ssh after probes failed"

rm -f $out
