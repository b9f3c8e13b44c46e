/* firewall: ruleset, sync daemon and VRRP daemon of one firewall. See firewall.h. */
#include "firewall.h"
#include "run.h"
#include "until.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NFT_TIMEOUT_MS 10000

struct firewall {
	struct lab *lab;      /* not owned */
	struct node *node;    /* not owned (the lab's) */
	enum lab_role role;
	struct syncd *syncd;  /* owned */
	pid_t keepalived;     /* -1 when not used */
	char keepalived_log[512]; /* "" until keepalived started */
};

static const char *const drivers[] = {
	[FAILOVER_DIRECT] = "direct",
	[FAILOVER_KEEPALIVED] = "keepalived",
};

const char *failover_driver_name(enum failover_driver d) { return drivers[d]; }

int failover_driver_parse(const char *s)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(drivers); i++)
		if (strcmp(s, drivers[i]) == 0)
			return (int)i;
	return -1;
}

static const char *const nat_modes[] = {
	[NAT_OFF] = "off",
	[NAT_SNAT] = "on",
	[NAT_MASQUERADE] = "masquerade",
};

const char *nat_mode_name(enum nat_mode m) { return nat_modes[m]; }

int nat_mode_parse(const char *s)
{
	if (strcmp(s, "snat") == 0)
		return NAT_SNAT;
	for (size_t i = 0; i < ARRAY_SIZE(nat_modes); i++)
		if (strcmp(s, nat_modes[i]) == 0)
			return (int)i;
	return -1;
}

void fw_options_default(struct fw_options *o)
{
	memset(o, 0, sizeof(*o));
	o->nat = NAT_SNAT;
	o->input_guard = 1;
	o->driver = FAILOVER_DIRECT;
	syncd_options_default(&o->sync);
}

/* The NAT rule of each IP family: its match and its SNAT target. */
static const struct nat_plan {
	int v6;   /* 0: the IPv4 rule, 1: the IPv6 rule */
	const char *match, *snat;
} nat_rules[] = {
	{ 0, "ip saddr " LAB_LAN_NET, "snat ip to " LAB_WAN_VIP },
	{ 1, "ip6 saddr " LAB_LAN_NET6, "snat ip6 to " LAB_WAN_VIP6 },
};

/* Does the lab's family f route this IP family through the firewalls? */
static int nat_rule_wanted(const struct nat_plan *p, enum lab_family f)
{
	switch (f) {
	case LAB_FAMILY_IPV4:
		return !p->v6;
	case LAB_FAMILY_IPV6:
		return p->v6;
	case LAB_FAMILY_DUAL:
		return 1;
	}
	return 0;
}

/*
 * The ruleset. Chain names avoid nft 1.0.6's parser keywords ("fwd",
 * "in"). The ftp helper is attached explicitly (no automatic helper
 * assignment since 6.0); `ct helper "ftp"` on a related connection matches
 * its master's helper, so only data connections the ftp helper expected
 * are let through.
 */
