/*
 * test_ftp: ftp.c as tables, one row per case. Parse rows give the line,
 * the direction, and what must come out (kind, endpoint, span text) or the
 * error that must be set; format, rewrite and reply-code rows likewise.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ftp.h"
#include "testlib.h"

#define CLIENT 1
#define SERVER 0

struct parse_case {
	const char *line;
	size_t len;          /* 0: strlen(line) */
	int from_client;
	int rc;              /* 1 announce, 0 other line, -1 malformed */
	enum ftp_kind kind;
	int family;
	const char *addr;
	uint16_t port;
	const char *span;    /* the text of [start, end), found at its first occurrence */
	const char *err;     /* substring of err_get() when rc == -1 */
};

static const struct parse_case parse_cases[] = {
	/* PORT */
	{ "PORT 192,0,2,10,4,1\r\n", 0, CLIENT, 1, FTP_PORT, AF_INET, "192.0.2.10", 1025, "192,0,2,10,4,1", NULL },
	{ "port 10,0,0,1,0,21\r\n", 0, CLIENT, 1, FTP_PORT, AF_INET, "10.0.0.1", 21, "10,0,0,1,0,21", NULL },
	{ "Port 1,2,3,4,255,255", 0, CLIENT, 1, FTP_PORT, AF_INET, "1.2.3.4", 65535, "1,2,3,4,255,255", NULL },
	{ "PORT 001,002,003,004,000,080\r\n", 0, CLIENT, 1, FTP_PORT, AF_INET, "1.2.3.4", 80, "001,002,003,004,000,080", NULL },
	{ "PORT 172,16,254,1,1,2\n", 0, CLIENT, 1, FTP_PORT, AF_INET, "172.16.254.1", 258, "172,16,254,1,1,2", NULL },
	{ "PORT 0,0,0,0,0,0\r\n", 0, CLIENT, 1, FTP_PORT, AF_INET, "0.0.0.0", 0, "0,0,0,0,0,0", NULL },
	{ "PORT   10,1,1,1,200,10  \r\n", 0, CLIENT, 1, FTP_PORT, AF_INET, "10.1.1.1", 51210, "10,1,1,1,200,10", NULL },
	{ "PORT 10,0,0,1,0,21 trailing", 18, CLIENT, 1, FTP_PORT, AF_INET, "10.0.0.1", 21, "10,0,0,1,0,21", NULL },
	{ "PORT 192,0,2,256,4,1\r\n", 0, CLIENT, -1, 0, 0, NULL, 0, NULL, "octet 256 out of range" },
	{ "PORT 192,0,2,10,256,1\r\n", 0, CLIENT, -1, 0, 0, NULL, 0, NULL, "port byte 256 out of range" },
	{ "PORT 99999999999999999999,0,0,0,0,0\r\n", 0, CLIENT, -1, 0, 0, NULL, 0, NULL, "out of range" },
	{ "PORT 192,0,2,10,4\r\n", 0, CLIENT, -1, 0, 0, NULL, 0, NULL, "expected 6 numbers" },
	{ "PORT 192,0,2,10,4,\r\n", 0, CLIENT, -1, 0, 0, NULL, 0, NULL, "port byte expected" },
	{ "PORT 192,0,,10,4,1\r\n", 0, CLIENT, -1, 0, 0, NULL, 0, NULL, "octet expected" },
	{ "PORT 192,0,2,10,4,1,7\r\n", 0, CLIENT, -1, 0, 0, NULL, 0, NULL, "unexpected ','" },
	{ "PORT 192.0.2.10,4,1\r\n", 0, CLIENT, -1, 0, 0, NULL, 0, NULL, "expected 6 numbers" },
	{ "PORT 192,0,2,10,4,1 x\r\n", 0, CLIENT, -1, 0, 0, NULL, 0, NULL, "unexpected 'x'" },
	{ "PORT\r\n", 0, CLIENT, -1, 0, 0, NULL, 0, NULL, "PORT 'PORT': missing argument" },
	/* EPRT */
	{ "EPRT |1|192.0.2.10|1025|\r\n", 0, CLIENT, 1, FTP_EPRT, AF_INET, "192.0.2.10", 1025, "|1|192.0.2.10|1025|", NULL },
	{ "eprt |2|2001:DB8:0::1|65535|\r\n", 0, CLIENT, 1, FTP_EPRT, AF_INET6, "2001:db8::1", 65535, "|2|2001:DB8:0::1|65535|", NULL },
	{ "EPRT !2!::1!21!", 0, CLIENT, 1, FTP_EPRT, AF_INET6, "::1", 21, "!2!::1!21!", NULL },
	{ "EPRT ~1~10.0.0.1~0~\r\n", 0, CLIENT, 1, FTP_EPRT, AF_INET, "10.0.0.1", 0, "~1~10.0.0.1~0~", NULL },
	{ "EPRT |2|::ffff:192.0.2.1|2121|\r\n", 0, CLIENT, 1, FTP_EPRT, AF_INET6, "::ffff:192.0.2.1", 2121, "|2|::ffff:192.0.2.1|2121|", NULL },
	{ "EPRT |3|192.0.2.1|21|\r\n", 0, CLIENT, -1, 0, 0, NULL, 0, NULL, "unknown address family '3'" },
	{ "EPRT |1|2001:db8::1|21|\r\n", 0, CLIENT, -1, 0, 0, NULL, 0, NULL, "'2001:db8::1' is not an IPv4 address" },
	{ "EPRT |2|192.0.2.1|21|\r\n", 0, CLIENT, -1, 0, 0, NULL, 0, NULL, "'192.0.2.1' is not an IPv6 address" },
	{ "EPRT |1|192.0.2.256|21|\r\n", 0, CLIENT, -1, 0, 0, NULL, 0, NULL, "is not an IPv4 address" },
	{ "EPRT |1|192.0.2.1|65536|\r\n", 0, CLIENT, -1, 0, 0, NULL, 0, NULL, "port 65536 out of range" },
	{ "EPRT 1|1|192.0.2.1|21|\r\n", 0, CLIENT, -1, 0, 0, NULL, 0, NULL, "bad delimiter 0x31" },
	{ "EPRT \x7f" "1\x7f" "192.0.2.1\x7f" "21\x7f\r\n", 0, CLIENT, -1, 0, 0, NULL, 0, NULL, "bad delimiter 0x7f" },
	{ "EPRT |1!192.0.2.1|21|\r\n", 0, CLIENT, -1, 0, 0, NULL, 0, NULL, "expected '|'" },
	{ "EPRT |1|192.0.2.1|21\r\n", 0, CLIENT, -1, 0, 0, NULL, 0, NULL, "port not closed by '|'" },
	{ "EPRT |1|192.0.2.1||\r\n", 0, CLIENT, -1, 0, 0, NULL, 0, NULL, "port expected" },
	{ "EPRT |1|192.0.2.1\r\n", 0, CLIENT, -1, 0, 0, NULL, 0, NULL, "address not closed" },
	{ "EPRT |1|\r\n", 0, CLIENT, -1, 0, 0, NULL, 0, NULL, "address not closed" },
	/* 227 */
	{ "227 Entering Passive Mode (192,0,2,10,4,1).\r\n", 0, SERVER, 1, FTP_227, AF_INET, "192.0.2.10", 1025, "192,0,2,10,4,1", NULL },
	{ "227 Entering Passive Mode 10,20,30,40,200,10\r\n", 0, SERVER, 1, FTP_227, AF_INET, "10.20.30.40", 51210, "10,20,30,40,200,10", NULL },
	{ "227 =127,0,0,1,19,137", 0, SERVER, 1, FTP_227, AF_INET, "127.0.0.1", 5001, "127,0,0,1,19,137", NULL },
	{ "227 Entering Passive Mode (192,0,2,10,4,256)\r\n", 0, SERVER, -1, 0, 0, NULL, 0, NULL, "port byte 256 out of range" },
	{ "227 Entering Passive Mode (300,0,2,10,4,1)\r\n", 0, SERVER, -1, 0, 0, NULL, 0, NULL, "octet 300 out of range" },
	{ "227 Entering Passive Mode (192,0,2,10,4)\r\n", 0, SERVER, -1, 0, 0, NULL, 0, NULL, "expected 6 numbers" },
	{ "227 Entering Passive Mode (192,0,2,10,4,1,9)\r\n", 0, SERVER, -1, 0, 0, NULL, 0, NULL, "more than 6 numbers" },
	{ "227 Entering Passive Mode\r\n", 0, SERVER, -1, 0, 0, NULL, 0, NULL, "227 '227 Entering Passive Mode': no address" },
	/* 229 */
	{ "229 Entering Extended Passive Mode (|||6446|)\r\n", 0, SERVER, 1, FTP_229, AF_UNSPEC, "", 6446, "|||6446|", NULL },
	{ "229 Entering Extended Passive Mode (!!!21!)\r\n", 0, SERVER, 1, FTP_229, AF_UNSPEC, "", 21, "!!!21!", NULL },
	{ "229 EPSV ok (###65535#)", 0, SERVER, 1, FTP_229, AF_UNSPEC, "", 65535, "###65535#", NULL },
	{ "229 Extended (|||65536|)\r\n", 0, SERVER, -1, 0, 0, NULL, 0, NULL, "port 65536 out of range" },
	{ "229 Extended (||6446|)\r\n", 0, SERVER, -1, 0, 0, NULL, 0, NULL, "expected three '|'" },
	{ "229 Extended |||6446|\r\n", 0, SERVER, -1, 0, 0, NULL, 0, NULL, "no '('" },
	{ "229 Extended ( |||1|)\r\n", 0, SERVER, -1, 0, 0, NULL, 0, NULL, "bad delimiter 0x20" },
	{ "229 Extended (555)\r\n", 0, SERVER, -1, 0, 0, NULL, 0, NULL, "bad delimiter 0x35" },
	{ "229 Extended (|||6446!)\r\n", 0, SERVER, -1, 0, 0, NULL, 0, NULL, "port not closed by '|'" },
	/* other lines */
	{ "USER anonymous\r\n", 0, CLIENT, 0, 0, 0, NULL, 0, NULL, NULL },
	{ "RETR PORT 1,2,3,4,5,6\r\n", 0, CLIENT, 0, 0, 0, NULL, 0, NULL, NULL },
	{ "PORTS 1,2,3,4,5,6\r\n", 0, CLIENT, 0, 0, 0, NULL, 0, NULL, NULL },
	{ "227 Entering Passive Mode (1,2,3,4,5,6)\r\n", 0, CLIENT, 0, 0, 0, NULL, 0, NULL, NULL },
	{ "PORT 1,2,3,4,5,6\r\n", 0, SERVER, 0, 0, 0, NULL, 0, NULL, NULL },
	{ "EPRT |1|1.2.3.4|5|\r\n", 0, SERVER, 0, 0, 0, NULL, 0, NULL, NULL },
	{ "227-Entering Passive Mode (1,2,3,4,5,6)\r\n", 0, SERVER, 0, 0, 0, NULL, 0, NULL, NULL },
	{ "2270 (1,2,3,4,5,6)\r\n", 0, SERVER, 0, 0, 0, NULL, 0, NULL, NULL },
	{ "226 Transfer complete\r\n", 0, SERVER, 0, 0, 0, NULL, 0, NULL, NULL },
	{ "PORT 1,2,3,4,5,6\r\n", 3, CLIENT, 0, 0, 0, NULL, 0, NULL, NULL },
	{ "", 0, SERVER, 0, 0, 0, NULL, 0, NULL, NULL },
};

