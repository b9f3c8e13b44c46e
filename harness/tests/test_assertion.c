/*
 * Unit tests of assertion: term parsing, matching, counting, formatting,
 * and assert_poll against a fake record source that changes over polls.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assertion.h"
#include "testlib.h"

#define K64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* "k=v k=v" into a record of kind. */
static void rec_from(struct ct_record *r, enum ct_kind kind, const char *text)
{
	char buf[2048], *save = NULL, *f, *eq;

	memset(r, 0, sizeof(*r));
	r->kind = kind;
	snprintf(buf, sizeof(buf), "%s", text);
	for (f = strtok_r(buf, " ", &save); f; f = strtok_r(NULL, " ", &save)) {
		eq = strchr(f, '=');
		ck_assert_msg(eq, "bad test record field '%s'", f);
		*eq = '\0';
		ck_assert_int_eq(ct_record_set(r, f, eq + 1), 0);
	}
}

/* Space-separated terms into m; fails the test on a bad term. */
static void match_from(struct match *m, enum ct_kind kind, const char *terms)
{
	char buf[1024], *save = NULL, *t;

	memset(m, 0, sizeof(*m));
	m->kind = kind;
	snprintf(buf, sizeof(buf), "%s", terms);
	for (t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save))
		ck_assert_msg(match_add_term(m, t) == 0, "term '%s': %s", t, err_get());
}

/* ---- term parsing ---------------------------------------------------- */

static const struct term_row {
	enum ct_kind kind;
	const char *term;
	const char *key;
	enum match_op op;
	const char *val; /* as stored (addresses normalised) */
} term_rows[] = {
	{ CT_KIND_CONNTRACK, "dport=21", "dport", MATCH_EQ, "21" },
	{ CT_KIND_CONNTRACK, "helper!=ftp", "helper", MATCH_NE, "ftp" },
	{ CT_KIND_CONNTRACK, "status~ASSURED", "status", MATCH_HAS, "ASSURED" },
	{ CT_KIND_CONNTRACK, "status!~DYING", "status", MATCH_HASNT, "DYING" },
	{ CT_KIND_CONNTRACK, "helper=*", "helper", MATCH_EXISTS, "" },
	{ CT_KIND_CONNTRACK, "helper!=*", "helper", MATCH_MISSING, "" },
	{ CT_KIND_CONNTRACK, "helper=*x", "helper", MATCH_EQ, "*x" },
	{ CT_KIND_CONNTRACK, "status=SEEN_REPLY,ASSURED", "status", MATCH_EQ, "SEEN_REPLY,ASSURED" },
	{ CT_KIND_CONNTRACK, "src=2001:0db8:0:0::1", "src", MATCH_EQ, "2001:db8::1" },
	{ CT_KIND_CONNTRACK, "reply-dst!=203.0.113.1", "reply-dst", MATCH_NE, "203.0.113.1" },
	{ CT_KIND_CONNTRACK, "reply-sport=65535", "reply-sport", MATCH_EQ, "65535" },
	{ CT_KIND_CONNTRACK, "nat=dnat", "nat", MATCH_EQ, "dnat" },
	{ CT_KIND_CONNTRACK, "mark=4294967295", "mark", MATCH_EQ, "4294967295" },
	{ CT_KIND_EXPECT, "master-dport=21", "master-dport", MATCH_EQ, "21" },
	{ CT_KIND_EXPECT, "flags~PERMANENT", "flags", MATCH_HAS, "PERMANENT" },
	{ CT_KIND_EXPECT, "nat-dst=*", "nat-dst", MATCH_EXISTS, "" },
	{ CT_KIND_EXPECT, "mask-src=255.255.255.255", "mask-src", MATCH_EQ, "255.255.255.255" },
};

