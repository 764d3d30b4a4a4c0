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
#	resilient-ssh: a 64 MiB sftp download and upload through a relay that
#	cuts the TCP connection five times at random points of each transfer;
#	sftp must finish with status 0 and byte-exact copies.

tid="resilient sftp across cuts"

. $SRC/resilient-relay.subr

CUTS=5
big=$OBJ/resilient-sftp.data
batch=$OBJ/resilient-sftp.batch
out=$OBJ/resilient-sftp.out

trap 'stop_relay' EXIT

rm -f $big ${COPY}.get ${COPY}.put
head -c 67108864 /dev/urandom > $big
test "`wc -c < $big`" -eq 67108864 || fatal "could not make 64 MiB of data"

resilient_sshd_config
start_sshd
start_relay

# sftp_cut DIR COMMAND: run the sftp batch COMMAND through the relay,
# which cuts the connection $CUTS times, each once a random 1-8 MiB more
# went in direction DIR (s2c for a download, c2s for an upload).  The
# cuts are armed before sftp starts and each is armed as the previous one
# is made; they add up to at most 40 MiB plus a read chunk per cut, so
# all of them fall within the 64 MiB.
sftp_cut() {
	dir=$1
	echo "$2" > $batch
	relay up >/dev/null || fatal "relay not answering"	# new marks
	marks=`random_marks $CUTS`
	trace "$dir: cut after $marks bytes"
	before=`relay_count`
	relay_arm cut-series $marks 300 $dir || return
	${SFTP} -S ${SSH} -F $RELAY_SSH_CONFIG -b $batch somehost \
	    >$out 2>&1 &
	sftp_pid=$!
	wait_bounded $sftp_pid 300
	r=$?
	relay_armed 5
	test "$RELAY_ANSWER" = "ok $CUTS" ||
		fail "$dir: not all $CUTS cuts made: '$RELAY_ANSWER'"
	test $r -eq 0 || fail "sftp $dir across cuts exited $r: `tail -3 $out`"
	after=`relay_count`
	test $((after - before)) -gt $CUTS ||
		fail "$dir: $((after - before)) connections for $CUTS cuts"
}

verbose "test $tid: download with $CUTS cuts"
sftp_cut s2c "get $big ${COPY}.get"
cmp $big ${COPY}.get || fail "download corrupted across cuts"

verbose "test $tid: upload with $CUTS cuts"
sftp_cut c2s "put $big ${COPY}.put"
cmp $big ${COPY}.put || fail "upload corrupted across cuts"

stop_relay
cp $OBJ/sshd_config.orig $OBJ/sshd_config
rm -f $big $batch $out ${COPY}.get ${COPY}.put
