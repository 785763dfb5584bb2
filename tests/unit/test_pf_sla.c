/* test_pf_sla.c - SLA math with synthetic minute records (table 3-1 edges, maintenance,
 * missing minutes), resource states and percentiles, incident status transitions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "pf/ops/incident.h"
#include "pf/ops/opsmon.h"
#include "pf/ops/sla.h"

#define MIN INT64_C(60000)
/* 2026-11-01T00:00+09:00: a 30-day JST month of 43,200 minutes */
#define NOV     INT64_C(1793458800000)
#define NOV_MIN 43200

static void test_refund_table(void **st)
{
    (void)st;
    assert_int_equal(sd_sla_refund_pct(100.0), 0);
    assert_int_equal(sd_sla_refund_pct(99.95), 0);
    assert_int_equal(sd_sla_refund_pct(99.9499), 1);
    assert_int_equal(sd_sla_refund_pct(99.80), 1);
    assert_int_equal(sd_sla_refund_pct(99.7999), 3);
    assert_int_equal(sd_sla_refund_pct(99.00), 3);
    assert_int_equal(sd_sla_refund_pct(98.9999), 10);
    assert_int_equal(sd_sla_refund_pct(0), 10);
}

/* A full month of probe rows, all up, except `down` minutes of service svc from minute `at`. */
static sd_sla_minute_t *month(int svc, int64_t at, int64_t down)
{
    sd_sla_minute_t *r = calloc(NOV_MIN, sizeof *r);
    assert_non_null(r);
    for (int64_t i = 0; i < NOV_MIN; i++) {
        r[i].minute_ms = NOV + i * MIN;
        for (int k = 0; k < SD_SLA__COUNT; k++)
            r[i].ok[k] = !(k == svc && i >= at && i < at + down);
    }
    return r;
}

/* Table 3-1 in minutes of a 30-day month: 21 min 36 s, 86 min 24 s, 432 min. */
static void test_month_edges(void **st)
{
    (void)st;
    static const struct {
        int64_t down;
        int refund;
    } cases[] = {{0, 0}, {21, 0}, {22, 1}, {86, 1}, {87, 3}, {432, 3}, {433, 10}};
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        sd_sla_minute_t *r = month(SD_SLA_STORAGE, 1000, cases[c].down);
        sd_sla_result_t res;
        sd_sla_compute(NOV, NOV + NOV_MIN * MIN, r, NOV_MIN, NULL, 0, &res);
        assert_int_equal(res.minutes, NOV_MIN);
        assert_int_equal(res.down[SD_SLA_STORAGE], cases[c].down);
        assert_int_equal(res.down[SD_SLA_APIF], 0);
        assert_int_equal(res.down_any, cases[c].down);
        if (res.refund_pct != cases[c].refund)
            fail_msg("%lld min down: %.4f %% -> %d %%, want %d %%", (long long)cases[c].down,
                     res.pct_all, res.refund_pct, cases[c].refund);
        free(r);
    }
}

static void test_maintenance_and_gaps(void **st)
{
    (void)st;
    /* 500 minutes of AP-IF down, all inside an announced window: excluded, no refund */
    sd_sla_minute_t *r = month(SD_SLA_APIF, 2000, 500);
    sd_sla_window_t w = {NOV + 1990 * MIN, NOV + 2510 * MIN};
    sd_sla_result_t res;
    sd_sla_compute(NOV, NOV + NOV_MIN * MIN, r, NOV_MIN, &w, 1, &res);
    assert_int_equal(res.excluded, 520);
    assert_int_equal(res.down[SD_SLA_APIF], 0);
    assert_int_equal(res.refund_pct, 0);
    assert_true(res.pct_all == 100.0);
    /* the window ends 10 minutes early: those 10 count */
    w.end_ms = NOV + 2490 * MIN;
    sd_sla_compute(NOV, NOV + NOV_MIN * MIN, r, NOV_MIN, &w, 1, &res);
    assert_int_equal(res.down[SD_SLA_APIF], 10);
    assert_int_equal(res.excluded, 500);
    free(r);
    /* minutes without any row (the server was down): every service down in them */
    r = month(-1, 0, 0);
    memmove(&r[100], &r[130], (NOV_MIN - 130) * sizeof *r);
    sd_sla_compute(NOV, NOV + NOV_MIN * MIN, r, NOV_MIN - 30, NULL, 0, &res);
    for (int k = 0; k < SD_SLA__COUNT; k++)
        assert_int_equal(res.down[k], 30);
    assert_int_equal(res.down_any, 30);
    assert_int_equal(res.refund_pct, 1);
    /* different services down in different minutes add up for the whole */
    r[5].ok[SD_SLA_GWIF] = 0;
    r[6].ok[SD_SLA_APIF] = 0;
    sd_sla_compute(NOV, NOV + NOV_MIN * MIN, r, NOV_MIN - 30, NULL, 0, &res);
    assert_int_equal(res.down_any, 32);
    assert_int_equal(res.down[SD_SLA_GWIF], 31);
    free(r);
    /* nothing measured: 100 % */
    sd_sla_compute(NOV, NOV, NULL, 0, NULL, 0, &res);
    assert_int_equal(res.minutes, 0);
    assert_true(res.pct_all == 100.0);
    assert_int_equal(res.refund_pct, 0);
}

static void test_monitor_pure(void **st)
{
    (void)st;
    assert_string_equal(sd_opsmon_state(79.9, 80, 95), "ok");
    assert_string_equal(sd_opsmon_state(80, 80, 95), "warn");
    assert_string_equal(sd_opsmon_state(95, 80, 95), "fault");
    int64_t v[100];
    for (int i = 0; i < 100; i++)
        v[i] = 100 - i; /* 100 .. 1, unsorted */
    assert_true(sd_opsmon_percentile(v, 100, 50) == 50);
    assert_true(sd_opsmon_percentile(v, 100, 99) == 99);
    assert_true(sd_opsmon_percentile(v, 100, 100) == 100);
    int64_t one = 7;
    assert_true(sd_opsmon_percentile(&one, 1, 99) == 7);
    assert_true(sd_opsmon_percentile(NULL, 0, 50) == 0);
}

static void test_incident_transitions(void **st)
{
    (void)st;
    assert_int_equal(sd_incident_transition("open", "investigating"), 0);
    assert_int_equal(sd_incident_transition("open", "resolved"), 0);
    assert_int_equal(sd_incident_transition("investigating", "resolved"), 0);
    assert_int_equal(sd_incident_transition("resolved", "investigating"), 0);
    assert_int_equal(sd_incident_transition("resolved", "closed"), 0);
    assert_int_equal(sd_incident_transition("open", "closed"), SD_ECONFLICT);
    assert_int_equal(sd_incident_transition("investigating", "open"), SD_ECONFLICT);
    assert_int_equal(sd_incident_transition("closed", "open"), SD_ECONFLICT);
    assert_int_equal(sd_incident_transition("closed", "investigating"), SD_ECONFLICT);
    assert_int_equal(sd_incident_transition("open", "done"), SD_EFIELD);
    assert_int_equal(sd_incident_transition(NULL, "open"), SD_EFIELD);
}

int main(void)
{
    const struct CMUnitTest t[] = {
        cmocka_unit_test(test_refund_table),         cmocka_unit_test(test_month_edges),
        cmocka_unit_test(test_maintenance_and_gaps), cmocka_unit_test(test_monitor_pure),
        cmocka_unit_test(test_incident_transitions),
    };
    return cmocka_run_group_tests_name("sla, monitor, incidents", t, NULL, NULL);
}
