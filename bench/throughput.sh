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
# Bulk upload throughput and what it costs, on 127.0.0.1, for three
# variants: "on" (the fork, ResilientSessions yes on both sides), "off"
# (the fork, ResilientSessions no on both sides) and "upstream" (the
# unpatched build of scripts/build-plain.sh), each with its own sshd on
# its own port.  Each transfer sends a file of MiB mebibytes of random
# bytes in one of three ways:
#   raw   ssh bench 'wc -c' < file      (the count must be the size)
#   sftp  sftp -b: put file /dev/null   (sftp-server's log of the close
#                                        must give the size as written)
#   scp   scp -O file bench:FIFO        (the classic protocol; "wc -c"
#                                        reads the FIFO on the server side)
# through a master connection (ControlMaster) per variant and cipher,
# chacha20-poly1305@openssh.com and aes128-gcm@openssh.com, opened
# beforehand, so that logins are not counted.  For each transfer:
#   - throughput: MiB over the wall time of the client;
#   - CPU seconds per GiB of the clients (the master included) and of
#     sshd with everything it starts, by cgroup (v2, or v1's cpuacct;
#     skipped if neither);
#   - wire MiB per GiB: TCP payload in both directions, from nftables
#     counters on the output hook of lo, one per TCP header length, so
#     that headers are subtracted exactly (skipped without nft).
# Every round runs each (kind, cipher) for the three variants in turn,
# starting with a different variant each round.  Medians over ROUNDS
# rounds, and the ratios on/off, off/upstream and on/upstream of the
# medians, go to standard output and, with every transfer's figures, to
# a results file: bench/results/DATE-throughput.txt, or BENCH_RESULTS.
# Usage: bench/throughput.sh [MiB [ROUNDS]] (default 1024 25; as root;
# an empty argument takes the default)

set -eu
RS_PROG=bench-throughput
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/../scripts/lib.sh"
# shellcheck source=scripts/testenv.sh
. "$(dirname "$0")/../scripts/testenv.sh"
rs_read_lock
RS_TREE=$(rs_tree)
tree=$RS_TREE
plain=$(rs_plain_tree)
mib=${1:-1024}
rounds=${2:-25}
case "$mib" in ''|*[!0-9]*|0*) rs_die "MiB must be a positive integer, not '$mib'" ;; esac
case "$rounds" in ''|*[!0-9]*|0*) rs_die "ROUNDS must be a positive integer, not '$rounds'" ;; esac
[ "$mib" -le 65536 ] || rs_die "MiB is at most 65536 (64 GiB), not $mib"
[ "$rounds" -le 1000 ] || rs_die "ROUNDS is at most 1000, not $rounds"
[ "$(id -u)" = 0 ] ||
    rs_die "run as root: it logs in as root and sets up cgroups and nftables counters"
for b in ssh sshd sshd-session sshd-auth sftp sftp-server scp ssh-keygen; do
	[ -x "$tree/$b" ] || rs_die "$tree/$b is missing; run make first"
	[ -x "$plain/$b" ] ||
	    rs_die "$plain/$b is missing; run make upstream-plain (make bench does)"
done
for c in mkfifo pgrep timeout; do
	command -v "$c" >/dev/null || rs_die "$c is missing (make deps)"
done
rs_ensure_privsep

variants="on off upstream"
kinds="raw sftp scp"
ciphers="chacha20-poly1305@openssh.com aes128-gcm@openssh.com"
size=$((mib * 1024 * 1024))
# a client may take this long: 2 MiB/s and a minute to spare
tmo=$((60 + mib / 2))
declare -A vtree=([on]=$tree [off]=$tree [upstream]=$plain)
declare -A sshd_pid=() port=() master_pid=() base=() banner=()

results=${BENCH_RESULTS:-}
if [ -z "$results" ]; then
	results=$RS_TOP/bench/results/$(date +%F)-throughput.txt
	for i in $(seq 2 99); do
		[ -e "$results" ] || break
		results=$RS_TOP/bench/results/$(date +%F)-throughput-$i.txt
	done
	[ ! -e "$results" ] || rs_die "$results exists; set BENCH_RESULTS"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/resilient-bench.XXXXXX")
