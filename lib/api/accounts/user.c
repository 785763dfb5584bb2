/* user.c - user accounts: provisional issue, roles, disable, reset; TOTP secrets sealed at rest. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/routes.h"
#include "auth/password.h"
#include "core/err.h"
#include "pf/accounts/account_rules.h"
#include "api/accounts/org.h"
#include "api/accounts/session.h"
#include "api/accounts/user.h"

int sd_user_hash(const sd_pf_t *pf, const char *pw, char out[128])
{
    return sd_pw_hash(pw, pf->pw_params.opslimit ? &pf->pw_params : NULL, out);
}

int sd_user_seal(const sd_pf_t *pf, const uint8_t *key, size_t keylen, uint8_t *out, size_t outsz,
                 size_t *outlen)
{
    size_t need = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + keylen;
    if (!key || keylen == 0 || keylen > SD_TOTP_KEY_MAX || outsz < need)
        return SD_EINVAL;
    if (sodium_init() < 0)
        return SD_EINTERNAL;
    randombytes_buf(out, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(out + crypto_secretbox_NONCEBYTES, key, keylen, out, pf->secret_key);
    *outlen = need;
    return 0;
}

int sd_user_open(const sd_pf_t *pf, const uint8_t *in, size_t inlen, uint8_t *key, size_t keysz,
                 size_t *keylen)
{
    size_t over = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES;
    if (!in || inlen <= over || inlen - over > keysz)
        return SD_EINVAL;
    if (sodium_init() < 0 ||
        crypto_secretbox_open_easy(key, in + crypto_secretbox_NONCEBYTES,
                                   inlen - crypto_secretbox_NONCEBYTES, in, pf->secret_key) != 0)
        return SD_EINTERNAL;
    *keylen = inlen - over;
    return 0;
}

int sd_user_issue(sd_pf_t *pf, int64_t org_id, sd_role_t role, const char *email,
                  const char *name, char login[32], char pw[SD_TOKEN_SIZE], int64_t *id)
{
    int64_t tenant;
    sd_org_kind_t ok;
    int rc = sd_org_lookup(pf, org_id, &tenant, &ok);
    if (rc != 0)
        return rc;
    if (!sd_rules_role_fits_org(role, ok))
        return SD_EFIELD;
    unsigned char rnd[5];
    if (sodium_init() < 0)
        return SD_EINTERNAL;
    randombytes_buf(rnd, sizeof rnd);
    snprintf(login, 32, "tmp-%02x%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2], rnd[3], rnd[4]);
    char hash[128];
    rc = sd_token_new(SD_TOKEN_PROVISIONAL, pw);
    if (rc == 0)
        rc = sd_user_hash(pf, pw, hash);
    if (rc != 0)
        return rc;
    int64_t now = sd_pf_now_ms(pf);
    return sd_store_insert(
        pf->store,
        "INSERT INTO users (org_id, tenant_id, role, login, email, name, pw_hash, provisional,"
        " created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $8) RETURNING id",
        SD_PARAMS(SD_V_INT(org_id), SD_V_INT(tenant), SD_V_TEXT(sd_policy_role_name(role)),
                  SD_V_TEXT(login), SD_V_TEXT(email), SD_V_TEXT(name ? name : ""), SD_V_TEXT(hash),
                  SD_V_INT(now)),
        id);
}

static json_t *user_json(sd_pf_t *pf, int64_t id, int *rc)
{
    sd_stmt_t *s = NULL;
    *rc = sd_store_query_row(pf->store, SD_USER_COLS " WHERE id = $1", SD_PARAMS(SD_V_INT(id)),
                             &s);
    if (*rc != 0)
        return NULL;
    json_t *o = sd_pf_row_json(s, SD_USER_TYPES);
    sd_stmt_done(s);
    if (!o)
        *rc = SD_ENOMEM;
    return o;
}

static void obj_name(char *out, size_t n, int64_t id)
{
    snprintf(out, n, "user:%lld", (long long)id);
}

static void h_list(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    const sd_principal_t *p = sd_api_principal(req);
    sd_scope_t home = {p ? p->tenant_id : 0, p ? p->org_id : 0, p ? p->subject_id : 0};
    if (sd_api_require(req, SD_ACT_USER_READ, &home) != 0)
        return;
    sd_api_visible_t vis = {SD_ACT_USER_READ, 2, 1, 0};
    sd_api_reply_rows(req, pf->store, SD_USER_COLS " ORDER BY id", SD_NOPARAMS, SD_USER_TYPES,
                     &vis);
}

static void h_create(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    const sd_principal_t *p = sd_api_principal(req);
    sd_scope_t home = {p ? p->tenant_id : 0, p ? p->org_id : 0, p ? p->subject_id : 0};
    json_t *b = NULL;
    if (sd_api_require(req, SD_ACT_USER_MANAGE, &home) != 0 || sd_api_body(req, &b) != 0)
        return;
    const char *role_s = NULL, *email = NULL, *name = "";
    int64_t org = 0, tenant = 0, id = 0;
    sd_org_kind_t ok;
    sd_role_t role;
    sd_json_err_t e;
    sd_json_field_t f[] = {{"org_id", SD_JSON_INT, SD_JSON_REQ, &org, 1, INT64_MAX},
                           {"role", SD_JSON_STR, SD_JSON_REQ, &role_s, 1, 32},
                           {"email", SD_JSON_STR, SD_JSON_REQ, &email, 3, 254},
                           {"name", SD_JSON_STR, 0, &name, 0, 128}};
    int rc = sd_json_fields(b, f, 4, SD_JSON_STRICT, &e);
    if (rc == 0 && sd_rules_email(email, strlen(email)) != 0)
        rc = sd_json_err_set(&e, "email", "not an e-mail address");
    if (rc == 0 && *name && sd_rules_label(name, strlen(name)) != 0)
        rc = sd_json_err_set(&e, "name", "must be printable UTF-8, at most 128 bytes");
    if (rc == 0 && sd_policy_role_parse(role_s, strlen(role_s), &role) != 0)
        rc = sd_json_err_set(&e, "role", "unknown role");
    sd_scope_t sc = {0};
    if (rc == 0) {
        /* an organisation the caller cannot see is reported exactly like a missing one */
        if (sd_org_lookup(pf, org, &tenant, &ok) != 0)
            rc = sd_json_err_set(&e, "org_id", "no such organisation");
        sc = (sd_scope_t){.tenant_id = tenant, .org_id = org};
        if (rc == 0 && sd_policy_check(p, SD_ACT_USER_MANAGE, &sc) != 0 &&
            sd_policy_check(p, SD_ACT_ORG_READ, &sc) != 0)
            rc = sd_json_err_set(&e, "org_id", "no such organisation");
        if (rc == 0 && !sd_rules_role_fits_org(role, ok))
            rc = sd_json_err_set(&e, "role", "does not fit the organisation's kind");
    }
    if (rc != 0) {
        sd_http_reply_json_error(req, rc, &e);
        json_decref(b);
        return;
    }
    rc = sd_policy_can_assign(p, role, &sc);
    if (rc != 0) {
        sd_http_reply_error(req, rc, "role", "you may not give this role here");
        json_decref(b);
        return;
    }
    char login[32], pw[SD_TOKEN_SIZE], obj[32], det[96];
    rc = sd_user_issue(pf, org, role, email, name, login, pw, &id);
    json_decref(b);
    if (rc != 0) {
        sd_api_reply_rc(req, rc);
        return;
    }
    obj_name(obj, sizeof obj, id);
    snprintf(det, sizeof det, "{\"role\":\"%s\"}", sd_policy_role_name(role));
    sd_api_audit_req(pf, req, tenant, "user.create", obj, det);
    json_t *u = user_json(pf, id, &rc);
    if (!u) {
        sodium_memzero(pw, sizeof pw);
        sd_api_reply_rc(req, rc);
        return;
    }
    sd_http_reply_json(req, 201, sd_json_pack("{s:o,s:s}", "user", u, "provisional_password", pw));
    sodium_memzero(pw, sizeof pw);
}

