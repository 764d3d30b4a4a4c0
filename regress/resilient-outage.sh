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
#	resilient-ssh: a silent outage (every packet dropped, no route or
#	link changes) is crossed without blocking the client.  Two network
#	namespaces joined by a veth link; an nftables table in the server's
#	namespace drops everything for OUTAGE seconds, longer than the probe
#	needs to find the connection dead and than several SYN
#	retransmissions.  During the outage the detached multiplexing master
#	keeps answering at once (its reconnect attempts never block it) and
#	uses little CPU (it does not spin); after it the session resumes and
#	a command's output arrives complete.  The time from the end of the
#	outage to the resume is reported (bench/outage.sh measures it).
#	Needs root, network namespaces and nft; skipped otherwise.

tid="resilient silent outage"

OUTAGE=12

if [ "`id -u`" != 0 ]; then
	skip "needs root for network namespaces"
fi
for c in ip nft; do
	command -v $c >/dev/null 2>&1 || skip "no $c"
done

. $SRC/resilient-relay.subr

NC=roc$$		# client namespace
NS=ros$$		# server namespace
LK=rol$$		# the link: ${LK}c in the client, ${LK}s in the server
SRV=10.78.1.2
CLI=10.78.1.1
CTL=/tmp/resilient-outage.$$.ctl	# short: sun_path limit
out=$OBJ/resilient-outage.out
want=$OBJ/resilient-outage.want
sshdlog=$OBJ/resilient-outage.sshd.log
sshlog=$OBJ/resilient-outage.ssh.log
sshdpid=$OBJ/resilient-outage.pid

teardown() {
	test -f $sshdpid && kill `cat $sshdpid` 2>/dev/null
	for n in $NC $NS; do
		_p=`ip netns pids $n 2>/dev/null`
		test -z "$_p" || kill $_p 2>/dev/null
	done
	ip netns del $NC 2>/dev/null
	ip netns del $NS 2>/dev/null
	rm -f $sshdpid $CTL
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
ip link add ${LK}c netns $NC type veth peer name ${LK}s netns $NS
inc ip link set lo up
ins ip link set lo up
inc ip addr add $CLI/24 dev ${LK}c
ins ip addr add $SRV/24 dev ${LK}s
inc ip link set ${LK}c up
ins ip link set ${LK}s up
set +e
ins nft add table inet outage || skip "nft cannot make a table"
ins nft delete table inet outage

resilient_dir rs-outage
( echo "ListenAddress $SRV"; echo "PidFile $sshdpid";
  echo "ResilientSessions yes"; echo "ResilientTimeout 120";
  echo "ResilientDirectory $RESILIENT_DIR";
  grep -v 'ListenAddress\|PidFile' $OBJ/sshd_config ) > $OBJ/sshd_config.outage
rm -f $sshdlog $sshdpid $sshlog
ins ${SSHD} -f $OBJ/sshd_config.outage -E $sshdlog ||
	fatal "sshd did not start in the server namespace"
wait_for 10 test -s $sshdpid || fatal "no sshd in the server namespace"

now_ms() {
	echo $((`date +%s%N` / 1000000))
}
mux() {
	inc ${REAL_SSH} -F $OBJ/ssh_config -S $CTL "$@"
}
# cpu_ticks PID: user and system time of process PID, in clock ticks
cpu_ticks() {
	awk '{ print $14 + $15 }' /proc/$1/stat
}
# check_fast: the master answers -O check within a second
check_fast() {
	_t0=`now_ms`
	mux -Ocheck somehost >/dev/null 2>&1 || return 1
	test $((`now_ms` - _t0)) -lt 1000
}

# the master probes after 2 s of silence and gives up on it 2 s later
ip netns exec $NC ${REAL_SSH} -F $OBJ/ssh_config -oHostname=$SRV \
    -oResilientSessions=yes -oServerAliveInterval=0 \
    -oResilientProbeInterval=2 -oResilientProbeTimeout=2 \
    -E $sshlog -v -Nn2 -MS$CTL somehost &
SSH_PID=$!
wait_for 20 mux -Ocheck somehost >/dev/null 2>&1 ||
	fatal "mux master never became ready"

# 40 blocks of 100 numbers, one every 0.5 s: it runs across the outage
producer="i=0; while [ \$i -lt 40 ]; do seq \$((i * 100 + 1))"
producer="$producer \$((i * 100 + 100)); i=\$((i + 1)); sleep 0.5; done"
seq 1 4000 > $want
rm -f $out
mux -T somehost "$producer" > $out 2>$OBJ/resilient-outage.cmd.log &
cmd=$!
wait_for 20 test -s $out || fatal "no output from the command"

trace "drop everything for $OUTAGE s"
ins nft -f - <<NFT || fatal "nft did not take the drop rules"
table inet outage {
	chain in { type filter hook input priority -10; policy drop; }
	chain out { type filter hook output priority -10; policy drop; }
}
NFT
start=`now_ms`
wait_for 15 grep "lost (" $sshlog >/dev/null ||
	fail "ssh did not find the connection dead"
cpu0=`cpu_ticks $SSH_PID`
cpu_start=`now_ms`
# detached, and attempting all along: the master must answer each time
n=0
while [ $((`now_ms` - start)) -lt $((OUTAGE * 1000)) ]; do
	check_fast || fail "the detached master did not answer within 1 s"
	n=$((n + 1))
	test $n -lt 100 || break
	sleep 0.5
done
# waiting for the network, it must not spin: under a quarter of a CPU
cpu=$(( (`cpu_ticks $SSH_PID` - cpu0) * 1000 / `getconf CLK_TCK` ))
wall=$((`now_ms` - cpu_start))
test $((cpu * 4)) -lt $wall ||
	fail "the detached master used $cpu ms of CPU in $wall ms"
attempts=`grep -c "reconnect attempt" $sshlog`
test "$attempts" -ge 3 || fail "only $attempts reconnect attempts in the outage"
ins nft delete table inet outage
up_at=`now_ms`
n=0
while ! grep "resumed after" $sshlog >/dev/null; do
	n=$((n + 1))
	if [ $n -gt 3000 ]; then
		fail "no resume within 30 s of the outage's end"
		break
	fi
	sleep 0.01
done
resumed_at=`now_ms`
wait_bounded $cmd 60 || fail "the command failed across the outage"
cmp $want $out || fail "output corrupted across the outage"
verbose "outage ${OUTAGE} s, $attempts attempts; resumed" \
    "$((resumed_at - up_at)) ms after its end"

mux -Oexit somehost >/dev/null 2>&1
wait_bounded $SSH_PID 30
SSH_PID=
teardown
rm -f $out $want $OBJ/sshd_config.outage $sshlog
test $RESULT -ne 0 || rm -f $sshdlog
