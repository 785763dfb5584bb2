/* account.c - the account lifecycle of §2.2: login, first-login password change, TOTP. */
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth/base32.h"
#include "auth/totp.h"
#include "core/err.h"
#include "pf/accounts/account.h"
#include "pf/accounts/account_rules.h"
#include "pf/accounts/org.h"
#include "pf/accounts/session.h"

/* Verified for unknown login ids, so they take as long as known ones. */
static char dummy_hash[128];

int sd_account_init(sd_pf_t *pf)
{
    char pw[SD_TOKEN_SIZE];
    int rc = sd_token_new(SD_TOKEN_PROVISIONAL, pw);
    return rc ? rc : sd_user_hash(pf, pw, dummy_hash);
}

static sd_lockout_policy_t lock_policy(const sd_pf_t *pf)
{
    return pf->lockout.threshold ? pf->lockout : SD_LOCKOUT_POLICY_DEFAULT;
}

/*
 * A bound on the argon2id checks running at once. Each costs a core and 64 MiB for ~0.1 s: a
 * storm of bad logins would otherwise take every HTTP worker and every core, and unrelated
 * requests wait seconds behind it. One count per process (the cores are the process's), not per
 * sd_pf_t. A check waits for a slot at most HASH_WAIT_MS, shorter than one check because a
 * waiting worker thread stalls its other connections; then the login answers SD_EBUSY.
 */
#define HASH_WAIT_MS 50
static pthread_mutex_t hash_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hash_cv = PTHREAD_COND_INITIALIZER;
static unsigned hashing;

static unsigned hash_slots(const sd_pf_t *pf)
{
    if (pf->login_hashes)
        return pf->login_hashes;
    long n = sysconf(_SC_NPROCESSORS_ONLN) / 2;
    return n < 1 ? 1 : (unsigned)n;
}

static int hash_enter(const sd_pf_t *pf)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += HASH_WAIT_MS * 1000000L;
    until.tv_sec += until.tv_nsec / 1000000000L;
    until.tv_nsec %= 1000000000L;
    int rc = 0;
    pthread_mutex_lock(&hash_mu);
    while (hashing >= hash_slots(pf) && rc == 0)
        if (pthread_cond_timedwait(&hash_cv, &hash_mu, &until) == ETIMEDOUT)
            rc = SD_EBUSY;
    if (rc == 0)
        hashing++;
    pthread_mutex_unlock(&hash_mu);
    return rc;
}

static void hash_leave(void)
{
    pthread_mutex_lock(&hash_mu);
    hashing--;
    pthread_cond_signal(&hash_cv);
    pthread_mutex_unlock(&hash_mu);
}

/* sd_pw_verify within the bound: 0, SD_EUNAUTH, or SD_EBUSY (no slot: nothing was checked). */
static int verify_bounded(const sd_pf_t *pf, const char *hash, const char *pw)
{
    int rc = hash_enter(pf);
    if (rc != 0)
        return rc;
    rc = sd_pw_verify(hash, pw) == 0 ? 0 : SD_EUNAUTH;
    hash_leave();
    return rc;
}

/*
 * Failures of login ids that do not exist, so that they lock exactly as real accounts do: a
 * 423 must not tell an attacker that an id exists. Kept in the store (they survive a restart
 * like the real counts) under the id as lower-cased; rows a day past their last failure go.
 */
#define GHOST_KEEP_S 86400

static void ghost_key(const char *login, char out[256])
{
    size_t i = 0;
    for (; login[i] && i < 255; i++)
        out[i] = (char)(login[i] >= 'A' && login[i] <= 'Z' ? login[i] + 32 : login[i]);
    out[i] = 0;
}

static int ghost_load(sd_pf_t *pf, const char *key, sd_lockout_t *g)
{
    *g = (sd_lockout_t){0, 0};
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(
        pf->store, "SELECT failures, last_failure FROM login_failures WHERE login = $1",
        SD_PARAMS(SD_V_TEXT(key)), &s);
    if (rc == SD_ENOTFOUND)
        return 0;
    if (rc != 0)
        return rc;
    g->failures = (uint32_t)sd_stmt_int64(s, 0);
    g->last_failure_s = sd_stmt_int64(s, 1);
    sd_stmt_done(s);
    return 0;
}

