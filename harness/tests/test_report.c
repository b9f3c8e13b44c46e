/*
 * Unit tests of report: the TAP line of each verdict, TAP numbering, the
 * summary line and exit code of verdict mixes, and the JUnit/JSON files
 * (escaping checked in the bytes and by parsing them back with python3).
 * No root needed.
 */
#include <check.h>
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "report.h"
#include "testlib.h"

extern char **environ;

/* Everything the report printed to a memory FILE, header line dropped. */
struct tap_capture {
	FILE *f;
	char *buf;
	size_t len;
};

static struct report *tap_open(struct tap_capture *t, const char *suite)
{
	t->buf = NULL;
	t->len = 0;
	t->f = open_memstream(&t->buf, &t->len);
	ck_assert_ptr_nonnull(t->f);
	return report_new(suite, t->f);
}

/* The text after "TAP version 13\n"; valid until tap_close(). */
static const char *tap_text_of(struct tap_capture *t)
{
	static const char header[] = "TAP version 13\n";

	fflush(t->f);
	ck_assert_msg(strncmp(t->buf, header, strlen(header)) == 0,
		      "TAP stream does not start with the version line: '%s'", t->buf);
	return t->buf + strlen(header);
}

static void tap_close(struct tap_capture *t)
{
	fclose(t->f);
	free(t->buf);
}

/* ---- one verdict, one TAP line ---- */

static const struct tap_row {
	enum verdict v;
	const char *name, *reason, *detail;
	const char *want;
} tap_rows[] = {
	{ V_PASS, "sync after failover", NULL, NULL, "ok 1 - sync after failover\n" },
	{ V_PASS, "reason ignored", "because", NULL, "ok 1 - reason ignored\n" },
	{ V_FAIL, "entry on backup", NULL, "expected: tcp ESTABLISHED\nfound: nothing",
	  "not ok 1 - entry on backup\n# expected: tcp ESTABLISHED\n# found: nothing\n" },
	{ V_SKIP, "ipv6", "no ip6tables", NULL, "ok 1 - ipv6 # SKIP no ip6tables\n" },
	{ V_SKIP, "bare skip", NULL, NULL, "ok 1 - bare skip # SKIP\n" },
	{ V_XFAIL, "expect synced", "bug 1234", NULL,
	  "not ok 1 - expect synced # TODO known fault: bug 1234\n" },
	{ V_XPASS, "expect synced", "bug 1234", NULL,
	  "not ok 1 - expect synced # known fault no longer reproduces: bug 1234\n" },
	{ V_ERROR, "daemon up", NULL, "conntrackd died", "not ok 1 - daemon up # error\n# conntrackd died\n" },
	{ V_ERROR, "daemon up", "exit 1", NULL, "not ok 1 - daemon up # error: exit 1\n" },
	/* A '#' in a name would start a directive; a newline would end the line. */
	{ V_PASS, "port # 21\nnext", NULL, NULL, "ok 1 - port \\# 21 next\n" },
	{ V_SKIP, "x", "two\nlines", NULL, "ok 1 - x # SKIP two lines\n" },
	/* Detail: empty lines stay, as a bare "#". */
	{ V_FAIL, "d", NULL, "a\n\nb\n", "not ok 1 - d\n# a\n#\n# b\n" },
};

START_TEST(test_tap_line)
{
	const struct tap_row *row = &tap_rows[_i];
	struct tap_capture t;
	struct report *r = tap_open(&t, "s");

	report_add(r, row->name, row->v, row->reason, row->detail, 0.5);
	ck_assert_str_eq(tap_text_of(&t), row->want);
	report_free(r);
	tap_close(&t);
}
END_TEST

