/*
 * test_rewrite: rewrite.c as tables, no root needed.
 *   packets    real packets from public captures whose checksums are
 *              known to be right (tcpdump -vv says "correct"): the
 *              checksums computed here must equal theirs, and parsing then
 *              building must give the same bytes back.
 *   seqmaps    rewrites recorded in each direction of a flow, and where
 *              sequence and acknowledgement numbers land.
 *   ftp        PORT/EPRT/227/229 in payloads, v4 and v6, with the length
 *              change each rewrite makes.
 */
#include <check.h>
#include "testlib.h"
#include <libnet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rewrite.h"
#include "trace.h"

/* "4500 003c ..." into bytes; returns the count. */
static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned v;

	while (*s) {
		if (*s == ' ' || *s == '\n') {
			s++;
			continue;
		}
		ck_assert_msg(sscanf(s, "%2x", &v) == 1, "bad hex at '%.8s'", s);
		ck_assert(n < cap);
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

/* ---- packets with known-good checksums ---- */

struct pkt_case {
	const char *what;
	const char *hex;
	int family;
	uint16_t ip_csum;   /* IPv4 header checksum in the packet */
	uint16_t tcp_csum;  /* TCP checksum in the packet */
	size_t plen;
};

static const struct pkt_case pkt_cases[] = {
	{ "IPv4 227 reply, odd segment length (ftp-with-numbers-in-filename #3)",
	  "4500 005b 853f 0000 3106 0ee5 a46b 7b06 c0a8 155f 0015 d349 e11d 3f07 a704 a656"
	  "5018 7d78 562b 0000 3232 3720 456e 7465 7269 6e67 2050 6173 7369 7665 204d 6f64"
	  "6520 2831 3634 2c31 3037 2c31 3233 2c36 2c31 3833 2c31 3837 290d 0a",
	  AF_INET, 0x0ee5, 0x562b, 51 },
	{ "IPv4 SYN with options ending in EOL (ftp-with-numbers-in-filename #6)",
	  "4500 0040 f3da 4000 4006 5164 c0a8 155f a46b 7b06 d34c b7bb 52de ed09 0000 0000"
	  "b002 ffff 0dd8 0000 0204 05b4 0103 0305 0101 080a 5970 0f4b 0000 0000 0402 0000",
	  AF_INET, 0x5164, 0x0dd8, 0 },
	{ "IPv4 SYN-ACK, IP id 0 and DF (bigtransfer #2)",
	  "4500 003c 0000 4000 4006 4905 c0a8 3865 c0a8 3801 0015 e972 9cca dbfd f15e a0a1"
	  "a012 7120 9845 0000 0204 05b4 0402 080a 022b 253c 3e42 f2d8 0103 0307",
	  AF_INET, 0x4905, 0x9845, 0 },
	{ "IPv6 SYN with a flow label (ipv6-retr-samba #1)",
	  "6001 80a6 0028 0640 2001 0470 1f05 17a6 0213 72ff fe0d a566 2001 06f8 0200 0001"
	  "0000 0000 0005 0033 415a 0015 87e7 f9c7 0000 0000 a002 ffff b6b3 0000 0204 05a0"
	  "0103 0306 0402 080a 04ce 2ca0 0000 0000",
	  AF_INET6, 0, 0xb6b3, 0 },
	{ "IPv6 229 reply (ipv6-retr-samba #29)",
	  "6000 0000 0044 0636 2001 06f8 0200 0001 0000 0000 0005 0033 2001 0470 1f05 17a6"
	  "0213 72ff fe0d a566 0015 415a e979 4fd4 87e7 fa5c 5018 005a f713 0000 3232 3920"
	  "456e 7465 7269 6e67 2045 7874 656e 6465 6420 5061 7373 6976 6520 4d6f 6465 2028"
	  "7c7c 7c36 3332 3832 7c29 0d0a",
	  AF_INET6, 0, 0xf713, 48 },
};

START_TEST(test_checksums)
{
	const struct pkt_case *t = &pkt_cases[_i];
	uint8_t b[256];
	size_t n = unhex(t->hex, b, sizeof(b));
	size_t hl = t->family == AF_INET ? 20 : 40;
	const uint8_t *src = t->family == AF_INET ? b + 12 : b + 8;
	const uint8_t *dst = t->family == AF_INET ? b + 16 : b + 24;

	if (t->family == AF_INET)
		ck_assert_uint_eq(rw_ipv4_csum(b, hl), t->ip_csum);
	ck_assert_msg(rw_tcp_csum(t->family, src, dst, b + hl, n - hl) == t->tcp_csum, "%s: computed 0x%04x",
		      t->what, rw_tcp_csum(t->family, src, dst, b + hl, n - hl));
	/* A one-bit change is caught. */
	b[n - 1] ^= 0x01;
	ck_assert_uint_ne(rw_tcp_csum(t->family, src, dst, b + hl, n - hl), t->tcp_csum);
}
END_TEST

START_TEST(test_parse_build_roundtrip)
{
	const struct pkt_case *t = &pkt_cases[_i];
	uint8_t b[256], out[256];
	size_t n = unhex(t->hex, b, sizeof(b));
	struct rw_pkt p;
	int len;

	ck_assert_msg(rw_parse(b, n, &p) == 0, "%s: %s", t->what, err_get());
	ck_assert_int_eq(p.family, t->family);
	ck_assert_uint_eq(p.plen, t->plen);
	ck_assert_uint_eq(rw_build_len(&p), n);
	len = rw_build(&p, out, sizeof(out));
	ck_assert_int_eq(len, (int)n);
	ck_assert_msg(memcmp(out, b, n) == 0, "%s: rebuilt bytes differ", t->what);
	/* No room: an error, nothing overrun. */
	ck_assert_int_eq(rw_build(&p, out, n - 1), -1);
	ck_assert_ptr_nonnull(strstr(err_get(), "room for"));
}
END_TEST

/* Trailing link padding after the IP length is not payload; truncation is refused. */
START_TEST(test_parse_bad)
{
	uint8_t b[256];
	size_t n = unhex(pkt_cases[1].hex, b, sizeof(b));
	struct rw_pkt p;

	memset(b + n, 0xee, 6);
	ck_assert_int_eq(rw_parse(b, n + 6, &p), 0);
	ck_assert_uint_eq(p.plen, 0);
	ck_assert_int_eq(rw_parse(b, n - 1, &p), -1);
	ck_assert_ptr_nonnull(strstr(err_get(), "IPv4 lengths"));
	b[9] = 17;
	ck_assert_int_eq(rw_parse(b, n, &p), -1);
	ck_assert_ptr_nonnull(strstr(err_get(), "not TCP"));
	b[9] = 6;
	b[32] = 0x40; /* data offset 16 bytes */
	ck_assert_int_eq(rw_parse(b, n, &p), -1);
	ck_assert_ptr_nonnull(strstr(err_get(), "data offset"));
}
END_TEST

/*
 * libnet builds the same packet: rw_build() is what the engine uses (no
 * allocation per packet), libnet's own builders must agree byte for byte,
 * checksums included.
 */
START_TEST(test_libnet_agrees)
{
	char ebuf[LIBNET_ERRBUF_SIZE];
	libnet_t *l = libnet_init(LIBNET_NONE, NULL, ebuf);
	uint8_t payload[] = "PORT 192,0,2,10,4,1\r\n";
	uint8_t opt[] = { 0x01, 0x01, 0x08, 0x0a, 0, 0, 0, 1, 0, 0, 0, 2 };
	struct rw_pkt p = { .family = AF_INET, .tos = 0, .ttl = 64, .ip_id = 0x1234, .df = 1,
			    .sport = 40000, .dport = 21, .seq = 1000, .ack = 2000,
			    .flags = TRACE_PSH | TRACE_ACK, .win = 502, .urg = 0 };
	uint8_t out[256], *lb = NULL;
	uint32_t ln = 0;
	int n;

	if (!l) {
		/* libnet 1.1.6 wants root even to construct */
		ck_assert_msg(geteuid() != 0, "libnet_init as root: %s", ebuf);
		tl_skip("libnet_init needs root (libnet 1.1.6): %s", ebuf);
		return;
	}
	inet_pton(AF_INET, "192.0.2.10", p.src);
	inet_pton(AF_INET, "198.51.100.10", p.dst);
	memcpy(p.opt, opt, sizeof(opt));
	p.optlen = sizeof(opt);
	p.payload = payload;
	p.plen = sizeof(payload) - 1;
	n = rw_build(&p, out, sizeof(out));
	ck_assert_int_gt(n, 0);
	ck_assert_int_ne(libnet_build_tcp_options(opt, sizeof(opt), l, 0), -1);
	ck_assert_int_ne(libnet_build_tcp(p.sport, p.dport, p.seq, p.ack, p.flags, p.win, 0, 0,
					  (uint16_t)(20 + sizeof(opt) + p.plen), payload, (uint32_t)p.plen, l, 0), -1);
	ck_assert_int_ne(libnet_build_ipv4((uint16_t)n, 0, p.ip_id, 0x4000, 64, IPPROTO_TCP, 0,
					   *(uint32_t *)p.src, *(uint32_t *)p.dst, NULL, 0, l, 0), -1);
	ck_assert_int_eq(libnet_pblock_coalesce(l, &lb, &ln), 1);
	ck_assert_uint_eq(ln, (uint32_t)n);
	ck_assert_msg(memcmp(lb, out, (size_t)n) == 0, "libnet and rw_build differ");
	libnet_adv_free_packet(l, lb);
	libnet_destroy(l);
}
END_TEST

/* ---- sequence maps ---- */

/* One operation on the maps of a flow's two directions. */
struct seq_op {
	char op;        /* 'a' add, 'q' query, 0 end */
	int dir;        /* 0 client to server, 1 server to client */
	uint32_t x;     /* pos (add) or number (query) */
	int32_t v;      /* delta (add) or expected offset (query) */
};

struct seq_case {
	const char *what;
	struct seq_op ops[16];
};

static const struct seq_case seq_cases[] = {
	{ "no rewrite: nothing moves", {
		{ 'q', 0, 1000, 0 }, { 'q', 1, 5, 0 }, { 0, 0, 0, 0 } } },
	{ "PORT grows by 2: its own seq stays, later bytes and acks of its end move", {
		{ 'a', 0, 1000, 2 },
		{ 'q', 0, 1000, 0 },    /* the rewritten packet's seq */
		{ 'q', 0, 1022, 2 },    /* the next packet; the ack of the PORT's end */
		{ 'q', 0, 999, 0 },     /* before it */
		{ 'q', 1, 1022, 0 },    /* the other direction is not moved */
		{ 0, 0, 0, 0 } } },
	{ "several rewrites in both directions accumulate per direction", {
		{ 'a', 0, 100, 2 }, { 'a', 1, 500, -3 }, { 'a', 0, 200, 5 }, { 'a', 1, 600, 1 },
		{ 'q', 0, 150, 2 }, { 'q', 0, 201, 7 }, { 'q', 0, 200, 2 },
		{ 'q', 1, 550, -3 }, { 'q', 1, 700, -2 }, { 'q', 1, 400, 0 },
		{ 0, 0, 0, 0 } } },
	{ "a retransmitted rewritten packet does not count twice", {
		{ 'a', 0, 100, 2 }, { 'a', 0, 200, 2 }, { 'a', 0, 200, 2 }, { 'a', 0, 100, 2 },
		{ 'q', 0, 300, 2 }, { 'q', 0, 150, 2 }, { 0, 0, 0, 0 } } },
	{ "sequence numbers wrap at 2^32", {
		{ 'a', 0, 0xfffffff0u, 4 },
		{ 'q', 0, 0xfffffff0u, 0 }, { 'q', 0, 0xfffffffeu, 4 }, { 'q', 0, 0x00000010u, 4 },
		{ 'q', 0, 0xffffff00u, 0 }, { 0, 0, 0, 0 } } },
	{ "a shrinking rewrite (227 of a long address to a short one)", {
		{ 'a', 1, 5000, -4 }, { 'q', 1, 5051, -4 }, { 'q', 1, 5000, 0 }, { 0, 0, 0, 0 } } },
};

START_TEST(test_seqmap)
{
	const struct seq_case *t = &seq_cases[_i];
	struct rw_seqmap m[2];
	const struct seq_op *o;

	rw_seqmap_init(&m[0]);
	rw_seqmap_init(&m[1]);
	for (o = t->ops; o->op; o++) {
		if (o->op == 'a') {
			rw_seqmap_add(&m[o->dir], o->x, o->v);
			continue;
		}
		ck_assert_msg(rw_seqmap_offset(&m[o->dir], o->x) == o->v, "%s: dir %d x %u: expected %d, got %d",
			      t->what, o->dir, o->x, o->v, rw_seqmap_offset(&m[o->dir], o->x));
		ck_assert_uint_eq(rw_seqmap_map(&m[o->dir], o->x), o->x + (uint32_t)o->v);
	}
}
END_TEST

/* More rewrites than the map holds: recent numbers stay right. */
START_TEST(test_seqmap_full)
{
	struct rw_seqmap m;
	uint32_t i;

	rw_seqmap_init(&m);
	for (i = 0; i < 3 * RW_SEQMAP_MAX; i++)
		rw_seqmap_add(&m, 1000 + 100 * i, 1);
	ck_assert_uint_eq(m.n, RW_SEQMAP_MAX);
	ck_assert_int_eq(rw_seqmap_offset(&m, 1000 + 100 * (3 * RW_SEQMAP_MAX - 1) + 1), 3 * RW_SEQMAP_MAX);
	ck_assert_int_eq(rw_seqmap_offset(&m, 1000 + 100 * (3 * RW_SEQMAP_MAX - 2) + 50), 3 * RW_SEQMAP_MAX - 1);
	ck_assert_int_eq(rw_seqmap_offset(&m, 10), 0);
}
END_TEST

/* ---- SACK edges ---- */

static uint32_t plus_seven(void *ctx, uint32_t x)
{
	(void)ctx;
	return x + 7;
}

START_TEST(test_sack)
{
	/* NOP NOP SACK(2 blocks) TS */
	uint8_t o[] = { 1, 1, 5, 18, 0, 0, 0, 10, 0, 0, 0, 20, 0, 0, 1, 0, 0, 0, 2, 0,
			8, 10, 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t bad[] = { 5, 40, 0, 0, 0, 1 };

	ck_assert_int_eq(rw_opts_map_sack(o, sizeof(o), plus_seven, NULL), 4);
	ck_assert_uint_eq(rw_get32(o + 4), 17);
	ck_assert_uint_eq(rw_get32(o + 8), 27);
	ck_assert_uint_eq(rw_get32(o + 12), 256 + 7);
	ck_assert_uint_eq(rw_get32(o + 16), 512 + 7);
	ck_assert_uint_eq(rw_get32(o + 24), 0x03040506); /* timestamps untouched */
	ck_assert_int_eq(rw_opts_map_sack(bad, sizeof(bad), plus_seven, NULL), 0);
	ck_assert_uint_eq(rw_get32(bad + 2), 1);
}
END_TEST

/* ---- FTP announcements ---- */

struct ftp_case {
	const char *what;
	const char *in;
	int from_client;
	int at_bol;
	const char *v4, *v6;    /* the lab side's addresses */
	const char *out;        /* expected payload */
	size_t nfound;
	enum ftp_kind kind;     /* of the first */
	const char *now_addr;   /* its rewritten address ("" for 229) */
	uint16_t port;          /* kept */
	int32_t delta;          /* its length change */
};

#define C 1
#define S 0
#define LABC "192.0.2.10"
#define LABS "198.51.100.10"
#define LABC6 "2001:db8:1::10"
#define LABS6 "2001:db8:2::10"

static const struct ftp_case ftp_cases[] = {
	{ "PORT v4, address grows by 2", "PORT 10,0,0,1,4,1\r\n", C, 1, LABC, "",
	  "PORT 192,0,2,10,4,1\r\n", 1, FTP_PORT, LABC, 1025, 2 },
	{ "PORT v4, address shrinks by 3", "PORT 192,168,100,200,200,10\r\n", C, 1, LABC, "",
	  "PORT 192,0,2,10,200,10\r\n", 1, FTP_PORT, LABC, 51210, -5 },
	{ "PORT with the lab's own address: no change", "PORT 192,0,2,10,4,1\r\n", C, 1, LABC, "",
	  "PORT 192,0,2,10,4,1\r\n", 1, FTP_PORT, LABC, 1025, 0 },
	{ "EPRT v4", "EPRT |1|172.16.1.1|50000|\r\n", C, 1, LABC, LABC6,
	  "EPRT |1|192.0.2.10|50000|\r\n", 1, FTP_EPRT, LABC, 50000, 0 },
	{ "EPRT v4, address grows", "EPRT |1|10.1.2.3|50000|\r\n", C, 1, LABC, LABC6,
	  "EPRT |1|192.0.2.10|50000|\r\n", 1, FTP_EPRT, LABC, 50000, 2 },
	{ "EPRT v6, address shrinks", "EPRT |2|2001:470:1f05:17a6:213:72ff:fe0d:a566|16731|\r\n", C, 1, "", LABC6,
	  "EPRT |2|2001:db8:1::10|16731|\r\n", 1, FTP_EPRT, LABC6, 16731, -23 },
	/* ftp_format() writes the RFC 2428 example delimiter, as the kernel's nf_nat_ftp does */
	{ "EPRT v6 with another delimiter", "EPRT !2!::1!2121!\r\n", C, 1, "", LABC6,
	  "EPRT |2|2001:db8:1::10|2121|\r\n", 1, FTP_EPRT, LABC6, 2121, 11 },
	{ "227 v4 (ftp-with-numbers-in-filename #3)",
	  "227 Entering Passive Mode (164,107,123,6,183,187)\r\n", S, 1, LABS, "",
	  "227 Entering Passive Mode (198,51,100,10,183,187)\r\n", 1, FTP_227, LABS, 47035, 0 },
	{ "227 without parentheses", "227 =127,0,0,1,4,1\r\n", S, 1, LABS, "",
	  "227 =198,51,100,10,4,1\r\n", 1, FTP_227, LABS, 1025, 4 },
	{ "229 carries no address: unchanged (ipv6-retr-samba #29)",
	  "229 Entering Extended Passive Mode (|||63282|)\r\n", S, 1, "", LABS6,
	  "229 Entering Extended Passive Mode (|||63282|)\r\n", 1, FTP_229, "", 63282, 0 },
	{ "PORT in a v6-only lab: left as it is, still reported", "PORT 10,0,0,1,4,1\r\n", C, 1, "", LABC6,
	  "PORT 10,0,0,1,4,1\r\n", 1, FTP_PORT, "10.0.0.1", 1025, 0 },
	{ "a reply is not a command", "PORT 10,0,0,1,4,1\r\n", S, 1, LABS, "",
	  "PORT 10,0,0,1,4,1\r\n", 0, FTP_PORT, NULL, 0, 0 },
	{ "two lines, the second an announce", "200 ok\r\n227 x (10,0,0,2,0,20)\r\n", S, 1, LABS, "",
	  "200 ok\r\n227 x (198,51,100,10,0,20)\r\n", 1, FTP_227, LABS, 20, 5 },
	{ "mid-line start: the first partial line is not an announce", "PORT 10,0,0,1,4,1\r\nPORT 10,0,0,1,4,2\r\n",
	  C, 0, LABC, "", "PORT 10,0,0,1,4,1\r\nPORT 192,0,2,10,4,2\r\n", 1, FTP_PORT, LABC, 1026, 2 },
	{ "no LF: an incomplete line is not rewritten", "PORT 10,0,0,1,4,1", C, 1, LABC, "",
	  "PORT 10,0,0,1,4,1", 0, FTP_PORT, NULL, 0, 0 },
	{ "malformed PORT (fake-server-delays-all #16) is copied", "PORT 114,115\r\n", C, 1, LABC, "",
	  "PORT 114,115\r\n", 0, FTP_PORT, NULL, 0, 0 },
	{ "227 continuation line is not an announce", "227-(10,0,0,2,0,20)\r\n227 done\r\n", S, 1, LABS, "",
	  "227-(10,0,0,2,0,20)\r\n227 done\r\n", 0, FTP_227, NULL, 0, 0 },
};

START_TEST(test_ftp_payload)
{
	const struct ftp_case *t = &ftp_cases[_i];
	struct rw_ftp_addrs to;
	struct rw_ann found[RW_ANN_MAX], scan[RW_ANN_MAX];
	uint8_t out[512];
	size_t outlen = 0, nfound = 0, in_len = strlen(t->in);

	memset(&to, 0, sizeof(to));
	str_copy(to.v4, t->v4, sizeof(to.v4));
	str_copy(to.v6, t->v6, sizeof(to.v6));
	ck_assert_msg(rw_ftp_payload((const uint8_t *)t->in, in_len, t->from_client, t->at_bol, &to, out,
				     sizeof(out), &outlen, found, RW_ANN_MAX, &nfound) == 0, "%s: %s", t->what, err_get());
	ck_assert_msg(outlen == strlen(t->out) && memcmp(out, t->out, outlen) == 0, "%s: got '%.*s'", t->what,
		      (int)outlen, out);
	ck_assert_uint_eq(nfound, t->nfound);
	ck_assert_int_eq((int)outlen - (int)in_len, t->nfound ? t->delta : 0);
	if (!t->nfound)
		return;
	ck_assert_int_eq(found[0].kind, t->kind);
	ck_assert_str_eq(found[0].now.addr, t->now_addr);
	ck_assert_uint_eq(found[0].now.port, t->port);
	ck_assert_uint_eq(found[0].was.port, t->port);
	ck_assert_int_eq(found[0].delta, t->delta);
	/* What arrives can be scanned the same way: the new endpoint is read back. */
	ck_assert_uint_eq(rw_ftp_scan(out, outlen, t->from_client, t->at_bol, scan, RW_ANN_MAX), t->nfound);
	ck_assert_str_eq(scan[0].was.addr, t->now_addr);
	ck_assert_uint_eq(scan[0].was.port, t->port);
}
END_TEST

START_TEST(test_ftp_payload_room)
{
	struct rw_ftp_addrs to = { LABC, "" };
	const char *in = "PORT 10,0,0,1,4,1\r\n";
	struct rw_ann f[1];
	uint8_t out[20];
	size_t outlen, n;

	/* 21 bytes needed */
	ck_assert_int_eq(rw_ftp_payload((const uint8_t *)in, strlen(in), 1, 1, &to, out, sizeof(out), &outlen, f, 1,
					&n), -1);
	ck_assert_ptr_nonnull(strstr(err_get(), "does not fit"));
}
END_TEST

static Suite *rewrite_suite(void)
{
	Suite *s = suite_create("rewrite");
	TCase *tc = tcase_create("tables");

	tcase_add_loop_test(tc, test_checksums, 0, ARRAY_SIZE(pkt_cases));
	tcase_add_loop_test(tc, test_parse_build_roundtrip, 0, ARRAY_SIZE(pkt_cases));
	tcase_add_test(tc, test_parse_bad);
	tcase_add_test(tc, test_libnet_agrees);
	tcase_add_loop_test(tc, test_seqmap, 0, ARRAY_SIZE(seq_cases));
	tcase_add_test(tc, test_seqmap_full);
	tcase_add_test(tc, test_sack);
	tcase_add_loop_test(tc, test_ftp_payload, 0, ARRAY_SIZE(ftp_cases));
	tcase_add_test(tc, test_ftp_payload_room);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tl_main(rewrite_suite());
}
