/* user.c - user accounts over HTTP: list, issue, show, change, reset (pf/accounts/user.h);
 * provisional credentials mailed to the user (pf/accounts/credmail.h). */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/accounts/session.h"
#include "api/api.h"
#include "api/routes.h"
#include "core/err.h"
#include "pf/accounts/account_rules.h"
#include "pf/accounts/credmail.h"
#include "pf/accounts/org.h"
#include "pf/accounts/user.h"

static void h_list(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = sd_notify_pf(ctx);
    sd_scope_t home = sd_api_home(req);
    if (sd_api_require(req, SD_ACT_USER_READ, &home) != 0)
        return;
    sd_pf_items_t items;
    int rc = sd_user_list(pf, &items);
    if (rc != 0)
        sd_api_reply_rc(req, rc);
    else
        sd_api_reply_items(req, SD_ACT_USER_READ, &items);
}

/*
 * How provisional credentials travel: "mail" (the default) to the user's own address through the
 * outbox, so the administrator never sees them; "reply" in the answer, only for platform
 * administrators (bootstrap, suidoctl, scripts without a mail server). *reply 1 for "reply".
 * 0, or replied 400/403.
 */
static int deliver_mode(sd_http_req_t *req, const char *deliver, int *reply)
{
    *reply = 0;
    if (!deliver || !strcmp(deliver, "mail"))
        return 0;
    if (strcmp(deliver, "reply") != 0)
        return sd_http_reply_error(req, SD_EFIELD, "deliver", "must be \"mail\" or \"reply\""),
               SD_EFIELD;
    const sd_principal_t *p = sd_api_principal(req);
    if (!p || p->role != SD_ROLE_PLATFORM_ADMIN)
        return sd_http_reply_error(req, SD_EFORBIDDEN, "deliver",
                                   "only platform administrators may receive a password"),
               SD_EFORBIDDEN;
    *reply = 1;
    return 0;
}

static void h_create(sd_http_req_t *req, void *ctx)
{
    sd_notify_t *n = ctx;
    sd_pf_t *pf = sd_notify_pf(n);
    const sd_principal_t *p = sd_api_principal(req);
    sd_scope_t home = sd_api_home(req);
    json_t *b = NULL;
    if (sd_api_require(req, SD_ACT_USER_MANAGE, &home) != 0 || sd_api_body(req, &b) != 0)
        return;
    const char *role_s = NULL, *email = NULL, *name = "", *deliver = NULL;
    int64_t org = 0, tenant = 0, id = 0, mail_id = 0;
    int reply = 0;
    sd_org_kind_t ok;
    sd_role_t role;
    sd_json_err_t e;
    sd_json_field_t f[] = {{"org_id", SD_JSON_INT, SD_JSON_REQ, &org, 1, INT64_MAX},
                           {"role", SD_JSON_STR, SD_JSON_REQ, &role_s, 1, 32},
                           {"email", SD_JSON_STR, SD_JSON_REQ, &email, 3, 254},
                           {"name", SD_JSON_STR, 0, &name, 0, 128},
                           {"deliver", SD_JSON_STR, 0, &deliver, 1, 16}};
    int rc = sd_json_fields(b, f, 5, SD_JSON_STRICT, &e);
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
    if (deliver_mode(req, deliver, &reply) != 0) {
        json_decref(b);
        return;
    }
    char login[32], pw[SD_TOKEN_SIZE], obj[32], det[96];
    if (reply)
        rc = sd_user_issue(pf, org, role, email, name, login, pw, &id);
    else
        rc = sd_credmail_issue(pf, n, org, role, email, name, &id, &mail_id);
    json_decref(b);
    if (rc != 0) {
        sodium_memzero(pw, sizeof pw);
        sd_api_reply_rc(req, rc);
        return;
    }
    snprintf(obj, sizeof obj, "user:%lld", (long long)id);
    snprintf(det, sizeof det, "{\"deliver\":\"%s\",\"role\":\"%s\"}", reply ? "reply" : "mail",
             sd_policy_role_name(role));
    sd_api_audit_req(pf, req, tenant, "user.create", obj, det);
    json_t *u = NULL;
    rc = sd_user_json(pf, id, &u);
    if (rc != 0)
        sd_api_reply_rc(req, rc);
    else if (reply)
        sd_http_reply_json(req, 201,
                           sd_json_pack("{s:o,s:s,s:s}", "user", u, "delivered", "reply",
                                        "provisional_password", pw));
    else
        sd_http_reply_json(req, 201,
                           sd_json_pack("{s:o,s:s,s:I}", "user", u, "delivered", "mail", "mail_id",
                                        (json_int_t)mail_id));
    sodium_memzero(pw, sizeof pw);
}

