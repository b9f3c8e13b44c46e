/*
 * anonymise: one IP packet at a time, its addresses replaced by their
 * keyed, prefix-preserving mapping (cryptopan.h): the IPv4 or IPv6
 * header's source and destination, and on FTP control connections (TCP
 * port 21 at either end) the addresses inside PORT, EPRT, 227 and 229.
 * An announcement whose text changes length shifts its direction's later
 * sequence numbers and the other direction's acknowledgements (and SACK
 * edges), as the kernel's nf_nat_ftp does, so the conversation stays one
 * a TCP stack accepts. Checksums: recomputed where the payload changed;
 * elsewhere adjusted for the address change alone (RFC 1624), so a frame
 * cut by the snapshot length keeps a checksum that is right for the
 * packet on the wire. Ports are kept.
 *
 * Left as they are, and counted: addresses in other text (a banner, a
 * 230 message), inside ICMP errors, and the transport checksum behind
 * IPv6 extension headers or of a non-first IPv4 fragment.
 *
 * Pure: no I/O; the per-connection state lives in the handle.
 */
#ifndef FTFW_ANONYMISE_H
#define FTFW_ANONYMISE_H

#include <stddef.h>
#include <stdint.h>
#include "cryptopan.h"
#include "util.h"

struct anon_stats {
	uint64_t packets;        /* given to anon_packet() (anonymise_capture: every frame) */
	uint64_t mapped;         /* IP packets whose addresses were mapped */
	uint64_t not_ip;         /* too short or not IPv4/IPv6: copied unchanged */
	uint64_t arp;            /* ARP packets whose IPv4 addresses were mapped */
	uint64_t announcements;  /* PORT/EPRT/227/229 addresses mapped */
	uint64_t resized;        /* payloads whose length changed */
	uint64_t ftp_cut;        /* FTP control packets cut by the snapshot length or
				  * not parsed: header addresses only (their text kept) */
	uint64_t l4_kept;        /* transport checksums that could not be adjusted */
};

struct anon;

/* A new anonymiser for key (copied). anon_free(). */
struct anon *anon_new(const uint8_t key[CRYPTOPAN_KEY_LEN]);
void anon_free(struct anon *a);

/*
 * Anonymise one IP packet: caplen bytes at ip were captured of a packet
 * of wirelen bytes. The result goes to out (cap bytes, at least caplen +
 * 256): *outlen its captured length, *outwire its length on the wire
 * (they differ from the input's when an announcement changed length).
 * Returns 0, or -1 with err set (out too small).
 */
int anon_packet(struct anon *a, const uint8_t *ip, size_t caplen, size_t wirelen, uint8_t *out, size_t cap,
		size_t *outlen, size_t *outwire) FTFW_WUR;

/*
 * An ARP packet (arp: the ARP header on, len bytes) of IPv4 over any
 * hardware: its sender and target protocol addresses mapped in place, as
 * the IP headers' are. 1 mapped, 0 not such a packet (left as it is).
 */
int anon_arp(struct anon *a, uint8_t *arp, size_t len);

const struct anon_stats *anon_stats(const struct anon *a);

#endif
