#	resilient-ssh: a session stays resumable across a SIGHUP re-exec and
#	a stop and start of the sshd listener: it registers again with the
#	new listener, and a connection cut afterwards is resumed with every
#	byte of its output.  Copyright (c) 2026 The resilient-ssh authors;
#	see LICENCE.

tid="resilient sessions across sshd restarts"

. $SRC/resilient-relay.subr

out=$OBJ/resilient-restart.out
want=$OBJ/resilient-restart.want
trap 'stop_relay' EXIT

resilient_sshd_config	# (with ResilientSocket $OBJ/resilient.sock)

# every listener appends to this log
sshdlog=$OBJ/resilient-restart.sshd.log
rm -f $sshdlog

# The listener logs each session that registers again
registrations() {
	grep -c 're-registered' $sshdlog
}
registered() {
	test "`registrations`" -gt "$regs"
}
has_lines() {
	test "`wc -l < $out`" -ge $1
}

start_logged_sshd $sshdlog
start_relay

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

verbose "test $tid: SIGHUP"
regs=`registrations`
$SUDO kill -HUP `$SUDO cat $PIDFILE`
wait_for 30 registered || fail "session did not register after SIGHUP"
cut_and_resume "after SIGHUP"
n=`wc -l < $out`
wait_for 30 has_lines $((n + 3)) || fail "no output after SIGHUP and a cut"

verbose "test $tid: stop and start"
regs=`registrations`
stop_sshd
start_logged_sshd $sshdlog
wait_for 30 registered || fail "session did not register with a new sshd"
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

stop_relay
cp $OBJ/sshd_config.orig $OBJ/sshd_config
rm -f $out $want $sshdlog $OBJ/resilient-restart.err \
    $OBJ/resilient-restart.rc
