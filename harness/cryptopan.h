/*
 * cryptopan: keyed, prefix-preserving anonymisation of IPv4 and IPv6
 * addresses (Crypto-PAn, Xu, Fan, Ammar and Moon, 2002), on nettle's
 * AES-128. Two addresses that share their first k bits map to two that
 * share exactly their first k bits, so subnets stay subnets; the same
 * key always gives the same mapping, so a capture and its minimised form
 * stay comparable. Pure: no I/O; unit-tested against the reference
 * implementation's published sample (its key and trace).
 *
 * The key is 32 bytes: the first 16 are the AES key, the last 16 are
 * encrypted with it into the pad whose bits fill each block after the
 * address's prefix. An IPv6 address is the same construction over 128
 * bits (as other implementations extend it).
 */
#ifndef FTFW_CRYPTOPAN_H
#define FTFW_CRYPTOPAN_H

#include <stdint.h>
#include "util.h"

#define CRYPTOPAN_KEY_LEN 32

struct cryptopan;

/* A mapping for key (CRYPTOPAN_KEY_LEN bytes, copied). cryptopan_free(). */
struct cryptopan *cryptopan_new(const uint8_t key[CRYPTOPAN_KEY_LEN]);
void cryptopan_free(struct cryptopan *c);

/* in mapped into out (in and out may be the same). */
void cryptopan_ipv4(const struct cryptopan *c, const uint8_t in[4], uint8_t out[4]);
void cryptopan_ipv6(const struct cryptopan *c, const uint8_t in[16], uint8_t out[16]);

/*
 * A key as a user writes it: 64 hexadecimal digits (the 32 bytes). 0, or
 * -1 with err set saying what is wrong (never echoing the key).
 */
int cryptopan_key_parse(const char *text, uint8_t key[CRYPTOPAN_KEY_LEN]) FTFW_WUR;

#endif
