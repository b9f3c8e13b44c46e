/* sockio: socket I/O bounded by deadlines. See sockio.h. */
#include "sockio.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

void sio_deadline_start(struct sio_deadline *dl, int budget, int idle)
{
	dl->at = now_ms() + budget;
	dl->budget = budget;
	dl->idle = idle;
}

void sio_progress(struct sio_deadline *dl)
{
	if (dl->idle)
		dl->at = now_ms() + dl->budget;
}

/* poll() until one of p is ready or the deadline passes ("timeout ..."). */
int sio_wait_fds(struct pollfd *p, nfds_t n, const struct sio_deadline *dl, const char *what)
{
	for (;;) {
		int64_t left = dl->at - now_ms();
		int r;

		if (left <= 0)
			return err_set("timeout: no %s within %d ms", what, dl->budget);
		r = poll(p, n, left > INT_MAX ? INT_MAX : (int)left);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return err_sys("poll");
	}
}

int sio_wait_fd(int fd, short events, const struct sio_deadline *dl, const char *what)
{
	struct pollfd p = { .fd = fd, .events = events };

	return sio_wait_fds(&p, 1, dl, what);
}

int sio_again(void)
{
	return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}

int sio_addr(const char *addr, uint16_t port, struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		return 0;
	}
	return err_set("'%s' is not an IPv4 or IPv6 address", addr);
}

socklen_t sio_addr_len(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
}

void sio_set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

/* inet_ntop text and port of ss into ep. */
int sio_endpoint(const struct sockaddr_storage *ss, struct ftp_endpoint *ep)
{
	const void *a;

	memset(ep, 0, sizeof(*ep));
	ep->family = ss->ss_family;
	if (ss->ss_family == AF_INET) {
		a = &((const struct sockaddr_in *)ss)->sin_addr;
		ep->port = ntohs(((const struct sockaddr_in *)ss)->sin_port);
	} else {
		a = &((const struct sockaddr_in6 *)ss)->sin6_addr;
		ep->port = ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	}
	if (!inet_ntop(ss->ss_family, a, ep->addr, sizeof(ep->addr)))
		return err_sys("inet_ntop");
	return 0;
}

int sio_connect(int fd, const struct sockaddr_storage *ss, const struct sio_deadline *dl)
{
	int rc = -1, flags, soerr = 0;
	socklen_t len = sizeof(soerr);

	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return err_sys("fcntl");
	if (connect(fd, (const struct sockaddr *)ss, sio_addr_len(ss)) < 0) {
		if (errno != EINPROGRESS) {
			err_sys("connect");
			goto out;
		}
		if (sio_wait_fd(fd, POLLOUT, dl, "connection") < 0)
			goto out;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0) {
			err_sys("getsockopt(SO_ERROR)");
			goto out;
		}
		if (soerr) {
			errno = soerr;
			err_sys("connect");
			goto out;
		}
	}
	rc = 0;
out:
	if (fcntl(fd, F_SETFL, flags) < 0 && rc == 0)
		rc = err_sys("fcntl");
	return rc;
}

/* Send all of buf; each chunk sent counts as progress for an idle deadline. */
int sio_send_all(int fd, const void *buf, size_t len, struct sio_deadline *dl,
		    struct sha256_ctx *sha, uint64_t *bytes)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n;

		if (sio_wait_fd(fd, POLLOUT, dl, "room to send") < 0)
			return -1;
		n = send(fd, p, len < SIO_CHUNK ? len : SIO_CHUNK, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0) {
			if (sio_again())
				continue;
			return err_sys("send");
		}
		if (sha)
			sha256_update(sha, (size_t)n, p);
		if (bytes)
			*bytes += (uint64_t)n;
		p += n;
		len -= (size_t)n;
		sio_progress(dl);
	}
	return 0;
}
