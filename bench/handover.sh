#!/usr/bin/env bash
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
# A laptop moving from WLAN to Ethernet in the middle of an sftp
# download, drawn: four network namespaces, a client with two links,
# "wlan0" and "eth0", each to a router of its own that NATs (nftables
# masquerade) onto a link to the server's namespace, where sshd runs.
# The routers limit what they send to the client with tbf, WLAN to
# 20 Mbit/s and Ethernet to 100 Mbit/s (and delay the WLAN's packets by
# 5 ms with netem, where the kernel has it).  At the start only the
# WLAN is up, with a default route via its router.  sftp -b downloads
# a file of MiB random bytes; T1 seconds after sftp started the Ethernet
# comes up (an address, and a default route with a lower metric), and
# at T2 the WLAN goes down.  Like a well configured multihomed host, the
# client routes what leaves from each address out of that address's
# link (a routing table per link), so an old connection keeps working
# until its link goes.  The size of the downloaded file is sampled
# every 100 ms, for two variants in turn: the fork on both sides, and
# stock OpenSSH (build/upstream-plain) on both sides.  The fork's file
# must be the source's, byte for byte; stock sftp, whose connection
# cannot follow, is stopped 20 s after T2 if it has not given up.
# Printed, for each: MiB received by T1, by T2 and at the end, and the
# longest time no byte came; for the fork, when it moved to Ethernet
# (its "ssh -v" lines, each timed as it arrived).  The samples and the
# commands go to bench/results/DATE-handover.txt (or BENCH_RESULTS), and
# gnuplot draws them (bench/handover.gp) into bench/results/handover.png
# (or BENCH_PNG).
# Usage: bench/handover.sh [MiB [T1 [T2]]] (default 64, 5 and 7; as root)

set -eu
RS_PROG=bench-handover
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/../scripts/lib.sh"
# shellcheck source=scripts/testenv.sh
. "$(dirname "$0")/../scripts/testenv.sh"
rs_read_lock
RS_TREE=$(rs_tree)
tree=$RS_TREE
plain=$(rs_plain_tree)
mib=${1:-64}
t1=${2:-5}
t2=${3:-7}
hold=20			# seconds after T2 that stock sftp may still run
case "$mib$t1$t2" in *[!0-9]*|'') rs_die "MiB, T1 and T2 are numbers" ;; esac
[ "$mib" -ge 1 ] && [ "$mib" -le 4096 ] || rs_die "MiB is 1 to 4096, not $mib"
[ "$t1" -ge 1 ] && [ "$t2" -gt "$t1" ] && [ "$t2" -le 120 ] ||
    rs_die "T1 is at least 1 s, and T2 after T1 and at most 120 s"
[ "$(id -u)" = 0 ] || rs_die "run as root: it makes network namespaces"
for b in ssh sshd sshd-session sshd-auth sftp sftp-server ssh-keygen; do
	[ -x "$tree/$b" ] || rs_die "$tree/$b is missing; run make first"
	[ -x "$plain/$b" ] ||
	    rs_die "$plain/$b is missing; run make upstream-plain (make bench does)"
done
for c in ip nft tc mkfifo sha256sum stat; do
	command -v $c >/dev/null 2>&1 || rs_die "no $c (make deps)"
done
rs_ensure_privsep
export LC_ALL=C		# a decimal point in $EPOCHREALTIME

results=${BENCH_RESULTS:-}
if [ -z "$results" ]; then
	results=$RS_TOP/bench/results/$(date +%F)-handover.txt
	for i in $(seq 2 99); do
		[ -e "$results" ] || break
		results=$RS_TOP/bench/results/$(date +%F)-handover-$i.txt
	done
	[ ! -e "$results" ] || rs_die "$results exists; set BENCH_RESULTS"
fi
png=${BENCH_PNG:-$RS_TOP/bench/results/handover.png}

