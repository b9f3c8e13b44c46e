/*
 * replay: the engine. See replay.h.
 *
 * One trace is read packet by packet (trace.h) while the session set found
 * in a first pass (session.h) says which flows are FTP control and data
 * connections and which end of each is the client's or the server's host.
 * Every replayable flow keeps, per lab side, the tuple it has there (learned
 * from the first packet that arrives, or chosen when this side sends first),
 * and per direction two sequence maps (rewrite.h): our own rewrites of
 * announcements, applied where the packet is injected, and the firewall's,
 * learned where it arrives.
 *
 * Numbers, per direction d of a flow (capture sequence space, x a number):
 *   sender's view of its stream      x + our[d](x)
 *   receiver's view of that stream   x + our[d](x) + fw[d](x)
 * A packet of direction d is injected with seq in the sender's view of d
 * and ack in the receiver's view of !d (the sender receives !d); it must
 * arrive with seq in the receiver's view of d and ack in the sender's view
 * of !d, the firewall having undone what it did to !d. Anything else is
 * what a real endpoint would refuse: the packet is marked desync.
 */
#include "replay_int.h"
#include "counters.h"
#include "netns.h"
#include "rewrite.h"
#include "run.h"
#include "trace.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libnet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

const char *const rp_side_names[SIDES] = { "client", "server" };

/* ---- open, close ---- */

struct replay *replay_open(const char *path, struct lab *l, const struct replay_options *o)
{
	struct replay *r = xcalloc(1, sizeof(*r));
	int k;

	r->path = xstrdup(path);
	r->lab = l;
	if (o)
		r->o = *o;
	else
		replay_options_default(&r->o);
	if (r->o.deadline_ms <= 0)
		r->o.deadline_ms = REPLAY_DEADLINE_MS;
	if (!(r->o.scale > 0))
		r->o.scale = 1.0;
	r->ss = session_scan(path);
	if (!r->ss)
		goto out_fail;
	if (rp_build_flows(r) < 0)
		goto out_fail;
	r->tr = trace_open(path);
	if (!r->tr)
		goto out_fail;
	r->count = session_trace_info(r->ss)->packets;
	r->res = xcalloc(r->count ? r->count : 1, sizeof(*r->res));
	r->next = 1;
	for (k = 0; k < SIDES; k++)
		if (rp_side_open(r, k) < 0)
			goto out_fail;
	if (replay_quiet(l, 1) < 0)
		goto out_fail;
	if (r->o.log_path) {
		r->log = fopen(r->o.log_path, "we");
		if (!r->log) {
			err_sys("%s", r->o.log_path);
			goto out_fail;
		}
		fprintf(r->log, "# replay of %s: %llu packets, %s, deadline %d ms\n", path,
			(unsigned long long)r->count, replay_timing_name(r->o.timing), r->o.deadline_ms);
	}
	r->st.packets = r->count;
	return r;
out_fail:
	replay_close(r);
	return NULL;
}

void replay_close(struct replay *r)
{
	int k;

	if (!r)
		return;
	for (k = 0; k < SIDES; k++)
		rp_side_close(&r->side[k]);
	if (r->log)
		fclose(r->log);
	trace_close(r->tr);
	session_set_free(r->ss);
	free(r->flows);
	free(r->anns);
	free(r->res);
	free(r->path);
	free(r);
}

/* ---- receiving ---- */

/* Where an arrival belongs: the awaited packet, or nowhere (stray). */
/* The first segment of the awaited packet: what the firewall changed in
 * it, whether its numbers are what the receiver expects, the helper's
 * length change, and the announcements as received. */
