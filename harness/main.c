/*
 * ftfw: the harness's command line (run-scenario is its wrapper).
 * Options are a table: each row is the option, whether it takes a value,
 * what it sets and its help line; usage is printed from the same table.
 */
#include "lab.h"
#include "run.h"
#include "engine/runner.h"
#include "summary.h"
#include "scenario.h"
#include "anonymise_capture.h"
#include "session.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <sys/socket.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum action {
	ACT_RUN,
	ACT_LIST,
	ACT_ALL,
	ACT_CLEANUP,
	ACT_CHECK,
	ACT_HELP,
	ACT_HELP_STEPS,
	ACT_BENCH_TOPOLOGY,
	ACT_INSPECT,
	ACT_PCAP,
	ACT_RECORD,
	ACT_ANONYMISE,
};

struct cli {
	enum action action;
	int bench_n;
	int keep;
	int verbose;
	const char *results;
	const char *scenarios;
	const char *pcap;         /* --pcap FILE */
	const char *record;       /* --record NAME */
	const char *anon_key;     /* --anonymise KEY */
	uint64_t failover_at;     /* --failover-at N (0: none) */
	int nat;                  /* --nat 1, --no-nat 0, -1 the lab's default (on) */
};

static const struct option_def {
	const char *name;
	int has_arg;
	int short_name;
	const char *arg, *help;
} options[] = {
	{ "list", 0, 'l', NULL, "list every scenario with its description and variants" },
	{ "all", 0, 'a', NULL, "run every scenario of the catalogue" },
	{ "keep", 0, 'k', NULL, "leave the lab up after the run (enter it with ip netns exec)" },
	{ "cleanup", 0, 'c', NULL, "remove what killed or kept runs left behind, then exit" },
	{ "check", 0, 'C', NULL, "only parse the named scenarios (or files) and report errors" },
	{ "results", 1, 'r', "DIR", "where run folders go (default: results)" },
	{ "scenarios", 1, 's', "DIR", "where scenario files are (default: scenarios)" },
	{ "verbose", 0, 'v', NULL, "more progress lines" },
	{ "inspect", 0, 'I', NULL, "print the FTP sessions found in the named captures, and what cannot be replayed" },
	{ "pcap", 1, 'P', "FILE", "replay FILE through the pair, both ends played here; TAP line per packet" },
	{ "failover-at", 1, 'F', "N", "with --pcap: fail over right before packet N; notes both firewalls' state" },
	{ "nat", 0, 'N', NULL, "with --pcap: SNAT to the WAN virtual IP (the default)" },
	{ "no-nat", 0, 'n', NULL, "with --pcap: routed, no NAT" },
	{ "anonymise", 1, 'A', "KEY", "anonymise the capture IN into OUT (two names follow): addresses, also in PORT, EPRT, 227 "
	  "and 229, mapped keyed and prefix-preserving (Crypto-PAn); KEY: 64 hex digits or a file holding them" },
	{ "record", 1, 'R', "NAME", "run the one SCENARIO[:VARIANT] named and keep its client-side capture as pcaps/NAME.pcap" },
	{ "help-steps", 0, 'S', NULL, "list the steps a scenario can use" },
	{ "bench-topology", 1, 'B', "N", "raise and tear down the bare lab N times, print timings" },
	{ "help", 0, 'h', NULL, "this text" },
};

static void usage(FILE *out)
{
	size_t i;

	fprintf(out,
		"usage: run-scenario [OPTIONS] SCENARIO[:VARIANT]...\n"
		"Runs FTP failover scenarios through a firewall pair in a sealed lab of\n"
		"network namespaces. Exit: 0 all checks held, 1 a check failed, 2 usage\n"
		"or set-up error, 4 skipped (not root, a tool missing).\n\n"
		"  --no-install          (run-scenario only) name missing packages, do not install\n");
	for (i = 0; i < ARRAY_SIZE(options); i++) {
		char left[40];

		snprintf(left, sizeof(left), "--%s%s%s", options[i].name, options[i].arg ? " " : "",
			 options[i].arg ? options[i].arg : "");
		fprintf(out, "  -%c, %-18s %s\n", options[i].short_name, left, options[i].help);
	}
}

