/*
 * trace: a packet capture read back. See trace.h.
 *
 * libpcap does the reading, but it quietly replaces a snapshot length of 0
 * or beyond its per-link-type maximum by that maximum, and its messages for
 * a file that is no capture at all ("unknown file format") do not say what
 * was found. So the first bytes are read here first (magic, and for pcap
 * the file header, for pcapng the first interface description block),
 * then the same FILE is rewound and handed to libpcap.
 */
#include "trace.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define PCAP_HDR_LEN 24
#define PCAPNG_SHB 0x0A0D0D0Au
#define PCAPNG_IDB 0x00000001u
#define PCAPNG_BOM 0x1A2B3C4Du
/* How far into a pcapng file the first interface description is looked for. */
#define PCAPNG_SCAN_BLOCKS 32

struct trace {
	char *path;             /* owned */
	pcap_t *pcap;           /* owned; owns the FILE */
	const struct link *link;
	const char *format;     /* "pcap", "pcapng" */
	uint32_t snaplen;
	uint64_t count;
	int done;               /* 1 at end of file, -1 after an error */
	char err[1024];         /* the error trace_next() repeats after -1 */
};

/*
 * One row per supported link type: how to find the IP packet in a frame.
 * l3() gets the captured frame and returns TRACE_OK with *off (where the
 * IP header starts) and *family set, or TRACE_NOT_IP / TRACE_SHORT_LINK.
 */
struct link {
	int dlt;
	const char *name;
	enum trace_reason (*l3)(const uint8_t *f, size_t cap, size_t *off, int *family);
};

static enum trace_reason l3_ether(const uint8_t *f, size_t cap, size_t *off, int *family);
static enum trace_reason l3_sll(const uint8_t *f, size_t cap, size_t *off, int *family);
static enum trace_reason l3_sll2(const uint8_t *f, size_t cap, size_t *off, int *family);
static enum trace_reason l3_raw(const uint8_t *f, size_t cap, size_t *off, int *family);
static enum trace_reason l3_ipv4(const uint8_t *f, size_t cap, size_t *off, int *family);
static enum trace_reason l3_ipv6(const uint8_t *f, size_t cap, size_t *off, int *family);
static enum trace_reason l3_null(const uint8_t *f, size_t cap, size_t *off, int *family);
static enum trace_reason l3_loop(const uint8_t *f, size_t cap, size_t *off, int *family);

static const struct link links[] = {
	{ DLT_EN10MB,     "EN10MB",     l3_ether },
	{ DLT_LINUX_SLL,  "LINUX_SLL",  l3_sll },
	{ DLT_LINUX_SLL2, "LINUX_SLL2", l3_sll2 },
	{ DLT_RAW,        "RAW",        l3_raw },
	{ DLT_IPV4,       "IPV4",       l3_ipv4 },
	{ DLT_IPV6,       "IPV6",       l3_ipv6 },
	{ DLT_NULL,       "NULL",       l3_null },
	{ DLT_LOOP,       "LOOP",       l3_loop },
};

static const char *const reasons[] = {
	[TRACE_OK]         = "ok",
	[TRACE_NOT_IP]     = "not IP",
	[TRACE_SHORT_LINK] = "frame cut inside the link-layer header",
	[TRACE_SHORT_IP]   = "IP header cut by the snapshot length",
	[TRACE_BAD_IP]     = "IP version does not match the link layer",
	[TRACE_BAD_IHL]    = "IPv4 header length below 20 or past the packet",
	[TRACE_BAD_IP_LEN] = "IP length shorter than the header or past the frame",
	[TRACE_BAD_EXT]    = "IPv6 extension header past the packet",
	[TRACE_FRAGMENT]   = "IP fragment (not reassembled)",
	[TRACE_SHORT_L4]   = "TCP/UDP header cut by the snapshot length",
	[TRACE_BAD_L4]     = "TCP data offset below 5 or past the segment, or UDP too short",
};

_Static_assert(ARRAY_SIZE(reasons) == TRACE_BAD_L4 + 1, "one reasons[] row per enum trace_reason");

const char *trace_reason_str(enum trace_reason r)
{
	if ((unsigned)r >= ARRAY_SIZE(reasons))
		return "?";
	return reasons[r];
}

