/* session.h - who is calling: portal sessions, AP/GW bearer tokens and the authentication hook. */
#ifndef SD_PF_SESSION_H
#define SD_PF_SESSION_H

#include <stdint.h>

#include "auth/token.h"
#include "api/api.h"

/* Name of the portal session cookie (suidoctl sends it too; bearer tokens are only sdt_). */
#define SD_SESSION_COOKIE "suido_session"
/* The caller must enrol a one-time password before anything but user.self (policy flag bit). */
#define SD_PF_NEED_TOTP_ENROL 0x100u
/* At most this many linked tenants are loaded into a principal. */
#define SD_PF_MAX_LINKED 64

typedef enum { SD_CALLER_ANON = 0, SD_CALLER_USER, SD_CALLER_CLIENT } sd_caller_kind_t;

/* What the hook attaches to each request (sd_http_req_user). */
typedef struct {
    sd_caller_kind_t kind;
    int expired;                      /* anonymous because the credential presented expired */
    sd_principal_t p;                 /* valid unless kind is ANON; linked_tenants -> linked */
    int64_t linked[SD_PF_MAX_LINKED];
    int64_t session_id;               /* user: the session row; client: the api_tokens row */
    char login[128];                  /* user login or client id */
} sd_caller_t;

/* The caller attached to req (never NULL after the hook ran; NULL before). */
const sd_caller_t *sd_session_caller(const sd_http_req_t *req);

/*
 * The before hook: resolves the session cookie or an "Authorization: Bearer sdt_..." token into
 * a caller, checking the live user / registration row (disabled, expired) on every request, and
 * refreshes the session's idle timer. Never rejects: a bad credential makes the caller anonymous
 * (expired set when it had expired), and sd_api_require() answers 401. ctx is the sd_pf_t.
 */
int sd_session_hook(sd_http_req_t *req, void *ctx);

/* A new session for user_id: token (cookie value) into out. 0 or SD_E*. */
int sd_session_create(sd_pf_t *pf, int64_t user_id, char out[SD_TOKEN_SIZE]);

/* Delete one session row / every session of a user. 0 or SD_E*. */
int sd_session_delete(sd_pf_t *pf, int64_t session_id);
int sd_session_delete_user(sd_pf_t *pf, int64_t user_id);

/* A new AP/GW bearer token for the registration row client_row; *expires_ms its expiry. */
int sd_session_token_create(sd_pf_t *pf, int64_t client_row, char out[SD_TOKEN_SIZE],
                            int64_t *expires_ms);

/* Revoke one bearer token row / every token of a registration. 0 or SD_E*. */
int sd_session_token_delete(sd_pf_t *pf, int64_t token_row);
int sd_session_token_delete_client(sd_pf_t *pf, int64_t client_row);

/* Load the tenants org_id serves into c->linked / c->p (at most SD_PF_MAX_LINKED). */
int sd_session_load_links(sd_pf_t *pf, int64_t org_id, sd_caller_t *c);

#endif
