/* session.c - portal sessions, AP/GW bearer tokens, and the hook that turns either into a caller. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/log.h"
#include "api/accounts/session.h"

const sd_caller_t *sd_session_caller(const sd_http_req_t *req)
{
    return req ? sd_http_req_user(req) : NULL;
}

int sd_session_load_links(sd_pf_t *pf, int64_t org_id, sd_caller_t *c)
{
    sd_stmt_t *s = NULL;
    int rc = sd_store_query(pf->store,
                            "SELECT tenant_id FROM org_tenants WHERE org_id = $1 ORDER BY tenant_id",
                            SD_PARAMS(SD_V_INT(org_id)), &s);
    if (rc != 0)
        return rc;
    size_t n = 0;
    while ((rc = sd_stmt_next(s)) == 1)
        if (n < SD_PF_MAX_LINKED)
            c->linked[n++] = sd_stmt_int64(s, 0);
    sd_stmt_done(s);
    c->p.linked_tenants = n ? c->linked : NULL;
    c->p.n_linked = n;
    return rc < 0 ? rc : 0;
}

static int session_max_s(const sd_pf_t *pf)
{
    return pf->session_max_s > 0 ? pf->session_max_s : 12 * 3600;
}

static int session_idle_s(const sd_pf_t *pf)
{
    return pf->session_ttl_s > 0 ? pf->session_ttl_s : 1800;
}

/* Resolve a session cookie; 0 with c filled, SD_EEXPIRED, SD_EUNAUTH or a store error. */
static int resolve_session(sd_pf_t *pf, const char *tok, sd_caller_t *c)
{
    char dg[SD_TOKEN_DIGEST_SIZE];
    sd_token_kind_t kind;
    if (sd_token_parse(tok, strlen(tok), &kind) != 0 || kind != SD_TOKEN_SESSION ||
        sd_token_digest(tok, strlen(tok), dg) != 0)
        return SD_EUNAUTH;
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(
        pf->store,
        "SELECT s.id, s.last_seen, s.expires_at, u.id, u.role, u.org_id, u.tenant_id,"
        " u.provisional, u.disabled, u.totp_required, u.totp_enabled, u.login"
        " FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.digest = $1",
        SD_PARAMS(SD_V_TEXT(dg)), &s);
    if (rc == SD_ENOTFOUND)
        return SD_EUNAUTH;
    if (rc != 0)
        return rc;
    int64_t now = sd_pf_now_ms(pf);
    int64_t sid = sd_stmt_int64(s, 0), last = sd_stmt_int64(s, 1), exp = sd_stmt_int64(s, 2);
    const char *role = sd_stmt_text(s, 4, NULL);
    sd_role_t r;
    int bad = sd_policy_role_parse(role ? role : "", strlen(role ? role : ""), &r) != 0;
    c->p = (sd_principal_t){.role = r,
                            .subject_id = sd_stmt_int64(s, 3),
                            .org_id = sd_stmt_int64(s, 5),
                            .tenant_id = sd_stmt_int64(s, 6)};
    if (sd_stmt_int64(s, 7))
        c->p.flags |= SD_PRINCIPAL_MUST_CHANGE_PW;
    if (sd_stmt_int64(s, 9) && !sd_stmt_int64(s, 10))
        c->p.flags |= SD_PF_NEED_TOTP_ENROL;
    int disabled = (int)sd_stmt_int64(s, 8);
    snprintf(c->login, sizeof c->login, "%s", sd_stmt_text(s, 11, NULL));
    sd_stmt_done(s);
    c->session_id = sid;
    if (bad || disabled || now >= exp || now - last >= (int64_t)session_idle_s(pf) * 1000) {
        sd_session_delete(pf, sid);
        return disabled || bad ? SD_EUNAUTH : SD_EEXPIRED;
    }
    /* refresh the idle timer, but not on every request: a write per GET would dominate */
    int64_t step = (int64_t)session_idle_s(pf) * 1000 / 8;
    if (step > 10000)
        step = 10000;
    if (now - last >= step)
        sd_store_exec(pf->store, "UPDATE sessions SET last_seen = $1 WHERE id = $2",
                      SD_PARAMS(SD_V_INT(now), SD_V_INT(sid)), NULL);
    c->kind = SD_CALLER_USER;
    return sd_session_load_links(pf, c->p.org_id, c);
}

/* Resolve an AP/GW bearer token against the live registration row. */
static int resolve_bearer(sd_pf_t *pf, const char *tok, sd_caller_t *c)
{
    char dg[SD_TOKEN_DIGEST_SIZE];
    sd_token_kind_t kind;
    if (sd_token_parse(tok, strlen(tok), &kind) != 0 || kind != SD_TOKEN_API ||
        sd_token_digest(tok, strlen(tok), dg) != 0)
        return SD_EUNAUTH;
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(pf->store,
                                "SELECT t.id, t.expires_at, c.id, c.kind, c.org_id, c.tenant_id,"
                                " c.enabled, c.expires_at, c.client_id"
                                " FROM api_tokens t JOIN clients c ON c.id = t.client_id"
                                " WHERE t.digest = $1",
                                SD_PARAMS(SD_V_TEXT(dg)), &s);
    if (rc == SD_ENOTFOUND)
        return SD_EUNAUTH;
    if (rc != 0)
        return rc;
    int64_t now = sd_pf_now_ms(pf);
    int64_t tid = sd_stmt_int64(s, 0), texp = sd_stmt_int64(s, 1);
    const char *k = sd_stmt_text(s, 3, NULL);
    c->p = (sd_principal_t){
        .role = k && !strcmp(k, "gateway") ? SD_ROLE_GATEWAY : SD_ROLE_APPLICATION,
        .subject_id = sd_stmt_int64(s, 2),
        .org_id = sd_stmt_int64(s, 4),
        .tenant_id = sd_stmt_int64(s, 5)};
    int enabled = (int)sd_stmt_int64(s, 6);
    int64_t cexp = sd_stmt_int64(s, 7);
    snprintf(c->login, sizeof c->login, "%s", sd_stmt_text(s, 8, NULL));
    sd_stmt_done(s);
    c->session_id = tid;
    if (now >= texp || (cexp > 0 && now >= cexp)) {
        sd_session_token_delete(pf, tid);
        return SD_EEXPIRED;
    }
    if (!enabled)
        return SD_EUNAUTH;
    c->kind = SD_CALLER_CLIENT;
    return 0;
}

