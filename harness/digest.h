/*
 * digest: SHA-256 of files and buffers (nettle), and the deterministic
 * pseudo-random content the lab's FTP server serves, so that every
 * transfer can be checked byte for byte.
 */
#ifndef FTFW_DIGEST_H
#define FTFW_DIGEST_H

#include <stddef.h>
#include <stdint.h>
#include "util.h"

#define DIGEST_LEN 32
#define DIGEST_HEX_LEN 65

/* SHA-256 of a file; size read to *size when not NULL. 0 or -1, err set. */
int digest_file(const char *path, uint8_t out[DIGEST_LEN], uint64_t *size) FTFW_WUR;
void digest_buf(const void *buf, size_t len, uint8_t out[DIGEST_LEN]);
/* Lower-case hex, NUL-terminated. */
void digest_hex(const uint8_t d[DIGEST_LEN], char hex[DIGEST_HEX_LEN]);

/*
 * Write size bytes of content derived from seed (xorshift64*) to path
 * (created 0644, not through a symlink), and its SHA-256 to out.
 */
int digest_make_file(const char *path, uint64_t size, uint64_t seed, uint8_t out[DIGEST_LEN]) FTFW_WUR;

#endif
