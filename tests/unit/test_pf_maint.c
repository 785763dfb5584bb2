/* test_pf_maint.c - the maintenance workplace (issue 12) on SQLite and PostgreSQL: plan
 * generation per cycle and facility type over a year, a not-good answer opening a defect,
 * answers checked against the template, defect status history, contractor scope, overdue visits
 * mailed once to the contractor's 管理技術者 and the contact list's step 1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "helpers/pf_fixture.h"
#include "pf/maint/defect.h"
#include "pf/maint/inspection.h"
#include "pf/maint/overdue.h"
#include "pf/maint/plan.h"
#include "pf/maint/staff.h"

typedef struct {
    sd_test_pf_t t;
    int64_t tenant, fac;
    sd_principal_t who;
} fx_t;

static int setup(void **state)
{
    fx_t *fx = sd_test_pf_new(sizeof *fx, SD_TEST_T0);
    fx->tenant = sd_test_pf_tenant(&fx->t, "sapporo", SD_TENANT_KIND_SHARED_OPERATOR);
    fx->fac = sd_test_pf_facility(&fx->t, fx->tenant, "gorin");
    int64_t v = sd_test_pf_tenant(&fx->t, "vendors", SD_TENANT_KIND_VENDOR);
    int64_t org = sd_test_pf_org(&fx->t, v, SD_ORG_KIND_GW_VENDOR, "Kanri");
    fx->who = (sd_principal_t){
        .role = SD_ROLE_GWVENDOR_GENERAL, .subject_id = 7, .org_id = org, .tenant_id = v};
    *state = fx;
    return 0;
}

/* count the slots of each cycle over a year, for a facility type */
static void year_counts(const char *type, int annual, int counts[4], int *min_daily)
{
    static const char *const cyc[] = {"daily", "monthly", "quarterly", "yearly"};
    memset(counts, 0, 4 * sizeof *counts);
    *min_daily = 99;
    for (int m = 1; m <= 12; m++) {
        sd_maint_slot_t s[8];
        size_t n;
        assert_int_equal(sd_maint_plan_slots(type, 2027, m, annual, s, 8, &n), 0);
        int daily = 0;
        for (size_t i = 0; i < n; i++) {
            for (int c = 0; c < 4; c++)
                counts[c] += !strcmp(s[i].cycle, cyc[c]);
            daily += !strcmp(s[i].cycle, "daily");
            assert_true(s[i].day >= 1 && s[i].day <= 31);
        }
        if (daily < *min_daily)
            *min_daily = daily;
    }
}

static void test_plan_counts(void **st)
{
    (void)st;
    int c[4], md;
    /* 専用・簡易専用: daily >= 3 a month, 1ヶ月点検 11 a year, 1年点検 once */
    year_counts("dedicated", 4, c, &md);
    assert_int_equal(md, 3);
    assert_int_equal(c[0], 36);
    assert_int_equal(c[1], 11);
    assert_int_equal(c[2], 0);
    assert_int_equal(c[3], 1);
    year_counts("simple", 11, c, &md);
    assert_int_equal(c[1], 11);
    assert_int_equal(c[3], 1);
    /* 小規模: 1ヶ月点検 11 + 1年点検; 直結増圧: 3ヶ月点検 3 + 1年点検 */
    year_counts("small", 4, c, &md);
    assert_int_equal(c[0] + c[1] + c[2] + c[3], 12);
    assert_int_equal(c[1], 11);
    year_counts("direct_boost", 7, c, &md);
    assert_int_equal(c[0] + c[1], 0);
    assert_int_equal(c[2], 3);
    assert_int_equal(c[3], 1);
    /* daily visits spread over the month: 6, 16, 26 in a 30-day month */
    sd_maint_slot_t s[8];
    size_t n;
    assert_int_equal(sd_maint_plan_slots("dedicated", 2027, 6, 4, s, 8, &n), 0);
    assert_int_equal(n, 4);
    assert_string_equal(s[0].cycle, "monthly");
    assert_int_equal(s[1].day, 6);
    assert_int_equal(s[2].day, 16);
    assert_int_equal(s[3].day, 26);
    assert_int_equal(sd_maint_plan_slots("lake", 2027, 6, 4, s, 8, &n), SD_EFIELD);
    assert_int_equal(sd_maint_plan_slots("small", 2027, 13, 4, s, 8, &n), SD_EFIELD);
    assert_int_equal(sd_maint_date_check("2027-02-29"), SD_EFIELD);
    assert_int_equal(sd_maint_date_check("2028-02-29"), 0);
    assert_int_equal(sd_maint_month_check("2027-1"), SD_EFIELD);
}

