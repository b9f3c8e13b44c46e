/* scenario: the scenario language's parser. See scenario.h. */
#include "scenario.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Split a line into words: whitespace separated, "..." groups (with \" and
 * \\ escapes), '#' outside quotes ends the line. Returns the word count or
 * -1 with err set. Words are newly allocated. */
static int tokenize(const char *line, char *argv[], int max)
{
	int argc = 0;
	const char *p = line;

	for (;;) {
		char word[512];
		size_t n = 0;
		int quoted = 0;

		while (*p == ' ' || *p == '\t' || *p == '\r')
			p++;
		if (!*p || *p == '#' || *p == '\n')
			return argc;
		if (argc >= max)
			goto out_many;
		while (*p && *p != '\n') {
			char c = *p;

			if (quoted) {
				if (c == '"') {
					quoted = 0;
					p++;
					continue;
				}
				if (c == '\\' && (p[1] == '"' || p[1] == '\\'))
					c = *++p;
			} else if (c == '"') {
				quoted = 1;
				p++;
				continue;
			} else if (c == ' ' || c == '\t' || c == '\r' || c == '#') {
				break;
			}
			if ((unsigned char)c < 0x20 && c != '\t')
				goto out_ctrl;
			if (n >= sizeof(word) - 1)
				goto out_long;
			word[n++] = c;
			p++;
		}
		if (quoted)
			goto out_quote;
		word[n] = '\0';
		argv[argc++] = xstrdup(word);
	}
out_many:
	err_set("more than %d words", max);
	goto out_free;
out_ctrl:
	err_set("control character in line");
	goto out_free;
out_long:
	err_set("word longer than 511 characters");
	goto out_free;
out_quote:
	err_set("unterminated quote");
out_free:
	while (argc)
		free(argv[--argc]);
	return -1;
}

static int parse_kv(const char *word, struct sc_kv *kv)
{
	const char *eq = strchr(word, '=');
	size_t klen;

	if (!eq || eq == word)
		return err_set("'%s': expected key=value", word);
	klen = (size_t)(eq - word);
	if (klen >= sizeof(kv->key))
		return err_set("'%s': key too long", word);
	if (strlen(eq + 1) >= sizeof(kv->val))
		return err_set("'%s': value too long", word);
	memcpy(kv->key, word, klen);
	kv->key[klen] = '\0';
	str_copy(kv->val, eq + 1, sizeof(kv->val));
	return 0;
}

int scenario_parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	uint64_t mult = 1;

	if (!isdigit((unsigned char)s[0]))
		return err_set("'%s' is not a size", s);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return err_set("'%s' is not a size", s);
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': mult = 1024ULL; end++; break;
	case 'm': case 'M': mult = 1024ULL * 1024; end++; break;
	case 'g': case 'G': mult = 1024ULL * 1024 * 1024; end++; break;
	default: return err_set("'%s': unknown size suffix (use k, M or G)", s);
	}
	if (*end)
		return err_set("'%s' is not a size", s);
	if (v > (1ULL << 40) / mult)
		return err_set("'%s' is too large (at most 1T)", s);
	*out = v * mult;
	return 0;
}

static int parse_onoff(const char *key, const char *val, int *out)
{
	if (strcmp(val, "on") == 0 || strcmp(val, "yes") == 0)
		*out = 1;
	else if (strcmp(val, "off") == 0 || strcmp(val, "no") == 0)
		*out = 0;
	else
		return err_set("%s=%s: expected on or off", key, val);
	return 0;
}

static int parse_int(const char *key, const char *val, int lo, int hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(val, &end, 10);
	if (errno || end == val || *end || v < lo || v > hi)
		return err_set("%s=%s: expected a number from %d to %d", key, val, lo, hi);
	*out = (int)v;
	return 0;
}

