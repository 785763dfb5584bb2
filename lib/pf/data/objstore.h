/* objstore.h - files of AP-IF #14-16: path rules, a pluggable blob store, metadata and quota. */
#ifndef SD_PF_OBJSTORE_H
#define SD_PF_OBJSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "pf/pf.h"
#include "store/store.h"

/* ---- path rules (pure, fuzzed) ------------------------------------------------------------- */

#define SD_OBJ_PATH_MAX 1024 /* bytes of a whole path */
#define SD_OBJ_SEG_MAX  255  /* bytes of one segment (a common file-name limit) */

/*
 * Is p (len bytes, no NUL needed) an acceptable file path? Rules: 1..SD_OBJ_PATH_MAX bytes of
 * valid UTF-8 (no overlongs, no surrogates), segments separated by '/', no leading, trailing or
 * doubled '/', no segment "." or "..", none longer than SD_OBJ_SEG_MAX, no '\\', no control
 * characters (C0, DEL, C1), no NUL, no U+2028/2029 and no bidi controls (U+202A-E, U+2066-9). Pure
 * and thread-safe. Returns 0, or SD_EFIELD with *why (may be NULL) a static English reason and *off
 * (may be NULL) the byte offset at fault.
 */
int sd_objpath_check(const char *p, size_t len, const char **why, size_t *off);

/* Is the prefix of a listing acceptable: "" or a valid path, optionally ending with '/'. */
int sd_objpath_check_prefix(const char *p, size_t len, const char **why, size_t *off);

/* Is p an acceptable file name (sheet uploads, downloads): one segment of a valid path, so at
 * most SD_OBJ_SEG_MAX bytes, no '/', '\\', control characters (CR, LF, NUL, DEL, C1), line
 * separators or bidi controls, valid UTF-8. Same contract as sd_objpath_check(). */
int sd_objpath_check_name(const char *p, size_t len, const char **why, size_t *off);

/* ---- blob store ---------------------------------------------------------------------------- */

/*
 * Blobs are content-addressed inside a per-tenant namespace: tenant 7's blob with SHA-256 h is
 * "t7/h[0..1]/h" under the backend's root, so no client-chosen name ever reaches the file
 * system (traversal is impossible by construction) and one tenant's namespace never contains
 * another's blobs. Client paths map to blobs in the store's "objects" table (db 0005).
 * Backends are an ops table (objstore.c); the one implemented is the file system,
 * "file:///abs/dir". Thread-safe: one sd_objstore_t serves all request threads.
 */
typedef struct sd_objstore sd_objstore_t;
typedef struct sd_objstore_put sd_objstore_put_t;

#define SD_OBJ_SHA256_HEX 65 /* 64 hex digits + NUL */

/*
 * Open the blob store named by url ("file:///abs/dir", the directory is created; NULL or ""
 * = "file://<default_dir>"), with db as the metadata store (borrowed) and quota the bytes a
 * tenant may hold (0 = unlimited). A url may carry "?quota=N" (bytes, overrides quota).
 * Returns 0, SD_ECONFIG (bad url or quota), SD_EIO (cannot create the directory), SD_ENOMEM.
 */
int sd_objstore_open(const char *url, const char *default_dir, int64_t quota, sd_store_t *db,
                     sd_objstore_t **out);
void sd_objstore_close(sd_objstore_t *os); /* NULL-safe */

/*
 * What suidod opens: url as sd_objstore_open() (NULL = the file backend), default directory
 * <data_dir>/objects, default quota 1 GiB. A failure is logged. 0, SD_ECONFIG, SD_EIO, SD_ENOMEM.
 */
int sd_objstore_open_default(const char *url, const char *data_dir, sd_store_t *db,
                             sd_objstore_t **out);

/* The per-tenant quota in bytes (0 = unlimited). */
int64_t sd_objstore_quota(const sd_objstore_t *os);

/*
 * Start an upload for tenant: a temporary blob that hashes as it is written. The upload may be
 * at most limit bytes (further writes fail with SD_ETOOBIG; limit < 0 = unlimited).
 * 0, SD_EIO, SD_ENOMEM.
 */
int sd_objstore_put_begin(sd_objstore_t *os, int64_t tenant, int64_t limit,
                          sd_objstore_put_t **out);
/* Append bytes. 0, SD_ETOOBIG (over the limit), SD_EIO. */
int sd_objstore_put_write(sd_objstore_put_t *up, const void *data, size_t len);
/* Bytes written so far. */
int64_t sd_objstore_put_size(const sd_objstore_put_t *up);
/*
 * Make the blob durable (fsync, rename to its content address, fsync of the directory) and give
 * its size and hex SHA-256. The upload is finished either way: free it with _put_free().
 */
