/*
 * replay-verdict step: what a replay's packets came to, claimed for one
 * packet, for every replayed packet (of a flow), as exact counts, or as
 * a TAP line per packet.
 */
#include "steps/steps.h"
#include "replay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum claim {
	CL_ALL_DELIVERED,  /* every packet delivered, in sequence */
	CL_ALL_DROPPED,
	CL_EACH,           /* a TAP line per packet */
	CL_COUNTS,         /* delivered=N dropped=N ... exactly */
	CL_DELIVERED,
	CL_DROPPED,
	CL_CHANGED,        /* fields=... all among the changes */
	CL_UNCHANGED,
	CL_IN_SEQUENCE,
	CL_OUT_OF_SEQUENCE,
	CL_SKIPPED,
};

static const char *const claims[] = {
	[CL_ALL_DELIVERED] = "all-delivered", [CL_ALL_DROPPED] = "all-dropped", [CL_EACH] = "each",
	[CL_COUNTS] = "counts", [CL_DELIVERED] = "delivered", [CL_DROPPED] = "dropped", [CL_CHANGED] = "changed",
	[CL_UNCHANGED] = "unchanged", [CL_IN_SEQUENCE] = "in-sequence", [CL_OUT_OF_SEQUENCE] = "out-of-sequence",
	[CL_SKIPPED] = "skipped",
};

/* counts' options, in replay_stats' order below */
static const char *const count_keys[] = { "delivered", "dropped", "skipped", "changed", "out-of-sequence" };

static int p_claim(const char *v, struct arg_val *out)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(claims); i++)
		if (strcmp(v, claims[i]) == 0) {
			out->i = (int)i;
			return 0;
		}
	return err_set("'%s' is not a verdict claim", v);
}

static int per_scope(enum claim cl)
{
	return cl == CL_ALL_DELIVERED || cl == CL_ALL_DROPPED || cl == CL_EACH || cl == CL_COUNTS;
}

/* The options that go with the claim. */
static int c_replay_verdict(const struct args *a)
{
	enum claim cl;
	size_t k;
	int counts = 0;

	if (!args_known(a, 2))
		return 0;
	cl = (enum claim)args_pos(a, 2)->i;
	if (args_opt(a, "packet") && per_scope(cl))
		return err_set("packet= goes with a one-packet claim, not %s", claims[cl]);
	if (args_opt(a, "fields") && cl != CL_CHANGED)
		return err_set("fields= goes with changed");
	for (k = 0; k < ARRAY_SIZE(count_keys); k++) {
		if (!args_opt(a, count_keys[k]))
			continue;
		if (cl != CL_COUNTS)
			return err_set("'%s=%s' goes with counts", count_keys[k], args_opt(a, count_keys[k]));
		counts++;
	}
	if (cl == CL_COUNTS && !counts)
		return err_set("counts: give delivered=N, dropped=N, skipped=N, changed=N or out-of-sequence=N");
	if (cl == CL_SKIPPED && !args_opt(a, "packet"))
		return err_set("skipped: name the packet (packet=N)");
	return 0;
}

/* Does one replayed packet satisfy a one-packet claim? */
static int claim_holds(enum claim cl, const struct replay_pkt *p, unsigned fields)
{
	int dl = p->verdict == RV_DELIVERED;

	switch (cl) {
	case CL_DELIVERED:
		return dl;
	case CL_ALL_DROPPED:
	case CL_DROPPED:
		return p->verdict == RV_DROPPED;
	case CL_CHANGED:
		return dl && p->changed && (p->changed & fields) == fields;
	case CL_UNCHANGED:
		return dl && !p->changed;
	case CL_ALL_DELIVERED:
	case CL_EACH:
	case CL_IN_SEQUENCE:
		return dl && !p->desync;
	case CL_OUT_OF_SEQUENCE:
		return dl && p->desync;
	case CL_SKIPPED:
		return p->verdict == RV_SKIPPED;
	case CL_COUNTS:
		break;
	}
	return 0;
}

