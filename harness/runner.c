/* runner: one scenario variant in one lab; the step table. See runner.h. */
#include "runner.h"
#include "until.h"
#include "assertion.h"
#include "capture.h"
#include "counters.h"
#include "inject.h"
#include "events.h"
#include "failover.h"
#include "ftpclient.h"
#include "lab.h"
#include "replay.h"
#include "report.h"
#include "run.h"
#include "server.h"
#include "transfer.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TRANSFERS 128
#define MAX_GROUPS 16
#define MAX_SESSIONS 64
#define MAX_RUNVARS 256
#define MAX_REPLAYS 16
#define DEFAULT_WITHIN_MS 3000
#define FTP_TIMEOUT_MS 5000

static volatile sig_atomic_t interrupted;

void runner_interrupt(int sig)
{
	interrupted = sig;
}

int runner_interrupted(void)
{
	return interrupted;
}

struct ftp_conn {
	char name[32];
	struct ftpc *c;         /* owned */
	char failed[160];       /* why later steps on it are skipped */
};

/* What the run saw of each known fault (struct runner's fault_state). */
enum { FAULT_SHOWN = 1, FAULT_SKIPPED = 2 };

struct runner {
	const struct scenario *sc;
	const struct sc_variant *variant;
	const struct runner_options *opt;
	struct lab_options lo;
	struct run *run;
	struct lab *lab;
	struct firewall *fw[2];
	int active;                              /* index into fw[] */
	struct server *server;
	struct capture *capture;
	struct events *events[2];
	struct report *report;
	int ntransfers;
	struct transfer *transfers[MAX_TRANSFERS];
	int ngroups;
	struct {
		char name[32];
		int first, count;           /* transfers[first .. first+count) */
	} groups[MAX_GROUPS];
	int nsessions;
	struct ftp_conn sessions[MAX_SESSIONS];
	int nvars;
	struct sc_kv vars[MAX_RUNVARS];          /* learned at run time */
	int64_t step_t0;
	int nreplays;
	struct {
		char name[32];
		struct replay *r;                /* owned */
		int show;                        /* note both firewalls' state at failover-at */
	} replays[MAX_REPLAYS];
	int replaying;                           /* index of the replay running now */
	int nended;
	pid_t ended[16];                         /* daemons a step ended on purpose */
	unsigned char fault_state[SC_MAX_FAULTS]; /* FAULT_SHOWN, FAULT_SKIPPED, per known fault */
	char lost_var[96];                       /* a variable set_var() could not keep, or "" */
};

/* ---- variables ---- */

/*
 * The builtin variables, as a table. static_value gives the value from
 * what is known before the lab is built (lab options, the variant, the
 * kernel); run_value, when the run is needed for it (who is active, the
 * daemons' PIDs). Exactly one of the two is set.
 */
struct builtin_def {
	const char *name;
	const char *fixed;                                            /* a constant */
	const char *(*static_value)(const struct lab_options *lo, const char *variant);
	const char *(*run_value)(struct runner *rn, const char *name);
};

static const char *b_client_public(const struct lab_options *lo, const char *variant)
{
	(void)variant;
	return lo->fw.nat != NAT_OFF ? LAB_WAN_VIP : LAB_CLIENT_ADDR;
}

static const char *b_client_public6(const struct lab_options *lo, const char *variant)
{
	(void)variant;
	return lo->fw.nat != NAT_OFF ? LAB_WAN_VIP6 : LAB_CLIENT_ADDR6;
}

static const char *b_family(const struct lab_options *lo, const char *variant)
{
	(void)variant;
	return lab_family_name(lo->fw.family);
}

static const char *b_nat(const struct lab_options *lo, const char *variant)
{
	(void)variant;
	return nat_mode_name(lo->fw.nat);
}

static const char *b_failover(const struct lab_options *lo, const char *variant)
{
	(void)variant;
	return failover_driver_name(lo->fw.driver);
}

static const char *b_variant(const struct lab_options *lo, const char *variant)
{
	(void)lo;
	return variant;
}

/* The kernel under test: set by kernel/guest-init inside a VM. */
static const char *b_kernel(const struct lab_options *lo, const char *variant)
{
	const char *k = getenv("FTFW_KERNEL");

	(void)lo;
	(void)variant;
	return k && k[0] ? k : "host";
}

static const char *b_active(struct runner *rn, const char *name)
{
	(void)name;
	return rn->active ? "fw2" : "fw1";
}

static const char *b_standby(struct runner *rn, const char *name)
{
	(void)name;
	return rn->active ? "fw1" : "fw2";
}

/* The lab's daemons' PIDs (for exec or spawn: strace, gdb, a signal). */
static const char *b_pid(struct runner *rn, const char *name)
{
	static char pidbuf[16];
	pid_t pid = -1;
	int k = name[2] == '2';

	if (strcmp(name, "vsftpd_pid") == 0)
		pid = rn->server ? server_pid(rn->server) : -1;
	else if (!rn->fw[k])
		pid = -1;
	else if (strcmp(name + 4, "conntrackd_pid") == 0)
		pid = syncd_pid(firewall_syncd(rn->fw[k]));
	else
		pid = firewall_keepalived_pid(rn->fw[k]);
	if (pid <= 0)
		return NULL;
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)pid);
	return pidbuf;
}

static const struct builtin_def builtins[] = {
	{ "client", LAB_CLIENT_ADDR, NULL, NULL },
	{ "server", LAB_SERVER_ADDR, NULL, NULL },
	{ "lan_vip", LAB_LAN_VIP, NULL, NULL },
	{ "wan_vip", LAB_WAN_VIP, NULL, NULL },
	{ "fw1_lan", LAB_FW1_LAN, NULL, NULL },
	{ "fw2_lan", LAB_FW2_LAN, NULL, NULL },
	{ "fw1_wan", LAB_FW1_WAN, NULL, NULL },
	{ "fw2_wan", LAB_FW2_WAN, NULL, NULL },
	{ "fw1_sync", LAB_FW1_SYNC, NULL, NULL },
	{ "fw2_sync", LAB_FW2_SYNC, NULL, NULL },
	{ "client6", LAB_CLIENT_ADDR6, NULL, NULL },
	{ "server6", LAB_SERVER_ADDR6, NULL, NULL },
	{ "lan_vip6", LAB_LAN_VIP6, NULL, NULL },
	{ "wan_vip6", LAB_WAN_VIP6, NULL, NULL },
	/* what the server sees as the client's address */
	{ "client_public", NULL, b_client_public, NULL },
	{ "client_public6", NULL, b_client_public6, NULL },
	{ "family", NULL, b_family, NULL },
	{ "nat", NULL, b_nat, NULL },
	{ "failover", NULL, b_failover, NULL },
	{ "variant", NULL, b_variant, NULL },
	{ "kernel", NULL, b_kernel, NULL },
	{ "active", NULL, NULL, b_active },
	{ "standby", NULL, NULL, b_standby },
	{ "fw1_conntrackd_pid", NULL, NULL, b_pid },
	{ "fw2_conntrackd_pid", NULL, NULL, b_pid },
	{ "fw1_keepalived_pid", NULL, NULL, b_pid },
	{ "fw2_keepalived_pid", NULL, NULL, b_pid },
	{ "vsftpd_pid", NULL, NULL, b_pid },
};

static const struct builtin_def *builtin_def(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(builtins); i++)
		if (strcmp(builtins[i].name, name) == 0)
			return &builtins[i];
	return NULL;
}

static const char *builtin(struct runner *rn, const char *name)
{
	const struct builtin_def *b = builtin_def(name);

	if (!b)
		return NULL;
	if (b->fixed)
		return b->fixed;
	if (b->static_value)
		return b->static_value(&rn->lo, rn->variant ? rn->variant->name : "");
	return b->run_value(rn, name);
}

/* sc_verbs.builtin: the same table, before the lab exists. */
static int builtin_static(const struct lab_options *lo, const char *variant, const char *name, const char **value)
{
	const struct builtin_def *b = builtin_def(name);

	if (!b)
		return 0;
	*value = b->fixed ? b->fixed : b->static_value ? b->static_value(lo, variant) : NULL;
	return 1;
}

static const char *lookup(void *ctx, const char *name)
{
	struct runner *rn = ctx;
	int i;

	for (i = rn->nvars - 1; i >= 0; i--)
		if (strcmp(rn->vars[i].key, name) == 0)
			return rn->vars[i].val;
	if (rn->variant)
		for (i = 0; i < rn->variant->nvars; i++)
			if (strcmp(rn->variant->vars[i].key, name) == 0)
				return rn->variant->vars[i].val;
	return builtin(rn, name);
}

static void set_var(struct runner *rn, const char *name, const char *fmt, ...) FTFW_FMT(3, 4);
static void set_var(struct runner *rn, const char *name, const char *fmt, ...)
{
	struct sc_kv *kv = NULL;
	va_list ap;
	int i;

	for (i = 0; i < rn->nvars; i++)
		if (strcmp(rn->vars[i].key, name) == 0)
			kv = &rn->vars[i];
	if (!kv) {
		if (rn->nvars >= MAX_RUNVARS || strlen(name) >= sizeof(kv->key)) {
			/* reported by vars_check() after the step, as the step's error */
			if (!rn->lost_var[0])
				str_copy(rn->lost_var, name, sizeof(rn->lost_var));
			return;
		}
		kv = &rn->vars[rn->nvars++];
		str_copy(kv->key, name, sizeof(kv->key));
	}
	va_start(ap, fmt);
	vsnprintf(kv->val, sizeof(kv->val), fmt, ap);
	va_end(ap);
	log_debug("set $%s = %s", kv->key, kv->val);
}

/* A variable set_var() dropped makes the step that set it an error. */
static int vars_check(struct runner *rn)
{
	if (!rn->lost_var[0])
		return 0;
	return err_set("run-time variable $%s not kept: more than %d variables, or a name of %zu "
		       "characters or more", rn->lost_var, MAX_RUNVARS, sizeof(rn->vars[0].key));
}

/* ---- step arguments ---- */

/* An expanded step: positional words and key=value options apart. */
struct args {
	int n;
	char *pos[SC_MAX_ARGS];
	int nopt;
	struct sc_kv opt[SC_MAX_ARGS];
	char text[1024];                /* the whole step, expanded, for names */
	char storage[SC_MAX_ARGS][256];
};

/* Options every step may carry: within=D, fault=ID, evidence=TEXT. */
static const char *const common_opts[] = { "within", "fault", "evidence" };

static int is_common_opt(const char *key)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(common_opts); i++)
		if (strcmp(key, common_opts[i]) == 0)
			return 1;
	return 0;
}

/* A word KEY=VALUE whose key is one of them. */
static int is_common_word(const char *word)
{
	size_t i, k;

	for (i = 0; i < ARRAY_SIZE(common_opts); i++) {
		k = strlen(common_opts[i]);
		if (strncmp(word, common_opts[i], k) == 0 && word[k] == '=')
			return 1;
	}
	return 0;
}

/* Words that are options even in steps whose key=value words are terms. */
static int is_reserved_opt(const char *word)
{
	return is_common_word(word) || strncmp(word, "count=", 6) == 0;
}

static const char *opt_get(const struct args *a, const char *key)
{
	int i;

	for (i = 0; i < a->nopt; i++)
		if (strcmp(a->opt[i].key, key) == 0)
			return a->opt[i].val;
	return NULL;
}

/* "500ms", "3s", "1500" (ms). */
static int parse_duration(const char *s, int *ms)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || v < 0)
		return err_set("'%s' is not a duration (500ms, 3s)", s);
	if (strcmp(end, "s") == 0)
		v *= 1000;
	else if (*end && strcmp(end, "ms") != 0)
		return err_set("'%s' is not a duration (500ms, 3s)", s);
	if (v > 3600 * 1000)
		return err_set("'%s': at most one hour", s);
	*ms = (int)v;
	return 0;
}

/* A decimal count; out may be NULL (validation only). */
static int parse_count(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-')
		return err_set("'%s' is not a number", s);
	if (out)
		*out = v;
	return 0;
}

static int within(const struct args *a, int def)
{
	const char *w = opt_get(a, "within");
	int ms = def;

	/* Literal values were checked at parse time; an expanded one that
	 * is no duration is reported, and the default used. */
	if (w && parse_duration(w, &ms) < 0) {
		log_progress("within=%s is not a duration: %s; using %d ms", w, err_get(), def);
		err_clear();
		return def;
	}
	return ms;
}

/* Words with '=' (and a key made of [a-z-_]) are options, unless the
 * step takes match terms (expect), which keep them positional. */
static int looks_like_opt(const char *w)
{
	return scenario_is_option_word(w);
}

static int expand_args(struct runner *rn, const struct sc_step *st, int keep_terms, struct args *a)
{
	int i;
	size_t tl = 0;

	memset(a, 0, sizeof(*a));
	for (i = 0; i < st->argc; i++) {
		char *w = a->storage[i];

		if (scenario_expand(st->argv[i], lookup, rn, w, sizeof(a->storage[0])) < 0)
			return -1;
		tl += (size_t)snprintf(a->text + tl, tl < sizeof(a->text) ? sizeof(a->text) - tl : 0, "%s%s",
				       i ? " " : "", w);
		if (tl >= sizeof(a->text))
			tl = sizeof(a->text) - 1;
		if (i > 0 && looks_like_opt(st->argv[i]) && (!keep_terms || is_reserved_opt(st->argv[i]))) {
			char *eq = strchr(w, '=');

			*eq = '\0';
			str_copy(a->opt[a->nopt].key, w, sizeof(a->opt[0].key));
			str_copy(a->opt[a->nopt].val, eq + 1, sizeof(a->opt[0].val));
			a->nopt++;
			*eq = '=';
			continue;
		}
		a->pos[a->n++] = w;
	}
	return 0;
}

/* ---- verdicts ---- */

/* The index of the known fault a check is marked with (fault=ID), when its
 * conditions hold in this variant; -1 when none. */
static int fault_index(struct runner *rn, const struct args *a)
{
	const char *id = opt_get(a, "fault");
	int i;

	if (!id)
		return -1;
	for (i = 0; i < rn->sc->nfaults; i++) {
		const struct sc_fault *f = &rn->sc->faults[i];

		if (strcmp(f->id, id) == 0)
			return scenario_conds_hold(f->cond, f->ncond, lookup, rn) ? i : -1;
	}
	return -1;
}

/*
 * Record a check's outcome. held: the check held; detail: what was found
 * when it did not (may be NULL); found: the text a marked fault's evidence
 * must be in (the detail, or for per-packet verdicts the packet).
 *
 * A check marked fault=ID whose fault applies: holding is "fixed" (a
 * failure: the fault no longer reproduces); failing is "known fault
 * reproduced" only when what was found shows its evidence=TEXT (when it
 * has one), otherwise a plain failure, for it failed for another reason.
 */
