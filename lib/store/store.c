/* store.c - the store's common layer: URL dispatch, per-thread connections, statement cache,
 * parameter checks and transactions over a backend ops table (store_sqlite.c, store_pg.c). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/err.h"
#include "store/store_int.h"

#include "core/utf8.h"

/* #ifdef only registers a backend; dispatch is always by URL through this table. */
static const struct sd_store_ops *const backends[] = {
    &sd__store_sqlite_ops,
#ifndef SD_STORE_NO_PG
    &sd__store_pg_ops,
#endif
};

#define TX_TRIES 5

static _Thread_local char errbuf[512];

int sd__store_seterr(int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errbuf, sizeof errbuf, fmt, ap);
    va_end(ap);
    size_t n = strlen(errbuf);
    while (n > 0 && (errbuf[n - 1] == '\n' || errbuf[n - 1] == ' '))
        errbuf[--n] = '\0';
    return err;
}

const char *sd_store_errmsg(void)
{
    return errbuf;
}

/* --- pure helpers ------------------------------------------------------------------------------
 */

static bool is_ident(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '$' || (unsigned char)c >= 0x80;
}

/* Scan sql once: highest $N into *maxp; with out (strlen+1 bytes) also write the ?N form. */
static int sql_scan(const char *sql, char *out, int *maxp)
{
    size_t n = strlen(sql);
    int maxn = 0;
    bool semi = false;
    if (out)
        memcpy(out, sql, n + 1);
    for (size_t i = 0; i < n; i++) {
        char c = sql[i];
        bool comment = (c == '-' && sql[i + 1] == '-') || (c == '/' && sql[i + 1] == '*');
        if (c == ';' || c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            semi |= c == ';';
            continue;
        }
        if (semi && !comment)
            return sd__store_seterr(SD_EINVAL, "one statement at a time (sd_store_exec_script)");
        if (c == '\'' || c == '"') {
            size_t j = i + 1;
            while (j < n && sql[j] != c)
                j++;
            i = j; /* a doubled quote just reopens: same result */
        } else if (c == '-' && sql[i + 1] == '-') {
            while (i < n && sql[i] != '\n')
                i++;
        } else if (c == '/' && sql[i + 1] == '*') {
            i += 2;
            while (i < n && !(sql[i] == '*' && sql[i + 1] == '/'))
                i++;
            i++;
        } else if (c == '$' && sql[i + 1] >= '0' && sql[i + 1] <= '9' &&
                   (i == 0 || !is_ident(sql[i - 1]))) {
            long v = 0;
            size_t j = i + 1;
            while (j < n && sql[j] >= '0' && sql[j] <= '9' && v < 100000)
                v = v * 10 + (sql[j++] - '0');
            if (v < 1 || v > 32766)
                return sd__store_seterr(SD_EINVAL, "parameter $%ld out of range", v);
            if (v > maxn)
                maxn = (int)v;
            if (out)
                out[i] = '?';
            i = j - 1;
        } else if (c == '?') {
            return sd__store_seterr(SD_EINVAL, "use $1, $2 ... for parameters, not ?");
        }
    }
    *maxp = maxn;
    return 0;
}

int sd__store_sql_dollar_to_qmark(const char *sql, char *out, size_t cap)
{
    int maxn;
    if (strlen(sql) + 1 > cap)
        return SD_EINVAL;
    return sql_scan(sql, out, &maxn);
}

bool sd__store_utf8_ok(const char *str, size_t len)
{
    /* PostgreSQL text cannot hold NUL, so neither may SQLite's: the backends must agree */
    return !memchr(str, 0, len) && sd_utf8_check(str, len) == len;
}

/* The cache key's hash: the length and the first and last 48 bytes only. Every statement run
 * is looked up by its text, and hashing a whole 400-byte upsert byte by byte was a tenth of the
 * CPU of sample ingest; equal hashes are still told apart by strcmp, so this is only about the
 * spread over 64 buckets, which the length and both ends give. */
