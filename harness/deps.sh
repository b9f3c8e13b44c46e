#!/usr/bin/env bash
# The Debian packages ftfw-lab needs, checked and (as root) installed.
#   deps.sh --check      list what is missing; exit 0 if nothing, 4 if something
#   deps.sh --install    install what is missing (root), exit 0 or 2
# Package installs must not start daemons in the host's namespace: while
# installing, a policy-rc.d that forbids service starts is put in place
# (only if the machine has none), and removed afterwards.
set -u

build_pkgs="gcc make pkg-config libpcap-dev libnet1-dev libnetfilter-conntrack-dev libmnl-dev nettle-dev libnftnl-dev check libsubunit-dev python3"
run_pkgs="iproute2 nftables conntrackd keepalived vsftpd curl tcpreplay"
pkgs="$build_pkgs $run_pkgs"

missing() {
	local p out=""
	for p in $pkgs; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
			out="$out $p"
		fi
	done
	echo "${out# }"
}

mode=${1:---check}
need=$(missing)
case "$mode" in
--check)
	if [ -n "$need" ]; then
		echo "missing Debian packages: $need" >&2
		exit 4
	fi
	exit 0
	;;
--install)
	[ -z "$need" ] && exit 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "skipped: missing Debian packages ($need) and not root to install them" >&2
		exit 4
	fi
	echo "installing Debian packages: $need" >&2
	policy=/usr/sbin/policy-rc.d
	made_policy=0
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\n# ftfw-lab: no service starts while installing\nexit 101\n' >"$policy"
		chmod 755 "$policy"
		made_policy=1
	fi
	rc=0
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2 || rc=2
	if [ "$rc" -eq 0 ]; then
		# shellcheck disable=SC2086
		apt-get install -y -qq --no-install-recommends $need >&2 || rc=2
	fi
	[ "$made_policy" -eq 1 ] && rm -f "$policy"
	if [ "$rc" -ne 0 ]; then
		echo "apt-get failed installing: $need" >&2
		exit 2
	fi
	still=$(missing)
	if [ -n "$still" ]; then
		echo "still missing after apt-get: $still" >&2
		exit 2
	fi
	exit 0
	;;
*)
	echo "usage: deps.sh --check|--install" >&2
	exit 2
	;;
esac
