#!/usr/bin/env bash
#
# Print deb-src lines for SUITE, derived from this machine's own apt sources.
#
# Usage: derive-apt-sources.sh SUITE
#
# Every configured Debian archive entry (type deb or deb-src, a suite that is
# a plain release name such as "bookworm", not "-security" or "-updates")
# contributes one "deb-src [signed-by=...] URI SUITE main" line.  No archive
# host is written into this project: the URIs are the machine's.

set -eu
suite=${1:?usage: derive-apt-sources.sh SUITE}
root=${APT_SOURCES_ROOT:-/etc/apt}

files=()
[ -f "$root/sources.list" ] && files+=("$root/sources.list")
for f in "$root"/sources.list.d/*.list "$root"/sources.list.d/*.sources; do
	[ -f "$f" ] && files+=("$f")
done
[ "${#files[@]}" -gt 0 ] || exit 0

default_key=/usr/share/keyrings/debian-archive-keyring.gpg
awk -v suite="$suite" -v defkey="$default_key" '
function plain(s) { return s ~ /^[a-z]+$/ }
function emit(uri, key) {
	if (uri in seen)
		return
	seen[uri] = 1
	if (key == "" && system("test -f " defkey) == 0)
		key = defkey
	if (key != "")
		printf "deb-src [signed-by=%s] %s %s main\n", key, uri, suite
	else
		printf "deb-src %s %s main\n", uri, suite
}
function flush(   i, n, u, s, nu, ns, ok) {
	if (types ~ /(^|[ \t])deb(-src)?([ \t]|$)/ && enabled != "no") {
		nu = split(uris, u, /[ \t]+/)
		ns = split(suites, s, /[ \t]+/)
		ok = 0
		for (i = 1; i <= ns; i++)
			if (plain(s[i]))
				ok = 1
		for (i = 1; ok && i <= nu; i++)
			if (u[i] != "")
				emit(u[i], signedby)
	}
	types = uris = suites = signedby = enabled = ""
}
FNR == 1 { flush(); deb822 = (FILENAME ~ /\.sources$/) }
/^[ \t]*#/ { next }
deb822 {
	if ($0 ~ /^[ \t]*$/) { flush(); next }
	if ($0 ~ /^[ \t]/) next	# continuation, e.g. an inline key
	key = tolower($1); sub(/:$/, "", key)
	val = $0; sub(/^[^:]*:[ \t]*/, "", val)
	if (key == "types") types = val
	else if (key == "uris") uris = val
	else if (key == "suites") suites = val
	else if (key == "enabled") enabled = tolower(val)
	else if (key == "signed-by" && val ~ /^\//) signedby = val
	next
}
$1 == "deb" || $1 == "deb-src" {
	opts = ""
	line = $0
	if (match(line, /\[[^]]*\]/)) {
		opts = substr(line, RSTART + 1, RLENGTH - 2)
		line = substr(line, 1, RSTART - 1) substr(line, RSTART + RLENGTH)
	}
	n = split(line, w, /[ \t]+/)
	key = ""
	if (match(opts, /signed-by=[^ \t]+/))
		key = substr(opts, RSTART + 10, RLENGTH - 10)
	if (n >= 3 && plain(w[3]))
		emit(w[2], key)
}
END { flush() }
' "${files[@]}"
