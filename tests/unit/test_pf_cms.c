/* test_pf_cms.c - certificates and CMS: round trips, and each refusal with its precise error. */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/buf.h"
#include "core/err.h"
#include "pf/protect/cms.h"

#define NOW  INT64_C(1795000000000) /* 2026-11-18 */
#define DAYS 365

static const char MSG[] = "{\"samples\":[{\"data_id\":\"a.b\",\"ts\":\"2026-11-20T00:00:00Z\","
                          "\"value\":1.5}]}";

/* made once: RSA key generation is the slow part */
static sd_cms_id_t *ca, *pf, *cli, *other;

static int setup(void **state)
{
    (void)state;
    if (sd_cms_id_new(NULL, "test CA", NOW, 3650, &ca) || sd_cms_id_new(ca, "PF", NOW, DAYS, &pf) ||
        sd_cms_id_new(ca, "client", NOW, DAYS, &cli) ||
        sd_cms_id_new(NULL, "intruder", NOW, DAYS, &other))
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sd_cms_id_free(ca);
    sd_cms_id_free(pf);
    sd_cms_id_free(cli);
    sd_cms_id_free(other);
    return 0;
}

static const sd_cms_cert_t *C(const sd_cms_id_t *id)
{
    return sd_cms_id_cert(id);
}

static int unwrap(const sd_cms_id_t *me, const sd_cms_id_t *signer, const sd_buf_t *m,
                  unsigned need, sd_buf_t *out, unsigned *got)
{
    char why[160];
    sd_buf_reset(out);
    int rc = sd_cms_unwrap(me, signer ? C(signer) : NULL, m->data, m->len, need, out, got, why,
                           sizeof why);
    if (rc)
        assert_true(why[0] != '\0'); /* every refusal says why */
    return rc;
}

static void test_sign_round_trip(void **state)
{
    (void)state;
    sd_buf_t m = {0}, out = {0};
    unsigned got = 0;
    assert_int_equal(sd_cms_sign(cli, MSG, strlen(MSG), &m), 0);
    assert_int_equal(unwrap(pf, cli, &m, SD_CMS_SIGNED, &out, &got), 0);
    assert_int_equal(got, SD_CMS_SIGNED);
    assert_int_equal(out.len, strlen(MSG));
    assert_memory_equal(out.data, MSG, out.len);
    /* signed only, where encryption is required */
    assert_int_equal(unwrap(pf, cli, &m, SD_CMS_SIGNED | SD_CMS_ENCRYPTED, &out, &got),
                     SD_EPROTECTION);
    assert_int_equal(out.len, 0);
    /* no registered certificate to check it against */
    assert_int_equal(unwrap(pf, NULL, &m, SD_CMS_SIGNED, &out, &got), SD_ENOCERT);
    sd_buf_free(&m);
    sd_buf_free(&out);
}

static void test_sign_encrypt_round_trip(void **state)
{
    (void)state;
    sd_buf_t m = {0}, out = {0};
    unsigned got = 0;
    /* the client to the platform, and the platform back to the client */
    assert_int_equal(sd_cms_wrap(cli, C(pf), MSG, strlen(MSG), &m), 0);
    assert_int_equal(unwrap(pf, cli, &m, SD_CMS_SIGNED | SD_CMS_ENCRYPTED, &out, &got), 0);
    assert_int_equal(got, SD_CMS_SIGNED | SD_CMS_ENCRYPTED);
    assert_memory_equal(out.data, MSG, strlen(MSG));
    sd_buf_reset(&m);
    assert_int_equal(sd_cms_wrap(pf, C(cli), MSG, strlen(MSG), &m), 0);
    assert_int_equal(unwrap(cli, pf, &m, SD_CMS_SIGNED | SD_CMS_ENCRYPTED, &out, &got), 0);
    assert_memory_equal(out.data, MSG, strlen(MSG));
    /* encrypted but not signed */
    sd_buf_reset(&m);
    assert_int_equal(sd_cms_encrypt(C(pf), MSG, strlen(MSG), &m), 0);
    assert_int_equal(unwrap(pf, cli, &m, 0, &out, &got), 0);
    assert_int_equal(got, SD_CMS_ENCRYPTED);
    assert_int_equal(unwrap(pf, cli, &m, SD_CMS_SIGNED, &out, &got), SD_EPROTECTION);
    sd_buf_free(&m);
    sd_buf_free(&out);
}

