/* ts.c - time series of point samples: idempotent ingest, buckets, reads (the upload body is
 * parsed by lib/gwif). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/json.h"
#include "core/log.h"
#include "core/time.h"
#include "pf/data/ts.h"
#include "pf/master/master.h"

#define HOUR_MS INT64_C(3600000)
#define DAY_MS  INT64_C(86400000)
#define JST_MS  ((int64_t)SD_JST_OFFSET_S * 1000)

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* ---- buckets ----------------------------------------------------------------------------------
 */

int sd_ts_agg_parse(const char *s, sd_ts_agg_t *out)
{
    static const char *const names[] = {"raw", "hour", "day", "month", "year"};
    for (int i = 0; s && i < 5; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (sd_ts_agg_t)i;
            return 0;
        }
    return SD_EFIELD;
}

int64_t sd_ts_bucket_start(int64_t ts_ms, sd_ts_agg_t agg)
{
    switch (agg) {
    case SD_TS_AGG_HOUR:
        return floor_div(ts_ms, HOUR_MS) * HOUR_MS;
    case SD_TS_AGG_DAY: /* JST midnight = 15:00 UTC the day before */
        return floor_div(ts_ms + JST_MS, DAY_MS) * DAY_MS - JST_MS;
    case SD_TS_AGG_MONTH: {
        sd_civil_t c;
        sd_civil_from_unix(floor_div(ts_ms, 1000), SD_JST_OFFSET_S, &c);
        c.day = 1;
        c.hour = c.min = c.sec = 0;
        return sd_civil_to_unix(&c, SD_JST_OFFSET_S) * 1000;
    }
    case SD_TS_AGG_YEAR: {
        sd_civil_t c;
        sd_civil_from_unix(floor_div(ts_ms, 1000), SD_JST_OFFSET_S, &c);
        c.mon = c.day = 1;
        c.hour = c.min = c.sec = 0;
        return sd_civil_to_unix(&c, SD_JST_OFFSET_S) * 1000;
    }
    case SD_TS_AGG_RAW:
    default:
        return ts_ms;
    }
}

int64_t sd_ts_bucket_next(int64_t start_ms, sd_ts_agg_t agg)
{
    switch (agg) {
    case SD_TS_AGG_HOUR:
        return start_ms + HOUR_MS;
    case SD_TS_AGG_DAY:
        return start_ms + DAY_MS; /* JST has no daylight saving: every day is 24 h */
    case SD_TS_AGG_MONTH: {
        sd_civil_t c;
        sd_civil_from_unix(floor_div(start_ms, 1000), SD_JST_OFFSET_S, &c);
        c.day = 1;
        c.hour = c.min = c.sec = 0;
        if (++c.mon > 12) {
            c.mon = 1;
            c.year++;
        }
        return sd_civil_to_unix(&c, SD_JST_OFFSET_S) * 1000;
    }
    case SD_TS_AGG_YEAR: {
        sd_civil_t c;
        sd_civil_from_unix(floor_div(start_ms, 1000), SD_JST_OFFSET_S, &c);
        c.mon = c.day = 1;
        c.hour = c.min = c.sec = 0;
        c.year++;
        return sd_civil_to_unix(&c, SD_JST_OFFSET_S) * 1000;
    }
    case SD_TS_AGG_RAW:
    default:
        return start_ms + 1;
    }
}

int64_t sd_ts_max_span_ms(sd_ts_agg_t agg)
{
    switch (agg) {
    case SD_TS_AGG_HOUR:
        return 93 * DAY_MS;
    case SD_TS_AGG_DAY:
        return 3 * 366 * DAY_MS;
    case SD_TS_AGG_MONTH:
        return 20 * 366 * DAY_MS;
    case SD_TS_AGG_YEAR:
        return 100 * 366 * DAY_MS;
    case SD_TS_AGG_RAW:
    default:
        return 31 * DAY_MS;
    }
}

/* ---- ingest -----------------------------------------------------------------------------------
 */

/*
 * One statement per sample: the SELECT finds the point by (tenant, data ID), so no row inserted
 * means an unknown data ID; the upsert makes a re-sent (point, ts) replace the stored one.
 * points is the master's table, named here on purpose: resolving the data ID inside the insert
 * keeps ingest, the hottest path, at one statement per sample (a lookup through the master first
 * would double it).
 */