START_TEST(test_parse)
{
	const struct parse_case *t = &parse_cases[_i];
	size_t len = t->len ? t->len : strlen(t->line);
	struct ftp_announce a;
	int rc;

	memset(&a, 0xa5, sizeof(a));
	err_clear();
	rc = ftp_parse(t->line, len, t->from_client, &a);
	ck_assert_msg(rc == t->rc, "row %d '%s': rc %d, want %d (err '%s')", _i, t->line, rc,
		      t->rc, err_get());
	switch (rc) {
	case 1: {
		const char *at = strstr(t->line, t->span);

		ck_assert_ptr_nonnull(at);
		ck_assert_int_eq(a.kind, t->kind);
		ck_assert_int_eq(a.ep.family, t->family);
		ck_assert_str_eq(a.ep.addr, t->addr);
		ck_assert_uint_eq(a.ep.port, t->port);
		ck_assert_msg(a.start == (size_t)(at - t->line) && a.end == a.start + strlen(t->span),
			      "row %d: span [%zu,%zu) is '%.*s', want '%s'", _i, a.start, a.end,
			      (int)(a.end > a.start && a.end <= len ? a.end - a.start : 0),
			      t->line + (a.start < len ? a.start : 0), t->span);
		break;
	}
	case 0:
		ck_assert_str_eq(err_get(), "");
		break;
	default:
		ck_assert_msg(strstr(err_get(), t->err), "row %d: err '%s' lacks '%s'", _i,
			      err_get(), t->err);
		break;
	}
}
END_TEST

