/*
 * test_session: session.c and the inspect report as tables. The public
 * captures (../shared/pcaps, from the repository root), one row each with
 * what tcpdump shows in them; then conversations written here as pcap
 * files, one row each: a list of TCP segments (handshakes, commands,
 * replies, data) with how each is captured (normally, twice, late, not at
 * all, cut by the snapshot length), and what session_scan() must find.
 */
#include <arpa/inet.h>
#include <check.h>
#include "testlib.h"
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "session.h"

#define PCAPS "../shared/pcaps/"

#define assert_has(hay, needle) \
	ck_assert_msg(strstr((hay), (needle)) != NULL, "'%s' not found in '%s'", (needle), (hay))

#define NOTE(k) (1u << (SESSION_NOTE_##k))

/* Bit set of the note kinds of se, and whether one of them contains text. */
static unsigned note_kinds(const struct session *se, const char *text, int *found)
{
	unsigned kinds = 0;
	size_t i;

	*found = text == NULL;
	for (i = 0; i < se->nnotes; i++) {
		kinds |= 1u << se->notes[i].kind;
		if (text && strstr(se->notes[i].text, text))
			*found = 1;
		ck_assert_int_eq(se->notes[i].blocking,
				 se->notes[i].kind == SESSION_NOTE_TLS ||
				 se->notes[i].kind == SESSION_NOTE_BINARY ||
				 se->notes[i].kind == SESSION_NOTE_MIDSTREAM ||
				 se->notes[i].kind == SESSION_NOTE_TRUNCATED ||
				 se->notes[i].kind == SESSION_NOTE_GAP ||
				 se->notes[i].kind == SESSION_NOTE_NOT_OPENED);
		if (i > 0)
			ck_assert_uint_le(se->notes[i - 1].packet, se->notes[i].packet);
	}
	return kinds;
}

static const char *peer(const struct session_peer *p, char *buf)
{
	return session_peer_str(p, buf, SESSION_PEER_STRLEN);
}

/* ---- the public captures ---- */

struct public_case {
	const char *name;
	const char *client, *server;
	enum session_by by;
	uint64_t packets, first, last;
	uint64_t c2s, s2c;          /* control bytes each way */
	size_t ncmds;
	size_t cmd_i;               /* one command checked: */
	const char *cmd_text;       /* its text starts with this */
	size_t cmd_len, verb_len;
	int cmd_reply;
	size_t nann;
	unsigned opened;            /* bit i: ann[i] opened */
	const char *ann0;           /* ann[0].ep */
	uint64_t ann0_packet;
	const char *data0;          /* ann[0].data.client -> server, when opened */
	uint64_t data0_first, data0_last, data0_packets;
	unsigned notes;             /* the note kinds, exactly */
	const char *note_text;      /* in one of the notes */
	uint64_t encrypted_after;
	const char *inspect[4];     /* lines the inspect report has */
};

static const struct public_case public_cases[] = {
	{ "fake-server-delays-all.pcap", "127.0.0.1:37950", "127.0.0.1:21", SESSION_BY_HANDSHAKE,
	  41, 1, 41, 98, 261, 8, 4, "PASV", 4, 4, 227, 0, 0, NULL, 0, NULL, 0, 0, 0,
	  NOTE(BAD_ANNOUNCE), "packet 16: PORT 'PORT 114,115': expected 6 numbers", 0,
	  { "session 1: 127.0.0.1:37950 -> 127.0.0.1:21 (client told by handshake)",
	    "#4      USER anonymous -> 230", "#12     PASV -> 227", "announced data endpoints: 0" } },
	{ "ftp-with-numbers-in-filename.pcap", "192.168.21.95:54089", "164.107.123.6:21",
	  SESSION_BY_PORT, 57, 1, 797, 223, 649, 13, 12, "RETR /mirror/internic/rfc/rfc1001.txt", 37, 4,
	  226, 4, 0xf, "164.107.123.6:47035", 3, "192.168.21.95:54092 -> 164.107.123.6:47035", 6, 21, 9,
	  NOTE(MIDSTREAM) | NOTE(UNFINISHED), "capture starts mid-session (no SYN)", 0,
	  { "(client told by port 21)", "#618    227 164.107.123.6:47045 (client connects): opened, "
	    "192.168.21.95:54095 -> 164.107.123.6:47045, packets 621-798 (167), 0 + 154427 bytes",
	    "cannot replay:\n    - capture starts mid-session (no SYN): first packet 1",
	    "#630    RETR /mirror/internic/rfc/rfc1001.txt -> 150, 226" } },
	{ "ipv6-retr-samba.pcap", "[2001:470:1f05:17a6:213:72ff:fe0d:a566]:16730",
	  "[2001:6f8:200:1::5:33]:21", SESSION_BY_HANDSHAKE, 37, 1, 37, 174, 547, 12, 10, "EPSV", 4, 4,
	  229, 1, 0, "[2001:6f8:200:1::5:33]:63282", 29, NULL, 0, 0, 0, NOTE(NOT_OPENED),
	  "data connection announced at packet 29 (229 [2001:6f8:200:1::5:33]:63282) never opened", 0,
	  { "0 IPv4, 37 IPv6", "#29     229 [2001:6f8:200:1::5:33]:63282 (client connects): never opened",
	    "#16     MODE S -> 200", NULL } },
	{ "bigtransfer.pcap", "192.168.56.1:59762", "192.168.56.101:21", SESSION_BY_HANDSHAKE, 49, 1,
	  83, 104, 1041, 12, 9, "RETR rand.txt", 13, 4, 226, 2, 0x3, "192.168.56.101:63988", 20,
	  "192.168.56.1:59763 -> 192.168.56.101:63988", 22, 33, 9, NOTE(DATA_MISSING),
	  "(packets 45-72): 5416642848 of 5416666670 bytes not in the capture", 0,
	  { "TCP flows: 3", "packets 45-72 (25), 0 + 23822 bytes", "#25     LIST -> 150, 226", NULL } },
	{ "fake-long-commands.pcap", "127.0.0.1:58634", "127.0.0.1:21", SESSION_BY_HANDSHAKE, 40, 1,
	  40, 358, 313, 9, 3, "TYPEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE", 132, 132, 200, 0, 0, NULL, 0, NULL,
	  0, 0, 0, NOTE(BAD_ANNOUNCE), "227 '227 Response to PASV command': no address", 0,
	  { "#18     TYPEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE... (verb of 132 bytes) -> 200",
	    "#26     SYSTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTT... (verb of 132 bytes) -> 215",
	    "#32     PORT 114,115 -> 200", NULL } },
	{ "ftp-invalid-reply-code.pcap", "127.0.0.1:51354", "127.0.0.1:21", SESSION_BY_HANDSHAKE, 23, 1,
	  23, 34, 71, 4, 2, "PASV", 4, 4, -1, 0, 0, NULL, 0, NULL, 0, 0, 0, NOTE(BAD_REPLY),
	  "invalid reply at packet 16: '99 PASV invalid'", 0,
	  { "#14     PASV -> invalid reply", "#18     QUIT -> 221", NULL, NULL } },
	{ "ftp-auth-tls.pcap", "127.0.0.1:40284", "127.0.0.1:21", SESSION_BY_HANDSHAKE, 84, 1, 84, 1133,
	  3314, 2, 1, "AUTH TLS", 8, 4, 234, 0, 0, NULL, 0, NULL, 0, 0, 0, NOTE(TLS),
	  "AUTH TLS: control channel encrypted after packet 21", 21,
	  { "commands: 2\n    #6      FEAT -> 211\n    #20     AUTH TLS -> 234\n",
	    "cannot replay:\n    - AUTH TLS: control channel encrypted after packet 21", NULL, NULL } },
};

