/*
 * args: a step's words, sorted into positional words and KEY=VALUE
 * options and parsed by type, from the step's argument schema. The one
 * parser of step arguments: the scenario parser calls it on the words as
 * written (and per variant, with what is known before the lab exists),
 * and the engine calls it again on the fully expanded words right before
 * the step runs; the run function reads the typed values it produced.
 *
 * The rule that sorts words: a word KEY=VALUE whose KEY is lower-case
 * letters, '-' and '_' (as written, before expansion) is an option.
 * Steps whose KEY=VALUE words are match terms (ARGS_TERMS) keep them
 * positional, except the options every step takes and the step's own.
 * Every step takes within=DURATION, fault=ID and evidence=TEXT.
 */
#ifndef FTFW_ENGINE_ARGS_H
#define FTFW_ENGINE_ARGS_H

#include <stdint.h>
#include "util.h"

/* What a word must be. Each kind parses into struct arg_val. */
enum arg_kind {
	ARG_WORD,      /* any word: s */
	ARG_CHOICE,    /* one of choices "a|b|c": i is its index */
	ARG_FIREWALL,  /* fw1 or fw2: i is 0 or 1 */
	ARG_NODE,      /* a lab node (client fw1 fw2 server lan wan): i is its enum lab_role */
	ARG_SIZE,      /* 4096, 4k, 3M: u bytes */
	ARG_DURATION,  /* 500ms, 3s, 1500 (ms), at most an hour: u milliseconds */
	ARG_UINT,      /* a whole number from lo to hi: u */
	ARG_PERCENT,   /* 0% to 100%: d */
	ARG_CUSTOM,    /* spec->parse decides (and says why not) */
};

struct arg_val {
	const char *s;    /* the word (the value, for an option) */
	int known;        /* no variable left in it (always, at run time) */
	uint64_t u;
	double d;
	int i;
};

/*
 * One positional word or one option. For an option, name is its key;
 * for a positional word, the word of the usage line ("NAME", "FW").
 * parse (ARG_CUSTOM, or a further rule after the kind's own) fills out
 * and returns 0, or returns -1 with err set to the whole message.
 */
struct arg_spec {
	const char *name;
	enum arg_kind kind;
	const char *choices;          /* ARG_CHOICE */
	uint64_t lo, hi;              /* ARG_UINT */
	int (*parse)(const char *v, struct arg_val *out);
	int quoted;                   /* an option's message names the word: "'count=x': ..." */
};

struct args;

/*
 * A step's arguments as data: how many positional words (after the
 * verb), their kinds (the first ones; words past the list are ARG_WORD),
 * the options it takes besides within=, fault= and evidence=, and the
 * rules across words (check: run after each word parsed; it sees unknown
 * words as known == 0 and leaves them alone).
 */
struct step_schema {
	int min, max;                 /* positional words after the verb; max -1: no limit */
	const char *shape;            /* the message when their number is wrong */
	const struct arg_spec *pos;   /* NULL-name terminated, or NULL */
	const struct arg_spec *opts;  /* NULL-name terminated, or NULL */
	int (*check)(const struct args *a);
};

#define ARGS_TERMS   0x1u  /* KEY=VALUE words are positional terms (expect, inject) */
#define ARGS_PROGRAM 0x2u  /* the words are a program's command line: another KEY=VALUE
			    * is refused, for it would be taken as an option */

/*
 * Parse argc words: written[] as in the scenario (they decide which words
 * are options) and words[] their values (the same array at parse time;
 * expanded at run time). run_time: every word is known and checked.
 * Returns a new struct args (args_free()) or NULL with err set to the
 * message, without the "file:line: verb: " prefix.
 */
struct args *args_parse(const struct step_schema *s, unsigned flags, int argc, char *const written[],
			char *const words[], int run_time);
void args_free(struct args *a);

/* Positional words: index 0 is the verb; args_n() counts it. */
int args_n(const struct args *a);
const char *args_word(const struct args *a, int i);        /* NULL past the end */
const struct arg_val *args_pos(const struct args *a, int i); /* NULL past the end */
int args_known(const struct args *a, int i);

/* Options: the value's text or NULL; typed, with a default when absent. */
const char *args_opt(const struct args *a, const char *key);
const struct arg_val *args_optv(const struct args *a, const char *key);
uint64_t args_opt_u64(const struct args *a, const char *key, uint64_t def);
int args_opt_ms(const struct args *a, const char *key, int def);
int args_opt_int(const struct args *a, const char *key, int def);
double args_opt_double(const struct args *a, const char *key, double def);
/* The step's words as one line (expanded at run time), for names. */
const char *args_text(const struct args *a);

/* The kinds' parsers, for steps' own rules ("500ms" -> 500). */
int args_parse_duration(const char *s, int *ms) FTFW_WUR;
int args_parse_count(const char *s, uint64_t *out) FTFW_WUR;

#endif
