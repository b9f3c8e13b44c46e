/* args: a step's words parsed by its schema. See args.h. */
#include "engine/args.h"
#include "lab.h"
#include "scenario.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_MAX 32

struct opt {
	char key[KEY_MAX];
	const struct arg_spec *spec;
	struct arg_val v;
};

struct args {
	int n;
	struct arg_val pos[SC_MAX_ARGS];
	int nopt;
	struct opt opt[SC_MAX_ARGS];
	char *word[SC_MAX_ARGS];      /* owned copies of the values */
	char text[1024];
};

/* Every step takes these. */
static const struct arg_spec common[] = {
	{ .name = "within", .kind = ARG_DURATION },
	{ .name = "fault", .kind = ARG_WORD },
	{ .name = "evidence", .kind = ARG_WORD },
};

/* "500ms", "3s", "1500" (ms). */
int args_parse_duration(const char *s, int *ms)
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

int args_parse_count(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || s[0] == '+' || s[0] == ' ')
		return err_set("'%s' is not a number", s);
	if (out)
		*out = v;
	return 0;
}

/* "a|b|c" -> "expected a, b or c"; index of v in it, or -1. */
static int choice_index(const char *choices, const char *v, char *expected, size_t len)
{
	const char *p = choices, *bar;
	size_t o = (size_t)snprintf(expected, len, "expected ");
	int i = 0, found = -1, n = 1;

	for (bar = choices; (bar = strchr(bar, '|')); bar++)
		n++;
	for (i = 0; i < n; i++) {
		size_t k = strcspn(p, "|");

		if (strlen(v) == k && strncmp(v, p, k) == 0)
			found = i;
		if (o < len)
			o += (size_t)snprintf(expected + o, len - o, "%s%.*s", i == 0 ? "" : i == n - 1 ? " or " : ", ",
					      (int)k, p);
		p += k + 1;
	}
	return found;
}

/* One value by its kind; as_opt: the message is for KEY=VALUE (prefixed
 * by the caller), else for a positional word (it names the word). */
static int parse_value(const struct arg_spec *s, const char *v, int as_opt, struct arg_val *out)
{
	char expected[256];
	int ms, r;

	switch (s->kind) {
	case ARG_WORD:
		return 0;
	case ARG_CHOICE:
		out->i = choice_index(s->choices, v, expected, sizeof(expected));
		if (out->i >= 0)
			return 0;
		return as_opt ? err_set("%s", expected) : err_set("'%s': %s", v, expected);
	case ARG_FIREWALL:
		r = lab_role_parse(v);
		if (r == ROLE_FW1 || r == ROLE_FW2) {
			out->i = r == ROLE_FW2;
			return 0;
		}
		return as_opt ? err_set("expected fw1 or fw2") : err_set("'%s' is not a firewall (fw1, fw2)", v);
	case ARG_NODE:
		r = lab_role_parse(v);
		if (r >= 0) {
			out->i = r;
			return 0;
		}
		return err_set("'%s' is not a lab node (client, fw1, fw2, server, lan, wan)", v);
	case ARG_SIZE:
		return scenario_parse_size(v, &out->u);
	case ARG_DURATION:
		if (args_parse_duration(v, &ms) < 0)
			return -1;
		out->u = (uint64_t)ms;
		return 0;
	case ARG_UINT:
		if (args_parse_count(v, &out->u) == 0 && out->u >= s->lo && out->u <= s->hi)
			return 0;
		if (s->lo == 0 && s->hi == UINT64_MAX)
			err_set("expected a number");
		else
			err_set("expected a number from %llu to %llu", (unsigned long long)s->lo, (unsigned long long)s->hi);
		return as_opt ? -1 : err_prefix("'%s'", v);
	case ARG_PERCENT: {
		char *end;
		double p = strtod(v, &end);

		if (end == v || strcmp(end, "%") != 0 || !(p >= 0) || p > 100)
			return as_opt ? err_set("expected a percentage (5%%)") : err_set("'%s': expected a percentage (5%%)", v);
		out->d = p;
		return 0;
	}
	case ARG_CUSTOM:
		return s->parse(v, out);
	}
	return err_set("internal: argument kind %d", (int)s->kind);
}

static const struct arg_spec *find_spec(const struct arg_spec *list, const char *key)
{
	for (; list && list->name; list++)
		if (strcmp(list->name, key) == 0)
			return list;
	return NULL;
}

static const struct arg_spec *opt_spec(const struct step_schema *s, const char *key)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(common); i++)
		if (strcmp(common[i].name, key) == 0)
			return &common[i];
	return find_spec(s->opts, key);
}

/* "mode=, rate=, " for the schema's options. */
static void opt_list(const struct step_schema *s, char *buf, size_t len)
{
	const struct arg_spec *o;
	size_t n = 0;

	buf[0] = '\0';
	for (o = s->opts; o && o->name && n < len; o++)
		n += (size_t)snprintf(buf + n, len - n, "%s=, ", o->name);
}

static int unknown_option(const struct step_schema *s, unsigned flags, const char *word, const char *key)
{
	char list[512];

	opt_list(s, list, sizeof(list));
	if (flags & ARGS_PROGRAM) {
		if (list[0])
			list[strlen(list) - 2] = '\0';
		return err_set("'%s' would be taken as a step option (only %s%swithin=, fault= and evidence= are)", word,
			       list, list[0] ? ", " : "");
	}
	return err_set("unknown option '%s' (a word KEY=VALUE whose key is lower case is a step option, never an "
		       "argument; this step takes %swithin=, fault=, evidence=)",
		       key, list);
}