/* Load user {id}: scope and role; check act (404 when not visible). 0 or replied. */
static int load_checked(sd_pf_t *pf, sd_http_req_t *req, sd_action_t act, int64_t *id,
                        sd_scope_t *sc, sd_role_t *role)
{
    if (sd_api_param_id(req, "id", id) != 0)
        return SD_ENOTFOUND;
    int rc = sd_user_scope(pf, *id, sc, role);
    if (rc != 0)
        return sd_api_reply_rc(req, rc);
    /* one's own record is no secret: a refusal there is 403, not 404 */
    const sd_caller_t *c = sd_session_caller(req);
    if (c && c->kind == SD_CALLER_USER && c->p.subject_id == *id)
        return sd_api_require(req, act, sc);
    return sd_api_require_visible(req, SD_ACT_USER_READ, act, sc);
}

static void reply_user(sd_pf_t *pf, sd_http_req_t *req, int64_t id)
{
    json_t *u = NULL;
    int rc = sd_user_json(pf, id, &u);
    sd_api_reply_result(req, rc, 200, u);
}

static void h_get(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = sd_notify_pf(ctx);
    int64_t id;
    sd_scope_t sc;
    sd_role_t role;
    if (load_checked(pf, req, SD_ACT_USER_READ, &id, &sc, &role) != 0)
        return;
    reply_user(pf, req, id);
}

static void h_patch(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = sd_notify_pf(ctx);
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
    if (rc == 0 && json_is_false(otp) && sd_user_totp_forced(role))
        rc = sd_json_err_set(&e, "totp_required",
                             "platform administrators always use one-time passwords");
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
    sd_user_change_t ch = {.role = role_s ? &role : NULL,
                           .name = name,
                           .disabled = json_is_boolean(dis) ? json_is_true(dis) : -1,
                           .totp_required = json_is_boolean(otp) ? json_is_true(otp) : -1};
    char *det = json_dumps(b, JSON_COMPACT | JSON_SORT_KEYS);
    rc = sd_user_update(pf, p, id, sc.tenant_id, &ch, det);
    free(det);
    json_decref(b);
    if (rc != 0) {
        sd_api_reply_rc(req, rc);
        return;
    }
    reply_user(pf, req, id);
}

static void h_reset(sd_http_req_t *req, void *ctx)
{
    sd_notify_t *n = ctx;
    sd_pf_t *pf = sd_notify_pf(n);
    int64_t id, mail_id = 0;
    sd_scope_t sc;
    sd_role_t role;
    if (load_checked(pf, req, SD_ACT_USER_MANAGE, &id, &sc, &role) != 0)
        return;
    if (sd_policy_can_assign(sd_api_principal(req), role, &sc) != 0) {
        sd_http_reply_error(req, SD_EFORBIDDEN, NULL, "you may not manage a user of this role");
        return;
    }
    /* the body is optional: {"deliver": "mail" | "reply"} */
    const char *deliver = NULL;
    int reply = 0;
    size_t blen = 0;
    json_t *b = NULL;
    sd_http_req_body(req, &blen);
    if (blen > 0) {
        sd_json_err_t e;
        sd_json_field_t f[] = {{"deliver", SD_JSON_STR, 0, &deliver, 1, 16}};
        if (sd_api_body(req, &b) != 0)
            return;
        if (sd_json_fields(b, f, 1, SD_JSON_STRICT, &e) != 0) {
            sd_http_reply_json_error(req, SD_EFIELD, &e);
            json_decref(b);
            return;
        }
    }
    int rc = deliver_mode(req, deliver, &reply);
    json_decref(b);
    if (rc != 0)
        return;
    char pw[SD_TOKEN_SIZE] = "";
    json_t *u = NULL;
    if (reply)
        rc = sd_user_reset(pf, sd_api_principal(req), id, sc.tenant_id, pw);
    else
        rc = sd_credmail_reset(pf, n, sd_api_principal(req), id, sc.tenant_id, &mail_id);
    if (rc == 0)
        rc = sd_user_json(pf, id, &u);
    if (rc != 0)
        sd_api_reply_rc(req, rc);
    else if (reply)
        sd_http_reply_json(req, 200,
                           sd_json_pack("{s:o,s:s,s:s}", "user", u, "delivered", "reply",
                                        "provisional_password", pw));
    else
        sd_http_reply_json(req, 200,
                           sd_json_pack("{s:o,s:s,s:I}", "user", u, "delivered", "mail", "mail_id",
                                        (json_int_t)mail_id));
    sodium_memzero(pw, sizeof pw);
}

int sd_user_routes(sd_http_server_t *http, sd_notify_t *pf)
{
    int rc = 0;
    if (!rc)
        rc = sd_http_route(http, "GET", "/api/v1/users", h_list, pf, NULL);
    if (!rc)
        rc = sd_http_route(http, "POST", "/api/v1/users", h_create, pf, NULL);
    if (!rc)
        rc = sd_http_route(http, "GET", "/api/v1/users/{id}", h_get, pf, NULL);
    if (!rc)
        rc = sd_http_route(http, "PATCH", "/api/v1/users/{id}", h_patch, pf, NULL);
    if (!rc)
        rc = sd_http_route(http, "POST", "/api/v1/users/{id}/reset", h_reset, pf, NULL);
    return rc;
}
