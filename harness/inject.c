/*
 * inject: conntracks and expectations into a kernel over ctnetlink. See
 * inject.h.
 *
 * The object is built as conntrackd 1.4.7 builds it before
 * nl_create_conntrack(): the sync message gives the original tuple, the
 * helper name, NAT as SNAT/DNAT address and port (conntrackd derives them
 * from the reply tuple on the sending side), state, status, mark and
 * timeout; nl_create_conntrack() then clears IPS_EXPECTED (the kernel
 * refuses to change it), sets the reply tuple up as the original's inverse
 * (NFCT_SOPT_SETUP_REPLY) and, with TCPWindowTracking Off (the default),
 * marks both directions SACK_PERM|BE_LIBERAL (CLOSE_INIT too from
 * TIME_WAIT on). The kernel (ctnetlink_create_conntrack) attaches the
 * helper, then ctnetlink_setup_nat -> nf_nat_setup_info translates the
 * reply tuple and sets SRC_NAT/DST_NAT: the step at which kernels without
 * upstream's d1ca60efc53d drop the helper again.
 */
#include "inject.h"
#include "ctnl.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack_tcp.h>

#define HELPER_NAME_MAX 15 /* NF_CT_HELPER_NAME_LEN - 1 */

/* ---- knowledge ------------------------------------------------------- */

/* TCP states a conntrack can be created in (TCP_CONNTRACK_NONE is not). */
static const struct {
	const char *name;
	uint8_t state;
} tcp_states[] = {
	{ "SYN_SENT", TCP_CONNTRACK_SYN_SENT },
	{ "SYN_RECV", TCP_CONNTRACK_SYN_RECV },
	{ "ESTABLISHED", TCP_CONNTRACK_ESTABLISHED },
	{ "FIN_WAIT", TCP_CONNTRACK_FIN_WAIT },
	{ "CLOSE_WAIT", TCP_CONNTRACK_CLOSE_WAIT },
	{ "LAST_ACK", TCP_CONNTRACK_LAST_ACK },
	{ "TIME_WAIT", TCP_CONNTRACK_TIME_WAIT },
	{ "CLOSE", TCP_CONNTRACK_CLOSE },
	{ "SYN_SENT2", TCP_CONNTRACK_SYN_SENT2 },
};

/* Where each NAT kind goes in a libnetfilter_conntrack object. */
static const struct {
	const char *word; /* parser key */
	enum nf_conntrack_attr v4, v6, port;
} nat_attrs[] = {
	[INJECT_NAT_NONE] = { NULL, 0, 0, 0 },
	[INJECT_NAT_SNAT] = { "snat", ATTR_SNAT_IPV4, ATTR_SNAT_IPV6, ATTR_SNAT_PORT },
	[INJECT_NAT_DNAT] = { "dnat", ATTR_DNAT_IPV4, ATTR_DNAT_IPV6, ATTR_DNAT_PORT },
};

/* ---- addresses ------------------------------------------------------- */

struct addr {
	int af;
	union {
		uint32_t v4; /* network order */
		unsigned char v6[16];
	} u;
};

/*
 * Parse s as an address of family *af (0: whichever it is; then *af is
 * set). -1 with err set ("what 's' is not ...") and errno EINVAL.
 */
static int addr_parse(const char *what, const char *s, int *af, struct addr *a)
{
	int fam;

	errno = EINVAL;
	if (!s || !s[0])
		return err_set("%s: no address", what);
	fam = strchr(s, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(fam, s, &a->u) != 1)
		return err_set("%s '%s' is not an IPv4 or IPv6 address", what, s);
	if (*af && fam != *af)
		return err_set("%s '%s' is %s but the conntrack is %s", what, s,
			       fam == AF_INET ? "IPv4" : "IPv6", *af == AF_INET ? "IPv4" : "IPv6");
	*af = fam;
	a->af = fam;
	errno = 0;
	return 0;
}

