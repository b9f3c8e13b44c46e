/*
 * session_ctl: an FTP control connection in a trace: each direction
 * reassembled (out-of-order bytes held in a window, gaps skipped and
 * noted), split into lines, and the lines parsed as commands and replies
 * (with the announcements of PORT, EPRT, 227 and 229). See session_int.h.
 */
#include "session_int.h"

#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
/* ---- control connections: lines ---- */

static int stream_dir(const struct flow *f, int sender)
{
	return sender == f->client ? SESSION_C2S : SESSION_S2C;
}

static int ack_covers(struct flow *f, int server, const struct pktctx *pc, uint64_t end)
{
	struct stream *cst = &f->ctl->st[!server];

	if (!pc->has_ack || !cst->started)
		return 1;
	return unwrap(cst->next, pc->ack) >= end;
}

static void announce_add(struct flow *f, const struct ftp_announce *a, uint64_t packet)
{
	struct ctl *c = f->ctl;
	struct session_announce *n;
	struct session_peer ep;

	memset(&ep, 0, sizeof(ep));
	if (a->ep.family == AF_UNSPEC) {
		/* 229 carries a port only: the address is the server's. */
		ep = f->ends[!f->client];
	} else {
		ep.family = a->ep.family;
		if (inet_pton(a->ep.family, a->ep.addr, ep.addr) != 1)
			return; /* ftp_parse() checked it */
	}
	ep.port = a->ep.port;
	if (c->nann == c->cap_ann) {
		c->cap_ann = c->cap_ann ? 2 * c->cap_ann : 8;
		c->ann = xrealloc(c->ann, c->cap_ann * sizeof(*c->ann));
	}
	n = &c->ann[c->nann++];
	memset(n, 0, sizeof(*n));
	n->kind = a->kind;
	n->packet = packet;
	n->ep = ep;
}

/* A line of text that looks like a PORT/EPRT/227/229: record it or note why not. */
static void try_announce(struct flow *f, const char *line, size_t len, int from_client,
			 uint64_t packet)
{
	struct ftp_announce a;
	int rc;

	err_clear();
	rc = ftp_parse(line, len, from_client, &a);
	if (rc > 0)
		announce_add(f, &a, packet);
	else if (rc < 0)
		ss_note_add(f->ctl, SESSION_NOTE_BAD_ANNOUNCE, packet,
			 "packet %llu: %s (no helper acts on it)", (unsigned long long)packet,
			 err_get());
	err_clear();
}

static void on_command(struct flow *f, const char *line, size_t len, size_t full,
		       const struct pktctx *pc, uint64_t end)
{
	struct ctl *c = f->ctl;
	struct session_cmd *cmd;
	size_t v = 0;

	if (++c->commands > SESSION_CMDS_MAX) {
		if (c->commands == SESSION_CMDS_MAX + 1)
			ss_note_add(c, SESSION_NOTE_LIMIT, pc->index,
				 "more than %d commands: the rest are counted only", SESSION_CMDS_MAX);
		return;
	}
	if (c->ncmds == c->cap_cmds) {
		c->cap_cmds = c->cap_cmds ? 2 * c->cap_cmds : 16;
		c->cmds = xrealloc(c->cmds, c->cap_cmds * sizeof(*c->cmds));
		c->cmd_end = xrealloc(c->cmd_end, c->cap_cmds * sizeof(*c->cmd_end));
	}
	cmd = &c->cmds[c->ncmds];
	memset(cmd, 0, sizeof(*cmd));
	c->cmd_end[c->ncmds++] = end;
	cmd->packet = pc->index;
	memcpy(cmd->text, line, len < sizeof(cmd->text) - 1 ? len : sizeof(cmd->text) - 1);
	cmd->len = full;
	while (v < len && line[v] != ' ' && line[v] != '\t')
		v++;
	cmd->verb_len = v < len ? v : full;
	try_announce(f, line, len, 1, pc->index);
}

/* The next command still waiting for its reply, if the reply can answer it. */
static struct session_cmd *pending(struct flow *f, const struct pktctx *pc)
{
	struct ctl *c = f->ctl;

	if (c->answered >= c->ncmds)
		return NULL;
	if (!ack_covers(f, !f->client, pc, c->cmd_end[c->answered]))
		return NULL; /* the server had not received it: a reply to something not captured */
	return &c->cmds[c->answered];
}

