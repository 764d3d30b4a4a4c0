#	resilient-ssh: sessions that cannot come back end cleanly.  A session
#	detached for longer than the server's ResilientTimeout ends on the
#	server, and the client, told so on its attempts, exits with status
#	255 once the refusals persist, its last line naming the server's
#	reason (the session's tombstone); so does a client whose session
#	process was killed, and one whose session ResilientMaxDetached ended.
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
	grep "$1" ${sshdlog:-$TEST_SSHD_LOGFILE} >/dev/null 2>&1
}

session_pid() {
	session_pids | head -1
}
established() {
	test "`session_pids | wc -l`" -ge "${1:-1}"
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
# resumed once first: the transport's addresses were replaced
relay cut >/dev/null || fatal "relay cut failed"
wait_for 20 logged 'session resumed from' || fail "session did not resume"
relay down >/dev/null || fatal "relay down failed"
wait_for 20 logged 'detached session ends after 2 s' ||
	fail "server did not end the detached session"
# its last line still names the address it came from
wait_for 10 logged 'Closing connection to' || fail "no last line logged"
grep 'Closing connection to' ${sshdlog:-$TEST_SSHD_LOGFILE} | tail -1 |
    grep 'to 127\.0\.0\.1 port [0-9][0-9]*.\{0,1\}$' >/dev/null ||
	fail "the session's last line is garbled: `grep 'Closing conn' \
	    ${sshdlog:-$TEST_SSHD_LOGFILE} | tail -1 | cat -v`"
relay up >/dev/null
# a refusal in clear ends ssh once it persists: 3 refusals over 15 s
wait_for 60 finished || fail "client did not give up"
test "`cat $rcfile`" = 255 || fail "client exited `cat $rcfile`, not 255"
# its last line names the reason: refusals over the grace period, and
# what the server said
grep -E 'lost; session not resumed: the server refused to resume it ([3-9]|[1-9][0-9]+) times over (1[5-9]|[2-9][0-9]) s; it said: session ended by the server: detached longer than its ResilientTimeout\.' \
    $err >/dev/null ||
	fail "client did not say why, or gave up early: `cat $err`"
logged 'reconnect refused: session ended by the server: detached longer' ||
	fail "server did not log the refusal"

verbose "test $tid: session process killed"
run_client
wait_for 20 established || fatal "no session established"
$SUDO kill -9 `session_pid`
wait_for 60 finished || fail "client hung after its session was killed"
test "`cat $rcfile`" = 255 || fail "client exited `cat $rcfile`, not 255"

verbose "test $tid: beyond ResilientMaxDetached"
stop_sshd
# (a directory of its own: sessions left detached earlier must not take
# the one place)
resilient_dir rs-cap
( echo "ResilientTimeout 60"; echo "ResilientMaxDetached 10:1";
  echo "ResilientDirectory $RESILIENT_DIR";
  cat $OBJ/sshd_config ) > $OBJ/sshd_config.new
mv $OBJ/sshd_config.new $OBJ/sshd_config
sshdlog=$OBJ/resilient-expire.sshd.log
rm -f $sshdlog
start_logged_sshd $sshdlog
rm -f $rcfile.1 $rcfile.2
clients=
for i in 1 2; do
	(
		${SSH} -F $RELAY_SSH_CONFIG somehost 'sleep 60'
		echo $? > $rcfile.$i
	) > /dev/null 2> $err.$i &
	clients="$clients $!"
done
wait_for 20 established 2 || fatal "two sessions not established"
relay down >/dev/null || fatal "relay down failed"
wait_for 20 logged 'detached sessions of its user (ResilientMaxDetached)' ||
	fail "the session's monitor did not log the limit"
wait_for 20 logged 'detached session ends: too many detached sessions' ||
	fail "the session beyond the limit did not end"
test "`session_pids | wc -l`" -eq 1 ||
	fail "not exactly one detached session left"
relay up >/dev/null
# The one beyond the limit cannot come back; the other resumes.
gave_up() {
	test -s $rcfile.1 || test -s $rcfile.2
}
wait_for 60 gave_up || fail "neither client gave up"
test "`cat $rcfile.1 $rcfile.2 2>/dev/null`" = 255 ||
	fail "clients exited '`cat $rcfile.1 $rcfile.2 2>/dev/null`', not one 255"
wait_for 30 logged 'resilient: session resumed from' ||
	fail "the session within the limit did not resume"
test "`session_pids | wc -l`" -eq 1 || fail "the resumed session is gone"
for i in 1 2; do
	if test -s $rcfile.$i; then
		grep 'lost; session not resumed: .*; it said: session ended by the server: too many detached sessions (ResilientMaxDetached)\.' \
		    $err.$i >/dev/null ||
			fail "client $i did not name the cap: `cat $err.$i`"
		continue
	fi
	grep 'lost; session not resumed' $err.$i >/dev/null &&
		fail "client $i gave up too"
done
# The resumed client's 'sleep 60' need not run out.
for pid in $clients; do
	pkill -P $pid 2>/dev/null
	wait_bounded $pid 10 >/dev/null
done

stop_relay
cp $OBJ/sshd_config.orig $OBJ/sshd_config
rm -f $err $rcfile $err.1 $err.2 $rcfile.1 $rcfile.2
test $RESULT -ne 0 || rm -f $sshdlog	# the sessions' log, if failed
