/* report: verdicts as TAP, JUnit XML and JSON. See report.h. */
#include "report.h"

#include "sbuf.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

struct rcase {
	char *name;   /* owned */
	enum verdict v;
	char *reason; /* owned, may be NULL */
	char *detail; /* owned, may be NULL */
	char *fault;    /* owned, may be NULL: the known fault the check is marked with */
	char *evidence; /* owned, may be NULL: the text that fault's failure must show */
	double seconds;
};

struct report {
	char *suite;         /* owned */
	FILE *tap;           /* not owned, may be NULL */
	char started[40];    /* wall clock at report_new() */
	struct rcase *cases; /* owned, n used of cap */
	size_t n, cap;
};

#define NVERDICTS ((int)V_ERROR + 1)

const char *verdict_name(enum verdict v)
{
	switch (v) {
	case V_PASS:
		return "pass";
	case V_FAIL:
		return "fail";
	case V_SKIP:
		return "skip";
	case V_XFAIL:
		return "known-fault";
	case V_XPASS:
		return "fixed";
	case V_ERROR:
		return "error";
	}
	return "invalid";
}

/* Does this verdict fail the run (the "N failed" of the summary)? */
static int verdict_fails(enum verdict v)
{
	switch (v) {
	case V_PASS:
	case V_SKIP:
	case V_XFAIL:
		return 0;
	case V_FAIL:
	case V_XPASS:
	case V_ERROR:
		return 1;
	}
	return 1;
}

struct report *report_new(const char *suite, FILE *tap)
{
	struct report *r = xcalloc(1, sizeof(*r));

	r->suite = xstrdup(suite ? suite : "");
	r->tap = tap;
	wallclock_iso(r->started, sizeof(r->started));
	if (tap)
		fputs("TAP version 13\n", tap);
	return r;
}

void report_free(struct report *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->n; i++) {
		free(r->cases[i].name);
		free(r->cases[i].reason);
		free(r->cases[i].detail);
		free(r->cases[i].fault);
		free(r->cases[i].evidence);
	}
	free(r->cases);
	free(r->suite);
	free(r);
}

/*
 * One line of free text in a TAP test line: a newline would end the line
 * and a '#' in the description would start a directive, so newlines
 * become spaces and (in descriptions) '#' is written "\#" (TAP 13).
 */
static void tap_text(FILE *f, const char *s, int is_description)
{
	for (; *s; s++) {
		if (*s == '\n' || *s == '\r')
			fputc(' ', f);
		else if (is_description && *s == '#')
			fputs("\\#", f);
		else
			fputc(*s, f);
	}
}

/* Multi-line text as TAP diagnostics, one "# " line per line. */
static void tap_diag(FILE *f, const char *text)
{
	const char *p = text;

	while (*p) {
		size_t len = strcspn(p, "\n");

		if (len)
			fprintf(f, "# %.*s\n", (int)len, p);
		else
			fputs("#\n", f);
		p += len;
		if (*p == '\n')
			p++;
	}
}

/* "ok" or "not ok"; a known fault is "not ok ... # TODO", as TAP wants. */
static int tap_ok(enum verdict v)
{
	switch (v) {
	case V_PASS:
	case V_SKIP:
		return 1;
	case V_FAIL:
	case V_XFAIL:
	case V_XPASS:
	case V_ERROR:
		return 0;
	}
	return 0;
}

/* "# SKIP why", "# TODO known fault: why"... appended to the test line. */
static void tap_directive(FILE *f, enum verdict v, const char *reason)
{
	const char *what = NULL;

	switch (v) {
	case V_PASS:
	case V_FAIL:
		return;
	case V_SKIP:
		what = "SKIP";
		break;
	case V_XFAIL:
		what = "TODO known fault";
		break;
	case V_XPASS:
		what = "known fault no longer reproduces";
		break;
	case V_ERROR:
		what = "error";
		break;
	}
	fprintf(f, " # %s", what);
	if (reason && *reason) {
		fputs(v == V_SKIP ? " " : ": ", f);
		tap_text(f, reason, 0);
	}
}

