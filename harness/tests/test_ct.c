/*
 * Unit tests of ct: records, names, the parser of conntrackd's text (rows
 * of real `conntrackd -i|-e ct|expect` output, conntrackd 1.4.7 on kernel
 * 6.18, captured on two namespaces syncing with FTFW) and, as root, a dump
 * of a scratch namespace's kernel tables.
 */
#include <check.h>
#include "testlib.h"
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack_tcp.h>

#include "ct.h"
#include "netns.h"

#define K63 "123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define K64 "0" K63

/* ---- records --------------------------------------------------------- */

struct set_step {
	const char *key, *val;
	int rc;
};

static const struct record_row {
	const char *name;
	struct set_step steps[4]; /* until key == NULL */
	const char *format;       /* ct_record_format afterwards */
	const char *err;          /* in err_get() after a failing step */
} record_rows[] = {
	{ "two fields", { { "dport", "21", 0 }, { "helper", "ftp", 0 } },
	  "dport=21 helper=ftp", NULL },
	{ "replace keeps place", { { "a", "1", 0 }, { "b", "2", 0 }, { "a", "3", 0 } },
	  "a=3 b=2", NULL },
	{ "key of 15 fits", { { "master-sport123", "1", 0 } }, "master-sport123=1", NULL },
	{ "key of 16 refused", { { "master-sport1234", "1", -1 } }, "", "master-sport1234" },
	{ "value of 63 fits", { { "v", K63, 0 } }, "v=" K63, NULL },
	{ "value of 64 refused", { { "v", K64, -1 }, { "w", "x", 0 } }, "w=x", "longer than 63" },
	{ "empty key refused", { { "", "x", -1 } }, "", "empty key" },
	{ "empty value kept", { { "k", "", 0 } }, "k=", NULL },
};

START_TEST(test_record_rows)
{
	const struct record_row *row = &record_rows[_i];
	struct ct_record r;
	char buf[512];
	int s;

	memset(&r, 0, sizeof(r));
	for (s = 0; row->steps[s].key; s++) {
		err_clear();
		ck_assert_msg(ct_record_set(&r, row->steps[s].key, row->steps[s].val) ==
				      row->steps[s].rc,
			      "%s: step %d", row->name, s);
		if (row->steps[s].rc < 0)
			ck_assert_msg(strstr(err_get(), row->err), "%s: error '%s'", row->name,
				      err_get());
	}
	ct_record_format(&r, buf, sizeof(buf));
	ck_assert_msg(strcmp(buf, row->format) == 0, "%s: format '%s', want '%s'", row->name,
		      buf, row->format);
	for (s = 0; row->steps[s].key; s++)
		if (row->steps[s].rc == 0)
			ck_assert_ptr_nonnull(ct_record_get(&r, row->steps[s].key));
	ck_assert_ptr_null(ct_record_get(&r, "absent"));
}
END_TEST

START_TEST(test_record_full)
{
	struct ct_record r;
	char key[CT_KEY_LEN];
	int i;

	memset(&r, 0, sizeof(r));
	for (i = 0; i < CT_MAX_FIELDS; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		ck_assert_int_eq(ct_record_set(&r, key, "v"), 0);
	}
	ck_assert_int_eq(ct_record_set(&r, "k0", "replaced"), 0);
	ck_assert_int_eq(ct_record_set(&r, "one-more", "v"), -1);
	ck_assert_ptr_nonnull(strstr(err_get(), "full"));
	ck_assert_int_eq(r.nfields, CT_MAX_FIELDS);
	ck_assert_str_eq(ct_record_get(&r, "k0"), "replaced");
}
END_TEST

START_TEST(test_record_format_truncates)
{
	struct ct_record r;
	char buf[8];

	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(ct_record_set(&r, "helper", "ftp"), 0);
	ck_assert_int_eq(ct_record_set(&r, "dport", "21"), 0);
	memset(buf, 'x', sizeof(buf));
	ct_record_format(&r, buf, sizeof(buf));
	ck_assert_str_eq(buf, "helper=");
	memset(&r, 0, sizeof(r));
	ct_record_format(&r, buf, sizeof(buf));
	ck_assert_str_eq(buf, "");
}
END_TEST

START_TEST(test_list)
{
	struct ct_list l = { 0, 0, NULL };
	struct ct_record r;
	int i;

	memset(&r, 0, sizeof(r));
	for (i = 0; i < 40; i++) {
		char v[8];

		snprintf(v, sizeof(v), "%d", i);
		ck_assert_int_eq(ct_record_set(&r, "id", v), 0);
		ct_list_add(&l, &r);
	}
	ck_assert_uint_eq(l.n, 40);
	ck_assert_str_eq(ct_record_get(&l.v[0], "id"), "0");
	ck_assert_str_eq(ct_record_get(&l.v[39], "id"), "39");
	ct_list_clear(&l);
	ck_assert_uint_eq(l.n, 0);
	ct_list_add(&l, &r);
	ck_assert_uint_eq(l.n, 1);
	ct_list_free(&l);
	ck_assert_ptr_null(l.v);
	ck_assert_uint_eq(l.n + l.cap, 0);
}
END_TEST

/* ---- names ----------------------------------------------------------- */

