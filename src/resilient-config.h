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


/*
 * The extension's configuration options, for ssh_config and sshd_config.
 * readconf.c and servconf.c hand any keyword this table knows to
 * resilient_config_parse() and call in here to set defaults, to print
 * the options for "ssh -G" and "sshd -T", and to apply sshd's Match
 * blocks, so that adding an option changes no upstream file.
 */

#ifndef _RESILIENT_CONFIG_H
#define _RESILIENT_CONFIG_H

/* Which configuration a keyword belongs to */
#define RESILIENT_CFG_CLIENT	0x01	/* ssh_config */
#define RESILIENT_CFG_SERVER	0x02	/* sshd_config */

/* One copy per Options and ServerOptions; -1 or NULL until set */
struct resilient_options {
	int	sessions;		/* offer the extension */
	long long buffer_size;		/* replay buffer cap, bytes */
	int	timeout;		/* s reconnecting / detached; 0 none */
	int	route_monitor;		/* ssh: move when routes change */
	int	probe_interval;		/* ssh: s of silence before a probe */
	int	probe_timeout;		/* ssh: s to wait for its answer */
	int	make_before_break;	/* ssh: connect anew, then leave */
	int	fast_retry;		/* ssh: s of one attempt a second */
	char	*directory;		/* sshd: the rendezvous directory */
	int	max_detached;		/* sshd: detached sessions in all */
	int	max_detached_user;	/* sshd: ... and per user */
};

/* Whether keyword is one of side's; *matchp: sshd allows it in Match */
int	resilient_config_lookup(const char *keyword, int side, u_int *matchp);
/* Parse keyword's arguments; store them if active and still unset */
int	resilient_config_parse(struct resilient_options *o, int side,
    const char *keyword, int *acp, char ***avp, const char *filename,
    int linenum, int active);
/* Mark every option unset */
void	resilient_config_init(struct resilient_options *o);
/* Give every option of side that is still unset its default */
void	resilient_config_defaults(struct resilient_options *o, int side);
/* Copy the options that sshd's Match blocks set from src to dst */
void	resilient_config_copy_match(struct resilient_options *dst,
    const struct resilient_options *src);
/* Print side's options as "ssh -G" and "sshd -T" do */
void	resilient_config_dump(const struct resilient_options *o, int side);

/* The parsers of ResilientBufferSize and ResilientMaxDetached: 0 if good */
int	resilient_parse_buffer_size(const char *arg, long long *valp);
int	resilient_parse_max_detached(const char *arg, int *totalp,
    int *per_userp);

#endif /* _RESILIENT_CONFIG_H */
