/* backup.h - the daily backup of §2.8 (データ蓄積): an online, consistent copy of the store and
 * the object files while suidod runs, kept N days; and the offline restore suidoctl runs. */
#ifndef SD_PF_BACKUP_H
#define SD_PF_BACKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/json.h"
#include "pf/pf.h"

/*
 * A backup is the directory <backup.dir>/<id>/, id the UTC start "20261124T180000Z" (a "-2"
 * suffix if taken twice in a second), holding:
 *   store.db       SQLite: VACUUM INTO, one read transaction, so a consistent snapshot taken
 *                  without stopping writers (WAL readers never block them), compact, in one pass
 *                  (the online backup API restarts its copy whenever another connection writes)
 *   store.pgdump   PostgreSQL: pg_dump --format=custom run inside our own REPEATABLE READ
 *                  transaction's exported snapshot (--snapshot), so the list of files below is
 *                  taken from exactly the state that was dumped
 *   objects/t<tenant>/<h0h1>/<sha256>   every blob the snapshot refers to, copied (a hard link
 *                  shares the inode: one bad disk block would damage both) and re-hashed
 *   secret.key     the master key (TOTP secrets, broker passwords, the tenant keys of files and
 *                  documents): ONLY in a backup encrypted to backup.recipient
 *   manifest.json  {"format":"suido-backup/1", id, started_at, finished_at, duration_ms, backend,
 *                  schema_version, counts{samples,objects,documents}, size, key_included,
 *                  encryption, files[{path,size,sha256}]}: every file above with its size and
 *                  SHA-256 as stored in the backup (so `backup verify` needs no key)
 * With backup.recipient (an X25519 public key; `suidoctl backup keygen` makes the pair and the
 * private key stays offline with the operator) every file is sealed (seal.h, associated data =
 * its path in the backup) under a random file key, and "encryption" is {"scheme":
 * "suido-backup-seal/1", "recipient": public key, "file_key": crypto_box_seal(file key),
 * "mac": keyed BLAKE2b of id and files, so no file can be dropped or swapped unseen}. The store
 * snapshot is made in data_dir (on the encrypted data volume) and removed once sealed: no plaintext
 * lands in backup.dir. Without a recipient the backup is plaintext and has no secret.key: a stolen
 * backup then holds no key to the sealed secrets, files and documents, and the operator keeps
 * secret.key apart (a restore asks for it).
 * It is written as <id>.tmp/, every file and directory fsync'ed, then renamed: a directory
 * without the suffix is complete. A failed attempt leaves <id>.failed.json {id, started_at,
 * duration_ms, result:"failed", error} and is retried after backup.retry.
 */
typedef struct sd_backup sd_backup_t;

typedef struct {
    const char *dir;         /* backup.dir (created, mode 0700) */
    const char *store_url;   /* the store's URL: what pg_dump connects to */
    const char *objects_dir; /* root of the file object store; NULL = no object files */
    const char *key_file;    /* the master key; in the backup only with a recipient; NULL = none */
    const char *recipient;   /* backup.recipient (base64 / hex public key); NULL = plaintext */
    const char *data_dir;    /* where the plaintext store snapshot is made before sealing */
    const char *pki_dir;     /* the platform CA and PF certificate (keys sealed under the secret
                                key): without them clients' pinned CA breaks; NULL = none */
    int daily_min;           /* the daily backup, minutes after JST midnight (180 = 03:00) */
    int64_t interval_s;      /* > 0: every interval_s instead of daily (tests) */
    int64_t keep_s;          /* backups older than this are pruned (7 days); the newest stays */
    int64_t retry_s;         /* a failed scheduled backup is tried again after this (5 min) */
} sd_backup_config_t;

