/* ct_kernel: conntrack and expectation records read from a kernel over ctnetlink. See ct.h. */
#include "ct.h"
#include "ct_fields.h"
#include "ctnl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>

/* ---- kernel: libnetfilter_conntrack objects to records --------------- */

/* Where one tuple lives in a libnetfilter_conntrack object. */
struct tuple_attrs {
	enum nf_conntrack_attr l3, l4, v4src, v4dst, v6src, v6dst, psrc, pdst;
};

static const struct tuple_attrs tuple_orig = {
	ATTR_ORIG_L3PROTO, ATTR_ORIG_L4PROTO, ATTR_ORIG_IPV4_SRC, ATTR_ORIG_IPV4_DST,
	ATTR_ORIG_IPV6_SRC, ATTR_ORIG_IPV6_DST, ATTR_ORIG_PORT_SRC, ATTR_ORIG_PORT_DST,
};

static const struct tuple_attrs tuple_repl = {
	ATTR_REPL_L3PROTO, ATTR_REPL_L4PROTO, ATTR_REPL_IPV4_SRC, ATTR_REPL_IPV4_DST,
	ATTR_REPL_IPV6_SRC, ATTR_REPL_IPV6_DST, ATTR_REPL_PORT_SRC, ATTR_REPL_PORT_DST,
};

/* A conntrack's tuples, by record prefix. */
static const struct {
	const char *prefix;
	const struct tuple_attrs *a;
} ct_tuples[] = {
	{ "", &tuple_orig },
	{ "reply-", &tuple_repl },
};

/* An expectation's tuples: conntrack objects whose original tuple holds them. */
static const struct {
	const char *prefix;
	enum nf_expect_attr attr;
} exp_tuples[] = {
	{ "", ATTR_EXP_EXPECTED },
	{ "mask-", ATTR_EXP_MASK },
	{ "master-", ATTR_EXP_MASTER },
};

static int addr_str(const struct nf_conntrack *ct, int af, enum nf_conntrack_attr v4,
		    enum nf_conntrack_attr v6, char *buf, size_t len)
{
	const void *p = nfct_get_attr(ct, af == AF_INET ? v4 : v6);

	if (!p || !inet_ntop(af, p, buf, len))
		return err_set("tuple without an %s address", af == AF_INET ? "ipv4" : "ipv6");
	return 0;
}

/* prefix+src, prefix+dst and, for protocols with ports, prefix+sport/dport. */
static int put_tuple(struct ct_record *r, const char *prefix, const struct nf_conntrack *ct,
		     const struct tuple_attrs *a, int af, unsigned proto)
{
	char addr[INET6_ADDRSTRLEN], port[8];

	if (!nfct_attr_is_set(ct, af == AF_INET ? a->v4src : a->v6src))
		return 0;
	if (addr_str(ct, af, a->v4src, a->v6src, addr, sizeof(addr)) < 0 ||
	    ctf_set_prefixed(r, prefix, "src", addr) < 0 ||
	    addr_str(ct, af, a->v4dst, a->v6dst, addr, sizeof(addr)) < 0 ||
	    ctf_set_prefixed(r, prefix, "dst", addr) < 0)
		return err_prefix("%stuple", prefix);
	if (!ctf_proto_has_ports(proto) || !nfct_attr_is_set(ct, a->psrc))
		return 0;
	snprintf(port, sizeof(port), "%u", ntohs(nfct_get_attr_u16(ct, a->psrc)));
	if (ctf_set_prefixed(r, prefix, "sport", port) < 0)
		return -1;
	snprintf(port, sizeof(port), "%u", ntohs(nfct_get_attr_u16(ct, a->pdst)));
	return ctf_set_prefixed(r, prefix, "dport", port);
}

/* family and proto from a tuple; -1 when the family is not ipv4/ipv6. */
static int put_family_proto(struct ct_record *r, const struct nf_conntrack *ct, int *af,
			    unsigned *proto)
{
	const char *fam;

	*af = nfct_get_attr_u8(ct, ATTR_ORIG_L3PROTO);
	*proto = nfct_get_attr_u8(ct, ATTR_ORIG_L4PROTO);
	fam = ctf_family_name(*af);
	if (!fam)
		return err_set("unknown layer-3 family %d", *af);
	if (ct_record_set(r, "family", fam) < 0 || ctf_set_proto(r, *proto) < 0)
		return -1;
	return 0;
}

