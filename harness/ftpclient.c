/*
 * ftpclient: a scripted FTP control client. See ftpclient.h.
 *
 * Sockets stay blocking; every wait is a poll() against a deadline and the
 * reads and writes that follow it use MSG_DONTWAIT, so no call can outlive
 * the operation's timeout. Connects are the one place where the socket is
 * non-blocking for a moment (a blocking connect() cannot be bounded).
 */
#include "ftpclient.h"
#include "netns.h"
#include "sockio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <nettle/sha2.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define FTPC_LINE_MAX 8192    /* one reply line, and one command line */
#define FTPC_REPLY_MAX 65536  /* one complete (multi-line) reply */

/* What each mode sends and which reply accepts it. */
static const struct ftpc_mode_info {
	const char *name;
	const char *verb;
	int code;
	enum ftp_kind kind;
} modes[] = {
	[FTPC_PASV] = { "pasv", "PASV", 227, FTP_227 },
	[FTPC_EPSV] = { "epsv", "EPSV", 229, FTP_229 },
	[FTPC_PORT] = { "port", "PORT", 200, FTP_PORT },
	[FTPC_EPRT] = { "eprt", "EPRT", 200, FTP_EPRT },
};

_Static_assert(ARRAY_SIZE(modes) == FTPC_EPRT + 1, "one modes[] row per enum ftpc_mode");

struct ftpc {
	int ctl;                         /* owned; -1 once closed */
	int nsfd;                        /* owned dup of the namespace; -1: current one */
	int timeout_ms;
	int family;                      /* of the control connection */
	struct sockaddr_storage local_sa, peer_sa;
	char local_addr[INET6_ADDRSTRLEN], peer_addr[INET6_ADDRSTRLEN];
	uint16_t local_port, peer_port;
	char in[FTPC_LINE_MAX];          /* received on ctl, not consumed yet */
	size_t in_len;
	char *reply;                     /* owned: last reply, lines joined by '\n' */
	size_t reply_len, reply_cap;
	int announced;                   /* a data connection is announced */
	int passive;
	struct sockaddr_storage data_sa; /* passive: where to connect */
	int listen_fd;                   /* owned; active: where the server connects */
};


/* A TCP socket in the client's namespace (the current one when nsfd is -1). */
static int open_socket(const struct ftpc *c, int family)
{
	int fd;

	if (c->nsfd >= 0)
		return netns_socket(c->nsfd, family, SOCK_STREAM, 0);
	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_sys("socket");
	return fd;
}

/*
 * One line from the control connection (LF or CRLF ended), appended to
 * c->reply (after a '\n' unless it is the first line). *off is where the
 * line starts in c->reply.
 */
static int read_line(struct ftpc *c, const struct sio_deadline *dl, size_t *off)
{
	for (;;) {
		char *nl = memchr(c->in, '\n', c->in_len);
		size_t len, need;
		ssize_t n;

		if (nl) {
			len = (size_t)(nl - c->in);
			if (len && c->in[len - 1] == '\r')
				len--;
			need = c->reply_len + 1 + len + 1;
			if (need > FTPC_REPLY_MAX)
				return err_set("reply longer than %d bytes", FTPC_REPLY_MAX);
			if (need > c->reply_cap) {
				c->reply_cap = need * 2;
				c->reply = xrealloc(c->reply, c->reply_cap);
			}
			if (c->reply_len)
				c->reply[c->reply_len++] = '\n';
			*off = c->reply_len;
			memcpy(c->reply + c->reply_len, c->in, len);
			c->reply_len += len;
			c->reply[c->reply_len] = '\0';
			c->in_len -= (size_t)(nl + 1 - c->in);
			memmove(c->in, nl + 1, c->in_len);
			return 0;
		}
		if (c->in_len == sizeof(c->in))
			return err_set("reply line longer than %zu bytes", sizeof(c->in));
		if (sio_wait_fd(c->ctl, POLLIN, dl, "reply") < 0)
			return -1;
		n = recv(c->ctl, c->in + c->in_len, sizeof(c->in) - c->in_len, MSG_DONTWAIT);
		if (n == 0)
			return err_set("connection closed by the server");
		if (n < 0) {
			if (sio_again())
				continue;
			return err_sys("recv");
		}
		c->in_len += (size_t)n;
	}
}

