/*
 * assertion: matches over ct records, polled until they hold or a deadline
 * passes. See assertion.h.
 *
 * Terms are checked when parsed, against what records of the kind can
 * carry (the key tables below, from ct.h), so that a typo is an error
 * when the scenario is read and not a check that silently never holds.
 * Address values are normalised to inet_ntop form, as records hold them.
 */
#include "assertion.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- knowledge ------------------------------------------------------- */

/* What a field holds, which decides the values and operators it takes. */
enum key_type {
	KT_WORD, /* a name: tcp, ESTABLISHED, ftp, ipv4, snat */
	KT_ADDR, /* an address */
	KT_PORT, /* 0..65535 */
	KT_NUM,  /* a decimal number */
	KT_LIST, /* a comma list: ~ and !~ test one item */
};

struct known_key {
	const char *key;
	enum key_type type;
};

/* The keys of ct.h, per kind. */
static const struct known_key ct_keys[] = {
	{ "family", KT_WORD },     { "proto", KT_WORD },
	{ "src", KT_ADDR },        { "dst", KT_ADDR },
	{ "sport", KT_PORT },      { "dport", KT_PORT },
	{ "reply-src", KT_ADDR },  { "reply-dst", KT_ADDR },
	{ "reply-sport", KT_PORT }, { "reply-dport", KT_PORT },
	{ "state", KT_WORD },      { "status", KT_LIST },
	{ "helper", KT_WORD },     { "timeout", KT_NUM },
	{ "mark", KT_NUM },        { "zone", KT_NUM },
	{ "id", KT_NUM },          { "nat", KT_WORD },
};

static const struct known_key exp_keys[] = {
	{ "family", KT_WORD },      { "proto", KT_WORD },
	{ "src", KT_ADDR },         { "dst", KT_ADDR },
	{ "sport", KT_PORT },       { "dport", KT_PORT },
	{ "mask-src", KT_ADDR },    { "mask-dst", KT_ADDR },
	{ "mask-sport", KT_PORT },  { "mask-dport", KT_PORT },
	{ "master-src", KT_ADDR },  { "master-dst", KT_ADDR },
	{ "master-sport", KT_PORT }, { "master-dport", KT_PORT },
	{ "helper", KT_WORD },      { "class", KT_NUM },
	{ "zone", KT_NUM },         { "timeout", KT_NUM },
	{ "flags", KT_LIST },       { "nat-dir", KT_WORD },
	{ "nat-dst", KT_ADDR },     { "nat-dport", KT_PORT },
};

/*
 * Operators, longest first so that "!=" is not read as "!" + "=...".
 * whole: the operator is the rest of the term ("=*", "!=*"), no value.
 */
static const struct op_syntax {
	const char *text;
	enum match_op op;
	int whole;
} ops[] = {
	{ "!=*", MATCH_MISSING, 1 },
	{ "!=", MATCH_NE, 0 },
	{ "!~", MATCH_HASNT, 0 },
	{ "=*", MATCH_EXISTS, 1 },
	{ "=", MATCH_EQ, 0 },
	{ "~", MATCH_HAS, 0 },
};

#define OP_CHARS "!=~"
#define DIAG_MAX_RECORDS 20
#define RECORD_TEXT (CT_MAX_FIELDS * (CT_KEY_LEN + CT_VAL_LEN + 1) + 1)
#define MATCH_TEXT (MATCH_MAX_TERMS * (CT_KEY_LEN + CT_VAL_LEN + 4) + 1)

/* ---- terms ----------------------------------------------------------- */

static const struct known_key *key_find(enum ct_kind kind, const char *key)
{
	const struct known_key *t = NULL;
	size_t i, n = 0;

	switch (kind) {
	case CT_KIND_CONNTRACK:
		t = ct_keys;
		n = ARRAY_SIZE(ct_keys);
		break;
	case CT_KIND_EXPECT:
		t = exp_keys;
		n = ARRAY_SIZE(exp_keys);
		break;
	}
	for (i = 0; i < n; i++)
		if (strcmp(t[i].key, key) == 0)
			return &t[i];
	return NULL;
}

int match_key_known(enum ct_kind kind, const char *key)
{
	return key_find(kind, key) != NULL;
}

