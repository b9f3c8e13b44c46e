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

# leftovers ID: what a run (by id) left behind, as " what what ..."; empty
# when nothing. Looks at everything, not only what the run recorded:
# namespaces, state file, scratch folder, mounts, and every process on the
# machine (any namespace: /proc is the host's) whose command line, working
# folder or open files point into the run's folders (results/.../ID/ or
# /run/ftfw-lab/ID): a daemon's forks that outlived it (vsftpd's session
# processes, each in a network namespace of its own) are found this way;
# and the run's cgroup (ftfw-ID, anywhere in a cgroup2 tree).
leftovers() {
	local id=$1 left="" p f pat
	[ -n "$id" ] || { echo " no-run-id"; return; }
	pat="ftfw-lab/$id\b|/$id/|/$id\$|ftfw-$id-"
	[ "$(ip netns list 2>/dev/null | grep -c "ftfw-$id-")" -ne 0 ] && left="$left namespaces"
	[ -e "/run/ftfw-lab/$id.state" ] && left="$left state-file"
	[ -e "/run/ftfw-lab/$id" ] && left="$left scratch"
	grep -qE "$pat" /proc/self/mountinfo 2>/dev/null && left="$left mounts"
	# the run's cgroup (cgroup v2, wherever it is mounted), and any process in it
	for f in $(awk '{ for (i = 7; i < NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2") print $5; break } }' /proc/self/mountinfo 2>/dev/null); do
		while IFS= read -r p; do
			left="$left cgroup-${p#"$f"}($(wc -l <"$p/cgroup.procs" 2>/dev/null) processes)"
		done < <(find "$f" -mindepth 1 -type d -name "ftfw-$id" 2>/dev/null)
	done
	for p in /proc/[0-9]*; do
		[ "${p#/proc/}" = "$$" ] && continue
		if tr '\0' ' ' 2>/dev/null <"$p/cmdline" | grep -qE "$pat"; then
			left="$left process-${p#/proc/}($(cat "$p/comm" 2>/dev/null))"
			continue
		fi
		for f in "$p/cwd" "$p"/fd/*; do
			if readlink "$f" 2>/dev/null | grep -qE "$pat"; then
				left="$left process-${p#/proc/}($(cat "$p/comm" 2>/dev/null))-holds-$(readlink "$f")"
				break
			fi
		done
	done
	echo "$left"
}
