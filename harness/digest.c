/* digest: SHA-256 and generated content. See digest.h. */
#include "digest.h"

#include <errno.h>
#include <fcntl.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int digest_file(const char *path, uint8_t out[DIGEST_LEN], uint64_t *size)
{
	struct sha256_ctx ctx;
	uint8_t buf[65536];
	uint64_t total = 0;
	int fd, rc = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys("%s", path);
	sha256_init(&ctx);
	for (;;) {
		ssize_t r = read(fd, buf, sizeof(buf));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err_sys("%s: read", path);
			goto out_close;
		}
		if (r == 0)
			break;
		sha256_update(&ctx, (size_t)r, buf);
		total += (uint64_t)r;
	}
	sha256_digest(&ctx, DIGEST_LEN, out);
	if (size)
		*size = total;
	rc = 0;
out_close:
	close(fd);
	return rc;
}

void digest_buf(const void *buf, size_t len, uint8_t out[DIGEST_LEN])
{
	struct sha256_ctx ctx;

	sha256_init(&ctx);
	sha256_update(&ctx, len, buf);
	sha256_digest(&ctx, DIGEST_LEN, out);
}

void digest_hex(const uint8_t d[DIGEST_LEN], char hex[DIGEST_HEX_LEN])
{
	static const char digits[] = "0123456789abcdef";
	int i;

	for (i = 0; i < DIGEST_LEN; i++) {
		hex[2 * i] = digits[d[i] >> 4];
		hex[2 * i + 1] = digits[d[i] & 15];
	}
	hex[2 * DIGEST_LEN] = '\0';
}

int digest_make_file(const char *path, uint64_t size, uint64_t seed, uint8_t out[DIGEST_LEN])
{
	struct sha256_ctx ctx;
	uint64_t buf[8192], x = seed ? seed : 0x9e3779b97f4a7c15ULL;
	int fd, rc = -1;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return err_sys("%s", path);
	sha256_init(&ctx);
	while (size) {
		size_t chunk = size < sizeof(buf) ? (size_t)size : sizeof(buf);
		size_t i, done = 0;

		for (i = 0; i < ARRAY_SIZE(buf); i++) {
			x ^= x >> 12;
			x ^= x << 25;
			x ^= x >> 27;
			buf[i] = x * 0x2545f4914f6cdd1dULL;
		}
		sha256_update(&ctx, chunk, (const uint8_t *)buf);
		while (done < chunk) {
			ssize_t w = write(fd, (const char *)buf + done, chunk - done);

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				err_sys("%s: write", path);
				goto out_close;
			}
			done += (size_t)w;
		}
		size -= chunk;
	}
	sha256_digest(&ctx, DIGEST_LEN, out);
	rc = 0;
out_close:
	close(fd);
	return rc;
}