static void first_segment(struct replay *r, struct rflow *f, const struct rw_pkt *a, uint32_t off)
{
	struct wait *w = &r->w;
	struct replay_pkt *res = w->res;
	/* a segment of a split packet is where it should be when its
	 * number falls inside the packet's expected range */
	int32_t dseq = w->split && off < w->len ? 0 : (int32_t)(a->seq - w->seq_exp), dack = 0;

	res->latency_us = (uint32_t)(now_us() - w->t_sent);
	if (memcmp(a->src, w->tx.src, 16) || memcmp(a->dst, w->tx.dst, 16))
		res->changed |= RV_CHG_ADDRESS;
	if (a->sport != w->tx.sport || a->dport != w->tx.dport)
		res->changed |= RV_CHG_PORT;
	if ((w->split ? (uint32_t)(a->seq - w->tx.seq) >= w->len : a->seq != w->tx.seq) ||
	    ((a->flags & TRACE_ACK) && a->ack != w->tx.ack))
		res->changed |= RV_CHG_SEQUENCE;
	if (!w->split && (a->plen != w->len || memcmp(a->payload, r->txpay, a->plen) != 0))
		res->changed |= RV_CHG_PAYLOAD;
	if (a->flags & TRACE_ACK)
		dack = (int32_t)(a->ack - w->ack_exp);
	if (dseq || dack) {
		res->desync = 1;
		res->seq_off = dseq;
		res->ack_off = dack;
	}
	/* The firewall changed the payload length (the ftp helper):
	 * later bytes of this direction are moved by that much. */
	if (!w->split && a->plen != w->len)
		rw_seqmap_add(&f->fw[w->dir], w->cap_seq, (int32_t)a->plen - (int32_t)w->len);
	if (!f->data && a->plen) {
		struct rw_ann found[ANN_PER_PKT];
		size_t n = rw_ftp_scan(a->payload, a->plen, w->dir == 0, f->bol_rx[w->dir], found,
				       ANN_PER_PKT), i, k = 0;

		for (i = 0; i < r->nanns && k < n && k < ANN_PER_PKT; i++)
			if (r->anns[i].packet == w->index && r->anns[i].flow == w->flow) {
				r->anns[i].received = found[k++].was;
				r->anns[i].received_known = 1;
			}
		f->bol_rx[w->dir] = a->payload[a->plen - 1] == '\n';
	}
}

static void on_arrival(struct replay *r, int side, const struct rw_pkt *a)
{
	struct wait *w = &r->w;
	struct rflow *f;
	uint32_t off;
	uint8_t mask;

	if (!w->active || side != w->side) {
		r->st.stray++;
		return;
	}
	f = &r->flows[w->flow];
	if (f->at[side].known) {
		if (!rp_ep_eq(&f->at[side].peer, a->src, a->sport) || !rp_ep_eq(&f->at[side].self, a->dst, a->dport)) {
			r->st.stray++;
			return;
		}
	} else {
		/* The flow's first packet here: addressed to this endpoint, the
		 * same flags and sequence number as sent (a new flow has no
		 * sequence adjustment yet). */
		const struct ep *me = &r->side[side].lab[rp_fam_index(a->family)];

		if (a->family != w->tx.family || memcmp(me->addr, a->dst, a->family == AF_INET6 ? 16 : 4) != 0 ||
		    a->flags != w->tx.flags || a->seq != w->tx.seq) {
			r->st.stray++;
			return;
		}
		f->at[side].known = 1;
		rp_ep_set(&f->at[side].self, a->family, a->dst, a->dport);
		rp_ep_set(&f->at[side].peer, a->family, a->src, a->sport);
	}
	/* Flags as sent; a split packet's FIN and PSH are on its last segment only. */
	mask = (uint8_t)~(TRACE_PSH | (w->split ? TRACE_FIN : 0));
	if ((a->flags & mask) != (w->tx.flags & mask)) {
		r->st.stray++;
		return;
	}
	/* Which part of the packet: sequence numbers as expected, or as sent. */
	off = a->seq - w->seq_exp;
	if (w->len && off >= w->len && (uint32_t)(a->seq - w->tx.seq) >= w->len) {
		r->st.stray++;
		return;
	}
	if (w->arrived++ == 0)
		first_segment(r, f, a, off);
	w->got += a->plen;
	if (w->got >= w->len)
		w->active = 0;   /* complete */
}