START_TEST(test_term_rows)
{
	const struct term_row *row = &term_rows[_i];
	struct match m;

	memset(&m, 0, sizeof(m));
	m.kind = row->kind;
	ck_assert_msg(match_add_term(&m, row->term) == 0, "%s: %s", row->term, err_get());
	ck_assert_int_eq(m.nterms, 1);
	ck_assert_str_eq(m.t[0].key, row->key);
	ck_assert_msg(m.t[0].op == row->op, "%s: op %d, want %d", row->term, m.t[0].op, row->op);
	ck_assert_str_eq(m.t[0].val, row->val);
}
END_TEST

static const struct bad_term_row {
	enum ct_kind kind;
	int prefill; /* valid terms added first */
	const char *term;
	const char *err;
} bad_term_rows[] = {
	{ CT_KIND_CONNTRACK, 0, "dport", "no operator" },
	{ CT_KIND_CONNTRACK, 0, "dport!21", "no operator" },
	{ CT_KIND_CONNTRACK, 0, "=21", "empty key" },
	{ CT_KIND_CONNTRACK, 0, "!=*", "empty key" },
	{ CT_KIND_CONNTRACK, 0, "bogus=1", "unknown ct key 'bogus'" },
	{ CT_KIND_CONNTRACK, 0, "master-dport=21", "unknown ct key 'master-dport'" },
	{ CT_KIND_EXPECT, 0, "reply-src=203.0.113.1", "unknown expect key 'reply-src'" },
	{ CT_KIND_CONNTRACK, 0, "averyveryverylongkey=1", "key longer than 15" },
	{ CT_KIND_CONNTRACK, 0, "dport=", "empty value" },
	{ CT_KIND_CONNTRACK, 0, "status~", "empty value" },
	{ CT_KIND_CONNTRACK, 0, "dport=70000", "is not a port" },
	{ CT_KIND_CONNTRACK, 0, "dport=ftp", "is not a port" },
	{ CT_KIND_CONNTRACK, 0, "src=203.0.113.300", "is not an address" },
	{ CT_KIND_EXPECT, 0, "nat-dst=::g", "is not an address" },
	{ CT_KIND_CONNTRACK, 0, "timeout=-1", "is not a number" },
	{ CT_KIND_CONNTRACK, 0, "dport~21", "need a list field" },
	{ CT_KIND_CONNTRACK, 0, "status~SEEN_REPLY,ASSURED", "one item" },
	{ CT_KIND_CONNTRACK, 0, "helper=" K64, "value longer than 63" },
	{ CT_KIND_CONNTRACK, 0, "helper=f tp", "blank in value" },
	{ CT_KIND_CONNTRACK, MATCH_MAX_TERMS, "dport=21", "more than 16 terms" },
};

START_TEST(test_bad_term_rows)
{
	const struct bad_term_row *row = &bad_term_rows[_i];
	char quoted[256];
	struct match m;
	int i;

	memset(&m, 0, sizeof(m));
	m.kind = row->kind;
	for (i = 0; i < row->prefill; i++)
		ck_assert_int_eq(match_add_term(&m, "proto=tcp"), 0);
	err_clear();
	ck_assert_msg(match_add_term(&m, row->term) == -1, "'%s' accepted", row->term);
	ck_assert_int_eq(m.nterms, row->prefill);
	snprintf(quoted, sizeof(quoted), "'%s'", row->term);
	ck_assert_msg(strstr(err_get(), quoted), "'%s': error '%s' does not name the term",
		      row->term, err_get());
	ck_assert_msg(strstr(err_get(), row->err), "'%s': error '%s' lacks '%s'", row->term,
		      err_get(), row->err);
}
END_TEST

