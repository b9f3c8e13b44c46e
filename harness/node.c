/* node: a lab host in a network namespace, and running programs on it. See node.h. */
#include "node.h"
#include "netns.h"
#include "rtnl.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static int keep_daemons;

void node_keep_daemons(int on)
{
	keep_daemons = on;
}

/*
 * What a node's backend does. Every node_*() call below goes through it;
 * the steps and library modules never know which backend a node has.
 * Each operation returns what the node_*() call it serves documents.
 */
struct node_ops {
	const char *name;
	/* make the node (its namespace, loopback up) / release it */
	int (*create)(struct node *n);
	void (*destroy)(struct node *n);
	/* start argv on the node, stdout and stderr to outfd: its PID */
	pid_t (*start)(struct node *n, char *const argv[], int outfd);
	/* run fn(arg) inside the node (netlink sockets, /proc/sys) */
	int (*call)(struct node *n, int (*fn)(void *arg), void *arg);
	/* is pid still running (reaped with *status if not) / signal it */
	int (*alive)(struct node *n, pid_t pid, int *status);
	int (*signal)(struct node *n, pid_t pid, int sig);
};

struct node {
	const struct node_ops *ops;
	struct run *run;     /* not owned */
	char role[16];
	char netns[64];
	int fd;              /* owned: the namespace (netns backend) */
};

static const struct node_ops netns_ops;

struct node *node_new(struct run *r, const char *role)
{
	struct node *n = xcalloc(1, sizeof(*n));

	n->ops = &netns_ops;
	n->run = r;
	n->fd = -1;
	str_copy(n->role, role, sizeof(n->role));
	if (n->ops->create(n) < 0) {
		err_prefix("node %s", role);
		free(n);
		return NULL;
	}
	return n;
}

void node_free(struct node *n)
{
	if (!n)
		return;
	n->ops->destroy(n);
	free(n);
}

/* ---- the netns backend: a network namespace of this host ---- */

static int netns_create(struct node *n)
{
	struct rtnl *rt;

	if (run_netns_name(n->run, n->role, n->netns, sizeof(n->netns)) < 0 ||
	    run_track_netns(n->run, n->netns) < 0 || netns_add(n->netns) < 0)
		return -1;
	n->fd = netns_open(n->netns);
	if (n->fd < 0)
		return -1;
	rt = rtnl_open(n->fd);
	if (!rt || rtnl_link_up(rt, "lo", 1) < 0) {
		rtnl_close(rt);
		close(n->fd);
		n->fd = -1;
		return -1;
	}
	rtnl_close(rt);
	return 0;
}

static void netns_destroy(struct node *n)
{
	if (n->fd >= 0)
		close(n->fd);
	n->fd = -1;
}

const char *node_role(const struct node *n) { return n->role; }
const char *node_netns(const struct node *n) { return n->netns; }
int node_fd(const struct node *n) { return n->fd; }
struct run *node_run_of(const struct node *n) { return n->run; }

/* In the child: enter the node and exec. Never returns. */
static void child_exec(struct node *n, char *const argv[], int outfd, int errpipe)
{
	int devnull;

	if (!keep_daemons)
		prctl(PR_SET_PDEATHSIG, SIGTERM);
	setpgid(0, 0);
	if (netns_enter_exec(n->fd) < 0)
		goto fail;
	devnull = open("/dev/null", O_RDONLY);
	if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(outfd, 1) < 0 || dup2(outfd, 2) < 0) {
		err_sys("redirect");
		goto fail;
	}
	/* Default signal dispositions and mask for the daemon. */
	{
		sigset_t all;

		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
	}
	execvp(argv[0], argv);
	err_sys("exec %s", argv[0]);
fail:
	if (write(errpipe, err_get(), strlen(err_get())) < 0) {
		/* nothing left to report with */
	}
	_exit(127);
}

/*
 * fork + exec with an error pipe (CLOEXEC: closes silently on a good
 * exec, carries the message on a failed one).
 */
static pid_t netns_start(struct node *n, char *const argv[], int outfd)
{
	int ep[2];
	char msg[512];
	ssize_t len;
	pid_t pid;

	if (pipe2(ep, O_CLOEXEC) < 0)
		return err_sys("pipe");
	pid = fork();
	if (pid < 0) {
		close(ep[0]);
		close(ep[1]);
		return err_sys("fork");
	}
	if (pid == 0) {
		close(ep[0]);
		child_exec(n, argv, outfd, ep[1]);
	}
	close(ep[1]);
	do
		len = read(ep[0], msg, sizeof(msg) - 1);
	while (len < 0 && errno == EINTR);
	close(ep[0]);
	if (len > 0) {
		msg[len] = '\0';
		waitpid(pid, NULL, 0);
		return err_set("%s: %s", n->role, msg);
	}
	return pid;
}