/*
 * A complete reply: "xyz text", or "xyz-text" ... up to the line that
 * starts with the same "xyz " (RFC 959 4.2). Returns the code.
 */
static int read_reply(struct ftpc *c, const struct sio_deadline *dl)
{
	int first = -1, code, last;
	size_t off = 0;

	c->reply_len = 0;
	c->reply[0] = '\0';
	do {
		if (read_line(c, dl, &off) < 0)
			return -1;
		code = ftp_reply_code(c->reply + off, c->reply_len - off, &last);
		if (first < 0) {
			if (code < 0)
				return err_set("malformed reply '%s'", c->reply + off);
			first = code;
		}
	} while (!last || code != first);
	return first;
}

/* The last line of the last reply: the one with the final code. */
static const char *reply_tail(const struct ftpc *c)
{
	const char *nl = strrchr(c->reply, '\n');

	return nl ? nl + 1 : c->reply;
}

/* How a command is named in errors: never with the password. */
static void cmd_label(const char *line, char *buf, size_t len)
{
	if (strncasecmp(line, "PASS", 4) == 0 && (line[4] == ' ' || line[4] == '\0'))
		line = "PASS";
	str_copy(buf, line, len);
}

static int send_cmd(struct ftpc *c, const char *line, struct sio_deadline *dl)
{
	char buf[FTPC_LINE_MAX];

	if (c->ctl < 0)
		return err_set("not connected");
	if (strpbrk(line, "\r\n"))
		return err_set("command contains CR or LF");
	if (str_fmt(buf, sizeof(buf), "%s\r\n", line) < 0)
		return -1;
	return sio_send_all(c->ctl, buf, strlen(buf), dl, NULL, NULL);
}

static int command(struct ftpc *c, const char *line, struct sio_deadline *dl)
{
	if (send_cmd(c, line, dl) < 0)
		return -1;
	return read_reply(c, dl);
}

static void close_listener(struct ftpc *c)
{
	if (c->listen_fd >= 0)
		close(c->listen_fd);
	c->listen_fd = -1;
}

const char *ftpc_mode_name(enum ftpc_mode mode)
{
	if ((unsigned)mode >= ARRAY_SIZE(modes))
		return "?";
	return modes[mode].name;
}

int ftpc_mode_parse(const char *s)
{
	size_t k;

	for (k = 0; k < ARRAY_SIZE(modes); k++)
		if (strcasecmp(s, modes[k].name) == 0)
			return (int)k;
	return err_set("unknown ftp mode '%s' (pasv, epsv, port, eprt)", s);
}

static int fill_names(struct ftpc *c)
{
	struct ftp_endpoint ep;
	socklen_t len = sizeof(c->local_sa);

	if (getsockname(c->ctl, (struct sockaddr *)&c->local_sa, &len) < 0)
		return err_sys("getsockname");
	len = sizeof(c->peer_sa);
	if (getpeername(c->ctl, (struct sockaddr *)&c->peer_sa, &len) < 0)
		return err_sys("getpeername");
	if (sio_endpoint(&c->local_sa, &ep) < 0)
		return -1;
	str_copy(c->local_addr, ep.addr, sizeof(c->local_addr));
	c->local_port = ep.port;
	if (sio_endpoint(&c->peer_sa, &ep) < 0)
		return -1;
	str_copy(c->peer_addr, ep.addr, sizeof(c->peer_addr));
	c->peer_port = ep.port;
	return 0;
}

static int greeting(struct ftpc *c, const struct sio_deadline *dl)
{
	int code;

	do /* 120: "service ready in nnn minutes", then 220 */
		code = read_reply(c, dl);
	while (code >= 100 && code < 200);
	if (code < 0)
		return err_prefix("greeting");
	if (code != 220)
		return err_set("greeting: %s", reply_tail(c));
	return 0;
}

struct ftpc *ftpc_connect(int nsfd, const char *addr, uint16_t port, int timeout_ms)
{
	struct ftpc *c, *ret = NULL;
	struct sockaddr_storage ss;
	struct sio_deadline dl;

