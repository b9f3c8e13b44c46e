/*
 * session_int: what the session finder's files share (session.c: flows,
 * the pass over the trace, matching after it; session_ctl.c: control
 * connections, reassembled and split into lines, parsed as commands and
 * replies). Not for other modules: they use session.h.
 */
#ifndef FTFW_SESSION_INT_H
#define FTFW_SESSION_INT_H

#include "session.h"
#include "trace.h"

#define SEQ_BASE (1ull << 32)
#define NOTES_PER_KIND 8
#define HASH_MIN 1024

struct seqtrack {           /* one direction of any flow: how much was sent and seen */
	int started;
	uint64_t base;      /* first byte of the stream seen (or ISN + 1) */
	uint64_t hi;        /* one past the highest byte sent */
	uint64_t seen;      /* bytes captured, counted once */
};

struct stream {             /* one direction of a control connection */
	int started;
	int dead;           /* encrypted or binary: bytes are no longer parsed */
	uint64_t next;      /* next byte expected */
	uint8_t *win;       /* owned; out-of-order bytes: win[i] is byte next + i */
	uint8_t *have;      /* owned; have[i] != 0: win[i] was captured; 0 from win_hi on */
	size_t win_hi;      /* bytes of win in use */
	char line[SESSION_LINE_MAX];
	size_t line_len;    /* length of the line so far (may exceed the buffer) */
	int last_cr;        /* its last byte is a CR */
	int multiline;      /* code of an open multi-line reply, or 0 */
};

/* Where a line was completed: for the note's packet number and reply pairing. */
struct pktctx {
	uint64_t index;
	int has_ack;
	uint32_t ack;
};

struct ctl {
	struct stream st[2];           /* by sender: index into flow.ends[] */
	struct session_cmd *cmds;      /* owned */
	uint64_t *cmd_end;             /* owned; stream position after each command line */
	size_t ncmds, cap_cmds;
	size_t answered;               /* cmds[0..answered) have had their final reply */
	struct session_announce *ann;  /* owned */
	size_t nann, cap_ann;
	struct session_note *notes;    /* owned */
	size_t nnotes, cap_notes;
	unsigned per_kind[SESSION_NOTE_LIMIT + 1];
	uint64_t commands, replies, notes_dropped, encrypted_after;
	int greeted;                   /* a reply has been seen */
	uint64_t trunc_packets, trunc_first, trunc_cap, trunc_len;
};

struct flow {
	struct flow *hnext;            /* hash chain */
	struct session_peer ends[2];   /* ends[0] sent the first packet */
	int client;                    /* index into ends[] of the client, -1 not known yet */
	enum session_by by;
	uint64_t packets, first, last;
	struct seqtrack seq[2];        /* by sender */
	uint64_t truncated;
	unsigned syn : 1, synack : 1, fin : 1, rst : 1;
	int in_hash;
	int claimed;                   /* matched to an announcement */
	struct ctl *ctl;               /* owned; control connections only */
};

struct session_set {
	struct session_trace info;
	char *path;                    /* owned */
	struct flow **flows;           /* owned, with the flows; in order of first packet */
	size_t nflows, cap_flows;
	struct flow **hash;            /* owned array; the flows are in flows[] */
	size_t nbuckets;
	struct session *sessions;      /* owned array; pointers into the ctls */
	size_t nsessions;
	struct session_flow *others;   /* owned */
	size_t nothers;
};

void ss_note_add(struct ctl *c, enum session_note_kind kind, uint64_t packet,
		     const char *fmt, ...) FTFW_FMT(4, 5);

const char *ss_printable(const char *s, size_t len, size_t max, char *buf, size_t size);
void ss_on_line(struct flow *f, int sender, const char *line, size_t len, size_t full,
		    const struct pktctx *pc, uint64_t end);
void ss_skip_to(struct flow *f, int sender, uint64_t upto, const struct pktctx *pc);
size_t ss_first_held(const struct stream *st);
void ss_ctl_packet(struct flow *f, int sender, const struct trace_pkt *p);

/* A 32-bit sequence number as the 64-bit value nearest to near. */
static inline uint64_t unwrap(uint64_t near, uint32_t seq)
{
	return near + (uint64_t)(int64_t)(int32_t)(seq - (uint32_t)near);
}

#endif
