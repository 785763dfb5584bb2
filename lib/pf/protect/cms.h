/* cms.h - X.509 certificates and CMS (RFC 5652) payload protection over OpenSSL 3. */
#ifndef SD_PF_CMS_H
#define SD_PF_CMS_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

/*
 * What suido's payload protection (§2.5, docs/payload-protection.md) is built from, without a
 * store or HTTP: parsing and checking a client's certificate, making the platform's CA and
 * signing/encryption identity, and wrapping a payload as CMS in DER:
 *   signed            SignedData (SHA-256, content attached, signer certificate included)
 *   signed_encrypted  EnvelopedData (AES-256-CBC, key transport to the recipient certificate)
 *                     whose content is the DER of the SignedData above: sign, then encrypt.
 * Exactly what `openssl cms -sign -outform DER -nodetach` piped into `openssl cms -encrypt
 * -aes256 -outform DER` makes, and what `openssl cms -decrypt` / `-verify` read back.
 * Thread-safe: the objects are immutable once made and may be shared between threads.
 */

typedef struct sd_cms_cert sd_cms_cert_t; /* one X.509 certificate */
typedef struct sd_cms_id sd_cms_id_t;     /* a certificate and its private key */

/* ---- certificates ------------------------------------------------------------------------- */

/*
 * Parse one certificate: PEM with exactly one CERTIFICATE block (text around it is ignored), or
 * DER. SD_ESYNTAX with a reason in why (may be NULL, n bytes) for anything else: no certificate,
 * two (a chain), trailing bytes inside the DER, a private key in the input (refused so that a
 * key pasted by mistake is never stored). SD_ENOMEM.
 */
int sd_cms_cert_parse(const void *data, size_t len, sd_cms_cert_t **out, char *why, size_t n);
void sd_cms_cert_free(sd_cms_cert_t *c); /* NULL-safe */

/* The certificate as PEM (appended to out). 0 or SD_ENOMEM. */
int sd_cms_cert_pem(const sd_cms_cert_t *c, sd_buf_t *out);

/* SHA-256 of the DER as 64 lowercase hex digits (what clients.cert_fp holds). */
void sd_cms_cert_fingerprint(const sd_cms_cert_t *c, char hex[65]);

typedef struct {
    char subject[256]; /* RFC 2253, e.g. "CN=gw-01,O=Vendor" */
    char issuer[256];
    char serial[80];    /* hex */
    int64_t not_before; /* Unix ms */
    int64_t not_after;  /* Unix ms */
    char key[24];       /* "RSA-2048", "EC-P-256", ... */
    int can_sign;       /* key usage allows digitalSignature (or has no key usage) */
    int can_encrypt;    /* ... allows keyEncipherment (RSA) / keyAgreement (EC) */
} sd_cms_cert_info_t;

int sd_cms_cert_info(const sd_cms_cert_t *c, sd_cms_cert_info_t *out);

/*
 * Is c fit to be a client's protection certificate at now_ms: within its validity, an RSA key of
 * at least 2048 bits or an EC key on P-256/P-384/P-521, key usage allowing digitalSignature,
 * not a CA. 0, or SD_EFIELD / SD_EEXPIRED with the reason in why.
 */
int sd_cms_cert_check(const sd_cms_cert_t *c, int64_t now_ms, char *why, size_t n);

/* ---- identities (the platform's CA and its PF certificate) -------------------------------- */

/*
 * A new RSA-2048 identity valid from now_ms for days. ca NULL: a self-signed CA (basic
 * constraints CA:TRUE, keyCertSign). Otherwise a leaf issued by ca for signing and encryption
 * (digitalSignature, keyEncipherment, extended key usage emailProtection so that S/MIME tools
 * accept it). cn is the subject's common name. 0, SD_EINVAL or SD_EINTERNAL.
 */
int sd_cms_id_new(const sd_cms_id_t *ca, const char *cn, int64_t now_ms, int days,
                  sd_cms_id_t **out);

