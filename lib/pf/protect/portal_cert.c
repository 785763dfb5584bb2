/* portal_cert.c - portal terminals' TLS client certificates: issue, revoke, list, the tenant's
 * switch (cached beside the protection settings) and the check the api filter makes. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "pf/protect/pki_int.h"
#include "pf/protect/portal_cert.h"

void sd_portal_cert_clear(sd_portal_cert_t *c)
{
    free(c->cert_pem);
    if (c->key_pem) {
        sodium_memzero(c->key_pem, strlen(c->key_pem));
        free(c->key_pem);
    }
    free(c->pkcs12_b64);
    sodium_memzero(c->p12_password, sizeof c->p12_password);
    memset(c, 0, sizeof *c);
}

/* ---- the switch --------------------------------------------------------------------------- */

/* pki->lock held for writing */
static int cache_put(sd_pki_t *pki, int64_t tenant, int required)
{
    for (size_t i = 0; i < pki->nccreq; i++)
        if (pki->ccreq[i] == tenant) {
            if (!required)
                pki->ccreq[i] = pki->ccreq[--pki->nccreq];
            return 0;
        }
    if (!required)
        return 0;
    if (pki->nccreq == pki->capccreq) {
        size_t cap = pki->capccreq ? 2 * pki->capccreq : 8;
        int64_t *n = realloc(pki->ccreq, cap * sizeof *n);
        if (!n)
            return SD_ENOMEM;
        pki->ccreq = n;
        pki->capccreq = cap;
    }
    pki->ccreq[pki->nccreq++] = tenant;
    return 0;
}

int sd__portal_cert_load(sd_pki_t *pki)
{
    sd_stmt_t *s = NULL;
    int rc = sd_store_query(pki->pf->store,
                            "SELECT tenant_id FROM tenant_portal_certs WHERE required = 1",
                            SD_NOPARAMS, &s);
    if (rc != 0)
        return rc;
    pthread_rwlock_wrlock(&pki->lock);
    while ((rc = sd_stmt_next(s)) == 1)
        if (cache_put(pki, sd_stmt_int64(s, 0), 1) != 0) {
            rc = SD_ENOMEM;
            break;
        }
    pthread_rwlock_unlock(&pki->lock);
    sd_stmt_done(s);
    return rc < 0 ? rc : 0;
}

int sd_portal_cert_required(sd_pki_t *pki, int64_t tenant)
{
    int on = 0;
    pthread_rwlock_rdlock(&pki->lock);
    for (size_t i = 0; !on && i < pki->nccreq; i++)
        on = pki->ccreq[i] == tenant;
    pthread_rwlock_unlock(&pki->lock);
    return on;
}

typedef struct {
    sd_pki_t *pki;
    const sd_principal_t *who;
    int64_t tenant, id;
    int required;
    const sd_scope_t *user;
    const char *fp, *subject;
    int64_t not_after;
} tx_t;

static int required_tx(sd_store_t *st, void *ctx)
{
    tx_t *t = ctx;
    char det[64], obj[32];
    snprintf(det, sizeof det, "{\"required\":%s,\"previous\":%s}", t->required ? "true" : "false",
             sd_portal_cert_required(t->pki, t->tenant) ? "true" : "false");
    snprintf(obj, sizeof obj, "tenant:%lld", (long long)t->tenant);
    int rc = sd_store_exec(st,
                           "INSERT INTO tenant_portal_certs (tenant_id, required, updated_at)"
                           " VALUES ($1, $2, $3) ON CONFLICT (tenant_id) DO UPDATE SET"
                           " required = excluded.required, updated_at = excluded.updated_at",
                           SD_PARAMS(SD_V_INT(t->tenant), SD_V_INT(t->required ? 1 : 0),
                                     SD_V_INT(sd_pf_now_ms(t->pki->pf))),
                           NULL);
    if (rc == 0)
        rc = sd_pf_audit(t->pki->pf, t->who, t->tenant, "tenant.portal_certs", obj, det);
    return rc;
}

