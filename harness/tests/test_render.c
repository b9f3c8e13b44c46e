/*
 * test_render: the configuration files the harness writes, as tables: the
 * nftables ruleset, conntrackd.conf, keepalived.conf and vsftpd.conf, one
 * row per option combination with what must and must not be in the text.
 *
 * As root, the rendered files also meet the real parsers, in a scratch
 * network namespace "ftfwtest-render-<pid>" that the suite creates and
 * always deletes:
 *   - every ruleset goes through `nft -c -f FILE` (check mode: the kernel
 *     validates the batch and nothing is applied);
 *   - a few conntrackd.conf are given to the daemon itself, on a veth
 *     "sync0" holding 203.0.113.1/24, and must reach "initialization
 *     completed" in its log; the daemon (exactly that PID) is then
 *     stopped. Client mode (`conntrackd -C conf -s`) would be cheaper but
 *     only runs the grammar: binding the sync socket, joining the
 *     multicast group and opening the netlink sockets happen at start-up
 *     only, and a config can pass the grammar and still fail there.
 * Rows that break a file on purpose show that each of these checks fails.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "firewall.h"
#include "server.h"
#include "syncd.h"
#include "testlib.h"

#define MAX_WANT 12

/* ---- text helpers ----------------------------------------------------- */

/* Does text hold a line that, without leading/trailing blanks, is line? */
static int has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p = text;

	while (*p) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		while (len && (*p == ' ' || *p == '\t')) {
			p++;
			len--;
		}
		while (len && (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\r'))
			len--;
		if (len == n && memcmp(p, line, n) == 0)
			return 1;
		if (!e)
			break;
		p = e + 1;
	}
	return 0;
}

/* The first blank-separated word after the first key in text ("" if none). */
static const char *word_after(const char *text, const char *key, char *buf, size_t len)
{
	const char *p = text ? strstr(text, key) : NULL;
	size_t n = 0;

	buf[0] = '\0';
	if (!p)
		return buf;
	p += strlen(key);
	while (*p == ' ' || *p == '\t' || *p == '\n')
		p++;
	while (p[n] && p[n] != ' ' && p[n] != '\t' && p[n] != '\n' && n < len - 1)
		n++;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return buf;
}

static size_t count_of(const char *text, const char *s)
{
	size_t n = 0;

	for (const char *p = strstr(text, s); p; p = strstr(p + 1, s))
		n++;
	return n;
}

static void assert_braces(int row, const char *text)
{
	ck_assert_msg(count_of(text, "{") == count_of(text, "}"), "row %d: %zu '{' but %zu '}'", row,
		      count_of(text, "{"), count_of(text, "}"));
}

/* ---- nftables ruleset -------------------------------------------------- */

struct ruleset_case {
	enum lab_role role;
	enum nat_mode nat;
	size_t buflen;                   /* 0: 8192 */
	const char *present[MAX_WANT];   /* substrings */
	const char *absent[MAX_WANT];
	const char *err;                 /* non-NULL: the call fails with this */
};

/* What every firewall's ruleset holds, whatever its NAT. */
#define RULESET_COMMON                                                                  \
	"flush ruleset", "table inet ftfw {", "hook forward priority filter; policy drop;", \
	"ct state related ct helper \"ftp\"", "ct helper set \"ftp-std\"", "type \"ftp\" protocol tcp", \
	"ct state established"

static const struct ruleset_case ruleset_cases[] = {
	{ ROLE_FW1, NAT_SNAT, 0,
	  { RULESET_COMMON, "# nftables ruleset for fw1", "ip saddr 192.0.2.0/24", "snat ip to 198.51.100.1" },
	  { "masquerade", "ruleset for fw2" }, NULL },
	{ ROLE_FW2, NAT_SNAT, 0,
	  { RULESET_COMMON, "# nftables ruleset for fw2", "ip saddr 192.0.2.0/24", "snat ip to 198.51.100.1" },
	  { "masquerade", "ruleset for fw1" }, NULL },
	{ ROLE_FW1, NAT_OFF, 0, { RULESET_COMMON, "# nftables ruleset for fw1" }, { "snat", "masquerade" }, NULL },
	{ ROLE_FW2, NAT_OFF, 0, { RULESET_COMMON, "# nftables ruleset for fw2" }, { "snat", "masquerade" }, NULL },
	/* The known-fault mode: the node's own address. */
	{ ROLE_FW1, NAT_MASQUERADE, 0, { RULESET_COMMON, "ip saddr 192.0.2.0/24", "masquerade" }, { "snat ip to" },
	  NULL },
	{ ROLE_FW2, NAT_MASQUERADE, 0, { RULESET_COMMON, "masquerade" }, { "snat ip to" }, NULL },
	{ ROLE_CLIENT, NAT_SNAT, 0, { NULL }, { NULL }, "ruleset: client is not a firewall" },
	{ ROLE_SERVER, NAT_OFF, 0, { NULL }, { NULL }, "ruleset: server is not a firewall" },
	{ ROLE_LAN, NAT_SNAT, 0, { NULL }, { NULL }, "ruleset: lan is not a firewall" },
	{ ROLE_WAN, NAT_SNAT, 0, { NULL }, { NULL }, "ruleset: wan is not a firewall" },
	{ ROLE_FW1, NAT_SNAT, 256, { NULL }, { NULL }, "string too long" },
};