/* 別紙3: who may record which cycle */
static void test_duties(void **st)
{
    (void)st;
    static const char *const cyc[] = {"daily", "monthly", "quarterly", "yearly"};
    static const struct {
        const char *duty, *may; /* one letter per cycle: y may, n may not */
    } rows[] = {{"manager", "yyyy"},    {"chief", "yyyy"},  {"engineer", "yyyn"},
                {"technician", "ynnn"}, {"worker", "nnnn"}, {NULL, "nnnn"},
                {"boss", "nnnn"}};
    for (size_t r = 0; r < sizeof rows / sizeof *rows; r++)
        for (int c = 0; c < 4; c++)
            assert_int_equal(sd_maint_duty_may(rows[r].duty, cyc[c]),
                             rows[r].may[c] == 'y' ? 0 : SD_EFORBIDDEN);
    assert_int_equal(sd_maint_duty_check("boss"), SD_EFIELD);
}

static void test_staff_store(void **state)
{
    fx_t *fx = *state;
    sd_pf_t *pf = &fx->t.pf;
    char login[32], pw[SD_TOKEN_SIZE], duty[16];
    int64_t u = sd_test_pf_user(&fx->t, fx->who.org_id, SD_ROLE_GWVENDOR_GENERAL, "c@example.jp",
                                login, pw);
    assert_int_equal(sd_maint_staff_duty(pf, u, duty), SD_ENOTFOUND);
    assert_int_equal(sd_maint_staff_set(pf, NULL, u, fx->who.org_id, fx->who.tenant_id, "x"),
                     SD_EFIELD);
    assert_int_equal(
        sd_maint_staff_set(pf, NULL, u, fx->who.org_id, fx->who.tenant_id, "technician"), 0);
    assert_int_equal(sd_maint_staff_set(pf, NULL, u, fx->who.org_id, fx->who.tenant_id, "chief"),
                     0);
    assert_int_equal(sd_maint_staff_duty(pf, u, duty), 0);
    assert_string_equal(duty, "chief");
    sd_pf_items_t items;
    assert_int_equal(sd_maint_staff_list(pf, fx->who.org_id, &items), 0);
    assert_int_equal(items.n, 1);
    assert_int_equal(items.scopes[0].subject_id, u);
    sd_pf_items_free(&items);
}

static void test_plan_store(void **state)
{
    fx_t *fx = *state;
    sd_pf_t *pf = &fx->t.pf;
    sd_maint_facility_t f;
    assert_int_equal(sd_maint_facility(pf, fx->fac, &f), 0);
    assert_string_equal(f.type, "dedicated");
    assert_int_equal(f.annual_month, 4);
    int n = 0;
    assert_int_equal(sd_maint_plan_generate(pf, &fx->who, &f, "2026-11", 11, &n), 0);
    assert_int_equal(n, 4); /* yearly (November) + 3 daily */
    assert_int_equal(sd_maint_plan_generate(pf, &fx->who, &f, "2026-11", 0, &n), SD_ECONFLICT);
    assert_int_equal(sd_maint_facility(pf, fx->fac, &f), 0);
    assert_int_equal(f.annual_month, 11);
    assert_int_equal(sd_maint_plan_generate(pf, &fx->who, &f, "2026-12", 0, &n), 0);
    assert_int_equal(n, 4); /* monthly + 3 daily */
    json_t *p = NULL;
    assert_int_equal(sd_maint_plan_get(pf, &f, "2026-11", &p), 0);
    json_t *v = json_object_get(p, "visits");
    assert_int_equal(json_array_size(v), 4);
    /* the clock is 2026-11-24 JST: 6th and 16th overdue, 26th planned */
    assert_string_equal(json_string_value(json_object_get(json_array_get(v, 0), "state")),
                        "overdue");
    assert_string_equal(json_string_value(json_object_get(json_array_get(v, 3), "state")),
                        "planned");
    int64_t vid = json_integer_value(json_object_get(json_array_get(v, 0), "id"));
    json_decref(p);
    assert_int_equal(sd_maint_visit_move(pf, &fx->who, fx->tenant, vid, "2026-11-30"), 0);
    assert_int_equal(sd_maint_visit_move(pf, &fx->who, fx->tenant, vid, "2026-11-31"), SD_EFIELD);
    assert_int_equal(sd_test_pf_int(&fx->t,
                                    "SELECT COUNT(*) FROM audit WHERE action = "
                                    "'maint.visit_move'",
                                    NULL, 0),
                     1);
}

