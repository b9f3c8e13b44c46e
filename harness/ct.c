/*
 * ct: conntrack state as flat records. See ct.h.
 *
 * The record model and the field knowledge both readers share
 * (ct_fields.h); the readers are ct_kernel.c (the kernel's tables over
 * ctnetlink) and ct_conntrackd.c (conntrackd's cache dumps).
 *
 * Values beyond ct.h's list: status may carry HW_OFFLOAD (bit 15) and,
 * for bits without a name, "BIT<n>"; it leaves out SRC_NAT_DONE and
 * DST_NAT_DONE when the whole list would not fit in CT_VAL_LEN (see
 * status_bits). state also covers SCTP and DCCP states; nat-dir is
 * "original" or "reply". An empty list (status without a bit, flags 0) is
 * left out rather than set to "".
 */
#include "ct.h"
#include "ct_fields.h"

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
static const struct ctf_proto_info protos[] = {
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
const struct ctf_exp_flag ctf_exp_flags[] = {
	{ NF_CT_EXPECT_PERMANENT, "PERMANENT" },
	{ NF_CT_EXPECT_INACTIVE, "INACTIVE" },
	{ NF_CT_EXPECT_USERSPACE, "USERSPACE" },
};
const size_t ctf_nexp_flags = ARRAY_SIZE(ctf_exp_flags);

/* nat by (SRC_NAT ? 1 : 0) | (DST_NAT ? 2 : 0). */
const char *const ctf_nat_names[] = { "none", "snat", "dnat", "both" };

/* The order of a record's fields: ct.h's list (unlisted keys go last). */

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

static const struct ctf_state_table state_tables[] = {
	{ IPPROTO_TCP, ATTR_TCP_STATE, tcp_states, ARRAY_SIZE(tcp_states) },
	{ IPPROTO_SCTP, ATTR_SCTP_STATE, sctp_states, ARRAY_SIZE(sctp_states) },
	{ IPPROTO_DCCP, ATTR_DCCP_STATE, dccp_states, ARRAY_SIZE(dccp_states) },
};

/* ---- small helpers --------------------------------------------------- */

const struct ctf_proto_info *ctf_proto_find(unsigned num)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(protos); i++)
		if (protos[i].num == num)
			return &protos[i];
	return NULL;
}

int ctf_proto_has_ports(unsigned num)
{
	const struct ctf_proto_info *p = ctf_proto_find(num);

	return p && p->ports;
}

int ctf_set_proto(struct ct_record *r, unsigned num)
{
	const struct ctf_proto_info *p = ctf_proto_find(num);
	char buf[8];

	if (p)
		return ct_record_set(r, "proto", p->name);
	snprintf(buf, sizeof(buf), "%u", num);
	return ct_record_set(r, "proto", buf);
}

const char *ctf_family_name(int af)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(families); i++)
		if (families[i].af == af)
			return families[i].name;
	return NULL;
}

const struct ctf_state_table *ctf_state_table(unsigned proto)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(state_tables); i++)
		if (state_tables[i].proto == proto)
			return &state_tables[i];
	return NULL;
}

int ctf_set_u32(struct ct_record *r, const char *key, uint32_t v)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%u", v);
	return ct_record_set(r, key, buf);
}

/* key = prefix + base ("reply-" + "sport"). */
int ctf_set_prefixed(struct ct_record *r, const char *prefix, const char *base,
			const char *val)
{
	char key[CT_KEY_LEN];

	if (str_fmt(key, sizeof(key), "%s%s", prefix, base) < 0)
		return -1;
	return ct_record_set(r, key, val);
}

const char *ctf_get_prefixed(const struct ct_record *r, const char *prefix, const char *base)
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

int ctf_set_status(struct ct_record *r, uint32_t status)
{
	char buf[CT_VAL_LEN * 4];

	if (!status)
		return 0;
	status_list(status, 1, buf, sizeof(buf));
	if (strlen(buf) >= CT_VAL_LEN)
		status_list(status, 0, buf, CT_VAL_LEN);
	return ct_record_set(r, "status", buf);
}

int ctf_set_exp_flags(struct ct_record *r, uint32_t flags)
{
	char buf[CT_VAL_LEN] = "";
	size_t i, len = 0;

	if (!flags)
		return 0;
	for (i = 0; i < ctf_nexp_flags; i++) {
		if (!(flags & ctf_exp_flags[i].flag))
			continue;
		len += snprintf(buf + len, sizeof(buf) - len, "%s%s", len ? "," : "",
				ctf_exp_flags[i].name);
		flags &= ~ctf_exp_flags[i].flag;
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