static void start_tls(struct flow *f, const struct session_cmd *auth, const struct pktctx *pc)
{
	struct ctl *c = f->ctl;
	char what[48];
	size_t k;

	c->encrypted_after = pc->index;
	for (k = 0; k < 2; k++) {
		c->st[k].dead = 1;
		c->st[k].line_len = 0;
	}
	ss_note_add(c, SESSION_NOTE_TLS, pc->index, "%s: control channel encrypted after packet %llu",
		 ss_printable(auth->text, strlen(auth->text), 16, what, sizeof(what)),
		 (unsigned long long)pc->index);
}

static void on_reply(struct flow *f, struct stream *st, const char *line, size_t len,
		     const struct pktctx *pc)
{
	struct ctl *c = f->ctl;
	struct session_cmd *cmd;
	char show[48];
	int last, code = ftp_reply_code(line, len, &last);

	if (st->multiline) {
		if (code != st->multiline || !last)
			return; /* a line inside a multi-line reply */
		st->multiline = 0;
	} else if (code < 0) {
		ss_note_add(c, SESSION_NOTE_BAD_REPLY, pc->index, "invalid reply at packet %llu: '%s'",
			 (unsigned long long)pc->index, ss_printable(line, len, 40, show, sizeof(show)));
		cmd = pending(f, pc);
		if (cmd) {
			cmd->reply = -1;
			cmd->reply_packet = pc->index;
			c->answered++;
		}
		return;
	} else if (!last) {
		st->multiline = code;
		return;
	}
	c->replies++;
	try_announce(f, line, len, 0, pc->index);
	if (code == 220 && !c->greeted) {
		c->greeted = 1;
		return; /* the greeting answers no command */
	}
	c->greeted = 1;
	cmd = pending(f, pc);
	if (!cmd)
		return;
	if (code < 200) {
		cmd->prelim = code;
		return;
	}
	cmd->reply = code;
	cmd->reply_packet = pc->index;
	c->answered++;
	if (code == 234 && cmd->verb_len == 4 && strncasecmp(cmd->text, "AUTH", 4) == 0)
		start_tls(f, cmd, pc);
}

/* A complete line from sender: len bytes kept of full; end is the stream position after it. */
void ss_on_line(struct flow *f, int sender, const char *line, size_t len, size_t full,
		    const struct pktctx *pc, uint64_t end)
{
	struct stream *st = &f->ctl->st[sender];
	int last;

	if (full > SESSION_LINE_MAX)
		ss_note_add(f->ctl, SESSION_NOTE_LONG_LINE, pc->index,
			 "line of %zu bytes at packet %llu (kept %d)", full,
			 (unsigned long long)pc->index, SESSION_LINE_MAX);
	if (f->client < 0) {
		/* Both ends on port 21 and no handshake: replies tell the server. */
		f->client = ftp_reply_code(line, len, &last) >= 0 ? !sender : sender;
		f->by = SESSION_BY_REPLIES;
	}
	if (stream_dir(f, sender) == SESSION_C2S)
		on_command(f, line, len, full, pc, end);
	else
		on_reply(f, st, line, len, pc);
}

static void line_byte(struct flow *f, int sender, uint8_t b, const struct pktctx *pc, uint64_t pos)
{
	struct stream *st = &f->ctl->st[sender];
	size_t len, full;

	if (st->dead)
		return;
	if (b == '\n') {
		full = st->line_len;
		if (full && st->last_cr)
			full--;
		len = full < SESSION_LINE_MAX ? full : SESSION_LINE_MAX;
		st->line_len = 0;
		ss_on_line(f, sender, st->line, len, full, pc, pos + 1);
		return;
	}
	if (b < 0x20 && b != '\t' && b != '\r') {
		ss_note_add(f->ctl, SESSION_NOTE_BINARY, pc->index,
			 "%s control channel unreadable from packet %llu (byte 0x%02x: encrypted?)",
			 stream_dir(f, sender) == SESSION_C2S ? "client->server" : "server->client",
			 (unsigned long long)pc->index, b);
		st->dead = 1;
		st->line_len = 0;
		return;
	}
	if (st->line_len < SESSION_LINE_MAX)
		st->line[st->line_len] = (char)b;
	st->line_len++;
	st->last_cr = b == '\r';
}

/* ---- control connections: reassembly ---- */

/* Move the window's origin k bytes forward (next has moved). */
static void win_advance(struct stream *st, uint64_t k)
{
	if (!st->win_hi)
		return;
	if (k >= st->win_hi) {
		memset(st->have, 0, st->win_hi);
		st->win_hi = 0;
		return;
	}
	memmove(st->win, st->win + k, st->win_hi - k);
	memmove(st->have, st->have + k, st->win_hi - k);
	memset(st->have + st->win_hi - k, 0, k);
	st->win_hi -= k;
}

