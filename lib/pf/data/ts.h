/* ts.h - time series of point samples: idempotent ingest, latest values, raw and aggregated reads.
 */
#ifndef SD_PF_TS_H
#define SD_PF_TS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/json.h"
#include "gwif/gwif.h"
#include "pf/data/ingest.h"
#include "pf/pf.h"

/*
 * A sample is keyed (point, ts): a re-sent or back-filled sample replaces the one with the same
 * key (idempotent), late data lands in time order, and "latest" means the newest ts, not the
 * last arrival. sd_ts_sample_t, the qualities, the time rule and the window are GW-IF's
 * (gwif/gwif.h): one message means the same over HTTP and MQTT.
 */

/*
 * Store n samples of tenant tenant_id from gateway gw_id (0 = not from a gateway) in ONE
 * transaction, committed (durable) before returning 0: the caller acknowledges only then.
 * Unknown data IDs, non-finite values or times outside [2000-01-01, now + 1 day] refuse the
 * whole batch with SD_EFIELD and *bad_index set to the first offending sample.
 */
int sd_ts_ingest(sd_pf_t *pf, int64_t tenant_id, int64_t gw_id, const sd_ts_sample_t *s, size_t n,
                 size_t *bad_index);

/*
 * sd_ts_ingest() without blocking the caller, for request threads that answer later: the batch
 * is checked now (SD_EFIELD + *bad_index, SD_EINVAL: refused, done does not run), then handed to
 * the group-commit writer (pf->ingest) whose done(ctx, rc, bad_index) runs after the commit with
 * the batch's own result; s must stay valid until then. SD_EBUSY: the writer's queue is full (try
 * again later), done does not run. Without a writer the batch is committed here and done runs
 * before this returns 0.
 */
int sd_ts_ingest_async(sd_pf_t *pf, int64_t tenant_id, int64_t gw_id, const sd_ts_sample_t *s,
                       size_t n, sd_ingest_done_fn done, void *ctx, size_t *bad_index);

/* For the writer (pf/data/ingest.c): write a checked batch inside the caller's open transaction
 * (SD_EFIELD + *bad_index for an unknown data ID; the caller rolls the batch back), and call the
 * sample observers of a committed batch. */
int sd_ts_write_batch(sd_store_t *st, int64_t tenant_id, int64_t gw_id, int64_t now_ms,
                      const sd_ts_sample_t *s, size_t n, size_t *bad_index);
void sd_ts_notify(sd_pf_t *pf, int64_t tenant_id, const sd_ts_sample_t *s, size_t n);
/* The writer's cheaper pair: a data ID's point id (SD_ENOTFOUND), resolved once per group; then
 * the samples of a batch whose point ids are known, inside the caller's transaction. */
int sd_ts_lookup_point(sd_store_t *st, int64_t tenant_id, const char *data_id, int64_t *point_id);
int sd_ts_write_ids(sd_store_t *st, int64_t tenant_id, int64_t gw_id, int64_t now_ms,
                    const sd_ts_sample_t *s, const int64_t *point_ids, size_t n);

/* ---- reads: aggregates, latest values, cursors ----------------------------------------------- */

/* GW-IF HTTP upload limits: samples per batch (the MQTT binding's too) and body bytes (413). */
#define SD_TS_BATCH_MAX SD_GWIF_DATA_MAX
#define SD_TS_BODY_MAX  ((size_t)2 * 1024 * 1024)

/* The upload body is parsed by sd_gwif_data_parse() (gwif/gwif.h), over HTTP and MQTT alike. */

/*
 * Aggregation buckets. Hours are UTC hours (= JST hours, JST being a whole-hour offset); days
 * months and years are JST calendar days, months and years (utilities report in local days): a
 * bucket is named by its start instant in UTC ms, e.g. the JST day 2026-11-24 starts
 * 2026-11-23T15:00Z.
 */
typedef enum {
    SD_TS_AGG_RAW = 0,
    SD_TS_AGG_HOUR,
    SD_TS_AGG_DAY,
    SD_TS_AGG_MONTH,
    SD_TS_AGG_YEAR
} sd_ts_agg_t;

/* "raw", "hour", "day", "month", "year" -> *out; SD_EFIELD otherwise. Pure. */
int sd_ts_agg_parse(const char *s, sd_ts_agg_t *out);
/* Start of the bucket holding ts_ms, and the start of the next one. Pure. */
int64_t sd_ts_bucket_start(int64_t ts_ms, sd_ts_agg_t agg);
int64_t sd_ts_bucket_next(int64_t start_ms, sd_ts_agg_t agg);
/* Longest [from, to) a read may span for agg, in ms (raw 31 d, hour 93 d, day 3 y, month 20 y,
 * year 100 y). */
int64_t sd_ts_max_span_ms(sd_ts_agg_t agg);

/* One stored value, and one aggregate bucket (min/max/avg/sum over samples not "missing"). */
typedef struct {
    int64_t ts_ms;
    double value;
    sd_ts_quality_t quality;
} sd_ts_value_t;

