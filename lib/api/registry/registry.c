/* registry.c - registration of applications and gateways (§2.3) and AP-IF connect/disconnect. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/routes.h"
#include "auth/lockout.h"
#include "auth/token.h"
#include "core/err.h"
#include "pf/accounts/account_rules.h"
#include "api/accounts/org.h"
#include "api/registry/registry.h"
#include "api/accounts/session.h"
#include "api/accounts/tenant.h"

/* What differs between applications and gateways. */
typedef struct {
    sd_pf_t *pf;
    const char *kind;     /* clients.kind */
    const char *one;      /* JSON member and audit prefix: "app" / "gw" */
    const char *prefix;   /* client id prefix */
    sd_org_kind_t vendor; /* who may own it */
    sd_action_t read, reg, manage;
} kind_t;

static kind_t kinds[2];

#define CLIENT_COLS                                                                                \
    "SELECT id, kind, name, org_id, tenant_id, client_id, enabled, expires_at,"                    \
    " cert_fp AS cert_fingerprint, created_at, updated_at FROM clients"
#define CLIENT_TYPES "issiisbisii"

static json_t *client_json(sd_pf_t *pf, int64_t id, int *rc)
{
    sd_stmt_t *s = NULL;
    *rc = sd_store_query_row(pf->store, CLIENT_COLS " WHERE id = $1", SD_PARAMS(SD_V_INT(id)), &s);
    if (*rc != 0)
        return NULL;
    json_t *o = sd_pf_row_json(s, CLIENT_TYPES);
    sd_stmt_done(s);
    if (!o)
        *rc = SD_ENOMEM;
    return o;
}

/* cert fingerprints are SHA-256 as 64 hex digits (colons allowed, dropped) or empty. */
static int norm_fp(const char *in, char out[65])
{
    size_t n = 0;
    for (; *in; in++) {
        char c = *in;
        if (c == ':')
            continue;
        if (c >= 'A' && c <= 'F')
            c = (char)(c - 'A' + 'a');
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) || n >= 64)
            return SD_EFIELD;
        out[n++] = c;
    }
    out[n] = 0;
    return n == 0 || n == 64 ? 0 : SD_EFIELD;
}

static void h_list(sd_http_req_t *req, void *ctx)
{
    kind_t *k = ctx;
    const sd_principal_t *p = sd_api_principal(req);
    sd_scope_t home = {p ? p->tenant_id : 0, p ? p->org_id : 0, p ? p->subject_id : 0};
    if (sd_api_require(req, k->read, &home) != 0)
        return;
    sd_api_visible_t vis = {k->read, 4, 3, 0};
    sd_api_reply_rows(req, k->pf->store, CLIENT_COLS " WHERE kind = $1 ORDER BY id",
                     SD_PARAMS(SD_V_TEXT(k->kind)), CLIENT_TYPES, &vis);
}