static uint32_t hash_sql(const char *s)
{
    size_t len = strlen(s);
    uint32_t h = 2166136261u ^ (uint32_t)len;
    for (size_t i = 0; i < len; i++) {
        if (i == 48 && len >= 96)
            i = len - 48; /* skip the middle */
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    }
    return h;
}

/* --- statements and the per-connection cache -------------------------------------------------- */

static void stmt_free(sd_store_conn_t *c, sd_stmt_t *s, bool closing)
{
    c->st->ops->finalize(c->impl, s->impl, closing);
    free(s->sql);
    free(s);
}

static void lru_unlink(sd_store_conn_t *c, sd_stmt_t *s)
{
    if (s->lru_prev)
        s->lru_prev->lru_next = s->lru_next;
    else
        c->lru_head = s->lru_next;
    if (s->lru_next)
        s->lru_next->lru_prev = s->lru_prev;
    else
        c->lru_tail = s->lru_prev;
    s->lru_prev = s->lru_next = NULL;
}

static void lru_push(sd_store_conn_t *c, sd_stmt_t *s)
{
    s->lru_prev = NULL;
    s->lru_next = c->lru_head;
    if (c->lru_head)
        c->lru_head->lru_prev = s;
    c->lru_head = s;
    if (!c->lru_tail)
        c->lru_tail = s;
}

static void cache_remove(sd_store_conn_t *c, sd_stmt_t *s)
{
    sd_stmt_t **pp = &c->bucket[s->hash % SD_STORE_CACHE_BUCKETS];
    while (*pp != s)
        pp = &(*pp)->hnext;
    *pp = s->hnext;
    lru_unlink(c, s);
    c->ncached--;
}

static void cache_evict(sd_store_conn_t *c)
{
    for (sd_stmt_t *s = c->lru_tail; s && c->ncached > SD_STORE_CACHE_MAX; s = s->lru_prev) {
        if (s->busy)
            continue;
        cache_remove(c, s);
        stmt_free(c, s, false);
        return;
    }
}

/* A backend error: inside a transaction it aborts the transaction (PostgreSQL does; we make
 * SQLite agree). */
static int backend_fail(sd_store_conn_t *c, int rc)
{
    if (c->in_tx)
        c->tx_failed = true;
    return rc;
}

static int stmt_get(sd_store_conn_t *c, const char *sql, sd_stmt_t **out)
{
    sd_store_t *st = c->st;
    uint32_t h = hash_sql(sql);
    sd_stmt_t *s = c->bucket[h % SD_STORE_CACHE_BUCKETS];
    while (s && (s->hash != h || strcmp(s->sql, sql) != 0))
        s = s->hnext;
    if (s && !s->busy) {
        lru_unlink(c, s);
        lru_push(c, s);
        atomic_fetch_add_explicit(&st->n_hit, 1, memory_order_relaxed);
        *out = s;
        return 0;
    }
    /* Not cached, or cached but an open cursor is using it (a nested query of the same SQL):
     * then prepare a private copy that sd_stmt_done() frees. */
    bool cache = s == NULL;
    int nparams;
    int rc = sql_scan(sql, NULL, &nparams);
    if (rc < 0)
        return rc;
    s = calloc(1, sizeof *s);
    if (!s || !(s->sql = strdup(sql))) {
        free(s);
        return sd__store_seterr(SD_ENOMEM, "out of memory");
    }
    rc = st->ops->prepare(c->impl, sql, &s->impl);
    if (rc < 0) {
        free(s->sql);
        free(s);
        return backend_fail(c, rc);
    }
    atomic_fetch_add_explicit(&st->n_prep, 1, memory_order_relaxed);
    s->conn = c;
    s->hash = h;
    s->nparams = nparams;
    s->cached = cache;
    if (cache) {
        s->hnext = c->bucket[h % SD_STORE_CACHE_BUCKETS];
        c->bucket[h % SD_STORE_CACHE_BUCKETS] = s;
        lru_push(c, s);
        c->ncached++;
        cache_evict(c);
    } else {
        s->hnext = c->uncached;
        c->uncached = s;
    }
    *out = s;
    return 0;
}

