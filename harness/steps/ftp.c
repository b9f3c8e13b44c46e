/*
 * ftp step: one command of a scripted FTP control connection from the
 * client (connect, login, PASV/EPSV/PORT/EPRT, a transfer on it, any
 * command), each a check. What a session announced becomes variables
 * ($NAME.sport, $NAME.port, $NAME.addr); a session that fails voids
 * them, and the later steps on it or naming them are skipped.
 */
#include "steps/steps.h"
#include "digest.h"
#include "ftp.h"
#include "ftpclient.h"
#include "node.h"
#include "scenario.h"
#include "server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SESSIONS 64
#define FTP_TIMEOUT_MS 5000
#define STOR_MAX (64u << 20)

struct ftp_conn {
	char name[32];
	struct ftpc *c;         /* owned */
	char failed[160];       /* why later steps on it are skipped */
};

struct sessions {
	int n;
	struct ftp_conn s[MAX_SESSIONS];
};

static void sessions_release(void *p)
{
	struct sessions *ss = p;
	int i;

	for (i = 0; i < ss->n; i++)
		ftpc_free(ss->s[i].c);
}

static struct ftp_conn *find_session(struct step_ctx *c, const char *name)
{
	struct sessions *ss = step_state(c, "ftp", sizeof(struct sessions), sessions_release);
	int i;

	if (!ss)
		return NULL;
	for (i = 0; i < ss->n; i++)
		if (strcmp(ss->s[i].name, name) == 0)
			return &ss->s[i];
	if (ss->n >= MAX_SESSIONS) {
		err_set("more than %d FTP sessions", MAX_SESSIONS);
		return NULL;
	}
	str_copy(ss->s[ss->n].name, name, sizeof(ss->s[0].name));
	return &ss->s[ss->n++];
}

/* ftp NAME ACTION [ARG...]: the actions and the words they take. */
static const struct {
	const char *action;
	int nargs;
	const char *usage;
} ftp_actions[] = {
	{ "connect", 0, "connect" },
	{ "login", 0, "login" },
	{ "pasv", 0, "pasv" },
	{ "epsv", 0, "epsv" },
	{ "port", 0, "port" },
	{ "eprt", 0, "eprt" },
	{ "retr", 1, "retr FILE" },
	{ "list", 0, "list" },
	{ "stor", 2, "stor NAME SIZE" },
	{ "cmd", 1, "cmd \"LINE\" [code=N]" },
	{ "quit", 0, "quit" },
};

static int c_ftp(const struct args *a)
{
	const char *action = args_word(a, 2);
	uint64_t size;
	size_t i;

	if (!args_known(a, 2))
		return 0;
	for (i = 0; i < ARRAY_SIZE(ftp_actions); i++)
		if (strcmp(action, ftp_actions[i].action) == 0)
			break;
	if (i == ARRAY_SIZE(ftp_actions))
		return err_set("unknown action '%s'", action);
	if (args_n(a) - 3 != ftp_actions[i].nargs)
		return err_set("expected ftp NAME %s", ftp_actions[i].usage);
	if (strcmp(action, "stor") == 0 && args_known(a, 4)) {
		if (scenario_parse_size(args_word(a, 4), &size) < 0)
			return -1;
		if (size > STOR_MAX)
			return err_set("stor: SIZE %s: at most 64M", args_word(a, 4));
	}
	return 0;
}

/* The verdict's text: what went wrong. */
#define FAIL(...) (snprintf(detail, dlen, __VA_ARGS__), 0)

static int ftp_connect(struct step_ctx *c, struct ftp_conn *s, const struct args *a, int timeout, char *detail,
		       size_t dlen)
{
	char var[64];
	int v6;

	if (s->c)
		return FAIL("already connected");
	/* A lab without a server is the scenario's error, as in transfer: exit 2. */
	if (!step_server(c))
		return err_set("the lab has no FTP server (lab server=off)");
	if (steps_wants_ipv6(c, a, &v6) < 0)
		return FAIL("%s", err_get());
	s->c = ftpc_connect(node_fd(step_node(c, ROLE_CLIENT)), v6 ? LAB_SERVER_ADDR6 : LAB_SERVER_ADDR, 21, timeout);
	if (!s->c)
		return FAIL("%s", err_get());
	snprintf(var, sizeof(var), "%s.sport", s->name);
	step_set_var(c, var, "%u", ftpc_local_port(s->c));
	return 1;
}