static const struct known_row {
	enum ct_kind kind;
	const char *key;
	int known;
} known_rows[] = {
	{ CT_KIND_CONNTRACK, "reply-dport", 1 }, { CT_KIND_CONNTRACK, "nat", 1 },
	{ CT_KIND_CONNTRACK, "status", 1 },      { CT_KIND_CONNTRACK, "flags", 0 },
	{ CT_KIND_CONNTRACK, "mask-src", 0 },    { CT_KIND_CONNTRACK, "", 0 },
	{ CT_KIND_EXPECT, "master-sport", 1 },   { CT_KIND_EXPECT, "nat-dport", 1 },
	{ CT_KIND_EXPECT, "class", 1 },          { CT_KIND_EXPECT, "status", 0 },
	{ CT_KIND_EXPECT, "reply-src", 0 },      { CT_KIND_EXPECT, "Helper", 0 },
};

START_TEST(test_known_rows)
{
	const struct known_row *row = &known_rows[_i];

	ck_assert_msg(!!match_key_known(row->kind, row->key) == row->known, "%s %s",
		      ct_kind_name(row->kind), row->key);
}
END_TEST

/* ---- matching -------------------------------------------------------- */

#define CT_FTP                                                                             \
	"family=ipv4 proto=tcp src=203.0.113.2 dst=203.0.113.1 sport=40001 dport=21 "      \
	"reply-src=203.0.113.1 reply-dst=203.0.113.2 reply-sport=21 reply-dport=40001 "    \
	"state=ESTABLISHED status=SEEN_REPLY,ASSURED,CONFIRMED helper=ftp nat=none"
#define CT_V6 "family=ipv6 proto=tcp src=2001:db8::2 dst=2001:db8::1 sport=40002 dport=21"
#define EXP_FTP                                                                            \
	"family=ipv4 proto=tcp src=203.0.113.2 dst=203.0.113.1 sport=0 dport=51211 "       \
	"master-dport=21 helper=ftp class=0 flags=PERMANENT,INACTIVE"

static const struct match_row {
	enum ct_kind rkind;
	const char *record;
	enum ct_kind mkind;
	const char *terms;
	int want;
} match_rows[] = {
	{ CT_KIND_CONNTRACK, CT_FTP, CT_KIND_CONNTRACK, "dport=21", 1 },
	{ CT_KIND_CONNTRACK, CT_FTP, CT_KIND_CONNTRACK, "dport=22", 0 },
	{ CT_KIND_CONNTRACK, CT_FTP, CT_KIND_CONNTRACK, "dport=21 helper=ftp nat=none", 1 },
	{ CT_KIND_CONNTRACK, CT_FTP, CT_KIND_CONNTRACK, "dport=21 helper=ftp nat=dnat", 0 },
	{ CT_KIND_CONNTRACK, CT_FTP, CT_KIND_CONNTRACK, "mark=0", 0 },
	{ CT_KIND_CONNTRACK, CT_FTP, CT_KIND_CONNTRACK, "mark!=0", 1 },
	{ CT_KIND_CONNTRACK, CT_FTP, CT_KIND_CONNTRACK, "helper!=ftp", 0 },
	{ CT_KIND_CONNTRACK, CT_FTP, CT_KIND_CONNTRACK, "status~ASSURED", 1 },
	{ CT_KIND_CONNTRACK, CT_FTP, CT_KIND_CONNTRACK, "status~SEEN_REPLY", 1 },
	{ CT_KIND_CONNTRACK, CT_FTP, CT_KIND_CONNTRACK, "status~CONFIRMED", 1 },
	{ CT_KIND_CONNTRACK, CT_FTP, CT_KIND_CONNTRACK, "status~SEEN", 0 },
	{ CT_KIND_CONNTRACK, CT_FTP, CT_KIND_CONNTRACK, "status~DYING", 0 },
	{ CT_KIND_CONNTRACK, CT_FTP, CT_KIND_CONNTRACK, "status!~DYING", 1 },
	{ CT_KIND_CONNTRACK, CT_FTP, CT_KIND_CONNTRACK, "status!~ASSURED", 0 },
	{ CT_KIND_CONNTRACK, CT_V6, CT_KIND_CONNTRACK, "status!~ASSURED", 1 },
	{ CT_KIND_CONNTRACK, CT_V6, CT_KIND_CONNTRACK, "status~ASSURED", 0 },
	{ CT_KIND_CONNTRACK, CT_FTP, CT_KIND_CONNTRACK, "status=SEEN_REPLY,ASSURED", 0 },
	{ CT_KIND_CONNTRACK, CT_FTP, CT_KIND_CONNTRACK, "helper=*", 1 },
	{ CT_KIND_CONNTRACK, CT_V6, CT_KIND_CONNTRACK, "helper=*", 0 },
	{ CT_KIND_CONNTRACK, CT_FTP, CT_KIND_CONNTRACK, "helper!=*", 0 },
	{ CT_KIND_CONNTRACK, CT_V6, CT_KIND_CONNTRACK, "helper!=*", 1 },
	{ CT_KIND_CONNTRACK, CT_V6, CT_KIND_CONNTRACK, "src=2001:0db8::0002", 1 },
	{ CT_KIND_CONNTRACK, CT_V6, CT_KIND_CONNTRACK, "dst=2001:db8::2", 0 },
	{ CT_KIND_CONNTRACK, CT_FTP, CT_KIND_CONNTRACK, "", 1 },
	{ CT_KIND_CONNTRACK, CT_FTP, CT_KIND_EXPECT, "", 0 },
	{ CT_KIND_CONNTRACK, CT_FTP, CT_KIND_EXPECT, "dport=21", 0 },
	{ CT_KIND_EXPECT, EXP_FTP, CT_KIND_EXPECT, "dport=51211 master-dport=21", 1 },
	{ CT_KIND_EXPECT, EXP_FTP, CT_KIND_EXPECT, "flags~INACTIVE flags!~USERSPACE", 1 },
	{ CT_KIND_EXPECT, EXP_FTP, CT_KIND_EXPECT, "flags~USERSPACE", 0 },
	{ CT_KIND_EXPECT, EXP_FTP, CT_KIND_EXPECT, "nat-dst!=*", 1 },
	{ CT_KIND_EXPECT, EXP_FTP, CT_KIND_CONNTRACK, "dport=51211", 0 },
};