static void stmt_release(sd_stmt_t *s)
{
    sd_store_conn_t *c = s->conn;
    c->st->ops->reset(s->impl);
    s->busy = false;
    if (s->cached)
        return;
    sd_stmt_t **pp = &c->uncached;
    while (*pp && *pp != s)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = s->hnext;
    stmt_free(c, s, false);
}

/* --- connections ------------------------------------------------------------------------------ */

static void conn_free(sd_store_conn_t *c)
{
    while (c->uncached) {
        sd_stmt_t *s = c->uncached;
        c->uncached = s->hnext;
        stmt_free(c, s, true);
    }
    while (c->lru_head) {
        sd_stmt_t *s = c->lru_head;
        lru_unlink(c, s);
        stmt_free(c, s, true);
    }
    c->st->ops->disconnect(c->impl);
    free(c);
}

/* Caller holds st->mu. */
static void conn_unlink(sd_store_t *st, sd_store_conn_t *c)
{
    sd_store_conn_t **pp = &st->conns;
    while (*pp && *pp != c)
        pp = &(*pp)->next;
    if (*pp)
        *pp = c->next;
}

/* Leave c as a fresh connection: cursors reset, no transaction. */
static void conn_quiesce(sd_store_conn_t *c)
{
    while (c->uncached) {
        sd_stmt_t *s = c->uncached;
        c->uncached = s->hnext;
        c->st->ops->reset(s->impl);
        stmt_free(c, s, false);
    }
    for (sd_stmt_t *s = c->lru_head; s; s = s->lru_next) {
        if (s->busy) {
            c->st->ops->reset(s->impl);
            s->busy = false;
        }
    }
    if (c->in_tx) {
        char saved[sizeof errbuf];
        memcpy(saved, errbuf, sizeof saved);
        c->st->ops->exec_script(c->impl, "ROLLBACK");
        memcpy(errbuf, saved, sizeof saved);
        c->in_tx = c->tx_failed = false;
    }
}

/* Give c back: to the idle pool, or closed when broken or the pool is full. */
static void conn_park(sd_store_conn_t *c)
{
    sd_store_t *st = c->st;
    conn_quiesce(c);
    bool keep = !st->ops->broken(c->impl);
    pthread_mutex_lock(&st->mu);
    if (keep && st->nidle < SD_STORE_IDLE_MAX) {
        st->idle[st->nidle++] = c;
        c = NULL;
    } else {
        conn_unlink(st, c);
    }
    pthread_mutex_unlock(&st->mu);
    if (c)
        conn_free(c);
}

static void conn_drop(sd_store_conn_t *c)
{
    sd_store_t *st = c->st;
    pthread_mutex_lock(&st->mu);
    conn_unlink(st, c);
    pthread_mutex_unlock(&st->mu);
    conn_free(c);
}

static void thread_exit(void *p)
{
    conn_park(p);
}

static int conn_new(sd_store_t *st, sd_store_conn_t **out)
{
    sd_store_conn_t *c = calloc(1, sizeof *c);
    if (!c)
        return sd__store_seterr(SD_ENOMEM, "out of memory");
    c->st = st;
    int rc = st->ops->connect(st->cfg, &c->impl);
    if (rc < 0) {
        free(c);
        return rc;
    }
    atomic_fetch_add_explicit(&st->n_conn, 1, memory_order_relaxed);
    pthread_mutex_lock(&st->mu);
    c->next = st->conns;
    st->conns = c;
    pthread_mutex_unlock(&st->mu);
    *out = c;
    return 0;
}

