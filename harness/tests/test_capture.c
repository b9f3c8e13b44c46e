/*
 * Tests of capture and events. The error paths that need no privileges
 * always run; the live tests need root: two scratch namespaces joined by a
 * veth pair (198.51.100.1/24 and .2/24, documentation addresses), UDP sent
 * between them, the pcap files and the event log read back.
 */
#include <arpa/inet.h>
#include <check.h>
#include "testlib.h"
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capture.h"
#include "events.h"
#include "netns.h"

#define ADDR_A "198.51.100.1"
#define ADDR_B "198.51.100.2"
#define NDGRAMS 5

#define assert_has(hay, needle) \
	ck_assert_msg(strstr((hay), (needle)) != NULL, "'%s' not found in '%s'", (needle), (hay))

/* No child of ours, running or unreaped. */
static void assert_no_child(void)
{
	int st;

	ck_assert_msg(waitpid(-1, &st, WNOHANG) == -1 && errno == ECHILD,
		      "a child process was left behind");
}

/* ---- without root ---- */

START_TEST(test_no_interfaces)
{
	err_clear();
	ck_assert_ptr_null(capture_start(NULL, 0));
	ck_assert_str_ne(err_get(), "");
	ck_assert_int_eq(capture_stop(NULL), 0);
	ck_assert_int_eq(events_stop(NULL), 0);
	assert_no_child();
}
END_TEST

START_TEST(test_missing_namespace)
{
	char ns[64], pcap[64], log[64];
	struct capture_iface ifc = { ns, "lan0", pcap };

	snprintf(ns, sizeof(ns), "ftfwtest-missing-%d", (int)getpid());
	snprintf(pcap, sizeof(pcap), "/tmp/ftfwtest-never-written-%d.pcap", (int)getpid());
	snprintf(log, sizeof(log), "/tmp/ftfwtest-never-written-%d.log", (int)getpid());
	err_clear();
	ck_assert_ptr_null(capture_start(&ifc, 1));
	assert_has(err_get(), "capture: ");
	assert_has(err_get(), ns);
	assert_has(err_get(), "lan0");
	assert_no_child();
	ck_assert_int_eq(access(ifc.path, F_OK), -1);

	err_clear();
	ck_assert_ptr_null(events_start(ns, log));
	assert_has(err_get(), "events: ");
	assert_has(err_get(), ns);
	assert_no_child();
	ck_assert_int_eq(access(log, F_OK), -1);
}
END_TEST

/* ---- live lab: two namespaces and a veth pair ---- */

static char ns_a[64], ns_b[64];
static int made_a, made_b;   /* ours to delete: only what netns_add() made */
static char lab_error[1100]; /* set when the lab could not be built */
static char sh_error[1100];  /* the last command that failed */
static char top[64];         /* scratch folder of the run, removed in teardown */
static char dir[96];         /* this test's folder inside top */

static int FTFW_FMT(1, 2) sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	if (st != 0)
		snprintf(sh_error, sizeof(sh_error), "'%s' failed (status %d)", cmd, st);
	return st == 0 ? 0 : -1;
}

/* Unchecked fixture: runs in the runner, so teardown runs even when a test fails. */
static void lab_setup(void)
{
	tl_ns_reclaim_stale();
	snprintf(ns_a, sizeof(ns_a), "ftfwtest-cap-a-%d", (int)getpid());
	snprintf(ns_b, sizeof(ns_b), "ftfwtest-cap-b-%d", (int)getpid());
	lab_error[0] = '\0';
	strcpy(top, "/tmp/ftfwtest-cap-XXXXXX");
	if (!mkdtemp(top)) {
		top[0] = '\0';
		snprintf(lab_error, sizeof(lab_error), "mkdtemp: %s", strerror(errno));
		return;
	}
	made_a = netns_add(ns_a) == 0;
	made_b = made_a && netns_add(ns_b) == 0;
	if (!made_a || !made_b) {
		snprintf(lab_error, sizeof(lab_error), "netns_add: %s", err_get());
		return;
	}
	if (sh("ip -n %s link add va type veth peer name vb netns %s", ns_a, ns_b) ||
	    sh("ip -n %s addr add " ADDR_A "/24 dev va", ns_a) ||
	    sh("ip -n %s addr add " ADDR_B "/24 dev vb", ns_b) ||
	    sh("ip -n %s link set va up", ns_a) || sh("ip -n %s link set vb up", ns_b) ||
	    sh("ip -n %s link set lo up", ns_a) || sh("ip -n %s link set lo up", ns_b))
		memcpy(lab_error, sh_error, sizeof(lab_error));
}

