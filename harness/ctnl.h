/*
 * ctnl: a ctnetlink handle (libnetfilter_conntrack) opened inside a
 * network namespace. Its netlink socket is made there and stays bound to
 * that namespace, so the dumps and creates done through it see that
 * namespace's conntrack and expectation tables, whichever namespace the
 * caller is in afterwards.
 */
#ifndef FTFW_CTNL_H
#define FTFW_CTNL_H

#include <stdint.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include "util.h"

/* A handle on subsys (CONNTRACK or EXPECT) in namespace nsfd, subscribed
 * to groups (0 for none). The caller owns it: ctnl_close(). NULL with err
 * set ("nfct_open(expect): ..."). */
struct nfct_handle *ctnl_open(int nsfd, uint8_t subsys, unsigned groups) FTFW_WUR;

/* Close h keeping errno (for an error path that reports it). NULL is ok. */
void ctnl_close(struct nfct_handle *h);

#endif
