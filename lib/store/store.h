/* store.h - the storage interface: portable SQL over SQLite or PostgreSQL, chosen by URL. */
#ifndef SD_STORE_STORE_H
#define SD_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

/*
 * One store is one database. Layers above write portable SQL (the subset SQLite >= 3.35 and
 * PostgreSQL >= 12 share) and never see a backend type:
 *   - parameters are $1, $2 ... in both backends (translated to ?1, ?2 for SQLite at prepare);
 *   - ids come back with INSERT ... RETURNING id (sd_store_insert);
 *   - upserts are INSERT ... ON CONFLICT (...) DO UPDATE SET x = excluded.x;
 *   - times are BIGINT milliseconds since the Unix epoch, UTC; booleans are 0/1 integers;
 *   - casts are CAST($1 AS BIGINT), never $1::bigint. A ? in SQL text is refused.
 * Types that differ (auto ids, BLOB vs BYTEA) live only in the per-backend migration files.
 *
 * Threads: an sd_store_t is shared by all threads. Each thread transparently gets its own
 * connection on first use (kept per thread, returned to an idle pool when the thread exits or
 * calls sd_store_release()), so there is no lock around queries and a transaction is simply
 * "everything this thread does between begin and commit". A cursor (sd_stmt_t) belongs to the
 * thread that opened it. sd_store_close() must be called once no other thread uses the store.
 *
 * Durability (SQLite): WAL journal with synchronous=FULL by default, so a transaction whose commit
 * returned is on disk even after a power cut: the gateway deletes a sample from its queue once we
 * acknowledge it, so acknowledged data must survive. "?sync=normal" in the URL trades that for
 * fewer fsyncs (a power cut may then roll back the last commits; the file stays consistent).
 * PostgreSQL's durability is the server's configuration (synchronous_commit).
 *
 * Errors: SD_ESTORE for backend failures, SD_ECONFLICT for constraint violations (unique,
 * foreign key, not null, check: answer 409), SD_EBUSY for lock timeouts and serialization
 * failures (retried by sd_store_tx), SD_ENOTFOUND when a single-row query finds nothing,
 * SD_ESCHEMA for migrations. sd_store_errmsg() has the backend's text: log it, never show it.
 * After any backend error inside a transaction the transaction is aborted on both backends:
 * further statements fail with SD_ESTORE until sd_store_rollback() (PostgreSQL semantics, enforced
 * on SQLite too so code tested on one behaves the same on the other).
 */
typedef struct sd_store sd_store_t;
typedef struct sd_stmt sd_stmt_t;

/* A bound parameter. Build with the SD_V_* macros; pointers are borrowed for the call only. */
typedef enum { SD_VAL_NULL, SD_VAL_INT64, SD_VAL_DOUBLE, SD_VAL_TEXT, SD_VAL_BLOB } sd_val_type_t;

typedef struct {
    sd_val_type_t type;
    union {
        int64_t i;
        double d;
        struct {
            const void *p;
            size_t len; /* SIZE_MAX for text: NUL-terminated, length by strlen */
        } b;
    } u;
} sd_val_t;

#define SD_V_NULL        ((sd_val_t){.type = SD_VAL_NULL})
#define SD_V_INT(x)      ((sd_val_t){.type = SD_VAL_INT64, .u.i = (int64_t)(x)})
#define SD_V_DOUBLE(x)   ((sd_val_t){.type = SD_VAL_DOUBLE, .u.d = (double)(x)})
#define SD_V_TEXT(s)     ((sd_val_t){.type = SD_VAL_TEXT, .u.b = {(s), SIZE_MAX}})
#define SD_V_TEXTN(s, n) ((sd_val_t){.type = SD_VAL_TEXT, .u.b = {(s), (n)}})
#define SD_V_BLOB(p, n)  ((sd_val_t){.type = SD_VAL_BLOB, .u.b = {(p), (n)}})

/* Parameter list arguments: SD_PARAMS(SD_V_INT(1), SD_V_TEXT("a")) or SD_NOPARAMS. */
#define SD_PARAMS(...)                                                                             \
    ((const sd_val_t[]){__VA_ARGS__}),                                                             \
        (int)(sizeof((const sd_val_t[]){__VA_ARGS__}) / sizeof(sd_val_t))
