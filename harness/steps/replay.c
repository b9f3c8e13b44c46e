/*
 * replay steps: an FTP capture played through the pair, both ends played
 * by the harness (replay), and on from where it stopped
 * (replay-continue). The step drives the replay in segments: up to the
 * failover point, the failover (the standby given its time to sync, the
 * state noted when asked), then on to until=. What the replay learned
 * becomes variables ($NAME.next, $NAME.annK.port, ...).
 */
#include "steps/steps.h"
#include "counters.h"
#include "firewall.h"
#include "node.h"
#include "replay.h"
#include "scenario.h"
#include "session.h"
#include "until.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_REPLAYS 16
#define SYNC_WAIT_MS 3000

struct replays {
	int n;
	struct {
		char name[32];
		struct replay *r;   /* owned */
		int show;           /* note both firewalls' state at failover-at */
	} v[MAX_REPLAYS];
};

static void replays_release(void *p)
{
	struct replays *rs = p;
	int i;

	for (i = 0; i < rs->n; i++)
		replay_close(rs->v[i].r);
}

static struct replays *replays_of(struct step_ctx *c)
{
	return step_state(c, "replay", sizeof(struct replays), replays_release);
}

struct replay *steps_replay_find(struct step_ctx *c, const char *name)
{
	struct replays *rs = replays_of(c);
	int i;

	for (i = 0; rs && i < rs->n; i++)
		if (strcmp(rs->v[i].name, name) == 0)
			return rs->v[i].r;
	err_set("no replay named '%s'", name);
	return NULL;
}

/* The replay's narrow view of the lab: the packets both firewalls'
 * rulesets have dropped so far ("dropped" counters), -1 when unknown. */
static int64_t drops(void *ctx)
{
	struct step_ctx *c = ctx;
	uint64_t sum = 0;
	int k;

	for (k = 0; k < 2; k++) {
		uint64_t packets = 0, bytes = 0;

		if (!step_fw(c, k))
			continue;
		if (counter_read(node_fd(firewall_node(step_fw(c, k))), "ftfw", "dropped", &packets, &bytes) < 0) {
			err_clear();
			return -1;
		}
		sum += packets;
	}
	return (int64_t)sum;
}

/* Between two segments: as a live scenario does, the standby has the
 * state before the switch (or SYNC_WAIT_MS passed); then the failover. */
static int failover_before(struct step_ctx *c, const char *name, int show, uint64_t index)
{
	int64_t t0 = now_ms();
	char missing[512] = "";
	int sync;

	while ((sync = steps_standby_in_sync(c, missing, sizeof(missing))) == 0 && now_ms() - t0 < SYNC_WAIT_MS &&
	       !step_interrupted())
		sleep_ms(10);
	if (sync < 0)
		return -1;
	if (!sync)
		step_note(c, "replay %s: the standby has not synced within %d ms: %s; failing over anyway", name,
			  SYNC_WAIT_MS, missing);
	step_note(c, "replay %s: failover before packet %llu (standby in sync after %lld ms)%s", name,
		  (unsigned long long)index, (long long)(now_ms() - t0), show ? "; the firewalls' state:" : "");
	if (show && steps_show_pair(c, -1) < 0)
		return -1;
	if (step_failover(c, !step_active(c)) < 0)
		return -1;
	if (!show)
		return 0;
	step_note(c, "after the failover:");
	return steps_show_state(c, step_active(c), CT_SRC_KERNEL);
}

static void set_flow_vars(struct step_ctx *c, const char *name, const struct replay *r)
{
	struct replay_flow_info fi;
	char var[64];
	size_t i;

	for (i = 0; i < replay_flow_count(r); i++) {
		const struct session_peer *self, *peer;

		if (replay_flow(r, i, &fi) < 0)
			continue;
		/* the side that connected: the client, but the server for PORT/EPRT data */
		if (fi.data && (fi.ann_kind == FTP_PORT || fi.ann_kind == FTP_EPRT)) {
			self = &fi.server_self;
			peer = &fi.server_peer;
		} else {
			self = &fi.client_self;
			peer = &fi.client_peer;
		}
		if (!self->port)
			continue;
		if (fi.data) {
			snprintf(var, sizeof(var), "%s.data%d.sport", name, fi.nth);
			step_set_var(c, var, "%u", self->port);
			snprintf(var, sizeof(var), "%s.data%d.dport", name, fi.nth);
			step_set_var(c, var, "%u", peer->port);
		} else if (fi.session == 0) {
			snprintf(var, sizeof(var), "%s.ctl.sport", name);
			step_set_var(c, var, "%u", self->port);
		}
	}
}

