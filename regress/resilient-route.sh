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
#	resilient-ssh: the route monitor moves a session to a new path at once.
#	The test builds two network namespaces, a client and a server, joined
#	by two veth links A and B; the server's address (on its loopback) is
#	reached over A (lower metric) or else over B.  While a command streams
#	output, link A goes down on the client's side: the kernel now routes
#	from the client's address on B, ssh sees it and resumes over B without
#	waiting for TCP to give up.  The output must arrive complete; the time
#	from the link going down to the resume is reported.  Then a session
#	bound to the address on B (ssh -b) is left alone by route changes
#	that do not concern that address: link A comes back, its route with
#	it, and an unrelated address appears.  When link B itself goes and
#	comes back, that session resumes from its address without ever
#	blocking (the connects of a detached session).  Needs root and
#	network namespaces; skipped otherwise.

tid="resilient route change"

if [ "`id -u`" != 0 ]; then
	skip "needs root for network namespaces"
fi
if ! command -v ip >/dev/null 2>&1; then
	skip "no ip(8) (iproute2)"
fi

. $SRC/resilient-relay.subr

NC=rsc$$		# client namespace
NS=rss$$		# server namespace
LA=rsa$$		# link A: ${LA}c in the client, ${LA}s in the server
LB=rsb$$		# link B
SRV=10.77.0.1		# the server's address, on its loopback
out=$OBJ/resilient-route.out
want=$OBJ/resilient-route.want
sshdlog=$OBJ/resilient-route.sshd.log
sshdpid=$OBJ/resilient-route.pid

teardown() {
	test -f $sshdpid && kill `cat $sshdpid` 2>/dev/null
	for n in $NC $NS; do
		_p=`ip netns pids $n 2>/dev/null`
		test -z "$_p" || kill $_p 2>/dev/null
	done
	ip netns del $NC 2>/dev/null
	ip netns del $NS 2>/dev/null
	rm -f $sshdpid
}
trap teardown EXIT

inc() {
	ip netns exec $NC "$@"
}
ins() {
	ip netns exec $NS "$@"
}

if ! ip netns add $NC 2>/dev/null || ! ip netns add $NS 2>/dev/null; then
	skip "cannot create network namespaces"
fi
set -e
ip link add ${LA}c netns $NC type veth peer name ${LA}s netns $NS
ip link add ${LB}c netns $NC type veth peer name ${LB}s netns $NS
inc ip link set lo up
ins ip link set lo up
inc ip addr add 10.77.1.1/24 dev ${LA}c
inc ip addr add 10.77.2.1/24 dev ${LB}c
ins ip addr add 10.77.1.2/24 dev ${LA}s
ins ip addr add 10.77.2.2/24 dev ${LB}s
ins ip addr add $SRV/32 dev lo
for l in ${LA}c ${LB}c; do inc ip link set $l up; done
for l in ${LA}s ${LB}s; do ins ip link set $l up; done
inc ip route add $SRV/32 via 10.77.1.2 metric 10
inc ip route add $SRV/32 via 10.77.2.2 metric 20
set +e

# sshd in the server namespace, with a log and directory of its own
resilient_dir rs-route
( echo "ListenAddress $SRV"; echo "PidFile $sshdpid";
  echo "ResilientSessions yes"; echo "ResilientTimeout 60";
  echo "ResilientDirectory $RESILIENT_DIR";
  grep -v 'ListenAddress\|PidFile' $OBJ/sshd_config ) > $OBJ/sshd_config.route
rm -f $sshdlog $sshdpid
ins ${SSHD} -f $OBJ/sshd_config.route -E $sshdlog ||
	fatal "sshd did not start in the server namespace"
wait_for 10 test -s $sshdpid || fatal "no sshd in the server namespace"

logged() {
	grep "$1" $sshdlog >/dev/null 2>&1
}
now_ms() {
	echo $((`date +%s%N` / 1000000))
}