static int ct_flatten(const struct nf_conntrack *ct, struct ct_record *r)
{
	const struct ctf_state_table *st;
	unsigned proto, i;
	uint32_t status;
	int af;

	memset(r, 0, sizeof(*r));
	r->kind = CT_KIND_CONNTRACK;
	if (put_family_proto(r, ct, &af, &proto) < 0)
		return -1;
	for (i = 0; i < ARRAY_SIZE(ct_tuples); i++)
		if (put_tuple(r, ct_tuples[i].prefix, ct, ct_tuples[i].a, af, proto) < 0)
			return -1;
	st = ctf_state_table(proto);
	if (st && nfct_attr_is_set(ct, st->attr)) {
		uint8_t s = nfct_get_attr_u8(ct, st->attr);
		char num[8];

		snprintf(num, sizeof(num), "%u", s);
		if (ct_record_set(r, "state", s < st->n && st->names[s] ? st->names[s] : num) < 0)
			return -1;
	}
	status = nfct_get_attr_u32(ct, ATTR_STATUS);
	if (nfct_attr_is_set(ct, ATTR_STATUS) && ctf_set_status(r, status) < 0)
		return -1;
	if (nfct_attr_is_set(ct, ATTR_HELPER_NAME) &&
	    ct_record_set(r, "helper", nfct_get_attr(ct, ATTR_HELPER_NAME)) < 0)
		return -1;
	if (nfct_attr_is_set(ct, ATTR_TIMEOUT) &&
	    ctf_set_u32(r, "timeout", nfct_get_attr_u32(ct, ATTR_TIMEOUT)) < 0)
		return -1;
	if (nfct_attr_is_set(ct, ATTR_MARK) && ctf_set_u32(r, "mark", nfct_get_attr_u32(ct, ATTR_MARK)) < 0)
		return -1;
	if (nfct_attr_is_set(ct, ATTR_ZONE) && ctf_set_u32(r, "zone", nfct_get_attr_u16(ct, ATTR_ZONE)) < 0)
		return -1;
	if (nfct_attr_is_set(ct, ATTR_ID) && ctf_set_u32(r, "id", nfct_get_attr_u32(ct, ATTR_ID)) < 0)
		return -1;
	if (nfct_attr_is_set(ct, ATTR_STATUS) &&
	    ct_record_set(r, "nat", ctf_nat_names[(status & IPS_SRC_NAT ? 1 : 0) |
					      (status & IPS_DST_NAT ? 2 : 0)]) < 0)
		return -1;
	return 0;
}

/*
 * The kernel dumps an expectation's NAT part (ctnetlink_exp_dump_nat) as a
 * tuple whose *source* holds exp->saved_addr and exp->saved_proto: where
 * the expected connection's destination is translated to.
 */
static int put_exp_nat(struct ct_record *r, const struct nf_expect *exp, int af, unsigned proto)
{
	const struct nf_conntrack *nat = nfexp_get_attr(exp, ATTR_EXP_NAT_TUPLE);
	char addr[INET6_ADDRSTRLEN], port[8];

	if (!nat || !nfexp_attr_is_set(exp, ATTR_EXP_NAT_TUPLE))
		return 0;
	if (nfexp_attr_is_set(exp, ATTR_EXP_NAT_DIR) &&
	    ct_record_set(r, "nat-dir",
			  nfexp_get_attr_u8(exp, ATTR_EXP_NAT_DIR) ? "reply" : "original") < 0)
		return -1;
	if (addr_str(nat, af, ATTR_ORIG_IPV4_SRC, ATTR_ORIG_IPV6_SRC, addr, sizeof(addr)) < 0 ||
	    ct_record_set(r, "nat-dst", addr) < 0)
		return err_prefix("expectation nat");
	if (!ctf_proto_has_ports(proto) || !nfct_attr_is_set(nat, ATTR_ORIG_PORT_SRC))
		return 0;
	snprintf(port, sizeof(port), "%u", ntohs(nfct_get_attr_u16(nat, ATTR_ORIG_PORT_SRC)));
	return ct_record_set(r, "nat-dport", port);
}