typedef struct {
    int64_t start_ms;
    int64_t count;
    double min, max, sum, avg;
} sd_ts_bucket_t;

/* The point id of data_id in tenant_id: 0, SD_ENOTFOUND. */
int sd_ts_point_id(sd_store_t *st, int64_t tenant_id, const char *data_id, int64_t *point_id);

/*
 * Raw values of a point with from <= ts < to and ts > after (after = INT64_MIN for the first
 * page), oldest first, at most limit; *out malloc'ed (free()), *n rows; *more is 1 when rows
 * remain after the last one returned. 0 or SD_E*.
 */
int sd_ts_read_raw(sd_store_t *st, int64_t point_id, int64_t from, int64_t to, int64_t after,
                   size_t limit, sd_ts_value_t **out, size_t *n, int *more);

/*
 * Aggregates of a point over [from, to) by agg (hour/day/month/year), oldest first, only buckets
 * holding samples; *out malloc'ed. Computed with integer bucket arithmetic in portable SQL
 * (month and year buckets merge JST days in C). 0 or SD_E*.
 */
int sd_ts_read_agg(sd_store_t *st, int64_t point_id, int64_t from, int64_t to, sd_ts_agg_t agg,
                   sd_ts_bucket_t **out, size_t *n);

/*
 * The same reads streamed, for replies written straight from the rows (no array, no JSON tree):
 * fn is called for each row in order while the statement runs (v valid during the call); a
 * non-zero return of fn stops the read and is returned. sd_ts_each_raw() sets *more as
 * sd_ts_read_raw() does, after the last row. 0, fn's return or SD_E*.
 */
int sd_ts_each_raw(sd_store_t *st, int64_t point_id, int64_t from, int64_t to, int64_t after,
                   size_t limit, int (*fn)(void *ctx, const sd_ts_value_t *v), void *ctx,
                   int *more);
int sd_ts_each_agg(sd_store_t *st, int64_t point_id, int64_t from, int64_t to, sd_ts_agg_t agg,
                   int (*fn)(void *ctx, const sd_ts_bucket_t *b), void *ctx);

/* The newest sample (largest ts) of a point: 0, SD_ENOTFOUND (no samples), SD_E*. */
int sd_ts_latest(sd_store_t *st, int64_t point_id, sd_ts_value_t *out);

/*
 * The newest sample of tenant_id's point data_id, the point looked up in the same query (the
 * master's points table, named here as ingest names it: "latest" is the hottest read, and a
 * lookup through the master first would be a second statement): 0; SD_ENOTFOUND with
 * *no_point 1 (no such data ID in the tenant) or 0 (no samples yet); SD_E*.
 */
int sd_ts_latest_of(sd_store_t *st, int64_t tenant_id, const char *data_id, sd_ts_value_t *out,
                    int *no_point);

/* One stored sample as it arrived, for a replay. */
typedef struct {
    const char *data_id; /* valid during the callback */
    int64_t ts_ms;
    double value;
    int quality;
    int64_t received_ms;
} sd_ts_arrival_t;

/*
 * The samples of tenant's data IDs ids[0..n) received after after_ms, in arrival order (received,
 * data ID, ts), at most limit rows: fn for each, a non-zero return stops and is returned. One
 * query: samples joined to points (the master's) here, where the samples are, because replaying
 * a stream by data ID through per-point calls would be a query per point. 0 or SD_E*.
 */
int sd_ts_each_received(sd_store_t *st, int64_t tenant, const char *const *ids, size_t n,
                        int64_t after_ms, int limit, int (*fn)(void *ctx, const sd_ts_arrival_t *a),
                        void *ctx);

/* The newest sample time of any point on the devices of facility facility_id into *last_ms:
 * 0, SD_ENOTFOUND (no samples) or a store error. One query joining points and devices (the
 * master's) here, where the samples are, rather than a latest-value read per point. */
int sd_ts_facility_last(sd_store_t *st, int64_t facility_id, int64_t *last_ms);

/* Call fn for each device whose newest sample (over its points) is older than before_ms, in
 * device id order, with its tenant and that time; devices that never sent data are left out. A
 * non-zero return of fn stops and is returned. One query grouping points (the master's) here,
 * where the samples are: the newest sample per point is an index seek. 0 or a store error. */
int sd_ts_each_silent_device(sd_store_t *st, int64_t before_ms,
                             int (*fn)(void *ctx, int64_t tenant, int64_t device_id,
                                       int64_t last_ms),
                             void *ctx);

/* Call fn for the newest sample of every point the master gives an alarm condition (signal
 * "alarm", or "analog" with a limit), unless that sample is "missing", in point id order; a
 * non-zero return of fn stops and is returned. One query joining points (the master's) here, for
 * the alarm engine's start. 0 or a store error. */
int sd_ts_each_newest_judged(sd_store_t *st,
                             int (*fn)(void *ctx, int64_t tenant, const char *data_id,
                                       int64_t ts_ms, double value),
                             void *ctx);

#endif