int sd_objstore_put_finish(sd_objstore_put_t *up, int64_t *size, char sha256[SD_OBJ_SHA256_HEX]);
/* Drop an upload (its temporary blob is removed unless finished). NULL-safe. */
void sd_objstore_put_free(sd_objstore_put_t *up);

/*
 * The local file name of the tenant's blob sha256 (file backend, store not sealed), into buf of n
 * bytes: for tools and tests that look at the layout. 0, SD_ENOTFOUND (no such blob),
 * SD_EUNSUPPORTED (a backend without local files, or a sealed store, whose files are ciphertext).
 * Replies never serve a blob's file: they stream it through sd_objstore_blob_open() (see
 * sd_api_reply_blob()), so a download costs a chunk of memory, not its size, and is checked as it
 * goes.
 */
int sd_objstore_blob_path(sd_objstore_t *os, int64_t tenant, const char *sha256, char *buf,
                          size_t n);

/*
 * Encryption at rest (§2.5): from this call on, blobs are written sealed (seal.h: secretstream,
 * one per blob) under their tenant's key, derived from master (pf->secret_key, copied) with
 * crypto_kdf, context "suidoblb", subkey id = tenant. Every chunk carries "t<tenant>" as
 * associated data and the FINAL one "t<tenant>/<sha256>", so a blob moved to another tenant or
 * name does not open. Blobs stored before (plaintext, named by their own SHA-256) are sealed in
 * place now, once (*migrated counts them); a file that is not what its name says is left alone
 * and logged. 0 or the first error.
 */
int sd_objstore_seal(sd_objstore_t *os, const unsigned char master[32], int64_t *migrated);

/*
 * Read a blob as a stream: opened (sealed: authenticated chunk by chunk), and at its end the
 * plaintext's SHA-256 checked against the name. _read gives the next bytes (*data valid until the
 * next call), *len 0 at the end. Errors: SD_ENOTFOUND, SD_EIO, SD_EDECRYPT (a chunk does not
 * authenticate: tampered, moved, other key), SD_ESYNTAX (truncated), SD_ECONFLICT (wrong hash);
 * the reason, with its byte offset, in _error().
 */
typedef struct sd_objstore_blob sd_objstore_blob_t;
int sd_objstore_blob_open(sd_objstore_t *os, int64_t tenant, const char *sha256,
                          sd_objstore_blob_t **out);
int sd_objstore_blob_read(sd_objstore_blob_t *b, const unsigned char **data, size_t *len);
const char *sd_objstore_blob_error(const sd_objstore_blob_t *b);
void sd_objstore_blob_close(sd_objstore_blob_t *b); /* NULL-safe */

/* ---- files: path -> blob, with size, SHA-256 and time (metadata in the store) -------------- */

typedef struct {
    int64_t size;
    char sha256[SD_OBJ_SHA256_HEX];
    int64_t updated_ms;
} sd_objstore_info_t;

/*
 * Stream an upload to the tenant's path: the caller begins with sd_objstore_put_begin() and a
 * limit from sd_objstore_room(), writes, then calls this, which finishes the blob, checks the
 * quota again (a parallel upload may have used the room: SD_ETOOBIG) and records path -> blob
 * (replacing an older version, whose blob is removed when no path refers to it any more).
 * *created is 1 for a new path. up is freed. 0, SD_ETOOBIG, SD_EIO, SD_ESTORE.
 */
int sd_objstore_commit(sd_objstore_t *os, sd_objstore_put_t *up, int64_t tenant, const char *path,
                       int64_t now_ms, sd_objstore_info_t *info, int *created);

/* Bytes the tenant may still store (INT64_MAX when unlimited), counting replaced_path as free. */
int sd_objstore_room(sd_objstore_t *os, int64_t tenant, const char *replaced_path, int64_t *room);

/* Bytes the tenant stores now. */
int sd_objstore_usage(sd_objstore_t *os, int64_t tenant, int64_t *bytes);

/* Metadata of the tenant's path: 0 or SD_ENOTFOUND, SD_ESTORE. */
int sd_objstore_stat(sd_objstore_t *os, int64_t tenant, const char *path, sd_objstore_info_t *info);

/* Delete the tenant's path (its blob when no other path of the tenant shares it). SD_ENOTFOUND. */
int sd_objstore_delete(sd_objstore_t *os, int64_t tenant, const char *path);

/*
 * Each of the tenant's paths starting with prefix (byte-wise; "" = all) and greater than after
 * (NULL = from the start), in path order, at most limit: fn(path, info, ctx) returning non-zero
 * stops with that value. 0, SD_ESTORE or fn's value.
 */
typedef int (*sd_objstore_list_fn)(const char *path, const sd_objstore_info_t *info, void *ctx);
int sd_objstore_list(sd_objstore_t *os, int64_t tenant, const char *prefix, const char *after,
                     int limit, sd_objstore_list_fn fn, void *ctx);

/* ---- HTTP ---------------------------------------------------------------------------------- */

#endif