static int exp_flatten(const struct nf_expect *exp, struct ct_record *r)
{
	const struct nf_conntrack *expected = nfexp_get_attr(exp, ATTR_EXP_EXPECTED);
	unsigned proto, i;
	int af;

	memset(r, 0, sizeof(*r));
	r->kind = CT_KIND_EXPECT;
	if (!expected)
		return err_set("expectation without an expected tuple");
	if (put_family_proto(r, expected, &af, &proto) < 0)
		return -1;
	for (i = 0; i < ARRAY_SIZE(exp_tuples); i++) {
		const struct nf_conntrack *t = nfexp_get_attr(exp, exp_tuples[i].attr);
		unsigned tproto = proto;

		if (!t || !nfexp_attr_is_set(exp, exp_tuples[i].attr))
			continue;
		/* The master may differ (an H.323 TCP master of a UDP expectation). */
		if (nfct_attr_is_set(t, ATTR_ORIG_L4PROTO) && exp_tuples[i].attr == ATTR_EXP_MASTER)
			tproto = nfct_get_attr_u8(t, ATTR_ORIG_L4PROTO);
		if (put_tuple(r, exp_tuples[i].prefix, t, &tuple_orig, af, tproto) < 0)
			return -1;
	}
	if (nfexp_attr_is_set(exp, ATTR_EXP_HELPER_NAME) &&
	    ct_record_set(r, "helper", nfexp_get_attr(exp, ATTR_EXP_HELPER_NAME)) < 0)
		return -1;
	if (nfexp_attr_is_set(exp, ATTR_EXP_CLASS) &&
	    ctf_set_u32(r, "class", nfexp_get_attr_u32(exp, ATTR_EXP_CLASS)) < 0)
		return -1;
	if (nfexp_attr_is_set(exp, ATTR_EXP_ZONE) &&
	    ctf_set_u32(r, "zone", nfexp_get_attr_u16(exp, ATTR_EXP_ZONE)) < 0)
		return -1;
	if (nfexp_attr_is_set(exp, ATTR_EXP_TIMEOUT) &&
	    ctf_set_u32(r, "timeout", nfexp_get_attr_u32(exp, ATTR_EXP_TIMEOUT)) < 0)
		return -1;
	if (nfexp_attr_is_set(exp, ATTR_EXP_FLAGS) &&
	    ctf_set_exp_flags(r, nfexp_get_attr_u32(exp, ATTR_EXP_FLAGS)) < 0)
		return -1;
	return put_exp_nat(r, exp, af, proto);
}

/* ---- kernel: the dump ------------------------------------------------ */

struct dump_ctx {
	struct ct_list *out;
	int added;
	int failed; /* a record could not be flattened; err set */
};

static int ct_dump_cb(enum nf_conntrack_msg_type type, struct nf_conntrack *ct, void *data)
{
	struct dump_ctx *d = data;
	struct ct_record r;

	(void)type;
	if (ct_flatten(ct, &r) < 0) {
		d->failed = 1;
		return NFCT_CB_STOP;
	}
	ct_list_add(d->out, &r);
	d->added++;
	return NFCT_CB_CONTINUE;
}

static int exp_dump_cb(enum nf_conntrack_msg_type type, struct nf_expect *exp, void *data)
{
	struct dump_ctx *d = data;
	struct ct_record r;

	(void)type;
	if (exp_flatten(exp, &r) < 0) {
		d->failed = 1;
		return NFCT_CB_STOP;
	}
	ct_list_add(d->out, &r);
	d->added++;
	return NFCT_CB_CONTINUE;
}

int ct_dump_kernel(int nsfd, enum ct_kind kind, struct ct_list *out)
{
	struct dump_ctx d = { out, 0, 0 };
	struct nfct_handle *h;
	uint8_t subsys = CONNTRACK;
	uint32_t family = AF_UNSPEC;
	size_t n0 = out->n;
	int rc = -1, q = -1;

	switch (kind) {
	case CT_KIND_CONNTRACK:
		subsys = CONNTRACK;
		break;
	case CT_KIND_EXPECT:
		subsys = EXPECT;
		break;
	}
	h = ctnl_open(nsfd, subsys, 0);
	if (!h)
		return err_prefix("dump %s table", ct_kind_name(kind));

	switch (kind) {
	case CT_KIND_CONNTRACK:
		if (nfct_callback_register(h, NFCT_T_ALL, ct_dump_cb, &d) < 0) {
			err_sys("nfct_callback_register");
			goto out_close;
		}
		q = nfct_query(h, NFCT_Q_DUMP, &family);
		break;
	case CT_KIND_EXPECT:
		if (nfexp_callback_register(h, NFCT_T_ALL, exp_dump_cb, &d) < 0) {
			err_sys("nfexp_callback_register");
			goto out_close;
		}
		q = nfexp_query(h, NFCT_Q_DUMP, &family);
		break;
	}
	if (d.failed)
		goto out_close;
	if (q < 0) {
		err_sys("netlink dump");
		goto out_close;
	}
	rc = d.added;
out_close:
	ctnl_close(h);
	if (rc < 0) {
		out->n = n0;
		err_prefix("dump %s table", ct_kind_name(kind));
	}
	return rc;
}
