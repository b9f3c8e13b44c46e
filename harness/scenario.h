/*
 * scenario: the language a scenario file is written in, and its parser.
 *
 * A scenario is read top to bottom, one statement a line; '#' starts a
 * comment, double quotes group words, $name or ${name} is a variable
 * expanded when the step runs (values learned at run time, such as the
 * port a PASV reply announced, are variables too). Header statements
 * describe the lab and the variants; steps say what happens, in order.
 *
 *   scenario "one-line description"
 *   variant NAME key=value...     run once per variant (lab options or variables)
 *   known-fault ID "what, where, trigger" when key=value...
 *                                 checks marked fault=ID evidence="TEXT" show it;
 *                                 at least one check carries its evidence
 *   requires KEY=V1|V2 (or KEY!=...) [when key=value...]   else the variant is skipped
 *   lab key=value...              nat=on|off|masquerade family=ipv4|ipv6|dual
 *                                 failover=direct|keepalived
 *                                 transport=udp|multicast hashsize=N
 *                                 expect-sync=on|off internal-cache=on|off
 *                                 external-cache=on|off commit-timeout=N
 *                                 server-rate=SIZE (per transfer, on the server)
 *                                 input-guard=on|off (drop new non-SYN TCP to the firewall)
 *                                 server=on|off (vsftpd on the server; off for replays)
 *   file NAME SIZE                a generated file on the server (SIZE: 4k, 3M)
 *   [when key=value... :] STEP    run STEP only in variants where all hold
 *   when key=value... {           the same for every step up to the line "}"
 *   with fault=ID within=D {      every check up to "}" takes these options
 *                                 (a check's own option of the key wins);
 *                                 blocks nest, and add up
 *
 * A line ending in a backslash (outside quotes and comments) goes on on
 * the next line; the statement has its first line's number.
 *
 * Steps are listed in the step table (harness/steps/table.c); `run-scenario --help-steps`
 * prints them. Any error is reported as "file:line: message" before
 * anything is set up.
 */
#ifndef FTFW_SCENARIO_H
#define FTFW_SCENARIO_H

#include <stddef.h>
#include "firewall.h"
#include "util.h"

#define SC_MAX_ARGS 24
#define SC_MAX_VARIANTS 16
#define SC_MAX_FAULTS 16
#define SC_MAX_VARS 64
#define SC_MAX_CONDS 8
#define SC_MAX_FILES 32

/* Everything a scenario can set about its lab. */
struct lab_options {
	struct fw_options fw;   /* the firewall pair */
	uint64_t server_rate;   /* vsftpd anon_max_rate (bytes/s), 0 = unlimited */
	int server;             /* run vsftpd on the server (default on; off for replays,
				 * where the harness plays the server) */
};

void lab_options_default(struct lab_options *o);

/* A key=value pair (variables, conditions, options). */
struct sc_kv {
	char key[32];
	char val[128];
};

struct sc_step {
	int line;
	int verb;                          /* index into the step table (harness/steps/table.c) */
	int argc;
	char *argv[SC_MAX_ARGS];           /* owned; argv[0] is the verb */
	int ncond;
	struct sc_kv cond[SC_MAX_CONDS];   /* "when" conditions */
};

struct sc_variant {
	char name[32];
	int nvars;
	struct sc_kv vars[SC_MAX_VARS];    /* lab options and variables */
};

struct sc_fault {
	int line;           /* where it is declared */
	char id[32];
	char what[512];
	int ncond;
	struct sc_kv cond[SC_MAX_CONDS];
};

/*
 * requires KEY=VALUE|VALUE... | KEY!=VALUE|VALUE... [when KEY=VALUE...]:
 * where the when-conditions hold, the variant runs only if the
 * requirement does; otherwise it is skipped with the reason (e.g. a
 * scenario for a patched kernel, run on the host).
 */
struct sc_require {
	struct sc_kv need;          /* val may list alternatives with '|' */
	int negate;                 /* KEY!=... */
	int ncond;
	struct sc_kv cond[SC_MAX_CONDS];
};

#define SC_MAX_REQUIRES 8

struct sc_file {
	char name[64];
	uint64_t size;
};

