/*
 * ct_conntrackd: records parsed from conntrackd's cache dumps. See ct.h.
 *
 * The text conntrackd 1.4.7 prints for `-i|-e ct|expect` is
 * libnetfilter_conntrack's nfct_snprintf()/nfexp_snprintf()
 * (NFCT_O_DEFAULT, no flags) with the
 * timeout unset and " [active since Ns]" appended (conntrackd's
 * cache_ct_dump_step / cache_exp_dump_step), for example:
 *
 *   tcp      6 ESTABLISHED src=203.0.113.2 dst=203.0.113.1 sport=47864
 *     dport=2121 src=203.0.113.1 dst=203.0.113.2 sport=21 dport=47864
 *     [ASSURED] helper=ftp [active since 16s]            (internal cache)
 *   tcp      6 ESTABLISHED src=203.0.113.2 dst=203.0.113.1 sport=47864
 *     dport=2121 [ASSURED] helper=ftp [active since 15s] (external cache:
 *                                                         no reply tuple)
 *   proto=6 src=203.0.113.2 dst=203.0.113.1 sport=0 dport=51210
 *     mask-src=255.255.255.255 mask-dst=255.255.255.255 sport=0 dport=65535
 *     master-src=203.0.113.2 master-dst=203.0.113.1 sport=47864 dport=2121
 *     class=0 helper=ftp [active since 15s]              (expectation)
 *
 * What the text cannot say is left out of the record: the external cache
 * has no reply tuple (so no reply-* and no nat), conntrackd prints no
 * timeout, and of the status bits only SEEN_REPLY (by the absence of
 * [UNREPLIED]), ASSURED, OFFLOAD and HW_OFFLOAD show. For conntracks with
 * both tuples, nat is derived by comparing the reply tuple with the
 * inverted original one (the kernel sets SRC_NAT/DST_NAT exactly when NAT
 * changed the reply tuple). Expectation NAT is never printed.
 *
 */
#include "ct.h"
#include "ct_fields.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>

static const char *const ct_field_order[] = {
	"family", "proto", "src", "dst", "sport", "dport",
	"reply-src", "reply-dst", "reply-sport", "reply-dport",
	"state", "status", "helper", "timeout", "mark", "zone", "id", "nat",
};

static const char *const exp_field_order[] = {
	"family", "proto", "src", "dst", "sport", "dport",
	"mask-src", "mask-dst", "mask-sport", "mask-dport",
	"master-src", "master-dst", "master-sport", "master-dport",
	"helper", "class", "zone", "timeout", "flags", "nat-dir", "nat-dst", "nat-dport",
};

/* ---- conntrackd text ------------------------------------------------- */

/*
 * How one kind of line is laid out. Tuples come in a fixed order, each
 * opened by its source key (ct: "src" twice; expect: "src", "mask-src",
 * "master-src") and followed by its destination and, within the tuple,
 * sport/dport and protocol details.
 */
struct ctd_tuple {
	const char *prefix, *src_key, *dst_key;
};

/* What a key=value outside a tuple means: a record field, or nothing. */
struct ctd_key {
	const char *key;
	const char *field; /* NULL: known, carries nothing we keep */
	int numeric;
};

/* A [bracketed] word: status bits it sets/clears, or nothing (ignore). */
struct ctd_bracket {
	const char *text;
	int prefix; /* text is a prefix ("active since 16s") */
	uint32_t set, clear;
};

struct ctd_format {
	const char *what;
	const struct ctd_tuple *tuples;
	size_t ntuples, required; /* tuples the line must have */
	const struct ctd_key *keys;
	size_t nkeys;
	const struct ctd_bracket *brackets;
	size_t nbrackets;
};

static const struct ctd_tuple ct_text_tuples[] = {
	{ "", "src", "dst" },
	{ "reply-", "src", "dst" },
};

static const struct ctd_tuple exp_text_tuples[] = {
	{ "", "src", "dst" },
	{ "mask-", "mask-src", "mask-dst" },
	{ "master-", "master-src", "master-dst" },
};

/* Keys inside a tuple that describe it beyond addresses and ports. */
static const char *const tuple_detail_keys[] = {
	"type", "code", "id", /* icmp, icmpv6 */
	"srckey", "dstkey",   /* gre */
};

