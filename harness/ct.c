/*
 * ct: conntrack state as flat records. See ct.h.
 *
 * Two readers fill the same record shape: the kernel's tables over
 * ctnetlink (libnetfilter_conntrack), and the text conntrackd 1.4.7 prints
 * for `-i|-e ct|expect`. That text is libnetfilter_conntrack's
 * nfct_snprintf()/nfexp_snprintf() (NFCT_O_DEFAULT, no flags) with the
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
 * Values beyond ct.h's list: status may carry HW_OFFLOAD (bit 15) and,
 * for bits without a name, "BIT<n>"; it leaves out SRC_NAT_DONE and
 * DST_NAT_DONE when the whole list would not fit in CT_VAL_LEN (see
 * status_bits). state also covers SCTP and DCCP states; nat-dir is
 * "original" or "reply". An empty list (status without a bit, flags 0) is
 * left out rather than set to "".
 */
#include "ct.h"
#include "ctnl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack_dccp.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack_sctp.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack_tcp.h>

/* ---- knowledge ------------------------------------------------------- */

static const struct {
	const char *name;
	enum ct_kind kind;
} kind_names[] = {
	{ "ct", CT_KIND_CONNTRACK },
	{ "conntrack", CT_KIND_CONNTRACK },
	{ "expect", CT_KIND_EXPECT },
	{ "expectation", CT_KIND_EXPECT },
};

static const struct {
	const char *name;
	enum ct_source src;
} source_names[] = {
	{ "kernel", CT_SRC_KERNEL },
	{ "internal", CT_SRC_INTERNAL },
	{ "external", CT_SRC_EXTERNAL },
};

static const struct {
	int af;
	const char *name;
} families[] = {
	{ AF_INET, "ipv4" },
	{ AF_INET6, "ipv6" },
};

/* Layer-4 protocols by number; ports says whether tuples carry ports. */
static const struct proto_info {
	unsigned num;
	const char *name;
	int ports;
} protos[] = {
	{ IPPROTO_TCP, "tcp", 1 },
	{ IPPROTO_UDP, "udp", 1 },
	{ IPPROTO_ICMP, "icmp", 0 },
	{ IPPROTO_ICMPV6, "icmpv6", 0 },
	{ IPPROTO_SCTP, "sctp", 1 },
	{ IPPROTO_DCCP, "dccp", 1 },
	{ IPPROTO_GRE, "gre", 0 },
	{ IPPROTO_UDPLITE, "udplite", 1 },
};

/*
 * Conntrack status bits (linux/netfilter/nf_conntrack_common.h). A full
 * list can be longer than a record value (CT_VAL_LEN); spare bits are then
 * left out: SRC_NAT_DONE/DST_NAT_DONE only say that the NAT hooks have
 * run (nf_nat_setup_info sets them whether or not anything was
 * translated; SRC_NAT/DST_NAT and nat= say whether it was).
 */
static const struct {
	unsigned bit;
	const char *name;
	int spare;
} status_bits[] = {
	{ IPS_EXPECTED_BIT, "EXPECTED", 0 },
	{ IPS_SEEN_REPLY_BIT, "SEEN_REPLY", 0 },
	{ IPS_ASSURED_BIT, "ASSURED", 0 },
	{ IPS_CONFIRMED_BIT, "CONFIRMED", 0 },
	{ IPS_SRC_NAT_BIT, "SRC_NAT", 0 },
	{ IPS_DST_NAT_BIT, "DST_NAT", 0 },
	{ IPS_SEQ_ADJUST_BIT, "SEQ_ADJUST", 0 },
	{ IPS_SRC_NAT_DONE_BIT, "SRC_NAT_DONE", 1 },
	{ IPS_DST_NAT_DONE_BIT, "DST_NAT_DONE", 1 },
	{ IPS_DYING_BIT, "DYING", 0 },
	{ IPS_FIXED_TIMEOUT_BIT, "FIXED_TIMEOUT", 0 },
	{ IPS_TEMPLATE_BIT, "TEMPLATE", 0 },
	{ IPS_UNTRACKED_BIT, "UNTRACKED", 0 },
	{ IPS_HELPER_BIT, "HELPER", 0 },
	{ IPS_OFFLOAD_BIT, "OFFLOAD", 0 },
	{ IPS_HW_OFFLOAD_BIT, "HW_OFFLOAD", 0 },
};

