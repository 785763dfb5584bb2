/* test_pf_inquiry.c - inquiries (pf/desk/inquiry): status moves by side, who is the answering
 * party, the mails of the outbox on open / reply / status, search, on SQLite and PostgreSQL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/err.h"
#include "helpers/pf_fixture.h"
#include "pf/desk/inquiry.h"
#include "pf/notify/notify.h"

static void test_transitions(void **state)
{
    (void)state;
    assert_int_equal(sd_inquiry_transition("received", "in_progress", 1), 0);
    assert_int_equal(sd_inquiry_transition("received", "answered", 1), 0);
    assert_int_equal(sd_inquiry_transition("answered", "in_progress", 1), 0);
    assert_int_equal(sd_inquiry_transition("in_progress", "closed", 1), 0);
    assert_int_equal(sd_inquiry_transition("answered", "received", 1), SD_ECONFLICT);
    assert_int_equal(sd_inquiry_transition("closed", "in_progress", 1), SD_ECONFLICT);
    /* the requester only closes */
    assert_int_equal(sd_inquiry_transition("answered", "closed", 0), 0);
    assert_int_equal(sd_inquiry_transition("received", "answered", 0), SD_ECONFLICT);
    assert_int_equal(sd_inquiry_transition("answered", "in_progress", 0), SD_ECONFLICT);
    assert_int_equal(sd_inquiry_transition("closed", "closed", 0), SD_ECONFLICT);
    assert_int_equal(sd_inquiry_transition("open", "closed", 1), SD_EFIELD);
    assert_int_equal(sd_inquiry_status_check("受付"), SD_EFIELD);
    assert_int_equal(sd_inquiry_category_check("failure"), 0);
    assert_int_equal(sd_inquiry_category_check(""), SD_EFIELD);
    assert_int_equal(sd_inquiry_text_check("流量計の単位"), 0);
    assert_int_equal(sd_inquiry_text_check("a\r\nBcc: x@evil.test"), SD_EFIELD);
    assert_int_equal(sd_inquiry_text_check("tab\there"), SD_EFIELD);
}

static void test_sides(void **state)
{
    (void)state;
    sd_inquiry_ref_t tq = {
        .id = 1, .tenant_id = 5, .org_id = 9, .opened_by = 30, .addressee = "tenant"};
    sd_inquiry_ref_t pq = tq;
    snprintf(pq.addressee, sizeof pq.addressee, "platform");
    sd_principal_t pa = {.role = SD_ROLE_PLATFORM_ADMIN,
                         .subject_id = 1,
                         .org_id = 1,
                         .tenant_id = SD_TENANT_COMMON};
    sd_principal_t oa = {
        .role = SD_ROLE_OPERATOR_ADMIN, .subject_id = 31, .org_id = 9, .tenant_id = 5};
    sd_principal_t opener = {
        .role = SD_ROLE_OPERATOR_ADMIN, .subject_id = 30, .org_id = 9, .tenant_id = 5};
    sd_principal_t og = {
        .role = SD_ROLE_OPERATOR_GENERAL, .subject_id = 32, .org_id = 9, .tenant_id = 5};
    assert_int_equal(sd_inquiry_visible(&pa, &tq), 0); /* not the platform's business */
    assert_int_equal(sd_inquiry_visible(&pa, &pq), 1);
    assert_int_equal(sd_inquiry_visible(&og, &tq), 1);
    assert_int_equal(sd_inquiry_visible(NULL, &pq), 0);
    assert_int_equal(sd_inquiry_is_answerer(&pa, &pq), 1);
    assert_int_equal(sd_inquiry_is_answerer(&pa, &tq), 0);
    assert_int_equal(sd_inquiry_is_answerer(&oa, &tq), 1);
    assert_int_equal(sd_inquiry_is_answerer(&oa, &pq), 0);
    assert_int_equal(sd_inquiry_is_answerer(&opener, &tq), 0); /* an admin asking its peers */
    assert_int_equal(sd_inquiry_is_answerer(&og, &tq), 0);
}

