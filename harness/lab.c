/* lab: topology as tables. See lab.h. */
#include "lab.h"
#include "netns.h"
#include "rtnl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/if_ether.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

struct lab {
	struct run *run;                 /* not owned */
	struct node *node[ROLE_COUNT];   /* owned */
	enum lab_family family;
};

static const char *const role_names[ROLE_COUNT] = {
	[ROLE_CLIENT] = "client",
	[ROLE_FW1] = "fw1",
	[ROLE_FW2] = "fw2",
	[ROLE_SERVER] = "server",
	[ROLE_LAN] = "lan",
	[ROLE_WAN] = "wan",
};

/* veth pairs: end a (in role a) and end b (in role b). */
static const struct link_plan {
	enum lab_role a;
	const char *a_if;
	enum lab_role b;
	const char *b_if;
	const char *bridge; /* a's end joins this bridge, or NULL */
} links[] = {
	{ ROLE_LAN, "client", ROLE_CLIENT, LAB_IF_HOST, "br0" },
	{ ROLE_LAN, "fw1", ROLE_FW1, LAB_IF_LAN, "br0" },
	{ ROLE_LAN, "fw2", ROLE_FW2, LAB_IF_LAN, "br0" },
	{ ROLE_WAN, "server", ROLE_SERVER, LAB_IF_HOST, "br0" },
	{ ROLE_WAN, "fw1", ROLE_FW1, LAB_IF_WAN, "br0" },
	{ ROLE_WAN, "fw2", ROLE_FW2, LAB_IF_WAN, "br0" },
	{ ROLE_FW1, LAB_IF_SYNC, ROLE_FW2, LAB_IF_SYNC, NULL },
};

/*
 * Which families a row of the plan belongs to: one bit per enum lab_family.
 * The firewalls keep their IPv4 addresses in every family (VRRP runs over
 * IPv4, the sync link is IPv4); the end hosts speak only the lab's family.
 */
#define IN_IPV4 (1u << LAB_FAMILY_IPV4)
#define IN_IPV6 (1u << LAB_FAMILY_IPV6)
#define IN_DUAL (1u << LAB_FAMILY_DUAL)
#define IN_ANY  (IN_IPV4 | IN_IPV6 | IN_DUAL)
#define IN_V4   (IN_IPV4 | IN_DUAL)   /* the end hosts speak IPv4 */
#define IN_V6   (IN_IPV6 | IN_DUAL)   /* IPv6 is on */

static int in_family(unsigned families, enum lab_family f)
{
	return (families & (1u << f)) != 0;
}

static const struct addr_plan {
	enum lab_role role;
	const char *ifname;
	const char *cidr;
	unsigned families;
} addrs[] = {
	{ ROLE_CLIENT, LAB_IF_HOST, LAB_CLIENT_ADDR "/24", IN_V4 },
	{ ROLE_FW1, LAB_IF_LAN, LAB_FW1_LAN "/24", IN_ANY },
	{ ROLE_FW1, LAB_IF_WAN, LAB_FW1_WAN "/24", IN_ANY },
	{ ROLE_FW1, LAB_IF_SYNC, LAB_FW1_SYNC "/24", IN_ANY },
	{ ROLE_FW2, LAB_IF_LAN, LAB_FW2_LAN "/24", IN_ANY },
	{ ROLE_FW2, LAB_IF_WAN, LAB_FW2_WAN "/24", IN_ANY },
	{ ROLE_FW2, LAB_IF_SYNC, LAB_FW2_SYNC "/24", IN_ANY },
	{ ROLE_SERVER, LAB_IF_HOST, LAB_SERVER_ADDR "/24", IN_V4 },
	/* rtnl_addr_add sets IFA_F_NODAD: usable at once, no DAD delay. */
	{ ROLE_CLIENT, LAB_IF_HOST, LAB_CLIENT_ADDR6 "/64", IN_V6 },
	{ ROLE_FW1, LAB_IF_LAN, LAB_FW1_LAN6 "/64", IN_V6 },
	{ ROLE_FW1, LAB_IF_WAN, LAB_FW1_WAN6 "/64", IN_V6 },
	{ ROLE_FW2, LAB_IF_LAN, LAB_FW2_LAN6 "/64", IN_V6 },
	{ ROLE_FW2, LAB_IF_WAN, LAB_FW2_WAN6 "/64", IN_V6 },
	{ ROLE_SERVER, LAB_IF_HOST, LAB_SERVER_ADDR6 "/64", IN_V6 },
};

