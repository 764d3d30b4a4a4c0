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
#	resilient-ssh: an sftp download moves between two networks.
#
#	Four network namespaces made here: a client with two links, each to
#	a router of its own (A, B) that NATs toward the server, so the server
#	sees the client come from another address on each path.  The routers
#	limit the download's rate with tbf.  Each case downloads a 128 MiB
#	file and compares it with the original:
#	  break-before-make: link A goes down, and only then a route over B
#	    appears; ssh must resume over B as soon as it does;
#	  make-before-break: with A working, a better route over B appears;
#	    ssh must move to B without ever leaving the session.
#	It prints the longest stall of the download and, for the first case,
#	the time from the route over B appearing to data flowing again.
#	Root only; skipped where namespaces, veth links, nftables NAT or tbf
#	cannot be made.  No packet leaves the namespaces.

tid="resilient handover"

. $SRC/resilient-relay.subr

if [ "`id -u`" != 0 ]; then
	skip "network namespaces need root"
fi
for c in ip nft tc; do
	command -v $c >/dev/null 2>&1 || skip "no $c(8) here"
done

H=rsh$$			# namespace and link names start with this
NC=${H}c; NA=${H}a; NB=${H}b; NS=${H}s
SRV=10.78.0.1		# the server's address, on its loopback
RATE=${RESILIENT_HANDOVER_RATE:-200mbit}
SIZE=$((128 * 1024 * 1024))
data=$OBJ/resilient-handover.data
got=$OBJ/resilient-handover.got
mark=$OBJ/resilient-handover.mark
sshlog=$OBJ/resilient-handover.ssh.log
sshdlog=$OBJ/resilient-handover.sshd.log
sshdpid=$OBJ/resilient-handover.pid
wrap=$OBJ/resilient-handover.ssh
WATCH="/usr/bin/python3 $SRC/resilient-watch.py"

teardown() {
	test -f $sshdpid && kill `cat $sshdpid` 2>/dev/null
	for n in $NC $NA $NB $NS; do
		_p=`ip netns pids $n 2>/dev/null`
		test -z "$_p" || kill $_p 2>/dev/null
	done
	for n in $NC $NA $NB $NS; do
		ip netns del $n 2>/dev/null
	done
	rm -f $sshdpid $data $got $mark
}
trap teardown EXIT

in_ns() {
	_n=$1; shift
	ip netns exec $_n "$@"
}

for n in $NC $NA $NB $NS; do
	ip netns add $n 2>/dev/null || skip "cannot create network namespaces"
done
# link NS1 ADDR1 NS2 ADDR2 NAME: a veth pair, NAME1 in NS1, NAME2 in NS2
link() {
	ip link add ${5}1 netns $1 type veth peer name ${5}2 netns $3 ||
		skip "cannot create veth links"
	in_ns $1 ip addr add $2/24 dev ${5}1
	in_ns $3 ip addr add $4/24 dev ${5}2
	in_ns $1 ip link set ${5}1 up
	in_ns $3 ip link set ${5}2 up
}
for n in $NC $NA $NB $NS; do
	in_ns $n ip link set lo up
done
link $NC 10.78.1.2 $NA 10.78.1.1 ${H}ca
link $NC 10.78.2.2 $NB 10.78.2.1 ${H}cb
link $NA 10.78.11.1 $NS 10.78.11.2 ${H}as
link $NB 10.78.12.1 $NS 10.78.12.2 ${H}bs
in_ns $NS ip addr add $SRV/32 dev lo
# each router forwards, NATs toward the server, and limits the download
for r in a b; do
	n=$NA; test $r = a || n=$NB
	net=11; test $r = a || net=12
	in_ns $n sysctl -qw net.ipv4.ip_forward=1
	in_ns $n ip route add $SRV/32 via 10.78.$net.2
	in_ns $n nft -f - <<EOF || skip "no nftables NAT in this kernel"
table ip rsnat {
	chain post {
		type nat hook postrouting priority 100;
		oifname "${H}${r}s1" masquerade
	}
}
EOF
	in_ns $n tc qdisc add dev ${H}c${r}2 root tbf rate $RATE \
	    burst 64kb latency 100ms || skip "no tbf in this kernel"
done

# sshd in the server namespace, with a log and directory of its own
resilient_dir rs-handover
( echo "ListenAddress $SRV"; echo "PidFile $sshdpid";
  echo "ResilientSessions yes"; echo "ResilientTimeout 60";
  echo "ResilientDirectory $RESILIENT_DIR";
  grep -v 'ListenAddress\|PidFile' $OBJ/sshd_config ) \
    > $OBJ/sshd_config.handover
rm -f $sshdlog $sshdpid
in_ns $NS ${SSHD} -f $OBJ/sshd_config.handover -E $sshdlog ||
	fatal "sshd did not start in the server namespace"
wait_for 10 test -s $sshdpid || fatal "no sshd in the server namespace"