typedef struct {
    sd_test_pf_t base; /* first */
    sd_notify_t *n;
    int64_t ta, oa, tv, ov, og;
    sd_principal_t ag, a1, a2, pa, vg, va, ga;
} fx_t;

static sd_principal_t mk(fx_t *fx, int64_t tenant, int64_t org, sd_role_t role, const char *email)
{
    int64_t id = sd_test_pf_user(&fx->base, org, role, email, NULL, NULL);
    return (sd_principal_t){.role = role, .subject_id = id, .org_id = org, .tenant_id = tenant};
}

static int setup(void **state)
{
    fx_t *fx = sd_test_pf_new(sizeof *fx, SD_TEST_T0);
    fx->ta = sd_test_pf_tenant(&fx->base, "a", SD_TENANT_KIND_DEDICATED_OPERATOR);
    fx->tv = sd_test_pf_tenant(&fx->base, "v", SD_TENANT_KIND_VENDOR);
    fx->oa = sd_test_pf_org(&fx->base, fx->ta, SD_ORG_KIND_OPERATOR, "A");
    fx->ov = sd_test_pf_org(&fx->base, fx->tv, SD_ORG_KIND_AP_VENDOR, "AP");
    fx->og = sd_test_pf_org(&fx->base, fx->tv, SD_ORG_KIND_GW_VENDOR, "GW");
    int64_t op = sd_test_pf_org(&fx->base, SD_TENANT_COMMON, SD_ORG_KIND_PLATFORM, "PF");
    fx->ag = mk(fx, fx->ta, fx->oa, SD_ROLE_OPERATOR_GENERAL, "ag@x.jp");
    fx->a1 = mk(fx, fx->ta, fx->oa, SD_ROLE_OPERATOR_ADMIN, "a1@x.jp");
    fx->a2 = mk(fx, fx->ta, fx->oa, SD_ROLE_OPERATOR_ADMIN, "a2@x.jp");
    fx->pa = mk(fx, SD_TENANT_COMMON, op, SD_ROLE_PLATFORM_ADMIN, "pa@x.jp");
    fx->vg = mk(fx, fx->tv, fx->ov, SD_ROLE_APVENDOR_GENERAL, "vg@x.jp");
    fx->va = mk(fx, fx->tv, fx->ov, SD_ROLE_APVENDOR_ADMIN, "va@x.jp");
    fx->ga = mk(fx, fx->tv, fx->og, SD_ROLE_GWVENDOR_ADMIN, "ga@x.jp");
    sd_notify_config_t c;
    sd_notify_config_defaults(&c);
    c.digest_min = -1;
    c.portal_url = "https://portal.test";
    assert_int_equal(sd_notify_new(&fx->base.pf, &c, &fx->n), 0);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fx_t *fx = *state;
    sd_notify_free(fx->n);
    return sd_test_pf_teardown(state);
}

/* "rcpt,rcpt,..." of the inquiry mails with id > *mark, in id order; *mark moves on */
static const char *mails(fx_t *fx, int64_t *mark, const char *subject_has)
{
    static char out[512];
    sd_stmt_t *s = NULL;
    out[0] = 0;
    assert_int_equal(sd_store_query(fx->base.st,
                                    "SELECT id, rcpt, subject, body FROM notifications WHERE id "
                                    "> $1 AND kind = 'inquiry' ORDER BY id",
                                    SD_PARAMS(SD_V_INT(*mark)), &s),
                     0);
    while (sd_stmt_next(s) == 1) {
        size_t l = strlen(out);
        *mark = sd_stmt_int64(s, 0);
        if (subject_has)
            assert_non_null(strstr(sd_stmt_text(s, 2, NULL), subject_has));
        snprintf(out + l, sizeof out - l, "%s%s", l ? "," : "", sd_stmt_text(s, 1, NULL));
    }
    sd_stmt_done(s);
    return out;
}

