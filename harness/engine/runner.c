/*
 * runner: one scenario variant in one lab, step by step; the step
 * table's hooks for the scenario parser. See runner.h and step.h.
 */
#include "engine/engine.h"
#include "node.h"
#include "report.h"
#include "run.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile sig_atomic_t interrupted;

void runner_interrupt(int sig)
{
	interrupted = sig;
}

int runner_interrupted(void)
{
	return interrupted;
}

/* ---- the step table as the parser's hooks ---- */

static int verb_lookup(const char *verb)
{
	size_t i;

	for (i = 0; i < step_table_len; i++)
		if (strcmp(step_table[i]->verb, verb) == 0)
			return (int)i;
	return -1;
}

/* The parser's check: the schema-driven parser the engine runs too. */
static int verb_check(int verb, int argc, char *const argv[])
{
	const struct step_def *d = step_table[verb];
	struct args *a = args_parse(&d->schema, d->args_flags, argc, argv, argv, 0);

	if (!a)
		return -1;
	args_free(a);
	return 0;
}

static int verb_is_check(int verb)
{
	return (step_table[verb]->flags & STEP_CHECK) != 0;
}

static int verb_defines(int verb, int argc, char *const argv[], const char *name)
{
	return step_table[verb]->defines ? step_table[verb]->defines(argc, argv, name) : 0;
}

const struct sc_verbs runner_verbs = { verb_lookup, verb_check, engine_builtin_static, verb_defines, verb_is_check };

void runner_print_steps(FILE *out)
{
	size_t i;

	fprintf(out, "Steps (any step may start with 'when KEY=VALUE... :'; checks take fault=ID [evidence=TEXT] and within=D):\n");
	for (i = 0; i < step_table_len; i++)
		fprintf(out, "  %s\n      %s%s\n", step_table[i]->usage, step_table[i]->flags & STEP_CHECK ? "check: " : "",
			step_table[i]->help);
}

/* ---- one step ---- */

/* The step's words expanded: -1 with err set ("path:line: verb: ..."). */
static int expand(struct step_ctx *c, const struct sc_step *st, char words[][512], char **w)
{
	int i;

	for (i = 0; i < st->argc; i++) {
		if (scenario_expand(st->argv[i], engine_lookup, c, words[i], 512) < 0)
			return err_prefix("%s:%d: %s", c->sc->path, st->line, st->argv[0]);
		w[i] = words[i];
	}
	return 0;
}

/*
 * The step's arguments, expanded and parsed by its schema, checked as at
 * parse time: NULL with err set, or with *skipped when the step names a
 * variable of a session that failed earlier (recorded as a skip).
 */
static struct args *step_args(struct step_ctx *c, const struct sc_step *st, int *skipped)
{
	const struct step_def *d = step_table[st->verb];
	char words[SC_MAX_ARGS][512], *w[SC_MAX_ARGS], vars[400];
	const char *why;
	struct args *a;

	*skipped = 0;
	if (expand(c, st, words, w) < 0) {
		if (!(why = engine_voided(c, st)))
			return NULL;
		engine_skip_written(c, st, why);
		*skipped = 1;
		return NULL;
	}
	a = args_parse(&d->schema, d->args_flags, st->argc, st->argv, w, 1);
	if (a)
		return a;
	scenario_describe_vars(st, engine_lookup, c, vars, sizeof(vars));
	if (vars[0])
		err_suffix(" (at run time: %s)", vars);
	err_prefix("%s:%d: %s", c->sc->path, st->line, st->argv[0]);
	return NULL;
}

/* Run step st: 0, or -1 with err set (a lab fault: the run stops). */
static int run_step(struct step_ctx *c, const struct sc_step *st)
{
	const struct step_def *d = step_table[st->verb];
	struct args *a;
	int skipped, rc;

	err_clear();
	c->step = st;
	c->step_t0 = now_ms();
	a = step_args(c, st, &skipped);
	if (!a)
		return skipped ? 0 : -1;
	rc = d->run(c, a);
	if (rc == 0)
		rc = engine_vars_check(c);
	if (rc == 0)
		rc = engine_daemons_check(c);
	if (rc < 0)
		err_prefix("%s:%d", c->sc->path, st->line);
	args_free(a);
	return rc;
}

static void run_steps(struct step_ctx *c)
{
	int i;

	for (i = 0; i < c->sc->nsteps && !interrupted; i++) {
		const struct sc_step *st = &c->sc->steps[i];
		char name[1200];

		if (!scenario_conds_hold(st->cond, st->ncond, engine_lookup, c))
			continue;
		if (run_step(c, st) == 0)
			continue;
		snprintf(name, sizeof(name), "L%d %s", st->line, st->argv[0]);
		report_add(c->report, name, V_ERROR, NULL, err_get(), 0);
		fprintf(stderr, "ftfw: %s\n", err_get());
		break;
	}
	c->step = NULL;
}

