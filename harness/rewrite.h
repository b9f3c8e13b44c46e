/*
 * rewrite: the pure half of the replay engine. A packet of a capture is
 * re-addressed to the lab, its FTP announcements (PORT, EPRT, 227, 229)
 * rewritten to the lab's addresses, its sequence and acknowledgement
 * numbers moved by the payload-length changes made so far in each
 * direction, and it is built again with correct checksums. The same
 * module parses what arrives on the other side of the firewalls.
 *
 * Nothing here allocates, touches the network or keeps global state:
 * callers supply every buffer, and each function is unit-tested with
 * tables (harness/tests/test_rewrite.c), checksums against packets whose
 * checksums are known to be right.
 *
 * Sequence numbers: every map is kept in the capture's own sequence space.
 * A rewrite of the packet that starts at sequence number `pos` and changes
 * its payload length by `delta` moves every later byte of that direction
 * by `delta`; like the kernel's nf_ct_seq_adjust(), a number x is moved by
 * the sum of the deltas of the rewrites whose pos is strictly before x
 * (mod 2^32), so the rewritten packet itself keeps its own sequence number
 * and an acknowledgement of its end is moved.
 */
#ifndef FTFW_REWRITE_H
#define FTFW_REWRITE_H

#include <stddef.h>
#include <stdint.h>
#include "ftp.h"
#include "util.h"

/* ---- checksums (RFC 1071) ---- */

/* One's-complement sum of len bytes added to sum (32-bit accumulator;
 * an odd length is padded with a zero byte). */
uint32_t rw_csum_add(uint32_t sum, const void *buf, size_t len);
/* Fold and complement: the checksum field's value (network order bytes
 * when stored with memcpy of its big-endian form: see rw_put16()). */
uint16_t rw_csum_fold(uint32_t sum);
/* The IPv4 header checksum of hdr (ihl bytes; its checksum field is
 * taken as zero whatever it holds). Host order. */
uint16_t rw_ipv4_csum(const uint8_t *hdr, size_t ihl);
/* The TCP checksum of a segment of len bytes (header, options, payload)
 * between src and dst (4 or 16 bytes by family), with the pseudo-header
 * of RFC 793 / RFC 8200 8.1. The segment's checksum field is taken as
 * zero. Host order. */
uint16_t rw_tcp_csum(int family, const uint8_t *src, const uint8_t *dst, const uint8_t *seg, size_t len);

/* ---- sequence maps ---- */

#define RW_SEQMAP_MAX 64

/*
 * The payload-length changes of one direction of one flow. Zero-initialise
 * or rw_seqmap_init(). When more than RW_SEQMAP_MAX rewrites were recorded,
 * the oldest two are merged (only numbers before both can then be off).
 */
struct rw_seqmap {
	unsigned n;
	struct {
		uint32_t pos;     /* sequence number where the rewritten packet starts */
		int32_t total;    /* sum of all deltas up to and including this one */
	} e[RW_SEQMAP_MAX];
};

void rw_seqmap_init(struct rw_seqmap *m);
/* Record a rewrite at pos changing the length by delta (delta 0 is ignored).
 * Rewrites are expected in stream order; one at or before the last
 * recorded pos replaces the deltas from there on. */
void rw_seqmap_add(struct rw_seqmap *m, uint32_t pos, int32_t delta);
/* How far x moves: the total of the last entry whose pos is before x. */
int32_t rw_seqmap_offset(const struct rw_seqmap *m, uint32_t x);
/* x moved: x + offset (mod 2^32). */
uint32_t rw_seqmap_map(const struct rw_seqmap *m, uint32_t x);

/* Is a before b in sequence space (RFC 1982)? */
int rw_seq_before(uint32_t a, uint32_t b);

/* ---- packets: a parsed view, and a builder ---- */

#define RW_TCP_OPT_MAX 40

/* An IP+TCP packet as fields. Addresses are network order, 4 or 16 bytes. */
struct rw_pkt {
	int family;                /* AF_INET or AF_INET6 */
	uint8_t src[16], dst[16];
	uint8_t tos;               /* IPv4 TOS / IPv6 traffic class */
	uint8_t ttl;               /* IPv4 TTL / IPv6 hop limit */
	uint16_t ip_id;            /* IPv4 only */
	int df;                    /* IPv4 only: don't fragment */
	uint32_t flowlabel;        /* IPv6 only (20 bits) */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;             /* TRACE_SYN | ... (trace.h values) */
	uint16_t win, urg;
	uint8_t opt[RW_TCP_OPT_MAX];
	size_t optlen;             /* a multiple of 4 when built */
	const uint8_t *payload;    /* not owned */
	size_t plen;
};

