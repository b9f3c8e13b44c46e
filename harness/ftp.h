/*
 * ftp: the parts of the FTP control protocol that a firewall's ftp helper
 * acts on, as a table: the PORT and EPRT commands (client announces where
 * the server should connect), the 227 reply to PASV and the 229 reply to
 * EPSV (server announces where the client should connect). Parsing,
 * formatting and rewriting them in place is shared by the scripted client,
 * the replay engine (address mapping) and the assertions.
 *
 * Grammar follows RFC 959 (PORT h1,h2,h3,h4,p1,p2; 227 ... (h1,...,p2))
 * and RFC 2428 (EPRT |af|addr|port|; 229 ... (|||port|)), with the same
 * leniency as the kernel's nf_conntrack_ftp: the 227 numbers may appear
 * without parentheses, the delimiter of EPRT/EPSV is any printable char
 * between 33 and 126.
 */
#ifndef FTFW_FTP_H
#define FTFW_FTP_H

#include <netinet/in.h>
#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include "util.h"

enum ftp_kind {
	FTP_PORT,  /* client command "PORT h1,h2,h3,h4,p1,p2" */
	FTP_EPRT,  /* client command "EPRT |1|addr|port|" or "|2|addr|port|" */
	FTP_227,   /* server reply "227 Entering Passive Mode (h1,...,p2)" */
	FTP_229,   /* server reply "229 Entering Extended Passive Mode (|||port|)" */
};

/* An announced data endpoint. family is AF_INET, AF_INET6, or AF_UNSPEC
 * for a 229 reply (it carries only a port: the address is the control
 * connection's peer). addr is inet_ntop text ("" for AF_UNSPEC). */
struct ftp_endpoint {
	int family;
	char addr[INET6_ADDRSTRLEN];
	uint16_t port;
};

struct ftp_announce {
	enum ftp_kind kind;
	struct ftp_endpoint ep;
	size_t start, end;   /* byte span of the address/port text in the line */
};

/* "PORT", "EPRT", "227", "229". */
const char *ftp_kind_name(enum ftp_kind kind);

/*
 * Parse one control-channel line (CRLF optional; not NUL-terminated
 * necessarily, len bytes). from_client selects commands (PORT/EPRT) or
 * replies (227/229). Returns 1 and fills out when the line is one of the
 * four, 0 when it is some other line, -1 with err set when it is one of
 * the four but malformed (bad numbers, octet > 255, port > 65535, bad
 * delimiter, address family mismatch). Only the text up to the first CR
 * or LF is looked at; a "227-" continuation line is not an announce (the
 * kernel helper does not act on it either). Port 0 parses.
 */
int ftp_parse(const char *line, size_t len, int from_client, struct ftp_announce *out);

/*
 * The argument text of kind for ep into buf: "192,0,2,10,4,1" (PORT, 227),
 * "|1|192.0.2.10|1025|" or "|2|2001:db8::1|1025|" (EPRT), "|||1025|" (229).
 * Returns the length, or -1 with err set (family does not fit the kind,
 * buffer too small).
 */
int ftp_format(enum ftp_kind kind, const struct ftp_endpoint *ep, char *buf, size_t len);

/*
 * Rewrite the endpoint in line to ep: output is the same line with the span
 * replaced by ftp_format()'s text. Returns the new length (which may
 * differ: the caller adjusts TCP sequence numbers by the difference),
 * 0 when the line is not an announce, -1 with err set on error.
 * out may be line itself (in place, outlen then being the buffer's size);
 * out is NUL-terminated when outlen leaves room for it.
 */
int ftp_rewrite(const char *line, size_t len, int from_client,
		const struct ftp_endpoint *ep, char *out, size_t outlen);

/*
 * The reply code of a reply line: "227 ..." -> 227, and whether it is the
 * last line of the reply ("227 " ends, "227-" continues; a line not
 * starting with three digits continues a multi-line reply).
 * Returns the code (100..599) and sets *last, or -1 when the line has none.
 */
int ftp_reply_code(const char *line, size_t len, int *last);

#endif
