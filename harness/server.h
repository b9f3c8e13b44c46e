/*
 * server: the FTP server of the lab, vsftpd in the server namespace,
 * serving generated files of chosen sizes (anonymous download) and an
 * upload area. Every file's SHA-256 is known before any client asks.
 */
#ifndef FTFW_SERVER_H
#define FTFW_SERVER_H

#include <stdint.h>
#include "digest.h"
#include "lab.h"
#include "node.h"

#define SERVER_MAX_FILES 32
#define SERVER_UPLOAD_DIR "upload"

struct server_file {
	char name[64];
	uint64_t size;
	uint8_t sha256[DIGEST_LEN];
};

struct server;

/* A server on node n, each transfer limited to rate bytes/s (0: no
 * limit; a server-side limit keeps a download really in flight across a
 * failover, where a client-side limit only drains buffers that already
 * hold the whole file). Files are added before server_start(). */
struct server *server_new(struct node *n, enum lab_family family, uint64_t rate);
/* Add a generated file (name: [A-Za-z0-9._-], no "/"). 0 or -1, err set. */
int server_add_file(struct server *s, const char *name, uint64_t size) FTFW_WUR;
/* Generate files, render vsftpd.conf, start vsftpd, wait for its 220. */
int server_start(struct server *s) FTFW_WUR;
/* Stop vsftpd and free. NULL accepted. */
void server_free(struct server *s);

const struct server_file *server_file(const struct server *s, const char *name);
/* Path of an uploaded file on the server ("" if the name is unsafe). */
int server_upload_path(const struct server *s, const char *name, char *buf, size_t len) FTFW_WUR;
pid_t server_pid(const struct server *s);
/* vsftpd's console output (results folder): its last words when it dies. */
const char *server_console(const struct server *s);

/* Render vsftpd.conf (pure). */
int server_render_conf(const char *root, const char *empty, const char *log, uint64_t rate, char *buf,
		       size_t len) FTFW_WUR;

/* Is name safe as a file name on the server? */
int server_name_ok(const char *name);

#endif
