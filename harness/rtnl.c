/* rtnl: rtnetlink with libmnl. See rtnl.h; after iproute2's ip/iplink.c. */
#include "rtnl.h"
#include "netns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct rtnl {
	struct mnl_socket *nl; /* owned */
	unsigned int portid;
	unsigned int seq;
	int nsfd;              /* not owned */
};

struct rtnl *rtnl_open(int nsfd)
{
	struct rtnl *r = xcalloc(1, sizeof(*r));
	int fd;

	fd = netns_socket(nsfd, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	if (fd < 0)
		goto out_free;
	r->nl = mnl_socket_fdopen(fd);
	if (!r->nl) {
		err_sys("mnl_socket_fdopen");
		close(fd);
		goto out_free;
	}
	if (mnl_socket_bind(r->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err_sys("rtnetlink bind");
		goto out_close;
	}
	r->portid = mnl_socket_get_portid(r->nl);
	r->seq = (unsigned int)time(NULL);
	r->nsfd = nsfd;
	return r;
out_close:
	mnl_socket_close(r->nl);
out_free:
	free(r);
	return NULL;
}

void rtnl_close(struct rtnl *r)
{
	if (!r)
		return;
	mnl_socket_close(r->nl);
	free(r);
}

/* Send nlh (NLM_F_ACK set here) and wait for the ack; cb handles replies. */
static int talk(struct rtnl *r, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int ret;

	nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = ++r->seq;
	if (mnl_socket_sendto(r->nl, nlh, nlh->nlmsg_len) < 0)
		return err_sys("rtnetlink send");
	for (;;) {
		ret = (int)mnl_socket_recvfrom(r->nl, buf, sizeof(buf));
		if (ret < 0)
			return err_sys("rtnetlink receive");
		ret = mnl_cb_run(buf, (size_t)ret, nlh->nlmsg_seq, r->portid, cb, data);
		if (ret < 0)
			return err_sys("rtnetlink");
		if (ret == MNL_CB_STOP)
			return 0;
	}
}

static struct nlmsghdr *link_msg(char *buf, int type, int flags, int index)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifm;

	nlh->nlmsg_type = (uint16_t)type;
	nlh->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = index;
	return nlh;
}

int rtnl_veth_add(struct rtnl *r, const char *name, const char *peer, int peer_nsfd)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
	struct nlattr *linkinfo, *data, *peerinfo;
	struct ifinfomsg *pifm;

	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	peerinfo = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	pifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*pifm));
	memset(pifm, 0, sizeof(*pifm));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)peer_nsfd);
	mnl_attr_nest_end(nlh, peerinfo);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, linkinfo);
	if (talk(r, nlh, NULL, NULL) < 0)
		return err_prefix("veth %s/%s", name, peer);
	return 0;
}

int rtnl_bridge_add(struct rtnl *r, const char *name)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
	struct nlattr *linkinfo, *data;

	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	/* Forward at once: no STP learning delay in a lab. */
	mnl_attr_put_u32(nlh, IFLA_BR_FORWARD_DELAY, 0);
	mnl_attr_put_u32(nlh, IFLA_BR_STP_STATE, 0);
	/* Multicast snooping would hide VRRP and conntrackd's multicast. */
	mnl_attr_put_u8(nlh, IFLA_BR_MCAST_SNOOPING, 0);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, linkinfo);
	if (talk(r, nlh, NULL, NULL) < 0)
		return err_prefix("bridge %s", name);
	return 0;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	int *index = data;

	*index = ifm->ifi_index;
	return MNL_CB_OK;
}

static int ifindex(struct rtnl *r, const char *ifname)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = link_msg(buf, RTM_GETLINK, 0, 0);
	int index = -1;

	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	if (talk(r, nlh, link_cb, &index) < 0)
		return err_prefix("link %s", ifname);
	if (index <= 0)
		return err_set("link %s: no index", ifname);
	return index;
}

int rtnl_ifindex(struct rtnl *r, const char *ifname)
{
	return ifindex(r, ifname);
}

int rtnl_link_master(struct rtnl *r, const char *ifname, const char *master)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int idx, midx = 0;

	idx = ifindex(r, ifname);
	if (idx < 0)
		return -1;
	if (master[0]) {
		midx = ifindex(r, master);
		if (midx < 0)
			return -1;
	}
	nlh = link_msg(buf, RTM_NEWLINK, 0, idx);
	mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)midx);
	if (talk(r, nlh, NULL, NULL) < 0)
		return err_prefix("%s master %s", ifname, master);
	return 0;
}

