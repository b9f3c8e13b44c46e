/*
 * session: the FTP conversations in a trace. See session.h.
 *
 * One pass over the trace. Every TCP packet finds its flow in a hash table
 * (both directions of a 5-tuple share it; ends[0] is the sender of the
 * flow's first packet). Flows with port 21 at one end get a control state:
 * per direction a reassembler (next expected byte, and a window of
 * out-of-order bytes) feeding a line splitter, and the lines are parsed as
 * commands and replies. After the last packet, the windows are flushed,
 * announced endpoints are matched to the data flows, and notes are made.
 *
 * Sequence numbers are kept unwrapped in 64 bits, each new one taken as the
 * value nearest to the last (a 5 GB transfer wraps the 32-bit space), and
 * offset by 2^32 so that data just before the first byte seen stays positive.
 */
#include "session_int.h"

#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>


static const struct {
	const char *name;
	int blocking;
} note_kinds[] = {
	[SESSION_NOTE_TLS]          = { "encrypted", 1 },
	[SESSION_NOTE_BINARY]       = { "unreadable", 1 },
	[SESSION_NOTE_MIDSTREAM]    = { "mid-session start", 1 },
	[SESSION_NOTE_TRUNCATED]    = { "truncated", 1 },
	[SESSION_NOTE_GAP]          = { "gap", 1 },
	[SESSION_NOTE_NOT_OPENED]   = { "not opened", 1 },
	[SESSION_NOTE_UNFINISHED]   = { "unfinished", 0 },
	[SESSION_NOTE_BAD_ANNOUNCE] = { "bad announce", 0 },
	[SESSION_NOTE_BAD_REPLY]    = { "bad reply", 0 },
	[SESSION_NOTE_LONG_LINE]    = { "long line", 0 },
	[SESSION_NOTE_DATA_MISSING] = { "data missing", 0 },
	[SESSION_NOTE_LIMIT]        = { "limit", 0 },
};

_Static_assert(ARRAY_SIZE(note_kinds) == SESSION_NOTE_LIMIT + 1, "one row per note kind");

static const char *const by_names[] = {
	[SESSION_BY_HANDSHAKE] = "handshake",
	[SESSION_BY_PORT]      = "port 21",
	[SESSION_BY_REPLIES]   = "replies",
	[SESSION_BY_ANNOUNCE]  = "announcement",
	[SESSION_BY_GUESS]     = "first packet",
};

_Static_assert(ARRAY_SIZE(by_names) == SESSION_BY_GUESS + 1, "one row per enum session_by");

const char *session_note_name(enum session_note_kind kind)
{
	if ((unsigned)kind >= ARRAY_SIZE(note_kinds))
		return "?";
	return note_kinds[kind].name;
}

const char *session_by_str(enum session_by by)
{
	if ((unsigned)by >= ARRAY_SIZE(by_names))
		return "?";
	return by_names[by];
}

