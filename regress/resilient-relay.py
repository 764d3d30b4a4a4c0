#!/usr/bin/python3
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
"""A loopback TCP relay whose connections a test can cut on demand.

Relay:   resilient-relay.py --listen 127.0.0.1:PORT --to 127.0.0.1:PORT
             --control PATH [--log PATH] [--pidfile PATH]
Client:  resilient-relay.py --control PATH --cmd "COMMAND" [--timeout S]
             [--retry S]

Every accepted connection is forwarded byte-exact to --to, in both
directions, half-closes included, reading from one side only while the
other side's write buffer is below HIGH_WATER.  A reset seen on one side
is passed on as a reset.  Both addresses must be loopback literals.

The control socket takes one command per line and answers each with one
line, "ok ..." on success.  Send the next command only after the answer:
a client that closes the connection (or just its sending half), or sends
more, before its answer cancels the command it waits for.

  cut                 reset every relayed connection on both sides
                      (SO_LINGER 0); "ok N", N connections cut
  down                cut, then reset each new connection on accept
  stall               stop relaying on every connection, without closing
                      it (a path gone silent); new connections are
                      relayed as usual; "ok N", N connections stalled
  up                  relay new connections again; new marks (below)
  count               "ok N", connections accepted in total
  stats               "ok c2s=.. s2c=.. accepted=.. relayed=.. live=..
                      mark_c2s=.. mark_s2c=.. state=up|down waiting=..",
                      waiting: wait-* and *-after commands pending
  wait-conn N T       "ok N" once N connections were accepted in total,
                      "timeout" after T seconds
  wait-bytes N T [D]  "ok N" once N bytes went in direction D (s2c, the
                      default, or c2s) on connections accepted since the
                      last cut, down or up (the "mark" counters)
  cut-after N T [D]   as wait-bytes, then cut in the same step, before
                      any further byte is relayed; "ok N" as cut
  down-after N T [D]  the same with down instead of cut
  cut-series N1,N2,... T [D]
                      cut-after N1, then N2 more, ..., each armed as the
                      previous cut is made; "ok K" after all K cuts,
                      "timeout J" if only J were made in T seconds
  capture PATH T      on the next connection that carries a reconnect,
                      relay the client's version line and packets up to
                      its RESILIENT_RECONNECT, write them and that
                      message to PATH instead of relaying it, then go
                      down as with "down"; "ok N", N bytes written, or
                      "timeout" after T seconds.  Connections whose
                      client sends NEWKEYS first are relayed unchanged.
  forge-disconnect T  on the next connection that carries a reconnect,
                      relay the client's version line and packets up to
                      its RESILIENT_RECONNECT, then, instead of relaying
                      that message, answer it with a DISCONNECT in clear
                      as sshd's refusal of an unknown session reads
                      (reason 3), close the client's side and reset the
                      server's; later connections are relayed as usual.
                      "ok", or "timeout" after T seconds.
  hold-after-reply S T
                      on the next connection that carries a reconnect,
                      once the server's RESILIENT_RECONNECT_REPLY has
                      gone to the client, stop reading from the client
                      for S seconds (what it sends, an end of file
                      included, waits in the kernel), then go on as
                      usual: a late NEWKEYS on a lossy path.  "ok" when
                      the hold begins, "timeout" after T seconds.
  stall-after-reconnect T
                      on the next connection that carries a reconnect,
                      relay the client's RESILIENT_RECONNECT, then relay
                      nothing more either way and keep the connection
                      open, as "stall" does: the server's answer never
                      reaches the client.  "ok" once stalled, "timeout"
                      after T seconds.
  delay-reply S T     on the next connection that carries a reconnect,
                      hold what the server sends after the client's
                      RESILIENT_RECONNECT (its RECONNECT_REPLY first) for
                      S seconds, then relay it: a late reply.  "ok" when
                      the delay begins, "timeout" after T seconds.
  drop-reply T        on the next connection that carries a reconnect,
                      drop the server's answer to the client's
                      RESILIENT_RECONNECT and reset both sides instead.
                      "ok" once done, "timeout" after T seconds.
  ping                "ok"

The log gets one line per event: CLOCK_MONOTONIC in ms, the event, then
key=value fields.  Events: start, accept, reset (accepted while down),
connect, connect-failed, first-c2s, first-s2c, eof-c2s, eof-s2c, close,
cut, down, up, stall, captured, forged, hold, unhold, stall-reconnect,
delay-reply, release-reply, drop-reply, exit.

Relay exit status: 0 after SIGTERM, SIGINT or SIGHUP, 1 on a bad
argument or setup error, 3 if the listening address is in use.  Client
exit status: 0 on an "ok" answer, 1 on any other answer, 2 when the relay
cannot be reached or does not answer in time (default: 10 s, or a wait's
own timeout plus 10 s).  --retry S keeps trying to connect for S seconds,
so a script can wait for a relay it has just started.
"""

