/*
 * test_scenario: the scenario language as tables, one row per case. The
 * parser runs with the engine's real step table (runner_verbs), so a step
 * row is validated exactly as `ftfw` validates it. Valid rows give what
 * the parse must hold (counts, description, one step's words, the lab
 * options a variant ends up with); invalid rows give the "name:LINE: "
 * the message must start with and a phrase it must contain.
 */
#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/runner.h"
#include "scenario.h"
#include "testlib.h"

/* Every scenario needs a description; most rows start with it. */
#define H "scenario \"d\"\n"

/* ---- lab options -------------------------------------------------------- */

struct want_lab {
	enum nat_mode nat;
	enum lab_family family;
	enum failover_driver driver;
	enum sync_transport transport;
	int hashsize;
	int expect_sync;
	int no_internal;       /* disable_internal_cache */
	int no_external;       /* disable_external_cache */
	int commit_timeout;
	uint64_t server_rate;
};

/* All fields, in order, so that a row never leans on a zero it did not mean. */
#define LABF(nat, fam, drv, tr, hs, xs, ni, ne, ct, rate) { nat, fam, drv, tr, hs, xs, ni, ne, ct, rate }
#define LAB(nat, drv, tr, hs, xs, ni, ne, ct, rate) LABF(nat, LAB_FAMILY_IPV4, drv, tr, hs, xs, ni, ne, ct, rate)
#define LAB_DEFAULT LAB(NAT_SNAT, FAILOVER_DIRECT, SYNC_UDP, 32768, 1, 0, 0, 0, 0)

static void assert_lab(int row, const struct lab_options *o, const struct want_lab *w)
{
	ck_assert_msg(o->fw.nat == w->nat, "row %d: nat %d, want %d", row, o->fw.nat, w->nat);
	ck_assert_msg(o->fw.family == w->family, "row %d: family %d, want %d", row, o->fw.family, w->family);
	ck_assert_msg(o->fw.driver == w->driver, "row %d: driver %d, want %d", row, o->fw.driver, w->driver);
	ck_assert_msg(o->fw.sync.transport == w->transport, "row %d: transport %d, want %d", row,
		      o->fw.sync.transport, w->transport);
	ck_assert_msg(o->fw.sync.hashsize == w->hashsize, "row %d: hashsize %d, want %d", row,
		      o->fw.sync.hashsize, w->hashsize);
	ck_assert_msg(o->fw.sync.expectation_sync == w->expect_sync, "row %d: expectation_sync %d, want %d",
		      row, o->fw.sync.expectation_sync, w->expect_sync);
	ck_assert_msg(o->fw.sync.disable_internal_cache == w->no_internal,
		      "row %d: disable_internal_cache %d, want %d", row, o->fw.sync.disable_internal_cache,
		      w->no_internal);
	ck_assert_msg(o->fw.sync.disable_external_cache == w->no_external,
		      "row %d: disable_external_cache %d, want %d", row, o->fw.sync.disable_external_cache,
		      w->no_external);
	ck_assert_msg(o->fw.sync.commit_timeout == w->commit_timeout, "row %d: commit_timeout %d, want %d",
		      row, o->fw.sync.commit_timeout, w->commit_timeout);
	ck_assert_msg(o->server_rate == w->server_rate, "row %d: server_rate %llu, want %llu", row,
		      (unsigned long long)o->server_rate, (unsigned long long)w->server_rate);
}

/* Words joined with '|', conditions likewise ("k=v|k=v"). */
static void join_words(char *const argv[], int argc, char *buf, size_t len)
{
	size_t n = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < argc; i++)
		n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s", i ? "|" : "", argv[i]);
}

static void join_conds(const struct sc_kv *kv, int n, char *buf, size_t len)
{
	size_t o = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < n; i++)
		o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s%s=%s", i ? "|" : "", kv[i].key,
				      kv[i].val);
}

/* ---- valid scenarios ---------------------------------------------------- */

struct valid_case {
	const char *name;        /* given to the parser */
	const char *text;
	const char *stem;        /* sc->name */
	const char *desc;
	int nsteps, nvariants, nfaults, nfiles, nlab;
	const char *variant;     /* lab options of this variant; NULL: the scenario's own */
	struct want_lab lab;
	int step;                /* the step looked at closely */
	int step_line;
	const char *step_words;  /* its words joined with '|' */
	const char *step_conds;  /* its "when" conditions joined with '|' */
	uint64_t file0_size;     /* size of files[0] when nfiles > 0 */
};