static const struct name_row {
	const char *text;
	int kind, source; /* -1: not one */
} name_rows[] = {
	{ "ct", CT_KIND_CONNTRACK, -1 },
	{ "conntrack", CT_KIND_CONNTRACK, -1 },
	{ "expect", CT_KIND_EXPECT, -1 },
	{ "expectation", CT_KIND_EXPECT, -1 },
	{ "kernel", -1, CT_SRC_KERNEL },
	{ "internal", -1, CT_SRC_INTERNAL },
	{ "external", -1, CT_SRC_EXTERNAL },
	{ "CT", -1, -1 },
	{ "exp", -1, -1 },
	{ "", -1, -1 },
	{ "Internal", -1, -1 },
	{ "kernel ", -1, -1 },
};

START_TEST(test_name_rows)
{
	const struct name_row *row = &name_rows[_i];

	ck_assert_msg(ct_kind_parse(row->text) == row->kind, "kind of '%s'", row->text);
	ck_assert_msg(ct_source_parse(row->text) == row->source, "source of '%s'", row->text);
}
END_TEST

START_TEST(test_names_round_trip)
{
	ck_assert_str_eq(ct_kind_name(CT_KIND_CONNTRACK), "ct");
	ck_assert_str_eq(ct_kind_name(CT_KIND_EXPECT), "expect");
	ck_assert_int_eq(ct_kind_parse(ct_kind_name(CT_KIND_EXPECT)), CT_KIND_EXPECT);
	ck_assert_str_eq(ct_source_name(CT_SRC_KERNEL), "kernel");
	ck_assert_str_eq(ct_source_name(CT_SRC_INTERNAL), "internal");
	ck_assert_str_eq(ct_source_name(CT_SRC_EXTERNAL), "external");
	ck_assert_int_eq(ct_source_parse(ct_source_name(CT_SRC_EXTERNAL)), CT_SRC_EXTERNAL);
}
END_TEST

/* ---- conntrackd text ------------------------------------------------- */

#define MASK4 "mask-src=255.255.255.255 mask-dst=255.255.255.255 sport=0 dport=65535"
#define MASK6                                                                              \
	"mask-src=ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "                                \
	"mask-dst=ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff sport=0 dport=65535"
#define RMASK4 "mask-src=255.255.255.255 mask-dst=255.255.255.255 mask-sport=0 mask-dport=65535"
#define RMASK6                                                                             \
	"mask-src=ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "                                \
	"mask-dst=ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff mask-sport=0 mask-dport=65535"