struct format_case {
	enum ftp_kind kind;
	int family;
	const char *addr;
	uint16_t port;
	size_t buflen;       /* 0: a large buffer */
	const char *want;    /* NULL: -1 expected */
	const char *err;
};

static const struct format_case format_cases[] = {
	{ FTP_PORT, AF_INET, "192.0.2.10", 1025, 0, "192,0,2,10,4,1", NULL },
	{ FTP_PORT, AF_INET, "1.2.3.4", 258, 0, "1,2,3,4,1,2", NULL },
	{ FTP_PORT, AF_INET, "255.255.255.255", 65535, 0, "255,255,255,255,255,255", NULL },
	{ FTP_PORT, AF_INET, "0.0.0.0", 0, 0, "0,0,0,0,0,0", NULL },
	{ FTP_227, AF_INET, "10.0.0.1", 21, 0, "10,0,0,1,0,21", NULL },
	{ FTP_PORT, AF_INET, "10.0.0.1", 21, 14, "10,0,0,1,0,21", NULL },
	{ FTP_PORT, AF_INET, "10.0.0.1", 21, 13, NULL, "PORT: string too long" },
	{ FTP_PORT, AF_INET6, "2001:db8::1", 21, 0, NULL, "PORT: needs an IPv4 endpoint" },
	{ FTP_227, AF_UNSPEC, "", 21, 0, NULL, "227: needs an IPv4 endpoint" },
	{ FTP_PORT, AF_INET, "300.1.1.1", 21, 0, NULL, "'300.1.1.1' is not an IPv4 address" },
	{ FTP_EPRT, AF_INET, "192.0.2.10", 1025, 0, "|1|192.0.2.10|1025|", NULL },
	{ FTP_EPRT, AF_INET6, "2001:DB8::0:1", 65535, 0, "|2|2001:db8::1|65535|", NULL },
	{ FTP_EPRT, AF_UNSPEC, "", 21, 0, NULL, "EPRT: needs an IPv4 or IPv6 endpoint" },
	{ FTP_EPRT, AF_INET6, "192.0.2.1", 21, 0, NULL, "is not an IPv6 address" },
	{ FTP_EPRT, AF_INET, "192.0.2.10", 1025, 19, NULL, "string too long" },
	{ FTP_229, AF_UNSPEC, "", 6446, 0, "|||6446|", NULL },
	{ FTP_229, AF_INET, "192.0.2.1", 21, 0, "|||21|", NULL },
	{ FTP_229, AF_INET6, "::1", 0, 0, "|||0|", NULL },
	{ FTP_229, 12345, "", 21, 0, NULL, "229: unknown family 12345" },
	{ (enum ftp_kind)99, AF_INET, "1.2.3.4", 21, 0, NULL, "unknown ftp kind 99" },
};

