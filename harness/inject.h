/*
 * inject: put a conntrack or an expectation into a firewall's kernel over
 * ctnetlink, the way conntrackd commits its external cache (conntrack-tools
 * 1.4.7 nl_create_conntrack / nl_create_expect): a libnetfilter_conntrack
 * object with the original tuple, the reply tuple set up as its inverse
 * (NFCT_SOPT_SETUP_REPLY), the helper by name, NAT as SNAT/DNAT
 * attributes that the kernel applies to the reply tuple, TCP state,
 * status, timeout and mark, and TCP window tracking made liberal (what
 * conntrackd does with its default TCPWindowTracking Off). Scenario steps
 * use it to stage the kernel state a failover would leave behind, without
 * running conntrackd: for instance an ftp conntrack with helper and SNAT,
 * the case that loses its helper on kernels without "netfilter: ctnetlink:
 * disable helper autoassign" (FINDINGS.md).
 *
 * The netlink handle is opened inside the namespace nsfd (netns_call) and
 * used from the caller's thread; the caller's namespace is unchanged.
 * Only TCP over IPv4 or IPv6.
 */
#ifndef FTFW_INJECT_H
#define FTFW_INJECT_H

#include <stddef.h>
#include <stdint.h>
#include "util.h"

enum inject_nat {
	INJECT_NAT_NONE,
	INJECT_NAT_SNAT, /* the source is translated to nat_addr[:nat_port] */
	INJECT_NAT_DNAT, /* the destination is translated to nat_addr[:nat_port] */
};

/* The timeout a zero inject_spec.timeout stands for, in seconds. */
#define INJECT_DEFAULT_TIMEOUT 300

/*
 * One TCP conntrack, described by its original direction. A zeroed struct
 * plus addresses and ports is a complete spec: each zero field below means
 * its default. Strings are borrowed, not copied.
 */
struct inject_spec {
	int family;           /* AF_INET or AF_INET6; 0: taken from src */
	const char *src, *dst; /* original direction, inet_pton form */
	uint16_t sport, dport; /* host order, 1..65535 */
	const char *helper;   /* helper name ("ftp"); NULL: none */
	enum inject_nat nat;
	const char *nat_addr; /* same family as src; required unless nat is NONE */
	uint16_t nat_port;    /* host order; 0: keep the port */
	uint8_t tcp_state;    /* enum tcp_state; 0 (NONE): ESTABLISHED */
	uint32_t status;      /* IPS_* bits; 0: IPS_SEEN_REPLY | IPS_ASSURED */
	uint32_t timeout;     /* seconds; 0: INJECT_DEFAULT_TIMEOUT */
	int set_mark;         /* send mark (otherwise the kernel's 0) */
	uint32_t mark;
};

/*
 * Create the conntrack s describes in the kernel of namespace nsfd
 * (NFCT_Q_CREATE). Returns 0, or -1 with err set and errno meaningful:
 *   EINVAL      the spec is invalid (bad address, family mix, no nat_addr...)
 *   EEXIST      a conntrack with this tuple (either direction) exists
 *   EOPNOTSUPP  the helper is not known to the kernel
 *   other       from entering the namespace or from the kernel
 */
int inject_conntrack(int nsfd, const struct inject_spec *s) FTFW_WUR;

/*
 * Fill s from key=value words, as a scenario step writes them:
 *   src=ADDR dst=ADDR sport=N dport=N         required
 *   helper=NAME                               e.g. ftp (at most 15 chars)
 *   snat=ADDR[:PORT] | dnat=ADDR[:PORT]       one of them; an IPv6 address
 *                                             with a port is [ADDR]:PORT
 *   timeout=SECONDS state=TCPSTATE mark=N     optional
 * Addresses are IPv4 or IPv6, all of one family. s is zeroed first; the
 * strings it points to are copied into strbuf (len bytes), which must
 * outlive s. Each word may appear once. Returns 0, or -1 with err set
 * naming the word at fault (errno EINVAL).
 */
int inject_spec_parse(int argc, char *const argv[], struct inject_spec *s, char *strbuf,
		      size_t len) FTFW_WUR;

/*
 * Create an expectation on an existing master conntrack (nfexp NFCT_Q_CREATE),
 * as the ftp helper would for a passive data connection: the expected
 * connection goes from master->src (any source port) to master->dst:port.
 * Only master's family, src, dst, sport and dport are used: its original
 * tuple, with which the kernel looks the master up in either direction.
 * helper is sent as the expectation's helper name, as conntrackd sends it
 * (NULL: none). Kernels with "netfilter: ctnetlink: ignore explicit helper
 * on new expectations" (2026; the 6.18.44 host has it) ignore the name and
 * always use the master's helper; older ones look it up and refuse an
 * unknown one with EOPNOTSUPP. A timeout of INJECT_DEFAULT_TIMEOUT is
 * sent, as conntrackd sends one, but the kernel ignores it on creation and
 * uses the helper policy's (ftp: 300 s).
 * Returns 0, or -1 with err set and errno:
 *   ENOENT      no master conntrack with that tuple
 *   EOPNOTSUPP  the master has no helper (older kernels: or helper is unknown)
 *   EINVAL      invalid arguments, or the kernel refused the request
 *   other       from entering the namespace or from the kernel
 */
int inject_expectation(int nsfd, const struct inject_spec *master, uint16_t port,
		       const char *helper) FTFW_WUR;

#endif