static const struct line_row {
	const char *origin; /* where the line was captured, or what is wrong */
	enum ct_kind kind;
	const char *line;
	int rc;
	const char *want; /* rc 1: the record formatted; rc -1: in the error */
} line_rows[] = {
	/* Real output: fw-a is the node with the ftp server (DNAT 2121 -> 21). */
	{ "fw-a -i ct: ftp control, helper, no NAT", CT_KIND_CONNTRACK,
	  "tcp      6 ESTABLISHED src=203.0.113.2 dst=203.0.113.1 sport=42704 dport=21 "
	  "src=203.0.113.1 dst=203.0.113.2 sport=21 dport=42704 [ASSURED] helper=ftp "
	  "[active since 7s]",
	  1,
	  "family=ipv4 proto=tcp src=203.0.113.2 dst=203.0.113.1 sport=42704 dport=21 "
	  "reply-src=203.0.113.1 reply-dst=203.0.113.2 reply-sport=21 reply-dport=42704 "
	  "state=ESTABLISHED status=SEEN_REPLY,ASSURED helper=ftp nat=none" },
	{ "fw-a -i ct: ftp control DNATed 2121 -> 21", CT_KIND_CONNTRACK,
	  "tcp      6 ESTABLISHED src=203.0.113.2 dst=203.0.113.1 sport=35906 dport=2121 "
	  "src=203.0.113.1 dst=203.0.113.2 sport=21 dport=35906 [ASSURED] helper=ftp "
	  "[active since 6s]",
	  1,
	  "family=ipv4 proto=tcp src=203.0.113.2 dst=203.0.113.1 sport=35906 dport=2121 "
	  "reply-src=203.0.113.1 reply-dst=203.0.113.2 reply-sport=21 reply-dport=35906 "
	  "state=ESTABLISHED status=SEEN_REPLY,ASSURED helper=ftp nat=dnat" },
	{ "fw-a -i ct: SNAT to 203.0.113.1:50012 (conntrack -I)", CT_KIND_CONNTRACK,
	  "tcp      6 ESTABLISHED src=203.0.113.2 dst=203.0.113.1 sport=40012 dport=443 "
	  "src=203.0.113.1 dst=203.0.113.1 sport=443 dport=50012 [ASSURED] mark=0 "
	  "[active since 1s]",
	  1,
	  "family=ipv4 proto=tcp src=203.0.113.2 dst=203.0.113.1 sport=40012 dport=443 "
	  "reply-src=203.0.113.1 reply-dst=203.0.113.1 reply-sport=443 reply-dport=50012 "
	  "state=ESTABLISHED status=SEEN_REPLY,ASSURED mark=0 nat=snat" },
	{ "fw-a -i ct: udp, unreplied, mark", CT_KIND_CONNTRACK,
	  "udp      17 src=203.0.113.2 dst=203.0.113.1 sport=5353 dport=53 [UNREPLIED] "
	  "src=203.0.113.1 dst=203.0.113.2 sport=53 dport=5353 mark=7 [active since 1s]",
	  1,
	  "family=ipv4 proto=udp src=203.0.113.2 dst=203.0.113.1 sport=5353 dport=53 "
	  "reply-src=203.0.113.1 reply-dst=203.0.113.2 reply-sport=53 reply-dport=5353 "
	  "mark=7 nat=none" },
	{ "fw-a -i ct: icmp echo", CT_KIND_CONNTRACK,
	  "icmp     1 src=203.0.113.2 dst=203.0.113.1 type=8 code=0 id=77 [UNREPLIED] "
	  "src=203.0.113.1 dst=203.0.113.2 type=0 code=0 id=77 mark=0 [active since 1s]",
	  1,
	  "family=ipv4 proto=icmp src=203.0.113.2 dst=203.0.113.1 reply-src=203.0.113.1 "
	  "reply-dst=203.0.113.2 mark=0 nat=none" },
	{ "fw-a -i ct: ipv6, zone 3, SYN_SENT", CT_KIND_CONNTRACK,
	  "tcp      6 SYN_SENT src=2001:db8::2 dst=2001:db8::1 sport=40013 dport=22 [UNREPLIED] "
	  "src=2001:db8::1 dst=2001:db8::2 sport=22 dport=40013 mark=0 zone=3 [active since 1s]",
	  1,
	  "family=ipv6 proto=tcp src=2001:db8::2 dst=2001:db8::1 sport=40013 dport=22 "
	  "reply-src=2001:db8::1 reply-dst=2001:db8::2 reply-sport=22 reply-dport=40013 "
	  "state=SYN_SENT mark=0 zone=3 nat=none" },
	{ "fw-a -e ct: from fw-b, whose kernel has no helper on it", CT_KIND_CONNTRACK,
	  "tcp      6 ESTABLISHED src=203.0.113.2 dst=203.0.113.1 sport=35906 dport=2121 "
	  "[ASSURED] [active since 6s]",
	  1,
	  "family=ipv4 proto=tcp src=203.0.113.2 dst=203.0.113.1 sport=35906 dport=2121 "
	  "state=ESTABLISHED status=SEEN_REPLY,ASSURED" },
	{ "fw-b -e ct: from fw-a, NATed there (external shows no reply tuple)",
	  CT_KIND_CONNTRACK,
	  "tcp      6 ESTABLISHED src=203.0.113.2 dst=203.0.113.1 sport=35906 dport=2121 "
	  "[ASSURED] helper=ftp [active since 6s]",
	  1,
	  "family=ipv4 proto=tcp src=203.0.113.2 dst=203.0.113.1 sport=35906 dport=2121 "
	  "state=ESTABLISHED status=SEEN_REPLY,ASSURED helper=ftp" },
	{ "fw-b -e ct: closing", CT_KIND_CONNTRACK,
	  "tcp      6 LAST_ACK src=203.0.113.2 dst=203.0.113.1 sport=38870 dport=21 [ASSURED] "
	  "helper=ftp [active since 297s]",
	  1,
	  "family=ipv4 proto=tcp src=203.0.113.2 dst=203.0.113.1 sport=38870 dport=21 "
	  "state=LAST_ACK status=SEEN_REPLY,ASSURED helper=ftp" },
	{ "fw-b -e ct: icmpv6", CT_KIND_CONNTRACK,
	  "icmpv6   58 src=2001:db8::2 dst=2001:db8::1 type=128 code=0 id=99 [UNREPLIED] mark=0 "
	  "[active since 1s]",
	  1, "family=ipv6 proto=icmpv6 src=2001:db8::2 dst=2001:db8::1 mark=0" },
	{ "fw-b -i ct: same conn in fw-b's kernel (no NAT there)", CT_KIND_CONNTRACK,
	  "tcp      6 ESTABLISHED src=203.0.113.2 dst=203.0.113.1 sport=35906 dport=2121 "
	  "src=203.0.113.1 dst=203.0.113.2 sport=2121 dport=35906 [ASSURED] [active since 6s]",
	  1,
	  "family=ipv4 proto=tcp src=203.0.113.2 dst=203.0.113.1 sport=35906 dport=2121 "
	  "reply-src=203.0.113.1 reply-dst=203.0.113.2 reply-sport=2121 reply-dport=35906 "
	  "state=ESTABLISHED status=SEEN_REPLY,ASSURED nat=none" },
	{ "fw-b -i ct after -c: committed DNAT conn", CT_KIND_CONNTRACK,
	  "tcp      6 TIME_WAIT src=203.0.113.2 dst=203.0.113.1 sport=47864 dport=2121 "
	  "src=203.0.113.1 dst=203.0.113.2 sport=21 dport=47864 [ASSURED] mark=0 helper=ftp "
	  "[active since 1s]",
	  1,
	  "family=ipv4 proto=tcp src=203.0.113.2 dst=203.0.113.1 sport=47864 dport=2121 "
	  "reply-src=203.0.113.1 reply-dst=203.0.113.2 reply-sport=21 reply-dport=47864 "
	  "state=TIME_WAIT status=SEEN_REPLY,ASSURED helper=ftp mark=0 nat=dnat" },
	{ "fw-a -i expect: PASV", CT_KIND_EXPECT,
	  "proto=6 src=203.0.113.2 dst=203.0.113.1 sport=0 dport=51211 " MASK4
	  " master-src=203.0.113.2 master-dst=203.0.113.1 sport=42704 dport=21 class=0 "
	  "helper=ftp [active since 6s]",
	  1,
	  "family=ipv4 proto=tcp src=203.0.113.2 dst=203.0.113.1 sport=0 dport=51211 " RMASK4
	  " master-src=203.0.113.2 master-dst=203.0.113.1 master-sport=42704 master-dport=21 "
	  "helper=ftp class=0" },
	{ "fw-a -i expect: PORT (server to client)", CT_KIND_EXPECT,
	  "proto=6 src=203.0.113.1 dst=203.0.113.2 sport=0 dport=51211 " MASK4
	  " master-src=203.0.113.2 master-dst=203.0.113.1 sport=42712 dport=21 class=0 "
	  "helper=ftp [active since 6s]",
	  1,
	  "family=ipv4 proto=tcp src=203.0.113.1 dst=203.0.113.2 sport=0 dport=51211 " RMASK4
	  " master-src=203.0.113.2 master-dst=203.0.113.1 master-sport=42712 master-dport=21 "
	  "helper=ftp class=0" },
	{ "fw-a -i expect: on the DNATed master (kernel has NAT, text does not)",
	  CT_KIND_EXPECT,
	  "proto=6 src=203.0.113.2 dst=203.0.113.1 sport=0 dport=51212 " MASK4
	  " master-src=203.0.113.2 master-dst=203.0.113.1 sport=35906 dport=2121 class=0 "
	  "helper=ftp [active since 6s]",
	  1,
	  "family=ipv4 proto=tcp src=203.0.113.2 dst=203.0.113.1 sport=0 dport=51212 " RMASK4
	  " master-src=203.0.113.2 master-dst=203.0.113.1 master-sport=35906 "
	  "master-dport=2121 helper=ftp class=0" },
	{ "fw-a -e expect: EPSV over ipv6", CT_KIND_EXPECT,
	  "proto=6 src=2001:db8::2 dst=2001:db8::1 sport=0 dport=51301 " MASK6
	  " master-src=2001:db8::2 master-dst=2001:db8::1 sport=46660 dport=21 class=0 "
	  "helper=ftp [active since 6s]",
	  1,
	  "family=ipv6 proto=tcp src=2001:db8::2 dst=2001:db8::1 sport=0 dport=51301 " RMASK6
	  " master-src=2001:db8::2 master-dst=2001:db8::1 master-sport=46660 master-dport=21 "
	  "helper=ftp class=0" },
	{ "fw-a -i expect: flags (made over ctnetlink)", CT_KIND_EXPECT,
	  "proto=6 src=203.0.113.2 dst=203.0.113.1 sport=0 dport=51299 " MASK4
	  " master-src=203.0.113.2 master-dst=203.0.113.1 sport=42704 dport=21 "
	  "PERMANENT,INACTIVE class=0 helper=ftp [active since 1s]",
	  1,
	  "family=ipv4 proto=tcp src=203.0.113.2 dst=203.0.113.1 sport=0 dport=51299 " RMASK4
	  " master-src=203.0.113.2 master-dst=203.0.113.1 master-sport=42704 master-dport=21 "
	  "helper=ftp class=0 flags=PERMANENT,INACTIVE" },
	{ "fw-b -e expect: one flag", CT_KIND_EXPECT,
	  "proto=6 src=203.0.113.2 dst=203.0.113.1 sport=0 dport=51298 " MASK4
	  " master-src=203.0.113.2 master-dst=203.0.113.1 sport=42712 dport=21 PERMANENT "
	  "class=0 helper=ftp [active since 1s]",
	  1,
	  "family=ipv4 proto=tcp src=203.0.113.2 dst=203.0.113.1 sport=0 dport=51298 " RMASK4
	  " master-src=203.0.113.2 master-dst=203.0.113.1 master-sport=42712 master-dport=21 "
	  "helper=ftp class=0 flags=PERMANENT" },
	{ "conntrack -L expect (kernel, with timeout)", CT_KIND_EXPECT,
	  "299 proto=6 src=203.0.113.2 dst=203.0.113.1 sport=0 dport=51211 " MASK4
	  " master-src=203.0.113.2 master-dst=203.0.113.1 sport=42704 dport=21 class=0 "
	  "helper=ftp",
	  1,
	  "family=ipv4 proto=tcp src=203.0.113.2 dst=203.0.113.1 sport=0 dport=51211 " RMASK4
	  " master-src=203.0.113.2 master-dst=203.0.113.1 master-sport=42704 master-dport=21 "
	  "helper=ftp class=0 timeout=299" },

	/* Not records. */
	{ "blank", CT_KIND_CONNTRACK, "", 0, NULL },
	{ "spaces", CT_KIND_EXPECT, "   \t ", 0, NULL },
	{ "summary (ct)", CT_KIND_CONNTRACK,
	  "conntrack v1.4.7 (conntrack-tools): 6 flow entries have been shown.", 0, NULL },
	{ "summary (expect)", CT_KIND_EXPECT,
	  "conntrack v1.4.7 (conntrack-tools): 1 expectations have been shown.", 0, NULL },

	/* Malformed. */
	{ "bad address", CT_KIND_CONNTRACK,
	  "tcp      6 ESTABLISHED src=203.0.113.256 dst=203.0.113.1 sport=1 dport=2 [ASSURED]",
	  -1, "bad address src=203.0.113.256" },
	{ "src without dst", CT_KIND_CONNTRACK,
	  "tcp      6 ESTABLISHED src=203.0.113.2 sport=1 dport=2 [ASSURED]", -1, "without dst=" },
	{ "third tuple", CT_KIND_CONNTRACK,
	  "udp      17 src=203.0.113.2 dst=203.0.113.1 sport=1 dport=2 src=203.0.113.1 "
	  "dst=203.0.113.2 sport=2 dport=1 src=203.0.113.9 dst=203.0.113.8",
	  -1, "unknown key 'src=203.0.113.9'" },
	{ "port out of range", CT_KIND_CONNTRACK,
	  "udp      17 src=203.0.113.2 dst=203.0.113.1 sport=70000 dport=2", -1,
	  "bad port sport=70000" },
	{ "port twice", CT_KIND_CONNTRACK,
	  "udp      17 src=203.0.113.2 dst=203.0.113.1 sport=1 sport=2 dport=2", -1,
	  "second sport=2" },
	{ "unknown bracket", CT_KIND_CONNTRACK,
	  "udp      17 src=203.0.113.2 dst=203.0.113.1 sport=1 dport=2 [BOGUS]", -1,
	  "unknown [BOGUS]" },
	{ "unterminated bracket", CT_KIND_CONNTRACK,
	  "udp      17 src=203.0.113.2 dst=203.0.113.1 sport=1 dport=2 [active since 3s", -1,
	  "unterminated" },
	{ "unknown state", CT_KIND_CONNTRACK,
	  "tcp      6 NOT_A_STATE src=203.0.113.2 dst=203.0.113.1 sport=1 dport=2", -1,
	  "unknown state 'NOT_A_STATE'" },
	{ "mixed families", CT_KIND_CONNTRACK,
	  "tcp      6 ESTABLISHED src=203.0.113.2 dst=2001:db8::1 sport=1 dport=2", -1,
	  "mixed address families" },
	{ "name and number disagree", CT_KIND_CONNTRACK,
	  "udp      6 src=203.0.113.2 dst=203.0.113.1 sport=1 dport=2", -1, "does not match" },
	{ "unknown key", CT_KIND_CONNTRACK,
	  "udp      17 src=203.0.113.2 dst=203.0.113.1 sport=1 dport=2 foo=1", -1,
	  "unknown key 'foo=1'" },
	{ "mark not a number", CT_KIND_CONNTRACK,
	  "udp      17 src=203.0.113.2 dst=203.0.113.1 sport=1 dport=2 mark=x", -1,
	  "mark=x: not a number" },
	{ "ports on icmp", CT_KIND_CONNTRACK,
	  "icmp     1 src=203.0.113.2 dst=203.0.113.1 sport=1 dport=2", -1, "icmp has no ports" },
	{ "stray word", CT_KIND_CONNTRACK,
	  "udp      17 src=203.0.113.2 dst=203.0.113.1 sport=1 dport=2 garbage", -1,
	  "unexpected word 'garbage'" },
	{ "no tuple", CT_KIND_CONNTRACK, "tcp      6 ESTABLISHED [ASSURED]", -1,
	  "without its src= tuple" },
	{ "expectation read as a conntrack", CT_KIND_CONNTRACK,
	  "proto=6 src=203.0.113.2 dst=203.0.113.1 sport=0 dport=51211 " MASK4
	  " master-src=203.0.113.2 master-dst=203.0.113.1 sport=42704 dport=21 class=0",
	  -1, "does not start like one" },
	{ "conntrack read as an expectation", CT_KIND_EXPECT,
	  "tcp      6 ESTABLISHED src=203.0.113.2 dst=203.0.113.1 sport=1 dport=21 [ASSURED]", -1,
	  "does not start like one" },
	{ "expectation without master", CT_KIND_EXPECT,
	  "proto=6 src=203.0.113.2 dst=203.0.113.1 sport=0 dport=51211 " MASK4 " class=0", -1,
	  "without its master-src= tuple" },
	{ "unknown expectation flag", CT_KIND_EXPECT,
	  "proto=6 src=203.0.113.2 dst=203.0.113.1 sport=0 dport=51211 " MASK4
	  " master-src=203.0.113.2 master-dst=203.0.113.1 sport=42704 dport=21 BOGUS class=0",
	  -1, "unknown expectation flag 'BOGUS'" },
	{ "expectation proto not a number", CT_KIND_EXPECT,
	  "proto=tcp src=203.0.113.2 dst=203.0.113.1 sport=0 dport=51211", -1, "bad proto=tcp" },
};