static void test_tampered(void **state)
{
    (void)state;
    sd_buf_t m = {0}, out = {0};
    assert_int_equal(sd_cms_sign(cli, MSG, strlen(MSG), &m), 0);
    char *p = memmem(m.data, m.len, "1.5", 3);
    assert_non_null(p);
    p[0] = '9'; /* the value changed in transit */
    assert_int_equal(unwrap(pf, cli, &m, SD_CMS_SIGNED, &out, NULL), SD_EBADSIG);
    assert_int_equal(out.len, 0);
    sd_buf_free(&m);
    sd_buf_free(&out);
}

static void test_wrong_signer_and_recipient(void **state)
{
    (void)state;
    sd_buf_t m = {0}, out = {0};
    assert_int_equal(sd_cms_sign(other, MSG, strlen(MSG), &m), 0);
    assert_int_equal(unwrap(pf, cli, &m, SD_CMS_SIGNED, &out, NULL), SD_ESIGNER);
    sd_buf_reset(&m);
    /* encrypted to the client, not to the platform */
    assert_int_equal(sd_cms_wrap(cli, C(cli), MSG, strlen(MSG), &m), 0);
    assert_int_equal(unwrap(pf, cli, &m, SD_CMS_SIGNED, &out, NULL), SD_EDECRYPT);
    assert_int_equal(unwrap(NULL, cli, &m, SD_CMS_SIGNED, &out, NULL), SD_EDECRYPT);
    sd_buf_free(&m);
    sd_buf_free(&out);
}

static void test_malformed(void **state)
{
    (void)state;
    sd_buf_t m = {0}, out = {0};
    assert_int_equal(sd_cms_wrap(cli, C(pf), MSG, strlen(MSG), &m), 0);
    size_t full = m.len;
    for (size_t cut = 1; cut < full; cut += full / 7 + 1) {
        m.len = full - cut;
        assert_int_equal(unwrap(pf, cli, &m, 0, &out, NULL), SD_ESYNTAX);
    }
    m.len = full;
    sd_buf_append(&m, "x", 1); /* trailing garbage */
    assert_int_equal(unwrap(pf, cli, &m, 0, &out, NULL), SD_ESYNTAX);
    sd_buf_reset(&m);
    sd_buf_append(&m, MSG, strlen(MSG)); /* plain JSON is not CMS */
    assert_int_equal(unwrap(pf, cli, &m, 0, &out, NULL), SD_ESYNTAX);
    sd_buf_reset(&m);
    assert_int_equal(unwrap(pf, cli, &m, 0, &out, NULL), SD_ESYNTAX);
    sd_buf_free(&m);
    sd_buf_free(&out);
}

static void test_cert_parse(void **state)
{
    (void)state;
    sd_buf_t pem = {0}, two = {0}, key = {0};
    char why[160], fp[65], fp2[65];
    sd_cms_cert_t *c = NULL;
    assert_int_equal(sd_cms_cert_pem(C(cli), &pem), 0);
    assert_int_equal(sd_cms_cert_parse(pem.data, pem.len, &c, why, sizeof why), 0);
    sd_cms_cert_fingerprint(c, fp);
    sd_cms_cert_fingerprint(C(cli), fp2);
    assert_int_equal(strlen(fp), 64);
    assert_string_equal(fp, fp2);
    sd_cms_cert_info_t in;
    assert_int_equal(sd_cms_cert_info(c, &in), 0);
    assert_string_equal(in.key, "RSA-2048");
    assert_string_equal(in.subject, "CN=client,O=suido");
    assert_true(in.can_sign && in.can_encrypt);
    assert_int_equal(sd_cms_cert_check(c, NOW + 1000, why, sizeof why), 0);
    assert_int_equal(sd_cms_cert_check(c, NOW + INT64_C(400) * 86400000, why, sizeof why),
                     SD_EEXPIRED);
    assert_int_equal(sd_cms_cert_check(c, NOW - INT64_C(86400000), why, sizeof why), SD_EFIELD);
    sd_cms_cert_free(c);
    /* a chain, a key, garbage and broken PEM are refused */
    sd_buf_append(&two, pem.data, pem.len);
    sd_buf_append(&two, pem.data, pem.len);
    assert_int_equal(sd_cms_cert_parse(two.data, two.len, &c, why, sizeof why), SD_ESYNTAX);
    assert_non_null(strstr(why, "more than one"));
    assert_int_equal(sd_cms_id_key_pem(cli, &key), 0);
    sd_buf_append(&key, pem.data, pem.len);
    assert_int_equal(sd_cms_cert_parse(key.data, key.len, &c, why, sizeof why), SD_ESYNTAX);
    assert_non_null(strstr(why, "private key"));
    assert_int_equal(sd_cms_cert_parse("hello", 5, &c, why, sizeof why), SD_ESYNTAX);
    pem.data[pem.len / 2] = '*';
    assert_int_equal(sd_cms_cert_parse(pem.data, pem.len, &c, why, sizeof why), SD_ESYNTAX);
    assert_null(c);
    sd_buf_free(&pem);
    sd_buf_free(&two);
    sd_buf_free(&key);
}