static const struct valid_case valid_cases[] = {
	/* 0: the least a scenario can be */
	{ .name = "min.scn", .text = "scenario \"Minimal\"\nnote hi\n", .stem = "min", .desc = "Minimal", .nsteps = 1,
	  .lab = LAB_DEFAULT, .step_line = 2, .step_words = "note|hi", .step_conds = "" },
	/* 1: comments, blank lines, CRLF, escapes in quotes, no final newline */
	{ .name = "dir/sub/c.scn", .text = "# leading comment\n\nscenario \"With comments\" # trailing\r\n   \t\n# c\n"
	  "note \"a \\\"quoted\\\" \\\\ word\"\r\nnote x#y",
	  .stem = "c", .desc = "With comments", .nsteps = 2, .lab = LAB_DEFAULT, .step_line = 6,
	  .step_words = "note|a \"quoted\" \\ word", .step_conds = "" },
	/* 2: nat and failover driver */
	{ .name = "lab.scn", .text = H "lab nat=off failover=keepalived\nfailover\n", .stem = "lab", .desc = "d",
	  .nsteps = 1, .nlab = 2, .lab = LAB(NAT_OFF, FAILOVER_KEEPALIVED, SYNC_UDP, 32768, 1, 0, 0, 0, 0),
	  .step_line = 3, .step_words = "failover", .step_conds = "" },
	/* 3: sync options, two lab lines add up */
	{ .name = "sync",
	  .text = H "lab hashsize=4096 transport=multicast expect-sync=off\nlab commit-timeout=30\nfailover to=fw2\n",
	  .stem = "sync", .desc = "d", .nsteps = 1, .nlab = 4,
	  .lab = LAB(NAT_SNAT, FAILOVER_DIRECT, SYNC_MULTICAST, 4096, 0, 0, 0, 30, 0), .step_line = 4,
	  .step_words = "failover|to=fw2", .step_conds = "" },
	/* 4: server rate and caches ("no" is "off") */
	{ .name = "rate.scn", .text = H "lab server-rate=1M internal-cache=off external-cache=no\nnote x\n",
	  .stem = "rate", .desc = "d", .nsteps = 1, .nlab = 3,
	  .lab = LAB(NAT_SNAT, FAILOVER_DIRECT, SYNC_UDP, 32768, 1, 1, 1, 0, 1048576), .step_line = 3,
	  .step_words = "note|x", .step_conds = "" },
	/* 5, 6: a variant's lab options override the scenario's; other settings are variables */
	{ .name = "v.scn", .text = H "lab nat=on failover=keepalived hashsize=65536\nvariant plain nat=off mode=pasv\n"
		     "variant mc transport=multicast nat=snat family=dual\nnote x\n",
	  .stem = "v", .desc = "d", .nsteps = 1, .nvariants = 2, .nlab = 3, .variant = "plain",
	  .lab = LAB(NAT_OFF, FAILOVER_KEEPALIVED, SYNC_UDP, 65536, 1, 0, 0, 0, 0), .step_line = 5,
	  .step_words = "note|x", .step_conds = "" },
	{ .name = "v.scn", .text = H "lab nat=on failover=keepalived hashsize=65536\nvariant plain nat=off mode=pasv\n"
		     "variant mc transport=multicast nat=snat family=dual\nnote x\n",
	  .stem = "v", .desc = "d", .nsteps = 1, .nvariants = 2, .nlab = 3, .variant = "mc",
	  .lab = LABF(NAT_SNAT, LAB_FAMILY_DUAL, FAILOVER_KEEPALIVED, SYNC_MULTICAST, 65536, 1, 0, 0, 0, 0),
	  .step_line = 5, .step_words = "note|x", .step_conds = "" },
	/* 7: when conditions, a known fault and a check naming it */
	{ .name = "f.scn",
	  .text = H "variant a mode=port\nknown-fault seqadj \"what, where, trigger\" when nat=on mode=port\n"
		     "ftp c1 connect\n"
		     "when nat=on mode=port : expect fw2 kernel ct sport!=$c1.sport dport=21 status~SEQ_ADJUST"
		     " fault=seqadj evidence=\"status: expected ~SEQ_ADJUST\" within=500ms\n",
	  .stem = "f", .desc = "d", .nsteps = 2, .nvariants = 1, .nfaults = 1, .lab = LAB_DEFAULT, .step = 1,
	  .step_line = 5, .step_words = "expect|fw2|kernel|ct|sport!=$c1.sport|dport=21|status~SEQ_ADJUST|fault=seqadj"
	  "|evidence=status: expected ~SEQ_ADJUST|within=500ms",
	  .step_conds = "nat=on|mode=port" },
	/* 8: files */
	{ .name = "files.scn", .text = H "file big.bin 1536k\nfile small.txt 64k\nfile z_-0 0\nfile four 4G\nnote x\n",
	  .stem = "files", .desc = "d", .nsteps = 1, .nfiles = 4, .lab = LAB_DEFAULT, .step_line = 6,
	  .step_words = "note|x", .step_conds = "", .file0_size = 1572864 },
	/* 9: every step shape the table accepts */
	{ .name = "steps.scn", .text = H "variant v dir=get half=64k t=2s mode=epsv\nfile f 4k\n"
			 "transfer dl get f mode=pasv rate=1M size=4k timeout=6\n"
			 "transfer up put f\n"
			 "transfer t3 $dir f\n"
			 "wait-progress dl 128k within=5s\n"
			 "wait-progress dl $half within=1500\n"
			 "transfer-done dl within=$t\n"
			 "ftp c1 connect\nftp c1 login\nftp c1 pasv\nftp c1 $mode\nftp c1 retr f\n"
			 "ftp c1 stor up.bin 4k\nftp c1 cmd \"NOOP\" code=200\nftp c1 list\nftp c1 quit\n"
			 "expect fw1 kernel ct\n"
			 "expect fw-1 internal expect present dport=$c1.port\n"
			 "expect fw2 external ct absent dport=21 within=1s\n"
			 "expect $active kernel ct count=2 dport=21\n"
			 "failover\nfailover to=fw1\nfailback\n"
			 "link fw1 lan0 down\nlink server eth0 up\n"
			 "daemon fw-2 keepalived stop\ndaemon fw2 conntrackd cont\n"
			 "syncd fw1 commit\nsyncd fw2 request-resync\n"
			 "netem fw1 sync0 loss=5% delay=10ms\nnetem fw1 sync0 off\n"
			 "pause 200ms\nlog-has fw2-conntrackd.log \"resync\" within=2s\nlog-has x.log y absent\n"
			 "transfer many get f count=4 ip=4\nftp c2 connect ip=4\n"
			 "note \"\"\n",
	  .stem = "steps", .desc = "d", .nsteps = 36, .nvariants = 1, .nfiles = 1, .lab = LAB_DEFAULT, .step = 35,
	  .step_line = 39, .step_words = "note|", .step_conds = "", .file0_size = 4096 },
	/* 10: 'scenario' and 'known-fault' may follow steps; fault=ID is checked at the end */
	{ .name = "late.scn",
	  .text = "note a\nknown-fault x \"d\"\ntransfer-done t fault=x evidence=e\nscenario \"late\"\n",
	  .stem = "late", .desc = "late", .nsteps = 2, .nfaults = 1, .lab = LAB_DEFAULT, .step = 1, .step_line = 3,
	  .step_words = "transfer-done|t|fault=x|evidence=e", .step_conds = "" },
	/* 11: a name without .scn keeps its whole stem */
	{ .name = "x.scn.bak", .text = H "variant v a=1 b=2\nwhen a=1 b=2 : note \"two words\"\n", .stem = "x.scn.bak",
	  .desc = "d", .nsteps = 1, .nvariants = 1, .lab = LAB_DEFAULT, .step_line = 3,
	  .step_words = "note|two words", .step_conds = "a=1|b=2" },
	/* 12-14: a when block: its conditions before a step's own; after '}' none */
	{ .name = "b.scn", .text = H "variant v mode=port\nwhen nat=on {\nnote a\nwhen mode=port : note b\n}\nnote c\n",
	  .stem = "b", .desc = "d", .nsteps = 3, .nvariants = 1, .lab = LAB_DEFAULT, .step = 1, .step_line = 5, .step_words = "note|b",
	  .step_conds = "nat=on|mode=port" },
	{ .name = "b.scn", .text = H "variant v mode=port\nwhen nat=on {\nnote a\nwhen mode=port : note b\n}\nnote c\n",
	  .stem = "b", .desc = "d", .nsteps = 3, .nvariants = 1, .lab = LAB_DEFAULT, .step = 2, .step_line = 7, .step_words = "note|c",
	  .step_conds = "" },
	{ .name = "b.scn", .text = H "when nat=on {\n  when family=ipv6 {\n    note a\n  }\n}\n", .stem = "b",
	  .desc = "d", .nsteps = 1, .lab = LAB_DEFAULT, .step_line = 4, .step_words = "note|a",
	  .step_conds = "nat=on|family=ipv6" },
	/* 15, 16: a with block gives its options, a step's own of the same key wins */
	{ .name = "w.scn",
	  .text = H "known-fault x \"d\"\nwith fault=x within=2s {\ntransfer-done t evidence=e\n"
		    "transfer-done u within=5s\n}\n",
	  .stem = "w", .desc = "d", .nsteps = 2, .nfaults = 1, .lab = LAB_DEFAULT, .step_line = 4,
	  .step_words = "transfer-done|t|evidence=e|fault=x|within=2s", .step_conds = "" },
	{ .name = "w.scn",
	  .text = H "known-fault x \"d\"\nwith fault=x within=2s {\ntransfer-done t evidence=e\n"
		    "transfer-done u within=5s\n}\n",
	  .stem = "w", .desc = "d", .nsteps = 2, .nfaults = 1, .lab = LAB_DEFAULT, .step = 1, .step_line = 5,
	  .step_words = "transfer-done|u|within=5s|fault=x", .step_conds = "" },
	/* a with block leaves steps that are not checks alone */
	{ .name = "w.scn", .text = H "with within=2s {\nnote a\n}\n", .stem = "w", .desc = "d", .nsteps = 1,
	  .lab = LAB_DEFAULT, .step_line = 3, .step_words = "note|a", .step_conds = "" },
	/* 18, 19: a final backslash continues a line (the statement keeps its first
	 * line); one in a comment or in quotes does not */
	{ .name = "c.scn", .text = H "note \\\n   \"a b\" \\  \n\nnote c\n", .stem = "c", .desc = "d", .nsteps = 2,
	  .lab = LAB_DEFAULT, .step_line = 2, .step_words = "note|a b", .step_conds = "" },
	{ .name = "c.scn", .text = H "note x # not \\\nnote \"y \\\\\"\n", .stem = "c", .desc = "d", .nsteps = 2,
	  .lab = LAB_DEFAULT, .step = 1, .step_line = 3, .step_words = "note|y \\", .step_conds = "" },
};

START_TEST(test_valid)
{
	const struct valid_case *t = &valid_cases[_i];
	const struct sc_variant *v = NULL;
	struct lab_options o;
	struct scenario *sc;
	const struct sc_step *st;
	char words[1024], conds[256];
	int i;

	err_clear();
	sc = scenario_parse(t->name, t->text, &runner_verbs);
	ck_assert_msg(sc != NULL, "row %d: rejected: %s", _i, err_get());
	ck_assert_str_eq(sc->name, t->stem);
	ck_assert_str_eq(sc->path, t->name);
	ck_assert_str_eq(sc->description, t->desc);
	ck_assert_msg(sc->nsteps == t->nsteps, "row %d: %d steps, want %d", _i, sc->nsteps, t->nsteps);
	ck_assert_msg(sc->nvariants == t->nvariants, "row %d: %d variants, want %d", _i, sc->nvariants,
		      t->nvariants);
	ck_assert_msg(sc->nfaults == t->nfaults, "row %d: %d faults, want %d", _i, sc->nfaults, t->nfaults);
	ck_assert_msg(sc->nfiles == t->nfiles, "row %d: %d files, want %d", _i, sc->nfiles, t->nfiles);
	ck_assert_msg(sc->nlab == t->nlab, "row %d: %d lab options, want %d", _i, sc->nlab, t->nlab);
	if (t->nfiles)
		ck_assert_msg(sc->files[0].size == t->file0_size, "row %d: files[0] is %llu bytes, want %llu", _i,
			      (unsigned long long)sc->files[0].size, (unsigned long long)t->file0_size);

	st = &sc->steps[t->step];
	join_words(st->argv, st->argc, words, sizeof(words));
	join_conds(st->cond, st->ncond, conds, sizeof(conds));
	ck_assert_msg(strcmp(words, t->step_words) == 0, "row %d: step %d is '%s', want '%s'", _i, t->step,
		      words, t->step_words);
	ck_assert_msg(strcmp(conds, t->step_conds) == 0, "row %d: conditions '%s', want '%s'", _i, conds,
		      t->step_conds);
	ck_assert_msg(st->line == t->step_line, "row %d: step on line %d, want %d", _i, st->line, t->step_line);
	ck_assert_msg(st->verb == runner_verbs.lookup(st->argv[0]), "row %d: verb index %d for '%s'", _i,
		      st->verb, st->argv[0]);
	/* Steps keep their lines in order. */
	for (i = 1; i < sc->nsteps; i++)
		ck_assert_msg(sc->steps[i].line > sc->steps[i - 1].line, "row %d: step %d line %d after %d", _i, i,
			      sc->steps[i].line, sc->steps[i - 1].line);

	if (t->variant) {
		for (i = 0; i < sc->nvariants; i++)
			if (strcmp(sc->variants[i].name, t->variant) == 0)
				v = &sc->variants[i];
		ck_assert_msg(v != NULL, "row %d: no variant '%s'", _i, t->variant);
	}
	memset(&o, 0xa5, sizeof(o));
	ck_assert_msg(scenario_lab_options(sc, v, &o) == 0, "row %d: %s", _i, err_get());
	assert_lab(_i, &o, &t->lab);
	scenario_free(sc);
}
END_TEST