/* What the replay learned, as variables: $NAME.next, $NAME.delivered, ...,
 * $NAME.ctl.sport, $NAME.annK.addr/.port (as received), $NAME.dataK.sport/.dport
 * (the connecting side's tuple). */
static void set_vars(struct step_ctx *c, const char *name, const struct replay *r)
{
	struct replay_stats st;
	struct replay_ann_info ai;
	char var[64];
	size_t i;

	replay_stats(r, &st);
	snprintf(var, sizeof(var), "%s.next", name);
	step_set_var(c, var, "%llu", (unsigned long long)replay_next(r));
	snprintf(var, sizeof(var), "%s.delivered", name);
	step_set_var(c, var, "%llu", (unsigned long long)st.delivered);
	snprintf(var, sizeof(var), "%s.dropped", name);
	step_set_var(c, var, "%llu", (unsigned long long)st.dropped);
	set_flow_vars(c, name, r);
	for (i = 0; i < replay_ann_count(r); i++) {
		const struct ftp_endpoint *e;

		if (replay_ann(r, i, &ai) < 0)
			continue;
		e = ai.received_known ? &ai.received : ai.sent_known ? &ai.sent : NULL;
		if (!e)
			continue;
		snprintf(var, sizeof(var), "%s.ann%zu.port", name, i + 1);
		step_set_var(c, var, "%u", e->port);
		snprintf(var, sizeof(var), "%s.ann%zu.addr", name, i + 1);
		step_set_var(c, var, "%s", e->addr[0] ? e->addr : "(peer)");
	}
}

/* The session set's findings, once, as report notes. */
static void session_notes(struct step_ctx *c, const char *name, const struct replay *r)
{
	const struct session_set *ss = replay_sessions(r);
	size_t i, j;

	for (i = 0; i < session_count(ss); i++) {
		const struct session *se = session_get(ss, i);
		char cl[SESSION_PEER_STRLEN], sv[SESSION_PEER_STRLEN];

		step_note(c, "replay %s: session %zu %s -> %s, %llu packets, %llu commands, %zu data endpoints announced",
			  name, i + 1, session_peer_str(&se->ctl.client, cl, sizeof(cl)),
			  session_peer_str(&se->ctl.server, sv, sizeof(sv)), (unsigned long long)se->ctl.packets,
			  (unsigned long long)se->commands, se->nann);
		for (j = 0; j < se->nnotes; j++)
			step_note(c, "replay %s: %s: %s", name, se->notes[j].blocking ? "cannot replay as captured" : "note",
				  se->notes[j].text);
	}
}

/* replay NAME FILE: open it (its log in the results), index into rs. */
static int open_replay(struct step_ctx *c, struct replays *rs, const struct args *a)
{
	const char *name = args_word(a, 1);
	struct replay_options o;
	char log[600], file[64];
	struct replay *r;

	if (steps_replay_find(c, name))
		return err_set("replay '%s' already started (replay-continue goes on with it)", name);
	err_clear();
	if (rs->n >= MAX_REPLAYS)
		return err_set("more than %d replays", MAX_REPLAYS);
	replay_options_default(&o);
	o.timing = (enum replay_timing)args_opt_int(a, "timing", REPLAY_LOCKSTEP);
	o.scale = args_opt_double(a, "scale", o.scale);
	o.deadline_ms = args_opt_ms(a, "within", REPLAY_DEADLINE_MS);
	o.nat_hint = step_lab_options(c)->fw.nat != NAT_OFF;
	o.drops = drops;
	o.ctx = c;
	snprintf(file, sizeof(file), "replay-%s.log", name);
	if (step_results_path(c, file, log, sizeof(log)) < 0)
		return -1;
	o.log_path = log;
	log_progress("replay %s: %s", name, args_word(a, 2));
	r = replay_open(args_word(a, 2), step_lab(c), &o);
	if (!r)
		return -1;
	str_copy(rs->v[rs->n].name, name, sizeof(rs->v[0].name));
	rs->v[rs->n].r = r;
	session_notes(c, name, r);
	return rs->n++;
}