START_TEST(test_match_rows)
{
	const struct match_row *row = &match_rows[_i];
	struct ct_record r;
	struct match m;

	rec_from(&r, row->rkind, row->record);
	match_from(&m, row->mkind, row->terms);
	ck_assert_msg(match_record(&m, &r) == row->want, "[%s] '%s' on %s: want %d",
		      ct_kind_name(row->mkind), row->terms, row->record, row->want);
}
END_TEST

static const struct format_row {
	enum ct_kind kind;
	const char *terms, *want;
} format_rows[] = {
	{ CT_KIND_CONNTRACK, "dport=21 status~ASSURED", "dport=21 status~ASSURED" },
	{ CT_KIND_CONNTRACK, "helper!=ftp status!~DYING mark=* zone!=*",
	  "helper!=ftp status!~DYING mark=* zone!=*" },
	{ CT_KIND_CONNTRACK, "src=2001:0db8::0001", "src=2001:db8::1" },
	{ CT_KIND_EXPECT, "flags~PERMANENT nat-dport=*", "flags~PERMANENT nat-dport=*" },
	{ CT_KIND_CONNTRACK, "", "" },
};

START_TEST(test_format_rows)
{
	const struct format_row *row = &format_rows[_i];
	struct match m;
	char buf[512];

	match_from(&m, row->kind, row->terms);
	match_format(&m, buf, sizeof(buf));
	ck_assert_str_eq(buf, row->want);
	match_format(&m, buf, 5);
	ck_assert_uint_le(strlen(buf), 4);
}
END_TEST

