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
#	resilient-ssh: ending ssh while its session is detached ends the
#	server's session too.  A multiplexing master runs a command through
#	a relay; the relay goes down and the master detaches; "ssh -O exit"
#	ends it.  With the path back within a few seconds, the master
#	reconnects only to close the session: the server's session process
#	is gone at once, not after the server's ResilientTimeout.  With the
#	path still down, the master says it could not reach the server and
#	exits after a few seconds, and the server keeps the session.
#

tid="resilient session ended while detached"

. $SRC/resilient-relay.subr

make_tmpdir
CTL=$SSH_REGRESS_TMP/ctl
MLOG=$OBJ/resilient-close.log
PIDF=$SSH_REGRESS_TMP/remote.pid
trap 'stop_relay' EXIT

resilient_sshd_config
start_sshd
start_relay

remote_alive() {
	test -s $PIDF && kill -0 `cat $PIDF` 2>/dev/null
}
# the session's process in sshd (its unprivileged child)
session_alive() {
	kill -0 $SESSION 2>/dev/null
}
session_gone() {
	! session_alive
}
mlogged() {
	grep -F "$1" $MLOG >/dev/null 2>&1
}
master_gone() {
	! kill -0 $SSH_PID 2>/dev/null
}
# the session process's title (ps) has TEXT
title_has() {
	ps -o args= -p $SESSION 2>/dev/null | grep -F "$1" >/dev/null
}
title_plain() {
	kill -0 $SESSION 2>/dev/null && ! title_has "[detached"
}
sshd_logged() {
	grep -F "$1" $TEST_SSHD_LOGFILE >/dev/null 2>&1
}

# start_session: a master through the relay ($SSH_PID), a remote command
# through it ($REMOTE_CLIENT), and sshd's process for it ($SESSION)
start_session() {
	rm -f $PIDF $MLOG
	relay up >/dev/null
	start_master $CTL ${SSH} -F $RELAY_SSH_CONFIG -E $MLOG
	${SSH} -F $RELAY_SSH_CONFIG -S $CTL -n somehost \
	    "echo \$\$ > $PIDF; exec sleep 300" >/dev/null 2>&1 &
	REMOTE_CLIENT=$!
	wait_for 20 remote_alive || fatal "remote command did not start"
	SESSION=`session_pids`
	test `echo $SESSION | wc -w` = 1 ||
		fatal "expected one session in sshd, found '$SESSION'"
}

# one_round PATH_BACK: master, remote command, down, -O exit; the path
# comes back during the close if PATH_BACK is yes
one_round() {
	start_session
	ans=`relay down`
	case "$ans" in
	ok*)	;;
	*)	fail "down: relay said '$ans'" ;;
	esac
	wait_for 20 mlogged "lost" || fail "master did not notice the cut"
	# an admin sees which sessions are detached, and which process
	# to signal to end one
	wait_for 10 title_has "[detached since " ||
		fail "session's title does not say detached: `ps -o args= -p $SESSION`"
	title_has " from 127.0.0.1]" ||
		fail "session's title does not say from where"
	wait_for 10 sshd_logged "(user $USER, pid $SESSION)" ||
		fail "detach log line does not name user and pid"
	# the request is answered once the master has done what it can
	${SSH} -F $RELAY_SSH_CONFIG -S $CTL -O exit somehost \
	    >/dev/null 2>&1 &
	EXIT_PID=$!
	wait_for 10 mlogged "Ending the session on" ||
		fail "master did not try to end the session"
	if [ "$1" = yes ]; then
		relay up >/dev/null
		wait_for 10 session_gone ||
			fail "session in sshd survived ssh -O exit"
		wait_for 10 master_gone || fail "master did not exit"
		mlogged "Could not reach" &&
			fail "master says it could not reach the server"
	else
		# the master gives up within a few seconds
		wait_for 10 master_gone || fail "master did not exit"
		mlogged "Could not reach" ||
			fail "master did not say that it could not close"
		session_alive || fail "session in sshd ended unreached"
		# ... and sshd keeps it, until its ResilientTimeout
		kill $SESSION 2>/dev/null
	fi
	wait_bounded $EXIT_PID 10 || fail "ssh -O exit failed"
	wait_bounded $REMOTE_CLIENT 10 >/dev/null 2>&1
	wait_bounded $SSH_PID 10 >/dev/null 2>&1
	SSH_PID=
	kill `cat $PIDF` 2>/dev/null
}

