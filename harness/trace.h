/*
 * trace: a packet capture read back. Opens a pcap or pcapng file through
 * libpcap (microsecond timestamps), checks that its link type and snapshot
 * length are ones we can use, and yields the packets one by one as a
 * normalized view: the IP packet inside whatever link layer carried it,
 * and the IPv4/IPv6 and TCP/UDP headers parsed. The replay engine and the
 * session finder (session.h) read captures only through this module.
 *
 * Two tiers of trouble. A file that is not a usable capture (bad magic,
 * truncated, unsupported link type, absurd snapshot length) is an error:
 * trace_open() or trace_next() returns failure with err set, the message
 * starting with the file name. A packet that is malformed inside an
 * otherwise good file (an IPv4 header length below 5, a TCP data offset
 * past the end of the segment, a frame cut inside its headers) is not an
 * error: the packet comes back with a reason code saying what is wrong,
 * and nothing behind the bad header is interpreted.
 */
#ifndef FTFW_TRACE_H
#define FTFW_TRACE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>
#include "util.h"

/* Snapshot lengths above this are refused as absurd (libpcap's own limit
 * for most link types is 256 KiB; nothing real captures 256 MiB frames). */
#define TRACE_SNAPLEN_MAX (256u * 1024 * 1024)

/*
 * What is wrong with one packet; TRACE_OK when nothing is. The fields of
 * struct trace_pkt that come before the trouble are filled, the others
 * are zero (see each row).
 */
enum trace_reason {
	TRACE_OK,
	TRACE_NOT_IP,        /* the link layer carries neither IPv4 nor IPv6 (ARP...) */
	TRACE_SHORT_LINK,    /* captured bytes end inside the link-layer header */
	TRACE_SHORT_IP,      /* captured bytes end inside the IP header (snaplen) */
	TRACE_BAD_IP,        /* IP version field disagrees with the link layer's type */
	TRACE_BAD_IHL,       /* IPv4 header length below 20 bytes or past the total length */
	TRACE_BAD_IP_LEN,    /* IP total/payload length shorter than the headers, or past the frame */
	TRACE_BAD_EXT,       /* an IPv6 extension header runs past the packet */
	TRACE_FRAGMENT,      /* an IP fragment: the transport header is not looked at */
	TRACE_SHORT_L4,      /* captured bytes end inside the TCP/UDP header (snaplen) */
	TRACE_BAD_L4,        /* TCP data offset below 5 or past the segment; UDP shorter than 8 */
};

/* "ok", "not IP", "IPv4 header length below 20 or past the packet"... */
const char *trace_reason_str(enum trace_reason r);

/* TCP flags as in the header (struct trace_pkt.tcp.flags). */
#define TRACE_FIN 0x01
#define TRACE_SYN 0x02
#define TRACE_RST 0x04
#define TRACE_PSH 0x08
#define TRACE_ACK 0x10
#define TRACE_URG 0x20

/*
 * One packet. Filled by trace_next() into storage the caller owns; the
 * pointers in it point into libpcap's buffer and are valid only until
 * the next trace_next() or trace_close() on the same trace.
 */
struct trace_pkt {
	uint64_t index;            /* 1-based, as Wireshark numbers packets */
	struct timeval ts;         /* capture time, microseconds */
	uint32_t caplen;           /* bytes of the frame in the file */
	uint32_t wirelen;          /* bytes of the frame on the wire; > caplen: cut by snaplen */
	enum trace_reason reason;  /* TRACE_OK or what stopped the parse */
	const uint8_t *frame;      /* the frame as captured (caplen bytes), link header first */

	/*
	 * Layer 3. family and ip are set unless reason is TRACE_NOT_IP or
	 * TRACE_SHORT_LINK; the rest once the fixed IP header was captured
	 * and carries the right version (not TRACE_SHORT_IP, TRACE_BAD_IP).
	 */
	int family;                /* AF_INET, AF_INET6, or 0 (not IP) */
	const uint8_t *ip;         /* IP header; NULL when not IP */
	size_t ip_caplen;          /* bytes at ip that were captured (Ethernet padding excluded) */
	size_t ip_len;             /* bytes of the IP packet on the wire, per its length field */
	uint8_t src[16], dst[16];  /* addresses, network order; IPv4 uses the first 4 bytes */
	uint8_t proto;             /* transport protocol (IPPROTO_TCP...), after IPv6 extensions */

	/*
	 * Layer 4, set only when reason is TRACE_OK. For protocols other than
	 * TCP and UDP, has_ports is 0 and the payload is the whole IP payload.
	 */
	int has_ports;             /* 1 for TCP and UDP */
	uint16_t sport, dport;     /* host order */
	struct {
		uint8_t flags;     /* TRACE_SYN | TRACE_ACK ... */
		uint32_t seq, ack; /* host order */
		uint16_t win;      /* raw window field (unscaled) */
	} tcp;
	size_t payload_off;        /* offset of the TCP/UDP payload from ip */
	size_t payload_len;        /* payload bytes on the wire */
	size_t payload_caplen;     /* of which captured: < payload_len when cut by snaplen */
};

struct trace;

/*
 * Open path for reading. Checks the magic number, the snapshot length
 * (refused when 0 or above TRACE_SNAPLEN_MAX) and the link type
 * (Ethernet, Linux cooked v1/v2, raw IP, IPv4, IPv6, BSD loopback).
 * Returns a new trace (free with trace_close()) or NULL with err set,
 * "FILE: not a pcap or pcapng file (bad magic 0x...)",
 * "FILE: link type 147 (USER0) not supported", "FILE: empty file"...
 */
struct trace *trace_open(const char *path);

/* Close and free t. NULL is accepted. */
void trace_close(struct trace *t);

/*
 * The next packet into *p. Returns 1 (p filled; p->reason says whether
 * its headers made sense), 0 at the end of the file, -1 with err set when
 * the file itself is broken ("FILE: truncated at packet 7 (...)"); after
 * -1 or 0, further calls return the same.
 */
int trace_next(struct trace *t, struct trace_pkt *p) FTFW_WUR;

/* The file name as given to trace_open(). */
const char *trace_path(const struct trace *t);
/* The libpcap DLT_ value, and its name ("EN10MB", "LINUX_SLL2"...). */
int trace_linktype(const struct trace *t);
const char *trace_linktype_name(const struct trace *t);
/* The snapshot length the file declares (for pcapng: its first interface). */
uint32_t trace_snaplen(const struct trace *t);
/* "pcap" or "pcapng". */
const char *trace_format(const struct trace *t);
/* Packets returned so far. */
uint64_t trace_count(const struct trace *t);

/*
 * An address of p as text into buf (>= INET6_ADDRSTRLEN bytes): which is
 * 0 for the source, 1 for the destination. Returns buf, or "?" when p is
 * not IP.
 */
const char *trace_addr_str(const struct trace_pkt *p, int which, char *buf, size_t len);

#endif
