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
 * libssh client for the interop matrix.
 *
 * Usage: libssh_client PORT USER KEY KNOWN_HOSTS OP [ARGS...]
 *   OP login                    public-key login, run "echo login-ok"
 *   OP exec MARK                run "echo MARK; exit 3": want MARK, status 3
 *   OP sftp LOCAL REMOTE BACK   SFTP: put LOCAL as REMOTE, get REMOTE as BACK
 *   OP scp LOCAL REMOTE BACK    the same with libssh's SCP API
 *   OP fwd ECHOPORT NBYTES      direct-tcpip channel (what ssh -L opens) to
 *                               127.0.0.1:ECHOPORT; the echo must be exact
 *
 * The server is 127.0.0.1:PORT; its host key must be in KNOWN_HOSTS.
 * No ssh_config is read.  Exit status 0 when the operation did what it
 * should.  Build: cc -o libssh_client libssh_client.c -lssh
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libssh/libssh.h>
#include <libssh/sftp.h>

#define CHUNK	32768
#define TIMEOUT	60	/* seconds, for connect and every blocking call */

static void
fail(ssh_session s, const char *what)
{
	fprintf(stderr, "libssh_client: %s: %s\n", what,
	    s != NULL ? ssh_get_error(s) : strerror(errno));
}

/* Run cmd; its stdout goes to out (NUL-terminated, truncated to outlen). */
static int
run(ssh_session s, const char *cmd, char *out, size_t outlen, int *status)
{
	ssh_channel ch;
	size_t got = 0;
	int n;
	char buf[4096];

	if ((ch = ssh_channel_new(s)) == NULL ||
	    ssh_channel_open_session(ch) != SSH_OK ||
	    ssh_channel_request_exec(ch, cmd) != SSH_OK) {
		fail(s, "exec");
		return -1;
	}
	while ((n = ssh_channel_read_timeout(ch, buf, sizeof(buf), 0,
	    TIMEOUT * 1000)) > 0) {
		if (got + n < outlen) {
			memcpy(out + got, buf, n);
			got += n;
		}
	}
	out[got] = '\0';
	if (n < 0) {
		fail(s, "read");
		return -1;
	}
	ssh_channel_send_eof(ch);
	*status = ssh_channel_get_exit_status(ch);
	ssh_channel_close(ch);
	ssh_channel_free(ch);
	printf("status %d, stdout \"%s\"\n", *status, out);
	return 0;
}

static void
chomp(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
}

