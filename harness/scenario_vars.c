/*
 * scenario_vars: the language's variables: $name and ${name} expanded,
 * conditions (when, requires) evaluated, and the check, before anything
 * is set up, that every variable a step names is defined in each variant
 * where the step runs (by the variant, a builtin, or an earlier step that
 * may have run). See scenario.h.
 */
#include "scenario_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Is v one of the '|'-separated alternatives in list? */
static int one_of(const char *v, const char *list)
{
	size_t n = strlen(v);
	const char *p = list;

	for (;;) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);

		if (len == n && strncmp(p, v, n) == 0)
			return 1;
		if (!bar)
			return 0;
		p = bar + 1;
	}
}

int scenario_requires_hold(const struct scenario *sc, sc_lookup_fn lookup, void *ctx, char *buf, size_t len)
{
	int i;

	for (i = 0; i < sc->nrequires; i++) {
		const struct sc_require *r = &sc->requires[i];
		const char *v;

		if (!scenario_conds_hold(r->cond, r->ncond, lookup, ctx))
			continue;
		v = lookup(ctx, r->need.key);
		if (v && one_of(v, r->need.val) != r->negate)
			continue;
		snprintf(buf, len, "requires %s%s%s, found %s", r->need.key, r->negate ? "!=" : "=", r->need.val,
			 v ? v : "(undefined)");
		return 0;
	}
	return 1;
}

int scenario_conds_hold(const struct sc_kv *cond, int ncond, sc_lookup_fn lookup, void *ctx)
{
	int i;

	for (i = 0; i < ncond; i++) {
		const char *v = lookup(ctx, cond[i].key);

		if (!v || strcmp(v, cond[i].val) != 0)
			return 0;
	}
	return 1;
}

/*
 * The next variable reference in word in, from *pp on: returns 1 with its
 * name and where the reference starts (*ref) and ends (*pp), 0 when there
 * is none, or -1 with err set for a malformed one. The one lexer of $name
 * and ${name}: expansion, the parse-time checks and their messages all
 * read references with it.
 */
static int next_ref(const char *in, const char **pp, char name[64], const char **ref)
{
	const char *p = strchr(*pp, '$');
	size_t n = 0;

	if (!p)
		return 0;
	*ref = p++;
	if (*p == '{') {
		p++;
		while (*p && *p != '}' && n < 63)
			name[n++] = *p++;
		if (*p && *p != '}')
			return err_set("'%s': variable name longer than 63 characters", in);
		if (*p != '}')
			return err_set("'%s': unterminated ${", in);
		p++;
	} else {
		while ((isalnum((unsigned char)*p) || *p == '_' || *p == '.' || *p == '-') && n < 63)
			name[n++] = *p++;
		if (isalnum((unsigned char)*p) || *p == '_')
			return err_set("'%s': variable name longer than 63 characters", in);
		/* A trailing '.' ends a sentence, not a name. */
		while (n && name[n - 1] == '.') {
			n--;
			p--;
		}
	}
	name[n] = '\0';
	if (!n)
		return err_set("'%s': '$' without a variable name", in);
	*pp = p;
	return 1;
}

/* Append n bytes of s to out (o bytes used of len). */
static int put(const char *in, char *out, size_t len, size_t *o, const char *s, size_t n)
{
	if (*o + n >= len)
		return err_set("'%s': expansion too long", in);
	memcpy(out + *o, s, n);
	*o += n;
	return 0;
}

/* Expand in into out; with keep_unknown, a name lookup does not know
 * stays as written instead of being an error. */
static int expand(const char *in, sc_lookup_fn lookup, void *ctx, int keep_unknown, char *out, size_t len)
{
	const char *p = in, *ref;
	char name[64];
	size_t o = 0;
	int rc;

	if (len == 0)
		return err_set("'%s': no room to expand into", in);
	for (;;) {
		const char *from = p, *val;

		rc = next_ref(in, &p, name, &ref);
		if (rc < 0)
			return -1;
		if (rc == 0) {
			if (put(in, out, len, &o, from, strlen(from)) < 0)
				return -1;
			break;
		}
		if (put(in, out, len, &o, from, (size_t)(ref - from)) < 0)
			return -1;
		val = lookup(ctx, name);
		if (!val && !keep_unknown)
			return err_set("undefined variable $%s", name);
		if (val ? put(in, out, len, &o, val, strlen(val)) : put(in, out, len, &o, ref, (size_t)(p - ref)))
			return -1;
	}
	out[o] = '\0';
	return 0;
}

int scenario_expand(const char *in, sc_lookup_fn lookup, void *ctx, char *out, size_t len)
{
	return expand(in, lookup, ctx, 0, out, len);
}

