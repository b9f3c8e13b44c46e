/*
 * assertion: what a scenario says must hold about conntrack state, and the
 * machinery that checks it honestly: a match over record fields, evaluated
 * again and again until it holds or a deadline passes (never a fixed sleep),
 * and on failure a message that puts what was expected next to what was
 * found.
 *
 * A match is a list of terms over ct.h record fields:
 *   key=value     the field exists and equals value
 *   key!=value    the field is absent or differs
 *   key~item      the field (a comma list, e.g. status or flags) contains item
 *   key!~item     the field does not contain item
 *   key=*         the field exists (any value)
 *   key!=*        the field is absent
 * The quantifier says how many records must match:
 *   present (>= 1), absent (0), count N (exactly N).
 */
#ifndef FTFW_ASSERTION_H
#define FTFW_ASSERTION_H

#include <stddef.h>
#include "ct.h"

enum match_op {
	MATCH_EQ,
	MATCH_NE,
	MATCH_HAS,
	MATCH_HASNT,
	MATCH_EXISTS,
	MATCH_MISSING,
};

#define MATCH_MAX_TERMS 16

struct match_term {
	char key[CT_KEY_LEN];
	enum match_op op;
	char val[CT_VAL_LEN];
};

struct match {
	enum ct_kind kind;
	int nterms;
	struct match_term t[MATCH_MAX_TERMS];
};

enum quantifier {
	Q_PRESENT,
	Q_ABSENT,
	Q_COUNT,
};

/*
 * Parse one term ("dport=21", "status~ASSURED") and append it to m.
 * Returns 0, or -1 with err set naming the term and what is wrong
 * (no operator, empty key, unknown key for m->kind, value too long, too many terms).
 */
int match_add_term(struct match *m, const char *term) FTFW_WUR;

/* Is key a field name that records of this kind can carry? */
int match_key_known(enum ct_kind kind, const char *key);

/* Does record r satisfy every term of m? (kind must agree too) */
int match_record(const struct match *m, const struct ct_record *r);

/* Number of records in l that satisfy m. */
size_t match_count(const struct match *m, const struct ct_list *l);

/* "dport=21 status~ASSURED" into buf. */
void match_format(const struct match *m, char *buf, size_t len);

/*
 * Source of records for polling: fills out (already cleared) and returns
 * >= 0, or -1 with err set when the source itself failed (a lab fault,
 * not a verdict).
 */
typedef int (*assert_fetch_fn)(void *arg, struct ct_list *out);

enum assert_verdict {
	ASSERT_HOLDS,
	ASSERT_FAILS,   /* deadline passed; diag says expected vs found */
	ASSERT_ERROR,   /* the source failed; err set */
};

/*
 * Poll fetch() until quantifier q (with count n for Q_COUNT) holds for m,
 * or timeout_ms passes (checked at least once, then every interval_ms).
 * On ASSERT_FAILS diag (newly allocated, free()) holds a multi-line
 * message: the match expected, how many matched, and every record of the
 * right kind found at the last poll (at most 20, then "... and N more"),
 * and for the closest record (most terms satisfied) which terms failed.
 * On ASSERT_HOLDS diag is set to the matching record(s) formatted, or NULL.
 * If matched is not NULL, the first matching record at success is copied there.
 */
enum assert_verdict assert_poll(const struct match *m, enum quantifier q, size_t n,
				assert_fetch_fn fetch, void *arg, int timeout_ms,
				int interval_ms, char **diag, struct ct_record *matched);

#endif
