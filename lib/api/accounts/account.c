/* account.c - the account lifecycle of §2.2: login, first-login password change, TOTP, logout. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/routes.h"
#include "auth/base32.h"
#include "auth/lockout.h"
#include "auth/password.h"
#include "auth/totp.h"
#include "core/err.h"
#include "core/log.h"
#include "api/accounts/account.h"
#include "pf/accounts/account_rules.h"
#include "api/accounts/org.h"
#include "api/accounts/session.h"
#include "api/accounts/user.h"

/* Verified for unknown login ids, so they take as long as known ones. */
static char dummy_hash[128];

int sd_account_init(sd_pf_t *pf)
{
    char pw[SD_TOKEN_SIZE];
    int rc = sd_token_new(SD_TOKEN_PROVISIONAL, pw);
    return rc ? rc : sd_user_hash(pf, pw, dummy_hash);
}

static sd_lockout_policy_t lock_policy(const sd_pf_t *pf)
{
    return pf->lockout.threshold ? pf->lockout : SD_LOCKOUT_POLICY_DEFAULT;
}

int sd_account_count_users(sd_pf_t *pf, int64_t *n)
{
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(pf->store, "SELECT COUNT(*) FROM users", SD_NOPARAMS, &s);
    if (rc == 0) {
        *n = sd_stmt_int64(s, 0);
        sd_stmt_done(s);
    }
    return rc;
}

int sd_account_bootstrap(sd_pf_t *pf, const char *email, char login[32], char pw[SD_TOKEN_SIZE])
{
    if (sd_rules_email(email, strlen(email)) != 0)
        return SD_EFIELD;
    int64_t org = 0, id = 0;
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(pf->store,
                                "SELECT id FROM orgs WHERE kind = 'platform' ORDER BY id LIMIT 1",
                                SD_NOPARAMS, &s);
    if (rc == 0) {
        org = sd_stmt_int64(s, 0);
        sd_stmt_done(s);
    } else if (rc == SD_ENOTFOUND) {
        rc = sd_org_create(pf, SD_TENANT_COMMON, SD_ORG_KIND_PLATFORM, "platform", &org);
    }
    if (rc == 0)
        rc = sd_user_issue(pf, org, SD_ROLE_PLATFORM_ADMIN, email, "platform administrator", login,
                           pw, &id);
    if (rc == 0) {
        char obj[32];
        snprintf(obj, sizeof obj, "user:%lld", (long long)id);
        sd_pf_audit(pf, NULL, SD_TENANT_COMMON, "user.bootstrap", obj, NULL);
    }
    return rc;
}

/* The account row a login works on. */
typedef struct {
    int64_t id, tenant_id, org_id, last_step;
    sd_role_t role;
    char hash[SD_PW_HASH_MAX];
    char login[72], email[256];
    int provisional, totp_enabled, totp_required, disabled;
    uint8_t sealed[SD_USER_SEALED_MAX];
    size_t sealed_len;
    sd_lockout_t lock;
} acct_t;

#define ACCT_SQL                                                                                   \
    "SELECT id, tenant_id, pw_hash, provisional, totp_secret, totp_enabled, totp_required,"        \
    " last_totp_step, failures, last_failure, disabled, login, email, org_id, role FROM users"

static int load_acct(sd_pf_t *pf, const char *where, sd_val_t key, acct_t *a)
{
    char sql[256];
    snprintf(sql, sizeof sql, "%s WHERE %s = $1", ACCT_SQL, where);
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(pf->store, sql, &key, 1, &s);
    if (rc != 0)
        return rc;
    memset(a, 0, sizeof *a);
    a->id = sd_stmt_int64(s, 0);
    a->tenant_id = sd_stmt_int64(s, 1);
    snprintf(a->hash, sizeof a->hash, "%s", sd_stmt_text(s, 2, NULL));
    a->provisional = (int)sd_stmt_int64(s, 3);
    size_t n = 0;
    const void *b = sd_stmt_blob(s, 4, &n);
    if (b && n <= sizeof a->sealed) {
        memcpy(a->sealed, b, n);
        a->sealed_len = n;
    }
    a->totp_enabled = (int)sd_stmt_int64(s, 5);
    a->totp_required = (int)sd_stmt_int64(s, 6);
    a->last_step = sd_stmt_int64(s, 7);
    a->lock.failures = (uint32_t)sd_stmt_int64(s, 8);
    a->lock.last_failure_s = sd_stmt_int64(s, 9);
    a->disabled = (int)sd_stmt_int64(s, 10);
    snprintf(a->login, sizeof a->login, "%s", sd_stmt_text(s, 11, NULL));
    snprintf(a->email, sizeof a->email, "%s", sd_stmt_text(s, 12, NULL));
    a->org_id = sd_stmt_int64(s, 13);
    const char *r = sd_stmt_text(s, 14, NULL);
    if (sd_policy_role_parse(r ? r : "", strlen(r ? r : ""), &a->role) != 0)
        a->role = SD_ROLE__COUNT;
    sd_stmt_done(s);
    return 0;
}

