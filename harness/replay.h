/*
 * replay: an FTP capture played through the firewall pair, both ends
 * played by the harness. What the capture's client sent is injected in
 * the lab's client namespace and must come out in the server namespace,
 * and the other way round; each packet gets a verdict: delivered (perhaps
 * changed, and which fields), or dropped.
 *
 *   mapping     the capture's client and server become the lab's client
 *               and server (by role, so a loopback capture with one
 *               address at both ends works); addresses in PORT, EPRT and
 *               227 are rewritten to them, sequence and acknowledgement
 *               numbers follow every change of payload length, and the
 *               packet is built again with correct checksums (rewrite.h).
 *               Packets go out through libnet raw sockets opened in the
 *               endpoint's namespace, so its kernel routes them to the
 *               firewalls' virtual IP; they are captured with libpcap on
 *               the other endpoint's eth0.
 *   closed loop lockstep: inject one packet, wait until it arrives on
 *               the other side or its deadline passes, record its verdict,
 *               then the next. With capture timing, each packet also waits
 *               for its moment in the capture (gaps times a factor).
 *   NAT-aware   the receiving side learns what the firewall changed: the
 *               tuple a flow arrives with (SNAT, the helper's DNAT of an
 *               active data connection), the announcements as they arrived
 *               (the helper's rewrite), and the length change that rewrite
 *               made, which moves that direction's sequence numbers; what
 *               it sends back uses all of it, as a real endpoint would. An
 *               active data connection goes to the address and port the
 *               server actually saw in the PORT/EPRT command.
 *   quiet       while replays run, the endpoints' own kernels must not
 *               answer replayed packets: replay_quiet() loads a table in
 *               the client and server namespaces that drops every TCP
 *               packet arriving on eth0 before the local stack sees it
 *               (AF_PACKET capture taps before netfilter), and every RST
 *               or ICMP unreachable the stack would send itself.
 *
 * What a capture holds that cannot be replayed (session.h's notes) is
 * replayed as far as it goes and said plainly: packets that are not TCP of
 * an FTP session are skipped with the reason, payload cut by the snapshot
 * length is padded with zeros to its length on the wire (noted on the
 * packet), segments larger than the lab's MTU (captured before TSO) are
 * sent as MTU-sized segments and count as delivered only when all arrive.
 */
#ifndef FTFW_REPLAY_H
#define FTFW_REPLAY_H

#include <stdint.h>
#include <stdio.h>
#include "lab.h"
#include "session.h"
#include "util.h"

enum replay_timing {
	REPLAY_LOCKSTEP,  /* as fast as each packet arrives */
	REPLAY_CAPTURE,   /* also not before its time in the capture, gaps * scale */
};
const char *replay_timing_name(enum replay_timing t);   /* "lockstep" "capture" */
int replay_timing_parse(const char *s);                 /* -1 if unknown */

struct replay_options {
	enum replay_timing timing;
	double scale;              /* capture timing: gaps multiplied by this (1.0) */
	int deadline_ms;           /* how long a packet may take to arrive (REPLAY_DEADLINE_MS) */
	int retries;               /* 1 (default): a packet not there by its deadline is sent once
				    * more, as a real endpoint would, and waited for 3 deadlines
				    * (not while the flow's previous packet stayed lost); 0: never */
	int nat_hint;              /* the server would see the client as the WAN VIP: used only
				    * when no packet of a flow ever arrived to learn it from */
	const char *log_path;      /* a line per packet written as it goes (NULL: none) */
	/* The firewalls' verdict, sooner than a deadline: drops(ctx) returns
	 * how many packets they have dropped so far (-1: unknown). A rise
	 * while a packet is awaited (and it is still not there 5 ms later)
	 * ends the wait: dropped. Not for the first try of a packet that will
	 * be retransmitted, which waits its deadline like a real endpoint's
	 * timer. NULL: every wait runs to its deadline. */
	int64_t (*drops)(void *ctx);
	void *ctx;                 /* for drops */
};

#define REPLAY_DEADLINE_MS 300

/* Defaults: lockstep, scale 1, REPLAY_DEADLINE_MS, 1 retry, no NAT hint, no log, no drop counter. */
void replay_options_default(struct replay_options *o);