struct scenario {
	char name[64];                      /* file stem */
	char path[512];
	char description[256];
	int nvariants;
	struct sc_variant variants[SC_MAX_VARIANTS];
	int nrequires;
	struct sc_require requires[SC_MAX_REQUIRES];
	int nfaults;
	struct sc_fault faults[SC_MAX_FAULTS];
	int nlab;
	struct sc_kv lab[SC_MAX_VARS];      /* lab options (before variant overrides) */
	int nfiles;
	struct sc_file files[SC_MAX_FILES];
	int nsteps;
	struct sc_step *steps;              /* owned */
};

/*
 * Step validation hooks: the engine's step table (engine/runner.c). verb lookup returns the index
 * or -1; check validates argc/argv and sets err (without the file:line
 * prefix, which the parser adds). check sees a step's words as written
 * (words with '$' are left to later) and again, per variant, with every
 * variable known before the lab is built expanded (scenario_parse); the
 * engine parses them once more at run time, with all of them expanded,
 * by the same schema (engine/args.h).
 *
 * builtin: is name a variable the engine provides? Returns 1 and sets
 * *value to its value when it is known before the lab is built (the
 * lab's addresses; $nat, $family, ... of lab options lo; $variant), or to
 * NULL when only the run knows it ($active, the daemons' PIDs); returns 0
 * when name is no builtin. variant is "" without variants.
 *
 * defines: once step (verb, argc, argv) has run, is variable name set
 * ($c1.sport after "ftp c1 connect")? 1 or 0.
 */
struct lab_options;
struct sc_verbs {
	int (*lookup)(const char *verb);
	int (*check)(int verb, int argc, char *const argv[]);
	int (*builtin)(const struct lab_options *lo, const char *variant, const char *name, const char **value);
	int (*defines)(int verb, int argc, char *const argv[], const char *name);
	/* Is the step a check (it records a verdict; takes within=, fault=,
	 * evidence=)? A "with" block gives its options to checks only. */
	int (*is_check)(int verb);
};

/* Parse path. Returns a new scenario (scenario_free()) or NULL with err
 * set to "path:line: message". */
struct scenario *scenario_load(const char *path, const struct sc_verbs *verbs);
/* Parse text (name used in messages). Same contract. */
struct scenario *scenario_parse(const char *name, const char *text, const struct sc_verbs *verbs);
void scenario_free(struct scenario *sc);

/* Read only the description line of a scenario file (for --list). */
int scenario_describe(const char *path, char *buf, size_t len) FTFW_WUR;

/*
 * Lab options of a variant (NULL: the scenario's own), applied onto o.
 * Returns 0 or -1 with err set ("path:line: ..." not available here:
 * the values were checked at parse time).
 */
int scenario_lab_options(const struct scenario *sc, const struct sc_variant *v, struct lab_options *o) FTFW_WUR;
/* Apply one lab option; used by the parser to validate too. */
int scenario_lab_option(struct lab_options *o, const char *key, const char *val) FTFW_WUR;
int scenario_is_lab_option(const char *key);

/* A name of the language (variant, known fault, spawned program): letters,
 * digits, '-' and '_', 1 to 31 of them. */
int scenario_valid_name(const char *s);

/*
 * Does every requirement that applies hold? 1, or 0 with why (a
 * "requires kernel=6.1-keep, found host" text) written to buf.
 */
struct sc_variant;
typedef const char *(*sc_lookup_fn)(void *ctx, const char *name);
int scenario_requires_hold(const struct scenario *sc, sc_lookup_fn lookup, void *ctx, char *buf, size_t len);

/* Do all conditions hold in the variables vars (NULL-terminated lookup)? */
int scenario_conds_hold(const struct sc_kv *cond, int ncond, sc_lookup_fn lookup, void *ctx);

/*
 * Expand $name / ${name} in in, looking names up with lookup. Returns 0,
 * or -1 with err set naming the undefined variable.
 */
int scenario_expand(const char *in, sc_lookup_fn lookup, void *ctx, char *out, size_t len) FTFW_WUR;

/*
 * "$x is 'v', $y is 'w'" for each variable step st names that lookup
 * knows, into buf: what a message about the expanded words adds (the
 * engine's "(at run time: ...)").
 */
void scenario_describe_vars(const struct sc_step *st, sc_lookup_fn lookup, void *ctx, char *buf, size_t len);

/* A word that is a step option as written: key=value, the key made of
 * lower-case letters, '-' and '_'. */
int scenario_is_option_word(const char *w);

/* Parse a size: "4096", "4k", "3M", "1G" (binary multiples). */
int scenario_parse_size(const char *s, uint64_t *out) FTFW_WUR;

#endif
