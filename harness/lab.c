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
#include <netinet/if_ether.h>
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

static const struct addr_plan {
	enum lab_role role;
	const char *ifname;
	const char *cidr;
} addrs[] = {
	{ ROLE_CLIENT, LAB_IF_HOST, LAB_CLIENT_ADDR "/24" },
	{ ROLE_FW1, LAB_IF_LAN, LAB_FW1_LAN "/24" },
	{ ROLE_FW1, LAB_IF_WAN, LAB_FW1_WAN "/24" },
	{ ROLE_FW1, LAB_IF_SYNC, LAB_FW1_SYNC "/24" },
	{ ROLE_FW2, LAB_IF_LAN, LAB_FW2_LAN "/24" },
	{ ROLE_FW2, LAB_IF_WAN, LAB_FW2_WAN "/24" },
	{ ROLE_FW2, LAB_IF_SYNC, LAB_FW2_SYNC "/24" },
	{ ROLE_SERVER, LAB_IF_HOST, LAB_SERVER_ADDR "/24" },
};

/* The end hosts reach each other's subnet through the virtual IPs only. */
static const struct route_plan {
	enum lab_role role;
	const char *dst, *via;
} routes[] = {
	{ ROLE_CLIENT, LAB_WAN_NET, LAB_LAN_VIP },
	{ ROLE_SERVER, LAB_LAN_NET, LAB_WAN_VIP },
};

static const struct sysctl_plan {
	enum lab_role role;
	const char *key, *value;
	int optional; /* absent on kernels without the feature */
} sysctls[] = {
	{ ROLE_FW1, "net/ipv4/ip_forward", "1", 0 },
	{ ROLE_FW2, "net/ipv4/ip_forward", "1", 0 },
	/* Accept a gratuitous ARP for the virtual IP at once: the default
	 * locktime (1 s) would keep the old firewall's MAC after a failover. */
	{ ROLE_CLIENT, "net/ipv4/neigh/eth0/locktime", "0", 0 },
	{ ROLE_SERVER, "net/ipv4/neigh/eth0/locktime", "0", 0 },
	/* The bridges only switch; keep netfilter out of them. */
	{ ROLE_LAN, "net/bridge/bridge-nf-call-iptables", "0", 1 },
	{ ROLE_WAN, "net/bridge/bridge-nf-call-iptables", "0", 1 },
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
	for (i = 0; i < ARRAY_SIZE(sysctls); i++)
		if (node_sysctl(l->node[sysctls[i].role], sysctls[i].key, sysctls[i].value) < 0 &&
		    !(sysctls[i].optional && errno == ENOENT))
			goto out_fail;
	for (i = 0; i < ARRAY_SIZE(addrs); i++) {
		const struct addr_plan *p = &addrs[i];

		if (rtnl_addr_add(rt[p->role], p->ifname, p->cidr) < 0 ||
		    rtnl_link_up(rt[p->role], p->ifname, 1) < 0) {
			err_prefix("%s", role_names[p->role]);
			goto out_fail;
		}
	}
	if (rtnl_link_up(rt[ROLE_LAN], "br0", 1) < 0 || rtnl_link_up(rt[ROLE_WAN], "br0", 1) < 0)
		goto out_fail;
	for (i = 0; i < ARRAY_SIZE(routes); i++)
		if (rtnl_route_add(rt[routes[i].role], routes[i].dst, routes[i].via) < 0) {
			err_prefix("%s", role_names[routes[i].role]);
			goto out_fail;
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

int lab_vips(struct lab *l, enum lab_role fw, int up)
{
	static const struct {
		const char *ifname, *vip;
	} vips[] = {
		{ LAB_IF_LAN, LAB_LAN_VIP },
		{ LAB_IF_WAN, LAB_WAN_VIP },
	};
	struct rtnl *rt;
	char cidr[64];
	size_t i;
	int rc = -1;

	if (with_rtnl(l, fw, &rt) < 0)
		return -1;
	for (i = 0; i < ARRAY_SIZE(vips); i++) {
		snprintf(cidr, sizeof(cidr), "%s/%d", vips[i].vip, LAB_PREFIX);
		if (up ? rtnl_addr_add(rt, vips[i].ifname, cidr) : rtnl_addr_del(rt, vips[i].ifname, cidr))
			goto out_close;
		if (up && lab_garp(l->node[fw], vips[i].ifname, vips[i].vip) < 0)
			goto out_close;
	}
	rc = 0;
out_close:
	rtnl_close(rt);
	return rc < 0 ? err_prefix("%s: virtual IPs", role_names[fw]) : 0;
}

static int has_addr_cb(void *arg)
{
	const char *want = arg;
	struct ifaddrs *ifa, *i;
	char buf[INET6_ADDRSTRLEN];
	int found = 0;

	if (getifaddrs(&ifa) < 0)
		return err_sys("getifaddrs");
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET)
			continue;
		inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, buf, sizeof(buf));
		if (strcmp(buf, want) == 0)
			found = 1;
	}
	freeifaddrs(ifa);
	return found;
}

int lab_has_addr(struct node *n, const char *addr)
{
	return netns_call(node_fd(n), has_addr_cb, (void *)addr);
}
