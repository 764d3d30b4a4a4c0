#	resilient-ssh: how reconnects find their sessions.  Nothing that sshd
#	or its sessions listen on can be reached by a local uid that is not
#	root; the listener's descriptors do not grow with resumable
#	sessions, and it goes on serving logins under a descriptor limit
#	lower than their number; sessions beyond ResilientMaxDetached end
#	with one line each, never a loop.
#	Copyright (c) 2026 The resilient-ssh authors; see LICENCE.

tid="resilient rendezvous"

. $SRC/resilient-relay.subr

test "`id -u`" = 0 || skip "needs root: sessions' monitors and another uid"
command -v setpriv >/dev/null 2>&1 || skip "no setpriv to act as another uid"
test -d /proc/self/fd || skip "no /proc to count descriptors"
test -x /usr/bin/python3 || skip "no /usr/bin/python3"

NSESS=80		# resumable sessions, more than ...
FDLIMIT=64		# ... the listener's descriptor limit
CAP_USER=5		# ResilientMaxDetached per user
sshdlog=$OBJ/resilient-rendezvous.sshd.log
pids=$OBJ/resilient-rendezvous.pids
other=$((3000000 + `random_between 0 99999`))	# a uid nobody has

cleanup() {
	test -s $pids && kill -9 `cat $pids` 2>/dev/null
	rm -f $pids
}
trap cleanup EXIT

resilient_sshd_config
( echo "ResilientTimeout 20"; echo "ResilientMaxDetached 1000:$CAP_USER";
  echo "MaxStartups 100"; cat $OBJ/sshd_config ) > $OBJ/sshd_config.new
mv $OBJ/sshd_config.new $OBJ/sshd_config

rm -f $sshdlog $pids
PIDFILE=$OBJ/pidfile
( ulimit -n $FDLIMIT && exec ${SSHD} -f $OBJ/sshd_config -E $sshdlog ) ||
	fatal "sshd did not start under ulimit -n $FDLIMIT"
wait_for 10 test -f $PIDFILE || fatal "no sshd running on port $PORT"
listener=`cat $PIDFILE`
listener_fds() {
	ls /proc/$listener/fd | wc -l
}
logged() {
	grep "$1" $sshdlog >/dev/null 2>&1
}
count_logged() {
	grep -c "$1" $sshdlog 2>/dev/null
}
sockets() {
	ls $RESILIENT_DIR 2>/dev/null | grep -c '^s\.'
}
named() {
	test "`sockets`" -ge $1
}
idle=`listener_fds`
# the listener holds a descriptor per connection still being set up
# (MaxStartups), for moments; none per session
fds_idle() {
	test "`listener_fds`" -eq "$idle"
}

# connect_as UID PATH...: how many of the Unix sockets UID can reach
connect_as() {
	_ca_uid=$1
	shift
	setpriv --reuid=$_ca_uid --regid=$_ca_uid --clear-groups \
	    /usr/bin/python3 -c '
import socket, sys
n = 0
for p in sys.argv[1:]:
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(p)
        n += 1
    except OSError:
        pass
    s.close()
print(n)' "$@"
}

verbose "test $tid: $NSESS resumable sessions, listener limited to $FDLIMIT"
i=0
while [ $i -lt $NSESS ]; do
	${SSH} -F $OBJ/ssh_config -f -N -o ServerAliveInterval=0 somehost ||
		fatal "login $i failed"
	i=$((i + 1))
	if [ $i -eq 10 ]; then
		wait_for 10 named 10 || fail "10 sessions are not all resumable"
		wait_for 5 fds_idle
		fds10=`listener_fds`
	fi
done
pgrep -f -- "-F $OBJ/ssh_config -f -N" > $pids
wait_for 20 named $NSESS || fail "only `sockets` of $NSESS sessions resumable"
wait_for 5 fds_idle
fds=`listener_fds`
trace "listener descriptors: $idle idle, $fds10 with 10 sessions," \
    "$fds with $NSESS"
test "$fds10" -eq "$idle" && test "$fds" -eq "$idle" ||
	fail "listener descriptors grew: $idle, then $fds10, then $fds"
${SSH} -F $OBJ/ssh_config somehost true ||
	fail "no login with $NSESS resumable sessions"

verbose "test $tid: what another uid can reach"
paths=`ls -d $RESILIENT_DIR/* 2>/dev/null`
paths="$paths `ss -xlpn 2>/dev/null | awk '/sshd/ { print $5 }' | grep '^/'`"
n=`echo $paths | wc -w`
test $n -gt $NSESS || fail "only $n sockets to try"
# a positive control: root reaches the sessions' sockets
test "`connect_as 0 $RESILIENT_DIR/s.*`" -ge $NSESS ||
	fail "root cannot reach the sessions' sockets"
reached=`connect_as $other $paths`
test "$reached" = 0 || fail "uid $other reached $reached of $n sockets"
setpriv --reuid=$other --regid=$other --clear-groups \
    sh -c "touch $RESILIENT_DIR/t.squat" 2>/dev/null &&
	fail "uid $other created a name in the directory"
test -e $RESILIENT_DIR/t.squat && fail "a name was squatted"

verbose "test $tid: beyond ResilientMaxDetached, no loop"
lines=`wc -l < $sshdlog`
kill -9 `cat $pids` 2>/dev/null
rm -f $pids
ended() {
	test "`count_logged 'detached session ends: too many detached'`" \
	    -ge $((NSESS - CAP_USER))
}
wait_for 30 ended || fail "only `count_logged 'too many detached'`" \
    "sessions beyond the cap ended"
n=`count_logged 'detached sessions of its user (ResilientMaxDetached)'`
test "$n" -eq $((NSESS - CAP_USER)) ||
	fail "$n cap lines for $((NSESS - CAP_USER)) sessions beyond it"
detached=`ls $RESILIENT_DIR/detached | wc -l`
test "$detached" -eq $CAP_USER ||
	fail "$detached sessions detached, not $CAP_USER"
# the sessions that ended took their names with them
tokens() {
	ls $RESILIENT_DIR | grep -c '^t\.'
}
names_gone() {
	test "`sockets`" -eq $CAP_USER && test "`tokens`" -eq $CAP_USER
}
wait_for 10 names_gone ||
	fail "`sockets` sockets, `tokens` names left for $CAP_USER sessions"
new=$((`wc -l < $sshdlog` - lines))
trace "$new log lines for $NSESS sessions cut"
test $new -lt $((NSESS * 20)) || fail "$new log lines for $NSESS cuts"
wait_for 5 fds_idle || fail "listener descriptors grew"

stop_sshd
cp $OBJ/sshd_config.orig $OBJ/sshd_config
test $RESULT -ne 0 || rm -f $sshdlog