struct rx_ctx {
	struct replay *r;
	int side;
};

static void on_frame(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct rx_ctx *c = (struct rx_ctx *)user;
	struct rw_pkt a;
	size_t off = 14;
	uint16_t type;

	if (h->caplen < off) {
		c->r->st.stray++;
		return;
	}
	type = rw_get16(bytes + 12);
	if (type == 0x8100 && h->caplen >= 18) {
		type = rw_get16(bytes + 16);
		off = 18;
	}
	if ((type != 0x0800 && type != 0x86dd) || rw_parse(bytes + off, h->caplen - off, &a) < 0) {
		err_clear();
		c->r->st.stray++;
		return;
	}
	on_arrival(c->r, c->side, &a);
}

/* The firewalls' drop count now (o.drops), or -1 when unknown. */
static int64_t drops_now(struct replay *r)
{
	return r->o.drops ? r->o.drops(r->o.ctx) : -1;
}

/*
 * Read what the captures hold; with wait_ms > 0, wait until the awaited
 * packet is complete or that much time passed. With early, the wait also
 * ends once the firewalls' drop count has risen since the packet was sent
 * and the packet is still not there DROP_GRACE_MS later: the firewall has
 * given its verdict (a packet crosses the lab in tens of microseconds).
 */
#define DROP_POLL_MS 1
#define DROP_GRACE_MS 5
static int pump(struct replay *r, int wait_ms, int early)
{
	int64_t deadline = now_ms() + wait_ms, seen = 0;
	struct pollfd pfd[SIDES];
	int k, n;

	early = early && r->o.drops && r->w.drops_base >= 0;
	/* The counters are read only once a packet is late (most arrive in
	 * tens of microseconds), so lockstep keeps its pace. */
	for (;;) {
		int64_t left = deadline - now_ms();

		if (left < 0)
			left = 0;
		if (early && left > DROP_POLL_MS)
			left = DROP_POLL_MS;
		for (k = 0; k < SIDES; k++) {
			pfd[k].fd = r->side[k].fd;
			pfd[k].events = POLLIN;
			pfd[k].revents = 0;
		}
		n = poll(pfd, SIDES, wait_ms > 0 ? (int)left : 0);
		if (n < 0 && errno != EINTR)
			return err_sys("poll");
		for (k = 0; n > 0 && k < SIDES; k++) {
			struct rx_ctx c = { r, k };

			if (!(pfd[k].revents & (POLLIN | POLLERR)))
				continue;
			if (pcap_dispatch(r->side[k].pc, -1, on_frame, (u_char *)&c) < 0)
				return err_set("%s: pcap: %s", rp_side_names[k], pcap_geterr(r->side[k].pc));
		}
		if (wait_ms <= 0 || !r->w.active || now_ms() >= deadline)
			return 0;
		if (early && !seen && now_us() - r->w.t_sent >= DROP_POLL_MS * 1000) {
			r->drops_known = drops_now(r);
			if (r->drops_known > r->w.drops_base)
				seen = now_ms();
		}
		if (seen && now_ms() - seen >= DROP_GRACE_MS)
			return 0;
	}
}

/* ---- sending ---- */

/* Offset of the TCP header in a capture packet (IPv6 extension headers walked). */
static size_t l4_offset(const struct trace_pkt *p)
{
	size_t off;
	uint8_t nh;

	if (p->family == AF_INET)
		return (size_t)(p->ip[0] & 0x0f) * 4;
	off = 40;
	nh = p->ip[6];
	while ((nh == 0 || nh == 43 || nh == 60) && off + 2 <= p->ip_caplen) {
		nh = p->ip[off];
		off += ((size_t)p->ip[off + 1] + 1) * 8;
	}
	return off;
}