# sftp's ssh, logging to a file of its own
cat > $wrap <<EOF
#!/bin/sh
exec ${REAL_SSH} -E $sshlog -v "\$@"
EOF
chmod +x $wrap

dd if=/dev/urandom of=$data bs=1048576 count=128 2>/dev/null ||
	fatal "cannot make the test file"

logged() {
	grep "$1" $sshdlog >/dev/null 2>&1
}

# download OPTS...: start the download in the client namespace; $pid
download() {
	rm -f $got $mark $sshlog
	: > $sshdlog
	echo "get $data $got" > $OBJ/resilient-handover.batch
	# (not through in_ns: $! must be sftp itself, which ip(8) execs)
	ip netns exec $NC ${SFTP} -S $wrap -F $OBJ/ssh_config \
	    -oHostname=$SRV -oResilientSessions=yes -oServerAliveInterval=0 \
	    "$@" -b $OBJ/resilient-handover.batch somehost >/dev/null 2>&1 &
	pid=$!
	# well into the transfer: a quarter of it, at most 60 s
	n=0
	while [ `stat -c %s $got 2>/dev/null || echo 0` -lt $((SIZE / 4)) ]
	do
		n=$((n + 1))
		if [ $n -gt 600 ] || ! kill -0 $pid 2>/dev/null; then
			fatal "the download did not get going"
		fi
		sleep 0.1
	done
}

# watch [MARK]: time the download's progress in the background; $wpid
watch() {
	rm -f $OBJ/resilient-handover.w
	$WATCH $got $SIZE 180 $1 > $OBJ/resilient-handover.w \
	    2>>$OBJ/resilient-handover.trace &
	wpid=$!
	n=0
	while ! grep watching $OBJ/resilient-handover.w >/dev/null 2>&1; do
		n=$((n + 1))
		test $n -le 1000 || fatal "the watcher did not start"
		sleep 0.01
	done
}

# finish NAME: wait for the download and the watcher; check and report
finish() {
	wait_bounded $pid 180 || fail "$1: sftp failed"
	wait_bounded $wpid 10 || fail "$1: the file did not arrive whole"
	cmp $data $got >/dev/null 2>&1 || fail "$1: the file differs"
	stall=`awk '$1 == "stall_ms" { print $2 }' $OBJ/resilient-handover.w`
	m2d=`awk '$1 == "mark_to_data_ms" { print $2 }' \
	    $OBJ/resilient-handover.w`
	p99=`awk '$1 == "p99_gap_ms" { print $2 }' $OBJ/resilient-handover.w`
	verbose "$1: longest stall ${stall} ms (99% of pauses <= ${p99} ms)${m2d:+, route over B to data ${m2d} ms}"
	grep "session resumed from 10.78.12.1" $sshdlog >/dev/null ||
		fail "$1: the server did not see the session come over B"
}

# Break before make: A goes down; a moment later a route over B appears.
in_ns $NC ip route add $SRV/32 via 10.78.1.1
download $HANDOVER_BBM_OPTS
logged "Accepted publickey.*from 10.78.11.1" ||
	fail "bbm: the session did not start over A"
watch $mark
in_ns $NC ip link set ${H}ca1 down
sleep 0.3	# the outage: nothing reaches the server meanwhile
in_ns $NC ip route add $SRV/32 via 10.78.2.1
date +%s%N > $mark
finish bbm
grep "resilient: no route from 10.78.1.2" $sshlog >/dev/null ||
	fail "bbm: ssh did not log that the route over A went away"

# Make before break: A works; a better route over B appears.  As on a
# well configured multihomed host, what leaves from A's address goes out
# over A (source routing), so the old connection keeps working while
# ssh builds the new one.  (Without it, the old connection's packets
# would take the new route, and router B would NAT them to nowhere.)
in_ns $NC ip route del $SRV/32
in_ns $NC ip link set ${H}ca1 up
in_ns $NC ip route add $SRV/32 via 10.78.1.1 metric 20
in_ns $NC ip route add $SRV/32 via 10.78.1.1 table 101
in_ns $NC ip rule add from 10.78.1.2 table 101
download $HANDOVER_MBB_OPTS
logged "Accepted publickey.*from 10.78.11.1" ||
	fail "mbb: the session did not start over A"
watch
in_ns $NC ip route add $SRV/32 via 10.78.2.1 metric 10
finish mbb
grep "resilient: moved to 10.78.2.2" $sshlog >/dev/null ||
	fail "mbb: ssh did not move to the new path"
if grep "Connection to .* lost\|Reconnecting to" $sshlog >/dev/null; then
	fail "mbb: ssh left the session before the new path was ready"
fi

teardown
rm -f $OBJ/sshd_config.handover $OBJ/resilient-handover.batch \
    $OBJ/resilient-handover.w $OBJ/resilient-handover.trace $wrap
test $RESULT -ne 0 || rm -f $sshlog $sshdlog