static uint16_t be16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static uint32_t be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static uint32_t le32(const uint8_t *b)
{
	return (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[1] << 8 | b[0];
}

static enum trace_reason from_ethertype(uint16_t type, int *family)
{
	if (type == 0x0800)
		*family = AF_INET;
	else if (type == 0x86DD)
		*family = AF_INET6;
	else
		return TRACE_NOT_IP;
	return TRACE_OK;
}

/* Ethernet II, with up to four 802.1Q/802.1ad tags. */
static enum trace_reason l3_ether(const uint8_t *f, size_t cap, size_t *off, int *family)
{
	size_t pos = 12;
	int tags;

	for (tags = 0; tags <= 4; tags++) {
		uint16_t type;

		if (cap < pos + 2)
			return TRACE_SHORT_LINK;
		type = be16(f + pos);
		if (type != 0x8100 && type != 0x88A8 && type != 0x9100) {
			*off = pos + 2;
			return from_ethertype(type, family);
		}
		pos += 4;
	}
	return TRACE_NOT_IP;
}

/* Linux cooked v1: 16 bytes, protocol in the last two. */
static enum trace_reason l3_sll(const uint8_t *f, size_t cap, size_t *off, int *family)
{
	if (cap < 16)
		return TRACE_SHORT_LINK;
	*off = 16;
	return from_ethertype(be16(f + 14), family);
}

/* Linux cooked v2: 20 bytes, protocol in the first two. */
static enum trace_reason l3_sll2(const uint8_t *f, size_t cap, size_t *off, int *family)
{
	if (cap < 20)
		return TRACE_SHORT_LINK;
	*off = 20;
	return from_ethertype(be16(f), family);
}

static enum trace_reason from_version(const uint8_t *f, size_t cap, size_t off, int *family)
{
	if (cap <= off)
		return TRACE_SHORT_LINK;
	switch (f[off] >> 4) {
	case 4:
		*family = AF_INET;
		return TRACE_OK;
	case 6:
		*family = AF_INET6;
		return TRACE_OK;
	}
	return TRACE_NOT_IP;
}

static enum trace_reason l3_raw(const uint8_t *f, size_t cap, size_t *off, int *family)
{
	*off = 0;
	return from_version(f, cap, 0, family);
}

static enum trace_reason l3_ipv4(const uint8_t *f, size_t cap, size_t *off, int *family)
{
	(void)f;
	(void)cap;
	*off = 0;
	*family = AF_INET;
	return TRACE_OK;
}

static enum trace_reason l3_ipv6(const uint8_t *f, size_t cap, size_t *off, int *family)
{
	(void)f;
	(void)cap;
	*off = 0;
	*family = AF_INET6;
	return TRACE_OK;
}

/* BSD AF_ values: AF_INET is 2 everywhere, AF_INET6 is 24, 28 or 30. */
static enum trace_reason from_bsd_af(uint32_t af, int *family)
{
	if (af == 2)
		*family = AF_INET;
	else if (af == 24 || af == 28 || af == 30 || af == AF_INET6)
		*family = AF_INET6;
	else
		return TRACE_NOT_IP;
	return TRACE_OK;
}

/* DLT_NULL: 4-byte AF in the byte order of the machine that captured. */
static enum trace_reason l3_null(const uint8_t *f, size_t cap, size_t *off, int *family)
{
	uint32_t af;

	if (cap < 4)
		return TRACE_SHORT_LINK;
	*off = 4;
	af = le32(f);
	if (af > 0xffff)
		af = be32(f);
	return from_bsd_af(af, family);
}

/* DLT_LOOP: the same in network byte order. */
static enum trace_reason l3_loop(const uint8_t *f, size_t cap, size_t *off, int *family)
{
	if (cap < 4)
		return TRACE_SHORT_LINK;
	*off = 4;
	return from_bsd_af(be32(f), family);
}

/*
 * The transport header at ip + l4 (TCP, UDP, or anything else as opaque
 * payload). seglen is what the IP header says, segcap what was captured.
 */
static enum trace_reason parse_l4(struct trace_pkt *p, const uint8_t *ip, size_t l4)
{
	size_t seglen = p->ip_len - l4, segcap = p->ip_caplen - l4, hlen;
	const uint8_t *h = ip + l4;

	switch (p->proto) {
	case IPPROTO_TCP:
		if (seglen < 20)
			return TRACE_BAD_L4;
		if (segcap < 20)
			return TRACE_SHORT_L4;
		hlen = (size_t)(h[12] >> 4) * 4;
		if (hlen < 20 || hlen > seglen)
			return TRACE_BAD_L4;
		if (hlen > segcap)
			return TRACE_SHORT_L4;
		p->tcp.seq = be32(h + 4);
		p->tcp.ack = be32(h + 8);
		p->tcp.flags = h[13] & 0x3f;
		p->tcp.win = be16(h + 14);
		break;
	case IPPROTO_UDP:
		if (seglen < 8)
			return TRACE_BAD_L4;
		if (segcap < 8)
			return TRACE_SHORT_L4;
		hlen = 8;
		if (be16(h + 4) < 8 || be16(h + 4) > seglen)
			return TRACE_BAD_L4;
		seglen = be16(h + 4);
		if (segcap > seglen)
			segcap = seglen;
		break;
	default:
		p->payload_off = l4;
		p->payload_len = seglen;
		p->payload_caplen = segcap;
		return TRACE_OK;
	}
	p->has_ports = 1;
	p->sport = be16(h);
	p->dport = be16(h + 2);
	p->payload_off = l4 + hlen;
	p->payload_len = seglen - hlen;
	p->payload_caplen = segcap - hlen;
	return TRACE_OK;
}

/*
 * cap bytes of IPv4 captured, wire on the wire (the frame's original length
 * past the link header). A total length of 0 is what Linux records for
 * segmentation-offloaded packets: the frame length is used, as Wireshark does.
 */
static enum trace_reason parse_ipv4(struct trace_pkt *p, const uint8_t *ip, size_t cap, size_t wire)
{
	size_t ihl, tot;

	if (wire < 20)
		return TRACE_BAD_IP_LEN;
	if (cap < 20)
		return TRACE_SHORT_IP;
	if (ip[0] >> 4 != 4)
		return TRACE_BAD_IP;
	memcpy(p->src, ip + 12, 4);
	memcpy(p->dst, ip + 16, 4);
	p->proto = ip[9];
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	tot = be16(ip + 2);
	if (tot == 0)
		tot = wire;
	p->ip_len = tot;
	p->ip_caplen = cap < tot ? cap : tot;
	if (ihl < 20 || ihl > tot)
		return TRACE_BAD_IHL;
	if (tot > wire)
		return TRACE_BAD_IP_LEN;
	if (ihl > p->ip_caplen)
		return TRACE_SHORT_IP;
	if (be16(ip + 6) & 0x3fff)
		return TRACE_FRAGMENT;
	return parse_l4(p, ip, ihl);
}

/* IPv6 and its extension headers (hop-by-hop, routing, destination, fragment, AH). */
static enum trace_reason parse_ipv6(struct trace_pkt *p, const uint8_t *ip, size_t cap, size_t wire)
{
	size_t tot, off = 40;
	uint8_t nh;
	int n;

	if (wire < 40)
		return TRACE_BAD_IP_LEN;
	if (cap < 40)
		return TRACE_SHORT_IP;
	if (ip[0] >> 4 != 6)
		return TRACE_BAD_IP;
	memcpy(p->src, ip + 8, 16);
	memcpy(p->dst, ip + 24, 16);
	nh = ip[6];
	p->proto = nh;
	tot = be16(ip + 4) ? 40 + (size_t)be16(ip + 4) : wire; /* 0: jumbogram or offload */
	p->ip_len = tot;
	p->ip_caplen = cap < tot ? cap : tot;
	if (tot > wire)
		return TRACE_BAD_IP_LEN;
	for (n = 0; n < 8; n++) {
		size_t hlen;

		if (nh != 0 && nh != 43 && nh != 60 && nh != 44 && nh != 51)
			break;
		if (off + 8 > tot)
			return TRACE_BAD_EXT;
		if (off + 8 > p->ip_caplen)
			return TRACE_SHORT_IP;
		if (nh == 44) {
			hlen = 8;
			if (be16(ip + off + 2) & 0xfff9) {
				p->proto = ip[off];
				return TRACE_FRAGMENT;
			}
		} else if (nh == 51) {
			hlen = ((size_t)ip[off + 1] + 2) * 4;
		} else {
			hlen = ((size_t)ip[off + 1] + 1) * 8;
		}
		nh = ip[off];
		off += hlen;
		if (off > tot)
			return TRACE_BAD_EXT;
		if (off > p->ip_caplen)
			return TRACE_SHORT_IP;
	}
	p->proto = nh;
	return parse_l4(p, ip, off);
}

static void parse_packet(const struct trace *t, struct trace_pkt *p, const uint8_t *f)
{
	size_t off = 0, cap, wire;
	int family = 0;

	p->reason = t->link->l3(f, p->caplen, &off, &family);
	if (p->reason != TRACE_OK)
		return;
	if (off > p->caplen) {
		p->reason = TRACE_SHORT_LINK;
		return;
	}
	cap = p->caplen - off;
	wire = p->wirelen > p->caplen ? p->wirelen - off : cap;
	p->family = family;
	p->ip = f + off;
	if (family == AF_INET)
		p->reason = parse_ipv4(p, p->ip, cap, wire);
	else
		p->reason = parse_ipv6(p, p->ip, cap, wire);
	if (p->reason != TRACE_OK) {
		p->has_ports = 0;
		p->payload_off = p->payload_len = p->payload_caplen = 0;
	}
}

int trace_next(struct trace *t, struct trace_pkt *p)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	int rc;

	if (t->done > 0)
		return 0;
	if (t->done < 0)
		return err_set("%s", t->err);
	rc = pcap_next_ex(t->pcap, &h, &data);
	if (rc == PCAP_ERROR_BREAK) {
		t->done = 1;
		return 0;
	}
	if (rc != 1) {
		const char *msg = pcap_geterr(t->pcap);

		if (strstr(msg, "truncated"))
			snprintf(t->err, sizeof(t->err), "%s: truncated at packet %llu (%s)", t->path,
				 (unsigned long long)t->count + 1, msg);
		else
			snprintf(t->err, sizeof(t->err), "%s: packet %llu: %s", t->path,
				 (unsigned long long)t->count + 1, msg);
		t->done = -1;
		return err_set("%s", t->err);
	}
	memset(p, 0, sizeof(*p));
	p->index = ++t->count;
	p->ts = h->ts;
	p->caplen = h->caplen;
	p->wirelen = h->len;
	p->frame = data;
	parse_packet(t, p, data);
	return 1;
}

