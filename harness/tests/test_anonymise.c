/*
 * test_anonymise: packets through the anonymiser, as a table of one FTP
 * control conversation (IPv4 with PORT and 227, IPv6 with EPRT and 229)
 * and of other traffic: every address where it is mapped as cryptopan
 * maps it (the same address in a header and in an announcement alike),
 * sequence and acknowledgement numbers shifted by the length changes,
 * checksums right, the rest left as it was.
 */
#include <arpa/inet.h>
#include <check.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "anonymise.h"
#include "anonymise_capture.h"
#include "rewrite.h"
#include "testlib.h"
#include "trace.h"

static const uint8_t key[CRYPTOPAN_KEY_LEN] = {
	21, 34, 23, 141, 51, 164, 207, 128, 19, 10, 91, 22, 73, 144, 125, 16,
	216, 152, 143, 131, 121, 121, 101, 39, 98, 87, 76, 45, 42, 132, 34, 2,
};

/* The mapped form of an address, as text. */
static const char *mapped(int family, const char *text, char *buf, size_t len)
{
	struct cryptopan *c = cryptopan_new(key);
	uint8_t a[16];

	ck_assert_int_eq(inet_pton(family, text, a), 1);
	if (family == AF_INET)
		cryptopan_ipv4(c, a, a);
	else
		cryptopan_ipv6(c, a, a);
	cryptopan_free(c);
	return inet_ntop(family, a, buf, (socklen_t)len);
}

/* An IPv4 address's mapping as PORT and 227 write it: "a,b,c,d". */
static const char *commas(const char *text, char *buf, size_t len)
{
	char *p;

	mapped(AF_INET, text, buf, len);
	for (p = buf; *p; p++)
		if (*p == '.')
			*p = ',';
	return buf;
}

static size_t build(int family, const char *src, const char *dst, uint16_t sport, uint16_t dport, uint32_t seq,
		    uint32_t ack, const char *payload, uint8_t *out, size_t cap)
{
	struct rw_pkt p;
	int n;

	memset(&p, 0, sizeof(p));
	p.family = family;
	ck_assert_int_eq(inet_pton(family, src, p.src), 1);
	ck_assert_int_eq(inet_pton(family, dst, p.dst), 1);
	p.ttl = 64;
	p.sport = sport;
	p.dport = dport;
	p.seq = seq;
	p.ack = ack;
	p.flags = TRACE_ACK | (payload[0] ? TRACE_PSH : 0);
	p.win = 512;
	p.payload = (const uint8_t *)payload;
	p.plen = strlen(payload);
	n = rw_build(&p, out, cap);
	ck_assert_int_gt(n, 0);
	return (size_t)n;
}

/* The output parses, its checksums are right, and its fields. */
static void parsed(const uint8_t *pkt, size_t len, struct rw_pkt *p)
{
	const uint8_t *seg;

	ck_assert_msg(rw_parse(pkt, len, p) == 0, "output does not parse: %s", err_get());
	if (p->family == AF_INET)
		ck_assert_uint_eq(rw_get16(pkt + 10), rw_ipv4_csum(pkt, 20));
	seg = pkt + (p->family == AF_INET ? 20 : 40);
	ck_assert_uint_eq(rw_get16(seg + 16), rw_tcp_csum(p->family, p->src, p->dst, seg, len - (size_t)(seg - pkt)));
}

static void assert_addr(int family, const uint8_t *got, const char *orig)
{
	char want[INET6_ADDRSTRLEN], g[INET6_ADDRSTRLEN];

	mapped(family, orig, want, sizeof(want));
	inet_ntop(family, got, g, sizeof(g));
	ck_assert_str_eq(g, want);
}

/* One control conversation, packet by packet. */
struct step {
	int family;
	int from_client;
	uint32_t seq, ack;        /* as captured */
	const char *payload;      /* as captured */
	uint32_t want_seq, want_ack;  /* 0: the same as captured */
	const char *want_has;     /* a phrase of the output payload (NULL: the same payload) */
};

#define C4 "192.0.2.10"
#define S4 "198.51.100.10"
#define C6 "2001:db8:1::10"
#define S6 "2001:db8:2::10"

