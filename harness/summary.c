/* summary: the runs of one invocation as a table and as JSON. See summary.h. */
#include "summary.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sbuf.h"

const char *summary_outcome(const struct runner_summary *s)
{
	if (s->exit_code == EXIT_SKIP)
		return "skipped";
	if (s->errors)
		return "error";
	if (s->failed)
		return "FAIL";
	if (s->known)
		return "known-fault";
	return s->passed ? "pass" : "skipped";
}

/* The results folder from "results/" on, as people type it. */
static const char *short_dir(const char *dir)
{
	const char *d = strstr(dir, "/results/");

	return d ? d + 1 : dir;
}

void summary_print(FILE *out, const struct runner_summary *s, int n)
{
	int i;

	fprintf(out, "\n%-36s %-12s %5s %5s %5s %6s %8s  %s\n", "scenario:variant", "outcome", "pass", "fail",
		"skip", "known", "time", "results");
	for (i = 0; i < n; i++)
		fprintf(out, "%-36s %-12s %5d %5d %5d %6d %7.1fs  %s\n", s[i].suite, summary_outcome(&s[i]),
			s[i].passed, s[i].failed + s[i].errors, s[i].skipped, s[i].known, s[i].seconds,
			short_dir(s[i].dir));
}

static void run_json(struct sbuf *b, const struct runner_summary *s)
{
	int skipped = s->exit_code == EXIT_SKIP, i;

	sb_puts(b, "    {\"suite\": ");
	sb_json(b, s->suite);
	sb_puts(b, ", \"scenario\": ");
	sb_json(b, s->scenario);
	sb_puts(b, ", \"variant\": ");
	sb_json(b, s->variant[0] ? s->variant : NULL);
	sb_puts(b, ",\n     \"outcome\": ");
	sb_json(b, summary_outcome(s));
	sb_printf(b, ", \"exit_code\": %d, \"seconds\": ", s->exit_code);
	sb_seconds(b, s->seconds);
	sb_printf(b, ",\n     \"counts\": {\"pass\": %d, \"fail\": %d, \"skip\": %d, \"known-fault\": %d, \"error\": %d},\n",
		  s->passed, s->failed, s->skipped, s->known, s->errors);
	sb_puts(b, "     \"results\": ");
	sb_json(b, skipped ? NULL : s->dir);
	sb_puts(b, ", \"skip_reason\": ");
	sb_json(b, skipped ? s->dir : NULL);
	sb_printf(b, ",\n     \"known_faults_declared\": %d, \"known_faults\": [", s->declared);
	for (i = 0; i < s->nfaults; i++) {
		sb_puts(b, i ? ", {\"id\": " : "{\"id\": ");
		sb_json(b, s->faults[i].id);
		sb_printf(b, ", \"shown\": %s}", s->faults[i].shown ? "true" : "false");
	}
	sb_puts(b, "]}");
}

int summary_write(const char *path, const struct runner_summary *s, int n, int exit_code)
{
	struct sbuf b = { NULL, 0, 0 };
	char started[40], tmp[4096];
	int i, rc = -1;

	wallclock_iso(started, sizeof(started));
	sb_puts(&b, "{\n  \"written\": ");
	sb_json(&b, started);
	sb_printf(&b, ",\n  \"exit_code\": %d,\n  \"runs\": [\n", exit_code);
	for (i = 0; i < n; i++) {
		run_json(&b, &s[i]);
		sb_puts(&b, i + 1 < n ? ",\n" : "\n");
	}
	sb_puts(&b, "  ]\n}\n");
	if (str_fmt(tmp, sizeof(tmp), "%s", path) < 0)
		goto out;
	if (strrchr(tmp, '/')) {
		*strrchr(tmp, '/') = '\0';
		if (tmp[0] && dir_make(tmp, 0755) < 0)
			goto out;
	}
	if (str_fmt(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid()) < 0 ||
	    file_write(tmp, b.s, b.len, 0644) < 0)
		goto out;
	if (rename(tmp, path) < 0) {
		err_set("%s: %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	if (rc < 0)
		err_prefix("summary");
	free(b.s);
	return rc;
}
