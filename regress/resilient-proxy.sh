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
#	resilient-ssh: a session through a ProxyCommand that is itself a
#	resilient ssh (what ProxyJump runs) leaves the path to it.  The
#	proxy's connection goes through a relay that stalls; the proxy
#	finds it dead and resumes its own session; the inner session, whose
#	probe gave up on the path sooner, waits for the proxy instead of
#	starting another one, and its output arrives whole.  Then a session
#	through a plain ProxyCommand whose attempt hangs after RECONNECT
#	gives up within a second of its ResilientTimeout, not after the
#	attempt's ConnectTimeout.
#

tid="resilient session through a resilient proxy"

. $SRC/resilient-relay.subr

make_tmpdir
ILOG=$OBJ/resilient-proxy.inner.log
PLOG=$OBJ/resilient-proxy.proxy.log
OUT=$OBJ/resilient-proxy.out
trap 'stop_relay' EXIT

resilient_sshd_config
start_sshd
start_relay

# The inner session connects to sshd through the proxy, which reaches
# sshd (as its jump host) through the relay and forwards to sshd again
(
	echo "ResilientProbeInterval 1"
	echo "ResilientProbeTimeout 1"
	echo "ProxyCommand ${SSH} -F $RELAY_SSH_CONFIG -E $PLOG" \
	    "-o ResilientProbeInterval=1 -o ResilientProbeTimeout=3" \
	    "-W 127.0.0.1:$PORT somehost"
	cat $OBJ/ssh_config
) > $OBJ/ssh_config.proxy

inner_logged() {
	grep -F "$1" $ILOG >/dev/null 2>&1
}
proxy_logged() {
	grep -F "$1" $PLOG >/dev/null 2>&1
}
lines_at_least() {
	test -f $OUT && test "`wc -l < $OUT`" -ge $1
}

BLOCKS=120
rm -f $ILOG $PLOG $OUT
${SSH} -F $OBJ/ssh_config.proxy -E $ILOG somehost "`numbers $BLOCKS`" \
    > $OUT 2>/dev/null &
CLIENT=$!
wait_for 30 lines_at_least 1000 || fatal "no output through the proxy"
before=`relay_count`
ans=`relay stall`
test "$ans" = "ok 1" || fail "stall: relay said '$ans'"
wait_for 20 proxy_logged "resumed" || fail "the proxy did not resume"
wait_bounded $CLIENT 60 || fail "inner ssh failed or timed out"
seq 1 $((BLOCKS * 100)) | cmp -s - $OUT ||
	fail "output through the proxy incomplete or out of order"
inner_logged "waiting for the proxy" ||
	fail "inner session did not wait for the proxy"
inner_logged "lost" && fail "inner session gave up on its proxy"
test "`relay_count`" -eq $((before + 1)) ||
	fail "expected one new connection (the proxy's), got $((`relay_count` - before))"

verbose "test $tid: ResilientTimeout through a ProxyCommand"
(
	echo "ResilientTimeout 3"
	echo "ConnectTimeout 20"
	echo "ProxyCommand $NC 127.0.0.1 $RELAY_PORT"
	cat $OBJ/ssh_config
) > $OBJ/ssh_config.proxy
rm -f $ILOG $OUT $OUT.rc
(
	${SSH} -F $OBJ/ssh_config.proxy -E $ILOG -v somehost 'sleep 60'
	echo $? > $OUT.rc
) > /dev/null 2> $OUT &
wait_for 30 inner_logged "resilient sessions negotiated" ||
	fatal "no session through netcat"
wait_for 10 inner_logged "Entering interactive session" ||
	fatal "session through netcat did not start"
relay_arm stall-after-reconnect 30 || fatal "could not arm the relay"
cut_at=`date +%s`
relay cut > /dev/null
gave_up() {
	test -s $OUT.rc
}
wait_for 30 gave_up || fail "ssh did not give up"
took=$((`date +%s` - cut_at))
relay_armed 30
test "$RELAY_ANSWER" = ok || fail "no attempt hung: relay said '$RELAY_ANSWER'"
trace "gave up $took s after the cut (ResilientTimeout 3, ConnectTimeout 20)"
# (ConnectTimeout would have let the hung attempt run 20 s)
test $took -le 8 || fail "gave up $took s after the cut, ResilientTimeout 3"
grep "no reconnect within 3 s (ResilientTimeout)" $OUT >/dev/null ||
	fail "last line does not name ResilientTimeout: `cat $OUT`"

stop_relay
cp $OBJ/sshd_config.orig $OBJ/sshd_config
test $RESULT -ne 0 || rm -f $ILOG $PLOG $OUT $OUT.rc $OBJ/ssh_config.proxy