START_TEST(test_line_rows)
{
	const struct line_row *row = &line_rows[_i];
	struct ct_record r;
	char buf[2048];
	int rc;

	err_clear();
	rc = ct_parse_conntrackd_line(row->line, row->kind, &r);
	ck_assert_msg(rc == row->rc, "%s: rc %d, want %d (%s)", row->origin, rc, row->rc,
		      err_get());
	switch (rc) {
	case 1:
		ck_assert_int_eq(r.kind, row->kind);
		ct_record_format(&r, buf, sizeof(buf));
		ck_assert_msg(strcmp(buf, row->want) == 0, "%s:\n got  %s\n want %s", row->origin,
			      buf, row->want);
		break;
	case 0:
		ck_assert_int_eq(r.nfields, 0);
		break;
	default:
		ck_assert_msg(strstr(err_get(), row->want), "%s: error '%s' lacks '%s'",
			      row->origin, err_get(), row->want);
		ck_assert_msg(strstr(err_get(), "conntrackd"), "%s: no context in '%s'",
			      row->origin, err_get());
		break;
	}
}
END_TEST

/* Real `conntrackd -i ct` output, with a blank line and a summary added. */
static const char ct_output[] =
	"tcp      6 ESTABLISHED src=203.0.113.2 dst=203.0.113.1 sport=42704 dport=21 "
	"src=203.0.113.1 dst=203.0.113.2 sport=21 dport=42704 [ASSURED] helper=ftp "
	"[active since 7s]\n"
	"\n"
	"icmp     1 src=203.0.113.2 dst=203.0.113.1 type=8 code=0 id=77 [UNREPLIED] "
	"src=203.0.113.1 dst=203.0.113.2 type=0 code=0 id=77 mark=0 [active since 1s]\n"
	"conntrack v1.4.7 (conntrack-tools): 2 flow entries have been shown.\n"
	"udp      17 src=203.0.113.2 dst=203.0.113.1 sport=5353 dport=53 [UNREPLIED] "
	"src=203.0.113.1 dst=203.0.113.2 sport=53 dport=5353 mark=7 [active since 1s]";