static int ghost_save(sd_pf_t *pf, const char *key, const sd_lockout_t *g)
{
    int rc = sd_store_exec(pf->store, "DELETE FROM login_failures WHERE last_failure < $1",
                           SD_PARAMS(SD_V_INT(g->last_failure_s - GHOST_KEEP_S)), NULL);
    if (rc == 0)
        rc = sd_store_exec(
            pf->store,
            "INSERT INTO login_failures (login, failures, last_failure)"
            " VALUES ($1, $2, $3) ON CONFLICT (login) DO UPDATE SET"
            " failures = excluded.failures, last_failure = excluded.last_failure",
            SD_PARAMS(SD_V_TEXT(key), SD_V_INT(g->failures), SD_V_INT(g->last_failure_s)), NULL);
    return rc;
}

/* A login id that does not exist: checked, counted and locked like a real one. */
static int login_unknown(sd_pf_t *pf, const sd_principal_t *caller, const char *login,
                         const char *pw, sd_account_login_t *out)
{
    sd_lockout_policy_t lp = lock_policy(pf);
    int64_t now_s = sd_pf_now_s(pf), until = 0;
    char key[256];
    sd_lockout_t g;
    ghost_key(login, key);
    int rc = ghost_load(pf, key, &g);
    if (rc != 0)
        return rc;
    if (sd_lockout_check(&lp, &g, now_s, &until) != 0) {
        out->retry_after_s = until - now_s;
        sd_pf_audit(pf, caller, SD_TENANT_COMMON, "login.locked", "",
                    "{\"reason\":\"unknown login\"}");
        return SD_ELOCKED;
    }
    if ((rc = verify_bounded(pf, dummy_hash, pw)) == SD_EBUSY) {
        out->retry_after_s = 1;
        return rc;
    }
    sd_lockout_fail(&g, now_s);
    if ((rc = ghost_save(pf, key, &g)) != 0)
        return rc;
    sd_pf_audit(pf, caller, SD_TENANT_COMMON, "login.fail", "", "{\"reason\":\"unknown login\"}");
    return SD_EUNAUTH;
}

int sd_account_count_users(sd_pf_t *pf, int64_t *n)
{
    return sd_user_count(pf, n);
}

int sd_account_bootstrap(sd_pf_t *pf, const char *email, char login[32], char pw[SD_TOKEN_SIZE])
{
    if (sd_rules_email(email, strlen(email)) != 0)
        return SD_EFIELD;
    int64_t org = 0, id = 0;
    int rc = sd_org_platform(pf, &org);
    if (rc == SD_ENOTFOUND)
        rc = sd_org_create(pf, SD_TENANT_COMMON, SD_ORG_KIND_PLATFORM, "platform", &org);
    if (rc == 0)
        rc = sd_user_issue(pf, org, SD_ROLE_PLATFORM_ADMIN, email, "platform administrator", login,
                           pw, &id);
    if (rc == 0) {
        char obj[32];
        snprintf(obj, sizeof obj, "user:%lld", (long long)id);
        sd_pf_audit(pf, NULL, SD_TENANT_COMMON, "user.bootstrap", obj, NULL);
    }
    return rc;
}

#define ACCT_SQL                                                                                   \
    "SELECT id, tenant_id, pw_hash, provisional, totp_secret, totp_enabled, totp_required,"        \
    " last_totp_step, failures, last_failure, disabled, login, email, org_id, role FROM users"

