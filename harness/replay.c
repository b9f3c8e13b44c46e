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
#include "replay.h"
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

#define SIDES 2
#define SIDE_CLIENT 0
#define SIDE_SERVER 1
#define PKT_MAX 65536                 /* an IP packet's largest payload, and room for a rewrite */
#define BUF_MAX (PKT_MAX + 1024)
#define SNAPLEN 65535
#define PCAP_BUFFER (4 << 20)
#define TTL 64
/* Injected packets carry this mark, so the quiet table tells the
 * harness's RSTs (replayed from the capture) from the stack's own. */
#define REPLAY_MARK 0x46544657u      /* "FTFW" */
#define QUIET_TABLE "ftfw_replay"
#define ANN_PER_PKT RW_ANN_MAX
/* A retransmission waits this many deadlines (ND retries after 1 s). */
#define RETRANSMIT_WAIT 3

static const char *const side_names[SIDES] = { "client", "server" };

/* An endpoint as the lab sees it. */
struct ep {
	int family;
	uint8_t addr[16];
	uint16_t port;
};

struct rflow {
	struct session_peer ends[2];  /* capture: ends[0] connected (or sent first), ends[1] accepted */
	int side[2];                  /* lab side of each end */
	int data;                     /* 0 control, 1 data */
	int session;
	int nth;                      /* data: K-th data connection of the capture */
	int ann;                      /* data: the announcement (index into anns), -1 */
	int ctl;                      /* data: the control flow of its session */
	int usable;                   /* the lab carries its family */
	uint64_t first, last;
	struct {
		int known;
		struct ep self, peer;
	} at[SIDES];                  /* the tuple at each lab side */
	struct rw_seqmap our[2], fw[2];  /* per direction: 0 = ends[0] -> ends[1] */
	int bol_tx[2], bol_rx[2];     /* the stream is at the start of a line */
	int lost;                     /* its last packet stayed dropped after a retransmission */
	uint64_t replayed, delivered, dropped, desync;
};

struct rann {
	enum ftp_kind kind;
	uint64_t packet;
	int flow;                     /* the control flow */
	int data;                     /* data flow it opened, -1 */
	int from_client;
	int sent_known, received_known;  /* a 229's endpoint has family AF_UNSPEC (0) */
	struct ftp_endpoint sent, received;
};

struct side {
	struct node *node;            /* not owned */
	libnet_t *ln[2];              /* owned; [0] IPv4, [1] IPv6 (NULL when the lab lacks it) */
	pcap_t *pc;                   /* owned */
	int fd;                       /* pcap_get_selectable_fd() */
	int mtu;
	struct ep lab[2];             /* the side's own lab address, [0] v4 [1] v6 (family 0: none) */
};

/* The packet awaited on the receiving side. */
struct wait {
	int active;
	int flow, dir, side;          /* side: where it must arrive */
	struct rw_pkt tx;             /* as injected (first segment's header); payload in txpay */
	uint32_t cap_seq;
	uint32_t seq_exp, ack_exp;
	size_t len;                   /* payload bytes injected in all */
	size_t got;                   /* payload bytes arrived */
	int arrived;                  /* segments arrived */
	int split;
	int64_t t_sent;
	int64_t drops_base;           /* the firewalls' drops before it was sent (-1: unknown) */
	struct replay_pkt *res;
	uint64_t index;
};

struct replay {
	char *path;                   /* owned */
	struct lab *lab;              /* not owned */
	struct replay_options o;
	int64_t drops_known;          /* the firewalls' drop count when last read (-1: unknown) */
	struct session_set *ss;       /* owned */
	struct trace *tr;             /* owned */
	struct side side[SIDES];
	struct rflow *flows;          /* owned */
	size_t nflows;
	struct rann *anns;            /* owned */
	size_t nanns;
	struct replay_pkt *res;       /* owned; one per packet of the capture */
	uint64_t count;
	uint64_t next;
	int last_flow;                /* lookup cache */
	struct wait w;
	struct replay_stats st;
	int64_t busy_us;
	FILE *log;                    /* owned */
	uint8_t pay[BUF_MAX];         /* the payload as captured (padded) */
	uint8_t txpay[BUF_MAX];       /* rewritten */
	uint8_t pkt[BUF_MAX];         /* built */
	char errbuf[LIBNET_ERRBUF_SIZE];
};

/* ---- names ---- */

