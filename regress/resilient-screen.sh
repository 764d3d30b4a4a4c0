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
#	resilient-ssh: the status line leaves a full-screen program's screen
#	as it was.  vim, then top, run in a tmux pane through a relay; the
#	path goes silent (the status line says "no answer"), then down
#	(it says "lost"), then up again.  The pane must show the status on
#	its bottom row during the outage, and after the resume the same
#	screen as before the outage: for vim exactly, for top its header
#	with the figures masked.  Then a shell: keys typed into a silent
#	connection bring the line up within seconds.
#

tid="resilient status line over full-screen programs"

if ! have_prog tmux; then
	skip "tmux not installed"
fi
VI=
for _p in vim vim.tiny vi; do
	if have_prog $_p; then
		VI=$_p
		break
	fi
done
test -n "$VI" || skip "no vim or vi installed"
have_prog top || skip "top not installed"

. $SRC/resilient-relay.subr

make_tmpdir
TMUX_SOCK=$SSH_REGRESS_TMP/tmux
ROWS=24
tm() {
	tmux -S $TMUX_SOCK "$@"
}
trap 'tm kill-server >/dev/null 2>&1; stop_relay' EXIT

pane() {
	tm capture-pane -p -t rs
}

# pane_wait SECS CMD...: until CMD succeeds on the pane's text (on
# stdin), at most SECS; the text is left in $SSH_REGRESS_TMP/pane
pane_wait() {
	_pw_n=0
	_pw_secs=$1
	shift
	while [ $_pw_n -lt $((_pw_secs * 10)) ]; do
		pane > $SSH_REGRESS_TMP/pane 2>/dev/null
		"$@" < $SSH_REGRESS_TMP/pane && return 0
		sleep 0.1
		_pw_n=$((_pw_n + 1))
	done
	return 1
}

# the bottom row says TEXT
bottom_says() {
	tail -n 1 | grep -a -F "$1" >/dev/null
}
has() {
	grep -a -F "$1" >/dev/null
}
no_status() {
	! tail -n 1 | grep -a 'ssh: ' >/dev/null
}
pane_dead() {
	test "`tm display-message -p -t rs '#{pane_dead}'`" = 1
}
# wait_dead SECS: until ssh in the pane has exited
wait_dead() {
	_wd_n=0
	while [ $_wd_n -lt $(($1 * 10)) ]; do
		pane_dead && return 0
		sleep 0.1
		_wd_n=$((_wd_n + 1))
	done
	return 1
}
# same_as FILE: the pane equals FILE
same_as() {
	cmp -s - $1
}

resilient_sshd_config
start_sshd
start_relay

cat > $SSH_REGRESS_TMP/tmux.conf <<EOT
set -g remain-on-exit on
set -g default-terminal screen
set -g status off
EOT

# Probe after 1 s of silence: the "no answer" line comes up a second
# later, and stays until the relay cuts the path.
(
	echo "ResilientProbeInterval 1"
	echo "ResilientProbeTimeout 10"
	cat $RELAY_SSH_CONFIG
) > $OBJ/ssh_config.screen

# masked_same: the pane, through $_o_mask, is as before the outage
masked_same() {
	$_o_mask | cmp -s - $SSH_REGRESS_TMP/$_o_name.before
}

# outage NAME MASK: the path goes silent, then down, then up; the pane
# before and after the outage must agree (through MASK, a filter)
outage() {
	_o_name=$1
	_o_mask=$2
	pane | $_o_mask > $SSH_REGRESS_TMP/$_o_name.before
	ans=`relay stall`
	test "$ans" = "ok 1" || fail "$_o_name: stall: relay said '$ans'"
	if pane_wait 15 bottom_says "ssh: no answer from "; then
		trace "$_o_name: silent path: `tail -n 1 $SSH_REGRESS_TMP/pane`"
	else
		fail "$_o_name: no status line while the path was silent"
		cat $SSH_REGRESS_TMP/pane
	fi
	# the rest of the screen is left alone while the line is up
	head -n $((ROWS - 1)) $SSH_REGRESS_TMP/pane | $_o_mask |
	    cmp -s - $SSH_REGRESS_TMP/$_o_name.before.top ||
		fail "$_o_name: status line changed more than the bottom row"
	ans=`relay down`
	case "$ans" in
	ok*)	;;
	*)	fail "$_o_name: down: relay said '$ans'" ;;
	esac
	if pane_wait 15 bottom_says "lost; reconnecting"; then
		trace "$_o_name: path down: `tail -n 1 $SSH_REGRESS_TMP/pane`"
	else
		fail "$_o_name: no status line while disconnected"
		cat $SSH_REGRESS_TMP/pane
	fi
	before=`relay_count`
	relay up >/dev/null
	if ! pane_wait 20 no_status; then
		fail "$_o_name: status line still up after the resume"
		cat $SSH_REGRESS_TMP/pane
	fi
	test "`relay_count`" -gt "$before" ||
		fail "$_o_name: ssh did not reconnect through the relay"
	# the program redraws its screen: the pane ends up as before
	if ! pane_wait 10 masked_same; then
		fail "$_o_name: the screen differs after the resume"
		echo "before:"
		cat $SSH_REGRESS_TMP/$_o_name.before
		echo "after:"
		$_o_mask < $SSH_REGRESS_TMP/pane
	fi
}

