/*
 * test_ftpclient: the client against a fake FTP server run as a thread in
 * this process, on loopback only (127.0.0.1, and ::1 when the host has it),
 * with nsfd -1 (and, as root, the fd of our own namespace so that the
 * netns_socket() path runs too).
 *
 * The fake server is a verb table; a test sets a few knobs (greeting,
 * silence, failure replies, order of 150 and the active connect) and
 * checks afterwards what the server saw. It parses PORT/EPRT itself with
 * sscanf, not with ftp.c, so that a bug shared by ftp_format() and
 * ftp_parse() cannot hide.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <nettle/sha2.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ftpclient.h"
#include "testlib.h"

#define SERVER_WAIT_MS 5000  /* the fake server gives up after this */
#define TIMEOUT_MS 2000      /* client timeout in tests that should not time out */
#define BIG 200000           /* bytes: many reads and writes */
#define HUGE (16 << 20)      /* bytes: more than loopback socket buffers hold */

struct fake {
	/* set before fake_start() */
	int family;               /* AF_INET: 127.0.0.1, AF_INET6: ::1 */
	const char *greeting;     /* NULL: never greet */
	int mute;                 /* read commands, answer none */
	const char *ignore;       /* a verb to answer with silence (and no data connection) */
	const char *xfer_fail;    /* reply to RETR/STOR instead of 150 */
	const char *final;        /* final reply instead of "226 Transfer complete." */
	int connect_first;        /* active: connect before sending 150 */
	int early_150;            /* active: send 150 with the PORT/EPRT reply, not after RETR */
	int trickle_ms;           /* RETR: pause between 8 pieces (send errors then expected) */
	const uint8_t *content;   /* what RETR serves */
	size_t content_len;
	/* filled by the server */
	int lfd;
	uint16_t port;
	pthread_t th;
	int dlfd;                 /* PASV/EPSV listener */
	char data_addr[INET6_ADDRSTRLEN];
	uint16_t data_port;       /* announced by PASV/EPSV, or parsed from PORT/EPRT */
	uint8_t *stored;          /* what STOR received (owned) */
	size_t stored_len;
	char cmds[2048];          /* commands received, one per line */
	char err[256];            /* first thing that went wrong in the server */
};

static void fake_fail(struct fake *f, const char *fmt, ...) FTFW_FMT(2, 3);

static void fake_fail(struct fake *f, const char *fmt, ...)
{
	va_list ap;

	if (f->err[0])
		return;
	va_start(ap, fmt);
	vsnprintf(f->err, sizeof(f->err), fmt, ap);
	va_end(ap);
}

static void say(struct fake *f, int fd, const char *s)
{
	size_t len = strlen(s);

	while (len) {
		ssize_t n = send(fd, s, len, MSG_NOSIGNAL);

		if (n < 0) {
			/* With trickle_ms the client may have given up and closed. */
			if (!f->trickle_ms)
				fake_fail(f, "send: %s", strerror(errno));
			return;
		}
		s += n;
		len -= (size_t)n;
	}
}

/* The same text in pieces of a few bytes, so the client sees split reads. */
static void say_slowly(struct fake *f, int fd, const char *s)
{
	char piece[8];

	for (; *s; s += strlen(piece)) {
		str_copy(piece, s, 6);
		say(f, fd, piece);
		sleep_ms(2);
	}
}

static int wait_in(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, SERVER_WAIT_MS) == 1 ? 0 : -1;
}

