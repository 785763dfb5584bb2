/* cms.c - X.509 certificates and CMS (RFC 5652) payload protection over OpenSSL 3. */
#define _GNU_SOURCE /* memmem */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/err.h"
#include "core/utf8.h"
#include "pf/protect/cms.h"

struct sd_cms_cert {
    X509 *x;
};

struct sd_cms_id {
    sd_cms_cert_t cert;
    EVP_PKEY *key;
};

/* A failure's reason for the client; OpenSSL's own queue is dropped so that it never leaks
 * into a later, unrelated call on this thread. */
static int fail_why(int rc, char *why, size_t n, const char *msg)
{
    ERR_clear_error();
    if (why && n)
        snprintf(why, n, "%s", msg);
    return rc;
}

static int bio_to_buf(BIO *b, sd_buf_t *out)
{
    char *p = NULL;
    long n = BIO_get_mem_data(b, &p);
    if (n < 0)
        return SD_EINTERNAL;
    return n == 0 ? 0 : sd_buf_append(out, p, (size_t)n);
}

/* ---- certificates ------------------------------------------------------------------------- */

static int cert_wrap(X509 *x, sd_cms_cert_t **out)
{
    sd_cms_cert_t *c = calloc(1, sizeof *c);
    if (!c) {
        X509_free(x);
        return SD_ENOMEM;
    }
    c->x = x;
    *out = c;
    return 0;
}

/*
 * One DER certificate that must use every byte and be DER, not merely BER: OpenSSL reads
 * indefinite or long-form lengths too, but stores and fingerprints its own re-encoding, so the
 * certificate kept (and its pin) would not be the bytes the client sent and checked.
 */
static X509 *der_cert(const unsigned char *p, size_t len)
{
    const unsigned char *q = p;
    if (len > SD_CMS_MAX_INPUT)
        return NULL;
    X509 *x = d2i_X509(NULL, &q, (long)len);
    if (x && q != p + len) {
        X509_free(x);
        x = NULL;
    }
    unsigned char *re = NULL;
    int n = x ? i2d_X509(x, &re) : 0;
    if (x && (n <= 0 || (size_t)n != len || memcmp(re, p, len) != 0)) {
        X509_free(x);
        x = NULL;
    }
    OPENSSL_free(re);
    return x;
}

int sd_cms_cert_parse(const void *data, size_t len, sd_cms_cert_t **out, char *why, size_t n)
{
    *out = NULL;
    if (!data || len == 0)
        return fail_why(SD_ESYNTAX, why, n, "empty: expected a PEM or DER certificate");
    if (len > SD_CMS_MAX_INPUT)
        return fail_why(SD_ETOOBIG, why, n, "too large for a certificate");
    /* DER is one SEQUENCE (0x30) and PEM is text: decide by the first byte, not by searching,
     * since a DER certificate's names may hold "-----BEGIN ", "-----END" or "PRIVATE KEY" */
    if (*(const unsigned char *)data != 0x30 && memmem(data, len, "PRIVATE KEY", 11))
        return fail_why(SD_ESYNTAX, why, n,
                        "contains a private key: send only the certificate, keep the key");
    if (*(const unsigned char *)data == 0x30 || !memmem(data, len, "-----BEGIN ", 11)) {
        X509 *x = der_cert(data, len);
        if (!x)
            return fail_why(
                SD_ESYNTAX, why, n,
                "not a PEM or DER X.509 certificate (BER or non-canonical DER is refused)");
        return cert_wrap(x, out);
    }
    BIO *b = BIO_new_mem_buf(data, (int)len);
    if (!b)
        return SD_ENOMEM;
    X509 *x = NULL;
    int rc = 0, certs = 0;
    for (;;) {
        char *name = NULL, *hdr = NULL;
        unsigned char *d = NULL;
        long dl = 0;
        if (!PEM_read_bio(b, &name, &hdr, &d, &dl)) {
            unsigned long e = ERR_peek_last_error();
            if (ERR_GET_LIB(e) != ERR_LIB_PEM || ERR_GET_REASON(e) != PEM_R_NO_START_LINE)
                rc = fail_why(SD_ESYNTAX, why, n, "malformed PEM (bad base64 or END line)");
            break;
        }
        if (strcmp(name, "CERTIFICATE") != 0) {
            char msg[96];
            snprintf(msg, sizeof msg, "unexpected PEM block \"%.40s\": send one CERTIFICATE", name);
            rc = fail_why(SD_ESYNTAX, why, n, msg);
        } else if (++certs > 1) {
            rc = fail_why(SD_ESYNTAX, why, n, "more than one certificate: send only your own");
        } else if (!(x = der_cert(d, (size_t)dl))) {
            rc = fail_why(SD_ESYNTAX, why, n,
                          "the CERTIFICATE block is not a valid, canonical X.509 DER");
        }
        OPENSSL_free(name);
        OPENSSL_free(hdr);
        OPENSSL_free(d);
        if (rc)
            break;
    }
    ERR_clear_error();
    BIO_free(b);
    if (rc == 0 && !x)
        rc = fail_why(SD_ESYNTAX, why, n, "no CERTIFICATE block found");
    if (rc) {
        X509_free(x);
        return rc;
    }
    return cert_wrap(x, out);
}