static int save_lock(sd_pf_t *pf, const acct_t *a)
{
    return sd_store_exec(pf->store, "UPDATE users SET failures = $1, last_failure = $2 WHERE id = $3",
                         SD_PARAMS(SD_V_INT(a->lock.failures), SD_V_INT(a->lock.last_failure_s),
                                   SD_V_INT(a->id)),
                         NULL);
}

static void audit_user(sd_pf_t *pf, sd_http_req_t *req, const acct_t *a, const char *action,
                       const char *detail)
{
    /* the actor of a login is the account itself, even before a session exists */
    char obj[32];
    snprintf(obj, sizeof obj, "user:%lld", (long long)a->id);
    sd_principal_t who = {.role = a->role, .subject_id = a->id, .org_id = a->org_id,
                          .tenant_id = a->tenant_id};
    sd_api_principal(req); /* records the request id for sd_pf_audit() */
    sd_pf_audit(pf, &who, a->tenant_id, action, obj, detail);
}

static void fail_login(sd_pf_t *pf, sd_http_req_t *req, acct_t *a, int err, const char *why)
{
    sd_lockout_fail(&a->lock, sd_pf_now_s(pf));
    save_lock(pf, a);
    char det[96];
    snprintf(det, sizeof det, "{\"reason\":\"%s\",\"failures\":%u}", why, a->lock.failures);
    audit_user(pf, req, a, "login.fail", det);
    sd_http_reply_error(req, err, NULL, NULL);
}

/* Check a TOTP code for a and consume its step (replay-safe even across threads). */
static int check_code(sd_pf_t *pf, const acct_t *a, const char *code, int64_t *step)
{
    uint8_t key[SD_TOTP_KEY_MAX];
    size_t klen = 0;
    int rc = sd_user_open(pf, a->sealed, a->sealed_len, key, sizeof key, &klen);
    if (rc != 0)
        return rc;
    rc = sd_totp_verify(key, klen, code, sd_pf_now_s(pf), a->last_step, step);
    sodium_memzero(key, sizeof key);
    if (rc != 0)
        return rc;
    int64_t ch = 0;
    rc = sd_store_exec(pf->store,
                       "UPDATE users SET last_totp_step = $1 WHERE id = $2 AND last_totp_step < $1",
                       SD_PARAMS(SD_V_INT(*step), SD_V_INT(a->id)), &ch);
    return rc ? rc : ch == 1 ? 0 : SD_EOTP;
}

static void set_cookie(sd_pf_t *pf, sd_http_req_t *req, const char *tok, int max_age)
{
    char c[256];
    snprintf(c, sizeof c, "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s",
             SD_SESSION_COOKIE, tok, max_age, sd_http_req_is_tls(req) ? "; Secure" : "");
    sd_http_reply_header(req, "Set-Cookie", c);
}

static json_t *me_json(sd_pf_t *pf, int64_t id)
{
    sd_stmt_t *s = NULL;
    if (sd_store_query_row(pf->store, SD_USER_COLS " WHERE id = $1", SD_PARAMS(SD_V_INT(id)), &s))
        return NULL;
    json_t *u = sd_pf_row_json(s, SD_USER_TYPES);
    sd_stmt_done(s);
    return u;
}