START_TEST(test_output)
{
	struct ct_list l = { 0, 0, NULL };
	struct ct_record keep;

	memset(&keep, 0, sizeof(keep));
	ck_assert_int_eq(ct_record_set(&keep, "id", "already there"), 0);
	ct_list_add(&l, &keep);
	ck_assert_int_eq(ct_parse_conntrackd_output(ct_output, CT_KIND_CONNTRACK, &l), 3);
	ck_assert_uint_eq(l.n, 4);
	ck_assert_str_eq(ct_record_get(&l.v[0], "id"), "already there");
	ck_assert_str_eq(ct_record_get(&l.v[1], "helper"), "ftp");
	ck_assert_str_eq(ct_record_get(&l.v[2], "proto"), "icmp");
	ck_assert_str_eq(ct_record_get(&l.v[3], "mark"), "7");
	ck_assert_int_eq(ct_parse_conntrackd_output("", CT_KIND_EXPECT, &l), 0);
	ck_assert_int_eq(ct_parse_conntrackd_output("\n\n", CT_KIND_EXPECT, &l), 0);
	ck_assert_uint_eq(l.n, 4);
	ct_list_free(&l);
}
END_TEST

START_TEST(test_output_error_rolls_back)
{
	struct ct_list l = { 0, 0, NULL };

	err_clear();
	ck_assert_int_eq(ct_parse_conntrackd_output("udp      17 src=203.0.113.2 dst=203.0.113.1 "
						    "sport=1 dport=2\n\nudp 17 src=x dst=y\n",
						    CT_KIND_CONNTRACK, &l),
			 -1);
	ck_assert_uint_eq(l.n, 0);
	ck_assert_msg(strstr(err_get(), "line 3: ") && strstr(err_get(), "bad address src=x"),
		      "error '%s'", err_get());
	ct_list_free(&l);
}
END_TEST

