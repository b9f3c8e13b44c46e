/*
 * replay_flows: a replay's flows (the capture's FTP control and data
 * connections, their tuples at each lab side), the names of its options,
 * and what it reports: per-packet results, statistics, flows and
 * announcements. See replay.h.
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

/* ---- flows ---- */

int rp_fam_index(int family)
{
	return family == AF_INET6;
}

static int peer_eq(const struct session_peer *a, const struct session_peer *b)
{
	return a->family == b->family && a->port == b->port && memcmp(a->addr, b->addr, 16) == 0;
}

int rp_ep_eq(const struct ep *a, const uint8_t *addr, uint16_t port)
{
	return memcmp(a->addr, addr, a->family == AF_INET6 ? 16 : 4) == 0 && a->port == port;
}

void rp_ep_set(struct ep *e, int family, const uint8_t *addr, uint16_t port)
{
	memset(e, 0, sizeof(*e));
	e->family = family;
	memcpy(e->addr, addr, family == AF_INET6 ? 16 : 4);
	e->port = port;
}

/* An ftp_endpoint (text) into an ep; 0 or -1 when it has no address. */
int rp_ep_from_ftp(struct ep *e, const struct ftp_endpoint *f)
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

int rp_build_flows(struct replay *r)
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
int rp_flow_lookup(struct replay *r, const struct trace_pkt *p, int *sender)
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
		o += (size_t)snprintf(buf + o, len - o, ", first after the failover");
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