enum replay_verdict {
	RV_PENDING,    /* not replayed (yet) */
	RV_DELIVERED,  /* arrived on the other side (perhaps changed: see changed) */
	RV_DROPPED,    /* not there when its deadline passed */
	RV_SKIPPED,    /* not replayable: see skip */
};
const char *replay_verdict_name(enum replay_verdict v);  /* "pending" "delivered" ... */

/* What the firewalls changed in a delivered packet (replay_pkt.changed). */
#define RV_CHG_ADDRESS  0x1u   /* source or destination address */
#define RV_CHG_PORT     0x2u   /* source or destination port */
#define RV_CHG_PAYLOAD  0x4u   /* payload bytes or length */
#define RV_CHG_SEQUENCE 0x8u   /* sequence or acknowledgement number */
/* "address,port,payload,sequence" for a mask into buf; "" for 0. */
const char *replay_changed_str(unsigned changed, char *buf, size_t len);
/* Parse such a list into a mask; -1 with err set for an unknown word. */
int replay_changed_parse(const char *s, unsigned *mask);

/* Why a packet was skipped. */
enum replay_skip {
	RS_NONE,
	RS_MALFORMED,   /* trace.h found its headers broken (reason in the log) */
	RS_NOT_TCP,     /* not TCP over IPv4/IPv6 */
	RS_FAMILY,      /* its address family is not in the lab */
	RS_NOT_FTP,     /* a TCP flow that is neither an FTP control connection nor
			 * a data connection announced on one */
	RS_FRAGMENT,    /* an IP fragment */
};
const char *replay_skip_str(enum replay_skip s);

/* One packet's outcome. */
struct replay_pkt {
	enum replay_verdict verdict;
	enum replay_skip skip;
	unsigned changed;          /* RV_CHG_* (delivered packets) */
	unsigned desync : 1;       /* arrived with a sequence or acknowledgement number the
				    * receiving endpoint would not accept (seq_off, ack_off) */
	unsigned padded : 1;       /* payload cut by the snapshot length, padded with zeros */
	unsigned split : 1;        /* sent as several MTU-sized segments */
	unsigned guessed : 1;      /* sent to a peer never learned (nat_hint's guess) */
	unsigned failover : 1;     /* a failover happened right before it (replay_mark_failover) */
	unsigned retransmitted : 1; /* sent a second time (retries) */
	int32_t seq_off, ack_off;  /* arrived minus what the receiver expects (desync) */
	uint32_t latency_us;       /* injection to arrival (delivered) */
	int flow;                  /* replay flow index, -1 when skipped before one was found */
	uint8_t from_client;       /* sent from the lab's client side (1) or server side (0) */
	uint8_t tcpflags;
	uint32_t plen;             /* payload bytes sent */
};

/* Counts so far. */
struct replay_stats {
	uint64_t packets;          /* in the capture */
	uint64_t replayed;         /* injected (delivered + dropped) */
	uint64_t delivered, changed, dropped, skipped, desync;
	uint64_t stray;            /* arrivals that matched no packet awaited */
	uint64_t held;             /* replayed packets kept from the endpoints' own stacks (quiet table) */
	uint64_t quieted;          /* RSTs / ICMP errors the endpoints' stacks were stopped from sending */
	double seconds;            /* time spent in replay_run() (between segments excluded) */
	double pps;                /* replayed / seconds */
};

struct replay;

/*
 * Load and enter the quiet table in the client and server namespaces of l
 * (idempotent; on = 0 removes it). 0, or -1 with err set (nft's message).
 */
int replay_quiet(struct lab *l, int on) FTFW_WUR;

/*
 * Open the capture at path for replay through lab l: find its FTP sessions
 * (session_scan()), map its flows to the lab, open the raw sockets and
 * captures in the client and server namespaces, make sure the quiet table
 * is there. The lab must carry the capture's address families. Returns a
 * new replay (replay_close()) or NULL with err set: "FILE: not a pcap or
 * pcapng file ...", "FILE: IPv6 capture, the lab is ipv4 only", "FILE: no
 * FTP session (no TCP flow with port 21)"...
 */
struct replay *replay_open(const char *path, struct lab *l, const struct replay_options *o);
void replay_close(struct replay *r);