sink_pid=
cg_kind='' cg_why='' cg_root='' cg_made=''
nft_table=
cleanup() {
	local p m cg i
	[ -z "$sink_pid" ] || kill "$sink_pid" 2>/dev/null || true
	# the masters end their sessions, which would otherwise be detached
	for m in "${!master_pid[@]}"; do
		timeout 5 "${vtree[${m%.*}]}/ssh" -F "$work/${m%.*}/ssh_config" \
		    -o "ControlPath=$work/$m.ctl" -O exit bench \
		    >/dev/null 2>&1 || true
		kill "${master_pid[$m]}" 2>/dev/null || true
	done
	for p in "${sshd_pid[@]}"; do
		pkill -P "$p" 2>/dev/null || true
		kill "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	for cg in $cg_made; do
		while read -r p; do
			kill "$p" 2>/dev/null || true
		done < "$cg/cgroup.procs" 2>/dev/null || true
	done
	for cg in $cg_made; do
		for i in $(seq 1 50); do
			rmdir "$cg" 2>/dev/null && break
			sleep 0.1
		done
		[ ! -d "$cg" ] || rs_msg "could not remove the cgroup $cg"
	done
	[ -z "$nft_table" ] || nft delete table inet "$nft_table" 2>/dev/null ||
	    rs_msg "could not remove the nftables table inet $nft_table"
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- CPU time by cgroup ------------------------------------------------------
# Everything the clients of a variant and its sshd start is counted,
# processes that have exited included: cgroups client-V and server-V.
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
	cg_kind=v2 cg_root=/sys/fs/cgroup
elif [ -f /sys/fs/cgroup/cpuacct/cpuacct.usage_user ]; then
	cg_kind=v1 cg_root=/sys/fs/cgroup/cpuacct
else
	cg_why="neither cgroup v2 (/sys/fs/cgroup/cgroup.controllers) nor v1's cpuacct (/sys/fs/cgroup/cpuacct) is mounted"
fi
# cg NAME: the path of our cgroup NAME
cg() { echo "$cg_root/resilient-bench.$$.$1"; }
if [ -n "$cg_kind" ]; then
	for v in $variants; do
		for n in "client-$v" "server-$v"; do
			if ! mkdir "$(cg "$n")" 2>/dev/null; then
				cg_why="cannot create a cgroup under $cg_root"
				break 2
			fi
			cg_made="$cg_made $(cg "$n")"
		done
	done
	if [ -z "$cg_why" ] &&
	    ! (echo "$BASHPID" > "$(cg client-on)/cgroup.procs") 2>/dev/null; then
		cg_why="cannot move a process into $(cg client-on)"
	fi
	[ -z "$cg_why" ] || cg_kind=
fi
[ -n "$cg_kind" ] || rs_msg "CPU time is not measured: $cg_why"
# in_cg NAME CMD...: exec CMD in our cgroup NAME (in a subshell)
in_cg() {
	local n=$1
	shift
	[ -z "$cg_kind" ] || echo "$BASHPID" > "$(cg "$n")/cgroup.procs"
	exec "$@"
}
# cpu NAME: "usage user system" of cgroup NAME so far, in microseconds
cpu() {
	local d
	d=$(cg "$1")
	case "$cg_kind" in
	v2)	awk '$1 == "usage_usec" { u = $2 } $1 == "user_usec" { us = $2 }
		    $1 == "system_usec" { sy = $2 } END { print u, us, sy }' \
		    "$d/cpu.stat" ;;
	v1)	echo $(($(cat "$d/cpuacct.usage") / 1000)) \
		    $(($(cat "$d/cpuacct.usage_user") / 1000)) \
		    $(($(cat "$d/cpuacct.usage_sys") / 1000)) ;;
	*)	echo - - - ;;
	esac
}
# procs NAME: how many processes cgroup NAME holds
procs() { wc -l < "$(cg "$1")/cgroup.procs"; }

