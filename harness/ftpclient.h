/*
 * ftpclient: a scripted FTP control client. Unlike curl it can stop at any
 * point of a session, in particular between the PASV/PORT exchange and the
 * data connection, which is where a firewall holds a pending expectation
 * and where the most interesting failover happens.
 *
 * Sockets are created inside the client's network namespace (netns.h) while
 * the harness stays where it is. Every operation has a deadline.
 */
#ifndef FTFW_FTPCLIENT_H
#define FTFW_FTPCLIENT_H

#include <stddef.h>
#include <stdint.h>
#include "ftp.h"
#include "util.h"

struct ftpc;

enum ftpc_mode {
	FTPC_PASV,
	FTPC_EPSV,
	FTPC_PORT,
	FTPC_EPRT,
};

/* "pasv" "epsv" "port" "eprt"; parse returns -1 (err set) for unknown. */
const char *ftpc_mode_name(enum ftpc_mode mode);
int ftpc_mode_parse(const char *s);

/*
 * Connect from the namespace nsfd to addr:port (IPv4 or IPv6 text) and read
 * the 220 greeting. The client keeps its own dup of nsfd (the caller may
 * close it) and opens every later socket (active-mode listeners, passive
 * data connections) in that namespace too; nsfd -1 means the caller's
 * current namespace (plain socket(), no setns: works without root).
 * timeout_ms (> 0) bounds each later operation too.
 * Returns a new client (free with ftpc_free()) or NULL with err set.
 */
struct ftpc *ftpc_connect(int nsfd, const char *addr, uint16_t port, int timeout_ms);
void ftpc_free(struct ftpc *c);

/* USER then PASS. 0 on 230, -1 with err set ("PASS: 530 Login incorrect"). */
int ftpc_login(struct ftpc *c, const char *user, const char *pass) FTFW_WUR;

/*
 * Send one command line (no CRLF) and read the complete (multi-line) reply.
 * Returns the reply code, or -1 with err set (timeout, connection closed).
 * The last reply's text is kept: ftpc_last_reply().
 */
int ftpc_cmd(struct ftpc *c, const char *line) FTFW_WUR;
const char *ftpc_last_reply(const struct ftpc *c);

/*
 * Announce a data connection. Passive modes send PASV/EPSV and parse the
 * 227/229 reply (for 229 the address is the control connection's peer);
 * active modes open a listening socket on the control connection's local
 * address in the client namespace and send PORT/EPRT for it.
 * The endpoint announced (what the client sent or received) goes to *ep.
 * Returns 0, or -1 with err set (reply not 200/227/229, parse error).
 */
int ftpc_announce(struct ftpc *c, enum ftpc_mode mode, struct ftp_endpoint *ep) FTFW_WUR;

/* What a transfer did. */
struct ftpc_xfer {
	int code_prelim;     /* 150/125, or the failure code (425, 550...) */
	int code_final;      /* 226 normally; 0 if none came */
	uint64_t bytes;      /* data bytes moved */
	uint8_t sha256[32];  /* of the data received (downloads) or sent (uploads) */
};

/*
 * Run a data command on the connection announced last ("RETR f", "LIST",
 * "NLST", "STOR f" with upload data). Opens the data connection (connects
 * for passive, accepts for active), moves the data, waits for the final
 * reply. Returns 0 when the transfer completed with 226, -1 with err set
 * otherwise ("RETR f: 425 Can't open data connection."; x is filled as far
 * as it got). upload NULL means a download. timeout_ms bounds the set-up
 * (connect or accept, and the 1xx reply), each silence of the data
 * connection (not the whole transfer, whatever its size), and the final
 * reply.
 */
int ftpc_transfer(struct ftpc *c, const char *line, const void *upload, size_t uplen,
		  struct ftpc_xfer *x) FTFW_WUR;

/* Local and peer address of the control connection (inet_ntop text), ports. */
const char *ftpc_local_addr(const struct ftpc *c);
uint16_t ftpc_local_port(const struct ftpc *c);

/* QUIT and close the control connection (free with ftpc_free() still).
 * Returns 0 on 221, -1 with err set otherwise; closed in either case. */
int ftpc_quit(struct ftpc *c);

#endif
