/*
 * test_util: the error context, string helpers, SHA-256 and generated
 * content, and role names, as tables. Digests are checked against the
 * FIPS 180-2 SHA-256 vectors; generated files against an independent
 * xorshift64* written here.
 */
#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "digest.h"
#include "lab.h"
#include "util.h"
#include "testlib.h"

/* ---- error context ------------------------------------------------------ */

enum err_op {
	OP_END,
	OP_CLEAR,
	OP_SET,     /* err_set("%s", arg) */
	OP_SYS,     /* errno = num; err_sys("%s", arg) */
	OP_PREFIX,  /* err_prefix("%s", arg) */
};

struct err_step {
	enum err_op op;
	const char *arg;
	int num;
};

struct err_case {
	struct err_step steps[6];
	const char *want;
};

static const struct err_case err_cases[] = {
	{ { { OP_SET, "c", 0 } }, "c" },
	{ { { OP_SET, "c", 0 }, { OP_PREFIX, "b", 0 }, { OP_PREFIX, "a", 0 } }, "a: b: c" },
	{ { { OP_SET, "old", 0 }, { OP_SET, "new", 0 } }, "new" },
	{ { { OP_SET, "x", 0 }, { OP_CLEAR, NULL, 0 } }, "" },
	{ { { OP_CLEAR, NULL, 0 }, { OP_PREFIX, "alone", 0 } }, "alone" },
	{ { { OP_SYS, "open /x", ENOENT } }, "open /x: No such file or directory" },
	{ { { OP_SYS, "bind", EADDRINUSE }, { OP_PREFIX, "fw-2", 0 } }, "fw-2: bind: Address already in use" },
	{ { { OP_SET, "expect", 0 }, { OP_PREFIX, "scenario.scn:12", 0 }, { OP_SET, "netlink", 0 },
	    { OP_PREFIX, "fw-2", 0 } },
	  "fw-2: netlink" },
	/* A '%' in a message is text, not a format. */
	{ { { OP_SET, "100%s", 0 }, { OP_PREFIX, "%d", 0 } }, "%d: 100%s" },
	{ { { OP_SET, "", 0 }, { OP_PREFIX, "p", 0 } }, "p" },
};

START_TEST(test_err)
{
	const struct err_case *t = &err_cases[_i];
	int k, rc;

	err_set("left over from an earlier test");
	for (k = 0; k < 6 && t->steps[k].op != OP_END; k++) {
		const struct err_step *s = &t->steps[k];

		rc = -1;
		switch (s->op) {
		case OP_END:
			break;
		case OP_CLEAR:
			err_clear();
			break;
		case OP_SET:
			rc = err_set("%s", s->arg);
			break;
		case OP_SYS:
			errno = s->num;
			rc = err_sys("%s", s->arg);
			ck_assert_msg(errno == s->num, "row %d: errno %d after err_sys, want %d", _i, errno, s->num);
			break;
		case OP_PREFIX:
			rc = err_prefix("%s", s->arg);
			break;
		}
		ck_assert_msg(rc == -1, "row %d step %d: returned %d", _i, k, rc);
	}
	ck_assert_ptr_nonnull(err_get());
	ck_assert_str_eq(err_get(), t->want);
}
END_TEST