/* The DER of c, through OpenSSL directly (cms.h hands out PEM only). */
static size_t der_of(const sd_cms_cert_t *c, unsigned char **der)
{
    sd_buf_t pem = {0};
    assert_int_equal(sd_cms_cert_pem(c, &pem), 0);
    BIO *b = BIO_new_mem_buf(pem.data, (int)pem.len);
    X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
    assert_non_null(x);
    *der = NULL;
    int n = i2d_X509(x, der);
    assert_true(n > 0);
    X509_free(x);
    BIO_free(b);
    sd_buf_free(&pem);
    return (size_t)n;
}

/* Parse bytes, write PEM, parse that: the same fingerprint, or abort the test. */
static void round_trips(const void *data, size_t len, const char *want_fp)
{
    sd_cms_cert_t *c = NULL, *again = NULL;
    char why[160] = "", fp[65], fp2[65];
    sd_buf_t pem = {0};
    if (sd_cms_cert_parse(data, len, &c, why, sizeof why) != 0)
        fail_msg("refused: %s", why);
    sd_cms_cert_fingerprint(c, fp);
    assert_string_equal(fp, want_fp);
    assert_int_equal(sd_cms_cert_pem(c, &pem), 0);
    assert_int_equal(sd_cms_cert_parse(pem.data, pem.len, &again, why, sizeof why), 0);
    sd_cms_cert_fingerprint(again, fp2);
    assert_string_equal(fp, fp2);
    sd_cms_cert_free(c);
    sd_cms_cert_free(again);
    sd_buf_free(&pem);
}

/*
 * Issue 11: a DER certificate whose names hold PEM armour ("-----BEGIN ", "-----END",
 * "PRIVATE KEY") was taken for PEM, and BER that OpenSSL re-encodes was accepted with a
 * fingerprint of bytes nobody sent. DER is told by its first byte and must be canonical.
 */
static void test_cert_der_armour_and_ber(void **state)
{
    (void)state;
    static const char *const cns[] = {"-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----",
                                      "x PRIVATE KEY -----END"};
    for (size_t i = 0; i < sizeof cns / sizeof *cns; i++) {
        sd_cms_id_t *id = NULL;
        assert_int_equal(sd_cms_id_new(ca, cns[i], NOW, DAYS, &id), 0);
        unsigned char *der = NULL;
        size_t n = der_of(sd_cms_id_cert(id), &der);
        assert_non_null(memmem(der, n, cns[i], strlen(cns[i])));
        char fp[65];
        sd_cms_cert_fingerprint(sd_cms_id_cert(id), fp);
        round_trips(der, n, fp);
        OPENSSL_free(der);
        sd_cms_id_free(id);
    }
    /* the same certificate as BER: indefinite and non-minimal outer lengths are refused */
    unsigned char *der = NULL;
    size_t n = der_of(C(cli), &der);
    assert_true(der[0] == 0x30 && der[1] == 0x82);
    unsigned char *ber = malloc(n + 3);
    assert_non_null(ber);
    ber[0] = 0x30;
    ber[1] = 0x80; /* indefinite length, closed by two zero bytes */
    memcpy(ber + 2, der + 4, n - 4);
    ber[n - 2] = ber[n - 1] = 0;
    char why[160] = "";
    sd_cms_cert_t *c = NULL;
    assert_int_equal(sd_cms_cert_parse(ber, n, &c, why, sizeof why), SD_ESYNTAX);
    assert_null(c);
    assert_non_null(strstr(why, "non-canonical"));
    ber[0] = 0x30;
    ber[1] = 0x83; /* a three-byte length where two do */
    ber[2] = 0;
    memcpy(ber + 3, der + 2, n - 2);
    assert_int_equal(sd_cms_cert_parse(ber, n + 1, &c, why, sizeof why), SD_ESYNTAX);
    assert_null(c);
    free(ber);
    OPENSSL_free(der);
}