static int load_acct(sd_pf_t *pf, const char *sql, sd_val_t key, sd_account_t *a)
{
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(pf->store, sql, &key, 1, &s);
    if (rc != 0)
        return rc;
    memset(a, 0, sizeof *a);
    a->id = sd_stmt_int64(s, 0);
    a->tenant_id = sd_stmt_int64(s, 1);
    const char *t = sd_stmt_text(s, 2, NULL);
    snprintf(a->hash, sizeof a->hash, "%s", t ? t : "");
    a->provisional = (int)sd_stmt_int64(s, 3);
    size_t n = 0;
    const void *b = sd_stmt_blob(s, 4, &n);
    if (b && n <= sizeof a->sealed) {
        memcpy(a->sealed, b, n);
        a->sealed_len = n;
    }
    a->totp_enabled = (int)sd_stmt_int64(s, 5);
    a->totp_required = (int)sd_stmt_int64(s, 6);
    a->last_step = sd_stmt_int64(s, 7);
    a->lock.failures = (uint32_t)sd_stmt_int64(s, 8);
    a->lock.last_failure_s = sd_stmt_int64(s, 9);
    a->disabled = (int)sd_stmt_int64(s, 10);
    t = sd_stmt_text(s, 11, NULL);
    snprintf(a->login, sizeof a->login, "%s", t ? t : "");
    t = sd_stmt_text(s, 12, NULL);
    snprintf(a->email, sizeof a->email, "%s", t ? t : "");
    a->org_id = sd_stmt_int64(s, 13);
    const char *r = sd_stmt_text(s, 14, NULL);
    if (sd_policy_role_parse(r ? r : "", strlen(r ? r : ""), &a->role) != 0)
        a->role = SD_ROLE__COUNT;
    if (a->role != SD_ROLE__COUNT && sd_user_totp_forced(a->role))
        a->totp_required = 1;
    sd_stmt_done(s);
    return 0;
}

int sd_account_load(sd_pf_t *pf, int64_t id, sd_account_t *a)
{
    return load_acct(pf, ACCT_SQL " WHERE id = $1", SD_V_INT(id), a);
}

int sd_account_load_login(sd_pf_t *pf, const char *login, sd_account_t *a)
{
    /* login ids are case-insensitive: the unique index users_login_lower serves this */
    return load_acct(pf, ACCT_SQL " WHERE lower(login) = lower($1)", SD_V_TEXT(login), a);
}

static int save_lock(sd_pf_t *pf, const sd_account_t *a)
{
    return sd_store_exec(
        pf->store, "UPDATE users SET failures = $1, last_failure = $2 WHERE id = $3",
        SD_PARAMS(SD_V_INT(a->lock.failures), SD_V_INT(a->lock.last_failure_s), SD_V_INT(a->id)),
        NULL);
}

/* Audit as the account itself: the actor of a login is the account, even before a session. */
static void audit_user(sd_pf_t *pf, const sd_account_t *a, const char *action, const char *detail)
{
    char obj[32];
    snprintf(obj, sizeof obj, "user:%lld", (long long)a->id);
    sd_principal_t who = {
        .role = a->role, .subject_id = a->id, .org_id = a->org_id, .tenant_id = a->tenant_id};
    sd_pf_audit(pf, &who, a->tenant_id, action, obj, detail);
}

/* Count a failed attempt on a and audit it with its reason. */
static void fail_login(sd_pf_t *pf, sd_account_t *a, const char *why)
{
    sd_lockout_fail(&a->lock, sd_pf_now_s(pf));
    save_lock(pf, a);
    char det[96];
    snprintf(det, sizeof det, "{\"reason\":\"%s\",\"failures\":%u}", why, a->lock.failures);
    audit_user(pf, a, "login.fail", det);
}

/* Check a TOTP code for a and consume its step (replay-safe even across threads). */
static int check_code(sd_pf_t *pf, const sd_account_t *a, const char *code, int64_t *step)
{
    uint8_t key[SD_TOTP_KEY_MAX];
    size_t klen = 0;
    int rc = sd_user_open(pf, a->sealed, a->sealed_len, key, sizeof key, &klen);
    if (rc != 0)
        return rc;
    rc = sd_totp_verify(key, klen, code, sd_pf_now_s(pf), a->last_step, step);
    sodium_memzero(key, sizeof key);
    if (rc != 0)
        return rc;
    int64_t ch = 0;
    rc = sd_store_exec(pf->store,
                       "UPDATE users SET last_totp_step = $1 WHERE id = $2 AND last_totp_step < $1",
                       SD_PARAMS(SD_V_INT(*step), SD_V_INT(a->id)), &ch);
    return rc ? rc : ch == 1 ? 0 : SD_EOTP;
}

