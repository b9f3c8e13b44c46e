/*
 * engine: what the engine's own modules share (runner.c, ctx.c, vars.c,
 * verdict.c, watch.c, bringup.c); steps never include this. The run of
 * one variant is a struct step_ctx: steps get it as an opaque handle
 * (engine/step.h), the engine's modules see its fields.
 */
#ifndef FTFW_ENGINE_ENGINE_H
#define FTFW_ENGINE_ENGINE_H

#include "engine/runner.h"
#include "engine/step.h"
#include "scenario.h"

#define ENGINE_MAX_RUNVARS 256
#define ENGINE_MAX_STATES 16
#define ENGINE_MAX_VOID 64
#define ENGINE_MAX_ENDED 16

/* What the run saw of each known fault (fault_state). */
enum { FAULT_SHOWN = 1, FAULT_SKIPPED = 2 };

struct step_ctx {
	const struct scenario *sc;
	const struct sc_variant *variant;
	const struct runner_options *opt;
	struct lab_options lo;
	struct run *run;
	struct lab *lab;
	struct firewall *fw[2];
	int active;                              /* index into fw[] */
	struct server *server;
	struct capture *capture;
	struct events *events[2];
	struct report *report;
	const struct sc_step *step;              /* the step running now */
	int64_t step_t0;
	int nvars;
	struct sc_kv vars[ENGINE_MAX_RUNVARS];   /* learned at run time */
	char lost_var[96];                       /* a variable set_var() could not keep, or "" */
	int nvoid;
	struct {
		char prefix[32];
		char why[160];
	} voided[ENGINE_MAX_VOID];
	int nstates;
	struct {
		const char *key;
		void *p;
		void (*release)(void *p);
	} states[ENGINE_MAX_STATES];
	int nended;
	pid_t ended[ENGINE_MAX_ENDED];           /* daemons a step ended on purpose */
	unsigned char fault_state[SC_MAX_FAULTS]; /* FAULT_SHOWN, FAULT_SKIPPED, per known fault */
};

/* vars.c: a name's value for scenario_expand() and conditions (ctx: the
 * step_ctx); the builtins as the parser sees them before a lab exists. */
const char *engine_lookup(void *ctx, const char *name);
int engine_builtin_static(const struct lab_options *lo, const char *variant, const char *name, const char **value);
/* A variable step_set_var() dropped makes the step an error. */
int engine_vars_check(struct step_ctx *c);
/* Does step st name a voided variable? Its reason, else NULL. */
const char *engine_voided(const struct step_ctx *c, const struct sc_step *st);

/* verdict.c */
void engine_summarise_faults(struct step_ctx *c, struct runner_summary *sum);
void engine_faults_check(struct step_ctx *c);
/* A check skipped before its words could be parsed (a voided session). */
void engine_skip_written(struct step_ctx *c, const struct sc_step *st, const char *why);

/* watch.c: a lab daemon that died and no step ended: -1 with err set. */
int engine_daemons_check(struct step_ctx *c);

/* bringup.c */
int engine_setup(struct step_ctx *c);
void engine_teardown(struct step_ctx *c);

#endif
