/*
 * session: the FTP conversations in a trace. Reads a capture (trace.h)
 * once, groups its TCP packets into flows (both directions of a 5-tuple),
 * takes every flow with port 21 at one end as an FTP control connection,
 * reassembles its two byte streams in sequence order, and parses them as
 * commands and replies (ftp.h). The data endpoints the PORT, EPRT, 227 and
 * 229 lines announce are matched to the TCP flows of the trace that
 * connect to them, in the right direction. What the replay engine could
 * not reproduce faithfully is written down as notes: an encrypted control
 * channel, a capture that starts mid-session, payload cut by the snapshot
 * length, a data connection announced but never opened...
 *
 * Client and server: the TCP handshake decides when it was captured (the
 * sender of the SYN is the client), otherwise port 21, otherwise (port 21
 * at both ends) the side that sends three-digit replies. Addresses alone
 * are never used, so a loopback capture (127.0.0.1 at both ends) works:
 * ports tell the ends apart. FTP on other ports than 21 is not looked for.
 *
 * Memory is bounded per flow: a control connection keeps at most
 * SESSION_REASM_MAX bytes of out-of-order data and one line of
 * SESSION_LINE_MAX bytes per direction; other flows keep counters only.
 */
#ifndef FTFW_SESSION_H
#define FTFW_SESSION_H

#include <stdint.h>
#include <stdio.h>
#include "ftp.h"
#include "trace.h"
#include "util.h"

#define SESSION_LINE_MAX 4096   /* longer control lines are cut (and noted) */
#define SESSION_TEXT_MAX 128    /* bytes of a command line kept in session_cmd */
#define SESSION_REASM_MAX 65536 /* out-of-order bytes held per direction */
#define SESSION_CMDS_MAX 100000 /* commands kept per session; more are counted */
#define SESSION_FLOWS_MAX (1u << 18) /* TCP flows tracked (~200 bytes each); more are counted */

/* One end of a TCP connection. addr is network order, IPv4 in 4 bytes. */
struct session_peer {
	int family;         /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	uint16_t port;
};

/* "192.0.2.1:21" or "[2001:db8::1]:21" into buf (SESSION_PEER_STRLEN); returns buf. */
#define SESSION_PEER_STRLEN (INET6_ADDRSTRLEN + 8)
const char *session_peer_str(const struct session_peer *p, char *buf, size_t len);

/* How client and server of a flow were told apart. */
enum session_by {
	SESSION_BY_HANDSHAKE, /* the SYN or the SYN-ACK was captured */
	SESSION_BY_PORT,      /* the control connection's port 21 is the server's */
	SESSION_BY_REPLIES,   /* the side that sends three-digit replies is the server */
	SESSION_BY_ANNOUNCE,  /* a data connection: the announced endpoint is the server */
	SESSION_BY_GUESS,     /* none of these: the first packet's sender is taken as client */
};

/* "handshake", "port 21", ... */
const char *session_by_str(enum session_by by);

/* Directions, as indexes of session_flow.bytes[] and friends. */
enum session_dir {
	SESSION_C2S, /* client to server */
	SESSION_S2C, /* server to client */
};

/* A TCP flow as the trace shows it. */
struct session_flow {
	struct session_peer client, server;
	enum session_by by;
	uint64_t packets;
	uint64_t first, last;      /* packet numbers (1-based) */
	uint64_t bytes[2];         /* payload bytes captured, per enum session_dir */
	uint64_t missing[2];       /* bytes the sequence numbers show were sent but are not
				    * in the trace (cut by snaplen or not captured at all);
				    * out-of-order arrivals count as retransmissions */
	uint64_t truncated;        /* packets whose payload the snapshot length cut */
	unsigned syn : 1, synack : 1, fin : 1, rst : 1;
};

/* A command the client sent, and what answered it. */
struct session_cmd {
	uint64_t packet;                /* the packet that completed the line */
	char text[SESSION_TEXT_MAX];    /* the line without CRLF, cut to fit, NUL-terminated */
	size_t len;                     /* the line's full length */
	size_t verb_len;                /* bytes before the first blank */
	int prelim;                     /* last 1xx reply code to it, or 0 */
	int reply;                      /* final reply code; 0: none captured; -1: an invalid reply */
	uint64_t reply_packet;          /* where the final reply ended, or 0 */
};