/* ---- invalid scenarios -------------------------------------------------- */

/* A scenario text on one line for a failure message ("\\n" for newlines). */
static const char *oneline(const char *text)
{
	static char buf[512];
	size_t n = 0;

	for (; *text && n + 3 < sizeof(buf); text++) {
		if (*text == '\n') {
			buf[n++] = '\\';
			buf[n++] = 'n';
		} else {
			buf[n++] = *text;
		}
	}
	buf[n] = '\0';
	return buf;
}

struct invalid_case {
	const char *name;
	const char *text;
	const char *at;      /* the message starts with this ("bad.scn:2: ") */
	const char *phrase;  /* and contains this */
};

static const struct invalid_case invalid_cases[] = {
	/* words */
	{ "bad.scn", "scenario \"abc\n", "bad.scn:1: ", "unterminated quote" },
	{ "bad.scn", H "note \"a\x01" "b\"\n", "bad.scn:2: ", "control character in line" },
	{ "bad.scn", H "note a\x1b" "b\n", "bad.scn:2: ", "control character in line" },
	{ "bad.scn", H "note \"a\rb\"\n", "bad.scn:2: ", "control character in line" },
	{ "bad.scn", H "note 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24\n", "bad.scn:2: ",
	  "more than 24 words" },
	/* statements and steps */
	{ "bad.scn", H "frobnicate x\n", "bad.scn:2: ", "unknown statement 'frobnicate'" },
	{ "bad.scn", H "when nat=on : dance\n", "bad.scn:2: ", "unknown statement 'dance'" },
	{ "bad.scn", H "when nat=on : lab nat=off\n", "bad.scn:2: ", "unknown statement 'lab'" },
	{ "bad.scn", H "\n# comment\n  \nfrobnicate\n", "bad.scn:5: ", "unknown statement 'frobnicate'" },
	{ "bad.scn", "scenario \"d\"\r\nlab nat=x\r\n", "bad.scn:2: ", "nat=x: expected on, off or masquerade" },
	{ "dir/x.scn", H "frobnicate\n", "dir/x.scn:2: ", "unknown statement" },
	/* transfer */
	{ "bad.scn", H "transfer dl get\n", "bad.scn:2: ", "transfer: expected NAME get|put FILE" },
	{ "bad.scn", H "transfer dl get f extra\n", "bad.scn:2: ", "transfer: expected NAME get|put FILE" },
	{ "bad.scn", H "transfer dl fetch f\n", "bad.scn:2: ", "transfer: 'fetch': expected get or put" },
	{ "bad.scn", H "transfer x get f colour=red\n", "bad.scn:2: ", "transfer: unknown option 'colour'" },
	{ "bad.scn", H "transfer x get f colour=red\n", "bad.scn:2: ",
	  "transfer: unknown option 'colour' (a word KEY=VALUE whose key is lower case is a step option, never an "
	  "argument; this step takes mode=, rate=, size=, timeout=, ip=, count=, within=, fault=, evidence=)" },
	{ "bad.scn", H "transfer x get f aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=1\n", "bad.scn:2: ",
	  "transfer: option 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=1': key too long" },
	/* wait-progress, transfer-done */
	{ "bad.scn", H "wait-progress dl\n", "bad.scn:2: ", "wait-progress: expected NAME SIZE" },
	{ "bad.scn", H "wait-progress dl 12q\n", "bad.scn:2: ", "wait-progress: '12q': unknown size suffix" },
	{ "bad.scn", H "transfer-done\n", "bad.scn:2: ", "transfer-done: expected NAME [within=D]" },
	{ "bad.scn", H "transfer-done a b\n", "bad.scn:2: ", "transfer-done: expected NAME [within=D]" },
	{ "bad.scn", H "transfer-done dl within=\"5 parsecs\"\n", "bad.scn:2: ",
	  "transfer-done: within=5 parsecs: '5 parsecs' is not a duration (500ms, 3s)" },
	{ "bad.scn", H "transfer-done dl within=5parsecs\n", "bad.scn:2: ", "'5parsecs' is not a duration" },
	{ "bad.scn", H "transfer-done dl within=-5\n", "bad.scn:2: ", "'-5' is not a duration" },
	{ "bad.scn", H "transfer-done dl within=7200s\n", "bad.scn:2: ", "'7200s': at most one hour" },
	/* replay, replay-continue, replay-verdict, exec */
	{ "bad.scn", H "replay r1\n", "bad.scn:2: ", "replay: expected replay NAME FILE" },
	{ "bad.scn", H "replay r1 f.pcap until=after-nothing\n", "bad.scn:2: ",
	  "replay: until=after-nothing: 'nothing' is not a thing of a capture" },
	{ "bad.scn", H "replay r1 f.pcap until=227:1\n", "bad.scn:2: ",
	  "expected a packet number, end, before-THING[:K] or after-THING[:K]" },
	{ "bad.scn", H "replay r1 f.pcap failover-at=before-data-syn:0\n", "bad.scn:2: ",
	  "K in THING:K is a number from 1" },
	{ "bad.scn", H "replay r1 f.pcap timing=fast\n", "bad.scn:2: ", "timing=fast: expected lockstep or capture" },
	{ "bad.scn", H "replay r1 f.pcap scale=0\n", "bad.scn:2: ", "scale=0: expected a factor above 0" },
	{ "bad.scn", H "replay-continue r1 timing=capture\n", "bad.scn:2: ", "replay-continue: unknown option 'timing'" },
	{ "bad.scn", H "replay-verdict r1 bogus\n", "bad.scn:2: ", "'bogus' is not a verdict claim" },
	{ "bad.scn", H "replay-verdict r1 all-delivered packet=3\n", "bad.scn:2: ",
	  "packet= goes with a one-packet claim, not all-delivered" },
	{ "bad.scn", H "replay-verdict r1 counts\n", "bad.scn:2: ", "counts: give delivered=N" },
	{ "bad.scn", H "replay-verdict r1 dropped dropped=2\n", "bad.scn:2: ", "'dropped=2' goes with counts" },
	{ "bad.scn", H "replay-verdict r1 changed fields=colour\n", "bad.scn:2: ",
	  "'colour': expected address, port, payload or sequence" },
	{ "bad.scn", H "replay-verdict r1 delivered flow=ctl\n", "bad.scn:2: ", "expected control, control:K or data:K" },
	{ "bad.scn", H "replay-verdict r1 skipped\n", "bad.scn:2: ", "skipped: name the packet" },
	{ "bad.scn", H "exec client\n", "bad.scn:2: ", "exec: expected exec NODE PROGRAM" },
	{ "bad.scn", H "exec moon ls\n", "bad.scn:2: ", "'moon' is not a lab node" },
	{ "bad.scn", H "exec client dd if=/dev/zero\n", "bad.scn:2: ", "'if=/dev/zero' would be taken as a step option" },
	{ "bad.scn", H "exec client sleep within=soon\n", "bad.scn:2: ", "within=soon" },
	{ "bad.scn", H "spawn server l1\n", "bad.scn:2: ", "spawn: expected spawn NODE NAME PROGRAM" },
	{ "bad.scn", H "spawn moon l1 sleep 9\n", "bad.scn:2: ", "'moon' is not a lab node" },
	{ "bad.scn", H "spawn server a/b sleep 9\n", "bad.scn:2: ", "'a/b': a name is letters" },
	{ "bad.scn", H "spawn server l1 dd of=/tmp/x\n", "bad.scn:2: ", "'of=/tmp/x' would be taken as a step option (only ready=, within=, fault= and evidence= are)" },
	{ "bad.scn", H "spawn server l1 sleep 9 ready=\n", "bad.scn:2: ", "'ready=': an empty value" },
	/* ftp */
	{ "bad.scn", H "ftp c1\n", "bad.scn:2: ", "ftp: expected NAME ACTION" },
	{ "bad.scn", H "ftp c1 dance\n", "bad.scn:2: ", "ftp: unknown action 'dance'" },
	{ "bad.scn", H "ftp c1 retr\n", "bad.scn:2: ", "ftp: expected ftp NAME retr FILE" },
	{ "bad.scn", H "ftp c1 stor a\n", "bad.scn:2: ", "ftp: expected ftp NAME stor NAME SIZE" },
	{ "bad.scn", H "ftp c1 connect now\n", "bad.scn:2: ", "ftp: expected ftp NAME connect" },
	{ "bad.scn", H "ftp c1 cmd\n", "bad.scn:2: ", "ftp: expected ftp NAME cmd \"LINE\" [code=N]" },
	{ "bad.scn", H "ftp c1 login colour=red\n", "bad.scn:2: ", "ftp: unknown option 'colour'" },
	/* expect */
	{ "bad.scn", H "expect fw1 kernel\n", "bad.scn:2: ", "expect: expected FW SOURCE KIND" },
	{ "bad.scn", H "expect fw9 kernel ct dport=21\n", "bad.scn:2: ", "expect: 'fw9' is not a firewall (fw1, fw2)" },
	{ "bad.scn", H "expect client kernel ct dport=21\n", "bad.scn:2: ", "expect: 'client' is not a firewall" },
	{ "bad.scn", H "expect fw1 kernal ct dport=21\n", "bad.scn:2: ",
	  "expect: 'kernal': expected kernel, internal or external" },
	{ "bad.scn", H "expect fw1 kernel conn dport=21\n", "bad.scn:2: ", "expect: 'conn': expected ct or expect" },
	{ "bad.scn", H "expect fw1 kernel ct colour=red\n", "bad.scn:2: ",
	  "expect: term 'colour=red': unknown ct key 'colour'" },
	{ "bad.scn", H "expect fw1 kernel ct dport\n", "bad.scn:2: ", "term 'dport': no operator" },
	{ "bad.scn", H "expect fw1 kernel ct dport=21 absent\n", "bad.scn:2: ", "term 'absent': no operator" },
	{ "bad.scn", H "expect fw1 kernel ct colour=$x\n", "bad.scn:2: ", "term 'colour=$x': no field 'colour' in ct records" },
	{ "bad.scn", H "expect fw1 kernel ct $x\n", "bad.scn:2: ", "term '$x': expected KEY=VALUE" },
	{ "bad.scn", H "expect fw1 kernel ct count=x dport=21\n", "bad.scn:2: ", "expect: 'count=x': expected count=N" },
	{ "bad.scn", H "expect fw1 kernel ct count=-1\n", "bad.scn:2: ", "'count=-1': expected count=N" },
	{ "bad.scn", H "expect fw1 kernel ct dport=21 within=soon\n", "bad.scn:2: ", "'soon' is not a duration" },
	/* sysctl: a key under net, its form checked before anything is set up */
	{ "bad.scn", H "sysctl fw2 net.ipv4.ip_forward\n", "bad.scn:2: ", "sysctl: expected sysctl NODE KEY VALUE" },
	{ "bad.scn", H "sysctl moon net.ipv4.ip_forward 1\n", "bad.scn:2: ", "sysctl: 'moon' is not a lab node" },
	{ "bad.scn", H "sysctl fw2 kernel.pid_max 1\n", "bad.scn:2: ", "'kernel.pid_max': only keys under net" },
	{ "bad.scn", H "sysctl fw2 netfilter.x 1\n", "bad.scn:2: ", "only keys under net" },
	{ "bad.scn", H "sysctl fw2 net 1\n", "bad.scn:2: ", "only keys under net" },
	{ "bad.scn", H "sysctl fw2 net..ipv4 1\n", "bad.scn:2: ", "'net..ipv4': an empty or hidden part" },
	{ "bad.scn", H "sysctl fw2 net/../kernel/pid_max 1\n", "bad.scn:2: ", "an empty or hidden part" },
	{ "bad.scn", H "sysctl fw2 net.ipv4/conf 1\n", "bad.scn:2: ", "'/' is not in a sysctl key" },
	{ "bad.scn", H "sysctl fw2 net.ipv4. 1\n", "bad.scn:2: ", "an empty part at the end" },
	{ "bad.scn", H "sysctl fw2 net.ipv4.ip_forward \"\"\n", "bad.scn:2: ", "a value of 1 to 128 characters" },
	{ "bad.scn", H "variant v k=kernel.x\nsysctl fw2 $k 1\n", "bad.scn:3: ",
	  "sysctl: 'kernel.x': only keys under net (net.ipv4..., net.netfilter...): the rest of /proc/sys is not the node's own (variant v: $k is 'kernel.x')" },
	/* failover, note */
	{ "bad.scn", H "failover fw2\n", "bad.scn:2: ", "failover: expected failover [to=fw1|fw2]" },
	{ "bad.scn", H "failover via=fw2\n", "bad.scn:2: ", "failover: unknown option 'via'" },
	{ "bad.scn", H "failback now\n", "bad.scn:2: ", "failback: expected failback" },
	{ "bad.scn", H "failback to=fw2\n", "bad.scn:2: ", "failback: unknown option 'to'" },
	{ "bad.scn", H "link fw1 lan0\n", "bad.scn:2: ", "link: expected link NODE IFACE up|down" },
	{ "bad.scn", H "link fw1 lan0 down now\n", "bad.scn:2: ", "link: expected link NODE IFACE up|down" },
	{ "bad.scn", H "link fw3 lan0 down\n", "bad.scn:2: ", "link: 'fw3' is not a lab node" },
	{ "bad.scn", H "link fw1 lan0 sideways\n", "bad.scn:2: ", "link: 'sideways': expected up or down" },
	{ "bad.scn", H "link fw1 lan0 down speed=1\n", "bad.scn:2: ", "link: unknown option 'speed'" },
	{ "bad.scn", H "daemon fw1 conntrackd\n", "bad.scn:2: ", "daemon: expected daemon FW conntrackd|keepalived" },
	{ "bad.scn", H "daemon client conntrackd kill\n", "bad.scn:2: ", "daemon: 'client' is not a firewall" },
	{ "bad.scn", H "daemon fw1 vsftpd kill\n", "bad.scn:2: ", "daemon: 'vsftpd': expected conntrackd or keepalived" },
	{ "bad.scn", H "daemon fw1 conntrackd hup\n", "bad.scn:2: ", "daemon: 'hup': expected kill, term, stop, cont or restart" },
	{ "bad.scn", H "syncd fw1\n", "bad.scn:2: ", "syncd: expected syncd FW commit|flush" },
	{ "bad.scn", H "syncd server commit\n", "bad.scn:2: ", "syncd: 'server' is not a firewall" },
	{ "bad.scn", H "syncd fw2 purge\n", "bad.scn:2: ", "syncd: 'purge': expected commit, flush, resync" },
	{ "bad.scn", H "netem fw1\n", "bad.scn:2: ", "netem: expected netem NODE IFACE off" },
	{ "bad.scn", H "netem fw1 lan0\n", "bad.scn:2: ", "netem: give loss=, delay=, reorder= or duplicate=, or 'off'" },
	{ "bad.scn", H "netem router lan0 loss=5%\n", "bad.scn:2: ", "netem: 'router' is not a lab node" },
	{ "bad.scn", H "netem fw1 lan0 jitter=5ms\n", "bad.scn:2: ", "netem: unknown option 'jitter'" },
	{ "bad.scn", H "pause\n", "bad.scn:2: ", "pause: expected pause DURATION" },
	{ "bad.scn", H "pause 1s 2s\n", "bad.scn:2: ", "pause: expected pause DURATION" },
	{ "bad.scn", H "pause forever\n", "bad.scn:2: ", "pause: 'forever' is not a duration" },
	{ "bad.scn", H "log-has fw1-conntrackd.log\n", "bad.scn:2: ", "log-has: expected log-has FILE-IN-RESULTS" },
	{ "bad.scn", H "log-has f.log \"x\" gone\n", "bad.scn:2: ", "log-has: expected log-has FILE-IN-RESULTS" },
	{ "bad.scn", H "log-has ../etc/passwd root\n", "bad.scn:2: ", "log-has: '../etc/passwd': a file name in the run's results folder" },
	{ "bad.scn", H "log-has .hidden root\n", "bad.scn:2: ", "log-has: '.hidden': a file name" },
	{ "bad.scn", H "note a b\n", "bad.scn:2: ", "note: expected note \"TEXT\"" },
	{ "bad.scn", H "note\n", "bad.scn:2: ", "note: expected note \"TEXT\"" },
	/* lab */
	{ "bad.scn", H "lab\nnote x\n", "bad.scn:2: ", "lab: expected key=value options" },
	{ "bad.scn", H "lab nat\nnote x\n", "bad.scn:2: ", "'nat': expected key=value" },
	{ "bad.scn", H "lab =on\nnote x\n", "bad.scn:2: ", "'=on': expected key=value" },
	{ "bad.scn", H "lab colour=red\nnote x\n", "bad.scn:2: ", "unknown lab option 'colour'" },
	{ "bad.scn", H "lab nat=maybe\nnote x\n", "bad.scn:2: ", "nat=maybe: expected on, off or masquerade" },
	{ "bad.scn", H "lab nat=no\nnote x\n", "bad.scn:2: ", "nat=no: expected on, off or masquerade" },
	{ "bad.scn", H "lab family=ipv5\nnote x\n", "bad.scn:2: ", "family=ipv5: expected ipv4, ipv6 or dual" },
	{ "bad.scn", H "lab external-cache=maybe\nnote x\n", "bad.scn:2: ", "external-cache=maybe: expected on or off" },
	{ "bad.scn", H "lab expect-sync=1\nnote x\n", "bad.scn:2: ", "expect-sync=1: expected on or off" },
	{ "bad.scn", H "lab internal-cache=On\nnote x\n", "bad.scn:2: ", "internal-cache=On: expected on or off" },
	{ "bad.scn", H "lab failover=vrrp\nnote x\n", "bad.scn:2: ", "failover=vrrp: expected direct or keepalived" },
	{ "bad.scn", H "lab transport=tcp\nnote x\n", "bad.scn:2: ", "transport=tcp: expected udp or multicast" },
	{ "bad.scn", H "lab hashsize=8\nnote x\n", "bad.scn:2: ", "hashsize=8: expected a number from 16 to 4194304" },
	{ "bad.scn", H "lab hashsize=4194305\nnote x\n", "bad.scn:2: ", "hashsize=4194305: expected a number from 16" },
	{ "bad.scn", H "lab hashsize=4k\nnote x\n", "bad.scn:2: ", "hashsize=4k: expected a number" },
	{ "bad.scn", H "lab hashsize=\nnote x\n", "bad.scn:2: ", "hashsize=: expected a number" },
	{ "bad.scn", H "lab commit-timeout=-1\nnote x\n", "bad.scn:2: ",
	  "commit-timeout=-1: expected a number from 0 to 86400" },
	{ "bad.scn", H "lab commit-timeout=86401\nnote x\n", "bad.scn:2: ", "commit-timeout=86401: expected a number" },
	{ "bad.scn", H "lab server-rate=1T\nnote x\n", "bad.scn:2: ", "server-rate: '1T': unknown size suffix (use k, M or G)" },
	{ "bad.scn", H "lab server-rate=1025G\nnote x\n", "bad.scn:2: ", "server-rate: '1025G' is too large (at most 1T)" },
	{ "bad.scn", H "lab server-rate=fast\nnote x\n", "bad.scn:2: ", "server-rate: 'fast' is not a size" },
	{ "bad.scn", H "lab nat=on aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=1\nnote x\n", "bad.scn:2: ", "key too long" },
	/* variant */
	{ "bad.scn", H "variant\nnote x\n", "bad.scn:2: ", "variant: expected a name" },
	{ "bad.scn", H "variant a/b\nnote x\n", "bad.scn:2: ", "variant 'a/b': use letters, digits, '-' and '_'" },
	{ "bad.scn", H "variant a\nvariant b\nvariant a\nnote x\n", "bad.scn:4: ", "variant 'a' defined twice" },
	{ "bad.scn", H "variant a nat=maybe\nnote x\n", "bad.scn:2: ", "nat=maybe: expected on, off or masquerade" },
	{ "bad.scn", H "variant a hashsize=1\nnote x\n", "bad.scn:2: ", "hashsize=1: expected a number from 16" },
	{ "bad.scn", H "variant a mode\nnote x\n", "bad.scn:2: ", "'mode': expected key=value" },
	{ "bad.scn", H "variant a mode=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		       "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\nnote x\n",
	  "bad.scn:2: ", "value too long" },
	/* file */
	{ "bad.scn", H "file a.bin\nnote x\n", "bad.scn:2: ", "file: expected NAME SIZE" },
	{ "bad.scn", H "file a/b 4k\nnote x\n", "bad.scn:2: ", "file 'a/b': only letters, digits, '.', '_' and '-'" },
	{ "bad.scn", H "file ../x 4k\nnote x\n", "bad.scn:2: ", "file '../x': only letters" },
	{ "bad.scn", H "file .hidden 4k\nnote x\n", "bad.scn:2: ", "file '.hidden': bad name" },
	{ "bad.scn", H "file a.bin 4k\nfile a.bin 8k\nnote x\n", "bad.scn:3: ", "file 'a.bin' defined twice" },
	{ "bad.scn", H "file a.bin 5G\nnote x\n", "bad.scn:2: ", "file 'a.bin': at most 4G" },
	{ "bad.scn", H "file a.bin 4kb\nnote x\n", "bad.scn:2: ", "'4kb' is not a size" },
	{ "bad.scn", H "file a.bin 2048G\nnote x\n", "bad.scn:2: ", "'2048G' is too large" },
	/* order, presence */
	{ "bad.scn", H "note x\nlab nat=off\n", "bad.scn:3: ", "'lab' must come before the first step" },
	{ "bad.scn", H "note x\nfile a 1k\n", "bad.scn:3: ", "'file' must come before the first step" },
	{ "bad.scn", H "note x\nvariant a\n", "bad.scn:3: ", "'variant' must come before the first step" },
	{ "bad.scn", "note hi\n", "bad.scn:1: ", "no 'scenario \"description\"' line" },
	{ "bad.scn", "", "bad.scn:1: ", "no 'scenario \"description\"' line" },
	{ "bad.scn", "scenario a b\nnote x\n", "bad.scn:1: ", "scenario: expected one quoted description" },
	{ "bad.scn", "scenario\nnote x\n", "bad.scn:1: ", "scenario: expected one quoted description" },
	{ "bad.scn", H "lab nat=on\n# only headers\n", "bad.scn:3: ", "no steps" },
	/* when */
	{ "bad.scn", H "when nat=on note x\n", "bad.scn:2: ", "when: expected when key=value... : STEP" },
	{ "bad.scn", H "when : note x\n", "bad.scn:2: ", "when: expected when key=value... : STEP" },
	{ "bad.scn", H "when nat=on :\n", "bad.scn:2: ", "when: expected when key=value... : STEP" },
	{ "bad.scn", H "when nat : note x\n", "bad.scn:2: ", "'nat': expected key=value" },
	{ "bad.scn", H "when a=1 b=2 c=3 d=4 e=5 f=6 g=7 h=8 i=9 : note x\n", "bad.scn:2: ", "too many conditions" },
	/* known faults */
	{ "bad.scn", H "note x\ntransfer-done dl fault=nope\n", "bad.scn:3: ", "no known-fault 'nope' is declared" },
	/* blocks */
	{ "bad.scn", H "note x\n}\n", "bad.scn:3: ", "'}' closes no block" },
	{ "bad.scn", H "note x\nwhen nat=on {\nnote y\n", "bad.scn:3: ", "block not closed (a line '}' ends it)" },
	{ "bad.scn", H "when {\nnote y\n}\n", "bad.scn:2: ", "when: expected when key=value... {" },
	{ "bad.scn", H "when nat {\nnote y\n}\n", "bad.scn:2: ", "when: 'nat': expected key=value" },
	{ "bad.scn", H "with colour=red {\nnote y\n}\n", "bad.scn:2: ", "a block gives its steps fault=ID or within=D only" },
	{ "bad.scn", H "with fault= {\nnote y\n}\n", "bad.scn:2: ", "with: 'fault=': an empty value" },
	{ "bad.scn", H "note x\nwhen nat=on {\nlab nat=off\n}\n", "bad.scn:4: ", "'lab' cannot be inside a block (opened at line 3)" },
	{ "bad.scn", H "with fault=nope {\ntransfer-done t\n}\n", "bad.scn:3: ", "no known-fault 'nope' is declared" },
	{ "bad.scn", H "note \\\n\"open\n", "bad.scn:2: ", "unterminated quote" },
	/* evidence goes with a fault, is not empty, and every fault has some */
	{ "bad.scn", H "note x\ntransfer-done dl evidence=boom\n", "bad.scn:3: ", "evidence= without fault=ID" },
	{ "bad.scn", H "known-fault x \"d\"\ntransfer-done dl fault=x evidence=\"\"\n", "bad.scn:3: ", "evidence= is empty" },
	{ "bad.scn", H "known-fault x \"d\"\nnote x\ntransfer-done dl fault=x\n", "bad.scn:2: ",
	  "known-fault 'x': no check carries its evidence (mark one with fault=x evidence=" },
	{ "bad.scn", H "known-fault x \"d\"\nknown-fault y \"e\"\ntransfer-done dl fault=x evidence=a\n", "bad.scn:3: ",
	  "known-fault 'y': no check carries its evidence" },
	{ "bad.scn", H "known-fault x\nnote x\n", "bad.scn:2: ", "known-fault: expected ID \"description\"" },
	{ "bad.scn", H "known-fault x \"d\" when\nnote x\n", "bad.scn:2: ", "known-fault: expected ID" },
	{ "bad.scn", H "known-fault x \"d\" if nat=on\nnote x\n", "bad.scn:2: ", "known-fault: expected ID" },
	{ "bad.scn", H "known-fault a.b \"d\"\nnote x\n", "bad.scn:2: ", "known-fault 'a.b': use letters" },
	{ "bad.scn", H "known-fault x \"d\"\nknown-fault x \"e\"\nnote x\n", "bad.scn:3: ", "known-fault 'x' defined twice" },
	{ "bad.scn", H "known-fault x \"d\" when nat\nnote x\n", "bad.scn:2: ", "'nat': expected key=value" },
	/* a variable's value is checked by the step's own check, per variant */
	{ "bad.scn", H "variant v act=restart\ndaemon fw1 keepalived $act\n", "bad.scn:3: ",
	  "daemon: restart: only conntrackd can be restarted (variant v: $act is 'restart')" },
	{ "bad.scn", H "variant ok act=kill\nvariant v act=dance\ndaemon fw1 conntrackd $act\n", "bad.scn:4: ",
	  "daemon: 'dance': expected kill, term, stop, cont or restart (variant v: $act is 'dance')" },
	{ "bad.scn", H "variant v fw=fw3\nsyncd $fw commit\n", "bad.scn:3: ",
	  "syncd: 'fw3' is not a firewall (fw1, fw2) (variant v: $fw is 'fw3')" },
	{ "bad.scn", H "variant v w=5parsecs\nftp c1 connect within=$w\n", "bad.scn:3: ",
	  "ftp: within=5parsecs: '5parsecs' is not a duration (500ms, 3s) (variant v: $w is '5parsecs')" },
	{ "bad.scn", H "lab nat=on\nvariant v m=sftp\ntransfer t get f mode=${m}\n", "bad.scn:4: ",
	  "transfer: mode=sftp: expected pasv, epsv, port or eprt (variant v: $m is 'sftp')" },
	/* undefined variables, before anything is set up */
	{ "bad.scn", H "transfer t get $nothing\n", "bad.scn:2: ", "transfer: undefined variable $nothing" },
	{ "bad.scn", H "variant a\ntransfer t get $variant.bin\n", "bad.scn:3: ",
	  "undefined variable $variant.bin (in variant a; for $variant followed by '.bin' write ${variant}.bin)" },
	{ "bad.scn", H "ftp c1 connect\nexpect fw1 kernel ct dport=$c1.port\n", "bad.scn:3: ",
	  "expect: undefined variable $c1.port" },
	{ "bad.scn", H "expect fw1 kernel ct sport=$c1.sport\nftp c1 connect\n", "bad.scn:2: ",
	  "expect: undefined variable $c1.sport" },
	{ "bad.scn", H "variant a mode=pasv\nvariant b mode=port\nwhen mode=pasv : ftp c1 pasv\n"
		      "expect fw1 kernel expect dport=$c1.port\n", "bad.scn:5: ",
	  "expect: undefined variable $c1.port (in variant b)" },
	{ "bad.scn", H "variant a x=1\nvariant b\nnote $x\n", "bad.scn:4: ", "note: undefined variable $x (in variant b)" },
	{ "bad.scn", H "replay r f.pcap\nnote $r.ann1.host\n", "bad.scn:3: ", "note: undefined variable $r.ann1.host" },
	{ "bad.scn", H "note $q.next\nreplay q f.pcap\n", "bad.scn:2: ", "note: undefined variable $q.next" },
};