	c = xcalloc(1, sizeof(*c));
	c->ctl = c->nsfd = c->listen_fd = -1;
	c->timeout_ms = timeout_ms;
	c->reply_cap = 256;
	c->reply = xcalloc(1, c->reply_cap);
	sio_deadline_start(&dl, timeout_ms, 0);
	if (timeout_ms <= 0) {
		err_set("timeout of %d ms", timeout_ms);
		goto out;
	}
	if (sio_addr(addr, port, &ss) < 0)
		goto out;
	c->family = ss.ss_family;
	if (nsfd >= 0) {
		c->nsfd = fcntl(nsfd, F_DUPFD_CLOEXEC, 0);
		if (c->nsfd < 0) {
			err_sys("dup namespace fd %d", nsfd);
			goto out;
		}
	}
	c->ctl = open_socket(c, c->family);
	if (c->ctl < 0 || sio_connect(c->ctl, &ss, &dl) < 0 || fill_names(c) < 0 ||
	    greeting(c, &dl) < 0)
		goto out;
	ret = c;
	c = NULL;
out:
	if (!ret)
		err_prefix("ftp %s port %u", addr, (unsigned)port);
	ftpc_free(c);
	return ret;
}

void ftpc_free(struct ftpc *c)
{
	if (!c)
		return;
	if (c->ctl >= 0)
		close(c->ctl);
	close_listener(c);
	if (c->nsfd >= 0)
		close(c->nsfd);
	free(c->reply);
	free(c);
}

int ftpc_cmd(struct ftpc *c, const char *line)
{
	char label[128];
	struct sio_deadline dl;
	int code;

	sio_deadline_start(&dl, c->timeout_ms, 0);
	code = command(c, line, &dl);
	if (code < 0) {
		cmd_label(line, label, sizeof(label));
		return err_prefix("%s", label);
	}
	return code;
}

const char *ftpc_last_reply(const struct ftpc *c)
{
	return c->reply;
}

int ftpc_login(struct ftpc *c, const char *user, const char *pass)
{
	char line[FTPC_LINE_MAX];
	int code;

	if (str_fmt(line, sizeof(line), "USER %s", user) < 0)
		return err_prefix("USER");
	code = ftpc_cmd(c, line);
	if (code < 0)
		return -1;
	if (code == 230)
		return 0;
	if (code != 331)
		return err_set("USER: %s", reply_tail(c));
	if (str_fmt(line, sizeof(line), "PASS %s", pass) < 0)
		return err_prefix("PASS");
	code = ftpc_cmd(c, line);
	if (code < 0)
		return -1;
	if (code != 230 && code != 202)
		return err_set("PASS: %s", reply_tail(c));
	return 0;
}

/* The announce of kind in the reply's lines (a multi-line reply may carry it anywhere). */
static int find_announce(const struct ftpc *c, enum ftp_kind kind, struct ftp_announce *a)
{
	const char *line = c->reply;

	for (;;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		int rc = ftp_parse(line, len, 0, a);

		if (rc < 0)
			return -1;
		if (rc == 1 && a->kind == kind)
			return 0;
		if (!nl)
			return err_set("no %s endpoint in '%s'", ftp_kind_name(kind), reply_tail(c));
		line = nl + 1;
	}
}

static int announce_passive(struct ftpc *c, const struct ftpc_mode_info *m,
			    struct sio_deadline *dl, struct ftp_endpoint *ep)
{
	struct ftp_announce a;
	int code;

	code = command(c, m->verb, dl);
	if (code < 0)
		return -1;
	if (code != m->code)
		return err_set("%s", reply_tail(c));
	if (find_announce(c, m->kind, &a) < 0)
		return -1;
	if (a.ep.family == AF_UNSPEC) {
		/* 229: the port only; the address is the control connection's peer. */
		c->data_sa = c->peer_sa;
		sio_set_port(&c->data_sa, a.ep.port);
	} else if (sio_addr(a.ep.addr, a.ep.port, &c->data_sa) < 0) {
		return -1;
	}
	c->passive = 1;
	c->announced = 1;
	*ep = a.ep;
	return 0;
}

static int announce_active(struct ftpc *c, const struct ftpc_mode_info *m,
			   struct sio_deadline *dl, struct ftp_endpoint *ep)
{
	struct sockaddr_storage ss = c->local_sa;
	socklen_t len = sizeof(ss);
	struct ftp_endpoint local;
	char arg[128], line[160];
	int rc = -1, fd, code, flags;

