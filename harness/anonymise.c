/* anonymise: a packet's addresses mapped, FTP announcements included. See anonymise.h. */
#include "anonymise.h"
#include "rewrite.h"
#include "trace.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#define FTP_PORT 21
#define PAYLOAD_MAX 65536

/* One direction pair of an FTP control connection, as captured. */
struct ctl_flow {
	int family;
	uint8_t a[16];            /* the end that sent the first packet seen */
	uint16_t pa;
	uint8_t b[16];
	uint16_t pb;
	struct rw_seqmap shift[2];  /* per direction (0: a -> b): our length changes */
	int bol[2];                 /* the direction's stream is at the start of a line */
};

struct anon {
	struct cryptopan *cp;       /* owned */
	struct ctl_flow *flows;     /* owned */
	size_t nflows, cap;
	struct anon_stats st;
	uint8_t pay[PAYLOAD_MAX + 1024];
};

struct anon *anon_new(const uint8_t key[CRYPTOPAN_KEY_LEN])
{
	struct anon *a = xcalloc(1, sizeof(*a));

	a->cp = cryptopan_new(key);
	return a;
}

void anon_free(struct anon *a)
{
	if (!a)
		return;
	cryptopan_free(a->cp);
	free(a->flows);
	free(a);
}

const struct anon_stats *anon_stats(const struct anon *a)
{
	return &a->st;
}

static void map_addr(const struct anon *a, int family, uint8_t *addr)
{
	if (family == AF_INET)
		cryptopan_ipv4(a->cp, addr, addr);
	else
		cryptopan_ipv6(a->cp, addr, addr);
}