/* the answers for every item of template tpl: all good, item bad_pos not good */
static json_t *answers_for(sd_pf_t *pf, int64_t tpl, int bad_pos)
{
    json_t *all = NULL;
    assert_int_equal(sd_maint_templates(pf, NULL, &all), 0);
    json_t *items = NULL, *out = json_array();
    size_t i;
    json_t *t;
    json_array_foreach(all, i, t) if (json_integer_value(json_object_get(t, "id")) == tpl) items =
        json_object_get(t, "items");
    assert_non_null(items);
    json_array_foreach(items, i, t)
    {
        json_int_t id = json_integer_value(json_object_get(t, "id"));
        int pos = (int)json_integer_value(json_object_get(t, "pos"));
        if (!strcmp(json_string_value(json_object_get(t, "kind")), "value"))
            json_array_append_new(out, sd_json_pack("{s:I,s:f}", "item_id", id, "value", 12.5));
        else
            json_array_append_new(out, sd_json_pack("{s:I,s:s,s:s}", "item_id", id, "result",
                                                    pos == bad_pos ? "not_good" : "good", "note",
                                                    pos == bad_pos ? "藻の発生" : ""));
    }
    json_decref(all);
    return out;
}

static json_t *end_checks(int all)
{
    json_t *o = json_object();
    for (int i = 0; sd_maint_end_checks[i]; i++)
        if (all || i > 0)
            json_object_set_new(o, sd_maint_end_checks[i], json_true());
    return o;
}

static void test_not_good_opens_defect(void **state)
{
    fx_t *fx = *state;
    sd_pf_t *pf = &fx->t.pf;
    sd_maint_facility_t f;
    assert_int_equal(sd_maint_facility(pf, fx->fac, &f), 0);
    int n;
    assert_int_equal(sd_maint_plan_generate(pf, &fx->who, &f, "2026-11", 4, &n), 0);
    int64_t visit =
        sd_test_pf_int(&fx->t, "SELECT MIN(id) FROM maint_visits WHERE cycle = 'daily'", NULL, 0);
    json_t *ans = answers_for(pf, 1, 4), *end = end_checks(1);
    sd_maint_record_t r = {.facility = &f,
                           .cycle = "daily",
                           .remarks = "特記事項なし",
                           .template_id = 1,
                           .visit_id = visit,
                           .answers = ans,
                           .end_checks = end};
    sd_json_err_t e;
    int64_t id = 0;
    /* a template of another cycle, a missing 終業点検 item, a wrong unit: field errors */
    r.template_id = 2;
    assert_int_equal(sd_maint_inspection_record(pf, &fx->who, &r, &e, &id), SD_EFIELD);
    assert_string_equal(e.field, "template_id");
    r.template_id = 1;
    json_t *end7 = end_checks(0);
    r.end_checks = end7;
    assert_int_equal(sd_maint_inspection_record(pf, &fx->who, &r, &e, &id), SD_EFIELD);
    assert_string_equal(e.field, "end_checks.switches");
    r.end_checks = end;
    json_t *a0 = json_array_get(ans, 10); /* item pos 11: a current in A */
    json_object_set_new(a0, "unit", json_string("kW"));
    assert_int_equal(sd_maint_inspection_record(pf, &fx->who, &r, &e, &id), SD_EFIELD);
    assert_string_equal(e.field, "answers[10].unit");
    json_object_set_new(a0, "unit", json_string("A"));
    assert_int_equal(sd_test_pf_int(&fx->t, "SELECT COUNT(*) FROM maint_inspections", NULL, 0), 0);

    assert_int_equal(sd_maint_inspection_record(pf, &fx->who, &r, &e, &id), 0);
    json_t *o = NULL;
    assert_int_equal(sd_maint_inspection_get(pf, id, &o), 0);
    assert_int_equal(json_array_size(json_object_get(o, "defect_ids")), 1);
    assert_int_equal(json_integer_value(json_object_get(o, "not_good")), 1);
    int64_t d = json_integer_value(json_array_get(json_object_get(o, "defect_ids"), 0));
    json_decref(o);
    /* the visit is done, and cannot be recorded twice */
    assert_int_equal(sd_test_pf_int(&fx->t, "SELECT inspection_id FROM maint_visits WHERE id = $1",
                                    SD_PARAMS(SD_V_INT(visit))),
                     id);
    assert_int_equal(sd_maint_inspection_record(pf, &fx->who, &r, &e, &id), SD_EFIELD);
    assert_string_equal(e.field, "visit_id");

    /* the defect: awaiting, then through its statuses with an instruction, all kept */
    assert_int_equal(sd_maint_defect_get(pf, d, &o), 0);
    assert_string_equal(json_string_value(json_object_get(o, "status")), "awaiting");
    assert_non_null(strstr(json_string_value(json_object_get(o, "description")), "藻の発生"));
    json_decref(o);
    sd_principal_t staff = {
        .role = SD_ROLE_OPERATOR_GENERAL, .subject_id = 3, .org_id = 1, .tenant_id = fx->tenant};
    assert_int_equal(
        sd_maint_defect_update(pf, &fx->who, fx->tenant, d, "estimating", NULL, NULL, "見積依頼"),
        0);
    assert_int_equal(
        sd_maint_defect_update(pf, &staff, fx->tenant, d, NULL, "repair", "2026-11-25", ""), 0);
    assert_int_equal(sd_maint_defect_update(pf, &fx->who, fx->tenant, d, "done", NULL, NULL, ""),
                     0);
    assert_int_equal(sd_maint_defect_get(pf, d, &o), 0);
    json_t *h = json_object_get(o, "history");
    assert_int_equal(json_array_size(h), 4);
    assert_string_equal(json_string_value(json_object_get(json_array_get(h, 1), "to_value")),
                        "estimating");
    assert_string_equal(json_string_value(json_object_get(json_array_get(h, 2), "to_value")),
                        "repair 2026-11-25");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(h, 2), "by_user")), 3);
    assert_string_equal(json_string_value(json_object_get(o, "status")), "done");
    json_decref(o);
    json_decref(ans);
    json_decref(end);
    json_decref(end7);
}

