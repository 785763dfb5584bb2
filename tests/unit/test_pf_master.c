/* test_pf_master.c - lib/pf/master/sheets: the sheet workflow on a temporary SQLite store:
 * an approved sheet becomes a new master version atomically, a bad sheet applies nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "helpers/pf_fixture.h"
#include "pf/master/master.h"
#include "pf/master/sheets.h"

#define HEAD                                                                                       \
    "kind,facility,device,data_id,name,type,estate,estate_name,supply,tank_m3,households,"         \
    "address,model,branch,office,terminal,tel,signal,input,unit,scale_lo,scale_hi,factor,"         \
    "limit_lo,limit_hi,severity,drives\n"
#define FAC "facility,222,,,五輪,simple,222,五輪,圧送,300,830,札幌市南区,,,,,,,,,,,,,,,\n"
#define DEV "device,222,gorin-l2,,五輪 遠隔制御端末,,222,,,,,,L2,01,02,01,0115812221,,,,,,,,,,\n"

/* two sheets that each fit an empty master but not each other: X is a point, then an output */
static const char sheet_a[] = HEAD FAC DEV
    "point,,gorin-l2,gorin-l2.x,1号ポンプ 運転時間,,,,,,,,,,,,,runtime,Pi1,min,,,,,,,\n";
static const char sheet_b[] = HEAD FAC DEV
    "output,,gorin-l2,gorin-l2.x,1号ポンプ 運転指令,,,,,,,,,,,,,,Out1,,,,,,,,1号ポンプ\n";

typedef struct {
    sd_test_pf_t base;
    int64_t tid;
    sd_principal_t alice, bob; /* submitter and approver */
} fx_t;

static int64_t scalar(fx_t *f, const char *sql, int64_t tid)
{
    return sd_test_pf_int(&f->base, sql, SD_PARAMS(SD_V_INT(tid)));
}

static int setup(void **state)
{
    fx_t *f = sd_test_pf_new(sizeof *f, SD_TEST_T0);
    f->tid = sd_test_pf_tenant(&f->base, "a", SD_TENANT_KIND_SHARED_OPERATOR);
    f->alice = (sd_principal_t){
        .role = SD_ROLE_OPERATOR_ADMIN, .subject_id = 10, .org_id = 1, .tenant_id = f->tid};
    f->bob = f->alice;
    f->bob.subject_id = 11;
    *state = f;
    return 0;
}

static int64_t submit(fx_t *f, const char *csv)
{
    sd_sheet_submit_t r;
    int rc = sd_sheets_submit(&f->base.pf, &f->alice, f->tid, csv, strlen(csv), "s.csv", &r);
    if (rc) {
        json_t *e = sd_pf_sheet_errors_json(&r.errs);
        char *t = e ? json_dumps(e, 0) : NULL;
        fail_msg("submit: %s %s", sd_strerror(rc), t ? t : "");
    }
    assert_true(r.id > 0);
    sd_sheet_errors_free(&r.errs);
    return r.id;
}

static int64_t version(fx_t *f)
{
    int64_t v = -1;
    assert_int_equal(sd_pf_master_version(f->base.st, f->tid, &v), 0);
    return v;
}

static size_t master_items(fx_t *f)
{
    sd_sheet_items_t it = {0};
    assert_int_equal(sd_pf_master_load(f->base.st, f->tid, &it, NULL), 0);
    size_t n = it.n;
    sd_sheet_items_free(&it);
    return n;
}

static void test_approve_applies(void **state)
{
    fx_t *f = *state;
    int64_t id = submit(f, sheet_a);
    assert_int_equal(version(f), 0);
    assert_int_equal(master_items(f), 0);

    /* four eyes: the submitter cannot approve, and that changes nothing */
    sd_sheet_decision_t d;
    assert_int_equal(sd_sheets_decide(&f->base.pf, &f->alice, f->tid, id, true, NULL, &d), 0);
    assert_int_equal(d.refused, SD_EFORBIDDEN);
    assert_int_equal(version(f), 0);

    assert_int_equal(sd_sheets_decide(&f->base.pf, &f->bob, f->tid, id, true, NULL, &d), 0);
    assert_int_equal(d.refused, 0);
    assert_int_equal(d.version, 1);
    assert_int_equal(d.objects, 3);
    assert_int_equal(version(f), 1);
    assert_int_equal(master_items(f), 3);

    json_t *o = NULL;
    assert_int_equal(sd_sheets_get(f->base.st, f->tid, id, &o), 0);
    assert_string_equal(json_string_value(json_object_get(o, "status")), "applied");
    assert_int_equal(json_integer_value(json_object_get(o, "version")), 1);
    json_decref(o);
    assert_int_equal(scalar(f,
                            "SELECT COUNT(*) FROM audit WHERE tenant_id = $1 AND action = "
                            "'sheet.approve'",
                            f->tid),
                     1);

    /* once applied, a second decision is refused */
    assert_int_equal(sd_sheets_decide(&f->base.pf, &f->bob, f->tid, id, true, NULL, &d), 0);
    assert_int_equal(d.refused, SD_ECONFLICT);
    assert_int_equal(version(f), 1);

    /* another tenant's id is not found */
    assert_int_equal(sd_sheets_decide(&f->base.pf, &f->bob, f->tid + 1, id, true, NULL, &d),
                     SD_ENOTFOUND);
}

