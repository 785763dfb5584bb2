/* ts_http.c - HTTP: AP-IF #10 stored values (raw and aggregated), latest value, GW-IF upload. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/csv_export.h"
#include "api/routes.h"
#include "core/err.h"
#include "core/json.h"
#include "core/log.h"
#include "core/time.h"
#include "pf/data/ts.h"

#define DEFAULT_LIMIT 1000
#define MAX_LIMIT     10000

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

/* ---- writing the replies straight into a buffer ---------------------------------------------
 * A month of hourly aggregates is ~750 objects and 3,000 reals: built as a jansson tree and
 * printed with %.17g, that was most of a read's CPU. The rows go from the statement into the
 * reply buffer instead, reals as their shortest round-trip decimals (core/dtoa.h), in the same
 * shape and member order as before. */

static char *put2(char *p, int v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
    return p + 2;
}

/* "YYYY-MM-DDThh:mm:ss[.mmm]Z" quoted: sd_ts_format_time()'s text without its snprintf. */
static int put_time(sd_buf_t *b, int64_t ms)
{
    int64_t sec = ms / 1000, rem = ms % 1000;
    if (rem < 0) {
        sec--;
        rem += 1000;
    }
    sd_civil_t c;
    sd_civil_from_unix(sec, 0, &c);
    if (c.year < 0 || c.year > 9999) { /* never for stored times; the general path anyway */
        char t[40];
        sd_ts_format_time(ms, t, sizeof t);
        return sd_json_put_str(b, t);
    }
    if (sd_buf_reserve(b, 32))
        return SD_ENOMEM;
    char *p = b->data + b->len;
    *p++ = '"';
    p = put2(p, c.year / 100);
    p = put2(p, c.year % 100);
    *p++ = '-';
    p = put2(p, c.mon);
    *p++ = '-';
    p = put2(p, c.day);
    *p++ = 'T';
    p = put2(p, c.hour);
    *p++ = ':';
    p = put2(p, c.min);
    *p++ = ':';
    p = put2(p, c.sec);
    if (rem) {
        *p++ = '.';
        *p++ = (char)('0' + rem / 100);
        p = put2(p, (int)(rem % 100));
    }
    *p++ = 'Z';
    *p++ = '"';
    *p = '\0';
    b->len = (size_t)(p - b->data);
    return 0;
}

/* A constant piece of the reply. */
#define PUT_LIT(b, s) sd_buf_append((b), (s), sizeof(s) - 1)

/* A real member: NaN/Inf (a sum past DBL_MAX) has no JSON number: the read fails, as the tree
 * did (json_real() refused them), but as an internal error rather than "out of memory". */
static int put_real(sd_buf_t *b, double v)
{
    int rc = sd_json_put_real(b, v);
    return rc == SD_EINVAL ? SD_EINTERNAL : rc;
}

typedef struct {
    sd_buf_t *b;
    size_t n;
    int64_t last_ts;
} rows_t;

static int put_value(void *ctx, const sd_ts_value_t *v)
{
    rows_t *r = ctx;
    sd_buf_t *b = r->b;
    int rc = r->n++ ? PUT_LIT(b, ",{\"ts\":") : PUT_LIT(b, "{\"ts\":");
    if (!rc)
        rc = put_time(b, v->ts_ms);
    if (!rc)
        rc = PUT_LIT(b, ",\"value\":");
    if (!rc)
        rc = put_real(b, v->value);
    if (!rc)
        rc = PUT_LIT(b, ",\"quality\":");
    if (!rc)
        rc = sd_json_put_str(b, sd_ts_quality_name(v->quality));
    if (!rc)
        rc = sd_buf_append_byte(b, '}');
    r->last_ts = v->ts_ms;
    return rc;
}