int scenario_is_option_word(const char *w)
{
	const char *eq = strchr(w, '=');
	const char *p;

	if (!eq || eq == w)
		return 0;
	for (p = w; p < eq; p++)
		if (!islower((unsigned char)*p) && *p != '-' && *p != '_')
			return 0;
	return 1;
}

/* ", $x is 'v'" for each variable of the step that lookup knows. */
static void describe_vars(const struct sc_step *st, sc_lookup_fn lookup, void *ctx, char *buf, size_t len)
{
	size_t o = 0;
	int i;

	buf[0] = '\0';
	for (i = 1; i < st->argc; i++) {
		const char *p = st->argv[i], *ref, *val;
		char name[64];

		while (next_ref(st->argv[i], &p, name, &ref) == 1) {
			val = lookup(ctx, name);
			if (val && !strstr(buf, name))
				o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s$%s is '%s'", o ? ", " : "",
						      name, val);
		}
	}
	if (o >= len && len > 4)
		memcpy(buf + len - 4, "...", 4);
}

/*
 * Expand the words of st (unknown ones kept with keep_unknown) and run
 * the step's check on them. where names the expansion in the message
 * ("variant v", "at run time").
 */
static int check_expanded(const char *path, const struct sc_step *st, const struct sc_verbs *verbs, sc_lookup_fn lookup,
			  void *ctx, int keep_unknown, const char *where)
{
	char words[SC_MAX_ARGS][512], *argv[SC_MAX_ARGS], vars[400];
	int i;

	for (i = 0; i < st->argc; i++) {
		if (expand(st->argv[i], lookup, ctx, keep_unknown, words[i], sizeof(words[i])) < 0)
			goto out_fail;
		/* Positional as written: positional when it runs. */
		argv[i] = i && !scenario_is_option_word(st->argv[i]) && scenario_is_option_word(words[i]) ? st->argv[i]
													 : words[i];
	}
	if (verbs->check(st->verb, st->argc, argv) == 0)
		return 0;
out_fail:
	{
		char why[1024];

		str_copy(why, err_get(), sizeof(why));
		describe_vars(st, lookup, ctx, vars, sizeof(vars));
		err_set("%s", why);
	}
	if (vars[0])
		err_suffix(" (%s: %s)", where, vars);
	return err_prefix("%s:%d: %s", path, st->line, st->argv[0]);
}

void scenario_describe_vars(const struct sc_step *st, sc_lookup_fn lookup, void *ctx, char *buf, size_t len)
{
	describe_vars(st, lookup, ctx, buf, len);
}

/* ---- variables before anything is set up ----------------------------------- */

/*
 * What one variant of a scenario knows before its lab exists: its
 * variables, the engine's builtins, and which earlier steps may have run
 * (their variables are known only at run time).
 */
struct static_ctx {
	const struct scenario *sc;
	const struct sc_verbs *verbs;
	const struct sc_variant *v;      /* NULL: no variants */
	struct lab_options lo;
	const signed char *runs;         /* per step: 0 never in this variant, 1 may */
	int upto;                        /* steps before this one may have run */
};

enum var_kind { VAR_UNDEFINED, VAR_STATIC, VAR_RUNTIME };

static enum var_kind var_kind(const struct static_ctx *c, const char *name, const char **value)
{
	int i;

	*value = NULL;
	for (i = 0; i < c->upto; i++) {
		const struct sc_step *st = &c->sc->steps[i];

		if (c->runs[i] && c->verbs->defines && c->verbs->defines(st->verb, st->argc, st->argv, name))
			return VAR_RUNTIME;
	}
	if (c->v)
		for (i = 0; i < c->v->nvars; i++)
			if (strcmp(c->v->vars[i].key, name) == 0) {
				*value = c->v->vars[i].val;
				return VAR_STATIC;
			}
	if (c->verbs->builtin && c->verbs->builtin(&c->lo, c->v ? c->v->name : "", name, value))
		return *value ? VAR_STATIC : VAR_RUNTIME;
	return VAR_UNDEFINED;
}

static const char *static_lookup(void *ctx, const char *name)
{
	const char *value;

	return var_kind(ctx, name, &value) == VAR_STATIC ? value : NULL;
}

/* Could the step's when-conditions hold in this variant? */
static int may_run(const struct static_ctx *c, const struct sc_step *st)
{
	int i;

	for (i = 0; i < st->ncond; i++) {
		const char *value;
		enum var_kind k = var_kind(c, st->cond[i].key, &value);

		if (k == VAR_UNDEFINED || (k == VAR_STATIC && strcmp(value, st->cond[i].val) != 0))
			return 0;
	}
	return 1;
}