static const char *const timings[] = { [REPLAY_LOCKSTEP] = "lockstep", [REPLAY_CAPTURE] = "capture" };

const char *replay_timing_name(enum replay_timing t) { return timings[t]; }

int replay_timing_parse(const char *s)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(timings); i++)
		if (strcmp(s, timings[i]) == 0)
			return (int)i;
	return -1;
}

static const char *const verdicts[] = {
	[RV_PENDING] = "pending", [RV_DELIVERED] = "delivered", [RV_DROPPED] = "dropped",
	[RV_SKIPPED] = "skipped",
};

const char *replay_verdict_name(enum replay_verdict v) { return verdicts[v]; }

static const char *const skips[] = {
	[RS_NONE] = "",
	[RS_MALFORMED] = "malformed headers",
	[RS_NOT_TCP] = "not TCP over IP",
	[RS_FAMILY] = "address family not in the lab",
	[RS_NOT_FTP] = "not part of an FTP session of the capture",
	[RS_FRAGMENT] = "IP fragment",
};

const char *replay_skip_str(enum replay_skip s) { return skips[s]; }

static const struct {
	unsigned bit;
	const char *name;
} changes[] = {
	{ RV_CHG_ADDRESS, "address" },
	{ RV_CHG_PORT, "port" },
	{ RV_CHG_PAYLOAD, "payload" },
	{ RV_CHG_SEQUENCE, "sequence" },
};

const char *replay_changed_str(unsigned changed, char *buf, size_t len)
{
	size_t i, o = 0;

	if (len)
		buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(changes); i++)
		if ((changed & changes[i].bit) && o < len)
			o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? "," : "", changes[i].name);
	return buf;
}

int replay_changed_parse(const char *s, unsigned *mask)
{
	char word[32];
	size_t i, n;

	*mask = 0;
	while (*s) {
		n = strcspn(s, ",");
		if (n == 0 || n >= sizeof(word))
			return err_set("'%s': expected address, port, payload or sequence", s);
		memcpy(word, s, n);
		word[n] = '\0';
		for (i = 0; i < ARRAY_SIZE(changes); i++)
			if (strcmp(word, changes[i].name) == 0)
				break;
		if (i == ARRAY_SIZE(changes))
			return err_set("'%s': expected address, port, payload or sequence", word);
		*mask |= changes[i].bit;
		s += n + (s[n] == ',');
	}
	return 0;
}

void replay_options_default(struct replay_options *o)
{
	memset(o, 0, sizeof(*o));
	o->timing = REPLAY_LOCKSTEP;
	o->scale = 1.0;
	o->deadline_ms = REPLAY_DEADLINE_MS;
	o->retries = 1;
}

/* ---- the quiet table ---- */

/*
 * In the endpoints: incoming TCP on eth0 dropped at prerouting priority
 * raw (before the stack, after AF_PACKET taps), and whatever RST (not
 * ours: ours carry REPLAY_MARK) or ICMP destination-unreachable the stack
 * would still send. The counters say how much was held back.
 */
static int quiet_one(struct node *n, int on)
{
	char file[64], text[1536];
	int rc;

	if (str_fmt(file, sizeof(file), "%s-replay-quiet.nft", node_role(n)) < 0)
		return -1;
	if (on)
		rc = str_fmt(text, sizeof(text),
			     "# replayed flows: the endpoint's own stack stays out (ftfw-lab replay.c)\n"
			     "add table inet " QUIET_TABLE "\n"
			     "flush table inet " QUIET_TABLE "\n"
			     "table inet " QUIET_TABLE " {\n"
			     "\tcounter held_in { }\n"
			     "\tcounter quieted { }\n"
			     "\tchain pre {\n"
			     "\t\ttype filter hook prerouting priority raw; policy accept;\n"
			     "\t\tiifname \"" LAB_IF_HOST "\" meta l4proto tcp counter name \"held_in\" drop\n"
			     "\t}\n"
			     "\tchain out {\n"
			     "\t\ttype filter hook output priority raw; policy accept;\n"
			     "\t\tmeta mark != 0x%08x tcp flags & rst == rst counter name \"quieted\" drop\n"
			     "\t\ticmp type destination-unreachable counter name \"quieted\" drop\n"
			     "\t\ticmpv6 type destination-unreachable counter name \"quieted\" drop\n"
			     "\t}\n"
			     "}\n", REPLAY_MARK);
	else
		rc = str_fmt(text, sizeof(text), "add table inet " QUIET_TABLE "\ndelete table inet " QUIET_TABLE "\n");
	if (rc < 0 || node_nft_load(n, file, text, 10000) < 0)
		return err_prefix("%s: quiet table", node_role(n));
	return 0;
}

