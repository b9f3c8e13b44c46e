/*
 * transfer steps: curl in the client namespace, in the background
 * (transfer), and the checks on it (wait-progress, transfer-done).
 */
#include "steps/steps.h"
#include "ftpclient.h"
#include "scenario.h"
#include "transfer.h"
#include "until.h"

#include <stdio.h>
#include <string.h>

#define MAX_TRANSFERS 128
#define MAX_GROUPS 16

/* The run's transfers, and the groups count=N made. */
struct transfers {
	int n;
	struct transfer *t[MAX_TRANSFERS];   /* owned */
	int ngroups;
	struct {
		char name[32];
		int first, count;                /* t[first .. first+count) */
	} groups[MAX_GROUPS];
};

static void transfers_release(void *p)
{
	struct transfers *ts = p;
	int i;

	for (i = 0; i < ts->n; i++)
		transfer_free(ts->t[i]);
}

static struct transfers *transfers_of(struct step_ctx *c)
{
	return step_state(c, "transfer", sizeof(struct transfers), transfers_release);
}

/* The transfers a name stands for: one, or a group (count=N). */
static int transfer_range(struct transfers *ts, const char *name, int *first, int *count)
{
	int i;

	for (i = 0; i < ts->ngroups; i++)
		if (strcmp(ts->groups[i].name, name) == 0) {
			*first = ts->groups[i].first;
			*count = ts->groups[i].count;
			return 0;
		}
	for (i = 0; i < ts->n; i++)
		if (strcmp(transfer_spec(ts->t[i])->name, name) == 0) {
			*first = i;
			*count = 1;
			return 0;
		}
	return err_set("no transfer named '%s'", name);
}

int steps_wants_ipv6(struct step_ctx *c, const struct args *a, int *v6)
{
	enum lab_family fam = step_lab_options(c)->fw.family;

	if (!args_opt(a, "ip")) {
		*v6 = fam == LAB_FAMILY_IPV6;
		return 0;
	}
	*v6 = args_opt_int(a, "ip", 0) == 1;
	if ((*v6 && fam == LAB_FAMILY_IPV4) || (!*v6 && fam == LAB_FAMILY_IPV6))
		return err_set("ip=%s: the lab is %s only", args_opt(a, "ip"), lab_family_name(fam));
	return 0;
}

/* A new group NAME of count transfers, from the next one on. */
static int add_group(struct transfers *ts, const char *name, int count)
{
	if (ts->ngroups >= MAX_GROUPS)
		return err_set("more than %d transfer groups", MAX_GROUPS);
	str_copy(ts->groups[ts->ngroups].name, name, sizeof(ts->groups[0].name));
	ts->groups[ts->ngroups].first = ts->n;
	ts->groups[ts->ngroups].count = count;
	ts->ngroups++;
	return 0;
}

/* transfer NAME get|put FILE [mode=M] [rate=SIZE] [size=SIZE] [timeout=S] [ip=4|6] [count=N] */
static int r_transfer(struct step_ctx *c, const struct args *a)
{
	struct transfer_spec spec = { .mode = FTPC_EPSV, .timeout_s = 60 };
	struct transfers *ts = transfers_of(c);
	const char *name = args_word(a, 1), *file = args_word(a, 3);
	int grouped = args_opt(a, "count") != NULL, count = (int)args_opt_u64(a, "count", 1), first, n, i;

	if (!ts)
		return -1;
	if (!step_server(c))
		return err_set("the lab has no FTP server (lab server=off)");
	if (transfer_range(ts, name, &first, &n) == 0)
		return err_set("transfer '%s' already started", name);
	err_clear();
	spec.upload = args_pos(a, 2)->i == 1;
	str_copy(spec.file, file, sizeof(spec.file));
	spec.mode = (enum ftpc_mode)args_opt_int(a, "mode", FTPC_EPSV);
	spec.rate = args_opt_u64(a, "rate", 0);
	spec.size = args_opt_u64(a, "size", 0);
	spec.timeout_s = (int)args_opt_u64(a, "timeout", 60);
	if (steps_wants_ipv6(c, a, &spec.ipv6) < 0)
		return -1;
	if (ts->n + count > MAX_TRANSFERS)
		return err_set("more than %d transfers", MAX_TRANSFERS);
	if (grouped && add_group(ts, name, count) < 0)
		return -1;
	for (i = 0; i < count; i++) {
		struct transfer *t;

		snprintf(spec.name, sizeof(spec.name), grouped ? "%s.%d" : "%s", name, i + 1);
		if (spec.upload && grouped)
			snprintf(spec.file, sizeof(spec.file), "%s.%d", file, i + 1);
		t = transfer_start(step_node(c, ROLE_CLIENT), step_server(c), &spec);
		if (!t)
			return -1;
		ts->t[ts->n++] = t;
	}
	log_progress("transfer %s: %d x curl %s %s (%s%s%s%s)", name, count, spec.upload ? "put" : "get", file,
		     ftpc_mode_name(spec.mode), spec.ipv6 ? ", IPv6" : "", spec.rate ? ", rate " : "",
		     spec.rate ? args_opt(a, "rate") : "");
	return 0;
}