START_TEST(test_format)
{
	const struct format_case *t = &format_cases[_i];
	struct ftp_endpoint ep = { .family = t->family, .port = t->port };
	char buf[128];
	size_t buflen = t->buflen ? t->buflen : sizeof(buf);
	int rc;

	str_copy(ep.addr, t->addr, sizeof(ep.addr));
	err_clear();
	rc = ftp_format(t->kind, &ep, buf, buflen);
	if (t->want) {
		ck_assert_msg(rc >= 0, "row %d: err '%s'", _i, err_get());
		ck_assert_str_eq(buf, t->want);
		ck_assert_int_eq(rc, (int)strlen(t->want));
	} else {
		ck_assert_int_eq(rc, -1);
		ck_assert_msg(strstr(err_get(), t->err), "row %d: err '%s' lacks '%s'", _i,
			      err_get(), t->err);
	}
}
END_TEST

struct rewrite_case {
	const char *line;
	int from_client;
	int family;
	const char *addr;
	uint16_t port;
	int outlen;          /* 0: a large buffer; -1: the exact new length */
	int inplace;         /* rewrite the line in its own buffer */
	int rc;              /* 1: want holds the output; 0, -1 */
	const char *want;
	const char *err;
};

static const struct rewrite_case rewrite_cases[] = {
	{ "PORT 10,0,0,1,4,1\r\n", CLIENT, AF_INET, "192.168.100.200", 65535, 0, 0, 1,
	  "PORT 192,168,100,200,255,255\r\n", NULL },
	{ "PORT 192,168,100,200,255,255\r\n", CLIENT, AF_INET, "10.0.0.1", 1025, 0, 0, 1,
	  "PORT 10,0,0,1,4,1\r\n", NULL },
	{ "port  10,0,0,1,4,1 \r\nNOOP\r\n", CLIENT, AF_INET, "10.9.9.9", 21, 0, 0, 1,
	  "port  10,9,9,9,0,21 \r\nNOOP\r\n", NULL },
	{ "227 Entering Passive Mode (10,0,0,1,4,1).\r\n", SERVER, AF_INET, "203.0.113.77", 50000, 0, 0, 1,
	  "227 Entering Passive Mode (203,0,113,77,195,80).\r\n", NULL },
	{ "227 Entering Passive Mode 10,0,0,1,4,1\n", SERVER, AF_INET, "10.0.0.2", 1025, 0, 0, 1,
	  "227 Entering Passive Mode 10,0,0,2,4,1\n", NULL },
	{ "EPRT !1!10.0.0.1!21!\r\n", CLIENT, AF_INET6, "2001:db8::1", 21, 0, 0, 1,
	  "EPRT |2|2001:db8::1|21|\r\n", NULL },
	{ "EPRT |2|2001:db8::1|21|\r\n", CLIENT, AF_INET, "10.0.0.1", 65000, 0, 0, 1,
	  "EPRT |1|10.0.0.1|65000|\r\n", NULL },
	{ "229 Entering Extended Passive Mode (!!!21!)\r\n", SERVER, AF_UNSPEC, "", 2121, 0, 0, 1,
	  "229 Entering Extended Passive Mode (|||2121|)\r\n", NULL },
	{ "PORT 10,0,0,1,4,1\r\n", CLIENT, AF_INET, "192.168.100.200", 65535, -1, 0, 1,
	  "PORT 192,168,100,200,255,255\r\n", NULL },
	{ "PORT 10,0,0,1,4,1\r\n", CLIENT, AF_INET, "192.168.100.200", 65535, 0, 1, 1,
	  "PORT 192,168,100,200,255,255\r\n", NULL },
	{ "227 Entering Passive Mode (192,168,100,200,255,255).\r\n", SERVER, AF_INET, "1.1.1.1", 1, 0, 1, 1,
	  "227 Entering Passive Mode (1,1,1,1,0,1).\r\n", NULL },
	{ "PORT 10,0,0,1,4,1\r\n", CLIENT, AF_INET, "192.168.100.200", 65535, 29, 0, -1,
	  NULL, "PORT: rewritten line needs 30 bytes, room for 29" },
	{ "USER anonymous\r\n", CLIENT, AF_INET, "10.0.0.1", 21, 0, 0, 0, NULL, NULL },
	{ "227 Entering Passive Mode (1,2,3,4,5,6)\r\n", CLIENT, AF_INET, "10.0.0.1", 21, 0, 0, 0, NULL, NULL },
	{ "PORT 1,2,3,4,5,256\r\n", CLIENT, AF_INET, "10.0.0.1", 21, 0, 0, -1, NULL, "port byte 256" },
	{ "PORT 1,2,3,4,5,6\r\n", CLIENT, AF_INET6, "2001:db8::1", 21, 0, 0, -1, NULL,
	  "PORT: needs an IPv4 endpoint" },
};