/* Lab options as a table: key, how to apply it. */
static int opt_nat(struct lab_options *lo, const char *k, const char *v)
{
	int m = nat_mode_parse(v);

	if (m < 0)
		return err_set("%s=%s: expected on, off or masquerade", k, v);
	lo->fw.nat = (enum nat_mode)m;
	return 0;
}
static int opt_failover(struct lab_options *lo, const char *k, const char *v)
{
	int d = failover_driver_parse(v);

	if (d < 0)
		return err_set("%s=%s: expected direct or keepalived", k, v);
	lo->fw.driver = (enum failover_driver)d;
	return 0;
}
static int opt_transport(struct lab_options *lo, const char *k, const char *v)
{
	int t = sync_transport_parse(v);

	if (t < 0)
		return err_set("%s=%s: expected udp or multicast", k, v);
	lo->fw.sync.transport = (enum sync_transport)t;
	return 0;
}
static int opt_hashsize(struct lab_options *lo, const char *k, const char *v)
{
	return parse_int(k, v, 16, 1 << 22, &lo->fw.sync.hashsize);
}
static int opt_expect_sync(struct lab_options *lo, const char *k, const char *v)
{
	return parse_onoff(k, v, &lo->fw.sync.expectation_sync);
}
static int opt_internal(struct lab_options *lo, const char *k, const char *v)
{
	int on = 1, rc = parse_onoff(k, v, &on);

	lo->fw.sync.disable_internal_cache = !on;
	return rc;
}
static int opt_external(struct lab_options *lo, const char *k, const char *v)
{
	int on = 1, rc = parse_onoff(k, v, &on);

	lo->fw.sync.disable_external_cache = !on;
	return rc;
}
static int opt_commit_timeout(struct lab_options *lo, const char *k, const char *v)
{
	return parse_int(k, v, 0, 86400, &lo->fw.sync.commit_timeout);
}

static int opt_family(struct lab_options *lo, const char *k, const char *v)
{
	int f = lab_family_parse(v);

	if (f < 0)
		return err_set("%s=%s: expected ipv4, ipv6 or dual", k, v);
	lo->fw.family = (enum lab_family)f;
	return 0;
}

static int opt_input_guard(struct lab_options *lo, const char *k, const char *v)
{
	return parse_onoff(k, v, &lo->fw.input_guard);
}

static int opt_server_rate(struct lab_options *lo, const char *k, const char *v)
{
	if (scenario_parse_size(v, &lo->server_rate) < 0)
		return err_prefix("%s", k);
	/* vsftpd keeps anon_max_rate in an unsigned int. */
	if (lo->server_rate > 0xffffffffULL)
		return err_set("%s=%s: at most 4G-1 bytes/s", k, v);
	return 0;
}

static int opt_server(struct lab_options *lo, const char *k, const char *v)
{
	return parse_onoff(k, v, &lo->server);
}

static const struct {
	const char *key;
	int (*apply)(struct lab_options *o, const char *key, const char *val);
} lab_opts[] = {
	{ "nat", opt_nat },
	{ "family", opt_family },
	{ "failover", opt_failover },
	{ "transport", opt_transport },
	{ "hashsize", opt_hashsize },
	{ "expect-sync", opt_expect_sync },
	{ "internal-cache", opt_internal },
	{ "external-cache", opt_external },
	{ "commit-timeout", opt_commit_timeout },
	{ "server-rate", opt_server_rate },
	{ "input-guard", opt_input_guard },
	{ "server", opt_server },
};

void lab_options_default(struct lab_options *o)
{
	memset(o, 0, sizeof(*o));
	fw_options_default(&o->fw);
	o->server = 1;
}

int scenario_is_lab_option(const char *key)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(lab_opts); i++)
		if (strcmp(lab_opts[i].key, key) == 0)
			return 1;
	return 0;
}

int scenario_lab_option(struct lab_options *o, const char *key, const char *val)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(lab_opts); i++)
		if (strcmp(lab_opts[i].key, key) == 0)
			return lab_opts[i].apply(o, key, val);
	return err_set("unknown lab option '%s'", key);
}

int scenario_lab_options(const struct scenario *sc, const struct sc_variant *v, struct lab_options *o)
{
	int i;

	lab_options_default(o);
	for (i = 0; i < sc->nlab; i++)
		if (scenario_lab_option(o, sc->lab[i].key, sc->lab[i].val) < 0)
			return -1;
	for (i = 0; v && i < v->nvars; i++)
		if (scenario_is_lab_option(v->vars[i].key) &&
		    scenario_lab_option(o, v->vars[i].key, v->vars[i].val) < 0)
			return err_prefix("variant %s", v->name);
	return 0;
}

