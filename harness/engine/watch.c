/*
 * watch: the lab's daemons (conntrackd and keepalived on each firewall,
 * vsftpd) must stay up unless a step ended them on purpose. One that dies
 * on its own is a fault of the lab, not a verdict: the run stops with
 * exit 2 and the daemon's last words, from the output file the module
 * that started it names.
 */
#include "engine/engine.h"
#include "firewall.h"
#include "node.h"
#include "server.h"
#include "until.h"

#include <string.h>
#include <sys/wait.h>

int step_ended_on_purpose(struct step_ctx *c, pid_t pid)
{
	if (c->nended >= ENGINE_MAX_ENDED)
		return err_set("more than %d daemons ended on purpose in one run", ENGINE_MAX_ENDED);
	c->ended[c->nended++] = pid;
	return 0;
}

static int ended_on_purpose(const struct step_ctx *c, pid_t pid)
{
	int i;

	for (i = 0; i < c->nended; i++)
		if (c->ended[i] == pid)
			return 1;
	return 0;
}

struct watched {
	const char *role, *name;
	struct node *node;
	pid_t pid;
	const char *file;
};

int engine_daemons_check(struct step_ctx *c)
{
	struct watched d[5];
	int n = 0, i, k, status = 0;

	for (k = 0; k < 2; k++) {
		const char *role = k ? "fw2" : "fw1";

		if (!c->fw[k])
			continue;
		d[n++] = (struct watched){ role, "conntrackd", firewall_node(c->fw[k]),
					 syncd_pid(firewall_syncd(c->fw[k])), syncd_console(firewall_syncd(c->fw[k])) };
		d[n++] = (struct watched){ role, "keepalived", firewall_node(c->fw[k]),
					 firewall_keepalived_pid(c->fw[k]), firewall_keepalived_log(c->fw[k]) };
	}
	if (c->server)
		d[n++] = (struct watched){ "server", "vsftpd", lab_node(c->lab, ROLE_SERVER), server_pid(c->server),
					 server_console(c->server) };
	for (i = 0; i < n; i++) {
		const char *base = strrchr(d[i].file, '/');
		char tail[304];

		if (d[i].pid <= 0 || ended_on_purpose(c, d[i].pid) || node_alive(d[i].node, d[i].pid, &status))
			continue;
		file_tail(d[i].file, 0, 300, tail, sizeof(tail));
		return err_set("%s: %s (pid %d) died (%s %d) and no step ended it: a fault of the lab, not a verdict. "
			       "Its last words (%s): %s",
			       d[i].role, d[i].name, (int)d[i].pid, WIFSIGNALED(status) ? "signal" : "exit",
			       WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status), base ? base + 1 : d[i].file,
			       tail);
	}
	return 0;
}