int firewall_render_ruleset(enum lab_role role, const struct fw_options *o, char *buf, size_t len)
{
	char nat[512] = "", guard[256] = "";
	size_t i, used = 0;
	int rc = 0;

	if (role != ROLE_FW1 && role != ROLE_FW2)
		return err_set("ruleset: %s is not a firewall", lab_role_name(role));
	for (i = 0; i < ARRAY_SIZE(nat_rules) && rc == 0; i++) {
		const struct nat_plan *p = &nat_rules[i];

		if (!nat_rule_wanted(p, o->family))
			continue;
		switch (o->nat) {
		case NAT_OFF:
			break;
		case NAT_SNAT:
			/* SNAT to the virtual IP: the address moves with the active role. */
			rc = str_fmt(nat + used, sizeof(nat) - used,
				     "\t\toifname \"" LAB_IF_WAN "\" %s counter name \"nat\" %s\n",
				     p->match, p->snat);
			break;
		case NAT_MASQUERADE:
			/* The node's own address: a known fault, connections break on failover. */
			rc = str_fmt(nat + used, sizeof(nat) - used,
				     "\t\toifname \"" LAB_IF_WAN "\" %s counter name \"nat\" masquerade\n",
				     p->match);
			break;
		}
		used = strlen(nat);
	}
	if (rc < 0)
		return -1;
	/*
	 * keepalived adds the virtual IPs before its notify hook commits the
	 * synced state: a NATed connection's packet arriving in that window
	 * is addressed to the firewall itself, and its TCP stack would answer
	 * with a RST that kills the connection. Dropping new non-SYN TCP to
	 * the firewall closes the window (the retransmission finds the state).
	 */
	if (o->input_guard &&
	    str_fmt(guard, sizeof(guard),
		    "\tchain input_guard {\n"
		    "\t\ttype filter hook input priority filter; policy accept;\n"
		    "\t\tct state new tcp flags & (fin|syn|rst|ack) != syn counter name \"guard\" drop\n"
		    "\t}\n") < 0)
		return -1;
	return str_fmt(buf, len,
		       "# nftables ruleset for %s, rendered by ftfw-lab\n"
		       "flush ruleset\n"
		       "table inet ftfw {\n"
		       "\tcounter established { }\n"
		       "\tcounter related { }\n"
		       "\tcounter ftp-control { }\n"
		       "\tcounter dropped { }\n"
		       "\tcounter nat { }\n"
		       "\tcounter guard { }\n"
		       "\tct helper ftp-std {\n"
		       "\t\ttype \"ftp\" protocol tcp\n"
		       "\t\tl3proto inet\n"
		       "\t}\n"
		       "\tchain pre_helper {\n"
		       "\t\ttype filter hook prerouting priority filter; policy accept;\n"
		       "\t\tiifname \"" LAB_IF_LAN "\" tcp dport 21 ct state new ct helper set \"ftp-std\"\n"
		       "\t}\n"
		       "\tchain forward_filter {\n"
		       "\t\ttype filter hook forward priority filter; policy drop;\n"
		       "\t\tct state established counter name \"established\" accept\n"
		       "\t\tct state related ct helper \"ftp\" counter name \"related\" accept\n"
		       "\t\tiifname \"" LAB_IF_LAN "\" oifname \"" LAB_IF_WAN "\" tcp dport 21 ct state new"
		       " counter name \"ftp-control\" accept\n"
		       "\t\tcounter name \"dropped\"\n"
		       "\t}\n"
		       "%s"
		       "\tchain post_nat {\n"
		       "\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
		       "%s"
		       "\t}\n"
		       "}\n",
		       lab_role_name(role), guard, nat);
}

/*
 * keepalived.conf for role. VRRP stays IPv4 (unicast between the
 * firewalls' own IPv4 addresses); with IPv6 in the lab, each instance also
 * carries its IPv6 virtual IP as virtual_ipaddress_excluded: moved with the
 * instance (keepalived adds and removes it, and announces it with an
 * unsolicited Neighbour Advertisement), but not in the VRRP adverts, which
 * may carry one address family only.
 */
static int render_keepalived(enum lab_role role, enum lab_family family, const char *notify, char *buf,
			     size_t len)
{
	int fw1 = role == ROLE_FW1;
	const char *lan_me = fw1 ? LAB_FW1_LAN : LAB_FW2_LAN, *lan_peer = fw1 ? LAB_FW2_LAN : LAB_FW1_LAN;
	const char *wan_me = fw1 ? LAB_FW1_WAN : LAB_FW2_WAN, *wan_peer = fw1 ? LAB_FW2_WAN : LAB_FW1_WAN;
	const char *state = fw1 ? "MASTER" : "BACKUP";
	const char *lan6 = "", *wan6 = "";
	int prio = fw1 ? 150 : 100;

	if (strchr(notify, '"') || strchr(notify, '\n'))
		return err_set("keepalived: unsafe notify path");
	if (lab_family_has_v6(family)) {
		lan6 = "\tvirtual_ipaddress_excluded {\n\t\t" LAB_LAN_VIP6 "/64 dev " LAB_IF_LAN "\n\t}\n";
		wan6 = "\tvirtual_ipaddress_excluded {\n\t\t" LAB_WAN_VIP6 "/64 dev " LAB_IF_WAN "\n\t}\n";
	}
	/*
	 * Unicast VRRP (version 3, 200 ms adverts): every packet stays on lab
	 * addresses, and a dead master is noticed in about 0.7 s.
	 */
	return str_fmt(buf, len,
		       "# keepalived for %s, rendered by ftfw-lab\n"
		       "global_defs {\n"
		       "\trouter_id %s\n"
		       "\tscript_user root\n"
		       "\tvrrp_version 3\n"
		       "\tvrrp_garp_master_delay 0\n"
		       "\tvrrp_garp_master_repeat 2\n"
		       "}\n"
		       "vrrp_sync_group FTFW {\n"
		       "\tgroup {\n\t\tLAN\n\t\tWAN\n\t}\n"
		       "\tnotify \"%s\"\n"
		       "}\n"
		       "vrrp_instance LAN {\n"
		       "\tstate %s\n\tinterface " LAB_IF_LAN "\n\tvirtual_router_id 51\n"
		       "\tpriority %d\n\tadvert_int 0.2\n"
		       "\tunicast_src_ip %s\n\tunicast_peer {\n\t\t%s\n\t}\n"
		       "\tvirtual_ipaddress {\n\t\t" LAB_LAN_VIP "/24 dev " LAB_IF_LAN "\n\t}\n"
		       "%s"
		       "}\n"
		       "vrrp_instance WAN {\n"
		       "\tstate %s\n\tinterface " LAB_IF_WAN "\n\tvirtual_router_id 52\n"
		       "\tpriority %d\n\tadvert_int 0.2\n"
		       "\tunicast_src_ip %s\n\tunicast_peer {\n\t\t%s\n\t}\n"
		       "\tvirtual_ipaddress {\n\t\t" LAB_WAN_VIP "/24 dev " LAB_IF_WAN "\n\t}\n"
		       "%s"
		       "}\n",
		       lab_role_name(role), lab_role_name(role), notify, state, prio, lan_me, lan_peer, lan6,
		       state, prio, wan_me, wan_peer, wan6);
}