static void deliver(struct flow *f, int sender, const uint8_t *b, size_t n,
		    const struct pktctx *pc)
{
	struct stream *st = &f->ctl->st[sender];
	uint64_t at = st->next;
	size_t i;

	for (i = 0; i < n; i++)
		line_byte(f, sender, b[i], pc, at + i);
	st->next = at + n;
	win_advance(st, n);
}

/* Deliver what the window holds from next on. */
static void drain(struct flow *f, int sender, const struct pktctx *pc)
{
	struct stream *st = &f->ctl->st[sender];
	size_t m = 0;

	while (m < st->win_hi && st->have[m])
		m++;
	if (m)
		deliver(f, sender, st->win, m, pc);
}

/*
 * Give up waiting for bytes [next, upto): they are not in the capture. The
 * line they were part of is lost (the helper would have misread it too).
 */
void ss_skip_to(struct flow *f, int sender, uint64_t upto, const struct pktctx *pc)
{
	struct stream *st = &f->ctl->st[sender];
	uint64_t n = upto - st->next;

	if (!st->dead)
		ss_note_add(f->ctl, SESSION_NOTE_GAP, pc->index,
			 "%llu bytes %s missing from the capture before packet %llu",
			 (unsigned long long)n,
			 stream_dir(f, sender) == SESSION_C2S ? "client->server" : "server->client",
			 (unsigned long long)pc->index);
	st->line_len = 0;
	st->multiline = 0;
	st->next = upto;
	win_advance(st, n);
	drain(f, sender, pc);
}

/* The first hole's end: the first captured byte in the window, or 0 if none. */
size_t ss_first_held(const struct stream *st)
{
	size_t i;

	for (i = 0; i < st->win_hi; i++)
		if (st->have[i])
			return i;
	return 0;
}

static void hold(struct stream *st, uint64_t off, const uint8_t *b, size_t n)
{
	if (!st->win) {
		st->win = xcalloc(1, SESSION_REASM_MAX);
		st->have = xcalloc(1, SESSION_REASM_MAX);
	}
	memcpy(st->win + off, b, n);
	memset(st->have + off, 1, n);
	if (off + n > st->win_hi)
		st->win_hi = off + n;
}

/* A segment of len bytes at seq, caplen of them captured at b. */
static void stream_data(struct flow *f, int sender, uint32_t seq, const uint8_t *b,
			size_t caplen, size_t len, const struct pktctx *pc)
{
	struct stream *st = &f->ctl->st[sender];
	uint64_t s, end, cend;

	if (!st->started) {
		st->started = 1;
		st->next = SEQ_BASE + seq;
	}
	s = unwrap(st->next, seq);
	end = s + len;
	cend = s + caplen;
	if (end <= st->next)
		return; /* all seen before */
	for (;;) {
		size_t held;

		if (s <= st->next) {
			if (cend > st->next)
				deliver(f, sender, b + (st->next - s), (size_t)(cend - st->next), pc);
			if (cend < end) {
				/* cut by the snapshot length: the rest is gone (noted per packet) */
				st->line_len = 0;
				win_advance(st, end - st->next);
				st->next = end;
			}
			drain(f, sender, pc);
			return;
		}
		if (s - st->next + caplen <= SESSION_REASM_MAX) {
			hold(st, s - st->next, b, caplen);
			return;
		}
		/* no room: give up the first hole (up to this segment at most) */
		held = ss_first_held(st);
		ss_skip_to(f, sender, held && st->next + held < s ? st->next + held : s, pc);
	}
}

void ss_ctl_packet(struct flow *f, int sender, const struct trace_pkt *p)
{
	struct ctl *c = f->ctl;
	struct stream *st = &c->st[sender];
	struct pktctx pc = { p->index, !!(p->tcp.flags & TRACE_ACK), p->tcp.ack };
	uint32_t seq = p->tcp.seq;

	if (p->tcp.flags & TRACE_SYN) {
		if (!st->started) {
			st->started = 1;
			st->next = SEQ_BASE + seq + 1;
		}
		seq++;
	}
	if (p->payload_len == 0)
		return;
	if (p->payload_caplen < p->payload_len) {
		if (!c->trunc_packets++) {
			c->trunc_first = p->index;
			c->trunc_cap = p->payload_caplen;
			c->trunc_len = p->payload_len;
		}
	}
	stream_data(f, sender, seq, p->ip + p->payload_off, p->payload_caplen, p->payload_len, &pc);
}