static int render_ruleset(const struct ruleset_case *t, char *buf, size_t len)
{
	struct fw_options o;

	fw_options_default(&o);
	o.nat = t->nat;
	return firewall_render_ruleset(t->role, &o, buf, len);
}

START_TEST(test_ruleset)
{
	const struct ruleset_case *t = &ruleset_cases[_i];
	char buf[8192];
	int rc, k;

	err_clear();
	rc = render_ruleset(t, buf, t->buflen ? t->buflen : sizeof(buf));
	if (t->err) {
		ck_assert_msg(rc == -1, "row %d: rendered", _i);
		ck_assert_msg(strstr(err_get(), t->err), "row %d: err '%s' lacks '%s'", _i, err_get(), t->err);
		return;
	}
	ck_assert_msg(rc == 0, "row %d: %s", _i, err_get());
	for (k = 0; k < MAX_WANT && t->present[k]; k++)
		ck_assert_msg(strstr(buf, t->present[k]), "row %d: no '%s' in\n%s", _i, t->present[k], buf);
	for (k = 0; k < MAX_WANT && t->absent[k]; k++)
		ck_assert_msg(!strstr(buf, t->absent[k]), "row %d: '%s' in\n%s", _i, t->absent[k], buf);
	assert_braces(_i, buf);
}
END_TEST

/* Each counter the header names is declared as an object in the table. */
START_TEST(test_ruleset_counters)
{
	char buf[8192], names[] = FW_COUNTERS, decl[64], *save = NULL, *w;
	struct fw_options o;
	int n = 0;

	fw_options_default(&o);
	ck_assert_msg(firewall_render_ruleset(ROLE_FW1, &o, buf, sizeof(buf)) == 0, "%s", err_get());
	for (w = strtok_r(names, " ", &save); w; w = strtok_r(NULL, " ", &save), n++) {
		snprintf(decl, sizeof(decl), "counter %s {", w);
		ck_assert_msg(strstr(buf, decl), "counter '%s' of FW_COUNTERS not declared:\n%s", w, buf);
	}
	ck_assert_int_gt(n, 0);
}
END_TEST

/* The ruleset depends on role and NAT only: sync and failover options leave it alone. */
START_TEST(test_ruleset_ignores_sync)
{
	char a[8192], b[8192];
	struct fw_options o;

	fw_options_default(&o);
	ck_assert(firewall_render_ruleset(ROLE_FW2, &o, a, sizeof(a)) == 0);
	o.driver = FAILOVER_KEEPALIVED;
	o.sync.transport = SYNC_MULTICAST;
	o.sync.hashsize = 16;
	o.sync.expectation_sync = 0;
	o.sync.disable_internal_cache = 1;
	o.sync.commit_timeout = 9;
	ck_assert(firewall_render_ruleset(ROLE_FW2, &o, b, sizeof(b)) == 0);
	ck_assert_str_eq(a, b);
}
END_TEST

/* ---- conntrackd.conf ---------------------------------------------------- */

#define P_LOCK "/run/ftfw-test/fw.lock"
#define P_SOCK "/run/ftfw-test/fw.sock"
#define P_LOG "/var/log/ftfw-test/fw.log"

struct sync_case {
	int index;
	enum sync_transport transport;
	int hashsize, expect_sync, no_internal, no_external, commit_timeout;
	size_t buflen;                  /* 0: 8192 */
	const char *present[MAX_WANT];  /* whole lines, blanks trimmed */
	const char *absent[MAX_WANT];   /* substrings */
	const char *src;                /* the transport block's IPv4_address */
	const char *err;
};