/* Every key nfct_snprintf (libnetfilter_conntrack 1.0.9) prints outside a tuple. */
static const struct ctd_key ct_text_keys[] = {
	{ "mark", "mark", 1 },
	{ "zone", "zone", 1 },
	{ "helper", "helper", 0 },
	{ "id", "id", 1 },
	{ "use", NULL, 0 },
	{ "secmark", NULL, 0 },
	{ "secctx", NULL, 0 },
	{ "packets", NULL, 0 },
	{ "bytes", NULL, 0 },
	{ "zone-orig", NULL, 0 },
	{ "zone-reply", NULL, 0 },
	{ "delta-time", NULL, 0 },
	{ "labels", NULL, 0 },
};

/* ...and what nfexp_snprintf prints ("proto" is read as the line's header). */
static const struct ctd_key exp_text_keys[] = {
	{ "zone", "zone", 1 },
	{ "class", "class", 1 },
	{ "helper", "helper", 0 },
};

static const struct ctd_bracket ct_text_brackets[] = {
	{ "UNREPLIED", 0, 0, IPS_SEEN_REPLY },
	{ "ASSURED", 0, IPS_ASSURED, 0 },
	{ "OFFLOAD", 0, IPS_OFFLOAD, 0 },
	{ "HW_OFFLOAD", 0, IPS_HW_OFFLOAD, 0 },
	{ "active since ", 1, 0, 0 }, /* conntrackd's age of the cache entry */
	{ "start=", 1, 0, 0 },         /* timestamps */
	{ "stop=", 1, 0, 0 },
};

static const struct ctd_bracket exp_text_brackets[] = {
	{ "active since ", 1, 0, 0 },
};

static const struct ctd_format ctd_formats[] = {
	[CT_KIND_CONNTRACK] = { "conntrack", ct_text_tuples, ARRAY_SIZE(ct_text_tuples), 1,
				ct_text_keys, ARRAY_SIZE(ct_text_keys), ct_text_brackets,
				ARRAY_SIZE(ct_text_brackets) },
	[CT_KIND_EXPECT] = { "expectation", exp_text_tuples, ARRAY_SIZE(exp_text_tuples), 3,
			     exp_text_keys, ARRAY_SIZE(exp_text_keys), exp_text_brackets,
			     ARRAY_SIZE(exp_text_brackets) },
};

#define CTD_LINE_MAX 2048
#define CTD_MAX_TOKENS 64

struct ctd_parse {
	const struct ctd_format *fmt;
	struct ct_record *r;
	unsigned proto;
	int tuple;       /* index of the current tuple, -1 before the first */
	int in_tuple;    /* the last keys belonged to that tuple */
	int have_dst[3];
	int af;          /* family of the first address */
	uint32_t status; /* ct: bits the text shows */
	uint32_t flags;  /* expect: flags words */
	int have_flags;
};

/* Split line (modified) into tokens; "[...]" is one token even with spaces. */
static int tokenize(char *line, char **tok, int max)
{
	int n = 0;
	char *p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (!*p)
			return n;
		if (n == max)
			return err_set("more than %d tokens", max);
		tok[n++] = p;
		if (*p == '[') {
			p = strchr(p, ']');
			if (!p)
				return err_set("unterminated '%s'", tok[n - 1]);
			p++;
			if (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
				return err_set("junk after ']' in '%s'", tok[n - 1]);
		} else {
			while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
				p++;
		}
		if (*p)
			*p++ = '\0';
	}
}

static int parse_uint(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	*v = strtoul(s, &end, 10);
	if (errno || *end || *v > max)
		return -1;
	return 0;
}

/* A name: a letter, then letters, digits, '_' or '-' ("icmpv6"). */
static int is_word(const char *s)
{
	const char *c;

	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
		return 0;
	for (c = s; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '_' || *c == '-'))
			return 0;
	return 1;
}

