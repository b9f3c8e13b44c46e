/*
 * ftp: PORT/EPRT/227/229 as a table. See ftp.h. The leniency follows the
 * kernel's net/netfilter/nf_conntrack_ftp.c (find_pattern, try_rfc959,
 * try_rfc1123, try_eprt, try_epsv_response), so that what we parse is what
 * a firewall's helper acts on.
 */
#include "ftp.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

/*
 * One row per announce. prefix is matched case-insensitively at the start
 * of the line and must be followed by a blank or the end of the line
 * ("PORTS" is another command, "227-" a continuation line the kernel does
 * not act on either). parse() starts right after it, stops at eol (the
 * first CR or LF, or the end of the data) and fills the endpoint and span.
 * format() writes the argument text; both return 0 or -1 with err set.
 */
struct ftp_proto {
	const char *name;
	int from_client;
	const char *prefix;
	int (*parse)(const char *s, size_t eol, size_t pos, struct ftp_announce *a);
	int (*format)(const struct ftp_endpoint *ep, char *buf, size_t len);
};

static int parse_port(const char *s, size_t eol, size_t pos, struct ftp_announce *a);
static int parse_eprt(const char *s, size_t eol, size_t pos, struct ftp_announce *a);
static int parse_227(const char *s, size_t eol, size_t pos, struct ftp_announce *a);
static int parse_229(const char *s, size_t eol, size_t pos, struct ftp_announce *a);
static int format_rfc959(const struct ftp_endpoint *ep, char *buf, size_t len);
static int format_eprt(const struct ftp_endpoint *ep, char *buf, size_t len);
static int format_epsv(const struct ftp_endpoint *ep, char *buf, size_t len);

static const struct ftp_proto protos[] = {
	[FTP_PORT] = { "PORT", 1, "PORT", parse_port, format_rfc959 },
	[FTP_EPRT] = { "EPRT", 1, "EPRT", parse_eprt, format_eprt },
	[FTP_227]  = { "227",  0, "227",  parse_227,  format_rfc959 },
	[FTP_229]  = { "229",  0, "229",  parse_229,  format_epsv },
};

_Static_assert(ARRAY_SIZE(protos) == FTP_229 + 1, "one protos[] row per enum ftp_kind");

/* Longest argument ftp_format() can produce: "|2|" + IPv6 text + "|65535|". */
#define FTP_ARG_MAX (3 + INET6_ADDRSTRLEN + 7)

const char *ftp_kind_name(enum ftp_kind kind)
{
	if ((unsigned)kind >= ARRAY_SIZE(protos))
		return "?";
	return protos[kind].name;
}

static size_t line_end(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] == '\r' || s[i] == '\n')
			break;
	return i;
}

static size_t skip_blanks(const char *s, size_t eol, size_t pos)
{
	while (pos < eol && (s[pos] == ' ' || s[pos] == '\t'))
		pos++;
	return pos;
}

/*
 * A decimal number at s[*pos], at least one digit, at most max (leading
 * zeros allowed, as the kernel's try_number allows them). what names the
 * field in the error ("octet", "port").
 */
static int get_uint(const char *s, size_t eol, size_t *pos, unsigned long max,
		    unsigned long *val, const char *what)
{
	size_t i = *pos, n = 0;
	unsigned long v = 0;

	while (i + n < eol && isdigit((unsigned char)s[i + n]))
		n++;
	if (n == 0) {
		if (i < eol)
			return err_set("%s expected at offset %zu, found '%c'", what, i, s[i]);
		return err_set("%s expected at offset %zu, found end of line", what, i);
	}
	for (; i < *pos + n; i++) {
		v = v * 10 + (unsigned long)(s[i] - '0');
		if (v > max)
			return err_set("%s %.*s out of range (max %lu)", what, (int)n, s + *pos, max);
	}
	*val = v;
	*pos = i;
	return 0;
}

/* h1,h2,h3,h4,p1,p2 at s[*pos] (RFC 959), into a->ep; *pos is moved past it. */
static int get_rfc959(const char *s, size_t eol, size_t *pos, struct ftp_announce *a)
{
	unsigned long v[6];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		if (i > 0) {
			if (*pos >= eol || s[*pos] != ',')
				return err_set("expected 6 numbers separated by ',', got %zu", i);
			(*pos)++;
		}
		if (get_uint(s, eol, pos, 255, &v[i], i < 4 ? "octet" : "port byte") < 0)
			return -1;
	}
	a->ep.family = AF_INET;
	snprintf(a->ep.addr, sizeof(a->ep.addr), "%lu.%lu.%lu.%lu", v[0], v[1], v[2], v[3]);
	a->ep.port = (uint16_t)(v[4] << 8 | v[5]);
	return 0;
}

/* "PORT h1,h2,h3,h4,p1,p2": only blanks may follow (the kernel wants CR). */
static int parse_port(const char *s, size_t eol, size_t pos, struct ftp_announce *a)
{
	pos = skip_blanks(s, eol, pos);
	a->start = pos;
	if (get_rfc959(s, eol, &pos, a) < 0)
		return -1;
	a->end = pos;
	pos = skip_blanks(s, eol, pos);
	if (pos < eol)
		return err_set("unexpected '%c' at offset %zu after the port", s[pos], pos);
	return 0;
}