# --- one sshd per variant ------------------------------------------------------
# start_sshd V PORT: sshd of variant V on PORT; fails if it does not
# listen (port taken)
start_sshd() {
	local v=$1 p=$2 t=${vtree[$1]} d=$work/$1 i pid
	{
		case "$v" in
		on)	echo "ResilientSessions yes" ;;
		off)	echo "ResilientSessions no" ;;
		esac
		# scp -O runs "scp -t" on the server: the variant's own.  With
		# SHLVL set, bash reads no ~/.bashrc for each command: root's
		# dotfiles are not what is measured
		echo "SetEnv PATH=$t:/usr/bin:/bin SHLVL=1"
		# sshd drops a subsystem's stderr; its shell takes the log
		echo "Subsystem sftp $t/sftp-server -e -l INFO 2>>$d/sftp.log"
	} | rs_sshd_config "$t" "$d" "$p"
	# upstream knows no Resilient* option
	[ "$v" != upstream ] || sed -i '/^Resilient/d' "$d/sshd_config"
	: > "$d/sshd.log"
	(in_cg "server-$v" "$t/sshd" -D -f "$d/sshd_config" -E "$d/sshd.log") &
	pid=$!
	for i in $(seq 1 100); do
		if grep -q 'Server listening' "$d/sshd.log"; then
			sshd_pid[$v]=$pid
			port[$v]=$p
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	return 1
}
for v in $variants; do
	t=${vtree[$v]}
	d=$work/$v
	mkdir "$d"
	rs_test_keys "$t" "$d"
	mkfifo "$d/sink"
	for _ in $(seq 1 20); do
		# below the ephemeral range, so no client port is ever counted
		p=$((20000 + RANDOM % 12000))
		case " ${port[*]} " in *" $p "*) continue ;; esac
		start_sshd "$v" "$p" && break
	done
	[ -n "${sshd_pid[$v]:-}" ] ||
	    rs_die "sshd of '$v' did not start: $(tail -n 1 "$d/sshd.log")"
	printf '[127.0.0.1]:%s %s\n' "${port[$v]}" \
	    "$(cut -d' ' -f1,2 "$d/host_ed25519.pub")" > "$d/known_hosts"
	{
		cat <<CONF
Host bench
	HostName 127.0.0.1
	Port ${port[$v]}
	User root
	IdentityFile $d/id_ed25519
	IdentitiesOnly yes
	UserKnownHostsFile $d/known_hosts
	GlobalKnownHostsFile /dev/null
	StrictHostKeyChecking yes
	BatchMode yes
	LogLevel ERROR
	Compression no
	ControlMaster no
CONF
		# an idle master sends no probes while others are measured
		case "$v" in
		on)	printf '\tResilientSessions yes\n\tResilientProbeInterval 0\n' ;;
		off)	printf '\tResilientSessions no\n\tResilientProbeInterval 0\n' ;;
		esac
	} > "$d/ssh_config"
done

# Each variant is what it claims: resilient sessions negotiated for "on"
# alone.  This login's processes are gone before the masters log in.
for v in $variants; do
	t=${vtree[$v]}
	d=$work/$v
	"$t/ssh" -F "$d/ssh_config" -o ControlPath=none -o LogLevel=DEBUG1 \
	    bench true 2>"$d/check.err" </dev/null ||
	    rs_die "'$v': ssh to its sshd failed: $(grep -v '^debug' "$d/check.err" | tail -n 1)"
	if grep -q 'resilient sessions negotiated' "$d/check.err"; then
		[ "$v" = on ] || rs_die "'$v' negotiated resilient sessions"
	else
		[ "$v" != on ] || rs_die "'on' did not negotiate resilient sessions"
	fi
	banner[$v]=$(sed -n 's/.*remote software version \([^ ,]*\).*/\1/p' \
	    "$d/check.err" | head -n 1)
	for i in $(seq 1 200); do
		pgrep -P "${sshd_pid[$v]}" >/dev/null || break
		sleep 0.05
	done
	! pgrep -P "${sshd_pid[$v]}" >/dev/null ||
	    rs_die "'$v': a session still runs 10 s after its client exited"
done

# --- a master connection per variant and cipher -------------------------------
declare -A cnum=()
opt=()
n=0
for c in $ciphers; do
	n=$((n + 1))
	cnum[$c]=$n
done
# use V CIPHER: opt=(what makes a client of variant V use that master)
use() {
	opt=(-F "$work/$1/ssh_config" -o "ControlPath=$work/$1.${cnum[$2]}.ctl"
	    -o "Ciphers=$2")
}
for v in $variants; do
	t=${vtree[$v]}
	for c in $ciphers; do
		m=$v.${cnum[$c]}
		use "$v" "$c"
		(in_cg "client-$v" "$t/ssh" "${opt[@]}" -MNn bench) \
		    2>"$work/$m.err" &
		master_pid[$m]=$!
		for i in $(seq 1 100); do
			"$t/ssh" "${opt[@]}" -O check bench >/dev/null 2>&1 &&
			    break
			kill -0 "${master_pid[$m]}" 2>/dev/null || break
			sleep 0.05
		done
		# a command through it; the server runs the variant's own scp
		got=$("$t/ssh" "${opt[@]}" bench 'command -v scp' 2>&1 \
		    </dev/null) ||
		    rs_die "'$v', $c: no master connection: $(tail -n 1 "$work/$m.err")"
		[ "$got" = "$t/scp" ] ||
		    rs_die "'$v': the server runs '${got:-no scp}', not $t/scp"
	done
	# the server's processes between transfers
	[ -z "$cg_kind" ] || base[$v]=$(procs "server-$v")
