/* cgroup: a cgroup v2 group per run. See cgroup.h. */
#include "cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct cgroup {
	char path[512];   /* the group's folder */
	char home[512];   /* the folder of the cgroup this process came from */
};

/* How long the group may take to empty once killed. */
#define EMPTY_MS 3000

int cgroup_mount_point(char *buf, size_t len)
{
	char line[1024];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int rc = -1;

	if (!f)
		return err_sys("/proc/self/mountinfo");
	while (fgets(line, sizeof(line), f)) {
		char mnt[512], *sep = strstr(line, " - ");

		/* fields: id parent dev root mountpoint ... " - " fstype source ... */
		if (!sep || strncmp(sep, " - cgroup2 ", 11) != 0)
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %511s", mnt) != 1 || strchr(mnt, '\\'))
			continue;
		if (str_copy(buf, mnt, len) < len)
			rc = 0;
		break;
	}
	fclose(f);
	return rc < 0 ? err_set("no cgroup v2 file system mounted (cgroup2 in /proc/self/mountinfo)") : 0;
}

/* This process's cgroup v2 path ("0::/path" in /proc/self/cgroup). */
static int own_cgroup(char *buf, size_t len)
{
	char line[1024];
	FILE *f = fopen("/proc/self/cgroup", "re");
	int rc = -1;

	if (!f)
		return err_sys("/proc/self/cgroup");
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3) != 0)
			continue;
		line[strcspn(line, "\n")] = '\0';
		if (str_copy(buf, line + 3, len) < len && buf[0] == '/')
			rc = 0;
		break;
	}
	fclose(f);
	return rc < 0 ? err_set("/proc/self/cgroup: no cgroup v2 line (0::/path)") : 0;
}