START_TEST(test_dump_bad_namespace)
{
	struct ct_list l = { 0, 0, NULL };

	err_clear();
	ck_assert_int_eq(ct_dump_kernel(-1, CT_KIND_CONNTRACK, &l), -1);
	ck_assert_msg(strstr(err_get(), "dump ct table") && strstr(err_get(), "setns"),
		      "error '%s'", err_get());
	ck_assert_uint_eq(l.n, 0);
	ct_list_free(&l);
}
END_TEST

/* ---- live: a scratch namespace's kernel tables (root only) ----------- */

static char live_ns[64];
static int live_ns_made;

/* Unchecked fixture: runs in the parent, so teardown runs even when a test fails. */
static void live_setup(void)
{
	snprintf(live_ns, sizeof(live_ns), "ftfwtest-ct-%d", (int)getpid());
	live_ns_made = netns_add(live_ns) == 0;
	if (!live_ns_made)
		fprintf(stderr, "live setup: %s\n", err_get());
}

static void live_teardown(void)
{
	if (live_ns_made && netns_del(live_ns) < 0)
		fprintf(stderr, "live teardown: %s\n", err_get());
	live_ns_made = 0;
}

static struct nf_conntrack *tuple4(const char *src, const char *dst, uint16_t sport,
				   uint16_t dport)
{
	struct nf_conntrack *ct = nfct_new();

	ck_assert_ptr_nonnull(ct);
	nfct_set_attr_u8(ct, ATTR_L3PROTO, AF_INET);
	nfct_set_attr_u32(ct, ATTR_IPV4_SRC, inet_addr(src));
	nfct_set_attr_u32(ct, ATTR_IPV4_DST, inet_addr(dst));
	nfct_set_attr_u8(ct, ATTR_L4PROTO, IPPROTO_TCP);
	nfct_set_attr_u16(ct, ATTR_PORT_SRC, htons(sport));
	nfct_set_attr_u16(ct, ATTR_PORT_DST, htons(dport));
	return ct;
}

/*
 * An established tcp conntrack with the ftp helper, made the way conntrackd
 * commits one: reply tuple the inverse of the original, NAT as attributes
 * (dnat_port != 0); the kernel then translates the reply tuple and sets
 * DST_NAT. (Given an already translated reply, it sets no NAT bit.)
 */
