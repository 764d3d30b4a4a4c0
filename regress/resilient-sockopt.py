#!/usr/bin/python3
# Copyright (c) 2026 The resilient-ssh authors.  ISC licence: see LICENCE.
"""Print the socket options of one side of an established TCP connection.

Usage: resilient-sockopt.py local|remote PORT

Finds every established TCP socket on this machine whose local (or
remote) port is PORT, takes a copy of its descriptor from a process that
holds it (pidfd_getfd(2), Linux 5.6 and later, which needs the right to
ptrace that process), and prints one line per socket, sorted:

    nodelay=1 tos=0x48 keepalive=1

Exits 0 having printed at least one line, 1 if no such socket exists,
and 2 if the descriptors cannot be read here (no pidfd_getfd, or not
allowed), so that the caller can skip with that reason.
"""

import ctypes
import os
import socket
import sys

SYS_PIDFD_OPEN = 434
SYS_PIDFD_GETFD = 438
TCP_ESTABLISHED = "01"


def sockets(which, port):
    """Inodes of established sockets with that local or remote port."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    field = line.split()
                    local, remote, state = field[1], field[2], field[3]
                    end = local if which == "local" else remote
                    if (state == TCP_ESTABLISHED and
                            int(end.rsplit(":", 1)[1], 16) == port):
                        found.add(field[9])
        except OSError:
            pass
    return found


def holders(inodes):
    """One (pid, fd) per inode, from the processes that hold them."""
    where = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fds = os.listdir("/proc/%s/fd" % pid)
        except OSError:
            continue
        for fd in fds:
            try:
                link = os.readlink("/proc/%s/fd/%s" % (pid, fd))
            except OSError:
                continue
            if link.startswith("socket:["):
                inode = link[8:-1]
                if inode in inodes and inode not in where:
                    where[inode] = (int(pid), int(fd))
    return where


def steal(libc, pid, fd):
    pidfd = libc.syscall(SYS_PIDFD_OPEN, pid, 0)
    if pidfd < 0:
        return -1
    try:
        return libc.syscall(SYS_PIDFD_GETFD, pidfd, fd, 0)
    finally:
        os.close(pidfd)


def options(fd):
    s = socket.socket(fileno=fd)
    try:
        nodelay = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        keepalive = s.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE)
        if s.family == socket.AF_INET6:
            tos = s.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_TCLASS)
        else:
            tos = s.getsockopt(socket.IPPROTO_IP, socket.IP_TOS)
    finally:
        s.close()
    return "nodelay=%d tos=0x%02x keepalive=%d" % (
        nodelay != 0, tos, keepalive != 0)


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("local", "remote"):
        sys.exit(__doc__)
    which, port = sys.argv[1], int(sys.argv[2])
    libc = ctypes.CDLL(None, use_errno=True)
    where = holders(sockets(which, port))
    if not where:
        print("no established TCP socket with %s port %d" % (which, port),
              file=sys.stderr)
        sys.exit(1)
    lines = []
    for inode, (pid, fd) in sorted(where.items()):
        copy = steal(libc, pid, fd)
        if copy < 0:
            print("cannot read the sockets of process %d: %s" %
                  (pid, os.strerror(ctypes.get_errno())), file=sys.stderr)
            sys.exit(2)
        lines.append(options(copy))
    for line in sorted(lines):
        print(line)


if __name__ == "__main__":
    main()