NC=rhc$$ NW=rhw$$ NE=rhe$$ NS=rhs$$	# client, routers, server
SRV=10.81.0.1				# sshd's address, on the server's lo
WLAN_MBIT=20 WLAN_DELAY=5ms ETH_MBIT=100
declare -A vtree=([fork]=$tree [stock]=$plain) port=([fork]=22 [stock]=2022)
declare -A label=([fork]=resilient-ssh [stock]="OpenSSH $UPSTREAM_VERSION")
work=$(mktemp -d "${TMPDIR:-/tmp}/resilient-bench.XXXXXX")
sftp_pid= stamp_pid=
cleanup() {
	local n p
	for p in $sftp_pid $stamp_pid; do
		kill "$p" 2>/dev/null || true
	done
	for n in $NC $NW $NE $NS; do
		p=$(ip netns pids $n 2>/dev/null || true)
		[ -z "$p" ] || kill -9 $p 2>/dev/null || true
	done
	wait 2>/dev/null || true
	for n in $NC $NW $NE $NS; do
		ip netns del $n 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the networks ---------------------------------------------------------------
#   client wlan0 10.81.1.2 -- 10.81.1.1 lan0 [router W] wan0 10.81.11.1
#       -- 10.81.11.2 rtw0 [server, lo 10.81.0.1]
#   client eth0 10.81.2.2 -- 10.81.2.1 lan0 [router E] wan0 10.81.12.1
#       -- 10.81.12.2 rte0 [server]
for n in $NC $NW $NE $NS; do
	ip netns add $n
	ip -n $n link set lo up
done
ip -n $NC link add wlan0 type veth peer name lan0 netns $NW
ip -n $NC link add eth0 type veth peer name lan0 netns $NE
ip -n $NW link add wan0 type veth peer name rtw0 netns $NS
ip -n $NE link add wan0 type veth peer name rte0 netns $NS
ip -n $NS addr add $SRV/32 dev lo
# (router namespace, its number in the addresses, the server's end)
for r in "$NW 1 rtw0" "$NE 2 rte0"; do
	read -r n x s <<< "$r"
	ip -n $n addr add 10.81.$x.1/24 dev lan0
	ip -n $n addr add 10.81.1$x.1/24 dev wan0
	ip -n $NS addr add 10.81.1$x.2/24 dev $s
	ip -n $n link set lan0 up
	ip -n $n link set wan0 up
	ip -n $NS link set $s up
	ip -n $n route add $SRV/32 via 10.81.1$x.2
	ip netns exec $n sysctl -qw net.ipv4.ip_forward=1
	ip netns exec $n nft -f - <<NFT || rs_die "no nftables NAT here"
table ip handover {
	chain post {
		type nat hook postrouting priority srcnat;
		oifname "wan0" masquerade
	}
}
NFT
done

# shape NS RATE [DELAY]: what router NS sends to the client, at most RATE,
# each packet DELAY late; $shaped says what was done
shaped="WLAN $WLAN_MBIT Mbit/s, $WLAN_DELAY late; Ethernet $ETH_MBIT Mbit/s"
netem=yes
shape() {
	if [ -n "${3:-}" ] && [ -n "$netem" ] &&
	    tc -n $1 qdisc add dev lan0 root handle 1: netem delay $3 \
	    2>/dev/null; then
		tc -n $1 qdisc add dev lan0 parent 1:1 handle 10: tbf \
		    rate $2 burst 64kb latency 50ms
		return
	fi
	if [ -n "${3:-}" ]; then
		rs_msg "no netem in this kernel: the WLAN gets no delay"
		shaped="WLAN $WLAN_MBIT Mbit/s (no netem: no delay); Ethernet $ETH_MBIT Mbit/s"
		netem=
	fi
	tc -n $1 qdisc add dev lan0 root tbf rate $2 burst 64kb latency 50ms
}
if ! tc -n $NW qdisc add dev lan0 root tbf rate 1mbit burst 64kb \
    latency 50ms 2>/dev/null; then
	rs_msg "no tbf in this kernel: the links are not shaped, and the" \
	    "download may be over before T1"
	shaped="not shaped (no tbf in this kernel)"
else
	tc -n $NW qdisc del dev lan0 root
	shape $NW ${WLAN_MBIT}mbit $WLAN_DELAY
	shape $NE ${ETH_MBIT}mbit
fi

# plug IF ADDR GW METRIC TABLE: link IF of the client comes up as with
# DHCP: its address, a default route of the metric; and what leaves from
# ADDR goes out of IF (table TABLE, rule TABLE)
plug() {
	ip -n $NC -batch - <<IP
link set $1 up
addr add $2/24 dev $1
route add default via $3 metric $4
route add default via $3 table $5
rule add from $2 table $5 priority $5
IP
}
plug_wlan() { plug wlan0 10.81.1.2 10.81.1.1 600 101; }
plug_eth() { plug eth0 10.81.2.2 10.81.2.1 100 102; }
unplug_wlan() { ip -n $NC link set wlan0 down; }
# the client as at the start: the WLAN alone (routes go with the links)
restart_net() {
	ip -n $NC -force -batch - >/dev/null 2>&1 <<IP || true
link set wlan0 down
link set eth0 down
addr flush dev wlan0
addr flush dev eth0
rule del priority 101
rule del priority 102
IP
	plug_wlan
}

# --- sshd and the client's configuration, per variant -------------------------
for v in fork stock; do
	t=${vtree[$v]}
	d=$work/$v
	mkdir "$d"
	rs_test_keys "$t" "$d"
	printf '%s\n' "ListenAddress $SRV" "Subsystem sftp $t/sftp-server" |
	    rs_sshd_config "$t" "$d" "${port[$v]}"
	# stock sshd knows no Resilient* option
	[ $v = fork ] || sed -i '/^Resilient/d' "$d/sshd_config"
	ip netns exec $NS "$t/sshd" -f "$d/sshd_config" -E "$d/sshd.log" ||
	    rs_die "sshd ($v) did not start: $(tail -n 1 "$d/sshd.log")"
	for i in $(seq 1 100); do
		[ -s "$d/sshd.pid" ] && break
		sleep 0.05
	done
	[ -s "$d/sshd.pid" ] ||
	    rs_die "sshd ($v) did not start: $(tail -n 1 "$d/sshd.log")"
	echo "bench $(cut -d' ' -f1,2 "$d/host_ed25519.pub")" > "$d/known_hosts"
	cat > "$d/ssh_config" <<CONF
Host bench
	HostName $SRV
	Port ${port[$v]}
	User root
	IdentityFile $d/id_ed25519
	IdentitiesOnly yes
	HostKeyAlias bench
	UserKnownHostsFile $d/known_hosts
	GlobalKnownHostsFile /dev/null
	StrictHostKeyChecking yes
	BatchMode yes
CONF
done

size=$((mib * 1024 * 1024))
head -c "$size" /dev/urandom > "$work/data"
sum=$(rs_sha256 "$work/data")

# stamp: each line of standard input after the time it came, in us
stamp() {
	local l
	while IFS= read -r l; do
		printf '%s %s\n' "${EPOCHREALTIME/./}" "$l"
	done
}

# run V: the download with variant V, sampled every 100 ms until sftp
# exits or HOLD s after T2.  Leaves in $work/V: samples ("us bytes"),
# err (sftp's and ssh's standard error, timed), and sets start_us,
# eth_us and wlan_us (the events, in us after the start) and how (what
# became of sftp)
run() {
	local v=$1 t=${vtree[$1]} d=$work/$1 i n now next left got alive rc
	got=$d/got
	echo "get $work/data $got" > "$d/batch"
	mkfifo "$d/err.fifo"
	stamp < "$d/err.fifo" > "$d/err" &
	stamp_pid=$!
	: > "$d/samples"
	eth_us= wlan_us= how=
	start_us=${EPOCHREALTIME/./}
	# (ip execs sftp: $! is sftp's)
	ip netns exec $NC "$t/sftp" -v -S "$t/ssh" -F "$d/ssh_config" \
	    -b "$d/batch" bench </dev/null >/dev/null 2>"$d/err.fifo" &
	sftp_pid=$!
	n=$(((t2 + hold) * 10))
	for i in $(seq 0 "$n"); do
		next=$((start_us + i * 100000))
		now=${EPOCHREALTIME/./}
		left=$((next - now))
		[ "$left" -le 0 ] || sleep "$(printf '0.%06d' "$left")"
		alive=yes
		kill -0 "$sftp_pid" 2>/dev/null || alive=
		now=${EPOCHREALTIME/./}
		echo "$((now - start_us)) $(stat -c %s "$got" 2>/dev/null ||
		    echo 0)" >> "$d/samples"
		[ -n "$alive" ] || break
		if [ -z "$eth_us" ] && [ $((now - start_us)) -ge $((t1 * 1000000)) ]
		then
			eth_us=$((now - start_us))
			plug_eth
		fi
		if [ -z "$wlan_us" ] && [ $((now - start_us)) -ge $((t2 * 1000000)) ]
		then
			wlan_us=$((now - start_us))
			unplug_wlan
		fi
	done
	if [ -n "$alive" ]; then
		how="still running $hold s after the WLAN went down; stopped"
		kill "$sftp_pid" 2>/dev/null || true
		for i in $(seq 1 50); do
			kill -0 "$sftp_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$sftp_pid" 2>/dev/null || true
	fi
	rc=0
	wait "$sftp_pid" || rc=$?
	sftp_pid=
	[ -n "$how" ] || how="exited with status $rc"
	[ -n "$alive" ] || [ "$rc" = 0 ] || how="gave up: $how"
	# the stamper ends when ssh and sftp have closed the pipe
	for i in $(seq 1 50); do
		kill -0 "$stamp_pid" 2>/dev/null || break
		sleep 0.1
	done
	kill "$stamp_pid" 2>/dev/null || true
	wait "$stamp_pid" 2>/dev/null || true
	stamp_pid=
}

