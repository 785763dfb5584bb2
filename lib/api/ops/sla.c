/* sla.c - HTTP for the service level (§3): the monthly report and maintenance windows. */
#include "api/api.h"
#include "api/routes.h"
#include "core/err.h"
#include "pf/data/ts.h"
#include "pf/ops/sla.h"

static void h_sla(sd_http_req_t *req, void *ctx)
{
    sd_sla_t *s = ctx;
    const sd_principal_t *who = sd_api_principal(req);
    sd_scope_t home = {.tenant_id = who ? who->tenant_id : 0};
    if (sd_api_require(req, SD_ACT_SLA_READ, &home))
        return;
    json_t *o = NULL;
    int rc = sd_sla_report(s, sd_http_req_query(req, "month"), &o);
    if (rc == SD_EFIELD)
        sd_http_reply_error(req, SD_EFIELD, "month", "expected YYYY-MM");
    else if (rc)
        sd_api_reply_rc(req, rc);
    else
        sd_http_reply_json(req, 200, o);
}

static void h_maint_list(sd_http_req_t *req, void *ctx)
{
    sd_sla_t *s = ctx;
    sd_scope_t common = {.tenant_id = SD_TENANT_COMMON};
    if (sd_api_require(req, SD_ACT_PORTAL_READ, &common))
        return;
    sd_pf_items_t items;
    int rc = sd_sla_maintenance_list(s, &items);
    if (rc)
        sd_api_reply_rc(req, rc);
    else
        sd_api_reply_items(req, 0, &items);
}

static void h_maint_create(sd_http_req_t *req, void *ctx)
{
    sd_sla_t *s = ctx;
    sd_scope_t common = {.tenant_id = SD_TENANT_COMMON};
    if (sd_api_require(req, SD_ACT_PORTAL_POST, &common))
        return;
    json_t *b = NULL;
    if (sd_api_body(req, &b))
        return;
    const char *sa = NULL, *ea = NULL, *title = NULL;
    sd_json_err_t e;
    sd_json_field_t f[] = {{"starts_at", SD_JSON_STR, SD_JSON_REQ, &sa, 1, 40},
                           {"ends_at", SD_JSON_STR, SD_JSON_REQ, &ea, 1, 40},
                           {"title", SD_JSON_STR, SD_JSON_REQ, &title, 1, 200}};
    int64_t from = 0, to = 0, id = 0;
    int rc = sd_json_fields(b, f, 3, SD_JSON_STRICT, &e);
    if (!rc && sd_ts_parse_time(sa, &from))
        rc = sd_json_err_set(&e, "starts_at", "expected ISO 8601 time with zone");
    if (!rc && sd_ts_parse_time(ea, &to))
        rc = sd_json_err_set(&e, "ends_at", "expected ISO 8601 time with zone");
    if (!rc && to <= from)
        rc = sd_json_err_set(&e, "ends_at", "must be after starts_at");
    if (!rc && to - from > 7 * 86400000LL)
        rc = sd_json_err_set(&e, "ends_at", "a window is at most 7 days");
    /* "announced" (3.4 (1)): a window must be posted before it starts, never after the fact */
    if (!rc && from < sd_pf_now_ms(sd_sla_pf(s)))
        rc = sd_json_err_set(&e, "starts_at", "must be in the future (announced in advance)");
    if (rc) {
        sd_http_reply_json_error(req, rc, &e);
        json_decref(b);
        return;
    }
    rc = sd_sla_maintenance_add(s, sd_api_principal(req), from, to, title, &id);
    if (rc) {
        sd_api_reply_rc(req, rc);
    } else {
        sd_http_reply_json(req, 201,
                           sd_json_pack("{s:I,s:I,s:I,s:s}", "id", (json_int_t)id, "starts_at",
                                        (json_int_t)from, "ends_at", (json_int_t)to, "title",
                                        title));
    }
    json_decref(b);
}

int sd_sla_routes(sd_http_server_t *h, sd_sla_t *s)
{
    int rc = sd_http_route(h, "GET", "/api/v1/sla", h_sla, s, NULL);
    if (!rc)
        rc = sd_http_route(h, "GET", "/api/v1/maintenance", h_maint_list, s, NULL);
    if (!rc)
        rc = sd_http_route(h, "POST", "/api/v1/maintenance", h_maint_create, s, NULL);
    return rc;
}
