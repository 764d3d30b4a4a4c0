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

#ifndef _RESILIENT_STATUS_H
#define _RESILIENT_STATUS_H

/* Terminals a status line is drawn on at once, at most */
#define RESILIENT_STATUS_TTYS	16

/*
 * The status line of a client's terminal sessions (resilient-status.c),
 * part of struct resilient_client.
 */
struct resilient_status {
	int	drawn[RESILIENT_STATUS_TTYS];	/* channel ids, or -1 */
	char	text[160];			/* what they show */
	double	drawn_at;		/* monotime_double; 0 = not shown */
	int	resize[RESILIENT_STATUS_TTYS];	/* to redraw, or -1 */
	int	resize_phase;		/* 0 none, 1 shrink due, 2 restore */
	double	restore_at;		/* monotime_double of phase 2 */
};

struct ssh;

void	resilient_status_init(struct resilient_status *);
/* Can the session show a status line on some terminal? */
int	resilient_status_capable(struct ssh *);
/* Draw, or update, text on every terminal session's bottom row */
void	resilient_status_show(struct ssh *, struct resilient_status *,
    const char *);
/* Erase it; with redraw, make the remote programs draw their screen anew */
void	resilient_status_clear(struct ssh *, struct resilient_status *,
    int redraw);
/* Send the redraw's window changes when due */
void	resilient_status_tick(struct ssh *, struct resilient_status *,
    double now);
/* Seconds until resilient_status_tick has something to do, or -1 */
double	resilient_status_deadline(const struct resilient_status *,
    double now);

#endif /* _RESILIENT_STATUS_H */
