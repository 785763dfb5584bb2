/* session.h - who is calling: the authentication hook that turns a portal session cookie
 * (pf/accounts/session.h) or an AP/GW bearer token (pf/registry/registry.h) into a caller. */
#ifndef SD_API_ACCOUNTS_SESSION_H
#define SD_API_ACCOUNTS_SESSION_H

#include <stdint.h>

#include "api/api.h"
#include "pf/accounts/session.h"

/* Name of the portal session cookie (suidoctl sends it too; bearer tokens are only sdt_). */
#define SD_SESSION_COOKIE "suido_session"

typedef enum { SD_CALLER_ANON = 0, SD_CALLER_USER, SD_CALLER_CLIENT } sd_caller_kind_t;

/* What the hook attaches to each request (sd_http_req_user). */
typedef struct {
    sd_caller_kind_t kind;
    int expired;      /* anonymous because the credential presented expired */
    sd_principal_t p; /* valid unless kind is ANON; linked_tenants -> linked */
    int64_t linked[SD_PF_MAX_LINKED];
    int64_t session_id; /* user: the session row; client: the api_tokens row */
    char login[128];    /* user login or client id */
} sd_caller_t;

/* The caller attached to req (never NULL after the hook ran; NULL before). */
const sd_caller_t *sd_session_caller(const sd_http_req_t *req);

/*
 * The before hook: resolves the session cookie or an "Authorization: Bearer sdt_..." token into
 * a caller, checking the live user / registration row (disabled, expired) on every request, and
 * refreshes the session's idle timer. Never rejects for a bad credential: it makes the caller
 * anonymous (expired set when it had expired), and sd_api_require() answers 401. Replies 429
 * when the caller's tenant exceeds its request rate. Replies 403 to a state-changing request
 * (not GET/HEAD/OPTIONS) carrying the session cookie (and no bearer token) whose Origin is not
 * this server's (authority = Host, or the origin of pf->public_url), or whose body is text/plain, a
 * form or multipart, or has no Content-Type: what a foreign page can send with the user's cookie.
 * ctx is the sd_pf_t.
 */
int sd_session_hook(sd_http_req_t *req, void *ctx);

#endif
