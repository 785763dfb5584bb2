/* queue.c - store-and-forward queue on SQLite (semantics in queue.h). */
#include "gw/queue.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/log.h"

struct sd_gw_queue {
    sqlite3 *db;
    pthread_mutex_t mu;
    int64_t bytes, max_bytes, data, events, pushed, acked;
    bool warned; /* nearly-full crossing reported, not yet drained below 80 % */
};

static const char schema[] =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=FULL;"
    "CREATE TABLE IF NOT EXISTS q (id INTEGER PRIMARY KEY AUTOINCREMENT, kind INTEGER NOT NULL,"
    " body TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS q_kind ON q (kind, id);"
    "CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY, v INTEGER NOT NULL);";

static int fail(sd_gw_queue_t *q, const char *what)
{
    sd_error("queue: %s: %s", what, sqlite3_errmsg(q->db));
    return SD_ESTORE;
}

static void recount(sd_gw_queue_t *q)
{
    sqlite3_stmt *st = NULL;
    q->bytes = q->data = q->events = 0;
    if (sqlite3_prepare_v2(q->db,
                           "SELECT kind, count(*), coalesce(sum(length(body)),0) FROM q"
                           " GROUP BY kind",
                           -1, &st, NULL) != SQLITE_OK)
        return;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int kind = sqlite3_column_int(st, 0);
        int64_t n = sqlite3_column_int64(st, 1);
        q->bytes += sqlite3_column_int64(st, 2);
        if (kind == SD_GW_Q_DATA)
            q->data = n;
        else
            q->events += n;
    }
    sqlite3_finalize(st);
}

int sd_gw_queue_open(const char *path, int64_t max_bytes, sd_gw_queue_t **out)
{
    *out = NULL;
    sd_gw_queue_t *q = calloc(1, sizeof *q);
    if (!q)
        return SD_ENOMEM;
    pthread_mutex_init(&q->mu, NULL);
    q->max_bytes = max_bytes > 0 ? max_bytes : INT64_MAX / 2;
    if (sqlite3_open_v2(path, &q->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        NULL) != SQLITE_OK ||
        sqlite3_exec(q->db, schema, NULL, NULL, NULL) != SQLITE_OK) {
        if (q->db)
            fail(q, path);
        sd_gw_queue_close(q);
        return SD_ESTORE;
    }
    sqlite3_busy_timeout(q->db, 5000);
    recount(q);
    *out = q;
    return 0;
}

void sd_gw_queue_close(sd_gw_queue_t *q)
{
    if (!q)
        return;
    sqlite3_close(q->db);
    pthread_mutex_destroy(&q->mu);
    free(q);
}

