/*
 * state steps: what the firewalls hold, checked and shown: conntracks
 * and expectations in the kernel or conntrackd's caches (expect), the
 * ruleset's counters (counter), a log of the run (log-has), and the
 * whole state as report notes (show-state).
 */
#include "steps/steps.h"
#include "assertion.h"
#include "counters.h"
#include "firewall.h"
#include "node.h"
#include "syncd.h"
#include "until.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int steps_fetch(struct step_ctx *c, int k, enum ct_source src, enum ct_kind kind, struct ct_list *out)
{
	struct firewall *fw = step_fw(c, k);

	switch (src) {
	case CT_SRC_KERNEL:
		return ct_dump_kernel(node_fd(firewall_node(fw)), kind, out);
	case CT_SRC_INTERNAL:
	case CT_SRC_EXTERNAL:
		return syncd_dump(firewall_syncd(fw), src, kind, out);
	}
	return -1;
}

/* ---- expect ---- */

static int p_source(const char *v, struct arg_val *out)
{
	out->i = ct_source_parse(v);
	return out->i < 0 ? err_set("'%s': expected kernel, internal or external", v) : 0;
}

static int p_kind(const char *v, struct arg_val *out)
{
	out->i = ct_kind_parse(v);
	return out->i < 0 ? err_set("'%s': expected ct or expect", v) : 0;
}

static int p_expect_count(const char *v, struct arg_val *out)
{
	if (args_parse_count(v, &out->u) < 0 || out->u > 1000000)
		return err_set("expected count=N");
	return 0;
}

/* The first term: after an optional present|absent. */
static int first_term(const struct args *a)
{
	const char *q = args_word(a, 4);

	return q && (strcmp(q, "present") == 0 || strcmp(q, "absent") == 0) ? 5 : 4;
}

/* A term whose value is known only at run time: its key, checked. */
static int check_term_key(enum ct_kind kind, const char *term)
{
	char key[CT_KEY_LEN];
	size_t k = strcspn(term, "=!~");

	if (k == 0 || k >= sizeof(key) || !term[k])
		return err_set("term '%s': expected KEY=VALUE, KEY!=VALUE or KEY~ITEM", term);
	memcpy(key, term, k);
	key[k] = '\0';
	if (!match_key_known(kind, key))
		return err_set("term '%s': no field '%s' in %s records", term, key, ct_kind_name(kind));
	return 0;
}

/* The terms: each a match term of the record kind. */
static int c_expect(const struct args *a)
{
	struct match m;
	int i;

	if (!args_known(a, 3))
		return 0;
	memset(&m, 0, sizeof(m));
	m.kind = (enum ct_kind)args_pos(a, 3)->i;
	for (i = first_term(a); i < args_n(a); i++) {
		if (!args_known(a, i)) {
			if (check_term_key(m.kind, args_word(a, i)) < 0)
				return -1;
		} else if (match_add_term(&m, args_word(a, i)) < 0) {
			return -1;
		}
	}
	return 0;
}

struct fetch_ctx {
	struct step_ctx *c;
	int k;
	enum ct_source src;
	enum ct_kind kind;
};

static int fetch(void *arg, struct ct_list *out)
{
	struct fetch_ctx *f = arg;

	return steps_fetch(f->c, f->k, f->src, f->kind, out);
}

static int r_expect(struct step_ctx *c, const struct args *a)
{
	struct fetch_ctx f = { c, args_pos(a, 1)->i, (enum ct_source)args_pos(a, 2)->i, (enum ct_kind)args_pos(a, 3)->i };
	const char *q = args_word(a, 4);
	enum quantifier quant = q && strcmp(q, "absent") == 0 ? Q_ABSENT : Q_PRESENT;
	enum assert_verdict av;
	char *diag = NULL;
	struct match m;
	int i;

	memset(&m, 0, sizeof(m));
	m.kind = f.kind;
	if (args_opt(a, "count"))
		quant = Q_COUNT;
	for (i = first_term(a); i < args_n(a); i++)
		if (match_add_term(&m, args_word(a, i)) < 0)
			return -1;
	av = assert_poll(&m, quant, (size_t)args_opt_u64(a, "count", 0), fetch, &f,
			 args_opt_ms(a, "within", STEP_DEFAULT_WITHIN_MS), 20, &diag, NULL);
	if (av != ASSERT_ERROR)
		step_verdict(c, a, av == ASSERT_HOLDS, diag);
	free(diag);
	return av == ASSERT_ERROR ? err_prefix("%s %s", args_word(a, 1), args_word(a, 2)) : 0;
}

static const struct arg_spec expect_pos[] = {
	{ .name = "FW", .kind = ARG_FIREWALL },
	{ .name = "SOURCE", .kind = ARG_CUSTOM, .parse = p_source },
	{ .name = "KIND", .kind = ARG_CUSTOM, .parse = p_kind },
	{ 0 },
};

