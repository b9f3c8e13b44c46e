/*
 * capture: one child process writing a pcap file per lab interface. See
 * capture.h.
 *
 * The child talks to its parent through a pipe, one line per message:
 * "+" once every handle is active, "-text" for an error (the first one a
 * handle hits; after a set-up error the child exits). The parent reads the
 * first line in capture_start() and whatever is left in capture_stop().
 */
#include "capture.h"
#include "netns.h"

#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
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

#define CAPTURE_SNAPLEN 262144
#define CAPTURE_BUFFER (4 << 20)
#define READY_TIMEOUT_MS 5000
#define STOP_TIMEOUT_MS 2000
/* A handle failing this many reads in a row is given up (see tap_read). */
#define MAX_READ_ERRORS 3
/* Final drain after SIGTERM (see capture_loop). */
#define DRAIN_QUIET_MS 50
#define DRAIN_MAX_MS 500

struct capture {
	pid_t pid;
	int status_fd; /* owned: read end of the child's status pipe */
};

/* One interface as the child holds it. */
struct tap {
	const struct capture_iface *ifc;
	pcap_t *pcap;         /* owned */
	pcap_dumper_t *dump;  /* owned; closes the file */
	int fd;               /* pcap_get_selectable_fd(), not owned */
	int read_errors;      /* consecutive failed reads */
	int failed;           /* reported and given up; no longer read */
};

/* ---- child ---- */

/* One status line to the parent; newlines in text would split it. */
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

/* Report the current error of a tap once, prefixed "netns/ifname: ". */
static void tap_report(struct tap *t, int status_fd)
{
	err_prefix("%s/%s", t->ifc->netns, t->ifc->ifname);
	status_send(status_fd, '-', err_get());
	t->failed = 1;
}

/*
 * Everything a helper child does before its own work: die with the parent
 * (PDEATHSIG fires when the forking *thread* exits, so start captures from
 * a thread that lives as long as the lab), hold none of the parent's
 * descriptors (a daemon's pipe kept open here would hide its EOF), and turn
 * SIGTERM/SIGINT, blocked since before fork(), into a readable fd.
 * Returns the signalfd, or -1 with err set.
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

/* pcap_activate()'s complaint: the status name, and the detail when it adds one. */
static int activate_error(pcap_t *p, int status)
{
	const char *detail = pcap_geterr(p), *what = pcap_statustostr(status);

	if (status == PCAP_ERROR && detail[0])
		return err_set("pcap_activate: %s", detail);
	if (!detail[0] || strcmp(detail, what) == 0)
		return err_set("pcap_activate: %s", what);
	return err_set("pcap_activate: %s (%s)", what, detail);
}

/*
 * The pcap file: mode 0644 whatever the umask, and a symlink at path is
 * refused (O_NOFOLLOW) rather than followed to wherever it points.
 */
static int dump_open(struct tap *t)
{
	const char *path = t->ifc->path;
	FILE *f = NULL;
	int rc = -1, fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		if (errno == ELOOP)
			return err_set("%s: is a symbolic link, refused", path);
		return err_sys("%s", path);
	}
	if (fchmod(fd, 0644) < 0) {
		err_sys("%s: chmod", path);
		goto out_close;
	}
	f = fdopen(fd, "wb");
	if (!f) {
		err_sys("%s: fdopen", path);
		goto out_close;
	}
	t->dump = pcap_dump_fopen(t->pcap, f);
	if (!t->dump) {
		err_set("%s: pcap_dump_fopen: %s", path, pcap_geterr(t->pcap));
		goto out_close;
	}
	rc = 0;
out_close:
	if (rc < 0) {
		if (f)
			fclose(f);
		else
			close(fd);
	}
	return rc;
}

/* Open one interface inside its namespace; on error the caller closes t. */
static int tap_open(struct tap *t, const struct capture_iface *ifc)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	int nsfd, rc;

	t->ifc = ifc;
	t->fd = -1;
	nsfd = netns_open(ifc->netns);
	if (nsfd < 0)
		return -1;
	rc = netns_enter(nsfd);
	close(nsfd);
	if (rc < 0)
		return -1;
	t->pcap = pcap_create(ifc->ifname, errbuf);
	if (!t->pcap)
		return err_set("pcap_create: %s", errbuf);
	if (pcap_set_snaplen(t->pcap, CAPTURE_SNAPLEN) != 0 ||
	    pcap_set_immediate_mode(t->pcap, 1) != 0 ||
	    pcap_set_buffer_size(t->pcap, CAPTURE_BUFFER) != 0)
		return err_set("pcap options: %s", pcap_geterr(t->pcap));
	rc = pcap_activate(t->pcap);
	if (rc < 0)
		return activate_error(t->pcap, rc);
	if (dump_open(t) < 0)
		return -1;
	if (pcap_setnonblock(t->pcap, 1, errbuf) < 0)
		return err_set("pcap_setnonblock: %s", errbuf);
	t->fd = pcap_get_selectable_fd(t->pcap);
	if (t->fd < 0)
		return err_set("pcap: no selectable descriptor");
	return 0;
}

