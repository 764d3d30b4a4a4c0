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
# Draws the results of bench/handover.sh: MiB received against time, the
# fork (data block 0) and stock OpenSSH (block 1), with a dashed line
# where the Ethernet came up and where the WLAN went down.  The results
# file names the command that drew its picture, e.g.:
#   gnuplot -e "data='R.txt'; out='R.png'; t1=5.0; t2=7.0; what='...';
#       stock='OpenSSH 10.3p1'" bench/handover.gp
# (what: the title; stock: the second line's name)

if (!exists("data") || !exists("out") || !exists("t1") || !exists("t2")) \
	print "handover.gp: set data, out, t1 and t2 with -e"; exit status 1
if (!exists("what")) what = ""
if (!exists("stock")) stock = "OpenSSH"

set terminal pngcairo size 900,540 font "DejaVu Sans,11" linewidth 1.5
set output out
set title what
set xlabel "seconds since sftp started"
set ylabel "MiB received"
set xrange [0:*]
set yrange [0:*]
set grid lc rgb "#dddddd"
set key right center box opaque
set arrow 1 from t1, graph 0 to t1, graph 1 nohead dt 2 lc rgb "#555555"
set arrow 2 from t2, graph 0 to t2, graph 1 nohead dt 2 lc rgb "#555555"
set label 1 "Ethernet up" at t1, graph 0.97 right offset -0.5, 0
set label 2 "WLAN down" at t2, graph 0.97 left offset 0.5, 0
# stock first, so that the fork's line is seen where the two are one
set key invert
plot data index 1 using 1:2 with lines lw 2 lc rgb "#d6452b" \
	title stock, \
     data index 0 using 1:2 with lines lw 2 lc rgb "#1f6fb4" \
	title "resilient-ssh"