one_round yes
one_round no

# While detached: ssh -O check says so, and a new multiplexed session
# says that it waits for the resume; once resumed, the title is as it
# was and the new session runs
check_says() {
	${SSH} -F $RELAY_SSH_CONFIG -S $CTL -O check somehost 2>&1 |
	    grep -F "$1" >/dev/null
}
start_session
title_plain || fail "title of an attached session: `ps -o args= -p $SESSION`"
check_says "Resilient session: connected to 127.0.0.1" ||
	fail "ssh -O check does not say connected"
relay down >/dev/null
wait_for 10 title_has "[detached since " || fail "title does not say detached"
wait_for 10 check_says "Resilient session: connection to 127.0.0.1 lost" ||
	fail "ssh -O check does not say detached"
check_says "Master running" || fail "ssh -O check lost its first line"
NEWOUT=$SSH_REGRESS_TMP/new.out
NEWERR=$SSH_REGRESS_TMP/new.err
${SSH} -F $RELAY_SSH_CONFIG -S $CTL -n somehost "echo new-\$((40+2))" \
    > $NEWOUT 2> $NEWERR &
NEWPID=$!
wait_for 10 grep -F "this session opens once it is resumed" $NEWERR >/dev/null ||
	fail "new session while detached: nothing said: `cat $NEWERR`"
test -s $NEWOUT && fail "new session ran while detached"
relay up >/dev/null
wait_bounded $NEWPID 20 || fail "new session failed after the resume"
grep -x new-42 $NEWOUT >/dev/null || fail "new session's output missing"
wait_for 20 title_plain ||
	fail "title still says detached after the resume: `ps -o args= -p $SESSION`"
${SSH} -F $RELAY_SSH_CONFIG -S $CTL -O exit somehost >/dev/null 2>&1
wait_for 10 session_gone || fail "session did not end with ssh -O exit"
wait_bounded $REMOTE_CLIENT 10 >/dev/null 2>&1
wait_bounded $SSH_PID 10 >/dev/null 2>&1
SSH_PID=
kill `cat $PIDF` 2>/dev/null

# A client whose ResilientTimeout runs out says so on its last line, and
# makes no attempt to close what it could not reach for that long
relay up >/dev/null
ERR=$SSH_REGRESS_TMP/timeout.err
rm -f $PIDF $MLOG
${SSH} -F $RELAY_SSH_CONFIG -E $MLOG -o ResilientTimeout=2 somehost \
    "echo \$\$ > $PIDF; exec sleep 60" >/dev/null 2>$ERR &
CLIENT=$!
wait_for 20 remote_alive || fatal "remote command did not start"
relay down >/dev/null
wait_bounded $CLIENT 20
rc=$?
test $rc = 255 || fail "client exited $rc after ResilientTimeout, not 255"
grep 'lost; session not resumed: no reconnect within 2 s (ResilientTimeout)\.' \
    $ERR >/dev/null || fail "last line does not name ResilientTimeout: `cat $ERR`"
mlogged 'lost' || fail "no log of the lost connection in $MLOG"
mlogged 'Ending the session' &&
	fail "client tried to close after giving up"
kill `cat $PIDF` 2>/dev/null
for s in `session_pids`; do
	kill $s 2>/dev/null
done

stop_relay
cp $OBJ/sshd_config.orig $OBJ/sshd_config
test $RESULT -ne 0 || rm -f $MLOG