START_TEST(test_rewrite)
{
	const struct rewrite_case *t = &rewrite_cases[_i];
	struct ftp_endpoint ep = { .family = t->family, .port = t->port };
	size_t len = strlen(t->line), outlen;
	char buf[256];
	const char *in = t->line;
	int rc;

	str_copy(ep.addr, t->addr, sizeof(ep.addr));
	memset(buf, '#', sizeof(buf));
	if (t->inplace) {
		memcpy(buf, t->line, len);
		in = buf;
	}
	outlen = t->outlen == 0 ? sizeof(buf) : t->outlen < 0 ? strlen(t->want) : (size_t)t->outlen;
	err_clear();
	rc = ftp_rewrite(in, len, t->from_client, &ep, buf, outlen);
	switch (t->rc) {
	case 1:
		ck_assert_msg(rc == (int)strlen(t->want), "row %d: rc %d, want %zu (err '%s')", _i,
			      rc, strlen(t->want), err_get());
		ck_assert_msg(memcmp(buf, t->want, (size_t)rc) == 0, "row %d: got '%.*s', want '%s'",
			      _i, rc, buf, t->want);
		/* Terminated when there is room, untouched past outlen otherwise. */
		ck_assert_int_eq(buf[rc], (size_t)rc < outlen ? '\0' : '#');
		break;
	case 0:
		ck_assert_int_eq(rc, 0);
		ck_assert_str_eq(err_get(), "");
		break;
	default:
		ck_assert_int_eq(rc, -1);
		ck_assert_msg(strstr(err_get(), t->err), "row %d: err '%s' lacks '%s'", _i,
			      err_get(), t->err);
		break;
	}
}
END_TEST

