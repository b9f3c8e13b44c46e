/*
 * events: one child process per firewall logging ctnetlink events. See
 * events.h.
 *
 * Same process pattern as capture.c: the child reports through a pipe,
 * one line per message, "+" once both subscriptions are active, "-text"
 * for an error (after which it exits). The fork/ready/stop code is a copy
 * of capture.c's; it belongs in a shared helper module.
 */
#include "events.h"
#include "netns.h"

#include <errno.h>
#include <fcntl.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define EVENTS_RCVBUF (4 << 20)
#define READY_TIMEOUT_MS 5000
#define STOP_TIMEOUT_MS 2000
#define EXP_GROUPS (NF_NETLINK_CONNTRACK_EXP_NEW | NF_NETLINK_CONNTRACK_EXP_UPDATE | \
		    NF_NETLINK_CONNTRACK_EXP_DESTROY)

struct events {
	pid_t pid;
	int status_fd; /* owned: read end of the child's status pipe */
};

/* What the child's callbacks need. */
struct logger {
	FILE *out;        /* owned: the event log */
	const char *path;
	int write_failed; /* set by a callback; the loop reports it */
	int write_errno;
};

/* One subscription: conntracks or expectations. */
enum feed_kind {
	FEED_CT,
	FEED_EXPECT,
};

#define NFEEDS 2

struct feed {
	enum feed_kind kind;
	const char *what;      /* "ct" or "expect", as in the log */
	struct nfct_handle *h; /* owned */
};

static const struct {
	enum nf_conntrack_msg_type type;
	const char *name;
} msg_types[] = {
	{ NFCT_T_NEW, "NEW" },
	{ NFCT_T_UPDATE, "UPDATE" },
	{ NFCT_T_DESTROY, "DESTROY" },
};

static const char *msg_type_name(enum nf_conntrack_msg_type type)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(msg_types); i++)
		if (msg_types[i].type == type)
			return msg_types[i].name;
	return "UNKNOWN";
}

/* ---- child ---- */

static void status_send(int fd, char kind, const char *text)
{
	char line[2048];
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

/* See capture.c child_setup(): PDEATHSIG, no inherited fds, signalfd. */
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

/*
 * "<time> [TYPE] <what> <text>", flushed at once so that the file is
 * current while the run goes on. A write error is kept for the loop.
 */
static void log_line(struct logger *lg, const char *type, const char *what, const char *text)
{
	char ts[40];

	if (lg->write_failed)
		return;
	wallclock_iso(ts, sizeof(ts));
	if (fprintf(lg->out, "%s [%s] %s %s\n", ts, type, what, text) < 0 ||
	    fflush(lg->out) == EOF) {
		lg->write_failed = 1;
		lg->write_errno = errno;
	}
}

/* nfct_snprintf()'s text, cut if needed; trailing blanks dropped. */
static void tidy(char *buf, size_t size, int len)
{
	size_t n;

	if (len < 0) {
		str_copy(buf, "(unprintable)", size);
		return;
	}
	n = strlen(buf);
	if ((size_t)len >= size && n >= 3)
		memcpy(buf + n - 3, "...", 3);
	while (n && buf[n - 1] == ' ')
		buf[--n] = '\0';
}

/*
 * NFCT_T_UNKNOWN as message type: nfct_snprintf() would otherwise put its
 * own "[NEW]" in front, and the type is already in our line.
 */
static int ct_event(enum nf_conntrack_msg_type type, struct nf_conntrack *ct, void *data)
{
	char buf[4096];
	int len;

	len = nfct_snprintf(buf, sizeof(buf), ct, NFCT_T_UNKNOWN, NFCT_O_DEFAULT,
			    NFCT_OF_SHOW_LAYER3);
	tidy(buf, sizeof(buf), len);
	log_line(data, msg_type_name(type), "ct", buf);
	return NFCT_CB_CONTINUE;
}

static int exp_event(enum nf_conntrack_msg_type type, struct nf_expect *exp, void *data)
{
	char buf[4096];
	int len;

	len = nfexp_snprintf(buf, sizeof(buf), exp, NFCT_T_UNKNOWN, NFCT_O_DEFAULT, 0);
	tidy(buf, sizeof(buf), len);
	log_line(data, msg_type_name(type), "expect", buf);
	return NFCT_CB_CONTINUE;
}

/*
 * Subscribe: a 4 MiB receive buffer (SO_RCVBUFFORCE, as root, beyond
 * rmem_max), non-blocking so that a catch returns once the queue is
 * empty. ENOBUFS is left on: a lost event must show in the log.
 */
static int feed_open(struct feed *f, struct logger *lg)
{
	int size = EVENTS_RCVBUF, fd;

	switch (f->kind) {
	case FEED_CT:
		f->h = nfct_open(CONNTRACK, NFCT_ALL_CT_GROUPS);
		if (!f->h)
			return err_sys("ctnetlink: subscribe to conntrack events");
		if (nfct_callback_register(f->h, NFCT_T_ALL, ct_event, lg) < 0)
			return err_sys("ctnetlink: conntrack callback");
		break;
	case FEED_EXPECT:
		f->h = nfct_open(EXPECT, EXP_GROUPS);
		if (!f->h)
			return err_sys("ctnetlink: subscribe to expectation events");
		if (nfexp_callback_register(f->h, NFCT_T_ALL, exp_event, lg) < 0)
			return err_sys("ctnetlink: expectation callback");
		break;
	}
	fd = nfct_fd(f->h);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) < 0)
		return err_sys("ctnetlink %s: SO_RCVBUF", f->what);
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0)
		return err_sys("ctnetlink %s: O_NONBLOCK", f->what);
	return 0;
}

