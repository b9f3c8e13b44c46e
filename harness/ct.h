/*
 * ct: connection-tracking state as records the assertions can match.
 *
 * A record is a conntrack or an expectation flattened into key=value text
 * fields, whatever its source: the kernel of a firewall (read over
 * ctnetlink with libnetfilter_conntrack, inside the firewall's namespace)
 * or conntrackd's internal/external caches (its `-i`/`-e` output, parsed).
 * One shape for all sources keeps matching and "expected X, found Y"
 * messages the same everywhere.
 *
 * Field keys (absent when the source does not know the value):
 *   conntrack:   family (ipv4|ipv6), proto (tcp|udp|icmp|... or number),
 *                src dst sport dport            original direction
 *                reply-src reply-dst reply-sport reply-dport
 *                state (TCP state: ESTABLISHED, TIME_WAIT, ...),
 *                status (comma list: EXPECTED,SEEN_REPLY,ASSURED,CONFIRMED,
 *                        SRC_NAT,DST_NAT,SEQ_ADJUST,SRC_NAT_DONE,
 *                        DST_NAT_DONE,DYING,FIXED_TIMEOUT,TEMPLATE,
 *                        UNTRACKED,HELPER,OFFLOAD),
 *                helper, timeout (s), mark, zone, id
 *                nat (none|snat|dnat|both: derived from the status bits)
 *   expectation: family, proto, src dst sport dport   the expected tuple
 *                mask-src mask-dst mask-sport mask-dport
 *                master-src master-dst master-sport master-dport
 *                helper, class, zone, timeout (s),
 *                flags (comma list: PERMANENT,INACTIVE,USERSPACE),
 *                nat-dir, nat-dst, nat-dport (when the expectation carries NAT)
 * Addresses are in inet_ntop form, ports and numbers in decimal.
 */
#ifndef FTFW_CT_H
#define FTFW_CT_H

#include <stddef.h>
#include "util.h"

enum ct_kind {
	CT_KIND_CONNTRACK,
	CT_KIND_EXPECT,
};

/* Where a record was read. */
enum ct_source {
	CT_SRC_KERNEL,   /* the firewall's kernel table, over ctnetlink */
	CT_SRC_INTERNAL, /* conntrackd's internal cache (-i) */
	CT_SRC_EXTERNAL, /* conntrackd's external cache (-e) */
};

#define CT_MAX_FIELDS 40
#define CT_KEY_LEN 16
#define CT_VAL_LEN 64

struct ct_field {
	char key[CT_KEY_LEN];
	char val[CT_VAL_LEN];
};

struct ct_record {
	enum ct_kind kind;
	int nfields;
	struct ct_field f[CT_MAX_FIELDS];
};

/* A growable list of records; zero-initialise, release with ct_list_free(). */
struct ct_list {
	size_t n, cap;
	struct ct_record *v; /* owned */
};

const char *ct_kind_name(enum ct_kind kind);     /* "ct" / "expect" */
const char *ct_source_name(enum ct_source src);  /* "kernel" / "internal" / "external" */
/* Parse "ct"/"conntrack"/"expect"/"expectation"; -1 if unknown. */
int ct_kind_parse(const char *s);
/* Parse "kernel"/"internal"/"external"; -1 if unknown. */
int ct_source_parse(const char *s);

/* Set (or replace) a field; -1 with err set when the record is full or a key/value is too long. */
int ct_record_set(struct ct_record *r, const char *key, const char *val);
/* A field's value, or NULL. */
const char *ct_record_get(const struct ct_record *r, const char *key);
/* "key=val key=val ..." into buf (always terminated). */
void ct_record_format(const struct ct_record *r, char *buf, size_t len);

/* Append a copy of r. */
void ct_list_add(struct ct_list *l, const struct ct_record *r);
void ct_list_clear(struct ct_list *l);
void ct_list_free(struct ct_list *l);

/*
 * Dump the kernel's conntrack table or expectation table of the network
 * namespace nsfd into out (appended). Uses a ctnetlink socket opened inside
 * that namespace; the caller's namespace is unchanged. Returns the number of
 * records added, or -1 with err set.
 */
int ct_dump_kernel(int nsfd, enum ct_kind kind, struct ct_list *out) FTFW_WUR;

/*
 * Parse one line of `conntrackd -i|-e ct|expect` output into r.
 * Returns 1 when the line is a record, 0 when it is not (blank, a summary),
 * -1 with err set when it looks like a record but cannot be parsed.
 */
int ct_parse_conntrackd_line(const char *line, enum ct_kind kind, struct ct_record *r);

/* Parse the whole output text; records appended to out. Returns count or -1. */
int ct_parse_conntrackd_output(const char *text, enum ct_kind kind, struct ct_list *out);

#endif
