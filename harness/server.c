/* server: vsftpd with generated files. See server.h. */
#include "server.h"
#include "until.h"
#include "lab.h"
#include "netns.h"
#include "run.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define SERVER_READY_MS 5000

struct server {
	struct node *node;   /* not owned */
	pid_t pid;
	uint64_t rate;
	enum lab_family family;
	char root[256];
	char out[512];       /* vsftpd's console output, in the results folder */
	int nfiles;
	struct server_file files[SERVER_MAX_FILES];
};

int server_name_ok(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n >= sizeof(((struct server_file *)0)->name) || name[0] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

struct server *server_new(struct node *n, enum lab_family family, uint64_t rate)
{
	struct server *s = xcalloc(1, sizeof(*s));

	s->family = family;
	s->rate = rate;
	s->node = n;
	s->pid = -1;
	return s;
}

int server_add_file(struct server *s, const char *name, uint64_t size)
{
	if (!server_name_ok(name))
		return err_set("file name '%s': only letters, digits, '.', '_' and '-'", name);
	if (server_file(s, name))
		return err_set("file '%s' defined twice", name);
	if (s->nfiles >= SERVER_MAX_FILES)
		return err_set("more than %d files", SERVER_MAX_FILES);
	str_copy(s->files[s->nfiles].name, name, sizeof(s->files[0].name));
	s->files[s->nfiles].size = size;
	s->nfiles++;
	return 0;
}

const struct server_file *server_file(const struct server *s, const char *name)
{
	int i;

	for (i = 0; i < s->nfiles; i++)
		if (strcmp(s->files[i].name, name) == 0)
			return &s->files[i];
	return NULL;
}

int server_upload_path(const struct server *s, const char *name, char *buf, size_t len)
{
	if (!server_name_ok(name))
		return err_set("unsafe upload name '%s'", name);
	return str_fmt(buf, len, "%s/" SERVER_UPLOAD_DIR "/%s", s->root, name);
}

const char *server_console(const struct server *s)
{
	return s->out;
}

pid_t server_pid(const struct server *s) { return s->pid; }

/*
 * How vsftpd listens, per family. vsftpd has one listening socket: IPv4
 * (listen) or IPv6 (listen_ipv6), never both. An IPv6 socket bound to
 * no particular address also takes IPv4 connections as v4-mapped
 * addresses (net.ipv6.bindv6only is 0), which is how dual serves both.
 */
static const char *const listen_lines[] = {
	[LAB_FAMILY_IPV4] = "listen=YES\nlisten_ipv6=NO\nlisten_address=" LAB_SERVER_ADDR "\n",
	[LAB_FAMILY_IPV6] = "listen=NO\nlisten_ipv6=YES\nlisten_address6=" LAB_SERVER_ADDR6 "\n",
	[LAB_FAMILY_DUAL] = "listen=NO\nlisten_ipv6=YES\n",
};

static int render_conf(enum lab_family family, const char *root, const char *empty, const char *log,
		       uint64_t rate, char *buf, size_t len)
{
	/* vsftpd in a namespace: see FINDINGS (listen, background, seccomp). */
	return str_fmt(buf, len,
		       "# vsftpd for the lab's server, rendered by ftfw-lab\n"
		       "%s"
		       "background=NO\n"
		       "seccomp_sandbox=NO\n"
		       "anonymous_enable=YES\n"
		       "local_enable=NO\n"
		       "no_anon_password=YES\n"
		       "anon_root=%s\n"
		       "write_enable=YES\n"
		       "anon_upload_enable=YES\n"
		       "anon_umask=022\n"
		       "secure_chroot_dir=%s\n"
		       "pasv_enable=YES\n"
		       "port_enable=YES\n"
		       "max_clients=0\n"
		       "max_per_ip=0\n"
		       "xferlog_enable=YES\n"
		       "vsftpd_log_file=%s\n"
		       "log_ftp_protocol=YES\n"
		       "dual_log_enable=NO\n"
		       "idle_session_timeout=120\n"
		       "data_connection_timeout=60\n"
		       "anon_max_rate=%llu\n",
		       listen_lines[family], root, empty, log, (unsigned long long)rate);
}

/* The IPv4 lab's vsftpd.conf (server.h's pure renderer). */
int server_render_conf(const char *root, const char *empty, const char *log, uint64_t rate, char *buf,
		       size_t len)
{
	return render_conf(LAB_FAMILY_IPV4, root, empty, log, rate, buf, len);
}

/* Connect to addr port 21 from inside the server's namespace and read "220". */
static int greets_on(struct server *s, const char *addr)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t sslen;
	struct pollfd pfd;
	char buf[64];
	int fd, ok = 0;

	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(21);
		sslen = sizeof(*sin);
	} else if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(21);
		sslen = sizeof(*sin6);
	} else {
		return 0;
	}
	fd = netns_socket(node_fd(s->node), ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0)
		return 0;
	if (connect(fd, (struct sockaddr *)&ss, sslen) == 0) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 1000) == 1 && read(fd, buf, sizeof(buf)) >= 3 &&
		    strncmp(buf, "220", 3) == 0)
			ok = 1;
	}
	close(fd);
	return ok;
}

