/* run: run id, folders, state file and cleanup. See run.h. */
#include "run.h"

#include "cgroup.h"
#include "netns.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define RUN_MAX_PIDS 256

struct tracked_pid {
	pid_t pid;
	unsigned long long start;
};

struct run {
	char id[8];
	char dir[512];
	char scratch[256];
	char state[256];
	FILE *statef;                          /* owned */
	int npids;
	struct tracked_pid pids[RUN_MAX_PIDS];
	int nnetns;
	char netns[16][64];
	struct cgroup *cg;                     /* owned, NULL without cgroup v2 */
};

unsigned long long run_pid_starttime(pid_t pid)
{
	char path[64], buf[1024];
	unsigned long long start = 0;
	char *p;
	size_t len;
	FILE *f;
	int field;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	/* comm may contain spaces and parentheses: count from the last ')'. */
	p = strrchr(buf, ')');
	if (!p)
		return 0;
	for (field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (p)
		start = strtoull(p + 1, NULL, 10);
	return start;
}

/* The state folder is ours alone: owned by us, writable by nobody else
 * (a folder others can write could hold a planted state file). */
static int state_dir_safe(void)
{
	struct stat st;

	if (lstat(RUN_STATE_DIR, &st) < 0)
		return err_sys("%s", RUN_STATE_DIR);
	if (!S_ISDIR(st.st_mode))
		return err_set("%s: not a directory (a symlink?), refusing to use it", RUN_STATE_DIR);
	if (st.st_uid != geteuid() || (st.st_mode & 022))
		return err_set("%s: owned by uid %u with mode %03o; it must be ours (uid %u) and writable by us only",
			       RUN_STATE_DIR, (unsigned)st.st_uid, (unsigned)(st.st_mode & 0777), (unsigned)geteuid());
	return 0;
}

static void state_line(struct run *r, const char *fmt, ...) FTFW_FMT(2, 3);
static void state_line(struct run *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(r->statef, fmt, ap);
	va_end(ap);
	fputc('\n', r->statef);
	fflush(r->statef);
}

/*
 * The results folder's path goes into the daemons' configuration files
 * (conntrackd's LogFile, vsftpd's, keepalived's notify hook): a character
 * that ends a line or a word there would let the path say more than a
 * path. Such a path is refused before anything is made.
 */
static int path_safe(const char *what, const char *path)
{
	const unsigned char *p, *bad = NULL;
	char shown[256];
	size_t n = 0;

	for (p = (const unsigned char *)path; *p; p++) {
		int ctl = *p < 0x20 || *p == 0x7f;

		if (!bad && (ctl || strchr(" \"'\\#;{}", *p)))
			bad = p;
		/* The path as it can be shown on one line: \xNN for controls. */
		if (n + 5 < sizeof(shown))
			n += (size_t)snprintf(shown + n, sizeof(shown) - n, ctl ? "\\x%02x" : "%c", *p);
	}
	if (!bad)
		return 0;
	return err_set("%s '%s': 0x%02x ('%s') is not allowed in it: daemons' configuration files name files there",
		       what, shown, *bad, *bad == '\n' ? "\\n" : *bad < 0x20 || *bad == 0x7f ? "control" : (char[]){ (char)*bad, 0 });
}

/*
 * The run's cgroup: recorded in the state file before this process moves
 * in, so that a crash at any point leaves it findable. Without cgroup v2
 * the run goes on, tracking processes by PID and what they fork, and
 * says so.
 */
static void run_cgroup(struct run *r)
{
	char name[16];

	snprintf(name, sizeof(name), "ftfw-%s", r->id);
	r->cg = cgroup_new(name);
	if (r->cg) {
		int killed;

		state_line(r, "cgroup %s", cgroup_path(r->cg));
		if (cgroup_enter(r->cg) == 0)
			return;
		log_progress("run %s: %s", r->id, err_get());
		/* the group made but not entered: removed again (it is empty) */
		if (cgroup_end(r->cg, &killed, NULL, 0) < 0)
			log_progress("run %s: %s", r->id, err_get());
		r->cg = NULL;
	}
	log_progress("run %s: no cgroup of its own (%s): processes are tracked by PID and what they fork", r->id,
		     err_get());
	err_clear();
}

/* A fresh run id into r->id, and its state file's path into r->state. */
static int pick_id(struct run *r)
{
	unsigned char rnd[3];

	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
		return err_sys("getrandom");
	snprintf(r->id, sizeof(r->id), "%02x%02x%02x", rnd[0], rnd[1], rnd[2]);
	snprintf(r->state, sizeof(r->state), "%s/%s.state", RUN_STATE_DIR, r->id);
	return 0;
}

/*
 * Create the state file under an id no live state file has; its fd.
 * The file appears with its owner line already in it (*linked = 1):
 * written to an unnamed file (O_TMPFILE) that is then linked under its
 * name. A run starting beside this one reclaims every state file whose
 * owner is gone; one it found empty, before the owner line, it took for a
 * dead run's and removed what the file named by the time it read on
 * (seen once: two runs at once, one lost its scratch folder and
 * namespaces). Where O_TMPFILE is not supported the file is made empty
 * (O_EXCL) and the caller writes the owner line (*linked = 0).
 */
static int state_create(struct run *r, int *linked)
{
	char proc[64];
	int fd, tries;

	*linked = 0;
	fd = open(RUN_STATE_DIR, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	if (fd >= 0) {
		if (dprintf(fd, "owner %d %llu\n", (int)getpid(), run_pid_starttime(getpid())) < 0) {
			err_sys("write state file");
			close(fd);
			return -1;
		}
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		for (tries = 0; tries < 16; tries++) {
			if (pick_id(r) < 0)
				break;
			if (linkat(AT_FDCWD, proc, AT_FDCWD, r->state, AT_SYMLINK_FOLLOW) == 0) {
				*linked = 1;
				return fd;
			}
			if (errno != EEXIST) {
				err_sys("create state file %s", r->state);
				break;
			}
		}
		if (tries == 16)
			err_set("create state file: 16 ids taken");
		close(fd);
		return -1;
	}
	for (tries = 0; tries < 16; tries++) {
		if (pick_id(r) < 0)
			return -1;
		fd = open(r->state, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0)
			return fd;
		if (errno != EEXIST)
			break;
	}
	return err_sys("create state file %s", r->state);
}

struct run *run_new(const char *results_root, const char *label)
{
	struct run *r = xcalloc(1, sizeof(*r));
	char cwd[256] = "";
	int fd, linked = 0;

	if (path_safe("results folder", results_root) < 0)
		goto out_free;
	/* Absolute: daemons' configs name files in it (conntrackd insists). */
	if (results_root[0] != '/' && (!getcwd(cwd, sizeof(cwd)) || path_safe("current directory", cwd) < 0)) {
		if (!cwd[0])
			err_sys("getcwd");
		goto out_free;
	}
	if (dir_make(RUN_STATE_DIR, 0700) < 0 || state_dir_safe() < 0)
		goto out_free;
	fd = state_create(r, &linked);
	if (fd < 0)
		goto out_free;
	r->statef = fdopen(fd, "w");
	if (!r->statef) {
		err_sys("fdopen");
		close(fd);
		goto out_unlink;
	}
	if (!linked)
		state_line(r, "owner %d %llu", (int)getpid(), run_pid_starttime(getpid()));
	snprintf(r->scratch, sizeof(r->scratch), "%s/%s", RUN_STATE_DIR, r->id);
	if (snprintf(r->dir, sizeof(r->dir), "%s%s%s/%s/%s", results_root[0] == '/' ? "" : cwd,
		     results_root[0] == '/' ? "" : "/", results_root, label, r->id) >= (int)sizeof(r->dir)) {
		err_set("results path too long");
		goto out_unlink;
	}
	state_line(r, "scratch %s", r->scratch);
	if (mkdir(r->scratch, 0755) < 0) {
		err_sys("mkdir %s", r->scratch);
		goto out_unlink;
	}
	if (dir_make(r->dir, 0755) < 0)
		goto out_unlink;
	run_cgroup(r);
	return r;
out_unlink:
	if (r->statef)
		fclose(r->statef);
	rmdir(r->scratch);
	unlink(r->state);
out_free:
	free(r);
	return NULL;
}

const char *run_id(const struct run *r) { return r->id; }
const char *run_dir(const struct run *r) { return r->dir; }
const char *run_scratch(const struct run *r) { return r->scratch; }

int run_netns_name(const struct run *r, const char *role, char *buf, size_t len)
{
	return str_fmt(buf, len, "ftfw-%s-%s", r->id, role);
}

int run_track_netns(struct run *r, const char *name)
{
	if (r->nnetns >= (int)ARRAY_SIZE(r->netns))
		return err_set("too many namespaces in one run");
	str_copy(r->netns[r->nnetns++], name, sizeof(r->netns[0]));
	state_line(r, "netns %s", name);
	return 0;
}

int run_track_pid(struct run *r, pid_t pid, const char *what)
{
	unsigned long long start = run_pid_starttime(pid);

	if (r->npids >= RUN_MAX_PIDS)
		return err_set("too many processes in one run");
	r->pids[r->npids].pid = pid;
	r->pids[r->npids].start = start;
	r->npids++;
	state_line(r, "pid %d %llu %s", (int)pid, start, what);
	return 0;
}

void run_untrack_pid(struct run *r, pid_t pid)
{
	int i;

	for (i = 0; i < r->npids; i++) {
		if (r->pids[i].pid == pid) {
			r->pids[i] = r->pids[--r->npids];
			state_line(r, "gone %d", (int)pid);
			return;
		}
	}
}

/* Is pid still the process we started (same start time)? */
static int same_process(pid_t pid, unsigned long long start)
{
	unsigned long long now = run_pid_starttime(pid);

	return now && now == start;
}

/* A process as /proc shows it: pid, parent, start time. */
struct proc_ent {
	pid_t pid, ppid;
	unsigned long long start;
};

/* Every process on the machine (any namespace: this is the host's /proc);
 * the caller frees *out. Returns the count, or 0 when /proc is unreadable. */
static size_t proc_table(struct proc_ent **out)
{
	struct proc_ent *t = NULL, *nt;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d = opendir("/proc");

	*out = NULL;
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char path[300], buf[1024], *p;
		unsigned long long start = 0;
		int ppid = 0, field;
		size_t len;
		FILE *f;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		if (!(f = fopen(path, "re")))
			continue;
		len = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[len] = '\0';
		if (!(p = strrchr(buf, ')')) || sscanf(p + 1, " %*c %d", &ppid) != 1)
			continue;
		for (field = 2; p && field < 22; field++)
			p = strchr(p + 1, ' ');
		if (p)
			start = strtoull(p + 1, NULL, 10);
		if (n == cap) {
			cap = cap ? 2 * cap : 512;
			if (!(nt = realloc(t, cap * sizeof(*t))))
				break;
			t = nt;
		}
		t[n].pid = (pid_t)atoi(de->d_name);
		t[n].ppid = ppid;
		t[n].start = start;
		n++;
	}
	closedir(d);
	*out = t;
	return n;
}

/*
 * The descendants of pid (children, their children, ...) as they are now:
 * the caller frees *out; the count. A daemon's forks (vsftpd's session
 * processes, in network namespaces of their own) outlive it when it is
 * stopped, reparented to init; taken before it stops, this list still
 * names them afterwards.
 */
static size_t descendants(pid_t pid, struct proc_ent **out)
{
	struct proc_ent *t, *d;
	size_t n = proc_table(&t), nd = 0, i, k;

	*out = NULL;
	if (!n || !(d = calloc(n, sizeof(*d)))) {
		free(t);
		return 0;
	}
	/* breadth first: d[0..nd) grows while it is walked */
	for (i = 0; i < n; i++)
		if (t[i].ppid == pid)
			d[nd++] = t[i];
	for (k = 0; k < nd; k++)
		for (i = 0; i < n; i++)
			if (t[i].ppid == d[k].pid && nd < n)
				d[nd++] = t[i];
	free(t);
	*out = d;
	return nd;
}

/* SIGKILL what is left of a list descendants() made (the same processes:
 * start times match), and wait up to a second for them to be gone. */
static void kill_leftovers(const struct proc_ent *d, size_t nd)
{
	int64_t deadline = now_ms() + 1000;
	size_t i, alive;

	for (i = 0; i < nd; i++)
		if (same_process(d[i].pid, d[i].start))
			kill(d[i].pid, SIGKILL);
	do {
		for (alive = 0, i = 0; i < nd; i++)
			if (same_process(d[i].pid, d[i].start)) {
				alive++;
				waitpid(d[i].pid, NULL, WNOHANG);
			}
		if (alive)
			sleep_ms(5);
	} while (alive && now_ms() < deadline);
}

/* SIGTERM, then SIGKILL after grace_ms; the process alone. */
static int stop_process(pid_t pid, unsigned long long start, int grace_ms)
{
	int64_t deadline;
	int status = 0;

	kill(pid, SIGTERM);
	deadline = now_ms() + grace_ms;
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			return status;
		if (w < 0 && !same_process(pid, start))
			return 0; /* not our child, and gone */
		if (now_ms() >= deadline)
			break;
		sleep_ms(5);
	}
	if (same_process(pid, start))
		kill(pid, SIGKILL);
	if (waitpid(pid, &status, 0) == pid)
		return status;
	return 0;
}

