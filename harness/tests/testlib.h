/*
 * testlib: fixtures shared by the unit suites (linked into every suite).
 * Unchecked set-ups print why they failed to stderr and leave a flag the
 * tests assert on, so that a teardown still runs when a test fails.
 */
#ifndef FTFW_TESTLIB_H
#define FTFW_TESTLIB_H

#include <stddef.h>

/* Run argv (looked up in PATH) to completion: its exit status, or -1. */
int tl_run(char *const argv[]);

/*
 * A scratch network namespace "ftfwtest-<tag>-<pid>" holding fw-1's
 * ruleset (NAT on) followed by extra_nft (may be NULL). The commands in
 * cmds (ncmds argv arrays, NULL-terminated, "NS" standing for the
 * namespace's name) run first, then `nft -f` of the ruleset inside it.
 * The caller owns ns; tl_ns_del() removes what tl_ns_new() made.
 */
#define TL_CMD_WORDS 14
struct tl_ns {
	char name[64];
	int made;   /* the namespace exists */
	int ready;  /* and everything was set up */
};
void tl_ns_new(struct tl_ns *ns, const char *tag, const char *extra_nft,
	       const char *const cmds[][TL_CMD_WORDS], size_t ncmds);
void tl_ns_del(struct tl_ns *ns);
/* Remove the scratch namespaces "ftfwtest-<tag>-<pid>" of suites that are
 * gone (killed before their teardown ran); a live suite's are left. */
void tl_ns_reclaim_stale(void);
/* Open the namespace (asserts that it was set up); the caller closes the fd. */
int tl_ns_open(const struct tl_ns *ns);

/* A temporary folder /tmp/<tag>.XXXXXX into dir (asserted), and its
 * removal with the files in it (unchecked: a failed case may have left
 * its files). */
void tl_tmpdir_make(char *dir, size_t len, const char *tag);
void tl_tmpdir_remove(const char *dir);

/*
 * Mark the running test as skipped, with why: prints one line
 * "SKIP: <test>: <why>" on stdout, which run-unit counts and reports as a
 * skip (Check itself has no skip: the test then returns and counts as
 * run). With FTFW_NO_SKIP set in the environment a skip fails the test.
 */
#define tl_skip(...) tl_skip_at(__func__, __VA_ARGS__)
void tl_skip_at(const char *test, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * A suite's whole main(): run every case of s (Check's default fork mode,
 * CK_FORK=no for none) and return EXIT_SUCCESS when none failed, else
 * EXIT_FAILURE. Takes the suite (Check frees it with the runner).
 */
struct Suite;
int tl_main(struct Suite *s);

#endif
