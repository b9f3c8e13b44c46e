/* rewrite: addresses, FTP announcements, sequence maps, checksums. See rewrite.h. */
#include "rewrite.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#define IPV4_HLEN 20
#define IPV6_HLEN 40
#define TCP_HLEN 20
#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_SACK 5

/* ---- checksums ---- */

uint32_t rw_csum_add(uint32_t sum, const void *buf, size_t len)
{
	const uint8_t *b = buf;
	uint64_t s = sum;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		s += (uint32_t)(b[len - 1] << 8);
	while (s >> 32)
		s = (s & 0xffffffffu) + (s >> 32);
	return (uint32_t)s;
}

uint16_t rw_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t rw_ipv4_csum(const uint8_t *hdr, size_t ihl)
{
	uint32_t s = rw_csum_add(0, hdr, 10);

	/* bytes 10-11 are the checksum field itself */
	if (ihl > 12)
		s = rw_csum_add(s, hdr + 12, ihl - 12);
	return rw_csum_fold(s);
}

uint16_t rw_tcp_csum(int family, const uint8_t *src, const uint8_t *dst, const uint8_t *seg, size_t len)
{
	size_t alen = family == AF_INET6 ? 16 : 4;
	uint8_t tail[8];
	uint32_t s = 0;

	s = rw_csum_add(s, src, alen);
	s = rw_csum_add(s, dst, alen);
	if (family == AF_INET6) {
		/* upper-layer length (32 bits), three zero bytes, next header */
		rw_put32(tail, (uint32_t)len);
		tail[4] = tail[5] = tail[6] = 0;
		tail[7] = 6;
		s = rw_csum_add(s, tail, 8);
	} else {
		/* zero, protocol, TCP length */
		tail[0] = 0;
		tail[1] = 6;
		rw_put16(tail + 2, (uint16_t)len);
		s = rw_csum_add(s, tail, 4);
	}
	/* the segment with its checksum field (bytes 16-17) taken as zero */
	s = rw_csum_add(s, seg, len < 16 ? len : 16);
	if (len > 18)
		s = rw_csum_add(s, seg + 18, len - 18);
	return rw_csum_fold(s);
}

/* ---- sequence maps ---- */

int rw_seq_before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

void rw_seqmap_init(struct rw_seqmap *m)
{
	memset(m, 0, sizeof(*m));
}

void rw_seqmap_add(struct rw_seqmap *m, uint32_t pos, int32_t delta)
{
	int32_t base;

	if (delta == 0)
		return;
	/* A rewrite at or before the last one (a retransmission of a
	 * rewritten packet, or of one before it) restarts from there. */
	while (m->n && !rw_seq_before(m->e[m->n - 1].pos, pos))
		m->n--;
	base = m->n ? m->e[m->n - 1].total : 0;
	if (m->n == RW_SEQMAP_MAX) {
		/* The oldest entry goes; the next one's total already includes it. */
		memmove(&m->e[0], &m->e[1], (RW_SEQMAP_MAX - 1) * sizeof(m->e[0]));
		m->n--;
	}
	m->e[m->n].pos = pos;
	m->e[m->n].total = base + delta;
	m->n++;
}

int32_t rw_seqmap_offset(const struct rw_seqmap *m, uint32_t x)
{
	unsigned i;

	for (i = m->n; i > 0; i--)
		if (rw_seq_before(m->e[i - 1].pos, x))
			return m->e[i - 1].total;
	return 0;
}

uint32_t rw_seqmap_map(const struct rw_seqmap *m, uint32_t x)
{
	return x + (uint32_t)rw_seqmap_offset(m, x);
}

/* ---- packets ---- */

