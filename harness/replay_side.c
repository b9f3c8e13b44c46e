/*
 * replay_side: the two lab sides a replay plays (raw sockets and a capture
 * inside each endpoint's namespace) and the quiet table that keeps the
 * endpoints' own stacks out of the conversation. See replay_int.h.
 */
#include "replay_int.h"
#include "counters.h"
#include "netns.h"
#include "rewrite.h"
#include "run.h"
#include "trace.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libnet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
/* ---- the quiet table ---- */

/*
 * In the endpoints: incoming TCP on eth0 dropped at prerouting priority
 * raw (before the stack, after AF_PACKET taps), and whatever RST (not
 * ours: ours carry REPLAY_MARK) or ICMP destination-unreachable the stack
 * would still send. The counters say how much was held back.
 */
static int quiet_one(struct node *n, int on)
{
	char file[64], text[1536];
	int rc;

	if (str_fmt(file, sizeof(file), "%s-replay-quiet.nft", node_role(n)) < 0)
		return -1;
	if (on)
		rc = str_fmt(text, sizeof(text),
			     "# replayed flows: the endpoint's own stack stays out (ftfw-lab replay.c)\n"
			     "add table inet " QUIET_TABLE "\n"
			     "flush table inet " QUIET_TABLE "\n"
			     "table inet " QUIET_TABLE " {\n"
			     "\tcounter held_in { }\n"
			     "\tcounter quieted { }\n"
			     "\tchain pre {\n"
			     "\t\ttype filter hook prerouting priority raw; policy accept;\n"
			     "\t\tiifname \"" LAB_IF_HOST "\" meta l4proto tcp counter name \"held_in\" drop\n"
			     "\t}\n"
			     "\tchain out {\n"
			     "\t\ttype filter hook output priority raw; policy accept;\n"
			     "\t\tmeta mark != 0x%08x tcp flags & rst == rst counter name \"quieted\" drop\n"
			     "\t\ticmp type destination-unreachable counter name \"quieted\" drop\n"
			     "\t\ticmpv6 type destination-unreachable counter name \"quieted\" drop\n"
			     "\t}\n"
			     "}\n", REPLAY_MARK);
	else
		rc = str_fmt(text, sizeof(text), "add table inet " QUIET_TABLE "\ndelete table inet " QUIET_TABLE "\n");
	if (rc < 0 || node_nft_load(n, file, text, 10000) < 0)
		return err_prefix("%s: quiet table", node_role(n));
	return 0;
}

int replay_quiet(struct lab *l, int on)
{
	if (quiet_one(lab_node(l, ROLE_CLIENT), on) < 0 || quiet_one(lab_node(l, ROLE_SERVER), on) < 0)
		return -1;
	return 0;
}

/* ---- sides: raw sockets and captures inside the endpoint namespaces ---- */

struct open_args {
	struct side *s;
	int v4, v6;
	char *errbuf;
};

static int open_side_cb(void *arg)
{
	struct open_args *a = arg;
	struct side *s = a->s;
	struct bpf_program prog;
	char ebuf[PCAP_ERRBUF_SIZE];
	uint32_t mark = REPLAY_MARK;
	struct ifreq ifr;
	int k, rc;

	for (k = 0; k < 2; k++) {
		if (!(k ? a->v6 : a->v4))
			continue;
		s->ln[k] = libnet_init(k ? LIBNET_RAW6 : LIBNET_RAW4, NULL, a->errbuf);
		if (!s->ln[k])
			return err_set("libnet_init(%s): %s", k ? "RAW6" : "RAW4", a->errbuf);
		if (setsockopt(libnet_getfd(s->ln[k]), SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) < 0)
			return err_sys("SO_MARK");
		memset(&ifr, 0, sizeof(ifr));
		str_copy(ifr.ifr_name, LAB_IF_HOST, sizeof(ifr.ifr_name));
		if (ioctl(libnet_getfd(s->ln[k]), SIOCGIFMTU, &ifr) < 0)
			return err_sys("%s: MTU", LAB_IF_HOST);
		s->mtu = ifr.ifr_mtu;
	}
	s->pc = pcap_create(LAB_IF_HOST, ebuf);
	if (!s->pc)
		return err_set("pcap_create: %s", ebuf);
	if (pcap_set_snaplen(s->pc, SNAPLEN) != 0 || pcap_set_immediate_mode(s->pc, 1) != 0 ||
	    pcap_set_buffer_size(s->pc, PCAP_BUFFER) != 0)
		return err_set("pcap options: %s", pcap_geterr(s->pc));
	rc = pcap_activate(s->pc);
	if (rc < 0)
		return err_set("pcap_activate: %s", pcap_geterr(s->pc));
	if (pcap_setdirection(s->pc, PCAP_D_IN) != 0)
		return err_set("pcap_setdirection: %s", pcap_geterr(s->pc));
	if (pcap_compile(s->pc, &prog, "tcp", 1, PCAP_NETMASK_UNKNOWN) != 0)
		return err_set("pcap_compile: %s", pcap_geterr(s->pc));
	rc = pcap_setfilter(s->pc, &prog);
	pcap_freecode(&prog);
	if (rc != 0)
		return err_set("pcap_setfilter: %s", pcap_geterr(s->pc));
	if (pcap_setnonblock(s->pc, 1, ebuf) != 0)
		return err_set("pcap_setnonblock: %s", ebuf);
	s->fd = pcap_get_selectable_fd(s->pc);
	return s->fd < 0 ? err_set("pcap: no selectable descriptor") : 0;
}

void rp_side_close(struct side *s)
{
	int k;

	for (k = 0; k < 2; k++)
		if (s->ln[k])
			libnet_destroy(s->ln[k]);
	if (s->pc)
		pcap_close(s->pc);
	memset(s, 0, sizeof(*s));
}

static int set_lab_addr(struct ep *e, int family, const char *text)
{
	memset(e, 0, sizeof(*e));
	e->family = family;
	if (inet_pton(family, text, e->addr) != 1)
		return err_set("bad lab address %s", text);
	return 0;
}

int rp_side_open(struct replay *r, int k)
{
	enum lab_family fam = lab_family_of(r->lab);
	struct side *s = &r->side[k];
	struct open_args a = { s, fam != LAB_FAMILY_IPV6, lab_family_has_v6(fam), r->errbuf };

	s->node = lab_node(r->lab, k == SIDE_CLIENT ? ROLE_CLIENT : ROLE_SERVER);
	if (a.v4 && set_lab_addr(&s->lab[0], AF_INET, k == SIDE_CLIENT ? LAB_CLIENT_ADDR : LAB_SERVER_ADDR) < 0)
		return -1;
	if (a.v6 && set_lab_addr(&s->lab[1], AF_INET6, k == SIDE_CLIENT ? LAB_CLIENT_ADDR6 : LAB_SERVER_ADDR6) < 0)
		return -1;
	if (node_call(s->node, open_side_cb, &a) < 0)
		return err_prefix("%s", rp_side_names[k]);
	return 0;
}