static void test_bad_sheet_applies_nothing(void **state)
{
    fx_t *f = *state;
    /* rejected at submission: nothing stored, the refusal audited */
    static const char bad[] = HEAD "point,,nowhere,nowhere.x,?,,,,,,,,,,,,,bogus,Zz9,,,,,,,,\n";
    sd_sheet_submit_t r;
    assert_int_equal(
        sd_sheets_submit(&f->base.pf, &f->alice, f->tid, bad, strlen(bad), "bad.csv", &r),
        SD_EFIELD);
    assert_true(r.errs.n > 0);
    assert_int_equal(r.id, 0);
    sd_sheet_errors_free(&r.errs);
    sd_pf_items_t items;
    assert_int_equal(sd_sheets_list(f->base.st, f->tid, 0, NULL, &items), 0);
    assert_int_equal(items.n, 0);
    sd_pf_items_free(&items);
    assert_int_equal(scalar(f,
                            "SELECT COUNT(*) FROM audit WHERE tenant_id = $1 AND action = "
                            "'sheet.submit' AND detail LIKE '%invalid%'",
                            f->tid),
                     1);

    /* B fitted when submitted, but A landed first: approving B applies nothing at all */
    int64_t a = submit(f, sheet_a), b = submit(f, sheet_b);
    sd_sheet_decision_t d;
    assert_int_equal(sd_sheets_decide(&f->base.pf, &f->bob, f->tid, a, true, NULL, &d), 0);
    assert_int_equal(d.refused, 0);
    sd_sheet_errors_free(&d.errs);
    assert_int_equal(version(f), 1);
    assert_int_equal(sd_sheets_decide(&f->base.pf, &f->bob, f->tid, b, true, NULL, &d), 0);
    assert_int_equal(d.refused, SD_ECONFLICT);
    assert_true(d.errs.n > 0);
    sd_sheet_errors_free(&d.errs);
    assert_int_equal(version(f), 1);
    assert_int_equal(master_items(f), 3);
    json_t *o = NULL;
    assert_int_equal(sd_sheets_get(f->base.st, f->tid, b, &o), 0);
    assert_string_equal(json_string_value(json_object_get(o, "status")), "submitted");
    assert_true(json_array_size(json_object_get(o, "errors")) > 0); /* its findings are kept */
    json_decref(o);

    /* rejecting it records the reason and leaves the master alone */
    assert_int_equal(sd_sheets_decide(&f->base.pf, &f->bob, f->tid, b, false, "stale", &d), 0);
    assert_int_equal(d.refused, 0);
    assert_int_equal(sd_sheets_get(f->base.st, f->tid, b, &o), 0);
    assert_string_equal(json_string_value(json_object_get(o, "status")), "rejected");
    assert_string_equal(json_string_value(json_object_get(o, "reason")), "stale");
    json_decref(o);
    assert_int_equal(version(f), 1);
    assert_int_equal(sd_sheets_list(f->base.st, f->tid, 0, "applied", &items), 0);
    assert_int_equal(items.n, 1);
    sd_pf_items_free(&items);
}

/* a monitor point, an analog point with limits and an output on one device */
static const char sheet_c[] = HEAD FAC DEV
    "point,,gorin-l2,gorin-l2.run,1号ポンプ 運転,,,,,,,,,,,,,monitor,Di1,,,,,,,,\n"
    "point,,gorin-l2,gorin-l2.lvl,配水池水位,,,,,,,,,,,,,analog,Ai1,m,0,5,,0.5,4.5,major,\n"
    "output,,gorin-l2,gorin-l2.cmd,1号ポンプ 運転指令,,,,,,,,,,,,,,Out1,,,,,,,,1号ポンプ\n";

static int count_facility(void *ctx, int64_t id, const char *code, const char *name)
{
    assert_true(id > 0);
    assert_string_equal(code, "222");
    assert_string_equal(name, "五輪");
    (*(int *)ctx)++;
    return 0;
}