/* Where a flow's packet from lab side `side` goes when nothing was learned there. */
static void default_peer(struct replay *r, const struct rflow *f, int e, struct ep *peer, int *guessed)
{
	int side = f->side[e], fi = rp_fam_index(f->ends[e].family);
	const struct ep *other = &r->side[!side].lab[fi];
	/* only the connecting end dials the announced endpoint */
	const struct rann *a = f->ann >= 0 && e == 0 ? &r->anns[f->ann] : NULL;

	*peer = *other;
	peer->port = f->ends[!e].port;
	if (a && a->received_known) {
		/* the endpoint as it reached this side */
		if (rp_ep_from_ftp(peer, &a->received) < 0) {
			/* 229: only a port; the address is the control connection's peer */
			const struct rflow *c = &r->flows[f->ctl];

			*peer = c->at[side].known ? c->at[side].peer : *other;
			peer->port = a->received.port;
		}
		return;
	}
	/* The announcement never arrived: what was sent is the best guess. */
	if (a && a->sent_known && rp_ep_from_ftp(peer, &a->sent) < 0)
		peer->port = a->sent.port;
	if (side == SIDE_SERVER) {
		/* how the server would see the client: through SNAT, the WAN VIP */
		if (r->o.nat_hint)
			inet_pton(f->ends[e].family, f->ends[e].family == AF_INET6 ? LAB_WAN_VIP6 : LAB_WAN_VIP,
				  peer->addr);
		*guessed = 1;
	}
}

struct sack_ctx {
	const struct rflow *f;
	int dir;   /* the direction whose numbers the SACK edges are */
};

static uint32_t sack_map(void *ctx, uint32_t x)
{
	struct sack_ctx *c = ctx;

	return x + (uint32_t)rw_seqmap_offset(&c->f->our[c->dir], x) + (uint32_t)rw_seqmap_offset(&c->f->fw[c->dir], x);
}

static int inject(struct replay *r, int side, const struct rw_pkt *p)
{
	struct side *s = &r->side[side];
	libnet_t *l = s->ln[rp_fam_index(p->family)];
	int n = rw_build(p, r->pkt, sizeof(r->pkt)), c;

	if (n < 0)
		return -1;
	c = p->family == AF_INET6 ? libnet_write_raw_ipv6(l, r->pkt, (uint32_t)n)
				  : libnet_write_raw_ipv4(l, r->pkt, (uint32_t)n);
	if (c != n)
		return err_set("%s: libnet write of %d bytes: %s", rp_side_names[side], n, libnet_geterror(l));
	return 0;
}

/* A packet as MTU-sized segments (one when it fits); FIN and PSH on the last. */
static int send_segments(struct replay *r, int side, const struct rw_pkt *pk, size_t plen, size_t maxseg)
{
	size_t sent = 0;

	do {
		struct rw_pkt seg = *pk;
		size_t n = plen - sent > maxseg ? maxseg : plen - sent;

		seg.seq = pk->seq + (uint32_t)sent;
		seg.payload = r->txpay + sent;
		seg.plen = n;
		if (sent + n < plen)
			seg.flags &= (uint8_t) ~(TRACE_FIN | TRACE_PSH);
		if (sent)
			seg.flags &= (uint8_t)~TRACE_SYN;
		if (inject(r, side, &seg) < 0)
			return -1;
		sent += n;
	} while (sent < plen);
	return 0;
}

static void log_packet(struct replay *r, uint64_t index)
{
	char line[512];

	if (r->log)
		fprintf(r->log, "%s\n", replay_pkt_str(r, index, line, sizeof(line)));
}

static void skip_packet(struct replay *r, struct replay_pkt *res, uint64_t index, enum replay_skip why)
{
	res->verdict = RV_SKIPPED;
	res->skip = why;
	r->st.skipped++;
	log_packet(r, index);
}

