/*
 * vars: the variables a step's words may name: the run's (learned by
 * steps), the variant's, and the builtins, as a table.
 */
#include "engine/engine.h"
#include "failover.h"
#include "firewall.h"
#include "server.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * static_value gives the value from what is known before the lab is built
 * (lab options, the variant, the kernel); run_value, when the run is
 * needed for it (who is active, the daemons' PIDs). One of fixed,
 * static_value and run_value is set.
 */
struct builtin_def {
	const char *name;
	const char *fixed;
	const char *(*static_value)(const struct lab_options *lo, const char *variant);
	const char *(*run_value)(struct step_ctx *c, const char *name);
};

static const char *b_client_public(const struct lab_options *lo, const char *variant)
{
	(void)variant;
	return lo->fw.nat != NAT_OFF ? LAB_WAN_VIP : LAB_CLIENT_ADDR;
}

static const char *b_client_public6(const struct lab_options *lo, const char *variant)
{
	(void)variant;
	return lo->fw.nat != NAT_OFF ? LAB_WAN_VIP6 : LAB_CLIENT_ADDR6;
}

static const char *b_family(const struct lab_options *lo, const char *variant)
{
	(void)variant;
	return lab_family_name(lo->fw.family);
}

static const char *b_nat(const struct lab_options *lo, const char *variant)
{
	(void)variant;
	return nat_mode_name(lo->fw.nat);
}

static const char *b_failover(const struct lab_options *lo, const char *variant)
{
	(void)variant;
	return failover_driver_name(lo->fw.driver);
}

static const char *b_variant(const struct lab_options *lo, const char *variant)
{
	(void)lo;
	return variant;
}

/* The kernel under test: set by kernel/guest-init inside a VM. */
static const char *b_kernel(const struct lab_options *lo, const char *variant)
{
	const char *k = getenv("FTFW_KERNEL");

	(void)lo;
	(void)variant;
	return k && k[0] ? k : "host";
}

static const char *b_active(struct step_ctx *c, const char *name)
{
	(void)name;
	return c->active ? "fw2" : "fw1";
}

static const char *b_standby(struct step_ctx *c, const char *name)
{
	(void)name;
	return c->active ? "fw1" : "fw2";
}

/* The lab's daemons' PIDs (for exec or spawn: strace, gdb, a signal). */
static const char *b_pid(struct step_ctx *c, const char *name)
{
	static char pidbuf[16];
	pid_t pid = -1;
	int k = name[2] == '2';

	if (strcmp(name, "vsftpd_pid") == 0)
		pid = c->server ? server_pid(c->server) : -1;
	else if (!c->fw[k])
		pid = -1;
	else if (strcmp(name + 4, "conntrackd_pid") == 0)
		pid = syncd_pid(firewall_syncd(c->fw[k]));
	else
		pid = firewall_keepalived_pid(c->fw[k]);
	if (pid <= 0)
		return NULL;
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)pid);
	return pidbuf;
}

static const struct builtin_def builtins[] = {
	{ "client", LAB_CLIENT_ADDR, NULL, NULL },
	{ "server", LAB_SERVER_ADDR, NULL, NULL },
	{ "lan_vip", LAB_LAN_VIP, NULL, NULL },
	{ "wan_vip", LAB_WAN_VIP, NULL, NULL },
	{ "fw1_lan", LAB_FW1_LAN, NULL, NULL },
	{ "fw2_lan", LAB_FW2_LAN, NULL, NULL },
	{ "fw1_wan", LAB_FW1_WAN, NULL, NULL },
	{ "fw2_wan", LAB_FW2_WAN, NULL, NULL },
	{ "fw1_sync", LAB_FW1_SYNC, NULL, NULL },
	{ "fw2_sync", LAB_FW2_SYNC, NULL, NULL },
	{ "client6", LAB_CLIENT_ADDR6, NULL, NULL },
	{ "server6", LAB_SERVER_ADDR6, NULL, NULL },
	{ "lan_vip6", LAB_LAN_VIP6, NULL, NULL },
	{ "wan_vip6", LAB_WAN_VIP6, NULL, NULL },
	/* what the server sees as the client's address */
	{ "client_public", NULL, b_client_public, NULL },
	{ "client_public6", NULL, b_client_public6, NULL },
	{ "family", NULL, b_family, NULL },
	{ "nat", NULL, b_nat, NULL },
	{ "failover", NULL, b_failover, NULL },
	{ "variant", NULL, b_variant, NULL },
	{ "kernel", NULL, b_kernel, NULL },
	{ "active", NULL, NULL, b_active },
	{ "standby", NULL, NULL, b_standby },
	{ "fw1_conntrackd_pid", NULL, NULL, b_pid },
	{ "fw2_conntrackd_pid", NULL, NULL, b_pid },
	{ "fw1_keepalived_pid", NULL, NULL, b_pid },
	{ "fw2_keepalived_pid", NULL, NULL, b_pid },
	{ "vsftpd_pid", NULL, NULL, b_pid },
};