int scenario_valid_name(const char *s)
{
	size_t i;

	if (!s[0] || strlen(s) >= 32)
		return 0;
	for (i = 0; s[i]; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			return 0;
	return 1;
}

/* Header statements. Each returns 0 or -1 with err set. */
static int h_scenario(struct scenario *sc, int argc, char **argv)
{
	if (argc != 2)
		return err_set("scenario: expected one quoted description");
	if (sc->description[0])
		return err_set("scenario: a second description line");
	if (str_copy(sc->description, argv[1], sizeof(sc->description)) >= sizeof(sc->description))
		return err_set("scenario: description longer than %zu characters", sizeof(sc->description) - 1);
	return 0;
}

static int h_variant(struct scenario *sc, int argc, char **argv)
{
	struct sc_variant *v;
	struct lab_options o;
	int i;

	if (argc < 2)
		return err_set("variant: expected a name");
	if (!scenario_valid_name(argv[1]))
		return err_set("variant '%s': use letters, digits, '-' and '_'", argv[1]);
	for (i = 0; i < sc->nvariants; i++)
		if (strcmp(sc->variants[i].name, argv[1]) == 0)
			return err_set("variant '%s' defined twice", argv[1]);
	if (sc->nvariants >= SC_MAX_VARIANTS)
		return err_set("more than %d variants", SC_MAX_VARIANTS);
	v = &sc->variants[sc->nvariants];
	memset(v, 0, sizeof(*v));
	str_copy(v->name, argv[1], sizeof(v->name));
	lab_options_default(&o);
	for (i = 2; i < argc; i++) {
		if (v->nvars >= SC_MAX_VARS)
			return err_set("variant: too many settings");
		if (parse_kv(argv[i], &v->vars[v->nvars]) < 0)
			return -1;
		if (scenario_is_lab_option(v->vars[v->nvars].key) &&
		    scenario_lab_option(&o, v->vars[v->nvars].key, v->vars[v->nvars].val) < 0)
			return -1;
		v->nvars++;
	}
	sc->nvariants++;
	return 0;
}

static int parse_conds(int argc, char **argv, struct sc_kv *cond, int *ncond)
{
	int i;

	for (i = 0; i < argc; i++) {
		if (*ncond >= SC_MAX_CONDS)
			return err_set("too many conditions");
		if (parse_kv(argv[i], &cond[*ncond]) < 0)
			return -1;
		(*ncond)++;
	}
	return 0;
}

static int h_fault(struct scenario *sc, int argc, char **argv)
{
	struct sc_fault *f;
	int i;

	if (argc < 3 || (argc > 3 && strcmp(argv[3], "when") != 0) || argc == 4)
		return err_set("known-fault: expected ID \"description\" [when key=value...]");
	if (!scenario_valid_name(argv[1]))
		return err_set("known-fault '%s': use letters, digits, '-' and '_'", argv[1]);
	for (i = 0; i < sc->nfaults; i++)
		if (strcmp(sc->faults[i].id, argv[1]) == 0)
			return err_set("known-fault '%s' defined twice", argv[1]);
	if (sc->nfaults >= SC_MAX_FAULTS)
		return err_set("more than %d known faults", SC_MAX_FAULTS);
	f = &sc->faults[sc->nfaults];
	memset(f, 0, sizeof(*f));
	str_copy(f->id, argv[1], sizeof(f->id));
	if (str_copy(f->what, argv[2], sizeof(f->what)) >= sizeof(f->what))
		return err_set("known-fault '%s': description longer than %zu characters", argv[1],
			       sizeof(f->what) - 1);
	if (argc > 4 && parse_conds(argc - 4, argv + 4, f->cond, &f->ncond) < 0)
		return -1;
	sc->nfaults++;
	return 0;
}

static int h_requires(struct scenario *sc, int argc, char **argv)
{
	struct sc_require *r;
	const char *w;
	char *ne;

	if (argc < 2 || (argc > 2 && strcmp(argv[2], "when") != 0) || argc == 3)
		return err_set("requires: expected KEY=VALUE[|VALUE...] (or KEY!=...) [when key=value...]");
	if (sc->nrequires >= SC_MAX_REQUIRES)
		return err_set("more than %d requires lines", SC_MAX_REQUIRES);
	r = &sc->requires[sc->nrequires];
	memset(r, 0, sizeof(*r));
	w = argv[1];
	ne = strstr(w, "!=");
	if (ne && ne < strchr(w, '=') + 1) {
		char tmp[200];

		if (str_copy(tmp, w, sizeof(tmp)) >= sizeof(tmp))
			return err_set("'%s': too long", w);
		tmp[ne - w] = '\0';
		if (!tmp[0] || !ne[2])
			return err_set("'%s': expected KEY!=VALUE", w);
		str_copy(r->need.key, tmp, sizeof(r->need.key));
		if (str_copy(r->need.val, ne + 2, sizeof(r->need.val)) >= sizeof(r->need.val))
			return err_set("'%s': value too long", w);
		r->negate = 1;
	} else if (parse_kv(w, &r->need) < 0) {
		return -1;
	}
	if (argc > 3 && parse_conds(argc - 3, argv + 3, r->cond, &r->ncond) < 0)
		return -1;
	sc->nrequires++;
	return 0;
}

static int h_lab(struct scenario *sc, int argc, char **argv)
{
	struct lab_options o;
	int i;

	if (argc < 2)
		return err_set("lab: expected key=value options");
	lab_options_default(&o);
	for (i = 1; i < argc; i++) {
		struct sc_kv kv;

		if (parse_kv(argv[i], &kv) < 0 || scenario_lab_option(&o, kv.key, kv.val) < 0)
			return -1;
		if (sc->nlab >= SC_MAX_VARS)
			return err_set("lab: too many options");
		sc->lab[sc->nlab++] = kv;
	}
	return 0;
}

static int h_file(struct scenario *sc, int argc, char **argv)
{
	struct sc_file *f;
	const char *c;
	int i;

	if (argc != 3)
		return err_set("file: expected NAME SIZE");
	for (c = argv[1]; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '.' && *c != '_' && *c != '-')
			return err_set("file '%s': only letters, digits, '.', '_' and '-'", argv[1]);
	if (argv[1][0] == '.' || strlen(argv[1]) >= sizeof(f->name))
		return err_set("file '%s': bad name", argv[1]);
	for (i = 0; i < sc->nfiles; i++)
		if (strcmp(sc->files[i].name, argv[1]) == 0)
			return err_set("file '%s' defined twice", argv[1]);
	if (sc->nfiles >= SC_MAX_FILES)
		return err_set("more than %d files", SC_MAX_FILES);
	f = &sc->files[sc->nfiles];
	str_copy(f->name, argv[1], sizeof(f->name));
	if (scenario_parse_size(argv[2], &f->size) < 0)
		return -1;
	if (f->size > 1ULL << 32)
		return err_set("file '%s': at most 4G", argv[1]);
	sc->nfiles++;
	return 0;
}

static const struct {
	const char *word;
	int (*fn)(struct scenario *sc, int argc, char **argv);
} headers[] = {
	{ "scenario", h_scenario },
	{ "variant", h_variant },
	{ "known-fault", h_fault },
	{ "requires", h_requires },
	{ "lab", h_lab },
	{ "file", h_file },
};

static void free_words(char **argv, int argc)
{
	while (argc)
		free(argv[--argc]);
}

/*
 * Blocks: "when k=v... {" ... "}" puts its conditions in front of every
 * step inside; "with fault=ID|within=D... {" ... "}" gives every step
 * inside those options (a step's own option of the same key wins).
 * Blocks nest; their conditions and options add up.
 */
#define SC_MAX_BLOCKS 8
#define SC_MAX_BLOCK_OPTS 4
struct block {
	int line;
	int ncond;
	struct sc_kv cond[SC_MAX_CONDS];
	int nopt;
	char opt[SC_MAX_BLOCK_OPTS][160];
};

struct blocks {
	int n;
	struct block b[SC_MAX_BLOCKS];
};

/* Is argv a block's opening ("when ... {" or "with ... {")? */
static int block_opens(int argc, char **argv)
{
	return argc >= 2 && strcmp(argv[argc - 1], "{") == 0 &&
	       (strcmp(argv[0], "when") == 0 || strcmp(argv[0], "with") == 0);
}

static int block_open(struct blocks *bs, int line, int argc, char **argv)
{
	struct block *b;
	int i;

	if (bs->n >= SC_MAX_BLOCKS)
		return err_set("blocks nested more than %d deep", SC_MAX_BLOCKS);
	if (argc < 3)
		return err_set("%s: expected %s { (a block of steps, closed by a line '}')", argv[0],
			       strcmp(argv[0], "when") == 0 ? "when key=value..." : "with fault=ID|within=D...");
	b = &bs->b[bs->n];
	memset(b, 0, sizeof(*b));
	b->line = line;
	if (strcmp(argv[0], "when") == 0) {
		if (parse_conds(argc - 2, argv + 1, b->cond, &b->ncond) < 0)
			return err_prefix("when");
	} else {
		for (i = 1; i < argc - 1; i++) {
			if (strncmp(argv[i], "fault=", 6) != 0 && strncmp(argv[i], "within=", 7) != 0)
				return err_set("with: '%s': a block gives its steps fault=ID or within=D only", argv[i]);
			if (!strchr(argv[i], '=')[1])
				return err_set("with: '%s': an empty value", argv[i]);
			if (b->nopt >= SC_MAX_BLOCK_OPTS)
				return err_set("with: more than %d options", SC_MAX_BLOCK_OPTS);
			if (str_copy(b->opt[b->nopt++], argv[i], sizeof(b->opt[0])) >= sizeof(b->opt[0]))
				return err_set("with: '%s': too long", argv[i]);
		}
	}
	bs->n++;
	return 0;
}

/* Does argv already carry an option with word's key ("fault=")? */
static int has_key(int argc, char **argv, const char *word)
{
	size_t k = (size_t)(strchr(word, '=') - word) + 1;
	int i;

	for (i = 1; i < argc; i++)
		if (strncmp(argv[i], word, k) == 0)
			return 1;
	return 0;
}

/* A step line: optional "when k=v... :" prefix, then the verb; the open
 * blocks' conditions and options added. */
static int parse_step(struct scenario *sc, int line, int *pargc, char **argv, const struct blocks *bs,
		      const struct sc_verbs *verbs)
{
	struct sc_step st;
	int start = 0, i, j, cap, argc = *pargc;

	memset(&st, 0, sizeof(st));
	st.line = line;
	for (i = 0; i < bs->n; i++)
		for (j = 0; j < bs->b[i].ncond; j++) {
			if (st.ncond >= SC_MAX_CONDS)
				return err_set("more than %d conditions with the blocks' (lines %d...)", SC_MAX_CONDS,
					       bs->b[0].line);
			st.cond[st.ncond++] = bs->b[i].cond[j];
		}
	if (strcmp(argv[0], "when") == 0) {
		for (i = 1; i < argc && strcmp(argv[i], ":") != 0; i++)
			;
		if (i >= argc || i == 1 || i == argc - 1)
			return err_set("when: expected when key=value... : STEP");
		if (parse_conds(i - 1, argv + 1, st.cond, &st.ncond) < 0)
			return -1;
		start = i + 1;
	}
	st.verb = verbs->lookup(argv[start]);
	if (st.verb < 0)
		return err_set("unknown statement '%s'", argv[start]);
	/* the blocks' options, innermost first, unless the step has the key;
	 * checks only */
	for (i = verbs->is_check && verbs->is_check(st.verb) ? bs->n - 1 : -1; i >= 0; i--)
		for (j = 0; j < bs->b[i].nopt; j++) {
			if (has_key(argc - start, argv + start, bs->b[i].opt[j]))
				continue;
			if (argc >= SC_MAX_ARGS)
				return err_set("more than %d words with the block's options", SC_MAX_ARGS);
			argv[argc++] = xstrdup(bs->b[i].opt[j]);
			*pargc = argc; /* the caller frees them on an error */
		}
	if (verbs->check(st.verb, argc - start, argv + start) < 0)
		return err_prefix("%s", argv[start]);
	st.argc = argc - start;
	for (i = 0; i < st.argc; i++)
		st.argv[i] = argv[start + i];
	for (i = 0; i < start; i++)
		free(argv[i]);
	cap = sc->nsteps + 1;
	sc->steps = xrealloc(sc->steps, (size_t)cap * sizeof(*sc->steps));
	sc->steps[sc->nsteps++] = st;
	return 0;
}

static int check_variables(const struct scenario *sc, const struct sc_verbs *verbs);

/*
 * Every fault=ID names a known-fault of the scenario; evidence=TEXT goes
 * with a fault= on the same step and is not empty; and every known fault
 * has its evidence on at least one check (fault=ID evidence=TEXT), so
 * that a run can tell the fault reproduced for the right reason.
 */
static int check_faults(const struct scenario *sc)
{
	int i, j, k, has_evidence[SC_MAX_FAULTS] = { 0 }, by_variable = 0;

	for (i = 0; i < sc->nsteps; i++) {
		const struct sc_step *st = &sc->steps[i];
		const char *evidence = NULL;
		int fault = -2; /* -2: no fault= word, -1: a variable */

		for (j = 1; j < st->argc; j++) {
			const char *w = st->argv[j];

			if (strncmp(w, "evidence=", 9) == 0) {
				evidence = w + 9;
				continue;
			}
			if (strncmp(w, "fault=", 6) != 0 || strchr(w, ' '))
				continue;
			if (strchr(w, '$')) {
				fault = -1;
				continue;
			}
			for (k = 0; k < sc->nfaults; k++)
				if (strcmp(sc->faults[k].id, w + 6) == 0)
					break;
			if (k == sc->nfaults)
				return err_set("%s:%d: no known-fault '%s' is declared", sc->path, st->line, w + 6);
			fault = k;
		}
		if (!evidence)
			continue;
		if (fault == -2)
			return err_set("%s:%d: evidence= without fault=ID (evidence is what a known fault's failure shows)",
				       sc->path, st->line);
		if (!evidence[0])
			return err_set("%s:%d: evidence= is empty", sc->path, st->line);
		if (fault == -1)
			by_variable = 1;
		else
			has_evidence[fault] = 1;
	}
	for (k = 0; k < sc->nfaults && !by_variable; k++)
		if (!has_evidence[k])
			return err_set("%s:%d: known-fault '%s': no check carries its evidence "
				       "(mark one with fault=%s evidence=\"TEXT it fails with\")",
				       sc->path, sc->faults[k].line, sc->faults[k].id, sc->faults[k].id);
	return 0;
}

/*
 * Where the backslash is that continues line s on the next one: the last
 * character but trailing blanks, outside quotes and not in a comment; -1
 * when the line does not continue.
 */
static long continued(const char *s)
{
	long last = -1, i;
	int quoted = 0;

	for (i = 0; s[i]; i++) {
		if (quoted) {
			if (s[i] == '\\' && (s[i + 1] == '"' || s[i + 1] == '\\'))
				i++;
			else if (s[i] == '"')
				quoted = 0;
			continue;
		}
		if (s[i] == '#')
			return -1;
		if (s[i] == '"')
			quoted = 1;
		else if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			last = i;
	}
	return !quoted && last >= 0 && s[last] == '\\' ? last : -1;
}

struct scenario *scenario_parse(const char *name, const char *text, const struct sc_verbs *verbs)
{
	struct scenario *sc = xcalloc(1, sizeof(*sc));
	const char *p = text, *slash = strrchr(name, '/');
	struct blocks bs = { 0 };
	int line = 0;

	str_copy(sc->path, name, sizeof(sc->path));
	str_copy(sc->name, slash ? slash + 1 : name, sizeof(sc->name));
	if (strlen(sc->name) > 4 && strcmp(sc->name + strlen(sc->name) - 4, ".scn") == 0)
		sc->name[strlen(sc->name) - 4] = '\0';
	while (*p) {
		char *argv[SC_MAX_ARGS];
		char buf[4096];
		int argc, first;
		size_t h, used = 0;
		long cont;

		/* A statement: a line, and the lines a final '\\' joins to it. */
		first = line + 1;
		do {
			const char *nl = strchr(p, '\n');
			size_t len = nl ? (size_t)(nl - p) : strlen(p);

			line++;
			if (used + len >= sizeof(buf)) {
				err_set("%s:%d: line too long", name, first);
				goto out_fail;
			}
			if (memchr(p, '\0', len)) {
				err_set("%s:%d: NUL byte in line", name, line);
				goto out_fail;
			}
			memcpy(buf + used, p, len);
			used += len;
			buf[used] = '\0';
			p += len + (nl ? 1 : 0);
			cont = continued(buf);
			if (cont >= 0) {
				buf[cont] = ' ';
				used = (size_t)cont + 1;
				buf[used] = '\0';
			}
		} while (cont >= 0 && *p);
		argc = tokenize(buf, argv, SC_MAX_ARGS);
		if (argc < 0) {
			err_prefix("%s:%d", name, first);
			goto out_fail;
		}
		if (argc == 0)
			continue;
		if (argc == 1 && strcmp(argv[0], "}") == 0) {
			free_words(argv, argc);
			if (!bs.n) {
				err_set("%s:%d: '}' closes no block", name, first);
				goto out_fail;
			}
			bs.n--;
			continue;
		}
		if (block_opens(argc, argv)) {
			int rc = block_open(&bs, first, argc, argv);

			free_words(argv, argc);
			if (rc < 0) {
				err_prefix("%s:%d", name, first);
				goto out_fail;
			}
			continue;
		}
		for (h = 0; h < ARRAY_SIZE(headers); h++)
			if (strcmp(argv[0], headers[h].word) == 0)
				break;
		if (h < ARRAY_SIZE(headers)) {
			int rc = bs.n ? err_set("'%s' cannot be inside a block (opened at line %d)", argv[0], bs.b[bs.n - 1].line)
				 : sc->nsteps && strcmp(argv[0], "scenario") != 0 && strcmp(argv[0], "known-fault") != 0
				 ? err_set("'%s' must come before the first step", argv[0])
				 : headers[h].fn(sc, argc, argv);

			free_words(argv, argc);
			if (rc < 0) {
				err_prefix("%s:%d", name, first);
				goto out_fail;
			}
			if (headers[h].fn == h_fault)
				sc->faults[sc->nfaults - 1].line = first;
			continue;
		}
		if (parse_step(sc, first, &argc, argv, &bs, verbs) < 0) {
			free_words(argv, argc);
			err_prefix("%s:%d", name, first);
			goto out_fail;
		}
	}
	if (bs.n) {
		err_set("%s:%d: block not closed (a line '}' ends it)", name, bs.b[bs.n - 1].line);
		goto out_fail;
	}
	if (!sc->description[0]) {
		err_set("%s:1: no 'scenario \"description\"' line", name);
		goto out_fail;
	}
	if (sc->nsteps == 0) {
		err_set("%s:%d: no steps", name, line);
		goto out_fail;
	}
	if (check_faults(sc) < 0 || check_variables(sc, verbs) < 0)
		goto out_fail;
	return sc;
out_fail:
	scenario_free(sc);
	return NULL;
}

struct scenario *scenario_load(const char *path, const struct sc_verbs *verbs)
{
	struct scenario *sc;
	size_t len;
	char *text = file_read(path, &len);

	if (!text)
		return NULL;
	if (strlen(text) != len) {
		size_t i;
		int line = 1;

		for (i = 0; text[i] || i < strlen(text); i++)
			if (text[i] == '\n')
				line++;
		err_set("%s:%d: NUL byte in line", path, line);
		free(text);
		return NULL;
	}
	sc = scenario_parse(path, text, verbs);
	free(text);
	return sc;
}

void scenario_free(struct scenario *sc)
{
	int i, j;

	if (!sc)
		return;
	for (i = 0; i < sc->nsteps; i++)
		for (j = 0; j < sc->steps[i].argc; j++)
			free(sc->steps[i].argv[j]);
	free(sc->steps);
	free(sc);
}

int scenario_describe(const char *path, char *buf, size_t len)
{
	char *text = file_read(path, NULL), *p, *line;
	int rc = -1;

	if (!text)
		return -1;
	for (line = strtok_r(text, "\n", &p); line; line = strtok_r(NULL, "\n", &p)) {
		char *argv[SC_MAX_ARGS];
		int argc = tokenize(line, argv, SC_MAX_ARGS);

		if (argc < 0)
			break;
		if (argc == 0)
			continue;
		if (strcmp(argv[0], "scenario") == 0 && argc == 2) {
			str_copy(buf, argv[1], len);
			rc = 0;
		}
		free_words(argv, argc);
		break;
	}
	free(text);
	return rc < 0 ? err_set("%s: no 'scenario \"description\"' line first", path) : 0;
}

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

int scenario_recheck(const char *path, const struct sc_step *st, const struct sc_verbs *verbs, sc_lookup_fn lookup,
		     void *ctx)
{
	return check_expanded(path, st, verbs, lookup, ctx, 0, "at run time");
}

/* ---- variables before anything is set up ----------------------------------- */

/*
 * What one variant of a scenario knows before its lab exists: its
 * variables, the runner's builtins, and which earlier steps may have run
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
static int check_variables(const struct scenario *sc, const struct sc_verbs *verbs)
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