/* packet=N|THING[:K]: the claim about one packet. */
static int verdict_packet(struct step_ctx *c, const struct args *a, struct replay *r, enum claim cl,
			  unsigned fields)
{
	const struct replay_pkt *p;
	char detail[1024], line[512];
	uint64_t n;
	int held;

	if (replay_select(r, args_opt(a, "packet"), &n) < 0) {
		/* the capture has no such thing: the claim about it fails */
		step_verdict(c, a, 0, err_get());
		return 0;
	}
	p = replay_result(r, n);
	held = p->verdict != RV_PENDING && claim_holds(cl, p, fields);
	if (p->verdict == RV_PENDING)
		snprintf(detail, sizeof(detail), "packet %llu has not been replayed yet (replay %s is at %llu)",
			 (unsigned long long)n, args_word(a, 1), (unsigned long long)replay_next(r));
	else if (!held)
		snprintf(detail, sizeof(detail), "expected %s, found: %s", claims[cl], replay_pkt_str(r, n, line, sizeof(line)));
	else
		snprintf(detail, sizeof(detail), "%s", replay_pkt_str(r, n, line, sizeof(line)));
	step_verdict(c, a, held, detail);
	return 0;
}

/* counts delivered=N ...: exactly. */
static int verdict_counts(struct step_ctx *c, const struct args *a, struct replay *r)
{
	struct replay_stats s;
	uint64_t got[ARRAY_SIZE(count_keys)];
	char detail[1024] = "";
	size_t k, dl = 0;
	int held = 1;

	replay_stats(r, &s);
	got[0] = s.delivered;
	got[1] = s.dropped;
	got[2] = s.skipped;
	got[3] = s.changed;
	got[4] = s.desync;
	for (k = 0; k < ARRAY_SIZE(count_keys); k++) {
		if (!args_opt(a, count_keys[k]))
			continue;
		if (got[k] != args_opt_u64(a, count_keys[k], 0))
			held = 0;
		if (dl < sizeof(detail))
			dl += (size_t)snprintf(detail + dl, sizeof(detail) - dl, "%sexpected %s=%s, found %llu",
					       dl ? "; " : "", count_keys[k], args_opt(a, count_keys[k]),
					       (unsigned long long)got[k]);
	}
	step_verdict(c, a, held, detail);
	return 0;
}

/* Every replayed packet of the scope (a flow, or all); each: a line each. */
static int verdict_scope(struct step_ctx *c, const struct args *a, struct replay *r, enum claim cl, int flow,
			 unsigned fields)
{
	char detail[4096] = "", line[512];
	uint64_t i, seen = 0;
	int held = 1, bad = 0;
	size_t dl = 0;

	for (i = 1; i < replay_next(r); i++) {
		const struct replay_pkt *p = replay_result(r, i);

		if ((p->verdict != RV_DELIVERED && p->verdict != RV_DROPPED) || (flow >= 0 && p->flow != flow))
			continue;
		seen++;
		if (cl == CL_EACH) {
			char name[1300];

			replay_pkt_str(r, i, line, sizeof(line));
			snprintf(name, sizeof(name), "L%d %s %s", step_line(c), args_word(a, 1), line);
			step_verdict_named(c, a, name, claim_holds(CL_EACH, p, 0), line);
			continue;
		}
		if (claim_holds(cl, p, fields))
			continue;
		held = 0;
		if (bad++ < 10 && dl < sizeof(detail))
			dl += (size_t)snprintf(detail + dl, sizeof(detail) - dl, "%s\n", replay_pkt_str(r, i, line, sizeof(line)));
	}
	if (!seen) {
		step_verdict(c, a, 0, cl == CL_EACH ? "no packet replayed" : "expected replayed packets in the scope, found none");
		return 0;
	}
	if (cl == CL_EACH)
		return 0;
	if (bad > 10 && dl < sizeof(detail))
		dl += (size_t)snprintf(detail + dl, sizeof(detail) - dl, "... %d more\n", bad - 10);
	if (!held && dl < sizeof(detail))
		snprintf(detail + dl, sizeof(detail) - dl, "expected every one of %llu packets %s; %d %s not",
			 (unsigned long long)seen, claims[cl], bad, bad == 1 ? "is" : "are");
	step_verdict(c, a, held, held ? NULL : detail);
	return 0;
}