static void h_login(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    json_t *b = NULL;
    if (sd_api_body(req, &b) != 0)
        return;
    const char *login = NULL, *pw = NULL, *otp = NULL;
    sd_json_err_t e;
    sd_json_field_t f[] = {{"login", SD_JSON_STR, SD_JSON_REQ, &login, 1, 254},
                           {"password", SD_JSON_STR, SD_JSON_REQ, &pw, 1, SD_PW_MAX_BYTES},
                           {"otp", SD_JSON_STR, 0, &otp, 0, 16}};
    int rc = sd_json_fields(b, f, 3, SD_JSON_STRICT, &e);
    if (rc != 0) {
        sd_http_reply_json_error(req, rc, &e);
        json_decref(b);
        return;
    }
    acct_t a;
    int64_t now_s = sd_pf_now_s(pf), until = 0, step = 0;
    sd_lockout_policy_t lp = lock_policy(pf);
    rc = load_acct(pf, "login", SD_V_TEXT(login), &a);
    if (rc != 0) {
        if (rc == SD_ENOTFOUND) {
            sd_pw_verify(dummy_hash, pw);
            sd_api_audit_req(pf, req, SD_TENANT_COMMON, "login.fail", "",
                            "{\"reason\":\"unknown login\"}");
            sd_http_reply_error(req, SD_EUNAUTH, NULL, NULL);
        } else {
            sd_api_reply_rc(req, rc);
        }
        goto out;
    }
    if (sd_lockout_check(&lp, &a.lock, now_s, &until) != 0) {
        char ra[24];
        snprintf(ra, sizeof ra, "%lld", (long long)(until - now_s));
        sd_http_reply_header(req, "Retry-After", ra);
        audit_user(pf, req, &a, "login.locked", NULL);
        sd_http_reply_error(req, SD_ELOCKED, NULL, NULL);
        goto out;
    }
    if (sd_pw_verify(a.hash, pw) != 0 || a.disabled) {
        fail_login(pf, req, &a, SD_EUNAUTH, a.disabled ? "disabled" : "password");
        goto out;
    }
    if (a.totp_enabled) {
        if (!otp || !*otp) {
            /* right password, code still to come: not a failure, and says nothing more than
             * a two-step form would */
            sd_http_reply_error(req, SD_EOTP, "otp", "one-time password required");
            goto out;
        }
        if ((rc = check_code(pf, &a, otp, &step)) != 0) {
            fail_login(pf, req, &a, SD_EOTP, "otp");
            goto out;
        }
    }
    sd_lockout_succeed(&a.lock);
    save_lock(pf, &a);
    if (sd_pw_needs_rehash(a.hash, pf->pw_params.opslimit ? &pf->pw_params : NULL) == 1) {
        char h[SD_PW_HASH_MAX];
        if (sd_user_hash(pf, pw, h) == 0)
            sd_store_exec(pf->store, "UPDATE users SET pw_hash = $1 WHERE id = $2",
                          SD_PARAMS(SD_V_TEXT(h), SD_V_INT(a.id)), NULL);
    }
    char tok[SD_TOKEN_SIZE];
    if ((rc = sd_session_create(pf, a.id, tok)) != 0) {
        sd_api_reply_rc(req, rc);
        goto out;
    }
    audit_user(pf, req, &a, "login.ok", a.totp_enabled ? "{\"otp\":true}" : "{\"otp\":false}");
    set_cookie(pf, req, tok, pf->session_max_s > 0 ? pf->session_max_s : 12 * 3600);
    sodium_memzero(tok, sizeof tok);
    sd_http_reply_json(req, 200,
                       sd_json_pack("{s:o?,s:b,s:b}", "user", me_json(pf, a.id),
                                    "password_change_required", a.provisional,
                                    "totp_enrolment_required", a.totp_required && !a.totp_enabled));
out:
    json_decref(b);
}

static void h_logout(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    const sd_caller_t *c = sd_session_caller(req);
    if (!c || c->kind != SD_CALLER_USER) {
        sd_http_reply_error(req, c && c->expired ? SD_EEXPIRED : SD_EUNAUTH, NULL, NULL);
        return;
    }
    sd_session_delete(pf, c->session_id);
    char obj[32];
    snprintf(obj, sizeof obj, "user:%lld", (long long)c->p.subject_id);
    sd_api_audit_req(pf, req, c->p.tenant_id, "logout", obj, NULL);
    set_cookie(pf, req, "", 0);
    sd_http_reply_empty(req, 204);
}

/* Require user.self of a user caller and load its account. 0 or replied. */
static int self_acct(sd_pf_t *pf, sd_http_req_t *req, acct_t *a)
{
    const sd_principal_t *p = sd_api_principal(req);
    sd_scope_t sc = {p ? p->tenant_id : 0, p ? p->org_id : 0, p ? p->subject_id : 0};
    if (sd_api_require(req, SD_ACT_USER_SELF, &sc) != 0)
        return SD_EFORBIDDEN;
    int rc = load_acct(pf, "id", SD_V_INT(p->subject_id), a);
    return rc ? sd_api_reply_rc(req, rc) : 0;
}

