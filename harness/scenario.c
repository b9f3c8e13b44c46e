/* scenario: the scenario language's parser. See scenario.h. */
#include "scenario_int.h"

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

/*
 * The next statement of the text at *pp into buf: a line, and the lines a
 * final '\\' joins to it; *first is its first line's number. 1, 0 at
 * the end, or -1 with err set to "name:line: ...".
 */
static int read_statement(const char **pp, const char *name, int *line, int *first, char *buf, size_t size)
{
	const char *p = *pp;
	size_t used = 0;
	long cont;

	if (!*p)
		return 0;
	*first = *line + 1;
	do {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		(*line)++;
		if (used + len >= size)
			return err_set("%s:%d: line too long", name, *first);
		if (memchr(p, '\0', len))
			return err_set("%s:%d: NUL byte in line", name, *line);
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
	*pp = p;
	return 1;
}

/* A header statement (lab, variant, ...): where it may stand, then its own. */
static int header(struct scenario *sc, const struct blocks *bs, size_t h, int first, int argc, char **argv)
{
	if (bs->n)
		return err_set("'%s' cannot be inside a block (opened at line %d)", argv[0], bs->b[bs->n - 1].line);
	if (sc->nsteps && strcmp(argv[0], "scenario") != 0 && strcmp(argv[0], "known-fault") != 0)
		return err_set("'%s' must come before the first step", argv[0]);
	if (headers[h].fn(sc, argc, argv) < 0)
		return -1;
	if (headers[h].fn == h_fault)
		sc->faults[sc->nfaults - 1].line = first;
	return 0;
}

/* One statement's words (argc > 0; freed here): a block's end or start, a
 * header or a step. 0, or -1 with err set (without "name:line: "). */
static int statement(struct scenario *sc, struct blocks *bs, int first, int argc, char **argv,
		     const struct sc_verbs *verbs)
{
	size_t h;
	int rc;

	if (argc == 1 && strcmp(argv[0], "}") == 0) {
		free_words(argv, argc);
		if (!bs->n)
			return err_set("'}' closes no block");
		bs->n--;
		return 0;
	}
	if (block_opens(argc, argv)) {
		rc = block_open(bs, first, argc, argv);
		free_words(argv, argc);
		return rc;
	}
	for (h = 0; h < ARRAY_SIZE(headers); h++)
		if (strcmp(argv[0], headers[h].word) == 0) {
			rc = header(sc, bs, h, first, argc, argv);
			free_words(argv, argc);
			return rc;
		}
	if (parse_step(sc, first, &argc, argv, bs, verbs) < 0) {
		free_words(argv, argc);
		return -1;
	}
	return 0;
}

/* After the last statement: what a whole scenario must have. */
static int complete(const struct scenario *sc, const struct blocks *bs, const char *name, int line,
		    const struct sc_verbs *verbs)
{
	if (bs->n)
		return err_set("%s:%d: block not closed (a line '}' ends it)", name, bs->b[bs->n - 1].line);
	if (!sc->description[0])
		return err_set("%s:1: no 'scenario \"description\"' line", name);
	if (sc->nsteps == 0)
		return err_set("%s:%d: no steps", name, line);
	return check_faults(sc) < 0 || sc_check_variables(sc, verbs) < 0 ? -1 : 0;
}

struct scenario *scenario_parse(const char *name, const char *text, const struct sc_verbs *verbs)
{
	struct scenario *sc = xcalloc(1, sizeof(*sc));
	const char *p = text, *slash = strrchr(name, '/');
	struct blocks bs = { 0 };
	int line = 0, first, rc;

	str_copy(sc->path, name, sizeof(sc->path));
	str_copy(sc->name, slash ? slash + 1 : name, sizeof(sc->name));
	if (strlen(sc->name) > 4 && strcmp(sc->name + strlen(sc->name) - 4, ".scn") == 0)
		sc->name[strlen(sc->name) - 4] = '\0';
	for (;;) {
		char *argv[SC_MAX_ARGS], buf[4096];
		int argc;

		rc = read_statement(&p, name, &line, &first, buf, sizeof(buf));
		if (rc <= 0)
			break;
		argc = tokenize(buf, argv, SC_MAX_ARGS);
		if (argc == 0)
			continue;
		if (argc < 0 || statement(sc, &bs, first, argc, argv, verbs) < 0) {
			rc = err_prefix("%s:%d", name, first);
			break;
		}
	}
	if (rc == 0 && complete(sc, &bs, name, line, verbs) == 0)
		return sc;
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

