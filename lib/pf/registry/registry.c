/* registry.c - registrations of applications and gateways (§2.3) and their bearer tokens: the SQL
 * of tables clients and api_tokens. */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "pf/registry/registry.h"

#define CLIENT_COLS                                                                                \
    "SELECT id, kind, name, org_id, tenant_id, client_id, enabled, expires_at,"                    \
    " cert_fp AS cert_fingerprint, created_at, updated_at FROM clients"
#define CLIENT_TYPES "issiisbisii"

#define ROW_COLS                                                                                   \
    "SELECT id, kind, name, org_id, tenant_id, client_id, enabled, expires_at, cert_fp,"           \
    " created_at, updated_at, secret_digest, failures, last_failure FROM clients"

const char *sd_registry_kind_name(sd_client_kind_t k)
{
    return k == SD_CLIENT_GATEWAY ? "gateway" : "application";
}

const char *sd_registry_kind_short(sd_client_kind_t k)
{
    return k == SD_CLIENT_GATEWAY ? "gw" : "app";
}

static void copy_text(sd_stmt_t *s, int col, char *out, size_t n)
{
    const char *t = sd_stmt_text(s, col, NULL);
    snprintf(out, n, "%s", t ? t : "");
}

/* The current row of a ROW_COLS query into c. */
static void read_row(sd_stmt_t *s, sd_client_t *c)
{
    memset(c, 0, sizeof *c);
    c->id = sd_stmt_int64(s, 0);
    const char *k = sd_stmt_text(s, 1, NULL);
    c->kind = k && !strcmp(k, "gateway") ? SD_CLIENT_GATEWAY : SD_CLIENT_APPLICATION;
    copy_text(s, 2, c->name, sizeof c->name);
    c->org_id = sd_stmt_int64(s, 3);
    c->tenant_id = sd_stmt_int64(s, 4);
    copy_text(s, 5, c->client_id, sizeof c->client_id);
    c->enabled = sd_stmt_int64(s, 6) != 0;
    c->expires_at = sd_stmt_int64(s, 7);
    copy_text(s, 8, c->cert_fp, sizeof c->cert_fp);
    c->created_at = sd_stmt_int64(s, 9);
    c->updated_at = sd_stmt_int64(s, 10);
    copy_text(s, 11, c->secret_digest, sizeof c->secret_digest);
    c->failures = sd_stmt_int64(s, 12);
    c->last_failure_s = sd_stmt_int64(s, 13);
}

static int get_where(sd_store_t *st, const char *sql, sd_val_t key, sd_client_t *out)
{
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(st, sql, &key, 1, &s);
    if (rc != 0)
        return rc;
    read_row(s, out);
    sd_stmt_done(s);
    return 0;
}

int sd_registry_get(sd_store_t *st, int64_t id, sd_client_t *out)
{
    return get_where(st, ROW_COLS " WHERE id = $1", SD_V_INT(id), out);
}

int sd_registry_find(sd_store_t *st, const char *cid, sd_client_t *out)
{
    return get_where(st, ROW_COLS " WHERE client_id = $1", SD_V_TEXT(cid), out);
}

int sd_registry_live(const sd_client_t *c, int64_t now_ms)
{
    return c->enabled && (c->expires_at == 0 || c->expires_at > now_ms);
}

int sd_registry_json(sd_pf_t *pf, int64_t id, json_t **out)
{
    *out = NULL;
    sd_stmt_t *s = NULL;
    int rc =
        sd_store_query_row(pf->store, CLIENT_COLS " WHERE id = $1", SD_PARAMS(SD_V_INT(id)), &s);
    if (rc != 0)
        return rc;
    *out = sd_pf_row_json(s, CLIENT_TYPES);
    sd_stmt_done(s);
    return *out ? 0 : SD_ENOMEM;
}

int sd_registry_list(sd_pf_t *pf, sd_client_kind_t kind, sd_pf_items_t *out)
{
    sd_pf_scope_cols_t cols = {4, 3, 0};
    return sd_pf_query_items(pf->store, CLIENT_COLS " WHERE kind = $1 ORDER BY id",
                             SD_PARAMS(SD_V_TEXT(sd_registry_kind_name(kind))), CLIENT_TYPES, &cols,
                             out);
}

