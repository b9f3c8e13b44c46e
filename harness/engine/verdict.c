/*
 * verdict: a check's outcome, as the report records it, with the known
 * faults a scenario declares: a check marked fault=ID whose fault applies
 * is a known fault when it fails showing its evidence, and a failure
 * ("fixed") when it holds.
 */
#include "engine/engine.h"
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The index of the known fault a check is marked with (fault=ID), when its
 * conditions hold in this variant; -1 when none. */
static int fault_index(struct step_ctx *c, const struct args *a)
{
	const char *id = a ? args_opt(a, "fault") : NULL;
	int i;

	if (!id)
		return -1;
	for (i = 0; i < c->sc->nfaults; i++) {
		const struct sc_fault *f = &c->sc->faults[i];

		if (strcmp(f->id, id) == 0)
			return scenario_conds_hold(f->cond, f->ncond, engine_lookup, c) ? i : -1;
	}
	return -1;
}

/*
 * Record a check's outcome. held: the check held; detail: what was found
 * when it did not (may be NULL); found: the text a marked fault's evidence
 * must be in (the detail, or for per-packet verdicts the packet).
 *
 * A check marked fault=ID whose fault applies: holding is "fixed" (a
 * failure: the fault no longer reproduces); failing is "known fault
 * reproduced" only when what was found shows its evidence=TEXT (when it
 * has one), otherwise a plain failure, for it failed for another reason.
 */
static void record(struct step_ctx *c, const char *name, const struct args *a, int held, const char *detail,
		   const char *found, double secs)
{
	int fi = fault_index(c, a);
	const struct sc_fault *f = fi >= 0 ? &c->sc->faults[fi] : NULL;
	const char *ev = args_opt(a, "evidence");
	struct report_fault rf = { f ? f->id : NULL, f ? ev : NULL };
	char *why = NULL;
	enum verdict v;

	if (!f)
		v = held ? V_PASS : V_FAIL;
	else if (held)
		v = V_XPASS;
	else if (ev && !strstr(found ? found : "", ev)) {
		size_t len = strlen(f->id) + strlen(ev) + (detail ? strlen(detail) : 0) + 160;

		why = xcalloc(1, len);
		snprintf(why, len, "failed, but not as known fault '%s' does: its evidence \"%s\" is not in what was found%s%s",
			 f->id, ev, detail ? ":\n" : "", detail ? detail : "");
		v = V_FAIL;
	} else {
		v = V_XFAIL;
		if (ev)
			c->fault_state[fi] |= FAULT_SHOWN;
	}
	report_add_fault(c->report, name, v, f && v != V_FAIL ? f->what : NULL, f ? &rf : NULL, why ? why : detail,
			 secs);
	free(why);
}

void step_verdict(struct step_ctx *c, const struct args *a, int held, const char *detail)
{
	char name[1200];

	snprintf(name, sizeof(name), "L%d %s", c->step->line, args_text(a));
	record(c, name, a, held, detail, detail, (double)(now_ms() - c->step_t0) / 1000.0);
}

void step_verdict_named(struct step_ctx *c, const struct args *a, const char *name, int held, const char *found)
{
	record(c, name, a, held, NULL, found, 0);
}

static void skip_named(struct step_ctx *c, const struct args *a, const char *name, const char *why)
{
	int fi = fault_index(c, a);

	if (fi >= 0 && args_opt(a, "evidence"))
		c->fault_state[fi] |= FAULT_SKIPPED;
	report_add(c->report, name, V_SKIP, why, NULL, 0);
}

void step_skip(struct step_ctx *c, const struct args *a, const char *why)
{
	char name[1200];

	snprintf(name, sizeof(name), "L%d %s", c->step->line, args_text(a));
	skip_named(c, a, name, why);
}

/* The words as written (they could not be expanded): a skip, which marks
 * no known fault as skipped (its options are not read). */
void engine_skip_written(struct step_ctx *c, const struct sc_step *st, const char *why)
{
	char name[1200];
	size_t o;
	int i;

	o = (size_t)snprintf(name, sizeof(name), "L%d %s", st->line, st->argv[0]);
	for (i = 1; i < st->argc && o < sizeof(name); i++)
		o += (size_t)snprintf(name + o, sizeof(name) - o, " %s", st->argv[i]);
	err_clear();
	report_add(c->report, name, V_SKIP, why, NULL, 0);
}

void engine_summarise_faults(struct step_ctx *c, struct runner_summary *sum)
{
	int i;

	str_copy(sum->scenario, c->sc->name, sizeof(sum->scenario));
	str_copy(sum->variant, c->variant ? c->variant->name : "", sizeof(sum->variant));
	sum->declared = c->sc->nfaults;
	sum->nfaults = 0;
	for (i = 0; i < c->sc->nfaults; i++) {
		const struct sc_fault *f = &c->sc->faults[i];

		if (!scenario_conds_hold(f->cond, f->ncond, engine_lookup, c))
			continue;
		str_copy(sum->faults[sum->nfaults].id, f->id, sizeof(sum->faults[0].id));
		sum->faults[sum->nfaults++].shown = (c->fault_state[i] & FAULT_SHOWN) != 0;
	}
}

/*
 * After the steps: each known fault that applies in this variant must have
 * been shown, by a check marked with it and its evidence that failed with
 * the evidence in what it found. When its evidence checks were skipped, a
 * skip says so; when none ran or none failed that way, a failure.
 */
void engine_faults_check(struct step_ctx *c)
{
	int i;

	for (i = 0; i < c->sc->nfaults; i++) {
		const struct sc_fault *f = &c->sc->faults[i];
		char name[96], detail[512];

		if (!scenario_conds_hold(f->cond, f->ncond, engine_lookup, c) || (c->fault_state[i] & FAULT_SHOWN))
			continue;
		snprintf(name, sizeof(name), "known-fault %s shown with its evidence", f->id);
		if (c->fault_state[i] & FAULT_SKIPPED) {
			report_add(c->report, name, V_SKIP, "its evidence checks were skipped", NULL, 0);
			continue;
		}
		snprintf(detail, sizeof(detail),
			 "expected: a check marked fault=%s evidence=... failing with its evidence in what it found "
			 "(the fault applies in this variant); found: none did",
			 f->id);
		report_add(c->report, name, V_FAIL, NULL, detail, 0);
	}
}
