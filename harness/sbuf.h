/*
 * sbuf: a growing string, and the escapes the result files need (JSON
 * strings, XML text and attributes, seconds written locale-free).
 *
 * A struct sbuf starts zeroed ({ NULL, 0, 0 }); it owns b->s, which the
 * caller frees. Appending aborts on out-of-memory, like xcalloc. Invalid
 * UTF-8 (a daemon's bytes in a detail) becomes U+FFFD in JSON and XML.
 */
#ifndef FTFW_SBUF_H
#define FTFW_SBUF_H

#include <stddef.h>
#include "util.h"

struct sbuf {
	char *s; /* owned, NUL-terminated once anything was added */
	size_t len, cap;
};

void sb_add(struct sbuf *b, const char *s, size_t len);
void sb_puts(struct sbuf *b, const char *s);
/* At most 511 bytes a call (longer output is cut). */
void sb_printf(struct sbuf *b, const char *fmt, ...) FTFW_FMT(2, 3);
/* XML 1.0 text; attr: also tab, newline, CR as character references. */
void sb_xml(struct sbuf *b, const char *str, int attr);
/* A JSON string with its quotes; NULL becomes null. */
void sb_json(struct sbuf *b, const char *str);
/* Seconds with millisecond precision ("12.345"), whatever LC_NUMERIC says. */
void sb_seconds(struct sbuf *b, double seconds);

#endif
