# shellcheck shell=bash
# harness/tests/lib.sh: shell helpers shared by the integration scripts
# (sourced; bash).

# isolated OUT ERR COMMAND...: run COMMAND (stdout to OUT, stderr to ERR)
# in a private mount namespace with empty tmpfs folders over /run/netns
# and /run/ftfw-lab, and print "EXIT NAMESPACES STATE-ENTRIES": whatever
# the command set up there and left is counted exactly, and other runs on
# the machine at the same time neither count nor get touched.
isolated() {
	# shellcheck disable=SC2174 # /run exists: -m is for ftfw-lab itself
	mkdir -p /run/netns && mkdir -p -m 0700 /run/ftfw-lab
	# shellcheck disable=SC2016 # the inner script expands its own arguments
	unshare -m --propagation private bash -c '
		out=$1 err=$2; shift 2
		mount -t tmpfs -o mode=0755 ftfw-iso /run/netns && mount -t tmpfs -o mode=0700 ftfw-iso /run/ftfw-lab ||
			{ echo "99 0 0"; exit; }
		"$@" >"$out" 2>"$err"
		echo "$? $(ls -A /run/netns | wc -l) $(ls -A /run/ftfw-lab | wc -l)"' bash "$@"
}