/* Receive and log what is queued; -1 with errno as nfct_catch() leaves it. */
static int feed_catch(struct feed *f)
{
	switch (f->kind) {
	case FEED_CT:
		return nfct_catch(f->h);
	case FEED_EXPECT:
		return nfexp_catch(f->h);
	}
	errno = EINVAL;
	return -1;
}

/*
 * Everything queued on f. ENOBUFS means the kernel dropped events for us:
 * said in the log, and reading goes on. Returns 0, or -1 with err set.
 */
static int feed_read(struct feed *f, struct logger *lg)
{
	for (;;) {
		if (feed_catch(f) >= 0)
			break;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			break;
		if (errno == EINTR)
			continue;
		if (errno == ENOBUFS) {
			log_line(lg, "LOST", "events lost:", f->what);
			continue;
		}
		return err_sys("ctnetlink %s: receive", f->what);
	}
	if (lg->write_failed) {
		errno = lg->write_errno;
		return err_sys("%s: write", lg->path);
	}
	return 0;
}

static FILE *log_open(const char *path)
{
	FILE *f;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		if (errno == ELOOP)
			err_set("%s: is a symbolic link, refused", path);
		else
			err_sys("%s", path);
		return NULL;
	}
	if (fchmod(fd, 0644) < 0 || !(f = fdopen(fd, "w"))) {
		err_sys("%s", path);
		close(fd);
		return NULL;
	}
	return f;
}

