#!/usr/bin/env bash
# The Debian packages ftfw-lab needs: the one list, checked and installed.
#   deps.sh --check   [GROUP...]  name what is missing; exit 0 if nothing, 4 if something
#   deps.sh --install [GROUP...]  install what is missing (root); exit 0, 2 apt failed, 4 not root
#   deps.sh --list    [GROUP...]  print the packages of the groups, one a line
# GROUP is one of the table's groups or "all"; without one: build run.
# Every program the project runs comes from a package listed here or from
# one every Debian installation has (harness/tests/check-deps proves it).
#
# Installing prints one line per phase (update, download, unpack and
# configure) with its time; apt's own output goes to a log named on
# failure (results/deps/apt-*.log, or $FTFW_DEPS_LOG). Package installs
# must not start daemons in the host's namespace: while installing, a
# policy-rc.d that forbids service starts is put in place (only if the
# machine has none), and removed afterwards.
set -u

# group     packages                                        # needed by
table='
build       gcc make pkg-config libpcap-dev libnet1-dev     # the tool and its Check suites
build       libnetfilter-conntrack-dev libmnl-dev nettle-dev
build       libnftnl-dev check libsubunit-dev python3
build       apt                                             # deps.sh itself (apt-get)
run         iproute2 nftables conntrackd keepalived vsftpd  # the lab: firewalls, sync, FTP
run         curl conntrack tcpreplay                        # clients, state (conntrack -L)
test        procps psmisc                                   # the test scripts (ps, fuser)
kernel      gcc make bc bison flex libelf-dev libssl-dev    # kernel/build (any kernel source)
kernel      xz-utils patch cpio
source      linux-source-6.1                                # kernel/fetch-source: the 6.1 tree
vm          qemu-system-x86 bc cpio                         # kernel/boot, run-kernels
fuzz        clang                                           # make fuzz
valgrind    valgrind                                        # make valgrind
fresh       mmdebstrap git                                  # make fresh-check
'
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
say() { echo "deps: $*" >&2; }
usage() { sed -n '2,6p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }

groups_known() { awk '{ sub(/#.*/, "") } NF { print $1 }' <<<"$table" | sort -u; }

# The packages of the named groups, each once.
packages_of() {
	local g
	for g in "$@"; do
		awk -v g="$g" '{ sub(/#.*/, "") } NF && ($1 == g || g == "all") { for (i = 2; i <= NF; i++) print $i }' <<<"$table"
	done | awk '!seen[$0]++'
}

missing() {
	local p out=""
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || out="$out $p"
	done
	echo "${out# }"
}

# run LOG LABEL CMD...: one line for the phase, its output to LOG.
phase() {
	local log=$1 label=$2 t0=$SECONDS rc
	shift 2
	echo "== $label: $*" >>"$log"
	"$@" >>"$log" 2>&1
	rc=$?
	say "$label ($((SECONDS - t0)) s)$([ "$rc" -ne 0 ] && echo ": FAILED, exit $rc")"
	return "$rc"
}

install() {
	local need=$1 log dir policy made_policy=0 rc=0 count
	if [ "$(id -u)" -ne 0 ]; then
		say "missing Debian packages ($need) and not root to install them"
		return 4
	fi
	log=${FTFW_DEPS_LOG:-}
	if [ -z "$log" ]; then
		dir=$(cd "$here/.." && pwd)/results/deps
		mkdir -p "$dir" 2>/dev/null && [ -w "$dir" ] || dir=${TMPDIR:-/tmp}
		log=$dir/apt-$(date +%Y%m%dT%H%M%S)-$$.log
	fi
	: >"$log" || { say "cannot write the apt log $log"; return 2; }
	say "installing: $need (apt's output: $log)"
	policy=/usr/sbin/policy-rc.d
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\n# ftfw-lab: no service starts while installing\nexit 101\n' >"$policy"
		chmod 755 "$policy"
		made_policy=1
	fi
	export DEBIAN_FRONTEND=noninteractive
	# shellcheck disable=SC2086
	{
		phase "$log" "apt-get update" apt-get update &&
			count=$(apt-get install -s --no-install-recommends $need 2>>"$log" | grep -c '^Inst ') &&
			phase "$log" "download ($count packages with dependencies)" \
				apt-get install -y --download-only --no-install-recommends $need &&
			phase "$log" "unpack and configure" apt-get install -y --no-install-recommends $need
	} || rc=2
	[ "$made_policy" -eq 1 ] && rm -f "$policy"
	if [ "$rc" -ne 0 ]; then
		say "apt-get failed installing: $need; its output: $log (last lines:)"
		tail -n 5 "$log" | sed 's/^/deps:   /' >&2
		return 2
	fi
	return 0
}

mode=${1:-}
[ $# -gt 0 ] && shift
[ $# -eq 0 ] && set -- build run
known=$(groups_known)
for g in "$@"; do
	[ "$g" = all ] && continue
	grep -qx -- "$g" <<<"$known" || { say "unknown group '$g' (groups: all $(echo $known))"; exit 2; }
done
mapfile -t pkgs < <(packages_of "$@")

case "$mode" in
--list)
	printf '%s\n' "${pkgs[@]}"
	;;
--check)
	need=$(missing "${pkgs[@]}")
	if [ -n "$need" ]; then
		say "missing Debian packages: $need (install: sudo $here/deps.sh --install $*)"
		exit 4
	fi
	;;
--install)
	need=$(missing "${pkgs[@]}")
	[ -z "$need" ] && exit 0
	install "$need" || exit $?
	still=$(missing "${pkgs[@]}")
	if [ -n "$still" ]; then
		say "still missing after apt-get: $still"
		exit 2
	fi
	;;
*)
	usage
	;;
esac
exit 0