/* The end hosts reach each other's subnet through the virtual IPs only. */
static const struct route_plan {
	enum lab_role role;
	const char *dst, *via;
	unsigned families;
} routes[] = {
	{ ROLE_CLIENT, LAB_WAN_NET, LAB_LAN_VIP, IN_V4 },
	{ ROLE_SERVER, LAB_LAN_NET, LAB_WAN_VIP, IN_V4 },
	{ ROLE_CLIENT, LAB_WAN_NET6, LAB_LAN_VIP6, IN_V6 },
	{ ROLE_SERVER, LAB_LAN_NET6, LAB_WAN_VIP6, IN_V6 },
};

/*
 * Sysctls. Namespace-wide ones ("all", "default") are written before any
 * link exists, so that every interface is born with them (an IPv6
 * link-local address and its DAD, router solicitations and MLD reports
 * start the moment a link comes up); per-interface ones once the links
 * exist.
 */
enum sysctl_phase {
	BEFORE_LINKS,
	AFTER_LINKS,
};

/* Roles, as bits, for rows that apply to several. */
#define R_HOSTS ((1u << ROLE_CLIENT) | (1u << ROLE_SERVER))
#define R_FWS   ((1u << ROLE_FW1) | (1u << ROLE_FW2))
#define R_BRS   ((1u << ROLE_LAN) | (1u << ROLE_WAN))
#define R_ALL   (R_HOSTS | R_FWS | R_BRS)

static const struct sysctl_plan {
	unsigned roles;     /* bits of enum lab_role */
	unsigned families;
	enum sysctl_phase phase;
	const char *key, *value;
	int optional; /* absent on kernels without the feature */
} sysctls[] = {
	/* IPv4 only: no IPv6 at all, so no ND, RS or MLD noise in the captures. */
	{ R_ALL, IN_IPV4, BEFORE_LINKS, "net/ipv6/conf/all/disable_ipv6", "1", 0 },
	{ R_ALL, IN_IPV4, BEFORE_LINKS, "net/ipv6/conf/default/disable_ipv6", "1", 0 },
	/* The bridge hosts only switch; they need no IPv6 of their own. */
	{ R_BRS, IN_V6, BEFORE_LINKS, "net/ipv6/conf/all/disable_ipv6", "1", 0 },
	{ R_BRS, IN_V6, BEFORE_LINKS, "net/ipv6/conf/default/disable_ipv6", "1", 0 },
	/* The lab plans every address: no router advertisements, no DAD
	 * (a link-local address in DAD is unusable for about a second). */
	{ R_HOSTS | R_FWS, IN_V6, BEFORE_LINKS, "net/ipv6/conf/default/accept_ra", "0", 0 },
	{ R_HOSTS | R_FWS, IN_V6, BEFORE_LINKS, "net/ipv6/conf/default/accept_dad", "0", 0 },
	{ R_HOSTS | R_FWS, IN_V6, BEFORE_LINKS, "net/ipv6/conf/all/accept_dad", "0", 0 },
	/* IPv6 drops every address of a link that goes down (IPv4 keeps
	 * them): keep them, so that isolating a firewall and restoring it
	 * (failback, the link step) leaves the same addresses as with IPv4. */
	{ R_HOSTS | R_FWS, IN_V6, BEFORE_LINKS, "net/ipv6/conf/all/keep_addr_on_down", "1", 0 },
	{ R_FWS, IN_ANY, AFTER_LINKS, "net/ipv4/ip_forward", "1", 0 },
	{ R_FWS, IN_V6, AFTER_LINKS, "net/ipv6/conf/all/forwarding", "1", 0 },
	/* The sync link stays IPv4 (conntrackd's transport). */
	{ R_FWS, IN_V6, AFTER_LINKS, "net/ipv6/conf/" LAB_IF_SYNC "/disable_ipv6", "1", 0 },
	/* Accept a gratuitous ARP for the virtual IP at once: the default
	 * locktime (1 s) would keep the old firewall's MAC after a failover. */
	{ R_HOSTS, IN_V4, AFTER_LINKS, "net/ipv4/neigh/" LAB_IF_HOST "/locktime", "0", 0 },
	/* The IPv6 analogue: an unsolicited Neighbour Advertisement with the
	 * Override flag replaces the cached MAC of an existing entry at once
	 * (ndisc_recv_na, no locktime in ND) unless drop_unsolicited_na is
	 * set; say so rather than rely on the default. */
	{ R_HOSTS, IN_V6, AFTER_LINKS, "net/ipv6/conf/" LAB_IF_HOST "/drop_unsolicited_na", "0", 0 },
	/* The bridges only switch; keep netfilter out of them. */
	{ R_BRS, IN_ANY, AFTER_LINKS, "net/bridge/bridge-nf-call-iptables", "0", 1 },
	{ R_BRS, IN_V6, AFTER_LINKS, "net/bridge/bridge-nf-call-ip6tables", "0", 1 },
};