START_TEST(test_conversation)
{
	struct anon *a = anon_new(key);
	char port[96], m6[INET6_ADDRSTRLEN], pasv[96], eprt[128];
	const char *port_line = "PORT 192,0,2,10,200,10\r\n", *pasv_line = "227 Entering Passive Mode (198,51,100,10,195,80).\r\n";
	int32_t d1, d2, d3;
	size_t i;

	char c4[INET_ADDRSTRLEN], s4[INET_ADDRSTRLEN], line[160];

	snprintf(port, sizeof(port), "PORT %s,200,10\r\n", commas(C4, c4, sizeof(c4)));
	snprintf(pasv, sizeof(pasv), "(%s,195,80)", commas(S4, s4, sizeof(s4)));
	mapped(AF_INET6, C6, m6, sizeof(m6));
	snprintf(eprt, sizeof(eprt), "EPRT |2|%s|5282|", m6);
	/* how much the two rewritten lines grow */
	d1 = (int32_t)strlen(port) - (int32_t)strlen(port_line);
	snprintf(line, sizeof(line), "227 Entering Passive Mode %s.\r\n", pasv);
	d2 = (int32_t)strlen(line) - (int32_t)strlen(pasv_line);
	d3 = (int32_t)strlen(eprt) + 2 - (int32_t)strlen("EPRT |2|2001:db8:1::10|5282|\r\n");
	{
		const struct step steps[] = {
			{ AF_INET, 1, 1000, 5000, "USER anonymous\r\n", 0, 0, NULL },
			{ AF_INET, 0, 5000, 1016, "331 Please specify the password.\r\n", 0, 0, NULL },
			{ AF_INET, 1, 1016, 5034, port_line, 0, 0, port },
			/* the server acknowledges the client's bytes: past the PORT, shifted */
			{ AF_INET, 0, 5034, 1016 + (uint32_t)strlen(port_line), "200 PORT command successful.\r\n", 5034,
			  1016 + (uint32_t)strlen(port_line) + (uint32_t)d1, NULL },
			{ AF_INET, 1, 1016 + (uint32_t)strlen(port_line), 5064, "PASV\r\n",
			  1016 + (uint32_t)strlen(port_line) + (uint32_t)d1, 5064, NULL },
			{ AF_INET, 0, 5064, 1022 + (uint32_t)strlen(port_line), pasv_line, 5064,
			  1022 + (uint32_t)strlen(port_line) + (uint32_t)d1, pasv },
			{ AF_INET, 1, 1022 + (uint32_t)strlen(port_line), 5064 + (uint32_t)strlen(pasv_line), "QUIT\r\n",
			  1022 + (uint32_t)strlen(port_line) + (uint32_t)d1, 5064 + (uint32_t)strlen(pasv_line) + (uint32_t)d2,
			  NULL },
			{ AF_INET6, 1, 7000, 9000, "EPRT |2|2001:db8:1::10|5282|\r\n", 0, 0, eprt },
			/* the server acknowledges the whole EPRT: shifted by its growth */
			{ AF_INET6, 0, 9000, 7030, "229 Entering Extended Passive Mode (|||50000|)\r\n", 9000,
			  7030 + (uint32_t)d3, NULL },
		};

		for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
			const struct step *s = &steps[i];
			uint8_t in[512], out[1024];
			const char *c = s->family == AF_INET ? C4 : C6, *sv = s->family == AF_INET ? S4 : S6;
			size_t n = build(s->family, s->from_client ? c : sv, s->from_client ? sv : c,
					 s->from_client ? 40000 : 21, s->from_client ? 21 : 40000, s->seq, s->ack,
					 s->payload, in, sizeof(in)), ol, ow;
			struct rw_pkt p;
			char text[256];

			ck_assert_msg(anon_packet(a, in, n, n, out, sizeof(out), &ol, &ow) == 0, "step %zu: %s", i, err_get());
			ck_assert_uint_eq(ol, ow);
			parsed(out, ol, &p);
			assert_addr(s->family, p.src, s->from_client ? c : sv);
			assert_addr(s->family, p.dst, s->from_client ? sv : c);
			ck_assert_msg(p.seq == (s->want_seq ? s->want_seq : s->seq), "step %zu: seq %u, want %u", i, p.seq,
				      s->want_seq ? s->want_seq : s->seq);
			ck_assert_msg(p.ack == (s->want_ack ? s->want_ack : s->ack), "step %zu: ack %u, want %u", i, p.ack,
				      s->want_ack ? s->want_ack : s->ack);
			snprintf(text, sizeof(text), "%.*s", (int)p.plen, (const char *)p.payload);
			if (s->want_has)
				ck_assert_msg(strstr(text, s->want_has), "step %zu: '%s' lacks '%s'", i, text, s->want_has);
			else
				ck_assert_str_eq(text, s->payload);
		}
	}
	ck_assert_uint_eq(anon_stats(a)->announcements, 3);
	ck_assert_uint_eq(anon_stats(a)->resized, (d1 != 0) + (d2 != 0) + (d3 != 0));
	ck_assert_uint_eq(anon_stats(a)->mapped, 9);
	anon_free(a);
}
END_TEST