/* A data endpoint announced on the control channel. */
struct session_announce {
	enum ftp_kind kind;          /* FTP_PORT, FTP_EPRT (client listens), FTP_227, FTP_229 */
	uint64_t packet;             /* the packet that completed the line */
	struct session_peer ep;      /* where the data connection is to go; for 229, the
				      * control connection's server address */
	int opened;                  /* 1 when a data flow of the trace matches */
	struct session_flow data;    /* that flow (client: who connected), when opened */
};

/* Something the replay cannot reproduce as captured, or worth knowing. */
enum session_note_kind {
	SESSION_NOTE_TLS,         /* AUTH TLS/SSL accepted: control channel encrypted */
	SESSION_NOTE_BINARY,      /* control channel bytes that are not text */
	SESSION_NOTE_MIDSTREAM,   /* capture starts mid-session (no SYN) */
	SESSION_NOTE_TRUNCATED,   /* control payload cut by the snapshot length */
	SESSION_NOTE_GAP,         /* control bytes missing from the capture */
	SESSION_NOTE_NOT_OPENED,  /* announced data connection not in the trace */
	SESSION_NOTE_UNFINISHED,  /* capture ends mid-session (no FIN or RST) */
	SESSION_NOTE_BAD_ANNOUNCE,/* a PORT/EPRT/227/229 line no helper can parse */
	SESSION_NOTE_BAD_REPLY,   /* a reply line without a valid code */
	SESSION_NOTE_LONG_LINE,   /* a line longer than SESSION_LINE_MAX */
	SESSION_NOTE_DATA_MISSING,/* a data connection's payload not (all) captured */
	SESSION_NOTE_LIMIT,       /* more than SESSION_CMDS_MAX commands */
};

/* "tls", "mid-session start"... */
const char *session_note_name(enum session_note_kind kind);

struct session_note {
	enum session_note_kind kind;
	int blocking;        /* 1: cannot be replayed as captured; 0: worth knowing */
	uint64_t packet;     /* where it was seen, 0 for the whole session */
	char text[256];      /* "AUTH TLS: control channel encrypted after packet 21" */
};

/* An FTP control session. Everything is owned by the session_set. */
struct session {
	struct session_flow ctl;
	const struct session_cmd *cmds;
	size_t ncmds;                /* kept (at most SESSION_CMDS_MAX) */
	uint64_t commands;           /* seen */
	uint64_t replies;            /* final reply lines seen */
	const struct session_announce *ann;
	size_t nann;
	const struct session_note *notes;
	size_t nnotes;
	uint64_t notes_dropped;      /* further notes of a kind after the first few */
	uint64_t encrypted_after;    /* packet after which the channel is TLS, or 0 */
};

/* The trace as a whole. */
struct session_trace {
	const char *path;
	const char *format;          /* "pcap", "pcapng" */
	int linktype;                /* DLT_ value */
	const char *linktype_name;
	uint32_t snaplen;
	uint64_t packets;
	uint64_t ipv4, ipv6, tcp, udp;
	uint64_t bad[TRACE_BAD_L4 + 1];       /* per enum trace_reason (bad[TRACE_OK] unused) */
	uint64_t bad_first[TRACE_BAD_L4 + 1]; /* first packet with that reason */
	uint64_t truncated;          /* packets cut by the snapshot length */
	uint64_t flows;              /* TCP flows */
	uint64_t flows_dropped;      /* TCP flows beyond SESSION_FLOWS_MAX */
};

struct session_set;

/*
 * Read the capture at path and find its FTP sessions. Returns a new set
 * (free with session_set_free()) or NULL with err set when the file is
 * not a usable capture (trace_open()/trace_next() errors). Malformed
 * packets are counted in session_trace.bad[], not errors.
 */
struct session_set *session_scan(const char *path);
void session_set_free(struct session_set *s);

const struct session_trace *session_trace_info(const struct session_set *s);
/* Sessions in order of their first packet; i < session_count(). */
size_t session_count(const struct session_set *s);
const struct session *session_get(const struct session_set *s, size_t i);
/* TCP flows that are neither FTP control nor matched data connections. */
size_t session_other_count(const struct session_set *s);
const struct session_flow *session_other_get(const struct session_set *s, size_t i);

/*
 * The report of `run-scenario --inspect FILE`: the file, its link type and
 * packets, and per session the endpoints, packets, commands, announced data
 * endpoints and whether their connections are in the trace, and what
 * cannot be replayed and why. Returns 0, or -1 with err set (bad file,
 * write error).
 */
int session_inspect(const char *path, FILE *out) FTFW_WUR;

#endif
