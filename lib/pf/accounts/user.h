/* user.h - user accounts as administrators manage them: the owner of table users (provisional
 * issue, roles, disable, reset) and of TOTP secrets sealed at rest. The account's own lifecycle
 * (login, password, TOTP) is pf/accounts/account.h. */
#ifndef SD_PF_ACCOUNTS_USER_H
#define SD_PF_ACCOUNTS_USER_H

#include <stddef.h>
#include <stdint.h>

#include "auth/policy.h"
#include "auth/token.h"
#include "auth/totp.h"
#include "core/json.h"
#include "pf/pf.h"

/*
 * Create a user with a provisional login id ("tmp-" + 10 hex digits) and provisional password
 * (an sdp_ token) into login/pw, no policy check (callers check, and audit). *id the row id.
 * SD_EFIELD if role does not fit the organisation's kind; SD_ENOTFOUND for no such org.
 */
int sd_user_issue(sd_pf_t *pf, int64_t org_id, sd_role_t role, const char *email, const char *name,
                  char login[32], char pw[SD_TOKEN_SIZE], int64_t *id);

/* Must a user of this role use one-time passwords whatever totp_required says? 1 for platform
 * administrators (set at issue, and enforced at every login and session check), else 0. */
int sd_user_totp_forced(sd_role_t role);

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

/* User id as the API shows it (id, org_id, tenant_id, role, login, email, name, provisional,
 * totp_enabled, totp_required, disabled, failures, created_at, updated_at, last_login_at (ms, 0 =
 * never); never secrets) into
 * *out (new reference). 0, SD_ENOTFOUND, SD_ENOMEM or a store error. */
int sd_user_json(sd_pf_t *pf, int64_t id, json_t **out);

/* Every user, by id, each with its scope (tenant, org, the user). 0 or SD_E*. */
int sd_user_list(sd_pf_t *pf, sd_pf_items_t *out);

/* Scope {tenant, org, id} and role of user id. 0, SD_ENOTFOUND, SD_ESTORE (unknown role) or a
 * store error. */
int sd_user_scope(sd_pf_t *pf, int64_t id, sd_scope_t *sc, sd_role_t *role);

/* Number of users in the store into *n. 0 or a store error. */
int sd_user_count(sd_pf_t *pf, int64_t *n);

/* A change of a user by an administrator: NULL / -1 = unchanged. */
typedef struct {
    const sd_role_t *role;
    const char *name;  /* already validated */
    int disabled;      /* 0, 1 or -1; disabling ends the user's sessions */
    int totp_required; /* 0, 1 or -1 */
} sd_user_change_t;

/*
 * Apply ch to user id of tenant in one transaction with its audit record "user.update" by who
 * (detail_json: the request as given). No policy check. 0 or a store error.
 */
int sd_user_update(sd_pf_t *pf, const sd_principal_t *who, int64_t id, int64_t tenant,
                   const sd_user_change_t *ch, const char *detail_json);

/*
 * Reset user id of tenant: a new provisional password into pw, TOTP and lockout cleared, its
 * sessions ended, audited "user.reset" by who, in one transaction. No policy check. 0 or SD_E*.
 */
int sd_user_reset(sd_pf_t *pf, const sd_principal_t *who, int64_t id, int64_t tenant,
                  char pw[SD_TOKEN_SIZE]);

#endif
