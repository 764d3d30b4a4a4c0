#!/usr/bin/env python3
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
# resilient-ssh regress helper: watch a file that a transfer is writing
# and time its progress.
#
#   resilient-watch.py FILE SIZE SECONDS [MARK]
#
# Polls FILE's size every 2 ms until it reaches SIZE bytes or SECONDS
# pass.  Prints "watching" as soon as it has seen the file grow, and at
# the end, one "name value" per line:
#   done 1|0          SIZE was reached
#   stall_ms N        the longest time the size did not grow, from the
#                     first growth to the end
#   stall_at_ms N     when that stall began, ms after the first growth
#   p99_gap_ms N      the 99th percentile of the pauses: what the
#                     transfer's own rhythm is, to compare the stall with
#   mark_to_data_ms N if the file MARK holds a time (ns since the epoch,
#                     as date +%s%N prints it): ms from that time to the
#                     first growth after it (absent if none)
# With RESILIENT_WATCH_TRACE set, every pause over 10 ms goes to stderr.
# Exits 0 if SIZE was reached, 1 otherwise.

import os
import sys
import time

POLL_S = 0.002


def size_of(path):
    try:
        return os.stat(path).st_size
    except FileNotFoundError:
        return 0


def read_mark(path):
    try:
        with open(path) as f:
            return int(f.read().strip()) / 1e9
    except (OSError, ValueError):
        return None


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit("usage: resilient-watch.py FILE SIZE SECONDS [MARK]")
    path, want, limit = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    mark_path = sys.argv[4] if len(sys.argv) == 5 else None
    end = time.monotonic() + limit
    last_size = size_of(path)
    first = None		# wall time of the first growth
    last_growth = None
    stall, stall_at = 0.0, 0.0
    mark, mark_to_data = None, None
    trace = os.environ.get("RESILIENT_WATCH_TRACE") is not None
    gaps = []
    while time.monotonic() < end:
        size = size_of(path)
        now = time.time()
        if mark is None and mark_path is not None:
            mark = read_mark(mark_path)
        if size != last_size:
            if first is None:
                first = now
                print("watching", flush=True)
            else:
                gaps.append(now - last_growth)
                if now - last_growth > 0.01 and trace:
                    print("gap_ms %d at_ms %d size %d" % (
                        round((now - last_growth) * 1000),
                        round((last_growth - first) * 1000), last_size),
                        file=sys.stderr)
                if now - last_growth > stall:
                    stall, stall_at = now - last_growth, last_growth - first
            if mark is not None and mark_to_data is None and now >= mark:
                mark_to_data = now - mark
            last_growth, last_size = now, size
        if size >= want:
            break
        time.sleep(POLL_S)
    done = last_size >= want
    print("done", 1 if done else 0)
    print("stall_ms", round(stall * 1000))
    print("stall_at_ms", round(stall_at * 1000))
    if gaps:
        gaps.sort()
        print("p99_gap_ms", round(gaps[int(len(gaps) * 0.99)] * 1000))
    if mark_to_data is not None:
        print("mark_to_data_ms", round(mark_to_data * 1000))
    return 0 if done else 1


if __name__ == "__main__":
    sys.exit(main())