/* Expectation flags. */
static const struct {
	unsigned flag;
	const char *name;
} exp_flags[] = {
	{ NF_CT_EXPECT_PERMANENT, "PERMANENT" },
	{ NF_CT_EXPECT_INACTIVE, "INACTIVE" },
	{ NF_CT_EXPECT_USERSPACE, "USERSPACE" },
};

/* nat by (SRC_NAT ? 1 : 0) | (DST_NAT ? 2 : 0). */
static const char *const nat_names[] = { "none", "snat", "dnat", "both" };

/* The order of a record's fields: ct.h's list (unlisted keys go last). */
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

/* Protocol states, indexed by the kernel's value; names as printed. */
static const char *const tcp_states[] = {
	[TCP_CONNTRACK_NONE] = "NONE",
	[TCP_CONNTRACK_SYN_SENT] = "SYN_SENT",
	[TCP_CONNTRACK_SYN_RECV] = "SYN_RECV",
	[TCP_CONNTRACK_ESTABLISHED] = "ESTABLISHED",
	[TCP_CONNTRACK_FIN_WAIT] = "FIN_WAIT",
	[TCP_CONNTRACK_CLOSE_WAIT] = "CLOSE_WAIT",
	[TCP_CONNTRACK_LAST_ACK] = "LAST_ACK",
	[TCP_CONNTRACK_TIME_WAIT] = "TIME_WAIT",
	[TCP_CONNTRACK_CLOSE] = "CLOSE",
	[TCP_CONNTRACK_SYN_SENT2] = "SYN_SENT2",
};

static const char *const sctp_states[] = {
	[SCTP_CONNTRACK_NONE] = "NONE",
	[SCTP_CONNTRACK_CLOSED] = "CLOSED",
	[SCTP_CONNTRACK_COOKIE_WAIT] = "COOKIE_WAIT",
	[SCTP_CONNTRACK_COOKIE_ECHOED] = "COOKIE_ECHOED",
	[SCTP_CONNTRACK_ESTABLISHED] = "ESTABLISHED",
	[SCTP_CONNTRACK_SHUTDOWN_SENT] = "SHUTDOWN_SENT",
	[SCTP_CONNTRACK_SHUTDOWN_RECD] = "SHUTDOWN_RECD",
	[SCTP_CONNTRACK_SHUTDOWN_ACK_SENT] = "SHUTDOWN_ACK_SENT",
	[SCTP_CONNTRACK_HEARTBEAT_SENT] = "HEARTBEAT_SENT",
	[SCTP_CONNTRACK_HEARTBEAT_ACKED] = "HEARTBEAT_ACKED",
};

static const char *const dccp_states[] = {
	[DCCP_CONNTRACK_NONE] = "NONE",
	[DCCP_CONNTRACK_REQUEST] = "REQUEST",
	[DCCP_CONNTRACK_RESPOND] = "RESPOND",
	[DCCP_CONNTRACK_PARTOPEN] = "PARTOPEN",
	[DCCP_CONNTRACK_OPEN] = "OPEN",
	[DCCP_CONNTRACK_CLOSEREQ] = "CLOSEREQ",
	[DCCP_CONNTRACK_CLOSING] = "CLOSING",
	[DCCP_CONNTRACK_TIMEWAIT] = "TIMEWAIT",
	[DCCP_CONNTRACK_IGNORE] = "IGNORE",
	[DCCP_CONNTRACK_INVALID] = "INVALID",
};

static const struct state_table {
	unsigned proto;
	enum nf_conntrack_attr attr;
	const char *const *names;
	size_t n;
} state_tables[] = {
	{ IPPROTO_TCP, ATTR_TCP_STATE, tcp_states, ARRAY_SIZE(tcp_states) },
	{ IPPROTO_SCTP, ATTR_SCTP_STATE, sctp_states, ARRAY_SIZE(sctp_states) },
	{ IPPROTO_DCCP, ATTR_DCCP_STATE, dccp_states, ARRAY_SIZE(dccp_states) },
};

/* ---- small helpers --------------------------------------------------- */

static const struct proto_info *proto_find(unsigned num)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(protos); i++)
		if (protos[i].num == num)
			return &protos[i];
	return NULL;
}

static int proto_has_ports(unsigned num)
{
	const struct proto_info *p = proto_find(num);

	return p && p->ports;
}

static int set_proto(struct ct_record *r, unsigned num)
{
	const struct proto_info *p = proto_find(num);
	char buf[8];

	if (p)
		return ct_record_set(r, "proto", p->name);
	snprintf(buf, sizeof(buf), "%u", num);
	return ct_record_set(r, "proto", buf);
}