static void record(struct runner *rn, const char *name, const struct args *a, int held, const char *detail,
		   const char *found, double secs)
{
	int fi = fault_index(rn, a);
	const struct sc_fault *f = fi >= 0 ? &rn->sc->faults[fi] : NULL;
	const char *ev = opt_get(a, "evidence");
	struct report_fault rf = { f ? f->id : NULL, f ? ev : NULL };
	char *why = NULL;
	enum verdict v;

	if (!f)
		v = held ? V_PASS : V_FAIL;
	else if (held)
		v = V_XPASS;
	else if (ev && !strstr(found ? found : "", ev)) {
		size_t len = strlen(f->id) + strlen(ev) + (detail ? strlen(detail) : 0) + 160;

		why = xcalloc(1, len);
		snprintf(why, len, "failed, but not as known fault '%s' does: its evidence \"%s\" is not in what was found%s%s",
			 f->id, ev, detail ? ":\n" : "", detail ? detail : "");
		v = V_FAIL;
	} else {
		v = V_XFAIL;
		if (ev)
			rn->fault_state[fi] |= FAULT_SHOWN;
	}
	report_add_fault(rn->report, name, v, f && v != V_FAIL ? f->what : NULL, f ? &rf : NULL, why ? why : detail,
			 secs);
	free(why);
}

/* Record the outcome of a check step. */
static void verdict(struct runner *rn, const struct sc_step *st, const struct args *a, int held,
		    const char *detail)
{
	char name[1200];

	snprintf(name, sizeof(name), "L%d %s", st->line, a->text);
	record(rn, name, a, held, detail, detail, (double)(now_ms() - rn->step_t0) / 1000.0);
}

static void skip(struct runner *rn, const struct sc_step *st, const struct args *a, const char *why)
{
	int fi = fault_index(rn, a);
	char name[1200];

	if (fi >= 0 && opt_get(a, "evidence"))
		rn->fault_state[fi] |= FAULT_SKIPPED;
	snprintf(name, sizeof(name), "L%d %s", st->line, a->text);
	report_add(rn->report, name, V_SKIP, why, NULL, 0);
}

/* The scenario's name, the variant's and the known faults that apply. */
static void summarise_faults(struct runner *rn, struct runner_summary *sum)
{
	int i;

	str_copy(sum->scenario, rn->sc->name, sizeof(sum->scenario));
	str_copy(sum->variant, rn->variant ? rn->variant->name : "", sizeof(sum->variant));
	sum->declared = rn->sc->nfaults;
	sum->nfaults = 0;
	for (i = 0; i < rn->sc->nfaults; i++) {
		const struct sc_fault *f = &rn->sc->faults[i];

		if (!scenario_conds_hold(f->cond, f->ncond, lookup, rn))
			continue;
		str_copy(sum->faults[sum->nfaults].id, f->id, sizeof(sum->faults[0].id));
		sum->faults[sum->nfaults++].shown = (rn->fault_state[i] & FAULT_SHOWN) != 0;
	}
}

/*
 * After the steps: each known fault that applies in this variant must have
 * been shown, by a check marked with it and its evidence that failed with
 * the evidence in what it found. When its evidence checks were skipped, a
 * skip says so; when none ran or none failed that way, a failure.
 */
static void faults_check(struct runner *rn)
{
	int i;

	for (i = 0; i < rn->sc->nfaults; i++) {
		const struct sc_fault *f = &rn->sc->faults[i];
		char name[96], detail[512];

		if (!scenario_conds_hold(f->cond, f->ncond, lookup, rn) || (rn->fault_state[i] & FAULT_SHOWN))
			continue;
		snprintf(name, sizeof(name), "known-fault %s shown with its evidence", f->id);
		if (rn->fault_state[i] & FAULT_SKIPPED) {
			report_add(rn->report, name, V_SKIP, "its evidence checks were skipped", NULL, 0);
			continue;
		}
		snprintf(detail, sizeof(detail),
			 "expected: a check marked fault=%s evidence=... failing with its evidence in what it found "
			 "(the fault applies in this variant); found: none did",
			 f->id);
		report_add(rn->report, name, V_FAIL, NULL, detail, 0);
	}
}

/* ---- lookups of named things ---- */


/* The transfers a name stands for: one, or a group (count=N). */
static int transfer_range(struct runner *rn, const char *name, int *first, int *count)
{
	int i;

	for (i = 0; i < rn->ngroups; i++)
		if (strcmp(rn->groups[i].name, name) == 0) {
			*first = rn->groups[i].first;
			*count = rn->groups[i].count;
			return 0;
		}
	for (i = 0; i < rn->ntransfers; i++)
		if (strcmp(transfer_spec(rn->transfers[i])->name, name) == 0) {
			*first = i;
			*count = 1;
			return 0;
		}
	return err_set("no transfer named '%s'", name);
}

static struct ftp_conn *find_session(struct runner *rn, const char *name, int create)
{
	int i;

	for (i = 0; i < rn->nsessions; i++)
		if (strcmp(rn->sessions[i].name, name) == 0)
			return &rn->sessions[i];
	if (!create || rn->nsessions >= MAX_SESSIONS)
		return NULL;
	str_copy(rn->sessions[rn->nsessions].name, name, sizeof(rn->sessions[0].name));
	return &rn->sessions[rn->nsessions++];
}

static struct firewall *fw_arg(struct runner *rn, const char *s)
{
	int role = lab_role_parse(s);

	if (role == ROLE_FW1)
		return rn->fw[0];
	if (role == ROLE_FW2)
		return rn->fw[1];
	err_set("'%s' is not a firewall (fw1, fw2)", s);
	return NULL;
}

/* ---- parse-time checks (shared shapes) ---- */

static int v_mode(const char *v)
{
	return ftpc_mode_parse(v) < 0 ? err_set("expected pasv, epsv, port or eprt") : 0;
}

static int v_size(const char *v)
{
	uint64_t n;

	return scenario_parse_size(v, &n);
}

/* A whole number from lo to hi, else "expected <what>". */
static int v_range(const char *v, uint64_t lo, uint64_t hi, const char *what)
{
	uint64_t n;

	if (parse_count(v, &n) < 0 || n < lo || n > hi)
		return err_set("expected %s", what);
	return 0;
}

static int v_seconds(const char *v)
{
	return v_range(v, 1, 3600, "seconds from 1 to 3600");
}

static int v_ip(const char *v)
{
	return strcmp(v, "4") == 0 || strcmp(v, "6") == 0 ? 0 : err_set("expected 4 or 6");
}

static int v_count(const char *v)
{
	return v_range(v, 1, MAX_TRANSFERS, "1 to " FTFW_STR(MAX_TRANSFERS));
}

static int v_code(const char *v)
{
	return v_range(v, 100, 599, "an FTP reply code (100 to 599)");
}

static int v_firewall(const char *v)
{
	int r = lab_role_parse(v);

	return r == ROLE_FW1 || r == ROLE_FW2 ? 0 : err_set("expected fw1 or fw2");
}

/* A step's firewall word: fw1, fw2, or a variable that will name one. */
static int firewall_word(const char *w)
{
	if (w[0] == '$' || v_firewall(w) == 0)
		return 0;
	return err_set("'%s' is not a firewall (fw1, fw2)", w);
}

static int v_percent(const char *v)
{
	char *end;
	double p = strtod(v, &end);

	if (end == v || strcmp(end, "%") != 0 || p < 0 || p > 100)
		return err_set("expected a percentage (5%%)");
	return 0;
}

static int v_duration(const char *v)
{
	int ms;

	return parse_duration(v, &ms);
}

static int v_number(const char *v)
{
	return parse_count(v, NULL);
}

/* Values of the replay steps' options. */
static int v_onoff(const char *v)
{
	return strcmp(v, "on") == 0 || strcmp(v, "off") == 0 ? 0 : err_set("expected on or off");
}

static int v_until(const char *v)
{
	return replay_event_check(v, 1);
}

static int v_timing(const char *v)
{
	return replay_timing_parse(v) < 0 ? err_set("expected lockstep or capture") : 0;
}

static int v_scale(const char *v)
{
	char *end;
	double f = strtod(v, &end);

	if (end == v || *end || !(f > 0) || f > 1000)
		return err_set("expected a factor above 0 (0.5: twice as fast)");
	return 0;
}

static int v_packet(const char *v)
{
	return replay_event_check(v, 0);
}

static int v_flow(const char *v)
{
	const char *colon = strchr(v, ':');
	char *end;

	if (strcmp(v, "control") == 0)
		return 0;
	if (colon && ((colon - v == 7 && strncmp(v, "control", 7) == 0) || (colon - v == 4 && strncmp(v, "data", 4) == 0)) &&
	    strtol(colon + 1, &end, 10) >= 1 && !*end)
		return 0;
	return err_set("expected control, control:K or data:K");
}

static int v_fields(const char *v)
{
	unsigned m;

	return replay_changed_parse(v, &m);
}

/* Every option any step takes, and what its value must look like. */
static const struct {
	const char *key;
	int (*valid)(const char *v);
} option_types[] = {
	{ "mode", v_mode },         { "rate", v_size },      { "size", v_size },
	{ "timeout", v_seconds },   { "ip", v_ip },          { "count", v_count },
	{ "code", v_code },         { "to", v_firewall },    { "loss", v_percent },
	{ "reorder", v_percent },   { "duplicate", v_percent }, { "delay", v_duration },
	{ "min", v_number },        { "max", v_number },     { "within", v_duration },
	{ "until", v_until },       { "failover-at", v_until }, { "timing", v_timing },
	{ "show-state", v_onoff },
	{ "scale", v_scale },       { "packet", v_packet },  { "flow", v_flow },
	{ "fields", v_fields },     { "delivered", v_number }, { "dropped", v_number },
	{ "skipped", v_number },    { "changed", v_number }, { "out-of-sequence", v_number },
};

/* Validate one option's value (values with '$' are checked when they run). */
static int check_value(const char *key, const char *val)
{
	size_t i;

	if (strchr(val, '$'))
		return 0;
	for (i = 0; i < ARRAY_SIZE(option_types); i++)
		if (strcmp(option_types[i].key, key) == 0)
			return option_types[i].valid(val) < 0 ? err_prefix("%s=%s", key, val) : 0;
	return 0;
}

static int check_opts(int argc, char *const argv[], const char *const allowed[], int keep_terms)
{
	int i, j;

	for (i = 1; i < argc; i++) {
		const char *eq;
		char key[32];

		if (!looks_like_opt(argv[i]))
			continue;
		eq = strchr(argv[i], '=');
		if ((size_t)(eq - argv[i]) >= sizeof(key))
			return err_set("option '%s': key too long", argv[i]);
		memcpy(key, argv[i], (size_t)(eq - argv[i]));
		key[eq - argv[i]] = '\0';
		if (keep_terms && !is_common_opt(key) && strcmp(key, "count") != 0)
			continue;
		if (strcmp(key, "fault") == 0 || strcmp(key, "evidence") == 0)
			continue;
		if (strcmp(key, "within") != 0 && !(keep_terms && strcmp(key, "count") == 0)) {
			for (j = 0; allowed && allowed[j]; j++)
				if (strcmp(allowed[j], key) == 0)
					break;
			if (!allowed || !allowed[j]) {
				char list[256] = "";
				size_t o = 0;

				for (j = 0; allowed && allowed[j] && o < sizeof(list); j++)
					o += (size_t)snprintf(list + o, sizeof(list) - o, "%s=, ", allowed[j]);
				return err_set("unknown option '%s' (a word KEY=VALUE whose key is lower case is a step option, "
					       "never an argument; this step takes %swithin=, fault=, evidence=)", key, list);
			}
		}
		if (check_value(key, eq + 1) < 0)
			return -1;
	}
	return 0;
}

static int positional(int argc, char *const argv[], int keep_terms)
{
	int i, n = 0;

	for (i = 1; i < argc; i++)
		if (!looks_like_opt(argv[i]) || (keep_terms && !is_reserved_opt(argv[i])))
			n++;
	return n;
}

/* ip=4|6 on a step, else the lab's family (dual talks IPv4 by default). */
static int wants_ipv6(struct runner *rn, const struct args *a, int *v6)
{
	const char *ip = opt_get(a, "ip");

	if (!ip) {
		*v6 = rn->lo.fw.family == LAB_FAMILY_IPV6;
		return 0;
	}
	if (strcmp(ip, "4") != 0 && strcmp(ip, "6") != 0)
		return err_set("ip=%s: expected 4 or 6", ip);
	*v6 = ip[0] == '6';
	if ((*v6 && rn->lo.fw.family == LAB_FAMILY_IPV4) || (!*v6 && rn->lo.fw.family == LAB_FAMILY_IPV6))
		return err_set("ip=%s: the lab is %s only", ip, lab_family_name(rn->lo.fw.family));
	return 0;
}

/* ---- steps ---- */

/* transfer NAME get|put FILE [mode=M] [rate=SIZE] [size=SIZE] [timeout=S] */
static int c_transfer(int argc, char *const argv[])
{
	static const char *const ok[] = { "mode", "rate", "size", "timeout", "ip", "count", NULL };
	int n = positional(argc, argv, 0);

	if (n != 3)
		return err_set("expected NAME get|put FILE [mode=M] [rate=SIZE] [size=SIZE] [timeout=S]");
	if (strcmp(argv[2], "get") != 0 && strcmp(argv[2], "put") != 0 && argv[2][0] != '$')
		return err_set("'%s': expected get or put", argv[2]);
	return check_opts(argc, argv, ok, 0);
}

