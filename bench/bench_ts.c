/* bench_ts.c - time series: ingest rate and AP-IF #10 query latency over a year of hourly data. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "pf/data/ts.h"

/*
 * A year (2025, 8760 hourly samples) for each of N points (BENCH_TS_POINTS, default 1000: 10,000
 * points = 87.6 M rows takes several minutes and ~5 GB on the 2-core dev machine), loaded through
 * sd_ts_ingest() one point-year per transaction; then Q random one-month reads of one point,
 * hourly aggregates and raw, timed one by one for p50/p99.
 */
#define H       INT64_C(3600000)
#define YEAR_H  8760
#define MONTH_H (30 * 24)
#define Q       500

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what, int rc)
{
    fprintf(stderr, "bench_ts: %s: %s: %s\n", what, sd_strerror(rc), sd_store_errmsg());
    exit(1);
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *what, double *ms, int n)
{
    qsort(ms, (size_t)n, sizeof *ms, cmp_d);
    printf("    %-28s p50 %7.3f ms   p99 %7.3f ms\n", what, ms[n / 2], ms[n * 99 / 100]);
}

int main(void)
{
    const char *env = getenv("BENCH_TS_POINTS");
    int npoints = env ? atoi(env) : 1000;
    if (npoints < 1)
        npoints = 1;
    sd_log_set_level(SD_LOG_WARN);
    char dir[] = "/tmp/bench_ts.XXXXXX", path[300], url[320];
    if (!mkdtemp(dir))
        return 1;
    snprintf(path, sizeof path, "%s/ts.db", dir);
    snprintf(url, sizeof url, "sqlite://%s", path);
    sd_store_t *st;
    int rc = sd_store_open(url, &st);
    if (rc)
        die("open", rc);
    int64_t t0 = INT64_C(1735657200000); /* 2025-01-01T00:00:00+09:00 */
    sd_clock_t *clk = sd_clock_fake_new(t0 + (int64_t)YEAR_H * H);
    sd_pf_t pf = {.store = st, .clock = clk};

    /* the master: one tenant, facility and device, N points */
    int64_t tid = 0, fac = 0, dev = 0;
    if ((rc = sd_store_begin(st)) ||
        (rc = sd_store_insert(st,
                              "INSERT INTO tenants (name, kind, created_at) VALUES ('bench', "
                              "'dedicated_operator', 0) RETURNING id",
                              SD_NOPARAMS, &tid)) ||
        (rc = sd_store_insert(st,
                              "INSERT INTO facilities (tenant_id, code, name, type, estate, "
                              "version) VALUES ($1, 'f', 'f', 'dedicated', '001', 1) "
                              "RETURNING id",
                              SD_PARAMS(SD_V_INT(tid)), &fac)) ||
        (rc = sd_store_insert(st,
                              "INSERT INTO devices (tenant_id, facility_id, code, name, model, "
                              "branch, office, estate, terminal, tel, version) VALUES ($1, $2, "
                              "'d', 'd', 'L2', '01', '01', '001', '01', '0', 1) RETURNING id",
                              SD_PARAMS(SD_V_INT(tid), SD_V_INT(fac)), &dev)))
        die("master", rc);
    char(*ids)[24] = calloc((size_t)npoints, sizeof *ids);
    int64_t *pids = calloc((size_t)npoints, sizeof *pids);
    for (int p = 0; p < npoints; p++) {
        snprintf(ids[p], sizeof ids[p], "bench.p%05d", p);
        rc = sd_store_insert(st,
                             "INSERT INTO points (tenant_id, device_id, data_id, name, signal, "
                             "input, version) VALUES ($1, $2, $3, 'p', 'analog', 'Ai1', 1) "
                             "RETURNING id",
                             SD_PARAMS(SD_V_INT(tid), SD_V_INT(dev), SD_V_TEXT(ids[p])), &pids[p]);
        if (rc)
            die("point", rc);
    }
    if ((rc = sd_store_commit(st)))
        die("commit", rc);

    /* load: one point-year per sd_ts_ingest() call (one durable transaction each) */
    sd_ts_sample_t *s = calloc(YEAR_H, sizeof *s);
    double t = now_s();
    for (int p = 0; p < npoints; p++) {
        for (int i = 0; i < YEAR_H; i++)
            s[i] = (sd_ts_sample_t){ids[p], t0 + i * H, (double)((p + i) % 1000) / 10, SD_TS_GOOD};
        size_t bad;
        if ((rc = sd_ts_ingest(&pf, tid, 1, s, YEAR_H, &bad)))
            die("ingest", rc);
    }
    double load = now_s() - t;
    double rows = (double)npoints * YEAR_H;
    /* the same rows again: the idempotent re-send path (every row an update) */
    t = now_s();
    int resend = npoints < 100 ? npoints : 100;
    for (int p = 0; p < resend; p++) {
        for (int i = 0; i < YEAR_H; i++)
            s[i] = (sd_ts_sample_t){ids[p], t0 + i * H, 1.0, SD_TS_GOOD};
        if ((rc = sd_ts_ingest(&pf, tid, 1, s, YEAR_H, NULL)))
            die("re-send", rc);
    }
    double upd = now_s() - t;
    printf("  sqlite (synchronous=FULL), %d points x %d hourly samples = %.0f rows:\n", npoints,
           YEAR_H, rows);
    printf("    ingest (new rows)        : %10.0f rows/s  (%.1f s)\n", rows / load, load);
    printf("    ingest (re-send, upserts): %10.0f rows/s\n", resend * (double)YEAR_H / upd);

    /* queries: a random point, a random 30-day window of the year */
    double agg_ms[Q], raw_ms[Q];
    srand(42);
    for (int q = 0; q < Q; q++) {
        int p = rand() % npoints;
        int64_t from = t0 + (int64_t)(rand() % (YEAR_H - MONTH_H)) * H, to = from + MONTH_H * H;
        int64_t pid;
        sd_ts_bucket_t *b;
        sd_ts_value_t *v;
        size_t n;
        int more;
        t = now_s();
        if ((rc = sd_ts_point_id(st, tid, ids[p], &pid)) ||
            (rc = sd_ts_read_agg(st, pid, from, to, SD_TS_AGG_HOUR, &b, &n)))
            die("agg", rc);
        agg_ms[q] = (now_s() - t) * 1000;
        if (n != MONTH_H)
            die("agg count", SD_EINTERNAL);
        free(b);
        t = now_s();
        if ((rc = sd_ts_point_id(st, tid, ids[p], &pid)) ||
            (rc = sd_ts_read_raw(st, pid, from, to, INT64_MIN, 1000, &v, &n, &more)))
            die("raw", rc);
        raw_ms[q] = (now_s() - t) * 1000;
        free(v);
    }
    printf("  one month (720 h) of one point, %d queries:\n", Q);
    report("hourly aggregates (720)", agg_ms, Q);
    report("raw values (720)", raw_ms, Q);

    free(s);
    free(ids);
    free(pids);
    sd_store_close(st);
    sd_clock_fake_free(clk);
    char p2[340];
    unlink(path);
    snprintf(p2, sizeof p2, "%s-wal", path);
    unlink(p2);
    snprintf(p2, sizeof p2, "%s-shm", path);
    unlink(p2);
    rmdir(dir);
    return 0;
}