/*
 * Replay packets up to and including number until (0 or past the end: to
 * the end). Returns 0 (verdicts recorded; dropped packets are verdicts,
 * not errors), or -1 with err set for a lab fault (a send that fails, a
 * capture that breaks).
 *
 * A replay is driven in segments: replay up to a packet, do something to
 * the lab (fail over), replay on. Whoever drives it calls
 * replay_mark_failover() between two segments so the next packet's
 * result and the log say a failover came right before it.
 */
int replay_run(struct replay *r, uint64_t until) FTFW_WUR;
void replay_mark_failover(struct replay *r);

/* Change the per-packet deadline between two replay_run() calls. */
void replay_set_deadline(struct replay *r, int ms);

/* The next packet to be replayed (1-based); replay_count() + 1 when done. */
uint64_t replay_next(const struct replay *r);
uint64_t replay_count(const struct replay *r);
/* Packet index (1..replay_count()). */
const struct replay_pkt *replay_result(const struct replay *r, uint64_t index);
void replay_stats(const struct replay *r, struct replay_stats *st);
const struct session_set *replay_sessions(const struct replay *r);
const char *replay_path(const struct replay *r);

/*
 * "packet 12 control client>server [P.] 16 bytes: delivered 14 us, changed address,sequence"
 * into buf. Returns buf.
 */
const char *replay_pkt_str(const struct replay *r, uint64_t index, char *buf, size_t len);

/*
 * Named things of the capture, from a table (replay.c): THING or THING:K
 * (K-th, from 1; default 1). Where a packet number is allowed too, digits
 * alone are one: the first 227 reply is "227:1".
 *   227, 229, port, eprt, announce   the packet completing the K-th such line
 *   data-syn    the first packet of the K-th opened data connection
 *   data-mid    its middle packet; data-end: its last
 *   login       the packet ending the reply to the K-th PASS (or USER when
 *               no password was asked)
 *   quit        the packet of the K-th QUIT command
 * replay_select() gives the thing's packet number. replay_locate() takes
 * "before-THING[:K]" or "after-THING[:K]" (or a packet number) and gives
 * the number to replay until (inclusive): the packet before the thing, or
 * the thing itself. Both return 0, or -1 with err set ("no 2nd 227 reply
 * in the capture (it has 1)", "unknown event 'x'; known: ...").
 */
int replay_select(const struct replay *r, const char *thing, uint64_t *index) FTFW_WUR;
int replay_locate(const struct replay *r, const char *event, uint64_t *until) FTFW_WUR;
/* Digits only: a packet number ("227" is packet 227; the reply is "227:1"). */
int replay_is_number(const char *s);
/* Syntax only, for parse-time checks: 0 or -1 with err set. */
int replay_event_check(const char *event, int with_when);
/* The table's names, for usage text: "227 229 port ...". */
const char *replay_things(void);

/* A flow of the replay. */
struct replay_flow_info {
	int data;                  /* 0: the control connection, 1: a data connection */
	int session;               /* its FTP session (0-based) */
	int nth;                   /* data: K of data:K (1-based, in announce order) */
	uint64_t first, last;      /* capture packet numbers */
	enum ftp_kind ann_kind;    /* data: the kind of announcement that opened it */
	/* as the lab sees it: the client-side tuple and the server-side tuple
	 * (port 0 and family 0 until known) */
	struct session_peer client_self, client_peer, server_self, server_peer;
	uint64_t replayed, delivered, dropped, desync;
};
size_t replay_flow_count(const struct replay *r);
int replay_flow(const struct replay *r, size_t i, struct replay_flow_info *out);
/* "control" (the first session's), "control:K", "data:K": the flow's index,
 * or -1 with err set. */
int replay_flow_find(const struct replay *r, const char *name);

/* An announcement, as sent and as received (a 229's has family AF_UNSPEC). */
struct replay_ann_info {
	enum ftp_kind kind;
	uint64_t packet;
	int sent_known, received_known;
	struct ftp_endpoint sent;      /* what the injecting side announced */
	struct ftp_endpoint received;  /* what arrived on the other side */
	int data_flow;                 /* index of the data flow it opened, -1 */
};
size_t replay_ann_count(const struct replay *r);
int replay_ann(const struct replay *r, size_t i, struct replay_ann_info *out);

#endif