static int put_bucket(void *ctx, const sd_ts_bucket_t *k)
{
    rows_t *r = ctx;
    sd_buf_t *b = r->b;
    int rc = r->n++ ? PUT_LIT(b, ",{\"start\":") : PUT_LIT(b, "{\"start\":");
    if (!rc)
        rc = put_time(b, k->start_ms);
    if (!rc)
        rc = PUT_LIT(b, ",\"count\":");
    if (!rc)
        rc = sd_json_put_int(b, k->count);
    if (!rc)
        rc = PUT_LIT(b, ",\"min\":");
    if (!rc)
        rc = put_real(b, k->min);
    if (!rc)
        rc = PUT_LIT(b, ",\"max\":");
    if (!rc)
        rc = put_real(b, k->max);
    if (!rc)
        rc = PUT_LIT(b, ",\"avg\":");
    if (!rc)
        rc = put_real(b, k->avg);
    if (!rc)
        rc = PUT_LIT(b, ",\"sum\":");
    if (!rc)
        rc = put_real(b, k->sum);
    if (!rc)
        rc = sd_buf_append_byte(b, '}');
    return rc;
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
    int fmt = sd_api_csv_format(req); /* format=csv: the one-point sheet (values_csv_http.c) */
    if (fmt < 0)
        return;
    if (fmt > 0) {
        sd_vcsv_point_reply(req, pf, pid, fmt);
        return;
    }
    if (query_time(req, "from", &from) || query_time(req, "to", &to))
        return;
    if (aggs && sd_ts_agg_parse(aggs, &agg)) {
        sd_http_reply_error(req, SD_EFIELD, "agg", "must be raw, hour, day, month or year");
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

    /* {"timezone":"+09:00","buckets":[...],"data_id",...} or
     * {"next_cursor":...,"values":[...],"data_id",...}: the members in the order of before */
    static const char *const agg_names[] = {"raw", "hour", "day", "month", "year"};
    /* buckets go straight into the reply; raw values first aside, since next_cursor, known only
     * after the last row, comes before them */
    int raw = agg == SD_TS_AGG_RAW, more = 0;
    sd_buf_t out = {0}, values = {0};
    rows_t r = {.b = raw ? &values : &out};
    int rc = sd_buf_reserve(r.b, 64 * 1024);
    if (!rc && !raw) {
        /* days, months and years are JST calendar ones (buckets named by their UTC start) */
        rc = PUT_LIT(&out, "{\"timezone\":\"+09:00\",\"buckets\":[");
        if (!rc)
            rc = sd_ts_each_agg(pf->store, pid, from, to, agg, put_bucket, &r);
    } else if (!rc) {
        rc = sd_ts_each_raw(pf->store, pid, from, to, cursor, (size_t)limit, put_value, &r, &more);
        if (!rc)
            rc = sd_buf_reserve(&out, values.len + 256);
        /* the cursor is the last returned ts: the next page starts strictly after it */
        if (!rc)
            rc = PUT_LIT(&out, "{\"next_cursor\":");
        if (!rc && more && r.n) {
            char t[24];
            snprintf(t, sizeof t, "%" PRId64, r.last_ts);
            rc = sd_json_put_str(&out, t);
        } else if (!rc) {
            rc = PUT_LIT(&out, "null");
        }
        if (!rc)
            rc = PUT_LIT(&out, ",\"values\":[");
        if (!rc)
            rc = sd_buf_append(&out, values.data, values.len);
    }
    sd_buf_free(&values);
    if (!rc)
        rc = PUT_LIT(&out, "],\"data_id\":");
    if (!rc)
        rc = sd_json_put_str(&out, sd_http_req_param(req, "data_id"));
    if (!rc)
        rc = PUT_LIT(&out, ",\"agg\":");
    if (!rc)
        rc = sd_json_put_str(&out, agg_names[agg]);
    if (!rc)
        rc = PUT_LIT(&out, ",\"from\":");
    if (!rc)
        rc = put_time(&out, from);
    if (!rc)
        rc = PUT_LIT(&out, ",\"to\":");
    if (!rc)
        rc = put_time(&out, to);
    if (!rc)
        rc = sd_buf_append_byte(&out, '}');
    if (rc) {
        sd_buf_free(&out);
        sd_api_reply_rc(req, rc == SD_EENCODING ? SD_EINTERNAL : rc);
        return;
    }
    sd_http_reply_buf(req, 200, "application/json", &out);
}

/* ---- GET /apif/v1/points/{data_id}/latest -----------------------------------------------------
 */

static void h_latest(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    const sd_principal_t *who = sd_api_principal(req);
    sd_scope_t sc = {.tenant_id = who ? who->tenant_id : 0};
    if (sd_api_require(req, SD_ACT_DATA_READ, &sc))
        return;
    /* the point and its newest sample in one statement; the answers are apif_point()'s */
    sd_ts_value_t v;
    int no_point = 0;
    int rc =
        sd_ts_latest_of(pf->store, sc.tenant_id, sd_http_req_param(req, "data_id"), &v, &no_point);
    if (rc == SD_ENOTFOUND && no_point) {
        sd_http_reply_error(req, rc, "data_id", "no point with this data ID");
        return;
    }
    if (rc == SD_ENOTFOUND) {
        sd_http_reply_error(req, rc, NULL, "no samples stored for this point yet");
        return;
    }
    if (rc) {
        sd_api_reply_rc(req, rc);
        return;
    }
    /* {"data_id","ts","value","quality"}, written as sd_json_pack() ordered it */
    sd_buf_t out = {0};
    rc = sd_buf_reserve(&out, 160);
    if (!rc)
        rc = PUT_LIT(&out, "{\"data_id\":");
    if (!rc)
        rc = sd_json_put_str(&out, sd_http_req_param(req, "data_id"));
    if (!rc)
        rc = PUT_LIT(&out, ",\"ts\":");
    if (!rc)
        rc = put_time(&out, v.ts_ms);
    if (!rc)
        rc = PUT_LIT(&out, ",\"value\":");
    if (!rc)
        rc = put_real(&out, v.value);
    if (!rc)
        rc = PUT_LIT(&out, ",\"quality\":");
    if (!rc)
        rc = sd_json_put_str(&out, sd_ts_quality_name(v.quality));
    if (!rc)
        rc = sd_buf_append_byte(&out, '}');
    if (rc) {
        sd_buf_free(&out);
        sd_api_reply_rc(req, rc == SD_EENCODING ? SD_EINTERNAL : rc);
        return;
    }
    sd_http_reply_buf(req, 200, "application/json", &out);
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
