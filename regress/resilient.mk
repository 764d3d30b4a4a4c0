# resilient-ssh regress scripts, appended to upstream's LTESTS by
# patches/0003.  Each name is regress/NAME.sh in this repository.

RESILIENT_LTESTS=	resilient-identity resilient-negotiate resilient-refuse \
			resilient-sftp resilient-forward resilient-mux \
			resilient-tmux resilient-restart resilient-expire \
			resilient-attack resilient-route resilient-deadpeer \
			resilient-handover resilient-sockopt resilient-forge \
			resilient-late resilient-abandon resilient-rendezvous \
			resilient-penalty resilient-outage resilient-screen \
			resilient-close resilient-proxy
RESILIENT_CLEANFILES=	resilient-*.out resilient-*.data resilient-relay.log \
			resilient-relay.err resilient-relay.pid resilient-relay.armed \
			ssh_config.relay resilient-*.log \
			resilient-attack.reconnect resilient-route.* sshd_config.route \
			resilient-handover.* sshd_config.handover \
			resilient-sockopt.* resilient-forge.* \
			resilient-late.* resilient-abandon.* \
			resilient-rendezvous.* resilient-penalty.* \
			resilient-outage.* sshd_config.outage ssh_config.screen \
			ssh_config.proxy