struct code_case {
	const char *line;
	size_t len;          /* 0: strlen(line) */
	int code;
	int last;
};

static const struct code_case code_cases[] = {
	{ "220 Service ready\r\n", 0, 220, 1 },
	{ "227 Entering Passive Mode (1,2,3,4,5,6)", 0, 227, 1 },
	{ "211-Features:\r\n", 0, 211, 0 },
	{ " EPSV\r\n", 0, -1, 0 },
	{ "211 End\r\n", 0, 211, 1 },
	{ "550", 0, 550, 1 },
	{ "550\r\n", 0, 550, 1 },
	{ "150 Opening", 3, 150, 1 },
	{ "100 x", 0, 100, 1 },
	{ "599-x", 0, 599, 0 },
	{ "600 Nope", 0, -1, 0 },
	{ "099 Nope", 0, -1, 0 },
	{ "22 short", 0, -1, 0 },
	{ "22", 0, -1, 0 },
	{ "2270 more digits", 0, -1, 0 },
	{ "2a0 letters", 0, -1, 0 },
	{ "abc def", 0, -1, 0 },
	{ "", 0, -1, 0 },
};

START_TEST(test_reply_code)
{
	const struct code_case *t = &code_cases[_i];
	int last = 42, code;

	code = ftp_reply_code(t->line, t->len ? t->len : strlen(t->line), &last);
	ck_assert_msg(code == t->code, "row %d '%s': code %d, want %d", _i, t->line, code, t->code);
	if (code >= 0)
		ck_assert_msg(last == t->last, "row %d '%s': last %d, want %d", _i, t->line, last,
			      t->last);
}
END_TEST