/* RFC 1624: the checksum at field after n bytes (even) changed from old to now. */
static void csum_adjust(uint8_t *field, const uint8_t *old, const uint8_t *now, size_t n, int udp)
{
	uint32_t sum = (uint16_t)~rw_get16(field);
	size_t i;

	if (udp && rw_get16(field) == 0)
		return;   /* an IPv4 UDP datagram without a checksum */
	for (i = 0; i + 1 < n; i += 2)
		sum += (uint16_t)~rw_get16(old + i) + (uint32_t)rw_get16(now + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = (uint16_t)~sum;
	rw_put16(field, udp && sum == 0 ? 0xffff : (uint16_t)sum);
}

/* Where the transport header starts and which it is: 0 none to adjust. */
static size_t l4_of(const uint8_t *ip, size_t caplen, int family, uint8_t *proto)
{
	if (family == AF_INET) {
		size_t ihl = (size_t)(ip[0] & 0x0f) * 4;

		if ((rw_get16(ip + 6) & 0x1fff) != 0)
			return 0;   /* not the first fragment: no transport header here */
		*proto = ip[9];
		return ihl <= caplen ? ihl : 0;
	}
	*proto = ip[6];
	return 40;   /* extension headers are not walked: the checksum is kept */
}

/* Addresses of the header mapped, checksums adjusted; the rest as captured. */
static void map_headers(struct anon *a, const uint8_t *ip, size_t caplen, int family, uint8_t *out)
{
	size_t alen = family == AF_INET ? 4 : 16, aoff = family == AF_INET ? 12 : 8, l4;
	uint8_t old[32], now[32], proto = 0;

	memcpy(out, ip, caplen);
	memcpy(old, ip + aoff, 2 * alen);
	map_addr(a, family, out + aoff);
	map_addr(a, family, out + aoff + alen);
	memcpy(now, out + aoff, 2 * alen);
	if (family == AF_INET)
		rw_put16(out + 10, rw_ipv4_csum(out, (size_t)(out[0] & 0x0f) * 4));
	l4 = l4_of(out, caplen, family, &proto);
	if (l4 && proto == IPPROTO_TCP && l4 + 18 <= caplen)
		csum_adjust(out + l4 + 16, old, now, 2 * alen, 0);
	else if (l4 && proto == IPPROTO_UDP && l4 + 8 <= caplen)
		csum_adjust(out + l4 + 6, old, now, 2 * alen, 1);
	else if (proto == IPPROTO_TCP || proto == IPPROTO_UDP)
		a->st.l4_kept++;
	a->st.mapped++;
}

static struct ctl_flow *flow_of(struct anon *a, const struct rw_pkt *p, int *dir)
{
	size_t alen = p->family == AF_INET ? 4 : 16, i;
	struct ctl_flow *f;

	for (i = 0; i < a->nflows; i++) {
		f = &a->flows[i];
		if (f->family != p->family)
			continue;
		if (f->pa == p->sport && f->pb == p->dport && !memcmp(f->a, p->src, alen) && !memcmp(f->b, p->dst, alen)) {
			*dir = 0;
			return f;
		}
		if (f->pb == p->sport && f->pa == p->dport && !memcmp(f->b, p->src, alen) && !memcmp(f->a, p->dst, alen)) {
			*dir = 1;
			return f;
		}
	}
	if (a->nflows == a->cap) {
		a->cap = a->cap ? 2 * a->cap : 16;
		a->flows = xrealloc(a->flows, a->cap * sizeof(*a->flows));
	}
	f = &a->flows[a->nflows++];
	memset(f, 0, sizeof(*f));
	f->family = p->family;
	memcpy(f->a, p->src, alen);
	memcpy(f->b, p->dst, alen);
	f->pa = p->sport;
	f->pb = p->dport;
	f->bol[0] = f->bol[1] = 1;
	*dir = 0;
	return f;
}

/* One complete line: its announcement's address mapped (if it has one). */
static int map_line(struct anon *a, const uint8_t *line, size_t len, int from_client, uint8_t *out, size_t cap,
		    size_t *outlen)
{
	struct rw_ann found;
	struct rw_ftp_addrs to;
	uint8_t addr[16];
	size_t n;

	if (!rw_ftp_scan(line, len, from_client, 1, &found, 1) || !found.was.addr[0] ||
	    inet_pton(found.was.family, found.was.addr, addr) != 1) {
		if (len > cap)
			return err_set("anonymise: no room for a line of %zu bytes", len);
		memcpy(out, line, len);
		*outlen = len;
		return 0;
	}
	map_addr(a, found.was.family, addr);
	memset(&to, 0, sizeof(to));
	if (!inet_ntop(found.was.family, addr, found.was.family == AF_INET ? to.v4 : to.v6,
		       found.was.family == AF_INET ? sizeof(to.v4) : sizeof(to.v6)))
		return err_sys("inet_ntop");
	a->st.announcements++;
	return rw_ftp_payload(line, len, from_client, 1, &to, out, cap, outlen, &found, 1, &n);
}

/* A control connection's payload, line by line, into a->pay. */
static int map_payload(struct anon *a, struct ctl_flow *f, int dir, int from_client, const uint8_t *in, size_t len,
		       size_t *outlen)
{
	size_t i = 0, o = 0, cap = sizeof(a->pay);
	int bol = f->bol[dir];

	while (i < len) {
		const uint8_t *nl = memchr(in + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - in) + 1 : len, ol;

		if (bol && nl) {
			if (map_line(a, in + i, end - i, from_client, a->pay + o, cap - o, &ol) < 0)
				return -1;
		} else {
			/* the rest of a line begun before, or one not ended yet: as it is */
			ol = end - i;
			if (ol > cap - o)
				return err_set("anonymise: payload too large");
			memcpy(a->pay + o, in + i, ol);
		}
		o += ol;
		bol = nl != NULL;
		i = end;
	}
	f->bol[dir] = bol;   /* where the payload left the stream (unchanged when empty) */
	*outlen = o;
	return 0;
}

static uint32_t map_edge(void *ctx, uint32_t edge)
{
	return rw_seqmap_map(ctx, edge);
}

/* A whole FTP control packet: numbers shifted, text and addresses mapped, rebuilt. */
static int map_control(struct anon *a, struct rw_pkt *p, uint8_t *out, size_t cap, size_t *outlen)
{
	int dir, from_client = p->dport == FTP_PORT, n;
	struct ctl_flow *f = flow_of(a, p, &dir);
	uint32_t seq = p->seq;
	size_t plen = 0;

	if (map_payload(a, f, dir, from_client, p->payload, p->plen, &plen) < 0)
		return -1;
	p->seq = rw_seqmap_map(&f->shift[dir], seq);
	if (p->flags & TRACE_ACK)
		p->ack = rw_seqmap_map(&f->shift[!dir], p->ack);
	rw_opts_map_sack(p->opt, p->optlen, map_edge, &f->shift[!dir]);
	if (plen != p->plen) {
		rw_seqmap_add(&f->shift[dir], seq, (int32_t)plen - (int32_t)p->plen);
		a->st.resized++;
	}
	p->payload = a->pay;
	p->plen = plen;
	map_addr(a, p->family, p->src);
	map_addr(a, p->family, p->dst);
	n = rw_build(p, out, cap);
	if (n < 0)
		return -1;
	*outlen = (size_t)n;
	a->st.mapped++;
	return 0;
}

int anon_arp(struct anon *a, uint8_t *arp, size_t len)
{
	size_t hlen;

	/* htype (any), ptype IPv4, hlen, plen 4; then sha spa tha tpa */
	if (len < 8 || rw_get16(arp + 2) != 0x0800 || arp[5] != 4)
		return 0;
	hlen = arp[4];
	if (len < 8 + 2 * hlen + 8)
		return 0;
	map_addr(a, AF_INET, arp + 8 + hlen);
	map_addr(a, AF_INET, arp + 8 + 2 * hlen + 4);
	a->st.arp++;
	return 1;
}

int anon_packet(struct anon *a, const uint8_t *ip, size_t caplen, size_t wirelen, uint8_t *out, size_t cap,
		size_t *outlen, size_t *outwire)
{
	int family = caplen ? (ip[0] >> 4 == 4 ? AF_INET : ip[0] >> 4 == 6 ? AF_INET6 : 0) : 0;
	size_t hdr = family == AF_INET ? 20 : 40, l4;
	uint8_t proto = 0;
	struct rw_pkt p;

	a->st.packets++;
	if (cap < caplen)
		return err_set("anonymise: no room for a packet of %zu bytes", caplen);
	*outlen = caplen;
	*outwire = wirelen;
	if (!family || caplen < hdr || (family == AF_INET && (size_t)(ip[0] & 0x0f) * 4 > caplen)) {
		memcpy(out, ip, caplen);
		a->st.not_ip++;
		return 0;
	}
	l4 = l4_of(ip, caplen, family, &proto);
	if (l4 && proto == IPPROTO_TCP && l4 + 4 <= caplen &&
	    (rw_get16(ip + l4) == FTP_PORT || rw_get16(ip + l4 + 2) == FTP_PORT)) {
		if (caplen >= wirelen && rw_parse(ip, caplen, &p) == 0) {
			if (map_control(a, &p, out, cap, outlen) < 0)
				return -1;
			*outwire = *outlen;
			return 0;
		}
		err_clear();
		a->st.ftp_cut++;
	}
	map_headers(a, ip, caplen, family, out);
	return 0;
}
