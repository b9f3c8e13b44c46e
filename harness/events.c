/*
 * events: one child process (child.h) per firewall logging ctnetlink
 * events. See events.h.
 *
 * The child says ready once both subscriptions are active; after an error
 * it reports it and exits.
 */
#include "child.h"
#include "events.h"
#include "netns.h"

#include <errno.h>
#include <fcntl.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define EVENTS_RCVBUF (4 << 20)
#define EXP_GROUPS (NF_NETLINK_CONNTRACK_EXP_NEW | NF_NETLINK_CONNTRACK_EXP_UPDATE | \
		    NF_NETLINK_CONNTRACK_EXP_DESTROY)

struct events {
	struct child *child; /* owned */
};

/* What the child is to log: events_start()'s arguments. */
struct events_job {
	const char *netns;
	const char *path;
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
		      struct child_self *self, int *ready)
{
	int nsfd, entered;
	size_t i;

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
	child_ready(self);
	*ready = 1;
	return events_loop(feeds, lg, child_signal_fd(self));
}

/* The child's life. A set-up failure removes the log it had created. */
static int events_child(struct child_self *self, void *arg)
{
	const struct events_job *job = arg;
	struct feed feeds[NFEEDS] = {
		{ FEED_CT, "ct", NULL },
		{ FEED_EXPECT, "expect", NULL },
	};
	struct logger lg = { NULL, job->path, 0, 0 };
	int ready = 0, rc;
	size_t i;

	rc = events_run(job->netns, feeds, &lg, self, &ready);
	if (rc < 0) {
		err_prefix("%s", job->netns);
		child_error(self);
	}
	for (i = 0; i < NFEEDS; i++)
		if (feeds[i].h)
			nfct_close(feeds[i].h);
	if (lg.out && fclose(lg.out) == EOF && rc == 0) {
		rc = err_sys("%s: %s: close", job->netns, job->path);
		child_error(self);
	}
	if (lg.out && !ready)
		unlink(job->path);
	return rc < 0 ? 1 : 0;
}

/* ---- parent ---- */

struct events *events_start(const char *netns, const char *path)
{
	struct events_job job = { netns, path };
	struct events *e = xcalloc(1, sizeof(*e));

	e->child = child_start("events", events_child, &job);
	if (!e->child) {
		free(e);
		return NULL;
	}
	return e;
}

pid_t events_pid(const struct events *e)
{
	return child_pid(e->child);
}

int events_stop(struct events *e)
{
	int rc = child_stop(e ? e->child : NULL);

	free(e);
	return rc;
}