/* Why packet p is not replayed (a skip reason), or RS_NONE with its flow
 * in res->flow and its sending end in *e. */
static int classify(struct replay *r, const struct trace_pkt *p, struct replay_pkt *res, int *e)
{
	res->flow = -1;
	if (p->reason == TRACE_FRAGMENT)
		return RS_FRAGMENT;
	if (p->reason != TRACE_OK && p->reason != TRACE_SHORT_L4)
		return p->reason == TRACE_NOT_IP ? RS_NOT_TCP : RS_MALFORMED;
	if (p->proto != IPPROTO_TCP)
		return RS_NOT_TCP;
	if (p->reason != TRACE_OK)
		return RS_MALFORMED;
	res->flow = rp_flow_lookup(r, p, e);
	if (res->flow < 0)
		return RS_NOT_FTP;
	if (!r->flows[res->flow].usable)
		return RS_FAMILY;
	return RS_NONE;
}

/*
 * The payload to send, in r->txpay: as captured (zeros where the snapshot
 * length cut it), a control connection's PORT/EPRT/227/229 rewritten to
 * the lab's addresses (the sequence map takes the length change). Its
 * length.
 */
static size_t tx_payload(struct replay *r, struct rflow *f, int dir, const struct side *tx,
			 const struct trace_pkt *p, struct replay_pkt *res)
{
	size_t plen = p->payload_len;

	if (plen > PKT_MAX)
		plen = PKT_MAX;
	memcpy(r->pay, p->ip + p->payload_off, p->payload_caplen < plen ? p->payload_caplen : plen);
	if (p->payload_caplen < plen) {
		memset(r->pay + p->payload_caplen, 0, plen - p->payload_caplen);
		res->padded = 1;
	}
	memcpy(r->txpay, r->pay, plen);
	if (!f->data && plen) {
		struct rw_ann found[ANN_PER_PKT];
		struct rw_ftp_addrs to;
		size_t outlen = plen, n = 0, i, k = 0;

		memset(&to, 0, sizeof(to));
		if (tx->lab[0].family)
			inet_ntop(AF_INET, tx->lab[0].addr, to.v4, sizeof(to.v4));
		if (tx->lab[1].family)
			inet_ntop(AF_INET6, tx->lab[1].addr, to.v6, sizeof(to.v6));
		if (rw_ftp_payload(r->pay, plen, dir == 0, f->bol_tx[dir], &to, r->txpay, sizeof(r->txpay) - 1,
				   &outlen, found, ANN_PER_PKT, &n) < 0) {
			/* cannot grow past the buffer: sent as captured */
			memcpy(r->txpay, r->pay, plen);
			outlen = plen;
			n = 0;
			err_clear();
		}
		if (outlen != plen)
			rw_seqmap_add(&f->our[dir], p->tcp.seq, (int32_t)outlen - (int32_t)plen);
		for (i = 0; i < r->nanns && k < n && k < ANN_PER_PKT; i++)
			if (r->anns[i].packet == p->index && r->anns[i].flow == res->flow) {
				r->anns[i].sent = found[k++].now;
				r->anns[i].sent_known = 1;
			}
		f->bol_tx[dir] = r->pay[plen - 1] == '\n';
		plen = outlen;
	}
	return plen;
}

/* The packet as the sending side puts it on the wire: the lab's tuple
 * (learned at the flow's first packet), the capture's IP and TCP fields,
 * sequence and SACK numbers mapped over what the rewrites changed. */
static void tx_header(struct replay *r, struct rflow *f, int e, int side, const struct trace_pkt *p,
		      struct replay_pkt *res, struct rw_pkt *pk)
{
	const struct side *tx = &r->side[side];
	int dir = e, guessed = 0;
	struct sack_ctx sc;
	size_t tcpoff;

