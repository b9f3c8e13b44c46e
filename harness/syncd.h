/*
 * syncd: the sync daemon (conntrackd) of one firewall, in FTFW mode over
 * the dedicated sync link, with expectation sync for ftp. Each instance
 * has its own config, lock file, UNIX socket and log inside the run's
 * folders, and every client call names its config (-C). Runs in the
 * foreground so that the PID we hold is the daemon's.
 *
 * The primary/backup transitions are those of conntrack-tools'
 * primary-backup.sh: primary: commit (-c), flush (-f), resync (-R),
 * bulk send (-B); backup: reset timers (-t), request resync (-n).
 */
#ifndef FTFW_SYNCD_H
#define FTFW_SYNCD_H

#include "ct.h"
#include "node.h"

enum sync_transport {
	SYNC_UDP,        /* unicast UDP between the sync addresses (default) */
	SYNC_MULTICAST,  /* multicast group on the sync link */
};

struct syncd_options {
	enum sync_transport transport;
	int hashsize;                 /* HashSize; > 8192 avoids the 1.4.7 commit bug */
	int expectation_sync;         /* Options { ExpectationSync { ftp } } */
	int disable_internal_cache;   /* only in NOTRACK mode: switches the mode */
	int disable_external_cache;
	int commit_timeout;           /* CommitTimeout (s), 0 = none */
};

void syncd_options_default(struct syncd_options *o);
const char *sync_transport_name(enum sync_transport t);
int sync_transport_parse(const char *s);

struct syncd;

/* The commands a client sends to the daemon. */
enum syncd_cmd {
	SYNCD_COMMIT,       /* -c: external cache -> kernel */
	SYNCD_FLUSH,        /* -f: flush internal and external caches */
	SYNCD_RESYNC,       /* -R: resync internal cache with the kernel */
	SYNCD_BULK,         /* -B: send a bulk update to the peer */
	SYNCD_RESET_TIMERS, /* -t: shorten kernel timers (backup) */
	SYNCD_REQUEST,      /* -n: request a resync from the peer */
	SYNCD_KILL,         /* -k */
};
const char *syncd_cmd_name(enum syncd_cmd c);  /* "commit", ... */
const char *syncd_cmd_flag(enum syncd_cmd c);  /* "-c", ... */

/*
 * Render conntrackd.conf for firewall index (1 or 2) into buf, with the
 * given paths. Pure; unit-tested.
 */
int syncd_render(int index, const struct syncd_options *o, const char *lockfile,
		 const char *socket, const char *logfile, char *buf, size_t len) FTFW_WUR;

/* Start conntrackd on n (fw index 1 or 2) and wait until its socket answers. */
struct syncd *syncd_start(struct node *n, int index, const struct syncd_options *o);
/*
 * Stop the daemon (if it still runs) and start it again on the same
 * config; with StartupResync it asks its peer for the state. 0 or -1.
 */
int syncd_restart(struct syncd *s) FTFW_WUR;

/* Stop it (SIGTERM, then SIGKILL) and free. NULL accepted. */
void syncd_free(struct syncd *s);

const char *syncd_conf(const struct syncd *s);
/* The daemon's console output (results folder): its last words when it dies. */
const char *syncd_console(const struct syncd *s);
pid_t syncd_pid(const struct syncd *s);

/* Run one client command; 0 on success, -1 with err carrying its output. */
int syncd_cmd(struct syncd *s, enum syncd_cmd c) FTFW_WUR;

/* Dump a cache (CT_SRC_INTERNAL or CT_SRC_EXTERNAL) of kind into out. */
int syncd_dump(struct syncd *s, enum ct_source src, enum ct_kind kind, struct ct_list *out) FTFW_WUR;

#endif
