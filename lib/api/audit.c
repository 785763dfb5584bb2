/* audit.c - GET /api/v1/audit: reading the audit log (pf/audit.h). */
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
    const char *ls = sd_http_req_query(req, "limit"), *act = sd_http_req_query(req, "action");
    long limit = ls ? strtol(ls, NULL, 10) : 100;
    if (limit < 1 || limit > 1000)
        limit = 100;
    if (act && strlen(act) > 64) {
        sd_http_reply_error(req, SD_EFIELD, "action", "at most 64 bytes");
        return;
    }
    /* a platform admin sees all; others only their tenant's rows: filter in SQL first */
    int all = p->role == SD_ROLE_PLATFORM_ADMIN;
    sd_pf_items_t items;
    int rc = sd_pf_audit_list(pf, all, p->tenant_id, act ? act : "", limit, &items);
    if (rc != 0)
        sd_api_reply_rc(req, rc);
    else
        sd_api_reply_items(req, SD_ACT_AUDIT_READ, &items);
}

int sd_audit_routes(sd_http_server_t *http, sd_pf_t *pf)
{
    return sd_http_route(http, "GET", "/api/v1/audit", h_list, pf, NULL);
}
