/*
 * step: the contract between the engine and a step. A step is one file
 * in harness/steps/ (or one of a family there) that defines a struct
 * step_def, and one row of the table in harness/steps/table.c.
 *
 * A step declares its words as data (struct step_schema, engine/args.h):
 * the scenario parser validates them with it at --check time, and the
 * engine again, expanded, right before run() is called with the typed
 * result. run() sees the lab through a step context (struct step_ctx,
 * opaque: the firewalls, the nodes, the server, verdicts, variables,
 * report notes, the run's results folder), never the engine itself.
 *
 * What run() returns, and the two tiers of failure:
 *
 *   0   the step did what it does. A check has recorded its verdict with
 *       step_verdict() (held or not: a check that does not hold is a
 *       verdict, never an error), or was skipped with step_skip() (with
 *       the reason: the session it needs failed earlier).
 *  -1   a fault of the lab or of the scenario, err set: a daemon that
 *       will not answer, a command the kernel refused, a name no earlier
 *       step defined, a lab without the server the step needs. The run
 *       stops, the rest is torn down, the exit code is 2 and the message
 *       names file:line and what the lab said.
 *
 * The same problem is the same tier in every step: "the lab has no FTP
 * server" is -1 in transfer and in ftp connect alike; "the connection
 * was refused" is a verdict of the check that made it.
 */
#ifndef FTFW_ENGINE_STEP_H
#define FTFW_ENGINE_STEP_H

#include <sys/types.h>
#include "engine/args.h"
#include "lab.h"
#include "util.h"

struct firewall;
struct server;
struct report;
struct scenario;
struct sc_step;
struct lab_options;

/* Step flags. */
#define STEP_CHECK 0x1u  /* records a verdict; a "with fault=... {" block gives it its options */

struct step_ctx;

struct step_def {
	const char *verb;
	unsigned flags;                 /* STEP_CHECK */
	unsigned args_flags;            /* ARGS_TERMS, ARGS_PROGRAM */
	struct step_schema schema;
	int (*run)(struct step_ctx *c, const struct args *a);
	const char *usage, *help;
	/* Once the step (as written) has run, is variable name set? NULL: none. */
	int (*defines)(int argc, char *const argv[], const char *name);
};

/* The step table (harness/steps/table.c). */
extern const struct step_def *const step_table[];
extern const size_t step_table_len;

/* ---- what run() may use ---- */

/* The step's own place: its line in the scenario. */
int step_line(const struct step_ctx *c);

/* Record a check's verdict: held, and what was found when it did not
 * (detail, may be NULL; a known fault's evidence is looked for in it). */
void step_verdict(struct step_ctx *c, const struct args *a, int held, const char *detail);
/* The same under another name (a TAP line per packet): name is the line,
 * found where a known fault's evidence is looked for, no timing. */
void step_verdict_named(struct step_ctx *c, const struct args *a, const char *name, int held, const char *found);
/* Skip a check with the reason. */
void step_skip(struct step_ctx *c, const struct args *a, const char *why);

/* The lab. */
struct lab *step_lab(struct step_ctx *c);
struct node *step_node(struct step_ctx *c, enum lab_role role);
/* Firewall k (0: fw1, 1: fw2), or NULL before it exists. */
struct firewall *step_fw(struct step_ctx *c, int k);
int step_active(const struct step_ctx *c);          /* index of the active firewall */
struct server *step_server(struct step_ctx *c);     /* NULL: lab server=off */
const struct lab_options *step_lab_options(const struct step_ctx *c);
/* A file of the run's results folder: "DIR/NAME" into buf. 0 or -1 (err). */
int step_results_path(const struct step_ctx *c, const char *name, char *buf, size_t len) FTFW_WUR;
/* Stop waiting: a signal asked the run to end. */
int step_interrupted(void);

/*
 * Move the active role to firewall target (0 or 1) with the lab's
 * failover driver: restores target's links, fails over, sets
 * $failover_ms and notes the timings. 0 or -1 with err set.
 */
int step_failover(struct step_ctx *c, int target) FTFW_WUR;

/* The daemon pid was ended by this step on purpose: the daemon watch
 * must not take its end for a fault of the lab. 0 or -1 (err). */
int step_ended_on_purpose(struct step_ctx *c, pid_t pid) FTFW_WUR;

/* Variables learned at run time ($c1.port): set one (a name too long or
 * too many is reported as the step's error after run() returns). */
void step_set_var(struct step_ctx *c, const char *name, const char *fmt, ...) FTFW_FMT(3, 4);
/*
 * Void every variable "prefix.*" a failed session set, with the reason:
 * later steps that name one are skipped with it (instead of an
 * undefined-variable error).
 */
void step_void_vars(struct step_ctx *c, const char *prefix, const char *why);

/* A note in the report. */
void step_note(struct step_ctx *c, const char *fmt, ...) FTFW_FMT(2, 3);

/*
 * A step family's state for the whole run (its transfers, sessions,
 * replays), made on first use: size bytes zeroed, and release(p) called
 * at teardown, before the lab goes (even with --keep). The same key gives
 * the same state. NULL (err set) past ENGINE_MAX_STATES families.
 */
void *step_state(struct step_ctx *c, const char *key, size_t size, void (*release)(void *p));

#endif
