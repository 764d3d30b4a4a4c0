#	resilient-ssh: a session stays resumable across a SIGHUP re-exec and
#	a stop and start of the sshd listener, which holds nothing for it: a
#	connection cut after each is resumed with every byte of its output.
#	A listener started with resumes off ends detached sessions at once.
#	Copyright (c) 2026 The resilient-ssh authors; see LICENCE.

tid="resilient sessions across sshd restarts"

. $SRC/resilient-relay.subr

out=$OBJ/resilient-restart.out
want=$OBJ/resilient-restart.want
trap 'stop_relay' EXIT

resilient_sshd_config	# (with ResilientDirectory $RESILIENT_DIR)

# every listener appends to this log
sshdlog=$OBJ/resilient-restart.sshd.log
rm -f $sshdlog

logged() {
	grep "$1" $sshdlog >/dev/null 2>&1
}
# listeners started so far, by their log
starts() {
	grep -c 'Server listening on 127.0.0.1' $sshdlog
}
started_again() {
	test "`starts`" -gt "$starts"
}
has_lines() {
	test -f $out && test "`wc -l < $out`" -ge $1
}
# the listener's open descriptors
listener_fds() {
	$SUDO ls /proc/`$SUDO cat $PIDFILE`/fd 2>/dev/null | wc -l
}

start_logged_sshd $sshdlog
start_relay
fds_idle=`listener_fds`

reconnected() {
	test "`relay_count`" -gt "$before"
}

# cut_and_resume: cut the session's connection; ssh must connect again
cut_and_resume() {
	before=`relay_count`
	relay cut >/dev/null || fail "$1: relay did not cut"
	wait_for 30 reconnected || fail "$1: ssh did not reconnect"
}

# A session printing 1..150, one number every 100 ms; its exit status
# goes to a file, as the job may be reaped before we ask
rm -f $out $OBJ/resilient-restart.rc
(
	${SSH} -F $RELAY_SSH_CONFIG somehost \
	    'i=1; while [ $i -le 150 ]; do echo $i; i=$((i + 1)); sleep 0.1; done'
	echo $? > $OBJ/resilient-restart.rc
) > $out 2>$OBJ/resilient-restart.err &
wait_for 30 has_lines 5 || fatal "session produced no output"

# The listener holds nothing for a resumable session
if [ -d /proc/self/fd ]; then
	fds=`listener_fds`
	test "$fds" -eq "$fds_idle" ||
		fail "listener has $fds descriptors with a session, $fds_idle without"
fi

verbose "test $tid: SIGHUP"
starts=`starts`
$SUDO kill -HUP `$SUDO cat $PIDFILE`
wait_for 30 started_again || fatal "sshd did not come back after SIGHUP"
cut_and_resume "after SIGHUP"
n=`wc -l < $out`
wait_for 30 has_lines $((n + 3)) || fail "no output after SIGHUP and a cut"

verbose "test $tid: stop and start"
stop_sshd
start_logged_sshd $sshdlog
cut_and_resume "after a restart"

finished() {
	test -s $OBJ/resilient-restart.rc
}
wait_for 60 finished || fail "ssh did not finish"
rc=`cat $OBJ/resilient-restart.rc 2>/dev/null`
test "$rc" = 0 || fail "ssh exited $rc after `wc -l < $out` lines:" \
    "`cat $OBJ/resilient-restart.err`"
seq 1 150 > $want
cmp $want $out || fail "output lost or corrupted across restarts"

verbose "test $tid: restarted with ResilientSessions no"
rm -f $out $OBJ/resilient-restart.rc
(
	${SSH} -F $RELAY_SSH_CONFIG -o ResilientTimeout=60 somehost 'sleep 60'
	echo $? > $OBJ/resilient-restart.rc
) > $out 2>$OBJ/resilient-restart.err &
client=$!
detached() {
	logged 'resilient: session detached from'
}
session_up() {
	test "`session_pids | wc -l`" -ge 1
}
wait_for 20 session_up || fatal "no session established"
child=`session_pids | head -1`
relay down >/dev/null || fatal "relay down failed"
wait_for 20 detached || fatal "the session did not detach"
stop_sshd
( echo "ResilientSessions no"; cat $OBJ/sshd_config ) > $OBJ/sshd_config.off
PIDFILE=$OBJ/pidfile	# stop_sshd clears it
$SUDO ${SSHD} -f $OBJ/sshd_config.off -E $sshdlog ||
	fatal "sshd did not start without resumes"
wait_for 10 test -f $PIDFILE || fatal "no sshd running on port $PORT"
ended() {
	logged 'detached session ends: it can no longer be resumed'
}
wait_for 10 ended || fail "a detached session outlived resumes being off"
child_gone() {
	! kill -0 $child 2>/dev/null
}
wait_for 10 child_gone || fail "the detached session's process remains"
pkill -P $client 2>/dev/null
wait_bounded $client 10 >/dev/null

stop_sshd
stop_relay
cp $OBJ/sshd_config.orig $OBJ/sshd_config
rm -f $out $want $sshdlog $OBJ/resilient-restart.err \
    $OBJ/resilient-restart.rc $OBJ/sshd_config.off
