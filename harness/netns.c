/* netns: named network namespaces. See netns.h; modelled on iproute2's ip/ipnetns.c. */
#include "netns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int path_of(char *buf, size_t len, const char *name)
{
	if (!name[0] || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return err_set("invalid namespace name '%s'", name);
	return str_fmt(buf, len, "%s/%s", NETNS_RUN_DIR, name);
}

/*
 * /run/netns must be a shared mount point so that the bind mounts made
 * under it propagate to every mount namespace (iproute2 does the same).
 */
static int prepare_run_dir(void)
{
	if (mkdir(NETNS_RUN_DIR, 0755) < 0 && errno != EEXIST)
		return err_sys("mkdir %s", NETNS_RUN_DIR);
	if (mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL) == 0)
		return 0;
	if (errno != EINVAL)
		return err_sys("mount --make-shared %s", NETNS_RUN_DIR);
	if (mount(NETNS_RUN_DIR, NETNS_RUN_DIR, "none", MS_BIND | MS_REC, NULL) < 0)
		return err_sys("mount --bind %s", NETNS_RUN_DIR);
	if (mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL) < 0)
		return err_sys("mount --make-shared %s", NETNS_RUN_DIR);
	return 0;
}

int netns_add(const char *name)
{
	char path[256];
	int rc = -1, self = -1, fd;

	if (path_of(path, sizeof(path), name) < 0 || prepare_run_dir() < 0)
		return -1;
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0)
		return err_sys("create %s", path);
	close(fd);
	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0) {
		err_sys("open own namespace");
		goto out_unlink;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		err_sys("unshare(CLONE_NEWNET)");
		goto out_unlink;
	}
	if (mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL) < 0) {
		err_sys("bind mount %s", path);
		if (setns(self, CLONE_NEWNET) < 0)
			err_sys("return to own namespace after failed bind");
		goto out_unlink;
	}
	if (setns(self, CLONE_NEWNET) < 0) {
		err_sys("return to own namespace");
		goto out_close;
	}
	rc = 0;
	goto out_close;
out_unlink:
	unlink(path);
out_close:
	if (self >= 0)
		close(self);
	return rc;
}

int netns_del(const char *name)
{
	char path[256];

	if (path_of(path, sizeof(path), name) < 0)
		return -1;
	/* Tracked before it is made: one that never came to be is done
	 * (unlink would say EROFS, not ENOENT, on a read-only /run/netns). */
	if (lstat(path, &(struct stat){ 0 }) < 0 && errno == ENOENT)
		return 0;
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return err_sys("umount %s", path);
	if (unlink(path) < 0 && errno != ENOENT)
		return err_sys("unlink %s", path);
	return 0;
}

int netns_open(const char *name)
{
	char path[256];
	int fd;

	if (path_of(path, sizeof(path), name) < 0)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys("namespace %s", name);
	return fd;
}

int netns_enter(int fd)
{
	if (setns(fd, CLONE_NEWNET) < 0)
		return err_sys("setns");
	return 0;
}

int netns_enter_exec(int fd)
{
	if (netns_enter(fd) < 0)
		return -1;
	if (unshare(CLONE_NEWNS) < 0)
		return err_sys("unshare(CLONE_NEWNS)");
	/* Do not let our remount of /sys leak back to the host. */
	if (mount("", "/", "none", MS_SLAVE | MS_REC, NULL) < 0)
		return err_sys("mount --make-rslave /");
	if (umount2("/sys", MNT_DETACH) < 0 && errno != EINVAL)
		return err_sys("umount /sys");
	if (mount("sysfs", "/sys", "sysfs", 0, NULL) < 0)
		return err_sys("mount /sys");
	return 0;
}

int netns_call(int nsfd, int (*fn)(void *arg), void *arg)
{
	int self, rc;

	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return err_sys("open own namespace");
	if (setns(nsfd, CLONE_NEWNET) < 0) {
		err_sys("setns");
		close(self);
		return -1;
	}
	rc = fn(arg);
	if (setns(self, CLONE_NEWNET) < 0) {
		/* Staying in a lab namespace would be worse than stopping. */
		perror("ftfw: cannot return to own network namespace");
		_exit(EXIT_SETUP);
	}
	close(self);
	return rc;
}

struct sock_args {
	int domain, type, protocol;
};

static int make_socket(void *p)
{
	struct sock_args *a = p;
	int fd = socket(a->domain, a->type | SOCK_CLOEXEC, a->protocol);

	if (fd < 0)
		return err_sys("socket");
	return fd;
}

int netns_socket(int nsfd, int domain, int type, int protocol)
{
	struct sock_args a = { domain, type, protocol };

	return netns_call(nsfd, make_socket, &a);
}
