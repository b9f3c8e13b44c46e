/*
 * scenario_lab: the lab options a scenario sets (lab and variant lines):
 * a table of keys, each with its parser and the field of struct
 * lab_options it sets. See scenario.h.
 */
#include "scenario_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_onoff(const char *key, const char *val, int *out)
{
	if (strcmp(val, "on") == 0 || strcmp(val, "yes") == 0)
		*out = 1;
	else if (strcmp(val, "off") == 0 || strcmp(val, "no") == 0)
		*out = 0;
	else
		return err_set("%s=%s: expected on or off", key, val);
	return 0;
}

static int parse_int(const char *key, const char *val, int lo, int hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(val, &end, 10);
	if (errno || end == val || *end || v < lo || v > hi)
		return err_set("%s=%s: expected a number from %d to %d", key, val, lo, hi);
	*out = (int)v;
	return 0;
}

/* Lab options as a table: key, how to apply it. */
static int opt_nat(struct lab_options *lo, const char *k, const char *v)
{
	int m = nat_mode_parse(v);

	if (m < 0)
		return err_set("%s=%s: expected on, off or masquerade", k, v);
	lo->fw.nat = (enum nat_mode)m;
	return 0;
}
static int opt_failover(struct lab_options *lo, const char *k, const char *v)
{
	int d = failover_driver_parse(v);

	if (d < 0)
		return err_set("%s=%s: expected direct or keepalived", k, v);
	lo->fw.driver = (enum failover_driver)d;
	return 0;
}
static int opt_transport(struct lab_options *lo, const char *k, const char *v)
{
	int t = sync_transport_parse(v);

	if (t < 0)
		return err_set("%s=%s: expected udp or multicast", k, v);
	lo->fw.sync.transport = (enum sync_transport)t;
	return 0;
}
static int opt_hashsize(struct lab_options *lo, const char *k, const char *v)
{
	return parse_int(k, v, 16, 1 << 22, &lo->fw.sync.hashsize);
}
static int opt_expect_sync(struct lab_options *lo, const char *k, const char *v)
{
	return parse_onoff(k, v, &lo->fw.sync.expectation_sync);
}
static int opt_internal(struct lab_options *lo, const char *k, const char *v)
{
	int on = 1, rc = parse_onoff(k, v, &on);

	lo->fw.sync.disable_internal_cache = !on;
	return rc;
}
static int opt_external(struct lab_options *lo, const char *k, const char *v)
{
	int on = 1, rc = parse_onoff(k, v, &on);

	lo->fw.sync.disable_external_cache = !on;
	return rc;
}
static int opt_commit_timeout(struct lab_options *lo, const char *k, const char *v)
{
	return parse_int(k, v, 0, 86400, &lo->fw.sync.commit_timeout);
}

static int opt_family(struct lab_options *lo, const char *k, const char *v)
{
	int f = lab_family_parse(v);

	if (f < 0)
		return err_set("%s=%s: expected ipv4, ipv6 or dual", k, v);
	lo->fw.family = (enum lab_family)f;
	return 0;
}

static int opt_input_guard(struct lab_options *lo, const char *k, const char *v)
{
	return parse_onoff(k, v, &lo->fw.input_guard);
}

static int opt_server_rate(struct lab_options *lo, const char *k, const char *v)
{
	if (scenario_parse_size(v, &lo->server_rate) < 0)
		return err_prefix("%s", k);
	/* vsftpd keeps anon_max_rate in an unsigned int. */
	if (lo->server_rate > 0xffffffffULL)
		return err_set("%s=%s: at most 4G-1 bytes/s", k, v);
	return 0;
}

static int opt_server(struct lab_options *lo, const char *k, const char *v)
{
	return parse_onoff(k, v, &lo->server);
}

static const struct {
	const char *key;
	int (*apply)(struct lab_options *o, const char *key, const char *val);
} lab_opts[] = {
	{ "nat", opt_nat },
	{ "family", opt_family },
	{ "failover", opt_failover },
	{ "transport", opt_transport },
	{ "hashsize", opt_hashsize },
	{ "expect-sync", opt_expect_sync },
	{ "internal-cache", opt_internal },
	{ "external-cache", opt_external },
	{ "commit-timeout", opt_commit_timeout },
	{ "server-rate", opt_server_rate },
	{ "input-guard", opt_input_guard },
	{ "server", opt_server },
};

void lab_options_default(struct lab_options *o)
{
	memset(o, 0, sizeof(*o));
	fw_options_default(&o->fw);
	o->server = 1;
}

int scenario_is_lab_option(const char *key)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(lab_opts); i++)
		if (strcmp(lab_opts[i].key, key) == 0)
			return 1;
	return 0;
}

int scenario_lab_option(struct lab_options *o, const char *key, const char *val)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(lab_opts); i++)
		if (strcmp(lab_opts[i].key, key) == 0)
			return lab_opts[i].apply(o, key, val);
	return err_set("unknown lab option '%s'", key);
}

int scenario_lab_options(const struct scenario *sc, const struct sc_variant *v, struct lab_options *o)
{
	int i;

	lab_options_default(o);
	for (i = 0; i < sc->nlab; i++)
		if (scenario_lab_option(o, sc->lab[i].key, sc->lab[i].val) < 0)
			return -1;
	for (i = 0; v && i < v->nvars; i++)
		if (scenario_is_lab_option(v->vars[i].key) &&
		    scenario_lab_option(o, v->vars[i].key, v->vars[i].val) < 0)
			return err_prefix("variant %s", v->name);
	return 0;
}

