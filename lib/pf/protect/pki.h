/* pki.h - the platform's certificates, clients' certificates, and CMS payload protection (§2.5). */
#ifndef SD_PF_PKI_H
#define SD_PF_PKI_H

#include <stdint.h>

#include "core/buf.h"
#include "pf/protect/cms.h"
#include "pf/pf.h"

/*
 * The platform PKI: on first start a platform CA and a PF certificate (RSA-2048, signing and
 * key transport) issued by it are made under dir; later starts load them, and a PF certificate
 * within 30 days of its end is renewed by the CA. Files: ca.crt, pf.crt (PEM, 0644) and
 * ca.key.sealed, pf.key.sealed (0600): the PKCS#8 PEM sealed with pf->secret_key (secretbox,
 * nonce || box), so a copy of the directory (a backup) holds no usable key without the key file
 * that auth.secret_key_file may put elsewhere. A key that does not open is an error, never a
 * reason to make new keys behind the clients' backs.
 *
 * Routes (JSON):
 *   GET  /apif/v1/certificates        AP-IF #9 公開鍵証明書ファイル取得API, cert.read
 *   GET  /gwif/v1/certificates        GW-IF #7 公開鍵証明書ファイル取得インターフェイス, cert.read
 *        -> {ca, platform, protection, media_type, self, peers}; ?format=pem: CA + PF bundle
 *   GET/PUT /api/v1/tenants/{id}/protection        tenant.read / tenant.manage
 *        {"protection": "none" | "signed" | "signed_encrypted"}
 *   GET/PUT/DELETE /api/v1/apps/{id}/certificate   app.read / app.manage (PEM or DER body)
 *   GET/PUT/DELETE /api/v1/gateways/{id}/certificate  gw.read / gw.manage
 *
 * And the protection itself, as lib/http filters over /apif/ and /gwif/ for applications and
 * gateways (docs/payload-protection.md): a body sent as application/pkcs7-mime is unwrapped
 * (decrypted, then its signature checked against the caller's registered certificate) before
 * the handler sees it; in a protected tenant a plain body is refused 415 protection_required, and
 * 2xx answers are signed by the PF certificate (and encrypted to the caller's in
 * signed_encrypted). Errors stay plain JSON so that a client can always read why.
 */
typedef struct sd_pki sd_pki_t;

typedef enum {
    SD_PROTECT_NONE = 0,
    SD_PROTECT_SIGNED,
    SD_PROTECT_SIGNED_ENCRYPTED,
} sd_protect_t;

/* Media type of every protected payload (DER, RFC 8551 §3.2). */
#define SD_PKI_MEDIA_TYPE "application/pkcs7-mime"

/* "none" | "signed" | "signed_encrypted": 0 or SD_EFIELD; the name (never NULL). */
int sd_pki_protect_parse(const char *s, sd_protect_t *out);
const char *sd_pki_protect_name(sd_protect_t p);

/*
 * Load or create the PKI under dir (made 0700 if missing) and the protection settings. 0,
 * SD_ECONFIG (a sealed key that does not open with this secret key, a damaged file), SD_EIO.
 */
int sd_pki_open(sd_pf_t *pf, const char *dir, sd_pki_t **out);
void sd_pki_free(sd_pki_t *pki); /* NULL-safe; after the HTTP server is stopped */

const sd_cms_id_t *sd_pki_platform(const sd_pki_t *pki); /* the PF identity */
const sd_cms_cert_t *sd_pki_ca(const sd_pki_t *pki);

/*
 * A TLS server certificate from the platform CA for one of the platform's own servers (the
 * managed MQTT broker), valid for days: its PEM certificate and unencrypted PKCS#8 PEM key are
 * appended to cert and key (the caller writes them where the server reads them). san as
 * sd_cms_id_new_tls_server(). 0, SD_EINVAL, SD_EINTERNAL or SD_ENOMEM.
 */
int sd_pki_issue_tls_server(sd_pki_t *pki, const char *cn, const char *san, int days,
                            sd_buf_t *cert, sd_buf_t *key);

