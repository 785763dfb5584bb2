/* values_csv_http.c - HTTP: stored values of several points as a CSV download and the import of
 * the same sheet (CSV提供・投入, pf/data/values_csv.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/csv_export.h"
#include "api/download.h"
#include "api/routes.h"
#include "core/csv.h"
#include "core/err.h"
#include "core/json.h"
#include "gwif/gwif.h"
#include "pf/data/ts.h"
#include "pf/data/values_csv.h"

/* An import body: the most points x rows a utility corrects at once, with room for Excel. */
#define VCSV_BODY_MAX ((size_t)16 * 1024 * 1024)

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

/* from, to, agg of an export, checked as the values route checks them. */
static int query_period(sd_http_req_t *req, int64_t *from, int64_t *to, sd_ts_agg_t *agg)
{
    const char *aggs = sd_http_req_query(req, "agg");
    *agg = SD_TS_AGG_RAW;
    if (query_time(req, "from", from) || query_time(req, "to", to))
        return SD_EFIELD;
    if (aggs && sd_ts_agg_parse(aggs, agg)) {
        sd_http_reply_error(req, SD_EFIELD, "agg", "must be raw, hour, day, month or year");
        return SD_EFIELD;
    }
    if (*from >= *to) {
        sd_http_reply_error(req, SD_EFIELD, "to", "must be after from");
        return SD_EFIELD;
    }
    if (*to - *from > sd_ts_max_span_ms(*agg)) {
        sd_http_reply_error(req, SD_EFIELD, "to", "range longer than %" PRId64 " days for agg=%s",
                            sd_ts_max_span_ms(*agg) / 86400000, aggs ? aggs : "raw");
        return SD_EFIELD;
    }
    return 0;
}

/* The sheet of pids/ids as a download: UTF-8 with BOM, or Shift_JIS when sjis. */
static void reply_sheet(sd_http_req_t *req, sd_pf_t *pf, const int64_t *pids,
                        const char *const *ids, size_t n, int64_t from, int64_t to, sd_ts_agg_t agg,
                        int sjis)
{
    sd_buf_t u = {0}, out = {0};
    int rc = sd_vcsv_export(pf->store, pids, ids, n, from, to, agg, &u);
    if (rc == SD_ETOOBIG) {
        sd_buf_free(&u);
        sd_http_reply_error(req, SD_EFIELD, "to",
                            "more than %zu values of one point: ask for a "
                            "shorter period or an aggregate",
                            SD_VCSV_MAX_SAMPLES);
        return;
    }
    if (!rc && sjis) /* the BOM is UTF-8's: not in a Shift_JIS file */
        rc = sd_csv_to_cp932(u.data + 3, u.len - 3, &out);
    char name[160] = "values.csv";
    if (n == 1)
        snprintf(name, sizeof name, "%.120s.csv", ids[0]);
    if (!rc)
        rc = sd_api_download_headers(req, name);
    if (rc) {
        sd_buf_free(&u);
        sd_buf_free(&out);
        sd_api_reply_rc(req, rc);
        return;
    }
    if (sjis) {
        sd_buf_free(&u);
        sd_http_reply_buf(req, 200, "text/csv; charset=Shift_JIS", &out);
    } else {
        sd_http_reply_buf(req, 200, "text/csv; charset=utf-8", &u);
    }
}

/* GET /apif/v1/points/{data_id}/values?format=csv: the one-point sheet (ts_http.c hands over
 * once it has checked the caller and found the point). */
void sd_vcsv_point_reply(sd_http_req_t *req, sd_pf_t *pf, int64_t pid, int fmt)
{
    int64_t from, to;
    sd_ts_agg_t agg;
    if (query_period(req, &from, &to, &agg))
        return;
    const char *id = sd_http_req_param(req, "data_id");
    reply_sheet(req, pf, &pid, &id, 1, from, to, agg, fmt == 2);
}

/* The caller's own tenant, checked for act: 0 and *tenant, or replied. */
static int caller_tenant(sd_http_req_t *req, sd_action_t act, int64_t *tenant)
{
    const sd_principal_t *who = sd_api_principal(req);
    sd_scope_t sc = {.tenant_id = who ? who->tenant_id : 0};
    int rc = sd_api_require(req, act, &sc);
    *tenant = sc.tenant_id;
    return rc;
}

/* ---- GET /api/v1/values.csv?data_ids=a,b&from=&to=&agg=&encoding= ---------------------------- */