/* The calling thread's connection: its own, else an idle one, else a new one. */
static int conn_get(sd_store_t *st, sd_store_conn_t **out)
{
    sd_store_conn_t *c = pthread_getspecific(st->key);
    if (c && !c->in_tx && st->ops->broken(c->impl)) {
        /* The server went away between transactions: reconnect rather than fail forever. */
        pthread_setspecific(st->key, NULL);
        conn_drop(c);
        c = NULL;
    }
    if (c) {
        *out = c;
        return 0;
    }
    for (;;) {
        pthread_mutex_lock(&st->mu);
        c = st->nidle > 0 ? st->idle[--st->nidle] : NULL;
        pthread_mutex_unlock(&st->mu);
        if (!c || !st->ops->broken(c->impl))
            break;
        conn_drop(c);
    }
    if (!c) {
        int rc = conn_new(st, &c);
        if (rc < 0)
            return rc;
    }
    if (pthread_setspecific(st->key, c) != 0) {
        conn_park(c);
        return sd__store_seterr(SD_ENOMEM, "pthread_setspecific failed");
    }
    *out = c;
    return 0;
}

/* --- open / close ------------------------------------------------------------------------------
 */

/* Open and connect, without migrating (migrate.c's sd_store_open_flags() migrates after it). */
int sd__store_connect(const char *url, sd_store_t **out)
{
    *out = NULL;
    if (!url)
        return sd__store_seterr(SD_ECONFIG, "no store URL");
    const struct sd_store_ops *ops = NULL;
    for (size_t i = 0; i < sizeof backends / sizeof backends[0] && !ops; i++)
        if (backends[i]->accepts(url))
            ops = backends[i];
    if (!ops)
        return sd__store_seterr(SD_ECONFIG, "unknown store URL scheme (sqlite: or postgresql:)");
    sd_store_t *st = calloc(1, sizeof *st);
    if (!st)
        return sd__store_seterr(SD_ENOMEM, "out of memory");
    st->ops = ops;
    int rc = ops->parse(url, &st->cfg);
    if (rc < 0) {
        free(st);
        return rc;
    }
    if (pthread_key_create(&st->key, thread_exit) != 0) {
        ops->cfg_free(st->cfg);
        free(st);
        return sd__store_seterr(SD_ENOMEM, "pthread_key_create failed");
    }
    pthread_mutex_init(&st->mu, NULL);
    atomic_init(&st->n_conn, 0);
    atomic_init(&st->n_prep, 0);
    atomic_init(&st->n_hit, 0);
    sd_store_conn_t *c;
    rc = conn_get(st, &c); /* connect now so a bad URL or a down server fails at open */
    if (rc < 0) {
        sd__store_close_keep_error(st);
        return rc;
    }
    *out = st;
    return 0;
}

void sd__store_close_keep_error(sd_store_t *st)
{
    char saved[sizeof errbuf];
    memcpy(saved, errbuf, sizeof saved);
    sd_store_close(st);
    memcpy(errbuf, saved, sizeof saved);
}

void sd_store_close(sd_store_t *st)
{
    if (!st)
        return;
    /* Deleting the key first means no thread's exit destructor runs on a freed store. */
    pthread_key_delete(st->key);
    while (st->conns) {
        sd_store_conn_t *c = st->conns;
        st->conns = c->next;
        conn_quiesce(c);
        conn_free(c);
    }
    st->ops->cfg_free(st->cfg);
    pthread_mutex_destroy(&st->mu);
    free(st);
}

const char *sd_store_backend(const sd_store_t *st)
{
    return st->ops->name;
}

void sd_store_release(sd_store_t *st)
{
    sd_store_conn_t *c = pthread_getspecific(st->key);
    if (!c)
        return;
    pthread_setspecific(st->key, NULL);
    conn_park(c);
}