/* The virtual IPs, and how each is announced when a firewall takes it. */
static const struct vip_plan {
	const char *ifname, *vip;
	int prefix;
	unsigned families;
	int (*announce)(struct node *n, const char *ifname, const char *addr);
} vips[] = {
	{ LAB_IF_LAN, LAB_LAN_VIP, LAB_PREFIX, IN_ANY, lab_garp },
	{ LAB_IF_WAN, LAB_WAN_VIP, LAB_PREFIX, IN_ANY, lab_garp },
	{ LAB_IF_LAN, LAB_LAN_VIP6, LAB_PREFIX6, IN_V6, lab_na },
	{ LAB_IF_WAN, LAB_WAN_VIP6, LAB_PREFIX6, IN_V6, lab_na },
};

static const struct lab_iface ifaces[] = {
	{ ROLE_CLIENT, LAB_IF_HOST, "client-eth0" },
	{ ROLE_FW1, LAB_IF_LAN, "fw1-lan0" },
	{ ROLE_FW1, LAB_IF_WAN, "fw1-wan0" },
	{ ROLE_FW1, LAB_IF_SYNC, "fw1-sync0" },
	{ ROLE_FW2, LAB_IF_LAN, "fw2-lan0" },
	{ ROLE_FW2, LAB_IF_WAN, "fw2-wan0" },
	{ ROLE_FW2, LAB_IF_SYNC, "fw2-sync0" },
	{ ROLE_SERVER, LAB_IF_HOST, "server-eth0" },
};

static const char *const families[] = {
	[LAB_FAMILY_IPV4] = "ipv4",
	[LAB_FAMILY_IPV6] = "ipv6",
	[LAB_FAMILY_DUAL] = "dual",
};

const char *lab_family_name(enum lab_family f) { return families[f]; }

int lab_family_parse(const char *s)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(families); i++)
		if (strcmp(s, families[i]) == 0)
			return (int)i;
	return -1;
}

const char *lab_role_name(enum lab_role role)
{
	return role < ROLE_COUNT ? role_names[role] : "?";
}

int lab_role_parse(const char *s)
{
	char tmp[16];
	size_t i, j = 0;

	/* "fw-1" and "fw1" both name fw1. */
	for (i = 0; s[i] && j < sizeof(tmp) - 1; i++)
		if (s[i] != '-')
			tmp[j++] = s[i];
	tmp[j] = '\0';
	for (i = 0; i < ROLE_COUNT; i++)
		if (strcmp(tmp, role_names[i]) == 0)
			return (int)i;
	return -1;
}

const struct lab_iface *lab_ifaces(size_t *n)
{
	*n = ARRAY_SIZE(ifaces);
	return ifaces;
}

struct node *lab_node(const struct lab *l, enum lab_role role)
{
	return l->node[role];
}

void lab_free(struct lab *l)
{
	int i;

	if (!l)
		return;
	for (i = 0; i < ROLE_COUNT; i++)
		node_free(l->node[i]);
	free(l);
}