static int
op_sftp(ssh_session s, const char *local, const char *remote,
    const char *back)
{
	sftp_session sf;
	sftp_file f;
	char buf[CHUNK];
	ssize_t n;
	int fd, ok = 0;

	if ((sf = sftp_new(s)) == NULL || sftp_init(sf) != SSH_OK) {
		fail(s, "sftp init");
		return -1;
	}
	/* put */
	if ((fd = open(local, O_RDONLY)) == -1) {
		fail(NULL, local);
		goto out;
	}
	if ((f = sftp_open(sf, remote, O_WRONLY | O_CREAT | O_TRUNC,
	    0644)) == NULL) {
		fail(s, "sftp_open for writing");
		close(fd);
		goto out;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (sftp_write(f, buf, n) != n) {
			fail(s, "sftp_write");
			close(fd);
			sftp_close(f);
			goto out;
		}
	}
	close(fd);
	if (n < 0 || sftp_close(f) != SSH_OK) {
		fail(s, "sftp put");
		goto out;
	}
	/* get */
	if ((f = sftp_open(sf, remote, O_RDONLY, 0)) == NULL) {
		fail(s, "sftp_open for reading");
		goto out;
	}
	if ((fd = open(back, O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1) {
		fail(NULL, back);
		sftp_close(f);
		goto out;
	}
	while ((n = sftp_read(f, buf, sizeof(buf))) > 0) {
		if (write(fd, buf, n) != n) {
			fail(NULL, back);
			break;
		}
	}
	sftp_close(f);
	if (close(fd) == 0 && n == 0)
		ok = 1;
	else
		fail(s, "sftp get");
 out:
	sftp_free(sf);
	return ok ? 0 : -1;
}

static int
op_scp(ssh_session s, const char *local, const char *remote,
    const char *back)
{
	ssh_scp scp;
	struct stat st;
	char buf[CHUNK];
	ssize_t n;
	uint64_t size, done = 0;
	int fd, r;

	/* put: "scp -t REMOTE" on the server */
	if ((fd = open(local, O_RDONLY)) == -1 || fstat(fd, &st) == -1) {
		fail(NULL, local);
		return -1;
	}
	if ((scp = ssh_scp_new(s, SSH_SCP_WRITE, remote)) == NULL ||
	    ssh_scp_init(scp) != SSH_OK ||
	    ssh_scp_push_file64(scp, "payload", st.st_size, 0644) != SSH_OK) {
		fail(s, "scp push");
		close(fd);
		return -1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (ssh_scp_write(scp, buf, n) != SSH_OK) {
			fail(s, "scp write");
			close(fd);
			return -1;
		}
	}
	close(fd);
	ssh_scp_close(scp);
	ssh_scp_free(scp);
	/* get: "scp -f REMOTE" on the server */
	if ((scp = ssh_scp_new(s, SSH_SCP_READ, remote)) == NULL ||
	    ssh_scp_init(scp) != SSH_OK) {
		fail(s, "scp read init");
		return -1;
	}
	if ((r = ssh_scp_pull_request(scp)) != SSH_SCP_REQUEST_NEWFILE) {
		fail(s, "scp pull request");
		return -1;
	}
	size = ssh_scp_request_get_size64(scp);
	ssh_scp_accept_request(scp);
	if ((fd = open(back, O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1) {
		fail(NULL, back);
		return -1;
	}
	while (done < size) {
		n = ssh_scp_read(scp, buf, sizeof(buf));
		if (n <= 0 || write(fd, buf, n) != n) {
			fail(s, "scp read");
			close(fd);
			return -1;
		}
		done += n;
	}
	close(fd);
	r = ssh_scp_pull_request(scp);
	ssh_scp_close(scp);
	ssh_scp_free(scp);
	printf("scp: %llu bytes back, last request %d\n",
	    (unsigned long long)done, r);
	return r == SSH_SCP_REQUEST_EOF ? 0 : -1;
}

/* A small non-cryptographic generator: the data only has to be varied */
static unsigned char
next_byte(unsigned long long *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return (unsigned char)(*x >> 24);
}

static int
op_fwd(ssh_session s, int echoport, size_t nbytes)
{
	ssh_channel ch;
	unsigned char *sent, *got;
	char buf[CHUNK];
	size_t off = 0, have = 0, len;
	unsigned long long x = 0x9e3779b97f4a7c15ULL;
	int n, eof_sent = 0, rounds = 0;

	if ((sent = malloc(nbytes)) == NULL ||
	    (got = malloc(nbytes + 1)) == NULL)
		return -1;
	for (off = 0; off < nbytes; off++)
		sent[off] = next_byte(&x);
	off = 0;
	if ((ch = ssh_channel_new(s)) == NULL ||
	    ssh_channel_open_forward(ch, "127.0.0.1", echoport,
	    "127.0.0.1", 0) != SSH_OK) {
		fail(s, "open direct-tcpip channel");
		return -1;
	}
	/* Interleave writes and reads so neither window can fill up */
	while (rounds++ < 1000000) {
		if (off < nbytes) {
			len = nbytes - off < CHUNK ? nbytes - off : CHUNK;
			if (ssh_channel_write(ch, sent + off, len) != (int)len) {
				fail(s, "channel write");
				return -1;
			}
			off += len;
		} else if (!eof_sent) {
			ssh_channel_send_eof(ch);
			eof_sent = 1;
		}
		n = ssh_channel_read_timeout(ch, buf, sizeof(buf), 0,
		    off < nbytes ? 0 : TIMEOUT * 1000);
		if (n == SSH_ERROR) {
			fail(s, "channel read");
			return -1;
		}
		if (n > 0) {
			if (have + n > nbytes) {
				fprintf(stderr, "more data back than sent\n");
				return -1;
			}
			memcpy(got + have, buf, n);
			have += n;
		}
		if (off == nbytes && (ssh_channel_is_eof(ch) ||
		    (n == 0 && have == nbytes)))
			break;
	}
	ssh_channel_close(ch);
	ssh_channel_free(ch);
	printf("sent %zu bytes, got %zu back\n", nbytes, have);
	return have == nbytes && memcmp(sent, got, nbytes) == 0 ? 0 : -1;
}

int
main(int argc, char **argv)
{
	ssh_session s;
	ssh_key key;
	char out[4096];
	const char *op;
	int port, status, verbosity = SSH_LOG_WARNING, r = -1;
	long timeout = TIMEOUT;
	int no = 0, yes = 1;

	if (argc < 6) {
		fprintf(stderr, "usage: libssh_client PORT USER KEY "
		    "KNOWN_HOSTS OP [ARGS...]\n");
		return 2;
	}
	port = atoi(argv[1]);
	op = argv[5];
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("libssh %s\n", ssh_version(0));
	if ((s = ssh_new()) == NULL)
		return 1;
	if (getenv("LIBSSH_CLIENT_VERBOSE") != NULL)
		verbosity = SSH_LOG_PROTOCOL;
	ssh_options_set(s, SSH_OPTIONS_PROCESS_CONFIG, &no);
	ssh_options_set(s, SSH_OPTIONS_HOST, "127.0.0.1");
	ssh_options_set(s, SSH_OPTIONS_PORT, &port);
	ssh_options_set(s, SSH_OPTIONS_USER, argv[2]);
	ssh_options_set(s, SSH_OPTIONS_KNOWNHOSTS, argv[4]);
	ssh_options_set(s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null");
	ssh_options_set(s, SSH_OPTIONS_TIMEOUT, &timeout);
	ssh_options_set(s, SSH_OPTIONS_NODELAY, &yes);
	ssh_options_set(s, SSH_OPTIONS_LOG_VERBOSITY, &verbosity);
	if (ssh_connect(s) != SSH_OK) {
		fail(s, "connect");
		return 1;
	}
	if (ssh_session_is_known_server(s) != SSH_KNOWN_HOSTS_OK) {
		fprintf(stderr, "libssh_client: host key not in %s\n",
		    argv[4]);
		return 1;
	}
	if (ssh_pki_import_privkey_file(argv[3], NULL, NULL, NULL,
	    &key) != SSH_OK) {
		fprintf(stderr, "libssh_client: cannot load %s\n", argv[3]);
		return 1;
	}
	if (ssh_userauth_publickey(s, NULL, key) != SSH_AUTH_SUCCESS) {
		fail(s, "public key authentication");
		return 1;
	}
	printf("authenticated, server %s, kex %s, cipher %s\n",
	    ssh_get_serverbanner(s), ssh_get_kex_algo(s),
	    ssh_get_cipher_in(s));
	if (strcmp(op, "login") == 0) {
		if (run(s, "echo login-ok", out, sizeof(out), &status) == 0) {
			chomp(out);
			r = status == 0 && strcmp(out, "login-ok") == 0 ? 0 : -1;
		}
	} else if (strcmp(op, "exec") == 0 && argc == 7) {
		char cmd[512];

		snprintf(cmd, sizeof(cmd), "echo %s; exit 3", argv[6]);
		if (run(s, cmd, out, sizeof(out), &status) == 0) {
			chomp(out);
			r = status == 3 && strcmp(out, argv[6]) == 0 ? 0 : -1;
		}
	} else if (strcmp(op, "sftp") == 0 && argc == 9) {
		r = op_sftp(s, argv[6], argv[7], argv[8]);
	} else if (strcmp(op, "scp") == 0 && argc == 9) {
		r = op_scp(s, argv[6], argv[7], argv[8]);
	} else if (strcmp(op, "fwd") == 0 && argc == 8) {
		r = op_fwd(s, atoi(argv[6]), strtoul(argv[7], NULL, 10));
	} else {
		fprintf(stderr, "libssh_client: bad operation %s\n", op);
	}
	ssh_key_free(key);
	ssh_disconnect(s);
	ssh_free(s);
	return r == 0 ? 0 : 1;
}