static int count_point(void *ctx, int64_t id, const char *data_id, const char *name)
{
    assert_true(id > 0);
    assert_string_equal(data_id, "gorin-l2.run");
    (*(int *)ctx)++;
    return 0;
}

static int count_gateway(void *ctx, const char *gateway)
{
    assert_string_equal(gateway, "");
    (*(int *)ctx)++;
    return 0;
}

/* the reads the other rooms make of the master */
static void test_reads(void **state)
{
    fx_t *f = *state;
    sd_store_t *st = f->base.st;
    sd_sheet_decision_t dec;
    assert_int_equal(
        sd_sheets_decide(&f->base.pf, &f->bob, f->tid, submit(f, sheet_c), true, NULL, &dec), 0);
    assert_int_equal(dec.refused, 0);

    sd_pf_master_device_t d, d2;
    assert_int_equal(sd_pf_master_device(st, f->tid, "gorin-l2", &d), 0);
    assert_string_equal(d.facility, "222");
    assert_string_equal(d.facility_name, "五輪");
    assert_string_equal(d.tel, "0115812221");
    assert_string_equal(d.gateway, "");
    assert_int_equal(d.tenant_id, f->tid);
    assert_int_equal(sd_pf_master_device(st, f->tid, "nowhere", &d2), SD_ENOTFOUND);
    assert_int_equal(sd_pf_master_device(st, f->tid + 1, "gorin-l2", &d2), SD_ENOTFOUND);
    assert_int_equal(sd_pf_master_device_get(st, d.id, &d2), 0);
    assert_string_equal(d2.code, "gorin-l2");

    sd_pf_master_data_t x;
    assert_int_equal(sd_pf_master_data(st, f->tid, "gorin-l2.run", 0, &x), 0);
    assert_int_equal(x.device_id, d.id);
    assert_string_equal(x.device, "gorin-l2");
    assert_int_equal(sd_pf_master_data(st, f->tid, "gorin-l2.cmd", 1, &x), 0);
    assert_int_equal(x.output_no, 1);
    assert_int_equal(sd_pf_master_data(st, f->tid, "gorin-l2.cmd", 0, &x), SD_ENOTFOUND);
    assert_int_equal(sd_pf_master_data_known(st, f->tid, "gorin-l2.cmd"), 0);
    assert_int_equal(sd_pf_master_data_known(st, f->tid, "gorin-l2.lvl"), 0);
    assert_int_equal(sd_pf_master_data_known(st, f->tid, "gorin-l2.none"), SD_ENOTFOUND);

    int64_t fid = 0;
    assert_int_equal(sd_pf_master_facility_id(st, f->tid, "222", &fid), 0);
    assert_true(fid > 0);
    assert_int_equal(sd_pf_master_facility_id(st, f->tid, "999", NULL), SD_ENOTFOUND);

    sd_pf_master_point_t p;
    assert_int_equal(sd_pf_master_point(st, f->tid, "gorin-l2.lvl", &p), 0);
    assert_string_equal(p.signal, "analog");
    assert_true(p.has_lo && p.has_hi && p.has_scale);
    assert_true(p.limit_hi == 4.5 && p.scale_hi == 5);
    assert_string_equal(p.device, "gorin-l2");
    assert_string_equal(p.facility, "222");
    assert_int_equal(sd_pf_master_point(st, f->tid, "gorin-l2.cmd", &p), SD_ENOTFOUND);

    int nf = 0, np = 0, ng = 0;
    assert_int_equal(sd_pf_master_each_facility(st, f->tid, count_facility, &nf), 0);
    assert_int_equal(sd_pf_master_each_facility_point(st, fid, "monitor", count_point, &np), 0);
    assert_int_equal(sd_pf_master_each_facility_gateway(st, fid, count_gateway, &ng), 0);
    assert_int_equal(nf + np + ng, 3);

    json_t *a = NULL;
    assert_int_equal(sd_pf_master_served_json(st, f->tid, "north", 1, &a), 0);
    assert_int_equal(json_array_size(a), 1);
    json_t *dev = json_array_get(a, 0);
    assert_int_equal(json_array_size(json_object_get(dev, "points")), 2);
    assert_int_equal(json_array_size(json_object_get(dev, "outputs")), 1);
    json_decref(a);
    assert_int_equal(sd_pf_master_served_json(st, f->tid, "north", 0, &a), 0);
    assert_int_equal(json_array_size(a), 0); /* names none, and north is not the only one */
    json_decref(a);
}

/*
 * Issue 11: a vendor admin got 403 on its own sheets (the handler measured "O" against org 0). A
 * sheet belongs to its submitter's organisation; the list filters on it. SQLite and PostgreSQL.
 */
