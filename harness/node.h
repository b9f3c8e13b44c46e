/*
 * node: a host of the lab (client, fw-1, fw-2, server, and the two bridge
 * hosts), and the way to run programs on it. A node owns its network
 * namespace; programs started on it run inside that namespace with their
 * own view of /sys, and every process started is recorded in the run's
 * state file, so cleanup can stop it by PID even after a crash.
 *
 * Where a node lives is its backend, an ops table in node.c (create,
 * destroy, start a program, call a function inside, is a process alive,
 * signal it); every node_*() call goes through it. The one backend today
 * is "netns": a network namespace of this host (inside a VM for kernels
 * under test, the guest's). A firewall that is a machine of its own is a
 * second backend behind the same calls.
 */
#ifndef FTFW_NODE_H
#define FTFW_NODE_H

#include <sys/types.h>
#include "run.h"
#include "util.h"

struct node;

/*
 * Create the node role in run r: namespace "ftfw-<id>-<role>", loopback
 * up. Returns a new node (node_free() releases the handle; the namespace
 * itself is removed by run_finish()) or NULL with err set.
 */
struct node *node_new(struct run *r, const char *role);
void node_free(struct node *n);

const char *node_role(const struct node *n);
const char *node_netns(const struct node *n);
/* The node's network namespace, for modules that open netlink or packet
 * sockets in it (netns backend; not owned). */
int node_fd(const struct node *n);
struct run *node_run_of(const struct node *n);

/* Run fn(arg) inside the node (its network namespace, its /proc/sys) and
 * come back; fn's result (-1 with err set by fn). */
int node_call(struct node *n, int (*fn)(void *arg), void *arg) FTFW_WUR;

/* Send sig to pid, a process of the node. 0 or -1 with err set. */
int node_signal(struct node *n, pid_t pid, int sig) FTFW_WUR;

/*
 * Start argv[0] (looked up in PATH) on the node, stdout and stderr
 * appended to log_path (created 0644, never through a symlink), stdin
 * from /dev/null. The process is tracked in the run's state file and
 * receives SIGTERM if the harness dies. Returns its PID or -1 with err set.
 */
pid_t node_spawn(struct node *n, char *const argv[], const char *log_path) FTFW_WUR;

/*
 * Run argv to completion on the node, with a deadline (killed after
 * timeout_ms). Output (stdout and stderr together) is returned in *out
 * when out is not NULL (newly allocated, free()). Returns the exit status
 * (0..255), or -1 with err set when it could not run, was killed, or
 * timed out (err names the command).
 */
int node_exec(struct node *n, char *const argv[], int timeout_ms, char **out) FTFW_WUR;

/*
 * With on, daemons started from now on outlive the harness (--keep);
 * by default they get SIGTERM when it dies.
 */
void node_keep_daemons(int on);

/*
 * Load an nftables text into the node: written to the run's results
 * folder as file (kept, for the reader of the results) and loaded with
 * `nft -f` there, with a deadline. 0, or -1 with err set to "nft -f PATH:
 * exit N: what nft said" (or why it could not run).
 */
int node_nft_load(struct node *n, const char *file, const char *text, int timeout_ms) FTFW_WUR;

/* Write a sysctl inside the node ("net/ipv4/ip_forward", "1"). */
int node_sysctl(struct node *n, const char *key, const char *value) FTFW_WUR;
/* Read one inside the node, its trailing newline dropped, into buf. */
int node_sysctl_read(struct node *n, const char *key, char *buf, size_t len) FTFW_WUR;

/* Is pid (started by node_spawn) still running? Reaps it if it exited,
 * and then *status (if not NULL) gets its wait status. */
int node_alive(struct node *n, pid_t pid, int *status);

#endif