int sd_gw_queue_push(sd_gw_queue_t *q, const sd_gw_qitem_t *items, size_t n, const sd_gw_kv_t *kv,
                     size_t nkv, bool *nearly_full)
{
    if (nearly_full)
        *nearly_full = false;
    int64_t add = 0, add_data = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t len = (int64_t)strlen(items[i].body);
        add += len;
        if (items[i].kind == SD_GW_Q_DATA)
            add_data += len;
    }
    pthread_mutex_lock(&q->mu);
    int64_t limit = add_data ? q->max_bytes : q->max_bytes + q->max_bytes / 16;
    if (q->bytes + add > limit) {
        pthread_mutex_unlock(&q->mu);
        return SD_ETOOBIG;
    }
    int rc = 0;
    sqlite3_stmt *ins = NULL, *set = NULL;
    if (sqlite3_exec(q->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        rc = fail(q, "begin");
        goto out;
    }
    if (sqlite3_prepare_v2(q->db, "INSERT INTO q (kind, body) VALUES (?, ?)", -1, &ins, NULL) ||
        sqlite3_prepare_v2(q->db, "INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)", -1, &set,
                           NULL)) {
        rc = fail(q, "prepare");
        goto rollback;
    }
    for (size_t i = 0; i < n; i++) {
        sqlite3_bind_int(ins, 1, items[i].kind);
        sqlite3_bind_text(ins, 2, items[i].body, -1, SQLITE_STATIC);
        if (sqlite3_step(ins) != SQLITE_DONE) {
            rc = fail(q, "insert");
            goto rollback;
        }
        sqlite3_reset(ins);
    }
    for (size_t i = 0; i < nkv; i++) {
        sqlite3_bind_text(set, 1, kv[i].key, -1, SQLITE_STATIC);
        sqlite3_bind_int64(set, 2, kv[i].value);
        if (sqlite3_step(set) != SQLITE_DONE) {
            rc = fail(q, "kv");
            goto rollback;
        }
        sqlite3_reset(set);
    }
    if (sqlite3_exec(q->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        rc = fail(q, "commit");
        goto rollback;
    }
    q->bytes += add;
    for (size_t i = 0; i < n; i++)
        items[i].kind == SD_GW_Q_DATA ? q->data++ : q->events++;
    q->pushed += (int64_t)n;
    if (!q->warned && q->bytes > q->max_bytes - q->max_bytes / 10) {
        q->warned = true;
        if (nearly_full)
            *nearly_full = true;
    }
    goto out;
rollback:
    sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
out:
    sqlite3_finalize(ins);
    sqlite3_finalize(set);
    pthread_mutex_unlock(&q->mu);
    return rc;
}

void sd_gw_queue_rows_free(sd_gw_qrow_t *rows, size_t n)
{
    for (size_t i = 0; rows && i < n; i++)
        free(rows[i].body);
    free(rows);
}

int sd_gw_queue_peek(sd_gw_queue_t *q, sd_gw_qkind_t kind, size_t max, size_t max_bytes,
                     sd_gw_qrow_t **rows, size_t *n)
{
    *rows = NULL;
    *n = 0;
    if (!max)
        return 0;
    sd_gw_qrow_t *r = calloc(max, sizeof *r);
    if (!r)
        return SD_ENOMEM;
    pthread_mutex_lock(&q->mu);
    sqlite3_stmt *st = NULL;
    int rc = 0;
    size_t k = 0, bytes = 0;
    if (sqlite3_prepare_v2(q->db, "SELECT id, body FROM q WHERE kind = ? ORDER BY id LIMIT ?", -1,
                           &st, NULL) != SQLITE_OK) {
        rc = fail(q, "peek");
    } else {
        sqlite3_bind_int(st, 1, kind);
        sqlite3_bind_int64(st, 2, (int64_t)max);
        int s;
        while ((s = sqlite3_step(st)) == SQLITE_ROW) {
            size_t len = (size_t)sqlite3_column_bytes(st, 1);
            if (k && bytes + len > max_bytes)
                break;
            r[k].id = sqlite3_column_int64(st, 0);
            r[k].body = strdup((const char *)sqlite3_column_text(st, 1));
            if (!r[k].body) {
                rc = SD_ENOMEM;
                break;
            }
            bytes += len;
            k++;
        }
        if (!rc && s != SQLITE_ROW && s != SQLITE_DONE)
            rc = fail(q, "peek step");
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&q->mu);
    if (rc) {
        sd_gw_queue_rows_free(r, k);
        return rc;
    }
    *rows = r;
    *n = k;
    return 0;
}

int sd_gw_queue_ack(sd_gw_queue_t *q, sd_gw_qkind_t kind, int64_t first_id, int64_t last_id)
{
    pthread_mutex_lock(&q->mu);
    sqlite3_stmt *sum = NULL, *del = NULL;
    int rc = 0;
    int64_t n = 0, bytes = 0;
    /* what goes is measured on the way out: a full recount would make draining a long backlog
     * quadratic */
    if (sqlite3_prepare_v2(q->db,
                           "SELECT count(*), coalesce(sum(length(body)),0) FROM q"
                           " WHERE kind = ?1 AND id BETWEEN ?2 AND ?3",
                           -1, &sum, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(q->db, "DELETE FROM q WHERE kind = ?1 AND id BETWEEN ?2 AND ?3", -1,
                           &del, NULL) != SQLITE_OK) {
        rc = fail(q, "ack");
        goto out;
    }
    sqlite3_stmt *st[2] = {sum, del};
    for (int i = 0; i < 2; i++) {
        sqlite3_bind_int(st[i], 1, kind);
        sqlite3_bind_int64(st[i], 2, first_id);
        sqlite3_bind_int64(st[i], 3, last_id);
    }
    if (sqlite3_exec(q->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        rc = fail(q, "ack begin");
        goto out;
    }
    if (sqlite3_step(sum) == SQLITE_ROW) {
        n = sqlite3_column_int64(sum, 0);
        bytes = sqlite3_column_int64(sum, 1);
    }
    if (sqlite3_step(del) != SQLITE_DONE ||
        sqlite3_exec(q->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        rc = fail(q, "ack step");
        sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
        goto out;
    }
    q->acked += n;
    q->bytes -= bytes;
    if (kind == SD_GW_Q_DATA)
        q->data -= n;
    else
        q->events -= n;
    if (q->bytes < q->max_bytes - q->max_bytes / 5)
        q->warned = false;
out:
    sqlite3_finalize(sum);
    sqlite3_finalize(del);
    pthread_mutex_unlock(&q->mu);
    return rc;
}

int64_t sd_gw_queue_kv_get(sd_gw_queue_t *q, const char *key, int64_t def)
{
    pthread_mutex_lock(&q->mu);
    sqlite3_stmt *st = NULL;
    int64_t v = def;
    if (sqlite3_prepare_v2(q->db, "SELECT v FROM kv WHERE k = ?", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&q->mu);
    return v;
}

int sd_gw_queue_kv_set(sd_gw_queue_t *q, const char *key, int64_t value)
{
    sd_gw_kv_t kv = {key, value};
    return sd_gw_queue_push(q, NULL, 0, &kv, 1, NULL);
}

void sd_gw_queue_stats(sd_gw_queue_t *q, sd_gw_qstats_t *out)
{
    pthread_mutex_lock(&q->mu);
    *out = (sd_gw_qstats_t){q->data, q->events, q->bytes, q->max_bytes, q->pushed, q->acked};
    pthread_mutex_unlock(&q->mu);
}
