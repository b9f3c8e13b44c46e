/*
 * counters: named nft counters over nf_tables netlink. See counters.h.
 *
 * One NFT_MSG_GETOBJ request (table, name, type NFT_OBJECT_COUNTER,
 * family NFPROTO_INET, NLM_F_ACK) on a NETLINK_NETFILTER socket made in the
 * namespace; the kernel answers with NFT_MSG_NEWOBJ and an ack, or with an
 * error. nf_tables_getobj answers ENOENT both for a missing table and for
 * a missing object, and tells them apart only in the extended ack
 * (NL_SET_BAD_ATTR on NFTA_OBJ_TABLE or NFTA_OBJ_NAME), so the socket asks
 * for extended acks and the reader maps the reported attribute offset back
 * to the attribute of its own request.
 */
#include "counters.h"
#include "netns.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/object.h>

#define NAME_MAX_LEN 255  /* NFT_TABLE_MAXNAMELEN / NFT_OBJ_MAXNAMELEN - 1 */
#define REPLY_TIMEOUT_S 2 /* the kernel answers at once; never block for ever */

struct reply {
	const struct nlmsghdr *req; /* our request, to map an ack's offset */
	struct nftnl_obj *obj;      /* filled from NFT_MSG_NEWOBJ (a fresh object:
				     * libnftnl 1.2.4's parse leaks strings it
				     * overwrites) */
	int got;
	int bad_attr;               /* NFTA_OBJ_* the ack blamed; -1 if none */
};

/* The type of the attribute at byte offset offs of our request, or -1. */
static int req_attr_at(const struct nlmsghdr *req, uint32_t offs)
{
	const struct nlattr *attr;

	mnl_attr_for_each(attr, req, sizeof(struct nfgenmsg))
		if ((uint32_t)((const char *)attr - (const char *)req) == offs)
			return mnl_attr_get_type(attr);
	return -1;
}

static int ext_ack_cb(const struct nlattr *attr, void *data)
{
	struct reply *r = data;

	if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_OFFS &&
	    mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
		r->bad_attr = req_attr_at(r->req, mnl_attr_get_u32(attr));
	return MNL_CB_OK;
}

/* NLMSG_ERROR: an ack (stop) or an error (errno, and the blamed attribute). */
static int error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	struct reply *r = data;
	size_t hlen = sizeof(*e);
	int err;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (e->error == 0)
		return MNL_CB_STOP;
	err = e->error < 0 ? -e->error : e->error;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			hlen += mnl_nlmsg_get_payload_len(&e->msg);
		mnl_attr_parse(nlh, (unsigned)hlen, ext_ack_cb, r);
	}
	errno = err;
	return MNL_CB_ERROR;
}

static int obj_cb(const struct nlmsghdr *nlh, void *data)
{
	struct reply *r = data;

	if (nftnl_obj_nlmsg_parse(nlh, r->obj) < 0) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	r->got = 1;
	return MNL_CB_OK;
}

static const char *blamed(int attr)
{
	switch (attr) {
	case NFTA_OBJ_TABLE:
		return "the table does not exist";
	case NFTA_OBJ_NAME:
		return "the table has no counter of that name";
	default:
		return "the table or the counter does not exist";
	}
}

/* An nf_tables netlink socket of namespace nsfd, bound, with extended acks. */
static struct mnl_socket *open_nft(int nsfd)
{
	struct timeval tv = { REPLY_TIMEOUT_S, 0 };
	struct mnl_socket *nl;
	int fd, one = 1;

	fd = netns_socket(nsfd, AF_NETLINK, SOCK_RAW, NETLINK_NETFILTER);
	if (fd < 0)
		return NULL;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		err_sys("SO_RCVTIMEO");
		close(fd);
		return NULL;
	}
	nl = mnl_socket_fdopen(fd);
	if (!nl) {
		err_sys("mnl_socket_fdopen");
		close(fd);
		return NULL;
	}
	/* Without extended acks a missing table and a missing counter look alike. */
	if (mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one)) < 0 ||
	    mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err_sys("netlink socket set-up");
		mnl_socket_close(nl);
		return NULL;
	}
	return nl;
}

int counter_read(int nsfd, const char *table, const char *name, uint64_t *packets,
		 uint64_t *bytes)
{
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = { [NLMSG_ERROR] = error_cb };
	char buf[MNL_SOCKET_BUFFER_SIZE];
	char req[1024] = { 0 }; /* header and two names of at most 255 bytes; zeroed: no padding garbage sent */
	struct reply r = { NULL, NULL, 0, -1 };
	struct mnl_socket *nl = NULL;
	struct nftnl_obj *q = NULL; /* the request */
	struct nlmsghdr *nlh;
	uint32_t seq = (uint32_t)now_ms(), portid;
	ssize_t n;
	int rc = -1, cb = MNL_CB_OK, e;

	if (!table[0] || !name[0] || strlen(table) > NAME_MAX_LEN || strlen(name) > NAME_MAX_LEN) {
		errno = EINVAL;
		err_set("empty or longer than %d name", NAME_MAX_LEN);
		goto out;
	}
	q = nftnl_obj_alloc();
	r.obj = nftnl_obj_alloc();
	if (!q || !r.obj) {
		err_sys("nftnl_obj_alloc");
		goto out_free;
	}
	nl = open_nft(nsfd);
	if (!nl)
		goto out_free;
	portid = mnl_socket_get_portid(nl);

	nftnl_obj_set_str(q, NFTNL_OBJ_TABLE, table);
	nftnl_obj_set_str(q, NFTNL_OBJ_NAME, name);
	nftnl_obj_set_u32(q, NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
	nlh = nftnl_nlmsg_build_hdr(req, NFT_MSG_GETOBJ, NFPROTO_INET, NLM_F_ACK, seq);
	nftnl_obj_nlmsg_build_payload(nlh, q);
	r.req = nlh;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		err_sys("netlink send");
		goto out_close;
	}
	while (cb > MNL_CB_STOP) {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0) {
			err_sys("netlink receive");
			goto out_close;
		}
		cb = mnl_cb_run2(buf, (size_t)n, seq, portid, obj_cb, &r, ctl, ARRAY_SIZE(ctl));
	}
	if (cb == MNL_CB_ERROR) {
		if (errno == ENOENT)
			err_sys("%s", blamed(r.bad_attr));
		else
			err_sys("NFT_MSG_GETOBJ");
		goto out_close;
	}
	if (!r.got) {
		errno = EPROTO;
		err_sys("acknowledged without a counter");
		goto out_close;
	}
	if (packets)
		*packets = nftnl_obj_get_u64(r.obj, NFTNL_OBJ_CTR_PKTS);
	if (bytes)
		*bytes = nftnl_obj_get_u64(r.obj, NFTNL_OBJ_CTR_BYTES);
	rc = 0;
out_close:
	e = errno;
	mnl_socket_close(nl);
	errno = e;
out_free:
	if (q)
		nftnl_obj_free(q);
	if (r.obj)
		nftnl_obj_free(r.obj);
out:
	if (rc < 0) {
		e = errno;
		err_prefix("counter %s in table inet %s", name, table);
		errno = e;
	}
	return rc;
}
