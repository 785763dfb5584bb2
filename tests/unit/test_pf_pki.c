/* test_pf_pki.c - the platform PKI on disk and the bindings' unwrap/wrap: made once and loaded
 * again, sealed keys that refuse another secret key, PF renewal near its end, a PF without its
 * CA, protection settings and a client's pinned certificate through sd_pki_unwrap/_wrap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "helpers/pf_fixture.h"
#include "pf/protect/pki.h"
#include "pf/protect/pki_int.h"

#define T0  INT64_C(1795000000000) /* 2026-11-18 */
#define DAY INT64_C(86400000)

typedef struct {
    sd_test_pf_t base;
    char dir[96]; /* the PKI's, made by sd_pki_open() in the fixture's directory */
} fx_t;

static int setup(void **state)
{
    fx_t *fx = sd_test_pf_new(sizeof *fx, T0);
    snprintf(fx->dir, sizeof fx->dir, "%s/pki", fx->base.dir);
    *state = fx;
    return 0;
}

static void rm(const char *dir, const char *name)
{
    char p[256];
    snprintf(p, sizeof p, "%s%s", dir, name);
    unlink(p);
}

static void fp_of(const sd_cms_cert_t *c, char out[65])
{
    sd_cms_cert_fingerprint(c, out);
}

static void test_made_once_then_loaded(void **state)
{
    fx_t *fx = *state;
    sd_pki_t *a = NULL, *b = NULL;
    char ca1[65], pf1[65], ca2[65], pf2[65];
    assert_int_equal(sd_pki_open(&fx->base.pf, fx->dir, &a), 0);
    fp_of(sd_pki_ca(a), ca1);
    fp_of(sd_cms_id_cert(sd_pki_platform(a)), pf1);
    sd_pki_free(a);
    struct stat sb;
    char p[256];
    snprintf(p, sizeof p, "%s/pf.key.sealed", fx->dir);
    assert_int_equal(stat(p, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(stat(fx->dir, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    /* a year later: the same CA and PF */
    sd_clock_fake_advance(fx->base.clock, 365 * DAY);
    assert_int_equal(sd_pki_open(&fx->base.pf, fx->dir, &b), 0);
    fp_of(sd_pki_ca(b), ca2);
    fp_of(sd_cms_id_cert(sd_pki_platform(b)), pf2);
    assert_string_equal(ca1, ca2);
    assert_string_equal(pf1, pf2);
    sd_pki_free(b);
    /* within 30 days of the PF's end: a new PF from the same CA */
    sd_clock_fake_advance(fx->base.clock, 350 * DAY);
    assert_int_equal(sd_pki_open(&fx->base.pf, fx->dir, &b), 0);
    fp_of(sd_pki_ca(b), ca2);
    fp_of(sd_cms_id_cert(sd_pki_platform(b)), pf2);
    assert_string_equal(ca1, ca2);
    assert_string_not_equal(pf1, pf2);
    sd_pki_free(b);
}

static void test_sealed_and_damaged(void **state)
{
    fx_t *fx = *state;
    sd_pki_t *a = NULL;
    assert_int_equal(sd_pki_open(&fx->base.pf, fx->dir, &a), 0);
    sd_pki_free(a);
    /* another secret key opens nothing, and makes nothing new either */
    sd_pf_t other = fx->base.pf;
    other.secret_key[0] ^= 1;
    assert_int_equal(sd_pki_open(&other, fx->dir, &a), SD_ECONFIG);
    assert_null(a);
    assert_int_equal(sd_pki_open(&fx->base.pf, fx->dir, &a), 0);
    sd_pki_free(a);
    /* a PF certificate without its CA: restore the CA, never replace it */
    rm(fx->dir, "/ca.crt");
    assert_int_equal(sd_pki_open(&fx->base.pf, fx->dir, &a), SD_ECONFIG);
    /* a truncated sealed key */
    rm(fx->dir, "/pf.crt");
    rm(fx->dir, "/pf.key.sealed");
    rm(fx->dir, "/ca.key.sealed");
    assert_int_equal(sd_pki_open(&fx->base.pf, fx->dir, &a), 0);
    sd_pki_free(a);
    char p[256];
    snprintf(p, sizeof p, "%s/pf.key.sealed", fx->dir);
    assert_int_equal(truncate(p, 100), 0);
    assert_int_equal(sd_pki_open(&fx->base.pf, fx->dir, &a), SD_ECONFIG);
}

static void test_unwrap_wrap_for_a_client(void **state)
{
    fx_t *fx = *state;
    sd_store_t *st = fx->base.st;
    sd_pki_t *pki = NULL;
    assert_int_equal(sd_pki_open(&fx->base.pf, fx->dir, &pki), 0);
    int64_t t = sd_test_pf_tenant(&fx->base, "a", SD_TENANT_KIND_DEDICATED_OPERATOR);
    int64_t org = sd_test_pf_org(&fx->base, t, SD_ORG_KIND_GW_VENDOR, "v");
    int64_t gw = sd_test_pf_client(&fx->base, SD_CLIENT_GATEWAY, org, t, "g", NULL, NULL);
    sd_cms_id_t *ca = NULL, *me = NULL;
    assert_int_equal(sd_cms_id_new(NULL, "vendor CA", T0, 100, &ca), 0);
    assert_int_equal(sd_cms_id_new(ca, "gw-1", T0, 100, &me), 0);
    static const char msg[] = "{\"samples\":[]}";
    sd_buf_t out = {0}, m = {0};
    char why[256];
    const char *ct = NULL;

    /* unprotected: plain passes through both ways */
    assert_int_equal(sd_pki_protection(pki, t), SD_PROTECT_NONE);
    assert_int_equal(sd_pki_unwrap(pki, t, gw, 0, msg, strlen(msg), &out, why, sizeof why), 0);
    assert_memory_equal(out.data, msg, out.len);
    sd_buf_reset(&out);
    assert_int_equal(sd_pki_wrap(pki, t, gw, msg, strlen(msg), &out, &ct), 0);
    assert_null(ct);
    sd_buf_reset(&out);

    /* signed: nothing passes without a registered certificate */
    assert_int_equal(sd__pki_cache_set(pki, t, SD_PROTECT_SIGNED), 0);
    assert_int_equal(sd_pki_unwrap(pki, t, gw, 0, msg, strlen(msg), &out, why, sizeof why),
                     SD_ENOCERT);
    assert_int_equal(sd_cms_sign(me, msg, strlen(msg), &m), 0);
    assert_int_equal(sd_pki_unwrap(pki, t, gw, 1, m.data, m.len, &out, why, sizeof why),
                     SD_ENOCERT);
    assert_non_null(strstr(why, "no certificate registered"));

    /* registered and pinned: accepted, and the answer verifies against the platform */
    sd_buf_t pem = {0};
    char fp[65];
    assert_int_equal(sd_cms_cert_pem(sd_cms_id_cert(me), &pem), 0);
    sd_buf_append(&pem, "", 1);
    fp_of(sd_cms_id_cert(me), fp);
    assert_int_equal(sd_store_exec(st,
                                   "INSERT INTO client_certs (client_id, fingerprint, pem, subject,"
                                   " not_after, created_at) VALUES ($1, $2, $3, 's', 0, 0)",
                                   SD_PARAMS(SD_V_INT(gw), SD_V_TEXT(fp), SD_V_TEXT(pem.data)),
                                   NULL),
                     0);
    assert_int_equal(sd_pki_unwrap(pki, t, gw, 1, m.data, m.len, &out, why, sizeof why),
                     SD_ENOCERT); /* not pinned yet: clients.cert_fp is empty */
    assert_non_null(strstr(why, "pinned"));
    assert_int_equal(sd_registry_set_cert_fp(&fx->base.pf, gw, fp), 0);
    assert_int_equal(sd_pki_unwrap(pki, t, gw, 1, m.data, m.len, &out, why, sizeof why), 0);
    assert_memory_equal(out.data, msg, out.len);
    sd_buf_reset(&out);
    assert_int_equal(sd_pki_unwrap(pki, t, gw, 0, msg, strlen(msg), &out, why, sizeof why),
                     SD_EPROTECTION); /* plain */
    assert_int_equal(out.len, 0);
    assert_int_equal(sd_pki_wrap(pki, t, gw, msg, strlen(msg), &out, &ct), 0);
    assert_string_equal(ct, "application/pkcs7-mime; smime-type=signed-data");
    sd_buf_t back = {0};
    assert_int_equal(sd_cms_unwrap(me, sd_cms_id_cert(sd_pki_platform(pki)), out.data, out.len,
                                   SD_CMS_SIGNED, &back, NULL, why, sizeof why),
                     0);
    assert_memory_equal(back.data, msg, back.len);
    sd_buf_reset(&out);
    sd_buf_reset(&back);

    /* signed_encrypted: the answer is for the client's key only */
    assert_int_equal(sd__pki_cache_set(pki, t, SD_PROTECT_SIGNED_ENCRYPTED), 0);
    assert_int_equal(sd_pki_unwrap(pki, t, gw, 1, m.data, m.len, &out, why, sizeof why),
                     SD_EPROTECTION);
    sd_buf_t e = {0};
    assert_int_equal(sd_cms_wrap(me, sd_cms_id_cert(sd_pki_platform(pki)), msg, strlen(msg), &e),
                     0);
    assert_int_equal(sd_pki_unwrap(pki, t, gw, 1, e.data, e.len, &out, why, sizeof why), 0);
    assert_memory_equal(out.data, msg, out.len);
    sd_buf_reset(&out);
    assert_int_equal(sd_pki_wrap(pki, t, gw, msg, strlen(msg), &out, &ct), 0);
    assert_string_equal(ct, "application/pkcs7-mime; smime-type=enveloped-data");
    assert_int_equal(sd_cms_unwrap(me, sd_cms_id_cert(sd_pki_platform(pki)), out.data, out.len,
                                   SD_CMS_SIGNED | SD_CMS_ENCRYPTED, &back, NULL, why, sizeof why),
                     0);
    assert_memory_equal(back.data, msg, back.len);

    /* the registered certificate expires: refused again */
    sd_clock_fake_advance(fx->base.clock, 101 * DAY);
    assert_int_equal(sd_pki_unwrap(pki, t, gw, 1, e.data, e.len, &out, why, sizeof why),
                     SD_ENOCERT);
    assert_non_null(strstr(why, "expired"));
    /* back to none: the cache forgets the tenant */
    assert_int_equal(sd__pki_cache_set(pki, t, SD_PROTECT_NONE), 0);
    assert_int_equal(sd_pki_protection(pki, t), SD_PROTECT_NONE);

    sd_buf_free(&out);
    sd_buf_free(&m);
    sd_buf_free(&e);
    sd_buf_free(&back);
    sd_buf_free(&pem);
    sd_cms_id_free(me);
    sd_cms_id_free(ca);
    sd_pki_free(pki);
}

static void test_names(void **state)
{
    (void)state;
    sd_protect_t p;
    assert_int_equal(sd_pki_protect_parse("signed_encrypted", &p), 0);
    assert_int_equal(p, SD_PROTECT_SIGNED_ENCRYPTED);
    assert_int_equal(sd_pki_protect_parse("Signed", &p), SD_EFIELD);
    assert_int_equal(sd_pki_protect_parse(NULL, &p), SD_EFIELD);
    assert_string_equal(sd_pki_protect_name(SD_PROTECT_SIGNED), "signed");
    assert_string_equal(sd_pki_protect_name((sd_protect_t)9), "none");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_made_once_then_loaded, setup, sd_test_pf_teardown),
        cmocka_unit_test_setup_teardown(test_sealed_and_damaged, setup, sd_test_pf_teardown),
        cmocka_unit_test_setup_teardown(test_unwrap_wrap_for_a_client, setup, sd_test_pf_teardown),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