/*
 * The pcapng snapshot length: the first interface description block, found
 * by walking the blocks after the section header. Returns 0 and sets
 * *snaplen, or -1 with err set (message without the file name).
 */
static int pcapng_snaplen(FILE *fp, const uint8_t *shb, size_t have, uint32_t *snaplen)
{
	uint32_t (*get32)(const uint8_t *);
	uint8_t b[16];
	long pos;
	int n;

	if (have < 12)
		return err_set("truncated pcapng section header (%zu of 12 bytes)", have);
	if (le32(shb + 8) == PCAPNG_BOM)
		get32 = le32;
	else if (be32(shb + 8) == PCAPNG_BOM)
		get32 = be32;
	else
		return err_set("pcapng section header with bad byte-order magic");
	pos = (long)get32(shb + 4);
	for (n = 0; n < PCAPNG_SCAN_BLOCKS; n++) {
		uint32_t type, len;
		size_t got;

		if (pos < 12 || fseek(fp, pos, SEEK_SET) != 0)
			return err_set("pcapng block at offset %ld unreadable", pos);
		got = fread(b, 1, sizeof(b), fp);
		if (got < 8)
			return err_set("no interface description in the pcapng file");
		type = get32(b);
		len = get32(b + 4);
		if (type == PCAPNG_IDB) {
			if (got < 16)
				return err_set("truncated pcapng interface description");
			*snaplen = get32(b + 12);
			return 0;
		}
		if (len < 12 || len % 4)
			return err_set("pcapng block at offset %ld has length %u", pos, len);
		pos += (long)len;
	}
	return err_set("no interface description in the first %d pcapng blocks", PCAPNG_SCAN_BLOCKS);
}