void sd_cms_cert_free(sd_cms_cert_t *c)
{
    if (!c)
        return;
    X509_free(c->x);
    free(c);
}

int sd_cms_cert_pem(const sd_cms_cert_t *c, sd_buf_t *out)
{
    BIO *b = BIO_new(BIO_s_mem());
    int rc = b && PEM_write_bio_X509(b, c->x) ? bio_to_buf(b, out) : SD_ENOMEM;
    BIO_free(b);
    ERR_clear_error();
    return rc;
}

void sd_cms_cert_fingerprint(const sd_cms_cert_t *c, char hex[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int ml = 0;
    hex[0] = '\0';
    if (!X509_digest(c->x, EVP_sha256(), md, &ml) || ml != 32) {
        ERR_clear_error();
        return;
    }
    for (unsigned i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

static int64_t asn1_ms(const ASN1_TIME *t)
{
    struct tm tm;
    if (!t || !ASN1_TIME_to_tm(t, &tm))
        return 0;
    return (int64_t)timegm(&tm) * 1000;
}

static void name_str(const X509_NAME *nm, char *out, size_t n)
{
    out[0] = '\0';
    BIO *b = BIO_new(BIO_s_mem());
    if (!b)
        return;
    X509_NAME_print_ex(b, nm, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    char *p = NULL;
    long l = BIO_get_mem_data(b, &p);
    snprintf(out, n, "%.*s", (int)(l > 0 ? l : 0), p ? p : "");
    BIO_free(b);
    /* names go into JSON and the store: whatever is not UTF-8 (a malformed string, or a
     * sequence cut by the truncation above) becomes '?' */
    size_t len = strlen(out), off;
    while ((off = sd_utf8_check(out, len)) < len)
        out[off] = '?';
}

int sd_cms_cert_info(const sd_cms_cert_t *c, sd_cms_cert_info_t *o)
{
    memset(o, 0, sizeof *o);
    X509 *x = c->x;
    name_str(X509_get_subject_name(x), o->subject, sizeof o->subject);
    name_str(X509_get_issuer_name(x), o->issuer, sizeof o->issuer);
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
    char *hx = bn ? BN_bn2hex(bn) : NULL;
    snprintf(o->serial, sizeof o->serial, "%s", hx ? hx : "");
    OPENSSL_free(hx);
    BN_free(bn);
    o->not_before = asn1_ms(X509_get0_notBefore(x));
    o->not_after = asn1_ms(X509_get0_notAfter(x));
    EVP_PKEY *pk = X509_get0_pubkey(x);
    int kt = pk ? EVP_PKEY_get_base_id(pk) : 0;
    if (kt == EVP_PKEY_RSA) {
        snprintf(o->key, sizeof o->key, "RSA-%d", EVP_PKEY_get_bits(pk));
    } else if (kt == EVP_PKEY_EC) {
        char g[32] = "";
        size_t gl = 0;
        EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, g, sizeof g, &gl);
        const char *nist = !strcmp(g, "prime256v1")  ? "P-256"
                           : !strcmp(g, "secp384r1") ? "P-384"
                           : !strcmp(g, "secp521r1") ? "P-521"
                                                     : g;
        snprintf(o->key, sizeof o->key, "EC-%.16s", nist);
    } else {
        snprintf(o->key, sizeof o->key, "%s", pk ? "other" : "none");
    }
    uint32_t ku = X509_get_key_usage(x); /* UINT32_MAX when the extension is absent */
    o->can_sign = (ku & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)) != 0;
    o->can_encrypt = kt == EVP_PKEY_RSA  ? (ku & KU_KEY_ENCIPHERMENT) != 0
                     : kt == EVP_PKEY_EC ? (ku & KU_KEY_AGREEMENT) != 0
                                         : 0;
    ERR_clear_error();
    return 0;
}

int sd_cms_cert_check(const sd_cms_cert_t *c, int64_t now_ms, char *why, size_t n)
{
    sd_cms_cert_info_t in;
    sd_cms_cert_info(c, &in);
    char msg[160];
    if (now_ms < in.not_before)
        return fail_why(SD_EFIELD, why, n, "not valid yet (notBefore is in the future)");
    if (now_ms >= in.not_after)
        return fail_why(SD_EEXPIRED, why, n, "expired (notAfter is in the past)");
    int ok_key =
        !strcmp(in.key, "EC-P-256") || !strcmp(in.key, "EC-P-384") || !strcmp(in.key, "EC-P-521");
    if (!strncmp(in.key, "RSA-", 4))
        ok_key = atoi(in.key + 4) >= 2048;
    if (!ok_key) {
        snprintf(msg, sizeof msg,
                 "key %s not accepted: RSA of 2048 bits or more, or EC P-256/384/521", in.key);
        return fail_why(SD_EFIELD, why, n, msg);
    }
    if (!in.can_sign)
        return fail_why(SD_EFIELD, why, n, "key usage does not allow digitalSignature");
    return 0;
}

/* ---- identities --------------------------------------------------------------------------- */

static int add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
    int ok = e && X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
    return ok;
}

/* A CA (ca NULL) or a leaf with extended key usage eku; san non-NULL adds subjectAltNames (a TLS
 * server). */
static int id_new(const sd_cms_id_t *ca, const char *cn, const char *san, const char *eku,
                  int64_t now_ms, int days, sd_cms_id_t **out)
{
    *out = NULL;
    if (!cn || !*cn || days <= 0)
        return SD_EINVAL;
    EVP_PKEY *k = EVP_RSA_gen(2048);
    X509 *x = X509_new();
    BIGNUM *bn = NULL;
    unsigned char rnd[16];
    int ok = k && x && X509_set_version(x, 2) && RAND_bytes(rnd, sizeof rnd) == 1;
    if (ok) {
        rnd[0] &= 0x7f; /* a positive serial */
        ok = (bn = BN_bin2bn(rnd, sizeof rnd, NULL)) &&
             BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
    }
    time_t t = (time_t)(now_ms / 1000);
    /* five minutes back: a peer whose clock is a little behind still accepts it */
    ok = ok && X509_time_adj_ex(X509_getm_notBefore(x), 0, -300, &t) &&
         X509_time_adj_ex(X509_getm_notAfter(x), days, 0, &t) && X509_set_pubkey(x, k);
    X509_NAME *nm = ok ? X509_get_subject_name(x) : NULL;
    ok =
        ok &&
        X509_NAME_add_entry_by_txt(nm, "O", MBSTRING_UTF8, (const unsigned char *)"suido", -1, -1,
                                   0) &&
        X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0) &&
        X509_set_issuer_name(x, ca ? X509_get_subject_name(ca->cert.x) : nm);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, ca ? ca->cert.x : x, x, NULL, NULL, 0);
    if (ok && !ca)
        ok = add_ext(x, &ctx, NID_basic_constraints, "critical,CA:TRUE") &&
             add_ext(x, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign") &&
             add_ext(x, &ctx, NID_subject_key_identifier, "hash") &&
             add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always");
    else if (ok)
        ok = add_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE") &&
             add_ext(x, &ctx, NID_key_usage, "critical,digitalSignature,keyEncipherment") &&
             add_ext(x, &ctx, NID_ext_key_usage, eku) &&
             (!san || add_ext(x, &ctx, NID_subject_alt_name, san)) &&
             add_ext(x, &ctx, NID_subject_key_identifier, "hash") &&
             add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always");
    ok = ok && X509_sign(x, ca ? ca->key : k, EVP_sha256()) > 0;
    BN_free(bn);
    sd_cms_id_t *id = ok ? calloc(1, sizeof *id) : NULL;
    if (!id) {
        EVP_PKEY_free(k);
        X509_free(x);
        ERR_clear_error();
        return ok ? SD_ENOMEM : SD_EINTERNAL;
    }
    id->cert.x = x;
    id->key = k;
    *out = id;
    return 0;
}