static int ftp_announce(struct step_ctx *c, struct ftp_conn *s, enum ftpc_mode m, char *detail, size_t dlen)
{
	struct ftp_endpoint ep;
	char var[64];

	if (ftpc_announce(s->c, m, &ep) < 0)
		return FAIL("%s", err_get());
	snprintf(var, sizeof(var), "%s.port", s->name);
	step_set_var(c, var, "%u", ep.port);
	snprintf(var, sizeof(var), "%s.addr", s->name);
	step_set_var(c, var, "%s", ep.addr[0] ? ep.addr : "(peer)");
	log_progress("ftp %s: %s announced %s port %u", s->name, ftpc_mode_name(m),
		     ep.addr[0] ? ep.addr : "the server's address", ep.port);
	return 1;
}

/* RETR: the data's digest against the server's file. */
static int retr_matches(struct step_ctx *c, const char *file, const struct ftpc_xfer *x, char *detail, size_t dlen)
{
	const struct server_file *f = server_file(step_server(c), file);
	char w[DIGEST_HEX_LEN], g[DIGEST_HEX_LEN];

	if (!f || memcmp(f->sha256, x->sha256, DIGEST_LEN) == 0)
		return 1;
	digest_hex(f->sha256, w);
	digest_hex(x->sha256, g);
	return FAIL("RETR %s: expected sha256 %s, found %s (%llu bytes)", file, w, g, (unsigned long long)x->bytes);
}

/* STOR: the server's copy against what was sent. */
static int stor_matches(struct step_ctx *c, const char *file, const uint8_t *up, size_t size, char *detail,
			size_t dlen)
{
	uint8_t want[DIGEST_LEN], got[DIGEST_LEN];
	char path[512];

	digest_buf(up, size, want);
	if (server_upload_path(step_server(c), file, path, sizeof(path)) < 0 || digest_file(path, got, NULL) < 0)
		return FAIL("%s", err_get());
	if (memcmp(want, got, DIGEST_LEN) != 0)
		return FAIL("STOR %s: the server's copy differs", file);
	return 1;
}

/* retr FILE, list, stor NAME SIZE: a data connection on the session. */
static int ftp_data(struct step_ctx *c, struct ftp_conn *s, const struct args *a, char *detail, size_t dlen)
{
	const char *action = args_word(a, 2), *file = args_word(a, 3);
	int stor = strcmp(action, "stor") == 0, retr = strcmp(action, "retr") == 0, ok;
	uint64_t size = 0;
	struct ftpc_xfer x;
	uint8_t *up = NULL;
	char line[128];

	memset(&x, 0, sizeof(x));
	if (stor) {
		if (scenario_parse_size(args_word(a, 4), &size) < 0)
			return -1;
		up = xcalloc(1, (size_t)size ? (size_t)size : 1);
		for (uint64_t i = 0; i < size; i++)
			up[i] = (uint8_t)(i * 131 + 7);
	}
	snprintf(line, sizeof(line), "%s%s%s%s", retr ? "RETR" : stor ? "STOR" : "LIST", file ? " " : "",
		 stor ? SERVER_UPLOAD_DIR "/" : "", file ? file : "");
	ok = ftpc_transfer(s->c, line, up, (size_t)size, &x) == 0;
	if (!ok)
		snprintf(detail, dlen, "%s", err_get());
	else if (retr)
		ok = retr_matches(c, file, &x, detail, dlen);
	else if (stor)
		ok = stor_matches(c, file, up, (size_t)size, detail, dlen);
	free(up);
	return ok;
}

/* One action of a scripted session: 1 it held, 0 it did not (why in
 * detail: a verdict), -1 a fault of the lab or the scenario (err set). */