START_TEST(test_invalid)
{
	const struct invalid_case *t = &invalid_cases[_i];
	struct scenario *sc;

	err_clear();
	sc = scenario_parse(t->name, t->text, &runner_verbs);
	ck_assert_msg(sc == NULL, "row %d: accepted: %s", _i, oneline(t->text));
	ck_assert_msg(strncmp(err_get(), t->at, strlen(t->at)) == 0, "row %d: err '%s' does not start with '%s'",
		      _i, err_get(), t->at);
	ck_assert_msg(strstr(err_get(), t->phrase) != NULL, "row %d: err '%s' lacks '%s'", _i, err_get(),
		      t->phrase);
}
END_TEST

/* ---- generated texts at the limits ---------------------------------------- */

enum gen_kind {
	GEN_LINE,      /* line 2 is a comment of n bytes */
	GEN_WORD,      /* line 2 is `note WORD`, WORD of n bytes */
	GEN_WORDS,     /* line 2 is n words (`note` and n-1 more) */
	GEN_VARIANTS,  /* n variant lines */
	GEN_FILES,     /* n file lines */
};

struct gen_case {
	enum gen_kind kind;
	int n;
	const char *at;      /* NULL: must parse */
	const char *phrase;
};

static const struct gen_case gen_cases[] = {
	{ GEN_LINE, 4095, NULL, NULL },
	{ GEN_LINE, 4096, "gen.scn:2: ", "line too long" },
	{ GEN_LINE, 100000, "gen.scn:2: ", "line too long" },
	{ GEN_WORD, 511, NULL, NULL },
	{ GEN_WORD, 512, "gen.scn:2: ", "word longer than 511 characters" },
	{ GEN_WORDS, 24, "gen.scn:2: ", "note: expected note" },  /* 24 words tokenize; the step refuses */
	{ GEN_WORDS, 25, "gen.scn:2: ", "more than 24 words" },
	{ GEN_VARIANTS, 16, NULL, NULL },
	{ GEN_VARIANTS, 17, "gen.scn:18: ", "more than 16 variants" },
	{ GEN_FILES, 32, NULL, NULL },
	{ GEN_FILES, 33, "gen.scn:34: ", "more than 32 files" },
};