/* This step's packets: first (the replay's next) to *until; *at the
 * failover point in them (0: none). 1 nothing to replay, 0, -1 (err). */
static int bounds(const struct args *a, struct replay *r, uint64_t first, uint64_t *until, uint64_t *at)
{
	const char *v;

	*until = replay_count(r);
	*at = 0;
	if ((v = args_opt(a, "until"))) {
		if (replay_locate(r, v, until) < 0)
			return err_prefix("until=%s", v);
		if (*until + 1 < first)
			return err_set("until=%s: packet %llu, but replay %s is at packet %llu already", v,
				       (unsigned long long)*until, args_word(a, 1), (unsigned long long)first);
	}
	if ((v = args_opt(a, "failover-at"))) {
		if (replay_locate(r, v, at) < 0)
			return err_prefix("failover-at=%s", v);
		/* a number N: before packet N; an event: where it says */
		if (!replay_is_number(v))
			(*at)++;
		if (*at < first || *at > *until)
			return err_set("failover-at=%s: packet %llu is not in this step's packets %llu-%llu", v,
				       (unsigned long long)*at, (unsigned long long)first, (unsigned long long)*until);
	}
	return *until < first;
}

/* The segments: up to the failover point, the failover, on to until. */
static int run_segments(struct step_ctx *c, struct replay *r, const char *name, int show, uint64_t first,
			uint64_t until, uint64_t at)
{
	if (at) {
		if (at > first && replay_run(r, at - 1) < 0)
			return -1;
		if (replay_next(r) == at) {
			replay_mark_failover(r);
			if (failover_before(c, name, show, at) < 0)
				return -1;
		}
	}
	return replay_run(r, until);
}

static void segment_notes(struct step_ctx *c, const char *name, struct replay *r, uint64_t first,
			  const struct replay_stats *s0)
{
	struct replay_stats s1;

	replay_stats(r, &s1);
	step_note(c,
		  "replay %s: packets %llu-%llu of %llu: %llu replayed, %llu delivered (%llu changed, %llu out of sequence), %llu dropped, %llu skipped; %.0f packets/s",
		  name, (unsigned long long)first, (unsigned long long)(replay_next(r) - 1),
		  (unsigned long long)replay_count(r), (unsigned long long)(s1.replayed - s0->replayed),
		  (unsigned long long)(s1.delivered - s0->delivered), (unsigned long long)(s1.changed - s0->changed),
		  (unsigned long long)(s1.desync - s0->desync), (unsigned long long)(s1.dropped - s0->dropped),
		  (unsigned long long)(s1.skipped - s0->skipped), s1.pps);
	step_note(c, "replay %s: the endpoints' own stacks were kept from %llu replayed packets, %llu RST/ICMP errors of their own held back (lab totals)",
		  name, (unsigned long long)s1.held, (unsigned long long)s1.quieted);
}

/* replay NAME FILE [...], replay-continue NAME [...] */
static int r_replay(struct step_ctx *c, const struct args *a)
{
	struct replays *rs = replays_of(c);
	const char *name = args_word(a, 1);
	int cont = strcmp(args_word(a, 0), "replay-continue") == 0, idx, rc;
	uint64_t first, until, at;
	struct replay_stats s0;
	struct replay *r;

	if (!rs)
		return -1;
	for (idx = 0; idx < rs->n && strcmp(rs->v[idx].name, name) != 0; idx++)
		;
	if (!cont && (idx = open_replay(c, rs, a)) < 0)
		return -1;
	if (cont && idx == rs->n)
		return err_set("no replay named '%s' (start it with replay)", name);
	r = rs->v[idx].r;
	if (cont && args_opt(a, "within"))
		replay_set_deadline(r, args_opt_ms(a, "within", REPLAY_DEADLINE_MS));
	if (args_opt(a, "show-state"))
		rs->v[idx].show = args_opt_int(a, "show-state", 1) == 0;
	first = replay_next(r);
	if ((rc = bounds(a, r, first, &until, &at)) != 0) {
		if (rc < 0)
			return -1;
		log_progress("replay %s: nothing to replay before packet %llu", name, (unsigned long long)first);
		set_vars(c, name, r);
		return 0;
	}
	replay_stats(r, &s0);
	rc = run_segments(c, r, name, rs->v[idx].show, first, until, at);
	segment_notes(c, name, r, first, &s0);
	set_vars(c, name, r);
	return rc;
}

