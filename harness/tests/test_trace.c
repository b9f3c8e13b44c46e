/*
 * test_trace: trace.c as tables. The public captures (../shared/pcaps,
 * relative to the repository root, where the tests run) with facts read
 * off them with tcpdump and an independent parser; then files written
 * here, one row each, into a mkdtemp directory: broken files that must
 * give a clear error, and packets that are malformed inside a good file
 * (a reason per packet), or unusual but fine (link types, IPv6 extension
 * headers, VLAN tags, cut by the snapshot length).
 */
#include <arpa/inet.h>
#include <check.h>
#include "testlib.h"
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trace.h"

#define PCAPS "../shared/pcaps/"

#define assert_has(hay, needle) \
	ck_assert_msg(strstr((hay), (needle)) != NULL, "'%s' not found in '%s'", (needle), (hay))

/* ---- the public captures ---- */

struct public_case {
	const char *name;
	uint64_t packets;
	uint32_t snaplen;
	uint64_t ipv4, ipv6, tcp;
	uint64_t payload;        /* sum of TCP payload bytes captured */
	uint64_t syns;           /* packets with SYN set */
	const char *src, *dst;   /* first packet */
	uint16_t sport, dport;
	uint8_t flags;
	long ts0_sec, ts0_usec;  /* first packet's time */
	long tsn_sec, tsn_usec;  /* last packet's time */
};

static const struct public_case public_cases[] = {
	{ "fake-server-delays-all.pcap", 41, 65535, 41, 0, 41, 359, 2, "127.0.0.1", "127.0.0.1",
	  37950, 21, TRACE_SYN, 1664372187, 106411, 1664372187, 308568 },
	{ "ftp-with-numbers-in-filename.pcap", 798, 262144, 798, 0, 798, 685656, 8, "192.168.21.95",
	  "164.107.123.6", 54089, 21, TRACE_PSH | TRACE_ACK, 1457455890, 667768, 1457455901, 30016 },
	{ "ipv6-retr-samba.pcap", 37, 65535, 0, 37, 37, 721, 2, "2001:470:1f05:17a6:213:72ff:fe0d:a566",
	  "2001:6f8:200:1::5:33", 16730, 21, TRACE_SYN, 1341892459, 50645, 1341892527, 425438 },
	{ "bigtransfer.pcap", 83, 65535, 83, 0, 83, 25237, 6, "192.168.56.1", "192.168.56.101", 59762,
	  21, TRACE_SYN, 1395939399, 984671, 1395939569, 619222 },
	{ "fake-long-commands.pcap", 40, 65535, 40, 0, 40, 671, 2, "127.0.0.1", "127.0.0.1", 58634, 21,
	  TRACE_SYN, 1668586098, 757907, 1668586098, 971328 },
	{ "ftp-invalid-reply-code.pcap", 23, 65535, 23, 0, 23, 105, 2, "127.0.0.1", "127.0.0.1", 51354,
	  21, TRACE_SYN, 1669831843, 331626, 1669831853, 222762 },
	{ "ftp-auth-tls.pcap", 84, 65535, 84, 0, 84, 4447, 2, "127.0.0.1", "127.0.0.1", 40284, 21,
	  TRACE_SYN, 1747315305, 938386, 1747315329, 819705 },
};

static int have_pcaps(void)
{
	struct stat st;

	if (stat(PCAPS, &st) == 0 && S_ISDIR(st.st_mode))
		return 1;
	return 0;
}