static const char *family_name(int af)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(families); i++)
		if (families[i].af == af)
			return families[i].name;
	return NULL;
}

static const struct state_table *state_table_find(unsigned proto)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(state_tables); i++)
		if (state_tables[i].proto == proto)
			return &state_tables[i];
	return NULL;
}

static int set_u32(struct ct_record *r, const char *key, uint32_t v)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%u", v);
	return ct_record_set(r, key, buf);
}

/* key = prefix + base ("reply-" + "sport"). */
static int set_prefixed(struct ct_record *r, const char *prefix, const char *base,
			const char *val)
{
	char key[CT_KEY_LEN];

	if (str_fmt(key, sizeof(key), "%s%s", prefix, base) < 0)
		return -1;
	return ct_record_set(r, key, val);
}

static const char *get_prefixed(const struct ct_record *r, const char *prefix, const char *base)
{
	char key[CT_KEY_LEN];

	if (str_fmt(key, sizeof(key), "%s%s", prefix, base) < 0)
		return NULL;
	return ct_record_get(r, key);
}

/*
 * Comma list of the status bits' names in bit order, unknown bits as
 * "BIT<n>". Leaves out spare bits when the whole list does not fit, and
 * should even that not fit, ends the list with "..." where it is cut.
 */
static void status_list(uint32_t status, int with_spare, char *buf, size_t size)
{
	size_t i, len = 0;
	unsigned bit;

	buf[0] = '\0';
	for (bit = 0; bit < 32; bit++) {
		const char *name = NULL;
		char unknown[8];
		int spare = 0;

		if (!(status & (1u << bit)))
			continue;
		for (i = 0; i < ARRAY_SIZE(status_bits); i++)
			if (status_bits[i].bit == bit) {
				name = status_bits[i].name;
				spare = status_bits[i].spare;
			}
		if (spare && !with_spare)
			continue;
		if (!name) {
			snprintf(unknown, sizeof(unknown), "BIT%u", bit);
			name = unknown;
		}
		if (len + 1 + strlen(name) + sizeof(",...") > size) {
			snprintf(buf + len, size - len, "%s...", len ? "," : "");
			return;
		}
		len += snprintf(buf + len, size - len, "%s%s", len ? "," : "", name);
	}
}

static int set_status(struct ct_record *r, uint32_t status)
{
	char buf[CT_VAL_LEN * 4];

	if (!status)
		return 0;
	status_list(status, 1, buf, sizeof(buf));
	if (strlen(buf) >= CT_VAL_LEN)
		status_list(status, 0, buf, CT_VAL_LEN);
	return ct_record_set(r, "status", buf);
}

static int set_exp_flags(struct ct_record *r, uint32_t flags)
{
	char buf[CT_VAL_LEN] = "";
	size_t i, len = 0;

	if (!flags)
		return 0;
	for (i = 0; i < ARRAY_SIZE(exp_flags); i++) {
		if (!(flags & exp_flags[i].flag))
			continue;
		len += snprintf(buf + len, sizeof(buf) - len, "%s%s", len ? "," : "",
				exp_flags[i].name);
		flags &= ~exp_flags[i].flag;
	}
	if (flags)
		snprintf(buf + len, sizeof(buf) - len, "%s0x%x", len ? "," : "", flags);
	return ct_record_set(r, "flags", buf);
}

/* ---- names and records ----------------------------------------------- */

const char *ct_kind_name(enum ct_kind kind)
{
	switch (kind) {
	case CT_KIND_CONNTRACK:
		return "ct";
	case CT_KIND_EXPECT:
		return "expect";
	}
	return "?";
}

const char *ct_source_name(enum ct_source src)
{
	switch (src) {
	case CT_SRC_KERNEL:
		return "kernel";
	case CT_SRC_INTERNAL:
		return "internal";
	case CT_SRC_EXTERNAL:
		return "external";
	}
	return "?";
}

int ct_kind_parse(const char *s)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kind_names); i++)
		if (strcmp(s, kind_names[i].name) == 0)
			return kind_names[i].kind;
	return -1;
}

int ct_source_parse(const char *s)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(source_names); i++)
		if (strcmp(s, source_names[i].name) == 0)
			return source_names[i].src;
	return -1;
}