/* The file's magic, format and declared snapshot length, before libpcap sees it. */
static int check_header(struct trace *t, FILE *fp)
{
	uint8_t h[PCAP_HDR_LEN];
	uint32_t magic;
	size_t n;

	n = fread(h, 1, sizeof(h), fp);
	if (ferror(fp))
		return err_sys("read");
	if (n == 0)
		return err_set("empty file");
	if (n < 4)
		return err_set("not a pcap or pcapng file (only %zu bytes)", n);
	magic = le32(h);
	if (magic == PCAPNG_SHB) {
		t->format = "pcapng";
		if (pcapng_snaplen(fp, h, n, &t->snaplen) < 0)
			return -1;
	} else if (magic == 0xa1b2c3d4 || magic == 0xa1b23c4d || magic == 0xa1b2cd34 ||
		   be32(h) == 0xa1b2c3d4 || be32(h) == 0xa1b23c4d || be32(h) == 0xa1b2cd34) {
		t->format = "pcap";
		if (n < PCAP_HDR_LEN)
			return err_set("truncated file header (%zu of %d bytes)", n, PCAP_HDR_LEN);
		t->snaplen = (h[0] == 0xd4 || h[0] == 0x4d || h[0] == 0x34) ? le32(h + 16)
									      : be32(h + 16);
	} else {
		return err_set("not a pcap or pcapng file (bad magic 0x%02x%02x%02x%02x)", h[0], h[1],
			       h[2], h[3]);
	}
	if (t->snaplen == 0)
		return err_set("snapshot length 0");
	if (t->snaplen > TRACE_SNAPLEN_MAX)
		return err_set("snapshot length %u is absurd (more than %u)", t->snaplen,
			       TRACE_SNAPLEN_MAX);
	if (fseek(fp, 0, SEEK_SET) != 0)
		return err_sys("rewind");
	return 0;
}

