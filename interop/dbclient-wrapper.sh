#!/usr/bin/env bash
#
# Let OpenSSH's sftp and scp use Dropbear's dbclient as their transport
# (sftp -S / scp -S this script).  They call their "ssh program" with
# OpenSSH options; this keeps what dbclient understands (-p, -l, -i, -s,
# the port from -oPort), drops the OpenSSH-only ones (-x, other -o
# options) and runs dbclient, with the identity in $DBCLIENT_KEY if set.

set -eu
args=()
port_opt() {	# port_opt "Port=N" | "Port N": add -p N, ignore other options
	case "$1" in
	[Pp]ort=*|[Pp]ort\ *) args+=(-p "${1#[Pp]ort[= ]}") ;;
	esac
}
while [ $# -gt 0 ]; do
	case "$1" in
	-o)	[ $# -ge 2 ] || break; port_opt "$2"; shift 2 ;;
	-o*)	port_opt "${1#-o}"; shift ;;
	-p|-l|-i) [ $# -ge 2 ] || break; args+=("$1" "$2"); shift 2 ;;
	-s|-T)	args+=("$1"); shift ;;
	-x|-a|-q|-v|-C|-4) shift ;;
	--)	shift; break ;;
	-*)	echo "dbclient-wrapper: unsupported option $1" >&2; exit 2 ;;
	*)	break ;;
	esac
done
exec dbclient ${DBCLIENT_KEY:+-i "$DBCLIENT_KEY"} "${args[@]}" "$@"