int replay_quiet(struct lab *l, int on)
{
	if (quiet_one(lab_node(l, ROLE_CLIENT), on) < 0 || quiet_one(lab_node(l, ROLE_SERVER), on) < 0)
		return -1;
	return 0;
}

/* ---- sides: raw sockets and captures inside the endpoint namespaces ---- */

struct open_args {
	struct side *s;
	int v4, v6;
	char *errbuf;
};

static int open_side_cb(void *arg)
{
	struct open_args *a = arg;
	struct side *s = a->s;
	struct bpf_program prog;
	char ebuf[PCAP_ERRBUF_SIZE];
	uint32_t mark = REPLAY_MARK;
	struct ifreq ifr;
	int k, rc;

	for (k = 0; k < 2; k++) {
		if (!(k ? a->v6 : a->v4))
			continue;
		s->ln[k] = libnet_init(k ? LIBNET_RAW6 : LIBNET_RAW4, NULL, a->errbuf);
		if (!s->ln[k])
			return err_set("libnet_init(%s): %s", k ? "RAW6" : "RAW4", a->errbuf);
		if (setsockopt(libnet_getfd(s->ln[k]), SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) < 0)
			return err_sys("SO_MARK");
		memset(&ifr, 0, sizeof(ifr));
		str_copy(ifr.ifr_name, LAB_IF_HOST, sizeof(ifr.ifr_name));
		if (ioctl(libnet_getfd(s->ln[k]), SIOCGIFMTU, &ifr) < 0)
			return err_sys("%s: MTU", LAB_IF_HOST);
		s->mtu = ifr.ifr_mtu;
	}
	s->pc = pcap_create(LAB_IF_HOST, ebuf);
	if (!s->pc)
		return err_set("pcap_create: %s", ebuf);
	if (pcap_set_snaplen(s->pc, SNAPLEN) != 0 || pcap_set_immediate_mode(s->pc, 1) != 0 ||
	    pcap_set_buffer_size(s->pc, PCAP_BUFFER) != 0)
		return err_set("pcap options: %s", pcap_geterr(s->pc));
	rc = pcap_activate(s->pc);
	if (rc < 0)
		return err_set("pcap_activate: %s", pcap_geterr(s->pc));
	if (pcap_setdirection(s->pc, PCAP_D_IN) != 0)
		return err_set("pcap_setdirection: %s", pcap_geterr(s->pc));
	if (pcap_compile(s->pc, &prog, "tcp", 1, PCAP_NETMASK_UNKNOWN) != 0)
		return err_set("pcap_compile: %s", pcap_geterr(s->pc));
	rc = pcap_setfilter(s->pc, &prog);
	pcap_freecode(&prog);
	if (rc != 0)
		return err_set("pcap_setfilter: %s", pcap_geterr(s->pc));
	if (pcap_setnonblock(s->pc, 1, ebuf) != 0)
		return err_set("pcap_setnonblock: %s", ebuf);
	s->fd = pcap_get_selectable_fd(s->pc);
	return s->fd < 0 ? err_set("pcap: no selectable descriptor") : 0;
}

static void side_close(struct side *s)
{
	int k;

	for (k = 0; k < 2; k++)
		if (s->ln[k])
			libnet_destroy(s->ln[k]);
	if (s->pc)
		pcap_close(s->pc);
	memset(s, 0, sizeof(*s));
}

static int set_lab_addr(struct ep *e, int family, const char *text)
{
	memset(e, 0, sizeof(*e));
	e->family = family;
	if (inet_pton(family, text, e->addr) != 1)
		return err_set("bad lab address %s", text);
	return 0;
}

static int side_open(struct replay *r, int k)
{
	enum lab_family fam = lab_family_of(r->lab);
	struct side *s = &r->side[k];
	struct open_args a = { s, fam != LAB_FAMILY_IPV6, lab_family_has_v6(fam), r->errbuf };

	s->node = lab_node(r->lab, k == SIDE_CLIENT ? ROLE_CLIENT : ROLE_SERVER);
	if (a.v4 && set_lab_addr(&s->lab[0], AF_INET, k == SIDE_CLIENT ? LAB_CLIENT_ADDR : LAB_SERVER_ADDR) < 0)
		return -1;
	if (a.v6 && set_lab_addr(&s->lab[1], AF_INET6, k == SIDE_CLIENT ? LAB_CLIENT_ADDR6 : LAB_SERVER_ADDR6) < 0)
		return -1;
	if (node_call(s->node, open_side_cb, &a) < 0)
		return err_prefix("%s", side_names[k]);
	return 0;
}