/* Other traffic: headers mapped, the transport checksum adjusted, also
 * for a frame cut by the snapshot length (right for the packet on the
 * wire); an FTP packet cut keeps its text and is counted. */
START_TEST(test_other_traffic)
{
	struct anon *a = anon_new(key), *b = anon_new(key);
	uint8_t in[512], out[1024], full[1024], junk[8] = { 0x00, 0x11, 0x22 };
	size_t n, ol, ow, fl, fw;
	struct rw_pkt p;

	n = build(AF_INET, C4, S4, 40001, 80, 1, 1, "GET / HTTP/1.0 from 192.0.2.10\r\n", in, sizeof(in));
	ck_assert_int_eq(anon_packet(a, in, n, n, out, sizeof(out), &ol, &ow), 0);
	parsed(out, ol, &p);
	assert_addr(AF_INET, p.src, C4);
	ck_assert_int_eq(memcmp(p.payload, "GET / HTTP/1.0 from 192.0.2.10", 30), 0);   /* other text kept */
	/* cut after the TCP header: the checksum is the whole packet's */
	ck_assert_int_eq(anon_packet(b, in, 40, n, out, sizeof(out), &ol, &ow), 0);
	ck_assert_uint_eq(ol, 40);
	ck_assert_uint_eq(ow, n);
	ck_assert_int_eq(anon_packet(b, in, n, n, full, sizeof(full), &fl, &fw), 0);
	ck_assert_int_eq(memcmp(out, full, 40), 0);
	/* an FTP packet cut: header only, counted */
	n = build(AF_INET, C4, S4, 40002, 21, 1, 1, "PORT 192,0,2,10,1,2\r\n", in, sizeof(in));
	ck_assert_int_eq(anon_packet(a, in, n - 4, n, out, sizeof(out), &ol, &ow), 0);
	ck_assert_uint_eq(anon_stats(a)->ftp_cut, 1);
	ck_assert_int_eq(memcmp(out + 40, "PORT 192,0,2,10", 15), 0);
	/* not IP: copied */
	ck_assert_int_eq(anon_packet(a, junk, sizeof(junk), sizeof(junk), out, sizeof(out), &ol, &ow), 0);
	ck_assert_int_eq(memcmp(out, junk, sizeof(junk)), 0);
	ck_assert_uint_eq(anon_stats(a)->not_ip, 1);
	anon_free(a);
	anon_free(b);
}
END_TEST

/* UDP: an IPv4 datagram without a checksum keeps none; one with a
 * checksum has it adjusted. */
START_TEST(test_udp)
{
	struct anon *a = anon_new(key);
	uint8_t in[28] = { 0x45, 0, 0, 28, 0, 0, 0, 0, 64, IPPROTO_UDP, 0, 0, 192, 0, 2, 10, 198, 51, 100, 10,
			   0x13, 0x88, 0x00, 0x35, 0, 8, 0, 0 }, out[256];
	uint8_t src[4], dst[4], seg[8];
	size_t ol, ow;

	rw_put16(in + 10, rw_ipv4_csum(in, 20));
	ck_assert_int_eq(anon_packet(a, in, sizeof(in), sizeof(in), out, sizeof(out), &ol, &ow), 0);
	ck_assert_uint_eq(rw_get16(out + 26), 0);
	/* with a checksum: the pseudo-header sum over the new addresses */
	rw_put16(in + 26, rw_tcp_csum(AF_INET, in + 12, in + 16, in + 20, 8));
	ck_assert_int_eq(anon_packet(a, in, sizeof(in), sizeof(in), out, sizeof(out), &ol, &ow), 0);
	memcpy(src, out + 12, 4);
	memcpy(dst, out + 16, 4);
	memcpy(seg, out + 20, 8);
	seg[6] = seg[7] = 0;   /* rw_tcp_csum() zeroes TCP's field, not UDP's */
	ck_assert_uint_eq(rw_get16(out + 10), rw_ipv4_csum(out, 20));
	/* the input's checksum was rw_tcp_csum() of its addresses (its
	 * pseudo-header differs from UDP's by a constant only): an adjustment
	 * for the addresses alone gives rw_tcp_csum() of the new ones */
	ck_assert_uint_ne(rw_get16(out + 26), rw_get16(in + 26));
	ck_assert_uint_eq(rw_get16(out + 26), rw_tcp_csum(AF_INET, src, dst, seg, 8));
	anon_free(a);
}
END_TEST