/* Load user {id}: scope and role; check act (404 when not visible). 0 or replied. */
static int load_checked(sd_pf_t *pf, sd_http_req_t *req, sd_action_t act, int64_t *id,
                        sd_scope_t *sc, sd_role_t *role)
{
    if (sd_api_param_id(req, "id", id) != 0)
        return SD_ENOTFOUND;
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(pf->store, "SELECT tenant_id, org_id, role FROM users WHERE id = $1",
                                SD_PARAMS(SD_V_INT(*id)), &s);
    if (rc != 0)
        return sd_api_reply_rc(req, rc);
    *sc = (sd_scope_t){sd_stmt_int64(s, 0), sd_stmt_int64(s, 1), *id};
    const char *r = sd_stmt_text(s, 2, NULL);
    rc = sd_policy_role_parse(r ? r : "", strlen(r ? r : ""), role);
    sd_stmt_done(s);
    if (rc != 0)
        return sd_api_reply_rc(req, SD_ESTORE);
    /* one's own record is no secret: a refusal there is 403, not 404 */
    const sd_caller_t *c = sd_session_caller(req);
    if (c && c->kind == SD_CALLER_USER && c->p.subject_id == *id)
        return sd_api_require(req, act, sc);
    return sd_api_require_visible(req, SD_ACT_USER_READ, act, sc);
}

