/*
 * report: the verdicts of a run, written three ways: TAP on stdout as the
 * checks happen (for people and CI logs), JUnit XML and JSON in the run's
 * results folder (for CI systems and tools).
 *
 * A known fault is a check marked as expected to fail because the stack
 * under test has a documented fault: when it fails it is reported as
 * "known fault reproduced" (TAP: not ok ... # TODO known fault: why), and
 * when it unexpectedly holds it is a failure ("known fault no longer
 * reproduces"), so a fixed bug is noticed.
 */
#ifndef FTFW_REPORT_H
#define FTFW_REPORT_H

#include <stdio.h>
#include "util.h"

enum verdict {
	V_PASS,
	V_FAIL,
	V_SKIP,
	V_XFAIL,   /* known fault reproduced: does not fail the run */
	V_XPASS,   /* known fault did not reproduce: fails the run */
	V_ERROR,   /* the lab itself failed (set-up error, daemon died) */
};

const char *verdict_name(enum verdict v); /* "pass" "fail" "skip" "known-fault" "fixed" "error" */

struct report;

/* New report for suite (the scenario name, plus variant), TAP to tap
 * (not owned; NULL for none). Free with report_free(). */
struct report *report_new(const char *suite, FILE *tap);
void report_free(struct report *r);

/* Record a test case; TAP line printed at once. detail (may be NULL,
 * may be multi-line) goes to TAP as "# " lines and into JUnit/JSON.
 * reason is the skip reason or the known-fault description (may be NULL). */
void report_add(struct report *r, const char *name, enum verdict v, const char *reason,
		const char *detail, double seconds);

/* A check marked with a known fault: the fault's id and the evidence its
 * failure must show (either may be NULL) go with the case into JSON
 * ("fault", "evidence"), so that a reader of result.json can tell a fault
 * reproduced for the right reason. f and its strings are copied. */
struct report_fault {
	const char *id;
	const char *evidence;
};
void report_add_fault(struct report *r, const char *name, enum verdict v, const char *reason,
		      const struct report_fault *f, const char *detail, double seconds);

/* A note with no verdict (progress context in TAP as "# ..."). */
void report_note(struct report *r, const char *fmt, ...) FTFW_FMT(2, 3);

/* Counts. */
int report_count(const struct report *r, enum verdict v);
/* Print the TAP plan "1..N" and a summary line
 * "ftp-failover: N passed, N failed, N skipped" (+ known faults). */
void report_finish(struct report *r);

/* Write dir/junit.xml and dir/result.json. 0 or -1 with err set. */
int report_write(const struct report *r, const char *dir) FTFW_WUR;

/* EXIT_PASS when nothing failed (fail, fixed, error), EXIT_SETUP when an
 * error verdict is present, EXIT_FAILED otherwise; EXIT_SKIP when every
 * case was skipped. */
int report_exit_code(const struct report *r);

#endif