static int r_transfer(struct runner *rn, const struct sc_step *st, const struct args *a)
{
	struct transfer_spec spec = { .mode = FTPC_EPSV, .timeout_s = 60 };
	const char *v;
	int m, i, count = 1, first, n;

	(void)st;
	if (!rn->server)
		return err_set("the lab has no FTP server (lab server=off)");
	if (transfer_range(rn, a->pos[1], &first, &n) == 0)
		return err_set("transfer '%s' already started", a->pos[1]);
	err_clear();
	spec.upload = strcmp(a->pos[2], "put") == 0;
	str_copy(spec.file, a->pos[3], sizeof(spec.file));
	if ((v = opt_get(a, "mode"))) {
		if ((m = ftpc_mode_parse(v)) < 0)
			return err_set("mode=%s: expected pasv, epsv, port or eprt", v);
		spec.mode = (enum ftpc_mode)m;
	}
	if ((v = opt_get(a, "rate")) && scenario_parse_size(v, &spec.rate) < 0)
		return -1;
	if ((v = opt_get(a, "size")) && scenario_parse_size(v, &spec.size) < 0)
		return -1;
	if ((v = opt_get(a, "timeout")) && (spec.timeout_s = atoi(v)) <= 0)
		return err_set("timeout=%s: expected seconds", v);
	if ((v = opt_get(a, "count")) && ((count = atoi(v)) < 1 || count > MAX_TRANSFERS))
		return err_set("count=%s: expected 1 to %d", v, MAX_TRANSFERS);
	if (wants_ipv6(rn, a, &spec.ipv6) < 0)
		return -1;
	if (rn->ntransfers + count > MAX_TRANSFERS)
		return err_set("more than %d transfers", MAX_TRANSFERS);
	if (opt_get(a, "count")) {
		if (rn->ngroups >= MAX_GROUPS)
			return err_set("more than %d transfer groups", MAX_GROUPS);
		str_copy(rn->groups[rn->ngroups].name, a->pos[1], sizeof(rn->groups[0].name));
		rn->groups[rn->ngroups].first = rn->ntransfers;
		rn->groups[rn->ngroups].count = count;
		rn->ngroups++;
	}
	for (i = 0; i < count; i++) {
		struct transfer *t;
		char name[32];

		snprintf(name, sizeof(name), opt_get(a, "count") ? "%s.%d" : "%s", a->pos[1], i + 1);
		str_copy(spec.name, name, sizeof(spec.name));
		if (spec.upload && opt_get(a, "count"))
			snprintf(spec.file, sizeof(spec.file), "%s.%d", a->pos[3], i + 1);
		t = transfer_start(lab_node(rn->lab, ROLE_CLIENT), rn->server, &spec);
		if (!t)
			return -1;
		rn->transfers[rn->ntransfers++] = t;
	}
	log_progress("transfer %s: %d x curl %s %s (%s%s%s%s)", a->pos[1], count, spec.upload ? "put" : "get",
		     a->pos[3], ftpc_mode_name(spec.mode), spec.ipv6 ? ", IPv6" : "", spec.rate ? ", rate " : "",
		     spec.rate ? opt_get(a, "rate") : "");
	return 0;
}

/* wait-progress NAME SIZE [within=D] */
static int c_wait_progress(int argc, char *const argv[])
{
	uint64_t sz;

	if (positional(argc, argv, 0) != 2)
		return err_set("expected NAME SIZE [within=D]");
	if (argv[2][0] != '$' && scenario_parse_size(argv[2], &sz) < 0)
		return -1;
	return check_opts(argc, argv, NULL, 0);
}

static int r_wait_progress(struct runner *rn, const struct sc_step *st, const struct args *a)
{
	int64_t deadline = now_ms() + within(a, 10000);
	char detail[256];
	uint64_t want, least;
	int first, count, i, done;

	if (transfer_range(rn, a->pos[1], &first, &count) < 0)
		return -1;
	if (scenario_parse_size(a->pos[2], &want) < 0)
		return -1;
	/* Every transfer of the group has moved want bytes and is running. */
	for (;;) {
		least = UINT64_MAX;
		done = 0;
		for (i = first; i < first + count; i++) {
			uint64_t got = transfer_progress(rn->transfers[i]);

			if (got < least)
				least = got;
			if (transfer_finished(rn->transfers[i]))
				done++;
		}
		if (done) {
			snprintf(detail, sizeof(detail),
				 "expected %d transfer(s) in flight with >= %llu bytes; %d had already finished",
				 count, (unsigned long long)want, done);
			verdict(rn, st, a, 0, detail);
			return 0;
		}
		if (least >= want) {
			verdict(rn, st, a, 1, NULL);
			return 0;
		}
		if (now_ms() > deadline || interrupted) {
			snprintf(detail, sizeof(detail), "expected >= %llu bytes in flight, found %llu (the slowest of %d)",
				 (unsigned long long)want, (unsigned long long)least, count);
			verdict(rn, st, a, 0, detail);
			return 0;
		}
		sleep_ms(5);
	}
}

/* transfer-done NAME [within=D] */
static int c_transfer_done(int argc, char *const argv[])
{
	if (positional(argc, argv, 0) != 1)
		return err_set("expected NAME [within=D]");
	return check_opts(argc, argv, NULL, 0);
}

static int r_transfer_done(struct runner *rn, const struct sc_step *st, const struct args *a)
{
	int64_t deadline = now_ms() + within(a, 60000);
	char detail[2048] = "";
	size_t dl = 0;
	int first, count, i, bad = 0;

	if (transfer_range(rn, a->pos[1], &first, &count) < 0)
		return -1;
	for (i = first; i < first + count; i++) {
		int64_t left = deadline - now_ms();

		if (transfer_wait(rn->transfers[i], left > 0 ? (int)left : 0) == 0)
			continue;
		bad++;
		if (dl < sizeof(detail) - 1)
			dl += (size_t)snprintf(detail + dl, sizeof(detail) - dl, "%s\n", err_get());
	}
	if (bad && count > 1 && dl < sizeof(detail) - 1)
		snprintf(detail + dl, sizeof(detail) - dl, "%d of %d transfers failed", bad, count);
	verdict(rn, st, a, bad == 0, bad ? detail : NULL);
	return 0;
}

/* ftp NAME ACTION [ARG...] [within=D] */
static const struct {
	const char *action;
	int nargs;
	const char *usage;
} ftp_actions[] = {
	{ "connect", 0, "connect" },
	{ "login", 0, "login" },
	{ "pasv", 0, "pasv" },
	{ "epsv", 0, "epsv" },
	{ "port", 0, "port" },
	{ "eprt", 0, "eprt" },
	{ "retr", 1, "retr FILE" },
	{ "list", 0, "list" },
	{ "stor", 2, "stor NAME SIZE" },
	{ "cmd", 1, "cmd \"LINE\" [code=N]" },
	{ "quit", 0, "quit" },
};

static int c_ftp(int argc, char *const argv[])
{
	static const char *const ok[] = { "code", "ip", NULL };
	int n = positional(argc, argv, 0);
	size_t i;

	if (n < 2)
		return err_set("expected NAME ACTION [ARG...]");
	if (argv[2][0] == '$')
		return check_opts(argc, argv, ok, 0);
	for (i = 0; i < ARRAY_SIZE(ftp_actions); i++)
		if (strcmp(argv[2], ftp_actions[i].action) == 0)
			break;
	if (i == ARRAY_SIZE(ftp_actions))
		return err_set("unknown action '%s'", argv[2]);
	if (n - 2 != ftp_actions[i].nargs)
		return err_set("expected ftp NAME %s", ftp_actions[i].usage);
	return check_opts(argc, argv, ok, 0);
}

/* One action of a scripted session: 1 it held, 0 it did not (why in
 * detail: a verdict), -1 a fault of the lab or the scenario (err set). */
static int ftp_do(struct runner *rn, struct ftp_conn *s, const struct args *a, char *detail, size_t dlen)
{
	const char *action = a->pos[2];
	char var[64];
	int m, timeout = within(a, FTP_TIMEOUT_MS);

	if (strcmp(action, "connect") == 0) {
		int v6;

		if (s->c)
			return snprintf(detail, dlen, "already connected"), 0;
		/* A lab without a server is the scenario's error, as in transfer: exit 2. */
		if (!rn->server)
			return err_set("the lab has no FTP server (lab server=off)");
		if (wants_ipv6(rn, a, &v6) < 0)
			return snprintf(detail, dlen, "%s", err_get()), 0;
		s->c = ftpc_connect(node_fd(lab_node(rn->lab, ROLE_CLIENT)), v6 ? LAB_SERVER_ADDR6 : LAB_SERVER_ADDR,
				    21, timeout);
		if (!s->c)
			return snprintf(detail, dlen, "%s", err_get()), 0;
		snprintf(var, sizeof(var), "%s.sport", s->name);
		set_var(rn, var, "%u", ftpc_local_port(s->c));
		return 1;
	}
	if (!s->c)
		return snprintf(detail, dlen, "not connected"), 0;
	if (strcmp(action, "login") == 0) {
		if (ftpc_login(s->c, "anonymous", "ftfw@lab.invalid") < 0)
			return snprintf(detail, dlen, "%s", err_get()), 0;
		return 1;
	}
	if ((m = ftpc_mode_parse(action)) >= 0) {
		struct ftp_endpoint ep;

		if (ftpc_announce(s->c, (enum ftpc_mode)m, &ep) < 0)
			return snprintf(detail, dlen, "%s", err_get()), 0;
		snprintf(var, sizeof(var), "%s.port", s->name);
		set_var(rn, var, "%u", ep.port);
		snprintf(var, sizeof(var), "%s.addr", s->name);
		set_var(rn, var, "%s", ep.addr[0] ? ep.addr : "(peer)");
		log_progress("ftp %s: %s announced %s port %u", s->name, action,
			     ep.addr[0] ? ep.addr : "the server's address", ep.port);
		return 1;
	}
	if (strcmp(action, "retr") == 0 || strcmp(action, "list") == 0 || strcmp(action, "stor") == 0) {
		struct ftpc_xfer x;
		char line[128];
		uint8_t *up = NULL;
		uint64_t size = 0;
		int ok;

		memset(&x, 0, sizeof(x));
		if (strcmp(action, "stor") == 0) {
			if (scenario_parse_size(a->pos[4], &size) < 0 || size > (64u << 20))
				return snprintf(detail, dlen, "stor: size %s (at most 64M)", a->pos[4]), 0;
			up = xcalloc(1, (size_t)size);
			for (uint64_t i = 0; i < size; i++)
				up[i] = (uint8_t)(i * 131 + 7);
		}
		snprintf(line, sizeof(line), "%s%s%s%s", strcmp(action, "retr") == 0 ? "RETR" :
			 strcmp(action, "list") == 0 ? "LIST" : "STOR", a->n > 3 ? " " : "",
			 up ? SERVER_UPLOAD_DIR "/" : "", a->n > 3 ? a->pos[3] : "");
		ok = ftpc_transfer(s->c, line, up, (size_t)size, &x) == 0;
		if (!ok) {
			snprintf(detail, dlen, "%s", err_get());
		} else if (strcmp(action, "retr") == 0) {
			const struct server_file *f = server_file(rn->server, a->pos[3]);

			if (f && memcmp(f->sha256, x.sha256, DIGEST_LEN) != 0) {
				char w[DIGEST_HEX_LEN], g[DIGEST_HEX_LEN];

				digest_hex(f->sha256, w);
				digest_hex(x.sha256, g);
				snprintf(detail, dlen, "RETR %s: expected sha256 %s, found %s (%llu bytes)",
					 a->pos[3], w, g, (unsigned long long)x.bytes);
				ok = 0;
			}
		} else if (up) {
			char path[512];
			uint8_t want[DIGEST_LEN], got[DIGEST_LEN];

			digest_buf(up, (size_t)size, want);
			if (server_upload_path(rn->server, a->pos[3], path, sizeof(path)) < 0 ||
			    digest_file(path, got, NULL) < 0) {
				snprintf(detail, dlen, "%s", err_get());
				ok = 0;
			} else if (memcmp(want, got, DIGEST_LEN) != 0) {
				snprintf(detail, dlen, "STOR %s: the server's copy differs", a->pos[3]);
				ok = 0;
			}
		}
		free(up);
		return ok;
	}
	if (strcmp(action, "cmd") == 0) {
		const char *want = opt_get(a, "code");
		int code = ftpc_cmd(s->c, a->pos[3]);

		if (code < 0)
			return snprintf(detail, dlen, "%s", err_get()), 0;
		if (want && code != atoi(want))
			return snprintf(detail, dlen, "expected reply %s, found: %s", want, ftpc_last_reply(s->c)), 0;
		return 1;
	}
	if (strcmp(action, "quit") == 0) {
		int ok = ftpc_quit(s->c) == 0;

		if (!ok)
			snprintf(detail, dlen, "%s", err_get());
		ftpc_free(s->c);
		s->c = NULL;
		return ok;
	}
	return snprintf(detail, dlen, "unknown action '%s'", action), 0;
}

static int r_ftp(struct runner *rn, const struct sc_step *st, const struct args *a)
{
	struct ftp_conn *s = find_session(rn, a->pos[1], 1);
	char detail[1024] = "";
	int ok;

	if (!s)
		return err_set("too many FTP sessions");
	if (s->failed[0]) {
		skip(rn, st, a, s->failed);
		return 0;
	}
	ok = ftp_do(rn, s, a, detail, sizeof(detail));
	if (ok < 0)
		return -1;
	verdict(rn, st, a, ok, ok ? NULL : detail);
	if (!ok) {
		int i;

		snprintf(s->failed, sizeof(s->failed), "session %s failed at line %d", s->name, st->line);
		ftpc_free(s->c);
		s->c = NULL;
		/* What the session announced is void: checks using it are skipped. */
		for (i = 0; i < rn->nvars; i++)
			if (strncmp(rn->vars[i].key, s->name, strlen(s->name)) == 0 &&
			    rn->vars[i].key[strlen(s->name)] == '.')
				rn->vars[i--] = rn->vars[--rn->nvars];
	}
	return 0;
}

/* expect FW SOURCE KIND [present|absent|count=N] TERM... [within=D] [fault=ID [evidence=TEXT]] */
static int c_expect(int argc, char *const argv[])
{
	struct match m;
	int i, kind, first = 4;

	if (argc < 4)
		return err_set("expected FW SOURCE KIND [present|absent|count=N] TERM... [within=D]");
	if (firewall_word(argv[1]) < 0)
		return -1;
	if (ct_source_parse(argv[2]) < 0)
		return err_set("'%s': expected kernel, internal or external", argv[2]);
	kind = ct_kind_parse(argv[3]);
	if (kind < 0)
		return err_set("'%s': expected ct or expect", argv[3]);
	memset(&m, 0, sizeof(m));
	m.kind = (enum ct_kind)kind;
	if (argc > 4 && (strcmp(argv[4], "present") == 0 || strcmp(argv[4], "absent") == 0))
		first = 5;
	for (i = first; i < argc; i++) {
		if (is_common_word(argv[i]))
			continue;
		if (strncmp(argv[i], "count=", 6) == 0) {
			char *end;
			long n = strtol(argv[i] + 6, &end, 10);

			if (end == argv[i] + 6 || *end || n < 0 || n > 1000000)
				return err_set("'%s': expected count=N", argv[i]);
			continue;
		}
		if (strchr(argv[i], '$')) {
			/* Value known at run time: check the key only. */
			char key[CT_KEY_LEN];
			size_t k = strcspn(argv[i], "=!~");

			if (k == 0 || k >= sizeof(key) || !argv[i][k])
				return err_set("term '%s': expected KEY=VALUE, KEY!=VALUE or KEY~ITEM", argv[i]);
			memcpy(key, argv[i], k);
			key[k] = '\0';
			if (!match_key_known(m.kind, key))
				return err_set("term '%s': no field '%s' in %s records", argv[i], key,
					       ct_kind_name(m.kind));
			continue;
		}
		if (match_add_term(&m, argv[i]) < 0)
			return -1;
	}
	return check_opts(argc, argv, NULL, 1);
}