START_TEST(test_generated)
{
	const struct gen_case *t = &gen_cases[_i];
	size_t cap = (size_t)t->n * 32 + 256, len;
	char *text = xcalloc(1, cap);
	struct scenario *sc;
	int i;

	len = (size_t)sprintf(text, H);
	switch (t->kind) {
	case GEN_LINE:
		text[len++] = '#';
		memset(text + len, 'x', (size_t)t->n - 1);
		len += (size_t)t->n - 1;
		text[len++] = '\n';
		break;
	case GEN_WORD:
		len += (size_t)sprintf(text + len, "note ");
		memset(text + len, 'w', (size_t)t->n);
		len += (size_t)t->n;
		text[len++] = '\n';
		break;
	case GEN_WORDS:
		len += (size_t)sprintf(text + len, "note");
		for (i = 1; i < t->n; i++)
			len += (size_t)sprintf(text + len, " w%d", i);
		text[len++] = '\n';
		break;
	case GEN_VARIANTS:
		for (i = 0; i < t->n; i++)
			len += (size_t)sprintf(text + len, "variant v%d\n", i);
		break;
	case GEN_FILES:
		for (i = 0; i < t->n; i++)
			len += (size_t)sprintf(text + len, "file f%d 1k\n", i);
		break;
	}
	sprintf(text + len, "note end\n");
	err_clear();
	sc = scenario_parse("gen.scn", text, &runner_verbs);
	free(text);
	if (!t->at) {
		ck_assert_msg(sc != NULL, "row %d: rejected: %s", _i, err_get());
		ck_assert_int_eq(sc->nvariants, t->kind == GEN_VARIANTS ? t->n : 0);
		ck_assert_int_eq(sc->nfiles, t->kind == GEN_FILES ? t->n : 0);
		if (t->kind == GEN_WORD)
			ck_assert_uint_eq(strlen(sc->steps[0].argv[1]), (size_t)t->n);
		scenario_free(sc);
		return;
	}
	ck_assert_msg(sc == NULL, "row %d: accepted", _i);
	ck_assert_msg(strncmp(err_get(), t->at, strlen(t->at)) == 0, "row %d: err '%s' does not start with '%s'",
		      _i, err_get(), t->at);
	ck_assert_msg(strstr(err_get(), t->phrase), "row %d: err '%s' lacks '%s'", _i, err_get(), t->phrase);
}
END_TEST