static const struct builtin_def *builtin_def(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(builtins); i++)
		if (strcmp(builtins[i].name, name) == 0)
			return &builtins[i];
	return NULL;
}

static const char *builtin(struct step_ctx *c, const char *name)
{
	const struct builtin_def *b = builtin_def(name);

	if (!b)
		return NULL;
	if (b->fixed)
		return b->fixed;
	if (b->static_value)
		return b->static_value(&c->lo, c->variant ? c->variant->name : "");
	return b->run_value(c, name);
}

int engine_builtin_static(const struct lab_options *lo, const char *variant, const char *name, const char **value)
{
	const struct builtin_def *b = builtin_def(name);

	if (!b)
		return 0;
	*value = b->fixed ? b->fixed : b->static_value ? b->static_value(lo, variant) : NULL;
	return 1;
}

const char *engine_lookup(void *ctx, const char *name)
{
	struct step_ctx *c = ctx;
	int i;

	for (i = c->nvars - 1; i >= 0; i--)
		if (strcmp(c->vars[i].key, name) == 0)
			return c->vars[i].val;
	if (c->variant)
		for (i = 0; i < c->variant->nvars; i++)
			if (strcmp(c->variant->vars[i].key, name) == 0)
				return c->variant->vars[i].val;
	return builtin(c, name);
}

void step_set_var(struct step_ctx *c, const char *name, const char *fmt, ...)
{
	struct sc_kv *kv = NULL;
	va_list ap;
	int i;

	for (i = 0; i < c->nvars; i++)
		if (strcmp(c->vars[i].key, name) == 0)
			kv = &c->vars[i];
	if (!kv) {
		if (c->nvars >= ENGINE_MAX_RUNVARS || strlen(name) >= sizeof(kv->key)) {
			/* reported by engine_vars_check() after the step, as the step's error */
			if (!c->lost_var[0])
				str_copy(c->lost_var, name, sizeof(c->lost_var));
			return;
		}
		kv = &c->vars[c->nvars++];
		str_copy(kv->key, name, sizeof(kv->key));
	}
	va_start(ap, fmt);
	vsnprintf(kv->val, sizeof(kv->val), fmt, ap);
	va_end(ap);
	log_debug("set $%s = %s", kv->key, kv->val);
}

int engine_vars_check(struct step_ctx *c)
{
	if (!c->lost_var[0])
		return 0;
	return err_set("run-time variable $%s not kept: more than %d variables, or a name of %zu "
		       "characters or more", c->lost_var, ENGINE_MAX_RUNVARS, sizeof(c->vars[0].key));
}

void step_void_vars(struct step_ctx *c, const char *prefix, const char *why)
{
	size_t n = strlen(prefix);
	int i;

	for (i = 0; i < c->nvars; i++)
		if (strncmp(c->vars[i].key, prefix, n) == 0 && c->vars[i].key[n] == '.')
			c->vars[i--] = c->vars[--c->nvars];
	if (c->nvoid < ENGINE_MAX_VOID) {
		str_copy(c->voided[c->nvoid].prefix, prefix, sizeof(c->voided[0].prefix));
		str_copy(c->voided[c->nvoid].why, why, sizeof(c->voided[0].why));
		c->nvoid++;
	}
}

/* A word names $prefix.x or ${prefix.x}. */
static int names_prefix(const char *word, const char *prefix)
{
	const char *p = word;
	size_t n = strlen(prefix);

	while ((p = strstr(p, prefix))) {
		if (p > word && (p[-1] == '$' || p[-1] == '{') && p[n] == '.')
			return 1;
		p++;
	}
	return 0;
}

const char *engine_voided(const struct step_ctx *c, const struct sc_step *st)
{
	int i, j;

	for (i = 0; i < c->nvoid; i++)
		for (j = 0; j < st->argc; j++)
			if (names_prefix(st->argv[j], c->voided[i].prefix))
				return c->voided[i].why;
	return NULL;
}
