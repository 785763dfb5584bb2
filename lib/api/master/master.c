/* master.c - HTTP: initial-information sheets with approval, master download, AP-IF #3. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/download.h"
#include "api/routes.h"
#include "core/err.h"
#include "core/json.h"
#include "core/log.h"
#include "pf/data/objstore.h"
#include "pf/master/master.h"
#include "pf/master/sheets.h"

#define SHEET_MAX_BODY ((size_t)8 * 1024 * 1024)

static const char *enc_name(sd_csv_encoding_t e)
{
    return sd_sheets_encoding_name(e);
}

/* The tenant of the path, checked for act (replies on failure). */
static int path_tenant(sd_http_req_t *req, sd_action_t act, int64_t *tid)
{
    int rc = sd_api_param_id(req, "tid", tid);
    if (rc)
        return rc;
    sd_scope_t sc = {.tenant_id = *tid};
    return sd_api_require(req, act, &sc);
}

static json_t *counts_json(const sd_sheet_items_t *it)
{
    json_int_t n[SD_SHEET_KIND__COUNT] = {0};
    for (size_t i = 0; it && i < it->n; i++)
        n[it->v[i].kind]++;
    return sd_json_pack("{s:I,s:I,s:I,s:I}", "facilities", n[SD_SHEET_FACILITY], "devices",
                        n[SD_SHEET_DEVICE], "points", n[SD_SHEET_POINT], "outputs",
                        n[SD_SHEET_OUTPUT]);
}

/* 422 with every finding. */
static void reply_findings(sd_http_req_t *req, int status, const char *code, const char *msg,
                           const sd_sheet_errors_t *e, sd_csv_encoding_t enc)
{
    json_t *errs = sd_pf_sheet_errors_json(e);
    json_t *body = errs ? sd_json_pack("{s:{s:s,s:s,s:n},s:o,s:I,s:s}", "error", "code", code,
                                       "message", msg, "field", "errors", errs, "dropped",
                                       (json_int_t)e->dropped, "encoding", enc_name(enc))
                        : NULL;
    if (!body) {
        sd_http_reply_error(req, SD_ENOMEM, NULL, NULL);
        return;
    }
    sd_http_reply_json(req, status, body);
}

/* ---- POST /api/v1/tenants/{tid}/sheets ------------------------------------------------------- */

static void h_submit(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    int64_t tid;
    if (path_tenant(req, SD_ACT_SHEET_SUBMIT, &tid))
        return;
    /* the name is stored and shown: no CR/LF, no control characters, at most 255 bytes */
    const char *fname = sd_http_req_query(req, "filename"), *why = NULL;
    size_t off = 0;
    if (fname && sd_objpath_check_name(fname, strlen(fname), &why, &off)) {
        sd_http_reply_error(req, SD_EFIELD, "filename", "%s (at byte %zu)", why, off);
        return;
    }
    size_t len = 0;
    const void *body = sd_http_req_body(req, &len);
    sd_sheet_submit_t r;
    int rc = sd_sheets_submit(pf, sd_api_principal(req), tid, body, len, fname, &r);
    if (rc == SD_EFIELD) {
        char msg[64];
        snprintf(msg, sizeof msg, "the sheet has %zu findings; nothing was stored",
                 r.errs.n + r.errs.dropped);
        reply_findings(req, 422, "invalid_sheet", msg, &r.errs, r.enc);
    } else if (rc) {
        sd_api_reply_rc(req, rc);
    } else {
        sd_http_reply_json(
            req, 201,
            sd_json_pack("{s:I,s:I,s:s,s:s,s:I,s:o}", "id", (json_int_t)r.id, "tenant_id",
                         (json_int_t)tid, "status", "submitted", "encoding", enc_name(r.enc),
                         "objects", (json_int_t)r.objects, "counts",
                         sd_json_pack("{s:I,s:I,s:I,s:I}", "facilities",
                                      (json_int_t)r.counts[SD_SHEET_FACILITY], "devices",
                                      (json_int_t)r.counts[SD_SHEET_DEVICE], "points",
                                      (json_int_t)r.counts[SD_SHEET_POINT], "outputs",
                                      (json_int_t)r.counts[SD_SHEET_OUTPUT])));
    }
    sd_sheet_errors_free(&r.errs);
}

/* ---- GET list / one / raw -------------------------------------------------------------------- */

/*
 * May the caller read sheets of tid, and which: *org = 0 for every sheet of the tenant (T), the
 * caller's organisation for an O cell (a vendor admin: its own vendor's sheets, in a tenant it
 * serves). Replies 401/403 on refusal.
 */