static void test_thread_and_mail(void **state)
{
    fx_t *fx = *state;
    sd_pf_t *pf = &fx->base.pf;
    int64_t id = 0, mark = 0;
    assert_int_equal(sd_inquiry_create(pf, fx->n, &fx->ag, "tenant", "data", "流量計の単位",
                                       "FT-101 の単位は?", &id),
                     0);
    /* the tenant's admins, Japanese first */
    assert_string_equal(mails(fx, &mark, "問い合わせ #"), "a1@x.jp,a2@x.jp");
    sd_inquiry_ref_t r;
    assert_int_equal(sd_inquiry_ref(pf, id, &r), 0);
    assert_string_equal(r.status, "received");
    assert_int_equal(r.opened_by, fx->ag.subject_id);

    char st[16];
    assert_int_equal(sd_inquiry_reply(pf, fx->n, &fx->a1, &r, "m3/h です", st), 0);
    assert_string_equal(st, "answered");
    assert_string_equal(mails(fx, &mark, "返信"), "ag@x.jp"); /* only the other party */
    assert_int_equal(sd_inquiry_reply(pf, fx->n, &fx->ag, &r, "もう一点", st), 0);
    assert_string_equal(st, "in_progress");
    assert_string_equal(mails(fx, &mark, "返信"), "a1@x.jp,a2@x.jp");
    /* the requester may only close; the answering party moves it */
    assert_int_equal(sd_inquiry_set_status(pf, fx->n, &fx->ag, &r, "answered", ""), SD_ECONFLICT);
    assert_string_equal(mails(fx, &mark, NULL), "");
    assert_int_equal(sd_inquiry_set_status(pf, fx->n, &fx->a2, &r, "answered", "done"), 0);
    assert_string_equal(mails(fx, &mark, "状況の変更"), "ag@x.jp");
    assert_int_equal(sd_inquiry_set_status(pf, fx->n, &fx->ag, &r, "closed", ""), 0);
    assert_string_equal(mails(fx, &mark, NULL), "a1@x.jp,a2@x.jp");
    assert_int_equal(sd_inquiry_reply(pf, fx->n, &fx->a1, &r, "x", st), SD_ECONFLICT);
    int64_t fid = 0;
    assert_int_equal(
        sd_inquiry_attach(pf, &fx->ag, &r, "a.txt", ".suido/inquiries/1/x", 1, "00", &fid),
        SD_ECONFLICT);

    json_t *o = NULL;
    assert_int_equal(sd_inquiry_get(pf, id, &o), 0);
    assert_string_equal(json_string_value(json_object_get(o, "status")), "closed");
    assert_string_equal(json_string_value(json_object_get(o, "subject")), "流量計の単位");
    json_t *m = json_object_get(o, "messages");
    assert_int_equal(json_array_size(m), 5);
    assert_string_equal(json_string_value(json_object_get(json_array_get(m, 1), "side")),
                        "answerer");
    assert_string_equal(json_string_value(json_object_get(json_array_get(m, 4), "to_status")),
                        "closed");
    json_decref(o);
    /* each change audited */
    assert_int_equal(sd_test_pf_int(&fx->base,
                                    "SELECT COUNT(*) FROM audit WHERE action LIKE 'inquiry.%'",
                                    SD_NOPARAMS),
                     5);
    /* the mail links the portal and carries the reply, Japanese above English */
    sd_stmt_t *s = NULL;
    assert_int_equal(sd_store_query_row(fx->base.st,
                                        "SELECT body FROM notifications WHERE kind = 'inquiry' "
                                        "AND rcpt = 'ag@x.jp' ORDER BY id LIMIT 1",
                                        SD_NOPARAMS, &s),
                     0);
    const char *b = sd_stmt_text(s, 0, NULL);
    char link[96];
    snprintf(link, sizeof link, "https://portal.test/#/inquiries?id=%lld", (long long)id);
    assert_non_null(strstr(b, link));
    assert_non_null(strstr(b, "m3/h です"));
    assert_true(strstr(b, "状況: 回答済") < strstr(b, "Status: answered"));
    sd_stmt_done(s);
}

