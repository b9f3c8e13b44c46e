/*
 * anonymise_capture: a capture file anonymised into another (anonymise.h
 * packet by packet): pcap or pcapng in, pcap out with the same link type
 * and timestamps; link headers (MAC addresses included) and ports kept;
 * frames that are not IP copied. pcapng comments and other non-packet
 * blocks are not carried (libpcap writes pcap), and the summary says so.
 */
#ifndef FTFW_ANONYMISE_CAPTURE_H
#define FTFW_ANONYMISE_CAPTURE_H

#include <stdio.h>
#include "anonymise.h"

/*
 * Anonymise in into out (created 0644, truncated, never through a
 * symlink; in and out must differ) with key. st (may be NULL) gets the
 * counts. Returns 0, or -1 with err set naming the file and the packet.
 * Nothing is left at out on an error.
 */
int anonymise_capture(const char *in, const char *out, const uint8_t key[CRYPTOPAN_KEY_LEN],
		      struct anon_stats *st) FTFW_WUR;

/* Its counts as one line for people: "N packets, N mapped, ..." into buf. */
const char *anonymise_summary(const struct anon_stats *st, char *buf, size_t len);

/*
 * The key as given on the command line: 64 hexadecimal digits, or the
 * path of a file holding them (one line; keeps the key out of the
 * process list and the shell's history). 0 or -1 with err set.
 */
int anonymise_key_arg(const char *arg, uint8_t key[CRYPTOPAN_KEY_LEN]) FTFW_WUR;

#endif
