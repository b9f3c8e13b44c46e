/*
 * netns: named network namespaces, made the way iproute2 makes them
 * (a bind mount of the namespace under /run/netns/NAME, so `ip netns exec`
 * works on a live lab), entered the way iproute2 enters them, and sockets
 * opened inside a namespace from a process that lives outside it.
 */
#ifndef FTFW_NETNS_H
#define FTFW_NETNS_H

#include "util.h"

#define NETNS_RUN_DIR "/run/netns"

/*
 * Create the named namespace NAME (visible to `ip netns`). The calling
 * thread's own namespace is unchanged. Returns 0, or -1 with err set
 * (EEXIST when the name is taken).
 */
int netns_add(const char *name) FTFW_WUR;

/* Remove the named namespace (unmount and unlink). Missing is not an error. */
int netns_del(const char *name);

/* Open the named namespace: O_RDONLY|O_CLOEXEC fd, or -1 with err set. */
int netns_open(const char *name) FTFW_WUR;

/*
 * Move the calling thread into the namespace fd. For a process about to
 * exec a daemon, netns_enter_exec() also unshares the mount namespace and
 * remounts /sys so that the daemon sees the namespace's own interfaces.
 */
int netns_enter(int fd) FTFW_WUR;
int netns_enter_exec(int fd) FTFW_WUR;

/*
 * A socket created inside the namespace nsfd, returned to a caller that
 * stays where it was (sockets keep the namespace they were made in).
 * Returns the fd (SOCK_CLOEXEC added) or -1 with err set.
 */
int netns_socket(int nsfd, int domain, int type, int protocol) FTFW_WUR;

/*
 * Run fn(arg) with the calling thread inside nsfd, then come back.
 * Returns fn's result, or -1 with err set when entering or leaving failed.
 */
int netns_call(int nsfd, int (*fn)(void *arg), void *arg) FTFW_WUR;

#endif