/* Numbering runs 1..N in the order of report_add, with notes in between. */
START_TEST(test_tap_numbering)
{
	static const char want[] =
		"ok 1 - a\n"
		"not ok 2 - b\n"
		"# between\n"
		"# two lines\n"
		"ok 3 - c # SKIP why\n"
		"not ok 4 - d # TODO known fault: why\n"
		"not ok 5 - e # known fault no longer reproduces: why\n"
		"not ok 6 - f # error\n"
		"1..6\n"
		"# numbering: 1 passed, 3 failed, 1 skipped, 1 known fault\n";
	struct tap_capture t;
	struct report *r = tap_open(&t, "numbering");

	report_add(r, "a", V_PASS, NULL, NULL, 0);
	report_add(r, "b", V_FAIL, NULL, NULL, 0);
	report_note(r, "between\ntwo %s", "lines");
	report_add(r, "c", V_SKIP, "why", NULL, 0);
	report_add(r, "d", V_XFAIL, "why", NULL, 0);
	report_add(r, "e", V_XPASS, "why", NULL, 0);
	report_add(r, "f", V_ERROR, NULL, NULL, 0);
	report_finish(r);
	ck_assert_str_eq(tap_text_of(&t), want);
	report_free(r);
	tap_close(&t);
}
END_TEST

/* ---- summary line and exit code per mix of verdicts ---- */

static const struct mix_row {
	int n[V_ERROR + 1]; /* how many of each verdict, in enum order */
	const char *summary;
	int exit_code;
} mix_rows[] = {
	/*  pass fail skip xfail xpass error */
	{ { 3, 0, 0, 0, 0, 0 }, "3 passed, 0 failed, 0 skipped", EXIT_PASS },
	{ { 2, 1, 0, 0, 0, 0 }, "2 passed, 1 failed, 0 skipped", EXIT_FAILED },
	{ { 0, 0, 0, 1, 0, 0 }, "0 passed, 0 failed, 0 skipped, 1 known fault", EXIT_PASS },
	{ { 1, 0, 0, 2, 0, 0 }, "1 passed, 0 failed, 0 skipped, 2 known faults", EXIT_PASS },
	{ { 0, 0, 0, 0, 1, 0 }, "0 passed, 1 failed, 0 skipped", EXIT_FAILED },
	{ { 1, 1, 0, 0, 0, 1 }, "1 passed, 2 failed, 0 skipped", EXIT_SETUP },
	{ { 0, 0, 0, 0, 0, 1 }, "0 passed, 1 failed, 0 skipped", EXIT_SETUP },
	{ { 0, 0, 2, 0, 0, 0 }, "0 passed, 0 failed, 2 skipped", EXIT_SKIP },
	{ { 1, 0, 1, 0, 0, 0 }, "1 passed, 0 failed, 1 skipped", EXIT_PASS },
	{ { 0, 0, 1, 2, 0, 0 }, "0 passed, 0 failed, 1 skipped, 2 known faults", EXIT_PASS },
	{ { 0, 1, 3, 0, 0, 0 }, "0 passed, 1 failed, 3 skipped", EXIT_FAILED },
	{ { 1, 1, 1, 1, 1, 1 }, "1 passed, 3 failed, 1 skipped, 1 known fault", EXIT_SETUP },
	{ { 0, 0, 0, 0, 0, 0 }, "0 passed, 0 failed, 0 skipped", EXIT_SKIP },
};

START_TEST(test_summary_and_exit)
{
	const struct mix_row *row = &mix_rows[_i];
	struct tap_capture t;
	struct report *r = tap_open(&t, "ftp-failover");
	char want[256];
	const char *out, *plan;
	int v, k, total = 0;

	for (v = 0; v <= V_ERROR; v++) {
		for (k = 0; k < row->n[v]; k++)
			report_add(r, "case", (enum verdict)v, NULL, NULL, 0);
		total += row->n[v];
	}
	for (v = 0; v <= V_ERROR; v++)
		ck_assert_int_eq(report_count(r, (enum verdict)v), row->n[v]);
	report_finish(r);
	out = tap_text_of(&t);
	snprintf(want, sizeof(want), "\n1..%d\n# ftp-failover: %s\n", total, row->summary);
	plan = strstr(out, want + (total ? 0 : 1));
	ck_assert_msg(plan && plan[strlen(want + (total ? 0 : 1))] == '\0',
		      "summary: want ...'%s' at the end of '%s'", want, out);
	ck_assert_int_eq(report_exit_code(r), row->exit_code);
	report_free(r);
	tap_close(&t);
}
END_TEST

