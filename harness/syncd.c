/* syncd: conntrackd, one per firewall. See syncd.h. */
#include "syncd.h"
#include "until.h"
#include "lab.h"
#include "run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define SYNCD_PORT 3780
#define SYNCD_READY_MS 5000
#define SYNCD_CMD_MS 10000

struct syncd {
	struct node *node; /* not owned */
	int index;
	pid_t pid;
	char conf[512];
	char sock[256];
	char lock[256];
	char log[512];
	char out[512];
};

static const struct {
	const char *name, *flag;
} cmds[] = {
	[SYNCD_COMMIT] = { "commit", "-c" },
	[SYNCD_FLUSH] = { "flush", "-f" },
	[SYNCD_RESYNC] = { "resync", "-R" },
	[SYNCD_BULK] = { "bulk", "-B" },
	[SYNCD_RESET_TIMERS] = { "reset-timers", "-t" },
	[SYNCD_REQUEST] = { "request-resync", "-n" },
	[SYNCD_KILL] = { "kill", "-k" },
};

const char *syncd_cmd_name(enum syncd_cmd c) { return cmds[c].name; }
const char *syncd_cmd_flag(enum syncd_cmd c) { return cmds[c].flag; }

static const char *const transports[] = {
	[SYNC_UDP] = "udp",
	[SYNC_MULTICAST] = "multicast",
};

const char *sync_transport_name(enum sync_transport t) { return transports[t]; }

int sync_transport_parse(const char *s)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(transports); i++)
		if (strcmp(s, transports[i]) == 0)
			return (int)i;
	return -1;
}

void syncd_options_default(struct syncd_options *o)
{
	memset(o, 0, sizeof(*o));
	o->transport = SYNC_UDP;
	/* Above the 8192 commit step: see FINDINGS, conntrackd 1.4.7 bug. */
	o->hashsize = 32768;
	o->expectation_sync = 1;
}

static const char *onoff(int v)
{
	return v ? "On" : "Off";
}

/* Long by design: conntrackd.conf as one template, read top to bottom as
 * the file reads; splitting it would scatter the file's sections. */
