/*
 * replay_events: the named points of a capture that scenarios fail over or
 * stop at ("before-227:2", "after-data-syn", "end", a packet number),
 * found in what the replay engine knows of the capture (its FTP sessions,
 * announcements and data connections), through replay.h alone.
 */
#include "replay.h"
#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- named things and events ---- */

/* The K-th announcement of a kind (-1: any). */
static int find_ann(const struct replay *r, int kind, unsigned k, uint64_t *pkt, unsigned *have)
{
	struct replay_ann_info a;
	size_t i;

	*have = 0;
	for (i = 0; i < replay_ann_count(r); i++)
		if (replay_ann(r, i, &a) == 0 && (kind < 0 || (int)a.kind == kind) && ++*have == k) {
			*pkt = a.packet;
			return 0;
		}
	return -1;
}

static int t_227(const struct replay *r, unsigned k, uint64_t *p, unsigned *h) { return find_ann(r, FTP_227, k, p, h); }
static int t_229(const struct replay *r, unsigned k, uint64_t *p, unsigned *h) { return find_ann(r, FTP_229, k, p, h); }
static int t_port(const struct replay *r, unsigned k, uint64_t *p, unsigned *h) { return find_ann(r, FTP_PORT, k, p, h); }
static int t_eprt(const struct replay *r, unsigned k, uint64_t *p, unsigned *h) { return find_ann(r, FTP_EPRT, k, p, h); }
static int t_ann(const struct replay *r, unsigned k, uint64_t *p, unsigned *h) { return find_ann(r, -1, k, p, h); }

/* The K-th data connection into *f; -1 when there are fewer (*have of them). */
static int nth_data(const struct replay *r, unsigned k, unsigned *have, struct replay_flow_info *f)
{
	size_t i;

	*have = 0;
	for (i = 0; i < replay_flow_count(r); i++)
		if (replay_flow(r, i, f) == 0 && f->data && ++*have == k)
			return 0;
	return -1;
}

static int t_data_syn(const struct replay *r, unsigned k, uint64_t *p, unsigned *h)
{
	struct replay_flow_info f;

	return nth_data(r, k, h, &f) == 0 ? (*p = f.first, 0) : -1;
}

static int t_data_mid(const struct replay *r, unsigned k, uint64_t *p, unsigned *h)
{
	struct replay_flow_info f;

	return nth_data(r, k, h, &f) == 0 ? (*p = f.first + (f.last - f.first) / 2, 0) : -1;
}

static int t_data_end(const struct replay *r, unsigned k, uint64_t *p, unsigned *h)
{
	struct replay_flow_info f;

	return nth_data(r, k, h, &f) == 0 ? (*p = f.last, 0) : -1;
}

/* The K-th command with this verb (its packet, or its final reply's). */
static int find_cmd(const struct replay *r, const char *verb, int reply, unsigned k, uint64_t *p, unsigned *h)
{
	size_t i, j, vl = strlen(verb);

	*h = 0;
	for (i = 0; i < session_count(replay_sessions(r)); i++) {
		const struct session *se = session_get(replay_sessions(r), i);

		for (j = 0; j < se->ncmds; j++) {
			const struct session_cmd *c = &se->cmds[j];

			if (c->verb_len != vl || strncasecmp(c->text, verb, vl) != 0)
				continue;
			if (reply && c->reply != 230)
				continue;
			if (++*h == k) {
				*p = reply ? c->reply_packet : c->packet;
				return 0;
			}
		}
	}
	return -1;
}

static int t_login(const struct replay *r, unsigned k, uint64_t *p, unsigned *h)
{
	/* the reply 230 ends a login: to PASS, or to USER when no password was asked */
	if (find_cmd(r, "PASS", 1, k, p, h) == 0)
		return 0;
	return find_cmd(r, "USER", 1, k, p, h);
}

static int t_quit(const struct replay *r, unsigned k, uint64_t *p, unsigned *h) { return find_cmd(r, "QUIT", 0, k, p, h); }

