/* ctnl: a ctnetlink handle opened inside a namespace. See ctnl.h. */
#include "ctnl.h"

#include <errno.h>

#include "netns.h"

struct open_args {
	uint8_t subsys;
	unsigned groups;
	struct nfct_handle *h;
};

/* Runs inside the namespace: the handle's netlink socket stays bound there. */
static int open_in_ns(void *p)
{
	struct open_args *a = p;

	a->h = nfct_open(a->subsys, a->groups);
	if (!a->h)
		return err_sys("nfct_open(%s)", a->subsys == CONNTRACK ? "conntrack" : "expect");
	return 0;
}

struct nfct_handle *ctnl_open(int nsfd, uint8_t subsys, unsigned groups)
{
	struct open_args a = { subsys, groups, NULL };

	return netns_call(nsfd, open_in_ns, &a) < 0 ? NULL : a.h;
}

void ctnl_close(struct nfct_handle *h)
{
	int e = errno;

	if (h)
		nfct_close(h);
	errno = e;
}