int syncd_render(int index, const struct syncd_options *o, const char *lockfile,
		 const char *sock, const char *logfile, char *buf, size_t len)
{
	const char *me = index == 1 ? LAB_FW1_SYNC : LAB_FW2_SYNC;
	const char *peer = index == 1 ? LAB_FW2_SYNC : LAB_FW1_SYNC;
	char transport[512], expect[128] = "", commit[64] = "";
	int rc = -1;

	switch (o->transport) {
	case SYNC_UDP:
		rc = str_fmt(transport, sizeof(transport),
			     "\tUDP {\n"
			     "\t\tIPv4_address %s\n"
			     "\t\tIPv4_Destination_Address %s\n"
			     "\t\tPort %d\n"
			     "\t\tInterface " LAB_IF_SYNC "\n"
			     "\t\tSndSocketBuffer 1249280\n"
			     "\t\tRcvSocketBuffer 1249280\n"
			     "\t\tChecksum on\n"
			     "\t}\n", me, peer, SYNCD_PORT);
		break;
	case SYNC_MULTICAST:
		/* Administratively scoped group; it never leaves the sync veth. */
		rc = str_fmt(transport, sizeof(transport),
			     "\tMulticast {\n"
			     "\t\tIPv4_address 239.255.38.80\n"
			     "\t\tGroup %d\n"
			     "\t\tIPv4_interface %s\n"
			     "\t\tInterface " LAB_IF_SYNC "\n"
			     "\t\tSndSocketBuffer 1249280\n"
			     "\t\tRcvSocketBuffer 1249280\n"
			     "\t\tChecksum on\n"
			     "\t}\n", SYNCD_PORT, me);
		break;
	}
	if (rc < 0)
		return -1;
	if (o->expectation_sync &&
	    str_fmt(expect, sizeof(expect), "\tOptions {\n\t\tExpectationSync {\n\t\t\tftp\n\t\t}\n\t}\n") < 0)
		return -1;
	if (o->commit_timeout > 0 &&
	    str_fmt(commit, sizeof(commit), "\t\tCommitTimeout %d\n", o->commit_timeout) < 0)
		return -1;
	return str_fmt(buf, len,
		       "# conntrackd for fw-%d, rendered by ftfw-lab\n"
		       "Sync {\n"
		       "\tMode %s {\n"
		       "%s"
		       "\t\tDisableExternalCache %s\n"
		       "%s"
		       "\t\tStartupResync on\n"
		       "\t}\n"
		       "%s"
		       "%s"
		       "}\n"
		       "General {\n"
		       "\tSystemd off\n"
		       "\tHashSize %d\n"
		       "\tHashLimit %d\n"
		       "\tLogFile %s\n"
		       "\tSyslog off\n"
		       "\tLockFile %s\n"
		       "\tUNIX {\n"
		       "\t\tPath %s\n"
		       "\t}\n"
		       "\tNetlinkBufferSize 2097152\n"
		       "\tNetlinkBufferSizeMaxGrowth 8388608\n"
		       "\tFilter From Userspace {\n"
		       "\t\tProtocol Accept {\n"
		       "\t\t\tTCP\n"
		       "\t\t}\n"
		       "\t\tAddress Ignore {\n"
		       "\t\t\tIPv4_address 127.0.0.1\n"
		       "\t\t\tIPv4_address 203.0.113.0/24\n"
		       "\t\t\tIPv4_address " LAB_LAN_VIP "\n"
		       "\t\t\tIPv4_address " LAB_WAN_VIP "\n"
		       /* Listed in every family: an address the lab does not use
			* filters nothing (and IPv6 parses even where it is off). */
		       "\t\t\tIPv6_address ::1\n"
		       "\t\t\tIPv6_address " LAB_LAN_VIP6 "\n"
		       "\t\t\tIPv6_address " LAB_WAN_VIP6 "\n"
		       "\t\t}\n"
		       "\t}\n"
		       "}\n",
		       index, o->disable_internal_cache ? "NOTRACK" : "FTFW",
		       o->disable_internal_cache ? "\t\tDisableInternalCache On\n" : "",
		       onoff(o->disable_external_cache),
		       commit, transport, expect, o->hashsize, o->hashsize * 4, logfile, lockfile,
		       sock);
}

/*
 * Has this start of the daemon finished its initialisation? conntrackd
 * opens its UNIX socket first and its sync channel and netlink sockets
 * after it, so a daemon that answers on the socket can still fail (a
 * sync port already taken); it prints "initialization completed" once
 * everything is open. Reads the console file from offset from.
 */
static int init_completed(const char *out, size_t from)
{
	return file_has(out, from, "initialization completed");
}