static int sheet_reader(sd_http_req_t *req, int64_t *tid, int64_t *org)
{
    const sd_principal_t *who = sd_api_principal(req);
    *org = 0;
    int rc = sd_api_param_id(req, "tid", tid);
    if (rc)
        return rc;
    sd_scope_t all = {.tenant_id = *tid};
    if (who && sd_policy_check(who, SD_ACT_SHEET_READ, &all) == 0)
        return sd_api_require(req, SD_ACT_SHEET_READ, &all); /* also the TOTP-enrolment gate */
    sd_scope_t own = {.tenant_id = *tid, .org_id = who ? who->org_id : 0};
    *org = own.org_id;
    return sd_api_require(req, SD_ACT_SHEET_READ, &own);
}

static void h_list(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    int64_t tid, org;
    if (sheet_reader(req, &tid, &org))
        return;
    sd_pf_items_t items;
    int rc = sd_sheets_list(pf->store, tid, org, sd_http_req_query(req, "status"), &items);
    if (rc)
        sd_api_reply_rc(req, rc);
    else
        sd_api_reply_items(req, 0, &items);
}

/*
 * Sheet {id} of {tid}, checked for sheet.read against the sheet's own organisation: a sheet the
 * caller may not see answers 404, like an id that does not exist. 0 or replied.
 */
static int sheet_checked(sd_http_req_t *req, sd_pf_t *pf, int64_t *tid, int64_t *id)
{
    int rc = sd_api_param_id(req, "tid", tid);
    if (!rc)
        rc = sd_api_param_id(req, "id", id);
    if (rc)
        return rc;
    const sd_principal_t *who = sd_api_principal(req);
    int64_t org = 0;
    rc = who ? sd_sheets_org(pf->store, *tid, *id, &org) : SD_ENOTFOUND;
    if (rc == SD_ENOTFOUND) {
        /* first what the caller may read at all (401, 403), then that there is no such sheet */
        int64_t any;
        if (sheet_reader(req, tid, &any) == 0)
            sd_http_reply_error(req, SD_ENOTFOUND, NULL, NULL);
        return SD_ENOTFOUND;
    }
    if (rc)
        return sd_api_reply_rc(req, rc);
    sd_scope_t sc = {.tenant_id = *tid, .org_id = org};
    return sd_api_require_visible(req, SD_ACT_SHEET_READ, SD_ACT_SHEET_READ, &sc);
}

static void h_get(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    int64_t tid, id;
    if (sheet_checked(req, pf, &tid, &id))
        return;
    json_t *o = NULL;
    int rc = sd_sheets_get(pf->store, tid, id, &o);
    if (rc)
        sd_api_reply_rc(req, rc);
    else
        sd_http_reply_json(req, 200, o);
}

static void h_raw(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    int64_t tid, id;
    if (sheet_checked(req, pf, &tid, &id))
        return;
    void *raw = NULL;
    size_t len = 0;
    sd_csv_encoding_t enc;
    int rc = sd_sheets_raw(pf->store, tid, id, &raw, &len, &enc);
    if (rc) {
        sd_api_reply_rc(req, rc);
        return;
    }
    const char *ct =
        enc == SD_CSV_ENC_CP932 ? "text/csv; charset=Shift_JIS" : "text/csv; charset=utf-8";
    char name[48];
    snprintf(name, sizeof name, "sheet-%lld-%lld.csv", (long long)tid, (long long)id);
    rc = sd_api_download_headers(req, name);
    if (rc)
        sd_api_reply_rc(req, rc);
    else
        sd_http_reply_bytes(req, 200, ct, raw, len);
    free(raw);
}

/* ---- approve / reject ------------------------------------------------------------------------ */

static void decide(sd_http_req_t *req, sd_pf_t *pf, bool approve)
{
    int64_t tid, id;
    if (path_tenant(req, SD_ACT_SHEET_APPROVE, &tid) || sd_api_param_id(req, "id", &id))
        return;
    json_t *b = NULL;
    const char *reason = NULL;
    size_t blen = 0;
    sd_http_req_body(req, &blen);
    if (blen) {
        if (sd_api_body(req, &b))
            return;
        sd_json_err_t je;
        if (sd_json_get_str(b, "reason", 0, &reason, &je)) {
            sd_http_reply_json_error(req, SD_EFIELD, &je);
            json_decref(b);
            return;
        }
    }
    sd_sheet_decision_t d;
    int rc = sd_sheets_decide(pf, sd_api_principal(req), tid, id, approve, reason, &d);
    if (rc)
        sd_api_reply_rc(req, rc);
    else if (d.refused == SD_ECONFLICT && d.errs.n)
        reply_findings(req, 409, "conflict", d.why, &d.errs, d.enc);
    else if (d.refused)
        sd_http_reply_error(req, d.refused, NULL, "%s", d.why);
    else if (approve)
        sd_http_reply_json(req, 200,
                           sd_json_pack("{s:I,s:s,s:I,s:I}", "id", (json_int_t)id, "status",
                                        "applied", "version", (json_int_t)d.version, "objects",
                                        (json_int_t)d.objects));
    else
        sd_http_reply_json(req, 200,
                           sd_json_pack("{s:I,s:s}", "id", (json_int_t)id, "status", "rejected"));
    sd_sheet_errors_free(&d.errs);
    json_decref(b);
}