START_TEST(test_verdict_names)
{
	static const char *const want[] = { "pass", "fail", "skip", "known-fault", "fixed", "error" };
	int v;

	for (v = 0; v <= V_ERROR; v++)
		ck_assert_str_eq(verdict_name((enum verdict)v), want[v]);
}
END_TEST

/* Without a TAP stream the report still counts and writes its files. */
START_TEST(test_no_tap)
{
	struct report *r = report_new("quiet", NULL);

	report_add(r, "a", V_FAIL, NULL, "d", 1);
	report_note(r, "nothing printed");
	report_finish(r);
	ck_assert_int_eq(report_count(r, V_FAIL), 1);
	ck_assert_int_eq(report_exit_code(r), EXIT_FAILED);
	report_free(r);
}
END_TEST

/* ---- files ---- */

/* Run argv, return its exit status (or -1 when it could not be run). */
static int run(char *const argv[])
{
	pid_t pid;
	int st;

	if (posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ) != 0)
		return -1;
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char top[64]; /* made once, removed by the unchecked teardown */
static char dir[96]; /* this test's folder inside top */

static void top_setup(void)
{
	strcpy(top, "/tmp/ftfwtest-report-XXXXXX");
	if (!mkdtemp(top))
		top[0] = '\0';
}

/* Unchecked: runs even when a test failed and its own teardown did not. */
static void top_teardown(void)
{
	char *argv[] = { "rm", "-rf", top, NULL };

	if (top[0] && run(argv) != 0)
		fprintf(stderr, "test_report: could not remove %s\n", top);
}

static void dir_setup(void)
{
	ck_assert_msg(top[0], "mkdtemp /tmp/ftfwtest-report-XXXXXX failed");
	snprintf(dir, sizeof(dir), "%s/XXXXXX", top);
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

/* Markup, quotes, newline, tab: what escaping must survive. */
#define NASTY "a <&>\"' b\nline2\tcol"

static struct report *nasty_report(void)
{
	struct report *r = report_new("esc <&>\"' suite", NULL);

	report_add(r, "pass <1>", V_PASS, NULL, NULL, 0.25);
	report_add(r, "fail & co", V_FAIL, NASTY, NASTY, 1.5);
	report_add(r, "skip", V_SKIP, NASTY, NULL, 0);
	report_add_fault(r, "known", V_XFAIL, "bug \"7\"", &(struct report_fault){ "bug7", "a <&>\"" }, NASTY,
			 0.001);
	report_add(r, "fixed", V_XPASS, "bug 8", NASTY, 2);
	report_add(r, "err", V_ERROR, NULL, NASTY, 0);
	/* control byte, non-ASCII, invalid UTF-8, backslash */
	report_add(r, "bytes", V_FAIL, NULL, "x\x01y \xc3\xa9 \xff z\\", 0);
	return r;
}

static char *read_out(const char *name)
{
	char path[128];
	struct stat st;
	char *s;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	s = file_read(path, NULL);
	ck_assert_msg(s != NULL, "%s", err_get());
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0644);
	return s;
}


#define assert_has(hay, needle) \
	ck_assert_msg(strstr((hay), (needle)) != NULL, "'%s' not found in:\n%s", (needle), (hay))

static const char py_xml[] =
	"import sys, xml.etree.ElementTree as E\n"
	"root = E.parse(sys.argv[1]).getroot()\n"
	"case = [c for c in root.iter('testcase') if c.get('name') == sys.argv[2]][0]\n"
	"el = case.find(sys.argv[3])\n"
	"if el is None or (el.text or '') != sys.argv[4]:\n"
	"    sys.exit('text: %r' % (None if el is None else el.text))\n"
	"if len(sys.argv) > 5 and el.get('message') != sys.argv[5]:\n"
	"    sys.exit('message: %r' % el.get('message'))\n";