/* Stop one process and what it forked; child or not. Returns wait status
 * if reaped. */
static int stop_one(pid_t pid, unsigned long long start, int grace_ms)
{
	struct proc_ent *d = NULL;
	size_t nd;
	int status;

	if (!same_process(pid, start))
		return 0;
	nd = descendants(pid, &d);
	status = stop_process(pid, start, grace_ms);
	kill_leftovers(d, nd);
	free(d);
	return status;
}

int run_stop_pid(struct run *r, pid_t pid, int grace_ms)
{
	int i, status = 0;

	for (i = 0; i < r->npids; i++) {
		if (r->pids[i].pid == pid) {
			status = stop_one(pid, r->pids[i].start, grace_ms);
			run_untrack_pid(r, pid);
			return status;
		}
	}
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(path) < 0 ? -1 : 0;
	return unlink(path) < 0 ? -1 : 0;
}

/* rm -rf without following symlinks (FTW_PHYS), staying on one fs. */
static int remove_tree(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : err_sys("%s", path);
	if (nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0)
		return err_sys("remove %s", path);
	return 0;
}

/* Say what ending a run's cgroup took (rc: what cgroup_end() returned). */
static int end_cgroup(const char *id, int rc, int killed, const char *what)
{
	if (killed)
		log_progress("cleanup: run %s: ended %d process%s left in its cgroup: %s", id, killed,
			     killed == 1 ? "" : "es", what);
	return rc;
}