int ct_record_set(struct ct_record *r, const char *key, const char *val)
{
	struct ct_field *f = NULL;
	int i;

	if (!key[0])
		return err_set("record field: empty key");
	if (strlen(key) >= CT_KEY_LEN)
		return err_set("record field '%s': key longer than %d", key, CT_KEY_LEN - 1);
	if (strlen(val) >= CT_VAL_LEN)
		return err_set("record field %s: value '%s' longer than %d", key, val,
			       CT_VAL_LEN - 1);
	for (i = 0; i < r->nfields; i++)
		if (strcmp(r->f[i].key, key) == 0)
			f = &r->f[i];
	if (!f) {
		if (r->nfields >= CT_MAX_FIELDS)
			return err_set("record field %s: record full (%d fields)", key,
				       CT_MAX_FIELDS);
		f = &r->f[r->nfields++];
		str_copy(f->key, key, sizeof(f->key));
	}
	str_copy(f->val, val, sizeof(f->val));
	return 0;
}

const char *ct_record_get(const struct ct_record *r, const char *key)
{
	int i;

	for (i = 0; i < r->nfields; i++)
		if (strcmp(r->f[i].key, key) == 0)
			return r->f[i].val;
	return NULL;
}

void ct_record_format(const struct ct_record *r, char *buf, size_t len)
{
	size_t off = 0;
	int i, n;

	if (!len)
		return;
	buf[0] = '\0';
	for (i = 0; i < r->nfields && off < len; i++) {
		n = snprintf(buf + off, len - off, "%s%s=%s", i ? " " : "", r->f[i].key,
			     r->f[i].val);
		if (n < 0)
			break;
		off += (size_t)n;
	}
}

void ct_list_add(struct ct_list *l, const struct ct_record *r)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = *r;
}

void ct_list_clear(struct ct_list *l)
{
	l->n = 0;
}

void ct_list_free(struct ct_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

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
	    set_prefixed(r, prefix, "src", addr) < 0 ||
	    addr_str(ct, af, a->v4dst, a->v6dst, addr, sizeof(addr)) < 0 ||
	    set_prefixed(r, prefix, "dst", addr) < 0)
		return err_prefix("%stuple", prefix);
	if (!proto_has_ports(proto) || !nfct_attr_is_set(ct, a->psrc))
		return 0;
	snprintf(port, sizeof(port), "%u", ntohs(nfct_get_attr_u16(ct, a->psrc)));
	if (set_prefixed(r, prefix, "sport", port) < 0)
		return -1;
	snprintf(port, sizeof(port), "%u", ntohs(nfct_get_attr_u16(ct, a->pdst)));
	return set_prefixed(r, prefix, "dport", port);
}

/* family and proto from a tuple; -1 when the family is not ipv4/ipv6. */
static int put_family_proto(struct ct_record *r, const struct nf_conntrack *ct, int *af,
			    unsigned *proto)
{
	const char *fam;

	*af = nfct_get_attr_u8(ct, ATTR_ORIG_L3PROTO);
	*proto = nfct_get_attr_u8(ct, ATTR_ORIG_L4PROTO);
	fam = family_name(*af);
	if (!fam)
		return err_set("unknown layer-3 family %d", *af);
	if (ct_record_set(r, "family", fam) < 0 || set_proto(r, *proto) < 0)
		return -1;
	return 0;
}