/* An address in inet_ntop form, of the line's family. */
static int put_text_addr(struct ctd_parse *p, const char *prefix, const char *base,
			 const char *val)
{
	unsigned char bin[sizeof(struct in6_addr)];
	char norm[INET6_ADDRSTRLEN];
	int af = strchr(val, ':') ? AF_INET6 : AF_INET;

	if (inet_pton(af, val, bin) != 1)
		return err_set("bad address %s%s=%s", prefix, base, val);
	if (p->af && af != p->af)
		return err_set("%s%s=%s: mixed address families", prefix, base, val);
	if (!p->af) {
		p->af = af;
		if (ct_record_set(p->r, "family", ctf_family_name(af)) < 0)
			return -1;
	}
	inet_ntop(af, bin, norm, sizeof(norm));
	return ctf_set_prefixed(p->r, prefix, base, norm);
}

/* One key=value token. */
static int parse_pair(struct ctd_parse *p, char *tok)
{
	const struct ctd_format *f = p->fmt;
	char *key = tok, *val = strchr(tok, '=');
	unsigned long v;
	size_t i;

	*val++ = '\0';
	if ((size_t)(p->tuple + 1) < f->ntuples && strcmp(key, f->tuples[p->tuple + 1].src_key) == 0) {
		p->tuple++;
		p->in_tuple = 1;
		return put_text_addr(p, f->tuples[p->tuple].prefix, "src", val);
	}
	if (p->in_tuple && strcmp(key, f->tuples[p->tuple].dst_key) == 0) {
		if (p->have_dst[p->tuple]++)
			return err_set("second %s=%s", key, val);
		return put_text_addr(p, f->tuples[p->tuple].prefix, "dst", val);
	}
	if (p->in_tuple && (strcmp(key, "sport") == 0 || strcmp(key, "dport") == 0)) {
		if (!ctf_proto_has_ports(p->proto) && ctf_proto_find(p->proto))
			return err_set("%s=%s: %s has no ports", key, val, ctf_proto_find(p->proto)->name);
		if (parse_uint(val, 65535, &v) < 0)
			return err_set("bad port %s=%s", key, val);
		if (ctf_get_prefixed(p->r, f->tuples[p->tuple].prefix, key))
			return err_set("second %s=%s in one tuple", key, val);
		return ctf_set_prefixed(p->r, f->tuples[p->tuple].prefix, key, val);
	}
	if (p->in_tuple)
		for (i = 0; i < ARRAY_SIZE(tuple_detail_keys); i++)
			if (strcmp(key, tuple_detail_keys[i]) == 0)
				return 0;
	p->in_tuple = 0;
	for (i = 0; i < f->nkeys; i++) {
		if (strcmp(key, f->keys[i].key) != 0)
			continue;
		if (!f->keys[i].field)
			return 0;
		if (f->keys[i].numeric && parse_uint(val, 0xffffffffUL, &v) < 0)
			return err_set("%s=%s: not a number", key, val);
		if (!val[0])
			return err_set("empty %s=", key);
		return ct_record_set(p->r, f->keys[i].field, val);
	}
	if (p->tuple < 0 && strcmp(key, "dst") == 0)
		return err_set("dst=%s before src=", val);
	return err_set("unknown key '%s=%s'", key, val);
}

static int parse_bracket(struct ctd_parse *p, const char *tok)
{
	const struct ctd_format *f = p->fmt;
	size_t i, len = strlen(tok) - 2; /* without [ ] */

	for (i = 0; i < f->nbrackets; i++) {
		const struct ctd_bracket *b = &f->brackets[i];
		size_t blen = strlen(b->text);

		if (b->prefix ? (len < blen || strncmp(tok + 1, b->text, blen) != 0)
			      : (len != blen || strncmp(tok + 1, b->text, len) != 0))
			continue;
		p->status = (p->status | b->set) & ~b->clear;
		p->in_tuple = 0;
		return 0;
	}
	return err_set("unknown %s", tok);
}

/* PERMANENT,INACTIVE,USERSPACE */
static int parse_flags_word(struct ctd_parse *p, char *tok)
{
	char *save = NULL, *item;
	size_t i;

	if (p->have_flags++)
		return err_set("second flags word '%s'", tok);
	for (item = strtok_r(tok, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < ctf_nexp_flags; i++)
			if (strcmp(item, ctf_exp_flags[i].name) == 0)
				break;
		if (i == ctf_nexp_flags)
			return err_set("unknown expectation flag '%s'", item);
		p->flags |= ctf_exp_flags[i].flag;
	}
	p->in_tuple = 0;
	return 0;
}