struct fetch_ctx {
	struct firewall *fw;
	enum ct_source src;
	enum ct_kind kind;
};

static int fetch(void *arg, struct ct_list *out)
{
	struct fetch_ctx *f = arg;

	switch (f->src) {
	case CT_SRC_KERNEL:
		return ct_dump_kernel(node_fd(firewall_node(f->fw)), f->kind, out);
	case CT_SRC_INTERNAL:
	case CT_SRC_EXTERNAL:
		return syncd_dump(firewall_syncd(f->fw), f->src, f->kind, out);
	}
	return -1;
}

static int r_expect(struct runner *rn, const struct sc_step *st, const struct args *a)
{
	struct fetch_ctx f;
	struct match m;
	enum quantifier q = Q_PRESENT;
	size_t count = 0;
	const char *c;
	char *diag = NULL;
	enum assert_verdict av;
	int i, first = 4;

	f.fw = fw_arg(rn, a->pos[1]);
	if (!f.fw)
		return -1;
	f.src = (enum ct_source)ct_source_parse(a->pos[2]);
	f.kind = (enum ct_kind)ct_kind_parse(a->pos[3]);
	memset(&m, 0, sizeof(m));
	m.kind = f.kind;
	if (a->n > 4 && strcmp(a->pos[4], "present") == 0) {
		first = 5;
	} else if (a->n > 4 && strcmp(a->pos[4], "absent") == 0) {
		q = Q_ABSENT;
		first = 5;
	}
	if ((c = opt_get(a, "count"))) {
		q = Q_COUNT;
		count = (size_t)atol(c);
	}
	for (i = first; i < a->n; i++)
		if (match_add_term(&m, a->pos[i]) < 0)
			return -1;
	av = assert_poll(&m, q, count, fetch, &f, within(a, DEFAULT_WITHIN_MS), 20, &diag, NULL);
	switch (av) {
	case ASSERT_HOLDS:
		verdict(rn, st, a, 1, diag);
		break;
	case ASSERT_FAILS:
		verdict(rn, st, a, 0, diag);
		break;
	case ASSERT_ERROR:
		free(diag);
		return err_prefix("%s %s", a->pos[1], a->pos[2]);
	}
	free(diag);
	return 0;
}

/* failover [to=fw2] */
static int c_failover(int argc, char *const argv[])
{
	static const char *const ok[] = { "to", NULL };

	if (positional(argc, argv, 0) != 0)
		return err_set("expected failover [to=fw1|fw2]");
	return check_opts(argc, argv, ok, 0);
}

/* Move the active role to `to` (NULL: the other firewall). */
static int do_failover(struct runner *rn, const char *to)
{
	int target = to ? (lab_role_parse(to) == ROLE_FW1 ? 0 : lab_role_parse(to) == ROLE_FW2 ? 1 : -1)
			: !rn->active;
	struct failover_result res;

	if (target < 0)
		return err_set("to=%s: expected fw1 or fw2", to);
	if (target == rn->active)
		return err_set("%s is already active", target ? "fw2" : "fw1");
	if (failover_restore(rn->lab, rn->fw[target]) < 0)
		return -1;
	log_progress("failover %s -> %s (%s)", rn->active ? "fw2" : "fw1", target ? "fw2" : "fw1",
		     failover_driver_name(rn->lo.fw.driver));
	if (failover_run(rn->lab, rn->fw[rn->active], rn->fw[target], rn->lo.fw.driver, &res) < 0)
		return -1;
	rn->active = target;
	set_var(rn, "failover_ms", "%lld", (long long)res.total_ms);
	report_note(rn->report, "failover to %s: isolate %lld ms, transition %lld ms, total %lld ms",
		    target ? "fw2" : "fw1", (long long)res.isolate_ms, (long long)res.commit_ms,
		    (long long)res.total_ms);
	return 0;
}

static int r_failover(struct runner *rn, const struct sc_step *st, const struct args *a)
{
	(void)st;
	return do_failover(rn, opt_get(a, "to"));
}


/* failback: the active role back to fw1 (its links restored first). */
static int c_failback(int argc, char *const argv[])
{
	if (positional(argc, argv, 0) != 0)
		return err_set("expected failback");
	return check_opts(argc, argv, NULL, 0);
}

static int r_failback(struct runner *rn, const struct sc_step *st, const struct args *a)
{
	struct args b = *a;

	b.nopt = 0;
	str_copy(b.opt[b.nopt].key, "to", sizeof(b.opt[0].key));
	str_copy(b.opt[b.nopt++].val, "fw1", sizeof(b.opt[0].val));
	return r_failover(rn, st, &b);
}

/* link NODE IFACE up|down */
static int c_link(int argc, char *const argv[])
{
	if (positional(argc, argv, 0) != 3)
		return err_set("expected link NODE IFACE up|down");
	if (argv[1][0] != '$' && lab_role_parse(argv[1]) < 0)
		return err_set("'%s' is not a lab node (client, fw1, fw2, server, lan, wan)", argv[1]);
	if (strcmp(argv[3], "up") != 0 && strcmp(argv[3], "down") != 0)
		return err_set("'%s': expected up or down", argv[3]);
	return check_opts(argc, argv, NULL, 0);
}

static int r_link(struct runner *rn, const struct sc_step *st, const struct args *a)
{
	int role = lab_role_parse(a->pos[1]);

	(void)st;
	if (role < 0)
		return err_set("'%s' is not a lab node", a->pos[1]);
	log_progress("link %s %s %s", a->pos[1], a->pos[2], a->pos[3]);
	return lab_link(rn->lab, (enum lab_role)role, a->pos[2], strcmp(a->pos[3], "up") == 0);
}

/* daemon FW conntrackd|keepalived kill|stop|cont */
static const struct {
	const char *action;
	int sig;
} daemon_actions[] = {
	{ "kill", SIGKILL },
	{ "term", SIGTERM },
	{ "stop", SIGSTOP },
	{ "cont", SIGCONT },
	{ "restart", 0 },   /* conntrackd only: stop, start on the same config */
};

static int c_daemon(int argc, char *const argv[])
{
	size_t i;

	if (positional(argc, argv, 0) != 3)
		return err_set("expected daemon FW conntrackd|keepalived kill|term|stop|cont|restart");
	if (firewall_word(argv[1]) < 0)
		return -1;
	if (strcmp(argv[2], "conntrackd") != 0 && strcmp(argv[2], "keepalived") != 0)
		return err_set("'%s': expected conntrackd or keepalived", argv[2]);
	if (strcmp(argv[3], "restart") == 0 && strcmp(argv[2], "conntrackd") != 0)
		return err_set("restart: only conntrackd can be restarted");
	if (argv[3][0] == '$')
		return check_opts(argc, argv, NULL, 0);
	for (i = 0; i < ARRAY_SIZE(daemon_actions); i++)
		if (strcmp(argv[3], daemon_actions[i].action) == 0)
			return check_opts(argc, argv, NULL, 0);
	return err_set("'%s': expected kill, term, stop, cont or restart", argv[3]);
}

static int r_daemon(struct runner *rn, const struct sc_step *st, const struct args *a)
{
	struct firewall *fw = fw_arg(rn, a->pos[1]);
	pid_t pid;
	size_t i;

	(void)st;
	if (!fw)
		return -1;
	pid = strcmp(a->pos[2], "conntrackd") == 0 ? syncd_pid(firewall_syncd(fw)) : firewall_keepalived_pid(fw);
	if (pid <= 0)
		return err_set("%s: %s is not running here", a->pos[1], a->pos[2]);
	for (i = 0; i < ARRAY_SIZE(daemon_actions); i++)
		if (strcmp(a->pos[3], daemon_actions[i].action) == 0)
			break;
	if (i == ARRAY_SIZE(daemon_actions))
		return err_set("'%s': unknown action", a->pos[3]);
	log_progress("%s: %s %s (pid %d)", a->pos[1], a->pos[3], a->pos[2], (int)pid);
	if (!daemon_actions[i].sig)
		return syncd_restart(firewall_syncd(fw));
	/* Its end is the scenario's doing, not a fault of the lab. */
	if (daemon_actions[i].sig == SIGKILL || daemon_actions[i].sig == SIGTERM) {
		if (rn->nended >= (int)ARRAY_SIZE(rn->ended))
			return err_set("more than %zu daemons ended on purpose in one run",
				       ARRAY_SIZE(rn->ended));
		rn->ended[rn->nended++] = pid;
	}
	if (node_signal(firewall_node(fw), pid, daemon_actions[i].sig) < 0)
		return -1;
	return 0;
}

/* syncd FW commit|flush|resync|bulk|reset-timers|request-resync */
static int syncd_cmd_parse(const char *s)
{
	int c;

	for (c = SYNCD_COMMIT; c < SYNCD_KILL; c++)
		if (strcmp(s, syncd_cmd_name((enum syncd_cmd)c)) == 0)
			return c;
	return -1;
}

static int c_syncd(int argc, char *const argv[])
{
	if (positional(argc, argv, 0) != 2)
		return err_set("expected syncd FW commit|flush|resync|bulk|reset-timers|request-resync");
	if (firewall_word(argv[1]) < 0)
		return -1;
	if (syncd_cmd_parse(argv[2]) < 0)
		return err_set("'%s': expected commit, flush, resync, bulk, reset-timers or request-resync", argv[2]);
	return check_opts(argc, argv, NULL, 0);
}

static int r_syncd(struct runner *rn, const struct sc_step *st, const struct args *a)
{
	struct firewall *fw = fw_arg(rn, a->pos[1]);

	(void)st;
	if (!fw)
		return -1;
	log_progress("%s: conntrackd %s", a->pos[1], a->pos[2]);
	return syncd_cmd(firewall_syncd(fw), (enum syncd_cmd)syncd_cmd_parse(a->pos[2]));
}

/* netem NODE IFACE off | [loss=P%] [delay=D] [reorder=P%] */
static int c_netem(int argc, char *const argv[])
{
	static const char *const ok[] = { "loss", "delay", "reorder", "duplicate", NULL };
	int n = positional(argc, argv, 0);

	if (n != 2 && !(n == 3 && strcmp(argv[3], "off") == 0))
		return err_set("expected netem NODE IFACE off | [loss=P%%] [delay=D] [reorder=P%%] [duplicate=P%%]");
	if (argv[1][0] != '$' && lab_role_parse(argv[1]) < 0)
		return err_set("'%s' is not a lab node", argv[1]);
	{
		int i, impair = 0;

		for (i = 3; i < argc; i++)
			if (looks_like_opt(argv[i]) && !is_common_word(argv[i]))
				impair++;
		if (n == 3 && impair)
			return err_set("netem: 'off' takes no impairments");
		if (n == 2 && !impair)
			return err_set("netem: give loss=, delay=, reorder= or duplicate=, or 'off'");
	}
	return check_opts(argc, argv, ok, 0);
}

static int r_netem(struct runner *rn, const struct sc_step *st, const struct args *a)
{
	static const char *const keys[] = { "loss", "delay", "reorder", "duplicate" };
	int role = lab_role_parse(a->pos[1]), rc, i, n = 0;
	char *argv[24], *out = NULL;
	size_t k;

	(void)st;
	if (role < 0)
		return err_set("'%s' is not a lab node", a->pos[1]);
	argv[n++] = "tc";
	argv[n++] = "qdisc";
	if (a->n == 4) {
		argv[n++] = "del";
		argv[n++] = "dev";
		argv[n++] = a->pos[2];
		argv[n++] = "root";
	} else {
		argv[n++] = "replace";
		argv[n++] = "dev";
		argv[n++] = a->pos[2];
		argv[n++] = "root";
		argv[n++] = "netem";
		for (k = 0; k < ARRAY_SIZE(keys); k++)
			for (i = 0; i < a->nopt; i++)
				if (strcmp(a->opt[i].key, keys[k]) == 0) {
					argv[n++] = (char *)keys[k];
					argv[n++] = (char *)a->opt[i].val;
				}
	}
	argv[n] = NULL;
	log_progress("netem %s %s: %s", a->pos[1], a->pos[2], a->text);
	rc = node_exec(lab_node(rn->lab, (enum lab_role)role), argv, 5000, &out);
	if (rc > 0)
		err_set("tc: exit %d: %.300s", rc, out);
	free(out);
	return rc != 0 ? err_prefix("netem") : 0;
}


/* loss NODE IFACE P% | off: drop every (100/P)th packet each way with
 * nftables (numgen inc: deterministic, so runs repeat), for kernels
 * without sch_netem. */
static int c_loss(int argc, char *const argv[])
{
	if (positional(argc, argv, 0) != 3)
		return err_set("expected loss NODE IFACE PERCENT%%|off");
	if (argv[1][0] != '$' && lab_role_parse(argv[1]) < 0)
		return err_set("'%s' is not a lab node", argv[1]);
	if (argv[3][0] != '$' && strcmp(argv[3], "off") != 0) {
		char *end;
		long p = strtol(argv[3], &end, 10);

		if (end == argv[3] || strcmp(end, "%") != 0 || p <= 0 || p > 100 || 100 % p != 0)
			return err_set("'%s': expected a percentage that divides 100 (10%%, 20%%, 25%%, 50%%) or off",
				       argv[3]);
	}
	return check_opts(argc, argv, NULL, 0);
}

static int r_loss(struct runner *rn, const struct sc_step *st, const struct args *a)
{
	int role = lab_role_parse(a->pos[1]), rc, off = strcmp(a->pos[3], "off") == 0;
	char file[96], text[1024];
	long pct = strtol(a->pos[3], NULL, 10), every = pct > 0 ? 100 / pct : 0;

	(void)st;
	if (role < 0)
		return err_set("'%s' is not a lab node", a->pos[1]);
	if (strchr(a->pos[2], '"') || strlen(a->pos[2]) >= 16)
		return err_set("'%s' is not an interface name", a->pos[2]);
	if (str_fmt(file, sizeof(file), "%s-loss-%s.nft", a->pos[1], a->pos[2]) < 0)
		return -1;
	if (off)
		rc = str_fmt(text, sizeof(text), "delete table inet ftfw_loss\n");
	else
		rc = str_fmt(text, sizeof(text),
			     "table inet ftfw_loss {\n"
			     "\tchain out {\n\t\ttype filter hook output priority -10; policy accept;\n"
			     "\t\toifname \"%s\" numgen inc mod %ld == 0 counter drop\n\t}\n"
			     "\tchain in {\n\t\ttype filter hook input priority -10; policy accept;\n"
			     "\t\tiifname \"%s\" numgen inc mod %ld == 0 counter drop\n\t}\n"
			     "}\n", a->pos[2], every, a->pos[2], every);
	if (rc < 0)
		return -1;
	log_progress("loss %s %s %s", a->pos[1], a->pos[2], a->pos[3]);
	if (node_nft_load(lab_node(rn->lab, (enum lab_role)role), file, text, 5000) < 0)
		return err_prefix("loss");
	return 0;
}