static int ct_flatten(const struct nf_conntrack *ct, struct ct_record *r)
{
	const struct state_table *st;
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
	st = state_table_find(proto);
	if (st && nfct_attr_is_set(ct, st->attr)) {
		uint8_t s = nfct_get_attr_u8(ct, st->attr);
		char num[8];

		snprintf(num, sizeof(num), "%u", s);
		if (ct_record_set(r, "state", s < st->n && st->names[s] ? st->names[s] : num) < 0)
			return -1;
	}
	status = nfct_get_attr_u32(ct, ATTR_STATUS);
	if (nfct_attr_is_set(ct, ATTR_STATUS) && set_status(r, status) < 0)
		return -1;
	if (nfct_attr_is_set(ct, ATTR_HELPER_NAME) &&
	    ct_record_set(r, "helper", nfct_get_attr(ct, ATTR_HELPER_NAME)) < 0)
		return -1;
	if (nfct_attr_is_set(ct, ATTR_TIMEOUT) &&
	    set_u32(r, "timeout", nfct_get_attr_u32(ct, ATTR_TIMEOUT)) < 0)
		return -1;
	if (nfct_attr_is_set(ct, ATTR_MARK) && set_u32(r, "mark", nfct_get_attr_u32(ct, ATTR_MARK)) < 0)
		return -1;
	if (nfct_attr_is_set(ct, ATTR_ZONE) && set_u32(r, "zone", nfct_get_attr_u16(ct, ATTR_ZONE)) < 0)
		return -1;
	if (nfct_attr_is_set(ct, ATTR_ID) && set_u32(r, "id", nfct_get_attr_u32(ct, ATTR_ID)) < 0)
		return -1;
	if (nfct_attr_is_set(ct, ATTR_STATUS) &&
	    ct_record_set(r, "nat", nat_names[(status & IPS_SRC_NAT ? 1 : 0) |
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
	if (!proto_has_ports(proto) || !nfct_attr_is_set(nat, ATTR_ORIG_PORT_SRC))
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
	    set_u32(r, "class", nfexp_get_attr_u32(exp, ATTR_EXP_CLASS)) < 0)
		return -1;
	if (nfexp_attr_is_set(exp, ATTR_EXP_ZONE) &&
	    set_u32(r, "zone", nfexp_get_attr_u16(exp, ATTR_EXP_ZONE)) < 0)
		return -1;
	if (nfexp_attr_is_set(exp, ATTR_EXP_TIMEOUT) &&
	    set_u32(r, "timeout", nfexp_get_attr_u32(exp, ATTR_EXP_TIMEOUT)) < 0)
		return -1;
	if (nfexp_attr_is_set(exp, ATTR_EXP_FLAGS) &&
	    set_exp_flags(r, nfexp_get_attr_u32(exp, ATTR_EXP_FLAGS)) < 0)
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
		if (ct_record_set(p->r, "family", family_name(af)) < 0)
			return -1;
	}
	inet_ntop(af, bin, norm, sizeof(norm));
	return set_prefixed(p->r, prefix, base, norm);
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
		if (!proto_has_ports(p->proto) && proto_find(p->proto))
			return err_set("%s=%s: %s has no ports", key, val, proto_find(p->proto)->name);
		if (parse_uint(val, 65535, &v) < 0)
			return err_set("bad port %s=%s", key, val);
		if (get_prefixed(p->r, f->tuples[p->tuple].prefix, key))
			return err_set("second %s=%s in one tuple", key, val);
		return set_prefixed(p->r, f->tuples[p->tuple].prefix, key, val);
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
		for (i = 0; i < ARRAY_SIZE(exp_flags); i++)
			if (strcmp(item, exp_flags[i].name) == 0)
				break;
		if (i == ARRAY_SIZE(exp_flags))
			return err_set("unknown expectation flag '%s'", item);
		p->flags |= exp_flags[i].flag;
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
	const struct state_table *st;
	unsigned long v;
	int i = 0;
	size_t s;

	switch (kind) {
	case CT_KIND_CONNTRACK:
		if (n < 2 || !is_word(tok[0]) || parse_uint(tok[1], 255, &v) < 0)
			return 0;
		p->proto = (unsigned)v;
		if (proto_find(p->proto) && strcmp(tok[0], proto_find(p->proto)->name) != 0 &&
		    strcmp(tok[0], "unknown") != 0)
			return err_set("protocol name %s does not match number %s", tok[0], tok[1]);
		i = 2;
		if (i < n && parse_uint(tok[i], 0xffffffffUL, &v) == 0)
			if (ct_record_set(p->r, "timeout", tok[i++]) < 0)
				return -1;
		if (i < n && tok[i][0] != '[' && !strchr(tok[i], '=')) {
			st = state_table_find(p->proto);
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
	if (set_proto(p->r, p->proto) < 0)
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
		if (set_status(r, p->status) < 0)
			return -1;
		if (p->tuple < 1)
			break;
		snat = strs_differ(ct_record_get(r, "src"), ct_record_get(r, "reply-dst")) ||
		       strs_differ(ct_record_get(r, "sport"), ct_record_get(r, "reply-dport"));
		dnat = strs_differ(ct_record_get(r, "dst"), ct_record_get(r, "reply-src")) ||
		       strs_differ(ct_record_get(r, "dport"), ct_record_get(r, "reply-sport"));
		if (ct_record_set(r, "nat", nat_names[snat | dnat << 1]) < 0)
			return -1;
		break;
	case CT_KIND_EXPECT:
		if (set_exp_flags(r, p->flags) < 0)
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