	if (!f->at[side].known) {
		f->at[side].known = 1;
		f->at[side].self = tx->lab[rp_fam_index(p->family)];
		f->at[side].self.port = f->ends[e].port;
		default_peer(r, f, e, &f->at[side].peer, &guessed);
		res->guessed = (unsigned)guessed;
	}
	memset(pk, 0, sizeof(*pk));
	pk->family = p->family;
	memcpy(pk->src, f->at[side].self.addr, 16);
	memcpy(pk->dst, f->at[side].peer.addr, 16);
	pk->sport = f->at[side].self.port;
	pk->dport = f->at[side].peer.port;
	if (p->family == AF_INET) {
		pk->tos = p->ip[1];
		pk->ip_id = rw_get16(p->ip + 4);
		pk->df = (p->ip[6] & 0x40) != 0;
	} else {
		pk->tos = (uint8_t)(rw_get16(p->ip) >> 4);
		pk->flowlabel = rw_get32(p->ip) & 0xfffff;
	}
	pk->ttl = TTL;
	pk->flags = p->tcp.flags;
	pk->win = p->tcp.win;
	tcpoff = l4_offset(p);
	pk->urg = rw_get16(p->ip + tcpoff + 18);
	pk->optlen = p->payload_off - tcpoff - 20;
	if (pk->optlen > RW_TCP_OPT_MAX)
		pk->optlen = RW_TCP_OPT_MAX;
	memcpy(pk->opt, p->ip + tcpoff + 20, pk->optlen);
	sc.f = f;
	sc.dir = !dir;
	rw_opts_map_sack(pk->opt, pk->optlen, sack_map, &sc);
	pk->seq = rw_seqmap_map(&f->our[dir], p->tcp.seq);
	pk->ack = p->tcp.ack;
	if (p->tcp.flags & TRACE_ACK)
		pk->ack = sack_map(&sc, p->tcp.ack);
}

/* What the other side must see of it: the wait the receiver fills in. */
static void expect_arrival(struct replay *r, struct rflow *f, int dir, int side, const struct trace_pkt *p,
			   struct replay_pkt *res, const struct rw_pkt *pk, size_t plen)
{
	struct wait *w = &r->w;

	memset(w, 0, sizeof(*w));
	w->flow = res->flow;
	w->dir = dir;
	w->side = !side;
	w->cap_seq = p->tcp.seq;
	w->seq_exp = pk->seq + (uint32_t)rw_seqmap_offset(&f->fw[dir], p->tcp.seq);
	w->ack_exp = p->tcp.ack + (uint32_t)rw_seqmap_offset(&f->our[!dir], p->tcp.ack);
	w->len = plen;
	w->res = res;
	w->index = p->index;
	w->tx = *pk;
	res->plen = (uint32_t)plen;
}

/* The packet's verdict, counted for the replay and its flow. */
static void count_verdict(struct replay *r, struct rflow *f, struct replay_pkt *res, int lost)
{
	f->lost = lost;
	r->st.replayed++;
	f->replayed++;
	if (!lost) {
		res->verdict = RV_DELIVERED;
		r->st.delivered++;
		f->delivered++;
		if (res->changed)
			r->st.changed++;
		if (res->desync) {
			r->st.desync++;
			f->desync++;
		}
	} else {
		res->verdict = RV_DROPPED;
		r->st.dropped++;
		f->dropped++;
	}
}

/* Replay one captured packet: classify it, send it as the lab's endpoint
 * and wait for it on the far side (or for the firewalls to drop it). */
