/*
 * run: one execution of the harness. It owns the run id, the results
 * folder (results/<scenario>/<run id>/, kept), the scratch folder
 * (/run/ftfw-lab/<run id>/: sockets, lock files, the FTP root; removed)
 * and the state file (/run/ftfw-lab/<run id>.state) that records every
 * namespace and process the run creates, as it creates them. Cleanup
 * removes exactly what the state file lists, so it works after a crash
 * or SIGKILL too (`run-scenario --cleanup`), and never touches anything
 * this project did not make. Processes are identified by PID and start
 * time, so a recycled PID is never killed.
 */
#ifndef FTFW_RUN_H
#define FTFW_RUN_H

#include <sys/types.h>
#include "util.h"

#define RUN_STATE_DIR "/run/ftfw-lab"

struct run;

/*
 * Start a run: pick an id (6 hex digits, unique among live state files),
 * create the results folder under results_root/<label>/<id> (mode 0755,
 * refusing symlinks on the way), the scratch folder and the state file.
 * Returns a new run (run_finish() frees it) or NULL with err set.
 */
struct run *run_new(const char *results_root, const char *label);

const char *run_id(const struct run *r);
const char *run_dir(const struct run *r);      /* results folder */
const char *run_scratch(const struct run *r);  /* scratch folder */

/* "ftfw-<id>-<role>": the namespace name for a role. */
int run_netns_name(const struct run *r, const char *role, char *buf, size_t len) FTFW_WUR;

/* Record a namespace / a process before (namespace) or right after
 * (process) creating it. 0 or -1 with err set. */
int run_track_netns(struct run *r, const char *name) FTFW_WUR;
int run_track_pid(struct run *r, pid_t pid, const char *what) FTFW_WUR;
/* The process has been reaped; forget it. */
void run_untrack_pid(struct run *r, pid_t pid);

/*
 * Stop a tracked process: SIGTERM, wait up to grace_ms, then SIGKILL.
 * Reaps it when it is our child. Returns its wait status when known, else 0.
 */
int run_stop_pid(struct run *r, pid_t pid, int grace_ms);

/*
 * Tear down everything tracked (processes, then namespaces, then the
 * scratch folder and the state file) and free r. Returns 0, or -1 with
 * err set when something could not be removed (it still tries the rest).
 */
int run_finish(struct run *r);

/*
 * Leave everything in place (--keep): the state file is marked "kept" so
 * that only an explicit `--cleanup` removes it. Frees r.
 */
void run_abandon(struct run *r);

/*
 * Reclaim what dead runs left behind: every state file in RUN_STATE_DIR
 * whose owner process is gone is replayed as a teardown. A live run's
 * state is left alone, and so is a kept lab unless include_kept.
 * *reclaimed gets the number of runs reclaimed.
 */
int run_reclaim_stale(int include_kept, int *reclaimed);

/* Start time of a process (clock ticks since boot, /proc/PID/stat field 22), 0 if gone. */
unsigned long long run_pid_starttime(pid_t pid);

#endif