static const struct arg_spec expect_opts[] = {
	{ .name = "count", .kind = ARG_CUSTOM, .parse = p_expect_count, .quoted = 1 },
	{ 0 },
};

const struct step_def step_expect = {
	.verb = "expect",
	.flags = STEP_CHECK,
	.args_flags = ARGS_TERMS,
	.schema = { 3, -1, "expected FW SOURCE KIND [present|absent|count=N] TERM... [within=D]", expect_pos,
		    expect_opts, c_expect },
	.run = r_expect,
	.usage = "expect fw1|fw2 kernel|internal|external ct|expect [present|absent|count=N] KEY=VAL|KEY!=VAL|KEY~ITEM... [within=D]",
	.help = "conntrack state on a firewall, polled until it holds or the deadline passes",
};

/* ---- counter ---- */

static int p_counter(const char *v, struct arg_val *out)
{
	(void)out;
	if (!strstr(" " FW_COUNTERS " ", v) || strchr(v, ' ') || !v[0])
		return err_set("'%s': the ruleset's counters are %s", v, FW_COUNTERS);
	return 0;
}

/* counter FW NAME [min=N] [max=N] [within=D]: an nft counter of the ruleset */
static int r_counter(struct step_ctx *c, const struct args *a)
{
	struct firewall *fw = step_fw(c, args_pos(a, 1)->i);
	uint64_t packets = 0, bytes = 0, lo = args_opt_u64(a, "min", 0), hi = args_opt_u64(a, "max", UINT64_MAX);
	int64_t deadline = now_ms() + args_opt_ms(a, "within", STEP_DEFAULT_WITHIN_MS);
	const char *fwname = args_word(a, 1), *name = args_word(a, 2);
	char detail[256];
	int ok;

	for (;;) {
		if (counter_read(node_fd(firewall_node(fw)), "ftfw", name, &packets, &bytes) < 0)
			return err_prefix("%s: counter %s", fwname, name);
		ok = packets >= lo && packets <= hi;
		if (ok || now_ms() > deadline || step_interrupted())
			break;
		sleep_ms(20);
	}
	snprintf(detail, sizeof(detail), "expected %s counter %s packets in [%llu, %llu], found %llu (%llu bytes)",
		 fwname, name, (unsigned long long)lo, (unsigned long long)hi, (unsigned long long)packets,
		 (unsigned long long)bytes);
	step_verdict(c, a, ok, ok ? NULL : detail);
	return 0;
}

static const struct arg_spec counter_pos[] = {
	{ .name = "FW", .kind = ARG_FIREWALL },
	{ .name = "NAME", .kind = ARG_CUSTOM, .parse = p_counter },
	{ 0 },
};

static const struct arg_spec counter_opts[] = {
	{ .name = "min", .kind = ARG_UINT, .lo = 0, .hi = UINT64_MAX },
	{ .name = "max", .kind = ARG_UINT, .lo = 0, .hi = UINT64_MAX },
	{ 0 },
};

const struct step_def step_counter = {
	.verb = "counter",
	.flags = STEP_CHECK,
	.schema = { 2, 2, "expected counter fw1|fw2 NAME [min=N] [max=N]", counter_pos, counter_opts, NULL },
	.run = r_counter,
	.usage = "counter fw1|fw2 NAME [min=N] [max=N] [within=D]",
	.help = "packets on a named counter of the ruleset (" FW_COUNTERS ")",
};

/* ---- log-has ---- */

static int p_results_file(const char *v, struct arg_val *out)
{
	(void)out;
	if (strchr(v, '/') || v[0] == '.' || !v[0])
		return err_set("'%s': a file name in the run's results folder", v);
	return 0;
}

static int c_log_has(const struct args *a)
{
	if (args_n(a) == 4 && args_known(a, 3) && strcmp(args_word(a, 3), "absent") != 0)
		return err_set("expected log-has FILE-IN-RESULTS \"TEXT\" [absent] (e.g. fw2-conntrackd.log)");
	return 0;
}

/* log-has FILE "TEXT" [absent]: a daemon's log in the results says TEXT */
static int r_log_has(struct step_ctx *c, const struct args *a)
{
	const char *file = args_word(a, 1), *text = args_word(a, 2);
	char path[768], detail[1024];
	int want = args_n(a) < 4, found;

	if (step_results_path(c, file, path, sizeof(path)) < 0)
		return -1;
	found = file_wait(path, 0, text, want, args_opt_ms(a, "within", STEP_DEFAULT_WITHIN_MS)) ? want : !want;
	snprintf(detail, sizeof(detail), "expected %s to %s \"%s\"; it %s", file, want ? "contain" : "not contain",
		 text, found ? "does" : "does not");
	step_verdict(c, a, found == want, found == want ? NULL : detail);
	return 0;
}

