/* account.c - the account lifecycle of §2.2 over HTTP: login, logout, me, password, TOTP. */
#include <arpa/inet.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/accounts/session.h"
#include "api/api.h"
#include "api/routes.h"
#include "auth/password.h"
#include "core/err.h"
#include "pf/accounts/account.h"
#include "pf/accounts/account_rules.h"
#include "pf/accounts/user.h"

static void set_cookie(sd_http_req_t *req, const char *tok, int max_age)
{
    char c[256];
    snprintf(c, sizeof c, "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s",
             SD_SESSION_COOKIE, tok, max_age, sd_http_req_is_tls(req) ? "; Secure" : "");
    sd_http_reply_header(req, "Set-Cookie", c);
}

/* The login throttle's key for a client address: IPv4 whole, IPv6 by its /64 (one host
 * usually holds a whole /64). */
static int64_t addr_key(const char *ip)
{
    unsigned char a[16];
    size_t n = 0;
    if (ip && inet_pton(AF_INET6, ip, a) == 1)
        n = 8;
    else if (ip && inet_pton(AF_INET, ip, a) == 1)
        n = 4;
    else if (ip)
        n = strnlen(ip, 15), memcpy(a, ip, n);
    return sd_ratelimit_key(a, n);
}

/* Take a login attempt from the client's address bucket. 0, or replied 429. */
static int login_throttle(sd_pf_t *pf, sd_http_req_t *req, int64_t key)
{
    int64_t wait_ms;
    if (!pf->login_limit ||
        sd_ratelimit_take(pf->login_limit, key, sd_clock_mono_ms(pf->clock), &wait_ms) == 0)
        return 0;
    char secs[24];
    snprintf(secs, sizeof secs, "%lld", (long long)((wait_ms + 999) / 1000));
    sd_http_reply_header(req, "Retry-After", secs);
    sd_http_reply_error(req, SD_ERATE, NULL,
                        "too many login attempts from this address; retry in %s s", secs);
    return SD_ERATE;
}

static json_t *me_json(sd_pf_t *pf, int64_t id)
{
    json_t *u = NULL;
    sd_user_json(pf, id, &u);
    return u;
}

static void h_login(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    /* also records the request id for the audit records of the login */
    const sd_principal_t *caller = sd_api_principal(req);
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
    /* before any hashing: a flood from one address costs it a 429, not the server a core */
    int64_t key = addr_key(sd_http_req_client_ip(req));
    if (login_throttle(pf, req, key) != 0) {
        json_decref(b);
        return;
    }
    sd_account_login_t out;
    rc = sd_account_login(pf, caller, login, pw, otp, &out);
    json_decref(b);
    if (rc == 0 && pf->login_limit) /* only failures use up an address's attempts */
        sd_ratelimit_give(pf->login_limit, key, sd_clock_mono_ms(pf->clock));
    if (rc == SD_ELOCKED || rc == SD_EBUSY) {
        char ra[24];
        snprintf(ra, sizeof ra, "%lld", (long long)out.retry_after_s);
        sd_http_reply_header(req, "Retry-After", ra);
        if (rc == SD_EBUSY)
            sd_http_reply_error(req, rc, NULL, "too many logins at once; retry in %s s", ra);
        else
            sd_http_reply_error(req, SD_ELOCKED, NULL, NULL);
    } else if (rc == SD_EOTP && out.otp_missing) {
        sd_http_reply_error(req, SD_EOTP, "otp", "one-time password required");
    } else if (rc == SD_EUNAUTH || rc == SD_EOTP) {
        sd_http_reply_error(req, rc, NULL, NULL);
    } else if (rc != 0) {
        sd_api_reply_rc(req, rc);
    } else {
        set_cookie(req, out.token, sd_session_max_s(pf));
        sodium_memzero(out.token, sizeof out.token);
        sd_http_reply_json(req, 200,
                           sd_json_pack("{s:o?,s:b,s:b}", "user", me_json(pf, out.user_id),
                                        "password_change_required", out.provisional,
                                        "totp_enrolment_required", out.totp_enrol));
    }
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
    set_cookie(req, "", 0);
    sd_http_reply_empty(req, 204);
}

/* Require user.self of a user caller and load its account. 0 or replied. */
static int self_acct(sd_pf_t *pf, sd_http_req_t *req, sd_account_t *a)
{
    const sd_principal_t *p = sd_api_principal(req);
    sd_scope_t sc = sd_api_home(req);
    if (sd_api_require(req, SD_ACT_USER_SELF, &sc) != 0)
        return SD_EFORBIDDEN;
    int rc = sd_account_load(pf, p->subject_id, a);
    return rc ? sd_api_reply_rc(req, rc) : 0;
}

