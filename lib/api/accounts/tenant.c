/* tenant.c - tenants (表2-14 テナント提供) over HTTP: create, list, show, rename. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/routes.h"
#include "core/err.h"
#include "pf/accounts/tenant.h"

static void reply_tenant(sd_pf_t *pf, sd_http_req_t *req, int status, int64_t id)
{
    json_t *o = NULL;
    int rc = sd_tenant_json(pf, id, &o);
    sd_api_reply_result(req, rc, status, o);
}

static void h_list(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    sd_scope_t home = sd_api_home(req);
    if (sd_api_require(req, SD_ACT_TENANT_READ, &home) != 0)
        return;
    sd_pf_items_t items;
    int rc = sd_tenant_list(pf, &items);
    if (rc != 0)
        sd_api_reply_rc(req, rc);
    else
        sd_api_reply_items(req, SD_ACT_TENANT_READ, &items);
}

static void h_create(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    sd_scope_t common = {.tenant_id = SD_TENANT_COMMON};
    if (sd_api_require(req, SD_ACT_TENANT_MANAGE, &common) != 0)
        return;
    json_t *b = NULL;
    if (sd_api_body(req, &b) != 0)
        return;
    const char *name = NULL, *kind = NULL;
    sd_json_err_t e;
    sd_json_field_t f[] = {{"name", SD_JSON_STR, SD_JSON_REQ, &name, 1, 128},
                           {"kind", SD_JSON_STR, SD_JSON_REQ, &kind, 1, 32}};
    sd_tenant_kind_t k;
    int64_t id = 0;
    int rc = sd_json_fields(b, f, 2, SD_JSON_STRICT, &e);
    if (rc == 0 && sd_rules_label(name, strlen(name)) != 0)
        rc = sd_json_err_set(&e, "name", "must be printable UTF-8, 1 to 128 bytes");
    if (rc == 0 &&
        (sd_rules_tenant_kind(kind, strlen(kind), &k) != 0 || k == SD_TENANT_KIND_COMMON))
        rc = sd_json_err_set(&e, "kind", "must be shared_operator, dedicated_operator or vendor");
    if (rc != 0) {
        sd_http_reply_json_error(req, rc, &e);
        json_decref(b);
        return;
    }
    rc = sd_tenant_create(pf, name, k, &id);
    if (rc == 0) {
        char obj[32], det[200];
        snprintf(obj, sizeof obj, "tenant:%lld", (long long)id);
        json_t *d = sd_json_pack("{s:s,s:s}", "name", name, "kind", kind);
        char *ds = d ? json_dumps(d, JSON_COMPACT) : NULL;
        snprintf(det, sizeof det, "%s", ds ? ds : "");
        free(ds);
        json_decref(d);
        sd_api_audit_req(pf, req, id, "tenant.create", obj, det);
    }
    json_decref(b);
    if (rc != 0) {
        sd_api_reply_rc(req, rc);
        return;
    }
    reply_tenant(pf, req, 201, id);
}

static void h_get(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    int64_t id;
    if (sd_api_param_id(req, "id", &id) != 0)
        return;
    sd_scope_t sc = {.tenant_id = id};
    sd_tenant_kind_t k;
    int rc = sd_tenant_kind_of(pf, id, &k);
    if (rc != 0) {
        sd_api_reply_rc(req, rc);
        return;
    }
    if (sd_api_require_visible(req, SD_ACT_TENANT_READ, SD_ACT_TENANT_READ, &sc) != 0)
        return;
    reply_tenant(pf, req, 200, id);
}

static void h_patch(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    int64_t id;
    if (sd_api_param_id(req, "id", &id) != 0)
        return;
    sd_tenant_kind_t k;
    int rc = sd_tenant_kind_of(pf, id, &k);
    if (rc != 0) {
        sd_api_reply_rc(req, rc);
        return;
    }
    sd_scope_t sc = {.tenant_id = id};
    if (sd_api_require_visible(req, SD_ACT_TENANT_READ, SD_ACT_TENANT_MANAGE, &sc) != 0)
        return;
    json_t *b = NULL;
    if (sd_api_body(req, &b) != 0)
        return;
    const char *name = NULL;
    sd_json_err_t e;
    sd_json_field_t f[] = {{"name", SD_JSON_STR, SD_JSON_REQ, &name, 1, 128}};
    rc = sd_json_fields(b, f, 1, SD_JSON_STRICT, &e);
    if (rc == 0 && sd_rules_label(name, strlen(name)) != 0)
        rc = sd_json_err_set(&e, "name", "must be printable UTF-8, 1 to 128 bytes");
    if (rc != 0)
        sd_http_reply_json_error(req, rc, &e);
    else if ((rc = sd_tenant_rename(pf, sd_api_principal(req), id, name)) != 0)
        sd_api_reply_rc(req, rc);
    else
        reply_tenant(pf, req, 200, id);
    json_decref(b);
}

int sd_tenant_routes(sd_http_server_t *http, sd_pf_t *pf)
{
    int rc = 0;
    if (!rc)
        rc = sd_http_route(http, "GET", "/api/v1/tenants", h_list, pf, NULL);
    if (!rc)
        rc = sd_http_route(http, "POST", "/api/v1/tenants", h_create, pf, NULL);
    if (!rc)
        rc = sd_http_route(http, "GET", "/api/v1/tenants/{id}", h_get, pf, NULL);
    if (!rc)
        rc = sd_http_route(http, "PATCH", "/api/v1/tenants/{id}", h_patch, pf, NULL);
    return rc;
}