/* The IPv4 lab's keepalived.conf (firewall.h's pure renderer). */
int firewall_render_keepalived(enum lab_role role, const char *notify, char *buf, size_t len)
{
	return render_keepalived(role, LAB_FAMILY_IPV4, notify, buf, len);
}

/*
 * keepalived's notify hook: conntrack-tools' primary-backup.sh. Every
 * transition is logged with a timestamp so the harness can wait for it.
 */
static int write_notify(struct firewall *fw, char *path, size_t len)
{
	struct run *r = node_run_of(fw->node);
	char text[2048];
	const char *conf = syncd_conf(fw->syncd);

	if (str_fmt(path, len, "%s/%s-notify.sh", run_dir(r), node_role(fw->node)) < 0)
		return -1;
	if (strchr(conf, '\'') || strchr(run_dir(r), '\''))
		return err_set("notify: unsafe path");
	if (str_fmt(text, sizeof(text),
		    "#!/bin/sh\n"
		    "# keepalived notify hook for %s (conntrack-tools primary-backup.sh)\n"
		    "# called as: $0 GROUP <name> <MASTER|BACKUP|FAULT> <priority>\n"
		    "CONF='%s'\n"
		    "LOG='%s/%s-notify.log'\n"
		    "ctd() { conntrackd -C \"$CONF\" \"$@\" >>\"$LOG\" 2>&1 || echo \"conntrackd $* failed\" >>\"$LOG\"; }\n"
		    "echo \"$(date +%%s.%%N) $3 begin\" >>\"$LOG\"\n"
		    "case \"$3\" in\n"
		    "MASTER) ctd -c; ctd -f; ctd -R; ctd -B ;;\n"
		    "BACKUP) ctd -t; ctd -n ;;\n"
		    "FAULT) ctd -t ;;\n"
		    "esac\n"
		    "echo \"$(date +%%s.%%N) $3 done\" >>\"$LOG\"\n",
		    node_role(fw->node), conf, run_dir(r), node_role(fw->node)) < 0)
		return -1;
	return file_write(path, text, strlen(text), 0755);
}

/* The notify hook's log, and a finished transition's line in it. */
static int notify_log(const struct firewall *fw, char *path, size_t len)
{
	return str_fmt(path, len, "%s/%s-notify.log", run_dir(node_run_of(fw->node)), node_role(fw->node));
}

static int notify_line(const char *state, char *line, size_t len)
{
	return str_fmt(line, len, " %s done", state);
}

const char *firewall_keepalived_log(const struct firewall *fw)
{
	return fw->keepalived_log;
}

int firewall_vrrp_done(const struct firewall *fw, const char *state)
{
	char path[512], line[32];

	if (notify_log(fw, path, sizeof(path)) < 0 || notify_line(state, line, sizeof(line)) < 0)
		return 0;
	return file_count(path, line);
}

int firewall_vrrp_wait(const struct firewall *fw, const char *state, int timeout_ms)
{
	char path[512], line[32];

	if (notify_log(fw, path, sizeof(path)) < 0 || notify_line(state, line, sizeof(line)) < 0)
		return 0;
	return file_wait(path, 0, line, 1, timeout_ms);
}