/* Does the daemon's UNIX socket accept a connection? */
static int socket_ready(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, ok;

	str_copy(sun.sun_path, path, sizeof(sun.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	ok = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	close(fd);
	return ok;
}

/*
 * Spawn conntrackd on s's config and wait until its socket answers. Its
 * console output goes to <role>-conntrackd.out, its LogFile to .log.
 */
static int launch(struct syncd *s)
{
	int64_t deadline;
	int status;
	struct stat st;
	/* The console file is appended to across restarts: this start's
	 * output begins where it ends now. */
	size_t from = stat(s->out, &st) == 0 ? (size_t)st.st_size : 0;

	/* A daemon killed with SIGKILL leaves its lock file behind. */
	if (unlink(s->lock) < 0 && errno != ENOENT)
		return err_sys("%s", s->lock);
	{
		char *argv[] = { "conntrackd", "-C", s->conf, NULL };

		s->pid = node_spawn(s->node, argv, s->out);
	}
	if (s->pid < 0)
		return -1;
	deadline = now_ms() + SYNCD_READY_MS;
	while (!init_completed(s->out, from) || !socket_ready(s->sock)) {
		if (!node_alive(s->node, s->pid, &status)) {
			char own[404];

			/* The daemon's own last words are the error. */
			err_set("conntrackd %s %d: %s", WIFEXITED(status) ? "exited with" : "was killed by signal",
				WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
				file_tail(s->out, from, 400, own, sizeof(own)));
			s->pid = -1;
			return -1;
		}
		if (now_ms() > deadline)
			return err_set("conntrackd: not ready after %d ms (no \"initialization completed\" in %s, or "
				       "socket %s not answering)", SYNCD_READY_MS, s->out, s->sock);
		sleep_ms(2);
	}
	return 0;
}

struct syncd *syncd_start(struct node *n, int index, const struct syncd_options *o)
{
	struct syncd *s = xcalloc(1, sizeof(*s));
	struct run *r = node_run_of(n);
	char text[4096];

	s->node = n;
	s->index = index;
	s->pid = -1;
	if (str_fmt(s->conf, sizeof(s->conf), "%s/%s-conntrackd.conf", run_dir(r), node_role(n)) < 0 ||
	    str_fmt(s->log, sizeof(s->log), "%s/%s-conntrackd.log", run_dir(r), node_role(n)) < 0 ||
	    str_fmt(s->out, sizeof(s->out), "%s/%s-conntrackd.out", run_dir(r), node_role(n)) < 0 ||
	    str_fmt(s->sock, sizeof(s->sock), "%s/%s-ctd.sock", run_scratch(r), node_role(n)) < 0 ||
	    str_fmt(s->lock, sizeof(s->lock), "%s/%s-ctd.lock", run_scratch(r), node_role(n)) < 0 ||
	    syncd_render(index, o, s->lock, s->sock, s->log, text, sizeof(text)) < 0 ||
	    file_write(s->conf, text, strlen(text), 0644) < 0 || launch(s) < 0)
		goto out_fail;
	return s;
out_fail:
	err_prefix("%s: sync daemon", node_role(n));
	syncd_free(s);
	return NULL;
}

int syncd_restart(struct syncd *s)
{
	if (s->pid > 0)
		run_stop_pid(node_run_of(s->node), s->pid, 1000);
	s->pid = -1;
	if (launch(s) < 0)
		return err_prefix("%s: sync daemon restart", node_role(s->node));
	return 0;
}

void syncd_free(struct syncd *s)
{
	if (!s)
		return;
	if (s->pid > 0)
		run_stop_pid(node_run_of(s->node), s->pid, 1000);
	free(s);
}

const char *syncd_conf(const struct syncd *s) { return s->conf; }
const char *syncd_console(const struct syncd *s) { return s->out; }
pid_t syncd_pid(const struct syncd *s) { return s->pid; }

static int client(struct syncd *s, const char *const args[], size_t nargs, char **out)
{
	char *argv[8] = { "conntrackd", "-C", s->conf };
	size_t i;
	int rc;

	for (i = 0; i < nargs && i < 4; i++)
		argv[3 + i] = (char *)args[i];
	argv[3 + i] = NULL;
	rc = node_exec(s->node, argv, SYNCD_CMD_MS, out);
	if (rc < 0)
		return -1;
	if (rc != 0) {
		const char *o = out && *out ? *out : "";

		return err_set("conntrackd %s: exit %d%s%.300s", args[0], rc, o[0] ? ": " : "", o);
	}
	return 0;
}

int syncd_cmd(struct syncd *s, enum syncd_cmd c)
{
	const char *args[] = { cmds[c].flag };
	char *out = NULL;
	int rc;

	rc = client(s, args, 1, &out);
	free(out);
	if (rc < 0)
		return err_prefix("%s: %s", node_role(s->node), cmds[c].name);
	log_debug("%s: conntrackd %s", node_role(s->node), cmds[c].name);
	return 0;
}

int syncd_dump(struct syncd *s, enum ct_source src, enum ct_kind kind, struct ct_list *out)
{
	const char *args[2];
	char *text = NULL;
	int rc = -1;

	switch (src) {
	case CT_SRC_INTERNAL:
		args[0] = "-i";
		break;
	case CT_SRC_EXTERNAL:
		args[0] = "-e";
		break;
	case CT_SRC_KERNEL:
		return err_set("syncd_dump: the kernel is not a conntrackd cache");
	}
	args[1] = kind == CT_KIND_EXPECT ? "expect" : "ct";
	if (client(s, args, 2, &text) < 0)
		goto out;
	if (ct_parse_conntrackd_output(text, kind, out) < 0)
		goto out;
	rc = 0;
out:
	free(text);
	return rc < 0 ? err_prefix("%s: %s cache", node_role(s->node), ct_source_name(src)) : 0;
}