START_TEST(test_junit)
{
	struct report *r = nasty_report();
	char path[128];
	char *x;

	ck_assert_msg(report_write(r, dir) == 0, "%s", err_get());
	x = read_out("junit.xml");
	assert_has(x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	assert_has(x, "<testsuite name=\"esc &lt;&amp;&gt;&quot;&apos; suite\" tests=\"7\" "
		      "failures=\"3\" errors=\"1\" skipped=\"1\" time=\"3.751\">");
	assert_has(x, "name=\"pass &lt;1&gt;\" time=\"0.250\"");
	/* element text: newline and tab kept as they are */
	assert_has(x, "<failure message=\"a &lt;&amp;&gt;&quot;&apos; b&#10;line2&#9;col\">"
		      "a &lt;&amp;&gt;&quot;&apos; b\nline2\tcol</failure>");
	assert_has(x, "<skipped message=\"a &lt;&amp;&gt;&quot;&apos; b&#10;line2&#9;col\"/>");
	assert_has(x, "<system-out>known fault reproduced: bug &quot;7&quot;\na &lt;");
	assert_has(x, "<failure message=\"known fault no longer reproduces: bug 8\">");
	assert_has(x, "<error message=\"lab error\">a &lt;&amp;");
	/* XML 1.0 cannot carry U+0001 nor a stray 0xff: both become U+FFFD */
	assert_has(x, "x\xef\xbf\xbdy \xc3\xa9 \xef\xbf\xbd z\\</failure>");
	ck_assert_ptr_null(strstr(x, NASTY));
	free(x);

	/* The same, read back by a real XML parser. */
	snprintf(path, sizeof(path), "%s/junit.xml", dir);
	{
		char *fail[] = { "python3", "-c", (char *)py_xml, path, "fail & co", "failure",
				 NASTY, NASTY, NULL };
		char *xfail[] = { "python3", "-c", (char *)py_xml, path, "known", "system-out",
				  "known fault reproduced: bug \"7\"\n" NASTY, NULL };
		char *skip[] = { "python3", "-c", (char *)py_xml, path, "skip", "skipped", "",
				 NASTY, NULL };

		ck_assert_int_eq(run(fail), 0);
		ck_assert_int_eq(run(xfail), 0);
		ck_assert_int_eq(run(skip), 0);
	}
	report_free(r);
}
END_TEST

static const char py_json[] =
	"import sys, json\n"
	"d = json.load(open(sys.argv[1], encoding='utf-8'))\n"
	"c = d['cases'][int(sys.argv[2])]\n"
	"if c['detail'] != sys.argv[3]: sys.exit('detail: %r' % c['detail'])\n"
	"if d['counts'] != {'pass': 1, 'fail': 2, 'skip': 1, 'known-fault': 1, 'fixed': 1, 'error': 1}:\n"
	"    sys.exit('counts: %r' % d['counts'])\n"
	"if len(d['cases']) != 7 or d['cases'][2]['verdict'] != 'skip' or d['cases'][0]['reason'] is not None:\n"
	"    sys.exit('cases: %r' % d['cases'])\n"
	"if d['suite'] != 'esc <&>\"\\' suite' or d['exit_code'] != 2: sys.exit('suite %r' % d)\n";

START_TEST(test_json)
{
	struct report *r = nasty_report();
	char path[128];
	char *j;

	ck_assert_msg(report_write(r, dir) == 0, "%s", err_get());
	j = read_out("result.json");
	assert_has(j, "\"suite\": \"esc <&>\\\"' suite\"");
	assert_has(j, "\"counts\": {\"pass\": 1, \"fail\": 2, \"skip\": 1, \"known-fault\": 1, "
		      "\"fixed\": 1, \"error\": 1}");
	assert_has(j, "{\"name\": \"fail & co\", \"verdict\": \"fail\", "
		      "\"reason\": \"a <&>\\\"' b\\nline2\\tcol\", "
		      "\"detail\": \"a <&>\\\"' b\\nline2\\tcol\", \"fault\": null, \"evidence\": null, "
		      "\"seconds\": 1.500}");
	assert_has(j, "{\"name\": \"pass <1>\", \"verdict\": \"pass\", \"reason\": null, "
		      "\"detail\": null, \"fault\": null, \"evidence\": null, \"seconds\": 0.250}");
	/* a check marked with a known fault carries the fault and its evidence */
	assert_has(j, "\"verdict\": \"known-fault\", \"reason\": \"bug \\\"7\\\"\", ");
	assert_has(j, "\"fault\": \"bug7\", \"evidence\": \"a <&>\\\"\", \"seconds\": 0.001}");
	assert_has(j, "\"verdict\": \"known-fault\"");
	assert_has(j, "\"verdict\": \"fixed\"");
	/* control char as \u0001, UTF-8 passed through, invalid byte -> U+FFFD */
	assert_has(j, "\"detail\": \"x\\u0001y \xc3\xa9 \xef\xbf\xbd z\\\\\"");
	free(j);

	snprintf(path, sizeof(path), "%s/result.json", dir);
	{
		char *fail[] = { "python3", "-c", (char *)py_json, path, "1", NASTY, NULL };
		char *bytes[] = { "python3", "-c", (char *)py_json, path, "6",
				  "x\x01y \xc3\xa9 \xef\xbf\xbd z\\", NULL };

		ck_assert_int_eq(run(fail), 0);
		ck_assert_int_eq(run(bytes), 0);
	}
	report_free(r);
}
END_TEST

/* An empty report is still valid JSON and XML. */
START_TEST(test_empty_files)
{
	struct report *r = report_new("empty", NULL);
	char path[128];
	char *j;

	ck_assert_msg(report_write(r, dir) == 0, "%s", err_get());
	j = read_out("result.json");
	assert_has(j, "\"cases\": []");
	free(j);
	snprintf(path, sizeof(path), "%s/result.json", dir);
	{
		char *json[] = { "python3", "-c",
				 "import json, sys; d = json.load(open(sys.argv[1]));"
				 " sys.exit(d['cases'] != [] or d['exit_code'] != 4)",
				 path, NULL };

		ck_assert_int_eq(run(json), 0);
	}
	snprintf(path, sizeof(path), "%s/junit.xml", dir);
	{
		char *xml[] = { "python3", "-c",
				"import sys, xml.etree.ElementTree as E;"
				" r = E.parse(sys.argv[1]).getroot();"
				" sys.exit(r.get('tests') != '0' or len(r) != 0)",
				path, NULL };

		ck_assert_int_eq(run(xml), 0);
	}
	report_free(r);
}
END_TEST

START_TEST(test_write_error)
{
	struct report *r = report_new("s", NULL);

	err_clear();
	ck_assert_int_eq(report_write(r, "/nonexistent-ftfwtest-dir"), -1);
	assert_has(err_get(), "junit.xml");
	assert_has(err_get(), "/nonexistent-ftfwtest-dir");
	report_free(r);
}
END_TEST

static Suite *report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *tap = tcase_create("tap");
	TCase *files = tcase_create("files");

	tcase_add_loop_test(tap, test_tap_line, 0, (int)(sizeof(tap_rows) / sizeof(tap_rows[0])));
	tcase_add_test(tap, test_tap_numbering);
	tcase_add_loop_test(tap, test_summary_and_exit, 0,
			    (int)(sizeof(mix_rows) / sizeof(mix_rows[0])));
	tcase_add_test(tap, test_verdict_names);
	tcase_add_test(tap, test_no_tap);
	suite_add_tcase(s, tap);

	tcase_add_unchecked_fixture(files, top_setup, top_teardown);
	tcase_add_checked_fixture(files, dir_setup, NULL);
	tcase_add_test(files, test_junit);
	tcase_add_test(files, test_json);
	tcase_add_test(files, test_empty_files);
	tcase_add_test(files, test_write_error);
	suite_add_tcase(s, files);
	return s;
}

int main(void)
{
	return tl_main(report_suite());
}
