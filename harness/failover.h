/*
 * failover: moving the active role from one firewall to the other, by
 * one of two drivers (an ops table):
 *   direct      the harness does it, deterministically and fast: isolate
 *               the failing firewall (its LAN and WAN links down), commit
 *               the new active firewall's external cache into its kernel,
 *               flush, resync and bulk-send (primary transition), then move
 *               the virtual IPs and announce them (gratuitous ARP).
 *               Committing before the IPs move means no packet reaches the
 *               new firewall before its state exists.
 *   keepalived  the harness only isolates the failing firewall; VRRP elects
 *               the other, whose notify hook runs the same transition. The
 *               harness waits until the hook reports it done.
 */
#ifndef FTFW_FAILOVER_H
#define FTFW_FAILOVER_H

#include "firewall.h"
#include "lab.h"

struct failover_result {
	int64_t isolate_ms;   /* from the start to the old firewall isolated */
	int64_t commit_ms;    /* the new firewall's transition (commit..bulk) */
	int64_t total_ms;     /* until the virtual IPs answer from the new one */
};

/*
 * Fail over from `from` to `to` (firewalls of lab l) with driver d.
 * Returns 0, or -1 with err set (a lab fault: a command failed, the
 * driver did not converge in time).
 */
int failover_run(struct lab *l, struct firewall *from, struct firewall *to, enum failover_driver d,
		 struct failover_result *res) FTFW_WUR;

/* Bring an isolated firewall's links back (before a failback). */
int failover_restore(struct lab *l, struct firewall *fw) FTFW_WUR;

#endif
