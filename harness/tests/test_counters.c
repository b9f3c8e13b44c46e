/*
 * Unit tests of counters: argument checks (no root) and, as root, named
 * counters read from a scratch namespace that carries the firewall's
 * ruleset plus a tiny table whose output-chain counter moves when the test
 * sends UDP datagrams to a documentation address over a veth pair inside
 * the namespace (nothing leaves it).
 */
#include <check.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "counters.h"
#include "firewall.h"
#include "netns.h"
#include "testlib.h"

#define PEER "198.51.100.99"
#define PEER_PORT 9
#define PAYLOAD 10
#define DATAGRAM_BYTES (20 + 8 + PAYLOAD) /* IPv4 header, UDP header, payload */

/* The extra table: a counter that only the test's datagrams move. */
static const char test_table[] =
	"table inet t {\n"
	"\tcounter c { }\n"
	"\tchain o {\n"
	"\t\ttype filter hook output priority 0; policy accept;\n"
	"\t\tip daddr " PEER " udp dport 9 counter name \"c\"\n"
	"\t}\n"
	"}\n";

#define LONG_NAME \
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" \
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" \
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" \
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* ---- no root: arguments are checked before any socket ---------------- */

START_TEST(test_bad_names)
{
	errno = 0;
	ck_assert_int_eq(counter_read(-1, "", "related", NULL, NULL), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_msg(strstr(err_get(), "counter related in table inet : empty"), "%s", err_get());
	errno = 0;
	ck_assert_int_eq(counter_read(-1, "ftfw", LONG_NAME, NULL, NULL), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_msg(strstr(err_get(), "longer than 255"), "%s", err_get());
	/* Valid names reach the namespace, which fd -1 is not. */
	ck_assert_int_eq(counter_read(-1, "ftfw", "related", NULL, NULL), -1);
	ck_assert_msg(strstr(err_get(), "counter related in table inet ftfw: setns"), "%s",
		      err_get());
}
END_TEST

/* ---- live (root) ----------------------------------------------------- */

static struct tl_ns live;

/* The set-up commands, run in order before the ruleset is loaded; NS is
 * replaced by the namespace's name. */
static const char *const setup_cmds[][TL_CMD_WORDS] = {
	{ "ip", "-n", "NS", "link", "add", "v0", "type", "veth", "peer", "name", "v1", NULL },
	{ "ip", "-n", "NS", "addr", "add", "198.51.100.1/24", "dev", "v0", NULL },
	{ "ip", "-n", "NS", "link", "set", "v0", "up", NULL },
	{ "ip", "-n", "NS", "link", "set", "v1", "up", NULL },
	/* A static neighbour: the datagrams leave at once, no ARP queue. */
	{ "ip", "-n", "NS", "neigh", "add", PEER, "lladdr", "02:00:00:00:00:63", "dev", "v0",
	  "nud", "permanent", NULL },
};

/* Unchecked fixture: runs in the parent, so the teardown runs even when a test fails. */
static void live_setup(void)
{
	tl_ns_new(&live, "cnt", test_table, setup_cmds, ARRAY_SIZE(setup_cmds));
}

static void live_teardown(void)
{
	tl_ns_del(&live);
}

/* Reads of counters that no packet has touched, and of ones that are not there. */
static const struct read_row {
	const char *table, *name;
	int err;          /* 0: read, with 0 packets and 0 bytes */
	const char *msg;
} read_rows[] = {
	{ "ftfw", "related", 0, NULL },
	{ "ftfw", "established", 0, NULL },
	{ "ftfw", "ftp-control", 0, NULL },
	{ "ftfw", "dropped", 0, NULL },
	{ "ftfw", "nat", 0, NULL },
	{ "ftfw", "nosuch", ENOENT, "counter nosuch in table inet ftfw: the table has no counter of that name" },
	{ "nosuch", "related", ENOENT, "counter related in table inet nosuch: the table does not exist" },
	/* An object of another type, and a chain, are not counters. */
	{ "ftfw", "ftp-std", ENOENT, "the table has no counter of that name" },
	{ "t", "o", ENOENT, "the table has no counter of that name" },
	/* Names are case-sensitive. */
	{ "FTFW", "related", ENOENT, "the table does not exist" },
};

START_TEST(test_live_read)
{
	const struct read_row *row = &read_rows[_i];
	uint64_t packets = 77, bytes = 77;
	int fd = tl_ns_open(&live), rc;

	errno = 0;
	rc = counter_read(fd, row->table, row->name, &packets, &bytes);
	close(fd);
	if (row->err) {
		ck_assert_msg(rc == -1, "%s/%s: read", row->table, row->name);
		ck_assert_msg(errno == row->err, "%s/%s: errno %d (%s)", row->table, row->name,
			      errno, err_get());
		ck_assert_msg(strstr(err_get(), row->msg), "%s/%s: error '%s', want '%s'",
			      row->table, row->name, err_get(), row->msg);
		ck_assert_msg(packets == 77 && bytes == 77, "%s/%s: outputs written on failure",
			      row->table, row->name);
	} else {
		ck_assert_msg(rc == 0, "%s/%s: %s", row->table, row->name, err_get());
		ck_assert_msg(packets == 0 && bytes == 0, "%s/%s: %llu packets %llu bytes",
			      row->table, row->name, (unsigned long long)packets,
			      (unsigned long long)bytes);
	}
}
END_TEST

/* Send n datagrams of PAYLOAD bytes to PEER from a socket made in the namespace. */
static void send_datagrams(int nsfd, int n)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(PEER_PORT) };
	char payload[PAYLOAD] = "ftfw-test";
	int fd = netns_socket(nsfd, AF_INET, SOCK_DGRAM, 0), i;

	ck_assert_msg(fd >= 0, "%s", err_get());
	ck_assert_int_eq(inet_pton(AF_INET, PEER, &to.sin_addr), 1);
	for (i = 0; i < n; i++)
		ck_assert_msg(sendto(fd, payload, sizeof(payload), 0, (struct sockaddr *)&to,
				     sizeof(to)) == (ssize_t)sizeof(payload),
			      "sendto %d: %m", i);
	close(fd);
}