int sd_cms_id_new(const sd_cms_id_t *ca, const char *cn, int64_t now_ms, int days,
                  sd_cms_id_t **out)
{
    return id_new(ca, cn, NULL, "emailProtection", now_ms, days, out);
}

int sd_cms_id_new_client(const sd_cms_id_t *ca, const char *cn, int64_t now_ms, int days,
                         sd_cms_id_t **out)
{
    if (!ca)
        return SD_EINVAL;
    return id_new(ca, cn, NULL, "clientAuth", now_ms, days, out);
}

int sd_cms_id_new_tls_server(const sd_cms_id_t *ca, const char *cn, const char *san, int64_t now_ms,
                             int days, sd_cms_id_t **out)
{
    *out = NULL;
    if (!ca || !san || !*san)
        return SD_EINVAL;
    return id_new(ca, cn, san, "serverAuth", now_ms, days, out);
}

int sd_cms_id_load(const void *cert_pem, size_t cert_len, const void *key_pem, size_t key_len,
                   sd_cms_id_t **out)
{
    *out = NULL;
    BIO *cb = BIO_new_mem_buf(cert_pem, (int)cert_len);
    BIO *kb = BIO_new_mem_buf(key_pem, (int)key_len);
    X509 *x = cb ? PEM_read_bio_X509(cb, NULL, NULL, NULL) : NULL;
    EVP_PKEY *k = kb ? PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL) : NULL;
    BIO_free(cb);
    BIO_free(kb);
    sd_cms_id_t *id = NULL;
    int rc = x && k && X509_check_private_key(x, k) ? 0 : SD_ESYNTAX;
    if (rc == 0 && !(id = calloc(1, sizeof *id)))
        rc = SD_ENOMEM;
    ERR_clear_error();
    if (rc) {
        X509_free(x);
        EVP_PKEY_free(k);
        return rc;
    }
    id->cert.x = x;
    id->key = k;
    *out = id;
    return 0;
}