/* "ann12.addr" against "ann", ".addr": digits in between. */
static int numbered(const char *rest, const char *head, const char *tail)
{
	size_t h = strlen(head);
	const char *p = rest + h;

	if (strncmp(rest, head, h) != 0 || *p < '0' || *p > '9')
		return 0;
	while (*p >= '0' && *p <= '9')
		p++;
	return strcmp(p, tail) == 0;
}

/* replay NAME: $NAME.next, .delivered, .dropped, .ctl.sport, .annK.addr/.port, .dataK.sport/.dport */
static int d_replay(int argc, char *const argv[], const char *name)
{
	const char *rest = argc > 1 ? steps_after_prefix(name, argv[1]) : NULL;
	int i;

	if (!rest) {
		for (i = 2; i < argc && strcmp(name, "failover_ms") == 0; i++)
			if (strncmp(argv[i], "failover-at=", 12) == 0)
				return 1;
		return 0;
	}
	return strcmp(rest, "next") == 0 || strcmp(rest, "delivered") == 0 || strcmp(rest, "dropped") == 0 ||
	       strcmp(rest, "ctl.sport") == 0 || numbered(rest, "ann", ".addr") || numbered(rest, "ann", ".port") ||
	       numbered(rest, "data", ".sport") || numbered(rest, "data", ".dport");
}

static int p_until(const char *v, struct arg_val *out)
{
	(void)out;
	return replay_event_check(v, 1);
}

static int p_timing(const char *v, struct arg_val *out)
{
	out->i = replay_timing_parse(v);
	return out->i < 0 ? err_set("expected lockstep or capture") : 0;
}

static int p_scale(const char *v, struct arg_val *out)
{
	char *end;

	out->d = strtod(v, &end);
	if (end == v || *end || !(out->d > 0) || out->d > 1000)
		return err_set("expected a factor above 0 (0.5: twice as fast)");
	return 0;
}

static const struct arg_spec replay_opts[] = {
	{ .name = "until", .kind = ARG_CUSTOM, .parse = p_until },
	{ .name = "failover-at", .kind = ARG_CUSTOM, .parse = p_until },
	{ .name = "timing", .kind = ARG_CUSTOM, .parse = p_timing },
	{ .name = "scale", .kind = ARG_CUSTOM, .parse = p_scale },
	{ .name = "show-state", .kind = ARG_CHOICE, .choices = "on|off" },
	{ 0 },
};

static const struct arg_spec replay_continue_opts[] = {
	{ .name = "until", .kind = ARG_CUSTOM, .parse = p_until },
	{ .name = "failover-at", .kind = ARG_CUSTOM, .parse = p_until },
	{ .name = "show-state", .kind = ARG_CHOICE, .choices = "on|off" },
	{ 0 },
};

const struct step_def step_replay = {
	.verb = "replay",
	.schema = { 2, 2,
		    "expected replay NAME FILE [until=N|EVENT] [failover-at=N|EVENT] [timing=lockstep|capture] [scale=F] [within=D]",
		    NULL, replay_opts, NULL },
	.run = r_replay,
	.usage = "replay NAME FILE [until=N|EVENT] [failover-at=N|EVENT] [show-state=on] [timing=lockstep|capture] [scale=F] [within=D]",
	.help = "replay an FTP capture through the pair, both ends played by the harness, up to packet N or an event "
		"(before-THING[:K], after-THING[:K], end; THING: 227 229 port eprt announce data-syn data-mid data-end "
		"login quit); failover-at=N fails over right before packet N (an event: where it says; show-state=on "
		"notes both firewalls' state there); within= is each packet's deadline (300ms); sets $NAME.next, $NAME.ctl.sport, "
		"$NAME.annK.addr/.port (as received), $NAME.dataK.sport/.dport",
	.defines = d_replay,
};

const struct step_def step_replay_continue = {
	.verb = "replay-continue",
	.schema = { 1, 1, "expected replay-continue NAME [until=N|EVENT] [failover-at=N|EVENT] [within=D]", NULL,
		    replay_continue_opts, NULL },
	.run = r_replay,
	.usage = "replay-continue NAME [until=N|EVENT] [failover-at=N|EVENT] [show-state=on] [within=D]",
	.help = "go on with a replay from where it stopped",
	.defines = d_replay,
};