/* counter FW NAME [min=N] [max=N] [within=D]: an nft counter of the ruleset */
static int c_counter(int argc, char *const argv[])
{
	static const char *const ok[] = { "min", "max", NULL };
	int i;

	if (positional(argc, argv, 0) != 2)
		return err_set("expected counter fw1|fw2 NAME [min=N] [max=N]");
	if (firewall_word(argv[1]) < 0)
		return -1;
	if (!strstr(" " FW_COUNTERS " ", argv[2]) || strchr(argv[2], ' '))
		return err_set("'%s': the ruleset's counters are %s", argv[2], FW_COUNTERS);
	for (i = 3; i < argc; i++)
		if ((strncmp(argv[i], "min=", 4) == 0 || strncmp(argv[i], "max=", 4) == 0) &&
		    argv[i][4] != '$' && parse_count(argv[i] + 4, NULL) < 0)
			return err_prefix("%s", argv[i]);
	return check_opts(argc, argv, ok, 0);
}

static int r_counter(struct runner *rn, const struct sc_step *st, const struct args *a)
{
	struct firewall *fw = fw_arg(rn, a->pos[1]);
	uint64_t packets = 0, bytes = 0, lo = 0, hi = UINT64_MAX;
	int64_t deadline = now_ms() + within(a, DEFAULT_WITHIN_MS);
	char detail[256];
	int ok;

	if (!fw)
		return -1;
	if ((opt_get(a, "min") && parse_count(opt_get(a, "min"), &lo) < 0) ||
	    (opt_get(a, "max") && parse_count(opt_get(a, "max"), &hi) < 0))
		return -1;
	for (;;) {
		if (counter_read(node_fd(firewall_node(fw)), "ftfw", a->pos[2], &packets, &bytes) < 0)
			return err_prefix("%s: counter %s", a->pos[1], a->pos[2]);
		ok = packets >= lo && packets <= hi;
		if (ok || now_ms() > deadline || interrupted)
			break;
		sleep_ms(20);
	}
	snprintf(detail, sizeof(detail), "expected %s counter %s packets in [%llu, %llu], found %llu (%llu bytes)",
		 a->pos[1], a->pos[2], (unsigned long long)lo, (unsigned long long)hi,
		 (unsigned long long)packets, (unsigned long long)bytes);
	verdict(rn, st, a, ok, ok ? NULL : detail);
	return 0;
}

/* inject FW src= dst= sport= dport= [helper=] [snat=|dnat=] ...: a conntrack
 * created through ctnetlink the way conntrackd commits one (a lab action). */
static int c_inject(int argc, char *const argv[])
{
	struct inject_spec spec;
	char buf[512];
	int i;

	if (argc < 2)
		return err_set("expected inject fw1|fw2 src=ADDR dst=ADDR sport=N dport=N [helper=NAME] [snat=|dnat=ADDR[:PORT]]");
	if (firewall_word(argv[1]) < 0)
		return -1;
	for (i = 2; i < argc; i++)
		if (strchr(argv[i], '$'))
			return 0; /* values known at run time */
	return inject_spec_parse(argc - 2, argv + 2, &spec, buf, sizeof(buf));
}

static int r_inject(struct runner *rn, const struct sc_step *st, const struct args *a)
{
	struct firewall *fw = fw_arg(rn, a->pos[1]);
	struct inject_spec spec;
	char buf[512];

	(void)st;
	if (!fw || inject_spec_parse(a->n - 2, a->pos + 2, &spec, buf, sizeof(buf)) < 0)
		return -1;
	log_progress("%s: inject conntrack %s", a->pos[1], a->text);
	if (inject_conntrack(node_fd(firewall_node(fw)), &spec) < 0)
		return err_prefix("%s: inject", a->pos[1]);
	return 0;
}

/* inject-expect FW port=N src= dst= sport= dport= [helper=]: check that an
 * expectation can be created through ctnetlink on that master. */
static int c_inject_expect(int argc, char *const argv[])
{
	if (argc < 3)
		return err_set("expected inject-expect fw1|fw2 port=N src=ADDR dst=ADDR sport=N dport=N [helper=NAME]");
	if (firewall_word(argv[1]) < 0)
		return -1;
	if (strncmp(argv[2], "port=", 5) != 0)
		return err_set("'%s': expected port=N first", argv[2]);
	return 0;
}

static int r_inject_expect(struct runner *rn, const struct sc_step *st, const struct args *a)
{
	struct firewall *fw = fw_arg(rn, a->pos[1]);
	struct inject_spec spec;
	const char *helper = NULL;
	char buf[512], *words[SC_MAX_ARGS];
	uint64_t port;
	int i, n = 0, ok;

	if (!fw)
		return -1;
	if (parse_count(a->pos[2] + 5, &port) < 0 || port == 0 || port > 65535)
		return err_set("'%s': expected a port", a->pos[2]);
	for (i = 3; i < a->n; i++) {
		if (strncmp(a->pos[i], "helper=", 7) == 0)
			helper = a->pos[i] + 7;
		words[n++] = a->pos[i];
	}
	if (inject_spec_parse(n, words, &spec, buf, sizeof(buf)) < 0)
		return -1;
	ok = inject_expectation(node_fd(firewall_node(fw)), &spec, (uint16_t)port, helper) == 0;
	verdict(rn, st, a, ok, ok ? NULL : err_get());
	return 0;
}

/* pause D: let time pass (between two commands, not to wait for state) */
static int c_pause(int argc, char *const argv[])
{
	int ms;

	if (argc != 2)
		return err_set("expected pause DURATION");
	return argv[1][0] == '$' ? 0 : parse_duration(argv[1], &ms);
}

static int r_pause(struct runner *rn, const struct sc_step *st, const struct args *a)
{
	int ms;
	int64_t end;

	(void)rn;
	(void)st;
	if (parse_duration(a->pos[1], &ms) < 0)
		return -1;
	end = now_ms() + ms;
	while (now_ms() < end && !interrupted)
		sleep_ms(10);
	return 0;
}

/* log-has NODE FILE "TEXT": a daemon's log in the results says TEXT */
static int c_log_has(int argc, char *const argv[])
{
	int n = positional(argc, argv, 0);

	if (n != 2 && !(n == 3 && strcmp(argv[3], "absent") == 0))
		return err_set("expected log-has FILE-IN-RESULTS \"TEXT\" [absent] (e.g. fw2-conntrackd.log)");
	if (strchr(argv[1], '/') || argv[1][0] == '.')
		return err_set("'%s': a file name in the run's results folder", argv[1]);
	return check_opts(argc, argv, NULL, 0);
}

static int r_log_has(struct runner *rn, const struct sc_step *st, const struct args *a)
{
	char path[768], detail[1024];
	int want = a->n < 4, found;

	if (str_fmt(path, sizeof(path), "%s/%s", run_dir(rn->run), a->pos[1]) < 0)
		return -1;
	found = file_wait(path, 0, a->pos[2], want, within(a, DEFAULT_WITHIN_MS)) ? want : !want;
	snprintf(detail, sizeof(detail), "expected %s to %s \"%s\"; it %s", a->pos[1],
		 want ? "contain" : "not contain", a->pos[2], found ? "does" : "does not");
	verdict(rn, st, a, found == want, found == want ? NULL : detail);
	return 0;
}

/* note "TEXT" */
static int c_note(int argc, char *const argv[])
{
	(void)argv;
	return argc == 2 ? 0 : err_set("expected note \"TEXT\"");
}

static int r_note(struct runner *rn, const struct sc_step *st, const struct args *a)
{
	(void)st;
	report_note(rn->report, "%s", a->pos[1]);
	return 0;
}

/*
 * The words of a program's command line (exec, spawn), from argv[first]:
 * every one is the program's except options of the step (allowed: NULL
 * terminated, plus within= and fault=). A word like key=value of another
 * key would be taken as an option, so it is refused.
 */
static int check_program_words(int argc, char *const argv[], int first, const char *const allowed[])
{
	int i, j;

	if (argv[1][0] != '$' && lab_role_parse(argv[1]) < 0)
		return err_set("'%s' is not a lab node (client, fw1, fw2, server, lan, wan)", argv[1]);
	for (i = first; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');
		int ok = 0;

		if (!looks_like_opt(argv[i]))
			continue;
		ok = is_common_word(argv[i]);
		for (j = 0; allowed && allowed[j] && !ok; j++)
			ok = strlen(allowed[j]) == (size_t)(eq - argv[i]) && strncmp(argv[i], allowed[j], strlen(allowed[j])) == 0;
		if (!ok)
			return err_set("'%s' would be taken as a step option (only %s%swithin=, fault= and evidence= are)", argv[i],
				       allowed ? allowed[0] : "", allowed ? "=, " : "");
		if (!eq[1])
			return err_set("'%s': an empty value", argv[i]);
		if (strncmp(argv[i], "within=", 7) == 0 && eq[1] != '$' && parse_duration(eq + 1, &(int){ 0 }) < 0)
			return err_prefix("%s", argv[i]);
	}
	return 0;
}

/* exec NODE PROGRAM [ARG...]: a program in a lab node, to completion (check: exit 0) */
static int c_exec(int argc, char *const argv[])
{
	if (argc < 3)
		return err_set("expected exec NODE PROGRAM [ARG...] (its output goes to exec-L<line>.log)");
	return check_program_words(argc, argv, 3, NULL);
}

static int r_exec(struct runner *rn, const struct sc_step *st, const struct args *a)
{
	int role = lab_role_parse(a->pos[1]), i, n = 0, rc;
	char *argv[SC_MAX_ARGS + 1], *out = NULL, path[768], detail[1024];

	if (role < 0)
		return err_set("'%s' is not a lab node", a->pos[1]);
	/* every word after the node is the command's, options included (but within=) */
	for (i = 2; i < a->n; i++)
		argv[n++] = a->pos[i];
	for (i = 0; i < a->nopt; i++)
		if (!is_common_opt(a->opt[i].key))
			return err_set("exec: an argument of the form %s=%s is taken as a step option; not supported", a->opt[i].key,
				       a->opt[i].val);
	argv[n] = NULL;
	if (str_fmt(path, sizeof(path), "%s/exec-L%d.log", run_dir(rn->run), st->line) < 0)
		return -1;
	log_progress("exec %s: %s", a->pos[1], a->pos[2]);
	rc = node_exec(lab_node(rn->lab, (enum lab_role)role), argv, within(a, 60000), &out);
	if (out && file_write(path, out, strlen(out), 0644) < 0)
		log_progress("exec: %s", err_get());
	if (rc < 0)
		snprintf(detail, sizeof(detail), "%s", err_get());
	else
		snprintf(detail, sizeof(detail), "expected exit 0, found %d: %.800s", rc,
			 out ? out : "");
	err_clear();
	verdict(rn, st, a, rc == 0, rc == 0 ? NULL : detail);
	free(out);
	return 0;
}

/*
 * spawn NODE NAME PROGRAM [ARG...] [ready="TEXT"] [within=D]: a program
 * in the background on a lab node (a listener, a load generator, a
 * capture of one's own), tracked by the run and stopped at teardown like
 * the lab's daemons. Its output goes to spawn-NAME.log.
 * check: it is still running (with ready=, once its output shows TEXT).
 */
static int c_spawn(int argc, char *const argv[])
{
	static const char *const ok[] = { "ready", NULL };

	if (argc < 4)
		return err_set("expected spawn NODE NAME PROGRAM [ARG...] [ready=\"TEXT\"] [within=D]");
	if (!scenario_valid_name(argv[2]))
		return err_set("'%s': a name is letters, digits, '-' and '_' (at most 31)", argv[2]);
	return check_program_words(argc, argv, 3, ok);
}

static int r_spawn(struct runner *rn, const struct sc_step *st, const struct args *a)
{
	int role = lab_role_parse(a->pos[1]), i, n = 0, status = 0, up;
	char *argv[SC_MAX_ARGS + 1], path[768], detail[1024] = "";
	const char *ready = opt_get(a, "ready");
	int64_t deadline = now_ms() + within(a, DEFAULT_WITHIN_MS);
	struct node *node;
	pid_t pid;

	if (role < 0)
		return err_set("'%s' is not a lab node", a->pos[1]);
	if (a->n < 4)
		return err_set("spawn %s %s: no program", a->pos[1], a->pos[2]);
	node = lab_node(rn->lab, (enum lab_role)role);
	for (i = 3; i < a->n; i++)
		argv[n++] = a->pos[i];
	argv[n] = NULL;
	if (str_fmt(path, sizeof(path), "%s/spawn-%s.log", run_dir(rn->run), a->pos[2]) < 0)
		return -1;
	if (access(path, F_OK) == 0)
		return err_set("spawn: '%s' already started", a->pos[2]);
	log_progress("spawn %s %s: %s", a->pos[1], a->pos[2], argv[0]);
	pid = node_spawn(node, argv, path);
	if (pid < 0)
		return err_prefix("spawn %s", a->pos[2]);
	for (;;) {
		int seen = ready && file_has(path, 0, ready);

		up = node_alive(node, pid, &status);
		if (!up || !ready || seen || now_ms() > deadline)
			break;
		sleep_ms(10);
	}
	if (!up) {
		char tail[704];

		snprintf(detail, sizeof(detail), "expected %s to keep running; it ended (%s %d): %s", argv[0],
			 WIFEXITED(status) ? "exit" : "signal", WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
			 file_tail(path, 0, 700, tail, sizeof(tail)));
	} else if (ready && now_ms() > deadline) {
		snprintf(detail, sizeof(detail), "expected %s to print \"%s\" within %d ms; see spawn-%s.log", argv[0],
			 ready, within(a, DEFAULT_WITHIN_MS), a->pos[2]);
		up = 0;
	}
	verdict(rn, st, a, up, up ? NULL : detail);
	return 0;
}

/* ---- replays ---- */

static int find_replay(struct runner *rn, const char *name)
{
	int i;

	for (i = 0; i < rn->nreplays; i++)
		if (strcmp(rn->replays[i].name, name) == 0)
			return i;
	return -1;
}

/* The firewalls' state, as report notes: a firewall's kernel or conntrackd cache. */
static int show_state(struct runner *rn, int k, enum ct_source src)
{
	static const enum ct_kind kinds[] = { CT_KIND_CONNTRACK, CT_KIND_EXPECT };
	const char *fw = k ? "fw2" : "fw1";
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(kinds); i++) {
		struct ct_list l = { 0 };
		char line[1024];
		struct fetch_ctx f = { rn->fw[k], src, kinds[i] };

		if (fetch(&f, &l) < 0) {
			ct_list_free(&l);
			return err_prefix("%s %s %s", fw, ct_source_name(src), ct_kind_name(kinds[i]));
		}
		report_note(rn->report, "%s %s %s: %zu", fw, ct_source_name(src), ct_kind_name(kinds[i]), l.n);
		for (j = 0; j < l.n; j++) {
			ct_record_format(&l.v[j], line, sizeof(line));
			report_note(rn->report, "  %s", line);
		}
		ct_list_free(&l);
	}
	return 0;
}