START_TEST(test_count)
{
	static const struct {
		const char *terms;
		size_t want;
	} rows[] = {
		{ "dport=21", 2 }, { "helper=ftp", 1 }, { "family=ipv6", 1 },
		{ "sport=1", 0 },  { "", 2 },
	};
	struct ct_list l = { 0, 0, NULL };
	struct ct_record r;
	struct match m;
	size_t i;

	rec_from(&r, CT_KIND_CONNTRACK, CT_FTP);
	ct_list_add(&l, &r);
	rec_from(&r, CT_KIND_CONNTRACK, CT_V6);
	ct_list_add(&l, &r);
	rec_from(&r, CT_KIND_EXPECT, EXP_FTP); /* other kind: never counted */
	ct_list_add(&l, &r);
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		match_from(&m, CT_KIND_CONNTRACK, rows[i].terms);
		ck_assert_msg(match_count(&m, &l) == rows[i].want, "'%s'", rows[i].terms);
	}
	match_from(&m, CT_KIND_EXPECT, "helper=ftp");
	ck_assert_uint_eq(match_count(&m, &l), 1);
	ct_list_free(&l);
}
END_TEST

/* ---- assert_poll with a fake source ---------------------------------- */

#define NEAR                                                                               \
	"family=ipv4 proto=tcp src=203.0.113.2 dst=203.0.113.1 sport=40000 dport=21 "      \
	"status=SEEN_REPLY,ASSURED"
#define TARGET "family=ipv4 proto=tcp src=203.0.113.2 dst=203.0.113.1 sport=%d dport=21 " \
	       "status=SEEN_REPLY,ASSURED helper=ftp"

/*
 * What the fake source returns at its Nth call: the NEAR record (close to
 * the matches below but without a helper), an expectation (other kind),
 * noise records, and targets from call appear_at until before gone_at.
 */
struct fake {
	int calls;
	int appear_at, gone_at, fail_at; /* call numbers, 0 = never */
	int ntargets, nnoise;
};

static int fake_fetch(void *arg, struct ct_list *out)
{
	struct fake *f = arg;
	struct ct_record r;
	char text[512];
	int i;

	f->calls++;
	ck_assert_uint_eq(out->n, 0); /* assert_poll clears it */
	if (f->fail_at && f->calls >= f->fail_at)
		return err_set("fake source down");
	rec_from(&r, CT_KIND_CONNTRACK, NEAR);
	ct_list_add(out, &r);
	rec_from(&r, CT_KIND_EXPECT, EXP_FTP);
	ct_list_add(out, &r);
	for (i = 0; i < f->nnoise; i++) {
		snprintf(text, sizeof(text), "family=ipv4 proto=udp sport=%d dport=53", 50000 + i);
		rec_from(&r, CT_KIND_CONNTRACK, text);
		ct_list_add(out, &r);
	}
	if (f->appear_at && f->calls >= f->appear_at && (!f->gone_at || f->calls < f->gone_at))
		for (i = 0; i < f->ntargets; i++) {
			snprintf(text, sizeof(text), TARGET, 40001 + i);
			rec_from(&r, CT_KIND_CONNTRACK, text);
			ct_list_add(out, &r);
		}
	return (int)out->n;
}