static int parse_cli(int argc, char **argv, struct cli *c)
{
	struct option longopts[ARRAY_SIZE(options) + 1];
	char shortopts[2 * ARRAY_SIZE(options) + 3] = "+:";
	size_t i, s = 2;
	int ch;

	memset(longopts, 0, sizeof(longopts));
	for (i = 0; i < ARRAY_SIZE(options); i++) {
		longopts[i].name = options[i].name;
		longopts[i].has_arg = options[i].has_arg;
		longopts[i].val = options[i].short_name;
		shortopts[s++] = (char)options[i].short_name;
		if (options[i].has_arg)
			shortopts[s++] = ':';
	}
	shortopts[s] = '\0';
	opterr = 0;
	while ((ch = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (ch) {
		case 'l': c->action = ACT_LIST; break;
		case 'a': c->action = ACT_ALL; break;
		case 'k': c->keep = 1; break;
		case 'c': c->action = ACT_CLEANUP; break;
		case 'C': c->action = ACT_CHECK; break;
		case 'r': c->results = optarg; break;
		case 's': c->scenarios = optarg; break;
		case 'v': c->verbose = 1; break;
		case 'S': c->action = ACT_HELP_STEPS; break;
		case 'I': c->action = ACT_INSPECT; break;
		case 'P': c->action = ACT_PCAP; c->pcap = optarg; break;
		case 'R': c->action = ACT_RECORD; c->record = optarg; break;
		case 'A': c->action = ACT_ANONYMISE; c->anon_key = optarg; break;
		case 'N': c->nat = 1; break;
		case 'n': c->nat = 0; break;
		case 'F': {
			char *end;

			errno = 0;
			c->failover_at = strtoull(optarg, &end, 10);
			if (errno || *end || c->failover_at < 1 || optarg[0] == '-')
				return err_set("--failover-at: a packet number from 1");
			break;
		}
		case 'B':
			c->action = ACT_BENCH_TOPOLOGY;
			c->bench_n = atoi(optarg);
			if (c->bench_n < 1 || c->bench_n > 1000)
				return err_set("--bench-topology: N from 1 to 1000");
			break;
		case 'h': c->action = ACT_HELP; break;
		case ':':
			return err_set("option '%s' needs a value", argv[optind - 1]);
		default:
			return err_set("unknown option '%s' (see --help)", argv[optind - 1]);
		}
	}
	return optind;
}

/* "ftp-failover" -> scenarios/ftp-failover.scn; a path with '/' or .scn as is. */
static int scenario_path(const struct cli *c, const char *name, char *buf, size_t len)
{
	size_t n = strlen(name);

	if (strchr(name, '/') || (n > 4 && strcmp(name + n - 4, ".scn") == 0))
		return str_fmt(buf, len, "%s", name);
	return str_fmt(buf, len, "%s/%s.scn", c->scenarios, name);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every *.scn name in the catalogue, sorted. */
static char **catalogue(const struct cli *c, int *n)
{
	DIR *d = opendir(c->scenarios);
	struct dirent *de;
	char **names = NULL;

	*n = 0;
	if (!d) {
		err_sys("%s", c->scenarios);
		return NULL;
	}
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);

		if (l > 4 && strcmp(de->d_name + l - 4, ".scn") == 0) {
			names = xrealloc(names, (size_t)(*n + 1) * sizeof(*names));
			names[*n] = xstrdup(de->d_name);
			names[*n][l - 4] = '\0';
			(*n)++;
		}
	}
	closedir(d);
	if (*n)
		qsort(names, (size_t)*n, sizeof(*names), cmp_str);
	return names;
}

static void free_names(char **names, int n)
{
	while (n)
		free(names[--n]);
	free(names);
}

static int do_list(const struct cli *c)
{
	char **names, path[512];
	int n, i, j, rc = EXIT_PASS;

	names = catalogue(c, &n);
	if (!names && n == 0 && err_get()[0]) {
		fprintf(stderr, "ftfw: %s\n", err_get());
		return EXIT_SETUP;
	}
	for (i = 0; i < n; i++) {
		struct scenario *sc;

		if (scenario_path(c, names[i], path, sizeof(path)) < 0)
			continue;
		sc = scenario_load(path, &runner_verbs);
		if (!sc) {
			printf("%-28s (error: %s)\n", names[i], err_get());
			rc = EXIT_SETUP;
			continue;
		}
		printf("%-28s %s\n", names[i], sc->description);
		for (j = 0; j < sc->nvariants; j++)
			printf("  %s:%s\n", names[i], sc->variants[j].name);
		scenario_free(sc);
	}
	free_names(names, n);
	return rc;
}