static int with_rtnl(struct lab *l, enum lab_role role, struct rtnl **rt)
{
	*rt = rtnl_open(node_fd(l->node[role]));
	return *rt ? 0 : err_prefix("%s", role_names[role]);
}

/* Write the sysctls of the plan that belong to this phase and family. */
static int apply_sysctls(struct lab *l, enum sysctl_phase phase)
{
	size_t i;
	int role;

	for (i = 0; i < ARRAY_SIZE(sysctls); i++) {
		const struct sysctl_plan *p = &sysctls[i];

		if (p->phase != phase || !in_family(p->families, l->family))
			continue;
		for (role = 0; role < ROLE_COUNT; role++)
			if ((p->roles & (1u << role)) &&
			    node_sysctl(l->node[role], p->key, p->value) < 0 &&
			    !(p->optional && errno == ENOENT))
				return -1;
	}
	return 0;
}

struct lab *lab_up(struct run *r, enum lab_family family)
{
	struct lab *l = xcalloc(1, sizeof(*l));
	struct rtnl *rt[ROLE_COUNT] = { 0 };
	size_t i;
	int role;

	l->run = r;
	l->family = family;
	for (role = 0; role < ROLE_COUNT; role++) {
		l->node[role] = node_new(r, role_names[role]);
		if (!l->node[role] || with_rtnl(l, (enum lab_role)role, &rt[role]) < 0)
			goto out_fail;
	}
	if (apply_sysctls(l, BEFORE_LINKS) < 0)
		goto out_fail;
	if (rtnl_bridge_add(rt[ROLE_LAN], "br0") < 0 || rtnl_bridge_add(rt[ROLE_WAN], "br0") < 0)
		goto out_fail;
	for (i = 0; i < ARRAY_SIZE(links); i++) {
		const struct link_plan *p = &links[i];

		if (rtnl_veth_add(rt[p->a], p->a_if, p->b_if, node_fd(l->node[p->b])) < 0 ||
		    (p->bridge && rtnl_link_master(rt[p->a], p->a_if, p->bridge) < 0) ||
		    rtnl_link_up(rt[p->a], p->a_if, 1) < 0) {
			err_prefix("link %s:%s - %s:%s", role_names[p->a], p->a_if,
				   role_names[p->b], p->b_if);
			goto out_fail;
		}
	}
	if (apply_sysctls(l, AFTER_LINKS) < 0)
		goto out_fail;
	for (i = 0; i < ARRAY_SIZE(addrs); i++) {
		const struct addr_plan *p = &addrs[i];

		if (!in_family(p->families, family))
			continue;
		if (rtnl_addr_add(rt[p->role], p->ifname, p->cidr) < 0 ||
		    rtnl_link_up(rt[p->role], p->ifname, 1) < 0) {
			err_prefix("%s", role_names[p->role]);
			goto out_fail;
		}
	}
	if (rtnl_link_up(rt[ROLE_LAN], "br0", 1) < 0 || rtnl_link_up(rt[ROLE_WAN], "br0", 1) < 0)
		goto out_fail;
	for (i = 0; i < ARRAY_SIZE(routes); i++) {
		if (!in_family(routes[i].families, family))
			continue;
		if (rtnl_route_add(rt[routes[i].role], routes[i].dst, routes[i].via) < 0) {
			err_prefix("%s", role_names[routes[i].role]);
			goto out_fail;
		}
	}
	for (role = 0; role < ROLE_COUNT; role++)
		rtnl_close(rt[role]);
	return l;
out_fail:
	err_prefix("lab");
	for (role = 0; role < ROLE_COUNT; role++)
		rtnl_close(rt[role]);
	lab_free(l);
	return NULL;
}

enum lab_family lab_family_of(const struct lab *l)
{
	return l->family;
}

int lab_family_has_v6(enum lab_family f)
{
	return in_family(IN_V6, f);
}

int lab_link(struct lab *l, enum lab_role role, const char *ifname, int up)
{
	struct rtnl *rt;
	int rc;

	if (with_rtnl(l, role, &rt) < 0)
		return -1;
	rc = rtnl_link_up(rt, ifname, up);
	rtnl_close(rt);
	return rc < 0 ? err_prefix("%s", role_names[role]) : 0;
}

