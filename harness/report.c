/* report: verdicts as TAP, JUnit XML and JSON. See report.h. */
#include "report.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

struct rcase {
	char *name;   /* owned */
	enum verdict v;
	char *reason; /* owned, may be NULL */
	char *detail; /* owned, may be NULL */
	double seconds;
};

struct report {
	char *suite;         /* owned */
	FILE *tap;           /* not owned, may be NULL */
	char started[40];    /* wall clock at report_new() */
	struct rcase *cases; /* owned, n used of cap */
	size_t n, cap;
};

/* A growing string for the files; aborts on OOM like xcalloc. */
struct sbuf {
	char *s; /* owned */
	size_t len, cap;
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

static void sb_add(struct sbuf *b, const char *s, size_t len)
{
	if (b->cap - b->len <= len) {
		while (b->cap - b->len <= len)
			b->cap = b->cap ? b->cap * 2 : 4096;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, s, len);
	b->len += len;
	b->s[b->len] = '\0';
}

static void sb_puts(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void FTFW_FMT(2, 3) sb_printf(struct sbuf *b, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		sb_add(b, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/*
 * Length of the valid UTF-8 sequence at s (1..4), or 0 when the bytes are
 * not valid UTF-8 (stray continuation, overlong form, surrogate, beyond
 * U+10FFFF, cut short). Both JSON and XML need valid UTF-8, and a detail
 * may hold whatever bytes a daemon printed.
 */
static size_t utf8_len(const unsigned char *s, unsigned *cp)
{
	size_t len, i;
	unsigned c = s[0];

	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		c &= 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		c &= 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		c &= 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

#define REPLACEMENT_CHAR "\xef\xbf\xbd" /* U+FFFD */

/*
 * XML 1.0 text: the five markup characters escaped; in attributes also
 * tab/newline/CR as character references so that attribute-value
 * normalisation keeps them. Characters XML 1.0 cannot carry at all (other
 * controls, U+FFFE/U+FFFF) and invalid UTF-8 become U+FFFD.
 */
static void sb_xml(struct sbuf *b, const char *str, int attr)
{
	const unsigned char *s = (const unsigned char *)str;

	while (*s) {
		unsigned cp;
		size_t len = utf8_len(s, &cp);

		if (!len) {
			sb_puts(b, REPLACEMENT_CHAR);
			s++;
			continue;
		}
		switch (cp) {
		case '&':
			sb_puts(b, "&amp;");
			break;
		case '<':
			sb_puts(b, "&lt;");
			break;
		case '>':
			sb_puts(b, "&gt;");
			break;
		case '"':
			sb_puts(b, "&quot;");
			break;
		case '\'':
			sb_puts(b, "&apos;");
			break;
		case '\t':
		case '\n':
			if (attr)
				sb_printf(b, "&#%u;", cp);
			else
				sb_add(b, (const char *)s, 1);
			break;
		case '\r':
			sb_puts(b, "&#13;");
			break;
		default:
			if (cp < 0x20 || cp == 0xfffe || cp == 0xffff)
				sb_puts(b, REPLACEMENT_CHAR);
			else
				sb_add(b, (const char *)s, len);
			break;
		}
		s += len;
	}
}

/* A JSON string with its quotes; NULL becomes null. Invalid UTF-8 -> U+FFFD. */
static void sb_json(struct sbuf *b, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	if (!str) {
		sb_puts(b, "null");
		return;
	}
	sb_puts(b, "\"");
	while (*s) {
		unsigned cp;
		size_t len = utf8_len(s, &cp);

		if (!len) {
			sb_puts(b, REPLACEMENT_CHAR);
			s++;
			continue;
		}
		switch (cp) {
		case '"':
			sb_puts(b, "\\\"");
			break;
		case '\\':
			sb_puts(b, "\\\\");
			break;
		case '\n':
			sb_puts(b, "\\n");
			break;
		case '\t':
			sb_puts(b, "\\t");
			break;
		case '\r':
			sb_puts(b, "\\r");
			break;
		default:
			if (cp < 0x20)
				sb_printf(b, "\\u%04x", cp);
			else
				sb_add(b, (const char *)s, len);
			break;
		}
		s += len;
	}
	sb_puts(b, "\"");
}

/*
 * Seconds with millisecond precision, written from integers so that a
 * caller's LC_NUMERIC cannot turn the point into a comma (invalid JSON).
 */
static void sb_seconds(struct sbuf *b, double seconds)
{
	long long ms;

	if (!(seconds >= 0))
		seconds = 0;
	if (seconds > 1e9)
		seconds = 1e9;
	ms = (long long)(seconds * 1000.0 + 0.5);
	sb_printf(b, "%lld.%03lld", ms / 1000, ms % 1000);
}

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
