/* session.c - the authentication hook: a session cookie or a bearer token becomes the caller. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/accounts/session.h"
#include "core/err.h"
#include "core/log.h"
#include "pf/registry/registry.h"

const sd_caller_t *sd_session_caller(const sd_http_req_t *req)
{
    return req ? sd_http_req_user(req) : NULL;
}

static int resolve_session(sd_pf_t *pf, const char *tok, sd_caller_t *c)
{
    sd_session_user_t u;
    int rc = sd_session_resolve(pf, tok, &u);
    if (rc != 0)
        return rc;
    c->kind = SD_CALLER_USER;
    c->p = u.p;
    memcpy(c->linked, u.linked, sizeof c->linked);
    c->p.linked_tenants = c->p.n_linked ? c->linked : NULL;
    c->session_id = u.session_id;
    snprintf(c->login, sizeof c->login, "%s", u.login);
    return 0;
}

static int resolve_bearer(sd_pf_t *pf, const char *tok, sd_caller_t *c)
{
    sd_registry_bearer_t b;
    int rc = sd_registry_token_verify(pf, tok, &b);
    if (rc != 0)
        return rc;
    c->kind = SD_CALLER_CLIENT;
    c->p = b.p;
    c->session_id = b.token_id;
    snprintf(c->login, sizeof c->login, "%s", b.client_id);
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
                    sd_strerror(rc), sd_pf_errmsg());
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