# said V WHAT: seconds after the start at which variant V's ssh or sftp
# first said WHAT, and the line; nothing if it never did
said() {
	awk -v s="$start_us" -v w="$2" 'index($0, w) {
		l = $0; sub(/^[0-9]+ /, "", l)
		printf "%.3f %s\n", ($1 - s) / 1e6, l; exit }' "$work/$1/err"
}

# figures V: "MiB by T1, by T2, at the end; the end, s; the first byte,
# s; the longest gap, s, from, to; open" from V's samples, where "open"
# is 1 if the gap lasted to the end with the file incomplete
figures() {
	awk -v e1="$eth_us" -v e2="$wlan_us" -v size="$size" '
	    { t = $1 / 1e6; b = $2 }
	    $1 <= e1 { b1 = b }
	    $1 <= e2 { b2 = b }
	    b > 0 && first == "" { first = t; last = t; prev = b }
	    first != "" && b > prev {
		if (t - last > gap) { gap = t - last; from = last; to = t }
		last = t; prev = b
	    }
	    END {
		open = 0
		if (first != "" && b < size && t - last > gap) {
			gap = t - last; from = last; to = t; open = 1
		}
		printf "%.1f %.1f %.1f %.1f %.2f %.1f %.1f %.1f %d\n",
		    b1 / 1048576, b2 / 1048576, b / 1048576, t,
		    first == "" ? -1 : first, gap, from, to, open
	    }' "$work/$1/samples"
}