int sd_cms_id_key_pem(const sd_cms_id_t *id, sd_buf_t *out)
{
    BIO *b = BIO_new(BIO_s_mem());
    int rc = b && PEM_write_bio_PrivateKey(b, id->key, NULL, NULL, 0, NULL, NULL)
                 ? bio_to_buf(b, out)
                 : SD_ENOMEM;
    if (b) {
        char *p = NULL;
        long l = BIO_get_mem_data(b, &p);
        if (p && l > 0)
            OPENSSL_cleanse(p, (size_t)l);
    }
    BIO_free(b);
    ERR_clear_error();
    return rc;
}

int sd_cms_id_pkcs12(const sd_cms_id_t *id, const sd_cms_cert_t *ca, const char *name,
                     const char *pass, sd_buf_t *out)
{
    STACK_OF(X509) *chain = sk_X509_new_null();
    if (!chain || (ca && !sk_X509_push(chain, ca->x))) {
        sk_X509_free(chain);
        return SD_ENOMEM;
    }
    /* OpenSSL 3 defaults: AES-256-CBC with PBKDF2, which browsers and NSS import */
    PKCS12 *p = PKCS12_create(pass, name, id->key, id->cert.x, chain, 0, 0, 0, 0, 0);
    sk_X509_free(chain);
    unsigned char *der = NULL;
    int n = p ? i2d_PKCS12(p, &der) : -1;
    int rc = n > 0 && sd_buf_append(out, der, (size_t)n) == 0 ? 0 : SD_EINTERNAL;
    OPENSSL_free(der);
    PKCS12_free(p);
    ERR_clear_error();
    return rc;
}

const sd_cms_cert_t *sd_cms_id_cert(const sd_cms_id_t *id)
{
    return &id->cert;
}

