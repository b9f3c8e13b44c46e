/*
 * ctx: what a step may use of its run (engine/step.h), and the one lab
 * action the engine itself owns: which firewall is active.
 */
#include "engine/engine.h"
#include "failover.h"
#include "firewall.h"
#include "report.h"
#include "run.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int step_line(const struct step_ctx *c)
{
	return c->step ? c->step->line : 0;
}

struct lab *step_lab(struct step_ctx *c)
{
	return c->lab;
}

struct node *step_node(struct step_ctx *c, enum lab_role role)
{
	return lab_node(c->lab, role);
}

struct firewall *step_fw(struct step_ctx *c, int k)
{
	return k == 0 || k == 1 ? c->fw[k] : NULL;
}

int step_active(const struct step_ctx *c)
{
	return c->active;
}

struct server *step_server(struct step_ctx *c)
{
	return c->server;
}

const struct lab_options *step_lab_options(const struct step_ctx *c)
{
	return &c->lo;
}

int step_results_path(const struct step_ctx *c, const char *name, char *buf, size_t len)
{
	return str_fmt(buf, len, "%s/%s", run_dir(c->run), name);
}

int step_interrupted(void)
{
	return runner_interrupted();
}

void step_note(struct step_ctx *c, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	report_note(c->report, "%s", buf);
}

void *step_state(struct step_ctx *c, const char *key, size_t size, void (*release)(void *p))
{
	int i;

	for (i = 0; i < c->nstates; i++)
		if (strcmp(c->states[i].key, key) == 0)
			return c->states[i].p;
	if (c->nstates >= ENGINE_MAX_STATES) {
		err_set("more than %d step families keep state", ENGINE_MAX_STATES);
		return NULL;
	}
	c->states[c->nstates].key = key;
	c->states[c->nstates].p = xcalloc(1, size);
	c->states[c->nstates].release = release;
	return c->states[c->nstates++].p;
}

int step_failover(struct step_ctx *c, int target)
{
	struct failover_result res;

	if (target != 0 && target != 1)
		return err_set("no firewall %d", target);
	if (target == c->active)
		return err_set("%s is already active", target ? "fw2" : "fw1");
	if (failover_restore(c->lab, c->fw[target]) < 0)
		return -1;
	log_progress("failover %s -> %s (%s)", c->active ? "fw2" : "fw1", target ? "fw2" : "fw1",
		     failover_driver_name(c->lo.fw.driver));
	if (failover_run(c->lab, c->fw[c->active], c->fw[target], c->lo.fw.driver, &res) < 0)
		return -1;
	c->active = target;
	step_set_var(c, "failover_ms", "%lld", (long long)res.total_ms);
	report_note(c->report, "failover to %s: isolate %lld ms, transition %lld ms, total %lld ms",
		    target ? "fw2" : "fw1", (long long)res.isolate_ms, (long long)res.commit_ms,
		    (long long)res.total_ms);
	return 0;
}