static const struct poll_row {
	const char *name;
	const char *terms;
	enum quantifier q;
	size_t n;
	struct fake f;
	int timeout_ms;
	enum assert_verdict want;
	int calls_min, calls_max;
	const char *diag[5]; /* substrings of diag, or of the error for ASSERT_ERROR */
} poll_rows[] = {
	{ "holds at once", "dport=21 helper=ftp", Q_PRESENT, 0, { 0, 1, 0, 0, 1, 0 }, 2000,
	  ASSERT_HOLDS, 1, 1, { "sport=40001 dport=21", "helper=ftp" } },
	{ "holds at the 3rd poll", "dport=21 helper=ftp", Q_PRESENT, 0, { 0, 3, 0, 0, 1, 0 }, 5000,
	  ASSERT_HOLDS, 3, 3, { "helper=ftp" } },
	{ "never holds", "dport=21 helper=ftp", Q_PRESENT, 0, { 0, 0, 0, 0, 1, 0 }, 150,
	  ASSERT_FAILS, 2, 1000,
	  { "expected: ct dport=21 helper=ftp: present (at least 1 matching)",
	    "found: 0 matching of 1 ct record (poll ", "[1] family=ipv4 proto=tcp",
	    "closest: [1] family=ipv4 proto=tcp src=203.0.113.2 dst=203.0.113.1 sport=40000",
	    "    helper: expected =ftp, found (absent)\n" } },
	{ "closest names each failing term", "dport=22 helper=ftp sport=40000", Q_PRESENT, 0,
	  { 0, 0, 0, 0, 1, 0 }, 50, ASSERT_FAILS, 1, 1000,
	  { "(1 of 3 terms hold)", "    dport: expected =22, found 21\n",
	    "    helper: expected =ftp, found (absent)\n" } },
	{ "source fails", "dport=21 helper=ftp", Q_PRESENT, 0, { 0, 0, 0, 1, 1, 0 }, 2000,
	  ASSERT_ERROR, 1, 1, { "poll 1 for ct dport=21 helper=ftp: fake source down" } },
	{ "source fails at the 3rd poll", "dport=21 helper=ftp", Q_PRESENT, 0,
	  { 0, 0, 0, 3, 1, 0 }, 5000, ASSERT_ERROR, 3, 3, { "poll 3 for", "fake source down" } },
	{ "absent holds", "dport=21 helper=ftp", Q_ABSENT, 0, { 0, 0, 0, 0, 1, 0 }, 2000,
	  ASSERT_HOLDS, 1, 1, { NULL } },
	{ "absent fails", "dport=21 helper=ftp", Q_ABSENT, 0, { 0, 1, 0, 0, 1, 0 }, 100,
	  ASSERT_FAILS, 2, 1000,
	  { "absent (no record matching)", "found: 1 matching of 2 ct records",
	    "  [2]* family=ipv4 proto=tcp src=203.0.113.2 dst=203.0.113.1 sport=40001" } },
	{ "absent once the target goes", "dport=21 helper=ftp", Q_ABSENT, 0,
	  { 0, 1, 3, 0, 1, 0 }, 5000, ASSERT_HOLDS, 3, 3, { NULL } },
	{ "count 2 holds", "dport=21 helper=ftp", Q_COUNT, 2, { 0, 1, 0, 0, 2, 0 }, 2000,
	  ASSERT_HOLDS, 1, 1, { "sport=40001", "sport=40002" } },
	{ "count 3 fails", "dport=21 helper=ftp", Q_COUNT, 3, { 0, 1, 0, 0, 2, 0 }, 100,
	  ASSERT_FAILS, 2, 1000,
	  { "count 3 (exactly 3 matching)", "found: 2 matching of 3 ct records",
	    "closest: [1] ", "helper: expected =ftp, found (absent)" } },
	{ "count 1 fails with 2", "dport=21 helper=ftp", Q_COUNT, 1, { 0, 1, 0, 0, 2, 0 }, 50,
	  ASSERT_FAILS, 1, 1000, { "count 1 (exactly 1 matching)", "found: 2 matching", "[3]* " } },
	{ "at most 20 records listed", "dport=21 helper=ftp", Q_PRESENT, 0,
	  { 0, 0, 0, 0, 1, 25 }, 50, ASSERT_FAILS, 1, 1000,
	  { "found: 0 matching of 26 ct records", "  [20] ", "  ... and 6 more\n",
	    "closest: [1] family=ipv4 proto=tcp src=203.0.113.2 dst=203.0.113.1 sport=40000",
	    "(1 of 2 terms hold)" } },
	{ "timeout 0 checks once", "dport=21 helper=ftp", Q_PRESENT, 0, { 0, 0, 0, 0, 1, 0 }, 0,
	  ASSERT_FAILS, 1, 1, { "closest: [1]" } },
};