/* ---- capture files ---- */

static char dir[256];

static void dir_setup(void)
{
	tl_tmpdir_make(dir, sizeof(dir), "test_anonymise");
}

static void dir_teardown(void)
{
	tl_tmpdir_remove(dir);
}

static const uint8_t eth[14] = { 0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02, 0x08, 0x00 };
/* who-has 192.0.2.1 tell 192.0.2.10 */
static const uint8_t arp[42] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x06,
				 0, 1, 0x08, 0x00, 6, 4, 0, 1, 0x02, 0, 0, 0, 0, 0x01, 192, 0, 2, 10,
				 0, 0, 0, 0, 0, 0, 192, 0, 2, 1 };

/* A pcap of: an ARP frame, a PORT packet, an HTTP packet (Ethernet). */
static void write_capture(const char *path)
{
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
	pcap_dumper_t *d = pcap_dump_open(dead, path);
	uint8_t frame[600];
	struct pcap_pkthdr h = { { 1, 0 }, sizeof(arp), sizeof(arp) };
	size_t n;

	ck_assert_ptr_nonnull(d);
	pcap_dump((u_char *)d, &h, arp);
	memcpy(frame, eth, sizeof(eth));
	n = build(AF_INET, C4, S4, 40000, 21, 100, 200, "PORT 192,0,2,10,200,10\r\n", frame + 14, sizeof(frame) - 14);
	h.caplen = h.len = (bpf_u_int32)(14 + n);
	pcap_dump((u_char *)d, &h, frame);
	n = build(AF_INET, C4, S4, 40001, 80, 1, 1, "GET / HTTP/1.0\r\n", frame + 14, sizeof(frame) - 14);
	h.caplen = h.len = (bpf_u_int32)(14 + n);
	pcap_dump((u_char *)d, &h, frame);
	pcap_dump_close(d);
	pcap_close(dead);
}

/* Read back: the frames, link headers kept, addresses and the PORT mapped. */
START_TEST(test_capture_file)
{
	char in[512], out[512], c4[INET_ADDRSTRLEN], want[96];
	struct anon_stats st;
	struct trace *t;
	struct trace_pkt p;
	int i = 0;

	snprintf(in, sizeof(in), "%s/in.pcap", dir);
	snprintf(out, sizeof(out), "%s/out.pcap", dir);
	write_capture(in);
	ck_assert_msg(anonymise_capture(in, out, key, &st) == 0, "%s", err_get());
	ck_assert_uint_eq(st.packets, 3);
	ck_assert_uint_eq(st.not_ip, 1);
	ck_assert_uint_eq(st.arp, 1);
	ck_assert_uint_eq(st.mapped, 2);
	ck_assert_uint_eq(st.announcements, 1);
	t = trace_open(out);
	ck_assert_msg(t != NULL, "%s", err_get());
	ck_assert_int_eq(trace_linktype(t), DLT_EN10MB);
	snprintf(want, sizeof(want), "PORT %s,200,10\r\n", commas(C4, c4, sizeof(c4)));
	while (trace_next(t, &p) > 0) {
		i++;
		if (i == 1) {
			/* ARP: the MAC addresses kept, the IPv4 ones mapped */
			ck_assert_uint_eq(p.caplen, sizeof(arp));
			ck_assert_int_eq(memcmp(p.frame, arp, 28), 0);
			assert_addr(AF_INET, p.frame + 28, C4);
			ck_assert_int_eq(memcmp(p.frame + 32, arp + 32, 6), 0);
			assert_addr(AF_INET, p.frame + 38, "192.0.2.1");
			continue;
		}
		ck_assert_int_eq(memcmp(p.frame, eth, sizeof(eth)), 0);   /* MAC addresses kept */
		assert_addr(AF_INET, p.src, C4);
		assert_addr(AF_INET, p.dst, S4);
		if (i == 2)
			ck_assert_int_eq(memcmp(p.ip + p.payload_off, want, strlen(want)), 0);
	}
	ck_assert_int_eq(i, 3);
	trace_close(t);
}
END_TEST

