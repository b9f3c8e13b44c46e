/*
 * fault steps: what goes wrong in a firewall pair, made to happen: a
 * link down (link), an impaired link (netem, loss), a daemon killed,
 * frozen or restarted (daemon), and conntrackd's own client commands
 * (syncd: a manual commit, flush or resync).
 */
#include "steps/steps.h"
#include "firewall.h"
#include "node.h"
#include "syncd.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An interface name as the kernel takes it (and as nft text quotes it). */
static int p_ifname(const char *v, struct arg_val *out)
{
	(void)out;
	if (!v[0] || strlen(v) >= 16 || strpbrk(v, "\"/ \t"))
		return err_set("'%s' is not an interface name", v);
	return 0;
}

/* ---- link ---- */

/* link NODE IFACE up|down */
static int r_link(struct step_ctx *c, const struct args *a)
{
	log_progress("link %s %s %s", args_word(a, 1), args_word(a, 2), args_word(a, 3));
	return lab_link(step_lab(c), (enum lab_role)args_pos(a, 1)->i, args_word(a, 2), args_pos(a, 3)->i == 0);
}

static const struct arg_spec link_pos[] = {
	{ .name = "NODE", .kind = ARG_NODE },
	{ .name = "IFACE", .kind = ARG_CUSTOM, .parse = p_ifname },
	{ .name = "up|down", .kind = ARG_CHOICE, .choices = "up|down" },
	{ 0 },
};

const struct step_def step_link = {
	.verb = "link",
	.schema = { 3, 3, "expected link NODE IFACE up|down", link_pos, NULL, NULL },
	.run = r_link,
	.usage = "link NODE IFACE up|down",
	.help = "take a lab link down or up",
};

/* ---- daemon ---- */

/* The actions in the schema's order; restart: conntrackd only (stop,
 * start on the same config). */
static const int daemon_signals[] = { SIGKILL, SIGTERM, SIGSTOP, SIGCONT, 0 };

static int c_daemon(const struct args *a)
{
	if (args_known(a, 2) && args_known(a, 3) && args_pos(a, 3)->i == 4 && args_pos(a, 2)->i != 0)
		return err_set("restart: only conntrackd can be restarted");
	return 0;
}

/* daemon FW conntrackd|keepalived kill|term|stop|cont|restart */
static int r_daemon(struct step_ctx *c, const struct args *a)
{
	struct firewall *fw = step_fw(c, args_pos(a, 1)->i);
	int syncd = args_pos(a, 2)->i == 0, sig = daemon_signals[args_pos(a, 3)->i];
	pid_t pid = syncd ? syncd_pid(firewall_syncd(fw)) : firewall_keepalived_pid(fw);

	if (pid <= 0)
		return err_set("%s: %s is not running here", args_word(a, 1), args_word(a, 2));
	log_progress("%s: %s %s (pid %d)", args_word(a, 1), args_word(a, 3), args_word(a, 2), (int)pid);
	if (!sig)
		return syncd_restart(firewall_syncd(fw));
	/* Its end is the scenario's doing, not a fault of the lab. */
	if ((sig == SIGKILL || sig == SIGTERM) && step_ended_on_purpose(c, pid) < 0)
		return -1;
	return node_signal(firewall_node(fw), pid, sig);
}

static const struct arg_spec daemon_pos[] = {
	{ .name = "FW", .kind = ARG_FIREWALL },
	{ .name = "DAEMON", .kind = ARG_CHOICE, .choices = "conntrackd|keepalived" },
	{ .name = "ACTION", .kind = ARG_CHOICE, .choices = "kill|term|stop|cont|restart" },
	{ 0 },
};

const struct step_def step_daemon = {
	.verb = "daemon",
	.schema = { 3, 3, "expected daemon FW conntrackd|keepalived kill|term|stop|cont|restart", daemon_pos, NULL,
		    c_daemon },
	.run = r_daemon,
	.usage = "daemon fw1|fw2 conntrackd|keepalived kill|term|stop|cont|restart",
	.help = "signal a firewall's daemon (stop/cont freeze and thaw it; restart: conntrackd only)",
};