/* Flush and close; a write error is reported (the pcap is then incomplete). */
static void tap_close(struct tap *t, int status_fd)
{
	struct pcap_stat st;

	if (t->dump) {
		if (pcap_dump_flush(t->dump) < 0 && !t->failed) {
			err_sys("%s: write", t->ifc->path);
			tap_report(t, status_fd);
		}
		pcap_dump_close(t->dump);
	}
	if (t->pcap) {
		if (t->dump && pcap_stats(t->pcap, &st) == 0 && st.ps_drop)
			log_progress("capture: %s/%s: %u packets dropped by the kernel",
				     t->ifc->netns, t->ifc->ifname, st.ps_drop);
		pcap_close(t->pcap);
	}
}

/*
 * Read what is queued on t and append it to its file. The file is flushed
 * after each batch so that it can be read while the run goes on.
 *
 * A read error is tolerated a few times in a row: the packet socket
 * reports ENETDOWN once when the link goes down (af_packet.c,
 * packet_notifier()), which libpcap turns into an error, and capturing
 * resumes when the link comes back up; a lab that flaps links must not
 * lose its capture. An error that persists gives the interface up.
 * Returns the number of packets written (0 when none or given up).
 */
static int tap_read(struct tap *t, int status_fd)
{
	int n;

	if (t->failed)
		return 0;
	n = pcap_dispatch(t->pcap, -1, pcap_dump, (u_char *)t->dump);
	if (n < 0) {
		if (++t->read_errors >= MAX_READ_ERRORS) {
			err_set("pcap_dispatch: %s", pcap_geterr(t->pcap));
			tap_report(t, status_fd);
		}
		return 0;
	}
	t->read_errors = 0;
	if (n > 0 && pcap_dump_flush(t->dump) < 0) {
		err_sys("%s: write", t->ifc->path);
		tap_report(t, status_fd);
	}
	return n;
}

/* A wake-up on t: the link-down error is read off the socket and is no error. */
static void tap_service(struct tap *t, short revents, int status_fd)
{
	int soerr = 0;
	socklen_t len = sizeof(soerr);

	if (revents & POLLNVAL) {
		err_set("poll: descriptor closed");
		tap_report(t, status_fd);
		return;
	}
	if (revents & POLLERR) {
		if (getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0) {
			err_sys("getsockopt(SO_ERROR)");
			tap_report(t, status_fd);
			return;
		}
		if (soerr == ENETDOWN)
			log_debug("capture: %s/%s: link down", t->ifc->netns, t->ifc->ifname);
		else if (soerr) {
			errno = soerr;
			err_sys("capture socket");
			tap_report(t, status_fd);
			return;
		}
	}
	if (revents & POLLIN)
		tap_read(t, status_fd);
}

/*
 * Until SIGTERM/SIGINT; then until the interfaces have been quiet for
 * DRAIN_QUIET_MS (bounded by DRAIN_MAX_MS), because a packet that came in
 * just before the signal sits in a ring block that the kernel hands over
 * only when its retire timer fires (TPACKET_V3, about 8 ms on a veth;
 * af_packet.c, prb_calc_retire_blk_tmo()), and must still reach the file.
 */
