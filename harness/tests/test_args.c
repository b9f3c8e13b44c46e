/*
 * test_args: the schema-driven parser of step arguments (engine/args.h),
 * as tables: which words are options, each kind's values and messages,
 * the same words at parse time (variables left alone) and at run time
 * (expanded: every word checked), and the real step table's schemas
 * (every step's usage line is accepted by its own schema).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "engine/args.h"
#include "engine/runner.h"
#include "engine/step.h"
#include "scenario.h"
#include "testlib.h"

static const struct arg_spec t_pos[] = {
	{ .name = "FW", .kind = ARG_FIREWALL },
	{ .name = "WAY", .kind = ARG_CHOICE, .choices = "get|put|both" },
	{ .name = "SIZE", .kind = ARG_SIZE },
	{ 0 },
};

static const struct arg_spec t_opts[] = {
	{ .name = "count", .kind = ARG_UINT, .lo = 1, .hi = 10 },
	{ .name = "loss", .kind = ARG_PERCENT },
	{ .name = "delay", .kind = ARG_DURATION },
	{ .name = "node", .kind = ARG_NODE },
	{ 0 },
};

static const struct step_schema t_schema = { 3, 3, "expected FW WAY SIZE", t_pos, t_opts, NULL };

struct row {
	unsigned flags;
	const char *words;     /* space-separated, as written */
	const char *expanded;  /* NULL: the same (parse time); else run time */
	const char *err;       /* NULL: accepted; else a phrase of the message */
	/* accepted: the typed values to find */
	int fw, way;
	uint64_t size, count;
	int delay_ms;
	double loss;
};

static const struct row rows[] = {
	{ .words = "t fw2 put 4k", .fw = 1, .way = 1, .size = 4096, .count = 0, .delay_ms = -1, .loss = -1 },
	{ .words = "t fw1 both 3M count=7 delay=2s loss=5%", .fw = 0, .way = 2, .size = 3u << 20, .count = 7,
	  .delay_ms = 2000, .loss = 5 },
	{ .words = "t fw-2 get 1 delay=250ms", .fw = 1, .way = 0, .size = 1, .delay_ms = 250, .loss = -1 },
	/* counts and kinds */
	{ .words = "t fw1 get", .err = "expected FW WAY SIZE" },
	{ .words = "t fw1 get 1 2", .err = "expected FW WAY SIZE" },
	{ .words = "t fw3 get 1", .err = "'fw3' is not a firewall (fw1, fw2)" },
	{ .words = "t fw1 fetch 1", .err = "'fetch': expected get, put or both" },
	{ .words = "t fw1 get 12Q", .err = "'12Q': unknown size suffix" },
	/* options: their values, and the words that are options */
	{ .words = "t fw1 get 1 count=0", .err = "count=0: expected a number from 1 to 10" },
	{ .words = "t fw1 get 1 count=11", .err = "count=11: expected a number from 1 to 10" },
	{ .words = "t fw1 get 1 count=-1", .err = "count=-1: expected a number" },
	{ .words = "t fw1 get 1 loss=101%", .err = "loss=101%: expected a percentage" },
	{ .words = "t fw1 get 1 loss=5", .err = "loss=5: expected a percentage" },
	{ .words = "t fw1 get 1 delay=soon", .err = "delay=soon: 'soon' is not a duration" },
	{ .words = "t fw1 get 1 node=moon", .err = "node=moon: 'moon' is not a lab node" },
	{ .words = "t fw1 get 1 within=2h", .err = "within=2h: '2h' is not a duration" },
	{ .words = "t fw1 get 1 colour=red", .err = "unknown option 'colour' (a word KEY=VALUE whose key is lower case is "
						   "a step option, never an argument; this step takes count=, loss=, delay=, node=, within=, fault=, evidence=)" },
	{ .words = "t fw1 get 1 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=1", .err = "key too long" },
	/* an upper-case key is no option: a fourth positional word */
	{ .words = "t fw1 get 1 Colour=red", .err = "expected FW WAY SIZE" },
	/* terms: key=value words stay positional, but the step's options and within/fault/evidence */
	{ .flags = ARGS_TERMS, .words = "t fw1 get colour=red", .err = "'colour=red' is not a size" },
	{ .flags = ARGS_TERMS, .words = "t fw1 get 2k count=3 within=1s", .fw = 0, .way = 0, .size = 2048, .count = 3,
	  .delay_ms = -1, .loss = -1 },
	/* a program's words: another key=value would be taken as an option */
	{ .flags = ARGS_PROGRAM, .words = "t fw1 get 1 if=/dev/zero",
	  .err = "'if=/dev/zero' would be taken as a step option (only count=, loss=, delay=, node=, within=, fault= and evidence= are)" },
	{ .flags = ARGS_PROGRAM, .words = "t fw1 get 1 count=", .err = "'count=': an empty value" },
	/* parse time: a word with a variable is left alone ... */
	{ .words = "t $fw $way $size count=$n", .fw = 0, .way = 0, .size = 0, .count = 0, .delay_ms = -1, .loss = -1 },
	/* ... and checked at run time, expanded */
	{ .words = "t $fw get 1", .expanded = "t fw9 get 1", .err = "'fw9' is not a firewall" },
	{ .words = "t fw1 get 1 count=$n", .expanded = "t fw1 get 1 count=99", .err = "count=99: expected a number" },
	{ .words = "t fw1 get 1 count=$n", .expanded = "t fw1 get 1 count=9", .fw = 0, .way = 0, .size = 1, .count = 9,
	  .delay_ms = -1, .loss = -1 },
	/* a positional word as written stays one, whatever it expands to */
	{ .words = "t fw1 get $s", .expanded = "t fw1 get count=3", .err = "'count=3' is not a size" },
};

