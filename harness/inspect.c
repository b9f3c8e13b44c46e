/*
 * inspect: the report of `run-scenario --inspect FILE`, session_inspect()
 * of session.h. It only prints what session_scan() found; every line of
 * the capture it shows is escaped, since a capture is untrusted input.
 */
#include "session.h"

#include <inttypes.h>
#include <string.h>

#define SHOW_MAX 40   /* characters of a command shown */
#define VERB_MAX 8    /* longer verbs are no FTP verb: only the verb is shown */
#define OTHERS_MAX 20 /* other TCP flows listed */

static void put_text(FILE *out, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			fputc(c, out);
		else
			fprintf(out, "\\x%02x", c);
	}
}

static void put_cmd(FILE *out, const struct session_cmd *c)
{
	size_t kept = strlen(c->text);

	if (c->verb_len > VERB_MAX) {
		put_text(out, c->text, kept < SHOW_MAX ? kept : SHOW_MAX);
		fprintf(out, "... (verb of %zu bytes)", c->verb_len);
	} else if (c->len > SHOW_MAX) {
		put_text(out, c->text, SHOW_MAX);
		fprintf(out, "... (%zu bytes)", c->len);
	} else {
		put_text(out, c->text, kept);
	}
	if (c->reply > 0 && c->prelim)
		fprintf(out, " -> %d, %d", c->prelim, c->reply);
	else if (c->reply > 0)
		fprintf(out, " -> %d", c->reply);
	else if (c->reply < 0)
		fprintf(out, " -> invalid reply");
	else if (c->prelim)
		fprintf(out, " -> %d, no final reply", c->prelim);
	else
		fprintf(out, " -> no reply captured");
}

static void put_flow(FILE *out, const struct session_flow *f)
{
	char a[SESSION_PEER_STRLEN], b[SESSION_PEER_STRLEN];

	fprintf(out, "%s -> %s, packets %" PRIu64 "-%" PRIu64 " (%" PRIu64 "), %" PRIu64
		" + %" PRIu64 " bytes", session_peer_str(&f->client, a, sizeof(a)),
		session_peer_str(&f->server, b, sizeof(b)), f->first, f->last, f->packets,
		f->bytes[SESSION_C2S], f->bytes[SESSION_S2C]);
}

static void put_notes(FILE *out, const struct session *se, int blocking, const char *title)
{
	size_t i, n = 0;

	for (i = 0; i < se->nnotes; i++)
		if (se->notes[i].blocking == blocking)
			n++;
	if (!n)
		return;
	fprintf(out, "  %s:\n", title);
	for (i = 0; i < se->nnotes; i++)
		if (se->notes[i].blocking == blocking)
			fprintf(out, "    - %s\n", se->notes[i].text);
}

static void put_session(FILE *out, const struct session *se, size_t idx)
{
	const struct session_flow *c = &se->ctl;
	char a[SESSION_PEER_STRLEN], b[SESSION_PEER_STRLEN];
	size_t i;

	fprintf(out, "\nsession %zu: %s -> %s (client told by %s)\n", idx,
		session_peer_str(&c->client, a, sizeof(a)), session_peer_str(&c->server, b, sizeof(b)),
		session_by_str(c->by));
	fprintf(out, "  packets: %" PRIu64 " (%" PRIu64 "-%" PRIu64 "), client sent %" PRIu64
		" bytes, server %" PRIu64 "\n", c->packets, c->first, c->last,
		c->bytes[SESSION_C2S], c->bytes[SESSION_S2C]);
	fprintf(out, "  commands: %" PRIu64 "%s\n", se->commands,
		se->commands > se->ncmds ? " (only the first are listed)" : "");
	for (i = 0; i < se->ncmds; i++) {
		fprintf(out, "    #%-6" PRIu64 " ", se->cmds[i].packet);
		put_cmd(out, &se->cmds[i]);
		fputc('\n', out);
	}
	fprintf(out, "  announced data endpoints: %zu\n", se->nann);
	for (i = 0; i < se->nann; i++) {
		const struct session_announce *an = &se->ann[i];
		int pasv = an->kind == FTP_227 || an->kind == FTP_229;

		fprintf(out, "    #%-6" PRIu64 " %s %s (%s connects): ", an->packet,
			ftp_kind_name(an->kind), session_peer_str(&an->ep, a, sizeof(a)),
			pasv ? "client" : "server");
		if (an->opened) {
			fprintf(out, "opened, ");
			put_flow(out, &an->data);
			fputc('\n', out);
		} else {
			fprintf(out, "never opened\n");
		}
	}
	put_notes(out, se, 1, "cannot replay");
	put_notes(out, se, 0, "notes");
	if (se->notes_dropped)
		fprintf(out, "  (%" PRIu64 " more notes of the same kinds not shown)\n",
			se->notes_dropped);
}

static void put_trace(FILE *out, const struct session_trace *t)
{
	uint64_t bad = 0;
	size_t r;

	fprintf(out, "file: %s\n", t->path);
	fprintf(out, "format: %s, link type %s (%d), snapshot length %u\n", t->format,
		t->linktype_name, t->linktype, t->snaplen);
	fprintf(out, "packets: %" PRIu64 " (%" PRIu64 " IPv4, %" PRIu64 " IPv6, %" PRIu64
		" TCP, %" PRIu64 " UDP), %" PRIu64 " cut by the snapshot length\n", t->packets,
		t->ipv4, t->ipv6, t->tcp, t->udp, t->truncated);
	for (r = 1; r < ARRAY_SIZE(t->bad); r++)
		bad += t->bad[r];
	fprintf(out, "packets not used: %" PRIu64 "\n", bad);
	for (r = 1; r < ARRAY_SIZE(t->bad); r++)
		if (t->bad[r])
			fprintf(out, "  %" PRIu64 " %s (first: packet %" PRIu64 ")\n", t->bad[r],
				trace_reason_str((enum trace_reason)r), t->bad_first[r]);
	fprintf(out, "TCP flows: %" PRIu64 "%s\n", t->flows,
		t->flows_dropped ? " (and more not tracked)" : "");
}

int session_inspect(const char *path, FILE *out)
{
	struct session_set *s = session_scan(path);
	size_t i, n;
	int rc = -1;

	if (!s)
		return -1;
	put_trace(out, session_trace_info(s));
	fprintf(out, "FTP sessions: %zu%s\n", session_count(s),
		session_count(s) ? "" : " (no TCP flow with port 21)");
	for (i = 0; i < session_count(s); i++)
		put_session(out, session_get(s, i), i + 1);
	n = session_other_count(s);
	fprintf(out, "\nother TCP flows (neither FTP control nor announced data): %zu\n", n);
	for (i = 0; i < n && i < OTHERS_MAX; i++) {
		fprintf(out, "  ");
		put_flow(out, session_other_get(s, i));
		fputc('\n', out);
	}
	if (n > OTHERS_MAX)
		fprintf(out, "  ...\n");
	if (fflush(out) != 0 || ferror(out)) {
		err_sys("%s: writing the report", path);
		goto out_free;
	}
	rc = 0;
out_free:
	session_set_free(s);
	return rc;
}
