#	resilient-ssh: sessions that cannot come back end cleanly.  A session
#	detached for longer than the server's ResilientTimeout ends on the
#	server, and the client, told so on its next attempt, exits at once
#	with status 255; so does a client whose session process was killed.
#	Copyright (c) 2026 The resilient-ssh authors; see LICENCE.

tid="resilient sessions that cannot be resumed"

. $SRC/resilient-relay.subr

err=$OBJ/resilient-expire.err
rcfile=$OBJ/resilient-expire.rc
trap 'stop_relay' EXIT

finished() {
	test -s $rcfile
}
logged() {
	grep "$1" $TEST_SSHD_LOGFILE >/dev/null 2>&1
}

# session_pid: the post-authentication process of this sshd's session (a
# child of the session's monitor, itself a child of the listener)
session_pid() {
	ps -eo pid=,ppid=,args= | awk -v l="`cat $PIDFILE`" '
	    $2 == l && /\[priv\]/ { mon[$1] = 1 }
	    { pp[$1] = $2; line[$1] = $0 }
	    END { for (p in pp) if (pp[p] in mon && line[p] ~ /@notty/)
		{ print p; exit } }'
}
established() {
	test -n "`session_pid`"
}

# A long command through the relay; its exit status goes to $rcfile
run_client() {
	rm -f $rcfile $err
	(
		${SSH} -F $RELAY_SSH_CONFIG somehost 'sleep 60'
		echo $? > $rcfile
	) > /dev/null 2> $err &
}

resilient_sshd_config
# the first value wins: a short lifetime for detached sessions
( echo "ResilientTimeout 2"; cat $OBJ/sshd_config ) > $OBJ/sshd_config.new
mv $OBJ/sshd_config.new $OBJ/sshd_config
start_sshd
start_relay

verbose "test $tid: detached past ResilientTimeout"
run_client
wait_for 20 established || fatal "no session established"
relay down >/dev/null || fatal "relay down failed"
wait_for 20 logged 'detached session ends after 2 s' ||
	fail "server did not end the detached session"
relay up >/dev/null
wait_for 30 finished || fail "client did not give up"
test "`cat $rcfile`" = 255 || fail "client exited `cat $rcfile`, not 255"
grep 'lost; session not resumed' $err >/dev/null ||
	fail "client did not say why: `cat $err`"
logged 'reconnect refused: session unknown or expired' ||
	fail "server did not log the refusal"

verbose "test $tid: session process killed"
run_client
wait_for 20 established || fatal "no session established"
$SUDO kill -9 `session_pid`
wait_for 30 finished || fail "client hung after its session was killed"
test "`cat $rcfile`" = 255 || fail "client exited `cat $rcfile`, not 255"

stop_relay
cp $OBJ/sshd_config.orig $OBJ/sshd_config
rm -f $err $rcfile
