/* ts_http.c - HTTP: AP-IF #10 stored values (raw and aggregated), latest value, GW-IF upload. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/routes.h"
#include "core/err.h"
#include "core/json.h"
#include "core/log.h"
#include "pf/data/ts.h"

#define DEFAULT_LIMIT 1000
#define MAX_LIMIT     10000

static json_t *time_json(int64_t ms)
{
    char t[40];
    sd_ts_format_time(ms, t, sizeof t);
    return json_string(t);
}

/* The caller's own tenant (apps by bearer token, portal users by session), checked for
 * data.read, and the point of the path's data ID in it: a data ID of another tenant is 404. */
static int apif_point(sd_http_req_t *req, sd_pf_t *pf, int64_t *pid)
{
    const sd_principal_t *who = sd_api_principal(req);
    sd_scope_t sc = {.tenant_id = who ? who->tenant_id : 0};
    int rc = sd_api_require(req, SD_ACT_DATA_READ, &sc);
    if (rc)
        return rc;
    rc = sd_ts_point_id(pf->store, sc.tenant_id, sd_http_req_param(req, "data_id"), pid);
    if (rc == SD_ENOTFOUND)
        sd_http_reply_error(req, rc, "data_id", "no point with this data ID");
    else if (rc)
        sd_api_reply_rc(req, rc);
    return rc;
}

/* A query time parameter: required, ISO 8601 with a zone. Replies 400 naming it. */
static int query_time(sd_http_req_t *req, const char *name, int64_t *ms)
{
    const char *s = sd_http_req_query(req, name);
    if (!s) {
        sd_http_reply_error(req, SD_EFIELD, name, "required");
        return SD_EFIELD;
    }
    if (sd_ts_parse_time(s, ms)) {
        sd_http_reply_error(req, SD_EFIELD, name, "expected ISO 8601 time with zone");
        return SD_EFIELD;
    }
    return 0;
}

/* ---- GET /apif/v1/points/{data_id}/values (AP-IF #10 即時取得（蓄積）API) ----------------------
 */

static void h_values(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    int64_t pid, from, to, limit = DEFAULT_LIMIT, cursor = INT64_MIN;
    sd_ts_agg_t agg = SD_TS_AGG_RAW;
    const char *aggs = sd_http_req_query(req, "agg");
    if (apif_point(req, pf, &pid))
        return;
    if (query_time(req, "from", &from) || query_time(req, "to", &to))
        return;
    if (aggs && sd_ts_agg_parse(aggs, &agg)) {
        sd_http_reply_error(req, SD_EFIELD, "agg", "must be raw, hour, day or month");
        return;
    }
    if (from >= to) {
        sd_http_reply_error(req, SD_EFIELD, "to", "must be after from");
        return;
    }
    if (to - from > sd_ts_max_span_ms(agg)) {
        sd_http_reply_error(req, SD_EFIELD, "to", "range longer than %" PRId64 " days for agg=%s",
                            sd_ts_max_span_ms(agg) / 86400000, aggs ? aggs : "raw");
        return;
    }
    if (sd_api_query_int(req, "limit", 1, MAX_LIMIT, &limit) ||
        sd_api_query_int(req, "cursor", 0, INT64_MAX, &cursor))
        return;

    json_t *body = json_object();
    json_t *items = json_array();
    int rc = 0;
    if (!body || !items) {
        rc = SD_ENOMEM;
    } else if (agg == SD_TS_AGG_RAW) {
        sd_ts_value_t *v = NULL;
        size_t n = 0;
        int more = 0;
        rc = sd_ts_read_raw(pf->store, pid, from, to, cursor, (size_t)limit, &v, &n, &more);
        for (size_t i = 0; !rc && i < n; i++) {
            json_t *o = json_object();
            if (!o || json_object_set_new(o, "ts", time_json(v[i].ts_ms)) ||
                json_object_set_new(o, "value", json_real(v[i].value)) ||
                json_object_set_new(o, "quality", json_string(sd_ts_quality_name(v[i].quality))) ||
                json_array_append_new(items, o))
                rc = SD_ENOMEM;
        }
        /* the cursor is the last returned ts: the next page starts strictly after it */
        if (!rc)
            rc = json_object_set_new(body, "next_cursor",
                                     more && n ? json_sprintf("%" PRId64, v[n - 1].ts_ms)
                                               : json_null())
                     ? SD_ENOMEM
                     : 0;
        free(v);
    } else {
        sd_ts_bucket_t *b = NULL;
        size_t n = 0;
        rc = sd_ts_read_agg(pf->store, pid, from, to, agg, &b, &n);
        for (size_t i = 0; !rc && i < n; i++) {
            json_t *o = json_object();
            if (!o || json_object_set_new(o, "start", time_json(b[i].start_ms)) ||
                json_object_set_new(o, "count", json_integer(b[i].count)) ||
                json_object_set_new(o, "min", json_real(b[i].min)) ||
                json_object_set_new(o, "max", json_real(b[i].max)) ||
                json_object_set_new(o, "avg", json_real(b[i].avg)) ||
                json_object_set_new(o, "sum", json_real(b[i].sum)) ||
                json_array_append_new(items, o))
                rc = SD_ENOMEM;
        }
        /* days and months are JST calendar days and months (buckets named by their UTC start) */
        if (!rc && json_object_set_new(body, "timezone", json_string("+09:00")))
            rc = SD_ENOMEM;
        free(b);
    }
    static const char *const agg_names[] = {"raw", "hour", "day", "month"};
    if (!rc) {
        /* json_object_set_new takes items even when it fails */
        if (json_object_set_new(body, agg == SD_TS_AGG_RAW ? "values" : "buckets", items) ||
            json_object_set_new(body, "data_id", json_string(sd_http_req_param(req, "data_id"))) ||
            json_object_set_new(body, "agg", json_string(agg_names[agg])) ||
            json_object_set_new(body, "from", time_json(from)) ||
            json_object_set_new(body, "to", time_json(to)))
            rc = SD_ENOMEM;
        items = NULL;
    }
    if (rc) {
        json_decref(items);
        json_decref(body);
        sd_api_reply_rc(req, rc);
        return;
    }
    sd_http_reply_json(req, 200, body);
}

