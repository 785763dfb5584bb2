/* test_gw_sched.c - daily slots avoid the top of the hour, spread, L3 dues, back-off. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>

#include "core/time.h"
#include "gw/sched.h"

static int64_t jst_ms(int y, int mo, int d, int h, int mi, int s)
{
    sd_civil_t c = {y, mo, d, h, mi, s};
    return sd_civil_to_unix(&c, SD_JST_OFFSET_S) * 1000;
}

static void test_slots_spread_and_clear_of_the_hour(void **st)
{
    (void)st;
    int64_t day = jst_ms(2026, 11, 24, 0, 0, 0);
    int per_hour[24] = {0};
    for (int i = 0; i < 1000; i++) {
        char code[32];
        snprintf(code, sizeof code, "sim-%05d", i);
        /* window 01:00-05:00 JST */
        int64_t t = sd_gw_daily_slot(code, day, 60, 240);
        assert_true(t >= day + 3600000);
        assert_true(t < day + 5 * 3600000);
        assert_true(sd_gw_x_allowed_ms(t));
        assert_int_equal(sd_gw_daily_slot(code, day, 60, 240), t); /* stable */
        per_hour[(t - day) / 3600000]++;
    }
    for (int h = 1; h < 5; h++) /* 250 each if even; a fair hash stays well within +-25 % */
        assert_true(per_hour[h] > 190 && per_hour[h] < 310);
    /* a window entirely inside a blackout still yields an allowed slot */
    int64_t t = sd_gw_daily_slot("x", day, 120, 3);
    assert_true(sd_gw_x_allowed_ms(t));
}

static void test_x_blackout(void **st)
{
    (void)st;
    assert_false(sd_gw_x_allowed_ms(jst_ms(2026, 11, 24, 10, 0, 0)));
    assert_false(sd_gw_x_allowed_ms(jst_ms(2026, 11, 24, 10, 5, 0)));
    assert_true(sd_gw_x_allowed_ms(jst_ms(2026, 11, 24, 10, 5, 1)));
    assert_true(sd_gw_x_allowed_ms(jst_ms(2026, 11, 24, 10, 54, 59)));
    assert_false(sd_gw_x_allowed_ms(jst_ms(2026, 11, 24, 10, 55, 0)));
    assert_false(sd_gw_x_allowed_ms(jst_ms(2026, 11, 24, 10, 59, 59)));
    assert_int_equal(sd_gw_x_next_allowed(jst_ms(2026, 11, 24, 10, 57, 0)),
                     jst_ms(2026, 11, 24, 11, 5, 1));
    assert_int_equal(sd_gw_x_next_allowed(jst_ms(2026, 11, 24, 11, 2, 0)),
                     jst_ms(2026, 11, 24, 11, 5, 1));
    int64_t ok = jst_ms(2026, 11, 24, 11, 30, 0);
    assert_int_equal(sd_gw_x_next_allowed(ok), ok);
}

static void test_l3_due(void **st)
{
    (void)st;
    sd_line_l3_desig_t monthly = {0, 15, 9, 30};
    assert_int_equal(sd_gw_l3_last_due(&monthly, jst_ms(2026, 11, 24, 0, 0, 0)),
                     jst_ms(2026, 11, 15, 9, 30, 0));
    assert_int_equal(sd_gw_l3_last_due(&monthly, jst_ms(2026, 11, 15, 9, 29, 0)),
                     jst_ms(2026, 10, 15, 9, 30, 0));
    sd_line_l3_desig_t odd = {1, 1, 0, 0};
    assert_int_equal(sd_gw_l3_last_due(&odd, jst_ms(2026, 11, 24, 0, 0, 0)),
                     jst_ms(2026, 11, 1, 0, 0, 0));
    assert_int_equal(sd_gw_l3_last_due(&odd, jst_ms(2026, 12, 24, 0, 0, 0)),
                     jst_ms(2026, 11, 1, 0, 0, 0));
    sd_line_l3_desig_t even = {2, 28, 23, 59};
    assert_int_equal(sd_gw_l3_last_due(&even, jst_ms(2027, 1, 10, 0, 0, 0)),
                     jst_ms(2026, 12, 28, 23, 59, 0));
    sd_line_l3_desig_t none = {0, 0, 0, 0};
    assert_int_equal(sd_gw_l3_last_due(&none, jst_ms(2027, 1, 10, 0, 0, 0)), 0);
}

static void test_backoff(void **st)
{
    (void)st;
    assert_int_equal(sd_gw_backoff_ms(1, 1000, 60000), 1000);
    assert_int_equal(sd_gw_backoff_ms(3, 1000, 60000), 4000);
    assert_int_equal(sd_gw_backoff_ms(30, 1000, 60000), 60000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slots_spread_and_clear_of_the_hour),
        cmocka_unit_test(test_x_blackout),
        cmocka_unit_test(test_l3_due),
        cmocka_unit_test(test_backoff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