static void h_me(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    acct_t a;
    if (self_acct(pf, req, &a) != 0)
        return;
    const sd_caller_t *c = sd_session_caller(req);
    json_t *serves = json_array();
    for (size_t i = 0; i < c->p.n_linked; i++)
        json_array_append_new(serves, json_integer(c->p.linked_tenants[i]));
    sd_http_reply_json(req, 200,
                       sd_json_pack("{s:o?,s:o,s:b,s:b}", "user", me_json(pf, a.id), "serves",
                                    serves, "password_change_required", a.provisional,
                                    "totp_enrolment_required", a.totp_required && !a.totp_enabled));
}

static void h_password(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    acct_t a;
    json_t *b = NULL;
    if (self_acct(pf, req, &a) != 0 || sd_api_body(req, &b) != 0)
        return;
    const char *cur = NULL, *npw = NULL, *login = NULL;
    sd_json_err_t e;
    sd_json_field_t f[] = {{"current_password", SD_JSON_STR, SD_JSON_REQ, &cur, 1, SD_PW_MAX_BYTES},
                           {"new_password", SD_JSON_STR, SD_JSON_REQ, &npw, 1, SD_PW_MAX_BYTES},
                           {"login", SD_JSON_STR, 0, &login, 1, 64}};
    sd_lockout_policy_t lp = lock_policy(pf);
    int64_t until;
    int rc = sd_json_fields(b, f, 3, SD_JSON_STRICT, &e);
    if (rc != 0) {
        sd_http_reply_json_error(req, rc, &e);
        goto out;
    }
    if (sd_lockout_check(&lp, &a.lock, sd_pf_now_s(pf), &until) != 0) {
        sd_http_reply_error(req, SD_ELOCKED, NULL, NULL);
        goto out;
    }
    if (sd_pw_verify(a.hash, cur) != 0) {
        fail_login(pf, req, &a, SD_EUNAUTH, "current password");
        goto out;
    }
    if (login && !a.provisional) {
        sd_http_reply_error(req, SD_EFIELD, "login", "the login id is chosen only once");
        goto out;
    }
    const char *new_login = a.provisional ? (login ? login : a.email) : a.login;
    if (sd_rules_login(new_login, strlen(new_login)) != 0) {
        sd_http_reply_error(req, SD_EFIELD, "login",
                            "3 to 64 of A-Z a-z 0-9 . _ @ + - (starting with a letter or digit)");
        goto out;
    }
    sd_pw_reason_t why = SD_PW_OK;
    if (sd_pw_policy_check(npw, new_login, &why) != 0) {
        sd_http_reply_error(req, SD_EFIELD, "new_password", "%s", sd_pw_reason_str(why));
        goto out;
    }
    if (sd_pw_verify(a.hash, npw) == 0) {
        sd_http_reply_error(req, SD_EFIELD, "new_password", "must differ from the current one");
        goto out;
    }
    char h[SD_PW_HASH_MAX];
    if ((rc = sd_user_hash(pf, npw, h)) != 0) {
        sd_api_reply_rc(req, rc);
        goto out;
    }
    const sd_caller_t *c = sd_session_caller(req);
    rc = sd_store_begin(pf->store);
    if (rc == 0)
        rc = sd_store_exec(pf->store,
                           "UPDATE users SET pw_hash = $1, provisional = 0, login = $2,"
                           " failures = 0, updated_at = $3 WHERE id = $4",
                           SD_PARAMS(SD_V_TEXT(h), SD_V_TEXT(new_login),
                                     SD_V_INT(sd_pf_now_ms(pf)), SD_V_INT(a.id)),
                           NULL);
    /* other sessions may belong to whoever knew the old password */
    if (rc == 0)
        rc = sd_store_exec(pf->store, "DELETE FROM sessions WHERE user_id = $1 AND id <> $2",
                           SD_PARAMS(SD_V_INT(a.id), SD_V_INT(c->session_id)), NULL);
    if (rc == 0) {
        json_t *d = sd_json_pack("{s:b,s:s}", "first_login", a.provisional, "login", new_login);
        char *ds = d ? json_dumps(d, JSON_COMPACT) : NULL;
        char obj[32];
        snprintf(obj, sizeof obj, "user:%lld", (long long)a.id);
        rc = sd_api_audit_req(pf, req, a.tenant_id, "user.password", obj, ds);
        free(ds);
        json_decref(d);
    }
    rc = rc == 0 ? sd_store_commit(pf->store) : (sd_store_rollback(pf->store), rc);
    if (rc != 0) {
        if (rc == SD_ECONFLICT)
            sd_http_reply_error(req, rc, "login", "this login id is taken");
        else
            sd_api_reply_rc(req, rc);
        goto out;
    }
    sd_http_reply_json(req, 200, sd_json_pack("{s:s}", "login", new_login));
out:
    json_decref(b);
}

