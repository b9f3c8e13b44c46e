/*
 * events: the conntrack and expectation events of one firewall, with
 * wall-clock timestamps, written to a file while the run goes on. A child
 * process subscribes to ctnetlink's NEW/UPDATE/DESTROY groups for
 * conntracks and expectations inside the firewall's namespace.
 *
 * Line format (one event a line):
 *   2026-11-27T14:10:07.123456Z [NEW] ct tcp src=192.0.2.10 dst=... helper=ftp ...
 *   2026-11-27T14:10:07.124001Z [NEW] expect ...
 */
#ifndef FTFW_EVENTS_H
#define FTFW_EVENTS_H

#include <sys/types.h>
#include "util.h"

struct events;

/* Start logging the events of namespace netns into path. Returns when the
 * subscription is active. New handle (events_stop() frees) or NULL, err set. */
struct events *events_start(const char *netns, const char *path);
pid_t events_pid(const struct events *e);
/* SIGTERM, wait (2 s, then SIGKILL), free. NULL accepted. */
int events_stop(struct events *e);

#endif