# Start a pane running ssh; the remote side runs a shell
tm -f $SSH_REGRESS_TMP/tmux.conf new-session -d -s rs -x 80 -y $ROWS \
    "${SSH} -tt -F $OBJ/ssh_config.screen somehost" ||
	fatal "tmux new-session failed"
tm send-keys -t rs -l 'echo ready-$((20+22))' && tm send-keys -t rs Enter
pane_wait 30 has 'ready-42' || fatal "no shell prompt in the tmux pane"

# vim on a file of numbered lines, the cursor on line 5, a ruler
seq -f 'line %03g of the file' 1 200 > $SSH_REGRESS_TMP/file.txt
tm send-keys -t rs -l "clear; exec $VI -u NONE -i NONE -n -N -c 'set ruler noshowmode laststatus=0' +5 $SSH_REGRESS_TMP/file.txt"
tm send-keys -t rs Enter
pane_wait 30 has 'line 010 of the file' || fatal "vim did not start"
pane_wait 10 bottom_says '5,1' || fatal "vim shows no ruler"
# ^L: vim's redraw drops the file's name from the bottom row, as the one
# after the resume would
tm send-keys -t rs C-l
pane_wait 10 sh -c '! tail -n 1 | grep -F file.txt >/dev/null' ||
	fatal "vim did not redraw on ^L"
pane | head -n $((ROWS - 1)) > $SSH_REGRESS_TMP/vim.before.top
outage vim cat

# vim still works: go to line 100 and show it
tm send-keys -t rs -l ':100'
tm send-keys -t rs Enter
pane_wait 10 bottom_says '100,1' || fail "vim does not take keys after the resume"
tm send-keys -t rs -l ':qa!'
tm send-keys -t rs Enter
wait_dead 10 || fail "ssh did not end with vim"
tm kill-server >/dev/null 2>&1

# top, refreshing only when it is made to (-d 1000): its header, the
# figures masked, and its column titles
mask_top() {
	sed -e 's/[0-9][0-9.:,]*/#/g' -e 's/ //g' | head -n 7
}
tm -f $SSH_REGRESS_TMP/tmux.conf new-session -d -s rs -x 80 -y $ROWS \
    "${SSH} -tt -F $OBJ/ssh_config.screen somehost" ||
	fatal "tmux new-session failed"
tm send-keys -t rs -l 'echo ready-$((20+22))' && tm send-keys -t rs Enter
pane_wait 30 has 'ready-42' || fatal "no shell prompt in the second pane"
tm send-keys -t rs -l 'exec top -d 1000'
tm send-keys -t rs Enter
pane_wait 30 has 'PID' || fatal "top did not start"
pane | head -n $((ROWS - 1)) | mask_top > $SSH_REGRESS_TMP/top.before.top
outage top mask_top
tm send-keys -t rs -l 'q'
wait_dead 10 || fail "ssh did not end with top"

tm kill-server >/dev/null 2>&1

# Keys typed into a silent connection bring the line up within a few
# seconds, long before the probe for silence (ResilientProbeInterval at
# its default, 10 s) would; they reach the shell after the resume.
tm -f $SSH_REGRESS_TMP/tmux.conf new-session -d -s rs -x 80 -y $ROWS \
    "${SSH} -tt -F $RELAY_SSH_CONFIG somehost" ||
	fatal "tmux new-session failed"
tm send-keys -t rs -l 'echo ready-$((20+22))' && tm send-keys -t rs Enter
pane_wait 30 has 'ready-42' || fatal "no shell prompt in the third pane"
ans=`relay stall`
test "$ans" = "ok 1" || fail "typing: stall: relay said '$ans'"
tm send-keys -t rs -l 'echo held-$((40+2))'
if pane_wait 6 bottom_says "ssh: no answer from "; then
	trace "typing: `tail -n 1 $SSH_REGRESS_TMP/pane`"
else
	fail "typing into a silent connection: no status line within 6 s"
	cat $SSH_REGRESS_TMP/pane
fi
pane_wait 30 no_status || fail "typing: status line still up after 30 s"
tm send-keys -t rs Enter
pane_wait 10 has 'held-42' || fail "keys typed while silent did not arrive"
tm send-keys -t rs -l 'exit' && tm send-keys -t rs Enter
wait_dead 10 || fail "ssh did not end with the shell"

tm kill-server >/dev/null 2>&1
stop_relay
cp $OBJ/sshd_config.orig $OBJ/sshd_config