/* Until SIGTERM/SIGINT, then what is still queued. 0, or -1 with err set. */
static int events_loop(struct feed feeds[NFEEDS], struct logger *lg, int sfd)
{
	struct pollfd pfd[NFEEDS + 1];
	const size_t n = NFEEDS;
	size_t i;

	for (i = 0; i < n; i++)
		pfd[i] = (struct pollfd){ nfct_fd(feeds[i].h), POLLIN, 0 };
	pfd[n] = (struct pollfd){ sfd, POLLIN, 0 };
	for (;;) {
		if (poll(pfd, n + 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			return err_sys("poll");
		}
		for (i = 0; i < n; i++)
			if (pfd[i].revents && feed_read(&feeds[i], lg) < 0)
				return -1;
		if (pfd[n].revents)
			break;
	}
	for (i = 0; i < n; i++)
		if (feed_read(&feeds[i], lg) < 0)
			return -1;
	return 0;
}

/*
 * Set up (namespace, file, both subscriptions), say ready, log until told
 * to stop. What is opened lands in feeds and lg, which the caller closes.
 * Returns 0, or -1 with err set.
 */
static int events_run(const char *netns, struct feed feeds[NFEEDS], struct logger *lg,
		      int status_fd, pid_t parent, int *ready)
{
	int sfd, nsfd, entered;
	size_t i;

	sfd = child_setup(status_fd, parent);
	if (sfd < 0)
		return -1;
	nsfd = netns_open(netns);
	if (nsfd < 0)
		return -1;
	entered = netns_enter(nsfd);
	close(nsfd);
	if (entered < 0)
		return -1;
	lg->out = log_open(lg->path);
	if (!lg->out)
		return -1;
	for (i = 0; i < NFEEDS; i++)
		if (feed_open(&feeds[i], lg) < 0)
			return -1;
	status_send(status_fd, '+', "");
	*ready = 1;
	return events_loop(feeds, lg, sfd);
}

/* The child's life. A set-up failure removes the log it had created. */
static void __attribute__((noreturn))
events_child(const char *netns, const char *path, int status_fd, pid_t parent)
{
	struct feed feeds[NFEEDS] = {
		{ FEED_CT, "ct", NULL },
		{ FEED_EXPECT, "expect", NULL },
	};
	struct logger lg = { NULL, path, 0, 0 };
	int ready = 0, rc;
	size_t i;

	rc = events_run(netns, feeds, &lg, status_fd, parent, &ready);
	if (rc < 0) {
		err_prefix("%s", netns);
		status_send(status_fd, '-', err_get());
	}
	for (i = 0; i < NFEEDS; i++)
		if (feeds[i].h)
			nfct_close(feeds[i].h);
	if (lg.out && fclose(lg.out) == EOF && rc == 0) {
		rc = err_sys("%s: %s: close", netns, path);
		status_send(status_fd, '-', err_get());
	}
	if (lg.out && !ready)
		unlink(path);
	_exit(rc < 0 ? 1 : 0);
}

/* ---- parent ---- */

static int wait_ready(int fd)
{
	int64_t deadline = now_ms() + READY_TIMEOUT_MS;
	char line[2048];
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

static int child_stop(pid_t pid, int status_fd)
{
	int64_t deadline = now_ms() + STOP_TIMEOUT_MS;
	char msgs[2048] = "", buf[1024];
	size_t used = 0;
	int st = 0, killed = 0;
	pid_t w;
	ssize_t r;

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

	fcntl(status_fd, F_SETFL, O_NONBLOCK);
	while ((r = read(status_fd, buf, sizeof(buf) - 1)) > 0 && used < sizeof(msgs) - 1) {
		size_t take = (size_t)r < sizeof(msgs) - 1 - used ? (size_t)r : sizeof(msgs) - 1 - used;

		memcpy(msgs + used, buf, take);
		used += take;
	}
	msgs[used] = '\0';
	if (used) {
		char out[sizeof(msgs)] = "";
		char *line, *save = NULL;

		for (line = strtok_r(msgs, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			if (line[0] != '-')
				continue;
			if (out[0])
				strncat(out, "; ", sizeof(out) - strlen(out) - 1);
			strncat(out, line + 1, sizeof(out) - strlen(out) - 1);
		}
		if (out[0])
			return err_set("%s", out);
	}
	if (killed)
		return err_set("child %d did not stop within %d ms; killed", (int)pid,
			       STOP_TIMEOUT_MS);
	if (WIFSIGNALED(st))
		return err_set("child %d killed by signal %d", (int)pid, WTERMSIG(st));
	if (WEXITSTATUS(st))
		return err_set("child %d exited with status %d", (int)pid, WEXITSTATUS(st));
	return 0;
}

static void start_failed(struct events *e)
{
	char why[2048];

	str_copy(why, err_get(), sizeof(why));
	child_stop(e->pid, e->status_fd);
	err_set("events: %s", why);
	close(e->status_fd);
	free(e);
}

struct events *events_start(const char *netns, const char *path)
{
	struct events *e;
	sigset_t term, old;
	pid_t parent = getpid(), pid;
	int pfd[2];

	if (pipe2(pfd, O_CLOEXEC) < 0) {
		err_sys("events: pipe");
		return NULL;
	}
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigaddset(&term, SIGINT);
	pthread_sigmask(SIG_BLOCK, &term, &old);
	pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		events_child(netns, path, pfd[1], parent);
	}
	if (pid < 0)
		err_sys("events: fork");
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	close(pfd[1]);
	if (pid < 0)
		goto out_close;
	e = xcalloc(1, sizeof(*e));
	e->pid = pid;
	e->status_fd = pfd[0];
	if (wait_ready(e->status_fd) == 0)
		return e;
	start_failed(e);
	return NULL;
out_close:
	close(pfd[0]);
	return NULL;
}

pid_t events_pid(const struct events *e)
{
	return e->pid;
}

int events_stop(struct events *e)
{
	int rc;

	if (!e)
		return 0;
	rc = child_stop(e->pid, e->status_fd);
	if (rc < 0)
		err_prefix("events");
	close(e->status_fd);
	free(e);
	return rc;
}