static const char UPSERT_SQL[] =
    "INSERT INTO samples (point_id, ts_ms, tenant_id, value, quality, gw_id, received_ms) "
    "SELECT id, CAST($3 AS BIGINT), tenant_id, CAST($4 AS DOUBLE PRECISION), "
    "CAST($5 AS INTEGER), CAST($6 AS BIGINT), CAST($7 AS BIGINT) "
    "FROM points WHERE tenant_id = $1 AND data_id = $2 "
    "ON CONFLICT (point_id, ts_ms) DO UPDATE SET value = excluded.value, "
    "quality = excluded.quality, gw_id = excluded.gw_id, received_ms = excluded.received_ms";

typedef struct {
    int64_t tenant_id, gw_id, now_ms;
    const sd_ts_sample_t *s;
    size_t n;
    size_t *bad;
} ingest_ctx_t;

int sd_ts_write_batch(sd_store_t *st, int64_t tenant_id, int64_t gw_id, int64_t now_ms,
                      const sd_ts_sample_t *s, size_t n, size_t *bad_index)
{
    for (size_t i = 0; i < n; i++) {
        int64_t changes = 0;
        int rc = sd_store_exec(st, UPSERT_SQL,
                               SD_PARAMS(SD_V_INT(tenant_id), SD_V_TEXT(s[i].data_id),
                                         SD_V_INT(s[i].ts_ms), SD_V_DOUBLE(s[i].value),
                                         SD_V_INT(s[i].quality),
                                         gw_id > 0 ? SD_V_INT(gw_id) : SD_V_NULL, SD_V_INT(now_ms)),
                               &changes);
        if (rc == SD_EENCODING)
            rc = SD_EFIELD;
        if (!rc && changes == 0)
            rc = SD_EFIELD;
        if (rc) {
            if (rc == SD_EFIELD)
                *bad_index = i;
            return rc;
        }
    }
    return 0;
}

/* The group writer's two statements: the data ID resolved once per group (points is the
 * master's table, named here for the same reason as above), then a plain upsert by point id. */
int sd_ts_lookup_point(sd_store_t *st, int64_t tenant_id, const char *data_id, int64_t *point_id)
{
    int rc = sd_store_insert(st, "SELECT id FROM points WHERE tenant_id = $1 AND data_id = $2",
                             SD_PARAMS(SD_V_INT(tenant_id), SD_V_TEXT(data_id)), point_id);
    return rc == SD_EENCODING ? SD_ENOTFOUND : rc;
}

static const char UPSERT_ID_SQL[] =
    "INSERT INTO samples (point_id, ts_ms, tenant_id, value, quality, gw_id, received_ms) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7) "
    "ON CONFLICT (point_id, ts_ms) DO UPDATE SET value = excluded.value, "
    "quality = excluded.quality, gw_id = excluded.gw_id, received_ms = excluded.received_ms";

int sd_ts_write_ids(sd_store_t *st, int64_t tenant_id, int64_t gw_id, int64_t now_ms,
                    const sd_ts_sample_t *s, const int64_t *point_ids, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int rc = sd_store_exec(st, UPSERT_ID_SQL,
                               SD_PARAMS(SD_V_INT(point_ids[i]), SD_V_INT(s[i].ts_ms),
                                         SD_V_INT(tenant_id), SD_V_DOUBLE(s[i].value),
                                         SD_V_INT(s[i].quality),
                                         gw_id > 0 ? SD_V_INT(gw_id) : SD_V_NULL, SD_V_INT(now_ms)),
                               NULL);
        if (rc)
            return rc;
    }
    return 0;
}

static int ingest_tx(sd_store_t *st, void *vctx)
{
    ingest_ctx_t *c = vctx;
    return sd_ts_write_batch(st, c->tenant_id, c->gw_id, c->now_ms, c->s, c->n, c->bad);
}

void sd_ts_notify(sd_pf_t *pf, int64_t tenant_id, const sd_ts_sample_t *s, size_t n)
{
    for (int i = 0; i < pf->n_observers; i++)
        pf->observers[i].fn(pf->observers[i].ctx, tenant_id, s, n);
}

/* The checks that need no store: a refused batch never reaches a transaction. */
static int check_batch(sd_pf_t *pf, int64_t tenant_id, const sd_ts_sample_t *s, size_t n,
                       int64_t now, size_t *bad_index)
{
    if (!pf || !pf->store || (n && !s) || tenant_id <= 0)
        return SD_EINVAL;
    for (size_t i = 0; i < n; i++) {
        if (!s[i].data_id || !s[i].data_id[0] || !isfinite(s[i].value) ||
            (unsigned)s[i].quality > SD_TS_OUT_OF_RANGE || s[i].ts_ms < SD_TS_MIN_MS ||
            s[i].ts_ms > now + SD_TS_FUTURE_MS) {
            *bad_index = i;
            return SD_EFIELD;
        }
    }
    return 0;
}