int run_finish(struct run *r)
{
	char what[512];
	int rc = 0, i, killed = 0;

	if (!r)
		return 0;
	/* Processes first: a process inside a namespace keeps it alive. */
	for (i = r->npids - 1; i >= 0; i--)
		stop_one(r->pids[i].pid, r->pids[i].start, 1000);
	r->npids = 0;
	/* Then whatever they forked that is still about, wherever it went. */
	if (r->cg) {
		int e = cgroup_end(r->cg, &killed, what, sizeof(what));

		if (end_cgroup(r->id, e, killed, what) < 0)
			rc = -1;
		r->cg = NULL;
	}
	for (i = r->nnetns - 1; i >= 0; i--)
		if (netns_del(r->netns[i]) < 0)
			rc = -1;
	if (remove_tree(r->scratch) < 0)
		rc = -1;
	fclose(r->statef);
	if (unlink(r->state) < 0)
		rc = err_sys("unlink %s", r->state);
	free(r);
	return rc;
}

void run_abandon(struct run *r)
{
	if (r->cg)
		cgroup_leave(r->cg);
	state_line(r, "kept");
	fclose(r->statef);
	free(r);
}

/*
 * A state file this project wrote: named "<6 hex digits>.state", a
 * regular file (never followed through a symlink) owned by us and
 * writable by nobody else. Anything else in the state folder is left
 * alone, with a warning: replaying it could make cleanup kill or remove
 * what a stranger named. Returns the open file and the run id, or NULL
 * with err set (why it was left alone).
 */
