/* until: waiting with a deadline, and waiting on files. See until.h. */
#include "until.h"

#include <stdlib.h>
#include <string.h>

int poll_until(int timeout_ms, int interval_ms, int (*cond)(void *arg), void *arg)
{
	int64_t deadline = now_ms() + timeout_ms;

	for (;;) {
		int last = now_ms() >= deadline, r = cond(arg);

		if (r != 0)
			return r > 0 ? 1 : -1;
		if (last)
			return 0;
		sleep_ms(interval_ms);
	}
}

int file_has(const char *path, size_t from, const char *text)
{
	size_t len = 0;
	char *data = file_read(path, &len);
	int has = data && len > from && strstr(data + from, text) != NULL;

	free(data);
	return has;
}

int file_count(const char *path, const char *text)
{
	char *data = file_read(path, NULL);
	const char *p;
	int n = 0;

	for (p = data; p && *text && (p = strstr(p, text)); p += strlen(text))
		n++;
	free(data);
	return n;
}

struct has_args {
	const char *path, *text;
	size_t from;
	int want;
};

static int has_cond(void *p)
{
	const struct has_args *a = p;

	return file_has(a->path, a->from, a->text) == a->want;
}

int file_wait(const char *path, size_t from, const char *text, int want, int timeout_ms)
{
	struct has_args a = { path, text, from, want ? 1 : 0 };

	return poll_until(timeout_ms, 10, has_cond, &a) == 1;
}

const char *file_tail(const char *path, size_t from, size_t max, char *buf, size_t len)
{
	size_t n = 0;
	char *data = file_read(path, &n);
	const char *start;

	if (!data || n <= from) {
		str_copy(buf, "(no output)", len);
		free(data);
		return buf;
	}
	while (n > from && (data[n - 1] == '\n' || data[n - 1] == '\r'))
		data[--n] = '\0';
	start = data + from;
	if (n - from > max)
		start = data + n - max;
	str_copy(buf, *start ? start : "(no output)", len);
	free(data);
	return buf;
}