	if (m->kind == FTP_PORT && c->family != AF_INET)
		return err_set("needs an IPv4 control connection");
	fd = open_socket(c, c->family);
	if (fd < 0)
		return -1;
	sio_set_port(&ss, 0);
	if (bind(fd, (struct sockaddr *)&ss, sio_addr_len(&ss)) < 0) {
		err_sys("bind %s", c->local_addr);
		goto out_close;
	}
	/* Non-blocking so that accept() after poll() cannot hang on a vanished peer. */
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 || listen(fd, 1) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
		err_sys("listen on %s", c->local_addr);
		goto out_close;
	}
	if (sio_endpoint(&ss, &local) < 0 || ftp_format(m->kind, &local, arg, sizeof(arg)) < 0 ||
	    str_fmt(line, sizeof(line), "%s %s", m->verb, arg) < 0)
		goto out_close;
	code = command(c, line, dl);
	if (code < 0)
		goto out_close;
	if (code != m->code) {
		err_set("%s", reply_tail(c));
		goto out_close;
	}
	c->listen_fd = fd;
	fd = -1;
	c->passive = 0;
	c->announced = 1;
	*ep = local;
	rc = 0;
out_close:
	if (fd >= 0)
		close(fd);
	return rc;
}

int ftpc_announce(struct ftpc *c, enum ftpc_mode mode, struct ftp_endpoint *ep)
{
	struct sio_deadline dl;
	int rc = -1;

	if ((unsigned)mode >= ARRAY_SIZE(modes))
		return err_set("unknown ftp mode %d", (int)mode);
	close_listener(c);
	c->announced = 0;
	sio_deadline_start(&dl, c->timeout_ms, 0);
	switch (mode) {
	case FTPC_PASV:
	case FTPC_EPSV:
		rc = announce_passive(c, &modes[mode], &dl, ep);
		break;
	case FTPC_PORT:
	case FTPC_EPRT:
		rc = announce_active(c, &modes[mode], &dl, ep);
		break;
	}
	if (rc < 0)
		return err_prefix("%s", modes[mode].verb);
	return 0;
}

/* The preliminary reply of a data command: 1xx, or the failure. */
static int prelim(struct ftpc *c, const struct sio_deadline *dl, struct ftpc_xfer *x)
{
	int code = read_reply(c, dl);

	if (code < 0)
		return -1;
	x->code_prelim = code;
	if (code >= 200)
		return err_set("%s", reply_tail(c));
	return 0;
}

/*
 * Active mode: the server may connect before or after its 1xx reply (or
 * not at all, replying 425), so wait on both until both have happened.
 */
static int accept_data(struct ftpc *c, const struct sio_deadline *dl, struct ftpc_xfer *x)
{
	int fd = -1, have_prelim = 0;

	while (fd < 0 || !have_prelim) {
		struct pollfd p[2] = {
			{ .fd = fd < 0 ? c->listen_fd : -1, .events = POLLIN },
			{ .fd = have_prelim ? -1 : c->ctl, .events = POLLIN },
		};

		/* A reply already buffered will not wake poll(). */
		int buffered = !have_prelim && c->in_len > 0;

		if (!buffered &&
		    sio_wait_fds(p, ARRAY_SIZE(p), dl, fd < 0 ? "data connection" : "reply") < 0)
			goto out_fail;
		if (!have_prelim && (buffered || p[1].revents)) {
			if (prelim(c, dl, x) < 0)
				goto out_fail;
			have_prelim = 1;
		}
		if (fd < 0 && p[0].revents) {
			fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC);
			if (fd < 0 && !sio_again() && errno != ECONNABORTED) {
				err_sys("accept");
				goto out_fail;
			}
		}
	}
	return fd;
out_fail:
	if (fd >= 0)
		close(fd);
	return -1;
}

/* Passive mode: connect to the announced endpoint, then send the command. */
static int connect_data(struct ftpc *c, const char *line, struct sio_deadline *dl,
			struct ftpc_xfer *x)
{
	struct ftp_endpoint ep;
	int fd;