/*
 * "227 <text> h1,h2,h3,h4,p1,p2<text>": RFC 1123 says the parentheses may
 * be missing, so the numbers start at the first digit after the code
 * (kernel try_rfc1123). Only a seventh number is refused after them.
 */
static int parse_227(const char *s, size_t eol, size_t pos, struct ftp_announce *a)
{
	while (pos < eol && !isdigit((unsigned char)s[pos]))
		pos++;
	if (pos == eol)
		return err_set("no address in the reply");
	a->start = pos;
	if (get_rfc959(s, eol, &pos, a) < 0)
		return -1;
	a->end = pos;
	if (pos < eol && s[pos] == ',')
		return err_set("more than 6 numbers");
	return 0;
}

/* RFC 2428 <d>: any printable ASCII but digits (kernel try_eprt). */
static int check_delim(const char *s, size_t pos)
{
	unsigned char d = (unsigned char)s[pos];

	if (d < 33 || d > 126 || isdigit(d))
		return err_set("bad delimiter 0x%02x at offset %zu", d, pos);
	return 0;
}

/* The port and closing delimiter of EPRT/229 at s[*pos]. */
static int get_eport(const char *s, size_t eol, size_t *pos, char d, struct ftp_announce *a)
{
	unsigned long port;

	if (get_uint(s, eol, pos, 65535, &port, "port") < 0)
		return -1;
	if (*pos >= eol || s[*pos] != d)
		return err_set("port not closed by '%c'", d);
	(*pos)++;
	a->ep.port = (uint16_t)port;
	return 0;
}

/* "EPRT <d><af><d><addr><d><port><d>", af 1 (IPv4) or 2 (IPv6). */
static int parse_eprt(const char *s, size_t eol, size_t pos, struct ftp_announce *a)
{
	char text[INET6_ADDRSTRLEN];
	unsigned char bin[sizeof(struct in6_addr)];
	const char *close;
	size_t alen;
	char d;

	pos = skip_blanks(s, eol, pos);
	a->start = pos;
	if (eol - pos < 3)
		return err_set("argument too short");
	if (check_delim(s, pos) < 0)
		return -1;
	d = s[pos];
	if (s[pos + 2] != d)
		return err_set("expected '%c' at offset %zu", d, pos + 2);
	switch (s[pos + 1]) {
	case '1':
		a->ep.family = AF_INET;
		break;
	case '2':
		a->ep.family = AF_INET6;
		break;
	default:
		return err_set("unknown address family '%c'", s[pos + 1]);
	}
	pos += 3;
	close = memchr(s + pos, d, eol - pos);
	if (!close)
		return err_set("address not closed by '%c'", d);
	alen = (size_t)(close - (s + pos));
	if (alen == 0 || alen >= sizeof(text))
		return err_set("address of %zu bytes", alen);
	memcpy(text, s + pos, alen);
	text[alen] = '\0';
	if (inet_pton(a->ep.family, text, bin) != 1)
		return err_set("'%s' is not an %s address", text,
			       a->ep.family == AF_INET ? "IPv4" : "IPv6");
	if (!inet_ntop(a->ep.family, bin, a->ep.addr, sizeof(a->ep.addr)))
		return err_sys("inet_ntop");
	pos += alen + 1;
	if (get_eport(s, eol, &pos, d, a) < 0)
		return -1;
	a->end = pos;
	return 0;
}

/* "229 <text> (<d><d><d><port><d>)": the kernel skips to '(' first. */
static int parse_229(const char *s, size_t eol, size_t pos, struct ftp_announce *a)
{
	const char *open = memchr(s + pos, '(', eol - pos);
	char d;

	if (!open)
		return err_set("no '(' in the reply");
	pos = (size_t)(open - s) + 1;
	a->start = pos;
	if (eol - pos < 3)
		return err_set("argument too short");
	if (check_delim(s, pos) < 0)
		return -1;
	d = s[pos];
	if (s[pos + 1] != d || s[pos + 2] != d)
		return err_set("expected three '%c' at offset %zu", d, pos);
	pos += 3;
	if (get_eport(s, eol, &pos, d, a) < 0)
		return -1;
	a->ep.family = AF_UNSPEC;
	a->ep.addr[0] = '\0';
	a->end = pos;
	return 0;
}

/* The row whose prefix starts line, or NULL: the line is no announce. */
static const struct ftp_proto *match(const char *line, size_t eol, int from_client)
{
	size_t k;

	for (k = 0; k < ARRAY_SIZE(protos); k++) {
		const struct ftp_proto *p = &protos[k];
		size_t plen = strlen(p->prefix);

		if (!p->from_client == !from_client && eol >= plen &&
		    strncasecmp(line, p->prefix, plen) == 0 &&
		    (eol == plen || line[plen] == ' ' || line[plen] == '\t'))
			return p;
	}
	return NULL;
}

