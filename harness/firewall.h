/*
 * firewall: one member of the fault-tolerant pair. It owns the node's
 * nftables ruleset (forward policy drop, established/related accepted, new
 * FTP control connections LAN->WAN accepted, the ftp helper attached with
 * a `ct helper` object, optional SNAT to the WAN virtual IP) and starts
 * the node's sync daemon and, when keepalived drives failover, its VRRP
 * daemon. The ruleset is rendered from a template in firewall.c into the
 * run's results folder and loaded with `nft -f`.
 */
#ifndef FTFW_FIREWALL_H
#define FTFW_FIREWALL_H

#include "lab.h"
#include "syncd.h"

enum failover_driver {
	FAILOVER_DIRECT,      /* the harness isolates fw-1 and promotes fw-2 */
	FAILOVER_KEEPALIVED,  /* VRRP decides; its notify hook runs the transitions */
};

enum nat_mode {
	NAT_OFF,         /* routed: the server sees the client's address */
	NAT_SNAT,        /* SNAT LAN->WAN to the WAN virtual IP (right) */
	NAT_MASQUERADE,  /* masquerade: the node's own address (a known fault) */
};

const char *nat_mode_name(enum nat_mode m);  /* "off" "on" "masquerade" */
int nat_mode_parse(const char *s);            /* on|snat, off, masquerade; -1 */

/* Named counters of the ruleset (nft counter objects in table inet ftfw). */
#define FW_COUNTERS "established related ftp-control dropped nat guard"

struct fw_options {
	enum lab_family family;       /* which families the ruleset and VIPs cover */
	enum nat_mode nat;
	int input_guard;              /* drop new non-SYN TCP to the firewall itself (default on) */
	enum failover_driver driver;
	struct syncd_options sync;
};

/* Defaults: NAT on, direct failover, syncd_options defaults. */
void fw_options_default(struct fw_options *o);
const char *failover_driver_name(enum failover_driver d);
int failover_driver_parse(const char *s);

struct firewall;

/*
 * Bring up firewall role (ROLE_FW1 or ROLE_FW2) of lab l: ruleset,
 * conntrackd (and keepalived when driver is keepalived). Returns a new
 * firewall (firewall_free() stops its daemons) or NULL with err set.
 */
struct firewall *firewall_new(struct lab *l, enum lab_role role, const struct fw_options *o);
void firewall_free(struct firewall *fw);

/*
 * Both firewalls of lab l up, fw-1 active, as a pair starts: with the
 * direct driver, fw-1 takes the virtual IPs; with keepalived, fw-2's
 * keepalived starts only once fw-1 holds them, and the pair is up once
 * fw-2's notify hook has run for BACKUP (started together, fw-2 was
 * master for a moment under load, and that moment's commit later made a
 * failover replace the control conntrack and its expectations). fw[0]
 * and fw[1] are set as far as it got (each firewall_free()); 0 or -1
 * with err set.
 */
int firewall_pair_up(struct lab *l, const struct fw_options *o, struct firewall *fw[2]) FTFW_WUR;

struct node *firewall_node(const struct firewall *fw);
struct syncd *firewall_syncd(const struct firewall *fw);
enum lab_role firewall_role(const struct firewall *fw);

/* Render the nftables ruleset for role into buf. Pure; unit-tested. */
int firewall_render_ruleset(enum lab_role role, const struct fw_options *o, char *buf, size_t len) FTFW_WUR;
/* Render keepalived.conf for role, notify script path given. Pure. */
int firewall_render_keepalived(enum lab_role role, const char *notify, char *buf, size_t len) FTFW_WUR;

/* Is keepalived running on it (and its pid)? -1 when not used. */
pid_t firewall_keepalived_pid(const struct firewall *fw);
/* Its log (results folder), "" before keepalived started. */
const char *firewall_keepalived_log(const struct firewall *fw);
/*
 * Start keepalived on fw now (o's driver is keepalived). For a firewall
 * made with another driver in its options: the lab starts the backup's
 * keepalived only once the primary holds the virtual IPs, so that the
 * backup never sees a moment without a master at start-up (it would
 * become master for a moment, and its notify hook would commit).
 */
int firewall_start_vrrp(struct firewall *fw, const struct fw_options *o) FTFW_WUR;

/*
 * The VRRP transitions fw's keepalived notify hook has finished (its
 * conntrackd commands run): how many times it did state ("MASTER",
 * "BACKUP", "FAULT") so far; and waiting up to timeout_ms for its first.
 * The hook's log (<role>-notify.log) and its lines are this module's.
 */
int firewall_vrrp_done(const struct firewall *fw, const char *state);
int firewall_vrrp_wait(const struct firewall *fw, const char *state, int timeout_ms);

#endif
