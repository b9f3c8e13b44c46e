/*
 * transfer: a real FTP client (curl) moving a file through the firewall
 * pair, in the client namespace, in any of the four data-connection modes,
 * rate-limited so a failover can land in the middle. The outcome is curl's
 * exit status and the SHA-256 of what arrived, compared with what was sent.
 */
#ifndef FTFW_TRANSFER_H
#define FTFW_TRANSFER_H

#include <stdint.h>
#include "ftpclient.h"
#include "node.h"
#include "server.h"

struct transfer_spec {
	char name[32];        /* the scenario's label */
	enum ftpc_mode mode;  /* pasv, epsv, port, eprt */
	int upload;           /* 0: RETR file; 1: STOR a generated file as file */
	char file[64];
	uint64_t size;        /* upload size (downloads use the server's file) */
	uint64_t rate;        /* bytes/s, 0 = unlimited */
	int timeout_s;        /* curl --max-time */
	int ipv6;             /* talk to the server's IPv6 address */
};

struct transfer;

/* Start curl on the client node. New handle (transfer_free()) or NULL. */
struct transfer *transfer_start(struct node *client, struct server *srv, const struct transfer_spec *spec);
void transfer_free(struct transfer *t);

const struct transfer_spec *transfer_spec(const struct transfer *t);
/* Bytes moved so far: received by the client (downloads), written by the
 * server (uploads). */
uint64_t transfer_progress(const struct transfer *t);
/* Has curl exited? */
int transfer_finished(struct transfer *t);

/*
 * Wait for curl (at most timeout_ms) and check the result. Returns 0 when
 * curl succeeded and the checksum matches; -1 with err set otherwise
 * (curl's exit code and last words, or expected vs found checksum).
 */
int transfer_wait(struct transfer *t, int timeout_ms);

#endif