static void set_addr(struct nf_conntrack *ct, const struct addr *a, enum nf_conntrack_attr v4,
		     enum nf_conntrack_attr v6)
{
	if (a->af == AF_INET)
		nfct_set_attr_u32(ct, v4, a->u.v4);
	else
		nfct_set_attr(ct, v6, a->u.v6);
}

/* "192.0.2.1:21" or "[2001:db8::1]:21" for messages. */
static void endpoint(char *buf, size_t len, const char *addr, uint16_t port)
{
	snprintf(buf, len, strchr(addr ? addr : "", ':') ? "[%s]:%u" : "%s:%u",
		 addr ? addr : "?", port);
}

/* "tcp 192.0.2.10:40000 -> 203.0.113.10:21" */
static void describe(char *buf, size_t len, const struct inject_spec *s)
{
	char a[INET6_ADDRSTRLEN + 8], b[INET6_ADDRSTRLEN + 8];

	endpoint(a, sizeof(a), s->src, s->sport);
	endpoint(b, sizeof(b), s->dst, s->dport);
	snprintf(buf, len, "tcp %s -> %s", a, b);
}

/* ---- conntracks ------------------------------------------------------ */

/* The original tuple of s into ct (orig attributes). -1, err set, EINVAL. */
static int put_orig_tuple(struct nf_conntrack *ct, const struct inject_spec *s, int *af)
{
	struct addr src, dst;

	if (s->family != 0 && s->family != AF_INET && s->family != AF_INET6) {
		errno = EINVAL;
		return err_set("family %d is neither AF_INET nor AF_INET6", s->family);
	}
	*af = s->family;
	if (addr_parse("src", s->src, af, &src) < 0 || addr_parse("dst", s->dst, af, &dst) < 0)
		return -1;
	if (!s->sport || !s->dport) {
		errno = EINVAL;
		return err_set("%s port 0", !s->sport ? "source" : "destination");
	}
	nfct_set_attr_u8(ct, ATTR_ORIG_L3PROTO, (uint8_t)*af);
	set_addr(ct, &src, ATTR_ORIG_IPV4_SRC, ATTR_ORIG_IPV6_SRC);
	set_addr(ct, &dst, ATTR_ORIG_IPV4_DST, ATTR_ORIG_IPV6_DST);
	nfct_set_attr_u8(ct, ATTR_ORIG_L4PROTO, IPPROTO_TCP);
	nfct_set_attr_u16(ct, ATTR_ORIG_PORT_SRC, htons(s->sport));
	nfct_set_attr_u16(ct, ATTR_ORIG_PORT_DST, htons(s->dport));
	return 0;
}

static int put_nat(struct nf_conntrack *ct, const struct inject_spec *s, int af)
{
	struct addr a;

	switch (s->nat) {
	case INJECT_NAT_NONE:
		return 0;
	case INJECT_NAT_SNAT:
	case INJECT_NAT_DNAT:
		if (addr_parse(nat_attrs[s->nat].word, s->nat_addr, &af, &a) < 0)
			return -1;
		set_addr(ct, &a, nat_attrs[s->nat].v4, nat_attrs[s->nat].v6);
		if (s->nat_port)
			nfct_set_attr_u16(ct, nat_attrs[s->nat].port, htons(s->nat_port));
		return 0;
	}
	errno = EINVAL;
	return err_set("unknown nat kind %d", (int)s->nat);
}


/* What ctnetlink's errno means when it refuses to create an object. */
struct create_errno {
	int err;
	const char *why; /* may name the helper once: %s */
};

static const struct create_errno ct_create_errors[] = {
	{ EEXIST, "create: a conntrack with this tuple exists" },
	{ EOPNOTSUPP, "create: helper '%s' unknown to the kernel" },
};

static const struct create_errno exp_create_errors[] = {
	{ ENOENT, "create: no such master conntrack" },
	{ EOPNOTSUPP, "create: the master has no helper (or, on older kernels, helper '%s' is unknown)" },
};

/* Set err from errno after a refused create (errno is kept). */
static void create_failed(const struct create_errno *t, size_t n, const char *helper)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].err == errno) {
			err_sys(t[i].why, helper ? helper : "");
			return;
		}
	err_sys("create");
}

