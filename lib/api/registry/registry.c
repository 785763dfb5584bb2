/* registry.c - registration of applications and gateways (§2.3) and AP-IF connect/disconnect over
 * HTTP (pf/registry/registry.h). */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/accounts/session.h"
#include "api/api.h"
#include "api/routes.h"
#include "core/err.h"
#include "pf/accounts/account_rules.h"
#include "pf/accounts/org.h"
#include "pf/accounts/tenant.h"
#include "pf/registry/registry.h"

/* What differs between applications and gateways. */
typedef struct {
    sd_pf_t *pf;
    sd_client_kind_t kind;
    const char *one;      /* JSON member and audit prefix: "app" / "gw" */
    sd_org_kind_t vendor; /* who may own it */
    sd_action_t read, reg, manage;
} kind_t;

static kind_t kinds[2];

static void reply_client(sd_pf_t *pf, sd_http_req_t *req, int64_t id)
{
    json_t *o = NULL;
    int rc = sd_registry_json(pf, id, &o);
    sd_api_reply_result(req, rc, 200, o);
}

static void h_list(sd_http_req_t *req, void *ctx)
{
    kind_t *k = ctx;
    sd_scope_t home = sd_api_home(req);
    if (sd_api_require(req, k->read, &home) != 0)
        return;
    sd_pf_items_t items;
    int rc = sd_registry_list(k->pf, k->kind, &items);
    if (rc != 0)
        sd_api_reply_rc(req, rc);
    else
        sd_api_reply_items(req, k->read, &items);
}

static void reply_secret(kind_t *k, sd_http_req_t *req, int status, int64_t id, const char *cid,
                         const char *secret)
{
    json_t *o = NULL;
    int rc = sd_registry_json(k->pf, id, &o);
    if (rc != 0) {
        sd_api_reply_rc(req, rc);
        return;
    }
    sd_http_reply_json(
        req, status,
        sd_json_pack("{s:o,s:s,s:s}", k->one, o, "client_id", cid, "client_secret", secret));
}

static void h_create(sd_http_req_t *req, void *ctx)
{
    kind_t *k = ctx;
    sd_pf_t *pf = k->pf;
    json_t *b = NULL;
    sd_scope_t common = {.tenant_id = SD_TENANT_COMMON};
    if (sd_api_require(req, k->reg, &common) != 0 || sd_api_body(req, &b) != 0)
        return;
    const char *name = NULL, *fp_in = "";
    int64_t org = 0, tenant = 0, exp = 0, org_tenant, id = 0;
    sd_json_err_t e;
    sd_json_field_t f[] = {{"org_id", SD_JSON_INT, SD_JSON_REQ, &org, 1, INT64_MAX},
                           {"tenant_id", SD_JSON_INT, SD_JSON_REQ, &tenant, 1, INT64_MAX},
                           {"name", SD_JSON_STR, SD_JSON_REQ, &name, 1, 128},
                           {"expires_at", SD_JSON_INT, 0, &exp, 0, INT64_MAX},
                           {"cert_fingerprint", SD_JSON_STR, 0, &fp_in, 0, 96}};
    sd_org_kind_t ok;
    sd_tenant_kind_t tk;
    char fp[65];
    int rc = sd_json_fields(b, f, 5, SD_JSON_STRICT, &e);
    if (rc == 0 && sd_rules_label(name, strlen(name)) != 0)
        rc = sd_json_err_set(&e, "name", "must be printable UTF-8, 1 to 128 bytes");
    if (rc == 0 && (sd_org_lookup(pf, org, &org_tenant, &ok) != 0 || ok != k->vendor))
        rc = sd_json_err_set(&e, "org_id", "no such %s organisation",
                             sd_rules_org_kind_name(k->vendor));
    if (rc == 0 && (sd_tenant_kind_of(pf, tenant, &tk) != 0 || !sd_rules_link_fits(ok, tk)))
        rc = sd_json_err_set(&e, "tenant_id", "no such operator tenant");
    if (rc == 0 && sd_registry_norm_fp(fp_in, fp) != 0)
        rc = sd_json_err_set(&e, "cert_fingerprint", "SHA-256 as 64 hex digits");
    if (rc == 0 && sd_org_serves(pf, org, tenant) != 0)
        rc = sd_json_err_set(&e, "tenant_id",
                             "the vendor does not serve this tenant (link it first)");
    if (rc != 0) {
        sd_http_reply_json_error(req, rc, &e);
        json_decref(b);
        return;
    }
    char cid[40], secret[SD_TOKEN_SIZE];
    sd_registry_new_t n = {k->kind, org, tenant, name, exp, fp};
    rc = sd_registry_create(pf, sd_api_principal(req), &n, cid, secret, &id);
    json_decref(b);
    if (rc != 0) {
        sd_api_reply_rc(req, rc);
        return;
    }
    reply_secret(k, req, 201, id, cid, secret);
    sodium_memzero(secret, sizeof secret);
}