static int fake_listen(struct fake *f, uint16_t *port)
{
	struct sockaddr_storage ss = { .ss_family = (sa_family_t)f->family };
	socklen_t len = sizeof(ss);
	int fd;

	if (f->family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
	fd = socket(f->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, sizeof(ss)) < 0 || listen(fd, 4) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
		fake_fail(f, "listen: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*port = ntohs(f->family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
					   : ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

static int fake_accept(struct fake *f, int lfd)
{
	int fd = -1;

	if (wait_in(lfd) < 0 || (fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
		fake_fail(f, "accept: %s", errno ? strerror(errno) : "timeout");
	return fd;
}

/* The data connection: accept on the PASV/EPSV listener or connect to PORT/EPRT. */
static int fake_data(struct fake *f)
{
	struct sockaddr_storage ss = { .ss_family = (sa_family_t)f->family };
	int fd;

	if (f->dlfd >= 0)
		return fake_accept(f, f->dlfd);
	if (f->family == AF_INET) {
		inet_pton(AF_INET, f->data_addr, &((struct sockaddr_in *)&ss)->sin_addr);
		((struct sockaddr_in *)&ss)->sin_port = htons(f->data_port);
	} else {
		inet_pton(AF_INET6, f->data_addr, &((struct sockaddr_in6 *)&ss)->sin6_addr);
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(f->data_port);
	}
	fd = socket(f->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, sizeof(ss)) < 0) {
		fake_fail(f, "data connect to %s port %u: %s", f->data_addr, f->data_port,
			  strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* 150 and the data connection, in the order the test asked for. */
static int fake_open(struct fake *f, int fd)
{
	int d;

	if (f->xfer_fail) {
		say(f, fd, f->xfer_fail);
		return -1;
	}
	if (f->early_150) {
		d = fake_data(f);
	} else if (f->dlfd < 0 && f->connect_first) {
		d = fake_data(f);
		sleep_ms(50);
		say(f, fd, "150 Here it comes.\r\n");
	} else {
		say(f, fd, "150 Here it comes.\r\n");
		if (f->dlfd < 0)
			sleep_ms(50);
		d = fake_data(f);
	}
	return d;
}

static void fake_close_data(struct fake *f, int d, int fd)
{
	close(d);
	if (f->dlfd >= 0)
		close(f->dlfd);
	f->dlfd = -1;
	say(f, fd, f->final ? f->final : "226 Transfer complete.\r\n");
}

static int v_user(struct fake *f, int fd, const char *arg)
{
	(void)arg;
	say(f, fd, "331 Please specify the password.\r\n");
	return 0;
}

static int v_pass(struct fake *f, int fd, const char *arg)
{
	say(f, fd, strcmp(arg, "secret") == 0 ? "230 Login successful.\r\n"
					       : "530 Login incorrect.\r\n");
	return 0;
}

static int v_feat(struct fake *f, int fd, const char *arg)
{
	(void)arg;
	say_slowly(f, fd, "211-Features:\r\n EPSV\r\n211-not the end\r\n150 nor this\r\n PASV\r\n211 End\r\n");
	return 0;
}

static int v_pasv(struct fake *f, int fd, const char *arg)
{
	char line[128];

	(void)arg;
	f->dlfd = fake_listen(f, &f->data_port);
	str_copy(f->data_addr, "127.0.0.1", sizeof(f->data_addr));
	snprintf(line, sizeof(line), "227 Entering Passive Mode (127,0,0,1,%u,%u).\r\n",
		 f->data_port >> 8, f->data_port & 0xff);
	say(f, fd, line);
	return 0;
}

static int v_epsv(struct fake *f, int fd, const char *arg)
{
	char line[128];

	(void)arg;
	f->dlfd = fake_listen(f, &f->data_port);
	snprintf(line, sizeof(line), "229 Entering Extended Passive Mode (|||%u|)\r\n", f->data_port);
	say(f, fd, line);
	return 0;
}

static int v_port(struct fake *f, int fd, const char *arg)
{
	unsigned h[4], p[2];
	char end;

	if (sscanf(arg, "%u,%u,%u,%u,%u,%u%c", &h[0], &h[1], &h[2], &h[3], &p[0], &p[1], &end) != 6) {
		fake_fail(f, "bad PORT argument '%s'", arg);
		say(f, fd, "501 Bad PORT.\r\n");
		return 0;
	}
	snprintf(f->data_addr, sizeof(f->data_addr), "%u.%u.%u.%u", h[0], h[1], h[2], h[3]);
	f->data_port = (uint16_t)(p[0] * 256 + p[1]);
	say(f, fd, f->early_150 ? "200 PORT command successful.\r\n150 Here it comes.\r\n"
				: "200 PORT command successful.\r\n");
	return 0;
}

static int v_eprt(struct fake *f, int fd, const char *arg)
{
	char addr[64], end;
	unsigned af, port;

	if (sscanf(arg, "|%u|%63[^|]|%u%c", &af, addr, &port, &end) != 4 || end != '|' ||
	    af != (f->family == AF_INET ? 1u : 2u)) {
		fake_fail(f, "bad EPRT argument '%s'", arg);
		say(f, fd, "501 Bad EPRT.\r\n");
		return 0;
	}
	str_copy(f->data_addr, addr, sizeof(f->data_addr));
	f->data_port = (uint16_t)port;
	say(f, fd, "200 EPRT command successful.\r\n");
	return 0;
}

static int v_retr(struct fake *f, int fd, const char *arg)
{
	int d = fake_open(f, fd);
	size_t off = 0;

	(void)arg;
	if (d < 0)
		return 0;
	while (off < f->content_len) {
		size_t piece = f->trickle_ms ? (f->content_len + 7) / 8 : f->content_len;
		ssize_t n;

		if (off && f->trickle_ms)
			sleep_ms(f->trickle_ms);
		if (piece > f->content_len - off)
			piece = f->content_len - off;
		n = send(d, f->content + off, piece, MSG_NOSIGNAL);
		if (n < 0) {
			if (!f->trickle_ms)
				fake_fail(f, "data send: %s", strerror(errno));
			break;
		}
		off += (size_t)n;
	}
	fake_close_data(f, d, fd);
	return 0;
}

static int v_stor(struct fake *f, int fd, const char *arg)
{
	int d = fake_open(f, fd);
	size_t cap = 0;

	(void)arg;
	if (d < 0)
		return 0;
	for (;;) {
		ssize_t n;

		if (cap - f->stored_len < 4096) {
			cap = cap ? cap * 2 : 65536;
			f->stored = xrealloc(f->stored, cap);
		}
		if (wait_in(d) < 0) {
			fake_fail(f, "STOR: no data");
			break;
		}
		n = recv(d, f->stored + f->stored_len, cap - f->stored_len, 0);
		if (n <= 0)
			break;
		f->stored_len += (size_t)n;
	}
	fake_close_data(f, d, fd);
	return 0;
}

static int v_quit(struct fake *f, int fd, const char *arg)
{
	(void)arg;
	say(f, fd, "221 Goodbye.\r\n");
	return 1;
}

/* Close the control connection without a word. */
static int v_drop(struct fake *f, int fd, const char *arg)
{
	(void)f;
	(void)fd;
	(void)arg;
	return 1;
}

static const struct {
	const char *verb;
	int (*fn)(struct fake *f, int fd, const char *arg);
} verbs[] = {
	{ "USER", v_user }, { "PASS", v_pass }, { "FEAT", v_feat }, { "PASV", v_pasv },
	{ "EPSV", v_epsv }, { "PORT", v_port }, { "EPRT", v_eprt }, { "RETR", v_retr },
	{ "STOR", v_stor }, { "QUIT", v_quit }, { "DROP", v_drop },
};

static int fake_dispatch(struct fake *f, int fd, char *line)
{
	const char *arg = strchr(line, ' ');
	size_t k, vlen = arg ? (size_t)(arg - line) : strlen(line);

	arg = arg ? arg + 1 : "";
	if (f->ignore && strlen(f->ignore) == vlen && strncasecmp(line, f->ignore, vlen) == 0)
		return 0;
	for (k = 0; k < ARRAY_SIZE(verbs); k++)
		if (strlen(verbs[k].verb) == vlen && strncasecmp(line, verbs[k].verb, vlen) == 0)
			return verbs[k].fn(f, fd, arg);
	say(f, fd, "502 Command not implemented.\r\n");
	return 0;
}

static void *fake_run(void *p)
{
	struct fake *f = p;
	char buf[1024];
	size_t len = 0;
	int fd, done = 0;

	fd = fake_accept(f, f->lfd);
	if (fd < 0)
		return NULL;
	if (f->greeting)
		say_slowly(f, fd, f->greeting);
	while (!done) {
		char *nl = memchr(buf, '\n', len);
		ssize_t n;

		if (nl) {
			*nl = '\0';
			if (nl == buf || nl[-1] != '\r')
				fake_fail(f, "command without CRLF");
			else
				nl[-1] = '\0';
			snprintf(f->cmds + strlen(f->cmds), sizeof(f->cmds) - strlen(f->cmds), "%s\n",
				 buf);
			if (!f->mute)
				done = fake_dispatch(f, fd, buf);
			len -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, len);
			continue;
		}
		if (len == sizeof(buf) || wait_in(fd) < 0)
			break;
		n = recv(fd, buf + len, sizeof(buf) - len, 0);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	return NULL;
}

static void fake_start(struct fake *f)
{
	f->dlfd = -1;
	if (!f->family)
		f->family = AF_INET;
	f->lfd = fake_listen(f, &f->port);
	ck_assert_msg(f->lfd >= 0, "%s", f->err);
	ck_assert_int_eq(pthread_create(&f->th, NULL, fake_run, f), 0);
}

/* Join the server and check that nothing went wrong on its side (f->stored stays). */
static void fake_stop(struct fake *f)
{
	ck_assert_int_eq(pthread_join(f->th, NULL), 0);
	close(f->lfd);
	if (f->dlfd >= 0)
		close(f->dlfd);
	ck_assert_msg(f->err[0] == '\0', "fake server: %s", f->err);
}

static const char *loopback(const struct fake *f)
{
	return f->family == AF_INET6 ? "::1" : "127.0.0.1";
}

static struct ftpc *connect_login(struct fake *f, int nsfd, int timeout_ms)
{
	struct ftpc *c = ftpc_connect(nsfd, loopback(f), f->port, timeout_ms);

	ck_assert_msg(c != NULL, "connect: %s", err_get());
	ck_assert_msg(ftpc_login(c, "anonymous", "secret") == 0, "login: %s", err_get());
	return c;
}

static void fill(uint8_t *p, size_t len, uint32_t seed)
{
	size_t i;

	for (i = 0; i < len; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
}

static void sha256_of(const void *p, size_t len, uint8_t out[32])
{
	struct sha256_ctx ctx;

	sha256_init(&ctx);
	sha256_update(&ctx, len, p);
	sha256_digest(&ctx, SHA256_DIGEST_SIZE, out);
}

START_TEST(test_login)
{
	struct fake f = { .greeting = "220 fake ready\r\n" };
	struct ftpc *c;

	fake_start(&f);
	c = connect_login(&f, -1, TIMEOUT_MS);
	ck_assert_str_eq(ftpc_last_reply(c), "230 Login successful.");
	ck_assert_str_eq(ftpc_local_addr(c), "127.0.0.1");
	ck_assert_uint_ne(ftpc_local_port(c), 0);
	ck_assert_uint_ne(ftpc_local_port(c), f.port);
	ck_assert_int_eq(ftpc_quit(c), 0);
	ftpc_free(c);
	fake_stop(&f);
	ck_assert_str_eq(f.cmds, "USER anonymous\nPASS secret\nQUIT\n");
}
END_TEST

START_TEST(test_login_refused)
{
	struct fake f = { .greeting = "220 fake ready\r\n" };
	struct ftpc *c;

	fake_start(&f);
	c = ftpc_connect(-1, "127.0.0.1", f.port, TIMEOUT_MS);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(ftpc_login(c, "anonymous", "wrong-pw"), -1);
	ck_assert_str_eq(err_get(), "PASS: 530 Login incorrect.");
	ftpc_free(c);
	fake_stop(&f);
}
END_TEST

/* Multi-line replies sent a few bytes at a time, with inner lines that look like codes. */
START_TEST(test_multiline)
{
	struct fake f = { .greeting = "220-Welcome\r\n220-to the fake\r\n220 server\r\n" };
	struct ftpc *c;

	fake_start(&f);
	c = ftpc_connect(-1, "127.0.0.1", f.port, TIMEOUT_MS);
	ck_assert_msg(c != NULL, "%s", err_get());
	ck_assert_str_eq(ftpc_last_reply(c), "220-Welcome\n220-to the fake\n220 server");
	ck_assert_int_eq(ftpc_cmd(c, "FEAT"), 211);
	ck_assert_str_eq(ftpc_last_reply(c),
			 "211-Features:\n EPSV\n211-not the end\n150 nor this\n PASV\n211 End");
	ck_assert_int_eq(ftpc_cmd(c, "SITE HELP"), 502);
	ck_assert_str_eq(ftpc_last_reply(c), "502 Command not implemented.");
	ck_assert_int_eq(ftpc_quit(c), 0);
	ftpc_free(c);
	fake_stop(&f);
}
END_TEST

/* One row per transfer: mode, command, what the server does, what must come out. */
struct xfer_case {
	int family;
	enum ftpc_mode mode;
	const char *line;        /* RETR serves size bytes; STOR uploads size bytes */
	size_t size;
	int connect_first;       /* active: server connects before its 150; 2: sends 150 early */
	const char *fail;        /* server's reply instead of 150 */
	const char *final;       /* server's final reply, NULL: 226 */
	int rc, prelim, final_code;
	const char *err;         /* exact err_get() when rc == -1 */
};

static const struct xfer_case xfer_cases[] = {
	{ AF_INET, FTPC_PASV, "RETR big", BIG, 0, NULL, NULL, 0, 150, 226, NULL },
	{ AF_INET, FTPC_EPSV, "RETR big", BIG, 0, NULL, NULL, 0, 150, 226, NULL },
	{ AF_INET, FTPC_PORT, "RETR big", BIG, 0, NULL, NULL, 0, 150, 226, NULL },
	{ AF_INET, FTPC_PORT, "RETR big", BIG, 1, NULL, NULL, 0, 150, 226, NULL },
	/* More than socket buffers hold: the client must see the early 150 and read. */
	{ AF_INET, FTPC_PORT, "RETR huge", HUGE, 2, NULL, NULL, 0, 150, 226, NULL },
	{ AF_INET, FTPC_EPRT, "RETR small", 1000, 0, NULL, NULL, 0, 150, 226, NULL },
	{ AF_INET, FTPC_EPRT, "RETR small", 1000, 1, NULL, NULL, 0, 150, 226, NULL },
	{ AF_INET, FTPC_PASV, "RETR empty", 0, 0, NULL, NULL, 0, 150, 226, NULL },
	{ AF_INET, FTPC_PASV, "STOR up", BIG, 0, NULL, NULL, 0, 150, 226, NULL },
	{ AF_INET, FTPC_EPSV, "STOR up", 1, 0, NULL, NULL, 0, 150, 226, NULL },
	{ AF_INET, FTPC_PORT, "STOR up", BIG, 0, NULL, NULL, 0, 150, 226, NULL },
	{ AF_INET, FTPC_EPRT, "STOR up", 0, 1, NULL, NULL, 0, 150, 226, NULL },
	{ AF_INET, FTPC_PASV, "RETR f", 10, 0, "425 Can't open data connection.\r\n", NULL,
	  -1, 425, 0, "RETR f: 425 Can't open data connection." },
	{ AF_INET, FTPC_PORT, "RETR f", 10, 0, "425 Can't open data connection.\r\n", NULL,
	  -1, 425, 0, "RETR f: 425 Can't open data connection." },
	{ AF_INET, FTPC_EPSV, "RETR missing", 10, 0, "550 Failed to open file.\r\n", NULL,
	  -1, 550, 0, "RETR missing: 550 Failed to open file." },
	{ AF_INET, FTPC_PASV, "RETR f", 10, 0, "250 Nothing to send.\r\n", NULL,
	  -1, 250, 0, "RETR f: 250 Nothing to send." },
	{ AF_INET, FTPC_PORT, "STOR f", 10, 0, "350 Send more.\r\n", NULL,
	  -1, 350, 0, "STOR f: 350 Send more." },
	{ AF_INET, FTPC_PASV, "RETR f", 5000, 0, NULL, "451 Local error in processing.\r\n",
	  -1, 150, 451, "RETR f: 451 Local error in processing." },
	{ AF_INET, FTPC_EPRT, "STOR up", 5000, 0, NULL, "452 Insufficient storage space.\r\n",
	  -1, 150, 452, "STOR up: 452 Insufficient storage space." },
};

/* The same on ::1 (run when the host has IPv6 loopback). */
static const struct xfer_case xfer6_cases[] = {
	{ AF_INET6, FTPC_EPSV, "RETR big", BIG, 0, NULL, NULL, 0, 150, 226, NULL },
	{ AF_INET6, FTPC_EPRT, "RETR big", BIG, 0, NULL, NULL, 0, 150, 226, NULL },
	{ AF_INET6, FTPC_EPRT, "RETR big", BIG, 1, NULL, NULL, 0, 150, 226, NULL },
	{ AF_INET6, FTPC_EPSV, "STOR up", BIG, 0, NULL, NULL, 0, 150, 226, NULL },
	{ AF_INET6, FTPC_EPRT, "RETR f", 10, 0, "425 Can't open data connection.\r\n", NULL,
	  -1, 425, 0, "RETR f: 425 Can't open data connection." },
};

static void run_xfer(const struct xfer_case *t, int nsfd)
{
	struct fake f = {
		.family = t->family, .greeting = "220 fake ready\r\n", .xfer_fail = t->fail,
		.final = t->final, .connect_first = t->connect_first == 1,
		.early_150 = t->connect_first == 2,
	};
	int upload = strncmp(t->line, "STOR", 4) == 0;
	uint8_t *data = xcalloc(1, t->size), want[32];
	struct ftp_endpoint ep;
	struct ftpc_xfer x;
	struct ftpc *c;
	int rc;

	fill(data, t->size, (uint32_t)t->size);
	sha256_of(data, t->size, want);
	f.content = data;
	f.content_len = t->size;
	fake_start(&f);
	c = connect_login(&f, nsfd, TIMEOUT_MS);
	ck_assert_msg(ftpc_announce(c, t->mode, &ep) == 0, "%s: %s", ftpc_mode_name(t->mode),
		      err_get());

	/* What was announced, as the other side understood it. */
	switch (t->mode) {
	case FTPC_PASV:
		ck_assert_int_eq(ep.family, AF_INET);
		ck_assert_str_eq(ep.addr, "127.0.0.1");
		break;
	case FTPC_EPSV:
		ck_assert_int_eq(ep.family, AF_UNSPEC);
		ck_assert_str_eq(ep.addr, "");
		break;
	case FTPC_PORT:
	case FTPC_EPRT:
		ck_assert_int_eq(ep.family, t->family);
		ck_assert_str_eq(ep.addr, loopback(&f));
		ck_assert_str_eq(f.data_addr, loopback(&f));
		break;
	}
	ck_assert_uint_eq(ep.port, f.data_port);

	err_clear();
	rc = ftpc_transfer(c, t->line, upload ? data : NULL, t->size, &x);
	ck_assert_msg(rc == t->rc, "rc %d, want %d: %s", rc, t->rc, err_get());
	ck_assert_int_eq(x.code_prelim, t->prelim);
	ck_assert_int_eq(x.code_final, t->final_code);
	if (rc < 0)
		ck_assert_str_eq(err_get(), t->err);
	if (t->prelim == 150) {
		ck_assert_uint_eq(x.bytes, t->size);
		ck_assert_msg(memcmp(x.sha256, want, sizeof(want)) == 0, "sha256 differs");
	} else {
		ck_assert_uint_eq(x.bytes, 0);
	}
	/* The control channel is still in step. */
	ck_assert_msg(ftpc_quit(c) == 0, "%s", err_get());
	ftpc_free(c);
	fake_stop(&f);
	if (upload && t->prelim == 150) {
		ck_assert_uint_eq(f.stored_len, t->size);
		ck_assert(t->size == 0 || memcmp(f.stored, data, t->size) == 0);
	}
	free(f.stored);
	free(data);
}

START_TEST(test_xfer)
{
	run_xfer(&xfer_cases[_i], -1);
}
END_TEST

START_TEST(test_xfer6)
{
	run_xfer(&xfer6_cases[_i], -1);
}
END_TEST

/* As root: the same through netns_socket() with the fd of our own namespace. */
START_TEST(test_xfer_nsfd)
{
	int nsfd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);

	ck_assert_int_ge(nsfd, 0);
	run_xfer(&xfer_cases[_i], nsfd);
	/* The client keeps its own dup: closing ours after use is the caller's business. */
	ck_assert_int_eq(close(nsfd), 0);
}
END_TEST

/*
 * The data timeout bounds silence, not the transfer: 8 pieces 100 ms apart
 * pass with a 300 ms timeout, 8 pieces 600 ms apart do not.
 */
static const struct {
	int trickle_ms;
	int rc;
	const char *err;
} trickle_cases[] = {
	{ 100, 0, NULL },
	{ 600, -1, "RETR f: timeout: no data within 300 ms" },
};

START_TEST(test_trickle)
{
	struct fake f = { .greeting = "220 fake ready\r\n", .trickle_ms = trickle_cases[_i].trickle_ms };
	uint8_t data[8000], want[32];
	struct ftp_endpoint ep;
	struct ftpc_xfer x;
	struct ftpc *c;

	fill(data, sizeof(data), 7);
	sha256_of(data, sizeof(data), want);
	f.content = data;
	f.content_len = sizeof(data);
	fake_start(&f);
	c = connect_login(&f, -1, 300);
	ck_assert_int_eq(ftpc_announce(c, FTPC_PASV, &ep), 0);
	ck_assert_int_eq(ftpc_transfer(c, "RETR f", NULL, 0, &x), trickle_cases[_i].rc);
	ck_assert_int_eq(x.code_prelim, 150);
	if (trickle_cases[_i].rc == 0) {
		ck_assert_int_eq(x.code_final, 226);
		ck_assert_uint_eq(x.bytes, sizeof(data));
		ck_assert(memcmp(x.sha256, want, sizeof(want)) == 0);
		ck_assert_int_eq(ftpc_quit(c), 0);
	} else {
		/* The first piece came, then silence; the first error is the one kept. */
		ck_assert_uint_eq(x.bytes, sizeof(data) / 8);
		ck_assert_str_eq(err_get(), trickle_cases[_i].err);
	}
	ftpc_free(c);
	fake_stop(&f);
}
END_TEST

/* The server reads commands and never answers: a bounded wait, then "timeout". */
START_TEST(test_timeout)
{
	struct fake f = { .greeting = "220 fake ready\r\n", .mute = 1 };
	struct ftpc *c;
	int64_t t0;

	fake_start(&f);
	c = ftpc_connect(-1, "127.0.0.1", f.port, 300);
	ck_assert_ptr_nonnull(c);
	t0 = now_ms();
	ck_assert_int_eq(ftpc_cmd(c, "NOOP"), -1);
	ck_assert_int_ge(now_ms() - t0, 290);
	ck_assert_int_lt(now_ms() - t0, 1500);
	ck_assert_str_eq(err_get(), "NOOP: timeout: no reply within 300 ms");
	ftpc_free(c);
	fake_stop(&f);
	ck_assert_str_eq(f.cmds, "NOOP\n");
}
END_TEST

START_TEST(test_greeting_timeout)
{
	struct fake f = { .greeting = NULL, .mute = 1 };
	struct ftpc *c;
	int64_t t0 = now_ms();
	char want[128];

	fake_start(&f);
	c = ftpc_connect(-1, "127.0.0.1", f.port, 300);
	ck_assert_ptr_null(c);
	ck_assert_int_lt(now_ms() - t0, 1500);
	snprintf(want, sizeof(want), "ftp 127.0.0.1 port %u: greeting: timeout: no reply within 300 ms",
		 f.port);
	ck_assert_str_eq(err_get(), want);
	fake_stop(&f);
}
END_TEST

/* Active mode and the server neither connects nor replies: the wait is bounded too. */
START_TEST(test_active_timeout)
{
	struct fake f = { .greeting = "220 fake ready\r\n", .ignore = "RETR" };
	struct ftp_endpoint ep;
	struct ftpc_xfer x;
	struct ftpc *c;
	int64_t t0;

	fake_start(&f);
	c = connect_login(&f, -1, 300);
	ck_assert_int_eq(ftpc_announce(c, FTPC_PORT, &ep), 0);
	t0 = now_ms();
	ck_assert_int_eq(ftpc_transfer(c, "RETR f", NULL, 0, &x), -1);
	ck_assert_int_lt(now_ms() - t0, 1500);
	ck_assert_str_eq(err_get(), "RETR f: timeout: no data connection within 300 ms");
	ck_assert_int_eq(x.code_prelim, 0);
	ftpc_free(c);
	fake_stop(&f);
}
END_TEST

START_TEST(test_closed)
{
	struct fake f = { .greeting = "220 fake ready\r\n" };
	struct ftpc *c;

	fake_start(&f);
	c = ftpc_connect(-1, "127.0.0.1", f.port, TIMEOUT_MS);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(ftpc_cmd(c, "DROP"), -1);
	ck_assert_str_eq(err_get(), "DROP: connection closed by the server");
	ftpc_free(c);
	fake_stop(&f);
}
END_TEST

START_TEST(test_refused)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char want[128];
	uint16_t port;

	/* A port that was just free: nothing listens there. */
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	port = ntohs(sin.sin_port);
	close(fd);
	ck_assert_ptr_null(ftpc_connect(-1, "127.0.0.1", port, TIMEOUT_MS));
	snprintf(want, sizeof(want), "ftp 127.0.0.1 port %u: connect: Connection refused", port);
	ck_assert_str_eq(err_get(), want);
	ck_assert_ptr_null(ftpc_connect(-1, "localhost", 21, TIMEOUT_MS));
	ck_assert_str_eq(err_get(), "ftp localhost port 21: 'localhost' is not an IPv4 or IPv6 address");
	ck_assert_ptr_null(ftpc_connect(-1, "127.0.0.1", 21, 0));
	ck_assert_str_eq(err_get(), "ftp 127.0.0.1 port 21: timeout of 0 ms");
}
END_TEST

/* Misuse is refused before anything is sent. */
START_TEST(test_misuse)
{
	struct fake f = { .greeting = "220 fake ready\r\n" };
	struct ftpc_xfer x;
	struct ftpc *c;

	fake_start(&f);
	c = connect_login(&f, -1, TIMEOUT_MS);
	ck_assert_int_eq(ftpc_transfer(c, "RETR f", NULL, 0, &x), -1);
	ck_assert_str_eq(err_get(), "RETR f: no data connection announced");
	ck_assert_int_eq(ftpc_cmd(c, "NOOP\r\nDELE x"), -1);
	ck_assert_str_eq(err_get(), "NOOP\r\nDELE x: command contains CR or LF");
	ck_assert_int_eq(ftpc_announce(c, (enum ftpc_mode)9, NULL), -1);
	ck_assert_str_eq(err_get(), "unknown ftp mode 9");
	ck_assert_int_eq(ftpc_quit(c), 0);
	ck_assert_int_eq(ftpc_cmd(c, "NOOP"), -1);
	ck_assert_str_eq(err_get(), "NOOP: not connected");
	ftpc_free(c);
	fake_stop(&f);
	ck_assert_str_eq(f.cmds, "USER anonymous\nPASS secret\nQUIT\n");
}
END_TEST

/* PORT cannot carry an IPv6 address: refused before it is sent. */
START_TEST(test_port_v6)
{
	struct fake f = { .family = AF_INET6, .greeting = "220 fake ready\r\n" };
	struct ftp_endpoint ep;
	struct ftpc *c;

	fake_start(&f);
	c = connect_login(&f, -1, TIMEOUT_MS);
	ck_assert_str_eq(ftpc_local_addr(c), "::1");
	ck_assert_int_eq(ftpc_announce(c, FTPC_PORT, &ep), -1);
	ck_assert_str_eq(err_get(), "PORT: needs an IPv4 control connection");
	ck_assert_int_eq(ftpc_quit(c), 0);
	ftpc_free(c);
	fake_stop(&f);
}
END_TEST

static const struct {
	const char *text;
	int mode;
	const char *name;
} mode_cases[] = {
	{ "pasv", FTPC_PASV, "pasv" },
	{ "EPSV", FTPC_EPSV, "epsv" },
	{ "port", FTPC_PORT, "port" },
	{ "Eprt", FTPC_EPRT, "eprt" },
	{ "lpsv", -1, NULL },
	{ "", -1, NULL },
};

START_TEST(test_mode_names)
{
	int m = ftpc_mode_parse(mode_cases[_i].text);

	ck_assert_int_eq(m, mode_cases[_i].mode);
	if (m >= 0)
		ck_assert_str_eq(ftpc_mode_name((enum ftpc_mode)m), mode_cases[_i].name);
	else
		ck_assert_ptr_nonnull(strstr(err_get(), "unknown ftp mode"));
}
END_TEST

static int have_ipv6_loopback(void)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int ok = fd >= 0 && bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)) == 0;

	if (fd >= 0)
		close(fd);
	return ok;
}

static Suite *ftpclient_suite(void)
{
	Suite *s = suite_create("ftpclient");
	TCase *tc = tcase_create("fake server");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_login);
	tcase_add_test(tc, test_login_refused);
	tcase_add_test(tc, test_multiline);
	tcase_add_loop_test(tc, test_xfer, 0, ARRAY_SIZE(xfer_cases));
	tcase_add_loop_test(tc, test_trickle, 0, ARRAY_SIZE(trickle_cases));
	tcase_add_test(tc, test_timeout);
	tcase_add_test(tc, test_greeting_timeout);
	tcase_add_test(tc, test_active_timeout);
	tcase_add_test(tc, test_closed);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_misuse);
	tcase_add_loop_test(tc, test_mode_names, 0, ARRAY_SIZE(mode_cases));
	if (have_ipv6_loopback()) {
		tcase_add_test(tc, test_port_v6);
		tcase_add_loop_test(tc, test_xfer6, 0, ARRAY_SIZE(xfer6_cases));
	} else {
		fprintf(stderr, "test_ftpclient: no IPv6 loopback, IPv6 cases not run\n");
	}
	if (geteuid() == 0)
		tcase_add_loop_test(tc, test_xfer_nsfd, 0, ARRAY_SIZE(xfer_cases));
	else
		fprintf(stderr, "test_ftpclient: not root, netns_socket() cases not run\n");
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tl_main(ftpclient_suite());
}
