#!/usr/bin/python3
# Copyright (c) 2026 The resilient-ssh authors.  ISC licence: see LICENCE.
"""AsyncSSH server for the interop matrix.

Usage: asyncssh_server.py PORTFILE HOSTKEY AUTHORIZED_KEYS [LIFETIME]

Listens on 127.0.0.1 on a port the kernel picks and writes it to PORTFILE
(atomically) once listening.  Public-key authentication only, against
AUTHORIZED_KEYS, for any user name.  It serves:
  - exec requests, run with /bin/sh -c and their exit status passed back;
  - the sftp subsystem (asyncssh's SFTP server, paths as given) and scp;
  - direct-tcpip channels (ssh -L), to loopback destinations only.
It exits by itself after LIFETIME seconds (default 600).
"""
import asyncio
import logging
import os
import sys
import warnings

warnings.simplefilter("ignore")     # Debian's cryptography deprecations
import asyncssh  # noqa: E402


class Server(asyncssh.SSHServer):
    def begin_auth(self, username):
        return True

    def password_auth_supported(self):
        return False

    def connection_requested(self, dest_host, dest_port, orig_host,
                             orig_port):
        if dest_host in ("127.0.0.1", "localhost"):
            return True
        raise asyncssh.ChannelOpenError(
            asyncssh.OPEN_ADMINISTRATIVELY_PROHIBITED,
            "only loopback destinations are allowed")


async def handle_process(process):
    cmd = process.command
    if cmd is None:
        process.stderr.write("this test server runs commands only\n")
        process.exit(1)
        return
    proc = await asyncio.create_subprocess_exec(
        "/bin/sh", "-c", cmd, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)

    async def pump_in():
        try:
            while True:
                data = await process.stdin.read(65536)
                if not data:
                    break
                proc.stdin.write(data)
                await proc.stdin.drain()
        except (asyncssh.Error, OSError):
            pass
        finally:
            proc.stdin.close()

    async def pump_out(src, dst):
        while True:
            data = await src.read(65536)
            if not data:
                break
            dst.write(data)
            await dst.drain()

    feeder = asyncio.ensure_future(pump_in())
    await asyncio.gather(pump_out(proc.stdout, process.stdout),
                         pump_out(proc.stderr, process.stderr))
    status = await proc.wait()
    feeder.cancel()
    process.exit(status)


async def main():
    portfile, hostkey, authorized = sys.argv[1:4]
    lifetime = int(sys.argv[4]) if len(sys.argv) > 4 else 600
    server = await asyncssh.listen(
        "127.0.0.1", 0, server_host_keys=[hostkey],
        authorized_client_keys=authorized, server_factory=Server,
        process_factory=handle_process, sftp_factory=True, allow_scp=True,
        encoding=None, config=None)
    port = server.sockets[0].getsockname()[1]
    tmp = portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, portfile)
    logging.info("asyncssh %s server listening on 127.0.0.1 port %d",
                 asyncssh.__version__, port)
    await asyncio.sleep(lifetime)
    server.close()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(name)s %(message)s")
    asyncssh.set_log_level(logging.INFO)
    asyncio.run(main())
