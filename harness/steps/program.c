/*
 * program steps: a program of one's own on a lab node, to completion
 * (exec) or in the background (spawn); and the steps that only mark the
 * run (pause, note).
 */
#include "steps/steps.h"
#include "node.h"
#include "scenario.h"
#include "until.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The program's words: positional words from first on. */
static int program_argv(const struct args *a, int first, char *argv[], int max)
{
	int i, n = 0;

	for (i = first; i < args_n(a) && n < max - 1; i++)
		argv[n++] = (char *)args_word(a, i);
	argv[n] = NULL;
	return n;
}

/* exec NODE PROGRAM [ARG...]: a program in a lab node, to completion (check: exit 0) */
static int r_exec(struct step_ctx *c, const struct args *a)
{
	char *argv[SC_MAX_ARGS + 1], *out = NULL, path[768], name[32], detail[1024];
	int rc;

	program_argv(a, 2, argv, (int)ARRAY_SIZE(argv));
	snprintf(name, sizeof(name), "exec-L%d.log", step_line(c));
	if (step_results_path(c, name, path, sizeof(path)) < 0)
		return -1;
	log_progress("exec %s: %s", args_word(a, 1), argv[0]);
	rc = node_exec(step_node(c, (enum lab_role)args_pos(a, 1)->i), argv, args_opt_ms(a, "within", 60000), &out);
	if (out && file_write(path, out, strlen(out), 0644) < 0)
		log_progress("exec: %s", err_get());
	if (rc < 0)
		snprintf(detail, sizeof(detail), "%s", err_get());
	else
		snprintf(detail, sizeof(detail), "expected exit 0, found %d: %.800s", rc, out ? out : "");
	err_clear();
	step_verdict(c, a, rc == 0, rc == 0 ? NULL : detail);
	free(out);
	return 0;
}

static const struct arg_spec node_pos[] = {
	{ .name = "NODE", .kind = ARG_NODE },
	{ 0 },
};

const struct step_def step_exec = {
	.verb = "exec",
	.flags = STEP_CHECK,
	.args_flags = ARGS_PROGRAM,
	.schema = { 2, -1, "expected exec NODE PROGRAM [ARG...] (its output goes to exec-L<line>.log)", node_pos, NULL,
		    NULL },
	.run = r_exec,
	.usage = "exec NODE PROGRAM [ARG...] [within=D]",
	.help = "run a program in a lab node to completion (exit 0); its output goes to exec-L<line>.log",
};

/*
 * spawn NODE NAME PROGRAM [ARG...] [ready="TEXT"] [within=D]: a program
 * in the background on a lab node (a listener, a load generator, a
 * capture of one's own), tracked by the run and stopped at teardown like
 * the lab's daemons. Its output goes to spawn-NAME.log.
 * check: it is still running (with ready=, once its output shows TEXT).
 */
static int p_name(const char *v, struct arg_val *out)
{
	(void)out;
	return scenario_valid_name(v) ? 0 : err_set("'%s': a name is letters, digits, '-' and '_' (at most 31)", v);
}

/* Until it ends, or (with ready) prints ready, or the deadline: running? */
static int spawn_wait(struct node *node, pid_t pid, const char *path, const char *ready, int64_t deadline,
		      int *status)
{
	int up;

	for (;;) {
		int seen = ready && file_has(path, 0, ready);

		up = node_alive(node, pid, status);
		if (!up || !ready || seen || now_ms() > deadline)
			return up;
		sleep_ms(10);
	}
}

static int r_spawn(struct step_ctx *c, const struct args *a)
{
	char *argv[SC_MAX_ARGS + 1], path[768], name[64], detail[1024] = "";
	const char *ready = args_opt(a, "ready"), *sname = args_word(a, 2);
	int within = args_opt_ms(a, "within", STEP_DEFAULT_WITHIN_MS), status = 0, up;
	int64_t deadline = now_ms() + within;
	struct node *node = step_node(c, (enum lab_role)args_pos(a, 1)->i);
	pid_t pid;

	program_argv(a, 3, argv, (int)ARRAY_SIZE(argv));
	snprintf(name, sizeof(name), "spawn-%s.log", sname);
	if (step_results_path(c, name, path, sizeof(path)) < 0)
		return -1;
	if (access(path, F_OK) == 0)
		return err_set("spawn: '%s' already started", sname);
	log_progress("spawn %s %s: %s", args_word(a, 1), sname, argv[0]);
	pid = node_spawn(node, argv, path);
	if (pid < 0)
		return err_prefix("spawn %s", sname);
	up = spawn_wait(node, pid, path, ready, deadline, &status);
	if (!up) {
		char tail[704];

		snprintf(detail, sizeof(detail), "expected %s to keep running; it ended (%s %d): %s", argv[0],
			 WIFEXITED(status) ? "exit" : "signal", WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
			 file_tail(path, 0, 700, tail, sizeof(tail)));
	} else if (ready && now_ms() > deadline) {
		snprintf(detail, sizeof(detail), "expected %s to print \"%s\" within %d ms; see %s", argv[0], ready,
			 within, name);
		up = 0;
	}
	step_verdict(c, a, up, up ? NULL : detail);
	return 0;
}

static const struct arg_spec spawn_pos[] = {
	{ .name = "NODE", .kind = ARG_NODE },
	{ .name = "NAME", .kind = ARG_CUSTOM, .parse = p_name },
	{ 0 },
};

static const struct arg_spec spawn_opts[] = {
	{ .name = "ready", .kind = ARG_WORD },
	{ 0 },
};

const struct step_def step_spawn = {
	.verb = "spawn",
	.flags = STEP_CHECK,
	.args_flags = ARGS_PROGRAM,
	.schema = { 3, -1, "expected spawn NODE NAME PROGRAM [ARG...] [ready=\"TEXT\"] [within=D]", spawn_pos,
		    spawn_opts, NULL },
	.run = r_spawn,
	.usage = "spawn NODE NAME PROGRAM [ARG...] [ready=\"TEXT\"] [within=D]",
	.help = "start a program in the background on a lab node (stopped at teardown; output in spawn-NAME.log), "
		"running and, with ready=, printing TEXT",
};

/* pause D: let time pass (between two commands, not to wait for state) */
static int r_pause(struct step_ctx *c, const struct args *a)
{
	int64_t end = now_ms() + (int64_t)args_pos(a, 1)->u;

	(void)c;
	while (now_ms() < end && !step_interrupted())
		sleep_ms(10);
	return 0;
}

static const struct arg_spec pause_pos[] = {
	{ .name = "DURATION", .kind = ARG_DURATION },
	{ 0 },
};

const struct step_def step_pause = {
	.verb = "pause",
	.schema = { 1, 1, "expected pause DURATION", pause_pos, NULL, NULL },
	.run = r_pause,
	.usage = "pause DURATION",
	.help = "let time pass (between commands; checks poll instead)",
};

/* note "TEXT" */
static int r_note(struct step_ctx *c, const struct args *a)
{
	step_note(c, "%s", args_word(a, 1));
	return 0;
}

const struct step_def step_note_def = {
	.verb = "note",
	.args_flags = ARGS_TERMS,
	.schema = { 1, 1, "expected note \"TEXT\"", NULL, NULL, NULL },
	.run = r_note,
	.usage = "note \"TEXT\"",
	.help = "a comment in the report",
};
