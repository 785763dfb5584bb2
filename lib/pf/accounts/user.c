/* user.c - user accounts: provisional issue, roles, disable, reset; TOTP secrets sealed at rest. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "auth/password.h"
#include "core/err.h"
#include "pf/accounts/account_rules.h"
#include "pf/accounts/org.h"
#include "pf/accounts/session.h"
#include "pf/accounts/user.h"

/* Columns of a user as the API shows it, and their sd_pf_row_json types. */
#define USER_COLS                                                                                  \
    "SELECT id, org_id, tenant_id, role, login, email, name, provisional, totp_enabled,"           \
    " totp_required, disabled, failures, created_at, updated_at, last_login_at FROM users"
#define USER_TYPES "iiissssbbbbiiii"

int sd_user_totp_forced(sd_role_t role)
{
    /* the platform's own administrators hold every tenant: a password alone is not enough */
    return role == SD_ROLE_PLATFORM_ADMIN;
}

int sd_user_hash(const sd_pf_t *pf, const char *pw, char out[128])
{
    return sd_pw_hash(pw, pf->pw_params.opslimit ? &pf->pw_params : NULL, out);
}

int sd_user_seal(const sd_pf_t *pf, const uint8_t *key, size_t keylen, uint8_t *out, size_t outsz,
                 size_t *outlen)
{
    size_t need = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + keylen;
    if (!key || keylen == 0 || keylen > SD_TOTP_KEY_MAX || outsz < need)
        return SD_EINVAL;
    if (sodium_init() < 0)
        return SD_EINTERNAL;
    randombytes_buf(out, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(out + crypto_secretbox_NONCEBYTES, key, keylen, out, pf->secret_key);
    *outlen = need;
    return 0;
}

int sd_user_open(const sd_pf_t *pf, const uint8_t *in, size_t inlen, uint8_t *key, size_t keysz,
                 size_t *keylen)
{
    size_t over = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES;
    if (!in || inlen <= over || inlen - over > keysz)
        return SD_EINVAL;
    if (sodium_init() < 0 ||
        crypto_secretbox_open_easy(key, in + crypto_secretbox_NONCEBYTES,
                                   inlen - crypto_secretbox_NONCEBYTES, in, pf->secret_key) != 0)
        return SD_EINTERNAL;
    *keylen = inlen - over;
    return 0;
}

int sd_user_issue(sd_pf_t *pf, int64_t org_id, sd_role_t role, const char *email, const char *name,
                  char login[32], char pw[SD_TOKEN_SIZE], int64_t *id)
{
    int64_t tenant;
    sd_org_kind_t ok;
    int rc = sd_org_lookup(pf, org_id, &tenant, &ok);
    if (rc != 0)
        return rc;
    if (!sd_rules_role_fits_org(role, ok))
        return SD_EFIELD;
    unsigned char rnd[5];
    if (sodium_init() < 0)
        return SD_EINTERNAL;
    randombytes_buf(rnd, sizeof rnd);
    snprintf(login, 32, "tmp-%02x%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2], rnd[3], rnd[4]);
    char hash[128];
    rc = sd_token_new(SD_TOKEN_PROVISIONAL, pw);
    if (rc == 0)
        rc = sd_user_hash(pf, pw, hash);
    if (rc != 0)
        return rc;
    int64_t now = sd_pf_now_ms(pf);
    return sd_store_insert(
        pf->store,
        "INSERT INTO users (org_id, tenant_id, role, login, email, name, pw_hash, provisional,"
        " totp_required, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $9, $8, $8)"
        " RETURNING id",
        SD_PARAMS(SD_V_INT(org_id), SD_V_INT(tenant), SD_V_TEXT(sd_policy_role_name(role)),
                  SD_V_TEXT(login), SD_V_TEXT(email), SD_V_TEXT(name ? name : ""), SD_V_TEXT(hash),
                  SD_V_INT(now), SD_V_INT(sd_user_totp_forced(role))),
        id);
}

int sd_user_json(sd_pf_t *pf, int64_t id, json_t **out)
{
    *out = NULL;
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(pf->store, USER_COLS " WHERE id = $1", SD_PARAMS(SD_V_INT(id)), &s);
    if (rc != 0)
        return rc;
    *out = sd_pf_row_json(s, USER_TYPES);
    sd_stmt_done(s);
    return *out ? 0 : SD_ENOMEM;
}

int sd_user_list(sd_pf_t *pf, sd_pf_items_t *out)
{
    sd_pf_scope_cols_t cols = {2, 1, 0};
    return sd_pf_query_items(pf->store, USER_COLS " ORDER BY id", SD_NOPARAMS, USER_TYPES, &cols,
                             out);
}

int sd_user_scope(sd_pf_t *pf, int64_t id, sd_scope_t *sc, sd_role_t *role)
{
    sd_stmt_t *s = NULL;
    int rc =
        sd_store_query_row(pf->store, "SELECT tenant_id, org_id, role FROM users WHERE id = $1",
                           SD_PARAMS(SD_V_INT(id)), &s);
    if (rc != 0)
        return rc;
    *sc = (sd_scope_t){sd_stmt_int64(s, 0), sd_stmt_int64(s, 1), id};
    const char *r = sd_stmt_text(s, 2, NULL);
    rc = sd_policy_role_parse(r ? r : "", strlen(r ? r : ""), role);
    sd_stmt_done(s);
    return rc != 0 ? SD_ESTORE : 0;
}

int sd_user_count(sd_pf_t *pf, int64_t *n)
{
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(pf->store, "SELECT COUNT(*) FROM users", SD_NOPARAMS, &s);
    if (rc == 0) {
        *n = sd_stmt_int64(s, 0);
        sd_stmt_done(s);
    }
    return rc;
}

typedef struct {
    sd_pf_t *pf;
    const sd_principal_t *who;
    int64_t id, tenant, now;
    const sd_user_change_t *ch;
    const char *detail;
} update_tx_t;

static int update_tx(sd_store_t *st, void *ctx)
{
    update_tx_t *u = ctx;
    const sd_user_change_t *ch = u->ch;
    int rc = 0;
    if (rc == 0 && ch->role)
        rc = sd_store_exec(
            st, "UPDATE users SET role = $1, updated_at = $2 WHERE id = $3",
            SD_PARAMS(SD_V_TEXT(sd_policy_role_name(*ch->role)), SD_V_INT(u->now), SD_V_INT(u->id)),
            NULL);
    if (rc == 0 && ch->name)
        rc = sd_store_exec(st, "UPDATE users SET name = $1, updated_at = $2 WHERE id = $3",
                           SD_PARAMS(SD_V_TEXT(ch->name), SD_V_INT(u->now), SD_V_INT(u->id)), NULL);
    if (rc == 0 && ch->disabled >= 0) {
        rc = sd_store_exec(
            st, "UPDATE users SET disabled = $1, updated_at = $2 WHERE id = $3",
            SD_PARAMS(SD_V_INT(ch->disabled != 0), SD_V_INT(u->now), SD_V_INT(u->id)), NULL);
        if (rc == 0 && ch->disabled)
            rc = sd_session_delete_user(u->pf, u->id);
    }
    if (rc == 0 && ch->totp_required >= 0)
        rc = sd_store_exec(
            st, "UPDATE users SET totp_required = $1, updated_at = $2 WHERE id = $3",
            SD_PARAMS(SD_V_INT(ch->totp_required != 0), SD_V_INT(u->now), SD_V_INT(u->id)), NULL);
    if (rc == 0) {
        char obj[32];
        snprintf(obj, sizeof obj, "user:%lld", (long long)u->id);
        rc = sd_pf_audit(u->pf, u->who, u->tenant, "user.update", obj, u->detail);
    }
    return rc;
}

int sd_user_update(sd_pf_t *pf, const sd_principal_t *who, int64_t id, int64_t tenant,
                   const sd_user_change_t *ch, const char *detail_json)
{
    update_tx_t u = {pf, who, id, tenant, sd_pf_now_ms(pf), ch, detail_json};
    return sd_store_tx(pf->store, update_tx, &u);
}

typedef struct {
    sd_pf_t *pf;
    const sd_principal_t *who;
    int64_t id, tenant;
    const char *hash;
} reset_tx_t;

static int reset_tx(sd_store_t *st, void *ctx)
{
    reset_tx_t *r = ctx;
    int rc = sd_store_exec(
        st,
        "UPDATE users SET pw_hash = $1, provisional = 1, totp_secret = NULL,"
        " totp_enabled = 0, last_totp_step = -1, failures = 0, last_failure = 0,"
        " updated_at = $2 WHERE id = $3",
        SD_PARAMS(SD_V_TEXT(r->hash), SD_V_INT(sd_pf_now_ms(r->pf)), SD_V_INT(r->id)), NULL);
    if (rc == 0)
        rc = sd_session_delete_user(r->pf, r->id);
    if (rc == 0) {
        char obj[32];
        snprintf(obj, sizeof obj, "user:%lld", (long long)r->id);
        rc = sd_pf_audit(r->pf, r->who, r->tenant, "user.reset", obj, NULL);
    }
    return rc;
}

int sd_user_reset(sd_pf_t *pf, const sd_principal_t *who, int64_t id, int64_t tenant,
                  char pw[SD_TOKEN_SIZE])
{
    char hash[128];
    int rc = sd_token_new(SD_TOKEN_PROVISIONAL, pw);
    if (rc == 0)
        rc = sd_user_hash(pf, pw, hash);
    if (rc == 0) {
        reset_tx_t r = {pf, who, id, tenant, hash};
        rc = sd_store_tx(pf->store, reset_tx, &r);
    }
    if (rc != 0)
        sodium_memzero(pw, SD_TOKEN_SIZE);
    return rc;
}