/* show-state [fw1|fw2]: both firewalls' kernel tables, and the backup's external cache */
static int c_show_state(int argc, char *const argv[])
{
	if (positional(argc, argv, 0) > 1)
		return err_set("expected show-state [fw1|fw2]");
	if (argc > 1 && argv[1][0] != '$' && v_firewall(argv[1]) < 0)
		return -1;
	return check_opts(argc, argv, NULL, 0);
}

static int show_pair(struct runner *rn, int only)
{
	int k;

	for (k = 0; k < 2; k++) {
		if (only >= 0 && k != only)
			continue;
		if (show_state(rn, k, CT_SRC_KERNEL) < 0)
			return -1;
		if (k != rn->active && show_state(rn, k, CT_SRC_EXTERNAL) < 0)
			return -1;
	}
	return 0;
}

static int r_show_state(struct runner *rn, const struct sc_step *st, const struct args *a)
{
	(void)st;
	return show_pair(rn, a->n > 1 ? lab_role_parse(a->pos[1]) == ROLE_FW2 : -1);
}

/*
 * Is every expectation and established TCP conntrack of the active
 * firewall's kernel in the standby's external cache? (What a live
 * scenario checks with `expect fw2 external ...` before it fails over.)
 * 1, 0, or -1 with err set; *what names the first one missing.
 */
static int standby_in_sync(struct runner *rn, char *what, size_t wlen)
{
	static const enum ct_kind kinds[] = { CT_KIND_EXPECT, CT_KIND_CONNTRACK };
	static const char *const keys[2][4] = { { "dport", "master-sport", "master-dport", NULL },
						{ "src", "sport", "dst", "dport" } };
	size_t i, j, k, m;
	int rc = 1;

	for (i = 0; i < ARRAY_SIZE(kinds) && rc == 1; i++) {
		struct ct_list act = { 0 }, ext = { 0 };
		struct fetch_ctx fa = { rn->fw[rn->active], CT_SRC_KERNEL, kinds[i] };
		struct fetch_ctx fe = { rn->fw[!rn->active], CT_SRC_EXTERNAL, kinds[i] };

		if (fetch(&fa, &act) < 0 || fetch(&fe, &ext) < 0) {
			rc = -1;
		} else {
			for (j = 0; j < act.n && rc == 1; j++) {
				const struct ct_record *a = &act.v[j];
				const char *proto = ct_record_get(a, "proto"), *state = ct_record_get(a, "state");

				if (!proto || strcmp(proto, "tcp") != 0 ||
				    (kinds[i] == CT_KIND_CONNTRACK && (!state || strcmp(state, "ESTABLISHED") != 0)))
					continue;
				for (k = 0; k < ext.n; k++) {
					for (m = 0; m < 4 && keys[i][m]; m++) {
						const char *x = ct_record_get(a, keys[i][m]), *y = ct_record_get(&ext.v[k], keys[i][m]);

						if (!x || !y || strcmp(x, y) != 0)
							break;
					}
					if (m == 4 || !keys[i][m])
						break;
				}
				if (k == ext.n) {
					ct_record_format(a, what, wlen);
					rc = 0;
				}
			}
		}
		ct_list_free(&act);
		ct_list_free(&ext);
	}
	return rc;
}

#define SYNC_WAIT_MS 3000

/* failover-at: the engine calls back right before the packet. */
/* For a replay: the packets both firewalls' rulesets have dropped so far
 * (their "dropped" counters), -1 when a counter cannot be read. */
static int64_t replay_drops_cb(void *ctx)
{
	struct runner *rn = ctx;
	uint64_t sum = 0;
	int k;

	for (k = 0; k < 2; k++) {
		uint64_t packets = 0, bytes = 0;

		if (!rn->fw[k])
			continue;
		if (counter_read(node_fd(firewall_node(rn->fw[k])), "ftfw", "dropped", &packets, &bytes) < 0) {
			err_clear();
			return -1;
		}
		sum += packets;
	}
	return (int64_t)sum;
}

static int replay_failover_cb(void *ctx, uint64_t index)
{
	struct runner *rn = ctx;
	int show = rn->replays[rn->replaying].show;

	int64_t t0 = now_ms();
	char missing[512] = "";
	int sync;

	/* As a live scenario does: the standby has the state before the switch. */
	while ((sync = standby_in_sync(rn, missing, sizeof(missing))) == 0 && now_ms() - t0 < SYNC_WAIT_MS &&
	       !interrupted)
		sleep_ms(10);
	if (sync < 0)
		return -1;
	if (!sync)
		report_note(rn->report, "replay %s: the standby has not synced within %d ms: %s; failing over anyway",
			    rn->replays[rn->replaying].name, SYNC_WAIT_MS, missing);
	report_note(rn->report, "replay %s: failover before packet %llu (standby in sync after %lld ms)%s",
		    rn->replays[rn->replaying].name, (unsigned long long)index, (long long)(now_ms() - t0),
		    show ? "; the firewalls' state:" : "");
	if (show && show_pair(rn, -1) < 0)
		return -1;
	if (do_failover(rn, NULL) < 0)
		return -1;
	if (!show)
		return 0;
	report_note(rn->report, "after the failover:");
	return show_state(rn, rn->active, CT_SRC_KERNEL);
}

/* What the replay learned, as variables: $NAME.next, $NAME.delivered, ...,
 * $NAME.ctl.sport, $NAME.annK.addr/.port (as received), $NAME.dataK.sport/.dport
 * (the connecting side's tuple). */
static void replay_vars(struct runner *rn, const char *name, const struct replay *r)
{
	struct replay_stats st;
	struct replay_flow_info fi;
	struct replay_ann_info ai;
	char var[64];
	size_t i;

	replay_stats(r, &st);
	snprintf(var, sizeof(var), "%s.next", name);
	set_var(rn, var, "%llu", (unsigned long long)replay_next(r));
	snprintf(var, sizeof(var), "%s.delivered", name);
	set_var(rn, var, "%llu", (unsigned long long)st.delivered);
	snprintf(var, sizeof(var), "%s.dropped", name);
	set_var(rn, var, "%llu", (unsigned long long)st.dropped);
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
			set_var(rn, var, "%u", self->port);
			snprintf(var, sizeof(var), "%s.data%d.dport", name, fi.nth);
			set_var(rn, var, "%u", peer->port);
		} else if (fi.session == 0) {
			snprintf(var, sizeof(var), "%s.ctl.sport", name);
			set_var(rn, var, "%u", self->port);
		}
	}
	for (i = 0; i < replay_ann_count(r); i++) {
		const struct ftp_endpoint *e;

		if (replay_ann(r, i, &ai) < 0)
			continue;
		e = ai.received_known ? &ai.received : ai.sent_known ? &ai.sent : NULL;
		if (!e)
			continue;
		snprintf(var, sizeof(var), "%s.ann%zu.port", name, i + 1);
		set_var(rn, var, "%u", e->port);
		snprintf(var, sizeof(var), "%s.ann%zu.addr", name, i + 1);
		set_var(rn, var, "%s", e->addr[0] ? e->addr : "(peer)");
	}
}

/* The session set's findings, once, as report notes. */
static void replay_notes(struct runner *rn, const char *name, const struct replay *r)
{
	const struct session_set *ss = replay_sessions(r);
	size_t i, j;

	for (i = 0; i < session_count(ss); i++) {
		const struct session *se = session_get(ss, i);
		char c[SESSION_PEER_STRLEN], s[SESSION_PEER_STRLEN];

		report_note(rn->report, "replay %s: session %zu %s -> %s, %llu packets, %llu commands, %zu data endpoints announced",
			    name, i + 1, session_peer_str(&se->ctl.client, c, sizeof(c)),
			    session_peer_str(&se->ctl.server, s, sizeof(s)), (unsigned long long)se->ctl.packets,
			    (unsigned long long)se->commands, se->nann);
		for (j = 0; j < se->nnotes; j++)
			report_note(rn->report, "replay %s: %s: %s", name,
				    se->notes[j].blocking ? "cannot replay as captured" : "note", se->notes[j].text);
	}
}

/* replay NAME FILE [until=] [failover-at=] [timing=] [scale=] [within=D],
 * replay-continue NAME [until=] [failover-at=] [within=D] */
static int c_replay(int argc, char *const argv[])
{
	static const char *const ok[] = { "until", "failover-at", "timing", "scale", "show-state", NULL };
	static const char *const ok_cont[] = { "until", "failover-at", "show-state", NULL };
	int cont = strcmp(argv[0], "replay-continue") == 0;

	if (positional(argc, argv, 0) != (cont ? 1 : 2))
		return err_set(cont ? "expected replay-continue NAME [until=N|EVENT] [failover-at=N|EVENT] [within=D]"
				    : "expected replay NAME FILE [until=N|EVENT] [failover-at=N|EVENT] "
				      "[timing=lockstep|capture] [scale=F] [within=D]");
	return check_opts(argc, argv, cont ? ok_cont : ok, 0);
}

static int r_replay(struct runner *rn, const struct sc_step *st, const struct args *a)
{
	int cont = strcmp(a->pos[0], "replay-continue") == 0, idx = find_replay(rn, a->pos[1]);
	const char *v;
	struct replay *r;
	struct replay_stats s0, s1;
	uint64_t until = 0, first;
	int rc;

	(void)st;
	if (!cont) {
		struct replay_options o;
		char log[600];
		int t;

		if (idx >= 0)
			return err_set("replay '%s' already started (replay-continue goes on with it)", a->pos[1]);
		if (rn->nreplays >= MAX_REPLAYS)
			return err_set("more than %d replays", MAX_REPLAYS);
		replay_options_default(&o);
		if ((v = opt_get(a, "timing"))) {
			if ((t = replay_timing_parse(v)) < 0)
				return err_set("timing=%s: expected lockstep or capture", v);
			o.timing = (enum replay_timing)t;
		}
		if ((v = opt_get(a, "scale")) && v_scale(v) < 0)
			return err_prefix("scale=%s", v);
		if (v)
			o.scale = strtod(v, NULL);
		o.deadline_ms = within(a, REPLAY_DEADLINE_MS);
		o.nat_hint = rn->lo.fw.nat != NAT_OFF;
		o.before = replay_failover_cb;
		o.drops = replay_drops_cb;
		o.ctx = rn;
		if (str_fmt(log, sizeof(log), "%s/replay-%s.log", run_dir(rn->run), a->pos[1]) < 0)
			return -1;
		o.log_path = log;
		log_progress("replay %s: %s", a->pos[1], a->pos[2]);
		r = replay_open(a->pos[2], rn->lab, &o);
		if (!r)
			return -1;
		idx = rn->nreplays++;
		str_copy(rn->replays[idx].name, a->pos[1], sizeof(rn->replays[0].name));
		rn->replays[idx].r = r;
		replay_notes(rn, a->pos[1], r);
	} else {
		if (idx < 0)
			return err_set("no replay named '%s' (start it with replay)", a->pos[1]);
		r = rn->replays[idx].r;
		if (opt_get(a, "within"))
			replay_set_deadline(r, within(a, REPLAY_DEADLINE_MS));
	}
	if ((v = opt_get(a, "show-state")))
		rn->replays[idx].show = strcmp(v, "on") == 0;
	rn->replaying = idx;
	first = replay_next(r);
	if ((v = opt_get(a, "until"))) {
		if (replay_locate(r, v, &until) < 0)
			return err_prefix("until=%s", v);
		if (until + 1 < first)
			return err_set("until=%s: packet %llu, but replay %s is at packet %llu already", v,
				       (unsigned long long)until, a->pos[1], (unsigned long long)first);
	} else {
		until = replay_count(r);
	}
	replay_set_before(r, 0);
	if ((v = opt_get(a, "failover-at"))) {
		uint64_t at;

		if (replay_locate(r, v, &at) < 0)
			return err_prefix("failover-at=%s", v);
		/* a number N: before packet N; an event: where it says */
		if (!replay_is_number(v))
			at++;
		if (at < first || at > until)
			return err_set("failover-at=%s: packet %llu is not in this step's packets %llu-%llu", v,
				       (unsigned long long)at, (unsigned long long)first, (unsigned long long)until);
		replay_set_before(r, at);
	}
	replay_stats(r, &s0);
	if (until < first) {
		log_progress("replay %s: nothing to replay before packet %llu", a->pos[1], (unsigned long long)first);
		replay_vars(rn, a->pos[1], r);
		return 0;
	}
	rc = replay_run(r, until);
	replay_stats(r, &s1);
	report_note(rn->report,
		    "replay %s: packets %llu-%llu of %llu: %llu replayed, %llu delivered (%llu changed, %llu out of sequence), %llu dropped, %llu skipped; %.0f packets/s",
		    a->pos[1], (unsigned long long)first, (unsigned long long)(replay_next(r) - 1),
		    (unsigned long long)replay_count(r), (unsigned long long)(s1.replayed - s0.replayed),
		    (unsigned long long)(s1.delivered - s0.delivered), (unsigned long long)(s1.changed - s0.changed),
		    (unsigned long long)(s1.desync - s0.desync), (unsigned long long)(s1.dropped - s0.dropped),
		    (unsigned long long)(s1.skipped - s0.skipped), s1.pps);
	report_note(rn->report, "replay %s: the endpoints' own stacks were kept from %llu replayed packets, %llu RST/ICMP errors of their own held back (lab totals)",
		    a->pos[1], (unsigned long long)s1.held, (unsigned long long)s1.quieted);
	replay_vars(rn, a->pos[1], r);
	return rc;
}

/* What replay-verdict can claim; per-packet ones hold for one packet
 * (packet=) or for every replayed packet of the scope. */
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

static int claim_parse(const char *s)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(claims); i++)
		if (strcmp(s, claims[i]) == 0)
			return (int)i;
	return -1;
}

