/*
 * counters: read a named nftables counter object (`counter related { }`
 * in `table inet ftfw`, see firewall.c) from a namespace's kernel, over
 * nf_tables netlink (libnftnl + libmnl, NFT_MSG_GETOBJ), so that a scenario
 * can say "the related rule saw 3 packets" without running nft and parsing
 * its text. The read does not reset the counter. The netlink socket is
 * opened inside the namespace; the caller's namespace is unchanged.
 */
#ifndef FTFW_COUNTERS_H
#define FTFW_COUNTERS_H

#include <stdint.h>
#include "util.h"

/*
 * Read counter object name of table (family inet) in namespace nsfd into
 * *packets and *bytes (either may be NULL). Returns 0, or -1 with err set
 * and errno:
 *   ENOENT  no such table, or no counter of that name in it (the message
 *           says which one the kernel reported missing)
 *   EINVAL  an empty or over-long table or counter name
 *   other   from entering the namespace or from netlink
 */
int counter_read(int nsfd, const char *table, const char *name, uint64_t *packets,
		 uint64_t *bytes) FTFW_WUR;

#endif