/*
 * A TLS server certificate issued by ca (extended key usage serverAuth), e.g. for the managed MQTT
 * broker: san is the subjectAltName list as OpenSSL writes it, "DNS:localhost,IP:127.0.0.1".
 * 0, SD_EINVAL (no ca or san, or a bad san) or SD_EINTERNAL.
 */
int sd_cms_id_new_tls_server(const sd_cms_id_t *ca, const char *cn, const char *san, int64_t now_ms,
                             int days, sd_cms_id_t **out);

/* The same leaf for TLS client authentication (extended key usage clientAuth): a portal
 * terminal's certificate (portal_cert.h). ca must not be NULL. */
int sd_cms_id_new_client(const sd_cms_id_t *ca, const char *cn, int64_t now_ms, int days,
                         sd_cms_id_t **out);

/* An identity from a PEM certificate and a PEM private key that must match it. SD_ESYNTAX. */
int sd_cms_id_load(const void *cert_pem, size_t cert_len, const void *key_pem, size_t key_len,
                   sd_cms_id_t **out);

/* The private key as unencrypted PKCS#8 PEM, for the caller to seal (append to out). */
int sd_cms_id_key_pem(const sd_cms_id_t *id, sd_buf_t *out);

/* The identity's certificate (borrowed from id). */
/* The identity as PKCS#12 DER (its key, its certificate, then ca if not NULL) under pass, with
 * friendly name name; appended to out. 0 or SD_EINTERNAL. */
int sd_cms_id_pkcs12(const sd_cms_id_t *id, const sd_cms_cert_t *ca, const char *name,
                     const char *pass, sd_buf_t *out);
const sd_cms_cert_t *sd_cms_id_cert(const sd_cms_id_t *id);
void sd_cms_id_free(sd_cms_id_t *id); /* NULL-safe */

/* ---- CMS ---------------------------------------------------------------------------------- */

/* SignedData by id over data (content attached), DER appended to out. 0, SD_ENOMEM, SD_EINTERNAL */
int sd_cms_sign(const sd_cms_id_t *id, const void *data, size_t len, sd_buf_t *out);

/* EnvelopedData to the certificate to (AES-256-CBC), DER appended to out. */
int sd_cms_encrypt(const sd_cms_cert_t *to, const void *data, size_t len, sd_buf_t *out);

/* sd_cms_sign() then sd_cms_encrypt() when to is not NULL. */
int sd_cms_wrap(const sd_cms_id_t *id, const sd_cms_cert_t *to, const void *data, size_t len,
                sd_buf_t *out);

/* What a CMS message was (bits of *got) and what the receiver requires (need). */
#define SD_CMS_SIGNED    0x1u
#define SD_CMS_ENCRYPTED 0x2u

/* Nesting and size limits of sd_cms_unwrap(). */
#define SD_CMS_MAX_INPUT (16u << 20)

/*
 * Unwrap a DER CMS message received from the holder of signer: EnvelopedData (or RFC 5083
 * AuthEnvelopedData, e.g. AES-256-GCM) is decrypted with me, and its content must then be a
 * SignedData; a SignedData must have exactly one signer, that signer must be signer (matched by
 * issuer and serial or subject key id), and the signature must verify. The signer's chain is not
 * built: the registration pins the certificate. The plain content is appended to out and the
 * layers found set in *got (may be NULL).
 * Errors, each precise: SD_ESYNTAX (not DER CMS, truncated, trailing bytes, a content type other
 * than signed/enveloped data, a detached signature, more nesting), SD_EDECRYPT (not encrypted to
 * me, or corrupt ciphertext), SD_ESIGNER (signed by another certificate, or several signers),
 * SD_EBADSIG (the signature or digest does not verify: tampered), SD_ENOCERT (signed, but signer
 * is NULL), SD_EPROTECTION (a layer in need is missing), SD_ETOOBIG, SD_ENOMEM. why (may be
 * NULL, n bytes) gets a one-line reason for the client.
 */
int sd_cms_unwrap(const sd_cms_id_t *me, const sd_cms_cert_t *signer, const void *der, size_t len,
                  unsigned need, sd_buf_t *out, unsigned *got, char *why, size_t n);

#endif