done

# --- wire bytes by nftables counters ----------------------------------------
# On lo every packet passes the output hook once, as one (GSO) packet of
# IP header + TCP header + payload; TCP header length is doff * 4.  A
# counter per direction and doff gives the payload exactly; "odd" counts
# IP headers with options, which would make the sum wrong.
wire_why=
if ! command -v nft >/dev/null; then
	wire_why="nft is missing (apt-get install nftables)"
else
	nft_table=resilient_bench_$$
	ports=${port[*]}
	ports=${ports// /, }
	{
		echo "table inet $nft_table {"
		echo "counter odd { }"
		for dir in c2s s2c; do
			for d in $(seq 5 15); do
				echo "counter ${dir}_$d { }"
			done
		done
		echo "chain out {"
		echo "type filter hook output priority 0; policy accept;"
		for m in "dport c2s" "sport s2c"; do
			read -r field dir <<< "$m"
			echo "ip saddr 127.0.0.1 ip daddr 127.0.0.1" \
			    "ip hdrlength != 5 tcp $field { $ports }" \
			    "counter name odd"
			for d in $(seq 5 15); do
				echo "ip saddr 127.0.0.1 ip daddr 127.0.0.1" \
				    "ip hdrlength 5 tcp $field { $ports }" \
				    "tcp doff $d counter name ${dir}_$d"
			done
		done
		echo "}"
		echo "}"
	} > "$work/nft"
	if ! nft -f "$work/nft" 2>"$work/nft.err"; then
		wire_why="nftables: $(head -n 1 "$work/nft.err")"
		nft_table=
	fi
fi
[ -z "$wire_why" ] || rs_msg "wire bytes are not measured: $wire_why"
# wire: "c2s s2c" payload bytes since the last call, or "- -"
wire() {
	[ -n "$nft_table" ] || { echo - -; return; }
	nft reset counters table inet "$nft_table" | awk '
	    $1 == "counter" { name = $2 }
	    $1 == "packets" {
		if (name == "odd") { odd += $2; next }
		split(name, n, "_")
		pay[n[1]] += $4 - $2 * (20 + 4 * n[2])
	    }
	    END {
		if (odd > 0) { print "odd", odd; exit }
		print pay["c2s"] + 0, pay["s2c"] + 0
	    }'
}
wire >/dev/null

# --- the transfers -------------------------------------------------------------
head -c "$size" /dev/urandom > "$work/payload"
sync "$work/payload"	# written back before any timing starts
payload=$work/payload

# transfer KIND V CIPHER: send the payload; fail unless all of it arrived
transfer() {
	local k=$1 v=$2 c=$3 t=${vtree[$2]} d=$work/$2 got i
	local what="$k, $c, '$v'"
	use "$v" "$c"
	case "$k" in
	raw)
		got=$( (in_cg "client-$v" timeout -k 5 "$tmo" "$t/ssh" \
		    "${opt[@]}" bench 'wc -c') < "$payload" 2>"$d/err") ||
		    rs_die "$what: ssh failed: $(tail -n 1 "$d/err")"
		[ "$got" = "$size" ] ||
		    rs_die "$what: the server counted ${got:-no} bytes, not $size"
		;;
	sftp)
		: > "$d/sftp.log"
		echo "put \"$payload\" /dev/null" |
		    (in_cg "client-$v" timeout -k 5 "$tmo" "$t/sftp" \
		    "${opt[@]}" -S "$t/ssh" -b - bench) >/dev/null 2>"$d/err" ||
		    rs_die "$what: sftp failed: $(tail -n 1 "$d/err")"
		grep -Eq "close \"/dev/null\" bytes read 0 written $size([^0-9]|\$)" \
		    "$d/sftp.log" ||
		    rs_die "$what: sftp-server did not log $size bytes written: $(grep -m 1 'close "' "$d/sftp.log" || echo no close)"
		;;
	scp)
		# wc reads the FIFO for the server, in its cgroup
		(in_cg "server-$v" wc -c) < "$d/sink" > "$d/sink.count" &
		sink_pid=$!
		if ! (in_cg "client-$v" timeout -k 5 "$tmo" "$t/scp" -O -q \
		    "${opt[@]}" -S "$t/ssh" "$payload" "bench:$d/sink") \
		    </dev/null >/dev/null 2>"$d/err"; then
			rs_die "$what: scp failed: $(tail -n 1 "$d/err")"
		fi
		for i in $(seq 1 200); do
			kill -0 "$sink_pid" 2>/dev/null || break
			sleep 0.05
		done
		! kill -0 "$sink_pid" 2>/dev/null ||
		    rs_die "$what: the FIFO's reader did not see its end within 10 s"
		wait "$sink_pid" || rs_die "$what: wc -c on the FIFO failed"
		sink_pid=
		got=$(cat "$d/sink.count")
		[ "$got" = "$size" ] ||
		    rs_die "$what: the FIFO passed ${got:-no} bytes, not $size"
		;;
	esac
}

