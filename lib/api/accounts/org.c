/* org.c - organisations (operators, AP/GW vendors, the platform) and the tenants vendors serve. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/routes.h"
#include "core/err.h"
#include "api/accounts/org.h"
#include "api/accounts/tenant.h"

#define ORG_COLS "SELECT id, tenant_id, kind, name, created_at FROM orgs"
#define ORG_TYPES "iissi"

int sd_org_lookup(sd_pf_t *pf, int64_t id, int64_t *tenant_id, sd_org_kind_t *kind)
{
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(pf->store, "SELECT tenant_id, kind FROM orgs WHERE id = $1",
                                SD_PARAMS(SD_V_INT(id)), &s);
    if (rc != 0)
        return rc;
    size_t n = 0;
    const char *k = sd_stmt_text(s, 1, &n);
    sd_org_kind_t ok;
    rc = sd_rules_org_kind(k ? k : "", n, &ok) == 0 ? 0 : SD_ESTORE;
    if (tenant_id)
        *tenant_id = sd_stmt_int64(s, 0);
    if (kind)
        *kind = ok;
    sd_stmt_done(s);
    return rc;
}

int sd_org_create(sd_pf_t *pf, int64_t tenant_id, sd_org_kind_t kind, const char *name,
                  int64_t *id)
{
    return sd_store_insert(pf->store,
                           "INSERT INTO orgs (tenant_id, kind, name, created_at)"
                           " VALUES ($1, $2, $3, $4) RETURNING id",
                           SD_PARAMS(SD_V_INT(tenant_id), SD_V_TEXT(sd_rules_org_kind_name(kind)),
                                     SD_V_TEXT(name), SD_V_INT(sd_pf_now_ms(pf))),
                           id);
}

static void reply_org(sd_pf_t *pf, sd_http_req_t *req, int status, int64_t id)
{
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(pf->store, ORG_COLS " WHERE id = $1", SD_PARAMS(SD_V_INT(id)), &s);
    if (rc != 0) {
        sd_api_reply_rc(req, rc);
        return;
    }
    json_t *o = sd_pf_row_json(s, ORG_TYPES);
    sd_stmt_done(s);
    json_t *serves = json_array();
    rc = sd_store_query(pf->store, "SELECT tenant_id FROM org_tenants WHERE org_id = $1"
                                   " ORDER BY tenant_id",
                        SD_PARAMS(SD_V_INT(id)), &s);
    while (rc == 0 && (rc = sd_stmt_next(s)) == 1)
        json_array_append_new(serves, json_integer(sd_stmt_int64(s, 0)));
    sd_stmt_done(s);
    sd_json_set(o, "serves", serves);
    if (rc < 0) {
        json_decref(o);
        sd_api_reply_rc(req, rc);
        return;
    }
    sd_http_reply_json(req, status, o);
}

static void h_list(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    const sd_principal_t *p = sd_api_principal(req);
    sd_scope_t home = {p ? p->tenant_id : 0, p ? p->org_id : 0, p ? p->subject_id : 0};
    if (sd_api_require(req, SD_ACT_ORG_READ, &home) != 0)
        return;
    sd_api_visible_t vis = {SD_ACT_ORG_READ, 1, 0, -1};
    sd_api_reply_rows(req, pf->store, ORG_COLS " ORDER BY id", SD_NOPARAMS, ORG_TYPES, &vis);
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
    if (sd_api_rename(pf, req, b, "orgs", "org", id, tenant) == 0)
        reply_org(pf, req, 200, id);
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
    rc = sd_store_exec(pf->store,
                       del ? "DELETE FROM org_tenants WHERE org_id = $1 AND tenant_id = $2"
                           : "INSERT INTO org_tenants (org_id, tenant_id) VALUES ($1, $2)"
                             " ON CONFLICT (org_id, tenant_id) DO NOTHING",
                       SD_PARAMS(SD_V_INT(id), SD_V_INT(served)), NULL);
    if (rc != 0) {
        sd_api_reply_rc(req, rc);
        return;
    }
    char obj[32], det[64];
    snprintf(obj, sizeof obj, "org:%lld", (long long)id);
    snprintf(det, sizeof det, "{\"tenant_id\":%lld}", (long long)served);
    sd_api_audit_req(pf, req, served, del ? "org.unlink" : "org.link", obj, det);
    reply_org(pf, req, 200, id);
}

int sd_org_routes(sd_pf_t *pf)
{
    int rc = 0;
    if (!rc)
        rc = sd_http_route(pf->http, "GET", "/api/v1/orgs", h_list, pf, NULL);
    if (!rc)
        rc = sd_http_route(pf->http, "POST", "/api/v1/orgs", h_create, pf, NULL);
    if (!rc)
        rc = sd_http_route(pf->http, "GET", "/api/v1/orgs/{id}", h_get, pf, NULL);
    if (!rc)
        rc = sd_http_route(pf->http, "PATCH", "/api/v1/orgs/{id}", h_patch, pf, NULL);
    if (!rc)
        rc = sd_http_route(pf->http, "PUT", "/api/v1/orgs/{id}/tenants/{tenant}", h_link, pf,
                           NULL);
    if (!rc)
        rc = sd_http_route(pf->http, "DELETE", "/api/v1/orgs/{id}/tenants/{tenant}", h_link, pf,
                           NULL);
    return rc;
}