static const struct arg_spec log_has_pos[] = {
	{ .name = "FILE", .kind = ARG_CUSTOM, .parse = p_results_file },
	{ .name = "TEXT" },
	{ 0 },
};

const struct step_def step_log_has = {
	.verb = "log-has",
	.flags = STEP_CHECK,
	.schema = { 2, 3, "expected log-has FILE-IN-RESULTS \"TEXT\" [absent] (e.g. fw2-conntrackd.log)", log_has_pos,
		    NULL, c_log_has },
	.run = r_log_has,
	.usage = "log-has FILE \"TEXT\" [absent] [within=D]",
	.help = "a log in the run's results folder contains (or not) TEXT",
};

/* ---- show-state ---- */

int steps_show_state(struct step_ctx *c, int k, enum ct_source src)
{
	static const enum ct_kind kinds[] = { CT_KIND_CONNTRACK, CT_KIND_EXPECT };
	const char *fw = k ? "fw2" : "fw1";
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(kinds); i++) {
		struct ct_list l = { 0 };
		char line[1024];

		if (steps_fetch(c, k, src, kinds[i], &l) < 0) {
			ct_list_free(&l);
			return err_prefix("%s %s %s", fw, ct_source_name(src), ct_kind_name(kinds[i]));
		}
		step_note(c, "%s %s %s: %zu", fw, ct_source_name(src), ct_kind_name(kinds[i]), l.n);
		for (j = 0; j < l.n; j++) {
			ct_record_format(&l.v[j], line, sizeof(line));
			step_note(c, "  %s", line);
		}
		ct_list_free(&l);
	}
	return 0;
}

int steps_show_pair(struct step_ctx *c, int only)
{
	int k;

	for (k = 0; k < 2; k++) {
		if (only >= 0 && k != only)
			continue;
		if (steps_show_state(c, k, CT_SRC_KERNEL) < 0)
			return -1;
		if (k != step_active(c) && steps_show_state(c, k, CT_SRC_EXTERNAL) < 0)
			return -1;
	}
	return 0;
}

/* show-state [fw1|fw2] */
static int r_show_state(struct step_ctx *c, const struct args *a)
{
	return steps_show_pair(c, args_n(a) > 1 ? args_pos(a, 1)->i : -1);
}

static const struct arg_spec show_state_pos[] = {
	{ .name = "FW", .kind = ARG_FIREWALL },
	{ 0 },
};

const struct step_def step_show_state = {
	.verb = "show-state",
	.schema = { 0, 1, "expected show-state [fw1|fw2]", show_state_pos, NULL, NULL },
	.run = r_show_state,
	.usage = "show-state [fw1|fw2]",
	.help = "note the firewalls' kernel conntracks and expectations (and the backup's external cache) in the report",
};

/* ---- the standby in sync (before a replay's failover) ---- */

/* Does ext hold a record with a's values of keys (up to 4, NULL-ended)? */
static int has_like(const struct ct_list *ext, const struct ct_record *a, const char *const keys[4])
{
	size_t k, m;

	for (k = 0; k < ext->n; k++) {
		for (m = 0; m < 4 && keys[m]; m++) {
			const char *x = ct_record_get(a, keys[m]), *y = ct_record_get(&ext->v[k], keys[m]);

			if (!x || !y || strcmp(x, y) != 0)
				break;
		}
		if (m == 4 || !keys[m])
			return 1;
	}
	return 0;
}

int steps_standby_in_sync(struct step_ctx *c, char *what, size_t wlen)
{
	static const enum ct_kind kinds[] = { CT_KIND_EXPECT, CT_KIND_CONNTRACK };
	static const char *const keys[2][4] = { { "dport", "master-sport", "master-dport", NULL },
						{ "src", "sport", "dst", "dport" } };
	int act_k = step_active(c), rc = 1;
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(kinds) && rc == 1; i++) {
		struct ct_list act = { 0 }, ext = { 0 };

		if (steps_fetch(c, act_k, CT_SRC_KERNEL, kinds[i], &act) < 0 ||
		    steps_fetch(c, !act_k, CT_SRC_EXTERNAL, kinds[i], &ext) < 0)
			rc = -1;
		for (j = 0; rc == 1 && j < act.n; j++) {
			const struct ct_record *r = &act.v[j];
			const char *proto = ct_record_get(r, "proto"), *state = ct_record_get(r, "state");

			if (!proto || strcmp(proto, "tcp") != 0 ||
			    (kinds[i] == CT_KIND_CONNTRACK && (!state || strcmp(state, "ESTABLISHED") != 0)))
				continue;
			if (!has_like(&ext, r, keys[i])) {
				ct_record_format(r, what, wlen);
				rc = 0;
			}
		}
		ct_list_free(&act);
		ct_list_free(&ext);
	}
	return rc;
}
