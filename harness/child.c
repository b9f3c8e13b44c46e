/* child: a helper process that reports readiness and stops on SIGTERM. See child.h. */
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#define READY_TIMEOUT_MS 5000
#define STOP_TIMEOUT_MS 2000
#define STATUS_MAX 2048 /* one status line, and all of them at stop */

struct child {
	pid_t pid;
	int status_fd; /* owned: read end of the child's status pipe */
	char name[32]; /* error context, "capture" */
};

struct child_self {
	int status_fd; /* write end of the status pipe */
	int sigfd;     /* signalfd for SIGTERM/SIGINT */
};

/* ---- child ---- */

/* One status line to the parent; newlines in text would split it. */
static void status_send(int fd, char kind, const char *text)
{
	char line[STATUS_MAX];
	size_t len, off = 0;
	char *p;

	snprintf(line, sizeof(line) - 1, "%c%s", kind, text);
	for (p = line; (p = strchr(p, '\n')); )
		*p = ' ';
	len = strlen(line);
	line[len++] = '\n';
	while (off < len) {
		ssize_t w = write(fd, line + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* parent gone: nobody left to tell */
		off += (size_t)w;
	}
}

int child_signal_fd(const struct child_self *self)
{
	return self->sigfd;
}

void child_ready(struct child_self *self)
{
	status_send(self->status_fd, '+', "");
}

void child_error(struct child_self *self)
{
	status_send(self->status_fd, '-', err_get());
}

/*
 * Everything a helper child does before its own work: die with the parent,
 * hold none of the parent's descriptors (a daemon's pipe kept open here
 * would hide its EOF), and turn SIGTERM/SIGINT, blocked since before
 * fork(), into a readable fd. Returns the signalfd, or -1 with err set.
 */
static int child_setup(int status_fd, pid_t parent)
{
	sigset_t term;
	int sfd;

	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0)
		return err_sys("prctl(PR_SET_PDEATHSIG)");
	if (getppid() != parent)
		return err_set("parent exited");
	if (status_fd > 3)
		close_range(3, (unsigned)status_fd - 1, 0);
	close_range(status_fd >= 3 ? (unsigned)status_fd + 1 : 3, ~0U, 0);
	signal(SIGPIPE, SIG_IGN);
	/* An ignored signal is discarded, not queued to the signalfd. */
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigaddset(&term, SIGINT);
	sfd = signalfd(-1, &term, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0)
		return err_sys("signalfd");
	return sfd;
}

/* The child's life: set-up, then fn's, whose result is the exit status. */
static void __attribute__((noreturn))
child_run(child_main_fn fn, void *arg, int status_fd, pid_t parent)
{
	struct child_self self = { status_fd, -1 };

	self.sigfd = child_setup(status_fd, parent);
	if (self.sigfd < 0) {
		child_error(&self);
		_exit(1);
	}
	_exit(fn(&self, arg));
}

/* ---- parent ---- */

/*
 * The child's first status line, within READY_TIMEOUT_MS: 0 when it
 * reported ready, -1 with err set to its error (or to why there was none).
 */
static int wait_ready(int fd)
{
	int64_t deadline = now_ms() + READY_TIMEOUT_MS;
	char line[STATUS_MAX];
	size_t len = 0;

	/* Byte by byte: what follows the first line is for child_stop(). */
	while (len < sizeof(line) - 1) {
		struct pollfd p = { fd, POLLIN, 0 };
		int64_t left = deadline - now_ms();
		ssize_t r;

		if (left <= 0)
			return err_set("not ready after %d ms", READY_TIMEOUT_MS);
		if (poll(&p, 1, (int)left) < 0) {
			if (errno == EINTR)
				continue;
			return err_sys("poll");
		}
		if (!p.revents)
			continue;
		r = read(fd, line + len, 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return err_sys("read status");
		}
		if (r == 0)
			return err_set("child exited without a word");
		if (line[len] == '\n')
			break;
		len++;
	}
	line[len] = '\0';
	if (line[0] == '+')
		return 0;
	return err_set("%s", line[0] == '-' ? line + 1 : line);
}

