# resilient-ssh: the fork's own objects, added to upstream's object lists by
# patches/0002 (Makefile.in includes this file).  List new modules here; the
# patch stays unchanged.

RESILIENT_LIBSSH_OBJS=	resilient.o resilient-buffer.o resilient-kdf.o resilient-msg.o \
			resilient-share.o \
			resilient-reconnect.o resilient-broker.o resilient-server.o \
			resilient-client.o resilient-status.o resilient-config.o routemon.o routemon-linux.o \
			routemon-bsd.o routemon-stub.o
RESILIENT_SSH_OBJS=	resilient-mux.o
RESILIENT_SSHD_OBJS=
RESILIENT_SSHD_SESSION_OBJS=
RESILIENT_SSHD_AUTH_OBJS=

# Record header dependencies for every object, ours and upstream's alike,
# so that editing one of our headers rebuilds the hooks that include it.
CFLAGS+=	-MMD -MP
-include $(wildcard *.d)
# Rules read from the .d files must not become make's default goal.
.DEFAULT_GOAL :=
