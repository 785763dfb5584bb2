/* pki.c - the platform CA and PF identity on disk (sealed keys), protection settings, clients'
 * pinned certificates, and the unwrap/wrap steps every binding shares. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "core/log.h"
#include "pf/data/ts.h"
#include "pf/registry/registry.h"
#include "pf/protect/pki_int.h"

#define CA_DAYS      3650
#define PF_DAYS      730
#define RENEW_BEFORE (INT64_C(30) * 86400 * 1000)
#define FILE_MAX     (1u << 20)

static const char *const names[] = {"none", "signed", "signed_encrypted"};

int sd_pki_protect_parse(const char *s, sd_protect_t *out)
{
    for (int i = 0; s && i < 3; i++)
        if (!strcmp(s, names[i])) {
            *out = (sd_protect_t)i;
            return 0;
        }
    return SD_EFIELD;
}

const char *sd_pki_protect_name(sd_protect_t p)
{
    return (unsigned)p < 3 ? names[p] : "none";
}

unsigned sd__pki_need(sd_protect_t mode)
{
    return mode == SD_PROTECT_SIGNED             ? SD_CMS_SIGNED
           : mode == SD_PROTECT_SIGNED_ENCRYPTED ? SD_CMS_SIGNED | SD_CMS_ENCRYPTED
                                                 : 0;
}

/* ---- files -------------------------------------------------------------------------------- */

static int read_file(const char *path, sd_buf_t *out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? SD_ENOTFOUND : SD_EIO;
    char chunk[4096];
    ssize_t n;
    int rc = 0;
    while ((n = read(fd, chunk, sizeof chunk)) > 0)
        if (out->len + (size_t)n > FILE_MAX || sd_buf_append(out, chunk, (size_t)n)) {
            rc = SD_ECONFIG;
            break;
        }
    if (n < 0)
        rc = SD_EIO;
    sodium_memzero(chunk, sizeof chunk);
    close(fd);
    return rc;
}

/* Write through a temporary file and rename, so a crash leaves the old file or the new one. */
static int write_file(const char *path, const void *data, size_t len, mode_t mode)
{
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        return SD_EINVAL;
    unlink(tmp);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0)
        return sd_err_from_errno(errno);
    int ok = write(fd, data, len) == (ssize_t)len && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return SD_EIO;
    }
    return 0;
}

static void scrub(sd_buf_t *b)
{
    if (b->data)
        sodium_memzero(b->data, b->cap);
    sd_buf_free(b);
}