static void test_contractor_scope(void **state)
{
    fx_t *fx = *state;
    sd_pf_t *pf = &fx->t.pf;
    sd_pf_items_t items;
    assert_int_equal(sd_maint_facilities(pf, fx->tenant, &items), 0);
    assert_int_equal(items.n, 1);
    assert_int_equal(items.scopes[0].org_id, 0); /* no contractor yet: no vendor may read */
    sd_scope_t sc = items.scopes[0];
    assert_int_equal(sd_policy_check(&fx->who, SD_ACT_MAINT_READ, &sc), SD_EFORBIDDEN);
    sd_pf_items_free(&items);
    assert_int_equal(sd_maint_contractor_set(pf, NULL, fx->tenant, fx->who.org_id), 0);
    assert_int_equal(sd_maint_facilities(pf, fx->tenant, &items), 0);
    assert_int_equal(items.scopes[0].org_id, fx->who.org_id);
    sc = items.scopes[0];
    sd_pf_items_free(&items);
    /* the contractor's org, but not linked to the tenant: still denied */
    assert_int_equal(sd_policy_check(&fx->who, SD_ACT_MAINT_RECORD, &sc), SD_EFORBIDDEN);
    int64_t linked = fx->tenant;
    fx->who.linked_tenants = &linked;
    fx->who.n_linked = 1;
    assert_int_equal(sd_policy_check(&fx->who, SD_ACT_MAINT_RECORD, &sc), 0);
    assert_int_equal(sd_policy_check(&fx->who, SD_ACT_MAINT_INSTRUCT, &sc), SD_EFORBIDDEN);
    fx->who.linked_tenants = NULL;
    fx->who.n_linked = 0;
}

/* overdue visits: found once, mailed once (the contractor's manager + step 1 of the approved
 * list), a recorded visit never, a later day's visit when its day has passed */
