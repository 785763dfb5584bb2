/* store_sqlite.c - the SQLite backend of the store: WAL, foreign keys, busy timeout. */
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "store/store_int.h"

typedef struct {
    char *path; /* file path, or a memdb URI for sqlite::memory: */
    bool memory;
    bool sync_full;
    int busy_ms;
    sqlite3 *anchor; /* keeps a memory database alive while connections come and go */
} cfg_t;

typedef struct {
    sqlite3 *db;
} conn_t;

typedef struct {
    sqlite3_stmt *s;
    sqlite3 *db;
    sqlite3_int64 total_before;
} stmt_t;

static int map_err(sqlite3 *db, int rc)
{
    int err;
    switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
        /* STRICT tables' type errors are a caller bug, as PostgreSQL's 22P02/42804 are. */
        err = rc == SQLITE_CONSTRAINT_DATATYPE ? SD_ESTORE : SD_ECONFLICT;
        break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        err = SD_EBUSY;
        break;
    case SQLITE_NOMEM:
        err = SD_ENOMEM;
        break;
    case SQLITE_FULL:
        err = SD_ENOSPC; /* database or disk is full */
        break;
    default:
        err = SD_ESTORE;
    }
    return sd__store_seterr(err, "sqlite: %s", db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
}

static bool sq_accepts(const char *url)
{
    return strncmp(url, "sqlite:", 7) == 0;
}

static void sq_cfg_free(void *p)
{
    cfg_t *cfg = p;
    if (!cfg)
        return;
    sqlite3_close(cfg->anchor);
    free(cfg->path);
    free(cfg);
}

static int parse_query(cfg_t *cfg, char *q)
{
    for (char *save = NULL, *kv = strtok_r(q, "&", &save); kv; kv = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(kv, '=');
        const char *v = eq ? eq + 1 : "";
        if (eq)
            *eq = '\0';
        if (strcmp(kv, "sync") == 0 && (strcmp(v, "full") == 0 || strcmp(v, "normal") == 0)) {
            cfg->sync_full = v[0] == 'f';
        } else if (strcmp(kv, "busy_ms") == 0 && v[0] >= '0' && v[0] <= '9') {
            char *end;
            long ms = strtol(v, &end, 10);
            if (*end || ms > 3600000)
                return sd__store_seterr(SD_ECONFIG, "sqlite URL: bad busy_ms");
            cfg->busy_ms = (int)ms;
        } else {
            return sd__store_seterr(SD_ECONFIG, "sqlite URL: unknown option '%s'", kv);
        }
    }
    return 0;
}

/*
 * Wait for another connection's write lock in short steps: 100 us for the first 2 ms, then 1 ms,
 * up to busy_ms in all. SQLite's own handler sleeps 1, 2, 5, 10 ... 100 ms, so a writer queued
 * behind a transaction of a millisecond (the alarm engine's, the ingest writer's) often slept
 * ten, and every answer waiting on that writer with it.
 */
static int busy_wait(void *ctx, int n)
{
    long busy_ms = (long)(intptr_t)ctx;
    long waited_us = n < 20 ? n * 100L : 2000L + (n - 20) * 1000L;
    if (waited_us >= busy_ms * 1000L)
        return 0;
    struct timespec ts = {0, n < 20 ? 100000L : 1000000L};
    nanosleep(&ts, NULL);
    return 1;
}

