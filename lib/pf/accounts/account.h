/* account.h - the account lifecycle of §2.2 as its owner lives it: login (password, lockout,
 * TOTP), first-login password change, TOTP enrolment; bootstrap of the first administrator. */
#ifndef SD_PF_ACCOUNTS_ACCOUNT_H
#define SD_PF_ACCOUNTS_ACCOUNT_H

#include <stddef.h>
#include <stdint.h>

#include "auth/lockout.h"
#include "auth/password.h"
#include "auth/token.h"
#include "core/buf.h"
#include "pf/accounts/user.h"
#include "pf/pf.h"

/* The account row a login works on (secrets included: never shown). */
typedef struct {
    int64_t id, tenant_id, org_id, last_step;
    sd_role_t role; /* SD_ROLE__COUNT when the stored role is unknown */
    char hash[SD_PW_HASH_MAX];
    char login[72], email[256];
    int provisional, totp_enabled, totp_required, disabled;
    uint8_t sealed[SD_USER_SEALED_MAX];
    size_t sealed_len;
    sd_lockout_t lock;
} sd_account_t;

/* Load the account of user id / of a login id. 0, SD_ENOTFOUND or a store error. */
int sd_account_load(sd_pf_t *pf, int64_t id, sd_account_t *a);
int sd_account_load_login(sd_pf_t *pf, const char *login, sd_account_t *a);

/* What a login gave. */
typedef struct {
    int64_t user_id;
    int provisional;           /* the password must be changed (first login) */
    int totp_enrol;            /* TOTP is required but not yet enrolled */
    int otp_missing;           /* SD_EOTP because no code was given (not a failure) */
    int64_t retry_after_s;     /* SD_ELOCKED, SD_EBUSY: seconds until the next try */
    char token[SD_TOKEN_SIZE]; /* the new session's cookie value (zero it after use) */
} sd_account_login_t;

/*
 * Log in: password (argon2id, an unknown login id costs the same), lockout back-off, TOTP when
 * enabled (replay-safe), and a new session. An unknown login id counts failures and locks just
 * as an existing one does (table login_failures), so no answer tells whether an id exists.
 * At most pf->login_hashes password checks run at once in the process; a login that finds no
 * slot within 50 ms is refused with SD_EBUSY (retry_after_s = 1) without being counted.
 * Every outcome but a missing code and SD_EBUSY is audited (login.ok, login.fail with its
 * reason, login.locked; an unknown login id as caller in the common tenant). 0 with out filled;
 * SD_EUNAUTH (unknown, wrong password, disabled), SD_ELOCKED, SD_EBUSY, SD_EOTP
 * (out->otp_missing tells a missing code from a wrong one), or a store error.
 */
int sd_account_login(sd_pf_t *pf, const sd_principal_t *caller, const char *login, const char *pw,
                     const char *otp, sd_account_login_t *out);

/*
 * Check the current password of a (loaded) before a change: SD_ELOCKED while locked out (not
 * counted), SD_EUNAUTH when wrong (counted, audited login.fail "current password"), SD_EBUSY
 * when no password check slot was free (not counted), else 0.
 */
int sd_account_check_password(sd_pf_t *pf, sd_account_t *a, const char *pw);

/*
 * Set a's password to npw (validated by the caller) and its login id to new_login (a
 * provisional account takes its permanent one here), end its other sessions (all but
 * keep_session), audit "user.password" by who, in one transaction. SD_ECONFLICT when the login
 * id is taken; else 0 or SD_E*.
 */
int sd_account_set_password(sd_pf_t *pf, const sd_principal_t *who, const sd_account_t *a,
                            int64_t keep_session, const char *npw, const char *new_login);

/*
 * Start a TOTP enrolment of a: a new secret sealed in the store (pending until confirmed), its
 * base32 into b32 and otpauth URI into uri; audited "user.totp_enrol". SD_EEXIST when TOTP is
 * already on. Zero b32 after use.
 */
int sd_account_totp_enrol(sd_pf_t *pf, const sd_account_t *a, char b32[64], sd_buf_t *uri);

/*
 * Confirm a's pending enrolment with a code: TOTP on for the next logins ("user.totp_on").
 * SD_ECONFLICT when nothing is pending, SD_EOTP for a wrong or replayed code (audited
 * "user.totp_confirm_fail"), else 0 or a store error.
 */
int sd_account_totp_confirm(sd_pf_t *pf, const sd_account_t *a, const char *code);

/* The otpauth URI of user_id's pending enrolment into uri (zero it after use). SD_ECONFLICT when
 * nothing is pending (none asked for, or already on), SD_ENOTFOUND, or SD_E*. */
int sd_account_totp_uri(sd_pf_t *pf, int64_t user_id, sd_buf_t *uri);

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
