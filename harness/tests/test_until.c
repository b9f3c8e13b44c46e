/*
 * test_until: waiting with a deadline (poll_until's three outcomes, the
 * last try at the deadline) and the file helpers, as tables: file_has
 * from an offset, file_count, file_tail's cut-offs and empty cases.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testlib.h"
#include "until.h"

static char dir[128];

static void dir_setup(void)
{
	tl_tmpdir_make(dir, sizeof(dir), "ftfwtest-until");
}

static void dir_teardown(void)
{
	tl_tmpdir_remove(dir);
}

/* dir/name with text (NULL: no such file). */
static const char *put(const char *name, const char *text)
{
	static char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	if (text)
		ck_assert_msg(file_write(path, text, strlen(text), 0644) == 0, "%s", err_get());
	return path;
}

/* ---- poll_until ---- */

struct counter {
	int calls, true_at, fail_at; /* cond is true (1) / fails (-1) at that call; 0 never */
};

static int count_cond(void *p)
{
	struct counter *c = p;

	c->calls++;
	if (c->fail_at && c->calls == c->fail_at) {
		err_set("failed at call %d", c->calls);
		return -1;
	}
	return c->true_at && c->calls >= c->true_at;
}

static const struct {
	int timeout_ms, true_at, fail_at;
	int want, min_calls, max_calls;
} poll_rows[] = {
	{ 1000, 1, 0, 1, 1, 1 },     /* true at once: one call */
	{ 1000, 3, 0, 1, 3, 3 },     /* true at the third try */
	{ 0, 0, 0, 0, 1, 1 },        /* no time at all: still tried once */
	{ 30, 0, 0, 0, 2, 10 },      /* never: tried until the deadline, then once more */
	{ 1000, 0, 2, -1, 2, 2 },    /* the condition's own error stops it */
	{ 1000, 5, 2, -1, 2, 2 },    /* an error before it would hold */
};

START_TEST(test_poll_until)
{
	struct counter c = { 0, poll_rows[_i].true_at, poll_rows[_i].fail_at };
	int rc;

	err_clear();
	rc = poll_until(poll_rows[_i].timeout_ms, 10, count_cond, &c);
	ck_assert_msg(rc == poll_rows[_i].want, "row %d: %d, wanted %d", _i, rc, poll_rows[_i].want);
	ck_assert_msg(c.calls >= poll_rows[_i].min_calls && c.calls <= poll_rows[_i].max_calls,
		      "row %d: %d calls, wanted %d..%d", _i, c.calls, poll_rows[_i].min_calls, poll_rows[_i].max_calls);
	if (rc < 0)
		ck_assert_str_eq(err_get(), "failed at call 2");
}
END_TEST

/* ---- files ---- */

static const struct {
	const char *text; /* NULL: no file */
	size_t from;
	const char *find;
	int has, count;
} has_rows[] = {
	{ "a BACKUP done\nb MASTER done\n", 0, "MASTER done", 1, 1 },
	{ "a BACKUP done\nb MASTER done\n", 14, "MASTER done", 1, 1 },
	{ "a BACKUP done\nb MASTER done\n", 17, "MASTER done", 0, 1 },  /* starts inside it */
	{ "a BACKUP done\nb MASTER done\n", 100, "done", 0, 2 },        /* past the end */
	{ "x done done done", 0, "done", 1, 3 },
	{ "", 0, "x", 0, 0 },
	{ NULL, 0, "x", 0, 0 },
	{ "aaaa", 0, "aa", 1, 2 },                                       /* counted without overlap */
};

START_TEST(test_file_has)
{
	const char *path = put("has.txt", has_rows[_i].text);

	ck_assert_msg(file_has(path, has_rows[_i].from, has_rows[_i].find) == has_rows[_i].has, "row %d: file_has", _i);
	ck_assert_msg(file_count(path, has_rows[_i].find) == has_rows[_i].count, "row %d: file_count %d", _i,
		      file_count(path, has_rows[_i].find));
}
END_TEST

static const struct {
	const char *text;
	size_t from, max, len;
	const char *want;
} tail_rows[] = {
	{ "first\nlast words\n\n", 0, 300, 64, "first\nlast words" },  /* newlines at the end cut */
	{ "first\nlast words\n", 0, 10, 64, "last words" },           /* the last max bytes */
	{ "first\nlast words\n", 6, 300, 64, "last words" },          /* from an offset */
	{ "first\n", 6, 300, 64, "(no output)" },                      /* nothing after it */
	{ "\n\n", 0, 300, 64, "(no output)" },
	{ "", 0, 300, 64, "(no output)" },
	{ NULL, 0, 300, 64, "(no output)" },
	{ "0123456789", 0, 300, 5, "0123" },                           /* cut to the buffer */
	{ "old\r\nnew\r\n", 0, 300, 64, "old\r\nnew" },
};

START_TEST(test_file_tail)
{
	const char *path = put("tail.txt", tail_rows[_i].text);
	char buf[64];

	ck_assert_str_eq(file_tail(path, tail_rows[_i].from, tail_rows[_i].max, buf, tail_rows[_i].len),
			 tail_rows[_i].want);
}
END_TEST

START_TEST(test_file_wait)
{
	const char *path = put("wait.txt", "conntrackd: initialization completed\n");
	int64_t t0;

	/* what holds already holds on the first try: no time to wait needed */
	ck_assert_int_eq(file_wait(path, 0, "initialization completed", 1, 0), 1);
	ck_assert_int_eq(file_wait(path, 0, "no such words", 0, 0), 1);
	t0 = now_ms();
	ck_assert_int_eq(file_wait(path, 0, "no such words", 1, 50), 0);
	ck_assert_int_eq(file_wait(path, 0, "initialization", 0, 50), 0);
	ck_assert_int_eq(file_wait(path, 20, "conntrackd", 1, 0), 0); /* before the offset */
	ck_assert_msg(now_ms() - t0 >= 100, "gave up after %lld ms, before its deadlines", (long long)(now_ms() - t0));
}
END_TEST

static Suite *until_suite(void)
{
	Suite *s = suite_create("until");
	TCase *t = tcase_create("tables");

	tcase_add_unchecked_fixture(t, dir_setup, dir_teardown);
	tcase_add_loop_test(t, test_poll_until, 0, (int)(sizeof(poll_rows) / sizeof(poll_rows[0])));
	tcase_add_loop_test(t, test_file_has, 0, (int)(sizeof(has_rows) / sizeof(has_rows[0])));
	tcase_add_loop_test(t, test_file_tail, 0, (int)(sizeof(tail_rows) / sizeof(tail_rows[0])));
	tcase_add_test(t, test_file_wait);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return tl_main(until_suite());
}