/* Load every named scenario first, so a bad file stops us before any set-up. */
struct job {
	struct scenario *sc;
	const struct sc_variant *only;   /* NULL: every variant */
};

static int load_jobs(const struct cli *c, char **names, int n, struct job *jobs)
{
	int i, j;

	for (i = 0; i < n; i++) {
		char name[256], path[512], *colon;

		if (str_copy(name, names[i], sizeof(name)) >= sizeof(name))
			return err_set("'%s': name too long", names[i]);
		colon = strchr(name, ':');
		if (colon)
			*colon++ = '\0';
		if (scenario_path(c, name, path, sizeof(path)) < 0)
			return -1;
		if (access(path, F_OK) < 0)
			return err_set("no scenario '%s' (%s; see --list)", name, path);
		jobs[i].sc = scenario_load(path, &runner_verbs);
		if (!jobs[i].sc)
			return -1;
		jobs[i].only = NULL;
		if (colon) {
			for (j = 0; j < jobs[i].sc->nvariants; j++)
				if (strcmp(jobs[i].sc->variants[j].name, colon) == 0)
					jobs[i].only = &jobs[i].sc->variants[j];
			if (!jobs[i].only)
				return err_set("%s: no variant '%s' (see --list)", path, colon);
		}
	}
	return 0;
}

/* Topology up and down only: the lab's own cost, without daemons. */
static int bench_topology(const struct cli *c)
{
	int64_t up_total = 0, down_total = 0, best = INT64_MAX, worst = 0;
	int i;

	if (geteuid() != 0) {
		fprintf(stderr, "ftfw: skipped: not root\n");
		return EXIT_SKIP;
	}
	for (i = 0; i < c->bench_n; i++) {
		struct run *r = run_new("/tmp/ftfw-bench", "topology");
		struct lab *l;
		int64_t t0, t1, t2;

		if (!r) {
			fprintf(stderr, "ftfw: %s\n", err_get());
			return EXIT_SETUP;
		}
		t0 = now_us();
		l = lab_up(r, LAB_FAMILY_IPV4);
		t1 = now_us();
		if (!l) {
			fprintf(stderr, "ftfw: %s\n", err_get());
			run_finish(r);
			return EXIT_SETUP;
		}
		lab_free(l);
		if (run_finish(r) < 0)
			fprintf(stderr, "ftfw: %s\n", err_get());
		t2 = now_us();
		up_total += t1 - t0;
		down_total += t2 - t1;
		if (t2 - t0 < best)
			best = t2 - t0;
		if (t2 - t0 > worst)
			worst = t2 - t0;
	}
	printf("topology: %d runs, up %.1f ms, down %.1f ms, up+down %.1f ms mean (best %.1f, worst %.1f)\n",
	       c->bench_n, up_total / 1000.0 / c->bench_n, down_total / 1000.0 / c->bench_n,
	       (up_total + down_total) / 1000.0 / c->bench_n, best / 1000.0, worst / 1000.0);
	return EXIT_PASS;
}

static void on_signal(int sig)
{
	runner_interrupt(sig);
}

static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/*
 * --pcap FILE: a scenario made here (a lab of the capture's family, no
 * vsftpd, the replay, a TAP line per packet), run like any other. A file
 * that is no usable capture, or has no FTP session, is said before any
 * lab is built.
 */
