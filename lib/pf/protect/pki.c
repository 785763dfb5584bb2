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
    if (rc != 0) {
        sd_pki_free(pki);
        return rc == SD_ENOTFOUND ? SD_ECONFIG : rc;
    }
    *out = pki;
    return 0;
}

void sd_pki_free(sd_pki_t *pki)
{
    if (!pki)
        return;
    sd_cms_id_free(pki->ca);
    sd_cms_id_free(pki->id);
    free(pki->prot);
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
    int rc = sd_store_query_row(pki->pf->store,
                                "SELECT cc.pem, cc.fingerprint, c.cert_fp FROM client_certs cc"
                                " JOIN clients c ON c.id = cc.client_id WHERE cc.client_id = $1",
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
    const char *fp = sd_stmt_text(s, 1, NULL), *pin = sd_stmt_text(s, 2, NULL);
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