pid_t node_spawn(struct node *n, char *const argv[], const char *log_path)
{
	pid_t pid;
	int fd;

	fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return err_sys("%s: log %s", n->role, log_path);
	pid = n->ops->start(n, argv, fd);
	close(fd);
	if (pid < 0)
		return -1;
	if (run_track_pid(n->run, pid, argv[0]) < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	return pid;
}

int node_exec(struct node *n, char *const argv[], int timeout_ms, char **out)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int p[2], status = 0, rc = -1;
	int64_t deadline = now_ms() + timeout_ms;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return err_sys("pipe");
	pid = n->ops->start(n, argv, p[1]);
	close(p[1]);
	if (pid < 0)
		goto out_close;
	for (;;) {
		struct pollfd pfd = { p[0], POLLIN, 0 };
		int64_t left = deadline - now_ms();
		ssize_t r;

		if (left <= 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			err_set("%s: %s: timed out after %d ms", n->role, argv[0], timeout_ms);
			goto out_close;
		}
		if (poll(&pfd, 1, (int)left) < 0) {
			if (errno == EINTR)
				continue;
			err_sys("poll");
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			goto out_close;
		}
		if (cap - len < 1024) {
			cap = cap ? cap * 2 : 4096;
			buf = xrealloc(buf, cap);
		}
		r = read(p[0], buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	if (waitpid(pid, &status, 0) < 0) {
		err_sys("waitpid");
		goto out_close;
	}
	if (!WIFEXITED(status)) {
		err_set("%s: %s: killed by signal %d", n->role, argv[0], WTERMSIG(status));
		goto out_close;
	}
	rc = WEXITSTATUS(status);
	if (rc == 127 && len == 0)
		err_set("%s: %s: not found", n->role, argv[0]);
out_close:
	close(p[0]);
	if (buf)
		buf[len] = '\0';
	if (out)
		*out = buf ? buf : xstrdup("");
	else
		free(buf);
	return rc;
}

struct sysctl_args {
	const char *key, *value;
};

static int write_sysctl(void *p)
{
	struct sysctl_args *a = p;
	char path[256];
	int fd, rc = -1;

	if (str_fmt(path, sizeof(path), "/proc/sys/%s", a->key) < 0)
		return -1;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys("sysctl %s", a->key);
	if (write(fd, a->value, strlen(a->value)) < 0)
		err_sys("sysctl %s=%s", a->key, a->value);
	else
		rc = 0;
	close(fd);
	return rc;
}

struct sysctl_read {
	const char *key;
	char *buf;
	size_t len;
};

static int read_sysctl(void *p)
{
	struct sysctl_read *a = p;
	char path[256], *text;
	size_t n;

	if (str_fmt(path, sizeof(path), "/proc/sys/%s", a->key) < 0)
		return -1;
	text = file_read(path, &n);
	if (!text)
		return -1;
	n = str_copy(a->buf, text, a->len);
	free(text);
	if (n >= a->len)
		n = a->len - 1;
	while (n && (a->buf[n - 1] == '\n' || a->buf[n - 1] == ' '))
		a->buf[--n] = '\0';
	return 0;
}

int node_nft_load(struct node *n, const char *file, const char *text, int timeout_ms)
{
	char path[768], *out = NULL;
	int rc;

	if (str_fmt(path, sizeof(path), "%s/%s", run_dir(n->run), file) < 0 ||
	    file_write(path, text, strlen(text), 0644) < 0)
		return -1;
	{
		char *argv[] = { "nft", "-f", path, NULL };

		rc = node_exec(n, argv, timeout_ms, &out);
	}
	if (rc > 0)
		err_set("nft -f %s: exit %d: %.400s", path, rc, out ? out : "");
	free(out);
	return rc != 0 ? -1 : 0;
}

int node_sysctl(struct node *n, const char *key, const char *value)
{
	struct sysctl_args a = { key, value };

	/* /proc/sys/net resolves to the namespace of the opener. */
	if (n->ops->call(n, write_sysctl, &a) < 0)
		return err_prefix("%s", n->role);
	return 0;
}

int node_sysctl_read(struct node *n, const char *key, char *buf, size_t len)
{
	struct sysctl_read a = { key, buf, len };

	if (n->ops->call(n, read_sysctl, &a) < 0)
		return err_prefix("%s", n->role);
	return 0;
}

int node_call(struct node *n, int (*fn)(void *arg), void *arg)
{
	return n->ops->call(n, fn, arg);
}

int node_alive(struct node *n, pid_t pid, int *status)
{
	return n->ops->alive(n, pid, status);
}

int node_signal(struct node *n, pid_t pid, int sig)
{
	return n->ops->signal(n, pid, sig) < 0 ? err_prefix("%s: signal %d to %d", n->role, sig, (int)pid) : 0;
}

static int netns_node_call(struct node *n, int (*fn)(void *arg), void *arg)
{
	return netns_call(n->fd, fn, arg);
}

static int netns_signal(struct node *n, pid_t pid, int sig)
{
	(void)n;
	return kill(pid, sig) < 0 ? err_sys("kill") : 0;
}

static int netns_alive(struct node *n, pid_t pid, int *status)
{
	int st = 0;
	pid_t w = waitpid(pid, &st, WNOHANG);

	if (w == 0)
		return 1;
	if (w == pid) {
		run_untrack_pid(n->run, pid);
		if (status)
			*status = st;
	}
	return 0;
}

static const struct node_ops netns_ops = {
	.name = "netns",
	.create = netns_create,
	.destroy = netns_destroy,
	.start = netns_start,
	.call = netns_node_call,
	.alive = netns_alive,
	.signal = netns_signal,
};
