/*
 * test_cgroup: what cleanup after a crash may touch (table: a dead run's
 * recorded cgroup path is refused unless it is that run's own group in a
 * cgroup2 tree), and, as root with cgroup v2, a group that ends a
 * double-forked orphan its parent no longer knows about.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "testlib.h"

/* The first cgroup2 mount, or "". */
static void mount_point(char *buf, size_t len)
{
	if (cgroup_mount_point(buf, len) < 0) {
		buf[0] = '\0';
		err_clear();
	}
}

/* "M" in a path stands for the cgroup2 mount point. */
static const struct {
	const char *path, *name;
	int want;            /* cgroup_kill_path() */
	const char *err;     /* in err_get() when want != 0 */
} kill_rows[] = {
	{ "M/ftfw-abcdef", "ftfw-abcdef", 0, NULL },                 /* not there: nothing to do */
	{ "M/user.slice", "ftfw-abcdef", 1, "not a run's group (ftfw-abcdef), left alone" },
	{ "M/ftfw-abcdef/../x", "ftfw-abcdef", 1, "not a run's group" },
	{ "M/x/../ftfw-abcdef", "ftfw-abcdef", 1, "not a run's group" },
	{ "M/./ftfw-abcdef", "ftfw-abcdef", 1, "not a run's group" },
	{ "ftfw-abcdef", "ftfw-abcdef", 1, "not a run's group" },    /* no folder at all */
	{ "/tmp/ftfw-abcdef", "ftfw-abcdef", 1, "not under the cgroup2 mount" },
	{ "/ftfw-abcdef", "ftfw-abcdef", 1, "not under the cgroup2 mount" },
	{ "Mx/ftfw-abcdef", "ftfw-abcdef", 1, "not under the cgroup2 mount" }, /* a sibling of the mount */
};

START_TEST(test_kill_path)
{
	char mnt[256], path[512], what[64];
	const char *p = kill_rows[_i].path;
	int killed = -1, rc;

	mount_point(mnt, sizeof(mnt));
	if (!mnt[0] && (strncmp(p, "M", 1) == 0 || strstr(kill_rows[_i].err ? kill_rows[_i].err : "", "mount"))) {
		tl_skip("no cgroup2 mount on this machine");
		return;
	}
	snprintf(path, sizeof(path), "%s%s", p[0] == 'M' ? mnt : "", p[0] == 'M' ? p + 1 : p);
	err_clear();
	rc = cgroup_kill_path(path, kill_rows[_i].name, &killed, what, sizeof(what));
	ck_assert_msg(rc == kill_rows[_i].want, "row %d (%s): %d, wanted %d (%s)", _i, path, rc, kill_rows[_i].want,
		      err_get());
	ck_assert_int_eq(killed, 0);
	if (kill_rows[_i].err)
		ck_assert_msg(strstr(err_get(), kill_rows[_i].err), "row %d: '%s' lacks '%s'", _i, err_get(),
			      kill_rows[_i].err);
}
END_TEST

/* The live test's group is named after the suite's own process (set in
 * main(), before Check forks a test), so that the unchecked teardown, run
 * in that process, can end it when a failed assertion left it. */
static pid_t suite_pid;

static void live_name(char *name, size_t len)
{
	snprintf(name, len, "ftfwtest-cg-%d", (int)suite_pid);
}

static void live_teardown(void)
{
	char mnt[256], name[32], path[512], what[128];
	int killed;

	mount_point(mnt, sizeof(mnt));
	if (!mnt[0])
		return;
	live_name(name, sizeof(name));
	snprintf(path, sizeof(path), "%s/%s", mnt, name);
	if (cgroup_kill_path(path, name, &killed, what, sizeof(what)) != 0)
		fprintf(stderr, "test_cgroup: %s\n", err_get());
	else if (killed)
		fprintf(stderr, "test_cgroup: teardown ended what a failed test left: %s\n", what);
}

/* Running (not gone, not a zombie)? */
static int alive(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (!(f = fopen(path, "re")))
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

static int is_sleep(pid_t pid)
{
	char path[64], comm[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	if (!(f = fopen(path, "re")))
		return 0;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = '\0';
	fclose(f);
	return strcmp(comm, "sleep\n") == 0;
}

/* As root: this process in a group, a child that leaves an orphan (its own
 * child, in a session of its own) and exits; ending the group ends the
 * orphan, names it, and removes the group. */
START_TEST(test_orphan_ended)
{
	char mnt[256], name[32], what[256], path[512];
	struct cgroup *cg;
	int killed = 0, p[2], st;
	pid_t child, orphan = 0;
	struct stat sb;

	mount_point(mnt, sizeof(mnt));
	if (geteuid() != 0 || !mnt[0]) {
		tl_skip(geteuid() ? "not root (a cgroup needs root)" : "no cgroup2 mount on this machine");
		return;
	}
	live_name(name, sizeof(name));
	cg = cgroup_new(name);
	ck_assert_msg(cg != NULL, "%s", err_get());
	snprintf(path, sizeof(path), "%s", cgroup_path(cg));
	ck_assert_msg(cgroup_enter(cg) == 0, "%s", err_get());
	ck_assert_int_eq(pipe(p), 0);
	child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0) {
		pid_t o = fork();

		if (o == 0) {
			setsid();
			execlp("sleep", "sleep", "300", (char *)NULL);
			_exit(127);
		}
		if (write(p[1], &o, sizeof(o)) != sizeof(o))
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	ck_assert_int_eq(read(p[0], &orphan, sizeof(orphan)), (ssize_t)sizeof(orphan));
	close(p[0]);
	ck_assert_int_eq(waitpid(child, &st, 0), child);
	ck_assert_msg(kill(orphan, 0) == 0, "the orphan %d is not running", (int)orphan);
	/* until it is sleep (exec done), for the name */
	for (st = 0; st < 400 && !is_sleep(orphan); st++)
		usleep(5000);
	ck_assert_msg(is_sleep(orphan), "the orphan %d never became sleep", (int)orphan);

	ck_assert_msg(cgroup_end(cg, &killed, what, sizeof(what)) == 0, "%s", err_get());
	ck_assert_int_eq(killed, 1);
	ck_assert_msg(strstr(what, "sleep ") != NULL, "what: '%s'", what);
	/* dead: gone, or a zombie until its new parent reaps it */
	ck_assert_msg(!alive(orphan), "the orphan %d still runs", (int)orphan);
	ck_assert_msg(stat(path, &sb) < 0, "%s still exists", path);
}
END_TEST

static Suite *cgroup_suite(void)
{
	Suite *s = suite_create("cgroup");
	TCase *t = tcase_create("tables");

	tcase_add_loop_test(t, test_kill_path, 0, (int)(sizeof(kill_rows) / sizeof(kill_rows[0])));
	suite_add_tcase(s, t);
	t = tcase_create("live");
	tcase_add_unchecked_fixture(t, NULL, live_teardown);
	tcase_add_test(t, test_orphan_ended);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	suite_pid = getpid();
	return tl_main(cgroup_suite());
}