/* s as conntrackd would hand it to nfct_query(NFCT_Q_CREATE); NULL, err set. */
static struct nf_conntrack *ct_build(const struct inject_spec *s)
{
	struct nf_conntrack *ct = nfct_new();
	uint8_t state = s->tcp_state ? s->tcp_state : TCP_CONNTRACK_ESTABLISHED;
	uint32_t status = s->status ? s->status : IPS_SEEN_REPLY | IPS_ASSURED;
	uint8_t tcp_flags = IP_CT_TCP_FLAG_SACK_PERM | IP_CT_TCP_FLAG_BE_LIBERAL;
	int af;

	if (!ct) {
		err_sys("nfct_new");
		return NULL;
	}
	if (put_orig_tuple(ct, s, &af) < 0)
		goto out_destroy;
	if (s->helper && (!s->helper[0] || strlen(s->helper) > HELPER_NAME_MAX)) {
		errno = EINVAL;
		err_set("helper name '%s' empty or longer than %d", s->helper, HELPER_NAME_MAX);
		goto out_destroy;
	}
	if (state >= TCP_CONNTRACK_MAX) {
		errno = EINVAL;
		err_set("TCP state %u out of range", state);
		goto out_destroy;
	}
	nfct_setobjopt(ct, NFCT_SOPT_SETUP_REPLY);
	nfct_set_attr_u8(ct, ATTR_TCP_STATE, state);
	if (state >= TCP_CONNTRACK_TIME_WAIT)
		tcp_flags |= IP_CT_TCP_FLAG_CLOSE_INIT;
	nfct_set_attr_u8(ct, ATTR_TCP_FLAGS_ORIG, tcp_flags);
	nfct_set_attr_u8(ct, ATTR_TCP_MASK_ORIG, tcp_flags);
	nfct_set_attr_u8(ct, ATTR_TCP_FLAGS_REPL, tcp_flags);
	nfct_set_attr_u8(ct, ATTR_TCP_MASK_REPL, tcp_flags);
	nfct_set_attr_u32(ct, ATTR_STATUS, status & ~(uint32_t)IPS_EXPECTED);
	nfct_set_attr_u32(ct, ATTR_TIMEOUT, s->timeout ? s->timeout : INJECT_DEFAULT_TIMEOUT);
	if (s->set_mark)
		nfct_set_attr_u32(ct, ATTR_MARK, s->mark);
	if (s->helper)
		nfct_set_attr(ct, ATTR_HELPER_NAME, s->helper);
	if (put_nat(ct, s, af) < 0)
		goto out_destroy;
	return ct;
out_destroy:
	nfct_destroy(ct);
	return NULL;
}

int inject_conntrack(int nsfd, const struct inject_spec *s)
{
	struct nfct_handle *h;
	struct nf_conntrack *ct;
	char what[128];
	int rc = -1;

	describe(what, sizeof(what), s);
	ct = ct_build(s);
	if (!ct)
		goto out;
	h = ctnl_open(nsfd, CONNTRACK, 0);
	if (!h)
		goto out_destroy;
	if (nfct_query(h, NFCT_Q_CREATE, ct) < 0) {
		create_failed(ct_create_errors, ARRAY_SIZE(ct_create_errors), s->helper);
		goto out_close;
	}
	rc = 0;
out_close:
	ctnl_close(h);
out_destroy:
	nfct_destroy(ct);
out:
	if (rc < 0) {
		int e = errno;

		err_prefix("inject %s", what);
		errno = e;
	}
	return rc;
}

/* ---- expectations ---------------------------------------------------- */