/* ---- flows ---- */

static int fam_index(int family)
{
	return family == AF_INET6;
}

static int peer_eq(const struct session_peer *a, const struct session_peer *b)
{
	return a->family == b->family && a->port == b->port && memcmp(a->addr, b->addr, 16) == 0;
}

static int ep_eq(const struct ep *a, const uint8_t *addr, uint16_t port)
{
	return memcmp(a->addr, addr, a->family == AF_INET6 ? 16 : 4) == 0 && a->port == port;
}

static void ep_set(struct ep *e, int family, const uint8_t *addr, uint16_t port)
{
	memset(e, 0, sizeof(*e));
	e->family = family;
	memcpy(e->addr, addr, family == AF_INET6 ? 16 : 4);
	e->port = port;
}

/* An ftp_endpoint (text) into an ep; 0 or -1 when it has no address. */
static int ep_from_ftp(struct ep *e, const struct ftp_endpoint *f)
{
	memset(e, 0, sizeof(*e));
	if (f->family != AF_INET && f->family != AF_INET6)
		return -1;
	if (inet_pton(f->family, f->addr, e->addr) != 1)
		return -1;
	e->family = f->family;
	e->port = f->port;
	return 0;
}

static void peer_to_session(const struct ep *e, struct session_peer *p)
{
	memset(p, 0, sizeof(*p));
	if (!e->family)
		return;
	p->family = e->family;
	memcpy(p->addr, e->addr, 16);
	p->port = e->port;
}

static int lab_has(const struct replay *r, int family)
{
	enum lab_family f = lab_family_of(r->lab);

	return family == AF_INET6 ? lab_family_has_v6(f) : f != LAB_FAMILY_IPV6;
}

static struct rflow *flow_add(struct replay *r, const struct session_flow *sf, int client_side, int session)
{
	struct rflow *f;
	int d;

	r->flows = xrealloc(r->flows, (r->nflows + 1) * sizeof(*r->flows));
	f = &r->flows[r->nflows++];
	memset(f, 0, sizeof(*f));
	f->ends[0] = sf->client;
	f->ends[1] = sf->server;
	f->side[0] = client_side;
	f->side[1] = !client_side;
	f->session = session;
	f->ann = -1;
	f->ctl = -1;
	f->first = sf->first;
	f->last = sf->last;
	f->usable = lab_has(r, sf->client.family);
	for (d = 0; d < 2; d++) {
		rw_seqmap_init(&f->our[d]);
		rw_seqmap_init(&f->fw[d]);
		/* a control stream starts with a line; mid-session, take it as so */
		f->bol_tx[d] = f->bol_rx[d] = 1;
	}
	return f;
}

static int build_flows(struct replay *r)
{
	size_t i, j, usable = 0, nth = 0;
	int v4 = 0, v6 = 0;

	for (i = 0; i < session_count(r->ss); i++) {
		const struct session *se = session_get(r->ss, i);
		int ctl = (int)r->nflows;
		struct rflow *f = flow_add(r, &se->ctl, SIDE_CLIENT, (int)i);

		usable += f->usable;
		v4 |= se->ctl.client.family == AF_INET;
		v6 |= se->ctl.client.family == AF_INET6;
		for (j = 0; j < se->nann; j++) {
			const struct session_announce *a = &se->ann[j];
			struct rann *ra;

			r->anns = xrealloc(r->anns, (r->nanns + 1) * sizeof(*r->anns));
			ra = &r->anns[r->nanns++];
			memset(ra, 0, sizeof(*ra));
			ra->kind = a->kind;
			ra->packet = a->packet;
			ra->flow = ctl;
			ra->data = -1;
			ra->from_client = a->kind == FTP_PORT || a->kind == FTP_EPRT;
			if (!a->opened)
				continue;
			/* PASV/EPSV: the FTP client connects; PORT/EPRT: the FTP server does. */
			f = flow_add(r, &a->data, ra->from_client ? SIDE_SERVER : SIDE_CLIENT, (int)i);
			f->data = 1;
			f->nth = (int)++nth;
			f->ann = (int)(r->nanns - 1);
			f->ctl = ctl;
			ra->data = (int)(r->nflows - 1);
		}
	}
	if (!session_count(r->ss))
		return err_set("%s: no FTP session (no TCP flow with port 21)", r->path);
	if (!usable)
		return err_set("%s: %s capture, the lab is %s only", r->path, v6 && !v4 ? "IPv6" : "IPv4",
			       lab_family_name(lab_family_of(r->lab)));
	return 0;
}

