/*
 * ct_fields: what ct knows of conntrack and expectation fields (protocols,
 * states, status bits, expectation flags, NAT names) and the setters that
 * turn them into record fields. Internal to ct: shared by the record model
 * (ct.c) and its two readers, the kernel's (ct_kernel.c) and conntrackd's
 * (ct_conntrackd.c), so that both name every value the same way.
 */
#ifndef FTFW_CT_FIELDS_H
#define FTFW_CT_FIELDS_H

#include <stddef.h>
#include <stdint.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include "ct.h"

/* A layer-4 protocol: its number, name, and whether tuples carry ports. */
struct ctf_proto_info {
	unsigned num;
	const char *name;
	int ports;
};
/* NULL when ct does not know the protocol. */
const struct ctf_proto_info *ctf_proto_find(unsigned num);
int ctf_proto_has_ports(unsigned num);

/* The state names of a protocol with states (TCP, SCTP, DCCP), by number;
 * NULL for the others. */
struct ctf_state_table {
	unsigned proto;
	enum nf_conntrack_attr attr;
	const char *const *names;
	size_t n;
};
const struct ctf_state_table *ctf_state_table(unsigned proto);

/* Expectation flags by name (PERMANENT, INACTIVE, USERSPACE). */
struct ctf_exp_flag {
	unsigned flag;
	const char *name;
};
extern const struct ctf_exp_flag ctf_exp_flags[];
extern const size_t ctf_nexp_flags;

/* nat by (SRC_NAT ? 1 : 0) | (DST_NAT ? 2 : 0): none, snat, dnat, both. */
extern const char *const ctf_nat_names[];

/* "ipv4", "ipv6", or NULL. */
const char *ctf_family_name(int af);

/* Record setters: 0 or -1 with err set (the value does not fit). */
int ctf_set_proto(struct ct_record *r, unsigned num);      /* proto= name or number */
int ctf_set_u32(struct ct_record *r, const char *key, uint32_t v);
int ctf_set_prefixed(struct ct_record *r, const char *prefix, const char *base, const char *val);
const char *ctf_get_prefixed(const struct ct_record *r, const char *prefix, const char *base);
int ctf_set_status(struct ct_record *r, uint32_t status);  /* status= list, left out when empty */
int ctf_set_exp_flags(struct ct_record *r, uint32_t flags); /* flags= list, left out when empty */

#endif
