/* org.c - organisations and the tenants vendors serve, over HTTP (pf/accounts/org.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/routes.h"
#include "core/err.h"
#include "pf/accounts/org.h"
#include "pf/accounts/tenant.h"

static void reply_org(sd_pf_t *pf, sd_http_req_t *req, int status, int64_t id)
{
    json_t *o = NULL;
    int rc = sd_org_json(pf, id, &o);
    sd_api_reply_result(req, rc, status, o);
}

static void h_list(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    sd_scope_t home = sd_api_home(req);
    if (sd_api_require(req, SD_ACT_ORG_READ, &home) != 0)
        return;
    sd_pf_items_t items;
    int rc = sd_org_list(pf, &items);
    if (rc != 0)
        sd_api_reply_rc(req, rc);
    else
        sd_api_reply_items(req, SD_ACT_ORG_READ, &items);
}

static void h_create(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    json_t *b = NULL;
    sd_scope_t common = {.tenant_id = SD_TENANT_COMMON};
    if (sd_api_require(req, SD_ACT_ORG_MANAGE, &common) != 0 || sd_api_body(req, &b) != 0)
        return;
    const char *name = NULL, *kind = NULL;
    int64_t tenant = 0, id = 0;
    sd_json_err_t e;
    sd_json_field_t f[] = {{"tenant_id", SD_JSON_INT, SD_JSON_REQ, &tenant, 1, INT64_MAX},
                           {"kind", SD_JSON_STR, SD_JSON_REQ, &kind, 1, 32},
                           {"name", SD_JSON_STR, SD_JSON_REQ, &name, 1, 128}};
    sd_org_kind_t ok;
    sd_tenant_kind_t tk;
    int rc = sd_json_fields(b, f, 3, SD_JSON_STRICT, &e);
    if (rc == 0 && sd_rules_label(name, strlen(name)) != 0)
        rc = sd_json_err_set(&e, "name", "must be printable UTF-8, 1 to 128 bytes");
    if (rc == 0 && sd_rules_org_kind(kind, strlen(kind), &ok) != 0)
        rc = sd_json_err_set(&e, "kind", "must be platform, operator, ap_vendor or gw_vendor");
    if (rc == 0 && sd_tenant_kind_of(pf, tenant, &tk) != 0)
        rc = sd_json_err_set(&e, "tenant_id", "no such tenant");
    if (rc == 0 && !sd_rules_org_fits_tenant(ok, tk))
        rc = sd_json_err_set(&e, "kind", "does not fit the tenant's kind");
    if (rc != 0) {
        sd_http_reply_json_error(req, rc, &e);
        json_decref(b);
        return;
    }
    rc = sd_org_create(pf, tenant, ok, name, &id);
    json_decref(b);
    if (rc != 0) {
        sd_api_reply_rc(req, rc);
        return;
    }
    char obj[32];
    snprintf(obj, sizeof obj, "org:%lld", (long long)id);
    sd_api_audit_req(pf, req, tenant, "org.create", obj, NULL);
    reply_org(pf, req, 201, id);
}

/* Load org {id} and check act on it (404 when invisible). 0 or replied. */
static int load_checked(sd_pf_t *pf, sd_http_req_t *req, sd_action_t act, int64_t *id,
                        int64_t *tenant, sd_org_kind_t *kind)
{
    if (sd_api_param_id(req, "id", id) != 0)
        return SD_ENOTFOUND;
    int rc = sd_org_lookup(pf, *id, tenant, kind);
    if (rc != 0)
        return sd_api_reply_rc(req, rc);
    sd_scope_t sc = {.tenant_id = *tenant, .org_id = *id};
    return sd_api_require_visible(req, SD_ACT_ORG_READ, act, &sc);
}

static void h_get(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    int64_t id, tenant;
    sd_org_kind_t k;
    if (load_checked(pf, req, SD_ACT_ORG_READ, &id, &tenant, &k) == 0)
        reply_org(pf, req, 200, id);
}

static void h_patch(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    int64_t id, tenant;
    sd_org_kind_t k;
    json_t *b = NULL;
    if (load_checked(pf, req, SD_ACT_ORG_MANAGE, &id, &tenant, &k) != 0 || sd_api_body(req, &b))
        return;
    const char *name = NULL;
    sd_json_err_t e;
    sd_json_field_t f[] = {{"name", SD_JSON_STR, SD_JSON_REQ, &name, 1, 128}};
    int rc = sd_json_fields(b, f, 1, SD_JSON_STRICT, &e);
    if (rc == 0 && sd_rules_label(name, strlen(name)) != 0)
        rc = sd_json_err_set(&e, "name", "must be printable UTF-8, 1 to 128 bytes");
    if (rc != 0)
        sd_http_reply_json_error(req, rc, &e);
    else if ((rc = sd_org_rename(pf, sd_api_principal(req), id, tenant, name)) != 0)
        sd_api_reply_rc(req, rc);
    else
        reply_org(pf, req, 200, id);
    json_decref(b);
}

static void h_link(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    int64_t id, tenant, served;
    sd_org_kind_t k;
    sd_tenant_kind_t tk;
    if (load_checked(pf, req, SD_ACT_TENANT_MANAGE, &id, &tenant, &k) != 0 ||
        sd_api_param_id(req, "tenant", &served) != 0)
        return;
    int rc = sd_tenant_kind_of(pf, served, &tk);
    if (rc != 0) {
        sd_api_reply_rc(req, rc);
        return;
    }
    int del = !strcmp(sd_http_req_method(req), "DELETE");
    if (!del && !sd_rules_link_fits(k, tk)) {
        sd_http_reply_error(req, SD_EFIELD, "tenant",
                            "only a vendor may serve, and only an operator tenant");
        return;
    }
    rc = sd_org_link(pf, sd_api_principal(req), id, served, !del);
    if (rc != 0) {
        sd_api_reply_rc(req, rc);
        return;
    }
    reply_org(pf, req, 200, id);
}

int sd_org_routes(sd_http_server_t *http, sd_pf_t *pf)
{
    int rc = 0;
    if (!rc)
        rc = sd_http_route(http, "GET", "/api/v1/orgs", h_list, pf, NULL);
    if (!rc)
        rc = sd_http_route(http, "POST", "/api/v1/orgs", h_create, pf, NULL);
    if (!rc)
        rc = sd_http_route(http, "GET", "/api/v1/orgs/{id}", h_get, pf, NULL);
    if (!rc)
        rc = sd_http_route(http, "PATCH", "/api/v1/orgs/{id}", h_patch, pf, NULL);
    if (!rc)
        rc = sd_http_route(http, "PUT", "/api/v1/orgs/{id}/tenants/{tenant}", h_link, pf, NULL);
    if (!rc)
        rc = sd_http_route(http, "DELETE", "/api/v1/orgs/{id}/tenants/{tenant}", h_link, pf, NULL);
    return rc;
}
