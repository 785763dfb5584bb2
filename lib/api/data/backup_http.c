/* backup_http.c - POST/GET /api/v1/backups: a platform admin takes and lists backups. */
#include <stdbool.h>
#include <string.h>

#include "api/api.h"
#include "api/routes.h"
#include "core/err.h"
#include "pf/data/backup.h"

static int require(sd_http_req_t *req)
{
    sd_scope_t common = {.tenant_id = SD_TENANT_COMMON};
    return sd_api_require(req, SD_ACT_BACKUP_MANAGE, &common);
}

static void h_create(sd_http_req_t *req, void *ctx)
{
    sd_backup_t *b = ctx;
    if (require(req) != 0)
        return;
    const char *w = sd_http_req_query(req, "wait");
    bool wait = w && (!strcmp(w, "1") || !strcmp(w, "true"));
    char id[SD_BACKUP_ID_MAX];
    if (sd_backup_request(b, wait, id) == SD_ECONFLICT) {
        sd_http_reply_error(req, SD_ECONFLICT, NULL, "backup %s is running", id);
        return;
    }
    char obj[64];
    snprintf(obj, sizeof obj, "backup:%s", id);
    sd_api_audit_req(sd_backup_pf(b), req, SD_TENANT_COMMON, "backup.create", obj, NULL);
    if (!wait) {
        sd_http_reply_json(req, 202, sd_json_pack("{s:s, s:s}", "id", id, "result", "running"));
        return;
    }
    json_t *e = sd_backup_find(b, id);
    const char *res = e ? json_string_value(json_object_get(e, "result")) : NULL;
    if (res && !strcmp(res, "ok"))
        sd_http_reply_json(req, 201, e);
    else {
        const char *why = e ? json_string_value(json_object_get(e, "error")) : NULL;
        sd_http_reply_error(req, SD_EIO, NULL, "backup %s failed: %s", id, why ? why : "(unknown)");
        json_decref(e);
    }
}

static void h_list(sd_http_req_t *req, void *ctx)
{
    sd_backup_t *b = ctx;
    if (require(req) != 0)
        return;
    char next[32];
    int64_t keep_s = 0;
    json_t *items = sd_backup_list(b, next, &keep_s);
    sd_http_reply_json(req, 200,
                       sd_json_pack("{s:o, s:s, s:I}", "items", items, "next_at", next, "keep_s",
                                    (json_int_t)keep_s));
}

static void h_get(sd_http_req_t *req, void *ctx)
{
    sd_backup_t *b = ctx;
    if (require(req) != 0)
        return;
    const char *id = sd_http_req_param(req, "id");
    json_t *e = id ? sd_backup_find(b, id) : NULL;
    if (!e) {
        sd_http_reply_error(req, SD_ENOTFOUND, "id", "no backup %s", id ? id : "");
        return;
    }
    sd_http_reply_json(req, 200, e);
}

int sd_api_backup_routes(sd_http_server_t *http, sd_backup_t *b)
{
    int rc = sd_http_route(http, "POST", "/api/v1/backups", h_create, b, NULL);
    if (!rc)
        rc = sd_http_route(http, "GET", "/api/v1/backups", h_list, b, NULL);
    if (!rc)
        rc = sd_http_route(http, "GET", "/api/v1/backups/{id}", h_get, b, NULL);
    return rc;
}