static int inject_ct(struct nfct_handle *h, uint16_t sport, uint16_t dport, uint16_t dnat_port)
{
	struct nf_conntrack *ct = tuple4("203.0.113.2", "203.0.113.1", sport, dport);
	int rc;

	nfct_set_attr_u8(ct, ATTR_REPL_L3PROTO, AF_INET);
	nfct_set_attr_u32(ct, ATTR_REPL_IPV4_SRC, inet_addr("203.0.113.1"));
	nfct_set_attr_u32(ct, ATTR_REPL_IPV4_DST, inet_addr("203.0.113.2"));
	nfct_set_attr_u8(ct, ATTR_REPL_L4PROTO, IPPROTO_TCP);
	nfct_set_attr_u16(ct, ATTR_REPL_PORT_SRC, htons(dport));
	nfct_set_attr_u16(ct, ATTR_REPL_PORT_DST, htons(sport));
	nfct_set_attr_u8(ct, ATTR_TCP_STATE, TCP_CONNTRACK_ESTABLISHED);
	nfct_set_attr_u32(ct, ATTR_STATUS, IPS_SEEN_REPLY | IPS_ASSURED);
	nfct_set_attr_u32(ct, ATTR_TIMEOUT, 120);
	nfct_set_attr(ct, ATTR_HELPER_NAME, "ftp");
	if (dnat_port) {
		nfct_set_attr_u32(ct, ATTR_DNAT_IPV4, inet_addr("203.0.113.1"));
		nfct_set_attr_u16(ct, ATTR_DNAT_PORT, htons(dnat_port));
	}
	rc = nfct_query(h, NFCT_Q_CREATE, ct);
	nfct_destroy(ct);
	return rc < 0 ? err_sys("create conntrack %u -> %u", sport, dport) : 0;
}

static int inject_exp(struct nfct_handle *h, uint16_t master_sport, uint16_t port)
{
	struct nf_conntrack *master = tuple4("203.0.113.2", "203.0.113.1", master_sport, 21);
	struct nf_conntrack *expected = tuple4("203.0.113.2", "203.0.113.1", 0, port);
	struct nf_conntrack *mask = tuple4("255.255.255.255", "255.255.255.255", 0, 0xffff);
	struct nf_expect *exp = nfexp_new();
	int rc;

	nfexp_set_attr(exp, ATTR_EXP_MASTER, master);
	nfexp_set_attr(exp, ATTR_EXP_EXPECTED, expected);
	nfexp_set_attr(exp, ATTR_EXP_MASK, mask);
	nfexp_set_attr_u32(exp, ATTR_EXP_TIMEOUT, 120);
	nfexp_set_attr_u32(exp, ATTR_EXP_FLAGS, NF_CT_EXPECT_PERMANENT);
	rc = nfexp_query(h, NFCT_Q_CREATE, exp);
	nfexp_destroy(exp);
	nfct_destroy(master);
	nfct_destroy(expected);
	nfct_destroy(mask);
	return rc < 0 ? err_sys("create expectation for port %u", port) : 0;
}

static int inject_all(void *arg)
{
	struct nfct_handle *h = nfct_open(CONNTRACK, 0), *he = nfct_open(EXPECT, 0);
	int rc = -1;

	(void)arg;
	if (!h || !he) {
		err_sys("nfct_open");
		goto out_close;
	}
	if (inject_ct(h, 40100, 21, 0) < 0 || inject_ct(h, 40101, 2121, 21) < 0 ||
	    inject_exp(he, 40100, 50100) < 0)
		goto out_close;
	rc = 0;
out_close:
	if (h)
		nfct_close(h);
	if (he)
		nfct_close(he);
	return rc;
}

static const struct ct_record *find(const struct ct_list *l, const char *key, const char *val)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		const char *v = ct_record_get(&l->v[i], key);

		if (v && strcmp(v, val) == 0)
			return &l->v[i];
	}
	return NULL;
}

/* Expected fields of the dumped records, by the record's distinguishing key. */
static const struct live_row {
	enum ct_kind kind;
	const char *by_key, *by_val, *key, *val;
} live_rows[] = {
	{ CT_KIND_CONNTRACK, "sport", "40100", "family", "ipv4" },
	{ CT_KIND_CONNTRACK, "sport", "40100", "proto", "tcp" },
	{ CT_KIND_CONNTRACK, "sport", "40100", "src", "203.0.113.2" },
	{ CT_KIND_CONNTRACK, "sport", "40100", "dst", "203.0.113.1" },
	{ CT_KIND_CONNTRACK, "sport", "40100", "dport", "21" },
	{ CT_KIND_CONNTRACK, "sport", "40100", "reply-src", "203.0.113.1" },
	{ CT_KIND_CONNTRACK, "sport", "40100", "reply-dport", "40100" },
	{ CT_KIND_CONNTRACK, "sport", "40100", "state", "ESTABLISHED" },
	{ CT_KIND_CONNTRACK, "sport", "40100", "helper", "ftp" },
	{ CT_KIND_CONNTRACK, "sport", "40100", "nat", "none" },
	{ CT_KIND_CONNTRACK, "sport", "40101", "dport", "2121" },
	{ CT_KIND_CONNTRACK, "sport", "40101", "reply-sport", "21" },
	{ CT_KIND_CONNTRACK, "sport", "40101", "nat", "dnat" },
	{ CT_KIND_CONNTRACK, "sport", "40101", "helper", "ftp" },
	{ CT_KIND_EXPECT, "dport", "50100", "family", "ipv4" },
	{ CT_KIND_EXPECT, "dport", "50100", "proto", "tcp" },
	{ CT_KIND_EXPECT, "dport", "50100", "src", "203.0.113.2" },
	{ CT_KIND_EXPECT, "dport", "50100", "dst", "203.0.113.1" },
	{ CT_KIND_EXPECT, "dport", "50100", "mask-dport", "65535" },
	{ CT_KIND_EXPECT, "dport", "50100", "master-sport", "40100" },
	{ CT_KIND_EXPECT, "dport", "50100", "master-dport", "21" },
	{ CT_KIND_EXPECT, "dport", "50100", "helper", "ftp" },
	{ CT_KIND_EXPECT, "dport", "50100", "flags", "PERMANENT" },
};