void sd_store_stats(sd_store_t *st, sd_store_stats_t *out)
{
    out->connections = atomic_load(&st->n_conn);
    out->prepares = atomic_load(&st->n_prep);
    out->cache_hits = atomic_load(&st->n_hit);
}

/* --- running statements ----------------------------------------------------------------------- */

static int check_params(const sd_stmt_t *s, const sd_val_t *p, int np)
{
    if (np != s->nparams || (np > 0 && !p))
        return sd__store_seterr(SD_EINVAL, "statement takes %d parameters, %d given", s->nparams,
                                np);
    for (int i = 0; i < np; i++) {
        const sd_val_t *v = &p[i];
        switch (v->type) {
        case SD_VAL_NULL:
        case SD_VAL_INT64:
            break;
        case SD_VAL_DOUBLE:
            /* SQLite stores NaN as NULL, PostgreSQL as NaN: refuse rather than differ. */
            if (isnan(v->u.d))
                return sd__store_seterr(SD_EINVAL, "parameter $%d is NaN", i + 1);
            break;
        case SD_VAL_TEXT: {
            if (!v->u.b.p)
                return sd__store_seterr(SD_EINVAL, "parameter $%d: NULL text pointer", i + 1);
            size_t len = v->u.b.len == SIZE_MAX ? strlen(v->u.b.p) : v->u.b.len;
            if (!sd__store_utf8_ok(v->u.b.p, len))
                return sd__store_seterr(SD_EENCODING, "parameter $%d is not UTF-8 text", i + 1);
            break;
        }
        case SD_VAL_BLOB:
            if (!v->u.b.p && v->u.b.len > 0)
                return sd__store_seterr(SD_EINVAL, "parameter $%d: NULL blob pointer", i + 1);
            break;
        default:
            return sd__store_seterr(SD_EINVAL, "parameter $%d: bad type", i + 1);
        }
    }
    return 0;
}

/* Prepare (cached), check, bind, execute and fetch the first row. copy: the parameters' memory
 * may die before the cursor is done. */
static int run(sd_store_t *st, const char *sql, const sd_val_t *p, int np, bool copy,
               sd_stmt_t **out)
{
    sd_store_conn_t *c;
    sd_stmt_t *s = NULL;
    int rc = conn_get(st, &c);
    if (rc < 0)
        return rc;
    if (c->in_tx && c->tx_failed)
        return sd__store_seterr(SD_ESTORE, "transaction aborted by an earlier error: roll back");
    if ((rc = stmt_get(c, sql, &s)) < 0)
        return rc;
    s->busy = true;
    s->ended = false;
    if ((rc = check_params(s, p, np)) < 0) {
        stmt_release(s);
        return rc;
    }
    if ((rc = st->ops->execute(s->impl, p, np, copy)) >= 0)
        rc = st->ops->next(s->impl);
    if (rc < 0) {
        stmt_release(s);
        return backend_fail(c, rc);
    }
    s->first = rc;
    s->ended = rc == 0;
    *out = s;
    return 0;
}

int sd_store_exec(sd_store_t *st, const char *sql, const sd_val_t *params, int nparams,
                  int64_t *changes)
{
    sd_stmt_t *s;
    int rc = run(st, sql, params, nparams, false, &s);
    if (rc < 0)
        return rc;
    rc = s->first;
    while (rc == 1)
        rc = st->ops->next(s->impl);
    if (rc < 0)
        backend_fail(s->conn, rc);
    else if (changes)
        *changes = st->ops->changes(s->impl);
    stmt_release(s);
    return rc;
}

int sd_store_insert(sd_store_t *st, const char *sql, const sd_val_t *params, int nparams,
                    int64_t *id)
{
    sd_stmt_t *s;
    int rc = run(st, sql, params, nparams, false, &s);
    if (rc < 0)
        return rc;
    rc = s->first;
    if (rc == 1)
        *id = st->ops->col_int64(s->impl, 0);
    else
        sd__store_seterr(SD_ENOTFOUND, "statement returned no row");
    int first = rc;
    while (rc == 1)
        rc = st->ops->next(s->impl);
    if (rc < 0)
        backend_fail(s->conn, rc);
    stmt_release(s);
    return rc < 0 ? rc : first == 1 ? 0 : SD_ENOTFOUND;
}

