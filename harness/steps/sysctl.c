/*
 * sysctl step: a sysctl of one lab node's own network namespace
 * (sysctl fw2 net.netfilter.nf_conntrack_helper 1), as a per-node
 * setting of the firewall pair. Keys under net only: the rest of
 * /proc/sys is the host's (or the VM's) and no lab node owns it. The
 * key's form is checked at parse time; whether the node's kernel has it
 * is the kernel's to say, when the step runs (a lab fault: exit 2).
 */
#include "steps/steps.h"
#include "node.h"

#include <stdio.h>
#include <string.h>

#define SYSCTL_KEY_MAX 200
#define SYSCTL_VALUE_MAX 128

/* net.ipv4.ip_forward or net/ipv4/ip_forward: the path under /proc/sys. */
static int sysctl_path(const char *key, char *path, size_t len)
{
	const char *sep = key[0] && key[1] && key[2] && key[3] == '/' ? "/" : ".", *p;
	size_t i, n = strlen(key);

	if (n >= SYSCTL_KEY_MAX || n >= len)
		return err_set("'%s': a key of at most %d characters", key, SYSCTL_KEY_MAX - 1);
	if (strncmp(key, "net", 3) != 0 || key[3] != sep[0] || !key[4])
		return err_set("'%s': only keys under net (net.ipv4..., net.netfilter...): the rest of /proc/sys "
			       "is not the node's own",
			       key);
	for (p = key; *p; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') && !(*p >= '0' && *p <= '9') &&
		    *p != '_' && *p != '-' && *p != sep[0] && !(sep[0] == '/' && *p == '.'))
			return err_set("'%s': '%c' is not in a sysctl key (letters, digits, '_', '-', '%s')", key, *p, sep);
	for (i = 0; i < n; i++) {
		int start = i == 0 || key[i - 1] == sep[0];

		if (start && (key[i] == sep[0] || key[i] == '.'))
			return err_set("'%s': an empty or hidden part", key);
		path[i] = key[i] == '.' && sep[0] == '.' ? '/' : key[i];
	}
	if (key[n - 1] == sep[0])
		return err_set("'%s': an empty part at the end", key);
	path[n] = '\0';
	return 0;
}

static int p_key(const char *v, struct arg_val *out)
{
	char path[SYSCTL_KEY_MAX];

	(void)out;
	return sysctl_path(v, path, sizeof(path));
}

static int p_value(const char *v, struct arg_val *out)
{
	const char *p;

	(void)out;
	if (!v[0] || strlen(v) > SYSCTL_VALUE_MAX)
		return err_set("'%s': a value of 1 to %d characters", v, SYSCTL_VALUE_MAX);
	for (p = v; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			return err_set("a sysctl value is printable text (0x%02x in it)", (unsigned)(unsigned char)*p);
	return 0;
}

/* sysctl NODE KEY VALUE: written inside the node; before and after noted. */
static int r_sysctl(struct step_ctx *c, const struct args *a)
{
	struct node *n = step_node(c, (enum lab_role)args_pos(a, 1)->i);
	const char *key = args_word(a, 2), *value = args_word(a, 3);
	char path[SYSCTL_KEY_MAX], was[SYSCTL_VALUE_MAX + 1], now[SYSCTL_VALUE_MAX + 1];

	if (sysctl_path(key, path, sizeof(path)) < 0)
		return -1;
	if (node_sysctl_read(n, path, was, sizeof(was)) < 0)
		return err_prefix("sysctl %s", key);
	if (node_sysctl(n, path, value) < 0 || node_sysctl_read(n, path, now, sizeof(now)) < 0)
		return -1;
	log_progress("sysctl %s %s: %s -> %s", args_word(a, 1), key, was, now);
	step_note(c, "sysctl %s %s: %s -> %s", args_word(a, 1), key, was, now);
	return 0;
}

static const struct arg_spec sysctl_pos[] = {
	{ .name = "NODE", .kind = ARG_NODE },
	{ .name = "KEY", .kind = ARG_CUSTOM, .parse = p_key },
	{ .name = "VALUE", .kind = ARG_CUSTOM, .parse = p_value },
	{ 0 },
};

const struct step_def step_sysctl = {
	.verb = "sysctl",
	.args_flags = ARGS_TERMS,
	.schema = { 3, 3, "expected sysctl NODE KEY VALUE (a key under net)", sysctl_pos, NULL, NULL },
	.run = r_sysctl,
	.usage = "sysctl NODE KEY VALUE",
	.help = "set a sysctl of a lab node's own network namespace (keys under net only; the old and new values "
		"go to the report)",
};