static const struct thing {
	const char *name;
	int (*find)(const struct replay *r, unsigned k, uint64_t *pkt, unsigned *have);
	const char *what;
} things[] = {
	{ "227", t_227, "227 reply" },
	{ "229", t_229, "229 reply" },
	{ "port", t_port, "PORT command" },
	{ "eprt", t_eprt, "EPRT command" },
	{ "announce", t_ann, "announcement (PORT, EPRT, 227 or 229)" },
	{ "data-syn", t_data_syn, "data connection" },
	{ "data-mid", t_data_mid, "data connection" },
	{ "data-end", t_data_end, "data connection" },
	{ "login", t_login, "successful login" },
	{ "quit", t_quit, "QUIT command" },
};

const char *replay_things(void)
{
	return "227 229 port eprt announce data-syn data-mid data-end login quit";
}

static const char *ordinal(unsigned k, char *buf, size_t len)
{
	const char *suf = (k % 100 >= 11 && k % 100 <= 13) ? "th" : k % 10 == 1 ? "st" : k % 10 == 2 ? "nd"
			  : k % 10 == 3 ? "rd" : "th";

	snprintf(buf, len, "%u%s", k, suf);
	return buf;
}

/* "THING[:K]" into its row and K. */
static int parse_thing(const char *s, const struct thing **t, unsigned *k)
{
	const char *colon = strchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : strlen(s), i;

	*k = 1;
	if (colon) {
		char *end;
		unsigned long v = strtoul(colon + 1, &end, 10);

		if (end == colon + 1 || *end || v < 1 || v > 1000000)
			return err_set("'%s': K in THING:K is a number from 1", s);
		*k = (unsigned)v;
	}
	for (i = 0; i < ARRAY_SIZE(things); i++)
		if (strlen(things[i].name) == n && strncmp(things[i].name, s, n) == 0) {
			*t = &things[i];
			return 0;
		}
	return err_set("'%.*s' is not a thing of a capture (%s)", (int)n, s, replay_things());
}

int replay_is_number(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

int replay_event_check(const char *event, int with_when)
{
	const struct thing *t;
	unsigned k;
	char *end;

	if (replay_is_number(event)) {
		strtoull(event, &end, 10);
		return *end ? err_set("'%s' is not a packet number", event) : 0;
	}
	if (with_when && strcmp(event, "end") == 0)
		return 0;
	if (with_when) {
		if (strncmp(event, "before-", 7) == 0)
			event += 7;
		else if (strncmp(event, "after-", 6) == 0)
			event += 6;
		else
			return err_set("'%s': expected a packet number, end, before-THING[:K] or after-THING[:K]",
				       event);
	}
	return parse_thing(event, &t, &k);
}

int replay_select(const struct replay *r, const char *thing, uint64_t *index)
{
	const struct thing *t;
	unsigned k, have = 0;
	char ord[16];

	if (replay_is_number(thing)) {
		char *end;
		unsigned long long v = strtoull(thing, &end, 10);

		if (*end || v < 1 || v > replay_count(r))
			return err_set("no packet %s (the capture has %llu)", thing, (unsigned long long)replay_count(r));
		*index = v;
		return 0;
	}
	if (parse_thing(thing, &t, &k) < 0)
		return -1;
	if (t->find(r, k, index, &have) < 0)
		return err_set("no %s %s in %s (it has %u)", ordinal(k, ord, sizeof(ord)), t->what, replay_path(r), have);
	return 0;
}

int replay_locate(const struct replay *r, const char *event, uint64_t *until)
{
	uint64_t pkt;

	if (replay_is_number(event)) {
		char *end;

		*until = strtoull(event, &end, 10);
		return *end ? err_set("'%s' is not a packet number", event) : 0;
	}
	if (strcmp(event, "end") == 0) {
		*until = replay_count(r);
		return 0;
	}
	if (strncmp(event, "before-", 7) == 0) {
		if (replay_select(r, event + 7, &pkt) < 0)
			return -1;
		*until = pkt - 1;
		return 0;
	}
	if (strncmp(event, "after-", 6) == 0) {
		if (replay_select(r, event + 6, &pkt) < 0)
			return -1;
		*until = pkt;
		return 0;
	}
	return err_set("'%s': expected a packet number, end, before-THING[:K] or after-THING[:K]", event);
}
