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
#	resilient-ssh: a 16 MiB stream through an "ssh -L" local forward
#	survives a cut of the outer connection in each direction, and an
#	outage during which the relay resets every reconnect attempt.  The
#	stream is an inner ssh session to sshd through the forward, as in
#	upstream's forwarding.sh.

tid="resilient local forward across cuts"

. $SRC/resilient-relay.subr

big=$OBJ/resilient-forward.data
make_tmpdir
CTL=$SSH_REGRESS_TMP/ctl-sock

stop_master() {
	test -S $CTL || return
	${SSH} -F $RELAY_SSH_CONFIG -S $CTL -O exit somehost >/dev/null 2>&1
}
trap 'stop_master; stop_relay' EXIT

rm -f $big ${COPY} ${COPY}.up
head -c 16777216 /dev/urandom > $big
test "`wc -c < $big`" -eq 16777216 || fatal "could not make 16 MiB of data"

resilient_sshd_config
start_sshd
start_relay

# The resilient master goes through the relay and forwards a random local
# port to sshd; a busy port makes it exit (ExitOnForwardFailure).
FWD=
for try in 1 2 3 4 5 6 7 8 9 10; do
	p=`random_between 47000 47999`
	test $p -eq $PORT -o $p -eq $RELAY_PORT && continue
	rm -f $CTL
	if ${SSH} -F $RELAY_SSH_CONFIG -S $CTL -M -f -N \
	    -oExitOnForwardFailure=yes -L$p:127.0.0.1:$PORT somehost; then
		FWD=$p
		break
	fi
done
test -n "$FWD" || fatal "could not start a master with a local forward"
trace "master forwards 127.0.0.1:$FWD to sshd"

# The stream: a plain (not resilient) ssh session through the forward
INNER="${SSH} -F $OBJ/ssh_config -oPort=$FWD -oResilientSessions=no"

master_alive() {
	${SSH} -F $RELAY_SSH_CONFIG -S $CTL -O check somehost >/dev/null 2>&1
}

# transfer_cut DIR IN OUT COMMAND: arm one cut after a random 2-8 MiB
# more in direction DIR, then run COMMAND by the inner ssh, stdin from IN
# and stdout to OUT; the master's one connection must be cut and the
# inner ssh must not notice.  (No "relay up" to start new marks: the
# master's connection is older, its bytes would no longer count.)
transfer_cut() {
	dir=$1
	bytes=`random_between 2097152 8388608`
	base=`relay_stat mark_$dir`
	test -n "$base" || fatal "relay not answering"
	trace "$dir: cut after $bytes more bytes"
	relay_arm cut-after $((base + bytes)) 120 $dir || return
	$INNER somehost "$4" < $2 > $3 &
	pid=$!
	wait_bounded $pid 120 || fail "$dir: inner ssh failed across the cut"
	relay_armed 5
	test "$RELAY_ANSWER" = "ok 1" ||
		fail "$dir: no cut after $bytes bytes: '$RELAY_ANSWER'"
	master_alive || fail "$dir: master gone after the cut"
}

verbose "test $tid: download across a cut"
rm -f ${COPY}
transfer_cut s2c /dev/null ${COPY} "cat $big"
cmp $big ${COPY} || fail "download through the forward corrupted"

verbose "test $tid: upload across a cut"
rm -f ${COPY}.up
transfer_cut c2s $big /dev/null "cat > ${COPY}.up"
cmp $big ${COPY}.up || fail "upload through the forward corrupted"

# The path goes down mid-download; ssh's attempts to reconnect are reset
# until it comes back.
master_alive || fatal "no master left for the outage test"
verbose "test $tid: outage during a download"
rm -f ${COPY}
base=`relay_stat mark_s2c`
relay_arm down-after $((base + 2097152)) 120 s2c ||
	fatal "could not arm the outage"
$INNER somehost cat $big > ${COPY} &
pid=$!
relay_armed 120
if [ "$RELAY_ANSWER" = "ok 1" ]; then
	before=`relay_count`
	relay wait-conn $((before + 2)) 60 >/dev/null ||
		fail "outage: ssh made no two attempts to reconnect"
else
	fail "outage: relay did not go down mid-transfer: '$RELAY_ANSWER'"
fi
relay up >/dev/null || fail "relay up failed"
wait_bounded $pid 120 || fail "inner ssh failed across the outage"
cmp $big ${COPY} || fail "download across the outage corrupted"
master_alive || fail "master gone after the outage"
trace "reconnected `relay_up_latency` ms after the path came back"

stop_master
stop_relay
cp $OBJ/sshd_config.orig $OBJ/sshd_config
rm -f $big ${COPY} ${COPY}.up