static int do_pcap(const struct cli *c)
{
	struct runner_options ro = { c->results, c->keep, stdout };
	struct session_set *ss;
	struct scenario *sc;
	char text[4096], file[1536], fo[64] = "";
	const char *family;
	size_t i, o = 0;
	int v4 = 0, v6 = 0, rc;

	for (i = 0; c->pcap[i]; i++) {
		if (c->pcap[i] == '$' || (unsigned char)c->pcap[i] < 0x20)
			return fprintf(stderr, "ftfw: --pcap: '%s': no '$' or control characters in the path, please\n",
				       c->pcap), EXIT_SETUP;
		if (o + 3 >= sizeof(file))
			return fprintf(stderr, "ftfw: --pcap: path too long\n"), EXIT_SETUP;
		if (c->pcap[i] == '"' || c->pcap[i] == '\\')
			file[o++] = '\\';
		file[o++] = c->pcap[i];
	}
	file[o] = '\0';
	ss = session_scan(c->pcap);
	if (!ss) {
		fprintf(stderr, "ftfw: %s\n", err_get());
		return EXIT_SETUP;
	}
	for (i = 0; i < session_count(ss); i++) {
		v4 |= session_get(ss, i)->ctl.client.family == AF_INET;
		v6 |= session_get(ss, i)->ctl.client.family == AF_INET6;
	}
	session_set_free(ss);
	if (!v4 && !v6) {
		fprintf(stderr, "ftfw: %s: no FTP session (no TCP flow with port 21); see --inspect\n", c->pcap);
		return EXIT_SETUP;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "ftfw: skipped: not root (namespaces, nftables and daemons need root)\n");
		return EXIT_SKIP;
	}
	family = v4 && v6 ? "dual" : v6 ? "ipv6" : "ipv4";
	if (c->failover_at)
		snprintf(fo, sizeof(fo), " failover-at=%llu show-state=on", (unsigned long long)c->failover_at);
	if (str_fmt(text, sizeof(text),
		    "scenario \"%s replayed through the firewall pair (run-scenario --pcap)\"\n"
		    "lab family=%s nat=%s server=off\n"
		    "replay pcap \"%s\"%s\n"
		    "replay-verdict pcap each\n",
		    file, family, c->nat == 0 ? "off" : "on", file, fo) < 0) {
		fprintf(stderr, "ftfw: --pcap: %s\n", err_get());
		return EXIT_SETUP;
	}
	sc = scenario_parse("pcap", text, &runner_verbs);
	if (!sc) {
		fprintf(stderr, "ftfw: --pcap: %s\n", err_get());
		return EXIT_SETUP;
	}
	catch_signals();
	rc = runner_run(sc, NULL, &ro, NULL);
	scenario_free(sc);
	return rc;
}

/* --record NAME: the run's client-side capture becomes pcaps/NAME.pcap. */
#define RECORD_DIR "pcaps"
static int keep_capture(const struct cli *c, const char *dir)
{
	char src[768], dst[768];
	size_t len;
	char *data;
	int rc = EXIT_SETUP;

	if (str_fmt(src, sizeof(src), "%s/client-eth0.pcap", dir) < 0 ||
	    str_fmt(dst, sizeof(dst), RECORD_DIR "/%s.pcap", c->record) < 0)
		goto out;
	data = file_read(src, &len);
	if (!data)
		goto out;
	if (file_write(dst, data, len, 0644) == 0) {
		fprintf(stderr, "ftfw: --record: %s (%zu bytes) from %s\n", dst, len, src);
		rc = EXIT_PASS;
	}
	free(data);
out:
	if (rc != EXIT_PASS)
		fprintf(stderr, "ftfw: --record: %s\n", err_get());
	return rc;
}

/* RESULTS/summary.json: every run of this invocation, for tools. */
static int write_summary(const struct cli *c, const struct runner_summary *sums, int n, int rc)
{
	char path[1024];

	if (str_fmt(path, sizeof(path), "%s/summary.json", c->results) < 0 ||
	    summary_write(path, sums, n, rc) < 0) {
		fprintf(stderr, "ftfw: %s\n", err_get());
		return -1;
	}
	fprintf(stderr, "ftfw: summary in %s\n", path);
	return 0;
}