static int sq_open(const cfg_t *cfg, sqlite3 **out)
{
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (cfg->memory)
        flags |= SQLITE_OPEN_URI;
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(cfg->path, &db, flags, NULL);
    if (rc != SQLITE_OK) {
        rc = sd__store_seterr(SD_ESTORE, "sqlite: cannot open %s: %s", cfg->path,
                              db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close(db);
        return rc;
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_handler(db, busy_wait, (void *)(intptr_t)cfg->busy_ms);
    *out = db;
    return 0;
}

static int sq_parse(const char *url, void **out)
{
    static atomic_uint seq;
    cfg_t *cfg = calloc(1, sizeof *cfg);
    char *rest = NULL;
    int rc = 0;
    if (!cfg)
        return sd__store_seterr(SD_ENOMEM, "out of memory");
    cfg->sync_full = true;
    cfg->busy_ms = 5000;
    const char *q = strchr(url, '?');
    if (q && !(rest = strdup(q + 1))) {
        rc = sd__store_seterr(SD_ENOMEM, "out of memory");
        goto out;
    }
    size_t base = q ? (size_t)(q - url) : strlen(url);
    if (base == strlen("sqlite::memory:") && strncmp(url, "sqlite::memory:", base) == 0) {
        /* A memdb name starting with '/' is shared by this process's connections to it. */
        char name[96];
        snprintf(name, sizeof name, "file:/suido-mem-%ld-%u?vfs=memdb", (long)getpid(),
                 atomic_fetch_add(&seq, 1));
        cfg->memory = true;
        cfg->path = strdup(name);
    } else if (base > 10 && strncmp(url, "sqlite:///", 10) == 0) {
        cfg->path = strndup(url + 9, base - 9);
    } else {
        rc = sd__store_seterr(SD_ECONFIG,
                              "sqlite URL must be sqlite:///absolute/path or sqlite::memory:");
        goto out;
    }
    if (!cfg->path) {
        rc = sd__store_seterr(SD_ENOMEM, "out of memory");
        goto out;
    }
    if (rest && (rc = parse_query(cfg, rest)) < 0)
        goto out;
    if (cfg->memory)
        rc = sq_open(cfg, &cfg->anchor);
out:
    free(rest);
    if (rc < 0) {
        sq_cfg_free(cfg);
        return rc;
    }
    *out = cfg;
    return 0;
}

static int pragma(sqlite3 *db, const char *sql, const char *want)
{
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
    if (rc != SQLITE_OK)
        return map_err(db, rc);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW && want) {
        const char *got = (const char *)sqlite3_column_text(s, 0);
        if (!got || strcmp(got, want) != 0) {
            sd__store_seterr(SD_ESTORE, "sqlite: %s gave %s", sql, got ? got : "NULL");
            sqlite3_finalize(s);
            return SD_ESTORE;
        }
    }
    rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : map_err(db, rc);
    sqlite3_finalize(s);
    return rc;
}

static int sq_connect(void *p, void **out)
{
    const cfg_t *cfg = p;
    conn_t *c = calloc(1, sizeof *c);
    if (!c)
        return sd__store_seterr(SD_ENOMEM, "out of memory");
    int rc = sq_open(cfg, &c->db);
    if (rc == 0 && !cfg->memory) {
        /* WAL: readers never block the writer nor each other; FULL syncs the WAL per commit. */
        rc = pragma(c->db, "PRAGMA journal_mode=WAL", "wal");
        if (rc == 0)
            rc = pragma(c->db,
                        cfg->sync_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL",
                        NULL);
    }
    if (rc == 0)
        rc = pragma(c->db, "PRAGMA foreign_keys=ON", NULL);
    if (rc < 0) {
        sqlite3_close(c->db);
        free(c);
        return rc;
    }
    *out = c;
    return 0;
}

static void sq_disconnect(void *p)
{
    conn_t *c = p;
    sqlite3_close(c->db);
    free(c);
}

static bool sq_broken(void *p)
{
    return false;
}

/* Anything after the first statement other than blanks, ';' and comments? */
static bool has_more(sqlite3 *db, const char *tail)
{
    while (tail && *tail) {
        sqlite3_stmt *s = NULL;
        if (sqlite3_prepare_v2(db, tail, -1, &s, &tail) != SQLITE_OK)
            return true;
        if (s) {
            sqlite3_finalize(s);
            return true;
        }
    }
    return false;
}

static int sq_prepare(void *p, const char *sql, void **out)
{
    conn_t *c = p;
    size_t n = strlen(sql);
    char small[512];
    char *q = n < sizeof small ? small : malloc(n + 1);
    if (!q)
        return sd__store_seterr(SD_ENOMEM, "out of memory");
    stmt_t *st = calloc(1, sizeof *st);
    int rc = st ? sd__store_sql_dollar_to_qmark(sql, q, n + 1)
                : sd__store_seterr(SD_ENOMEM, "out of memory");
    if (rc < 0)
        goto out;
    const char *tail = NULL;
    int src = sqlite3_prepare_v3(c->db, q, -1, SQLITE_PREPARE_PERSISTENT, &st->s, &tail);
    if (src != SQLITE_OK) {
        rc = map_err(c->db, src);
    } else if (!st->s) {
        rc = sd__store_seterr(SD_EINVAL, "empty statement");
    } else if (has_more(c->db, tail)) {
        rc = sd__store_seterr(SD_EINVAL, "one statement at a time (use sd_store_exec_script)");
    }
    st->db = c->db;
out:
    if (q != small)
        free(q);
    if (rc < 0) {
        if (st)
            sqlite3_finalize(st->s);
        free(st);
        return rc;
    }
    *out = st;
    return 0;
}

static void sq_finalize(void *conn, void *p, bool closing)
{
    stmt_t *st = p;
    sqlite3_finalize(st->s);
    free(st);
}

static int sq_execute(void *p, const sd_val_t *v, int np, bool copy)
{
    stmt_t *st = p;
    sqlite3_destructor_type keep = copy ? SQLITE_TRANSIENT : SQLITE_STATIC;
    for (int i = 0; i < np; i++) {
        int rc;
        switch (v[i].type) {
        case SD_VAL_INT64:
            rc = sqlite3_bind_int64(st->s, i + 1, v[i].u.i);
            break;
        case SD_VAL_DOUBLE:
            rc = sqlite3_bind_double(st->s, i + 1, v[i].u.d);
            break;
        case SD_VAL_TEXT: {
            size_t len = v[i].u.b.len == SIZE_MAX ? strlen(v[i].u.b.p) : v[i].u.b.len;
            rc = sqlite3_bind_text64(st->s, i + 1, v[i].u.b.p, len, keep, SQLITE_UTF8);
            break;
        }
        case SD_VAL_BLOB:
            /* A NULL pointer would bind SQL NULL: an empty blob is a zero-length blob. */
            rc = v[i].u.b.len == 0
                     ? sqlite3_bind_zeroblob(st->s, i + 1, 0)
                     : sqlite3_bind_blob64(st->s, i + 1, v[i].u.b.p, v[i].u.b.len, keep);
            break;
        default:
            rc = sqlite3_bind_null(st->s, i + 1);
        }
        if (rc != SQLITE_OK)
            return map_err(st->db, rc);
    }
    st->total_before = sqlite3_total_changes64(st->db);
    return 0;
}

static int sq_next(void *p)
{
    stmt_t *st = p;
    int rc = sqlite3_step(st->s);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    return map_err(st->db, rc);
}

static int64_t sq_changes(void *p)
{
    stmt_t *st = p;
    /* sqlite3_changes() keeps the last DML's count across DDL and reads: only trust it when this
     * statement moved the total (which counts trigger changes too, so it is not used itself). */
    if (sqlite3_total_changes64(st->db) == st->total_before)
        return 0;
    return sqlite3_changes64(st->db);
}

static void sq_reset(void *p)
{
    stmt_t *st = p;
    sqlite3_reset(st->s);
    sqlite3_clear_bindings(st->s);
}

static int sq_ncols(void *p)
{
    return sqlite3_column_count(((stmt_t *)p)->s);
}

static const char *sq_col_name(void *p, int col)
{
    return sqlite3_column_name(((stmt_t *)p)->s, col);
}

static bool sq_col_null(void *p, int col)
{
    return sqlite3_column_type(((stmt_t *)p)->s, col) == SQLITE_NULL;
}

static int64_t sq_col_int64(void *p, int col)
{
    return sqlite3_column_int64(((stmt_t *)p)->s, col);
}

static double sq_col_double(void *p, int col)
{
    return sqlite3_column_double(((stmt_t *)p)->s, col);
}

static const char *sq_col_text(void *p, int col, size_t *len)
{
    sqlite3_stmt *s = ((stmt_t *)p)->s;
    if (sqlite3_column_type(s, col) == SQLITE_NULL)
        return NULL;
    const char *t = (const char *)sqlite3_column_text(s, col);
    *len = (size_t)sqlite3_column_bytes(s, col);
    return t ? t : "";
}

static const void *sq_col_blob(void *p, int col, size_t *len)
{
    sqlite3_stmt *s = ((stmt_t *)p)->s;
    if (sqlite3_column_type(s, col) == SQLITE_NULL)
        return NULL;
    const void *b = sqlite3_column_blob(s, col);
    *len = (size_t)sqlite3_column_bytes(s, col);
    return b ? b : "";
}

static int sq_exec_script(void *p, const char *sql)
{
    conn_t *c = p;
    char *msg = NULL;
    int rc = sqlite3_exec(c->db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        int err = map_err(c->db, rc);
        if (msg)
            sd__store_seterr(err, "sqlite: %s", msg);
        sqlite3_free(msg);
        return err;
    }
    return 0;
}

static int sq_begin(void *p)
{
    /* IMMEDIATE takes the write lock now (waiting up to busy_ms), so two writers can never
     * deadlock upgrading read locks, which the busy handler cannot resolve. */
    return sq_exec_script(p, "BEGIN IMMEDIATE");
}

const struct sd_store_ops sd__store_sqlite_ops = {
    .name = "sqlite",
    .accepts = sq_accepts,
    .parse = sq_parse,
    .cfg_free = sq_cfg_free,
    .connect = sq_connect,
    .disconnect = sq_disconnect,
    .broken = sq_broken,
    .prepare = sq_prepare,
    .finalize = sq_finalize,
    .execute = sq_execute,
    .next = sq_next,
    .changes = sq_changes,
    .reset = sq_reset,
    .ncols = sq_ncols,
    .col_name = sq_col_name,
    .col_null = sq_col_null,
    .col_int64 = sq_col_int64,
    .col_double = sq_col_double,
    .col_text = sq_col_text,
    .col_blob = sq_col_blob,
    .exec_script = sq_exec_script,
    .begin = sq_begin,
    .lock_schema = NULL,
};
