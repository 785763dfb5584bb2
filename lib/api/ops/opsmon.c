/* opsmon.c - HTTP for operation monitoring: GET /api/v1/status and the access-log hook. */
#include "api/api.h"
#include "api/routes.h"
#include "core/err.h"
#include "pf/ops/opsmon.h"

void sd_opsmon_access(const sd_http_access_t *rec, void *ctx)
{
    sd_opsmon_record(ctx, rec->path, rec->duration_ms, rec->status);
    sd_http_access_log_default(rec);
}

static void h_status(sd_http_req_t *req, void *ctx)
{
    sd_opsmon_t *m = ctx;
    const sd_principal_t *who = sd_api_principal(req);
    sd_scope_t home = {.tenant_id = who ? who->tenant_id : 0, .org_id = who ? who->org_id : 0};
    if (sd_api_require(req, SD_ACT_MONITOR_READ, &home))
        return;
    json_t *o = NULL;
    int rc = sd_opsmon_status(m, who, &o);
    if (rc)
        sd_api_reply_rc(req, rc);
    else
        sd_http_reply_json(req, 200, o);
}

int sd_opsmon_routes(sd_http_server_t *http, sd_opsmon_t *m)
{
    return sd_http_route(http, "GET", "/api/v1/status", h_status, m, NULL);
}