	fd = open_socket(c, c->data_sa.ss_family);
	if (fd < 0)
		return -1;
	if (sio_connect(fd, &c->data_sa, dl) < 0) {
		if (sio_endpoint(&c->data_sa, &ep) == 0)
			err_prefix("data connection to %s port %u", ep.addr, (unsigned)ep.port);
		goto out_fail;
	}
	if (send_cmd(c, line, dl) < 0 || prelim(c, dl, x) < 0)
		goto out_fail;
	return fd;
out_fail:
	close(fd);
	return -1;
}

static int download(int fd, struct sio_deadline *dl, struct sha256_ctx *sha, struct ftpc_xfer *x)
{
	uint8_t buf[SIO_CHUNK];

	for (;;) {
		ssize_t n;

		if (sio_wait_fd(fd, POLLIN, dl, "data") < 0)
			return -1;
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0)
			return 0;
		if (n < 0) {
			if (sio_again())
				continue;
			return err_sys("data: recv");
		}
		sha256_update(sha, (size_t)n, buf);
		x->bytes += (uint64_t)n;
		sio_progress(dl);
	}
}

/*
 * After a failed data phase the server usually still sends a final reply
 * (426, 451): read it, so that it is in x and not taken for the answer to
 * the next command, but keep the first error.
 */
static void drain_final(struct ftpc *c, struct ftpc_xfer *x)
{
	char saved[1024];
	struct sio_deadline dl;
	int code;

	str_copy(saved, err_get(), sizeof(saved));
	sio_deadline_start(&dl, c->timeout_ms, 0);
	code = read_reply(c, &dl);
	if (code > 0)
		x->code_final = code;
	err_set("%s", saved);
}

int ftpc_transfer(struct ftpc *c, const char *line, const void *upload, size_t uplen,
		  struct ftpc_xfer *x)
{
	struct sha256_ctx sha;
	struct sio_deadline dl;
	char label[128];
	int rc = -1, fd = -1, moved = 0, code;

	memset(x, 0, sizeof(*x));
	sha256_init(&sha);
	cmd_label(line, label, sizeof(label));
	if (!c->announced) {
		err_set("no data connection announced");
		goto out;
	}
	c->announced = 0;
	sio_deadline_start(&dl, c->timeout_ms, 0);
	if (c->passive) {
		fd = connect_data(c, line, &dl, x);
	} else if (send_cmd(c, line, &dl) == 0) {
		fd = accept_data(c, &dl, x);
	}
	if (fd < 0)
		goto out;
	sio_deadline_start(&dl, c->timeout_ms, 1);
	if (upload) {
		if (sio_send_all(fd, upload, uplen, &dl, &sha, &x->bytes) < 0)
			err_prefix("data");
		else if (shutdown(fd, SHUT_WR) < 0)
			err_sys("data: shutdown");
		else
			moved = 1;
	} else {
		moved = download(fd, &dl, &sha, x) == 0;
	}
	close(fd);
	fd = -1;
	if (!moved) {
		drain_final(c, x);
		goto out;
	}
	sio_deadline_start(&dl, c->timeout_ms, 0);
	code = read_reply(c, &dl);
	if (code < 0)
		goto out;
	x->code_final = code;
	if (code != 226) {
		err_set("%s", reply_tail(c));
		goto out;
	}
	rc = 0;
out:
	sha256_digest(&sha, sizeof(x->sha256), x->sha256);
	if (fd >= 0)
		close(fd);
	close_listener(c);
	if (rc < 0)
		err_prefix("%s", label);
	return rc;
}

const char *ftpc_local_addr(const struct ftpc *c)
{
	return c->local_addr;
}

uint16_t ftpc_local_port(const struct ftpc *c)
{
	return c->local_port;
}

int ftpc_quit(struct ftpc *c)
{
	struct sio_deadline dl;
	int code;

	sio_deadline_start(&dl, c->timeout_ms, 0);
	code = command(c, "QUIT", &dl);
	if (c->ctl >= 0)
		close(c->ctl);
	c->ctl = -1;
	c->in_len = 0;
	close_listener(c);
	c->announced = 0;
	if (code < 0)
		return err_prefix("QUIT");
	if (code != 221)
		return err_set("QUIT: %s", reply_tail(c));
	return 0;
}
