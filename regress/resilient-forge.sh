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
#	resilient-ssh: a refusal in clear is not final.  A party on the path
#	answers ssh's first reconnect with a forged DISCONNECT, worded as
#	sshd's refusal of an unknown session; ssh tries again and the
#	session goes on, its output complete.  A refusal that persists still
#	ends ssh, after at least 3 refusals over at least 15 s
#	(resilient-expire).

tid="resilient forged refusal during a reconnect"

. $SRC/resilient-relay.subr

out=$OBJ/resilient-forge.out
want=$OBJ/resilient-forge.want
log=$OBJ/resilient-forge.ssh.log

trap 'stop_relay' EXIT

resilient_sshd_config
start_sshd
start_relay

producer=`numbers 40`
seq 1 4000 > $want
rm -f $out $log
before=`relay_count`
${REAL_SSH} -F $RELAY_SSH_CONFIG -E $log -v somehost "$producer" > $out &
pid=$!
wait_for 30 test -s $out || fatal "no output from the command"

# The next reconnect gets the forged refusal; then cut.
relay_arm forge-disconnect 60 || fatal "could not arm forge-disconnect"
relay cut >/dev/null || fatal "relay cut failed"

relay_armed 70
test "$RELAY_ANSWER" = ok || fail "no reconnect was refused: '$RELAY_ANSWER'"
wait_bounded $pid 120 || fail "ssh ended after a forged refusal"
cmp $want $out || fail "output corrupted across the forged refusal"
test "`relay_count`" -ge "$((before + 2))" ||
	fail "ssh did not try again after the forged refusal"
grep "reconnect refused (disconnected); trying again" $log >/dev/null ||
	fail "ssh did not log the refusal it retried"
grep "resumed after" $log >/dev/null || fail "ssh did not resume"

stop_relay
cp $OBJ/sshd_config.orig $OBJ/sshd_config
rm -f $out $want $log
