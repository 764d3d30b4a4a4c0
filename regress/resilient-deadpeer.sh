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
#	resilient-ssh: a connection that goes silent without closing (the
#	relay stops relaying, as a dead path or a NAT that forgot it would)
#	is found dead by ssh's probe, and the session moves to a new
#	connection.  The command's output must arrive complete.

tid="resilient dead-peer probe"

. $SRC/resilient-relay.subr

out=$OBJ/resilient-deadpeer.out
want=$OBJ/resilient-deadpeer.want
log=$OBJ/resilient-deadpeer.ssh.log

trap 'stop_relay' EXIT

resilient_sshd_config
start_sshd
start_relay

producer=`numbers 40`
seq 1 4000 > $want
rm -f $out $log
before=`relay_count`
${REAL_SSH} -F $RELAY_SSH_CONFIG -E $log -v ${PROBE_OPTS--oResilientProbeInterval=1} \
    -oResilientProbeTimeout=1 somehost "$producer" > $out &
pid=$!
wait_for 30 test -s $out || fatal "no output from the command"
relay stall >/dev/null || fatal "relay did not stall"
wait_bounded $pid 60 || fail "ssh failed across the silent connection"
cmp $want $out || fail "output corrupted across the silent connection"
test "`relay_count`" -gt "$before" || fail "ssh did not reconnect"
grep "resilient: no answer to a probe within 1 s" $log >/dev/null ||
	fail "ssh did not log the failed probe"

stop_relay
cp $OBJ/sshd_config.orig $OBJ/sshd_config
rm -f $out $want $log
