/*
 * Copyright (c) 2026 The resilient-ssh authors.
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
 * WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
 * MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
 * ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
 * WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
 * ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
 * OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
 */


#ifndef _RESILIENT_MUX_H
#define _RESILIENT_MUX_H

/* ssh -O reconnect (beside upstream's SSHMUX_COMMAND_* in clientloop.h) */
#define SSHMUX_COMMAND_RESILIENT_RECONNECT	100

/* The request's type in the multiplexing protocol (an extension) */
#define MUX_C_RESILIENT_RECONNECT	0x1000a001
/* ssh -O check asks a master for its session's state; the answer */
#define MUX_C_RESILIENT_STATE		0x1000a002
#define MUX_S_RESILIENT_STATE		0x1000a802

struct ssh;
struct sshbuf;
struct Channel;

/* Master: a multiplexed client asked for a reconnect; queues the reply */
int	resilient_mux_reconnect(struct ssh *ssh, u_int rid, struct Channel *c,
    struct sshbuf *m, struct sshbuf *reply);
/* mux.c's packet I/O, which patch 0019 makes non-static */
int	mux_client_write_packet(int fd, struct sshbuf *m);
int	mux_client_read_packet(int fd, struct sshbuf *m);

/* Master: the session's state, for ssh -O check */
int	resilient_mux_state(struct ssh *ssh, u_int rid, struct Channel *c,
    struct sshbuf *m, struct sshbuf *reply);
/* Client (-O check): print the master's session state, if it has one */
void	resilient_mux_report_state(int fd, u_int rid);
/* Master: a new multiplexed session was asked for while detached */
void	resilient_mux_session_waits(struct ssh *ssh, struct Channel *c);

/* Client: ask the master at fd to reconnect; fatal() if it refuses */
void	resilient_mux_request_reconnect(int fd, u_int rid, int quiet);
/* The ~N escape: echo it to berr and reconnect now */
void	resilient_escape_reconnect(struct ssh *ssh, struct sshbuf *berr,
    int escape_char);

#endif /* _RESILIENT_MUX_H */
