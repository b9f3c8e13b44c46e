/*
 * inject steps: state made through ctnetlink the way conntrackd commits
 * it: a conntrack (inject), and the check that an expectation can be
 * created on such a master (inject-expect). Their KEY=VALUE words are the
 * inject module's terms (src= dst= sport= dport= helper= snat= dnat=).
 */
#include "steps/steps.h"
#include "firewall.h"
#include "inject.h"
#include "node.h"
#include "scenario.h"

#include <stdio.h>
#include <string.h>

/* The terms from word first on into spec, its strings in buf (words with
 * '$' left alone at parse time: all or nothing). */
static int terms(const struct args *a, int first, struct inject_spec *spec, const char **helper, char *buf,
		 size_t len)
{
	char *words[SC_MAX_ARGS];
	int i, n = 0;

	for (i = first; i < args_n(a) && n < SC_MAX_ARGS; i++) {
		if (!args_known(a, i))
			return 1;
		if (helper && strncmp(args_word(a, i), "helper=", 7) == 0)
			*helper = args_word(a, i) + 7;
		words[n++] = (char *)args_word(a, i);
	}
	return inject_spec_parse(n, words, spec, buf, len);
}

/* The schemas' rule: the terms from word first on are the inject module's. */
static int check_terms(const struct args *a, int first)
{
	struct inject_spec spec;
	char buf[512];

	return terms(a, first, &spec, NULL, buf, sizeof(buf)) < 0 ? -1 : 0;
}

static int c_inject(const struct args *a)
{
	return check_terms(a, 2);
}

/* inject FW src= dst= sport= dport= [helper=] [snat=|dnat=] [timeout=S] */
static int r_inject(struct step_ctx *c, const struct args *a)
{
	struct firewall *fw = step_fw(c, args_pos(a, 1)->i);
	struct inject_spec spec;
	char buf[512];

	if (terms(a, 2, &spec, NULL, buf, sizeof(buf)) < 0)
		return -1;
	log_progress("%s: inject conntrack %s", args_word(a, 1), args_text(a));
	if (inject_conntrack(node_fd(firewall_node(fw)), &spec) < 0)
		return err_prefix("%s: inject", args_word(a, 1));
	return 0;
}

static const struct arg_spec fw_pos[] = {
	{ .name = "FW", .kind = ARG_FIREWALL },
	{ 0 },
};

const struct step_def step_inject = {
	.verb = "inject",
	.args_flags = ARGS_TERMS,
	.schema = { 1, -1,
		    "expected inject fw1|fw2 src=ADDR dst=ADDR sport=N dport=N [helper=NAME] [snat=|dnat=ADDR[:PORT]]",
		    fw_pos, NULL, c_inject },
	.run = r_inject,
	.usage = "inject fw1|fw2 src=A dst=A sport=N dport=N [helper=ftp] [snat=A[:P]|dnat=A[:P]] [timeout=S]",
	.help = "create a conntrack through ctnetlink as conntrackd commits one",
};

/* port=N: the expectation's port (u). */
static int p_port_term(const char *v, struct arg_val *out)
{
	if (strncmp(v, "port=", 5) != 0)
		return err_set("'%s': expected port=N first", v);
	if (args_parse_count(v + 5, &out->u) < 0 || out->u == 0 || out->u > 65535)
		return err_set("'%s': expected a port", v);
	return 0;
}

static int c_inject_expect(const struct args *a)
{
	return check_terms(a, 3);
}

/* inject-expect FW port=N src= dst= sport= dport= [helper=] */
static int r_inject_expect(struct step_ctx *c, const struct args *a)
{
	struct firewall *fw = step_fw(c, args_pos(a, 1)->i);
	struct inject_spec spec;
	const char *helper = NULL;
	char buf[512];
	int ok;

	if (terms(a, 3, &spec, &helper, buf, sizeof(buf)) < 0)
		return -1;
	ok = inject_expectation(node_fd(firewall_node(fw)), &spec, (uint16_t)args_pos(a, 2)->u, helper) == 0;
	step_verdict(c, a, ok, ok ? NULL : err_get());
	return 0;
}

static const struct arg_spec inject_expect_pos[] = {
	{ .name = "FW", .kind = ARG_FIREWALL },
	{ .name = "port=N", .kind = ARG_CUSTOM, .parse = p_port_term },
	{ 0 },
};

const struct step_def step_inject_expect = {
	.verb = "inject-expect",
	.flags = STEP_CHECK,
	.args_flags = ARGS_TERMS,
	.schema = { 2, -1, "expected inject-expect fw1|fw2 port=N src=ADDR dst=ADDR sport=N dport=N [helper=NAME]",
		    inject_expect_pos, NULL, c_inject_expect },
	.run = r_inject_expect,
	.usage = "inject-expect fw1|fw2 port=N src=A dst=A sport=N dport=N [helper=ftp]",
	.help = "an expectation for dst:port can be created on that master through ctnetlink",
};