/* ---- GET /apif/v1/points/{data_id}/latest -----------------------------------------------------
 */

static void h_latest(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    int64_t pid;
    if (apif_point(req, pf, &pid))
        return;
    sd_ts_value_t v;
    int rc = sd_ts_latest(pf->store, pid, &v);
    if (rc == SD_ENOTFOUND) {
        sd_http_reply_error(req, rc, NULL, "no samples stored for this point yet");
        return;
    }
    if (rc) {
        sd_api_reply_rc(req, rc);
        return;
    }
    sd_http_reply_json(req, 200,
                       sd_json_pack("{s:s,s:o,s:f,s:s}", "data_id",
                                    sd_http_req_param(req, "data_id"), "ts", time_json(v.ts_ms),
                                    "value", v.value, "quality", sd_ts_quality_name(v.quality)));
}

/* ---- POST /gwif/v1/data (GW-IF HTTP binding: data upload) -------------------------------------
 */

/* An upload waiting for its group commit: the request (deferred) and the parsed body, whose
 * samples the writer reads until it answers. */
typedef struct {
    sd_http_req_t *req;
    sd_gwif_data_t b;
} upload_t;

/* The batch's own result, after the commit (on the writer's thread): only now is it acked. */
static void upload_done(void *ctx, int rc, size_t bad)
{
    upload_t *u = ctx;
    if (rc == SD_EFIELD) {
        char f[48];
        snprintf(f, sizeof f, "samples[%zu].data_id", bad);
        sd_http_reply_error(u->req, rc, f, "unknown data ID in this tenant");
    } else if (rc) {
        sd_api_reply_rc(u->req, rc);
    } else {
        /* the gateway drops acknowledged samples from its queue */
        sd_http_reply_json(u->req, 200, sd_json_pack("{s:I}", "stored", (json_int_t)u->b.n));
    }
    sd_gwif_data_free(&u->b);
    free(u);
}

static void h_upload(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    const sd_principal_t *who = sd_api_principal(req);
    sd_scope_t sc = {.tenant_id = who ? who->tenant_id : 0,
                     .subject_id = who ? who->subject_id : 0};
    if (sd_api_require(req, SD_ACT_GWIF_UPLINK, &sc))
        return;
    size_t len = 0;
    const void *body = sd_http_req_body(req, &len);
    upload_t *u = calloc(1, sizeof *u);
    if (!u) {
        sd_api_reply_rc(req, SD_ENOMEM);
        return;
    }
    u->req = req;
    sd_json_err_t je;
    int rc = sd_gwif_data_parse(body, len, SD_TS_BATCH_MAX, &u->b, &je);
    if (rc == SD_ENOMEM) {
        sd_api_reply_rc(req, rc);
        free(u);
        return;
    }
    if (!rc) /* checked here too, so the reply names the field, not just the sample */
        rc = sd_gwif_samples_window(u->b.v, u->b.n, "samples", sd_pf_now_ms(pf), NULL, &je);
    if (rc) {
        sd_http_reply_json_error(req, rc, &je);
        sd_gwif_data_free(&u->b);
        free(u);
        return;
    }
    /* deferred before the hand-over: the writer may answer before this handler returns. The
     * writer shares one commit among the batches of all connections (pf/data/ingest.h). */
    sd_http_req_defer(req);
    size_t bad = 0;
    rc = sd_ts_ingest_async(pf, sc.tenant_id, sc.subject_id, u->b.v, u->b.n, upload_done, u, &bad);
    if (rc == SD_EBUSY) {
        /* the writer's queue is full: the gateway keeps the batch and sends it again */
        sd_http_reply_header(req, "Retry-After", "1");
        sd_http_reply_error(req, rc, NULL, "ingest queue full, try again");
    } else if (rc) {
        upload_done(u, rc, bad);
        return;
    }
    if (rc) {
        sd_gwif_data_free(&u->b);
        free(u);
    }
}

int sd_ts_routes(sd_http_server_t *http, sd_pf_t *pf)
{
    static const sd_http_route_opts_t upload = {.max_body = SD_TS_BODY_MAX};
    int rc = sd_http_route(http, "GET", "/apif/v1/points/{data_id}/values", h_values, pf, NULL);
    if (!rc)
        rc = sd_http_route(http, "GET", "/apif/v1/points/{data_id}/latest", h_latest, pf, NULL);
    if (!rc)
        rc = sd_http_route(http, "POST", "/gwif/v1/data", h_upload, pf, &upload);
    return rc;
}