static const struct sync_case sync_cases[] = {
	{ 1, SYNC_UDP, 32768, 1, 0, 0, 0, 0,
	  { "Mode FTFW {", "UDP {", "IPv4_Destination_Address 203.0.113.2", "Port 3780", "Interface sync0",
	    "HashSize 32768", "HashLimit 131072", "ExpectationSync {", "ftp", "DisableExternalCache Off",
	    "# conntrackd for fw-1, rendered by ftfw-lab" },
	  { "Multicast", "CommitTimeout", "NOTRACK", "DisableInternalCache" }, "203.0.113.1", NULL },
	{ 2, SYNC_UDP, 32768, 1, 0, 0, 0, 0,
	  { "UDP {", "IPv4_Destination_Address 203.0.113.1", "# conntrackd for fw-2, rendered by ftfw-lab" },
	  { "Multicast", "IPv4_Destination_Address 203.0.113.2" }, "203.0.113.2", NULL },
	{ 1, SYNC_MULTICAST, 32768, 1, 0, 0, 0, 0,
	  { "Multicast {", "Group 3780", "IPv4_interface 203.0.113.1", "Interface sync0" },
	  { "UDP {", "IPv4_Destination_Address" }, "239.255.38.80", NULL },
	{ 2, SYNC_MULTICAST, 32768, 1, 0, 0, 0, 0,
	  { "Multicast {", "IPv4_interface 203.0.113.2" }, { "UDP {", "IPv4_interface 203.0.113.1" },
	  "239.255.38.80", NULL },
	{ 1, SYNC_UDP, 4096, 1, 0, 0, 0, 0, { "HashSize 4096", "HashLimit 16384" }, { "HashSize 32768" },
	  "203.0.113.1", NULL },
	{ 1, SYNC_UDP, 32768, 0, 0, 0, 0, 0, { "Mode FTFW {" }, { "ExpectationSync", "Options {" }, "203.0.113.1",
	  NULL },
	/* Only NOTRACK mode has no internal cache: turning it off switches the mode. */
	{ 1, SYNC_UDP, 32768, 1, 1, 0, 0, 0, { "Mode NOTRACK {", "DisableInternalCache On", "ExpectationSync {" },
	  { "Mode FTFW" }, "203.0.113.1", NULL },
	{ 1, SYNC_UDP, 32768, 1, 0, 1, 0, 0, { "DisableExternalCache On", "Mode FTFW {" },
	  { "DisableExternalCache Off" }, "203.0.113.1", NULL },
	{ 2, SYNC_MULTICAST, 32768, 1, 0, 0, 30, 0, { "CommitTimeout 30" }, { "CommitTimeout 0" }, "239.255.38.80",
	  NULL },
	{ 1, SYNC_UDP, 32768, 1, 0, 0, 0, 512, { NULL }, { NULL }, NULL, "string too long" },
};

static void sync_opts(const struct sync_case *t, struct syncd_options *o)
{
	syncd_options_default(o);
	o->transport = t->transport;
	o->hashsize = t->hashsize;
	o->expectation_sync = t->expect_sync;
	o->disable_internal_cache = t->no_internal;
	o->disable_external_cache = t->no_external;
	o->commit_timeout = t->commit_timeout;
}

START_TEST(test_syncd)
{
	const struct sync_case *t = &sync_cases[_i];
	struct syncd_options o;
	char buf[8192], w[64];
	int rc, k;

	sync_opts(t, &o);
	err_clear();
	rc = syncd_render(t->index, &o, P_LOCK, P_SOCK, P_LOG, buf, t->buflen ? t->buflen : sizeof(buf));
	if (t->err) {
		ck_assert_msg(rc == -1, "row %d: rendered", _i);
		ck_assert_msg(strstr(err_get(), t->err), "row %d: err '%s' lacks '%s'", _i, err_get(), t->err);
		return;
	}
	ck_assert_msg(rc == 0, "row %d: %s", _i, err_get());
	for (k = 0; k < MAX_WANT && t->present[k]; k++)
		ck_assert_msg(has_line(buf, t->present[k]), "row %d: no line '%s' in\n%s", _i, t->present[k], buf);
	for (k = 0; k < MAX_WANT && t->absent[k]; k++)
		ck_assert_msg(!strstr(buf, t->absent[k]), "row %d: '%s' in\n%s", _i, t->absent[k], buf);
	/* The transport block's own address (the Address Ignore list has others). */
	word_after(strstr(buf, t->transport == SYNC_UDP ? "UDP {" : "Multicast {"), "IPv4_address", w, sizeof(w));
	ck_assert_msg(strcmp(w, t->src) == 0, "row %d: transport address '%s', want '%s'", _i, w, t->src);
	/* The paths, each once, where they belong. */
	ck_assert_msg(has_line(buf, "LockFile " P_LOCK), "row %d: lock file", _i);
	ck_assert_msg(has_line(buf, "LogFile " P_LOG), "row %d: log file", _i);
	ck_assert_msg(strcmp(word_after(strstr(buf, "UNIX {"), "Path", w, sizeof(w)), P_SOCK) == 0,
		      "row %d: UNIX Path '%s'", _i, w);
	ck_assert_uint_eq(count_of(buf, P_SOCK), 1);
	/* Where a commit timeout is set, it sits in the Mode block. */
	if (t->commit_timeout)
		ck_assert_msg(strstr(buf, "CommitTimeout") < strstr(buf, "\t}\n"), "row %d: CommitTimeout outside Mode",
			      _i);
	assert_braces(_i, buf);
}
END_TEST

