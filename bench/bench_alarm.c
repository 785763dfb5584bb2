/* bench_alarm.c - an alarm flood: 1,000 alarm points go abnormal within one second (a regional
 * power cut), uploaded as 100 terminal calls of 10 samples. Measures the time until all 1,000
 * alarms are stored and grouped, against the raw ingest of the same samples without the engine
 * (same run, same kind of fresh database, synchronous=FULL as suidod runs it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "pf/alarms/alarm.h"
#include "pf/data/ts.h"

#define NPOINTS  1000
#define PER_CALL 10

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char ids[NPOINTS][32];

static int ins(sd_store_t *st, const char *sql, const sd_val_t *p, int n, int64_t *id)
{
    int rc = sd_store_insert(st, sql, p, n, id);
    if (rc)
        fprintf(stderr, "%s: %s %s\n", sql, sd_strerror(rc), sd_store_errmsg());
    return rc;
}

/* A fresh database with one tenant of 100 facilities x 10 alarm points. */
static sd_store_t *fresh(const char *path, int64_t *tenant)
{
    char url[256], p[300];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
    snprintf(url, sizeof url, "sqlite://%s", path);
    sd_store_t *st = NULL;
    if (sd_store_open(url, &st))
        return NULL;
    int64_t fac = 0, dev = 0, x;
    int rc = sd_store_begin(st);
    rc = rc ? rc
            : ins(st,
                  "INSERT INTO tenants (name, kind, created_at) VALUES ('t', "
                  "'dedicated_operator', 0) RETURNING id",
                  SD_NOPARAMS, tenant);
    for (int i = 0; !rc && i < NPOINTS; i++) {
        char code[16];
        if (i % PER_CALL == 0) {
            snprintf(code, sizeof code, "f%03d", i / PER_CALL);
            rc = ins(st,
                     "INSERT INTO facilities (tenant_id, code, name, type, estate, version) "
                     "VALUES ($1, $2, $2, 'simple', '001', 1) RETURNING id",
                     SD_PARAMS(SD_V_INT(*tenant), SD_V_TEXT(code)), &fac);
            rc = rc ? rc
                    : ins(st,
                          "INSERT INTO devices (tenant_id, facility_id, code, name, model, "
                          "branch, office, estate, terminal, tel, version) VALUES ($1, $2, $3, "
                          "$3, 'L3', '01', '01', '001', '01', '0', 1) RETURNING id",
                          SD_PARAMS(SD_V_INT(*tenant), SD_V_INT(fac), SD_V_TEXT(code)), &dev);
        }
        snprintf(ids[i], sizeof ids[i], "f%03d.di%d", i / PER_CALL, i % PER_CALL);
        rc = rc ? rc
                : ins(st,
                      "INSERT INTO points (tenant_id, device_id, data_id, name, signal, input, "
                      "severity, version) VALUES ($1, $2, $3, '停電', 'alarm', 'Di8', "
                      "'critical', 1) RETURNING id",
                      SD_PARAMS(SD_V_INT(*tenant), SD_V_INT(dev), SD_V_TEXT(ids[i])), &x);
    }
    if (!rc)
        rc = sd_store_commit(st);
    if (rc) {
        sd_store_close(st);
        return NULL;
    }
    return st;
}

/* Upload the flood as 100 calls; with a the engine evaluates (and we wait for it). */
static double flood(sd_pf_t *pf, int64_t tenant, sd_alarms_t *a)
{
    int64_t t0 = sd_pf_now_ms(pf) - 1000;
    sd_ts_sample_t s[PER_CALL];
    double start = now_s();
    for (int c = 0; c < NPOINTS / PER_CALL; c++) {
        for (int k = 0; k < PER_CALL; k++) /* all 1,000 within one second of terminal time */
            s[k] = (sd_ts_sample_t){ids[c * PER_CALL + k], t0 + c * 10, 1, SD_TS_GOOD};
        if (sd_ts_ingest(pf, tenant, 0, s, PER_CALL, NULL))
            return -1;
    }
    if (a)
        sd_alarms_sync(a);
    return now_s() - start;
}