static int c_replay_verdict(int argc, char *const argv[])
{
	static const char *const ok[] = { "packet", "flow", "fields", "delivered", "dropped", "skipped",
					   "out-of-sequence", "changed", NULL };
	int cl, i, counts = 0;

	if (positional(argc, argv, 0) != 2)
		return err_set("expected replay-verdict NAME all-delivered|all-dropped|each|counts|delivered|dropped|"
			       "changed|unchanged|in-sequence|out-of-sequence|skipped [packet=N|THING[:K]] "
			       "[flow=control|data:K] [fields=address,port,payload,sequence]");
	for (i = 2; i < argc && looks_like_opt(argv[i]); i++)
		;
	cl = claim_parse(argv[i]);
	if (cl < 0)
		return err_set("'%s' is not a verdict claim", argv[i]);
	for (i = 2; i < argc; i++) {
		if (strncmp(argv[i], "packet=", 7) == 0 && (cl == CL_ALL_DELIVERED || cl == CL_ALL_DROPPED ||
							    cl == CL_EACH || cl == CL_COUNTS))
			return err_set("packet= goes with a one-packet claim, not %s", claims[cl]);
		if (strncmp(argv[i], "fields=", 7) == 0 && cl != CL_CHANGED)
			return err_set("fields= goes with changed");
		if (strncmp(argv[i], "delivered=", 10) == 0 || strncmp(argv[i], "dropped=", 8) == 0 ||
		    strncmp(argv[i], "skipped=", 8) == 0 || strncmp(argv[i], "changed=", 8) == 0 ||
		    strncmp(argv[i], "out-of-sequence=", 16) == 0) {
			if (cl != CL_COUNTS)
				return err_set("'%s' goes with counts", argv[i]);
			counts++;
		}
	}
	if (cl == CL_COUNTS && !counts)
		return err_set("counts: give delivered=N, dropped=N, skipped=N, changed=N or out-of-sequence=N");
	if (cl == CL_SKIPPED) {
		for (i = 2; i < argc; i++)
			if (strncmp(argv[i], "packet=", 7) == 0)
				break;
		if (i == argc)
			return err_set("skipped: name the packet (packet=N)");
	}
	return check_opts(argc, argv, ok, 0);
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

static int r_replay_verdict(struct runner *rn, const struct sc_step *st, const struct args *a)
{
	int idx = find_replay(rn, a->pos[1]), cl = claim_parse(a->pos[2]), flow = -1, held = 1, bad = 0;
	char detail[4096] = "", line[512];
	size_t dl = 0;
	unsigned fields = 0;
	uint64_t i, lo = 1, hi, seen = 0;
	const struct replay_pkt *p;
	struct replay *r;
	const char *v;

	if (idx < 0)
		return err_set("no replay named '%s'", a->pos[1]);
	if (cl < 0)
		return err_set("'%s' is not a verdict claim", a->pos[2]);
	r = rn->replays[idx].r;
	hi = replay_next(r) - 1;
	if ((v = opt_get(a, "flow")) && (flow = replay_flow_find(r, v)) < 0)
		return err_prefix("flow=%s", v);
	if ((v = opt_get(a, "fields")) && replay_changed_parse(v, &fields) < 0)
		return err_prefix("fields=%s", v);
	if ((v = opt_get(a, "packet"))) {
		uint64_t n;

		if (replay_select(r, v, &n) < 0) {
			/* the capture has no such thing: the claim about it fails */
			snprintf(detail, sizeof(detail), "%s", err_get());
			verdict(rn, st, a, 0, detail);
			return 0;
		}
		p = replay_result(r, n);
		if (p->verdict == RV_PENDING)
			snprintf(detail, sizeof(detail), "packet %llu has not been replayed yet (replay %s is at %llu)",
				 (unsigned long long)n, a->pos[1], (unsigned long long)replay_next(r));
		else if (!claim_holds((enum claim)cl, p, fields))
			snprintf(detail, sizeof(detail), "expected %s, found: %s", a->pos[2],
				 replay_pkt_str(r, n, line, sizeof(line)));
		else
			snprintf(detail, sizeof(detail), "%s", replay_pkt_str(r, n, line, sizeof(line)));
		held = p->verdict != RV_PENDING && claim_holds((enum claim)cl, p, fields);
		verdict(rn, st, a, held, detail);
		return 0;
	}
	if (cl == CL_COUNTS) {
		static const char *const keys[] = { "delivered", "dropped", "skipped", "changed", "out-of-sequence" };
		struct replay_stats s;
		uint64_t got[5], want;
		size_t k;

		replay_stats(r, &s);
		got[0] = s.delivered;
		got[1] = s.dropped;
		got[2] = s.skipped;
		got[3] = s.changed;
		got[4] = s.desync;
		for (k = 0; k < ARRAY_SIZE(keys); k++) {
			if (!(v = opt_get(a, keys[k])))
				continue;
			if (parse_count(v, &want) < 0)
				return err_prefix("%s=%s", keys[k], v);
			if (got[k] != want)
				held = 0;
			if (dl < sizeof(detail))
				dl += (size_t)snprintf(detail + dl, sizeof(detail) - dl, "%sexpected %s=%s, found %llu",
						       dl ? "; " : "", keys[k], v, (unsigned long long)got[k]);
		}
		verdict(rn, st, a, held, detail);
		return 0;
	}
	for (i = lo; i <= hi; i++) {
		p = replay_result(r, i);
		if (p->verdict != RV_DELIVERED && p->verdict != RV_DROPPED)
			continue;
		if (flow >= 0 && p->flow != flow)
			continue;
		seen++;
		if (cl == CL_EACH) {
			char name[1300];

			replay_pkt_str(r, i, line, sizeof(line));
			snprintf(name, sizeof(name), "L%d %s %s", st->line, a->pos[1], line);
			record(rn, name, a, claim_holds(CL_EACH, p, 0), NULL, line, 0);
			continue;
		}
		if (claim_holds((enum claim)cl, p, fields))
			continue;
		held = 0;
		if (bad++ < 10 && dl < sizeof(detail))
			dl += (size_t)snprintf(detail + dl, sizeof(detail) - dl, "%s\n", replay_pkt_str(r, i, line, sizeof(line)));
	}
	if (cl == CL_EACH) {
		if (!seen)
			verdict(rn, st, a, 0, "no packet replayed");
		return 0;
	}
	if (!seen) {
		verdict(rn, st, a, 0, "expected replayed packets in the scope, found none");
		return 0;
	}
	if (bad > 10 && dl < sizeof(detail))
		dl += (size_t)snprintf(detail + dl, sizeof(detail) - dl, "... %d more\n", bad - 10);
	if (!held && dl < sizeof(detail))
		snprintf(detail + dl, sizeof(detail) - dl, "expected every one of %llu packets %s; %d %s not",
			 (unsigned long long)seen, claims[cl], bad, bad == 1 ? "is" : "are");
	verdict(rn, st, a, held, held ? NULL : detail);
	return 0;
}

/*
 * The lab's daemons (conntrackd and keepalived on each firewall, vsftpd)
 * must stay up unless a step ended them on purpose. One that dies on its
 * own is a fault of the lab, not a verdict: the run stops with exit 2 and
 * the daemon's last words. Returns 0, or -1 with err set.
 */
static int ended_on_purpose(const struct runner *rn, pid_t pid)
{
	int i;

	for (i = 0; i < rn->nended; i++)
		if (rn->ended[i] == pid)
			return 1;
	return 0;
}

struct watched {
	const char *role, *name;
	struct node *node;
	pid_t pid;
	const char *file; /* its output (the module that started it names it) */
};

static int daemons_check(struct runner *rn)
{
	struct watched d[5];
	int n = 0, i, k, status = 0;

	for (k = 0; k < 2; k++) {
		const char *role = k ? "fw2" : "fw1";

		if (!rn->fw[k])
			continue;
		d[n++] = (struct watched){ role, "conntrackd", firewall_node(rn->fw[k]),
					 syncd_pid(firewall_syncd(rn->fw[k])), syncd_console(firewall_syncd(rn->fw[k])) };
		d[n++] = (struct watched){ role, "keepalived", firewall_node(rn->fw[k]),
					 firewall_keepalived_pid(rn->fw[k]), firewall_keepalived_log(rn->fw[k]) };
	}
	if (rn->server)
		d[n++] = (struct watched){ "server", "vsftpd", lab_node(rn->lab, ROLE_SERVER), server_pid(rn->server),
					 server_console(rn->server) };
	for (i = 0; i < n; i++) {
		const char *base = strrchr(d[i].file, '/');
		char tail[304];

		if (d[i].pid <= 0 || ended_on_purpose(rn, d[i].pid) || node_alive(d[i].node, d[i].pid, &status))
			continue;
		file_tail(d[i].file, 0, 300, tail, sizeof(tail));
		err_set("%s: %s (pid %d) died (%s %d) and no step ended it: a fault of the lab, not a verdict. "
			"Its last words (%s): %s",
			d[i].role, d[i].name, (int)d[i].pid, WIFSIGNALED(status) ? "signal" : "exit",
			WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status), base ? base + 1 : d[i].file, tail);
		return -1;
	}
	return 0;
}

/* ---- the variables steps set (for the parse-time check) ---- */

/* name is "<prefix>.<rest>": returns rest, else NULL. */
static const char *after_prefix(const char *name, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(name, prefix, n) == 0 && name[n] == '.' ? name + n + 1 : NULL;
}

/* "ann12.addr" against "ann", ".addr": digits in between. */
static int numbered(const char *rest, const char *head, const char *tail)
{
	size_t h = strlen(head);
	const char *p = rest + h;

	if (strncmp(rest, head, h) != 0 || !isdigit((unsigned char)*p))
		return 0;
	while (isdigit((unsigned char)*p))
		p++;
	return strcmp(p, tail) == 0;
}

/* ftp NAME connect sets $NAME.sport; pasv, epsv, port and eprt $NAME.port and $NAME.addr. */
static int d_ftp(int argc, char *const argv[], const char *name)
{
	const char *rest = argc > 2 ? after_prefix(name, argv[1]) : NULL;
	int announce;

	if (!rest)
		return 0;
	announce = ftpc_mode_parse(argv[2]) >= 0 || argv[2][0] == '$';
	if (strcmp(rest, "sport") == 0)
		return strcmp(argv[2], "connect") == 0 || argv[2][0] == '$';
	return announce && (strcmp(rest, "port") == 0 || strcmp(rest, "addr") == 0);
}

/* failover, failback (and a replay's failover-at) set $failover_ms. */
static int d_failover(int argc, char *const argv[], const char *name)
{
	(void)argc;
	(void)argv;
	return strcmp(name, "failover_ms") == 0;
}

/* replay NAME: $NAME.next, .delivered, .dropped, .ctl.sport, .annK.addr/.port, .dataK.sport/.dport */
static int d_replay(int argc, char *const argv[], const char *name)
{
	const char *rest = argc > 1 ? after_prefix(name, argv[1]) : NULL;
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

static const struct step_def {
	const char *verb;
	int keep_terms;  /* key=value words are match terms, not options */
	int (*check)(int argc, char *const argv[]);
	int (*run)(struct runner *rn, const struct sc_step *st, const struct args *a);
	const char *usage, *help;
	int (*defines)(int argc, char *const argv[], const char *name); /* the variables it sets */
} steps[] = {
	{ "transfer", 0, c_transfer, r_transfer,
	  "transfer NAME get|put FILE [mode=pasv|epsv|port|eprt] [rate=SIZE] [size=SIZE] [timeout=S] [ip=4|6] [count=N]",
	  "start curl in the client namespace in the background (count=N: N at once, a group)", NULL },
	{ "wait-progress", 0, c_wait_progress, r_wait_progress, "wait-progress NAME SIZE [within=D]",
	  "check: transfer NAME has moved SIZE bytes and is still running", NULL },
	{ "transfer-done", 0, c_transfer_done, r_transfer_done, "transfer-done NAME [within=D]",
	  "check: curl exited 0 and the data's SHA-256 is right", NULL },
	{ "ftp", 0, c_ftp, r_ftp,
	  "ftp NAME connect [ip=4|6] | login|pasv|epsv|port|eprt|list|quit | retr FILE | stor NAME SIZE | cmd \"LINE\" [code=N]",
	  "check: one step of a scripted control connection (sets $NAME.sport, $NAME.port, $NAME.addr)", d_ftp },
	{ "expect", 1, c_expect, r_expect,
	  "expect fw1|fw2 kernel|internal|external ct|expect [present|absent|count=N] KEY=VAL|KEY!=VAL|KEY~ITEM... [within=D]",
	  "check: conntrack state on a firewall, polled until it holds or the deadline passes", NULL },
	{ "failover", 0, c_failover, r_failover, "failover [to=fw1|fw2]",
	  "move the active role with the lab's failover driver (sets $failover_ms)", d_failover },
	{ "failback", 0, c_failback, r_failback, "failback", "failover back to fw1 (its links restored first)",
	  d_failover },
	{ "link", 0, c_link, r_link, "link NODE IFACE up|down", "take a lab link down or up", NULL },
	{ "daemon", 0, c_daemon, r_daemon, "daemon fw1|fw2 conntrackd|keepalived kill|term|stop|cont|restart",
	  "signal a firewall's daemon (stop/cont freeze and thaw it; restart: conntrackd only)", NULL },
	{ "syncd", 0, c_syncd, r_syncd, "syncd fw1|fw2 commit|flush|resync|bulk|reset-timers|request-resync",
	  "one conntrackd client command (a manual resync, a planned switch's preparation)", NULL },
	{ "netem", 0, c_netem, r_netem,
	  "netem NODE IFACE off | [loss=P%] [delay=D] [reorder=P%] [duplicate=P%]",
	  "impair a lab link with tc netem (needs sch_netem in the kernel)", NULL },
	{ "loss", 0, c_loss, r_loss, "loss NODE IFACE PERCENT%|off",
	  "drop every (100/P)th packet on a link, each way (nftables, deterministic; no sch_netem needed)", NULL },
	{ "counter", 0, c_counter, r_counter, "counter fw1|fw2 NAME [min=N] [max=N] [within=D]",
	  "check: packets on a named counter of the ruleset (" FW_COUNTERS ")", NULL },
	{ "inject", 1, c_inject, r_inject,
	  "inject fw1|fw2 src=A dst=A sport=N dport=N [helper=ftp] [snat=A[:P]|dnat=A[:P]] [timeout=S]",
	  "create a conntrack through ctnetlink as conntrackd commits one", NULL },
	{ "inject-expect", 1, c_inject_expect, r_inject_expect,
	  "inject-expect fw1|fw2 port=N src=A dst=A sport=N dport=N [helper=ftp]",
	  "check: an expectation for dst:port can be created on that master through ctnetlink", NULL },
	{ "pause", 0, c_pause, r_pause, "pause DURATION", "let time pass (between commands; checks poll instead)", NULL },
	{ "log-has", 0, c_log_has, r_log_has, "log-has FILE \"TEXT\" [absent] [within=D]",
	  "check: a log in the run's results folder contains (or not) TEXT", NULL },
	{ "note", 0, c_note, r_note, "note \"TEXT\"", "a comment in the report", NULL },
	{ "replay", 0, c_replay, r_replay,
	  "replay NAME FILE [until=N|EVENT] [failover-at=N|EVENT] [show-state=on] [timing=lockstep|capture] [scale=F] [within=D]",
	  "replay an FTP capture through the pair, both ends played by the harness, up to packet N or an event "
	  "(before-THING[:K], after-THING[:K], end; THING: 227 229 port eprt announce data-syn data-mid data-end "
	  "login quit); failover-at=N fails over right before packet N (an event: where it says; show-state=on "
	  "notes both firewalls' state there); within= is each packet's deadline (300ms); sets $NAME.next, $NAME.ctl.sport, "
	  "$NAME.annK.addr/.port (as received), $NAME.dataK.sport/.dport", d_replay },
	{ "replay-continue", 0, c_replay, r_replay,
	  "replay-continue NAME [until=N|EVENT] [failover-at=N|EVENT] [show-state=on] [within=D]",
	  "go on with a replay from where it stopped", d_replay },
	{ "replay-verdict", 0, c_replay_verdict, r_replay_verdict,
	  "replay-verdict NAME all-delivered|all-dropped|each|counts|delivered|dropped|changed|unchanged|in-sequence|"
	  "out-of-sequence|skipped [packet=N|THING[:K]] [flow=control|data:K] [fields=address,port,payload,sequence] "
	  "[delivered=N] [dropped=N] [skipped=N] [changed=N] [out-of-sequence=N]",
	  "check: packets' verdicts (all-delivered: every replayed packet arrived in sequence; each: a TAP line per packet)", NULL },
	{ "exec", 0, c_exec, r_exec, "exec NODE PROGRAM [ARG...] [within=D]",
	  "check: run a program in a lab node to completion (exit 0); its output goes to exec-L<line>.log", NULL },
	{ "spawn", 0, c_spawn, r_spawn, "spawn NODE NAME PROGRAM [ARG...] [ready=\"TEXT\"] [within=D]",
	  "check: start a program in the background on a lab node (stopped at teardown; output in spawn-NAME.log), "
	  "running and, with ready=, printing TEXT", NULL },
	{ "show-state", 0, c_show_state, r_show_state, "show-state [fw1|fw2]",
	  "note the firewalls' kernel conntracks and expectations (and the backup's external cache) in the report", NULL },
};

static int verb_lookup(const char *verb)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(steps); i++)
		if (strcmp(steps[i].verb, verb) == 0)
			return (int)i;
	return -1;
}