int sd_store_query(sd_store_t *st, const char *sql, const sd_val_t *params, int nparams,
                   sd_stmt_t **out)
{
    *out = NULL;
    return run(st, sql, params, nparams, true, out);
}

int sd_store_query_row(sd_store_t *st, const char *sql, const sd_val_t *params, int nparams,
                       sd_stmt_t **out)
{
    sd_stmt_t *s;
    *out = NULL;
    /* The cursor never steps again, so the parameters need not outlive this call. */
    int rc = run(st, sql, params, nparams, false, &s);
    if (rc < 0)
        return rc;
    if (s->first == 0) {
        stmt_release(s);
        return sd__store_seterr(SD_ENOTFOUND, "no row");
    }
    s->first = -2;
    *out = s;
    return 0;
}

int sd_stmt_next(sd_stmt_t *s)
{
    if (s->first != -2) {
        int r = s->first;
        s->first = -2;
        return r;
    }
    if (s->ended)
        return 0;
    int rc = s->conn->st->ops->next(s->impl);
    if (rc <= 0)
        s->ended = true;
    return rc < 0 ? backend_fail(s->conn, rc) : rc;
}

void sd_stmt_done(sd_stmt_t *s)
{
    if (s)
        stmt_release(s);
}

int sd_stmt_columns(const sd_stmt_t *s)
{
    return s->conn->st->ops->ncols(s->impl);
}

const char *sd_stmt_column_name(const sd_stmt_t *s, int col)
{
    return s->conn->st->ops->col_name(s->impl, col);
}

bool sd_stmt_is_null(sd_stmt_t *s, int col)
{
    return s->conn->st->ops->col_null(s->impl, col);
}

int64_t sd_stmt_int64(sd_stmt_t *s, int col)
{
    return s->conn->st->ops->col_int64(s->impl, col);
}

double sd_stmt_double(sd_stmt_t *s, int col)
{
    return s->conn->st->ops->col_double(s->impl, col);
}

const char *sd_stmt_text(sd_stmt_t *s, int col, size_t *len)
{
    size_t n = 0;
    const char *p = s->conn->st->ops->col_text(s->impl, col, &n);
    if (len)
        *len = p ? n : 0;
    return p;
}

const void *sd_stmt_blob(sd_stmt_t *s, int col, size_t *len)
{
    size_t n = 0;
    const void *p = s->conn->st->ops->col_blob(s->impl, col, &n);
    if (len)
        *len = p ? n : 0;
    return p;
}

int sd_store_exec_script(sd_store_t *st, const char *sql)
{
    sd_store_conn_t *c;
    int rc = conn_get(st, &c);
    if (rc < 0)
        return rc;
    if (c->in_tx && c->tx_failed)
        return sd__store_seterr(SD_ESTORE, "transaction aborted by an earlier error: roll back");
    rc = st->ops->exec_script(c->impl, sql);
    return rc < 0 ? backend_fail(c, rc) : 0;
}

/* --- transactions ----------------------------------------------------------------------------- */

int sd_store_begin(sd_store_t *st)
{
    sd_store_conn_t *c;
    int rc = conn_get(st, &c);
    if (rc < 0)
        return rc;
    if (c->in_tx)
        return sd__store_seterr(SD_EINVAL, "a transaction is already open on this thread");
    if ((rc = st->ops->begin(c->impl)) < 0)
        return rc;
    c->in_tx = true;
    c->tx_failed = false;
    return 0;
}