/*
 * The error lines left in the pipe of a reaped child, "-a\n-b\n" joined as
 * "a; b" into out (cut to size); "" when there are none.
 */
static void collect_errors(int status_fd, char *out, size_t size)
{
	char msgs[STATUS_MAX] = "", buf[1024];
	char *line, *save = NULL;
	size_t used = 0;
	ssize_t r;

	out[0] = '\0';
	/* The child is gone, so this ends; non-blocking all the same. */
	fcntl(status_fd, F_SETFL, O_NONBLOCK);
	while ((r = read(status_fd, buf, sizeof(buf) - 1)) > 0 && used < sizeof(msgs) - 1) {
		size_t take = (size_t)r < sizeof(msgs) - 1 - used ? (size_t)r : sizeof(msgs) - 1 - used;

		memcpy(msgs + used, buf, take);
		used += take;
	}
	msgs[used] = '\0';
	for (line = strtok_r(msgs, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] != '-')
			continue;
		if (out[0])
			strncat(out, "; ", size - strlen(out) - 1);
		strncat(out, line + 1, size - strlen(out) - 1);
	}
}

/*
 * SIGTERM, up to STOP_TIMEOUT_MS for the child to finish, then SIGKILL;
 * reaps it and collects the errors it reported. Returns 0 when it exited
 * 0 with nothing to report, else -1 with err set. Closes nothing.
 */
static int stop_and_reap(pid_t pid, int status_fd)
{
	int64_t deadline = now_ms() + STOP_TIMEOUT_MS;
	char errors[STATUS_MAX];
	int st = 0, killed = 0;
	pid_t w;

	kill(pid, SIGTERM);
	while ((w = waitpid(pid, &st, WNOHANG)) == 0 && now_ms() < deadline)
		sleep_ms(5);
	if (w == 0) {
		kill(pid, SIGKILL);
		killed = 1;
		while ((w = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
			;
	}
	if (w < 0)
		return err_sys("child %d", (int)pid);
	collect_errors(status_fd, errors, sizeof(errors));
	if (errors[0])
		return err_set("%s", errors);
	if (killed)
		return err_set("child %d did not stop within %d ms; killed", (int)pid,
			       STOP_TIMEOUT_MS);
	if (WIFSIGNALED(st))
		return err_set("child %d killed by signal %d", (int)pid, WTERMSIG(st));
	if (WEXITSTATUS(st))
		return err_set("child %d exited with status %d", (int)pid, WEXITSTATUS(st));
	return 0;
}

struct child *child_start(const char *name, child_main_fn fn, void *arg)
{
	struct child *c;
	sigset_t term, old;
	pid_t parent = getpid(), pid;
	char why[STATUS_MAX];
	int pfd[2];

	if (pipe2(pfd, O_CLOEXEC) < 0) {
		err_sys("%s: pipe", name);
		return NULL;
	}
	/* Blocked across fork() so that an early SIGTERM waits for the signalfd. */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigaddset(&term, SIGINT);
	pthread_sigmask(SIG_BLOCK, &term, &old);
	pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		child_run(fn, arg, pfd[1], parent);
	}
	if (pid < 0)
		err_sys("%s: fork", name);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	close(pfd[1]);
	if (pid < 0)
		goto out_close;
	if (wait_ready(pfd[0]) < 0) {
		/* Reap it; err keeps the child's own complaint. */
		str_copy(why, err_get(), sizeof(why));
		stop_and_reap(pid, pfd[0]);
		err_set("%s: %s", name, why);
		goto out_close;
	}
	c = xcalloc(1, sizeof(*c));
	c->pid = pid;
	c->status_fd = pfd[0];
	str_copy(c->name, name, sizeof(c->name));
	return c;
out_close:
	close(pfd[0]);
	return NULL;
}

pid_t child_pid(const struct child *c)
{
	return c->pid;
}

int child_stop(struct child *c)
{
	int rc;

	if (!c)
		return 0;
	rc = stop_and_reap(c->pid, c->status_fd);
	if (rc < 0)
		err_prefix("%s", c->name);
	close(c->status_fd);
	free(c);
	return rc;
}