/* Refusals: the input itself as output, a symlink as output (its target
 * untouched), a file that is no capture (nothing left at out). */
START_TEST(test_capture_refusals)
{
	char in[512], out[512], link[512], target[512];
	struct stat sb;

	snprintf(in, sizeof(in), "%s/in.pcap", dir);
	snprintf(out, sizeof(out), "%s/refused.pcap", dir);
	snprintf(link, sizeof(link), "%s/link.pcap", dir);
	snprintf(target, sizeof(target), "%s/target", dir);
	write_capture(in);
	err_clear();
	ck_assert_int_eq(anonymise_capture(in, in, key, NULL), -1);
	ck_assert_msg(strstr(err_get(), "must go to another file"), "%s", err_get());
	ck_assert_int_eq(file_write(target, "keep", 4, 0644), 0);
	ck_assert_int_eq(symlink(target, link), 0);
	ck_assert_int_eq(anonymise_capture(in, link, key, NULL), -1);
	ck_assert_int_eq(stat(target, &sb), 0);
	ck_assert_int_eq(sb.st_size, 4);
	/* a capture cut inside its last packet: an error, and the output removed */
	write_capture(in);
	ck_assert_int_eq(stat(in, &sb), 0);
	ck_assert_int_eq(truncate(in, sb.st_size - 10), 0);
	ck_assert_int_eq(anonymise_capture(in, out, key, NULL), -1);
	ck_assert_msg(strstr(err_get(), "truncated"), "%s", err_get());
	ck_assert_int_ne(access(out, F_OK), 0);
	ck_assert_int_eq(file_write(in, "this is not a capture", 21, 0644), 0);
	ck_assert_int_eq(anonymise_capture(in, out, key, NULL), -1);
	ck_assert_msg(strstr(err_get(), "not a pcap or pcapng file"), "%s", err_get());
	ck_assert_int_ne(access(out, F_OK), 0);
}
END_TEST

/* The key on the command line: digits, or a file holding them. */
START_TEST(test_key_arg)
{
	char path[512];
	uint8_t k[CRYPTOPAN_KEY_LEN];
	const char *hex = "1522178d33a4cf80130a5b1649907d10d8988f837979652762574c2d2a842202";

	snprintf(path, sizeof(path), "%s/key", dir);
	ck_assert_msg(anonymise_key_arg(hex, k) == 0, "%s", err_get());
	ck_assert_int_eq(memcmp(k, key, sizeof(k)), 0);
	ck_assert_int_eq(file_write(path, "1522178d33a4cf80130a5b1649907d10d8988f837979652762574c2d2a842202\n", 65, 0600), 0);
	ck_assert_msg(anonymise_key_arg(path, k) == 0, "%s", err_get());
	ck_assert_int_eq(memcmp(k, key, sizeof(k)), 0);
	ck_assert_int_eq(file_write(path, "short\n", 6, 0600), 0);
	ck_assert_int_eq(anonymise_key_arg(path, k), -1);
	ck_assert_msg(strstr(err_get(), "this one has 5 characters"), "%s", err_get());
	ck_assert_int_eq(anonymise_key_arg("/nonexistent/key", k), -1);
	ck_assert_msg(strstr(err_get(), "64 hexadecimal digits or a file holding them"), "%s", err_get());
	/* 64 characters that are not all digits: the message does not repeat them */
	ck_assert_int_eq(anonymise_key_arg("x522178d33a4cf80130a5b1649907d10d8988f837979652762574c2d2a842202", k), -1);
	ck_assert_msg(!strstr(err_get(), "x522178d"), "the key is echoed: %s", err_get());
}
END_TEST

static Suite *anonymise_suite(void)
{
	Suite *s = suite_create("anonymise");
	TCase *t = tcase_create("tables");

	tcase_add_test(t, test_conversation);
	tcase_add_test(t, test_other_traffic);
	tcase_add_test(t, test_udp);
	suite_add_tcase(s, t);
	t = tcase_create("files");
	tcase_add_unchecked_fixture(t, dir_setup, dir_teardown);
	tcase_add_test(t, test_capture_file);
	tcase_add_test(t, test_capture_refusals);
	tcase_add_test(t, test_key_arg);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return tl_main(anonymise_suite());
}