/* A tenant's setting (cached; SD_PROTECT_NONE for unknown tenants). Thread-safe. */
sd_protect_t sd_pki_protection(sd_pki_t *pki, int64_t tenant_id);

/*
 * The certificate registered and pinned for registration row client_row, still valid now:
 * 0 with *out (free with sd_cms_cert_free), or SD_ENOCERT with the reason in why, or a store
 * error. For other bindings (MQTT) that protect payloads the same way.
 */
int sd_pki_client_cert(sd_pki_t *pki, int64_t client_row, sd_cms_cert_t **out, char *why, size_t n);

/*
 * What a binding does with a payload of client client_row in tenant tenant_id:
 * sd_pki_unwrap() takes a received body (cms: it is CMS DER) and appends the plain content to
 * out, or returns the refusal (SD_EPROTECTION for plain content in a protected tenant, or an
 * sd_cms_unwrap() error) with why; sd_pki_wrap() appends what to send (signed, or signed and
 * encrypted, or the plain bytes in an unprotected tenant) and sets *ctype.
 */
int sd_pki_unwrap(sd_pki_t *pki, int64_t tenant_id, int64_t client_row, int cms, const void *body,
                  size_t len, sd_buf_t *out, char *why, size_t n);
int sd_pki_wrap(sd_pki_t *pki, int64_t tenant_id, int64_t client_row, const void *body, size_t len,
                sd_buf_t *out, const char **ctype);

/* ---- the settings and the clients' certificates (tables tenant_protection, client_certs) ---- */

/*
 * Set a tenant's protection: stored with its audit record ("tenant.protection", by who, detail
 * {"protection","previous"}) in one transaction, then cached. 0 or SD_E*.
 */
int sd_pki_set_protection(sd_pki_t *pki, const sd_principal_t *who, int64_t tenant,
                          sd_protect_t mode);

/* How many registrations of tenant have no pinned certificate (refused under signatures). */
int sd_pki_clients_without_cert(sd_pki_t *pki, int64_t tenant, int64_t *n);

/*
 * The registered, pinned certificates of the registrations of kind ("application" /
 * "gateway") in tenant: rows {id, client_id, name, pem}, by id. 0 or SD_E*.
 */
int sd_pki_peer_certs(sd_pki_t *pki, int64_t tenant, const char *kind, sd_pf_items_t *out);

/* The scope of registration id of kind (tenant, org, subject id). SD_ENOTFOUND, SD_ESTORE. */
int sd_pki_client_scope(sd_pki_t *pki, int64_t id, const char *kind, sd_scope_t *out);

/* A registration's stored certificate. */
typedef struct {
    char *pem; /* malloc'ed PEM text */
    size_t len;
    char pin[65];       /* the fingerprint the registration pins ("" = none) */
    int64_t created_ms; /* when it was registered */
} sd_pki_stored_cert_t;

/* The certificate stored for registration id: 0 (free out->pem), SD_ENOTFOUND, SD_E*. */
int sd_pki_stored_cert(sd_pki_t *pki, int64_t id, sd_pki_stored_cert_t *out);

/*
 * Register (replacing any) and pin certificate c for registration id of tenant, audited as
 * "<one>.certificate" ("app" / "gw") with {fingerprint, subject, not_after} in the same
 * transaction. c must be checked by the caller (sd_cms_cert_check). Its PEM is read back before
 * anything is stored: SD_EFIELD (nothing stored) when it does not parse to the same fingerprint.
 * 0 or SD_E*.
 */
int sd_pki_register_cert(sd_pki_t *pki, const sd_principal_t *who, int64_t tenant, int64_t id,
                         const char *one, const sd_cms_cert_t *c);

/* Remove registration id's certificate and its pin, audited "<one>.certificate_remove".
 * SD_ENOTFOUND when none is registered. */
int sd_pki_remove_cert(sd_pki_t *pki, const sd_principal_t *who, int64_t tenant, int64_t id,
                       const char *one);

#endif