static const struct {
	enum ftp_kind kind;
	const char *name;
} name_cases[] = {
	{ FTP_PORT, "PORT" },
	{ FTP_EPRT, "EPRT" },
	{ FTP_227, "227" },
	{ FTP_229, "229" },
	{ (enum ftp_kind)-1, "?" },
	{ (enum ftp_kind)4, "?" },
};

START_TEST(test_kind_name)
{
	ck_assert_str_eq(ftp_kind_name(name_cases[_i].kind), name_cases[_i].name);
}
END_TEST

/*
 * Every announce row of parse_cases, rewritten to the endpoint it carries,
 * parses back to the same endpoint, and the line is byte-identical outside
 * the span.
 */
START_TEST(test_roundtrip)
{
	size_t k;

	for (k = 0; k < ARRAY_SIZE(parse_cases); k++) {
		const struct parse_case *t = &parse_cases[k];
		size_t len = t->len ? t->len : strlen(t->line);
		struct ftp_announce a, b;
		char out[256];
		int n;

		if (t->rc != 1)
			continue;
		ck_assert_int_eq(ftp_parse(t->line, len, t->from_client, &a), 1);
		n = ftp_rewrite(t->line, len, t->from_client, &a.ep, out, sizeof(out));
		ck_assert_msg(n > 0, "row %zu: %s", k, err_get());
		ck_assert_msg(ftp_parse(out, (size_t)n, t->from_client, &b) == 1, "row %zu: %s", k,
			      err_get());
		ck_assert_int_eq(b.kind, a.kind);
		ck_assert_int_eq(b.ep.family, a.ep.family);
		ck_assert_str_eq(b.ep.addr, a.ep.addr);
		ck_assert_uint_eq(b.ep.port, a.ep.port);
		ck_assert_uint_eq(b.start, a.start);
		ck_assert_msg(memcmp(out, t->line, a.start) == 0, "row %zu: head changed", k);
		ck_assert_uint_eq((size_t)n - b.end, len - a.end);
		ck_assert_msg(memcmp(out + b.end, t->line + a.end, len - a.end) == 0,
			      "row %zu: tail changed", k);
	}
}
END_TEST

static Suite *ftp_suite(void)
{
	Suite *s = suite_create("ftp");
	TCase *tc = tcase_create("tables");

	tcase_add_loop_test(tc, test_parse, 0, ARRAY_SIZE(parse_cases));
	tcase_add_loop_test(tc, test_format, 0, ARRAY_SIZE(format_cases));
	tcase_add_loop_test(tc, test_rewrite, 0, ARRAY_SIZE(rewrite_cases));
	tcase_add_loop_test(tc, test_reply_code, 0, ARRAY_SIZE(code_cases));
	tcase_add_loop_test(tc, test_kind_name, 0, ARRAY_SIZE(name_cases));
	tcase_add_test(tc, test_roundtrip);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tl_main(ftp_suite());
}