/* ---- files: scenario_load, scenario_describe ------------------------------ */

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
	strcpy(tmpdir, "/tmp/ftfwtest-scenario-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		tmpdir[0] = '\0';
		ck_abort_msg("mkdtemp: %s", strerror(errno));
	}
}

static void tmp_teardown(void)
{
	if (tmpdir[0] && nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS) < 0)
		fprintf(stderr, "scenario: removing %s: %s\n", tmpdir, strerror(errno));
	tmpdir[0] = '\0';
}

static void put(const char *name, const char *data, size_t len, char *path, size_t plen)
{
	snprintf(path, plen, "%s/%s", tmpdir, name);
	ck_assert_msg(file_write(path, data, len, 0644) == 0, "%s", err_get());
}

struct load_case {
	const char *file;
	const char *data;
	size_t len;          /* 0: strlen(data) */
	const char *desc;    /* NULL: load fails */
	const char *at;      /* the message starts with the path and this */
	const char *phrase;  /* and contains this */
};

static const struct load_case load_cases[] = {
	{ "a.scn", H "note x\n", 0, "d", NULL, NULL },
	/* (no line number: the parser's own NUL check never sees one, see scenario_load) */
	{ "b.scn", H "note \"x\0y\"\n", sizeof(H "note \"x\0y\"\n") - 1, NULL, "", "NUL byte" },
	{ "c.scn", H "expect fw9 kernel ct dport=21\n", 0, NULL, ":2: ", "expect: 'fw9' is not a firewall" },
	{ "missing.scn", NULL, 0, NULL, ": ", "No such file or directory" },
};