static const struct op_syntax *op_find(enum match_op op)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ops); i++)
		if (ops[i].op == op)
			return &ops[i];
	return NULL;
}

static int is_uint(const char *s, unsigned long max)
{
	unsigned long v;
	char *end;

	if (s[0] < '0' || s[0] > '9')
		return 0;
	errno = 0;
	v = strtoul(s, &end, 10);
	return !errno && !*end && v <= max;
}

/* Check val for a field of type kt under op; addresses normalised into out. */
static int value_check(const char *term, const struct known_key *k, enum match_op op,
		       const char *val, char *out, size_t outlen)
{
	unsigned char bin[sizeof(struct in6_addr)];
	int af;

	if (!val[0])
		return err_set("term '%s': empty value", term);
	if (strlen(val) >= outlen)
		return err_set("term '%s': value longer than %zu", term, outlen - 1);
	if (strpbrk(val, " \t"))
		return err_set("term '%s': blank in value", term);
	str_copy(out, val, outlen);
	if ((op == MATCH_HAS || op == MATCH_HASNT) && k->type != KT_LIST)
		return err_set("term '%s': ~ and !~ need a list field (status, flags), not %s",
			       term, k->key);
	switch (k->type) {
	case KT_WORD:
		break;
	case KT_ADDR:
		af = strchr(val, ':') ? AF_INET6 : AF_INET;
		if (inet_pton(af, val, bin) != 1)
			return err_set("term '%s': '%s' is not an address", term, val);
		inet_ntop(af, bin, out, outlen);
		break;
	case KT_PORT:
		if (!is_uint(val, 65535))
			return err_set("term '%s': '%s' is not a port", term, val);
		break;
	case KT_NUM:
		if (!is_uint(val, 0xffffffffUL))
			return err_set("term '%s': '%s' is not a number", term, val);
		break;
	case KT_LIST:
		if ((op == MATCH_HAS || op == MATCH_HASNT) && strchr(val, ','))
			return err_set("term '%s': ~ and !~ take one item, not a list", term);
		break;
	}
	return 0;
}

int match_add_term(struct match *m, const char *term)
{
	const struct op_syntax *op = NULL;
	const struct known_key *k;
	struct match_term t;
	size_t klen, i;
	const char *rest;

	memset(&t, 0, sizeof(t));
	klen = strcspn(term, OP_CHARS);
	if (!term[klen])
		return err_set("term '%s': no operator (=, !=, ~, !~, =*, !=*)", term);
	rest = term + klen;
	for (i = 0; i < ARRAY_SIZE(ops) && !op; i++) {
		size_t olen = strlen(ops[i].text);

		if (strncmp(rest, ops[i].text, olen) == 0 && (!ops[i].whole || !rest[olen]))
			op = &ops[i];
	}
	if (!op)
		return err_set("term '%s': no operator (=, !=, ~, !~, =*, !=*)", term);
	if (klen == 0)
		return err_set("term '%s': empty key", term);
	if (klen >= sizeof(t.key))
		return err_set("term '%s': key longer than %zu", term, sizeof(t.key) - 1);
	memcpy(t.key, term, klen);
	k = key_find(m->kind, t.key);
	if (!k)
		return err_set("term '%s': unknown %s key '%s'", term, ct_kind_name(m->kind), t.key);
	t.op = op->op;
	if (!op->whole &&
	    value_check(term, k, t.op, rest + strlen(op->text), t.val, sizeof(t.val)) < 0)
		return -1;
	if (m->nterms >= MATCH_MAX_TERMS)
		return err_set("term '%s': more than %d terms", term, MATCH_MAX_TERMS);
	m->t[m->nterms++] = t;
	return 0;
}

/* ---- matching -------------------------------------------------------- */