/* ---- keepalived.conf ---------------------------------------------------- */

struct vrrp_case {
	enum lab_role role;
	const char *instance;   /* "vrrp_instance LAN {" */
	const char *state, *prio, *iface, *src, *peer, *vip, *vrid;
};

static const struct vrrp_case vrrp_cases[] = {
	{ ROLE_FW1, "vrrp_instance LAN {", "MASTER", "150", "lan0", "192.0.2.2", "192.0.2.3", "192.0.2.1/24", "51" },
	{ ROLE_FW1, "vrrp_instance WAN {", "MASTER", "150", "wan0", "198.51.100.2", "198.51.100.3", "198.51.100.1/24",
	  "52" },
	{ ROLE_FW2, "vrrp_instance LAN {", "BACKUP", "100", "lan0", "192.0.2.3", "192.0.2.2", "192.0.2.1/24", "51" },
	{ ROLE_FW2, "vrrp_instance WAN {", "BACKUP", "100", "wan0", "198.51.100.3", "198.51.100.2", "198.51.100.1/24",
	  "52" },
};

START_TEST(test_keepalived)
{
	const struct vrrp_case *t = &vrrp_cases[_i];
	char buf[8192], w[64], block[2048], want[128];
	const char *b, *end;
	int rc;

	err_clear();
	rc = firewall_render_keepalived(t->role, "/run/ftfw test/notify.sh", buf, sizeof(buf));
	ck_assert_msg(rc == 0, "row %d: %s", _i, err_get());
	b = strstr(buf, t->instance);
	ck_assert_msg(b != NULL, "row %d: no '%s' in\n%s", _i, t->instance, buf);
	end = strstr(b + 1, "vrrp_instance");
	snprintf(block, sizeof(block), "%.*s", end ? (int)(end - b) : (int)strlen(b), b);
#define FIELD(key, val)                                                                               \
	ck_assert_msg(strcmp(word_after(block, key, w, sizeof(w)), val) == 0, "row %d: %s '%s', want '%s'", \
		      _i, key, w, val)
	FIELD("state", t->state);
	FIELD("priority", t->prio);
	FIELD("interface", t->iface);
	FIELD("unicast_src_ip", t->src);
	FIELD("unicast_peer {", t->peer);
	FIELD("virtual_ipaddress {", t->vip);
	FIELD("virtual_router_id", t->vrid);
#undef FIELD
	snprintf(want, sizeof(want), "%s dev %s", t->vip, t->iface);
	ck_assert_msg(strstr(block, want), "row %d: no '%s'", _i, want);
	/* The whole file: both instances alike, the notify hook quoted once. */
	snprintf(want, sizeof(want), "priority %s", t->prio);
	ck_assert_uint_eq(count_of(buf, want), 2);
	ck_assert_uint_eq(count_of(buf, "priority"), 2);
	ck_assert_msg(has_line(buf, "notify \"/run/ftfw test/notify.sh\""), "row %d: notify line", _i);
	snprintf(want, sizeof(want), "router_id %s", lab_role_name(t->role));
	ck_assert_msg(has_line(buf, want), "row %d: no '%s'", _i, want);
	assert_braces(_i, buf);
}
END_TEST

struct vrrp_err_case {
	enum lab_role role;
	const char *notify;
	size_t buflen;
	const char *err;
};

static const struct vrrp_err_case vrrp_err_cases[] = {
	{ ROLE_FW1, "/run/x\"; rm -rf /; \"", 8192, "keepalived: unsafe notify path" },
	{ ROLE_FW2, "/run/x\nvrrp_script evil {", 8192, "keepalived: unsafe notify path" },
	{ ROLE_FW1, "/run/notify.sh", 200, "string too long" },
};

START_TEST(test_keepalived_errors)
{
	const struct vrrp_err_case *t = &vrrp_err_cases[_i];
	char buf[8192];

	memset(buf, 0, sizeof(buf));
	err_clear();
	ck_assert_int_eq(firewall_render_keepalived(t->role, t->notify, buf, t->buflen), -1);
	ck_assert_msg(strstr(err_get(), t->err), "row %d: err '%s' lacks '%s'", _i, err_get(), t->err);
	ck_assert_msg(!strstr(buf, "rm -rf") && !strstr(buf, "evil"), "row %d: unsafe text written", _i);
}
END_TEST

