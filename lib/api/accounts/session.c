/* session.c - the authentication hook: a session cookie or a bearer token becomes the caller. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* The media types a page of any origin may send without a CORS preflight (the Fetch standard's
 * CORS-safelisted Content-Types): an HTML form or a no-cors fetch can post these cross-site. */
static int simple_type(const char *ct)
{
    static const char *const simple[] = {"text/plain", "application/x-www-form-urlencoded",
                                         "multipart/form-data"};
    while (*ct == ' ' || *ct == '\t')
        ct++;
    size_t n = strcspn(ct, "; \t");
    for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++)
        if (n == strlen(simple[i]) && strncasecmp(ct, simple[i], n) == 0)
            return 1;
    return 0;
}

/* Is an Origin header ("scheme://host[:port]") this server's own? Either the origin of the
 * configured public URL (scheme://authority, its path ignored), or the Host header as the
 * authority with http or https (a TLS proxy in front changes the scheme). */
static int same_origin(const sd_pf_t *pf, const sd_http_req_t *req, const char *origin)
{
    const char *pub = pf->public_url, *sep = pub ? strstr(pub, "://") : NULL;
    if (sep) {
        size_t n = (size_t)(sep + 3 - pub) + strcspn(sep + 3, "/?#");
        if (strlen(origin) == n && strncasecmp(origin, pub, n) == 0)
            return 1;
    }
    const char *host = sd_http_req_header(req, "Host");
    const char *a = NULL;
    if (strncasecmp(origin, "http://", 7) == 0)
        a = origin + 7;
    else if (strncasecmp(origin, "https://", 8) == 0)
        a = origin + 8;
    return a && host && *host && strcasecmp(a, host) == 0;
}

/*
 * A state-changing request authenticated by the session cookie that a foreign page could have
 * made: the browser sends the cookie with it (SameSite does not separate two ports or sibling
 * hosts of one site). Refused when its Origin is not ours, or when its body is of a type a form
 * or a no-cors fetch can send (the portal always sends application/json; suidoctl text/csv for
 * sheets). NULL when acceptable, else why not.
 */
static const char *cookie_csrf(const sd_pf_t *pf, const sd_http_req_t *req)
{
    const char *m = sd_http_req_method(req);
    if (!strcmp(m, "GET") || !strcmp(m, "HEAD") || !strcmp(m, "OPTIONS"))
        return NULL;
    const char *origin = sd_http_req_header(req, "Origin");
    if (origin && !same_origin(pf, req, origin))
        return "cross-origin request refused: the Origin is not this server's";
    const char *ct = sd_http_req_header(req, "Content-Type");
    if (ct && simple_type(ct))
        return "a request with the session cookie must send its body as application/json (or "
               "its own media type), not as text/plain, a form or multipart";
    const char *cl = sd_http_req_header(req, "Content-Length");
    if (!ct && ((cl && strtoull(cl, NULL, 10) > 0) || sd_http_req_header(req, "Transfer-Encoding")))
        return "a request body needs a Content-Type (application/json)";
    return NULL;
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
    const char *why = !bearer && cookie ? cookie_csrf(pf, req) : NULL;
    if (why) {
        sd_http_reply_error(req, SD_EFORBIDDEN, NULL, "%s", why);
        return SD_EFORBIDDEN;
    }
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
