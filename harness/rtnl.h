/*
 * rtnl: the rtnetlink requests the lab needs (links, veth pairs, bridges,
 * addresses, routes), sent with libmnl over a socket opened inside the
 * namespace they act on. Every request waits for the kernel's ack, so an
 * error names the request that failed and the kernel's reason.
 */
#ifndef FTFW_RTNL_H
#define FTFW_RTNL_H

#include "util.h"

struct rtnl;

/* A route-netlink socket inside namespace nsfd. New handle or NULL, err set. */
struct rtnl *rtnl_open(int nsfd);
void rtnl_close(struct rtnl *r);

/*
 * A veth pair: name in this handle's namespace, peer named peer_name in
 * namespace peer_nsfd. Nothing is created in any other namespace.
 */
int rtnl_veth_add(struct rtnl *r, const char *name, const char *peer_name, int peer_nsfd) FTFW_WUR;
int rtnl_bridge_add(struct rtnl *r, const char *name) FTFW_WUR;
/* Enslave ifname to bridge master ("" to release). */
int rtnl_link_master(struct rtnl *r, const char *ifname, const char *master) FTFW_WUR;
int rtnl_link_up(struct rtnl *r, const char *ifname, int up) FTFW_WUR;
/* ifindex of ifname, or -1 with err set. */
int rtnl_ifindex(struct rtnl *r, const char *ifname);
/* Set the MAC address ("02:00:00:00:00:01"). */
int rtnl_link_mac(struct rtnl *r, const char *ifname, const char *mac) FTFW_WUR;

/* Add / delete "192.0.2.1/24" or "2001:db8::1/64" on ifname. nodad for v6. */
int rtnl_addr_add(struct rtnl *r, const char *ifname, const char *cidr) FTFW_WUR;
int rtnl_addr_del(struct rtnl *r, const char *ifname, const char *cidr) FTFW_WUR;

/* Route to dst ("198.51.100.0/24") via gw (address text). */
int rtnl_route_add(struct rtnl *r, const char *dst, const char *gw) FTFW_WUR;

/* Parse "addr/len" into family, binary address (16 bytes room) and len. */
int rtnl_parse_cidr(const char *cidr, int *family, void *addr, int *plen) FTFW_WUR;

#endif