const char *session_peer_str(const struct session_peer *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (!inet_ntop(p->family, p->addr, a, sizeof(a)))
		str_copy(a, "?", sizeof(a));
	if (p->family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", a, (unsigned)p->port);
	else
		snprintf(buf, len, "%s:%u", a, (unsigned)p->port);
	return buf;
}

static int peer_eq(const struct session_peer *a, const struct session_peer *b)
{
	return a->family == b->family && a->port == b->port && memcmp(a->addr, b->addr, 16) == 0;
}

static int addr_eq(const struct session_peer *a, const struct session_peer *b)
{
	return a->family == b->family && memcmp(a->addr, b->addr, 16) == 0;
}

/* ---- notes ---- */

void ss_note_add(struct ctl *c, enum session_note_kind kind, uint64_t packet,
		     const char *fmt, ...)
{
	struct session_note *n;
	va_list ap;

	if (c->per_kind[kind] >= NOTES_PER_KIND) {
		c->notes_dropped++;
		return;
	}
	c->per_kind[kind]++;
	if (c->nnotes == c->cap_notes) {
		c->cap_notes = c->cap_notes ? 2 * c->cap_notes : 8;
		c->notes = xrealloc(c->notes, c->cap_notes * sizeof(*c->notes));
	}
	n = &c->notes[c->nnotes++];
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->blocking = note_kinds[kind].blocking;
	n->packet = packet;
	va_start(ap, fmt);
	vsnprintf(n->text, sizeof(n->text), fmt, ap);
	va_end(ap);
}

/* Up to max bytes of s as ss_printable text ('.' for the rest) into buf. */
const char *ss_printable(const char *s, size_t len, size_t max, char *buf, size_t size)
{
	size_t i, n = len < max ? len : max;

	if (n >= size)
		n = size - 1;
	for (i = 0; i < n; i++)
		buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '.';
	buf[n] = '\0';
	return buf;
}

/* ---- flows ---- */

static void peer_from(struct session_peer *e, const struct trace_pkt *p, int dst)
{
	memset(e, 0, sizeof(*e));
	e->family = p->family;
	memcpy(e->addr, dst ? p->dst : p->src, p->family == AF_INET ? 4 : 16);
	e->port = dst ? p->dport : p->sport;
}

static size_t peer_hash(const struct session_peer *e)
{
	uint64_t h = 1469598103934665603ull;
	size_t i;

	for (i = 0; i < 16; i++)
		h = (h ^ e->addr[i]) * 1099511628211ull;
	h = (h ^ e->port) * 1099511628211ull;
	return (size_t)(h ^ (h >> 29));
}

/* Symmetric: both directions of a flow land in the same bucket. */
static size_t flow_bucket(const struct session_set *s, const struct session_peer *a,
			  const struct session_peer *b)
{
	return (peer_hash(a) + peer_hash(b)) & (s->nbuckets - 1);
}

static void hash_grow(struct session_set *s)
{
	size_t n = s->nbuckets ? 2 * s->nbuckets : HASH_MIN, i;

	free(s->hash);
	s->hash = xcalloc(n, sizeof(*s->hash));
	s->nbuckets = n;
	for (i = 0; i < s->nflows; i++) {
		struct flow *f = s->flows[i];
		size_t b;

		if (!f->in_hash)
			continue;
		b = flow_bucket(s, &f->ends[0], &f->ends[1]);
		f->hnext = s->hash[b];
		s->hash[b] = f;
	}
}

/* The flow of src -> dst, and which of its ends sent (*sender); or NULL. */
static struct flow *flow_find(struct session_set *s, const struct session_peer *src,
			      const struct session_peer *dst, int *sender)
{
	struct flow *f;

	for (f = s->hash[flow_bucket(s, src, dst)]; f; f = f->hnext) {
		if (peer_eq(&f->ends[0], src) && peer_eq(&f->ends[1], dst)) {
			*sender = 0;
			return f;
		}
		if (peer_eq(&f->ends[1], src) && peer_eq(&f->ends[0], dst)) {
			*sender = 1;
			return f;
		}
	}
	return NULL;
}

static void flow_unhash(struct session_set *s, struct flow *f)
{
	struct flow **pp = &s->hash[flow_bucket(s, &f->ends[0], &f->ends[1])];

	while (*pp && *pp != f)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = f->hnext;
	f->in_hash = 0;
}

static struct flow *flow_new(struct session_set *s, const struct session_peer *src,
			     const struct session_peer *dst)
{
	struct flow *f;
	size_t b;

	if (s->nflows >= SESSION_FLOWS_MAX) {
		s->info.flows_dropped++;
		return NULL;
	}
	if (s->nflows >= 2 * s->nbuckets)
		hash_grow(s);
	if (s->nflows == s->cap_flows) {
		s->cap_flows = s->cap_flows ? 2 * s->cap_flows : 64;
		s->flows = xrealloc(s->flows, s->cap_flows * sizeof(*s->flows));
	}
	f = xcalloc(1, sizeof(*f));
	f->ends[0] = *src;
	f->ends[1] = *dst;
	f->client = -1;
	f->by = SESSION_BY_GUESS;
	if ((src->port == 21) != (dst->port == 21)) {
		f->client = src->port == 21 ? 1 : 0;
		f->by = SESSION_BY_PORT;
	}
	if (src->port == 21 || dst->port == 21)
		f->ctl = xcalloc(1, sizeof(*f->ctl));
	b = flow_bucket(s, src, dst);
	f->hnext = s->hash[b];
	s->hash[b] = f;
	f->in_hash = 1;
	s->flows[s->nflows++] = f;
	s->info.flows++;
	return f;
}

static void ctl_free(struct ctl *c)
{
	size_t k;

	if (!c)
		return;
	for (k = 0; k < 2; k++) {
		free(c->st[k].win);
		free(c->st[k].have);
	}
	free(c->cmds);
	free(c->cmd_end);
	free(c->ann);
	free(c->notes);
	free(c);
}

/* Bytes sent and seen in one direction, whatever the flow is. */
static void seq_track(struct seqtrack *t, const struct trace_pkt *p)
{
	uint32_t seq = p->tcp.seq;
	uint64_t s, e, ce, from;

	if (p->tcp.flags & TRACE_SYN) {
		if (!t->started) {
			t->started = 1;
			t->base = t->hi = SEQ_BASE + seq + 1;
		}
		seq++;
	}
	if (p->payload_len == 0)
		return;
	if (!t->started) {
		t->started = 1;
		t->base = t->hi = SEQ_BASE + seq;
	}
	s = unwrap(t->hi, seq);
	if (s < t->base)
		s = t->base; /* before the first byte we know of: not counted */
	e = unwrap(t->hi, seq) + p->payload_len;
	ce = unwrap(t->hi, seq) + p->payload_caplen;
	if (e <= t->hi)
		return; /* retransmission (or late out-of-order: counted as missing) */
	from = s > t->hi ? s : t->hi;
	if (ce > from)
		t->seen += ce - from;
	t->hi = e;
}

/* ---- the pass over the trace ---- */

static void count_packet(struct session_trace *in, const struct trace_pkt *p)
{
	if (p->family == AF_INET)
		in->ipv4++;
	else if (p->family == AF_INET6)
		in->ipv6++;
	if (p->caplen < p->wirelen)
		in->truncated++;
	if (p->reason != TRACE_OK) {
		if (!in->bad[p->reason]++)
			in->bad_first[p->reason] = p->index;
		return;
	}
	if (p->proto == IPPROTO_TCP)
		in->tcp++;
	else if (p->proto == IPPROTO_UDP)
		in->udp++;
}

static void on_packet(struct session_set *s, const struct trace_pkt *p)
{
	struct session_peer src, dst;
	struct flow *f;
	int sender = 0;
	uint8_t fl = p->tcp.flags;

	count_packet(&s->info, p);
	if (p->reason != TRACE_OK || p->proto != IPPROTO_TCP)
		return;
	peer_from(&src, p, 0);
	peer_from(&dst, p, 1);
	f = flow_find(s, &src, &dst, &sender);
	if (f && (fl & (TRACE_SYN | TRACE_ACK)) == TRACE_SYN && (f->fin || f->rst ||
	    (f->syn && f->seq[sender].started && f->seq[sender].base != SEQ_BASE + p->tcp.seq + 1))) {
		/* a new connection on the same 5-tuple */
		flow_unhash(s, f);
		f = NULL;
	}
	if (!f) {
		f = flow_new(s, &src, &dst);
		sender = 0;
		if (!f)
			return;
	}
	if (!f->packets++)
		f->first = p->index;
	f->last = p->index;
	if ((fl & (TRACE_SYN | TRACE_ACK)) == TRACE_SYN) {
		f->syn = 1;
		f->client = sender;
		f->by = SESSION_BY_HANDSHAKE;
	} else if ((fl & (TRACE_SYN | TRACE_ACK)) == (TRACE_SYN | TRACE_ACK)) {
		f->synack = 1;
		f->client = !sender;
		f->by = SESSION_BY_HANDSHAKE;
	}
	if (fl & TRACE_FIN)
		f->fin = 1;
	if (fl & TRACE_RST)
		f->rst = 1;
	if (p->payload_caplen < p->payload_len)
		f->truncated++;
	seq_track(&f->seq[sender], p);
	if (f->ctl)
		ss_ctl_packet(f, sender, p);
}

/* ---- after the last packet ---- */

static void flow_info(const struct flow *f, struct session_flow *out)
{
	int c = f->client < 0 ? 0 : f->client;
	int k;

	memset(out, 0, sizeof(*out));
	out->client = f->ends[c];
	out->server = f->ends[!c];
	out->by = f->client < 0 ? SESSION_BY_GUESS : f->by;
	out->packets = f->packets;
	out->first = f->first;
	out->last = f->last;
	for (k = 0; k < 2; k++) {
		const struct seqtrack *t = &f->seq[k == 0 ? c : !c];

		out->bytes[k] = t->seen;
		out->missing[k] = t->hi - t->base - t->seen;
	}
	out->truncated = f->truncated;
	out->syn = f->syn;
	out->synack = f->synack;
	out->fin = f->fin;
	out->rst = f->rst;
}

static void ctl_flush(struct flow *f)
{
	struct pktctx pc = { f->last, 0, 0 };
	int k;

	for (k = 0; k < 2; k++) {
		struct stream *st = &f->ctl->st[k];
		size_t held;

		while (st->win_hi) {
			held = ss_first_held(st);
			ss_skip_to(f, k, st->next + (held ? held : st->win_hi), &pc);
		}
		if (st->line_len && !st->dead) {
			/* the capture ends inside a line: take what there is */
			size_t full = st->line_len - (st->last_cr ? 1 : 0);
			size_t len = full < SESSION_LINE_MAX ? full : SESSION_LINE_MAX;

			st->line_len = 0;
			ss_on_line(f, k, st->line, len, full, &pc, st->next);
		}
	}
}

/* One end of a data-flow candidate, for finding flows by an announced endpoint. */
struct endref {
	const struct session_peer *peer;
	struct flow *flow;
	int end;              /* index of peer in flow->ends[] */
};

static int peer_cmp(const struct session_peer *a, const struct session_peer *b)
{
	int d;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	d = memcmp(a->addr, b->addr, sizeof(a->addr));
	if (d)
		return d;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	return 0;
}

/* By endpoint, then by first packet (flows[] is in that order already). */
static int endref_cmp(const void *x, const void *y)
{
	const struct endref *a = x, *b = y;
	int d = peer_cmp(a->peer, b->peer);

	if (d)
		return d;
	if (a->flow->first != b->flow->first)
		return a->flow->first < b->flow->first ? -1 : 1;
	return a->end - b->end;
}

/* Both ends of every flow that is no control connection, sorted. Free the result. */
static struct endref *endrefs_new(const struct session_set *s, size_t *n)
{
	struct endref *r = xcalloc(2 * s->nflows + 1, sizeof(*r));
	size_t i;
	int k;

	*n = 0;
	for (i = 0; i < s->nflows; i++) {
		if (s->flows[i]->ctl)
			continue;
		for (k = 0; k < 2; k++) {
			r[*n].peer = &s->flows[i]->ends[k];
			r[*n].flow = s->flows[i];
			r[(*n)++].end = k;
		}
	}
	qsort(r, *n, sizeof(*r), endref_cmp);
	return r;
}

/*
 * The data flow an announcement opened: not a control connection, not
 * matched yet, first seen after the announcement, one end the announced
 * endpoint and the other the address expected to connect to it (the
 * client's for 227/229, the server's for PORT/EPRT). When its handshake
 * was captured, the announced end must be the one that accepted.
 */
static struct flow *match_data(const struct endref *r, size_t n, const struct session_flow *ctl,
			       const struct session_announce *a, int *listener)
{
	const struct session_peer *from =
		(a->kind == FTP_227 || a->kind == FTP_229) ? &ctl->client : &ctl->server;
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (peer_cmp(r[mid].peer, &a->ep) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < n && peer_eq(r[lo].peer, &a->ep); lo++) {
		struct flow *f = r[lo].flow;
		int k = r[lo].end;

		if (f->claimed || f->first <= a->packet || !addr_eq(&f->ends[!k], from))
			continue;
		if (f->by == SESSION_BY_HANDSHAKE && f->client != !k)
			continue;
		*listener = k;
		return f;
	}
	return NULL;
}

static void match_announces(const struct endref *r, size_t nr, struct flow *cf,
			    const struct session_flow *ctl)
{
	struct ctl *c = cf->ctl;
	char ep[SESSION_PEER_STRLEN];
	size_t i;

	for (i = 0; i < c->nann; i++) {
		struct session_announce *a = &c->ann[i];
		int listener = 0;
		struct flow *d = match_data(r, nr, ctl, a, &listener);
		uint64_t sent, missing;

		session_peer_str(&a->ep, ep, sizeof(ep));
		if (!d) {
			ss_note_add(c, SESSION_NOTE_NOT_OPENED, a->packet,
				 "data connection announced at packet %llu (%s %s) never opened",
				 (unsigned long long)a->packet, ftp_kind_name(a->kind), ep);
			continue;
		}
		d->claimed = 1;
		if (d->by != SESSION_BY_HANDSHAKE) {
			d->client = !listener;
			d->by = SESSION_BY_ANNOUNCE;
		}
		a->opened = 1;
		flow_info(d, &a->data);
		missing = a->data.missing[0] + a->data.missing[1];
		sent = missing + a->data.bytes[0] + a->data.bytes[1];
		if (missing)
			ss_note_add(c, SESSION_NOTE_DATA_MISSING, d->first,
				 "data connection to %s (packets %llu-%llu): %llu of %llu bytes not in the capture",
				 ep, (unsigned long long)d->first, (unsigned long long)d->last,
				 (unsigned long long)missing, (unsigned long long)sent);
	}
}

static int note_cmp(const void *a, const void *b)
{
	const struct session_note *x = a, *y = b;

	if (x->packet != y->packet)
		return x->packet < y->packet ? -1 : 1;
	return (int)x->kind - (int)y->kind;
}

static void session_notes(struct flow *f, const struct session_flow *ctl)
{
	struct ctl *c = f->ctl;

	if (!ctl->syn && !ctl->synack)
		ss_note_add(c, SESSION_NOTE_MIDSTREAM, ctl->first,
			 "capture starts mid-session (no SYN): first packet %llu",
			 (unsigned long long)ctl->first);
	if (!ctl->fin && !ctl->rst)
		ss_note_add(c, SESSION_NOTE_UNFINISHED, ctl->last,
			 "capture ends mid-session (no FIN or RST): last packet %llu",
			 (unsigned long long)ctl->last);
	if (c->trunc_packets == 1)
		ss_note_add(c, SESSION_NOTE_TRUNCATED, c->trunc_first,
			 "payload truncated by snaplen (%llu of %llu bytes) at packet %llu",
			 (unsigned long long)c->trunc_cap, (unsigned long long)c->trunc_len,
			 (unsigned long long)c->trunc_first);
	else if (c->trunc_packets > 1)
		ss_note_add(c, SESSION_NOTE_TRUNCATED, c->trunc_first,
			 "payload truncated by snaplen in %llu packets, first at packet %llu (%llu of %llu bytes)",
			 (unsigned long long)c->trunc_packets, (unsigned long long)c->trunc_first,
			 (unsigned long long)c->trunc_cap, (unsigned long long)c->trunc_len);
	/* stable enough: kinds break ties, and a kind's notes are in packet order */
	if (c->nnotes > 1)
		qsort(c->notes, c->nnotes, sizeof(*c->notes), note_cmp);
}

static void finish(struct session_set *s)
{
	struct endref *refs;
	size_t i, n = 0, nrefs;

	for (i = 0; i < s->nflows; i++)
		if (s->flows[i]->ctl) {
			ctl_flush(s->flows[i]);
			n++;
		}
	s->sessions = xcalloc(n ? n : 1, sizeof(*s->sessions));
	refs = endrefs_new(s, &nrefs);
	for (i = 0; i < s->nflows; i++) {
		struct flow *f = s->flows[i];
		struct session *se;
		struct ctl *c = f->ctl;

		if (!c)
			continue;
		se = &s->sessions[s->nsessions++];
		flow_info(f, &se->ctl);
		match_announces(refs, nrefs, f, &se->ctl);
		session_notes(f, &se->ctl);
		se->cmds = c->cmds;
		se->ncmds = c->ncmds;
		se->commands = c->commands;
		se->replies = c->replies;
		se->ann = c->ann;
		se->nann = c->nann;
		se->notes = c->notes;
		se->nnotes = c->nnotes;
		se->notes_dropped = c->notes_dropped;
		se->encrypted_after = c->encrypted_after;
	}
	free(refs);
	s->others = xcalloc(s->nflows ? s->nflows : 1, sizeof(*s->others));
	for (i = 0; i < s->nflows; i++)
		if (!s->flows[i]->ctl && !s->flows[i]->claimed)
			flow_info(s->flows[i], &s->others[s->nothers++]);
}

struct session_set *session_scan(const char *path)
{
	struct session_set *s = NULL;
	struct trace_pkt p;
	struct trace *t;
	int rc;

	t = trace_open(path);
	if (!t)
		return NULL;
	s = xcalloc(1, sizeof(*s));
	s->path = xstrdup(path);
	hash_grow(s);
	while ((rc = trace_next(t, &p)) > 0)
		on_packet(s, &p);
	if (rc < 0) {
		session_set_free(s);
		s = NULL;
		goto out_close;
	}
	s->info.path = s->path;
	s->info.format = trace_format(t);
	s->info.linktype = trace_linktype(t);
	s->info.linktype_name = trace_linktype_name(t);
	s->info.snaplen = trace_snaplen(t);
	s->info.packets = trace_count(t);
	finish(s);
out_close:
	trace_close(t);
	return s;
}

void session_set_free(struct session_set *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->nflows; i++) {
		ctl_free(s->flows[i]->ctl);
		free(s->flows[i]);
	}
	free(s->flows);
	free(s->hash);
	free(s->sessions);
	free(s->others);
	free(s->path);
	free(s);
}

const struct session_trace *session_trace_info(const struct session_set *s)
{
	return &s->info;
}

size_t session_count(const struct session_set *s)
{
	return s->nsessions;
}

const struct session *session_get(const struct session_set *s, size_t i)
{
	return i < s->nsessions ? &s->sessions[i] : NULL;
}

size_t session_other_count(const struct session_set *s)
{
	return s->nothers;
}

const struct session_flow *session_other_get(const struct session_set *s, size_t i)
{
	return i < s->nothers ? &s->others[i] : NULL;
}