static int do_packet(struct replay *r, const struct trace_pkt *p)
{
	struct replay_pkt *res = &r->res[p->index - 1];
	struct wait *w = &r->w;
	struct rflow *f;
	struct side *tx;
	struct rw_pkt pk;
	size_t plen, maxseg;
	int e = 0, side, retry, why;

	why = classify(r, p, res, &e);
	if (why != RS_NONE) {
		skip_packet(r, res, p->index, (enum replay_skip)why);
		return 0;
	}
	f = &r->flows[res->flow];
	side = f->side[e];
	tx = &r->side[side];
	res->from_client = side == SIDE_CLIENT;
	res->tcpflags = p->tcp.flags;
	plen = tx_payload(r, f, e, tx, p, res);
	tx_header(r, f, e, side, p, res, &pk);
	expect_arrival(r, f, e, side, p, res, &pk, plen);

	/* Anything that came in meanwhile is not this packet's. */
	if (pump(r, 0, 0) < 0)
		return -1;
	w->active = 1;
	w->drops_base = r->drops_known;
	maxseg = (size_t)tx->mtu - (p->family == AF_INET6 ? 40 : 20) - 20 - ((pk.optlen + 3) & ~(size_t)3);
	w->split = plen > maxseg;
	res->split = (unsigned)w->split;
	w->t_sent = now_us();
	/* A packet that will be sent again waits its whole deadline first, as
	 * a real endpoint's retransmission timer would (and a failover may
	 * settle meanwhile); one that will not, and the retransmission, end
	 * at the firewall's drop. */
	retry = r->o.retries && !f->lost;
	if (send_segments(r, side, &pk, plen, maxseg) < 0 || pump(r, r->o.deadline_ms, !retry) < 0)
		return -1;
	/*
	 * Not there: a real endpoint would retransmit, and what a failover
	 * leaves unsettled for a moment (a neighbour entry the new firewall
	 * still resolves) is then bridged. Once per packet, and not while a
	 * flow's previous packet stayed lost (the firewall drops the flow).
	 */
	if (w->active)
		r->drops_known = drops_now(r);
	if (w->active && retry) {
		res->retransmitted = 1;
		w->drops_base = r->drops_known;
		if (send_segments(r, side, &pk, plen, maxseg) < 0 ||
		    pump(r, RETRANSMIT_WAIT * r->o.deadline_ms, 1) < 0)
			return -1;
	}
	if (w->active)
		r->drops_known = drops_now(r);
	count_verdict(r, f, res, w->active);
	w->active = 0;
	log_packet(r, p->index);
	return 0;
}

int replay_run(struct replay *r, uint64_t until)
{
	struct trace_pkt p;
	int64_t t_start = now_us(), base_us = 0;
	struct timeval base_ts = { 0, 0 };
	int rc = 0, first = 1;

	if (until == 0 || until > r->count)
		until = r->count;
	r->drops_known = drops_now(r);
	while (r->next <= until) {
		int n = trace_next(r->tr, &p);

		if (n < 0) {
			rc = -1;
			break;
		}
		if (n == 0)
			break;
		r->next = p.index + 1;
		if (r->o.timing == REPLAY_CAPTURE) {
			if (first) {
				base_us = now_us();
				base_ts = p.ts;
				first = 0;
			} else {
				double gap = ((double)(p.ts.tv_sec - base_ts.tv_sec) * 1e6 +
					      (double)(p.ts.tv_usec - base_ts.tv_usec)) * r->o.scale;
				int64_t due = base_us + (int64_t)gap;

				while (now_us() < due) {
					int64_t left = due - now_us();

					usleep(left > 100000 ? 100000 : (useconds_t)left);
				}
			}
		}
		if (do_packet(r, &p) < 0) {
			err_prefix("%s: packet %llu", r->path, (unsigned long long)p.index);
			rc = -1;
			break;
		}
	}
	r->busy_us += now_us() - t_start;
	if (r->log)
		fflush(r->log);
	return rc;
}

void replay_mark_failover(struct replay *r)
{
	if (r->next < 1 || r->next > r->count)
		return;
	r->res[r->next - 1].failover = 1;
	if (r->log)
		fprintf(r->log, "# before packet %llu: failover\n", (unsigned long long)r->next);
}

void replay_set_deadline(struct replay *r, int ms)
{
	r->o.deadline_ms = ms > 0 ? ms : REPLAY_DEADLINE_MS;
}