/* ---- syncd ---- */

static int p_syncd_cmd(const char *v, struct arg_val *out)
{
	int k;

	for (k = SYNCD_COMMIT; k < SYNCD_KILL; k++)
		if (strcmp(v, syncd_cmd_name((enum syncd_cmd)k)) == 0) {
			out->i = k;
			return 0;
		}
	return err_set("'%s': expected commit, flush, resync, bulk, reset-timers or request-resync", v);
}

/* syncd FW commit|flush|resync|bulk|reset-timers|request-resync */
static int r_syncd(struct step_ctx *c, const struct args *a)
{
	log_progress("%s: conntrackd %s", args_word(a, 1), args_word(a, 2));
	return syncd_cmd(firewall_syncd(step_fw(c, args_pos(a, 1)->i)), (enum syncd_cmd)args_pos(a, 2)->i);
}

static const struct arg_spec syncd_pos[] = {
	{ .name = "FW", .kind = ARG_FIREWALL },
	{ .name = "COMMAND", .kind = ARG_CUSTOM, .parse = p_syncd_cmd },
	{ 0 },
};

const struct step_def step_syncd = {
	.verb = "syncd",
	.schema = { 2, 2, "expected syncd FW commit|flush|resync|bulk|reset-timers|request-resync", syncd_pos, NULL,
		    NULL },
	.run = r_syncd,
	.usage = "syncd fw1|fw2 commit|flush|resync|bulk|reset-timers|request-resync",
	.help = "one conntrackd client command (a manual resync, a planned switch's preparation)",
};

/* ---- netem ---- */

static const char *const netem_keys[] = { "loss", "delay", "reorder", "duplicate" };

static int c_netem(const struct args *a)
{
	size_t k;
	int impair = 0;

	for (k = 0; k < ARRAY_SIZE(netem_keys); k++)
		impair += args_opt(a, netem_keys[k]) != NULL;
	if (args_n(a) == 4 && strcmp(args_word(a, 3), "off") != 0)
		return err_set("expected netem NODE IFACE off | [loss=P%%] [delay=D] [reorder=P%%] [duplicate=P%%]");
	if (args_n(a) == 4 && impair)
		return err_set("netem: 'off' takes no impairments");
	if (args_n(a) == 3 && !impair)
		return err_set("netem: give loss=, delay=, reorder= or duplicate=, or 'off'");
	return 0;
}

/* netem NODE IFACE off | [loss=P%] [delay=D] [reorder=P%] [duplicate=P%] */
static int r_netem(struct step_ctx *c, const struct args *a)
{
	char *argv[24], *out = NULL;
	int rc, n = 0;
	size_t k;

	argv[n++] = "tc";
	argv[n++] = "qdisc";
	argv[n++] = args_n(a) == 4 ? "del" : "replace";
	argv[n++] = "dev";
	argv[n++] = (char *)args_word(a, 2);
	argv[n++] = "root";
	if (args_n(a) == 3) {
		argv[n++] = "netem";
		for (k = 0; k < ARRAY_SIZE(netem_keys); k++)
			if (args_opt(a, netem_keys[k])) {
				argv[n++] = (char *)netem_keys[k];
				argv[n++] = (char *)args_opt(a, netem_keys[k]);
			}
	}
	argv[n] = NULL;
	log_progress("netem %s %s: %s", args_word(a, 1), args_word(a, 2), args_text(a));
	rc = node_exec(step_node(c, (enum lab_role)args_pos(a, 1)->i), argv, 5000, &out);
	if (rc > 0)
		err_set("tc: exit %d: %.300s", rc, out);
	free(out);
	return rc != 0 ? err_prefix("netem") : 0;
}