int sd_portal_cert_set_required(sd_pki_t *pki, const sd_principal_t *who, int64_t tenant,
                                int required)
{
    tx_t t = {.pki = pki, .who = who, .tenant = tenant, .required = required};
    int rc = sd_store_tx(pki->pf->store, required_tx, &t);
    if (rc != 0)
        return rc;
    pthread_rwlock_wrlock(&pki->lock);
    rc = cache_put(pki, tenant, required);
    pthread_rwlock_unlock(&pki->lock);
    return rc;
}

/* ---- issue, revoke, list, check ----------------------------------------------------------- */

static int issue_tx(sd_store_t *st, void *ctx)
{
    tx_t *t = ctx;
    const sd_scope_t *u = t->user;
    int rc =
        sd_store_insert(st,
                        "INSERT INTO portal_certs (tenant_id, org_id, user_id, fingerprint,"
                        " subject, not_after, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)"
                        " RETURNING id",
                        SD_PARAMS(SD_V_INT(u->tenant_id), SD_V_INT(u->org_id),
                                  SD_V_INT(u->subject_id), SD_V_TEXT(t->fp), SD_V_TEXT(t->subject),
                                  SD_V_INT(t->not_after), SD_V_INT(sd_pf_now_ms(t->pki->pf))),
                        &t->id);
    char det[200], obj[40];
    snprintf(det, sizeof det, "{\"certificate_id\":%lld,\"fingerprint\":\"%s\"}", (long long)t->id,
             t->fp);
    snprintf(obj, sizeof obj, "user:%lld", (long long)u->subject_id);
    if (rc == 0)
        rc = sd_pf_audit(t->pki->pf, t->who, u->tenant_id, "user.portal_cert", obj, det);
    return rc;
}

static char *dup_buf(const sd_buf_t *b)
{
    char *s = malloc(b->len + 1);
    if (s) {
        memcpy(s, b->data, b->len);
        s[b->len] = '\0';
    }
    return s;
}

int sd_portal_cert_issue(sd_pki_t *pki, const sd_principal_t *who, const sd_scope_t *user,
                         const char *login, int days, sd_portal_cert_t *out)
{
    memset(out, 0, sizeof *out);
    if (!login || !*login || strlen(login) > 100 || days < 1 || days > 3650)
        return SD_EINVAL;
    char cn[128];
    snprintf(cn, sizeof cn, "%s portal", login);
    sd_cms_id_t *id = NULL;
    int rc = sd_cms_id_new_client(pki->ca, cn, sd_pf_now_ms(pki->pf), days, &id);
    if (rc != 0)
        return rc;
    sd_cms_cert_info_t in;
    sd_cms_cert_info(sd_cms_id_cert(id), &in);
    sd_cms_cert_fingerprint(sd_cms_id_cert(id), out->fingerprint);
    snprintf(out->subject, sizeof out->subject, "%s", in.subject);
    out->not_after_ms = in.not_after;
    unsigned char pw[12];
    randombytes_buf(pw, sizeof pw);
    sodium_bin2hex(out->p12_password, sizeof out->p12_password, pw, sizeof pw);
    sd_buf_t c = {0}, k = {0}, p12 = {0};
    rc = sd_cms_cert_pem(sd_cms_id_cert(id), &c);
    if (rc == 0)
        rc = sd_cms_cert_pem(sd_pki_ca(pki), &c);
    if (rc == 0)
        rc = sd_cms_id_key_pem(id, &k);
    if (rc == 0)
        rc = sd_cms_id_pkcs12(id, sd_pki_ca(pki), cn, out->p12_password, &p12);
    if (rc == 0) {
        size_t n = sodium_base64_encoded_len(p12.len, sodium_base64_VARIANT_ORIGINAL);
        out->pkcs12_b64 = malloc(n);
        out->cert_pem = dup_buf(&c);
        out->key_pem = dup_buf(&k);
        if (!out->pkcs12_b64 || !out->cert_pem || !out->key_pem)
            rc = SD_ENOMEM;
        else
            sodium_bin2base64(out->pkcs12_b64, n, (const unsigned char *)p12.data, p12.len,
                              sodium_base64_VARIANT_ORIGINAL);
    }
    if (k.data)
        sodium_memzero(k.data, k.cap);
    if (p12.data)
        sodium_memzero(p12.data, p12.cap);
    sd_buf_free(&c);
    sd_buf_free(&k);
    sd_buf_free(&p12);
    sd_cms_id_free(id);
    if (rc == 0) {
        tx_t t = {.pki = pki,
                  .who = who,
                  .user = user,
                  .fp = out->fingerprint,
                  .subject = out->subject,
                  .not_after = out->not_after_ms};
        rc = sd_store_tx(pki->pf->store, issue_tx, &t);
        out->id = t.id;
    }
    if (rc != 0)
        sd_portal_cert_clear(out);
    return rc;
}