static int verb_check(int verb, int argc, char *const argv[])
{
	return steps[verb].check(argc, argv);
}

/* A check's help says so first ("check: ..."). */
static int verb_is_check(int verb)
{
	return strncmp(steps[verb].help, "check:", 6) == 0;
}

static int verb_defines(int verb, int argc, char *const argv[], const char *name)
{
	return steps[verb].defines ? steps[verb].defines(argc, argv, name) : 0;
}

const struct sc_verbs runner_verbs = { verb_lookup, verb_check, builtin_static, verb_defines, verb_is_check };

void runner_print_steps(FILE *out)
{
	size_t i;

	fprintf(out, "Steps (any step may start with 'when KEY=VALUE... :'; checks take fault=ID [evidence=TEXT] and within=D):\n");
	for (i = 0; i < ARRAY_SIZE(steps); i++)
		fprintf(out, "  %s\n      %s\n", steps[i].usage, steps[i].help);
}

/* ---- set-up and teardown ---- */

static int setup(struct runner *rn)
{
	struct run *r = rn->run;
	struct capture_iface cif[16];
	char paths[16][512], evpath[512];
	const struct lab_iface *ifs;
	size_t nif, i;
	int k;

	log_progress("lab %s: building namespaces", run_id(r));
	rn->lab = lab_up(r, rn->lo.fw.family);
	if (!rn->lab)
		return -1;
	ifs = lab_ifaces(&nif);
	for (i = 0; i < nif && i < ARRAY_SIZE(cif); i++) {
		if (str_fmt(paths[i], sizeof(paths[i]), "%s/%s.pcap", run_dir(r), ifs[i].label) < 0)
			return -1;
		cif[i].netns = node_netns(lab_node(rn->lab, ifs[i].role));
		cif[i].ifname = ifs[i].ifname;
		cif[i].path = paths[i];
	}
	rn->capture = capture_start(cif, nif);
	if (!rn->capture)
		return err_prefix("capture");
	if (run_track_pid(r, capture_pid(rn->capture), "capture") < 0)
		return -1;
	for (k = 0; k < 2; k++) {
		enum lab_role role = k ? ROLE_FW2 : ROLE_FW1;

		if (str_fmt(evpath, sizeof(evpath), "%s/%s-events.log", run_dir(r), lab_role_name(role)) < 0)
			return -1;
		rn->events[k] = events_start(node_netns(lab_node(rn->lab, role)), evpath);
		if (!rn->events[k])
			return err_prefix("%s: events", lab_role_name(role));
		if (run_track_pid(r, events_pid(rn->events[k]), "events") < 0)
			return -1;
	}
	if (rn->lo.server) {
		log_progress("server: vsftpd with %d files", rn->sc->nfiles);
		rn->server = server_new(lab_node(rn->lab, ROLE_SERVER), rn->lo.fw.family, rn->lo.server_rate);
		for (k = 0; k < rn->sc->nfiles; k++)
			if (server_add_file(rn->server, rn->sc->files[k].name, rn->sc->files[k].size) < 0)
				return -1;
		if (server_start(rn->server) < 0)
			return -1;
	} else if (rn->sc->nfiles) {
		return err_set("'file' needs the server (lab server=on)");
	}
	log_progress("firewalls: nftables, conntrackd%s (NAT %s)",
		     rn->lo.fw.driver == FAILOVER_KEEPALIVED ? ", keepalived" : "", nat_mode_name(rn->lo.fw.nat));
	for (k = 0; k < 2; k++) {
		struct fw_options o = rn->lo.fw;

		/* With keepalived, fw-2's starts once fw-1 is master (below). */
		if (k && o.driver == FAILOVER_KEEPALIVED)
			o.driver = FAILOVER_DIRECT;
		rn->fw[k] = firewall_new(rn->lab, k ? ROLE_FW2 : ROLE_FW1, &o);
		if (!rn->fw[k])
			return -1;
	}
	if (rn->lo.fw.driver == FAILOVER_DIRECT) {
		if (lab_vips(rn->lab, ROLE_FW1, 1) < 0)
			return -1;
	} else {
		int64_t deadline = now_ms() + 10000;

		while (lab_has_vips(rn->lab, ROLE_FW1) != 1) {
			if (now_ms() > deadline)
				return err_set("keepalived: fw1 did not take the virtual IPs within 10 s");
			sleep_ms(10);
		}
		/*
		 * Only now fw-2's keepalived: started beside fw-1's, it became
		 * master for a moment when fw-1's first advertisement was late
		 * (seen in a soak), and that moment's commit made a later
		 * failover replace the control conntrack and its expectations.
		 * The steps begin once fw-2's notify hook has run for BACKUP.
		 */
		if (firewall_start_vrrp(rn->fw[1], &rn->lo.fw) < 0)
			return -1;
		if (!firewall_vrrp_wait(rn->fw[1], "BACKUP", 10000))
			return err_set("keepalived: fw2 did not settle as backup within 10 s (see fw2-keepalived.log)");
		if (lab_has_vips(rn->lab, ROLE_FW1) != 1)
			return err_set("keepalived: fw1 lost the virtual IPs while fw2 started (see fw1-keepalived.log)");
	}
	rn->active = 0;
	return 0;
}

static void teardown(struct runner *rn)
{
	int i;

	for (i = 0; i < rn->nsessions; i++)
		ftpc_free(rn->sessions[i].c);
	for (i = 0; i < rn->ntransfers; i++)
		transfer_free(rn->transfers[i]);
	for (i = 0; i < rn->nreplays; i++)
		replay_close(rn->replays[i].r);
	if (rn->opt->keep)
		return;
	for (i = 0; i < 2; i++)
		firewall_free(rn->fw[i]);
	server_free(rn->server);
	for (i = 0; i < 2; i++) {
		if (rn->events[i])
			run_untrack_pid(rn->run, events_pid(rn->events[i]));
		if (events_stop(rn->events[i]) < 0)
			log_progress("events: %s", err_get());
	}
	if (rn->capture)
		run_untrack_pid(rn->run, capture_pid(rn->capture));
	if (capture_stop(rn->capture) < 0)
		log_progress("capture: %s", err_get());
	lab_free(rn->lab);
}

/*
 * A step names a variable of a session that failed earlier ($c1.port after
 * c1 broke): skip it with the session's reason instead of erroring.
 * Returns 1 when skipped.
 */
static int void_session(struct runner *rn, const struct sc_step *st)
{
	struct args a;
	int i, j;

	for (i = 0; i < rn->nsessions; i++) {
		const struct ftp_conn *s = &rn->sessions[i];

		if (!s->failed[0])
			continue;
		for (j = 0; j < st->argc; j++) {
			const char *p = strstr(st->argv[j], s->name);

			if (p && p > st->argv[j] && (p[-1] == '$' || p[-1] == '{') && p[strlen(s->name)] == '.') {
				memset(&a, 0, sizeof(a));
				snprintf(a.text, sizeof(a.text), "%s", st->argv[0]);
				for (j = 1; j < st->argc; j++)
					snprintf(a.text + strlen(a.text), sizeof(a.text) - strlen(a.text), " %s",
						 st->argv[j]);
				err_clear();
				skip(rn, st, &a, s->failed);
				return 1;
			}
		}
	}
	return 0;
}

int runner_run(const struct scenario *sc, const struct sc_variant *v, const struct runner_options *o,
	       struct runner_summary *sum)
{
	struct runner *rn = xcalloc(1, sizeof(*rn));
	char suite[128];
	int i, rc, setup_ok;
	int64_t t0 = now_ms();

	rn->sc = sc;
	rn->variant = v;
	rn->opt = o;
	snprintf(suite, sizeof(suite), "%s%s%s", sc->name, v ? ":" : "", v ? v->name : "");
	if (scenario_lab_options(sc, v, &rn->lo) < 0) {
		fprintf(stderr, "ftfw: %s: %s\n", suite, err_get());
		free(rn);
		return EXIT_SETUP;
	}
	{
		char why[256];

		if (!scenario_requires_hold(sc, lookup, rn, why, sizeof(why))) {
			/* Not for this kernel or setting: say so, build nothing. */
			if (o->tap)
				fprintf(o->tap, "TAP version 13\n1..0 # SKIP %s: %s\n", suite, why);
			fprintf(stderr, "ftfw: %s: skipped: %s\n", suite, why);
			if (sum) {
				memset(sum, 0, sizeof(*sum));
				str_copy(sum->suite, suite, sizeof(sum->suite));
				str_copy(sum->dir, why, sizeof(sum->dir));
				sum->exit_code = EXIT_SKIP;
				summarise_faults(rn, sum);
			}
			free(rn);
			return EXIT_SKIP;
		}
	}
	rn->run = run_new(o->results_root, sc->name);
	if (!rn->run) {
		fprintf(stderr, "ftfw: %s: %s\n", suite, err_get());
		free(rn);
		return EXIT_SETUP;
	}
	node_keep_daemons(o->keep);
	rn->report = report_new(suite, o->tap);
	report_note(rn->report, "%s: %s", suite, sc->description);
	report_note(rn->report, "run %s, results in %s", run_id(rn->run), run_dir(rn->run));
	setup_ok = setup(rn) == 0;
	if (!setup_ok) {
		report_add(rn->report, "lab set-up", V_ERROR, NULL, err_get(), 0);
		fprintf(stderr, "ftfw: %s: %s\n", suite, err_get());
	}
	for (i = 0; setup_ok && i < sc->nsteps && !interrupted; i++) {
		const struct sc_step *st = &sc->steps[i];
		struct args a;

		if (!scenario_conds_hold(st->cond, st->ncond, lookup, rn))
			continue;
		err_clear();
		rn->step_t0 = now_ms();
		if (expand_args(rn, st, steps[st->verb].keep_terms, &a) < 0 && void_session(rn, st)) {
			continue;
		}
		/* What was checked at parse time is checked again, expanded. */
		if (!err_get()[0] && scenario_recheck(sc->path, st, &runner_verbs, lookup, rn) < 0) {
			char name[1200];

			snprintf(name, sizeof(name), "L%d %s", st->line, st->argv[0]);
			report_add(rn->report, name, V_ERROR, NULL, err_get(), 0);
			fprintf(stderr, "ftfw: %s\n", err_get());
			break;
		}
		if (err_get()[0] || steps[st->verb].run(rn, st, &a) < 0 || vars_check(rn) < 0 ||
		    daemons_check(rn) < 0) {
			char name[1200];

			err_prefix("%s:%d", sc->path, st->line);
			snprintf(name, sizeof(name), "L%d %s", st->line, st->argv[0]);
			report_add(rn->report, name, V_ERROR, NULL, err_get(), 0);
			fprintf(stderr, "ftfw: %s\n", err_get());
			break;
		}
	}
	if (setup_ok && !interrupted && !report_count(rn->report, V_ERROR))
		faults_check(rn);
	if (interrupted) {
		report_add(rn->report, "interrupted", V_ERROR, NULL, "stopped by a signal", 0);
		fprintf(stderr, "ftfw: interrupted by signal %d, tearing down\n", (int)interrupted);
	}
	log_progress("tearing down");
	teardown(rn);
	report_finish(rn->report);
	if (report_write(rn->report, run_dir(rn->run)) < 0)
		fprintf(stderr, "ftfw: report: %s\n", err_get());
	rc = report_exit_code(rn->report);
	if (interrupted && rc == EXIT_PASS)
		rc = EXIT_SETUP;
	if (sum) {
		str_copy(sum->suite, suite, sizeof(sum->suite));
		str_copy(sum->dir, run_dir(rn->run), sizeof(sum->dir));
		sum->passed = report_count(rn->report, V_PASS);
		sum->failed = report_count(rn->report, V_FAIL) + report_count(rn->report, V_XPASS);
		sum->errors = report_count(rn->report, V_ERROR);
		sum->skipped = report_count(rn->report, V_SKIP);
		sum->known = report_count(rn->report, V_XFAIL);
		sum->seconds = (double)(now_ms() - t0) / 1000.0;
		sum->exit_code = rc;
		summarise_faults(rn, sum);
	}
	if (o->keep) {
		fprintf(stderr,
			"ftfw: lab %s kept. Enter a node with:\n"
			"  ip netns exec ftfw-%s-client bash    (or -fw1, -fw2, -server, -lan, -wan)\n"
			"remove it with:\n"
			"  ./run-scenario --cleanup\n",
			run_id(rn->run), run_id(rn->run));
	}
	fprintf(stderr, "ftfw: results in %s\n", run_dir(rn->run));
	if (o->keep)
		run_abandon(rn->run);
	else if (run_finish(rn->run) < 0)
		fprintf(stderr, "ftfw: cleanup: %s\n", err_get());
	report_free(rn->report);
	free(rn);
	return rc;
}
