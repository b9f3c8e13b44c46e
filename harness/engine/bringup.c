/*
 * bringup: one variant's lab up, in order (namespaces, a capture per
 * interface, event loggers, vsftpd, the firewall pair: firewall.c knows
 * how a pair starts), and down again, whatever state set-up reached.
 */
#include "engine/engine.h"
#include "capture.h"
#include "events.h"
#include "failover.h"
#include "firewall.h"
#include "run.h"
#include "server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int captures_up(struct step_ctx *c)
{
	struct capture_iface cif[16];
	char paths[16][512];
	const struct lab_iface *ifs;
	size_t nif, i;

	ifs = lab_ifaces(&nif);
	for (i = 0; i < nif && i < ARRAY_SIZE(cif); i++) {
		if (str_fmt(paths[i], sizeof(paths[i]), "%s/%s.pcap", run_dir(c->run), ifs[i].label) < 0)
			return -1;
		cif[i].netns = node_netns(lab_node(c->lab, ifs[i].role));
		cif[i].ifname = ifs[i].ifname;
		cif[i].path = paths[i];
	}
	c->capture = capture_start(cif, nif < ARRAY_SIZE(cif) ? nif : ARRAY_SIZE(cif));
	if (!c->capture)
		return err_prefix("capture");
	return run_track_pid(c->run, capture_pid(c->capture), "capture");
}

static int events_up(struct step_ctx *c)
{
	char evpath[512];
	int k;

	for (k = 0; k < 2; k++) {
		enum lab_role role = k ? ROLE_FW2 : ROLE_FW1;

		if (str_fmt(evpath, sizeof(evpath), "%s/%s-events.log", run_dir(c->run), lab_role_name(role)) < 0)
			return -1;
		c->events[k] = events_start(node_netns(lab_node(c->lab, role)), evpath);
		if (!c->events[k])
			return err_prefix("%s: events", lab_role_name(role));
		if (run_track_pid(c->run, events_pid(c->events[k]), "events") < 0)
			return -1;
	}
	return 0;
}

static int server_up(struct step_ctx *c)
{
	int k;

	if (!c->lo.server)
		return c->sc->nfiles ? err_set("'file' needs the server (lab server=on)") : 0;
	log_progress("server: vsftpd with %d files", c->sc->nfiles);
	c->server = server_new(lab_node(c->lab, ROLE_SERVER), c->lo.fw.family, c->lo.server_rate);
	for (k = 0; k < c->sc->nfiles; k++)
		if (server_add_file(c->server, c->sc->files[k].name, c->sc->files[k].size) < 0)
			return -1;
	return server_start(c->server);
}

static int firewalls_up(struct step_ctx *c)
{
	log_progress("firewalls: nftables, conntrackd%s (NAT %s)",
		     c->lo.fw.driver == FAILOVER_KEEPALIVED ? ", keepalived" : "", nat_mode_name(c->lo.fw.nat));
	c->active = 0;
	return firewall_pair_up(c->lab, &c->lo.fw, c->fw);
}

int engine_setup(struct step_ctx *c)
{
	log_progress("lab %s: building namespaces", run_id(c->run));
	c->lab = lab_up(c->run, c->lo.fw.family);
	if (!c->lab)
		return -1;
	if (captures_up(c) < 0 || events_up(c) < 0 || server_up(c) < 0 || firewalls_up(c) < 0)
		return -1;
	return 0;
}

void engine_teardown(struct step_ctx *c)
{
	int i;

	/* the steps' state first (sessions, transfers, replays), even with --keep */
	for (i = c->nstates - 1; i >= 0; i--)
		if (c->states[i].release)
			c->states[i].release(c->states[i].p);
	for (i = 0; i < c->nstates; i++)
		free(c->states[i].p);
	c->nstates = 0;
	if (c->opt->keep)
		return;
	for (i = 0; i < 2; i++)
		firewall_free(c->fw[i]);
	server_free(c->server);
	for (i = 0; i < 2; i++) {
		if (c->events[i])
			run_untrack_pid(c->run, events_pid(c->events[i]));
		if (events_stop(c->events[i]) < 0)
			log_progress("events: %s", err_get());
	}
	if (c->capture)
		run_untrack_pid(c->run, capture_pid(c->capture));
	if (capture_stop(c->capture) < 0)
		log_progress("capture: %s", err_get());
	lab_free(c->lab);
}