static int start_keepalived(struct firewall *fw, const struct fw_options *o)
{
	struct run *r = node_run_of(fw->node);
	const char *role = node_role(fw->node);
	char notify[512], conf[512], *log = fw->keepalived_log, pid1[256], pid2[256], text[4096];

	if (write_notify(fw, notify, sizeof(notify)) < 0 ||
	    str_fmt(conf, sizeof(conf), "%s/%s-keepalived.conf", run_dir(r), role) < 0 ||
	    str_fmt(log, sizeof(fw->keepalived_log), "%s/%s-keepalived.log", run_dir(r), role) < 0 ||
	    str_fmt(pid1, sizeof(pid1), "%s/%s-keepalived.pid", run_scratch(r), role) < 0 ||
	    str_fmt(pid2, sizeof(pid2), "%s/%s-vrrp.pid", run_scratch(r), role) < 0 ||
	    render_keepalived(fw->role, o->family, notify, text, sizeof(text)) < 0 ||
	    file_write(conf, text, strlen(text), 0644) < 0)
		return -1;
	{
		char *argv[] = { "keepalived", "--dont-fork", "--log-console", "--log-detail",
				 "--vrrp", "--use-file", conf, "--pid", pid1, "--vrrp_pid", pid2, NULL };

		fw->keepalived = node_spawn(fw->node, argv, log);
	}
	return fw->keepalived < 0 ? err_prefix("keepalived") : 0;
}

static int load_ruleset(struct firewall *fw, const struct fw_options *o)
{
	char file[64], text[4096];

	if (firewall_render_ruleset(fw->role, o, text, sizeof(text)) < 0 ||
	    str_fmt(file, sizeof(file), "%s-ruleset.nft", node_role(fw->node)) < 0 ||
	    node_nft_load(fw->node, file, text, NFT_TIMEOUT_MS) < 0)
		return err_prefix("ruleset");
	return 0;
}

struct firewall *firewall_new(struct lab *l, enum lab_role role, const struct fw_options *o)
{
	struct firewall *fw = xcalloc(1, sizeof(*fw));

	fw->lab = l;
	fw->role = role;
	fw->node = lab_node(l, role);
	fw->keepalived = -1;
	if (load_ruleset(fw, o) < 0)
		goto out_fail;
	fw->syncd = syncd_start(fw->node, role == ROLE_FW1 ? 1 : 2, &o->sync);
	if (!fw->syncd)
		goto out_fail;
	if (o->driver == FAILOVER_KEEPALIVED && start_keepalived(fw, o) < 0)
		goto out_fail;
	return fw;
out_fail:
	err_prefix("%s", lab_role_name(role));
	firewall_free(fw);
	return NULL;
}

void firewall_free(struct firewall *fw)
{
	if (!fw)
		return;
	if (fw->keepalived > 0)
		run_stop_pid(node_run_of(fw->node), fw->keepalived, 2000);
	syncd_free(fw->syncd);
	free(fw);
}

struct node *firewall_node(const struct firewall *fw) { return fw->node; }
struct syncd *firewall_syncd(const struct firewall *fw) { return fw->syncd; }
enum lab_role firewall_role(const struct firewall *fw) { return fw->role; }
pid_t firewall_keepalived_pid(const struct firewall *fw) { return fw->keepalived; }

int firewall_start_vrrp(struct firewall *fw, const struct fw_options *o)
{
	if (fw->keepalived > 0)
		return err_set("%s: keepalived already runs", lab_role_name(fw->role));
	if (start_keepalived(fw, o) < 0)
		return err_prefix("%s", lab_role_name(fw->role));
	return 0;
}

/* With keepalived: fw-1 master first, then fw-2's keepalived. */
static int vrrp_pair_up(struct lab *l, const struct fw_options *o, struct firewall *fw2)
{
	int64_t deadline = now_ms() + 10000;

	while (lab_has_vips(l, ROLE_FW1) != 1) {
		if (now_ms() > deadline)
			return err_set("keepalived: fw1 did not take the virtual IPs within 10 s");
		sleep_ms(10);
	}
	if (firewall_start_vrrp(fw2, o) < 0)
		return -1;
	if (!firewall_vrrp_wait(fw2, "BACKUP", 10000))
		return err_set("keepalived: fw2 did not settle as backup within 10 s (see fw2-keepalived.log)");
	if (lab_has_vips(l, ROLE_FW1) != 1)
		return err_set("keepalived: fw1 lost the virtual IPs while fw2 started (see fw1-keepalived.log)");
	return 0;
}

int firewall_pair_up(struct lab *l, const struct fw_options *o, struct firewall *fw[2])
{
	int k;

	for (k = 0; k < 2; k++) {
		struct fw_options ko = *o;

		/* With keepalived, fw-2's starts once fw-1 is master (vrrp_pair_up). */
		if (k && ko.driver == FAILOVER_KEEPALIVED)
			ko.driver = FAILOVER_DIRECT;
		fw[k] = firewall_new(l, k ? ROLE_FW2 : ROLE_FW1, &ko);
		if (!fw[k])
			return -1;
	}
	if (o->driver == FAILOVER_DIRECT)
		return lab_vips(l, ROLE_FW1, 1);
	return vrrp_pair_up(l, o, fw[1]);
}