void sd_cms_id_free(sd_cms_id_t *id)
{
    if (!id)
        return;
    X509_free(id->cert.x);
    EVP_PKEY_free(id->key);
    free(id);
}

/* ---- CMS ---------------------------------------------------------------------------------- */

static int cms_der(CMS_ContentInfo *cms, sd_buf_t *out)
{
    int n = cms ? i2d_CMS_ContentInfo(cms, NULL) : -1;
    if (n <= 0)
        return SD_EINTERNAL;
    if (sd_buf_reserve(out, (size_t)n))
        return SD_ENOMEM;
    unsigned char *p = (unsigned char *)out->data + out->len;
    if (i2d_CMS_ContentInfo(cms, &p) != n)
        return SD_EINTERNAL;
    out->len += (size_t)n;
    return 0;
}

int sd_cms_sign(const sd_cms_id_t *id, const void *data, size_t len, sd_buf_t *out)
{
    if (len > SD_CMS_MAX_INPUT)
        return SD_ETOOBIG;
    BIO *in = BIO_new_mem_buf(len ? data : "", (int)len);
    /* CMS_BINARY: the JSON is signed byte for byte, never MIME-canonicalised (CRLF) */
    CMS_ContentInfo *cms =
        in ? CMS_sign(id->cert.x, id->key, NULL, in, CMS_BINARY | CMS_NOSMIMECAP) : NULL;
    int rc = in ? cms_der(cms, out) : SD_ENOMEM;
    CMS_ContentInfo_free(cms);
    BIO_free(in);
    ERR_clear_error();
    return rc;
}

int sd_cms_encrypt(const sd_cms_cert_t *to, const void *data, size_t len, sd_buf_t *out)
{
    if (len > SD_CMS_MAX_INPUT)
        return SD_ETOOBIG;
    BIO *in = BIO_new_mem_buf(len ? data : "", (int)len);
    STACK_OF(X509) *sk = sk_X509_new_null();
    CMS_ContentInfo *cms = NULL;
    int rc = SD_ENOMEM;
    if (in && sk && sk_X509_push(sk, to->x)) {
        cms = CMS_encrypt(sk, in, EVP_aes_256_cbc(), CMS_BINARY);
        rc = cms_der(cms, out);
    }
    CMS_ContentInfo_free(cms);
    sk_X509_free(sk);
    BIO_free(in);
    ERR_clear_error();
    return rc;
}

int sd_cms_wrap(const sd_cms_id_t *id, const sd_cms_cert_t *to, const void *data, size_t len,
                sd_buf_t *out)
{
    if (!to)
        return sd_cms_sign(id, data, len, out);
    sd_buf_t s = {0};
    int rc = sd_cms_sign(id, data, len, &s);
    if (rc == 0)
        rc = sd_cms_encrypt(to, s.data, s.len, out);
    sd_buf_free(&s);
    return rc;
}

/* A whole DER ContentInfo, or NULL. */
static CMS_ContentInfo *cms_parse(const void *der, size_t len)
{
    const unsigned char *p = der;
    CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)len);
    if (cms && p != (const unsigned char *)der + len) {
        CMS_ContentInfo_free(cms);
        cms = NULL;
    }
    return cms;
}

static int verify(CMS_ContentInfo *cms, const sd_cms_cert_t *signer, sd_buf_t *out, char *why,
                  size_t n)
{
    STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
    int nsi = sis ? sk_CMS_SignerInfo_num(sis) : 0;
    if (nsi < 1)
        return fail_why(SD_ESYNTAX, why, n, "SignedData without a signer");
    if (nsi > 1)
        return fail_why(SD_ESIGNER, why, n, "several signers: exactly one is accepted");
    ASN1_OCTET_STRING **content = CMS_get0_content(cms);
    if (!content || !*content)
        return fail_why(SD_ESYNTAX, why, n, "detached signature: attach the content (-nodetach)");
    if (!signer)
        return fail_why(SD_ENOCERT, why, n, "signed, but no certificate is registered to verify");
    if (CMS_SignerInfo_cert_cmp(sk_CMS_SignerInfo_value(sis, 0), signer->x) != 0)
        return fail_why(SD_ESIGNER, why, n,
                        "signed by a certificate other than the one registered for the caller");
    STACK_OF(X509) *certs = sk_X509_new_null();
    BIO *mem = BIO_new(BIO_s_mem());
    if (!certs || !mem || !sk_X509_push(certs, signer->x)) {
        sk_X509_free(certs);
        BIO_free(mem);
        return SD_ENOMEM;
    }
    /* NOINTERN: only the registered certificate may be the signer, whatever the message carries;
     * NO_SIGNER_CERT_VERIFY: it is pinned by the registration, so no chain is built */
    int ok = CMS_verify(cms, certs, NULL, NULL, mem,
                        CMS_NOINTERN | CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY);
    int rc = ok ? bio_to_buf(mem, out)
                : fail_why(SD_EBADSIG, why, n, "signature does not verify (content altered?)");
    sk_X509_free(certs);
    BIO_free(mem);
    ERR_clear_error();
    return rc;
}