static void h_approve(sd_http_req_t *req, void *ctx)
{
    decide(req, ctx, true);
}

static void h_reject(sd_http_req_t *req, void *ctx)
{
    decide(req, ctx, false);
}

/* ---- GET master ------------------------------------------------------------------------------ */

static void reply_master(sd_http_req_t *req, sd_pf_t *pf, int64_t tid, bool csv)
{
    sd_sheet_items_t items = {0};
    int64_t version = 0;
    int rc = sd_pf_master_load(pf->store, tid, &items, &version);
    if (rc) {
        sd_api_reply_rc(req, rc);
        return;
    }
    char v[32];
    snprintf(v, sizeof v, "%lld", (long long)version);
    sd_http_reply_header(req, "X-Master-Version", v);
    if (csv) {
        sd_buf_t b = {0};
        char name[64];
        snprintf(name, sizeof name, "master-%lld-v%lld.csv", (long long)tid, (long long)version);
        rc = sd_sheet_write_csv(&items, &b);
        if (!rc)
            rc = sd_api_download_headers(req, name);
        if (rc) {
            sd_buf_free(&b);
            sd_api_reply_rc(req, rc);
        } else {
            sd_http_reply_buf(req, 200, "text/csv; charset=utf-8", &b);
        }
    } else {
        json_t *j = sd_pf_master_json(&items, tid, version);
        if (j)
            sd_http_reply_json(req, 200, j);
        else
            sd_api_reply_rc(req, SD_ENOMEM);
    }
    sd_sheet_items_free(&items);
}

static void h_master(sd_http_req_t *req, void *ctx)
{
    int64_t tid;
    if (path_tenant(req, SD_ACT_MASTER_READ, &tid))
        return;
    const char *fmt = sd_http_req_query(req, "format");
    if (fmt && strcmp(fmt, "csv") != 0 && strcmp(fmt, "json") != 0) {
        sd_http_reply_error(req, SD_EFIELD, "format", "format must be json or csv");
        return;
    }
    reply_master(req, ctx, tid, fmt && !strcmp(fmt, "csv"));
}

/* ---- AP-IF #3 マスタデータ参照API: one function per master kind ------------------------------ */

/* The caller's own tenant, checked for master.read. */
static int apif_tenant(sd_http_req_t *req, int64_t *tid)
{
    const sd_principal_t *who = sd_api_principal(req);
    sd_scope_t sc = {.tenant_id = who ? who->tenant_id : 0};
    int rc = sd_api_require(req, SD_ACT_MASTER_READ, &sc);
    if (!rc)
        *tid = sc.tenant_id;
    return rc;
}

static void h_apif_summary(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    int64_t tid, version = 0;
    if (apif_tenant(req, &tid))
        return;
    sd_sheet_items_t items = {0};
    int rc = sd_pf_master_load(pf->store, tid, &items, &version);
    if (rc) {
        sd_api_reply_rc(req, rc);
        return;
    }
    sd_http_reply_json(req, 200,
                       sd_json_pack("{s:I,s:I,s:o}", "tenant_id", (json_int_t)tid, "version",
                                    (json_int_t)version, "counts", counts_json(&items)));
    sd_sheet_items_free(&items);
}

/* Does it pass the filters ?facility=, ?device=, ?signal= (each optional)? */
static bool matches(const sd_sheet_item_t *it, const sd_sheet_items_t *all, const char *fac,
                    const char *dev, const char *sig)
{
    const char *d = it->f[SD_SHEET_COL_DEVICE];
    if (dev && it->kind != SD_SHEET_FACILITY && strcmp(d, dev) != 0)
        return false;
    if (sig && it->kind == SD_SHEET_POINT && strcmp(it->f[SD_SHEET_COL_SIGNAL], sig) != 0)
        return false;
    if (sig && it->kind == SD_SHEET_OUTPUT && strcmp(sig, "output") != 0)
        return false;
    if (!fac)
        return true;
    if (it->kind == SD_SHEET_FACILITY || it->kind == SD_SHEET_DEVICE)
        return !strcmp(it->f[SD_SHEET_COL_FACILITY], fac);
    for (size_t i = 0; i < all->n; i++)
        if (all->v[i].kind == SD_SHEET_DEVICE && !strcmp(all->v[i].f[SD_SHEET_COL_DEVICE], d))
            return !strcmp(all->v[i].f[SD_SHEET_COL_FACILITY], fac);
    return false;
}

