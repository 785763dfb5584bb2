/* user.h - user accounts: provisional issue, roles, disable, reset; TOTP secrets sealed at rest. */
#ifndef SD_PF_USER_H
#define SD_PF_USER_H

#include <stddef.h>
#include <stdint.h>

#include "auth/policy.h"
#include "auth/token.h"
#include "auth/totp.h"
#include "api/api.h"

/*
 * Routes (JSON, under /api/v1); every change is audited, secrets are shown once:
 *   GET   /users               user.read: users the caller may see
 *   POST  /users               user.manage + a role of the caller's family
 *                              {org_id, role, email, name?} -> 201 {user, provisional_password}
 *   GET   /users/{id}          user.read (404 when not visible)
 *   PATCH /users/{id}          user.manage {role?, name?, disabled?}; user.otp_require
 *                              {totp_required?}; disabling ends the user's sessions
 *   POST  /users/{id}/reset    user.manage: new provisional password, TOTP and lockout cleared
 */
int sd_user_routes(sd_pf_t *pf);

/* Columns of a user as the API shows it (SELECT ... FROM users), and their sd_pf_row_json types. */
#define SD_USER_COLS                                                                               \
    "SELECT id, org_id, tenant_id, role, login, email, name, provisional, totp_enabled,"           \
    " totp_required, disabled, failures, created_at, updated_at FROM users"
#define SD_USER_TYPES "iiissssbbbbiii"

/*
 * Create a user with a provisional login id ("tmp-" + 10 hex digits) and provisional password
 * (an sdp_ token) into login/pw, no policy check (callers check, and audit). *id the row id.
 * SD_EFIELD if role does not fit the organisation's kind; SD_ENOTFOUND for no such org.
 */
int sd_user_issue(sd_pf_t *pf, int64_t org_id, sd_role_t role, const char *email,
                  const char *name, char login[32], char pw[SD_TOKEN_SIZE], int64_t *id);

/* argon2id hash of pw with pf's cost. */
int sd_user_hash(const sd_pf_t *pf, const char *pw, char out[128]);

/*
 * Seal a TOTP key (secretbox under pf->secret_key, random nonce) into out (nonce || box);
 * open it again. outsz must be at least SD_USER_SEALED_MAX. *outlen the bytes written.
 * SD_EINVAL for bad sizes, SD_EINTERNAL when opening fails (wrong key, tampered).
 */
#define SD_USER_SEALED_MAX (24 + 16 + SD_TOTP_KEY_MAX)
int sd_user_seal(const sd_pf_t *pf, const uint8_t *key, size_t keylen, uint8_t *out, size_t outsz,
                 size_t *outlen);
int sd_user_open(const sd_pf_t *pf, const uint8_t *in, size_t inlen, uint8_t *key, size_t keysz,
                 size_t *keylen);

#endif