/*
 * The header: "tcp 6 [timeout] [STATE]" for a conntrack, "[timeout] proto=6"
 * for an expectation. Returns the index of the first token after it, 0 if
 * the tokens do not start a record of this kind, -1 on a bad header.
 */
static int parse_header(struct ctd_parse *p, enum ct_kind kind, char **tok, int n)
{
	const struct ctf_state_table *st;
	unsigned long v;
	int i = 0;
	size_t s;

	switch (kind) {
	case CT_KIND_CONNTRACK:
		if (n < 2 || !is_word(tok[0]) || parse_uint(tok[1], 255, &v) < 0)
			return 0;
		p->proto = (unsigned)v;
		if (ctf_proto_find(p->proto) && strcmp(tok[0], ctf_proto_find(p->proto)->name) != 0 &&
		    strcmp(tok[0], "unknown") != 0)
			return err_set("protocol name %s does not match number %s", tok[0], tok[1]);
		i = 2;
		if (i < n && parse_uint(tok[i], 0xffffffffUL, &v) == 0)
			if (ct_record_set(p->r, "timeout", tok[i++]) < 0)
				return -1;
		if (i < n && tok[i][0] != '[' && !strchr(tok[i], '=')) {
			st = ctf_state_table(p->proto);
			for (s = 0; st && s < st->n; s++)
				if (st->names[s] && strcmp(st->names[s], tok[i]) == 0)
					break;
			if (!st || s == st->n)
				return err_set("unknown state '%s' for %s", tok[i], tok[0]);
			if (ct_record_set(p->r, "state", tok[i++]) < 0)
				return -1;
		}
		break;
	case CT_KIND_EXPECT:
		if (n > 1 && parse_uint(tok[0], 0xffffffffUL, &v) == 0 &&
		    strncmp(tok[1], "proto=", 6) == 0) {
			if (ct_record_set(p->r, "timeout", tok[0]) < 0)
				return -1;
			i = 1;
		}
		if (i >= n || strncmp(tok[i], "proto=", 6) != 0)
			return 0;
		if (parse_uint(tok[i] + 6, 255, &v) < 0)
			return err_set("bad %s", tok[i]);
		p->proto = (unsigned)v;
		i++;
		break;
	}
	if (ctf_set_proto(p->r, p->proto) < 0)
		return -1;
	return i;
}

static size_t field_rank(enum ct_kind kind, const char *key)
{
	const char *const *order = NULL;
	size_t i, n = 0;

	switch (kind) {
	case CT_KIND_CONNTRACK:
		order = ct_field_order;
		n = ARRAY_SIZE(ct_field_order);
		break;
	case CT_KIND_EXPECT:
		order = exp_field_order;
		n = ARRAY_SIZE(exp_field_order);
		break;
	}
	for (i = 0; i < n; i++)
		if (strcmp(order[i], key) == 0)
			return i;
	return n;
}

/* Put the fields in the field-order table's order (stable insertion sort). */
static void record_order(struct ct_record *r)
{
	struct ct_field tmp;
	int i, j;

	for (i = 1; i < r->nfields; i++) {
		tmp = r->f[i];
		for (j = i; j > 0 && field_rank(r->kind, r->f[j - 1].key) >
					    field_rank(r->kind, tmp.key); j--)
			r->f[j] = r->f[j - 1];
		r->f[j] = tmp;
	}
}

static int strs_differ(const char *a, const char *b)
{
	if (!a || !b)
		return a != b;
	return strcmp(a, b) != 0;
}