static void rollback_quiet(sd_store_conn_t *c)
{
    char saved[sizeof errbuf];
    memcpy(saved, errbuf, sizeof saved);
    c->st->ops->exec_script(c->impl, "ROLLBACK");
    memcpy(errbuf, saved, sizeof saved);
    c->in_tx = c->tx_failed = false;
}

int sd_store_commit(sd_store_t *st)
{
    sd_store_conn_t *c;
    int rc = conn_get(st, &c);
    if (rc < 0)
        return rc;
    if (!c->in_tx)
        return sd__store_seterr(SD_EINVAL, "no transaction open on this thread");
    if (c->tx_failed) {
        /* PostgreSQL would silently turn this COMMIT into a ROLLBACK: say so. */
        sd__store_seterr(SD_ESTORE, "transaction aborted by an earlier error: rolled back");
        rollback_quiet(c);
        return SD_ESTORE;
    }
    rc = st->ops->exec_script(c->impl, "COMMIT");
    if (rc < 0) {
        rollback_quiet(c); /* SQLite keeps the transaction open after a failed COMMIT */
        return rc;
    }
    c->in_tx = false;
    return 0;
}

bool sd_store_in_tx(sd_store_t *st)
{
    sd_store_conn_t *c = pthread_getspecific(st->key);
    return c && c->in_tx;
}

int sd_store_rollback(sd_store_t *st)
{
    sd_store_conn_t *c;
    int rc = conn_get(st, &c);
    if (rc < 0)
        return rc;
    if (!c->in_tx)
        return 0;
    rc = st->ops->exec_script(c->impl, "ROLLBACK");
    c->in_tx = c->tx_failed = false;
    return rc;
}

static void backoff(int attempt)
{
    static _Thread_local unsigned seed;
    if (!seed)
        seed = (unsigned)sd_clock_mono_ms(sd_clock_system()) ^ (unsigned)(uintptr_t)&attempt;
    long ms = (1L << attempt) + (long)(rand_r(&seed) % (1 << attempt));
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int sd_store_tx(sd_store_t *st, sd_store_tx_fn fn, void *ctx)
{
    sd_store_conn_t *c;
    int rc = conn_get(st, &c);
    if (rc < 0)
        return rc;
    if (c->in_tx)
        return fn(st, ctx);
    for (int attempt = 1;; attempt++) {
        rc = sd_store_begin(st);
        if (rc == 0) {
            rc = fn(st, ctx);
            if (rc == 0)
                rc = sd_store_commit(st);
            else if (c->in_tx)
                rollback_quiet(c);
        }
        if (rc != SD_EBUSY || attempt == TX_TRIES)
            return rc;
        backoff(attempt);
    }
}

/* --- settings --------------------------------------------------------------------------------- */

int sd_store_setting_get(sd_store_t *st, const char *name, char **value)
{
    sd_stmt_t *s;
    *value = NULL;
    int rc = sd_store_query_row(st, "SELECT value FROM settings WHERE name = $1",
                                SD_PARAMS(SD_V_TEXT(name)), &s);
    if (rc < 0)
        return rc;
    size_t len;
    const char *t = sd_stmt_text(s, 0, &len);
    char *copy = malloc(len + 1);
    if (copy) {
        memcpy(copy, t ? t : "", len);
        copy[len] = '\0';
    }
    sd_stmt_done(s);
    if (!copy)
        return sd__store_seterr(SD_ENOMEM, "out of memory");
    *value = copy;
    return 0;
}

int sd_store_setting_set(sd_store_t *st, const char *name, const char *value)
{
    int64_t now = sd_clock_wall_ms(sd_clock_system());
    return sd_store_exec(st,
                         "INSERT INTO settings (name, value, updated_at) VALUES ($1, $2, $3) "
                         "ON CONFLICT (name) DO UPDATE SET value = excluded.value, "
                         "updated_at = excluded.updated_at",
                         SD_PARAMS(SD_V_TEXT(name), SD_V_TEXT(value), SD_V_INT(now)), NULL);
}