static void h_me(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    sd_account_t a;
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
    sd_account_t a;
    json_t *b = NULL;
    if (self_acct(pf, req, &a) != 0 || sd_api_body(req, &b) != 0)
        return;
    const char *cur = NULL, *npw = NULL, *login = NULL;
    sd_json_err_t e;
    sd_json_field_t f[] = {{"current_password", SD_JSON_STR, SD_JSON_REQ, &cur, 1, SD_PW_MAX_BYTES},
                           {"new_password", SD_JSON_STR, SD_JSON_REQ, &npw, 1, SD_PW_MAX_BYTES},
                           {"login", SD_JSON_STR, 0, &login, 1, 64}};
    int rc = sd_json_fields(b, f, 3, SD_JSON_STRICT, &e);
    if (rc != 0) {
        sd_http_reply_json_error(req, rc, &e);
        goto out;
    }
    if ((rc = sd_account_check_password(pf, &a, cur)) != 0) {
        if (rc == SD_EBUSY)
            sd_http_reply_header(req, "Retry-After", "1");
        sd_http_reply_error(req, rc, NULL, NULL); /* 423 locked, 401 wrong (counted) */
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
    const sd_caller_t *c = sd_session_caller(req);
    rc = sd_account_set_password(pf, sd_api_principal(req), &a, c->session_id, npw, new_login);
    if (rc == SD_ECONFLICT)
        sd_http_reply_error(req, rc, "login", "this login id is taken");
    else if (rc != 0)
        sd_api_reply_rc(req, rc);
    else
        sd_http_reply_json(req, 200, sd_json_pack("{s:s}", "login", new_login));
out:
    json_decref(b);
}

static void h_totp(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    sd_account_t a;
    if (self_acct(pf, req, &a) != 0)
        return;
    char b32[64];
    sd_buf_t uri = {0};
    int rc = sd_account_totp_enrol(pf, &a, b32, &uri);
    if (rc == SD_EEXIST)
        sd_http_reply_error(
            req, SD_EEXIST, NULL,
            "one-time passwords are already on; an administrator's reset clears them");
    else if (rc != 0)
        sd_api_reply_rc(req, rc);
    else
        sd_http_reply_json(req, 200, sd_json_pack("{s:s,s:s}", "secret", b32, "uri", uri.data));
    sodium_memzero(b32, sizeof b32);
    sd_buf_free(&uri);
}

static void h_totp_confirm(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    sd_account_t a;
    json_t *b = NULL;
    if (self_acct(pf, req, &a) != 0 || sd_api_body(req, &b) != 0)
        return;
    const char *code = NULL;
    sd_json_err_t e;
    sd_json_field_t f[] = {{"code", SD_JSON_STR, SD_JSON_REQ, &code, 1, 16}};
    int rc = sd_json_fields(b, f, 1, SD_JSON_STRICT, &e);
    if (rc != 0)
        sd_http_reply_json_error(req, rc, &e);
    else if ((rc = sd_account_totp_confirm(pf, &a, code)) == SD_ECONFLICT)
        sd_http_reply_error(req, SD_ECONFLICT, NULL, "no pending enrolment (POST /api/v1/me/totp)");
    else if (rc == SD_EOTP)
        sd_http_reply_error(req, SD_EOTP, "code", "wrong code");
    else if (rc != 0)
        sd_api_reply_rc(req, rc);
    else
        sd_http_reply_json(req, 200, sd_json_pack("{s:b}", "totp_enabled", 1));
    json_decref(b);
}

int sd_account_routes(sd_http_server_t *http, sd_pf_t *pf)
{
    int rc = 0;
    if (!rc)
        rc = sd_http_route(http, "POST", "/api/v1/login", h_login, pf, NULL);
    if (!rc)
        rc = sd_http_route(http, "POST", "/api/v1/logout", h_logout, pf, NULL);
    if (!rc)
        rc = sd_http_route(http, "GET", "/api/v1/me", h_me, pf, NULL);
    if (!rc)
        rc = sd_http_route(http, "POST", "/api/v1/me/password", h_password, pf, NULL);
    if (!rc)
        rc = sd_http_route(http, "POST", "/api/v1/me/totp", h_totp, pf, NULL);
    if (!rc)
        rc = sd_http_route(http, "POST", "/api/v1/me/totp/confirm", h_totp_confirm, pf, NULL);
    return rc;
}