void report_add(struct report *r, const char *name, enum verdict v, const char *reason,
		const char *detail, double seconds)
{
	report_add_fault(r, name, v, reason, NULL, detail, seconds);
}

void report_add_fault(struct report *r, const char *name, enum verdict v, const char *reason,
		      const struct report_fault *f, const char *detail, double seconds)
{
	struct rcase *c;

	if (!name)
		name = "(unnamed)";
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		r->cases = xrealloc(r->cases, r->cap * sizeof(*r->cases));
	}
	c = &r->cases[r->n++];
	c->name = xstrdup(name);
	c->v = v;
	c->reason = reason ? xstrdup(reason) : NULL;
	c->detail = detail ? xstrdup(detail) : NULL;
	c->fault = f && f->id ? xstrdup(f->id) : NULL;
	c->evidence = f && f->evidence ? xstrdup(f->evidence) : NULL;
	c->seconds = seconds;

	if (!r->tap)
		return;
	fprintf(r->tap, "%s %zu - ", tap_ok(v) ? "ok" : "not ok", r->n);
	tap_text(r->tap, name, 1);
	tap_directive(r->tap, v, reason);
	fputc('\n', r->tap);
	if (detail)
		tap_diag(r->tap, detail);
	fflush(r->tap);
}

void report_note(struct report *r, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;

	if (!r->tap)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	tap_diag(r->tap, buf);
	fflush(r->tap);
}

int report_count(const struct report *r, enum verdict v)
{
	size_t i;
	int n = 0;

	for (i = 0; i < r->n; i++)
		n += r->cases[i].v == v;
	return n;
}

static int count_failed(const struct report *r)
{
	size_t i;
	int n = 0;

	for (i = 0; i < r->n; i++)
		n += verdict_fails(r->cases[i].v);
	return n;
}

/*
 * The summary is a TAP diagnostic ("# suite: ...") so that the stream
 * stays valid TAP; CI matches the "N passed, N failed, N skipped" part.
 */
void report_finish(struct report *r)
{
	int known = report_count(r, V_XFAIL);

	if (!r->tap)
		return;
	fprintf(r->tap, "1..%zu\n", r->n);
	fprintf(r->tap, "# %s: %d passed, %d failed, %d skipped", r->suite,
		report_count(r, V_PASS), count_failed(r), report_count(r, V_SKIP));
	if (known)
		fprintf(r->tap, ", %d known fault%s", known, known == 1 ? "" : "s");
	fputc('\n', r->tap);
	fflush(r->tap);
}

/* No cases at all counts as "every case was skipped": nothing was checked. */
int report_exit_code(const struct report *r)
{
	if (report_count(r, V_ERROR))
		return EXIT_SETUP;
	if (count_failed(r))
		return EXIT_FAILED;
	if ((size_t)report_count(r, V_SKIP) == r->n)
		return EXIT_SKIP;
	return EXIT_PASS;
}

/* ---- output files ---- */

static double total_seconds(const struct report *r)
{
	double t = 0;
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->cases[i].seconds > 0)
			t += r->cases[i].seconds;
	return t;
}

/* <failure>/<error>/<skipped>/<system-out> of one case, by verdict. */
static void junit_case_body(struct sbuf *b, const struct rcase *c)
{
	const char *elem = NULL, *msg = NULL, *prefix = "";

	switch (c->v) {
	case V_PASS:
		if (c->detail) {
			sb_puts(b, "      <system-out>");
			sb_xml(b, c->detail, 0);
			sb_puts(b, "</system-out>\n");
		}
		return;
	case V_SKIP:
		sb_puts(b, "      <skipped message=\"");
		sb_xml(b, c->reason ? c->reason : "skipped", 1);
		sb_puts(b, "\"/>\n");
		return;
	case V_XFAIL:
		sb_puts(b, "      <system-out>known fault reproduced");
		if (c->reason) {
			sb_puts(b, ": ");
			sb_xml(b, c->reason, 0);
		}
		if (c->detail) {
			sb_puts(b, "\n");
			sb_xml(b, c->detail, 0);
		}
		sb_puts(b, "</system-out>\n");
		return;
	case V_FAIL:
		elem = "failure";
		msg = c->reason ? c->reason : "check failed";
		break;
	case V_XPASS:
		elem = "failure";
		prefix = "known fault no longer reproduces: ";
		msg = c->reason ? c->reason : "(no description)";
		break;
	case V_ERROR:
		elem = "error";
		msg = c->reason ? c->reason : "lab error";
		break;
	}
	sb_printf(b, "      <%s message=\"%s", elem, prefix);
	sb_xml(b, msg, 1);
	sb_puts(b, "\">");
	if (c->detail)
		sb_xml(b, c->detail, 0);
	sb_printf(b, "</%s>\n", elem);
}

