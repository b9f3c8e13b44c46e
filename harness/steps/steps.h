/*
 * steps: what the step families share (the files of harness/steps): each family's
 * struct step_def (listed in table.c), and the few helpers more than one
 * family uses. A step is written against engine/step.h only.
 */
#ifndef FTFW_STEPS_STEPS_H
#define FTFW_STEPS_STEPS_H

#include <string.h>

#include "ct.h"
#include "engine/step.h"

#define STEP_DEFAULT_WITHIN_MS 3000

/* transfer.c */
extern const struct step_def step_transfer, step_wait_progress, step_transfer_done;
/* ftp.c */
extern const struct step_def step_ftp;
/* state.c */
extern const struct step_def step_expect, step_counter, step_show_state, step_log_has;
/* failover.c */
extern const struct step_def step_failover_def, step_failback;
/* faults.c */
extern const struct step_def step_link, step_daemon, step_syncd, step_netem, step_loss;
/* inject.c */
extern const struct step_def step_inject, step_inject_expect;
/* program.c */
extern const struct step_def step_exec, step_spawn, step_pause, step_note_def;
/* replay.c, replay_verdict.c */
extern const struct step_def step_replay, step_replay_continue, step_replay_verdict;
/* sysctl.c */
extern const struct step_def step_sysctl;

/* state.c: a firewall's table (kernel) or conntrackd cache into out. */
int steps_fetch(struct step_ctx *c, int k, enum ct_source src, enum ct_kind kind, struct ct_list *out) FTFW_WUR;
/* Both firewalls' kernel tables (and the standby's external cache) as
 * report notes; only: 0 or 1 for one firewall, -1 for both. */
int steps_show_pair(struct step_ctx *c, int only) FTFW_WUR;
int steps_show_state(struct step_ctx *c, int k, enum ct_source src) FTFW_WUR;
/*
 * Is every expectation and established TCP conntrack of the active
 * firewall's kernel in the standby's external cache? 1, 0 (*what names
 * the first one missing), or -1 with err set.
 */
int steps_standby_in_sync(struct step_ctx *c, char *what, size_t wlen);

/* replay.c: a replay the run started, by name (NULL, err set: none). */
struct replay;
struct replay *steps_replay_find(struct step_ctx *c, const char *name);

/* name is "<prefix>.<rest>": rest, else NULL (the variables a step defines). */
static inline const char *steps_after_prefix(const char *name, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(name, prefix, n) == 0 && name[n] == '.' ? name + n + 1 : NULL;
}

/* ip=4|6 on a step, else the lab's family (dual talks IPv4): 0 or -1. */
int steps_wants_ipv6(struct step_ctx *c, const struct args *a, int *v6) FTFW_WUR;

#endif
