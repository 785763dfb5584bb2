/* test_pf_rules.c - the pure account checks (lib/pf/account_rules.c) and TOTP sealing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "pf/accounts/account_rules.h"
#include "pf/accounts/credmail.h"
#include "pf/accounts/user.h"

#define S(x) (x), strlen(x)

static void test_email(void **state)
{
    (void)state;
    assert_int_equal(sd_rules_email(S("a@b.example")), 0);
    assert_int_equal(sd_rules_email(S("first.last+tag@sub.city.jp")), 0);
    const char *bad[] = {"",     "a",    "@b.c",    "a@",        "a@@b.c",  "a b@c.d",  "a@b..c",
                         "a@.b", "a@b.", "a@b_c.d", "\"a\"@b.c", "a<b@c.d", "a@b.c@d.e"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(sd_rules_email(S(bad[i])), SD_EFIELD);
    /* length is len, not strlen: a NUL inside is refused, bytes past len are not read */
    assert_int_equal(sd_rules_email("a@b.c\0x", 7), SD_EFIELD);
    assert_int_equal(sd_rules_email("a@b.cXXXX", 5), 0);
    assert_int_equal(sd_rules_email(NULL, 0), SD_EINVAL);
}

static void test_login(void **state)
{
    (void)state;
    assert_int_equal(sd_rules_login(S("root")), 0);
    assert_int_equal(sd_rules_login(S("a-admin@sapporo.example")), 0);
    assert_int_equal(sd_rules_login(S("ab")), SD_EFIELD);
    assert_int_equal(sd_rules_login(S(".root")), SD_EFIELD);
    assert_int_equal(sd_rules_login(S("ro ot")), SD_EFIELD);
    assert_int_equal(sd_rules_login(S("水道")), SD_EFIELD);
    assert_int_equal(sd_rules_login("b\0c", 3), SD_EFIELD); /* found by fuzz_pf_rules */
    char long_id[66];
    memset(long_id, 'a', 65);
    long_id[65] = 0;
    assert_int_equal(sd_rules_login(long_id, 64), 0);
    assert_int_equal(sd_rules_login(long_id, 65), SD_EFIELD);
}

static void test_label(void **state)
{
    (void)state;
    assert_int_equal(sd_rules_label(S("札幌市水道局")), 0);
    assert_int_equal(sd_rules_label(S("Sapporo water")), 0);
    assert_int_equal(sd_rules_label(S("")), SD_EFIELD);
    assert_int_equal(sd_rules_label(S("a\tb")), SD_EFIELD);
    assert_int_equal(sd_rules_label(S("a\x7f")), SD_EFIELD);
    assert_int_equal(sd_rules_label(S("\xc2\x85")), SD_EFIELD);     /* C1 control */
    assert_int_equal(sd_rules_label(S("\xc0\xaf")), SD_EFIELD);     /* overlong */
    assert_int_equal(sd_rules_label(S("\xed\xa0\x80")), SD_EFIELD); /* surrogate */
    assert_int_equal(sd_rules_label("\xe6\xb0", 2), SD_EFIELD);     /* truncated */
}

static void test_kinds(void **state)
{
    (void)state;
    sd_tenant_kind_t tk;
    sd_org_kind_t ok;
    assert_int_equal(sd_rules_tenant_kind(S("dedicated_operator"), &tk), 0);
    assert_int_equal(tk, SD_TENANT_KIND_DEDICATED_OPERATOR);
    assert_int_equal(sd_rules_tenant_kind(S("Vendor"), &tk), SD_EFIELD);
    assert_int_equal(sd_rules_tenant_kind("vendorX", 6, &tk), 0);
    assert_int_equal(tk, SD_TENANT_KIND_VENDOR);
    assert_int_equal(sd_rules_org_kind(S("gw_vendor"), &ok), 0);
    assert_string_equal(sd_rules_org_kind_name(ok), "gw_vendor");
    assert_null(sd_rules_org_kind_name(SD_ORG_KIND__COUNT));
    assert_true(sd_rules_org_fits_tenant(SD_ORG_KIND_PLATFORM, SD_TENANT_KIND_COMMON));
    assert_false(sd_rules_org_fits_tenant(SD_ORG_KIND_PLATFORM, SD_TENANT_KIND_VENDOR));
    assert_true(sd_rules_org_fits_tenant(SD_ORG_KIND_OPERATOR, SD_TENANT_KIND_SHARED_OPERATOR));
    assert_false(sd_rules_org_fits_tenant(SD_ORG_KIND_AP_VENDOR, SD_TENANT_KIND_SHARED_OPERATOR));
    assert_true(sd_rules_role_fits_org(SD_ROLE_GWVENDOR_GENERAL, SD_ORG_KIND_GW_VENDOR));
    assert_false(sd_rules_role_fits_org(SD_ROLE_GWVENDOR_GENERAL, SD_ORG_KIND_AP_VENDOR));
    assert_false(sd_rules_role_fits_org(SD_ROLE_APPLICATION, SD_ORG_KIND_AP_VENDOR));
    assert_false(sd_rules_role_fits_org(SD_ROLE_PLATFORM_ADMIN, SD_ORG_KIND_OPERATOR));
    assert_true(sd_rules_link_fits(SD_ORG_KIND_AP_VENDOR, SD_TENANT_KIND_DEDICATED_OPERATOR));
    assert_false(sd_rules_link_fits(SD_ORG_KIND_OPERATOR, SD_TENANT_KIND_SHARED_OPERATOR));
    assert_false(sd_rules_link_fits(SD_ORG_KIND_GW_VENDOR, SD_TENANT_KIND_VENDOR));
}