/* The flow of a capture packet and which end sent it; -1 when none. */
static int flow_lookup(struct replay *r, const struct trace_pkt *p, int *sender)
{
	struct session_peer src, dst;
	size_t i, k;

	memset(&src, 0, sizeof(src));
	memset(&dst, 0, sizeof(dst));
	src.family = dst.family = p->family;
	memcpy(src.addr, p->src, p->family == AF_INET ? 4 : 16);
	memcpy(dst.addr, p->dst, p->family == AF_INET ? 4 : 16);
	src.port = p->sport;
	dst.port = p->dport;
	for (k = 0; k < r->nflows; k++) {
		/* the last flow hit first: packets come in runs */
		i = (k + (size_t)r->last_flow) % r->nflows;
		if (peer_eq(&r->flows[i].ends[0], &src) && peer_eq(&r->flows[i].ends[1], &dst))
			*sender = 0;
		else if (peer_eq(&r->flows[i].ends[1], &src) && peer_eq(&r->flows[i].ends[0], &dst))
			*sender = 1;
		else
			continue;
		r->last_flow = (int)i;
		return (int)i;
	}
	return -1;
}

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
	if (build_flows(r) < 0)
		goto out_fail;
	r->tr = trace_open(path);
	if (!r->tr)
		goto out_fail;
	r->count = session_trace_info(r->ss)->packets;
	r->res = xcalloc(r->count ? r->count : 1, sizeof(*r->res));
	r->next = 1;
	for (k = 0; k < SIDES; k++)
		if (side_open(r, k) < 0)
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
		side_close(&r->side[k]);
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
static void on_arrival(struct replay *r, int side, const struct rw_pkt *a)
{
	struct wait *w = &r->w;
	struct rflow *f;
	struct replay_pkt *res;
	uint32_t off;
	uint8_t mask;

	if (!w->active || side != w->side) {
		r->st.stray++;
		return;
	}
	f = &r->flows[w->flow];
	if (f->at[side].known) {
		if (!ep_eq(&f->at[side].peer, a->src, a->sport) || !ep_eq(&f->at[side].self, a->dst, a->dport)) {
			r->st.stray++;
			return;
		}
	} else {
		/* The flow's first packet here: addressed to this endpoint, the
		 * same flags and sequence number as sent (a new flow has no
		 * sequence adjustment yet). */
		const struct ep *me = &r->side[side].lab[fam_index(a->family)];

		if (a->family != w->tx.family || memcmp(me->addr, a->dst, a->family == AF_INET6 ? 16 : 4) != 0 ||
		    a->flags != w->tx.flags || a->seq != w->tx.seq) {
			r->st.stray++;
			return;
		}
		f->at[side].known = 1;
		ep_set(&f->at[side].self, a->family, a->dst, a->dport);
		ep_set(&f->at[side].peer, a->family, a->src, a->sport);
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
	res = w->res;
	if (w->arrived++ == 0) {
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
				return err_set("%s: pcap: %s", side_names[k], pcap_geterr(r->side[k].pc));
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
	int side = f->side[e], fi = fam_index(f->ends[e].family);
	const struct ep *other = &r->side[!side].lab[fi];
	/* only the connecting end dials the announced endpoint */
	const struct rann *a = f->ann >= 0 && e == 0 ? &r->anns[f->ann] : NULL;

	*peer = *other;
	peer->port = f->ends[!e].port;
	if (a && a->received_known) {
		/* the endpoint as it reached this side */
		if (ep_from_ftp(peer, &a->received) < 0) {
			/* 229: only a port; the address is the control connection's peer */
			const struct rflow *c = &r->flows[f->ctl];

			*peer = c->at[side].known ? c->at[side].peer : *other;
			peer->port = a->received.port;
		}
		return;
	}
	/* The announcement never arrived: what was sent is the best guess. */
	if (a && a->sent_known && ep_from_ftp(peer, &a->sent) < 0)
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
	libnet_t *l = s->ln[fam_index(p->family)];
	int n = rw_build(p, r->pkt, sizeof(r->pkt)), c;

	if (n < 0)
		return -1;
	c = p->family == AF_INET6 ? libnet_write_raw_ipv6(l, r->pkt, (uint32_t)n)
				  : libnet_write_raw_ipv4(l, r->pkt, (uint32_t)n);
	if (c != n)
		return err_set("%s: libnet write of %d bytes: %s", side_names[side], n, libnet_geterror(l));
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
	res->flow = flow_lookup(r, p, e);
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
		f->at[side].self = tx->lab[fam_index(p->family)];
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
	int64_t t_start = now_us(), base_us = 0, cb_us = 0;
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
		if (r->o.before && r->o.before_at == p.index) {
			int64_t t0 = now_us();

			r->res[p.index - 1].failover = 1;
			if (r->log)
				fprintf(r->log, "# before packet %llu: callback\n", (unsigned long long)p.index);
			if (r->o.before(r->o.ctx, p.index) < 0) {
				rc = -1;
				break;
			}
			cb_us += now_us() - t0;
			first = 1;   /* capture timing starts again after the pause */
		}
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
	r->busy_us += now_us() - t_start - cb_us;
	if (r->log)
		fflush(r->log);
	return rc;
}

void replay_set_before(struct replay *r, uint64_t index)
{
	r->o.before_at = index;
}

void replay_set_deadline(struct replay *r, int ms)
{
	r->o.deadline_ms = ms > 0 ? ms : REPLAY_DEADLINE_MS;
}

/* ---- results ---- */

uint64_t replay_next(const struct replay *r) { return r->next; }
uint64_t replay_count(const struct replay *r) { return r->count; }
const struct session_set *replay_sessions(const struct replay *r) { return r->ss; }
const char *replay_path(const struct replay *r) { return r->path; }

const struct replay_pkt *replay_result(const struct replay *r, uint64_t index)
{
	if (index < 1 || index > r->count)
		return NULL;
	return &r->res[index - 1];
}

static uint64_t counter_of(struct node *n, const char *name)
{
	uint64_t packets = 0;

	if (counter_read(node_fd(n), QUIET_TABLE, name, &packets, NULL) < 0) {
		/* a figure, not a verdict: said, not hidden as a zero */
		log_progress("%s: counter %s unread (%s); counted as 0", node_role(n), name, err_get());
		err_clear();
		return 0;
	}
	return packets;
}

void replay_stats(const struct replay *r, struct replay_stats *st)
{
	*st = r->st;
	st->seconds = (double)r->busy_us / 1e6;
	st->pps = st->seconds > 0 ? (double)st->replayed / st->seconds : 0;
	/* the lab's, not only this replay's: the table is shared */
	st->held = counter_of(lab_node(r->lab, ROLE_CLIENT), "held_in") +
		   counter_of(lab_node(r->lab, ROLE_SERVER), "held_in");
	st->quieted = counter_of(lab_node(r->lab, ROLE_CLIENT), "quieted") +
		      counter_of(lab_node(r->lab, ROLE_SERVER), "quieted");
}

static void flags_str(uint8_t fl, char *b)
{
	size_t n = 0;

	if (fl & TRACE_SYN)
		b[n++] = 'S';
	if (fl & TRACE_FIN)
		b[n++] = 'F';
	if (fl & TRACE_RST)
		b[n++] = 'R';
	if (fl & TRACE_PSH)
		b[n++] = 'P';
	if (fl & TRACE_URG)
		b[n++] = 'U';
	if (fl & TRACE_ACK)
		b[n++] = '.';
	b[n] = '\0';
}

const char *replay_pkt_str(const struct replay *r, uint64_t index, char *buf, size_t len)
{
	const struct replay_pkt *res = replay_result(r, index);
	char fl[8], chg[64], what[96] = "";
	size_t o;

	if (!res) {
		snprintf(buf, len, "packet %llu: no such packet", (unsigned long long)index);
		return buf;
	}
	if (res->verdict == RV_SKIPPED || res->verdict == RV_PENDING || res->flow < 0) {
		snprintf(buf, len, "packet %llu %s%s%s", (unsigned long long)index, replay_verdict_name(res->verdict),
			 res->skip ? ": " : "", replay_skip_str(res->skip));
		return buf;
	}
	flags_str(res->tcpflags, fl);
	if (r->flows[res->flow].data)
		snprintf(what, sizeof(what), "data:%d", r->flows[res->flow].nth);
	else
		snprintf(what, sizeof(what), "control");
	o = (size_t)snprintf(buf, len, "packet %llu %s %s [%s] %u bytes: %s", (unsigned long long)index, what,
			     res->from_client ? "client>server" : "server>client", fl, res->plen,
			     replay_verdict_name(res->verdict));
	if (o < len && res->verdict == RV_DELIVERED)
		o += (size_t)snprintf(buf + o, len - o, " %u us", res->latency_us);
	if (o < len && res->changed)
		o += (size_t)snprintf(buf + o, len - o, ", changed %s",
				      replay_changed_str(res->changed, chg, sizeof(chg)));
	if (o < len && res->desync)
		o += (size_t)snprintf(buf + o, len - o, ", out of sequence (seq %+d, ack %+d)", res->seq_off,
				      res->ack_off);
	if (o < len && res->padded)
		o += (size_t)snprintf(buf + o, len - o, ", payload padded (cut by the snapshot length)");
	if (o < len && res->split)
		o += (size_t)snprintf(buf + o, len - o, ", sent as MTU-sized segments");
	if (o < len && res->retransmitted)
		o += (size_t)snprintf(buf + o, len - o, res->verdict == RV_DELIVERED ? ", after a retransmission"
										  : ", retransmitted once");
	if (o < len && res->guessed)
		o += (size_t)snprintf(buf + o, len - o, ", to a guessed peer");
	if (o < len && res->failover)
		o += (size_t)snprintf(buf + o, len - o, ", first after the callback");
	return buf;
}

/* ---- flows and announcements ---- */

size_t replay_flow_count(const struct replay *r) { return r->nflows; }

int replay_flow(const struct replay *r, size_t i, struct replay_flow_info *out)
{
	const struct rflow *f;

	if (i >= r->nflows)
		return err_set("no flow %zu", i);
	f = &r->flows[i];
	memset(out, 0, sizeof(*out));
	out->data = f->data;
	out->session = f->session;
	out->nth = f->nth;
	out->first = f->first;
	out->last = f->last;
	if (f->ann >= 0)
		out->ann_kind = r->anns[f->ann].kind;
	if (f->at[SIDE_CLIENT].known) {
		peer_to_session(&f->at[SIDE_CLIENT].self, &out->client_self);
		peer_to_session(&f->at[SIDE_CLIENT].peer, &out->client_peer);
	}
	if (f->at[SIDE_SERVER].known) {
		peer_to_session(&f->at[SIDE_SERVER].self, &out->server_self);
		peer_to_session(&f->at[SIDE_SERVER].peer, &out->server_peer);
	}
	out->replayed = f->replayed;
	out->delivered = f->delivered;
	out->dropped = f->dropped;
	out->desync = f->desync;
	return 0;
}

int replay_flow_find(const struct replay *r, const char *name)
{
	const char *colon = strchr(name, ':');
	size_t i, plen = colon ? (size_t)(colon - name) : strlen(name);
	long k = 1;
	int data, seen = 0;

	if (colon) {
		char *end;

		k = strtol(colon + 1, &end, 10);
		if (*end || k < 1)
			return err_set("'%s': expected control[:K] or data:K", name);
	}
	if (plen == 7 && strncmp(name, "control", 7) == 0)
		data = 0;
	else if (plen == 4 && strncmp(name, "data", 4) == 0)
		data = 1;
	else
		return err_set("'%s': expected control[:K] or data:K", name);
	for (i = 0; i < r->nflows; i++)
		if (r->flows[i].data == data && ++seen == k)
			return (int)i;
	return err_set("no %s connection %ld in the capture (it has %d)", data ? "data" : "control", k, seen);
}

size_t replay_ann_count(const struct replay *r) { return r->nanns; }

int replay_ann(const struct replay *r, size_t i, struct replay_ann_info *out)
{
	if (i >= r->nanns)
		return err_set("no announcement %zu", i);
	memset(out, 0, sizeof(*out));
	out->kind = r->anns[i].kind;
	out->packet = r->anns[i].packet;
	out->sent_known = r->anns[i].sent_known;
	out->received_known = r->anns[i].received_known;
	out->sent = r->anns[i].sent;
	out->received = r->anns[i].received;
	out->data_flow = r->anns[i].data;
	return 0;
}