static const struct link *find_link(int dlt)
{
	size_t k;

	for (k = 0; k < ARRAY_SIZE(links); k++)
		if (links[k].dlt == dlt)
			return &links[k];
	return NULL;
}

/* libpcap's name for a DLT_ value; it has none for the user types 147-162. */
static const char *dlt_name(int dlt, char *buf, size_t len)
{
	const char *name = pcap_datalink_val_to_name(dlt);

	if (name)
		return name;
	if (dlt >= DLT_USER0 && dlt <= DLT_USER15)
		snprintf(buf, len, "USER%d", dlt - DLT_USER0);
	else
		snprintf(buf, len, "unknown");
	return buf;
}

struct trace *trace_open(const char *path)
{
	char errbuf[PCAP_ERRBUF_SIZE], name[32];
	struct trace *t = xcalloc(1, sizeof(*t));
	FILE *fp;
	int dlt;

	t->path = xstrdup(path);
	fp = fopen(path, "rb");
	if (!fp) {
		err_sys("%s", path);
		goto out_free;
	}
	if (check_header(t, fp) < 0) {
		fclose(fp);
		goto out_prefix;
	}
	errbuf[0] = '\0';
	t->pcap = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
	if (!t->pcap) {
		fclose(fp);
		err_set("%s", errbuf[0] ? errbuf : "libpcap cannot read it");
		goto out_prefix;
	}
	dlt = pcap_datalink(t->pcap);
	t->link = find_link(dlt);
	if (!t->link) {
		err_set("link type %d (%s) not supported", dlt, dlt_name(dlt, name, sizeof(name)));
		goto out_prefix;
	}
	return t;

out_prefix:
	err_prefix("%s", path);
out_free:
	trace_close(t);
	return NULL;
}

void trace_close(struct trace *t)
{
	if (!t)
		return;
	if (t->pcap)
		pcap_close(t->pcap);
	free(t->path);
	free(t);
}

const char *trace_path(const struct trace *t)
{
	return t->path;
}

int trace_linktype(const struct trace *t)
{
	return t->link->dlt;
}

const char *trace_linktype_name(const struct trace *t)
{
	return t->link->name;
}

uint32_t trace_snaplen(const struct trace *t)
{
	return t->snaplen;
}

const char *trace_format(const struct trace *t)
{
	return t->format;
}

uint64_t trace_count(const struct trace *t)
{
	return t->count;
}

const char *trace_addr_str(const struct trace_pkt *p, int which, char *buf, size_t len)
{
	if (p->family != AF_INET && p->family != AF_INET6)
		return "?";
	if (!inet_ntop(p->family, which ? p->dst : p->src, buf, (socklen_t)len))
		return "?";
	return buf;
}
