#!/usr/bin/python3
# Copyright (c) 2026 The resilient-ssh authors.  ISC licence: see LICENCE.
"""AsyncSSH client for the interop matrix.

Usage: asyncssh_client.py PORT USER KEY KNOWN_HOSTS OP [ARGS...]
  OP login                      authenticate with KEY, run "echo login-ok"
  OP exec MARK                  run "echo MARK; exit 3": want MARK and status 3
  OP sftp LOCAL REMOTE BACK     put LOCAL as REMOTE, get REMOTE as BACK (SFTP)
  OP scp LOCAL REMOTE BACK      the same with the SCP protocol
  OP fwd ECHOPORT NBYTES        local port forward (like ssh -L) from a
                                kernel-chosen port to 127.0.0.1:ECHOPORT,
                                data through it must come back exact

The server is 127.0.0.1:PORT and its host key must be in KNOWN_HOSTS.
Exit status 0 when the operation did what it should.
"""
import asyncio
import hashlib
import logging
import os
import sys
import warnings

warnings.simplefilter("ignore")     # Debian's cryptography deprecations
import asyncssh  # noqa: E402


async def fwd(conn, echoport, nbytes):
    listener = await conn.forward_local_port("127.0.0.1", 0,
                                             "127.0.0.1", echoport)
    port = listener.get_port()
    print("forwarding 127.0.0.1:%d -> 127.0.0.1:%d" % (port, echoport))
    payload = os.urandom(nbytes)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)

    async def send():
        writer.write(payload)
        await writer.drain()
        writer.write_eof()

    sender = asyncio.ensure_future(send())
    got = bytearray()
    while len(got) <= nbytes:
        data = await reader.read(65536)
        if not data:
            break
        got += data
    await sender
    writer.close()
    listener.close()
    sent = hashlib.sha256(payload).hexdigest()
    back = hashlib.sha256(got).hexdigest()
    print("sent %d bytes sha256 %s" % (nbytes, sent))
    print("got  %d bytes sha256 %s" % (len(got), back))
    return sent == back


async def main():
    port, user, key, known_hosts, op = sys.argv[1:6]
    args = sys.argv[6:]
    async with asyncssh.connect("127.0.0.1", int(port), username=user,
                                client_keys=[key], known_hosts=known_hosts,
                                agent_path=None, config=None,
                                login_timeout=20) as conn:
        print("asyncssh %s: connected, server %s" % (
            asyncssh.__version__, conn.get_extra_info("server_version")))
        if op == "login":
            r = await conn.run("echo login-ok")
            print("status %s, stdout %r" % (r.exit_status, r.stdout))
            return r.exit_status == 0 and r.stdout.strip() == "login-ok"
        if op == "exec":
            r = await conn.run("echo %s; exit 3" % args[0])
            print("status %s, stdout %r" % (r.exit_status, r.stdout))
            return r.exit_status == 3 and r.stdout.strip() == args[0]
        if op == "sftp":
            local, remote, back = args
            async with conn.start_sftp_client() as sftp:
                await sftp.put(local, remote)
                await sftp.get(remote, back)
            return True
        if op == "scp":
            local, remote, back = args
            await asyncssh.scp(local, (conn, remote))
            await asyncssh.scp((conn, remote), back)
            return True
        if op == "fwd":
            return await fwd(conn, int(args[0]), int(args[1]))
        print("unknown operation %s" % op)
        return False


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    asyncssh.set_log_level(logging.INFO)
    sys.exit(0 if asyncio.run(asyncio.wait_for(main(), 120)) else 1)