int sd_registry_norm_fp(const char *in, char out[65])
{
    size_t n = 0;
    for (; *in; in++) {
        char c = *in;
        if (c == ':')
            continue;
        if (c >= 'A' && c <= 'F')
            c = (char)(c - 'A' + 'a');
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) || n >= 64)
            return SD_EFIELD;
        out[n++] = c;
    }
    out[n] = 0;
    return n == 0 || n == 64 ? 0 : SD_EFIELD;
}

static void obj_name(char *out, size_t n, sd_client_kind_t kind, int64_t id)
{
    snprintf(out, n, "%s:%lld", sd_registry_kind_short(kind), (long long)id);
}

static int new_secret(char secret[SD_TOKEN_SIZE], char dg[SD_TOKEN_DIGEST_SIZE])
{
    int rc = sd_token_new(SD_TOKEN_CLIENT, secret);
    if (rc == 0)
        rc = sd_token_digest(secret, strlen(secret), dg);
    return rc;
}

int sd_registry_create(sd_pf_t *pf, const sd_principal_t *who, const sd_registry_new_t *n,
                       char cid[40], char secret[SD_TOKEN_SIZE], int64_t *id)
{
    char dg[SD_TOKEN_DIGEST_SIZE], obj[32], act[32];
    unsigned char rnd[8];
    if (sodium_init() < 0)
        return SD_EINTERNAL;
    randombytes_buf(rnd, sizeof rnd);
    snprintf(cid, 40, "%s-%02x%02x%02x%02x%02x%02x%02x%02x",
             n->kind == SD_CLIENT_GATEWAY ? "gw" : "ap", rnd[0], rnd[1], rnd[2], rnd[3], rnd[4],
             rnd[5], rnd[6], rnd[7]);
    int rc = new_secret(secret, dg);
    int64_t now = sd_pf_now_ms(pf);
    if (rc == 0)
        rc =
            sd_store_insert(pf->store,
                            "INSERT INTO clients (kind, name, org_id, tenant_id, client_id,"
                            " secret_digest, enabled, expires_at, cert_fp, created_at, updated_at)"
                            " VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, $9, $9) RETURNING id",
                            SD_PARAMS(SD_V_TEXT(sd_registry_kind_name(n->kind)), SD_V_TEXT(n->name),
                                      SD_V_INT(n->org_id), SD_V_INT(n->tenant_id), SD_V_TEXT(cid),
                                      SD_V_TEXT(dg), SD_V_INT(n->expires_at),
                                      SD_V_TEXT(n->cert_fp ? n->cert_fp : ""), SD_V_INT(now)),
                            id);
    if (rc != 0) {
        sodium_memzero(secret, SD_TOKEN_SIZE);
        return rc;
    }
    obj_name(obj, sizeof obj, n->kind, *id);
    snprintf(act, sizeof act, "%s.register", sd_registry_kind_short(n->kind));
    sd_pf_audit(pf, who, n->tenant_id, act, obj, NULL);
    return 0;
}

typedef struct {
    sd_pf_t *pf;
    const sd_principal_t *who;
    sd_client_kind_t kind;
    int64_t id, tenant, now;
    const sd_registry_change_t *ch;
    const char *detail;
    const char *digest; /* rotate */
} change_tx_t;