/*
 * Start the backup thread; its routes (sd_api_backup_routes, api/routes.h; backup.manage):
 *   POST /api/v1/backups[?wait=1]  take one now: 202 {"id","result":"running"}, or with wait 201
 *                                  and the finished backup; 409 while one is running
 *   GET  /api/v1/backups           {"items":[{id, result ok|failed|running|incomplete,
 *                                  started_at, duration_ms, size, files, counts, error}],
 *                                  "next_at"}, newest first
 *   GET  /api/v1/backups/{id}      one of them, 404
 * Call before the server starts. cfg's strings are copied. 0, SD_ECONFIG, SD_EIO, SD_ENOMEM.
 */
int sd_backup_start(sd_pf_t *pf, const sd_backup_config_t *cfg, sd_backup_t **out);

/* Stop the thread (an attempt under way finishes first) and free. NULL-safe. */
void sd_backup_stop(sd_backup_t *b);

#define SD_BACKUP_ID_MAX 32

/*
 * Ask for a backup now: its id in id; with wait, return when it has ended. SD_ECONFLICT when one
 * is pending or running (its id in id).
 */
int sd_backup_request(sd_backup_t *b, bool wait, char id[SD_BACKUP_ID_MAX]);

/* Every backup as {"id","result",...} newest first (new reference), the next scheduled time
   (ISO, JST) and how long backups are kept. */
json_t *sd_backup_list(sd_backup_t *b, char next_at[32], int64_t *keep_s);

/* One backup by id (new reference), NULL when there is none. */
json_t *sd_backup_find(sd_backup_t *b, const char *id);

/* The platform context b was started with. */
sd_pf_t *sd_backup_pf(sd_backup_t *b);

/* The directory of objects_url (as sd_objstore_open(): "file:///dir[?quota=N]", NULL or "" =
 * <data_dir>/objects) into buf. 0 or SD_ECONFIG. */
int sd_backup_objects_dir(const char *objects_url, const char *data_dir, char *buf, size_t n);

/*
 * Lock the data directory (<data_dir>/suidod.lock, flock, our pid written in it) until fd is
 * closed: suidod takes it shared for its whole life (several may share a directory: SQLite in WAL
 * mode allows it), a restore exclusive, so neither runs under the other; the kernel drops the
 * lock when its holder dies, even by kill -9. 0 and *fd, SD_EBUSY (held: msg names the pid
 * written last), SD_EIO.
 */
int sd_datadir_lock(const char *data_dir, bool shared, int *fd, char *msg, size_t n);

/*
 * Check a backup directory: manifest.json readable, every file it lists present with its size
 * and SHA-256. 0, or SD_EIO / SD_ECONFLICT / SD_ESYNTAX with msg saying which file and why.
 */
int sd_backup_verify(const char *dir, char *msg, size_t n);

typedef struct {
    const char *data_dir;    /* target data directory (created) */
    const char *store_url;   /* NULL = sqlite:///<data_dir>/suido.db; PostgreSQL backups need one */
    const char *objects_dir; /* NULL = <data_dir>/objects */
    const char *pki_dir;     /* NULL = <data_dir>/pki */
    const char *identity;    /* the identity file (private key) of an encrypted backup */
    const char *key_file;    /* the master key of a backup without one (copied into place) */
    bool force;              /* overwrite an existing store, key or a non-empty database */
} sd_restore_opts_t;

/*
 * Offline restore of backup dir: verifies every file first (nothing is written when one is
 * wrong), refuses while suidod holds data_dir's lock, refuses to overwrite an existing store or
 * a different secret key without force, then restores the store (SQLite: copied and renamed into
 * place; PostgreSQL: pg_restore --single-transaction), the object files and the key. An encrypted
 * backup needs the identity: every file is opened (authenticated) before anything is written; a
 * wrong identity or a tampered file is refused with the file and byte offset. On success
 * msg is a one-line summary; on failure the reason. 0 or SD_E*.
 */
int sd_backup_restore(const char *dir, const sd_restore_opts_t *o, char *msg, size_t n);

#endif