static void test_seal(void **state)
{
    (void)state;
    sd_pf_t pf = {0}, other = {0};
    memset(pf.secret_key, 7, sizeof pf.secret_key);
    memset(other.secret_key, 8, sizeof other.secret_key);
    uint8_t key[20], box[SD_USER_SEALED_MAX], box2[SD_USER_SEALED_MAX], back[64];
    size_t n = 0, n2 = 0, m = 0;
    for (int i = 0; i < 20; i++)
        key[i] = (uint8_t)i;
    assert_int_equal(sd_user_seal(&pf, key, 20, box, sizeof box, &n), 0);
    assert_int_equal(n, 24 + 16 + 20);
    assert_int_equal(sd_user_seal(&pf, key, 20, box2, sizeof box2, &n2), 0);
    assert_memory_not_equal(box, box2, n); /* fresh nonce each time */
    assert_int_equal(sd_user_open(&pf, box, n, back, sizeof back, &m), 0);
    assert_int_equal(m, 20);
    assert_memory_equal(back, key, 20);
    assert_int_equal(sd_user_open(&other, box, n, back, sizeof back, &m), SD_EINTERNAL);
    box[30] ^= 1;
    assert_int_equal(sd_user_open(&pf, box, n, back, sizeof back, &m), SD_EINTERNAL);
    assert_int_equal(sd_user_open(&pf, box, 40, back, sizeof back, &m), SD_EINVAL);
    assert_int_equal(sd_user_seal(&pf, key, 20, box, 50, &n), SD_EINVAL);
}

/* The credentials mail: Japanese first, both languages carry the id, password and portal. */
static void test_credmail(void **state)
{
    (void)state;
    char *subj, *body;
    assert_int_equal(sd_credmail_compose("https://suido.example.jp", 0, "tmp-0123456789", "sdp_PW",
                                         &subj, &body),
                     0);
    assert_string_equal(subj, "[suido] 仮アカウント発行のお知らせ (your provisional account)");
    const char *ja = strstr(body, "仮パスワード: sdp_PW\n"),
               *en = strstr(body, "Provisional password: sdp_PW\n");
    assert_non_null(ja);
    assert_non_null(en);
    assert_true(ja < en);
    assert_non_null(strstr(body, "ログインID: tmp-0123456789\n"));
    assert_non_null(strstr(body, "Login ID: tmp-0123456789\n"));
    assert_non_null(strstr(body, "ポータル: https://suido.example.jp\n"));
    assert_non_null(strstr(body, "Portal: https://suido.example.jp\n"));
    free(subj);
    free(body);
    assert_int_equal(sd_credmail_compose(NULL, 1, "adminA", "sdp_X", &subj, &body), 0);
    assert_non_null(strstr(subj, "パスワード再設定"));
    assert_null(strstr(body, "Portal:"));
    assert_non_null(strstr(body, "Login ID: adminA\n"));
    free(subj);
    free(body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_email), cmocka_unit_test(test_login), cmocka_unit_test(test_label),
        cmocka_unit_test(test_kinds), cmocka_unit_test(test_seal),  cmocka_unit_test(test_credmail),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