#define SD_NOPARAMS NULL, 0

/* Flags for sd_store_open_flags(). */
#define SD_STORE_NO_MIGRATE 0x1 /* do not apply the embedded migrations at open */

/*
 * Open the store named by url and apply the embedded migrations (db/<backend>/NNNN_*.sql):
 *   sqlite:///abs/path/suido.db[?sync=full|normal&busy_ms=5000]   sqlite::memory:
 *   postgresql://user@host:port/dbname[?libpq parameters]          (postgres:// too)
 * sqlite::memory: is one private database shared by this store's threads, gone at close.
 * Returns 0 and *out, or SD_ECONFIG (bad URL), SD_ESTORE (cannot connect), SD_ESCHEMA (a
 * migration failed or the database is newer than this program), SD_ENOMEM; *out is NULL then.
 */
int sd_store_open(const char *url, sd_store_t **out);
int sd_store_open_flags(const char *url, unsigned flags, sd_store_t **out);

/* Close every connection and free st. NULL-safe. No thread may use st any more. */
void sd_store_close(sd_store_t *st);

/* "sqlite" or "postgresql". */
const char *sd_store_backend(const sd_store_t *st);

/* Return the calling thread's connection to the idle pool (rolling back an open transaction).
 * Optional: a thread that exits does this itself. Cursors still open become invalid. */
void sd_store_release(sd_store_t *st);

/* The calling thread's last backend error message ("" if none). Valid until its next store call. */
const char *sd_store_errmsg(void);

/*
 * Run one statement to completion; *changes (may be NULL) gets the rows inserted, updated or
 * deleted (0 for a SELECT). Statements are prepared once per connection and cached by SQL text.
 * Text must be valid UTF-8 without NUL (SD_EENCODING); NaN doubles are refused (SD_EINVAL), as
 * is a parameter count different from the statement's highest $N.
 */
int sd_store_exec(sd_store_t *st, const char *sql, const sd_val_t *params, int nparams,
                  int64_t *changes);

/* Run "INSERT ... RETURNING id" (or any statement whose first row's first column is wanted);
 * SD_ENOTFOUND when it returns no row (INSERT ... ON CONFLICT DO NOTHING RETURNING id). */
int sd_store_insert(sd_store_t *st, const char *sql, const sd_val_t *params, int nparams,
                    int64_t *id);

/*
 * Run a query and return a cursor before its first row (the statement has already run: errors,
 * constraint violations included, are returned here). Iterate with sd_stmt_next(), then always
 * sd_stmt_done(). Nested cursors on the same thread are fine, even of the same SQL.
 */
int sd_store_query(sd_store_t *st, const char *sql, const sd_val_t *params, int nparams,
                   sd_stmt_t **out);

/* Like sd_store_query() but positioned on the first row; SD_ENOTFOUND (and *out NULL) if none.
 * The caller reads the columns and calls sd_stmt_done(). */
int sd_store_query_row(sd_store_t *st, const char *sql, const sd_val_t *params, int nparams,
                       sd_stmt_t **out);

/* Advance: 1 on a row, 0 after the last row (and on every call after), negative SD_E* on error. */
int sd_stmt_next(sd_stmt_t *s);

/*
 * Column reads of the current row, col from 0. SQL NULL reads as 0, 0.0 or NULL pointer.
 * text/blob pointers are owned by the cursor and valid until the next sd_stmt_next() or
 * sd_stmt_done(); an empty non-NULL value is "" with *len 0. len may be NULL.
 */
int sd_stmt_columns(const sd_stmt_t *s);
const char *sd_stmt_column_name(const sd_stmt_t *s, int col);
bool sd_stmt_is_null(sd_stmt_t *s, int col);
int64_t sd_stmt_int64(sd_stmt_t *s, int col);
double sd_stmt_double(sd_stmt_t *s, int col);
const char *sd_stmt_text(sd_stmt_t *s, int col, size_t *len);
const void *sd_stmt_blob(sd_stmt_t *s, int col, size_t *len);

/* Finish with a cursor: resets its statement back into the connection's cache. NULL-safe. */
void sd_stmt_done(sd_stmt_t *s);