/* One batch in its own transaction on the calling thread (no writer, or the writer stopping). */
static int commit_here(sd_pf_t *pf, int64_t tenant_id, int64_t gw_id, int64_t now,
                       const sd_ts_sample_t *s, size_t n, size_t *bad_index)
{
    if (n == 0)
        return 0;
    ingest_ctx_t c = {
        .tenant_id = tenant_id, .gw_id = gw_id, .now_ms = now, .s = s, .n = n, .bad = bad_index};
    /* sd_store_tx commits before returning 0; the store runs synchronous=FULL, so it is durable */
    int rc = sd_store_tx(pf->store, ingest_tx, &c);
    if (!rc)
        sd_ts_notify(pf, tenant_id, s, n);
    return rc;
}

int sd_ts_ingest(sd_pf_t *pf, int64_t tenant_id, int64_t gw_id, const sd_ts_sample_t *s, size_t n,
                 size_t *bad_index)
{
    size_t dummy;
    if (!bad_index)
        bad_index = &dummy;
    int64_t now = pf ? sd_pf_now_ms(pf) : 0;
    int rc = check_batch(pf, tenant_id, s, n, now, bad_index);
    if (rc || n == 0)
        return rc;
    /* shares one commit with the batches of other threads; inside the caller's own transaction
     * it joins that one instead (the writer would wait for the caller's write lock) */
    if (pf->ingest && !sd_store_in_tx(pf->store))
        return sd_ingest_wait(pf->ingest, tenant_id, gw_id, now, s, n, bad_index);
    return commit_here(pf, tenant_id, gw_id, now, s, n, bad_index);
}

int sd_ts_ingest_async(sd_pf_t *pf, int64_t tenant_id, int64_t gw_id, const sd_ts_sample_t *s,
                       size_t n, sd_ingest_done_fn done, void *ctx, size_t *bad_index)
{
    size_t dummy;
    if (!bad_index)
        bad_index = &dummy;
    int64_t now = pf ? sd_pf_now_ms(pf) : 0;
    int rc = check_batch(pf, tenant_id, s, n, now, bad_index);
    if (rc)
        return rc;
    if (pf->ingest && n > 0 && !sd_store_in_tx(pf->store))
        return sd_ingest_submit(pf->ingest, tenant_id, gw_id, now, s, n, done, ctx);
    size_t bad = 0;
    rc = commit_here(pf, tenant_id, gw_id, now, s, n, &bad);
    done(ctx, rc, bad);
    return 0;
}

/* ---- reads ------------------------------------------------------------------------------------
 */

int sd_ts_point_id(sd_store_t *st, int64_t tenant_id, const char *data_id, int64_t *point_id)
{
    sd_pf_master_data_t d;
    int rc = sd_pf_master_data(st, tenant_id, data_id, 0, &d);
    if (rc)
        return rc;
    *point_id = d.id;
    return 0;
}

int sd_ts_each_raw(sd_store_t *st, int64_t point_id, int64_t from, int64_t to, int64_t after,
                   size_t limit, int (*fn)(void *ctx, const sd_ts_value_t *v), void *ctx, int *more)
{
    *more = 0;
    if (limit == 0 || limit > 1000000)
        return SD_EINVAL;
    int64_t lo = (after != INT64_MIN && after >= from) ? after + 1 : from;
    sd_stmt_t *q = NULL;
    /* one row past the page tells whether another page follows */
    int rc = sd_store_query(
        st,
        "SELECT ts_ms, value, quality FROM samples WHERE point_id = $1 "
        "AND ts_ms >= $2 AND ts_ms < $3 ORDER BY ts_ms LIMIT $4",
        SD_PARAMS(SD_V_INT(point_id), SD_V_INT(lo), SD_V_INT(to), SD_V_INT((int64_t)limit + 1)),
        &q);
    size_t k = 0;
    int r = 0;
    while (rc == 0 && (rc = sd_stmt_next(q)) == 1) {
        rc = 0;
        if (k == limit) {
            *more = 1;
            continue;
        }
        sd_ts_value_t v = {.ts_ms = sd_stmt_int64(q, 0),
                           .value = sd_stmt_double(q, 1),
                           .quality = (sd_ts_quality_t)sd_stmt_int64(q, 2)};
        k++;
        if ((r = fn(ctx, &v)) != 0)
            break;
    }
    sd_stmt_done(q);
    return rc < 0 ? rc : r;
}

