/*
 * replay_int: what the replay engine's files share (replay.c: open,
 * close, sending, receiving, the run; replay_side.c: each endpoint's raw
 * sockets and capture, the quiet table; replay_flows.c: flows, names and
 * results). Not for other modules: they use replay.h.
 */
#ifndef FTFW_REPLAY_INT_H
#define FTFW_REPLAY_INT_H

#include "replay.h"
#include "rewrite.h"
#include "session.h"
#include "trace.h"

#include <libnet.h>
#include <pcap/pcap.h>
#include <stdio.h>

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

/* "client", "server" */
extern const char *const rp_side_names[SIDES];

void rp_side_close(struct side *s);
int rp_side_open(struct replay *r, int k);
int rp_fam_index(int family);
int rp_ep_eq(const struct ep *a, const uint8_t *addr, uint16_t port);
void rp_ep_set(struct ep *e, int family, const uint8_t *addr, uint16_t port);
int rp_ep_from_ftp(struct ep *e, const struct ftp_endpoint *f);
int rp_build_flows(struct replay *r);
int rp_flow_lookup(struct replay *r, const struct trace_pkt *p, int *sender);

#endif