static int have_pcaps(void)
{
	struct stat st;

	if (stat(PCAPS, &st) == 0 && S_ISDIR(st.st_mode))
		return 1;
	return 0;
}

START_TEST(test_public)
{
	const struct public_case *c = &public_cases[_i];
	char path[256], a[SESSION_PEER_STRLEN], b[SESSION_PEER_STRLEN], both[2 * SESSION_PEER_STRLEN + 8];
	const struct session *se;
	const struct session_trace *ti;
	struct session_set *s;
	size_t i;
	int found;

	if (!have_pcaps()) {
		tl_skip("%s: %s not found (run from the repository root)", c->name, PCAPS);
		return;
	}
	snprintf(path, sizeof(path), PCAPS "%s", c->name);
	s = session_scan(path);
	ck_assert_msg(s != NULL, "%s: %s", c->name, err_get());
	ti = session_trace_info(s);
	ck_assert_str_eq(ti->linktype_name, "EN10MB");
	ck_assert_uint_eq(session_count(s), 1);
	ck_assert_uint_eq(session_other_count(s), 0);
	se = session_get(s, 0);
	ck_assert_ptr_null(session_get(s, 1));
	ck_assert_str_eq(peer(&se->ctl.client, a), c->client);
	ck_assert_str_eq(peer(&se->ctl.server, a), c->server);
	ck_assert_int_eq(se->ctl.by, c->by);
	ck_assert_uint_eq(se->ctl.packets, c->packets);
	ck_assert_uint_eq(se->ctl.first, c->first);
	ck_assert_uint_eq(se->ctl.last, c->last);
	ck_assert_uint_eq(se->ctl.bytes[SESSION_C2S], c->c2s);
	ck_assert_uint_eq(se->ctl.bytes[SESSION_S2C], c->s2c);
	ck_assert_uint_eq(se->ctl.missing[SESSION_C2S] + se->ctl.missing[SESSION_S2C], 0);
	ck_assert_uint_eq(se->ncmds, c->ncmds);
	ck_assert_uint_eq(se->commands, c->ncmds);
	ck_assert_msg(strncmp(se->cmds[c->cmd_i].text, c->cmd_text, strlen(c->cmd_text)) == 0,
		      "%s: command %zu is '%s'", c->name, c->cmd_i, se->cmds[c->cmd_i].text);
	ck_assert_uint_eq(se->cmds[c->cmd_i].len, c->cmd_len);
	ck_assert_uint_eq(se->cmds[c->cmd_i].verb_len, c->verb_len);
	ck_assert_int_eq(se->cmds[c->cmd_i].reply, c->cmd_reply);
	for (i = 0; i + 1 < se->ncmds; i++)
		ck_assert_uint_lt(se->cmds[i].packet, se->cmds[i + 1].packet);
	ck_assert_uint_eq(se->nann, c->nann);
	for (i = 0; i < se->nann; i++)
		ck_assert_msg(!se->ann[i].opened == !(c->opened & (1u << i)), "%s: announce %zu opened %d",
			      c->name, i, se->ann[i].opened);
	if (c->ann0) {
		ck_assert_str_eq(peer(&se->ann[0].ep, a), c->ann0);
		ck_assert_uint_eq(se->ann[0].packet, c->ann0_packet);
	}
	if (c->data0) {
		snprintf(both, sizeof(both), "%s -> %s", peer(&se->ann[0].data.client, a),
			 peer(&se->ann[0].data.server, b));
		ck_assert_str_eq(both, c->data0);
		ck_assert_uint_eq(se->ann[0].data.first, c->data0_first);
		ck_assert_uint_eq(se->ann[0].data.last, c->data0_last);
		ck_assert_uint_eq(se->ann[0].data.packets, c->data0_packets);
	}
	ck_assert_uint_eq(note_kinds(se, c->note_text, &found), c->notes);
	ck_assert_msg(found, "%s: no note has '%s'", c->name, c->note_text);
	ck_assert_uint_eq(se->encrypted_after, c->encrypted_after);
	session_set_free(s);
}
END_TEST

START_TEST(test_public_inspect)
{
	const struct public_case *c = &public_cases[_i];
	char path[256], *text = NULL;
	size_t len = 0, i;
	FILE *out;

	if (!have_pcaps()) {
		tl_skip("%s: %s not found (run from the repository root)", c->name, PCAPS);
		return;
	}
	snprintf(path, sizeof(path), PCAPS "%s", c->name);
	out = open_memstream(&text, &len);
	ck_assert_ptr_nonnull(out);
	ck_assert_msg(session_inspect(path, out) == 0, "%s", err_get());
	fclose(out);
	assert_has(text, "file: ../shared/pcaps/");
	assert_has(text, "format: pcap, link type EN10MB (1)");
	assert_has(text, "FTP sessions: 1\n");
	for (i = 0; i < ARRAY_SIZE(c->inspect) && c->inspect[i]; i++)
		assert_has(text, c->inspect[i]);
	free(text);
}
END_TEST

