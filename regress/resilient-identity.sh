#	resilient-ssh: the fork identifies itself and carries data unchanged
#	through a listening sshd.  Copyright (c) 2026 The resilient-ssh
#	authors; see LICENCE.

tid="resilient fork identity"

out=$OBJ/resilient-identity.out

# The client names the fork in "ssh -V".
v=$(${REAL_SSH} -V 2>&1)
case "$v" in
OpenSSH_*+resilient*)	trace "ssh -V: $v" ;;
*)			fail "ssh -V does not name the fork: $v" ;;
esac

start_sshd

# The server names the fork in its protocol banner, as the client sees it.
rm -f $out
${REAL_SSH} -F $OBJ/ssh_config somehost true 2>$out ||
	fail "ssh to the listening sshd failed"
grep 'remote software version OpenSSH_[^ ]*+resilient' $out >/dev/null ||
	fail "server banner does not name the fork"

# Data crosses unchanged in both directions, over a session and over sftp.
rm -f ${COPY}
${SSH} -F $OBJ/ssh_config somehost cat ${DATA} > ${COPY} ||
	fail "ssh cat failed"
cmp ${DATA} ${COPY} || fail "ssh cat: corrupted copy"

rm -f ${COPY}
cat ${DATA} | ${SSH} -F $OBJ/ssh_config somehost "cat > ${COPY}" ||
	fail "ssh upload failed"
cmp ${DATA} ${COPY} || fail "ssh upload: corrupted copy"

rm -f ${COPY}
${SFTP} -S ${SSH} -F $OBJ/ssh_config -q somehost:${DATA} ${COPY} \
	>/dev/null 2>&1 || fail "sftp get failed"
cmp ${DATA} ${COPY} || fail "sftp get: corrupted copy"

rm -f ${COPY} $out