START_TEST(test_public)
{
	const struct public_case *c = &public_cases[_i];
	char path[256], a[INET6_ADDRSTRLEN];
	uint64_t ipv4 = 0, ipv6 = 0, tcp = 0, payload = 0, syns = 0;
	struct trace_pkt p;
	struct trace *t;
	int rc;

	if (!have_pcaps()) {
		tl_skip("%s: %s not found (run from the repository root)", c->name, PCAPS);
		return;
	}
	snprintf(path, sizeof(path), PCAPS "%s", c->name);
	t = trace_open(path);
	ck_assert_msg(t != NULL, "%s: %s", c->name, err_get());
	ck_assert_str_eq(trace_linktype_name(t), "EN10MB");
	ck_assert_int_eq(trace_linktype(t), DLT_EN10MB);
	ck_assert_str_eq(trace_format(t), "pcap");
	ck_assert_uint_eq(trace_snaplen(t), c->snaplen);
	while ((rc = trace_next(t, &p)) > 0) {
		ck_assert_msg(p.reason == TRACE_OK, "%s: packet %llu: %s", c->name,
			      (unsigned long long)p.index, trace_reason_str(p.reason));
		ck_assert_uint_eq(p.index, trace_count(t));
		ck_assert_uint_eq(p.caplen, p.wirelen);
		ipv4 += p.family == AF_INET;
		ipv6 += p.family == AF_INET6;
		if (p.proto == IPPROTO_TCP) {
			tcp++;
			payload += p.payload_caplen;
			syns += !!(p.tcp.flags & TRACE_SYN);
			ck_assert_uint_eq(p.payload_caplen, p.payload_len);
			ck_assert_uint_le(p.payload_off + p.payload_caplen, p.ip_caplen);
		}
		if (p.index == 1) {
			ck_assert_str_eq(trace_addr_str(&p, 0, a, sizeof(a)), c->src);
			ck_assert_str_eq(trace_addr_str(&p, 1, a, sizeof(a)), c->dst);
			ck_assert_uint_eq(p.sport, c->sport);
			ck_assert_uint_eq(p.dport, c->dport);
			ck_assert_uint_eq(p.tcp.flags, c->flags);
			ck_assert_int_eq(p.ts.tv_sec, c->ts0_sec);
			ck_assert_int_eq(p.ts.tv_usec, c->ts0_usec);
		}
	}
	ck_assert_msg(rc == 0, "%s: %s", c->name, err_get());
	ck_assert_uint_eq(trace_count(t), c->packets);
	ck_assert_int_eq(p.ts.tv_sec, c->tsn_sec);
	ck_assert_int_eq(p.ts.tv_usec, c->tsn_usec);
	ck_assert_uint_eq(ipv4, c->ipv4);
	ck_assert_uint_eq(ipv6, c->ipv6);
	ck_assert_uint_eq(tcp, c->tcp);
	ck_assert_uint_eq(payload, c->payload);
	ck_assert_uint_eq(syns, c->syns);
	ck_assert_int_eq(trace_next(t, &p), 0); /* the end stays the end */
	trace_close(t);
}
END_TEST

/* ---- files written here ---- */

enum l2 { L2_ETH, L2_VLAN, L2_SLL, L2_SLL2, L2_RAW, L2_NULL, L2_LOOP, L2_IPV4, L2_IPV6, L2_ARP };

/* One packet: what differs from a plain Ethernet/IPv4/TCP frame. */
struct frame_spec {
	enum l2 l2;
	int v6;               /* IPv6 instead of IPv4 */
	uint8_t proto;        /* 0: TCP */
	uint8_t ihl;          /* IPv4 header words, 0: 5 */
	int len_delta;        /* added to the IP length field */
	uint16_t frag;        /* IPv4 flags/offset field; IPv6: see frag6 */
	int hbh;              /* IPv6: a hop-by-hop header with length byte hbh - 1 first */
	int hbh_past;         /* ... whose length byte points past the packet */
	uint8_t version;      /* 0: from v6 */
	uint8_t doff;         /* TCP header words written, 0: 5 */
	uint8_t doff_field;   /* TCP data offset field, 0: doff */
	int frag6;            /* IPv6: a fragment header, with frag as its offset field */
	int udp_len;          /* UDP length field, 0: right */
	const char *payload;
	size_t cut;           /* bytes lost to the snapshot length */
	size_t frame_len;     /* 0: whole; else only this many bytes, on the wire too */
};

/* The file around it: header fields and what happens at its end. */
enum tail { TAIL_NONE, TAIL_REC_HDR, TAIL_REC_DATA, TAIL_HUGE_CAPLEN };

struct file_spec {
	const char *raw;      /* when set, the file is these bytes (raw_len of them) */
	size_t raw_len;
	int pcapng;
	uint32_t magic;       /* 0: 0xa1b2c3d4 */
	int bigendian;
	uint32_t snaplen;     /* 0: 65535; UINT32_MAX: write 0 */
	uint32_t linktype;    /* 0: from the first frame's l2 */
	size_t header_len;    /* 0: all 24 bytes */
	int npkts;            /* copies of the frame, 0: 1 */
	enum tail tail;
};

struct buf {
	uint8_t d[8192];
	size_t n;
};

static void put(struct buf *b, const void *p, size_t n)
{
	ck_assert_uint_le(b->n + n, sizeof(b->d));
	memcpy(b->d + b->n, p, n);
	b->n += n;
}

static void put8(struct buf *b, uint8_t v)
{
	put(b, &v, 1);
}