START_TEST(test_poll_rows)
{
	const struct poll_row *row = &poll_rows[_i];
	struct fake f = row->f;
	struct ct_record matched;
	char *diag = (char *)1;
	enum assert_verdict v;
	struct match m;
	int i;

	match_from(&m, CT_KIND_CONNTRACK, row->terms);
	memset(&matched, 0xff, sizeof(matched));
	err_clear();
	v = assert_poll(&m, row->q, row->n, fake_fetch, &f, row->timeout_ms, 10, &diag,
			&matched);
	ck_assert_msg(v == row->want, "%s: verdict %d, want %d; diag:\n%s\nerr: %s", row->name,
		      v, row->want, v != ASSERT_ERROR && diag ? diag : "", err_get());
	ck_assert_msg(f.calls >= row->calls_min && f.calls <= row->calls_max,
		      "%s: %d fetch calls, want %d..%d", row->name, f.calls, row->calls_min,
		      row->calls_max);
	switch (v) {
	case ASSERT_HOLDS:
		if (row->q == Q_ABSENT) {
			ck_assert_ptr_null(diag);
			ck_assert_int_eq(matched.nfields, 0);
		} else {
			ck_assert_ptr_nonnull(diag);
			ck_assert_str_eq(ct_record_get(&matched, "helper"), "ftp");
			ck_assert_str_eq(ct_record_get(&matched, "sport"), "40001");
		}
		break;
	case ASSERT_FAILS:
		ck_assert_ptr_nonnull(diag);
		break;
	case ASSERT_ERROR:
		ck_assert_ptr_null(diag);
		for (i = 0; i < 5 && row->diag[i]; i++)
			ck_assert_msg(strstr(err_get(), row->diag[i]), "%s: error '%s' lacks '%s'",
				      row->name, err_get(), row->diag[i]);
		return;
	}
	for (i = 0; i < 5 && row->diag[i]; i++)
		ck_assert_msg(diag && strstr(diag, row->diag[i]), "%s: diag lacks '%s':\n%s",
			      row->name, row->diag[i], diag ? diag : "(null)");
	free(diag);
}
END_TEST

/* A NULL diag and matched are allowed. */
START_TEST(test_poll_without_outputs)
{
	struct fake f = { 0, 2, 0, 0, 1, 0 };
	struct match m;

	match_from(&m, CT_KIND_CONNTRACK, "helper=ftp");
	ck_assert_int_eq(assert_poll(&m, Q_PRESENT, 0, fake_fetch, &f, 2000, 5, NULL, NULL),
			 ASSERT_HOLDS);
	ck_assert_int_eq(f.calls, 2);
	f.calls = 0;
	f.appear_at = 0;
	ck_assert_int_eq(assert_poll(&m, Q_PRESENT, 0, fake_fetch, &f, 30, 5, NULL, NULL),
			 ASSERT_FAILS);
	ck_assert_int_gt(f.calls, 1);
}
END_TEST

static Suite *assertion_suite(void)
{
	Suite *s = suite_create("assertion");
	TCase *tc = tcase_create("terms");

	tcase_add_loop_test(tc, test_term_rows, 0, ARRAY_SIZE(term_rows));
	tcase_add_loop_test(tc, test_bad_term_rows, 0, ARRAY_SIZE(bad_term_rows));
	tcase_add_loop_test(tc, test_known_rows, 0, ARRAY_SIZE(known_rows));
	tcase_add_loop_test(tc, test_format_rows, 0, ARRAY_SIZE(format_rows));
	suite_add_tcase(s, tc);

	tc = tcase_create("matching");
	tcase_add_loop_test(tc, test_match_rows, 0, ARRAY_SIZE(match_rows));
	tcase_add_test(tc, test_count);
	suite_add_tcase(s, tc);

	tc = tcase_create("poll");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_poll_rows, 0, ARRAY_SIZE(poll_rows));
	tcase_add_test(tc, test_poll_without_outputs);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tl_main(assertion_suite());
}
