/*
 * cgroup: a cgroup v2 group per run, holding the harness while the run
 * lasts and so every process the run starts and everything those fork,
 * whatever namespace they move to (vsftpd's session processes, a daemon
 * that double-forks): what PID lists can miss, a cgroup cannot. At the
 * end the harness leaves it and whatever is still in it is ended at once
 * (cgroup.kill; on kernels before 5.14, frozen with cgroup.freeze first,
 * then SIGKILLed one by one, so that nothing can fork meanwhile), and the
 * group is removed.
 *
 * The group is made under the cgroup the harness is in, named by the
 * caller ("ftfw-<run id>"), in the first cgroup2 mount of /proc/self/
 * mountinfo (a cgroup v1 machine's unified hierarchy serves: no
 * controller is needed). Machines without cgroup v2 get an error from
 * cgroup_new(); the caller carries on without (and says so).
 */
#ifndef FTFW_CGROUP_H
#define FTFW_CGROUP_H

#include <stddef.h>
#include "util.h"

struct cgroup;

/* The mount point of the first cgroup2 file system (/proc/self/mountinfo)
 * into buf. 0, or -1 with err set when there is none. */
int cgroup_mount_point(char *buf, size_t len) FTFW_WUR;

/*
 * Make the group name under this process's cgroup. Returns the handle
 * (cgroup_end() or cgroup_leave() frees it) or NULL with err set; nothing
 * is left made.
 */
struct cgroup *cgroup_new(const char *name) FTFW_WUR;

/* Move this process (all its threads) into the group: what it forks from
 * now on is in it. 0 or -1 with err set. */
int cgroup_enter(struct cgroup *cg) FTFW_WUR;

/* The group's folder ("/sys/fs/cgroup/unified/ftfw-1a2b3c"), for the
 * run's state file: cgroup_kill_path() ends it after a crash. */
const char *cgroup_path(const struct cgroup *cg);

/*
 * Move this process back to where it was and end the group: every process
 * still in it is killed, and the group removed. what (may be NULL) gets
 * "vsftpd 1234, vsftpd 1240" for the ones that were left (empty when
 * none); *nkilled their number. Frees cg. 0, or -1 with err set (the group
 * could not be emptied or removed: its path is in err).
 */
int cgroup_end(struct cgroup *cg, int *nkilled, char *what, size_t len) FTFW_WUR;

/* Move this process back to where it was and leave the group as it is
 * (a kept lab: its processes stay in it). Frees cg. */
void cgroup_leave(struct cgroup *cg);

/*
 * End the group at path (from a dead run's state file). Only a folder
 * whose last component is name, inside a cgroup2 mount and without a ".."
 * component, is touched: 1 with err set to why, when it is not such a
 * folder (left alone). 0 when it is gone (or was never there), -1 with
 * err set when it could not be ended.
 */
int cgroup_kill_path(const char *path, const char *name, int *nkilled, char *what, size_t len) FTFW_WUR;

#endif