static void put16(struct buf *b, uint16_t v)
{
	uint8_t x[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	put(b, x, 2);
}

static void put32(struct buf *b, uint32_t v, int be)
{
	uint8_t x[4];
	int i;

	for (i = 0; i < 4; i++)
		x[i] = (uint8_t)(be ? v >> (24 - 8 * i) : v >> (8 * i));
	put(b, x, 4);
}

static const uint32_t linktypes[] = {
	[L2_ETH] = 1, [L2_VLAN] = 1, [L2_SLL] = 113, [L2_SLL2] = 276, [L2_RAW] = 101,
	[L2_NULL] = 0, [L2_LOOP] = 108, [L2_IPV4] = 228, [L2_IPV6] = 229, [L2_ARP] = 1,
};

/* The frame of spec into b. Long by design: one layer after another
 * (link, IP, IPv6 extension headers, TCP), as the frame is laid out. */
static void frame(struct buf *b, const struct frame_spec *s)
{
	static const uint8_t a4[2][4] = { { 192, 0, 2, 1 }, { 198, 51, 100, 2 } };
	static const uint8_t a6[2][16] = {
		{ 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }, { 0x20, 0x01, 0x0d, 0xb8, [14] = 0x12, [15] = 0x34 } };
	const char *pl = s->payload ? s->payload : "";
	uint16_t etype = s->v6 ? 0x86DD : 0x0800;
	uint8_t proto = s->proto ? s->proto : IPPROTO_TCP;
	size_t l4len, iplen, ip0;
	int i;

	switch (s->l2) {
	case L2_ETH:
	case L2_VLAN:
	case L2_ARP:
		for (i = 0; i < 12; i++)
			put8(b, (uint8_t)(0x02 + i));
		if (s->l2 == L2_VLAN) {
			put16(b, 0x8100);
			put16(b, 42);
		}
		put16(b, s->l2 == L2_ARP ? 0x0806 : etype);
		if (s->l2 == L2_ARP) {
			for (i = 0; i < 28; i++)
				put8(b, (uint8_t)i);
			return;
		}
		break;
	case L2_SLL:
		put16(b, 0); put16(b, 1); put16(b, 6);
		for (i = 0; i < 8; i++)
			put8(b, (uint8_t)i);
		put16(b, etype);
		break;
	case L2_SLL2:
		put16(b, etype); put16(b, 0); put32(b, 3, 1); put16(b, 1); put8(b, 0); put8(b, 6);
		for (i = 0; i < 8; i++)
			put8(b, (uint8_t)i);
		break;
	case L2_NULL:
		put32(b, s->v6 ? 30 : 2, 0); /* little-endian writer; 30: Darwin's AF_INET6 */
		break;
	case L2_LOOP:
		put32(b, s->v6 ? 24 : 2, 1);
		break;
	case L2_RAW:
	case L2_IPV4:
	case L2_IPV6:
		break;
	}
	l4len = (proto == IPPROTO_TCP ? 4u * (s->doff ? s->doff : 5) : proto == IPPROTO_UDP ? 8 : 0) +
		strlen(pl);
	ip0 = b->n;
	if (!s->v6) {
		size_t ihl = 4u * (s->ihl ? s->ihl : 5);

		iplen = (ihl < 20 ? 20 : ihl) + l4len;
		put8(b, (uint8_t)((s->version ? s->version : 4) << 4 | (s->ihl ? s->ihl : 5)));
		put8(b, 0);
		put16(b, (uint16_t)((int)iplen + s->len_delta));
		put16(b, 1);
		put16(b, s->frag);
		put8(b, 64);
		put8(b, proto);
		put16(b, 0);
		put(b, a4[0], 4);
		put(b, a4[1], 4);
		for (i = 20; i < (int)ihl; i++)
			put8(b, 1); /* NOP options */
	} else {
		size_t ext = (s->hbh ? 8u * (size_t)s->hbh : 0) + (s->frag6 ? 8 : 0);

		iplen = 40 + ext + l4len;
		put32(b, (uint32_t)(s->version ? s->version : 6) << 28, 1);
		put16(b, (uint16_t)((int)(iplen - 40) + s->len_delta));
		put8(b, s->hbh ? 0 : s->frag6 ? 44 : proto);
		put8(b, 64);
		put(b, a6[0], 16);
		put(b, a6[1], 16);
		if (s->hbh) {
			put8(b, s->frag6 ? 44 : proto);
			put8(b, (uint8_t)(s->hbh_past ? 200 : s->hbh - 1));
			for (i = 2; i < 8 * s->hbh; i++)
				put8(b, i == 2 ? 1 : 0); /* PadN */
		}
		if (s->frag6) {
			put8(b, proto); put8(b, 0); put16(b, s->frag); put32(b, 7, 1);
		}
	}
	if (proto == IPPROTO_TCP) {
		put16(b, 40000); put16(b, 21); put32(b, 1000, 1); put32(b, 2000, 1);
		put8(b, (uint8_t)((s->doff_field ? s->doff_field : s->doff ? s->doff : 5) << 4));
		put8(b, TRACE_PSH | TRACE_ACK);
		put16(b, 512); put16(b, 0); put16(b, 0);
		for (i = 20; i < 4 * (s->doff ? s->doff : 5) && b->n - ip0 < iplen; i++)
			put8(b, 1);
	} else if (proto == IPPROTO_UDP) {
		put16(b, 5353); put16(b, 53);
		put16(b, (uint16_t)(s->udp_len ? s->udp_len : (int)(8 + strlen(pl))));
		put16(b, 0);
	}
	put(b, pl, strlen(pl));
}

static void file_header(struct buf *b, const struct file_spec *f, uint32_t linktype)
{
	uint32_t snap = f->snaplen == UINT32_MAX ? 0 : f->snaplen ? f->snaplen : 65535;
	struct buf h = { .n = 0 };

	if (f->pcapng) {
		/* section header (28 bytes), interface description (20 bytes) */
		put32(b, 0x0A0D0D0A, 0); put32(b, 28, 0); put32(b, 0x1A2B3C4D, 0);
		put8(b, 1); put8(b, 0); put8(b, 0); put8(b, 0); /* version 1.0, little-endian */
		put32(b, 0xffffffff, 0); put32(b, 0xffffffff, 0); put32(b, 28, 0);
		put32(b, 1, 0); put32(b, 20, 0);
		put8(b, (uint8_t)linktype); put8(b, (uint8_t)(linktype >> 8)); put16(b, 0);
		put32(b, snap, 0); put32(b, 20, 0);
		return;
	}
	put32(&h, f->magic ? f->magic : 0xa1b2c3d4, f->bigendian);
	if (f->bigendian) {
		put16(&h, 2); put16(&h, 4);
	} else {
		put8(&h, 2); put8(&h, 0); put8(&h, 4); put8(&h, 0);
	}
	put32(&h, 0, f->bigendian); put32(&h, 0, f->bigendian);
	put32(&h, snap, f->bigendian);
	put32(&h, linktype, f->bigendian);
	put(b, h.d, f->header_len ? f->header_len : h.n);
}

static void record(struct buf *b, const struct file_spec *f, const struct buf *fr, size_t cut,
		   int k)
{
	size_t cap = fr->n - cut;

	if (f->pcapng) {
		size_t pad = (4 - cap % 4) % 4, len = 32 + cap + pad;

		put32(b, 6, 0); put32(b, (uint32_t)len, 0); put32(b, 0, 0);
		put32(b, 0, 0); put32(b, 1000000u * (uint32_t)k + 7, 0); /* microseconds */
		put32(b, (uint32_t)cap, 0); put32(b, (uint32_t)fr->n, 0);
		put(b, fr->d, cap);
		while (pad--)
			put8(b, 0);
		put32(b, (uint32_t)len, 0);
		return;
	}
	put32(b, 1700000000u + (uint32_t)k, f->bigendian);
	/* magic a1b23c4d: nanoseconds, that trace_next() reports as microseconds */
	put32(b, f->magic == 0xa1b23c4d ? 123456789 : 7, f->bigendian);
	put32(b, (uint32_t)cap, f->bigendian);
	put32(b, (uint32_t)fr->n, f->bigendian);
	put(b, fr->d, cap);
}

struct file_case {
	const char *name;
	struct file_spec file;
	struct frame_spec frame;
	const char *open_err;     /* substring of the trace_open() error, or NULL */
	int packets;              /* packets trace_next() returns before the end or an error */
	const char *next_err;     /* substring of the trace_next() error, or NULL (clean end) */
	enum trace_reason reason; /* of packet 1 */
	int family;               /* of packet 1, when it got that far */
	uint8_t proto;
	size_t payload_len, payload_caplen;
	const char *dlt;          /* trace_linktype_name(), when the file opens */
};

#define PL "USER anonymous\r\n" /* 16 bytes */

static const struct file_case file_cases[] = {
	/* files that are no usable capture */
	{ "empty", { .raw = "", .raw_len = 0 }, { 0 }, "empty file", 0, NULL, 0, 0, 0, 0, 0, NULL },
	{ "three bytes", { .raw = "\xd4\xc3\xb2", .raw_len = 3 }, { 0 }, "only 3 bytes", 0, NULL, 0, 0, 0, 0, 0, NULL },
	{ "garbage", { .raw = "This is no capture at all, just some text.\n", .raw_len = 44 }, { 0 },
	  "not a pcap or pcapng file (bad magic 0x54686973)", 0, NULL, 0, 0, 0, 0, 0, NULL },
	{ "wrong magic", { .magic = 0xdeadbeef }, { 0 }, "bad magic 0xefbeadde", 0, NULL, 0, 0, 0, 0, 0, NULL },
	{ "truncated header", { .header_len = 10 }, { 0 }, "truncated file header (10 of 24 bytes)", 0,
	  NULL, 0, 0, 0, 0, 0, NULL },
	{ "link type 147", { .linktype = 147 }, { 0 }, "link type 147 (USER0) not supported", 0, NULL,
	  0, 0, 0, 0, 0, NULL },
	{ "link type 105 (802.11)", { .linktype = 105 }, { 0 }, "link type 105 (IEEE802_11) not supported",
	  0, NULL, 0, 0, 0, 0, 0, NULL },
	{ "snaplen 0", { .snaplen = UINT32_MAX }, { 0 }, "snapshot length 0", 0, NULL, 0, 0, 0, 0, 0, NULL },
	{ "snaplen 0x7fffffff", { .snaplen = 0x7fffffff }, { 0 },
	  "snapshot length 2147483647 is absurd", 0, NULL, 0, 0, 0, 0, 0, NULL },
	{ "pcapng snaplen 0", { .pcapng = 1, .snaplen = UINT32_MAX }, { 0 }, "snapshot length 0", 0,
	  NULL, 0, 0, 0, 0, 0, NULL },
	{ "pcapng truncated", { .raw = "\x0a\x0d\x0d\x0a\x1c\x00\x00\x00\x4d", .raw_len = 9 }, { 0 },
	  "truncated pcapng section header", 0, NULL, 0, 0, 0, 0, 0, NULL },
	{ "pcapng no interface", { .raw = "\x0a\x0d\x0d\x0a\x1c\x00\x00\x00\x4d\x3c\x2b\x1a\x01\x00\x00\x00"
				   "\xff\xff\xff\xff\xff\xff\xff\xff\x1c\x00\x00\x00", .raw_len = 28 }, { 0 },
	  "no interface description", 0, NULL, 0, 0, 0, 0, 0, NULL },
	/* broken after some good packets */
	{ "truncated packet", { .npkts = 2, .tail = TAIL_REC_DATA }, { .payload = PL }, NULL, 2,
	  "truncated at packet 3", TRACE_OK, AF_INET, IPPROTO_TCP, 16, 16, "EN10MB" },
	{ "truncated record header", { .npkts = 1, .tail = TAIL_REC_HDR }, { .payload = PL }, NULL, 1,
	  "truncated at packet 2", TRACE_OK, AF_INET, IPPROTO_TCP, 16, 16, "EN10MB" },
	{ "absurd record length", { .npkts = 1, .tail = TAIL_HUGE_CAPLEN }, { .payload = PL }, NULL, 1,
	  "packet 2: ", TRACE_OK, AF_INET, IPPROTO_TCP, 16, 16, "EN10MB" },
	/* malformed packets in a good file: a reason, no error */
	{ "IPv4 IHL 4", { 0 }, { .ihl = 4, .payload = PL }, NULL, 1, NULL, TRACE_BAD_IHL, AF_INET, IPPROTO_TCP, 0, 0, "EN10MB" },
	{ "IPv4 IHL past total length", { 0 }, { .ihl = 0xf, .len_delta = -60 }, NULL, 1, NULL, TRACE_BAD_IHL, AF_INET, IPPROTO_TCP, 0, 0, "EN10MB" },
	{ "IPv4 length past frame", { 0 }, { .len_delta = 100, .payload = PL }, NULL, 1, NULL, TRACE_BAD_IP_LEN, AF_INET, IPPROTO_TCP, 0, 0, "EN10MB" },
	{ "TCP offset past packet", { 0 }, { .doff_field = 15, .payload = PL }, NULL, 1, NULL, TRACE_BAD_L4, AF_INET, IPPROTO_TCP, 0, 0, "EN10MB" },
	{ "TCP offset 2", { 0 }, { .doff_field = 2, .payload = PL }, NULL, 1, NULL, TRACE_BAD_L4, AF_INET, IPPROTO_TCP, 0, 0, "EN10MB" },
	{ "TCP header past IP length", { 0 }, { .len_delta = -30, .payload = PL }, NULL, 1, NULL, TRACE_BAD_L4, AF_INET, IPPROTO_TCP, 0, 0, "EN10MB" },
	{ "UDP length 3", { 0 }, { .proto = IPPROTO_UDP, .udp_len = 3, .payload = PL }, NULL, 1, NULL, TRACE_BAD_L4, AF_INET, IPPROTO_UDP, 0, 0, "EN10MB" },
	{ "IP version 5 as IPv4", { 0 }, { .version = 5, .payload = PL }, NULL, 1, NULL, TRACE_BAD_IP, AF_INET, 0, 0, 0, "EN10MB" },
	{ "IPv4 fragment", { 0 }, { .frag = 0x2000, .payload = PL }, NULL, 1, NULL, TRACE_FRAGMENT, AF_INET, IPPROTO_TCP, 0, 0, "EN10MB" },
	{ "IPv6 fragment", { 0 }, { .v6 = 1, .frag6 = 1, .frag = 0x0009, .payload = PL }, NULL, 1, NULL, TRACE_FRAGMENT, AF_INET6, IPPROTO_TCP, 0, 0, "EN10MB" },
	{ "IPv6 extension past packet", { 0 }, { .v6 = 1, .hbh = 1, .hbh_past = 1, .payload = PL }, NULL, 1, NULL, TRACE_BAD_EXT, AF_INET6, 0, 0, 0, "EN10MB" },
	{ "ARP", { 0 }, { .l2 = L2_ARP }, NULL, 1, NULL, TRACE_NOT_IP, 0, 0, 0, 0, "EN10MB" },
	{ "Ethernet cut at 10", { 0 }, { .payload = PL, .frame_len = 10 }, NULL, 1, NULL, TRACE_SHORT_LINK, 0, 0, 0, 0, "EN10MB" },
	{ "IP header cut by snaplen", { 0 }, { .payload = PL, .cut = 16 + 20 + 10 }, NULL, 1, NULL, TRACE_SHORT_IP, AF_INET, 0, 0, 0, "EN10MB" },
	{ "TCP header cut by snaplen", { 0 }, { .payload = PL, .cut = 16 + 10 }, NULL, 1, NULL, TRACE_SHORT_L4, AF_INET, IPPROTO_TCP, 0, 0, "EN10MB" },
	{ "raw IP version 5", { 0 }, { .l2 = L2_RAW, .version = 5, .payload = PL }, NULL, 1, NULL, TRACE_NOT_IP, 0, 0, 0, 0, "RAW" },
	/* unusual but fine */
	{ "payload cut by snaplen", { 0 }, { .payload = PL, .cut = 6 }, NULL, 1, NULL, TRACE_OK, AF_INET, IPPROTO_TCP, 16, 10, "EN10MB" },
	{ "Ethernet padding", { 0 }, { .payload = PL, .len_delta = -6 }, NULL, 1, NULL, TRACE_OK, AF_INET, IPPROTO_TCP, 10, 10, "EN10MB" },
	{ "IPv4 options", { 0 }, { .ihl = 7, .payload = PL }, NULL, 1, NULL, TRACE_OK, AF_INET, IPPROTO_TCP, 16, 16, "EN10MB" },
	{ "IPv4 length 0 (offload)", { 0 }, { .payload = PL, .len_delta = -56 }, NULL, 1, NULL, TRACE_OK, AF_INET, IPPROTO_TCP, 16, 16, "EN10MB" },
	{ "TCP options", { 0 }, { .doff = 8, .payload = PL }, NULL, 1, NULL, TRACE_OK, AF_INET, IPPROTO_TCP, 16, 16, "EN10MB" },
	{ "VLAN", { 0 }, { .l2 = L2_VLAN, .payload = PL }, NULL, 1, NULL, TRACE_OK, AF_INET, IPPROTO_TCP, 16, 16, "EN10MB" },
	{ "IPv6 hop-by-hop", { 0 }, { .v6 = 1, .hbh = 1, .payload = PL }, NULL, 1, NULL, TRACE_OK, AF_INET6, IPPROTO_TCP, 16, 16, "EN10MB" },
	{ "IPv6 atomic fragment", { 0 }, { .v6 = 1, .frag6 = 1, .frag = 0x0000, .hbh = 2, .payload = PL }, NULL, 1, NULL, TRACE_OK, AF_INET6, IPPROTO_TCP, 16, 16, "EN10MB" },
	{ "UDP", { 0 }, { .proto = IPPROTO_UDP, .payload = PL }, NULL, 1, NULL, TRACE_OK, AF_INET, IPPROTO_UDP, 16, 16, "EN10MB" },
	{ "ICMP", { 0 }, { .proto = IPPROTO_ICMP, .payload = PL }, NULL, 1, NULL, TRACE_OK, AF_INET, IPPROTO_ICMP, 16, 16, "EN10MB" },
	{ "Linux cooked v1", { 0 }, { .l2 = L2_SLL, .payload = PL }, NULL, 1, NULL, TRACE_OK, AF_INET, IPPROTO_TCP, 16, 16, "LINUX_SLL" },
	{ "Linux cooked v2 IPv6", { 0 }, { .l2 = L2_SLL2, .v6 = 1, .payload = PL }, NULL, 1, NULL, TRACE_OK, AF_INET6, IPPROTO_TCP, 16, 16, "LINUX_SLL2" },
	{ "raw IPv4", { 0 }, { .l2 = L2_RAW, .payload = PL }, NULL, 1, NULL, TRACE_OK, AF_INET, IPPROTO_TCP, 16, 16, "RAW" },
	{ "raw IPv6", { 0 }, { .l2 = L2_RAW, .v6 = 1, .payload = PL }, NULL, 1, NULL, TRACE_OK, AF_INET6, IPPROTO_TCP, 16, 16, "RAW" },
	{ "DLT_IPV4", { 0 }, { .l2 = L2_IPV4, .payload = PL }, NULL, 1, NULL, TRACE_OK, AF_INET, IPPROTO_TCP, 16, 16, "IPV4" },
	{ "DLT_IPV6", { 0 }, { .l2 = L2_IPV6, .v6 = 1, .payload = PL }, NULL, 1, NULL, TRACE_OK, AF_INET6, IPPROTO_TCP, 16, 16, "IPV6" },
	{ "BSD null", { 0 }, { .l2 = L2_NULL, .v6 = 1, .payload = PL }, NULL, 1, NULL, TRACE_OK, AF_INET6, IPPROTO_TCP, 16, 16, "NULL" },
	{ "BSD loop", { 0 }, { .l2 = L2_LOOP, .payload = PL }, NULL, 1, NULL, TRACE_OK, AF_INET, IPPROTO_TCP, 16, 16, "LOOP" },
	{ "big-endian nanosecond pcap", { .bigendian = 1, .magic = 0xa1b23c4d }, { .payload = PL }, NULL, 1, NULL, TRACE_OK, AF_INET, IPPROTO_TCP, 16, 16, "EN10MB" },
	{ "pcapng", { .pcapng = 1, .npkts = 3 }, { .payload = PL }, NULL, 3, NULL, TRACE_OK, AF_INET, IPPROTO_TCP, 16, 16, "EN10MB" },
	{ "pcapng payload cut", { .pcapng = 1 }, { .v6 = 1, .payload = PL, .cut = 4 }, NULL, 1, NULL, TRACE_OK, AF_INET6, IPPROTO_TCP, 16, 12, "EN10MB" },
};

static char tmpdir[64];

static void make_dir(void)
{
	tl_tmpdir_make(tmpdir, sizeof(tmpdir), "test_trace");
}

/* Unchecked teardown: a failed case may have left its file. */
static void remove_dir(void)
{
	tl_tmpdir_remove(tmpdir);
}

/* Write the file of c into path. */
static void write_case(const struct file_case *c, const char *path)
{
	struct buf b = { .n = 0 }, fr = { .n = 0 };
	const struct file_spec *f = &c->file;
	int k, n = f->npkts ? f->npkts : 1;

	if (f->raw) {
		put(&b, f->raw, f->raw_len);
	} else {
		frame(&fr, &c->frame);
		if (c->frame.frame_len)
			fr.n = c->frame.frame_len;
		file_header(&b, f, f->linktype ? f->linktype : linktypes[c->frame.l2]);
		if (!f->header_len)
			for (k = 0; k < n; k++)
				record(&b, f, &fr, c->frame.cut, k);
		switch (f->tail) {
		case TAIL_NONE:
			break;
		case TAIL_REC_HDR:
			put32(&b, 1, 0); put32(&b, 2, 0);
			break;
		case TAIL_REC_DATA:
			put32(&b, 1, 0); put32(&b, 2, 0); put32(&b, 60, 0); put32(&b, 60, 0);
			put(&b, fr.d, 20);
			break;
		case TAIL_HUGE_CAPLEN:
			put32(&b, 1, 0); put32(&b, 2, 0); put32(&b, 0x7fffffff, 0); put32(&b, 0x7fffffff, 0);
			put(&b, fr.d, 20);
			break;
		}
	}
	ck_assert_msg(file_write(path, (const char *)b.d, b.n, 0600) == 0, "%s", err_get());
}

START_TEST(test_file)
{
	const struct file_case *c = &file_cases[_i];
	char path[128];
	struct trace_pkt p, first;
	struct trace *t;
	int rc, n = 0;

	snprintf(path, sizeof(path), "%s/case%d.pcap", tmpdir, _i);
	write_case(c, path);
	err_clear();
	t = trace_open(path);
	if (c->open_err) {
		ck_assert_msg(t == NULL, "%s: opened", c->name);
		assert_has(err_get(), c->open_err);
		assert_has(err_get(), path); /* the message names the file */
		ck_assert_int_eq(unlink(path), 0);
		return;
	}
	ck_assert_msg(t != NULL, "%s: %s", c->name, err_get());
	ck_assert_str_eq(trace_linktype_name(t), c->dlt);
	ck_assert_str_eq(trace_format(t), c->file.pcapng ? "pcapng" : "pcap");
	memset(&first, 0, sizeof(first));
	while ((rc = trace_next(t, &p)) > 0) {
		if (++n == 1)
			first = p;
		ck_assert_uint_eq(p.index, (uint64_t)n);
	}
	ck_assert_msg(n == c->packets, "%s: %d packets, expected %d", c->name, n, c->packets);
	if (c->next_err) {
		ck_assert_msg(rc < 0, "%s: no error", c->name);
		assert_has(err_get(), c->next_err);
		assert_has(err_get(), path);
		ck_assert_int_eq(trace_next(t, &p), -1); /* and it stays an error */
	} else {
		ck_assert_msg(rc == 0, "%s: %s", c->name, err_get());
	}
	ck_assert_msg(first.reason == c->reason, "%s: reason '%s', expected '%s'", c->name,
		      trace_reason_str(first.reason), trace_reason_str(c->reason));
	ck_assert_int_eq(first.family, c->family);
	if (first.family && first.reason != TRACE_SHORT_IP && first.reason != TRACE_BAD_IP)
		ck_assert_uint_eq(first.proto, c->proto);
	ck_assert_uint_eq(first.payload_len, c->payload_len);
	ck_assert_uint_eq(first.payload_caplen, c->payload_caplen);
	if (c->reason == TRACE_OK && (c->proto == IPPROTO_TCP || c->proto == IPPROTO_UDP)) {
		char a[INET6_ADDRSTRLEN];

		ck_assert_int_eq(first.has_ports, 1);
		ck_assert_uint_eq(first.sport, c->proto == IPPROTO_TCP ? 40000 : 5353);
		ck_assert_str_eq(trace_addr_str(&first, 1, a, sizeof(a)),
				 c->family == AF_INET ? "198.51.100.2" : "2001:db8::1234");
		ck_assert_msg(memcmp(first.ip + first.payload_off, PL, first.payload_caplen) == 0,
			      "%s: payload not where it was put", c->name);
	}
	if (c->reason == TRACE_OK && c->proto == IPPROTO_TCP) {
		ck_assert_uint_eq(first.tcp.seq, 1000);
		ck_assert_uint_eq(first.tcp.ack, 2000);
		ck_assert_uint_eq(first.tcp.flags, TRACE_PSH | TRACE_ACK);
		ck_assert_uint_eq(first.tcp.win, 512);
	}
	if (c->file.magic == 0xa1b23c4d)
		ck_assert_int_eq(first.ts.tv_usec, 123456);
	else if (c->reason == TRACE_OK)
		ck_assert_int_eq(first.ts.tv_usec, 7);
	if (c->reason != TRACE_OK) {
		ck_assert_int_eq(first.has_ports, 0);
		ck_assert_str_ne(trace_reason_str(first.reason), "ok");
	}
	trace_close(t);
	ck_assert_int_eq(unlink(path), 0);
}
END_TEST

START_TEST(test_missing_file)
{
	err_clear();
	ck_assert_ptr_null(trace_open("/nonexistent/x.pcap"));
	assert_has(err_get(), "/nonexistent/x.pcap: No such file or directory");
	trace_close(NULL);
}
END_TEST

START_TEST(test_directory)
{
	err_clear();
	ck_assert_ptr_null(trace_open(tmpdir));
	assert_has(err_get(), tmpdir);
}
END_TEST

struct reason_case {
	enum trace_reason r;
	const char *text;
};

static const struct reason_case reason_cases[] = {
	{ TRACE_OK, "ok" },
	{ TRACE_BAD_IHL, "IPv4 header length below 20" },
	{ TRACE_BAD_L4, "TCP data offset" },
	{ (enum trace_reason)99, "?" },
};

START_TEST(test_reason_str)
{
	assert_has(trace_reason_str(reason_cases[_i].r), reason_cases[_i].text);
}
END_TEST

static Suite *trace_suite(void)
{
	Suite *s = suite_create("trace");
	TCase *pub = tcase_create("public captures");
	TCase *files = tcase_create("files");

	tcase_add_loop_test(pub, test_public, 0, ARRAY_SIZE(public_cases));
	suite_add_tcase(s, pub);
	tcase_add_unchecked_fixture(files, make_dir, remove_dir);
	tcase_add_loop_test(files, test_file, 0, ARRAY_SIZE(file_cases));
	tcase_add_test(files, test_missing_file);
	tcase_add_test(files, test_directory);
	tcase_add_loop_test(files, test_reason_str, 0, ARRAY_SIZE(reason_cases));
	suite_add_tcase(s, files);
	return s;
}

int main(void)
{
	return tl_main(trace_suite());
}
