/* failover: direct and keepalived drivers. See failover.h. */
#include "failover.h"
#include "netns.h"
#include "run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEEPALIVED_CONVERGE_MS 15000

/* The primary transition of conntrack-tools' primary-backup.sh. */
static const enum syncd_cmd primary[] = { SYNCD_COMMIT, SYNCD_FLUSH, SYNCD_RESYNC, SYNCD_BULK };

static int isolate(struct lab *l, struct firewall *fw, int up)
{
	enum lab_role role = firewall_role(fw);

	if (lab_link(l, role, LAB_IF_LAN, up) < 0 || lab_link(l, role, LAB_IF_WAN, up) < 0)
		return err_prefix("%s %s", up ? "restore" : "isolate", lab_role_name(role));
	return 0;
}

static int direct(struct lab *l, struct firewall *from, struct firewall *to, struct failover_result *res,
		  int64_t t0)
{
	size_t i;

	if (isolate(l, from, 0) < 0)
		return -1;
	res->isolate_ms = now_ms() - t0;
	for (i = 0; i < ARRAY_SIZE(primary); i++)
		if (syncd_cmd(firewall_syncd(to), primary[i]) < 0)
			return -1;
	res->commit_ms = now_ms() - t0 - res->isolate_ms;
	/* The old firewall's addresses go with it (it is cut off anyway);
	 * releasing removes only what it still holds. */
	if (lab_vips(l, firewall_role(from), 0) < 0)
		return -1;
	return lab_vips(l, firewall_role(to), 1);
}

/* How many MASTER transitions the notify hook has completed on fw. */
static int notify_done(struct firewall *fw)
{
	return firewall_vrrp_done(fw, "MASTER");
}

static int keepalived(struct lab *l, struct firewall *from, struct firewall *to, struct failover_result *res,
		      int64_t t0)
{
	int64_t deadline;
	int before = notify_done(to);

	if (isolate(l, from, 0) < 0)
		return -1;
	res->isolate_ms = now_ms() - t0;
	deadline = now_ms() + KEEPALIVED_CONVERGE_MS;
	/* Every virtual IP of the lab's families: keepalived adds the IPv6
	 * ones (virtual_ipaddress_excluded) after the IPv4 ones. */
	while (!(notify_done(to) > before && lab_has_vips(l, firewall_role(to)) == 1)) {
		if (now_ms() > deadline)
			return err_set("keepalived: %s did not become MASTER within %d ms (see %s-keepalived.log)",
				       lab_role_name(firewall_role(to)), KEEPALIVED_CONVERGE_MS,
				       lab_role_name(firewall_role(to)));
		sleep_ms(10);
	}
	res->commit_ms = now_ms() - t0 - res->isolate_ms;
	return 0;
}

static const struct failover_ops {
	const char *name;
	int (*run)(struct lab *l, struct firewall *from, struct firewall *to, struct failover_result *res,
		   int64_t t0);
} drivers[] = {
	[FAILOVER_DIRECT] = { "direct", direct },
	[FAILOVER_KEEPALIVED] = { "keepalived", keepalived },
};

int failover_run(struct lab *l, struct firewall *from, struct firewall *to, enum failover_driver d,
		 struct failover_result *res)
{
	int64_t t0 = now_ms();

	memset(res, 0, sizeof(*res));
	if (drivers[d].run(l, from, to, res, t0) < 0)
		return err_prefix("failover (%s) %s -> %s", drivers[d].name,
				  lab_role_name(firewall_role(from)), lab_role_name(firewall_role(to)));
	res->total_ms = now_ms() - t0;
	return 0;
}

int failover_restore(struct lab *l, struct firewall *fw)
{
	return isolate(l, fw, 1);
}
