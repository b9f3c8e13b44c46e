/*
 * util: the small things every module uses. An error context that each
 * layer extends ("scenario.scn:12: expect: fw-2: netlink: No such file"),
 * progress logging with the run's elapsed time, monotonic time, and
 * safe string copies.
 */
#ifndef FTFW_UTIL_H
#define FTFW_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define FTFW_WUR __attribute__((warn_unused_result))
/* A macro's value as a string literal: FTFW_STR(MAX) -> "128". */
#define FTFW_STR_(x) #x
#define FTFW_STR(x) FTFW_STR_(x)
#define FTFW_FMT(a, b) __attribute__((format(printf, a, b)))

/* Exit codes of the tool, kernel-selftest style. */
enum ftfw_exit {
	EXIT_PASS = 0,   /* every check held */
	EXIT_FAILED = 1, /* a check failed */
	EXIT_SETUP = 2,  /* usage, bad input or a lab/set-up error */
	EXIT_SKIP = 4,   /* cannot run here: not root, a tool missing */
};

/*
 * Error context. One per thread. err_set() replaces the message,
 * err_sys() replaces it and appends strerror(errno) (errno is preserved),
 * err_prefix() puts "context: " in front of what is there, err_suffix()
 * appends its text to it (a parenthesis on what the values were).
 * All four return -1 so that "return err_set(...);" reads naturally.
 */
int err_set(const char *fmt, ...) FTFW_FMT(1, 2);
int err_sys(const char *fmt, ...) FTFW_FMT(1, 2);
int err_prefix(const char *fmt, ...) FTFW_FMT(1, 2);
int err_suffix(const char *fmt, ...) FTFW_FMT(1, 2);
/* The current message; never NULL ("" when none). */
const char *err_get(void);
void err_clear(void);

/* Progress lines on stderr: "[  1.234] fw-2: committing external cache". */
void log_progress(const char *fmt, ...) FTFW_FMT(1, 2);
/* Same, only when verbose logging is on. */
void log_debug(const char *fmt, ...) FTFW_FMT(1, 2);
void log_set_verbose(int on);
int log_verbose(void);

/* CLOCK_MONOTONIC in milliseconds / microseconds. */
int64_t now_ms(void);
int64_t now_us(void);
/* Wall-clock time as "2026-11-27T14:10:07.123456Z" into buf (>= 32 bytes). */
void wallclock_iso(char *buf, size_t len);
void sleep_ms(int ms);

/* strlcpy semantics: always terminates, returns strlen(src). */
size_t str_copy(char *dst, const char *src, size_t size);
/* snprintf that reports truncation: 0 on success, -1 (err set) if cut. */
int str_fmt(char *dst, size_t size, const char *fmt, ...) FTFW_FMT(3, 4) FTFW_WUR;

/* Allocation that cannot return NULL (aborts with a message). */
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);

/*
 * Write a whole file atomically-enough for our use: created with mode,
 * O_NOFOLLOW|O_CLOEXEC, truncated. Returns 0 or -1 with err set.
 */
int file_write(const char *path, const char *data, size_t len, int mode) FTFW_WUR;
/* mkdir -p path (each folder with mode) that refuses to walk through a
 * symlink or a non-folder. 0 or -1 with err set. */
int dir_make(const char *path, int mode) FTFW_WUR;
/* Read a whole file into a newly allocated NUL-terminated buffer (free()). */
char *file_read(const char *path, size_t *len);

#endif