/* Does vsftpd greet on every address it serves in the lab's family?
 * (dual: IPv4 as well, which checks that v4-mapped connections work.) */
static int greets(struct server *s)
{
	switch (s->family) {
	case LAB_FAMILY_IPV4:
		return greets_on(s, LAB_SERVER_ADDR);
	case LAB_FAMILY_IPV6:
		return greets_on(s, LAB_SERVER_ADDR6);
	case LAB_FAMILY_DUAL:
		return greets_on(s, LAB_SERVER_ADDR6) && greets_on(s, LAB_SERVER_ADDR);
	}
	return 0;
}

int server_start(struct server *s)
{
	struct run *r = node_run_of(s->node);
	char empty[256], conf[512], log[512], *out = s->out, upload[300], text[2048];
	struct passwd *ftp;
	int64_t deadline;
	int i, status;

	if (str_fmt(s->root, sizeof(s->root), "%s/ftp", run_scratch(r)) < 0 ||
	    str_fmt(empty, sizeof(empty), "%s/empty", run_scratch(r)) < 0 ||
	    str_fmt(upload, sizeof(upload), "%s/" SERVER_UPLOAD_DIR, s->root) < 0 ||
	    str_fmt(conf, sizeof(conf), "%s/server-vsftpd.conf", run_dir(r)) < 0 ||
	    str_fmt(log, sizeof(log), "%s/server-vsftpd.log", run_dir(r)) < 0 ||
	    str_fmt(out, sizeof(s->out), "%s/server-vsftpd.out", run_dir(r)) < 0)
		goto out_fail;
	/* The anonymous root must be root-owned and not writable (vsftpd
	 * refuses otherwise); uploads go to a subfolder the ftp user owns. */
	if (mkdir(s->root, 0755) < 0 || mkdir(empty, 0755) < 0 || mkdir(upload, 0755) < 0) {
		err_sys("server folders");
		goto out_fail;
	}
	ftp = getpwnam("ftp");
	if (!ftp) {
		err_set("no 'ftp' user (is vsftpd installed?)");
		goto out_fail;
	}
	if (chown(upload, ftp->pw_uid, ftp->pw_gid) < 0) {
		err_sys("chown %s", upload);
		goto out_fail;
	}
	for (i = 0; i < s->nfiles; i++) {
		struct server_file *f = &s->files[i];
		char path[512];
		uint64_t seed = 1469598103934665603ULL;
		const char *c;

		for (c = f->name; *c; c++)
			seed = (seed ^ (uint8_t)*c) * 1099511628211ULL;
		if (str_fmt(path, sizeof(path), "%s/%s", s->root, f->name) < 0 ||
		    digest_make_file(path, f->size, seed, f->sha256) < 0)
			goto out_fail;
	}
	if (render_conf(s->family, s->root, empty, log, s->rate, text, sizeof(text)) < 0 ||
	    file_write(conf, text, strlen(text), 0600) < 0)
		goto out_fail;
	{
		char *argv[] = { "vsftpd", conf, NULL };

		s->pid = node_spawn(s->node, argv, out);
	}
	if (s->pid < 0)
		goto out_fail;
	deadline = now_ms() + SERVER_READY_MS;
	while (!greets(s)) {
		if (!node_alive(s->node, s->pid, &status)) {
			char msg[304];

			err_set("vsftpd exited (status %d): %s", status, file_tail(out, 0, 300, msg, sizeof(msg)));
			s->pid = -1;
			goto out_fail;
		}
		if (now_ms() > deadline) {
			err_set("vsftpd: no greeting on port 21 (%s) after %d ms", lab_family_name(s->family),
				SERVER_READY_MS);
			goto out_fail;
		}
		sleep_ms(2);
	}
	return 0;
out_fail:
	return err_prefix("server");
}

void server_free(struct server *s)
{
	if (!s)
		return;
	if (s->pid > 0)
		run_stop_pid(node_run_of(s->node), s->pid, 1000);
	free(s);
}