static void h_totp(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    acct_t a;
    if (self_acct(pf, req, &a) != 0)
        return;
    if (a.totp_enabled) {
        sd_http_reply_error(req, SD_EEXIST, NULL,
                            "one-time passwords are already on; an administrator's reset clears them");
        return;
    }
    uint8_t key[SD_TOTP_SECRET_BYTES], sealed[SD_USER_SEALED_MAX];
    size_t slen = 0;
    char b32[64];
    sd_buf_t uri = {0};
    int rc = sd_totp_secret_new(key);
    if (rc == 0)
        rc = sd_user_seal(pf, key, sizeof key, sealed, sizeof sealed, &slen);
    if (rc == 0)
        rc = sd_base32_encode(key, sizeof key, false, b32, sizeof b32);
    if (rc == 0)
        rc = sd_totp_uri(pf->issuer ? pf->issuer : "suido", a.login, key, sizeof key, &uri);
    if (rc == 0)
        rc = sd_store_exec(pf->store,
                           "UPDATE users SET totp_secret = $1, totp_enabled = 0 WHERE id = $2",
                           SD_PARAMS(SD_V_BLOB(sealed, slen), SD_V_INT(a.id)), NULL);
    sodium_memzero(key, sizeof key);
    if (rc == 0)
        audit_user(pf, req, &a, "user.totp_enrol", NULL);
    if (rc != 0)
        sd_api_reply_rc(req, rc);
    else
        sd_http_reply_json(req, 200, sd_json_pack("{s:s,s:s}", "secret", b32, "uri", uri.data));
    sodium_memzero(b32, sizeof b32);
    sd_buf_free(&uri);
}

static void h_totp_confirm(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    acct_t a;
    json_t *b = NULL;
    if (self_acct(pf, req, &a) != 0 || sd_api_body(req, &b) != 0)
        return;
    const char *code = NULL;
    sd_json_err_t e;
    sd_json_field_t f[] = {{"code", SD_JSON_STR, SD_JSON_REQ, &code, 1, 16}};
    int64_t step = 0;
    int rc = sd_json_fields(b, f, 1, SD_JSON_STRICT, &e);
    if (rc != 0) {
        sd_http_reply_json_error(req, rc, &e);
    } else if (a.totp_enabled || !a.sealed_len) {
        sd_http_reply_error(req, SD_ECONFLICT, NULL, "no pending enrolment (POST /api/v1/me/totp)");
    } else if ((rc = check_code(pf, &a, code, &step)) != 0) {
        audit_user(pf, req, &a, "user.totp_confirm_fail", NULL);
        sd_http_reply_error(req, SD_EOTP, "code", "wrong code");
    } else if ((rc = sd_store_exec(pf->store, "UPDATE users SET totp_enabled = 1 WHERE id = $1",
                                   SD_PARAMS(SD_V_INT(a.id)), NULL)) != 0) {
        sd_api_reply_rc(req, rc);
    } else {
        audit_user(pf, req, &a, "user.totp_on", NULL);
        sd_http_reply_json(req, 200, sd_json_pack("{s:b}", "totp_enabled", 1));
    }
    json_decref(b);
}

int sd_account_routes(sd_pf_t *pf)
{
    int rc = 0;
    if (!rc)
        rc = sd_http_route(pf->http, "POST", "/api/v1/login", h_login, pf, NULL);
    if (!rc)
        rc = sd_http_route(pf->http, "POST", "/api/v1/logout", h_logout, pf, NULL);
    if (!rc)
        rc = sd_http_route(pf->http, "GET", "/api/v1/me", h_me, pf, NULL);
    if (!rc)
        rc = sd_http_route(pf->http, "POST", "/api/v1/me/password", h_password, pf, NULL);
    if (!rc)
        rc = sd_http_route(pf->http, "POST", "/api/v1/me/totp", h_totp, pf, NULL);
    if (!rc)
        rc = sd_http_route(pf->http, "POST", "/api/v1/me/totp/confirm", h_totp_confirm, pf, NULL);
    return rc;
}
