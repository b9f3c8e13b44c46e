/*
 * sockio: socket I/O bounded by deadlines, for the scripted FTP client.
 * Sockets stay blocking; every wait is a poll() against a deadline and
 * the reads and writes that follow use MSG_DONTWAIT, so no call outlives
 * its operation's timeout; a connect is non-blocking for a moment (a
 * blocking connect() cannot be bounded). Addresses as text or
 * sockaddr_storage, and as struct ftp_endpoint.
 */
#ifndef FTFW_SOCKIO_H
#define FTFW_SOCKIO_H

#include <nettle/sha2.h>
#include <poll.h>
#include <stdint.h>
#include <sys/socket.h>
#include "ftp.h"
#include "util.h"

#define SIO_CHUNK 16384       /* data moved per read/write */

/*
 * A deadline. Fixed for control exchanges; idle (re-armed on progress)
 * while data moves, so that timeout_ms bounds silence, not file size.
 */
struct sio_deadline {
	int64_t at;
	int budget;
	int idle;
};

/* Start a deadline: budget ms in all; idle > 0 re-arms it by that much on progress. */
void sio_deadline_start(struct sio_deadline *dl, int budget, int idle);
/* Bytes moved: an idle deadline starts again. */
void sio_progress(struct sio_deadline *dl);

/* poll() until an fd is ready or the deadline passes: 0, or -1 with err
 * set ("timed out waiting for WHAT after N ms"). */
int sio_wait_fds(struct pollfd *p, nfds_t n, const struct sio_deadline *dl, const char *what) FTFW_WUR;
int sio_wait_fd(int fd, short events, const struct sio_deadline *dl, const char *what) FTFW_WUR;
/* errno says "try again" (EAGAIN, EWOULDBLOCK, EINTR). */
int sio_again(void);

/* addr (IPv4 or IPv6 text) and port into ss: 0 or -1 with err set. */
int sio_addr(const char *addr, uint16_t port, struct sockaddr_storage *ss) FTFW_WUR;
socklen_t sio_addr_len(const struct sockaddr_storage *ss);
void sio_set_port(struct sockaddr_storage *ss, uint16_t port);
/* ss as an FTP endpoint (address text, port): 0 or -1 with err set. */
int sio_endpoint(const struct sockaddr_storage *ss, struct ftp_endpoint *ep) FTFW_WUR;

/* Connect fd to ss within the deadline: 0 or -1 with err set. */
int sio_connect(int fd, const struct sockaddr_storage *ss, const struct sio_deadline *dl) FTFW_WUR;
/* Send all of buf; each chunk counts as progress; sha and bytes (may be
 * NULL) see what was sent. 0 or -1 with err set. */
int sio_send_all(int fd, const void *buf, size_t len, struct sio_deadline *dl, struct sha256_ctx *sha,
		 uint64_t *bytes) FTFW_WUR;

#endif