static FILE *state_open(const char *name, char id[8])
{
	char path[512];
	struct stat st;
	size_t i;
	int fd;
	FILE *f;

	if (strlen(name) != 12 || strcmp(name + 6, ".state") != 0) {
		err_set("not a state file name");
		return NULL;
	}
	for (i = 0; i < 6; i++)
		if (!strchr("0123456789abcdef", name[i])) {
			err_set("not a state file name");
			return NULL;
		}
	memcpy(id, name, 6);
	id[6] = '\0';
	snprintf(path, sizeof(path), "%s/%s", RUN_STATE_DIR, name);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		err_sys("%s", errno == ELOOP ? "a symlink" : "open");
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022)) {
		err_set("not a regular file of ours, writable by us only");
		close(fd);
		return NULL;
	}
	f = fdopen(fd, "r");
	if (!f) {
		err_sys("fdopen");
		close(fd);
	}
	return f;
}

/*
 * Replay one dead run's state file (f, of run id) as a teardown. Only
 * what that run could have made is touched: namespaces named
 * ftfw-<id>-*, the scratch folder RUN_STATE_DIR/<id> (a symlink there is
 * removed, never followed), processes whose PID and start time match.
 */
static int reclaim(FILE *f, const char *id)
{
	char line[600], scratch[256] = "", ns_prefix[16], own_scratch[256], path[512], cg[512] = "", cg_name[16],
		what[512];
	pid_t pids[RUN_MAX_PIDS * 2];
	unsigned long long starts[RUN_MAX_PIDS * 2];
	char netns[32][64];
	int npids = 0, nnetns = 0, i, rc = 0, killed = 0;

	snprintf(ns_prefix, sizeof(ns_prefix), "ftfw-%s-", id);
	snprintf(cg_name, sizeof(cg_name), "ftfw-%s", id);
	snprintf(own_scratch, sizeof(own_scratch), "%s/%s", RUN_STATE_DIR, id);
	while (fgets(line, sizeof(line), f)) {
		int pid;
		unsigned long long start;
		char name[64];

		if (sscanf(line, "pid %d %llu", &pid, &start) == 2 && npids < (int)ARRAY_SIZE(pids)) {
			if (pid <= 1)
				continue;
			pids[npids] = pid;
			starts[npids++] = start;
		} else if (sscanf(line, "gone %d", &pid) == 1) {
			for (i = 0; i < npids; i++)
				if (pids[i] == pid)
					pids[i] = 0;
		} else if (sscanf(line, "netns %63s", name) == 1 && nnetns < (int)ARRAY_SIZE(netns)) {
			/* Only the names this run made. */
			if (strncmp(name, ns_prefix, strlen(ns_prefix)) == 0 && !strchr(name, '/'))
				str_copy(netns[nnetns++], name, sizeof(netns[0]));
			else
				log_progress("cleanup: run %s: left alone namespace '%s' (not this run's)", id, name);
		} else if (sscanf(line, "cgroup %511s", cg) == 1) {
			continue;
		} else if (sscanf(line, "scratch %255s", scratch) == 1) {
			if (strcmp(scratch, own_scratch) != 0) {
				log_progress("cleanup: run %s: left alone scratch folder '%s' (not %s)", id, scratch,
					     own_scratch);
				scratch[0] = '\0';
			}
		}
	}
	fclose(f);
	for (i = npids - 1; i >= 0; i--)
		if (pids[i])
			stop_one(pids[i], starts[i], 1000);
	if (cg[0]) {
		int r = cgroup_kill_path(cg, cg_name, &killed, what, sizeof(what));

		r = end_cgroup(id, r, killed, what);

		if (r != 0)
			log_progress("cleanup: run %s: %s", id, err_get());
		if (r < 0)
			rc = -1;
		else
			err_clear();
	}
	for (i = 0; i < nnetns; i++)
		if (netns_del(netns[i]) < 0)
			rc = -1;
	if (scratch[0] && remove_tree(scratch) < 0)
		rc = -1;
	snprintf(path, sizeof(path), "%s/%s.state", RUN_STATE_DIR, id);
	if (unlink(path) < 0)
		rc = err_sys("unlink %s", path);
	return rc;
}