static int update_tx(sd_store_t *st, void *ctx)
{
    change_tx_t *t = ctx;
    const sd_registry_change_t *ch = t->ch;
    int rc = 0;
    if (rc == 0 && ch->name)
        rc = sd_store_exec(st, "UPDATE clients SET name = $1, updated_at = $2 WHERE id = $3",
                           SD_PARAMS(SD_V_TEXT(ch->name), SD_V_INT(t->now), SD_V_INT(t->id)), NULL);
    if (rc == 0 && ch->cert_fp)
        rc = sd_store_exec(st, "UPDATE clients SET cert_fp = $1, updated_at = $2 WHERE id = $3",
                           SD_PARAMS(SD_V_TEXT(ch->cert_fp), SD_V_INT(t->now), SD_V_INT(t->id)),
                           NULL);
    if (rc == 0 && ch->expires_at >= 0)
        rc = sd_store_exec(st, "UPDATE clients SET expires_at = $1, updated_at = $2 WHERE id = $3",
                           SD_PARAMS(SD_V_INT(ch->expires_at), SD_V_INT(t->now), SD_V_INT(t->id)),
                           NULL);
    if (rc == 0 && ch->enabled >= 0) {
        rc = sd_store_exec(st, "UPDATE clients SET enabled = $1, updated_at = $2 WHERE id = $3",
                           SD_PARAMS(SD_V_INT(ch->enabled != 0), SD_V_INT(t->now), SD_V_INT(t->id)),
                           NULL);
        if (rc == 0 && !ch->enabled)
            rc = sd_registry_token_revoke(t->pf, t->id);
    }
    if (rc == 0) {
        char obj[32], act[32];
        obj_name(obj, sizeof obj, t->kind, t->id);
        snprintf(act, sizeof act, "%s.%s", sd_registry_kind_short(t->kind),
                 ch->enabled == 0   ? "disable"
                 : ch->enabled == 1 ? "enable"
                                    : "update");
        rc = sd_pf_audit(t->pf, t->who, t->tenant, act, obj, t->detail);
    }
    return rc;
}

int sd_registry_update(sd_pf_t *pf, const sd_principal_t *who, sd_client_kind_t kind, int64_t id,
                       int64_t tenant, const sd_registry_change_t *ch, const char *detail_json)
{
    change_tx_t t = {pf, who, kind, id, tenant, sd_pf_now_ms(pf), ch, detail_json, NULL};
    return sd_store_tx(pf->store, update_tx, &t);
}

static int rotate_tx(sd_store_t *st, void *ctx)
{
    change_tx_t *t = ctx;
    int rc =
        sd_store_exec(st,
                      "UPDATE clients SET secret_digest = $1, failures = 0, updated_at = $2"
                      " WHERE id = $3",
                      SD_PARAMS(SD_V_TEXT(t->digest), SD_V_INT(t->now), SD_V_INT(t->id)), NULL);
    if (rc == 0)
        rc = sd_registry_token_revoke(t->pf, t->id);
    if (rc == 0) {
        char obj[32], act[32];
        obj_name(obj, sizeof obj, t->kind, t->id);
        snprintf(act, sizeof act, "%s.rotate", sd_registry_kind_short(t->kind));
        rc = sd_pf_audit(t->pf, t->who, t->tenant, act, obj, NULL);
    }
    return rc;
}

int sd_registry_rotate(sd_pf_t *pf, const sd_principal_t *who, sd_client_kind_t kind, int64_t id,
                       int64_t tenant, char secret[SD_TOKEN_SIZE])
{
    char dg[SD_TOKEN_DIGEST_SIZE];
    int rc = new_secret(secret, dg);
    if (rc == 0) {
        change_tx_t t = {pf, who, kind, id, tenant, sd_pf_now_ms(pf), NULL, NULL, dg};
        rc = sd_store_tx(pf->store, rotate_tx, &t);
    }
    if (rc != 0)
        sodium_memzero(secret, SD_TOKEN_SIZE);
    return rc;
}

int sd_registry_set_cert_fp(sd_pf_t *pf, int64_t id, const char *fp)
{
    return sd_store_exec(
        pf->store, "UPDATE clients SET cert_fp = $1, updated_at = $2 WHERE id = $3",
        SD_PARAMS(SD_V_TEXT(fp ? fp : ""), SD_V_INT(sd_pf_now_ms(pf)), SD_V_INT(id)), NULL);
}

/* ---- tokens ------------------------------------------------------------------------------ */

/* The throttle key of (source address, client id); see sd_ratelimit_key(). */
static int64_t throttle_id(const char *source, const char *cid)
{
    char in[256];
    int n = snprintf(in, sizeof in, "%s%c%s", source ? source : "", 0, cid);
    if (n < 0 || (size_t)n >= sizeof in)
        n = (int)sizeof in - 1;
    return sd_ratelimit_key(in, (size_t)n);
}