# idle V: wait until the processes sshd V started for a transfer have
# exited, so that all their CPU time is counted
idle() {
	local i
	[ -n "$cg_kind" ] || return 0
	for i in $(seq 1 200); do
		[ "$(procs "server-$1")" -gt "${base[$1]}" ] || return 0
		sleep 0.05
	done
	rs_die "'$1': the transfer's processes still run on the server 10 s after the client exited"
}

now() { date +%s%N; }
# measure ROUND KIND CIPHER V: one transfer, one line of raw figures:
# round kind cipher variant, wall s, MiB/s, CPU s (client user, system,
# server user, system), CPU s/GiB (client, server, both), payload bytes
# (client to server, server to client), wire MiB/GiB
measure() {
	local r=$1 k=$2 c=$3 v=$4 c0 s0 c1 s1 t0 t1 w
	# a client without its master would log in by itself
	use "$v" "$c"
	"${vtree[$v]}/ssh" "${opt[@]}" -O check bench >/dev/null 2>&1 ||
	    rs_die "$k, $c, '$v': the master connection is gone: $(tail -n 1 "$work/$v.${cnum[$c]}.err")"
	wire >/dev/null
	c0=$(cpu "client-$v") s0=$(cpu "server-$v")
	t0=$(now)
	transfer "$k" "$v" "$c"
	t1=$(now)
	idle "$v"
	c1=$(cpu "client-$v") s1=$(cpu "server-$v")
	w=$(wire)
	case "$w" in
	odd*)	rs_die "packets with IP options on the benchmark's ports: the wire bytes would be wrong" ;;
	esac
	awk -v mib="$mib" -v r="$r" -v k="$k" -v c="$c" -v v="$v" \
	    -v t0="$t0" -v t1="$t1" -v c0="$c0" -v c1="$c1" -v s0="$s0" \
	    -v s1="$s1" -v w="$w" '
	    # d(A, B, I): field I of B less field I of A, as seconds
	    function d(a, b, i,   x, y) {
		split(a, x, " "); split(b, y, " ")
		return x[i] == "-" ? "-" : sprintf("%.3f", (y[i] - x[i]) / 1e6)
	    }
	    function gib(x) { return x == "-" ? "-" : sprintf("%.3f", x * 1024 / mib) }
	    BEGIN {
		s = (t1 - t0) / 1e9
		cg = gib(d(c0, c1, 1)); sg = gib(d(s0, s1, 1))
		tot = cg == "-" ? "-" : sprintf("%.3f", cg + sg)
		split(w, x, " ")
		wg = x[1] == "-" ? "-" : sprintf("%.2f", (x[1] + x[2]) / 1024 / mib)
		printf "%d %s %s %s %.3f %.1f %s %s %s %s %s %s %s %s %s %s\n",
		    r, k, c, v, s, mib / s, d(c0, c1, 2), d(c0, c1, 3),
		    d(s0, s1, 2), d(s0, s1, 3), cg, sg, tot, x[1], x[2], wg
	    }' >> "$work/raw"
}