int lab_garp(struct node *n, const char *ifname, const char *addr)
{
	struct {
		struct ether_header eth;
		struct ether_arp arp;
	} __attribute__((packed)) frame;
	struct sockaddr_ll sll = { 0 };
	struct ifreq ifr = { 0 };
	struct in_addr ip;
	int fd, rc = -1;

	if (inet_pton(AF_INET, addr, &ip) != 1)
		return err_set("gratuitous ARP: bad address %s", addr);
	fd = netns_socket(node_fd(n), AF_PACKET, SOCK_RAW, 0);
	if (fd < 0)
		return err_prefix("%s: gratuitous ARP", node_role(n));
	str_copy(ifr.ifr_name, ifname, sizeof(ifr.ifr_name));
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
		err_sys("%s: %s", node_role(n), ifname);
		goto out_close;
	}
	memset(&frame, 0, sizeof(frame));
	memset(frame.eth.ether_dhost, 0xff, ETH_ALEN);
	memcpy(frame.eth.ether_shost, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	frame.eth.ether_type = htons(ETHERTYPE_ARP);
	frame.arp.arp_hrd = htons(ARPHRD_ETHER);
	frame.arp.arp_pro = htons(ETHERTYPE_IP);
	frame.arp.arp_hln = ETH_ALEN;
	frame.arp.arp_pln = 4;
	/* A gratuitous ARP request: sender and target are the address. */
	frame.arp.arp_op = htons(ARPOP_REQUEST);
	memcpy(frame.arp.arp_sha, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	memcpy(frame.arp.arp_spa, &ip, 4);
	memcpy(frame.arp.arp_tpa, &ip, 4);
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETHERTYPE_ARP);
	sll.sll_halen = ETH_ALEN;
	memset(sll.sll_addr, 0xff, ETH_ALEN);
	{
		struct ifreq q = { 0 };

		str_copy(q.ifr_name, ifname, sizeof(q.ifr_name));
		if (ioctl(fd, SIOCGIFINDEX, &q) < 0) {
			err_sys("%s: %s", node_role(n), ifname);
			goto out_close;
		}
		sll.sll_ifindex = q.ifr_ifindex;
	}
	if (sendto(fd, &frame, sizeof(frame), 0, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		err_sys("%s: gratuitous ARP on %s", node_role(n), ifname);
		goto out_close;
	}
	rc = 0;
out_close:
	close(fd);
	return rc;
}

/*
 * An unsolicited Neighbour Advertisement (RFC 4861 7.2.6) for addr, to
 * all nodes, with the Override flag and the target link-layer address, so
 * that every neighbour replaces the MAC it has cached for addr. Router is
 * set as well: the firewalls forward, and the kernel's own advertisements
 * from them carry it (a cleared R flag would turn the neighbour's entry
 * from router to host). Hop limit 255, or receivers drop it (7.1.2).
 */
int lab_na(struct node *n, const char *ifname, const char *addr)
{
	struct {
		struct nd_neighbor_advert na;
		struct nd_opt_hdr opt;
		uint8_t lladdr[ETH_ALEN];
	} __attribute__((packed)) msg;
	struct sockaddr_in6 dst = { .sin6_family = AF_INET6 };
	struct ifreq ifr = { 0 };
	int fd, hops = 255, rc = -1;
	unsigned int ifindex;

	memset(&msg, 0, sizeof(msg));
	if (inet_pton(AF_INET6, addr, &msg.na.nd_na_target) != 1)
		return err_set("neighbour advertisement: bad address %s", addr);
	fd = netns_socket(node_fd(n), AF_INET6, SOCK_RAW, IPPROTO_ICMPV6);
	if (fd < 0)
		return err_prefix("%s: neighbour advertisement", node_role(n));
	str_copy(ifr.ifr_name, ifname, sizeof(ifr.ifr_name));
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
		err_sys("%s: %s", node_role(n), ifname);
		goto out_close;
	}
	memcpy(msg.lladdr, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) {
		err_sys("%s: %s", node_role(n), ifname);
		goto out_close;
	}
	ifindex = (unsigned int)ifr.ifr_ifindex;
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex, sizeof(ifindex)) < 0) {
		err_sys("%s: neighbour advertisement socket", node_role(n));
		goto out_close;
	}
	msg.na.nd_na_type = ND_NEIGHBOR_ADVERT;
	msg.na.nd_na_code = 0;
	msg.na.nd_na_flags_reserved = ND_NA_FLAG_OVERRIDE | ND_NA_FLAG_ROUTER;
	msg.opt.nd_opt_type = ND_OPT_TARGET_LINKADDR;
	msg.opt.nd_opt_len = 1; /* in units of 8 bytes: type, length, MAC */
	/* The kernel fills in the ICMPv6 checksum on raw ICMPv6 sockets. */
	inet_pton(AF_INET6, "ff02::1", &dst.sin6_addr);
	dst.sin6_scope_id = ifindex;
	if (sendto(fd, &msg, sizeof(msg), 0, (struct sockaddr *)&dst, sizeof(dst)) < 0) {
		err_sys("%s: neighbour advertisement on %s", node_role(n), ifname);
		goto out_close;
	}
	rc = 0;
