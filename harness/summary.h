/*
 * summary: what every run of one invocation came to, for people and for
 * tools. The table goes to stderr (stdout is TAP); summary.json, in the
 * results folder, carries the same rows and, per run, the known faults
 * the scenario declares, those that apply in its variant and whether each
 * was shown with its evidence: the file tools read (check-known-faults),
 * instead of the table.
 */
#ifndef FTFW_SUMMARY_H
#define FTFW_SUMMARY_H

#include <stdio.h>
#include "engine/runner.h"

/* "pass", "FAIL", "known-fault", "error" or "skipped". */
const char *summary_outcome(const struct runner_summary *s);

/* The table, one row a run. */
void summary_print(FILE *out, const struct runner_summary *s, int n);

/* Write path (replaced whole: written beside, then renamed) with the n
 * runs and the invocation's exit code. 0, or -1 with err set. */
int summary_write(const char *path, const struct runner_summary *s, int n, int exit_code) FTFW_WUR;

#endif