/* Load registration {id} of this kind and check act (404 when invisible). 0 or replied. */
static int load_checked(kind_t *k, sd_http_req_t *req, sd_action_t act, int64_t *id, sd_scope_t *sc,
                        sd_client_t *c)
{
    if (sd_api_param_id(req, "id", id) != 0)
        return SD_ENOTFOUND;
    int rc = sd_registry_get(k->pf->store, *id, c);
    if (rc == 0 && c->kind != k->kind)
        rc = SD_ENOTFOUND;
    if (rc != 0)
        return sd_api_reply_rc(req, rc);
    *sc = (sd_scope_t){c->tenant_id, c->org_id, *id};
    return sd_api_require_visible(req, k->read, act, sc);
}

static void h_get(sd_http_req_t *req, void *ctx)
{
    kind_t *k = ctx;
    int64_t id;
    sd_scope_t sc;
    sd_client_t c;
    if (load_checked(k, req, k->read, &id, &sc, &c) != 0)
        return;
    reply_client(k->pf, req, id);
}

static void h_patch(sd_http_req_t *req, void *ctx)
{
    kind_t *k = ctx;
    sd_pf_t *pf = k->pf;
    int64_t id;
    sd_scope_t sc;
    sd_client_t c;
    char fp[65];
    json_t *b = NULL;
    if (load_checked(k, req, k->manage, &id, &sc, &c) != 0 || sd_api_body(req, &b) != 0)
        return;
    const char *name = NULL, *fp_in = NULL;
    int64_t exp = -1;
    sd_json_err_t e;
    sd_json_field_t f[] = {{"name", SD_JSON_STR, 0, &name, 1, 128},
                           {"enabled", SD_JSON_BOOL, 0, NULL, 0, 0},
                           {"expires_at", SD_JSON_INT, 0, &exp, 0, INT64_MAX},
                           {"cert_fingerprint", SD_JSON_STR, 0, &fp_in, 0, 96}};
    int rc = sd_json_fields(b, f, 4, SD_JSON_STRICT, &e);
    json_t *en = json_object_get(b, "enabled");
    if (rc == 0 && name && sd_rules_label(name, strlen(name)) != 0)
        rc = sd_json_err_set(&e, "name", "must be printable UTF-8, 1 to 128 bytes");
    if (rc == 0 && fp_in && sd_registry_norm_fp(fp_in, fp) != 0)
        rc = sd_json_err_set(&e, "cert_fingerprint", "SHA-256 as 64 hex digits");
    if (rc != 0) {
        sd_http_reply_json_error(req, rc, &e);
        json_decref(b);
        return;
    }
    sd_registry_change_t ch = {.name = name,
                               .cert_fp = fp_in ? fp : NULL,
                               .expires_at = exp,
                               .enabled = json_is_boolean(en) ? json_is_true(en) : -1};
    char *det = json_dumps(b, JSON_COMPACT | JSON_SORT_KEYS);
    rc = sd_registry_update(pf, sd_api_principal(req), k->kind, id, sc.tenant_id, &ch, det);
    free(det);
    json_decref(b);
    if (rc != 0)
        sd_api_reply_rc(req, rc);
    else
        reply_client(pf, req, id);
}

static void h_rotate(sd_http_req_t *req, void *ctx)
{
    kind_t *k = ctx;
    int64_t id;
    sd_scope_t sc;
    sd_client_t c;
    char secret[SD_TOKEN_SIZE];
    if (load_checked(k, req, k->manage, &id, &sc, &c) != 0)
        return;
    int rc = sd_registry_rotate(k->pf, sd_api_principal(req), k->kind, id, sc.tenant_id, secret);
    if (rc != 0)
        sd_api_reply_rc(req, rc);
    else
        reply_secret(k, req, 200, id, c.client_id, secret);
    sodium_memzero(secret, sizeof secret);
}

static void h_connect(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    /* also records the request id for the audit records of the attempt */
    const sd_principal_t *caller = sd_api_principal(req);
    json_t *b = NULL;
    if (sd_api_body(req, &b) != 0)
        return;
    const char *cid = NULL, *secret = NULL;
    sd_json_err_t e;
    sd_json_field_t f[] = {{"client_id", SD_JSON_STR, SD_JSON_REQ, &cid, 1, 64},
                           {"client_secret", SD_JSON_STR, SD_JSON_REQ, &secret, 1, 128}};
    int rc = sd_json_fields(b, f, 2, SD_JSON_STRICT, &e);
    if (rc != 0) {
        sd_http_reply_json_error(req, rc, &e);
        json_decref(b);
        return;
    }
    sd_registry_token_t t;
    rc = sd_registry_connect(pf, caller, sd_http_req_client_ip(req), cid, secret, &t);
    json_decref(b);
    if (rc == SD_ERATE) {
        char secs[24];
        snprintf(secs, sizeof secs, "%lld", (long long)t.retry_after_s);
        sd_http_reply_header(req, "Retry-After", secs);
        sd_http_reply_error(req, rc, NULL,
                            "too many wrong secrets for this client id from this address; retry "
                            "in %lld s",
                            (long long)t.retry_after_s);
    } else if (rc == SD_EUNAUTH || rc == SD_EEXPIRED)
        sd_http_reply_error(req, rc, NULL, NULL);
    else if (rc != 0)
        sd_api_reply_rc(req, rc);
    else
        sd_http_reply_json(req, 200,
                           sd_json_pack("{s:s,s:s,s:I,s:I}", "access_token", t.token, "token_type",
                                        "Bearer", "expires_in", (json_int_t)t.expires_in,
                                        "expires_at", (json_int_t)t.expires_at));
    sodium_memzero(t.token, sizeof t.token);
}

