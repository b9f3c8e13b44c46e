/*
 * capture: one child process (child.h) writing a pcap file per lab
 * interface. See capture.h.
 *
 * The child says ready once every handle is active, and reports the first
 * error each handle hits (after a set-up error it exits).
 */
#include "capture.h"
#include "child.h"
#include "netns.h"

#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define CAPTURE_SNAPLEN 262144
#define CAPTURE_BUFFER (4 << 20)
/* A handle failing this many reads in a row is given up (see tap_read). */
#define MAX_READ_ERRORS 3
/* Final drain after SIGTERM (see capture_loop). */
#define DRAIN_QUIET_MS 50
#define DRAIN_MAX_MS 500

struct capture {
	struct child *child; /* owned */
};

/* What the child is to capture: capture_start()'s arguments. */
struct capture_job {
	const struct capture_iface *ifs;
	size_t n;
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

/* Report the current error of a tap once, prefixed "netns/ifname: ". */
static void tap_report(struct tap *t, struct child_self *self)
{
	err_prefix("%s/%s", t->ifc->netns, t->ifc->ifname);
	child_error(self);
	t->failed = 1;
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
static void tap_close(struct tap *t, struct child_self *self)
{
	struct pcap_stat st;

	if (t->dump) {
		if (pcap_dump_flush(t->dump) < 0 && !t->failed) {
			err_sys("%s: write", t->ifc->path);
			tap_report(t, self);
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
static int tap_read(struct tap *t, struct child_self *self)
{
	int n;

	if (t->failed)
		return 0;
	n = pcap_dispatch(t->pcap, -1, pcap_dump, (u_char *)t->dump);
	if (n < 0) {
		if (++t->read_errors >= MAX_READ_ERRORS) {
			err_set("pcap_dispatch: %s", pcap_geterr(t->pcap));
			tap_report(t, self);
		}
		return 0;
	}
	t->read_errors = 0;
	if (n > 0 && pcap_dump_flush(t->dump) < 0) {
		err_sys("%s: write", t->ifc->path);
		tap_report(t, self);
	}
	return n;
}

/* A wake-up on t: the link-down error is read off the socket and is no error. */
static void tap_service(struct tap *t, short revents, struct child_self *self)
{
	int soerr = 0;
	socklen_t len = sizeof(soerr);

	if (revents & POLLNVAL) {
		err_set("poll: descriptor closed");
		tap_report(t, self);
		return;
	}
	if (revents & POLLERR) {
		if (getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0) {
			err_sys("getsockopt(SO_ERROR)");
			tap_report(t, self);
			return;
		}
		if (soerr == ENETDOWN)
			log_debug("capture: %s/%s: link down", t->ifc->netns, t->ifc->ifname);
		else if (soerr) {
			errno = soerr;
			err_sys("capture socket");
			tap_report(t, self);
			return;
		}
	}
	if (revents & POLLIN)
		tap_read(t, self);
}

/*
 * Until SIGTERM/SIGINT; then until the interfaces have been quiet for
 * DRAIN_QUIET_MS (bounded by DRAIN_MAX_MS), because a packet that came in
 * just before the signal sits in a ring block that the kernel hands over
 * only when its retire timer fires (TPACKET_V3, about 8 ms on a veth;
 * af_packet.c, prb_calc_retire_blk_tmo()), and must still reach the file.
 */
static int capture_loop(struct tap *taps, size_t n, struct child_self *self)
{
	struct pollfd *pfd = xcalloc(n + 1, sizeof(*pfd));
	int sfd = child_signal_fd(self);
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
			child_error(self);
			goto out_free;
		}
		if (ready == 0)
			break;
		for (i = 0; i < n; i++)
			if (pfd[i].revents)
				tap_service(&taps[i], pfd[i].revents, self);
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
static int capture_child(struct child_self *self, void *arg)
{
	const struct capture_job *job = arg;
	struct tap *taps = xcalloc(job->n, sizeof(*taps));
	size_t i, opened;
	int ready = 0, rc = 1;

	for (opened = 0; opened < job->n; opened++) {
		if (tap_open(&taps[opened], &job->ifs[opened]) < 0) {
			tap_report(&taps[opened], self);
			opened++; /* close what was half opened too */
			goto out_close;
		}
	}
	child_ready(self);
	ready = 1;
	if (capture_loop(taps, job->n, self) == 0)
		rc = 0;
out_close:
	for (i = 0; i < opened; i++) {
		int created = taps[i].dump != NULL;

		tap_close(&taps[i], self);
		if (taps[i].failed)
			rc = 1;
		if (!ready && created)
			unlink(taps[i].ifc->path);
	}
	free(taps);
	return rc;
}

/* ---- parent ---- */

struct capture *capture_start(const struct capture_iface *ifs, size_t n)
{
	struct capture_job job = { ifs, n };
	struct capture *c;

	if (!n) {
		err_set("capture: no interface given");
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	c->child = child_start("capture", capture_child, &job);
	if (!c->child) {
		free(c);
		return NULL;
	}
	return c;
}

pid_t capture_pid(const struct capture *c)
{
	return child_pid(c->child);
}

int capture_stop(struct capture *c)
{
	int rc = child_stop(c ? c->child : NULL);

	free(c);
	return rc;
}