/* ---- vsftpd.conf ---------------------------------------------------------- */

struct vsftpd_case {
	const char *root, *empty, *log;
	uint64_t rate;
	size_t buflen;
	const char *present[MAX_WANT];   /* whole lines */
	const char *err;
};

static const struct vsftpd_case vsftpd_cases[] = {
	{ "/srv/ftfw/root", "/srv/ftfw/empty", "/srv/ftfw/vsftpd.log", 0, 8192,
	  { "listen_address=198.51.100.10", "anon_root=/srv/ftfw/root", "anon_max_rate=0", "listen=YES",
	    "secure_chroot_dir=/srv/ftfw/empty", "vsftpd_log_file=/srv/ftfw/vsftpd.log", "anonymous_enable=YES",
	    "background=NO" },
	  NULL },
	{ "/r", "/e", "/l", 1048576, 8192, { "anon_max_rate=1048576", "anon_root=/r", "listen_address=198.51.100.10" },
	  NULL },
	{ "/r", "/e", "/l", 4095, 8192, { "anon_max_rate=4095" }, NULL },
	{ "/r", "/e", "/l", 0, 100, { NULL }, "string too long" },
};

START_TEST(test_vsftpd)
{
	const struct vsftpd_case *t = &vsftpd_cases[_i];
	char buf[8192];
	int rc, k;

	err_clear();
	rc = server_render_conf(t->root, t->empty, t->log, t->rate, buf, t->buflen);
	if (t->err) {
		ck_assert_int_eq(rc, -1);
		ck_assert_msg(strstr(err_get(), t->err), "row %d: err '%s'", _i, err_get());
		return;
	}
	ck_assert_msg(rc == 0, "row %d: %s", _i, err_get());
	for (k = 0; k < MAX_WANT && t->present[k]; k++)
		ck_assert_msg(has_line(buf, t->present[k]), "row %d: no line '%s' in\n%s", _i, t->present[k], buf);
	ck_assert_uint_eq(count_of(buf, "anon_max_rate="), 1);
	ck_assert_uint_eq(count_of(buf, "listen_address="), 1);
}
END_TEST

struct name_case {
	const char *name;
	int ok;
};

static const struct name_case name_cases[] = {
	{ "big.bin", 1 },
	{ "small.txt", 1 },
	{ "a", 1 },
	{ "A-Z_0-9.x", 1 },
	{ "a..b", 1 },
	{ "123456789012345678901234567890123456789012345678901234567890123", 1 },  /* 63 */
	{ "1234567890123456789012345678901234567890123456789012345678901234", 0 }, /* 64 */
	{ "", 0 },
	{ ".hidden", 0 },
	{ "..", 0 },
	{ "a/b", 0 },
	{ "../etc/passwd", 0 },
	{ "/abs", 0 },
	{ "a b", 0 },
	{ "a\tb", 0 },
	{ "a\nb", 0 },
	{ "a\\b", 0 },
	{ "caf\xc3\xa9", 0 },
	{ "a*", 0 },
	{ "$x", 0 },
};

START_TEST(test_server_name)
{
	const struct name_case *t = &name_cases[_i];

	ck_assert_msg(server_name_ok(t->name) == t->ok, "row %d: '%s' want %d", _i, t->name, t->ok);
}
END_TEST

/* ---- the real parsers, as root, in a scratch namespace ----------------------- */

static char ns[64];       /* "ftfwtest-render-<pid>", set once created */
static char scratch[64];  /* our temporary folder */
static char nft_path[128], ctd_path[128], ip_path[128];

static int find_tool(const char *name, char *out, size_t len)
{
	static const char *const dirs[] = { "/usr/sbin", "/sbin", "/usr/bin", "/bin", "/usr/local/sbin" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(out, len, "%s/%s", dirs[i], name);
		if (access(out, X_OK) == 0)
			return 1;
	}
	out[0] = '\0';
	return 0;
}

/* Child side: output to fd, stdin from /dev/null, die with the test. */
static void child_exec(char *const argv[], int outfd)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (null >= 0)
		dup2(null, 0);
	dup2(outfd, 1);
	dup2(outfd, 2);
	execv(argv[0], argv);
	_exit(127);
}

