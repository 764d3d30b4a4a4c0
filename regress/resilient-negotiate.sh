#	resilient-ssh: negotiation of resilient sessions between the fork's
#	ssh and sshd, acknowledgements on a live session, and stock
#	behaviour when either side turns it off.  Copyright (c) 2026 The
#	resilient-ssh authors; see LICENCE.

tid="resilient negotiation"

out=$OBJ/resilient-negotiate.out
big=$OBJ/resilient-negotiate.data
cp $OBJ/sshd_config $OBJ/sshd_config.orig

# 8 MiB of data, so that the receiver acknowledges (every 64 KiB) many times
rm -f $big
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do
	cat ${DATA}
done | head -c 8388608 > $big

# transfer SSHOPTS...: send $big to the server and back in one session,
# so that each side receives enough to acknowledge; byte-exact or fail.
transfer() {
	rm -f ${COPY} ${COPY}.up $out
	${REAL_SSH} -F $OBJ/ssh_config "$@" somehost \
	    "cat > ${COPY}.up && cat ${COPY}.up" <$big 2>$out >${COPY} ||
		fail "ssh $* failed"
	cmp $big ${COPY}.up || fail "ssh $*: corrupted upload"
	cmp $big ${COPY} || fail "ssh $*: corrupted download"
}

# own_proposal: the client's own KEXINIT proposal, as logged at DEBUG2
own_proposal() {
	awk '/local client KEXINIT proposal/ { f = 1 }
	    /peer server KEXINIT proposal/ { f = 0 } f' $out
}

# Both sides offer it: negotiated on both, ACKs flow both ways.
start_sshd
transfer
grep 'resilient sessions negotiated' $out >/dev/null ||
	fail "client did not negotiate resilient sessions"
grep 'acknowledged up to' $out >/dev/null ||
	fail "client sent no acknowledgement"
grep 'peer acknowledged up to' $out >/dev/null ||
	fail "client received no acknowledgement"
grep 'resilient sessions negotiated' $TEST_SSHD_LOGFILE >/dev/null ||
	fail "server did not negotiate resilient sessions"
grep 'peer acknowledged up to' $TEST_SSHD_LOGFILE >/dev/null ||
	fail "server received no acknowledgement"

# The client turns it off: stock protocol, nothing offered or buffered.
transfer -oResilientSessions=no
own_proposal | grep 'KEX algorithms' >/dev/null ||
	fail "client proposal not found in the log"
own_proposal | grep 'resilient-v0' >/dev/null &&
	fail "client with ResilientSessions=no offered the extension"
grep 'resilient sessions\|acknowledged up to' $out >/dev/null &&
	fail "client with ResilientSessions=no used the extension"

# sshd -i (here as a ProxyCommand) has no listener to resume through, so
# it does not offer the extension.
rm -f $out
${REAL_SSH} -v -F $OBJ/ssh_proxy somehost true 2>$out ||
	fail "ssh to sshd -i failed"
grep 'resilient sessions not supported by peer' $out >/dev/null ||
	fail "sshd -i offered resilient sessions"

# The server turns it off: the client sees a peer without it.
stop_sshd
# first match wins in sshd_config: put it before anything the harness added
(echo "ResilientSessions no"; cat $OBJ/sshd_config.orig) > $OBJ/sshd_config
start_sshd
transfer
grep 'resilient sessions not supported by peer' $out >/dev/null ||
	fail "client did not notice the server lacks resilient sessions"
grep 'acknowledged up to' $out >/dev/null &&
	fail "ACKs sent to a server without resilient sessions"
stop_sshd

# Configuration: defaults and values shown by ssh -G and sshd -T.
${REAL_SSH} -G -F /dev/null somehost 2>/dev/null |
	grep '^resilientsessions yes$' >/dev/null ||
	fail "ssh -G: wrong default ResilientSessions"
${REAL_SSH} -G -F /dev/null -oResilientBufferSize=1M somehost 2>/dev/null |
	grep '^resilientbuffersize 1048576$' >/dev/null ||
	fail "ssh -G: ResilientBufferSize=1M not shown"
${REAL_SSH} -G -F /dev/null -oResilientBufferSize=1K somehost \
	>/dev/null 2>&1 && fail "ssh accepted ResilientBufferSize=1K"
${SSHD} -T -f $OBJ/sshd_config | grep '^resilientsessions no$' \
	>/dev/null || fail "sshd -T: ResilientSessions no not shown"

cp $OBJ/sshd_config.orig $OBJ/sshd_config
rm -f $out $big ${COPY} ${COPY}.up $OBJ/sshd_config.orig
