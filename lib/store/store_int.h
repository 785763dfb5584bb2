/* store_int.h - private to lib/store: the backend ops table, connections, cursors. */
#ifndef SD_STORE_STORE_INT_H
#define SD_STORE_STORE_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "store/store.h"

/*
 * A backend is a const table of these, chosen by URL scheme (libmodbus's backend pattern). The
 * common layer (store.c) owns caching, parameter checks, transactions and threads; a backend only
 * talks to its library. Every failing call sets the thread's message with sd__store_seterr() and
 * returns a negative SD_E*. "cfg" is the parsed URL, "conn" one connection, "stmt" one prepared
 * statement of that connection.
 */
struct sd_store_ops {
    const char *name; /* "sqlite" */
    /* Does url belong to this backend? */
    bool (*accepts)(const char *url);
    int (*parse)(const char *url, void **cfg);
    void (*cfg_free)(void *cfg);
    int (*connect)(void *cfg, void **conn);
    void (*disconnect)(void *conn);
    /* The connection is unusable (server went away); the common layer reconnects. */
    bool (*broken)(void *conn);
    /* Prepare one statement with $N parameters (already checked by the common layer). */
    int (*prepare)(void *conn, const char *sql, void **stmt);
    /* closing: the connection is about to close, server-side cleanup is pointless. */
    void (*finalize)(void *conn, void *stmt, bool closing);
    /* Bind and start; "copy" = the parameters' memory dies before the cursor is finished. */
    int (*execute)(void *stmt, const sd_val_t *params, int nparams, bool copy);
    /* 1 row, 0 end, <0 error. Not called again after it returned 0 or an error. */
    int (*next)(void *stmt);
    /* Rows changed by the finished statement (0 for a read). */
    int64_t (*changes)(void *stmt);
    /* Back to prepared state, bindings and results dropped. */
    void (*reset)(void *stmt);
    int (*ncols)(void *stmt);
    const char *(*col_name)(void *stmt, int col);
    bool (*col_null)(void *stmt, int col);
    int64_t (*col_int64)(void *stmt, int col);
    double (*col_double)(void *stmt, int col);
    const char *(*col_text)(void *stmt, int col, size_t *len);
    const void *(*col_blob)(void *stmt, int col, size_t *len);
    int (*exec_script)(void *conn, const char *sql);
    int (*begin)(void *conn);
    /* Inside a transaction: serialise concurrent migrators (NULL if begin already does). */
    int (*lock_schema)(void *conn);
};

extern const struct sd_store_ops sd__store_sqlite_ops;
#ifndef SD_STORE_NO_PG
extern const struct sd_store_ops sd__store_pg_ops;
#endif

/* Generated from db/<backend>/NNNN_*.sql by scripts/embed-sql.sh (build/.../gen). */
extern const sd_store_migration_t sd__store_migrations_sqlite[];
extern const size_t sd__store_migrations_sqlite_n;
extern const sd_store_migration_t sd__store_migrations_postgresql[];
extern const size_t sd__store_migrations_postgresql_n;

#define SD_STORE_CACHE_BUCKETS 64
#define SD_STORE_CACHE_MAX     128 /* cached statements per connection; least recently used go */
#define SD_STORE_IDLE_MAX      8   /* idle connections kept for new threads */

typedef struct sd_store_conn sd_store_conn_t;

struct sd_stmt {
    sd_store_conn_t *conn;
    void *impl;
    char *sql; /* cache key, owned */
    uint32_t hash;
    int nparams;
    bool cached;      /* in the connection's cache (else freed by sd_stmt_done) */
    bool busy;        /* an open cursor */
    bool ended;       /* next() returned 0 or an error */
    int first;        /* result of the first next(), fetched by query; -2 when consumed */
    sd_stmt_t *hnext; /* hash chain, or the uncached list */
    sd_stmt_t *lru_prev, *lru_next; /* most recently used at conn->lru_head */
};

struct sd_store_conn {
    sd_store_t *st;
    void *impl;
    sd_stmt_t *bucket[SD_STORE_CACHE_BUCKETS];
    sd_stmt_t *lru_head, *lru_tail;
    int ncached;
    sd_stmt_t *uncached; /* cursors of a statement that was busy, freed at done or close */
    bool in_tx;
    bool tx_failed;
    sd_store_conn_t *next; /* in st->conns */
};

struct sd_store {
    const struct sd_store_ops *ops;
    void *cfg;
    pthread_key_t key; /* the calling thread's connection */
    pthread_mutex_t mu;
    sd_store_conn_t *conns; /* every open connection, in use or idle */
    sd_store_conn_t *idle[SD_STORE_IDLE_MAX];
    int nidle;
    atomic_uint_fast64_t n_conn, n_prep, n_hit;
};

/* Set the calling thread's error message (printf style); returns err for tail calls. */
int sd__store_seterr(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Open and connect to url without migrating; migrate.c opens through it, then migrates. */
int sd__store_connect(const char *url, sd_store_t **out);
/* sd_store_close() that keeps the thread's error message (for a failed open). */
void sd__store_close_keep_error(sd_store_t *st);

/*
 * Copy sql into out (cap bytes, cap >= strlen(sql)+1) with each $N outside literals, quoted
 * identifiers and comments turned into ?N. SD_EINVAL for a bare ? (non-portable), set in errmsg.
 * Pure: fuzzed by tests/fuzz/fuzz_store_sql.c.
 */
int sd__store_sql_dollar_to_qmark(const char *sql, char *out, size_t cap);

/* Is s[0..len) valid UTF-8 without NUL bytes? */
bool sd__store_utf8_ok(const char *s, size_t len);

#endif
