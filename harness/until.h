/*
 * until: waiting with a deadline, and what the harness waits on most: text
 * appearing in a file (a daemon's log, a notify hook's record), and the
 * end of a file (a program's last words, for an error).
 *
 * Everything polls: nothing here sleeps longer than the interval it is
 * given, and a condition is always tried once more at the deadline, so a
 * state reached just in time counts.
 */
#ifndef FTFW_UNTIL_H
#define FTFW_UNTIL_H

#include <stddef.h>
#include "util.h"

/*
 * Call cond(arg) every interval_ms until it returns > 0 (returns 1), it
 * returns < 0 (returns -1; cond set err), or timeout_ms have passed
 * (returns 0, after one last try).
 */
int poll_until(int timeout_ms, int interval_ms, int (*cond)(void *arg), void *arg);

/* Does the file at path, from byte offset from on, contain text? 0 when
 * it does not or cannot be read. */
int file_has(const char *path, size_t from, const char *text);

/* How many times text occurs in the file at path (0 when unreadable). */
int file_count(const char *path, const char *text);

/* Wait up to timeout_ms for file_has(path, from, text) to be want (1: the
 * text there, 0: not there). 1 when it came to be, 0 when not. */
int file_wait(const char *path, size_t from, const char *text, int want, int timeout_ms);

/*
 * The end of the file at path from offset from on: its last max bytes at
 * most, trailing newlines cut, into buf (len bytes); "(no output)" when
 * there is nothing (or the file cannot be read). Returns buf.
 */
const char *file_tail(const char *path, size_t from, size_t max, char *buf, size_t len);

#endif