import argparse
import asyncio
import errno
import ipaddress
import os
import signal
import socket
import stat
import struct
import sys
import time

HIGH_WATER = 256 * 1024  # per-transport write buffer bound
MAX_LINE = 1024  # control command length
MAX_WAIT = 3600.0  # longest wait-* timeout accepted
MAX_SERIES = 100  # thresholds in one cut-series
LINGER0 = struct.pack("ii", 1, 0)
DIRS = ("c2s", "s2c")
KEEP_WAITING = object()
WAIT_COMMANDS = ("wait-conn", "wait-bytes", "cut-after", "down-after",
    "cut-series", "capture", "forge-disconnect", "hold-after-reply",
    "stall-after-reconnect", "delay-reply", "drop-reply")
MSG_DISCONNECT = 1
MSG_NEWKEYS = 21
MSG_RESILIENT_RECONNECT = 30
MSG_RESILIENT_RECONNECT_REPLY = 31
CAPTURE_MAX = 64 * 1024  # longest version line or packet looked at
FORGED_REASON = 3  # SSH2_DISCONNECT_KEY_EXCHANGE_FAILED
FORGED_TEXT = b"resilient: session unknown or expired"


def now_ms():
    return time.monotonic() * 1000.0


def parse_addr(text, what):
    """Parse "IP:PORT" or "[IPv6]:PORT"; loopback literals only."""
    host, sep, port = text.rpartition(":")
    if not sep or not host:
        raise ValueError("%s: expected IP:PORT, got %r" % (what, text))
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError("%s: %r is not an IP address" % (what, host))
    if not ip.is_loopback:
        raise ValueError("%s: refusing non-loopback address %s" %
            (what, ip))
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError("%s: bad port %r" % (what, port))
    return str(ip), int(port)


def disconnect_packet(reason, text):
    """An SSH_MSG_DISCONNECT as a plaintext binary packet (RFC 4253 6)."""
    payload = (bytes([MSG_DISCONNECT]) + struct.pack(">I", reason) +
        struct.pack(">I", len(text)) + text + struct.pack(">I", 0))
    pad = 8 - (5 + len(payload)) % 8
    if pad < 4:
        pad += 8
    return (struct.pack(">IB", 1 + len(payload) + pad, pad) + payload +
        bytes(pad))


def reset(transport):
    """Close a transport with a TCP RST: SO_LINGER 0, then abort."""
    sock = transport.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                LINGER0)
        except OSError:
            pass
    transport.abort()