int sd_registry_connect(sd_pf_t *pf, const sd_principal_t *caller, const char *source,
                        const char *cid, const char *secret, sd_registry_token_t *out)
{
    memset(out, 0, sizeof *out);
    char dg[SD_TOKEN_DIGEST_SIZE], obj[32] = "";
    sd_client_t c;
    int64_t tenant = SD_TENANT_COMMON, now = sd_pf_now_ms(pf);
    int rc = sd_registry_find(pf->store, cid, &c);
    if (rc == 0) {
        tenant = c.tenant_id;
        obj_name(obj, sizeof obj, c.kind, c.id);
    }
    /* No lockout of the registration: a 256-bit secret cannot be guessed, and a lock anyone who
     * knows the client id can trigger would shut the real client out. Wrong secrets only slow
     * down the address that sends them, for that client id; the client elsewhere is unaffected. */
    int64_t key = throttle_id(source, cid), mono = sd_clock_mono_ms(pf->clock), wait_ms = 0;
    if (pf->connect_limit && sd_ratelimit_peek(pf->connect_limit, key, mono, &wait_ms) != 0) {
        out->retry_after_s = (wait_ms + 999) / 1000;
        char det[160];
        snprintf(det, sizeof det, "{\"source\":\"%.64s\",\"retry_after_s\":%lld}",
                 source ? source : "", (long long)out->retry_after_s);
        sd_pf_audit(pf, caller, tenant, "client.connect_throttled", obj, det);
        return SD_ERATE;
    }
    sd_token_digest(secret, strlen(secret), dg);
    int ok = rc == 0 && sd_token_equal(dg, strlen(dg), c.secret_digest, strlen(c.secret_digest));
    int enabled = rc == 0 && c.enabled;
    int64_t exp = rc == 0 ? c.expires_at : 0;
    if (!ok || !enabled || (exp > 0 && now >= exp)) {
        if (!ok && pf->connect_limit)
            sd_ratelimit_take(pf->connect_limit, key, mono, &wait_ms);
        const char *why = rc != 0    ? "unknown client"
                          : !ok      ? "secret"
                          : !enabled ? "disabled"
                                     : "expired";
        char det[64];
        snprintf(det, sizeof det, "{\"reason\":\"%s\"}", why);
        sd_pf_audit(pf, caller, tenant, "client.connect_fail", obj, det);
        return ok && enabled && exp > 0 && now >= exp ? SD_EEXPIRED : SD_EUNAUTH;
    }
    rc = sd_registry_token_create(pf, c.id, out->token, &out->expires_at);
    if (rc != 0) {
        sodium_memzero(out->token, sizeof out->token);
        return rc;
    }
    out->expires_in = (out->expires_at - now) / 1000;
    sd_pf_audit(pf, caller, tenant, "client.connect", obj, NULL);
    return 0;
}

int sd_registry_token_create(sd_pf_t *pf, int64_t client_row, char out[SD_TOKEN_SIZE],
                             int64_t *expires_ms)
{
    char dg[SD_TOKEN_DIGEST_SIZE];
    int rc = sd_token_new(SD_TOKEN_API, out);
    if (rc == 0)
        rc = sd_token_digest(out, strlen(out), dg);
    if (rc != 0)
        return rc;
    int64_t now = sd_pf_now_ms(pf);
    int64_t exp = now + (int64_t)(pf->token_ttl_s > 0 ? pf->token_ttl_s : 3600) * 1000;
    rc = sd_store_exec(pf->store,
                       "INSERT INTO api_tokens (digest, client_id, created_at, expires_at)"
                       " VALUES ($1, $2, $3, $4)",
                       SD_PARAMS(SD_V_TEXT(dg), SD_V_INT(client_row), SD_V_INT(now), SD_V_INT(exp)),
                       NULL);
    if (rc == 0 && expires_ms)
        *expires_ms = exp;
    return rc;
}