/* A private key file: secretbox(nonce || box) of its PEM under the platform's secret key. */
static int seal_write(const sd_pf_t *pf, const char *path, const sd_buf_t *pem)
{
    size_t n = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + pem->len;
    unsigned char *out = malloc(n);
    if (!out)
        return SD_ENOMEM;
    randombytes_buf(out, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(out + crypto_secretbox_NONCEBYTES, (const unsigned char *)pem->data,
                          pem->len, out, pf->secret_key);
    int rc = write_file(path, out, n, 0600);
    free(out);
    return rc;
}

static int seal_read(const sd_pf_t *pf, const char *path, sd_buf_t *pem)
{
    sd_buf_t in = {0};
    int rc = read_file(path, &in);
    size_t over = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES;
    if (rc == 0 && in.len <= over)
        rc = SD_ECONFIG;
    if (rc == 0 && sd_buf_reserve(pem, in.len - over + 1))
        rc = SD_ENOMEM;
    if (rc == 0 &&
        crypto_secretbox_open_easy((unsigned char *)pem->data,
                                   (const unsigned char *)in.data + crypto_secretbox_NONCEBYTES,
                                   in.len - crypto_secretbox_NONCEBYTES,
                                   (const unsigned char *)in.data, pf->secret_key) != 0)
        rc = SD_ECONFIG;
    if (rc == 0)
        pem->len = in.len - over;
    sd_buf_free(&in);
    return rc;
}

static int load_id(const sd_pf_t *pf, const char *crt, const char *key, sd_cms_id_t **out)
{
    sd_buf_t c = {0}, k = {0};
    int rc = read_file(crt, &c);
    if (rc == 0 && (rc = seal_read(pf, key, &k)) != 0)
        sd_error("pki: %s does not open with this secret key (auth.secret_key_file)", key);
    if (rc == 0 && (rc = sd_cms_id_load(c.data, c.len, k.data, k.len, out)) != 0) {
        sd_error("pki: %s and %s do not make a certificate and its key", crt, key);
        rc = SD_ECONFIG;
    }
    sd_buf_free(&c);
    scrub(&k);
    return rc;
}

/* Key first, certificate last: a certificate on disk always has its key beside it. */
static int save_id(const sd_pf_t *pf, const sd_cms_id_t *id, const char *crt, const char *key)
{
    sd_buf_t c = {0}, k = {0};
    int rc = sd_cms_id_key_pem(id, &k);
    if (rc == 0)
        rc = seal_write(pf, key, &k);
    if (rc == 0)
        rc = sd_cms_cert_pem(sd_cms_id_cert(id), &c);
    if (rc == 0)
        rc = write_file(crt, c.data, c.len, 0644);
    sd_buf_free(&c);
    scrub(&k);
    return rc;
}

static void log_made(const char *what, const sd_cms_id_t *id)
{
    char fp[65];
    sd_cms_cert_info_t in;
    sd_cms_cert_fingerprint(sd_cms_id_cert(id), fp);
    sd_cms_cert_info(sd_cms_id_cert(id), &in);
    sd_info("pki: %s %s, SHA-256 %s", what, in.subject, fp);
}

static int load_cache(sd_pki_t *pki)
{
    sd_stmt_t *s = NULL;
    int rc = sd_store_query(pki->pf->store,
                            "SELECT tenant_id, mode FROM tenant_protection WHERE mode <> 'none'",
                            SD_NOPARAMS, &s);
    if (rc != 0)
        return rc;
    while ((rc = sd_stmt_next(s)) == 1) {
        sd_protect_t m;
        if (sd_pki_protect_parse(sd_stmt_text(s, 1, NULL), &m) == 0 &&
            sd__pki_cache_set(pki, sd_stmt_int64(s, 0), m) != 0) {
            rc = SD_ENOMEM;
            break;
        }
    }
    sd_stmt_done(s);
    return rc < 0 ? rc : 0;
}

int sd_pki_open(sd_pf_t *pf, const char *dir, sd_pki_t **out)
{
    *out = NULL;
    char ca_crt[PATH_MAX], ca_key[PATH_MAX], pf_crt[PATH_MAX], pf_key[PATH_MAX];
    if (!dir || strlen(dir) > PATH_MAX - 32)
        return SD_EINVAL;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return sd_err_from_errno(errno);
    snprintf(ca_crt, sizeof ca_crt, "%s/ca.crt", dir);
    snprintf(ca_key, sizeof ca_key, "%s/ca.key.sealed", dir);
    snprintf(pf_crt, sizeof pf_crt, "%s/pf.crt", dir);
    snprintf(pf_key, sizeof pf_key, "%s/pf.key.sealed", dir);
    sd_pki_t *pki = calloc(1, sizeof *pki);
    if (!pki)
        return SD_ENOMEM;
    pki->pf = pf;
    pthread_rwlock_init(&pki->lock, NULL);
    int64_t now = sd_pf_now_ms(pf);
    int rc = load_id(pf, ca_crt, ca_key, &pki->ca);
    if (rc == SD_ENOTFOUND && access(pf_crt, F_OK) == 0) {
        sd_error("pki: %s exists without %s: restore the CA rather than making a new one", pf_crt,
                 ca_crt);
        rc = SD_ECONFIG;
    } else if (rc == SD_ENOTFOUND) {
        rc = sd_cms_id_new(NULL, "suido platform CA", now, CA_DAYS, &pki->ca);
        if (rc == 0)
            rc = save_id(pf, pki->ca, ca_crt, ca_key);
        if (rc == 0)
            log_made("created CA", pki->ca);
    }
    if (rc == 0) {
        rc = load_id(pf, pf_crt, pf_key, &pki->id);
        sd_cms_cert_info_t in;
        if (rc == 0 && sd_cms_cert_info(sd_cms_id_cert(pki->id), &in) == 0 &&
            in.not_after - now < RENEW_BEFORE) {
            sd_info("pki: the PF certificate ends within 30 days: renewing it");
            sd_cms_id_free(pki->id);
            pki->id = NULL;
            rc = SD_ENOTFOUND;
        }
        if (rc == SD_ENOTFOUND) {
            rc = sd_cms_id_new(pki->ca, "suido platform (PF)", now, PF_DAYS, &pki->id);
            if (rc == 0)
                rc = save_id(pf, pki->id, pf_crt, pf_key);
            if (rc == 0)
                log_made("issued PF certificate", pki->id);
        }
    }
    if (rc == 0)
        rc = load_cache(pki);
    if (rc == 0)
        rc = sd__portal_cert_load(pki);
    if (rc != 0) {
        sd_pki_free(pki);
        return rc == SD_ENOTFOUND ? SD_ECONFIG : rc;
    }
    *out = pki;
    return 0;
}

int sd_pki_issue_tls_server(sd_pki_t *pki, const char *cn, const char *san, int days,
                            sd_buf_t *cert, sd_buf_t *key)
{
    sd_cms_id_t *id = NULL;
    int rc = sd_cms_id_new_tls_server(pki->ca, cn, san, sd_pf_now_ms(pki->pf), days, &id);
    if (rc == 0)
        rc = sd_cms_id_key_pem(id, key);
    if (rc == 0)
        rc = sd_cms_cert_pem(sd_cms_id_cert(id), cert);
    if (rc == 0)
        log_made("issued TLS server certificate", id);
    sd_cms_id_free(id);
    return rc;
}

void sd_pki_free(sd_pki_t *pki)
{
    if (!pki)
        return;
    sd_cms_id_free(pki->ca);
    sd_cms_id_free(pki->id);
    free(pki->prot);
    free(pki->ccreq);
    pthread_rwlock_destroy(&pki->lock);
    free(pki);
}

const sd_cms_id_t *sd_pki_platform(const sd_pki_t *pki)
{
    return pki->id;
}

const sd_cms_cert_t *sd_pki_ca(const sd_pki_t *pki)
{
    return sd_cms_id_cert(pki->ca);
}

/* ---- settings ----------------------------------------------------------------------------- */

int sd__pki_cache_set(sd_pki_t *pki, int64_t tenant, sd_protect_t mode)
{
    int rc = 0;
    pthread_rwlock_wrlock(&pki->lock);
    size_t i = 0;
    while (i < pki->nprot && pki->prot[i].tenant != tenant)
        i++;
    if (mode == SD_PROTECT_NONE) {
        if (i < pki->nprot)
            pki->prot[i] = pki->prot[--pki->nprot];
    } else if (i < pki->nprot) {
        pki->prot[i].mode = mode;
    } else {
        if (pki->nprot == pki->capprot) {
            size_t cap = pki->capprot ? pki->capprot * 2 : 16;
            sd__pki_prot_t *p = realloc(pki->prot, cap * sizeof *p);
            if (!p)
                rc = SD_ENOMEM;
            else
                pki->prot = p, pki->capprot = cap;
        }
        if (rc == 0)
            pki->prot[pki->nprot++] = (sd__pki_prot_t){tenant, mode};
    }
    pthread_rwlock_unlock(&pki->lock);
    return rc;
}

sd_protect_t sd_pki_protection(sd_pki_t *pki, int64_t tenant_id)
{
    sd_protect_t m = SD_PROTECT_NONE;
    pthread_rwlock_rdlock(&pki->lock);
    for (size_t i = 0; i < pki->nprot; i++)
        if (pki->prot[i].tenant == tenant_id) {
            m = pki->prot[i].mode;
            break;
        }
    pthread_rwlock_unlock(&pki->lock);
    return m;
}

/* ---- clients ------------------------------------------------------------------------------ */

int sd_pki_client_cert(sd_pki_t *pki, int64_t client_row, sd_cms_cert_t **out, char *why, size_t n)
{
    *out = NULL;
    sd_stmt_t *s = NULL;
    sd_client_t c; /* the registration pins the certificate (cert_fp) */
    int rc = sd_registry_get(pki->pf->store, client_row, &c);
    if (rc == 0)
        rc = sd_store_query_row(pki->pf->store,
                                "SELECT pem, fingerprint FROM client_certs WHERE client_id = $1",
                                SD_PARAMS(SD_V_INT(client_row)), &s);
    if (rc == SD_ENOTFOUND) {
        snprintf(why, n,
                 "no certificate registered for this client (the platform registers it"
                 " with PUT /api/v1/apps|gateways/{id}/certificate)");
        return SD_ENOCERT;
    }
    if (rc != 0)
        return rc;
    size_t len = 0;
    const char *pem = sd_stmt_text(s, 0, &len);
    const char *fp = sd_stmt_text(s, 1, NULL), *pin = c.cert_fp;
    if (!fp || !pin || strcmp(fp, pin) != 0) {
        snprintf(why, n,
                 "the registered certificate is not the one pinned by the registration"
                 " (cert_fingerprint)");
        rc = SD_ENOCERT;
    } else {
        char w[160];
        rc = sd_cms_cert_parse(pem, len, out, w, sizeof w);
        if (rc == 0 && sd_cms_cert_check(*out, sd_pf_now_ms(pki->pf), w, sizeof w) != 0) {
            snprintf(why, n, "the registered certificate is no longer usable: %s", w);
            sd_cms_cert_free(*out);
            *out = NULL;
            rc = SD_ENOCERT;
        } else if (rc != 0) {
            rc = SD_ESTORE;
        }
    }
    sd_stmt_done(s);
    return rc;
}

int sd__pki_unwrap_with(sd_pki_t *pki, sd_protect_t mode, const sd_cms_cert_t *peer, int cms,
                        const void *body, size_t len, sd_buf_t *out, char *why, size_t n)
{
    if (!cms) {
        if (mode != SD_PROTECT_NONE) {
            snprintf(why, n,
                     "this tenant requires %s payloads: send Content-Type %s (DER), see "
                     "docs/payload-protection.md",
                     mode == SD_PROTECT_SIGNED ? "signed" : "signed and encrypted",
                     SD_PKI_MEDIA_TYPE);
            return SD_EPROTECTION;
        }
        return sd_buf_append(out, body, len);
    }
    return sd_cms_unwrap(pki->id, peer, body, len, sd__pki_need(mode), out, NULL, why, n);
}

int sd_pki_unwrap(sd_pki_t *pki, int64_t tenant_id, int64_t client_row, int cms, const void *body,
                  size_t len, sd_buf_t *out, char *why, size_t n)
{
    sd_protect_t mode = sd_pki_protection(pki, tenant_id);
    sd_cms_cert_t *peer = NULL;
    if (cms || mode != SD_PROTECT_NONE) {
        int rc = sd_pki_client_cert(pki, client_row, &peer, why, n);
        /* unprotected tenant: an encrypted-only body needs no client certificate */
        if (rc != 0 && (rc != SD_ENOCERT || mode != SD_PROTECT_NONE))
            return rc;
    }
    int rc = sd__pki_unwrap_with(pki, mode, peer, cms, body, len, out, why, n);
    sd_cms_cert_free(peer);
    return rc;
}

int sd_pki_wrap(sd_pki_t *pki, int64_t tenant_id, int64_t client_row, const void *body, size_t len,
                sd_buf_t *out, const char **ctype)
{
    sd_protect_t mode = sd_pki_protection(pki, tenant_id);
    *ctype = NULL;
    if (mode == SD_PROTECT_NONE)
        return sd_buf_append(out, body, len);
    sd_cms_cert_t *peer = NULL;
    char why[200];
    if (mode == SD_PROTECT_SIGNED_ENCRYPTED) {
        int rc = sd_pki_client_cert(pki, client_row, &peer, why, sizeof why);
        if (rc != 0)
            return rc;
    }
    int rc = sd_cms_wrap(pki->id, peer, body, len, out);
    sd_cms_cert_free(peer);
    *ctype = mode == SD_PROTECT_SIGNED ? SD_PKI_MEDIA_TYPE "; smime-type=signed-data"
                                       : SD_PKI_MEDIA_TYPE "; smime-type=enveloped-data";
    return rc;
}

/* ---- settings and clients' certificates, for the routes ---------------------------------- */

typedef struct {
    sd_pki_t *pki;
    const sd_principal_t *who;
    int64_t tenant, id;
    sd_protect_t mode;
    const char *one;
    const sd_cms_cert_t *cert;
    const char *pem, *fp, *subject, *detail;
    int64_t not_after;
} pki_tx_t;

static int protection_tx(sd_store_t *st, void *ctx)
{
    pki_tx_t *t = ctx;
    sd_protect_t old = sd_pki_protection(t->pki, t->tenant);
    char det[96], obj[32];
    snprintf(det, sizeof det, "{\"protection\":\"%s\",\"previous\":\"%s\"}",
             sd_pki_protect_name(t->mode), sd_pki_protect_name(old));
    snprintf(obj, sizeof obj, "tenant:%lld", (long long)t->tenant);
    int rc = sd_store_exec(st,
                           "INSERT INTO tenant_protection (tenant_id, mode, updated_at)"
                           " VALUES ($1, $2, $3) ON CONFLICT (tenant_id) DO UPDATE SET"
                           " mode = excluded.mode, updated_at = excluded.updated_at",
                           SD_PARAMS(SD_V_INT(t->tenant), SD_V_TEXT(sd_pki_protect_name(t->mode)),
                                     SD_V_INT(sd_pf_now_ms(t->pki->pf))),
                           NULL);
    if (rc == 0)
        rc = sd_pf_audit(t->pki->pf, t->who, t->tenant, "tenant.protection", obj, det);
    return rc;
}

int sd_pki_set_protection(sd_pki_t *pki, const sd_principal_t *who, int64_t tenant,
                          sd_protect_t mode)
{
    pki_tx_t t = {.pki = pki, .who = who, .tenant = tenant, .mode = mode};
    int rc = sd_store_tx(pki->pf->store, protection_tx, &t);
    return rc == 0 ? sd__pki_cache_set(pki, tenant, mode) : rc;
}

/* Does registration c hold a stored certificate, and is it the pinned one? 1, 0 or a store error;
 * its PEM into *pem (malloc'ed) when pem is not NULL and it does. */
static int pinned_cert(sd_store_t *st, const sd_client_t *c, char **pem)
{
    sd_stmt_t *s = NULL;
    int rc = sd_store_query_row(st,
                                "SELECT pem FROM client_certs WHERE client_id = $1 AND"
                                " fingerprint = $2",
                                SD_PARAMS(SD_V_INT(c->id), SD_V_TEXT(c->cert_fp)), &s);
    if (rc == SD_ENOTFOUND || rc == SD_EENCODING)
        return 0;
    if (rc != 0)
        return rc;
    if (pem) {
        const char *t = sd_stmt_text(s, 0, NULL);
        *pem = strdup(t ? t : "");
        rc = *pem ? 1 : SD_ENOMEM;
    } else {
        rc = 1;
    }
    sd_stmt_done(s);
    return rc;
}

/* A stored certificate's fingerprint, by registration. */
typedef struct {
    int64_t id;
    char fp[72];
} cert_fp_t;

static int cert_fp_cmp(const void *a, const void *b)
{
    int64_t x = ((const cert_fp_t *)a)->id, y = ((const cert_fp_t *)b)->id;
    return x < y ? -1 : x > y;
}

typedef struct {
    sd_store_t *st;
    int64_t n;
    sd_pf_items_t *items;
    cert_fp_t *fps; /* every stored certificate, by registration id */
    size_t nfps;
} certs_ctx_t;

static int count_without(void *ctx, const sd_client_t *c)
{
    certs_ctx_t *x = ctx;
    cert_fp_t k = {.id = c->id};
    const cert_fp_t *f = x->nfps ? bsearch(&k, x->fps, x->nfps, sizeof k, cert_fp_cmp) : NULL;
    x->n += !f || strcmp(f->fp, c->cert_fp) != 0;
    return 0;
}

int sd_pki_clients_without_cert(sd_pki_t *pki, int64_t tenant, int64_t *n)
{
    certs_ctx_t x = {.st = pki->pf->store};
    if (tenant <= 0) {
        *n = 0;
        return 0;
    }
    /* the stored fingerprints in one query, the tenant's registrations in another */
    sd_stmt_t *s = NULL;
    int rc =
        sd_store_query(x.st, "SELECT client_id, fingerprint FROM client_certs ORDER BY client_id",
                       SD_NOPARAMS, &s);
    size_t cap = 0;
    while (!rc && (rc = sd_stmt_next(s)) == 1) {
        rc = 0;
        if (x.nfps == cap) {
            cap = cap ? cap * 2 : 64;
            cert_fp_t *nv = realloc(x.fps, cap * sizeof *nv);
            if (!nv) {
                rc = SD_ENOMEM;
                break;
            }
            x.fps = nv;
        }
        const char *fp = sd_stmt_text(s, 1, NULL);
        x.fps[x.nfps].id = sd_stmt_int64(s, 0);
        snprintf(x.fps[x.nfps].fp, sizeof x.fps[0].fp, "%s", fp ? fp : "");
        x.nfps++;
    }
    sd_stmt_done(s);
    if (rc >= 0)
        rc = sd_registry_each(x.st, tenant, -1, count_without, &x);
    free(x.fps);
    if (rc < 0)
        return rc;
    *n = x.n;
    return 0;
}

static int add_peer(void *ctx, const sd_client_t *c)
{
    certs_ctx_t *x = ctx;
    char *pem = NULL;
    int r = pinned_cert(x->st, c, &pem);
    if (r <= 0)
        return r;
    json_t *o = sd_json_pack("{s:I,s:s,s:s,s:s}", "id", (json_int_t)c->id, "client_id",
                             c->client_id, "name", c->name, "pem", pem);
    free(pem);
    return sd_pf_items_add(x->items, o, (sd_scope_t){0});
}

int sd_pki_peer_certs(sd_pki_t *pki, int64_t tenant, const char *kind, sd_pf_items_t *out)
{
    *out = (sd_pf_items_t){0};
    certs_ctx_t x = {.st = pki->pf->store, .items = out};
    out->rows = json_array();
    if (!out->rows)
        return SD_ENOMEM;
    int k = !strcmp(kind, sd_registry_kind_name(SD_CLIENT_GATEWAY))       ? SD_CLIENT_GATEWAY
            : !strcmp(kind, sd_registry_kind_name(SD_CLIENT_APPLICATION)) ? SD_CLIENT_APPLICATION
                                                                          : -1;
    int rc = tenant > 0 && k >= 0 ? sd_registry_each(x.st, tenant, k, add_peer, &x) : 0;
    if (rc < 0) {
        sd_pf_items_free(out);
        return rc;
    }
    return 0;
}

int sd_pki_client_scope(sd_pki_t *pki, int64_t id, const char *kind, sd_scope_t *out)
{
    sd_client_t c;
    int rc = sd_registry_get(pki->pf->store, id, &c);
    if (rc == 0 && strcmp(sd_registry_kind_name(c.kind), kind) != 0)
        rc = SD_ENOTFOUND;
    if (rc != 0)
        return rc;
    *out = (sd_scope_t){c.tenant_id, c.org_id, id};
    return 0;
}

int sd_pki_stored_cert(sd_pki_t *pki, int64_t id, sd_pki_stored_cert_t *out)
{
    *out = (sd_pki_stored_cert_t){0};
    sd_stmt_t *s = NULL;
    sd_client_t c; /* the pin is the registration's */
    int rc = sd_registry_get(pki->pf->store, id, &c);
    if (rc == 0)
        rc = sd_store_query_row(pki->pf->store,
                                "SELECT pem, created_at FROM client_certs WHERE client_id = $1",
                                SD_PARAMS(SD_V_INT(id)), &s);
    if (rc != 0)
        return rc;
    size_t n = 0;
    const char *pem = sd_stmt_text(s, 0, &n);
    out->pem = malloc(n + 1);
    if (out->pem) {
        memcpy(out->pem, pem ? pem : "", n);
        out->pem[n] = '\0';
        out->len = n;
    }
    snprintf(out->pin, sizeof out->pin, "%.*s", (int)sizeof out->pin - 1, c.cert_fp);
    out->created_ms = sd_stmt_int64(s, 1);
    sd_stmt_done(s);
    return out->pem ? 0 : SD_ENOMEM;
}

static int register_tx(sd_store_t *st, void *ctx)
{
    pki_tx_t *t = ctx;
    int64_t now = sd_pf_now_ms(t->pki->pf);
    char obj[32], act[48];
    snprintf(obj, sizeof obj, "%s:%lld", t->one, (long long)t->id);
    snprintf(act, sizeof act, "%s.certificate", t->one);
    int rc =
        sd_store_exec(st,
                      "INSERT INTO client_certs (client_id, fingerprint, pem, subject,"
                      " not_after, created_at) VALUES ($1, $2, $3, $4, $5, $6)"
                      " ON CONFLICT (client_id) DO UPDATE SET fingerprint = excluded.fingerprint,"
                      " pem = excluded.pem, subject = excluded.subject,"
                      " not_after = excluded.not_after, created_at = excluded.created_at",
                      SD_PARAMS(SD_V_INT(t->id), SD_V_TEXT(t->fp), SD_V_TEXT(t->pem),
                                SD_V_TEXT(t->subject), SD_V_INT(t->not_after), SD_V_INT(now)),
                      NULL);
    if (rc == 0)
        rc = sd_registry_set_cert_fp(t->pki->pf, t->id, t->fp);
    if (rc == 0)
        rc = sd_pf_audit(t->pki->pf, t->who, t->tenant, act, obj, t->detail);
    return rc;
}

/*
 * What is stored is what every later read parses: the PEM must read back to the certificate
 * with the fingerprint being pinned, or nothing is stored (a read that fails after the pin was
 * updated would leave the registration answering 500 for good).
 */
static int roundtrip_ok(const sd_buf_t *pem, const char *fp)
{
    sd_cms_cert_t *again = NULL;
    char fp2[65] = "";
    int rc = sd_cms_cert_parse(pem->data, pem->len, &again, NULL, 0);
    if (rc == 0)
        sd_cms_cert_fingerprint(again, fp2);
    sd_cms_cert_free(again);
    if (rc == SD_ENOMEM)
        return rc;
    return rc == 0 && fp[0] && strcmp(fp, fp2) == 0 ? 0 : SD_EFIELD;
}

int sd_pki_register_cert(sd_pki_t *pki, const sd_principal_t *who, int64_t tenant, int64_t id,
                         const char *one, const sd_cms_cert_t *c)
{
    char fp[65], t[40];
    sd_cms_cert_info_t in;
    sd_buf_t pem = {0};
    sd_cms_cert_fingerprint(c, fp);
    sd_cms_cert_info(c, &in);
    int rc = sd_cms_cert_pem(c, &pem);
    if (rc == 0)
        rc = roundtrip_ok(&pem, fp);
    if (rc == 0)
        rc = sd_buf_append(&pem, "", 1);
    sd_ts_format_time(in.not_after, t, sizeof t);
    json_t *d =
        sd_json_pack("{s:s,s:s,s:s}", "fingerprint", fp, "subject", in.subject, "not_after", t);
    char *det = d ? json_dumps(d, JSON_COMPACT) : NULL;
    json_decref(d);
    pki_tx_t tx = {.pki = pki,
                   .who = who,
                   .tenant = tenant,
                   .id = id,
                   .one = one,
                   .pem = pem.data,
                   .fp = fp,
                   .subject = in.subject,
                   .detail = det,
                   .not_after = in.not_after};
    if (rc == 0)
        rc = sd_store_tx(pki->pf->store, register_tx, &tx);
    free(det);
    sd_buf_free(&pem);
    return rc;
}

static int remove_tx(sd_store_t *st, void *ctx)
{
    pki_tx_t *t = ctx;
    int64_t changed = 0;
    char obj[32], act[48];
    snprintf(obj, sizeof obj, "%s:%lld", t->one, (long long)t->id);
    snprintf(act, sizeof act, "%s.certificate_remove", t->one);
    int rc = sd_store_exec(st, "DELETE FROM client_certs WHERE client_id = $1",
                           SD_PARAMS(SD_V_INT(t->id)), &changed);
    if (rc == 0 && changed == 0)
        rc = SD_ENOTFOUND;
    if (rc == 0)
        rc = sd_registry_set_cert_fp(t->pki->pf, t->id, "");
    if (rc == 0)
        rc = sd_pf_audit(t->pki->pf, t->who, t->tenant, act, obj, NULL);
    return rc;
}

int sd_pki_remove_cert(sd_pki_t *pki, const sd_principal_t *who, int64_t tenant, int64_t id,
                       const char *one)
{
    pki_tx_t t = {.pki = pki, .who = who, .tenant = tenant, .id = id, .one = one};
    return sd_store_tx(pki->pf->store, remove_tx, &t);
}