typedef struct {
    sd_ts_value_t *v;
    size_t n, limit;
} raw_collect_t;

static int raw_collect(void *ctx, const sd_ts_value_t *v)
{
    raw_collect_t *c = ctx;
    c->v[c->n++] = *v;
    return 0;
}

int sd_ts_read_raw(sd_store_t *st, int64_t point_id, int64_t from, int64_t to, int64_t after,
                   size_t limit, sd_ts_value_t **out, size_t *n, int *more)
{
    *out = NULL;
    *n = 0;
    *more = 0;
    if (limit == 0 || limit > 1000000)
        return SD_EINVAL;
    raw_collect_t c = {.v = malloc(limit * sizeof *c.v), .limit = limit};
    if (!c.v)
        return SD_ENOMEM;
    int rc = sd_ts_each_raw(st, point_id, from, to, after, limit, raw_collect, &c, more);
    if (rc) {
        free(c.v);
        *more = 0;
        return rc;
    }
    *out = c.v;
    *n = c.n;
    return 0;
}

static int emit_bucket(sd_ts_bucket_t *b, int (*fn)(void *ctx, const sd_ts_bucket_t *b), void *ctx)
{
    b->avg = b->count ? b->sum / (double)b->count : 0;
    return fn(ctx, b);
}

/* Months and years are JST days merged: the day sums added, as the day buckets are (so a month's
 * or year's sum is the same whichever way it is read). */
typedef struct {
    sd_ts_agg_t agg;
    int (*fn)(void *ctx, const sd_ts_bucket_t *b);
    void *ctx;
    sd_ts_bucket_t m; /* the month or year being merged */
    int have;
} agg_out_t;

static int agg_put(agg_out_t *o, sd_ts_bucket_t *b)
{
    if (o->agg != SD_TS_AGG_MONTH && o->agg != SD_TS_AGG_YEAR)
        return emit_bucket(b, o->fn, o->ctx);
    int64_t start = sd_ts_bucket_start(b->start_ms, o->agg);
    if (o->have && o->m.start_ms == start) {
        o->m.count += b->count;
        o->m.sum += b->sum;
        o->m.min = b->min < o->m.min ? b->min : o->m.min;
        o->m.max = b->max > o->m.max ? b->max : o->m.max;
        return 0;
    }
    int r = o->have ? emit_bucket(&o->m, o->fn, o->ctx) : 0;
    o->m = *b;
    o->m.start_ms = start;
    o->have = 1;
    return r;
}

int sd_ts_each_agg(sd_store_t *st, int64_t point_id, int64_t from, int64_t to, sd_ts_agg_t agg,
                   int (*fn)(void *ctx, const sd_ts_bucket_t *b), void *ctx)
{
    if (agg != SD_TS_AGG_HOUR && agg != SD_TS_AGG_DAY && agg != SD_TS_AGG_MONTH &&
        agg != SD_TS_AGG_YEAR)
        return SD_EINVAL;
    /* The rows come in key order (the primary key (point_id, ts_ms) is the table's order) and
     * are folded into hours or JST days here, one pass: a GROUP BY would sort them again and
     * hand out five columns per bucket, which is most of a month read's cost. Hours and JST
     * days are fixed widths: bucket = floor((ts + off) / w) * w - off; months and years are not,
     * so they are JST days merged. "missing" samples carry no value and are left out. Sums add in
     * time order on both backends. */
    int64_t w = agg == SD_TS_AGG_HOUR ? HOUR_MS : DAY_MS, off = agg == SD_TS_AGG_HOUR ? 0 : JST_MS;
    sd_stmt_t *q = NULL;
    int rc = sd_store_query(st,
                            "SELECT ts_ms, value FROM samples WHERE point_id = $1 AND ts_ms >= $2 "
                            "AND ts_ms < $3 AND quality <> 2 ORDER BY ts_ms",
                            SD_PARAMS(SD_V_INT(point_id), SD_V_INT(from), SD_V_INT(to)), &q);
    agg_out_t o = {.agg = agg, .fn = fn, .ctx = ctx};
    sd_ts_bucket_t b = {0};
    int have = 0, r = 0;
    while (rc == 0 && (rc = sd_stmt_next(q)) == 1) {
        rc = 0;
        int64_t ts = sd_stmt_int64(q, 0);
        double v = sd_stmt_double(q, 1);
        int64_t start = floor_div(ts + off, w) * w - off;
        if (have && start == b.start_ms) {
            b.count++;
            b.sum += v;
            b.min = v < b.min ? v : b.min;
            b.max = v > b.max ? v : b.max;
            continue;
        }
        if (have && (r = agg_put(&o, &b)) != 0)
            break;
        b = (sd_ts_bucket_t){.start_ms = start, .count = 1, .min = v, .max = v, .sum = v};
        have = 1;
    }
    sd_stmt_done(q);
    if (rc < 0)
        return rc;
    if (!r && have)
        r = agg_put(&o, &b);
    if (!r && o.have)
        r = emit_bucket(&o.m, fn, ctx);
    return r;
}