static void lab_teardown(void)
{
	if ((made_a && netns_del(ns_a) < 0) || (made_b && netns_del(ns_b) < 0))
		fprintf(stderr, "test_capture: teardown: %s\n", err_get());
	if (top[0] && sh("rm -rf '%s'", top) < 0)
		fprintf(stderr, "test_capture: could not remove %s\n", top);
}

/* Checked fixture: a fresh folder per test (kept until teardown, for a failure's reader). */
static void dir_setup(void)
{
	ck_assert_msg(!lab_error[0], "lab set-up: %s", lab_error);
	snprintf(dir, sizeof(dir), "%s/XXXXXX", top);
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void path_in_dir(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

static int ns_socket(const char *ns, int type)
{
	int nsfd, fd;

	nsfd = netns_open(ns);
	ck_assert_msg(nsfd >= 0, "%s", err_get());
	fd = netns_socket(nsfd, AF_INET, type, 0);
	ck_assert_msg(fd >= 0, "%s", err_get());
	close(nsfd);
	return fd;
}

static void sockaddr_of(struct sockaddr_in *sa, const char *addr, int port)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	ck_assert_int_eq(inet_pton(AF_INET, addr, &sa->sin_addr), 1);
}

static void payload_of(char *buf, size_t len, const char *tag, int i)
{
	snprintf(buf, len, "ftfwtest %s %d", tag, i);
}

/*
 * n datagrams from a to b:port, each received in b (so that every one has
 * crossed both ends of the veth before the caller stops anything).
 */
static void udp_exchange(int port, const char *tag, int n)
{
	struct timeval tv = { 3, 0 };
	struct sockaddr_in dst;
	char want[64], got[64];
	int a, b, i;

	a = ns_socket(ns_a, SOCK_DGRAM);
	b = ns_socket(ns_b, SOCK_DGRAM);
	sockaddr_of(&dst, ADDR_B, port);
	ck_assert_int_eq(bind(b, (struct sockaddr *)&dst, sizeof(dst)), 0);
	ck_assert_int_eq(setsockopt(b, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	for (i = 0; i < n; i++) {
		payload_of(want, sizeof(want), tag, i);
		ck_assert_int_eq(sendto(a, want, strlen(want), 0, (struct sockaddr *)&dst,
					sizeof(dst)), (ssize_t)strlen(want));
	}
	for (i = 0; i < n; i++) {
		ssize_t r = recv(b, got, sizeof(got) - 1, 0);

		ck_assert_msg(r >= 0, "datagram %d not received in %s: %s", i, ns_b, strerror(errno));
		got[r] = '\0';
		payload_of(want, sizeof(want), tag, i);
		ck_assert_str_eq(got, want);
	}
	close(a);
	close(b);
}

/*
 * The payloads of the IPv4/UDP datagrams to port in the pcap at path, in
 * order, into out[]; returns how many.
 */
static int pcap_udp_payloads(const char *path, int port, char out[][64], int max)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	pcap_t *p;
	int n = 0;

	p = pcap_open_offline(path, errbuf);
	ck_assert_msg(p != NULL, "%s: %s", path, errbuf);
	ck_assert_int_eq(pcap_datalink(p), DLT_EN10MB);
	ck_assert_int_eq(pcap_snapshot(p), 262144);
	while (pcap_next_ex(p, &h, &d) == 1) {
		const u_char *ip = d + 14, *udp;
		size_t len;

		ck_assert_uint_eq(h->caplen, h->len);
		if (h->caplen < 14 + 20 + 8 || d[12] != 0x08 || d[13] != 0x00 || ip[9] != 17)
			continue;
		udp = ip + (ip[0] & 0x0f) * 4;
		if (((udp[2] << 8) | udp[3]) != port)
			continue;
		len = (size_t)((udp[4] << 8) | udp[5]) - 8;
		ck_assert_int_lt(n, max);
		ck_assert_uint_lt(len, 64);
		memcpy(out[n], udp + 8, len);
		out[n][len] = '\0';
		n++;
	}
	pcap_close(p);
	return n;
}

static void assert_payloads(const char *path, int port, const char *tag, int first, int n)
{
	char got[16][64], want[64];
	int i;

	ck_assert_int_eq(pcap_udp_payloads(path, port, got, 16), n);
	for (i = 0; i < n; i++) {
		payload_of(want, sizeof(want), tag, first + i);
		ck_assert_str_eq(got[i], want);
	}
}

START_TEST(test_capture_udp)
{
	char path_a[128], path_b[128];
	struct capture_iface ifs[] = {
		{ ns_a, "va", path_a },
		{ ns_b, "vb", path_b },
	};
	struct capture *c;
	struct stat st;
	pid_t pid;

	path_in_dir(path_a, sizeof(path_a), "a.pcap");
	path_in_dir(path_b, sizeof(path_b), "b.pcap");
	umask(077); /* the files are 0644 whatever the umask */
	c = capture_start(ifs, 2);
	ck_assert_msg(c != NULL, "%s", err_get());
	pid = capture_pid(c);
	ck_assert_int_eq(kill(pid, 0), 0);
	udp_exchange(40001, "cap", NDGRAMS);
	ck_assert_msg(capture_stop(c) == 0, "%s", err_get());
	ck_assert(kill(pid, 0) == -1 && errno == ESRCH);
	assert_no_child();

	assert_payloads(path_a, 40001, "cap", 0, NDGRAMS);
	assert_payloads(path_b, 40001, "cap", 0, NDGRAMS);
	ck_assert_int_eq(stat(path_a, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0644);
}
END_TEST

/* A link that goes down and up again during a run keeps being captured. */
START_TEST(test_capture_link_flap)
{
	char path[128];
	struct capture_iface ifc = { ns_a, "va", path };
	struct capture *c;

	path_in_dir(path, sizeof(path), "flap.pcap");
	c = capture_start(&ifc, 1);
	ck_assert_msg(c != NULL, "%s", err_get());
	udp_exchange(40002, "flap", 2);
	ck_assert_int_eq(sh("ip -n %s link set va down", ns_a), 0);
	usleep(100 * 1000);
	ck_assert_int_eq(sh("ip -n %s link set va up", ns_a), 0);
	udp_exchange(40002, "flap", 4);
	ck_assert_msg(capture_stop(c) == 0, "%s", err_get());
	assert_no_child();
	/* "flap 0", "flap 1", then "flap 0".."flap 3" again */
	{
		char got[16][64];

		ck_assert_int_eq(pcap_udp_payloads(path, 40002, got, 16), 6);
		ck_assert_str_eq(got[1], "ftfwtest flap 1");
		ck_assert_str_eq(got[5], "ftfwtest flap 3");
	}
}
END_TEST

/* The second interface is missing: NULL, its name in err, no child, nothing kept open. */
START_TEST(test_capture_missing_iface)
{
	char path_a[128], path_x[128];
	struct capture_iface ifs[] = {
		{ ns_a, "va", path_a },
		{ ns_b, "nosuch0", path_x },
	};

	path_in_dir(path_a, sizeof(path_a), "a.pcap");
	path_in_dir(path_x, sizeof(path_x), "x.pcap");
	err_clear();
	ck_assert_ptr_null(capture_start(ifs, 2));
	assert_has(err_get(), "capture: ");
	assert_has(err_get(), ns_b);
	assert_has(err_get(), "nosuch0");
	assert_has(err_get(), "pcap_activate");
	ck_assert_ptr_null(strstr(err_get(), "va:"));
	assert_no_child();
	/* the first interface's file was made, and removed when set-up failed */
	ck_assert_int_eq(access(path_a, F_OK), -1);
	ck_assert_int_eq(access(path_x, F_OK), -1);
}
END_TEST

/* A symlink where the pcap should go is refused, and its target untouched. */
START_TEST(test_capture_symlink_refused)
{
	char target[128], lnk[128];
	struct capture_iface ifc = { ns_a, "va", lnk };
	char *kept;

	path_in_dir(target, sizeof(target), "target");
	path_in_dir(lnk, sizeof(lnk), "link.pcap");
	ck_assert_int_eq(file_write(target, "keep", 4, 0600), 0);
	ck_assert_int_eq(symlink(target, lnk), 0);
	err_clear();
	ck_assert_ptr_null(capture_start(&ifc, 1));
	assert_has(err_get(), "symbolic link");
	assert_has(err_get(), lnk);
	assert_no_child();
	kept = file_read(target, NULL);
	ck_assert_ptr_nonnull(kept);
	ck_assert_str_eq(kept, "keep");
	free(kept);
}
END_TEST

/* First line of the file holding every needle, polled until a deadline. */
static char *wait_for_line(const char *path, const char *const *needles, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;

	do {
		char *text = file_read(path, NULL), *line, *save = NULL;

		for (line = text ? strtok_r(text, "\n", &save) : NULL; line;
		     line = strtok_r(NULL, "\n", &save)) {
			size_t i;

			for (i = 0; needles[i] && strstr(line, needles[i]); i++)
				;
			if (!needles[i]) {
				line = xstrdup(line);
				free(text);
				return line;
			}
		}
		free(text);
		sleep_ms(20);
	} while (now_ms() < deadline);
	return NULL;
}

static void assert_line(const char *path, const char *const *needles)
{
	char *line = wait_for_line(path, needles, 3000);
	char *all = file_read(path, NULL);

	/* (Check cuts messages at 4 KiB: show the start of the file) */
	ck_assert_msg(line != NULL, "no line with '%s' '%s' '%s' in %s:\n%.2000s", needles[0],
		      needles[1] ? needles[1] : "", needles[1] && needles[2] ? needles[2] : "",
		      path, all ? all : err_get());
	/* "2026-11-27T14:10:07.123456Z [NEW] ct ..." */
	ck_assert_msg(strlen(line) > 28 && line[4] == '-' && line[10] == 'T' && line[26] == 'Z' &&
		      line[27] == ' ' && line[28] == '[', "bad line: '%s'", line);
	free(line);
	free(all);
}

START_TEST(test_events_conntrack)
{
	/* The brief's one-line form; nft 1.0.6 wants the ';' after the chain's '}'. */
	static const char ruleset[] =
		"table inet t { chain o { type filter hook output priority 0; ct state new accept; }; }\n";
	static const char *const new_line[] = {
		"Z [NEW] ct ", "udp", "src=" ADDR_A " ", "dst=" ADDR_B " ", "dport=40003 ", NULL
	};
	static const char *const destroy_line[] = {
		"Z [DESTROY] ct ", "udp", "src=" ADDR_A " ", "dst=" ADDR_B " ", "dport=40003 ", NULL
	};
	char path[128], rules[128];
	struct events *e;
	struct stat st;
	pid_t pid;

	path_in_dir(rules, sizeof(rules), "ruleset.nft");
	path_in_dir(path, sizeof(path), "events.log");
	ck_assert_int_eq(file_write(rules, ruleset, strlen(ruleset), 0644), 0);
	ck_assert_int_eq(sh("ip netns exec %s nft -f %s", ns_a, rules), 0);

	e = events_start(ns_a, path);
	ck_assert_msg(e != NULL, "%s", err_get());
	pid = events_pid(e);
	udp_exchange(40003, "ev", 2);
	/* Written while the run goes on, before any stop. */
	assert_line(path, new_line);
	ck_assert_int_eq(sh("ip netns exec %s conntrack -D -p udp --dport 40003 >/dev/null 2>&1", ns_a),
			 0);
	assert_line(path, destroy_line);
	ck_assert_msg(events_stop(e) == 0, "%s", err_get());
	ck_assert(kill(pid, 0) == -1 && errno == ESRCH);
	assert_no_child();
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0644);
}
END_TEST

/*
 * An expectation: the ftp helper on A's output, a control connection to
 * B:21 and a PORT command from A announcing 198.51.100.1 port 50000. The
 * helper only parses a packet that starts right after a newline it has
 * seen (nf_conntrack_ftp.c, find_nl_seq()), hence a USER line first.
 */
START_TEST(test_events_expect)
{
	static const char ruleset[] =
		"table inet ftfwftp {\n"
		"  ct helper ftp-std { type \"ftp\" protocol tcp; }\n"
		"  chain o { type filter hook output priority 0; tcp dport 21 ct helper set \"ftp-std\"; }\n"
		"}\n";
	static const char user_cmd[] = "USER ftfw\r\n";
	static const char port_cmd[] = "PORT 198,51,100,1,195,80\r\n"; /* 195 * 256 + 80 = 50000 */
	static const char *const exp_line[] = {
		"Z [NEW] expect ", "dst=" ADDR_A " ", "dport=50000", "ftp", NULL
	};
	char path[128], rules[128], buf[64];
	struct sockaddr_in srv;
	struct events *e;
	int ls, cs, as, one = 1;

	path_in_dir(rules, sizeof(rules), "ftp.nft");
	path_in_dir(path, sizeof(path), "events.log");
	ck_assert_int_eq(file_write(rules, ruleset, strlen(ruleset), 0644), 0);
	ck_assert_int_eq(sh("ip netns exec %s nft -f %s", ns_a, rules), 0);

	e = events_start(ns_a, path);
	ck_assert_msg(e != NULL, "%s", err_get());
	ls = ns_socket(ns_b, SOCK_STREAM);
	ck_assert_int_eq(setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
	sockaddr_of(&srv, ADDR_B, 21);
	ck_assert_int_eq(bind(ls, (struct sockaddr *)&srv, sizeof(srv)), 0);
	ck_assert_int_eq(listen(ls, 1), 0);
	cs = ns_socket(ns_a, SOCK_STREAM);
	ck_assert_msg(connect(cs, (struct sockaddr *)&srv, sizeof(srv)) == 0, "connect: %s",
		      strerror(errno));
	as = accept(ls, NULL, NULL);
	ck_assert_int_ge(as, 0);
	ck_assert_int_eq(setsockopt(cs, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)), 0);
	ck_assert_int_eq(send(cs, user_cmd, strlen(user_cmd), 0), (ssize_t)strlen(user_cmd));
	ck_assert_int_eq(recv(as, buf, sizeof(buf), 0), (ssize_t)strlen(user_cmd));
	ck_assert_int_eq(send(cs, port_cmd, strlen(port_cmd), 0), (ssize_t)strlen(port_cmd));
	ck_assert_int_eq(recv(as, buf, sizeof(buf), 0), (ssize_t)strlen(port_cmd));
	assert_line(path, exp_line);
	close(as);
	close(cs);
	close(ls);
	ck_assert_msg(events_stop(e) == 0, "%s", err_get());
	assert_no_child();
}
END_TEST

/* Reap pid (our child, or an orphan we are subreaper of) within ms; its status or -1. */
static int reap_within(pid_t pid, int ms)
{
	int64_t deadline = now_ms() + ms;
	int st;

	do {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return st;
		sleep_ms(10);
	} while (now_ms() < deadline);
	return -1;
}

/*
 * The process that started a capture and an event log dies without
 * stopping them: both children get SIGTERM (PR_SET_PDEATHSIG), flush and
 * exit 0. We are their subreaper, so we can see how they ended.
 */
START_TEST(test_parent_death)
{
	char pcap[128], log[128], buf[64];
	struct capture_iface ifc = { ns_a, "va", pcap };
	pid_t helper, cap_pid, ev_pid;
	int p[2], st;
	FILE *f;

	path_in_dir(pcap, sizeof(pcap), "orphan.pcap");
	path_in_dir(log, sizeof(log), "orphan.log");
	ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	ck_assert_int_eq(pipe(p), 0);
	helper = fork();
	ck_assert_int_ge(helper, 0);
	if (helper == 0) {
		struct capture *c = capture_start(&ifc, 1);
		struct events *e = events_start(ns_a, log);

		dprintf(p[1], "%d %d\n", c ? (int)capture_pid(c) : -1, e ? (int)events_pid(e) : -1);
		_exit(c && e ? 0 : 1); /* neither stopped */
	}
	close(p[1]);
	f = fdopen(p[0], "r");
	ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
	fclose(f);
	ck_assert_int_eq(sscanf(buf, "%d %d", &cap_pid, &ev_pid), 2);
	ck_assert_int_eq(waitpid(helper, &st, 0), helper);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "helper could not start both");
	st = reap_within(cap_pid, 3000);
	ck_assert_msg(st == 0, "capture child after parent death: status %d", st);
	st = reap_within(ev_pid, 3000);
	ck_assert_msg(st == 0, "events child after parent death: status %d", st);
	assert_no_child();
	ck_assert_int_eq(pcap_udp_payloads(pcap, 1, NULL, 0), 0); /* a complete, readable file */
}
END_TEST

/* Wait until the file has not grown for quiet_ms (at most timeout_ms). */
static void wait_quiet(const char *path, int quiet_ms, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms, changed = now_ms();
	off_t last = -1;
	struct stat st;

	while (now_ms() - changed < quiet_ms) {
		ck_assert_msg(now_ms() < deadline, "%s still growing after %d ms", path, timeout_ms);
		ck_assert_int_eq(stat(path, &st), 0);
		if (st.st_size != last) {
			last = st.st_size;
			changed = now_ms();
		}
		sleep_ms(20);
	}
}

/* A child killed behind our back: stop says so. */
START_TEST(test_child_killed)
{
	char pcap[128], log[128];
	struct capture_iface ifc = { ns_a, "va", pcap };
	struct capture *c;
	struct events *e;

	path_in_dir(pcap, sizeof(pcap), "killed.pcap");
	path_in_dir(log, sizeof(log), "killed.log");
	c = capture_start(&ifc, 1);
	ck_assert_msg(c != NULL, "%s", err_get());
	e = events_start(ns_a, log);
	ck_assert_msg(e != NULL, "%s", err_get());
	ck_assert_int_eq(kill(capture_pid(c), SIGKILL), 0);
	ck_assert_int_eq(kill(events_pid(e), SIGKILL), 0);
	err_clear();
	ck_assert_int_eq(capture_stop(c), -1);
	assert_has(err_get(), "capture: ");
	assert_has(err_get(), "killed by signal 9");
	err_clear();
	ck_assert_int_eq(events_stop(e), -1);
	assert_has(err_get(), "events: ");
	assert_has(err_get(), "killed by signal 9");
	assert_no_child();
}
END_TEST

/*
 * SIGSTOP, and wait until pid is really stopped: a poll() it had already
 * returned from would otherwise be handled after SIGCONT as if nothing
 * had happened in between.
 */
static void stop_child(pid_t pid)
{
	int64_t deadline = now_ms() + 2000;
	char path[64];

	ck_assert_int_eq(kill(pid, SIGSTOP), 0);
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	for (;;) {
		char *stat = file_read(path, NULL), *paren;

		ck_assert_msg(stat != NULL, "%s", err_get());
		paren = strrchr(stat, ')');
		if (paren && paren[1] == ' ' && paren[2] == 'T') {
			free(stat);
			return;
		}
		free(stat);
		ck_assert_msg(now_ms() < deadline, "process %d did not stop", (int)pid);
		sleep_ms(1);
	}
}

/*
 * What is queued when SIGTERM comes is still written: both children are
 * stopped while traffic passes, then get SIGTERM and SIGCONT together, so
 * that their first wake-up sees the signal and the data at once.
 */
START_TEST(test_stop_drains)
{
	static const char ruleset[] =
		"table inet t { chain o { type filter hook output priority 0; ct state new accept; }; }\n";
	char pcap[128], log[128], rules[128], *text;
	struct capture_iface ifc = { ns_b, "vb", pcap };
	struct capture *c;
	struct events *e;
	pid_t cp, ep;

	path_in_dir(pcap, sizeof(pcap), "drain.pcap");
	path_in_dir(log, sizeof(log), "drain.log");
	path_in_dir(rules, sizeof(rules), "ruleset.nft");
	ck_assert_int_eq(file_write(rules, ruleset, strlen(ruleset), 0644), 0);
	ck_assert_int_eq(sh("ip netns exec %s nft -f %s", ns_a, rules), 0);
	c = capture_start(&ifc, 1);
	ck_assert_msg(c != NULL, "%s", err_get());
	e = events_start(ns_a, log);
	ck_assert_msg(e != NULL, "%s", err_get());
	cp = capture_pid(c);
	ep = events_pid(e);
	stop_child(cp);
	stop_child(ep);
	udp_exchange(40005, "drain", NDGRAMS);
	sleep_ms(50); /* past the ring block timeout: the packets are readable */
	ck_assert_int_eq(kill(cp, SIGTERM), 0);
	ck_assert_int_eq(kill(ep, SIGTERM), 0);
	ck_assert_int_eq(kill(cp, SIGCONT), 0);
	ck_assert_int_eq(kill(ep, SIGCONT), 0);
	ck_assert_msg(capture_stop(c) == 0, "%s", err_get());
	ck_assert_msg(events_stop(e) == 0, "%s", err_get());
	assert_no_child();
	assert_payloads(pcap, 40005, "drain", 0, NDGRAMS);
	text = file_read(log, NULL);
	ck_assert_ptr_nonnull(text);
	assert_has(text, "dport=40005 ");
	free(text);
}
END_TEST

/* A child that does not react to SIGTERM is killed after 2 s. */
START_TEST(test_child_hung)
{
	char pcap[128], log[128];
	struct capture_iface ifc = { ns_a, "va", pcap };
	struct capture *c;
	struct events *e;
	int64_t t0;

	path_in_dir(pcap, sizeof(pcap), "hung.pcap");
	path_in_dir(log, sizeof(log), "hung.log");
	c = capture_start(&ifc, 1);
	ck_assert_msg(c != NULL, "%s", err_get());
	e = events_start(ns_a, log);
	ck_assert_msg(e != NULL, "%s", err_get());
	stop_child(capture_pid(c));
	stop_child(events_pid(e));

	t0 = now_ms();
	err_clear();
	ck_assert_int_eq(capture_stop(c), -1);
	ck_assert_int_ge(now_ms() - t0, 1900);
	ck_assert_int_lt(now_ms() - t0, 4000);
	assert_has(err_get(), "capture: ");
	assert_has(err_get(), "did not stop within 2000 ms; killed");

	t0 = now_ms();
	err_clear();
	ck_assert_int_eq(events_stop(e), -1);
	ck_assert_int_ge(now_ms() - t0, 1900);
	ck_assert_int_lt(now_ms() - t0, 4000);
	assert_has(err_get(), "events: ");
	assert_has(err_get(), "did not stop within 2000 ms; killed");
	assert_no_child();
}
END_TEST

/*
 * More events than the receive buffer holds while the logger is stopped:
 * the kernel drops some (ENOBUFS) and the log says so, then goes on.
 */
START_TEST(test_events_lost)
{
	static const char ruleset[] =
		"table inet t { chain o { type filter hook output priority 0; ct state new accept; }; }\n";
	static const char *const lost_line[] = { "Z [LOST] events lost", NULL };
	static const char *const after_line[] = { "Z [NEW] ct ", "dport=40004 ", NULL };
	char path[128], rules[128];
	struct sockaddr_in dst;
	struct events *e;
	pid_t pid;
	int a, port;

	path_in_dir(rules, sizeof(rules), "ruleset.nft");
	path_in_dir(path, sizeof(path), "events.log");
	ck_assert_int_eq(file_write(rules, ruleset, strlen(ruleset), 0644), 0);
	ck_assert_int_eq(sh("ip netns exec %s nft -f %s", ns_a, rules), 0);
	e = events_start(ns_a, path);
	ck_assert_msg(e != NULL, "%s", err_get());
	pid = events_pid(e);
	stop_child(pid);
	a = ns_socket(ns_a, SOCK_DGRAM);
	for (port = 10000; port < 60000; port++) {
		sockaddr_of(&dst, ADDR_B, port);
		sendto(a, "x", 1, 0, (struct sockaddr *)&dst, sizeof(dst)); /* one conntrack each */
	}
	close(a);
	ck_assert_int_eq(kill(pid, SIGCONT), 0);
	assert_line(path, lost_line);
	/*
	 * Until the backlog is read the socket stays congested and the kernel
	 * drops new events without a second ENOBUFS (af_netlink.c,
	 * netlink_overrun()): let the log go quiet first.
	 */
	wait_quiet(path, 200, 5000);
	udp_exchange(40004, "after", 1);
	assert_line(path, after_line);
	ck_assert_msg(events_stop(e) == 0, "%s", err_get());
	assert_no_child();
	ck_assert_int_eq(sh("ip netns exec %s conntrack -F >/dev/null 2>&1", ns_a), 0);
}
END_TEST

static Suite *capture_suite(void)
{
	Suite *s = suite_create("capture");
	TCase *errors = tcase_create("errors");
	TCase *live = tcase_create("live");

	tcase_add_test(errors, test_no_interfaces);
	tcase_add_test(errors, test_missing_namespace);
	suite_add_tcase(s, errors);

	if (geteuid() != 0) {
		printf("SKIP: capture: live tests left out: not root\n");
		fflush(stdout);
		return s;
	}
	tcase_set_timeout(live, 30);
	tcase_add_unchecked_fixture(live, lab_setup, lab_teardown);
	tcase_add_checked_fixture(live, dir_setup, NULL);
	tcase_add_test(live, test_capture_udp);
	tcase_add_test(live, test_capture_link_flap);
	tcase_add_test(live, test_capture_missing_iface);
	tcase_add_test(live, test_capture_symlink_refused);
	tcase_add_test(live, test_events_conntrack);
	tcase_add_test(live, test_events_expect);
	tcase_add_test(live, test_parent_death);
	tcase_add_test(live, test_child_killed);
	tcase_add_test(live, test_stop_drains);
	tcase_add_test(live, test_child_hung);
	tcase_add_test(live, test_events_lost);
	suite_add_tcase(s, live);
	return s;
}

int main(void)
{
	return tl_main(capture_suite());
}