/*
 * Parse an IP packet (IPv4, or IPv6 with no extension headers) carrying
 * TCP: len bytes at ip, of which the IP length field decides (trailing
 * link padding is ignored). payload points into ip. Returns 0, or -1 when
 * it is not TCP over IP or is malformed (err set, short).
 */
int rw_parse(const uint8_t *ip, size_t len, struct rw_pkt *p);

/* Bytes rw_build() needs for p. */
size_t rw_build_len(const struct rw_pkt *p);
/*
 * Build p as an IPv4 or IPv6 packet into out (cap bytes): header, TCP
 * header with p->opt padded with EOL to a multiple of 4, payload, both
 * checksums computed. Returns the length, or -1 with err set (no room,
 * options too long, unknown family).
 */
int rw_build(const struct rw_pkt *p, uint8_t *out, size_t cap) FTFW_WUR;

/*
 * Move the edges of a SACK option (kind 5) in a TCP option list by
 * off(ctx, edge): SACK edges are acknowledgement numbers of the other
 * direction, so they move with it. Malformed lists are left as they are
 * after the first bad option. Returns the number of edges moved.
 */
int rw_opts_map_sack(uint8_t *opt, size_t len, uint32_t (*map)(void *ctx, uint32_t edge), void *ctx);

/* ---- FTP announcements in a payload ---- */

#define RW_ANN_MAX 4  /* announcements reported per payload */

/* One announcement found (and perhaps rewritten) in a payload. */
struct rw_ann {
	enum ftp_kind kind;
	struct ftp_endpoint was;  /* as it was in the input */
	struct ftp_endpoint now;  /* as it is in the output */
	int32_t delta;            /* length change of its line */
};

/* The addresses one side announces (text, "" when the lab has none). */
struct rw_ftp_addrs {
	char v4[INET_ADDRSTRLEN];
	char v6[INET6_ADDRSTRLEN];
};

/*
 * Rewrite the FTP announcements in one TCP payload of a control
 * connection: every complete line (ending in LF) that is a PORT or EPRT
 * (from_client) or a 227 or 229 reply (!from_client) gets the address of
 * to (its own family's; a 229 carries no address and stays as it is) and
 * keeps its port. at_bol says whether the payload starts at the start of a
 * line (the previous byte of the stream was an LF); a first partial line
 * is copied as it is, and so is a last line without LF.
 *
 * The result goes to out (cap bytes; the payload grows by at most
 * 2 * INET6_ADDRSTRLEN per line). *outlen gets its length, found[] up to
 * maxfound announcements (*nfound how many there were, even beyond
 * maxfound). A line that looks like an announce but does not parse is
 * copied unchanged and not reported (no helper acts on it either); one
 * whose family `to` lacks is copied unchanged and reported with now ==
 * was. ftp_format() writes EPRT with the '|' delimiter whatever the line
 * used, as the kernel's nf_nat_ftp does. Returns 0, or -1 with err set
 * when out is too small.
 */
int rw_ftp_payload(const uint8_t *in, size_t len, int from_client, int at_bol, const struct rw_ftp_addrs *to,
		   uint8_t *out, size_t cap, size_t *outlen, struct rw_ann *found, size_t maxfound,
		   size_t *nfound) FTFW_WUR;

/*
 * Find the announcements in a payload as it arrived (nothing rewritten):
 * same line rules as rw_ftp_payload(), was == now, delta 0.
 */
size_t rw_ftp_scan(const uint8_t *in, size_t len, int from_client, int at_bol, struct rw_ann *found,
		   size_t maxfound);

/* Big-endian loads and stores. */
static inline uint16_t rw_get16(const uint8_t *b) { return (uint16_t)(b[0] << 8 | b[1]); }
static inline uint32_t rw_get32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}
static inline void rw_put16(uint8_t *b, uint16_t v) { b[0] = (uint8_t)(v >> 8); b[1] = (uint8_t)v; }
static inline void rw_put32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

#endif
