/* util: error context, logging, time, strings, files. See util.h. */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static __thread char err_buf[2048];
static int verbose;
static int64_t log_t0;

int err_set(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err_buf, sizeof(err_buf), fmt, ap);
	va_end(ap);
	return -1;
}

int err_sys(const char *fmt, ...)
{
	int saved = errno;
	size_t n;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err_buf, sizeof(err_buf), fmt, ap);
	va_end(ap);
	n = strlen(err_buf);
	snprintf(err_buf + n, sizeof(err_buf) - n, ": %s", strerror(saved));
	errno = saved;
	return -1;
}

int err_prefix(const char *fmt, ...)
{
	char old[sizeof(err_buf)];
	size_t n;
	va_list ap;

	memcpy(old, err_buf, sizeof(old));
	va_start(ap, fmt);
	vsnprintf(err_buf, sizeof(err_buf), fmt, ap);
	va_end(ap);
	n = strlen(err_buf);
	if (old[0])
		snprintf(err_buf + n, sizeof(err_buf) - n, ": %s", old);
	return -1;
}

int err_suffix(const char *fmt, ...)
{
	size_t n = strlen(err_buf);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err_buf + n, sizeof(err_buf) - n, fmt, ap);
	va_end(ap);
	return -1;
}

const char *err_get(void)
{
	return err_buf;
}

void err_clear(void)
{
	err_buf[0] = '\0';
}

int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t now_ms(void)
{
	return now_us() / 1000;
}

void wallclock_iso(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	char tmp[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(tmp, sizeof(tmp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%06ldZ", tmp, ts.tv_nsec / 1000);
}

void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void log_line(const char *fmt, va_list ap)
{
	char line[1024];
	int64_t t;

	if (!log_t0)
		log_t0 = now_us();
	t = now_us() - log_t0;
	vsnprintf(line, sizeof(line), fmt, ap);
	fprintf(stderr, "[%3lld.%03lld] %s\n", (long long)(t / 1000000),
		(long long)(t / 1000 % 1000), line);
}

void log_progress(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line(fmt, ap);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	log_line(fmt, ap);
	va_end(ap);
}

void log_set_verbose(int on)
{
	verbose = on;
}

int log_verbose(void)
{
	return verbose;
}

size_t str_copy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (size) {
		size_t c = n < size - 1 ? n : size - 1;

		memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return n;
}

int str_fmt(char *dst, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(dst, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size)
		return err_set("string too long (%d bytes, room for %zu)", n, size);
	return 0;
}

static void oom(void)
{
	fputs("ftfw: out of memory\n", stderr);
	abort();
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		oom();
	return p;
}

void *xrealloc(void *p, size_t size)
{
	p = realloc(p, size ? size : 1);
	if (!p)
		oom();
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		oom();
	return p;
}

int file_write(const char *path, const char *data, size_t len, int mode)
{
	int rc = -1;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return err_sys("%s", path);
	while (len) {
		ssize_t w = write(fd, data, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			err_sys("%s: write", path);
			goto out_close;
		}
		data += w;
		len -= (size_t)w;
	}
	if (fchmod(fd, (mode_t)mode) < 0) {
		err_sys("%s: chmod", path);
		goto out_close;
	}
	rc = 0;
out_close:
	close(fd);
	return rc;
}

char *file_read(const char *path, size_t *lenp)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err_sys("%s", path);
		return NULL;
	}
	for (;;) {
		ssize_t r;

		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			buf = xrealloc(buf, cap);
		}
		r = read(fd, buf + len, cap - len - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			err_sys("%s: read", path);
			free(buf);
			buf = NULL;
			goto out_close;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	buf[len] = '\0';
	if (lenp)
		*lenp = len;
out_close:
	close(fd);
	return buf;
}

/* mkdir -p that refuses to walk through a symlink. */
int dir_make(const char *path, int mode)
{
	char tmp[512];
	char *p;
	struct stat st;

	if (str_copy(tmp, path, sizeof(tmp)) >= sizeof(tmp))
		return err_set("path too long: %s", path);
	for (p = tmp + 1;; p++) {
		char c = *p;

		if (c != '/' && c != '\0')
			continue;
		*p = '\0';
		if (mkdir(tmp, (mode_t)mode) < 0 && errno != EEXIST)
			return err_sys("mkdir %s", tmp);
		if (lstat(tmp, &st) < 0)
			return err_sys("stat %s", tmp);
		if (!S_ISDIR(st.st_mode))
			return err_set("%s: not a directory (a symlink?), refusing to use it", tmp);
		*p = c;
		if (!c)
			break;
	}
	return 0;
}