/* ---- one variant ---- */

/* A variant not for this kernel or setting: say so, build nothing. */
static int skip_variant(struct step_ctx *c, const char *suite, const char *why, struct runner_summary *sum)
{
	if (c->opt->tap)
		fprintf(c->opt->tap, "TAP version 13\n1..0 # SKIP %s: %s\n", suite, why);
	fprintf(stderr, "ftfw: %s: skipped: %s\n", suite, why);
	if (sum) {
		memset(sum, 0, sizeof(*sum));
		str_copy(sum->suite, suite, sizeof(sum->suite));
		str_copy(sum->dir, why, sizeof(sum->dir));
		sum->exit_code = EXIT_SKIP;
		engine_summarise_faults(c, sum);
	}
	return EXIT_SKIP;
}

static void summarise(struct step_ctx *c, const char *suite, int rc, int64_t t0, struct runner_summary *sum)
{
	str_copy(sum->suite, suite, sizeof(sum->suite));
	str_copy(sum->dir, run_dir(c->run), sizeof(sum->dir));
	sum->passed = report_count(c->report, V_PASS);
	sum->failed = report_count(c->report, V_FAIL) + report_count(c->report, V_XPASS);
	sum->errors = report_count(c->report, V_ERROR);
	sum->skipped = report_count(c->report, V_SKIP);
	sum->known = report_count(c->report, V_XFAIL);
	sum->seconds = (double)(now_ms() - t0) / 1000.0;
	sum->exit_code = rc;
	engine_summarise_faults(c, sum);
}

/* The lab up, the steps, the known faults' check, the lab down. */
static int run_variant(struct step_ctx *c, const char *suite)
{
	int setup_ok, rc;

	node_keep_daemons(c->opt->keep);
	c->report = report_new(suite, c->opt->tap);
	report_note(c->report, "%s: %s", suite, c->sc->description);
	report_note(c->report, "run %s, results in %s", run_id(c->run), run_dir(c->run));
	setup_ok = engine_setup(c) == 0;
	if (!setup_ok) {
		report_add(c->report, "lab set-up", V_ERROR, NULL, err_get(), 0);
		fprintf(stderr, "ftfw: %s: %s\n", suite, err_get());
	} else {
		run_steps(c);
	}
	if (setup_ok && !interrupted && !report_count(c->report, V_ERROR))
		engine_faults_check(c);
	if (interrupted) {
		report_add(c->report, "interrupted", V_ERROR, NULL, "stopped by a signal", 0);
		fprintf(stderr, "ftfw: interrupted by signal %d, tearing down\n", (int)interrupted);
	}
	log_progress("tearing down");
	engine_teardown(c);
	report_finish(c->report);
	if (report_write(c->report, run_dir(c->run)) < 0)
		fprintf(stderr, "ftfw: report: %s\n", err_get());
	rc = report_exit_code(c->report);
	return interrupted && rc == EXIT_PASS ? EXIT_SETUP : rc;
}

static void finish(struct step_ctx *c)
{
	if (c->opt->keep) {
		fprintf(stderr,
			"ftfw: lab %s kept. Enter a node with:\n"
			"  ip netns exec ftfw-%s-client bash    (or -fw1, -fw2, -server, -lan, -wan)\n"
			"remove it with:\n"
			"  ./run-scenario --cleanup\n",
			run_id(c->run), run_id(c->run));
	}
	fprintf(stderr, "ftfw: results in %s\n", run_dir(c->run));
	if (c->opt->keep)
		run_abandon(c->run);
	else if (run_finish(c->run) < 0)
		fprintf(stderr, "ftfw: cleanup: %s\n", err_get());
}

int runner_run(const struct scenario *sc, const struct sc_variant *v, const struct runner_options *o,
	       struct runner_summary *sum)
{
	struct step_ctx *c = xcalloc(1, sizeof(*c));
	char suite[128], why[256];
	int64_t t0 = now_ms();
	int rc;

	c->sc = sc;
	c->variant = v;
	c->opt = o;
	snprintf(suite, sizeof(suite), "%s%s%s", sc->name, v ? ":" : "", v ? v->name : "");
	if (scenario_lab_options(sc, v, &c->lo) < 0) {
		fprintf(stderr, "ftfw: %s: %s\n", suite, err_get());
		rc = EXIT_SETUP;
		goto out;
	}
	if (!scenario_requires_hold(sc, engine_lookup, c, why, sizeof(why))) {
		rc = skip_variant(c, suite, why, sum);
		goto out;
	}
	c->run = run_new(o->results_root, sc->name);
	if (!c->run) {
		fprintf(stderr, "ftfw: %s: %s\n", suite, err_get());
		rc = EXIT_SETUP;
		goto out;
	}
	rc = run_variant(c, suite);
	if (sum)
		summarise(c, suite, rc, t0, sum);
	finish(c);
	report_free(c->report);
out:
	free(c);
	return rc;
}