START_TEST(test_load)
{
	const struct load_case *t = &load_cases[_i];
	char path[128], want[256];
	struct scenario *sc;

	if (t->data)
		put(t->file, t->data, t->len ? t->len : strlen(t->data), path, sizeof(path));
	else
		snprintf(path, sizeof(path), "%s/%s", tmpdir, t->file);
	err_clear();
	sc = scenario_load(path, &runner_verbs);
	if (t->desc) {
		ck_assert_msg(sc != NULL, "row %d: %s", _i, err_get());
		ck_assert_str_eq(sc->description, t->desc);
		ck_assert_str_eq(sc->path, path);
		scenario_free(sc);
		return;
	}
	ck_assert_msg(sc == NULL, "row %d: accepted", _i);
	snprintf(want, sizeof(want), "%s%s", path, t->at);
	ck_assert_msg(strncmp(err_get(), want, strlen(want)) == 0, "row %d: err '%s', want '%s...'", _i, err_get(),
		      want);
	ck_assert_msg(strstr(err_get(), t->phrase), "row %d: err '%s' lacks '%s'", _i, err_get(), t->phrase);
}
END_TEST

struct describe_case {
	const char *file;
	const char *data;    /* NULL: no file */
	size_t buflen;
	const char *desc;    /* NULL: fails */
	const char *err;
};

static const struct describe_case describe_cases[] = {
	{ "a.scn", "scenario \"First line\"\nnote x\n", 64, "First line", NULL },
	{ "b.scn", "# comment\n\n   \nscenario \"After comments\" # c\nlab nat=x\n", 64, "After comments", NULL },
	{ "c.scn", "scenario \"Truncated description\"\n", 10, "Truncated", NULL },
	{ "d.scn", "lab nat=on\nscenario \"too late\"\n", 64, NULL, "no 'scenario \"description\"' line first" },
	{ "e.scn", "scenario two words\n", 64, NULL, "no 'scenario \"description\"' line first" },
	{ "f.scn", "scenario \"open\n", 64, NULL, "no 'scenario \"description\"' line first" },
	{ "missing.scn", NULL, 64, NULL, "No such file or directory" },
};

START_TEST(test_describe)
{
	const struct describe_case *t = &describe_cases[_i];
	char path[128], buf[64];
	int rc;

	if (t->data)
		put(t->file, t->data, strlen(t->data), path, sizeof(path));
	else
		snprintf(path, sizeof(path), "%s/%s", tmpdir, t->file);
	memset(buf, 'Z', sizeof(buf));
	err_clear();
	rc = scenario_describe(path, buf, t->buflen);
	if (t->desc) {
		ck_assert_msg(rc == 0, "row %d: %s", _i, err_get());
		ck_assert_str_eq(buf, t->desc);
		return;
	}
	ck_assert_int_eq(rc, -1);
	ck_assert_msg(strncmp(err_get(), path, strlen(path)) == 0, "row %d: err '%s' does not name %s", _i,
		      err_get(), path);
	ck_assert_msg(strstr(err_get(), t->err), "row %d: err '%s' lacks '%s'", _i, err_get(), t->err);
}
END_TEST

/* The shipped scenario parses, and each of its variants has valid lab options. */
START_TEST(test_shipped_scenario)
{
	static const char *const paths[] = { "scenarios/ftp-failover.scn", "../scenarios/ftp-failover.scn",
					     "../../scenarios/ftp-failover.scn" };
	const char *path = NULL;
	struct lab_options o;
	struct scenario *sc;
	size_t i;
	int v;

	for (i = 0; i < ARRAY_SIZE(paths) && !path; i++)
		if (access(paths[i], R_OK) == 0)
			path = paths[i];
	ck_assert_msg(path != NULL, "scenarios/ftp-failover.scn not found: run from the repository's top");
	sc = scenario_load(path, &runner_verbs);
	ck_assert_msg(sc != NULL, "%s", err_get());
	ck_assert_str_eq(sc->name, "ftp-failover");
	ck_assert_msg(sc->description[0] && sc->nsteps > 0 && sc->nvariants > 0, "%s: %d steps, %d variants", path,
		      sc->nsteps, sc->nvariants);
	for (v = 0; v < sc->nvariants; v++)
		ck_assert_msg(scenario_lab_options(sc, &sc->variants[v], &o) == 0, "variant %s: %s",
			      sc->variants[v].name, err_get());
	scenario_free(sc);
}
END_TEST

/* ---- lab options one at a time -------------------------------------------- */

struct option_case {
	const char *key, *val;
	int rc;
	struct want_lab lab;   /* when rc == 0: the defaults with this option applied */
	const char *err;
};

static const struct option_case option_cases[] = {
	{ "nat", "off", 0, LAB(NAT_OFF, FAILOVER_DIRECT, SYNC_UDP, 32768, 1, 0, 0, 0, 0), NULL },
	{ "nat", "on", 0, LAB_DEFAULT, NULL },
	{ "nat", "snat", 0, LAB_DEFAULT, NULL },
	{ "nat", "masquerade", 0, LAB(NAT_MASQUERADE, FAILOVER_DIRECT, SYNC_UDP, 32768, 1, 0, 0, 0, 0), NULL },
	{ "nat", "yes", -1, LAB_DEFAULT, "nat=yes: expected on, off or masquerade" },
	{ "family", "ipv6", 0, LABF(NAT_SNAT, LAB_FAMILY_IPV6, FAILOVER_DIRECT, SYNC_UDP, 32768, 1, 0, 0, 0, 0), NULL },
	{ "family", "dual", 0, LABF(NAT_SNAT, LAB_FAMILY_DUAL, FAILOVER_DIRECT, SYNC_UDP, 32768, 1, 0, 0, 0, 0), NULL },
	{ "family", "ipv4", 0, LAB_DEFAULT, NULL },
	{ "family", "inet6", -1, LAB_DEFAULT, "family=inet6: expected ipv4, ipv6 or dual" },
	{ "internal-cache", "no", 0, LAB(NAT_SNAT, FAILOVER_DIRECT, SYNC_UDP, 32768, 1, 1, 0, 0, 0), NULL },
	{ "expect-sync", "yes", 0, LAB_DEFAULT, NULL },
	{ "failover", "keepalived", 0, LAB(NAT_SNAT, FAILOVER_KEEPALIVED, SYNC_UDP, 32768, 1, 0, 0, 0, 0), NULL },
	{ "failover", "direct", 0, LAB_DEFAULT, NULL },
	{ "transport", "multicast", 0, LAB(NAT_SNAT, FAILOVER_DIRECT, SYNC_MULTICAST, 32768, 1, 0, 0, 0, 0), NULL },
	{ "hashsize", "16", 0, LAB(NAT_SNAT, FAILOVER_DIRECT, SYNC_UDP, 16, 1, 0, 0, 0, 0), NULL },
	{ "hashsize", "4194304", 0, LAB(NAT_SNAT, FAILOVER_DIRECT, SYNC_UDP, 4194304, 1, 0, 0, 0, 0), NULL },
	{ "expect-sync", "off", 0, LAB(NAT_SNAT, FAILOVER_DIRECT, SYNC_UDP, 32768, 0, 0, 0, 0, 0), NULL },
	{ "internal-cache", "off", 0, LAB(NAT_SNAT, FAILOVER_DIRECT, SYNC_UDP, 32768, 1, 1, 0, 0, 0), NULL },
	{ "internal-cache", "on", 0, LAB_DEFAULT, NULL },
	{ "external-cache", "off", 0, LAB(NAT_SNAT, FAILOVER_DIRECT, SYNC_UDP, 32768, 1, 0, 1, 0, 0), NULL },
	{ "commit-timeout", "86400", 0, LAB(NAT_SNAT, FAILOVER_DIRECT, SYNC_UDP, 32768, 1, 0, 0, 86400, 0), NULL },
	{ "server-rate", "1M", 0, LAB(NAT_SNAT, FAILOVER_DIRECT, SYNC_UDP, 32768, 1, 0, 0, 0, 1048576), NULL },
	{ "server-rate", "0", 0, LAB_DEFAULT, NULL },
	{ "server-rate", "1024G", -1, LAB(NAT_SNAT, FAILOVER_DIRECT, SYNC_UDP, 32768, 1, 0, 0, 0, 0), "at most 4G-1" },
	{ "server", "off", 0, LAB_DEFAULT, NULL },
	{ "server", "on", 0, LAB_DEFAULT, NULL },
	{ "server", "maybe", -1, LAB_DEFAULT, "server=maybe: expected on or off" },
	{ "mode", "pasv", -1, LAB_DEFAULT, "unknown lab option 'mode'" },
	{ "NAT", "on", -1, LAB_DEFAULT, "unknown lab option 'NAT'" },
	{ "hashsize", "0x100", -1, LAB_DEFAULT, "hashsize=0x100: expected a number from 16 to 4194304" },
	{ "hashsize", "99999999999999999999", -1, LAB_DEFAULT, "expected a number" },
};

START_TEST(test_option)
{
	const struct option_case *t = &option_cases[_i];
	struct lab_options o;
	int rc;

	lab_options_default(&o);
	err_clear();
	rc = scenario_lab_option(&o, t->key, t->val);
	ck_assert_msg(rc == t->rc, "row %d: %s=%s: rc %d, want %d (%s)", _i, t->key, t->val, rc, t->rc, err_get());
	ck_assert_int_eq(scenario_is_lab_option(t->key), t->rc == 0 || strstr(t->err, "unknown") == NULL);
	if (rc == 0)
		assert_lab(_i, &o, &t->lab);
	else
		ck_assert_msg(strstr(err_get(), t->err), "row %d: err '%s' lacks '%s'", _i, err_get(), t->err);
}
END_TEST

