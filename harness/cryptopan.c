/* cryptopan: prefix-preserving address anonymisation. See cryptopan.h. */
#include "cryptopan.h"

#include <nettle/aes.h>
#include <stdlib.h>
#include <string.h>

struct cryptopan {
	struct aes128_ctx aes;
	uint8_t pad[AES_BLOCK_SIZE];
};

struct cryptopan *cryptopan_new(const uint8_t key[CRYPTOPAN_KEY_LEN])
{
	struct cryptopan *c = xcalloc(1, sizeof(*c));

	aes128_set_encrypt_key(&c->aes, key);
	aes128_encrypt(&c->aes, AES_BLOCK_SIZE, c->pad, key + 16);
	return c;
}

void cryptopan_free(struct cryptopan *c)
{
	if (!c)
		return;
	memset(c, 0, sizeof(*c));   /* the key schedule is the key */
	free(c);
}

/*
 * The one-time pad for an address of nbits bits (32 or 128): bit i of
 * the result is the first bit of AES(the address's first i bits, then
 * the pad's bits from i on). out gets the address XOR that pad.
 */
static void map(const struct cryptopan *c, const uint8_t *in, uint8_t *out, unsigned nbits)
{
	uint8_t addr[16], block[AES_BLOCK_SIZE], enc[AES_BLOCK_SIZE], otp[16] = { 0 };
	unsigned i, nbytes = nbits / 8;

	memcpy(addr, in, nbytes);
	for (i = 0; i < nbits; i++) {
		unsigned full = i / 8, rest = i % 8;

		memcpy(block, c->pad, sizeof(block));
		memcpy(block, addr, full);
		if (rest) {
			uint8_t keep = (uint8_t)(0xffu << (8 - rest));

			block[full] = (uint8_t)((addr[full] & keep) | (c->pad[full] & (uint8_t)~keep));
		}
		aes128_encrypt(&c->aes, AES_BLOCK_SIZE, enc, block);
		if (enc[0] & 0x80)
			otp[full] |= (uint8_t)(0x80u >> rest);
	}
	for (i = 0; i < nbytes; i++)
		out[i] = addr[i] ^ otp[i];
}

void cryptopan_ipv4(const struct cryptopan *c, const uint8_t in[4], uint8_t out[4])
{
	map(c, in, out, 32);
}

void cryptopan_ipv6(const struct cryptopan *c, const uint8_t in[16], uint8_t out[16])
{
	map(c, in, out, 128);
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int cryptopan_key_parse(const char *text, uint8_t key[CRYPTOPAN_KEY_LEN])
{
	size_t i, n = strlen(text);

	if (n != 2 * CRYPTOPAN_KEY_LEN)
		return err_set("an anonymisation key is %d hexadecimal digits (%d bytes); this one has %zu characters",
			       2 * CRYPTOPAN_KEY_LEN, CRYPTOPAN_KEY_LEN, n);
	for (i = 0; i < CRYPTOPAN_KEY_LEN; i++) {
		int hi = hexval(text[2 * i]), lo = hexval(text[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return err_set("an anonymisation key is hexadecimal digits only (character %zu is not one)",
				       hi < 0 ? 2 * i + 1 : 2 * i + 2);
		key[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}