declare -A fig=() eth_at=() wlan_at=() fate=() start_at=()
began=$(date +%s)
for v in fork stock; do
	d=$work/$v
	restart_net
	rs_msg "${label[$v]}: downloading $mib MiB; Ethernet up at $t1 s," \
	    "WLAN down at $t2 s"
	run $v
	start_at[$v]=$start_us
	eth_at[$v]=$eth_us
	wlan_at[$v]=$wlan_us
	fate[$v]=$how
	grep -q "Accepted publickey for root from 10.81.11.1 " "$d/sshd.log" ||
	    rs_die "${label[$v]}: the session did not start over the WLAN: $(grep -v '^debug' "$d/err" | tail -n 2)"
	if [ $v = fork ]; then
		grep -q 'resilient sessions negotiated' "$d/err" ||
		    rs_die "the fork did not negotiate resilient sessions"
		[ "$how" = "exited with status 0" ] ||
		    rs_die "the fork's download did not finish: sftp $how: $(grep -v '^[0-9]* debug' "$d/err" | tail -n 3)"
		[ "$(rs_sha256 "$d/got")" = "$sum" ] ||
		    rs_die "the fork's download differs from the source (sha256)"
	fi
	[ -n "$wlan_us" ] ||
	    rs_die "${label[$v]}: the download ended before the WLAN went down; make MiB larger"
	fig[$v]=$(figures $v)
done
took=$(($(date +%s) - began))

# --- the fork's move --------------------------------------------------------------
start_us=${start_at[fork]}
route=$(said fork 'resilient: route now from')
moved=$(said fork 'resilient: moved to')
lost=$(said fork 'reconnecting...')
resumed=$(grep -c 'session resumed from 10.81.12.1 ' "$work/fork/sshd.log" ||
    true)
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", (a - b / 1e6) * 1000 }'; }
if [ -n "$moved" ]; then
	move="moved to Ethernet at ${moved%% *} s, $(ms "${moved%% *}" \
	    "${eth_at[fork]}") ms after it came up (ssh: \"${moved#* }\")"
	[ -z "$route" ] || move="$move; the route change was seen $(ms \
	    "${route%% *}" "${eth_at[fork]}") ms after it came up"
else
	move="did not log a move to Ethernet"
fi
[ -z "$lost" ] || move="$move; it lost the session at ${lost%% *} s: ${lost#* }"
[ "$resumed" -ge 1 ] ||
    move="$move; sshd never saw the session come over Ethernet"