int sd_account_login(sd_pf_t *pf, const sd_principal_t *caller, const char *login, const char *pw,
                     const char *otp, sd_account_login_t *out)
{
    memset(out, 0, sizeof *out);
    sd_account_t a;
    int64_t now_s = sd_pf_now_s(pf), until = 0, step = 0;
    sd_lockout_policy_t lp = lock_policy(pf);
    int rc = sd_account_load_login(pf, login, &a);
    if (rc == SD_ENOTFOUND)
        return login_unknown(pf, caller, login, pw, out);
    if (rc != 0)
        return rc;
    if (sd_lockout_check(&lp, &a.lock, now_s, &until) != 0) {
        out->retry_after_s = until - now_s;
        audit_user(pf, &a, "login.locked", NULL);
        return SD_ELOCKED;
    }
    if ((rc = verify_bounded(pf, a.hash, pw)) == SD_EBUSY) {
        out->retry_after_s = 1;
        return rc;
    }
    if (rc != 0 || a.disabled) {
        fail_login(pf, &a, a.disabled ? "disabled" : "password");
        return SD_EUNAUTH;
    }
    if (a.totp_enabled) {
        if (!otp || !*otp) {
            /* right password, code still to come: not a failure, and says nothing more than
             * a two-step form would */
            out->otp_missing = 1;
            return SD_EOTP;
        }
        if (check_code(pf, &a, otp, &step) != 0) {
            fail_login(pf, &a, "otp");
            return SD_EOTP;
        }
    }
    sd_lockout_succeed(&a.lock);
    save_lock(pf, &a);
    if (sd_pw_needs_rehash(a.hash, pf->pw_params.opslimit ? &pf->pw_params : NULL) == 1) {
        char h[SD_PW_HASH_MAX];
        if (sd_user_hash(pf, pw, h) == 0)
            sd_store_exec(pf->store, "UPDATE users SET pw_hash = $1 WHERE id = $2",
                          SD_PARAMS(SD_V_TEXT(h), SD_V_INT(a.id)), NULL);
    }
    if ((rc = sd_session_create(pf, a.id, out->token)) != 0) {
        sodium_memzero(out->token, sizeof out->token);
        return rc;
    }
    /* for the administrators' user list; the audit has every login, this only the last */
    sd_store_exec(pf->store, "UPDATE users SET last_login_at = $1 WHERE id = $2",
                  SD_PARAMS(SD_V_INT(sd_pf_now_ms(pf)), SD_V_INT(a.id)), NULL);
    audit_user(pf, &a, "login.ok", a.totp_enabled ? "{\"otp\":true}" : "{\"otp\":false}");
    out->user_id = a.id;
    out->provisional = a.provisional;
    out->totp_enrol = a.totp_required && !a.totp_enabled;
    return 0;
}

int sd_account_check_password(sd_pf_t *pf, sd_account_t *a, const char *pw)
{
    sd_lockout_policy_t lp = lock_policy(pf);
    int64_t until;
    if (sd_lockout_check(&lp, &a->lock, sd_pf_now_s(pf), &until) != 0)
        return SD_ELOCKED;
    int rc = verify_bounded(pf, a->hash, pw);
    if (rc == SD_EUNAUTH)
        fail_login(pf, a, "current password");
    return rc;
}

typedef struct {
    sd_pf_t *pf;
    const sd_principal_t *who;
    const sd_account_t *a;
    int64_t keep;
    const char *hash, *login;
} password_tx_t;

