/*
 * lab: the sealed network the firewall pair lives in.
 *
 *            LAN 192.0.2.0/24                 WAN 198.51.100.0/24
 *  client ---[ br0 in "lan" ]--- fw-1 ---[ br0 in "wan" ]--- server
 *   .10                   \      .2  \                /  .10
 *                          \-- fw-2 --\--------------/
 *                               .3   sync 203.0.113.0/24 (fw-1 .1, fw-2 .2)
 *  virtual IPs (held by the active firewall): LAN 192.0.2.1, WAN 198.51.100.1
 *
 * Every host and each bridge is a network namespace of its own, named
 * "ftfw-<run id>-<role>"; nothing is created in the host's namespace and
 * no route leads out (the client and server know only each other's
 * subnet, through the virtual IPs). The plan (hosts, links, addresses,
 * routes, sysctls) is a set of tables in lab.c.
 */
#ifndef FTFW_LAB_H
#define FTFW_LAB_H

#include "node.h"
#include "run.h"

enum lab_role {
	ROLE_CLIENT,
	ROLE_FW1,
	ROLE_FW2,
	ROLE_SERVER,
	ROLE_LAN,   /* the LAN bridge host */
	ROLE_WAN,   /* the WAN bridge host */
	ROLE_COUNT,
};

/* Fixed address plan (documentation ranges only). */
#define LAB_CLIENT_ADDR  "192.0.2.10"
#define LAB_SERVER_ADDR  "198.51.100.10"
#define LAB_LAN_VIP      "192.0.2.1"
#define LAB_WAN_VIP      "198.51.100.1"
#define LAB_LAN_NET      "192.0.2.0/24"
#define LAB_WAN_NET      "198.51.100.0/24"
#define LAB_FW1_LAN      "192.0.2.2"
#define LAB_FW2_LAN      "192.0.2.3"
#define LAB_FW1_WAN      "198.51.100.2"
#define LAB_FW2_WAN      "198.51.100.3"
#define LAB_FW1_SYNC     "203.0.113.1"
#define LAB_FW2_SYNC     "203.0.113.2"
#define LAB_PREFIX       24

/* IPv6 plan (family=ipv6 or dual). */
#define LAB_CLIENT_ADDR6 "2001:db8:1::10"
#define LAB_SERVER_ADDR6 "2001:db8:2::10"
#define LAB_LAN_VIP6     "2001:db8:1::1"
#define LAB_WAN_VIP6     "2001:db8:2::1"
#define LAB_LAN_NET6     "2001:db8:1::/64"
#define LAB_WAN_NET6     "2001:db8:2::/64"
#define LAB_FW1_LAN6     "2001:db8:1::2"
#define LAB_FW2_LAN6     "2001:db8:1::3"
#define LAB_FW1_WAN6     "2001:db8:2::2"
#define LAB_FW2_WAN6     "2001:db8:2::3"
#define LAB_PREFIX6      64

/* Which address families the lab carries (the sync link stays IPv4). */
enum lab_family {
	LAB_FAMILY_IPV4,
	LAB_FAMILY_IPV6,
	LAB_FAMILY_DUAL,
};
const char *lab_family_name(enum lab_family f);  /* "ipv4" "ipv6" "dual" */
int lab_family_parse(const char *s);              /* -1 if unknown */
/* Does family f carry IPv6 (ipv6, dual)? 1 or 0. */
int lab_family_has_v6(enum lab_family f);

/* Interface names on the firewalls and end hosts. */
#define LAB_IF_LAN   "lan0"
#define LAB_IF_WAN   "wan0"
#define LAB_IF_SYNC  "sync0"
#define LAB_IF_HOST  "eth0"

struct lab;

/*
 * Build the topology for run r: namespaces, veth pairs, bridges,
 * addresses, routes, sysctls, for the given address families.
 * Returns a new lab (lab_free() releases handles; run_finish() removes the
 * namespaces) or NULL with err set.
 */
struct lab *lab_up(struct run *r, enum lab_family family);
void lab_free(struct lab *l);
/*
 * The families lab l was built for. In every family the firewalls keep
 * their IPv4 addresses and IPv4 virtual IPs (VRRP and the sync link are
 * IPv4); with ipv6 the client and server have IPv6 addresses only, with
 * dual both; with ipv4 IPv6 is disabled in every namespace of the lab.
 */
enum lab_family lab_family_of(const struct lab *l);

struct node *lab_node(const struct lab *l, enum lab_role role);
const char *lab_role_name(enum lab_role role);  /* "client", "fw1", ... */
int lab_role_parse(const char *s);              /* accepts "fw-1" and "fw1"; -1 if unknown */

/* The interfaces worth capturing: node role and interface name. */
struct lab_iface {
	enum lab_role role;
	const char *ifname;
	const char *label;  /* "fw1-lan0": file stem */
};
const struct lab_iface *lab_ifaces(size_t *n);

/* Take (up=1) or release the virtual IPs on a firewall, with gratuitous
 * ARP on take, so that client and server move to it at once. */
int lab_vips(struct lab *l, enum lab_role fw, int up) FTFW_WUR;
/* Link of a firewall up or down (isolate a failing firewall). */
int lab_link(struct lab *l, enum lab_role role, const char *ifname, int up) FTFW_WUR;

/* Does node n hold IPv4 address addr? 1, 0, or -1 with err set. */
int lab_has_addr(struct node *n, const char *addr);

/* Send one gratuitous ARP for addr from ifname on node n. */
int lab_garp(struct node *n, const char *ifname, const char *addr) FTFW_WUR;

/*
 * IPv6 families: lab_vips() takes and releases the IPv6 virtual IPs as
 * well, announcing each with lab_na(); releasing removes only what the
 * firewall still holds. lab_has_addr() takes IPv6 text too (compared in
 * binary form).
 */
/* Send one unsolicited Neighbour Advertisement (Override, Router, target
 * link-layer address) for IPv6 addr from ifname on node n, to ff02::1. */
int lab_na(struct node *n, const char *ifname, const char *addr) FTFW_WUR;
/* Does firewall fw hold every virtual IP of the lab's families? 1, 0, or
 * -1 with err set. */
int lab_has_vips(struct lab *l, enum lab_role fw);

#endif