typedef struct {
    sd_ts_bucket_t *v;
    size_t n, cap;
} agg_collect_t;

static int agg_collect(void *ctx, const sd_ts_bucket_t *b)
{
    agg_collect_t *c = ctx;
    if (c->n == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 64;
        sd_ts_bucket_t *nv = realloc(c->v, nc * sizeof *nv);
        if (!nv)
            return SD_ENOMEM;
        c->v = nv;
        c->cap = nc;
    }
    c->v[c->n++] = *b;
    return 0;
}

int sd_ts_read_agg(sd_store_t *st, int64_t point_id, int64_t from, int64_t to, sd_ts_agg_t agg,
                   sd_ts_bucket_t **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    agg_collect_t c = {0};
    int rc = sd_ts_each_agg(st, point_id, from, to, agg, agg_collect, &c);
    if (rc) {
        free(c.v);
        return rc;
    }
    *out = c.v;
    *n = c.n;
    return 0;
}

int sd_ts_latest(sd_store_t *st, int64_t point_id, sd_ts_value_t *out)
{
    sd_stmt_t *q = NULL;
    /* newest ts, not last arrival: a back-filled old sample never becomes "latest" */
    int rc = sd_store_query_row(st,
                                "SELECT ts_ms, value, quality FROM samples WHERE point_id = $1 "
                                "ORDER BY ts_ms DESC LIMIT 1",
                                SD_PARAMS(SD_V_INT(point_id)), &q);
    if (rc)
        return rc;
    out->ts_ms = sd_stmt_int64(q, 0);
    out->value = sd_stmt_double(q, 1);
    out->quality = (sd_ts_quality_t)sd_stmt_int64(q, 2);
    sd_stmt_done(q);
    return 0;
}

int sd_ts_latest_of(sd_store_t *st, int64_t tenant_id, const char *data_id, sd_ts_value_t *out,
                    int *no_point)
{
    *no_point = 0;
    sd_stmt_t *q = NULL;
    /* the newest ts is a seek on the primary key (point_id, ts_ms) */
    int rc = sd_store_query_row(
        st,
        "SELECT p.id, s.ts_ms, s.value, s.quality FROM points p LEFT JOIN samples s ON "
        "s.point_id = p.id AND s.ts_ms = (SELECT MAX(ts_ms) FROM samples WHERE point_id = p.id) "
        "WHERE p.tenant_id = $1 AND p.data_id = $2",
        SD_PARAMS(SD_V_INT(tenant_id), SD_V_TEXT(data_id ? data_id : "")), &q);
    if (rc == SD_ENOTFOUND || rc == SD_EENCODING) {
        *no_point = 1;
        return SD_ENOTFOUND;
    }
    if (rc)
        return rc;
    if (sd_stmt_is_null(q, 1)) {
        rc = SD_ENOTFOUND;
    } else {
        out->ts_ms = sd_stmt_int64(q, 1);
        out->value = sd_stmt_double(q, 2);
        out->quality = (sd_ts_quality_t)sd_stmt_int64(q, 3);
    }
    sd_stmt_done(q);
    return rc;
}