int rw_parse(const uint8_t *ip, size_t len, struct rw_pkt *p)
{
	size_t off, total, doff;
	const uint8_t *t;

	memset(p, 0, sizeof(*p));
	if (len < 1)
		return err_set("empty packet");
	switch (ip[0] >> 4) {
	case 4: {
		size_t ihl;

		if (len < IPV4_HLEN)
			return err_set("IPv4 header cut (%zu bytes)", len);
		ihl = (size_t)(ip[0] & 0x0f) * 4;
		total = rw_get16(ip + 2);
		if (ihl < IPV4_HLEN || total < ihl || total > len)
			return err_set("IPv4 lengths: header %zu, total %zu, captured %zu", ihl, total, len);
		if (ip[9] != 6)
			return err_set("IPv4 protocol %u is not TCP", ip[9]);
		if (rw_get16(ip + 6) & 0x3fff)
			return err_set("IPv4 fragment");
		p->family = AF_INET;
		p->tos = ip[1];
		p->ip_id = rw_get16(ip + 4);
		p->df = (ip[6] & 0x40) != 0;
		p->ttl = ip[8];
		memcpy(p->src, ip + 12, 4);
		memcpy(p->dst, ip + 16, 4);
		off = ihl;
		break;
	}
	case 6:
		if (len < IPV6_HLEN)
			return err_set("IPv6 header cut (%zu bytes)", len);
		total = IPV6_HLEN + (size_t)rw_get16(ip + 4);
		if (total > len)
			return err_set("IPv6 payload length %zu past the %zu bytes captured", total - IPV6_HLEN,
				       len - IPV6_HLEN);
		if (ip[6] != 6)
			return err_set("IPv6 next header %u is not TCP", ip[6]);
		p->family = AF_INET6;
		p->tos = (uint8_t)(rw_get16(ip) >> 4);
		p->flowlabel = rw_get32(ip) & 0xfffff;
		p->ttl = ip[7];
		memcpy(p->src, ip + 8, 16);
		memcpy(p->dst, ip + 24, 16);
		off = IPV6_HLEN;
		break;
	default:
		return err_set("IP version %u", ip[0] >> 4);
	}
	if (total - off < TCP_HLEN)
		return err_set("TCP header cut (%zu bytes)", total - off);
	t = ip + off;
	doff = (size_t)(t[12] >> 4) * 4;
	if (doff < TCP_HLEN || doff > total - off)
		return err_set("TCP data offset %zu (segment of %zu bytes)", doff, total - off);
	p->sport = rw_get16(t);
	p->dport = rw_get16(t + 2);
	p->seq = rw_get32(t + 4);
	p->ack = rw_get32(t + 8);
	p->flags = t[13];
	p->win = rw_get16(t + 14);
	p->urg = rw_get16(t + 18);
	p->optlen = doff - TCP_HLEN;
	memcpy(p->opt, t + TCP_HLEN, p->optlen);
	p->payload = t + doff;
	p->plen = total - off - doff;
	return 0;
}

