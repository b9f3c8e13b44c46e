/*
 * runner: the engine's entry: runs one variant of a scenario in a fresh
 * lab: brings the lab, the firewall pair, the server, the captures and
 * the event loggers up (bringup.c), executes the steps in order (the
 * table is harness/steps/table.c), watches the daemons after each step
 * (watch.c), records a verdict for every check (verdict.c), and tears
 * everything down whatever happens.
 */
#ifndef FTFW_RUNNER_H
#define FTFW_RUNNER_H

#include <stdio.h>
#include "scenario.h"

struct runner_options {
	const char *results_root;  /* "results" */
	int keep;                  /* leave the lab up after the run */
	FILE *tap;                 /* TAP stream (stdout) */
};

/* The step table as the parser's validation hooks (the same schema-driven
 * parser the engine runs before each step). */
extern const struct sc_verbs runner_verbs;

/* Print every step's usage and help, from the table. */
void runner_print_steps(FILE *out);

/* What one run came to, for the summary table. */
struct runner_summary {
	char suite[128];       /* "ftp-failover:nat-pasv" */
	char scenario[64];     /* "ftp-failover" */
	char variant[64];      /* "nat-pasv", or "" */
	char dir[512];         /* its results folder (the reason, when skipped) */
	int passed, failed, skipped, known, errors;
	double seconds;
	int exit_code;
	int declared;          /* known faults the scenario declares */
	int nfaults;           /* of them, those that apply in this variant: */
	struct {
		char id[32];
		int shown;     /* a check marked with it failed showing its evidence */
	} faults[SC_MAX_FAULTS];
};

/*
 * Run variant v (NULL when the scenario has none) of sc. Returns an exit
 * code (enum ftfw_exit): pass, failed, setup error; fills sum when not NULL.
 */
int runner_run(const struct scenario *sc, const struct sc_variant *v, const struct runner_options *o,
	       struct runner_summary *sum);

/* Set by the signal handler: stop at the next step and tear down. */
void runner_interrupt(int sig);
/* The signal that interrupted us, or 0. */
int runner_interrupted(void);

#endif