class Side(asyncio.Protocol):
    """One end of a relayed connection: 0 faces the client, 1 the server."""

    def __init__(self, relay, idx, conn=None):
        self.relay, self.idx, self.conn = relay, idx, conn
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport
        transport.set_write_buffer_limits(HIGH_WATER, HIGH_WATER // 4)
        if self.idx == 0:
            self.relay.accepted_conn(self)
        else:
            self.conn.target_up(self)

    def data_received(self, data):
        if self.conn is not None:
            self.conn.forward(self.idx, data)

    def eof_received(self):
        if self.conn is not None:
            self.conn.half_close(self.idx)
        return True  # keep our sending half open

    def connection_lost(self, exc):
        if self.conn is not None:
            self.conn.lost(self.idx, exc)

    # Backpressure: our write buffer is full, stop reading the other side.
    def pause_writing(self):
        other = self.conn.side[1 - self.idx] if self.conn else None
        if other is not None and other.transport is not None:
            other.transport.pause_reading()

    def resume_writing(self):
        other = self.conn.side[1 - self.idx] if self.conn else None
        if (other is not None and other.transport is not None and
                not (other.idx == 0 and self.conn.held)):
            other.transport.resume_reading()


class Units:
    """Split one direction of a connection into its version line and its
    plaintext binary packets, up to NEWKEYS."""

    def __init__(self):
        self.pending = b""  # an incomplete line or packet
        self.version = False
        self.passing = False  # past NEWKEYS, or too long: not looked at

    def types(self, data):
        """Message types of the packets that data completes."""
        found = []
        self.pending += data
        while not self.passing:
            n = self.next_unit()
            if n == 0:
                break
            unit, self.pending = self.pending[:n], self.pending[n:]
            if self.version:
                found.append(unit[5])
                if unit[5] == MSG_NEWKEYS:
                    self.passing = True
            self.version = True
        if self.passing:
            self.pending = b""
        return found

    def next_unit(self):
        """Length of the complete unit at the start of pending, or 0."""
        if not self.version:
            end = self.pending.find(b"\n")
            if end < 0 and len(self.pending) > CAPTURE_MAX:
                self.passing = True
            return end + 1
        if len(self.pending) < 6:
            return 0
        plen = struct.unpack(">I", self.pending[:4])[0]
        if plen > CAPTURE_MAX:
            self.passing = True
            return 0
        return 4 + plen if len(self.pending) >= 4 + plen else 0


class Capture(Units):
    """capture: split a client's stream, and stop at RESILIENT_RECONNECT."""

    def __init__(self):
        super().__init__()
        self.seen = []  # complete units, all relayed
        self.reconnect = None  # the units, then RECONNECT (not relayed)

    def feed(self, data):
        """Bytes of data to relay now."""
        if self.passing or self.reconnect is not None:
            return data if self.passing else b""
        self.pending += data
        out = []
        while not self.passing:
            n = self.next_unit()
            if n == 0:
                break
            unit, self.pending = self.pending[:n], self.pending[n:]
            if self.version and unit[5] == MSG_RESILIENT_RECONNECT:
                self.reconnect = b"".join(self.seen) + unit
                self.pending = b""
                break
            if self.version and unit[5] == MSG_NEWKEYS:
                self.passing = True
            self.version = True
            self.seen.append(unit)
            out.append(unit)
        if self.passing:
            out.append(self.pending)
            self.pending, self.seen = b"", []
        return b"".join(out)


class ReplyWatch:
    """hold-after-reply: spot a RESILIENT_RECONNECT_REPLY that answers
    the client's RESILIENT_RECONNECT; both streams are relayed unchanged
    (31 is also the reply of an ordinary key exchange)."""

    def __init__(self):
        self.units = (Units(), Units())  # c2s, s2c
        self.reconnect = False

    def feed(self, d, data):
        """True when data, in direction d, completes the reply."""
        types = self.units[d].types(data)
        if d == 0:
            self.reconnect |= MSG_RESILIENT_RECONNECT in types
            return False
        return self.reconnect and MSG_RESILIENT_RECONNECT_REPLY in types


class Conn:
    """A client connection and its connection to the target."""

    def __init__(self, relay, cid, client):
        self.relay, self.id = relay, cid
        self.epoch = relay.epoch
        self.side = [client, None]
        self.bytes = [0, 0]
        self.eof = [False, False]
        self.open = 1  # sides not yet lost
        self.connecting = True
        self.dead = False  # reset by us
        self.how = None  # why it ended
        self.finished = False
        self.early = []  # client bytes read before the target answered
        self.capture = (Capture() if relay.capture_path or relay.forge
            else None)
        self.stalled = False  # relays nothing more, stays open
        self.watch = ReplyWatch() if relay.hold_s is not None else None
        # stall-after-reconnect: the client's packets, looked at
        self.rwatch = Units() if relay.reply_action is not None else None
        self.reply = None  # ("delay", S) or ("drop",), once armed here
        self.delayed = None  # s2c bytes held by delay-reply
        self.held = False  # not reading from the client for a while

    def stall(self):
        self.stalled = True
        for s in self.side:
            if s is not None and s.transport is not None:
                s.transport.pause_reading()

    def forward(self, d, data):
        if self.dead or self.stalled:
            return
        if self.connecting:
            # Some Pythons (3.11.2) start reading despite the pause in
            # connection_made: hold the bytes, pause once more.
            self.early.append(data)
            if sum(len(b) for b in self.early) >= HIGH_WATER:
                self.side[0].transport.pause_reading()
            return
        self.send(d, data)

    def send(self, d, data):
        peer = self.side[1 - d]
        if peer is None or peer.transport.is_closing():
            return
        if d == 1 and self.reply is not None and self.answer_reply(data):
            return
        cap = self.capture if d == 0 else None
        if cap is not None:
            data = cap.feed(data)
        if data:
            peer.transport.write(data)
            first = self.bytes[d] == 0
            self.bytes[d] += len(data)
            if first:
                self.relay.log("first-" + DIRS[d], conn=self.id)
            self.relay.account(self, d, len(data))
        if cap is not None and cap.reconnect is not None:
            self.capture = None
            self.relay.captured(self, cap.reconnect)
        if self.watch is not None and self.watch.feed(d, data):
            self.watch = None
            self.hold()
        if (d == 0 and self.rwatch is not None and
                MSG_RESILIENT_RECONNECT in self.rwatch.types(data)):
            self.rwatch = None
            self.reply = self.relay.take_reply_action()
            if self.reply == ("stall",):
                self.reply = None
                self.stall()
                self.relay.log("stall-reconnect", conn=self.id)
                self.relay.reply_done()

    def answer_reply(self, data):
        """delay-reply, drop-reply: True if data was taken."""
        if self.reply[0] == "drop":
            self.reply = None
            self.relay.log("drop-reply", conn=self.id, bytes=len(data))
            self.abort("drop-reply")
            self.relay.reply_done()
            return True
        if self.delayed is None:
            self.delayed = []
            self.relay.log("delay-reply", conn=self.id,
                seconds=self.reply[1])
            self.relay.loop.call_later(self.reply[1], self.release)
            self.relay.reply_done()
        self.delayed.append(data)
        return True

    def release(self):
        data, self.delayed, self.reply = b"".join(self.delayed), None, None
        self.relay.log("release-reply", conn=self.id, bytes=len(data))
        if not self.dead:
            self.send(1, data)

    def hold(self):
        s = self.relay.take_hold()
        if s is None:
            return  # another connection took it
        self.held = True
        self.side[0].transport.pause_reading()
        self.relay.log("hold", conn=self.id, seconds=s)
        self.relay.loop.call_later(s, self.unhold)

    def unhold(self):
        self.held = False
        self.relay.log("unhold", conn=self.id)
        t = self.side[0].transport
        if not self.dead and t is not None and not t.is_closing():
            t.resume_reading()

    def half_close(self, d):
        self.eof[d] = True
        self.relay.log("eof-" + DIRS[d], conn=self.id)
        peer = self.side[1 - d]
        if self.connecting or self.dead:
            return  # target_up() passes it on
        if peer is not None and not peer.transport.is_closing():
            peer.transport.write_eof()
        if all(self.eof):
            self.how = self.how or "eof"
            for s in self.side:
                if s is not None:
                    s.transport.close()

    def abort(self, how):
        """Reset both sides; False if already done."""
        if self.dead:
            return False
        self.dead = True
        self.how = how
        for s in self.side:
            if s is not None and s.transport is not None:
                reset(s.transport)
        return True

    def lost(self, idx, exc):
        self.open -= 1
        if exc is not None and not self.dead:
            # The endpoint reset or failed: pass it on as a reset.
            name = errno.errorcode.get(getattr(exc, "errno", None),
                type(exc).__name__)
            self.abort("%s-%s" % (("client", "server")[idx], name))
        elif not self.dead and self.how is None:
            self.how = "closed"
            peer = self.side[1 - idx]
            if peer is not None:
                peer.transport.close()
        self.maybe_finish()

    def maybe_finish(self):
        if self.open > 0 or self.connecting or self.finished:
            return
        self.finished = True
        self.relay.finish(self)

    async def connect(self):
        r = self.relay
        try:
            await r.loop.create_connection(lambda: Side(r, 1, self),
                r.to[0], r.to[1])
        except OSError as e:
            self.connecting = False
            r.log("connect-failed", conn=self.id,
                error=errno.errorcode.get(e.errno, str(e.errno)))
            self.abort("connect-failed")
            self.maybe_finish()

    def target_up(self, side):
        """The target accepted: called before it can send anything."""
        self.connecting = False
        self.side[1] = side
        self.open += 1
        if self.dead:
            reset(side.transport)
            return
        self.relay.relayed += 1
        self.relay.log("connect", conn=self.id)
        # Resume first: writing the early bytes may pause it again.
        self.side[0].transport.resume_reading()
        early, self.early = self.early, []
        for data in early:
            self.send(0, data)
        if self.eof[0] and not self.dead:
            side.transport.write_eof()


class Series:
    """cut-series: cut at each mark in turn, the next one armed at once."""

    def __init__(self, relay, marks, d):
        self.relay, self.marks, self.d = relay, marks, d
        self.done = 0

    def due(self):
        return self.relay.mark[self.d] >= self.marks[self.done]

    def cut(self):
        self.relay.cut_all("cut")
        self.done += 1
        return KEEP_WAITING if self.done < len(self.marks) else self.done


class Relay:
    def __init__(self, loop, to, logf):
        self.loop, self.to, self.logf = loop, to, logf
        self.accepted = 0  # connections accepted in total
        self.relayed = 0  # ... and connected to the target
        self.total = [0, 0]  # bytes c2s, s2c
        self.mark = [0, 0]  # ... since the last cut/down/up
        self.epoch = 0
        self.down = False
        self.live = set()
        self.waiters = []  # [predicate, future, action]
        self.capture_path = None  # armed by "capture"
        self.capture_done = None  # bytes written
        self.forge = False  # armed by "forge-disconnect"
        self.forge_done = None
        self.hold_s = None  # armed by "hold-after-reply"
        self.hold_begun = False
        # ("stall",), ("delay", S) or ("drop",): armed by
        # stall-after-reconnect, delay-reply or drop-reply
        self.reply_action = None
        self.reply_taken = False

    def log(self, event, **kv):
        if self.logf is None:
            return
        fields = "".join(" %s=%s" % (k, v) for k, v in kv.items())
        self.logf.write("%.3f %s%s\n" % (now_ms(), event, fields))

    def accepted_conn(self, side):
        self.accepted += 1
        cid = self.accepted
        peer = side.transport.get_extra_info("peername")
        peer = "%s:%d" % peer[:2] if peer else "?"
        if self.down:
            self.log("reset", conn=cid, peer=peer)
            reset(side.transport)
        else:
            self.log("accept", conn=cid, peer=peer)
            side.transport.pause_reading()  # until connected
            conn = Conn(self, cid, side)
            side.conn = conn
            self.live.add(conn)
            self.loop.create_task(conn.connect())
        self.notify()

    def account(self, conn, d, n):
        self.total[d] += n
        if conn.epoch == self.epoch:
            self.mark[d] += n
            self.notify()

    def finish(self, conn):
        self.live.discard(conn)
        self.log("close", conn=conn.id, how=conn.how or "closed",
            c2s=conn.bytes[0], s2c=conn.bytes[1])

    def new_epoch(self):
        self.epoch += 1
        self.mark = [0, 0]

    def cut_all(self, how):
        n = sum(1 for c in list(self.live) if c.abort(how))
        self.new_epoch()
        self.log(how, n=n)
        return n

    def captured(self, conn, data):
        """A reconnect was held back: write it out, leave it detached;
        or refuse it with a forged DISCONNECT."""
        if self.forge:
            self.forged(conn)
            return
        if self.capture_path is None:
            return
        path, self.capture_path = self.capture_path, None
        try:
            with open(path, "wb") as f:
                f.write(data)
            self.capture_done = len(data)
        except OSError as e:
            self.log("capture-failed", conn=conn.id, error=e.strerror)
            self.capture_done = -1
        self.log("captured", conn=conn.id, bytes=len(data))
        self.go_down()
        self.notify()

    def forged(self, conn):
        self.forge = False
        client, server = conn.side
        client.transport.write(disconnect_packet(FORGED_REASON,
            FORGED_TEXT))
        conn.how = "forged"
        conn.dead = True  # relays nothing more
        client.transport.close()  # once the DISCONNECT is written
        if server is not None and server.transport is not None:
            reset(server.transport)
        self.forge_done = True
        self.log("forged", conn=conn.id)
        self.notify()

    def take_hold(self):
        s, self.hold_s = self.hold_s, None
        if s is not None:
            self.hold_begun = True
            self.notify()
        return s

    def take_reply_action(self):
        a, self.reply_action = self.reply_action, None
        return a

    def reply_done(self):
        self.reply_taken = True
        self.notify()

    def stall_all(self):
        n = 0
        for c in list(self.live):
            if not c.dead and not c.stalled:
                c.stall()
                n += 1
        self.new_epoch()
        self.log("stall", n=n)
        return n

    def go_down(self):
        self.down = True
        return self.cut_all("down")

    def notify(self):
        """Run the actions of waiters whose condition now holds."""
        for w in list(self.waiters):
            pred, fut, action = w
            while not fut.done() and pred():
                result = action() if action else None
                if result is not KEEP_WAITING:
                    fut.set_result(result)
            if fut.done() and w in self.waiters:
                self.waiters.remove(w)

    async def wait(self, pred, timeout, action=None):
        """(True, result) once pred() holds, or (False, None).  If action
        returns KEEP_WAITING, the wait goes on (for series)."""
        fut = self.loop.create_future()
        w = [pred, fut, action]
        self.waiters.append(w)
        self.notify()
        try:
            return True, await asyncio.wait_for(fut, timeout)
        except asyncio.TimeoutError:
            return False, None
        finally:
            if w in self.waiters:
                self.waiters.remove(w)

    def stats(self):
        return ("ok c2s=%d s2c=%d accepted=%d relayed=%d live=%d "
            "mark_c2s=%d mark_s2c=%d state=%s waiting=%d" % (
            self.total[0], self.total[1], self.accepted, self.relayed,
            sum(1 for c in self.live if not c.dead), self.mark[0],
            self.mark[1], "down" if self.down else "up",
            sum(1 for w in self.waiters if not w[1].done())))

    async def command(self, line):
        words = line.split()
        if not words:
            return "error empty command"
        cmd, args = words[0].lower(), words[1:]
        if cmd in ("cut", "down", "up", "stall", "count", "stats",
                "ping"):
            if args:
                return "error %s takes no argument" % cmd
            if cmd == "cut":
                return "ok %d" % self.cut_all("cut")
            if cmd == "down":
                return "ok %d" % self.go_down()
            if cmd == "stall":
                return "ok %d" % self.stall_all()
            if cmd == "up":
                self.down = False
                self.new_epoch()
                self.log("up")
                return "ok"
            if cmd == "count":
                return "ok %d" % self.accepted
            if cmd == "stats":
                return self.stats()
            return "ok"
        if cmd not in WAIT_COMMANDS:
            return "error unknown command %s" % cmd[:32]
        if cmd == "capture":
            return await self.capture(args)
        if cmd == "forge-disconnect":
            return await self.forge_disconnect(args)
        if cmd == "hold-after-reply":
            return await self.hold_after_reply(args)
        if cmd in ("stall-after-reconnect", "delay-reply", "drop-reply"):
            return await self.reply_command(cmd, args)
        nargs = 2 if cmd == "wait-conn" else 3
        try:
            marks = [int(x) for x in args[0].split(",")]
            n, timeout = marks[0], float(args[1])
            d = DIRS.index(args[2]) if len(args) > 2 else 1
            if (n < 0 or not 0 <= timeout <= MAX_WAIT or
                    len(args) > nargs or (len(marks) > 1 and
                    cmd != "cut-series")):
                raise ValueError
            if cmd == "cut-series" and (len(marks) > MAX_SERIES or
                    min(marks) < 1):
                raise ValueError
        except (IndexError, ValueError):
            return "error usage: %s %s TIMEOUT_S%s" % (cmd,
                "N1,N2,..." if cmd == "cut-series" else "N",
                "" if cmd == "wait-conn" else " [s2c|c2s]")
        if cmd == "cut-series":
            series = Series(self, marks, d)
            done, _ = await self.wait(series.due, timeout, series.cut)
            return "%s %d" % ("ok" if done else "timeout", series.done)
        if cmd == "wait-conn":
            done, _ = await self.wait(lambda: self.accepted >= n,
                timeout)
            return "ok %d" % self.accepted if done else "timeout"
        action = None
        if cmd == "cut-after":
            action = lambda: self.cut_all("cut")
        elif cmd == "down-after":
            action = self.go_down
        done, cut = await self.wait(lambda: self.mark[d] >= n,
            timeout, action)
        if not done:
            return "timeout"
        return "ok %d" % (cut if action else self.mark[d])

    async def capture(self, args):
        try:
            path, timeout = args[0], float(args[1])
            if len(args) != 2 or not 0 <= timeout <= MAX_WAIT:
                raise ValueError
        except (IndexError, ValueError):
            return "error usage: capture PATH TIMEOUT_S"
        if self.forge:
            return "error a forge-disconnect is armed"
        self.capture_path, self.capture_done = path, None
        try:
            done, _ = await self.wait(
                lambda: self.capture_done is not None, timeout)
        finally:
            self.capture_path = None  # disarm, also when cancelled
        if not done:
            return "timeout"
        if self.capture_done < 0:
            return "error cannot write %s" % path
        return "ok %d" % self.capture_done

    async def forge_disconnect(self, args):
        try:
            timeout = float(args[0])
            if len(args) != 1 or not 0 <= timeout <= MAX_WAIT:
                raise ValueError
        except (IndexError, ValueError):
            return "error usage: forge-disconnect TIMEOUT_S"
        if self.capture_path is not None:
            return "error a capture is armed"
        self.forge, self.forge_done = True, None
        try:
            done, _ = await self.wait(lambda: self.forge_done is not None,
                timeout)
        finally:
            self.forge = False  # disarm, also when cancelled
        return "ok" if done else "timeout"

    async def hold_after_reply(self, args):
        try:
            hold, timeout = float(args[0]), float(args[1])
            if (len(args) != 2 or not 0 < hold <= MAX_WAIT or
                    not 0 <= timeout <= MAX_WAIT):
                raise ValueError
        except (IndexError, ValueError):
            return "error usage: hold-after-reply SECONDS TIMEOUT_S"
        self.hold_s, self.hold_begun = hold, False
        try:
            done, _ = await self.wait(lambda: self.hold_begun, timeout)
        finally:
            self.hold_s = None  # disarm, also when cancelled
        return "ok" if done else "timeout"

    async def reply_command(self, cmd, args):
        """stall-after-reconnect, delay-reply, drop-reply"""
        try:
            if cmd == "delay-reply":
                delay, timeout = float(args[0]), float(args[1])
                if len(args) != 2 or not 0 < delay <= MAX_WAIT:
                    raise ValueError
                action = ("delay", delay)
            else:
                timeout = float(args[0])
                if len(args) != 1:
                    raise ValueError
                action = ("drop",) if cmd == "drop-reply" else ("stall",)
            if not 0 <= timeout <= MAX_WAIT:
                raise ValueError
        except (IndexError, ValueError):
            return "error usage: %s %sTIMEOUT_S" % (cmd,
                "SECONDS " if cmd == "delay-reply" else "")
        self.reply_action, self.reply_taken = action, False
        try:
            done, _ = await self.wait(lambda: self.reply_taken, timeout)
        finally:
            self.reply_action = None  # disarm, also when cancelled
        return "ok" if done else "timeout"

    async def control_client(self, reader, writer):
        try:
            while True:
                line = await reader.readline()
                if not line.endswith(b"\n"):
                    break  # EOF, maybe after a partial line
                answer, more = await self.answer(line.decode("ascii",
                    "replace"), reader)
                if answer is None:
                    break
                writer.write(answer.encode() + b"\n")
                await writer.drain()
                if not more:
                    break
        except (ConnectionError, ValueError,
            asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    async def answer(self, line, reader):
        """(answer, True to read on).  A client that leaves, or sends
        more, before its answer cancels a pending wait (and its cut)."""
        cmd = self.loop.create_task(self.command(line))
        more = self.loop.create_task(reader.read(1))
        await asyncio.wait((cmd, more),
            return_when=asyncio.FIRST_COMPLETED)
        if not cmd.done():
            cmd.cancel()
            return None, False
        more.cancel()
        try:
            await more
        except asyncio.CancelledError:
            return cmd.result(), True
        return cmd.result(), False  # input before the answer: close


def prepare_control_path(path):
    """Remove a stale control socket; refuse anything else in the way."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(st.st_mode):
        raise ValueError("--control: %s exists and is not a socket" %
            path)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
    except OSError:
        os.unlink(path)  # nobody listening: stale
        return
    finally:
        s.close()
    raise ValueError("--control: a relay already answers on %s" % path)


def write_pidfile(path):
    tmp = "%s.%d.tmp" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write("%d\n" % os.getpid())
    os.replace(tmp, path)


async def run_relay(opts, listen, to):
    loop = asyncio.get_running_loop()
    logf = open(opts.log, "a", buffering=1) if opts.log else None
    relay = Relay(loop, to, logf)
    try:
        server = await loop.create_server(
            lambda: Side(relay, 0), listen[0], listen[1],
            reuse_address=True, backlog=64)
    except OSError as e:
        if e.errno == errno.EADDRINUSE:
            print("resilient-relay: %s:%d: address in use" %
                listen, file=sys.stderr)
            return 3
        raise
    old = os.umask(0o077)
    try:
        ctl = await asyncio.start_unix_server(relay.control_client,
            opts.control, limit=MAX_LINE)
    finally:
        os.umask(old)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        loop.add_signal_handler(sig, stop.set)
    # Both sockets listen now; only then announce the pid.
    if opts.pidfile:
        write_pidfile(opts.pidfile)
    relay.log("start", listen="%s:%d" % listen, to="%s:%d" % to,
        pid=os.getpid())
    await stop.wait()
    server.close()
    ctl.close()
    for c in list(relay.live):
        c.abort("exit")
    relay.log("exit")
    try:
        os.unlink(opts.control)
    except OSError:
        pass
    if opts.pidfile:
        try:
            with open(opts.pidfile) as f:
                mine = f.read().strip() == str(os.getpid())
            if mine:
                os.unlink(opts.pidfile)
        except OSError:
            pass
    await asyncio.sleep(0)  # let aborted transports close
    return 0


def command_timeout(cmd):
    """Default client timeout: a wait's own timeout plus a margin."""
    words = cmd.split()
    if words and words[0] in WAIT_COMMANDS:
        try:
            return min(float(words[2]), MAX_WAIT) + 10.0
        except (IndexError, ValueError):
            pass
    return 10.0


def run_client(path, cmd, timeout, retry):
    if "\n" in cmd or len(cmd) >= MAX_LINE:
        print("resilient-relay: bad command", file=sys.stderr)
        return 1
    deadline = time.monotonic() + retry
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        try:
            s.connect(path)
            break
        except OSError as e:
            s.close()
            if time.monotonic() >= deadline or e.errno not in (
                errno.ENOENT, errno.ECONNREFUSED):
                print("resilient-relay: control %s: %s" %
                    (path, e.strerror or e), file=sys.stderr)
                return 2
            time.sleep(0.05)
    answer = b""
    try:
        s.sendall(cmd.encode() + b"\n")
        while not answer.endswith(b"\n") and len(answer) < 4096:
            data = s.recv(4096)
            if not data:
                break
            answer += data
    except OSError as e:
        print("resilient-relay: control %s: %s" % (path,
            e.strerror or "timed out"), file=sys.stderr)
        return 2
    finally:
        s.close()
    if not answer.endswith(b"\n"):
        print("resilient-relay: control %s: no answer" % path,
            file=sys.stderr)
        return 2
    line = answer.decode("ascii", "replace").strip()
    print(line)
    return 0 if line == "ok" or line.startswith("ok ") else 1


class Parser(argparse.ArgumentParser):
    def error(self, message):
        # exit 1, not argparse's 2: 2 means "relay unreachable"
        self.print_usage(sys.stderr)
        print("resilient-relay: %s" % message, file=sys.stderr)
        sys.exit(1)


def main():
    p = Parser(description="Loopback TCP relay whose "
        "connections can be cut on demand (see the module docstring).")
    p.add_argument("--listen", metavar="IP:PORT")
    p.add_argument("--to", metavar="IP:PORT")
    p.add_argument("--control", metavar="PATH", required=True)
    p.add_argument("--log", metavar="PATH")
    p.add_argument("--pidfile", metavar="PATH")
    p.add_argument("--cmd", metavar="COMMAND",
        help="client mode: send one command, print the answer")
    p.add_argument("--timeout", type=float, metavar="S",
        help="client mode: seconds to wait for the answer")
    p.add_argument("--retry", type=float, default=0.0, metavar="S",
        help="client mode: retry connecting for up to S seconds")
    opts = p.parse_args()

    if opts.cmd is not None:
        if opts.listen or opts.to or opts.log or opts.pidfile:
            p.error("--cmd takes only --control, --timeout and "
                "--retry")
        timeout = opts.timeout or command_timeout(opts.cmd)
        return run_client(opts.control, opts.cmd, timeout,
            max(0.0, min(opts.retry, MAX_WAIT)))
    if not opts.listen or not opts.to:
        p.error("relay mode needs --listen and --to")
    try:
        listen = parse_addr(opts.listen, "--listen")
        to = parse_addr(opts.to, "--to")
        if listen == to:
            raise ValueError("--to: would relay to itself")
        prepare_control_path(opts.control)
    except ValueError as e:
        print("resilient-relay: %s" % e, file=sys.stderr)
        return 1
    try:
        return asyncio.run(run_relay(opts, listen, to))
    except OSError as e:
        print("resilient-relay: %s" % e, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