int sd_registry_token_verify(sd_pf_t *pf, const char *tok, sd_registry_bearer_t *out)
{
    char dg[SD_TOKEN_DIGEST_SIZE];
    sd_token_kind_t kind;
    if (!tok || sd_token_parse(tok, strlen(tok), &kind) != 0 || kind != SD_TOKEN_API ||
        sd_token_digest(tok, strlen(tok), dg) != 0)
        return SD_EUNAUTH;
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(pf->store,
                                "SELECT t.id, t.expires_at, c.id, c.kind, c.org_id, c.tenant_id,"
                                " c.enabled, c.expires_at, c.client_id"
                                " FROM api_tokens t JOIN clients c ON c.id = t.client_id"
                                " WHERE t.digest = $1",
                                SD_PARAMS(SD_V_TEXT(dg)), &s);
    if (rc == SD_ENOTFOUND)
        return SD_EUNAUTH;
    if (rc != 0)
        return rc;
    memset(out, 0, sizeof *out);
    int64_t now = sd_pf_now_ms(pf);
    int64_t tid = sd_stmt_int64(s, 0), texp = sd_stmt_int64(s, 1);
    const char *k = sd_stmt_text(s, 3, NULL);
    out->p =
        (sd_principal_t){.role = k && !strcmp(k, "gateway") ? SD_ROLE_GATEWAY : SD_ROLE_APPLICATION,
                         .subject_id = sd_stmt_int64(s, 2),
                         .org_id = sd_stmt_int64(s, 4),
                         .tenant_id = sd_stmt_int64(s, 5)};
    int enabled = (int)sd_stmt_int64(s, 6);
    int64_t cexp = sd_stmt_int64(s, 7);
    copy_text(s, 8, out->client_id, sizeof out->client_id);
    sd_stmt_done(s);
    out->token_id = tid;
    if (now >= texp || (cexp > 0 && now >= cexp)) {
        sd_registry_token_delete(pf, tid);
        return SD_EEXPIRED;
    }
    return enabled ? 0 : SD_EUNAUTH;
}

int sd_registry_token_delete(sd_pf_t *pf, int64_t token_row)
{
    return sd_store_exec(pf->store, "DELETE FROM api_tokens WHERE id = $1",
                         SD_PARAMS(SD_V_INT(token_row)), NULL);
}

int sd_registry_token_revoke(sd_pf_t *pf, int64_t client_row)
{
    return sd_store_exec(pf->store, "DELETE FROM api_tokens WHERE client_id = $1",
                         SD_PARAMS(SD_V_INT(client_row)), NULL);
}

int sd_registry_token_check(sd_pf_t *pf, int64_t token_row, int *ok)
{
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(pf->store,
                                "SELECT t.expires_at, c.enabled, c.expires_at FROM api_tokens t "
                                "JOIN clients c ON c.id = t.client_id WHERE t.id = $1",
                                SD_PARAMS(SD_V_INT(token_row)), &s);
    if (rc != 0)
        return rc;
    int64_t now = sd_pf_now_ms(pf), cexp = sd_stmt_int64(s, 2);
    *ok = sd_stmt_int64(s, 0) > now && sd_stmt_int64(s, 1) != 0 && (cexp == 0 || cexp > now);
    sd_stmt_done(s);
    return 0;
}

int sd_registry_token_times(sd_store_t *st, int64_t client_row, int64_t *issued_at,
                            int64_t *expires_at)
{
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(st,
                                "SELECT COALESCE(MAX(created_at), 0), COALESCE(MAX(expires_at), 0)"
                                " FROM api_tokens WHERE client_id = $1",
                                SD_PARAMS(SD_V_INT(client_row)), &s);
    if (rc != 0)
        return rc;
    *issued_at = sd_stmt_int64(s, 0);
    *expires_at = sd_stmt_int64(s, 1);
    sd_stmt_done(s);
    return 0;
}

