#!/usr/bin/python3
# Copyright (c) 2026 The resilient-ssh authors.  ISC licence: see LICENCE.
"""Paramiko client for the interop matrix.

Usage: paramiko_client.py PORT USER KEY KNOWN_HOSTS OP [ARGS...]
  OP login                      authenticate with KEY, run "echo login-ok"
  OP exec MARK                  run "echo MARK; exit 3": want MARK and status 3
  OP sftp LOCAL REMOTE BACK     put LOCAL as REMOTE, get REMOTE as BACK
  OP scp LOCAL REMOTE BACK      the same with the SCP protocol, through the
                                scp module (Debian: python3-scp); exit
                                status 77 when that module is missing
  OP fwd ECHOPORT NBYTES        direct-tcpip channel (what ssh -L opens) to
                                127.0.0.1:ECHOPORT; the echo must be exact

The server is 127.0.0.1:PORT and its host key must be in KNOWN_HOSTS
(OpenSSH format, "[127.0.0.1]:PORT" entries); unknown keys are rejected.
Exit status 0 when the operation did what it should.
"""
import hashlib
import logging
import os
import sys

import paramiko

try:
    from scp import SCPClient
except ImportError:
    SCPClient = None


def connect(port, user, key, known_hosts):
    client = paramiko.SSHClient()
    client.load_host_keys(known_hosts)
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    client.connect("127.0.0.1", port=port, username=user,
                   pkey=paramiko.Ed25519Key.from_private_key_file(key),
                   allow_agent=False, look_for_keys=False, timeout=20,
                   banner_timeout=20, auth_timeout=20)
    return client


def run(client, cmd):
    chan = client.get_transport().open_session(timeout=20)
    chan.settimeout(60)
    chan.exec_command(cmd)
    out = b""
    while True:
        data = chan.recv(65536)
        if not data:
            break
        out += data
    status = chan.recv_exit_status()
    chan.close()
    return status, out.decode(errors="replace")


def main():
    port, user, key, known_hosts, op = sys.argv[1:6]
    args = sys.argv[6:]
    if op == "scp" and SCPClient is None:
        print("SKIP: no scp module for paramiko (python3-scp)")
        return 77
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    client = connect(int(port), user, key, known_hosts)
    t = client.get_transport()
    print("paramiko %s: connected, server %s, kex %s, cipher %s" % (
        paramiko.__version__, t.remote_version,
        t.kex_engine.__class__.__name__ if t.kex_engine else "?",
        t.remote_cipher))
    ok = False
    if op == "login":
        status, out = run(client, "echo login-ok")
        print("status %d, stdout %r" % (status, out))
        ok = status == 0 and out.strip() == "login-ok"
    elif op == "exec":
        status, out = run(client, "echo %s; exit 3" % args[0])
        print("status %d, stdout %r" % (status, out))
        ok = status == 3 and out.strip() == args[0]
    elif op == "sftp":
        local, remote, back = args
        sftp = client.open_sftp()
        sftp.get_channel().settimeout(60)
        sftp.put(local, remote)
        sftp.get(remote, back)
        sftp.close()
        ok = True
    elif op == "scp":
        local, remote, back = args
        with SCPClient(t, socket_timeout=60) as scp:
            scp.put(local, remote)
            scp.get(remote, back)
        ok = True
    elif op == "fwd":
        echoport, nbytes = int(args[0]), int(args[1])
        payload = os.urandom(nbytes)
        chan = t.open_channel("direct-tcpip", ("127.0.0.1", echoport),
                              ("127.0.0.1", 0), timeout=20)
        chan.settimeout(60)
        chan.sendall(payload)
        chan.shutdown_write()
        got = bytearray()
        while len(got) <= nbytes:
            data = chan.recv(65536)
            if not data:
                break
            got += data
        chan.close()
        sent = hashlib.sha256(payload).hexdigest()
        back = hashlib.sha256(got).hexdigest()
        print("sent %d bytes sha256 %s" % (nbytes, sent))
        print("got  %d bytes sha256 %s" % (len(got), back))
        ok = sent == back
    else:
        print("unknown operation %s" % op)
    client.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