# 60 blocks of 100 numbers, one every 50 ms
producer="i=0; while [ \$i -lt 60 ]; do seq \$((i * 100 + 1))"
producer="$producer \$((i * 100 + 100)); i=\$((i + 1)); sleep 0.05; done"
seq 1 6000 > $want
rm -f $out
# (not through inc: $! must be ssh itself, which ip(8) execs)
ip netns exec $NC ${REAL_SSH} -F $OBJ/ssh_config -oHostname=$SRV \
    -oResilientSessions=yes \
    -oServerAliveInterval=0 $ROUTE_OPTS -E $OBJ/resilient-route.ssh.log -v \
    somehost "$producer" > $out &
pid=$!
wait_for 30 test -s $out || fatal "no output from the command"
logged "Accepted publickey.*from 10.77.1.1" ||
	fail "session did not start over link A"

down_at=`now_ms`
inc ip link set ${LA}c down
# polled every 10 ms, for at most 20 s, to time the resume
n=0
while ! logged "session resumed from 10.77.2.1"; do
	n=$((n + 1))
	if [ $n -gt 2000 ]; then
		fail "no resume over link B after link A went down"
		break
	fi
	sleep 0.01
done
up_at=`now_ms`
wait_bounded $pid 60 || fail "ssh failed across the route change"
cmp $want $out || fail "output corrupted across the route change"
grep "resilient: \(no route from\|route now from\)" \
    $OBJ/resilient-route.ssh.log >/dev/null ||
	fail "ssh did not log why it reconnected"
verbose "link A down to resumed over link B: $((up_at - down_at)) ms"

# A bound session: its address still reaches the server, whatever else
# the routing table says
blog=$OBJ/resilient-route.bound.log
rm -f $blog
logins=`grep -c "Accepted publickey.*from 10.77.2.1" $sshdlog`
resumes=`grep -c "session resumed from" $sshdlog`
ip netns exec $NC ${REAL_SSH} -F $OBJ/ssh_config -oHostname=$SRV \
    -oResilientSessions=yes -b 10.77.2.1 \
    -oServerAliveInterval=0 -E $blog -v somehost "sleep 30" > /dev/null &
bpid=$!
more_logins() {
	test "`grep -c "Accepted publickey.*from 10.77.2.1" $sshdlog`" -gt \
	    $logins
}
wait_for 30 more_logins || fatal "bound session did not log in"
wait_for 10 grep "watching routes" $blog >/dev/null ||
	fatal "bound session does not watch routes"
inc ip link set ${LA}c up
inc ip route replace $SRV/32 via 10.77.1.2 metric 10
inc ip addr add 10.77.9.9/32 dev lo
wait_for 10 grep "routes changed; still from 10.77.2.1" $blog >/dev/null ||
	fail "bound session did not judge the route change"
grep "Reconnecting\|lost\|route now from" $blog >/dev/null &&
	fail "bound session reconnected on a change that was not its own"
test "`grep -c "session resumed from" $sshdlog`" -eq $resumes ||
	fail "bound session was resumed on an unrelated route change"
# its own path goes: detached; back: resumed from its address, by the
# connects that never block
resumes=`grep -c "session resumed from 10.77.2.1" $sshdlog`
inc ip link set ${LA}c down
inc ip link set ${LB}c down
wait_for 20 grep "no route from 10.77.2.1" $blog >/dev/null ||
	fail "bound session did not see its path go"
inc ip link set ${LB}c up
inc ip route replace $SRV/32 via 10.77.2.2 metric 20
more_resumes() {
	test "`grep -c "session resumed from 10.77.2.1" $sshdlog`" -gt \
	    $resumes
}
wait_for 30 more_resumes || fail "bound session did not resume over B"
grep "connect_start: reconnect attempt" $blog >/dev/null ||
	fail "bound session reconnected through the blocking connector"
kill $bpid 2>/dev/null
wait $bpid 2>/dev/null

teardown
rm -f $out $want $OBJ/sshd_config.route $OBJ/resilient-route.ssh.log $blog
test $RESULT -ne 0 || rm -f $sshdlog