out_close:
	close(fd);
	return rc;
}

int lab_vips(struct lab *l, enum lab_role fw, int up)
{
	struct rtnl *rt;
	char cidr[64];
	size_t i;
	int rc = -1, held;

	if (with_rtnl(l, fw, &rt) < 0)
		return -1;
	for (i = 0; i < ARRAY_SIZE(vips); i++) {
		const struct vip_plan *p = &vips[i];

		if (!in_family(p->families, l->family))
			continue;
		if (str_fmt(cidr, sizeof(cidr), "%s/%d", p->vip, p->prefix) < 0)
			goto out_close;
		if (up) {
			if (rtnl_addr_add(rt, p->ifname, cidr) < 0 || p->announce(l->node[fw], p->ifname, p->vip) < 0)
				goto out_close;
			continue;
		}
		/* Release what is held: an isolated firewall may have lost some. */
		held = lab_has_addr(l->node[fw], p->vip);
		if (held < 0 || (held && rtnl_addr_del(rt, p->ifname, cidr) < 0))
			goto out_close;
	}
	rc = 0;
out_close:
	rtnl_close(rt);
	return rc < 0 ? err_prefix("%s: virtual IPs", role_names[fw]) : 0;
}

int lab_has_vips(struct lab *l, enum lab_role fw)
{
	size_t i;
	int held;

	for (i = 0; i < ARRAY_SIZE(vips); i++) {
		if (!in_family(vips[i].families, l->family))
			continue;
		held = lab_has_addr(l->node[fw], vips[i].vip);
		if (held != 1)
			return held;
	}
	return 1;
}

/* Binary form of an address: family, and 16 bytes room. */
struct addr_bin {
	int family;
	uint8_t bytes[16];
};

static int has_addr_cb(void *arg)
{
	const struct addr_bin *want = arg;
	struct ifaddrs *ifa, *i;
	const void *a;
	size_t len;
	int found = 0;

	if (getifaddrs(&ifa) < 0)
		return err_sys("getifaddrs");
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != want->family)
			continue;
		if (want->family == AF_INET) {
			a = &((struct sockaddr_in *)i->ifa_addr)->sin_addr;
			len = 4;
		} else {
			a = &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
			len = 16;
		}
		if (memcmp(a, want->bytes, len) == 0)
			found = 1;
	}
	freeifaddrs(ifa);
	return found;
}

int lab_has_addr(struct node *n, const char *addr)
{
	struct addr_bin want = { 0 };

	/* Compared in binary: "2001:db8:1::1" and "2001:db8:1:0::1" are one address. */
	if (inet_pton(AF_INET, addr, want.bytes) == 1)
		want.family = AF_INET;
	else if (inet_pton(AF_INET6, addr, want.bytes) == 1)
		want.family = AF_INET6;
	else
		return err_set("'%s' is not an IPv4 or IPv6 address", addr);
	return node_call(n, has_addr_cb, &want);
}