/* ---- variables ------------------------------------------------------------ */

static const struct sc_kv vars[] = {
	{ "a", "1" },
	{ "a.b", "2" },
	{ "c1.port", "50000" },
	{ "empty", "" },
	{ "long", "0123456789" },
	{ "x_y-z", "ok" },
};

static const char *lookup(void *ctx, const char *name)
{
	size_t i;

	ck_assert_ptr_eq(ctx, (void *)vars);
	for (i = 0; i < ARRAY_SIZE(vars); i++)
		if (strcmp(vars[i].key, name) == 0)
			return vars[i].val;
	return NULL;
}

struct expand_case {
	const char *in;
	size_t len;          /* of out; 0: 256 */
	const char *out;     /* NULL: fails */
	const char *err;
};

static const struct expand_case expand_cases[] = {
	{ "no variables", 0, "no variables", NULL },
	{ "", 0, "", NULL },
	{ "$a", 0, "1", NULL },
	{ "${a}", 0, "1", NULL },
	{ "${a.b}", 0, "2", NULL },
	{ "$a.b", 0, "2", NULL },
	{ "x${a}y", 0, "x1y", NULL },
	{ "${a}-${a}", 0, "1-1", NULL },
	{ "dport=$c1.port", 0, "dport=50000", NULL },
	{ "port $c1.port.", 0, "port 50000.", NULL },
	{ "$a.", 0, "1.", NULL },
	{ "$a..", 0, "1..", NULL },
	{ "$a b", 0, "1 b", NULL },
	{ "$x_y-z!", 0, "ok!", NULL },
	{ "[$empty]", 0, "[]", NULL },
	{ "$long", 11, "0123456789", NULL },
	{ "abc", 4, "abc", NULL },
	{ "$a", 2, "1", NULL },
	{ "$nope", 0, NULL, "undefined variable $nope" },
	{ "${c1.sport}", 0, NULL, "undefined variable $c1.sport" },
	{ "$a.c", 0, NULL, "undefined variable $a.c" },
	{ "$", 0, NULL, "'$': '$' without a variable name" },
	{ "a $ b", 0, NULL, "'a $ b': '$' without a variable name" },
	{ "$$a", 0, NULL, "'$' without a variable name" },
	{ "$.", 0, NULL, "'$' without a variable name" },
	{ "${}", 0, NULL, "'$' without a variable name" },
	{ "${a", 0, NULL, "'${a': unterminated ${" },
	{ "$long", 10, NULL, "'$long': expansion too long" },
	{ "abcd", 4, NULL, "'abcd': expansion too long" },
	{ "$a", 1, NULL, "expansion too long" },
};

START_TEST(test_expand)
{
	const struct expand_case *t = &expand_cases[_i];
	size_t len = t->len ? t->len : 256;
	char out[257];
	int rc;

	memset(out, 'Z', sizeof(out));
	out[len] = '#';  /* a guard just past what the call may write */
	err_clear();
	rc = scenario_expand(t->in, lookup, (void *)vars, out, len);
	ck_assert_msg(out[len] == '#', "row %d: wrote past %zu bytes", _i, len);
	if (t->out) {
		ck_assert_msg(rc == 0, "row %d: '%s': %s", _i, t->in, err_get());
		ck_assert_str_eq(out, t->out);
		return;
	}
	ck_assert_msg(rc == -1, "row %d: '%s' expanded to '%.*s'", _i, t->in, (int)len, out);
	ck_assert_msg(strstr(err_get(), t->err), "row %d: err '%s' lacks '%s'", _i, err_get(), t->err);
}
END_TEST

struct conds_case {
	struct sc_kv cond[3];
	int ncond;
	int holds;
};

static const struct conds_case conds_cases[] = {
	{ { { "", "" } }, 0, 1 },
	{ { { "a", "1" } }, 1, 1 },
	{ { { "a", "2" } }, 1, 0 },
	{ { { "a", "" } }, 1, 0 },
	{ { { "a", "1" }, { "a.b", "2" } }, 2, 1 },
	{ { { "a", "1" }, { "a.b", "3" } }, 2, 0 },
	{ { { "a.b", "3" }, { "a", "1" } }, 2, 0 },
	{ { { "nope", "1" } }, 1, 0 },
	{ { { "nope", "" } }, 1, 0 },
	{ { { "empty", "" } }, 1, 1 },
	{ { { "a", "1" }, { "c1.port", "50000" }, { "x_y-z", "ok" } }, 3, 1 },
	{ { { "a", "1" }, { "c1.port", "50000" }, { "x_y-z", "OK" } }, 3, 0 },
	/* only the first ncond count */
	{ { { "a", "1" }, { "a", "2" } }, 1, 1 },
};

START_TEST(test_conds)
{
	const struct conds_case *t = &conds_cases[_i];

	ck_assert_msg(scenario_conds_hold(t->cond, t->ncond, lookup, (void *)vars) == t->holds,
		      "row %d: want %d", _i, t->holds);
}
END_TEST

/* ---- sizes ------------------------------------------------------------------ */

struct size_case {
	const char *in;
	int rc;
	uint64_t out;
	const char *err;
};

static const struct size_case size_cases[] = {
	{ "4096", 0, 4096, NULL },
	{ "0", 0, 0, NULL },
	{ "0k", 0, 0, NULL },
	{ "4k", 0, 4096, NULL },
	{ "4K", 0, 4096, NULL },
	{ "1536k", 0, 1572864, NULL },
	{ "3M", 0, 3145728, NULL },
	{ "3m", 0, 3145728, NULL },
	{ "1G", 0, 1073741824, NULL },
	{ "1024G", 0, 1ULL << 40, NULL },
	{ "1099511627776", 0, 1ULL << 40, NULL },
	{ "1099511627777", -1, 0, "'1099511627777' is too large (at most 1T)" },
	{ "1025G", -1, 0, "'1025G' is too large (at most 1T)" },
	{ "1048577M", -1, 0, "too large" },
	{ "18446744073709551615", -1, 0, "too large" },
	{ "18446744073709551616", -1, 0, "'18446744073709551616' is not a size" },
	{ "4T", -1, 0, "'4T': unknown size suffix (use k, M or G)" },
	{ "4 k", -1, 0, "unknown size suffix" },
	{ "4kb", -1, 0, "'4kb' is not a size" },
	{ "4kk", -1, 0, "is not a size" },
	{ "", -1, 0, "'' is not a size" },
	{ "k", -1, 0, "'k' is not a size" },
	{ "-1", -1, 0, "'-1' is not a size" },
	{ "+1", -1, 0, "'+1' is not a size" },
	{ " 4k", -1, 0, "' 4k' is not a size" },
};

START_TEST(test_size)
{
	const struct size_case *t = &size_cases[_i];
	uint64_t out = 0xdeadbeef;
	int rc;

	err_clear();
	rc = scenario_parse_size(t->in, &out);
	ck_assert_msg(rc == t->rc, "row %d: '%s': rc %d, want %d (%s)", _i, t->in, rc, t->rc, err_get());
	if (rc == 0) {
		ck_assert_msg(out == t->out, "row %d: '%s' is %llu, want %llu", _i, t->in, (unsigned long long)out,
			      (unsigned long long)t->out);
	} else {
		ck_assert_msg(out == 0xdeadbeef, "row %d: out written on error", _i);
		ck_assert_msg(strstr(err_get(), t->err), "row %d: err '%s' lacks '%s'", _i, err_get(), t->err);
	}
}
END_TEST

static Suite *scenario_suite(void)
{
	Suite *s = suite_create("scenario");
	TCase *tc = tcase_create("tables");
	TCase *files = tcase_create("files");

	tcase_add_loop_test(tc, test_valid, 0, ARRAY_SIZE(valid_cases));
	tcase_add_loop_test(tc, test_invalid, 0, ARRAY_SIZE(invalid_cases));
	tcase_add_loop_test(tc, test_generated, 0, ARRAY_SIZE(gen_cases));
	tcase_add_loop_test(tc, test_option, 0, ARRAY_SIZE(option_cases));
	tcase_add_loop_test(tc, test_expand, 0, ARRAY_SIZE(expand_cases));
	tcase_add_loop_test(tc, test_conds, 0, ARRAY_SIZE(conds_cases));
	tcase_add_loop_test(tc, test_size, 0, ARRAY_SIZE(size_cases));
	tcase_add_test(tc, test_shipped_scenario);
	suite_add_tcase(s, tc);

	tcase_add_unchecked_fixture(files, tmp_setup, tmp_teardown);
	tcase_add_loop_test(files, test_load, 0, ARRAY_SIZE(load_cases));
	tcase_add_loop_test(files, test_describe, 0, ARRAY_SIZE(describe_cases));
	suite_add_tcase(s, files);
	return s;
}

int main(void)
{
	return tl_main(scenario_suite());
}