int sd_portal_cert_scope(sd_pki_t *pki, int64_t id, sd_scope_t *out)
{
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(pki->pf->store,
                                "SELECT tenant_id, org_id, user_id FROM portal_certs WHERE id = $1",
                                SD_PARAMS(SD_V_INT(id)), &s);
    if (rc != 0)
        return rc;
    *out = (sd_scope_t){.tenant_id = sd_stmt_int64(s, 0),
                        .org_id = sd_stmt_int64(s, 1),
                        .subject_id = sd_stmt_int64(s, 2)};
    sd_stmt_done(s);
    return 0;
}

static int revoke_tx(sd_store_t *st, void *ctx)
{
    tx_t *t = ctx;
    int64_t n = 0;
    int rc = sd_store_exec(
        st,
        "UPDATE portal_certs SET revoked_at = $1 WHERE id = $2 AND"
        " tenant_id = $3 AND revoked_at IS NULL",
        SD_PARAMS(SD_V_INT(sd_pf_now_ms(t->pki->pf)), SD_V_INT(t->id), SD_V_INT(t->tenant)), &n);
    if (rc == 0 && n == 0)
        rc = SD_ENOTFOUND;
    char det[64], obj[40];
    snprintf(det, sizeof det, "{\"certificate_id\":%lld}", (long long)t->id);
    snprintf(obj, sizeof obj, "portal_cert:%lld", (long long)t->id);
    if (rc == 0)
        rc = sd_pf_audit(t->pki->pf, t->who, t->tenant, "user.portal_cert_revoke", obj, det);
    return rc;
}

int sd_portal_cert_revoke(sd_pki_t *pki, const sd_principal_t *who, int64_t tenant, int64_t id)
{
    tx_t t = {.pki = pki, .who = who, .tenant = tenant, .id = id};
    return sd_store_tx(pki->pf->store, revoke_tx, &t);
}

int sd_portal_cert_list(sd_pki_t *pki, sd_pf_items_t *out)
{
    static const sd_pf_scope_cols_t cols = {1, 2, 3};
    return sd_pf_query_items(pki->pf->store,
                             "SELECT id, tenant_id, org_id, user_id, fingerprint, subject,"
                             " not_after, created_at, COALESCE(revoked_at, 0) AS revoked_at"
                             " FROM portal_certs ORDER BY id",
                             SD_NOPARAMS, "iiiissiii", &cols, out);
}

int sd_portal_cert_check(sd_pki_t *pki, int64_t tenant, const char *fp, char *why, size_t n)
{
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(pki->pf->store,
                                "SELECT tenant_id, COALESCE(revoked_at, 0), not_after FROM"
                                " portal_certs WHERE fingerprint = $1",
                                SD_PARAMS(SD_V_TEXT(fp)), &s);
    if (rc == SD_ENOTFOUND) {
        snprintf(why, n, "this client certificate was not issued for the portal");
        return SD_ENOCERT;
    }
    if (rc != 0)
        return rc;
    int64_t t = sd_stmt_int64(s, 0), revoked = sd_stmt_int64(s, 1), end = sd_stmt_int64(s, 2);
    sd_stmt_done(s);
    if (t != tenant)
        snprintf(why, n, "this client certificate belongs to another tenant");
    else if (revoked)
        snprintf(why, n, "this client certificate has been revoked");
    else if (end <= sd_pf_now_ms(pki->pf))
        snprintf(why, n, "this client certificate has expired");
    else
        return 0;
    return SD_ENOCERT;
}