/* "(in variant a; for $variant followed by '.bin' write ${variant}.bin)" */
static void undefined_hint(const struct static_ctx *c, const char *name, char *buf, size_t len)
{
	char prefix[64];
	const char *dot, *value;
	size_t o = 0;

	buf[0] = '\0';
	if (c->v)
		o += (size_t)snprintf(buf, len, "in variant %s", c->v->name);
	for (dot = strrchr(name, '.'); dot; dot = dot > name ? memrchr(name, '.', (size_t)(dot - name)) : NULL) {
		str_copy(prefix, name, (size_t)(dot - name) + 1 < sizeof(prefix) ? (size_t)(dot - name) + 1 : sizeof(prefix));
		if (var_kind(c, prefix, &value) != VAR_UNDEFINED) {
			o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%sfor $%s followed by '%s' write ${%s}%s",
					      o ? "; " : "", prefix, dot, prefix, dot);
			break;
		}
	}
}

/* Every variable of every step that may run in this variant is defined
 * there, and the step's check holds with the ones known now expanded. */
static int check_variant(struct static_ctx *c, signed char *runs)
{
	char where[64];
	int i, j;

	snprintf(where, sizeof(where), "variant %s", c->v ? c->v->name : "");
	for (i = 0; i < c->sc->nsteps; i++) {
		const struct sc_step *st = &c->sc->steps[i];
		int any = 0;

		c->upto = i;
		runs[i] = (signed char)may_run(c, st);
		if (!runs[i])
			continue;
		for (j = 1; j < st->argc; j++) {
			const char *p = st->argv[j], *ref, *value;
			char name[64], hint[256];
			int rc;

			while ((rc = next_ref(st->argv[j], &p, name, &ref)) == 1) {
				enum var_kind k = var_kind(c, name, &value);

				if (k == VAR_UNDEFINED) {
					undefined_hint(c, name, hint, sizeof(hint));
					return err_set("%s:%d: %s: undefined variable $%s%s%s%s", c->sc->path, st->line,
						       st->argv[0], name, hint[0] ? " (" : "", hint, hint[0] ? ")" : "");
				}
				any |= k == VAR_STATIC;
			}
			if (rc < 0)
				return err_prefix("%s:%d: %s", c->sc->path, st->line, st->argv[0]);
		}
		if (any && c->v && check_expanded(c->sc->path, st, c->verbs, static_lookup, c, 1, where) < 0)
			return -1;
		if (any && !c->v && check_expanded(c->sc->path, st, c->verbs, static_lookup, c, 1, "as expanded") < 0)
			return -1;
	}
	return 0;
}

/* A when-condition on a name nothing defines can never hold: a typo that
 * would switch its step off for good. */
static int check_cond_keys(const struct scenario *sc, const struct sc_verbs *verbs, const char *where, int line,
			   const struct sc_kv *cond, int ncond)
{
	int i, j, k;

	for (i = 0; i < ncond; i++) {
		const char *key = cond[i].key, *value;
		struct lab_options lo;
		int found = 0;

		lab_options_default(&lo);
		for (j = 0; j < sc->nvariants && !found; j++)
			for (k = 0; k < sc->variants[j].nvars && !found; k++)
				found = strcmp(sc->variants[j].vars[k].key, key) == 0;
		if (!found && verbs->builtin)
			found = verbs->builtin(&lo, "", key, &value);
		for (j = 0; j < sc->nsteps && !found && verbs->defines; j++)
			found = verbs->defines(sc->steps[j].verb, sc->steps[j].argc, sc->steps[j].argv, key);
		if (!found)
			return err_set("%s:%d: %s: '%s' is no variable (no variant sets it, nor a step, nor the lab); "
				       "the condition could never hold",
				       sc->path, line, where, key);
	}
	return 0;
}

/* The parse-time pass over variables: see check_variant(). */
int sc_check_variables(const struct scenario *sc, const struct sc_verbs *verbs)
{
	struct static_ctx c = { .sc = sc, .verbs = verbs };
	signed char *runs;
	int i, rc = 0;

	for (i = 0; i < sc->nsteps && rc == 0; i++)
		rc = check_cond_keys(sc, verbs, "when", sc->steps[i].line, sc->steps[i].cond, sc->steps[i].ncond);
	if (rc < 0 || !sc->nsteps)
		return rc;
	runs = xcalloc((size_t)sc->nsteps, 1);
	c.runs = runs;
	for (i = 0; i < (sc->nvariants ? sc->nvariants : 1) && rc == 0; i++) {
		c.v = sc->nvariants ? &sc->variants[i] : NULL;
		if (scenario_lab_options(sc, c.v, &c.lo) < 0) {
			rc = -1;
			break;
		}
		rc = check_variant(&c, runs);
	}
	free(runs);
	return rc;
}
