/* api.c - what every HTTP handler shares: the caller, deny-by-default checks, bodies, replies. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/accounts/session.h"
#include "api/api.h"
#include "core/err.h"
#include "core/log.h"
#include "pf/accounts/account_rules.h"

static void remember_request(const sd_http_req_t *req)
{
    sd_pf_set_request_id(sd_http_req_id(req));
}

const sd_principal_t *sd_api_principal(const sd_http_req_t *req)
{
    const sd_caller_t *c = sd_session_caller(req);
    remember_request(req);
    return c && c->kind != SD_CALLER_ANON ? &c->p : NULL;
}

int sd_api_require(sd_http_req_t *req, sd_action_t act, const sd_scope_t *target)
{
    const sd_caller_t *c = sd_session_caller(req);
    remember_request(req);
    if (!c || c->kind == SD_CALLER_ANON) {
        int rc = c && c->expired ? SD_EEXPIRED : SD_EUNAUTH;
        sd_http_reply_error(req, rc, NULL, NULL);
        return rc;
    }
    int rc = sd_policy_check(&c->p, act, target);
    if (rc == 0 && (c->p.flags & SD_PF_NEED_TOTP_ENROL) && act != SD_ACT_USER_SELF) {
        sd_http_reply_error(req, SD_EFORBIDDEN, NULL,
                            "one-time password enrolment required (POST /api/v1/me/totp)");
        return SD_EFORBIDDEN;
    }
    if (rc != 0)
        sd_http_reply_error(req, rc, NULL, NULL);
    return rc;
}

int sd_api_require_visible(sd_http_req_t *req, sd_action_t read_act, sd_action_t act,
                           const sd_scope_t *target)
{
    const sd_caller_t *c = sd_session_caller(req);
    if (c && c->kind != SD_CALLER_ANON && !(c->p.flags & SD_PRINCIPAL_MUST_CHANGE_PW) &&
        sd_policy_check(&c->p, read_act, target) != 0 && sd_policy_check(&c->p, act, target) != 0) {
        /* not even visible: same answer as an id that does not exist */
        sd_http_reply_error(req, SD_ENOTFOUND, NULL, NULL);
        return SD_ENOTFOUND;
    }
    return sd_api_require(req, act, target);
}

int sd_api_audit_req(sd_pf_t *pf, sd_http_req_t *req, int64_t tenant_id, const char *action,
                     const char *object, const char *detail_json)
{
    if (!pf || !req || !action)
        return SD_EINVAL;
    const sd_caller_t *c = sd_session_caller(req);
    const sd_principal_t *who = c && c->kind != SD_CALLER_ANON ? &c->p : NULL;
    return sd_pf_audit_as(pf, who, tenant_id, action, object, detail_json, sd_http_req_id(req));
}

int sd_api_body(sd_http_req_t *req, json_t **out)
{
    sd_json_err_t e;
    int rc = sd_http_req_json(req, out, &e);
    if (rc != 0) {
        sd_http_reply_json_error(req, rc, &e);
        return rc;
    }
    if (!json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        sd_http_reply_error(req, SD_EFIELD, "", "expected a JSON object");
        return SD_EFIELD;
    }
    return 0;
}

int sd_api_param_id(sd_http_req_t *req, const char *name, int64_t *out)
{
    const char *s = sd_http_req_param(req, name);
    char *end = NULL;
    long long v = s && *s >= '1' && *s <= '9' ? strtoll(s, &end, 10) : 0;
    if (v <= 0 || !end || *end) {
        sd_http_reply_error(req, SD_ENOTFOUND, NULL, NULL);
        return SD_ENOTFOUND;
    }
    *out = v;
    return 0;
}

int sd_api_query_int(sd_http_req_t *req, const char *name, int64_t lo, int64_t hi, int64_t *out)
{
    const char *s = sd_http_req_query(req, name);
    if (!s)
        return 0;
    const char *d = *s == '-' ? s + 1 : s;
    int ok = *d != 0;
    for (const char *p = d; ok && *p; p++)
        ok = *p >= '0' && *p <= '9';
    errno = 0;
    long long v = ok ? strtoll(s, NULL, 10) : 0;
    if (!ok || errno == ERANGE || v < lo || v > hi) {
        sd_http_reply_error(req, SD_EFIELD, name,
                            "must be an integer between %" PRId64 " and %" PRId64, lo, hi);
        return SD_EFIELD;
    }
    *out = v;
    return 0;
}

sd_scope_t sd_api_home(const sd_http_req_t *req)
{
    const sd_principal_t *p = sd_api_principal(req);
    return (sd_scope_t){.tenant_id = p ? p->tenant_id : 0,
                        .org_id = p ? p->org_id : 0,
                        .subject_id = p ? p->subject_id : 0};
}

int sd_api_reply_result(sd_http_req_t *req, int rc, int status, json_t *o)
{
    if (rc != 0) {
        json_decref(o);
        return sd_api_reply_rc(req, rc);
    }
    sd_http_reply_json(req, status, o);
    return 0;
}

int sd_api_reply_rc(sd_http_req_t *req, int rc)
{
    if (rc == SD_ESTORE || rc == SD_ESCHEMA)
        sd_error("request %s: %s: %s", sd_http_req_id(req), sd_strerror(rc), sd_pf_errmsg());
    if (rc == SD_ECONFLICT)
        sd_http_reply_error(req, rc, NULL, "conflicts with an existing record (name or id taken)");
    else
        sd_http_reply_error(req, rc, NULL, NULL);
    return rc;
}

int sd_api_reply_items(sd_http_req_t *req, sd_action_t act, sd_pf_items_t *items)
{
    const sd_principal_t *who = sd_api_principal(req);
    json_t *out = json_array();
    for (size_t i = 0; out && i < items->n; i++) {
        if (act && sd_policy_check(who, act, &items->scopes[i]) != 0)
            continue;
        if (json_array_append(out, json_array_get(items->rows, i)) != 0) {
            json_decref(out);
            out = NULL;
        }
    }
    sd_pf_items_free(items);
    if (!out)
        return sd_api_reply_rc(req, SD_ENOMEM);
    return sd_http_reply_json(req, 200, sd_json_pack("{s:o}", "items", out));
}