static void h_disconnect(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    const sd_caller_t *c = sd_session_caller(req);
    if (!c || c->kind != SD_CALLER_CLIENT) {
        sd_http_reply_error(req, c && c->expired ? SD_EEXPIRED : SD_EUNAUTH, NULL, NULL);
        return;
    }
    int rc = sd_registry_token_delete(pf, c->session_id);
    if (rc != 0) {
        sd_api_reply_rc(req, rc);
        return;
    }
    char obj[32];
    snprintf(obj, sizeof obj, "%s:%lld", c->p.role == SD_ROLE_GATEWAY ? "gw" : "app",
             (long long)c->p.subject_id);
    sd_api_audit_req(pf, req, c->p.tenant_id, "client.disconnect", obj, NULL);
    sd_http_reply_empty(req, 204);
}

/* The registration behind the bearer token. Only a client's subject id is a registration row: a
 * portal user's subject id is a user id, and reading the registration with that number would show
 * any tenant's client (its client id included). */
static void h_apif_me(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    const sd_caller_t *c = sd_session_caller(req);
    if (!c || c->kind == SD_CALLER_ANON) {
        sd_http_reply_error(req, c && c->expired ? SD_EEXPIRED : SD_EUNAUTH, NULL, NULL);
        return;
    }
    if (c->kind != SD_CALLER_CLIENT ||
        (c->p.role != SD_ROLE_APPLICATION && c->p.role != SD_ROLE_GATEWAY)) {
        sd_http_reply_error(req, SD_EFORBIDDEN, NULL,
                            "/apif/v1/me is for applications and gateways with a bearer token "
                            "(Authorization: Bearer sdt_...), not for portal sessions");
        return;
    }
    sd_scope_t sc = sd_api_home(req);
    sd_action_t act = c->p.role == SD_ROLE_GATEWAY ? SD_ACT_GW_READ : SD_ACT_APP_READ;
    if (sd_api_require(req, act, &sc) != 0)
        return;
    reply_client(pf, req, c->p.subject_id);
}

static int routes_of(sd_http_server_t *h, kind_t *k, const char *base)
{
    char p[96], pi[96], ps[96];
    snprintf(p, sizeof p, "/api/v1/%s", base);
    snprintf(pi, sizeof pi, "/api/v1/%s/{id}", base);
    snprintf(ps, sizeof ps, "/api/v1/%s/{id}/secret", base);
    int rc = sd_http_route(h, "GET", p, h_list, k, NULL);
    if (!rc)
        rc = sd_http_route(h, "POST", p, h_create, k, NULL);
    if (!rc)
        rc = sd_http_route(h, "GET", pi, h_get, k, NULL);
    if (!rc)
        rc = sd_http_route(h, "PATCH", pi, h_patch, k, NULL);
    if (!rc)
        rc = sd_http_route(h, "POST", ps, h_rotate, k, NULL);
    return rc;
}

int sd_registry_routes(sd_http_server_t *http, sd_pf_t *pf)
{
    kinds[0] = (kind_t){pf,
                        SD_CLIENT_APPLICATION,
                        "app",
                        SD_ORG_KIND_AP_VENDOR,
                        SD_ACT_APP_READ,
                        SD_ACT_APP_REGISTER,
                        SD_ACT_APP_MANAGE};
    kinds[1] = (kind_t){pf,
                        SD_CLIENT_GATEWAY,
                        "gw",
                        SD_ORG_KIND_GW_VENDOR,
                        SD_ACT_GW_READ,
                        SD_ACT_GW_REGISTER,
                        SD_ACT_GW_MANAGE};
    int rc = routes_of(http, &kinds[0], "apps");
    if (!rc)
        rc = routes_of(http, &kinds[1], "gateways");
    if (!rc)
        rc = sd_http_route(http, "POST", "/apif/v1/connect", h_connect, pf, NULL);
    if (!rc)
        rc = sd_http_route(http, "POST", "/apif/v1/disconnect", h_disconnect, pf, NULL);
    if (!rc)
        rc = sd_http_route(http, "GET", "/apif/v1/me", h_apif_me, pf, NULL);
    return rc;
}