static int64_t count(sd_store_t *st, const char *sql)
{
    sd_stmt_t *q = NULL;
    if (sd_store_query_row(st, sql, SD_NOPARAMS, &q))
        return -1;
    int64_t n = sd_stmt_int64(q, 0);
    sd_stmt_done(q);
    return n;
}

int main(void)
{
    sd_log_set_level(SD_LOG_WARN);
    char path[64];
    snprintf(path, sizeof path, "/tmp/bench_alarm_%d.db", (int)getpid());
    int64_t tenant = 0;

    /* baseline: ingest only */
    sd_store_t *st = fresh(path, &tenant);
    if (!st)
        return 1;
    sd_pf_t pf = {.store = st, .clock = sd_clock_system()};
    double raw = flood(&pf, tenant, NULL);
    sd_store_close(st);

    /* with the engine: stored, evaluated, alarms stored and grouped */
    st = fresh(path, &tenant);
    if (!st)
        return 1;
    pf = (sd_pf_t){.store = st, .clock = sd_clock_system()};
    sd_alarms_t *a = NULL;
    if (sd_alarms_start(&pf, &a))
        return 1;
    sd_alarms_sync(a); /* the start's re-evaluation (nothing) out of the way */
    double eng = flood(&pf, tenant, a);
    int64_t n = count(st, "SELECT COUNT(*) FROM alarms");
    int64_t grouped = count(st, "SELECT COUNT(*) FROM alarms WHERE group_id IS NOT NULL");
    int64_t groups = count(st, "SELECT COUNT(*) FROM alarm_groups WHERE kind = 'flood'");
    sd_alarms_stop(a);
    sd_store_close(st);

    /* the same flood in one upload of 1,000 samples */
    st = fresh(path, &tenant);
    pf = (sd_pf_t){.store = st, .clock = sd_clock_system()};
    a = NULL;
    if (!st || sd_alarms_start(&pf, &a))
        return 1;
    sd_alarms_sync(a);
    sd_ts_sample_t *all = calloc(NPOINTS, sizeof *all);
    int64_t t0 = sd_pf_now_ms(&pf) - 1000;
    for (int i = 0; i < NPOINTS; i++)
        all[i] = (sd_ts_sample_t){ids[i], t0 + i, 1, SD_TS_GOOD};
    double s1 = now_s();
    int rc = sd_ts_ingest(&pf, tenant, 0, all, NPOINTS, NULL);
    double one_raw = now_s() - s1;
    sd_alarms_sync(a);
    double one = now_s() - s1;
    int64_t n1 = count(st, "SELECT COUNT(*) FROM alarms WHERE group_id IS NOT NULL");
    free(all);
    sd_alarms_stop(a);
    sd_store_close(st);
    unlink(path);

    printf("  flood of %d alarms in 1 s, as %d terminal calls of %d samples (SQLite, sync=FULL)\n",
           NPOINTS, NPOINTS / PER_CALL, PER_CALL);
    printf("  raw ingest, no engine:            %8.1f ms\n", raw * 1e3);
    printf("  ingest + alarms stored + grouped: %8.1f ms  (%lld alarms, %lld grouped, %lld flood "
           "group)\n",
           eng * 1e3, (long long)n, (long long)grouped, (long long)groups);
    printf("  ratio engine / raw:               %8.2f\n", eng / raw);
    printf("  one upload of %d: ingest %.1f ms, + alarms stored and grouped %.1f ms (%lld "
           "grouped), ratio %.2f\n",
           NPOINTS, one_raw * 1e3, one * 1e3, (long long)n1, one / one_raw);
    return rc || n != NPOINTS || grouped != NPOINTS || n1 != NPOINTS ? 1 : 0;
}
