/* audit.c - GET /api/v1/audit: reading the audit log (pf/audit.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/routes.h"
#include "core/err.h"
#include "pf/audit.h"

static void h_list(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    const sd_principal_t *p = sd_api_principal(req);
    sd_scope_t home = sd_api_home(req);
    if (sd_api_require(req, SD_ACT_AUDIT_READ, &home) != 0)
        return;
    const char *act = sd_http_req_query(req, "action"), *actor = sd_http_req_query(req, "actor"),
               *object = sd_http_req_query(req, "object");
    /* a platform admin sees all; others only their tenant's rows: filter in SQL first */
    sd_pf_audit_filter_t f = {.all = p->role == SD_ROLE_PLATFORM_ADMIN,
                              .tenant = p->tenant_id,
                              .prefix = act,
                              .actor = actor,
                              .object = object,
                              .limit = 100};
    if (sd_api_query_int(req, "limit", 1, 1000, &f.limit) != 0 ||
        sd_api_query_int(req, "since", 0, INT64_MAX, &f.since_ms) != 0 ||
        sd_api_query_int(req, "until", 0, INT64_MAX, &f.until_ms) != 0 ||
        sd_api_query_int(req, "before", 0, INT64_MAX, &f.before_id) != 0)
        return;
    int64_t tid = 0; /* a platform admin may narrow to one tenant; others have only their own */
    if (sd_api_query_int(req, "tenant_id", 1, INT64_MAX, &tid) != 0)
        return;
    if (tid && f.all) {
        f.all = 0;
        f.tenant = tid;
    }
    const char *names[] = {"action", "actor", "object"}, *vals[] = {act, actor, object};
    for (int i = 0; i < 3; i++)
        if (vals[i] && strlen(vals[i]) > 64) {
            sd_http_reply_error(req, SD_EFIELD, names[i], "at most 64 bytes");
            return;
        }
    sd_pf_items_t items;
    int rc = sd_pf_audit_query(pf, &f, &items);
    if (rc != 0)
        sd_api_reply_rc(req, rc);
    else
        sd_api_reply_items(req, SD_ACT_AUDIT_READ, &items);
}

int sd_audit_routes(sd_http_server_t *http, sd_pf_t *pf)
{
    return sd_http_route(http, "GET", "/api/v1/audit", h_list, pf, NULL);
}
