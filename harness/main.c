/*
 * ftfw: the harness's command line (run-scenario is its wrapper).
 * Options are a table: each row is the option, whether it takes a value,
 * what it sets and its help line; usage is printed from the same table.
 */
#include "lab.h"
#include "run.h"
#include "runner.h"
#include "scenario.h"
#include "session.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
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
};

struct cli {
	enum action action;
	int bench_n;
	int keep;
	int verbose;
	const char *results;
	const char *scenarios;
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
	char shortopts[2 * ARRAY_SIZE(options) + 2] = "+";
	size_t i, s = 1;
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

/* The outcome of every run, one line each (stderr: stdout is TAP). */
static void print_summary(const struct runner_summary *s, int n)
{
	int i;

	fprintf(stderr, "\n%-36s %-12s %5s %5s %5s %6s %8s  %s\n", "scenario:variant", "outcome", "pass", "fail",
		"skip", "known", "time", "results");
	for (i = 0; i < n; i++) {
		const char *outcome = s[i].errors ? "error" : s[i].failed ? "FAIL"
				      : s[i].known ? "known-fault" : s[i].passed ? "pass" : "skipped";
		const char *dir = strstr(s[i].dir, "/results/");

		fprintf(stderr, "%-36s %-12s %5d %5d %5d %6d %7.1fs  %s\n", s[i].suite, outcome, s[i].passed,
			s[i].failed + s[i].errors, s[i].skipped, s[i].known, s[i].seconds, dir ? dir + 1 : s[i].dir);
	}
}

static int run_jobs(const struct cli *c, struct job *jobs, int n)
{
	struct runner_options ro = { c->results, c->keep, stdout };
	struct runner_summary *sums = NULL;
	struct sigaction sa;
	int i, j, rc = EXIT_PASS, reclaimed, nsums = 0;

	if (geteuid() != 0) {
		fprintf(stderr, "ftfw: skipped: not root (namespaces, nftables and daemons need root)\n");
		return EXIT_SKIP;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
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

			/* Worst wins: set-up error over failure over pass. */
			if (r == EXIT_SETUP || (r == EXIT_FAILED && rc != EXIT_SETUP) ||
			    (r == EXIT_SKIP && rc == EXIT_PASS))
				rc = r;
		}
	}
	if (nsums > 1)
		print_summary(sums, nsums);
	free(sums);
	return rc;
}

int main(int argc, char **argv)
{
	struct cli c = { .action = ACT_RUN, .results = "results", .scenarios = "scenarios" };
	struct job *jobs = NULL;
	char **names = NULL;
	int first, n = 0, i, rc = EXIT_SETUP, reclaimed;

	first = parse_cli(argc, argv, &c);
	if (first < 0) {
		fprintf(stderr, "ftfw: %s\n", err_get());
		return EXIT_SETUP;
	}
	log_set_verbose(c.verbose);
	switch (c.action) {
	case ACT_HELP:
		usage(stdout);
		return EXIT_PASS;
	case ACT_HELP_STEPS:
		runner_print_steps(stdout);
		return EXIT_PASS;
	case ACT_LIST:
		return do_list(&c);
	case ACT_BENCH_TOPOLOGY:
		return bench_topology(&c);
	case ACT_INSPECT:
		if (first == argc) {
			fprintf(stderr, "ftfw: --inspect: name a capture file\n");
			return EXIT_SETUP;
		}
		for (i = first, rc = EXIT_PASS; i < argc; i++)
			if (session_inspect(argv[i], stdout) < 0) {
				fprintf(stderr, "ftfw: %s\n", err_get());
				rc = EXIT_SETUP;
			}
		return rc;
	case ACT_CLEANUP:
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
	case ACT_ALL:
		if (first != argc) {
			fprintf(stderr, "ftfw: --all takes no scenario names\n");
			return EXIT_SETUP;
		}
		names = catalogue(&c, &n);
		if (!names) {
			fprintf(stderr, "ftfw: %s\n", n ? err_get() : "no scenarios in the catalogue");
			return EXIT_SETUP;
		}
		break;
	case ACT_RUN:
	case ACT_CHECK:
		if (first == argc) {
			usage(stderr);
			return EXIT_SETUP;
		}
		n = argc - first;
		names = xcalloc((size_t)n, sizeof(*names));
		for (i = 0; i < n; i++)
			names[i] = xstrdup(argv[first + i]);
		break;
	}
	jobs = xcalloc((size_t)n, sizeof(*jobs));
	if (load_jobs(&c, names, n, jobs) < 0) {
		fprintf(stderr, "ftfw: %s\n", err_get());
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