static int run_jobs(const struct cli *c, struct job *jobs, int n)
{
	struct runner_options ro = { c->results, c->keep, stdout };
	struct runner_summary *sums = NULL;
	int i, j, rc = EXIT_PASS, reclaimed, nsums = 0, ran = 0;

	if (geteuid() != 0) {
		fprintf(stderr, "ftfw: skipped: not root (namespaces, nftables and daemons need root)\n");
		return EXIT_SKIP;
	}
	catch_signals();
	if (run_reclaim_stale(0, &reclaimed) < 0)
		fprintf(stderr, "ftfw: reclaiming earlier runs: %s\n", err_get());
	else if (reclaimed)
		fprintf(stderr, "ftfw: reclaimed what %d killed run(s) left behind\n", reclaimed);
	for (i = 0; i < n; i++) {
		const struct scenario *sc = jobs[i].sc;
		int nv = jobs[i].only ? 1 : (sc->nvariants ? sc->nvariants : 1);

		for (j = 0; j < nv && !runner_interrupted(); j++) {
			const struct sc_variant *v = jobs[i].only ? jobs[i].only
						    : sc->nvariants ? &sc->variants[j] : NULL;
			int r;

			sums = xrealloc(sums, (size_t)(nsums + 1) * sizeof(*sums));
			memset(&sums[nsums], 0, sizeof(*sums));
			r = runner_run(sc, v, &ro, &sums[nsums++]);

			/* Worst wins: set-up error over failure over pass; a
			 * skipped variant counts only if nothing else ran. */
			if (r != EXIT_SKIP)
				ran++;
			if (r == EXIT_SETUP || (r == EXIT_FAILED && rc != EXIT_SETUP))
				rc = r;
		}
	}
	if (!ran && nsums)
		rc = EXIT_SKIP;
	if (nsums > 1)
		summary_print(stderr, sums, nsums);
	if (c->record && rc == EXIT_PASS && nsums == 1)
		rc = keep_capture(c, sums[0].dir);
	else if (c->record)
		fprintf(stderr, "ftfw: --record: the run did not pass; pcaps/%s.pcap not written\n", c->record);
	/* last, so that it carries the exit code the invocation ends with */
	if (nsums && write_summary(c, sums, nsums, rc) < 0)
		rc = EXIT_SETUP;
	free(sums);
	return rc;
}

static int do_inspect(int argc, char **argv, int first)
{
	int i, rc = EXIT_PASS;

	if (first == argc) {
		fprintf(stderr, "ftfw: --inspect: name a capture file\n");
		return EXIT_SETUP;
	}
	for (i = first; i < argc; i++)
		if (session_inspect(argv[i], stdout) < 0) {
			fprintf(stderr, "ftfw: %s\n", err_get());
			rc = EXIT_SETUP;
		}
	return rc;
}

/* --anonymise KEY IN OUT */
static int do_anonymise(const struct cli *c, int argc, char **argv, int first)
{
	uint8_t key[CRYPTOPAN_KEY_LEN];
	struct anon_stats st;
	char line[512];
	int rc = EXIT_SETUP;

	if (argc - first != 2) {
		fprintf(stderr, "ftfw: --anonymise KEY takes two names: the capture IN and the file OUT\n");
		return EXIT_SETUP;
	}
	if (anonymise_key_arg(c->anon_key, key) < 0) {
		fprintf(stderr, "ftfw: %s\n", err_get());
		goto out;
	}
	if (anonymise_capture(argv[first], argv[first + 1], key, &st) < 0) {
		fprintf(stderr, "ftfw: %s\n", err_get());
		goto out;
	}
	printf("ftfw: %s -> %s: %s\n", argv[first], argv[first + 1], anonymise_summary(&st, line, sizeof(line)));
	printf("ftfw: written as pcap: pcapng comments and other non-packet blocks are not carried\n");
	rc = EXIT_PASS;
out:
	memset(key, 0, sizeof(key));
	return rc;
}

static int do_cleanup(void)
{
	int reclaimed;

	if (geteuid() != 0) {
		fprintf(stderr, "ftfw: skipped: --cleanup needs root\n");
		return EXIT_SKIP;
	}
	if (run_reclaim_stale(1, &reclaimed) < 0) {
		fprintf(stderr, "ftfw: cleanup: %s\n", err_get());
		return EXIT_SETUP;
	}
	printf("ftfw: cleanup: %d run(s) reclaimed\n", reclaimed);
	return EXIT_PASS;
}