/* ---- conversations written here ---- */

enum mode {
	M_SEND,  /* captured once */
	M_DUP,   /* captured twice (a retransmission) */
	M_LATER, /* captured after the next segment (out of order) */
	M_LOST,  /* sent but not captured */
	M_CUT,   /* captured without its last 4 bytes (snapshot length) */
};

struct end {
	const char *addr;
	uint16_t port;
};

struct conn {
	struct end c, s; /* who connects, who accepts */
};

struct step {
	int conn;           /* -1 ends the list */
	int from_s;         /* sent by conns[conn].s */
	uint8_t flags;
	const char *text;
	enum mode mode;
	int repeat;         /* text repeated this many times (0: once) */
};

#define PA (TRACE_PSH | TRACE_ACK)
#define HANDSHAKE(n) { n, 0, TRACE_SYN, NULL, M_SEND, 0 }, \
		     { n, 1, TRACE_SYN | TRACE_ACK, NULL, M_SEND, 0 }, \
		     { n, 0, TRACE_ACK, NULL, M_SEND, 0 }
#define CLOSE(n) { n, 0, TRACE_FIN | TRACE_ACK, NULL, M_SEND, 0 }, \
		 { n, 1, TRACE_FIN | TRACE_ACK, NULL, M_SEND, 0 }, \
		 { n, 0, TRACE_ACK, NULL, M_SEND, 0 }
#define C(n, t) { n, 0, PA, t, M_SEND, 0 }
#define S(n, t) { n, 1, PA, t, M_SEND, 0 }
#define CM(n, t, m) { n, 0, PA, t, m, 0 }
#define SM(n, t, m) { n, 1, PA, t, m, 0 }
#define END { -1, 0, 0, NULL, M_SEND, 0 }
#define X4000 { 0, 0, PA, "X", M_SEND, 4000 }

#define CTL4 { { "10.0.0.1", 40000 }, { "10.0.0.2", 21 } }
#define CTL6 { { "2001:db8::1", 40000 }, { "2001:db8::2", 21 } }
#define LO { { "127.0.0.1", 40000 }, { "127.0.0.1", 21 } }
#define LOGIN(n) S(n, "220 ready\r\n"), C(n, "USER ftp\r\n"), S(n, "331 password\r\n"), \
		 C(n, "PASS x\r\n"), S(n, "230 in\r\n")

struct conv_case {
	const char *name;
	uint32_t linktype;         /* 1 Ethernet, 113 SLL, 276 SLL2, 101 raw, 0 BSD null */
	uint32_t isn;              /* first client ISN (others follow from it) */
	struct conn conns[3];
	struct step steps[48];
	/* what must be found */
	size_t sessions;
	const char *client, *server; /* of the first session */
	enum session_by by;
	size_t ncmds;
	size_t cmd_i;
	const char *cmd_text;
	int cmd_reply;
	size_t nann;
	unsigned opened;
	const char *data0;           /* ann[0].data: client -> server */
	unsigned notes;
	const char *note_text;
	size_t others;
};