static int capture_loop(struct tap *taps, size_t n, int sfd, int status_fd)
{
	struct pollfd *pfd = xcalloc(n + 1, sizeof(*pfd));
	int64_t drain_end = 0;
	int rc = -1, stopping = 0;
	size_t i;

	for (;;) {
		int ready;

		for (i = 0; i < n; i++) {
			pfd[i].fd = taps[i].failed ? -1 : taps[i].fd;
			pfd[i].events = POLLIN;
		}
		pfd[n].fd = sfd;
		pfd[n].events = POLLIN;
		ready = poll(pfd, stopping ? n : n + 1, stopping ? DRAIN_QUIET_MS : -1);
		if (ready < 0) {
			if (errno == EINTR)
				continue;
			err_sys("poll");
			status_send(status_fd, '-', err_get());
			goto out_free;
		}
		if (ready == 0)
			break;
		for (i = 0; i < n; i++)
			if (pfd[i].revents)
				tap_service(&taps[i], pfd[i].revents, status_fd);
		if (!stopping && pfd[n].revents) {
			stopping = 1;
			drain_end = now_ms() + DRAIN_MAX_MS;
		} else if (stopping && now_ms() >= drain_end) {
			break;
		}
	}
	rc = 0;
out_free:
	free(pfd);
	return rc;
}

/*
 * The child's life. A set-up failure removes the files it had created:
 * no capture ran, and a header-only pcap would say otherwise.
 */
static void __attribute__((noreturn))
capture_child(const struct capture_iface *ifs, size_t n, int status_fd, pid_t parent)
{
	struct tap *taps = xcalloc(n, sizeof(*taps));
	size_t i, opened = 0;
	int sfd, ready = 0, rc = 1;

	sfd = child_setup(status_fd, parent);
	if (sfd < 0) {
		status_send(status_fd, '-', err_get());
		goto out_close;
	}
	for (opened = 0; opened < n; opened++) {
		if (tap_open(&taps[opened], &ifs[opened]) < 0) {
			tap_report(&taps[opened], status_fd);
			opened++; /* close what was half opened too */
			goto out_close;
		}
	}
	status_send(status_fd, '+', "");
	ready = 1;
	if (capture_loop(taps, n, sfd, status_fd) == 0)
		rc = 0;
out_close:
	for (i = 0; i < opened; i++) {
		int created = taps[i].dump != NULL;

		tap_close(&taps[i], status_fd);
		if (taps[i].failed)
			rc = 1;
		if (!ready && created)
			unlink(taps[i].ifc->path);
	}
	_exit(rc);
}

/* ---- parent ---- */

/*
 * The child's first status line, within READY_TIMEOUT_MS: 0 when it
 * reported ready, -1 with err set to its error (or to why there was none).
 */
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

/*
 * SIGTERM, up to STOP_TIMEOUT_MS for the child to finish, then SIGKILL;
 * reaps it and collects the errors it reported. Returns 0 when it exited
 * 0 with nothing to report, else -1 with err set.
 */
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

	/* The child is gone, so this ends; non-blocking all the same. */
	fcntl(status_fd, F_SETFL, O_NONBLOCK);
	while ((r = read(status_fd, buf, sizeof(buf) - 1)) > 0 && used < sizeof(msgs) - 1) {
		size_t take = (size_t)r < sizeof(msgs) - 1 - used ? (size_t)r : sizeof(msgs) - 1 - used;

		memcpy(msgs + used, buf, take);
		used += take;
	}
	msgs[used] = '\0';
	/* "-a\n-b\n" -> "a; b" */
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

/* Reap a child that did not get ready; err keeps its own complaint. Frees c. */
static void start_failed(struct capture *c)
{
	char why[2048];

	str_copy(why, err_get(), sizeof(why));
	child_stop(c->pid, c->status_fd);
	err_set("capture: %s", why);
	close(c->status_fd);
	free(c);
}

struct capture *capture_start(const struct capture_iface *ifs, size_t n)
{
	struct capture *c;
	sigset_t term, old;
	pid_t parent = getpid(), pid;
	int pfd[2];

	if (!n) {
		err_set("capture: no interface given");
		return NULL;
	}
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		err_sys("capture: pipe");
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
		capture_child(ifs, n, pfd[1], parent);
	}
	if (pid < 0)
		err_sys("capture: fork");
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	close(pfd[1]);
	if (pid < 0)
		goto out_close;
	c = xcalloc(1, sizeof(*c));
	c->pid = pid;
	c->status_fd = pfd[0];
	if (wait_ready(c->status_fd) == 0)
		return c;
	start_failed(c);
	return NULL;
out_close:
	close(pfd[0]);
	return NULL;
}

pid_t capture_pid(const struct capture *c)
{
	return c->pid;
}

int capture_stop(struct capture *c)
{
	int rc;

	if (!c)
		return 0;
	rc = child_stop(c->pid, c->status_fd);
	if (rc < 0)
		err_prefix("capture");
	close(c->status_fd);
	free(c);
	return rc;
}