static void h_get(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    int64_t id;
    sd_scope_t sc;
    sd_role_t role;
    if (load_checked(pf, req, SD_ACT_USER_READ, &id, &sc, &role) != 0)
        return;
    int rc;
    json_t *u = user_json(pf, id, &rc);
    if (!u)
        sd_api_reply_rc(req, rc);
    else
        sd_http_reply_json(req, 200, u);
}

static void h_patch(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    int64_t id;
    sd_scope_t sc;
    sd_role_t old_role, role;
    json_t *b = NULL;
    if (load_checked(pf, req, SD_ACT_USER_MANAGE, &id, &sc, &old_role) != 0 ||
        sd_api_body(req, &b) != 0)
        return;
    const sd_principal_t *p = sd_api_principal(req);
    const char *role_s = NULL, *name = NULL;
    json_t *dis = NULL, *otp = NULL;
    sd_json_err_t e;
    sd_json_field_t f[] = {{"role", SD_JSON_STR, 0, &role_s, 1, 32},
                           {"name", SD_JSON_STR, 0, &name, 0, 128},
                           {"disabled", SD_JSON_BOOL, 0, NULL, 0, 0},
                           {"totp_required", SD_JSON_BOOL, 0, NULL, 0, 0}};
    int rc = sd_json_fields(b, f, 4, SD_JSON_STRICT, &e);
    dis = json_object_get(b, "disabled");
    otp = json_object_get(b, "totp_required");
    role = old_role;
    if (rc == 0 && name && *name && sd_rules_label(name, strlen(name)) != 0)
        rc = sd_json_err_set(&e, "name", "must be printable UTF-8, at most 128 bytes");
    if (rc == 0 && role_s && sd_policy_role_parse(role_s, strlen(role_s), &role) != 0)
        rc = sd_json_err_set(&e, "role", "unknown role");
    if (rc == 0 && role_s) {
        sd_org_kind_t ok;
        if (sd_org_lookup(pf, sc.org_id, NULL, &ok) != 0 || !sd_rules_role_fits_org(role, ok))
            rc = sd_json_err_set(&e, "role", "does not fit the organisation's kind");
    }
    if (rc != 0) {
        sd_http_reply_json_error(req, rc, &e);
        json_decref(b);
        return;
    }
    if (role_s && (rc = sd_policy_can_assign(p, role, &sc)) != 0) {
        sd_http_reply_error(req, rc, "role", "you may not give this role here");
        json_decref(b);
        return;
    }
    if (otp && !json_is_null(otp) && sd_api_require(req, SD_ACT_USER_OTP_REQUIRE, &sc) != 0) {
        json_decref(b);
        return;
    }
    int64_t now = sd_pf_now_ms(pf);
    rc = sd_store_begin(pf->store);
    if (rc == 0 && role_s)
        rc = sd_store_exec(pf->store, "UPDATE users SET role = $1, updated_at = $2 WHERE id = $3",
                           SD_PARAMS(SD_V_TEXT(sd_policy_role_name(role)), SD_V_INT(now),
                                     SD_V_INT(id)),
                           NULL);
    if (rc == 0 && name)
        rc = sd_store_exec(pf->store, "UPDATE users SET name = $1, updated_at = $2 WHERE id = $3",
                           SD_PARAMS(SD_V_TEXT(name), SD_V_INT(now), SD_V_INT(id)), NULL);
    if (rc == 0 && json_is_boolean(dis)) {
        rc = sd_store_exec(pf->store,
                           "UPDATE users SET disabled = $1, updated_at = $2 WHERE id = $3",
                           SD_PARAMS(SD_V_INT(json_is_true(dis)), SD_V_INT(now), SD_V_INT(id)),
                           NULL);
        if (rc == 0 && json_is_true(dis))
            rc = sd_session_delete_user(pf, id);
    }
    if (rc == 0 && json_is_boolean(otp))
        rc = sd_store_exec(pf->store,
                           "UPDATE users SET totp_required = $1, updated_at = $2 WHERE id = $3",
                           SD_PARAMS(SD_V_INT(json_is_true(otp)), SD_V_INT(now), SD_V_INT(id)),
                           NULL);
    char obj[32];
    obj_name(obj, sizeof obj, id);
    if (rc == 0) {
        char *det = json_dumps(b, JSON_COMPACT | JSON_SORT_KEYS);
        rc = sd_api_audit_req(pf, req, sc.tenant_id, "user.update", obj, det);
        free(det);
    }
    rc = rc == 0 ? sd_store_commit(pf->store) : (sd_store_rollback(pf->store), rc);
    json_decref(b);
    if (rc != 0) {
        sd_api_reply_rc(req, rc);
        return;
    }
    json_t *u = user_json(pf, id, &rc);
    if (!u)
        sd_api_reply_rc(req, rc);
    else
        sd_http_reply_json(req, 200, u);
}