static const struct conv_case conv_cases[] = {
	{ "active PORT, Ethernet", 1, 1000,
	  { CTL4, { { "10.0.0.2", 20 }, { "10.0.0.1", 40001 } } },
	  { HANDSHAKE(0), LOGIN(0), C(0, "PORT 10,0,0,1,156,65\r\n"), S(0, "200 ok\r\n"),
	    C(0, "RETR f\r\n"), S(0, "150 go\r\n"), HANDSHAKE(1), C(1, "data data"), CLOSE(1),
	    S(0, "226 done\r\n"), C(0, "QUIT\r\n"), S(0, "221 bye\r\n"), CLOSE(0), END },
	  1, "10.0.0.1:40000", "10.0.0.2:21", SESSION_BY_HANDSHAKE, 5, 3, "RETR f", 226, 1, 1,
	  "10.0.0.2:20 -> 10.0.0.1:40001", 0, NULL, 0 },
	{ "PASV, Linux cooked v1", 113, 1000,
	  { CTL4, { { "10.0.0.1", 40002 }, { "10.0.0.2", 50000 } } },
	  { HANDSHAKE(0), LOGIN(0), C(0, "PASV\r\n"), S(0, "227 Entering Passive Mode (10,0,0,2,195,80).\r\n"),
	    HANDSHAKE(1), C(0, "LIST\r\n"), S(0, "150 here\r\n"), S(1, "a\r\nb\r\n"), CLOSE(1),
	    S(0, "226 done\r\n"), CLOSE(0), END },
	  1, "10.0.0.1:40000", "10.0.0.2:21", SESSION_BY_HANDSHAKE, 4, 2, "PASV", 227, 1, 1,
	  "10.0.0.1:40002 -> 10.0.0.2:50000", 0, NULL, 0 },
	{ "EPSV, IPv6, Linux cooked v2", 276, 1000,
	  { CTL6, { { "2001:db8::1", 40003 }, { "2001:db8::2", 50001 } } },
	  { HANDSHAKE(0), LOGIN(0), C(0, "EPSV\r\n"), S(0, "229 Extended Passive Mode (|||50001|)\r\n"),
	    HANDSHAKE(1), C(0, "RETR f\r\n"), S(0, "150 here\r\n"), S(1, "content"), CLOSE(1),
	    S(0, "226 done\r\n"), CLOSE(0), END },
	  1, "[2001:db8::1]:40000", "[2001:db8::2]:21", SESSION_BY_HANDSHAKE, 4, 2, "EPSV", 229, 1, 1,
	  "[2001:db8::1]:40003 -> [2001:db8::2]:50001", 0, NULL, 0 },
	{ "EPRT, IPv6, raw IP", 101, 1000,
	  { CTL6, { { "2001:db8::2", 20 }, { "2001:db8::1", 40004 } } },
	  { HANDSHAKE(0), LOGIN(0), C(0, "EPRT |2|2001:db8::1|40004|\r\n"), S(0, "200 ok\r\n"),
	    C(0, "STOR f\r\n"), S(0, "150 go\r\n"), HANDSHAKE(1), { 1, 1, PA, "upload", M_SEND, 0 },
	    CLOSE(1), S(0, "226 done\r\n"), CLOSE(0), END },
	  1, "[2001:db8::1]:40000", "[2001:db8::2]:21", SESSION_BY_HANDSHAKE, 4, 2, "EPRT |2|2001:db8::1|40004|",
	  200, 1, 1, "[2001:db8::2]:20 -> [2001:db8::1]:40004", 0, NULL, 0 },
	{ "PASV, BSD null", 0, 1000,
	  { CTL4, { { "10.0.0.1", 40002 }, { "10.0.0.2", 50000 } } },
	  { HANDSHAKE(0), C(0, "PASV\r\n"), S(0, "227 =10,0,0,2,195,80\r\n"), HANDSHAKE(1), CLOSE(1),
	    CLOSE(0), END },
	  1, "10.0.0.1:40000", "10.0.0.2:21", SESSION_BY_HANDSHAKE, 1, 0, "PASV", 227, 1, 1,
	  "10.0.0.1:40002 -> 10.0.0.2:50000", 0, NULL, 0 },
	{ "data connection the wrong way", 1, 1000,
	  { CTL4, { { "10.0.0.2", 50000 }, { "10.0.0.1", 40002 } } },
	  { HANDSHAKE(0), C(0, "PASV\r\n"), S(0, "227 (10,0,0,2,195,80)\r\n"), HANDSHAKE(1), CLOSE(1),
	    CLOSE(0), END },
	  1, "10.0.0.1:40000", "10.0.0.2:21", SESSION_BY_HANDSHAKE, 1, 0, "PASV", 227, 1, 0, NULL,
	  NOTE(NOT_OPENED), "data connection announced at packet 5 (227 10.0.0.2:50000) never opened", 1 },
	{ "never opened", 1, 1000, { CTL4 },
	  { HANDSHAKE(0), C(0, "PASV\r\n"), S(0, "227 (10,0,0,2,195,80)\r\n"), C(0, "QUIT\r\n"),
	    S(0, "221 bye\r\n"), CLOSE(0), END },
	  1, "10.0.0.1:40000", "10.0.0.2:21", SESSION_BY_HANDSHAKE, 2, 1, "QUIT", 221, 1, 0, NULL,
	  NOTE(NOT_OPENED), "never opened", 0 },
	{ "mid-session, passive", 1, 1000,
	  { CTL4, { { "10.0.0.1", 40002 }, { "10.0.0.2", 50000 } } },
	  { C(0, "PASV\r\n"), S(0, "227 (10,0,0,2,195,80)\r\n"), HANDSHAKE(1), C(0, "LIST\r\n"),
	    S(0, "150 here\r\n"), END },
	  1, "10.0.0.1:40000", "10.0.0.2:21", SESSION_BY_PORT, 2, 1, "LIST", 0, 1, 1,
	  "10.0.0.1:40002 -> 10.0.0.2:50000", NOTE(MIDSTREAM) | NOTE(UNFINISHED),
	  "capture starts mid-session (no SYN): first packet 1", 0 },
	{ "mid-session data connection", 1, 1000,
	  { CTL4, { { "10.0.0.1", 40002 }, { "10.0.0.2", 50000 } } },
	  { C(0, "PASV\r\n"), S(0, "227 (10,0,0,2,195,80)\r\n"), { 1, 1, PA, "data", M_SEND, 0 }, END },
	  1, "10.0.0.1:40000", "10.0.0.2:21", SESSION_BY_PORT, 1, 0, "PASV", 227, 1, 1,
	  "10.0.0.1:40002 -> 10.0.0.2:50000", NOTE(MIDSTREAM) | NOTE(UNFINISHED), NULL, 0 },
	{ "loopback, both ends one address", 1, 1000,
	  { LO, { { "127.0.0.1", 40001 }, { "127.0.0.1", 50000 } } },
	  { HANDSHAKE(0), LOGIN(0), C(0, "PASV\r\n"), S(0, "227 (127,0,0,1,195,80)\r\n"), HANDSHAKE(1),
	    CLOSE(1), CLOSE(0), END },
	  1, "127.0.0.1:40000", "127.0.0.1:21", SESSION_BY_HANDSHAKE, 3, 2, "PASV", 227, 1, 1,
	  "127.0.0.1:40001 -> 127.0.0.1:50000", 0, NULL, 0 },
	{ "loopback mid-session, server first", 1, 1000, { LO },
	  { S(0, "200 ok\r\n"), C(0, "PASV\r\n"), S(0, "227 (127,0,0,1,195,80)\r\n"), END },
	  1, "127.0.0.1:40000", "127.0.0.1:21", SESSION_BY_PORT, 1, 0, "PASV", 227, 1, 0, NULL,
	  NOTE(MIDSTREAM) | NOTE(UNFINISHED) | NOTE(NOT_OPENED), NULL, 0 },
	{ "both ends port 21, replies tell", 1, 1000,
	  { { { "10.0.0.1", 21 }, { "10.0.0.2", 21 } } },
	  { S(0, "220 ready\r\n"), C(0, "USER x\r\n"), S(0, "331 pw\r\n"), END },
	  1, "10.0.0.1:21", "10.0.0.2:21", SESSION_BY_REPLIES, 1, 0, "USER x", 331, 0, 0, NULL,
	  NOTE(MIDSTREAM) | NOTE(UNFINISHED), NULL, 0 },
	{ "retransmission", 1, 1000, { CTL4 },
	  { HANDSHAKE(0), LOGIN(0), CM(0, "PASV\r\n", M_DUP), SM(0, "227 (10,0,0,2,195,80)\r\n", M_DUP),
	    CLOSE(0), END },
	  1, "10.0.0.1:40000", "10.0.0.2:21", SESSION_BY_HANDSHAKE, 3, 2, "PASV", 227, 1, 0, NULL,
	  NOTE(NOT_OPENED), NULL, 0 },
	{ "out of order", 1, 1000, { CTL4 },
	  { HANDSHAKE(0), CM(0, "USER ftp\r\n", M_LATER), C(0, "PASS x\r\n"), S(0, "331 pw\r\n"),
	    S(0, "230 in\r\n"), CLOSE(0), END },
	  1, "10.0.0.1:40000", "10.0.0.2:21", SESSION_BY_HANDSHAKE, 2, 0, "USER ftp", 331, 0, 0, NULL,
	  0, NULL, 0 },
	{ "a line in two segments", 1, 1000, { CTL4 },
	  { HANDSHAKE(0), C(0, "PA"), C(0, "SV\r\n"), S(0, "227 (10,0,"), S(0, "0,2,195,80)\r\n"),
	    CLOSE(0), END },
	  1, "10.0.0.1:40000", "10.0.0.2:21", SESSION_BY_HANDSHAKE, 1, 0, "PASV", 227, 1, 0, NULL,
	  NOTE(NOT_OPENED), "announced at packet 7", 0 },
	{ "segment not captured", 1, 1000, { CTL4 },
	  { HANDSHAKE(0), CM(0, "USER ftp\r\n", M_LOST), C(0, "PASS x\r\n"), CLOSE(0), END },
	  1, "10.0.0.1:40000", "10.0.0.2:21", SESSION_BY_HANDSHAKE, 1, 0, "PASS x", 0, 0, 0, NULL,
	  NOTE(GAP), "10 bytes client->server missing from the capture", 0 },
	{ "a hole the window cannot bridge", 1, 1000, { CTL4 },
	  { HANDSHAKE(0), CM(0, "USER x\r\n", M_LOST), X4000, X4000, X4000, X4000, X4000, X4000, X4000,
	    X4000, X4000, X4000, X4000, X4000, X4000, X4000, X4000, X4000, X4000, C(0, "\r\nPASS y\r\n"),
	    CLOSE(0), END },
	  1, "10.0.0.1:40000", "10.0.0.2:21", SESSION_BY_HANDSHAKE, 2, 1, "PASS y", 0, 0, 0, NULL,
	  NOTE(GAP) | NOTE(LONG_LINE), "8 bytes client->server missing from the capture before packet 20",
	  0 },
	{ "payload cut by snaplen", 1, 1000, { CTL4 },
	  { HANDSHAKE(0), CM(0, "USER ftp\r\n", M_CUT), C(0, "PASS x\r\n"), CLOSE(0), END },
	  1, "10.0.0.1:40000", "10.0.0.2:21", SESSION_BY_HANDSHAKE, 1, 0, "PASS x", 0, 0, 0, NULL,
	  NOTE(TRUNCATED), "payload truncated by snaplen (6 of 10 bytes) at packet 4", 0 },
	{ "sequence numbers wrap", 1, 0xfffffff0u,
	  { CTL4, { { "10.0.0.1", 40002 }, { "10.0.0.2", 50000 } } },
	  { HANDSHAKE(0), S(0, "220 ready\r\n"), C(0, "USER ftp\r\n"), S(0, "331 password\r\n"),
	    CM(0, "PASS x\r\n", M_DUP), /* crosses 2^32, and is sent again */
	    S(0, "230 in\r\n"), C(0, "PASV\r\n"), S(0, "227 (10,0,0,2,195,80)\r\n"), HANDSHAKE(1),
	    S(1, "0123456789"), S(1, "0123456789"), CLOSE(1), CLOSE(0), END },
	  1, "10.0.0.1:40000", "10.0.0.2:21", SESSION_BY_HANDSHAKE, 3, 2, "PASV", 227, 1, 1,
	  "10.0.0.1:40002 -> 10.0.0.2:50000", 0, NULL, 0 },
	{ "a flow to the endpoint before the announcement", 1, 1000,
	  { CTL4, { { "10.0.0.1", 40002 }, { "10.0.0.2", 50000 } },
	    { { "10.0.0.1", 40003 }, { "10.0.0.2", 50000 } } },
	  { HANDSHAKE(0), HANDSHAKE(1), CLOSE(1), C(0, "PASV\r\n"), S(0, "227 (10,0,0,2,195,80)\r\n"),
	    HANDSHAKE(2), CLOSE(2), CLOSE(0), END },
	  1, "10.0.0.1:40000", "10.0.0.2:21", SESSION_BY_HANDSHAKE, 1, 0, "PASV", 227, 1, 1,
	  "10.0.0.1:40003 -> 10.0.0.2:50000", 0, NULL, 1 },
	{ "AUTH TLS", 1, 1000, { CTL4 },
	  { HANDSHAKE(0), S(0, "220 ready\r\n"), C(0, "AUTH TLS\r\n"), S(0, "234 go\r\n"),
	    C(0, "\x16\x03\x01\x00\x05hello"), S(0, "\x16\x03\x03\x00\x02hi"), C(0, "PASV\r\n"),
	    S(0, "227 (10,0,0,2,195,80)\r\n"), CLOSE(0), END },
	  1, "10.0.0.1:40000", "10.0.0.2:21", SESSION_BY_HANDSHAKE, 1, 0, "AUTH TLS", 234, 0, 0, NULL,
	  NOTE(TLS), "AUTH TLS: control channel encrypted after packet 6", 0 },
	{ "AUTH refused", 1, 1000, { CTL4 },
	  { HANDSHAKE(0), C(0, "AUTH TLS\r\n"), S(0, "504 no\r\n"), C(0, "PASV\r\n"),
	    S(0, "227 (10,0,0,2,195,80)\r\n"), CLOSE(0), END },
	  1, "10.0.0.1:40000", "10.0.0.2:21", SESSION_BY_HANDSHAKE, 2, 1, "PASV", 227, 1, 0, NULL,
	  NOTE(NOT_OPENED), NULL, 0 },
	{ "binary on the control channel", 1, 1000, { CTL4 },
	  { HANDSHAKE(0), C(0, "USER x\r\n"), C(0, "\x16\x03\x01\x00\x05hello\r\n"), C(0, "PASV\r\n"),
	    CLOSE(0), END },
	  1, "10.0.0.1:40000", "10.0.0.2:21", SESSION_BY_HANDSHAKE, 1, 0, "USER x", 0, 0, 0, NULL,
	  NOTE(BINARY), "client->server control channel unreadable from packet 5", 0 },
	{ "long line", 1, 1000, { CTL4 },
	  { HANDSHAKE(0), { 0, 0, PA, "X", M_SEND, 5000 }, C(0, " arg\r\n"), S(0, "500 what\r\n"),
	    C(0, "QUIT\r\n"), CLOSE(0), END },
	  1, "10.0.0.1:40000", "10.0.0.2:21", SESSION_BY_HANDSHAKE, 2, 1, "QUIT", 0, 0, 0, NULL,
	  NOTE(LONG_LINE), "line of 5004 bytes at packet 5", 0 },
	{ "invalid reply code", 1, 1000, { CTL4 },
	  { HANDSHAKE(0), C(0, "PASV\r\n"), S(0, "99 what\r\n"), C(0, "QUIT\r\n"), S(0, "221 bye\r\n"),
	    CLOSE(0), END },
	  1, "10.0.0.1:40000", "10.0.0.2:21", SESSION_BY_HANDSHAKE, 2, 1, "QUIT", 221, 0, 0, NULL,
	  NOTE(BAD_REPLY), "invalid reply at packet 5: '99 what'", 0 },
	{ "bad PORT", 1, 1000, { CTL4 },
	  { HANDSHAKE(0), C(0, "PORT 1,2,3\r\n"), S(0, "501 bad\r\n"), CLOSE(0), END },
	  1, "10.0.0.1:40000", "10.0.0.2:21", SESSION_BY_HANDSHAKE, 1, 0, "PORT 1,2,3", 501, 0, 0, NULL,
	  NOTE(BAD_ANNOUNCE), "packet 4: PORT 'PORT 1,2,3': expected 6 numbers", 0 },
	{ "multi-line reply", 1, 1000, { CTL4 },
	  { HANDSHAKE(0), C(0, "USER x\r\n"),
	    S(0, "230-Welcome\r\n227 (10,0,0,2,195,80)\r\n 229 (|||5|)\r\n230 ok\r\n"), C(0, "SYST\r\n"),
	    S(0, "215 UNIX\r\n"), CLOSE(0), END },
	  1, "10.0.0.1:40000", "10.0.0.2:21", SESSION_BY_HANDSHAKE, 2, 0, "USER x", 230, 0, 0, NULL,
	  0, NULL, 0 },
	{ "pipelined, greeting after the commands", 1, 1000, { CTL4 },
	  { HANDSHAKE(0), C(0, "USER x\r\n"), C(0, "SYST\r\n"), S(0, "220 hi\r\n"), S(0, "331 pw\r\n"),
	    S(0, "215 UNIX\r\n"), CLOSE(0), END },
	  1, "10.0.0.1:40000", "10.0.0.2:21", SESSION_BY_HANDSHAKE, 2, 1, "SYST", 215, 0, 0, NULL,
	  0, NULL, 0 },
	{ "reply to a command before the capture", 1, 1000, { CTL4 },
	  { SM(0, "200 ok\r\n", M_LATER), C(0, "SYST\r\n"), S(0, "215 UNIX\r\n"), END },
	  1, "10.0.0.1:40000", "10.0.0.2:21", SESSION_BY_PORT, 1, 0, "SYST", 215, 0, 0, NULL,
	  NOTE(MIDSTREAM) | NOTE(UNFINISHED), NULL, 0 },
	{ "same 5-tuple reused", 1, 1000,
	  { CTL4, { { "10.0.0.1", 40002 }, { "10.0.0.2", 50000 } },
	    { { "10.0.0.1", 40002 }, { "10.0.0.2", 50000 } } },
	  { HANDSHAKE(0), C(0, "PASV\r\n"), S(0, "227 (10,0,0,2,195,80)\r\n"), HANDSHAKE(1), CLOSE(1),
	    C(0, "PASV\r\n"), S(0, "227 (10,0,0,2,195,80)\r\n"), HANDSHAKE(2), CLOSE(2), CLOSE(0), END },
	  1, "10.0.0.1:40000", "10.0.0.2:21", SESSION_BY_HANDSHAKE, 2, 1, "PASV", 227, 2, 3,
	  "10.0.0.1:40002 -> 10.0.0.2:50000", 0, NULL, 0 },
	{ "data missing from the capture", 1, 1000,
	  { CTL4, { { "10.0.0.1", 40002 }, { "10.0.0.2", 50000 } } },
	  { HANDSHAKE(0), C(0, "PASV\r\n"), S(0, "227 (10,0,0,2,195,80)\r\n"), HANDSHAKE(1),
	    SM(1, "0123456789", M_LOST), S(1, "0123456789"), CLOSE(1), CLOSE(0), END },
	  1, "10.0.0.1:40000", "10.0.0.2:21", SESSION_BY_HANDSHAKE, 1, 0, "PASV", 227, 1, 1,
	  "10.0.0.1:40002 -> 10.0.0.2:50000", NOTE(DATA_MISSING), "10 of 20 bytes not in the capture", 0 },
	{ "no FTP at all", 1, 1000,
	  { { { "10.0.0.1", 40000 }, { "10.0.0.2", 80 } } },
	  { HANDSHAKE(0), C(0, "GET / HTTP/1.0\r\n\r\n"), CLOSE(0), END },
	  0, NULL, NULL, SESSION_BY_HANDSHAKE, 0, 0, NULL, 0, 0, 0, NULL, 0, NULL, 1 },
	{ "two sessions", 1, 1000,
	  { CTL4, { { "10.0.0.3", 40000 }, { "10.0.0.2", 21 } } },
	  { HANDSHAKE(1), C(1, "USER b\r\n"), HANDSHAKE(0), C(0, "USER a\r\n"), CLOSE(0), CLOSE(1), END },
	  2, "10.0.0.3:40000", "10.0.0.2:21", SESSION_BY_HANDSHAKE, 1, 0, "USER b", 0, 0, 0, NULL,
	  0, NULL, 0 },
};