/* Long messages are cut, never overflowed, and the newest context stays in front. */
START_TEST(test_err_long)
{
	char big[5000], pre[100];
	const char *e;

	memset(big, 'm', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memset(pre, 'p', sizeof(pre) - 1);
	pre[sizeof(pre) - 1] = '\0';
	err_set("%s", big);
	ck_assert_uint_lt(strlen(err_get()), sizeof(big) - 1);
	ck_assert_uint_gt(strlen(err_get()), 1000);
	err_prefix("%s", pre);
	e = err_get();
	ck_assert_msg(strncmp(e, pre, strlen(pre)) == 0 && strncmp(e + strlen(pre), ": m", 3) == 0,
		      "prefix lost: '%.120s'", e);
	ck_assert_uint_gt(strlen(e), 1000);
}
END_TEST

/* ---- strings ------------------------------------------------------------ */

struct fmt_case {
	size_t size;
	const char *arg;   /* str_fmt(dst, size, "%s", arg) */
	int rc;
	const char *dst;   /* what dst holds after */
	const char *err;
};

static const struct fmt_case fmt_cases[] = {
	{ 16, "hello", 0, "hello", NULL },
	{ 6, "hello", 0, "hello", NULL },               /* exact fit */
	{ 5, "hello", -1, "hell", "string too long (5 bytes, room for 5)" },
	{ 1, "x", -1, "", "string too long (1 bytes, room for 1)" },
	{ 1, "", 0, "", NULL },
	{ 3, "abcdef", -1, "ab", "string too long (6 bytes, room for 3)" },
};

START_TEST(test_str_fmt)
{
	const struct fmt_case *t = &fmt_cases[_i];
	char dst[32];
	int rc;

	memset(dst, 'Z', sizeof(dst));
	err_clear();
	rc = str_fmt(dst, t->size, "%s", t->arg);
	ck_assert_msg(rc == t->rc, "row %d: rc %d, want %d", _i, rc, t->rc);
	ck_assert_str_eq(dst, t->dst);
	ck_assert_msg(dst[t->size] == 'Z', "row %d: wrote past size %zu", _i, t->size);
	if (t->err)
		ck_assert_str_eq(err_get(), t->err);
	else
		ck_assert_str_eq(err_get(), "");
}
END_TEST

struct copy_case {
	const char *src;
	size_t size;
	const char *dst;   /* NULL: dst untouched */
};

static const struct copy_case copy_cases[] = {
	{ "hi", 10, "hi" },
	{ "hello", 6, "hello" },
	{ "hello", 5, "hell" },
	{ "hello", 3, "he" },
	{ "hello", 1, "" },
	{ "", 4, "" },
	{ "hello", 0, NULL },
};

START_TEST(test_str_copy)
{
	const struct copy_case *t = &copy_cases[_i];
	char dst[16];
	size_t n;

	memset(dst, 'Z', sizeof(dst));
	n = str_copy(dst, t->src, t->size);
	ck_assert_uint_eq(n, strlen(t->src));
	if (t->dst)
		ck_assert_str_eq(dst, t->dst);
	else
		ck_assert_int_eq(dst[0], 'Z');
	ck_assert_msg(dst[t->size] == 'Z', "row %d: wrote past size %zu", _i, t->size);
}
END_TEST

/* ---- SHA-256 ---------------------------------------------------------------- */

struct sha_case {
	const char *msg;
	size_t repeat;     /* msg repeated this many times (0: once) */
	const char *hex;
};

/* FIPS 180-2, appendix B, and the empty message. */
static const struct sha_case sha_cases[] = {
	{ "abc", 0, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
	{ "", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
	{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 0,
	  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	{ "a", 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0" },
};

static char *repeated(const struct sha_case *t, size_t *len)
{
	size_t n = t->repeat ? t->repeat : 1, m = strlen(t->msg), i;
	char *buf = xcalloc(1, n * m + 1);

	for (i = 0; i < n; i++)
		memcpy(buf + i * m, t->msg, m);
	*len = n * m;
	return buf;
}

START_TEST(test_digest_buf)
{
	const struct sha_case *t = &sha_cases[_i];
	uint8_t d[DIGEST_LEN];
	char hex[DIGEST_HEX_LEN + 1];
	size_t len;
	char *msg = repeated(t, &len);

	memset(hex, 'Z', sizeof(hex));
	digest_buf(msg, len, d);
	digest_hex(d, hex);
	free(msg);
	ck_assert_str_eq(hex, t->hex);
	ck_assert_int_eq(hex[DIGEST_HEX_LEN], 'Z');
}
END_TEST

/* One folder for the file rows, made and removed in the runner's process
 * (an unchecked fixture), so that it goes even when a row fails. */
static char tmpdir[64];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void tmp_setup(void)
{
	strcpy(tmpdir, "/tmp/ftfwtest-util-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		tmpdir[0] = '\0';
		ck_abort_msg("mkdtemp: %s", strerror(errno));
	}
}

static void tmp_teardown(void)
{
	if (tmpdir[0] && nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS) < 0)
		fprintf(stderr, "util: removing %s: %s\n", tmpdir, strerror(errno));
	tmpdir[0] = '\0';
}

static void tmp_path(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", tmpdir, name);
}

/* The same vectors through a file. */
START_TEST(test_digest_file)
{
	const struct sha_case *t = &sha_cases[_i];
	uint8_t d[DIGEST_LEN];
	char hex[DIGEST_HEX_LEN], path[128];
	uint64_t size = 12345;
	size_t len;
	char *msg = repeated(t, &len);

	tmp_path("msg", path, sizeof(path));
	ck_assert_msg(file_write(path, msg, len, 0600) == 0, "%s", err_get());
	free(msg);
	ck_assert_msg(digest_file(path, d, &size) == 0, "%s", err_get());
	digest_hex(d, hex);
	ck_assert_str_eq(hex, t->hex);
	ck_assert_uint_eq(size, len);
}
END_TEST

START_TEST(test_digest_file_missing)
{
	uint8_t d[DIGEST_LEN];
	char path[128], want[192];

	tmp_path("nothing-here", path, sizeof(path));
	ck_assert_int_eq(digest_file(path, d, NULL), -1);
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	ck_assert_str_eq(err_get(), want);
}
END_TEST

/* Reference xorshift64* (Vigna), written apart from digest.c: the
 * generated content is this stream, 8 bytes a step, in host byte order. */
static void reference_stream(uint64_t seed, uint8_t *out, size_t len)
{
	uint64_t x = seed ? seed : 0x9e3779b97f4a7c15ULL;
	size_t i;

	for (i = 0; i < len; i += 8) {
		uint64_t v;

		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		v = x * 2685821657736338717ULL;
		memcpy(out + i, &v, len - i < 8 ? len - i : 8);
	}
}

struct make_case {
	uint64_t size;
	uint64_t seed;
};

/* Sizes around the generator's 64 KiB chunk and the 8-byte word. */
static const struct make_case make_cases[] = {
	{ 0, 1 }, { 1, 1 }, { 7, 42 }, { 8, 42 }, { 9, 42 }, { 1000, 7 },
	{ 65535, 3 }, { 65536, 3 }, { 65537, 3 }, { 200003, 0xdeadbeefcafef00dULL }, { 1536 * 1024, 1 },
};

START_TEST(test_make_file)
{
	const struct make_case *t = &make_cases[_i];
	uint8_t d1[DIGEST_LEN], d2[DIGEST_LEN], d3[DIGEST_LEN], df[DIGEST_LEN], want[DIGEST_LEN];
	char a[128], b[128], c[128];
	uint8_t *ref = xcalloc(1, (size_t)t->size + 8);
	uint64_t fsize = 1;
	struct stat st;

	tmp_path("a", a, sizeof(a));
	tmp_path("b", b, sizeof(b));
	tmp_path("c", c, sizeof(c));
	umask(022);
	ck_assert_msg(digest_make_file(a, t->size, t->seed, d1) == 0, "%s", err_get());
	ck_assert_int_eq(stat(a, &st), 0);
	ck_assert_msg((uint64_t)st.st_size == t->size, "row %d: %lld bytes, want %llu", _i, (long long)st.st_size,
		      (unsigned long long)t->size);
	ck_assert_int_eq(st.st_mode & 0777, 0644);
	/* The digest it reports is the file's. */
	ck_assert(digest_file(a, df, &fsize) == 0);
	ck_assert_uint_eq(fsize, t->size);
	ck_assert_msg(memcmp(d1, df, DIGEST_LEN) == 0, "row %d: reported digest is not the file's", _i);
	/* The content is the seed's stream. */
	reference_stream(t->seed, ref, (size_t)t->size);
	digest_buf(ref, (size_t)t->size, want);
	free(ref);
	ck_assert_msg(memcmp(d1, want, DIGEST_LEN) == 0, "row %d: content is not xorshift64*(%llu)", _i,
		      (unsigned long long)t->seed);
	/* Same seed, same file (written over the old one); another seed, another. */
	ck_assert(digest_make_file(b, t->size, t->seed, d2) == 0);
	ck_assert_msg(memcmp(d1, d2, DIGEST_LEN) == 0, "row %d: same seed, different digest", _i);
	ck_assert(digest_make_file(a, t->size, t->seed, d2) == 0);
	ck_assert(digest_file(a, df, NULL) == 0 && memcmp(df, d1, DIGEST_LEN) == 0);
	ck_assert(digest_make_file(c, t->size, t->seed + 1, d3) == 0);
	if (t->size >= 8)
		ck_assert_msg(memcmp(d1, d3, DIGEST_LEN) != 0, "row %d: seeds %llu and %llu give the same content", _i,
			      (unsigned long long)t->seed, (unsigned long long)t->seed + 1);
}
END_TEST

START_TEST(test_make_file_refuses_symlink)
{
	uint8_t d[DIGEST_LEN];
	char target[128], link[128];
	struct stat st;

	tmp_path("a", target, sizeof(target));
	tmp_path("link", link, sizeof(link));
	ck_assert(file_write(target, "keep", 4, 0644) == 0);
	ck_assert_int_eq(symlink(target, link), 0);
	ck_assert_int_eq(digest_make_file(link, 100, 1, d), -1);
	ck_assert_msg(strncmp(err_get(), link, strlen(link)) == 0 && strstr(err_get(), "symbolic links"), "err '%s'",
		      err_get());
	ck_assert_int_eq(stat(target, &st), 0);
	ck_assert_int_eq(st.st_size, 4);
}
END_TEST

/* ---- role names --------------------------------------------------------------- */

struct role_case {
	const char *name;
	int role;
};

static const struct role_case role_cases[] = {
	{ "fw-1", ROLE_FW1 },
	{ "fw1", ROLE_FW1 },
	{ "fw-2", ROLE_FW2 },
	{ "fw2", ROLE_FW2 },
	{ "client", ROLE_CLIENT },
	{ "server", ROLE_SERVER },
	{ "lan", ROLE_LAN },
	{ "wan", ROLE_WAN },
	{ "fw3", -1 },
	{ "fw-3", -1 },
	{ "fw", -1 },
	{ "fw12", -1 },
	{ "FW1", -1 },
	{ "Client", -1 },
	{ "fw1 ", -1 },
	{ " fw1", -1 },
	{ "", -1 },
	{ "firewall", -1 },
	{ "clientclientclientclient", -1 },
};

START_TEST(test_role_parse)
{
	const struct role_case *t = &role_cases[_i];

	ck_assert_msg(lab_role_parse(t->name) == t->role, "row %d: '%s' -> %d, want %d", _i, t->name,
		      lab_role_parse(t->name), t->role);
}
END_TEST

/* Every role's name reads back as that role. */
START_TEST(test_role_names)
{
	static const char *const want[ROLE_COUNT] = {
		[ROLE_CLIENT] = "client", [ROLE_FW1] = "fw1", [ROLE_FW2] = "fw2",
		[ROLE_SERVER] = "server", [ROLE_LAN] = "lan", [ROLE_WAN] = "wan",
	};
	int r;

	for (r = 0; r < ROLE_COUNT; r++) {
		ck_assert_str_eq(lab_role_name((enum lab_role)r), want[r]);
		ck_assert_int_eq(lab_role_parse(lab_role_name((enum lab_role)r)), r);
	}
	ck_assert_str_eq(lab_role_name(ROLE_COUNT), "?");
}
END_TEST

static Suite *util_suite(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("tables");
	TCase *files = tcase_create("files");

	tcase_add_loop_test(tc, test_err, 0, ARRAY_SIZE(err_cases));
	tcase_add_test(tc, test_err_long);
	tcase_add_loop_test(tc, test_str_fmt, 0, ARRAY_SIZE(fmt_cases));
	tcase_add_loop_test(tc, test_str_copy, 0, ARRAY_SIZE(copy_cases));
	tcase_add_loop_test(tc, test_digest_buf, 0, ARRAY_SIZE(sha_cases));
	tcase_add_loop_test(tc, test_role_parse, 0, ARRAY_SIZE(role_cases));
	tcase_add_test(tc, test_role_names);
	suite_add_tcase(s, tc);

	tcase_add_unchecked_fixture(files, tmp_setup, tmp_teardown);
	tcase_add_loop_test(files, test_digest_file, 0, ARRAY_SIZE(sha_cases));
	tcase_add_test(files, test_digest_file_missing);
	tcase_add_loop_test(files, test_make_file, 0, ARRAY_SIZE(make_cases));
	tcase_add_test(files, test_make_file_refuses_symlink);
	suite_add_tcase(s, files);
	return s;
}

int main(void)
{
	return tl_main(util_suite());
}