static void h_reset(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    int64_t id;
    sd_scope_t sc;
    sd_role_t role;
    if (load_checked(pf, req, SD_ACT_USER_MANAGE, &id, &sc, &role) != 0)
        return;
    if (sd_policy_can_assign(sd_api_principal(req), role, &sc) != 0) {
        sd_http_reply_error(req, SD_EFORBIDDEN, NULL, "you may not manage a user of this role");
        return;
    }
    char pw[SD_TOKEN_SIZE], hash[128], obj[32];
    int rc = sd_token_new(SD_TOKEN_PROVISIONAL, pw);
    if (rc == 0)
        rc = sd_user_hash(pf, pw, hash);
    if (rc == 0)
        rc = sd_store_begin(pf->store);
    if (rc != 0) {
        sd_api_reply_rc(req, rc);
        return;
    }
    rc = sd_store_exec(pf->store,
                       "UPDATE users SET pw_hash = $1, provisional = 1, totp_secret = NULL,"
                       " totp_enabled = 0, last_totp_step = -1, failures = 0, last_failure = 0,"
                       " updated_at = $2 WHERE id = $3",
                       SD_PARAMS(SD_V_TEXT(hash), SD_V_INT(sd_pf_now_ms(pf)), SD_V_INT(id)), NULL);
    if (rc == 0)
        rc = sd_session_delete_user(pf, id);
    obj_name(obj, sizeof obj, id);
    if (rc == 0)
        rc = sd_api_audit_req(pf, req, sc.tenant_id, "user.reset", obj, NULL);
    rc = rc == 0 ? sd_store_commit(pf->store) : (sd_store_rollback(pf->store), rc);
    json_t *u = rc == 0 ? user_json(pf, id, &rc) : NULL;
    if (!u)
        sd_api_reply_rc(req, rc);
    else
        sd_http_reply_json(req, 200, sd_json_pack("{s:o,s:s}", "user", u, "provisional_password", pw));
    sodium_memzero(pw, sizeof pw);
}

int sd_user_routes(sd_pf_t *pf)
{
    int rc = 0;
    if (!rc)
        rc = sd_http_route(pf->http, "GET", "/api/v1/users", h_list, pf, NULL);
    if (!rc)
        rc = sd_http_route(pf->http, "POST", "/api/v1/users", h_create, pf, NULL);
    if (!rc)
        rc = sd_http_route(pf->http, "GET", "/api/v1/users/{id}", h_get, pf, NULL);
    if (!rc)
        rc = sd_http_route(pf->http, "PATCH", "/api/v1/users/{id}", h_patch, pf, NULL);
    if (!rc)
        rc = sd_http_route(pf->http, "POST", "/api/v1/users/{id}/reset", h_reset, pf, NULL);
    return rc;
}