/* Where each end of each connection is in its sequence space. */
struct wire {
	uint32_t next[3][2];
	int linktype;
	FILE *fp;
	uint32_t k;
};

struct frame {
	uint8_t d[8192];
	size_t n;
};

static void fput(struct frame *f, const void *p, size_t n)
{
	if (n == 0)
		return; /* p may be NULL then */
	ck_assert_uint_le(f->n + n, sizeof(f->d));
	memcpy(f->d + f->n, p, n);
	f->n += n;
}

static void fput16(struct frame *f, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	fput(f, b, 2);
}

static void fput32(struct frame *f, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	fput(f, b, 4);
}

/* The frame of one step into f; moves the sender's sequence number on. */
static void build(const struct conv_case *c, const struct step *st, struct wire *w, struct frame *f)
{
	const struct conn *cn = &c->conns[st->conn];
	const struct end *src = st->from_s ? &cn->s : &cn->c, *dst = st->from_s ? &cn->c : &cn->s;
	int v6 = strchr(src->addr, ':') != NULL, rep = st->repeat ? st->repeat : 1, i;
	size_t tlen = st->text ? strlen(st->text) : 0, plen = tlen * (size_t)rep;
	uint32_t *seq = &w->next[st->conn][st->from_s], ack = w->next[st->conn][!st->from_s];
	uint8_t a[16];
	uint16_t etype = v6 ? 0x86DD : 0x0800;

	f->n = 0;
	switch (w->linktype) {
	case 1:
		fput(f, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02", 12);
		fput16(f, etype);
		break;
	case 113:
		fput(f, "\x00\x00\x00\x01\x00\x06\x02\x00\x00\x00\x00\x01\x00\x00", 14);
		fput16(f, etype);
		break;
	case 276:
		fput16(f, etype);
		fput(f, "\x00\x00\x00\x00\x00\x02\x00\x01\x00\x06\x02\x00\x00\x00\x00\x01\x00\x00", 18);
		break;
	case 0:
		fput(f, v6 ? "\x1e\x00\x00\x00" : "\x02\x00\x00\x00", 4);
		break;
	}
	if (!v6) {
		fput16(f, 0x4500);
		fput16(f, (uint16_t)(20 + 20 + plen));
		fput32(f, 0x00014000);
		fput16(f, 0x4006);
		fput16(f, 0);
		ck_assert_int_eq(inet_pton(AF_INET, src->addr, a), 1);
		fput(f, a, 4);
		ck_assert_int_eq(inet_pton(AF_INET, dst->addr, a), 1);
		fput(f, a, 4);
	} else {
		fput32(f, 0x60000000);
		fput16(f, (uint16_t)(20 + plen));
		fput16(f, 0x0640);
		ck_assert_int_eq(inet_pton(AF_INET6, src->addr, a), 1);
		fput(f, a, 16);
		ck_assert_int_eq(inet_pton(AF_INET6, dst->addr, a), 1);
		fput(f, a, 16);
	}
	fput16(f, src->port);
	fput16(f, dst->port);
	fput32(f, *seq);
	fput32(f, (st->flags & TRACE_ACK) ? ack : 0);
	fput16(f, (uint16_t)(0x5000 | st->flags));
	fput16(f, 512);
	fput32(f, 0);
	for (i = 0; i < rep; i++)
		fput(f, st->text, tlen);
	*seq += (uint32_t)plen + !!(st->flags & TRACE_SYN) + !!(st->flags & TRACE_FIN);
}

static void record(struct wire *w, const struct frame *f, size_t cut)
{
	uint32_t h[4] = { 1700000000u + w->k, w->k, (uint32_t)(f->n - cut), (uint32_t)f->n };

	w->k++;
	ck_assert_uint_eq(fwrite(h, sizeof(h), 1, w->fp), 1);
	ck_assert_uint_eq(fwrite(f->d, f->n - cut, 1, w->fp), 1);
}

static void write_conv(const struct conv_case *c, const char *path)
{
	/* host byte order throughout: the magic tells readers which that is */
	struct { uint32_t magic; uint16_t major, minor; uint32_t zone, sigfigs, snaplen, linktype; }
		hdr = { 0xa1b2c3d4, 2, 4, 0, 0, 65535, c->linktype };
	struct wire w = { .linktype = (int)c->linktype, .k = 0 };
	struct frame f, later;
	int held = 0;
	size_t i;

	for (i = 0; i < 3; i++) {
		w.next[i][0] = c->isn + 100000u * (uint32_t)i;
		w.next[i][1] = 3000000000u + 100000u * (uint32_t)i;
	}
	w.fp = fopen(path, "wb");
	ck_assert_ptr_nonnull(w.fp);
	ck_assert_uint_eq(sizeof(hdr), 24);
	ck_assert_uint_eq(fwrite(&hdr, sizeof(hdr), 1, w.fp), 1);
	for (i = 0; c->steps[i].conn >= 0; i++) {
		const struct step *st = &c->steps[i];

		build(c, st, &w, &f);
		switch (st->mode) {
		case M_SEND:
			record(&w, &f, 0);
			break;
		case M_DUP:
			record(&w, &f, 0);
			record(&w, &f, 0);
			break;
		case M_LATER:
			later = f;
			held = 1;
			continue;
		case M_LOST:
			break;
		case M_CUT:
			record(&w, &f, 4);
			break;
		}
		if (held) {
			record(&w, &later, 0);
			held = 0;
		}
	}
	ck_assert_int_eq(fclose(w.fp), 0);
}

static char tmpdir[64];

static void make_dir(void)
{
	tl_tmpdir_make(tmpdir, sizeof(tmpdir), "test_session");
}

/* Unchecked teardown: a failed case may have left its file. */
static void remove_dir(void)
{
	tl_tmpdir_remove(tmpdir);
}

START_TEST(test_conv)
{
	const struct conv_case *c = &conv_cases[_i];
	char path[128], a[SESSION_PEER_STRLEN], b[SESSION_PEER_STRLEN], both[2 * SESSION_PEER_STRLEN + 8];
	const struct session *se;
	struct session_set *s;
	int found;

	snprintf(path, sizeof(path), "%s/conv%d.pcap", tmpdir, _i);
	write_conv(c, path);
	s = session_scan(path);
	ck_assert_msg(s != NULL, "%s: %s", c->name, err_get());
	ck_assert_uint_eq(session_count(s), c->sessions);
	ck_assert_uint_eq(session_other_count(s), c->others);
	if (c->sessions) {
		se = session_get(s, 0);
		ck_assert_str_eq(peer(&se->ctl.client, a), c->client);
		ck_assert_str_eq(peer(&se->ctl.server, a), c->server);
		ck_assert_int_eq(se->ctl.by, c->by);
		ck_assert_uint_eq(se->ncmds, c->ncmds);
		ck_assert_str_eq(se->cmds[c->cmd_i].text, c->cmd_text);
		ck_assert_int_eq(se->cmds[c->cmd_i].reply, c->cmd_reply);
		ck_assert_uint_eq(se->nann, c->nann);
		for (size_t i = 0; i < se->nann; i++)
			ck_assert_msg(!se->ann[i].opened == !(c->opened & (1u << i)),
				      "%s: announce %zu opened %d", c->name, i, se->ann[i].opened);
		if (c->data0) {
			snprintf(both, sizeof(both), "%s -> %s", peer(&se->ann[0].data.client, a),
				 peer(&se->ann[0].data.server, b));
			ck_assert_str_eq(both, c->data0);
		}
		ck_assert_uint_eq(note_kinds(se, c->note_text, &found), c->notes);
		ck_assert_msg(found, "%s: no note has '%s'", c->name, c->note_text);
	}
	session_set_free(s);
	ck_assert_int_eq(unlink(path), 0);
}
END_TEST

/* ---- errors, and the report's outline ---- */

struct bad_case {
	const char *name;
	const char *bytes;
	size_t len;
	const char *err;
};

static const struct bad_case bad_cases[] = {
	{ "empty", "", 0, "empty file" },
	{ "text", "220 not a capture\r\n", 19, "not a pcap or pcapng file (bad magic" },
	{ "link type 147", "\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00"
			   "\xff\xff\x00\x00\x93\x00\x00\x00", 24, "link type 147 (USER0) not supported" },
	{ "truncated packet", "\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00"
			      "\xff\xff\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00"
			      "\x40\x00\x00\x00\x40\x00\x00\x00\x02\x00", 42, "truncated at packet 1" },
};

START_TEST(test_bad_file)
{
	const struct bad_case *c = &bad_cases[_i];
	char path[128], *text = NULL;
	size_t len = 0;
	FILE *out;

	snprintf(path, sizeof(path), "%s/bad%d.pcap", tmpdir, _i);
	ck_assert_int_eq(file_write(path, c->bytes, c->len, 0600), 0);
	err_clear();
	ck_assert_ptr_null(session_scan(path));
	assert_has(err_get(), c->err);
	out = open_memstream(&text, &len);
	ck_assert_ptr_nonnull(out);
	err_clear();
	ck_assert_int_eq(session_inspect(path, out), -1);
	fclose(out);
	assert_has(err_get(), path);
	assert_has(err_get(), c->err);
	ck_assert_uint_eq(len, 0); /* nothing printed for a bad file */
	free(text);
	ck_assert_int_eq(unlink(path), 0);
}
END_TEST

/* The report of a conversation with a malformed packet and another flow. */
START_TEST(test_inspect_outline)
{
	static const struct conv_case c = { "outline", 1, 1000,
		{ LO, { { "127.0.0.1", 50001 }, { "127.0.0.1", 80 } } },
		{ HANDSHAKE(0), C(0, "PASV\r\n"), S(0, "227 (127,0,0,1,195,80)\r\n"), HANDSHAKE(1),
		  { 0, 0, PA, "X", M_SEND, 60 }, C(0, "\r\n"), END },
		0, NULL, NULL, SESSION_BY_HANDSHAKE, 0, 0, NULL, 0, 0, 0, NULL, 0, NULL, 0 };
	char path[128], *text = NULL;
	size_t len = 0;
	FILE *out;

	snprintf(path, sizeof(path), "%s/outline.pcap", tmpdir);
	write_conv(&c, path);
	out = open_memstream(&text, &len);
	ck_assert_ptr_nonnull(out);
	ck_assert_msg(session_inspect(path, out) == 0, "%s", err_get());
	fclose(out);
	assert_has(text, "format: pcap, link type EN10MB (1), snapshot length 65535\n");
	assert_has(text, "packets: 10 (10 IPv4, 0 IPv6, 10 TCP, 0 UDP), 0 cut by the snapshot length\n");
	assert_has(text, "packets not used: 0\n");
	assert_has(text, "TCP flows: 2\n");
	assert_has(text, "session 1: 127.0.0.1:40000 -> 127.0.0.1:21 (client told by handshake)\n");
	assert_has(text, "  packets: 7 (1-10), client sent 68 bytes, server 24\n");
	assert_has(text, "    #4      PASV -> 227\n");
	assert_has(text, "    #10     XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX... (verb of 60 bytes) -> no reply captured\n");
	assert_has(text, "    #5      227 127.0.0.1:50000 (client connects): never opened\n");
	assert_has(text, "cannot replay:\n    - data connection announced at packet 5 (227 127.0.0.1:50000) never opened\n");
	assert_has(text, "other TCP flows (neither FTP control nor announced data): 1\n"
			 "  127.0.0.1:50001 -> 127.0.0.1:80, packets 6-8 (3), 0 + 0 bytes\n");
	free(text);
	ck_assert_int_eq(unlink(path), 0);
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(session_note_name(SESSION_NOTE_TLS), "encrypted");
	ck_assert_str_eq(session_note_name((enum session_note_kind)99), "?");
	ck_assert_str_eq(session_by_str(SESSION_BY_PORT), "port 21");
	ck_assert_str_eq(session_by_str((enum session_by)99), "?");
}
END_TEST

static Suite *session_suite(void)
{
	Suite *s = suite_create("session");
	TCase *pub = tcase_create("public captures");
	TCase *conv = tcase_create("conversations");

	tcase_add_loop_test(pub, test_public, 0, ARRAY_SIZE(public_cases));
	tcase_add_loop_test(pub, test_public_inspect, 0, ARRAY_SIZE(public_cases));
	suite_add_tcase(s, pub);
	tcase_add_unchecked_fixture(conv, make_dir, remove_dir);
	tcase_add_loop_test(conv, test_conv, 0, ARRAY_SIZE(conv_cases));
	tcase_add_loop_test(conv, test_bad_file, 0, ARRAY_SIZE(bad_cases));
	tcase_add_test(conv, test_inspect_outline);
	tcase_add_test(conv, test_names);
	suite_add_tcase(s, conv);
	return s;
}

int main(void)
{
	return tl_main(session_suite());
}