static void test_vendor_and_platform(void **state)
{
    fx_t *fx = *state;
    sd_pf_t *pf = &fx->base.pf;
    int64_t p = 0, t = 0, mark = 0;
    assert_int_equal(sd_inquiry_create(pf, fx->n, &fx->vg, "platform", "account", "cert", "?", &p),
                     0);
    assert_string_equal(mails(fx, &mark, NULL), "pa@x.jp");
    /* to its own tenant: the admins of its own organisation only (the GW vendor may not see) */
    assert_int_equal(sd_inquiry_create(pf, fx->n, &fx->vg, "tenant", "usage", "internal", "?", &t),
                     0);
    assert_string_equal(mails(fx, &mark, NULL), "va@x.jp");
    sd_inquiry_ref_t r;
    assert_int_equal(sd_inquiry_ref(pf, p, &r), 0);
    char st[16];
    assert_int_equal(sd_inquiry_reply(pf, fx->n, &fx->pa, &r, "see the portal", st), 0);
    assert_string_equal(mails(fx, &mark, NULL), "vg@x.jp");
    /* the platform's list: only what is addressed to it */
    sd_pf_items_t it;
    sd_inquiry_filter_t f = {.platform_only = 1};
    assert_int_equal(sd_inquiry_list(pf, &f, &it), 0);
    assert_int_equal(it.n, 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(it.rows, 0), "id")), p);
    sd_pf_items_free(&it);
}

static void test_search(void **state)
{
    fx_t *fx = *state;
    sd_pf_t *pf = &fx->base.pf;
    int64_t q1 = 0, q2 = 0;
    assert_int_equal(sd_inquiry_create(pf, NULL, &fx->ag, "tenant", "failure", "Pump P-2 stops",
                                       "100% at night_shift", &q1),
                     0);
    assert_int_equal(sd_inquiry_create(pf, NULL, &fx->ag, "platform", "usage", "画面の操作",
                                       "グラフの期間", &q2),
                     0);
    static const struct {
        const char *q, *status, *category;
        int64_t org;
        int n;
    } cases[] = {
        {"pump", NULL, NULL, 0, 1},     {"PUMP", NULL, NULL, 0, 1},
        {"100%", NULL, NULL, 0, 1},     {"0%a", NULL, NULL, 0, 0},
        {"p_2", NULL, NULL, 0, 0},      {"グラフ", NULL, NULL, 0, 1},
        {NULL, "received", NULL, 0, 2}, {NULL, "closed", NULL, 0, 0},
        {NULL, NULL, "usage", 0, 1},    {"", "", "", 0, 2},
        {NULL, NULL, NULL, 999, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        sd_inquiry_filter_t f = {.tenant = fx->ta,
                                 .org = cases[i].org,
                                 .q = cases[i].q,
                                 .status = cases[i].status,
                                 .category = cases[i].category};
        sd_pf_items_t it;
        assert_int_equal(sd_inquiry_list(pf, &f, &it), 0);
        if ((int)it.n != cases[i].n)
            fail_msg("case %zu: %zu items, expected %d", i, it.n, cases[i].n);
        for (size_t k = 0; k < it.n; k++)
            assert_int_equal(it.scopes[k].tenant_id, fx->ta);
        sd_pf_items_free(&it);
    }
}

int main(void)
{
    const struct CMUnitTest pure[] = {
        cmocka_unit_test(test_transitions),
        cmocka_unit_test(test_sides),
    };
    const struct CMUnitTest store[] = {
        cmocka_unit_test_setup_teardown(test_thread_and_mail, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vendor_and_platform, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search, setup, teardown),
    };
    int failed = cmocka_run_group_tests_name("inquiry rules", pure, NULL, NULL);
    failed += SD_TEST_PF_RUN("inquiry store", store, SD_TEST_SQLITE | SD_TEST_PG);
    return failed;
}