static void h_export(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    int64_t tenant, from, to;
    sd_ts_agg_t agg;
    if (caller_tenant(req, SD_ACT_DATA_READ, &tenant))
        return;
    const char *list = sd_http_req_query(req, "data_ids"),
               *enc = sd_http_req_query(req, "encoding");
    if (!list || !*list) {
        sd_http_reply_error(req, SD_EFIELD, "data_ids", "required: data IDs separated by commas");
        return;
    }
    if (enc && strcmp(enc, "utf-8") && strcmp(enc, "utf8") && strcmp(enc, "sjis")) {
        sd_http_reply_error(req, SD_EFIELD, "encoding", "encoding must be utf-8 or sjis");
        return;
    }
    if (query_period(req, &from, &to, &agg))
        return;
    char *copy = strdup(list);
    const char *ids[SD_VCSV_MAX_POINTS];
    int64_t pids[SD_VCSV_MAX_POINTS];
    size_t n = 0;
    if (!copy) {
        sd_api_reply_rc(req, SD_ENOMEM);
        return;
    }
    char *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (n == SD_VCSV_MAX_POINTS) {
            sd_http_reply_error(req, SD_EFIELD, "data_ids", "at most %d data IDs",
                                SD_VCSV_MAX_POINTS);
            free(copy);
            return;
        }
        for (size_t k = 0; k < n; k++)
            if (!strcmp(ids[k], t)) {
                sd_http_reply_error(req, SD_EFIELD, "data_ids", "%s is listed twice", t);
                free(copy);
                return;
            }
        /* a data ID of another tenant is no point here: 404 naming it, as the values route */
        int rc = sd_ts_point_id(pf->store, tenant, t, &pids[n]);
        if (rc == SD_ENOTFOUND)
            sd_http_reply_error(req, rc, "data_ids", "no point with the data ID %s", t);
        else if (rc)
            sd_api_reply_rc(req, rc);
        if (rc) {
            free(copy);
            return;
        }
        ids[n++] = t;
    }
    if (n == 0)
        sd_http_reply_error(req, SD_EFIELD, "data_ids", "required: data IDs separated by commas");
    else
        reply_sheet(req, pf, pids, ids, n, from, to, agg, enc && !strcmp(enc, "sjis"));
    free(copy);
}

/* ---- POST /api/v1/values.csv (the sheet back, corrected) --------------------------------------
 */

static void reply_findings(sd_http_req_t *req, const sd_vcsv_t *v)
{
    json_t *errs = json_array();
    for (size_t i = 0; errs && i < v->nf; i++)
        json_array_append_new(errs, sd_json_pack("{s:I,s:I,s:s}", "row", (json_int_t)v->f[i].row,
                                                 "column", (json_int_t)v->f[i].column, "reason",
                                                 v->f[i].reason));
    char msg[96];
    snprintf(msg, sizeof msg, "%zu finding(s) in the file: nothing was stored", v->nfindings);
    json_t *body = errs ? sd_json_pack("{s:{s:s,s:s,s:n},s:o,s:I}", "error", "code", "bad_field",
                                       "message", msg, "field", "errors", errs, "dropped",
                                       (json_int_t)(v->nfindings - v->nf))
                        : NULL;
    if (!body) {
        sd_api_reply_rc(req, SD_ENOMEM);
        return;
    }
    sd_http_reply_json(req, 400, body);
}

static void h_import(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    int64_t tenant;
    if (caller_tenant(req, SD_ACT_DATA_WRITE, &tenant))
        return;
    size_t len = 0;
    const void *body = sd_http_req_body(req, &len);
    sd_vcsv_t v;
    int rc = sd_vcsv_parse(body ? body : "", len, sd_pf_now_ms(pf), &v);
    /* every header data ID must be a point of the caller's tenant */
    for (size_t c = 0; !rc && c < v.nids; c++) {
        int64_t pid;
        if (!*v.ids[c])
            continue;
        int r = sd_ts_point_id(pf->store, tenant, v.ids[c], &pid);
        if (r == SD_ENOTFOUND)
            sd_vcsv_finding(&v, 1, c + 2, "unknown data ID %.64s in this tenant", v.ids[c]);
        else if (r)
            rc = r;
    }
    if (!rc && v.nfindings) {
        reply_findings(req, &v);
        sd_vcsv_free(&v);
        return;
    }
    size_t bad = 0;
    if (!rc) /* one batch, one transaction, committed before the answer */
        rc = sd_ts_ingest(pf, tenant, 0, v.s, v.n, &bad);
    if (rc == SD_EBUSY) /* the group-commit writer's queue is full: nothing stored, send again */
        sd_http_reply_header(req, "Retry-After", "1");
    if (rc) {
        sd_vcsv_free(&v);
        sd_api_reply_rc(req, rc);
        return;
    }
    char detail[96];
    snprintf(detail, sizeof detail, "{\"points\":%zu,\"values\":%zu}", v.nids, v.n);
    sd_api_audit_req(pf, req, tenant, "data.import", "values.csv", detail);
    sd_http_reply_json(
        req, 200,
        sd_json_pack("{s:I,s:I}", "stored", (json_int_t)v.n, "points", (json_int_t)v.nids));
    sd_vcsv_free(&v);
}

int sd_values_csv_routes(sd_http_server_t *http, sd_pf_t *pf)
{
    static const sd_http_route_opts_t big = {.max_body = VCSV_BODY_MAX};
    int rc = sd_http_route(http, "GET", "/api/v1/values.csv", h_export, pf, NULL);
    if (!rc)
        rc = sd_http_route(http, "POST", "/api/v1/values.csv", h_import, pf, &big);
    return rc;
}