int sd_session_hook(sd_http_req_t *req, void *ctx)
{
    sd_pf_t *pf = ctx;
    sd_caller_t *c = calloc(1, sizeof *c);
    if (!c)
        return SD_ENOMEM;
    const char *bearer = sd_http_req_bearer(req);
    const char *cookie = sd_http_req_cookie(req, SD_SESSION_COOKIE);
    int rc = 0;
    if (bearer)
        rc = resolve_bearer(pf, bearer, c);
    else if (cookie)
        rc = resolve_session(pf, cookie, c);
    if (rc != 0) {
        if (rc != SD_EUNAUTH && rc != SD_EEXPIRED)
            sd_warn("request %s: credential lookup failed: %s (%s)", sd_http_req_id(req),
                    sd_strerror(rc), sd_store_errmsg());
        int expired = rc == SD_EEXPIRED;
        memset(c, 0, sizeof *c);
        c->expired = expired;
    }
    sd_http_req_set_user(req, c, free);
    int64_t wait_ms;
    if (c->kind != SD_CALLER_ANON && pf->tenant_limit &&
        sd_ratelimit_take(pf->tenant_limit, c->p.tenant_id, sd_clock_mono_ms(pf->clock),
                          &wait_ms) == SD_ERATE) {
        char secs[24];
        snprintf(secs, sizeof secs, "%lld", (long long)((wait_ms + 999) / 1000));
        sd_http_reply_header(req, "Retry-After", secs);
        sd_http_reply_error(req, SD_ERATE, NULL,
                            "this tenant's request rate is exceeded; retry in %lld ms",
                            (long long)wait_ms);
        return SD_ERATE;
    }
    return 0;
}

int sd_session_create(sd_pf_t *pf, int64_t user_id, char out[SD_TOKEN_SIZE])
{
    char dg[SD_TOKEN_DIGEST_SIZE];
    int rc = sd_token_new(SD_TOKEN_SESSION, out);
    if (rc == 0)
        rc = sd_token_digest(out, strlen(out), dg);
    if (rc != 0)
        return rc;
    int64_t now = sd_pf_now_ms(pf);
    return sd_store_exec(pf->store,
                         "INSERT INTO sessions (digest, user_id, created_at, last_seen, expires_at)"
                         " VALUES ($1, $2, $3, $3, $4)",
                         SD_PARAMS(SD_V_TEXT(dg), SD_V_INT(user_id), SD_V_INT(now),
                                   SD_V_INT(now + (int64_t)session_max_s(pf) * 1000)),
                         NULL);
}

int sd_session_delete(sd_pf_t *pf, int64_t session_id)
{
    return sd_store_exec(pf->store, "DELETE FROM sessions WHERE id = $1",
                         SD_PARAMS(SD_V_INT(session_id)), NULL);
}

int sd_session_delete_user(sd_pf_t *pf, int64_t user_id)
{
    return sd_store_exec(pf->store, "DELETE FROM sessions WHERE user_id = $1",
                         SD_PARAMS(SD_V_INT(user_id)), NULL);
}

int sd_session_token_create(sd_pf_t *pf, int64_t client_row, char out[SD_TOKEN_SIZE],
                            int64_t *expires_ms)
{
    char dg[SD_TOKEN_DIGEST_SIZE];
    int rc = sd_token_new(SD_TOKEN_API, out);
    if (rc == 0)
        rc = sd_token_digest(out, strlen(out), dg);
    if (rc != 0)
        return rc;
    int64_t now = sd_pf_now_ms(pf);
    int64_t exp = now + (int64_t)(pf->token_ttl_s > 0 ? pf->token_ttl_s : 3600) * 1000;
    rc = sd_store_exec(pf->store,
                       "INSERT INTO api_tokens (digest, client_id, created_at, expires_at)"
                       " VALUES ($1, $2, $3, $4)",
                       SD_PARAMS(SD_V_TEXT(dg), SD_V_INT(client_row), SD_V_INT(now), SD_V_INT(exp)),
                       NULL);
    if (rc == 0 && expires_ms)
        *expires_ms = exp;
    return rc;
}

int sd_session_token_delete(sd_pf_t *pf, int64_t token_row)
{
    return sd_store_exec(pf->store, "DELETE FROM api_tokens WHERE id = $1",
                         SD_PARAMS(SD_V_INT(token_row)), NULL);
}

int sd_session_token_delete_client(sd_pf_t *pf, int64_t client_row)
{
    return sd_store_exec(pf->store, "DELETE FROM api_tokens WHERE client_id = $1",
                         SD_PARAMS(SD_V_INT(client_row)), NULL);
}