# --- the results ------------------------------------------------------------------
# (from the figures) line V: one row of the table
row() { printf '%-16s %8s %8s %8s %9s %s\n' "$@"; }
line() {
	local b1 b2 b e gap from to open
	read -r b1 b2 b e _ gap from to open <<< "${fig[$1]}"
	row "${label[$1]}" "$b1" "$b2" "$b" "$e s" \
	    "$gap s ($from to $to s$([ "$open" = 0 ] || echo ', to the end'))"
}
summary() {
	echo "sftp download of $mib MiB, WLAN to Ethernet, each through a NAT router;"
	echo "links: $shaped;"
	echo "Ethernet up at $t1 s, WLAN down at $t2 s after sftp started; MiB received:"
	row "" "by T1" "by T2" "in all" "ended" "longest gap"
	line fork
	line stock
	echo "${label[fork]}: $move; file checked (sha256)"
	echo "${label[stock]}: sftp ${fate[stock]}; its last words:" \
	    "$(grep -v '^[0-9]* debug' "$work/stock/err" | tail -n 1 |
	    cut -d' ' -f2- || true)"
}

rel() { echo "${1#"$RS_TOP"/}"; }
cmd="bench/handover.sh $mib $t1 $t2"
what="sftp download of $mib MiB: WLAN ($WLAN_MBIT Mbit/s) to Ethernet ($ETH_MBIT Mbit/s), each through a NAT router"
e1=$(awk -v a="${eth_at[fork]}" 'BEGIN { printf "%.2f", a / 1e6 }')
e2=$(awk -v a="${wlan_at[fork]}" 'BEGIN { printf "%.2f", a / 1e6 }')
vars="t1=$e1; t2=$e2; what='$what'; stock='${label[stock]}'"
draw="gnuplot -e \"data='$(rel "$results")'; out='$(rel "$png")'; $vars\" bench/handover.gp"
commit=$(git -C "$RS_TOP" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$RS_TOP" diff --quiet HEAD -- 2>/dev/null ||
    commit="$commit, with uncommitted changes"
{
	echo "date: $(date -u -d "@$began" '+%F %H:%M UTC') (start)"
	echo "machine: $(nproc) cores," \
	    "$(awk '/^MemTotal:/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)," \
	    "$(uname -srm); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "commit: $commit"
	echo "command: $cmd (as root); took $took s"
	echo "resilient-ssh: $("$tree/ssh" -V 2>&1)"
	echo "OpenSSH: $("$plain/ssh" -V 2>&1)"
	for v in fork stock; do
		echo "${label[$v]}, in the client's namespace:" \
		    "$(rel "${vtree[$v]}")/sftp -v -S $(rel "${vtree[$v]}")/ssh" \
		    "-F ssh_config -b batch bench  (batch: get data got)"
	done
	echo "server: sshd -f sshd_config of each, on $SRV ports ${port[fork]}" \
	    "(resilient-ssh) and ${port[stock]} (OpenSSH)"
	echo "at T1, in the client's namespace: ip link set eth0 up; ip addr add" \
	    "10.81.2.2/24 dev eth0; ip route add default via 10.81.2.1 metric" \
	    "100 (the WLAN's is 600); the same route in table 102, and a rule" \
	    "from 10.81.2.2 to it"
	echo "at T2: ip link set wlan0 down"
	echo "picture: $draw"
	echo
	summary
	echo
	echo "The samples, one block per variant: seconds since sftp started,"
	echo "MiB received (the size of the file sftp writes)."
} | sed 's/^/# /; s/^# $/#/' > "$work/results"
# (gnuplot: two blank lines between blocks, index 0 and 1)
for v in fork stock; do
	[ $v = fork ] || printf '\n\n'
	awk -v l="${label[$v]}" -v e="${eth_at[$v]}" -v w="${wlan_at[$v]}" '
	    NR == 1 { printf "# %s: Ethernet up at %.3f s, WLAN down at %.3f s\n",
		l, e / 1e6, w / 1e6 }
	    { printf "%.3f %.3f\n", $1 / 1e6, $2 / 1048576 }' "$work/$v/samples"
done >> "$work/results"
mkdir -p "$(dirname "$results")"
cp "$work/results" "$results"

summary
if command -v gnuplot >/dev/null 2>&1; then
	gnuplot -e "data='$results'; out='$png'; $vars" \
	    "$RS_TOP/bench/handover.gp" ||
	    rs_die "gnuplot failed to draw $png"
	rs_msg "took $took s; results in $(rel "$results"), picture in $(rel "$png")"
else
	rs_msg "took $took s; results in $(rel "$results"); no picture:" \
	    "gnuplot is missing (apt-get install gnuplot-nox)"
fi