static int split(const char *text, char *buf, size_t len, char *argv[])
{
	char *p;
	int n = 0;

	strncpy(buf, text, len - 1);
	buf[len - 1] = '\0';
	for (p = strtok(buf, " "); p && n < SC_MAX_ARGS; p = strtok(NULL, " "))
		argv[n++] = p;
	return n;
}

START_TEST(test_rows)
{
	const struct row *t = &rows[_i];
	char b1[512], b2[512], *w[SC_MAX_ARGS], *e[SC_MAX_ARGS];
	int n = split(t->words, b1, sizeof(b1), w), m = t->expanded ? split(t->expanded, b2, sizeof(b2), e) : n;
	struct args *a;

	ck_assert_int_eq(n, m);
	err_clear();
	a = args_parse(&t_schema, t->flags, n, w, t->expanded ? e : w, t->expanded != NULL);
	if (t->err) {
		ck_assert_msg(a == NULL, "row %d: accepted '%s'", _i, t->words);
		ck_assert_msg(strstr(err_get(), t->err) != NULL, "row %d: err '%s' lacks '%s'", _i, err_get(), t->err);
		return;
	}
	ck_assert_msg(a != NULL, "row %d: rejected: %s", _i, err_get());
	ck_assert_int_eq(args_n(a), 4);
	if (args_known(a, 1)) {
		ck_assert_int_eq(args_pos(a, 1)->i, t->fw);
		ck_assert_int_eq(args_pos(a, 2)->i, t->way);
		ck_assert_uint_eq(args_pos(a, 3)->u, t->size);
	} else {
		ck_assert_msg(strchr(t->words, '$'), "row %d: a word unknown without a variable", _i);
	}
	ck_assert_uint_eq(args_opt_u64(a, "count", 0), t->count);
	ck_assert_int_eq(args_opt_ms(a, "delay", -1), t->delay_ms);
	ck_assert_msg(args_opt_double(a, "loss", -1) == t->loss, "row %d: loss", _i);
	ck_assert_str_eq(args_text(a), t->expanded ? t->expanded : t->words);
	args_free(a);
}
END_TEST