static int r_replay_verdict(struct step_ctx *c, const struct args *a)
{
	struct replay *r = steps_replay_find(c, args_word(a, 1));
	enum claim cl = (enum claim)args_pos(a, 2)->i;
	unsigned fields = (unsigned)args_opt_u64(a, "fields", 0);
	const char *v;
	int flow = -1;

	if (!r)
		return -1;
	if ((v = args_opt(a, "flow")) && (flow = replay_flow_find(r, v)) < 0)
		return err_prefix("flow=%s", v);
	if (args_opt(a, "packet"))
		return verdict_packet(c, a, r, cl, fields);
	if (cl == CL_COUNTS)
		return verdict_counts(c, a, r);
	return verdict_scope(c, a, r, cl, flow, fields);
}

static int p_packet(const char *v, struct arg_val *out)
{
	(void)out;
	return replay_event_check(v, 0);
}

static int p_flow(const char *v, struct arg_val *out)
{
	const char *colon = strchr(v, ':');
	char *end;

	(void)out;
	if (strcmp(v, "control") == 0)
		return 0;
	if (colon && ((colon - v == 7 && strncmp(v, "control", 7) == 0) || (colon - v == 4 && strncmp(v, "data", 4) == 0)) &&
	    strtol(colon + 1, &end, 10) >= 1 && !*end)
		return 0;
	return err_set("expected control, control:K or data:K");
}

static int p_fields(const char *v, struct arg_val *out)
{
	unsigned m;

	if (replay_changed_parse(v, &m) < 0)
		return -1;
	out->u = m;
	return 0;
}

static const struct arg_spec verdict_pos[] = {
	{ .name = "NAME" },
	{ .name = "CLAIM", .kind = ARG_CUSTOM, .parse = p_claim },
	{ 0 },
};

static const struct arg_spec verdict_opts[] = {
	{ .name = "packet", .kind = ARG_CUSTOM, .parse = p_packet },
	{ .name = "flow", .kind = ARG_CUSTOM, .parse = p_flow },
	{ .name = "fields", .kind = ARG_CUSTOM, .parse = p_fields },
	{ .name = "delivered", .kind = ARG_UINT, .hi = UINT64_MAX },
	{ .name = "dropped", .kind = ARG_UINT, .hi = UINT64_MAX },
	{ .name = "skipped", .kind = ARG_UINT, .hi = UINT64_MAX },
	{ .name = "changed", .kind = ARG_UINT, .hi = UINT64_MAX },
	{ .name = "out-of-sequence", .kind = ARG_UINT, .hi = UINT64_MAX },
	{ 0 },
};

const struct step_def step_replay_verdict = {
	.verb = "replay-verdict",
	.flags = STEP_CHECK,
	.schema = { 2, 2,
		    "expected replay-verdict NAME all-delivered|all-dropped|each|counts|delivered|dropped|"
		    "changed|unchanged|in-sequence|out-of-sequence|skipped [packet=N|THING[:K]] "
		    "[flow=control|data:K] [fields=address,port,payload,sequence]",
		    verdict_pos, verdict_opts, c_replay_verdict },
	.run = r_replay_verdict,
	.usage = "replay-verdict NAME all-delivered|all-dropped|each|counts|delivered|dropped|changed|unchanged|in-sequence|"
		 "out-of-sequence|skipped [packet=N|THING[:K]] [flow=control|data:K] [fields=address,port,payload,sequence] "
		 "[delivered=N] [dropped=N] [skipped=N] [changed=N] [out-of-sequence=N]",
	.help = "packets' verdicts (all-delivered: every replayed packet arrived in sequence; each: a TAP line per packet)",
};