static void test_sheet_orgs(void **state)
{
    fx_t *f = *state;
    sd_test_pf_t *t = &f->base;
    int64_t v = sd_test_pf_tenant(t, "vendors", SD_TENANT_KIND_VENDOR);
    int64_t oa = sd_test_pf_org(t, f->tid, SD_ORG_KIND_OPERATOR, "Sapporo");
    int64_t ov = sd_test_pf_org(t, v, SD_ORG_KIND_AP_VENDOR, "AP");
    int64_t og = sd_test_pf_org(t, v, SD_ORG_KIND_GW_VENDOR, "GW");
    sd_principal_t op = {
        .role = SD_ROLE_OPERATOR_ADMIN,
        .org_id = oa,
        .tenant_id = f->tid,
        .subject_id = sd_test_pf_user(t, oa, SD_ROLE_OPERATOR_ADMIN, "op@example.jp", NULL, NULL)};
    sd_principal_t ven = {
        .role = SD_ROLE_APVENDOR_ADMIN,
        .org_id = ov,
        .tenant_id = v,
        .subject_id = sd_test_pf_user(t, ov, SD_ROLE_APVENDOR_ADMIN, "ap@example.jp", NULL, NULL)};
    int64_t ids[2];
    const sd_principal_t *by[2] = {&op, &ven};
    for (int i = 0; i < 2; i++) {
        sd_sheet_submit_t r;
        assert_int_equal(
            sd_sheets_submit(&t->pf, by[i], f->tid, sheet_a, strlen(sheet_a), "s.csv", &r), 0);
        sd_sheet_errors_free(&r.errs);
        ids[i] = r.id;
    }
    const struct {
        int64_t org;
        size_t n;
        int64_t first;
    } want[] = {{0, 2, ids[1]}, {oa, 1, ids[0]}, {ov, 1, ids[1]}, {og, 0, 0}};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        sd_pf_items_t items;
        assert_int_equal(sd_sheets_list(t->st, f->tid, want[i].org, NULL, &items), 0);
        assert_int_equal(items.n, want[i].n);
        if (items.n)
            assert_int_equal(
                json_integer_value(json_object_get(json_array_get(items.rows, 0), "id")),
                want[i].first);
        sd_pf_items_free(&items);
    }
    sd_pf_items_t items;
    assert_int_equal(sd_sheets_list(t->st, f->tid, ov, "submitted", &items), 0);
    assert_int_equal(items.n, 1);
    sd_pf_items_free(&items);
    assert_int_equal(sd_sheets_list(t->st, f->tid, ov, "applied", &items), 0);
    assert_int_equal(items.n, 0);
    sd_pf_items_free(&items);
    int64_t org = -1;
    assert_int_equal(sd_sheets_org(t->st, f->tid, ids[1], &org), 0);
    assert_int_equal(org, ov);
    assert_int_equal(sd_sheets_org(t->st, f->tid, ids[0], &org), 0);
    assert_int_equal(org, oa);
    assert_int_equal(sd_sheets_org(t->st, v, ids[1], &org), SD_ENOTFOUND); /* another tenant */
    /* what the handler asks the policy with that org: the vendor admin of the sheet's org, in
     * a tenant it serves, may read it; measured against org 0 (the bug) it may not */
    ven.linked_tenants = &f->tid;
    ven.n_linked = 1;
    sd_scope_t own = {.tenant_id = f->tid, .org_id = ov}, none = {.tenant_id = f->tid};
    sd_scope_t other = {.tenant_id = f->tid, .org_id = oa};
    assert_int_equal(sd_policy_check(&ven, SD_ACT_SHEET_READ, &own), 0);
    assert_int_equal(sd_policy_check(&ven, SD_ACT_SHEET_READ, &none), SD_EFORBIDDEN);
    assert_int_equal(sd_policy_check(&ven, SD_ACT_SHEET_READ, &other), SD_EFORBIDDEN);
    ven.n_linked = 0; /* a tenant it does not serve */
    assert_int_equal(sd_policy_check(&ven, SD_ACT_SHEET_READ, &own), SD_EFORBIDDEN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_approve_applies, setup, sd_test_pf_teardown),
        cmocka_unit_test_setup_teardown(test_bad_sheet_applies_nothing, setup, sd_test_pf_teardown),
        cmocka_unit_test_setup_teardown(test_reads, setup, sd_test_pf_teardown),
    };
    const struct CMUnitTest both[] = {
        cmocka_unit_test_setup_teardown(test_sheet_orgs, setup, sd_test_pf_teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    return failed + SD_TEST_PF_RUN("sheet organisations", both, SD_TEST_SQLITE | SD_TEST_PG);
}