static int ftp_do(struct step_ctx *c, struct ftp_conn *s, const struct args *a, char *detail, size_t dlen)
{
	const char *action = args_word(a, 2);
	int m, code, ok;

	if (strcmp(action, "connect") == 0)
		return ftp_connect(c, s, a, args_opt_ms(a, "within", FTP_TIMEOUT_MS), detail, dlen);
	if (!s->c)
		return FAIL("not connected");
	if (strcmp(action, "login") == 0)
		return ftpc_login(s->c, "anonymous", "ftfw@lab.invalid") < 0 ? FAIL("%s", err_get()) : 1;
	if ((m = ftpc_mode_parse(action)) >= 0)
		return ftp_announce(c, s, (enum ftpc_mode)m, detail, dlen);
	err_clear();
	if (strcmp(action, "retr") == 0 || strcmp(action, "list") == 0 || strcmp(action, "stor") == 0)
		return ftp_data(c, s, a, detail, dlen);
	if (strcmp(action, "cmd") == 0) {
		if ((code = ftpc_cmd(s->c, args_word(a, 3))) < 0)
			return FAIL("%s", err_get());
		if (args_opt(a, "code") && (uint64_t)code != args_opt_u64(a, "code", 0))
			return FAIL("expected reply %s, found: %s", args_opt(a, "code"), ftpc_last_reply(s->c));
		return 1;
	}
	if (strcmp(action, "quit") == 0) {
		ok = ftpc_quit(s->c) == 0;
		if (!ok)
			snprintf(detail, dlen, "%s", err_get());
		ftpc_free(s->c);
		s->c = NULL;
		return ok;
	}
	return FAIL("unknown action '%s'", action);
}

static int r_ftp(struct step_ctx *c, const struct args *a)
{
	struct ftp_conn *s = find_session(c, args_word(a, 1));
	char detail[1024] = "";
	int ok;

	if (!s)
		return -1;
	if (s->failed[0]) {
		step_skip(c, a, s->failed);
		return 0;
	}
	ok = ftp_do(c, s, a, detail, sizeof(detail));
	if (ok < 0)
		return -1;
	step_verdict(c, a, ok, ok ? NULL : detail);
	if (!ok) {
		snprintf(s->failed, sizeof(s->failed), "session %s failed at line %d", s->name, step_line(c));
		ftpc_free(s->c);
		s->c = NULL;
		/* What the session announced is void: checks using it are skipped. */
		step_void_vars(c, s->name, s->failed);
	}
	return 0;
}

/* ftp NAME connect sets $NAME.sport; pasv, epsv, port and eprt $NAME.port and $NAME.addr. */
static int d_ftp(int argc, char *const argv[], const char *name)
{
	const char *rest = argc > 2 ? steps_after_prefix(name, argv[1]) : NULL;
	int announce;

	if (!rest)
		return 0;
	announce = ftpc_mode_parse(argv[2]) >= 0 || argv[2][0] == '$';
	err_clear();
	if (strcmp(rest, "sport") == 0)
		return strcmp(argv[2], "connect") == 0 || argv[2][0] == '$';
	return announce && (strcmp(rest, "port") == 0 || strcmp(rest, "addr") == 0);
}

static const struct arg_spec ftp_opts[] = {
	{ .name = "code", .kind = ARG_UINT, .lo = 100, .hi = 599 },
	{ .name = "ip", .kind = ARG_CHOICE, .choices = "4|6" },
	{ 0 },
};

const struct step_def step_ftp = {
	.verb = "ftp",
	.flags = STEP_CHECK,
	.schema = { 2, -1, "expected NAME ACTION [ARG...]", NULL, ftp_opts, c_ftp },
	.run = r_ftp,
	.usage = "ftp NAME connect [ip=4|6] | login|pasv|epsv|port|eprt|list|quit | retr FILE | stor NAME SIZE | cmd \"LINE\" [code=N]",
	.help = "one step of a scripted control connection (sets $NAME.sport, $NAME.port, $NAME.addr)",
	.defines = d_ftp,
};