static void apif_list(sd_http_req_t *req, sd_pf_t *pf, int k1, int k2)
{
    int64_t tid, version = 0;
    if (apif_tenant(req, &tid))
        return;
    sd_sheet_items_t items = {0};
    int rc = sd_pf_master_load(pf->store, tid, &items, &version);
    if (rc) {
        sd_api_reply_rc(req, rc);
        return;
    }
    const char *fac = sd_http_req_query(req, "facility"), *dev = sd_http_req_query(req, "device"),
               *sig = sd_http_req_query(req, "signal");
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < items.n; i++) {
        const sd_sheet_item_t *it = &items.v[i];
        if (((int)it->kind != k1 && (int)it->kind != k2) || !matches(it, &items, fac, dev, sig))
            continue;
        if (json_array_append_new(arr, sd_pf_master_item_json(it))) {
            json_decref(arr);
            arr = NULL;
        }
    }
    sd_sheet_items_free(&items);
    if (!arr) {
        sd_api_reply_rc(req, SD_ENOMEM);
        return;
    }
    sd_http_reply_json(req, 200,
                       sd_json_pack("{s:I,s:o}", "version", (json_int_t)version, "items", arr));
}

static void h_apif_facilities(sd_http_req_t *req, void *ctx)
{
    apif_list(req, ctx, SD_SHEET_FACILITY, -1);
}

static void h_apif_devices(sd_http_req_t *req, void *ctx)
{
    apif_list(req, ctx, SD_SHEET_DEVICE, -1);
}

static void h_apif_points(sd_http_req_t *req, void *ctx)
{
    /* outputs are points too (signal "output"), so a control target is found by data ID here */
    apif_list(req, ctx, SD_SHEET_POINT, SD_SHEET_OUTPUT);
}

static void h_apif_outputs(sd_http_req_t *req, void *ctx)
{
    apif_list(req, ctx, SD_SHEET_OUTPUT, -1);
}

static void h_apif_point(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    int64_t tid, version = 0;
    if (apif_tenant(req, &tid))
        return;
    const char *did = sd_http_req_param(req, "data_id");
    sd_sheet_items_t items = {0};
    int rc = sd_pf_master_load(pf->store, tid, &items, &version);
    if (rc) {
        sd_api_reply_rc(req, rc);
        return;
    }
    const sd_sheet_item_t *hit = NULL;
    for (size_t i = 0; i < items.n && !hit; i++)
        if (items.v[i].kind >= SD_SHEET_POINT && !strcmp(items.v[i].f[SD_SHEET_COL_DATA_ID], did))
            hit = &items.v[i];
    if (!hit)
        sd_http_reply_error(req, SD_ENOTFOUND, "data_id", "no point or output with this data ID");
    else
        sd_http_reply_json(req, 200, sd_pf_master_item_json(hit));
    sd_sheet_items_free(&items);
}

int sd_api_master_routes(sd_http_server_t *http, sd_pf_t *pf)
{
    static const sd_http_route_opts_t big = {.max_body = SHEET_MAX_BODY};
    static const struct {
        const char *method, *pattern;
        sd_http_handler_fn fn;
        const sd_http_route_opts_t *opts;
    } routes[] = {
        {"POST", "/api/v1/tenants/{tid}/sheets", h_submit, &big},
        {"GET", "/api/v1/tenants/{tid}/sheets", h_list, NULL},
        {"GET", "/api/v1/tenants/{tid}/sheets/{id}", h_get, NULL},
        {"GET", "/api/v1/tenants/{tid}/sheets/{id}/raw", h_raw, NULL},
        {"POST", "/api/v1/tenants/{tid}/sheets/{id}/approve", h_approve, NULL},
        {"POST", "/api/v1/tenants/{tid}/sheets/{id}/reject", h_reject, NULL},
        {"GET", "/api/v1/tenants/{tid}/master", h_master, NULL},
        {"GET", "/apif/v1/master", h_apif_summary, NULL},
        {"GET", "/apif/v1/master/facilities", h_apif_facilities, NULL},
        {"GET", "/apif/v1/master/devices", h_apif_devices, NULL},
        {"GET", "/apif/v1/master/points", h_apif_points, NULL},
        {"GET", "/apif/v1/master/points/{data_id}", h_apif_point, NULL},
        {"GET", "/apif/v1/master/outputs", h_apif_outputs, NULL},
    };
    for (size_t i = 0; i < sizeof routes / sizeof *routes; i++) {
        int rc = sd_http_route(http, routes[i].method, routes[i].pattern, routes[i].fn, pf,
                               routes[i].opts);
        if (rc)
            return rc;
    }
    return 0;
}