/*
 * Transactions on the calling thread's connection. begin is a write transaction (SQLite BEGIN
 * IMMEDIATE, so two writers never deadlock on lock upgrade; PostgreSQL READ COMMITTED).
 * begin inside a transaction is SD_EINVAL. A failed commit leaves no transaction open.
 */
int sd_store_begin(sd_store_t *st);
int sd_store_commit(sd_store_t *st);
int sd_store_rollback(sd_store_t *st);
/* Has the calling thread a transaction open? (Work handed to another thread would not be in
 * it, and could wait for its locks.) */
bool sd_store_in_tx(sd_store_t *st);

/*
 * Run fn in a transaction: commit if it returns 0, roll back otherwise, and retry the whole
 * transaction (a few times, with a short randomised back-off) when fn or the commit fails with
 * SD_EBUSY (SQLITE_BUSY, PostgreSQL serialization failure or deadlock). fn must therefore have no
 * effect outside the database. Called inside a transaction, fn joins it (no retry at that level).
 * Returns fn's or the commit's result.
 */
typedef int (*sd_store_tx_fn)(sd_store_t *st, void *ctx);
int sd_store_tx(sd_store_t *st, sd_store_tx_fn fn, void *ctx);

/* A migration: version NNNN and file name "NNNN_name.sql" of db/<backend>/, and its SQL text. */
typedef struct {
    int version;
    const char *name;
    const char *sql;
} sd_store_migration_t;

/* The migrations embedded in the program for a backend ("sqlite" / "postgresql"), in order. */
const sd_store_migration_t *sd_store_migrations(const char *backend, size_t *n);

/*
 * Apply, in order, each migration of list not yet in schema_migrations(version, name,
 * applied_at): each in its own transaction, recorded in that same transaction. Safe when several
 * processes migrate at once. Versions must be strictly increasing. SD_ESCHEMA if a migration
 * fails (sd_store_errmsg() names its file and the backend's reason; earlier ones stay applied) or
 * the database has a version newer than the list's last. sd_store_migrate() uses the embedded list.
 */
int sd_store_migrate(sd_store_t *st);
int sd_store_migrate_list(sd_store_t *st, const sd_store_migration_t *list, size_t n);

/*
 * Does the database have every table and column the embedded migrations create? A migration
 * recorded as applied is never run again, so a table dropped or altered by hand would otherwise
 * go unnoticed until queries fail. The expected schema is the SQLite migrations applied to a
 * private in-memory database (both backends' migrations create the same names); the actual one is
 * read from the catalogue (sqlite_schema, or information_schema on PostgreSQL). Extra tables and
 * columns are fine. 0; SD_ESCHEMA with missing (NUL-terminated, truncated to n) listing what
 * lacks: "table samples, column monitors.webhook_url, ..."; or a store error.
 */
int sd_store_check_schema(sd_store_t *st, char *missing, size_t n);

/* Highest applied migration version (0 if none; SD_ESTORE if migrations never ran here). */
int sd_store_schema_version(sd_store_t *st, int64_t *version);

/* Run SQL text of one or more statements without parameters (DDL, scripts). */
int sd_store_exec_script(sd_store_t *st, const char *sql);

/* Settings: a small name -> text table (db 0001). get gives a malloc'ed copy (caller frees) or
 * SD_ENOTFOUND; set inserts or replaces. */
int sd_store_setting_get(sd_store_t *st, const char *name, char **value);
int sd_store_setting_set(sd_store_t *st, const char *name, const char *value);

/* Counters since open, summed over the store's connections (monitoring and tests). */
typedef struct {
    uint64_t connections; /* connections opened */
    uint64_t prepares;    /* statements prepared (cache misses) */
    uint64_t cache_hits;  /* statements found in a connection's cache */
} sd_store_stats_t;
void sd_store_stats(sd_store_t *st, sd_store_stats_t *out);

/*
 * For external tools (pg_dump, pg_restore in pf/backup.c): the libpq conninfo of a postgresql://
 * URL as keyword='value' pairs appended to conninfo, WITHOUT the password, which comes back in
 * *password (malloc'ed, NULL when the URL has none) for the child's PGPASSWORD: a password on a
 * command line is visible to every local user. SD_ECONFIG (sd_store_errmsg() says why), SD_ENOMEM.
 */
int sd_store_pg_conninfo(const char *url, sd_buf_t *conninfo, char **password);

#endif
