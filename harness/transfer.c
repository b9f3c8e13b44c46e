/* transfer: curl through the firewall pair. See transfer.h. */
#include "transfer.h"
#include "until.h"
#include "lab.h"
#include "run.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

struct transfer {
	struct transfer_spec spec;
	struct node *client;     /* not owned */
	struct server *server;   /* not owned */
	pid_t pid;
	int status;              /* wait status once finished */
	int finished;
	char data[512];          /* download target or upload source */
	char log[512];
	uint8_t sent[DIGEST_LEN];
};

/* curl options per mode: how to ask for each kind of data connection. */
static const struct {
	const char *opt1, *opt2;
	int active;
} modes[] = {
	[FTPC_PASV] = { "--ftp-pasv", "--disable-epsv", 0 },
	[FTPC_EPSV] = { "--ftp-pasv", NULL, 0 },
	[FTPC_PORT] = { "--disable-eprt", NULL, 1 },
	[FTPC_EPRT] = { NULL, NULL, 1 },
};

struct transfer *transfer_start(struct node *client, struct server *srv, const struct transfer_spec *spec)
{
	struct transfer *t = xcalloc(1, sizeof(*t));
	struct run *r = node_run_of(client);
	char url[256], rate[32], maxtime[16];
	char *argv[24];
	int a = 0;
	/* An IPv6 literal goes in brackets in a URL (RFC 3986); curl's
	 * --ftp-port takes a bare IPv6 address (no port range then). */
	const char *host = spec->ipv6 ? "[" LAB_SERVER_ADDR6 "]" : LAB_SERVER_ADDR;
	const char *me = spec->ipv6 ? LAB_CLIENT_ADDR6 : LAB_CLIENT_ADDR;

	t->spec = *spec;
	t->client = client;
	t->server = srv;
	t->pid = -1;
	if (str_fmt(t->log, sizeof(t->log), "%s/client-curl-%s.log", run_dir(r), spec->name) < 0 ||
	    str_fmt(t->data, sizeof(t->data), "%s/client-%s.data", run_scratch(r), spec->name) < 0 ||
	    str_fmt(maxtime, sizeof(maxtime), "%d", spec->timeout_s > 0 ? spec->timeout_s : 60) < 0 ||
	    str_fmt(rate, sizeof(rate), "%llu", (unsigned long long)spec->rate) < 0)
		goto out_fail;
	if (spec->upload) {
		if (str_fmt(url, sizeof(url), "ftp://%s/" SERVER_UPLOAD_DIR "/%s", host, spec->file) < 0 ||
		    digest_make_file(t->data, spec->size, (uint64_t)now_us(), t->sent) < 0)
			goto out_fail;
	} else {
		const struct server_file *f = server_file(srv, spec->file);

		if (!f) {
			err_set("no file '%s' on the server", spec->file);
			goto out_fail;
		}
		memcpy(t->sent, f->sha256, DIGEST_LEN);
		if (str_fmt(url, sizeof(url), "ftp://%s/%s", host, spec->file) < 0)
			goto out_fail;
	}
	argv[a++] = "curl";
	argv[a++] = "--silent";
	argv[a++] = "--show-error";
	argv[a++] = "--max-time";
	argv[a++] = maxtime;
	if (modes[spec->mode].active) {
		argv[a++] = "--ftp-port";
		argv[a++] = (char *)me;
	}
	if (modes[spec->mode].opt1)
		argv[a++] = (char *)modes[spec->mode].opt1;
	if (modes[spec->mode].opt2)
		argv[a++] = (char *)modes[spec->mode].opt2;
	if (spec->rate) {
		argv[a++] = "--limit-rate";
		argv[a++] = rate;
	}
	argv[a++] = spec->upload ? "--upload-file" : "--output";
	argv[a++] = t->data;
	argv[a++] = url;
	argv[a] = NULL;
	t->pid = node_spawn(client, argv, t->log);
	if (t->pid < 0)
		goto out_fail;
	return t;
out_fail:
	err_prefix("transfer %s", spec->name);
	free(t);
	return NULL;
}

void transfer_free(struct transfer *t)
{
	if (!t)
		return;
	if (t->pid > 0 && !t->finished)
		run_stop_pid(node_run_of(t->client), t->pid, 500);
	free(t);
}

const struct transfer_spec *transfer_spec(const struct transfer *t) { return &t->spec; }

uint64_t transfer_progress(const struct transfer *t)
{
	char path[512];
	struct stat st;

	/* An upload's progress is what the server has written so far. */
	if (t->spec.upload) {
		if (server_upload_path(t->server, t->spec.file, path, sizeof(path)) < 0) {
			err_clear();
			return 0;
		}
	} else {
		str_copy(path, t->data, sizeof(path));
	}
	if (stat(path, &st) < 0)
		return 0;
	return (uint64_t)st.st_size;
}

int transfer_finished(struct transfer *t)
{
	if (!t->finished && !node_alive(t->client, t->pid, &t->status))
		t->finished = 1;
	return t->finished;
}

int transfer_wait(struct transfer *t, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	uint8_t got[DIGEST_LEN];
	char want_hex[DIGEST_HEX_LEN], got_hex[DIGEST_HEX_LEN];
	char path[512];
	uint64_t size;

	while (!transfer_finished(t)) {
		if (now_ms() > deadline)
			return err_set("transfer %s: still running after %d ms", t->spec.name, timeout_ms);
		sleep_ms(10);
	}
	if (!WIFEXITED(t->status) || WEXITSTATUS(t->status) != 0) {
		char log[1004];

		err_set("transfer %s: curl %s %d: %s", t->spec.name,
			WIFEXITED(t->status) ? "exit" : "signal",
			WIFEXITED(t->status) ? WEXITSTATUS(t->status) : WTERMSIG(t->status),
			file_tail(t->log, 0, 1000, log, sizeof(log)));
		return -1;
	}
	if (t->spec.upload) {
		if (server_upload_path(t->server, t->spec.file, path, sizeof(path)) < 0)
			return -1;
	} else {
		str_copy(path, t->data, sizeof(path));
	}
	if (digest_file(path, got, &size) < 0)
		return err_prefix("transfer %s", t->spec.name);
	if (memcmp(got, t->sent, DIGEST_LEN) != 0) {
		digest_hex(t->sent, want_hex);
		digest_hex(got, got_hex);
		return err_set("transfer %s: checksum: expected sha256 %s, found %s (%llu bytes)",
			       t->spec.name, want_hex, got_hex, (unsigned long long)size);
	}
	return 0;
}