/* A tuple object for an expectation part: src -> dst, ports host order. */
static struct nf_conntrack *exp_tuple(int af, const struct addr *src, const struct addr *dst,
				      uint16_t sport, uint16_t dport)
{
	struct nf_conntrack *t = nfct_new();

	if (!t) {
		err_sys("nfct_new");
		return NULL;
	}
	nfct_set_attr_u8(t, ATTR_ORIG_L3PROTO, (uint8_t)af);
	set_addr(t, src, ATTR_ORIG_IPV4_SRC, ATTR_ORIG_IPV6_SRC);
	set_addr(t, dst, ATTR_ORIG_IPV4_DST, ATTR_ORIG_IPV6_DST);
	nfct_set_attr_u8(t, ATTR_ORIG_L4PROTO, IPPROTO_TCP);
	nfct_set_attr_u16(t, ATTR_ORIG_PORT_SRC, htons(sport));
	nfct_set_attr_u16(t, ATTR_ORIG_PORT_DST, htons(dport));
	return t;
}

/*
 * The expectation conntrackd would commit for a passive ftp data
 * connection: master's original tuple, expected master->src:any ->
 * master->dst:port, mask all-ones on addresses and the destination port,
 * zero on the source port (the ftp helper's wildcard).
 */
static struct nf_expect *exp_build(const struct inject_spec *m, uint16_t port, const char *helper)
{
	struct nf_conntrack *parts[3] = { NULL, NULL, NULL }; /* master, expected, mask */
	struct nf_expect *exp = NULL;
	struct addr src, dst, ones;
	int af = m->family, rc = -1;
	size_t i;

	if (m->family != 0 && m->family != AF_INET && m->family != AF_INET6) {
		errno = EINVAL;
		err_set("family %d is neither AF_INET nor AF_INET6", m->family);
		return NULL;
	}
	if (addr_parse("master src", m->src, &af, &src) < 0 ||
	    addr_parse("master dst", m->dst, &af, &dst) < 0)
		return NULL;
	if (!m->sport || !m->dport || !port) {
		errno = EINVAL;
		err_set("%s port 0", !port ? "expected" : "master");
		return NULL;
	}
	if (helper && (!helper[0] || strlen(helper) > HELPER_NAME_MAX)) {
		errno = EINVAL;
		err_set("helper name '%s' empty or longer than %d", helper, HELPER_NAME_MAX);
		return NULL;
	}
	memset(&ones, 0xff, sizeof(ones));
	ones.af = af;
	parts[0] = exp_tuple(af, &src, &dst, m->sport, m->dport);
	parts[1] = exp_tuple(af, &src, &dst, 0, port);
	parts[2] = exp_tuple(af, &ones, &ones, 0, 0xffff);
	exp = nfexp_new();
	if (!parts[0] || !parts[1] || !parts[2] || !exp) {
		err_sys("allocate expectation");
		goto out_free;
	}
	nfexp_set_attr(exp, ATTR_EXP_MASTER, parts[0]);
	nfexp_set_attr(exp, ATTR_EXP_EXPECTED, parts[1]);
	nfexp_set_attr(exp, ATTR_EXP_MASK, parts[2]);
	nfexp_set_attr_u32(exp, ATTR_EXP_TIMEOUT, INJECT_DEFAULT_TIMEOUT);
	if (helper)
		nfexp_set_attr(exp, ATTR_EXP_HELPER_NAME, helper);
	rc = 0;
out_free:
	/* nfexp_set_attr copies the tuples. */
	for (i = 0; i < ARRAY_SIZE(parts); i++)
		if (parts[i])
			nfct_destroy(parts[i]);
	if (rc < 0 && exp) {
		nfexp_destroy(exp);
		exp = NULL;
	}
	return exp;
}

int inject_expectation(int nsfd, const struct inject_spec *master, uint16_t port,
		       const char *helper)
{
	struct nfct_handle *h;
	struct nf_expect *exp;
	char what[128];
	int rc = -1;

	describe(what, sizeof(what), master);
	exp = exp_build(master, port, helper);
	if (!exp)
		goto out;
	h = ctnl_open(nsfd, EXPECT, 0);
	if (!h)
		goto out_destroy;
	if (nfexp_query(h, NFCT_Q_CREATE, exp) < 0) {
		create_failed(exp_create_errors, ARRAY_SIZE(exp_create_errors), helper);
		goto out_close;
	}
	rc = 0;
out_close:
	ctnl_close(h);
out_destroy:
	nfexp_destroy(exp);
out:
	if (rc < 0) {
		int e = errno;

		err_prefix("inject expectation for port %u on %s", port, what);
		errno = e;
	}
	return rc;
}