int run_reclaim_stale(int include_kept, int *reclaimed)
{
	DIR *d;
	struct dirent *de;
	struct stat st;
	int rc = 0;

	*reclaimed = 0;
	if (lstat(RUN_STATE_DIR, &st) < 0 && errno == ENOENT)
		return 0;
	if (state_dir_safe() < 0)
		return -1;
	d = opendir(RUN_STATE_DIR);
	if (!d)
		return err_sys("%s", RUN_STATE_DIR);
	while ((de = readdir(d))) {
		char line[128], id[8];
		int owner = 0;
		unsigned long long start = 0;
		size_t n = strlen(de->d_name);
		int kept;
		FILE *f;

		if (n < 7 || strcmp(de->d_name + n - 6, ".state") != 0)
			continue;
		f = state_open(de->d_name, id);
		if (!f) {
			log_progress("cleanup: left alone %s/%s: %s", RUN_STATE_DIR, de->d_name, err_get());
			err_clear();
			continue;
		}
		if (!fgets(line, sizeof(line), f) || sscanf(line, "owner %d %llu", &owner, &start) != 2)
			owner = 0;
		kept = 0;
		while (fgets(line, sizeof(line), f))
			if (strcmp(line, "kept\n") == 0)
				kept = 1;
		if (owner > 0 && same_process(owner, start)) {
			fclose(f);
			continue; /* a live run: not ours to touch */
		}
		if (kept && !include_kept) {
			fclose(f);
			continue;
		}
		rewind(f);
		if (reclaim(f, id) < 0)
			rc = -1;
		else
			(*reclaimed)++;
	}
	closedir(d);
	return rc;
}