/* The counter moves by exactly what was sent, twice; other counters stay. */
START_TEST(test_live_traffic)
{
	static const int bursts[] = { 3, 5 };
	uint64_t p0, b0, p1, b1, rp, rb;
	int fd = tl_ns_open(&live);
	size_t i;

	ck_assert_msg(counter_read(fd, "t", "c", &p0, &b0) == 0, "%s", err_get());
	for (i = 0; i < ARRAY_SIZE(bursts); i++) {
		send_datagrams(fd, bursts[i]);
		ck_assert_msg(counter_read(fd, "t", "c", &p1, &b1) == 0, "%s", err_get());
		ck_assert_msg(p1 - p0 == (uint64_t)bursts[i] &&
				      b1 - b0 == (uint64_t)bursts[i] * DATAGRAM_BYTES,
			      "burst %zu: counter c moved by %llu packets, %llu bytes; want %d, %d",
			      i, (unsigned long long)(p1 - p0), (unsigned long long)(b1 - b0),
			      bursts[i], bursts[i] * DATAGRAM_BYTES);
		p0 = p1;
		b0 = b1;
	}
	/* Reading is not resetting: a second read gives the same numbers. */
	ck_assert_msg(counter_read(fd, "t", "c", &p1, NULL) == 0, "%s", err_get());
	ck_assert_msg(p1 == p0, "second read %llu, first %llu", (unsigned long long)p1,
		      (unsigned long long)p0);
	/* Output traffic does not touch the forward chain's counters. */
	ck_assert_msg(counter_read(fd, "ftfw", "related", &rp, &rb) == 0, "%s", err_get());
	ck_assert_msg(rp == 0 && rb == 0, "related moved: %llu", (unsigned long long)rp);
	close(fd);
}
END_TEST

static Suite *counters_suite(void)
{
	Suite *s = suite_create("counters");
	TCase *tc = tcase_create("args");

	tcase_add_test(tc, test_bad_names);
	suite_add_tcase(s, tc);

	if (geteuid() == 0) {
		tc = tcase_create("kernel-live");
		tcase_add_unchecked_fixture(tc, live_setup, live_teardown);
		tcase_set_timeout(tc, 20);
		tcase_add_loop_test(tc, test_live_read, 0, ARRAY_SIZE(read_rows));
		tcase_add_test(tc, test_live_traffic);
		suite_add_tcase(s, tc);
	} else {
		printf("SKIP: not root: tcase kernel-live (counters of a scratch namespace) left "
		       "out\n");
	}
	return s;
}

int main(void)
{
	return tl_main(counters_suite());
}