/* ---- the key=value parser -------------------------------------------- */

struct parse_ctx {
	struct inject_spec *s;
	char *buf;   /* strbuf, remaining room */
	size_t room;
	int af;      /* family of the first address word, 0 before */
};

/* A copy of n bytes of v in the caller's strbuf; NULL with err set. */
static const char *keep(struct parse_ctx *c, const char *v, size_t n)
{
	char *p = c->buf;

	if (n + 1 > c->room) {
		err_set("string buffer too small (%zu bytes left, %zu needed)", c->room, n + 1);
		return NULL;
	}
	memcpy(p, v, n);
	p[n] = '\0';
	c->buf += n + 1;
	c->room -= n + 1;
	return p;
}

/* Decimal (or 0x hex when hex) without sign or blanks, at most max. */
static int parse_num(const char *v, int hex, unsigned long max, unsigned long *out)
{
	int base = 10;
	char *end;

	if (hex && v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) {
		base = 16;
		v += 2;
	}
	if (!(base == 16 ? isxdigit((unsigned char)v[0]) : isdigit((unsigned char)v[0])))
		return -1;
	errno = 0;
	*out = strtoul(v, &end, base);
	if (errno || *end || *out > max)
		return -1;
	return 0;
}

static int parse_port(const char *v, uint16_t *port)
{
	unsigned long n;

	if (parse_num(v, 0, 65535, &n) < 0 || n == 0)
		return err_set("'%s' is not a port (1..65535)", v);
	*port = (uint16_t)n;
	return 0;
}

/* An address word: validated, of the family of the words before it, kept. */
static int take_addr(struct parse_ctx *c, const char *v, size_t n, const char **out)
{
	char tmp[INET6_ADDRSTRLEN];
	struct addr a;

	if (n >= sizeof(tmp))
		return err_set("address '%.*s' is not an IPv4 or IPv6 address", (int)n, v);
	memcpy(tmp, v, n);
	tmp[n] = '\0';
	if (addr_parse("address", tmp, &c->af, &a) < 0)
		return -1;
	*out = keep(c, v, n);
	return *out ? 0 : -1;
}

static int w_src(struct parse_ctx *c, const char *v)
{
	return take_addr(c, v, strlen(v), &c->s->src);
}

static int w_dst(struct parse_ctx *c, const char *v)
{
	return take_addr(c, v, strlen(v), &c->s->dst);
}

static int w_sport(struct parse_ctx *c, const char *v)
{
	return parse_port(v, &c->s->sport);
}

static int w_dport(struct parse_ctx *c, const char *v)
{
	return parse_port(v, &c->s->dport);
}