static void junit_build(struct sbuf *b, const struct report *r)
{
	size_t i;

	sb_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"");
	sb_xml(b, r->suite, 1);
	sb_printf(b, "\" tests=\"%zu\" failures=\"%d\" errors=\"%d\" skipped=\"%d\" time=\"",
		  r->n, report_count(r, V_FAIL) + report_count(r, V_XPASS),
		  report_count(r, V_ERROR), report_count(r, V_SKIP));
	sb_seconds(b, total_seconds(r));
	sb_puts(b, "\">\n");
	for (i = 0; i < r->n; i++) {
		const struct rcase *c = &r->cases[i];

		sb_puts(b, "    <testcase classname=\"");
		sb_xml(b, r->suite, 1);
		sb_puts(b, "\" name=\"");
		sb_xml(b, c->name, 1);
		sb_puts(b, "\" time=\"");
		sb_seconds(b, c->seconds);
		sb_puts(b, "\">\n");
		junit_case_body(b, c);
		sb_puts(b, "    </testcase>\n");
	}
	sb_puts(b, "</testsuite>\n");
}

static void json_build(struct sbuf *b, const struct report *r)
{
	size_t i;
	int v;

	sb_puts(b, "{\n  \"suite\": ");
	sb_json(b, r->suite);
	sb_puts(b, ",\n  \"started\": ");
	sb_json(b, r->started);
	sb_puts(b, ",\n  \"seconds\": ");
	sb_seconds(b, total_seconds(r));
	sb_printf(b, ",\n  \"exit_code\": %d,\n  \"counts\": {", report_exit_code(r));
	for (v = 0; v < NVERDICTS; v++)
		sb_printf(b, "%s\"%s\": %d", v ? ", " : "", verdict_name((enum verdict)v),
			  report_count(r, (enum verdict)v));
	sb_puts(b, "},\n  \"cases\": [");
	for (i = 0; i < r->n; i++) {
		const struct rcase *c = &r->cases[i];

		sb_puts(b, i ? ",\n    {\"name\": " : "\n    {\"name\": ");
		sb_json(b, c->name);
		sb_printf(b, ", \"verdict\": \"%s\", \"reason\": ", verdict_name(c->v));
		sb_json(b, c->reason);
		sb_puts(b, ", \"detail\": ");
		sb_json(b, c->detail);
		sb_puts(b, ", \"fault\": ");
		sb_json(b, c->fault);
		sb_puts(b, ", \"evidence\": ");
		sb_json(b, c->evidence);
		sb_puts(b, ", \"seconds\": ");
		sb_seconds(b, c->seconds);
		sb_puts(b, "}");
	}
	sb_puts(b, r->n ? "\n  ]\n}\n" : "]\n}\n");
}

static const struct report_file {
	const char *name;
	void (*build)(struct sbuf *b, const struct report *r);
} report_files[] = {
	{ "junit.xml", junit_build },
	{ "result.json", json_build },
};

int report_write(const struct report *r, const char *dir)
{
	struct sbuf b = { NULL, 0, 0 };
	char path[PATH_MAX];
	size_t i;
	int rc = -1;

	for (i = 0; i < ARRAY_SIZE(report_files); i++) {
		b.len = 0;
		report_files[i].build(&b, r);
		if (str_fmt(path, sizeof(path), "%s/%s", dir, report_files[i].name) < 0 ||
		    file_write(path, b.s, b.len, 0644) < 0) {
			err_prefix("report %s", report_files[i].name);
			goto out_free;
		}
	}
	rc = 0;
out_free:
	free(b.s);
	return rc;
}