static int list_has_item(const char *list, const char *item)
{
	char buf[CT_VAL_LEN], *save = NULL, *p;

	snprintf(buf, sizeof(buf), "%s", list);
	for (p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save))
		if (strcmp(p, item) == 0)
			return 1;
	return 0;
}

START_TEST(test_live_dump)
{
	struct ct_list l[2] = { { 0, 0, NULL }, { 0, 0, NULL } };
	const struct ct_record *r;
	const char *status;
	size_t i;
	int fd;

	if (geteuid() != 0) {
		tl_skip("not root");
		return;
	}
	ck_assert_msg(live_ns_made, "scratch namespace %s not made", live_ns);
	fd = netns_open(live_ns);
	ck_assert_msg(fd >= 0, "%s", err_get());
	ck_assert_msg(netns_call(fd, inject_all, NULL) == 0, "inject: %s", err_get());

	ck_assert_msg(ct_dump_kernel(fd, CT_KIND_CONNTRACK, &l[CT_KIND_CONNTRACK]) == 2,
		      "ct dump: %s", err_get());
	ck_assert_msg(ct_dump_kernel(fd, CT_KIND_EXPECT, &l[CT_KIND_EXPECT]) == 1,
		      "expect dump: %s", err_get());
	close(fd);

	for (i = 0; i < ARRAY_SIZE(live_rows); i++) {
		const struct live_row *row = &live_rows[i];
		const char *v;

		r = find(&l[row->kind], row->by_key, row->by_val);
		ck_assert_msg(r, "no %s record with %s=%s", ct_kind_name(row->kind), row->by_key,
			      row->by_val);
		ck_assert_int_eq(r->kind, row->kind);
		v = ct_record_get(r, row->key);
		ck_assert_msg(v && strcmp(v, row->val) == 0, "%s %s=%s: %s is %s, want %s",
			      ct_kind_name(row->kind), row->by_key, row->by_val, row->key,
			      v ? v : "(absent)", row->val);
	}
	r = find(&l[CT_KIND_CONNTRACK], "sport", "40100");
	status = ct_record_get(r, "status");
	ck_assert_ptr_nonnull(status);
	ck_assert_msg(list_has_item(status, "SEEN_REPLY") && list_has_item(status, "ASSURED") &&
			      list_has_item(status, "CONFIRMED") && list_has_item(status, "HELPER") &&
			      !list_has_item(status, "DST_NAT"),
		      "status %s", status);
	/* Its full status list overflows CT_VAL_LEN: the *_NAT_DONE bits give way. */
	r = find(&l[CT_KIND_CONNTRACK], "sport", "40101");
	status = ct_record_get(r, "status");
	ck_assert_msg(status && list_has_item(status, "DST_NAT") && list_has_item(status, "HELPER") &&
			      list_has_item(status, "SEEN_REPLY") && !strstr(status, "..."),
		      "status %s", status);
	ck_assert_ptr_nonnull(ct_record_get(r, "timeout"));
	ct_list_free(&l[0]);
	ct_list_free(&l[1]);
}
END_TEST

static Suite *ct_suite(void)
{
	Suite *s = suite_create("ct");
	TCase *tc = tcase_create("records");

	tcase_add_loop_test(tc, test_record_rows, 0, ARRAY_SIZE(record_rows));
	tcase_add_test(tc, test_record_full);
	tcase_add_test(tc, test_record_format_truncates);
	tcase_add_test(tc, test_list);
	tcase_add_loop_test(tc, test_name_rows, 0, ARRAY_SIZE(name_rows));
	tcase_add_test(tc, test_names_round_trip);
	suite_add_tcase(s, tc);

	tc = tcase_create("conntrackd-text");
	tcase_add_loop_test(tc, test_line_rows, 0, ARRAY_SIZE(line_rows));
	tcase_add_test(tc, test_output);
	tcase_add_test(tc, test_output_error_rolls_back);
	tcase_add_test(tc, test_dump_bad_namespace);
	suite_add_tcase(s, tc);

	if (geteuid() == 0) {
		tc = tcase_create("kernel-live");
		tcase_add_unchecked_fixture(tc, live_setup, live_teardown);
		tcase_set_timeout(tc, 20);
		tcase_add_test(tc, test_live_dump);
		suite_add_tcase(s, tc);
	} else {
		printf("SKIP: not root: tcase kernel-live (dump of a scratch namespace) left out\n");
	}
	return s;
}

int main(void)
{
	return tl_main(ct_suite());
}
