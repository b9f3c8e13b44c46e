/*
 * libFuzzer target: the FTP command/reply parser and rewriter (ftp.h),
 * which the replay engine runs on every control-channel line of a
 * capture. Each input is parsed as a client line and as a server line,
 * rewritten to IPv4 and IPv6 endpoints, and its reply code read.
 */
#include <string.h>
#include "ftp.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static const struct ftp_endpoint eps[] = {
		{ AF_INET, "198.51.100.1", 1025 },
		{ AF_INET6, "2001:db8:2::1", 65535 },
		{ AF_UNSPEC, "", 20 },
	};
	char out[2048];
	struct ftp_announce a;
	int dir, last;
	size_t i;

	for (dir = 0; dir < 2; dir++) {
		if (ftp_parse((const char *)data, size, dir, &a) == 1) {
			/* The span must lie inside the line it came from. */
			if (a.start > a.end || a.end > size)
				__builtin_trap();
		}
		for (i = 0; i < sizeof(eps) / sizeof(eps[0]); i++)
			(void)ftp_rewrite((const char *)data, size, dir, &eps[i], out, sizeof(out));
	}
	(void)ftp_reply_code((const char *)data, size, &last);
	return 0;
}
