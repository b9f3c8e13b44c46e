# shellcheck shell=bash
# harness/apt-sources.sh: the machine's own Debian archives, read at run
# time from its apt sources (sourced; bash). Nothing host-specific is
# written into the project: kernel/fetch-source and harness/tests/fresh-check
# take their archive URIs from here.
#
#   apt_entries            one line per enabled "deb" entry and suite:
#                          URI SUITE COMPONENTS... (deb822
#                          /etc/apt/sources.list.d/*.sources, then one-line
#                          /etc/apt/sources.list and sources.list.d/*.list)
#   apt_security_uri       the first debian-security URI (suite *-security
#                          or */updates)
#   apt_archive_uri        the first URI of a Debian release suite (a name
#                          of apt_debian_suites, without a -suffix)
# Each returns 1, printing nothing, when there is no such entry.
# APT_SOURCES_DIR (default /etc/apt) is read instead of /etc/apt when set.

# The suite names of Debian releases; an entry of another archive
# (a vendor's "nodistro", "cloud-sdk-bookworm") names none of them.
apt_debian_suites="buster bullseye bookworm trixie forky duke sid oldoldstable oldstable stable testing unstable"

apt_entries() {
	local d=${APT_SOURCES_DIR:-/etc/apt} f
	for f in "$d"/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		# deb822 stanzas are separated by blank lines; comment lines go.
		grep -v '^[[:space:]]*#' "$f" | awk 'BEGIN { RS = ""; FS = "\n" }
			{ u = ""; s = ""; c = ""; t = ""; e = "yes"
			  for (i = 1; i <= NF; i++) {
				v = $i; sub(/^[^:]*:[ \t]*/, "", v)
				if ($i ~ /^URIs:/)       u = v
				if ($i ~ /^Suites:/)     s = v
				if ($i ~ /^Components:/) c = v
				if ($i ~ /^Types:/)      t = v
				if ($i ~ /^Enabled:/)    e = tolower(v)
			  }
			  if (t !~ /(^|[ \t])deb([ \t]|$)/ || e == "no" || u == "" || s == "") next
			  nu = split(u, uu, /[ \t]+/); ns = split(s, ss, /[ \t]+/)
			  for (j = 1; j <= nu; j++) for (k = 1; k <= ns; k++)
				if (uu[j] != "" && ss[k] != "") print uu[j], ss[k], c }'
	done
	for f in "$d"/sources.list "$d"/sources.list.d/*.list; do
		[ -r "$f" ] || continue
		awk '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
			line = $i " " $(i + 1); for (j = i + 2; j <= NF && $j !~ /^#/; j++) line = line " " $j
			print line }' "$f"
	done
}

apt_security_uri() {
	apt_entries | awk '$2 ~ /-security$|\/updates$/ { print $1; found = 1; exit } END { exit !found }'
}

apt_archive_uri() {
	apt_entries | awk -v names="$apt_debian_suites" '
		BEGIN { n = split(names, a, " "); for (i = 1; i <= n; i++) debian[a[i]] = 1 }
		($2 in debian) { print $1; found = 1; exit } END { exit !found }'
}
