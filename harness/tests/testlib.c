/* testlib: fixtures shared by the unit suites. See testlib.h. */
#include "testlib.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/wait.h>
#include <unistd.h>
#include "firewall.h"
#include "netns.h"
#include "util.h"

int tl_run(char *const argv[])
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Run one command of the table, "NS" replaced; 0 or -1 (said on stderr). */
static int run_row(const char *ns, const char *const row[TL_CMD_WORDS])
{
	char *argv[TL_CMD_WORDS] = { NULL };
	size_t j;
	int rc;

	for (j = 0; j + 1 < TL_CMD_WORDS && row[j]; j++)
		argv[j] = (char *)(strcmp(row[j], "NS") == 0 ? ns : row[j]);
	rc = tl_run(argv);
	if (rc != 0)
		fprintf(stderr, "live setup: %s %s %s %s ...: exit %d\n", argv[0], argv[1] ? argv[1] : "",
			argv[1] && argv[2] ? argv[2] : "", argv[1] && argv[2] && argv[3] ? argv[3] : "", rc);
	return rc == 0 ? 0 : -1;
}

void tl_ns_reclaim_stale(void)
{
	DIR *d = opendir("/run/netns");
	struct dirent *e;

	while (d && (e = readdir(d)) != NULL) {
		const char *dash = strrchr(e->d_name, '-');
		char *end;
		long pid;

		if (strncmp(e->d_name, "ftfwtest-", 9) != 0 || !dash)
			continue;
		pid = strtol(dash + 1, &end, 10);
		if (*end || pid <= 0 || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		if (netns_del(e->d_name) < 0)
			fprintf(stderr, "reclaim %s: %s\n", e->d_name, err_get());
	}
	if (d)
		closedir(d);
}

void tl_ns_new(struct tl_ns *ns, const char *tag, const char *extra_nft,
	       const char *const cmds[][TL_CMD_WORDS], size_t ncmds)
{
	struct fw_options o;
	char text[16384], path[128];
	size_t i, n;
	int rc = 0;

	memset(ns, 0, sizeof(*ns));
	tl_ns_reclaim_stale();
	snprintf(ns->name, sizeof(ns->name), "ftfwtest-%s-%d", tag, (int)getpid());
	snprintf(path, sizeof(path), "/tmp/%s.nft", ns->name);
	ns->made = netns_add(ns->name) == 0;
	if (!ns->made) {
		fprintf(stderr, "live setup: %s\n", err_get());
		return;
	}
	fw_options_default(&o); /* NAT on: the nat chain has an snat rule */
	if (firewall_render_ruleset(ROLE_FW1, &o, text, sizeof(text)) < 0) {
		fprintf(stderr, "live setup: %s\n", err_get());
		return;
	}
	n = strlen(text);
	if (extra_nft && n + strlen(extra_nft) + 1 > sizeof(text)) {
		fprintf(stderr, "live setup: ruleset too long\n");
		return;
	}
	if (extra_nft)
		memcpy(text + n, extra_nft, strlen(extra_nft) + 1);
	if (file_write(path, text, strlen(text), 0600) < 0) {
		fprintf(stderr, "live setup: %s\n", err_get());
		return;
	}
	for (i = 0; i < ncmds && rc == 0; i++)
		rc = run_row(ns->name, cmds[i]);
	if (rc == 0) {
		static const char *const load[TL_CMD_WORDS] = { "ip", "netns", "exec", "NS", "nft", "-f", NULL };
		const char *row[TL_CMD_WORDS];

		memcpy(row, load, sizeof(row));
		row[6] = path;
		rc = run_row(ns->name, row);
	}
	unlink(path);
	ns->ready = rc == 0;
}

void tl_ns_del(struct tl_ns *ns)
{
	if (ns->made && netns_del(ns->name) < 0)
		fprintf(stderr, "live teardown: %s\n", err_get());
	ns->made = ns->ready = 0;
}

int tl_ns_open(const struct tl_ns *ns)
{
	int fd;

	ck_assert_msg(ns->ready, "scratch namespace %s not set up", ns->name);
	fd = netns_open(ns->name);
	ck_assert_msg(fd >= 0, "%s", err_get());
	return fd;
}

void tl_tmpdir_make(char *dir, size_t len, const char *tag)
{
	ck_assert_int_lt(snprintf(dir, len, "/tmp/%s.XXXXXX", tag), (int)len);
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

void tl_tmpdir_remove(const char *dir)
{
	struct dirent *e;
	char path[PATH_MAX];
	DIR *d = opendir(dir);

	while (d && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	if (rmdir(dir) != 0)
		fprintf(stderr, "rmdir %s: %s\n", dir, strerror(errno));
}

void tl_skip_at(const char *test, const char *fmt, ...)
{
	char why[512];
	size_t n = strlen(test);
	va_list ap;

	if (n > 3 && strcmp(test + n - 3, "_fn") == 0)
		n -= 3; /* START_TEST(x) defines x_fn */
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	ck_assert_msg(getenv("FTFW_NO_SKIP") == NULL, "%.*s: would skip (FTFW_NO_SKIP is set): %s",
		      (int)n, test, why);
	printf("SKIP: %.*s: %s\n", (int)n, test, why);
	fflush(stdout);
}

int tl_main(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
