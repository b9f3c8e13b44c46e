/*
 * failover steps: the active role moved with the lab's failover driver
 * (failover [to=fw1|fw2]) and back to fw-1 (failback). The engine owns
 * which firewall is active (step_failover()).
 */
#include "steps/steps.h"

#include <string.h>

/* failover [to=fw1|fw2]: to the other firewall, or to the one named. */
static int r_failover(struct step_ctx *c, const struct args *a)
{
	return step_failover(c, args_opt_int(a, "to", !step_active(c)));
}

/* failover, failback (and a replay's failover-at) set $failover_ms. */
static int d_failover(int argc, char *const argv[], const char *name)
{
	(void)argc;
	(void)argv;
	return strcmp(name, "failover_ms") == 0;
}

static const struct arg_spec failover_opts[] = {
	{ .name = "to", .kind = ARG_FIREWALL },
	{ 0 },
};

const struct step_def step_failover_def = {
	.verb = "failover",
	.schema = { 0, 0, "expected failover [to=fw1|fw2]", NULL, failover_opts, NULL },
	.run = r_failover,
	.usage = "failover [to=fw1|fw2]",
	.help = "move the active role with the lab's failover driver (sets $failover_ms)",
	.defines = d_failover,
};

/* failback: the active role back to fw1 (its links restored first). */
static int r_failback(struct step_ctx *c, const struct args *a)
{
	(void)a;
	return step_failover(c, 0);
}

const struct step_def step_failback = {
	.verb = "failback",
	.schema = { 0, 0, "expected failback", NULL, NULL, NULL },
	.run = r_failback,
	.usage = "failback",
	.help = "failover back to fw1 (its links restored first)",
	.defines = d_failover,
};