int sd_cms_unwrap(const sd_cms_id_t *me, const sd_cms_cert_t *signer, const void *der, size_t len,
                  unsigned need, sd_buf_t *out, unsigned *got, char *why, size_t n)
{
    unsigned have = 0;
    size_t start = out->len;
    if (got)
        *got = 0;
    if (why && n)
        why[0] = '\0';
    if (len > SD_CMS_MAX_INPUT)
        return fail_why(SD_ETOOBIG, why, n, "CMS message too large");
    CMS_ContentInfo *cms = der && len ? cms_parse(der, len) : NULL;
    if (!cms)
        return fail_why(SD_ESYNTAX, why, n,
                        "not a DER CMS ContentInfo (truncated, trailing bytes, or PEM/base64?)");
    int nid = OBJ_obj2nid(CMS_get0_type(cms));
    int rc = 0;
    sd_buf_t inner = {0};
    if (nid == NID_pkcs7_enveloped || nid == NID_id_smime_ct_authEnvelopedData) {
        BIO *mem = BIO_new(BIO_s_mem());
        if (!mem) {
            rc = SD_ENOMEM;
        } else if (!me || !CMS_decrypt(cms, me->key, me->cert.x, NULL, mem, CMS_BINARY)) {
            rc = fail_why(SD_EDECRYPT, why, n,
                          "cannot decrypt: not encrypted to the platform certificate, or corrupt");
        } else {
            rc = bio_to_buf(mem, &inner);
            have |= SD_CMS_ENCRYPTED;
        }
        BIO_free(mem);
        CMS_ContentInfo_free(cms);
        cms = NULL;
        if (rc == 0) {
            /* sign-then-encrypt: the plaintext is itself a SignedData, else plain content */
            cms = inner.len ? cms_parse(inner.data, inner.len) : NULL;
            if (cms && OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed)
                rc = fail_why(SD_ESYNTAX, why, n, "encrypted content is CMS but not SignedData");
            else if (!cms)
                rc = sd_buf_append(out, inner.data ? inner.data : "", inner.len);
        }
        ERR_clear_error();
    } else if (nid != NID_pkcs7_signed) {
        char msg[96];
        snprintf(msg, sizeof msg, "CMS content type %s: expected signed-data or enveloped-data",
                 OBJ_nid2sn(nid));
        rc = fail_why(SD_ESYNTAX, why, n, msg);
    }
    if (rc == 0 && cms) {
        rc = verify(cms, signer, out, why, n);
        if (rc == 0)
            have |= SD_CMS_SIGNED;
    }
    CMS_ContentInfo_free(cms);
    if (inner.data)
        OPENSSL_cleanse(inner.data, inner.cap);
    sd_buf_free(&inner);
    if (rc == 0 && (need & ~have)) {
        rc = fail_why(SD_EPROTECTION, why, n,
                      (need & ~have) & SD_CMS_SIGNED
                          ? "this tenant requires the content to be signed (SignedData)"
                          : "this tenant requires the signed content to be encrypted "
                            "(EnvelopedData to the platform certificate)");
    }
    if (rc == 0 && got)
        *got = have;
    if (rc && out->len > start) {
        /* never hand back half-checked content */
        OPENSSL_cleanse(out->data + start, out->len - start);
        out->len = start;
    }
    return rc;
}