static void test_overdue_mailed_once(void **state)
{
    fx_t *fx = *state;
    sd_pf_t *pf = &fx->t.pf;
    sd_notify_config_t c;
    sd_notify_config_defaults(&c);
    c.digest_min = -1;
    c.portal_url = "https://portal.test";
    sd_notify_t *n = NULL;
    assert_int_equal(sd_notify_new(pf, &c, &n), 0);
    char login[32], pw[SD_TOKEN_SIZE];
    int64_t mgr =
        sd_test_pf_user(&fx->t, fx->who.org_id, SD_ROLE_GWVENDOR_ADMIN, "mgr@k.jp", login, pw);
    int64_t tech =
        sd_test_pf_user(&fx->t, fx->who.org_id, SD_ROLE_GWVENDOR_GENERAL, "tech@k.jp", login, pw);
    assert_int_equal(
        sd_maint_staff_set(pf, NULL, mgr, fx->who.org_id, fx->who.tenant_id, "manager"), 0);
    assert_int_equal(
        sd_maint_staff_set(pf, NULL, tech, fx->who.org_id, fx->who.tenant_id, "technician"), 0);
    assert_int_equal(sd_maint_contractor_set(pf, NULL, fx->tenant, fx->who.org_id), 0);
    sd_test_pf_exec(&fx->t,
                    "INSERT INTO contact_lists (tenant_id, org_id, name, entries, status, "
                    "submitted_by, submitted_at) VALUES ($1, 1, 'list', $2, 'approved', 1, 0)",
                    SD_PARAMS(SD_V_INT(fx->tenant),
                              SD_V_TEXT("[{\"name\":\"duty\",\"email\":\"duty@u.jp\",\"order\":1,"
                                        "\"min_severity\":4,\"duty\":\"always\"},{\"name\":"
                                        "\"chief\",\"email\":\"chief@u.jp\",\"order\":2,"
                                        "\"min_severity\":2,\"duty\":\"always\"}]")));
    sd_maint_facility_t f;
    assert_int_equal(sd_maint_facility(pf, fx->fac, &f), 0);
    int k;
    /* 2026-11 of a dedicated facility: monthly (10th) + daily 6th, 16th, 26th; now the 24th */
    assert_int_equal(sd_maint_plan_generate(pf, &fx->who, &f, "2026-11", 4, &k), 0);
    int64_t first = sd_test_pf_int(
        &fx->t, "SELECT id FROM maint_visits WHERE planned_on = '2026-11-06'", NULL, 0);
    json_t *ans = answers_for(pf, 1, 0), *end = end_checks(1);
    sd_maint_record_t r = {.facility = &f,
                           .cycle = "daily",
                           .remarks = "",
                           .template_id = 1,
                           .visit_id = first,
                           .answers = ans,
                           .end_checks = end};
    sd_json_err_t e;
    int64_t id;
    assert_int_equal(sd_maint_inspection_record(pf, &fx->who, &r, &e, &id), 0);
    json_decref(ans);
    json_decref(end);

    int v = -1, m = -1;
    assert_int_equal(sd_maint_overdue_check(pf, n, &v, &m), 0);
    assert_int_equal(v, 2); /* the 10th and the 16th; the 6th is recorded, the 26th to come */
    assert_int_equal(m, 4); /* each to mgr@ and duty@: not the technician, not step 2 */
    assert_int_equal(sd_test_pf_int(&fx->t,
                                    "SELECT COUNT(*) FROM notifications WHERE kind = "
                                    "'maint_overdue' AND rcpt IN ('mgr@k.jp', 'duty@u.jp')",
                                    NULL, 0),
                     4);
    assert_int_equal(sd_test_pf_int(&fx->t,
                                    "SELECT COUNT(*) FROM notifications WHERE kind = "
                                    "'maint_overdue' AND subject LIKE '%日常点検 2026-11-16%' "
                                    "AND body LIKE '%/#/maint?facility=%&month=2026-11%' AND "
                                    "body LIKE '%has not been recorded%'",
                                    NULL, 0),
                     2);
    assert_int_equal(sd_test_pf_int(&fx->t,
                                    "SELECT COUNT(*) FROM maint_visits WHERE id = $1 AND "
                                    "overdue_notified_at IS NOT NULL",
                                    SD_PARAMS(SD_V_INT(first))),
                     0);
    /* again: nothing new */
    assert_int_equal(sd_maint_overdue_check(pf, n, &v, &m), 0);
    assert_int_equal(v + m, 0);
    /* three days later (the 27th): the 26th is overdue now, mailed once */
    sd_clock_fake_advance(fx->t.clock, 3 * 86400000LL);
    assert_int_equal(sd_maint_overdue_check(pf, n, &v, &m), 0);
    assert_int_equal(v, 1);
    assert_int_equal(m, 2);
    assert_int_equal(sd_maint_overdue_check(pf, n, &v, &m), 0);
    assert_int_equal(v + m, 0);
    assert_int_equal(
        sd_test_pf_int(&fx->t, "SELECT COUNT(*) FROM notifications WHERE kind = 'maint_overdue'",
                       NULL, 0),
        6);
    sd_notify_free(n);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, sd_test_pf_teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan_counts),
        cmocka_unit_test(test_duties),
        T(test_staff_store),
        T(test_plan_store),
        T(test_not_good_opens_defect),
        T(test_contractor_scope),
        T(test_overdue_mailed_once),
    };
    return SD_TEST_PF_RUN("pf maint", tests, SD_TEST_SQLITE | SD_TEST_PG) ? 1 : 0;
}
