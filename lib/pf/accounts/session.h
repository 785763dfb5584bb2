/* session.h - portal sessions: the owner of table sessions (cookie tokens, idle and absolute
 * expiry). The HTTP hook that turns a cookie into a caller is api/accounts/session.h. */
#ifndef SD_PF_ACCOUNTS_SESSION_H
#define SD_PF_ACCOUNTS_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "auth/token.h"
#include "pf/pf.h"

/* The caller must enrol a one-time password before anything but user.self (policy flag bit). */
#define SD_PF_NEED_TOTP_ENROL 0x100u
/* At most this many linked tenants are loaded into a principal. */
#define SD_PF_MAX_LINKED 64

/* The user behind a live session. p.linked_tenants points into linked: re-point it after a copy. */
typedef struct {
    sd_principal_t p;
    int64_t linked[SD_PF_MAX_LINKED];
    int64_t session_id; /* the sessions row */
    char login[128];
} sd_session_user_t;

/*
 * Resolve a session token (the cookie value) against the live user row: role, scope, flags
 * (must change password, must enrol TOTP) and the tenants the user's organisation serves.
 * Refreshes the idle timer (at most every 1/8 of it, 10 s at most). A session past its idle
 * (pf->session_ttl_s, default 30 min) or absolute (created + pf->session_max_s, default 12 h)
 * limit, or of a disabled user, is deleted. 0 with *u filled; SD_EUNAUTH (not a session token,
 * unknown, disabled user, bad role), SD_EEXPIRED, or a store error.
 */
int sd_session_resolve(sd_pf_t *pf, const char *tok, sd_session_user_t *u);

/* A new session for user_id: token (cookie value) into out, valid for the absolute lifetime
 * (pf->session_max_s, default 12 h). 0 or SD_E*. */
int sd_session_create(sd_pf_t *pf, int64_t user_id, char out[SD_TOKEN_SIZE]);

/* The absolute lifetime of a session in seconds (pf->session_max_s, default 12 h). */
int sd_session_max_s(const sd_pf_t *pf);

/* Delete one session row / every session of a user / every session of a user but keep_id.
 * 0 or a store error. */
int sd_session_delete(sd_pf_t *pf, int64_t session_id);
int sd_session_delete_user(sd_pf_t *pf, int64_t user_id);
int sd_session_delete_others(sd_pf_t *pf, int64_t user_id, int64_t keep_id);

/*
 * Is session_id still good (not past its absolute expiry, its user not disabled)? *ok 1 or 0.
 * 0, SD_ENOTFOUND (the session is gone) or a store error. For long-lived streams that
 * re-check the credential that opened them.
 */
int sd_session_check(sd_pf_t *pf, int64_t session_id, int *ok);

#endif
