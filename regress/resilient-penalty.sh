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
#	resilient-ssh: an address that PerSourcePenalties blocks may still
#	resume a session that was detached from it, and do nothing else.
#	Bogus reconnects (random tokens) from 127.0.0.1, the relay's address
#	too, get it blocked while a session through the relay is attached:
#	new connections are dropped at once.  Once that session is detached,
#	127.0.0.1 is let in again, but a login from it is refused before any
#	authentication and a bogus reconnect is answered "unknown"; the
#	session itself resumes through the relay.  Once it is attached again,
#	127.0.0.1 is dropped at once again.

tid="resilient resume from a penalised address"

if config_defined DISABLE_FD_PASSING ; then
	skip "not supported on this platform (FD passing disabled)"
fi

. $SRC/resilient-relay.subr

probe="/usr/bin/python3 $SRC/resilient-probe.py"
make_tmpdir
CTL=$SSH_REGRESS_TMP/ctl-sock
sshdlog=$OBJ/resilient-penalty.sshd.log
out=$OBJ/resilient-penalty.out

trap 'stop_relay' EXIT

# logged TEXT: how many times TEXT is in the server's log
logged() {
	_c=`grep -c "$1" $sshdlog 2>/dev/null`
	echo ${_c:-0}
}

# more_logged N TEXT: TEXT is in the server's log more than N times
more_logged() {
	test "`logged "$2"`" -gt "$1"
}

mux_echo() {
	test "`${SSH} -F $RELAY_SSH_CONFIG -S $CTL otherhost echo $1`" = "$1"
}

# login: a new login from 127.0.0.1, straight to sshd; must fail
login() {
	${SSH} -F $OBJ/ssh_config -oControlPath=none somehost true \
	    >$out 2>&1 && fail "a login from the penalised address worked"
}

# login_refused N: one more login is refused after being let in
login_refused() {
	login
	more_logged $1 "$refused"
}

dropped="drop connection #.* from \[127.0.0.1\].*penalty"
refused="let in only to resume a session; login refused"

resilient_sshd_config
# one connection that never authenticates blocks its address for 60 s,
# each more for 60 s longer (the first value wins in sshd_config)
( echo "PerSourcePenalties noauth:60 authfail:60 min:60 max:600"
  cat $OBJ/sshd_config ) > $OBJ/sshd_config.new
mv $OBJ/sshd_config.new $OBJ/sshd_config
rm -f $sshdlog
start_logged_sshd $sshdlog
start_relay

trace "start master through the relay"
start_master $CTL ${SSH} -F $RELAY_SSH_CONFIG
mux_echo before || fatal "mux master does not run commands"

trace "bogus reconnects get 127.0.0.1 blocked"
n=0
until more_logged 0 "$dropped"; do
	n=$((n + 1))
	test $n -le 10 || fatal "127.0.0.1 not blocked after 10 reconnects"
	$probe $PORT >$out 2>&1
done
d=`logged "$dropped"`
login
more_logged $d "$dropped" || fail "a login was not dropped at once"
test "`logged "$refused"`" -eq 0 ||
	fail "an address with no detached session was let in"

trace "detach the session; its address may now resume it"
relay down >/dev/null || fatal "relay did not go down"
wait_for 20 more_logged 0 "session detached from" ||
	fatal "server did not detach the session"
# the monitor marks the address just after the child logs the detach
r=`logged "$refused"`
wait_for 10 login_refused $r || fail "login from 127.0.0.1 not refused"
$probe $PORT >$out 2>&1
grep "^DISCONNECT .*unknown" $out >/dev/null ||
	fail "a bogus reconnect was not answered: `cat $out`"

trace "the session resumes from the penalised address"
before=`relay_count`
relay up >/dev/null || fatal "relay did not come up"
wait_for 30 mux_echo after || fail "session not resumed"
test "`relay_count`" -gt "$before" || fail "master did not reconnect"
more_logged 0 "let in to resume only" ||
	fail "the resume was not let in past the penalty"

trace "attached again: 127.0.0.1 is dropped at once"
d=`logged "$dropped"`
r=`logged "$refused"`
login
more_logged $d "$dropped" || fail "a login after the resume was not dropped"
test "`logged "$refused"`" -eq $r || fail "address still let in to resume"

${SSH} -F $RELAY_SSH_CONFIG -S $CTL -Oexit otherhost >/dev/null 2>&1 ||
	fail "master did not accept -O exit"
wait_bounded $SSH_PID 30
test $? -ne 124 || fail "master did not exit after -O exit"
SSH_PID=

stop_relay
cp $OBJ/sshd_config.orig $OBJ/sshd_config
rm -f $out
test $RESULT -ne 0 || rm -f $sshdlog