static int w_helper(struct parse_ctx *c, const char *v)
{
	const char *p;

	if (strlen(v) > HELPER_NAME_MAX)
		return err_set("helper name longer than %d", HELPER_NAME_MAX);
	for (p = v; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			return err_set("'%s' is not a helper name", v);
	c->s->helper = keep(c, v, strlen(v));
	return c->s->helper ? 0 : -1;
}

/* ADDR, ADDR:PORT (IPv4), [ADDR] or [ADDR]:PORT (IPv6), bare IPv6 ADDR. */
static int nat_word(struct parse_ctx *c, const char *v, enum inject_nat kind)
{
	const char *addr = v, *port = NULL, *colon = strchr(v, ':');
	size_t n = strlen(v);

	if (c->s->nat != INJECT_NAT_NONE)
		return err_set("snat= and dnat= together");
	if (v[0] == '[') {
		const char *close = strchr(v, ']');

		if (!close)
			return err_set("'%s': '[' without ']'", v);
		addr = v + 1;
		n = (size_t)(close - addr);
		if (close[1] == ':')
			port = close + 2;
		else if (close[1])
			return err_set("'%s': junk after ']'", v);
		if (!memchr(addr, ':', n))
			return err_set("'%s': brackets are for IPv6 addresses", v);
	} else if (colon && !strchr(colon + 1, ':')) {
		n = (size_t)(colon - v);
		port = colon + 1;
	}
	if (take_addr(c, addr, n, &c->s->nat_addr) < 0)
		return -1;
	if (port && parse_port(port, &c->s->nat_port) < 0)
		return -1;
	c->s->nat = kind;
	return 0;
}

static int w_snat(struct parse_ctx *c, const char *v)
{
	return nat_word(c, v, INJECT_NAT_SNAT);
}

static int w_dnat(struct parse_ctx *c, const char *v)
{
	return nat_word(c, v, INJECT_NAT_DNAT);
}

static int w_timeout(struct parse_ctx *c, const char *v)
{
	unsigned long n;

	if (parse_num(v, 0, UINT32_MAX, &n) < 0 || n == 0)
		return err_set("'%s' is not a timeout (1..%u seconds)", v, UINT32_MAX);
	c->s->timeout = (uint32_t)n;
	return 0;
}

static int w_state(struct parse_ctx *c, const char *v)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(tcp_states); i++)
		if (strcmp(v, tcp_states[i].name) == 0) {
			c->s->tcp_state = tcp_states[i].state;
			return 0;
		}
	return err_set("'%s' is not a TCP state (ESTABLISHED, TIME_WAIT, ...)", v);
}

static int w_mark(struct parse_ctx *c, const char *v)
{
	unsigned long n;

	if (parse_num(v, 1, UINT32_MAX, &n) < 0)
		return err_set("'%s' is not a mark (decimal or 0x hex, 32 bits)", v);
	c->s->mark = (uint32_t)n;
	c->s->set_mark = 1;
	return 0;
}

static const struct word {
	const char *key;
	int (*fn)(struct parse_ctx *c, const char *val);
	int required;
} words[] = {
	{ "src", w_src, 1 },
	{ "dst", w_dst, 1 },
	{ "sport", w_sport, 1 },
	{ "dport", w_dport, 1 },
	{ "helper", w_helper, 0 },
	{ "snat", w_snat, 0 },
	{ "dnat", w_dnat, 0 },
	{ "timeout", w_timeout, 0 },
	{ "state", w_state, 0 },
	{ "mark", w_mark, 0 },
};

int inject_spec_parse(int argc, char *const argv[], struct inject_spec *s, char *strbuf,
		      size_t len)
{
	struct parse_ctx c = { s, strbuf, len, 0 };
	int seen[ARRAY_SIZE(words)] = { 0 };
	size_t i;
	int a;

	memset(s, 0, sizeof(*s));
	for (a = 0; a < argc; a++) {
		const char *w = argv[a], *eq = strchr(w, '=');

		if (!eq) {
			err_set("'%s': not key=value", w);
			goto fail;
		}
		for (i = 0; i < ARRAY_SIZE(words); i++)
			if (strlen(words[i].key) == (size_t)(eq - w) &&
			    strncmp(w, words[i].key, (size_t)(eq - w)) == 0)
				break;
		if (i == ARRAY_SIZE(words)) {
			err_set("'%s': unknown word (src dst sport dport helper snat dnat timeout "
				"state mark)", w);
			goto fail;
		}
		if (seen[i]++) {
			err_set("'%s': second %s=", w, words[i].key);
			goto fail;
		}
		if (!eq[1]) {
			err_set("'%s': empty value", w);
			goto fail;
		}
		if (words[i].fn(&c, eq + 1) < 0) {
			err_prefix("'%s'", w);
			goto fail;
		}
	}
	for (i = 0; i < ARRAY_SIZE(words); i++)
		if (words[i].required && !seen[i]) {
			err_set("%s= missing", words[i].key);
			goto fail;
		}
	s->family = c.af;
	return 0;
fail:
	memset(s, 0, sizeof(*s));
	errno = EINVAL;
	return -1;
}