int sd_ts_each_received(sd_store_t *st, int64_t tenant, const char *const *ids, size_t n,
                        int64_t after_ms, int limit, int (*fn)(void *ctx, const sd_ts_arrival_t *a),
                        void *ctx)
{
    sd_buf_t sql = {0};
    sd_val_t *p = calloc(n + 2, sizeof *p);
    int rc = p ? sd_buf_append_str(&sql, "SELECT p.data_id, s.ts_ms, s.value, s.quality, "
                                         "s.received_ms FROM samples s JOIN points p ON "
                                         "p.id = s.point_id WHERE p.tenant_id = $1 AND "
                                         "s.received_ms > $2 AND p.data_id IN (")
               : SD_ENOMEM;
    if (p) {
        p[0] = SD_V_INT(tenant);
        p[1] = SD_V_INT(after_ms);
    }
    for (size_t i = 0; !rc && i < n; i++) {
        p[i + 2] = SD_V_TEXT(ids[i]);
        rc = sd_buf_printf(&sql, "%s$%zu", i ? ", " : "", i + 3);
    }
    if (!rc)
        rc = sd_buf_printf(&sql, ") ORDER BY s.received_ms, p.data_id, s.ts_ms LIMIT %d", limit);
    sd_stmt_t *s = NULL;
    if (!rc)
        rc = sd_store_query(st, sql.data, p, (int)n + 2, &s);
    int r = 0;
    while (!rc && (rc = sd_stmt_next(s)) == 1) {
        rc = 0;
        sd_ts_arrival_t a = {.data_id = sd_stmt_text(s, 0, NULL),
                             .ts_ms = sd_stmt_int64(s, 1),
                             .value = sd_stmt_double(s, 2),
                             .quality = (int)sd_stmt_int64(s, 3),
                             .received_ms = sd_stmt_int64(s, 4)};
        if ((r = fn(ctx, &a)) != 0)
            break;
    }
    sd_stmt_done(s);
    sd_buf_free(&sql);
    free(p);
    return rc < 0 ? rc : r;
}

int sd_ts_facility_last(sd_store_t *st, int64_t facility_id, int64_t *last_ms)
{
    sd_stmt_t *q = NULL;
    int rc = sd_store_query_row(st,
                                "SELECT MAX(s.ts_ms) FROM samples s JOIN points p ON p.id = "
                                "s.point_id JOIN devices d ON d.id = p.device_id WHERE "
                                "d.facility_id = $1",
                                SD_PARAMS(SD_V_INT(facility_id)), &q);
    if (rc)
        return rc;
    if (sd_stmt_is_null(q, 0))
        rc = SD_ENOTFOUND;
    else
        *last_ms = sd_stmt_int64(q, 0);
    sd_stmt_done(q);
    return rc;
}

int sd_ts_each_silent_device(sd_store_t *st, int64_t before_ms,
                             int (*fn)(void *ctx, int64_t tenant, int64_t device_id,
                                       int64_t last_ms),
                             void *ctx)
{
    sd_stmt_t *q = NULL;
    int rc = sd_store_query(
        st,
        "SELECT x.tenant_id, x.device_id, MAX(x.last) FROM (SELECT p.tenant_id, p.device_id, "
        "(SELECT MAX(s.ts_ms) FROM samples s WHERE s.point_id = p.id) AS last FROM points p) x "
        "GROUP BY x.tenant_id, x.device_id HAVING MAX(x.last) < $1 ORDER BY x.device_id",
        SD_PARAMS(SD_V_INT(before_ms)), &q);
    int r = 0;
    while (!rc && (rc = sd_stmt_next(q)) == 1) {
        rc = 0;
        if ((r = fn(ctx, sd_stmt_int64(q, 0), sd_stmt_int64(q, 1), sd_stmt_int64(q, 2))) != 0)
            break;
    }
    sd_stmt_done(q);
    return rc < 0 ? rc : r;
}

int sd_ts_each_newest_judged(sd_store_t *st,
                             int (*fn)(void *ctx, int64_t tenant, const char *data_id,
                                       int64_t ts_ms, double value),
                             void *ctx)
{
    sd_stmt_t *q = NULL;
    int rc = sd_store_query(
        st,
        "SELECT p.tenant_id, p.data_id, s.ts_ms, s.value FROM points p JOIN samples s ON "
        "s.point_id = p.id AND s.ts_ms = (SELECT MAX(ts_ms) FROM samples WHERE point_id = p.id) "
        "WHERE (p.signal = 'alarm' OR (p.signal = 'analog' AND (p.limit_lo IS NOT NULL OR "
        "p.limit_hi IS NOT NULL))) AND s.quality <> 2 ORDER BY p.id",
        SD_NOPARAMS, &q);
    int r = 0;
    while (!rc && (rc = sd_stmt_next(q)) == 1) {
        rc = 0;
        const char *d = sd_stmt_text(q, 1, NULL);
        if ((r = fn(ctx, sd_stmt_int64(q, 0), d ? d : "", sd_stmt_int64(q, 2),
                    sd_stmt_double(q, 3))) != 0)
            break;
    }
    sd_stmt_done(q);
    return rc < 0 ? rc : r;
}