static const struct arg_spec transfer_pos[] = {
	{ .name = "NAME" },
	{ .name = "get|put", .kind = ARG_CHOICE, .choices = "get|put" },
	{ .name = "FILE" },
	{ 0 },
};

/* mode's choices in enum ftpc_mode's order */
static const struct arg_spec transfer_opts[] = {
	{ .name = "mode", .kind = ARG_CHOICE, .choices = "pasv|epsv|port|eprt" },
	{ .name = "rate", .kind = ARG_SIZE },
	{ .name = "size", .kind = ARG_SIZE },
	{ .name = "timeout", .kind = ARG_UINT, .lo = 1, .hi = 3600 },
	{ .name = "ip", .kind = ARG_CHOICE, .choices = "4|6" },
	{ .name = "count", .kind = ARG_UINT, .lo = 1, .hi = MAX_TRANSFERS },
	{ 0 },
};

const struct step_def step_transfer = {
	.verb = "transfer",
	.schema = { 3, 3, "expected NAME get|put FILE [mode=M] [rate=SIZE] [size=SIZE] [timeout=S]", transfer_pos,
		    transfer_opts, NULL },
	.run = r_transfer,
	.usage = "transfer NAME get|put FILE [mode=pasv|epsv|port|eprt] [rate=SIZE] [size=SIZE] [timeout=S] [ip=4|6] [count=N]",
	.help = "start curl in the client namespace in the background (count=N: N at once, a group)",
};

/* wait-progress NAME SIZE [within=D]: every transfer of the group has
 * moved SIZE bytes and is still running. */
static int r_wait_progress(struct step_ctx *c, const struct args *a)
{
	struct transfers *ts = transfers_of(c);
	int64_t deadline = now_ms() + args_opt_ms(a, "within", 10000);
	uint64_t want = args_pos(a, 2)->u, least;
	int first, count, i, done;
	char detail[256];

	if (!ts || transfer_range(ts, args_word(a, 1), &first, &count) < 0)
		return -1;
	for (;;) {
		least = UINT64_MAX;
		done = 0;
		for (i = first; i < first + count; i++) {
			uint64_t got = transfer_progress(ts->t[i]);

			if (got < least)
				least = got;
			if (transfer_finished(ts->t[i]))
				done++;
		}
		if (done) {
			snprintf(detail, sizeof(detail),
				 "expected %d transfer(s) in flight with >= %llu bytes; %d had already finished", count,
				 (unsigned long long)want, done);
			break;
		}
		if (least >= want) {
			step_verdict(c, a, 1, NULL);
			return 0;
		}
		if (now_ms() > deadline || step_interrupted()) {
			snprintf(detail, sizeof(detail), "expected >= %llu bytes in flight, found %llu (the slowest of %d)",
				 (unsigned long long)want, (unsigned long long)least, count);
			break;
		}
		sleep_ms(5);
	}
	step_verdict(c, a, 0, detail);
	return 0;
}

static const struct arg_spec wait_progress_pos[] = {
	{ .name = "NAME" },
	{ .name = "SIZE", .kind = ARG_SIZE },
	{ 0 },
};

const struct step_def step_wait_progress = {
	.verb = "wait-progress",
	.flags = STEP_CHECK,
	.schema = { 2, 2, "expected NAME SIZE [within=D]", wait_progress_pos, NULL, NULL },
	.run = r_wait_progress,
	.usage = "wait-progress NAME SIZE [within=D]",
	.help = "transfer NAME has moved SIZE bytes and is still running",
};

/* transfer-done NAME [within=D] */
static int r_transfer_done(struct step_ctx *c, const struct args *a)
{
	struct transfers *ts = transfers_of(c);
	int64_t deadline = now_ms() + args_opt_ms(a, "within", 60000);
	char detail[2048] = "";
	size_t dl = 0;
	int first, count, i, bad = 0;

	if (!ts || transfer_range(ts, args_word(a, 1), &first, &count) < 0)
		return -1;
	for (i = first; i < first + count; i++) {
		int64_t left = deadline - now_ms();

		if (transfer_wait(ts->t[i], left > 0 ? (int)left : 0) == 0)
			continue;
		bad++;
		if (dl < sizeof(detail) - 1)
			dl += (size_t)snprintf(detail + dl, sizeof(detail) - dl, "%s\n", err_get());
	}
	if (bad && count > 1 && dl < sizeof(detail) - 1)
		snprintf(detail + dl, sizeof(detail) - dl, "%d of %d transfers failed", bad, count);
	step_verdict(c, a, bad == 0, bad ? detail : NULL);
	return 0;
}

const struct step_def step_transfer_done = {
	.verb = "transfer-done",
	.flags = STEP_CHECK,
	.schema = { 1, 1, "expected NAME [within=D]", NULL, NULL, NULL },
	.run = r_transfer_done,
	.usage = "transfer-done NAME [within=D]",
	.help = "curl exited 0 and the data's SHA-256 is right",
};