/* The actions that run no scenario: their exit code, or -1 for the others. */
static int immediate(struct cli *c, int argc, char **argv, int first)
{
	switch (c->action) {
	case ACT_HELP:
		usage(stdout);
		return EXIT_PASS;
	case ACT_HELP_STEPS:
		runner_print_steps(stdout);
		return EXIT_PASS;
	case ACT_LIST:
		return do_list(c);
	case ACT_BENCH_TOPOLOGY:
		return bench_topology(c);
	case ACT_INSPECT:
		return do_inspect(argc, argv, first);
	case ACT_PCAP:
		if (first != argc) {
			fprintf(stderr, "ftfw: --pcap takes one capture and no scenario names\n");
			return EXIT_SETUP;
		}
		return do_pcap(c);
	case ACT_CLEANUP:
		return do_cleanup();
	case ACT_ANONYMISE:
		return do_anonymise(c, argc, argv, first);
	case ACT_RECORD:
	case ACT_ALL:
	case ACT_RUN:
	case ACT_CHECK:
		break;
	}
	return -1;
}

static char **names_of(int argc, char **argv, int first, int *n)
{
	char **names;
	int i;

	*n = argc - first;
	names = xcalloc((size_t)*n, sizeof(*names));
	for (i = 0; i < *n; i++)
		names[i] = xstrdup(argv[first + i]);
	return names;
}

/* The SCENARIO[:VARIANT] names an action runs; NULL (said why) on a
 * usage error. */
static char **job_names(struct cli *c, int argc, char **argv, int first, int *n)
{
	const char *p;
	char **names;

	*n = 0;
	if (c->action == ACT_RECORD) {
		for (p = c->record; *p; p++)
			if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
				break;
		if (*p || !c->record[0] || c->record[0] == '.' || strlen(c->record) > 64) {
			fprintf(stderr, "ftfw: --record: '%s': a name of letters, digits, '-', '_' and '.'\n", c->record);
			return NULL;
		}
		if (argc - first != 1) {
			fprintf(stderr, "ftfw: --record NAME takes one SCENARIO[:VARIANT]\n");
			return NULL;
		}
		return names_of(argc, argv, first, n);
	}
	if (c->action == ACT_ALL) {
		if (first != argc) {
			fprintf(stderr, "ftfw: --all takes no scenario names\n");
			return NULL;
		}
		names = catalogue(c, n);
		if (!names)
			fprintf(stderr, "ftfw: %s\n", *n ? err_get() : "no scenarios in the catalogue");
		return names;
	}
	if (c->failover_at || c->nat >= 0) {
		fprintf(stderr, "ftfw: --failover-at, --nat and --no-nat go with --pcap\n");
		return NULL;
	}
	if (first == argc) {
		usage(stderr);
		return NULL;
	}
	return names_of(argc, argv, first, n);
}

int main(int argc, char **argv)
{
	struct cli c = { .action = ACT_RUN, .results = "results", .scenarios = "scenarios", .nat = -1 };
	struct job *jobs = NULL;
	char **names;
	int first, n = 0, i, rc = EXIT_SETUP;

	/* TAP lines appear as checks complete, even into a pipe or a file. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	first = parse_cli(argc, argv, &c);
	if (first < 0) {
		fprintf(stderr, "ftfw: %s\n", err_get());
		return EXIT_SETUP;
	}
	log_set_verbose(c.verbose);
	if ((rc = immediate(&c, argc, argv, first)) >= 0)
		return rc;
	rc = EXIT_SETUP;
	names = job_names(&c, argc, argv, first, &n);
	if (!names)
		return EXIT_SETUP;
	jobs = xcalloc((size_t)n, sizeof(*jobs));
	if (load_jobs(&c, names, n, jobs) < 0) {
		fprintf(stderr, "ftfw: %s\n", err_get());
		goto out;
	}
	if (c.action == ACT_RECORD && jobs[0].sc->nvariants > 1 && !jobs[0].only) {
		fprintf(stderr, "ftfw: --record: %s has %d variants; name one (SCENARIO:VARIANT)\n", jobs[0].sc->path,
			jobs[0].sc->nvariants);
		goto out;
	}
	if (c.action == ACT_CHECK) {
		for (i = 0; i < n; i++)
			printf("%s: ok (%d steps, %d variants)\n", jobs[i].sc->path, jobs[i].sc->nsteps,
			       jobs[i].sc->nvariants);
		rc = EXIT_PASS;
		goto out;
	}
	rc = run_jobs(&c, jobs, n);
out:
	for (i = 0; i < n; i++)
		scenario_free(jobs[i].sc);
	free(jobs);
	free_names(names, n);
	return rc;
}
