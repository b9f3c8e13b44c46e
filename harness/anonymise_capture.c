/* anonymise_capture: a capture file anonymised. See anonymise_capture.h. */
#include "anonymise_capture.h"
#include "rewrite.h"
#include "trace.h"

#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define OUT_SNAPLEN 262144
#define GROWTH 4096

struct writer {
	pcap_t *dead;            /* owned */
	pcap_dumper_t *dump;     /* owned */
	const char *path;
};

static int writer_open(struct writer *w, const char *path, int linktype)
{
	FILE *fp;
	int fd;

	w->path = path;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return err_sys("%s", path);
	fp = fdopen(fd, "wb");
	if (!fp) {
		close(fd);
		return err_sys("%s", path);
	}
	w->dead = pcap_open_dead(linktype, OUT_SNAPLEN);
	if (!w->dead) {
		fclose(fp);
		return err_set("%s: pcap_open_dead(link type %d) failed", path, linktype);
	}
	w->dump = pcap_dump_fopen(w->dead, fp);
	if (!w->dump) {
		err_set("%s: %s", path, pcap_geterr(w->dead));
		fclose(fp);
		return -1;
	}
	return 0;
}

/* 0, or -1 with err set when the data did not all reach the file. */
static int writer_close(struct writer *w)
{
	int rc = 0;

	if (w->dump) {
		if (pcap_dump_flush(w->dump) < 0 || ferror(pcap_dump_file(w->dump)))
			rc = err_set("%s: write failed", w->path);
		pcap_dump_close(w->dump);
	}
	if (w->dead)
		pcap_close(w->dead);
	w->dump = NULL;
	w->dead = NULL;
	return rc;
}

/* An Ethernet frame's ARP packet (after up to two VLAN tags): where it
 * starts, or 0. */
static size_t arp_offset(int linktype, const uint8_t *f, size_t len)
{
	size_t off = 12;

	if (linktype != DLT_EN10MB)
		return 0;
	while (off + 2 <= len && (rw_get16(f + off) == 0x8100 || rw_get16(f + off) == 0x88a8) && off < 20)
		off += 4;
	return off + 2 <= len && rw_get16(f + off) == 0x0806 ? off + 2 : 0;
}

/* One frame: the link header as it was, the IP packet anonymised, and
 * after it the frame's trailer when the packet kept its length; a frame
 * that is not IP as it was, but an ARP packet's addresses. */
static int one_frame(struct anon *a, int linktype, const struct trace_pkt *p, uint8_t *buf, size_t cap,
		     struct pcap_pkthdr *h)
{
	size_t l2, ol, ow, tail;

	h->ts = p->ts;
	if (!p->ip) {
		memcpy(buf, p->frame, p->caplen);
		h->caplen = p->caplen;
		h->len = p->wirelen;
		if ((l2 = arp_offset(linktype, buf, p->caplen)))
			anon_arp(a, buf + l2, p->caplen - l2);
		return 0;
	}
	l2 = (size_t)(p->ip - p->frame);
	memcpy(buf, p->frame, l2);
	if (anon_packet(a, p->ip, p->ip_caplen, p->ip_len, buf + l2, cap - l2, &ol, &ow) < 0)
		return -1;
	tail = ol == p->ip_caplen ? p->caplen - l2 - p->ip_caplen : 0;
	memcpy(buf + l2 + ol, p->ip + p->ip_caplen, tail);
	h->caplen = (bpf_u_int32)(l2 + ol + tail);
	h->len = (bpf_u_int32)(p->wirelen + ow - p->ip_len);
	return 0;
}

static int same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int anonymise_capture(const char *in, const char *out, const uint8_t key[CRYPTOPAN_KEY_LEN], struct anon_stats *st)
{
	struct writer w = { 0 };
	struct trace *t = NULL;
	struct anon *a = NULL;
	struct trace_pkt p;
	uint8_t *buf = NULL;
	size_t cap = OUT_SNAPLEN + GROWTH;
	uint64_t frames = 0, not_ip = 0;
	int rc = -1, n;

	if (strcmp(in, out) == 0 || same_file(in, out))
		return err_set("%s: the anonymised capture must go to another file", out);
	t = trace_open(in);
	if (!t)
		return -1;
	if (writer_open(&w, out, trace_linktype(t)) < 0)
		goto out;
	a = anon_new(key);
	buf = xcalloc(1, cap);
	while ((n = trace_next(t, &p)) > 0) {
		struct pcap_pkthdr h;

		if (p.caplen > OUT_SNAPLEN) {
			err_set("%s: packet %llu: %u bytes, more than %d", in, (unsigned long long)p.index, p.caplen,
				OUT_SNAPLEN);
			goto out;
		}
		if (one_frame(a, trace_linktype(t), &p, buf, cap, &h) < 0) {
			err_prefix("%s: packet %llu", in, (unsigned long long)p.index);
			goto out;
		}
		pcap_dump((u_char *)w.dump, &h, buf);
		frames++;
		not_ip += !p.ip;
	}
	if (n < 0)
		goto out;
	if (st) {
		*st = *anon_stats(a);
		st->packets = frames;   /* every frame, IP or not */
		st->not_ip += not_ip;
	}
	rc = 0;
out:
	if (writer_close(&w) < 0 && rc == 0)
		rc = -1;
	if (rc < 0 && w.path)
		unlink(out);
	anon_free(a);
	free(buf);
	trace_close(t);
	return rc;
}

const char *anonymise_summary(const struct anon_stats *st, char *buf, size_t len)
{
	snprintf(buf, len,
		 "%llu frames: %llu IP packets mapped, %llu FTP announcements rewritten (%llu payloads resized), "
		 "%llu frames not IP copied (%llu of them ARP, its addresses mapped), %llu FTP packets cut or unparsed (their text kept), %llu transport "
		 "checksums not adjusted",
		 (unsigned long long)st->packets, (unsigned long long)st->mapped,
		 (unsigned long long)st->announcements, (unsigned long long)st->resized, (unsigned long long)st->not_ip, (unsigned long long)st->arp,
		 (unsigned long long)st->ftp_cut, (unsigned long long)st->l4_kept);
	return buf;
}

int anonymise_key_arg(const char *arg, uint8_t key[CRYPTOPAN_KEY_LEN])
{
	char text[128];
	size_t n;
	char *file;

	if (strlen(arg) == 2 * CRYPTOPAN_KEY_LEN && cryptopan_key_parse(arg, key) == 0)
		return 0;
	err_clear();
	file = file_read(arg, &n);
	if (!file) {
		char why[256];

		/* 64 characters are meant as the key: never repeated, nor the
		 * file error that would name them */
		if (strlen(arg) == 2 * CRYPTOPAN_KEY_LEN)
			return err_set("--anonymise: KEY is 64 hexadecimal digits or a file holding them; the 64 "
				       "characters given are not all hexadecimal digits, and no file has that name");
		str_copy(why, err_get(), sizeof(why));   /* err_set() must not read its own buffer */
		return err_set("--anonymise: KEY is 64 hexadecimal digits or a file holding them; '%s' is neither (%s)",
			       arg, why);
	}
	str_copy(text, file, sizeof(text));
	free(file);
	text[strcspn(text, "\r\n")] = '\0';
	if (cryptopan_key_parse(text, key) < 0)
		return err_prefix("--anonymise: %s", arg);
	return 0;
}
