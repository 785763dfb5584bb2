/* audit.c - reading the audit log (written through sd_pf_audit()). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/routes.h"
#include "core/err.h"
#include "api/audit.h"

static void h_list(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    const sd_principal_t *p = sd_api_principal(req);
    sd_scope_t home = {p ? p->tenant_id : 0, p ? p->org_id : 0, p ? p->subject_id : 0};
    if (sd_api_require(req, SD_ACT_AUDIT_READ, &home) != 0)
        return;
    const char *ls = sd_http_req_query(req, "limit"), *act = sd_http_req_query(req, "action");
    long limit = ls ? strtol(ls, NULL, 10) : 100;
    if (limit < 1 || limit > 1000)
        limit = 100;
    char prefix[80];
    if (act && strlen(act) > 64) {
        sd_http_reply_error(req, SD_EFIELD, "action", "at most 64 bytes");
        return;
    }
    /* LIKE wildcards in the prefix are matched literally through substr() instead */
    snprintf(prefix, sizeof prefix, "%s", act ? act : "");
    sd_api_visible_t vis = {SD_ACT_AUDIT_READ, 4, -1, -1};
    /* a platform admin sees all; others only their tenant's rows: filter in SQL first */
    int all = p->role == SD_ROLE_PLATFORM_ADMIN;
    sd_api_reply_rows(req, pf->store,
                     "SELECT id, ts, actor, actor_role, tenant_id, action, object, detail,"
                     " request_id FROM audit WHERE (CAST($1 AS BIGINT) = 1 OR tenant_id = $2)"
                     " AND substr(action, 1, CAST($3 AS INTEGER)) = $4 ORDER BY id DESC LIMIT $5",
                     SD_PARAMS(SD_V_INT(all), SD_V_INT(p->tenant_id), SD_V_INT(strlen(prefix)),
                               SD_V_TEXT(prefix), SD_V_INT(limit)),
                     "iississss", &vis);
}

int sd_audit_routes(sd_pf_t *pf)
{
    return sd_http_route(pf->http, "GET", "/api/v1/audit", h_list, pf, NULL);
}
