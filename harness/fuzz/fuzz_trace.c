/*
 * libFuzzer target: the capture reader and the FTP session finder, the
 * code that reads files from strangers (bug reports). Each input is
 * written to a private file and scanned as a capture; the inspect report
 * is rendered too. Any crash, leak or sanitizer report is a bug.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "session.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static char path[64];
	struct session_set *set;
	FILE *f, *devnull;

	if (!path[0])
		snprintf(path, sizeof(path), "/dev/shm/ftfw-fuzz-trace-%d", (int)getpid());
	f = fopen(path, "wb");
	if (!f)
		abort();
	if (size && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);
	set = session_scan(path);
	session_set_free(set);
	devnull = fopen("/dev/null", "w");
	if (devnull) {
		if (session_inspect(path, devnull) < 0)
			err_clear();
		fclose(devnull);
	}
	unlink(path);
	return 0;
}