static int password_tx(sd_store_t *st, void *ctx)
{
    password_tx_t *t = ctx;
    int rc = sd_store_exec(st,
                           "UPDATE users SET pw_hash = $1, provisional = 0, login = $2,"
                           " failures = 0, updated_at = $3 WHERE id = $4",
                           SD_PARAMS(SD_V_TEXT(t->hash), SD_V_TEXT(t->login),
                                     SD_V_INT(sd_pf_now_ms(t->pf)), SD_V_INT(t->a->id)),
                           NULL);
    /* other sessions may belong to whoever knew the old password */
    if (rc == 0)
        rc = sd_session_delete_others(t->pf, t->a->id, t->keep);
    if (rc == 0) {
        json_t *d = sd_json_pack("{s:b,s:s}", "first_login", t->a->provisional, "login", t->login);
        char *ds = d ? json_dumps(d, JSON_COMPACT) : NULL;
        char obj[32];
        snprintf(obj, sizeof obj, "user:%lld", (long long)t->a->id);
        rc = sd_pf_audit(t->pf, t->who, t->a->tenant_id, "user.password", obj, ds);
        free(ds);
        json_decref(d);
    }
    return rc;
}

int sd_account_set_password(sd_pf_t *pf, const sd_principal_t *who, const sd_account_t *a,
                            int64_t keep_session, const char *npw, const char *new_login)
{
    char h[SD_PW_HASH_MAX];
    int rc = sd_user_hash(pf, npw, h);
    if (rc != 0)
        return rc;
    password_tx_t t = {pf, who, a, keep_session, h, new_login};
    return sd_store_tx(pf->store, password_tx, &t);
}

int sd_account_totp_enrol(sd_pf_t *pf, const sd_account_t *a, char b32[64], sd_buf_t *uri)
{
    if (a->totp_enabled)
        return SD_EEXIST;
    uint8_t key[SD_TOTP_SECRET_BYTES], sealed[SD_USER_SEALED_MAX];
    size_t slen = 0;
    int rc = sd_totp_secret_new(key);
    if (rc == 0)
        rc = sd_user_seal(pf, key, sizeof key, sealed, sizeof sealed, &slen);
    if (rc == 0)
        rc = sd_base32_encode(key, sizeof key, false, b32, 64);
    if (rc == 0)
        rc = sd_totp_uri(pf->issuer ? pf->issuer : "suido", a->login, key, sizeof key, uri);
    if (rc == 0)
        rc = sd_store_exec(pf->store,
                           "UPDATE users SET totp_secret = $1, totp_enabled = 0 WHERE id = $2",
                           SD_PARAMS(SD_V_BLOB(sealed, slen), SD_V_INT(a->id)), NULL);
    sodium_memzero(key, sizeof key);
    if (rc == 0)
        audit_user(pf, a, "user.totp_enrol", NULL);
    return rc;
}

int sd_account_totp_confirm(sd_pf_t *pf, const sd_account_t *a, const char *code)
{
    int64_t step = 0;
    if (a->totp_enabled || !a->sealed_len)
        return SD_ECONFLICT;
    if (check_code(pf, a, code, &step) != 0) {
        audit_user(pf, a, "user.totp_confirm_fail", NULL);
        return SD_EOTP;
    }
    int rc = sd_store_exec(pf->store, "UPDATE users SET totp_enabled = 1 WHERE id = $1",
                           SD_PARAMS(SD_V_INT(a->id)), NULL);
    if (rc == 0)
        audit_user(pf, a, "user.totp_on", NULL);
    return rc;
}

int sd_account_totp_uri(sd_pf_t *pf, int64_t user_id, sd_buf_t *uri)
{
    sd_account_t a;
    int rc = sd_account_load(pf, user_id, &a);
    if (rc != 0)
        return rc;
    if (a.totp_enabled || a.sealed_len == 0)
        rc = SD_ECONFLICT;
    uint8_t key[SD_TOTP_KEY_MAX];
    size_t klen = 0;
    if (rc == 0)
        rc = sd_user_open(pf, a.sealed, a.sealed_len, key, sizeof key, &klen);
    if (rc == 0)
        rc = sd_totp_uri(pf->issuer ? pf->issuer : "suido", a.login, key, klen, uri);
    sodium_memzero(key, sizeof key);
    sodium_memzero(&a, sizeof a);
    return rc;
}
