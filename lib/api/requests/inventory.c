/* inventory.c - GET /gwif/v1/inventory (GW-IF 端末一覧) and the calling-gateway check GW-IF
 * handlers share; the inventory itself is the request service's (pf/requests/inventory.h). */
#include <stdio.h>
#include <string.h>

#include "api/requests/inventory.h"
#include "core/err.h"
#include "core/json.h"
#include "pf/master/master.h"

/* ---- GET /gwif/v1/inventory -------------------------------------------------------------- */

/* The calling gateway, checked for gwif.fetch on itself; replies on failure. */
int sd_gw_caller(sd_http_req_t *req, sd_pf_t *pf, sd_gw_info_t *gw)
{
    const sd_principal_t *who = sd_api_principal(req);
    if (!who || who->role != SD_ROLE_GATEWAY) {
        int rc = who ? SD_EFORBIDDEN : SD_EUNAUTH;
        sd_http_reply_error(req, rc, NULL, "a gateway's bearer token is required");
        return rc;
    }
    int rc = sd_gw_info(pf->store, who->subject_id, gw);
    if (rc) {
        sd_api_reply_rc(req, rc);
        return rc;
    }
    sd_scope_t sc = {gw->tenant_id, gw->org_id, gw->id};
    return sd_api_require(req, SD_ACT_GWIF_FETCH, &sc);
}

/* If-None-Match holds our tag (a list, weak or not, or "*"). */
static int etag_matches(const char *inm, const char *tag)
{
    if (!inm)
        return 0;
    if (strchr(inm, '*'))
        return 1;
    size_t n = strlen(tag);
    for (const char *p = strstr(inm, tag); p; p = strstr(p + 1, tag))
        if (p[n] == '\0' || p[n] == ',' || p[n] == ' ')
            return 1;
    return 0;
}

void sd_gw_inventory_handler(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    sd_gw_info_t gw;
    if (sd_gw_caller(req, pf, &gw))
        return;
    int64_t version = 0;
    int rc = sd_pf_master_version(pf->store, gw.tenant_id, &version);
    if (rc) {
        sd_api_reply_rc(req, rc);
        return;
    }
    char tag[40];
    snprintf(tag, sizeof tag, "\"v%lld\"", (long long)version);
    /* the version alone is the validator: which gateway serves what only changes with a sheet
       (or when a second gateway is registered; gateways re-read hourly for that) */
    if (etag_matches(sd_http_req_header(req, "If-None-Match"), tag)) {
        sd_http_reply_header(req, "ETag", tag);
        sd_http_reply_empty(req, 304);
        return;
    }
    json_t *body = sd_gw_inventory_json(pf, &gw, sd_pf_now_ms(pf), &rc);
    if (!body) {
        sd_api_reply_rc(req, rc);
        return;
    }
    /* the version read with the body, so a sheet applied in between is not hidden by a 304 */
    snprintf(tag, sizeof tag, "\"v%lld\"",
             (long long)json_integer_value(json_object_get(body, "version")));
    sd_http_reply_header(req, "ETag", tag);
    sd_http_reply_json(req, 200, body);
}