/* Every step's usage line, with its placeholders filled, is accepted by
 * its own schema (the usage and the schema do not drift apart), and each
 * check is flagged as one. */
static const struct {
	const char *step;
	const char *words;
	int check;
} usage_rows[] = {
	{ "transfer", "transfer dl get f.bin mode=pasv rate=1M size=4k timeout=30 ip=4 count=2", 0 },
	{ "wait-progress", "wait-progress dl 16k within=5s", 1 },
	{ "transfer-done", "transfer-done dl within=1s", 1 },
	{ "ftp", "ftp c1 stor up.bin 4k", 1 },
	{ "expect", "expect fw2 external expect present dport=$c1.port count=1 within=2s", 1 },
	{ "failover", "failover to=fw2", 0 },
	{ "failback", "failback", 0 },
	{ "link", "link fw1 lan0 down", 0 },
	{ "daemon", "daemon fw2 conntrackd restart", 0 },
	{ "syncd", "syncd fw2 request-resync", 0 },
	{ "netem", "netem fw1 sync0 loss=5% delay=20ms", 0 },
	{ "loss", "loss fw1 sync0 25%", 0 },
	{ "counter", "counter fw1 dropped min=1 max=9", 1 },
	{ "inject", "inject fw2 src=192.0.2.10 dst=198.51.100.10 sport=40000 dport=21 helper=ftp", 0 },
	{ "inject-expect", "inject-expect fw2 port=50000 src=192.0.2.10 dst=198.51.100.10 sport=40000 dport=21", 1 },
	{ "pause", "pause 200ms", 0 },
	{ "log-has", "log-has fw2-conntrackd.log \"text\" absent", 1 },
	{ "note", "note text", 0 },
	{ "replay", "replay r1 f.pcap until=before-data-syn failover-at=10 show-state=on timing=capture scale=0.5", 0 },
	{ "replay-continue", "replay-continue r1 until=end", 0 },
	{ "replay-verdict", "replay-verdict r1 counts delivered=3 dropped=0", 1 },
	{ "exec", "exec client true", 1 },
	{ "spawn", "spawn server l1 sleep 9 ready=x", 1 },
	{ "show-state", "show-state fw2", 0 },
	{ "sysctl", "sysctl fw2 net.netfilter.nf_conntrack_helper 1", 0 },
};

START_TEST(test_usage)
{
	char buf[512], *w[SC_MAX_ARGS];
	int n = split(usage_rows[_i].words, buf, sizeof(buf), w), verb = runner_verbs.lookup(usage_rows[_i].step);

	ck_assert_msg(verb >= 0, "no step %s", usage_rows[_i].step);
	err_clear();
	ck_assert_msg(runner_verbs.check(verb, n, w) == 0, "%s: %s", usage_rows[_i].words, err_get());
	ck_assert_int_eq(runner_verbs.is_check(verb), usage_rows[_i].check);
}
END_TEST

/* Every step of the table has a row above. */
START_TEST(test_usage_covers_table)
{
	size_t i, j;

	for (i = 0; i < step_table_len; i++) {
		for (j = 0; j < sizeof(usage_rows) / sizeof(usage_rows[0]); j++)
			if (strcmp(usage_rows[j].step, step_table[i]->verb) == 0)
				break;
		ck_assert_msg(j < sizeof(usage_rows) / sizeof(usage_rows[0]), "step %s has no usage row",
			      step_table[i]->verb);
	}
}
END_TEST

static Suite *args_suite(void)
{
	Suite *s = suite_create("args");
	TCase *t = tcase_create("tables");

	tcase_add_loop_test(t, test_rows, 0, (int)(sizeof(rows) / sizeof(rows[0])));
	tcase_add_loop_test(t, test_usage, 0, (int)(sizeof(usage_rows) / sizeof(usage_rows[0])));
	tcase_add_test(t, test_usage_covers_table);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return tl_main(args_suite());
}
