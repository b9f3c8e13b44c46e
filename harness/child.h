/*
 * child: a helper process of the harness that reports readiness, dies with
 * its parent and stops on SIGTERM. capture and events run their work in
 * one each: child_start() forks, the child does its set-up and says it is
 * ready (or why it is not), and child_start() returns only then, so that
 * nothing the harness does afterwards is missed. child_stop() sends
 * SIGTERM, lets the child drain, reaps it and returns what went wrong.
 *
 * The child tells its parent through a pipe, one line per message: "+"
 * once ready, "-text" for an error. The parent reads the first line in
 * child_start() and whatever is left in child_stop().
 */
#ifndef FTFW_CHILD_H
#define FTFW_CHILD_H

#include <sys/types.h>
#include "util.h"

/* The parent's handle on a running child. */
struct child;

/* The child's own side: its link to the parent and its stop signal. */
struct child_self;

/*
 * The child's work, run in the forked process with arg as given to
 * child_start() (the parent's memory, copied by fork()). Before it is
 * called the child already dies with its parent (PR_SET_PDEATHSIG), holds
 * none of the parent's descriptors but 0-2 and its status pipe, ignores
 * SIGPIPE, and receives SIGTERM/SIGINT only through child_signal_fd().
 *
 * It sets up, calls child_ready() once, works until child_signal_fd() is
 * readable, drains and returns the exit status: 0 when all went well,
 * else non-zero after telling the parent why with child_error().
 * A set-up failure is child_error() and a non-zero return without
 * child_ready(): child_start() then fails with that text.
 */
typedef int (*child_main_fn)(struct child_self *self, void *arg);

/*
 * Fork a child running fn(self, arg) and wait (at most 5 s) until it calls
 * child_ready(). name ("capture") is the context of every error that
 * child_start() and child_stop() set; a copy is kept (31 bytes). PDEATHSIG
 * fires when the forking *thread* exits: start children from a thread
 * that lives as long as they should.
 *
 * Returns a new handle (child_stop() reaps the child and frees it), or NULL
 * with err set to "name: " and the child's own complaint, or why there was
 * none ("not ready after 5000 ms", "child exited without a word", "pipe:
 * ...", "fork: ..."); the child is then reaped and no descriptor is left
 * open. errno is not part of the result: err says what happened.
 */
struct child *child_start(const char *name, child_main_fn fn, void *arg) FTFW_WUR;

/* The child's PID, for the run's state file (cleanup after SIGKILL). */
pid_t child_pid(const struct child *c);

/*
 * Stop: SIGTERM, up to 2 s for the child to drain and exit, then SIGKILL;
 * reaps it and frees c. Returns 0 when it exited 0 without reporting an
 * error, else -1 with err set to "name: " and the errors it reported
 * ("a; b"), or "child PID did not stop within 2000 ms; killed", "child PID
 * killed by signal N", "child PID exited with status N". NULL is accepted
 * (returns 0, err untouched).
 */
int child_stop(struct child *c);

/* ---- in the child, from its child_main_fn ---- */

/*
 * Readable (POLLIN) once SIGTERM or SIGINT has come: time to drain and
 * return. Owned by child.c; do not read or close it.
 */
int child_signal_fd(const struct child_self *self);

/* Tell the parent the child is ready: child_start() returns. Once. */
void child_ready(struct child_self *self);

/*
 * Tell the parent err_get() as an error (newlines become spaces). Before
 * child_ready() it is the reason child_start() fails; after, child_stop()
 * returns it. Silently nothing when the parent is gone.
 */
void child_error(struct child_self *self);

#endif