int rtnl_link_up(struct rtnl *r, const char *ifname, int up)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifm;
	int idx = ifindex(r, ifname);

	if (idx < 0)
		return -1;
	nlh = link_msg(buf, RTM_NEWLINK, 0, idx);
	ifm = mnl_nlmsg_get_payload(nlh);
	ifm->ifi_change = IFF_UP;
	ifm->ifi_flags = up ? IFF_UP : 0;
	if (talk(r, nlh, NULL, NULL) < 0)
		return err_prefix("%s %s", ifname, up ? "up" : "down");
	return 0;
}

int rtnl_link_mac(struct rtnl *r, const char *ifname, const char *mac)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	unsigned int b[6];
	uint8_t hw[6];
	int idx, i;

	if (sscanf(mac, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6)
		return err_set("bad MAC address '%s'", mac);
	for (i = 0; i < 6; i++)
		hw[i] = (uint8_t)b[i];
	idx = ifindex(r, ifname);
	if (idx < 0)
		return -1;
	nlh = link_msg(buf, RTM_NEWLINK, 0, idx);
	mnl_attr_put(nlh, IFLA_ADDRESS, sizeof(hw), hw);
	if (talk(r, nlh, NULL, NULL) < 0)
		return err_prefix("%s address %s", ifname, mac);
	return 0;
}

int rtnl_parse_cidr(const char *cidr, int *family, void *addr, int *plen)
{
	char tmp[INET6_ADDRSTRLEN + 8];
	char *slash, *end;
	long l;

	if (str_copy(tmp, cidr, sizeof(tmp)) >= sizeof(tmp))
		return err_set("address '%s' too long", cidr);
	slash = strchr(tmp, '/');
	if (slash)
		*slash++ = '\0';
	if (inet_pton(AF_INET, tmp, addr) == 1)
		*family = AF_INET;
	else if (inet_pton(AF_INET6, tmp, addr) == 1)
		*family = AF_INET6;
	else
		return err_set("'%s' is not an IPv4 or IPv6 address", tmp);
	if (!slash) {
		*plen = *family == AF_INET ? 32 : 128;
		return 0;
	}
	errno = 0;
	l = strtol(slash, &end, 10);
	if (errno || *end || end == slash || l < 0 || l > (*family == AF_INET ? 32 : 128))
		return err_set("bad prefix length in '%s'", cidr);
	*plen = (int)l;
	return 0;
}

static int addr_req(struct rtnl *r, int type, int flags, const char *ifname, const char *cidr)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	uint8_t addr[16];
	int family, plen, idx;

	if (rtnl_parse_cidr(cidr, &family, addr, &plen) < 0)
		return -1;
	idx = ifindex(r, ifname);
	if (idx < 0)
		return -1;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (uint16_t)type;
	nlh->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)family;
	ifa->ifa_prefixlen = (uint8_t)plen;
	ifa->ifa_index = (uint32_t)idx;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	/* No duplicate address detection: the lab controls every address. */
	ifa->ifa_flags = family == AF_INET6 ? IFA_F_NODAD : 0;
	mnl_attr_put(nlh, IFA_LOCAL, family == AF_INET ? 4 : 16, addr);
	mnl_attr_put(nlh, IFA_ADDRESS, family == AF_INET ? 4 : 16, addr);
	if (talk(r, nlh, NULL, NULL) < 0)
		return err_prefix("%s address %s %s", type == RTM_NEWADDR ? "add" : "del", cidr, ifname);
	return 0;
}

int rtnl_addr_add(struct rtnl *r, const char *ifname, const char *cidr)
{
	return addr_req(r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, ifname, cidr);
}

int rtnl_addr_del(struct rtnl *r, const char *ifname, const char *cidr)
{
	return addr_req(r, RTM_DELADDR, 0, ifname, cidr);
}

int rtnl_route_add(struct rtnl *r, const char *dst, const char *gw)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	uint8_t daddr[16], gaddr[16];
	int family, gfamily, plen, gplen;

	if (rtnl_parse_cidr(dst, &family, daddr, &plen) < 0 ||
	    rtnl_parse_cidr(gw, &gfamily, gaddr, &gplen) < 0)
		return -1;
	if (family != gfamily)
		return err_set("route %s via %s: address families differ", dst, gw);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)family;
	rtm->rtm_dst_len = (uint8_t)plen;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put(nlh, RTA_DST, family == AF_INET ? 4 : 16, daddr);
	mnl_attr_put(nlh, RTA_GATEWAY, family == AF_INET ? 4 : 16, gaddr);
	if (talk(r, nlh, NULL, NULL) < 0)
		return err_prefix("route %s via %s", dst, gw);
	return 0;
}