/* Run argv to completion; its output (stdout and stderr) into out. Exit status, or -1. */
static int run_capture(char *const argv[], char *out, size_t outlen)
{
	int pfd[2], status;
	size_t n = 0;
	pid_t pid;

	out[0] = '\0';
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0)
		child_exec(argv, pfd[1]);
	close(pfd[1]);
	for (;;) {
		char tmp[512];
		ssize_t r = read(pfd[0], tmp, sizeof(tmp));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (n + 1 < outlen) {
			size_t c = (size_t)r < outlen - 1 - n ? (size_t)r : outlen - 1 - n;

			memcpy(out + n, tmp, c);
			n += c;
			out[n] = '\0';
		}
	}
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* ip ARGS... (NULL-terminated); output into out. */
static int ip_run(char *out, size_t outlen, ...)
{
	char *argv[16];
	va_list ap;
	int n = 0;

	argv[n++] = ip_path;
	va_start(ap, outlen);
	while (n < 15 && (argv[n] = va_arg(ap, char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	return run_capture(argv, out, outlen);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Delete what ns_setup made; safe to call on a half-made set-up. */
static void ns_teardown(void)
{
	char out[1024];

	if (ns[0]) {
		int rc = ip_run(out, sizeof(out), "netns", "del", ns, NULL);

		if (rc != 0)
			fprintf(stderr, "render: ip netns del %s: exit %d: %s\n", ns, rc, out);
		ns[0] = '\0';
	}
	if (scratch[0]) {
		if (nftw(scratch, rm_one, 16, FTW_DEPTH | FTW_PHYS) < 0)
			fprintf(stderr, "render: removing %s: %s\n", scratch, strerror(errno));
		scratch[0] = '\0';
	}
}

static void ns_setup(void)
{
	/* The sync link as conntrackd expects it: sync0 up with fw-1's address;
	 * the veth's other end stays in the same namespace. Documentation range only. */
	static const char *const cmds[][10] = {
		{ "link", "set", "lo", "up" },
		{ "link", "add", "sync0", "type", "veth", "peer", "name", "sync0p" },
		{ "addr", "add", LAB_FW1_SYNC "/24", "dev", "sync0" },
		{ "link", "set", "sync0p", "up" },
		{ "link", "set", "sync0", "up" },
	};
	char name[64], out[1024], msg[1400] = "";
	size_t i;
	int rc;

	strcpy(scratch, "/tmp/ftfwtest-render-XXXXXX");
	if (!mkdtemp(scratch)) {
		snprintf(msg, sizeof(msg), "mkdtemp: %s", strerror(errno));
		scratch[0] = '\0';
		goto out_fail;
	}
	snprintf(name, sizeof(name), "ftfwtest-render-%d", (int)getpid());
	rc = ip_run(out, sizeof(out), "netns", "add", name, NULL);
	if (rc != 0) {
		snprintf(msg, sizeof(msg), "ip netns add %s: exit %d: %s", name, rc, out);
		goto out_fail;
	}
	str_copy(ns, name, sizeof(ns));
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		char *argv[16] = { ip_path, "-n", ns };
		int n = 3, k;

		for (k = 0; k < 10 && cmds[i][k]; k++)
			argv[n++] = (char *)cmds[i][k];
		argv[n] = NULL;
		rc = run_capture(argv, out, sizeof(out));
		if (rc != 0) {
			snprintf(msg, sizeof(msg), "ip -n %s %s %s %s: exit %d: %s", ns, cmds[i][0], cmds[i][1],
				 cmds[i][2], rc, out);
			goto out_fail;
		}
	}
	return;
out_fail:
	ns_teardown();
	ck_abort_msg("render: set-up: %s", msg);
}

static void write_scratch(const char *name, const char *text, char *path, size_t len)
{
	snprintf(path, len, "%s/%s", scratch, name);
	ck_assert_msg(file_write(path, text, strlen(text), 0644) == 0, "%s", err_get());
}

/* Replace the first from in buf by to; 0 if from is not there. */
static int replace_first(char *buf, size_t len, const char *from, const char *to)
{
	char *p = strstr(buf, from), tail[8192];

	if (!p)
		return 0;
	snprintf(tail, sizeof(tail), "%s", p + strlen(from));
	snprintf(p, len - (size_t)(p - buf), "%s%s", to, tail);
	return 1;
}

struct nft_case {
	enum lab_role role;
	enum nat_mode nat;
	const char *from, *to;   /* break the text on purpose: replace from by to */
	int ok;
};

static const struct nft_case nft_cases[] = {
	{ ROLE_FW1, NAT_SNAT, NULL, NULL, 1 },
	{ ROLE_FW2, NAT_SNAT, NULL, NULL, 1 },
	{ ROLE_FW1, NAT_OFF, NULL, NULL, 1 },
	{ ROLE_FW2, NAT_OFF, NULL, NULL, 1 },
	{ ROLE_FW1, NAT_MASQUERADE, NULL, NULL, 1 },
	{ ROLE_FW2, NAT_MASQUERADE, NULL, NULL, 1 },
	/* The check fails: a syntax error, a helper object that does not exist
	 * (only the kernel knows), a bad address. */
	{ ROLE_FW1, NAT_SNAT, "policy drop;", "policy dorp;", 0 },
	{ ROLE_FW1, NAT_SNAT, "ct helper set \"ftp-std\"", "ct helper set \"ftp-nope\"", 0 },
	{ ROLE_FW2, NAT_SNAT, "snat ip to " LAB_WAN_VIP, "snat ip to 198.51.100.300", 0 },
};

START_TEST(test_nft_check)
{
	const struct nft_case *t = &nft_cases[_i];
	struct ruleset_case rc_row = { .role = t->role, .nat = t->nat };
	char buf[8192], path[256], out[4096], file[32];
	int rc;

	ck_assert_msg(render_ruleset(&rc_row, buf, sizeof(buf)) == 0, "%s", err_get());
	if (t->from)
		ck_assert_msg(replace_first(buf, sizeof(buf), t->from, t->to), "row %d: no '%s' to break", _i, t->from);
	snprintf(file, sizeof(file), "ruleset-%d.nft", _i);
	write_scratch(file, buf, path, sizeof(path));
	rc = ip_run(out, sizeof(out), "netns", "exec", ns, nft_path, "-c", "-f", path, NULL);
	if (t->ok)
		ck_assert_msg(rc == 0, "row %d: nft -c -f %s: exit %d:\n%s\n%s", _i, path, rc, out, buf);
	else
		ck_assert_msg(rc != 0 && rc != 127, "row %d: broken ruleset: nft exit %d: %s", _i, rc, out);
	/* Check mode applied nothing. */
	rc = ip_run(out, sizeof(out), "netns", "exec", ns, nft_path, "list", "ruleset", NULL);
	ck_assert_msg(rc == 0 && out[0] == '\0', "row %d: namespace ruleset not empty (exit %d): %s", _i, rc, out);
}
END_TEST

struct ctd_case {
	int index;
	enum sync_transport transport;
	int hashsize, expect_sync, no_internal, no_external, commit_timeout;
	const char *from, *to;   /* break the text on purpose */
	int ok;                  /* reaches "initialization completed" */
};

static const struct ctd_case ctd_cases[] = {
	{ 1, SYNC_UDP, 32768, 1, 0, 0, 0, NULL, NULL, 1 },
	{ 1, SYNC_MULTICAST, 4096, 0, 0, 1, 30, NULL, NULL, 1 },
	{ 1, SYNC_UDP, 8192, 1, 1, 0, 5, NULL, NULL, 1 },
	/* The check fails: a grammar error; fw-2's address is not on this sync0. */
	{ 1, SYNC_UDP, 32768, 1, 0, 0, 0, "HashSize", "HashSizeX", 0 },
	{ 2, SYNC_UDP, 32768, 1, 0, 0, 0, NULL, NULL, 0 },
};

#define CTD_READY_MS 3000
#define CTD_STOP_MS 2000

static int file_has(const char *path, const char *s)
{
	char *text = file_read(path, NULL);
	int found = text && strstr(text, s);

	free(text);
	return found;
}

START_TEST(test_conntrackd_starts)
{
	const struct ctd_case *t = &ctd_cases[_i];
	struct syncd_options o;
	char dir[128], conf[160], lock[160], sock[160], log[160], outp[160], buf[8192];
	char *text = NULL;
	int status = 0, exited = 0, ready = 0, killed = 0, fd;
	int64_t deadline;
	pid_t pid;

	syncd_options_default(&o);
	o.transport = t->transport;
	o.hashsize = t->hashsize;
	o.expectation_sync = t->expect_sync;
	o.disable_internal_cache = t->no_internal;
	o.disable_external_cache = t->no_external;
	o.commit_timeout = t->commit_timeout;
	snprintf(dir, sizeof(dir), "%s/ctd-%d", scratch, _i);
	ck_assert_msg(mkdir(dir, 0700) == 0, "%s: %s", dir, strerror(errno));
	snprintf(conf, sizeof(conf), "%s/conntrackd.conf", dir);
	snprintf(lock, sizeof(lock), "%s/lock", dir);
	snprintf(sock, sizeof(sock), "%s/sock", dir);
	snprintf(log, sizeof(log), "%s/conntrackd.log", dir);
	snprintf(outp, sizeof(outp), "%s/stdout", dir);
	ck_assert_msg(syncd_render(t->index, &o, lock, sock, log, buf, sizeof(buf)) == 0, "%s", err_get());
	if (t->from)
		ck_assert_msg(replace_first(buf, sizeof(buf), t->from, t->to), "row %d: no '%s' to break", _i, t->from);
	ck_assert_msg(file_write(conf, buf, strlen(buf), 0644) == 0, "%s", err_get());
	fd = open(outp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ck_assert_msg(fd >= 0, "%s: %s", outp, strerror(errno));

	pid = fork();
	ck_assert_msg(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		char *argv[] = { ip_path, "netns", "exec", ns, ctd_path, "-C", conf, NULL };

		child_exec(argv, fd);
	}
	close(fd);
	/* Nothing may fail from here until the daemon is stopped. */
	deadline = now_ms() + CTD_READY_MS;
	for (;;) {
		if (file_has(log, "initialization completed")) {
			ready = 1;
			break;
		}
		if (waitpid(pid, &status, WNOHANG) == pid) {
			exited = 1;
			break;
		}
		if (now_ms() > deadline)
			break;
		sleep_ms(10);
	}
	if (!exited) {
		kill(pid, SIGTERM);
		deadline = now_ms() + CTD_STOP_MS;
		while (waitpid(pid, &status, WNOHANG) != pid) {
			if (now_ms() > deadline) {
				kill(pid, SIGKILL);
				waitpid(pid, &status, 0);
				killed = 1;
				break;
			}
			sleep_ms(10);
		}
	}
	text = file_read(log, NULL);
	if (!text)
		text = file_read(outp, NULL);
	if (t->ok) {
		ck_assert_msg(ready, "row %d: conntrackd did not initialise (%s, status 0x%x); log:\n%s\nconf:\n%s", _i,
			      exited ? "exited" : "still starting", status, text ? text : "(none)", buf);
		ck_assert_msg(!killed, "row %d: conntrackd ignored SIGTERM", _i);
	} else {
		ck_assert_msg(!ready && exited && status != 0,
			      "row %d: a broken config was taken (ready %d, exited %d, status 0x%x); log:\n%s", _i, ready,
			      exited, status, text ? text : "(none)");
	}
	free(text);
}
END_TEST

static Suite *render_suite(void)
{
	Suite *s = suite_create("render");
	TCase *tc = tcase_create("tables");
	TCase *kernel = tcase_create("real-parsers");
	int have_nft, have_ctd;

	tcase_add_loop_test(tc, test_ruleset, 0, ARRAY_SIZE(ruleset_cases));
	tcase_add_test(tc, test_ruleset_counters);
	tcase_add_test(tc, test_ruleset_ignores_sync);
	tcase_add_loop_test(tc, test_syncd, 0, ARRAY_SIZE(sync_cases));
	tcase_add_loop_test(tc, test_keepalived, 0, ARRAY_SIZE(vrrp_cases));
	tcase_add_loop_test(tc, test_keepalived_errors, 0, ARRAY_SIZE(vrrp_err_cases));
	tcase_add_loop_test(tc, test_vsftpd, 0, ARRAY_SIZE(vsftpd_cases));
	tcase_add_loop_test(tc, test_server_name, 0, ARRAY_SIZE(name_cases));
	suite_add_tcase(s, tc);

	if (geteuid() != 0) {
		printf("SKIP: render: nft -c and conntrackd checks left out: not root\n");
		fflush(stdout);
		return s;
	}
	if (!find_tool("ip", ip_path, sizeof(ip_path))) {
		printf("SKIP: render: nft -c and conntrackd checks left out: no 'ip' (iproute2)\n");
		fflush(stdout);
		return s;
	}
	have_nft = find_tool("nft", nft_path, sizeof(nft_path));
	have_ctd = find_tool("conntrackd", ctd_path, sizeof(ctd_path));
	if (!have_nft)
		printf("render: nft -c checks left out: no 'nft'\n");
	if (!have_ctd)
		printf("render: conntrackd checks left out: no 'conntrackd'\n");
	fflush(stdout);
	if (!have_nft && !have_ctd)
		return s;
	tcase_set_timeout(kernel, 30);
	tcase_add_unchecked_fixture(kernel, ns_setup, ns_teardown);
	if (have_nft)
		tcase_add_loop_test(kernel, test_nft_check, 0, ARRAY_SIZE(nft_cases));
	if (have_ctd)
		tcase_add_loop_test(kernel, test_conntrackd_starts, 0, ARRAY_SIZE(ctd_cases));
	suite_add_tcase(s, kernel);
	return s;
}

int main(void)
{
	return tl_main(render_suite());
}