static void reply_secret(kind_t *k, sd_http_req_t *req, int status, int64_t id, const char *cid,
                         const char *secret)
{
    int rc;
    json_t *o = client_json(k->pf, id, &rc);
    if (!o) {
        sd_api_reply_rc(req, rc);
        return;
    }
    sd_http_reply_json(req, status, sd_json_pack("{s:o,s:s,s:s}", k->one, o, "client_id", cid,
                                                 "client_secret", secret));
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
    int64_t org = 0, tenant = 0, exp = 0, org_tenant, id = 0, linked = 0;
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
    if (rc == 0 && norm_fp(fp_in, fp) != 0)
        rc = sd_json_err_set(&e, "cert_fingerprint", "SHA-256 as 64 hex digits");
    if (rc == 0) {
        sd_stmt_t *s = NULL;
        if (sd_store_query_row(pf->store,
                               "SELECT 1 FROM org_tenants WHERE org_id = $1 AND tenant_id = $2",
                               SD_PARAMS(SD_V_INT(org), SD_V_INT(tenant)), &s) == 0) {
            linked = 1;
            sd_stmt_done(s);
        }
        if (!linked)
            rc = sd_json_err_set(&e, "tenant_id",
                                 "the vendor does not serve this tenant (link it first)");
    }
    if (rc != 0) {
        sd_http_reply_json_error(req, rc, &e);
        json_decref(b);
        return;
    }
    char cid[40], secret[SD_TOKEN_SIZE], dg[SD_TOKEN_DIGEST_SIZE], obj[32];
    unsigned char rnd[8];
    randombytes_buf(rnd, sizeof rnd);
    snprintf(cid, sizeof cid, "%s-%02x%02x%02x%02x%02x%02x%02x%02x", k->prefix, rnd[0], rnd[1],
             rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
    rc = sd_token_new(SD_TOKEN_CLIENT, secret);
    if (rc == 0)
        rc = sd_token_digest(secret, strlen(secret), dg);
    int64_t now = sd_pf_now_ms(pf);
    if (rc == 0)
        rc = sd_store_insert(pf->store,
                             "INSERT INTO clients (kind, name, org_id, tenant_id, client_id,"
                             " secret_digest, enabled, expires_at, cert_fp, created_at, updated_at)"
                             " VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, $9, $9) RETURNING id",
                             SD_PARAMS(SD_V_TEXT(k->kind), SD_V_TEXT(name), SD_V_INT(org),
                                       SD_V_INT(tenant), SD_V_TEXT(cid), SD_V_TEXT(dg),
                                       SD_V_INT(exp), SD_V_TEXT(fp), SD_V_INT(now)),
                             &id);
    json_decref(b);
    if (rc != 0) {
        sd_api_reply_rc(req, rc);
        return;
    }
    snprintf(obj, sizeof obj, "%s:%lld", k->one, (long long)id);
    char act[32];
    snprintf(act, sizeof act, "%s.register", k->one);
    sd_api_audit_req(pf, req, tenant, act, obj, NULL);
    reply_secret(k, req, 201, id, cid, secret);
    sodium_memzero(secret, sizeof secret);
}

/* Load registration {id} of this kind and check act (404 when invisible). 0 or replied. */
static int load_checked(kind_t *k, sd_http_req_t *req, sd_action_t act, int64_t *id,
                        sd_scope_t *sc, char cid[64])
{
    if (sd_api_param_id(req, "id", id) != 0)
        return SD_ENOTFOUND;
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(k->pf->store,
                                "SELECT tenant_id, org_id, client_id FROM clients"
                                " WHERE id = $1 AND kind = $2",
                                SD_PARAMS(SD_V_INT(*id), SD_V_TEXT(k->kind)), &s);
    if (rc != 0)
        return sd_api_reply_rc(req, rc);
    *sc = (sd_scope_t){sd_stmt_int64(s, 0), sd_stmt_int64(s, 1), *id};
    snprintf(cid, 64, "%s", sd_stmt_text(s, 2, NULL));
    sd_stmt_done(s);
    return sd_api_require_visible(req, k->read, act, sc);
}

static void h_get(sd_http_req_t *req, void *ctx)
{
    kind_t *k = ctx;
    int64_t id;
    sd_scope_t sc;
    char cid[64];
    if (load_checked(k, req, k->read, &id, &sc, cid) != 0)
        return;
    int rc;
    json_t *o = client_json(k->pf, id, &rc);
    if (!o)
        sd_api_reply_rc(req, rc);
    else
        sd_http_reply_json(req, 200, o);
}

static void h_patch(sd_http_req_t *req, void *ctx)
{
    kind_t *k = ctx;
    sd_pf_t *pf = k->pf;
    int64_t id;
    sd_scope_t sc;
    char cid[64], fp[65];
    json_t *b = NULL;
    if (load_checked(k, req, k->manage, &id, &sc, cid) != 0 || sd_api_body(req, &b) != 0)
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
    if (rc == 0 && fp_in && norm_fp(fp_in, fp) != 0)
        rc = sd_json_err_set(&e, "cert_fingerprint", "SHA-256 as 64 hex digits");
    if (rc != 0) {
        sd_http_reply_json_error(req, rc, &e);
        json_decref(b);
        return;
    }
    int64_t now = sd_pf_now_ms(pf);
    rc = sd_store_begin(pf->store);
    if (rc == 0 && name)
        rc = sd_store_exec(pf->store, "UPDATE clients SET name = $1, updated_at = $2 WHERE id = $3",
                           SD_PARAMS(SD_V_TEXT(name), SD_V_INT(now), SD_V_INT(id)), NULL);
    if (rc == 0 && fp_in)
        rc = sd_store_exec(pf->store,
                           "UPDATE clients SET cert_fp = $1, updated_at = $2 WHERE id = $3",
                           SD_PARAMS(SD_V_TEXT(fp), SD_V_INT(now), SD_V_INT(id)), NULL);
    if (rc == 0 && exp >= 0)
        rc = sd_store_exec(pf->store,
                           "UPDATE clients SET expires_at = $1, updated_at = $2 WHERE id = $3",
                           SD_PARAMS(SD_V_INT(exp), SD_V_INT(now), SD_V_INT(id)), NULL);
    if (rc == 0 && json_is_boolean(en)) {
        rc = sd_store_exec(pf->store,
                           "UPDATE clients SET enabled = $1, updated_at = $2 WHERE id = $3",
                           SD_PARAMS(SD_V_INT(json_is_true(en)), SD_V_INT(now), SD_V_INT(id)),
                           NULL);
        if (rc == 0 && !json_is_true(en))
            rc = sd_session_token_delete_client(pf, id);
    }
    if (rc == 0) {
        char obj[32], act[32];
        char *det = json_dumps(b, JSON_COMPACT | JSON_SORT_KEYS);
        snprintf(obj, sizeof obj, "%s:%lld", k->one, (long long)id);
        snprintf(act, sizeof act, "%s.%s", k->one,
                 json_is_false(en) ? "disable" : json_is_true(en) ? "enable" : "update");
        rc = sd_api_audit_req(pf, req, sc.tenant_id, act, obj, det);
        free(det);
    }
    rc = rc == 0 ? sd_store_commit(pf->store) : (sd_store_rollback(pf->store), rc);
    json_decref(b);
    json_t *o = rc == 0 ? client_json(pf, id, &rc) : NULL;
    if (!o)
        sd_api_reply_rc(req, rc);
    else
        sd_http_reply_json(req, 200, o);
}

static void h_rotate(sd_http_req_t *req, void *ctx)
{
    kind_t *k = ctx;
    sd_pf_t *pf = k->pf;
    int64_t id;
    sd_scope_t sc;
    char cid[64], secret[SD_TOKEN_SIZE], dg[SD_TOKEN_DIGEST_SIZE];
    if (load_checked(k, req, k->manage, &id, &sc, cid) != 0)
        return;
    int rc = sd_token_new(SD_TOKEN_CLIENT, secret);
    if (rc == 0)
        rc = sd_token_digest(secret, strlen(secret), dg);
    if (rc == 0)
        rc = sd_store_begin(pf->store);
    if (rc == 0)
        rc = sd_store_exec(pf->store,
                           "UPDATE clients SET secret_digest = $1, failures = 0, updated_at = $2"
                           " WHERE id = $3",
                           SD_PARAMS(SD_V_TEXT(dg), SD_V_INT(sd_pf_now_ms(pf)), SD_V_INT(id)),
                           NULL);
    if (rc == 0)
        rc = sd_session_token_delete_client(pf, id);
    if (rc == 0) {
        char obj[32], act[32];
        snprintf(obj, sizeof obj, "%s:%lld", k->one, (long long)id);
        snprintf(act, sizeof act, "%s.rotate", k->one);
        rc = sd_api_audit_req(pf, req, sc.tenant_id, act, obj, NULL);
    }
    rc = rc == 0 ? sd_store_commit(pf->store) : (sd_store_rollback(pf->store), rc);
    if (rc != 0)
        sd_api_reply_rc(req, rc);
    else
        reply_secret(k, req, 200, id, cid, secret);
    sodium_memzero(secret, sizeof secret);
}

static void h_connect(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
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
    char dg[SD_TOKEN_DIGEST_SIZE], stored[SD_TOKEN_DIGEST_SIZE] = "", obj[32] = "";
    sd_token_digest(secret, strlen(secret), dg);
    sd_stmt_t *s = NULL;
    int64_t id = 0, tenant = SD_TENANT_COMMON, exp = 0, now = sd_pf_now_ms(pf), until;
    int enabled = 0;
    const char *kind = "application";
    sd_lockout_t lk = {0};
    rc = sd_store_query_row(pf->store,
                            "SELECT id, tenant_id, secret_digest, enabled, expires_at, failures,"
                            " last_failure, kind FROM clients WHERE client_id = $1",
                            SD_PARAMS(SD_V_TEXT(cid)), &s);
    if (rc == 0) {
        id = sd_stmt_int64(s, 0);
        tenant = sd_stmt_int64(s, 1);
        snprintf(stored, sizeof stored, "%s", sd_stmt_text(s, 2, NULL));
        enabled = (int)sd_stmt_int64(s, 3);
        exp = sd_stmt_int64(s, 4);
        lk.failures = (uint32_t)sd_stmt_int64(s, 5);
        lk.last_failure_s = sd_stmt_int64(s, 6);
        kind = !strcmp(sd_stmt_text(s, 7, NULL), "gateway") ? "gateway" : "application";
        sd_stmt_done(s);
        snprintf(obj, sizeof obj, "%s:%lld", kind[0] == 'g' ? "gw" : "app", (long long)id);
    }
    sd_lockout_policy_t lp = pf->lockout.threshold ? pf->lockout : SD_LOCKOUT_POLICY_DEFAULT;
    int ok = rc == 0 && sd_token_equal(dg, strlen(dg), stored, strlen(stored));
    if (rc == 0 && sd_lockout_check(&lp, &lk, now / 1000, &until) != 0) {
        sd_api_audit_req(pf, req, tenant, "client.connect_locked", obj, NULL);
        sd_http_reply_error(req, SD_ELOCKED, NULL, NULL);
    } else if (!ok || !enabled || (exp > 0 && now >= exp)) {
        if (rc == 0 && !ok) {
            sd_lockout_fail(&lk, now / 1000);
            sd_store_exec(pf->store,
                          "UPDATE clients SET failures = $1, last_failure = $2 WHERE id = $3",
                          SD_PARAMS(SD_V_INT(lk.failures), SD_V_INT(lk.last_failure_s),
                                    SD_V_INT(id)),
                          NULL);
        }
        const char *why = rc != 0 ? "unknown client" : !ok ? "secret" : !enabled ? "disabled"
                                                                                 : "expired";
        char det[64];
        snprintf(det, sizeof det, "{\"reason\":\"%s\"}", why);
        sd_api_audit_req(pf, req, tenant, "client.connect_fail", obj, det);
        int err = ok && enabled && exp > 0 && now >= exp ? SD_EEXPIRED : SD_EUNAUTH;
        sd_http_reply_error(req, err, NULL, NULL);
    } else {
        char tok[SD_TOKEN_SIZE];
        int64_t texp = 0;
        if (lk.failures)
            sd_store_exec(pf->store, "UPDATE clients SET failures = 0 WHERE id = $1",
                          SD_PARAMS(SD_V_INT(id)), NULL);
        rc = sd_session_token_create(pf, id, tok, &texp);
        if (rc != 0) {
            sd_api_reply_rc(req, rc);
        } else {
            sd_api_audit_req(pf, req, tenant, "client.connect", obj, NULL);
            sd_http_reply_json(req, 200,
                               sd_json_pack("{s:s,s:s,s:I,s:I}", "access_token", tok,
                                            "token_type", "Bearer", "expires_in",
                                            (json_int_t)((texp - now) / 1000), "expires_at",
                                            (json_int_t)texp));
        }
        sodium_memzero(tok, sizeof tok);
    }
    json_decref(b);
}

static void h_disconnect(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    const sd_caller_t *c = sd_session_caller(req);
    if (!c || c->kind != SD_CALLER_CLIENT) {
        sd_http_reply_error(req, c && c->expired ? SD_EEXPIRED : SD_EUNAUTH, NULL, NULL);
        return;
    }
    int rc = sd_session_token_delete(pf, c->session_id);
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

static void h_apif_me(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    const sd_principal_t *p = sd_api_principal(req);
    sd_scope_t sc = {p ? p->tenant_id : 0, p ? p->org_id : 0, p ? p->subject_id : 0};
    sd_action_t act = p && p->role == SD_ROLE_GATEWAY ? SD_ACT_GW_READ : SD_ACT_APP_READ;
    if (sd_api_require(req, act, &sc) != 0)
        return;
    int rc;
    json_t *o = client_json(pf, p->subject_id, &rc);
    if (!o)
        sd_api_reply_rc(req, rc);
    else
        sd_http_reply_json(req, 200, o);
}

static int routes_of(kind_t *k, const char *base)
{
    char p[96], pi[96], ps[96];
    snprintf(p, sizeof p, "/api/v1/%s", base);
    snprintf(pi, sizeof pi, "/api/v1/%s/{id}", base);
    snprintf(ps, sizeof ps, "/api/v1/%s/{id}/secret", base);
    sd_http_server_t *h = k->pf->http;
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

int sd_registry_routes(sd_pf_t *pf)
{
    kinds[0] = (kind_t){pf, "application", "app", "ap", SD_ORG_KIND_AP_VENDOR, SD_ACT_APP_READ,
                        SD_ACT_APP_REGISTER, SD_ACT_APP_MANAGE};
    kinds[1] = (kind_t){pf, "gateway", "gw", "gw", SD_ORG_KIND_GW_VENDOR, SD_ACT_GW_READ,
                        SD_ACT_GW_REGISTER, SD_ACT_GW_MANAGE};
    int rc = routes_of(&kinds[0], "apps");
    if (!rc)
        rc = routes_of(&kinds[1], "gateways");
    if (!rc)
        rc = sd_http_route(pf->http, "POST", "/apif/v1/connect", h_connect, pf, NULL);
    if (!rc)
        rc = sd_http_route(pf->http, "POST", "/apif/v1/disconnect", h_disconnect, pf, NULL);
    if (!rc)
        rc = sd_http_route(pf->http, "GET", "/apif/v1/me", h_apif_me, pf, NULL);
    return rc;
}
