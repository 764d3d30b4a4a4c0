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
#	resilient-ssh: a resumed connection is configured as upstream
#	configures a new one.  The socket options of both ends of a
#	multiplexing master's connection are read before and after "ssh -O
#	reconnect", once idle (IPQoS's interactive mark) and once while a
#	command without a tty runs (the bulk mark): the mark and SO_KEEPALIVE
#	must be the same, and TCP_NODELAY, which upstream sets on every
#	session's socket once it first applies its QoS (an idle master's
#	client may not have yet), must be set on both resumed ends.

tid="resilient socket options of a resumed connection"

if config_defined DISABLE_FD_PASSING ; then
	skip "not supported on this platform (FD passing disabled)"
fi

. $SRC/resilient-relay.subr

SOCKOPT="/usr/bin/python3 $SRC/resilient-sockopt.py"
make_tmpdir
CTL=$SSH_REGRESS_TMP/ctl-sock
before_c=$OBJ/resilient-sockopt.client.before
before_s=$OBJ/resilient-sockopt.server.before
after_c=$OBJ/resilient-sockopt.client.after
after_s=$OBJ/resilient-sockopt.server.after
errs=$OBJ/resilient-sockopt.err

trap 'stop_relay' EXIT

# sockopt SIDE FILE: the options of ssh's end (client: the socket whose
# remote port is the relay's) or sshd's (server: local port $PORT), once
# exactly one such connection is up; 2 when they cannot be read here
sockopt() {
	if [ $1 = client ]; then
		$SOCKOPT remote $RELAY_PORT > $2 2>$errs
	else
		$SOCKOPT local $PORT > $2 2>$errs
	fi
	_so_rc=$?
	test $_so_rc -eq 0 && test `wc -l < $2` -eq 1 && return 0
	test $_so_rc -eq 2 && return 2
	return 1
}

# marked SIDE FILE MARK: sockopt, and the socket carries MARK
marked() {
	sockopt $1 $2 && grep " tos=$3 " $2 >/dev/null
}

# phase NAME WANT: read both ends, reconnect, read them again, compare;
# WANT is the mark both ends must carry before the reconnect
phase() {
	# the loops switch marks as they next write
	wait_for 10 marked client $before_c $2 ||
		fatal "$1: want mark $2 from ssh: `cat $before_c $errs`"
	wait_for 10 marked server $before_s $2 ||
		fatal "$1: want mark $2 from sshd: `cat $before_s $errs`"
	trace "$1, new: client `cat $before_c`, server `cat $before_s`"

	_p_n=`relay_count`
	${SSH} -F $RELAY_SSH_CONFIG -S $CTL -Oreconnect otherhost \
	    > $errs 2>&1 || fail "$1: -O reconnect failed: `cat $errs`"
	wait_for 30 test "`relay_count`" -gt "$_p_n" ||
		fatal "$1: master did not reconnect after -O reconnect"
	# Only the new connection is left once the server has taken it.
	# No command starts meanwhile: a new session channel would switch
	# both sides to the bulk mark until their loops next ran.
	wait_for 10 sockopt client $after_c ||
		fail "$1: no single connection from ssh after the resume"
	wait_for 10 sockopt server $after_s ||
		fail "$1: no single connection to sshd after the resume"
	trace "$1, resumed: client `cat $after_c`, server `cat $after_s`"

	for _p_side in client server; do
		eval _p_b=\$before_`echo $_p_side | cut -c1`
		eval _p_a=\$after_`echo $_p_side | cut -c1`
		test "`cut -d' ' -f2- $_p_b`" = "`cut -d' ' -f2- $_p_a`" ||
			fail "$1, $_p_side: resumed socket has `cat $_p_a`," \
			    "a new one `cat $_p_b`"
		grep '^nodelay=1 .* keepalive=1$' $_p_a >/dev/null ||
			fail "$1, $_p_side: resumed socket lacks TCP_NODELAY" \
			    "or SO_KEEPALIVE: `cat $_p_a`"
	done
}

# Marks of our own choice on both sides, distinct from each other and
# from an unmarked socket: AF21 interactive, AF11 bulk
MARK_INTERACTIVE=0x48
MARK_BULK=0x28
resilient_sshd_config
mv $OBJ/sshd_config $OBJ/sshd_config.sockopt
( echo "IPQoS af21 af11"; cat $OBJ/sshd_config.sockopt ) > $OBJ/sshd_config
start_sshd
start_relay

trace "start master through the relay"
${SSH} -Nn2 -MS$CTL -F $RELAY_SSH_CONFIG -oIPQoS="af21 af11" somehost &
SSH_PID=$!
wait_for 20 ${SSH} -F $RELAY_SSH_CONFIG -S $CTL -Ocheck otherhost \
    >/dev/null 2>&1 || fatal "mux master never became ready"

sockopt client $before_c
test $? -eq 2 && skip "cannot read another process's sockets here: `cat $errs`"

# idle: no channel, both sides use the interactive mark
phase idle $MARK_INTERACTIVE

# a command without a tty is bulk on both sides
${SSH} -F $RELAY_SSH_CONFIG -S $CTL otherhost sleep 60 > /dev/null &
bulk_pid=$!
phase bulk $MARK_BULK
kill $bulk_pid 2>/dev/null
wait $bulk_pid 2>/dev/null

${SSH} -F $RELAY_SSH_CONFIG -S $CTL -Oexit otherhost >/dev/null 2>&1
wait_bounded $SSH_PID 30
SSH_PID=

stop_relay
cp $OBJ/sshd_config.orig $OBJ/sshd_config
rm -f $before_c $before_s $after_c $after_s $errs $OBJ/sshd_config.sockopt