/* Is written word w an option of this step? Its key goes to key. */
static int is_option(const struct step_schema *s, unsigned flags, const char *w, char *key, int *too_long)
{
	size_t k;

	*too_long = 0;
	if (!scenario_is_option_word(w))
		return 0;
	k = (size_t)(strchr(w, '=') - w);
	if (k >= KEY_MAX) {
		*too_long = 1;
		return 1;
	}
	memcpy(key, w, k);
	key[k] = '\0';
	if (flags & ARGS_TERMS)
		return opt_spec(s, key) != NULL;
	return 1;
}

/* Option word (key already split off by is_option()). */
static int add_option(struct args *a, const struct step_schema *s, unsigned flags, const char *written, char *word,
		      const char *key, int too_long, int known)
{
	const struct arg_spec *spec;
	struct opt *o = &a->opt[a->nopt];
	char *eq;

	if (too_long)
		return err_set("option '%s': key too long", written);
	spec = opt_spec(s, key);
	if (!spec)
		return unknown_option(s, flags, written, key);
	eq = strchr(word, '=');
	if (!eq)
		return err_set("option '%s': no '=' once expanded", written);
	memset(o, 0, sizeof(*o));
	str_copy(o->key, key, sizeof(o->key));
	o->spec = spec;
	o->v.s = eq + 1;
	o->v.known = known;
	if ((flags & ARGS_PROGRAM) && !eq[1])
		return err_set("'%s': an empty value", written);
	if (known && parse_value(spec, o->v.s, 1, &o->v) < 0)
		return spec->quoted ? err_prefix("'%s'", word) : err_prefix("%s=%s", key, o->v.s);
	a->nopt++;
	return 0;
}

static void add_text(struct args *a, size_t *tl, int i, const char *w)
{
	*tl += (size_t)snprintf(a->text + *tl, *tl < sizeof(a->text) ? sizeof(a->text) - *tl : 0, "%s%s", i ? " " : "",
				w);
	if (*tl >= sizeof(a->text))
		*tl = sizeof(a->text) - 1;
}

/* Every positional word by its kind; then the rules across words. */
static int parse_positional(struct args *a, const struct step_schema *s)
{
	int i, nspec = 0;

	if (a->n - 1 < s->min || (s->max >= 0 && a->n - 1 > s->max))
		return err_set("%s", s->shape);
	while (s->pos && s->pos[nspec].name)
		nspec++;
	for (i = 1; i < a->n && i <= nspec; i++)
		if (a->pos[i].known && parse_value(&s->pos[i - 1], a->pos[i].s, 0, &a->pos[i]) < 0)
			return -1;
	return s->check ? s->check(a) : 0;
}

struct args *args_parse(const struct step_schema *s, unsigned flags, int argc, char *const written[],
			char *const words[], int run_time)
{
	struct args *a = xcalloc(1, sizeof(*a));
	size_t tl = 0;
	int i, rc = 0;

	if (argc > SC_MAX_ARGS)
		argc = SC_MAX_ARGS;
	for (i = 0; i < argc && rc == 0; i++) {
		char key[KEY_MAX];
		int known, too_long;

		a->word[i] = xstrdup(words[i]);
		add_text(a, &tl, i, a->word[i]);
		known = run_time || !strchr(words[i], '$');
		if (i > 0 && is_option(s, flags, written[i], key, &too_long)) {
			rc = add_option(a, s, flags, written[i], a->word[i], key, too_long, known);
			continue;
		}
		a->pos[a->n].s = a->word[i];
		a->pos[a->n++].known = known;
	}
	if (rc == 0)
		rc = parse_positional(a, s);
	if (rc < 0) {
		args_free(a);
		return NULL;
	}
	return a;
}

void args_free(struct args *a)
{
	int i;

	if (!a)
		return;
	for (i = 0; i < SC_MAX_ARGS; i++)
		free(a->word[i]);
	free(a);
}

int args_n(const struct args *a)
{
	return a->n;
}

const struct arg_val *args_pos(const struct args *a, int i)
{
	return i >= 0 && i < a->n ? &a->pos[i] : NULL;
}

const char *args_word(const struct args *a, int i)
{
	return i >= 0 && i < a->n ? a->pos[i].s : NULL;
}

int args_known(const struct args *a, int i)
{
	return i >= 0 && i < a->n && a->pos[i].known;
}

const struct arg_val *args_optv(const struct args *a, const char *key)
{
	int i;

	for (i = 0; i < a->nopt; i++)
		if (strcmp(a->opt[i].key, key) == 0)
			return &a->opt[i].v;
	return NULL;
}

const char *args_opt(const struct args *a, const char *key)
{
	const struct arg_val *v = args_optv(a, key);

	return v ? v->s : NULL;
}

uint64_t args_opt_u64(const struct args *a, const char *key, uint64_t def)
{
	const struct arg_val *v = args_optv(a, key);

	return v && v->known ? v->u : def;
}

int args_opt_ms(const struct args *a, const char *key, int def)
{
	const struct arg_val *v = args_optv(a, key);

	return v && v->known ? (int)v->u : def;
}

int args_opt_int(const struct args *a, const char *key, int def)
{
	const struct arg_val *v = args_optv(a, key);

	return v && v->known ? v->i : def;
}

double args_opt_double(const struct args *a, const char *key, double def)
{
	const struct arg_val *v = args_optv(a, key);

	return v && v->known ? v->d : def;
}

const char *args_text(const struct args *a)
{
	return a->text;
}
