/* account.h - the account lifecycle of §2.2: login, first-login password change, TOTP, logout. */
#ifndef SD_PF_ACCOUNT_H
#define SD_PF_ACCOUNT_H

#include <stdint.h>

#include "auth/token.h"
#include "api/api.h"

/*
 * Routes (JSON, under /api/v1):
 *   POST /login              {login, password, otp?} -> 200 {user, password_change_required,
 *                            totp_enrolment_required} + session cookie; 401 unauthenticated,
 *                            401 otp_required (code missing or wrong/replayed), 423 locked
 *   POST /logout             ends the caller's session (204)
 *   GET  /me                 user.self: the caller's account
 *   POST /me/password        user.self {current_password, new_password, login?}: a provisional
 *                            account takes its permanent login id here (login, else its e-mail)
 *   POST /me/totp            user.self: a new TOTP secret {secret, uri} (pending until confirmed)
 *   POST /me/totp/confirm    user.self {code}: enables TOTP for the next logins
 * Every login, failure and change is audited.
 */
int sd_account_routes(sd_pf_t *pf);

/*
 * Make the platform organisation in the common tenant (if missing) and a platform_admin user
 * with a provisional login id and password for email (written to login and pw, to be shown once).
 * No policy check: for suidod's --bootstrap-admin and the first start on an empty store.
 */
int sd_account_bootstrap(sd_pf_t *pf, const char *email, char login[32], char pw[SD_TOKEN_SIZE]);

/* Number of users in the store into *n. */
int sd_account_count_users(sd_pf_t *pf, int64_t *n);

/* Prepare the dummy hash verified when a login id does not exist (call once at start). */
int sd_account_init(sd_pf_t *pf);

#endif