static void test_id_load(void **state)
{
    (void)state;
    sd_buf_t pem = {0}, key = {0}, wrong = {0};
    sd_cms_id_t *id = NULL;
    assert_int_equal(sd_cms_cert_pem(C(pf), &pem), 0);
    assert_int_equal(sd_cms_id_key_pem(pf, &key), 0);
    assert_int_equal(sd_cms_id_load(pem.data, pem.len, key.data, key.len, &id), 0);
    sd_buf_t m = {0}, out = {0};
    assert_int_equal(sd_cms_wrap(cli, C(pf), MSG, strlen(MSG), &m), 0);
    assert_int_equal(unwrap(id, cli, &m, SD_CMS_SIGNED | SD_CMS_ENCRYPTED, &out, NULL), 0);
    sd_cms_id_free(id);
    /* a key that is not the certificate's */
    assert_int_equal(sd_cms_id_key_pem(cli, &wrong), 0);
    assert_int_equal(sd_cms_id_load(pem.data, pem.len, wrong.data, wrong.len, &id), SD_ESYNTAX);
    assert_null(id);
    sd_buf_free(&pem);
    sd_buf_free(&key);
    sd_buf_free(&wrong);
    sd_buf_free(&m);
    sd_buf_free(&out);
}

/* A TLS server certificate (the MQTT broker's): chains to the CA for the SSL server purpose and
 * carries the names given; the CMS leaf does not pass as a server. */
static void test_tls_server(void **st)
{
    (void)st;
    sd_cms_id_t *srv = NULL;
    assert_int_equal(
        sd_cms_id_new_tls_server(ca, "broker", "DNS:localhost,IP:127.0.0.1", NOW, DAYS, &srv), 0);
    sd_cms_id_t *bad = NULL;
    assert_int_equal(sd_cms_id_new_tls_server(NULL, "broker", "DNS:x", NOW, DAYS, &bad), SD_EINVAL);
    assert_int_equal(sd_cms_id_new_tls_server(ca, "broker", "", NOW, DAYS, &bad), SD_EINVAL);
    assert_int_equal(sd_cms_id_new_tls_server(ca, "broker", "nonsense", NOW, DAYS, &bad),
                     SD_EINTERNAL);
    const sd_cms_id_t *ids[] = {srv, pf};
    int want[] = {1, 0};
    for (int i = 0; i < 2; i++) {
        sd_buf_t a = {0}, c = {0};
        assert_int_equal(sd_cms_cert_pem(sd_cms_id_cert(ca), &a), 0);
        assert_int_equal(sd_cms_cert_pem(sd_cms_id_cert(ids[i]), &c), 0);
        BIO *ab = BIO_new_mem_buf(a.data, (int)a.len), *cb = BIO_new_mem_buf(c.data, (int)c.len);
        X509 *xa = PEM_read_bio_X509(ab, NULL, NULL, NULL),
             *xc = PEM_read_bio_X509(cb, NULL, NULL, NULL);
        assert_non_null(xa);
        assert_non_null(xc);
        X509_STORE *store = X509_STORE_new();
        X509_STORE_add_cert(store, xa);
        X509_STORE_CTX *ctx = X509_STORE_CTX_new();
        X509_STORE_CTX_init(ctx, store, xc, NULL);
        X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
        X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), (time_t)(NOW / 1000) + 86400);
        assert_int_equal(X509_verify_cert(ctx) == 1, want[i]);
        if (want[i]) {
            assert_int_equal(X509_check_host(xc, "localhost", 0, 0, NULL), 1);
            assert_int_equal(X509_check_ip_asc(xc, "127.0.0.1", 0), 1);
            assert_int_equal(X509_check_host(xc, "example.org", 0, 0, NULL), 0);
        }
        X509_STORE_CTX_free(ctx);
        X509_STORE_free(store);
        X509_free(xa);
        X509_free(xc);
        BIO_free(ab);
        BIO_free(cb);
        sd_buf_free(&a);
        sd_buf_free(&c);
    }
    sd_cms_id_free(srv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sign_round_trip),
        cmocka_unit_test(test_sign_encrypt_round_trip),
        cmocka_unit_test(test_tampered),
        cmocka_unit_test(test_wrong_signer_and_recipient),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_cert_parse),
        cmocka_unit_test(test_id_load),
        cmocka_unit_test(test_tls_server),
        cmocka_unit_test(test_cert_der_armour_and_ber),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