int sd_registry_each_token_times(sd_store_t *st,
                                 int (*fn)(void *ctx, int64_t client_row, int64_t issued_at,
                                           int64_t expires_at),
                                 void *ctx)
{
    sd_stmt_t *s = NULL;
    int rc = sd_store_query(st,
                            "SELECT client_id, MAX(created_at), MAX(expires_at) FROM api_tokens"
                            " GROUP BY client_id ORDER BY client_id",
                            SD_NOPARAMS, &s);
    int r = 0;
    while (!rc && (rc = sd_stmt_next(s)) == 1) {
        rc = 0;
        if ((r = fn(ctx, sd_stmt_int64(s, 0), sd_stmt_int64(s, 1), sd_stmt_int64(s, 2))) != 0)
            break;
    }
    sd_stmt_done(s);
    return rc < 0 ? rc : r;
}

int sd_registry_each(sd_store_t *st, int64_t tenant, int kind,
                     int (*fn)(void *ctx, const sd_client_t *c), void *ctx)
{
    sd_stmt_t *s = NULL;
    const char *k = kind < 0 ? "" : sd_registry_kind_name((sd_client_kind_t)kind);
    int rc = sd_store_query(st,
                            ROW_COLS " WHERE (CAST($1 AS BIGINT) = 0 OR tenant_id = $1) AND"
                                     " ($2 = '' OR kind = $2) ORDER BY id",
                            SD_PARAMS(SD_V_INT(tenant), SD_V_TEXT(k)), &s);
    if (rc != 0)
        return rc;
    sd_client_t c;
    int r = 0;
    while ((rc = sd_stmt_next(s)) == 1) {
        read_row(s, &c);
        if ((r = fn(ctx, &c)) != 0)
            break;
    }
    sd_stmt_done(s);
    return rc < 0 ? rc : r;
}

/* ---- gateways ---------------------------------------------------------------------------- */

int sd_registry_each_live_gateway(sd_store_t *st, int64_t now_ms,
                                  int (*fn)(void *ctx, const sd_client_t *gw), void *ctx)
{
    sd_stmt_t *s = NULL;
    int rc = sd_store_query(st,
                            ROW_COLS " WHERE kind = 'gateway' AND enabled = 1 AND"
                                     " (expires_at = 0 OR expires_at > $1) ORDER BY client_id",
                            SD_PARAMS(SD_V_INT(now_ms)), &s);
    if (rc != 0)
        return rc;
    sd_client_t c;
    int r = 0;
    while ((rc = sd_stmt_next(s)) == 1) {
        read_row(s, &c);
        if ((r = fn(ctx, &c)) != 0)
            break;
    }
    sd_stmt_done(s);
    return rc < 0 ? rc : r;
}

int sd_registry_pick_gateway(sd_store_t *st, int64_t tenant, const char *name, int64_t now_ms,
                             int64_t *gw_id, int *n)
{
    *n = 0;
    sd_stmt_t *s = NULL;
    int rc = sd_store_query(
        st,
        "SELECT id FROM clients WHERE kind = 'gateway' AND tenant_id = $1 AND"
        " enabled = 1 AND (expires_at = 0 OR expires_at > $2) AND"
        " ($3 = '' OR name = $3) ORDER BY id LIMIT 2",
        SD_PARAMS(SD_V_INT(tenant), SD_V_INT(now_ms), SD_V_TEXT(name ? name : "")), &s);
    if (rc != 0)
        return rc;
    while ((rc = sd_stmt_next(s)) == 1)
        if ((*n)++ == 0)
            *gw_id = sd_stmt_int64(s, 0);
    sd_stmt_done(s);
    return rc < 0 ? rc : 0;
}

int sd_registry_count_live_gateways(sd_store_t *st, int64_t tenant, int64_t now_ms, int64_t *n)
{
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(st,
                                "SELECT count(*) FROM clients WHERE kind = 'gateway' AND"
                                " tenant_id = $1 AND enabled = 1 AND (expires_at = 0 OR"
                                " expires_at > $2)",
                                SD_PARAMS(SD_V_INT(tenant), SD_V_INT(now_ms)), &s);
    if (rc == 0) {
        *n = sd_stmt_int64(s, 0);
        sd_stmt_done(s);
    }
    return rc;
}