/* Write text to dir/file. */
static int write_at(const char *dir, const char *file, const char *text)
{
	char path[600];
	ssize_t n;
	int fd;

	if (str_fmt(path, sizeof(path), "%s/%s", dir, file) < 0)
		return -1;
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return err_sys("%s", path);
	n = write(fd, text, strlen(text));
	if (n < 0) {
		err_sys("write %s to %s", text, path);
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* Move this process into the group at dir. */
static int move_self(const char *dir)
{
	char pid[24];

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	return write_at(dir, "cgroup.procs", pid);
}

struct cgroup *cgroup_new(const char *name)
{
	struct cgroup *cg = xcalloc(1, sizeof(*cg));
	char mnt[256], own[256];

	if (cgroup_mount_point(mnt, sizeof(mnt)) < 0 || own_cgroup(own, sizeof(own)) < 0)
		goto out_free;
	if (str_fmt(cg->home, sizeof(cg->home), "%s%s", mnt, strcmp(own, "/") == 0 ? "" : own) < 0 ||
	    str_fmt(cg->path, sizeof(cg->path), "%s/%s", cg->home, name) < 0)
		goto out_free;
	if (mkdir(cg->path, 0755) < 0) {
		err_sys("mkdir %s", cg->path);
		goto out_free;
	}
	return cg;
out_free:
	err_prefix("cgroup");
	free(cg);
	return NULL;
}

int cgroup_enter(struct cgroup *cg)
{
	return move_self(cg->path) < 0 ? err_prefix("cgroup") : 0;
}

const char *cgroup_path(const struct cgroup *cg)
{
	return cg->path;
}

/* The PIDs in the group (cgroup.procs); the count, at most max. */
static int group_pids(const char *dir, pid_t *pids, int max)
{
	char path[600];
	FILE *f;
	int n = 0, pid;

	if (str_fmt(path, sizeof(path), "%s/cgroup.procs", dir) < 0)
		return 0;
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (n < max && fscanf(f, "%d", &pid) == 1)
		pids[n++] = pid;
	fclose(f);
	return n;
}

/* "comm PID, comm PID" of the group's processes into what. */
static int describe(const char *dir, char *what, size_t len)
{
	pid_t pids[64];
	int n = group_pids(dir, pids, (int)ARRAY_SIZE(pids)), i;
	size_t o = 0;

	if (what && len)
		what[0] = '\0';
	for (i = 0; i < n && what && o + 1 < len; i++) {
		char path[64], comm[64] = "?";
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/comm", (int)pids[i]);
		if ((f = fopen(path, "re"))) {
			if (fgets(comm, sizeof(comm), f))
				comm[strcspn(comm, "\n")] = '\0';
			fclose(f);
		}
		o += (size_t)snprintf(what + o, len - o, "%s%s %d", i ? ", " : "", comm, (int)pids[i]);
	}
	if (what && n == (int)ARRAY_SIZE(pids) && o + 1 < len)
		snprintf(what + o, len - o, ", ...");
	return n;
}

/* Kill everything in the group at dir, wait until it is empty, remove it. */
static int end_group(const char *dir, int *nkilled, char *what, size_t len)
{
	int64_t deadline;
	pid_t pids[256];
	int n, i, frozen = 0;

	*nkilled = describe(dir, what, len);
	if (*nkilled && write_at(dir, "cgroup.kill", "1") < 0) {
		if (errno != ENOENT)
			return -1;
		/* No cgroup.kill before 5.14: frozen, nothing forks while we kill. */
		err_clear();
		frozen = write_at(dir, "cgroup.freeze", "1") == 0;
		err_clear();
		deadline = now_ms() + 1000;
		do {
			n = group_pids(dir, pids, (int)ARRAY_SIZE(pids));
			for (i = 0; i < n; i++)
				kill(pids[i], SIGKILL);
			sleep_ms(5);
		} while (n && now_ms() < deadline && group_pids(dir, pids, 1));
		if (frozen && write_at(dir, "cgroup.freeze", "0") < 0)
			err_clear();
	}
	deadline = now_ms() + EMPTY_MS;
	while (group_pids(dir, pids, 1) && now_ms() < deadline)
		sleep_ms(5);
	if (group_pids(dir, pids, 1))
		return err_set("%s: processes still in it %d ms after they were killed", dir, EMPTY_MS);
	/* An empty group may take a moment to be removable. */
	deadline = now_ms() + EMPTY_MS;
	while (rmdir(dir) < 0) {
		if (errno == ENOENT)
			break;
		if (errno != EBUSY || now_ms() >= deadline)
			return err_sys("rmdir %s", dir);
		sleep_ms(5);
	}
	return 0;
}

int cgroup_end(struct cgroup *cg, int *nkilled, char *what, size_t len)
{
	int rc = -1;

	*nkilled = 0;
	if (what && len)
		what[0] = '\0';
	if (move_self(cg->home) < 0)
		goto out;
	rc = end_group(cg->path, nkilled, what, len);
out:
	if (rc < 0)
		err_prefix("cgroup");
	free(cg);
	return rc;
}

void cgroup_leave(struct cgroup *cg)
{
	if (move_self(cg->home) < 0) {
		log_progress("cgroup: %s", err_get());
		err_clear();
	}
	free(cg);
}

int cgroup_kill_path(const char *path, const char *name, int *nkilled, char *what, size_t len)
{
	char mnt[256];
	const char *base = strrchr(path, '/');
	size_t ml;
	struct stat st;

	*nkilled = 0;
	if (what && len)
		what[0] = '\0';
	if (!base || strcmp(base + 1, name) != 0 || strstr(path, "/../") || strstr(path, "/./")) {
		err_set("cgroup '%s': not a run's group (%s), left alone", path, name);
		return 1;
	}
	if (cgroup_mount_point(mnt, sizeof(mnt)) < 0)
		return err_prefix("cgroup '%s'", path);
	ml = strlen(mnt);
	if (strncmp(path, mnt, ml) != 0 || path[ml] != '/') {
		err_set("cgroup '%s': not under the cgroup2 mount %s, left alone", path, mnt);
		return 1;
	}
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : err_sys("cgroup %s", path);
	if (!S_ISDIR(st.st_mode)) {
		err_set("cgroup '%s': not a folder, left alone", path);
		return 1;
	}
	return end_group(path, nkilled, what, len) < 0 ? err_prefix("cgroup") : 0;
}