cmd="bench/throughput.sh $mib $rounds"
load=$(cut -d' ' -f1-3 /proc/loadavg)
start=$(date +%s)
started=$(date -u -d "@$start" '+%F %H:%M UTC')
rs_msg "$cmd: $rounds rounds of 3 kinds x 2 ciphers x 3 variants"
read -ra va <<< "$variants"
: > "$work/raw"
for r in $(seq 1 "$rounds"); do
	for k in $kinds; do
		for c in $ciphers; do
			# a different variant first each round
			for i in 0 1 2; do
				measure "$r" "$k" "$c" "${va[(i + r - 1) % 3]}"
			done
		done
	done
	rs_msg "round $r/$rounds done, $(($(date +%s) - start)) s in all"
done
took=$(($(date +%s) - start))

# --- medians and ratios ------------------------------------------------------------
# med KIND CIPHER V FIELD: the median of a field of the raw figures
med() {
	awk -v k="$1" -v c="$2" -v v="$3" -v f="$4" \
	    '$2 == k && $3 == c && $4 == v { print $f }' "$work/raw" |
	    sort -g | awk '$1 == "-" { dash = 1 } { x[NR] = $1 }
		END {
			if (dash || NR == 0) print "-"
			else if (NR % 2) print x[(NR + 1) / 2]
			else print (x[NR / 2] + x[NR / 2 + 1]) / 2
		}'
}
# ratio A B: A / B, or - when either is missing
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a == "-" || b == "-" || b == 0) print "-"
		else printf "%.3f\n", a / b }'
}
# the columns: MiB/s, CPU s/GiB of both, of the client, of the server,
# wire MiB/GiB
fields="6 13 11 12 16"
row() { printf '  %-13s %8s %10s %8s %8s %13s\n' "$@"; }
report() {
	local k c v a b f pair what
	declare -A m=()
	for k in $kinds; do
		case "$k" in
		raw)	what="raw channel, ssh bench 'wc -c' < file" ;;
		sftp)	what="sftp, put file /dev/null" ;;
		scp)	what="scp -O file bench:FIFO" ;;
		esac
		for c in $ciphers; do
			echo "$what, $c:"
			row "" MiB/s "CPU s/GiB" client server "wire MiB/GiB"
			for v in $variants; do
				for f in $fields; do
					m[$v.$f]=$(med "$k" "$c" "$v" "$f")
				done
				# shellcheck disable=SC2046
				row "$v" $(for f in $fields; do echo "${m[$v.$f]}"; done)
			done
			for pair in "on off" "off upstream" "on upstream"; do
				read -r a b <<< "$pair"
				# shellcheck disable=SC2046
				row "$a/$b" $(for f in $fields; do
					ratio "${m[$a.$f]}" "${m[$b.$f]}"; done)
			done
			echo
		done
	done
}

commit=$(git -C "$RS_TOP" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$RS_TOP" diff --quiet HEAD -- 2>/dev/null ||
    commit="$commit, with uncommitted changes"
{
	echo "date: $started (start)"
	echo "machine: $(nproc) cores," \
	    "$(awk '/^MemTotal:/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)," \
	    "$(uname -srm), $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1);" \
	    "load average at the start: $load"
	echo "commit: $commit"
	echo "command: $cmd (as root); took $((took / 60)) min $((took % 60)) s"
	echo "on, off: $("$tree/ssh" -V 2>&1), server ${banner[on]}"
	echo "upstream: $("$plain/ssh" -V 2>&1), server ${banner[upstream]}"
	if [ -n "$cg_kind" ]; then
		echo "CPU: cgroup $cg_kind, client and sshd with all it starts"
	else
		echo "CPU: not measured: $cg_why"
	fi
	if [ -n "$nft_table" ]; then
		echo "wire: TCP payload both ways, nftables counters on lo"
	else
		echo "wire: not measured: $wire_why"
	fi
	echo
	report
	echo "Every transfer: round kind cipher variant, wall s, MiB/s, CPU s"
	echo "(client user, system, server user, system), CPU s/GiB (client,"
	echo "server, both), payload bytes (client to server, server to"
	echo "client), wire MiB/GiB:"
	cat "$work/raw"
} > "$work/results"
mkdir -p "$(dirname "$results")"
cp "$work/results" "$results"
sed -n '/^$/,$p' "$work/results" | sed '/^Every transfer/,$d'
rs_msg "took $((took / 60)) min $((took % 60)) s; results in $results"