int ftp_parse(const char *line, size_t len, int from_client, struct ftp_announce *out)
{
	size_t eol = line_end(line, len);
	const struct ftp_proto *p = match(line, eol, from_client);
	size_t plen;
	struct ftp_announce a;

	if (!p)
		return 0;
	plen = strlen(p->prefix);
	memset(&a, 0, sizeof(a));
	a.kind = (enum ftp_kind)(p - protos);
	if (skip_blanks(line, eol, plen) == eol)
		err_set("missing argument");
	else if (p->parse(line, eol, plen, &a) == 0) {
		*out = a;
		return 1;
	}
	return err_prefix("%s '%.*s'", p->name, (int)(eol < 80 ? eol : 80), line);
}

/* The address of ep as bytes; ep->addr must be a terminated string. */
static int ep_addr(const struct ftp_endpoint *ep, void *bin)
{
	if (!memchr(ep->addr, '\0', sizeof(ep->addr)))
		return err_set("address not terminated");
	if (inet_pton(ep->family, ep->addr, bin) != 1)
		return err_set("'%s' is not an %s address", ep->addr,
			       ep->family == AF_INET ? "IPv4" : "IPv6");
	return 0;
}

static int format_rfc959(const struct ftp_endpoint *ep, char *buf, size_t len)
{
	unsigned char b[4];

	if (ep->family != AF_INET)
		return err_set("needs an IPv4 endpoint (family %d)", ep->family);
	if (ep_addr(ep, b) < 0)
		return -1;
	return str_fmt(buf, len, "%u,%u,%u,%u,%u,%u", b[0], b[1], b[2], b[3],
		       (unsigned)(ep->port >> 8), (unsigned)(ep->port & 0xff));
}

static int format_eprt(const struct ftp_endpoint *ep, char *buf, size_t len)
{
	unsigned char b[sizeof(struct in6_addr)];
	char text[INET6_ADDRSTRLEN];

	if (ep->family != AF_INET && ep->family != AF_INET6)
		return err_set("needs an IPv4 or IPv6 endpoint (family %d)", ep->family);
	if (ep_addr(ep, b) < 0)
		return -1;
	if (!inet_ntop(ep->family, b, text, sizeof(text)))
		return err_sys("inet_ntop");
	return str_fmt(buf, len, "|%c|%s|%u|", ep->family == AF_INET ? '1' : '2', text,
		       (unsigned)ep->port);
}

/* 229 carries only the port: any family is fine, the address is ignored. */
static int format_epsv(const struct ftp_endpoint *ep, char *buf, size_t len)
{
	if (ep->family != AF_UNSPEC && ep->family != AF_INET && ep->family != AF_INET6)
		return err_set("unknown family %d", ep->family);
	return str_fmt(buf, len, "|||%u|", (unsigned)ep->port);
}

int ftp_format(enum ftp_kind kind, const struct ftp_endpoint *ep, char *buf, size_t len)
{
	if ((unsigned)kind >= ARRAY_SIZE(protos))
		return err_set("unknown ftp kind %d", (int)kind);
	if (protos[kind].format(ep, buf, len) < 0)
		return err_prefix("%s", protos[kind].name);
	return (int)strlen(buf);
}

/*
 * out may be line itself (rewriting in place): the tail is moved first,
 * then the new argument written, and the head is already where it belongs.
 */
int ftp_rewrite(const char *line, size_t len, int from_client,
		const struct ftp_endpoint *ep, char *out, size_t outlen)
{
	char arg[FTP_ARG_MAX];
	struct ftp_announce a;
	size_t newlen;
	int rc, n;

	rc = ftp_parse(line, len, from_client, &a);
	if (rc <= 0)
		return rc;
	n = ftp_format(a.kind, ep, arg, sizeof(arg));
	if (n < 0)
		return -1;
	newlen = a.start + (size_t)n + (len - a.end);
	if (newlen > outlen)
		return err_set("%s: rewritten line needs %zu bytes, room for %zu",
			       ftp_kind_name(a.kind), newlen, outlen);
	if (newlen > INT_MAX)
		return err_set("%s: line of %zu bytes", ftp_kind_name(a.kind), newlen);
	memmove(out + a.start + n, line + a.end, len - a.end);
	memcpy(out + a.start, arg, (size_t)n);
	if (out != line)
		memmove(out, line, a.start);
	if (newlen < outlen)
		out[newlen] = '\0';
	return (int)newlen;
}

int ftp_reply_code(const char *line, size_t len, int *last)
{
	int code;

	*last = 0;
	if (len < 3 || line[0] < '1' || line[0] > '5' || !isdigit((unsigned char)line[1]) ||
	    !isdigit((unsigned char)line[2]))
		return -1;
	code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	if (len == 3 || line[3] == ' ' || line[3] == '\r' || line[3] == '\n') {
		*last = 1;
		return code;
	}
	if (line[3] == '-')
		return code;
	return -1;
}