/* Is item one of the comma-separated entries of list? */
static int list_has(const char *list, const char *item)
{
	size_t n = strlen(item);
	const char *p = list;

	while (*p) {
		size_t len = strcspn(p, ",");

		if (len == n && strncmp(p, item, n) == 0)
			return 1;
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

static int term_holds(const struct match_term *t, const struct ct_record *r)
{
	const char *v = ct_record_get(r, t->key);

	switch (t->op) {
	case MATCH_EQ:
		return v && strcmp(v, t->val) == 0;
	case MATCH_NE:
		return !v || strcmp(v, t->val) != 0;
	case MATCH_HAS:
		return v && list_has(v, t->val);
	case MATCH_HASNT:
		return !v || !list_has(v, t->val);
	case MATCH_EXISTS:
		return v != NULL;
	case MATCH_MISSING:
		return v == NULL;
	}
	return 0;
}

/* How many of m's terms r satisfies. */
static int terms_held(const struct match *m, const struct ct_record *r)
{
	int i, n = 0;

	for (i = 0; i < m->nterms; i++)
		n += term_holds(&m->t[i], r);
	return n;
}

int match_record(const struct match *m, const struct ct_record *r)
{
	return r->kind == m->kind && terms_held(m, r) == m->nterms;
}

size_t match_count(const struct match *m, const struct ct_list *l)
{
	size_t i, n = 0;

	for (i = 0; i < l->n; i++)
		n += match_record(m, &l->v[i]);
	return n;
}

static void term_format(const struct match_term *t, char *buf, size_t len)
{
	const struct op_syntax *op = op_find(t->op);

	if (!op) {
		snprintf(buf, len, "?%s", t->val);
		return;
	}
	snprintf(buf, len, "%s%s", op->text, op->whole ? "" : t->val);
}

void match_format(const struct match *m, char *buf, size_t len)
{
	char term[CT_VAL_LEN + 8];
	size_t off = 0;
	int i, n;

	if (!len)
		return;
	buf[0] = '\0';
	for (i = 0; i < m->nterms && off < len; i++) {
		term_format(&m->t[i], term, sizeof(term));
		n = snprintf(buf + off, len - off, "%s%s%s", i ? " " : "", m->t[i].key, term);
		if (n < 0)
			break;
		off += (size_t)n;
	}
}

/* ---- polling --------------------------------------------------------- */

/* A growing text for diagnostics. */
struct text {
	char *s; /* owned */
	size_t len, cap;
};

static void text_add(struct text *t, const char *fmt, ...) FTFW_FMT(2, 3);

static void text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (t->len + (size_t)n + 1 > t->cap) {
		t->cap = (t->len + (size_t)n + 1) * 2;
		t->s = xrealloc(t->s, t->cap);
	}
	va_start(ap, fmt);
	vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

static int quantifier_holds(enum quantifier q, size_t n, size_t count)
{
	switch (q) {
	case Q_PRESENT:
		return count >= 1;
	case Q_ABSENT:
		return count == 0;
	case Q_COUNT:
		return count == n;
	}
	return 0;
}

/* Did the check fail because too few records matched (not too many)? */
static int quantifier_wants_more(enum quantifier q, size_t n, size_t count)
{
	switch (q) {
	case Q_PRESENT:
		return count < 1;
	case Q_ABSENT:
		return 0;
	case Q_COUNT:
		return count < n;
	}
	return 0;
}

static void quantifier_describe(enum quantifier q, size_t n, char *buf, size_t len)
{
	switch (q) {
	case Q_PRESENT:
		snprintf(buf, len, "present (at least 1 matching)");
		return;
	case Q_ABSENT:
		snprintf(buf, len, "absent (no record matching)");
		return;
	case Q_COUNT:
		snprintf(buf, len, "count %zu (exactly %zu matching)", n, n);
		return;
	}
}

/* Each term r fails: "  helper: expected =ftp, found (absent)". */
static void diag_failed_terms(struct text *t, const struct match *m, const struct ct_record *r)
{
	char term[CT_VAL_LEN + 8];
	const char *v;
	int i;

	for (i = 0; i < m->nterms; i++) {
		if (term_holds(&m->t[i], r))
			continue;
		v = ct_record_get(r, m->t[i].key);
		term_format(&m->t[i], term, sizeof(term));
		text_add(t, "    %s: expected %s, found %s\n", m->t[i].key, term,
			 v ? v : "(absent)");
	}
}

static char *diag_failure(const struct match *m, enum quantifier q, size_t n,
			  const struct ct_list *l, size_t count, int polls, int64_t elapsed)
{
	char mtext[MATCH_TEXT], qtext[64], rtext[RECORD_TEXT];
	const struct ct_record *closest = NULL;
	size_t i, shown = 0, of_kind = 0, closest_at = 0;
	const char *kind = ct_kind_name(m->kind);
	struct text t = { NULL, 0, 0 };
	int best = -1;

	match_format(m, mtext, sizeof(mtext));
	quantifier_describe(q, n, qtext, sizeof(qtext));
	for (i = 0; i < l->n; i++)
		of_kind += l->v[i].kind == m->kind;
	text_add(&t, "expected: %s %s: %s\n", kind, mtext[0] ? mtext : "(any)", qtext);
	text_add(&t, "found: %zu matching of %zu %s record%s (poll %d, after %lld ms)\n", count,
		 of_kind, kind, of_kind == 1 ? "" : "s", polls, (long long)elapsed);
	for (i = 0; i < l->n; i++) {
		const struct ct_record *r = &l->v[i];
		int held;

		if (r->kind != m->kind)
			continue;
		shown++;
		if (shown <= DIAG_MAX_RECORDS) {
			ct_record_format(r, rtext, sizeof(rtext));
			text_add(&t, "  [%zu]%s %s\n", shown, match_record(m, r) ? "*" : "", rtext);
		}
		held = terms_held(m, r);
		if (held < m->nterms && held > best) {
			best = held;
			closest = r;
			closest_at = shown;
		}
	}
	if (shown > DIAG_MAX_RECORDS)
		text_add(&t, "  ... and %zu more\n", shown - DIAG_MAX_RECORDS);
	if (count)
		text_add(&t, "  (* = matching)\n");
	if (!quantifier_wants_more(q, n, count))
		return t.s;
	if (!closest) {
		text_add(&t, "  closest: none (no %s record that fails the match)\n", kind);
		return t.s;
	}
	ct_record_format(closest, rtext, sizeof(rtext));
	text_add(&t, "  closest: [%zu] %s (%d of %d terms hold)\n", closest_at, rtext, best,
		 m->nterms);
	diag_failed_terms(&t, m, closest);
	return t.s;
}

static char *diag_success(const struct match *m, const struct ct_list *l)
{
	char rtext[RECORD_TEXT];
	struct text t = { NULL, 0, 0 };
	size_t i, shown = 0;

	for (i = 0; i < l->n; i++) {
		if (!match_record(m, &l->v[i]))
			continue;
		if (++shown > DIAG_MAX_RECORDS)
			continue;
		ct_record_format(&l->v[i], rtext, sizeof(rtext));
		text_add(&t, "%s\n", rtext);
	}
	if (shown > DIAG_MAX_RECORDS)
		text_add(&t, "... and %zu more\n", shown - DIAG_MAX_RECORDS);
	return t.s;
}

enum assert_verdict assert_poll(const struct match *m, enum quantifier q, size_t n,
				assert_fetch_fn fetch, void *arg, int timeout_ms,
				int interval_ms, char **diag, struct ct_record *matched)
{
	enum assert_verdict v = ASSERT_ERROR;
	struct ct_list l = { 0, 0, NULL };
	char mtext[MATCH_TEXT];
	int64_t start = now_ms(), left;
	size_t count, i;
	int polls = 0;

	if (diag)
		*diag = NULL;
	if (timeout_ms < 0)
		timeout_ms = 0;
	if (interval_ms < 1)
		interval_ms = 1;
	for (;;) {
		ct_list_clear(&l);
		polls++;
		if (fetch(arg, &l) < 0) {
			match_format(m, mtext, sizeof(mtext));
			err_prefix("poll %d for %s %s", polls, ct_kind_name(m->kind), mtext);
			goto out;
		}
		count = match_count(m, &l);
		if (quantifier_holds(q, n, count))
			break;
		left = start + timeout_ms - now_ms();
		if (left <= 0) {
			v = ASSERT_FAILS;
			if (diag)
				*diag = diag_failure(m, q, n, &l, count, polls, now_ms() - start);
			goto out;
		}
		sleep_ms(left < interval_ms ? (int)left : interval_ms);
	}
	v = ASSERT_HOLDS;
	if (matched) {
		memset(matched, 0, sizeof(*matched));
		matched->kind = m->kind;
		for (i = 0; i < l.n; i++)
			if (match_record(m, &l.v[i])) {
				*matched = l.v[i];
				break;
			}
	}
	if (diag && count)
		*diag = diag_success(m, &l);
out:
	ct_list_free(&l);
	return v;
}
