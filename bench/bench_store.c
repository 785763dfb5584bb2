/* bench_store.c - rows/s inserted through sd_store vs the raw sqlite3 API, and commit rates. */
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "core/log.h"
#include "store/store.h"

static const char ddl[] =
    "CREATE TABLE sample (point BIGINT NOT NULL, t BIGINT NOT NULL, "
    "value DOUBLE PRECISION, quality BIGINT NOT NULL, PRIMARY KEY (point, t))";
static const char ins_store[] =
    "INSERT INTO sample (point, t, value, quality) VALUES ($1, $2, $3, $4)";
static const char ins_raw[] =
    "INSERT INTO sample (point, t, value, quality) VALUES (?1, ?2, ?3, ?4)";

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void rm_db(const char *path)
{
    char p[300];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
}

static void die(const char *what, int rc)
{
    fprintf(stderr, "bench_store: %s: %s: %s\n", what, sd_strerror(rc), sd_store_errmsg());
    exit(1);
}

/* n rows in one transaction through the store; returns seconds. */
static double run_store(const char *url, int n)
{
    sd_store_t *st;
    int rc = sd_store_open(url, &st);
    if (rc < 0)
        die("open", rc);
    if ((rc = sd_store_exec_script(st, ddl)) < 0)
        die("ddl", rc);
    double t0 = now_s();
    if ((rc = sd_store_begin(st)) < 0)
        die("begin", rc);
    for (int i = 0; i < n; i++) {
        rc = sd_store_exec(st, ins_store,
                           SD_PARAMS(SD_V_INT(i % 100), SD_V_INT(1700000000000LL + i / 100 * 60000),
                                     SD_V_DOUBLE(i * 0.25), SD_V_INT(0)),
                           NULL);
        if (rc < 0)
            die("insert", rc);
    }
    if ((rc = sd_store_commit(st)) < 0)
        die("commit", rc);
    double dt = now_s() - t0;
    sd_store_close(st);
    return dt;
}

static void raw_check(sqlite3 *db, int rc, const char *what)
{
    if (rc != SQLITE_OK && rc != SQLITE_DONE) {
        fprintf(stderr, "bench_store: raw %s: %s\n", what, sqlite3_errmsg(db));
        exit(1);
    }
}

/* The same through sqlite3 directly, same pragmas as the store's defaults. */
static double run_raw(const char *path, int n)
{
    sqlite3 *db;
    raw_check(NULL, sqlite3_open(path, &db), "open");
    raw_check(db,
              sqlite3_exec(db,
                           "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                           "PRAGMA foreign_keys=ON",
                           NULL, NULL, NULL),
              "pragma");
    raw_check(db, sqlite3_exec(db, ddl, NULL, NULL, NULL), "ddl");
    double t0 = now_s();
    sqlite3_stmt *s;
    raw_check(db, sqlite3_prepare_v2(db, ins_raw, -1, &s, NULL), "prepare");
    raw_check(db, sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), "begin");
    for (int i = 0; i < n; i++) {
        sqlite3_bind_int64(s, 1, i % 100);
        sqlite3_bind_int64(s, 2, 1700000000000LL + i / 100 * 60000);
        sqlite3_bind_double(s, 3, i * 0.25);
        sqlite3_bind_int64(s, 4, 0);
        raw_check(db, sqlite3_step(s), "step");
        sqlite3_reset(s);
    }
    raw_check(db, sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), "commit");
    double dt = now_s() - t0;
    sqlite3_finalize(s);
    sqlite3_close(db);
    return dt;
}

/* n one-row transactions (autocommit) through the store: commits per second. */
static double commits_per_s(const char *url, int n)
{
    sd_store_t *st;
    int rc = sd_store_open(url, &st);
    if (rc < 0 || (rc = sd_store_exec_script(st, ddl)) < 0)
        die("open", rc);
    double t0 = now_s();
    for (int i = 0; i < n; i++)
        if ((rc = sd_store_exec(st, ins_store,
                                SD_PARAMS(SD_V_INT(1), SD_V_INT(i), SD_V_DOUBLE(1.5), SD_V_INT(0)),
                                NULL)) < 0)
            die("insert", rc);
    double dt = now_s() - t0;
    sd_store_close(st);
    return n / dt;
}

int main(void)
{
    sd_log_set_level(SD_LOG_WARN);
    const char *ns = getenv("SUIDO_BENCH_N");
    int n = ns ? atoi(ns) : 200000;
    char dir[] = "/tmp/suido-bench-store-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char path[128], url[160];
    snprintf(path, sizeof path, "%s/b.db", dir);
    snprintf(url, sizeof url, "sqlite://%s", path);

    /* alternate and keep the best of three, so neither side profits from a warm cache alone */
    double best_store = 1e9, best_raw = 1e9;
    for (int round = 0; round < 3; round++) {
        double r = run_raw(path, n);
        rm_db(path);
        double s = run_store(url, n);
        rm_db(path);
        best_raw = r < best_raw ? r : best_raw;
        best_store = s < best_store ? s : best_store;
    }
    printf("  sqlite, %d rows in one transaction (best of 3):\n", n);
    printf("    raw sqlite3 API : %10.0f rows/s\n", n / best_raw);
    printf("    sd_store        : %10.0f rows/s\n", n / best_store);
    printf("    ratio store/raw : %10.2f  (1.00 = no cost)\n", best_raw / best_store);

    int nc = 200;
    double full = commits_per_s(url, nc);
    rm_db(path);
    snprintf(url, sizeof url, "sqlite://%s?sync=normal", path);
    double normal = commits_per_s(url, nc);
    rm_db(path);
    printf("  sqlite, one-row transactions: sync=full %.0f commits/s, sync=normal %.0f commits/s\n",
           full, normal);

    const char *pg = getenv("SUIDO_BENCH_PG_URL");
    if (pg && *pg) {
        int npg = n / 4;
        double dt = run_store(pg, npg);
        printf("  postgresql (%s), %d rows in one transaction: %.0f rows/s\n", pg, npg, npg / dt);
        sd_store_t *st;
        if (sd_store_open(pg, &st) == 0) {
            sd_store_exec_script(st, "DROP TABLE sample");
            sd_store_close(st);
        }
    }
    rmdir(dir);
    return 0;
}