static const struct arg_spec netem_pos[] = {
	{ .name = "NODE", .kind = ARG_NODE },
	{ .name = "IFACE", .kind = ARG_CUSTOM, .parse = p_ifname },
	{ 0 },
};

static const struct arg_spec netem_opts[] = {
	{ .name = "loss", .kind = ARG_PERCENT },
	{ .name = "delay", .kind = ARG_DURATION },
	{ .name = "reorder", .kind = ARG_PERCENT },
	{ .name = "duplicate", .kind = ARG_PERCENT },
	{ 0 },
};

const struct step_def step_netem = {
	.verb = "netem",
	.schema = { 2, 3, "expected netem NODE IFACE off | [loss=P%] [delay=D] [reorder=P%] [duplicate=P%]", netem_pos,
		    netem_opts, c_netem },
	.run = r_netem,
	.usage = "netem NODE IFACE off | [loss=P%] [delay=D] [reorder=P%] [duplicate=P%]",
	.help = "impair a lab link with tc netem (needs sch_netem in the kernel)",
};

/* ---- loss ---- */

/* PERCENT that divides 100, or off: u is every how many packets one is
 * dropped (0: off). */
static int p_loss(const char *v, struct arg_val *out)
{
	char *end;
	long p;

	if (strcmp(v, "off") == 0) {
		out->u = 0;
		return 0;
	}
	p = strtol(v, &end, 10);
	if (end == v || strcmp(end, "%") != 0 || p <= 0 || p > 100 || 100 % p != 0)
		return err_set("'%s': expected a percentage that divides 100 (10%%, 20%%, 25%%, 50%%) or off", v);
	out->u = (uint64_t)(100 / p);
	return 0;
}

/* loss NODE IFACE P% | off: drop every (100/P)th packet each way with
 * nftables (numgen inc: deterministic, so runs repeat), for kernels
 * without sch_netem. */
static int r_loss(struct step_ctx *c, const struct args *a)
{
	const char *node = args_word(a, 1), *ifname = args_word(a, 2);
	unsigned long every = (unsigned long)args_pos(a, 3)->u;
	char file[96], text[1024];
	int rc;

	if (str_fmt(file, sizeof(file), "%s-loss-%s.nft", node, ifname) < 0)
		return -1;
	if (!every)
		rc = str_fmt(text, sizeof(text), "delete table inet ftfw_loss\n");
	else
		rc = str_fmt(text, sizeof(text),
			     "table inet ftfw_loss {\n"
			     "\tchain out {\n\t\ttype filter hook output priority -10; policy accept;\n"
			     "\t\toifname \"%s\" numgen inc mod %lu == 0 counter drop\n\t}\n"
			     "\tchain in {\n\t\ttype filter hook input priority -10; policy accept;\n"
			     "\t\tiifname \"%s\" numgen inc mod %lu == 0 counter drop\n\t}\n"
			     "}\n", ifname, every, ifname, every);
	if (rc < 0)
		return -1;
	log_progress("loss %s %s %s", node, ifname, args_word(a, 3));
	if (node_nft_load(step_node(c, (enum lab_role)args_pos(a, 1)->i), file, text, 5000) < 0)
		return err_prefix("loss");
	return 0;
}

static const struct arg_spec loss_pos[] = {
	{ .name = "NODE", .kind = ARG_NODE },
	{ .name = "IFACE", .kind = ARG_CUSTOM, .parse = p_ifname },
	{ .name = "PERCENT", .kind = ARG_CUSTOM, .parse = p_loss },
	{ 0 },
};

const struct step_def step_loss = {
	.verb = "loss",
	.schema = { 3, 3, "expected loss NODE IFACE PERCENT%|off", loss_pos, NULL, NULL },
	.run = r_loss,
	.usage = "loss NODE IFACE PERCENT%|off",
	.help = "drop every (100/P)th packet on a link, each way (nftables, deterministic; no sch_netem needed)",
};
