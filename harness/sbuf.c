/* sbuf: a growing string and the result files' escapes. See sbuf.h. */
#include "sbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sb_add(struct sbuf *b, const char *s, size_t len)
{
	if (b->cap - b->len <= len) {
		while (b->cap - b->len <= len)
			b->cap = b->cap ? b->cap * 2 : 4096;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, s, len);
	b->len += len;
	b->s[b->len] = '\0';
}

void sb_puts(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		sb_add(b, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/*
 * Length of the valid UTF-8 sequence at s (1..4), or 0 when the bytes are
 * not valid UTF-8 (stray continuation, overlong form, surrogate, beyond
 * U+10FFFF, cut short). Both JSON and XML need valid UTF-8, and a detail
 * may hold whatever bytes a daemon printed.
 */
static size_t utf8_len(const unsigned char *s, unsigned *cp)
{
	size_t len, i;
	unsigned c = s[0];

	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		c &= 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		c &= 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		c &= 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

#define REPLACEMENT_CHAR "\xef\xbf\xbd" /* U+FFFD */

/*
 * XML 1.0 text: the five markup characters escaped; in attributes also
 * tab/newline/CR as character references so that attribute-value
 * normalisation keeps them. Characters XML 1.0 cannot carry at all (other
 * controls, U+FFFE/U+FFFF) and invalid UTF-8 become U+FFFD.
 */
void sb_xml(struct sbuf *b, const char *str, int attr)
{
	const unsigned char *s = (const unsigned char *)str;

	while (*s) {
		unsigned cp;
		size_t len = utf8_len(s, &cp);

		if (!len) {
			sb_puts(b, REPLACEMENT_CHAR);
			s++;
			continue;
		}
		switch (cp) {
		case '&':
			sb_puts(b, "&amp;");
			break;
		case '<':
			sb_puts(b, "&lt;");
			break;
		case '>':
			sb_puts(b, "&gt;");
			break;
		case '"':
			sb_puts(b, "&quot;");
			break;
		case '\'':
			sb_puts(b, "&apos;");
			break;
		case '\t':
		case '\n':
			if (attr)
				sb_printf(b, "&#%u;", cp);
			else
				sb_add(b, (const char *)s, 1);
			break;
		case '\r':
			sb_puts(b, "&#13;");
			break;
		default:
			if (cp < 0x20 || cp == 0xfffe || cp == 0xffff)
				sb_puts(b, REPLACEMENT_CHAR);
			else
				sb_add(b, (const char *)s, len);
			break;
		}
		s += len;
	}
}

/* A JSON string with its quotes; NULL becomes null. Invalid UTF-8 -> U+FFFD. */
void sb_json(struct sbuf *b, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	if (!str) {
		sb_puts(b, "null");
		return;
	}
	sb_puts(b, "\"");
	while (*s) {
		unsigned cp;
		size_t len = utf8_len(s, &cp);

		if (!len) {
			sb_puts(b, REPLACEMENT_CHAR);
			s++;
			continue;
		}
		switch (cp) {
		case '"':
			sb_puts(b, "\\\"");
			break;
		case '\\':
			sb_puts(b, "\\\\");
			break;
		case '\n':
			sb_puts(b, "\\n");
			break;
		case '\t':
			sb_puts(b, "\\t");
			break;
		case '\r':
			sb_puts(b, "\\r");
			break;
		default:
			if (cp < 0x20)
				sb_printf(b, "\\u%04x", cp);
			else
				sb_add(b, (const char *)s, len);
			break;
		}
		s += len;
	}
	sb_puts(b, "\"");
}

/*
 * Seconds with millisecond precision, written from integers so that a
 * caller's LC_NUMERIC cannot turn the point into a comma (invalid JSON).
 */
void sb_seconds(struct sbuf *b, double seconds)
{
	long long ms;

	if (!(seconds >= 0))
		seconds = 0;
	if (seconds > 1e9)
		seconds = 1e9;
	ms = (long long)(seconds * 1000.0 + 0.5);
	sb_printf(b, "%lld.%03lld", ms / 1000, ms % 1000);
}

