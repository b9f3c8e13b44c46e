/*
 * capture: a pcap file per lab interface, for the reader of a run's results
 * (opens in Wireshark). One child process holds a libpcap handle on every
 * interface (each opened inside its node's namespace) and writes until it
 * is stopped. capture_start() returns only when every handle is active, so
 * no packet sent afterwards is missed.
 */
#ifndef FTFW_CAPTURE_H
#define FTFW_CAPTURE_H

#include <sys/types.h>
#include "util.h"

struct capture_iface {
	const char *netns;  /* named namespace (netns.h) */
	const char *ifname; /* interface inside it */
	const char *path;   /* pcap file to write */
};

struct capture;

/*
 * Start capturing on n interfaces (snaplen 262144, not promiscuous-
 * dependent, immediate mode). Returns a new handle (capture_stop() frees
 * it) or NULL with err set naming the interface that failed.
 */
struct capture *capture_start(const struct capture_iface *ifs, size_t n);

/* The child's PID, for the run's state file (cleanup after SIGKILL). */
pid_t capture_pid(const struct capture *c);

/*
 * Stop: SIGTERM to the child, which flushes and closes every file; wait
 * for it (at most 2 s, then SIGKILL). Frees c. Returns 0, or -1 with err
 * set when the child reported an error. NULL is accepted.
 */
int capture_stop(struct capture *c);

#endif