static size_t opt_padded(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

size_t rw_build_len(const struct rw_pkt *p)
{
	return (p->family == AF_INET6 ? IPV6_HLEN : IPV4_HLEN) + TCP_HLEN + opt_padded(p->optlen) + p->plen;
}

int rw_build(const struct rw_pkt *p, uint8_t *out, size_t cap)
{
	size_t hl, optl = opt_padded(p->optlen), seglen, total;
	uint8_t *t;

	if (p->family != AF_INET && p->family != AF_INET6)
		return err_set("build: unknown family %d", p->family);
	if (p->optlen > RW_TCP_OPT_MAX)
		return err_set("build: %zu bytes of TCP options (at most %d)", p->optlen, RW_TCP_OPT_MAX);
	hl = p->family == AF_INET6 ? IPV6_HLEN : IPV4_HLEN;
	seglen = TCP_HLEN + optl + p->plen;
	total = hl + seglen;
	if (total > cap)
		return err_set("build: packet of %zu bytes, room for %zu", total, cap);
	if (p->family == AF_INET ? total > 0xffff : seglen > 0xffff)
		return err_set("build: packet of %zu bytes is too long for IP", total);
	if (p->family == AF_INET) {
		out[0] = 0x45;
		out[1] = p->tos;
		rw_put16(out + 2, (uint16_t)total);
		rw_put16(out + 4, p->ip_id);
		rw_put16(out + 6, p->df ? 0x4000 : 0);
		out[8] = p->ttl;
		out[9] = 6;
		memcpy(out + 12, p->src, 4);
		memcpy(out + 16, p->dst, 4);
		rw_put16(out + 10, rw_ipv4_csum(out, IPV4_HLEN));
	} else {
		rw_put32(out, 6u << 28 | (uint32_t)p->tos << 20 | (p->flowlabel & 0xfffff));
		rw_put16(out + 4, (uint16_t)seglen);
		out[6] = 6;
		out[7] = p->ttl;
		memcpy(out + 8, p->src, 16);
		memcpy(out + 24, p->dst, 16);
	}
	t = out + hl;
	rw_put16(t, p->sport);
	rw_put16(t + 2, p->dport);
	rw_put32(t + 4, p->seq);
	rw_put32(t + 8, p->ack);
	t[12] = (uint8_t)(((TCP_HLEN + optl) / 4) << 4);
	t[13] = p->flags;
	rw_put16(t + 14, p->win);
	rw_put16(t + 16, 0);
	rw_put16(t + 18, p->urg);
	memcpy(t + TCP_HLEN, p->opt, p->optlen);
	memset(t + TCP_HLEN + p->optlen, TCPOPT_EOL, optl - p->optlen);
	if (p->plen)
		memcpy(t + TCP_HLEN + optl, p->payload, p->plen);
	rw_put16(t + 16, rw_tcp_csum(p->family, p->src, p->dst, t, seglen));
	return (int)total;
}

int rw_opts_map_sack(uint8_t *opt, size_t len, uint32_t (*map)(void *ctx, uint32_t edge), void *ctx)
{
	size_t i = 0, k;
	int n = 0;

	while (i < len) {
		size_t olen;

		if (opt[i] == TCPOPT_EOL)
			break;
		if (opt[i] == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= len)
			break;
		olen = opt[i + 1];
		if (olen < 2 || i + olen > len)
			break;
		if (opt[i] == TCPOPT_SACK && (olen - 2) % 8 == 0)
			for (k = i + 2; k + 4 <= i + olen; k += 4, n++)
				rw_put32(opt + k, map(ctx, rw_get32(opt + k)));
		i += olen;
	}
	return n;
}

/* ---- FTP announcements ---- */

/* The next line of in from pos: its length including the LF, 0 when none ends. */
static size_t line_len(const uint8_t *in, size_t len, size_t pos)
{
	const uint8_t *nl = memchr(in + pos, '\n', len - pos);

	return nl ? (size_t)(nl - (in + pos)) + 1 : 0;
}

/*
 * Whether the announcement a can get an address from to: fills ep (the
 * address of a's family, a's port). 229 carries no address: 0.
 */
static int new_endpoint(const struct ftp_announce *a, const struct rw_ftp_addrs *to, struct ftp_endpoint *ep)
{
	const char *addr;

	if (a->kind == FTP_229)
		return 0;
	addr = a->ep.family == AF_INET6 ? to->v6 : to->v4;
	if (!addr[0])
		return 0;
	memset(ep, 0, sizeof(*ep));
	ep->family = a->ep.family;
	str_copy(ep->addr, addr, sizeof(ep->addr));
	ep->port = a->ep.port;
	return 1;
}

static void report(struct rw_ann *found, size_t maxfound, size_t *nfound, const struct ftp_announce *a,
		   const struct ftp_endpoint *now, int32_t delta)
{
	if (*nfound < maxfound) {
		found[*nfound].kind = a->kind;
		found[*nfound].was = a->ep;
		found[*nfound].now = *now;
		found[*nfound].delta = delta;
	}
	(*nfound)++;
}

int rw_ftp_payload(const uint8_t *in, size_t len, int from_client, int at_bol, const struct rw_ftp_addrs *to,
		   uint8_t *out, size_t cap, size_t *outlen, struct rw_ann *found, size_t maxfound,
		   size_t *nfound)
{
	size_t pos = 0, o = 0, n;

	*nfound = 0;
	if (!at_bol) {
		/* the tail of a line that started in an earlier packet */
		pos = line_len(in, len, 0);
		if (!pos)
			pos = len;
		if (pos > cap)
			goto out_room;
		memcpy(out, in, pos);
		o = pos;
	}
	while (pos < len) {
		struct ftp_announce a;
		struct ftp_endpoint ep;
		int rc;

		n = line_len(in, len, pos);
		if (!n)
			n = len - pos;   /* no LF: not a complete line, copied */
		rc = in[pos + n - 1] == '\n' ? ftp_parse((const char *)in + pos, n, from_client, &a) : 0;
		if (rc == 1 && new_endpoint(&a, to, &ep)) {
			int w = ftp_rewrite((const char *)in + pos, n, from_client, &ep, (char *)out + o, cap - o);

			if (w < 0)
				goto out_room;
			report(found, maxfound, nfound, &a, &ep, (int32_t)w - (int32_t)n);
			o += (size_t)w;
			pos += n;
			continue;
		}
		if (rc == 1)
			report(found, maxfound, nfound, &a, &a.ep, 0);
		if (n > cap - o)
			goto out_room;
		memcpy(out + o, in + pos, n);
		o += n;
		pos += n;
	}
	*outlen = o;
	return 0;
out_room:
	return err_set("FTP rewrite: payload of %zu bytes does not fit %zu", len, cap);
}

size_t rw_ftp_scan(const uint8_t *in, size_t len, int from_client, int at_bol, struct rw_ann *found,
		   size_t maxfound)
{
	size_t pos = 0, n, nfound = 0;

	if (!at_bol && !(pos = line_len(in, len, 0)))
		return 0;
	while (pos < len && (n = line_len(in, len, pos))) {
		struct ftp_announce a;

		if (ftp_parse((const char *)in + pos, n, from_client, &a) == 1)
			report(found, maxfound, &nfound, &a, &a.ep, 0);
		pos += n;
	}
	return nfound;
}