/* After the last token: required parts, then the derived fields. */
static int parse_finish(struct ctd_parse *p, enum ct_kind kind)
{
	const struct ctd_format *f = p->fmt;
	struct ct_record *r = p->r;
	size_t t;
	int snat, dnat;

	if ((size_t)(p->tuple + 1) < f->required)
		return err_set("%s without its %ssrc= tuple", f->what,
			       f->tuples[p->tuple + 1].prefix);
	for (t = 0; t <= (size_t)p->tuple; t++)
		if (!p->have_dst[t])
			return err_set("%s: %ssrc= without %s=", f->what, f->tuples[t].prefix,
				       f->tuples[t].dst_key);
	switch (kind) {
	case CT_KIND_CONNTRACK:
		if (ctf_set_status(r, p->status) < 0)
			return -1;
		if (p->tuple < 1)
			break;
		snat = strs_differ(ct_record_get(r, "src"), ct_record_get(r, "reply-dst")) ||
		       strs_differ(ct_record_get(r, "sport"), ct_record_get(r, "reply-dport"));
		dnat = strs_differ(ct_record_get(r, "dst"), ct_record_get(r, "reply-src")) ||
		       strs_differ(ct_record_get(r, "dport"), ct_record_get(r, "reply-sport"));
		if (ct_record_set(r, "nat", ctf_nat_names[snat | dnat << 1]) < 0)
			return -1;
		break;
	case CT_KIND_EXPECT:
		if (ctf_set_exp_flags(r, p->flags) < 0)
			return -1;
		break;
	}
	return 0;
}

int ct_parse_conntrackd_line(const char *line, enum ct_kind kind, struct ct_record *r)
{
	char buf[CTD_LINE_MAX], *tok[CTD_MAX_TOKENS];
	struct ctd_parse p;
	int n, i, first;

	memset(r, 0, sizeof(*r));
	r->kind = kind;
	memset(&p, 0, sizeof(p));
	p.fmt = &ctd_formats[kind];
	p.r = r;
	p.tuple = -1;
	p.status = IPS_SEEN_REPLY; /* unless [UNREPLIED] */

	if (str_copy(buf, line, sizeof(buf)) >= sizeof(buf))
		return err_set("conntrackd %s line longer than %d", p.fmt->what, CTD_LINE_MAX - 1);
	n = tokenize(buf, tok, CTD_MAX_TOKENS);
	if (n < 0)
		goto fail;
	if (n == 0)
		return 0;
	first = parse_header(&p, kind, tok, n);
	if (first < 0)
		goto fail;
	if (first == 0) {
		/* Not laid out as a record: a summary, unless it has a tuple. */
		if (strstr(line, "src="))
			return err_set("conntrackd %s line does not start like one: '%s'",
				       p.fmt->what, line);
		memset(r, 0, sizeof(*r));
		r->kind = kind;
		return 0;
	}
	for (i = first; i < n; i++) {
		int rc;

		if (tok[i][0] == '[')
			rc = parse_bracket(&p, tok[i]);
		else if (strchr(tok[i], '='))
			rc = parse_pair(&p, tok[i]);
		else if (kind == CT_KIND_EXPECT)
			rc = parse_flags_word(&p, tok[i]);
		else
			rc = err_set("unexpected word '%s'", tok[i]);
		if (rc < 0)
			goto fail;
	}
	if (parse_finish(&p, kind) < 0)
		goto fail;
	record_order(r);
	return 1;
fail:
	return err_prefix("conntrackd %s line '%s'", p.fmt->what, line);
}

int ct_parse_conntrackd_output(const char *text, enum ct_kind kind, struct ct_list *out)
{
	char line[CTD_LINE_MAX];
	size_t n0 = out->n, len;
	const char *p = text, *nl;
	struct ct_record r;
	int lineno = 0, count = 0, rc;

	while (*p) {
		nl = strchr(p, '\n');
		len = nl ? (size_t)(nl - p) : strlen(p);
		lineno++;
		if (len >= sizeof(line)) {
			err_set("line %d: longer than %zu", lineno, sizeof(line) - 1);
			goto fail;
		}
		memcpy(line, p, len);
		line[len] = '\0';
		rc = ct_parse_conntrackd_line(line, kind, &r);
		if (rc < 0) {
			err_prefix("line %d", lineno);
			goto fail;
		}
		if (rc > 0) {
			ct_list_add(out, &r);
			count++;
		}
		p += len + (nl ? 1 : 0);
	}
	return count;
fail:
	out->n = n0;
	return -1;
}
