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
#	resilient-ssh: an interactive session in a tmux pane, cut three
#	times while a counter prints a line every 100 ms; the terminal gets
#	every line once and in order, and keystrokes still reach the shell,
#	also after the ~N escape moved the session to a new connection.
#

tid="resilient interactive session across cuts"

if ! have_prog tmux; then
	skip "tmux not installed"
fi

. $SRC/resilient-relay.subr

TICKS=150
capture=$OBJ/resilient-tmux.out
make_tmpdir
TMUX_SOCK=$SSH_REGRESS_TMP/tmux

tm() {
	tmux -S $TMUX_SOCK "$@"
}

# type_line TEXT: type TEXT literally into the pane, then Enter
type_line() {
	tm send-keys -t rs -l "$1" && tm send-keys -t rs Enter
}
trap 'tm kill-server >/dev/null 2>&1; stop_relay' EXIT

# tty_text: what the terminal received, without carriage returns
tty_text() {
	tr -d '\r' < $capture
}

# pane_dead: true once ssh in the pane has exited
pane_dead() {
	test "`tm display-message -p -t rs '#{pane_dead}'`" = 1
}

# wait_tty REGEX SECS: wait until the terminal got a match for REGEX;
# give up early once ssh has exited
wait_tty() {
	_wt_n=0
	while [ $_wt_n -lt $(($2 * 10)) ]; do
		tty_text | grep -a -E "$1" >/dev/null && return 0
		pane_dead && return 1
		sleep 0.1
		_wt_n=$((_wt_n + 1))
	done
	return 1
}

resilient_sshd_config
start_sshd
start_relay

# The pane stays after ssh exits so that its status can be read.  TERM=dumb
# keeps readline from wrapping output in bracketed-paste sequences; what
# is typed is echoed, so each pattern below matches only command output
# ("d''one" prints as "done", $((6*7)) as 42).
cat > $SSH_REGRESS_TMP/tmux.conf <<EOF
set -g remain-on-exit on
set -g history-limit 10000
EOF
rm -f $capture
touch $capture
# ssh's exit status goes to a file: tmux reports a dead pane as soon as
# its pty closes, possibly before it has reaped the process and can give
# #{pane_dead_status}.
status_file=$SSH_REGRESS_TMP/ssh-status
rm -f $status_file
tm -f $SSH_REGRESS_TMP/tmux.conf new-session -d -s rs -x 200 -y 30 \
    "env TERM=dumb ${SSH} -tt -F $RELAY_SSH_CONFIG somehost;
    echo \$? > $status_file.tmp && mv $status_file.tmp $status_file" ||
	fatal "tmux new-session failed"
tm pipe-pane -t rs -o "cat >> $capture" || fatal "tmux pipe-pane failed"

type_line 'echo ready-$((20+22))'
wait_tty 'ready-42' 30 || fatal "no shell prompt in the tmux pane"
before=`relay_count`

counter="i=0; while [ \$i -lt $TICKS ]; do i=\$((i+1));"
counter="$counter printf 'tick %d\\n' \$i; sleep 0.1; done;"
type_line "$counter echo counter-d''one"
for at in 20 60 100; do
	if ! wait_tty "tick $at\$" 60; then
		fail "counter did not reach $at"
		break
	fi
	ans=`relay cut`
	test "$ans" = "ok 1" || fail "cut at tick $at: relay said '$ans'"
	trace "cut at tick $at"
done
wait_tty 'counter-done' 120 || fail "counter did not finish"

# Every tick exactly once, in order (a line may carry a stray escape
# sequence before it, hence -o).
tty_text | grep -a -o -E 'tick [0-9]+$' | awk -v n=$TICKS '
	$2 != ++i { bad = 1 }
	END { exit !(i == n && !bad) }' ||
	fail "ticks missing, repeated or out of order across the cuts"
test $((`relay_count` - before)) -ge 3 ||
	fail "ssh did not reconnect through the relay after each cut"

# Keystrokes after the cuts still reach the shell.
type_line 'echo reply-$((6*7))'
wait_tty 'reply-42' 30 || fail "typed command got no answer after cuts"

# ~N, typed after a newline, reconnects at once; the session goes on.
count_above() {
	test "`relay_count`" -gt "$1"
}
before=`relay_count`
tm send-keys -t rs -l '~N'
wait_for 30 count_above $before || fail "~N did not reconnect"
type_line 'echo again-$((6*7))'
wait_tty 'again-42' 30 || fail "typed command got no answer after ~N"

# exit ends ssh with status 0
type_line exit
n=0
while ! test -f $status_file; do
	n=$((n + 1))
	test $n -le 100 || break
	sleep 0.1
done
if test -f $status_file; then
	status=`cat $status_file`
	test "$status" = 0 || fail "ssh in the pane exited with '$status'"
else
	fail "ssh in the pane did not exit"
fi

tm kill-server >/dev/null 2>&1
stop_relay
cp $OBJ/sshd_config.orig $OBJ/sshd_config
test $RESULT -ne 0 || rm -f $capture	# what the terminal got, if failed
