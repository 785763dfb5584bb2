/* portal_cert.h - TLS client certificates of portal terminals, issued by the platform CA. */
#ifndef SD_PF_PORTAL_CERT_H
#define SD_PF_PORTAL_CERT_H

#include <stdint.h>

#include "pf/pf.h"
#include "pf/protect/pki.h"

/*
 * A tenant may require that its users' portal requests come over TLS with a client certificate
 * the platform CA issued for that tenant and that is not revoked (issue 11). The HTTP layer
 * verifies the certificate against the CA (http.client_ca = the platform's ca.crt); this module
 * keeps the switch (table tenant_portal_certs, cached) and what was issued (portal_certs: the
 * fingerprint, never the key, which goes to the terminal once).
 */

/* What an issue returns: all malloc'ed, freed with sd_portal_cert_clear(). */
typedef struct {
    int64_t id;
    char fingerprint[65];
    char subject[256];
    int64_t not_after_ms;
    char *cert_pem;   /* the certificate, then the issuing CA */
    char *key_pem;    /* PKCS#8, unencrypted: for curl --cert / --key */
    char *pkcs12_b64; /* PKCS#12 of key, certificate and CA, base64, under p12_password */
    char p12_password[33];
} sd_portal_cert_t;

void sd_portal_cert_clear(sd_portal_cert_t *c); /* wipes the key */

/*
 * Issue a certificate (CN = "<login> portal", valid days) for user of tenant/org, recorded with
 * its audit "user.portal_cert" in one transaction. 0, SD_EINVAL or SD_E*.
 */
int sd_portal_cert_issue(sd_pki_t *pki, const sd_principal_t *who, const sd_scope_t *user,
                         const char *login, int days, sd_portal_cert_t *out);

/* The scope (tenant, org, user) of issued certificate id. 0, SD_ENOTFOUND, SD_E*. */
int sd_portal_cert_scope(sd_pki_t *pki, int64_t id, sd_scope_t *out);

/* Revoke certificate id (of tenant), audited "user.portal_cert_revoke". SD_ENOTFOUND when
 * already revoked or unknown. */
int sd_portal_cert_revoke(sd_pki_t *pki, const sd_principal_t *who, int64_t tenant, int64_t id);

/* Every issued certificate: rows {id, tenant_id, org_id, user_id, fingerprint, subject,
 * not_after, created_at, revoked_at (0 = valid)} with their scope, by id. */
int sd_portal_cert_list(sd_pki_t *pki, sd_pf_items_t *out);

/* The tenant's switch: set (audited "tenant.portal_certs"), read (cached, thread-safe). */
int sd_portal_cert_set_required(sd_pki_t *pki, const sd_principal_t *who, int64_t tenant,
                                int required);
int sd_portal_cert_required(sd_pki_t *pki, int64_t tenant);

/*
 * May a request of tenant come with the verified client certificate of SHA-256 fingerprint fp?
 * 0, or SD_ENOCERT with why (unknown, revoked, issued for another tenant), or a store error.
 */
int sd_portal_cert_check(sd_pki_t *pki, int64_t tenant, const char *fp, char *why, size_t n);

#endif
